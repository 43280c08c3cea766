/* gradlab-rf-lab.c: the receptive-field lab: layer table, fields, comparisons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here is computed from real layers: the table of the run's
 * network comes from gr_geometry_compute () on the worker (through the
 * segmentation sampler), the effective field of a clicked pixel from a
 * real backward pass there, and the comparisons from small networks built
 * on the main thread from layer specs (never compiled: geometry needs
 * only the shapes).
 */

#include "gradlab-rf-lab.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gradlab-mask-view.h"
#include "gradlab-rf-view.h"
#include "gradlab-seg-lab.h"

#define TICK_INTERVAL_US (G_USEC_PER_SEC / 30)
#define RF_SAMPLES       2

struct _GradlabRfLab
{
  AdwBin              parent_instance;

  GradlabTrainer     *trainer;
  GradlabSegSampler  *sampler;
  guint               snap_serial;
  guint               tick_id;
  gint64              last_tick;
  guint               seen_generation;

  GtkWidget          *mask_view;
  GtkWidget          *rf_view;
  GtkWidget          *caption;
  GtkWidget          *table;
  GtkWidget          *dilation;
  GtkWidget          *cmp_stack;
  GtkWidget          *cmp_single;
  GtkWidget          *cmp_bottleneck;
  GtkWidget          *cmp_plain;
  GtkWidget          *cmp_dilated;

  GradlabSegSnapshot *snap;          /* the latest, owned */
  GrGeometry         *shown_geo;     /* geometry in the table */
  int                 n_rows;
  int                 sample;        /* chosen sample, -1 = none */
  int                 px, py;        /* chosen output pixel */
  gboolean            auto_chosen;
  guint               erf_serial;    /* of the snapshot's field shown */
  guint               erf_count;
  float              *erf;           /* (H, W) shown */
  int                 erf_w, erf_h, erf_cx, erf_cy, erf_rf;
};

G_DEFINE_FINAL_TYPE (GradlabRfLab, gradlab_rf_lab, ADW_TYPE_BIN)

/* ------------------------------------------------------------ formulas */

static int
first_input (const GrLayerSpec *specs,
             int                row)
{
  return specs[row].n_inputs > 0 ? specs[row].inputs[0] : row - 1;
}

static void
fmt_num (double v,
         char   out[32])
{
  if (v == floor (v))
    g_snprintf (out, 32, "%.0f", v);
  else
    g_snprintf (out, 32, "%.2g", v);
}

void
gradlab_rf_formula (const GrGeometry  *geo,
                    const GrLayerSpec *specs,
                    int                row,
                    char              *buf,
                    gsize              len)
{
  const GrGeometryRow *r = &geo->rows[row];
  const GrLayerSpec *sp = &specs[row];
  char rf[32], rin[32], jin[32];
  int in;

  fmt_num (r->rf, rf);
  if (row == 0)
    {
      g_snprintf (buf, len, "RF = 1");
      return;
    }
  if (r->global)
    {
      g_snprintf (buf, len, "%s", _("the whole input"));
      return;
    }
  in = CLAMP (first_input (specs, row), 0, geo->n_rows - 1);
  fmt_num (geo->rows[in].rf, rin);
  fmt_num (geo->rows[in].jump, jin);
  if (sp->kind == GR_LAYER_CONV2D || sp->kind == GR_LAYER_MAXPOOL
      || sp->kind == GR_LAYER_AVGPOOL)
    {
      int d = sp->kind == GR_LAYER_CONV2D ? MAX (sp->dilation, 1) : 1;

      if (d > 1)
        g_snprintf (buf, len, "RF = %s + (%d−1)·%d·%s = %s", rin, sp->kernel, d, jin, rf);
      else
        g_snprintf (buf, len, "RF = %s + (%d−1)·%s = %s", rin, sp->kernel, jin, rf);
    }
  else if (sp->kind == GR_LAYER_ADD || sp->kind == GR_LAYER_CONCAT)
    {
      g_autoptr (GString) s = g_string_new ("RF = max(");

      for (int i = 0; i < sp->n_inputs; i++)
        {
          char v[32];

          fmt_num (geo->rows[CLAMP (sp->inputs[i], 0, geo->n_rows - 1)].rf, v);
          g_string_append_printf (s, "%s%s", i ? ", " : "", v);
        }
      g_string_append_printf (s, ") = %s", rf);
      g_strlcpy (buf, s->str, len);
    }
  else if (sp->kind == GR_LAYER_UPSAMPLE)
    g_snprintf (buf, len, "RF = %s + (2 − 1/%d)·%s = %s", rin, MAX (sp->scale, 1), jin, rf);
  else
    g_snprintf (buf, len, "RF = %s", rf);
}

