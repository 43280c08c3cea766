/* gradlab-series-chart.h: time-series chart for losses and metrics
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * GradlabBestMode:
 * @GRADLAB_BEST_NONE: no best marker
 * @GRADLAB_BEST_MIN: mark the smallest value (losses)
 * @GRADLAB_BEST_MAX: mark the largest value (accuracy, IoU)
 */
typedef enum
{
  GRADLAB_BEST_NONE,
  GRADLAB_BEST_MIN,
  GRADLAB_BEST_MAX,
} GradlabBestMode;

/**
 * GradlabChartSeries:
 *
 * One series as the renderer sees it. The arrays are borrowed.
 */
typedef struct
{
  const char   *name;    /* legend label, or NULL for none */
  GdkRGBA       color;   /* line colour */
  gboolean      dashed;  /* dashed line (e.g. validation) */
  const double *x;       /* (n) non-decreasing positions (steps) */
  const float  *y;       /* (n) raw values; NaN/Inf are skipped */
  const float  *smooth;  /* (n) EMA of y, or NULL: computed when smoothing > 0 */
  gsize         n;       /* number of samples */
} GradlabChartSeries;

/**
 * GradlabChartMarker:
 *
 * An event: a dashed vertical line at @x with @label above the plot.
 */
typedef struct
{
  double      x;      /* position in data units (step) */
  const char *label;  /* short text such as "lr 0.01", or NULL */
} GradlabChartMarker;

/**
 * GradlabChartGeometry:
 *
 * Where the renderer put the data: filled in when asked for, so that tests
 * and the hover code can map between data and pixels.
 */
typedef struct
{
  gboolean valid;        /* FALSE when nothing was plotted (empty state) */
  double   plot_x;       /* left edge of the data area, pixels */
  double   plot_y;       /* top edge of the data area, pixels */
  double   plot_width;   /* width of the data area, pixels */
  double   plot_height;  /* height of the data area, pixels */
  double   x_min;        /* data x at the left edge */
  double   x_max;        /* data x at the right edge */
  double   y_min;        /* data y at the bottom edge */
  double   y_max;        /* data y at the top edge */
  gboolean log_y;        /* y is mapped through log10 */
} GradlabChartGeometry;

/**
 * GradlabSeriesChartData:
 *
 * Everything gradlab_series_chart_render() draws. All pointers are borrowed
 * for the duration of the call.
 */
typedef struct
{
  const char               *title;            /* bold, top left; or NULL */
  const char               *x_label;          /* under the x axis; or NULL */
  const char               *y_label;          /* rotated, left; or NULL */
  GdkRGBA                   fg;               /* text and axes */
  GdkRGBA                   bg;               /* background, boxes */
  gboolean                  fill_background;  /* paint bg first */
  gboolean                  log_y;            /* logarithmic y axis */
  double                    smoothing;        /* EMA weight 0 .. 0.99; 0 = raw only */
  double                    x_window;         /* > 0: show only the last x_window of x */
  const GradlabChartSeries *series;           /* (n_series) */
  guint                     n_series;
  int                       gap_a;            /* gap pair series indices, -1 = none */
  int                       gap_b;
  int                       best_series;      /* series for the best marker, -1 = none */
  GradlabBestMode           best_mode;
  const char               *best_label;       /* e.g. "best val"; NULL = "best" */
  const GradlabChartMarker *markers;          /* (n_markers) */
  guint                     n_markers;
  gboolean                  hover;            /* draw the read-out */
  double                    hover_x;          /* read-out position, data x */
  GradlabChartGeometry     *geometry_out;     /* filled in if not NULL */
} GradlabSeriesChartData;

/**
 * gradlab_series_chart_render:
 * @cr: target
 * @width: width in pixels
 * @height: height in pixels
 * @data: what to draw
 *
 * Draws the chart: header with title and legend, marker labels, axes with
 * ticks, gap shading, raw and smoothed lines, the best marker, event
 * markers and the hover read-out; "No data yet" when no series has a
 * finite sample. Each series is reduced to at most two samples per pixel
 * column first.
 */
