/* gradlab-bar-chart.c: shares (0 .. 1) per category, e.g. class pixel
 * frequencies, on a linear or log axis
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-bar-chart.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gradlab-colors.h"
#include "gradlab-draw-private.h"
#include "gradlab-renderable.h"

#define TICK_LEN     4.0
#define NAMES_MAX_W  120.0
#define MIN_BAND     14.0
#define MAX_BAND     34.0
#define MAX_VBAND    90.0
#define MARK_SIZE    16.0
#define SWATCH       12.0
#define LOG_FLOOR    1e-4
#define SECOND_ALPHA 0.45

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

void
gradlab_bar_chart_format_percent (double  value,
                                  char   *buf,
                                  gsize   size)
{
  double pct = value * 100.0;

  g_return_if_fail (buf != NULL);

  if (!isfinite (value))
    g_strlcpy (buf, "–", size);
  else if (pct <= 0.0)
    g_strlcpy (buf, "0 %", size);
  else if (pct >= 99.95)
    g_strlcpy (buf, "100 %", size);
  else if (pct >= 0.995)
    g_snprintf (buf, size, "%.1f %%", pct);
  else
    {
      /* Two significant digits, so that 0.0123 % is not "0.0 %". */
      int decimals = CLAMP ((int) ceil (-log10 (pct)) + 1, 1, 6);

      g_snprintf (buf, size, "%.*f %%", decimals, pct);
    }
}

double
gradlab_bar_chart_geometry_value_to_pixel (const GradlabBarChartGeometry *geometry,
                                           double                         value)
{
  double t;

  g_return_val_if_fail (geometry != NULL, 0.0);

  if (geometry->log_scale)
    t = value > 0.0 ? (log10 (value) - log10 (geometry->lo)) / -log10 (geometry->lo) : 0.0;
  else
    t = value;
  if (!isfinite (t))
    t = 0.0;
  t = CLAMP (t, 0.0, 1.0);

  if (geometry->orientation == GTK_ORIENTATION_HORIZONTAL)
    return geometry->axis_start + t * geometry->axis_length;

  return geometry->axis_start - t * geometry->axis_length;
}

/* Axis labels are round numbers: "25 %", "1 %", "0.01 %". */
static void
format_tick (double  value,
             char   *buf,
             gsize   size)
{
  double pct = value * 100.0;

  if (pct >= 1.0 || pct <= 0.0)
    g_snprintf (buf, size, "%.0f %%", pct);
  else
    g_snprintf (buf, size, "%.*f %%", CLAMP ((int) round (-log10 (pct)), 1, 6), pct);
}

typedef struct
{
  const GradlabBarChartData *data;
  cairo_t                   *cr;
  PangoLayout               *layout;
  double                     line_h;
  GdkRGBA                    colors[GRADLAB_BAR_CHART_MAX_BARS];
  char                      *names[GRADLAB_BAR_CHART_MAX_BARS];
  guint                      n;
  double                     top;     /* below the title and legend */
  GradlabBarChartGeometry    g;
} Render;

static double
log_floor (const GradlabBarChartData *data,
           guint                      n)
{
  double min_v = 1.0;
  guint i;

  for (i = 0; i < n; i++)
    {
      if (data->values != NULL && isfinite (data->values[i]) && data->values[i] > 0.0f)
        min_v = MIN (min_v, data->values[i]);
      if (data->values2 != NULL && isfinite (data->values2[i]) && data->values2[i] > 0.0f)
        min_v = MIN (min_v, data->values2[i]);
    }

  /* A decade below the smallest value, so that its bar has length. */
  return MAX (pow (10.0, floor (log10 (min_v)) - 1.0), LOG_FLOOR);
}

static guint
axis_ticks (const Render *r,
            double       *ticks)
{
  guint n = 0;
  double v;

  if (r->g.log_scale)
    {
      for (v = r->g.lo; v <= 1.0 + 1e-9; v *= 10.0)
        ticks[n++] = v;
      return n;
    }

  for (n = 0; n < 5; n++)
    ticks[n] = n * 0.25;

  return n;
}

