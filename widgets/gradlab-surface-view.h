/* gradlab-surface-view.h: the playground's decision surface and points
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * GradlabPointKind:
 * @GRADLAB_POINTS_TRAIN: training points: filled circles, white outline
 * @GRADLAB_POINTS_VAL: validation points: hollow rings, dark outline
 */
typedef enum
{
  GRADLAB_POINTS_TRAIN,
  GRADLAB_POINTS_VAL,
} GradlabPointKind;

/**
 * GradlabSurfaceGeometry:
 *
 * Where the renderer put the plot; filled in when asked for.
 */
typedef struct
{
  gboolean valid;        /* FALSE if the area is too small */
  double   plot_x;       /* plot area, pixels */
  double   plot_y;
  double   plot_width;
  double   plot_height;
  double   x_min;        /* data range shown */
  double   x_max;
  double   y_min;        /* at the bottom edge */
  double   y_max;        /* at the top edge */
} GradlabSurfaceGeometry;

/**
 * GradlabSurfaceViewData:
 *
 * Everything gradlab_surface_view_render() draws; pointers are borrowed.
 *
 * The surface grid covers [x_min, x_max] x [y_min, y_max] in @gw x @gh
 * cells; cell (i, j) is centred at x = x_min + (i + 0.5) (x_max - x_min) / gw,
 * y = y_min + (j + 0.5) (y_max - y_min) / gh, so row j = 0 is the bottom.
 * Its probabilities are at probs[(j * gw + i) * n_classes + c]. With
 * n_classes == 1 the single value is P(class 1) of a binary problem.
 */
typedef struct
{
  GdkRGBA                 fg;
  GdkRGBA                 bg;
  gboolean                fill_background;
  guint                   gw;            /* grid columns, 0 = no surface */
  guint                   gh;            /* grid rows */
  guint                   n_classes;     /* 1 = P(class 1); >= 2 = per-class */
  const float            *probs;         /* (gh, gw, n_classes) */
  double                  x_min;         /* data range of the view (and grid) */
  double                  x_max;
  double                  y_min;
  double                  y_max;
  guint                   n_train;       /* training points */
  const float            *train_xy;      /* (n_train, 2) */
  const int              *train_class;   /* (n_train) */
  guint                   n_val;         /* validation points */
  const float            *val_xy;        /* (n_val, 2) */
  const int              *val_class;     /* (n_val) */
  GradlabSurfaceGeometry *geometry_out;  /* filled in if not NULL */
} GradlabSurfaceViewData;

/**
 * gradlab_surface_view_render:
 * @cr: target
 * @width: width in pixels
 * @height: height in pixels
 * @data: what to draw
 *
 * Draws a square-celled plot (equal data units per pixel on both axes),
 * the surface smoothly interpolated (binary: class 0 colour through the
 * background to class 1 colour; multi-class: the argmax class's colour,
 * stronger with confidence), the points on top, and axes with ticks.
 */
void       gradlab_surface_view_render      (cairo_t                      *cr,
                                             int                           width,
                                             int                           height,
                                             const GradlabSurfaceViewData *data);

/**
 * gradlab_surface_geometry_pixel_to_data:
 * @geometry: geometry from a render
 * @px: pixel x
 * @py: pixel y
 * @x: (out): data x
 * @y: (out): data y
 *
 * Returns: %TRUE if (@px, @py) is inside the plot.
 */
gboolean   gradlab_surface_geometry_pixel_to_data (const GradlabSurfaceGeometry *geometry,
                                                   double                        px,
                                                   double                        py,
                                                   double                       *x,
                                                   double                       *y);

/**
 * gradlab_surface_geometry_data_to_pixel:
 * @geometry: geometry from a render
 * @x: data x
 * @y: data y
 * @px: (out): pixel x
 * @py: (out): pixel y
 */
void       gradlab_surface_geometry_data_to_pixel (const GradlabSurfaceGeometry *geometry,
                                                   double                        x,
                                                   double                        y,
                                                   double                       *px,
                                                   double                       *py);

#define GRADLAB_TYPE_SURFACE_VIEW (gradlab_surface_view_get_type ())

G_DECLARE_FINAL_TYPE (GradlabSurfaceView, gradlab_surface_view, GRADLAB, SURFACE_VIEW, GtkWidget)

/**
 * gradlab_surface_view_new:
 *
 * Returns: (transfer floating): a new view over [-1, 1] x [-1, 1], editable,
 * adding class 0.
 */
GtkWidget *gradlab_surface_view_new         (void);

/**
 * gradlab_surface_view_set_surface:
 * @self: a view
 * @gw: grid columns
 * @gh: grid rows
 * @n_classes: 1 for P(class 1) of a binary problem, else the class count
 * @probs: (array length=gh*gw*n_classes) (nullable): probabilities, laid out
 *   as in #GradlabSurfaceViewData; copied. NULL clears the surface.
 * @x_min: left edge of the grid (and of the view)
 * @x_max: right edge
 * @y_min: bottom edge
 * @y_max: top edge
 *
 * Replaces the decision surface and sets the view's range to the grid's.
 */
void       gradlab_surface_view_set_surface (GradlabSurfaceView *self,
                                             guint               gw,
                                             guint               gh,
                                             guint               n_classes,
                                             const float        *probs,
                                             double              x_min,
                                             double              x_max,
                                             double              y_min,
                                             double              y_max);

/**
 * gradlab_surface_view_set_range:
 * @self: a view
 * @x_min: left edge
 * @x_max: right edge, > @x_min
 * @y_min: bottom edge
 * @y_max: top edge, > @y_min
 *
 * Sets the data range shown before any surface exists.
 */
void       gradlab_surface_view_set_range   (GradlabSurfaceView *self,
                                             double              x_min,
                                             double              x_max,
                                             double              y_min,
                                             double              y_max);

/**
 * gradlab_surface_view_set_points:
 * @self: a view
 * @kind: training or validation points
 * @n: number of points
 * @xy: (array length=n*2) (nullable): x, y pairs; copied
 * @classes: (array length=n) (nullable): class of each point; copied
 *
 * Replaces one set of points.
 */
void       gradlab_surface_view_set_points  (GradlabSurfaceView *self,
                                             GradlabPointKind    kind,
                                             guint               n,
                                             const float        *xy,
                                             const int          *classes);

/* Properties: "add-class" (0 .. 63, default 0) is the class a plain click
 * adds; "editable" (default TRUE) lets clicks emit ::point-added. Setters
 * notify only on change. */
int        gradlab_surface_view_get_add_class (GradlabSurfaceView *self);
void       gradlab_surface_view_set_add_class (GradlabSurfaceView *self,
                                               int                 add_class);
gboolean   gradlab_surface_view_get_editable  (GradlabSurfaceView *self);
void       gradlab_surface_view_set_editable  (GradlabSurfaceView *self,
                                               gboolean            editable);

G_END_DECLS
