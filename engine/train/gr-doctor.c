/* The doctor. It reads the run as the history records it, keeps a few
 * fixed-size rolling windows (the last losses, exponential averages of
 * each layer's probes), and re-checks every finding after each step. A
 * finding is raised once its condition has held for a number of steps and
 * cleared once a looser condition has failed for a number of steps, so it
 * neither flickers nor lingers. Thresholds and sources: docs/DOCTOR.md. */

#include "gr-doctor.h"

#include "gr-i18n.h"
#include "gr-probes.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING        512                   /* loss window capacity, steps */
#define MAX_LAYERS  GR_HISTORY_MAX_LAYERS
#define STEP_BUF    64
#define EVENT_BUF   16
#define EVAL_BUF    8
#define PROBE_ALPHA 0.1f                  /* EMA weight: about 20 steps */
#define ACC_ALPHA   0.05f                 /* EMA weight: about 40 steps */
#define FAST_ALPHA  0.3f                  /* loss EMA: about 5 steps */

static const char *const finding_codes[GR_N_FINDING_KINDS] = {
  [GR_FINDING_DIVERGENCE] = "divergence",
  [GR_FINDING_EXPLODING_GRADIENTS] = "exploding-gradients",
  [GR_FINDING_VANISHING_GRADIENTS] = "vanishing-gradients",
  [GR_FINDING_DEAD_RELU] = "dead-relu",
  [GR_FINDING_SATURATION] = "saturation",
  [GR_FINDING_LR_TOO_HIGH] = "lr-too-high",
  [GR_FINDING_LR_TOO_LOW] = "lr-too-low",
  [GR_FINDING_CHANCE_LEVEL] = "chance-level",
  [GR_FINDING_SHUFFLED_LABELS] = "shuffled-labels",
  [GR_FINDING_LOSS_OUTPUT_MISMATCH] = "loss-output-mismatch",
  [GR_FINDING_UNNORMALIZED_INPUTS] = "unnormalized-inputs",
  [GR_FINDING_OVERFITTING] = "overfitting",
  [GR_FINDING_IMBALANCE_COLLAPSE] = "imbalance-collapse",
  [GR_FINDING_PLATEAU] = "plateau",
  [GR_FINDING_NET_TOO_SMALL] = "net-too-small",
};

static const char *const finding_messages[GR_N_FINDING_KINDS] = {
  [GR_FINDING_DIVERGENCE] =
    GR_N_("The loss blew up: the updates are so large that each step makes the "
          "network worse, until the numbers overflow. The learning rate is almost "
          "always the cause."),
  [GR_FINDING_EXPLODING_GRADIENTS] =
    GR_N_("Gradients grow by orders of magnitude, across the layers or from one step "
          "to the next. One huge step can undo everything learned so far."),
  [GR_FINDING_VANISHING_GRADIENTS] =
    GR_N_("The first layers receive gradients orders of magnitude smaller than the "
          "last ones: each sigmoid or tanh layer shrinks the signal on the way back, "
          "so the early layers barely learn."),
  [GR_FINDING_DEAD_RELU] =
    GR_N_("Many ReLU units output zero for every input. A dead unit passes no "
          "gradient, so it never recovers: that part of the network is lost. A large "
          "step that pushed biases very negative is the usual cause."),
  [GR_FINDING_SATURATION] =
    GR_N_("Most sigmoid or tanh outputs sit at their bounds, where the slope is "
          "nearly zero: the units stop learning. Weights initialised too large, or "
          "unnormalized inputs, push them there."),
  [GR_FINDING_LR_TOO_HIGH] =
    GR_N_("Each step changes the weights by a large share of their size and the loss "
          "does not fall: the optimizer overshoots the valley it is in."),
  [GR_FINDING_LR_TOO_LOW] =
    GR_N_("Each step changes the weights by a tiny share of their size and the loss "
          "hardly moves: training would take far longer than it needs to."),
  [GR_FINDING_CHANCE_LEVEL] =
    GR_N_("The loss sits at the value of guessing the class frequencies without "
          "looking at the input: the network has learned nothing yet."),
  [GR_FINDING_SHUFFLED_LABELS] =
    GR_N_("The network cannot predict the labels from the inputs although it "
          "trains normally: the labels look unrelated to their inputs. Shuffled "
          "labels, or inputs and labels shifted against each other in the data "
          "pipeline, look exactly like this."),
  [GR_FINDING_LOSS_OUTPUT_MISMATCH] =
    GR_N_("The loss does not fit the network's output: a loss that expects logits "
          "gets probabilities, or mean squared error is applied to a softmax, whose "
          "saturation shrinks the gradient."),
  [GR_FINDING_UNNORMALIZED_INPUTS] =
    GR_N_("The inputs are far from unit scale. The first layer's gradients scale "
          "with the inputs, so one learning rate cannot suit them, and activations "
          "saturate or blow up."),
  [GR_FINDING_OVERFITTING] =
    GR_N_("The validation loss rises while the training loss keeps falling: the "
          "network is memorising the training set instead of learning what "
          "generalises. The best validation step is marked."),
  [GR_FINDING_IMBALANCE_COLLAPSE] =
    GR_N_("Pixel accuracy looks high, but a class is almost never predicted: the "
          "network found that predicting the dominant class everywhere is cheap."),
  [GR_FINDING_PLATEAU] =
    GR_N_("The loss has been flat for a long stretch although gradients flow. A "
          "smaller step often gets it moving again; if not, the network may be too "
          "small for the task."),
  [GR_FINDING_NET_TOO_SMALL] =
    GR_N_("The network is too small to fit the data: the loss stays high even "
          "where a larger network would drive it down."),
};

static const char *const severity_names[] = { "info", "warning", "error" };

typedef struct
{
  bool      active;
  int       hold;       /* consecutive checks the raise condition held */
  int       off;        /* consecutive checks the stay condition failed */
  int       log_index;
  GrFinding f;
} Slot;

/* The outcome of one check of one finding. */
typedef struct
{
  int        raise;      /* 1: the raise condition holds, 0: not, -1: unknown */
  int        stay;       /* the same for the (looser) stay condition */
  bool       now;        /* raise without waiting */
  GrSeverity severity;
  int        layer;
  int        layer_other;
  int64_t    range_start;
  int64_t    range_end;
  int        variant;    /* which evidence text to write */
  int        need;       /* checks in a row to raise, if not the default */
} Check;

struct _GrDoctor
{
  GrDoctorConfig   cfg;
  pthread_mutex_t  lock;
  uint64_t         serial;
  uint32_t         next_id;
  Slot             slots[GR_N_FINDING_KINDS];
  GrFinding       *log;
  int              n_log, log_alloc;
  GrDoctorChanged  changed_fn;
  void            *changed_data;
  int              changes;

  /* Where reading the session left off. */
  const void      *net;
  int64_t          seen_steps, seen_evals, seen_events;
  bool             inspected;
  GrStepRecord     step_buf[STEP_BUF];
  GrEvent          event_buf[EVENT_BUF];
  GrEvalRecord     eval_buf[EVAL_BUF];

  /* The run's structure. */
  int              n_classes;
  int              n_val;         /* validation samples */
  bool             is_seg;
  int              n_layers;
  char             names[MAX_LAYERS][GR_NAME_LEN];
  GrActKind        acts[MAX_LAYERS];
  int              units[MAX_LAYERS];
  float            bias_init[MAX_LAYERS];  /* the model's initial bias (0 = none) */
  char             out_name[GR_NAME_LEN];
  GrLayerKind      out_kind;
  GrActKind        out_act;
  bool             has_bn, has_dropout;
  int              narrow_layer;
  int              narrow_units;
  char             class_names[GR_MAX_CLASSES][16];
  GrInputStats     input;
  bool             have_input;
  const void      *input_data;   /* the training set the stats are of */
  GrKnobs          knobs;
  GrLossKind       chance_kind;
  bool             chance_weighted;
  float            chance_weights[GR_MAX_CLASSES];
  float            chance_loss, chance_acc;
  float            class_freq[GR_MAX_CLASSES];

  /* Rolling state of the current stretch (since the run began or the
   * last knob change). */
  float            ring[RING];
  int              ring_pos;
  int64_t          ring_n;
  int64_t          n_obs;
  int64_t          step;
  int64_t          stretch_start;
  int              n_initial;
  float            initial_loss;
  float            loss_fast;
  float            acc_ema;
  float            gn_log;
  int64_t          gn_n;
  int64_t          spike_step;
  float            spike_norm, spike_avg;
  float            g_log[MAX_LAYERS];   /* log10 raw gradient norm */
  float            w_log[MAX_LAYERS];   /* log10 weight norm */
  float            u_log[MAX_LAYERS];   /* log10 update/weight ratio */
  float            u_now;               /* the largest ratio of the last step */
  float            gn_ref;              /* highest running average of the norm */
  float            lr_at_raise;         /* lr when lr-too-high was raised */
  float            dead[MAX_LAYERS];
  float            sat[MAX_LAYERS];
  int64_t          probe_n;
  float            last_finite_loss;
  int64_t          last_finite_step;
  char             diverged_text[GR_EVENT_TEXT_LEN];
  int64_t          diverged_step;
  bool             diverged;

  /* Evaluations. */
  int64_t          n_evals;
  float            ev_val[3], ev_train[3], ev_acc[3];  /* the last evaluations */
  float            best_val, best_val_acc, train_at_best;   /* best 3-eval mean */
  float            best_raw;                                /* best single val loss */
  int64_t          best_step;                               /* ... and its step */
  int              evals_since_best;
  float            sm_val, sm_train, sm_acc;                /* latest 3-eval means */
  GrEvalRecord     last_eval;
  int              chance_val_evals;

  /* The last overfit-one-batch probe. */
  bool             probe_failed;
  float            probe_initial, probe_final;
  int              probe_batch, probe_steps;
  int64_t          probe_step;
};

/* ---- Names ------------------------------------------------------------------ */

const char *
gr_finding_code (GrFindingKind kind)
{
  return (unsigned) kind < GR_N_FINDING_KINDS ? finding_codes[kind] : "?";
}

int
gr_finding_parse_code (const char *code)
{
  for (int i = 0; code && i < GR_N_FINDING_KINDS; i++)
    if (strcmp (finding_codes[i], code) == 0)
      return i;
  return -1;
}

const char *
gr_finding_message (GrFindingKind kind)
{
  return (unsigned) kind < GR_N_FINDING_KINDS ? GR_(finding_messages[kind]) : "";
}

const char *
gr_severity_name (GrSeverity severity)
{
  return (unsigned) severity <= GR_SEVERITY_ERROR ? severity_names[severity] : "?";
}

/* ---- Configuration ------------------------------------------------------------ */

