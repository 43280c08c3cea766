/* test-series.c: series storage, reduction, smoothing and ticks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>
#include <string.h>

#include "gradlab-series.h"

static guint32 rng_state = 1;

static double
rng_uniform (void)
{
  rng_state = rng_state * 1664525u + 1013904223u;
  return (rng_state >> 8) / 16777216.0;
}

static void
test_append (void)
{
  GradlabSeries *s = gradlab_series_new ();
  guint i;

  for (i = 0; i < 1000; i++)
    g_assert_true (gradlab_series_append (s, i, i * 0.5f));
  g_assert_cmpuint (s->len, ==, 1000);
  g_assert_cmpuint (s->alloc, >=, 1000);
  g_assert_cmpfloat (s->x[999], ==, 999.0);
  g_assert_cmpfloat (s->y[999], ==, 499.5f);

  /* Equal x is fine (two metrics at one step); smaller x and NaN are not. */
  g_assert_true (gradlab_series_append (s, 999, 1.0f));
  g_assert_false (gradlab_series_append (s, 998, 1.0f));
  g_assert_false (gradlab_series_append (s, NAN, 1.0f));
  g_assert_true (gradlab_series_append (s, 1000, NAN));
  g_assert_cmpuint (s->len, ==, 1002);

  gradlab_series_clear (s);
  g_assert_cmpuint (s->len, ==, 0);
  g_assert_true (gradlab_series_append (s, -5, 1.0f));

  gradlab_series_free (s);
  gradlab_series_free (NULL);
}

static void
test_lower_bound (void)
{
  const double x[] = { 0, 1, 1, 1, 4, 9 };

  g_assert_cmpuint (gradlab_series_lower_bound (x, 6, -1), ==, 0);
  g_assert_cmpuint (gradlab_series_lower_bound (x, 6, 0), ==, 0);
  g_assert_cmpuint (gradlab_series_lower_bound (x, 6, 1), ==, 1);
  g_assert_cmpuint (gradlab_series_lower_bound (x, 6, 2), ==, 4);
  g_assert_cmpuint (gradlab_series_lower_bound (x, 6, 9), ==, 5);
  g_assert_cmpuint (gradlab_series_lower_bound (x, 6, 10), ==, 6);
  g_assert_cmpuint (gradlab_series_lower_bound (x, 0, 10), ==, 0);
}

