/* gradlab-series-chart.c: time-series chart for losses and metrics
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-series-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gradlab-draw-private.h"
#include "gradlab-renderable.h"
#include "gradlab-series.h"

/* Marker labels stack on at most this many rows above the plot. */
#define MARKER_LEVELS 3
#define TICK_LEN      4.0
#define SWATCH_W      16.0
#define GAP_ALPHA     0.22

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

typedef struct
{
  const char    *name;
  const GdkRGBA *color;
  gboolean       dashed;
  gboolean       is_gap;
  double         width;
  int            row;
  double         x;
} LegendEntry;

typedef struct
{
  double px;
  double ya;
  double yb;
} GapSample;

typedef struct
{
  const GradlabSeriesChartData *data;
  cairo_t                      *cr;
  PangoLayout                  *layout;
  double                        line_h;
  GradlabChartGeometry          g;
  const float                 **display;  /* (n_series) line values: smoothed or raw */
  float                       **owned;    /* (n_series) smoothing computed here */
  double                       *red_x;    /* reduction scratch */
  float                        *red_y;
} Render;

double
gradlab_chart_geometry_x_to_pixel (const GradlabChartGeometry *geometry,
                                   double                      x)
{
  return geometry->plot_x +
         (x - geometry->x_min) / (geometry->x_max - geometry->x_min) * geometry->plot_width;
}

double
gradlab_chart_geometry_y_to_pixel (const GradlabChartGeometry *geometry,
                                   double                      y)
{
  double t;

  if (geometry->log_y)
    t = (log10 (y) - log10 (geometry->y_min)) / (log10 (geometry->y_max) - log10 (geometry->y_min));
  else
    t = (y - geometry->y_min) / (geometry->y_max - geometry->y_min);

  return geometry->plot_y + geometry->plot_height * (1.0 - t);
}

double
gradlab_chart_geometry_pixel_to_x (const GradlabChartGeometry *geometry,
                                   double                      px)
{
  return geometry->x_min +
         (px - geometry->plot_x) / geometry->plot_width * (geometry->x_max - geometry->x_min);
}

static gboolean
value_ok (const Render *r,
          double        v)
{
  return isfinite (v) && (!r->data->log_y || v > 0.0);
}

static void
format_x (double  x,
          char   *buf,
          gsize   size)
{
  if (fabs (x - round (x)) < 1e-9 && fabs (x) < 1e15)
    g_snprintf (buf, size, "%.0f", x);
  else
    gradlab_format_value (x, buf, size);
}

static const char *
x_name (const Render *r)
{
  return r->data->x_label != NULL ? r->data->x_label : _("step");
}

static void
prepare_display (Render *r)
{
  const GradlabSeriesChartData *data = r->data;
  guint i;

  r->display = g_new0 (const float *, MAX (data->n_series, 1));
  r->owned = g_new0 (float *, MAX (data->n_series, 1));

  for (i = 0; i < data->n_series; i++)
    {
      const GradlabChartSeries *s = &data->series[i];

      if (data->smoothing <= 0.0 || s->n == 0)
        r->display[i] = s->y;
      else if (s->smooth != NULL)
        r->display[i] = s->smooth;
      else
        {
          r->owned[i] = g_new (float, s->n);
          gradlab_series_ema (s->y, s->n, data->smoothing, r->owned[i]);
          r->display[i] = r->owned[i];
        }
    }
}

static gboolean
compute_x_range (Render *r)
{
  const GradlabSeriesChartData *data = r->data;
  double lo = INFINITY;
  double hi = -INFINITY;
  guint i;

  for (i = 0; i < data->n_series; i++)
    {
      const GradlabChartSeries *s = &data->series[i];

      if (s->n == 0)
        continue;
      lo = MIN (lo, s->x[0]);
      hi = MAX (hi, s->x[s->n - 1]);
    }

  if (!isfinite (lo) || !isfinite (hi))
    return FALSE;

  if (data->x_window > 0.0)
    lo = MAX (lo, hi - data->x_window);

  if (hi - lo < 1e-9)
    {
      lo -= 1.0;
      hi += 1.0;
    }

  r->g.x_min = lo;
  r->g.x_max = hi;

  return TRUE;
}

static gboolean
compute_y_range (Render *r,
                 guint   max_ticks)
{
  const GradlabSeriesChartData *data = r->data;
  double lo = INFINITY;
  double hi = -INFINITY;
  guint i;

  for (i = 0; i < data->n_series; i++)
    {
      const GradlabChartSeries *s = &data->series[i];
      gsize a;
      gsize b;
      gsize k;

      if (s->n == 0)
        continue;

      a = gradlab_series_lower_bound (s->x, s->n, r->g.x_min);
      b = gradlab_series_lower_bound (s->x, s->n, nextafter (r->g.x_max, INFINITY));

      for (k = a; k < b; k++)
        {
          double v = s->y[k];

          if (value_ok (r, v))
            {
              lo = MIN (lo, v);
              hi = MAX (hi, v);
            }
          if (r->display[i] != s->y)
            {
              v = r->display[i][k];
              if (value_ok (r, v))
                {
                  lo = MIN (lo, v);
                  hi = MAX (hi, v);
                }
            }
        }
    }

  if (!isfinite (lo) || !isfinite (hi))
    return FALSE;

  if (data->log_y)
    gradlab_nice_range_log (&lo, &hi, FALSE);
  else
    gradlab_nice_range_linear (&lo, &hi, max_ticks);

  r->g.y_min = lo;
  r->g.y_max = hi;
  r->g.log_y = data->log_y;

  return TRUE;
}

static guint
y_ticks (Render      *r,
         guint        max_ticks,
         GradlabTick *ticks)
{
  if (r->data->log_y)
    return gradlab_ticks_log (r->g.y_min, r->g.y_max, max_ticks, ticks);

  return gradlab_ticks_linear (r->g.y_min, r->g.y_max, max_ticks, ticks);
}

static double
max_label_width (Render            *r,
                 const GradlabTick *ticks,
                 guint              n)
{
  double max_w = 0.0;
  guint i;

  for (i = 0; i < n; i++)
    {
      double w;

      _gradlab_text_size (r->layout, ticks[i].label, &w, NULL);
      max_w = MAX (max_w, w);
    }

  return max_w;
}

/* Lays the legend out in rows: the first row shares the line with the
 * title and is right-aligned, further rows wrap under it. Returns the
 * number of rows used (at least 1). */
