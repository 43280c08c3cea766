#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gr-model.h"
#include "gr-session.h"

/* The doctor: watches a run step by step and names what is wrong with it,
 * with the numbers that show it, a plain explanation and a remedy.
 *
 * The worker feeds it after every step (and every evaluation) with
 * gr_doctor_observe (); it reads what is new in the session's history and
 * keeps its own fixed-size rolling windows, so observing allocates nothing
 * (the finding log grows only when a finding is raised). Other threads
 * read the findings through the ANY functions below, which copy under a
 * lock; gr_doctor_serial () tells a reader whether anything changed.
 *
 * Every finding has a stable code ("lr-too-high"); the engine has no
 * gettext, so messages are English defaults and front ends translate by
 * code. Thresholds and where they come from: docs/DOCTOR.md. */

typedef enum
{
  GR_FINDING_DIVERGENCE,            /* "divergence" */
  GR_FINDING_EXPLODING_GRADIENTS,   /* "exploding-gradients" */
  GR_FINDING_VANISHING_GRADIENTS,   /* "vanishing-gradients" */
  GR_FINDING_DEAD_RELU,             /* "dead-relu" */
  GR_FINDING_SATURATION,            /* "saturation" */
  GR_FINDING_LR_TOO_HIGH,           /* "lr-too-high" */
  GR_FINDING_LR_TOO_LOW,            /* "lr-too-low" */
  GR_FINDING_CHANCE_LEVEL,          /* "chance-level" */
  GR_FINDING_SHUFFLED_LABELS,       /* "shuffled-labels" */
  GR_FINDING_LOSS_OUTPUT_MISMATCH,  /* "loss-output-mismatch" */
  GR_FINDING_UNNORMALIZED_INPUTS,   /* "unnormalized-inputs" */
  GR_FINDING_OVERFITTING,           /* "overfitting" */
  GR_FINDING_IMBALANCE_COLLAPSE,    /* "imbalance-collapse" */
  GR_FINDING_PLATEAU,               /* "plateau" */
  GR_FINDING_NET_TOO_SMALL,         /* "net-too-small" */
  GR_N_FINDING_KINDS
} GrFindingKind;

typedef enum
{
  GR_SEVERITY_INFO,       /* worth knowing; the run is not in trouble */
  GR_SEVERITY_WARNING,    /* the run is slowed or will end worse */
  GR_SEVERITY_ERROR,      /* the run is not learning, or cannot */
} GrSeverity;

#define GR_REMEDY_MAX_CHANGES   4
#define GR_FINDING_EVIDENCE_LEN 320

/* One change of a remedy. @key is a knob name (gr_knobs_names ()), or one
 * of:
 *   "model.width"    = N      widen every hidden dense layer to >= N units
 *                             (needs a reset)
 *   "model.softmax"  = false  drop the SOFTMAX node on the output (reset)
 *   "data.normalize" = standard  standardize the inputs per feature, live
 *                             (gr_session_standardize_inputs ()). */
typedef struct
{
  char key[32];
  char value[64];
} GrKnobChange;

typedef struct
{
  char         label[128];      /* "Lower the learning rate to 0.01" */
  int          n_changes;       /* may be 0 for a probe-only remedy */
  GrKnobChange changes[GR_REMEDY_MAX_CHANGES];
  bool         needs_reset;     /* a change takes effect only on a new run */
  char         probe[32];       /* a probe that tells more: "overfit-batch",
                                 * "shuffle-control", "lr-range", "input-scale",
                                 * or "" */
} GrRemedy;

