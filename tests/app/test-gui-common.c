/* test-gui-common.c: helpers shared by the GUI tests of the app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "test-gui-common.h"

#include <math.h>
#include <string.h>

void
gui_wait_until (gboolean  (*pred) (gpointer data),
                gpointer    data,
                guint       timeout_ms,
                const char *what)
{
  /* The limits the callers give are hang detectors sized for the normal
   * build on an idle machine. Under the sanitizers a step is several
   * times slower, and a shared machine (CI, other builds) slows it again,
   * so each is stretched by WAIT_SLACK; meson's per-test timeout still
   * bounds the whole test. */
  enum { WAIT_SLACK = 5 };
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000 * WAIT_SLACK;

  while (!pred (data))
    {
      if (g_get_monotonic_time () > end)
        g_error ("timed out after %u ms waiting for %s", timeout_ms * WAIT_SLACK, what);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

void
gui_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  gui_wait_until (time_passed, &end, ms + 60000, "time to pass");
}

GradlabWindow *
gui_window_new (const char *lab,
                int         width,
                int         height)
{
  GradlabWindow *window = gradlab_window_new (NULL);
  g_autoptr (GError) error = NULL;

  g_object_ref_sink (window);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  if (!gradlab_window_set_lab (window, lab, &error))
    g_error ("lab %s: %s", lab, error->message);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  return window;
}

void
gui_window_free (GradlabWindow *window)
{
  gradlab_trainer_stop (gradlab_window_get_trainer (window));
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
  /* Let idle callbacks of the run drop their references. */
  gui_spin (50);
}

static void
finished_cb (GradlabTrainer *trainer,
             gint64          step,
             gboolean       *done)
{
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

void
gui_run_until (GradlabWindow *window,
               gint64         step)
{
  GradlabTrainer *trainer = gradlab_window_get_trainer (window);
  gboolean done = FALSE;
  gulong id = g_signal_connect (trainer, "finished", G_CALLBACK (finished_cb), &done);

  gradlab_trainer_run_until (trainer, step);
  gui_wait_until (flag_set, &done, 120000, "the run to finish");
  g_signal_handler_disconnect (trainer, id);
  g_assert_cmpint (gradlab_trainer_get_step (trainer), ==, step);
}

void
gui_settle (GradlabWindow *window)
{
  GradlabDashboard *dashboard = gradlab_window_get_dashboard (window);
  int quiet = 0;

  /* The worker may still sample the decision surface after finishing. */
  while (quiet < 3)
    {
      if (gradlab_dashboard_flush (dashboard))
        quiet = 0;
      else
        quiet++;
      gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
      gui_spin (20);
    }
}

GtkWidget *
gui_find_by_action (GtkWidget  *root,
                    const char *action)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (GTK_IS_ACTIONABLE (c)
          && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (c)), action) == 0)
        return c;
      if ((found = gui_find_by_action (c, action)) != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
gui_find_by_type (GtkWidget *root,
                  GType      type)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type))
        return c;
      if ((found = gui_find_by_type (c, type)) != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
gui_find_label (GtkWidget  *root,
                const char *text)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (c) && strstr (gtk_label_get_label (GTK_LABEL (c)), text) != NULL)
        return c;
      if ((found = gui_find_label (c, text)) != NULL)
        return found;
    }
  return NULL;
}

GPtrArray *
gui_knob_events (GradlabWindow *window)
{
  GrHistory *h = gradlab_trainer_get_history (gradlab_window_get_trainer (window));
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  gint64 n = gr_history_n_events (h);
  g_autofree GrEvent *events = g_new (GrEvent, MAX (n, 1));

  n = gr_history_copy_events (h, 0, n, events);
  for (gint64 i = 0; i < n; i++)
    if (events[i].kind == GR_EVENT_KNOB)
      g_ptr_array_add (out, g_strdup_printf ("%" G_GINT64_FORMAT ":%s",
                                             (gint64) events[i].step, events[i].text));
  return out;
}

guint
gui_count_colored (GdkTexture            *texture,
                   const graphene_rect_t *rect)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  g_autofree guchar *px = g_malloc ((gsize) w * h * 4);
  int x0 = MAX (0, (int) rect->origin.x), y0 = MAX (0, (int) rect->origin.y);
  int x1 = MIN (w, (int) (rect->origin.x + rect->size.width));
  int y1 = MIN (h, (int) (rect->origin.y + rect->size.height));
  guint n = 0;

  /* GDK_MEMORY_DEFAULT: premultiplied B, G, R, A in memory order. */
  gdk_texture_download (texture, px, (gsize) w * 4);
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        const guchar *p = px + ((gsize) y * w + x) * 4;
        int mx = MAX (p[0], MAX (p[1], p[2])), mn = MIN (p[0], MIN (p[1], p[2]));

        if (p[3] > 200 && mx > 60 && mx - mn > 60)
          n++;
      }
  return n;
}
