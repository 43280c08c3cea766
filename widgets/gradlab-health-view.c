/* gradlab-health-view.c: dead and saturated units per layer, and one
 * layer's activation histogram
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-health-view.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gradlab-colors.h"
#include "gradlab-draw-private.h"
#include "gradlab-renderable.h"
#include "gradlab-series.h"
#include "gradlab-widgets-private.h"

#define TICK_LEN     4.0
#define MAX_ROW_H    24.0
#define MIN_ROW_H    16.0
#define NAMES_MAX_W  140.0
#define HIST_MIN_H   140.0
/* Bar width the rows panel asks for; at twice the panel's natural width
 * the histogram moves beside the rows instead of below them. */
#define NAT_BAR_W    100.0

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

int
gradlab_health_geometry_layer_at (const GradlabHealthGeometry *geometry,
                                  double                       x,
                                  double                       y)
{
  double row;

  g_return_val_if_fail (geometry != NULL, -1);

  if (!geometry->valid || geometry->n_layers == 0)
    return -1;
  if (x < geometry->rows_x || x >= geometry->rows_x + geometry->rows_width)
    return -1;

  row = floor ((y - geometry->rows_y) / geometry->row_height);
  if (row < 0 || row >= geometry->n_layers)
    return -1;

  return (int) row;
}

static void
format_share (float  share,
              char  *buf,
              gsize  size)
{
  if (!isfinite (share))
    g_strlcpy (buf, "–", size);
  else if (share > 0.0f && share < 0.1f)
    /* Translators: a percentage with one decimal, e.g. "0.5 %". */
    g_snprintf (buf, size, _("%.1f %%"), share * 100.0);
  else
    /* Translators: a whole percentage, e.g. "12 %". */
    g_snprintf (buf, size, _("%.0f %%"), share * 100.0);
}

static void
draw_share_bar (cairo_t       *cr,
                PangoLayout   *layout,
                float          share,
                double         x,
                double         y,
                double         width,
                double         height,
                const GdkRGBA *color,
                const GdkRGBA *fg)
{
  char text[32];

  cairo_save (cr);
  _gradlab_set_color (cr, fg, 0.08);
  cairo_rectangle (cr, x, y, width, height);
  cairo_fill (cr);

  if (isfinite (share))
    {
      _gradlab_set_color (cr, color, 0.9);
      cairo_rectangle (cr, x, y, round (CLAMP (share, 0.0f, 1.0f) * width), height);
      cairo_fill (cr);
    }

  format_share (share, text, sizeof text);
  _gradlab_set_color (cr, fg, 0.85);
  _gradlab_text_draw (cr, layout, text, x + width + 6.0, y + height / 2.0, 0.0, 0.5);
  cairo_restore (cr);
}