static void
draw_title_and_legend (Render *r,
                       int     width)
{
  const GradlabBarChartData *data = r->data;
  cairo_t *cr = r->cr;
  double y = GRADLAB_PAD;
  double title_w = 0.0;

  r->top = GRADLAB_PAD;

  if (data->title != NULL)
    {
      _gradlab_layout_set_bold (r->layout, TRUE);
      _gradlab_text_ellipsize (r->layout, width - 2 * GRADLAB_PAD);
      _gradlab_set_color (cr, &data->fg, 1.0);
      _gradlab_text_draw (cr, r->layout, data->title, GRADLAB_PAD, y, 0.0, 0.0);
      _gradlab_text_size (r->layout, data->title, &title_w, NULL);
      _gradlab_text_ellipsize (r->layout, -1);
      _gradlab_layout_set_bold (r->layout, FALSE);
      r->top = y + r->line_h + 6.0;
    }

  if (data->values2 != NULL)
    {
      const char *labels[2] = {
        data->label != NULL ? data->label : _("first"),
        data->label2 != NULL ? data->label2 : _("second"),
      };
      double w[2];
      double total;
      double x;
      guint i;

      _gradlab_text_size (r->layout, labels[0], &w[0], NULL);
      _gradlab_text_size (r->layout, labels[1], &w[1], NULL);
      total = 2 * (SWATCH + 5.0) + w[0] + w[1] + 14.0;

      /* Right-aligned on the title line when it fits, else a line of its own. */
      x = width - GRADLAB_PAD - total;
      if (data->title != NULL && x < GRADLAB_PAD + title_w + 16.0)
        {
          y = r->top;
          x = GRADLAB_PAD;
          r->top = y + r->line_h + 6.0;
        }
      else if (data->title == NULL)
        r->top = y + r->line_h + 6.0;

      for (i = 0; i < 2; i++)
        {
          GdkRGBA swatch = data->fg;
          double sy = round (y + (r->line_h - SWATCH) / 2.0);

          /* Neutral swatches: the bars themselves carry the class colours. */
          cairo_save (cr);
          _gradlab_set_color (cr, &swatch, i == 0 ? 0.75 : 0.75 * SECOND_ALPHA);
          cairo_rectangle (cr, round (x), sy, SWATCH, SWATCH);
          cairo_fill (cr);
          if (i == 1)
            {
              _gradlab_set_color (cr, &swatch, 0.75);
              cairo_set_line_width (cr, 1.0);
              cairo_rectangle (cr, round (x) + 0.5, sy + 0.5, SWATCH - 1.0, SWATCH - 1.0);
              cairo_stroke (cr);
            }
          _gradlab_set_color (cr, &data->fg, 0.9);
          _gradlab_text_draw (cr, r->layout, labels[i], x + SWATCH + 5.0, y, 0.0, 0.0);
          cairo_restore (cr);
          x += SWATCH + 5.0 + w[i] + 14.0;
        }
    }
}

/* Where a bar's value label goes: the point it is anchored at (left
 * middle of the text for horizontal bars, bottom middle for vertical). */
typedef struct
{
  char   text[32];
  double x;
  double y;
  double width;
} ValueLabel;

/* One bar from the axis start to @value, thickness [@a, @a + @size)
 * across, or a hatched mark where the value has no place on the axis.
 * Fills in @label without drawing it. */
