/* test-gui-app.c: the Gradlab window driven in-process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs under an Xvfb of its own (tests/run-xvfb.sh) with the cairo
 * renderer. Every test builds a real window on a real lab, trains on the
 * real worker thread and reads back what the trainer recorded and what
 * the window drew.
 */

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gradlab-experiment.h"
#include "gradlab-export.h"
#include "gradlab-series-chart.h"
#include "gradlab-renderable.h"
#include "test-gui-common.h"

/* Changing the learning rate through its slider: the trainer applies it
 * at a recorded step, every plot gets a marker, and the loss plot holds
 * exactly one point per step. */
static void
test_knob_lr (void)
{
  GradlabWindow *window = gui_window_new ("playground", 1280, 800);
  GradlabTrainer *trainer = gradlab_window_get_trainer (window);
  GradlabDashboard *dashboard = gradlab_window_get_dashboard (window);
  GtkWidget *scale = gradlab_knobs_panel_get_control (gradlab_window_get_knobs_panel (window),
                                                      "lr");
  GtkWidget *spin = gradlab_knobs_panel_get_spin (gradlab_window_get_knobs_panel (window), "lr");
  GtkWidget *loss = gradlab_dashboard_get_view (dashboard, GRADLAB_VIEW_LOSS);
  GrSession *session = gradlab_trainer_get_session (trainer);
  g_autoptr (GPtrArray) events = NULL;
  g_autofree GrStepRecord *steps = NULL;
  GrHistory *h;
  GrKnobs knobs;
  const gint64 N = 40, M = 25;

  g_assert_true (GTK_IS_SCALE (scale));
  g_assert_true (GTK_IS_SPIN_BUTTON (spin));
  g_assert_nonnull (loss);

  gui_run_until (window, N);
  gui_settle (window);
  g_assert_cmpuint (gradlab_series_chart_get_series_length (GRADLAB_SERIES_CHART (loss), 0),
                    ==, N);
  g_assert_cmpuint (gradlab_dashboard_get_n_markers (dashboard), ==, 0);

  /* The slider is logarithmic: its value is log10 (lr). */
  gtk_range_set_value (GTK_RANGE (scale), log10 (0.001));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (spin)), ==, "0.001");
  gradlab_trainer_get_knobs (trainer, &knobs);
  g_assert_cmpfloat_with_epsilon (knobs.lr, 0.001f, 1e-9);

  gui_run_until (window, N + M);
  gui_settle (window);

  /* Applied at the first step after the change, and recorded there. */
  events = gui_knob_events (window);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (events, 0), ==, "41:lr 0.01 → 0.001");
  h = gr_session_history (session);
  steps = g_new (GrStepRecord, N + M);
  g_assert_cmpint (gr_history_copy_steps (h, 0, N + M, steps), ==, N + M);
  g_assert_cmpfloat_with_epsilon (steps[N - 1].lr, 0.01f, 1e-9);
  g_assert_cmpfloat_with_epsilon (steps[N].lr, 0.001f, 1e-9);
  gradlab_trainer_get_knobs (trainer, &knobs);
  g_assert_cmpfloat_with_epsilon (knobs.lr, 0.001f, 1e-9);

  /* One point per step, and the marker on the plot. */
  g_assert_cmpuint (gradlab_series_chart_get_series_length (GRADLAB_SERIES_CHART (loss), 0),
                    ==, N + M);
  g_assert_cmpuint (gradlab_dashboard_get_n_markers (dashboard), ==, 1);
  {
    /* The marker is a vertical line at step 41. Render the chart as it
     * is (A), then with the marker moved to step 5 (B): the layout stays
     * the same, and what differs is two vertical lines and the label
     * boxes above the plot. */
    const int W = 640, H = 360;
    cairo_surface_t *a = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
    cairo_surface_t *b = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr;
    int counts[640], first = -1, other = -1, rest = 0;

    cr = cairo_create (a);
    gradlab_renderable_render (GRADLAB_RENDERABLE (loss), cr, W, H);
    cairo_destroy (cr);
    gradlab_series_chart_clear_markers (GRADLAB_SERIES_CHART (loss));
    gradlab_series_chart_add_marker (GRADLAB_SERIES_CHART (loss), 5, "lr 0.01 → 0.001");
    cr = cairo_create (b);
    gradlab_renderable_render (GRADLAB_RENDERABLE (loss), cr, W, H);
    cairo_destroy (cr);
    cairo_surface_flush (a);
    cairo_surface_flush (b);
    if (g_getenv ("GRADLAB_TEST_DUMP") != NULL)
      {
        cairo_surface_write_to_png (a, "/tmp/marker-a.png");
        cairo_surface_write_to_png (b, "/tmp/marker-b.png");
      }
    for (int x = 0; x < W; x++)
      {
        counts[x] = 0;
        for (int y = 0; y < H; y++)
          {
            const guint32 *pa = (const guint32 *) (cairo_image_surface_get_data (a)
                                                   + y * cairo_image_surface_get_stride (a));
            const guint32 *pb = (const guint32 *) (cairo_image_surface_get_data (b)
                                                   + y * cairo_image_surface_get_stride (b));

            counts[x] += pa[x] != pb[x];
          }
      }
    /* The two tallest columns of changes, apart from each other. */
    for (int x = 0; x < W; x++)
      if (first < 0 || counts[x] > counts[first])
        first = x;
    for (int x = 0; x < W; x++)
      if (abs (x - first) > 3 && (other < 0 || counts[x] > counts[other]))
        other = x;
    for (int x = 0; x < W; x++)
      if (abs (x - first) > 3 && abs (x - other) > 3)
        rest = MAX (rest, counts[x]);
    g_test_message ("marker columns %d (%d px) and %d (%d px); elsewhere at most %d px",
                    first, counts[first], other, counts[other], rest);
    /* Dashed lines over the plot (dashes cover about half of it)... */
    g_assert_cmpint (counts[first], >, H / 4);
    g_assert_cmpint (counts[other], >, H / 4);
    /* ...at step 41 (right of the middle of 1..65) and step 5 (far
     * left)... */
    g_assert_cmpint (MAX (first, other), >, W / 2);
    g_assert_cmpint (MIN (first, other), <, W / 4);
    /* ...and nothing else but label boxes. */
    g_assert_cmpint (rest, <, H / 8);
    cairo_surface_destroy (a);
    cairo_surface_destroy (b);
  }
  gui_window_free (window);
}

