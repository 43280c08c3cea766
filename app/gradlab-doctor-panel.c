/* gradlab-doctor-panel.c: the doctor's findings and probes beside the dashboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The panel polls the run's doctor (gradlab_trainer_get_doctor ()) from a
 * tick callback capped near 30 Hz and rebuilds its cards only when the
 * doctor's serial changes, which happens when a finding is raised,
 * escalated or cleared: a few times per run, not per step. Active
 * findings are listed newest first; findings that cleared stay below
 * them, dimmed, with the step they cleared at (the last few only).
 *
 * The engine's texts are English; the titles and explanations shown here
 * are the app's own, translated and keyed by the finding's code. The
 * evidence is numbers and stays as the engine wrote it.
 *
 * Remedies and the probes' captures run on the trainer's worker
 * (gradlab_trainer_call_on_worker_async ()); a probe then runs in a GTask
 * thread on its own copy of the training data, so neither the main run
 * nor a later load can pull the data from under it.
 */

#include "gradlab-doctor-panel.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "gr-doctor.h"
#include "gr-probes.h"
#include "gradlab-experiment.h"
#include "gradlab-lab.h"
#include "gradlab-series-chart.h"
#include "gradlab-grad-strip.h"
#include "gradlab-health-view.h"

#define MAX_SHOWN_ACTIVE  16
#define MAX_SHOWN_CLEARED 4
#define TICK_INTERVAL_US  (G_USEC_PER_SEC / 30)

struct _GradlabDoctorPanel
{
  GtkBox              parent_instance;

  GradlabTrainer     *trainer;      /* weak: the window owns both */
  GradlabDashboard   *dashboard;    /* weak */
  GtkWidget          *revealer;
  GtkToggleButton    *toggle;
  GtkLabel           *toggle_label;

  GtkWidget          *lab_box;      /* preset picker and hint, doctor lab only */
  GtkDropDown        *presets;
  GtkStringList      *preset_names;
  gboolean            switching;
  GtkLabel           *summary;
  GtkWidget          *notice;       /* needs-reset bar */
  GtkLabel           *notice_label;
  GtkListBox         *list;

  GtkWidget          *probe_buttons[GRADLAB_N_PROBES];
  GtkProgressBar     *progress;
  GtkWidget          *cancel;
  GtkLabel           *probe_label;
  GtkWidget          *chart;
  char               *probe_result;
  gboolean            probe_passed;

  GCancellable       *probe_cancel;
  GradlabProbeKind    probe_kind;
  int                 probe_done;   /* atomic */
  int                 probe_total;  /* atomic */

  guint               tick_id;
  GtkWidget          *tick_widget;  /* ref: the header toggle, always mapped */
  gboolean            disposed;     /* late async results are dropped */
  gint64              last_tick;
  gpointer            doctor_seen;  /* the doctor the cards come from */
  guint64             serial_seen;
  guint               n_active;
  gboolean            lab_mode;
};

G_DEFINE_FINAL_TYPE (GradlabDoctorPanel, gradlab_doctor_panel, GTK_TYPE_BOX)

enum
{
  SIGNAL_LOAD_PRESET,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ----- Texts keyed by code ---------------------------------------------- */

typedef struct
{
  const char *code;
  const char *title;        /* N_() */
  const char *explanation;  /* N_() */
} FindingText;

static const FindingText finding_texts[] = {
  { "divergence", N_("The run diverged"),
    N_("A loss, activation or gradient became infinite or not a number, or the loss "
       "grew by orders of magnitude. The weights took a step so large that the "
       "network left the region where its numbers make sense.") },
  { "exploding-gradients", N_("Exploding gradients"),
    N_("The gradient norm jumped by orders of magnitude, or the first layer's "
       "gradient is far larger than the last layer's. Steps of that size throw "
       "the weights around instead of refining them.") },
  { "vanishing-gradients", N_("Vanishing gradients"),
    N_("The layers near the input get gradients orders of magnitude smaller than "
       "the layers near the output, and tiny in absolute terms: the early layers "
       "hardly learn. Compare the rows of the gradient strip.") },
  { "dead-relu", N_("Dead ReLU units"),
    N_("A large share of one layer's ReLU units output zero for every sample of "
       "recent batches. A dead unit passes no gradient, so it cannot come back to "
       "life by itself.") },
  { "saturation", N_("Saturated units"),
    N_("Many sigmoid or tanh units sit at the ends of their range, where their "
       "slope is almost zero, so little gradient gets through them.") },
  { "lr-too-high", N_("Learning rate too high"),
    N_("Each step changes the weights by a large share of their size, and the loss "
       "jumps or rises instead of falling.") },
  { "lr-too-low", N_("Learning rate too low"),
    N_("Each step changes the weights by a tiny share of their size (about one in "
       "a thousand is typical), so the loss barely moves. The run is healthy, "
       "just far too slow.") },
  { "chance-level", N_("Loss at chance level"),
    N_("The loss stays near what guessing the class frequencies would give, "
       "although the network could fit the data: it has learned nothing from the "
       "inputs yet.") },
  { "shuffled-labels", N_("Labels do not match the inputs"),
    N_("Training accuracy stays near chance and the network cannot even fit the "
       "training set: the signature of labels that have no relation to the "
       "inputs. Run the shuffled-label control to compare.") },
  { "loss-output-mismatch", N_("Loss and output do not match"),
    N_("The loss expects something other than what the network outputs, for "
       "example squared error on softmax probabilities, whose gradient is damped "
       "exactly where the answer is confidently wrong.") },
  { "unnormalized-inputs", N_("Inputs are far from unit scale"),
    N_("The input values are much larger or smaller than about one. The first "
       "layer's pre-activations then start huge or tiny, and the learning rate "
       "that suits one feature is wrong for the others.") },
  { "overfitting", N_("Overfitting"),
    N_("The validation loss has risen for several evaluations while the training "
       "loss still falls: the network is memorizing the training set. The best "
       "step is where early stopping would stop.") },
  { "imbalance-collapse", N_("Collapse to the majority class"),
    N_("Pixel accuracy is high while one class's overlap (IoU) stays near zero: "
       "the network predicts the majority class almost everywhere.") },
  { "plateau", N_("Plateau"),
    N_("The loss has been flat for a long stretch while the gradients look "
       "healthy. A learning-rate schedule or a different rate may get it moving.") },
  { "net-too-small", N_("The network cannot fit one batch"),
    N_("Trained on a single small batch, the loss did not fall near zero. A "
       "healthy network memorizes a handful of samples easily; this one is too "
       "small, or something in the setup is broken.") },
};

static const FindingText *
finding_text (const char *code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (finding_texts); i++)
    if (g_strcmp0 (finding_texts[i].code, code) == 0)
      return &finding_texts[i];
  return NULL;
}