void                 gradlab_series_chart_render          (cairo_t                      *cr,
                                                           int                           width,
                                                           int                           height,
                                                           const GradlabSeriesChartData *data);

/**
 * gradlab_chart_geometry_x_to_pixel:
 * @geometry: a valid geometry
 * @x: data x
 *
 * Returns: the pixel column of @x.
 */
double               gradlab_chart_geometry_x_to_pixel    (const GradlabChartGeometry   *geometry,
                                                           double                        x);

/**
 * gradlab_chart_geometry_y_to_pixel:
 * @geometry: a valid geometry
 * @y: data y (> 0 on a log axis)
 *
 * Returns: the pixel row of @y.
 */
double               gradlab_chart_geometry_y_to_pixel    (const GradlabChartGeometry   *geometry,
                                                           double                        y);

/**
 * gradlab_chart_geometry_pixel_to_x:
 * @geometry: a valid geometry
 * @px: pixel column
 *
 * Returns: the data x under @px.
 */
double               gradlab_chart_geometry_pixel_to_x    (const GradlabChartGeometry   *geometry,
                                                           double                        px);

#define GRADLAB_TYPE_SERIES_CHART (gradlab_series_chart_get_type ())

G_DECLARE_FINAL_TYPE (GradlabSeriesChart, gradlab_series_chart, GRADLAB, SERIES_CHART, GtkWidget)

/**
 * gradlab_series_chart_new:
 *
 * Returns: (transfer floating): a new, empty chart.
 */
GtkWidget           *gradlab_series_chart_new              (void);

/**
 * gradlab_series_chart_add_series:
 * @self: a chart
 * @name: (nullable): legend label; copied
 * @color: line colour; copied
 * @dashed: draw the line dashed
 *
 * Returns: the index of the new series (0, 1, 2, ...).
 */
guint                gradlab_series_chart_add_series       (GradlabSeriesChart *self,
                                                            const char         *name,
                                                            const GdkRGBA      *color,
                                                            gboolean            dashed);

/**
 * gradlab_series_chart_get_n_series:
 * @self: a chart
 *
 * Returns: the number of series added.
 */
guint                gradlab_series_chart_get_n_series     (GradlabSeriesChart *self);

/**
 * gradlab_series_chart_append:
 * @self: a chart
 * @series: index from gradlab_series_chart_add_series()
 * @x: position (step); must not be smaller than the series' last x,
 *   else the sample is ignored
 * @y: value; NaN and Inf are kept but not drawn
 *
 * Appends one sample and queues a redraw.
 */
void                 gradlab_series_chart_append           (GradlabSeriesChart *self,
                                                            guint               series,
                                                            double              x,
                                                            float               y);

/**
 * gradlab_series_chart_append_many:
 * @self: a chart
 * @series: series index
 * @x: (array length=n): positions
 * @y: (array length=n): values
 * @n: number of samples
 *
 * Appends @n samples as gradlab_series_chart_append() does, with one redraw.
 */
void                 gradlab_series_chart_append_many      (GradlabSeriesChart *self,
                                                            guint               series,
                                                            const double       *x,
                                                            const float        *y,
                                                            gsize               n);

/**
 * gradlab_series_chart_get_series_length:
 * @self: a chart
 * @series: series index
 *
 * Returns: the number of samples in @series (0 for a bad index).
 */
gsize                gradlab_series_chart_get_series_length (GradlabSeriesChart *self,
                                                             guint               series);

/**
 * gradlab_series_chart_clear:
 * @self: a chart
 *
 * Drops all samples and event markers; keeps the series, their colours,
 * the gap pair and the best-marker setting (for a training restart).
 */
void                 gradlab_series_chart_clear            (GradlabSeriesChart *self);

/**
 * gradlab_series_chart_remove_all_series:
 * @self: a chart
 *
 * Drops every series and marker and resets the gap pair and best marker.
 */
void                 gradlab_series_chart_remove_all_series (GradlabSeriesChart *self);

