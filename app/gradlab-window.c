/* gradlab-window.c: the main window: labs, knobs, live views
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window owns the experiment being edited (what Reset rebuilds) and a
 * GradlabTrainer (the run and its worker). Knob rows route each change by
 * its scope: live knobs go to the run at once, the rest edit the
 * experiment and wait for Reset, which the rows and a bar say.
 */

#include "gradlab-window.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gradlab-doctor-panel.h"
#include "gradlab-experiment.h"
#include "gradlab-export.h"
#include "gradlab-lab.h"
#include "gradlab-seg-lab.h"
#include "grd-toy.h"

struct _GradlabWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets. */
  AdwLeaflet           *leaflet;
  GtkListBox           *lab_list;
  GtkLabel             *explanation_title;
  GtkLabel             *explanation;
  AdwWindowTitle       *window_title;
  GtkButton            *back_button;
  GtkToggleButton      *run_button;
  AdwButtonContent     *run_content;
  GtkRevealer          *diverged_revealer;
  GtkLabel             *diverged_label;
  GtkWidget            *lower_lr_button;
  GtkRevealer          *pending_revealer;
  GtkLabel             *pending_label;
  AdwToastOverlay      *toasts;
  GradlabKnobsPanel    *knobs;
  GradlabDashboard     *dashboard;

  GradlabTrainer       *trainer;
  GradlabDoctorPanel   *doctor;       /* beside the dashboard, in every lab */
  GradlabExperiment    *experiment;   /* what Reset builds; knobs = step 1 of this run */
  GradlabExperiment    *built;        /* the experiment as the run was last built */
  int                   n_classes;    /* of the training data, 0 for regression */
  const GradlabLab     *lab;
  gboolean              data_dirty;   /* Reset must rebuild the data */
  gboolean              model_dirty;  /* Reset must rebuild the network */
  GArray               *user_points;  /* UserPoint, clicked into the playground */
  GArray               *base_xy;      /* raw toy points of the last build: train */
  GArray               *base_class;
  GArray               *val_xy;
  GArray               *val_class;
  double                extent;
  GSettings            *settings;
  gboolean              switching;    /* selecting a lab row from code */
  char                **last_warnings; /* files the last data build skipped */
};

typedef struct
{
  float x1;
  float x2;
  int   label;
} UserPoint;

G_DEFINE_FINAL_TYPE (GradlabWindow, gradlab_window, ADW_TYPE_APPLICATION_WINDOW)

static void
toast (GradlabWindow *self,
       const char    *text)
{
  AdwToast *t = adw_toast_new (text);

  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (self->toasts, t);
}