static void
draw_bar (Render        *r,
          float          value,
          const GdkRGBA *color,
          gboolean       second,
          double         a,
          double         size,
          ValueLabel    *label)
{
  const GradlabBarChartData *data = r->data;
  const GradlabBarChartGeometry *g = &r->g;
  gboolean horizontal = g->orientation == GTK_ORIENTATION_HORIZONTAL;
  cairo_t *cr = r->cr;
  double end = g->axis_start;

  gradlab_bar_chart_format_percent (value, label->text, sizeof label->text);
  _gradlab_text_size (r->layout, label->text, &label->width, NULL);

  cairo_save (cr);

  if (!isfinite (value) || (g->log_scale && value <= 0.0f))
    {
      double mark = MIN (MARK_SIZE, size);
      GdkRGBA bad;

      gradlab_palette_color (4, &bad);
      if (horizontal)
        {
          _gradlab_hatch (cr, g->axis_start, a, mark, size, isfinite (value) ? &data->fg : &bad);
          end = g->axis_start + mark;
        }
      else
        {
          _gradlab_hatch (cr, a, g->axis_start - mark, size, mark,
                          isfinite (value) ? &data->fg : &bad);
          end = g->axis_start - mark;
        }
    }
  else if (value > 0.0f)
    {
      /* Zero on a linear axis gets no bar at all, only its label. */
      end = round (gradlab_bar_chart_geometry_value_to_pixel (g, value));
      if (horizontal)
        cairo_rectangle (cr, g->axis_start, a, MAX (1.0, end - g->axis_start), size);
      else
        cairo_rectangle (cr, a, MIN (end, g->axis_start - 1.0), size,
                         MAX (1.0, g->axis_start - end));
      _gradlab_set_color (cr, color, second ? SECOND_ALPHA : 0.9);
      if (second)
        {
          /* Lighter, with an outline in the full colour. */
          cairo_fill_preserve (cr);
          cairo_save (cr);
          cairo_clip (cr);
          _gradlab_set_color (cr, color, 1.0);
          cairo_set_line_width (cr, 2.0);
          if (horizontal)
            cairo_rectangle (cr, g->axis_start, a, MAX (1.0, end - g->axis_start), size);
          else
            cairo_rectangle (cr, a, MIN (end, g->axis_start - 1.0), size,
                             MAX (1.0, g->axis_start - end));
          cairo_stroke (cr);
          cairo_restore (cr);
        }
      else
        cairo_fill (cr);
    }

  cairo_restore (cr);

  /* The value is always written outside the bar: the axis leaves room. */
  if (horizontal)
    {
      label->x = MAX (end, g->axis_start) + 4.0;
      label->y = a + size / 2.0;
    }
  else
    {
      label->x = a + size / 2.0;
      label->y = MIN (end, g->axis_start) - 2.0;
    }
}

static void
draw_value_label (Render           *r,
                  const ValueLabel *label)
{
  gboolean horizontal = r->g.orientation == GTK_ORIENTATION_HORIZONTAL;

  cairo_save (r->cr);
  _gradlab_set_color (r->cr, &r->data->fg, 0.85);
  _gradlab_text_draw (r->cr, r->layout, label->text, label->x, label->y,
                      horizontal ? 0.0 : 0.5, horizontal ? 0.5 : 1.0);
  cairo_restore (r->cr);
}

