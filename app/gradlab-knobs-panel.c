/* gradlab-knobs-panel.c: the live knobs of a run, as preference rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each knob is one row: a slider with a typed entry (a spin button on the
 * same adjustment) beside it, a switch, a drop-down or a text entry.
 * Values travel as the engine's text form ("0.01", "adam", "true"), so
 * the same strings go to gr_session_set_knob (), experiment files and the
 * event markers. A dragged slider would emit dozens of values a second;
 * the first change goes out at once and the rest are coalesced to one
 * every RATE_MS, so a drag becomes a handful of events, not hundreds.
 */

#include "gradlab-knobs-panel.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define RATE_MS 150

static const char *const opt_values[] = { "sgd", "momentum", "nesterov", "adam", "adamw", NULL };
static const char *const opt_labels[] = {
  N_("SGD"), N_("Momentum"), N_("Nesterov"), N_("Adam"), N_("AdamW"), NULL
};
static const char *const act_values[] = {
  "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "identity", NULL
};
static const char *const act_labels[] = {
  N_("Sigmoid"), N_("Tanh"), N_("ReLU"), N_("Leaky ReLU"), N_("ELU"), N_("GELU"),
  N_("Identity (linear)"), NULL
};
static const char *const init_values[] = { "normal", "uniform", "xavier", "he", NULL };
static const char *const init_labels[] = {
  N_("Normal (σ)"), N_("Uniform (±σ)"), N_("Xavier"), N_("He"), NULL
};
static const char *const loss_values[] = { "ce", "mse", "bce", "focal", "dice", "ce_dice", NULL };
static const char *const loss_labels[] = {
  N_("Cross-entropy"), N_("Mean squared error"), N_("Binary cross-entropy"),
  N_("Focal"), N_("Dice"), N_("Cross-entropy + Dice"), NULL
};
static const char *const weighting_values[] = { "none", "inverse", "median", "custom", NULL };
static const char *const weighting_labels[] = {
  N_("None"), N_("Inverse frequency"), N_("Median frequency"), N_("Custom"), NULL
};
static const char *const toy_values[] = { "spiral", "circles", "xor", "gauss", NULL };
static const char *const toy_labels[] = {
  N_("Spiral"), N_("Circles"), N_("XOR"), N_("Two Gaussians"), NULL
};
static const char *const feature_values[] = {
  "x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)", NULL
};
static const char *const feature_labels[] = {
  N_("x₁"), N_("x₂"), N_("x₁²"), N_("x₂²"), N_("x₁·x₂"), N_("sin πx₁"), N_("sin πx₂"), NULL
};

#define SLIDER(k, t, g, ty, l, h, s, d, sc, tip) \
  { .key = k, .title = t, .group = g, .type = ty, .lo = l, .hi = h, .step = s, .digits = d, \
    .scope = sc, .tooltip = tip }
#define CHOICE(k, t, g, v, lab, sc, tip) \
  { .key = k, .title = t, .group = g, .type = GRADLAB_KNOB_CHOICE, .choices = v, \
    .choice_labels = lab, .scope = sc, .tooltip = tip }