void
gradlab_rf_size_formula (const GrGeometry  *geo,
                         const GrLayerSpec *specs,
                         int                row,
                         char              *buf,
                         gsize              len)
{
  const GrLayerSpec *sp = &specs[row];
  const GrGeometryRow *r = &geo->rows[row];
  int in, k, s, d, p;

  buf[0] = '\0';
  if (row == 0 || (sp->kind != GR_LAYER_CONV2D && sp->kind != GR_LAYER_MAXPOOL
                   && sp->kind != GR_LAYER_AVGPOOL))
    return;
  in = CLAMP (first_input (specs, row), 0, geo->n_rows - 1);
  k = sp->kernel;
  d = sp->kind == GR_LAYER_CONV2D ? MAX (sp->dilation, 1) : 1;
  s = sp->stride > 0 ? sp->stride : (sp->kind == GR_LAYER_CONV2D ? 1 : k);
  p = sp->pad;
  g_snprintf (buf, len, "H = (%d+2·%d−%d·(%d−1)−1)/%d+1 = %d", geo->rows[in].out.h, p,
              d, k, s, r->out.h);
}

static char *
format_flops (double v)
{
  if (v >= 1e9)
    return g_strdup_printf ("%.2f G", v / 1e9);
  if (v >= 1e6)
    return g_strdup_printf ("%.2f M", v / 1e6);
  if (v >= 1e3)
    return g_strdup_printf ("%.1f k", v / 1e3);
  return g_strdup_printf ("%.0f", v);
}

static char *
params_formula (const GrGeometry  *geo,
                const GrLayerSpec *specs,
                int                row)
{
  const GrLayerSpec *sp = &specs[row];
  int in;

  if (row == 0 || sp->kind != GR_LAYER_CONV2D)
    return NULL;
  in = CLAMP (first_input (specs, row), 0, geo->n_rows - 1);
  if (sp->no_bias)
    return g_strdup_printf ("%d·%d·%d·%d", sp->kernel, sp->kernel, geo->rows[in].out.c, sp->units);
  return g_strdup_printf ("%d·%d·%d·%d + %d", sp->kernel, sp->kernel, geo->rows[in].out.c,
                          sp->units, sp->units);
}

/* --------------------------------------------------------- layer table */

static GtkWidget *
cell (const char *text,
      const char *formula,
      gboolean    numeric)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1.0f : 0.0f);
  if (numeric)
    gtk_widget_add_css_class (label, "numeric");
  gtk_box_append (GTK_BOX (box), label);
  if (formula != NULL && formula[0] != '\0')
    {
      GtkWidget *f = gtk_label_new (formula);

      gtk_label_set_xalign (GTK_LABEL (f), numeric ? 1.0f : 0.0f);
      gtk_widget_add_css_class (f, "caption");
      gtk_widget_add_css_class (f, "dim-label");
      gtk_widget_add_css_class (f, "numeric");
      gtk_box_append (GTK_BOX (box), f);
    }
  return box;
}