static void
draw_axis (Render *r,
           double  cross_start,
           double  cross_end)
{
  const GradlabBarChartData *data = r->data;
  const GradlabBarChartGeometry *g = &r->g;
  gboolean horizontal = g->orientation == GTK_ORIENTATION_HORIZONTAL;
  cairo_t *cr = r->cr;
  double ticks[16];
  double last_end = horizontal ? -G_MAXDOUBLE : G_MAXDOUBLE;
  guint n;
  guint i;

  n = axis_ticks (r, ticks);

  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  for (i = 0; i < n; i++)
    {
      double p = _gradlab_crisp (gradlab_bar_chart_geometry_value_to_pixel (g, ticks[i]));
      char label[32];
      double lw;
      double xalign = i == 0 ? 0.0 : 0.5;
      gboolean show;

      format_tick (ticks[i], label, sizeof label);
      _gradlab_text_size (r->layout, label, &lw, NULL);

      /* On a short axis every other label goes, never into a neighbour. */
      if (horizontal)
        {
          double left = p - xalign * lw;

          show = left >= last_end + 6.0;
          if (show)
            last_end = left + lw;
        }
      else
        {
          show = p + r->line_h / 2.0 <= last_end - 2.0;
          if (show)
            last_end = p - r->line_h / 2.0;
        }

      if (horizontal)
        {
          p = MIN (p, _gradlab_crisp (g->axis_start + g->axis_length - 1.0));
          _gradlab_set_color (cr, &data->fg, 0.09);
          cairo_move_to (cr, p, cross_start);
          cairo_line_to (cr, p, cross_end);
          cairo_stroke (cr);
          _gradlab_set_color (cr, &data->fg, 0.45);
          cairo_move_to (cr, p, cross_end);
          cairo_line_to (cr, p, cross_end + TICK_LEN);
          cairo_stroke (cr);
          _gradlab_set_color (cr, &data->fg, 0.8);
          if (show)
            _gradlab_text_draw (cr, r->layout, label, p, cross_end + TICK_LEN + 2.0,
                                xalign, 0.0);
        }
      else
        {
          p = MAX (p, _gradlab_crisp (g->axis_start - g->axis_length));
          _gradlab_set_color (cr, &data->fg, 0.09);
          cairo_move_to (cr, cross_start, p);
          cairo_line_to (cr, cross_end, p);
          cairo_stroke (cr);
          _gradlab_set_color (cr, &data->fg, 0.45);
          cairo_move_to (cr, cross_start - TICK_LEN, p);
          cairo_line_to (cr, cross_start, p);
          cairo_stroke (cr);
          _gradlab_set_color (cr, &data->fg, 0.8);
          if (show)
            _gradlab_text_draw (cr, r->layout, label, cross_start - TICK_LEN - 3.0, p, 1.0, 0.5);
        }
    }

  _gradlab_set_color (cr, &data->fg, 0.45);
  if (horizontal)
    {
      cairo_move_to (cr, g->axis_start - 0.5, cross_start);
      cairo_line_to (cr, g->axis_start - 0.5, cross_end + 0.5);
      cairo_line_to (cr, g->axis_start + g->axis_length, cross_end + 0.5);
    }
  else
    {
      cairo_move_to (cr, cross_start - 0.5, g->axis_start - g->axis_length);
      cairo_line_to (cr, cross_start - 0.5, g->axis_start + 0.5);
      cairo_line_to (cr, cross_end, g->axis_start + 0.5);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_bands (Render *r)
{
  const GradlabBarChartData *data = r->data;
  const GradlabBarChartGeometry *g = &r->g;
  gboolean two = data->values2 != NULL;
  double gap = MAX (3.0, round (g->band_size * 0.2));
  double thick = two ? floor ((g->band_size - gap) / 2.0) : g->band_size - gap;
  guint i;

  for (i = 0; i < r->n; i++)
    {
      double a = g->band_start[i] + floor (gap / 2.0);
      float v = data->values != NULL ? data->values[i] : NAN;
      ValueLabel first;
      ValueLabel second;

      draw_bar (r, v, &r->colors[i], FALSE, a, thick, &first);
      if (two)
        {
          draw_bar (r, data->values2[i], &r->colors[i], TRUE, a + thick, thick, &second);

          /* Side by side above vertical bars the two labels may collide:
           * lift the first just clear of the second (the axis keeps a
           * spare line for it). */
          if (g->orientation == GTK_ORIENTATION_VERTICAL &&
              (first.width + second.width) / 2.0 + 4.0 > second.x - first.x &&
              fabs (first.y - second.y) < r->line_h)
            first.y = MIN (first.y, second.y - r->line_h);
          draw_value_label (r, &second);
        }
      draw_value_label (r, &first);
    }
}

static double
max_name_width (Render *r)
{
  double max_w = 0.0;
  guint i;

  for (i = 0; i < r->n; i++)
    {
      double w;

      _gradlab_text_size (r->layout, r->names[i], &w, NULL);
      max_w = MAX (max_w, w);
    }

  return max_w;
}

static void
render_horizontal (Render *r,
                   int     width,
                   int     height)
{
  const GradlabBarChartData *data = r->data;
  GradlabBarChartGeometry *g = &r->g;
  double names_w = MIN (max_name_width (r), NAMES_MAX_W);
  double label_w;
  double axis_h = TICK_LEN + 2.0 + r->line_h;
  double avail;
  double band;
  guint i;

  /* Room right of the axis for the widest value label, "100 %". */
  _gradlab_text_size (r->layout, "100.0 %", &label_w, NULL);

  g->axis_start = round (GRADLAB_PAD + names_w + 8.0);
  g->axis_length = floor (width - GRADLAB_PAD - label_w - 6.0 - g->axis_start);
  avail = height - r->top - axis_h - GRADLAB_PAD;
  band = floor (CLAMP (avail / r->n, MIN_BAND, MAX_BAND * (data->values2 != NULL ? 1.5 : 1.0)));
  g->band_size = band;
  if (g->axis_length < 20.0)
    return;

  for (i = 0; i < r->n; i++)
    g->band_start[i] = r->top + i * band;
  g->valid = TRUE;

  draw_axis (r, r->top, r->top + r->n * band);

  _gradlab_text_ellipsize (r->layout, NAMES_MAX_W);
  _gradlab_set_color (r->cr, &data->fg, 0.9);
  for (i = 0; i < r->n; i++)
    _gradlab_text_draw (r->cr, r->layout, r->names[i], g->axis_start - 8.0,
                        g->band_start[i] + band / 2.0, 1.0, 0.5);
  _gradlab_text_ellipsize (r->layout, -1);

  draw_bands (r);
}

static void
render_vertical (Render *r,
                 int     width,
                 int     height)
{
  const GradlabBarChartData *data = r->data;
  GradlabBarChartGeometry *g = &r->g;
  double ticks_w;
  double left;
  double band;
  double names_y;
  guint i;

  _gradlab_text_size (r->layout, "100 %", &ticks_w, NULL);
  if (r->g.log_scale)
    {
      double w;
      char label[32];

      format_tick (g->lo, label, sizeof label);
      _gradlab_text_size (r->layout, label, &w, NULL);
      ticks_w = MAX (ticks_w, w);
    }

  left = round (GRADLAB_PAD + ticks_w + TICK_LEN + 4.0);
  band = floor (CLAMP ((width - GRADLAB_PAD - left) / r->n, MIN_BAND * 2, MAX_VBAND));
  g->band_size = band;

  /* Names under the bands, value labels above the bars (two rows when
   * the two series' labels do not fit side by side). */
  names_y = height - GRADLAB_PAD - r->line_h;
  g->axis_start = floor (names_y - 4.0);
  g->axis_length = floor (g->axis_start - r->top - r->line_h * (data->values2 != NULL ? 2 : 1) - 4.0);
  if (g->axis_length < 20.0)
    return;

  for (i = 0; i < r->n; i++)
    g->band_start[i] = left + i * band;
  g->valid = TRUE;

  draw_axis (r, left, left + r->n * band);

  _gradlab_text_ellipsize (r->layout, band - 2.0);
  _gradlab_set_color (r->cr, &data->fg, 0.9);
  for (i = 0; i < r->n; i++)
    _gradlab_text_draw (r->cr, r->layout, r->names[i], g->band_start[i] + band / 2.0, names_y,
                        0.5, 0.0);
  _gradlab_text_ellipsize (r->layout, -1);

  draw_bands (r);
}

void
gradlab_bar_chart_render (cairo_t                   *cr,
                          int                        width,
                          int                        height,
                          const GradlabBarChartData *data)
{
  Render r = { 0 };
  guint i;

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
  r.layout = _gradlab_layout_new (cr);
  r.line_h = _gradlab_line_height (r.layout);
  r.n = MIN (data->n_bars, GRADLAB_BAR_CHART_MAX_BARS);
  r.g.orientation = data->orientation;
  r.g.log_scale = data->log_scale;
  r.g.n_bars = r.n;
  r.g.lo = data->log_scale ? log_floor (data, r.n) : 0.0;

  for (i = 0; i < r.n; i++)
    {
      const char *name = data->names != NULL ? data->names[i] : NULL;

      if (data->colors != NULL)
        r.colors[i] = data->colors[i];
      else
        gradlab_class_color (i, &r.colors[i]);
      r.names[i] = name != NULL ? g_strdup (name) : g_strdup_printf (_("class %u"), i);
    }

  draw_title_and_legend (&r, width);

  if (r.n == 0)
    _gradlab_draw_empty (cr, r.layout, 0, r.top, width, height - r.top, &data->fg,
                         _("No data yet"));
  else if (data->orientation == GTK_ORIENTATION_VERTICAL)
    render_vertical (&r, width, height);
  else
    render_horizontal (&r, width, height);

  if (data->geometry_out != NULL)
    *data->geometry_out = r.g;

  for (i = 0; i < r.n; i++)
    g_free (r.names[i]);
  g_object_unref (r.layout);
  cairo_restore (cr);
}

/* ------------------------------------------------------------------------ */
/* Widget                                                                   */
/* ------------------------------------------------------------------------ */

struct _GradlabBarChart
{
  GtkWidget       parent_instance;

  char           *title;
  guint           n_bars;
  GStrv           names;
  GdkRGBA        *colors;
  float          *values;
  float          *values2;
  char           *label;
  char           *label2;
  GtkOrientation  orientation;
  gboolean        log_scale;
};

enum {
  PROP_0,
  PROP_TITLE,
  PROP_ORIENTATION,
  PROP_LOG_SCALE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void renderable_iface_init (GradlabRenderableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GradlabBarChart, gradlab_bar_chart, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GRADLAB_TYPE_RENDERABLE,
                                                      renderable_iface_init))

static void
draw_to (GradlabRenderable *renderable,
         cairo_t           *cr,
         int                width,
         int                height,
         gboolean           for_export)
{
  GradlabBarChart *self = GRADLAB_BAR_CHART (renderable);
  GradlabBarChartData data = { 0 };

  _gradlab_widget_colors (GTK_WIDGET (self), &data.fg, &data.bg);
  data.fill_background = for_export;
  data.title = self->title;
  data.n_bars = self->n_bars;
  data.names = (const char *const *) self->names;
  data.colors = self->colors;
  data.values = self->values;
  data.values2 = self->values2;
  data.label = self->label;
  data.label2 = self->label2;
  data.orientation = self->orientation;
  data.log_scale = self->log_scale;

  gradlab_bar_chart_render (cr, width, height, &data);
}

static void
renderable_iface_init (GradlabRenderableInterface *iface)
{
  iface->draw = draw_to;
}

static void
gradlab_bar_chart_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  GradlabBarChart *self = GRADLAB_BAR_CHART (widget);
  guint n = MAX (self->n_bars, 4);
  gboolean along = orientation == self->orientation;

  /* Along the bars: room for a readable axis. Across: a band per category. */
  if (along)
    {
      *minimum = 160;
      *natural = 320;
    }
  else if (self->orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = (int) (n * MIN_BAND + 60);
      *natural = (int) (n * (self->values2 != NULL ? 36 : 26) + 60);
    }
  else
    {
      *minimum = (int) (n * MIN_BAND * 2 + 60);
      *natural = (int) (n * (self->values2 != NULL ? 80 : 60) + 60);
    }
}

static void
gradlab_bar_chart_finalize (GObject *object)
{
  GradlabBarChart *self = GRADLAB_BAR_CHART (object);

  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->colors, g_free);
  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->values2, g_free);
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->label2, g_free);

  G_OBJECT_CLASS (gradlab_bar_chart_parent_class)->finalize (object);
}