void
gr_doctor_config_defaults (GrDoctorConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->warmup_steps = 50;
  cfg->window = 100;
  cfg->raise_after = 10;
  cfg->clear_after = 50;
  cfg->divergence_factor = 10.0f;
  cfg->explode_spike = 100.0f;
  cfg->explode_ratio = 100.0f;
  cfg->vanish_ratio = 1e-4f;
  cfg->vanish_abs = 1e-5f;
  cfg->dead_frac = 0.65f;
  cfg->saturated_frac = 0.5f;
  cfg->update_ratio_high = 0.1f;
  cfg->update_ratio_low = 1e-4f;
  cfg->chance_tol = 0.02f;
  cfg->plateau_steps = 400;
  cfg->plateau_rel = 0.01f;
  cfg->overfit_evals = 3;
  cfg->overfit_rise = 0.1f;
  cfg->collapse_pixel_acc = 0.8f;
  cfg->collapse_iou = 0.05f;
  cfg->input_scale_high = 10.0f;
  cfg->input_scale_low = 0.1f;
}

static void
forget_run (GrDoctor *d)
{
  d->net = NULL;
  d->seen_steps = d->seen_evals = d->seen_events = 0;
  d->inspected = false;
  d->have_input = false;
  d->ring_pos = 0;
  d->ring_n = 0;
  d->n_obs = 0;
  d->step = 0;
  d->stretch_start = 0;
  d->n_initial = 0;
  d->initial_loss = NAN;
  d->loss_fast = NAN;
  d->acc_ema = NAN;
  d->gn_n = 0;
  d->spike_step = -1;
  d->probe_n = 0;
  d->last_finite_loss = NAN;
  d->last_finite_step = 0;
  d->diverged = false;
  d->n_evals = 0;
  d->best_val = INFINITY;
  d->best_raw = INFINITY;
  d->best_val_acc = NAN;
  d->train_at_best = NAN;
  d->best_step = 0;
  d->evals_since_best = 0;
  d->chance_val_evals = 0;
  d->probe_failed = false;
  for (int k = 0; k < GR_N_FINDING_KINDS; k++)
    {
      d->slots[k].hold = 0;
      d->slots[k].off = 0;
    }
}

GrDoctor *
gr_doctor_new (const GrDoctorConfig *cfg)
{
  GrDoctor *d = calloc (1, sizeof *d);

  if (d == NULL)
    return NULL;
  if (cfg != NULL)
    d->cfg = *cfg;
  else
    gr_doctor_config_defaults (&d->cfg);
  if (d->cfg.window < 4)
    d->cfg.window = 4;
  if (d->cfg.window > RING)
    d->cfg.window = RING;
  if (d->cfg.plateau_steps < 8)
    d->cfg.plateau_steps = 8;
  if (d->cfg.plateau_steps > RING)
    d->cfg.plateau_steps = RING;
  if (d->cfg.raise_after < 1)
    d->cfg.raise_after = 1;
  if (d->cfg.clear_after < 1)
    d->cfg.clear_after = 1;
  d->log_alloc = 64;
  d->log = calloc (d->log_alloc, sizeof *d->log);
  if (d->log == NULL)
    {
      free (d);
      return NULL;
    }
  pthread_mutex_init (&d->lock, NULL);
  d->next_id = 1;
  forget_run (d);
  return d;
}

void
gr_doctor_free (GrDoctor *d)
{
  if (d == NULL)
    return;
  pthread_mutex_destroy (&d->lock);
  free (d->log);
  free (d);
}

void
gr_doctor_set_callback (GrDoctor        *d,
                        GrDoctorChanged  fn,
                        void            *user_data)
{
  d->changed_fn = fn;
  d->changed_data = user_data;
}

/* ---- Small helpers ---------------------------------------------------------- */

static void
append (char       *buf,
        size_t      len,
        const char *fmt,
        ...) __attribute__ ((format (printf, 3, 4)));

static void
append (char       *buf,
        size_t      len,
        const char *fmt,
        ...)
{
  size_t used = strlen (buf);
  va_list ap;

  if (used + 1 >= len)
    return;
  va_start (ap, fmt);
  vsnprintf (buf + used, len - used, fmt, ap);
  va_end (ap);
}

static float
lg (float x)
{
  return log10f (fmaxf (fabsf (x), 1e-30f));
}

static float
ema (float  old,
     float  x,
     float  alpha,
     bool   first)
{
  return first || !isfinite (old) ? x : old + alpha * (x - old);
}

/* Rounds @x to 1, 2 or 5 times a power of ten, for remedies a person
 * would type. */
static float
nice (float x)
{
  double e, m;

  if (!(x > 0.0f))
    return x;
  e = floor (log10 (x));
  m = x / pow (10.0, e);
  m = m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0;
  return (float) (m * pow (10.0, e));
}

static void
remedy_set (GrRemedy   *r,
            const char *key,
            const char *fmt,
            ...) __attribute__ ((format (printf, 3, 4)));

static void
remedy_set (GrRemedy   *r,
            const char *key,
            const char *fmt,
            ...)
{
  va_list ap;
  GrKnobChange *c;

  if (r->n_changes >= GR_REMEDY_MAX_CHANGES)
    return;
  c = &r->changes[r->n_changes++];
  snprintf (c->key, sizeof c->key, "%s", key);
  va_start (ap, fmt);
  vsnprintf (c->value, sizeof c->value, fmt, ap);
  va_end (ap);
  if (strncmp (key, "model.", 6) == 0 || gr_knobs_needs_reset (key))
    r->needs_reset = true;
}

/* Units that can die: plain ReLU (leaky ReLU and ELU always pass some
 * gradient). */
static bool
can_die (GrActKind a)
{
  return a == GR_ACT_RELU;
}

static bool
squashing (GrActKind a)
{
  return a == GR_ACT_SIGMOID || a == GR_ACT_TANH;
}

static const char *
layer_name (const GrDoctor *d,
            int             i)
{
  return i >= 0 && i < d->n_layers ? d->names[i] : "?";
}

/* The last hidden weighted layer (the one before the output layer). */
static int
last_hidden (const GrDoctor *d)
{
  return d->n_layers >= 3 ? d->n_layers - 2 : -1;
}

/* Mean of the @n losses ending @back steps before the newest. */
static float
ring_mean (const GrDoctor *d,
           int             back,
           int             n)
{
  double s = 0.0;

  for (int i = 0; i < n; i++)
    {
      int pos = (d->ring_pos - 1 - back - i + 2 * RING) % RING;

      s += d->ring[pos];
    }
  return (float) (s / n);
}

/* Relative change of the loss over the last @n steps (newer half against
 * older half); false if the stretch is shorter. */
static bool
trend (const GrDoctor *d,
       int             n,
       float          *older,
       float          *newer,
       float          *rel)
{
  if (d->ring_n < n)
    return false;
  *newer = ring_mean (d, 0, n / 2);
  *older = ring_mean (d, n / 2, n / 2);
  *rel = (*newer - *older) / fmaxf (fabsf (*older), 1e-12f);
  return true;
}

static float
max_update_ratio (const GrDoctor *d,
                  int            *which)
{
  float best = -INFINITY;

  *which = -1;
  if (d->probe_n == 0)
    return NAN;
  for (int i = 0; i < d->n_layers; i++)
    if (d->u_log[i] > best)
      {
        best = d->u_log[i];
        *which = i;
      }
  return *which >= 0 ? powf (10.0f, best) : NAN;
}

static bool
is_classifier (const GrDoctor *d)
{
  return d->n_classes > 0;
}

/* Near the end of training there is nothing left to move: a small update
 * or a flat loss is then no fault. */
static bool
converged (const GrDoctor *d)
{
  if (isfinite (d->acc_ema) && d->acc_ema >= 0.98f)
    return true;
  return isfinite (d->loss_fast) && isfinite (d->initial_loss)
         && d->loss_fast <= 0.05f * d->initial_loss;
}

/* ---- Raising and clearing -------------------------------------------------- */

static void
log_store (GrDoctor        *d,
           int              index,
           const GrFinding *f)
{
  if (index >= 0 && index < d->n_log)
    d->log[index] = *f;
}

static void describe (GrDoctor      *d,
                      GrFindingKind  kind,
                      const Check   *c,
                      GrFinding     *f);

static void
raise_finding (GrDoctor      *d,
               GrFindingKind  kind,
               const Check   *c)
{
  Slot *s = &d->slots[kind];
  GrFinding f;

  memset (&f, 0, sizeof f);
  f.kind = kind;
  f.code = finding_codes[kind];
  f.message = finding_messages[kind];
  f.severity = c->severity;
  f.step = d->step;
  f.last_step = d->step;
  f.layer = c->layer;
  f.layer_other = c->layer_other;
  f.range_start = c->range_start;
  f.range_end = c->range_end;
  describe (d, kind, c, &f);

  pthread_mutex_lock (&d->lock);
  f.id = d->next_id++;
  if (d->n_log == d->log_alloc)
    {
      int n = d->log_alloc * 2;
      GrFinding *l = realloc (d->log, sizeof *l * n);

      if (l != NULL)
        {
          d->log = l;
          d->log_alloc = n;
        }
    }
  s->log_index = -1;
  if (d->n_log < d->log_alloc)
    {
      s->log_index = d->n_log;
      d->log[d->n_log++] = f;
    }
  s->f = f;
  s->active = true;
  s->off = 0;
  d->serial++;
  pthread_mutex_unlock (&d->lock);
  d->changes++;
  if (kind == GR_FINDING_LR_TOO_HIGH)
    d->lr_at_raise = d->knobs.lr;
}

static void
clear_finding (GrDoctor      *d,
               GrFindingKind  kind)
{
  Slot *s = &d->slots[kind];

  pthread_mutex_lock (&d->lock);
  s->f.cleared_step = d->step > s->f.step ? d->step : s->f.step;
  log_store (d, s->log_index, &s->f);
  s->active = false;
  s->hold = 0;
  s->off = 0;
  d->serial++;
  pthread_mutex_unlock (&d->lock);
  d->changes++;
}

static void
escalate (GrDoctor      *d,
          GrFindingKind  kind,
          const Check   *c)
{
  Slot *s = &d->slots[kind];
  GrFinding f = s->f;

  f.severity = c->severity;
  f.layer = c->layer;
  f.layer_other = c->layer_other;
  f.range_start = c->range_start;
  f.range_end = c->range_end;
  f.evidence[0] = '\0';
  memset (&f.remedy, 0, sizeof f.remedy);
  describe (d, kind, c, &f);
  pthread_mutex_lock (&d->lock);
  s->f = f;
  log_store (d, s->log_index, &s->f);
  d->serial++;
  pthread_mutex_unlock (&d->lock);
  d->changes++;
}

/* Applies one check: counts towards raising or clearing with hysteresis
 * (@need_raise checks in a row to raise, @need_clear to clear). */
