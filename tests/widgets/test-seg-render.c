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

static void
test_mask_classify (void)
{
  /* All non-background classes. */
  g_assert_cmpint (gradlab_mask_error_classify (0, 0, -1, 4), ==, GRADLAB_MASK_CORRECT);
  g_assert_cmpint (gradlab_mask_error_classify (2, 2, -1, 4), ==, GRADLAB_MASK_CORRECT);
  g_assert_cmpint (gradlab_mask_error_classify (0, 1, -1, 4), ==, GRADLAB_MASK_FALSE_POSITIVE);
  g_assert_cmpint (gradlab_mask_error_classify (3, 0, -1, 4), ==, GRADLAB_MASK_FALSE_NEGATIVE);
  g_assert_cmpint (gradlab_mask_error_classify (2, 3, -1, 4), ==, GRADLAB_MASK_WRONG_CLASS);
  g_assert_cmpint (gradlab_mask_error_classify (-1, 2, -1, 4), ==, GRADLAB_MASK_IGNORED);
  g_assert_cmpint (gradlab_mask_error_classify (4, 2, -1, 4), ==, GRADLAB_MASK_IGNORED);

  /* One class: only its own false positives and negatives. */
  g_assert_cmpint (gradlab_mask_error_classify (0, 2, 2, 4), ==, GRADLAB_MASK_FALSE_POSITIVE);
  g_assert_cmpint (gradlab_mask_error_classify (1, 2, 2, 4), ==, GRADLAB_MASK_FALSE_POSITIVE);
  g_assert_cmpint (gradlab_mask_error_classify (2, 0, 2, 4), ==, GRADLAB_MASK_FALSE_NEGATIVE);
  g_assert_cmpint (gradlab_mask_error_classify (2, 3, 2, 4), ==, GRADLAB_MASK_FALSE_NEGATIVE);
  g_assert_cmpint (gradlab_mask_error_classify (1, 3, 2, 4), ==, GRADLAB_MASK_CORRECT);
  g_assert_cmpint (gradlab_mask_error_classify (0, 1, 2, 4), ==, GRADLAB_MASK_CORRECT);
}

static void
render_mask (const GradlabMaskViewData *data,
             int                        width,
             int                        height,
             cairo_surface_t          **surface)
{
  cairo_t *cr;

  *surface = render_to_surface (width, height, &cr);
  gradlab_mask_view_render (cr, width, height, data);
  cairo_destroy (cr);
}

static GdkRGBA
seg_input (const SegData *seg,
           guint          k,
           int            x,
           int            y)
{
  float v = seg->images[(gsize) k * seg->channels * SEG_SIDE * SEG_SIDE + y * SEG_SIDE + x];

  return (GdkRGBA) { v, v, v, 1.0f };
}

