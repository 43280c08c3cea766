/* test-widgets.c: the widgets in real windows (run under Xvfb)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>
#include <gobject/gvaluecollector.h>
#include <math.h>
#include <string.h>

#include "golden.h"
#include "gui-util.h"
#include "gradlab-widgets.h"
#include "gradlab-widgets-private.h"

#define WIN_W 640
#define WIN_H 400

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* Pixels within @tolerance of @color inside a rectangle. */
static int
count_color (cairo_surface_t *surface,
             const GdkRGBA   *color,
             int              tolerance,
             int              x0,
             int              y0,
             int              x1,
             int              y1)
{
  int n = 0;
  int x;
  int y;

  x1 = MIN (x1, cairo_image_surface_get_width (surface));
  y1 = MIN (y1, cairo_image_surface_get_height (surface));
  for (y = MAX (y0, 0); y < y1; y++)
    for (x = MAX (x0, 0); x < x1; x++)
      {
        guint8 r, g, b, a;

        golden_get_pixel (surface, x, y, &r, &g, &b, &a);
        if (a > 200 &&
            abs (r - (int) round (color->red * 255)) <= tolerance &&
            abs (g - (int) round (color->green * 255)) <= tolerance &&
            abs (b - (int) round (color->blue * 255)) <= tolerance)
          n++;
      }

  return n;
}

/* Pixels differing from the top-left corner (the window background). */
static int
count_drawn (cairo_surface_t *surface)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  guint8 r0, g0, b0, a0;
  int n = 0;
  int x;
  int y;

  golden_get_pixel (surface, 0, 0, &r0, &g0, &b0, &a0);
  for (y = 0; y < height; y++)
    for (x = 0; x < width; x++)
      {
        guint8 r, g, b, a;

        golden_get_pixel (surface, x, y, &r, &g, &b, &a);
        if (abs (r - r0) + abs (g - g0) + abs (b - b0) > 30)
          n++;
      }

  return n;
}

static GdkRGBA
palette (guint index)
{
  GdkRGBA c;

  gradlab_palette_color (index, &c);

  return c;
}

/* ------------------------------------------------------------------------ */
/* Properties and lifetime                                                  */
/* ------------------------------------------------------------------------ */

static void
test_chart_properties (void)
{
  GtkWidget *chart = g_object_ref_sink (gradlab_series_chart_new ());
  GradlabSeriesChart *self = GRADLAB_SERIES_CHART (chart);
  guint *smoothing_count;

  assert_notifies_once (chart, "title", "Loss");
  assert_notifies_once (chart, "x-label", "step");
  assert_notifies_once (chart, "y-label", "loss");
  assert_notifies_once (chart, "log-y", TRUE);
  assert_notifies_once (chart, "smoothing", 0.6);
  assert_notifies_once (chart, "follow", TRUE);
  assert_notifies_once (chart, "window", 500);

  g_assert_cmpstr (gradlab_series_chart_get_title (self), ==, "Loss");
  g_assert_true (gradlab_series_chart_get_log_y (self));
  g_assert_cmpfloat (gradlab_series_chart_get_smoothing (self), ==, 0.6);
  g_assert_cmpint (gradlab_series_chart_get_window (self), ==, 500);

  /* Setters clamp, and clamping to the current value is no change. */
  smoothing_count = g_object_get_data (G_OBJECT (chart), "smoothing");
  gradlab_series_chart_set_smoothing (self, 0.99);
  gradlab_series_chart_set_smoothing (self, 5.0);
  g_assert_cmpfloat (gradlab_series_chart_get_smoothing (self), ==, 0.99);
  g_assert_cmpuint (*smoothing_count, ==, 2);

  /* Series bookkeeping. */
  {
    GdkRGBA blue = palette (0);
    const double x[] = { 0, 1, 2, 2, 1 };
    const float y[] = { 1, 2, 3, 4, 5 };

    g_assert_cmpuint (gradlab_series_chart_add_series (self, "train", &blue, FALSE), ==, 0);
    g_assert_cmpuint (gradlab_series_chart_add_series (self, "val", &blue, TRUE), ==, 1);
    g_assert_cmpuint (gradlab_series_chart_get_n_series (self), ==, 2);
    gradlab_series_chart_append_many (self, 0, x, y, 5);
    /* The decreasing last x is dropped. */
    g_assert_cmpuint (gradlab_series_chart_get_series_length (self, 0), ==, 4);
    gradlab_series_chart_append (self, 1, 10, 0.5f);
    gradlab_series_chart_add_marker (self, 1.0, "lr");
    gradlab_series_chart_clear (self);
    g_assert_cmpuint (gradlab_series_chart_get_n_series (self), ==, 2);
    g_assert_cmpuint (gradlab_series_chart_get_series_length (self, 0), ==, 0);
    gradlab_series_chart_remove_all_series (self);
    g_assert_cmpuint (gradlab_series_chart_get_n_series (self), ==, 0);
  }

  g_assert_finalize_object (chart);
}