static void
show_error_dialog (GradlabWindow *self,
                   const char    *heading,
                   const char    *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_widget_add_css_class (dialog, "gradlab-error-dialog");
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---------------------------------------------------------------- knobs */

static char *
features_to_text (unsigned mask)
{
  static const char *const names[] = {
    "x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"
  };
  g_autoptr (GString) s = g_string_new (NULL);

  if (mask == 0)
    mask = GRD_FEAT_DEFAULT;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (mask & (1u << i))
      g_string_append_printf (s, "%s%s", s->len ? "," : "", names[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static unsigned
features_from_text (const char *text)
{
  static const char *const names[] = {
    "x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"
  };
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  unsigned mask = 0;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strv_contains ((const char *const *) parts, names[i]))
      mask |= 1u << i;
  return mask;
}

/* The text of knob @key as the experiment @exp (and the run's @knobs)
 * has it, or NULL. */
static char *
knob_text (GradlabWindow     *self,
           const GrKnobs     *knobs,
           const char        *key)
{
  const GradlabExperiment *exp = self->experiment;
  char buf[256];

  if (g_str_has_prefix (key, "model."))
    {
      const char *f = key + 6;

      if (g_str_equal (f, "depth"))
        return g_strdup_printf ("%d", exp->mlp.depth);
      if (g_str_equal (f, "width"))
        return g_strdup_printf ("%d", exp->mlp.width);
      if (g_str_equal (f, "residual"))
        return g_strdup (exp->mlp.residual ? "true" : "false");
      return NULL;
    }
  if (g_str_has_prefix (key, "data."))
    {
      const char *f = key + 5;

      if (g_str_equal (f, "name"))
        return g_strdup (exp->data.name);
      if (g_str_equal (f, "noise"))
        return g_strdup (g_ascii_dtostr (buf, sizeof buf, exp->data.noise));
      if (g_str_equal (f, "val_share"))
        return g_strdup (g_ascii_dtostr (buf, sizeof buf, exp->data.val_share > 0
                                                              ? exp->data.val_share : 0.2));
      if (g_str_equal (f, "train_subset"))
        return g_strdup (g_ascii_dtostr (buf, sizeof buf, exp->data.train_subset > 0
                                                              ? exp->data.train_subset : 1.0));
      if (g_str_equal (f, "features"))
        return features_to_text (exp->data.features);
      if (g_str_equal (f, "rare_share"))
        return g_strdup (g_ascii_dtostr (buf, sizeof buf, exp->data.rare_share));
      return NULL;
    }
  if (gr_knobs_get (knobs, key, buf, sizeof buf))
    return g_strdup (buf);
  return NULL;
}

/* Greys out knobs the current settings ignore. */
static void
update_sensitivity (GradlabWindow *self,
                    const GrKnobs *knobs)
{
  gradlab_knobs_panel_set_sensitive (self->knobs, "momentum",
                                     knobs->optimizer == GR_OPT_MOMENTUM
                                     || knobs->optimizer == GR_OPT_NESTEROV);
  gradlab_knobs_panel_set_sensitive (self->knobs, "init_sigma",
                                     knobs->init == GR_INIT_NORMAL
                                     || knobs->init == GR_INIT_UNIFORM);
  gradlab_knobs_panel_set_sensitive (self->knobs, "class_weights",
                                     knobs->weighting == GR_WEIGHTING_CUSTOM);
  gradlab_knobs_panel_set_sensitive (self->knobs, "focal_gamma",
                                     knobs->loss == GR_LOSS_FOCAL);
  gradlab_knobs_panel_set_sensitive (self->knobs, "focal_alpha",
                                     knobs->loss == GR_LOSS_FOCAL);
  gradlab_knobs_panel_set_sensitive (self->knobs, "dice_mix",
                                     knobs->loss == GR_LOSS_CE_DICE);
}

static void
refresh_knobs (GradlabWindow *self)
{
  GrKnobs knobs;

  if (self->lab == NULL || self->experiment == NULL)
    return;
  gradlab_trainer_get_knobs (self->trainer, &knobs);
  for (guint i = 0; self->lab->knobs[i] != NULL; i++)
    {
      g_autofree char *text = knob_text (self, &knobs, self->lab->knobs[i]);

      if (text != NULL)
        gradlab_knobs_panel_set_value (self->knobs, self->lab->knobs[i], text);
    }
  update_sensitivity (self, &knobs);
}

/* Whether knob @key, as the window has it now, differs from the run as
 * it was built: something only a Reset can bring in. */
static gboolean
key_differs_from_built (GradlabWindow *self,
                        const char    *key,
                        const GrKnobs *knobs)
{
  const GradlabExperiment *e = self->experiment, *b = self->built;

  if (b == NULL)
    return FALSE;
  if (g_str_equal (key, "model.depth"))
    return e->mlp.depth != b->mlp.depth;
  if (g_str_equal (key, "model.width"))
    return e->mlp.width != b->mlp.width;
  if (g_str_equal (key, "model.residual"))
    return e->mlp.residual != b->mlp.residual;
  if (g_str_equal (key, "data.name"))
    return g_strcmp0 (e->data.name, b->data.name) != 0;
  if (g_str_equal (key, "data.noise"))
    return e->data.noise != b->data.noise;
  if (g_str_equal (key, "data.val_share"))
    return e->data.val_share != b->data.val_share;
  if (g_str_equal (key, "data.train_subset"))
    return e->data.train_subset != b->data.train_subset;
  if (g_str_equal (key, "data.features"))
    return e->data.features != b->data.features;
  if (g_str_equal (key, "data.rare_share"))
    return e->data.rare_share != b->data.rare_share;
  if (g_str_equal (key, "init"))
    return knobs->init != b->knobs.init;
  if (g_str_equal (key, "init_sigma"))
    return knobs->init_sigma != b->knobs.init_sigma;
  /* Live knobs whose nodes the network may lack. */
  if (g_str_equal (key, "dropout"))
    return (e->mlp.dropout > 0.0f) != (b->mlp.dropout > 0.0f);
  if (g_str_equal (key, "batch_norm"))
    return e->mlp.batch_norm != b->mlp.batch_norm;
  if (g_str_equal (key, "loss"))
    return e->mlp.softmax != b->mlp.softmax;
  return FALSE;
}

/* Recomputes which knobs wait for Reset, marks their rows and shows or
 * hides the bar that says so. */
static void
update_pending (GradlabWindow *self)
{
  g_autoptr (GString) text = g_string_new (NULL);
  GrKnobs knobs;
  gboolean points = self->user_points->len > 0;

  self->data_dirty = points;
  self->model_dirty = FALSE;
  if (self->lab == NULL || self->experiment == NULL)
    return;
  gradlab_trainer_get_knobs (self->trainer, &knobs);
  for (guint i = 0; self->lab->knobs[i] != NULL; i++)
    {
      const char *key = self->lab->knobs[i];
      const GradlabKnobDesc *d = gradlab_knob_desc_lookup (key);
      gboolean pending = key_differs_from_built (self, key, &knobs);

      gradlab_knobs_panel_set_pending (self->knobs, key, pending);
      if (!pending)
        continue;
      if (g_str_has_prefix (key, "data."))
        self->data_dirty = TRUE;
      else if (!g_str_has_prefix (key, "init"))
        self->model_dirty = TRUE;
      g_string_append_printf (text, "%s%s", text->len ? ", " : "", d ? _(d->title) : key);
    }
  if (points)
    g_string_append_printf (text, "%s%s", text->len ? ", " : "", _("added points"));
  if (text->len > 0)
    {
      g_autofree char *msg = g_strdup_printf (_("Waiting for Reset: %s. These change the "
                                                "network, its start or its data, so they take "
                                                "effect when the run is rebuilt."), text->str);

      gtk_label_set_label (self->pending_label, msg);
    }
  gtk_revealer_set_reveal_child (self->pending_revealer, text->len > 0);
}

/* The run was (re)built from self->experiment: remember how. */
static void
set_built (GradlabWindow *self)
{
  g_clear_pointer (&self->built, gradlab_experiment_free);
  self->built = gradlab_experiment_copy (self->experiment);
  update_pending (self);
}

static void
knob_changed_cb (GradlabKnobsPanel *panel,
                 const char        *key,
                 const char        *value,
                 GradlabWindow     *self)
{
  const GradlabKnobDesc *d = gradlab_knob_desc_lookup (key);
  GradlabExperiment *exp = self->experiment;
  g_autoptr (GError) error = NULL;
  GrKnobs knobs;

  if (d == NULL || exp == NULL)
    return;

  switch (d->scope)
    {
    case GRADLAB_KNOB_LIVE:
    case GRADLAB_KNOB_SESSION_RESET:
      if (!gradlab_trainer_set_knob (self->trainer, key, value, &error))
        {
          toast (self, error->message);
          refresh_knobs (self);
          return;
        }
      /* Some live knobs work through nodes the network must have: a
       * network built without them gets them on Reset. */
      if (exp->model_kind == GRADLAB_MODEL_MLP && self->built != NULL)
        {
          if (g_str_equal (key, "dropout") && !(self->built->mlp.dropout > 0.0f))
            exp->mlp.dropout = (float) g_ascii_strtod (value, NULL);
          if (g_str_equal (key, "batch_norm") && !self->built->mlp.batch_norm)
            exp->mlp.batch_norm = g_str_equal (value, "true");
          /* Squared error on a classifier compares probabilities with
           * one-hot targets, so it wants a softmax output; the other
           * losses take logits. */
          if (g_str_equal (key, "loss") && self->n_classes > 0)
            exp->mlp.softmax = g_str_equal (value, "mse");
        }
      break;
    case GRADLAB_KNOB_REBUILD:
      if (g_str_equal (key, "data.features"))
        {
          unsigned mask = features_from_text (value);

          if (mask == 0)
            {
              toast (self, _("The network needs at least one input feature"));
              refresh_knobs (self);
              return;
            }
          exp->data.features = mask;
        }
      else if (!gradlab_experiment_set (exp, key, value, &error))
        {
          toast (self, error->message);
          refresh_knobs (self);
          return;
        }
      break;
    default:
      g_assert_not_reached ();
    }
  gradlab_trainer_get_knobs (self->trainer, &knobs);
  update_sensitivity (self, &knobs);
  update_pending (self);
}

/* ------------------------------------------------------------ the run */

static gboolean
is_toy (const GradlabExperiment *exp)
{
  return grd_toy_kind_from_name (exp->data.name) >= 0;
}

/* Reads the raw (x1, x2) points of a toy run: the experiment's data made
 * again with the plain features, which gives the same points (the data
 * has its own seed) whatever features the network sees. */
static gboolean
load_toy_points (GradlabWindow *self,
                 GError       **error)
{
  g_autoptr (GradlabExperiment) raw = gradlab_experiment_copy (self->experiment);
  g_autoptr (GradlabData) data = NULL;
  const GrDataset *sets[2];
  GArray *xy[2] = { self->base_xy, self->val_xy };
  GArray *cls[2] = { self->base_class, self->val_class };
  double extent = 1.0;

  raw->data.features = GRD_FEAT_DEFAULT;
  if ((data = gradlab_experiment_make_data (raw, error)) == NULL)
    return FALSE;
  sets[0] = data->train;
  sets[1] = data->val;
  for (int k = 0; k < 2; k++)
    {
      const GrDataset *ds = sets[k];
      g_autofree float *x1 = NULL, *x2 = NULL;

      g_array_set_size (xy[k], 0);
      g_array_set_size (cls[k], 0);
      if (ds == NULL || ds->n == 0 || ds->labels == NULL)
        continue;
      x1 = g_new (float, ds->n);
      x2 = g_new (float, ds->n);
      if (!grd_toy_points (ds, GRD_FEAT_DEFAULT, x1, x2))
        continue;
      for (int i = 0; i < ds->n; i++)
        {
          float p[2] = { x1[i], x2[i] };
          int c = ds->labels[i];

          g_array_append_vals (xy[k], p, 2);
          g_array_append_val (cls[k], c);
          extent = MAX (extent, MAX (fabs (x1[i]), fabs (x2[i])) * 1.08);
        }
    }
  self->extent = ceil (extent * 10.0) / 10.0;
  return TRUE;
}

/* The toy points on the plane: the last build's plus those clicked
 * since. */
static void
show_points (GradlabWindow *self)
{
  g_autoptr (GArray) xy = g_array_copy (self->base_xy);
  g_autoptr (GArray) cls = g_array_copy (self->base_class);

  for (guint i = 0; i < self->user_points->len; i++)
    {
      const UserPoint *u = &g_array_index (self->user_points, UserPoint, i);
      float p[2] = { u->x1, u->x2 };

      g_array_append_vals (xy, p, 2);
      g_array_append_val (cls, u->label);
    }
  gradlab_dashboard_set_points (self->dashboard, self->extent, cls->len, (float *) xy->data,
                                (int *) cls->data, self->val_class->len,
                                (float *) self->val_xy->data, (int *) self->val_class->data);
}

/* Replaces the training set of a toy run with its points plus the
 * clicked ones. */
static gboolean
add_user_points (GradlabWindow *self,
                 GradlabData   *data,
                 GError       **error)
{
  guint n0 = self->base_class->len, n = n0 + self->user_points->len;
  g_autofree float *x1 = g_new (float, n);
  g_autofree float *x2 = g_new (float, n);
  g_autofree int32_t *labels = g_new (int32_t, n);
  char err[256] = "";
  GrDataset *train;

  for (guint i = 0; i < n0; i++)
    {
      x1[i] = g_array_index (self->base_xy, float, 2 * i);
      x2[i] = g_array_index (self->base_xy, float, 2 * i + 1);
      labels[i] = g_array_index (self->base_class, int, i);
    }
  for (guint i = 0; i < self->user_points->len; i++)
    {
      const UserPoint *u = &g_array_index (self->user_points, UserPoint, i);

      x1[n0 + i] = u->x1;
      x2[n0 + i] = u->x2;
      labels[n0 + i] = u->label;
    }
  train = grd_toy_from_points (x1, x2, labels, (int) n, data->train->n_classes,
                               self->experiment->data.features, err, sizeof err);
  if (train == NULL)
    {
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_DATA, "%s", err);
      return FALSE;
    }
  gr_dataset_free (data->train);
  data->train = train;
  return TRUE;
}

/* Builds data and a session from self->experiment and hands them to the
 * trainer. On failure the old run stays. */
static gboolean
build_run (GradlabWindow *self,
           GError       **error)
{
  GradlabExperiment *exp = self->experiment;
  g_autoptr (GradlabData) data = NULL;
  GrSession *session;
  gboolean toy = is_toy (exp);

  if (toy && !load_toy_points (self, error))
    return FALSE;
  if ((data = gradlab_experiment_make_data (exp, error)) == NULL)
    return FALSE;
  g_strfreev (self->last_warnings);
  self->last_warnings = g_strdupv (data->warnings);
  if (toy && self->user_points->len > 0 && !add_user_points (self, data, error))
    return FALSE;
  if ((session = gradlab_experiment_new_session (exp, data, 1, error)) == NULL)
    return FALSE;

  /* Points clicked in are now part of the training set. */
  if (toy)
    {
      for (guint i = 0; i < self->user_points->len; i++)
        {
          const UserPoint *u = &g_array_index (self->user_points, UserPoint, i);
          float p[2] = { u->x1, u->x2 };

          g_array_append_vals (self->base_xy, p, 2);
          g_array_append_val (self->base_class, u->label);
        }
      g_array_set_size (self->user_points, 0);
    }

  self->n_classes = data->train->n_classes;
  gradlab_trainer_load (self->trainer, session, g_steal_pointer (&data),
                        (GDestroyNotify) gradlab_data_free);
  /* The segmentation labs draw validation IoU over time: evaluate often
   * enough for a curve. */
  if (self->lab != NULL
      && (self->lab->views & (GRADLAB_VIEW_SEGMENTATION | GRADLAB_VIEW_RECEPTIVE_FIELD))
      && (exp->eval_every <= 0 || exp->eval_every > 50))
    gradlab_trainer_set_eval_every (self->trainer, 50);
  else
    gradlab_trainer_set_eval_every (self->trainer, exp->eval_every);
  if (toy)
    {
      GradlabSurfaceSpec spec = {
        .resolution = 64,
        .thumb_step = 2,
        .x_min = (float) -self->extent,
        .x_max = (float) self->extent,
        .y_min = (float) -self->extent,
        .y_max = (float) self->extent,
        .features = exp->data.features ? exp->data.features : GRD_FEAT_DEFAULT,
      };

      gradlab_trainer_set_surface (self->trainer, &spec);
      show_points (self);
    }
  else
    gradlab_trainer_set_surface (self->trainer, NULL);

  gradlab_knobs_panel_set_upper (self->knobs, "batch_size",
                                 gr_session_config (session)->max_batch);
  set_built (self);
  refresh_knobs (self);
  gtk_revealer_set_reveal_child (self->diverged_revealer, FALSE);
  adw_window_title_set_subtitle (self->window_title, exp->name ? exp->name : "");
  return TRUE;
}

static void
reset_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GradlabWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!gradlab_trainer_reset_finish (GRADLAB_TRAINER (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error_dialog (self, _("Could not reset the run"), error->message);
      return;
    }
  refresh_knobs (self);
}

static void
do_reset (GradlabWindow *self)
{
  g_autoptr (GError) error = NULL;
  GrModelSpec spec;
  gboolean rebuild_model = self->model_dirty;

  if (self->experiment == NULL)
    return;
  gtk_revealer_set_reveal_child (self->diverged_revealer, FALSE);
  /* The new run starts with the knobs in force now. */
  gradlab_trainer_get_knobs (self->trainer, &self->experiment->knobs);

  if (self->data_dirty || !gradlab_trainer_has_run (self->trainer))
    {
      if (!build_run (self, &error))
        show_error_dialog (self, _("Could not rebuild the run"), error->message);
      return;
    }
  if (rebuild_model)
    {
      GrSession *s = gradlab_trainer_get_session (self->trainer);

      if (!gradlab_experiment_model_spec (self->experiment, gr_session_train_data (s), &spec,
                                          &error))
        {
          show_error_dialog (self, _("Could not rebuild the network"), error->message);
          return;
        }
    }
  set_built (self);
  gradlab_trainer_reset_async (self->trainer, rebuild_model ? &spec : NULL, reset_done_cb,
                               g_object_ref (self));
}

static void
running_changed_cb (GradlabTrainer *trainer,
                    GParamSpec     *pspec,
                    GradlabWindow  *self)
{
  gboolean running = gradlab_trainer_get_running (trainer);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "run");

  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (running));
  adw_button_content_set_icon_name (self->run_content, running
                                    ? "media-playback-pause-symbolic"
                                    : "media-playback-start-symbolic");
  adw_button_content_set_label (self->run_content, running ? _("_Pause") : _("_Run"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->run_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  running ? _("Pause") : _("Run"), -1);
}

static void
show_banner (GradlabWindow *self,
             const char    *text,
             gboolean       offer_lower_lr)
{
  gtk_label_set_label (self->diverged_label, text);
  gtk_widget_set_visible (self->lower_lr_button, offer_lower_lr);
  gtk_revealer_set_reveal_child (self->diverged_revealer, TRUE);
}

/* "step 12: dense3 output is not finite" -> "dense3 output is not finite" */
static const char *
strip_step_prefix (const char *message)
{
  const char *colon;

  if (message != NULL && g_str_has_prefix (message, "step ")
      && (colon = strstr (message, ": ")) != NULL)
    return colon + 2;
  return message ? message : "";
}

static void
diverged_cb (GradlabTrainer *trainer,
             gint64          step,
             const char     *message,
             GradlabWindow  *self)
{
  g_autofree char *text =
    g_strdup_printf (_("Training diverged at step %lld: %s. The run is paused and "
                       "nothing is lost: resuming goes back to the last healthy weights."),
                     (long long) step, strip_step_prefix (message));

  show_banner (self, text, TRUE);
}

static void
error_cb (GradlabTrainer *trainer,
          gint64          step,
          const char     *message,
          GradlabWindow  *self)
{
  g_autofree char *text = g_strdup_printf (_("The run stopped: %s"), message);

  show_banner (self, text, FALSE);
}

/* ----------------------------------------------------------------- labs */

static GradlabExperiment *
load_lab_preset (const GradlabLab *lab,
                 GError          **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) presets = NULL;
  GradlabExperiment *exp;

  exp = gradlab_experiment_load_preset (lab->preset, &local);
  if (exp != NULL)
    return exp;
  /* The segmentation labs carry a built-in run for when their presets
   * are not installed. */
  if (g_error_matches (local, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_NOT_FOUND)
      && (exp = gradlab_seg_lab_default_experiment (lab->id)) != NULL)
    return exp;
  if (!g_error_matches (local, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  /* Any preset that says it belongs to this lab. */
  if ((presets = gradlab_experiment_list_presets (error)) == NULL)
    return NULL;
  for (guint i = 0; i < presets->len; i++)
    {
      GradlabPresetInfo *info = g_ptr_array_index (presets, i);

      if (g_strcmp0 (info->lab, lab->id) == 0)
        return gradlab_experiment_load_preset (info->name, error);
    }
  g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

static void
point_added_cb (GtkWidget     *view,
                double         x,
                double         y,
                int            label,
                GradlabWindow *self)
{
  UserPoint p = { (float) x, (float) y, label };

  if (self->experiment == NULL || !is_toy (self->experiment))
    return;
  g_array_append_val (self->user_points, p);
  show_points (self);
  update_pending (self);
}

/* The surface view is rebuilt with the lab; follow it. */
static void
connect_surface (GradlabWindow *self)
{
  GtkWidget *surface = gradlab_dashboard_get_view (self->dashboard, GRADLAB_VIEW_SURFACE);

  if (surface != NULL && g_object_get_data (G_OBJECT (surface), "gradlab-connected") == NULL)
    {
      g_signal_connect (surface, "point-added", G_CALLBACK (point_added_cb), self);
      g_object_set_data (G_OBJECT (surface), "gradlab-connected", GINT_TO_POINTER (1));
    }
}

static void
apply_lab_ui (GradlabWindow    *self,
              const GradlabLab *lab)
{
  g_autofree char *markup = NULL;
  GtkListBoxRow *row;
  guint n_labs;
  const GradlabLab *labs = gradlab_labs (&n_labs);

  self->lab = lab;
  gradlab_knobs_panel_set_keys (self->knobs, lab->knobs);
  gradlab_dashboard_set_views (self->dashboard, lab->views);
  connect_surface (self);
  gtk_label_set_label (self->explanation_title, _(lab->title));
  gradlab_doctor_panel_set_lab_mode (self->doctor, g_str_equal (lab->id, "doctor"));
  if (self->experiment != NULL && self->experiment->name != NULL)
    gradlab_doctor_panel_select_preset (self->doctor, self->experiment->name);
  markup = g_markup_escape_text (_(lab->explanation), -1);
  gtk_label_set_markup (self->explanation, markup);
  adw_window_title_set_title (self->window_title, _(lab->title));
  self->switching = TRUE;
  for (guint i = 0; i < n_labs; i++)
    if (&labs[i] == lab && (row = gtk_list_box_get_row_at_index (self->lab_list, (int) i)))
      gtk_list_box_select_row (self->lab_list, row);
  self->switching = FALSE;
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-lab", lab->id);
}

gboolean
gradlab_window_set_lab (GradlabWindow *self,
                        const char    *id,
                        GError       **error)
{
  const GradlabLab *lab = gradlab_lab_find (id);
  GradlabExperiment *exp;
  GradlabExperiment *old;

  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), FALSE);

  if (lab == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no lab '%s'"), id);
      return FALSE;
    }
  if ((exp = load_lab_preset (lab, error)) == NULL)
    return FALSE;
  old = g_steal_pointer (&self->experiment);
  self->experiment = exp;
  g_array_set_size (self->user_points, 0);
  apply_lab_ui (self, lab);
  if (!build_run (self, error))
    {
      gradlab_experiment_free (self->experiment);
      self->experiment = old;
      return FALSE;
    }
  gradlab_experiment_free (old);
  return TRUE;
}

/* The doctor lab's preset picker: another fault on the same screen. */
static void
doctor_load_preset_cb (GradlabDoctorPanel *panel,
                       const char         *name,
                       GradlabWindow      *self)
{
  g_autoptr (GError) error = NULL;
  GradlabExperiment *exp = gradlab_experiment_load_preset (name, &error);
  GradlabExperiment *old;

  if (exp == NULL)
    {
      show_error_dialog (self, _("Could not load the preset"), error->message);
      return;
    }
  old = g_steal_pointer (&self->experiment);
  self->experiment = exp;
  g_array_set_size (self->user_points, 0);
  if (!build_run (self, &error))
    {
      gradlab_experiment_free (self->experiment);
      self->experiment = old;
      show_error_dialog (self, _("Could not load the preset"), error->message);
      return;
    }
  gradlab_experiment_free (old);
}

GradlabDoctorPanel *
gradlab_window_get_doctor_panel (GradlabWindow *self)
{
  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), NULL);
  return self->doctor;
}