static void
test_mask_error_colors (void)
{
  GradlabMaskViewData data = { 0 };
  GradlabMaskGeometry g;
  cairo_surface_t *surface;
  GdkRGBA fp, fn, wrong, expected, in, disk;
  SegData seg;
  int x, y;

  seg_data_init (&seg, 1);
  mask_data_fill (&data, &seg);
  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.geometry_out = &g;
  gradlab_mask_error_color (GRADLAB_MASK_FALSE_POSITIVE, &fp);
  gradlab_mask_error_color (GRADLAB_MASK_FALSE_NEGATIVE, &fn);
  gradlab_mask_error_color (GRADLAB_MASK_WRONG_CLASS, &wrong);
  disk = class_color (1);

  /* The three error colours are far apart from each other. */
  g_assert_cmpuint (rgb_of_color (&fp), !=, rgb_of_color (&fn));
  g_assert_cmpuint (rgb_of_color (&fp), !=, rgb_of_color (&wrong));
  g_assert_cmpuint (rgb_of_color (&fn), !=, rgb_of_color (&wrong));

  render_mask (&data, 640, 400, &surface);
  g_assert_true (g.valid);

  /* A known false positive, false negative and wrong class, exactly. */
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_ERRORS, SEG_FP_X, SEG_FP_Y, &x, &y);
  assert_rgb_near (surface, x, y, &fp, 0);
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_ERRORS, SEG_FN_X, SEG_FN_Y, &x, &y);
  assert_rgb_near (surface, x, y, &fn, 0);
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_ERRORS, SEG_WRONG_X, SEG_WRONG_Y, &x, &y);
  assert_rgb_near (surface, x, y, &wrong, 0);

  /* A correct pixel is the input, dimmed to a third. */
  in = seg_input (&seg, 0, SEG_BG_X, SEG_BG_Y);
  expected = (GdkRGBA) { in.red / 3, in.green / 3, in.blue / 3, 1 };
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_ERRORS, SEG_BG_X, SEG_BG_Y, &x, &y);
  assert_rgb_near (surface, x, y, &expected, 1);

  /* In the prediction cell the false positive is the disk colour at
   * opacity 0.5 over the input, and the false negative (predicted
   * background) is the bare input: background is see-through. */
  in = seg_input (&seg, 0, SEG_FP_X, SEG_FP_Y);
  expected = mix (&in, &disk, 0.5);
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_PREDICTION, SEG_FP_X, SEG_FP_Y, &x, &y);
  assert_rgb_near (surface, x, y, &expected, 1);
  in = seg_input (&seg, 0, SEG_FN_X, SEG_FN_Y);
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_PREDICTION, SEG_FN_X, SEG_FN_Y, &x, &y);
  assert_rgb_near (surface, x, y, &in, 1);
  /* ... and the ground truth has it the other way round. */
  expected = mix (&in, &disk, 0.5);
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_TRUTH, SEG_FN_X, SEG_FN_Y, &x, &y);
  assert_rgb_near (surface, x, y, &expected, 1);
  cairo_surface_destroy (surface);

  /* Errors of the square class only: the square predicted as a bar is
   * its false negative, the spurious square of sample 1 its false
   * positive, and the disk errors are no square errors. */
  data.error_class = 2;
  render_mask (&data, 640, 400, &surface);
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_ERRORS, SEG_WRONG_X, SEG_WRONG_Y, &x, &y);
  assert_rgb_near (surface, x, y, &fn, 0);
  cell_pixel_center (&g, 1, GRADLAB_MASK_COLUMN_ERRORS, 17, 17, &x, &y);
  assert_rgb_near (surface, x, y, &fp, 0);
  in = seg_input (&seg, 0, SEG_FP_X, SEG_FP_Y);
  expected = (GdkRGBA) { in.red / 3, in.green / 3, in.blue / 3, 1 };
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_ERRORS, SEG_FP_X, SEG_FP_Y, &x, &y);
  assert_rgb_near (surface, x, y, &expected, 1);
  cairo_surface_destroy (surface);

  seg_data_clear (&seg);
}

/* A 4 x 4 mask scaled 16 times: every 16 x 16 block is exactly its
 * class's colour, so edges are hard and nothing is interpolated. */
