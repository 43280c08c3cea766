/* Tests of GrDataset/GrBatcher (engine/train/gr-dataset.c), the toy and
 * regression generators, CSV points, the stratified split and the fault
 * options. */
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "grd-datasets.h"

static GrDataset *
make_labelled (int n,
               int n_classes)
{
  GrShape s = { 1, 3, 1, 1 };
  GrShape t = { 1, 1, 1, 1 };
  GrDataset *ds = gr_dataset_new ("t", s, n, n_classes, t);

  g_assert_nonnull (ds);
  for (int i = 0; i < n; i++)
    {
      for (int k = 0; k < 3; k++)
        ds->x[i * 3 + k] = (float) (i * 10 + k);
      ds->labels[i] = i % n_classes;
    }
  return ds;
}

static void
test_dataset_new (void)
{
  GrShape s = { 7, 2, 3, 4 };
  GrShape t = { 1, 1, 3, 4 };
  GrShape bad = { 1, 0, 1, 1 };
  GrShape t2 = { 1, 2, 1, 1 };
  GrDataset *ds = gr_dataset_new ("a-name", s, 5, 3, t);

  g_assert_nonnull (ds);
  g_assert_cmpstr (ds->name, ==, "a-name");
  g_assert_cmpint (ds->sample.n, ==, 1);
  g_assert_cmpint (ds->n, ==, 5);
  g_assert_nonnull (ds->x);
  g_assert_nonnull (ds->labels);
  g_assert_null (ds->values);
  g_assert_cmpint (ds->ignore_label, <, 0);
  g_assert_null (ds->augment);
  for (int i = 0; i < 5 * 2 * 3 * 4; i++)
    g_assert_cmpfloat (ds->x[i], ==, 0.0f);
  for (int i = 0; i < 5 * 3 * 4; i++)
    g_assert_cmpint (ds->labels[i], ==, 0);
  gr_dataset_free (ds);

  ds = gr_dataset_new ("reg", t2, 4, 0, t2);
  g_assert_nonnull (ds);
  g_assert_null (ds->labels);
  g_assert_nonnull (ds->values);
  gr_dataset_free (ds);

  g_assert_null (gr_dataset_new ("x", bad, 4, 2, t));
  g_assert_null (gr_dataset_new ("x", s, -1, 2, t));
  g_assert_null (gr_dataset_new ("x", s, 4, GR_MAX_CLASSES + 1, t));
  /* Label maps have one channel. */
  g_assert_null (gr_dataset_new ("x", s, 4, 2, t2));
  gr_dataset_free (NULL);
}

static void
test_dataset_subset_gather (void)
{
  GrDataset *ds = make_labelled (10, 3);
  int idx[] = { 7, 2, 2, 9 };
  GrDataset *sub;
  float x[4 * 3];
  int32_t l[4];

  ds->ignore_label = 5;
  strcpy (ds->class_names[1], "one");
  sub = gr_dataset_subset (ds, idx, 4);
  g_assert_nonnull (sub);
  g_assert_cmpint (sub->n, ==, 4);
  g_assert_cmpint (sub->ignore_label, ==, 5);
  g_assert_cmpstr (sub->class_names[1], ==, "one");
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpint (sub->labels[i], ==, idx[i] % 3);
      for (int k = 0; k < 3; k++)
        g_assert_cmpfloat (sub->x[i * 3 + k], ==, (float) (idx[i] * 10 + k));
    }
  gr_dataset_gather (ds, idx, 4, x, l, NULL);
  g_assert_cmpmem (x, sizeof x, sub->x, sizeof x);
  g_assert_cmpmem (l, sizeof l, sub->labels, sizeof l);
  gr_dataset_free (sub);

  idx[0] = 10;
  g_assert_null (gr_dataset_subset (ds, idx, 4));
  gr_dataset_free (ds);
}

