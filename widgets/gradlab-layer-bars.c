/* gradlab-layer-bars.c: two per-layer quantities as bars on log axes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-layer-bars.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gradlab-colors.h"
#include "gradlab-draw-private.h"
#include "gradlab-renderable.h"
#include "gradlab-series.h"
#include "gradlab-widgets-private.h"

#define TICK_LEN     4.0
#define MAX_ROW_H    26.0
#define MIN_ROW_H    12.0
#define NAMES_MAX_W  140.0
#define PANEL_GAP    28.0
#define MARK_W       26.0

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

void
gradlab_layer_bars_compute_range (const float *values,
                                  guint        n,
                                  double       reference,
                                  double      *lo,
                                  double      *hi)
{
  double min_v = INFINITY;
  double max_v = -INFINITY;
  guint i;

  g_return_if_fail (lo != NULL && hi != NULL);

  for (i = 0; values != NULL && i < n; i++)
    {
      if (isfinite (values[i]) && values[i] > 0.0f)
        {
          min_v = MIN (min_v, values[i]);
          max_v = MAX (max_v, values[i]);
        }
    }
  if (isfinite (reference) && reference > 0.0)
    {
      min_v = MIN (min_v, reference);
      max_v = MAX (max_v, reference);
    }

  *lo = min_v;
  *hi = max_v;
  gradlab_nice_range_log (lo, hi, TRUE);

  /* A bar starts at the left edge: the smallest value needs room to show
   * as a bar, so it may not sit on (or just right of) the edge. */
  if (isfinite (min_v) && log10 (min_v) - log10 (*lo) < 0.25)
    *lo /= 10.0;
}

static double
value_to_px (const GradlabBarsGeometry *g,
             guint                      panel,
             double                     v)
{
  double t = (log10 (v) - log10 (g->lo[panel])) / (log10 (g->hi[panel]) - log10 (g->lo[panel]));

  return g->panel_x[panel] + CLAMP (t, 0.0, 1.0) * g->panel_width[panel];
}

/* Two significant digits; scientific away from 1, as the axis is. */
static void
format_short (double  v,
              char   *buf,
              gsize   size)
{
  int e = (int) floor (log10 (v));
  double m = v / pow (10.0, e);

  if (e >= -2 && e <= 2)
    {
      g_snprintf (buf, size, "%.2g", v);
      return;
    }

  /* Rounding the mantissa may carry into the next decade. */
  if (round (m * 10.0) / 10.0 >= 10.0)
    {
      m /= 10.0;
      e++;
    }
  if (fabs (round (m * 10.0) / 10.0 - round (m)) < 1e-9)
    g_snprintf (buf, size, "%.0fe%d", round (m), e);
  else
    g_snprintf (buf, size, "%.1fe%d", m, e);
}

static const char *
degenerate_label (float v)
{
  if (isnan (v))
    return _("NaN");
  if (isinf (v))
    return v > 0 ? _("Inf") : _("-Inf");
  if (v == 0.0f)
    return _("0");

  return _("<0");
}

