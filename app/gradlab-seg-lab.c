/* gradlab-seg-lab.c: the segmentation lab's views and their worker sampler
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The network belongs to the worker, so everything that runs it (the
 * predictions of the validation strip, the effective receptive field of
 * a clicked pixel) happens in a worker hook: after a step when
 * GRADLAB_SEG_EVERY steps have passed or a field was asked for, and once
 * when a paused run is woken. The hook writes a snapshot under a lock;
 * the views copy it out in their tick, as the dashboard does with the
 * decision surface. Per-step cost when there is nothing to do: one lock.
 */

#include "gradlab-seg-lab.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gradlab-bar-chart.h"
#include "gradlab-colors.h"
#include "gradlab-mask-view.h"
#include "gradlab-series-chart.h"
#include "gradlab-window.h"

#define TICK_INTERVAL_US (G_USEC_PER_SEC / 30)

/* ------------------------------------------------------------ snapshot */

void
gradlab_seg_snapshot_free (GradlabSegSnapshot *snap)
{
  if (snap == NULL)
    return;
  g_free (snap->images);
  g_free (snap->truth);
  g_free (snap->pred);
  g_free (snap->probs);
  g_free (snap->geometry);
  g_free (snap->specs);
  g_free (snap->erf);
  g_free (snap);
}

static GradlabSegSnapshot *
snapshot_copy (const GradlabSegSnapshot *src)
{
  GradlabSegSnapshot *dst = g_memdup2 (src, sizeof *src);
  gsize K = src->n_samples, C = src->channels, HW = (gsize) src->height * src->width;

  dst->images = src->images ? g_memdup2 (src->images, sizeof (float) * K * C * HW) : NULL;
  dst->truth = src->truth ? g_memdup2 (src->truth, sizeof (int32_t) * K * HW) : NULL;
  dst->pred = src->pred ? g_memdup2 (src->pred, sizeof (int32_t) * K * HW) : NULL;
  dst->probs = src->probs
               ? g_memdup2 (src->probs, sizeof (float) * K * src->n_classes * HW) : NULL;
  dst->geometry = src->geometry ? g_memdup2 (src->geometry, sizeof (GrGeometry)) : NULL;
  dst->specs = src->specs && src->geometry
               ? g_memdup2 (src->specs, sizeof (GrLayerSpec) * MAX (src->geometry->n_rows, 1))
               : NULL;
  dst->erf = src->erf ? g_memdup2 (src->erf, sizeof (float) * HW) : NULL;
  return dst;
}

gboolean
gradlab_seg_snapshot_field (const GradlabSegSnapshot *snap,
                            int                       x,
                            int                       y,
                            int                      *cx,
                            int                      *cy,
                            int                      *rf)
{
  const GrGeometryRow *row;

  if (snap == NULL || snap->geometry == NULL || snap->geometry->n_rows < 1)
    return FALSE;
  row = &snap->geometry->rows[snap->geometry->n_rows - 1];
  if (row->global)
    return FALSE;
  *cx = (int) lround (row->start + x * row->jump);
  *cy = (int) lround (row->start + y * row->jump);
  *rf = (int) ceil (row->rf - 1e-9);
  return TRUE;
}

/* ------------------------------------------------------------- sampler */

typedef struct
{
  gatomicrefcount     rc;
  GMutex              lock;
  /* Under lock. */
  gboolean            erf_pending;
  gboolean            erf_active;    /* a pixel was chosen: refresh its field */
  int                 erf_sample, erf_x, erf_y;
  GradlabSegSnapshot *snap;
  guint               serial;
  /* Worker only. */
  gint64              last_step;
  guint               erf_serial;
} Shared;

struct _GradlabSegSampler
{
  GradlabTrainer *trainer;
  Shared         *shared;
  guint           hook_id;
};

static void
shared_unref (gpointer data)
{
  Shared *sh = data;

  if (!g_atomic_ref_count_dec (&sh->rc))
    return;
  gradlab_seg_snapshot_free (sh->snap);
  g_mutex_clear (&sh->lock);
  g_free (sh);
}

