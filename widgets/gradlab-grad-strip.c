/* gradlab-grad-strip.c: gradient norm per layer over training steps
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-grad-strip.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gradlab-colors.h"
#include "gradlab-draw-private.h"
#include "gradlab-renderable.h"
#include "gradlab-series.h"

#define MARKER_LEVELS 3
#define TICK_LEN      4.0
#define MAX_ROW_H     32.0
#define MIN_ROW_H     4.0
#define BAR_H         10.0
#define NAMES_MAX_W   160.0

/* Non-finite cells: magenta, far from every colour of the scale. */
static const GdkRGBA nonfinite_color = { 0.93f, 0.0f, 0.93f, 1.0f };
/* Cells that are exactly zero (or negative): black. */
static const GdkRGBA zero_color = { 0.0f, 0.0f, 0.0f, 1.0f };

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

void
gradlab_grad_strip_value_color (double   value,
                                double   lo,
                                double   hi,
                                GdkRGBA *out)
{
  double t;

  g_return_if_fail (out != NULL);

  if (!isfinite (value))
    {
      *out = nonfinite_color;
      return;
    }
  if (value <= 0.0)
    {
      *out = zero_color;
      return;
    }
  if (!(lo > 0.0) || !(hi > lo))
    {
      lo = GRADLAB_GRAD_STRIP_DEFAULT_LO;
      hi = GRADLAB_GRAD_STRIP_DEFAULT_HI;
    }

  t = (log10 (value) - log10 (lo)) / (log10 (hi) - log10 (lo));
  gradlab_colormap_gradient (t, out);
}

gboolean
gradlab_strip_geometry_cell_at (const GradlabStripGeometry *geometry,
                                double                      x,
                                double                      y,
                                guint                      *layer,
                                guint                      *col)
{
  double fx;
  double fy;

  g_return_val_if_fail (geometry != NULL, FALSE);

  if (!geometry->valid || geometry->n_cols == 0 || geometry->n_layers == 0)
    return FALSE;

  fx = (x - geometry->grid_x) / geometry->grid_width;
  fy = (y - geometry->grid_y) / geometry->grid_height;
  if (fx < 0.0 || fx >= 1.0 || fy < 0.0 || fy >= 1.0)
    return FALSE;

  if (layer != NULL)
    *layer = MIN ((guint) (fy * geometry->n_layers), geometry->n_layers - 1);
  if (col != NULL)
    *col = MIN ((guint) (fx * geometry->n_cols), geometry->n_cols - 1);

  return TRUE;
}

/* Fractional column of @step: the column centres are at whole numbers. */
static double
step_to_col (const double *steps,
             guint         n,
             double        step)
{
  gsize i;

  if (n == 0 || step <= steps[0])
    return 0.0;
  if (step >= steps[n - 1])
    return n - 1;

  i = gradlab_series_lower_bound (steps, n, step);
  if (steps[i] == steps[i - 1])
    return i;

  return (i - 1) + (step - steps[i - 1]) / (steps[i] - steps[i - 1]);
}

static double
col_to_px (const GradlabStripGeometry *g,
           double                      col)
{
  return g->grid_x + (col + 0.5) * g->grid_width / g->n_cols;
}

/* Ranks a value for the pixel that has to show several columns: the one
 * that most needs seeing wins. */
static double
extremeness (float  v,
             double mid)
{
  if (!isfinite (v))
    return G_MAXDOUBLE;
  if (v <= 0.0f)
    return G_MAXDOUBLE / 2.0;

  return fabs (log10 (v) - mid);
}

