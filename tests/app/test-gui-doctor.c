/* test-gui-doctor.c: the doctor panel in the window, driven in-process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs under an Xvfb of its own with the cairo renderer, on the real
 * worker thread: a fault preset raises its finding in the panel with its
 * evidence, the remedy button changes the knob at a recorded step and
 * the run recovers; a healthy preset raises no warning; a probe runs on
 * the side and leaves the main run's step count and weights alone.
 */

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gr-doctor.h"
#include "gradlab-doctor-panel.h"
#include "gradlab-series-chart.h"
#include "test-gui-common.h"

static double
mean_loss (GradlabWindow *window,
           gint64         from_step,
           gint64         to_step)
{
  GrHistory *h = gradlab_trainer_get_history (gradlab_window_get_trainer (window));
  gint64 n = gr_history_n_steps (h);
  g_autofree GrStepRecord *rec = g_new (GrStepRecord, MAX (n, 1));
  double sum = 0;
  int count = 0;

  n = gr_history_copy_steps (h, 0, n, rec);
  for (gint64 i = 0; i < n; i++)
    if (rec[i].step >= from_step && rec[i].step <= to_step)
      {
        sum += rec[i].loss;
        count++;
      }
  g_assert_cmpint (count, >, 0);
  return sum / count;
}

static void
load_preset (GradlabWindow *window,
             const char    *name)
{
  g_signal_emit_by_name (gradlab_window_get_doctor_panel (window), "load-preset", name);
  gui_spin (50);
  g_assert_cmpint (gradlab_trainer_get_step (gradlab_window_get_trainer (window)), ==, 0);
}

static gboolean
probe_done (gpointer data)
{
  return !gradlab_doctor_panel_probe_running (data);
}

static gboolean
notice_or_knob (gpointer data)
{
  GradlabWindow *window = data;
  GrKnobs knobs;

  gradlab_trainer_get_knobs (gradlab_window_get_trainer (window), &knobs);
  return knobs.lr > 0.0002f;
}

/* stuck-lr-low: "lr-too-low" appears within its budget with the
 * update/weight ratio as evidence; its remedy raises the learning rate
 * at a recorded step and the loss then falls. */
