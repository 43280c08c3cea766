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
  if (iface->render != NULL && width > 0 && height > 0)
    iface->render (self, cr, width, height);
}