static void
draw_panel (cairo_t                    *cr,
            PangoLayout                *layout,
            const GradlabLayerBarsData *data,
            const GradlabBarsGeometry  *g,
            guint                       p,
            double                      title_y,
            double                      ref_y,
            gboolean                    show_values)
{
  const GradlabBarsPanel *panel = &data->panels[p];
  GradlabTick ticks[GRADLAB_TICKS_MAX];
  GdkRGBA bad;
  double x0 = g->panel_x[p];
  double x1 = x0 + g->panel_width[p];
  double bottom = g->rows_y + g->row_height * data->n_layers;
  double bar_h = MAX (4.0, g->row_height - 8.0);
  double line_h = _gradlab_line_height (layout);
  guint n_ticks;
  guint i;

  gradlab_palette_color (4, &bad);

  cairo_save (cr);

  if (panel->title != NULL)
    {
      _gradlab_layout_set_bold (layout, TRUE);
      _gradlab_text_ellipsize (layout, g->panel_width[p]);
      _gradlab_set_color (cr, &data->fg, 1.0);
      _gradlab_text_draw (cr, layout, panel->title, x0, title_y, 0.0, 0.0);
      _gradlab_text_ellipsize (layout, -1);
      _gradlab_layout_set_bold (layout, FALSE);
    }

  /* Decade grid and axis labels. */
  n_ticks = gradlab_ticks_log (g->lo[p], g->hi[p],
                               (guint) CLAMP (g->panel_width[p] / 44.0, 2, 12), ticks);
  cairo_set_line_width (cr, 1.0);
  for (i = 0; i < n_ticks; i++)
    {
      double px = _gradlab_crisp (MIN (value_to_px (g, p, ticks[i].value), x1 - 1.0));
      char label[24];

      _gradlab_set_color (cr, &data->fg, 0.09);
      cairo_move_to (cr, px, g->rows_y);
      cairo_line_to (cr, px, bottom);
      cairo_stroke (cr);
      _gradlab_set_color (cr, &data->fg, 0.45);
      cairo_move_to (cr, px, bottom);
      cairo_line_to (cr, px, bottom + TICK_LEN);
      cairo_stroke (cr);

      if (fabs (ticks[i].value / pow (10.0, round (log10 (ticks[i].value))) - 1.0) < 1e-6)
        _gradlab_format_decade (ticks[i].value, label, sizeof label);
      else
        g_strlcpy (label, ticks[i].label, sizeof label);
      _gradlab_set_color (cr, &data->fg, 0.8);
      _gradlab_text_draw (cr, layout, label, px, bottom + TICK_LEN + 2.0,
                          i == 0 ? 0.0 : i + 1 == n_ticks ? 1.0 : 0.5, 0.0);
    }
  _gradlab_set_color (cr, &data->fg, 0.45);
  cairo_move_to (cr, x0 - 0.5, g->rows_y);
  cairo_line_to (cr, x0 - 0.5, bottom + 0.5);
  cairo_line_to (cr, x1, bottom + 0.5);
  cairo_stroke (cr);

  /* Reference line with its label above the rows. */
  if (isfinite (panel->reference) && panel->reference > 0.0)
    {
      static const double dash[] = { 5.0, 3.0 };
      GdkRGBA green;
      double px = _gradlab_crisp (value_to_px (g, p, panel->reference));

      gradlab_palette_color (2, &green);
      cairo_set_dash (cr, dash, 2, 0.0);
      cairo_set_line_width (cr, 1.5);
      _gradlab_set_color (cr, &green, 1.0);
      cairo_move_to (cr, px, ref_y + 2.0);
      cairo_line_to (cr, px, bottom);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0.0);

      if (panel->reference_label != NULL)
        {
          double lw;
          double lx;

          _gradlab_text_size (layout, panel->reference_label, &lw, NULL);
          lx = CLAMP (px - lw / 2.0, x0, MAX (x0, x1 - lw));
          _gradlab_set_color (cr, &data->fg, 0.75);
          _gradlab_text_draw (cr, layout, panel->reference_label, lx, ref_y, 0.0, 1.0);
        }
    }

  /* Bars. */
  for (i = 0; i < data->n_layers; i++)
    {
      float v = panel->values != NULL ? panel->values[i] : NAN;
      double y = round (g->rows_y + i * g->row_height + (g->row_height - bar_h) / 2.0);
      double cy = y + bar_h / 2.0;
      char text[32];
      double tw;

      if (!isfinite (v) || v <= 0.0f)
        {
          const char *label = degenerate_label (v);

          _gradlab_hatch (cr, x0, y, MARK_W, bar_h, isfinite (v) ? &data->fg : &bad);
          if (!show_values)
            continue;
          _gradlab_set_color (cr, isfinite (v) ? &data->fg : &bad, 1.0);
          _gradlab_layout_set_bold (layout, !isfinite (v));
          _gradlab_text_draw (cr, layout, label, x0 + MARK_W + 4.0, cy, 0.0, 0.5);
          _gradlab_layout_set_bold (layout, FALSE);
          continue;
        }

      {
        double end = round (value_to_px (g, p, v));

        _gradlab_set_color (cr, &panel->color, 0.85);
        cairo_rectangle (cr, x0, y, MAX (1.0, end - x0), bar_h);
        cairo_fill (cr);

        /* Rows lower than a line of text: values would overlap each
         * other; the hover read-out still has them. */
        if (!show_values)
          continue;

        format_short (v, text, sizeof text);
        _gradlab_text_size (layout, text, &tw, NULL);
        if (end + 4.0 + tw <= x1)
          {
            /* A backing so that the reference line does not cross it. */
            _gradlab_set_color (cr, &data->bg, 0.85);
            cairo_rectangle (cr, end + 2.0, cy - line_h / 2.0, tw + 4.0, line_h);
            cairo_fill (cr);
            _gradlab_set_color (cr, &data->fg, 0.85);
            _gradlab_text_draw (cr, layout, text, end + 4.0, cy, 0.0, 0.5);
          }
        else
          {
            /* No room after the bar: the value goes inside its end. */
            static const GdkRGBA white = { 1.0f, 1.0f, 1.0f, 1.0f };

            _gradlab_set_color (cr, &white, 1.0);
            _gradlab_text_draw (cr, layout, text, end - 4.0, cy, 1.0, 0.5);
          }
      }
    }

  cairo_restore (cr);
}