static void
test_mask_nearest (void)
{
  static const char *const names[] = { "a", "b", "c", "d" };
  int32_t mask[16];
  float image[16];
  GradlabMaskViewData data = { 0 };
  GradlabMaskGeometry g;
  cairo_surface_t *surface;
  guint column;
  int bx, by, x, y;
  int n_wrong = 0;

  for (by = 0; by < 4; by++)
    for (bx = 0; bx < 4; bx++)
      {
        /* Neighbours always differ: +1 to the right, +2 downwards. */
        mask[by * 4 + bx] = (bx + 2 * by) % 4;
        image[by * 4 + bx] = ((bx + by) & 1) ? 1.0f : 0.0f;
      }

  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.n_samples = 1;
  data.channels = 1;
  data.width = data.height = 4;
  data.images = image;
  data.truth = mask;
  data.pred = mask;
  data.n_classes = 4;
  data.class_names = names;
  data.opacity = 1.0;
  data.error_class = -1;
  data.selected_sample = -1;
  data.geometry_out = &g;

  /* Four cells of at most 66 pixels side by side: scale 16. */
  render_mask (&data, 2 * 8 + 3 * 8 + 4 * 66, 400, &surface);
  g_assert_true (g.valid);
  g_assert_cmpfloat (g.scale, ==, 16.0);
  g_assert_cmpfloat (g.cell_width, ==, 64.0);

  for (column = GRADLAB_MASK_COLUMN_INPUT; column <= GRADLAB_MASK_COLUMN_PREDICTION; column++)
    for (by = 0; by < 4; by++)
      for (bx = 0; bx < 4; bx++)
        {
          GdkRGBA want;

          if (column == GRADLAB_MASK_COLUMN_INPUT)
            {
              float v = image[by * 4 + bx];

              want = (GdkRGBA) { v, v, v, 1.0f };
            }
          else
            want = class_color (mask[by * 4 + bx]);

          for (y = 0; y < 16; y++)
            for (x = 0; x < 16; x++)
              {
                int px = (int) g.col_x[column] + bx * 16 + x;
                int py = (int) g.row_y[0] + by * 16 + y;

                if (rgb_of (surface, px, py) != rgb_of_color (&want))
                  {
                    if (n_wrong++ < 5)
                      g_test_message ("column %u block (%d, %d) pixel (%d, %d): %06x, want %06x",
                                      column, bx, by, x, y, rgb_of (surface, px, py),
                                      rgb_of_color (&want));
                  }
              }
        }
  g_assert_cmpint (n_wrong, ==, 0);

  /* Every error-map pixel is correct here: all dimmed input, 0 or 1/3. */
  for (y = 0; y < 64; y++)
    for (x = 0; x < 64; x++)
      {
        guint32 p = rgb_of (surface, (int) g.col_x[GRADLAB_MASK_COLUMN_ERRORS] + x,
                            (int) g.row_y[0] + y);

        g_assert_true (p == 0x000000 || p == 0x555555);
      }

  cairo_surface_destroy (surface);
}

static void
test_mask_visibility (void)
{
  gboolean visible[SEG_CLASSES] = { TRUE, TRUE, TRUE, TRUE };
  GradlabMaskViewData data = { 0 };
  GradlabMaskGeometry g;
  cairo_surface_t *surface;
  GdkRGBA in, disk, square, expected;
  SegData seg;
  int x, y, sx, sy;

  seg_data_init (&seg, 1);
  mask_data_fill (&data, &seg);
  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.class_visible = visible;
  data.geometry_out = &g;
  disk = class_color (1);
  square = class_color (2);

  render_mask (&data, 640, 400, &surface);
  in = seg_input (&seg, 0, 7, 8);
  expected = mix (&in, &disk, 0.5);
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_TRUTH, 7, 8, &x, &y);
  assert_rgb_near (surface, x, y, &expected, 1);
  /* The legend swatch is filled with the class colour (probed off the
   * slash a hidden class's swatch gets). */
  sx = (int) g.legend_x[1] + 4;
  sy = (int) (g.legend_y[1] + g.legend_height / 2.0) - 3;
  assert_rgb_near (surface, sx, sy, &disk, 1);
  cairo_surface_destroy (surface);

  /* Hidden: the disk's pixels show the bare input in both masks, its
   * legend swatch is hollow, and the square is untouched. */
  visible[1] = FALSE;
  render_mask (&data, 640, 400, &surface);
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_TRUTH, 7, 8, &x, &y);
  assert_rgb_near (surface, x, y, &in, 1);
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_PREDICTION, 9, 8, &x, &y);
  in = seg_input (&seg, 0, 9, 8);
  assert_rgb_near (surface, x, y, &in, 1);
  g_assert_false (rgb_near (surface, sx, sy, &disk, 40));
  in = seg_input (&seg, 0, 15, 18);
  expected = mix (&in, &square, 0.5);
  cell_pixel_center (&g, 0, GRADLAB_MASK_COLUMN_TRUTH, 15, 18, &x, &y);
  assert_rgb_near (surface, x, y, &expected, 1);
  cairo_surface_destroy (surface);

  seg_data_clear (&seg);
}

