#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gr-net.h"

typedef enum
{
  GR_OPT_SGD,
  GR_OPT_MOMENTUM,     /* heavy ball: v = mu v + g; w -= lr v */
  GR_OPT_NESTEROV,     /* v = mu v + g; w -= lr (g + mu v) */
  GR_OPT_ADAM,         /* Kingma & Ba with bias correction */
  GR_OPT_ADAMW,        /* Adam; weight decay is decoupled (as for all here) */
  GR_N_OPTS
} GrOptKind;

/* Optimizer settings, all live. L2 adds l2 * w to the gradient (the
 * gradient of (l2 / 2) ||w||^2); weight_decay subtracts lr * wd * w from
 * the weights after the update, whatever the optimizer. Both apply only
 * where the net's decay mask is 1. */
typedef struct
{
  GrOptKind kind;
  float     lr;            /* effective learning rate of this step */
  float     momentum;      /* MOMENTUM / NESTEROV */
  float     beta1;         /* ADAM(W) */
  float     beta2;         /* ADAM(W) */
  float     eps;           /* ADAM(W) */
  float     l2;            /* coupled L2 coefficient */
  float     weight_decay;  /* decoupled decay coefficient */
  float     clip_norm;     /* clip the global gradient norm to this; 0 = off */
  float     clip_value;    /* clip each gradient element to +-this; 0 = off */
} GrOptConfig;

/* Optimizer state: moment slabs mirroring the parameter slab (velocity,
 * Adam m, Adam v; all made up front so a live switch of optimizer
 * allocates nothing), and the Adam step counter. Opaque. */
typedef struct _GrOptim GrOptim;

GrOptim  *gr_optim_new        (size_t             n_params);
void      gr_optim_free       (GrOptim           *opt);

/* One update of @net's parameters from its gradient slab. Adds L2, clips,
 * updates, applies decay, and fills the gradient half of @probes (one per
 * weighted layer: grad_norm, grad_norm_raw, weight_norm, update_ratio,
 * clip_share) and the global norms. Switching kind keeps the moment slabs
 * (Adam's moments survive a detour through SGD). Returns GR_ERR_NONFINITE
 * (parameters and moments unchanged) if the gradient is not finite or the
 * update would make a weight or moment non-finite. */
GrStatus  gr_optim_step       (GrOptim           *opt,
                               GrNet             *net,
                               const GrOptConfig *cfg,
                               GrProbe           *probes,
                               float             *global_norm_raw,
                               float             *global_norm_used);

/* Checkpoint access: the raw state (3 * n_params floats: velocity, m, v)
 * and the Adam step counter. */
size_t    gr_optim_n_state    (const GrOptim     *opt);
float    *gr_optim_state      (GrOptim           *opt);
int64_t   gr_optim_t          (const GrOptim     *opt);
void      gr_optim_set_t      (GrOptim           *opt,
                               int64_t            t);
/* Forgets the moments (used on reset). */
void      gr_optim_reset      (GrOptim           *opt);

const char *gr_opt_name       (GrOptKind          kind);
int         gr_opt_parse      (const char        *name);
