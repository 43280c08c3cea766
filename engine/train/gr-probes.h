#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gr-dataset.h"
#include "gr-session.h"

/* Probes the user runs on demand: short side runs that answer one
 * question each. Every probe builds its own session from a copy of the
 * run's configuration and data (fresh weights from the run's seed), so the
 * main run is left exactly as it was and a probe may run on any thread
 * while the worker goes on stepping. The data sets are only read. */

#define GR_PROBE_MAX_POINTS   512
#define GR_PROBE_MAX_FEATURES 256

/* Called after each probe step; return false to cancel (the probe then
 * returns GR_ERR_STATE with what it has so far). */
typedef bool (*GrProbeProgress) (int   done,
                                 int   total,
                                 void *user_data);

/* What a probe copies from a run. Plain value. */
typedef struct
{
  GrSessionConfig  config;  /* model, knobs (as of the capture), seed, limits */
  const GrDataset *train;   /* borrowed; must outlive the probe */
  const GrDataset *val;     /* borrowed, may be NULL */
} GrProbeRun;

/* WORKER (it reads the model in force). Captures @s's run with the knobs
 * as they will be at the next step. */
void     gr_probe_run_from_session (GrSession        *s,
                                    GrProbeRun       *out);

/* --- Overfit one small batch ---------------------------------------------
 * Trains on one fixed batch of @batch training samples for @steps steps,
 * with regularization off (dropout, input noise, L2, weight decay): a
 * healthy net drives the loss to near zero; if it cannot, there is a bug
 * or the net is too small. Passes if the mean loss of the last 10 steps is
 * at most @pass_fraction of the first step's loss. */
typedef struct
{
  int   batch;            /* samples (default 16) */
  int   steps;            /* default 300, at most GR_PROBE_MAX_POINTS */
  float pass_fraction;    /* default 0.02 */
} GrOverfitOptions;

typedef struct
{
  int   n_points;                       /* steps run */
  float loss[GR_PROBE_MAX_POINTS];      /* training loss of each step */
  float initial_loss;                   /* first step */
  float final_loss;                     /* mean of the last 10 steps */
  float final_acc;                      /* accuracy on the batch at the end */
  bool  passed;
} GrOverfitResult;

void     gr_probe_overfit_defaults (GrOverfitOptions *opt);
/* Returns GR_OK, GR_ERR_STATE if cancelled, GR_ERR_NONFINITE if the side
 * run diverged (passed = false), or the failure of building the side run
 * with its message in @err. */
GrStatus gr_probe_overfit_batch    (const GrProbeRun       *run,
                                    const GrOverfitOptions *opt,
                                    GrOverfitResult        *out,
                                    GrProbeProgress         progress,
                                    void                   *user_data,
                                    char                   *err,
                                    size_t                  err_len);

/* --- Shuffled-label control ----------------------------------------------
 * Trains the same net from the same initial weights twice for @steps
 * steps: on the real labels, and on the labels randomly permuted across
 * samples (class frequencies kept). Unless the real run ends below half
 * the shuffled one's loss, the net finds little in the inputs that
 * predicts the labels. */
typedef struct
{
  int      steps;         /* default 300, at most GR_PROBE_MAX_POINTS */
  uint64_t seed;          /* of the permutation (default 1) */
} GrShuffleOptions;

typedef struct
{
  int   n_points;
  float loss_real[GR_PROBE_MAX_POINTS];
  float loss_shuffled[GR_PROBE_MAX_POINTS];
  float final_real;       /* mean of the last 10 % of steps */
  float final_shuffled;
  float chance;           /* the chance loss (NaN if not defined) */
  bool  learns;           /* final_real < 0.5 * final_shuffled */
} GrShuffleResult;

void     gr_probe_shuffle_defaults (GrShuffleOptions *opt);
GrStatus gr_probe_shuffle_control  (const GrProbeRun       *run,
                                    const GrShuffleOptions *opt,
                                    GrShuffleResult        *out,
                                    GrProbeProgress         progress,
                                    void                   *user_data,
                                    char                   *err,
                                    size_t                  err_len);

