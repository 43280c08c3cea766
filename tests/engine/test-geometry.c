/* test-geometry.c: output shapes, receptive fields, parameter and FLOP
 * counts against hand-computed cases, the text table, and the effective
 * receptive field from a real backward pass.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gr-geometry.h"
#include "gr-net.h"
#include "gr-rng.h"

static GrLayerSpec
conv_spec (int units,
           int kernel,
           int stride,
           int pad,
           int dilation)
{
  return (GrLayerSpec) {
    .kind = GR_LAYER_CONV2D, .units = units, .kernel = kernel,
    .stride = stride, .pad = pad, .dilation = dilation,
  };
}

static int
add_ok (GrNet             *net,
        const GrLayerSpec *spec)
{
  int idx = gr_net_add (net, spec);

  if (idx < 0)
    g_error ("gr_net_add: %s", gr_net_error (net));
  return idx;
}

static GrGeometry *
geometry_of (const GrNet *net)
{
  GrGeometry *geo = g_new0 (GrGeometry, 1);

  g_assert_cmpint (gr_geometry_compute (net, geo), ==, GR_OK);
  g_assert_cmpint (geo->n_rows, ==, gr_net_n_nodes (net));
  return geo;
}

/* Two 3x3 convs see what one 5x5 sees, with 18 weights instead of 25 per
 * channel pair. */
static void
test_two_3x3_vs_5x5 (void)
{
  GrNet *a = gr_net_new ((GrShape) { 1, 1, 16, 16 });
  GrNet *b = gr_net_new ((GrShape) { 1, 1, 16, 16 });
  GrLayerSpec c3 = conv_spec (1, 3, 1, 1, 1);
  GrLayerSpec c5 = conv_spec (1, 5, 1, 2, 1);
  GrGeometry *ga, *gb;

  c3.no_bias = c5.no_bias = true;
  add_ok (a, &c3);
  add_ok (a, &c3);
  add_ok (b, &c5);
  /* Uncompiled nets: the table needs only the specs. */
  ga = geometry_of (a);
  gb = geometry_of (b);
  g_assert_cmpfloat (ga->rows[0].rf, ==, 1.0);
  g_assert_cmpfloat (ga->rows[1].rf, ==, 3.0);
  g_assert_cmpfloat (ga->rows[2].rf, ==, 5.0);
  g_assert_cmpfloat (gb->rows[1].rf, ==, 5.0);
  g_assert_cmpuint (ga->total_params, ==, 18);
  g_assert_cmpuint (gb->total_params, ==, 25);
  g_assert_cmpint (ga->rows[2].out.h, ==, gb->rows[1].out.h);
  g_assert_cmpint (ga->rows[2].out.w, ==, 16);
  /* 2 FLOPs per multiply-add, 9 or 25 taps per output pixel. */
  g_assert_cmpfloat (ga->total_flops, ==, 2.0 * 2 * 9 * 256);
  g_assert_cmpfloat (gb->total_flops, ==, 2.0 * 25 * 256);
  g_free (ga);
  g_free (gb);
  gr_net_free (a);
  gr_net_free (b);
}

static void
test_dilated_1_2_4 (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 1, 64, 64 });
  GrGeometry *geo;
  static const double want[] = { 1, 3, 7, 15 };

  for (int d = 1; d <= 4; d *= 2)
    {
      GrLayerSpec c = conv_spec (16, 3, 1, d, d);
      GrLayerSpec bn = { .kind = GR_LAYER_BATCHNORM };
      GrLayerSpec act = { .kind = GR_LAYER_ACT, .act = GR_ACT_RELU };

      add_ok (net, &c);
      add_ok (net, &bn);
      add_ok (net, &act);
    }
  geo = geometry_of (net);
  for (int i = 0; i < 4; i++)
    {
      /* Conv rows are 1, 4, 7; BN and ReLU rows repeat their input. */
      int row = i == 0 ? 0 : 3 * i - 2;

      g_assert_cmpfloat (geo->rows[row].rf, ==, want[i]);
      if (i > 0)
        {
          g_assert_cmpfloat (geo->rows[row + 2].rf, ==, want[i]);
          g_assert_cmpint (geo->rows[row].out.h, ==, 64);
          g_assert_cmpfloat (geo->rows[row].jump, ==, 1.0);
          g_assert_cmpfloat (geo->rows[row].start, ==, 0.0);
        }
    }
  g_free (geo);
  gr_net_free (net);
}

