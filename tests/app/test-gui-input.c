/* test-gui-input.c: the Gradlab window driven by real X input (xdotool)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs on an Xvfb of its own (tests/run-xvfb.sh), so the key presses and
 * clicks xdotool injects reach only this window: Space starts and pauses
 * the run, a learning rate typed into the entry beside its slider is
 * applied at a recorded step, and a click on Step takes exactly one.
 */

#include <gdk/x11/gdkx.h>
#include <math.h>
#include <string.h>

#include "gradlab-series-chart.h"
#include "test-gui-common.h"

static void
xdotool (const char *first,
         ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  const char *arg;
  int status = 0;
  va_list ap;

  g_ptr_array_add (argv, g_strdup ("xdotool"));
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("xdotool failed: %s", err ? err : "");
}

/* Clicks the centre of @widget (or @dx pixels from its left edge if
 * @dx >= 0) through the X server. */
static void
click (GradlabWindow *window,
       GtkWidget     *widget,
       double         dx)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  g_autofree char *wid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (surface));
  g_autofree char *x = NULL, *y = NULL;
  graphene_rect_t r;
  double sx, sy;

  g_assert_true (gtk_widget_compute_bounds (widget, GTK_WIDGET (window), &r));
  gtk_native_get_surface_transform (GTK_NATIVE (window), &sx, &sy);
  x = g_strdup_printf ("%d", (int) (sx + r.origin.x + (dx >= 0 ? dx : r.size.width / 2)));
  y = g_strdup_printf ("%d", (int) (sy + r.origin.y + r.size.height / 2));
  xdotool ("mousemove", "--window", wid, x, y, "click", "1", NULL);
}

static void
key (GradlabWindow *window,
     const char    *keys)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  g_autofree char *wid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (surface));

  xdotool ("windowfocus", wid, "key", "--delay", "30", keys, NULL);
}

static gboolean
is_running (gpointer data)
{
  return gradlab_trainer_get_running (gradlab_window_get_trainer (data));
}

static gboolean
is_paused (gpointer data)
{
  return !is_running (data);
}

typedef struct
{
  GradlabWindow *window;
  gint64         step;
  float          lr;
} Wait;

static gboolean
step_reached (gpointer data)
{
  Wait *w = data;

  return gradlab_trainer_get_step (gradlab_window_get_trainer (w->window)) >= w->step;
}

static gboolean
lr_is (gpointer data)
{
  Wait *w = data;
  GrKnobs knobs;

  gradlab_trainer_get_knobs (gradlab_window_get_trainer (w->window), &knobs);
  return fabsf (knobs.lr - w->lr) < 1e-9f;
}

static void
test_keys_and_clicks (void)
{
  GradlabWindow *window;
  GradlabTrainer *trainer;
  GradlabDashboard *dashboard;
  GtkWidget *spin, *step_button, *loss;
  g_autoptr (GPtrArray) events = NULL;
  g_autofree char *expected = NULL;
  Wait w;
  gint64 n;

  if (g_find_program_in_path ("xdotool") == NULL)
    {
      g_test_skip ("xdotool is not installed");
      return;
    }
  window = gui_window_new ("playground", 1280, 800);
  trainer = gradlab_window_get_trainer (window);
  dashboard = gradlab_window_get_dashboard (window);
  loss = gradlab_dashboard_get_view (dashboard, GRADLAB_VIEW_LOSS);
  gui_spin (200);

  /* Space runs... */
  key (window, "space");
  gui_wait_until (is_running, window, 20000, "Space to start the run");
  w.window = window;
  w.step = 30;
  gui_wait_until (step_reached, &w, 30000, "30 steps");
  /* ...and pauses. */
  key (window, "space");
  gui_wait_until (is_paused, window, 20000, "Space to pause the run");
  gui_spin (100);
  n = gradlab_trainer_get_step (trainer);
  g_assert_cmpint (n, >=, 30);

  /* Type a learning rate into the entry beside the slider. */
  spin = gradlab_knobs_panel_get_spin (gradlab_window_get_knobs_panel (window), "lr");
  click (window, spin, 12);
  key (window, "ctrl+a");
  xdotool ("type", "--delay", "30", "0.002", NULL);
  key (window, "Return");
  w.lr = 0.002f;
  gui_wait_until (lr_is, &w, 20000, "the typed learning rate");
  /* Typing a space into the focused entry must not start the run. */
  g_assert_false (gradlab_trainer_get_running (trainer));

  /* One click on Step: one step, the first with the new rate. */
  step_button = gui_find_by_action (GTK_WIDGET (window), "win.step");
  g_assert_nonnull (step_button);
  click (window, step_button, -1);
  w.step = n + 1;
  gui_wait_until (step_reached, &w, 20000, "one step");
  gui_spin (300);
  g_assert_cmpint (gradlab_trainer_get_step (trainer), ==, n + 1);

  events = gui_knob_events (window);
  g_assert_cmpuint (events->len, ==, 1);
  expected = g_strdup_printf ("%" G_GINT64_FORMAT ":lr 0.01 → 0.002", n + 1);
  g_assert_cmpstr (g_ptr_array_index (events, 0), ==, expected);

  gui_settle (window);
  g_assert_cmpuint (gradlab_series_chart_get_series_length (GRADLAB_SERIES_CHART (loss), 0),
                    ==, n + 1);
  g_assert_cmpuint (gradlab_dashboard_get_n_markers (dashboard), ==, 1);
  gui_window_free (window);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/app/gui/input/xdotool", test_keys_and_clicks);
  return g_test_run ();
}
