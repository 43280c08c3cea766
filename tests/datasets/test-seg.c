/* Tests of the synthetic segmentation set (datasets/grd-seg.c) and the
 * flip/shift augmentation (datasets/grd-augment.c). */
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grd-datasets.h"

static GrDataset *
make_seg (float    rare_share,
          uint64_t seed,
          int      channels,
          int      n_classes)
{
  GrdSegParams p;
  char err[256] = "";
  GrDataset *ds;

  grd_seg_params_init (&p);
  p.rare_share = rare_share;
  p.seed = seed;
  p.channels = channels;
  p.n_classes = n_classes;
  ds = grd_seg_new (&p, err, sizeof err);
  g_assert_cmpstr (err, ==, "");
  g_assert_nonnull (ds);
  return ds;
}

static void
test_seg_deterministic (void)
{
  GrDataset *a = make_seg (0.042f, 3, 1, 4);
  GrDataset *b = make_seg (0.042f, 3, 1, 4);
  GrDataset *c = make_seg (0.042f, 4, 1, 4);
  size_t nx = (size_t) a->n * 64 * 64;

  g_assert_cmpmem (a->x, nx * 4, b->x, nx * 4);
  g_assert_cmpmem (a->labels, nx * 4, b->labels, nx * 4);
  g_assert_true (memcmp (a->x, c->x, nx * 4) != 0);
  g_assert_true (memcmp (a->labels, c->labels, nx * 4) != 0);
  gr_dataset_free (a);
  gr_dataset_free (b);
  gr_dataset_free (c);
}

static void
test_seg_layout (void)
{
  GrDataset *ds = make_seg (0.042f, 1, 3, 3);
  size_t plane = 64 * 64;

  g_assert_cmpstr (ds->name, ==, "shapes");
  g_assert_cmpint (ds->n, ==, 200);
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpint (ds->sample.c, ==, 3);
  g_assert_cmpint (ds->sample.h, ==, 64);
  g_assert_cmpint (ds->sample.w, ==, 64);
  g_assert_cmpint (ds->target_shape.c, ==, 1);
  g_assert_cmpint (ds->target_shape.h, ==, 64);
  g_assert_cmpint (ds->target_shape.w, ==, 64);
  g_assert_cmpint (ds->ignore_label, <, 0);
  g_assert_cmpstr (ds->class_names[0], ==, "background");
  g_assert_cmpstr (ds->class_names[1], ==, "disk");
  g_assert_cmpstr (ds->class_names[2], ==, "square");
  g_assert_cmpstr (ds->class_names[3], ==, "");
  for (size_t i = 0; i < (size_t) ds->n * plane; i++)
    {
      g_assert_cmpint (ds->labels[i], >=, 0);
      g_assert_cmpint (ds->labels[i], <, 3);
    }
  for (size_t i = 0; i < (size_t) ds->n * 3 * plane; i++)
    g_assert_true (ds->x[i] >= 0.0f && ds->x[i] <= 1.0f);
  gr_dataset_free (ds);

  /* The masks do not depend on the channels. */
  {
    GrDataset *grey = make_seg (0.042f, 1, 1, 3);
    GrDataset *rgb = make_seg (0.042f, 1, 3, 3);

    g_assert_cmpmem (grey->labels, 200 * plane * 4, rgb->labels,
                     200 * plane * 4);
    gr_dataset_free (grey);
    gr_dataset_free (rgb);
  }

  /* Other sizes. */
  {
    GrdSegParams p;
    char err[256] = "";

    grd_seg_params_init (&p);
    p.n = 10;
    p.height = 48;
    p.width = 96;
    ds = grd_seg_new (&p, err, sizeof err);
    g_assert_nonnull (ds);
    g_assert_cmpint (ds->sample.h, ==, 48);
    g_assert_cmpint (ds->sample.w, ==, 96);
    gr_dataset_free (ds);

    p.rare_share = 0.001f;
    g_assert_null (grd_seg_new (&p, err, sizeof err));
    g_assert_cmpstr (err, ==, "shapes: rare share 0.001 is outside 0.005..0.5");
    p.rare_share = 0.05f;
    p.channels = 2;
    g_assert_null (grd_seg_new (&p, err, sizeof err));
  }
}

/* Measured pixel shares against rare_share; printed for the record. */
static void
test_seg_shares (gconstpointer data)
{
  float rare = *(const float *) data;
  GrDataset *ds = make_seg (rare, 1, 1, 4);
  float freq[4];
  int empty = 0;

  gr_dataset_class_freq (ds, freq);
  g_test_message ("rare_share %.3f: background %.4f disk %.4f square %.4f "
                  "bar %.4f (objects %.4f)", rare, freq[0], freq[1], freq[2],
                  freq[3], freq[1] + freq[2] + freq[3]);
  /* Total within 3 % (relative), each class within 10 % of its third. */
  g_assert_cmpfloat_with_epsilon (1.0f - freq[0], rare, 0.03 * rare);
  for (int c = 1; c < 4; c++)
    g_assert_cmpfloat_with_epsilon (freq[c], rare / 3.0f, 0.1 * rare / 3.0f);

  for (int i = 0; i < ds->n; i++)
    {
      bool any = false;

      for (int p = 0; p < 64 * 64 && !any; p++)
        any = ds->labels[(size_t) i * 4096 + p] != 0;
      empty += !any;
    }
  g_test_message ("rare_share %.3f: %d of %d images without objects", rare,
                  empty, ds->n);
  gr_dataset_free (ds);
}

