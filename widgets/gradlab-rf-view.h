/* gradlab-rf-view.h: an input image with one output pixel's theoretical
 * and effective receptive fields
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GRADLAB_RF_VIEW_MAX_SIDE 512

/**
 * GradlabRfGeometry:
 *
 * Where the renderer put the image and the field; filled in when asked
 * for. Image pixel (x, y) covers scale x scale screen pixels from
 * (image_x + x * scale, image_y + y * scale).
 */
typedef struct
{
  gboolean valid;         /* FALSE in the empty state */
  double   image_x;       /* top-left corner of the image, pixels */
  double   image_y;
  double   scale;         /* screen pixels per image pixel */
  guint    width;         /* W */
  guint    height;        /* H */
  gboolean has_field;     /* a theoretical field is drawn */
  int      field_x0;      /* the field clipped to the image, inclusive */
  int      field_y0;      /* image pixels */
  int      field_x1;
  int      field_y1;
} GradlabRfGeometry;

/**
 * gradlab_rf_geometry_pixel_at:
 * @geometry: geometry from a render
 * @x: pixel x
 * @y: pixel y
 * @image_x: (out) (optional): image column
 * @image_y: (out) (optional): image row
 *
 * Returns: %TRUE if (@x, @y) is on the image.
 */
gboolean gradlab_rf_geometry_pixel_at (const GradlabRfGeometry *geometry,
                                       double                   x,
                                       double                   y,
                                       int                     *image_x,
                                       int                     *image_y);

/**
 * gradlab_rf_field_bounds:
 * @cx: output pixel column
 * @cy: output pixel row
 * @size: side of the theoretical receptive field, > 0
 * @x0: (out): first column of the field (may be < 0)
 * @y0: (out): first row
 * @x1: (out): last column, inclusive (may be >= W)
 * @y1: (out): last row
 *
 * The square of side @size around (@cx, @cy): from c - (size - 1) / 2 to
 * c + size / 2 (integer division), so an odd field is centred and an even
 * one has the extra pixel after the centre.
 */
void     gradlab_rf_field_bounds      (int  cx,
                                       int  cy,
                                       int  size,
                                       int *x0,
                                       int *y0,
                                       int *x1,
                                       int *y1);

/**
 * GradlabRfViewData:
 *
 * Everything gradlab_rf_view_render() draws; pointers are borrowed.
 */
typedef struct
{
  GdkRGBA            fg;
  GdkRGBA            bg;
  gboolean           fill_background;
  guint              channels;     /* C: 1 grey, 3 RGB (else channel 0 as grey) */
  guint              height;       /* H, 1 .. 512 */
  guint              width;        /* W, 1 .. 512 */
  const float       *image;        /* (C, H, W) in [0, 1]; NULL = empty state */
  int                field_x;      /* chosen output pixel; -1 = none */
  int                field_y;
  int                field_size;   /* theoretical field side; <= 0 = not drawn */
  const float       *erf;          /* (H, W) gradient magnitudes (sign ignored), or NULL */
  double             erf_opacity;  /* heatmap opacity, 0 .. 1 */
  gboolean           hover;        /* read-out of one pixel */
  int                hover_x;      /* image pixel */
  int                hover_y;
  double             hover_px;     /* pointer position */
  double             hover_py;
  GradlabRfGeometry *geometry_out; /* filled in if not NULL */
} GradlabRfViewData;

/**
 * gradlab_rf_view_render:
 * @cr: target
 * @width: width in pixels
 * @height: height in pixels
 * @data: what to draw
 *
 * Draws the image (nearest neighbour, by a whole factor when it fits),
 * the effective receptive field over it as a heatmap (|erf| divided by
 * its maximum, coloured by gradlab_colormap_sequential() of the square
 * root, at @erf_opacity; pixels where the map is 0 are not covered), the
 * theoretical field as a white square outline on a dark halo, clipped to
 * the image and labelled "RF s×s", a red ring on the chosen pixel, and a
 * legend explaining the three.
 */
void     gradlab_rf_view_render       (cairo_t                 *cr,
                                       int                      width,
                                       int                      height,
                                       const GradlabRfViewData *data);

#define GRADLAB_TYPE_RF_VIEW (gradlab_rf_view_get_type ())

G_DECLARE_FINAL_TYPE (GradlabRfView, gradlab_rf_view, GRADLAB, RF_VIEW, GtkWidget)

/**
 * gradlab_rf_view_new:
 *
 * Returns: (transfer floating): a new, empty view (ERF opacity 0.7).
 */
GtkWidget *gradlab_rf_view_new       (void);

/**
 * gradlab_rf_view_set_image:
 * @self: a view
 * @channels: C, 1 or 3
 * @height: H, 1 .. 512
 * @width: W, 1 .. 512
 * @image: (array) (nullable): (C, H, W) floats in [0, 1]; copied. NULL
 *   clears the view.
 *
 * Replaces the input image. A change of size drops the effective field
 * and a chosen pixel that falls outside.
 */
void       gradlab_rf_view_set_image (GradlabRfView *self,
                                      guint          channels,
                                      guint          height,
                                      guint          width,
                                      const float   *image);

/**
 * gradlab_rf_view_set_field:
 * @self: a view
 * @cx: output pixel column, 0 .. W - 1
 * @cy: output pixel row, 0 .. H - 1
 * @rf_size: side of the theoretical receptive field in input pixels;
 *   0 marks the pixel without a field
 *
 * Chooses the output pixel and its field (see gradlab_rf_field_bounds()).
 * A pixel outside the image (e.g. -1) clears both.
 */
void       gradlab_rf_view_set_field (GradlabRfView *self,
                                      int            cx,
                                      int            cy,
                                      int            rf_size);

/**
 * gradlab_rf_view_get_field:
 * @self: a view
 * @cx: (out) (optional): output pixel column, -1 when none
 * @cy: (out) (optional): output pixel row
 * @rf_size: (out) (optional): field side
 *
 * Returns: %TRUE if a pixel is chosen.
 */
gboolean   gradlab_rf_view_get_field (GradlabRfView *self,
                                      int           *cx,
                                      int           *cy,
                                      int           *rf_size);

/**
 * gradlab_rf_view_set_erf:
 * @self: a view
 * @map: (array) (nullable): (H, W) gradient magnitudes for the current
 *   image; copied. NULL removes the heatmap.
 *
 * Sets the effective receptive field; it is normalised by its maximum
 * absolute value when drawn.
 */
void       gradlab_rf_view_set_erf   (GradlabRfView *self,
                                      const float   *map);

/* Property "erf-opacity" (double 0 .. 1, default 0.7): the heatmap's
 * opacity. The setter clamps and notifies only on change. */
double     gradlab_rf_view_get_erf_opacity (GradlabRfView *self);
void       gradlab_rf_view_set_erf_opacity (GradlabRfView *self,
                                            double         opacity);

G_END_DECLS