/* Worker: softmax over classes, argmax per pixel. */
static void
logits_to_pred (const float *out,
                gboolean     is_prob,
                int          K,
                int          C,
                gsize        HW,
                float       *probs,
                int32_t     *pred)
{
  for (int k = 0; k < K; k++)
    for (gsize i = 0; i < HW; i++)
      {
        const float *z = out + (gsize) k * C * HW + i;
        float *p = probs + (gsize) k * C * HW + i;
        float mx = -INFINITY, sum = 0.0f;
        int best = 0;

        for (int c = 0; c < C; c++)
          mx = fmaxf (mx, z[c * HW]);
        for (int c = 0; c < C; c++)
          {
            p[c * HW] = is_prob ? z[c * HW] : expf (z[c * HW] - mx);
            sum += p[c * HW];
          }
        for (int c = 0; c < C; c++)
          {
            p[c * HW] = sum > 0.0f ? p[c * HW] / sum : 1.0f / C;
            if (p[c * HW] > p[best * HW])
              best = c;
          }
        pred[(gsize) k * HW + i] = best;
      }
}

/* Worker. */
static void
sampler_hook (GrSession *s,
              gboolean   idle,
              gpointer   user_data)
{
  Shared *sh = user_data;
  GrNet *net = gr_session_net (s);
  const GrDataset *val = gr_session_val_data (s);
  gint64 step = gr_session_step_count (s);
  gboolean want_erf, want_pred;
  int erf_sample = 0, erf_x = 0, erf_y = 0;
  GradlabSegSnapshot *snap, *old;
  GrShape in, out;
  gsize HW;

  g_mutex_lock (&sh->lock);
  want_pred = idle || sh->snap == NULL || step < sh->last_step
              || step - sh->last_step >= GRADLAB_SEG_EVERY;
  /* The chosen pixel's field follows the weights: it is recomputed with
   * every refresh of the predictions. */
  want_erf = sh->erf_pending || (want_pred && sh->erf_active);
  erf_sample = sh->erf_sample;
  erf_x = sh->erf_x;
  erf_y = sh->erf_y;
  sh->erf_pending = FALSE;
  g_mutex_unlock (&sh->lock);
  if (!want_pred && !want_erf)
    return;
  /* Only per-pixel labels: a digits image has one label per sample. */
  if (net == NULL || val == NULL || val->labels == NULL || val->n < 1 || val->sample.h < 2
      || val->target_shape.h != val->sample.h || val->target_shape.w != val->sample.w)
    return;

  in = gr_net_input_shape (net);
  out = gr_net_output_shape (net);
  HW = (gsize) in.h * in.w;

  g_mutex_lock (&sh->lock);
  snap = sh->snap != NULL ? snapshot_copy (sh->snap) : g_new0 (GradlabSegSnapshot, 1);
  g_mutex_unlock (&sh->lock);

  if (want_pred || snap->images == NULL || snap->height != in.h || snap->width != in.w
      || snap->channels != in.c)
    {
      int K = MIN (val->n, MIN (GRADLAB_SEG_SAMPLES, gr_net_max_batch (net)));
      int C = out.c;
      gboolean fits = out.h == in.h && out.w == in.w && C >= 2 && C <= GR_MAX_CLASSES;
      int last = gr_net_n_nodes (net) - 1;

      g_clear_pointer (&snap->images, g_free);
      g_clear_pointer (&snap->truth, g_free);
      g_clear_pointer (&snap->pred, g_free);
      g_clear_pointer (&snap->probs, g_free);
      g_clear_pointer (&snap->geometry, g_free);
      g_clear_pointer (&snap->specs, g_free);
      snap->step = step;
      snap->n_samples = K;
      snap->channels = in.c;
      snap->height = in.h;
      snap->width = in.w;
      snap->n_classes = fits ? C : val->n_classes;
      snap->images = g_memdup2 (val->x, sizeof (float) * K * in.c * HW);
      snap->truth = g_memdup2 (val->labels, sizeof (int32_t) * K * HW);
      for (int c = 0; c < GR_MAX_CLASSES; c++)
        g_strlcpy (snap->class_names[c], val->class_names[c], sizeof snap->class_names[c]);
      if (fits)
        {
          g_autofree float *raw = g_new (float, (gsize) K * C * HW);

          if (gr_net_predict (net, val->x, K, raw) == GR_OK)
            {
              snap->probs = g_new (float, (gsize) K * C * HW);
              snap->pred = g_new (int32_t, (gsize) K * HW);
              logits_to_pred (raw, gr_net_node_spec (net, last)->kind == GR_LAYER_SOFTMAX,
                              K, C, HW, snap->probs, snap->pred);
            }
        }
      snap->geometry = g_new0 (GrGeometry, 1);
      gr_geometry_compute (net, snap->geometry);
      snap->specs = g_new0 (GrLayerSpec, MAX (snap->geometry->n_rows, 1));
      for (int i = 0; i < snap->geometry->n_rows; i++)
        snap->specs[i] = *gr_net_node_spec (net, i);
      gr_session_class_freq (s, snap->class_freq);
      g_strlcpy (snap->data_name, gr_session_train_data (s)->name, sizeof snap->data_name);
      snap->n_train = gr_session_train_data (s)->n;
      gr_session_loss_config (s, &snap->loss);
      sh->last_step = step;
    }
  else
    gr_session_loss_config (s, &snap->loss);

  if (want_erf && erf_sample >= 0 && erf_sample < snap->n_samples)
    {
      g_autofree float *map = g_new0 (float, HW);

      if (gr_geometry_effective_rf (net, val->x + (gsize) erf_sample * in.c * HW, erf_y, erf_x,
                                    -1, map) == GR_OK)
        {
          g_free (snap->erf);
          snap->erf = g_steal_pointer (&map);
          snap->erf_sample = erf_sample;
          snap->erf_x = erf_x;
          snap->erf_y = erf_y;
          snap->erf_serial = ++sh->erf_serial;
        }
    }
  else if (snap->erf == NULL)
    snap->erf_sample = -1;

  g_mutex_lock (&sh->lock);
  old = sh->snap;
  sh->snap = snap;
  sh->serial++;
  g_mutex_unlock (&sh->lock);
  gradlab_seg_snapshot_free (old);
}

