/* test-seg-gui.c: the mask view, bar chart and receptive-field view in
 * real windows (run under Xvfb)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>
#include <gobject/gvaluecollector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "gui-util.h"
#include "gradlab-seg-private.h"
#include "gradlab-widgets.h"
#include "seg-data.h"

#define WIN_W 640
#define WIN_H 400

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static gboolean
pixel_matches (cairo_surface_t *surface,
               int              x,
               int              y,
               const GdkRGBA   *color,
               int              tolerance)
{
  guint8 r, g, b, a;

  golden_get_pixel (surface, x, y, &r, &g, &b, &a);

  return a > 200 &&
         abs (r - (int) round (color->red * 255)) <= tolerance &&
         abs (g - (int) round (color->green * 255)) <= tolerance &&
         abs (b - (int) round (color->blue * 255)) <= tolerance;
}

/* The bounding box of the pixels of @color in rows y >= @y0; returns the
 * number found. */
static int
find_color (cairo_surface_t *surface,
            const GdkRGBA   *color,
            int              tolerance,
            int              y0,
            int             *min_x,
            int             *min_y,
            int             *max_x,
            int             *max_y)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int n = 0;
  int x;
  int y;

  *min_x = *min_y = G_MAXINT;
  *max_x = *max_y = -1;
  for (y = MAX (y0, 0); y < height; y++)
    for (x = 0; x < width; x++)
      if (pixel_matches (surface, x, y, color, tolerance))
        {
          *min_x = MIN (*min_x, x);
          *min_y = MIN (*min_y, y);
          *max_x = MAX (*max_x, x);
          *max_y = MAX (*max_y, y);
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

/* ------------------------------------------------------------------------ */
/* Test data: two 16 x 16 samples; sample 1 predicts one pixel, (5, 9), as  */
/* class 3, whose colour (magenta) appears nowhere else.                    */
/* ------------------------------------------------------------------------ */

#define G_SIDE   16
#define G_K      2
#define HIT_X    5
#define HIT_Y    9

static const GdkRGBA magenta = { 1.0f, 0.0f, 1.0f, 1.0f };

typedef struct
{
  float   images[G_K * G_SIDE * G_SIDE];
  int32_t truth[G_K * G_SIDE * G_SIDE];
  int32_t pred[G_K * G_SIDE * G_SIDE];
  float   probs[G_K * SEG_CLASSES * G_SIDE * G_SIDE];
} GuiData;

static void
gui_data_init (GuiData *d)
{
  gsize plane = G_SIDE * G_SIDE;
  guint k;
  guint c;
  int x;
  int y;

  for (k = 0; k < G_K; k++)
    for (y = 0; y < G_SIDE; y++)
      for (x = 0; x < G_SIDE; x++)
        {
          gsize p = k * plane + y * G_SIDE + x;
          int32_t t = x >= 2 && x < 7 && y >= 2 && y < 7 ? 1 : 0;

          d->images[p] = 0.3f + 0.02f * x;
          d->truth[p] = t;
          d->pred[p] = k == 1 && x == HIT_X && y == HIT_Y ? 3 : t;
          for (c = 0; c < SEG_CLASSES; c++)
            d->probs[(k * SEG_CLASSES + c) * plane + y * G_SIDE + x] =
              (int32_t) c == d->pred[p] ? 0.85f : 0.05f;
        }
}

static GtkWidget *
mask_view_new_with_data (GuiData *d)
{
  GtkWidget *view = gradlab_mask_view_new ();
  GdkRGBA colors[SEG_CLASSES];
  guint c;

  gui_data_init (d);
  for (c = 0; c < SEG_CLASSES; c++)
    gradlab_class_color (c, &colors[c]);
  colors[3] = magenta;

  gradlab_mask_view_set_classes (GRADLAB_MASK_VIEW (view), SEG_CLASSES, seg_class_names, colors);
  gradlab_mask_view_set_samples (GRADLAB_MASK_VIEW (view), G_K, 1, G_SIDE, G_SIDE, d->images,
                                 d->truth, d->pred, SEG_CLASSES, d->probs);
  gradlab_mask_view_set_opacity (GRADLAB_MASK_VIEW (view), 1.0);

  return view;
}

/* ------------------------------------------------------------------------ */
/* Properties and lifetime                                                  */
/* ------------------------------------------------------------------------ */

typedef struct
{
  guint    count;
  int      class_id;
  gboolean visible;
} Toggled;

static void
class_toggled_cb (GradlabMaskView *view,
                  int              class_id,
                  gboolean         visible,
                  Toggled         *toggled)
{
  toggled->count++;
  toggled->class_id = class_id;
  toggled->visible = visible;
}

static void
test_properties (void)
{
  GtkWidget *mask = g_object_ref_sink (gradlab_mask_view_new ());
  GtkWidget *bars = g_object_ref_sink (gradlab_bar_chart_new ());
  GtkWidget *rf = g_object_ref_sink (gradlab_rf_view_new ());
  GradlabMaskView *self = GRADLAB_MASK_VIEW (mask);
  Toggled toggled = { 0 };
  guint *count;
  int sample, x, y, size;
  float image[4 * 4] = { 0 };

  assert_notifies_once (mask, "opacity", 0.25);
  assert_notifies_once (mask, "error-class", 2);
  assert_notifies_once (bars, "title", "Class frequency");
  assert_notifies_once (bars, "orientation", GTK_ORIENTATION_VERTICAL);
  assert_notifies_once (bars, "log-scale", TRUE);
  assert_notifies_once (rf, "erf-opacity", 0.4);

  g_assert_cmpfloat (gradlab_mask_view_get_opacity (self), ==, 0.25);
  g_assert_cmpint (gradlab_mask_view_get_error_class (self), ==, 2);
  g_assert_cmpstr (gradlab_bar_chart_get_title (GRADLAB_BAR_CHART (bars)), ==, "Class frequency");
  g_assert_cmpint (gradlab_bar_chart_get_orientation (GRADLAB_BAR_CHART (bars)), ==,
                   GTK_ORIENTATION_VERTICAL);
  g_assert_true (gradlab_bar_chart_get_log_scale (GRADLAB_BAR_CHART (bars)));
  g_assert_cmpfloat (gradlab_rf_view_get_erf_opacity (GRADLAB_RF_VIEW (rf)), ==, 0.4);

  /* Setters clamp, and clamping to the current value is no change. */
  count = g_object_get_data (G_OBJECT (mask), "opacity");
  gradlab_mask_view_set_opacity (self, 1.0);
  gradlab_mask_view_set_opacity (self, 7.0);
  gradlab_mask_view_set_opacity (self, NAN);
  g_assert_cmpfloat (gradlab_mask_view_get_opacity (self), ==, 1.0);
  g_assert_cmpuint (*count, ==, 2);
  count = g_object_get_data (G_OBJECT (mask), "error-class");
  gradlab_mask_view_set_error_class (self, -5);
  g_assert_cmpint (gradlab_mask_view_get_error_class (self), ==, -1);
  g_assert_cmpuint (*count, ==, 2);
  count = g_object_get_data (G_OBJECT (rf), "erf-opacity");
  gradlab_rf_view_set_erf_opacity (GRADLAB_RF_VIEW (rf), -1.0);
  g_assert_cmpfloat (gradlab_rf_view_get_erf_opacity (GRADLAB_RF_VIEW (rf)), ==, 0.0);
  g_assert_cmpuint (*count, ==, 2);

  /* Class visibility: a signal per change, none for a repeat or a bad id. */
  g_signal_connect (mask, "class-toggled", G_CALLBACK (class_toggled_cb), &toggled);
  gradlab_mask_view_set_classes (self, SEG_CLASSES, seg_class_names, NULL);
  g_assert_cmpuint (gradlab_mask_view_get_n_classes (self), ==, SEG_CLASSES);
  g_assert_true (gradlab_mask_view_get_class_visible (self, 2));
  gradlab_mask_view_set_class_visible (self, 2, FALSE);
  gradlab_mask_view_set_class_visible (self, 2, FALSE);
  gradlab_mask_view_set_class_visible (self, 9, FALSE);
  g_assert_cmpuint (toggled.count, ==, 1);
  g_assert_cmpint (toggled.class_id, ==, 2);
  g_assert_false (toggled.visible);
  g_assert_false (gradlab_mask_view_get_class_visible (self, 2));
  g_assert_false (gradlab_mask_view_get_class_visible (self, 9));
  /* Same number of classes: kept; another number: all visible again. */
  gradlab_mask_view_set_classes (self, SEG_CLASSES, NULL, NULL);
  g_assert_false (gradlab_mask_view_get_class_visible (self, 2));
  gradlab_mask_view_set_classes (self, 3, NULL, NULL);
  g_assert_true (gradlab_mask_view_get_class_visible (self, 2));

  /* The selected pixel must exist. */
  gradlab_mask_view_set_samples (self, 1, 1, 4, 4, image, NULL, NULL, 0, NULL);
  gradlab_mask_view_set_selected_pixel (self, 0, 3, 2);
  g_assert_true (gradlab_mask_view_get_selected_pixel (self, &sample, &x, &y));
  g_assert_cmpint (sample, ==, 0);
  g_assert_cmpint (x, ==, 3);
  g_assert_cmpint (y, ==, 2);
  gradlab_mask_view_set_selected_pixel (self, 1, 0, 0);
  g_assert_false (gradlab_mask_view_get_selected_pixel (self, &sample, NULL, NULL));
  g_assert_cmpint (sample, ==, -1);
  gradlab_mask_view_set_selected_pixel (self, 0, 3, 3);
  gradlab_mask_view_set_samples (self, 1, 1, 2, 2, image, NULL, NULL, 0, NULL);
  g_assert_false (gradlab_mask_view_get_selected_pixel (self, NULL, NULL, NULL));

  /* Bad sizes are refused and leave the view as it was. */
  g_test_expect_message ("Gradlab-Widgets", G_LOG_LEVEL_CRITICAL, "*n_samples*");
  gradlab_mask_view_set_samples (self, GRADLAB_MASK_VIEW_MAX_SAMPLES + 1, 1, 4, 4, NULL, NULL,
                                 NULL, 0, NULL);
  g_test_assert_expected_messages ();

  /* The RF view's field must lie on the image. */
  gradlab_rf_view_set_image (GRADLAB_RF_VIEW (rf), 1, 4, 4, image);
  gradlab_rf_view_set_field (GRADLAB_RF_VIEW (rf), 3, 1, 5);
  g_assert_true (gradlab_rf_view_get_field (GRADLAB_RF_VIEW (rf), &x, &y, &size));
  g_assert_cmpint (x, ==, 3);
  g_assert_cmpint (y, ==, 1);
  g_assert_cmpint (size, ==, 5);
  gradlab_rf_view_set_field (GRADLAB_RF_VIEW (rf), 4, 1, 5);
  g_assert_false (gradlab_rf_view_get_field (GRADLAB_RF_VIEW (rf), &x, NULL, &size));
  g_assert_cmpint (x, ==, -1);
  g_assert_cmpint (size, ==, 0);
  gradlab_rf_view_set_erf (GRADLAB_RF_VIEW (rf), image);
  gradlab_rf_view_set_image (GRADLAB_RF_VIEW (rf), 1, 2, 2, image);
  gradlab_rf_view_set_image (GRADLAB_RF_VIEW (rf), 0, 0, 0, NULL);

  /* Bars: values without categories are ignored, not read. */
  gradlab_bar_chart_set_values (GRADLAB_BAR_CHART (bars), image, image);
  gradlab_bar_chart_set_data (GRADLAB_BAR_CHART (bars), 2, NULL, NULL, image);
  gradlab_bar_chart_set_series_labels (GRADLAB_BAR_CHART (bars), "truth", "predicted");
  gradlab_bar_chart_set_values (GRADLAB_BAR_CHART (bars), image, image);

  g_assert_true (GRADLAB_IS_RENDERABLE (mask));
  g_assert_true (GRADLAB_IS_RENDERABLE (bars));
  g_assert_true (GRADLAB_IS_RENDERABLE (rf));

  g_assert_finalize_object (mask);
  g_assert_finalize_object (bars);
  g_assert_finalize_object (rf);
}

/* ------------------------------------------------------------------------ */
/* Mask view: clicks, hover, live updates                                   */
/* ------------------------------------------------------------------------ */

typedef struct
{
  guint count;
  int   sample;
  int   x;
  int   y;
} Activated;

static void
mask_pixel_activated_cb (GradlabMaskView *view,
                         int              sample,
                         int              x,
                         int              y,
                         Activated       *activated)
{
  activated->count++;
  activated->sample = sample;
  activated->x = x;
  activated->y = y;
}

static void
test_mask_click (void)
{
  GuiData d;
  GtkWidget *view = g_object_ref (mask_view_new_with_data (&d));
  GradlabMaskView *self = GRADLAB_MASK_VIEW (view);
  const GradlabMaskGeometry *g;
  Activated activated = { 0 };
  Toggled toggled = { 0 };
  cairo_surface_t *shot;
  GtkWidget *window;
  int min_x, min_y, max_x, max_y, n;
  double cx, cy;
  int sample, x, y;

  g_signal_connect (view, "pixel-activated", G_CALLBACK (mask_pixel_activated_cb), &activated);
  g_signal_connect (view, "class-toggled", G_CALLBACK (class_toggled_cb), &toggled);
  window = show_in_window (view, WIN_W, WIN_H);
  g = _gradlab_mask_view_get_geometry (self);
  g_assert_true (g->valid);

  /* Find the one magenta image pixel where it was drawn on screen (below
   * the legend, whose swatch is magenta too): a square block. */
  shot = render_widget (view);
  maybe_save_shot (shot, "GradlabMaskView");
  n = find_color (shot, &magenta, 2, (int) g->row_y[0], &min_x, &min_y, &max_x, &max_y);
  cairo_surface_destroy (shot);
  g_assert_cmpint (n, >, 0);
  g_assert_cmpint (max_x - min_x, ==, max_y - min_y);
  g_assert_cmpint (n, ==, (max_x - min_x + 1) * (max_y - min_y + 1));
  cx = (min_x + max_x + 1) / 2.0;
  cy = (min_y + max_y + 1) / 2.0;

  /* A click there is sample 1, pixel (5, 9), as the gesture would do it. */
  g_assert_true (_gradlab_mask_view_click (self, cx, cy));
  g_assert_cmpuint (activated.count, ==, 1);
  g_assert_cmpint (activated.sample, ==, 1);
  g_assert_cmpint (activated.x, ==, HIT_X);
  g_assert_cmpint (activated.y, ==, HIT_Y);
  g_assert_true (gradlab_mask_view_get_selected_pixel (self, &sample, &x, &y));
  g_assert_cmpint (sample, ==, 1);
  g_assert_cmpint (x, ==, HIT_X);
  g_assert_cmpint (y, ==, HIT_Y);

  /* The same image pixel in the ground truth or the input: no signal. */
  g_assert_false (_gradlab_mask_view_click (self, cx - (g->col_x[2] - g->col_x[1]), cy));
  g_assert_false (_gradlab_mask_view_click (self, cx - (g->col_x[2] - g->col_x[0]), cy));
  g_assert_false (_gradlab_mask_view_click (self, cx, g->row_y[0] - 4));
  g_assert_cmpuint (activated.count, ==, 1);

  /* Hover over it: the read-out's pixel, and a box drawn on screen. */
  _gradlab_mask_view_motion (self, cx, cy);
  g_assert_true (_gradlab_mask_view_get_hover (self, &sample, &x, &y));
  g_assert_cmpint (sample, ==, 1);
  g_assert_cmpint (x, ==, HIT_X);
  g_assert_cmpint (y, ==, HIT_Y);
  gtk_test_widget_wait_for_draw (view);
  _gradlab_mask_view_leave (self);
  g_assert_false (_gradlab_mask_view_get_hover (self, NULL, NULL, NULL));

  /* A legend click toggles the class, twice back. */
  g_assert_cmpuint (g->n_legend, ==, SEG_CLASSES);
  cx = g->legend_x[3] + 4;
  cy = g->legend_y[3] + g->legend_height / 2.0;
  g_assert_true (_gradlab_mask_view_click (self, cx, cy));
  g_assert_cmpuint (toggled.count, ==, 1);
  g_assert_cmpint (toggled.class_id, ==, 3);
  g_assert_false (toggled.visible);
  g_assert_false (gradlab_mask_view_get_class_visible (self, 3));

  /* Hidden, the magenta pixel is gone from the cells (cached cells are
   * rebuilt); shown again, it is back. */
  gtk_test_widget_wait_for_draw (view);
  shot = render_widget (view);
  n = find_color (shot, &magenta, 2, (int) g->row_y[0], &min_x, &min_y, &max_x, &max_y);
  cairo_surface_destroy (shot);
  g_assert_cmpint (n, ==, 0);
  g_assert_true (_gradlab_mask_view_click (self, cx, cy));
  g_assert_cmpuint (toggled.count, ==, 2);
  g_assert_true (toggled.visible);
  gtk_test_widget_wait_for_draw (view);
  shot = render_widget (view);
  n = find_color (shot, &magenta, 2, (int) g->row_y[0], &min_x, &min_y, &max_x, &max_y);
  cairo_surface_destroy (shot);
  g_assert_cmpint (n, >, 0);

  /* A live refresh of the prediction replaces what is drawn. */
  d.pred[G_SIDE * G_SIDE + HIT_Y * G_SIDE + HIT_X] = 0;
  gradlab_mask_view_set_prediction (self, d.pred, 0, NULL);
  gtk_test_widget_wait_for_draw (view);
  shot = render_widget (view);
  n = find_color (shot, &magenta, 2, (int) g->row_y[0], &min_x, &min_y, &max_x, &max_y);
  cairo_surface_destroy (shot);
  g_assert_cmpint (n, ==, 0);

  /* No prediction: clicks on the prediction column do nothing. */
  gradlab_mask_view_set_prediction (self, NULL, 0, NULL);
  gtk_test_widget_wait_for_draw (view);
  g_assert_false (_gradlab_mask_view_click (self, g->col_x[2] + 3, g->row_y[1] + 3));
  g_assert_cmpuint (activated.count, ==, 1);

  close_window (window);
  g_assert_finalize_object (view);
}

/* ------------------------------------------------------------------------ */
/* RF view: a click on the image                                            */
/* ------------------------------------------------------------------------ */

static void
rf_pixel_activated_cb (GradlabRfView *view,
                       int            x,
                       int            y,
                       Activated     *activated)
{
  activated->count++;
  activated->x = x;
  activated->y = y;
}

static void
test_rf_click (void)
{
  GtkWidget *view = g_object_ref (gradlab_rf_view_new ());
  GradlabRfView *self = GRADLAB_RF_VIEW (view);
  float image[G_SIDE * G_SIDE];
  float erf[G_SIDE * G_SIDE] = { 0 };
  Activated activated = { 0 };
  cairo_surface_t *shot;
  GtkWidget *window;
  GdkRGBA red;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (image); i++)
    image[i] = 0.5f;
  erf[9 * G_SIDE + 11] = 1.0f;
  gradlab_rf_view_set_image (self, 1, G_SIDE, G_SIDE, image);
  gradlab_rf_view_set_field (self, 11, 9, 0);
  gradlab_rf_view_set_erf (self, erf);
  gradlab_rf_view_set_erf_opacity (self, 1.0);
  g_signal_connect (view, "pixel-activated", G_CALLBACK (rf_pixel_activated_cb), &activated);
  window = show_in_window (view, WIN_W, WIN_H);

  /* The marker ring is centred on the chosen pixel: find it where it was
   * drawn, above the legend (which has a small ring of its own). */
  gradlab_palette_color (4, &red);
  {
    const GradlabRfGeometry *g = _gradlab_rf_view_get_geometry (self);
    double bottom = g->image_y + g->height * g->scale;
    int ax, ay, bx, by;
    int x, y;

    g_assert_true (g->valid);
    shot = render_widget (view);
    maybe_save_shot (shot, "GradlabRfView-click");
    ax = ay = G_MAXINT;
    bx = by = -1;
    for (y = 0; y < (int) bottom; y++)
      for (x = 0; x < cairo_image_surface_get_width (shot); x++)
        if (pixel_matches (shot, x, y, &red, 2))
          {
            ax = MIN (ax, x);
            ay = MIN (ay, y);
            bx = MAX (bx, x);
            by = MAX (by, y);
          }
    cairo_surface_destroy (shot);
    g_assert_cmpint (bx, >=, 0);

    g_assert_true (_gradlab_rf_view_click (self, (ax + bx + 1) / 2.0, (ay + by + 1) / 2.0));
    g_assert_cmpuint (activated.count, ==, 1);
    g_assert_cmpint (activated.x, ==, 11);
    g_assert_cmpint (activated.y, ==, 9);

    /* Off the image: nothing. */
    g_assert_false (_gradlab_rf_view_click (self, g->image_x + 3, bottom + 4));
    g_assert_cmpuint (activated.count, ==, 1);

    /* Hover then leave. */
    _gradlab_rf_view_motion (self, (ax + bx + 1) / 2.0, (ay + by + 1) / 2.0);
    gtk_test_widget_wait_for_draw (view);
    _gradlab_rf_view_leave (self);
  }

  close_window (window);
  g_assert_finalize_object (view);
}