const char *
gradlab_window_get_lab (GradlabWindow *self)
{
  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), NULL);
  return self->lab ? self->lab->id : NULL;
}

static void
lab_selected_cb (GtkListBox    *box,
                 GtkListBoxRow *row,
                 GradlabWindow *self)
{
  guint n_labs;
  const GradlabLab *labs = gradlab_labs (&n_labs);
  int i;
  g_autoptr (GError) error = NULL;

  if (self->switching || row == NULL)
    return;
  i = gtk_list_box_row_get_index (row);
  if (i < 0 || (guint) i >= n_labs)
    return;
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  if (self->lab == &labs[i])
    return;
  if (!gradlab_window_set_lab (self, labs[i].id, &error))
    show_error_dialog (self, _("Could not open the lab"), error->message);
}

static void
back_clicked_cb (GtkButton     *button,
                 GradlabWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static GtkWidget *
lab_row_new (const GradlabLab *lab)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new_from_icon_name (lab->icon);
  GtkWidget *title = gtk_label_new (_(lab->title));
  GtkWidget *subtitle = gtk_label_new (_(lab->subtitle));

  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (text), title);
  gtk_box_append (GTK_BOX (text), subtitle);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), text);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _(lab->title), -1);
  return row;
}

/* ---------------------------------------------------------------- files */