/* --- Learning-rate range test (Smith 2017; the fastai lr finder) --------
 * From fresh weights, the learning rate grows exponentially from @lr_min
 * to @lr_max over @steps steps, one batch each (constant schedule, no
 * warm-up). The loss is smoothed (EMA 0.98 with bias correction) and the
 * sweep stops early once it exceeds @stop_factor times its minimum or is
 * not finite. Two read-outs: the rate at the minimum smoothed loss and
 * the rate of steepest descent (most negative d loss / d log lr, over an
 * 11-point span, after the first 10 points). The suggestion is the steepest point, but at most a
 * tenth of the minimum's rate (the minimum itself is already too high to
 * train at: the loss turns up there). */
typedef struct
{
  float lr_min;           /* default 1e-6 */
  float lr_max;           /* default 10 */
  int   steps;            /* default 200, at most GR_PROBE_MAX_POINTS */
  float stop_factor;      /* default 4 */
} GrLrRangeOptions;

typedef struct
{
  int   n_points;
  float lr[GR_PROBE_MAX_POINTS];
  float loss[GR_PROBE_MAX_POINTS];      /* raw batch loss */
  float smooth[GR_PROBE_MAX_POINTS];    /* smoothed */
  float lr_at_min;
  float lr_steepest;
  float suggested;
  bool  stopped_early;
} GrLrRangeResult;

void     gr_probe_lr_range_defaults (GrLrRangeOptions *opt);
GrStatus gr_probe_lr_range         (const GrProbeRun       *run,
                                    const GrLrRangeOptions *opt,
                                    GrLrRangeResult        *out,
                                    GrProbeProgress         progress,
                                    void                   *user_data,
                                    char                   *err,
                                    size_t                  err_len);

/* --- Chance baseline -----------------------------------------------------
 * The loss and accuracy of the best prediction that ignores the inputs:
 * the class prior q. CE: the entropy of the (class-weighted) label
 * distribution, ln C for C balanced classes; MSE on one-hot targets:
 * (1 - sum p_c^2) / C; BCE: the mean binary entropy of the classes; focal:
 * the focal loss of q = p. Accuracy: the majority class's share. */
typedef struct
{
  float loss;             /* NaN if not defined (regression, Dice) */
  float acc;              /* NaN for regression */
  int   n_classes;
  float freq[GR_MAX_CLASSES];
} GrChanceBaseline;

/* Fills @out for the labels of @ds under @loss. Returns false (loss and
 * acc NaN) for a regression set. */
bool     gr_probe_chance           (const GrDataset        *ds,
                                    const GrLossConfig     *loss,
                                    GrChanceBaseline       *out);

/* --- Input scale --------------------------------------------------------
 * Statistics of the inputs: over all values, and per feature (flat
 * samples) or per channel (images) for the first GR_PROBE_MAX_FEATURES. */
typedef struct
{
  int     n_features;       /* features or channels */
  int64_t n_values;
  float   mean, std, rms, min, max;     /* over all values */
  float   feat_mean[GR_PROBE_MAX_FEATURES];
  float   feat_std[GR_PROBE_MAX_FEATURES];
  float   max_abs_feat_mean;            /* over features */
  float   min_feat_std, max_feat_std;   /* over features with std > 0 */
} GrInputStats;

void     gr_probe_input_stats      (const GrDataset        *ds,
                                    GrInputStats           *out);
/* Standardizes @ds in place with @stats (from the training set, so apply
 * the same to the validation set): x <- (x - mean_f) / std_f per feature;
 * a constant feature (std 0) is only centred. Features beyond
 * GR_PROBE_MAX_FEATURES use the overall mean and std. */
void     gr_probe_standardize      (GrDataset              *ds,
                                    const GrInputStats     *stats);