GradlabSegSampler *
gradlab_seg_sampler_new (GradlabTrainer *trainer)
{
  GradlabSegSampler *sampler = g_new0 (GradlabSegSampler, 1);

  sampler->trainer = g_object_ref (trainer);
  sampler->shared = g_new0 (Shared, 1);
  g_atomic_ref_count_init (&sampler->shared->rc);
  g_mutex_init (&sampler->shared->lock);
  g_atomic_ref_count_inc (&sampler->shared->rc);
  sampler->hook_id = gradlab_trainer_add_worker_hook (trainer, sampler_hook, sampler->shared,
                                                      shared_unref);
  return sampler;
}

void
gradlab_seg_sampler_free (GradlabSegSampler *sampler)
{
  if (sampler == NULL)
    return;
  gradlab_trainer_remove_worker_hook (sampler->trainer, sampler->hook_id);
  shared_unref (sampler->shared);
  g_object_unref (sampler->trainer);
  g_free (sampler);
}

void
gradlab_seg_sampler_request_erf (GradlabSegSampler *sampler,
                                 int                sample,
                                 int                x,
                                 int                y)
{
  g_mutex_lock (&sampler->shared->lock);
  sampler->shared->erf_pending = TRUE;
  sampler->shared->erf_active = TRUE;
  sampler->shared->erf_sample = sample;
  sampler->shared->erf_x = x;
  sampler->shared->erf_y = y;
  g_mutex_unlock (&sampler->shared->lock);
  gradlab_trainer_wake_worker_hooks (sampler->trainer);
}

GradlabSegSnapshot *
gradlab_seg_sampler_dup (GradlabSegSampler *sampler,
                         guint             *serial)
{
  GradlabSegSnapshot *copy = NULL;

  g_mutex_lock (&sampler->shared->lock);
  if (sampler->shared->snap != NULL && sampler->shared->serial != *serial)
    {
      copy = snapshot_copy (sampler->shared->snap);
      *serial = sampler->shared->serial;
    }
  g_mutex_unlock (&sampler->shared->lock);
  return copy;
}

/* ------------------------------------------------- default experiment */

/* A small fully convolutional net: two plain 3×3 convs, a dilated one,
 * an ASPP-like block (parallel dilations 1 and 4, concatenated, 1×1
 * conv) and a 1×1 classifier. */
