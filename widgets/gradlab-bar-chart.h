/* gradlab-bar-chart.h: shares (0 .. 1) per category, e.g. class pixel
 * frequencies, on a linear or log axis
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GRADLAB_BAR_CHART_MAX_BARS 32

/**
 * GradlabBarChartGeometry:
 *
 * Where the renderer put the value axis and the bars; filled in when
 * asked for. Along the value axis, value v sits at axis_start + t *
 * axis_length, t = v (linear) or (log10 v - log10 lo) / (log10 1 - log10
 * lo) (log); horizontal bars grow rightwards from axis_start, vertical
 * bars grow upwards, so there t runs from the bottom.
 */
typedef struct
{
  gboolean       valid;                              /* FALSE in the empty state */
  GtkOrientation orientation;                        /* of the bars */
  gboolean       log_scale;                          /* log axis */
  double         lo;                                 /* value at the axis start (0 or a decade) */
  double         axis_start;                         /* pixels: left edge, or bottom edge */
  double         axis_length;                        /* pixels, > 0 */
  guint          n_bars;
  double         band_start[GRADLAB_BAR_CHART_MAX_BARS]; /* top (horizontal) or left edge of each band */
  double         band_size;                          /* height (horizontal) or width of a band */
} GradlabBarChartGeometry;

/**
 * gradlab_bar_chart_geometry_value_to_pixel:
 * @geometry: a valid geometry
 * @value: a value in (0, 1] (log) or [0, 1] (linear)
 *
 * Returns: the pixel column (horizontal bars) or row (vertical bars) of
 * @value, clamped to the axis.
 */
double gradlab_bar_chart_geometry_value_to_pixel (const GradlabBarChartGeometry *geometry,
                                                  double                         value);

/**
 * GradlabBarChartData:
 *
 * Everything gradlab_bar_chart_render() draws; pointers are borrowed.
 * With @values2 each category gets a second, lighter bar beside the
 * first (e.g. "truth" and "predicted" class frequencies).
 */
typedef struct
{
  GdkRGBA                  fg;
  GdkRGBA                  bg;
  gboolean                 fill_background;
  const char              *title;         /* bold, top left; or NULL */
  guint                    n_bars;        /* categories, 0 .. 32 */
  const char *const       *names;         /* (n_bars) or NULL: "class N" */
  const GdkRGBA           *colors;        /* (n_bars) or NULL: gradlab_class_color() */
  const float             *values;        /* (n_bars) shares 0 .. 1; NaN = unknown */
  const float             *values2;       /* (n_bars) second series, or NULL */
  const char              *label;         /* legend name of values, used with values2 */
  const char              *label2;        /* legend name of values2 */
  GtkOrientation           orientation;   /* HORIZONTAL: bars grow rightwards */
  gboolean                 log_scale;     /* log axis: 100 % down to a decade below the
                                           * smallest positive value (at most 0.01 %) */
  GradlabBarChartGeometry *geometry_out;  /* filled in if not NULL */
} GradlabBarChartData;

/**
 * gradlab_bar_chart_format_percent:
 * @value: a share, 0 .. 1
 * @buf: (out caller-allocates): output
 * @size: size of @buf
 *
 * "95.8 %", "1.4 %", "0.12 %", "0.004 %", "0 %", "100 %": enough digits
 * that a rare class never reads as 0 %.
 */
void   gradlab_bar_chart_format_percent (double  value,
                                         char   *buf,
                                         gsize   size);

/**
 * gradlab_bar_chart_render:
 * @cr: target
 * @width: width in pixels
 * @height: height in pixels
 * @data: what to draw
 *
 * Draws the title, the legend of the two series (when there are two),
 * one band per category with its name, the bars with their value as a
 * percentage at the end (or a hatched "0 %" marker on a log axis), and
 * the value axis with grid lines: 0, 25, 50, 75, 100 % (linear) or
 * decades (log).
 */
void   gradlab_bar_chart_render         (cairo_t                   *cr,
                                         int                        width,
                                         int                        height,
                                         const GradlabBarChartData *data);

#define GRADLAB_TYPE_BAR_CHART (gradlab_bar_chart_get_type ())

G_DECLARE_FINAL_TYPE (GradlabBarChart, gradlab_bar_chart, GRADLAB, BAR_CHART, GtkWidget)

/**
 * gradlab_bar_chart_new:
 *
 * Returns: (transfer floating): a new, empty chart with horizontal bars
 * on a linear axis.
 */
GtkWidget *gradlab_bar_chart_new          (void);

/**
 * gradlab_bar_chart_set_data:
 * @self: a chart
 * @n_bars: categories, 0 .. 32
 * @names: (array length=n_bars) (nullable): names; copied
 * @colors: (array length=n_bars) (nullable): colours; copied. NULL gives
 *   gradlab_class_color().
 * @values: (array length=n_bars) (nullable): shares 0 .. 1; copied
 *
 * Replaces the categories and their values, and drops the second series.
 */
void       gradlab_bar_chart_set_data     (GradlabBarChart   *self,
                                           guint              n_bars,
                                           const char *const *names,
                                           const GdkRGBA     *colors,
                                           const float       *values);

/**
 * gradlab_bar_chart_set_values:
 * @self: a chart
 * @values: (array) (nullable): n_bars shares; copied
 * @values2: (array) (nullable): n_bars shares of a second series, or NULL
 *   for none; copied
 *
 * Replaces the values of the current categories (live refreshes).
 */
void       gradlab_bar_chart_set_values   (GradlabBarChart   *self,
                                           const float       *values,
                                           const float       *values2);

/**
 * gradlab_bar_chart_set_series_labels:
 * @self: a chart
 * @label: (nullable): legend name of the first series, e.g. "truth"; copied
 * @label2: (nullable): legend name of the second series, e.g.
 *   "predicted"; copied
 *
 * The legend is drawn only when a second series is set.
 */
void       gradlab_bar_chart_set_series_labels (GradlabBarChart *self,
                                                const char      *label,
                                                const char      *label2);

/* Properties: "title" (string), "orientation" (GtkOrientation, default
 * horizontal bars), "log-scale" (boolean, default FALSE). Setters notify
 * only on change. */
const char     *gradlab_bar_chart_get_title       (GradlabBarChart *self);
void            gradlab_bar_chart_set_title       (GradlabBarChart *self,
                                                   const char      *title);
GtkOrientation  gradlab_bar_chart_get_orientation (GradlabBarChart *self);
void            gradlab_bar_chart_set_orientation (GradlabBarChart *self,
                                                   GtkOrientation   orientation);
gboolean        gradlab_bar_chart_get_log_scale   (GradlabBarChart *self);
void            gradlab_bar_chart_set_log_scale   (GradlabBarChart *self,
                                                   gboolean         log_scale);

G_END_DECLS