static void
update_slot (GrDoctor      *d,
             GrFindingKind  kind,
             const Check   *c,
             int            need_raise,
             int            need_clear)
{
  Slot *s = &d->slots[kind];

  if (!s->active)
    {
      if (c->raise == 1)
        s->hold++;
      else if (c->raise == 0)
        s->hold = 0;
      if (c->raise == 1 && (c->now || s->hold >= (c->need > 0 ? c->need : need_raise)))
        raise_finding (d, kind, c);
      return;
    }
  if (c->stay == 1 || c->raise == 1)
    {
      s->off = 0;
      /* Readers copy the finding under the lock. */
      pthread_mutex_lock (&d->lock);
      s->f.last_step = d->step;
      log_store (d, s->log_index, &s->f);
      pthread_mutex_unlock (&d->lock);
      if (c->raise == 1 && c->severity > s->f.severity)
        escalate (d, kind, c);
    }
  else if (c->stay == 0 && ++s->off >= need_clear)
    clear_finding (d, kind);
}

static Check
check_init (const GrDoctor *d)
{
  Check c;

  memset (&c, 0, sizeof c);
  c.raise = 0;
  c.stay = 0;
  c.severity = GR_SEVERITY_WARNING;
  c.layer = -1;
  c.layer_other = -1;
  c.range_start = d->stretch_start;
  c.range_end = d->step;
  return c;
}

static bool
active (const GrDoctor *d,
        GrFindingKind   kind)
{
  return d->slots[kind].active;
}

/* ---- Evidence and remedies --------------------------------------------------- */

static void
lower_lr_remedy (GrDoctor *d,
                 GrRemedy *r,
                 bool      clip)
{
  float lr = nice (d->knobs.lr / 10.0f);

  remedy_set (r, "lr", "%g", lr);
  if (clip && d->knobs.clip_norm == 0.0f)
    {
      remedy_set (r, "clip_norm", "1");
      snprintf (r->label, sizeof r->label,
                GR_("Lower the learning rate to %g and clip the gradient norm at 1"), lr);
    }
  else
    snprintf (r->label, sizeof r->label, GR_("Lower the learning rate to %g"), lr);
}

static int
worst_layer (const GrDoctor *d,
             const float    *v,
             bool          (*pred) (GrActKind))
{
  int w = -1;

  /* The output layer has no activation of its own to judge. */
  for (int i = 0; i < d->n_layers - 1; i++)
    if (pred (d->acts[i]) && (w < 0 || v[i] > v[w]))
      w = i;
  return w;
}