gboolean
gradlab_window_open_experiment (GradlabWindow *self,
                                const char    *path,
                                GError       **error)
{
  g_autoptr (GError) local = NULL;
  GradlabExperiment *exp;
  GradlabExperiment *old;
  const GradlabLab *lab;

  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), FALSE);

  exp = gradlab_experiment_load_file (path, &local);
  if (exp == NULL)
    {
      /* The run in the window is not touched. */
      show_error_dialog (self, _("Could not open the experiment"), local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  old = g_steal_pointer (&self->experiment);
  self->experiment = exp;
  g_array_set_size (self->user_points, 0);
  lab = gradlab_lab_find (exp->lab);
  if (lab != NULL && lab != self->lab)
    apply_lab_ui (self, lab);
  if (!build_run (self, &local))
    {
      gradlab_experiment_free (self->experiment);
      self->experiment = old;
      if (self->lab != NULL)
        apply_lab_ui (self, self->lab);
      refresh_knobs (self);
      show_error_dialog (self, _("Could not open the experiment"), local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  gradlab_experiment_free (old);
  return TRUE;
}

/* Splits an event text "lr 0.1 → 0.01; momentum 0.9 → 0.5" into timeline
 * entries of @exp at @step. */
static void
add_event_to_timeline (GradlabExperiment *exp,
                       gint64             step,
                       const char        *text)
{
  g_auto (GStrv) changes = g_strsplit (text, "; ", -1);

  for (guint i = 0; changes[i] != NULL; i++)
    {
      const char *space = strchr (changes[i], ' ');
      const char *arrow = strstr (changes[i], " → ");
      g_autofree char *key = NULL;

      if (space == NULL || arrow == NULL)
        continue;
      key = g_strndup (changes[i], space - changes[i]);
      /* Knobs that need a reset cannot be in a timeline; skip them. */
      gradlab_experiment_add_timeline (exp, MAX (step, 1), key, arrow + strlen (" → "), NULL);
    }
}

gboolean
gradlab_window_open_data_folder (GradlabWindow *self,
                                 const char    *dir,
                                 GError       **error)
{
  g_autoptr (GError) local = NULL;
  GradlabExperiment *old;
  GradlabExperiment *exp;

  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), FALSE);

  if (self->experiment == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "%s", _("No run is loaded"));
      return FALSE;
    }
  exp = gradlab_experiment_copy (self->experiment);
  /* The knobs in force now carry over to the new data. */
  gradlab_trainer_get_knobs (self->trainer, &exp->knobs);
  g_clear_pointer (&exp->data.dir, g_free);
  if (dir != NULL)
    {
      /* Same size, channels and classes as the network has, so it fits;
       * masks with other class ids are reported. */
      g_strlcpy (exp->data.name, "png-folder", sizeof exp->data.name);
      exp->data.dir = g_strdup (dir);
      exp->data.crop = FALSE;
      exp->data.ignore_label = -1;
    }
  else
    g_strlcpy (exp->data.name, "seg-synthetic", sizeof exp->data.name);
  old = g_steal_pointer (&self->experiment);
  self->experiment = exp;
  if (!build_run (self, &local))
    {
      gradlab_experiment_free (self->experiment);
      self->experiment = old;
      refresh_knobs (self);
      show_error_dialog (self, _("Could not open the folder"), local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  gradlab_experiment_free (old);
  if (dir != NULL && self->last_warnings != NULL && self->last_warnings[0] != NULL)
    gradlab_bad_files_dialog_show (GTK_WINDOW (self), dir,
                                   (const char *const *) self->last_warnings);
  else if (dir != NULL)
    toast (self, _("Every image and mask pair is valid"));
  return TRUE;
}

gboolean
gradlab_window_save_experiment (GradlabWindow *self,
                                const char    *path,
                                GError       **error)
{
  g_autoptr (GradlabExperiment) copy = NULL;
  GrHistory *h;
  g_autoptr (GArray) old_timeline = NULL;
  gint64 n, step;

  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), FALSE);
  if (self->experiment == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "%s", _("Nothing to save"));
      return FALSE;
    }
  copy = gradlab_experiment_copy (self->experiment);
  old_timeline = g_array_copy (copy->timeline);
  g_array_set_size (copy->timeline, 0);
  step = gradlab_trainer_get_step (self->trainer);

  /* What happened so far, as recorded by the run... */
  if ((h = gradlab_trainer_get_history (self->trainer)) != NULL
      && (n = gr_history_n_events (h)) > 0)
    {
      g_autofree GrEvent *events = g_new (GrEvent, n);

      n = gr_history_copy_events (h, 0, n, events);
      for (gint64 i = 0; i < n; i++)
        if (events[i].kind == GR_EVENT_KNOB)
          add_event_to_timeline (copy, events[i].step, events[i].text);
    }
  /* ...and what the experiment's own timeline still has to come. */
  for (guint i = 0; i < old_timeline->len; i++)
    {
      const GradlabTimelineEntry *e = &g_array_index (old_timeline, GradlabTimelineEntry, i);

      if (e->step > step)
        gradlab_experiment_add_timeline (copy, e->step, e->key, e->value, NULL);
    }
  if (copy->steps > 0 && copy->steps < step)
    copy->steps = step;
  /* The doctor's "standardize inputs" remedy changes the data, not a
   * knob: the saved experiment standardizes from the start. */
  if (gradlab_trainer_get_session (self->trainer) != NULL
      && gr_session_inputs_standardized (gradlab_trainer_get_session (self->trainer)))
    copy->data.normalize = TRUE;
  return gradlab_experiment_save (copy, path, error);
}