/* ------------------------------------------------------------------------ */
/* Shown and exported                                                       */
/* ------------------------------------------------------------------------ */

static GtkWidget *
bar_chart_new_with_data (void)
{
  static const float truth[SEG_CLASSES] = { 0.958f, 0.021f, 0.014f, 0.007f };
  static const float pred[SEG_CLASSES] = { 0.99f, 0.01f, 0.0f, 0.0f };
  GtkWidget *bars = gradlab_bar_chart_new ();

  gradlab_bar_chart_set_title (GRADLAB_BAR_CHART (bars), "Class pixel frequency");
  gradlab_bar_chart_set_data (GRADLAB_BAR_CHART (bars), SEG_CLASSES, seg_class_names, NULL, truth);
  gradlab_bar_chart_set_series_labels (GRADLAB_BAR_CHART (bars), "truth", "predicted");
  gradlab_bar_chart_set_values (GRADLAB_BAR_CHART (bars), truth, pred);
  gradlab_bar_chart_set_log_scale (GRADLAB_BAR_CHART (bars), TRUE);

  return bars;
}

static GtkWidget *
rf_view_new_with_data (float *image,
                       float *erf)
{
  GtkWidget *rf = gradlab_rf_view_new ();
  int x, y;

  for (y = 0; y < G_SIDE; y++)
    for (x = 0; x < G_SIDE; x++)
      {
        image[y * G_SIDE + x] = 0.3f + 0.03f * x;
        erf[y * G_SIDE + x] = abs (x - 8) <= 2 && abs (y - 7) <= 2 ?
                              1.0f / (1 + abs (x - 8) + abs (y - 7)) : 0.0f;
      }
  gradlab_rf_view_set_image (GRADLAB_RF_VIEW (rf), 1, G_SIDE, G_SIDE, image);
  gradlab_rf_view_set_field (GRADLAB_RF_VIEW (rf), 8, 7, 5);
  gradlab_rf_view_set_erf (GRADLAB_RF_VIEW (rf), erf);

  return rf;
}

