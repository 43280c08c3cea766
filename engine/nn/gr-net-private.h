#pragma once

/* The inside of a network, shared by the layer implementations. Nothing
 * outside engine/nn includes this. */

#include "gr-net.h"

typedef struct _GrNode GrNode;

/* One entry per layer kind (kann's op list): a node's kind selects its ops.
 * Forward reads inputs' y and writes node->y; backward reads node->dy and
 * ADDS into each input's dy (a node may feed several others) and writes its
 * own parameter gradients (dparam[]). */
typedef struct
{
  const char *name;
  /* Checks the inputs and fills node->out, node->n_param[], node->n_state,
   * node->cache_per_sample, node->ws_floats. Returns GR_ERR_SHAPE with
   * gr_net_set_error () on a mismatch. */
  GrStatus  (*setup)    (GrNet *net, GrNode *node);
  void      (*init)     (GrNet *net, GrNode *node, GrInitKind init, float sigma, GrRng *rng);
  void      (*forward)  (GrNet *net, GrNode *node, int n, bool train, GrRng *rng);
  void      (*backward) (GrNet *net, GrNode *node, int n);
  double    (*flops)    (const GrNet *net, const GrNode *node); /* per sample, may be NULL */
  /* Backward honours its input's dy_assign: when set, it WRITES input 0's
   * dy (every element) instead of adding to it. Only single-input kinds. */
  bool        assigns_dx;
} GrLayerOps;

struct _GrNode
{
  GrLayerSpec spec;
  const GrLayerOps *ops;
  int       index;
  GrShape   out;              /* per sample (1, C, H, W) */
  size_t    out_size;         /* C * H * W */
  int       n_consumers;      /* nodes that read this one */

  float    *y;                /* (N, C, H, W) output */
  float    *dy;               /* (N, C, H, W) d loss / d output */

  /* Up to two trained tensors: [0] weights / gamma, [1] bias / beta. */
  size_t    n_param[2];
  bool      decay[2];         /* L2 / weight decay applies */
  float    *param[2];         /* views into the parameter slab */
  float    *dparam[2];        /* views into the gradient slab */

  size_t    n_state;          /* BN: 2 * C running mean then var */
  float    *state;            /* view into the state slab */

  size_t    cache_per_sample; /* floats saved in forward for backward, per sample */
  size_t    cache_fixed;      /* floats saved independent of the batch (BN stats) */
  float    *cache;            /* cache_per_sample * max_batch + cache_fixed */

  size_t    ws_floats;        /* shared workspace needed at max_batch */

  bool      bypass;           /* BN bypass knob */
  /* Set by gr_net_backward (): this node's only consumer writes its dy
   * (ops->assigns_dx), so dy is not zeroed first. */
  bool      dy_assign;
};

struct _GrNet
{
  GrShape   input;            /* per sample */
  int       max_batch;
  int       n;                /* samples of the last forward */
  bool      last_train;       /* mode of the last forward */
  bool      need_input_grad;  /* compute d loss / d input (receptive-field maps) */
  int       n_nodes;
  GrNode    nodes[GR_MAX_NODES];
  bool      compiled;
  int       threads;

  size_t    n_params;
  float    *params;           /* the slab */
  float    *grads;            /* its mirror */
  uint8_t  *decay_mask;       /* per float */
  size_t    n_state;
  float    *state;

  float    *act_slab;         /* all y and dy buffers */
  float    *cache_slab;
  float    *ws;               /* shared scratch (im2col columns) */
  size_t    ws_floats;

  int       n_weighted;
  int       weighted[GR_MAX_NODES];
  int       weighted_act[GR_MAX_NODES];

  char      error[256];
};

const GrLayerOps *gr_layer_ops_for (GrLayerKind kind);
/* The convolutional kinds, from gr-layers-conv.c; NULL if @kind is not one. */
const GrLayerOps *gr_layer_ops_for_conv (GrLayerKind kind);

/* False when @input is the network's input and nobody asked for the input
 * gradient: layers then skip computing it. */
static inline bool
gr_net_wants_grad (const GrNet *net,
                   int          input)
{
  return input != 0 || net->need_input_grad;
}

/* Runs fn (ctx, 0) on this thread and, when @parallel and the net has two
 * or more threads, fn (ctx, 1) on the process's helper thread, and returns
 * when both are done. fn (ctx, 1) may not run at all (the helper was busy
 * or not scheduled in time), so @fn must claim its work dynamically
 * (atomics) and worker 0 must be able to do all of it. */
typedef void (*GrWorkerFn) (void *ctx, int worker);

/* Sets OpenBLAS's (process-wide) thread count, calling OpenBLAS only when
 * it differs from the count last set through here: switching costs
 * microseconds, and small GEMMs switch on every call. */
void gr_net_blas_threads (int threads);

void gr_net_run_workers (const GrNet *net,
                         bool         parallel,
                         GrWorkerFn   fn,
                         void        *ctx);

/* Runs fn (ctx, lo, hi) over [0, n): on this thread alone, or, when the
 * net has two or more threads and @bytes (the memory the whole range
 * touches) is worth it (about 1 MB), in chunks shared with the helper
 * thread. @fn must give the same results for any split (items
 * independent of each other), so the bits do not depend on threads. */
typedef void (*GrRangeFn) (void *ctx, size_t lo, size_t hi);

void gr_net_parallel (const GrNet *net,
                      size_t       n,
                      double       bytes,
                      GrRangeFn    fn,
                      void        *ctx);

/* Before the nodes' backward passes: zeroes every dy a consumer adds into
 * (see dy_assign) and copies @dout into the output node's dy. */
void gr_net_backward_begin (GrNet       *net,
                            const float *dout,
                            int          n);

/* printf-style; keeps the first 255 bytes. */
void gr_net_set_error (GrNet      *net,
                       const char *fmt,
                       ...) __attribute__ ((format (printf, 2, 3)));

static inline GrNode *
gr_node_input (GrNet  *net,
               GrNode *node,
               int     i)
{
  return &net->nodes[node->spec.inputs[i]];
}

/* Per-kind ops tables, defined in the layer files. */
extern const GrLayerOps gr_input_ops;
extern const GrLayerOps gr_dense_ops;
extern const GrLayerOps gr_act_ops;
extern const GrLayerOps gr_dropout_ops;
extern const GrLayerOps gr_batchnorm_ops;
extern const GrLayerOps gr_add_ops;
extern const GrLayerOps gr_concat_ops;
extern const GrLayerOps gr_softmax_ops;
extern const GrLayerOps gr_conv2d_ops;
extern const GrLayerOps gr_maxpool_ops;
extern const GrLayerOps gr_avgpool_ops;
extern const GrLayerOps gr_gap_ops;
extern const GrLayerOps gr_upsample_ops;
extern const GrLayerOps gr_spatial_dropout_ops;

/* Fills @count weights of a layer with @fan_in / @fan_out by @init. */
void gr_layer_init_weights (float      *w,
                            size_t      count,
                            int         fan_in,
                            int         fan_out,
                            GrInitKind  init,
                            float       sigma,
                            GrRng      *rng);

/* Activation math shared by ACT nodes and probes. */
float gr_act_forward1 (GrActKind act, float slope, float x);
