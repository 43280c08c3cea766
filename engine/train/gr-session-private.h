#pragma once

/* The inside of a session, shared by gr-session.c and gr-checkpoint.c. */

#include <pthread.h>
#include <stdarg.h>

#include "gr-probes.h"
#include "gr-session.h"

typedef struct
{
  int64_t step;
  char    key[32];
  char    value[128];
} GrTimelineEntry;

struct _GrSession
{
  GrSessionConfig  cfg;          /* model in force, seed, limits */
  const GrDataset *train;        /* borrowed */
  const GrDataset *val;          /* borrowed, may be NULL */
  /* Standardized copies once gr_session_standardize_inputs () ran; then
   * train/val point here (the caller's sets stay as they were). */
  GrDataset       *own_train, *own_val;
  bool             standardized;
  GrInputStats     std_stats;    /* the training statistics applied */
  int              n_classes;
  bool             is_seg;       /* labels are maps, not one per sample */
  float            class_freq[GR_MAX_CLASSES];

  GrNet           *net;
  GrOptim         *opt;
  GrBatcher        batcher;
  GrRng            rng;          /* dropout, noise, augmentation */
  GrKnobs          knobs;        /* applied (worker only, read under lock) */
  GrLossConfig     loss;
  int64_t          step;         /* steps taken */
  bool             epoch_pending;
  int              last_batch;
  int              n_layers;     /* weighted layers */
  GrProbe          probes[GR_MAX_NODES];

  /* Step buffers, sized for max_batch at build time. */
  float           *x;            /* (B, C, H, W) */
  int32_t         *labels;       /* (B, H, W) */
  float           *values;       /* (B, target) */
  float           *dout;         /* (B, out) */
  float           *scratch;      /* loss scratch */
  int             *idx;          /* (B) */
  float           *state_backup; /* BN running stats before the step */

  int64_t          confusion[GR_MAX_CLASSES * GR_MAX_CLASSES];

  /* Known-good copies of everything the update changes (parameters, BN
   * state, optimizer slabs), taken every GR_SNAPSHOT_EVERY steps. Two are
   * kept: a run blows up a few steps before a value overflows, so the
   * older one is the one to go back to. */
  float           *snap[2];      /* [0] newer, [1] older */
  int64_t          snap_step[2];
  int64_t          snap_adam_t[2];

  /* Shared with other threads, under lock. */
  pthread_mutex_t  lock;
  GrKnobs          pending;      /* next step's knobs */
  bool             has_pending;
  GrModelSpec      pending_model;
  int              hist_layer;

  GrTimelineEntry *timeline;
  int              n_timeline, timeline_alloc, timeline_pos;

  struct { GrStepHook fn; void *data; } hooks[8];
  int              n_hooks;

  GrHistory       *history;
  char             error[256];
};

#define GR_SNAPSHOT_EVERY 50

/* Pushes s->knobs into the net and the loss configuration. */
void gr_session_apply_net_knobs (GrSession *s);