static int
layout_legend (Render      *r,
               LegendEntry *entries,
               guint        n_entries,
               double       first_row_left,
               double       right,
               double       left)
{
  double row_left = first_row_left;
  double used = 0.0;
  int row = 0;
  guint start = 0;
  guint i;

  for (i = 0; i <= n_entries; i++)
    {
      gboolean flush = i == n_entries;

      if (!flush && used > 0.0 && row_left + used + entries[i].width > right)
        flush = TRUE;

      if (flush)
        {
          double x = right - used;
          guint k;

          for (k = start; k < i; k++)
            {
              entries[k].row = row;
              entries[k].x = x;
              x += entries[k].width;
            }

          if (i == n_entries)
            break;

          row++;
          row_left = left;
          used = 0.0;
          start = i;
        }

      used += entries[i].width;
    }

  return row + 1;
}

static void
draw_legend_swatch (Render            *r,
                    const LegendEntry *e,
                    double             x,
                    double             cy)
{
  cairo_t *cr = r->cr;

  cairo_save (cr);
  if (e->is_gap)
    {
      _gradlab_set_color (cr, e->color, GAP_ALPHA * 1.6);
      cairo_rectangle (cr, round (x), round (cy - 5), SWATCH_W, 10);
      cairo_fill (cr);
    }
  else
    {
      _gradlab_set_color (cr, e->color, 1.0);
      cairo_set_line_width (cr, 2.0);
      if (e->dashed)
        {
          static const double dash[] = { 4.0, 2.0 };

          cairo_set_dash (cr, dash, 2, 0.0);
        }
      cairo_move_to (cr, x, round (cy));
      cairo_line_to (cr, x + SWATCH_W, round (cy));
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

static guint
collect_markers (Render             *r,
                 GradlabPlacedLabel *placed)
{
  const GradlabSeriesChartData *data = r->data;
  guint n = 0;
  guint i;

  for (i = 0; i < data->n_markers; i++)
    {
      double x = data->markers[i].x;

      if (!isfinite (x) || x < r->g.x_min || x > r->g.x_max)
        continue;

      placed[n].px = _gradlab_crisp (gradlab_chart_geometry_x_to_pixel (&r->g, x));
      placed[n].label = data->markers[i].label;
      placed[n].level = -1;
      n++;
    }

  return n;
}

static gboolean
interpolate_at (const double *x,
                const float  *y,
                gsize         n,
                double        xq,
                double       *out)
{
  gsize i;
  double t;

  if (n == 0 || xq < x[0] || xq > x[n - 1])
    return FALSE;

  i = gradlab_series_lower_bound (x, n, xq);
  if (i < n && x[i] == xq)
    {
      *out = y[i];
      return isfinite (y[i]);
    }
  if (i == 0 || i >= n)
    return FALSE;

  if (!isfinite (y[i - 1]) || !isfinite (y[i]))
    return FALSE;

  t = (xq - x[i - 1]) / (x[i] - x[i - 1]);
  *out = y[i - 1] + t * (y[i] - y[i - 1]);

  return TRUE;
}

static void
fill_gap_run (Render        *r,
              GArray        *run,
              int            sign)
{
  const GradlabSeriesChartData *data = r->data;
  const GdkRGBA *color;
  guint i;

  if (run->len >= 2 && sign != 0)
    {
      color = &data->series[sign > 0 ? data->gap_a : data->gap_b].color;

      cairo_new_path (r->cr);
      for (i = 0; i < run->len; i++)
        {
          const GapSample *s = &g_array_index (run, GapSample, i);

          cairo_line_to (r->cr, s->px, s->ya);
        }
      for (i = run->len; i > 0; i--)
        {
          const GapSample *s = &g_array_index (run, GapSample, i - 1);

          cairo_line_to (r->cr, s->px, s->yb);
        }
      cairo_close_path (r->cr);
      _gradlab_set_color (r->cr, color, GAP_ALPHA);
      cairo_fill (r->cr);
    }

  g_array_set_size (run, 0);
}

static void
draw_gap (Render *r)
{
  const GradlabSeriesChartData *data = r->data;
  const GradlabChartSeries *a;
  const GradlabChartSeries *b;
  g_autoptr(GArray) run = NULL;
  int sign = 0;
  int col;
  int n_cols;

  if (data->gap_a < 0 || data->gap_b < 0 || data->gap_a == data->gap_b ||
      data->gap_a >= (int) data->n_series || data->gap_b >= (int) data->n_series)
    return;

  a = &data->series[data->gap_a];
  b = &data->series[data->gap_b];
  run = g_array_new (FALSE, FALSE, sizeof (GapSample));
  n_cols = (int) ceil (r->g.plot_width);

  /* Sample both displayed lines once per pixel column and fill each run
   * where the same series stays on top with that series' colour. */
  for (col = 0; col <= n_cols; col++)
    {
      double px = r->g.plot_x + MIN (col, r->g.plot_width);
      double xq = gradlab_chart_geometry_pixel_to_x (&r->g, px);
      double va;
      double vb;
      GapSample s;
      int new_sign;

      if (!interpolate_at (a->x, r->display[data->gap_a], a->n, xq, &va) ||
          !interpolate_at (b->x, r->display[data->gap_b], b->n, xq, &vb) ||
          !value_ok (r, va) || !value_ok (r, vb))
        {
          fill_gap_run (r, run, sign);
          sign = 0;
          continue;
        }

      s.px = px;
      s.ya = gradlab_chart_geometry_y_to_pixel (&r->g, va);
      s.yb = gradlab_chart_geometry_y_to_pixel (&r->g, vb);
      new_sign = va > vb ? 1 : va < vb ? -1 : sign;

      if (new_sign != sign && sign != 0)
        {
          /* Close the old run at this column and start the new one here,
           * so that the two shapes meet at the crossing. */
          g_array_append_val (run, s);
          fill_gap_run (r, run, sign);
        }
      sign = new_sign;
      g_array_append_val (run, s);
    }

  fill_gap_run (r, run, sign);
}

static void
stroke_line (Render        *r,
             const double  *x,
             const float   *y,
             gsize          n,
             const GdkRGBA *color,
             double         alpha,
             double         width,
             gboolean       dashed,
             gboolean       dots)
{
  cairo_t *cr = r->cr;
  guint n_cols = (guint) MAX (1.0, ceil (r->g.plot_width));
  gsize m;
  gsize i;
  gboolean pen_down = FALSE;

  m = gradlab_series_reduce (x, y, n, r->g.x_min, r->g.x_max, n_cols, r->red_x, r->red_y);
  if (m == 0)
    return;

  cairo_save (cr);
  _gradlab_set_color (cr, color, alpha);
  cairo_set_line_width (cr, width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  if (dashed)
    {
      double dash[] = { 3.0 * width, 2.0 * width };

      cairo_set_dash (cr, dash, 2, 0.0);
    }

  cairo_new_path (cr);
  for (i = 0; i < m; i++)
    {
      double px;
      double py;

      if (!value_ok (r, r->red_y[i]))
        {
          pen_down = FALSE;
          continue;
        }

      px = gradlab_chart_geometry_x_to_pixel (&r->g, r->red_x[i]);
      py = gradlab_chart_geometry_y_to_pixel (&r->g, r->red_y[i]);
      if (pen_down)
        cairo_line_to (cr, px, py);
      else
        cairo_move_to (cr, px, py);
      pen_down = TRUE;
    }
  cairo_stroke (cr);

  /* Sparse series (validation every N steps) read better with dots. */
  if (dots && (m == 1 || m <= r->g.plot_width / 12.0))
    {
      _gradlab_set_color (cr, color, MAX (alpha, 0.7));
      cairo_set_dash (cr, NULL, 0, 0.0);
      for (i = 0; i < m; i++)
        {
          if (!value_ok (r, r->red_y[i]))
            continue;
          cairo_new_sub_path (cr);
          cairo_arc (cr,
                     gradlab_chart_geometry_x_to_pixel (&r->g, r->red_x[i]),
                     gradlab_chart_geometry_y_to_pixel (&r->g, r->red_y[i]),
                     2.5, 0, 2 * G_PI);
        }
      cairo_fill (cr);
    }

  cairo_restore (cr);
}

static void
draw_series (Render *r)
{
  const GradlabSeriesChartData *data = r->data;
  guint i;

  for (i = 0; i < data->n_series; i++)
    {
      const GradlabChartSeries *s = &data->series[i];

      if (s->n == 0)
        continue;

      /* Dots, if any, mark measurements: they go on the raw values. */
      if (r->display[i] != s->y)
        {
          stroke_line (r, s->x, s->y, s->n, &s->color, 0.28, 1.0, FALSE, TRUE);
          stroke_line (r, s->x, r->display[i], s->n, &s->color, 1.0, 2.0, s->dashed, FALSE);
        }
      else
        stroke_line (r, s->x, s->y, s->n, &s->color, 1.0, 1.5, s->dashed, TRUE);
    }
}

static void
draw_dot (cairo_t       *cr,
          double         x,
          double         y,
          double         radius,
          const GdkRGBA *color,
          const GdkRGBA *outline)
{
  cairo_save (cr);
  cairo_new_path (cr);
  cairo_arc (cr, x, y, radius, 0, 2 * G_PI);
  _gradlab_set_color (cr, color, 1.0);
  cairo_fill_preserve (cr);
  _gradlab_set_color (cr, outline, 1.0);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_best (Render *r)
{
  const GradlabSeriesChartData *data = r->data;
  const GradlabChartSeries *s;
  g_autofree char *label = NULL;
  char value[32];
  char xbuf[32];
  gssize best = -1;
  gsize i;
  double bw;
  double bh;
  double bx;
  double by;

  if (data->best_mode == GRADLAB_BEST_NONE || data->best_series < 0 ||
      data->best_series >= (int) data->n_series)
    return;

  s = &data->series[data->best_series];
  for (i = 0; i < s->n; i++)
    {
      if (!value_ok (r, s->y[i]))
        continue;
      if (best < 0 ||
          (data->best_mode == GRADLAB_BEST_MIN && s->y[i] < s->y[best]) ||
          (data->best_mode == GRADLAB_BEST_MAX && s->y[i] > s->y[best]))
        best = (gssize) i;
    }
  if (best < 0)
    return;

  gradlab_format_value (s->y[best], value, sizeof value);
  format_x (s->x[best], xbuf, sizeof xbuf);
  /* Translators: "best val 0.123 @ step 1200": label, value, axis name, position. */
  label = g_strdup_printf (_("%s %s @ %s %s"),
                           data->best_label != NULL ? data->best_label : _("best"),
                           value, x_name (r), xbuf);

  _gradlab_layout_set_bold (r->layout, FALSE);
  _gradlab_label_box_size (r->layout, label, &bw, &bh);

  if (s->x[best] >= r->g.x_min && s->x[best] <= r->g.x_max)
    {
      double px = gradlab_chart_geometry_x_to_pixel (&r->g, s->x[best]);
      double py = gradlab_chart_geometry_y_to_pixel (&r->g, s->y[best]);

      draw_dot (r->cr, px, py, 4.5, &s->color, &data->bg);

      /* Beside the dot, flipped so that it stays inside the plot. */
      bx = px + 8.0;
      if (bx + bw > r->g.plot_x + r->g.plot_width)
        bx = px - 8.0 - bw;
      by = data->best_mode == GRADLAB_BEST_MIN ? py - 8.0 - bh : py + 8.0;
      if (by < r->g.plot_y)
        by = py + 8.0;
      if (by + bh > r->g.plot_y + r->g.plot_height)
        by = py - 8.0 - bh;
    }
  else
    {
      /* The best sample scrolled out of the window: say so in a corner. */
      bx = r->g.plot_x + 6.0;
      by = r->g.plot_y + 6.0;
    }

  bx = CLAMP (bx, r->g.plot_x + 1.0, MAX (r->g.plot_x + 1.0, r->g.plot_x + r->g.plot_width - bw));
  by = CLAMP (by, r->g.plot_y + 1.0, MAX (r->g.plot_y + 1.0, r->g.plot_y + r->g.plot_height - bh));
  _gradlab_label_box (r->cr, r->layout, label, bx, by, &data->fg, &data->bg);
}

static void
draw_hover (Render *r)
{
  const GradlabSeriesChartData *data = r->data;
  cairo_t *cr = r->cr;
  GPtrArray *lines;
  double snap_x = NAN;
  double best_d = INFINITY;
  double px;
  double box_w = 0.0;
  double box_h;
  double bx;
  double by;
  char xbuf[32];
  guint i;
  guint line;

  if (!data->hover || !isfinite (data->hover_x))
    return;

  /* Snap the crosshair to the nearest sample of any series. */
  for (i = 0; i < data->n_series; i++)
    {
      const GradlabChartSeries *s = &data->series[i];
      gsize k;
      gsize c;

      if (s->n == 0)
        continue;
      k = gradlab_series_lower_bound (s->x, s->n, data->hover_x);
      for (c = (k > 0 ? k - 1 : 0); c <= k && c < s->n; c++)
        {
          double d = fabs (s->x[c] - data->hover_x);

          if (d < best_d && s->x[c] >= r->g.x_min && s->x[c] <= r->g.x_max)
            {
              best_d = d;
              snap_x = s->x[c];
            }
        }
    }
  if (!isfinite (snap_x))
    return;

  px = _gradlab_crisp (gradlab_chart_geometry_x_to_pixel (&r->g, snap_x));

  cairo_save (cr);
  _gradlab_set_color (cr, &data->fg, 0.45);
  cairo_set_line_width (cr, 1.0);
  cairo_move_to (cr, px, r->g.plot_y);
  cairo_line_to (cr, px, r->g.plot_y + r->g.plot_height);
  cairo_stroke (cr);
  cairo_restore (cr);

  lines = g_ptr_array_new_with_free_func (g_free);
  format_x (snap_x, xbuf, sizeof xbuf);
  g_ptr_array_add (lines, g_strdup_printf ("%s %s", x_name (r), xbuf));

  for (i = 0; i < data->n_series; i++)
    {
      const GradlabChartSeries *s = &data->series[i];
      GString *text;
      char raw[32];
      gsize k;
      gsize c;
      gsize nearest;

      if (s->n == 0)
        {
          g_ptr_array_add (lines, NULL);
          continue;
        }

      k = gradlab_series_lower_bound (s->x, s->n, snap_x);
      nearest = MIN (k, s->n - 1);
      for (c = (k > 0 ? k - 1 : 0); c <= k && c < s->n; c++)
        if (fabs (s->x[c] - snap_x) < fabs (s->x[nearest] - snap_x))
          nearest = c;

      text = g_string_new (s->name != NULL ? s->name : "");
      gradlab_format_value (s->y[nearest], raw, sizeof raw);
      if (r->display[i] != s->y)
        {
          char smooth[32];

          gradlab_format_value (r->display[i][nearest], smooth, sizeof smooth);
          g_string_append_printf (text, "  %s", smooth);
          /* Translators: the unsmoothed value in the chart read-out. */
          g_string_append_printf (text, _(" (raw %s)"), raw);
        }
      else
        g_string_append_printf (text, "  %s", raw);

      if (s->x[nearest] != snap_x)
        {
          char at[32];

          format_x (s->x[nearest], at, sizeof at);
          g_string_append_printf (text, " @ %s", at);
        }

      if (value_ok (r, r->display[i][nearest]) &&
          s->x[nearest] >= r->g.x_min && s->x[nearest] <= r->g.x_max)
        draw_dot (cr,
                  gradlab_chart_geometry_x_to_pixel (&r->g, s->x[nearest]),
                  gradlab_chart_geometry_y_to_pixel (&r->g, r->display[i][nearest]),
                  3.0, &s->color, &data->bg);

      g_ptr_array_add (lines, g_string_free (text, FALSE));
    }

  box_h = 6.0;
  for (line = 0; line < lines->len; line++)
    {
      const char *text = g_ptr_array_index (lines, line);
      double w;

      if (text == NULL)
        continue;
      _gradlab_layout_set_bold (r->layout, line == 0);
      _gradlab_text_size (r->layout, text, &w, NULL);
      box_w = MAX (box_w, w + (line > 0 ? 14.0 : 0.0));
      box_h += r->line_h;
    }
  box_w += 12.0;

  bx = px + 12.0;
  if (bx + box_w > r->g.plot_x + r->g.plot_width)
    bx = px - 12.0 - box_w;
  bx = MAX (bx, 0.0);
  by = r->g.plot_y + 6.0;

  cairo_save (cr);
  _gradlab_set_color (cr, &data->bg, 0.94);
  cairo_rectangle (cr, round (bx), round (by), ceil (box_w), ceil (box_h));
  cairo_fill (cr);
  _gradlab_set_color (cr, &data->fg, 0.35);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, round (bx) + 0.5, round (by) + 0.5, ceil (box_w) - 1.0, ceil (box_h) - 1.0);
  cairo_stroke (cr);

  by += 3.0;
  for (line = 0; line < lines->len; line++)
    {
      const char *text = g_ptr_array_index (lines, line);
      double tx = bx + 6.0;

      if (text == NULL)
        continue;

      if (line > 0)
        {
          const GradlabChartSeries *s = &data->series[line - 1];

          _gradlab_set_color (cr, &s->color, 1.0);
          cairo_rectangle (cr, round (tx), round (by + r->line_h / 2.0 - 4.0), 8, 8);
          cairo_fill (cr);
          tx += 14.0;
        }

      _gradlab_layout_set_bold (r->layout, line == 0);
      _gradlab_set_color (cr, &data->fg, 1.0);
      _gradlab_text_draw (cr, r->layout, text, tx, by, 0.0, 0.0);
      by += r->line_h;
    }
  cairo_restore (cr);

  _gradlab_layout_set_bold (r->layout, FALSE);
  g_ptr_array_unref (lines);
}

static void
draw_header (Render      *r,
             LegendEntry *entries,
             guint        n_entries,
             double       top)
{
  const GradlabSeriesChartData *data = r->data;
  cairo_t *cr = r->cr;
  guint i;

  if (data->title != NULL)
    {
      _gradlab_layout_set_bold (r->layout, TRUE);
      _gradlab_set_color (cr, &data->fg, 1.0);
      _gradlab_text_draw (cr, r->layout, data->title, GRADLAB_PAD, top, 0.0, 0.0);
      _gradlab_layout_set_bold (r->layout, FALSE);
    }

  for (i = 0; i < n_entries; i++)
    {
      const LegendEntry *e = &entries[i];
      double y = top + e->row * (r->line_h + 2.0);

      draw_legend_swatch (r, e, e->x, y + r->line_h / 2.0);
      _gradlab_set_color (cr, &data->fg, 0.85);
      _gradlab_text_draw (cr, r->layout, e->name, e->x + SWATCH_W + 4.0, y, 0.0, 0.0);
    }
}

static void
render_impl (cairo_t                      *cr,
             int                           width,
             int                           height,
             const GradlabSeriesChartData *data,
             GradlabTextCache             *text_cache)
{
  Render r = { 0 };
  GradlabTick yt[GRADLAB_TICKS_MAX];
  GradlabTick xt[GRADLAB_TICKS_MAX];
  LegendEntry *entries;
  GradlabPlacedLabel *placed;
  guint n_entries = 0;
  guint n_placed = 0;
  guint n_yt;
  guint n_xt;
  guint max_yt;
  guint i;
  int n_rows;
  int n_levels = 0;
  double title_w = 0.0;
  double top;
  double bottom;
  double left;
  double right;
  double lane_h;
  double box_h;
  double ytick_w;
  double xtick_w;
  gboolean have_data;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (data != NULL);

  if (data->geometry_out != NULL)
    data->geometry_out->valid = FALSE;

  if (width <= 0 || height <= 0)
    return;

  cairo_save (cr);
  _gradlab_paint_background (cr, width, height, &data->bg, data->fill_background);

  r.data = data;
  r.cr = cr;
  r.layout = _gradlab_layout_new_cached (cr, text_cache);
  r.line_h = _gradlab_line_height (r.layout);
  prepare_display (&r);

  /* Header: title on the left, legend entries flowing from the right. */
  entries = g_new0 (LegendEntry, data->n_series + 1);
  for (i = 0; i < data->n_series; i++)
    {
      double w;

      if (data->series[i].name == NULL)
        continue;
      _gradlab_text_size (r.layout, data->series[i].name, &w, NULL);
      entries[n_entries].name = data->series[i].name;
      entries[n_entries].color = &data->series[i].color;
      entries[n_entries].dashed = data->series[i].dashed;
      entries[n_entries].width = SWATCH_W + 4.0 + w + 14.0;
      n_entries++;
    }
  if (data->gap_a >= 0 && data->gap_b >= 0 && data->gap_a != data->gap_b &&
      data->gap_a < (int) data->n_series && data->gap_b < (int) data->n_series)
    {
      double w;

      entries[n_entries].name = _("gap");
      _gradlab_text_size (r.layout, entries[n_entries].name, &w, NULL);
      entries[n_entries].color = &data->series[data->gap_b].color;
      entries[n_entries].is_gap = TRUE;
      entries[n_entries].width = SWATCH_W + 4.0 + w + 14.0;
      n_entries++;
    }
  if (n_entries > 0)
    entries[n_entries - 1].width -= 14.0;

  if (data->title != NULL)
    {
      _gradlab_layout_set_bold (r.layout, TRUE);
      _gradlab_text_size (r.layout, data->title, &title_w, NULL);
      _gradlab_layout_set_bold (r.layout, FALSE);
    }

  n_rows = layout_legend (&r, entries, n_entries,
                          GRADLAB_PAD + title_w + (title_w > 0 ? 24.0 : 0.0),
                          width - GRADLAB_PAD, GRADLAB_PAD);
  if (data->title == NULL && n_entries == 0)
    n_rows = 0;
  top = GRADLAB_PAD + n_rows * (r.line_h + 2.0) + (n_rows > 0 ? 6.0 : 0.0);

  have_data = compute_x_range (&r);
  bottom = TICK_LEN + 2.0 + r.line_h + (data->x_label != NULL ? r.line_h + 2.0 : 0.0) + GRADLAB_PAD;
  box_h = r.line_h + 4.0;
  max_yt = (guint) CLAMP ((height - top - bottom - (data->n_markers > 0 ? box_h : 0)) / 32.0,
                          2, 10);
  have_data = have_data && compute_y_range (&r, max_yt);

  if (!have_data)
    {
      draw_header (&r, entries, n_entries, GRADLAB_PAD);
      _gradlab_draw_empty (cr, r.layout, 0, top, width, height - top, &data->fg,
                           _("No data yet"));
      goto out;
    }

  /* Left margin from the widest y tick label. */
  n_yt = y_ticks (&r, max_yt, yt);
  ytick_w = max_label_width (&r, yt, n_yt);
  left = GRADLAB_PAD + (data->y_label != NULL ? r.line_h + 6.0 : 0.0) + ytick_w + 4.0 + TICK_LEN;

  /* X ticks: as many as fit with room between labels. */
  n_xt = gradlab_ticks_linear (r.g.x_min, r.g.x_max, 10, xt);
  xtick_w = max_label_width (&r, xt, n_xt);
  right = GRADLAB_PAD + ceil (xtick_w / 2.0);

  r.g.plot_x = round (left);
  r.g.plot_width = MAX (1.0, round (width - right - left));
  n_xt = gradlab_ticks_linear (r.g.x_min, r.g.x_max,
                               (guint) CLAMP (r.g.plot_width / (xtick_w + 28.0), 2, 10), xt);

  /* Marker labels get rows of their own between header and plot. */
  placed = g_new0 (GradlabPlacedLabel, MAX (data->n_markers, 1));
  n_placed = collect_markers (&r, placed);
  n_levels = _gradlab_stagger_labels (r.layout, placed, n_placed, r.g.plot_x,
                                      r.g.plot_x + r.g.plot_width, MARKER_LEVELS);
  lane_h = n_levels > 0 ? n_levels * (box_h + 2.0) + 4.0 : 0.0;

  r.g.plot_y = round (top + lane_h);
  r.g.plot_height = MAX (1.0, round (height - bottom - r.g.plot_y));
  r.g.valid = TRUE;

  r.red_x = g_new (double, GRADLAB_SERIES_REDUCED_MAX (ceil (r.g.plot_width)));
  r.red_y = g_new (float, GRADLAB_SERIES_REDUCED_MAX (ceil (r.g.plot_width)));

  /* Grid. */
  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  _gradlab_set_color (cr, &data->fg, 0.09);
  for (i = 0; i < n_yt; i++)
    {
      double py = _gradlab_crisp (gradlab_chart_geometry_y_to_pixel (&r.g, yt[i].value));

      cairo_move_to (cr, r.g.plot_x, py);
      cairo_line_to (cr, r.g.plot_x + r.g.plot_width, py);
    }
  for (i = 0; i < n_xt; i++)
    {
      double px = _gradlab_crisp (gradlab_chart_geometry_x_to_pixel (&r.g, xt[i].value));

      cairo_move_to (cr, px, r.g.plot_y);
      cairo_line_to (cr, px, r.g.plot_y + r.g.plot_height);
    }
  cairo_stroke (cr);
  cairo_restore (cr);

  /* Data, clipped to the plot. */
  cairo_save (cr);
  cairo_rectangle (cr, r.g.plot_x, r.g.plot_y - 1.0, r.g.plot_width + 1.0, r.g.plot_height + 2.0);
  cairo_clip (cr);
  draw_gap (&r);
  draw_series (&r);
  cairo_restore (cr);

  /* Axes, ticks and labels. */
  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  _gradlab_set_color (cr, &data->fg, 0.45);
  cairo_move_to (cr, r.g.plot_x - 0.5, r.g.plot_y);
  cairo_line_to (cr, r.g.plot_x - 0.5, r.g.plot_y + r.g.plot_height + 0.5);
  cairo_line_to (cr, r.g.plot_x + r.g.plot_width, r.g.plot_y + r.g.plot_height + 0.5);
  for (i = 0; i < n_yt; i++)
    {
      double py = _gradlab_crisp (gradlab_chart_geometry_y_to_pixel (&r.g, yt[i].value));

      cairo_move_to (cr, r.g.plot_x - TICK_LEN, py);
      cairo_line_to (cr, r.g.plot_x, py);
    }
  for (i = 0; i < n_xt; i++)
    {
      double px = _gradlab_crisp (gradlab_chart_geometry_x_to_pixel (&r.g, xt[i].value));

      cairo_move_to (cr, px, r.g.plot_y + r.g.plot_height);
      cairo_line_to (cr, px, r.g.plot_y + r.g.plot_height + TICK_LEN);
    }
  cairo_stroke (cr);

  _gradlab_set_color (cr, &data->fg, 0.8);
  for (i = 0; i < n_yt; i++)
    {
      double py = gradlab_chart_geometry_y_to_pixel (&r.g, yt[i].value);

      _gradlab_text_draw (cr, r.layout, yt[i].label, r.g.plot_x - TICK_LEN - 3.0, py, 1.0, 0.5);
    }
  for (i = 0; i < n_xt; i++)
    {
      double px = gradlab_chart_geometry_x_to_pixel (&r.g, xt[i].value);

      _gradlab_text_draw (cr, r.layout, xt[i].label, px,
                          r.g.plot_y + r.g.plot_height + TICK_LEN + 2.0, 0.5, 0.0);
    }
  if (data->x_label != NULL)
    _gradlab_text_draw (cr, r.layout, data->x_label, r.g.plot_x + r.g.plot_width / 2.0,
                        r.g.plot_y + r.g.plot_height + TICK_LEN + 2.0 + r.line_h + 2.0, 0.5, 0.0);
  if (data->y_label != NULL)
    _gradlab_text_draw_vertical (cr, r.layout, data->y_label,
                                 GRADLAB_PAD + r.line_h / 2.0,
                                 r.g.plot_y + r.g.plot_height / 2.0);
  cairo_restore (cr);

  /* Event markers: dashed line through the plot, label in its lane. */
  _gradlab_draw_event_lines (cr, r.layout, placed, n_placed, top, box_h, r.g.plot_y,
                             r.g.plot_height, &data->fg, &data->bg);
  g_free (placed);

  draw_best (&r);
  draw_header (&r, entries, n_entries, GRADLAB_PAD);
  draw_hover (&r);

  if (data->geometry_out != NULL)
    *data->geometry_out = r.g;

out:
  for (i = 0; i < data->n_series; i++)
    g_free (r.owned[i]);
  g_free (r.owned);
  g_free (r.display);
  g_free (r.red_x);
  g_free (r.red_y);
  g_free (entries);
  g_object_unref (r.layout);
  cairo_restore (cr);
}

void
gradlab_series_chart_render (cairo_t                      *cr,
                             int                           width,
                             int                           height,
                             const GradlabSeriesChartData *data)
{
  render_impl (cr, width, height, data, NULL);
}

/* ------------------------------------------------------------------------ */
/* Widget                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct
{
  char          *name;
  GdkRGBA        color;
  gboolean       dashed;
  GradlabSeries *data;
  float         *smooth;      /* (smooth_len) EMA of data->y, valid prefix */
  gsize          smooth_len;
  gsize          smooth_alloc;
  GradlabEma     ema;
} Series;

typedef struct
{
  double  x;
  char   *label;
} Marker;

struct _GradlabSeriesChart
{
  GtkWidget             parent_instance;

  GPtrArray            *series;    /* (element-type Series) */
  GArray               *markers;   /* (element-type Marker) */
  char                 *title;
  char                 *x_label;
  char                 *y_label;
  char                 *best_label;
  double                smoothing;
  int                   window;
  int                   gap_a;
  int                   gap_b;
  int                   best_series;
  GradlabBestMode       best_mode;
  double                hover_px;
  GradlabChartGeometry  geometry;  /* as last drawn on screen, for hover */
  GradlabChartGeometry  last_geometry;  /* as last drawn anywhere (screen or export) */
  GradlabTextCache     *text_cache;     /* shaped labels, reused across frames */

  guint                 log_y : 1;
  guint                 follow : 1;
  guint                 hover : 1;
};

enum {
  PROP_0,
  PROP_TITLE,
  PROP_X_LABEL,
  PROP_Y_LABEL,
  PROP_LOG_Y,
  PROP_SMOOTHING,
  PROP_FOLLOW,
  PROP_WINDOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void renderable_iface_init (GradlabRenderableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GradlabSeriesChart, gradlab_series_chart, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GRADLAB_TYPE_RENDERABLE,
                                                      renderable_iface_init))

static void
series_free (gpointer data)
{
  Series *s = data;

  g_free (s->name);
  gradlab_series_free (s->data);
  g_free (s->smooth);
  g_free (s);
}

static void
marker_clear (gpointer data)
{
  Marker *m = data;

  g_clear_pointer (&m->label, g_free);
}

static void
series_reset_smooth (Series *s,
                     double  smoothing)
{
  s->smooth_len = 0;
  gradlab_ema_init (&s->ema, smoothing);
}

/* Brings the smoothed copy up to date; only new samples cost anything. */
static void
series_update_smooth (Series *s,
                      double  smoothing)
{
  if (s->smooth_len > s->data->len)
    series_reset_smooth (s, smoothing);

  if (s->smooth_alloc < s->data->alloc)
    {
      s->smooth_alloc = s->data->alloc;
      s->smooth = g_renew (float, s->smooth, s->smooth_alloc);
    }

  for (; s->smooth_len < s->data->len; s->smooth_len++)
    s->smooth[s->smooth_len] = gradlab_ema_push (&s->ema, s->data->y[s->smooth_len]);
}

static void
fill_data (GradlabSeriesChart     *self,
           GradlabSeriesChartData *data,
           GradlabChartSeries     *series,
           GradlabChartMarker     *markers)
{
  guint i;

  data->title = self->title;
  data->x_label = self->x_label;
  data->y_label = self->y_label;
  data->log_y = self->log_y;
  data->smoothing = self->smoothing;
  data->x_window = self->follow ? self->window : 0.0;
  data->gap_a = self->gap_a;
  data->gap_b = self->gap_b;
  data->best_series = self->best_series;
  data->best_mode = self->best_mode;
  data->best_label = self->best_label;
  _gradlab_widget_colors (GTK_WIDGET (self), &data->fg, &data->bg);

  for (i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      series[i].name = s->name;
      series[i].color = s->color;
      series[i].dashed = s->dashed;
      series[i].x = s->data->x;
      series[i].y = s->data->y;
      series[i].n = s->data->len;
      series[i].smooth = NULL;
      if (self->smoothing > 0.0)
        {
          series_update_smooth (s, self->smoothing);
          series[i].smooth = s->smooth;
        }
    }
  data->series = series;
  data->n_series = self->series->len;

  for (i = 0; i < self->markers->len; i++)
    {
      Marker *m = &g_array_index (self->markers, Marker, i);

      markers[i].x = m->x;
      markers[i].label = m->label;
    }
  data->markers = markers;
  data->n_markers = self->markers->len;
}

static void
draw_to (GradlabRenderable *renderable,
         cairo_t           *cr,
         int                width,
         int                height,
         gboolean           for_export)
{
  GradlabSeriesChart *self = GRADLAB_SERIES_CHART (renderable);
  GradlabSeriesChartData data = { 0 };
  GradlabChartSeries *series = g_new0 (GradlabChartSeries, MAX (self->series->len, 1));
  GradlabChartMarker *markers = g_new0 (GradlabChartMarker, MAX (self->markers->len, 1));

  fill_data (self, &data, series, markers);
  data.fill_background = for_export;
  if (!for_export)
    {
      data.hover = self->hover && self->geometry.valid;
      if (data.hover)
        data.hover_x = gradlab_chart_geometry_pixel_to_x (&self->geometry, self->hover_px);
    }
  data.geometry_out = &self->last_geometry;

  render_impl (cr, width, height, &data, self->text_cache);
  if (!for_export)
    self->geometry = self->last_geometry;

  g_free (series);
  g_free (markers);
}

static void
renderable_iface_init (GradlabRenderableInterface *iface)
{
  iface->draw = draw_to;
}

static void
gradlab_series_chart_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 480;
    }
  else
    {
      *minimum = 140;
      *natural = 280;
    }
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           GradlabSeriesChart       *self)
{
  self->hover = TRUE;
  self->hover_px = x;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
leave_cb (GtkEventControllerMotion *controller,
          GradlabSeriesChart       *self)
{
  self->hover = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
gradlab_series_chart_finalize (GObject *object)
{
  GradlabSeriesChart *self = GRADLAB_SERIES_CHART (object);

  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->markers, g_array_unref);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->x_label, g_free);
  g_clear_pointer (&self->y_label, g_free);
  g_clear_pointer (&self->best_label, g_free);
  g_clear_pointer (&self->text_cache, _gradlab_text_cache_free);

  G_OBJECT_CLASS (gradlab_series_chart_parent_class)->finalize (object);
}