static const char *
probe_title (GradlabProbeKind kind)
{
  switch (kind)
    {
    case GRADLAB_PROBE_OVERFIT:
      return _("Overfit one batch");
    case GRADLAB_PROBE_SHUFFLE:
      return _("Shuffled labels");
    case GRADLAB_PROBE_LR_RANGE:
      return _("LR range test");
    case GRADLAB_PROBE_CHANCE:
      return _("Chance baseline");
    case GRADLAB_PROBE_INPUT_SCALE:
      return _("Input scale");
    case GRADLAB_N_PROBES:
    default:
      return "";
    }
}

static int
probe_from_name (const char *name)
{
  static const char *const names[] = {
    "overfit-batch", "shuffle-control", "lr-range", "chance", "input-scale"
  };

  for (int i = 0; i < (int) G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;
  return -1;
}

/* ----- Remedies ------------------------------------------------------------ */

typedef struct
{
  GrRemedy remedy;
  char     code[32];
} RemedyCall;

/* What applying a remedy did (the task's result). */
enum
{
  REMEDY_LIVE,          /* knobs: act at the next step */
  REMEDY_NEEDS_RESET,   /* model or reset-only knobs: act on Reset */
  REMEDY_DATA,          /* the run's data changed live (inputs standardized);
                         * the remedy's fresh weights come with Reset */
};

/* Worker. */
static void
apply_remedy_call (GradlabTrainer *trainer,
                   GrSession      *s,
                   GTask          *task,
                   gpointer        data)
{
  RemedyCall *call = data;
  gssize result = REMEDY_LIVE;
  bool nr = false;
  char err[256] = "";
  GrStatus st = gr_doctor_apply_remedy (s, &call->remedy, &nr, err, sizeof err);

  if (nr)
    result = REMEDY_NEEDS_RESET;
  for (int i = 0; i < call->remedy.n_changes; i++)
    if (g_str_has_prefix (call->remedy.changes[i].key, "data."))
      result = REMEDY_DATA;
  if (st != GR_OK)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                             err[0] ? err : gr_status_to_string (st));
  else
    g_task_return_int (task, result);
}

static void
show_notice (GradlabDoctorPanel *self,
             const char         *text,
             gboolean            offer_reset)
{
  gtk_label_set_label (self->notice_label, text);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (self->notice), "reset"), offer_reset);
  gtk_widget_set_visible (self->notice, TRUE);
}

static void
remedy_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GradlabDoctorPanel) self = user_data;
  g_autoptr (GError) error = NULL;
  gssize what = g_task_propagate_int (G_TASK (result), &error);

  if (self->disposed)
    return;
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The remedy could not be applied: %s"),
                                               error->message);

      show_notice (self, text, FALSE);
      return;
    }
  if (what == REMEDY_DATA)
    show_notice (self, _("Applied: the inputs are standardized from the next step on "
                         "(marked on the plots). The weights trained on the old scale "
                         "recover slowly, if at all: Reset now to restart from fresh "
                         "weights on the standardized data?"), TRUE);
  else if (what == REMEDY_NEEDS_RESET)
    show_notice (self, _("This remedy changes the network or its data: it takes effect "
                         "when the run starts again. Reset now?"), TRUE);
  else
    show_notice (self, _("Applied: the change takes effect at the next step and is "
                         "marked on the plots."), FALSE);
}

static void
remedy_clicked_cb (GtkButton          *button,
                   GradlabDoctorPanel *self)
{
  const GrFinding *f = g_object_get_data (G_OBJECT (button), "finding");
  RemedyCall *call;

  if (f == NULL || self->trainer == NULL)
    return;
  if (f->remedy.n_changes == 0 && f->remedy.probe[0] != '\0')
    {
      int kind = probe_from_name (f->remedy.probe);

      if (kind >= 0)
        gradlab_doctor_panel_run_probe (self, kind);
      return;
    }
  call = g_new0 (RemedyCall, 1);
  call->remedy = f->remedy;
  g_strlcpy (call->code, f->code, sizeof call->code);
  gradlab_trainer_call_on_worker_async (self->trainer, apply_remedy_call, call, g_free,
                                        NULL, remedy_done_cb, g_object_ref (self));
}

static void
notice_reset_cb (GtkButton          *button,
                 GradlabDoctorPanel *self)
{
  gtk_widget_set_visible (self->notice, FALSE);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.reset", NULL);
}

static void
notice_close_cb (GtkButton          *button,
                 GradlabDoctorPanel *self)
{
  gtk_widget_set_visible (self->notice, FALSE);
}

/* ----- Why ------------------------------------------------------------------ */

static gboolean
unflash_cb (gpointer data)
{
  GtkWidget *w = data;

  gtk_widget_remove_css_class (w, "doctor-why");
  return G_SOURCE_REMOVE;
}

static void
flash (GtkWidget *w)
{
  if (w == NULL || !gtk_widget_get_mapped (w))
    return;
  gtk_widget_add_css_class (w, "doctor-why");
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 2, unflash_cb, g_object_ref (w),
                              g_object_unref);
}

static void
why_clicked_cb (GtkButton          *button,
                GradlabDoctorPanel *self)
{
  const GrFinding *f = g_object_get_data (G_OBJECT (button), "finding");
  const FindingText *t;
  GtkWidget *loss, *strip, *health;
  g_autofree char *label = NULL;

  if (f == NULL || self->dashboard == NULL)
    return;
  t = finding_text (f->code);
  label = g_strdup_printf (_("why: %s"), t ? _(t->title) : f->code);
  /* The step range the evidence covers, as a pair of markers on the loss
   * chart; they stay until the charts are next cleared (a reset). */
  if ((loss = gradlab_dashboard_get_view (self->dashboard, GRADLAB_VIEW_LOSS)) != NULL)
    {
      gint64 a = f->range_start > 0 ? f->range_start : f->step;
      gint64 b = f->range_end > a ? f->range_end : f->last_step;

      gradlab_series_chart_add_marker (GRADLAB_SERIES_CHART (loss), (double) a, label);
      if (b > a)
        gradlab_series_chart_add_marker (GRADLAB_SERIES_CHART (loss), (double) b, "");
      flash (loss);
    }
  if (f->layer >= 0)
    {
      if ((health = gradlab_dashboard_get_view (self->dashboard, GRADLAB_VIEW_HEALTH)) != NULL)
        {
          gradlab_health_view_set_selected_layer (GRADLAB_HEALTH_VIEW (health), f->layer);
          flash (health);
        }
      if ((strip = gradlab_dashboard_get_view (self->dashboard, GRADLAB_VIEW_GRAD_STRIP)) != NULL)
        {
          gradlab_grad_strip_add_marker (GRADLAB_GRAD_STRIP (strip), (double) f->step, label);
          flash (strip);
        }
      if ((strip = gradlab_dashboard_get_view (self->dashboard, GRADLAB_VIEW_LAYER_BARS)) != NULL)
        flash (strip);
    }
}

