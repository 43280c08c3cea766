/* gradlab-export.h: save a widget's drawing as PNG, SVG or PDF
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "gradlab-renderable.h"

G_BEGIN_DECLS

/**
 * gradlab_export_renderable:
 * @renderable: what to draw
 * @path: target file; its extension (.png, .svg or .pdf, any case)
 *   picks the format
 * @width: width in pixels (points for SVG and PDF), > 0
 * @height: height in pixels (points for SVG and PDF), > 0
 * @error: return location for an error, or NULL
 *
 * Draws @renderable with gradlab_renderable_render() onto a cairo image,
 * SVG or PDF surface and writes it to @path.
 *
 * Returns: %TRUE on success; %FALSE with @error set (G_IO_ERROR_NOT_SUPPORTED
 * for an unknown extension, G_IO_ERROR_FAILED when cairo fails to write).
 */
gboolean gradlab_export_renderable (GradlabRenderable  *renderable,
                                    const char         *path,
                                    int                 width,
                                    int                 height,
                                    GError            **error);

/**
 * gradlab_export_widget:
 * @widget: a Gradlab widget (one implementing #GradlabRenderable)
 * @path: target file, .png, .svg or .pdf
 * @error: return location for an error, or NULL
 *
 * Exports @widget at its current allocated size; a widget that is not
 * allocated yet is exported at its natural size (at least 640 x 360).
 *
 * Returns: %TRUE on success; %FALSE with @error set (also
 * G_IO_ERROR_NOT_SUPPORTED when @widget is not renderable).
 */
gboolean gradlab_export_widget     (GtkWidget          *widget,
                                    const char         *path,
                                    GError            **error);

G_END_DECLS