/* After a stride-2 layer each 3x3 adds 4 pixels of field instead of 2. */
static void
test_stride_doubles_growth (void)
{
  GrNet *plain = gr_net_new ((GrShape) { 1, 1, 32, 32 });
  GrNet *strided = gr_net_new ((GrShape) { 1, 1, 32, 32 });
  GrLayerSpec c = conv_spec (2, 3, 1, 1, 1);
  GrLayerSpec s2 = conv_spec (2, 3, 2, 1, 1);
  GrGeometry *gp, *gs;

  add_ok (plain, &c);
  add_ok (plain, &c);
  add_ok (plain, &c);
  add_ok (plain, &c);
  add_ok (strided, &c);
  add_ok (strided, &s2);
  add_ok (strided, &c);
  add_ok (strided, &c);
  gp = geometry_of (plain);
  gs = geometry_of (strided);
  g_assert_cmpfloat (gp->rows[4].rf, ==, 9.0);
  g_assert_cmpfloat (gs->rows[2].rf, ==, 5.0);
  g_assert_cmpfloat (gs->rows[2].jump, ==, 2.0);
  g_assert_cmpfloat (gs->rows[3].rf, ==, 9.0);
  g_assert_cmpfloat (gs->rows[4].rf, ==, 13.0);
  g_assert_cmpfloat (gs->rows[4].rf - gs->rows[3].rf, ==,
                     2.0 * (gp->rows[4].rf - gp->rows[3].rf));
  g_assert_cmpint (gs->rows[4].out.h, ==, 16);
  /* Output pixel 0 of a padded stride-2 conv is centred on input pixel 0. */
  g_assert_cmpfloat (gs->rows[2].start, ==, 0.0);
  g_free (gp);
  g_free (gs);
  gr_net_free (plain);
  gr_net_free (strided);
}

static void
test_output_shapes (void)
{
  struct
  {
    int h, w, k, s, p, d;
    int oh, ow;
  } cases[] = {
    { 64, 64, 3, 1, 1, 1, 64, 64 },
    { 64, 64, 3, 2, 1, 1, 32, 32 },
    { 64, 64, 3, 1, 0, 2, 60, 60 },
    { 64, 64, 3, 2, 4, 4, 32, 32 },   /* (64 + 8 - 8 - 1) / 2 + 1 */
    { 64, 48, 1, 2, 0, 1, 32, 24 },
    { 7, 10, 3, 3, 1, 2, 2, 3 },      /* (7 + 2 - 5) / 3 + 1, (10 + 2 - 5) / 3 + 1 */
    { 5, 5, 5, 1, 0, 1, 1, 1 },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GrNet *net = gr_net_new ((GrShape) { 1, 2, cases[i].h, cases[i].w });
      GrLayerSpec c = conv_spec (3, cases[i].k, cases[i].s, cases[i].p, cases[i].d);
      GrShape out;

      add_ok (net, &c);
      out = gr_net_node_shape (net, 1);
      g_assert_cmpint (out.c, ==, 3);
      g_assert_cmpint (out.h, ==, cases[i].oh);
      g_assert_cmpint (out.w, ==, cases[i].ow);
      gr_net_free (net);
    }
}

/* Terminal columns of UTF-8 @s (wide characters count two). */
static guint
columns (const char *s)
{
  guint n = 0;

  for (const char *p = s; *p; p = g_utf8_next_char (p))
    n += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
  return n;
}