static const char default_experiment_json[] =
  "{\n"
  "  \"name\": \"seg-imbalanced\",\n"
  "  \"description\": \"Synthetic shapes, 96 % background, plain cross-entropy\",\n"
  "  \"lab\": \"segmentation\",\n"
  "  \"data\": { \"name\": \"seg-synthetic\", \"n\": 160, \"height\": 32, \"width\": 32,\n"
  "            \"classes\": 4, \"rare_share\": 0.042, \"noise\": 0.5, \"seed\": 1 },\n"
  "  \"model\": { \"layers\": [\n"
  "    { \"type\": \"conv2d\", \"name\": \"conv1\", \"filters\": 12, \"kernel\": 3, \"padding\": 1 },\n"
  "    { \"type\": \"batchnorm\", \"name\": \"bn1\" },\n"
  "    { \"type\": \"relu\", \"name\": \"relu1\" },\n"
  "    { \"type\": \"conv2d\", \"name\": \"conv2\", \"filters\": 12, \"kernel\": 3, \"padding\": 1 },\n"
  "    { \"type\": \"relu\", \"name\": \"relu2\" },\n"
  "    { \"type\": \"conv2d\", \"name\": \"conv3\", \"filters\": 12, \"kernel\": 3, \"padding\": 2,\n"
  "      \"dilation\": 2 },\n"
  "    { \"type\": \"relu\", \"name\": \"relu3\" },\n"
  "    { \"type\": \"conv2d\", \"name\": \"aspp_d1\", \"filters\": 8, \"kernel\": 3, \"padding\": 1,\n"
  "      \"inputs\": [\"relu3\"] },\n"
  "    { \"type\": \"conv2d\", \"name\": \"aspp_d4\", \"filters\": 8, \"kernel\": 3, \"padding\": 4,\n"
  "      \"dilation\": 4, \"inputs\": [\"relu3\"] },\n"
  "    { \"type\": \"concat\", \"name\": \"aspp\", \"inputs\": [\"aspp_d1\", \"aspp_d4\"] },\n"
  "    { \"type\": \"relu\", \"name\": \"relu4\" },\n"
  "    { \"type\": \"conv2d\", \"name\": \"fuse\", \"filters\": 12, \"kernel\": 1 },\n"
  "    { \"type\": \"relu\", \"name\": \"relu5\" },\n"
  "    { \"type\": \"conv2d\", \"name\": \"classes\", \"filters\": 4, \"kernel\": 1 }\n"
  "  ] },\n"
  "  \"knobs\": { \"optimizer\": \"adam\", \"lr\": 0.01, \"batch_size\": 8, \"loss\": \"ce\",\n"
  "             \"weighting\": \"none\" },\n"
  "  \"steps\": 1500, \"eval_every\": 20, \"seed\": 1\n"
  "}\n";

GradlabExperiment *
gradlab_seg_lab_default_experiment (const char *lab_id)
{
  g_autoptr (GError) error = NULL;
  GradlabExperiment *exp;

  if (g_strcmp0 (lab_id, "segmentation") != 0 && g_strcmp0 (lab_id, "receptive-field") != 0)
    return NULL;
  exp = gradlab_experiment_load_data (default_experiment_json, -1, "seg-imbalanced.json", NULL,
                                      &error);
  if (exp == NULL)
    {
      g_critical ("built-in segmentation experiment: %s", error->message);
      return NULL;
    }
  g_free (exp->lab);
  exp->lab = g_strdup (lab_id);
  return exp;
}

/* ------------------------------------------------------ bad-files dialog */

GtkWidget *
gradlab_bad_files_dialog_show (GtkWindow         *parent,
                               const char        *dir,
                               const char *const *warnings)
{
  GtkWidget *dialog, *list, *scroll;
  guint n = warnings ? g_strv_length ((char **) warnings) : 0;
  g_autofree char *body = NULL;
  g_autofree char *prefix = g_str_has_suffix (dir, "/") ? g_strdup (dir)
                                                       : g_strconcat (dir, "/", NULL);

  body = g_strdup_printf (ngettext ("%u file in %s failed validation; its pair was skipped "
                                    "and training goes on with the valid pairs.",
                                    "%u files in %s failed validation; their pairs were "
                                    "skipped and training goes on with the valid pairs.", n),
                          n, dir);
  dialog = adw_message_dialog_new (parent, _("Some files were skipped"), body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_widget_add_css_class (dialog, "gradlab-bad-files");

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Skipped files"), -1);
  for (guint i = 0; i < n; i++)
    {
      const char *w = warnings[i];
      const char *rel = g_str_has_prefix (w, prefix) ? w + strlen (prefix) : w;
      const char *sep = strstr (rel, ": ");
      g_autofree char *file = sep ? g_strndup (rel, sep - rel) : g_strdup (rel);
      g_autofree char *file_m = g_markup_escape_text (file, -1);
      g_autofree char *reason_m = g_markup_escape_text (sep ? sep + 2 : _("unknown reason"), -1);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), file_m);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), reason_m);
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
  scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroll), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroll), 320);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), list);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), scroll);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