/* Checks a reduction against a brute-force pass over every sample. */
static void
check_reduction (const double *x,
                 const float  *y,
                 gsize         n,
                 double        x0,
                 double        x1,
                 guint         n_columns)
{
  double *out_x = g_new (double, GRADLAB_SERIES_REDUCED_MAX (n_columns));
  float *out_y = g_new (float, GRADLAB_SERIES_REDUCED_MAX (n_columns));
  float *col_min = g_new (float, n_columns);
  float *col_max = g_new (float, n_columns);
  guint *col_count = g_new0 (guint, n_columns);
  gboolean *min_found = g_new0 (gboolean, n_columns);
  gboolean *max_found = g_new0 (gboolean, n_columns);
  double scale = n_columns / (x1 - x0);
  gssize before = -1;
  gssize after = -1;
  gsize m;
  gsize i;
  gsize first;
  gsize last;
  guint c;

  for (c = 0; c < n_columns; c++)
    {
      col_min[c] = INFINITY;
      col_max[c] = -INFINITY;
    }

  for (i = 0; i < n; i++)
    {
      if (!isfinite (y[i]))
        continue;
      if (x[i] < x0)
        before = i;
      else if (x[i] > x1)
        {
          if (after < 0)
            after = i;
        }
      else
        {
          c = MIN ((guint) ((x[i] - x0) * scale), n_columns - 1);
          col_min[c] = MIN (col_min[c], y[i]);
          col_max[c] = MAX (col_max[c], y[i]);
        }
    }

  m = gradlab_series_reduce (x, y, n, x0, x1, n_columns, out_x, out_y);
  g_assert_cmpuint (m, <=, GRADLAB_SERIES_REDUCED_MAX (n_columns));

  /* The neighbours outside the range come first and last. */
  first = 0;
  last = m;
  if (before >= 0)
    {
      g_assert_cmpfloat (out_x[0], ==, x[before]);
      g_assert_cmpfloat (out_y[0], ==, y[before]);
      first = 1;
    }
  if (after >= 0)
    {
      g_assert_cmpfloat (out_x[m - 1], ==, x[after]);
      g_assert_cmpfloat (out_y[m - 1], ==, y[after]);
      last = m - 1;
    }

  for (i = first; i < last; i++)
    {
      g_assert_true (isfinite (out_y[i]));
      g_assert_cmpfloat (out_x[i], >=, x0);
      g_assert_cmpfloat (out_x[i], <=, x1);
      if (i > first)
        g_assert_cmpfloat (out_x[i], >=, out_x[i - 1]);

      c = MIN ((guint) ((out_x[i] - x0) * scale), n_columns - 1);
      col_count[c]++;
      g_assert_cmpfloat (out_y[i], >=, col_min[c]);
      g_assert_cmpfloat (out_y[i], <=, col_max[c]);
      if (out_y[i] == col_min[c])
        min_found[c] = TRUE;
      if (out_y[i] == col_max[c])
        max_found[c] = TRUE;
    }

  /* Every non-empty column keeps its min and max, and at most two points. */
  for (c = 0; c < n_columns; c++)
    {
      g_assert_cmpuint (col_count[c], <=, 2);
      if (isfinite (col_min[c]))
        {
          g_assert_true (min_found[c]);
          g_assert_true (max_found[c]);
        }
      else
        g_assert_cmpuint (col_count[c], ==, 0);
    }

  g_free (out_x);
  g_free (out_y);
  g_free (col_min);
  g_free (col_max);
  g_free (col_count);
  g_free (min_found);
  g_free (max_found);
}

static void
test_reduce_million (void)
{
  const gsize n = 1000000;
  double *x = g_new (double, n);
  float *y = g_new (float, n);
  gsize i;

  rng_state = 1234;
  for (i = 0; i < n; i++)
    {
      /* Irregular steps with repeats, noisy values, a few NaN/Inf. */
      x[i] = i > 0 ? x[i - 1] + (rng_uniform () < 0.1 ? 0.0 : rng_uniform () * 2.0) : 0.0;
      y[i] = (float) (sin (i * 1e-4) + (rng_uniform () - 0.5));
      if (i % 9973 == 0)
        y[i] = NAN;
      if (i % 15013 == 0)
        y[i] = INFINITY;
    }

  check_reduction (x, y, n, x[1000] + 0.5, x[n - 1000] - 0.3, 613);
  check_reduction (x, y, n, x[0], x[n - 1], 1);
  check_reduction (x, y, n, x[0] - 10.0, x[n - 1] + 10.0, 1920);
  check_reduction (x, y, n, x[5000], x[5010], 4000);

  g_free (x);
  g_free (y);
}

static void
test_reduce_edges (void)
{
  const double x[] = { 0, 1, 2, 3 };
  const float y[] = { 1, NAN, NAN, 4 };
  double ox[GRADLAB_SERIES_REDUCED_MAX (4)];
  float oy[GRADLAB_SERIES_REDUCED_MAX (4)];

  /* Empty or inverted ranges give nothing; NaN-only ranges only neighbours. */
  g_assert_cmpuint (gradlab_series_reduce (x, y, 0, 0, 1, 4, ox, oy), ==, 0);
  g_assert_cmpuint (gradlab_series_reduce (x, y, 4, 1, 1, 4, ox, oy), ==, 0);
  g_assert_cmpuint (gradlab_series_reduce (x, y, 4, 0, 3, 0, ox, oy), ==, 0);
  g_assert_cmpuint (gradlab_series_reduce (x, y, 4, 0.5, 2.5, 4, ox, oy), ==, 2);
  g_assert_cmpfloat (ox[0], ==, 0.0);
  g_assert_cmpfloat (ox[1], ==, 3.0);
  g_assert_cmpuint (gradlab_series_reduce (x, y, 4, 0, 3, 4, ox, oy), ==, 2);
}

