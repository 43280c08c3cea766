#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gr-rng.h"
#include "gr-status.h"

#define GR_MAX_INPUTS  8     /* inputs of one node (concat of an ASPP block) */
#define GR_MAX_NODES   256   /* nodes in one network */
#define GR_MAX_CLASSES 32    /* classes of a classifier or segmenter */
#define GR_NAME_LEN    32

/* A shape. Tensors are stored NCHW, row-major; feature vectors are
 * (N, C, 1, 1). Per-sample shapes have n = 1. */
typedef struct
{
  int n;  /* batch */
  int c;  /* channels or features */
  int h;  /* height, 1 for vectors */
  int w;  /* width, 1 for vectors */
} GrShape;

static inline size_t
gr_shape_sample_size (GrShape s)
{
  return (size_t) s.c * s.h * s.w;
}

typedef enum
{
  GR_LAYER_INPUT,        /* the network's input; node 0, added by gr_net_new () */
  GR_LAYER_DENSE,        /* y = x W^T + b over C*H*W flattened features */
  GR_LAYER_ACT,          /* element-wise activation */
  GR_LAYER_DROPOUT,      /* inverted dropout, identity in eval */
  GR_LAYER_BATCHNORM,    /* per channel: over N for vectors, over N*H*W for maps */
  GR_LAYER_ADD,          /* element-wise sum of all inputs (residual) */
  GR_LAYER_CONCAT,       /* concatenation of all inputs along C */
  GR_LAYER_SOFTMAX,      /* softmax over C at every pixel */
  GR_LAYER_CONV2D,       /* im2col + GEMM, stride, padding, dilation */
  GR_LAYER_MAXPOOL,      /* k x k max pooling */
  GR_LAYER_AVGPOOL,      /* k x k average pooling */
  GR_LAYER_GAP,          /* global average pooling to (N, C, 1, 1) */
  GR_LAYER_UPSAMPLE,     /* bilinear upsampling by an integer factor */
  GR_LAYER_SPATIAL_DROPOUT, /* drops whole channels, identity in eval */
  GR_N_LAYER_KINDS
} GrLayerKind;

typedef enum
{
  GR_ACT_IDENTITY,
  GR_ACT_SIGMOID,
  GR_ACT_TANH,
  GR_ACT_RELU,
  GR_ACT_LEAKY_RELU,
  GR_ACT_ELU,
  GR_ACT_GELU,           /* tanh approximation */
  GR_N_ACTS
} GrActKind;

typedef enum
{
  GR_INIT_NORMAL,        /* N(0, sigma^2) */
  GR_INIT_UNIFORM,       /* U(-sigma, sigma) */
  GR_INIT_XAVIER,        /* U(+-sqrt(6 / (fan_in + fan_out))) */
  GR_INIT_HE,            /* N(0, 2 / fan_in) */
  GR_N_INITS
} GrInitKind;

/* What one node is. Fields a kind does not use are ignored. A zeroed spec
 * plus a kind is valid for kinds with no size (ACT defaults to identity).
 * inputs[] holds node indices; n_inputs = 0 means "the previous node". */
typedef struct
{
  GrLayerKind kind;
  char        name[GR_NAME_LEN]; /* unique; "" lets the net name it ("dense3") */
  int         inputs[GR_MAX_INPUTS];
  int         n_inputs;
  int         units;          /* DENSE: out features; CONV2D: out channels */
  int         kernel;         /* CONV2D, pools: kernel size (square) */
  int         stride;         /* CONV2D, pools: stride (0 means 1, pools: kernel) */
  int         pad;            /* CONV2D, pools: zero padding on each side */
  int         dilation;       /* CONV2D: dilation (0 means 1) */
  int         scale;          /* UPSAMPLE: integer factor */
  bool        no_bias;        /* DENSE, CONV2D: no bias (e.g. followed by BN) */
  GrActKind   act;            /* ACT: the function */
  bool        act_fixed;      /* ACT: not changed by the activation knob */
  float       slope;          /* ACT leaky ReLU slope / ELU alpha (0: 0.01 / 1.0) */
  float       p;              /* DROPOUT: drop probability */
  float       momentum;       /* BATCHNORM: running-stat momentum (0 means 0.1) */
  float       eps;            /* BATCHNORM: variance epsilon (0 means 1e-5) */
} GrLayerSpec;

/* Cheap per-step health numbers of one layer with weights; see gr-probe
 * documentation in docs/ARCHITECTURE.md. */
typedef struct
{
  float grad_norm;       /* L2 norm of the weight gradient the optimizer used */
  float grad_norm_raw;   /* the same before clipping */
  float weight_norm;     /* L2 norm of the weights after the step */
  float update_ratio;    /* ||delta W|| / ||W|| of this step */
  float act_mean;        /* mean of the layer's activation (after its act) */
  float act_std;         /* standard deviation of the same */
  float dead_frac;       /* ReLU family: share of units inactive on the whole batch */
  float saturated_frac;  /* sigmoid/tanh: share of outputs within 1 % of a bound */
  float clip_share;      /* share of the gradient norm removed by clipping */
} GrProbe;

typedef struct _GrNet GrNet;

/* Creates an empty network whose input is one sample of @input (n ignored).
 * Returns NULL on allocation failure. Free with gr_net_free (). */
GrNet      *gr_net_new            (GrShape            input);
void        gr_net_free           (GrNet             *net);

/* Appends a node. Returns its index (>= 1), or a negative GrStatus; on
 * GR_ERR_SHAPE or GR_ERR_ARG a message is available from
 * gr_net_error (). Only valid before gr_net_compile (). */
