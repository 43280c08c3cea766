/* gradlab-surface-view.c: the playground's decision surface and points
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-surface-view.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gradlab-colors.h"
#include "gradlab-draw-private.h"
#include "gradlab-renderable.h"
#include "gradlab-series.h"
#include "gradlab-widgets-private.h"

#define TICK_LEN     4.0
#define POINT_R      4.0
#define MAX_CLASS    63

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

gboolean
gradlab_surface_geometry_pixel_to_data (const GradlabSurfaceGeometry *geometry,
                                        double                        px,
                                        double                        py,
                                        double                       *x,
                                        double                       *y)
{
  double fx;
  double fy;

  g_return_val_if_fail (geometry != NULL, FALSE);

  if (!geometry->valid)
    return FALSE;

  fx = (px - geometry->plot_x) / geometry->plot_width;
  fy = (py - geometry->plot_y) / geometry->plot_height;
  if (x != NULL)
    *x = geometry->x_min + fx * (geometry->x_max - geometry->x_min);
  if (y != NULL)
    *y = geometry->y_max - fy * (geometry->y_max - geometry->y_min);

  return fx >= 0.0 && fx <= 1.0 && fy >= 0.0 && fy <= 1.0;
}

void
gradlab_surface_geometry_data_to_pixel (const GradlabSurfaceGeometry *geometry,
                                        double                        x,
                                        double                        y,
                                        double                       *px,
                                        double                       *py)
{
  g_return_if_fail (geometry != NULL);

  if (px != NULL)
    *px = geometry->plot_x +
          (x - geometry->x_min) / (geometry->x_max - geometry->x_min) * geometry->plot_width;
  if (py != NULL)
    *py = geometry->plot_y +
          (geometry->y_max - y) / (geometry->y_max - geometry->y_min) * geometry->plot_height;
}

static void
cell_color (const GradlabSurfaceViewData *data,
            gsize                         cell,
            GdkRGBA                      *out)
{
  const float *p = data->probs + cell * data->n_classes;
  GdkRGBA class_color;

  if (data->n_classes <= 2)
    {
      double p1 = data->n_classes == 1 ? p[0] : p[1];
      double d;

      if (!isfinite (p1))
        {
          _gradlab_mix (&data->bg, &data->fg, 0.12, out);
          return;
        }

      /* Class 0 colour through the background to class 1 colour. */
      d = 2.0 * CLAMP (p1, 0.0, 1.0) - 1.0;
      gradlab_palette_color (d < 0.0 ? 0 : 1, &class_color);
      _gradlab_mix (&data->bg, &class_color, fabs (d) * 0.8, out);
    }
  else
    {
      guint best = 0;
      guint c;
      double strength;

      for (c = 1; c < data->n_classes; c++)
        if (p[c] > p[best] || !isfinite (p[best]))
          best = c;

      if (!isfinite (p[best]))
        {
          _gradlab_mix (&data->bg, &data->fg, 0.12, out);
          return;
        }

      /* Confidence above chance, 0 .. 1. */
      strength = (p[best] - 1.0 / data->n_classes) / (1.0 - 1.0 / data->n_classes);
      gradlab_palette_color (best, &class_color);
      _gradlab_mix (&data->bg, &class_color, 0.12 + 0.68 * CLAMP (strength, 0.0, 1.0), out);
    }

  out->alpha = 1.0f;
}

static void
draw_surface (cairo_t                      *cr,
              const GradlabSurfaceViewData *data,
              const GradlabSurfaceGeometry *g)
{
  cairo_surface_t *image;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;
  guint8 *pixels;
  int stride;
  guint i;
  guint j;

  image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, data->gw, data->gh);
  if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      return;
    }

  cairo_surface_flush (image);
  pixels = cairo_image_surface_get_data (image);
  stride = cairo_image_surface_get_stride (image);

  for (j = 0; j < data->gh; j++)
    {
      /* Row j = 0 is the bottom of the plot, the last image row. */
      guint32 *row = (guint32 *) (void *) (pixels + (data->gh - 1 - j) * stride);

      for (i = 0; i < data->gw; i++)
        {
          GdkRGBA c;

          cell_color (data, (gsize) j * data->gw + i, &c);
          row[i] = 0xff000000u |
                   ((guint32) round (c.red * 255) << 16) |
                   ((guint32) round (c.green * 255) << 8) |
                   (guint32) round (c.blue * 255);
        }
    }
  cairo_surface_mark_dirty (image);

  /* The grid samples a smooth function: interpolate between cell centres. */
  pattern = cairo_pattern_create_for_surface (image);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_matrix_init_scale (&matrix, data->gw / g->plot_width, data->gh / g->plot_height);
  cairo_matrix_translate (&matrix, -g->plot_x, -g->plot_y);
  cairo_pattern_set_matrix (pattern, &matrix);

  cairo_save (cr);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, g->plot_x, g->plot_y, g->plot_width, g->plot_height);
  cairo_fill (cr);
  cairo_restore (cr);

  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (image);
}

