/* gradlab-draw.c: text and shape helpers shared by the renderers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-draw-private.h"

#include <math.h>

/* Padding inside boxed labels. */
#define BOX_PAD_X 4.0
#define BOX_PAD_Y 2.0

PangoLayout *
_gradlab_layout_new (cairo_t *cr)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (GRADLAB_FONT);

  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);

  return layout;
}

void
_gradlab_layout_set_bold (PangoLayout *layout,
                          gboolean     bold)
{
  PangoFontDescription *font = pango_font_description_from_string (GRADLAB_FONT);

  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
}

void
_gradlab_text_size (PangoLayout *layout,
                    const char  *text,
                    double      *width,
                    double      *height)
{
  PangoRectangle logical;

  pango_layout_set_text (layout, text != NULL ? text : "", -1);
  pango_layout_get_pixel_extents (layout, NULL, &logical);

  if (width != NULL)
    *width = logical.width;
  if (height != NULL)
    *height = logical.height;
}

double
_gradlab_line_height (PangoLayout *layout)
{
  double height;

  _gradlab_text_size (layout, "Ag", NULL, &height);

  return height;
}

void
_gradlab_text_draw (cairo_t     *cr,
                    PangoLayout *layout,
                    const char  *text,
                    double       x,
                    double       y,
                    double       xalign,
                    double       yalign)
{
  double width;
  double height;

  _gradlab_text_size (layout, text, &width, &height);
  /* Whole pixels keep glyphs as sharp as GTK's own labels. */
  cairo_move_to (cr, round (x - xalign * width), round (y - yalign * height));
  pango_cairo_show_layout (cr, layout);
}

void
_gradlab_text_draw_vertical (cairo_t     *cr,
                             PangoLayout *layout,
                             const char  *text,
                             double       cx,
                             double       cy)
{
  double width;
  double height;

  _gradlab_text_size (layout, text, &width, &height);
  cairo_save (cr);
  cairo_translate (cr, round (cx), round (cy));
  cairo_rotate (cr, -G_PI / 2.0);
  cairo_move_to (cr, round (-width / 2.0), round (-height / 2.0));
  pango_cairo_update_layout (cr, layout);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  pango_cairo_update_layout (cr, layout);
}

void
_gradlab_text_ellipsize (PangoLayout *layout,
                         double       max_width)
{
  if (max_width > 0)
    {
      pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  else
    {
      pango_layout_set_width (layout, -1);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_NONE);
    }
}

void
_gradlab_set_color (cairo_t       *cr,
                    const GdkRGBA *color,
                    double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

void
_gradlab_mix (const GdkRGBA *a,
              const GdkRGBA *b,
              double         t,
              GdkRGBA       *out)
{
  out->red = a->red + (b->red - a->red) * t;
  out->green = a->green + (b->green - a->green) * t;
  out->blue = a->blue + (b->blue - a->blue) * t;
  out->alpha = a->alpha + (b->alpha - a->alpha) * t;
}

void
_gradlab_paint_background (cairo_t       *cr,
                           int            width,
                           int            height,
                           const GdkRGBA *bg,
                           gboolean       fill)
{
  if (!fill)
    return;

  cairo_save (cr);
  _gradlab_set_color (cr, bg, 1.0);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  cairo_restore (cr);
}

void
_gradlab_draw_empty (cairo_t       *cr,
                     PangoLayout   *layout,
                     double         x,
                     double         y,
                     double         width,
                     double         height,
                     const GdkRGBA *fg,
                     const char    *text)
{
  cairo_save (cr);
  _gradlab_layout_set_bold (layout, FALSE);
  _gradlab_set_color (cr, fg, 0.5);
  _gradlab_text_draw (cr, layout, text, x + width / 2.0, y + height / 2.0, 0.5, 0.5);
  cairo_restore (cr);
}

void
_gradlab_hatch (cairo_t       *cr,
                double         x,
                double         y,
                double         width,
                double         height,
                const GdkRGBA *color)
{
  double d;

  cairo_save (cr);
  cairo_rectangle (cr, x, y, width, height);
  cairo_clip (cr);
  _gradlab_set_color (cr, color, 0.12);
  cairo_paint (cr);
  _gradlab_set_color (cr, color, 0.7);
  cairo_set_line_width (cr, 1.0);
  for (d = -height; d < width; d += 4.0)
    {
      cairo_move_to (cr, x + d, y + height);
      cairo_line_to (cr, x + d + height, y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);

  cairo_save (cr);
  _gradlab_set_color (cr, color, 0.8);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x + 0.5, y + 0.5, width - 1.0, height - 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
_gradlab_label_box_size (PangoLayout *layout,
                         const char  *text,
                         double      *width,
                         double      *height)
{
  double w;
  double h;

  _gradlab_text_size (layout, text, &w, &h);
  if (width != NULL)
    *width = w + 2 * BOX_PAD_X;
  if (height != NULL)
    *height = h + 2 * BOX_PAD_Y;
}

void
_gradlab_label_box (cairo_t       *cr,
                    PangoLayout   *layout,
                    const char    *text,
                    double         x,
                    double         y,
                    const GdkRGBA *fg,
                    const GdkRGBA *bg)
{
  double w;
  double h;

  _gradlab_label_box_size (layout, text, &w, &h);
  x = round (x);
  y = round (y);

  cairo_save (cr);
  _gradlab_set_color (cr, bg, 0.92);
  cairo_rectangle (cr, x, y, w, h);
  cairo_fill (cr);
  _gradlab_set_color (cr, fg, 0.35);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x + 0.5, y + 0.5, w - 1.0, h - 1.0);
  cairo_stroke (cr);
  _gradlab_set_color (cr, fg, 1.0);
  _gradlab_text_draw (cr, layout, text, x + BOX_PAD_X, y + BOX_PAD_Y, 0.0, 0.0);
  cairo_restore (cr);
}

void
_gradlab_swatch (cairo_t       *cr,
                 double         x,
                 double         y,
                 double         size,
                 const GdkRGBA *color,
                 const GdkRGBA *fg)
{
  cairo_save (cr);
  _gradlab_set_color (cr, color, 1.0);
  cairo_rectangle (cr, round (x), round (y), size, size);
  cairo_fill (cr);
  _gradlab_set_color (cr, fg, 0.4);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, round (x) + 0.5, round (y) + 0.5, size - 1.0, size - 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

double
_gradlab_crisp (double v)
{
  return floor (v) + 0.5;
}

static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

void
_gradlab_widget_colors (GtkWidget *widget,
                        GdkRGBA   *fg,
                        GdkRGBA   *bg)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  gtk_style_context_get_color (context, fg);

  /* libadwaita names the view background; plain GTK themes may not, and
   * then a background is derived from the text colour. */
  if (gtk_style_context_lookup_color (context, "view_bg_color", bg) ||
      gtk_style_context_lookup_color (context, "window_bg_color", bg) ||
      gtk_style_context_lookup_color (context, "theme_base_color", bg))
    return;

  if (luminance (fg) > 0.5)
    *bg = (GdkRGBA) { 0.14f, 0.14f, 0.14f, 1.0f };
  else
    *bg = (GdkRGBA) { 1.0f, 1.0f, 1.0f, 1.0f };
}
