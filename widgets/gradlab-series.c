/* gradlab-series.c: growable (x, y) series, reduction, smoothing and ticks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-series.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

GradlabSeries *
gradlab_series_new (void)
{
  return g_new0 (GradlabSeries, 1);
}

void
gradlab_series_free (GradlabSeries *self)
{
  if (self == NULL)
    return;

  g_free (self->x);
  g_free (self->y);
  g_free (self);
}

gboolean
gradlab_series_append (GradlabSeries *self,
                       double         x,
                       float          y)
{
  g_return_val_if_fail (self != NULL, FALSE);

  /* Binary search over x is what keeps a million samples cheap, so a
   * sample that would break the ordering is refused, not inserted. */
  if (isnan (x) || (self->len > 0 && x < self->x[self->len - 1]))
    return FALSE;

  if (self->len == self->alloc)
    {
      self->alloc = MAX (64, self->alloc * 2);
      self->x = g_renew (double, self->x, self->alloc);
      self->y = g_renew (float, self->y, self->alloc);
    }

  self->x[self->len] = x;
  self->y[self->len] = y;
  self->len++;

  return TRUE;
}

void
gradlab_series_clear (GradlabSeries *self)
{
  g_return_if_fail (self != NULL);

  self->len = 0;
}

gsize
gradlab_series_lower_bound (const double *x,
                            gsize         n,
                            double        value)
{
  gsize lo = 0;
  gsize hi = n;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (x[mid] < value)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

static gsize
upper_bound (const double *x,
             gsize         n,
             double        value)
{
  gsize lo = 0;
  gsize hi = n;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (x[mid] <= value)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

gsize
gradlab_series_reduce (const double *x,
                       const float  *y,
                       gsize         n,
                       double        x0,
                       double        x1,
                       guint         n_columns,
                       double       *out_x,
                       float        *out_y)
{
  gsize start;
  gsize end;
  gsize i;
  gsize n_out = 0;
  gsize min_i = 0;
  gsize max_i = 0;
  gint64 column = -1;
  double scale;

  if (n == 0 || n_columns == 0 || !(x1 > x0))
    return 0;

  start = gradlab_series_lower_bound (x, n, x0);
  end = upper_bound (x, n, x1);
  scale = n_columns / (x1 - x0);

  /* The nearest finite sample left of the range, so the line enters it. */
  for (i = start; i > 0; i--)
    {
      if (isfinite (y[i - 1]))
        {
          out_x[n_out] = x[i - 1];
          out_y[n_out] = y[i - 1];
          n_out++;
          break;
        }
    }

  for (i = start; i <= end; i++)
    {
      gint64 col = -1;

      if (i < end)
        {
          if (!isfinite (y[i]))
            continue;
          col = (gint64) ((x[i] - x0) * scale);
          col = CLAMP (col, 0, (gint64) n_columns - 1);
        }

      if (col == column && i < end)
        {
          if (y[i] < y[min_i])
            min_i = i;
          if (y[i] > y[max_i])
            max_i = i;
          continue;
        }

      /* A new column (or the end): flush the previous one, min and max in
       * the order they occurred so the polyline keeps its shape. */
      if (column >= 0)
        {
          gsize first = MIN (min_i, max_i);
          gsize second = MAX (min_i, max_i);

          out_x[n_out] = x[first];
          out_y[n_out] = y[first];
          n_out++;
          if (second != first)
            {
              out_x[n_out] = x[second];
              out_y[n_out] = y[second];
              n_out++;
            }
        }

      column = col;
      min_i = max_i = i;
    }

  /* The nearest finite sample right of the range, so the line leaves it. */
  for (i = end; i < n; i++)
    {
      if (isfinite (y[i]))
        {
          out_x[n_out] = x[i];
          out_y[n_out] = y[i];
          n_out++;
          break;
        }
    }

  return n_out;
}

void
gradlab_ema_init (GradlabEma *ema,
                  double      smoothing)
{
  g_return_if_fail (ema != NULL);

  ema->smoothing = CLAMP (smoothing, 0.0, 0.999);
  ema->acc = 0.0;
  ema->weight = 0.0;
}

float
gradlab_ema_push (GradlabEma *ema,
                  float       y)
{
  if (isfinite (y))
    {
      ema->acc = ema->smoothing * ema->acc + (1.0 - ema->smoothing) * y;
      ema->weight = ema->smoothing * ema->weight + (1.0 - ema->smoothing);
    }

  if (ema->weight <= 0.0)
    return NAN;

  return (float) (ema->acc / ema->weight);
}

void
gradlab_series_ema (const float *y,
                    gsize        n,
                    double       smoothing,
                    float       *out)
{
  GradlabEma ema;
  gsize i;

  gradlab_ema_init (&ema, smoothing);
  for (i = 0; i < n; i++)
    out[i] = gradlab_ema_push (&ema, y[i]);
}

static double
nice_step (double range,
           guint  max_ticks)
{
  double raw = range / MAX ((int) max_ticks - 1, 1);
  double mag = pow (10.0, floor (log10 (raw)));
  double f = raw / mag;

  if (f <= 1.0 + 1e-9)
    f = 1.0;
  else if (f <= 2.0 + 1e-9)
    f = 2.0;
  else if (f <= 5.0 + 1e-9)
    f = 5.0;
  else
    f = 10.0;

  return f * mag;
}

void
gradlab_nice_range_linear (double *lo,
                           double *hi,
                           guint   max_ticks)
{
  double step;

  if (!isfinite (*lo) || !isfinite (*hi))
    {
      *lo = 0.0;
      *hi = 1.0;
      return;
    }

  if (*hi < *lo)
    {
      double t = *lo;

      *lo = *hi;
      *hi = t;
    }

  if (*hi - *lo < 1e-12 * MAX (1.0, fabs (*hi)))
    {
      double pad = *lo == 0.0 ? 1.0 : fabs (*lo) * 0.1;

      *lo -= pad;
      *hi += pad;
    }

  step = nice_step (*hi - *lo, MAX (max_ticks, 2));
  *lo = floor (*lo / step + 1e-9) * step;
  *hi = ceil (*hi / step - 1e-9) * step;
}

/* Data often arrives as float: snap to a nice value within a few ulps of
 * float precision rather than widening to the next one. */
static double
nice_down_125 (double v)
{
  double mag = pow (10.0, floor (log10 (v) + 1e-6));
  double f = v / mag;

  if (f >= 5.0 - 1e-6)
    return 5.0 * mag;
  if (f >= 2.0 - 1e-6)
    return 2.0 * mag;
  return mag;
}

static double
nice_up_125 (double v)
{
  double mag = pow (10.0, floor (log10 (v) + 1e-6));
  double f = v / mag;

  if (f <= 1.0 + 1e-6)
    return mag;
  if (f <= 2.0 + 1e-6)
    return 2.0 * mag;
  if (f <= 5.0 + 1e-6)
    return 5.0 * mag;
  return 10.0 * mag;
}

void
gradlab_nice_range_log (double   *lo,
                        double   *hi,
                        gboolean  whole_decades)
{
  double e0;
  double e1;

  if (!(*lo > 0.0) || !(*hi > 0.0) || !isfinite (*lo) || !isfinite (*hi))
    {
      *lo = 1e-3;
      *hi = 1.0;
      return;
    }

  if (*hi < *lo)
    {
      double t = *lo;

      *lo = *hi;
      *hi = t;
    }

  if (!whole_decades)
    {
      double l = nice_down_125 (*lo);
      double h = nice_up_125 (*hi);

      if (h > l * 1.5)
        {
          *lo = l;
          *hi = h;
          return;
        }
    }

  e0 = floor (log10 (*lo) + 1e-6);
  e1 = ceil (log10 (*hi) - 1e-6);
  if (e1 <= e0)
    e1 = e0 + 1.0;

  *lo = pow (10.0, e0);
  *hi = pow (10.0, e1);
}

static void
format_linear (double  value,
               double  step,
               double  magnitude,
               char   *buf,
               gsize   size)
{
  int decimals;

  if (fabs (value) < step * 1e-6)
    value = 0.0;

  if (magnitude >= 1e6 && step >= 1e5)
    {
      decimals = MAX (0, (int) -floor (log10 (step / 1e6) + 1e-9));
      g_snprintf (buf, size, "%.*fM", decimals, value / 1e6);
    }
  else if (magnitude >= 1e4 && step >= 1e3)
    {
      decimals = MAX (0, (int) -floor (log10 (step / 1e3) + 1e-9));
      g_snprintf (buf, size, "%.*fk", decimals, value / 1e3);
    }
  else if (step < 1e-3 || magnitude >= 1e9)
    {
      g_snprintf (buf, size, "%.3g", value);
    }
  else
    {
      decimals = MAX (0, (int) -floor (log10 (step) + 1e-9));
      g_snprintf (buf, size, "%.*f", decimals, value);
    }
}

guint
gradlab_ticks_linear (double       lo,
                      double       hi,
                      guint        max_ticks,
                      GradlabTick *ticks)
{
  double step;
  double first;
  double magnitude;
  guint n = 0;
  int k;

  if (!isfinite (lo) || !isfinite (hi) || !(hi > lo))
    return 0;

  max_ticks = CLAMP (max_ticks, 2, GRADLAB_TICKS_MAX);
  step = nice_step (hi - lo, max_ticks);
  first = ceil (lo / step - 1e-9);
  magnitude = MAX (fabs (lo), fabs (hi));

  for (k = 0; n < max_ticks; k++)
    {
      double v = (first + k) * step;

      if (v > hi + step * 1e-9)
        break;

      ticks[n].value = v;
      format_linear (v, step, magnitude, ticks[n].label, sizeof ticks[n].label);
      n++;
    }

  return n;
}

static void
format_log (int     mantissa,
            int     exponent,
            char   *buf,
            gsize   size)
{
  if (exponent >= -2 && exponent <= 2)
    g_snprintf (buf, size, "%g", mantissa * pow (10.0, exponent));
  else if (mantissa == 1)
    g_snprintf (buf, size, "1e%d", exponent);
  else
    g_snprintf (buf, size, "%de%d", mantissa, exponent);
}

static guint
ticks_log_multiples (double       lo,
                     double       hi,
                     const int   *mantissas,
                     guint        n_mantissas,
                     guint        max_ticks,
                     GradlabTick *ticks)
{
  int e0 = (int) floor (log10 (lo)) - 1;
  int e1 = (int) ceil (log10 (hi)) + 1;
  guint n = 0;
  int e;
  guint m;

  for (e = e0; e <= e1; e++)
    {
      for (m = 0; m < n_mantissas; m++)
        {
          double v = mantissas[m] * pow (10.0, e);

          if (v < lo * (1.0 - 1e-9) || v > hi * (1.0 + 1e-9))
            continue;
          if (n == max_ticks)
            return max_ticks + 1;

          ticks[n].value = v;
          format_log (mantissas[m], e, ticks[n].label, sizeof ticks[n].label);
          n++;
        }
    }

  return n;
}

guint
gradlab_ticks_log (double       lo,
                   double       hi,
                   guint        max_ticks,
                   GradlabTick *ticks)
{
  static const int one[] = { 1 };
  static const int one_two_five[] = { 1, 2, 5 };
  static const int all[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  int d0;
  int d1;
  int n_decades;
  int stride;
  int d;
  guint n;

  if (!(lo > 0.0) || !(hi > lo) || !isfinite (hi))
    return 0;

  max_ticks = CLAMP (max_ticks, 2, GRADLAB_TICKS_MAX);
  d0 = (int) ceil (log10 (lo) - 1e-9);
  d1 = (int) floor (log10 (hi) + 1e-9);
  n_decades = d1 - d0 + 1;

  /* About three decades or fewer: 1, 2, 5 in between when they fit. */
  if (n_decades <= 3)
    {
      n = ticks_log_multiples (lo, hi, one_two_five, G_N_ELEMENTS (one_two_five),
                               max_ticks, ticks);
      if (n >= 2 && n <= max_ticks)
        return n;
      if (n < 2)
        {
          n = ticks_log_multiples (lo, hi, all, G_N_ELEMENTS (all), max_ticks, ticks);
          if (n <= max_ticks)
            return n;
        }
      n = ticks_log_multiples (lo, hi, one, G_N_ELEMENTS (one), max_ticks, ticks);
      if (n <= max_ticks && n >= 2)
        return n;
    }

  /* Whole decades, every stride-th one so that they fit. */
  stride = 1;
  while ((n_decades - 1) / stride + 1 > (int) max_ticks)
    stride++;

  n = 0;
  for (d = d0; d <= d1 && n < max_ticks; d++)
    {
      if (((d % stride) + stride) % stride != 0)
        continue;
      ticks[n].value = pow (10.0, d);
      format_log (1, d, ticks[n].label, sizeof ticks[n].label);
      n++;
    }

  return n;
}

void
gradlab_format_value (double  value,
                      char   *buf,
                      gsize   size)
{
  if (isnan (value))
    g_strlcpy (buf, "NaN", size);
  else if (isinf (value))
    g_strlcpy (buf, value > 0 ? "Inf" : "-Inf", size);
  else if (value == 0.0)
    g_strlcpy (buf, "0", size);
  else
    g_snprintf (buf, size, "%.4g", value);
}