/* The typed entry beside a slider applies typed values too. */
static void
test_knob_spin (void)
{
  GradlabWindow *window = gui_window_new ("overfitting", 1280, 800);
  GradlabKnobsPanel *panel = gradlab_window_get_knobs_panel (window);
  GtkWidget *spin = gradlab_knobs_panel_get_spin (panel, "dropout");
  GrKnobs knobs;

  g_assert_nonnull (spin);
  gtk_editable_set_text (GTK_EDITABLE (spin), "0.3");
  gtk_spin_button_update (GTK_SPIN_BUTTON (spin));
  gradlab_trainer_get_knobs (gradlab_window_get_trainer (window), &knobs);
  g_assert_cmpfloat_with_epsilon (knobs.dropout, 0.3f, 1e-6);
  g_assert_cmpstr (gradlab_knobs_panel_get_value (panel, "dropout"), ==, "0.3");
  gui_window_free (window);
}

static GtkWidget *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return GTK_WIDGET (w);
    }
  return NULL;
}

typedef struct
{
  GradlabTrainer *trainer;
  gint64          step;
} StepWait;

static gboolean
step_passed (gpointer data)
{
  StepWait *w = data;

  return gradlab_trainer_get_step (w->trainer) > w->step;
}

/* A malformed experiment file: a dialog names file, line and field, and
 * the run in the window goes on. */
