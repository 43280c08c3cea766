/* test-gui-seg.c: the segmentation and receptive-field labs in the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>
#include <png.h>
#include <string.h>

#include "gradlab-mask-view.h"
#include "gradlab-rf-lab.h"
#include "gradlab-rf-view.h"
#include "gradlab-seg-lab.h"
#include "gradlab-series-chart.h"
#include "test-gui-common.h"

static GradlabSegLab *
seg_lab (GradlabWindow *window)
{
  GtkWidget *w = gradlab_dashboard_get_view (gradlab_window_get_dashboard (window),
                                             GRADLAB_VIEW_SEGMENTATION);

  g_assert_true (GRADLAB_IS_SEG_LAB (w));
  return GRADLAB_SEG_LAB (w);
}

static GradlabRfLab *
rf_lab (GradlabWindow *window)
{
  GtkWidget *w = gradlab_dashboard_get_view (gradlab_window_get_dashboard (window),
                                             GRADLAB_VIEW_RECEPTIVE_FIELD);

  g_assert_true (GRADLAB_IS_RF_LAB (w));
  return GRADLAB_RF_LAB (w);
}

/* Switches the weighting from none to inverse frequency through its row,
 * mid-run: the run records the change, the weights in force become
 * non-uniform and the IoU chart gets a marker. */
static void
test_weighting (void)
{
  GradlabWindow *window = gui_window_new ("segmentation", 1280, 800);
  GradlabTrainer *trainer = gradlab_window_get_trainer (window);
  GradlabKnobsPanel *panel = gradlab_window_get_knobs_panel (window);
  GtkWidget *combo = gradlab_knobs_panel_get_control (panel, "weighting");
  g_autoptr (GPtrArray) events = NULL;
  GrSession *s;
  GrLossConfig lc;
  gint64 event_step = -1;
  GtkWidget *mv;

  g_assert_nonnull (combo);
  g_assert_true (ADW_IS_COMBO_ROW (combo));
  g_assert_cmpstr (gradlab_knobs_panel_get_value (panel, "weighting"), ==, "none");

  gui_run_until (window, 40);
  gui_settle (window);
  g_assert_cmpuint (gradlab_seg_lab_get_n_markers (seg_lab (window)), ==, 0);
  /* The strip shows predictions of validation images. */
  mv = gradlab_seg_lab_get_mask_view (seg_lab (window));
  g_assert_cmpuint (gradlab_mask_view_get_n_classes (GRADLAB_MASK_VIEW (mv)), >=, 3);

  adw_combo_row_set_selected (ADW_COMBO_ROW (combo), 1);
  g_assert_cmpstr (gradlab_knobs_panel_get_value (panel, "weighting"), ==, "inverse");
  gui_run_until (window, 80);
  gui_settle (window);

  events = gui_knob_events (window);
  for (guint i = 0; i < events->len; i++)
    {
      const char *e = g_ptr_array_index (events, i);

      if (strstr (e, "weighting") != NULL && strstr (e, "inverse") != NULL)
        event_step = g_ascii_strtoll (e, NULL, 10);
    }
  g_assert_cmpint (event_step, ==, 41);
  g_assert_cmpuint (gradlab_seg_lab_get_n_markers (seg_lab (window)), ==, 1);
  /* At least the evaluations that end each run_until (40 and 80). */
  g_assert_cmpint (gradlab_seg_lab_get_n_evals (seg_lab (window)), >=, 2);
  g_assert_cmpuint (gradlab_series_chart_get_series_length (
                      GRADLAB_SERIES_CHART (gradlab_seg_lab_get_iou_chart (seg_lab (window))), 1),
                    >=, 2);

  /* With the worker stopped the session is ours to read. */
  gradlab_trainer_stop (trainer);
  s = gradlab_trainer_get_session (trainer);
  gr_session_loss_config (s, &lc);
  g_assert_true (lc.use_weights);
  g_assert_cmpint (lc.n_classes, >=, 3);
  /* Inverse frequency: a rare class weighs many times the background. */
  g_assert_cmpfloat (lc.class_weights[1], >, 5.0f * lc.class_weights[0]);
  g_assert_cmpfloat (lc.class_weights[0], >, 0.0f);

  gui_window_free (window);
}

/* ---------------------------------------------------------------- PNGs */

static void
write_png (const char    *path,
           int            w,
           int            h,
           const guint8  *grey)
{
  FILE *f = g_fopen (path, "wb");
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);

  g_assert_nonnull (f);
  if (setjmp (png_jmpbuf (png)))
    g_error ("libpng failed writing %s", path);
  png_init_io (png, f);
  png_set_IHDR (png, info, (png_uint_32) w, (png_uint_32) h, 8, PNG_COLOR_TYPE_GRAY,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  for (int y = 0; y < h; y++)
    png_write_row (png, (png_const_bytep) (grey + (gsize) y * w));
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  fclose (f);
}