static void
draw_histogram (cairo_t                     *cr,
                PangoLayout                 *layout,
                const GradlabHealthViewData *data,
                GradlabHealthGeometry       *g,
                double                       left,
                int                          width,
                int                          height,
                double                       top)
{
  g_autofree char *title = NULL;
  GradlabTick xt[GRADLAB_TICKS_MAX];
  GradlabTick yt[GRADLAB_TICKS_MAX];
  GdkRGBA blue;
  double line_h = _gradlab_line_height (layout);
  double max_count = 0.0;
  double y_lo = 0.0;
  double y_hi;
  double ytick_w = 0.0;
  double last_w;
  double bin_w;
  guint n_xt;
  guint n_yt;
  guint i;
  gboolean selected = data->selected >= 0 && data->selected < (int) data->n_layers;

  if (selected)
    {
      const char *name = data->names != NULL ? data->names[data->selected] : NULL;
      g_autofree char *fallback = NULL;

      if (name == NULL)
        name = fallback = g_strdup_printf (_("Layer %d"), data->selected + 1);
      /* Translators: the title of the histogram; %s is a layer name. */
      title = g_strdup_printf (_("Activations of %s"), name);
    }
  else
    title = g_strdup (_("Activations"));

  _gradlab_layout_set_bold (layout, TRUE);
  _gradlab_set_color (cr, &data->fg, 1.0);
  _gradlab_text_ellipsize (layout, width - GRADLAB_PAD - left);
  _gradlab_text_draw (cr, layout, title, left, top, 0.0, 0.0);
  _gradlab_text_ellipsize (layout, -1);
  _gradlab_layout_set_bold (layout, FALSE);
  top += line_h + 6.0;

  if (!selected || data->n_bins == 0 || data->counts == NULL ||
      !(data->hist_hi > data->hist_lo) || !isfinite (data->hist_lo) || !isfinite (data->hist_hi))
    {
      _gradlab_draw_empty (cr, layout, left, top, width - left, height - top, &data->fg,
                           selected ? _("No histogram yet")
                                    : _("Click a layer to see its activations"));
      return;
    }

  for (i = 0; i < data->n_bins; i++)
    if (isfinite (data->counts[i]))
      max_count = MAX (max_count, data->counts[i]);
  y_hi = max_count > 0.0 ? max_count : 1.0;
  gradlab_nice_range_linear (&y_lo, &y_hi, 5);
  y_lo = 0.0;

  n_yt = gradlab_ticks_linear (y_lo, y_hi, 5, yt);
  for (i = 0; i < n_yt; i++)
    {
      double w;

      _gradlab_text_size (layout, yt[i].label, &w, NULL);
      ytick_w = MAX (ytick_w, w);
    }
  n_xt = gradlab_ticks_linear (data->hist_lo, data->hist_hi, 8, xt);
  _gradlab_text_size (layout, n_xt > 0 ? xt[n_xt - 1].label : "0", &last_w, NULL);

  g->hist_x = round (left + ytick_w + TICK_LEN + 4.0);
  g->hist_y = round (top);
  g->hist_width = MAX (1.0, round (width - GRADLAB_PAD - last_w / 2.0 - g->hist_x));
  g->hist_height = MAX (1.0, round (height - GRADLAB_PAD - TICK_LEN - 2.0 - line_h - g->hist_y));

  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);

  /* Grid and y labels. */
  for (i = 0; i < n_yt; i++)
    {
      double t = (yt[i].value - y_lo) / (y_hi - y_lo);
      double py = _gradlab_crisp (g->hist_y + g->hist_height * (1.0 - t));

      _gradlab_set_color (cr, &data->fg, 0.09);
      cairo_move_to (cr, g->hist_x, py);
      cairo_line_to (cr, g->hist_x + g->hist_width, py);
      cairo_stroke (cr);
      _gradlab_set_color (cr, &data->fg, 0.8);
      _gradlab_text_draw (cr, layout, yt[i].label, g->hist_x - TICK_LEN - 3.0, py, 1.0, 0.5);
    }

  /* Bins. */
  gradlab_palette_color (0, &blue);
  _gradlab_set_color (cr, &blue, 0.85);
  bin_w = g->hist_width / data->n_bins;
  for (i = 0; i < data->n_bins; i++)
    {
      double c = isfinite (data->counts[i]) ? MAX (data->counts[i], 0.0f) : 0.0;
      double h = round (g->hist_height * c / (y_hi - y_lo));
      double bx0 = round (g->hist_x + i * bin_w);
      double bx1 = round (g->hist_x + (i + 1) * bin_w) - (bin_w >= 4.0 ? 1.0 : 0.0);

      if (h > 0.0)
        cairo_rectangle (cr, bx0, g->hist_y + g->hist_height - h, MAX (1.0, bx1 - bx0), h);
    }
  cairo_fill (cr);

  /* Axes and x labels. */
  _gradlab_set_color (cr, &data->fg, 0.45);
  cairo_move_to (cr, g->hist_x - 0.5, g->hist_y);
  cairo_line_to (cr, g->hist_x - 0.5, g->hist_y + g->hist_height + 0.5);
  cairo_line_to (cr, g->hist_x + g->hist_width, g->hist_y + g->hist_height + 0.5);
  cairo_stroke (cr);
  for (i = 0; i < n_xt; i++)
    {
      double px = _gradlab_crisp (g->hist_x + (xt[i].value - data->hist_lo) /
                                  (data->hist_hi - data->hist_lo) * g->hist_width);

      _gradlab_set_color (cr, &data->fg, 0.45);
      cairo_move_to (cr, px, g->hist_y + g->hist_height);
      cairo_line_to (cr, px, g->hist_y + g->hist_height + TICK_LEN);
      cairo_stroke (cr);
      _gradlab_set_color (cr, &data->fg, 0.8);
      _gradlab_text_draw (cr, layout, xt[i].label, px, g->hist_y + g->hist_height + TICK_LEN + 2.0,
                          0.5, 0.0);
    }
  cairo_restore (cr);
}