static void
describe (GrDoctor      *d,
          GrFindingKind  kind,
          const Check   *c,
          GrFinding     *f)
{
  char *ev = f->evidence;
  size_t n = sizeof f->evidence;
  GrRemedy *r = &f->remedy;
  float older = NAN, newer = NAN, rel = NAN;
  int wl = -1;
  float ratio = max_update_ratio (d, &wl);

  trend (d, d->cfg.window, &older, &newer, &rel);
  ev[0] = '\0';
  memset (r, 0, sizeof *r);

  switch (kind)
    {
    case GR_FINDING_DIVERGENCE:
      if (c->variant == 1)
        /* TRANSLATORS: doctor evidence: the step that diverged, what went
         * non-finite (already translated), the last finite loss and its
         * step, the loss at the start of the run. */
        snprintf (ev, n, GR_("step %lld: %s; last finite loss %.4g at step %lld, first loss %.4g"),
                  (long long) d->diverged_step, d->diverged_text,
                  (double) d->last_finite_loss, (long long) d->last_finite_step,
                  (double) d->initial_loss);
      else
        snprintf (ev, n, GR_("loss %.4g at step %lld, %.0fx the first loss %.4g"),
                  (double) d->loss_fast, (long long) d->step,
                  (double) (d->loss_fast / d->initial_loss), (double) d->initial_loss);
      lower_lr_remedy (d, r, true);
      break;

    case GR_FINDING_EXPLODING_GRADIENTS:
      if (c->variant == 1)
        snprintf (ev, n,
                  GR_("global gradient norm %.3g at step %lld, %.0fx its recent average %.3g"),
                  (double) d->spike_norm, (long long) d->spike_step,
                  (double) (d->spike_norm / d->spike_avg), (double) d->spike_avg);
      else
        /* TRANSLATORS: %s are layer names such as "dense1"; "vs" compares
         * the gradient norms of the two layers. */
        snprintf (ev, n, GR_("layer %s gradient norm %.2g vs %s %.2g (ratio %.2g)"),
                  layer_name (d, c->layer), (double) powf (10.0f, d->g_log[c->layer]),
                  layer_name (d, c->layer_other),
                  (double) powf (10.0f, d->g_log[c->layer_other]),
                  (double) powf (10.0f, d->g_log[c->layer] - d->g_log[c->layer_other]));
      if (d->knobs.clip_norm > 0.0f || d->knobs.clip_value > 0.0f)
        append (ev, n, GR_("; clipping bounds the update"));
      if (d->knobs.clip_norm == 0.0f && d->knobs.clip_value == 0.0f)
        {
          remedy_set (r, "clip_norm", "1");
          snprintf (r->label, sizeof r->label, GR_("Clip the gradient norm at 1"));
        }
      else if (d->has_bn && !d->knobs.batch_norm)
        {
          remedy_set (r, "batch_norm", "true");
          snprintf (r->label, sizeof r->label, GR_("Turn batch norm on"));
        }
      else
        lower_lr_remedy (d, r, false);
      break;

    case GR_FINDING_VANISHING_GRADIENTS:
      /* TRANSLATORS: %s are layer names such as "dense1"; keep the
       * formula "||grad|| / ||W||" as it is. */
      snprintf (ev, n, GR_("layer %s gradient norm %.2g vs %s %.2g (ratio %.2g); "
                           "||grad|| / ||W|| of %s is %.2g"),
                layer_name (d, c->layer), (double) powf (10.0f, d->g_log[c->layer]),
                layer_name (d, c->layer_other),
                (double) powf (10.0f, d->g_log[c->layer_other]),
                (double) powf (10.0f, d->g_log[c->layer] - d->g_log[c->layer_other]),
                layer_name (d, c->layer),
                (double) powf (10.0f, d->g_log[c->layer] - d->w_log[c->layer]));
      if (d->has_bn && !d->knobs.batch_norm)
        {
          remedy_set (r, "batch_norm", "true");
          snprintf (r->label, sizeof r->label, GR_("Turn batch norm on"));
        }
      else if (squashing (d->acts[c->layer]))
        {
          remedy_set (r, "activation", "relu");
          remedy_set (r, "init", "he");
          snprintf (r->label, sizeof r->label,
                    GR_("Switch to ReLU with He initialisation (restarts the run)"));
        }
      else if (d->knobs.init != GR_INIT_HE)
        {
          remedy_set (r, "init", "he");
          snprintf (r->label, sizeof r->label, GR_("Use He initialisation (restarts the run)"));
        }
      else
        snprintf (r->label, sizeof r->label,
                  GR_("Add batch norm or residual shortcuts to the deep net"));
      break;

    case GR_FINDING_DEAD_RELU:
      {
        int over = 0;

        for (int i = 0; i < d->n_layers - 1; i++)
          over += can_die (d->acts[i]) && d->dead[i] > d->cfg.dead_frac;
        /* TRANSLATORS: layer name, percentage, number of units. */
        snprintf (ev, n, GR_("layer %s: %.0f%% of its %d units output 0 for every sample of the "
                             "batch (average of the last 20 steps)"), layer_name (d, c->layer),
                  (double) (100.0f * d->dead[c->layer]), d->units[c->layer]);
        if (over > 1)
          append (ev, n, GR_("; %d layers above %.0f%%"), over,
                  (double) (100.0f * d->cfg.dead_frac));
        if (d->bias_init[c->layer] < 0.0f)
          append (ev, n, GR_("; its biases started at %g"), (double) d->bias_init[c->layer]);
        remedy_set (r, "activation", "leaky_relu");
        snprintf (r->label, sizeof r->label,
                  GR_("Switch to leaky ReLU (dead units then still pass a gradient)"));
        break;
      }

    case GR_FINDING_SATURATION:
      /* TRANSLATORS: layer name, percentage, activation name ("sigmoid",
       * "tanh"); "%%" is a literal percent sign. */
      snprintf (ev, n, GR_("layer %s: %.0f%% of its %s outputs within 1%% of a bound "
                           "(average of the last 20 steps)"), layer_name (d, c->layer),
                (double) (100.0f * d->sat[c->layer]), gr_act_name (d->acts[c->layer]));
      if (d->bias_init[c->layer] != 0.0f)
        append (ev, n, GR_("; its biases started at %g"), (double) d->bias_init[c->layer]);
      if (active (d, GR_FINDING_UNNORMALIZED_INPUTS) && c->layer == 0)
        {
          /* The first layer saturates on inputs far from unit scale. */
          remedy_set (r, "data.normalize", "standard");
          remedy_set (r, "init", "%s", gr_init_name (d->knobs.init));
          snprintf (r->probe, sizeof r->probe, "input-scale");
          snprintf (r->label, sizeof r->label,
                    GR_("Standardize the inputs (the first layer saturates on their scale) and "
                        "restart from fresh weights"));
        }
      else if (d->has_bn && !d->knobs.batch_norm)
        {
          remedy_set (r, "batch_norm", "true");
          snprintf (r->label, sizeof r->label, GR_("Turn batch norm on"));
        }
      else if (d->knobs.init != GR_INIT_XAVIER)
        {
          remedy_set (r, "init", "xavier");
          snprintf (r->label, sizeof r->label,
                    GR_("Re-initialise with Xavier initialisation (restarts the run)"));
        }
      else
        {
          /* Xavier weights saturate only once large steps have grown them;
           * a smaller step does not shrink them again, fresh weights do. */
          float lr = nice (d->knobs.lr / 10.0f);

          remedy_set (r, "lr", "%g", lr);
          remedy_set (r, "init", "%s", gr_init_name (d->knobs.init));
          snprintf (r->label, sizeof r->label,
                    GR_("Lower the learning rate to %g and restart from fresh weights"), lr);
        }
      break;

    case GR_FINDING_LR_TOO_HIGH:
      if (c->variant == 1)
        snprintf (ev, n, GR_("update/weight ratio %.2g per step (layer %s; about 1e-3 is "
                             "healthy) before the run diverged at step %lld"), (double) ratio,
                  layer_name (d, wl), (long long) d->diverged_step);
      else if (c->variant == 2)
        snprintf (ev, n, GR_("update/weight ratio %.2g per step (layer %s; about 1e-3 is "
                             "healthy) at step %lld; loss %.4g, first loss %.4g"), (double) ratio,
                  layer_name (d, wl), (long long) d->step, (double) d->loss_fast,
                  (double) d->initial_loss);
      else
        {
          /* TRANSLATORS: how the loss moved; fills "loss %s over the last %d
           * steps" in the next message. */
          const char *moved = rel > 0.0f ? GR_("rose") : GR_("did not fall");

          /* TRANSLATORS: ratio, layer name, "rose" or "did not fall", window
           * in steps, the loss at its start and end. */
          snprintf (ev, n, GR_("update/weight ratio %.2g per step (layer %s; about 1e-3 is "
                               "healthy); loss %s over the last %d steps (%.4g -> %.4g)"),
                    (double) ratio, layer_name (d, wl), moved, d->cfg.window,
                    (double) older, (double) newer);
        }
      lower_lr_remedy (d, r, false);
      break;

    case GR_FINDING_LR_TOO_LOW:
      {
        float factor = 1e-3f / fmaxf (ratio, 1e-12f);
        float lr;

        factor = factor < 10.0f ? 10.0f : factor > 1000.0f ? 1000.0f : factor;
        lr = nice (d->knobs.lr * factor);
        snprintf (ev, n, GR_("largest update/weight ratio %.2g per step (layer %s; about 1e-3 "
                             "is healthy); loss changed by %.2f%% over the last %d steps"),
                  (double) ratio, layer_name (d, wl), (double) (100.0f * rel),
                  d->cfg.window);
        remedy_set (r, "lr", "%g", lr);
        snprintf (r->label, sizeof r->label, GR_("Raise the learning rate to %g"), lr);
        break;
      }

    case GR_FINDING_CHANCE_LEVEL:
      snprintf (ev, n, GR_("training loss %.4g over the last %d steps vs chance %.4g"),
                (double) newer, d->cfg.window / 2, (double) d->chance_loss);
      if (d->chance_kind == GR_LOSS_CE && !d->chance_weighted
          && fabsf (d->chance_loss - logf ((float) d->n_classes)) < 1e-3f)
        append (ev, n, " (ln %d)", d->n_classes);
      if (isfinite (d->acc_ema))
        append (ev, n, GR_("; batch accuracy %.1f%% vs chance %.1f%%"),
                (double) (100.0f * d->acc_ema), (double) (100.0f * d->chance_acc));
      snprintf (r->probe, sizeof r->probe, "overfit-batch");
      snprintf (r->label, sizeof r->label,
                GR_("Run the overfit-one-batch probe: can the net fit a few samples?"));
      break;

    case GR_FINDING_SHUFFLED_LABELS:
      if (c->variant == 1)
        snprintf (ev, n, GR_("validation accuracy %.1f%% is at or below chance (%.1f%%) for %d "
                             "evaluations while the training loss fell to %.4g (chance %.4g); "
                             "validation loss %.4g"), (double) (100.0f * d->last_eval.val_acc),
                  (double) (100.0f * d->chance_acc), d->chance_val_evals,
                  (double) d->last_eval.train_loss, (double) d->chance_loss,
                  (double) d->last_eval.val_loss);
      else
        snprintf (ev, n, GR_("loss %.4g at chance %.4g for %lld steps while updates look "
                             "healthy (update/weight ratio %.2g); batch accuracy %.1f%%"),
                  (double) newer, (double) d->chance_loss,
                  (long long) (d->step - d->slots[GR_FINDING_CHANCE_LEVEL].f.step
                               + d->cfg.window),
                  (double) ratio, (double) (100.0f * d->acc_ema));
      snprintf (r->probe, sizeof r->probe, "shuffle-control");
      snprintf (r->label, sizeof r->label,
                GR_("Check that the labels match their inputs; compare with the "
                    "shuffled-label control"));
      break;

    case GR_FINDING_LOSS_OUTPUT_MISMATCH:
      if (c->variant == 0)
        {
          snprintf (ev, n, GR_("the output node '%s' is a softmax and the loss is mse"),
                    d->out_name);
          remedy_set (r, "loss", "ce");
          remedy_set (r, "model.softmax", "false");
          snprintf (r->label, sizeof r->label,
                    GR_("Use cross-entropy on the logits (drops the softmax; restarts the run)"));
        }
      else if (c->variant == 1)
        {
          snprintf (ev, n, GR_("the output node '%s' is a softmax and the loss '%s' applies "
                               "its own softmax or sigmoid to it"), d->out_name,
                    gr_loss_name (d->knobs.loss));
          remedy_set (r, "model.softmax", "false");
          snprintf (r->label, sizeof r->label,
                    GR_("Feed the loss the logits (drops the softmax; restarts the run)"));
        }
      else if (c->variant == 2)
        {
          snprintf (ev, n, GR_("the output node '%s' is a %s and the loss '%s' expects logits"),
                    d->out_name, gr_act_name (d->out_act), gr_loss_name (d->knobs.loss));
          snprintf (r->label, sizeof r->label,
                    GR_("Remove the output activation: the loss applies its own"));
        }
      else
        {
          snprintf (ev, n, GR_("loss mse on a %d-class classifier"), d->n_classes);
          remedy_set (r, "loss", "ce");
          snprintf (r->label, sizeof r->label, GR_("Use cross-entropy"));
        }
      break;

    case GR_FINDING_UNNORMALIZED_INPUTS:
      snprintf (ev, n, GR_("training inputs: mean %.3g, std %.3g, RMS %.3g, range [%.3g, %.3g] "
                           "over %d features (unit scale is RMS about 1)"), (double) d->input.mean,
                (double) d->input.std, (double) d->input.rms, (double) d->input.min,
                (double) d->input.max, d->input.n_features);
      /* Weights trained on the raw scale are damaged within a few steps
       * (dead or saturated units); standardized data from fresh weights
       * learns at once, the damaged net barely (docs/DOCTOR.md). */
      remedy_set (r, "data.normalize", "standard");
      remedy_set (r, "init", "%s", gr_init_name (d->knobs.init));
      snprintf (r->probe, sizeof r->probe, "input-scale");
      snprintf (r->label, sizeof r->label,
                GR_("Standardize the inputs (per feature: subtract the mean, divide by the "
                    "standard deviation) and restart from fresh weights"));
      break;

    case GR_FINDING_OVERFITTING:
      {
        const GrEvalRecord *e = &d->last_eval;

        snprintf (ev, n, GR_("validation loss %.4g at step %lld (mean of 3 evaluations), up "
                             "%.0f%% from its best %.4g, while the training loss fell from %.4g to "
                             "%.4g; best validation loss %.4g at step %lld"),
                  (double) d->sm_val, (long long) e->step,
                  (double) (100.0f * (d->sm_val / d->best_val - 1.0f)),
                  (double) d->best_val, (double) d->train_at_best, (double) d->sm_train,
                  (double) d->best_raw, (long long) d->best_step);
        if (isfinite (d->sm_acc))
          append (ev, n, GR_("; validation accuracy %.1f%% (best %.1f%%)"),
                  (double) (100.0f * d->sm_acc), (double) (100.0f * d->best_val_acc));
        if (d->has_dropout && d->knobs.dropout == 0.0f)
          {
            remedy_set (r, "dropout", "0.3");
            snprintf (r->label, sizeof r->label,
                      GR_("Turn dropout up to 0.3, or stop early at step %lld"),
                      (long long) d->best_step);
          }
        else
          {
            float wd = nice (5e-5f / d->knobs.lr);

            remedy_set (r, "weight_decay", "%g", wd);
            snprintf (r->label, sizeof r->label,
                      GR_("Add weight decay %g, or stop early at step %lld"), wd,
                      (long long) d->best_step);
          }
        break;
      }

    case GR_FINDING_IMBALANCE_COLLAPSE:
      {
        const GrEvalRecord *e = &d->last_eval;
        int cl = c->layer_other;
        char cls[40];

        if (d->class_names[cl][0])
          snprintf (cls, sizeof cls, "%d (%s)", cl, d->class_names[cl]);
        else
          snprintf (cls, sizeof cls, "%d", cl);
        /* TRANSLATORS: pixel accuracy, the class ("2" or "2 (road)"), its
         * IoU, its share of the pixels, the mean IoU over the classes. */
        snprintf (ev, n, GR_("pixel accuracy %.1f%% but class %s has IoU %.3f at %.1f%% of the "
                             "pixels; mean IoU %.3f"), (double) (100.0f * e->pixel_acc), cls,
                  (double) e->class_iou[cl], (double) (100.0f * d->class_freq[cl]),
                  (double) e->miou);
        /* Square-root inverse frequency, 1 for the largest class: with
         * 96 % background and two 2 % classes that is about [1, 7, 7]; the
         * full inverse (1:48) overshoots into predicting the rare classes
         * everywhere. */
        {
          char w[64] = "";
          float fmax = 0.0f;

          for (int k = 0; k < d->n_classes; k++)
            fmax = fmaxf (fmax, d->class_freq[k]);
          for (int k = 0; k < d->n_classes && k < 8; k++)
            append (w, sizeof w, "%s%.2g", k ? "," : "",
                    d->class_freq[k] > 0.0f ? (double) sqrtf (fmax / d->class_freq[k]) : 1.0);
          remedy_set (r, "class_weights", "%s", w);
          snprintf (r->label, sizeof r->label,
                    GR_("Weight the classes by the square root of their inverse frequency"));
        }
        break;
      }

    case GR_FINDING_PLATEAU:
      {
        int P = d->cfg.plateau_steps;
        float a = ring_mean (d, P - P / 4, P / 4), b = ring_mean (d, 0, P / 4);

        snprintf (ev, n, GR_("loss %.4g -> %.4g over the last %d steps (%+.2f%%) while updates "
                             "look healthy (update/weight ratio %.2g)"), (double) a, (double) b, P,
                  (double) (100.0f * (b - a) / a), (double) ratio);
        if (isfinite (d->acc_ema))
          append (ev, n, GR_("; batch accuracy %.1f%%"), (double) (100.0f * d->acc_ema));
        lower_lr_remedy (d, r, false);
        append (r->label, sizeof r->label, GR_(" (a schedule step)"));
        snprintf (r->probe, sizeof r->probe, "overfit-batch");
        break;
      }

    case GR_FINDING_NET_TOO_SMALL:
      {
        int width = d->n_classes > 0 ? 4 * d->n_classes : 32;

        if (width < 32)
          width = 32;
        if (width < 2 * d->narrow_units)
          width = 2 * d->narrow_units;
        if (c->variant == 1)
          snprintf (ev, n, GR_("overfit-one-batch probe at step %lld: loss %.4g -> %.4g on %d "
                               "samples in %d steps (near zero is expected)"),
                    (long long) d->probe_step, (double) d->probe_initial,
                    (double) d->probe_final, d->probe_batch, d->probe_steps);
        else
          {
            int P = d->cfg.plateau_steps;

            float a = ring_mean (d, P - P / 4, P / 4), b = ring_mean (d, 0, P / 4);

            snprintf (ev, n, GR_("hidden layer %s has %d units for %d classes; the training "
                                 "loss levels off at %.4g (%+.1f%% over the last %d steps; "
                                 "chance %.4g)"),
                      layer_name (d, d->narrow_layer), d->narrow_units, d->n_classes,
                      (double) b, (double) (100.0f * (b - a) / a), P,
                      (double) d->chance_loss);
            if (isfinite (d->acc_ema))
              append (ev, n, GR_("; batch accuracy %.1f%%"), (double) (100.0f * d->acc_ema));
          }
        remedy_set (r, "model.width", "%d", width);
        snprintf (r->label, sizeof r->label,
                  GR_("Widen the hidden layers to %d units (restarts the run)"), width);
        snprintf (r->probe, sizeof r->probe, "overfit-batch");
        break;
      }

    case GR_N_FINDING_KINDS:
    default:
      break;
    }
}