static void
test_other_properties (void)
{
  GtkWidget *strip = g_object_ref_sink (gradlab_grad_strip_new ());
  GtkWidget *health = g_object_ref_sink (gradlab_health_view_new ());
  GtkWidget *surface = g_object_ref_sink (gradlab_surface_view_new ());
  GtkWidget *grid = g_object_ref_sink (gradlab_neuron_grid_new ());
  GtkWidget *bars = g_object_ref_sink (gradlab_layer_bars_new ());

  assert_notifies_once (strip, "title", "Gradients");
  assert_notifies_once (health, "selected-layer", 3);
  assert_notifies_once (surface, "add-class", 2);
  assert_notifies_once (surface, "editable", FALSE);
  assert_notifies_once (grid, "thumbnail-size", 32);

  g_assert_cmpint (gradlab_health_view_get_selected_layer (GRADLAB_HEALTH_VIEW (health)), ==, 3);
  g_assert_cmpint (gradlab_surface_view_get_add_class (GRADLAB_SURFACE_VIEW (surface)), ==, 2);
  g_assert_false (gradlab_surface_view_get_editable (GRADLAB_SURFACE_VIEW (surface)));
  g_assert_cmpint (gradlab_neuron_grid_get_thumbnail_size (GRADLAB_NEURON_GRID (grid)), ==, 32);

  /* Fewer layers than the selection: the selection is dropped, notified. */
  {
    guint *count = g_object_get_data (G_OBJECT (health), "selected-layer");
    const char *const names[] = { "a", "b" };
    const float shares[] = { 0.1f, 0.2f };

    gradlab_health_view_set_layers (GRADLAB_HEALTH_VIEW (health), 2, names, shares, shares);
    g_assert_cmpint (gradlab_health_view_get_selected_layer (GRADLAB_HEALTH_VIEW (health)), ==, -1);
    g_assert_cmpuint (*count, ==, 2);
  }

  /* Every widget can be exported. */
  g_assert_true (GRADLAB_IS_RENDERABLE (strip));
  g_assert_true (GRADLAB_IS_RENDERABLE (health));
  g_assert_true (GRADLAB_IS_RENDERABLE (surface));
  g_assert_true (GRADLAB_IS_RENDERABLE (grid));
  g_assert_true (GRADLAB_IS_RENDERABLE (bars));

  g_assert_finalize_object (strip);
  g_assert_finalize_object (health);
  g_assert_finalize_object (surface);
  g_assert_finalize_object (grid);
  g_assert_finalize_object (bars);
}

/* ------------------------------------------------------------------------ */
/* Shown in a window                                                        */
/* ------------------------------------------------------------------------ */

static void
test_chart_shown (void)
{
  GtkWidget *chart = g_object_ref (gradlab_series_chart_new ());
  GradlabSeriesChart *self = GRADLAB_SERIES_CHART (chart);
  GdkRGBA blue = palette (0);
  GtkWidget *window;
  cairo_surface_t *shot;
  double x[500];
  float y[500];
  int n_blue;
  guint i;

  gradlab_series_chart_set_title (self, "Loss");
  gradlab_series_chart_add_series (self, "train", &blue, FALSE);
  window = show_in_window (chart, WIN_W, WIN_H);

  /* Empty: the title and "No data yet", no data colour. */
  shot = render_widget (chart);
  g_assert_cmpint (cairo_image_surface_get_width (shot), ==, gtk_widget_get_width (chart));
  n_blue = count_color (shot, &blue, 40, 0, 40, WIN_W, WIN_H);
  cairo_surface_destroy (shot);
  g_assert_cmpint (n_blue, ==, 0);

  for (i = 0; i < 500; i++)
    {
      x[i] = i;
      y[i] = 2.0f * expf (-(float) i / 100.0f) + 0.1f;
    }
  gradlab_series_chart_append_many (self, 0, x, y, 500);
  gtk_test_widget_wait_for_draw (chart);

  /* The line is drawn inside the plot area. */
  shot = render_widget (chart);
  maybe_save_shot (shot, "GradlabSeriesChart");
  n_blue = count_color (shot, &blue, 40, WIN_W / 8, WIN_H / 8, WIN_W - 10, WIN_H - 30);
  cairo_surface_destroy (shot);
  g_assert_cmpint (n_blue, >, 300);

  close_window (window);
  g_assert_finalize_object (chart);
}

