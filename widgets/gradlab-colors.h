/* gradlab-colors.h: the palette and colour maps shared by the widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

/**
 * GRADLAB_PALETTE_SIZE:
 *
 * Number of distinct colours gradlab_palette_color() cycles through.
 */
#define GRADLAB_PALETTE_SIZE 10

/**
 * gradlab_palette_color:
 * @index: any index; it wraps around GRADLAB_PALETTE_SIZE
 * @out: (out caller-allocates): the colour
 *
 * The libadwaita palette in a fixed order, for series and classes:
 * 0 blue #3584e4, 1 orange #ff7800, 2 green #33d17a, 3 purple #9141ac,
 * 4 red #e01b24, 5 yellow #f6d32d, 6 brown #986a44, 7 dark #5e5c64,
 * 8 light blue #99c1f1, 9 light purple #dc8add.
 */
void gradlab_palette_color      (guint    index,
                                 GdkRGBA *out);

/**
 * gradlab_colormap_gradient:
 * @t: position in [0, 1]; clamped
 * @out: (out caller-allocates): the colour
 *
 * The gradient-norm map: dark navy (vanishing, 0) through blue, teal,
 * green and yellow to orange and red (exploding, 1).
 */
void gradlab_colormap_gradient  (double   t,
                                 GdkRGBA *out);

/**
 * gradlab_colormap_diverging:
 * @t: position in [-1, 1]; clamped
 * @out: (out caller-allocates): the colour
 *
 * Blue (-1) through near-white (0) to orange (+1), for signed outputs.
 */
void gradlab_colormap_diverging (double   t,
                                 GdkRGBA *out);

/**
 * gradlab_colormap_sequential:
 * @t: position in [0, 1]; clamped
 * @out: (out caller-allocates): the colour
 *
 * A viridis-like map (dark purple, blue, green, yellow), for
 * non-negative outputs.
 */
void gradlab_colormap_sequential (double   t,
                                  GdkRGBA *out);

/**
 * gradlab_class_color:
 * @class_id: a class id of a segmentation or classification task
 * @out: (out caller-allocates): the colour
 *
 * The default colour of a class: class 0 (background) is a neutral grey
 * #77767b, visible as a line or bar on light and dark themes alike;
 * classes 1, 2, ... take blue, orange, green, purple, red, yellow,
 * brown, light blue and light purple of the palette, cycling.
 */
void gradlab_class_color         (guint    class_id,
                                  GdkRGBA *out);

G_END_DECLS