static void
fill_table (GtkGrid           *grid,
            const GrGeometry  *geo,
            const GrLayerSpec *specs)
{
  GtkWidget *child;
  const char *heads[] = {
    N_("Layer"), N_("Output C×H×W"), N_("Field"), N_("Params · FLOPs")
  };
  int r;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (grid))) != NULL)
    gtk_grid_remove (grid, child);
  for (guint c = 0; c < G_N_ELEMENTS (heads); c++)
    {
      GtkWidget *h = gtk_label_new (_(heads[c]));

      gtk_label_set_xalign (GTK_LABEL (h), c == 0 ? 0.0f : 1.0f);
      gtk_widget_add_css_class (h, "heading");
      gtk_grid_attach (grid, h, (int) c, 0, 1, 1);
    }
  /* Two grid rows per layer: the numbers, then the formulas that give
   * them, with this network's values filled in. */
  for (r = 0; r < geo->n_rows; r++)
    {
      const GrGeometryRow *row = &geo->rows[r];
      char rf_f[160], size_f[160], rf_text[32];
      g_autofree char *shape = g_strdup_printf ("%d×%d×%d", row->out.c, row->out.h, row->out.w);
      g_autofree char *flops = format_flops (row->flops);
      g_autofree char *params = g_strdup_printf ("%zu · %s", row->n_params, flops);
      g_autofree char *pf = params_formula (geo, specs, r);
      g_autoptr (GString) f = g_string_new (NULL);
      g_autofree char *name = g_strdup_printf ("%s (%s)", row->name, gr_layer_kind_name (row->kind));

      gradlab_rf_formula (geo, specs, r, rf_f, sizeof rf_f);
      gradlab_rf_size_formula (geo, specs, r, size_f, sizeof size_f);
      if (row->global)
        g_strlcpy (rf_text, _("global"), sizeof rf_text);
      else
        fmt_num (row->rf, rf_text);
      gtk_grid_attach (grid, cell (name, NULL, FALSE), 0, 2 * r + 1, 1, 1);
      gtk_grid_attach (grid, cell (shape, NULL, TRUE), 1, 2 * r + 1, 1, 1);
      gtk_grid_attach (grid, cell (rf_text, NULL, TRUE), 2, 2 * r + 1, 1, 1);
      gtk_grid_attach (grid, cell (params, NULL, TRUE), 3, 2 * r + 1, 1, 1);
      if (size_f[0])
        g_string_append_printf (f, "%s    ", size_f);
      g_string_append (f, rf_f);
      if (pf != NULL)
        g_string_append_printf (f, "    %s = %zu", pf, row->n_params);
      {
        GtkWidget *fl = gtk_label_new (f->str);

        gtk_label_set_xalign (GTK_LABEL (fl), 0.0f);
        gtk_widget_add_css_class (fl, "caption");
        gtk_widget_add_css_class (fl, "dim-label");
        gtk_widget_add_css_class (fl, "numeric");
        gtk_widget_set_margin_start (fl, 12);
        gtk_widget_set_margin_bottom (fl, 4);
        gtk_grid_attach (grid, fl, 0, 2 * r + 2, 4, 1);
      }
    }
  r = 2 * geo->n_rows;
  {
    g_autofree char *flops = format_flops (geo->total_flops);
    g_autofree char *params = g_strdup_printf ("%zu · %s", geo->total_params, flops);
    GtkWidget *total = gtk_label_new (_("Total (FLOPs per sample, forward)"));

    gtk_label_set_xalign (GTK_LABEL (total), 0.0f);
    gtk_widget_add_css_class (total, "heading");
    gtk_grid_attach (grid, total, 0, r + 1, 3, 1);
    gtk_grid_attach (grid, cell (params, NULL, TRUE), 3, r + 1, 1, 1);
  }
}

/* --------------------------------------------------------- comparisons */

/* Builds a net on @input from @specs and writes its geometry as text:
 * one line per layer and a summary. */