static void
draw_points (cairo_t                      *cr,
             const GradlabSurfaceGeometry *g,
             guint                         n,
             const float                  *xy,
             const int                    *classes,
             gboolean                      hollow)
{
  static const GdkRGBA white = { 1.0f, 1.0f, 1.0f, 1.0f };
  static const GdkRGBA dark = { 0.0f, 0.0f, 0.0f, 0.8f };
  guint k;

  if (xy == NULL)
    return;

  cairo_save (cr);
  for (k = 0; k < n; k++)
    {
      GdkRGBA color;
      double px;
      double py;

      if (!isfinite (xy[2 * k]) || !isfinite (xy[2 * k + 1]))
        continue;

      gradlab_surface_geometry_data_to_pixel (g, xy[2 * k], xy[2 * k + 1], &px, &py);
      /* Centres on pixel centres keep every dot the same shape. */
      px = _gradlab_crisp (px);
      py = _gradlab_crisp (py);
      gradlab_palette_color (classes != NULL ? (guint) MAX (classes[k], 0) : 0, &color);

      cairo_new_path (cr);
      cairo_arc (cr, px, py, POINT_R, 0, 2 * G_PI);
      if (hollow)
        {
          cairo_set_line_width (cr, 3.6);
          _gradlab_set_color (cr, &dark, 1.0);
          cairo_stroke_preserve (cr);
          cairo_set_line_width (cr, 1.8);
          _gradlab_set_color (cr, &color, 1.0);
          cairo_stroke (cr);
        }
      else
        {
          _gradlab_set_color (cr, &color, 1.0);
          cairo_fill_preserve (cr);
          cairo_set_line_width (cr, 1.25);
          _gradlab_set_color (cr, &white, 1.0);
          cairo_stroke (cr);
        }
    }
  cairo_restore (cr);
}

