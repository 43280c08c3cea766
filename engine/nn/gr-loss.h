#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "gr-net.h"

typedef enum
{
  GR_LOSS_MSE,       /* mean over elements of (y - t)^2; one-hot t for labels */
  GR_LOSS_CE,        /* softmax cross-entropy on logits, optional class weights */
  GR_LOSS_BCE,       /* sigmoid binary cross-entropy on logits */
  GR_LOSS_FOCAL,     /* softmax focal loss, gamma and per-class alpha */
  GR_LOSS_DICE,      /* soft multi-class Dice on softmax probabilities */
  GR_LOSS_CE_DICE,   /* (1 - dice_mix) * CE + dice_mix * Dice */
  GR_N_LOSSES
} GrLossKind;

/* How class weights are chosen; the trainer turns frequencies into the
 * weights in GrLossConfig. */
typedef enum
{
  GR_WEIGHTING_NONE,
  GR_WEIGHTING_INVERSE,   /* w_c = 1 / f_c, normalised to mean 1 over present classes */
  GR_WEIGHTING_MEDIAN,    /* w_c = median(f) / f_c */
  GR_WEIGHTING_CUSTOM,    /* the user's values */
  GR_N_WEIGHTINGS
} GrWeighting;

/* Everything a loss needs besides the data. Plain value. */
typedef struct
{
  GrLossKind kind;
  int        n_classes;                     /* C of the logits */
  bool       use_weights;                   /* CE / CE part of CE_DICE */
  float      class_weights[GR_MAX_CLASSES]; /* per class, used if use_weights */
  float      focal_gamma;                   /* FOCAL: gamma >= 0 */
  bool       use_alpha;                     /* FOCAL: per-class alpha */
  float      focal_alpha[GR_MAX_CLASSES];   /* FOCAL: alpha_c */
  float      dice_mix;                      /* CE_DICE: share of Dice in [0, 1] */
  float      dice_smooth;                   /* Dice: additive smoothing (0 means 1) */
  int        ignore_label;                  /* label to skip; < 0 means none */
} GrLossConfig;

/* The targets of one batch: class labels (N, H, W) for classification and
 * segmentation, or values of the output's shape (N, C, H, W) for
 * regression. Exactly one is non-NULL. */
typedef struct
{
  const int32_t *labels;
  const float   *values;
} GrTarget;

/* Size in floats of the scratch gr_loss_compute () needs for @shape
 * (N, C, H, W). */
size_t      gr_loss_scratch_size (GrShape             shape);

/* Computes the mean loss of @out (N, C, H, W) against @target and writes
 * d loss / d out into @dout (same shape). Per-pixel losses treat every
 * (h, w) as a sample; pixels with the ignore label contribute nothing.
 * MSE with labels compares against one-hot vectors (with C = 1, against
 * the 0/1 label itself). BCE with C = 1 takes
 * labels 0/1; with C > 1 it is one-vs-rest over one-hot labels.
 * Returns GR_ERR_ARG for a label out of range, GR_ERR_NONFINITE if the loss
 * is not finite. */
GrStatus    gr_loss_compute      (const GrLossConfig *cfg,
                                  const float        *out,
                                  GrShape             shape,
                                  GrTarget            target,
                                  float              *dout,
                                  float              *loss,
                                  float              *scratch);

/* gr_loss_compute () with the softmax and plain CE passes shared, sample
 * by sample, among @net's threads (gr_net_set_threads ()) when the batch
 * is large enough; the results are the same bits on any thread count.
 * Not while @net runs a forward or backward pass. */
GrStatus    gr_loss_compute_net  (const GrNet        *net,
                                  const GrLossConfig *cfg,
                                  const float        *out,
                                  GrShape             shape,
                                  GrTarget            target,
                                  float              *dout,
                                  float              *loss,
                                  float              *scratch);

/* Number of correct argmax predictions (or, for C = 1, of sign agreement
 * with 0/1 labels) and of counted (non-ignored) positions. */
void        gr_loss_count_correct (const float       *out,
                                   GrShape            shape,
                                   const int32_t     *labels,
                                   int                ignore_label,
                                   int64_t           *correct,
                                   int64_t           *counted);

const char *gr_loss_name         (GrLossKind          kind);
int         gr_loss_parse        (const char         *name);
const char *gr_weighting_name    (GrWeighting         w);
int         gr_weighting_parse   (const char         *name);

/* Fills cfg->class_weights from pixel/sample frequencies @freq (sum 1) by
 * @w. Classes with zero frequency get weight 0 (for INVERSE/MEDIAN). */
void        gr_loss_weights_from_freq (GrLossConfig  *cfg,
                                       GrWeighting    w,
                                       const float   *freq,
                                       int            n_classes);
