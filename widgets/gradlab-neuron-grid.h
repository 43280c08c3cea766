/* gradlab-neuron-grid.h: thumbnails of every hidden unit's output
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * GRADLAB_NEURON_GRID_MAX_ROWS:
 *
 * The most units drawn per layer; the rest are counted as "+N more".
 */
#define GRADLAB_NEURON_GRID_MAX_ROWS 64

/**
 * GradlabNeuronGridData:
 *
 * Everything gradlab_neuron_grid_render() draws; pointers are borrowed.
 *
 * Unit u of layer l has its gh x gw outputs at
 * values[(offset (l) + u) * gh * gw + j * gw + i], where offset (l) is the
 * sum of n_units of the layers before l, and row j = 0 is the bottom (as
 * in #GradlabSurfaceViewData).
 */
typedef struct
{
  GdkRGBA             fg;
  GdkRGBA             bg;
  gboolean            fill_background;
  guint               n_layers;     /* columns */
  const char *const  *names;        /* (n_layers) column headers, or NULL */
  const guint        *n_units;      /* (n_layers) units per layer */
  guint               gw;           /* grid columns of every unit */
  guint               gh;           /* grid rows of every unit */
  const float        *values;       /* (sum n_units, gh, gw) */
  int                 thumb_size;   /* thumbnail edge in pixels, e.g. 48 */
} GradlabNeuronGridData;

/**
 * gradlab_neuron_grid_render:
 * @cr: target
 * @width: width in pixels
 * @height: height in pixels
 * @data: what to draw
 *
 * Draws one column per layer under a header with its name, each unit a
 * thumbnail normalised on its own: a diverging blue–white–orange map
 * scaled by the unit's largest |value| when the layer has negative
 * outputs (tanh, linear), a sequential map from 0 to the unit's maximum
 * otherwise (ReLU, sigmoid).
 */
void       gradlab_neuron_grid_render        (cairo_t                     *cr,
                                              int                          width,
                                              int                          height,
                                              const GradlabNeuronGridData *data);

/**
 * gradlab_neuron_grid_natural_size:
 * @data: what would be drawn (values may be NULL)
 * @width: (out): width that shows everything
 * @height: (out): height that shows everything
 */
void       gradlab_neuron_grid_natural_size  (const GradlabNeuronGridData *data,
                                              int                         *width,
                                              int                         *height);

#define GRADLAB_TYPE_NEURON_GRID (gradlab_neuron_grid_get_type ())

G_DECLARE_FINAL_TYPE (GradlabNeuronGrid, gradlab_neuron_grid, GRADLAB, NEURON_GRID, GtkWidget)

/**
 * gradlab_neuron_grid_new:
 *
 * Returns: (transfer floating): a new, empty grid. Its natural size shows
 * every thumbnail: put it in a #GtkScrolledWindow.
 */
GtkWidget *gradlab_neuron_grid_new           (void);

/**
 * gradlab_neuron_grid_set_data:
 * @self: a grid
 * @n_layers: number of hidden layers
 * @names: (array length=n_layers) (nullable): layer names; copied
 * @n_units: (array length=n_layers): units per layer
 * @gw: grid columns
 * @gh: grid rows
 * @values: (nullable): all outputs, laid out as in #GradlabNeuronGridData; copied
 *
 * Replaces everything shown; resizes if the layout changed.
 */
void       gradlab_neuron_grid_set_data      (GradlabNeuronGrid  *self,
                                              guint               n_layers,
                                              const char *const  *names,
                                              const guint        *n_units,
                                              guint               gw,
                                              guint               gh,
                                              const float        *values);

/* The "thumbnail-size" property: 16 .. 256 pixels, default 48; notifies
 * only on change. */
int        gradlab_neuron_grid_get_thumbnail_size (GradlabNeuronGrid *self);
void       gradlab_neuron_grid_set_thumbnail_size (GradlabNeuronGrid *self,
                                                   int                size);

G_END_DECLS
