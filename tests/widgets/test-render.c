/* test-render.c: render functions against golden PNGs, plus pixel checks
 *
 * Pure cairo: no display is needed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "gradlab-widgets.h"

#define W 640
#define H 360

static const GdkRGBA light_fg = { 0.14f, 0.12f, 0.19f, 1.0f };
static const GdkRGBA light_bg = { 1.0f, 1.0f, 1.0f, 1.0f };
static const GdkRGBA dark_fg = { 1.0f, 1.0f, 1.0f, 1.0f };
static const GdkRGBA dark_bg = { 0.14f, 0.14f, 0.14f, 1.0f };

/* A small deterministic generator, so goldens never change by chance. */
static guint32 rng_state;

static double
rng_uniform (void)
{
  rng_state = rng_state * 1664525u + 1013904223u;
  return (rng_state >> 8) / 16777216.0;
}

static double
rng_normal (void)
{
  double u1 = MAX (rng_uniform (), 1e-9);
  double u2 = rng_uniform ();

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

static cairo_surface_t *
surface_new (cairo_t **cr)
{
  cairo_surface_t *surface = golden_surface_new (W, H);

  *cr = cairo_create (surface);

  return surface;
}

static void
assert_pixel_near (cairo_surface_t *surface,
                   int              x,
                   int              y,
                   const GdkRGBA   *expected,
                   int              tolerance)
{
  guint8 r, g, b, a;

  golden_get_pixel (surface, x, y, &r, &g, &b, &a);
  if (abs (r - (int) round (expected->red * 255)) > tolerance ||
      abs (g - (int) round (expected->green * 255)) > tolerance ||
      abs (b - (int) round (expected->blue * 255)) > tolerance)
    {
      g_test_message ("pixel (%d, %d) is %u,%u,%u; expected %.0f,%.0f,%.0f ± %d", x, y, r, g, b,
                      expected->red * 255, expected->green * 255, expected->blue * 255, tolerance);
      g_test_fail ();
    }
}

static gboolean
pixel_is (cairo_surface_t *surface,
          int              x,
          int              y,
          const GdkRGBA   *expected,
          int              tolerance)
{
  guint8 r, g, b, a;

  golden_get_pixel (surface, x, y, &r, &g, &b, &a);

  return abs (r - (int) round (expected->red * 255)) <= tolerance &&
         abs (g - (int) round (expected->green * 255)) <= tolerance &&
         abs (b - (int) round (expected->blue * 255)) <= tolerance;
}

static void
blend (const GdkRGBA *under,
       const GdkRGBA *over,
       double         alpha,
       GdkRGBA       *out)
{
  out->red = under->red + (over->red - under->red) * alpha;
  out->green = under->green + (over->green - under->green) * alpha;
  out->blue = under->blue + (over->blue - under->blue) * alpha;
  out->alpha = 1.0f;
}

/* ------------------------------------------------------------------------ */
/* Series chart                                                             */
/* ------------------------------------------------------------------------ */

typedef struct
{
  double *train_x;
  float  *train_y;
  gsize   n_train;
  double *val_x;
  float  *val_y;
  gsize   n_val;
} LossData;

static void
loss_data_init (LossData *d)
{
  gsize i;

  rng_state = 42;
  d->n_train = 1500;
  d->train_x = g_new (double, d->n_train);
  d->train_y = g_new (float, d->n_train);
  for (i = 0; i < d->n_train; i++)
    {
      double base = 0.08 + 2.2 * exp (-(double) i / 250.0);

      d->train_x[i] = i;
      d->train_y[i] = base * (1.0 + 0.18 * rng_normal ());
    }

  d->n_val = 15;
  d->val_x = g_new (double, d->n_val);
  d->val_y = g_new (float, d->n_val);
  for (i = 0; i < d->n_val; i++)
    {
      double step = (i + 1) * 100.0;

      d->val_x[i] = step;
      /* Overfits after step 800: the gap opens. */
      d->val_y[i] = 0.2 + 2.1 * exp (-step / 260.0) + (step > 800 ? (step - 800) / 3000.0 : 0.0);
    }
}

static void
loss_data_clear (LossData *d)
{
  g_free (d->train_x);
  g_free (d->train_y);
  g_free (d->val_x);
  g_free (d->val_y);
}

static void
loss_chart_data (const LossData         *d,
                 GradlabChartSeries     *series,
                 GradlabSeriesChartData *data)
{
  static const GradlabChartMarker markers[] = {
    { 300, "lr 0.01" },
    { 330, "lr 0.001" },
    { 360, "batch 64" },
    { 1000, "resume" },
  };

  memset (data, 0, sizeof *data);
  memset (series, 0, 2 * sizeof *series);

  series[0].name = "train";
  gradlab_palette_color (0, &series[0].color);
  series[0].x = d->train_x;
  series[0].y = d->train_y;
  series[0].n = d->n_train;

  series[1].name = "val";
  gradlab_palette_color (1, &series[1].color);
  series[1].dashed = TRUE;
  series[1].x = d->val_x;
  series[1].y = d->val_y;
  series[1].n = d->n_val;

  data->title = "Loss";
  data->x_label = "step";
  data->y_label = "cross-entropy";
  data->fg = light_fg;
  data->bg = light_bg;
  data->fill_background = TRUE;
  data->smoothing = 0.6;
  data->series = series;
  data->n_series = 2;
  data->gap_a = 0;
  data->gap_b = 1;
  data->best_series = 1;
  data->best_mode = GRADLAB_BEST_MIN;
  data->best_label = "best val";
  data->markers = markers;
  data->n_markers = G_N_ELEMENTS (markers);
}

static void
test_chart_golden_loss (void)
{
  LossData d;
  GradlabChartSeries series[2];
  GradlabSeriesChartData data;
  cairo_surface_t *surface;
  cairo_t *cr;

  loss_data_init (&d);
  loss_chart_data (&d, series, &data);

  surface = surface_new (&cr);
  gradlab_series_chart_render (cr, W, H, &data);
  cairo_destroy (cr);
  golden_check (surface, "chart-loss.png");
  cairo_surface_destroy (surface);

  loss_data_clear (&d);
}

static void
test_chart_golden_log_dark (void)
{
  LossData d;
  GradlabChartSeries series[2];
  GradlabSeriesChartData data;
  cairo_surface_t *surface;
  cairo_t *cr;

  loss_data_init (&d);
  loss_chart_data (&d, series, &data);
  data.log_y = TRUE;
  data.fg = dark_fg;
  data.bg = dark_bg;
  data.hover = TRUE;
  data.hover_x = 640;

  surface = surface_new (&cr);
  gradlab_series_chart_render (cr, W, H, &data);
  cairo_destroy (cr);
  golden_check (surface, "chart-loss-log-dark.png");
  cairo_surface_destroy (surface);

  loss_data_clear (&d);
}

static void
test_chart_golden_empty (void)
{
  GradlabChartSeries series[1] = { { 0 } };
  GradlabSeriesChartData data = { 0 };
  cairo_surface_t *surface;
  cairo_t *cr;

  series[0].name = "train";
  gradlab_palette_color (0, &series[0].color);
  data.title = "Accuracy";
  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.series = series;
  data.n_series = 1;
  data.gap_a = data.gap_b = data.best_series = -1;

  surface = surface_new (&cr);
  gradlab_series_chart_render (cr, W, H, &data);
  cairo_destroy (cr);
  golden_check (surface, "chart-empty.png");
  cairo_surface_destroy (surface);
}


/* ------------------------------------------------------------------------ */
/* Gradient strip                                                           */
/* ------------------------------------------------------------------------ */

#define STRIP_LAYERS 6
#define STRIP_COLS   200

static const char *const strip_names[STRIP_LAYERS] = {
  "conv1", "conv2", "conv3", "fc1", "fc2", "output",
};

static const GradlabChartMarker strip_markers[] = {
  { 1500, "lr ×10" },
  { 600, "batch 128" },
};

static void
strip_data_init (double                *steps,
                 float                 *values,
                 GradlabGradStripData  *data)
{
  guint c;
  guint l;

  rng_state = 7;
  for (c = 0; c < STRIP_COLS; c++)
    {
      steps[c] = c * 10.0;
      for (l = 0; l < STRIP_LAYERS; l++)
        {
          /* Vanishing towards the input; exploding after step 1500. */
          double e = -9.5 + 1.6 * l + 0.3 * rng_normal ();

          if (steps[c] >= 1500)
            e += (steps[c] - 1500) / 500.0 * (2.0 + l);
          values[c * STRIP_LAYERS + l] = pow (10.0, e);
        }
    }
  /* Fixed cells the pixel test looks for. */
  values[10 * STRIP_LAYERS + 0] = 1e-10f;
  for (c = 50; c < 60; c++)
    values[c * STRIP_LAYERS + 2] = 0.0f;
  values[180 * STRIP_LAYERS + 4] = NAN;
  values[181 * STRIP_LAYERS + 4] = INFINITY;

  memset (data, 0, sizeof *data);
  data->title = "Gradient norm per layer";
  data->fg = light_fg;
  data->bg = light_bg;
  data->fill_background = TRUE;
  data->n_layers = STRIP_LAYERS;
  data->names = strip_names;
  data->n_cols = STRIP_COLS;
  data->steps = steps;
  data->values = values;
  data->lo = GRADLAB_GRAD_STRIP_DEFAULT_LO;
  data->hi = GRADLAB_GRAD_STRIP_DEFAULT_HI;
  data->markers = strip_markers;
  data->n_markers = G_N_ELEMENTS (strip_markers);
}

static void
test_strip_golden (void)
{
  double steps[STRIP_COLS];
  float values[STRIP_COLS * STRIP_LAYERS];
  GradlabGradStripData data;
  GradlabStripGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;

  strip_data_init (steps, values, &data);
  data.geometry_out = &geometry;
  data.hover = TRUE;
  data.hover_x = 300;
  data.hover_y = 120;

  surface = surface_new (&cr);
  gradlab_grad_strip_render (cr, W, H, &data);
  cairo_destroy (cr);
  g_assert_true (geometry.valid);
  golden_check (surface, "grad-strip.png");
  cairo_surface_destroy (surface);
}

static void
cell_centre (const GradlabStripGeometry *g,
             guint                       layer,
             guint                       col,
             int                        *x,
             int                        *y)
{
  *x = (int) (g->grid_x + (col + 0.5) * g->grid_width / g->n_cols);
  *y = (int) (g->grid_y + (layer + 0.5) * g->row_height);
}

static void
test_strip_cell_colors (void)
{
  double steps[STRIP_COLS];
  float values[STRIP_COLS * STRIP_LAYERS];
  GradlabGradStripData data;
  GradlabStripGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  GdkRGBA vanishing;
  GdkRGBA low_end;
  GdkRGBA high_end;
  guint8 r, g, b, a;
  guint layer;
  guint col;
  int x;
  int y;

  strip_data_init (steps, values, &data);
  data.geometry_out = &geometry;

  surface = surface_new (&cr);
  gradlab_grad_strip_render (cr, W, H, &data);
  cairo_destroy (cr);
  g_assert_true (geometry.valid);
  g_assert_cmpuint (geometry.n_cols, ==, STRIP_COLS);

  /* Hit testing maps the cell centre back to the same cell. */
  cell_centre (&geometry, 0, 10, &x, &y);
  g_assert_true (gradlab_strip_geometry_cell_at (&geometry, x, y, &layer, &col));
  g_assert_cmpuint (layer, ==, 0);
  g_assert_cmpuint (col, ==, 10);

  /* 1e-10 is two decades above the bottom of a 14-decade scale: the cell
   * has exactly the map's colour there, which is a dark blue. */
  gradlab_grad_strip_value_color (1e-10, data.lo, data.hi, &vanishing);
  gradlab_colormap_gradient (2.0 / 14.0, &low_end);
  g_assert_cmpfloat_with_epsilon (vanishing.red, low_end.red, 1e-6);
  g_assert_cmpfloat_with_epsilon (vanishing.blue, low_end.blue, 1e-6);
  g_assert_cmpfloat (vanishing.blue, >, vanishing.red + 0.2);
  g_assert_cmpfloat (vanishing.blue, >, vanishing.green + 0.2);
  g_assert_cmpfloat (0.2126 * vanishing.red + 0.7152 * vanishing.green +
                     0.0722 * vanishing.blue, <, 0.3);
  assert_pixel_near (surface, x, y, &vanishing, 2);

  /* The exploding end is hot: red dominates. */
  gradlab_grad_strip_value_color (1e2, data.lo, data.hi, &high_end);
  g_assert_cmpfloat (high_end.red, >, 0.6);
  g_assert_cmpfloat (high_end.red, >, high_end.blue + 0.4);

  /* NaN and Inf are magenta; zero is black. */
  cell_centre (&geometry, 4, 180, &x, &y);
  golden_get_pixel (surface, x, y, &r, &g, &b, &a);
  g_assert_cmpuint (r, >, 200);
  g_assert_cmpuint (g, <, 40);
  g_assert_cmpuint (b, >, 200);
  cell_centre (&geometry, 4, 181, &x, &y);
  golden_get_pixel (surface, x, y, &r, &g, &b, &a);
  g_assert_cmpuint (r, >, 200);
  g_assert_cmpuint (g, <, 40);
  g_assert_cmpuint (b, >, 200);
  cell_centre (&geometry, 2, 55, &x, &y);
  golden_get_pixel (surface, x, y, &r, &g, &b, &a);
  g_assert_cmpuint (r + g + b, <, 10);

  cairo_surface_destroy (surface);
}

static void
test_strip_many_columns (void)
{
  const guint n_cols = 20000;
  double *steps = g_new (double, n_cols);
  float *values = g_new (float, n_cols * 2);
  const char *const names[] = { "a", "b" };
  GradlabGradStripData data = { 0 };
  GradlabStripGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  guint8 r, g, b, a;
  guint c;
  int x;
  int y;

  for (c = 0; c < n_cols; c++)
    {
      steps[c] = c;
      values[c * 2] = 1e-3f;
      values[c * 2 + 1] = 1e-3f;
    }
  /* One NaN among 20000 columns must still show, not be skipped. */
  values[12345 * 2 + 1] = NAN;

  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.n_layers = 2;
  data.names = names;
  data.n_cols = n_cols;
  data.steps = steps;
  data.values = values;
  data.lo = 1e-12;
  data.hi = 1e2;
  data.geometry_out = &geometry;

  surface = surface_new (&cr);
  gradlab_grad_strip_render (cr, W, H, &data);
  cairo_destroy (cr);

  g_assert_true (geometry.valid);
  y = (int) (geometry.grid_y + 1.5 * geometry.row_height);
  x = (int) (geometry.grid_x + floor (12345.0 * geometry.grid_width / n_cols) + 0.5);
  golden_get_pixel (surface, x, y, &r, &g, &b, &a);
  g_assert_cmpuint (r, >, 200);
  g_assert_cmpuint (g, <, 40);
  g_assert_cmpuint (b, >, 200);

  cairo_surface_destroy (surface);
  g_free (steps);
  g_free (values);
}


/* ------------------------------------------------------------------------ */
/* Layer bars                                                               */
/* ------------------------------------------------------------------------ */

#define BARS_LAYERS 6

static const char *const bars_names[BARS_LAYERS] = {
  "conv1", "conv2", "conv3", "fc1", "fc2", "output",
};
static const float bars_grad[BARS_LAYERS] = { 2.3e-4f, 1.1e-3f, 0.0f, 4.5e-2f, NAN, 0.8f };
static const float bars_ratio[BARS_LAYERS] = { 8e-4f, 1.2e-3f, 3e-3f, -1.0f, 2e-4f, 5e-2f };

static void
bars_data_init (GradlabLayerBarsData *data)
{
  memset (data, 0, sizeof *data);
  data->fg = light_fg;
  data->bg = light_bg;
  data->fill_background = TRUE;
  data->n_layers = BARS_LAYERS;
  data->names = bars_names;
  data->panels[0].title = "Gradient norm";
  data->panels[0].values = bars_grad;
  data->panels[0].reference = NAN;
  gradlab_palette_color (0, &data->panels[0].color);
  data->panels[1].title = "Update / weight";
  data->panels[1].values = bars_ratio;
  data->panels[1].reference = 1e-3;
  data->panels[1].reference_label = "≈1e-3 healthy";
  gradlab_palette_color (1, &data->panels[1].color);
}

static void
test_bars_golden (void)
{
  GradlabLayerBarsData data;
  cairo_surface_t *surface;
  cairo_t *cr;

  bars_data_init (&data);
  surface = surface_new (&cr);
  gradlab_layer_bars_render (cr, W, H, &data);
  cairo_destroy (cr);
  golden_check (surface, "layer-bars.png");
  cairo_surface_destroy (surface);
}

static void
test_bars_range_and_pixels (void)
{
  GradlabLayerBarsData data;
  GradlabBarsGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  GdkRGBA bar;
  double lo;
  double hi;
  double end;
  int y;
  guint8 r, g, b, a;

  /* The axis follows this step's values, padded to decades. */
  gradlab_layer_bars_compute_range (bars_grad, BARS_LAYERS, NAN, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 1e-4, 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, 1.0, 1e-9);
  gradlab_layer_bars_compute_range (bars_ratio, BARS_LAYERS, 1e-3, &lo, &hi);
  g_assert_cmpfloat_with_epsilon (lo, 1e-4, 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, 0.1, 1e-9);
  /* The smallest value on a decade would have no bar: one more decade. */
  {
    const float edge[] = { 1e-3f, 2e-3f };

    gradlab_layer_bars_compute_range (edge, 2, NAN, &lo, &hi);
    g_assert_cmpfloat_with_epsilon (lo, 1e-4, 1e-12);
    g_assert_cmpfloat_with_epsilon (hi, 1e-2, 1e-12);
  }
  /* Nothing usable: a default, never a crash. */
  {
    const float bad[] = { NAN, 0.0f, -INFINITY };

    gradlab_layer_bars_compute_range (bad, 3, NAN, &lo, &hi);
    g_assert_cmpfloat (lo, >, 0.0);
    g_assert_cmpfloat (hi, >, lo);
  }

  bars_data_init (&data);
  data.geometry_out = &geometry;
  surface = surface_new (&cr);
  gradlab_layer_bars_render (cr, W, H, &data);
  cairo_destroy (cr);

  g_assert_true (geometry.valid);
  g_assert_cmpfloat_with_epsilon (geometry.lo[1], 1e-4, 1e-12);
  g_assert_cmpfloat_with_epsilon (geometry.hi[1], 0.1, 1e-9);

  /* fc1's gradient norm 4.5e-2 ends its bar at the log position. */
  end = geometry.panel_x[0] + (log10 (4.5e-2) + 4.0) / 4.0 * geometry.panel_width[0];
  y = (int) (geometry.rows_y + 3.5 * geometry.row_height);
  blend (&light_bg, &data.panels[0].color, 0.85, &bar);
  assert_pixel_near (surface, (int) end - 2, y, &bar, 3);
  assert_pixel_near (surface, (int) geometry.panel_x[0] + 3, y, &bar, 3);
  assert_pixel_near (surface, (int) round (end) + 2, y, &light_bg, 3);

  /* The NaN row has a red hatched marker, not a bar. */
  y = (int) (geometry.rows_y + 4.5 * geometry.row_height);
  g_assert_false (pixel_is (surface, (int) geometry.panel_x[0] + 12, y, &light_bg, 3));
  g_assert_false (pixel_is (surface, (int) geometry.panel_x[0] + 12, y, &bar, 40));
  golden_get_pixel (surface, (int) geometry.panel_x[0] + 60, y, &r, &g, &b, &a);
  g_assert_true (r == 255 && g == 255 && b == 255);

  cairo_surface_destroy (surface);
}


/* 21 layers in 330 px (about the widget's minimum height): rows lower than a line of text drop the values
 * (the hover read-out has them); bars and markers stay. */
static void
test_bars_compact (void)
{
  GradlabLayerBarsData data;
  GradlabBarsGeometry geometry;
  char *names[22];
  float grad[21];
  float ratio[21];
  cairo_surface_t *surface;
  cairo_t *cr;
  guint i;
  int x;
  int n_text = 0;

  for (i = 0; i < 21; i++)
    {
      names[i] = g_strdup_printf ("block%u.conv", i + 1);
      grad[i] = (float) pow (10.0, -1.0 - (i % 4)) * 2.5f;
      ratio[i] = i == 7 ? NAN : (float) pow (10.0, -2.0 - (i % 3)) * 1.5f;
    }
  names[21] = NULL;

  bars_data_init (&data);
  data.n_layers = 21;
  data.names = (const char *const *) names;
  data.panels[0].values = grad;
  data.panels[1].values = ratio;
  data.geometry_out = &geometry;
  surface = golden_surface_new (W, 330);
  cr = cairo_create (surface);
  gradlab_layer_bars_render (cr, W, 330, &data);
  cairo_destroy (cr);
  golden_check (surface, "layer-bars-compact.png");

  g_assert_true (geometry.valid);
  g_assert_cmpfloat (geometry.row_height, <, 14.0);
  /* Row 0 of the left panel: right of its bar end (0.25 on [1e-4, 1]) is
   * only background and grid, no value text. */
  for (x = (int) (geometry.panel_x[0] + 0.85 * geometry.panel_width[0]) + 3;
       x < geometry.panel_x[0] + geometry.panel_width[0] - 2; x++)
    if (!pixel_is (surface, x, (int) (geometry.rows_y + 0.5 * geometry.row_height), &light_bg, 40))
      n_text++;
  g_assert_cmpint (n_text, <=, 2);
  cairo_surface_destroy (surface);

  for (i = 0; i < 21; i++)
    g_free (names[i]);
}

/* ------------------------------------------------------------------------ */
/* Health view                                                              */
/* ------------------------------------------------------------------------ */

#define HEALTH_LAYERS 5
#define HEALTH_BINS   40

static const char *const health_names[HEALTH_LAYERS] = {
  "dense1", "dense2", "dense3", "dense4", "output",
};
static const float health_dead[HEALTH_LAYERS] = { 0.02f, 0.35f, 0.0f, NAN, 0.6f };
static const float health_saturated[HEALTH_LAYERS] = { 0.0f, 0.05f, 0.8f, 0.12f, 0.001f };

static void
health_data_init (float                 *counts,
                  GradlabHealthViewData *data)
{
  guint i;

  /* ReLU-like: a spike of dead units at 0, then a decaying tail. */
  for (i = 0; i < HEALTH_BINS; i++)
    {
      double x = -1.0 + (i + 0.5) * 4.0 / HEALTH_BINS;

      counts[i] = x < 0.0 ? 0.0f : (float) (400.0 * exp (-x * 1.5));
    }
  counts[10] = 1200.0f;

  memset (data, 0, sizeof *data);
  data->fg = light_fg;
  data->bg = light_bg;
  data->fill_background = TRUE;
  data->n_layers = HEALTH_LAYERS;
  data->names = health_names;
  data->dead = health_dead;
  data->saturated = health_saturated;
  data->selected = 1;
  data->n_bins = HEALTH_BINS;
  data->hist_lo = -1.0;
  data->hist_hi = 3.0;
  data->counts = counts;
}

static void
test_health_golden (void)
{
  float counts[HEALTH_BINS];
  GradlabHealthViewData data;
  cairo_surface_t *surface;
  cairo_t *cr;

  health_data_init (counts, &data);
  surface = surface_new (&cr);
  gradlab_health_view_render (cr, W, H, &data);
  cairo_destroy (cr);
  golden_check (surface, "health-view.png");
  cairo_surface_destroy (surface);

  /* Nothing selected yet: the histogram area asks for a click. */
  data.selected = -1;
  surface = surface_new (&cr);
  gradlab_health_view_render (cr, W, H, &data);
  cairo_destroy (cr);
  golden_check (surface, "health-view-unselected.png");
  cairo_surface_destroy (surface);
}

static void
test_health_rows (void)
{
  float counts[HEALTH_BINS];
  GradlabHealthViewData data;
  GradlabHealthGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  GdkRGBA accent;
  GdkRGBA highlight;
  int y;
  int x;
  int n_bar = 0;

  health_data_init (counts, &data);
  data.geometry_out = &geometry;
  surface = surface_new (&cr);
  gradlab_health_view_render (cr, W, H, &data);
  cairo_destroy (cr);

  g_assert_true (geometry.valid);
  g_assert_cmpuint (geometry.n_layers, ==, HEALTH_LAYERS);

  /* Hit testing: the centre of each row maps back to it; outside is -1. */
  for (y = 0; y < HEALTH_LAYERS; y++)
    {
      double row_y = geometry.rows_y + (y + 0.5) * geometry.row_height;

      g_assert_cmpint (gradlab_health_geometry_layer_at (&geometry, W / 2, row_y), ==, y);
    }
  g_assert_cmpint (gradlab_health_geometry_layer_at (&geometry, W / 2, geometry.rows_y - 2),
                   ==, -1);
  g_assert_cmpint (gradlab_health_geometry_layer_at (&geometry, W / 2,
                                                     geometry.rows_y + 2 +
                                                     HEALTH_LAYERS * geometry.row_height),
                   ==, -1);

  /* The selected row (1) is highlighted with the accent, the others not. */
  gradlab_palette_color (0, &accent);
  assert_pixel_near (surface, (int) geometry.rows_x + 1,
                     (int) (geometry.rows_y + 1.5 * geometry.row_height), &accent, 2);
  blend (&light_bg, &accent, 0.16, &highlight);
  assert_pixel_near (surface, (int) (geometry.rows_x + geometry.rows_width - 2),
                     (int) (geometry.rows_y + 1.5 * geometry.row_height), &highlight, 2);
  assert_pixel_near (surface, (int) (geometry.rows_x + geometry.rows_width - 2),
                     (int) (geometry.rows_y + 2.5 * geometry.row_height), &light_bg, 2);

  /* The histogram draws bins: bar pixels along its bottom row. */
  g_assert_true (geometry.hist_width > 100 && geometry.hist_height > 40);
  for (x = (int) geometry.hist_x + 1; x < geometry.hist_x + geometry.hist_width; x++)
    if (!pixel_is (surface, x, (int) (geometry.hist_y + geometry.hist_height - 2), &light_bg, 10))
      n_bar++;
  g_assert_cmpint (n_bar, >, geometry.hist_width / 2);

  cairo_surface_destroy (surface);
}

#define MANY_LAYERS 21

static void
many_layers (char  **names,
             float  *dead,
             float  *saturated)
{
  guint i;

  for (i = 0; i < MANY_LAYERS; i++)
    {
      names[i] = g_strdup_printf ("block%u.conv", i + 1);
      dead[i] = (float) ((i * 7) % 10) / 20.0f;
      saturated[i] = (float) ((i * 3) % 10) / 25.0f;
    }
  names[MANY_LAYERS] = NULL;
}

/* Many layers in a wide view: the histogram goes beside the rows, and the
 * rows get the whole height. */
static void
test_health_wide (void)
{
  float counts[HEALTH_BINS];
  char *names[MANY_LAYERS + 1];
  float dead[MANY_LAYERS];
  float saturated[MANY_LAYERS];
  GradlabHealthViewData data;
  GradlabHealthGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  guint i;

  many_layers (names, dead, saturated);
  health_data_init (counts, &data);
  data.n_layers = MANY_LAYERS;
  data.names = (const char *const *) names;
  data.dead = dead;
  data.saturated = saturated;
  data.selected = 4;
  data.geometry_out = &geometry;

  surface = golden_surface_new (1000, 420);
  cr = cairo_create (surface);
  gradlab_health_view_render (cr, 1000, 420, &data);
  cairo_destroy (cr);
  golden_check (surface, "health-view-wide.png");
  cairo_surface_destroy (surface);

  g_assert_true (geometry.valid);
  g_assert_cmpfloat (geometry.hist_x, >, geometry.rows_x + geometry.rows_width);
  g_assert_cmpfloat (geometry.hist_y, <, geometry.rows_y + geometry.row_height);
  g_assert_cmpfloat (geometry.rows_y + MANY_LAYERS * geometry.row_height, <=, 420);
  g_assert_cmpint (gradlab_health_geometry_layer_at (&geometry, geometry.rows_x + 10,
                                                     geometry.rows_y + 20.5 * geometry.row_height),
                   ==, 20);
  g_assert_cmpint (gradlab_health_geometry_layer_at (&geometry, geometry.hist_x + 10,
                                                     geometry.rows_y + 1.5 * geometry.row_height),
                   ==, -1);

  /* At the test's usual width the histogram stays below the rows. */
  surface = surface_new (&cr);
  gradlab_health_view_render (cr, W, 700, &data);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  g_assert_cmpfloat (geometry.hist_y, >, geometry.rows_y + MANY_LAYERS * geometry.row_height);

  for (i = 0; i < MANY_LAYERS; i++)
    g_free (names[i]);
}

/* Narrow: the column titles switch to short forms that fit. */
static void
test_health_narrow (void)
{
  float counts[HEALTH_BINS];
  char *names[MANY_LAYERS + 1];
  float dead[MANY_LAYERS];
  float saturated[MANY_LAYERS];
  GradlabHealthViewData data;
  GradlabHealthGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  guint i;
  int y;

  many_layers (names, dead, saturated);
  health_data_init (counts, &data);
  data.n_layers = MANY_LAYERS;
  data.names = (const char *const *) names;
  data.dead = dead;
  data.saturated = saturated;
  data.selected = 2;
  data.geometry_out = &geometry;

  surface = golden_surface_new (300, 560);
  cr = cairo_create (surface);
  gradlab_health_view_render (cr, 300, 560, &data);
  cairo_destroy (cr);
  golden_check (surface, "health-view-narrow.png");

  /* Nothing is drawn in the right padding of the title row. */
  for (y = 0; y < (int) geometry.rows_y; y++)
    g_assert_true (pixel_is (surface, 300 - 3, y, &light_bg, 10));
  g_assert_cmpfloat (geometry.row_height, >=, 16);
  cairo_surface_destroy (surface);

  for (i = 0; i < MANY_LAYERS; i++)
    g_free (names[i]);
}

/* ------------------------------------------------------------------------ */
/* Surface view                                                             */
/* ------------------------------------------------------------------------ */

#define SURF_GRID  48
#define SURF_TRAIN 80
#define SURF_VAL   24

static void
surface_points (float *xy,
                int   *classes,
                guint  n)
{
  guint k;

  for (k = 0; k < n; k++)
    {
      double x = rng_uniform () * 10.0 - 5.0;
      double y = rng_uniform () * 10.0 - 5.0;

      xy[2 * k] = x;
      xy[2 * k + 1] = y;
      classes[k] = x * y > 0 ? 1 : 0;
    }
}

static void
surface_binary_init (float                  *probs,
                     float                  *train_xy,
                     int                    *train_class,
                     float                  *val_xy,
                     int                    *val_class,
                     GradlabSurfaceViewData *data)
{
  guint i;
  guint j;

  /* XOR: P(class 1) = sigmoid (x y / 2); row 0 at the bottom. */
  for (j = 0; j < SURF_GRID; j++)
    for (i = 0; i < SURF_GRID; i++)
      {
        double x = -6.0 + (i + 0.5) * 12.0 / SURF_GRID;
        double y = -6.0 + (j + 0.5) * 12.0 / SURF_GRID;

        probs[j * SURF_GRID + i] = 1.0 / (1.0 + exp (-x * y / 2.0));
      }

  rng_state = 3;
  surface_points (train_xy, train_class, SURF_TRAIN);
  surface_points (val_xy, val_class, SURF_VAL);

  memset (data, 0, sizeof *data);
  data->fg = light_fg;
  data->bg = light_bg;
  data->fill_background = TRUE;
  data->gw = SURF_GRID;
  data->gh = SURF_GRID;
  data->n_classes = 1;
  data->probs = probs;
  data->x_min = -6.0;
  data->x_max = 6.0;
  data->y_min = -6.0;
  data->y_max = 6.0;
  data->n_train = SURF_TRAIN;
  data->train_xy = train_xy;
  data->train_class = train_class;
  data->n_val = SURF_VAL;
  data->val_xy = val_xy;
  data->val_class = val_class;
}

static void
test_surface_golden_binary (void)
{
  float probs[SURF_GRID * SURF_GRID];
  float train_xy[SURF_TRAIN * 2];
  float val_xy[SURF_VAL * 2];
  int train_class[SURF_TRAIN];
  int val_class[SURF_VAL];
  GradlabSurfaceViewData data;
  cairo_surface_t *surface;
  cairo_t *cr;

  surface_binary_init (probs, train_xy, train_class, val_xy, val_class, &data);
  surface = surface_new (&cr);
  gradlab_surface_view_render (cr, W, H, &data);
  cairo_destroy (cr);
  golden_check (surface, "surface-binary.png");
  cairo_surface_destroy (surface);
}

static void
test_surface_golden_multiclass (void)
{
  static const double centres[3][2] = { { -2.5, -1.5 }, { 2.5, -1.5 }, { 0.0, 2.5 } };
  float probs[SURF_GRID * SURF_GRID * 3];
  float train_xy[SURF_TRAIN * 2];
  int train_class[SURF_TRAIN];
  GradlabSurfaceViewData data = { 0 };
  cairo_surface_t *surface;
  cairo_t *cr;
  guint i;
  guint j;
  guint c;

  /* Softmax of negative squared distances to three centres. */
  for (j = 0; j < SURF_GRID; j++)
    for (i = 0; i < SURF_GRID; i++)
      {
        double x = -5.0 + (i + 0.5) * 10.0 / SURF_GRID;
        double y = -4.0 + (j + 0.5) * 8.0 / SURF_GRID;
        double e[3];
        double sum = 0.0;

        for (c = 0; c < 3; c++)
          {
            double dx = x - centres[c][0];
            double dy = y - centres[c][1];

            e[c] = exp (-(dx * dx + dy * dy) / 4.0);
            sum += e[c];
          }
        for (c = 0; c < 3; c++)
          probs[(j * SURF_GRID + i) * 3 + c] = e[c] / sum;
      }

  rng_state = 11;
  for (i = 0; i < SURF_TRAIN; i++)
    {
      c = i % 3;
      train_xy[2 * i] = centres[c][0] + rng_normal () * 0.9;
      train_xy[2 * i + 1] = centres[c][1] + rng_normal () * 0.9;
      train_class[i] = c;
    }

  data.fg = dark_fg;
  data.bg = dark_bg;
  data.fill_background = TRUE;
  data.gw = SURF_GRID;
  data.gh = SURF_GRID;
  data.n_classes = 3;
  data.probs = probs;
  data.x_min = -5.0;
  data.x_max = 5.0;
  data.y_min = -4.0;
  data.y_max = 4.0;
  data.n_train = SURF_TRAIN;
  data.train_xy = train_xy;
  data.train_class = train_class;

  surface = surface_new (&cr);
  gradlab_surface_view_render (cr, W, H, &data);
  cairo_destroy (cr);
  golden_check (surface, "surface-multiclass-dark.png");
  cairo_surface_destroy (surface);
}

static void
test_surface_pixels (void)
{
  float probs[SURF_GRID * SURF_GRID];
  float train_xy[SURF_TRAIN * 2];
  float val_xy[SURF_VAL * 2];
  int train_class[SURF_TRAIN];
  int val_class[SURF_VAL];
  const float one_xy[2] = { -2.0f, 3.0f };
  const int one_class[1] = { 1 };
  GradlabSurfaceViewData data;
  GradlabSurfaceGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  GdkRGBA orange;
  double px;
  double py;
  double x;
  double y;
  guint8 r, g, b, a;

  surface_binary_init (probs, train_xy, train_class, val_xy, val_class, &data);
  data.n_train = 1;
  data.train_xy = one_xy;
  data.train_class = one_class;
  data.n_val = 0;
  data.geometry_out = &geometry;

  surface = surface_new (&cr);
  gradlab_surface_view_render (cr, W, H, &data);
  cairo_destroy (cr);
  g_assert_true (geometry.valid);

  /* Equal units on both axes: the square range gives a square plot. */
  g_assert_cmpfloat (fabs (geometry.plot_width - geometry.plot_height), <=, 1.0);

  /* Pixel <-> data round trip, y pointing up. */
  gradlab_surface_geometry_data_to_pixel (&geometry, 3.0, 4.0, &px, &py);
  g_assert_true (gradlab_surface_geometry_pixel_to_data (&geometry, px, py, &x, &y));
  g_assert_cmpfloat_with_epsilon (x, 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (y, 4.0, 1e-9);
  g_assert_cmpfloat (py, <, geometry.plot_y + geometry.plot_height / 2.0);
  g_assert_false (gradlab_surface_geometry_pixel_to_data (&geometry, geometry.plot_x - 3, py,
                                                          NULL, NULL));

  /* Top right (x y > 0, class 1 likely): orange. Top left: blue. */
  gradlab_surface_geometry_data_to_pixel (&geometry, 4.5, 4.5, &px, &py);
  golden_get_pixel (surface, (int) px, (int) py, &r, &g, &b, &a);
  g_assert_cmpuint (r, >, b + 100);
  gradlab_surface_geometry_data_to_pixel (&geometry, -4.5, 4.5, &px, &py);
  golden_get_pixel (surface, (int) px, (int) py, &r, &g, &b, &a);
  g_assert_cmpuint (b, >, r + 100);
  /* On the boundary x = 0 the surface is (nearly) the background. */
  gradlab_surface_geometry_data_to_pixel (&geometry, 0.0, 4.5, &px, &py);
  assert_pixel_near (surface, (int) px, (int) py, &light_bg, 40);

  /* The train point is drawn at its data position, in its class colour. */
  gradlab_palette_color (1, &orange);
  gradlab_surface_geometry_data_to_pixel (&geometry, -2.0, 3.0, &px, &py);
  assert_pixel_near (surface, (int) px, (int) py, &orange, 2);

  cairo_surface_destroy (surface);
}

/* ------------------------------------------------------------------------ */
/* Neuron grid                                                              */
/* ------------------------------------------------------------------------ */

#define NG_GRID 20

static void
test_neuron_grid_golden (void)
{
  static const char *const names[] = { "tanh 1", "tanh 2", "relu" };
  static const guint n_units[] = { 4, 6, 2 };
  GradlabNeuronGridData data = { 0 };
  cairo_surface_t *surface;
  cairo_t *cr;
  float *values = g_new (float, 12 * NG_GRID * NG_GRID);
  int nat_w;
  int nat_h;
  guint u;
  guint i;
  guint j;

  rng_state = 5;
  for (u = 0; u < 12; u++)
    {
      double wx = rng_normal ();
      double wy = rng_normal ();
      double bias = rng_normal () * 0.5;

      for (j = 0; j < NG_GRID; j++)
        for (i = 0; i < NG_GRID; i++)
          {
            double x = -1.0 + (i + 0.5) * 2.0 / NG_GRID;
            double y = -1.0 + (j + 0.5) * 2.0 / NG_GRID;
            double z = 2.0 * (wx * x + wy * y) + bias;

            values[(u * NG_GRID + j) * NG_GRID + i] = u < 10 ? tanh (z) : MAX (z, 0.0);
          }
    }

  data.fg = light_fg;
  data.bg = light_bg;
  data.fill_background = TRUE;
  data.n_layers = 3;
  data.names = names;
  data.n_units = n_units;
  data.gw = NG_GRID;
  data.gh = NG_GRID;
  data.values = values;
  data.thumb_size = 40;

  gradlab_neuron_grid_natural_size (&data, &nat_w, &nat_h);
  g_assert_cmpint (nat_w, <=, W);
  g_assert_cmpint (nat_h, <=, H);
  g_assert_cmpint (nat_h, >=, 6 * 40);

  surface = surface_new (&cr);
  gradlab_neuron_grid_render (cr, W, H, &data);
  cairo_destroy (cr);
  golden_check (surface, "neuron-grid.png");
  cairo_surface_destroy (surface);

  g_free (values);
}

/* Series that hold one value over [x0, x1], 1 sample per unit of x. */
static void
constant_series (GradlabChartSeries *s,
                 guint               color,
                 double              x0,
                 double              x1,
                 float               value,
                 double            **x_out,
                 float             **y_out)
{
  gsize n = (gsize) (x1 - x0) + 1;
  gsize i;

  *x_out = g_new (double, n);
  *y_out = g_new (float, n);
  for (i = 0; i < n; i++)
    {
      (*x_out)[i] = x0 + i;
      (*y_out)[i] = value;
    }

  memset (s, 0, sizeof *s);
  gradlab_palette_color (color, &s->color);
  s->x = *x_out;
  s->y = *y_out;
  s->n = n;
}

static void
chart_data_plain (GradlabSeriesChartData *data,
                  GradlabChartSeries     *series,
                  guint                   n_series)
{
  memset (data, 0, sizeof *data);
  data->fg = light_fg;
  data->bg = light_bg;
  data->fill_background = TRUE;
  data->series = series;
  data->n_series = n_series;
  data->gap_a = data->gap_b = data->best_series = -1;
}

static void
test_chart_gap_shade (void)
{
  GradlabChartSeries series[2];
  GradlabSeriesChartData data;
  GradlabChartGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  double *x[2];
  float *y[2];
  GdkRGBA shade;
  guint k;

  /* train = 1 over [0, 100], val = 3 over [0, 50]: val is higher, so the
   * band between them over [0, 50] has val's colour; beyond 50 nothing. */
  constant_series (&series[0], 0, 0, 100, 1.0f, &x[0], &y[0]);
  constant_series (&series[1], 1, 0, 50, 3.0f, &x[1], &y[1]);
  chart_data_plain (&data, series, 2);
  data.gap_a = 0;
  data.gap_b = 1;
  data.geometry_out = &geometry;

  surface = surface_new (&cr);
  gradlab_series_chart_render (cr, W, H, &data);
  cairo_destroy (cr);
  g_assert_true (geometry.valid);
  g_assert_cmpfloat (geometry.y_min, <=, 1.0);
  g_assert_cmpfloat (geometry.y_max, >=, 3.0);

  blend (&light_bg, &series[1].color, 0.22, &shade);
  assert_pixel_near (surface,
                     (int) gradlab_chart_geometry_x_to_pixel (&geometry, 25.3),
                     (int) gradlab_chart_geometry_y_to_pixel (&geometry, 1.77), &shade, 3);
  assert_pixel_near (surface,
                     (int) gradlab_chart_geometry_x_to_pixel (&geometry, 45.3),
                     (int) gradlab_chart_geometry_y_to_pixel (&geometry, 2.63), &shade, 3);
  /* Outside the pair's common range, and above val: background. */
  assert_pixel_near (surface,
                     (int) gradlab_chart_geometry_x_to_pixel (&geometry, 75.3),
                     (int) gradlab_chart_geometry_y_to_pixel (&geometry, 1.77), &light_bg, 0);
  if (geometry.y_max > 3.2)
    assert_pixel_near (surface,
                       (int) gradlab_chart_geometry_x_to_pixel (&geometry, 25.3),
                       (int) gradlab_chart_geometry_y_to_pixel (&geometry, 3.15), &light_bg, 0);
  cairo_surface_destroy (surface);

  /* Swap the levels: now train is higher and the band takes its colour. */
  for (k = 0; k < series[1].n; k++)
    y[1][k] = 0.5f;
  surface = surface_new (&cr);
  gradlab_series_chart_render (cr, W, H, &data);
  cairo_destroy (cr);
  blend (&light_bg, &series[0].color, 0.22, &shade);
  assert_pixel_near (surface,
                     (int) gradlab_chart_geometry_x_to_pixel (&geometry, 25.3),
                     (int) gradlab_chart_geometry_y_to_pixel (&geometry, 0.77), &shade, 3);
  cairo_surface_destroy (surface);

  for (k = 0; k < 2; k++)
    {
      g_free (x[k]);
      g_free (y[k]);
    }
}

static int
count_column (cairo_surface_t *surface,
              int              x,
              int              y0,
              int              y1)
{
  int n = 0;
  int y;

  for (y = y0; y < y1; y++)
    if (!pixel_is (surface, x, y, &light_bg, 8))
      n++;

  return n;
}

static void
test_chart_marker_position (void)
{
  static const GradlabChartMarker markers[] = { { 70.0, "lr 0.1" } };
  GradlabChartSeries series[1];
  GradlabSeriesChartData data;
  GradlabChartGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  double *x;
  float *y;
  int px;
  int y0;
  int y1;
  int on;

  constant_series (&series[0], 0, 0, 100, 1.0f, &x, &y);
  y[0] = 0.0f;
  y[100] = 2.0f;
  chart_data_plain (&data, series, 1);
  data.markers = markers;
  data.n_markers = 1;
  data.geometry_out = &geometry;

  surface = surface_new (&cr);
  gradlab_series_chart_render (cr, W, H, &data);
  cairo_destroy (cr);
  g_assert_true (geometry.valid);

  /* The dashed line covers over a third of its column; its neighbours
   * three pixels away only cross grid lines and the series. */
  px = (int) floor (gradlab_chart_geometry_x_to_pixel (&geometry, 70.0));
  y0 = (int) geometry.plot_y + 1;
  y1 = (int) (geometry.plot_y + geometry.plot_height) - 1;
  on = count_column (surface, px, y0, y1);
  g_assert_cmpint (on, >, (y1 - y0) * 0.4);
  g_assert_cmpint (count_column (surface, px - 3, y0, y1), <, (y1 - y0) * 0.1);
  g_assert_cmpint (count_column (surface, px + 3, y0, y1), <, (y1 - y0) * 0.1);

  /* Its label sits above the plot, over the line. */
  g_assert_cmpint (count_column (surface, px, (int) geometry.plot_y - 20, (int) geometry.plot_y),
                   >, 5);

  cairo_surface_destroy (surface);
  g_free (x);
  g_free (y);
}

static void
find_rows (cairo_surface_t *surface,
           int              x,
           int              y0,
           int              y1,
           const GdkRGBA   *color,
           double          *centre)
{
  double sum = 0.0;
  int n = 0;
  int y;

  for (y = y0; y <= y1; y++)
    if (pixel_is (surface, x, y, color, 60))
      {
        sum += y + 0.5;
        n++;
      }

  g_assert_cmpint (n, >, 0);
  *centre = sum / n;
}

static void
test_chart_log_rows (void)
{
  static const float levels[] = { 1e-4f, 1e-3f, 1e-2f, 1e-1f, 1.0f };
  GradlabChartSeries series[5];
  GradlabSeriesChartData data;
  GradlabChartGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  double *x[5];
  float *y[5];
  double bottom;
  double centre;
  int px;
  guint k;

  for (k = 0; k < 5; k++)
    constant_series (&series[k], k, 0, 10, levels[k], &x[k], &y[k]);
  chart_data_plain (&data, series, 5);
  data.log_y = TRUE;
  data.geometry_out = &geometry;

  surface = surface_new (&cr);
  gradlab_series_chart_render (cr, W, H, &data);
  cairo_destroy (cr);

  g_assert_true (geometry.valid);
  g_assert_true (geometry.log_y);
  g_assert_cmpfloat_with_epsilon (geometry.y_min, 1e-4, 1e-12);
  g_assert_cmpfloat_with_epsilon (geometry.y_max, 1.0, 1e-9);

  /* Four decades over the plot height: 1e-3, 1e-2 and 1e-1 sit at a
   * quarter, half and three quarters of it (on a linear axis 1e-3 .. 1e-1
   * would all be squeezed into the bottom tenth). */
  px = (int) gradlab_chart_geometry_x_to_pixel (&geometry, 5.5);
  bottom = geometry.plot_y + geometry.plot_height;
  for (k = 1; k <= 3; k++)
    {
      double expected = bottom - geometry.plot_height * k / 4.0;

      find_rows (surface, px, (int) expected - 6, (int) expected + 6, &series[k].color, &centre);
      g_assert_cmpfloat (fabs (centre - expected), <=, 1.0);
      g_assert_cmpfloat (fabs (gradlab_chart_geometry_y_to_pixel (&geometry, levels[k]) - expected),
                         <, 1e-3);
    }

  cairo_surface_destroy (surface);
  for (k = 0; k < 5; k++)
    {
      g_free (x[k]);
      g_free (y[k]);
    }
}

static void
test_chart_million (void)
{
  const gsize n = 1000000;
  GradlabChartSeries series[1] = { { 0 } };
  GradlabSeriesChartData data;
  GradlabChartGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  double *x = g_new (double, n);
  float *y = g_new (float, n);
  gint64 start;
  gsize i;

  for (i = 0; i < n; i++)
    {
      x[i] = i;
      y[i] = 1.0f + 0.5f * sinf (i * 1e-4f);
    }
  /* One spike among a million samples: the reduction must keep it. */
  y[654321] = 5.0f;

  gradlab_palette_color (0, &series[0].color);
  series[0].x = x;
  series[0].y = y;
  series[0].n = n;
  chart_data_plain (&data, series, 1);
  data.smoothing = 0.0;
  data.geometry_out = &geometry;

  surface = surface_new (&cr);
  start = g_get_monotonic_time ();
  gradlab_series_chart_render (cr, W, H, &data);
  g_test_message ("1e6 samples rendered in %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  cairo_destroy (cr);

  g_assert_cmpfloat (geometry.y_max, >=, 5.0);
  {
    int px = (int) floor (gradlab_chart_geometry_x_to_pixel (&geometry, 654321.0));
    double centre;

    find_rows (surface, px, (int) gradlab_chart_geometry_y_to_pixel (&geometry, 5.0) - 2,
               (int) gradlab_chart_geometry_y_to_pixel (&geometry, 4.0), &series[0].color, &centre);
  }

  cairo_surface_destroy (surface);
  g_free (x);
  g_free (y);
}

static void
test_chart_follow_window (void)
{
  GradlabChartSeries series[1];
  GradlabSeriesChartData data;
  GradlabChartGeometry geometry;
  cairo_surface_t *surface;
  cairo_t *cr;
  double *x;
  float *y;
  gsize i;

  constant_series (&series[0], 0, 0, 1000, 1.0f, &x, &y);
  for (i = 0; i < series[0].n; i++)
    y[i] = i < 900 ? 100.0f : 1.0f + i / 1000.0f;
  chart_data_plain (&data, series, 1);
  data.geometry_out = &geometry;

  /* All of it... */
  surface = surface_new (&cr);
  gradlab_series_chart_render (cr, W, H, &data);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  g_assert_cmpfloat (geometry.x_min, ==, 0.0);
  g_assert_cmpfloat (geometry.x_max, ==, 1000.0);
  g_assert_cmpfloat (geometry.y_max, >=, 100.0);

  /* ...or the last 100 steps, with the y range of those steps only. */
  data.x_window = 100.0;
  surface = surface_new (&cr);
  gradlab_series_chart_render (cr, W, H, &data);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  g_assert_cmpfloat (geometry.x_min, ==, 900.0);
  g_assert_cmpfloat (geometry.x_max, ==, 1000.0);
  g_assert_cmpfloat (geometry.y_max, <, 10.0);
  g_assert_cmpfloat (geometry.y_max, >=, 2.0);

  g_free (x);
  g_free (y);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/widgets/render/chart/golden-loss", test_chart_golden_loss);
  g_test_add_func ("/widgets/render/chart/golden-log-dark", test_chart_golden_log_dark);
  g_test_add_func ("/widgets/render/chart/golden-empty", test_chart_golden_empty);

  g_test_add_func ("/widgets/render/chart/gap-shade", test_chart_gap_shade);
  g_test_add_func ("/widgets/render/chart/marker-position", test_chart_marker_position);
  g_test_add_func ("/widgets/render/chart/log-rows", test_chart_log_rows);
  g_test_add_func ("/widgets/render/chart/million", test_chart_million);
  g_test_add_func ("/widgets/render/chart/follow-window", test_chart_follow_window);
  g_test_add_func ("/widgets/render/grad-strip/golden", test_strip_golden);
  g_test_add_func ("/widgets/render/grad-strip/cell-colors", test_strip_cell_colors);
  g_test_add_func ("/widgets/render/grad-strip/many-columns", test_strip_many_columns);

  g_test_add_func ("/widgets/render/layer-bars/golden", test_bars_golden);
  g_test_add_func ("/widgets/render/layer-bars/range-and-pixels", test_bars_range_and_pixels);
  g_test_add_func ("/widgets/render/layer-bars/compact", test_bars_compact);

  g_test_add_func ("/widgets/render/health-view/golden", test_health_golden);
  g_test_add_func ("/widgets/render/health-view/rows", test_health_rows);
  g_test_add_func ("/widgets/render/health-view/wide", test_health_wide);
  g_test_add_func ("/widgets/render/health-view/narrow", test_health_narrow);
  g_test_add_func ("/widgets/render/surface/golden-binary", test_surface_golden_binary);
  g_test_add_func ("/widgets/render/surface/golden-multiclass", test_surface_golden_multiclass);
  g_test_add_func ("/widgets/render/surface/pixels", test_surface_pixels);
  g_test_add_func ("/widgets/render/neuron-grid/golden", test_neuron_grid_golden);

  return g_test_run ();
}