/* ----- Cards ---------------------------------------------------------------- */

static char *
remedy_button_label (const GrRemedy *r)
{
  GString *s;

  if (r->n_changes == 0)
    {
      int kind = probe_from_name (r->probe);

      return kind >= 0 ? g_strdup_printf (_("Run: %s"), probe_title (kind)) : NULL;
    }
  s = g_string_new (_("Apply"));
  g_string_append (s, ": ");
  for (int i = 0; i < r->n_changes; i++)
    g_string_append_printf (s, "%s%s = %s", i ? ", " : "", r->changes[i].key,
                            r->changes[i].value);
  return g_string_free (s, FALSE);
}

static GtkWidget *
card_new (GradlabDoctorPanel *self,
          const GrFinding    *finding,
          gboolean            cleared)
{
  const FindingText *t = finding_text (finding->code);
  GrFinding *f = g_memdup2 (finding, sizeof *finding);
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *head = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon, *title, *step, *evidence, *text, *buttons;
  const char *icon_name = f->severity == GR_SEVERITY_ERROR ? "dialog-error-symbolic"
                          : f->severity == GR_SEVERITY_WARNING ? "dialog-warning-symbolic"
                          : "dialog-information-symbolic";
  g_autofree char *step_text = NULL;
  g_autofree char *remedy = NULL;

  g_object_set_data_full (G_OBJECT (card), "finding", f, g_free);
  g_object_set_data_full (G_OBJECT (card), "code", g_strdup (f->code), g_free);
  gtk_widget_add_css_class (card, "card");
  gtk_widget_add_css_class (card, "doctor-card");
  if (cleared)
    gtk_widget_add_css_class (card, "dim-label");

  icon = gtk_image_new_from_icon_name (cleared ? "object-select-symbolic" : icon_name);
  gtk_widget_add_css_class (icon, f->severity == GR_SEVERITY_ERROR ? "error"
                            : f->severity == GR_SEVERITY_WARNING ? "warning" : "accent");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  cleared ? _("Cleared")
                                  : f->severity == GR_SEVERITY_ERROR ? _("Error")
                                  : f->severity == GR_SEVERITY_WARNING ? _("Warning")
                                  : _("Information"), -1);
  title = gtk_label_new (t ? _(t->title) : f->code);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_add_css_class (title, "heading");
  if (cleared)
    step_text = g_strdup_printf (_("steps %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT ", cleared"),
                                 (gint64) f->step, (gint64) f->cleared_step);
  else
    step_text = g_strdup_printf (_("step %" G_GINT64_FORMAT), (gint64) f->step);
  step = gtk_label_new (step_text);
  gtk_widget_add_css_class (step, "caption");
  gtk_widget_add_css_class (step, "dim-label");
  gtk_box_append (GTK_BOX (head), icon);
  gtk_box_append (GTK_BOX (head), title);
  gtk_box_append (GTK_BOX (head), step);
  gtk_box_append (GTK_BOX (card), head);

  evidence = gtk_label_new (f->evidence);
  gtk_widget_set_name (evidence, "evidence");
  gtk_label_set_xalign (GTK_LABEL (evidence), 0);
  gtk_label_set_wrap (GTK_LABEL (evidence), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (evidence), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (evidence), TRUE);
  gtk_widget_add_css_class (evidence, "caption");
  gtk_widget_add_css_class (evidence, "monospace");
  gtk_box_append (GTK_BOX (card), evidence);

  if (cleared)
    return card;

  text = gtk_label_new (t ? _(t->explanation) : f->message);
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_box_append (GTK_BOX (card), text);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_top (buttons, 2);
  {
    GtkWidget *why = gtk_button_new_with_mnemonic (_("_Why?"));

    gtk_widget_set_name (why, "why");
    gtk_widget_set_tooltip_text (why, _("Highlight the plot region and layer this finding is about"));
    g_object_set_data (G_OBJECT (why), "finding", f);
    g_signal_connect (why, "clicked", G_CALLBACK (why_clicked_cb), self);
    gtk_box_append (GTK_BOX (buttons), why);
  }
  if ((remedy = remedy_button_label (&f->remedy)) != NULL)
    {
      GtkWidget *b = gtk_button_new_with_label (remedy);
      GtkWidget *label = gtk_button_get_child (GTK_BUTTON (b));

      gtk_widget_set_name (b, "remedy");
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (b, TRUE);
      gtk_widget_add_css_class (b, "suggested-action");
      gtk_widget_set_tooltip_text (b, f->remedy.label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (b), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      remedy, -1);
      g_object_set_data (G_OBJECT (b), "finding", f);
      g_signal_connect (b, "clicked", G_CALLBACK (remedy_clicked_cb), self);
      gtk_box_append (GTK_BOX (buttons), b);
    }
  gtk_box_append (GTK_BOX (card), buttons);
  if (f->remedy.needs_reset)
    {
      GtkWidget *note = gtk_label_new (_("Takes effect on Reset."));

      gtk_label_set_xalign (GTK_LABEL (note), 0);
      gtk_widget_add_css_class (note, "caption");
      gtk_widget_add_css_class (note, "dim-label");
      gtk_box_append (GTK_BOX (card), note);
    }
  return card;
}

static void
update_toggle (GradlabDoctorPanel *self,
               int                 max_severity)
{
  g_autofree char *text = NULL;
  GtkWidget *button = GTK_WIDGET (self->toggle);

  if (button == NULL)
    return;
  if (self->n_active > 0)
    text = g_strdup_printf (_("Doctor · %u"), self->n_active);
  gtk_label_set_label (self->toggle_label, text ? text : _("Doctor"));
  gtk_widget_remove_css_class (button, "error");
  gtk_widget_remove_css_class (button, "warning");
  if (max_severity == GR_SEVERITY_ERROR)
    gtk_widget_add_css_class (button, "error");
  else if (max_severity == GR_SEVERITY_WARNING)
    gtk_widget_add_css_class (button, "warning");
}