/**
 * gradlab_series_chart_set_gap_pair:
 * @self: a chart
 * @series_a: a series index (e.g. train), or -1 to turn shading off
 * @series_b: another series index (e.g. val), or -1
 *
 * Shades the region between the two (displayed) lines, in the colour of
 * whichever is higher at each x: the generalisation gap.
 */
void                 gradlab_series_chart_set_gap_pair     (GradlabSeriesChart *self,
                                                            int                 series_a,
                                                            int                 series_b);

/**
 * gradlab_series_chart_set_best:
 * @self: a chart
 * @series: series index, or -1 for none
 * @mode: whether the minimum or the maximum is best
 * @label: (nullable): prefix such as "best val"; copied
 *
 * Marks the best raw sample of @series with a dot and a label like
 * "best val 0.123 @ step 1200".
 */
void                 gradlab_series_chart_set_best         (GradlabSeriesChart *self,
                                                            int                 series,
                                                            GradlabBestMode     mode,
                                                            const char         *label);

/**
 * gradlab_series_chart_add_marker:
 * @self: a chart
 * @x: position (step)
 * @label: (nullable): short label; copied
 *
 * Adds an event marker: a dashed vertical line with a boxed label above
 * the plot; labels that would overlap are staggered onto extra rows.
 */
void                 gradlab_series_chart_add_marker       (GradlabSeriesChart *self,
                                                            double              x,
                                                            const char         *label);

/**
 * gradlab_series_chart_clear_markers:
 * @self: a chart
 *
 * Removes every event marker.
 */
void                 gradlab_series_chart_clear_markers    (GradlabSeriesChart *self);

/**
 * gradlab_series_chart_get_n_markers:
 * @self: a chart
 *
 * Returns: the number of event markers added with
 *   gradlab_series_chart_add_marker() and not cleared since.
 */
guint                gradlab_series_chart_get_n_markers    (GradlabSeriesChart *self);

/**
 * gradlab_series_chart_get_geometry:
 * @self: a chart
 * @out: (out caller-allocates): where to copy the geometry
 *
 * Copies the geometry of the last render, on screen or through
 * gradlab_renderable_render(), whichever came last; with
 * gradlab_chart_geometry_x_to_pixel() it tells where markers and samples
 * were drawn without comparing images.
 *
 * Returns: TRUE if data was plotted in the last render; FALSE if the chart
 *   was never rendered or showed its empty state (then @out->valid is
 *   FALSE too).
 */
gboolean             gradlab_series_chart_get_geometry     (GradlabSeriesChart   *self,
                                                            GradlabChartGeometry *out);

/* Property accessors (see the properties in the .c file). Setters clamp
 * (smoothing to 0 .. 0.99, window to >= 1) and notify only on change. */
const char          *gradlab_series_chart_get_title        (GradlabSeriesChart *self);
void                 gradlab_series_chart_set_title        (GradlabSeriesChart *self,
                                                            const char         *title);
const char          *gradlab_series_chart_get_x_label      (GradlabSeriesChart *self);
void                 gradlab_series_chart_set_x_label      (GradlabSeriesChart *self,
                                                            const char         *x_label);
const char          *gradlab_series_chart_get_y_label      (GradlabSeriesChart *self);
void                 gradlab_series_chart_set_y_label      (GradlabSeriesChart *self,
                                                            const char         *y_label);
gboolean             gradlab_series_chart_get_log_y        (GradlabSeriesChart *self);
void                 gradlab_series_chart_set_log_y        (GradlabSeriesChart *self,
                                                            gboolean            log_y);
double               gradlab_series_chart_get_smoothing    (GradlabSeriesChart *self);
void                 gradlab_series_chart_set_smoothing    (GradlabSeriesChart *self,
                                                            double              smoothing);
gboolean             gradlab_series_chart_get_follow       (GradlabSeriesChart *self);
void                 gradlab_series_chart_set_follow       (GradlabSeriesChart *self,
                                                            gboolean            follow);
int                  gradlab_series_chart_get_window       (GradlabSeriesChart *self);
void                 gradlab_series_chart_set_window       (GradlabSeriesChart *self,
                                                            int                 window);

G_END_DECLS