static void
test_malformed_experiment (void)
{
  GradlabWindow *window = gui_window_new ("playground", 1280, 800);
  GradlabTrainer *trainer = gradlab_window_get_trainer (window);
  g_autofree char *dir = g_dir_make_tmp ("gradlab-gui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bad.json", NULL);
  const char *text =
    "{\n"
    "  \"name\": \"bad\",\n"
    "  \"lab\": \"playground\",\n"
    "  \"data\": { \"name\": \"spiral\", \"n\": 200 },\n"
    "  \"knobs\": { \"lr\": -0.1 }\n"
    "}\n";
  g_autoptr (GError) error = NULL;
  GtkWidget *dialog;
  const char *body;
  StepWait wait;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  gradlab_trainer_set_running (trainer, TRUE);
  wait.trainer = trainer;
  wait.step = 5;
  gui_wait_until (step_passed, &wait, 30000, "training to start");

  g_assert_false (gradlab_window_open_experiment (window, path, &error));
  g_assert_nonnull (error);
  gui_spin (100);
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog));
  g_test_message ("dialog: %s / %s", adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)),
                  body);
  g_assert_nonnull (strstr (body, "bad.json:5"));
  g_assert_nonnull (strstr (body, "knobs.lr"));

  /* Still the same run, still training. */
  g_assert_true (gradlab_trainer_get_running (trainer));
  g_assert_cmpstr (gradlab_window_get_lab (window), ==, "playground");
  wait.step = gradlab_trainer_get_step (trainer) + 20;
  gui_wait_until (step_passed, &wait, 30000, "training to go on");

  gtk_window_destroy (GTK_WINDOW (dialog));
  gradlab_trainer_set_running (trainer, FALSE);
  g_unlink (path);
  g_rmdir (dir);
  gui_window_free (window);
}

/* Save writes the knob changes as a timeline, and the file loads back
 * as an experiment with that timeline. */
static void
test_save_experiment (void)
{
  GradlabWindow *window = gui_window_new ("playground", 1280, 800);
  GtkWidget *scale = gradlab_knobs_panel_get_control (gradlab_window_get_knobs_panel (window),
                                                      "lr");
  g_autofree char *dir = g_dir_make_tmp ("gradlab-gui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "saved.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GradlabExperiment) exp = NULL;
  const GradlabTimelineEntry *e;

  gui_run_until (window, 10);
  gtk_range_set_value (GTK_RANGE (scale), log10 (0.05));
  gui_run_until (window, 20);
  g_assert_true (gradlab_window_save_experiment (window, path, &error));
  g_assert_no_error (error);

  exp = gradlab_experiment_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exp->lab, ==, "playground");
  g_assert_cmpfloat_with_epsilon (exp->knobs.lr, 0.01f, 1e-9);
  g_assert_cmpuint (exp->timeline->len, ==, 1);
  e = &g_array_index (exp->timeline, GradlabTimelineEntry, 0);
  g_assert_cmpint (e->step, ==, 11);
  g_assert_cmpstr (e->key, ==, "lr");
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (e->value, NULL), 0.05, 1e-9);

  g_unlink (path);
  g_rmdir (dir);
  gui_window_free (window);
}

static gboolean
layers_are (gpointer data)
{
  GradlabWindow *window = data;
  GrHistory *h = gradlab_trainer_get_history (gradlab_window_get_trainer (window));

  return gr_history_n_layers (h) == 2 && gr_history_n_steps (h) == 0;
}

/* A shape knob waits for Reset, says so, and Reset rebuilds. */
static void
test_reset_rebuilds (void)
{
  GradlabWindow *window = gui_window_new ("playground", 1280, 800);
  GradlabKnobsPanel *panel = gradlab_window_get_knobs_panel (window);
  GtkWidget *depth = gradlab_knobs_panel_get_control (panel, "model.depth");
  GrHistory *h = gradlab_trainer_get_history (gradlab_window_get_trainer (window));
  GtkWidget *pending;

  gui_run_until (window, 10);
  g_assert_cmpint (gr_history_n_layers (h), ==, 4);   /* 3 hidden + output */
  gtk_range_set_value (GTK_RANGE (depth), 1);
  /* Nothing changed yet, but the window says it is waiting. */
  g_assert_cmpint (gr_history_n_layers (h), ==, 4);
  pending = gui_find_label (GTK_WIDGET (window), "Waiting for Reset");
  g_assert_nonnull (pending);
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (pending)), "Hidden layers"));
  g_assert_true (gtk_revealer_get_reveal_child (
    GTK_REVEALER (gtk_widget_get_ancestor (pending, GTK_TYPE_REVEALER))));
  g_action_group_activate_action (G_ACTION_GROUP (window), "reset", NULL);
  gui_wait_until (layers_are, window, 30000, "the rebuilt network");
  gui_run_until (window, 5);
  gui_window_free (window);
}