guint
gradlab_doctor_panel_refresh (GradlabDoctorPanel *self)
{
  GrDoctor *doctor;
  GrFinding active[MAX_SHOWN_ACTIVE];
  GtkWidget *child;
  int n = 0, n_log, shown_cleared = 0;
  guint64 serial;

  g_return_val_if_fail (GRADLAB_IS_DOCTOR_PANEL (self), 0);

  doctor = self->trainer ? gradlab_trainer_get_doctor (self->trainer) : NULL;
  serial = doctor ? gr_doctor_serial (doctor) : 0;
  if ((gpointer) doctor == self->doctor_seen && serial == self->serial_seen && doctor != NULL)
    return self->n_active;
  self->doctor_seen = doctor;
  self->serial_seen = serial;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  if (doctor != NULL)
    n = gr_doctor_copy_active (doctor, active, MAX_SHOWN_ACTIVE);
  for (int i = 0; i < n; i++)
    gtk_list_box_append (self->list, card_new (self, &active[i], FALSE));
  /* The findings that cleared, newest first. */
  n_log = doctor ? gr_doctor_n_log (doctor) : 0;
  for (int i = n_log - 1; i >= 0 && shown_cleared < MAX_SHOWN_CLEARED; i--)
    {
      GrFinding f;

      if (gr_doctor_copy_log (doctor, i, 1, &f) == 1 && f.cleared_step > 0)
        {
          gtk_list_box_append (self->list, card_new (self, &f, TRUE));
          shown_cleared++;
        }
    }
  self->n_active = (guint) n;
  if (n == 0)
    gtk_label_set_label (self->summary, shown_cleared > 0
                         ? _("Nothing wrong right now. Findings that cleared are dimmed below.")
                         : _("Nothing wrong so far. The doctor watches every step."));
  else
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%d finding, newest first.",
                                                         "%d findings, newest first.", n), n);

      gtk_label_set_label (self->summary, text);
    }
  update_toggle (self, doctor ? gr_doctor_max_severity (doctor) : -1);
  return self->n_active;
}

guint
gradlab_doctor_panel_get_n_active (GradlabDoctorPanel *self)
{
  g_return_val_if_fail (GRADLAB_IS_DOCTOR_PANEL (self), 0);
  return self->n_active;
}

static GtkWidget *
find_named (GtkWidget  *w,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (w), name) == 0)
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
gradlab_doctor_panel_get_card_part (GradlabDoctorPanel *self,
                                    const char         *code,
                                    const char         *part)
{
  g_return_val_if_fail (GRADLAB_IS_DOCTOR_PANEL (self), NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list)); row;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *card = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));

      if (card == NULL || gtk_widget_has_css_class (card, "dim-label"))
        continue;
      if (g_strcmp0 (g_object_get_data (G_OBJECT (card), "code"), code) == 0)
        return part ? find_named (card, part) : card;
    }
  return NULL;
}

/* ----- Probes ----------------------------------------------------------------- */

typedef struct
{
  GradlabProbeKind   kind;
  GrProbeRun         run;
  GrDataset         *train;          /* the probe's own copy */
  GrLossConfig       loss;
  GradlabDoctorPanel *panel;         /* ref, only touched on the main thread */
  int               *done;           /* into the panel, atomic */
  int               *total;
  GCancellable      *cancel;
  gint64             main_step;
  /* Results. */
  GrStatus           status;
  char               err[256];
  GrOverfitResult    overfit;
  GrShuffleResult    shuffle;
  GrLrRangeResult    lr;
  GrChanceBaseline   chance;
  gboolean           has_chance;
  GrInputStats       stats;
} ProbeJob;

static void
probe_job_free (ProbeJob *job)
{
  gr_dataset_free (job->train);
  g_clear_object (&job->panel);
  g_clear_object (&job->cancel);
  g_free (job);
}

/* Worker: copies what the probe needs from the run. */
static void
capture_call (GradlabTrainer *trainer,
              GrSession      *s,
              GTask          *task,
              gpointer        data)
{
  ProbeJob *job = data;
  const GrDataset *train = gr_session_train_data (s);
  g_autofree int *idx = g_new (int, MAX (train->n, 1));

  for (int i = 0; i < train->n; i++)
    idx[i] = i;
  gr_probe_run_from_session (s, &job->run);
  gr_session_loss_config (s, &job->loss);
  job->main_step = gr_session_step_count (s);
  job->train = gr_dataset_subset (train, idx, train->n);
  job->run.train = job->train;
  job->run.val = NULL;
  g_task_return_boolean (task, job->train != NULL);
}

static bool
probe_progress (int   done,
                int   total,
                void *user_data)
{
  ProbeJob *job = user_data;

  g_atomic_int_set (job->done, done);
  g_atomic_int_set (job->total, total);
  return !g_cancellable_is_cancelled (job->cancel);
}

static void
probe_thread (GTask        *task,
              gpointer      source,
              gpointer      data,
              GCancellable *cancellable)
{
  ProbeJob *job = data;

  switch (job->kind)
    {
    case GRADLAB_PROBE_OVERFIT:
      {
        GrOverfitOptions opt;

        gr_probe_overfit_defaults (&opt);
        job->status = gr_probe_overfit_batch (&job->run, &opt, &job->overfit, probe_progress,
                                              job, job->err, sizeof job->err);
      }
      break;
    case GRADLAB_PROBE_SHUFFLE:
      {
        GrShuffleOptions opt;

        gr_probe_shuffle_defaults (&opt);
        job->status = gr_probe_shuffle_control (&job->run, &opt, &job->shuffle, probe_progress,
                                                job, job->err, sizeof job->err);
      }
      break;
    case GRADLAB_PROBE_LR_RANGE:
      {
        GrLrRangeOptions opt;

        gr_probe_lr_range_defaults (&opt);
        job->status = gr_probe_lr_range (&job->run, &opt, &job->lr, probe_progress,
                                         job, job->err, sizeof job->err);
      }
      break;
    case GRADLAB_PROBE_CHANCE:
      job->has_chance = gr_probe_chance (job->train, &job->loss, &job->chance);
      job->status = GR_OK;
      break;
    case GRADLAB_PROBE_INPUT_SCALE:
      gr_probe_input_stats (job->train, &job->stats);
      job->status = GR_OK;
      break;
    case GRADLAB_N_PROBES:
    default:
      g_assert_not_reached ();
    }
  g_task_return_boolean (task, TRUE);
}