static void
test_pool_upsample_concat (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 3, 32, 24 });
  GrLayerSpec c = conv_spec (4, 3, 1, 1, 1);
  GrLayerSpec mp = { .kind = GR_LAYER_MAXPOOL, .kernel = 2 };
  GrLayerSpec up = { .kind = GR_LAYER_UPSAMPLE, .scale = 2 };
  GrLayerSpec cat = { .kind = GR_LAYER_CONCAT, .inputs = { 1, 4 }, .n_inputs = 2 };
  GrLayerSpec gap = { .kind = GR_LAYER_GAP };
  GrGeometry *geo;
  char *table;
  size_t need, need2;

  /* A layer named in Chinese: the table pads by terminal columns (two
   * per character here), not by bytes (three). */
  g_strlcpy (mp.name, "池化", sizeof mp.name);
  add_ok (net, &c);     /* 1: rf 3, jump 1, 32x24 */
  add_ok (net, &mp);    /* 2: rf 4, jump 2, 16x12 */
  add_ok (net, &c);     /* 3: rf 8, jump 2 */
  add_ok (net, &up);    /* 4: rf 8 + 1.5 * 2 = 11, jump 1, 32x24 */
  add_ok (net, &cat);   /* 5: max (3, 11), 8 channels */
  add_ok (net, &gap);   /* 6: global */
  geo = geometry_of (net);
  g_assert_cmpfloat (geo->rows[2].rf, ==, 4.0);
  g_assert_cmpfloat (geo->rows[2].jump, ==, 2.0);
  g_assert_cmpint (geo->rows[2].out.h, ==, 16);
  g_assert_cmpint (geo->rows[2].out.w, ==, 12);
  g_assert_cmpfloat (geo->rows[2].start, ==, 0.5);
  g_assert_cmpfloat (geo->rows[3].rf, ==, 8.0);
  g_assert_cmpfloat (geo->rows[4].rf, ==, 11.0);
  g_assert_cmpfloat (geo->rows[4].jump, ==, 1.0);
  /* Upsampled pixel 0 sits at 0.5 + 2 (0.25 - 0.5) = 0 again. */
  g_assert_cmpfloat (geo->rows[4].start, ==, 0.0);
  g_assert_cmpint (geo->rows[4].out.h, ==, 32);
  g_assert_cmpfloat (geo->rows[5].rf, ==, 11.0);
  g_assert_cmpint (geo->rows[5].out.c, ==, 8);
  g_assert_true (geo->rows[6].global);
  g_assert_false (geo->rows[5].global);
  g_assert_cmpint (geo->rows[6].out.h, ==, 1);
  g_assert_cmpuint (geo->total_params, ==, (4 * 27 + 4) + (4 * 36 + 4));

  need = gr_geometry_format_table (geo, NULL, 0);
  table = g_malloc (need + 1);
  need2 = gr_geometry_format_table (geo, table, need + 1);
  g_assert_cmpuint (need, ==, need2);
  g_assert_cmpuint (strlen (table), ==, need);
  g_test_message ("%s", table);
  g_assert_nonnull (strstr (table, "layer"));
  g_assert_nonnull (strstr (table, "global"));
  g_assert_nonnull (strstr (table, "8x32x24"));
  g_assert_nonnull (strstr (table, "total"));
  {
    /* Header, one line per node, totals; all lines the same width. */
    char **lines = g_strsplit (table, "\n", -1);
    guint n_lines = g_strv_length (lines);

    g_assert_cmpuint (n_lines, ==, (guint) geo->n_rows + 3);   /* last is "" */
    for (guint i = 1; i + 1 < n_lines; i++)
      g_assert_cmpuint (columns (lines[i]), ==, columns (lines[0]));
    g_assert_true (g_str_has_prefix (lines[3], "池化 "));
    g_assert_cmpuint (strlen (lines[3]), ==, strlen (lines[0]) + 2);
    g_strfreev (lines);
  }
  /* A short buffer is cut but terminated, and still reports the need. */
  {
    char small[20];

    g_assert_cmpuint (gr_geometry_format_table (geo, small, sizeof small), ==, need);
    g_assert_cmpuint (strlen (small), ==, sizeof small - 1);
  }
  g_free (table);
  g_free (geo);
  gr_net_free (net);
}

/* Input -> 3x3 convs with dilations 1, 2, 4 ("same" padding, tanh so no
 * gradient is cut): the effective field of an interior pixel fills exactly
 * the theoretical 15x15 square, centred on the pixel. */