static void
test_all_shown (void)
{
  static const char *const names[] = { "dense1", "dense2", "dense3" };
  static const guint n_units[] = { 3, 2, 2 };
  const double steps[] = { 0, 10, 20, 30 };
  const float grads[] = { 1e-6f, 1e-3f, 1e-1f, 1e-6f, 1e-3f, 1.0f,
                          1e-7f, NAN, 2.0f, 1e-8f, 1e-3f, 10.0f };
  const float ratios[] = { 1e-3f, 2e-3f, 0.0f };
  const float counts[] = { 1, 4, 9, 4, 1 };
  const float probs[] = { 0.1f, 0.4f, 0.6f, 0.9f };
  const float points[] = { -0.5f, -0.5f, 0.5f, 0.5f };
  const int classes[] = { 0, 1 };
  float *outputs = g_new (float, 7 * 4 * 4);
  GtkWidget *widgets[5];
  guint i;

  for (i = 0; i < 7 * 16; i++)
    outputs[i] = sinf (i * 0.37f);

  widgets[0] = gradlab_grad_strip_new ();
  gradlab_grad_strip_set_data (GRADLAB_GRAD_STRIP (widgets[0]), 3, names, 4, steps, grads);
  gradlab_grad_strip_add_marker (GRADLAB_GRAD_STRIP (widgets[0]), 15, "lr");
  widgets[1] = gradlab_layer_bars_new ();
  gradlab_layer_bars_set_data (GRADLAB_LAYER_BARS (widgets[1]), 3, names, grads, ratios);
  widgets[2] = gradlab_health_view_new ();
  gradlab_health_view_set_layers (GRADLAB_HEALTH_VIEW (widgets[2]), 3, names, ratios, ratios);
  gradlab_health_view_set_selected_layer (GRADLAB_HEALTH_VIEW (widgets[2]), 1);
  gradlab_health_view_set_histogram (GRADLAB_HEALTH_VIEW (widgets[2]), 5, -1, 1, counts);
  widgets[3] = gradlab_surface_view_new ();
  gradlab_surface_view_set_surface (GRADLAB_SURFACE_VIEW (widgets[3]), 2, 2, 1, probs,
                                    -1, 1, -1, 1);
  gradlab_surface_view_set_points (GRADLAB_SURFACE_VIEW (widgets[3]), GRADLAB_POINTS_TRAIN, 2,
                                   points, classes);
  widgets[4] = gradlab_neuron_grid_new ();
  gradlab_neuron_grid_set_data (GRADLAB_NEURON_GRID (widgets[4]), 3, names, n_units, 4, 4, outputs);

  for (i = 0; i < G_N_ELEMENTS (widgets); i++)
    {
      GtkWidget *window;
      cairo_surface_t *shot;
      int drawn;

      g_object_ref (widgets[i]);
      window = show_in_window (widgets[i], WIN_W, WIN_H);
      shot = render_widget (widgets[i]);
      drawn = count_drawn (shot);
      maybe_save_shot (shot, G_OBJECT_TYPE_NAME (widgets[i]));
      g_test_message ("%s: %d pixels drawn", G_OBJECT_TYPE_NAME (widgets[i]), drawn);
      g_assert_cmpint (drawn, >, 2000);
      cairo_surface_destroy (shot);
      close_window (window);
      g_assert_finalize_object (widgets[i]);
    }

  g_free (outputs);
}

