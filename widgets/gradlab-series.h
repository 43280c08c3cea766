/* gradlab-series.h: growable (x, y) series, reduction, smoothing and ticks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * GradlabSeries:
 *
 * A growable series of samples. The x values must not decrease: every
 * reduction and look-up below relies on binary search over x.
 */
typedef struct _GradlabSeries GradlabSeries;

struct _GradlabSeries
{
  double *x;      /* (len) sample positions, non-decreasing */
  float  *y;      /* (len) values; NaN and Inf are allowed */
  gsize   len;    /* number of samples */
  gsize   alloc;  /* capacity of x and y, in samples */
};

/**
 * gradlab_series_new:
 *
 * Returns: (transfer full): an empty series; free with gradlab_series_free().
 * Never NULL (GLib aborts on out-of-memory).
 */
GradlabSeries *gradlab_series_new          (void);

/**
 * gradlab_series_free:
 * @self: (nullable): a series
 *
 * Frees the series and its arrays. Accepts NULL.
 */
void           gradlab_series_free         (GradlabSeries *self);

/**
 * gradlab_series_append:
 * @self: a series
 * @x: position; a value smaller than the last one is ignored and
 *   %FALSE returned
 * @y: value, may be NaN or Inf
 *
 * Appends one sample, growing the arrays geometrically.
 *
 * Returns: %TRUE if the sample was appended.
 */
gboolean       gradlab_series_append       (GradlabSeries *self,
                                            double         x,
                                            float          y);

/**
 * gradlab_series_clear:
 * @self: a series
 *
 * Drops all samples and keeps the allocation.
 */
void           gradlab_series_clear        (GradlabSeries *self);

/**
 * gradlab_series_lower_bound:
 * @x: (array length=n): non-decreasing positions
 * @n: number of positions
 * @value: the position looked for
 *
 * Returns: the index of the first position >= @value, or @n if none.
 */
gsize          gradlab_series_lower_bound  (const double  *x,
                                            gsize          n,
                                            double         value);

/**
 * GRADLAB_SERIES_REDUCED_MAX:
 * @n_columns: the number of pixel columns given to gradlab_series_reduce()
 *
 * The number of samples the output arrays of gradlab_series_reduce() must
 * be able to hold.
 */
#define GRADLAB_SERIES_REDUCED_MAX(n_columns) (2 * (gsize) (n_columns) + 2)

/**
 * gradlab_series_reduce:
 * @x: (array length=n): non-decreasing positions
 * @y: (array length=n): values
 * @n: number of samples
 * @x0: left edge of the visible range
 * @x1: right edge of the visible range, > @x0
 * @n_columns: number of pixel columns across [@x0, @x1], > 0
 * @out_x: (out caller-allocates): GRADLAB_SERIES_REDUCED_MAX(@n_columns) positions
 * @out_y: (out caller-allocates): as many values
 *
 * Reduces the samples inside [@x0, @x1] to at most two per pixel column:
 * the minimum and the maximum of the column, in their x order (one sample
 * when they coincide). The last sample before @x0 and the first after @x1
 * are kept too, so that a polyline reaches the edges. Non-finite values are
 * skipped. Cost: O(log n) to find the range plus one pass over it.
 *
 * Returns: the number of samples written.
 */
gsize          gradlab_series_reduce       (const double  *x,
                                            const float   *y,
                                            gsize          n,
                                            double         x0,
                                            double         x1,
                                            guint          n_columns,
                                            double        *out_x,
                                            float         *out_y);

/**
 * GradlabEma:
 *
 * State of a debiased exponential moving average (as TensorBoard's
 * smoothing): the first values are not pulled towards zero.
 */
typedef struct
{
  double smoothing;  /* weight of the past, in [0, 0.999] */
  double acc;        /* biased running average */
  double weight;     /* sum of weights seen so far, for debiasing */
} GradlabEma;

/**
 * gradlab_ema_init:
 * @ema: state to reset
 * @smoothing: weight of the past in [0, 0.999]; 0 means no smoothing
 */
void           gradlab_ema_init            (GradlabEma    *ema,
                                            double         smoothing);