static void
test_dataset_split (void)
{
  GrDataset *ds = make_labelled (101, 4);
  GrDataset *tr, *va, *tr2, *va2;
  gboolean seen[101] = { 0 };

  g_assert_true (gr_dataset_split (ds, 0.2f, 42, &tr, &va));
  g_assert_cmpint (va->n, ==, 20);  /* round (20.2) */
  g_assert_cmpint (tr->n, ==, 81);
  /* Every sample lands in exactly one part (x encodes the index). */
  for (int i = 0; i < va->n; i++)
    seen[(int) va->x[i * 3] / 10]++;
  for (int i = 0; i < tr->n; i++)
    seen[(int) tr->x[i * 3] / 10]++;
  for (int i = 0; i < 101; i++)
    g_assert_cmpint (seen[i], ==, 1);

  g_assert_true (gr_dataset_split (ds, 0.2f, 42, &tr2, &va2));
  g_assert_cmpmem (va->x, va->n * 3 * sizeof (float), va2->x,
                   va2->n * 3 * sizeof (float));
  gr_dataset_free (tr2);
  gr_dataset_free (va2);
  g_assert_true (gr_dataset_split (ds, 0.2f, 43, &tr2, &va2));
  g_assert_true (memcmp (va->x, va2->x, va->n * 3 * sizeof (float)) != 0);
  gr_dataset_free (tr2);
  gr_dataset_free (va2);
  gr_dataset_free (tr);
  gr_dataset_free (va);

  g_assert_false (gr_dataset_split (ds, 1.5f, 1, &tr, &va));
  g_assert_null (tr);
  g_assert_null (va);
  g_assert_true (gr_dataset_split (ds, 0.0f, 1, &tr, &va));
  g_assert_cmpint (va->n, ==, 0);
  g_assert_cmpint (tr->n, ==, 101);
  gr_dataset_free (tr);
  gr_dataset_free (va);
  gr_dataset_free (ds);
}