static void
test_mask_geometry (void)
{
  GradlabMaskViewData data = { 0 };
  GradlabMaskGeometry g;
  cairo_surface_t *surface;
  GradlabMaskColumn column;
  SegData seg;
  int sample, ix, iy, x, y;

  seg_data_init (&seg, 1);
  mask_data_fill (&data, &seg);
  data.geometry_out = &g;
  render_mask (&data, 500, 300, &surface);
  cairo_surface_destroy (surface);
  g_assert_true (g.valid);

  cell_pixel_center (&g, 2, GRADLAB_MASK_COLUMN_PREDICTION, 5, 7, &x, &y);
  g_assert_true (gradlab_mask_geometry_cell_at (&g, x, y, &sample, &column, &ix, &iy));
  g_assert_cmpint (sample, ==, 2);
  g_assert_cmpint (column, ==, GRADLAB_MASK_COLUMN_PREDICTION);
  g_assert_cmpint (ix, ==, 5);
  g_assert_cmpint (iy, ==, 7);

  /* The gap between columns and the area above the cells are no cell. */
  g_assert_false (gradlab_mask_geometry_cell_at (&g, g.col_x[1] - 3, y, NULL, NULL, NULL, NULL));
  g_assert_false (gradlab_mask_geometry_cell_at (&g, x, g.row_y[0] - 3, NULL, NULL, NULL, NULL));
  g_assert_cmpint (gradlab_mask_geometry_legend_at (&g, g.legend_x[3] + 2, g.legend_y[3] + 4), ==, 3);
  g_assert_cmpint (gradlab_mask_geometry_legend_at (&g, x, y), ==, -1);

  /* Too small to draw, and empty: no geometry, no crash. */
  render_mask (&data, 60, 40, &surface);
  cairo_surface_destroy (surface);
  g_assert_false (g.valid);
  data.n_samples = 0;
  render_mask (&data, 300, 200, &surface);
  cairo_surface_destroy (surface);
  g_assert_false (g.valid);

  /* No prediction yet and no class list: still drawn. */
  data.n_samples = SEG_SAMPLES;
  data.pred = NULL;
  data.probs = NULL;
  data.n_classes = 0;
  data.class_names = NULL;
  render_mask (&data, 500, 300, &surface);
  cairo_surface_destroy (surface);
  g_assert_true (g.valid);
  g_assert_cmpuint (g.n_legend, ==, 0);

  seg_data_clear (&seg);
}

/* ------------------------------------------------------------------------ */
/* Bar chart                                                                */
/* ------------------------------------------------------------------------ */

static const float freq_truth[SEG_CLASSES] = { 0.958f, 0.021f, 0.014f, 0.007f };
static const float freq_pred[SEG_CLASSES] = { 0.995f, 0.005f, 0.0f, 0.0f };