/* A bold column title at (@x, @y) in at most @max_width: the full text
 * if it fits, else the short one, ellipsized if even that is too wide. */
static void
draw_column_title (cairo_t     *cr,
                   PangoLayout *layout,
                   const char  *full,
                   const char  *short_text,
                   double       x,
                   double       y,
                   double       max_width)
{
  double w;

  _gradlab_text_size (layout, full, &w, NULL);
  if (w <= max_width)
    {
      _gradlab_text_draw (cr, layout, full, x, y, 0.0, 0.0);
      return;
    }

  _gradlab_text_ellipsize (layout, MAX (max_width, 1.0));
  _gradlab_text_draw (cr, layout, short_text, x, y, 0.0, 0.0);
  _gradlab_text_ellipsize (layout, -1);
}

static void
render_impl (cairo_t                     *cr,
             int                          width,
             int                          height,
             const GradlabHealthViewData *data,
             GradlabTextCache            *text_cache)
{
  GradlabHealthGeometry g = { 0 };
  PangoLayout *layout;
  GdkRGBA dead_color;
  GdkRGBA saturated_color;
  GdkRGBA accent;
  const char *dead_title = _("Dead units");
  const char *saturated_title = _("Saturated units");
  /* Translators: short form of "Dead units", for narrow views. */
  const char *dead_short = _("Dead");
  /* Translators: short form of "Saturated units", for narrow views. */
  const char *saturated_short = _("Saturated");
  double line_h;
  double panel_w;
  double natural_w;
  gboolean beside;
  double names_w = 0.0;
  double pct_w;
  double bar_w;
  double bar_h;
  double col1;
  double col2;
  double rows_end;
  guint i;

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

  gradlab_palette_color (3, &dead_color);
  gradlab_palette_color (1, &saturated_color);
  gradlab_palette_color (0, &accent);

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
  _gradlab_text_size (layout, "100 %", &pct_w, NULL);

  /* Wide enough for two rows panels: the histogram goes beside the rows,
   * which then get the whole height (many layers need it). */
  natural_w = 2 * GRADLAB_PAD + 6.0 + names_w + 12.0 + 2 * (NAT_BAR_W + pct_w + 8.0) + 16.0;
  beside = width >= 2.0 * natural_w;
  panel_w = beside ? MAX (natural_w, floor (width * 0.5)) : width;

  g.n_layers = data->n_layers;
  g.rows_x = GRADLAB_PAD;
  g.rows_width = panel_w - 2 * GRADLAB_PAD;
  g.rows_y = round (GRADLAB_PAD + line_h + 6.0);
  g.row_height = floor (CLAMP ((height - g.rows_y - (beside ? 0.0 : HIST_MIN_H) - GRADLAB_PAD) /
                               data->n_layers,
                               MAX (MIN_ROW_H, ceil (line_h) + 1.0), MAX_ROW_H));
  g.valid = TRUE;

  col1 = round (GRADLAB_PAD + 6.0 + names_w + 12.0);
  bar_w = floor ((panel_w - GRADLAB_PAD - col1 - 2 * (pct_w + 8.0) - 16.0) / 2.0);
  bar_w = MAX (bar_w, 10.0);
  col2 = col1 + bar_w + pct_w + 8.0 + 16.0;
  bar_h = MAX (4.0, g.row_height - 10.0);

  /* Column titles. */
  _gradlab_layout_set_bold (layout, TRUE);
  _gradlab_set_color (cr, &data->fg, 0.9);
  _gradlab_text_draw (cr, layout, _("Layer"), GRADLAB_PAD + 6.0, GRADLAB_PAD, 0.0, 0.0);
  _gradlab_swatch (cr, col1, GRADLAB_PAD + line_h / 2.0 - 5.0, 10.0, &dead_color, &data->fg);
  _gradlab_set_color (cr, &data->fg, 0.9);
  draw_column_title (cr, layout, dead_title, dead_short, col1 + 14.0, GRADLAB_PAD,
                     col2 - 8.0 - (col1 + 14.0));
  _gradlab_swatch (cr, col2, GRADLAB_PAD + line_h / 2.0 - 5.0, 10.0, &saturated_color, &data->fg);
  _gradlab_set_color (cr, &data->fg, 0.9);
  draw_column_title (cr, layout, saturated_title, saturated_short, col2 + 14.0, GRADLAB_PAD,
                     panel_w - GRADLAB_PAD - (col2 + 14.0));
  _gradlab_layout_set_bold (layout, FALSE);

  _gradlab_text_ellipsize (layout, NAMES_MAX_W);
  for (i = 0; i < data->n_layers; i++)
    {
      g_autofree char *fallback = NULL;
      const char *name = data->names != NULL ? data->names[i] : NULL;
      double y = g.rows_y + i * g.row_height;
      double by = round (y + (g.row_height - bar_h) / 2.0);

      if ((int) i == data->selected)
        {
          cairo_save (cr);
          _gradlab_set_color (cr, &accent, 0.16);
          cairo_rectangle (cr, g.rows_x, y, g.rows_width, g.row_height);
          cairo_fill (cr);
          _gradlab_set_color (cr, &accent, 1.0);
          cairo_rectangle (cr, g.rows_x, y, 3.0, g.row_height);
          cairo_fill (cr);
          cairo_restore (cr);
        }

      if (name == NULL)
        name = fallback = g_strdup_printf (_("Layer %u"), i + 1);
      _gradlab_layout_set_bold (layout, (int) i == data->selected);
      _gradlab_set_color (cr, &data->fg, 0.9);
      _gradlab_text_draw (cr, layout, name, GRADLAB_PAD + 6.0, y + g.row_height / 2.0, 0.0, 0.5);
      _gradlab_layout_set_bold (layout, FALSE);

      draw_share_bar (cr, layout, data->dead != NULL ? data->dead[i] : NAN,
                      col1, by, bar_w, bar_h, &dead_color, &data->fg);
      draw_share_bar (cr, layout, data->saturated != NULL ? data->saturated[i] : NAN,
                      col2, by, bar_w, bar_h, &saturated_color, &data->fg);
    }
  _gradlab_text_ellipsize (layout, -1);

  rows_end = g.rows_y + data->n_layers * g.row_height;

  /* A separator between the table and the histogram. */
  cairo_save (cr);
  _gradlab_set_color (cr, &data->fg, 0.15);
  cairo_set_line_width (cr, 1.0);
  if (beside)
    {
      cairo_move_to (cr, _gradlab_crisp (panel_w), GRADLAB_PAD);
      cairo_line_to (cr, _gradlab_crisp (panel_w), height - GRADLAB_PAD);
    }
  else
    {
      cairo_move_to (cr, GRADLAB_PAD, _gradlab_crisp (rows_end + 7.0));
      cairo_line_to (cr, width - GRADLAB_PAD, _gradlab_crisp (rows_end + 7.0));
    }
  cairo_stroke (cr);
  cairo_restore (cr);

  if (beside)
    draw_histogram (cr, layout, data, &g, panel_w + GRADLAB_PAD + 6.0, width, height, GRADLAB_PAD);
  else
    draw_histogram (cr, layout, data, &g, GRADLAB_PAD, width, height, rows_end + 14.0);

  if (data->geometry_out != NULL)
    *data->geometry_out = g;

out:
  g_object_unref (layout);
  cairo_restore (cr);
}

