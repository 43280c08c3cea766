#pragma once

/* The inside of a network, shared by the layer implementations. Nothing
 * outside engine/nn includes this. */

#include "gr-net.h"

#include <stdint.h>
#include <string.h>

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
  /* Set by the input's forward when it wrote this node's y too (batch
   * norm writing its ReLU's output in the same pass); forward then has
   * nothing left to do, and neither has backward unless BN was bypassed
   * since: BN's backward does the ReLU's (bn_fused_relu () in
   * gr-layers-basic.c). */
  bool      y_done;
  /* Set by the last backward of a BN that did its ReLU's backward: BN's
   * own dy was not stored; it is (relu->y > 0 ? relu->dy : 0), which is
   * what find_nonfinite () reads instead. NULL otherwise. */
  const GrNode *dy_masked_by;
  /* ACT nodes right after a BN on maps whose planes are whole
   * GR_PROBE_CHUNKs: the activation probe's per-chunk sums of y (sum,
   * then sum of squares, per chunk in order) and per-channel "some y > 0",
   * filled by BN's fused forward in train mode; probe_ready says the last
   * forward did. NULL elsewhere. */
  double   *probe_chunks;
  uint8_t  *probe_alive;
  bool      probe_ready;
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

/* Memory-bound loops (batch norm, padding, the loss) compiled twice:
 * for baseline x86-64, whose 128-bit registers hold half a BnV8 and
 * spilled the rest to the stack, and for AVX2, picked at run time. Only
 * "avx2", not "fma": with -std=c17 GCC does not contract a * b + c, and
 * without FMA instructions the AVX2 copy cannot either, so both copies
 * give the same bits and results do not depend on the CPU.
 *
 * GR_RANGE_VARIANTS (name) wants a static always_inline name##_body
 * (ctx, lo, hi) and defines name (), name##_avx2 () and name##_best (),
 * the GrRangeFn to hand to gr_net_parallel (). */
bool gr_cpu_has_avx2 (void);
/* For tests: with @allow false the baseline copies run on any CPU, so
 * both copies can be compared bit for bit on one machine. */
void gr_cpu_allow_avx2 (bool allow);

#if defined(__x86_64__) && defined(__GNUC__)
#define GR_INLINE_HOT static inline __attribute__ ((always_inline))
#define GR_RANGE_VARIANTS(name)                                                \
  static void name (void *ctx, size_t lo, size_t hi)                          \
  {                                                                            \
    name##_body (ctx, lo, hi);                                                 \
  }                                                                            \
  __attribute__ ((target ("avx2"), flatten)) static void                       \
  name##_avx2 (void *ctx, size_t lo, size_t hi)                               \
  {                                                                            \
    name##_body (ctx, lo, hi);                                                 \
  }                                                                            \
  static inline GrRangeFn name##_best (void)                                   \
  {                                                                            \
    return gr_cpu_has_avx2 () ? name##_avx2 : name;                            \
  }
#else
#define GR_INLINE_HOT static inline
#define GR_RANGE_VARIANTS(name)                                                \
  static void name (void *ctx, size_t lo, size_t hi)                          \
  {                                                                            \
    name##_body (ctx, lo, hi);                                                 \
  }                                                                            \
  static inline GrRangeFn name##_best (void)                                   \
  {                                                                            \
    return name;                                                               \
  }
#endif

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

/* Four floats as one value (GCC's and Clang's vector extension: SSE or
 * NEON arithmetic), for the activation probes. Plain loops with double
 * sums run at one element per add latency; these go four lanes wide,
 * folding into double every GR_PROBE_CHUNK elements. */
typedef float GrProbeV4 __attribute__ ((vector_size (16)));
typedef int32_t GrProbeI4 __attribute__ ((vector_size (16)));

#define GR_PROBE_CHUNK 1024

/* One probe chunk: y[0..len), len a multiple of 4 and at most
 * GR_PROBE_CHUNK. Sets *sum and *sum2 to the chunk's sum and sum of
 * squares (float lanes folded into double) and *saturated to its count of
 * saturated values for sigmoid and tanh (0 otherwise). The probe adds
 * these up chunk after chunk; BN's fused forward computes them while the
 * chunk is in cache, so both give the same bits. */