static int
cmp_float (const void *a,
           const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

/* Not trivial: no class is told apart by intensity alone. A large share
 * of each object class's pixels lies inside the background's central
 * 90 % intensity range; the class means still differ (learnable). */
static void
test_seg_overlap (void)
{
  GrDataset *ds = make_seg (0.042f, 2, 1, 4);
  size_t total = (size_t) ds->n * 4096, nbg = 0;
  float *bg = g_new (float, total);
  double sum[4] = { 0 };
  int64_t cnt[4] = { 0 }, inside[4] = { 0 };
  float lo, hi;

  for (size_t i = 0; i < total; i++)
    {
      int l = ds->labels[i];

      sum[l] += ds->x[i];
      cnt[l]++;
      if (l == 0)
        bg[nbg++] = ds->x[i];
    }
  qsort (bg, nbg, sizeof *bg, cmp_float);
  lo = bg[nbg / 20];
  hi = bg[nbg - nbg / 20 - 1];
  for (size_t i = 0; i < total; i++)
    if (ds->x[i] >= lo && ds->x[i] <= hi)
      inside[ds->labels[i]]++;

  g_test_message ("background 5..95 %% range %.3f..%.3f", lo, hi);
  for (int c = 0; c < 4; c++)
    {
      double mean = sum[c] / (double) cnt[c];
      double in = (double) inside[c] / (double) cnt[c];

      g_test_message ("class %d (%s): mean %.3f, %.0f %% inside the "
                      "background range", c, ds->class_names[c], mean,
                      100.0 * in);
      if (c > 0)
        {
          g_assert_cmpfloat (in, >, 0.5);
          g_assert_cmpfloat (fabs (mean - sum[0] / (double) cnt[0]), <, 0.2);
        }
    }
  /* Disks are brighter and squares darker than the background on
   * average. */
  g_assert_cmpfloat (sum[1] / cnt[1], >, sum[0] / cnt[0] + 0.03);
  g_assert_cmpfloat (sum[2] / cnt[2], <, sum[0] / cnt[0] - 0.03);
  g_free (bg);
  gr_dataset_free (ds);
}

/* Image whose pixel (y, x) holds y * W + x in every channel, labels the
 * same: after augmentation each pixel names its source. */
static GrDataset *
make_coord_set (int n,
                int c,
                int h,
                int w,
                float shift)
{
  GrShape s = { 1, c, h, w };
  GrShape t = { 1, 1, h, w };
  GrDataset *ds = gr_dataset_new ("coords", s, n, 2, t);

  for (int i = 0; i < n; i++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          for (int k = 0; k < c; k++)
            ds->x[(((size_t) i * c + k) * h + y) * w + x] = (float) (y * w + x
                                                                     + 1000 * k);
          ds->labels[((size_t) i * h + y) * w + x] = y * w + x;
        }
  ds->augment_shift = shift;
  return ds;
}

static int
clampi (int v,
        int lo,
        int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* Checks that sample @i was flipped and shifted by one (flip, dx, dy)
 * with edge repetition, identically in all channels and the labels.
 * Returns the flip; stores dx, dy. */
static bool
check_sample (const GrDataset *ds,
              const float     *x,
              const int32_t   *lab,
              int              i,
              int             *dx_out,
              int             *dy_out)
{
  int c = ds->sample.c, h = ds->sample.h, w = ds->sample.w;
  int s = (int) ds->augment_shift;
  const int32_t *li = lab + (size_t) i * h * w;
  int best_flip = -1, best_dx = 0, best_dy = 0;

  /* Find the (flip, dx, dy) that explains the label map. */
  for (int flip = 0; flip < 2 && best_flip < 0; flip++)
    for (int dy = -s; dy <= s && best_flip < 0; dy++)
      for (int dx = -s; dx <= s && best_flip < 0; dx++)
        {
          bool ok = true;

          for (int y = 0; y < h && ok; y++)
            for (int xx = 0; xx < w && ok; xx++)
              {
                int sx = clampi (xx - dx, 0, w - 1);
                int sy = clampi (y - dy, 0, h - 1);

                if (flip)
                  sx = w - 1 - sx;
                ok = li[y * w + xx] == sy * w + sx;
              }
          if (ok)
            {
              best_flip = flip;
              best_dx = dx;
              best_dy = dy;
            }
        }
  g_assert_cmpint (best_flip, >=, 0);
  for (int k = 0; k < c; k++)
    for (int p = 0; p < h * w; p++)
      g_assert_cmpfloat (x[((size_t) i * c + k) * h * w + p], ==,
                         (float) (li[p] + 1000 * k));
  *dx_out = best_dx;
  *dy_out = best_dy;
  return best_flip == 1;
}

static void
run_augment (GrAugmentFunc fn,
             bool          flips_allowed)
{
  GrDataset *ds = make_coord_set (200, 3, 9, 11, 3.0f);
  GrRng rng, rng2;
  float *x2;
  int32_t *l2;
  int flips = 0, moved = 0;
  int hist_dx[7] = { 0 };

  x2 = g_memdup2 (ds->x, (size_t) 200 * 3 * 99 * 4);
  l2 = g_memdup2 (ds->labels, (size_t) 200 * 99 * 4);
  gr_rng_seed (&rng, 77, 1);
  gr_rng_seed (&rng2, 77, 1);
  fn (ds, ds->x, ds->labels, 200, &rng);
  fn (ds, x2, l2, 200, &rng2);
  /* Deterministic by the RNG state. */
  g_assert_cmpmem (ds->x, 200 * 3 * 99 * 4, x2, 200 * 3 * 99 * 4);
  g_assert_cmpmem (ds->labels, 200 * 99 * 4, l2, 200 * 99 * 4);

  for (int i = 0; i < 200; i++)
    {
      int dx, dy;
      bool flip = check_sample (ds, ds->x, ds->labels, i, &dx, &dy);

      flips += flip;
      moved += dx != 0 || dy != 0;
      hist_dx[dx + 3]++;
    }
  if (flips_allowed)
    g_assert_true (flips > 70 && flips < 130);
  else
    g_assert_cmpint (flips, ==, 0);
  g_assert_cmpint (moved, >, 150);
  for (int d = 0; d < 7; d++)
    g_assert_cmpint (hist_dx[d], >, 10);
  g_free (x2);
  g_free (l2);
  gr_dataset_free (ds);
}

static void
test_augment_flip_shift (void)
{
  run_augment (grd_augment_flip_shift, true);
}

static void
test_augment_shift_only (void)
{
  run_augment (grd_augment_shift, false);
}

static void
test_augment_edges (void)
{
  /* Shifts larger than the image clamp; flat vectors are left alone; a
   * NULL label buffer only moves the image. */
  GrDataset *ds = make_coord_set (50, 1, 2, 3, 10.0f);
  GrShape flat = { 1, 6, 1, 1 };
  GrDataset *vec = gr_dataset_new ("v", flat, 4, 2, (GrShape) { 1, 1, 1, 1 });
  GrRng rng;
  float before[24];

  gr_rng_seed (&rng, 1, 1);
  grd_augment_flip_shift (ds, ds->x, ds->labels, 50, &rng);
  for (size_t i = 0; i < 50 * 6; i++)
    {
      g_assert_cmpfloat (ds->x[i], ==, (float) ds->labels[i]);
      g_assert_cmpint (ds->labels[i], >=, 0);
      g_assert_cmpint (ds->labels[i], <, 6);
    }

  for (int i = 0; i < 24; i++)
    vec->x[i] = before[i] = (float) i;
  vec->augment_shift = 2.0f;
  grd_augment_flip_shift (vec, vec->x, vec->labels, 4, &rng);
  g_assert_cmpmem (before, sizeof before, vec->x, sizeof before);
  gr_dataset_free (vec);
  gr_dataset_free (ds);

  ds = make_coord_set (20, 2, 8, 8, 2.0f);
  grd_augment_shift (ds, ds->x, NULL, 20, &rng);
  for (int i = 0; i < 20 * 64; i++)
    g_assert_cmpint (ds->labels[i], ==, i % 64);
  gr_dataset_free (ds);
}

int
main (int   argc,
      char *argv[])
{
  static const float share_042 = 0.042f, share_01 = 0.01f, share_2 = 0.2f;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/datasets/seg/deterministic", test_seg_deterministic);
  g_test_add_func ("/datasets/seg/layout", test_seg_layout);
  g_test_add_data_func ("/datasets/seg/shares/0.042", &share_042,
                        test_seg_shares);
  g_test_add_data_func ("/datasets/seg/shares/0.01", &share_01,
                        test_seg_shares);
  g_test_add_data_func ("/datasets/seg/shares/0.2", &share_2,
                        test_seg_shares);
  g_test_add_func ("/datasets/seg/overlap", test_seg_overlap);
  g_test_add_func ("/datasets/augment/flip-shift", test_augment_flip_shift);
  g_test_add_func ("/datasets/augment/shift-only", test_augment_shift_only);
  g_test_add_func ("/datasets/augment/edges", test_augment_edges);

  return g_test_run ();
}