static void
test_bars_format (void)
{
  static const struct { double v; const char *s; } cases[] = {
    { 0.958, "95.8 %" }, { 0.014, "1.4 %" }, { 0.0012, "0.12 %" }, { 0.000123, "0.012 %" },
    { 0.0, "0 %" }, { 1.0, "100 %" }, { 0.99999, "100 %" }, { NAN, "–" },
    { 0.01f, "1.0 %" }, { 0.005, "0.50 %" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char buf[32];

      gradlab_bar_chart_format_percent (cases[i].v, buf, sizeof buf);
      g_assert_cmpstr (buf, ==, cases[i].s);
    }
}

static void
bars_data_fill (GradlabBarChartData *data)
{
  data->title = "Class pixel frequency";
  data->n_bars = SEG_CLASSES;
  data->names = seg_class_names;
  data->values = freq_truth;
}

static void
test_bars_golden (void)
{
  GradlabBarChartData data = { 0 };
  GradlabBarChartGeometry g;
  cairo_surface_t *surface;
  cairo_t *cr;

  bars_data_fill (&data);
  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.values2 = freq_pred;
  data.label = "truth";
  data.label2 = "predicted";
  data.geometry_out = &g;

  surface = render_to_surface (480, 260, &cr);
  gradlab_bar_chart_render (cr, 480, 260, &data);
  cairo_destroy (cr);
  g_assert_true (g.valid);
  golden_check (surface, "seg-bars.png");
  cairo_surface_destroy (surface);

  /* Vertical, log axis, dark, one series. */
  data.fg = dark_fg;
  data.bg = dark_bg;
  data.values2 = NULL;
  data.orientation = GTK_ORIENTATION_VERTICAL;
  data.log_scale = TRUE;
  surface = render_to_surface (480, 260, &cr);
  gradlab_bar_chart_render (cr, 480, 260, &data);
  cairo_destroy (cr);
  g_assert_true (g.valid);
  golden_check (surface, "seg-bars-log-vertical-dark.png");
  cairo_surface_destroy (surface);
}

/* Where a horizontal bar ends; checks the pixels on either side. */
static double
assert_bar_end (cairo_surface_t               *surface,
                const GradlabBarChartGeometry *g,
                guint                          i,
                double                         value,
                const GdkRGBA                 *color,
                const GdkRGBA                 *bg)
{
  double end = round (gradlab_bar_chart_geometry_value_to_pixel (g, value));
  int y = (int) (g->band_start[i] + g->band_size / 2.0);
  GdkRGBA bar = mix (bg, color, 0.9);

  assert_rgb_near (surface, (int) end - 2, y, &bar, 2);
  assert_rgb_near (surface, (int) g->axis_start + 1, y, &bar, 2);
  g_assert_false (rgb_near (surface, (int) end + 1, y, &bar, 10));

  return end - g->axis_start;
}

static void
test_bars_log_readable (void)
{
  GradlabBarChartData data = { 0 };
  GradlabBarChartGeometry g;
  cairo_surface_t *surface;
  GdkRGBA c0 = class_color (0);
  GdkRGBA c3 = class_color (3);
  cairo_t *cr;
  double rare_linear;
  double rare_log;

  bars_data_fill (&data);
  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.geometry_out = &g;

  /* Linear: the 0.7 % class is a sliver of the axis. */
  surface = render_to_surface (480, 200, &cr);
  gradlab_bar_chart_render (cr, 480, 200, &data);
  cairo_destroy (cr);
  g_assert_true (g.valid);
  g_assert_cmpfloat (g.lo, ==, 0.0);
  assert_bar_end (surface, &g, 0, freq_truth[0], &c0, &light_bg);
  rare_linear = gradlab_bar_chart_geometry_value_to_pixel (&g, freq_truth[3]) - g.axis_start;
  g_assert_cmpfloat (rare_linear, <, 0.01 * g.axis_length + 1.0);
  cairo_surface_destroy (surface);

  /* Log: the axis starts a decade below the smallest share (1e-4 here),
   * so the rare class's bar covers almost half of it. */
  data.log_scale = TRUE;
  surface = render_to_surface (480, 200, &cr);
  gradlab_bar_chart_render (cr, 480, 200, &data);
  cairo_destroy (cr);
  g_assert_true (g.valid);
  g_assert_cmpfloat (fabs (g.lo - 1e-4), <, 1e-12);
  rare_log = assert_bar_end (surface, &g, 3, freq_truth[3], &c3, &light_bg);
  g_assert_cmpfloat (rare_log, >, 0.4 * g.axis_length);
  assert_bar_end (surface, &g, 0, freq_truth[0], &c0, &light_bg);
  cairo_surface_destroy (surface);

  /* A zero share on a log axis and an unknown one: markers, no bars. */
  {
    const float odd[SEG_CLASSES] = { 0.9f, 0.0f, NAN, 0.1f };

    data.values = odd;
    surface = render_to_surface (480, 200, &cr);
    gradlab_bar_chart_render (cr, 480, 200, &data);
    cairo_destroy (cr);
    g_assert_true (g.valid);
    cairo_surface_destroy (surface);
  }

  /* Empty. */
  data.n_bars = 0;
  surface = render_to_surface (480, 200, &cr);
  gradlab_bar_chart_render (cr, 480, 200, &data);
  cairo_destroy (cr);
  g_assert_false (g.valid);
  cairo_surface_destroy (surface);
}

/* ------------------------------------------------------------------------ */
/* Receptive-field view                                                     */
/* ------------------------------------------------------------------------ */

#define RF_SIDE 32

typedef struct
{
  float image[3 * RF_SIDE * RF_SIDE];
  float erf[RF_SIDE * RF_SIDE];
} RfData;

/* A grey input with soft stripes and a Gaussian ERF around (@cx, @cy),
 * exactly zero outside the square of side @size. */
static void
rf_data_init (RfData *d,
              guint   channels,
              int     cx,
              int     cy,
              int     size)
{
  int x0, y0, x1, y1;
  int x, y;
  guint c;

  gradlab_rf_field_bounds (cx, cy, size, &x0, &y0, &x1, &y1);
  for (y = 0; y < RF_SIDE; y++)
    for (x = 0; x < RF_SIDE; x++)
      {
        double v = 0.45 + 0.2 * sin (x * 0.5) * sin (y * 0.3);
        double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);

        for (c = 0; c < channels; c++)
          d->image[c * RF_SIDE * RF_SIDE + y * RF_SIDE + x] =
            (float) (v * (channels == 3 ? 1.0 - 0.25 * c : 1.0));
        d->erf[y * RF_SIDE + x] = x >= x0 && x <= x1 && y >= y0 && y <= y1 ?
                                  (float) (-2.0 * exp (-r2 / (2.0 * 2.5 * 2.5))) : 0.0f;
      }
}