void
gradlab_health_view_render (cairo_t                     *cr,
                            int                          width,
                            int                          height,
                            const GradlabHealthViewData *data)
{
  render_impl (cr, width, height, data, NULL);
}

/* ------------------------------------------------------------------------ */
/* Widget                                                                   */
/* ------------------------------------------------------------------------ */

struct _GradlabHealthView
{
  GtkWidget              parent_instance;

  GStrv                  names;
  float                 *dead;
  float                 *saturated;
  guint                  n_layers;
  int                    selected;
  guint                  n_bins;
  double                 hist_lo;
  double                 hist_hi;
  float                 *counts;
  GradlabHealthGeometry  geometry;
  GradlabTextCache      *text_cache;  /* shaped labels, reused across frames */
};

enum {
  PROP_0,
  PROP_SELECTED_LAYER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void renderable_iface_init (GradlabRenderableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GradlabHealthView, gradlab_health_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GRADLAB_TYPE_RENDERABLE,
                                                      renderable_iface_init))

static void
draw_to (GradlabRenderable *renderable,
         cairo_t           *cr,
         int                width,
         int                height,
         gboolean           for_export)
{
  GradlabHealthView *self = GRADLAB_HEALTH_VIEW (renderable);
  GradlabHealthViewData data = { 0 };

  _gradlab_widget_colors (GTK_WIDGET (self), &data.fg, &data.bg);
  data.fill_background = for_export;
  data.n_layers = self->n_layers;
  data.names = (const char *const *) self->names;
  data.dead = self->dead;
  data.saturated = self->saturated;
  data.selected = self->selected;
  data.n_bins = self->n_bins;
  data.hist_lo = self->hist_lo;
  data.hist_hi = self->hist_hi;
  data.counts = self->counts;
  if (!for_export)
    data.geometry_out = &self->geometry;

  render_impl (cr, width, height, &data, self->text_cache);
}