/* ------------------------------------------------------------------------ */
/* Clicks                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct
{
  guint  count;
  double x;
  double y;
  int    klass;
} Added;

static void
point_added_cb (GradlabSurfaceView *view,
                double              x,
                double              y,
                int                 klass,
                Added              *added)
{
  added->count++;
  added->x = x;
  added->y = y;
  added->klass = klass;
}

static void
test_surface_click (void)
{
  GtkWidget *view = g_object_ref (gradlab_surface_view_new ());
  GradlabSurfaceView *self = GRADLAB_SURFACE_VIEW (view);
  GradlabSurfaceViewData data = { 0 };
  GradlabSurfaceGeometry geometry;
  cairo_surface_t *offscreen;
  GtkWidget *window;
  Added added = { 0 };
  cairo_t *cr;
  double px;
  double py;
  double unit;

  gradlab_surface_view_set_range (self, -6, 6, -6, 6);
  gradlab_surface_view_set_add_class (self, 2);
  g_signal_connect (view, "point-added", G_CALLBACK (point_added_cb), &added);
  window = show_in_window (view, 400, 400);

  /* The same layout, drawn offscreen at the widget's size, says where
   * the data point (2.5, -1.5) is on screen. */
  data.x_min = data.y_min = -6;
  data.x_max = data.y_max = 6;
  data.geometry_out = &geometry;
  offscreen = golden_surface_new (gtk_widget_get_width (view), gtk_widget_get_height (view));
  cr = cairo_create (offscreen);
  gradlab_surface_view_render (cr, gtk_widget_get_width (view), gtk_widget_get_height (view),
                               &data);
  cairo_destroy (cr);
  cairo_surface_destroy (offscreen);
  g_assert_true (geometry.valid);
  gradlab_surface_geometry_data_to_pixel (&geometry, 2.5, -1.5, &px, &py);
  unit = 12.0 / geometry.plot_width;

  g_assert_true (_gradlab_surface_view_click (self, px, py, FALSE));
  g_assert_cmpuint (added.count, ==, 1);
  g_assert_cmpfloat (fabs (added.x - 2.5), <=, unit);
  g_assert_cmpfloat (fabs (added.y + 1.5), <=, unit);
  g_assert_cmpint (added.klass, ==, 2);

  /* Shift-click adds class 1. */
  g_assert_true (_gradlab_surface_view_click (self, px, py, TRUE));
  g_assert_cmpuint (added.count, ==, 2);
  g_assert_cmpint (added.klass, ==, 1);

  /* Outside the plot, or not editable: nothing. */
  g_assert_false (_gradlab_surface_view_click (self, geometry.plot_x - 5, py, FALSE));
  gradlab_surface_view_set_editable (self, FALSE);
  g_assert_false (_gradlab_surface_view_click (self, px, py, FALSE));
  g_assert_cmpuint (added.count, ==, 2);

  close_window (window);
  g_assert_finalize_object (view);
}

static void
test_health_click (void)
{
  static const char *const names[] = { "dense1", "dense2", "dense3", "output" };
  static const float dead[] = { 0.1f, 0.5f, 0.0f, 0.9f };
  GtkWidget *view = g_object_ref (gradlab_health_view_new ());
  GradlabHealthView *self = GRADLAB_HEALTH_VIEW (view);
  GradlabHealthViewData data = { 0 };
  GradlabHealthGeometry geometry;
  cairo_surface_t *offscreen;
  GtkWidget *window;
  guint *count;
  cairo_t *cr;
  double row_y;

  gradlab_health_view_set_layers (self, 4, names, dead, dead);
  count = count_notify (view, "selected-layer");
  window = show_in_window (view, WIN_W, WIN_H);

  data.n_layers = 4;
  data.names = names;
  data.dead = dead;
  data.saturated = dead;
  data.selected = -1;
  data.geometry_out = &geometry;
  offscreen = golden_surface_new (gtk_widget_get_width (view), gtk_widget_get_height (view));
  cr = cairo_create (offscreen);
  gradlab_health_view_render (cr, gtk_widget_get_width (view), gtk_widget_get_height (view), &data);
  cairo_destroy (cr);
  cairo_surface_destroy (offscreen);
  g_assert_true (geometry.valid);

  row_y = geometry.rows_y + 2.5 * geometry.row_height;
  g_assert_cmpint (_gradlab_health_view_click (self, 100, row_y), ==, 2);
  g_assert_cmpint (gradlab_health_view_get_selected_layer (self), ==, 2);
  g_assert_cmpuint (*count, ==, 1);

  /* The same row again: no new notification. */
  g_assert_cmpint (_gradlab_health_view_click (self, 300, row_y), ==, 2);
  g_assert_cmpuint (*count, ==, 1);

  /* Below the rows: no change. */
  row_y = geometry.rows_y + 4.5 * geometry.row_height;
  g_assert_cmpint (_gradlab_health_view_click (self, 100, row_y), ==, -1);
  g_assert_cmpint (gradlab_health_view_get_selected_layer (self), ==, 2);

  gtk_test_widget_wait_for_draw (view);
  close_window (window);
  g_assert_finalize_object (view);
}

