/* gradlab-application.c: the Gradlab application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Besides the usual window, `gradlab --screenshot=FILE [--lab NAME]
 * [--steps N] [--size WxH]` opens the window, trains N steps, waits until
 * the views have taken the last data and the frame showing it has been
 * painted, writes the window to FILE as PNG and exits.
 */

#include "gradlab-application.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "gradlab-window.h"

#define SCREENSHOT_TIMEOUT_S 600
/* Frames with nothing new to draw before the shot is taken. */
#define QUIET_FRAMES 3

struct _GradlabApplication
{
  AdwApplication  parent_instance;

  char           *screenshot;
  char           *lab;
  gint64          steps;
  int             width;
  int             height;
  int             exit_status;

  GradlabWindow  *shot_window;   /* unowned */
  guint           shot_tick;
  guint           shot_timeout;
  int             quiet_frames;
  gboolean        size_fixed;
  int             size_frames;
  gint64          shot_start;
};

G_DEFINE_FINAL_TYPE (GradlabApplication, gradlab_application, ADW_TYPE_APPLICATION)

static const GOptionEntry options[] = {
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Train, save the window as a PNG to FILE and exit"), N_("FILE") },
  { "lab", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Open lab NAME (playground, activations, batchnorm, residual, overfitting, losses)"),
    N_("NAME") },
  /* A string: GApplication drops numeric options equal to 0, and
   * --steps 0 (no training) is a valid request. */
  { "steps", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --screenshot: train N steps first (default 300)"), N_("N") },
  { "size", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --screenshot: window size (default 1280x800)"), N_("WxH") },
  { NULL }
};

int
gradlab_application_get_exit_status (GradlabApplication *self)
{
  g_return_val_if_fail (GRADLAB_IS_APPLICATION (self), 1);
  return self->exit_status;
}

static void
shot_fail (GradlabApplication *self,
           const char         *message)
{
  g_printerr ("gradlab: %s\n", message);
  self->exit_status = 1;
  g_application_quit (G_APPLICATION (self));
}

static gboolean
shot_save_cb (gpointer data)
{
  GradlabApplication *self = data;
  g_autoptr (GError) error = NULL;

  if (!gradlab_window_save_png (self->shot_window, self->screenshot, &error))
    shot_fail (self, error->message);
  else
    g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

static gboolean
shot_tick_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       data)
{
  GradlabApplication *self = data;
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  /* The default size counts the client-side decorations' invisible
   * border; make the window itself the size asked for. */
  if (!self->size_fixed && w > 0 && h > 0)
    {
      self->size_fixed = TRUE;
      if (w != self->width || h != self->height)
        {
          gtk_window_set_default_size (GTK_WINDOW (widget), 2 * self->width - w,
                                       2 * self->height - h);
          self->quiet_frames = 0;
          return G_SOURCE_CONTINUE;
        }
    }
  /* A screen smaller than the window may not allow it; go on with the
   * size there is after a few frames. */
  if ((w != self->width || h != self->height) && ++self->size_frames < 20)
    return G_SOURCE_CONTINUE;

  /* The dashboard pulls on its own ticks too; pulling here as well tells
   * whether anything new arrived since the last painted frame. */
  if (gradlab_dashboard_flush (gradlab_window_get_dashboard (self->shot_window)))
    self->quiet_frames = 0;
  else if (++self->quiet_frames >= QUIET_FRAMES)
    {
      self->shot_tick = 0;
      g_idle_add (shot_save_cb, self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
shot_wait_for_paint (GradlabApplication *self)
{
  self->quiet_frames = 0;
  self->shot_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->shot_window), shot_tick_cb,
                                                  self, NULL);
}

static void
shot_finished_cb (GradlabTrainer     *trainer,
                  gint64              step,
                  GradlabApplication *self)
{
  g_signal_handlers_disconnect_by_func (trainer, shot_finished_cb, self);
  g_debug ("trained %" G_GINT64_FORMAT " steps in %.2f s", step,
           (g_get_monotonic_time () - self->shot_start) / 1e6);
  shot_wait_for_paint (self);
}

static void
shot_stopped_cb (GradlabTrainer     *trainer,
                 gint64              step,
                 const char         *message,
                 GradlabApplication *self)
{
  /* A diverged run is still worth a picture: the banner shows why. */
  g_signal_handlers_disconnect_by_func (trainer, shot_finished_cb, self);
  g_signal_handlers_disconnect_by_func (trainer, shot_stopped_cb, self);
  shot_wait_for_paint (self);
}

static gboolean
shot_timeout_cb (gpointer data)
{
  GradlabApplication *self = data;

  self->shot_timeout = 0;
  shot_fail (self, "timed out waiting for the run to finish");
  return G_SOURCE_REMOVE;
}

static void
start_screenshot (GradlabApplication *self,
                  GradlabWindow      *window)
{
  GradlabTrainer *trainer = gradlab_window_get_trainer (window);

  self->shot_window = window;
  /* Wherever the pointer happens to be, no view shows a hover read-out. */
  gtk_widget_set_can_target (GTK_WIDGET (gradlab_window_get_dashboard (window)), FALSE);
  gtk_window_unmaximize (GTK_WINDOW (window));
  gtk_window_set_default_size (GTK_WINDOW (window), self->width, self->height);
  gtk_window_present (GTK_WINDOW (window));
  self->shot_timeout = g_timeout_add_seconds (SCREENSHOT_TIMEOUT_S, shot_timeout_cb, self);
  if (self->steps > 0)
    {
      g_signal_connect (trainer, "finished", G_CALLBACK (shot_finished_cb), self);
      g_signal_connect (trainer, "diverged", G_CALLBACK (shot_stopped_cb), self);
      g_signal_connect (trainer, "error", G_CALLBACK (shot_stopped_cb), self);
      self->shot_start = g_get_monotonic_time ();
      gradlab_trainer_run_until (trainer, self->steps);
    }
  else
    shot_wait_for_paint (self);
}

static GradlabWindow *
ensure_window (GradlabApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autoptr (GSettings) settings = NULL;
  const char *lab = self->lab;
  g_autoptr (GError) error = NULL;
  g_autofree char *last = NULL;

  if (window != NULL)
    return GRADLAB_WINDOW (window);

  window = GTK_WINDOW (gradlab_window_new (GTK_APPLICATION (self)));
  if (lab == NULL)
    {
      GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
      g_autoptr (GSettingsSchema) schema = NULL;

      if (source != NULL
          && (schema = g_settings_schema_source_lookup (source, GRADLAB_APPLICATION_ID, TRUE)))
        {
          settings = g_settings_new_full (schema, NULL, NULL);
          last = g_settings_get_string (settings, "last-lab");
        }
      lab = last && *last ? last : "playground";
    }
  if (!gradlab_window_set_lab (GRADLAB_WINDOW (window), lab, &error))
    {
      g_autoptr (GError) error2 = NULL;

      if (self->screenshot != NULL)
        {
          shot_fail (self, error->message);
          return GRADLAB_WINDOW (window);
        }
      g_printerr ("gradlab: %s\n", error->message);
      if (!gradlab_window_set_lab (GRADLAB_WINDOW (window), "playground", &error2))
        g_printerr ("gradlab: %s\n", error2->message);
    }
  return GRADLAB_WINDOW (window);
}

static void
gradlab_application_activate (GApplication *app)
{
  GradlabApplication *self = GRADLAB_APPLICATION (app);
  GradlabWindow *window = ensure_window (self);

  if (self->exit_status != 0)
    return;
  if (self->screenshot != NULL && self->shot_window == NULL)
    start_screenshot (self, window);
  else
    gtk_window_present (GTK_WINDOW (window));
}

static void
gradlab_application_open (GApplication  *app,
                          GFile        **files,
                          int            n_files,
                          const char    *hint)
{
  GradlabApplication *self = GRADLAB_APPLICATION (app);
  GradlabWindow *window = ensure_window (self);

  if (n_files > 0)
    {
      g_autofree char *path = g_file_get_path (files[0]);

      if (path != NULL)
        gradlab_window_open_experiment (window, path, NULL);
    }
  if (self->screenshot != NULL && self->shot_window == NULL)
    start_screenshot (self, window);
  else
    gtk_window_present (GTK_WINDOW (window));
}

static int
gradlab_application_handle_local_options (GApplication *app,
                                          GVariantDict *dict)
{
  GradlabApplication *self = GRADLAB_APPLICATION (app);
  const char *size = NULL;
  const char *steps = NULL;

  g_variant_dict_lookup (dict, "screenshot", "^ay", &self->screenshot);
  g_variant_dict_lookup (dict, "lab", "s", &self->lab);
  self->steps = 300;
  if (g_variant_dict_lookup (dict, "steps", "&s", &steps)
      && !g_ascii_string_to_signed (steps, 10, 0, G_MAXINT64, &self->steps, NULL))
    {
      g_printerr ("gradlab: --steps wants a whole number >= 0, not '%s'\n", steps);
      return 2;
    }
  if (g_variant_dict_lookup (dict, "size", "&s", &size)
      && sscanf (size, "%dx%d", &self->width, &self->height) != 2)
    {
      g_printerr ("gradlab: --size wants WIDTHxHEIGHT, e.g. 1280x800\n");
      return 2;
    }
  if (self->width < 360 || self->height < 400)
    {
      self->width = 1280;
      self->height = 800;
    }
  /* A screenshot is a process of its own, not a second window of a
   * running Gradlab. */
  if (self->screenshot != NULL)
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
  return -1;
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { _("The Gradlab authors"), NULL };
  GtkWidget *about = adw_about_window_new ();

  adw_about_window_set_application_name (ADW_ABOUT_WINDOW (about), "Gradlab");
  adw_about_window_set_application_icon (ADW_ABOUT_WINDOW (about), GRADLAB_APPLICATION_ID);
  adw_about_window_set_version (ADW_ABOUT_WINDOW (about), GRADLAB_VERSION);
  adw_about_window_set_comments (ADW_ABOUT_WINDOW (about),
                                 _("Train neural networks interactively and watch inside them "
                                   "while they learn"));
  adw_about_window_set_developers (ADW_ABOUT_WINDOW (about), developers);
  adw_about_window_set_license_type (ADW_ABOUT_WINDOW (about), GTK_LICENSE_GPL_3_0);
  adw_about_window_set_copyright (ADW_ABOUT_WINDOW (about), _("© The Gradlab authors"));
  gtk_window_set_transient_for (GTK_WINDOW (about), gtk_application_get_active_window (app));
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = user_data;
  GtkWindow *window;

  /* Closing the windows lets them stop their runs and save their size. */
  while ((window = gtk_application_get_active_window (app)) != NULL)
    gtk_window_destroy (window);
  g_application_quit (G_APPLICATION (app));
}

static const GActionEntry app_actions[] = {
  { "about", about_activated },
  { "quit", quit_activated },
};

static void
gradlab_application_startup (GApplication *app)
{
  static const struct
  {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.save", { "<Control>s", NULL } },
    { "win.export-plot", { "<Control>e", NULL } },
    { "win.export-csv", { "<Control><Shift>e", NULL } },
    { "win.reset", { "<Control>r", NULL } },
    { "win.save-checkpoint", { "<Control><Shift>s", NULL } },
    { "win.load-checkpoint", { "<Control><Shift>o", NULL } },
  };

  G_APPLICATION_CLASS (gradlab_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  for (gsize i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);
}

static void
gradlab_application_finalize (GObject *object)
{
  GradlabApplication *self = GRADLAB_APPLICATION (object);

  g_clear_handle_id (&self->shot_timeout, g_source_remove);
  g_free (self->screenshot);
  g_free (self->lab);
  G_OBJECT_CLASS (gradlab_application_parent_class)->finalize (object);
}

static void
gradlab_application_class_init (GradlabApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = gradlab_application_finalize;
  app_class->activate = gradlab_application_activate;
  app_class->open = gradlab_application_open;
  app_class->startup = gradlab_application_startup;
  app_class->handle_local_options = gradlab_application_handle_local_options;
}

static void
gradlab_application_init (GradlabApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self),
                                                     _("[EXPERIMENT.json]"));
}

GradlabApplication *
gradlab_application_new (void)
{
  return g_object_new (GRADLAB_TYPE_APPLICATION,
                       "application-id", GRADLAB_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/gradlab/Gradlab",
                       NULL);
}