static void
format_readout_value (float  v,
                      char  *buf,
                      gsize  size)
{
  if (!isfinite (v) || v <= 0.0f)
    g_strlcpy (buf, degenerate_label (v), size);
  else
    format_short (v, buf, size);
}

/* The hovered layer's name and both values, next to the pointer. */
static void
draw_readout (cairo_t                    *cr,
              PangoLayout                *layout,
              const GradlabLayerBarsData *data,
              const GradlabBarsGeometry  *g,
              int                         layer,
              double                      x,
              double                      y,
              int                         width,
              int                         height)
{
  g_autofree char *fallback = NULL;
  char *lines[3] = { NULL, NULL, NULL };
  const char *name = data->names != NULL ? data->names[layer] : NULL;
  guint p;

  if (name == NULL)
    name = fallback = g_strdup_printf (_("Layer %d"), layer + 1);
  lines[0] = g_strdup (name);
  for (p = 0; p < 2; p++)
    {
      const GradlabBarsPanel *panel = &data->panels[p];
      char value[32];

      format_readout_value (panel->values != NULL ? panel->values[layer] : NAN,
                            value, sizeof value);
      if (panel->title != NULL)
        /* Translators: a line of the hover read-out, e.g. "Gradient norm: 1.2e-3". */
        lines[p + 1] = g_strdup_printf (_("%s: %s"), panel->title, value);
      else
        lines[p + 1] = g_strdup (value);
    }

  /* Highlight the row, then the box. */
  cairo_save (cr);
  _gradlab_set_color (cr, &data->fg, 0.07);
  cairo_rectangle (cr, GRADLAB_PAD, g->rows_y + layer * g->row_height,
                   width - 2 * GRADLAB_PAD, g->row_height);
  cairo_fill (cr);
  cairo_restore (cr);

  _gradlab_tooltip (cr, layout, (const char *const *) lines, 3, x, y,
                    0, 0, width, height, &data->fg, &data->bg);
  for (p = 0; p < 3; p++)
    g_free (lines[p]);
}