static void
renderable_iface_init (GradlabRenderableInterface *iface)
{
  iface->draw = draw_to;
}

static void
gradlab_health_view_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  GradlabHealthView *self = GRADLAB_HEALTH_VIEW (widget);
  int rows = MAX (self->n_layers, 1);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 300;
      *natural = 480;
    }
  else
    {
      *minimum = 40 + rows * (int) MIN_ROW_H + (int) HIST_MIN_H;
      *natural = 40 + rows * (int) MAX_ROW_H + 220;
    }
}

int
_gradlab_health_view_click (GradlabHealthView *self,
                            double             x,
                            double             y)
{
  int layer;

  g_return_val_if_fail (GRADLAB_IS_HEALTH_VIEW (self), -1);

  layer = gradlab_health_geometry_layer_at (&self->geometry, x, y);
  if (layer >= 0)
    gradlab_health_view_set_selected_layer (self, layer);

  return layer;
}

static void
pressed_cb (GtkGestureClick   *gesture,
            int                n_press,
            double             x,
            double             y,
            GradlabHealthView *self)
{
  if (_gradlab_health_view_click (self, x, y) >= 0)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
gradlab_health_view_finalize (GObject *object)
{
  GradlabHealthView *self = GRADLAB_HEALTH_VIEW (object);

  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->dead, g_free);
  g_clear_pointer (&self->saturated, g_free);
  g_clear_pointer (&self->counts, g_free);
  g_clear_pointer (&self->text_cache, _gradlab_text_cache_free);

  G_OBJECT_CLASS (gradlab_health_view_parent_class)->finalize (object);
}