static void
test_dataset_class_freq (void)
{
  GrShape s = { 1, 1, 2, 2 };
  GrShape t = { 1, 1, 2, 2 };
  GrDataset *ds = gr_dataset_new ("m", s, 2, 3, t);
  int32_t labels[8] = { 0, 0, 1, 255, 2, 2, 2, 0 };
  float freq[3];

  memcpy (ds->labels, labels, sizeof labels);
  ds->ignore_label = 255;
  gr_dataset_class_freq (ds, freq);
  g_assert_cmpfloat_with_epsilon (freq[0], 3.0 / 7.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (freq[1], 1.0 / 7.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (freq[2], 3.0 / 7.0, 1e-6);
  gr_dataset_free (ds);
}

/* Every index exactly once per epoch, with batches that do not divide
 * the set, and the epoch flag on the batch holding an epoch's last. */
static void
test_batcher_epochs (void)
{
  GrDataset *ds = make_labelled (23, 2);
  GrBatcher b;
  int idx[5];
  int count[23] = { 0 };
  int handed = 0;
  int64_t epochs_seen = 0;

  g_assert_true (gr_batcher_init (&b, ds, 7));
  for (int step = 0; step < 23 * 4; step++)   /* 460 indices: 20 epochs */
    {
      bool ended = gr_batcher_next (&b, 5, idx);
      int before = handed;

      for (int k = 0; k < 5; k++)
        {
          count[idx[k]]++;
          handed++;
          if (handed % 23 == 0)
            {
              for (int i = 0; i < 23; i++)
                g_assert_cmpint (count[i], ==, 1);
              memset (count, 0, sizeof count);
              epochs_seen++;
            }
        }
      g_assert_cmpint (ended, ==, before / 23 != handed / 23);
      g_assert_cmpint (b.epoch, ==, epochs_seen);
    }
  g_assert_cmpint (b.epoch, ==, 20);
  gr_batcher_clear (&b);
  g_assert_null (b.perm);

  /* A batch larger than the set wraps more than once. */
  g_assert_true (gr_batcher_init (&b, ds, 7));
  {
    int big[50];

    g_assert_true (gr_batcher_next (&b, 50, big));
    g_assert_cmpint (b.epoch, ==, 2);
    g_assert_cmpint (b.pos, ==, 4);
  }
  gr_batcher_clear (&b);
  gr_dataset_free (ds);
}

static void
test_batcher_reshuffle_determinism (void)
{
  GrDataset *ds = make_labelled (64, 2);
  GrBatcher a, b, c;
  int ea[3][64], eb[3][64], ec[64];

  g_assert_true (gr_batcher_init (&a, ds, 99));
  g_assert_true (gr_batcher_init (&b, ds, 99));
  g_assert_true (gr_batcher_init (&c, ds, 100));
  for (int e = 0; e < 3; e++)
    {
      g_assert_true (gr_batcher_next (&a, 64, ea[e]));
      g_assert_true (gr_batcher_next (&b, 64, eb[e]));
    }
  g_assert_true (gr_batcher_next (&c, 64, ec));
  g_assert_cmpmem (ea, sizeof ea, eb, sizeof eb);
  g_assert_true (memcmp (ea[0], ec, sizeof ec) != 0);
  /* Epochs reshuffle: the orders differ, and none is the identity. */
  g_assert_true (memcmp (ea[0], ea[1], sizeof ea[0]) != 0);
  g_assert_true (memcmp (ea[1], ea[2], sizeof ea[0]) != 0);
  {
    int fixed = 0;

    for (int i = 0; i < 64; i++)
      fixed += ea[0][i] == i;
    g_assert_cmpint (fixed, <, 10);
  }
  gr_batcher_clear (&a);
  gr_batcher_clear (&b);
  gr_batcher_clear (&c);
  gr_dataset_free (ds);
}

/* A batcher rebuilt from its plain fields continues identically. */
static void
test_batcher_restore (void)
{
  GrDataset *ds = make_labelled (37, 2);
  GrBatcher a, r;
  int ia[8], ir[8];

  g_assert_true (gr_batcher_init (&a, ds, 5));
  for (int i = 0; i < 11; i++)
    gr_batcher_next (&a, 8, ia);
  g_assert_true (gr_batcher_restore (&r, ds, a.rng, a.pos, a.epoch));
  for (int i = 0; i < 20; i++)
    {
      bool ea = gr_batcher_next (&a, 8, ia);
      bool er = gr_batcher_next (&r, 8, ir);

      g_assert_cmpint (ea, ==, er);
      g_assert_cmpmem (ia, sizeof ia, ir, sizeof ir);
    }
  gr_batcher_clear (&r);
  g_assert_false (gr_batcher_restore (&r, ds, a.rng, 37, 0));
  g_assert_null (r.perm);
  gr_batcher_clear (&a);
  gr_batcher_clear (&r);
  gr_dataset_free (ds);
}

static GrDataset *
make_toy (GrdToyKind kind,
          int        n,
          float      noise,
          uint64_t   seed,
          unsigned   features)
{
  GrdToyParams p = { n, noise, seed, features };
  char err[256] = "";
  GrDataset *ds = grd_toy_new (kind, &p, err, sizeof err);

  g_assert_cmpstr (err, ==, "");
  g_assert_nonnull (ds);
  return ds;
}

static void
test_toy_deterministic (gconstpointer data)
{
  GrdToyKind kind = GPOINTER_TO_INT (data);
  GrDataset *a = make_toy (kind, 300, 0.3f, 11, 0);
  GrDataset *b = make_toy (kind, 300, 0.3f, 11, 0);
  GrDataset *c = make_toy (kind, 300, 0.3f, 12, 0);

  g_assert_cmpstr (a->name, ==, grd_toy_kind_name (kind));
  g_assert_cmpmem (a->x, 600 * sizeof (float), b->x, 600 * sizeof (float));
  g_assert_cmpmem (a->labels, 300 * sizeof (int32_t), b->labels,
                   300 * sizeof (int32_t));
  g_assert_true (memcmp (a->x, c->x, 600 * sizeof (float)) != 0);
  gr_dataset_free (a);
  gr_dataset_free (b);
  gr_dataset_free (c);
}

/* Exact class balance, unit scale, shape, and each set's geometry. */
static void
test_toy_shape (gconstpointer data)
{
  GrdToyKind kind = GPOINTER_TO_INT (data);
  GrDataset *ds = make_toy (kind, 401, 0.0f, 3, 0);
  int count[2] = { 0 };
  double mean[2][2] = { { 0 } };

  g_assert_cmpint (ds->n, ==, 401);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpint (ds->sample.c, ==, 2);
  g_assert_cmpint (ds->sample.h, ==, 1);
  g_assert_cmpint (ds->sample.w, ==, 1);
  g_assert_cmpint (ds->target_shape.h * ds->target_shape.w, ==, 1);
  for (int i = 0; i < ds->n; i++)
    {
      float x = ds->x[2 * i], y = ds->x[2 * i + 1];
      float r = sqrtf (x * x + y * y);
      int l = ds->labels[i];

      g_assert_cmpint (l, ==, i % 2);
      count[l]++;
      mean[l][0] += x;
      mean[l][1] += y;
      switch (kind)
        {
        case GRD_TOY_SPIRAL:
          g_assert_cmpfloat (r, <=, 5.0f / 6.0f + 1e-5f);
          break;
        case GRD_TOY_CIRCLES:
          if (l == 0)
            g_assert_cmpfloat (r, <=, 0.5f + 1e-5f);
          else
            g_assert_true (r >= 0.7f - 1e-5f && r <= 1.0f + 1e-5f);
          break;
        case GRD_TOY_XOR:
          g_assert_cmpint (x * y > 0.0f, ==, l == 0);
          g_assert_true (fabsf (x) >= 0.05f - 1e-6f && fabsf (x) <= 1.0f);
          g_assert_true (fabsf (y) >= 0.05f - 1e-6f && fabsf (y) <= 1.0f);
          break;
        case GRD_TOY_GAUSS:
          g_assert_cmpfloat (fabsf (x), <, 1.5f);
          break;
        case GRD_TOY_N_KINDS:
        default:
          g_assert_not_reached ();
        }
    }
  g_assert_cmpint (count[0], ==, 201);
  g_assert_cmpint (count[1], ==, 200);
  if (kind == GRD_TOY_GAUSS)
    {
      g_assert_cmpfloat_with_epsilon (mean[0][0] / count[0], 0.35, 0.03);
      g_assert_cmpfloat_with_epsilon (mean[1][1] / count[1], -0.35, 0.03);
    }
  gr_dataset_free (ds);
}

static void
test_toy_noise (void)
{
  /* Noise moves points, never labels, and grows with the knob. */
  GrDataset *clean = make_toy (GRD_TOY_SPIRAL, 200, 0.0f, 9, 0);
  GrDataset *noisy = make_toy (GRD_TOY_SPIRAL, 200, 1.0f, 9, 0);
  double d = 0.0;

  g_assert_cmpmem (clean->labels, 200 * 4, noisy->labels, 200 * 4);
  for (int i = 0; i < 400; i++)
    d += fabs (clean->x[i] - noisy->x[i]);
  d /= 400;
  g_assert_cmpfloat (d, >, 0.03);
  g_assert_cmpfloat (d, <, 0.1);
  gr_dataset_free (clean);
  gr_dataset_free (noisy);
}

static void
test_toy_bad_params (void)
{
  GrdToyParams p = { 0, 0.1f, 1, 0 };
  char err[128] = "";

  g_assert_null (grd_toy_spiral (&p, err, sizeof err));
  g_assert_cmpstr (err, ==, "spiral: the number of samples must be > 0");
  p.n = 10;
  p.noise = 2.0f;
  g_assert_null (grd_toy_circles (&p, err, sizeof err));
  g_assert_nonnull (strstr (err, "noise"));
  g_assert_null (grd_toy_new (GRD_TOY_N_KINDS, &p, err, sizeof err));
  g_assert_cmpint (grd_toy_kind_from_name ("xor"), ==, GRD_TOY_XOR);
  g_assert_cmpint (grd_toy_kind_from_name ("moons"), ==, -1);
}

static void
test_toy_features (void)
{
  float x1[] = { 0.5f, -0.25f }, x2[] = { -1.0f, 0.75f };
  float out[2 * 7];
  unsigned all = GRD_FEAT_ALL;
  GrDataset *base, *rich;
  float *p1, *p2;

  g_assert_cmpint (grd_toy_features_count (0), ==, 2);
  g_assert_cmpint (grd_toy_features_count (GRD_FEAT_ALL), ==, 7);
  g_assert_cmpint (grd_toy_features_count (GRD_FEAT_X1_SQ | GRD_FEAT_SIN_X2),
                   ==, 2);
  g_assert_cmpstr (grd_toy_feature_name (GRD_FEAT_X1_X2), ==, "x1·x2");
  g_assert_null (grd_toy_feature_name (3));

  grd_toy_features_map (all, x1, x2, 2, out);
  g_assert_cmpfloat (out[0], ==, 0.5f);
  g_assert_cmpfloat (out[1], ==, -1.0f);
  g_assert_cmpfloat (out[2], ==, 0.25f);
  g_assert_cmpfloat (out[3], ==, 1.0f);
  g_assert_cmpfloat (out[4], ==, -0.5f);
  g_assert_cmpfloat_with_epsilon (out[5], 1.0, 1e-6);            /* sin (π/2) */
  g_assert_cmpfloat_with_epsilon (out[6], 0.0, 1e-6);            /* sin (-π) */
  g_assert_cmpfloat_with_epsilon (out[7 + 6], sin (G_PI * 0.75), 1e-6);

  /* Only the chosen features, in bit order. */
  grd_toy_features_map (GRD_FEAT_X2_SQ | GRD_FEAT_X1, x1, x2, 2, out);
  g_assert_cmpfloat (out[0], ==, 0.5f);
  g_assert_cmpfloat (out[1], ==, 1.0f);

  /* A set built with features holds the same points. */
  base = make_toy (GRD_TOY_CIRCLES, 50, 0.2f, 4, 0);
  rich = make_toy (GRD_TOY_CIRCLES, 50, 0.2f, 4, all);
  g_assert_cmpint (rich->sample.c, ==, 7);
  p1 = g_new (float, 50);
  p2 = g_new (float, 50);
  g_assert_true (grd_toy_points (rich, all, p1, p2));
  for (int i = 0; i < 50; i++)
    {
      g_assert_cmpfloat (p1[i], ==, base->x[2 * i]);
      g_assert_cmpfloat (p2[i], ==, base->x[2 * i + 1]);
      g_assert_cmpfloat (rich->x[7 * i + 4], ==, p1[i] * p2[i]);
    }
  g_assert_false (grd_toy_points (rich, GRD_FEAT_X1 | GRD_FEAT_X1_SQ, p1, p2));
  g_free (p1);
  g_free (p2);
  gr_dataset_free (base);
  gr_dataset_free (rich);
}

static void
test_toy_points (void)
{
  float x1[] = { 0.1f, 0.2f, 0.3f }, x2[] = { -0.1f, -0.2f, -0.3f };
  int32_t l[] = { 0, 2, 1 };
  char err[128] = "";
  GrDataset *ds = grd_toy_from_points (x1, x2, l, 3, 0, 0, err, sizeof err);

  g_assert_nonnull (ds);
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpfloat (ds->x[2], ==, 0.2f);
  g_assert_cmpint (ds->labels[1], ==, 2);
  gr_dataset_free (ds);

  g_assert_null (grd_toy_from_points (x1, x2, l, 3, 2, 0, err, sizeof err));
  g_assert_cmpstr (err, ==, "points: point 1 has label 2, outside 0..1");
  x1[2] = NAN;
  g_assert_null (grd_toy_from_points (x1, x2, l, 3, 0, 0, err, sizeof err));
  g_assert_cmpstr (err, ==, "points: point 2 has a non-finite coordinate");
}

static void
test_toy_csv_good (void)
{
  const char *csv = "x1, x2, label\r\n"
                    "\n"
                    "# a comment\n"
                    "0.5,-0.25,1\r\n"
                    "  -1e-1 , 2 , 0\n"
                    "3,4,1";
  char err[128] = "";
  GrDataset *ds = grd_toy_parse_csv (csv, strlen (csv), "p.csv", 2,
                                     GRD_FEAT_X1 | GRD_FEAT_X2 | GRD_FEAT_X1_X2,
                                     err, sizeof err);

  g_assert_cmpstr (err, ==, "");
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->n, ==, 3);
  g_assert_cmpint (ds->sample.c, ==, 3);
  g_assert_cmpfloat (ds->x[0], ==, 0.5f);
  g_assert_cmpfloat (ds->x[1], ==, -0.25f);
  g_assert_cmpfloat (ds->x[2], ==, -0.125f);
  g_assert_cmpfloat (ds->x[3], ==, -0.1f);
  g_assert_cmpint (ds->labels[0], ==, 1);
  g_assert_cmpint (ds->labels[1], ==, 0);
  g_assert_cmpint (ds->labels[2], ==, 1);
  gr_dataset_free (ds);

  /* No header, classes inferred. */
  ds = grd_toy_parse_csv ("1,2,3\n4,5,0\n", 12, "q.csv", 0, 0, err,
                          sizeof err);
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->n, ==, 2);
  g_assert_cmpint (ds->n_classes, ==, 4);
  gr_dataset_free (ds);
}