static const GradlabKnobDesc knob_table[] = {
  /* Training */
  CHOICE ("optimizer", N_("Optimizer"), "training", opt_values, opt_labels, GRADLAB_KNOB_LIVE,
          N_("The update rule; switching keeps Adam's moment estimates")),
  SLIDER ("lr", N_("Learning rate"), "training", GRADLAB_KNOB_LOG, 1e-5, 10.0, 0.05, 0,
          GRADLAB_KNOB_LIVE, N_("Step size of every update (logarithmic slider)")),
  SLIDER ("momentum", N_("Momentum"), "training", GRADLAB_KNOB_LINEAR, 0.0, 0.99, 0.01, 2,
          GRADLAB_KNOB_LIVE, N_("Velocity kept from step to step (Momentum and Nesterov)")),
  SLIDER ("batch_size", N_("Batch size"), "training", GRADLAB_KNOB_INT, 1, 256, 1, 0,
          GRADLAB_KNOB_LIVE, N_("Samples per step")),
  SLIDER ("clip_norm", N_("Clip gradient norm"), "training", GRADLAB_KNOB_LOG0, 1e-2, 100.0,
          0.05, 0, GRADLAB_KNOB_LIVE, N_("Rescale the gradient when its norm exceeds this; 0 is off")),
  /* Regularization */
  SLIDER ("dropout", N_("Dropout p"), "regularization", GRADLAB_KNOB_LINEAR, 0.0, 0.9, 0.05, 2,
          GRADLAB_KNOB_LIVE, N_("Share of hidden units dropped at each training step")),
  SLIDER ("l2", N_("L2 in the loss"), "regularization", GRADLAB_KNOB_LOG0, 1e-5, 1.0, 0.05, 0,
          GRADLAB_KNOB_LIVE, N_("Adds λ/2·‖w‖² to the loss, so λ·w to the gradient")),
  SLIDER ("weight_decay", N_("Weight decay"), "regularization", GRADLAB_KNOB_LOG0, 1e-5, 1.0,
          0.05, 0, GRADLAB_KNOB_LIVE,
          N_("Shrinks weights by lr·λ·w after each update, outside the optimizer")),
  SLIDER ("input_noise", N_("Input noise σ"), "regularization", GRADLAB_KNOB_LOG0, 1e-3, 1.0,
          0.05, 0, GRADLAB_KNOB_LIVE, N_("Gaussian noise added to every training input")),
  SLIDER ("data.train_subset", N_("Training share"), "regularization", GRADLAB_KNOB_LINEAR,
          0.05, 1.0, 0.05, 2, GRADLAB_KNOB_REBUILD,
          N_("Share of the training split the run may use")),
  /* Network */
  CHOICE ("activation", N_("Activation"), "network", act_values, act_labels, GRADLAB_KNOB_LIVE,
          N_("Non-linearity of every hidden layer, switched live")),
  { .key = "batch_norm", .title = N_("Batch normalization"), .group = "network",
    .type = GRADLAB_KNOB_SWITCH, .scope = GRADLAB_KNOB_LIVE,
    .tooltip = N_("Normalize each hidden layer over the batch; off bypasses the BN layers") },
  CHOICE ("init", N_("Initialization"), "network", init_values, init_labels,
          GRADLAB_KNOB_SESSION_RESET, N_("How weights are drawn when the run is reset")),
  SLIDER ("init_sigma", N_("Init σ"), "network", GRADLAB_KNOB_LOG, 1e-3, 10.0, 0.05, 0,
          GRADLAB_KNOB_SESSION_RESET, N_("Scale of the Normal and Uniform initializations")),
  SLIDER ("model.depth", N_("Hidden layers"), "network", GRADLAB_KNOB_INT, 1, 30, 1, 0,
          GRADLAB_KNOB_REBUILD, N_("Number of hidden layers")),
  SLIDER ("model.width", N_("Units per layer"), "network", GRADLAB_KNOB_INT, 1, 128, 1, 0,
          GRADLAB_KNOB_REBUILD, N_("Units in each hidden layer")),
  { .key = "model.residual", .title = N_("Residual shortcuts"), .group = "network",
    .type = GRADLAB_KNOB_SWITCH, .scope = GRADLAB_KNOB_REBUILD,
    .tooltip = N_("Add the input of each hidden block to its output (y = x + f(x))") },
  /* Loss */
  CHOICE ("loss", N_("Loss"), "loss", loss_values, loss_labels, GRADLAB_KNOB_LIVE,
          N_("What the network minimizes")),
  CHOICE ("weighting", N_("Class weighting"), "loss", weighting_values, weighting_labels,
          GRADLAB_KNOB_LIVE, N_("Weights of the classes in the cross-entropy")),
  { .key = "class_weights", .title = N_("Class weights"), .group = "loss",
    .type = GRADLAB_KNOB_TEXT, .scope = GRADLAB_KNOB_LIVE,
    .tooltip = N_("Comma-separated weights, one per class (weighting: custom)") },
  SLIDER ("focal_gamma", N_("Focal γ"), "loss", GRADLAB_KNOB_LINEAR, 0.0, 5.0, 0.1, 1,
          GRADLAB_KNOB_LIVE, N_("Down-weights easy examples by (1 − p)^γ")),
  SLIDER ("dice_mix", N_("Dice share"), "loss", GRADLAB_KNOB_LINEAR, 0.0, 1.0, 0.05, 2,
          GRADLAB_KNOB_LIVE, N_("Share of Dice in the cross-entropy + Dice loss")),
  { .key = "focal_alpha", .title = N_("Focal α"), .group = "loss",
    .type = GRADLAB_KNOB_TEXT, .scope = GRADLAB_KNOB_LIVE,
    .tooltip = N_("Comma-separated per-class α of the focal loss; empty for none") },
  /* Data */
  CHOICE ("data.name", N_("Data set"), "data", toy_values, toy_labels, GRADLAB_KNOB_REBUILD,
          N_("Which two-class problem to learn")),
  SLIDER ("data.noise", N_("Noise"), "data", GRADLAB_KNOB_LINEAR, 0.0, 1.0, 0.05, 2,
          GRADLAB_KNOB_REBUILD, N_("Jitter of the points")),
  SLIDER ("data.val_share", N_("Validation share"), "data", GRADLAB_KNOB_LINEAR, 0.1, 0.9,
          0.05, 2, GRADLAB_KNOB_REBUILD, N_("Share of the points held out for validation")),
  SLIDER ("data.rare_share", N_("Rare-class share (on Reset)"), "data", GRADLAB_KNOB_LOG,
          0.005, 0.5, 0.05, 0, GRADLAB_KNOB_REBUILD,
          N_("Share of the synthetic images' pixels that belong to objects; regenerates the "
             "data, so it applies on Reset")),
  { .key = "data.features", .title = N_("Input features"), .group = "data",
    .type = GRADLAB_KNOB_FLAGS, .choices = feature_values, .choice_labels = feature_labels,
    .scope = GRADLAB_KNOB_REBUILD, .tooltip = N_("What the network sees of each point") },
};