static void
draw_cells (cairo_t                    *cr,
            const GradlabGradStripData *data,
            const GradlabStripGeometry *g)
{
  cairo_surface_t *image;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;
  guint n_bins = MIN (data->n_cols, (guint) MAX (1.0, floor (g->grid_width)));
  double mid = (log10 (data->lo) + log10 (data->hi)) / 2.0;
  guint8 *pixels;
  int stride;
  guint b;
  guint l;

  image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, n_bins, data->n_layers);
  if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      return;
    }

  cairo_surface_flush (image);
  pixels = cairo_image_surface_get_data (image);
  stride = cairo_image_surface_get_stride (image);

  for (b = 0; b < n_bins; b++)
    {
      guint c0 = (guint) ((guint64) b * data->n_cols / n_bins);
      guint c1 = (guint) ((guint64) (b + 1) * data->n_cols / n_bins);

      for (l = 0; l < data->n_layers; l++)
        {
          float v = data->values[(gsize) c0 * data->n_layers + l];
          double rank = extremeness (v, mid);
          guint32 *p = (guint32 *) (void *) (pixels + l * stride) + b;
          GdkRGBA color;
          guint c;

          for (c = c0 + 1; c < c1; c++)
            {
              float w = data->values[(gsize) c * data->n_layers + l];
              double rw = extremeness (w, mid);

              if (rw > rank)
                {
                  v = w;
                  rank = rw;
                }
            }

          gradlab_grad_strip_value_color (v, data->lo, data->hi, &color);
          *p = 0xff000000u |
               ((guint32) round (color.red * 255) << 16) |
               ((guint32) round (color.green * 255) << 8) |
               (guint32) round (color.blue * 255);
        }
    }
  cairo_surface_mark_dirty (image);

  /* Crisp cells: a scaled texture would be blurred. */
  pattern = cairo_pattern_create_for_surface (image);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_matrix_init_scale (&matrix, n_bins / g->grid_width, data->n_layers / g->grid_height);
  cairo_matrix_translate (&matrix, -g->grid_x, -g->grid_y);
  cairo_pattern_set_matrix (pattern, &matrix);

  cairo_save (cr);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, g->grid_x, g->grid_y, g->grid_width, g->grid_height);
  cairo_fill (cr);
  cairo_restore (cr);

  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (image);
}