static gboolean
banner_shown (gpointer data)
{
  GtkLabel *label = data;

  return gtk_widget_get_mapped (GTK_WIDGET (label))
         && strstr (gtk_label_get_label (label), "diverged") != NULL;
}

static gboolean
running_again (gpointer data)
{
  return gradlab_trainer_get_running (data);
}

/* A run that blows up pauses and says where; lowering the learning rate
 * from the banner goes back to the last healthy weights (an event on the
 * plots) and resumes with lr / 10. */
static void
test_divergence (void)
{
  GradlabWindow *window = gui_window_new ("overfitting", 1280, 800);
  GradlabTrainer *trainer = gradlab_window_get_trainer (window);
  GtkWidget *banner_button = gui_find_by_action (GTK_WIDGET (window), "win.lower-lr");
  GtkWidget *label;
  g_autoptr (GError) error = NULL;
  GrKnobs knobs;

  g_assert_true (gradlab_trainer_set_knob (trainer, "lr", "100", &error));
  g_assert_true (gradlab_trainer_set_knob (trainer, "optimizer", "sgd", &error));
  label = gtk_widget_get_prev_sibling (banner_button);
  g_assert_true (GTK_IS_LABEL (label));
  gradlab_trainer_set_running (trainer, TRUE);
  gui_wait_until (banner_shown, label, 60000, "the divergence banner");
  g_test_message ("banner: %s", gtk_label_get_label (GTK_LABEL (label)));
  g_assert_false (gradlab_trainer_get_running (trainer));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (label)), "step"));

  g_action_group_activate_action (G_ACTION_GROUP (window), "lower-lr", NULL);
  gradlab_trainer_get_knobs (trainer, &knobs);
  g_assert_cmpfloat_with_epsilon (knobs.lr, 10.0f, 1e-5);
  gui_wait_until (running_again, trainer, 30000, "the run to resume");
  gradlab_trainer_set_running (trainer, FALSE);
  {
    GrHistory *h = gradlab_trainer_get_history (trainer);
    int64_t n = gr_history_n_events (h);
    g_autofree GrEvent *ev = g_new0 (GrEvent, n + 1);
    gboolean restored = FALSE;

    gr_history_copy_events (h, 0, n, ev);
    for (int64_t i = 0; i < n; i++)
      restored |= ev[i].kind == GR_EVENT_NOTE && strstr (ev[i].text, "restored") != NULL;
    g_assert_true (restored);
  }
  gui_window_free (window);
}