static void
test_ema (void)
{
  float y[100];
  float out[100];
  GradlabEma ema;
  guint i;

  /* Debiased: a constant stays constant from the first sample on. */
  for (i = 0; i < 100; i++)
    y[i] = 3.0f;
  gradlab_series_ema (y, 100, 0.9, out);
  for (i = 0; i < 100; i++)
    g_assert_cmpfloat_with_epsilon (out[i], 3.0f, 1e-5);

  /* No smoothing is the identity. */
  for (i = 0; i < 100; i++)
    y[i] = i * (i % 2 ? 1.0f : -1.0f);
  gradlab_series_ema (y, 100, 0.0, out);
  for (i = 0; i < 100; i++)
    g_assert_cmpfloat (out[i], ==, y[i]);

  /* A step converges, monotonically, and NaN leaves the state alone. */
  gradlab_ema_init (&ema, 0.5);
  g_assert_true (isnan (gradlab_ema_push (&ema, NAN)));
  g_assert_cmpfloat (gradlab_ema_push (&ema, 0.0f), ==, 0.0f);
  {
    float prev = 0.0f;

    for (i = 0; i < 40; i++)
      {
        float v = gradlab_ema_push (&ema, 1.0f);

        if (i < 10)
          g_assert_cmpfloat (v, >, prev);
        else
          g_assert_cmpfloat (v, >=, prev);
        g_assert_cmpfloat (gradlab_ema_push (&ema, NAN), ==, v);
        prev = v;
      }
    g_assert_cmpfloat_with_epsilon (prev, 1.0f, 1e-6);
  }

  /* In place works too. */
  for (i = 0; i < 100; i++)
    y[i] = 2.0f;
  gradlab_series_ema (y, 100, 0.6, y);
  g_assert_cmpfloat_with_epsilon (y[99], 2.0f, 1e-5);
}

static void
assert_labels (const GradlabTick *ticks,
               guint              n,
               const char *const *expected)
{
  guint i;

  for (i = 0; i < n; i++)
    g_assert_cmpstr (ticks[i].label, ==, expected[i]);
  g_assert_null (expected[n]);
}

static void
test_ticks_linear (void)
{
  GradlabTick t[GRADLAB_TICKS_MAX];
  guint n;
  guint i;

  {
    const char *const e[] = { "0.0", "0.2", "0.4", "0.6", "0.8", "1.0", NULL };

    n = gradlab_ticks_linear (0.0, 1.0, 6, t);
    g_assert_cmpuint (n, ==, 6);
    assert_labels (t, n, e);
  }
  {
    const char *const e[] = { "0k", "20k", "40k", "60k", "80k", "100k", NULL };

    n = gradlab_ticks_linear (0.0, 100000.0, 6, t);
    assert_labels (t, n, e);
  }
  {
    const char *const e[] = { "-0.05", "0.00", "0.05", "0.10", NULL };

    n = gradlab_ticks_linear (-0.06, 0.11, 5, t);
    assert_labels (t, n, e);
  }
  {
    const char *const e[] = { "1.5M", "2.0M", "2.5M", NULL };

    n = gradlab_ticks_linear (1.4e6, 2.6e6, 4, t);
    assert_labels (t, n, e);
  }

  /* Never more than asked for, always inside the range. */
  for (i = 2; i < 20; i++)
    {
      guint k;

      n = gradlab_ticks_linear (-3.7, 1234.5, i, t);
      g_assert_cmpuint (n, <=, i);
      g_assert_cmpuint (n, >=, 1);
      for (k = 0; k < n; k++)
        {
          g_assert_cmpfloat (t[k].value, >=, -3.7);
          g_assert_cmpfloat (t[k].value, <=, 1234.5);
        }
    }

  g_assert_cmpuint (gradlab_ticks_linear (1.0, 1.0, 5, t), ==, 0);
  g_assert_cmpuint (gradlab_ticks_linear (NAN, 1.0, 5, t), ==, 0);
}