static void
draw_legend (cairo_t                    *cr,
             PangoLayout                *layout,
             const GradlabGradStripData *data,
             double                      x0,
             double                      x1,
             double                      y)
{
  GradlabTick ticks[GRADLAB_TICKS_MAX];
  const char *vanishing = _("vanishing");
  const char *exploding = _("exploding");
  const char *zero = _("0");
  const char *nonfinite = _("NaN/Inf");
  double vanish_w;
  double explode_w;
  double zero_w;
  double nonfinite_w;
  double swatches_w;
  double bar_x0;
  double bar_x1;
  double px;
  double cy = y + BAR_H / 2.0;
  double lo_e = log10 (data->lo);
  double hi_e = log10 (data->hi);
  guint n_ticks;
  guint i;

  _gradlab_text_size (layout, vanishing, &vanish_w, NULL);
  _gradlab_text_size (layout, exploding, &explode_w, NULL);
  _gradlab_text_size (layout, zero, &zero_w, NULL);
  _gradlab_text_size (layout, nonfinite, &nonfinite_w, NULL);
  swatches_w = BAR_H + 4.0 + zero_w + 14.0 + BAR_H + 4.0 + nonfinite_w;

  bar_x0 = round (x0 + vanish_w + 8.0);
  bar_x1 = round (x1 - swatches_w - 20.0 - explode_w - 8.0);
  if (bar_x1 - bar_x0 < 40.0)
    return;

  cairo_save (cr);

  _gradlab_set_color (cr, &data->fg, 0.8);
  _gradlab_text_draw (cr, layout, vanishing, bar_x0 - 8.0, cy, 1.0, 0.5);
  _gradlab_text_draw (cr, layout, exploding, bar_x1 + 8.0, cy, 0.0, 0.5);

  for (px = bar_x0; px < bar_x1; px += 1.0)
    {
      GdkRGBA color;

      gradlab_colormap_gradient ((px + 0.5 - bar_x0) / (bar_x1 - bar_x0), &color);
      _gradlab_set_color (cr, &color, 1.0);
      cairo_rectangle (cr, px, y, 1.0, BAR_H);
      cairo_fill (cr);
    }
  _gradlab_set_color (cr, &data->fg, 0.4);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, bar_x0 - 0.5, y - 0.5, bar_x1 - bar_x0 + 1.0, BAR_H + 1.0);
  cairo_stroke (cr);

  n_ticks = gradlab_ticks_log (data->lo, data->hi,
                               (guint) CLAMP ((bar_x1 - bar_x0) / 38.0, 2, GRADLAB_TICKS_MAX),
                               ticks);
  for (i = 0; i < n_ticks; i++)
    {
      char label[24];
      double tx = bar_x0 + (log10 (ticks[i].value) - lo_e) / (hi_e - lo_e) * (bar_x1 - bar_x0);

      tx = _gradlab_crisp (MIN (tx, bar_x1 - 1.0));
      _gradlab_set_color (cr, &data->fg, 0.5);
      cairo_move_to (cr, tx, y + BAR_H);
      cairo_line_to (cr, tx, y + BAR_H + 3.0);
      cairo_stroke (cr);

      if (fabs (ticks[i].value / pow (10.0, round (log10 (ticks[i].value))) - 1.0) < 1e-6)
        _gradlab_format_decade (ticks[i].value, label, sizeof label);
      else
        g_strlcpy (label, ticks[i].label, sizeof label);
      _gradlab_set_color (cr, &data->fg, 0.8);
      _gradlab_text_draw (cr, layout, label, tx, y + BAR_H + 3.0, 0.5, 0.0);
    }

  /* Swatches for the cells that are off the scale. */
  px = x1 - swatches_w;
  _gradlab_swatch (cr, px, y, BAR_H, &zero_color, &data->fg);
  _gradlab_set_color (cr, &data->fg, 0.8);
  _gradlab_text_draw (cr, layout, zero, px + BAR_H + 4.0, cy, 0.0, 0.5);
  px += BAR_H + 4.0 + zero_w + 14.0;
  _gradlab_swatch (cr, px, y, BAR_H, &nonfinite_color, &data->fg);
  _gradlab_set_color (cr, &data->fg, 0.8);
  _gradlab_text_draw (cr, layout, nonfinite, px + BAR_H + 4.0, cy, 0.0, 0.5);

  cairo_restore (cr);
}

static void
draw_hover (cairo_t                    *cr,
            PangoLayout                *layout,
            const GradlabGradStripData *data,
            const GradlabStripGeometry *g,
            int                         width,
            int                         height)
{
  g_autofree char *layer_text = NULL;
  g_autofree char *step_text = NULL;
  g_autofree char *value_text = NULL;
  const char *lines[3];
  char value[32];
  char step[32];
  guint layer;
  guint col;
  double cx0;
  double cx1;
  double cy0;
  float v;

  if (!data->hover || !gradlab_strip_geometry_cell_at (g, data->hover_x, data->hover_y,
                                                       &layer, &col))
    return;

  v = data->values[(gsize) col * data->n_layers + layer];

  /* Outline the pixel column that shows this step. */
  cx0 = g->grid_x + floor (col * g->grid_width / data->n_cols);
  cx1 = MAX (cx0 + 1.0, g->grid_x + floor ((col + 1) * g->grid_width / data->n_cols));
  cy0 = g->grid_y + layer * g->row_height;

  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  _gradlab_set_color (cr, &data->bg, 1.0);
  cairo_rectangle (cr, cx0 - 0.5, cy0 - 0.5, cx1 - cx0 + 1.0, g->row_height + 1.0);
  cairo_stroke (cr);
  _gradlab_set_color (cr, &data->fg, 1.0);
  cairo_rectangle (cr, cx0 - 1.5, cy0 - 1.5, cx1 - cx0 + 3.0, g->row_height + 3.0);
  cairo_stroke (cr);
  cairo_restore (cr);

  gradlab_format_value (v, value, sizeof value);
  g_snprintf (step, sizeof step, "%.0f", data->steps[col]);
  if (data->names != NULL && data->names[layer] != NULL)
    layer_text = g_strdup (data->names[layer]);
  else
    layer_text = g_strdup_printf (_("Layer %u"), layer + 1);
  step_text = g_strdup_printf (_("step %s"), step);
  value_text = g_strdup_printf (_("gradient norm %s"), value);

  lines[0] = layer_text;
  lines[1] = step_text;
  lines[2] = value_text;
  _gradlab_tooltip (cr, layout, lines, 3, data->hover_x, data->hover_y,
                    0, 0, width, height, &data->fg, &data->bg);
}

