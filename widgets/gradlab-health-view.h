/* gradlab-health-view.h: dead and saturated units per layer, and one
 * layer's activation histogram
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * GradlabHealthGeometry:
 *
 * Where the renderer put the rows and the histogram; filled in when asked.
 */
typedef struct
{
  gboolean valid;        /* FALSE in the empty state */
  double   rows_x;       /* left edge of the clickable rows, pixels */
  double   rows_y;       /* top of the first row, pixels */
  double   rows_width;   /* width of the rows, pixels */
  double   row_height;   /* height of one row, pixels */
  guint    n_layers;     /* number of rows */
  double   hist_x;       /* histogram plot area, pixels */
  double   hist_y;
  double   hist_width;
  double   hist_height;
} GradlabHealthGeometry;

/**
 * GradlabHealthViewData:
 *
 * Everything gradlab_health_view_render() draws; pointers are borrowed.
 */
typedef struct
{
  GdkRGBA                fg;
  GdkRGBA                bg;
  gboolean               fill_background;
  guint                  n_layers;      /* rows */
  const char *const     *names;         /* (n_layers) layer names, or NULL */
  const float           *dead;          /* (n_layers) dead share, 0 .. 1 (NaN = unknown) */
  const float           *saturated;     /* (n_layers) saturated share, 0 .. 1 */
  int                    selected;      /* highlighted row and histogram title, -1 = none */
  guint                  n_bins;        /* histogram of the selected layer; 0 = none */
  double                 hist_lo;       /* left edge of the first bin */
  double                 hist_hi;       /* right edge of the last bin */
  const float           *counts;        /* (n_bins) */
  GradlabHealthGeometry *geometry_out;  /* filled in if not NULL */
} GradlabHealthViewData;

/**
 * gradlab_health_view_render:
 * @cr: target
 * @width: width in pixels
 * @height: height in pixels
 * @data: what to draw
 *
 * Draws one row per layer with two 0–100 % bars (dead units, saturated
 * units), the selected row highlighted, and the activation histogram
 * titled after the selected layer: below the rows, or beside them when
 * @width is at least twice the rows' natural width (the rows then get the
 * whole height). Column titles shorten ("Dead", "Saturated") or ellipsize
 * when narrow.
 */
void       gradlab_health_view_render          (cairo_t                     *cr,
                                                int                          width,
                                                int                          height,
                                                const GradlabHealthViewData *data);

/**
 * gradlab_health_geometry_layer_at:
 * @geometry: geometry from a render
 * @x: pixel x
 * @y: pixel y
 *
 * Returns: the layer row under (@x, @y), or -1.
 */
int        gradlab_health_geometry_layer_at    (const GradlabHealthGeometry *geometry,
                                                double                       x,
                                                double                       y);

#define GRADLAB_TYPE_HEALTH_VIEW (gradlab_health_view_get_type ())

G_DECLARE_FINAL_TYPE (GradlabHealthView, gradlab_health_view, GRADLAB, HEALTH_VIEW, GtkWidget)

/**
 * gradlab_health_view_new:
 *
 * Returns: (transfer floating): a new, empty view.
 */
GtkWidget *gradlab_health_view_new             (void);

/**
 * gradlab_health_view_set_layers:
 * @self: a view
 * @n_layers: number of layers
 * @names: (array length=n_layers) (nullable): names; copied
 * @dead: (array length=n_layers) (nullable): dead shares 0 .. 1; copied
 * @saturated: (array length=n_layers) (nullable): saturated shares; copied
 *
 * Replaces the rows. If #GradlabHealthView:selected-layer no longer
 * exists it becomes -1 (and is notified).
 */
void       gradlab_health_view_set_layers      (GradlabHealthView *self,
                                                guint              n_layers,
                                                const char *const *names,
                                                const float       *dead,
                                                const float       *saturated);

/**
 * gradlab_health_view_set_histogram:
 * @self: a view
 * @n_bins: number of bins; 0 clears the histogram
 * @lo: left edge of the first bin
 * @hi: right edge of the last bin, > @lo
 * @counts: (array length=n_bins) (nullable): counts per bin; copied
 *
 * Sets the histogram of the selected layer. The app sets it after each
 * probe and on #GObject::notify for #GradlabHealthView:selected-layer.
 */
void       gradlab_health_view_set_histogram   (GradlabHealthView *self,
                                                guint              n_bins,
                                                double             lo,
                                                double             hi,
                                                const float       *counts);

/**
 * gradlab_health_view_get_selected_layer:
 * @self: a view
 *
 * Returns: the selected layer, or -1.
 */
int        gradlab_health_view_get_selected_layer (GradlabHealthView *self);

/**
 * gradlab_health_view_set_selected_layer:
 * @self: a view
 * @layer: a layer index, or -1 for none
 *
 * Selects a layer (also done by clicking its row); notifies
 * #GradlabHealthView:selected-layer when it changes.
 */
void       gradlab_health_view_set_selected_layer (GradlabHealthView *self,
                                                   int                layer);

G_END_DECLS