static const struct
{
  const char *id;
  const char *title;
} groups[] = {
  { "training", N_("Training") },
  { "regularization", N_("Regularization") },
  { "network", N_("Network") },
  { "loss", N_("Loss") },
  { "data", N_("Data") },
};

const GradlabKnobDesc *
gradlab_knob_desc_lookup (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (knob_table); i++)
    if (g_str_equal (knob_table[i].key, key))
      return &knob_table[i];
  return NULL;
}

typedef struct _KnobRow KnobRow;

struct _GradlabKnobsPanel
{
  AdwBin      parent_instance;

  GtkWidget  *page;
  GHashTable *rows;      /* key -> KnobRow */
  gboolean    updating;  /* set_value in progress: do not emit */
};

struct _KnobRow
{
  GradlabKnobsPanel     *panel;   /* unowned */
  const GradlabKnobDesc *desc;
  GtkWidget             *row;
  GtkWidget             *scale;
  GtkWidget             *spin;
  GtkWidget             *toggle;
  GtkWidget             *checks[8];
  GtkWidget             *subtitle_label;   /* slider rows */
  GtkAdjustment         *adj;
  char                  *value;
  char                  *subtitle;
  gint64                 last_emit;
  guint                  timeout_id;
};

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (GradlabKnobsPanel, gradlab_knobs_panel, ADW_TYPE_BIN)

static void
knob_row_free (gpointer data)
{
  KnobRow *kr = data;

  g_clear_handle_id (&kr->timeout_id, g_source_remove);
  g_free (kr->value);
  g_free (kr->subtitle);
  g_free (kr);
}

/* Rounds to three significant digits, the precision a slider position
 * means; typed values keep theirs. */
static double
round_sig (double v,
           int    digits)
{
  double m;

  if (v == 0.0 || !isfinite (v))
    return v;
  m = pow (10.0, digits - 1 - (int) floor (log10 (fabs (v))));
  return round (v * m) / m;
}

static char *
format_number (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", v));
}

/* Slider position (adjustment units) to the value it means. */
static double
adj_to_value (const GradlabKnobDesc *d,
              double                 a)
{
  switch (d->type)
    {
    case GRADLAB_KNOB_LOG:
      return round_sig (pow (10.0, a), 3);
    case GRADLAB_KNOB_LOG0:
      if (a <= log10 (d->lo) - d->step * 0.5)
        return 0.0;
      return round_sig (pow (10.0, a), 3);
    case GRADLAB_KNOB_INT:
      return round (a);
    case GRADLAB_KNOB_LINEAR:
      {
        double m = pow (10.0, d->digits);

        return round (a * m) / m;
      }
    case GRADLAB_KNOB_SWITCH:
    case GRADLAB_KNOB_CHOICE:
    case GRADLAB_KNOB_FLAGS:
    case GRADLAB_KNOB_TEXT:
    default:
      return a;
    }
}