static void
test_lr_low_remedy (void)
{
  GradlabWindow *window = gui_window_new ("doctor", 1280, 800);
  GradlabDoctorPanel *panel = gradlab_window_get_doctor_panel (window);
  GradlabTrainer *trainer = gradlab_window_get_trainer (window);
  g_autoptr (GPtrArray) events = NULL;
  GtkWidget *evidence, *remedy, *why, *loss;
  guint n_markers;
  const char *text;
  GrKnobs knobs;
  double before, after;
  const gint64 N = 150, M = 200;
  gint64 event_step;

  g_assert_cmpstr (gradlab_window_get_lab (window), ==, "doctor");
  gradlab_trainer_get_knobs (trainer, &knobs);
  g_assert_cmpfloat_with_epsilon (knobs.lr, 1e-4f, 1e-9);   /* stuck-lr-low */
  gradlab_doctor_panel_refresh (panel);
  g_assert_cmpuint (gradlab_doctor_panel_get_n_active (panel), ==, 0);

  gui_run_until (window, N);
  gui_settle (window);
  gradlab_doctor_panel_refresh (panel);
  g_assert_cmpuint (gradlab_doctor_panel_get_n_active (panel), >=, 1);
  evidence = gradlab_doctor_panel_get_card_part (panel, "lr-too-low", "evidence");
  g_assert_true (GTK_IS_LABEL (evidence));
  text = gtk_label_get_label (GTK_LABEL (evidence));
  g_test_message ("evidence: %s", text);
  g_assert_nonnull (strstr (text, "update/weight ratio"));
  g_assert_nonnull (gui_find_label (GTK_WIDGET (panel), "Learning rate too low"));

  /* Why? marks the evidence's step range on the loss chart and
   * highlights the chart. */
  why = gradlab_doctor_panel_get_card_part (panel, "lr-too-low", "why");
  g_assert_true (GTK_IS_BUTTON (why));
  loss = gradlab_dashboard_get_view (gradlab_window_get_dashboard (window), GRADLAB_VIEW_LOSS);
  n_markers = gradlab_series_chart_get_n_markers (GRADLAB_SERIES_CHART (loss));
  g_signal_emit_by_name (why, "clicked");
  g_assert_cmpuint (gradlab_series_chart_get_n_markers (GRADLAB_SERIES_CHART (loss)), >,
                    n_markers);
  g_assert_true (gtk_widget_has_css_class (gradlab_dashboard_get_view (
                   gradlab_window_get_dashboard (window), GRADLAB_VIEW_LOSS), "doctor-why"));

  before = mean_loss (window, N - 40, N);
  remedy = gradlab_doctor_panel_get_card_part (panel, "lr-too-low", "remedy");
  g_assert_true (GTK_IS_BUTTON (remedy));
  g_signal_emit_by_name (remedy, "clicked");
  gui_wait_until (notice_or_knob, window, 10000, "the remedy to reach the trainer");
  gradlab_trainer_get_knobs (trainer, &knobs);
  g_assert_cmpfloat (knobs.lr, >, 1e-3f);

  gui_run_until (window, N + M);
  gui_settle (window);
  events = gui_knob_events (window);
  g_assert_cmpuint (events->len, ==, 1);
  g_test_message ("knob event: %s", (char *) events->pdata[0]);
  event_step = g_ascii_strtoll (events->pdata[0], NULL, 10);
  g_assert_cmpint (event_step, >, N - 1);
  g_assert_cmpint (event_step, <=, N + 1);
  g_assert_nonnull (strstr (events->pdata[0], "lr"));
  after = mean_loss (window, N + M - 40, N + M);
  g_test_message ("mean loss: %.4f before, %.4f after", before, after);
  g_assert_cmpfloat (after, <, before - 0.3);

  /* For docs/screenshots: the cleared finding, the marker and an LR
   * range test, saved where GRADLAB_DOCTOR_SHOT says. */
  if (g_getenv ("GRADLAB_DOCTOR_SHOT") != NULL)
    {
      g_autoptr (GError) error = NULL;

      gradlab_doctor_panel_run_probe (panel, GRADLAB_PROBE_LR_RANGE);
      gui_wait_until (probe_done, panel, 120000, "the LR range test");
      gui_settle (window);
      gui_spin (300);
      g_assert_true (gradlab_window_save_png (window, g_getenv ("GRADLAB_DOCTOR_SHOT"),
                                              &error));
      g_assert_no_error (error);
    }
  gui_window_free (window);
}

static gboolean
inputs_standardized (gpointer data)
{
  GrSession *s = gradlab_trainer_get_session (gradlab_window_get_trainer (data));

  return s != NULL && gr_session_inputs_standardized (s);
}

static gboolean
notice_shown (gpointer data)
{
  GtkWidget *panel = GTK_WIDGET (gradlab_window_get_doctor_panel (data));

  return gui_find_label (panel, "Applied:") != NULL
         || gui_find_label (panel, "could not be applied") != NULL;
}

static gboolean
back_at_zero (gpointer data)
{
  return gradlab_trainer_get_step (gradlab_window_get_trainer (data)) == 0;
}

/* stuck-unnormalized: the "unnormalized-inputs" card's remedy button
 * standardizes the running session's inputs (no error notice), a marker
 * appears on the loss plot with an "inputs standardized" event, and the
 * reset the remedy asks for (fresh weights) trains below chance. */