void
gradlab_grad_strip_render (cairo_t                    *cr,
                           int                         width,
                           int                         height,
                           const GradlabGradStripData *data)
{
  GradlabGradStripData d;
  GradlabStripGeometry g = { 0 };
  GradlabTick ticks[GRADLAB_TICKS_MAX];
  GradlabPlacedLabel *placed = NULL;
  PangoLayout *layout;
  double line_h;
  double box_h;
  double top = GRADLAB_PAD;
  double names_w = 0.0;
  double lane_h;
  double xticks_h;
  double legend_h;
  double avail;
  double last_w;
  guint n_placed = 0;
  guint n_ticks;
  guint label_every;
  guint i;
  int n_levels;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (data != NULL);

  if (data->geometry_out != NULL)
    data->geometry_out->valid = FALSE;
  if (width <= 0 || height <= 0)
    return;

  d = *data;
  if (!(d.lo > 0.0) || !(d.hi > d.lo) || !isfinite (d.hi))
    {
      d.lo = GRADLAB_GRAD_STRIP_DEFAULT_LO;
      d.hi = GRADLAB_GRAD_STRIP_DEFAULT_HI;
    }

  cairo_save (cr);
  _gradlab_paint_background (cr, width, height, &d.bg, d.fill_background);
  layout = _gradlab_layout_new (cr);
  line_h = _gradlab_line_height (layout);
  box_h = line_h + 4.0;

  if (d.title != NULL)
    {
      _gradlab_layout_set_bold (layout, TRUE);
      _gradlab_set_color (cr, &d.fg, 1.0);
      _gradlab_text_draw (cr, layout, d.title, GRADLAB_PAD, top, 0.0, 0.0);
      _gradlab_layout_set_bold (layout, FALSE);
      top += line_h + 6.0;
    }

  if (d.n_layers == 0 || d.n_cols == 0 || d.values == NULL || d.steps == NULL)
    {
      _gradlab_draw_empty (cr, layout, 0, top, width, height - top, &d.fg, _("No data yet"));
      goto out;
    }

  /* Row labels on the left. */
  for (i = 0; i < d.n_layers; i++)
    {
      g_autofree char *fallback = NULL;
      const char *name = d.names != NULL ? d.names[i] : NULL;
      double w;

      if (name == NULL)
        name = fallback = g_strdup_printf (_("Layer %u"), i + 1);
      _gradlab_text_size (layout, name, &w, NULL);
      names_w = MAX (names_w, MIN (w, NAMES_MAX_W));
    }

  n_ticks = gradlab_ticks_linear (d.steps[0], MAX (d.steps[d.n_cols - 1], d.steps[0] + 1.0), 8,
                                  ticks);
  _gradlab_text_size (layout, n_ticks > 0 ? ticks[n_ticks - 1].label : "0", &last_w, NULL);

  g.n_layers = d.n_layers;
  g.n_cols = d.n_cols;
  g.grid_x = round (GRADLAB_PAD + names_w + 8.0);
  g.grid_width = MAX (1.0, round (width - GRADLAB_PAD - last_w / 2.0 - g.grid_x));

  /* Event labels in rows above the cells. */
  placed = g_new0 (GradlabPlacedLabel, MAX (d.n_markers, 1));
  for (i = 0; i < d.n_markers; i++)
    {
      double s = d.markers[i].x;

      if (!isfinite (s) || s < d.steps[0] || s > d.steps[d.n_cols - 1])
        continue;
      placed[n_placed].px = _gradlab_crisp (col_to_px (&g, step_to_col (d.steps, d.n_cols, s)));
      placed[n_placed].label = d.markers[i].label;
      n_placed++;
    }
  n_levels = _gradlab_stagger_labels (layout, placed, n_placed, g.grid_x,
                                      g.grid_x + g.grid_width, MARKER_LEVELS);
  lane_h = n_levels > 0 ? n_levels * (box_h + 2.0) + 4.0 : 0.0;

  xticks_h = TICK_LEN + 2.0 + line_h;
  legend_h = 10.0 + BAR_H + 3.0 + line_h;
  g.grid_y = round (top + lane_h);
  avail = height - g.grid_y - xticks_h - legend_h - GRADLAB_PAD;
  g.row_height = floor (CLAMP (avail / d.n_layers, MIN_ROW_H, MAX_ROW_H));
  g.grid_height = g.row_height * d.n_layers;
  g.valid = TRUE;

  draw_cells (cr, &d, &g);

  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  _gradlab_set_color (cr, &d.fg, 0.35);
  cairo_rectangle (cr, g.grid_x - 0.5, g.grid_y - 0.5, g.grid_width + 1.0, g.grid_height + 1.0);
  cairo_stroke (cr);

  /* Layer names; when rows are thinner than text, every k-th one. */
  label_every = (guint) MAX (1.0, ceil (line_h / g.row_height));
  _gradlab_text_ellipsize (layout, NAMES_MAX_W);
  _gradlab_set_color (cr, &d.fg, 0.85);
  for (i = 0; i < d.n_layers; i += label_every)
    {
      g_autofree char *fallback = NULL;
      const char *name = d.names != NULL ? d.names[i] : NULL;

      if (name == NULL)
        name = fallback = g_strdup_printf (_("Layer %u"), i + 1);
      _gradlab_text_draw (cr, layout, name, g.grid_x - 8.0,
                          g.grid_y + (i + 0.5) * g.row_height, 1.0, 0.5);
    }
  _gradlab_text_ellipsize (layout, -1);

  /* Step ticks under the cells. */
  for (i = 0; i < n_ticks; i++)
    {
      double px;

      if (ticks[i].value < d.steps[0] || ticks[i].value > d.steps[d.n_cols - 1])
        continue;
      px = _gradlab_crisp (col_to_px (&g, step_to_col (d.steps, d.n_cols, ticks[i].value)));
      _gradlab_set_color (cr, &d.fg, 0.45);
      cairo_move_to (cr, px, g.grid_y + g.grid_height);
      cairo_line_to (cr, px, g.grid_y + g.grid_height + TICK_LEN);
      cairo_stroke (cr);
      _gradlab_set_color (cr, &d.fg, 0.8);
      _gradlab_text_draw (cr, layout, ticks[i].label, px,
                          g.grid_y + g.grid_height + TICK_LEN + 2.0, 0.5, 0.0);
    }
  cairo_restore (cr);

  _gradlab_draw_event_lines (cr, layout, placed, n_placed, top, box_h, g.grid_y,
                             g.grid_height, &d.fg, &d.bg);

  draw_legend (cr, layout, &d, GRADLAB_PAD, width - GRADLAB_PAD,
               g.grid_y + g.grid_height + xticks_h + 10.0);

  draw_hover (cr, layout, &d, &g, width, height);

  if (data->geometry_out != NULL)
    *data->geometry_out = g;

out:
  g_free (placed);
  g_object_unref (layout);
  cairo_restore (cr);
}