static void
check_erf (GrNet *net,
           int    out_y,
           int    out_x,
           int    channel,
           bool   expect_full)
{
  GrShape in = gr_net_input_shape (net);
  GrGeometry *geo = geometry_of (net);
  const GrGeometryRow *last = &geo->rows[geo->n_rows - 1];
  float *x = g_new (float, gr_shape_sample_size (in));
  float *map = g_new (float, (size_t) in.h * in.w);
  double cy = last->start + out_y * last->jump, cx = last->start + out_x * last->jump;
  double half = (last->rf - 1) / 2.0;
  int ymin = in.h, ymax = -1, xmin = in.w, xmax = -1;
  GrRng rng;

  gr_rng_seed (&rng, 4, 4);
  for (size_t i = 0; i < gr_shape_sample_size (in); i++)
    x[i] = gr_rng_normal (&rng);
  g_assert_cmpint (gr_geometry_effective_rf (net, x, out_y, out_x, channel, map), ==, GR_OK);
  for (int y = 0; y < in.h; y++)
    for (int xx = 0; xx < in.w; xx++)
      if (map[y * in.w + xx] != 0.0f)
        {
          g_assert_cmpfloat (fabs (y - cy), <=, half);
          g_assert_cmpfloat (fabs (xx - cx), <=, half);
          ymin = MIN (ymin, y);
          ymax = MAX (ymax, y);
          xmin = MIN (xmin, xx);
          xmax = MAX (xmax, xx);
        }
  g_assert_cmpint (ymax, >=, 0);
  /* Centred on the pixel. */
  g_assert_cmpfloat (cy - ymin, ==, ymax - cy);
  g_assert_cmpfloat (cx - xmin, ==, xmax - cx);
  if (expect_full)
    {
      g_assert_cmpfloat (ymax - ymin + 1, ==, last->rf);
      g_assert_cmpfloat (xmax - xmin + 1, ==, last->rf);
    }
  g_free (x);
  g_free (map);
  g_free (geo);
}

static GrNet *
dilated_tanh_net (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 2, 40, 36 });
  GrLayerSpec head = conv_spec (3, 1, 1, 0, 1);
  GrRng rng;

  for (int d = 1; d <= 4; d *= 2)
    {
      GrLayerSpec c = conv_spec (4, 3, 1, d, d);
      GrLayerSpec act = { .kind = GR_LAYER_ACT, .act = GR_ACT_TANH };

      add_ok (net, &c);
      add_ok (net, &act);
    }
  add_ok (net, &head);
  g_assert_cmpint (gr_net_compile (net, 4), ==, GR_OK);
  gr_rng_seed (&rng, 8, 1);
  gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
  return net;
}

/* The segmentation presets' kind of net: one input channel, 3x3 convs with
 * batch norm and ReLU, dilations 1-2-4, a 1x1 head: the AVX2 3x3 path,
 * eval-mode BN and the input node's gradient all take part. */
static GrNet *
seg_like_net (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 1, 32, 32 });
  GrLayerSpec head = conv_spec (3, 1, 1, 0, 1);
  GrRng rng;

  for (int d = 1; d <= 4; d *= 2)
    {
      GrLayerSpec c = conv_spec (16, 3, 1, d, d);
      GrLayerSpec bn = { .kind = GR_LAYER_BATCHNORM };
      GrLayerSpec act = { .kind = GR_LAYER_ACT, .act = GR_ACT_RELU };

      add_ok (net, &c);
      add_ok (net, &bn);
      add_ok (net, &act);
    }
  add_ok (net, &head);
  g_assert_cmpint (gr_net_compile (net, 4), ==, GR_OK);
  gr_rng_seed (&rng, 8, 2);
  gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
  return net;
}

static void
test_effective_rf_bn_relu (void)
{
  GrNet *net = seg_like_net ();
  GrGeometry *geo = geometry_of (net);

  g_assert_cmpfloat (geo->rows[geo->n_rows - 1].rf, ==, 15.0);
  check_erf (net, 16, 16, 0, false);
  check_erf (net, 10, 20, -1, false);
  g_free (geo);
  gr_net_free (net);
}

static void
test_effective_rf_inside (void)
{
  GrNet *net = dilated_tanh_net ();
  GrGeometry *geo = geometry_of (net);

  g_assert_cmpfloat (geo->rows[geo->n_rows - 1].rf, ==, 15.0);
  check_erf (net, 20, 17, 1, true);
  check_erf (net, 12, 25, -1, true);   /* the argmax class */
  /* Near a border the field is cut by the padding but stays inside. */
  for (int y = 0; y < 40; y += 13)
    {
      GrShape in = gr_net_input_shape (net);
      float *x = g_new0 (float, gr_shape_sample_size (in));
      float *map = g_new (float, 40 * 36);

      for (size_t i = 0; i < gr_shape_sample_size (in); i++)
        x[i] = (float) sin ((double) i);
      g_assert_cmpint (gr_geometry_effective_rf (net, x, y, 2, 0, map), ==, GR_OK);
      for (int yy = 0; yy < 40; yy++)
        for (int xx = 0; xx < 36; xx++)
          if (map[yy * 36 + xx] != 0.0f)
            {
              g_assert_cmpint (abs (yy - y), <=, 7);
              g_assert_cmpint (abs (xx - 2), <=, 7);
            }
      g_free (x);
      g_free (map);
    }
  g_free (geo);
  gr_net_free (net);
}