/* One finding. Plain value: copy freely. */
typedef struct
{
  uint32_t      id;             /* unique within one doctor, from 1 */
  GrFindingKind kind;
  const char   *code;           /* static, stable: gr_finding_code (kind) */
  GrSeverity    severity;       /* the highest reached while active */
  int64_t       step;           /* step at which it was raised (0: before the first) */
  int64_t       last_step;      /* latest step at which the condition held */
  int64_t       cleared_step;   /* step at which it cleared; 0 while active */
  int           layer;          /* weighted layer it concerns, or -1 */
  int           layer_other;    /* the other layer of a ratio, or -1 */
  int64_t       range_start;    /* steps the evidence covers, for a plot band */
  int64_t       range_end;
  char          evidence[GR_FINDING_EVIDENCE_LEN]; /* what was seen, in numbers,
                                                    * as of when it was raised
                                                    * (or escalated) */
  const char   *message;        /* static English: gr_finding_message (kind) */
  GrRemedy      remedy;
} GrFinding;

/* Thresholds. Plain value; gr_doctor_config_defaults () fills the values
 * documented (with sources) in docs/DOCTOR.md. */
typedef struct
{
  int   warmup_steps;        /* no loss-trend finding before this step */
  int   window;              /* steps of the loss trend window (<= 512) */
  int   raise_after;         /* steps a condition must hold to be raised */
  int   clear_after;         /* steps it must be gone to be cleared */
  float divergence_factor;   /* loss above this times the first loss */
  float explode_spike;       /* global gradient norm above this times its average */
  float explode_ratio;       /* first / last hidden layer gradient norm above this */
  float vanish_ratio;        /* first / last hidden layer gradient norm below this */
  float vanish_abs;          /* and first layer ||grad|| / ||W|| below this */
  float dead_frac;           /* share of ReLU units at 0 on a whole batch (averaged) */
  float saturated_frac;      /* share of sigmoid/tanh outputs at a bound */
  float update_ratio_high;   /* ||dW|| / ||W|| per step: far above ~1e-3 */
  float update_ratio_low;    /* far below ~1e-3 */
  float chance_tol;          /* loss within this share of the chance loss */
  int   plateau_steps;       /* flat stretch needed for a plateau (<= 512) */
  float plateau_rel;         /* relative change that counts as flat */
  int   overfit_evals;       /* evaluations of rising validation loss */
  float overfit_rise;        /* validation loss above its best by this share */
  float collapse_pixel_acc;  /* segmentation: pixel accuracy at least this */
  float collapse_iou;        /* while a present class's IoU is below this */
  float input_scale_high;    /* input RMS above this is not unit scale */
  float input_scale_low;     /* nor below this */
} GrDoctorConfig;

typedef struct _GrDoctor GrDoctor;

/* Called on the worker at the end of gr_doctor_observe () when findings
 * were raised, escalated or cleared. Must not call back into @doctor's
 * WORKER functions; the app hands over to its UI thread here. */
typedef void (*GrDoctorChanged) (GrDoctor *doctor,
                                 void     *user_data);

void        gr_doctor_config_defaults (GrDoctorConfig  *cfg);

/* Creates a doctor with @cfg (NULL: defaults). Returns NULL on allocation
 * failure. Free with gr_doctor_free (), which accepts NULL. */
GrDoctor   *gr_doctor_new             (const GrDoctorConfig *cfg);
void        gr_doctor_free            (GrDoctor        *d);

/* WORKER (the thread that steps @s). Reads the steps, evaluations and
 * events @s recorded since the last call, the network's structure and the
 * training data's scale (once per run), and updates the findings. Call it
 * after each gr_session_step () (also a failed one) and each
 * gr_session_evaluate (); calling less often works but the per-layer
 * probes are then seen only for the latest step. A session reset is
 * noticed (the history shrinks), and ends every active finding. Returns the
 * number of findings raised, escalated or cleared by this call. */
int         gr_doctor_observe         (GrDoctor        *d,
                                       GrSession       *s);
/* WORKER. Forgets the current run (windows, structure); active findings
 * are cleared at their last step. The log is kept. */
void        gr_doctor_reset           (GrDoctor        *d);
/* WORKER. Feeds the outcome of an overfit-one-batch probe run at @step:
 * a failure raises "net-too-small" (the net cannot fit a handful of
 * samples with the current settings). Returns changes as observe (). */