static void
rf_data_fill (GradlabRfViewData *data,
              RfData            *d,
              guint              channels,
              int                cx,
              int                cy,
              int                size)
{
  rf_data_init (d, channels, cx, cy, size);
  data->channels = channels;
  data->width = data->height = RF_SIDE;
  data->image = d->image;
  data->erf = d->erf;
  data->field_x = cx;
  data->field_y = cy;
  data->field_size = size;
  data->erf_opacity = 0.7;
}

static cairo_surface_t *
render_rf (const GradlabRfViewData *data,
           int                      width,
           int                      height)
{
  cairo_surface_t *surface;
  cairo_t *cr;

  surface = render_to_surface (width, height, &cr);
  gradlab_rf_view_render (cr, width, height, data);
  cairo_destroy (cr);

  return surface;
}

static void
test_rf_golden (void)
{
  GradlabRfViewData data = { 0 };
  GradlabRfGeometry g;
  cairo_surface_t *surface;
  RfData d;

  rf_data_fill (&data, &d, 1, 20, 12, 11);
  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.geometry_out = &g;
  surface = render_rf (&data, 420, 340);
  g_assert_true (g.valid);
  golden_check (surface, "seg-rf-view.png");
  cairo_surface_destroy (surface);

  /* RGB, a field clipped by the image's corner, dark, with the read-out. */
  rf_data_fill (&data, &d, 3, 2, 3, 15);
  data.fg = dark_fg;
  data.bg = dark_bg;
  data.erf_opacity = 0.5;
  surface = render_rf (&data, 420, 340);
  cairo_surface_destroy (surface);
  data.hover = TRUE;
  data.hover_x = 8;
  data.hover_y = 1;
  data.hover_px = g.image_x + 8.5 * g.scale;
  data.hover_py = g.image_y + 1.5 * g.scale;
  surface = render_rf (&data, 420, 340);
  golden_check (surface, "seg-rf-view-clipped-dark.png");
  cairo_surface_destroy (surface);
}