static void
write_pair (const char *dir,
            const char *name,
            int         seed,
            int         max_class)
{
  const int W = 32, H = 32;
  guint8 img[32 * 32], mask[32 * 32];
  g_autofree char *name_png = g_strconcat (name, ".png", NULL);
  g_autofree char *ip = g_build_filename (dir, "images", name_png, NULL);
  g_autofree char *mp = g_build_filename (dir, "masks", name_png, NULL);

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        int in_square = x >= 8 + seed && x < 16 + seed && y >= 10 && y < 18;

        img[y * W + x] = (guint8) (in_square ? 200 : 40 + ((x * 7 + y * 3 + seed) % 20));
        mask[y * W + x] = (guint8) (in_square ? max_class : 0);
      }
  write_png (ip, W, H, img);
  write_png (mp, W, H, mask);
}

static gboolean
row_says (GtkWidget  *root,
          const char *file,
          const char *reason)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      if (ADW_IS_ACTION_ROW (c)
          && strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (c)), file) != NULL)
        {
          const char *sub = adw_action_row_get_subtitle (ADW_ACTION_ROW (c));

          g_test_message ("%s: %s", file, sub);
          return sub != NULL && sub[0] != '\0' && (reason == NULL || strstr (sub, reason));
        }
      if (row_says (c, file, reason))
        return TRUE;
    }
  return FALSE;
}

static GtkWidget *
find_bad_files_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (tops, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_has_css_class (w, "gradlab-bad-files"))
        return w;
    }
  return NULL;
}

/* Open Folder on good and broken pairs: a dialog names every bad file
 * with its reason, and the run trains on the good pairs. */
