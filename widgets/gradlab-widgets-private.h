/* gradlab-widgets-private.h: entry points for tests
 *
 * GTK 4 cannot synthesize input events, so the tests call the same code
 * paths the gestures call, with made-up widget coordinates.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gradlab-health-view.h"
#include "gradlab-layer-bars.h"
#include "gradlab-surface-view.h"

G_BEGIN_DECLS

/* A primary click at widget coordinates (@x, @y): selects the row there.
 * Returns the layer hit, or -1. */
int      _gradlab_health_view_click  (GradlabHealthView  *self,
                                      double              x,
                                      double              y);

/* A primary click at widget coordinates (@x, @y), with or without Shift:
 * emits GradlabSurfaceView::point-added when on the plot and editable.
 * Returns TRUE if a point was added. */
gboolean _gradlab_surface_view_click (GradlabSurfaceView *self,
                                      double              x,
                                      double              y,
                                      gboolean            shift);

/* The pointer at widget coordinates (@x, @y) (motion; negative = left):
 * shows the read-out of the row there, with the layer name and both
 * values, as drawn by the last render. Returns the layer, or -1. */
int      _gradlab_layer_bars_hover   (GradlabLayerBars   *self,
                                      double              x,
                                      double              y);

G_END_DECLS