/* ------------------------------------------------------------ the views */

typedef struct
{
  GtkWidget *chart;
  gint64     events_seen;
  guint      n_markers;
} Marked;

struct _GradlabSegLab
{
  AdwBin              parent_instance;

  GradlabTrainer     *trainer;
  GradlabSegSampler  *sampler;
  guint               snap_serial;
  guint               tick_id;
  gint64              last_tick;

  GtkWidget          *mask_view;
  GtkWidget          *freq_chart;
  GtkWidget          *opacity;
  GtkWidget          *data_label;
  GtkWidget          *weights_label;
  Marked              iou;
  Marked              acc;

  guint               seen_generation;
  guint64             seen_serial;
  gint64              evals_seen;
  int                 n_classes;      /* classes with a series in the IoU chart */
  gint64              shown_step;     /* of the predictions in the mask view */
  gboolean            samples_set;
  int                 shown_samples, shown_height, shown_width;
};

G_DEFINE_FINAL_TYPE (GradlabSegLab, gradlab_seg_lab, ADW_TYPE_BIN)

static GtkWidget *
card (GtkWidget *child)
{
  GtkWidget *frame = gtk_frame_new (NULL);

  gtk_frame_set_child (GTK_FRAME (frame), child);
  gtk_widget_add_css_class (frame, "view");
  gtk_widget_add_css_class (frame, "card");
  return frame;
}

static void
set_iou_series (GradlabSegLab            *self,
                const GradlabSegSnapshot *snap)
{
  GradlabSeriesChart *chart = GRADLAB_SERIES_CHART (self->iou.chart);
  int n = snap->n_classes;

  if (n == self->n_classes)
    return;
  gradlab_series_chart_remove_all_series (chart);
  for (int c = 0; c < n; c++)
    {
      GdkRGBA color;
      g_autofree char *name = snap->class_names[c][0] ? g_strdup (snap->class_names[c])
                                                      : g_strdup_printf (_("class %d"), c);

      gradlab_class_color ((guint) c, &color);
      gradlab_series_chart_add_series (chart, name, &color, FALSE);
    }
  self->n_classes = n;
  self->evals_seen = 0;
  self->iou.events_seen = 0;
  self->iou.n_markers = 0;
}

static void
show_snapshot (GradlabSegLab      *self,
               GradlabSegSnapshot *snap)
{
  GradlabMaskView *mv = GRADLAB_MASK_VIEW (self->mask_view);
  const char *names[GR_MAX_CLASSES];
  g_autoptr (GString) w = g_string_new (NULL);
  int n = MIN (snap->n_classes, GR_MAX_CLASSES);

  for (int c = 0; c < n; c++)
    names[c] = snap->class_names[c][0] ? snap->class_names[c] : NULL;
  if ((int) gradlab_mask_view_get_n_classes (mv) != n)
    gradlab_mask_view_set_classes (mv, (guint) n, names, NULL);
  /* A new data set or network may bring another sample count or size:
   * the prediction alone fits only the samples the view already holds. */
  if (!self->samples_set || snap->step < self->shown_step
      || snap->n_samples != self->shown_samples || snap->height != self->shown_height
      || snap->width != self->shown_width)
    {
      gradlab_mask_view_set_samples (mv, (guint) snap->n_samples, (guint) snap->channels,
                                     (guint) snap->height, (guint) snap->width, snap->images,
                                     snap->truth, snap->pred,
                                     snap->probs ? (guint) n : 0, snap->probs);
      self->samples_set = TRUE;
      self->shown_samples = snap->n_samples;
      self->shown_height = snap->height;
      self->shown_width = snap->width;
    }
  else
    gradlab_mask_view_set_prediction (mv, snap->pred, snap->probs ? (guint) n : 0, snap->probs);
  self->shown_step = snap->step;

  gradlab_bar_chart_set_data (GRADLAB_BAR_CHART (self->freq_chart), (guint) n, names, NULL,
                              snap->class_freq);
  set_iou_series (self, snap);

  if (snap->loss.use_weights)
    {
      g_string_append (w, _("Class weights in force:"));
      for (int c = 0; c < snap->loss.n_classes; c++)
        g_string_append_printf (w, " %s%.3g", c ? "· " : "", snap->loss.class_weights[c]);
    }
  else
    g_string_append (w, _("Class weights in force: none (every pixel counts the same)"));
  gtk_label_set_label (GTK_LABEL (self->weights_label), w->str);

  {
    g_autofree char *text = NULL;

    /* Translators: the data line: set name, training images, share of
     * object (non-background) pixels */
    text = g_strdup_printf (_("%s · %d training images · objects %.1f %% of pixels"),
                            snap->data_name, snap->n_train,
                            100.0 * (1.0 - (n > 0 ? snap->class_freq[0] : 1.0f)));
    gtk_label_set_label (GTK_LABEL (self->data_label), text);
  }
}