static void
assert_csv_error (const char *csv,
                  const char *expected)
{
  char err[160] = "";

  g_assert_null (grd_toy_parse_csv (csv, strlen (csv), "points.csv", 2, 0,
                                    err, sizeof err));
  g_assert_cmpstr (err, ==, expected);
}

static void
test_toy_csv_errors (void)
{
  GString *s = g_string_new ("x1,x2,label\n");
  char err[256] = "";
  char *path;

  for (int i = 2; i < 14; i++)
    g_string_append_printf (s, "0.%d,0.5,%d\n", i, i % 2);
  g_string_append (s, "0.1,0.2,abc\n");
  assert_csv_error (s->str,
                    "points.csv:14: field 3 'abc' is not a class label (0..1)");
  g_string_free (s, TRUE);

  assert_csv_error ("1,2\n", "points.csv:1: expected 3 fields (x1,x2,label), "
                    "found 2");
  assert_csv_error ("1,2,0\n1,2,0,4\n", "points.csv:2: expected 3 fields "
                    "(x1,x2,label), found 4");
  assert_csv_error ("x,y,l\nfoo,2,0\n",
                    "points.csv:2: field 1 'foo' is not a number");
  assert_csv_error ("1,nan,0\n", "points.csv:1: field 2 'nan' is not a number");
  assert_csv_error ("1,2,2\n",
                    "points.csv:1: field 3 '2' is not a class label (0..1)");
  assert_csv_error ("1,2,0.5\n",
                    "points.csv:1: field 3 '0.5' is not a class label (0..1)");
  assert_csv_error ("x1,x2,label\n\n", "points.csv: no points");

  path = g_build_filename (g_get_tmp_dir (), "gradlab-no-such-file.csv",
                           NULL);
  g_assert_null (grd_toy_load_csv (path, 2, 0, err, sizeof err));
  g_assert_true (g_str_has_prefix (err, path));
  g_assert_nonnull (strstr (err, "No such file"));
  g_free (path);
}