typedef struct
{
  gint64 step;
  bool   passed;
  float  initial, final;
  int    batch, steps;
} OverfitNote;

/* Worker: a failed overfit probe is a finding ("net-too-small"). */
static void
note_overfit_call (GradlabTrainer *trainer,
                   GrSession      *s,
                   GTask          *task,
                   gpointer        data)
{
  OverfitNote *n = data;
  GrDoctor *doctor = gradlab_trainer_get_doctor (trainer);

  if (doctor != NULL)
    gr_doctor_note_overfit_probe (doctor, n->step, n->passed, n->initial, n->final,
                                  n->batch, n->steps);
  g_task_return_boolean (task, TRUE);
}

static void
set_probe_busy (GradlabDoctorPanel *self,
                gboolean            busy)
{
  for (int i = 0; i < GRADLAB_N_PROBES; i++)
    gtk_widget_set_sensitive (self->probe_buttons[i], !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), busy);
  gtk_widget_set_visible (self->cancel, busy);
}

static void
chart_reset (GradlabDoctorPanel *self,
             const char         *title,
             const char         *x_label,
             const char         *y_label)
{
  GradlabSeriesChart *chart = GRADLAB_SERIES_CHART (self->chart);

  gradlab_series_chart_remove_all_series (chart);
  gradlab_series_chart_set_title (chart, title);
  gradlab_series_chart_set_x_label (chart, x_label);
  gradlab_series_chart_set_y_label (chart, y_label);
  gradlab_series_chart_set_smoothing (chart, 0.0);
  gtk_widget_set_visible (self->chart, TRUE);
}

static void
plot_steps (GradlabDoctorPanel *self,
            const char         *name,
            const char         *color,
            const float        *y,
            int                 n)
{
  GdkRGBA rgba;
  g_autofree double *x = g_new (double, MAX (n, 1));
  guint series;

  gdk_rgba_parse (&rgba, color);
  series = gradlab_series_chart_add_series (GRADLAB_SERIES_CHART (self->chart), name, &rgba,
                                            FALSE);
  for (int i = 0; i < n; i++)
    x[i] = i + 1;
  gradlab_series_chart_append_many (GRADLAB_SERIES_CHART (self->chart), series, x, y, n);
}

static void
probe_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ProbeJob *job = user_data;
  GradlabDoctorPanel *self = job->panel;
  g_autofree char *text = NULL;
  gboolean passed = FALSE;
  gboolean cancelled = g_cancellable_is_cancelled (job->cancel);

  g_task_propagate_boolean (G_TASK (result), NULL);
  if (self->disposed)
    {
      probe_job_free (job);
      return;
    }
  if (self->probe_cancel == job->cancel)
    g_clear_object (&self->probe_cancel);
  set_probe_busy (self, FALSE);

  if (cancelled)
    text = g_strdup_printf (_("%s: cancelled."), probe_title (job->kind));
  else if (job->status != GR_OK && job->status != GR_ERR_NONFINITE)
    text = g_strdup_printf (_("%s failed: %s"), probe_title (job->kind),
                            job->err[0] ? job->err : gr_status_to_string (job->status));
  else
    switch (job->kind)
      {
      case GRADLAB_PROBE_OVERFIT:
        {
          GrOverfitResult *r = &job->overfit;
          OverfitNote *note = g_new0 (OverfitNote, 1);
          GrOverfitOptions opt;

          gr_probe_overfit_defaults (&opt);
          passed = r->passed;
          text = g_strdup_printf (passed
                                  ? _("Overfit one batch: passed. On %d samples the loss fell "
                                      "from %.3g to %.3g in %d steps (accuracy %.0f %%): the "
                                      "network and the loss are wired correctly.")
                                  : _("Overfit one batch: failed. On %d samples the loss only "
                                      "went from %.3g to %.3g in %d steps (accuracy %.0f %%): "
                                      "the net is too small or something is broken."),
                                  opt.batch, r->initial_loss, r->final_loss, r->n_points,
                                  100.0 * r->final_acc);
          chart_reset (self, _("Overfit one batch"), _("probe step"), _("loss"));
          gradlab_series_chart_set_log_y (GRADLAB_SERIES_CHART (self->chart), TRUE);
          plot_steps (self, _("loss on one batch"), "#3584e4", r->loss, r->n_points);
          note->step = job->main_step;
          note->passed = r->passed;
          note->initial = r->initial_loss;
          note->final = r->final_loss;
          note->batch = opt.batch;
          note->steps = r->n_points;
          if (self->trainer != NULL)
            gradlab_trainer_call_on_worker_async (self->trainer, note_overfit_call, note,
                                                  g_free, NULL, NULL, NULL);
          else
            g_free (note);
        }
        break;
      case GRADLAB_PROBE_SHUFFLE:
        {
          GrShuffleResult *r = &job->shuffle;

          passed = r->learns;
          text = g_strdup_printf (r->learns
                                  ? _("Shuffled-label control: the real labels end at loss "
                                      "%.3g, the shuffled ones at %.3g (chance %.3g). The "
                                      "inputs do predict the labels.")
                                  : _("Shuffled-label control: the real labels end at loss "
                                      "%.3g, no better than the shuffled ones at %.3g (chance "
                                      "%.3g). The net finds little in the inputs that predicts "
                                      "the labels."),
                                  r->final_real, r->final_shuffled, r->chance);
          chart_reset (self, _("Real against shuffled labels"), _("probe step"), _("loss"));
          gradlab_series_chart_set_log_y (GRADLAB_SERIES_CHART (self->chart), FALSE);
          plot_steps (self, _("real labels"), "#3584e4", r->loss_real, r->n_points);
          plot_steps (self, _("shuffled labels"), "#e66100", r->loss_shuffled, r->n_points);
        }
        break;
      case GRADLAB_PROBE_LR_RANGE:
        {
          GrLrRangeResult *r = &job->lr;
          g_autofree double *x = g_new (double, MAX (r->n_points, 1));
          g_autofree float *raw_y = g_new (float, MAX (r->n_points, 1));
          g_autofree char *mark = NULL;
          GradlabSeriesChart *chart = GRADLAB_SERIES_CHART (self->chart);
          GdkRGBA blue, grey;
          guint raw, smooth;

          passed = isfinite (r->suggested) && r->suggested > 0;
          text = g_strdup_printf (_("LR range test: the smoothed loss falls fastest at "
                                    "lr %.2g and is lowest at %.2g. Suggested learning rate: "
                                    "%.2g."), r->lr_steepest, r->lr_at_min, r->suggested);
          chart_reset (self, _("Loss against learning rate"),
                       _("log₁₀ learning rate"), _("loss"));
          gradlab_series_chart_set_log_y (chart, FALSE);
          gdk_rgba_parse (&grey, "rgba(53,132,228,0.35)");
          gdk_rgba_parse (&blue, "#3584e4");
          raw = gradlab_series_chart_add_series (chart, _("batch loss"), &grey, FALSE);
          smooth = gradlab_series_chart_add_series (chart, _("smoothed"), &blue, FALSE);
          for (int i = 0; i < r->n_points; i++)
            {
              x[i] = log10 (r->lr[i]);
              /* The raw losses past the blow-up would squash the curve:
               * leave out those above twice the starting loss. */
              raw_y[i] = r->loss[i] <= 2.0f * r->smooth[0] ? r->loss[i] : NAN;
            }
          gradlab_series_chart_append_many (chart, raw, x, raw_y, r->n_points);
          gradlab_series_chart_append_many (chart, smooth, x, r->smooth, r->n_points);
          if (passed)
            {
              mark = g_strdup_printf (_("suggested %.2g"), r->suggested);
              gradlab_series_chart_add_marker (chart, log10 (r->suggested), mark);
            }
        }
        break;
      case GRADLAB_PROBE_CHANCE:
        passed = job->has_chance;
        text = job->has_chance
               ? g_strdup_printf (_("Chance baseline: predicting the class frequencies "
                                    "without looking at the inputs gives loss %.3g and "
                                    "accuracy %.1f %% (%d classes). A loss stuck near %.3g "
                                    "means nothing was learned."),
                                  job->chance.loss, 100.0 * job->chance.acc,
                                  job->chance.n_classes, job->chance.loss)
               : g_strdup (_("Chance baseline: not defined for regression."));
        gtk_widget_set_visible (self->chart, FALSE);
        break;
      case GRADLAB_PROBE_INPUT_SCALE:
        {
          GrInputStats *st = &job->stats;

          passed = st->rms > 0.1f && st->rms < 10.0f;
          text = g_strdup_printf (_("Input scale: mean %.3g, std %.3g, RMS %.3g, range "
                                    "%.3g … %.3g over %d features; per-feature std from "
                                    "%.3g to %.3g. %s"),
                                  st->mean, st->std, st->rms, st->min, st->max,
                                  st->n_features, st->min_feat_std, st->max_feat_std,
                                  passed ? _("That is near unit scale.")
                                  : _("That is far from unit scale: standardize the inputs."));
          gtk_widget_set_visible (self->chart, FALSE);
        }
        break;
      case GRADLAB_N_PROBES:
      default:
        g_assert_not_reached ();
      }

  g_free (self->probe_result);
  self->probe_result = g_strdup (text);
  self->probe_passed = passed;
  gtk_label_set_label (self->probe_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->probe_label), TRUE);
  probe_job_free (job);
}

