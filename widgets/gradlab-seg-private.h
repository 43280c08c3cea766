/* gradlab-seg-private.h: test entry points of the segmentation and
 * receptive-field widgets
 *
 * GTK 4 cannot synthesize input events, so the tests call the same code
 * paths the gestures and motion controllers call, with widget coordinates.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gradlab-mask-view.h"
#include "gradlab-rf-view.h"

G_BEGIN_DECLS

/* A primary click at widget coordinates (@x, @y): on a class legend entry
 * it toggles that class; on a prediction cell it marks the pixel and
 * emits GradlabMaskView::pixel-activated. Returns TRUE if either happened. */
gboolean                   _gradlab_mask_view_click        (GradlabMaskView *self,
                                                            double           x,
                                                            double           y);

/* The pointer moved to (@x, @y) / left the widget. */
void                       _gradlab_mask_view_motion       (GradlabMaskView *self,
                                                            double           x,
                                                            double           y);
void                       _gradlab_mask_view_leave        (GradlabMaskView *self);

/* The pixel under the pointer; FALSE (and -1s) when none. */
gboolean                   _gradlab_mask_view_get_hover    (GradlabMaskView *self,
                                                            int             *sample,
                                                            int             *x,
                                                            int             *y);

/* The geometry of the last frame drawn. */
const GradlabMaskGeometry *_gradlab_mask_view_get_geometry (GradlabMaskView *self);

/* A primary click at (@x, @y): on the image, emits
 * GradlabRfView::pixel-activated. Returns TRUE if it did. */
gboolean                   _gradlab_rf_view_click          (GradlabRfView   *self,
                                                            double           x,
                                                            double           y);
void                       _gradlab_rf_view_motion         (GradlabRfView   *self,
                                                            double           x,
                                                            double           y);
void                       _gradlab_rf_view_leave          (GradlabRfView   *self);
const GradlabRfGeometry   *_gradlab_rf_view_get_geometry   (GradlabRfView   *self);

G_END_DECLS
