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
 * @draw: draws the current state at @width x @height onto @cr with the
 *   widget's current colours. With @for_export the background is filled
 *   and transient decorations such as the hover read-out are left out
 *   (gradlab_export_widget()); without it, it is the widget's on-screen
 *   drawing (_gradlab_renderable_snapshot()).
 *
 * Every Gradlab widget implements this.
 */
struct _GradlabRenderableInterface
{
  GTypeInterface g_iface;

  void (*draw) (GradlabRenderable *self,
                cairo_t           *cr,
                int                width,
                int                height,
                gboolean           for_export);
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

/* GtkWidgetClass.snapshot for every renderable widget: @draw without
 * for_export over the widget's allocation. */
void _gradlab_renderable_snapshot (GtkWidget   *widget,
                                   GtkSnapshot *snapshot);

G_END_DECLS