static void
render_impl (cairo_t                    *cr,
             int                         width,
             int                         height,
             const GradlabLayerBarsData *data,
             GradlabTextCache           *text_cache,
             int                         hover_layer,
             double                      hover_x,
             double                      hover_y)
{
  GradlabBarsGeometry g = { 0 };
  PangoLayout *layout;
  double line_h;
  double names_w = 0.0;
  double title_y = GRADLAB_PAD;
  double ref_y;
  double axis_h;
  double avail;
  double panel_w;
  gboolean any_reference = FALSE;
  guint i;
  guint p;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (data != NULL);

  if (data->geometry_out != NULL)
    data->geometry_out->valid = FALSE;
  if (width <= 0 || height <= 0)
    return;

  cairo_save (cr);
  _gradlab_paint_background (cr, width, height, &data->bg, data->fill_background);
  layout = _gradlab_layout_new_cached (cr, text_cache);
  line_h = _gradlab_line_height (layout);

  if (data->n_layers == 0)
    {
      _gradlab_draw_empty (cr, layout, 0, 0, width, height, &data->fg, _("No data yet"));
      goto out;
    }

  for (i = 0; i < data->n_layers; i++)
    {
      g_autofree char *fallback = NULL;
      const char *name = data->names != NULL ? data->names[i] : NULL;
      double w;

      if (name == NULL)
        name = fallback = g_strdup_printf (_("Layer %u"), i + 1);
      _gradlab_text_size (layout, name, &w, NULL);
      names_w = MAX (names_w, MIN (w, NAMES_MAX_W));
    }

  for (p = 0; p < 2; p++)
    any_reference = any_reference || (isfinite (data->panels[p].reference) &&
                                      data->panels[p].reference > 0.0 &&
                                      data->panels[p].reference_label != NULL);

  ref_y = title_y + line_h + 4.0 + (any_reference ? line_h + 2.0 : 0.0);
  g.rows_y = round (ref_y + 4.0);
  axis_h = TICK_LEN + 2.0 + line_h;
  avail = height - g.rows_y - axis_h - GRADLAB_PAD;
  g.row_height = floor (CLAMP (avail / data->n_layers, MIN_ROW_H, MAX_ROW_H));

  panel_w = floor ((width - 2 * GRADLAB_PAD - names_w - 10.0 - PANEL_GAP) / 2.0);
  panel_w = MAX (panel_w, 20.0);
  g.panel_x[0] = round (GRADLAB_PAD + names_w + 10.0);
  g.panel_x[1] = g.panel_x[0] + panel_w + PANEL_GAP;
  for (p = 0; p < 2; p++)
    {
      g.panel_width[p] = panel_w;
      gradlab_layer_bars_compute_range (data->panels[p].values, data->n_layers,
                                        data->panels[p].reference, &g.lo[p], &g.hi[p]);
    }
  g.valid = TRUE;

  /* Layer names, shared by both panels. */
  _gradlab_text_ellipsize (layout, NAMES_MAX_W);
  _gradlab_set_color (cr, &data->fg, 0.85);
  for (i = 0; i < data->n_layers; i++)
    {
      g_autofree char *fallback = NULL;
      const char *name = data->names != NULL ? data->names[i] : NULL;

      if (name == NULL)
        name = fallback = g_strdup_printf (_("Layer %u"), i + 1);
      _gradlab_text_draw (cr, layout, name, g.panel_x[0] - 10.0,
                          g.rows_y + (i + 0.5) * g.row_height, 1.0, 0.5);
    }
  _gradlab_text_ellipsize (layout, -1);

  for (p = 0; p < 2; p++)
    draw_panel (cr, layout, data, &g, p, title_y, ref_y, g.row_height >= line_h);

  if (hover_layer >= 0 && hover_layer < (int) data->n_layers)
    draw_readout (cr, layout, data, &g, hover_layer, hover_x, hover_y, width, height);

  if (data->geometry_out != NULL)
    *data->geometry_out = g;

out:
  g_object_unref (layout);
  cairo_restore (cr);
}

void
gradlab_layer_bars_render (cairo_t                    *cr,
                           int                         width,
                           int                         height,
                           const GradlabLayerBarsData *data)
{
  render_impl (cr, width, height, data, NULL, -1, 0.0, 0.0);
}

/* ------------------------------------------------------------------------ */
/* Widget                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct
{
  char   *title;
  float  *values;
  double  reference;
  char   *reference_label;
} Panel;

struct _GradlabLayerBars
{
  GtkWidget  parent_instance;

  GStrv      names;
  guint      n_layers;
  Panel      panels[2];
  GradlabTextCache    *text_cache;  /* shaped labels, reused across frames */
  GradlabBarsGeometry  geometry;    /* as last drawn, for hover */
  int                  hover_layer; /* row under the pointer, -1 = none */
  double               hover_x;
  double               hover_y;
};

static void renderable_iface_init (GradlabRenderableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GradlabLayerBars, gradlab_layer_bars, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GRADLAB_TYPE_RENDERABLE,
                                                      renderable_iface_init))

static void
draw_to (GradlabRenderable *renderable,
         cairo_t           *cr,
         int                width,
         int                height,
         gboolean           for_export)
{
  GradlabLayerBars *self = GRADLAB_LAYER_BARS (renderable);
  GradlabLayerBarsData data = { 0 };
  guint p;

  _gradlab_widget_colors (GTK_WIDGET (self), &data.fg, &data.bg);
  data.fill_background = for_export;
  data.n_layers = self->n_layers;
  data.names = (const char *const *) self->names;
  for (p = 0; p < 2; p++)
    {
      data.panels[p].title = self->panels[p].title;
      data.panels[p].values = self->panels[p].values;
      data.panels[p].reference = self->panels[p].reference;
      data.panels[p].reference_label = self->panels[p].reference_label;
      gradlab_palette_color (p, &data.panels[p].color);
    }

  data.geometry_out = &self->geometry;

  if (for_export)
    render_impl (cr, width, height, &data, self->text_cache, -1, 0.0, 0.0);
  else
    render_impl (cr, width, height, &data, self->text_cache,
                 self->hover_layer, self->hover_x, self->hover_y);
}