gboolean
gradlab_window_export_csv (GradlabWindow *self,
                           const char    *path,
                           GError       **error)
{
  GrHistory *h = gradlab_trainer_get_history (self->trainer);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree GrStepRecord *steps = NULL;
  g_autofree GrEvalRecord *evals = NULL;
  gint64 n_steps, n_evals, e = 0;
  char a[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), FALSE);
  if (h == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "%s", _("Nothing to export"));
      return FALSE;
    }
  n_steps = gr_history_n_steps (h);
  n_evals = gr_history_n_evals (h);
  steps = g_new (GrStepRecord, MAX (n_steps, 1));
  evals = g_new (GrEvalRecord, MAX (n_evals, 1));
  n_steps = gr_history_copy_steps (h, 0, n_steps, steps);
  n_evals = gr_history_copy_evals (h, 0, n_evals, evals);

#define NUM(v) (isfinite (v) ? g_ascii_formatd (a, sizeof a, "%.7g", (v)) : "")
  g_string_append (out, "step,epoch,loss,accuracy,lr,grad_norm,grad_norm_raw,batch,"
                        "eval_train_loss,eval_train_accuracy,val_loss,val_accuracy\n");
  for (gint64 i = 0; i < n_steps; i++)
    {
      const GrStepRecord *r = &steps[i];

      g_string_append_printf (out, "%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",",
                              (gint64) r->step, (gint64) r->epoch);
      g_string_append_printf (out, "%s,", NUM (r->loss));
      g_string_append_printf (out, "%s,", NUM (r->acc));
      g_string_append_printf (out, "%s,", NUM (r->lr));
      g_string_append_printf (out, "%s,", NUM (r->grad_norm));
      g_string_append_printf (out, "%s,%d", NUM (r->grad_norm_raw), r->batch);
      while (e < n_evals && evals[e].step < r->step)
        e++;
      if (e < n_evals && evals[e].step == r->step)
        {
          g_string_append_printf (out, ",%s", NUM (evals[e].train_loss));
          g_string_append_printf (out, ",%s", NUM (evals[e].train_acc));
          g_string_append_printf (out, ",%s", NUM (evals[e].val_loss));
          g_string_append_printf (out, ",%s\n", NUM (evals[e].val_acc));
        }
      else
        g_string_append (out, ",,,,\n");
    }