static double
value_to_adj (const GradlabKnobDesc *d,
              double                 v)
{
  switch (d->type)
    {
    case GRADLAB_KNOB_LOG:
      return log10 (MAX (v, 1e-30));
    case GRADLAB_KNOB_LOG0:
      if (v <= 0.0)
        return log10 (d->lo) - d->step;
      return log10 (v);
    case GRADLAB_KNOB_INT:
    case GRADLAB_KNOB_LINEAR:
    case GRADLAB_KNOB_SWITCH:
    case GRADLAB_KNOB_CHOICE:
    case GRADLAB_KNOB_FLAGS:
    case GRADLAB_KNOB_TEXT:
    default:
      return v;
    }
}

static char *
slider_text (KnobRow *kr)
{
  double v = adj_to_value (kr->desc, gtk_adjustment_get_value (kr->adj));

  if (kr->desc->type == GRADLAB_KNOB_LOG0 && v == 0.0)
    return g_strdup (_("off"));
  if (kr->desc->type == GRADLAB_KNOB_INT)
    return g_strdup_printf ("%d", (int) v);
  if (kr->desc->type == GRADLAB_KNOB_LINEAR)
    return g_strdup_printf ("%.*f", kr->desc->digits, v);
  return g_strdup_printf ("%.3g", v);
}

static char *
current_value (KnobRow *kr)
{
  const GradlabKnobDesc *d = kr->desc;

  switch (d->type)
    {
    case GRADLAB_KNOB_LOG:
    case GRADLAB_KNOB_LOG0:
    case GRADLAB_KNOB_LINEAR:
      return format_number (adj_to_value (d, gtk_adjustment_get_value (kr->adj)));
    case GRADLAB_KNOB_INT:
      return g_strdup_printf ("%d", (int) adj_to_value (d, gtk_adjustment_get_value (kr->adj)));
    case GRADLAB_KNOB_SWITCH:
      return g_strdup (gtk_switch_get_active (GTK_SWITCH (kr->toggle)) ? "true" : "false");
    case GRADLAB_KNOB_CHOICE:
      {
        guint i = adw_combo_row_get_selected (ADW_COMBO_ROW (kr->row));

        return g_strdup (i < g_strv_length ((char **) d->choices) ? d->choices[i] : "");
      }
    case GRADLAB_KNOB_FLAGS:
      {
        g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
        g_auto (GStrv) parts = NULL;

        for (guint i = 0; d->choices[i] != NULL; i++)
          if (gtk_check_button_get_active (GTK_CHECK_BUTTON (kr->checks[i])))
            g_strv_builder_add (b, d->choices[i]);
        parts = g_strv_builder_end (b);
        return g_strjoinv (",", parts);
      }
    case GRADLAB_KNOB_TEXT:
      return g_strdup (gtk_editable_get_text (GTK_EDITABLE (kr->row)));
    default:
      g_assert_not_reached ();
    }
}

static void
emit_now (KnobRow *kr)
{
  g_autofree char *value = current_value (kr);

  kr->last_emit = g_get_monotonic_time ();
  if (g_strcmp0 (value, kr->value) == 0)
    return;
  g_free (kr->value);
  kr->value = g_strdup (value);
  g_signal_emit (kr->panel, signals[SIGNAL_CHANGED], 0, kr->desc->key, value);
}

static gboolean
emit_timeout_cb (gpointer data)
{
  KnobRow *kr = data;

  kr->timeout_id = 0;
  emit_now (kr);
  return G_SOURCE_REMOVE;
}

static void
changed (KnobRow *kr,
         gboolean rate_limit)
{
  gint64 now, wait_ms;

  if (kr->panel->updating)
    return;
  if (!rate_limit)
    {
      g_clear_handle_id (&kr->timeout_id, g_source_remove);
      emit_now (kr);
      return;
    }
  if (kr->timeout_id != 0)
    return;
  now = g_get_monotonic_time ();
  wait_ms = RATE_MS - (now - kr->last_emit) / 1000;
  if (wait_ms <= 0)
    emit_now (kr);
  else
    kr->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) wait_ms,
                                         emit_timeout_cb, kr, NULL);
}

