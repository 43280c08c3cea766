#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../nn/gr-loss.h"
#include "../nn/gr-net.h"
#include "../nn/gr-optim.h"

typedef enum
{
  GR_SCHED_CONSTANT,
  GR_SCHED_STEP,      /* lr * gamma^(floor(step / step_size)) */
  GR_SCHED_COSINE,    /* lr_min + (lr - lr_min) (1 + cos(pi t / T)) / 2, then lr_min */
  GR_N_SCHEDS
} GrSchedKind;

/* Every knob of a run. Live knobs take effect at the next step; those
 * marked RESET change the network's shape or init and take effect when the
 * run is rebuilt (gr_session_reset ()). Plain value. */
typedef struct
{
  /* optimizer (live) */
  GrOptKind   optimizer;
  float       lr;             /* base learning rate, > 0 */
  float       momentum;
  float       beta1, beta2, eps;
  float       l2;             /* coupled L2, >= 0 */
  float       weight_decay;   /* decoupled, >= 0 */
  float       clip_norm;      /* 0 = off */
  float       clip_value;     /* 0 = off */
  /* schedule (live) */
  GrSchedKind schedule;
  int         step_size;      /* STEP */
  float       gamma;          /* STEP */
  int         cosine_steps;   /* COSINE period T */
  float       lr_min;         /* COSINE floor */
  int         warmup_steps;   /* linear warm-up from 0; 0 = off */
  /* network (live, no shape change) */
  float       dropout;        /* p of every dropout node, [0, 1) */
  bool        batch_norm;     /* false bypasses BN nodes, keeping their stats */
  GrActKind   activation;     /* of every ACT node not marked act_fixed */
  /* loss (live) */
  GrLossKind  loss;
  GrWeighting weighting;
  float       custom_weights[GR_MAX_CLASSES];
  int         n_custom_weights;
  float       focal_gamma;
  float       focal_alpha[GR_MAX_CLASSES];
  int         n_focal_alpha;  /* 0 = no alpha */
  float       dice_mix;       /* [0, 1] */
  /* data (live) */
  int         batch_size;     /* 1 .. max batch */
  float       input_noise;    /* std of Gaussian noise added to training inputs */
  /* RESET knobs */
  GrInitKind  init;
  float       init_sigma;     /* NORMAL / UNIFORM scale */
} GrKnobs;

/* Sensible defaults (SGD, lr 0.1, batch 32, CE, BN on, ReLU, He). */
void        gr_knobs_defaults (GrKnobs       *k);

/* Sets knob @key from text @value (the names used by experiment files,
 * --set and the timeline). On failure returns GR_ERR_ARG and writes a
 * message naming the key and the allowed values into @err. */
GrStatus    gr_knobs_set      (GrKnobs       *k,
                               const char    *key,
                               const char    *value,
                               char          *err,
                               size_t         err_len);
/* Writes knob @key of @k as text (the inverse of gr_knobs_set ()).
 * Returns false for an unknown key. */
bool        gr_knobs_get      (const GrKnobs *k,
                               const char    *key,
                               char          *buf,
                               size_t         len);
/* Checks ranges; GR_ERR_ARG with the offending knob's name in *@key (a
 * static string; NULL on success) and what is wrong with its value in
 * @err, without the name (for callers that place the name themselves). */
GrStatus    gr_knobs_check    (const GrKnobs *k,
                               int            max_batch,
                               const char   **key,
                               char          *err,
                               size_t         err_len);
/* Checks ranges; GR_ERR_ARG with a message naming the field. */
GrStatus    gr_knobs_validate (const GrKnobs *k,
                               int            max_batch,
                               char          *err,
                               size_t         err_len);
/* NULL-terminated list of knob names in a stable order. */
const char *const *gr_knobs_names (void);
/* True if knob @key only takes effect on reset. */
bool        gr_knobs_needs_reset (const char *key);
/* Describes what changed from @a to @b, one "key old → new" per changed
 * knob, separated by "; ", into @buf. Returns the number of changes. */
int         gr_knobs_diff     (const GrKnobs *a,
                               const GrKnobs *b,
                               char          *buf,
                               size_t         len);
/* The learning rate of @step under @k's schedule. */
float       gr_knobs_lr_at    (const GrKnobs *k,
                               long           step);