static void
test_unnormalized_remedy (void)
{
  GradlabWindow *window = gui_window_new ("doctor", 1280, 800);
  GradlabDoctorPanel *panel = gradlab_window_get_doctor_panel (window);
  g_autoptr (GPtrArray) events = NULL;
  GtkWidget *remedy, *loss;
  guint n_markers;
  double before, after;
  gboolean found = FALSE;
  const gint64 N = 20, M = 200;

  load_preset (window, "stuck-unnormalized");
  gui_run_until (window, N);
  gui_settle (window);
  gradlab_doctor_panel_refresh (panel);
  remedy = gradlab_doctor_panel_get_card_part (panel, "unnormalized-inputs", "remedy");
  g_assert_true (GTK_IS_BUTTON (remedy));
  before = mean_loss (window, 1, N);
  loss = gradlab_dashboard_get_view (gradlab_window_get_dashboard (window), GRADLAB_VIEW_LOSS);
  n_markers = gradlab_series_chart_get_n_markers (GRADLAB_SERIES_CHART (loss));

  g_signal_emit_by_name (remedy, "clicked");
  gui_wait_until (notice_shown, window, 10000, "the remedy's notice");
  g_assert_null (gui_find_label (GTK_WIDGET (panel), "could not be applied"));
  g_assert_true (inputs_standardized (window));

  gui_run_until (window, N + 10);
  gui_settle (window);
  g_assert_cmpuint (gradlab_series_chart_get_n_markers (GRADLAB_SERIES_CHART (loss)), >,
                    n_markers);
  events = gui_knob_events (window);
  for (guint i = 0; i < events->len; i++)
    if (strstr (events->pdata[i], "inputs standardized") != NULL)
      {
        gint64 step = g_ascii_strtoll (events->pdata[i], NULL, 10);

        g_test_message ("event: %s", (char *) events->pdata[i]);
        g_assert_cmpint (step, >, N - 1);
        g_assert_cmpint (step, <=, N + 1);
        found = TRUE;
      }
  g_assert_true (found);

  /* The fresh weights the remedy asks for: Reset, then train. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  gui_wait_until (back_at_zero, window, 10000, "the reset");
  g_assert_true (inputs_standardized (window));
  gui_run_until (window, M);
  gui_settle (window);
  after = mean_loss (window, M - 19, M);
  g_test_message ("mean loss: %.4f on raw inputs (steps 1-%" G_GINT64_FORMAT "), %.4f after "
                  "(steps %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT ")", before, N, after,
                  M - 19, M);
  g_assert_cmpfloat (after, <, 0.5 * log (10.0));

  /* Save keeps the remedy: the experiment standardizes from the start. */
  {
    g_autofree char *dir = g_dir_make_tmp ("gradlab-doctor-XXXXXX", NULL);
    g_autofree char *path = g_build_filename (dir, "remedied.json", NULL);
    g_autofree char *text = NULL;
    g_autoptr (GError) error = NULL;

    g_assert_true (gradlab_window_save_experiment (window, path, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "\"normalize\": \"standard\""));
    g_unlink (path);
    g_rmdir (dir);
  }
  gui_window_free (window);
}

/* A healthy preset: nothing at warning level or above, in the panel or
 * in the doctor. */
static void
test_healthy (void)
{
  GradlabWindow *window = gui_window_new ("doctor", 1280, 800);
  GradlabDoctorPanel *panel = gradlab_window_get_doctor_panel (window);
  GrDoctor *doctor;

  load_preset (window, "digits-mlp");
  gui_run_until (window, 300);
  gui_settle (window);
  gradlab_doctor_panel_refresh (panel);
  doctor = gradlab_trainer_get_doctor (gradlab_window_get_trainer (window));
  g_assert_nonnull (doctor);
  g_assert_cmpint (gr_doctor_max_severity (doctor), <, GR_SEVERITY_WARNING);
  for (int k = 0; k < GR_N_FINDING_KINDS; k++)
    {
      GrFinding f;

      if (gr_doctor_get_active (doctor, k, &f))
        g_assert_cmpint (f.severity, <, GR_SEVERITY_WARNING);
    }
  g_assert_null (gui_find_label (GTK_WIDGET (panel), "Learning rate too"));
  gui_window_free (window);
}

/* Overfit one batch on digits-mlp: passes, plots its curve, and the main
 * run keeps its step count and its weights. */