static char *
compare_text (const char        *title,
              GrShape            input,
              const GrLayerSpec *specs,
              int                n_specs)
{
  GrNet *net = gr_net_new (input);
  g_autofree GrGeometry *geo = g_new0 (GrGeometry, 1);
  g_autoptr (GString) s = g_string_new (NULL);
  g_autofree char *title_m = g_markup_escape_text (title, -1);

  if (net == NULL)
    return g_strdup ("");
  for (int i = 0; i < n_specs; i++)
    if (gr_net_add (net, &specs[i]) < 0)
      {
        g_string_append_printf (s, "%s: %s", title, gr_net_error (net));
        gr_net_free (net);
        return g_markup_escape_text (s->str, -1);
      }
  gr_geometry_compute (net, geo);
  g_string_append_printf (s, "<b>%s</b>\n", title_m);
  for (int r = 1; r < geo->n_rows; r++)
    {
      const GrGeometryRow *row = &geo->rows[r];
      const GrLayerSpec *sp = gr_net_node_spec (net, r);
      int d = MAX (sp->dilation, 1);
      g_autofree char *kind = d > 1 ? g_strdup_printf ("%d×%d d%d", sp->kernel, sp->kernel, d)
                                    : g_strdup_printf ("%d×%d", sp->kernel, sp->kernel);

      g_string_append_printf (s, "<tt>%-8s %3d→%-3d RF %3.0f  %6zu w</tt>\n", kind,
                              geo->rows[r - 1].out.c,
                              row->out.c, row->rf, row->n_params);
    }
  /* Translators: summary of a comparison network: field side, weights */
  g_string_append_printf (s, _("Field %.0f×%.0f · %zu weights"), geo->rows[geo->n_rows - 1].rf,
                          geo->rows[geo->n_rows - 1].rf, geo->total_params);
  gr_net_free (net);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static GrLayerSpec
conv_spec (int units,
           int kernel,
           int dilation)
{
  GrLayerSpec sp = { 0 };

  sp.kind = GR_LAYER_CONV2D;
  sp.units = units;
  sp.kernel = kernel;
  sp.dilation = dilation;
  sp.pad = dilation * (kernel - 1) / 2;
  sp.no_bias = TRUE;
  return sp;
}

static void
update_dilated (GradlabRfLab *self)
{
  int d = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->dilation));
  GrLayerSpec specs[3] = { conv_spec (1, 3, d), conv_spec (1, 3, d), conv_spec (1, 3, d) };
  g_autofree char *title = g_strdup_printf (_("Three 3×3 convs, dilation %d"), d);
  g_autofree char *text = compare_text (title, (GrShape) { 1, 1, 64, 64 }, specs, 3);

  gtk_label_set_markup (GTK_LABEL (self->cmp_dilated), text);
}

static void
dilation_changed_cb (GtkSpinButton *spin,
                     GradlabRfLab  *self)
{
  update_dilated (self);
}

static void
build_comparisons (GradlabRfLab *self)
{
  GrLayerSpec two[2] = { conv_spec (1, 3, 1), conv_spec (1, 3, 1) };
  GrLayerSpec one[1] = { conv_spec (1, 5, 1) };
  GrLayerSpec bottleneck[3] = { conv_spec (16, 1, 1), conv_spec (16, 3, 1), conv_spec (64, 1, 1) };
  GrLayerSpec plain[1] = { conv_spec (64, 3, 1) };
  g_autofree char *a = compare_text (_("Two stacked 3×3 convs"), (GrShape) { 1, 1, 32, 32 },
                                     two, 2);
  g_autofree char *b = compare_text (_("One 5×5 conv"), (GrShape) { 1, 1, 32, 32 }, one, 1);
  g_autofree char *c = compare_text (_("1×1 bottleneck, 64 channels"),
                                     (GrShape) { 1, 64, 16, 16 }, bottleneck, 3);
  g_autofree char *e = compare_text (_("Plain 3×3, 64 channels"), (GrShape) { 1, 64, 16, 16 },
                                     plain, 1);

  gtk_label_set_markup (GTK_LABEL (self->cmp_stack), a);
  gtk_label_set_markup (GTK_LABEL (self->cmp_single), b);
  gtk_label_set_markup (GTK_LABEL (self->cmp_bottleneck), c);
  gtk_label_set_markup (GTK_LABEL (self->cmp_plain), e);
  update_dilated (self);
}