static void
adjustment_changed_cb (GtkAdjustment *adj,
                       KnobRow       *kr)
{
  changed (kr, TRUE);
}

static gboolean
spin_output_cb (GtkSpinButton *spin,
                KnobRow       *kr)
{
  g_autofree char *text = slider_text (kr);

  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
spin_input_cb (GtkSpinButton *spin,
               double        *new_value,
               KnobRow       *kr)
{
  const GradlabKnobDesc *d = kr->desc;
  g_autofree char *stripped = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (spin))));
  char *end = NULL;
  double v;

  if (d->type == GRADLAB_KNOB_LOG0
      && (g_ascii_strcasecmp (stripped, _("off")) == 0 || g_str_equal (stripped, "")))
    {
      *new_value = value_to_adj (d, 0.0);
      return TRUE;
    }
  /* Accept a decimal comma too, whatever the locale. */
  g_strdelimit (stripped, ",", '.');
  v = g_ascii_strtod (stripped, &end);
  if (end == stripped || *end != '\0')
    return GTK_INPUT_ERROR;
  if (!isfinite (v) || ((d->type == GRADLAB_KNOB_LOG) && v <= 0.0))
    return GTK_INPUT_ERROR;
  *new_value = value_to_adj (d, v);
  return TRUE;
}

static void
switch_active_cb (GtkSwitch  *sw,
                  GParamSpec *pspec,
                  KnobRow    *kr)
{
  changed (kr, FALSE);
}

static void
combo_selected_cb (AdwComboRow *row,
                   GParamSpec  *pspec,
                   KnobRow     *kr)
{
  changed (kr, FALSE);
}

static void
check_toggled_cb (GtkCheckButton *check,
                  KnobRow        *kr)
{
  changed (kr, FALSE);
}

static void
entry_apply_cb (AdwEntryRow *row,
                KnobRow     *kr)
{
  changed (kr, FALSE);
}

static void
set_accessible_label (GtkWidget  *widget,
                      const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static GtkWidget *
build_slider_row (KnobRow *kr)
{
  const GradlabKnobDesc *d = kr->desc;
  GtkWidget *row = adw_preferences_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title, *titles;
  double lo, hi, step;
  g_autofree char *spin_label = NULL;

  switch (d->type)
    {
    case GRADLAB_KNOB_LOG:
      lo = log10 (d->lo);
      hi = log10 (d->hi);
      step = d->step;
      break;
    case GRADLAB_KNOB_LOG0:
      lo = log10 (d->lo) - d->step;
      hi = log10 (d->hi);
      step = d->step;
      break;
    case GRADLAB_KNOB_INT:
    case GRADLAB_KNOB_LINEAR:
    case GRADLAB_KNOB_SWITCH:
    case GRADLAB_KNOB_CHOICE:
    case GRADLAB_KNOB_FLAGS:
    case GRADLAB_KNOB_TEXT:
    default:
      lo = d->lo;
      hi = d->hi;
      step = d->step;
      break;
    }
  kr->adj = gtk_adjustment_new (lo, lo, hi, step, step * 10, 0);
  kr->scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, kr->adj);
  gtk_scale_set_draw_value (GTK_SCALE (kr->scale), FALSE);
  gtk_widget_set_hexpand (kr->scale, TRUE);
  set_accessible_label (kr->scale, _(d->title));

  kr->spin = gtk_spin_button_new (kr->adj, step, d->type == GRADLAB_KNOB_LINEAR ? d->digits : 0);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (kr->spin), FALSE);
  gtk_editable_set_width_chars (GTK_EDITABLE (kr->spin), 6);
  gtk_widget_set_valign (kr->spin, GTK_ALIGN_CENTER);
  /* Translators: accessible name of the typed entry beside a slider */
  spin_label = g_strdup_printf (_("%s, typed value"), _(d->title));
  set_accessible_label (kr->spin, spin_label);
  g_signal_connect (kr->spin, "output", G_CALLBACK (spin_output_cb), kr);
  g_signal_connect (kr->spin, "input", G_CALLBACK (spin_input_cb), kr);

  /* Title and typed value on one line, the slider under them across the
   * row: side by side, a narrow panel would squeeze the title. */
  title = gtk_label_new (_(d->title));
  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_add_css_class (title, "knob-title");
  kr->subtitle_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (kr->subtitle_label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (kr->subtitle_label), TRUE);
  gtk_widget_add_css_class (kr->subtitle_label, "caption");
  gtk_widget_add_css_class (kr->subtitle_label, "dim-label");
  gtk_widget_set_visible (kr->subtitle_label, FALSE);
  titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_valign (titles, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (titles, TRUE);
  gtk_box_append (GTK_BOX (titles), title);
  gtk_box_append (GTK_BOX (titles), kr->subtitle_label);
  gtk_box_append (GTK_BOX (top), titles);
  gtk_box_append (GTK_BOX (top), kr->spin);
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), kr->scale);
  gtk_widget_add_css_class (box, "knob-slider-row");
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_signal_connect (kr->adj, "value-changed", G_CALLBACK (adjustment_changed_cb), kr);
  return row;
}