static void
gradlab_health_view_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GradlabHealthView *self = GRADLAB_HEALTH_VIEW (object);

  switch (prop_id)
    {
    case PROP_SELECTED_LAYER:
      g_value_set_int (value, self->selected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_health_view_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GradlabHealthView *self = GRADLAB_HEALTH_VIEW (object);

  switch (prop_id)
    {
    case PROP_SELECTED_LAYER:
      gradlab_health_view_set_selected_layer (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_health_view_class_init (GradlabHealthViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gradlab_health_view_finalize;
  object_class->get_property = gradlab_health_view_get_property;
  object_class->set_property = gradlab_health_view_set_property;

  widget_class->snapshot = _gradlab_renderable_snapshot;
  widget_class->measure = gradlab_health_view_measure;

  /**
   * GradlabHealthView:selected-layer:
   *
   * The layer whose row is highlighted and whose histogram is shown, or -1.
   */
  properties[PROP_SELECTED_LAYER] =
    g_param_spec_int ("selected-layer", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "gradlab-health-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gradlab_health_view_init (GradlabHealthView *self)
{
  GtkGesture *click;

  self->selected = -1;
  self->text_cache = _gradlab_text_cache_new ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Layer health"),
                                  -1);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
gradlab_health_view_new (void)
{
  return g_object_new (GRADLAB_TYPE_HEALTH_VIEW, NULL);
}

void
gradlab_health_view_set_layers (GradlabHealthView *self,
                                guint              n_layers,
                                const char *const *names,
                                const float       *dead,
                                const float       *saturated)
{
  guint i;

  g_return_if_fail (GRADLAB_IS_HEALTH_VIEW (self));

  g_clear_pointer (&self->names, g_strfreev);
  self->names = g_new0 (char *, n_layers + 1);
  for (i = 0; i < n_layers; i++)
    self->names[i] = names != NULL && names[i] != NULL ?
                     g_strdup (names[i]) : g_strdup_printf (_("Layer %u"), i + 1);

  g_free (self->dead);
  self->dead = dead != NULL && n_layers > 0 ? g_memdup2 (dead, n_layers * sizeof (float)) : NULL;
  g_free (self->saturated);
  self->saturated = saturated != NULL && n_layers > 0 ?
                    g_memdup2 (saturated, n_layers * sizeof (float)) : NULL;

  if (self->n_layers != n_layers)
    {
      self->n_layers = n_layers;
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }

  if (self->selected >= (int) n_layers)
    gradlab_health_view_set_selected_layer (self, -1);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_health_view_set_histogram (GradlabHealthView *self,
                                   guint              n_bins,
                                   double             lo,
                                   double             hi,
                                   const float       *counts)
{
  g_return_if_fail (GRADLAB_IS_HEALTH_VIEW (self));

  g_clear_pointer (&self->counts, g_free);
  self->n_bins = counts != NULL ? n_bins : 0;
  if (self->n_bins > 0)
    self->counts = g_memdup2 (counts, n_bins * sizeof (float));
  self->hist_lo = lo;
  self->hist_hi = hi;

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
gradlab_health_view_get_selected_layer (GradlabHealthView *self)
{
  g_return_val_if_fail (GRADLAB_IS_HEALTH_VIEW (self), -1);

  return self->selected;
}

void
gradlab_health_view_set_selected_layer (GradlabHealthView *self,
                                        int                layer)
{
  g_return_if_fail (GRADLAB_IS_HEALTH_VIEW (self));

  layer = MAX (layer, -1);
  if (self->selected == layer)
    return;

  self->selected = layer;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_LAYER]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
