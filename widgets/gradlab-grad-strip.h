/* gradlab-grad-strip.h: gradient norm per layer over training steps
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "gradlab-series-chart.h"

G_BEGIN_DECLS

/**
 * GRADLAB_GRAD_STRIP_DEFAULT_LO:
 *
 * Low end of the default, fixed colour scale (vanishing).
 */
#define GRADLAB_GRAD_STRIP_DEFAULT_LO 1e-12

/**
 * GRADLAB_GRAD_STRIP_DEFAULT_HI:
 *
 * High end of the default, fixed colour scale (exploding).
 */
#define GRADLAB_GRAD_STRIP_DEFAULT_HI 1e2

/**
 * GradlabStripGeometry:
 *
 * Where the renderer put the cells; filled in when asked for.
 */
typedef struct
{
  gboolean valid;        /* FALSE in the empty state */
  double   grid_x;       /* left edge of the cells, pixels */
  double   grid_y;       /* top edge of the cells (first layer), pixels */
  double   grid_width;   /* width of all columns, pixels */
  double   grid_height;  /* height of all rows, pixels */
  double   row_height;   /* height of one layer row, pixels */
  guint    n_layers;     /* rows */
  guint    n_cols;       /* data columns (steps) */
} GradlabStripGeometry;

/**
 * GradlabGradStripData:
 *
 * Everything gradlab_grad_strip_render() draws; pointers are borrowed.
 */
typedef struct
{
  const char               *title;            /* bold, top left; or NULL */
  GdkRGBA                   fg;
  GdkRGBA                   bg;
  gboolean                  fill_background;
  guint                     n_layers;         /* rows; layer 0 (input side) on top */
  const char *const        *names;            /* (n_layers) row labels, or NULL */
  guint                     n_cols;           /* columns (probed steps) */
  const double             *steps;            /* (n_cols) increasing steps */
  const float              *values;           /* (n_cols, n_layers) gradient norms, row-major */
  double                    lo;               /* colour scale, 0 < lo < hi */
  double                    hi;
  const GradlabChartMarker *markers;          /* (n_markers) events at steps */
  guint                     n_markers;
  gboolean                  hover;            /* draw the read-out */
  double                    hover_x;          /* pointer position, pixels */
  double                    hover_y;
  GradlabStripGeometry     *geometry_out;     /* filled in if not NULL */
} GradlabGradStripData;

/**
 * gradlab_grad_strip_render:
 * @cr: target
 * @width: width in pixels
 * @height: height in pixels
 * @data: what to draw
 *
 * Draws one row per layer and one column per step, coloured by log10 of
 * the value on the fixed scale [lo, hi] (see gradlab_grad_strip_value_color()),
 * with layer names, step ticks, event markers, a legend bar labelled
 * "vanishing" .. "exploding" plus swatches for 0 and NaN/Inf, and the
 * hover read-out. When there are more columns than pixels, each pixel
 * shows the most extreme value of its columns (NaN/Inf first, then 0,
 * then the value farthest from the middle of the scale).
 */
void      gradlab_grad_strip_render        (cairo_t                    *cr,
                                            int                         width,
                                            int                         height,
                                            const GradlabGradStripData *data);

/**
 * gradlab_grad_strip_value_color:
 * @value: a gradient norm
 * @lo: low end of the scale, > 0
 * @hi: high end of the scale, > @lo
 * @out: (out caller-allocates): the cell colour
 *
 * The colour of one cell: gradlab_colormap_gradient() of the log10
 * position of @value in [@lo, @hi] (clamped), black for values <= 0 and
 * magenta for NaN and Inf.
 */
void      gradlab_grad_strip_value_color   (double                      value,
                                            double                      lo,
                                            double                      hi,
                                            GdkRGBA                    *out);

/**
 * gradlab_strip_geometry_cell_at:
 * @geometry: geometry from a render
 * @x: pixel x
 * @y: pixel y
 * @layer: (out) (optional): the row under the point
 * @col: (out) (optional): the data column under the point
 *
 * Returns: %TRUE if (@x, @y) is on a cell.
 */