static void
gradlab_series_chart_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  GradlabSeriesChart *self = GRADLAB_SERIES_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_X_LABEL:
      g_value_set_string (value, self->x_label);
      break;
    case PROP_Y_LABEL:
      g_value_set_string (value, self->y_label);
      break;
    case PROP_LOG_Y:
      g_value_set_boolean (value, self->log_y);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    case PROP_FOLLOW:
      g_value_set_boolean (value, self->follow);
      break;
    case PROP_WINDOW:
      g_value_set_int (value, self->window);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_series_chart_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  GradlabSeriesChart *self = GRADLAB_SERIES_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      gradlab_series_chart_set_title (self, g_value_get_string (value));
      break;
    case PROP_X_LABEL:
      gradlab_series_chart_set_x_label (self, g_value_get_string (value));
      break;
    case PROP_Y_LABEL:
      gradlab_series_chart_set_y_label (self, g_value_get_string (value));
      break;
    case PROP_LOG_Y:
      gradlab_series_chart_set_log_y (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTHING:
      gradlab_series_chart_set_smoothing (self, g_value_get_double (value));
      break;
    case PROP_FOLLOW:
      gradlab_series_chart_set_follow (self, g_value_get_boolean (value));
      break;
    case PROP_WINDOW:
      gradlab_series_chart_set_window (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_series_chart_class_init (GradlabSeriesChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gradlab_series_chart_finalize;
  object_class->get_property = gradlab_series_chart_get_property;
  object_class->set_property = gradlab_series_chart_set_property;

  widget_class->snapshot = _gradlab_renderable_snapshot;
  widget_class->measure = gradlab_series_chart_measure;

  /**
   * GradlabSeriesChart:title:
   *
   * Bold text at the top left; also the accessible label.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * GradlabSeriesChart:x-label:
   *
   * Name of the x axis, under it and in read-outs ("step" when unset).
   */
  properties[PROP_X_LABEL] =
    g_param_spec_string ("x-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * GradlabSeriesChart:y-label:
   *
   * Name of the y axis, rotated on the left.
   */
  properties[PROP_Y_LABEL] =
    g_param_spec_string ("y-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * GradlabSeriesChart:log-y:
   *
   * Logarithmic y axis; values <= 0 are then not drawn.
   */
  properties[PROP_LOG_Y] =
    g_param_spec_boolean ("log-y", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * GradlabSeriesChart:smoothing:
   *
   * EMA weight of the past, 0 .. 0.99. Above 0 the smoothed line is drawn
   * bold and the raw one faintly behind it.
   */
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0.0, 0.99, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * GradlabSeriesChart:follow:
   *
   * Show only the last #GradlabSeriesChart:window units of x; else all.
   */
  properties[PROP_FOLLOW] =
    g_param_spec_boolean ("follow", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * GradlabSeriesChart:window:
   *
   * Width of the followed window, in x units (steps).
   */
  properties[PROP_WINDOW] =
    g_param_spec_int ("window", NULL, NULL, 1, G_MAXINT, 1000,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "gradlab-series-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gradlab_series_chart_init (GradlabSeriesChart *self)
{
  GtkEventController *motion;

  self->series = g_ptr_array_new_with_free_func (series_free);
  self->text_cache = _gradlab_text_cache_new ();
  self->markers = g_array_new (FALSE, TRUE, sizeof (Marker));
  g_array_set_clear_func (self->markers, marker_clear);
  self->window = 1000;
  self->gap_a = -1;
  self->gap_b = -1;
  self->best_series = -1;
  self->best_mode = GRADLAB_BEST_NONE;

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
gradlab_series_chart_new (void)
{
  return g_object_new (GRADLAB_TYPE_SERIES_CHART, NULL);
}

guint
gradlab_series_chart_add_series (GradlabSeriesChart *self,
                                 const char         *name,
                                 const GdkRGBA      *color,
                                 gboolean            dashed)
{
  Series *s;

  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), 0);
  g_return_val_if_fail (color != NULL, 0);

  s = g_new0 (Series, 1);
  s->name = g_strdup (name);
  s->color = *color;
  s->dashed = !!dashed;
  s->data = gradlab_series_new ();
  series_reset_smooth (s, self->smoothing);
  g_ptr_array_add (self->series, s);

  gtk_widget_queue_draw (GTK_WIDGET (self));

  return self->series->len - 1;
}

guint
gradlab_series_chart_get_n_series (GradlabSeriesChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), 0);

  return self->series->len;
}

void
gradlab_series_chart_append (GradlabSeriesChart *self,
                             guint               series,
                             double              x,
                             float               y)
{
  gradlab_series_chart_append_many (self, series, &x, &y, 1);
}

void
gradlab_series_chart_append_many (GradlabSeriesChart *self,
                                  guint               series,
                                  const double       *x,
                                  const float        *y,
                                  gsize               n)
{
  Series *s;
  gsize i;

  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));
  g_return_if_fail (series < self->series->len);
  g_return_if_fail (n == 0 || (x != NULL && y != NULL));

  s = g_ptr_array_index (self->series, series);
  for (i = 0; i < n; i++)
    gradlab_series_append (s->data, x[i], y[i]);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gsize
gradlab_series_chart_get_series_length (GradlabSeriesChart *self,
                                        guint               series)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), 0);

  if (series >= self->series->len)
    return 0;

  return ((Series *) g_ptr_array_index (self->series, series))->data->len;
}

void
gradlab_series_chart_clear (GradlabSeriesChart *self)
{
  guint i;

  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  for (i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      gradlab_series_clear (s->data);
      series_reset_smooth (s, self->smoothing);
    }
  g_array_set_size (self->markers, 0);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_series_chart_remove_all_series (GradlabSeriesChart *self)
{
  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  g_ptr_array_set_size (self->series, 0);
  g_array_set_size (self->markers, 0);
  self->gap_a = self->gap_b = -1;
  self->best_series = -1;
  self->best_mode = GRADLAB_BEST_NONE;

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_series_chart_set_gap_pair (GradlabSeriesChart *self,
                                   int                 series_a,
                                   int                 series_b)
{
  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  self->gap_a = series_a;
  self->gap_b = series_b;

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_series_chart_set_best (GradlabSeriesChart *self,
                               int                 series,
                               GradlabBestMode     mode,
                               const char         *label)
{
  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  self->best_series = series;
  self->best_mode = mode;
  g_free (self->best_label);
  self->best_label = g_strdup (label);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_series_chart_add_marker (GradlabSeriesChart *self,
                                 double              x,
                                 const char         *label)
{
  Marker m;

  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  m.x = x;
  m.label = g_strdup (label);
  g_array_append_val (self->markers, m);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_series_chart_clear_markers (GradlabSeriesChart *self)
{
  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  g_array_set_size (self->markers, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
gradlab_series_chart_get_title (GradlabSeriesChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), NULL);

  return self->title;
}

void
gradlab_series_chart_set_title (GradlabSeriesChart *self,
                                const char         *title)
{
  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  if (_gradlab_set_str (&self->title, title))
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, title != NULL ? title : "",
                                      -1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

const char *
gradlab_series_chart_get_x_label (GradlabSeriesChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), NULL);

  return self->x_label;
}

void
gradlab_series_chart_set_x_label (GradlabSeriesChart *self,
                                  const char         *x_label)
{
  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  if (_gradlab_set_str (&self->x_label, x_label))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_LABEL]);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

const char *
gradlab_series_chart_get_y_label (GradlabSeriesChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), NULL);

  return self->y_label;
}

void
gradlab_series_chart_set_y_label (GradlabSeriesChart *self,
                                  const char         *y_label)
{
  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  if (_gradlab_set_str (&self->y_label, y_label))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_Y_LABEL]);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

gboolean
gradlab_series_chart_get_log_y (GradlabSeriesChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), FALSE);

  return self->log_y;
}