static void
capture_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ProbeJob *job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;

  if (job->panel->disposed)
    {
      probe_job_free (job);
      return;
    }
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      GradlabDoctorPanel *self = job->panel;
      g_autofree char *text = g_strdup_printf (_("%s failed: %s"), probe_title (job->kind),
                                               error ? error->message : _("out of memory"));

      set_probe_busy (self, FALSE);
      g_clear_object (&self->probe_cancel);
      gtk_label_set_label (self->probe_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->probe_label), TRUE);
      probe_job_free (job);
      return;
    }
  task = g_task_new (NULL, NULL, probe_done_cb, job);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, probe_thread);
}

void
gradlab_doctor_panel_run_probe (GradlabDoctorPanel *self,
                                GradlabProbeKind    kind)
{
  ProbeJob *job;
  g_autofree char *text = NULL;

  g_return_if_fail (GRADLAB_IS_DOCTOR_PANEL (self));
  g_return_if_fail (kind < GRADLAB_N_PROBES);

  if (self->probe_cancel != NULL || self->trainer == NULL)
    return;
  job = g_new0 (ProbeJob, 1);
  job->kind = kind;
  job->panel = g_object_ref (self);
  job->cancel = g_cancellable_new ();
  job->done = &self->probe_done;
  job->total = &self->probe_total;
  self->probe_cancel = g_object_ref (job->cancel);
  self->probe_kind = kind;
  g_atomic_int_set (&self->probe_done, 0);
  g_atomic_int_set (&self->probe_total, 0);
  set_probe_busy (self, TRUE);
  gtk_progress_bar_set_fraction (self->progress, 0.0);
  text = g_strdup_printf (_("%s: running on a copy of the run…"), probe_title (kind));
  gtk_label_set_label (self->probe_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->probe_label), TRUE);
  g_clear_pointer (&self->probe_result, g_free);
  gradlab_trainer_call_on_worker_async (self->trainer, capture_call, job, NULL, NULL,
                                        capture_done_cb, job);
}

void
gradlab_doctor_panel_cancel_probe (GradlabDoctorPanel *self)
{
  g_return_if_fail (GRADLAB_IS_DOCTOR_PANEL (self));
  if (self->probe_cancel != NULL)
    g_cancellable_cancel (self->probe_cancel);
}

gboolean
gradlab_doctor_panel_probe_running (GradlabDoctorPanel *self)
{
  g_return_val_if_fail (GRADLAB_IS_DOCTOR_PANEL (self), FALSE);
  return self->probe_cancel != NULL;
}

const char *
gradlab_doctor_panel_get_probe_result (GradlabDoctorPanel *self,
                                       gboolean           *passed)
{
  g_return_val_if_fail (GRADLAB_IS_DOCTOR_PANEL (self), NULL);
  if (passed != NULL)
    *passed = self->probe_passed;
  return self->probe_result;
}

GtkWidget *
gradlab_doctor_panel_get_probe_chart (GradlabDoctorPanel *self)
{
  g_return_val_if_fail (GRADLAB_IS_DOCTOR_PANEL (self), NULL);
  return self->chart;
}

static void
probe_clicked_cb (GtkButton          *button,
                  GradlabDoctorPanel *self)
{
  gradlab_doctor_panel_run_probe (self, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button),
                                                                            "probe")));
}

static void
cancel_clicked_cb (GtkButton          *button,
                   GradlabDoctorPanel *self)
{
  gradlab_doctor_panel_cancel_probe (self);
}