static gboolean
is_white (cairo_surface_t *surface,
          int              x,
          int              y)
{
  return rgb_of (surface, x, y) == 0xffffff;
}

static gboolean
is_dark (cairo_surface_t *surface,
         int              x,
         int              y)
{
  guint32 p = rgb_of (surface, x, y);

  return ((p >> 16) & 0xff) < 80 && ((p >> 8) & 0xff) < 80 && (p & 0xff) < 80;
}

/* The square's edge lies on the field's outermost image pixels: two
 * white screen pixels just inside, a dark one on either side. */
static void
test_rf_edges (void)
{
  GradlabRfViewData data = { 0 };
  GradlabRfGeometry g;
  cairo_surface_t *surface;
  RfData d;
  int x0, y0, x1, y1;
  int sx0, sy0, sx1, sy1;
  int mx, my;

  rf_data_fill (&data, &d, 1, 20, 12, 11);
  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.geometry_out = &g;
  surface = render_rf (&data, 420, 340);
  g_assert_true (g.valid);
  g_assert_cmpfloat (g.scale, ==, floor (g.scale));

  gradlab_rf_field_bounds (20, 12, 11, &x0, &y0, &x1, &y1);
  g_assert_cmpint (x0, ==, 15);
  g_assert_cmpint (x1, ==, 25);
  g_assert_true (g.has_field);
  g_assert_cmpint (g.field_x0, ==, 15);
  g_assert_cmpint (g.field_y1, ==, 17);

  sx0 = (int) (g.image_x + x0 * g.scale);
  sy0 = (int) (g.image_y + y0 * g.scale);
  sx1 = (int) (g.image_x + (x1 + 1) * g.scale);  /* first pixel past the field */
  sy1 = (int) (g.image_y + (y1 + 1) * g.scale);
  /* Away from the label (top left) and the marker (centre). */
  mx = (int) (g.image_x + (x0 + 8.5) * g.scale);
  my = (int) (g.image_y + (y0 + 8.5) * g.scale);

  g_assert_true (is_dark (surface, sx0 - 1, my));
  g_assert_true (is_white (surface, sx0, my));
  g_assert_true (is_white (surface, sx0 + 1, my));
  g_assert_true (is_dark (surface, sx0 + 2, my));
  g_assert_false (is_white (surface, sx0 + 4, my));

  g_assert_true (is_white (surface, sx1 - 1, my));
  g_assert_true (is_white (surface, sx1 - 2, my));
  g_assert_true (is_dark (surface, sx1, my));
  g_assert_false (is_white (surface, sx1 + 2, my));

  g_assert_true (is_white (surface, mx, sy1 - 1));
  g_assert_true (is_white (surface, mx, sy1 - 2));
  g_assert_true (is_dark (surface, mx, sy1));
  g_assert_true (is_white (surface, mx, sy0));
  g_assert_false (is_white (surface, mx, sy0 + 4));
  cairo_surface_destroy (surface);

  /* Clipped by the image's top-left corner: the edge is on the image's
   * first row and column. */
  rf_data_fill (&data, &d, 1, 2, 3, 15);
  surface = render_rf (&data, 420, 340);
  g_assert_cmpint (g.field_x0, ==, 0);
  g_assert_cmpint (g.field_y0, ==, 0);
  g_assert_cmpint (g.field_x1, ==, 9);
  g_assert_cmpint (g.field_y1, ==, 10);
  sx0 = (int) g.image_x;
  sx1 = (int) (g.image_x + 10 * g.scale);
  my = (int) (g.image_y + 8.5 * g.scale);
  g_assert_true (is_white (surface, sx0, my));
  g_assert_true (is_white (surface, sx0 + 1, my));
  g_assert_true (is_white (surface, sx1 - 1, my));
  g_assert_true (is_dark (surface, sx1, my));
  cairo_surface_destroy (surface);
}