static void
test_shown (void)
{
  GuiData d;
  float image[G_SIDE * G_SIDE];
  float erf[G_SIDE * G_SIDE];
  GtkWidget *widgets[3];
  guint i;

  widgets[0] = mask_view_new_with_data (&d);
  widgets[1] = bar_chart_new_with_data ();
  widgets[2] = rf_view_new_with_data (image, erf);

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
}

static void
test_export (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gradlab-seg-export-XXXXXX", NULL);
  g_autofree char *mask_png = g_build_filename (dir, "mask.png", NULL);
  g_autofree char *mask_svg = g_build_filename (dir, "mask.svg", NULL);
  g_autofree char *unshown_png = g_build_filename (dir, "unshown.png", NULL);
  g_autofree char *bars_pdf = g_build_filename (dir, "bars.pdf", NULL);
  g_autofree char *rf_png = g_build_filename (dir, "rf.png", NULL);
  GuiData d;
  float image[G_SIDE * G_SIDE];
  float erf[G_SIDE * G_SIDE];
  GtkWidget *mask = g_object_ref (mask_view_new_with_data (&d));
  GtkWidget *unshown = g_object_ref_sink (mask_view_new_with_data (&d));
  GtkWidget *bars = g_object_ref_sink (bar_chart_new_with_data ());
  GtkWidget *rf = g_object_ref_sink (rf_view_new_with_data (image, erf));
  GError *error = NULL;
  cairo_surface_t *png;
  GtkWidget *window;
  GdkRGBA fp;
  int min_x, min_y, max_x, max_y;
  gsize length;
  g_autofree char *contents = NULL;

  g_assert_nonnull (dir);
  gradlab_mask_error_color (GRADLAB_MASK_FALSE_POSITIVE, &fp);
  window = show_in_window (mask, WIN_W, WIN_H);

  /* PNG at the widget's size, with the cells in it: the magenta pixel
   * and its false positive. */
  g_assert_true (gradlab_export_widget (mask, mask_png, &error));
  g_assert_no_error (error);
  png = cairo_image_surface_create_from_png (mask_png);
  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, gtk_widget_get_width (mask));
  g_assert_cmpint (cairo_image_surface_get_height (png), ==, gtk_widget_get_height (mask));
  g_assert_cmpint (find_color (png, &magenta, 2, 0, &min_x, &min_y, &max_x, &max_y), >, 1);
  g_assert_cmpint (find_color (png, &fp, 2, 60, &min_x, &min_y, &max_x, &max_y), >, 1);
  cairo_surface_destroy (png);

  g_assert_true (gradlab_export_widget (mask, mask_svg, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (mask_svg, &contents, &length, NULL));
  g_assert_true (g_str_has_prefix (contents, "<?xml"));

  /* Never shown: exported at its natural size, at least 640 wide. */
  g_assert_true (gradlab_export_widget (unshown, unshown_png, &error));
  g_assert_no_error (error);
  png = cairo_image_surface_create_from_png (unshown_png);
  g_assert_cmpint (cairo_image_surface_get_width (png), >=, 640);
  g_assert_cmpint (find_color (png, &magenta, 2, 60, &min_x, &min_y, &max_x, &max_y), >, 1);
  cairo_surface_destroy (png);

  g_assert_true (gradlab_export_widget (bars, bars_pdf, &error));
  g_assert_no_error (error);
  g_assert_true (gradlab_export_widget (rf, rf_png, &error));
  g_assert_no_error (error);
  png = cairo_image_surface_create_from_png (rf_png);
  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (png);

  close_window (window);
  g_assert_finalize_object (mask);
  g_assert_finalize_object (unshown);
  g_assert_finalize_object (bars);
  g_assert_finalize_object (rf);

  g_unlink (mask_png);
  g_unlink (mask_svg);
  g_unlink (unshown_png);
  g_unlink (bars_pdf);
  g_unlink (rf_png);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/widgets/seg-gui/properties", test_properties);
  g_test_add_func ("/widgets/seg-gui/mask/click", test_mask_click);
  g_test_add_func ("/widgets/seg-gui/rf/click", test_rf_click);
  g_test_add_func ("/widgets/seg-gui/shown", test_shown);
  g_test_add_func ("/widgets/seg-gui/export", test_export);

  return g_test_run ();
}