static GtkWidget *
build_row (KnobRow *kr)
{
  const GradlabKnobDesc *d = kr->desc;
  GtkWidget *row = NULL;

  switch (d->type)
    {
    case GRADLAB_KNOB_LOG:
    case GRADLAB_KNOB_LOG0:
    case GRADLAB_KNOB_LINEAR:
    case GRADLAB_KNOB_INT:
      row = build_slider_row (kr);
      break;
    case GRADLAB_KNOB_SWITCH:
      row = adw_action_row_new ();
      kr->toggle = gtk_switch_new ();
      gtk_widget_set_valign (kr->toggle, GTK_ALIGN_CENTER);
      set_accessible_label (kr->toggle, _(d->title));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), kr->toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), kr->toggle);
      g_signal_connect (kr->toggle, "notify::active", G_CALLBACK (switch_active_cb), kr);
      break;
    case GRADLAB_KNOB_CHOICE:
      {
        g_autoptr (GtkStringList) list = gtk_string_list_new (NULL);

        for (guint i = 0; d->choices[i] != NULL; i++)
          gtk_string_list_append (list, d->choice_labels ? _(d->choice_labels[i]) : d->choices[i]);
        row = adw_combo_row_new ();
        adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (list));
        g_signal_connect (row, "notify::selected", G_CALLBACK (combo_selected_cb), kr);
      }
      break;
    case GRADLAB_KNOB_FLAGS:
      {
        GtkWidget *flow = gtk_flow_box_new ();

        row = adw_action_row_new ();
        gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
        gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 4);
        gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (flow), 4);
        gtk_widget_set_margin_top (flow, 4);
        gtk_widget_set_margin_bottom (flow, 4);
        gtk_widget_set_hexpand (flow, TRUE);
        for (guint i = 0; d->choices[i] != NULL && i < G_N_ELEMENTS (kr->checks); i++)
          {
            const char *label = d->choice_labels ? _(d->choice_labels[i]) : d->choices[i];
            g_autofree char *a11y = g_strdup_printf ("%s: %s", _(d->title), label);

            kr->checks[i] = gtk_check_button_new_with_label (label);
            set_accessible_label (kr->checks[i], a11y);
            g_signal_connect (kr->checks[i], "toggled", G_CALLBACK (check_toggled_cb), kr);
            gtk_flow_box_append (GTK_FLOW_BOX (flow), kr->checks[i]);
          }
        adw_action_row_add_suffix (ADW_ACTION_ROW (row), flow);
      }
      break;
    case GRADLAB_KNOB_TEXT:
      row = adw_entry_row_new ();
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
      g_signal_connect (row, "apply", G_CALLBACK (entry_apply_cb), kr);
      break;
    default:
      g_assert_not_reached ();
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(d->title));
  if (d->tooltip != NULL)
    gtk_widget_set_tooltip_text (row, _(d->tooltip));
  set_accessible_label (row, _(d->title));
  kr->row = row;
  return row;
}

