/* gradlab-colors.c: the palette and colour maps shared by the widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-colors.h"

#include <math.h>

typedef struct
{
  double  t;
  guint32 rgb;
} Stop;

static const guint32 palette[GRADLAB_PALETTE_SIZE] = {
  0x3584e4, 0xff7800, 0x33d17a, 0x9141ac, 0xe01b24,
  0xf6d32d, 0x986a44, 0x5e5c64, 0x99c1f1, 0xdc8add,
};

/* Dark and cold for vanishing gradients, hot for exploding ones; the
 * middle (healthy, 1e-5 .. 1e-1 on the default scale) is green/teal so
 * both ends stand out from it. */
static const Stop gradient_stops[] = {
  { 0.00, 0x0d1440 },
  { 0.20, 0x1c3f94 },
  { 0.38, 0x3584e4 },
  { 0.55, 0x26a8a0 },
  { 0.70, 0x33d17a },
  { 0.82, 0xf6d32d },
  { 0.92, 0xff7800 },
  { 1.00, 0xc01c28 },
};

static const Stop diverging_stops[] = {
  { 0.00, 0x1a5fb4 },
  { 0.25, 0x62a0ea },
  { 0.50, 0xf6f5f4 },
  { 0.75, 0xffa348 },
  { 1.00, 0xc64600 },
};

static const Stop sequential_stops[] = {
  { 0.00, 0x440154 },
  { 0.25, 0x3b528b },
  { 0.50, 0x21908d },
  { 0.75, 0x5dc963 },
  { 1.00, 0xfde725 },
};

static void
rgb_to_rgba (guint32  rgb,
             GdkRGBA *out)
{
  out->red = ((rgb >> 16) & 0xff) / 255.0f;
  out->green = ((rgb >> 8) & 0xff) / 255.0f;
  out->blue = (rgb & 0xff) / 255.0f;
  out->alpha = 1.0f;
}

static void
interpolate (const Stop *stops,
             guint       n_stops,
             double      t,
             GdkRGBA    *out)
{
  GdkRGBA a;
  GdkRGBA b;
  double f;
  guint i;

  if (isnan (t))
    t = 0.0;
  t = CLAMP (t, 0.0, 1.0);

  for (i = 1; i < n_stops - 1 && t > stops[i].t; i++)
    ;

  rgb_to_rgba (stops[i - 1].rgb, &a);
  rgb_to_rgba (stops[i].rgb, &b);
  f = (t - stops[i - 1].t) / (stops[i].t - stops[i - 1].t);
  f = CLAMP (f, 0.0, 1.0);

  out->red = a.red + (b.red - a.red) * f;
  out->green = a.green + (b.green - a.green) * f;
  out->blue = a.blue + (b.blue - a.blue) * f;
  out->alpha = 1.0f;
}

void
gradlab_palette_color (guint    index,
                       GdkRGBA *out)
{
  g_return_if_fail (out != NULL);

  rgb_to_rgba (palette[index % GRADLAB_PALETTE_SIZE], out);
}

void
gradlab_colormap_gradient (double   t,
                           GdkRGBA *out)
{
  g_return_if_fail (out != NULL);

  interpolate (gradient_stops, G_N_ELEMENTS (gradient_stops), t, out);
}

void
gradlab_colormap_diverging (double   t,
                            GdkRGBA *out)
{
  g_return_if_fail (out != NULL);

  interpolate (diverging_stops, G_N_ELEMENTS (diverging_stops), (t + 1.0) / 2.0, out);
}

void
gradlab_colormap_sequential (double   t,
                             GdkRGBA *out)
{
  g_return_if_fail (out != NULL);

  interpolate (sequential_stops, G_N_ELEMENTS (sequential_stops), t, out);
}

void
gradlab_class_color (guint    class_id,
                     GdkRGBA *out)
{
  /* The palette without its grey, which class 0 owns. */
  static const guint8 order[] = { 0, 1, 2, 3, 4, 5, 6, 8, 9 };

  g_return_if_fail (out != NULL);

  if (class_id == 0)
    rgb_to_rgba (0x77767b, out);
  else
    gradlab_palette_color (order[(class_id - 1) % G_N_ELEMENTS (order)], out);
}