/* -------------------------------------------------------------- fields */

static void
choose_pixel (GradlabRfLab *self,
              int           sample,
              int           x,
              int           y)
{
  const GradlabSegSnapshot *snap = self->snap;
  int cx, cy, rf;

  if (snap == NULL || sample < 0 || sample >= MIN (snap->n_samples, RF_SAMPLES))
    return;
  self->sample = sample;
  self->px = x;
  self->py = y;
  gradlab_mask_view_set_selected_pixel (GRADLAB_MASK_VIEW (self->mask_view), sample, x, y);
  gradlab_rf_view_set_image (GRADLAB_RF_VIEW (self->rf_view), (guint) snap->channels,
                             (guint) snap->height, (guint) snap->width,
                             snap->images + (gsize) sample * snap->channels * snap->height
                                            * snap->width);
  if (gradlab_seg_snapshot_field (snap, x, y, &cx, &cy, &rf))
    gradlab_rf_view_set_field (GRADLAB_RF_VIEW (self->rf_view), cx, cy, rf);
  gradlab_rf_view_set_erf (GRADLAB_RF_VIEW (self->rf_view), NULL);
  gradlab_seg_sampler_request_erf (self->sampler, sample, x, y);
}

static void
mask_pixel_cb (GradlabMaskView *view,
               int              sample,
               int              x,
               int              y,
               GradlabRfLab    *self)
{
  choose_pixel (self, sample, x, y);
}

static void
rf_pixel_cb (GradlabRfView *view,
             int            x,
             int            y,
             GradlabRfLab  *self)
{
  choose_pixel (self, MAX (self->sample, 0), x, y);
}

