/* gradlab-renderable.c: widgets that can draw themselves onto any cairo_t
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-renderable.h"

G_DEFINE_INTERFACE (GradlabRenderable, gradlab_renderable, G_TYPE_OBJECT)

static void
gradlab_renderable_default_init (GradlabRenderableInterface *iface)
{
}

void
gradlab_renderable_render (GradlabRenderable *self,
                           cairo_t           *cr,
                           int                width,
                           int                height)
{
  GradlabRenderableInterface *iface;

  g_return_if_fail (GRADLAB_IS_RENDERABLE (self));
  g_return_if_fail (cr != NULL);

  iface = GRADLAB_RENDERABLE_GET_IFACE (self);
  if (iface->draw != NULL && width > 0 && height > 0)
    iface->draw (self, cr, width, height, TRUE);
}

void
_gradlab_renderable_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  GradlabRenderableInterface *iface = GRADLAB_RENDERABLE_GET_IFACE (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (iface->draw == NULL || width <= 0 || height <= 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  iface->draw (GRADLAB_RENDERABLE (widget), cr, width, height, FALSE);
  cairo_destroy (cr);
}