static void
test_open_folder (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gradlab-seg-XXXXXX", NULL);
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autofree char *masks = g_build_filename (dir, "masks", NULL);
  GradlabWindow *window = gui_window_new ("segmentation", 1280, 800);
  GradlabTrainer *trainer = gradlab_window_get_trainer (window);
  g_autoptr (GError) error = NULL;
  g_autofree char *good = NULL;
  gsize good_len;
  GtkWidget *dialog;
  GrSession *s;
  char name[16];
  gint64 n_pairs;

  g_assert_cmpint (g_mkdir (images, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (masks, 0755), ==, 0);
  for (int i = 0; i < 8; i++)
    {
      g_snprintf (name, sizeof name, "good%d", i);
      write_pair (dir, name, i, 1 + i % 2);
    }
  /* garbage.png: not a PNG at all; its mask is fine. */
  write_pair (dir, "garbage", 0, 1);
  {
    g_autofree char *p = g_build_filename (images, "garbage.png", NULL);

    g_assert_true (g_file_set_contents (p, "this is not an image\n", -1, NULL));
  }
  /* cut.png: an image cut after 40 bytes. */
  write_pair (dir, "cut", 1, 1);
  {
    g_autofree char *p = g_build_filename (images, "cut.png", NULL);

    g_assert_true (g_file_get_contents (p, &good, &good_len, NULL));
    g_assert_true (g_file_set_contents (p, good, 40, NULL));
  }
  /* badclass.png: a mask with class 9 of 4. */
  write_pair (dir, "badclass", 2, 9);
  /* lonely.png: a mask without an image. */
  write_pair (dir, "lonely", 3, 1);
  {
    g_autofree char *p = g_build_filename (images, "lonely.png", NULL);

    g_assert_cmpint (g_unlink (p), ==, 0);
  }

  g_assert_null (find_bad_files_dialog ());
  g_assert_true (gradlab_window_open_data_folder (window, dir, &error));
  g_assert_no_error (error);
  dialog = find_bad_files_dialog ();
  g_assert_nonnull (dialog);
  gtk_test_widget_wait_for_draw (dialog);
  g_assert_true (row_says (dialog, "garbage.png", "PNG"));
  g_assert_true (row_says (dialog, "cut.png", "truncated"));
  g_assert_true (row_says (dialog, "badclass.png", NULL));
  g_assert_true (row_says (dialog, "lonely.png", NULL));
  g_assert_false (row_says (dialog, "good1.png", NULL));

  /* Training goes on with the eight good pairs. */
  gui_run_until (window, 15);
  gui_settle (window);
  gradlab_trainer_stop (trainer);
  s = gradlab_trainer_get_session (trainer);
  n_pairs = gr_session_train_data (s)->n + gr_session_val_data (s)->n;
  g_assert_cmpint (n_pairs, ==, 8);
  g_assert_cmpint (gr_session_step_count (s), ==, 15);

  gtk_window_destroy (GTK_WINDOW (dialog));
  gui_window_free (window);
  {
    g_autoptr (GDir) d1 = NULL;
    const char *entry;
    const char *sub[] = { images, masks };

    for (int k = 0; k < 2; k++)
      {
        d1 = g_dir_open (sub[k], 0, NULL);
        while ((entry = g_dir_read_name (d1)) != NULL)
          {
            g_autofree char *p = g_build_filename (sub[k], entry, NULL);

            g_unlink (p);
          }
        g_clear_pointer (&d1, g_dir_close);
        g_rmdir (sub[k]);
      }
    g_rmdir (dir);
  }
}

/* ----------------------------------------------------- receptive field */

typedef struct
{
  GradlabWindow *window;
  guint          serial;
} ErfWait;

static gboolean
erf_arrived (gpointer data)
{
  ErfWait *w = data;
  int width, height, cx, cy, rf;
  guint serial;

  gradlab_dashboard_flush (gradlab_window_get_dashboard (w->window));
  return gradlab_rf_lab_get_erf (rf_lab (w->window), &width, &height, &cx, &cy, &rf, &serial)
         != NULL
         && serial > w->serial;
}

static gboolean
table_filled (gpointer data)
{
  gradlab_dashboard_flush (gradlab_window_get_dashboard (data));
  return gradlab_rf_lab_get_n_rows (rf_lab (data)) > 0;
}

/* Clicking an output pixel draws an effective field that lies inside
 * its theoretical square; the dilation spin updates its field at once. */
static void
test_erf (void)
{
  GradlabWindow *window = gui_window_new ("receptive-field", 1280, 800);
  GradlabRfLab *lab = rf_lab (window);
  GtkWidget *mv = gradlab_rf_lab_get_mask_view (lab);
  ErfWait wait = { window, 0 };
  const float *erf;
  int width, height, cx, cy, rf, x0, y0, x1, y1, sample, sx, sy;
  guint serial, inside = 0;

  gui_wait_until (table_filled, window, 30000, "the layer table");
  gui_run_until (window, 10);
  gui_settle (window);
  gradlab_rf_lab_get_erf (lab, &width, &height, &cx, &cy, &rf, &wait.serial);

  /* The click, as the mask view reports it. */
  g_signal_emit_by_name (mv, "pixel-activated", 1, 11, 13);
  gui_wait_until (erf_arrived, &wait, 30000, "the effective receptive field");
  g_assert_true (gradlab_mask_view_get_selected_pixel (GRADLAB_MASK_VIEW (mv), &sample, &sx,
                                                       &sy));
  g_assert_cmpint (sample, ==, 1);
  g_assert_cmpint (sx, ==, 11);
  g_assert_cmpint (sy, ==, 13);

  erf = gradlab_rf_lab_get_erf (lab, &width, &height, &cx, &cy, &rf, &serial);
  g_assert_nonnull (erf);
  g_assert_cmpint (cx, ==, 11);
  g_assert_cmpint (cy, ==, 13);
  g_assert_cmpint (rf, >, 5);
  g_assert_cmpint (rf, <, width);
  gradlab_rf_field_bounds (cx, cy, rf, &x0, &y0, &x1, &y1);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        float v = erf[y * width + x];

        if (x < x0 || x > x1 || y < y0 || y > y1)
          {
            if (v != 0.0f)
              g_error ("ERF %g at (%d, %d), outside the field [%d, %d] x [%d, %d]", v, x, y,
                       x0, x1, y0, y1);
          }
        else if (v != 0.0f)
          inside++;
      }
  /* Not a single pixel: the field spreads over much of the square. */
  g_assert_cmpuint (inside, >, (guint) (rf * rf / 4));
  g_assert_true (gradlab_rf_view_get_field (GRADLAB_RF_VIEW (gradlab_rf_lab_get_rf_view (lab)),
                                            &cx, &cy, &rf));
  g_assert_cmpint (cx, ==, 11);

  /* Dilation: three 3×3 convs see 1 + 6·d pixels. */
  g_assert_nonnull (strstr (gradlab_rf_lab_get_dilated_text (lab), "7×7"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (gradlab_rf_lab_get_dilation (lab)), 3);
  g_assert_nonnull (strstr (gradlab_rf_lab_get_dilated_text (lab), "19×19"));
  g_assert_nonnull (strstr (gradlab_rf_lab_get_dilated_text (lab), "27 weights"));

  gui_window_free (window);
}

/* The formulas carry the numbers. */
static void
test_formulas (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 1, 32, 32 });
  g_autofree GrGeometry *geo = g_new0 (GrGeometry, 1);
  GrLayerSpec specs[3] = { 0 };
  GrLayerSpec all[3];
  char buf[160];

  specs[0].kind = GR_LAYER_CONV2D;
  specs[0].units = 4;
  specs[0].kernel = 5;
  specs[0].pad = 2;
  specs[1] = specs[0];
  specs[1].kernel = 3;
  specs[1].dilation = 2;
  g_assert_cmpint (gr_net_add (net, &specs[0]), >, 0);
  g_assert_cmpint (gr_net_add (net, &specs[1]), >, 0);
  gr_geometry_compute (net, geo);
  for (int i = 0; i < 3; i++)
    all[i] = *gr_net_node_spec (net, i);
  gradlab_rf_formula (geo, all, 2, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "RF = 5 + (3−1)·2·1 = 9");
  gradlab_rf_size_formula (geo, all, 2, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "H = (32+2·2−2·(3−1)−1)/1+1 = 32");
  gr_net_free (net);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/app/gui/seg/formulas", test_formulas);
  g_test_add_func ("/app/gui/seg/weighting-marker", test_weighting);
  g_test_add_func ("/app/gui/seg/open-folder", test_open_folder);
  g_test_add_func ("/app/gui/seg/erf-inside-field", test_erf);
  return g_test_run ();
}