static void
add_markers (Marked        *m,
             const GrEvent *events,
             gint64         from,
             gint64         n)
{
  for (gint64 i = m->events_seen - from; i < n; i++)
    {
      m->events_seen++;
      if (events[i].kind == GR_EVENT_RESET)
        continue;
      gradlab_series_chart_add_marker (GRADLAB_SERIES_CHART (m->chart), (double) events[i].step,
                                       events[i].text);
      m->n_markers++;
    }
}

static void
clear_views (GradlabSegLab *self)
{
  gradlab_series_chart_clear (GRADLAB_SERIES_CHART (self->iou.chart));
  gradlab_series_chart_clear (GRADLAB_SERIES_CHART (self->acc.chart));
  self->iou.events_seen = self->acc.events_seen = 0;
  self->iou.n_markers = self->acc.n_markers = 0;
  self->evals_seen = 0;
  self->samples_set = FALSE;
  self->shown_step = 0;
}

gboolean
gradlab_seg_lab_update (GradlabSegLab *self)
{
  g_autoptr (GradlabSegSnapshot) snap = NULL;
  GrHistory *h;
  guint gen;
  guint64 serial;
  gboolean changed = FALSE;
  gint64 n_evals, n_events, ev_from;

  g_return_val_if_fail (GRADLAB_IS_SEG_LAB (self), FALSE);

  if (self->trainer == NULL || (h = gradlab_trainer_get_history (self->trainer)) == NULL)
    return FALSE;
  gen = gradlab_trainer_get_generation (self->trainer);
  if (gen & 1)
    return TRUE;
  if (gen != self->seen_generation)
    {
      clear_views (self);
      self->seen_generation = gen;
      self->seen_serial = 0;
      changed = TRUE;
    }
  if ((snap = gradlab_seg_sampler_dup (self->sampler, &self->snap_serial)) != NULL)
    {
      show_snapshot (self, snap);
      changed = TRUE;
    }
  if (self->n_classes <= 0)
    return changed;

  serial = gr_history_serial (h);
  if (serial == self->seen_serial)
    return changed;

  n_evals = gr_history_n_evals (h) - self->evals_seen;
  if (n_evals > 0)
    {
      g_autofree GrEvalRecord *ev = g_new (GrEvalRecord, n_evals);
      g_autofree double *x = NULL;
      g_autofree float *y = NULL, *y2 = NULL;

      n_evals = gr_history_copy_evals (h, self->evals_seen, n_evals, ev);
      x = g_new (double, MAX (n_evals, 1));
      y = g_new (float, MAX (n_evals, 1));
      y2 = g_new (float, MAX (n_evals, 1));
      for (gint64 i = 0; i < n_evals; i++)
        x[i] = (double) ev[i].step;
      for (int c = 0; c < self->n_classes; c++)
        {
          for (gint64 i = 0; i < n_evals; i++)
            y[i] = c < ev[i].n_classes ? ev[i].class_iou[c] : NAN;
          gradlab_series_chart_append_many (GRADLAB_SERIES_CHART (self->iou.chart), (guint) c,
                                            x, y, (gsize) n_evals);
        }
      for (gint64 i = 0; i < n_evals; i++)
        {
          y[i] = ev[i].pixel_acc;
          y2[i] = ev[i].miou;
        }
      gradlab_series_chart_append_many (GRADLAB_SERIES_CHART (self->acc.chart), 0, x, y,
                                        (gsize) n_evals);
      gradlab_series_chart_append_many (GRADLAB_SERIES_CHART (self->acc.chart), 1, x, y2,
                                        (gsize) n_evals);
      self->evals_seen += n_evals;
    }

  ev_from = MIN (self->iou.events_seen, self->acc.events_seen);
  n_events = gr_history_n_events (h) - ev_from;
  if (n_events > 0)
    {
      g_autofree GrEvent *events = g_new (GrEvent, n_events);

      n_events = gr_history_copy_events (h, ev_from, n_events, events);
      add_markers (&self->iou, events, ev_from, n_events);
      add_markers (&self->acc, events, ev_from, n_events);
    }
  if (gradlab_trainer_get_generation (self->trainer) != gen)
    return TRUE;
  self->seen_serial = serial;
  return TRUE;
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  GradlabSegLab *self = GRADLAB_SEG_LAB (widget);
  gint64 now = g_get_monotonic_time ();

  if (now - self->last_tick >= TICK_INTERVAL_US)
    {
      self->last_tick = now;
      gradlab_seg_lab_update (self);
    }
  return G_SOURCE_CONTINUE;
}

