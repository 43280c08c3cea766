/* gradlab-export.c: save a widget's drawing as PNG, SVG or PDF
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-export.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>

typedef enum
{
  FORMAT_NONE,
  FORMAT_PNG,
  FORMAT_SVG,
  FORMAT_PDF,
} Format;

static Format
format_from_path (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  if (g_str_has_suffix (lower, ".png"))
    return FORMAT_PNG;
  if (g_str_has_suffix (lower, ".svg"))
    return FORMAT_SVG;
  if (g_str_has_suffix (lower, ".pdf"))
    return FORMAT_PDF;

  return FORMAT_NONE;
}

static gboolean
check_status (cairo_status_t   status,
              const char      *path,
              GError         **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Could not write “%s”: %s"), path, cairo_status_to_string (status));

  return FALSE;
}

gboolean
gradlab_export_renderable (GradlabRenderable  *renderable,
                           const char         *path,
                           int                 width,
                           int                 height,
                           GError            **error)
{
  cairo_surface_t *surface = NULL;
  cairo_t *cr;
  cairo_status_t status;
  Format format;

  g_return_val_if_fail (GRADLAB_IS_RENDERABLE (renderable), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  format = format_from_path (path);
  switch (format)
    {
    case FORMAT_PNG:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
      break;
    case FORMAT_SVG:
      surface = cairo_svg_surface_create (path, width, height);
      break;
    case FORMAT_PDF:
      surface = cairo_pdf_surface_create (path, width, height);
      break;
    case FORMAT_NONE:
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Cannot export “%s”: use a .png, .svg or .pdf file name"), path);
      return FALSE;
    }

  if (!check_status (cairo_surface_status (surface), path, error))
    {
      cairo_surface_destroy (surface);
      return FALSE;
    }

  cr = cairo_create (surface);
  gradlab_renderable_render (renderable, cr, width, height);
  status = cairo_status (cr);
  cairo_destroy (cr);

  if (status == CAIRO_STATUS_SUCCESS)
    {
      if (format == FORMAT_PNG)
        status = cairo_surface_write_to_png (surface, path);
      else
        {
          /* Finishing the vector surface is what writes the file. */
          cairo_surface_finish (surface);
          status = cairo_surface_status (surface);
        }
    }

  cairo_surface_destroy (surface);

  return check_status (status, path, error);
}

gboolean
gradlab_export_widget (GtkWidget   *widget,
                       const char  *path,
                       GError     **error)
{
  int width;
  int height;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!GRADLAB_IS_RENDERABLE (widget))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("This view cannot be exported"));
      return FALSE;
    }

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  if (width <= 0 || height <= 0)
    {
      int nat_width;
      int nat_height;

      gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &nat_width, NULL, NULL);
      gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, nat_width, NULL, &nat_height,
                          NULL, NULL);
      width = MAX (nat_width, 640);
      height = MAX (nat_height, 360);
    }

  return gradlab_export_renderable (GRADLAB_RENDERABLE (widget), path, width, height, error);
}
