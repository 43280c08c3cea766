#pragma once

#include <stdbool.h>

#include "../nn/gr-net.h"

/* A network description: the input shape and the nodes in order. Plain
 * value, so a spec can be copied, edited by knobs and rebuilt. */
typedef struct
{
  GrShape     input;                 /* per sample */
  int         n_layers;
  GrLayerSpec layers[GR_MAX_NODES];  /* node i + 1 of the net (node 0 is the input) */
  /* Per layer (same index): the constant every bias of a DENSE or CONV2D
   * layer starts at; 0 = the engine's zero. Applied after the weights are
   * initialised (gr_model_init_biases ()), so a reset re-applies it. A
   * large negative value (-3) starts ReLU units dead. */
  float       bias_init[GR_MAX_NODES];
} GrModelSpec;

/* The multi-layer perceptron shorthand of experiment files and the app's
 * depth/width knobs. */
typedef struct
{
  int       depth;        /* hidden layers */
  int       width;        /* units per hidden layer */
  int       widths[64];   /* per-layer widths if n_widths > 0 */
  int       n_widths;
  GrActKind act;
  bool      batch_norm;   /* a BN node after each hidden dense */
  float     dropout;      /* a dropout node after each hidden act if > 0 */
  bool      residual;     /* identity shortcut around each hidden block
                           * whose input has the same width */
  bool      softmax;      /* a SOFTMAX node on the output (for MSE) */
  int       outputs;      /* output units */
  float     bias_init;    /* initial bias of every hidden dense layer (0 = 0) */
} GrMlpSpec;

/* Fills @spec from @mlp. Returns GR_ERR_ARG if it does not fit
 * GR_MAX_NODES. */
GrStatus gr_model_from_mlp (GrModelSpec     *spec,
                            GrShape          input,
                            const GrMlpSpec *mlp);
/* Sets the biases of @net's DENSE and CONV2D nodes to @spec's bias_init
 * where it is not 0 (after gr_net_init_params ()); @net was built from
 * @spec. */
void     gr_model_init_biases (const GrModelSpec *spec,
                               GrNet             *net);
/* Builds and compiles a network for @spec. On failure returns NULL and
 * writes the reason (naming the layer) into @err. */
GrNet   *gr_model_build    (const GrModelSpec *spec,
                            int               max_batch,
                            char             *err,
                            size_t            err_len);