static void
show_snapshot (GradlabRfLab *self)
{
  GradlabSegSnapshot *snap = self->snap;
  GradlabMaskView *mv = GRADLAB_MASK_VIEW (self->mask_view);
  int n = MIN (snap->n_classes, GR_MAX_CLASSES);
  int K = MIN (snap->n_samples, RF_SAMPLES);
  const char *names[GR_MAX_CLASSES];
  int cx, cy, rf;

  for (int c = 0; c < n; c++)
    names[c] = snap->class_names[c][0] ? snap->class_names[c] : NULL;
  if ((int) gradlab_mask_view_get_n_classes (mv) != n)
    gradlab_mask_view_set_classes (mv, (guint) n, names, NULL);
  gradlab_mask_view_set_samples (mv, (guint) K, (guint) snap->channels, (guint) snap->height,
                                 (guint) snap->width, snap->images, snap->truth, snap->pred,
                                 snap->probs ? (guint) n : 0, snap->probs);
  if (self->sample >= 0)
    gradlab_mask_view_set_selected_pixel (mv, self->sample, self->px, self->py);

  if (snap->geometry != NULL && snap->specs != NULL
      && (self->shown_geo == NULL
          || memcmp (self->shown_geo, snap->geometry, sizeof (GrGeometry)) != 0))
    {
      g_free (self->shown_geo);
      self->shown_geo = g_memdup2 (snap->geometry, sizeof (GrGeometry));
      fill_table (GTK_GRID (self->table), snap->geometry, snap->specs);
      self->n_rows = snap->geometry->n_rows;
    }

  /* A first pixel to show without a click: the object pixel of the
   * first image nearest its centre (else the centre). */
  if (!self->auto_chosen && K > 0)
    {
      int x = snap->width / 2, y = snap->height / 2, best = G_MAXINT;

      for (int i = 0; i < snap->height * snap->width; i++)
        {
          int dx = i % snap->width - snap->width / 2, dy = i / snap->width - snap->height / 2;

          if (snap->truth[i] > 0 && dx * dx + dy * dy < best)
            {
              best = dx * dx + dy * dy;
              x = i % snap->width;
              y = i / snap->width;
            }
        }
      self->auto_chosen = TRUE;
      choose_pixel (self, 0, x, y);
    }

  if (snap->erf != NULL && snap->erf_serial != self->erf_serial && snap->erf_sample == self->sample
      && snap->erf_x == self->px && snap->erf_y == self->py
      && gradlab_seg_snapshot_field (snap, snap->erf_x, snap->erf_y, &cx, &cy, &rf))
    {
      gsize HW = (gsize) snap->height * snap->width;
      double total = 0.0, inside = 0.0;
      int x0, y0, x1, y1;
      g_autofree char *text = NULL;

      self->erf_serial = snap->erf_serial;
      self->erf_count++;
      g_free (self->erf);
      self->erf = g_memdup2 (snap->erf, sizeof (float) * HW);
      self->erf_w = snap->width;
      self->erf_h = snap->height;
      self->erf_cx = cx;
      self->erf_cy = cy;
      self->erf_rf = rf;
      gradlab_rf_view_set_field (GRADLAB_RF_VIEW (self->rf_view), cx, cy, rf);
      gradlab_rf_view_set_erf (GRADLAB_RF_VIEW (self->rf_view), self->erf);

      /* How concentrated the effective field is: the share of the
       * gradient within the central half of the theoretical square. */
      gradlab_rf_field_bounds (cx, cy, MAX (rf / 2, 1), &x0, &y0, &x1, &y1);
      for (gsize i = 0; i < HW; i++)
        {
          int x = (int) (i % snap->width), y = (int) (i / snap->width);
          double v = fabs (self->erf[i]);

          total += v;
          if (x >= x0 && x <= x1 && y >= y0 && y <= y1)
            inside += v;
        }
      if (total > 0.0)
        text = g_strdup_printf (_("Output pixel (%d, %d) of image %d at step %lld: theoretical "
                                  "field %d×%d pixels (the square). Heat: |∂ logit / ∂ input| "
                                  "from a backward pass; %.0f %% of it lies in the central "
                                  "%d×%d."),
                                snap->erf_x, snap->erf_y, snap->erf_sample + 1,
                                (long long) snap->step, rf, rf, 100.0 * inside / total,
                                MAX (rf / 2, 1), MAX (rf / 2, 1));
      else
        /* A zero gradient is a real outcome, not a failure: every path
         * from the input to this logit crosses a ReLU that is off, so
         * the logit is locally constant. Say so rather than print
         * "0 % in the centre". */
        text = g_strdup_printf (_("Output pixel (%d, %d) of image %d at step %lld: theoretical "
                                  "field %d×%d pixels (the square). Its logit does not depend "
                                  "on the input here: every path from the input to it crosses a "
                                  "ReLU that is switched off, so the gradient is zero "
                                  "everywhere. Click another pixel."),
                                snap->erf_x, snap->erf_y, snap->erf_sample + 1,
                                (long long) snap->step, rf, rf);
      gtk_label_set_label (GTK_LABEL (self->caption), text);
    }
}