/* With a stride-2 layer and upsampling back, the theoretical square (from
 * start and jump) still contains the effective field. */
static void
test_effective_rf_strided (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 1, 32, 32 });
  GrLayerSpec c = conv_spec (3, 3, 1, 1, 1);
  GrLayerSpec s2 = conv_spec (3, 3, 2, 1, 1);
  GrLayerSpec act = { .kind = GR_LAYER_ACT, .act = GR_ACT_TANH };
  GrLayerSpec up = { .kind = GR_LAYER_UPSAMPLE, .scale = 2 };
  GrShape in;
  GrGeometry *geo;
  float x[32 * 32], map[32 * 32];
  const GrGeometryRow *last;
  GrRng rng;
  int count = 0;

  add_ok (net, &c);
  add_ok (net, &act);
  add_ok (net, &s2);
  add_ok (net, &act);
  add_ok (net, &c);
  add_ok (net, &up);
  g_assert_cmpint (gr_net_compile (net, 1), ==, GR_OK);
  gr_rng_seed (&rng, 9, 1);
  gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
  for (int i = 0; i < 32 * 32; i++)
    x[i] = gr_rng_normal (&rng);
  in = gr_net_input_shape (net);
  geo = geometry_of (net);
  last = &geo->rows[geo->n_rows - 1];
  g_assert_cmpfloat (last->jump, ==, 1.0);
  g_assert_cmpint (geo->rows[3].out.h, ==, 16);
  for (int oy = 9; oy < 20; oy += 5)
    {
      double cy = last->start + oy * last->jump, cx = last->start + 15 * last->jump;
      double half = (last->rf - 1) / 2.0;

      g_assert_cmpint (gr_geometry_effective_rf (net, x, oy, 15, 0, map), ==, GR_OK);
      for (int y = 0; y < in.h; y++)
        for (int xx = 0; xx < in.w; xx++)
          if (map[y * in.w + xx] != 0.0f)
            {
              g_assert_cmpfloat (fabs (y - cy), <=, half);
              g_assert_cmpfloat (fabs (xx - cx), <=, half);
              count++;
            }
    }
  g_assert_cmpint (count, >, 0);
  g_free (geo);
  gr_net_free (net);
}

static void
test_effective_rf_errors (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 1, 8, 8 });
  GrLayerSpec c = conv_spec (2, 3, 1, 1, 1);
  float x[64] = { 0 }, map[64];

  add_ok (net, &c);
  g_assert_cmpint (gr_geometry_effective_rf (net, x, 0, 0, 0, map), ==, GR_ERR_STATE);
  g_assert_cmpint (gr_net_compile (net, 2), ==, GR_OK);
  g_assert_cmpint (gr_geometry_effective_rf (net, x, 8, 0, 0, map), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_geometry_effective_rf (net, x, 0, -1, 0, map), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_geometry_effective_rf (net, x, 0, 0, 2, map), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_geometry_effective_rf (net, NULL, 0, 0, 0, map), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_geometry_compute (NULL, NULL), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_geometry_effective_rf (net, x, 3, 3, 1, map), ==, GR_OK);
  gr_net_free (net);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/geometry/rf/two-3x3-vs-5x5", test_two_3x3_vs_5x5);
  g_test_add_func ("/engine/geometry/erf/bn-relu", test_effective_rf_bn_relu);
  g_test_add_func ("/engine/geometry/rf/dilated-1-2-4", test_dilated_1_2_4);
  g_test_add_func ("/engine/geometry/rf/stride-doubles-growth", test_stride_doubles_growth);
  g_test_add_func ("/engine/geometry/output-shapes", test_output_shapes);
  g_test_add_func ("/engine/geometry/pool-upsample-concat-table", test_pool_upsample_concat);
  g_test_add_func ("/engine/geometry/erf/inside", test_effective_rf_inside);
  g_test_add_func ("/engine/geometry/erf/strided", test_effective_rf_strided);
  g_test_add_func ("/engine/geometry/erf/errors", test_effective_rf_errors);

  return g_test_run ();
}