#undef NUM
  return g_file_set_contents (path, out->str, (gssize) out->len, error);
}

gboolean
gradlab_window_save_png (GradlabWindow *self,
                         const char    *path,
                         GError       **error)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  GskRenderNode *node;
  GskRenderer *renderer;
  g_autoptr (GdkTexture) texture = NULL;

  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), FALSE);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  renderer = gtk_native_get_renderer (GTK_NATIVE (self));
  if (node == NULL || renderer == NULL || width <= 0 || height <= 0)
    {
      g_clear_pointer (&node, gsk_render_node_unref);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                   _("The window has not been drawn yet"));
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write %s"), path);
      return FALSE;
    }
  return TRUE;
}

typedef enum
{
  FILE_OPEN_EXPERIMENT,
  FILE_SAVE_EXPERIMENT,
  FILE_LOAD_CHECKPOINT,
  FILE_SAVE_CHECKPOINT,
  FILE_EXPORT_PLOT,
  FILE_EXPORT_CSV,
} FileJob;

static const GradlabViewFlags export_views[] = {
  GRADLAB_VIEW_LOSS, GRADLAB_VIEW_ACCURACY, GRADLAB_VIEW_GRAD_STRIP, GRADLAB_VIEW_LAYER_BARS,
  GRADLAB_VIEW_HEALTH, GRADLAB_VIEW_SURFACE, GRADLAB_VIEW_NEURONS,
};

static void
checkpoint_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GradlabWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!gradlab_trainer_checkpoint_finish (GRADLAB_TRAINER (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error_dialog (self, _("Checkpoint failed"), error->message);
      return;
    }
  toast (self, _("Done"));
}

static void
file_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  GradlabWindow   *self)
{
  FileJob job = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "job"));
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  if (response != GTK_RESPONSE_ACCEPT
      || (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) == NULL
      || (path = g_file_get_path (file)) == NULL)
    goto out;

  switch (job)
    {
    case FILE_OPEN_EXPERIMENT:
      gradlab_window_open_experiment (self, path, NULL);
      break;
    case FILE_SAVE_EXPERIMENT:
      if (!gradlab_window_save_experiment (self, path, &error))
        show_error_dialog (self, _("Could not save the experiment"), error->message);
      else
        toast (self, _("Experiment saved"));
      break;
    case FILE_LOAD_CHECKPOINT:
      gradlab_trainer_load_checkpoint_async (self->trainer, path, checkpoint_done_cb,
                                             g_object_ref (self));
      break;
    case FILE_SAVE_CHECKPOINT:
      gradlab_trainer_save_checkpoint_async (self->trainer, path, checkpoint_done_cb,
                                             g_object_ref (self));
      break;
    case FILE_EXPORT_PLOT:
      {
        const char *choice = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "plot");
        GtkWidget *view = NULL;

        if (choice != NULL)
          view = gradlab_dashboard_get_view (self->dashboard, (GradlabViewFlags) atoi (choice));
        for (guint i = 0; view == NULL && i < G_N_ELEMENTS (export_views); i++)
          view = gradlab_dashboard_get_view (self->dashboard, export_views[i]);
        if (view == NULL || !gradlab_export_widget (view, path, &error))
          show_error_dialog (self, _("Could not export the plot"),
                             error ? error->message : _("There is no plot to export"));
        else
          toast (self, _("Plot exported"));
      }
      break;
    case FILE_EXPORT_CSV:
      if (!gradlab_window_export_csv (self, path, &error))
        show_error_dialog (self, _("Could not export the metrics"), error->message);
      else
        toast (self, _("Metrics exported"));
      break;
    default:
      g_assert_not_reached ();
    }