/* ----- Tick, presets, setup ------------------------------------------------------ */

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  GradlabDoctorPanel *self = GRADLAB_DOCTOR_PANEL (user_data);
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (now - self->last_tick < TICK_INTERVAL_US)
    return G_SOURCE_CONTINUE;
  self->last_tick = now;
  gradlab_doctor_panel_refresh (self);
  if (self->probe_cancel != NULL)
    {
      int done = g_atomic_int_get (&self->probe_done);
      int total = g_atomic_int_get (&self->probe_total);

      if (total > 0)
        gtk_progress_bar_set_fraction (self->progress, (double) done / total);
      else
        gtk_progress_bar_pulse (self->progress);
    }
  return G_SOURCE_CONTINUE;
}

static void
preset_selected_cb (GtkDropDown        *dropdown,
                    GParamSpec         *pspec,
                    GradlabDoctorPanel *self)
{
  guint i = gtk_drop_down_get_selected (dropdown);
  const char *name;

  if (self->switching || i == GTK_INVALID_LIST_POSITION)
    return;
  name = gtk_string_list_get_string (self->preset_names, i);
  if (name != NULL)
    g_signal_emit (self, signals[SIGNAL_LOAD_PRESET], 0, name);
}

static void
fill_presets (GradlabDoctorPanel *self)
{
  g_autoptr (GPtrArray) presets = gradlab_experiment_list_presets (NULL);

  if (presets == NULL)
    return;
  for (guint i = 0; i < presets->len; i++)
    {
      GradlabPresetInfo *info = g_ptr_array_index (presets, i);

      if (g_str_has_prefix (info->name, "stuck-"))
        gtk_string_list_append (self->preset_names, info->name);
    }
  /* A healthy run to compare with. */
  gtk_string_list_append (self->preset_names, "digits-mlp");
}

static GtkWidget *
section_label (const char *text)
{
  GtkWidget *l = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_widget_add_css_class (l, "heading");
  gtk_widget_set_margin_top (l, 6);
  return l;
}

static void
gradlab_doctor_panel_dispose (GObject *object)
{
  GradlabDoctorPanel *self = GRADLAB_DOCTOR_PANEL (object);

  if (self->probe_cancel != NULL)
    g_cancellable_cancel (self->probe_cancel);
  g_clear_object (&self->probe_cancel);
  self->disposed = TRUE;
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (self->tick_widget, self->tick_id);
      self->tick_id = 0;
    }
  g_clear_object (&self->tick_widget);
  self->trainer = NULL;
  self->dashboard = NULL;
  G_OBJECT_CLASS (gradlab_doctor_panel_parent_class)->dispose (object);
}

static void
gradlab_doctor_panel_finalize (GObject *object)
{
  GradlabDoctorPanel *self = GRADLAB_DOCTOR_PANEL (object);

  g_free (self->probe_result);
  G_OBJECT_CLASS (gradlab_doctor_panel_parent_class)->finalize (object);
}

static void
gradlab_doctor_panel_class_init (GradlabDoctorPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gradlab_doctor_panel_dispose;
  object_class->finalize = gradlab_doctor_panel_finalize;
  gtk_widget_class_set_css_name (widget_class, "doctorpanel");

  /**
   * GradlabDoctorPanel::load-preset:
   * @name: the preset chosen in the doctor lab's picker
   */
  signals[SIGNAL_LOAD_PRESET] =
    g_signal_new ("load-preset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
gradlab_doctor_panel_init (GradlabDoctorPanel *self)
{
  GtkBox *box = GTK_BOX (self);
  GtkWidget *w, *grid, *row, *title;
  static gboolean css_done;

  if (!css_done && gdk_display_get_default () != NULL)
    {
      g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();

      gtk_css_provider_load_from_data (css,
        ".doctor-why { outline: 3px solid @accent_color; outline-offset: -3px; }\n"
        "doctorpanel .doctor-card { padding: 8px; }\n"
        "doctorpanel list { background: none; }\n"
        "doctorpanel .probe-button { padding-left: 6px; padding-right: 6px; }\n", -1);
      gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                  GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      css_done = TRUE;
    }

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (box, 6);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 10);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 10);
  gtk_widget_set_margin_top (GTK_WIDGET (self), 8);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 10);

  title = gtk_label_new (_("Doctor"));
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "title-4");
  gtk_box_append (box, title);

  /* Doctor lab only: which fault to load. */
  self->lab_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  self->preset_names = gtk_string_list_new (NULL);
  fill_presets (self);
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  w = gtk_label_new_with_mnemonic (_("_Fault preset"));
  gtk_box_append (GTK_BOX (row), w);
  self->presets = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (self->preset_names), NULL));
  gtk_label_set_mnemonic_widget (GTK_LABEL (w), GTK_WIDGET (self->presets));
  gtk_widget_set_hexpand (GTK_WIDGET (self->presets), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->presets), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Fault preset"), -1);
  g_signal_connect (self->presets, "notify::selected", G_CALLBACK (preset_selected_cb), self);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->presets));
  gtk_box_append (GTK_BOX (self->lab_box), row);
  gtk_widget_set_visible (self->lab_box, FALSE);
  gtk_box_append (box, self->lab_box);

  self->summary = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->summary, 0);
  gtk_label_set_wrap (self->summary, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->summary), "dim-label");
  gtk_box_append (box, GTK_WIDGET (self->summary));

  /* Needs-reset and error notices for remedies. */
  self->notice = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_add_css_class (self->notice, "card");
  gtk_widget_add_css_class (self->notice, "doctor-card");
  self->notice_label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_wrap (self->notice_label, TRUE);
  gtk_label_set_xalign (self->notice_label, 0);
  gtk_box_append (GTK_BOX (self->notice), GTK_WIDGET (self->notice_label));
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  w = gtk_button_new_with_mnemonic (_("_Reset now"));
  gtk_widget_add_css_class (w, "suggested-action");
  g_signal_connect (w, "clicked", G_CALLBACK (notice_reset_cb), self);
  g_object_set_data (G_OBJECT (self->notice), "reset", w);
  gtk_box_append (GTK_BOX (row), w);
  w = gtk_button_new_with_mnemonic (_("_Dismiss"));
  g_signal_connect (w, "clicked", G_CALLBACK (notice_close_cb), self);
  gtk_box_append (GTK_BOX (row), w);
  gtk_box_append (GTK_BOX (self->notice), row);
  gtk_widget_set_visible (self->notice, FALSE);
  gtk_box_append (box, self->notice);

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Findings"), -1);
  gtk_box_append (box, GTK_WIDGET (self->list));

  /* Probes. */
  gtk_box_append (box, section_label (_("Probes")));
  w = gtk_label_new (_("Each probe trains a copy of the run on the side; the run itself "
                       "is left as it is."));
  gtk_label_set_wrap (GTK_LABEL (w), TRUE);
  gtk_label_set_xalign (GTK_LABEL (w), 0);
  gtk_widget_add_css_class (w, "caption");
  gtk_widget_add_css_class (w, "dim-label");
  gtk_box_append (box, w);
  grid = gtk_grid_new ();
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 4);
  for (int i = 0; i < GRADLAB_N_PROBES; i++)
    {
      GtkWidget *label = gtk_label_new (probe_title (i));

      /* Two a row in a narrow panel: let long titles wrap. */
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
      self->probe_buttons[i] = gtk_button_new ();
      gtk_button_set_child (GTK_BUTTON (self->probe_buttons[i]), label);
      gtk_widget_add_css_class (self->probe_buttons[i], "probe-button");
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->probe_buttons[i]),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, probe_title (i), -1);
      g_object_set_data (G_OBJECT (self->probe_buttons[i]), "probe", GINT_TO_POINTER (i));
      g_signal_connect (self->probe_buttons[i], "clicked", G_CALLBACK (probe_clicked_cb), self);
      gtk_grid_attach (GTK_GRID (grid), self->probe_buttons[i], i % 2, i / 2, 1, 1);
    }
  gtk_box_append (box, grid);

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->progress), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->progress), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->progress));
  self->cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  g_signal_connect (self->cancel, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  gtk_box_append (GTK_BOX (row), self->cancel);
  gtk_box_append (box, row);
  set_probe_busy (self, FALSE);

  self->probe_label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_wrap (self->probe_label, TRUE);
  gtk_label_set_xalign (self->probe_label, 0);
  gtk_label_set_selectable (self->probe_label, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->probe_label), FALSE);
  gtk_box_append (box, GTK_WIDGET (self->probe_label));

  self->chart = gradlab_series_chart_new ();
  gtk_widget_set_size_request (self->chart, -1, 200);
  gtk_widget_set_visible (self->chart, FALSE);
  gtk_box_append (box, self->chart);

}