/* ---- Reading the run's structure ------------------------------------------- */

static void
update_chance (GrDoctor  *d,
               GrSession *s)
{
  GrLossConfig lc;
  GrChanceBaseline cb;

  gr_session_loss_config (s, &lc);
  if (d->chance_kind == lc.kind && d->chance_weighted == lc.use_weights && d->inspected
      && memcmp (d->chance_weights, lc.class_weights, sizeof lc.class_weights) == 0)
    return;
  d->chance_kind = lc.kind;
  d->chance_weighted = lc.use_weights;
  memcpy (d->chance_weights, lc.class_weights, sizeof lc.class_weights);
  if (gr_probe_chance (gr_session_train_data (s), &lc, &cb))
    {
      d->chance_loss = cb.loss;
      d->chance_acc = cb.acc;
      memcpy (d->class_freq, cb.freq, sizeof d->class_freq);
    }
  else
    d->chance_loss = d->chance_acc = NAN;
}

/* The activation of each weighted layer (the activation knob is live). */
static void
read_acts (GrDoctor *d,
           GrNet    *net)
{
  for (int i = 0; i < d->n_layers; i++)
    {
      const GrLayerSpec *a = gr_net_node_spec (net, gr_net_weighted_act_node (net, i));

      d->acts[i] = a->kind == GR_LAYER_ACT ? a->act : GR_ACT_IDENTITY;
    }
}

static void
inspect (GrDoctor  *d,
         GrSession *s)
{
  GrNet *net = gr_session_net (s);
  const GrDataset *train = gr_session_train_data (s);
  int n_nodes = gr_net_n_nodes (net);
  const GrLayerSpec *out;

  d->net = net;
  d->n_classes = train->n_classes;
  d->n_val = gr_session_val_data (s) != NULL ? gr_session_val_data (s)->n : 0;
  d->is_seg = train->labels != NULL
              && (train->target_shape.h > 1 || train->target_shape.w > 1);
  d->n_layers = gr_net_n_weighted (net);
  if (d->n_layers > MAX_LAYERS)
    d->n_layers = MAX_LAYERS;
  d->narrow_layer = -1;
  d->narrow_units = 0;
  for (int i = 0; i < d->n_layers; i++)
    {
      int node = gr_net_weighted_node (net, i);
      const GrLayerSpec *spec = gr_net_node_spec (net, node);

      snprintf (d->names[i], GR_NAME_LEN, "%s", spec->name);
      d->units[i] = gr_net_node_shape (net, node).c;
      d->bias_init[i] = node >= 1 && node <= gr_session_config (s)->model.n_layers
                        ? gr_session_config (s)->model.bias_init[node - 1] : 0.0f;
      /* A bottleneck is a narrow feature vector; a conv layer with few
       * channels still has its spatial positions. */
      if (i < d->n_layers - 1 && spec->kind == GR_LAYER_DENSE
          && (d->narrow_layer < 0 || d->units[i] < d->narrow_units))
        {
          d->narrow_layer = i;
          d->narrow_units = d->units[i];
        }
    }
  read_acts (d, net);
  d->has_bn = d->has_dropout = false;
  for (int i = 1; i < n_nodes; i++)
    {
      GrLayerKind k = gr_net_node_spec (net, i)->kind;

      d->has_bn |= k == GR_LAYER_BATCHNORM;
      d->has_dropout |= k == GR_LAYER_DROPOUT || k == GR_LAYER_SPATIAL_DROPOUT;
    }
  out = gr_net_node_spec (net, n_nodes - 1);
  snprintf (d->out_name, sizeof d->out_name, "%s", out->name);
  d->out_kind = out->kind;
  d->out_act = out->kind == GR_LAYER_ACT ? out->act : GR_ACT_IDENTITY;
  for (int c = 0; c < GR_MAX_CLASSES; c++)
    snprintf (d->class_names[c], sizeof d->class_names[c], "%s",
              c < 8 ? train->class_names[c] : "");

  gr_probe_input_stats (train, &d->input);
  d->have_input = true;
  d->input_data = train;
  gr_session_get_knobs (s, &d->knobs);
  d->inspected = false;
  update_chance (d, s);
  d->inspected = true;
}

/* Checks that need no training: the loss against the output, the inputs'
 * scale. Re-run at every observe (the loss knob is live). */
static void
check_structure (GrDoctor *d)
{
  Check c = check_init (d);
  GrLossKind loss = d->knobs.loss;
  bool logits_loss = loss == GR_LOSS_CE || loss == GR_LOSS_BCE || loss == GR_LOSS_FOCAL
                     || loss == GR_LOSS_DICE || loss == GR_LOSS_CE_DICE;

  c.range_start = 0;
  c.now = true;
  if (is_classifier (d) && d->out_kind == GR_LAYER_SOFTMAX && loss == GR_LOSS_MSE)
    c.variant = 0;
  else if (is_classifier (d) && d->out_kind == GR_LAYER_SOFTMAX && logits_loss)
    {
      c.variant = 1;
      c.severity = GR_SEVERITY_ERROR;
    }
  else if (is_classifier (d) && squashing (d->out_act) && logits_loss)
    c.variant = 2;
  else if (is_classifier (d) && loss == GR_LOSS_MSE)
    {
      c.variant = 3;
      c.severity = GR_SEVERITY_INFO;
    }
  else
    c.variant = -1;
  c.raise = c.stay = c.variant >= 0;
  /* A different mismatch after a knob change is a new finding. */
  if (active (d, GR_FINDING_LOSS_OUTPUT_MISMATCH) && c.raise
      && d->slots[GR_FINDING_LOSS_OUTPUT_MISMATCH].f.severity != c.severity)
    clear_finding (d, GR_FINDING_LOSS_OUTPUT_MISMATCH);
  update_slot (d, GR_FINDING_LOSS_OUTPUT_MISMATCH, &c, 1, 1);

  c = check_init (d);
  c.range_start = 0;
  c.now = true;
  if (d->have_input && d->input.n_values > 0)
    c.raise = c.stay = d->input.rms > d->cfg.input_scale_high
                       || (d->input.rms > 0.0f && d->input.rms < d->cfg.input_scale_low);
  update_slot (d, GR_FINDING_UNNORMALIZED_INPUTS, &c, 1, 1);
}

/* ---- Per-step checks ----------------------------------------------------------- */

/* A finding that explains a loss stuck at chance by how the net trains,
 * not by what the labels say. */
static bool
training_fault (const GrDoctor *d)
{
  return active (d, GR_FINDING_DIVERGENCE) || active (d, GR_FINDING_EXPLODING_GRADIENTS)
         || active (d, GR_FINDING_VANISHING_GRADIENTS) || active (d, GR_FINDING_DEAD_RELU)
         || active (d, GR_FINDING_SATURATION) || active (d, GR_FINDING_LR_TOO_HIGH)
         || active (d, GR_FINDING_LR_TOO_LOW) || active (d, GR_FINDING_IMBALANCE_COLLAPSE)
         || (active (d, GR_FINDING_LOSS_OUTPUT_MISMATCH)
             && d->slots[GR_FINDING_LOSS_OUTPUT_MISMATCH].f.severity > GR_SEVERITY_INFO);
}