/**
 * gradlab_ema_push:
 * @ema: state
 * @y: the next raw value; a non-finite value leaves the state unchanged
 *
 * Returns: the smoothed value after @y, or NaN while no finite value has
 * been pushed yet.
 */
float          gradlab_ema_push            (GradlabEma    *ema,
                                            float          y);

/**
 * gradlab_series_ema:
 * @y: (array length=n): raw values
 * @n: number of values
 * @smoothing: weight of the past in [0, 0.999]
 * @out: (out caller-allocates): @n smoothed values; may be @y itself
 *
 * Smooths a whole array with gradlab_ema_push().
 */
void           gradlab_series_ema          (const float   *y,
                                            gsize          n,
                                            double         smoothing,
                                            float         *out);

/**
 * GRADLAB_TICKS_MAX:
 *
 * The most ticks any tick function returns; size tick arrays with it.
 */
#define GRADLAB_TICKS_MAX 32

/**
 * GradlabTick:
 *
 * One axis tick: its position in data units and its label.
 */
typedef struct
{
  double value;      /* position in data units */
  char   label[24];  /* printable label, NUL-terminated */
} GradlabTick;

/**
 * gradlab_nice_range_linear:
 * @lo: (inout): lower end of the data
 * @hi: (inout): upper end of the data
 * @max_ticks: the most ticks wanted, >= 2
 *
 * Widens [@lo, @hi] outwards to multiples of the tick step that
 * gradlab_ticks_linear() will choose. An empty or non-finite range is
 * widened around its value.
 */
void           gradlab_nice_range_linear   (double        *lo,
                                            double        *hi,
                                            guint          max_ticks);

/**
 * gradlab_nice_range_log:
 * @lo: (inout): lower end of the data, > 0
 * @hi: (inout): upper end of the data, > 0
 * @whole_decades: widen to powers of ten; else to 1, 2 or 5 times a power
 *   of ten, which wastes less room
 *
 * Widens [@lo, @hi] outwards as asked; an empty range becomes at least one
 * decade. Non-positive or non-finite input gives [1e-3, 1].
 */
void           gradlab_nice_range_log      (double        *lo,
                                            double        *hi,
                                            gboolean       whole_decades);

/**
 * gradlab_ticks_linear:
 * @lo: lower end of the axis
 * @hi: upper end of the axis
 * @max_ticks: the most ticks wanted, 2 ..GRADLAB_TICKS_MAX
 * @ticks: (out caller-allocates): GRADLAB_TICKS_MAX ticks
 *
 * Chooses ticks at multiples of 1, 2 or 5 times a power of ten inside
 * [@lo, @hi], with labels of just enough decimals (and a k or M suffix
 * for large round numbers such as training steps).
 *
 * Returns: the number of ticks written.
 */
guint          gradlab_ticks_linear        (double         lo,
                                            double         hi,
                                            guint          max_ticks,
                                            GradlabTick   *ticks);

/**
 * gradlab_ticks_log:
 * @lo: lower end of the axis, > 0
 * @hi: upper end of the axis, > @lo
 * @max_ticks: the most ticks wanted, 2 ..GRADLAB_TICKS_MAX
 * @ticks: (out caller-allocates): GRADLAB_TICKS_MAX ticks
 *
 * Chooses ticks at decades (every k-th decade when there are many),
 * or at 1, 2, 5 times a decade when the range spans about one decade.
 * Labels are "0.01" .. "100" near one and "1e-5" style elsewhere.
 *
 * Returns: the number of ticks written; 0 for an invalid range.
 */
guint          gradlab_ticks_log           (double         lo,
                                            double         hi,
                                            guint          max_ticks,
                                            GradlabTick   *ticks);

/**
 * gradlab_format_value:
 * @value: any double
 * @buf: (out caller-allocates): output buffer
 * @size: size of @buf
 *
 * Formats a value for a read-out with four significant digits
 * ("0.1234", "1.235e-05", "NaN", "Inf").
 */
void           gradlab_format_value        (double         value,
                                            char          *buf,
                                            gsize          size);

G_END_DECLS
