/* golden.h: compare a rendered surface with a golden PNG
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* Tolerances: the mean absolute channel difference must stay below
 * GOLDEN_MAX_MEAN and fewer than GOLDEN_MAX_FRACTION of the pixels may
 * differ by more than GOLDEN_PIXEL_THRESHOLD in any channel. */
#define GOLDEN_MAX_MEAN        2.0
#define GOLDEN_MAX_FRACTION    0.01
#define GOLDEN_PIXEL_THRESHOLD 64

/* Compares @surface (ARGB32 or RGB24 image) with tests/widgets/golden/@name.
 * With GRADLAB_UPDATE_GOLDEN=1 in the environment the golden is written
 * instead and then reloaded and compared, so the test still checks it. On
 * a mismatch the actual image and a diff are written to the build dir and
 * the test fails (without aborting). */
void             golden_check          (cairo_surface_t *surface,
                                        const char      *name);

/* Compares two image surfaces; returns the mean absolute channel difference
 * and, through @fraction, the share of pixels off by more than the threshold.
 * Returns a negative number when the sizes differ. */
double           golden_compare        (cairo_surface_t *a,
                                        cairo_surface_t *b,
                                        double          *fraction);

/* Reads the pixel at (@x, @y) of an image surface as 0..255 channels,
 * unpremultiplied. */
void             golden_get_pixel      (cairo_surface_t *surface,
                                        int              x,
                                        int              y,
                                        guint8          *r,
                                        guint8          *g,
                                        guint8          *b,
                                        guint8          *a);

/* A white ARGB32 surface of the given size with a cairo_t on it. */
cairo_surface_t *golden_surface_new    (int              width,
                                        int              height);

G_END_DECLS