static void
check_steps (GrDoctor *d,
             bool      with_probes)
{
  const GrDoctorConfig *cfg = &d->cfg;
  int W = cfg->window, wl;
  float older = NAN, newer = NAN, rel = NAN, ratio = max_update_ratio (d, &wl);
  bool have_trend = trend (d, W, &older, &newer, &rel);
  bool after_warmup = d->step > cfg->warmup_steps;
  bool clipping = d->knobs.clip_norm > 0.0f || d->knobs.clip_value > 0.0f;
  int lh = last_hidden (d);
  Check c;

  /* Divergence: the loss an order of magnitude above where it started. */
  c = check_init (d);
  if (d->n_obs >= 3 && isfinite (d->initial_loss) && d->initial_loss > 0.0f)
    {
      c.raise = d->loss_fast > cfg->divergence_factor * d->initial_loss;
      c.stay = c.raise || d->loss_fast > 2.0f * d->initial_loss || d->diverged;
      c.severity = GR_SEVERITY_ERROR;
      c.range_start = d->stretch_start;
      update_slot (d, GR_FINDING_DIVERGENCE, &c, 3, cfg->clear_after);
    }

  /* Exploding gradients: a spike in the global norm, or gradients growing
   * towards the input. */
  c = check_init (d);
  if (d->spike_step == d->step)
    {
      c.raise = 1;
      c.now = true;
      c.variant = 1;
      c.range_start = d->step;
    }
  if (with_probes && d->probe_n >= 5 && lh > 0)
    {
      float lr_ = d->g_log[0] - d->g_log[lh];

      if (c.raise != 1 && lr_ > log10f (cfg->explode_ratio))
        {
          c.raise = 1;
          c.variant = 0;
        }
      c.stay = c.raise == 1 || lr_ > log10f (cfg->explode_ratio) - 1.0f
               || (d->spike_step >= 0 && d->step - d->spike_step < cfg->clear_after);
      c.layer = 0;
      c.layer_other = lh;
    }
  else
    c.stay = d->spike_step >= 0 && d->step - d->spike_step < cfg->clear_after ? 1 : -1;
  c.severity = clipping ? GR_SEVERITY_INFO : GR_SEVERITY_WARNING;
  if (have_trend && rel > 0.5f && !clipping)
    c.severity = GR_SEVERITY_ERROR;
  if (with_probes || c.raise == 1)
    update_slot (d, GR_FINDING_EXPLODING_GRADIENTS, &c, cfg->raise_after, cfg->clear_after);

  if (!with_probes)
    return;

  /* Vanishing gradients: early layers orders of magnitude below late ones
   * and tiny against their own weights. */
  c = check_init (d);
  if (d->probe_n >= 5 && lh > 0)
    {
      float lr_ = d->g_log[0] - d->g_log[lh];
      float rel0 = d->g_log[0] - d->w_log[0];

      c.raise = lr_ < log10f (cfg->vanish_ratio) && rel0 < log10f (cfg->vanish_abs);
      c.stay = lr_ < log10f (cfg->vanish_ratio) + 1.0f;
      c.severity = lr_ < 2.0f * log10f (cfg->vanish_ratio) ? GR_SEVERITY_ERROR
                                                            : GR_SEVERITY_WARNING;
      c.layer = 0;
      c.layer_other = lh;
      update_slot (d, GR_FINDING_VANISHING_GRADIENTS, &c, cfg->raise_after, cfg->clear_after);
    }

  /* Dead ReLUs. */
  c = check_init (d);
  c.layer = worst_layer (d, d->dead, can_die);
  if (d->probe_n >= 10 && c.layer >= 0)
    {
      c.raise = d->dead[c.layer] > cfg->dead_frac;
      c.stay = d->dead[c.layer] > cfg->dead_frac - 0.1f;
      c.severity = d->dead[c.layer] > 0.9f ? GR_SEVERITY_ERROR : GR_SEVERITY_WARNING;
      c.range_start = d->step - 20 > 0 ? d->step - 20 : 0;
    }
  update_slot (d, GR_FINDING_DEAD_RELU, &c, 2 * cfg->raise_after, cfg->clear_after);

  /* Saturated sigmoid / tanh units. */
  c = check_init (d);
  c.layer = worst_layer (d, d->sat, squashing);
  if (d->probe_n >= 10 && c.layer >= 0)
    {
      /* A net that already fits its data (converged ()) may saturate its
       * last hidden layer on confident outputs; that costs nothing. */
      c.raise = d->sat[c.layer] > cfg->saturated_frac && !converged (d);
      c.stay = d->sat[c.layer] > cfg->saturated_frac - 0.1f && !converged (d);
      c.range_start = d->step - 20 > 0 ? d->step - 20 : 0;
    }
  update_slot (d, GR_FINDING_SATURATION, &c, 2 * cfg->raise_after, cfg->clear_after);

  /* Learning rate too high: big steps and a loss that does not fall. */
  c = check_init (d);
  c.layer = wl;
  if (after_warmup && have_trend && isfinite (ratio))
    {
      c.raise = (ratio > cfg->update_ratio_high && rel > -0.01f)
                || (ratio > cfg->update_ratio_high / 10.0f && rel > 0.5f);
      c.stay = ratio > cfg->update_ratio_high / 3.0f && rel > -0.05f;
    }
  else
    c.raise = c.stay = -1;
  /* No need to wait for a trend when every step replaces the weights
   * wholesale (ratio above 1) or the loss is already several times where
   * it started. */
  if (isfinite (d->u_now)
      && (d->u_now > 10.0f * cfg->update_ratio_high
          || (d->u_now > cfg->update_ratio_high && d->loss_fast > 3.0f * d->initial_loss)))
    {
      c.raise = 1;
      c.need = 3;
      c.severity = GR_SEVERITY_ERROR;
      c.variant = 2;
    }
  /* Once raised it stays until the rate is lowered or the loss recovers
   * (a run the rate has ruined makes small updates, but the cause is the
   * same). */
  if (active (d, GR_FINDING_LR_TOO_HIGH) && c.stay != 1)
    c.stay = d->knobs.lr >= d->lr_at_raise && !(have_trend && rel < -0.05f) ? 1 : c.stay;
  update_slot (d, GR_FINDING_LR_TOO_HIGH, &c, cfg->raise_after, cfg->clear_after);

  /* Learning rate too low: tiny steps and a loss that barely moves. */
  c = check_init (d);
  c.layer = wl;
  /* Dead, vanishing or saturated units also make small updates; those
   * findings name the cause better. */
  if (after_warmup && have_trend && isfinite (ratio) && !converged (d)
      && !active (d, GR_FINDING_DEAD_RELU) && !active (d, GR_FINDING_VANISHING_GRADIENTS)
      && !active (d, GR_FINDING_SATURATION) && !active (d, GR_FINDING_DIVERGENCE))
    {
      /* "Barely moving": not falling by 1 % per window (a rise under
       * such small steps is batch noise). */
      c.raise = ratio < cfg->update_ratio_low && rel > -0.01f;
      c.stay = ratio < 3.0f * cfg->update_ratio_low && rel > -0.02f;
    }
  else
    c.raise = c.stay = converged (d) ? 0 : -1;
  update_slot (d, GR_FINDING_LR_TOO_LOW, &c, cfg->raise_after, cfg->clear_after);

  /* Chance level. */
  c = check_init (d);
  if (after_warmup && have_trend && is_classifier (d) && isfinite (d->chance_loss))
    {
      /* Near the chance loss and, where there is an accuracy, near the
       * chance accuracy too: a loss a little below chance with clearly
       * better than chance predictions is learning, if slowly. */
      c.raise = fabsf (newer - d->chance_loss) < cfg->chance_tol * d->chance_loss
                && rel > -0.01f
                && (!isfinite (d->acc_ema) || d->acc_ema < d->chance_acc + 0.05f);
      c.stay = newer > d->chance_loss * (1.0f - 2.0f * cfg->chance_tol);
    }
  else
    c.raise = c.stay = -1;
  update_slot (d, GR_FINDING_CHANCE_LEVEL, &c, 3 * cfg->raise_after, cfg->clear_after);

  /* Shuffled labels: at chance although nothing else explains it. */
  c = check_init (d);
  c.severity = GR_SEVERITY_ERROR;
  {
    bool cause = training_fault (d);
    bool healthy = isfinite (ratio) && ratio >= 10.0f * cfg->update_ratio_low
                   && ratio <= cfg->update_ratio_high;

    c.raise = active (d, GR_FINDING_CHANCE_LEVEL) && !cause && healthy;
    c.stay = active (d, GR_FINDING_CHANCE_LEVEL) || d->chance_val_evals >= cfg->overfit_evals;
    if (!have_trend)
      c.stay = c.stay ? 1 : -1;
  }
  update_slot (d, GR_FINDING_SHUFFLED_LABELS, &c, cfg->raise_after, cfg->clear_after);

  /* Plateau: flat for a long stretch, nothing else explains it, not done. */
  c = check_init (d);
  if (after_warmup && d->ring_n >= cfg->plateau_steps)
    {
      int P = cfg->plateau_steps;
      float a = ring_mean (d, P - P / 4, P / 4), b = ring_mean (d, 0, P / 4);
      float prel = (b - a) / fmaxf (fabsf (a), 1e-12f);
      bool other = active (d, GR_FINDING_CHANCE_LEVEL) || active (d, GR_FINDING_LR_TOO_LOW)
                   || active (d, GR_FINDING_LR_TOO_HIGH) || active (d, GR_FINDING_DIVERGENCE)
                   || active (d, GR_FINDING_VANISHING_GRADIENTS)
                   || active (d, GR_FINDING_DEAD_RELU) || active (d, GR_FINDING_SATURATION)
                   || active (d, GR_FINDING_SHUFFLED_LABELS)
                   || active (d, GR_FINDING_NET_TOO_SMALL);

      /* Information only: a flat stretch can end by itself (the spiral
       * sits at 0.67 for a thousand steps before it learns), so the doctor
       * says so but does not call it a fault. */
      c.severity = GR_SEVERITY_INFO;
      c.raise = fabsf (prel) < cfg->plateau_rel && !converged (d) && !other;
      c.stay = fabsf (prel) < 2.0f * cfg->plateau_rel && !converged (d);
      c.range_start = d->step - P + 1;
    }
  else
    c.raise = c.stay = -1;
  update_slot (d, GR_FINDING_PLATEAU, &c, cfg->raise_after, cfg->clear_after);

  /* Too small: a hidden layer narrower than the number of classes, and a
   * training loss levelling off far above zero (less than 10 % better
   * over the plateau window, still above a quarter of the chance loss). */
  c = check_init (d);
  c.layer = d->narrow_layer;
  if (d->probe_failed)
    {
      c.raise = c.stay = 1;
      c.variant = 1;
      c.now = true;
    }
  else if (after_warmup && d->ring_n >= cfg->plateau_steps && is_classifier (d)
           && isfinite (d->chance_loss))
    {
      int P = cfg->plateau_steps;
      float a = ring_mean (d, P - P / 4, P / 4), b = ring_mean (d, 0, P / 4);
      float prel = (b - a) / fmaxf (fabsf (a), 1e-12f);
      bool bottleneck = d->narrow_layer >= 0 && d->narrow_units < d->n_classes;
      bool other = active (d, GR_FINDING_CHANCE_LEVEL) || active (d, GR_FINDING_LR_TOO_LOW)
                   || active (d, GR_FINDING_LR_TOO_HIGH) || active (d, GR_FINDING_DIVERGENCE)
                   || active (d, GR_FINDING_VANISHING_GRADIENTS)
                   || active (d, GR_FINDING_DEAD_RELU) || active (d, GR_FINDING_SATURATION)
                   || active (d, GR_FINDING_SHUFFLED_LABELS);

      c.raise = bottleneck && prel > -0.1f && b > 0.25f * d->chance_loss && !other
                && !converged (d);
      c.stay = bottleneck && b > 0.2f * d->chance_loss && !converged (d);
      c.range_start = d->step - P + 1;
    }
  else
    c.raise = c.stay = -1;
  update_slot (d, GR_FINDING_NET_TOO_SMALL, &c, cfg->raise_after, cfg->clear_after);
}

/* ---- Feeding --------------------------------------------------------------------- */

static void
restart_stretch (GrDoctor *d,
                 int64_t   step)
{
  d->ring_n = 0;
  d->stretch_start = step;
}

static void
observe_step (GrDoctor           *d,
              const GrStepRecord *rec,
              const GrProbe      *probes,
              int                 n_probes)
{
  bool first;

  d->step = rec->step;
  d->n_obs++;
  /* A failed step counts as long as the steps after it are few. */
  if (d->diverged && rec->step > d->diverged_step + d->cfg.clear_after)
    d->diverged = false;
  if (!isfinite (rec->loss))
    return;
  d->last_finite_loss = rec->loss;
  d->last_finite_step = rec->step;
  /* The first step's loss is the untrained net's (the forward pass runs
   * before the update): the reference for "blew up". */
  if (d->n_initial == 0)
    {
      d->n_initial = 1;
      d->initial_loss = rec->loss;
    }
  d->ring[d->ring_pos] = rec->loss;
  d->ring_pos = (d->ring_pos + 1) % RING;
  d->ring_n++;
  d->loss_fast = ema (d->loss_fast, rec->loss, FAST_ALPHA, d->n_obs == 1);
  if (isfinite (rec->acc))
    d->acc_ema = ema (d->acc_ema, rec->acc, ACC_ALPHA, !isfinite (d->acc_ema));

  /* A spike: the raw norm 100x above its running (log) average, judged
   * before the average takes it in. */
  if (isfinite (rec->grad_norm_raw) && rec->grad_norm_raw > 0.0f)
    {
      float g = lg (rec->grad_norm_raw);

      /* ... and 10x above the highest running average so far: a converged
       * run's tiny norm jumping back to an ordinary size is no explosion. */
      if (d->gn_n >= 5 && g - d->gn_log > log10f (d->cfg.explode_spike)
          && g - d->gn_ref > 1.0f)
        {
          d->spike_step = rec->step;
          d->spike_norm = rec->grad_norm_raw;
          d->spike_avg = powf (10.0f, d->gn_log);
        }
      d->gn_log = ema (d->gn_log, g, PROBE_ALPHA, d->gn_n == 0);
      d->gn_ref = d->gn_n == 0 ? d->gn_log : fmaxf (d->gn_ref, d->gn_log);
      d->gn_n++;
    }

  if (probes != NULL)
    {
      first = d->probe_n == 0;
      if (n_probes > d->n_layers)
        n_probes = d->n_layers;
      for (int i = 0; i < n_probes; i++)
        {
          const GrProbe *p = &probes[i];

          d->g_log[i] = ema (d->g_log[i], lg (p->grad_norm_raw), PROBE_ALPHA, first);
          d->w_log[i] = ema (d->w_log[i], lg (p->weight_norm), PROBE_ALPHA, first);
          d->u_log[i] = ema (d->u_log[i], lg (p->update_ratio), PROBE_ALPHA, first);
          d->dead[i] = ema (d->dead[i], p->dead_frac, PROBE_ALPHA, first);
          d->sat[i] = ema (d->sat[i], p->saturated_frac, PROBE_ALPHA, first);
        }
      d->probe_n++;
      d->u_now = 0.0f;
      for (int i = 0; i < n_probes; i++)
        d->u_now = fmaxf (d->u_now, probes[i].update_ratio);
    }
  else
    d->u_now = NAN;
  check_steps (d, probes != NULL);
}