GradlabDoctorPanel *
gradlab_doctor_panel_new (void)
{
  return g_object_new (GRADLAB_TYPE_DOCTOR_PANEL, NULL);
}

void
gradlab_doctor_panel_install (GradlabDoctorPanel *self,
                              GradlabTrainer     *trainer,
                              GradlabDashboard   *dashboard,
                              GtkWidget          *header_child)
{
  GtkWidget *paned, *box, *scroller, *header, *content;

  g_return_if_fail (GRADLAB_IS_DOCTOR_PANEL (self));
  g_return_if_fail (GRADLAB_IS_TRAINER (trainer));

  self->trainer = trainer;
  self->dashboard = dashboard;

  /* Dashboard | revealer (scrolled panel), in place of the dashboard. */
  paned = gtk_widget_get_parent (GTK_WIDGET (dashboard));
  g_return_if_fail (GTK_IS_PANED (paned));
  g_object_ref (dashboard);
  gtk_paned_set_end_child (GTK_PANED (paned), NULL);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (dashboard), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (dashboard));
  g_object_unref (dashboard);

  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self));
  gtk_widget_set_size_request (scroller, 280, -1);
  gtk_widget_add_css_class (scroller, "view");
  self->revealer = gtk_revealer_new ();
  gtk_revealer_set_transition_type (GTK_REVEALER (self->revealer),
                                    GTK_REVEALER_TRANSITION_TYPE_SLIDE_LEFT);
  content = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_append (GTK_BOX (content), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (content), scroller);
  gtk_revealer_set_child (GTK_REVEALER (self->revealer), content);
  gtk_box_append (GTK_BOX (box), self->revealer);
  gtk_paned_set_end_child (GTK_PANED (paned), box);

  /* The header button with the count of active findings. */
  header = header_child ? gtk_widget_get_ancestor (header_child, ADW_TYPE_HEADER_BAR) : NULL;
  if (header != NULL)
    {
      GtkWidget *inner = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

      self->toggle = GTK_TOGGLE_BUTTON (gtk_toggle_button_new ());
      gtk_box_append (GTK_BOX (inner), gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
      self->toggle_label = GTK_LABEL (gtk_label_new (_("Doctor")));
      gtk_box_append (GTK_BOX (inner), GTK_WIDGET (self->toggle_label));
      gtk_button_set_child (GTK_BUTTON (self->toggle), inner);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->toggle),
                                   _("Show the doctor: findings about this run, and probes"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->toggle),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Doctor"), -1);
      g_object_bind_property (self->toggle, "active", self->revealer, "reveal-child",
                              G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
      adw_header_bar_pack_end (ADW_HEADER_BAR (header), GTK_WIDGET (self->toggle));
    }
  /* The badge must follow the run while the panel is hidden (and so
   * unmapped): tick on the header button when there is one. */
  self->tick_widget = g_object_ref (self->toggle ? GTK_WIDGET (self->toggle) : GTK_WIDGET (self));
  self->tick_id = gtk_widget_add_tick_callback (self->tick_widget, tick_cb, self, NULL);
  gradlab_doctor_panel_refresh (self);
}

void
gradlab_doctor_panel_set_lab_mode (GradlabDoctorPanel *self,
                                   gboolean            lab_mode)
{
  g_return_if_fail (GRADLAB_IS_DOCTOR_PANEL (self));

  gtk_widget_set_visible (self->lab_box, lab_mode);
  if (!lab_mode && self->lab_mode && self->toggle != NULL)
    gtk_toggle_button_set_active (self->toggle, FALSE);
  self->lab_mode = lab_mode;
  if (lab_mode)
    {
      if (self->toggle != NULL)
        gtk_toggle_button_set_active (self->toggle, TRUE);
      else if (self->revealer != NULL)
        gtk_revealer_set_reveal_child (GTK_REVEALER (self->revealer), TRUE);
    }
}

void
gradlab_doctor_panel_select_preset (GradlabDoctorPanel *self,
                                    const char         *name)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->preset_names));

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->preset_names, i), name) == 0)
      {
        self->switching = TRUE;
        gtk_drop_down_set_selected (self->presets, i);
        self->switching = FALSE;
      }
}