static void
test_toy_csv_file_and_locale (void)
{
  char *dir = g_dir_make_tmp ("gradlab-csv-XXXXXX", NULL);
  char *path = g_build_filename (dir, "points.csv", NULL);
  char err[256] = "";
  GrDataset *ds;
  const char *old = setlocale (LC_NUMERIC, NULL);
  char *saved = g_strdup (old);

  g_assert_true (g_file_set_contents (path, "x1,x2,label\n0.5,1.25,1\n", -1,
                                      NULL));
  /* A decimal-comma locale, as a GTK app would set, must not matter. */
  if (setlocale (LC_NUMERIC, "de_DE.UTF-8") == NULL)
    g_test_message ("de_DE.UTF-8 is not installed; checking the C locale");
  ds = grd_toy_load_csv (path, 2, 0, err, sizeof err);
  setlocale (LC_NUMERIC, saved);
  g_assert_cmpstr (err, ==, "");
  g_assert_nonnull (ds);
  g_assert_cmpfloat (ds->x[0], ==, 0.5f);
  g_assert_cmpfloat (ds->x[1], ==, 1.25f);
  gr_dataset_free (ds);
  g_remove (path);
  g_rmdir (dir);
  g_free (saved);
  g_free (path);
  g_free (dir);
}

static void
test_regress (void)
{
  GrdRegressParams p = { 500, 0.5f, 21 };
  char err[128] = "";
  GrDataset *a = grd_regress_new (&p, err, sizeof err);
  GrDataset *b = grd_regress_new (&p, err, sizeof err);
  double sq = 0.0;

  g_assert_nonnull (a);
  g_assert_cmpint (a->n_classes, ==, 0);
  g_assert_null (a->labels);
  g_assert_nonnull (a->values);
  g_assert_cmpint (a->sample.c * a->sample.h * a->sample.w, ==, 1);
  g_assert_cmpint (a->target_shape.c * a->target_shape.h * a->target_shape.w,
                   ==, 1);
  g_assert_cmpmem (a->x, 500 * 4, b->x, 500 * 4);
  g_assert_cmpmem (a->values, 500 * 4, b->values, 500 * 4);
  for (int i = 0; i < 500; i++)
    {
      double d = a->values[i] - grd_regress_truth (a->x[i]);

      g_assert_true (a->x[i] >= -2.0f && a->x[i] <= 2.0f);
      sq += d * d;
    }
  /* Noise σ = 0.3 · 0.5. */
  g_assert_cmpfloat_with_epsilon (sqrt (sq / 500), 0.15, 0.02);
  gr_dataset_free (a);
  gr_dataset_free (b);

  p.noise = 0.0f;
  a = grd_regress_new (&p, err, sizeof err);
  for (int i = 0; i < 500; i++)
    g_assert_cmpfloat (a->values[i], ==, grd_regress_truth (a->x[i]));
  gr_dataset_free (a);
  g_assert_cmpfloat_with_epsilon (grd_regress_truth (1.0f),
                                  sin (3.0) + 0.3, 1e-6);
}