static void
update_subtitle (KnobRow *kr,
                 gboolean pending)
{
  const char *sub = NULL;

  if (kr->desc->type == GRADLAB_KNOB_TEXT)
    return;
  if (pending)
    sub = _("Changed: takes effect on Reset");
  else if (kr->desc->scope != GRADLAB_KNOB_LIVE)
    sub = _("Applies on Reset");
  if (pending)
    gtk_widget_add_css_class (kr->row, "knob-pending");
  else
    gtk_widget_remove_css_class (kr->row, "knob-pending");
  if (kr->subtitle_label != NULL)
    {
      gtk_label_set_label (GTK_LABEL (kr->subtitle_label), sub ? sub : "");
      gtk_widget_set_visible (kr->subtitle_label, sub != NULL);
    }
  else if (ADW_IS_ACTION_ROW (kr->row))
    adw_action_row_set_subtitle (ADW_ACTION_ROW (kr->row), sub ? sub : "");
}

static void
gradlab_knobs_panel_dispose (GObject *object)
{
  GradlabKnobsPanel *self = GRADLAB_KNOBS_PANEL (object);

  /* The rows' signal handlers point at self->rows entries: destroy the
   * widgets, silently, before the entries. */
  self->updating = TRUE;
  adw_bin_set_child (ADW_BIN (self), NULL);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  G_OBJECT_CLASS (gradlab_knobs_panel_parent_class)->dispose (object);
}

static void
gradlab_knobs_panel_class_init (GradlabKnobsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gradlab_knobs_panel_dispose;

  /**
   * GradlabKnobsPanel::changed:
   * @key: the knob's name
   * @value: its new value in the engine's text form
   *
   * The user changed a knob.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "knobspanel");
}

static void
gradlab_knobs_panel_init (GradlabKnobsPanel *self)
{
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, knob_row_free);
  self->page = adw_preferences_page_new ();
  adw_bin_set_child (ADW_BIN (self), self->page);
}

GtkWidget *
gradlab_knobs_panel_new (void)
{
  return g_object_new (GRADLAB_TYPE_KNOBS_PANEL, NULL);
}

void
gradlab_knobs_panel_set_keys (GradlabKnobsPanel *self,
                              const char *const *keys)
{
  g_return_if_fail (GRADLAB_IS_KNOBS_PANEL (self));

  /* Signal handlers of the old rows point at self->rows entries: drop
   * the widgets first, silently, then the entries. */
  self->updating = TRUE;
  self->page = adw_preferences_page_new ();
  adw_bin_set_child (ADW_BIN (self), self->page);
  g_hash_table_remove_all (self->rows);
  self->updating = FALSE;

  for (gsize g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      GtkWidget *group = NULL;

      for (gsize i = 0; i < G_N_ELEMENTS (knob_table); i++)
        {
          const GradlabKnobDesc *d = &knob_table[i];
          KnobRow *kr;

          if (!g_str_equal (d->group, groups[g].id)
              || keys == NULL || !g_strv_contains (keys, d->key))
            continue;
          if (group == NULL)
            {
              group = adw_preferences_group_new ();
              adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _(groups[g].title));
              adw_preferences_page_add (ADW_PREFERENCES_PAGE (self->page),
                                        ADW_PREFERENCES_GROUP (group));
            }
          kr = g_new0 (KnobRow, 1);
          kr->panel = self;
          kr->desc = d;
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), build_row (kr));
          update_subtitle (kr, FALSE);
          g_hash_table_insert (self->rows, (gpointer) d->key, kr);
        }
    }
}