gboolean  gradlab_strip_geometry_cell_at   (const GradlabStripGeometry *geometry,
                                            double                      x,
                                            double                      y,
                                            guint                      *layer,
                                            guint                      *col);

#define GRADLAB_TYPE_GRAD_STRIP (gradlab_grad_strip_get_type ())

G_DECLARE_FINAL_TYPE (GradlabGradStrip, gradlab_grad_strip, GRADLAB, GRAD_STRIP, GtkWidget)

/**
 * gradlab_grad_strip_new:
 *
 * Returns: (transfer floating): a new, empty strip with the default
 * scale 1e-12 .. 1e2.
 */
GtkWidget  *gradlab_grad_strip_new            (void);

/**
 * gradlab_grad_strip_set_data:
 * @self: a strip
 * @n_layers: number of layers (rows)
 * @names: (array length=n_layers) (nullable): layer names; copied
 * @n_cols: number of columns
 * @steps: (array length=n_cols): increasing steps; copied
 * @values: (array length=n_cols*n_layers): norms, column after column
 *   (@values[col * n_layers + layer]); copied
 *
 * Replaces layers and columns at once.
 */
void        gradlab_grad_strip_set_data       (GradlabGradStrip   *self,
                                               guint               n_layers,
                                               const char *const  *names,
                                               guint               n_cols,
                                               const double       *steps,
                                               const float        *values);

/**
 * gradlab_grad_strip_set_layers:
 * @self: a strip
 * @n_layers: number of layers
 * @names: (array length=n_layers) (nullable): layer names; copied
 *
 * Sets the rows and drops all columns (a new model).
 */
void        gradlab_grad_strip_set_layers     (GradlabGradStrip   *self,
                                               guint               n_layers,
                                               const char *const  *names);

/**
 * gradlab_grad_strip_append_column:
 * @self: a strip
 * @step: the step probed; must be larger than the last one, else ignored
 * @values: (array length=n_layers): one norm per layer; copied
 *
 * Appends one column, for live updates.
 */
void        gradlab_grad_strip_append_column  (GradlabGradStrip   *self,
                                               double              step,
                                               const float        *values);

/**
 * gradlab_grad_strip_get_n_columns:
 * @self: a strip
 *
 * Returns: the number of columns held.
 */
guint       gradlab_grad_strip_get_n_columns  (GradlabGradStrip   *self);

/**
 * gradlab_grad_strip_clear:
 * @self: a strip
 *
 * Drops all columns and markers; keeps the layers.
 */
void        gradlab_grad_strip_clear          (GradlabGradStrip   *self);

/**
 * gradlab_grad_strip_set_range:
 * @self: a strip
 * @lo: low end of the colour scale, > 0
 * @hi: high end, > @lo
 *
 * Changes the fixed colour scale (default 1e-12 .. 1e2).
 */
void        gradlab_grad_strip_set_range      (GradlabGradStrip   *self,
                                               double              lo,
                                               double              hi);

/**
 * gradlab_grad_strip_add_marker:
 * @self: a strip
 * @step: where the event happened
 * @label: (nullable): short label; copied
 *
 * Adds an event marker, drawn as in #GradlabSeriesChart.
 */
void        gradlab_grad_strip_add_marker     (GradlabGradStrip   *self,
                                               double              step,
                                               const char         *label);

/**
 * gradlab_grad_strip_clear_markers:
 * @self: a strip
 *
 * Removes every event marker.
 */
void        gradlab_grad_strip_clear_markers  (GradlabGradStrip   *self);

/* The "title" property: bold text at the top left; notifies on change. */
const char *gradlab_grad_strip_get_title      (GradlabGradStrip   *self);
void        gradlab_grad_strip_set_title      (GradlabGradStrip   *self,
                                               const char         *title);

G_END_DECLS