/* Every lab: a painted window whose views all hold drawn data. */
static void
test_labs_draw (void)
{
  guint n_labs;
  const GradlabLab *labs = gradlab_labs (&n_labs);
  g_autofree char *dir = g_dir_make_tmp ("gradlab-gui-XXXXXX", NULL);

  for (guint i = 0; i < n_labs; i++)
    {
      GradlabWindow *window = gui_window_new (labs[i].id, 1280, 800);
      GradlabDashboard *dashboard = gradlab_window_get_dashboard (window);
      g_autofree char *path = g_strdup_printf ("%s/%s.png", dir, labs[i].id);
      g_autoptr (GError) error = NULL;
      g_autoptr (GdkTexture) texture = NULL;
      GStatBuf st;

      /* The convolutional labs' steps take about a second each under
       * AddressSanitizer at -O0; 20 of them draw every view as well. */
      gui_run_until (window, labs[i].views & (GRADLAB_VIEW_SEGMENTATION
                                              | GRADLAB_VIEW_RECEPTIVE_FIELD) ? 20 : 120);
      gui_settle (window);
      g_assert_true (gradlab_window_save_png (window, path, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_size, >, 10000);
      texture = gdk_texture_new_from_filename (path, &error);
      g_assert_no_error (error);

      for (guint bit = 0; bit < 8; bit++)
        {
          GradlabViewFlags view = 1u << bit;
          GtkWidget *w = gradlab_dashboard_get_view (dashboard, view);
          graphene_rect_t r;
          guint colored;

          if (!(labs[i].views & view))
            continue;
          g_assert_nonnull (w);
          g_assert_true (gtk_widget_compute_bounds (w, GTK_WIDGET (window), &r));
          /* Only what a scrolled window shows of it. */
          for (GtkWidget *a = gtk_widget_get_parent (w); a; a = gtk_widget_get_parent (a))
            if (GTK_IS_SCROLLED_WINDOW (a))
              {
                graphene_rect_t sr;

                g_assert_true (gtk_widget_compute_bounds (a, GTK_WIDGET (window), &sr));
                g_assert_true (graphene_rect_intersection (&r, &sr, &r));
              }
          colored = gui_count_colored (texture, &r);
          g_test_message ("%s / %s: %.0fx%.0f at %.0f,%.0f, %u coloured pixels", labs[i].id,
                          gradlab_dashboard_view_title (view), r.size.width, r.size.height,
                          r.origin.x, r.origin.y, colored);
          g_assert_cmpfloat (r.size.width, >, 100);
          g_assert_cmpfloat (r.size.height, >, 100);
          g_assert_cmpuint (colored, >, 150);
        }
      g_unlink (path);
      gui_window_free (window);
    }
  g_rmdir (dir);
}

/* Metrics as CSV: a header and one line per step, evaluations on their
 * steps; a plot exports in the three formats. */
static void
test_export (void)
{
  GradlabWindow *window = gui_window_new ("losses", 1280, 800);
  GtkWidget *loss = gradlab_dashboard_get_view (gradlab_window_get_dashboard (window),
                                                GRADLAB_VIEW_LOSS);
  g_autofree char *dir = g_dir_make_tmp ("gradlab-gui-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "metrics.csv", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  const char *formats[] = { "png", "svg", "pdf" };
  guint with_eval = 0;

  gui_run_until (window, 50);
  gui_settle (window);
  g_assert_true (gradlab_window_export_csv (window, csv, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  /* header, 50 steps, and the empty string after the last newline */
  g_assert_cmpuint (g_strv_length (lines), ==, 52);
  g_assert_true (g_str_has_prefix (lines[0], "step,epoch,loss,accuracy,lr,grad_norm"));
  g_assert_true (g_str_has_prefix (lines[1], "1,0,"));
  g_assert_true (g_str_has_prefix (lines[50], "50,"));
  for (guint i = 1; i <= 50; i++)
    with_eval += !g_str_has_suffix (lines[i], ",,,,");
  /* loss-ce evaluates once per epoch: 1437 samples / 32 = 45 steps, plus
   * the evaluation that ends the run at step 50. */
  g_assert_cmpuint (with_eval, ==, 2);
  g_unlink (csv);

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/loss.%s", dir, formats[i]);
      GStatBuf st;

      g_assert_true (gradlab_export_widget (loss, path, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_size, >, 1000);
      g_unlink (path);
    }
  g_rmdir (dir);
  gui_window_free (window);
}

static void
checkpoint_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  int *state = data;
  g_autoptr (GError) error = NULL;

  g_assert_true (gradlab_trainer_checkpoint_finish (GRADLAB_TRAINER (source), result, &error));
  g_assert_no_error (error);
  *state = 1;
}

static gboolean
int_set (gpointer data)
{
  return *(int *) data != 0;
}

/* A checkpoint saved at step 20 and loaded at step 40 puts the run back
 * at step 20 and starts its plots afresh there. */
static void
test_checkpoint (void)
{
  GradlabWindow *window = gui_window_new ("batchnorm", 1280, 800);
  GradlabTrainer *trainer = gradlab_window_get_trainer (window);
  g_autofree char *dir = g_dir_make_tmp ("gradlab-gui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "run.ckpt", NULL);
  GrHistory *h = gradlab_trainer_get_history (trainer);
  int done = 0;
  GrEvent ev;

  gui_run_until (window, 20);
  gradlab_trainer_save_checkpoint_async (trainer, path, checkpoint_cb, &done);
  gui_wait_until (int_set, &done, 30000, "the checkpoint to be saved");
  gui_run_until (window, 40);
  done = 0;
  gradlab_trainer_load_checkpoint_async (trainer, path, checkpoint_cb, &done);
  gui_wait_until (int_set, &done, 30000, "the checkpoint to be loaded");
  g_assert_cmpint (gradlab_trainer_get_step (trainer), ==, 20);
  g_assert_cmpint (gr_history_n_steps (h), ==, 0);
  g_assert_cmpint (gr_history_n_events (h), ==, 1);
  gr_history_copy_events (h, 0, 1, &ev);
  g_assert_cmpint (ev.kind, ==, GR_EVENT_NOTE);
  g_assert_cmpstr (ev.text, ==, "checkpoint loaded at step 20");
  gui_run_until (window, 30);
  gui_settle (window);
  g_assert_cmpint (gradlab_dashboard_get_n_steps (gradlab_window_get_dashboard (window)), ==, 10);
  g_unlink (path);
  g_rmdir (dir);
  gui_window_free (window);
}

typedef struct
{
  GradlabWindow *window;
  int            n_train;
  int            n_inputs;
} DataWait;

static gboolean
data_rebuilt (gpointer data)
{
  DataWait *w = data;
  GrSession *s = gradlab_trainer_get_session (gradlab_window_get_trainer (w->window));

  return s != NULL && gr_session_train_data (s)->n == w->n_train
         && gr_shape_sample_size (gr_session_train_data (s)->sample) == (size_t) w->n_inputs;
}

/* Playground data: a clicked point and two more input features wait for
 * Reset, which rebuilds the data set with both. */
static void
test_playground_data (void)
{
  GradlabWindow *window = gui_window_new ("playground", 1280, 800);
  GradlabKnobsPanel *panel = gradlab_window_get_knobs_panel (window);
  GtkWidget *surface = gradlab_dashboard_get_view (gradlab_window_get_dashboard (window),
                                                   GRADLAB_VIEW_SURFACE);
  GrSession *s = gradlab_trainer_get_session (gradlab_window_get_trainer (window));
  GtkWidget *features = gradlab_knobs_panel_get_control (panel, "data.features");
  GtkWidget *check;
  GtkWidget *bar;
  DataWait w = { window, 0, 4 };

  g_assert_nonnull (surface);
  g_assert_nonnull (features);
  w.n_train = gr_session_train_data (s)->n + 1;
  g_assert_cmpuint (gr_shape_sample_size (gr_session_train_data (s)->sample), ==, 2);

  g_signal_emit_by_name (surface, "point-added", 0.25, -0.5, 1);
  check = gui_find_label (features, "x₁²");
  g_assert_nonnull (check);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_parent (check)), TRUE);
  check = gui_find_label (features, "x₂²");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_parent (check)), TRUE);
  bar = gui_find_label (GTK_WIDGET (window), "Waiting for Reset");
  g_assert_nonnull (bar);
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (bar)), "Input features"));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (bar)), "added points"));

  g_action_group_activate_action (G_ACTION_GROUP (window), "reset", NULL);
  gui_wait_until (data_rebuilt, &w, 30000, "the rebuilt data");
  g_assert_false (gtk_revealer_get_reveal_child (
    GTK_REVEALER (gtk_widget_get_ancestor (bar, GTK_TYPE_REVEALER))));
  gui_run_until (window, 30);
  gui_settle (window);
  gui_window_free (window);
}