static void
hist (const GrDataset *ds,
      int             *count)
{
  memset (count, 0, sizeof (int) * ds->n_classes);
  for (int i = 0; i < ds->n; i++)
    count[ds->labels[i]]++;
}

static void
test_fault_shuffle (void)
{
  GrDataset *ds = make_labelled (1000, 10);
  GrDataset *orig = make_labelled (1000, 10);
  int before[10], after[10];
  int changed, differ = 0;

  hist (ds, before);
  changed = grd_fault_shuffle_labels (ds, 0.3f, 5);
  hist (ds, after);
  for (int i = 0; i < 1000; i++)
    differ += ds->labels[i] != orig->labels[i];
  g_assert_cmpint (changed, ==, differ);
  /* 300 picked; with ten classes every one can change. */
  g_assert_cmpint (changed, ==, 300);
  g_assert_cmpmem (before, sizeof before, after, sizeof after);
  g_assert_cmpmem (ds->x, 3000 * 4, orig->x, 3000 * 4);

  /* Deterministic by seed. */
  {
    GrDataset *again = make_labelled (1000, 10);

    grd_fault_shuffle_labels (again, 0.3f, 5);
    g_assert_cmpmem (again->labels, 4000, ds->labels, 4000);
    gr_dataset_free (again);
  }
  gr_dataset_free (ds);

  /* Two balanced classes: the pick is balanced, so all 250 change. */
  ds = make_labelled (500, 2);
  changed = grd_fault_shuffle_labels (ds, 0.5f, 8);
  g_assert_cmpint (changed, ==, 250);
  hist (ds, after);
  g_assert_cmpint (after[0], ==, 250);

  g_assert_cmpint (grd_fault_shuffle_labels (ds, 0.0f, 1), ==, 0);
  g_assert_cmpint (grd_fault_shuffle_labels (ds, -0.1f, 1), ==, -1);
  g_assert_cmpint (grd_fault_shuffle_labels (ds, 1.1f, 1), ==, -1);
  gr_dataset_free (ds);

  /* A toy set: changed / n ≈ share (here exactly, rounded). */
  ds = make_toy (GRD_TOY_XOR, 800, 0.1f, 1, 0);
  changed = grd_fault_shuffle_labels (ds, 0.17f, 3);
  g_assert_cmpint (changed, ==, 136);
  gr_dataset_free (ds);

  /* A dominant class caps it: 90 % class 0, share 0.5 of 100 = 50
   * picked, at most 10 of class 1, so at most 20 can change. */
  ds = make_labelled (100, 2);
  for (int i = 0; i < 100; i++)
    ds->labels[i] = i < 90 ? 0 : 1;
  changed = grd_fault_shuffle_labels (ds, 0.5f, 3);
  g_assert_cmpint (changed, ==, 20);
  hist (ds, after);
  g_assert_cmpint (after[1], ==, 10);
  gr_dataset_free (ds);

  /* Regression values: every picked value moves. */
  {
    GrdRegressParams rp = { 200, 0.2f, 2 };
    GrDataset *reg = grd_regress_new (&rp, NULL, 0);

    g_assert_cmpint (grd_fault_shuffle_labels (reg, 0.25f, 1), ==, 50);
    gr_dataset_free (reg);
  }
  gr_dataset_free (orig);
}