void
gradlab_surface_view_render (cairo_t                      *cr,
                             int                           width,
                             int                           height,
                             const GradlabSurfaceViewData *data)
{
  GradlabSurfaceGeometry g = { 0 };
  GradlabTick xt[GRADLAB_TICKS_MAX];
  GradlabTick yt[GRADLAB_TICKS_MAX];
  PangoLayout *layout;
  double line_h;
  double ytick_w = 0.0;
  double xr;
  double yr;
  double left;
  double avail_w;
  double avail_h;
  double scale;
  guint n_xt;
  guint n_yt;
  guint i;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (data != NULL);

  if (data->geometry_out != NULL)
    data->geometry_out->valid = FALSE;
  if (width <= 0 || height <= 0)
    return;

  cairo_save (cr);
  _gradlab_paint_background (cr, width, height, &data->bg, data->fill_background);
  layout = _gradlab_layout_new (cr);
  line_h = _gradlab_line_height (layout);

  g.x_min = data->x_min;
  g.x_max = data->x_max;
  g.y_min = data->y_min;
  g.y_max = data->y_max;
  if (!(g.x_max > g.x_min) || !isfinite (g.x_max - g.x_min))
    {
      g.x_min = -1.0;
      g.x_max = 1.0;
    }
  if (!(g.y_max > g.y_min) || !isfinite (g.y_max - g.y_min))
    {
      g.y_min = -1.0;
      g.y_max = 1.0;
    }
  xr = g.x_max - g.x_min;
  yr = g.y_max - g.y_min;

  n_yt = gradlab_ticks_linear (g.y_min, g.y_max, 7, yt);
  for (i = 0; i < n_yt; i++)
    {
      double w;

      _gradlab_text_size (layout, yt[i].label, &w, NULL);
      ytick_w = MAX (ytick_w, w);
    }

  /* Equal units on both axes: the largest such rectangle that fits. */
  left = GRADLAB_PAD + ytick_w + TICK_LEN + 3.0;
  avail_w = width - left - GRADLAB_PAD - 10.0;
  avail_h = height - GRADLAB_PAD - line_h / 2.0 - TICK_LEN - 2.0 - line_h - GRADLAB_PAD;
  if (avail_w < 10.0 || avail_h < 10.0)
    goto out;

  scale = MIN (avail_w / xr, avail_h / yr);
  g.plot_width = floor (xr * scale);
  g.plot_height = floor (yr * scale);
  g.plot_x = round (left + (avail_w - g.plot_width) / 2.0);
  g.plot_y = round (GRADLAB_PAD + line_h / 2.0 + (avail_h - g.plot_height) / 2.0);
  g.valid = TRUE;

  if (data->gw > 0 && data->gh > 0 && data->n_classes > 0 && data->probs != NULL)
    draw_surface (cr, data, &g);
  else
    {
      cairo_save (cr);
      _gradlab_set_color (cr, &data->fg, 0.04);
      cairo_rectangle (cr, g.plot_x, g.plot_y, g.plot_width, g.plot_height);
      cairo_fill (cr);
      cairo_restore (cr);
      if (data->n_train == 0 && data->n_val == 0)
        _gradlab_draw_empty (cr, layout, g.plot_x, g.plot_y, g.plot_width, g.plot_height,
                             &data->fg, _("No data yet"));
    }

  /* Frame, ticks and labels. */
  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  _gradlab_set_color (cr, &data->fg, 0.4);
  cairo_rectangle (cr, g.plot_x - 0.5, g.plot_y - 0.5, g.plot_width + 1.0, g.plot_height + 1.0);
  cairo_stroke (cr);

  n_xt = gradlab_ticks_linear (g.x_min, g.x_max, (guint) CLAMP (g.plot_width / 40.0, 2, 9), xt);
  n_yt = gradlab_ticks_linear (g.y_min, g.y_max, (guint) CLAMP (g.plot_height / 40.0, 2, 9), yt);
  for (i = 0; i < n_xt; i++)
    {
      double px = _gradlab_crisp (g.plot_x + (xt[i].value - g.x_min) / xr * g.plot_width);

      _gradlab_set_color (cr, &data->fg, 0.45);
      cairo_move_to (cr, px, g.plot_y + g.plot_height);
      cairo_line_to (cr, px, g.plot_y + g.plot_height + TICK_LEN);
      cairo_stroke (cr);
      _gradlab_set_color (cr, &data->fg, 0.8);
      _gradlab_text_draw (cr, layout, xt[i].label, px, g.plot_y + g.plot_height + TICK_LEN + 2.0,
                          0.5, 0.0);
    }
  for (i = 0; i < n_yt; i++)
    {
      double py = _gradlab_crisp (g.plot_y + (g.y_max - yt[i].value) / yr * g.plot_height);

      _gradlab_set_color (cr, &data->fg, 0.45);
      cairo_move_to (cr, g.plot_x - TICK_LEN, py);
      cairo_line_to (cr, g.plot_x, py);
      cairo_stroke (cr);
      _gradlab_set_color (cr, &data->fg, 0.8);
      _gradlab_text_draw (cr, layout, yt[i].label, g.plot_x - TICK_LEN - 3.0, py, 1.0, 0.5);
    }
  cairo_restore (cr);

  /* Points on top, clipped to the plot. */
  cairo_save (cr);
  cairo_rectangle (cr, g.plot_x, g.plot_y, g.plot_width, g.plot_height);
  cairo_clip (cr);
  draw_points (cr, &g, data->n_train, data->train_xy, data->train_class, FALSE);
  draw_points (cr, &g, data->n_val, data->val_xy, data->val_class, TRUE);
  cairo_restore (cr);

  if (data->geometry_out != NULL)
    *data->geometry_out = g;

out:
  g_object_unref (layout);
  cairo_restore (cr);
}