static void
observe_diverged (GrDoctor      *d,
                  const GrEvent *e)
{
  Check c = check_init (d);
  int wl;
  float ratio = max_update_ratio (d, &wl);

  d->diverged = true;
  d->diverged_step = e->step;
  snprintf (d->diverged_text, sizeof d->diverged_text, "%s",
            strncmp (e->text, "diverged: ", 10) == 0 ? e->text + 10 : e->text);
  d->step = e->step;
  c.raise = c.stay = 1;
  c.now = true;
  c.variant = 1;
  c.severity = GR_SEVERITY_ERROR;
  c.range_start = d->stretch_start;
  if (active (d, GR_FINDING_DIVERGENCE))
    escalate (d, GR_FINDING_DIVERGENCE, &c);
  else
    update_slot (d, GR_FINDING_DIVERGENCE, &c, 1, d->cfg.clear_after);
  /* Large steps right before the blow-up name the learning rate. */
  if (isfinite (ratio) && ratio > d->cfg.update_ratio_high / 10.0f
      && !active (d, GR_FINDING_LR_TOO_HIGH))
    {
      c.layer = wl;
      c.severity = GR_SEVERITY_ERROR;
      update_slot (d, GR_FINDING_LR_TOO_HIGH, &c, 1, d->cfg.clear_after);
    }
}

static void
observe_eval (GrDoctor           *d,
              const GrEvalRecord *e)
{
  const GrDoctorConfig *cfg = &d->cfg;
  Check c;

  d->n_evals++;
  d->last_eval = *e;
  if (e->step > d->step)
    d->step = e->step;

  /* Overfitting: validation loss up from its best for several evaluations
   * while the training loss went on falling. */
  /* Overfitting: validation loss up from its best for several evaluations
   * while the training loss went on falling. Single evaluations are noisy
   * (a small validation set, a regression's few points), so decisions use
   * the mean of the last three. */
  if (isfinite (e->val_loss) && isfinite (e->train_loss))
    {
      int k = (int) ((d->n_evals - 1) % 3);

      d->ev_val[k] = e->val_loss;
      d->ev_train[k] = e->train_loss;
      d->ev_acc[k] = e->val_acc;
      if (e->val_loss < d->best_raw)
        {
          d->best_raw = e->val_loss;
          d->best_step = e->step;
        }
    }
  if (isfinite (e->val_loss) && isfinite (e->train_loss) && d->n_evals >= 3)
    {
      d->sm_val = (d->ev_val[0] + d->ev_val[1] + d->ev_val[2]) / 3.0f;
      d->sm_train = (d->ev_train[0] + d->ev_train[1] + d->ev_train[2]) / 3.0f;
      d->sm_acc = (d->ev_acc[0] + d->ev_acc[1] + d->ev_acc[2]) / 3.0f;
      if (d->sm_val < d->best_val)
        {
          d->best_val = d->sm_val;
          d->best_val_acc = d->sm_acc;
          d->train_at_best = d->sm_train;
          d->evals_since_best = 0;
        }
      else
        d->evals_since_best++;
      c = check_init (d);
      /* The gap between validation and training loss must have opened
       * too: noise moves both together. */
      c.raise = d->evals_since_best >= cfg->overfit_evals
                && d->sm_val > d->best_val * (1.0f + cfg->overfit_rise)
                && d->sm_train < 0.95f * d->train_at_best
                && (d->sm_val - d->sm_train) - (d->best_val - d->train_at_best)
                   > cfg->overfit_rise * d->best_val;
      c.stay = d->sm_val > d->best_val * (1.0f + cfg->overfit_rise / 2.0f);
      /* Worse predictions, not only less confident ones, make it a
       * warning. */
      c.severity = isfinite (d->sm_acc) && isfinite (d->best_val_acc)
                   && d->sm_acc < d->best_val_acc - 0.02f ? GR_SEVERITY_WARNING
                                                          : GR_SEVERITY_INFO;
      if (!isfinite (d->sm_acc) && d->sm_val > 1.5f * d->best_val)
        c.severity = GR_SEVERITY_WARNING;
      c.range_start = d->best_step;
      c.range_end = e->step;
      update_slot (d, GR_FINDING_OVERFITTING, &c, 1, 3);
    }

  /* Validation accuracy at chance while the training loss falls: the
   * net memorises labels it cannot predict. */
  if (is_classifier (d) && !d->is_seg && isfinite (e->val_acc) && isfinite (d->chance_acc)
      && isfinite (d->chance_loss))
    {
      float sigma = sqrtf (d->chance_acc * (1.0f - d->chance_acc)
                           / (float) (d->n_val > 0 ? d->n_val : 1));

      if (e->val_acc < d->chance_acc + fmaxf (3.0f * sigma, 0.02f))
        d->chance_val_evals++;
      else
        d->chance_val_evals = 0;
      c = check_init (d);
      c.severity = GR_SEVERITY_ERROR;
      c.variant = 1;
      c.now = true;
      /* Memorising: clearly better on the training samples than on the
       * held-out ones, and below the chance loss there. */
      c.raise = d->chance_val_evals >= cfg->overfit_evals && !training_fault (d)
                && e->train_loss < d->chance_loss * (1.0f - cfg->chance_tol)
                && (e->val_loss > d->chance_loss
                    || (isfinite (e->train_acc) && e->train_acc > e->val_acc + 0.15f));
      c.stay = d->chance_val_evals > 0 || active (d, GR_FINDING_CHANCE_LEVEL);
      if (c.raise || active (d, GR_FINDING_SHUFFLED_LABELS))
        update_slot (d, GR_FINDING_SHUFFLED_LABELS, &c, 1, 2);
    }

  /* Imbalance collapse (segmentation). */
  if (d->is_seg && isfinite (e->pixel_acc))
    {
      int worst = -1;

      for (int k = 0; k < e->n_classes && k < GR_MAX_CLASSES; k++)
        if (d->class_freq[k] > 0.0f && isfinite (e->class_iou[k])
            && (worst < 0 || e->class_iou[k] < e->class_iou[worst]))
          worst = k;
      c = check_init (d);
      if (worst >= 0)
        {
          c.raise = e->pixel_acc >= cfg->collapse_pixel_acc
                    && e->class_iou[worst] < cfg->collapse_iou && d->n_evals >= 2;
          c.stay = e->class_iou[worst] < 2.0f * cfg->collapse_iou;
          c.layer_other = worst;
        }
      c.range_end = e->step;
      update_slot (d, GR_FINDING_IMBALANCE_COLLAPSE, &c, 2, 2);
    }
}

static void
end_all (GrDoctor *d)
{
  for (int k = 0; k < GR_N_FINDING_KINDS; k++)
    if (d->slots[k].active)
      clear_finding (d, k);
}

void
gr_doctor_reset (GrDoctor *d)
{
  end_all (d);
  forget_run (d);
}

static void
notify (GrDoctor *d,
        int       changes)
{
  if (changes > 0 && d->changed_fn != NULL)
    d->changed_fn (d, d->changed_data);
}

int
gr_doctor_observe (GrDoctor  *d,
                   GrSession *s)
{
  GrHistory *h = gr_session_history (s);
  int64_t n_steps = gr_history_n_steps (h);
  int64_t n_events = gr_history_n_events (h);
  int64_t n_evals = gr_history_n_evals (h);
  const GrProbe *probes = gr_session_probes (s);
  int n_probes = gr_net_n_weighted (gr_session_net (s));

  d->changes = 0;
  /* A reset rebuilds the net and empties the history. */
  if (d->inspected && ((const void *) gr_session_net (s) != d->net || n_steps < d->seen_steps
                       || n_events < d->seen_events || n_evals < d->seen_evals))
    gr_doctor_reset (d);
  if (!d->inspected)
    inspect (d, s);
  /* The data.normalize remedy swaps the run's data for standardized
   * copies: read their scale again (once; no allocation). */
  if ((const void *) gr_session_train_data (s) != d->input_data)
    {
      d->input_data = gr_session_train_data (s);
      gr_probe_input_stats (gr_session_train_data (s), &d->input);
    }
  gr_session_get_knobs (s, &d->knobs);
  read_acts (d, gr_session_net (s));
  update_chance (d, s);

  /* Events first: a knob change starts a new stretch for the trends, a
   * failed step is a divergence. */
  while (d->seen_events < n_events)
    {
      int64_t got = gr_history_copy_events (h, d->seen_events, EVENT_BUF, d->event_buf);

      if (got <= 0)
        break;
      for (int64_t i = 0; i < got; i++)
        {
          const GrEvent *e = &d->event_buf[i];

          if (e->kind == GR_EVENT_KNOB)
            restart_stretch (d, e->step);
          else if (e->kind == GR_EVENT_DIVERGED)
            observe_diverged (d, e);
        }
      d->seen_events += got;
    }

  while (d->seen_steps < n_steps)
    {
      int64_t got = gr_history_copy_steps (h, d->seen_steps, STEP_BUF, d->step_buf);

      if (got <= 0)
        break;
      for (int64_t i = 0; i < got; i++)
        {
          bool newest = d->seen_steps + i == n_steps - 1;

          observe_step (d, &d->step_buf[i], newest ? probes : NULL, n_probes);
        }
      d->seen_steps += got;
    }

  /* After the steps, so a structural finding carries the step it was
   * first seen at. */
  check_structure (d);

  while (d->seen_evals < n_evals)
    {
      int64_t got = gr_history_copy_evals (h, d->seen_evals, EVAL_BUF, d->eval_buf);

      if (got <= 0)
        break;
      for (int64_t i = 0; i < got; i++)
        observe_eval (d, &d->eval_buf[i]);
      d->seen_evals += got;
    }
  notify (d, d->changes);
  return d->changes;
}