static void
test_fault_misalign (void)
{
  GrDataset *ds = make_labelled (50, 7);
  GrDataset *orig = make_labelled (50, 7);
  GrdRegressParams rp = { 20, 0.1f, 1 };
  GrDataset *reg, *reg0;

  g_assert_true (grd_fault_misalign (ds, 3));
  for (int i = 0; i < 50; i++)
    g_assert_cmpint (ds->labels[i], ==, orig->labels[(i + 3) % 50]);
  g_assert_cmpmem (ds->x, 150 * 4, orig->x, 150 * 4);
  g_assert_true (grd_fault_misalign (ds, -3));
  g_assert_cmpmem (ds->labels, 200, orig->labels, 200);
  g_assert_true (grd_fault_misalign (ds, -53));
  for (int i = 0; i < 50; i++)
    g_assert_cmpint (ds->labels[i], ==, orig->labels[(i + 47) % 50]);
  gr_dataset_free (ds);

  ds = make_labelled (50, 7);
  g_assert_true (grd_fault_misalign (ds, 100));
  g_assert_cmpmem (ds->labels, 200, orig->labels, 200);
  gr_dataset_free (ds);
  gr_dataset_free (orig);

  /* Regression values rotate too. */
  reg = grd_regress_new (&rp, NULL, 0);
  reg0 = grd_regress_new (&rp, NULL, 0);
  g_assert_true (grd_fault_misalign (reg, 1));
  for (int i = 0; i < 20; i++)
    g_assert_cmpfloat (reg->values[i], ==, reg0->values[(i + 1) % 20]);
  gr_dataset_free (reg);
  gr_dataset_free (reg0);
}

