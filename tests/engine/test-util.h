#pragma once

/* Helpers shared by the engine tests: seeded random fills, a relative
 * error measure, and finite-difference gradient checks for networks and
 * losses. White-box: they may read the net's private layout to compare
 * gradients tensor by tensor. */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gr-dataset.h"
#include "gr-loss.h"
#include "gr-net.h"

/* The default tolerance of a gradient check (see tu_rel_err ()). */
#define TU_GRAD_TOL 2e-2

/* Fills @v with U(lo, hi). */
void   tu_fill_uniform (GrRng       *rng,
                        float       *v,
                        size_t       n,
                        float        lo,
                        float        hi);
/* Fills @v with values of magnitude in [lo, hi] and random sign, so no
 * value sits near a kink at 0. */
void   tu_fill_away    (GrRng       *rng,
                        float       *v,
                        size_t       n,
                        float        lo,
                        float        hi);
/* max_i |a_i - b_i| / max (max_i (|a_i| + |b_i|), 1e-4). */
double tu_rel_err      (const float *a,
                        const float *b,
                        size_t       n);
/* Maximum absolute difference. */
double tu_max_abs_diff (const float *a,
                        const float *b,
                        size_t       n);

/* Gradient check of a compiled network on @x (@n samples). The objective
 * is L = sum_i w_i y_i with fixed random w; before every forward a fresh
 * GrRng is seeded with @seed, so dropout draws the same mask each time.
 * Compares every parameter tensor and (if the net has the input gradient
 * enabled) d L / d x against central differences with step @eps.
 * If @corrupt is true the analytic gradient is deliberately damaged first
 * (for the checker's own test). Returns the largest per-tensor error,
 * tu_rel_err () with each denominator floored at 1 % of the largest
 * gradient in the net (so an exactly-zero gradient, e.g. of a bias in
 * front of batch norm, is not noise compared with noise). */
double tu_net_grad_err (GrNet       *net,
                        const float *x,
                        int          n,
                        bool         train,
                        uint64_t     seed,
                        float        eps,
                        bool         corrupt);
/* Asserts tu_net_grad_err () < TU_GRAD_TOL, naming the tensor on failure. */
void   tu_assert_net_grads (GrNet       *net,
                            const float *x,
                            int          n,
                            bool         train,
                            uint64_t     seed);

/* Relative error (tu_rel_err ()) of gr_loss_compute ()'s gradient against
 * central differences of its loss w.r.t. the logits @out. Asserts that
 * every call succeeds. */
double tu_loss_grad_err (const GrLossConfig *cfg,
                         const float        *out,
                         GrShape             shape,
                         GrTarget            target,
                         float               eps);

/* A compiled network from an input shape and a list of specs; asserts
 * success. */
GrNet *tu_net_build    (GrShape            input,
                        const GrLayerSpec *specs,
                        int                n_specs,
                        int                max_batch);

/* A classification set of @n samples of @features normal features and
 * @classes classes; the label is the argmax of the first @classes
 * features, so it can be learnt. */
GrDataset *tu_dataset_classes    (int       n,
                                  int       features,
                                  int       classes,
                                  uint64_t  seed);
/* A regression set: targets y0 = x0 x1, y1 = sin (x2) (@outputs <= 2). */
GrDataset *tu_dataset_regression (int       n,
                                  int       features,
                                  int       outputs,
                                  uint64_t  seed);