/* ------------------------------------------------------------------------ */
/* Export                                                                   */
/* ------------------------------------------------------------------------ */

static void
assert_file_starts_with (const char *path,
                         const char *magic)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 200);
  g_assert_true (memcmp (contents, magic, strlen (magic)) == 0);
}

static void
test_export (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gradlab-export-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "chart.SVG", NULL);
  g_autofree char *pdf = g_build_filename (dir, "chart.pdf", NULL);
  g_autofree char *txt = g_build_filename (dir, "chart.txt", NULL);
  g_autofree char *bad = g_build_filename (dir, "missing", "chart.png", NULL);
  g_autofree char *unshown = g_build_filename (dir, "bars.png", NULL);
  GtkWidget *chart = g_object_ref (gradlab_series_chart_new ());
  GtkWidget *bars = g_object_ref_sink (gradlab_layer_bars_new ());
  GtkWidget *label = g_object_ref_sink (gtk_label_new ("x"));
  GdkRGBA blue = palette (0);
  GError *error = NULL;
  cairo_surface_t *image;
  GtkWidget *window;
  const double x[] = { 0, 1, 2 };
  const float y[] = { 3, 1, 2 };
  int n_blue;

  g_assert_nonnull (dir);
  gradlab_series_chart_set_title (GRADLAB_SERIES_CHART (chart), "Export");
  gradlab_series_chart_add_series (GRADLAB_SERIES_CHART (chart), "train", &blue, FALSE);
  gradlab_series_chart_append_many (GRADLAB_SERIES_CHART (chart), 0, x, y, 3);
  window = show_in_window (chart, WIN_W, WIN_H);

  /* PNG at the widget's size, with the data in it. */
  g_assert_true (gradlab_export_widget (chart, png, &error));
  g_assert_no_error (error);
  image = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (image), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (image), ==, gtk_widget_get_width (chart));
  g_assert_cmpint (cairo_image_surface_get_height (image), ==, gtk_widget_get_height (chart));
  n_blue = count_color (image, &blue, 40, 0, 0, WIN_W, WIN_H);
  g_assert_cmpint (n_blue, >, 100);
  cairo_surface_destroy (image);

  /* Vector formats, by extension in any case. */
  g_assert_true (gradlab_export_widget (chart, svg, &error));
  g_assert_no_error (error);
  assert_file_starts_with (svg, "<?xml");
  g_assert_true (gradlab_export_widget (chart, pdf, &error));
  g_assert_no_error (error);
  assert_file_starts_with (pdf, "%PDF");

  /* Errors, not crashes. */
  g_assert_false (gradlab_export_widget (chart, txt, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (g_file_test (txt, G_FILE_TEST_EXISTS));
  g_assert_false (gradlab_export_widget (chart, bad, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (gradlab_export_widget (label, png, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  /* A widget never shown is exported at its natural size. */
  g_assert_true (gradlab_export_widget (bars, unshown, &error));
  g_assert_no_error (error);
  image = cairo_image_surface_create_from_png (unshown);
  g_assert_cmpint (cairo_image_surface_get_width (image), >=, 640);
  cairo_surface_destroy (image);

  close_window (window);
  g_assert_finalize_object (chart);
  g_assert_finalize_object (bars);
  g_assert_finalize_object (label);

  g_unlink (png);
  g_unlink (svg);
  g_unlink (pdf);
  g_unlink (unshown);
  g_rmdir (dir);
}

/* Markers and geometry can be checked without comparing images. */
static void
test_chart_markers_geometry (void)
{
  GtkWidget *chart = g_object_ref_sink (gradlab_series_chart_new ());
  GradlabSeriesChart *c = GRADLAB_SERIES_CHART (chart);
  GdkRGBA blue = { 0.2f, 0.4f, 0.8f, 1.0f };
  GradlabChartGeometry g;
  cairo_surface_t *surface;
  cairo_t *cr;
  int i;

  /* Never rendered: FALSE and an invalid geometry. */
  memset (&g, 0xff, sizeof g);
  g_assert_false (gradlab_series_chart_get_geometry (c, &g));
  g_assert_false (g.valid);
  g_assert_cmpuint (gradlab_series_chart_get_n_markers (c), ==, 0);

  gradlab_series_chart_add_series (c, "train", &blue, FALSE);
  gradlab_series_chart_add_marker (c, 20.0, "lr 0.01");
  gradlab_series_chart_add_marker (c, 60.0, NULL);
  g_assert_cmpuint (gradlab_series_chart_get_n_markers (c), ==, 2);

  surface = golden_surface_new (400, 300);
  cr = cairo_create (surface);

  /* Rendered empty: still FALSE. */
  gradlab_renderable_render (GRADLAB_RENDERABLE (chart), cr, 400, 300);
  g_assert_false (gradlab_series_chart_get_geometry (c, &g));

  for (i = 0; i <= 100; i++)
    gradlab_series_chart_append (c, 0, i, 1.0f + i * 0.01f);
  gradlab_renderable_render (GRADLAB_RENDERABLE (chart), cr, 400, 300);
  g_assert_true (gradlab_series_chart_get_geometry (c, &g));
  g_assert_true (g.valid);
  g_assert_cmpfloat (g.plot_x, >, 0);
  g_assert_cmpfloat (g.plot_x + g.plot_width, <=, 400);
  g_assert_cmpfloat (g.plot_y + g.plot_height, <=, 300);
  g_assert_cmpfloat (g.x_min, <=, 0.0);
  g_assert_cmpfloat (g.x_max, >=, 100.0);
  g_assert_cmpfloat (gradlab_chart_geometry_x_to_pixel (&g, 20.0), <,
                     gradlab_chart_geometry_x_to_pixel (&g, 60.0));

  /* The last render wins, whatever its size. */
  gradlab_renderable_render (GRADLAB_RENDERABLE (chart), cr, 200, 150);
  g_assert_true (gradlab_series_chart_get_geometry (c, &g));
  g_assert_cmpfloat (g.plot_x + g.plot_width, <=, 200);

  gradlab_series_chart_clear_markers (c);
  g_assert_cmpuint (gradlab_series_chart_get_n_markers (c), ==, 0);
  gradlab_series_chart_add_marker (c, 10.0, "x");
  gradlab_series_chart_clear (c);
  g_assert_cmpuint (gradlab_series_chart_get_n_markers (c), ==, 0);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  g_assert_finalize_object (chart);
}

/* Hovering a row of the layer bars shows its values (drawn at any row
 * height, so short rows without value labels still have them). */
static void
test_bars_hover (void)
{
  GtkWidget *bars = g_object_ref_sink (gradlab_layer_bars_new ());
  GradlabLayerBars *b = GRADLAB_LAYER_BARS (bars);
  char *names[22];
  float left[21];
  float right[21];
  cairo_surface_t *surface;
  cairo_t *cr;
  guint i;

  for (i = 0; i < 21; i++)
    {
      names[i] = g_strdup_printf ("layer%u", i);
      left[i] = 1e-3f * (i + 1);
      right[i] = 1e-4f * (i + 1);
    }
  names[21] = NULL;

  /* Before any render nothing is under the pointer. */
  g_assert_cmpint (_gradlab_layer_bars_hover (b, 100, 100), ==, -1);

  gradlab_layer_bars_set_data (b, 21, (const char *const *) names, left, right);
  surface = golden_surface_new (560, 330);
  cr = cairo_create (surface);
  gradlab_renderable_render (GRADLAB_RENDERABLE (bars), cr, 560, 330);

  /* Top and bottom rows are hit; far below the rows is not. */
  g_assert_cmpint (_gradlab_layer_bars_hover (b, 200, 60), >=, 0);
  g_assert_cmpint (_gradlab_layer_bars_hover (b, 200, 329), ==, -1);
  g_assert_cmpint (_gradlab_layer_bars_hover (b, -1, -1), ==, -1);

  /* Fewer layers than the hovered row: no crash, no read-out. */
  g_assert_cmpint (_gradlab_layer_bars_hover (b, 200, 60), >=, 0);
  gradlab_layer_bars_set_data (b, 1, (const char *const *) names, left, right);
  gradlab_renderable_render (GRADLAB_RENDERABLE (bars), cr, 560, 330);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  for (i = 0; i < 21; i++)
    g_free (names[i]);
  g_assert_finalize_object (bars);
}

/* The widgets keep shaped labels between frames: a frame drawn from the
 * cache is the same as the first one. */
static void
test_text_cache_stable (void)
{
  const char *const names[] = { "conv1", "conv2", "a rather long layer name" };
  const float values[] = { 1e-3f, NAN, 0.25f };
  const float counts[] = { 1, 4, 9, 4, 1 };
  GdkRGBA blue = { 0.2f, 0.4f, 0.8f, 1.0f };
  GtkWidget *widgets[3];
  guint k;
  int i;

  widgets[0] = g_object_ref_sink (gradlab_layer_bars_new ());
  gradlab_layer_bars_set_data (GRADLAB_LAYER_BARS (widgets[0]), 3, names, values, values);
  widgets[1] = g_object_ref_sink (gradlab_health_view_new ());
  gradlab_health_view_set_layers (GRADLAB_HEALTH_VIEW (widgets[1]), 3, names, values, values);
  gradlab_health_view_set_selected_layer (GRADLAB_HEALTH_VIEW (widgets[1]), 2);
  gradlab_health_view_set_histogram (GRADLAB_HEALTH_VIEW (widgets[1]), 5, -1.0, 1.0, counts);
  widgets[2] = g_object_ref_sink (gradlab_series_chart_new ());
  gradlab_series_chart_set_title (GRADLAB_SERIES_CHART (widgets[2]), "Loss");
  gradlab_series_chart_set_y_label (GRADLAB_SERIES_CHART (widgets[2]), "loss");
  gradlab_series_chart_add_series (GRADLAB_SERIES_CHART (widgets[2]), "train", &blue, FALSE);
  for (i = 0; i < 50; i++)
    gradlab_series_chart_append (GRADLAB_SERIES_CHART (widgets[2]), 0, i, 1.0f / (i + 1));

  for (k = 0; k < G_N_ELEMENTS (widgets); k++)
    {
      cairo_surface_t *frames[3];
      double fraction;
      guint f;

      for (f = 0; f < 3; f++)
        {
          cairo_t *cr;

          frames[f] = golden_surface_new (480, 360);
          cr = cairo_create (frames[f]);
          gradlab_renderable_render (GRADLAB_RENDERABLE (widgets[k]), cr, 480, 360);
          cairo_destroy (cr);
          cairo_surface_flush (frames[f]);
        }
      g_assert_cmpfloat (golden_compare (frames[0], frames[1], &fraction), ==, 0.0);
      g_assert_cmpfloat (golden_compare (frames[0], frames[2], &fraction), ==, 0.0);
      for (f = 0; f < 3; f++)
        cairo_surface_destroy (frames[f]);
      g_assert_finalize_object (widgets[k]);
    }
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/widgets/gui/chart/properties", test_chart_properties);
  g_test_add_func ("/widgets/gui/other/properties", test_other_properties);
  g_test_add_func ("/widgets/gui/chart/shown", test_chart_shown);
  g_test_add_func ("/widgets/gui/all/shown", test_all_shown);
  g_test_add_func ("/widgets/gui/surface/click", test_surface_click);
  g_test_add_func ("/widgets/gui/health/click", test_health_click);
  g_test_add_func ("/widgets/gui/export", test_export);
  g_test_add_func ("/widgets/gui/chart/markers-geometry", test_chart_markers_geometry);
  g_test_add_func ("/widgets/gui/layer-bars/hover", test_bars_hover);
  g_test_add_func ("/widgets/gui/text-cache/stable", test_text_cache_stable);

  return g_test_run ();
}