static void
gradlab_bar_chart_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GradlabBarChart *self = GRADLAB_BAR_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_ORIENTATION:
      g_value_set_enum (value, self->orientation);
      break;
    case PROP_LOG_SCALE:
      g_value_set_boolean (value, self->log_scale);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_bar_chart_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GradlabBarChart *self = GRADLAB_BAR_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      gradlab_bar_chart_set_title (self, g_value_get_string (value));
      break;
    case PROP_ORIENTATION:
      gradlab_bar_chart_set_orientation (self, g_value_get_enum (value));
      break;
    case PROP_LOG_SCALE:
      gradlab_bar_chart_set_log_scale (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_bar_chart_class_init (GradlabBarChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gradlab_bar_chart_finalize;
  object_class->get_property = gradlab_bar_chart_get_property;
  object_class->set_property = gradlab_bar_chart_set_property;

  widget_class->snapshot = _gradlab_renderable_snapshot;
  widget_class->measure = gradlab_bar_chart_measure;

  /**
   * GradlabBarChart:title:
   *
   * Bold text at the top left; also the accessible label.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GradlabBarChart:orientation:
   *
   * Direction the bars grow in: horizontal (names on the left) or
   * vertical (names underneath).
   */
  properties[PROP_ORIENTATION] =
    g_param_spec_enum ("orientation", NULL, NULL,
                       GTK_TYPE_ORIENTATION, GTK_ORIENTATION_HORIZONTAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GradlabBarChart:log-scale:
   *
   * Logarithmic value axis, so that a 1 % class shows beside a 96 % one.
   */
  properties[PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "gradlab-bar-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gradlab_bar_chart_init (GradlabBarChart *self)
{
  self->orientation = GTK_ORIENTATION_HORIZONTAL;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Bar chart"),
                                  -1);
}

GtkWidget *
gradlab_bar_chart_new (void)
{
  return g_object_new (GRADLAB_TYPE_BAR_CHART, NULL);
}

void
gradlab_bar_chart_set_data (GradlabBarChart   *self,
                            guint              n_bars,
                            const char *const *names,
                            const GdkRGBA     *colors,
                            const float       *values)
{
  guint i;

  g_return_if_fail (GRADLAB_IS_BAR_CHART (self));
  g_return_if_fail (n_bars <= GRADLAB_BAR_CHART_MAX_BARS);

  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->colors, g_free);
  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->values2, g_free);
  self->n_bars = n_bars;

  if (n_bars > 0)
    {
      self->names = g_new0 (char *, n_bars + 1);
      for (i = 0; i < n_bars; i++)
        self->names[i] = names != NULL && names[i] != NULL ?
                         g_strdup (names[i]) : g_strdup_printf (_("class %u"), i);
      if (colors != NULL)
        self->colors = g_memdup2 (colors, n_bars * sizeof (GdkRGBA));
      if (values != NULL)
        self->values = g_memdup2 (values, n_bars * sizeof (float));
    }

  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
gradlab_bar_chart_set_values (GradlabBarChart *self,
                              const float     *values,
                              const float     *values2)
{
  gboolean had_second;

  g_return_if_fail (GRADLAB_IS_BAR_CHART (self));

  had_second = self->values2 != NULL;
  g_clear_pointer (&self->values, g_free);
  g_clear_pointer (&self->values2, g_free);

  if (self->n_bars > 0)
    {
      if (values != NULL)
        self->values = g_memdup2 (values, self->n_bars * sizeof (float));
      if (values2 != NULL)
        self->values2 = g_memdup2 (values2, self->n_bars * sizeof (float));
    }

  if (had_second != (self->values2 != NULL))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_bar_chart_set_series_labels (GradlabBarChart *self,
                                     const char      *label,
                                     const char      *label2)
{
  g_return_if_fail (GRADLAB_IS_BAR_CHART (self));

  _gradlab_set_str (&self->label, label);
  _gradlab_set_str (&self->label2, label2);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
gradlab_bar_chart_get_title (GradlabBarChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_BAR_CHART (self), NULL);

  return self->title;
}

void
gradlab_bar_chart_set_title (GradlabBarChart *self,
                             const char      *title)
{
  g_return_if_fail (GRADLAB_IS_BAR_CHART (self));

  if (!_gradlab_set_str (&self->title, title))
    return;

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  title != NULL ? title : _("Bar chart"),
                                  -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GtkOrientation
gradlab_bar_chart_get_orientation (GradlabBarChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_BAR_CHART (self), GTK_ORIENTATION_HORIZONTAL);

  return self->orientation;
}

void
gradlab_bar_chart_set_orientation (GradlabBarChart *self,
                                   GtkOrientation   orientation)
{
  g_return_if_fail (GRADLAB_IS_BAR_CHART (self));
  g_return_if_fail (orientation == GTK_ORIENTATION_HORIZONTAL ||
                    orientation == GTK_ORIENTATION_VERTICAL);

  if (self->orientation == orientation)
    return;

  self->orientation = orientation;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ORIENTATION]);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

gboolean
gradlab_bar_chart_get_log_scale (GradlabBarChart *self)
{
  g_return_val_if_fail (GRADLAB_IS_BAR_CHART (self), FALSE);

  return self->log_scale;
}

void
gradlab_bar_chart_set_log_scale (GradlabBarChart *self,
                                 gboolean         log_scale)
{
  g_return_if_fail (GRADLAB_IS_BAR_CHART (self));

  log_scale = !!log_scale;
  if (self->log_scale == log_scale)
    return;

  self->log_scale = log_scale;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_SCALE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