/* The lab and the window size are remembered. */
static void
test_settings (void)
{
  GradlabWindow *window = gui_window_new ("residual", 1100, 700);
  g_autoptr (GSettings) settings = g_settings_new ("org.gradlab.Gradlab");

  g_assert_cmpstr (g_settings_get_string (settings, "last-lab"), ==, "residual");
  gtk_window_close (GTK_WINDOW (window));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1100);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 700);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
  g_object_unref (window);
  gui_spin (50);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/app/gui/knob/lr-slider", test_knob_lr);
  g_test_add_func ("/app/gui/knob/spin-entry", test_knob_spin);
  g_test_add_func ("/app/gui/experiment/malformed", test_malformed_experiment);
  g_test_add_func ("/app/gui/experiment/save-timeline", test_save_experiment);
  g_test_add_func ("/app/gui/reset/rebuilds-model", test_reset_rebuilds);
  g_test_add_func ("/app/gui/run/divergence-banner", test_divergence);
  g_test_add_func ("/app/gui/data/playground-points-features", test_playground_data);
  g_test_add_func ("/app/gui/settings/remembered", test_settings);
  g_test_add_func ("/app/gui/files/export", test_export);
  g_test_add_func ("/app/gui/files/checkpoint", test_checkpoint);
  g_test_add_func ("/app/gui/labs/draw-data", test_labs_draw);
  return g_test_run ();
}