static void
test_probe_overfit (void)
{
  GradlabWindow *window = gui_window_new ("doctor", 1280, 800);
  GradlabDoctorPanel *panel = gradlab_window_get_doctor_panel (window);
  GradlabTrainer *trainer = gradlab_window_get_trainer (window);
  GrNet *net;
  g_autofree float *weights = NULL;
  gsize n_params;
  const char *result;
  gboolean passed = FALSE;
  GtkWidget *chart;

  load_preset (window, "digits-mlp");
  gui_run_until (window, 20);
  gui_settle (window);
  /* The worker is paused and waiting: its weights can be read. */
  net = gr_session_net (gradlab_trainer_get_session (trainer));
  n_params = gr_net_n_params (net);
  weights = g_memdup2 (gr_net_params (net), n_params * sizeof (float));

  gradlab_doctor_panel_run_probe (panel, GRADLAB_PROBE_OVERFIT);
  g_assert_true (gradlab_doctor_panel_probe_running (panel));
  gui_wait_until (probe_done, panel, 120000, "the overfit probe");
  result = gradlab_doctor_panel_get_probe_result (panel, &passed);
  g_assert_nonnull (result);
  g_test_message ("probe: %s", result);
  g_assert_true (passed);
  g_assert_nonnull (strstr (result, "passed"));
  chart = gradlab_doctor_panel_get_probe_chart (panel);
  g_assert_true (gtk_widget_get_visible (chart));

  gui_spin (100);
  g_assert_cmpint (gradlab_trainer_get_step (trainer), ==, 20);
  net = gr_session_net (gradlab_trainer_get_session (trainer));
  g_assert_cmpuint (gr_net_n_params (net), ==, n_params);
  g_assert_cmpint (memcmp (gr_net_params (net), weights, n_params * sizeof (float)), ==, 0);
  gui_window_free (window);
}

/* The LR range test ends with a suggestion marked on its chart. */
static void
test_probe_lr_range (void)
{
  GradlabWindow *window = gui_window_new ("doctor", 1280, 800);
  GradlabDoctorPanel *panel = gradlab_window_get_doctor_panel (window);
  gboolean passed = FALSE;
  const char *result;

  load_preset (window, "digits-mlp");
  gradlab_doctor_panel_run_probe (panel, GRADLAB_PROBE_LR_RANGE);
  gui_wait_until (probe_done, panel, 120000, "the LR range test");
  result = gradlab_doctor_panel_get_probe_result (panel, &passed);
  g_assert_nonnull (result);
  g_test_message ("probe: %s", result);
  g_assert_true (passed);
  g_assert_nonnull (strstr (result, "Suggested learning rate"));
  g_assert_cmpint (gradlab_trainer_get_step (gradlab_window_get_trainer (window)), ==, 0);
  gui_window_free (window);
}

/* Cancel stops a probe early and says so; the panel is ready again. */
static void
test_probe_cancel (void)
{
  GradlabWindow *window = gui_window_new ("doctor", 1280, 800);
  GradlabDoctorPanel *panel = gradlab_window_get_doctor_panel (window);
  const char *result;

  gradlab_doctor_panel_run_probe (panel, GRADLAB_PROBE_SHUFFLE);
  g_assert_true (gradlab_doctor_panel_probe_running (panel));
  gradlab_doctor_panel_cancel_probe (panel);
  gui_wait_until (probe_done, panel, 60000, "the cancelled probe");
  result = gradlab_doctor_panel_get_probe_result (panel, NULL);
  g_assert_nonnull (result);
  g_assert_nonnull (strstr (result, "cancelled"));
  g_assert_cmpint (gradlab_trainer_get_step (gradlab_window_get_trainer (window)), ==, 0);
  gui_window_free (window);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/gui/doctor/lr-low-remedy", test_lr_low_remedy);
  g_test_add_func ("/gui/doctor/unnormalized-remedy", test_unnormalized_remedy);
  g_test_add_func ("/gui/doctor/healthy", test_healthy);
  g_test_add_func ("/gui/doctor/probe-overfit", test_probe_overfit);
  g_test_add_func ("/gui/doctor/probe-lr-range", test_probe_lr_range);
  g_test_add_func ("/gui/doctor/probe-cancel", test_probe_cancel);
  return g_test_run ();
}
