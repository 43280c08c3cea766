/* test-seg-render.c: the segmentation and receptive-field renderers
 * against golden PNGs, plus pixel checks that cannot pass by accident
 *
 * Pure cairo: no display is needed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "gradlab-widgets.h"
#include "seg-data.h"

static const GdkRGBA light_fg = { 0.14f, 0.12f, 0.19f, 1.0f };
static const GdkRGBA light_bg = { 1.0f, 1.0f, 1.0f, 1.0f };
static const GdkRGBA dark_fg = { 1.0f, 1.0f, 1.0f, 1.0f };
static const GdkRGBA dark_bg = { 0.14f, 0.14f, 0.14f, 1.0f };

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static cairo_surface_t *
render_to_surface (int       width,
                   int       height,
                   cairo_t **cr)
{
  cairo_surface_t *surface = golden_surface_new (width, height);

  *cr = cairo_create (surface);

  return surface;
}

static guint32
rgb_of (cairo_surface_t *surface,
        int              x,
        int              y)
{
  guint8 r, g, b, a;

  golden_get_pixel (surface, x, y, &r, &g, &b, &a);

  return ((guint32) r << 16) | ((guint32) g << 8) | b;
}

static guint32
rgb_of_color (const GdkRGBA *c)
{
  return ((guint32) round (CLAMP (c->red, 0, 1) * 255) << 16) |
         ((guint32) round (CLAMP (c->green, 0, 1) * 255) << 8) |
         (guint32) round (CLAMP (c->blue, 0, 1) * 255);
}

static void
assert_rgb_near (cairo_surface_t *surface,
                 int              x,
                 int              y,
                 const GdkRGBA   *expected,
                 int              tolerance)
{
  guint8 r, g, b, a;

  golden_get_pixel (surface, x, y, &r, &g, &b, &a);
  if (abs (r - (int) round (expected->red * 255)) > tolerance ||
      abs (g - (int) round (expected->green * 255)) > tolerance ||
      abs (b - (int) round (expected->blue * 255)) > tolerance)
    {
      g_test_message ("pixel (%d, %d) is %u,%u,%u; expected %.0f,%.0f,%.0f ± %d", x, y, r, g, b,
                      expected->red * 255, expected->green * 255, expected->blue * 255, tolerance);
      g_test_fail ();
    }
}

static gboolean
rgb_near (cairo_surface_t *surface,
          int              x,
          int              y,
          const GdkRGBA   *expected,
          int              tolerance)
{
  guint8 r, g, b, a;

  golden_get_pixel (surface, x, y, &r, &g, &b, &a);

  return abs (r - (int) round (expected->red * 255)) <= tolerance &&
         abs (g - (int) round (expected->green * 255)) <= tolerance &&
         abs (b - (int) round (expected->blue * 255)) <= tolerance;
}

static GdkRGBA
class_color (guint c)
{
  GdkRGBA color;

  gradlab_class_color (c, &color);

  return color;
}

static GdkRGBA
mix (const GdkRGBA *under,
     const GdkRGBA *over,
     double         alpha)
{
  GdkRGBA out;

  out.red = under->red + (over->red - under->red) * alpha;
  out.green = under->green + (over->green - under->green) * alpha;
  out.blue = under->blue + (over->blue - under->blue) * alpha;
  out.alpha = 1.0f;

  return out;
}

/* ------------------------------------------------------------------------ */
/* Mask view                                                                */
/* ------------------------------------------------------------------------ */

static void
mask_data_fill (GradlabMaskViewData *data,
                const SegData       *seg)
{
  data->n_samples = SEG_SAMPLES;
  data->channels = seg->channels;
  data->height = SEG_SIDE;
  data->width = SEG_SIDE;
  data->images = seg->images;
  data->truth = seg->truth;
  data->pred = seg->pred;
  data->n_prob_classes = SEG_CLASSES;
  data->probs = seg->probs;
  data->n_classes = SEG_CLASSES;
  data->class_names = seg_class_names;
  data->opacity = 0.5;
  data->error_class = -1;
  data->selected_sample = -1;
}

/* The centre of image pixel (@ix, @iy) of a cell, in surface pixels. */
static void
cell_pixel_center (const GradlabMaskGeometry *g,
                   int                        sample,
                   GradlabMaskColumn          column,
                   int                        ix,
                   int                        iy,
                   int                       *x,
                   int                       *y)
{
  *x = (int) floor (g->col_x[column] + (ix + 0.5) * g->scale);
  *y = (int) floor (g->row_y[sample] + (iy + 0.5) * g->scale);
}

static void
test_mask_golden (void)
{
  GradlabMaskViewData data = { 0 };
  GradlabMaskGeometry geometry;
  cairo_surface_t *surface;
  SegData seg;
  cairo_t *cr;

  seg_data_init (&seg, 1);
  mask_data_fill (&data, &seg);
  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.selected_sample = 1;
  data.selected_x = 8;
  data.selected_y = 16;
  data.geometry_out = &geometry;

  surface = render_to_surface (640, 400, &cr);
  gradlab_mask_view_render (cr, 640, 400, &data);
  cairo_destroy (cr);

  g_assert_true (geometry.valid);
  g_assert_cmpuint (geometry.n_samples, ==, SEG_SAMPLES);
  /* Whole scale factors only. */
  g_assert_cmpfloat (geometry.scale, ==, floor (geometry.scale));
  g_assert_cmpfloat (geometry.scale, >=, 3.0);
  g_assert_cmpuint (geometry.n_legend, ==, SEG_CLASSES);

  golden_check (surface, "seg-mask-view.png");
  cairo_surface_destroy (surface);
  seg_data_clear (&seg);
}

static void
test_mask_golden_dark (void)
{
  static const gboolean visible[SEG_CLASSES] = { TRUE, TRUE, FALSE, TRUE };
  GradlabMaskViewData data = { 0 };
  GradlabMaskGeometry geometry;
  cairo_surface_t *surface;
  SegData seg;
  cairo_t *cr;

  /* RGB input, masks alone (opacity 1), errors of the disk class only,
   * squares hidden, and the hover read-out over a false positive. */
  seg_data_init (&seg, 3);
  mask_data_fill (&data, &seg);
  data.fg = dark_fg;
  data.bg = dark_bg;
  data.fill_background = TRUE;
  data.opacity = 1.0;
  data.error_class = 1;
  data.class_visible = visible;
  data.geometry_out = &geometry;

  /* A first pass for the geometry, then the read-out at a known pixel. */
  surface = render_to_surface (640, 400, &cr);
  gradlab_mask_view_render (cr, 640, 400, &data);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  g_assert_true (geometry.valid);

  data.hover = TRUE;
  data.hover_sample = 0;
  data.hover_x = SEG_FP_X;
  data.hover_y = SEG_FP_Y;
  data.hover_px = geometry.col_x[GRADLAB_MASK_COLUMN_PREDICTION] + (SEG_FP_X + 0.5) * geometry.scale;
  data.hover_py = geometry.row_y[0] + (SEG_FP_Y + 0.5) * geometry.scale;

  surface = render_to_surface (640, 400, &cr);
  gradlab_mask_view_render (cr, 640, 400, &data);
  cairo_destroy (cr);

  golden_check (surface, "seg-mask-view-dark.png");
  cairo_surface_destroy (surface);
  seg_data_clear (&seg);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/widgets/seg/mask/golden", test_mask_golden);
  g_test_add_func ("/widgets/seg/mask/golden-dark", test_mask_golden_dark);

  return g_test_run ();
}