gboolean
gradlab_rf_lab_update (GradlabRfLab *self)
{
  GradlabSegSnapshot *snap;
  guint gen;

  g_return_val_if_fail (GRADLAB_IS_RF_LAB (self), FALSE);

  gen = gradlab_trainer_get_generation (self->trainer);
  if (gen != self->seen_generation && !(gen & 1))
    {
      /* A new run: ask for the field of the chosen pixel again. */
      self->seen_generation = gen;
      if (self->sample >= 0)
        gradlab_seg_sampler_request_erf (self->sampler, self->sample, self->px, self->py);
    }
  if ((snap = gradlab_seg_sampler_dup (self->sampler, &self->snap_serial)) == NULL)
    return FALSE;
  gradlab_seg_snapshot_free (self->snap);
  self->snap = snap;
  show_snapshot (self);
  return TRUE;
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  GradlabRfLab *self = GRADLAB_RF_LAB (widget);
  gint64 now = g_get_monotonic_time ();

  if (now - self->last_tick >= TICK_INTERVAL_US)
    {
      self->last_tick = now;
      gradlab_rf_lab_update (self);
    }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------ the widget */

static GtkWidget *
card (GtkWidget *child)
{
  GtkWidget *frame = gtk_frame_new (NULL);

  gtk_frame_set_child (GTK_FRAME (frame), child);
  gtk_widget_add_css_class (frame, "view");
  gtk_widget_add_css_class (frame, "card");
  return frame;
}

static GtkWidget *
cmp_label (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_yalign (GTK_LABEL (label), 0.0f);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_set_margin_start (label, 8);
  gtk_widget_set_margin_end (label, 8);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  return label;
}

static void
gradlab_rf_lab_dispose (GObject *object)
{
  GradlabRfLab *self = GRADLAB_RF_LAB (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_pointer (&self->sampler, gradlab_seg_sampler_free);
  g_clear_object (&self->trainer);
  G_OBJECT_CLASS (gradlab_rf_lab_parent_class)->dispose (object);
}

static void
gradlab_rf_lab_finalize (GObject *object)
{
  GradlabRfLab *self = GRADLAB_RF_LAB (object);

  gradlab_seg_snapshot_free (self->snap);
  g_free (self->shown_geo);
  g_free (self->erf);
  G_OBJECT_CLASS (gradlab_rf_lab_parent_class)->finalize (object);
}

static void
gradlab_rf_lab_class_init (GradlabRfLabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gradlab_rf_lab_dispose;
  object_class->finalize = gradlab_rf_lab_finalize;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "rflab");
}

static void
gradlab_rf_lab_init (GradlabRfLab *self)
{
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *box, *scroll, *label, *row, *flow;

  self->sample = -1;
  self->seen_generation = (guint) -1;
  gtk_grid_set_row_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);

  self->mask_view = gradlab_mask_view_new ();
  gradlab_mask_view_set_opacity (GRADLAB_MASK_VIEW (self->mask_view), 0.6);
  gtk_widget_set_size_request (self->mask_view, -1, 300);
  gtk_widget_set_tooltip_text (self->mask_view, _("Click a pixel of a prediction to see its "
                                                  "receptive field"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->mask_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Segmentation of validation images"), -1);
  g_signal_connect (self->mask_view, "pixel-activated", G_CALLBACK (mask_pixel_cb), self);
  gtk_grid_attach (GTK_GRID (grid), card (self->mask_view), 0, 0, 1, 1);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  self->rf_view = gradlab_rf_view_new ();
  gtk_widget_set_vexpand (self->rf_view, TRUE);
  gtk_widget_set_size_request (self->rf_view, -1, 230);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->rf_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Receptive field of the chosen output pixel"), -1);
  g_signal_connect (self->rf_view, "pixel-activated", G_CALLBACK (rf_pixel_cb), self);
  gtk_box_append (GTK_BOX (box), self->rf_view);
  self->caption = gtk_label_new (_("Click an output pixel of a prediction."));
  gtk_label_set_wrap (GTK_LABEL (self->caption), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->caption), 0.0f);
  gtk_widget_add_css_class (self->caption, "caption");
  gtk_widget_set_margin_start (self->caption, 8);
  gtk_widget_set_margin_end (self->caption, 8);
  gtk_widget_set_margin_bottom (self->caption, 6);
  gtk_box_append (GTK_BOX (box), self->caption);
  gtk_grid_attach (GTK_GRID (grid), card (box), 1, 0, 1, 1);

  self->table = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (self->table), 14);
  gtk_grid_set_row_spacing (GTK_GRID (self->table), 0);
  gtk_widget_set_margin_start (self->table, 10);
  gtk_widget_set_margin_end (self->table, 10);
  gtk_widget_set_margin_top (self->table, 8);
  gtk_widget_set_margin_bottom (self->table, 8);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->table), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Layer table"), -1);
  scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), self->table);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_size_request (scroll, -1, 250);
  gtk_grid_attach (GTK_GRID (grid), card (scroll), 0, 1, 2, 1);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  label = gtk_label_new (_("Comparisons built from layer definitions (one input and one "
                           "output channel unless stated, no bias)"));
  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (row), label);
  label = gtk_label_new_with_mnemonic (_("_Dilation"));
  gtk_box_append (GTK_BOX (row), label);
  self->dilation = gtk_spin_button_new_with_range (1, 8, 1);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), self->dilation);
  gtk_widget_set_tooltip_text (self->dilation, _("Dilation of the three-conv stack; its field "
                                                 "and table update at once"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->dilation),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Dilation"), -1);
  g_signal_connect (self->dilation, "value-changed", G_CALLBACK (dilation_changed_cb), self);
  gtk_box_append (GTK_BOX (row), self->dilation);
  gtk_widget_set_margin_start (row, 8);
  gtk_widget_set_margin_end (row, 8);
  gtk_widget_set_margin_top (row, 6);
  gtk_box_append (GTK_BOX (box), row);

  flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 5);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (flow), 2);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), TRUE);
  self->cmp_stack = cmp_label ();
  self->cmp_single = cmp_label ();
  self->cmp_dilated = cmp_label ();
  self->cmp_bottleneck = cmp_label ();
  self->cmp_plain = cmp_label ();
  gtk_flow_box_append (GTK_FLOW_BOX (flow), self->cmp_stack);
  gtk_flow_box_append (GTK_FLOW_BOX (flow), self->cmp_single);
  gtk_flow_box_append (GTK_FLOW_BOX (flow), self->cmp_dilated);
  gtk_flow_box_append (GTK_FLOW_BOX (flow), self->cmp_bottleneck);
  gtk_flow_box_append (GTK_FLOW_BOX (flow), self->cmp_plain);
  gtk_box_append (GTK_BOX (box), flow);
  gtk_grid_attach (GTK_GRID (grid), card (box), 0, 2, 2, 1);

  build_comparisons (self);
  adw_bin_set_child (ADW_BIN (self), grid);
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