out:
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *pattern)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  g_auto (GStrv) patterns = g_strsplit (pattern, ";", -1);

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
run_file_chooser (GradlabWindow *self,
                  FileJob        job)
{
  gboolean save = job == FILE_SAVE_EXPERIMENT || job == FILE_SAVE_CHECKPOINT
                  || job == FILE_EXPORT_PLOT || job == FILE_EXPORT_CSV;
  const char *title = "";
  GtkFileChooserNative *native;
  GtkFileChooser *chooser;
  g_autofree char *name = NULL;

  switch (job)
    {
    case FILE_OPEN_EXPERIMENT:
      title = _("Open Experiment");
      break;
    case FILE_SAVE_EXPERIMENT:
      title = _("Save Experiment");
      name = g_strdup_printf ("%s.json", self->experiment && self->experiment->name
                                         ? self->experiment->name : "experiment");
      break;
    case FILE_LOAD_CHECKPOINT:
      title = _("Load Checkpoint");
      break;
    case FILE_SAVE_CHECKPOINT:
      title = _("Save Checkpoint");
      name = g_strdup_printf ("step-%" G_GINT64_FORMAT ".ckpt",
                              gradlab_trainer_get_step (self->trainer));
      break;
    case FILE_EXPORT_PLOT:
      title = _("Export Plot");
      name = g_strdup ("plot.png");
      break;
    case FILE_EXPORT_CSV:
      title = _("Export Metrics");
      name = g_strdup ("metrics.csv");
      break;
    default:
      g_assert_not_reached ();
    }
  native = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                        save ? GTK_FILE_CHOOSER_ACTION_SAVE
                                             : GTK_FILE_CHOOSER_ACTION_OPEN,
                                        save ? _("_Save") : _("_Open"), _("_Cancel"));
  chooser = GTK_FILE_CHOOSER (native);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  if (name != NULL)
    gtk_file_chooser_set_current_name (chooser, name);
  switch (job)
    {
    case FILE_OPEN_EXPERIMENT:
    case FILE_SAVE_EXPERIMENT:
      add_filter (chooser, _("Experiments"), "*.json");
      break;
    case FILE_LOAD_CHECKPOINT:
    case FILE_SAVE_CHECKPOINT:
      add_filter (chooser, _("Checkpoints"), "*.ckpt;*.gckpt");
      add_filter (chooser, _("All files"), "*");
      break;
    case FILE_EXPORT_PLOT:
      {
        const char *ids[G_N_ELEMENTS (export_views) + 1] = { NULL };
        const char *labels[G_N_ELEMENTS (export_views) + 1] = { NULL };
        char id_buf[G_N_ELEMENTS (export_views)][16];
        guint n = 0;

        for (guint i = 0; i < G_N_ELEMENTS (export_views); i++)
          if (gradlab_dashboard_get_view (self->dashboard, export_views[i]) != NULL)
            {
              g_snprintf (id_buf[n], sizeof id_buf[n], "%d", (int) export_views[i]);
              ids[n] = id_buf[n];
              labels[n] = gradlab_dashboard_view_title (export_views[i]);
              n++;
            }
        if (n > 0)
          {
            gtk_file_chooser_add_choice (chooser, "plot", _("Plot"), ids, labels);
            gtk_file_chooser_set_choice (chooser, "plot", ids[0]);
          }
        add_filter (chooser, _("PNG, SVG or PDF (by extension)"), "*.png;*.svg;*.pdf");
      }
      break;
    case FILE_EXPORT_CSV:
      add_filter (chooser, _("CSV"), "*.csv");
      break;
    default:
      g_assert_not_reached ();
    }
  g_object_set_data (G_OBJECT (native), "job", GINT_TO_POINTER (job));
  g_signal_connect (native, "response", G_CALLBACK (file_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* -------------------------------------------------------------- actions */

static void
run_change_state (GSimpleAction *action,
                  GVariant      *state,
                  gpointer       user_data)
{
  GradlabWindow *self = user_data;
  gboolean run = g_variant_get_boolean (state);

  if (run)
    gtk_revealer_set_reveal_child (self->diverged_revealer, FALSE);
  gradlab_trainer_set_running (self->trainer, run);
  /* The trainer notifies; make sure the state matches even if it
   * refused (no run loaded). */
  running_changed_cb (self->trainer, NULL, self);
}

static void
run_activated (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  GVariant *state = g_action_get_state (G_ACTION (action));

  run_change_state (action, g_variant_new_boolean (!g_variant_get_boolean (state)), user_data);
  g_variant_unref (state);
}

static void
step_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GradlabWindow *self = user_data;

  gtk_revealer_set_reveal_child (self->diverged_revealer, FALSE);
  gradlab_trainer_step_once (self->trainer);
}

static void
reset_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  do_reset (user_data);
}

/* On the worker: a run blows up a few steps before a value overflows, so
 * the weights of the failed step are already sick; go back to the last
 * healthy snapshot (marked on the plots as an event). */
static void
restore_snapshot_on_worker (GradlabTrainer *trainer,
                            GrSession      *session,
                            GTask          *task,
                            gpointer        call_data)
{
  gint64 restored = 0;

  gr_session_restore_snapshot (session, &restored);
  g_task_return_int (task, restored);
}

static void
restore_snapshot_done_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr (GradlabWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  g_task_propagate_int (G_TASK (result), &error);
  if (error != NULL)
    {
      toast (self, error->message);
      return;
    }
  gradlab_trainer_set_running (self->trainer, TRUE);
}

static void
lower_lr_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GradlabWindow *self = user_data;
  GrKnobs knobs;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_autoptr (GError) error = NULL;

  gradlab_trainer_get_knobs (self->trainer, &knobs);
  g_ascii_formatd (buf, sizeof buf, "%.6g", knobs.lr / 10.0);
  if (!gradlab_trainer_set_knob (self->trainer, "lr", buf, &error))
    {
      toast (self, error->message);
      return;
    }
  gradlab_knobs_panel_set_value (self->knobs, "lr", buf);
  gtk_revealer_set_reveal_child (self->diverged_revealer, FALSE);
  gradlab_trainer_call_on_worker_async (self->trainer, restore_snapshot_on_worker, NULL, NULL,
                                        NULL, restore_snapshot_done_cb, g_object_ref (self));
}

static void
dismiss_banner_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  GradlabWindow *self = user_data;

  gtk_revealer_set_reveal_child (self->diverged_revealer, FALSE);
}

#define FILE_ACTION(fn, job)                          \
  static void                                         \
  fn (GSimpleAction *action,                          \
      GVariant      *parameter,                       \
      gpointer       user_data)                       \
  {                                                   \
    run_file_chooser (user_data, job);                \
  }

FILE_ACTION (open_activated, FILE_OPEN_EXPERIMENT)
FILE_ACTION (save_activated, FILE_SAVE_EXPERIMENT)
FILE_ACTION (load_checkpoint_activated, FILE_LOAD_CHECKPOINT)
FILE_ACTION (save_checkpoint_activated, FILE_SAVE_CHECKPOINT)
FILE_ACTION (export_plot_activated, FILE_EXPORT_PLOT)
FILE_ACTION (export_csv_activated, FILE_EXPORT_CSV)