static inline void
gr_probe_chunk (const float *y,
                size_t       len,
                GrActKind    act,
                double      *sum,
                double      *sum2,
                int64_t     *saturated)
{
  GrProbeV4 s1 = { 0 }, s2 = { 0 }, t1 = { 0 }, t2 = { 0 };
  GrProbeI4 cnt = { 0 };
  size_t j = 0;

  /* Two pairs of sums: the adds of one pair wait on each other, so one
   * pair ran at the add latency, not at memory speed. */
  for (; j + 8 <= len; j += 8)
    {
      GrProbeV4 v, w;

      memcpy (&v, y + j, sizeof v);
      memcpy (&w, y + j + 4, sizeof w);
      s1 += v;
      s2 += v * v;
      t1 += w;
      t2 += w * w;
      /* Comparisons give -1 where true. */
      if (act == GR_ACT_SIGMOID)
        cnt -= ((v < 0.01f) | (v > 0.99f)) + ((w < 0.01f) | (w > 0.99f));
      else if (act == GR_ACT_TANH)
        cnt -= ((v > 0.99f) | (v < -0.99f)) + ((w > 0.99f) | (w < -0.99f));
    }
  for (; j < len; j += 4)
    {
      GrProbeV4 v;

      memcpy (&v, y + j, sizeof v);
      s1 += v;
      s2 += v * v;
      if (act == GR_ACT_SIGMOID)
        cnt -= (v < 0.01f) | (v > 0.99f);
      else if (act == GR_ACT_TANH)
        cnt -= (v > 0.99f) | (v < -0.99f);
    }
  s1 += t1;
  s2 += t2;
  *sum = ((double) s1[0] + s1[1]) + ((double) s1[2] + s1[3]);
  *sum2 = ((double) s2[0] + s2[1]) + ((double) s2[2] + s2[3]);
  *saturated = (int64_t) cnt[0] + cnt[1] + cnt[2] + cnt[3];
}

/* e^x for the sigmoid and the softmax losses, written without calls or
 * branches so that loops over it vectorise (libm's expf () is a call per
 * element: a 20-layer sigmoid network spent a fifth of its step there).
 * x is clamped to [-87, 88] with integer masks (a float select would keep
 * the vectoriser out under -ftrapping-math), split as n ln 2 + r with
 * |r| <= ln 2 / 2 (Cody-Waite, ln 2 in two parts; n rounded by adding
 * 1.5 * 2^23), e^r by Cephes' degree-6 polynomial, and 2^n made in the
 * exponent bits. The sigmoid built on it is within 2.5 ulp of
 * 1 / (1 + expf (-x)) on [-100, 100]; NaN stays NaN. */
static inline float
gr_exp_vec (float x)
{
  const int32_t lo_bits = (int32_t) 0xc2ae0000, hi_bits = (int32_t) 0x42b00000; /* -87, 88 */
  int32_t xb, lo = -(int32_t) (x < -87.0f), hi = -(int32_t) (x > 88.0f), e;
  float t, k, r, p, scale;

  memcpy (&xb, &x, sizeof xb);
  xb = (xb & ~(lo | hi)) | (lo_bits & lo) | (hi_bits & hi);
  memcpy (&x, &xb, sizeof x);
  t = x * 1.44269504f + 12582912.0f;
  k = t - 12582912.0f;
  r = x - k * 0.693359375f;
  r = r + k * 2.12194440e-4f;
  p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  e = ((int32_t) k + 127) * (1 << 23);
  memcpy (&scale, &e, sizeof scale);
  return p * scale;
}

/* ln x for x > 0, for the same reason as gr_exp_vec (): one logf () call
 * per position was a third of W3's loss. x = m 2^e with m in
 * [sqrt (1/2), sqrt 2) taken from the bits (no frexpf () call, integer
 * masks for the select), ln (1 + f) by Cephes' logf polynomial, e ln 2 in
 * two parts. Within 1 ulp of logf () on normal numbers; callers clamp
 * away zero and subnormals. */
static inline float
gr_log_vec (float x)
{
  int32_t xb, e, big;
  float m, f, z, y, ef;

  memcpy (&xb, &x, sizeof xb);
  e = ((xb >> 23) & 0xff) - 127;
  xb = (xb & 0x007fffff) | 0x3f800000;          /* m in [1, 2) */
  big = -(int32_t) (xb > 0x3fb504f3);           /* m > sqrt 2 */
  xb -= big & 0x00800000;                       /* halve m there */
  e += big & 1;
  memcpy (&m, &xb, sizeof m);
  f = m - 1.0f;
  ef = (float) e;
  z = f * f;
  y = 7.0376836292e-2f;
  y = y * f - 1.1514610310e-1f;
  y = y * f + 1.1676998740e-1f;
  y = y * f - 1.2420140846e-1f;
  y = y * f + 1.4249322787e-1f;
  y = y * f - 1.6668057665e-1f;
  y = y * f + 2.0000714765e-1f;
  y = y * f - 2.4999993993e-1f;
  y = y * f + 3.3333331174e-1f;
  y = y * f * z;
  y += -2.12194440e-4f * ef;
  y += -0.5f * z;
  return f + y + 0.693359375f * ef;
}