static void
test_fault_scale (void)
{
  GrDataset *ds = make_labelled (4, 2);

  grd_fault_scale_inputs (ds, 100.0f, -3.0f);
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 3; k++)
      g_assert_cmpfloat (ds->x[i * 3 + k], ==, (float) (i * 10 + k) * 100.0f
                                               - 3.0f);
  gr_dataset_free (ds);
}

static void
test_split_stratified (void)
{
  GrDataset *ds = make_toy (GRD_TOY_GAUSS, 99, 0.1f, 1, 0);  /* 50 + 49 */
  int tidx[99], vidx[99];
  int tidx2[99], vidx2[99];
  int vc[2] = { 0 };
  GrDataset *tr, *va;
  char err[128] = "";

  g_assert_true (grd_split_stratified_indices (ds, 20, 7, tidx, vidx, err,
                                               sizeof err));
  for (int i = 0; i < 20; i++)
    {
      vc[ds->labels[vidx[i]]]++;
      if (i > 0)
        g_assert_cmpint (vidx[i], >, vidx[i - 1]);
    }
  /* 20·50/99 = 10.1 → 10; 20·49/99 = 9.9 → 9 + 1 by remainder. */
  g_assert_cmpint (vc[0], ==, 10);
  g_assert_cmpint (vc[1], ==, 10);
  for (int i = 1; i < 79; i++)
    g_assert_cmpint (tidx[i], >, tidx[i - 1]);
  g_assert_true (grd_split_stratified_indices (ds, 20, 7, tidx2, vidx2, NULL,
                                               0));
  g_assert_cmpmem (vidx, 80, vidx2, 80);
  g_assert_true (grd_split_stratified_indices (ds, 20, 8, tidx2, vidx2, NULL,
                                               0));
  g_assert_true (memcmp (vidx, vidx2, 80) != 0);

  g_assert_true (grd_split_stratified (ds, 20, 7, &tr, &va, err, sizeof err));
  g_assert_cmpint (tr->n, ==, 79);
  g_assert_cmpint (va->n, ==, 20);
  g_assert_cmpfloat (va->x[0], ==, ds->x[2 * vidx[0]]);
  gr_dataset_free (tr);
  gr_dataset_free (va);

  g_assert_false (grd_split_stratified (ds, 100, 7, &tr, &va, err,
                                        sizeof err));
  g_assert_null (tr);
  g_assert_cmpstr (err, ==, "gauss: validation size 100 is outside 0..99");
  gr_dataset_free (ds);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/datasets/dataset/new", test_dataset_new);
  g_test_add_func ("/datasets/dataset/subset-gather",
                   test_dataset_subset_gather);
  g_test_add_func ("/datasets/dataset/split", test_dataset_split);
  g_test_add_func ("/datasets/dataset/class-freq", test_dataset_class_freq);
  g_test_add_func ("/datasets/batcher/epochs", test_batcher_epochs);
  g_test_add_func ("/datasets/batcher/reshuffle-determinism",
                   test_batcher_reshuffle_determinism);
  g_test_add_func ("/datasets/batcher/restore", test_batcher_restore);
  for (int k = 0; k < GRD_TOY_N_KINDS; k++)
    {
      char *p1 = g_strdup_printf ("/datasets/toy/%s/deterministic",
                                  grd_toy_kind_name (k));
      char *p2 = g_strdup_printf ("/datasets/toy/%s/shape-balance",
                                  grd_toy_kind_name (k));

      g_test_add_data_func (p1, GINT_TO_POINTER (k), test_toy_deterministic);
      g_test_add_data_func (p2, GINT_TO_POINTER (k), test_toy_shape);
      g_free (p1);
      g_free (p2);
    }
  g_test_add_func ("/datasets/toy/noise", test_toy_noise);
  g_test_add_func ("/datasets/toy/bad-params", test_toy_bad_params);
  g_test_add_func ("/datasets/toy/features", test_toy_features);
  g_test_add_func ("/datasets/toy/points", test_toy_points);
  g_test_add_func ("/datasets/toy/csv/good", test_toy_csv_good);
  g_test_add_func ("/datasets/toy/csv/errors", test_toy_csv_errors);
  g_test_add_func ("/datasets/toy/csv/file-locale",
                   test_toy_csv_file_and_locale);
  g_test_add_func ("/datasets/regress", test_regress);
  g_test_add_func ("/datasets/fault/shuffle-labels", test_fault_shuffle);
  g_test_add_func ("/datasets/fault/misalign", test_fault_misalign);
  g_test_add_func ("/datasets/fault/scale-inputs", test_fault_scale);
  g_test_add_func ("/datasets/split/stratified", test_split_stratified);

  return g_test_run ();
}