int         gr_net_add            (GrNet             *net,
                                   const GrLayerSpec *spec);
/* Allocates every buffer for batches of up to @max_batch samples: one
 * parameter slab, one gradient slab, one state slab (BN running stats),
 * activations, and one shared workspace. After this no step allocates. */
GrStatus    gr_net_compile        (GrNet             *net,
                                   int                max_batch);
/* The last error message (static storage in the net, never NULL). */
const char *gr_net_error          (const GrNet       *net);

/* Initialises every parameter; biases and BN beta to 0, BN gamma to 1,
 * running stats to (0, 1). */
void        gr_net_init_params    (GrNet             *net,
                                   GrInitKind         init,
                                   float              sigma,
                                   GrRng             *rng);

/* Forward pass over @n <= max_batch samples (N, C, H, W) in @x. In @train
 * mode dropout draws masks from @rng and BN uses batch statistics and
 * updates its running ones. Returns GR_ERR_NONFINITE if an output is not
 * finite (the node is named by gr_net_error ()). */
GrStatus    gr_net_forward        (GrNet             *net,
                                   const float       *x,
                                   int                n,
                                   bool               train,
                                   GrRng             *rng);
/* Backward pass of the last forward. @dout is d loss / d output for the
 * same n samples. Gradients are written (not accumulated) into the
 * gradient slab; d loss / d input is available from gr_net_input_grad ().
 * Returns GR_ERR_NONFINITE if a gradient is not finite. */
GrStatus    gr_net_backward       (GrNet             *net,
                                   const float       *dout);

/* Runs eval-mode forward over any number of samples in chunks and copies
 * the output into @out ((n, out sample size)). */
GrStatus    gr_net_predict        (GrNet             *net,
                                   const float       *x,
                                   int                n,
                                   float             *out);

/* Accessors. Pointers are owned by the net and valid until it is freed. */
GrShape     gr_net_input_shape    (const GrNet       *net);   /* per sample */
GrShape     gr_net_output_shape   (const GrNet       *net);   /* per sample */
int         gr_net_max_batch      (const GrNet       *net);
const float *gr_net_output        (const GrNet       *net);   /* (n, out) of last forward */
const float *gr_net_input_grad    (const GrNet       *net);   /* (n, in) of last backward */
int         gr_net_n_nodes        (const GrNet       *net);
const GrLayerSpec *gr_net_node_spec (const GrNet     *net,
                                   int                node);
GrShape     gr_net_node_shape     (const GrNet       *net,
                                   int                node);   /* per sample */
const float *gr_net_node_output   (const GrNet       *net,
                                   int                node);   /* (n, sample) */

/* The parameter slab and its gradient mirror, both of gr_net_n_params ()
 * floats; decay mask: 1 for weights that L2 / weight decay apply to (dense
 * and conv kernels), 0 for biases and BN parameters. */
size_t      gr_net_n_params       (const GrNet       *net);
float      *gr_net_params         (GrNet             *net);
float      *gr_net_grads          (GrNet             *net);
const uint8_t *gr_net_decay_mask  (const GrNet       *net);
/* Non-trained state (BN running mean and variance). */
size_t      gr_net_n_state        (const GrNet       *net);
float      *gr_net_state          (GrNet             *net);

/* Layers with weights, in depth order (input side first): dense and conv.
 * Their probes and names are indexed 0 .. n_weighted - 1. */
int         gr_net_n_weighted     (const GrNet       *net);
int         gr_net_weighted_node  (const GrNet       *net,
                                   int                i);
/* The weight tensor (not bias) of weighted layer @i as a slab range. */
void        gr_net_weighted_range (const GrNet       *net,
                                   int                i,
                                   size_t            *offset,
                                   size_t            *count);
/* Computes the activation part of the probes (act_mean, act_std,
 * dead_frac, saturated_frac) from the last forward pass into @probes[i]
 * for each weighted layer; the gradient part is the optimizer's job. */
void        gr_net_probe_activations (const GrNet    *net,
                                   GrProbe           *probes);
/* The activation node whose output is weighted layer @i's health read-out
 * (the first ACT node downstream through BN / dropout), or the layer's own
 * node if there is none. */
int         gr_net_weighted_act_node (const GrNet    *net,
                                   int                i);

/* Live knobs that change no shape. Return the number of nodes changed. */
int         gr_net_set_activation (GrNet             *net,
                                   GrActKind          act);
int         gr_net_set_dropout    (GrNet             *net,
                                   float              p);
int         gr_net_set_bn_bypass  (GrNet             *net,
                                   bool               bypass);
/* Asks backward to fill gr_net_input_grad () (off by default: it costs a
 * GEMM or col2im the training step does not need). */
void        gr_net_set_input_grad (GrNet             *net,
                                   bool               enable);
/* Sets per-layer threading (and so OpenBLAS's, per GEMM); 1 or 2 here. */
void        gr_net_set_threads    (GrNet             *net,
                                   int                threads);

/* Names, untranslated (used in files). Parsers return -1 if unknown. */
const char *gr_layer_kind_name    (GrLayerKind        kind);
int         gr_layer_kind_parse   (const char        *name);
const char *gr_act_name           (GrActKind          act);
int         gr_act_parse          (const char        *name);
const char *gr_init_name          (GrInitKind         init);
int         gr_init_parse         (const char        *name);

/* Parameter count and forward FLOPs (multiply-adds counted as 2) of node
 * @node for one sample; used by the geometry table. */
size_t      gr_net_node_n_params  (const GrNet       *net,
                                   int                node);
double      gr_net_node_flops     (const GrNet       *net,
                                   int                node);