static void
test_ticks_log (void)
{
  GradlabTick t[GRADLAB_TICKS_MAX];
  guint n;

  {
    const char *const e[] = { "1e-12", "1e-10", "1e-8", "1e-6", "1e-4", "0.01", "1", "100", NULL };

    n = gradlab_ticks_log (1e-12, 1e2, 8, t);
    assert_labels (t, n, e);
    g_assert_cmpfloat_with_epsilon (t[0].value, 1e-12, 1e-24);
  }
  {
    const char *const e[] = { "1e-3", "2e-3", "5e-3", "0.01", "0.02", "0.05", "0.1", NULL };

    n = gradlab_ticks_log (1e-3, 1e-1, 8, t);
    assert_labels (t, n, e);
  }
  {
    const char *const e[] = { "1e-4", "1e-3", "0.01", "0.1", "1", NULL };

    n = gradlab_ticks_log (1e-4, 1.0, 5, t);
    assert_labels (t, n, e);
  }
  {
    const char *const e[] = { "0.3", "0.4", "0.5", NULL };

    /* Less than a decade without 1, 2 or 5 inside: finer multiples. */
    n = gradlab_ticks_log (0.25, 0.55, 6, t);
    assert_labels (t, n, e);
  }

  g_assert_cmpuint (gradlab_ticks_log (0.0, 1.0, 5, t), ==, 0);
  g_assert_cmpuint (gradlab_ticks_log (1.0, 0.5, 5, t), ==, 0);
}

static void
test_nice_range (void)
{
  double lo;
  double hi;

  lo = 0.13;
  hi = 0.87;
  gradlab_nice_range_linear (&lo, &hi, 6);
  g_assert_cmpfloat_with_epsilon (lo, 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, 1.0, 1e-12);

  lo = hi = 5.0;
  gradlab_nice_range_linear (&lo, &hi, 6);
  g_assert_cmpfloat (lo, <, 5.0);
  g_assert_cmpfloat (hi, >, 5.0);

  lo = 3e-4;
  hi = 0.02;
  gradlab_nice_range_log (&lo, &hi, TRUE);
  g_assert_cmpfloat_with_epsilon (lo, 1e-4, 1e-16);
  g_assert_cmpfloat_with_epsilon (hi, 0.1, 1e-12);

  lo = 3e-4;
  hi = 0.02;
  gradlab_nice_range_log (&lo, &hi, FALSE);
  g_assert_cmpfloat_with_epsilon (lo, 2e-4, 1e-16);
  g_assert_cmpfloat_with_epsilon (hi, 0.02, 1e-12);

  lo = -1.0;
  hi = 0.5;
  gradlab_nice_range_log (&lo, &hi, TRUE);
  g_assert_cmpfloat (lo, >, 0.0);
  g_assert_cmpfloat (hi, >, lo);
}

static void
test_format_value (void)
{
  char buf[32];

  gradlab_format_value (NAN, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "NaN");
  gradlab_format_value (-INFINITY, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "-Inf");
  gradlab_format_value (0.0, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "0");
  gradlab_format_value (0.123456, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "0.1235");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/widgets/series/append", test_append);
  g_test_add_func ("/widgets/series/lower-bound", test_lower_bound);
  g_test_add_func ("/widgets/series/reduce/million", test_reduce_million);
  g_test_add_func ("/widgets/series/reduce/edges", test_reduce_edges);
  g_test_add_func ("/widgets/series/ema", test_ema);
  g_test_add_func ("/widgets/series/ticks/linear", test_ticks_linear);
  g_test_add_func ("/widgets/series/ticks/log", test_ticks_log);
  g_test_add_func ("/widgets/series/nice-range", test_nice_range);
  g_test_add_func ("/widgets/series/format-value", test_format_value);

  return g_test_run ();
}