int
_gradlab_layer_bars_hover (GradlabLayerBars *self,
                           double            x,
                           double            y)
{
  const GradlabBarsGeometry *g;
  int layer = -1;

  g_return_val_if_fail (GRADLAB_IS_LAYER_BARS (self), -1);

  g = &self->geometry;
  if (g->valid && g->row_height > 0 && y >= g->rows_y && x >= GRADLAB_PAD &&
      x < g->panel_x[1] + g->panel_width[1])
    {
      double row = floor ((y - g->rows_y) / g->row_height);

      if (row < self->n_layers)
        layer = (int) row;
    }

  if (layer != self->hover_layer || layer >= 0)
    {
      self->hover_layer = layer;
      self->hover_x = x;
      self->hover_y = y;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }

  return layer;
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           GradlabLayerBars         *self)
{
  _gradlab_layer_bars_hover (self, x, y);
}

static void
leave_cb (GtkEventControllerMotion *controller,
          GradlabLayerBars         *self)
{
  _gradlab_layer_bars_hover (self, -1.0, -1.0);
}

static void
renderable_iface_init (GradlabRenderableInterface *iface)
{
  iface->draw = draw_to;
}

static void
gradlab_layer_bars_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  GradlabLayerBars *self = GRADLAB_LAYER_BARS (widget);
  int rows = MAX (self->n_layers, 1);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 320;
      *natural = 560;
    }
  else
    {
      *minimum = 70 + rows * (int) MIN_ROW_H;
      *natural = 80 + rows * 22;
    }
}

static void
gradlab_layer_bars_finalize (GObject *object)
{
  GradlabLayerBars *self = GRADLAB_LAYER_BARS (object);
  guint p;

  g_clear_pointer (&self->names, g_strfreev);
  for (p = 0; p < 2; p++)
    {
      g_clear_pointer (&self->panels[p].title, g_free);
      g_clear_pointer (&self->panels[p].values, g_free);
      g_clear_pointer (&self->panels[p].reference_label, g_free);
    }
  g_clear_pointer (&self->text_cache, _gradlab_text_cache_free);

  G_OBJECT_CLASS (gradlab_layer_bars_parent_class)->finalize (object);
}

static void
gradlab_layer_bars_class_init (GradlabLayerBarsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gradlab_layer_bars_finalize;

  widget_class->snapshot = _gradlab_renderable_snapshot;
  widget_class->measure = gradlab_layer_bars_measure;

  gtk_widget_class_set_css_name (widget_class, "gradlab-layer-bars");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gradlab_layer_bars_init (GradlabLayerBars *self)
{
  GtkEventController *motion;

  self->text_cache = _gradlab_text_cache_new ();
  self->hover_layer = -1;
  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  self->panels[0].title = g_strdup (_("Gradient norm"));
  self->panels[0].reference = NAN;
  self->panels[1].title = g_strdup (_("Update / weight"));
  self->panels[1].reference = 1e-3;
  self->panels[1].reference_label = g_strdup (_("≈1e-3 healthy"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Per-layer gradient sizes"),
                                  -1);
}

GtkWidget *
gradlab_layer_bars_new (void)
{
  return g_object_new (GRADLAB_TYPE_LAYER_BARS, NULL);
}

void
gradlab_layer_bars_set_data (GradlabLayerBars  *self,
                             guint              n_layers,
                             const char *const *names,
                             const float       *left,
                             const float       *right)
{
  const float *values[2] = { left, right };
  guint i;
  guint p;

  g_return_if_fail (GRADLAB_IS_LAYER_BARS (self));

  g_clear_pointer (&self->names, g_strfreev);
  self->names = g_new0 (char *, n_layers + 1);
  for (i = 0; i < n_layers; i++)
    self->names[i] = names != NULL && names[i] != NULL ?
                     g_strdup (names[i]) : g_strdup_printf (_("Layer %u"), i + 1);

  for (p = 0; p < 2; p++)
    {
      g_free (self->panels[p].values);
      self->panels[p].values = values[p] != NULL && n_layers > 0 ?
                               g_memdup2 (values[p], n_layers * sizeof (float)) : NULL;
    }

  if (self->n_layers != n_layers)
    {
      self->n_layers = n_layers;
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_layer_bars_set_panel (GradlabLayerBars *self,
                              guint             panel,
                              const char       *title,
                              double            reference,
                              const char       *reference_label)
{
  g_return_if_fail (GRADLAB_IS_LAYER_BARS (self));
  g_return_if_fail (panel < 2);

  _gradlab_set_str (&self->panels[panel].title, title);
  self->panels[panel].reference = reference;
  _gradlab_set_str (&self->panels[panel].reference_label, reference_label);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}