static const GActionEntry win_actions[] = {
  { "run", run_activated, NULL, "false", run_change_state },
  { "step", step_activated },
  { "reset", reset_activated },
  { "lower-lr", lower_lr_activated },
  { "dismiss-banner", dismiss_banner_activated },
  { "open", open_activated },
  { "save", save_activated },
  { "load-checkpoint", load_checkpoint_activated },
  { "save-checkpoint", save_checkpoint_activated },
  { "export-plot", export_plot_activated },
  { "export-csv", export_csv_activated },
};

/* Space and "." are single keys: in a text field they must type, so the
 * shortcut steps aside when an editable has the focus. */
static gboolean
key_shortcut_cb (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   user_data)
{
  GradlabWindow *self = GRADLAB_WINDOW (widget);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  const char *action = g_variant_get_string (args, NULL);

  if (focus != NULL && GTK_IS_EDITABLE (focus))
    return FALSE;
  g_action_group_activate_action (G_ACTION_GROUP (self), action, NULL);
  return TRUE;
}

static void
add_key_shortcut (GtkShortcutController *controller,
                  guint                  keyval,
                  const char            *action)
{
  GtkShortcut *shortcut =
    gtk_shortcut_new (gtk_keyval_trigger_new (keyval, 0),
                      gtk_callback_action_new (key_shortcut_cb, NULL, NULL));

  gtk_shortcut_set_arguments (shortcut, g_variant_new_string (action));
  gtk_shortcut_controller_add_shortcut (controller, shortcut);
}

/* ------------------------------------------------------------- lifetime */

static gboolean
gradlab_window_close_request (GtkWindow *window)
{
  GradlabWindow *self = GRADLAB_WINDOW (window);

  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
      g_settings_set_boolean (self->settings, "window-maximized",
                              gtk_window_is_maximized (window));
    }
  /* Stop training before the widgets go. */
  gradlab_trainer_stop (self->trainer);
  return GTK_WINDOW_CLASS (gradlab_window_parent_class)->close_request (window);
}

static void
gradlab_window_dispose (GObject *object)
{
  GradlabWindow *self = GRADLAB_WINDOW (object);

  if (self->trainer != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->trainer, self);
      gradlab_trainer_stop (self->trainer);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), GRADLAB_TYPE_WINDOW);
  g_clear_object (&self->trainer);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (gradlab_window_parent_class)->dispose (object);
}

static void
gradlab_window_finalize (GObject *object)
{
  GradlabWindow *self = GRADLAB_WINDOW (object);

  gradlab_experiment_free (self->experiment);
  gradlab_experiment_free (self->built);
  g_strfreev (self->last_warnings);
  g_array_unref (self->user_points);
  g_array_unref (self->base_xy);
  g_array_unref (self->base_class);
  g_array_unref (self->val_xy);
  g_array_unref (self->val_class);
  G_OBJECT_CLASS (gradlab_window_parent_class)->finalize (object);
}

static void
gradlab_window_class_init (GradlabWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = gradlab_window_dispose;
  object_class->finalize = gradlab_window_finalize;
  window_class->close_request = gradlab_window_close_request;

  g_type_ensure (GRADLAB_TYPE_KNOBS_PANEL);
  g_type_ensure (GRADLAB_TYPE_DASHBOARD);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/gradlab/Gradlab/gradlab-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, lab_list);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, explanation_title);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, explanation);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, run_button);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, run_content);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, diverged_revealer);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, diverged_label);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, lower_lr_button);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, pending_revealer);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, pending_label);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, knobs);
  gtk_widget_class_bind_template_child (widget_class, GradlabWindow, dashboard);
}

static void
gradlab_window_init (GradlabWindow *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;
  GtkEventController *controller;
  guint n_labs;
  const GradlabLab *labs = gradlab_labs (&n_labs);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->user_points = g_array_new (FALSE, FALSE, sizeof (UserPoint));
  self->base_xy = g_array_new (FALSE, FALSE, sizeof (float));
  self->base_class = g_array_new (FALSE, FALSE, sizeof (int));
  self->val_xy = g_array_new (FALSE, FALSE, sizeof (float));
  self->val_class = g_array_new (FALSE, FALSE, sizeof (int));
  self->extent = 1.0;

  self->trainer = gradlab_trainer_new ();
  g_signal_connect (self->trainer, "notify::running", G_CALLBACK (running_changed_cb), self);
  g_signal_connect (self->trainer, "diverged", G_CALLBACK (diverged_cb), self);
  g_signal_connect (self->trainer, "error", G_CALLBACK (error_cb), self);
  gradlab_dashboard_set_trainer (self->dashboard, self->trainer);
  self->doctor = gradlab_doctor_panel_new ();
  gradlab_doctor_panel_install (self->doctor, self->trainer, self->dashboard,
                                GTK_WIDGET (self->back_button));
  g_signal_connect (self->doctor, "load-preset", G_CALLBACK (doctor_load_preset_cb), self);
  g_signal_connect (self->knobs, "changed", G_CALLBACK (knob_changed_cb), self);
  g_signal_connect_swapped (self->dashboard, "knob-event", G_CALLBACK (refresh_knobs), self);
  g_signal_connect (self->back_button, "clicked", G_CALLBACK (back_clicked_cb), self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions,
                                   G_N_ELEMENTS (win_actions), self);

  controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  add_key_shortcut (GTK_SHORTCUT_CONTROLLER (controller), GDK_KEY_space, "run");
  add_key_shortcut (GTK_SHORTCUT_CONTROLLER (controller), GDK_KEY_period, "step");
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  for (guint i = 0; i < n_labs; i++)
    gtk_list_box_append (self->lab_list, lab_row_new (&labs[i]));
  g_signal_connect (self->lab_list, "row-selected", G_CALLBACK (lab_selected_cb), self);

  if (source != NULL
      && (schema = g_settings_schema_source_lookup (source, "org.gradlab.Gradlab", TRUE)) != NULL)
    {
      self->settings = g_settings_new_full (schema, NULL, NULL);
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }
}

GradlabWindow *
gradlab_window_new (GtkApplication *app)
{
  return g_object_new (GRADLAB_TYPE_WINDOW, "application", app, NULL);
}

GradlabTrainer *
gradlab_window_get_trainer (GradlabWindow *self)
{
  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), NULL);
  return self->trainer;
}

GradlabDashboard *
gradlab_window_get_dashboard (GradlabWindow *self)
{
  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), NULL);
  return self->dashboard;
}

GradlabKnobsPanel *
gradlab_window_get_knobs_panel (GradlabWindow *self)
{
  g_return_val_if_fail (GRADLAB_IS_WINDOW (self), NULL);
  return self->knobs;
}