int
gr_doctor_note_overfit_probe (GrDoctor *d,
                              int64_t   step,
                              bool      passed,
                              float     initial_loss,
                              float     final_loss,
                              int       batch,
                              int       steps)
{
  Check c = check_init (d);

  d->changes = 0;
  d->probe_failed = !passed;
  d->probe_step = step;
  d->probe_initial = initial_loss;
  d->probe_final = final_loss;
  d->probe_batch = batch;
  d->probe_steps = steps;
  if (!passed)
    {
      c.raise = c.stay = 1;
      c.now = true;
      c.variant = 1;
      c.layer = d->narrow_layer;
      if (active (d, GR_FINDING_NET_TOO_SMALL))
        escalate (d, GR_FINDING_NET_TOO_SMALL, &c);
      else
        update_slot (d, GR_FINDING_NET_TOO_SMALL, &c, 1, d->cfg.clear_after);
    }
  notify (d, d->changes);
  return d->changes;
}

/* ---- Readers -------------------------------------------------------------------- */

uint64_t
gr_doctor_serial (GrDoctor *d)
{
  uint64_t v;

  pthread_mutex_lock (&d->lock);
  v = d->serial;
  pthread_mutex_unlock (&d->lock);
  return v;
}

int
gr_doctor_copy_active (GrDoctor  *d,
                       GrFinding *out,
                       int        max)
{
  int n = 0;

  pthread_mutex_lock (&d->lock);
  for (int k = 0; k < GR_N_FINDING_KINDS; k++)
    {
      const GrFinding *f = &d->slots[k].f;
      int pos;

      if (!d->slots[k].active)
        continue;
      /* Insertion into newest-first order (by raise step, then id). */
      pos = n < max ? n : max;
      while (pos > 0 && (out[pos - 1].step < f->step
                         || (out[pos - 1].step == f->step && out[pos - 1].id < f->id)))
        {
          if (pos < max)
            out[pos] = out[pos - 1];
          pos--;
        }
      if (pos < max)
        out[pos] = *f;
      if (n < max)
        n++;
    }
  pthread_mutex_unlock (&d->lock);
  return n;
}

int
gr_doctor_n_log (GrDoctor *d)
{
  int n;

  pthread_mutex_lock (&d->lock);
  n = d->n_log;
  pthread_mutex_unlock (&d->lock);
  return n;
}

int
gr_doctor_copy_log (GrDoctor  *d,
                    int        from,
                    int        max,
                    GrFinding *out)
{
  int n = 0;

  pthread_mutex_lock (&d->lock);
  for (int i = from; i >= 0 && i < d->n_log && n < max; i++)
    out[n++] = d->log[i];
  pthread_mutex_unlock (&d->lock);
  return n;
}

int
gr_doctor_max_severity (GrDoctor *d)
{
  int worst = -1;

  pthread_mutex_lock (&d->lock);
  for (int k = 0; k < GR_N_FINDING_KINDS; k++)
    if (d->slots[k].active && (int) d->slots[k].f.severity > worst)
      worst = (int) d->slots[k].f.severity;
  pthread_mutex_unlock (&d->lock);
  return worst;
}

bool
gr_doctor_get_active (GrDoctor      *d,
                      GrFindingKind  kind,
                      GrFinding     *out)
{
  bool on;

  if ((unsigned) kind >= GR_N_FINDING_KINDS)
    return false;
  pthread_mutex_lock (&d->lock);
  on = d->slots[kind].active;
  if (on && out != NULL)
    *out = d->slots[kind].f;
  pthread_mutex_unlock (&d->lock);
  return on;
}

bool
gr_doctor_first_logged (GrDoctor      *d,
                        GrFindingKind  kind,
                        GrFinding     *out)
{
  bool found = false;

  pthread_mutex_lock (&d->lock);
  for (int i = 0; i < d->n_log && !found; i++)
    if (d->log[i].kind == kind)
      {
        found = true;
        if (out != NULL)
          *out = d->log[i];
      }
  pthread_mutex_unlock (&d->lock);
  return found;
}

/* ---- Formatting ------------------------------------------------------------------ */

int
gr_finding_format_line (const GrFinding *f,
                        char            *buf,
                        size_t           len)
{
  char changes[256] = "";

  for (int i = 0; i < f->remedy.n_changes; i++)
    append (changes, sizeof changes, "%s%s=%s", i ? " " : "", f->remedy.changes[i].key,
            f->remedy.changes[i].value);
  return snprintf (buf, len, "step %lld %s %s: %s -> %s%s%s%s",
                   (long long) f->step, gr_severity_name (f->severity), f->code, f->evidence,
                   f->remedy.label, changes[0] ? " [" : "", changes, changes[0] ? "]" : "");
}

/* Appends @s as a JSON string literal. */
static void
json_string (char       *buf,
             size_t      len,
             const char *s)
{
  append (buf, len, "\"");
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        append (buf, len, "\\%c", *p);
      else if (*p == '\n')
        append (buf, len, "\\n");
      else if (*p < 0x20)
        append (buf, len, "\\u%04x", *p);
      else
        append (buf, len, "%c", *p);
    }
  append (buf, len, "\"");
}

int
gr_finding_format_json (const GrFinding *f,
                        const char      *layer_name,
                        char            *buf,
                        size_t           len)
{
  /* Built in a large scratch buffer so the return value can say how much
   * room the whole object needs. */
  char tmp[8192] = "";

  append (tmp, sizeof tmp, "{\"code\": ");
  json_string (tmp, sizeof tmp, f->code);
  append (tmp, sizeof tmp, ", \"severity\": \"%s\", \"step\": %lld, \"cleared_step\": ",
          gr_severity_name (f->severity), (long long) f->step);
  if (f->cleared_step > 0)
    append (tmp, sizeof tmp, "%lld", (long long) f->cleared_step);
  else
    append (tmp, sizeof tmp, "null");
  if (layer_name != NULL)
    {
      append (tmp, sizeof tmp, ", \"layer\": ");
      if (f->layer >= 0 && layer_name[0])
        json_string (tmp, sizeof tmp, layer_name);
      else
        append (tmp, sizeof tmp, "null");
    }
  append (tmp, sizeof tmp, ", \"evidence\": ");
  json_string (tmp, sizeof tmp, f->evidence);
  append (tmp, sizeof tmp, ", \"message\": ");
  json_string (tmp, sizeof tmp, f->message);
  append (tmp, sizeof tmp, ", \"remedy\": {\"label\": ");
  json_string (tmp, sizeof tmp, f->remedy.label);
  append (tmp, sizeof tmp, ", \"changes\": {");
  for (int i = 0; i < f->remedy.n_changes; i++)
    {
      append (tmp, sizeof tmp, "%s", i ? ", " : "");
      json_string (tmp, sizeof tmp, f->remedy.changes[i].key);
      append (tmp, sizeof tmp, ": ");
      json_string (tmp, sizeof tmp, f->remedy.changes[i].value);
    }
  append (tmp, sizeof tmp, "}, \"needs_reset\": %s, \"probe\": ",
          f->remedy.needs_reset ? "true" : "false");
  if (f->remedy.probe[0])
    json_string (tmp, sizeof tmp, f->remedy.probe);
  else
    append (tmp, sizeof tmp, "null");
  append (tmp, sizeof tmp, "}}");
  return snprintf (buf, len, "%s", tmp);
}

/* ---- Remedies ------------------------------------------------------------------- */

GrStatus
gr_doctor_remedy_model (const GrRemedy *r,
                        GrModelSpec    *spec)
{
  for (int i = 0; i < r->n_changes; i++)
    {
      const GrKnobChange *c = &r->changes[i];

      if (strcmp (c->key, "model.width") == 0)
        {
          char *end;
          long w = strtol (c->value, &end, 10);
          int last_dense = -1;

          if (end == c->value || *end != '\0' || w <= 0 || w > 65536)
            return GR_ERR_ARG;
          for (int j = 0; j < spec->n_layers; j++)
            if (spec->layers[j].kind == GR_LAYER_DENSE)
              last_dense = j;
          /* Every dense layer but the output one. */
          for (int j = 0; j < last_dense; j++)
            if (spec->layers[j].kind == GR_LAYER_DENSE && spec->layers[j].units < w)
              spec->layers[j].units = (int) w;
        }
      else if (strcmp (c->key, "model.softmax") == 0)
        {
          if (strcmp (c->value, "false") != 0)
            return GR_ERR_ARG;
          if (spec->n_layers > 0 && spec->layers[spec->n_layers - 1].kind == GR_LAYER_SOFTMAX)
            spec->n_layers--;
        }
    }
  return GR_OK;
}

GrStatus
gr_doctor_apply_remedy (GrSession      *s,
                        const GrRemedy *r,
                        bool           *needs_reset,
                        char           *err,
                        size_t          err_len)
{
  bool model = false, reset = false;
  const char *data_key = NULL;
  GrStatus st;

  if (err_len)
    err[0] = '\0';
  for (int i = 0; i < r->n_changes; i++)
    {
      const GrKnobChange *c = &r->changes[i];

      if (strncmp (c->key, "model.", 6) == 0)
        model = true;
      else if (strncmp (c->key, "data.", 5) == 0)
        data_key = c->key;
      else
        {
          st = gr_session_set_knob (s, c->key, c->value, err, err_len);
          if (st != GR_OK)
            return st;
          reset |= gr_knobs_needs_reset (c->key);
        }
    }
  if (model)
    {
      GrModelSpec spec = gr_session_config (s)->model;

      st = gr_doctor_remedy_model (r, &spec);
      if (st != GR_OK)
        {
          snprintf (err, err_len, GR_("the remedy's model change does not apply to this network"));
          return st;
        }
      gr_session_set_model (s, &spec);
      reset = true;
    }
  if (needs_reset != NULL)
    *needs_reset = reset;
  if (data_key != NULL)
    {
      for (int i = 0; i < r->n_changes; i++)
        {
          const GrKnobChange *c = &r->changes[i];

          if (strncmp (c->key, "data.", 5) != 0)
            continue;
          if (strcmp (c->key, "data.normalize") != 0)
            {
              snprintf (err, err_len, GR_("remedy key '%s' is not known"), c->key);
              return GR_ERR_ARG;
            }
          if (strcmp (c->value, "standard") == 0)
            {
              st = gr_session_standardize_inputs (s, err, err_len);
              if (st != GR_OK)
                return st;
            }
          else if (strcmp (c->value, "none") != 0 || gr_session_inputs_standardized (s))
            {
              snprintf (err, err_len, GR_("data.normalize=%s cannot be applied to a running "
                                          "session (only 'standard')"), c->value);
              return GR_ERR_ARG;
            }
        }
    }
  return GR_OK;
}