/* ------------------------------------------------------------------------ */
/* Widget                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct
{
  double  x;
  char   *label;
} Marker;

struct _GradlabGradStrip
{
  GtkWidget             parent_instance;

  char                 *title;
  GStrv                 names;     /* (n_layers) */
  guint                 n_layers;
  GArray               *steps;     /* (element-type double) */
  GArray               *values;    /* (element-type float) (n_cols, n_layers) */
  GArray               *markers;   /* (element-type Marker) */
  double                lo;
  double                hi;
  double                hover_x;
  double                hover_y;
  gboolean              hover;
  GradlabStripGeometry  geometry;
};

enum {
  PROP_0,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void renderable_iface_init (GradlabRenderableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GradlabGradStrip, gradlab_grad_strip, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GRADLAB_TYPE_RENDERABLE,
                                                      renderable_iface_init))

static void
marker_clear (gpointer data)
{
  Marker *m = data;

  g_clear_pointer (&m->label, g_free);
}

static void
draw_to (GradlabRenderable *renderable,
         cairo_t           *cr,
         int                width,
         int                height,
         gboolean           for_export)
{
  GradlabGradStrip *self = GRADLAB_GRAD_STRIP (renderable);
  GradlabGradStripData data = { 0 };
  GradlabChartMarker *markers = g_new0 (GradlabChartMarker, MAX (self->markers->len, 1));
  guint i;

  for (i = 0; i < self->markers->len; i++)
    {
      markers[i].x = g_array_index (self->markers, Marker, i).x;
      markers[i].label = g_array_index (self->markers, Marker, i).label;
    }

  data.title = self->title;
  _gradlab_widget_colors (GTK_WIDGET (self), &data.fg, &data.bg);
  data.fill_background = for_export;
  data.n_layers = self->n_layers;
  data.names = (const char *const *) self->names;
  data.n_cols = self->steps->len;
  data.steps = (const double *) (void *) self->steps->data;
  data.values = (const float *) (void *) self->values->data;
  data.lo = self->lo;
  data.hi = self->hi;
  data.markers = markers;
  data.n_markers = self->markers->len;
  if (!for_export)
    {
      data.hover = self->hover;
      data.hover_x = self->hover_x;
      data.hover_y = self->hover_y;
      data.geometry_out = &self->geometry;
    }

  gradlab_grad_strip_render (cr, width, height, &data);

  g_free (markers);
}

