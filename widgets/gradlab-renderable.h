/* gradlab-renderable.h: widgets that can draw themselves onto any cairo_t
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GRADLAB_TYPE_RENDERABLE (gradlab_renderable_get_type ())

G_DECLARE_INTERFACE (GradlabRenderable, gradlab_renderable, GRADLAB, RENDERABLE, GObject)

/**
 * GradlabRenderableInterface:
 * @render: draws the current state, background included, at @width x
 *   @height onto @cr, with the widget's current colours and without
 *   transient decorations such as the hover read-out
 *
 * Every Gradlab widget implements this; gradlab_export_widget() uses it.
 */
struct _GradlabRenderableInterface
{
  GTypeInterface g_iface;

  void (*render) (GradlabRenderable *self,
                  cairo_t           *cr,
                  int                width,
                  int                height);
};

/**
 * gradlab_renderable_render:
 * @self: a renderable
 * @cr: target context
 * @width: width in pixels (or points), > 0
 * @height: height in pixels (or points), > 0
 *
 * Draws @self onto @cr as described in #GradlabRenderableInterface.
 */
void gradlab_renderable_render (GradlabRenderable *self,
                                cairo_t           *cr,
                                int                width,
                                int                height);

G_END_DECLS