int         gr_doctor_note_overfit_probe (GrDoctor     *d,
                                       int64_t          step,
                                       bool             passed,
                                       float            initial_loss,
                                       float            final_loss,
                                       int              batch,
                                       int              steps);
void        gr_doctor_set_callback    (GrDoctor        *d,
                                       GrDoctorChanged  fn,
                                       void            *user_data);

/* ANY. A counter bumped whenever a finding is raised, escalated or
 * cleared: a reader that saw the same value has nothing new to show. */
uint64_t    gr_doctor_serial          (GrDoctor        *d);
/* ANY. Copies up to @max active findings into @out, newest first (by
 * raise step, then id). Returns the number copied. */
int         gr_doctor_copy_active     (GrDoctor        *d,
                                       GrFinding       *out,
                                       int              max);
/* ANY. The log of every finding ever raised, in raise order; a cleared
 * entry has cleared_step set. */
int         gr_doctor_n_log           (GrDoctor        *d);
int         gr_doctor_copy_log        (GrDoctor        *d,
                                       int              from,
                                       int              max,
                                       GrFinding       *out);
/* ANY. The highest severity among active findings, or -1 if none. */
int         gr_doctor_max_severity    (GrDoctor        *d);
/* ANY. Whether a finding of @kind is active; copies it into @out if not
 * NULL. */
bool        gr_doctor_get_active      (GrDoctor        *d,
                                       GrFindingKind    kind,
                                       GrFinding       *out);
/* ANY. The first log entry of @kind (active or not); false if never
 * raised. */
bool        gr_doctor_first_logged    (GrDoctor        *d,
                                       GrFindingKind    kind,
                                       GrFinding       *out);

/* Names and default texts: static, untranslated. */
const char *gr_finding_code           (GrFindingKind    kind);
/* The kind of @code, or -1. */
int         gr_finding_parse_code     (const char      *code);
const char *gr_finding_message        (GrFindingKind    kind);
const char *gr_severity_name          (GrSeverity       severity);

/* One line for a terminal, e.g.
 * "step 120 warning lr-too-high: update/weight ratio 0.31 ... -> Lower the
 * learning rate to 0.01 [lr=0.01]". Returns what snprintf () would. */
int         gr_finding_format_line    (const GrFinding *f,
                                       char            *buf,
                                       size_t           len);
/* A JSON object with the fields code, severity, step, cleared_step (null
 * while active), layer (name or null; pass NULL @layer_name to omit),
 * evidence, message, remedy {label, changes {key: value}, needs_reset,
 * probe}; strings escaped. Returns what snprintf () would. */
int         gr_finding_format_json    (const GrFinding *f,
                                       const char      *layer_name,
                                       char            *buf,
                                       size_t           len);

/* Queues the knob changes of @r on @s (gr_session_set_knob (), ANY
 * thread), and the model.* changes as a model for the next reset
 * (gr_session_set_model ()); a remedy with model.* changes reads the model
 * in force, so apply it on the WORKER. *@needs_reset is set when the caller must
 * call gr_session_reset () on the worker for the remedy to act.
 * data.normalize=standard standardizes the run's inputs between steps
 * (gr_session_standardize_inputs (), WORKER; marked by an event); other
 * data.* changes return GR_ERR_ARG. Knob changes are applied before any
 * error. */
GrStatus    gr_doctor_apply_remedy    (GrSession       *s,
                                       const GrRemedy  *r,
                                       bool            *needs_reset,
                                       char            *err,
                                       size_t           err_len);
/* Applies the model.* changes of @r to @spec. Returns GR_ERR_ARG for a
 * value that does not parse or a spec that would not fit. */
GrStatus    gr_doctor_remedy_model    (const GrRemedy  *r,
                                       GrModelSpec     *spec);