void
gradlab_series_chart_set_log_y (GradlabSeriesChart *self,
                                gboolean            log_y)
{
  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  log_y = !!log_y;
  if (self->log_y == log_y)
    return;

  self->log_y = log_y;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_Y]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
gradlab_series_chart_get_smoothing (GradlabSeriesChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), 0.0);

  return self->smoothing;
}

void
gradlab_series_chart_set_smoothing (GradlabSeriesChart *self,
                                    double              smoothing)
{
  guint i;

  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  smoothing = CLAMP (smoothing, 0.0, 0.99);
  if (self->smoothing == smoothing)
    return;

  self->smoothing = smoothing;
  for (i = 0; i < self->series->len; i++)
    series_reset_smooth (g_ptr_array_index (self->series, i), smoothing);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
gradlab_series_chart_get_follow (GradlabSeriesChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), FALSE);

  return self->follow;
}

void
gradlab_series_chart_set_follow (GradlabSeriesChart *self,
                                 gboolean            follow)
{
  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  follow = !!follow;
  if (self->follow == follow)
    return;

  self->follow = follow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
gradlab_series_chart_get_window (GradlabSeriesChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), 0);

  return self->window;
}

void
gradlab_series_chart_set_window (GradlabSeriesChart *self,
                                 int                 window)
{
  g_return_if_fail (GRADLAB_IS_SERIES_CHART (self));

  window = MAX (window, 1);
  if (self->window == window)
    return;

  self->window = window;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
gradlab_series_chart_get_n_markers (GradlabSeriesChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), 0);

  return self->markers->len;
}

gboolean
gradlab_series_chart_get_geometry (GradlabSeriesChart   *self,
                                   GradlabChartGeometry *out)
{
  g_return_val_if_fail (GRADLAB_IS_SERIES_CHART (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  *out = self->last_geometry;

  return self->last_geometry.valid;
}