static void
opacity_changed_cb (GtkRange      *range,
                    GradlabSegLab *self)
{
  gradlab_mask_view_set_opacity (GRADLAB_MASK_VIEW (self->mask_view), gtk_range_get_value (range));
}

static void
folder_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    GradlabSegLab   *self)
{
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (response == GTK_RESPONSE_ACCEPT
      && (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL
      && (path = g_file_get_path (file)) != NULL && GRADLAB_IS_WINDOW (root))
    gradlab_window_open_data_folder (GRADLAB_WINDOW (root), path, NULL);
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
open_folder_clicked_cb (GtkButton     *button,
                        GradlabSegLab *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Open Image and Mask Folder"),
                                 GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"),
                                 _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (folder_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
synthetic_clicked_cb (GtkButton     *button,
                      GradlabSegLab *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr (GError) error = NULL;

  if (GRADLAB_IS_WINDOW (root))
    gradlab_window_open_data_folder (GRADLAB_WINDOW (root), NULL, NULL);
}

static GtkWidget *
new_chart (const char *title,
           const char *y_label)
{
  GtkWidget *chart = gradlab_series_chart_new ();

  gradlab_series_chart_set_title (GRADLAB_SERIES_CHART (chart), title);
  gradlab_series_chart_set_x_label (GRADLAB_SERIES_CHART (chart), _("step"));
  gradlab_series_chart_set_y_label (GRADLAB_SERIES_CHART (chart), y_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (chart), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  gtk_widget_set_hexpand (chart, TRUE);
  gtk_widget_set_vexpand (chart, TRUE);
  return chart;
}

static void
gradlab_seg_lab_dispose (GObject *object)
{
  GradlabSegLab *self = GRADLAB_SEG_LAB (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_pointer (&self->sampler, gradlab_seg_sampler_free);
  g_clear_object (&self->trainer);
  G_OBJECT_CLASS (gradlab_seg_lab_parent_class)->dispose (object);
}

static void
gradlab_seg_lab_class_init (GradlabSegLabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gradlab_seg_lab_dispose;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "seglab");
}

static void
gradlab_seg_lab_init (GradlabSegLab *self)
{
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *button, *label, *box, *right;
  GdkRGBA color;

  self->seen_generation = (guint) -1;

  gtk_grid_set_row_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);

  button = gtk_button_new_with_mnemonic (_("Open _Folder…"));
  gtk_widget_set_tooltip_text (button, _("Train on a folder holding images/ and masks/ of PNG "
                                         "pairs with the same names"));
  g_signal_connect (button, "clicked", G_CALLBACK (open_folder_clicked_cb), self);
  gtk_box_append (GTK_BOX (bar), button);
  button = gtk_button_new_with_mnemonic (_("_Synthetic Shapes"));
  gtk_widget_set_tooltip_text (button, _("Back to the generated images"));
  g_signal_connect (button, "clicked", G_CALLBACK (synthetic_clicked_cb), self);
  gtk_box_append (GTK_BOX (bar), button);
  self->data_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->data_label, "dim-label");
  gtk_label_set_ellipsize (GTK_LABEL (self->data_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (self->data_label), 0.0);
  label = gtk_label_new (_("Mask opacity"));
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (bar), label);
  self->opacity = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0.0, 1.0, 0.05);
  gtk_range_set_value (GTK_RANGE (self->opacity), 0.6);
  gtk_scale_set_draw_value (GTK_SCALE (self->opacity), FALSE);
  gtk_widget_set_size_request (self->opacity, 90, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->opacity), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Mask opacity"), -1);
  g_signal_connect (self->opacity, "value-changed", G_CALLBACK (opacity_changed_cb), self);
  gtk_box_append (GTK_BOX (bar), self->opacity);
  gtk_grid_attach (GTK_GRID (grid), bar, 0, 0, 2, 1);
  gtk_grid_attach (GTK_GRID (grid), self->data_label, 0, 1, 2, 1);

  self->mask_view = gradlab_mask_view_new ();
  gradlab_mask_view_set_opacity (GRADLAB_MASK_VIEW (self->mask_view), 0.6);
  gtk_widget_set_size_request (self->mask_view, -1, 360);
  gtk_widget_set_hexpand (self->mask_view, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->mask_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Validation images: input, truth, prediction, errors"), -1);
  gtk_grid_attach (GTK_GRID (grid), card (self->mask_view), 0, 2, 1, 1);

  /* Beside the masks: how rare each class is, and over it how well each
   * class is found. */
  right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  self->iou.chart = new_chart (_("Per-class IoU (validation)"), _("IoU"));
  gtk_widget_set_size_request (self->iou.chart, -1, 180);
  gtk_box_append (GTK_BOX (right), card (self->iou.chart));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->freq_chart = gradlab_bar_chart_new ();
  gradlab_bar_chart_set_title (GRADLAB_BAR_CHART (self->freq_chart),
                               _("Class pixel share (training set)"));
  gradlab_bar_chart_set_log_scale (GRADLAB_BAR_CHART (self->freq_chart), TRUE);
  gtk_widget_set_vexpand (self->freq_chart, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->freq_chart),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Class pixel frequency"), -1);
  gtk_box_append (GTK_BOX (box), self->freq_chart);
  self->weights_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->weights_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->weights_label), 0.0);
  gtk_widget_add_css_class (self->weights_label, "caption");
  gtk_widget_add_css_class (self->weights_label, "numeric");
  gtk_widget_set_margin_start (self->weights_label, 8);
  gtk_widget_set_margin_end (self->weights_label, 8);
  gtk_widget_set_margin_bottom (self->weights_label, 6);
  gtk_box_append (GTK_BOX (box), self->weights_label);
  gtk_widget_set_size_request (box, -1, 160);
  gtk_box_append (GTK_BOX (right), card (box));
  gtk_grid_attach (GTK_GRID (grid), right, 1, 2, 1, 1);

  self->acc.chart = new_chart (_("Pixel accuracy vs mIoU"), _("score"));
  gtk_widget_set_size_request (self->acc.chart, -1, 170);
  gradlab_palette_color (0, &color);
  gradlab_series_chart_add_series (GRADLAB_SERIES_CHART (self->acc.chart), _("pixel accuracy"),
                                   &color, FALSE);
  gradlab_palette_color (4, &color);
  gradlab_series_chart_add_series (GRADLAB_SERIES_CHART (self->acc.chart), _("mean IoU"),
                                   &color, FALSE);
  gradlab_series_chart_set_gap_pair (GRADLAB_SERIES_CHART (self->acc.chart), 0, 1);
  gtk_box_append (GTK_BOX (right), card (self->acc.chart));

  adw_bin_set_child (ADW_BIN (self), grid);
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

GtkWidget *
gradlab_seg_lab_new (GradlabTrainer *trainer)
{
  GradlabSegLab *self = g_object_new (GRADLAB_TYPE_SEG_LAB, NULL);

  self->trainer = g_object_ref (trainer);
  self->sampler = gradlab_seg_sampler_new (trainer);
  return GTK_WIDGET (self);
}

GtkWidget *
gradlab_seg_lab_get_mask_view (GradlabSegLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_SEG_LAB (self), NULL);
  return self->mask_view;
}

GtkWidget *
gradlab_seg_lab_get_iou_chart (GradlabSegLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_SEG_LAB (self), NULL);
  return self->iou.chart;
}

GtkWidget *
gradlab_seg_lab_get_acc_chart (GradlabSegLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_SEG_LAB (self), NULL);
  return self->acc.chart;
}

GtkWidget *
gradlab_seg_lab_get_freq_chart (GradlabSegLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_SEG_LAB (self), NULL);
  return self->freq_chart;
}

guint
gradlab_seg_lab_get_n_markers (GradlabSegLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_SEG_LAB (self), 0);
  return self->iou.n_markers;
}

gint64
gradlab_seg_lab_get_n_evals (GradlabSegLab *self)
{
  g_return_val_if_fail (GRADLAB_IS_SEG_LAB (self), 0);
  return self->evals_seen;
}
