#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gr-dataset.h"
#include "gr-history.h"
#include "gr-knobs.h"
#include "gr-model.h"

/* A training run, shared by the app's worker thread and gradlab-run. The
 * caller owns the loop: it calls gr_session_step () and, when it likes,
 * gr_session_evaluate (). Only the thread that steps may call the
 * functions marked WORKER; the ones marked ANY are safe from any thread. */

typedef struct
{
  GrModelSpec model;
  GrKnobs     knobs;
  uint64_t    seed;          /* every random draw of the run derives from it */
  int         max_batch;     /* largest batch the knobs may ask for */
  int         eval_samples;  /* cap on training samples used by evaluate (0 = 1024) */
  int         threads;       /* BLAS / layer threads */
} GrSessionConfig;

typedef struct _GrSession GrSession;

/* Called on the worker after every step, with the net in its post-step
 * state; may run gr_net_predict () (labs draw decision surfaces here). */
typedef void (*GrStepHook) (GrSession *session,
                            int64_t    step,
                            void      *user_data);

/* Creates a run over @train and @val (borrowed; must outlive the session).
 * Returns NULL on failure with a message in @err naming the problem. */
GrSession  *gr_session_new        (const GrSessionConfig *cfg,
                                   const GrDataset       *train,
                                   const GrDataset       *val,
                                   char                  *err,
                                   size_t                 err_len);
void        gr_session_free       (GrSession             *s);

/* WORKER. Applies pending knobs and timeline entries due at this step
 * (recording an event for each change), then one forward, loss, backward
 * and update on the next batch; appends to the history. Returns
 * GR_ERR_NONFINITE if the step produced NaN/Inf: the weights are left as
 * before the step and the reason is in gr_session_error (). */
GrStatus    gr_session_step       (GrSession             *s);
/* WORKER. Evaluates on the validation set (and on up to eval_samples
 * training samples) in eval mode and appends an eval record. */
GrStatus    gr_session_evaluate   (GrSession             *s,
                                   GrEvalRecord          *out);
/* WORKER. Rebuilds the network from the current model spec and RESET
 * knobs, re-initialises from the seed, clears history and optimizer. The
 * run starts over from the knobs as they are now (live changes and applied
 * timeline entries included); the timeline itself is cleared. */
GrStatus    gr_session_reset      (GrSession             *s,
                                   char                  *err,
                                   size_t                 err_len);

/* WORKER. Puts back the parameters, BN statistics and optimizer state of a
 * known-good snapshot: snapshots are taken every 50 steps and the older of
 * the last two is restored (a run usually blows up a few steps before a
 * value overflows). The step counter and the history go on; an event
 * "weights restored from step N" marks it. Used after divergence, with a
 * lower learning rate. */
GrStatus    gr_session_restore_snapshot (GrSession       *s,
                                         int64_t         *restored_step);
/* WORKER, between steps. The data.normalize=standard remedy: standardizes
 * the run's inputs per feature with the training set's statistics
 * (gr_probe_input_stats () + gr_probe_standardize ()), the validation set
 * with the same ones. The session takes standardized copies (the
 * caller's sets are left alone, so readers holding them are safe); from
 * the next step on, batches, evaluations, probes and
 * gr_session_train_data () use the copies, resets included. An event
 * "inputs standardized" marks the change on the plots (a KNOB event at
 * the next step; before the first step a NOTE at step 0, as the
 * experiment reader's data.normalize does). A second call does
 * nothing. Returns GR_ERR_NOMEM (and changes nothing) on failure. */
GrStatus    gr_session_standardize_inputs (GrSession     *s,
                                           char          *err,
                                           size_t         err_len);
/* ANY. Whether the inputs were standardized by the call above. */
bool        gr_session_inputs_standardized (GrSession    *s);
/* ANY. Inputs made elsewhere (a decision-surface grid): standardizes the
 * @n samples in @x (the data sets' sample layout) in place with the
 * statistics the session's data got. Returns false (and leaves @x) if the
 * inputs were not standardized. */
bool        gr_session_standardize_like (GrSession       *s,
                                         float           *x,
                                         int              n);
/* ANY. Queues a complete knob set for the next step. Returns GR_ERR_ARG
 * (and changes nothing) if it fails validation; @err names the field. */
GrStatus    gr_session_set_knobs  (GrSession             *s,
                                   const GrKnobs         *k,
                                   char                  *err,
                                   size_t                 err_len);
/* ANY. Queues one knob by name. */
GrStatus    gr_session_set_knob   (GrSession             *s,
                                   const char            *key,
                                   const char            *value,
                                   char                  *err,
                                   size_t                 err_len);
/* ANY. The knobs as they will be at the next step (applied + pending). */
void        gr_session_get_knobs  (GrSession             *s,
                                   GrKnobs               *out);
/* ANY. Queues a model change that takes effect at the next reset. */
void        gr_session_set_model  (GrSession             *s,
                                   const GrModelSpec     *spec);
/* WORKER (before stepping). A timeline entry: at step @step set @key. */
GrStatus    gr_session_add_timeline (GrSession           *s,
                                     int64_t              step,
                                     const char          *key,
                                     const char          *value,
                                     char                *err,
                                     size_t               err_len);

void        gr_session_add_hook   (GrSession             *s,
                                   GrStepHook             hook,
                                   void                  *user_data);
/* Activation histogram of weighted layer @layer each step (-1: none). ANY. */
void        gr_session_set_histogram_layer (GrSession    *s,
                                            int           layer);

/* Accessors. The history and the two data sets are ANY (the data sets
 * change only once, to standardized copies, and both stay valid while
 * the session lives); the rest WORKER. */
GrHistory  *gr_session_history    (GrSession             *s);
GrNet      *gr_session_net        (GrSession             *s);
int64_t     gr_session_step_count (GrSession             *s);
int64_t     gr_session_epoch      (GrSession             *s);
const char *gr_session_error      (GrSession             *s);
const GrDataset *gr_session_train_data (GrSession        *s);
const GrDataset *gr_session_val_data   (GrSession        *s);
/* The loss configuration in force (class weights resolved). */
void        gr_session_loss_config (GrSession            *s,
                                    GrLossConfig         *out);
/* Class frequencies of the training set (n_classes entries). */
void        gr_session_class_freq (GrSession             *s,
                                   float                 *freq);
/* The confusion counts of the last evaluation on the validation set,
 * row = true class, column = predicted class (n_classes² entries, row
 * major); all zero before the first evaluation. */
void        gr_session_confusion  (GrSession             *s,
                                   int64_t               *counts);
const GrSessionConfig *gr_session_config (GrSession      *s);
/* The weighted layers' probes of the last step. */
const GrProbe *gr_session_probes  (GrSession             *s);

/* Checkpoints: versioned binary with CRC-32, written to a temporary file
 * and renamed. Load rejects truncated, corrupted, other-version and
 * other-network files with the matching status and leaves the session
 * unchanged. WORKER. */
GrStatus    gr_session_save_checkpoint (GrSession        *s,
                                        const char       *path);
GrStatus    gr_session_load_checkpoint (GrSession        *s,
                                        const char       *path);
