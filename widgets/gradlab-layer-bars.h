/* gradlab-layer-bars.h: two per-layer quantities as bars on log axes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * GradlabBarsPanel:
 *
 * One panel of the renderer: a title, one value per layer and an optional
 * reference line. Pointers are borrowed.
 */
typedef struct
{
  const char  *title;            /* bold, above the panel; or NULL */
  const float *values;           /* (n_layers) values; <= 0, NaN, Inf allowed */
  double       reference;        /* reference line position, or NAN for none */
  const char  *reference_label;  /* e.g. "≈1e-3 healthy"; or NULL */
  GdkRGBA      color;            /* bar colour */
} GradlabBarsPanel;

/**
 * GradlabBarsGeometry:
 *
 * Where the renderer put each panel; filled in when asked for.
 */
typedef struct
{
  gboolean valid;           /* FALSE in the empty state */
  double   rows_y;          /* top of the first row, pixels */
  double   row_height;      /* height of one layer row, pixels */
  double   panel_x[2];      /* left edge of each panel's axis, pixels */
  double   panel_width[2];  /* width of each panel's axis, pixels */
  double   lo[2];           /* value at the left edge (log axis) */
  double   hi[2];           /* value at the right edge */
} GradlabBarsGeometry;

/**
 * GradlabLayerBarsData:
 *
 * Everything gradlab_layer_bars_render() draws.
 */
typedef struct
{
  GdkRGBA              fg;
  GdkRGBA              bg;
  gboolean             fill_background;
  guint                n_layers;      /* rows; layer 0 on top */
  const char *const   *names;         /* (n_layers) row labels, or NULL */
  GradlabBarsPanel     panels[2];     /* left and right panel */
  GradlabBarsGeometry *geometry_out;  /* filled in if not NULL */
} GradlabLayerBarsData;

/**
 * gradlab_layer_bars_compute_range:
 * @values: (array length=n) (nullable): this step's values
 * @n: number of values
 * @reference: reference value to include, or NAN
 * @lo: (out): left end of the axis, a power of ten
 * @hi: (out): right end of the axis, a power of ten, > @lo
 *
 * The axis of one panel: the finite positive values of this step and the
 * reference, widened to whole decades, one more decade at the bottom when
 * the smallest value would sit within a quarter decade of the left edge
 * (its bar would not show). With nothing usable, [1e-3, 1].
 */
void       gradlab_layer_bars_compute_range (const float                *values,
                                             guint                       n,
                                             double                      reference,
                                             double                     *lo,
                                             double                     *hi);

/**
 * gradlab_layer_bars_render:
 * @cr: target
 * @width: width in pixels
 * @height: height in pixels
 * @data: what to draw
 *
 * Draws layer names on the left and two panels of horizontal bars, each
 * on its own log axis from gradlab_layer_bars_compute_range(), with the
 * value at the end of each bar, the dashed reference line, and a hatched
 * marker labelled "0", "<0", "NaN", "Inf" or "-Inf" for values that have
 * no place on a log axis. Rows lower than a line of text (many layers)
 * keep bars and markers but drop the value labels; the widget shows them
 * in a read-out for the row under the pointer.
 */
void       gradlab_layer_bars_render        (cairo_t                    *cr,
                                             int                         width,
                                             int                         height,
                                             const GradlabLayerBarsData *data);

#define GRADLAB_TYPE_LAYER_BARS (gradlab_layer_bars_get_type ())

G_DECLARE_FINAL_TYPE (GradlabLayerBars, gradlab_layer_bars, GRADLAB, LAYER_BARS, GtkWidget)

/**
 * gradlab_layer_bars_new:
 *
 * Returns: (transfer floating): a new, empty view with panel titles
 * "Gradient norm" and "Update / weight" and a reference of 1e-3
 * ("≈1e-3 healthy") on the second panel.
 */
GtkWidget *gradlab_layer_bars_new           (void);

/**
 * gradlab_layer_bars_set_data:
 * @self: a view
 * @n_layers: number of layers
 * @names: (array length=n_layers) (nullable): layer names; copied
 * @left: (array length=n_layers) (nullable): values of the left panel; copied
 * @right: (array length=n_layers) (nullable): values of the right panel; copied
 *
 * Replaces the values shown (call once per probed step). A NULL array
 * shows as NaN markers.
 */
void       gradlab_layer_bars_set_data      (GradlabLayerBars   *self,
                                             guint               n_layers,
                                             const char *const  *names,
                                             const float        *left,
                                             const float        *right);

/**
 * gradlab_layer_bars_set_panel:
 * @self: a view
 * @panel: 0 (left) or 1 (right)
 * @title: (nullable): panel title; copied
 * @reference: reference line value, or NAN for none
 * @reference_label: (nullable): label of the reference line; copied
 *
 * Sets a panel's title and reference line.
 */
void       gradlab_layer_bars_set_panel     (GradlabLayerBars   *self,
                                             guint               panel,
                                             const char         *title,
                                             double              reference,
                                             const char         *reference_label);

G_END_DECLS