void
gradlab_knobs_panel_set_value (GradlabKnobsPanel *self,
                               const char        *key,
                               const char        *value)
{
  KnobRow *kr;
  const GradlabKnobDesc *d;

  g_return_if_fail (GRADLAB_IS_KNOBS_PANEL (self));

  if ((kr = g_hash_table_lookup (self->rows, key)) == NULL || value == NULL)
    return;
  d = kr->desc;
  self->updating = TRUE;
  switch (d->type)
    {
    case GRADLAB_KNOB_LOG:
    case GRADLAB_KNOB_LOG0:
    case GRADLAB_KNOB_LINEAR:
    case GRADLAB_KNOB_INT:
      {
        double v = g_ascii_strtod (value, NULL);

        if (d->type == GRADLAB_KNOB_INT && v > gtk_adjustment_get_upper (kr->adj))
          gtk_adjustment_set_upper (kr->adj, v);
        gtk_adjustment_set_value (kr->adj, value_to_adj (d, v));
        /* The spin button formats through ::output; make sure it shows
         * the new value even when the adjustment did not move. */
        spin_output_cb (GTK_SPIN_BUTTON (kr->spin), kr);
      }
      break;
    case GRADLAB_KNOB_SWITCH:
      gtk_switch_set_active (GTK_SWITCH (kr->toggle),
                             g_ascii_strcasecmp (value, "true") == 0
                             || g_ascii_strcasecmp (value, "on") == 0
                             || g_str_equal (value, "1"));
      break;
    case GRADLAB_KNOB_CHOICE:
      for (guint i = 0; d->choices[i] != NULL; i++)
        if (g_str_equal (d->choices[i], value))
          adw_combo_row_set_selected (ADW_COMBO_ROW (kr->row), i);
      break;
    case GRADLAB_KNOB_FLAGS:
      {
        g_auto (GStrv) parts = g_strsplit (value, ",", -1);

        for (guint i = 0; d->choices[i] != NULL; i++)
          gtk_check_button_set_active (GTK_CHECK_BUTTON (kr->checks[i]),
                                       g_strv_contains ((const char *const *) parts,
                                                        d->choices[i]));
      }
      break;
    case GRADLAB_KNOB_TEXT:
      gtk_editable_set_text (GTK_EDITABLE (kr->row), value);
      break;
    default:
      g_assert_not_reached ();
    }
  self->updating = FALSE;
  g_free (kr->value);
  kr->value = current_value (kr);
}

const char *
gradlab_knobs_panel_get_value (GradlabKnobsPanel *self,
                               const char        *key)
{
  KnobRow *kr;

  g_return_val_if_fail (GRADLAB_IS_KNOBS_PANEL (self), NULL);
  kr = g_hash_table_lookup (self->rows, key);
  return kr ? kr->value : NULL;
}

void
gradlab_knobs_panel_set_pending (GradlabKnobsPanel *self,
                                 const char        *key,
                                 gboolean           pending)
{
  KnobRow *kr;

  g_return_if_fail (GRADLAB_IS_KNOBS_PANEL (self));

  if (key == NULL)
    {
      GHashTableIter iter;

      g_hash_table_iter_init (&iter, self->rows);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &kr))
        update_subtitle (kr, FALSE);
      return;
    }
  if ((kr = g_hash_table_lookup (self->rows, key)) != NULL)
    update_subtitle (kr, pending);
}

void
gradlab_knobs_panel_set_sensitive (GradlabKnobsPanel *self,
                                   const char        *key,
                                   gboolean           sensitive)
{
  KnobRow *kr;

  g_return_if_fail (GRADLAB_IS_KNOBS_PANEL (self));
  if ((kr = g_hash_table_lookup (self->rows, key)) != NULL)
    gtk_widget_set_sensitive (kr->row, sensitive);
}

void
gradlab_knobs_panel_set_upper (GradlabKnobsPanel *self,
                               const char        *key,
                               double             upper)
{
  KnobRow *kr;

  g_return_if_fail (GRADLAB_IS_KNOBS_PANEL (self));
  if ((kr = g_hash_table_lookup (self->rows, key)) == NULL || kr->adj == NULL)
    return;
  self->updating = TRUE;
  gtk_adjustment_set_upper (kr->adj, value_to_adj (kr->desc, upper));
  self->updating = FALSE;
}

GtkWidget *
gradlab_knobs_panel_get_control (GradlabKnobsPanel *self,
                                 const char        *key)
{
  KnobRow *kr;

  g_return_val_if_fail (GRADLAB_IS_KNOBS_PANEL (self), NULL);
  if ((kr = g_hash_table_lookup (self->rows, key)) == NULL)
    return NULL;
  if (kr->scale != NULL)
    return kr->scale;
  if (kr->toggle != NULL)
    return kr->toggle;
  return kr->row;
}

GtkWidget *
gradlab_knobs_panel_get_spin (GradlabKnobsPanel *self,
                              const char        *key)
{
  KnobRow *kr;

  g_return_val_if_fail (GRADLAB_IS_KNOBS_PANEL (self), NULL);
  kr = g_hash_table_lookup (self->rows, key);
  return kr ? kr->spin : NULL;
}