GtkWidget *
gradlab_rf_lab_new (GradlabTrainer *trainer)
{
  GradlabRfLab *self = g_object_new (GRADLAB_TYPE_RF_LAB, NULL);

  self->trainer = g_object_ref (trainer);
  self->sampler = gradlab_seg_sampler_new (trainer);
  return GTK_WIDGET (self);
}

GtkWidget *
gradlab_rf_lab_get_mask_view (GradlabRfLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_RF_LAB (self), NULL);
  return self->mask_view;
}

GtkWidget *
gradlab_rf_lab_get_rf_view (GradlabRfLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_RF_LAB (self), NULL);
  return self->rf_view;
}

GtkWidget *
gradlab_rf_lab_get_dilation (GradlabRfLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_RF_LAB (self), NULL);
  return self->dilation;
}

const char *
gradlab_rf_lab_get_dilated_text (GradlabRfLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_RF_LAB (self), NULL);
  return gtk_label_get_label (GTK_LABEL (self->cmp_dilated));
}

int
gradlab_rf_lab_get_n_rows (GradlabRfLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_RF_LAB (self), 0);
  return self->n_rows;
}

const float *
gradlab_rf_lab_get_erf (GradlabRfLab *self,
                        int          *width,
                        int          *height,
                        int          *cx,
                        int          *cy,
                        int          *rf,
                        guint        *serial)
{
  g_return_val_if_fail (GRADLAB_IS_RF_LAB (self), NULL);
  *width = self->erf_w;
  *height = self->erf_h;
  *cx = self->erf_cx;
  *cy = self->erf_cy;
  *rf = self->erf_rf;
  *serial = self->erf_count;
  return self->erf;
}