static void
renderable_iface_init (GradlabRenderableInterface *iface)
{
  iface->draw = draw_to;
}

static void
gradlab_grad_strip_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  GradlabGradStrip *self = GRADLAB_GRAD_STRIP (widget);
  int rows = MAX (self->n_layers, 1);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 520;
    }
  else
    {
      /* Title, event labels, ticks and legend, plus the rows. */
      *minimum = 120 + rows * (int) MIN_ROW_H;
      *natural = 150 + rows * 20;
    }
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           GradlabGradStrip         *self)
{
  self->hover = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
leave_cb (GtkEventControllerMotion *controller,
          GradlabGradStrip         *self)
{
  self->hover = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
gradlab_grad_strip_finalize (GObject *object)
{
  GradlabGradStrip *self = GRADLAB_GRAD_STRIP (object);

  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->steps, g_array_unref);
  g_clear_pointer (&self->values, g_array_unref);
  g_clear_pointer (&self->markers, g_array_unref);

  G_OBJECT_CLASS (gradlab_grad_strip_parent_class)->finalize (object);
}

static void
gradlab_grad_strip_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  GradlabGradStrip *self = GRADLAB_GRAD_STRIP (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_grad_strip_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  GradlabGradStrip *self = GRADLAB_GRAD_STRIP (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      gradlab_grad_strip_set_title (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_grad_strip_class_init (GradlabGradStripClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gradlab_grad_strip_finalize;
  object_class->get_property = gradlab_grad_strip_get_property;
  object_class->set_property = gradlab_grad_strip_set_property;

  widget_class->snapshot = _gradlab_renderable_snapshot;
  widget_class->measure = gradlab_grad_strip_measure;

  /**
   * GradlabGradStrip:title:
   *
   * Bold text at the top left; also the accessible label.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "gradlab-grad-strip");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gradlab_grad_strip_init (GradlabGradStrip *self)
{
  GtkEventController *motion;

  self->steps = g_array_new (FALSE, FALSE, sizeof (double));
  self->values = g_array_new (FALSE, FALSE, sizeof (float));
  self->markers = g_array_new (FALSE, TRUE, sizeof (Marker));
  g_array_set_clear_func (self->markers, marker_clear);
  self->lo = GRADLAB_GRAD_STRIP_DEFAULT_LO;
  self->hi = GRADLAB_GRAD_STRIP_DEFAULT_HI;

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
gradlab_grad_strip_new (void)
{
  return g_object_new (GRADLAB_TYPE_GRAD_STRIP, NULL);
}

void
gradlab_grad_strip_set_layers (GradlabGradStrip  *self,
                               guint              n_layers,
                               const char *const *names)
{
  guint i;

  g_return_if_fail (GRADLAB_IS_GRAD_STRIP (self));

  g_clear_pointer (&self->names, g_strfreev);
  self->names = g_new0 (char *, n_layers + 1);
  for (i = 0; i < n_layers; i++)
    self->names[i] = names != NULL && names[i] != NULL ?
                     g_strdup (names[i]) : g_strdup_printf (_("Layer %u"), i + 1);
  self->n_layers = n_layers;

  g_array_set_size (self->steps, 0);
  g_array_set_size (self->values, 0);

  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
gradlab_grad_strip_append_column (GradlabGradStrip *self,
                                  double            step,
                                  const float      *values)
{
  g_return_if_fail (GRADLAB_IS_GRAD_STRIP (self));
  g_return_if_fail (values != NULL || self->n_layers == 0);

  if (self->steps->len > 0 &&
      !(step > g_array_index (self->steps, double, self->steps->len - 1)))
    return;

  g_array_append_val (self->steps, step);
  g_array_append_vals (self->values, values, self->n_layers);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_grad_strip_set_data (GradlabGradStrip  *self,
                             guint              n_layers,
                             const char *const *names,
                             guint              n_cols,
                             const double      *steps,
                             const float       *values)
{
  guint c;

  g_return_if_fail (GRADLAB_IS_GRAD_STRIP (self));
  g_return_if_fail (n_cols == 0 || (steps != NULL && values != NULL));

  gradlab_grad_strip_set_layers (self, n_layers, names);
  for (c = 0; c < n_cols; c++)
    gradlab_grad_strip_append_column (self, steps[c], values + (gsize) c * n_layers);
}

guint
gradlab_grad_strip_get_n_columns (GradlabGradStrip *self)
{
  g_return_val_if_fail (GRADLAB_IS_GRAD_STRIP (self), 0);

  return self->steps->len;
}

void
gradlab_grad_strip_clear (GradlabGradStrip *self)
{
  g_return_if_fail (GRADLAB_IS_GRAD_STRIP (self));

  g_array_set_size (self->steps, 0);
  g_array_set_size (self->values, 0);
  g_array_set_size (self->markers, 0);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_grad_strip_set_range (GradlabGradStrip *self,
                              double            lo,
                              double            hi)
{
  g_return_if_fail (GRADLAB_IS_GRAD_STRIP (self));
  g_return_if_fail (lo > 0.0 && hi > lo);

  self->lo = lo;
  self->hi = hi;

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_grad_strip_add_marker (GradlabGradStrip *self,
                               double            step,
                               const char       *label)
{
  Marker m;

  g_return_if_fail (GRADLAB_IS_GRAD_STRIP (self));

  m.x = step;
  m.label = g_strdup (label);
  g_array_append_val (self->markers, m);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_grad_strip_clear_markers (GradlabGradStrip *self)
{
  g_return_if_fail (GRADLAB_IS_GRAD_STRIP (self));

  g_array_set_size (self->markers, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
gradlab_grad_strip_get_title (GradlabGradStrip *self)
{
  g_return_val_if_fail (GRADLAB_IS_GRAD_STRIP (self), NULL);

  return self->title;
}

void
gradlab_grad_strip_set_title (GradlabGradStrip *self,
                              const char       *title)
{
  g_return_if_fail (GRADLAB_IS_GRAD_STRIP (self));

  if (_gradlab_set_str (&self->title, title))
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, title != NULL ? title : "",
                                      -1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}