/* The heat is where the map is non-zero and nowhere else. */
static void
test_rf_erf (void)
{
  GradlabRfViewData data = { 0 };
  GradlabRfGeometry g;
  cairo_surface_t *surface;
  RfData d;
  GdkRGBA in, heat, expected;
  double t;
  int x, y;

  rf_data_fill (&data, &d, 1, 20, 12, 11);
  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.geometry_out = &g;
  surface = render_rf (&data, 420, 340);
  g_assert_true (g.valid);

  /* Inside: (22, 13), off the marker. The map peaks at -2 in the centre;
   * its magnitude is normalised and the colour takes the square root. */
  x = (int) (g.image_x + 22.5 * g.scale);
  y = (int) (g.image_y + 13.5 * g.scale);
  t = fabs (d.erf[13 * RF_SIDE + 22]) / 2.0;
  g_assert_cmpfloat (t, >, 0.3);
  gradlab_colormap_sequential (sqrt (t), &heat);
  in = (GdkRGBA) { d.image[13 * RF_SIDE + 22], d.image[13 * RF_SIDE + 22],
                   d.image[13 * RF_SIDE + 22], 1.0f };
  expected = mix (&in, &heat, 0.7);
  assert_rgb_near (surface, x, y, &expected, 2);
  g_assert_false (rgb_near (surface, x, y, &in, 20));

  /* Outside the field the map is 0: the bare input. */
  x = (int) (g.image_x + 5.5 * g.scale);
  y = (int) (g.image_y + 27.5 * g.scale);
  in = (GdkRGBA) { d.image[27 * RF_SIDE + 5], d.image[27 * RF_SIDE + 5],
                   d.image[27 * RF_SIDE + 5], 1.0f };
  assert_rgb_near (surface, x, y, &in, 1);
  cairo_surface_destroy (surface);

  /* No map, or opacity 0: the bare input inside the field too. */
  data.erf = NULL;
  surface = render_rf (&data, 420, 340);
  x = (int) (g.image_x + 22.5 * g.scale);
  y = (int) (g.image_y + 13.5 * g.scale);
  in = (GdkRGBA) { d.image[13 * RF_SIDE + 22], d.image[13 * RF_SIDE + 22],
                   d.image[13 * RF_SIDE + 22], 1.0f };
  assert_rgb_near (surface, x, y, &in, 1);
  cairo_surface_destroy (surface);

  /* Empty and degenerate inputs do not crash. */
  memset (d.erf, 0, sizeof d.erf);
  data.erf = d.erf;
  surface = render_rf (&data, 420, 340);
  cairo_surface_destroy (surface);
  data.image = NULL;
  surface = render_rf (&data, 420, 340);
  g_assert_false (g.valid);
  cairo_surface_destroy (surface);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/widgets/seg/mask/golden", test_mask_golden);
  g_test_add_func ("/widgets/seg/mask/golden-dark", test_mask_golden_dark);
  g_test_add_func ("/widgets/seg/mask/classify", test_mask_classify);
  g_test_add_func ("/widgets/seg/mask/error-colors", test_mask_error_colors);
  g_test_add_func ("/widgets/seg/mask/nearest", test_mask_nearest);
  g_test_add_func ("/widgets/seg/mask/visibility", test_mask_visibility);
  g_test_add_func ("/widgets/seg/mask/geometry", test_mask_geometry);
  g_test_add_func ("/widgets/seg/bars/format", test_bars_format);
  g_test_add_func ("/widgets/seg/bars/golden", test_bars_golden);
  g_test_add_func ("/widgets/seg/bars/log-readable", test_bars_log_readable);
  g_test_add_func ("/widgets/seg/rf/golden", test_rf_golden);
  g_test_add_func ("/widgets/seg/rf/edges", test_rf_edges);
  g_test_add_func ("/widgets/seg/rf/erf", test_rf_erf);

  return g_test_run ();
}