/* ------------------------------------------------------------------------ */
/* Widget                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct
{
  guint  n;
  float *xy;
  int   *classes;
} Points;

struct _GradlabSurfaceView
{
  GtkWidget               parent_instance;

  guint                   gw;
  guint                   gh;
  guint                   n_classes;
  float                  *probs;
  double                  x_min;
  double                  x_max;
  double                  y_min;
  double                  y_max;
  Points                  points[2];
  int                     add_class;
  gboolean                editable;
  GradlabSurfaceGeometry  geometry;
};

enum {
  PROP_0,
  PROP_ADD_CLASS,
  PROP_EDITABLE,
  N_PROPS
};

enum {
  POINT_ADDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void renderable_iface_init (GradlabRenderableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GradlabSurfaceView, gradlab_surface_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GRADLAB_TYPE_RENDERABLE,
                                                      renderable_iface_init))

static void
draw_to (GradlabRenderable *renderable,
         cairo_t           *cr,
         int                width,
         int                height,
         gboolean           for_export)
{
  GradlabSurfaceView *self = GRADLAB_SURFACE_VIEW (renderable);
  GradlabSurfaceViewData data = { 0 };

  _gradlab_widget_colors (GTK_WIDGET (self), &data.fg, &data.bg);
  data.fill_background = for_export;
  data.gw = self->gw;
  data.gh = self->gh;
  data.n_classes = self->n_classes;
  data.probs = self->probs;
  data.x_min = self->x_min;
  data.x_max = self->x_max;
  data.y_min = self->y_min;
  data.y_max = self->y_max;
  data.n_train = self->points[GRADLAB_POINTS_TRAIN].n;
  data.train_xy = self->points[GRADLAB_POINTS_TRAIN].xy;
  data.train_class = self->points[GRADLAB_POINTS_TRAIN].classes;
  data.n_val = self->points[GRADLAB_POINTS_VAL].n;
  data.val_xy = self->points[GRADLAB_POINTS_VAL].xy;
  data.val_class = self->points[GRADLAB_POINTS_VAL].classes;
  if (!for_export)
    data.geometry_out = &self->geometry;

  gradlab_surface_view_render (cr, width, height, &data);
}

static void
renderable_iface_init (GradlabRenderableInterface *iface)
{
  iface->draw = draw_to;
}

static void
gradlab_surface_view_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  *minimum = 160;
  *natural = 400;
}

gboolean
_gradlab_surface_view_click (GradlabSurfaceView *self,
                             double              x,
                             double              y,
                             gboolean            shift)
{
  double dx;
  double dy;

  g_return_val_if_fail (GRADLAB_IS_SURFACE_VIEW (self), FALSE);

  if (!self->editable)
    return FALSE;
  if (!gradlab_surface_geometry_pixel_to_data (&self->geometry, x, y, &dx, &dy))
    return FALSE;

  g_signal_emit (self, signals[POINT_ADDED], 0, dx, dy, shift ? 1 : self->add_class);

  return TRUE;
}

static void
pressed_cb (GtkGestureClick    *gesture,
            int                 n_press,
            double              x,
            double              y,
            GradlabSurfaceView *self)
{
  GdkModifierType state;

  state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  if (_gradlab_surface_view_click (self, x, y, (state & GDK_SHIFT_MASK) != 0))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
gradlab_surface_view_finalize (GObject *object)
{
  GradlabSurfaceView *self = GRADLAB_SURFACE_VIEW (object);
  guint k;

  g_clear_pointer (&self->probs, g_free);
  for (k = 0; k < G_N_ELEMENTS (self->points); k++)
    {
      g_clear_pointer (&self->points[k].xy, g_free);
      g_clear_pointer (&self->points[k].classes, g_free);
    }

  G_OBJECT_CLASS (gradlab_surface_view_parent_class)->finalize (object);
}

static void
gradlab_surface_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  GradlabSurfaceView *self = GRADLAB_SURFACE_VIEW (object);

  switch (prop_id)
    {
    case PROP_ADD_CLASS:
      g_value_set_int (value, self->add_class);
      break;
    case PROP_EDITABLE:
      g_value_set_boolean (value, self->editable);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_surface_view_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  GradlabSurfaceView *self = GRADLAB_SURFACE_VIEW (object);

  switch (prop_id)
    {
    case PROP_ADD_CLASS:
      gradlab_surface_view_set_add_class (self, g_value_get_int (value));
      break;
    case PROP_EDITABLE:
      gradlab_surface_view_set_editable (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_surface_view_class_init (GradlabSurfaceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gradlab_surface_view_finalize;
  object_class->get_property = gradlab_surface_view_get_property;
  object_class->set_property = gradlab_surface_view_set_property;

  widget_class->snapshot = _gradlab_renderable_snapshot;
  widget_class->measure = gradlab_surface_view_measure;

  /**
   * GradlabSurfaceView:add-class:
   *
   * The class a plain click adds (Shift+click always adds class 1).
   */
  properties[PROP_ADD_CLASS] =
    g_param_spec_int ("add-class", NULL, NULL, 0, MAX_CLASS, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GradlabSurfaceView:editable:
   *
   * Whether clicks add points.
   */
  properties[PROP_EDITABLE] =
    g_param_spec_boolean ("editable", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GradlabSurfaceView::point-added:
   * @self: the view
   * @x: data x of the click
   * @y: data y of the click
   * @class: the class to add
   *
   * Emitted when the user clicks the plot of an editable view. The view
   * does not add the point itself: the handler adds it to the data set and
   * calls gradlab_surface_view_set_points().
   */
  signals[POINT_ADDED] =
    g_signal_new ("point-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_INT);

  gtk_widget_class_set_css_name (widget_class, "gradlab-surface-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gradlab_surface_view_init (GradlabSurfaceView *self)
{
  GtkGesture *click;

  self->x_min = self->y_min = -1.0;
  self->x_max = self->y_max = 1.0;
  self->editable = TRUE;

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Decision surface"),
                                  -1);
}

GtkWidget *
gradlab_surface_view_new (void)
{
  return g_object_new (GRADLAB_TYPE_SURFACE_VIEW, NULL);
}

void
gradlab_surface_view_set_surface (GradlabSurfaceView *self,
                                  guint               gw,
                                  guint               gh,
                                  guint               n_classes,
                                  const float        *probs,
                                  double              x_min,
                                  double              x_max,
                                  double              y_min,
                                  double              y_max)
{
  g_return_if_fail (GRADLAB_IS_SURFACE_VIEW (self));

  g_clear_pointer (&self->probs, g_free);
  self->gw = self->gh = self->n_classes = 0;

  if (probs != NULL && gw > 0 && gh > 0 && n_classes > 0)
    {
      self->gw = gw;
      self->gh = gh;
      self->n_classes = n_classes;
      self->probs = g_memdup2 (probs, (gsize) gw * gh * n_classes * sizeof (float));
    }

  gradlab_surface_view_set_range (self, x_min, x_max, y_min, y_max);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_surface_view_set_range (GradlabSurfaceView *self,
                                double              x_min,
                                double              x_max,
                                double              y_min,
                                double              y_max)
{
  g_return_if_fail (GRADLAB_IS_SURFACE_VIEW (self));

  if (x_max > x_min && y_max > y_min)
    {
      self->x_min = x_min;
      self->x_max = x_max;
      self->y_min = y_min;
      self->y_max = y_max;
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_surface_view_set_points (GradlabSurfaceView *self,
                                 GradlabPointKind    kind,
                                 guint               n,
                                 const float        *xy,
                                 const int          *classes)
{
  Points *points;

  g_return_if_fail (GRADLAB_IS_SURFACE_VIEW (self));
  g_return_if_fail (kind == GRADLAB_POINTS_TRAIN || kind == GRADLAB_POINTS_VAL);

  points = &self->points[kind];
  g_clear_pointer (&points->xy, g_free);
  g_clear_pointer (&points->classes, g_free);
  points->n = 0;

  if (n > 0 && xy != NULL)
    {
      points->n = n;
      points->xy = g_memdup2 (xy, (gsize) n * 2 * sizeof (float));
      if (classes != NULL)
        points->classes = g_memdup2 (classes, (gsize) n * sizeof (int));
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
gradlab_surface_view_get_add_class (GradlabSurfaceView *self)
{
  g_return_val_if_fail (GRADLAB_IS_SURFACE_VIEW (self), 0);

  return self->add_class;
}

void
gradlab_surface_view_set_add_class (GradlabSurfaceView *self,
                                    int                 add_class)
{
  g_return_if_fail (GRADLAB_IS_SURFACE_VIEW (self));

  add_class = CLAMP (add_class, 0, MAX_CLASS);
  if (self->add_class == add_class)
    return;

  self->add_class = add_class;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADD_CLASS]);
}

gboolean
gradlab_surface_view_get_editable (GradlabSurfaceView *self)
{
  g_return_val_if_fail (GRADLAB_IS_SURFACE_VIEW (self), FALSE);

  return self->editable;
}

void
gradlab_surface_view_set_editable (GradlabSurfaceView *self,
                                   gboolean            editable)
{
  g_return_if_fail (GRADLAB_IS_SURFACE_VIEW (self));

  editable = !!editable;
  if (self->editable == editable)
    return;

  self->editable = editable;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), editable ? "crosshair" : NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITABLE]);
}
