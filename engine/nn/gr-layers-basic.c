/* The layers of multi-layer networks: input, dense, activations, dropout,
 * batch norm, residual add, concat and softmax. Each kind is one ops table;
 * backward adds into the inputs' dy and writes its own parameter
 * gradients. */

#include "gr-i18n.h"
#include "gr-net-private.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

/* ---- input ------------------------------------------------------------ */

static GrStatus
input_setup (GrNet  *net,
             GrNode *node)
{
  return GR_OK;
}

static void
input_noop_forward (GrNet  *net,
                    GrNode *node,
                    int     n,
                    bool    train,
                    GrRng  *rng)
{
}

static void
input_noop_backward (GrNet  *net,
                     GrNode *node,
                     int     n)
{
}

const GrLayerOps gr_input_ops = {
  .name = "input",
  .setup = input_setup,
  .forward = input_noop_forward,
  .backward = input_noop_backward,
};

/* ---- shared initialisation ---------------------------------------------- */

static void
init_weights (float      *w,
              size_t      count,
              int         fan_in,
              int         fan_out,
              GrInitKind  init,
              float       sigma,
              GrRng      *rng)
{
  float a;

  switch (init)
    {
    case GR_INIT_NORMAL:
      for (size_t i = 0; i < count; i++)
        w[i] = sigma * gr_rng_normal (rng);
      break;
    case GR_INIT_UNIFORM:
      for (size_t i = 0; i < count; i++)
        w[i] = sigma * (2.0f * gr_rng_uniform (rng) - 1.0f);
      break;
    case GR_INIT_XAVIER:
      a = sqrtf (6.0f / (float) (fan_in + fan_out));
      for (size_t i = 0; i < count; i++)
        w[i] = a * (2.0f * gr_rng_uniform (rng) - 1.0f);
      break;
    case GR_INIT_HE:
    case GR_N_INITS:
    default:
      a = sqrtf (2.0f / (float) fan_in);
      for (size_t i = 0; i < count; i++)
        w[i] = a * gr_rng_normal (rng);
      break;
    }
}

void
gr_layer_init_weights (float      *w,
                       size_t      count,
                       int         fan_in,
                       int         fan_out,
                       GrInitKind  init,
                       float       sigma,
                       GrRng      *rng)
{
  init_weights (w, count, fan_in, fan_out, init, sigma, rng);
}

/* ---- dense -------------------------------------------------------------- */
/* y (N, out) = x (N, in) W^T + b, W is (out, in) row-major. */

/* OpenBLAS splits a GEMM over its threads from 2^18 multiply-adds on, but
 * on two cores handing half of a small GEMM to the other thread costs more
 * than it saves. Measured here (OpenBLAS 0.3.21, Zen): 64x128x128 (2.1
 * MFLOP) 34 us on one thread, 48 us on two; 64x256x256 (8.4 MFLOP) 130 us
 * and 78 us. Below DENSE_PARALLEL_MIN_FLOPS a dense layer's GEMMs run on
 * one thread whatever the net's thread count, so two threads are never
 * slower than one. */
#define DENSE_PARALLEL_MIN_FLOPS 4.0e6

/* Sets OpenBLAS's thread count for an (n x m x k) GEMM: one thread below
 * the threshold, the net's count above. The count stays until the next
 * GEMM asks for another (gr_net_blas_threads () calls OpenBLAS only on a
 * change), so a net of small layers never switches at all. */
static void
dense_gemm_threads (GrNet *net,
                    int    n,
                    int    m,
                    int    k)
{
  gr_net_blas_threads (net->threads <= 1 || 2.0 * n * m * k >= DENSE_PARALLEL_MIN_FLOPS
                       ? net->threads : 1);
}

static GrStatus
dense_setup (GrNet  *net,
             GrNode *node)
{
  GrNode *in = gr_node_input (net, node, 0);

  if (node->spec.units <= 0)
    {
      gr_net_set_error (net, GR_("layer '%s': dense needs units > 0, not %d"),
                        node->spec.name, node->spec.units);
      return GR_ERR_ARG;
    }
  node->out = (GrShape) { 1, node->spec.units, 1, 1 };
  node->n_param[0] = (size_t) node->spec.units * in->out_size;
  node->n_param[1] = node->spec.no_bias ? 0 : (size_t) node->spec.units;
  node->decay[0] = true;
  return GR_OK;
}

static void
dense_init (GrNet      *net,
            GrNode     *node,
            GrInitKind  init,
            float       sigma,
            GrRng      *rng)
{
  GrNode *in = gr_node_input (net, node, 0);

  init_weights (node->param[0], node->n_param[0], (int) in->out_size,
                node->spec.units, init, sigma, rng);
  if (node->n_param[1])
    memset (node->param[1], 0, sizeof (float) * node->n_param[1]);
}

static void
dense_forward (GrNet  *net,
               GrNode *node,
               int     n,
               bool    train,
               GrRng  *rng)
{
  GrNode *in = gr_node_input (net, node, 0);
  int k = (int) in->out_size, m = node->spec.units;

  dense_gemm_threads (net, n, m, k);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, m, k,
               1.0f, in->y, k, node->param[0], k, 0.0f, node->y, m);
  if (node->n_param[1])
    {
      const float *b = node->param[1];

      for (int s = 0; s < n; s++)
        {
          float *y = node->y + (size_t) s * m;

          for (int j = 0; j < m; j++)
            y[j] += b[j];
        }
    }
}

static void
dense_backward (GrNet  *net,
                GrNode *node,
                int     n)
{
  GrNode *in = gr_node_input (net, node, 0);
  int k = (int) in->out_size, m = node->spec.units;

  dense_gemm_threads (net, n, m, k);
  /* dW (out, in) = dy^T (out, N) x (N, in) */
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, m, k, n,
               1.0f, node->dy, m, in->y, k, 0.0f, node->dparam[0], k);
  if (node->n_param[1])
    {
      float *db = node->dparam[1];

      memset (db, 0, sizeof (float) * m);
      for (int s = 0; s < n; s++)
        {
          const float *dy = node->dy + (size_t) s * m;

          for (int j = 0; j < m; j++)
            db[j] += dy[j];
        }
    }
  /* dx (N, in) += dy (N, out) W (out, in) */
  if (gr_net_wants_grad (net, node->spec.inputs[0]))
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, m,
                 1.0f, node->dy, m, node->param[0], k, in->dy_assign ? 0.0f : 1.0f, in->dy, k);
}

static double
dense_flops (const GrNet  *net,
             const GrNode *node)
{
  return 2.0 * (double) node->n_param[0] + (double) node->n_param[1];
}

const GrLayerOps gr_dense_ops = {
  .name = "dense",
  .setup = dense_setup,
  .init = dense_init,
  .forward = dense_forward,
  .backward = dense_backward,
  .flops = dense_flops,
  .assigns_dx = true,
};

/* ---- activations -------------------------------------------------------- */

/* The memory-bound loops of ReLU and batch norm are written in blocks of 8
 * with a fixed inner trip count and restrict pointers: GCC 12 at -O2 (its
 * very-cheap cost model) vectorises only that shape, and the ReLU compare
 * becomes a mask instead of a mispredicted branch. Measured on the W3
 * workload: ReLU forward + backward 12 ms -> 1.6 ms per step, BN 6 ms ->
 * 2.5 ms. */
#define BLOCK 8

/* BLOCK floats as one value (GCC's and Clang's vector extension, two SSE
 * registers on baseline x86-64), for the reductions GCC does not
 * vectorise well from the plain form: its sums over a[BLOCK] came out as
 * shuffles and scalar adds (10 instructions per element in BN's
 * backward). Lane u does exactly what a[u] did, so the bits are the same. */
typedef float BnV8 __attribute__ ((vector_size (BLOCK * sizeof (float))));
typedef int32_t BnI8 __attribute__ ((vector_size (BLOCK * sizeof (int32_t))));
_Static_assert (BLOCK == 8, "the BnV8 broadcasts below list 8 lanes");

/* Does batch norm @bn do the backward of @relu, the ReLU after it whose
 * output its forward wrote (y_done, set only for a ReLU that is BN's one
 * consumer)? Asked by both sides, so exactly one of them does it. */
static inline bool
relu_backward_in_bn (const GrNode *relu,
                     const GrNode *bn)
{
  return relu->y_done && relu->spec.act == GR_ACT_RELU && !bn->bypass;
}

static void
relu_forward_loop (const float *restrict x,
                   float       *restrict y,
                   size_t                total)
{
  size_t i = 0;

  for (; i + BLOCK <= total; i += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      y[i + u] = x[i + u] > 0.0f ? x[i + u] : 0.0f;
  for (; i < total; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* dx += dy where x > 0, else 0 (ReLU) or dy * slope (leaky ReLU); with
 * @add false, dx = that. The ReLU form selects rather than multiplies, so
 * a non-finite dy stays blocked where x <= 0. */
static void
relu_backward_loop (const float *restrict x,
                    const float *restrict dy,
                    float       *restrict dx,
                    size_t                total,
                    float                 slope,
                    bool                  add)
{
  size_t i = 0;

  if (!add)
    {
      if (slope == 0.0f)
        for (; i + BLOCK <= total; i += BLOCK)
          for (int u = 0; u < BLOCK; u++)
            {
              float g = dy[i + u];

              dx[i + u] = x[i + u] > 0.0f ? g : 0.0f;
            }
      else
        for (; i + BLOCK <= total; i += BLOCK)
          for (int u = 0; u < BLOCK; u++)
            {
              float m = x[i + u] > 0.0f ? 1.0f : slope;

              dx[i + u] = dy[i + u] * m;
            }
      for (; i < total; i++)
        dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
      return;
    }
  if (slope == 0.0f)
    for (; i + BLOCK <= total; i += BLOCK)
      for (int u = 0; u < BLOCK; u++)
        {
          float g = dy[i + u];

          dx[i + u] += x[i + u] > 0.0f ? g : 0.0f;
        }
  else
    for (; i + BLOCK <= total; i += BLOCK)
      for (int u = 0; u < BLOCK; u++)
        {
          float m = x[i + u] > 0.0f ? 1.0f : slope;

          dx[i + u] += dy[i + u] * m;
        }
  for (; i < total; i++)
    dx[i] += x[i] > 0.0f ? dy[i] : slope * dy[i];
}

/* ReLU passes over element ranges, for gr_net_parallel (). */
typedef struct
{
  const float *x;
  const float *dy;
  float       *out;    /* y forward, dx backward */
  float        slope;
  bool         add;
} ReluJob;

static void
relu_forward_range (void   *data,
                    size_t  lo,
                    size_t  hi)
{
  ReluJob *job = data;

  relu_forward_loop (job->x + lo, job->out + lo, hi - lo);
}

static void
relu_backward_range (void   *data,
                     size_t  lo,
                     size_t  hi)
{
  ReluJob *job = data;

  relu_backward_loop (job->x + lo, job->dy + lo, job->out + lo, hi - lo, job->slope, job->add);
}

static void
sigmoid_forward_loop (const float *restrict x,
                      float       *restrict y,
                      size_t                total)
{
  size_t i = 0;

  for (; i + BLOCK <= total; i += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      y[i + u] = 1.0f / (1.0f + gr_exp_vec (-x[i + u]));
  for (; i < total; i++)
    y[i] = 1.0f / (1.0f + gr_exp_vec (-x[i]));
}

/* dx += dy y (1 - y) */
static void
sigmoid_backward_loop (const float *restrict y,
                       const float *restrict dy,
                       float       *restrict dx,
                       size_t                total)
{
  size_t i = 0;

  for (; i + BLOCK <= total; i += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      dx[i + u] += dy[i + u] * y[i + u] * (1.0f - y[i + u]);
  for (; i < total; i++)
    dx[i] += dy[i] * y[i] * (1.0f - y[i]);
}

#define GELU_C 0.7978845608028654f /* sqrt (2 / pi) */

float
gr_act_forward1 (GrActKind act,
                 float     slope,
                 float     x)
{
  switch (act)
    {
    case GR_ACT_SIGMOID:
      return 1.0f / (1.0f + expf (-x));
    case GR_ACT_TANH:
      return tanhf (x);
    case GR_ACT_RELU:
      return x > 0.0f ? x : 0.0f;
    case GR_ACT_LEAKY_RELU:
      return x > 0.0f ? x : slope * x;
    case GR_ACT_ELU:
      return x > 0.0f ? x : slope * expm1f (x);
    case GR_ACT_GELU:
      return 0.5f * x * (1.0f + tanhf (GELU_C * (x + 0.044715f * x * x * x)));
    case GR_ACT_IDENTITY:
    case GR_N_ACTS:
    default:
      return x;
    }
}

static GrStatus
same_shape_setup (GrNet  *net,
                  GrNode *node)
{
  node->out = gr_node_input (net, node, 0)->out;
  return GR_OK;
}

GR_INLINE_HOT void
act_forward_impl (GrNet  *net,
                  GrNode *node,
                  int     n,
                  bool    train,
                  GrRng  *rng)
{
  const float *x = gr_node_input (net, node, 0)->y;
  float *y = node->y;
  size_t total = node->out_size * (size_t) n;
  float slope = node->spec.slope;

  if (node->y_done)
    return;
  /* One loop per kind so each vectorises. */
  switch (node->spec.act)
    {
    case GR_ACT_RELU:
      {
        ReluJob job = { x, NULL, y, 0.0f, false };

        gr_net_parallel (net, total, 8.0 * (double) total, relu_forward_range, &job);
      }
      break;
    case GR_ACT_LEAKY_RELU:
      for (size_t i = 0; i < total; i++)
        y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
      break;
    case GR_ACT_SIGMOID:
      sigmoid_forward_loop (x, y, total);
      break;
    case GR_ACT_TANH:
      for (size_t i = 0; i < total; i++)
        y[i] = tanhf (x[i]);
      break;
    case GR_ACT_IDENTITY:
      memcpy (y, x, sizeof (float) * total);
      break;
    case GR_ACT_ELU:
    case GR_ACT_GELU:
    case GR_N_ACTS:
    default:
      for (size_t i = 0; i < total; i++)
        y[i] = gr_act_forward1 (node->spec.act, slope, x[i]);
      break;
    }
}

GR_INLINE_HOT void
act_backward_impl (GrNet  *net,
                   GrNode *node,
                   int     n)
{
  GrNode *in = gr_node_input (net, node, 0);
  const float *x = in->y, *y = node->y, *dy = node->dy;
  float *dx = in->dy;
  size_t total = node->out_size * (size_t) n;
  float slope = node->spec.slope;

  if (!gr_net_wants_grad (net, node->spec.inputs[0]))
    return;
  /* BN wrote this ReLU's output in its forward pass; its backward then
   * applies the ReLU's mask too (see bn_fused_relu ()). */
  if (relu_backward_in_bn (node, in))
    return;
  if (in->dy_assign && node->spec.act != GR_ACT_RELU && node->spec.act != GR_ACT_LEAKY_RELU)
    memset (dx, 0, sizeof (float) * total);
  switch (node->spec.act)
    {
    case GR_ACT_RELU:
    case GR_ACT_LEAKY_RELU:
      {
        ReluJob job = { x, dy, dx, node->spec.act == GR_ACT_RELU ? 0.0f : slope,
                        !in->dy_assign };

        /* Reads x and dy (and dx when adding), writes dx. */
        gr_net_parallel (net, total, 12.0 * (double) total, relu_backward_range, &job);
      }
      break;
    case GR_ACT_SIGMOID:
      sigmoid_backward_loop (y, dy, dx, total);
      break;
    case GR_ACT_TANH:
      for (size_t i = 0; i < total; i++)
        dx[i] += dy[i] * (1.0f - y[i] * y[i]);
      break;
    case GR_ACT_ELU:
      for (size_t i = 0; i < total; i++)
        dx[i] += x[i] > 0.0f ? dy[i] : dy[i] * (y[i] + slope);
      break;
    case GR_ACT_GELU:
      for (size_t i = 0; i < total; i++)
        {
          float v = x[i];
          float t = tanhf (GELU_C * (v + 0.044715f * v * v * v));
          float d = 0.5f * (1.0f + t)
                    + 0.5f * v * (1.0f - t * t) * GELU_C * (1.0f + 3.0f * 0.044715f * v * v);

          dx[i] += dy[i] * d;
        }
      break;
    case GR_ACT_IDENTITY:
    case GR_N_ACTS:
    default:
      for (size_t i = 0; i < total; i++)
        dx[i] += dy[i];
      break;
    }
}

/* The activation loops (W4's sigmoid: 2.6 times faster) as an AVX2 copy
 * with the same bits, as GR_RANGE_VARIANTS () does for range functions:
 * flatten inlines the whole call tree into the copy. */
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__ ((target ("avx2"), flatten)) static void
act_forward_avx2 (GrNet  *net,
                  GrNode *node,
                  int     n,
                  bool    train,
                  GrRng  *rng)
{
  act_forward_impl (net, node, n, train, rng);
}

__attribute__ ((target ("avx2"), flatten)) static void
act_backward_avx2 (GrNet  *net,
                   GrNode *node,
                   int     n)
{
  act_backward_impl (net, node, n);
}
#endif

static void
act_forward (GrNet  *net,
             GrNode *node,
             int     n,
             bool    train,
             GrRng  *rng)
{
#if defined(__x86_64__) && defined(__GNUC__)
  if (gr_cpu_has_avx2 ())
    {
      act_forward_avx2 (net, node, n, train, rng);
      return;
    }
#endif
  act_forward_impl (net, node, n, train, rng);
}

static void
act_backward (GrNet  *net,
              GrNode *node,
              int     n)
{
#if defined(__x86_64__) && defined(__GNUC__)
  if (gr_cpu_has_avx2 ())
    {
      act_backward_avx2 (net, node, n);
      return;
    }
#endif
  act_backward_impl (net, node, n);
}

const GrLayerOps gr_act_ops = {
  .name = "act",
  .setup = same_shape_setup,
  .forward = act_forward,
  .backward = act_backward,
  .assigns_dx = true,
};

/* ---- dropout (inverted) ------------------------------------------------- */

/* y = a b and y += a b, element-wise, over distinct buffers (restrict on
 * parameters, see act_backward_array ()). */
static void
mul_arrays (const float *restrict a,
            const float *restrict b,
            float       *restrict y,
            size_t                total)
{
  size_t i = 0;

  for (; i + BLOCK <= total; i += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      y[i + u] = a[i + u] * b[i + u];
  for (; i < total; i++)
    y[i] = a[i] * b[i];
}

static void
mul_add_arrays (const float *restrict a,
                const float *restrict b,
                float       *restrict y,
                size_t                total)
{
  size_t i = 0;

  for (; i + BLOCK <= total; i += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      y[i + u] += a[i + u] * b[i + u];
  for (; i < total; i++)
    y[i] += a[i] * b[i];
}

static GrStatus
dropout_setup (GrNet  *net,
               GrNode *node)
{
  if (node->spec.p < 0.0f || node->spec.p >= 1.0f)
    {
      gr_net_set_error (net, GR_("layer '%s': dropout p must be in [0, 1), not %g"),
                        node->spec.name, node->spec.p);
      return GR_ERR_ARG;
    }
  node->out = gr_node_input (net, node, 0)->out;
  node->cache_per_sample = gr_shape_sample_size (node->out);
  return GR_OK;
}

static void
dropout_forward (GrNet  *net,
                 GrNode *node,
                 int     n,
                 bool    train,
                 GrRng  *rng)
{
  const float *x = gr_node_input (net, node, 0)->y;
  size_t total = node->out_size * (size_t) n;
  float p = node->spec.p;

  if (!train || p <= 0.0f)
    {
      memcpy (node->y, x, sizeof (float) * total);
      /* The mask records "identity" so backward stays exact. */
      for (size_t i = 0; i < total; i++)
        node->cache[i] = 1.0f;
      return;
    }
  {
    float scale = 1.0f / (1.0f - p);
    /* gr_rng_uniform () is the top 24 bits of a draw over 2^24, so
     * "uniform >= p" is this integer compare: the same draws and the same
     * masks, without the conversions. The multiply is then a loop of its
     * own, which vectorises. */
    uint32_t threshold = (uint32_t) ceilf (p * 16777216.0f);

    for (size_t i = 0; i < total; i++)
      node->cache[i] = (gr_rng_u32 (rng) >> 8) >= threshold ? scale : 0.0f;
    mul_arrays (x, node->cache, node->y, total);
  }
}

static void
dropout_backward (GrNet  *net,
                  GrNode *node,
                  int     n)
{
  GrNode *in = gr_node_input (net, node, 0);
  size_t total = node->out_size * (size_t) n;

  if (!gr_net_wants_grad (net, node->spec.inputs[0]))
    return;
  if (in->dy_assign)
    mul_arrays (node->dy, node->cache, in->dy, total);
  else
    mul_add_arrays (node->dy, node->cache, in->dy, total);
}

const GrLayerOps gr_dropout_ops = {
  .name = "dropout",
  .setup = dropout_setup,
  .forward = dropout_forward,
  .backward = dropout_backward,
  .assigns_dx = true,
};

/* ---- batch norm ----------------------------------------------------------- */
/* Per channel over (N, H, W). state: running mean (C) then running var (C).
 * cache: xhat (per sample, feature vectors only), then inv_std (C) and the
 * mean (C) of the last forward. On maps backward recomputes xhat =
 * (x - mean) inv_std from the input, with the same float operations as
 * forward, instead of storing it: one write of the whole map less per
 * forward (W3: 4 MB per layer) and a smaller cache. */

/* Sum of v, and of (v - mu)^2, over one plane: eight float lanes (each
 * sums P / 8 values, a plane at a time, so the error stays small), added
 * up in double. */
GR_INLINE_HOT double
plane_sum (const float *restrict v,
           size_t                P)
{
  float acc[BLOCK] = { 0 };
  double sum = 0.0;
  size_t q = 0;

  for (; q + BLOCK <= P; q += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      acc[u] += v[q + u];
  for (; q < P; q++)
    sum += v[q];
  for (int u = 0; u < BLOCK; u++)
    sum += acc[u];
  return sum;
}

GR_INLINE_HOT double
plane_sum_sq_dev (const float *restrict v,
                  size_t                P,
                  float                 mu)
{
  float acc[BLOCK] = { 0 };
  double sum = 0.0;
  size_t q = 0;

  for (; q + BLOCK <= P; q += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      {
        float d = v[q + u] - mu;

        acc[u] += d * d;
      }
  for (; q < P; q++)
    {
      double d = v[q] - mu;

      sum += d * d;
    }
  for (int u = 0; u < BLOCK; u++)
    sum += acc[u];
  return sum;
}

/* y = g xhat + b over one plane, xhat = (v - mu) is. */
GR_INLINE_HOT void
plane_normalize (const float *restrict v,
                 float       *restrict y,
                 size_t                P,
                 float                 mu,
                 float                 is,
                 float                 g,
                 float                 b)
{
  size_t q = 0;

  for (; q + BLOCK <= P; q += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      {
        float t = (v[q + u] - mu) * is;

        y[q + u] = g * t + b;
      }
  for (; q < P; q++)
    {
      float t = (v[q] - mu) * is;

      y[q] = g * t + b;
    }
}

/* *v where t > 0, else +0 (NaN t gives +0), as a mask: comparisons give
 * -1 where true. ReLU's output is y kept where y > 0; its backward keeps
 * dy where y > 0. Through pointers: an 8-float vector passed or returned
 * by value has another ABI on baseline x86-64 than under AVX. */
GR_INLINE_HOT void
keep_positive (BnV8       *v,
               const BnV8 *t)
{
  const BnV8 zero = { 0 };
  BnI8 bits;

  memcpy (&bits, v, sizeof bits);
  bits &= (BnI8) (*t > zero);
  memcpy (v, &bits, sizeof bits);
}

/* plane_normalize () that also writes r = max (y, 0), the output of a
 * ReLU reading y: one pass instead of the ReLU's own read of y. BN's
 * own y is read by nothing while training (the ReLU's backward masks
 * with r, the probes are summed as r is written), only by views and by
 * eval-mode readers afterwards: on x86 it is written with streaming
 * stores (when 16-byte aligned), which skip reading each line into the
 * cache first and leave the cache to r, which the next conv reads.
 * bn_forward_channels_body () fences them. */
GR_INLINE_HOT void
plane_normalize_relu (const float *restrict v,
                      float       *restrict y,
                      float       *restrict r,
                      size_t                P,
                      float                 mu,
                      float                 is,
                      float                 g,
                      float                 b)
{
  const BnV8 vmu = { mu, mu, mu, mu, mu, mu, mu, mu };
  const BnV8 vis = { is, is, is, is, is, is, is, is };
  const BnV8 vg = { g, g, g, g, g, g, g, g };
  const BnV8 vb = { b, b, b, b, b, b, b, b };
#ifdef __SSE__
  bool stream = ((uintptr_t) y & 15) == 0;
#endif
  size_t q = 0;

  for (; q + BLOCK <= P; q += BLOCK)
    {
      BnV8 vx, t, rv;

      memcpy (&vx, v + q, sizeof vx);
      t = vg * ((vx - vmu) * vis) + vb;
      rv = t;
      keep_positive (&rv, &t);
      memcpy (r + q, &rv, sizeof rv);
#ifdef __SSE__
      if (stream)
        {
          __m128 lo, hi;

          memcpy (&lo, &t, sizeof lo);
          memcpy (&hi, (const char *) &t + sizeof lo, sizeof hi);
          _mm_stream_ps (y + q, lo);
          _mm_stream_ps (y + q + 4, hi);
          continue;
        }
#endif
      memcpy (y + q, &t, sizeof t);
    }
  for (; q < P; q++)
    {
      float t = g * ((v[q] - mu) * is) + b;

      y[q] = t;
      r[q] = t > 0.0f ? t : 0.0f;
    }
}

/* Adds sum dy and sum dy xhat over one plane into @s_dy, @s_dy_xhat;
 * xhat = (x - mu) is. With @relu (BN does the backward of the ReLU after
 * it), @dy is that ReLU's output gradient and is masked first: dy = (y >
 * 0 ? dy : 0), the ReLU's backward, where y = g xhat + b is BN's output,
 * recomputed with the forward's float operations (plane_normalize_relu
 * ()), so the mask is the forward's bit for bit (y > 0 exactly where the
 * ReLU's output r > 0, NaN included: max (NaN, 0) is 0). Neither BN's own
 * dy nor the ReLU's output is read: BN's dy is never stored, and the mask
 * costs two float operations instead of a third map read in each of
 * backward's two passes (plane_bn_dx () masks again). The same float
 * operations in the same order as the ReLU's own pass followed by this
 * one. Inlined with constant @relu. */
GR_INLINE_HOT void
plane_grad_sums (const float *restrict dy,
                 bool                  relu,
                 float                 g,
                 float                 b,
                 const float *restrict x,
                 float                 mu,
                 float                 is,
                 size_t                P,
                 double               *s_dy,
                 double               *s_dy_xhat)
{
  BnV8 sa8 = { 0 }, sb8 = { 0 };
  const BnV8 vmu = { mu, mu, mu, mu, mu, mu, mu, mu };
  const BnV8 vis = { is, is, is, is, is, is, is, is };
  const BnV8 vg = { g, g, g, g, g, g, g, g };
  const BnV8 vb = { b, b, b, b, b, b, b, b };
  double sa = 0.0, sb = 0.0;
  size_t q = 0;

  for (; q + BLOCK <= P; q += BLOCK)
    {
      BnV8 vx, d, xh;

      memcpy (&vx, x + q, sizeof vx);
      memcpy (&d, dy + q, sizeof d);
      xh = (vx - vmu) * vis;
      if (relu)
        {
          BnV8 t = vg * xh + vb;

          keep_positive (&d, &t);
        }
      sa8 += d;
      sb8 += d * xh;
    }
  for (; q < P; q++)
    {
      float xh = (x[q] - mu) * is;
      float d = !relu || g * xh + b > 0.0f ? dy[q] : 0.0f;

      sa += d;
      sb += (double) d * xh;
    }
  for (int u = 0; u < BLOCK; u++)
    {
      sa += sa8[u];
      sb += sb8[u];
    }
  *s_dy += sa;
  *s_dy_xhat += sb;
}

/* dx += k (m dy - a - xhat b) over one plane (dx = that when @add is
 * false); with m = 1 and a = b = 0 it is the eval-mode dx += k dy. With
 * @relu, dy is masked by BN's output g xhat + b > 0 as in
 * plane_grad_sums (). Inlined with constant @relu and @add. */
GR_INLINE_HOT void
plane_bn_dx (const float *restrict dy,
             bool                  relu,
             float                 g,
             float                 bt,
             const float *restrict x,
             float                 mu,
             float                 is,
             float       *restrict dx,
             size_t                P,
             float                 k,
             float                 m,
             float                 a,
             float                 b,
             bool                  add)
{
  const BnV8 vmu = { mu, mu, mu, mu, mu, mu, mu, mu };
  const BnV8 vis = { is, is, is, is, is, is, is, is };
  const BnV8 vg = { g, g, g, g, g, g, g, g };
  const BnV8 vbt = { bt, bt, bt, bt, bt, bt, bt, bt };
  const BnV8 vk = { k, k, k, k, k, k, k, k };
  const BnV8 vm = { m, m, m, m, m, m, m, m };
  const BnV8 va = { a, a, a, a, a, a, a, a };
  const BnV8 vb = { b, b, b, b, b, b, b, b };
  size_t q = 0;

  for (; q + BLOCK <= P; q += BLOCK)
    {
      BnV8 vx, d, xh, v;

      memcpy (&vx, x + q, sizeof vx);
      memcpy (&d, dy + q, sizeof d);
      xh = (vx - vmu) * vis;
      if (relu)
        {
          BnV8 t = vg * xh + vbt;

          keep_positive (&d, &t);
        }
      v = vk * (vm * d - va - xh * vb);
      if (add)
        {
          BnV8 o;

          memcpy (&o, dx + q, sizeof o);
          v = o + v;
        }
      memcpy (dx + q, &v, sizeof v);
    }
  for (; q < P; q++)
    {
      float xh = (x[q] - mu) * is;
      float d = !relu || g * xh + bt > 0.0f ? dy[q] : 0.0f;
      float v = k * (m * d - a - xh * b);

      dx[q] = add ? dx[q] + v : v;
    }
}

/* Feature vectors (H = W = 1): a channel's values lie C apart, so the
 * plane loops above would run one element at a time. These loop over
 * samples outside and channels inside, in blocks, with per-channel
 * accumulators in the workspace (bn_setup () asks for 3 C floats). */

/* acc[c] += v[c] over C channels. */
static void
vec_add (float       *restrict acc,
         const float *restrict v,
         int                   C)
{
  int c = 0;

  for (; c + BLOCK <= C; c += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      acc[c + u] += v[c + u];
  for (; c < C; c++)
    acc[c] += v[c];
}

/* acc[c] += (v[c] - mu[c])^2 */
static void
vec_add_sq_dev (float       *restrict acc,
                const float *restrict v,
                const float *restrict mu,
                int                   C)
{
  int c = 0;

  for (; c + BLOCK <= C; c += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      {
        float d = v[c + u] - mu[c + u];

        acc[c + u] += d * d;
      }
  for (; c < C; c++)
    acc[c] += (v[c] - mu[c]) * (v[c] - mu[c]);
}

/* xh = (v - mu) is, y = g xh + b, per channel. */
static void
vec_normalize (const float *restrict v,
               const float *restrict mu,
               const float *restrict is,
               const float *restrict g,
               const float *restrict b,
               float       *restrict xh,
               float       *restrict y,
               int                   C)
{
  int c = 0;

  for (; c + BLOCK <= C; c += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      {
        float t = (v[c + u] - mu[c + u]) * is[c + u];

        xh[c + u] = t;
        y[c + u] = g[c + u] * t + b[c + u];
      }
  for (; c < C; c++)
    {
      xh[c] = (v[c] - mu[c]) * is[c];
      y[c] = g[c] * xh[c] + b[c];
    }
}

/* sdy[c] += dy[c], sdx[c] += dy[c] xh[c] */
static void
vec_grad_sums (float       *restrict sdy,
               float       *restrict sdx,
               const float *restrict dy,
               const float *restrict xh,
               int                   C)
{
  int c = 0;

  for (; c + BLOCK <= C; c += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      {
        sdy[c + u] += dy[c + u];
        sdx[c + u] += dy[c + u] * xh[c + u];
      }
  for (; c < C; c++)
    {
      sdy[c] += dy[c];
      sdx[c] += dy[c] * xh[c];
    }
}

/* dx += k (m dy - a - xh b), per channel; a = b = NULL: dx += k dy. */
static void
vec_bn_dx (float       *restrict dx,
           const float *restrict dy,
           const float *restrict xh,
           const float *restrict k,
           const float *restrict a,
           const float *restrict b,
           float                 m,
           int                   C)
{
  int c = 0;

  if (a == NULL)
    {
      for (; c + BLOCK <= C; c += BLOCK)
        for (int u = 0; u < BLOCK; u++)
          dx[c + u] += k[c + u] * dy[c + u];
      for (; c < C; c++)
        dx[c] += k[c] * dy[c];
      return;
    }
  for (; c + BLOCK <= C; c += BLOCK)
    for (int u = 0; u < BLOCK; u++)
      dx[c + u] += k[c + u] * (m * dy[c + u] - a[c + u] - xh[c + u] * b[c + u]);
  for (; c < C; c++)
    dx[c] += k[c] * (m * dy[c] - a[c] - xh[c] * b[c]);
}

static void
bn_forward_vectors (GrNet  *net,
                    GrNode *node,
                    int     n,
                    bool    train)
{
  const float *x = gr_node_input (net, node, 0)->y;
  int C = node->out.c;
  float *rmean = node->state, *rvar = node->state + C;
  float *inv_std = node->cache + node->cache_per_sample * (size_t) net->max_batch;
  float *mean = net->ws, *ssd = net->ws + C;
  float eps = node->spec.eps, mom = node->spec.momentum;

  if (train)
    {
      memset (net->ws, 0, sizeof (float) * 2 * C);
      for (int s = 0; s < n; s++)
        vec_add (mean, x + (size_t) s * C, C);
      for (int c = 0; c < C; c++)
        mean[c] /= (float) n;
      for (int s = 0; s < n; s++)
        vec_add_sq_dev (ssd, x + (size_t) s * C, mean, C);
      for (int c = 0; c < C; c++)
        {
          double sum2 = ssd[c];

          rmean[c] = (1.0f - mom) * rmean[c] + mom * mean[c];
          rvar[c] = (1.0f - mom) * rvar[c]
                    + mom * (float) (n > 1 ? sum2 / (n - 1) : sum2 / n);
          inv_std[c] = (float) (1.0 / sqrt (sum2 / n + eps));
        }
    }
  else
    for (int c = 0; c < C; c++)
      {
        mean[c] = rmean[c];
        inv_std[c] = (float) (1.0 / sqrt ((double) rvar[c] + eps));
      }
  for (int s = 0; s < n; s++)
    vec_normalize (x + (size_t) s * C, mean, inv_std, node->param[0], node->param[1],
                   node->cache + (size_t) s * C, node->y + (size_t) s * C, C);
}

static void
bn_backward_vectors (GrNet  *net,
                     GrNode *node,
                     int     n,
                     bool    want_dx)
{
  int C = node->out.c;
  const float *gamma = node->param[0];
  const float *inv_std = node->cache + node->cache_per_sample * (size_t) net->max_batch;
  float *sdy = net->ws, *sdx = net->ws + C, *k = net->ws + 2 * C;
  float *dx = gr_node_input (net, node, 0)->dy;

  memset (net->ws, 0, sizeof (float) * 2 * C);
  for (int s = 0; s < n; s++)
    vec_grad_sums (sdy, sdx, node->dy + (size_t) s * C, node->cache + (size_t) s * C, C);
  memcpy (node->dparam[0], sdx, sizeof (float) * C);
  memcpy (node->dparam[1], sdy, sizeof (float) * C);
  if (!want_dx)
    return;
  /* Train: dx = gamma inv_std / m (m dy - sum dy - xhat sum (dy xhat));
   * eval mode is an affine map with fixed statistics. */
  for (int c = 0; c < C; c++)
    k[c] = net->last_train ? gamma[c] * inv_std[c] / (float) n : gamma[c] * inv_std[c];
  for (int s = 0; s < n; s++)
    vec_bn_dx (dx + (size_t) s * C, node->dy + (size_t) s * C, node->cache + (size_t) s * C,
               k, net->last_train ? sdy : NULL, sdx, (float) n, C);
}

static GrStatus
bn_setup (GrNet  *net,
          GrNode *node)
{
  GrNode *in = gr_node_input (net, node, 0);

  node->out = in->out;
  node->n_param[0] = (size_t) in->out.c;   /* gamma */
  node->n_param[1] = (size_t) in->out.c;   /* beta */
  node->n_state = 2 * (size_t) in->out.c;
  /* xhat for feature vectors; inv_std and mean. */
  node->cache_per_sample = in->out.h * in->out.w == 1 ? in->out_size : 0;
  node->cache_fixed = 2 * (size_t) in->out.c;
  node->ws_floats = 3 * (size_t) in->out.c;
  if (node->spec.momentum <= 0.0f || node->spec.momentum > 1.0f)
    {
      gr_net_set_error (net, GR_("layer '%s': batch-norm momentum must be in (0, 1], not %g"),
                        node->spec.name, node->spec.momentum);
      return GR_ERR_ARG;
    }
  return GR_OK;
}

static void
bn_init (GrNet      *net,
         GrNode     *node,
         GrInitKind  init,
         float       sigma,
         GrRng      *rng)
{
  int c = node->out.c;

  for (int i = 0; i < c; i++)
    {
      node->param[0][i] = 1.0f;
      node->param[1][i] = 0.0f;
      node->state[i] = 0.0f;
      node->state[c + i] = 1.0f;
    }
}

/* One BN map pass over channels [lo, hi): channels are independent, so
 * gr_net_parallel () may split them between two threads. */
typedef struct
{
  GrNet  *net;
  GrNode *node;
  int     n;
  bool    train;
  float  *relu_y;   /* forward: the consuming ReLU's y to write too, or NULL */
  GrNode *relu;     /* backward: the ReLU whose backward is fused in, or NULL;
                     * forward: the ReLU whose probe sums to fill, or NULL */
} BnJob;

/* The ReLU after @node whose output @node's forward wrote (y_done), when
 * @node's backward is to do that ReLU's backward as well (act_backward ()
 * then skips it): one pass less over the map. Otherwise NULL. */
static GrNode *
bn_fused_relu (GrNet  *net,
               GrNode *node)
{
  GrNode *next = node->index + 1 < net->n_nodes ? &net->nodes[node->index + 1] : NULL;

  return next != NULL && relu_backward_in_bn (next, node) ? next : NULL;
}

GR_INLINE_HOT void
bn_forward_channels_body (void   *data,
                     size_t  lo,
                     size_t  hi)
{
  BnJob *job = data;
  GrNet *net = job->net;
  GrNode *node = job->node;
  int n = job->n;
  bool train = job->train;
  const float *x = gr_node_input (net, node, 0)->y;
  int C = node->out.c;
  size_t P = (size_t) node->out.h * node->out.w;
  size_t S = node->out_size;
  const float *gamma = node->param[0], *beta = node->param[1];
  float *rmean = node->state, *rvar = node->state + C;
  float *inv_std = node->cache + node->cache_per_sample * (size_t) net->max_batch;
  float *mean_c = inv_std + C;
  float eps = node->spec.eps, mom = node->spec.momentum;

  for (int c = (int) lo; c < (int) hi; c++)
    {
      double mean, var;
      float is;

      if (train)
        {
          double sum = 0.0, sum2 = 0.0;
          double m = (double) n * (double) P;

          for (int s = 0; s < n; s++)
            sum += plane_sum (x + (size_t) s * S + (size_t) c * P, P);
          mean = sum / m;
          for (int s = 0; s < n; s++)
            sum2 += plane_sum_sq_dev (x + (size_t) s * S + (size_t) c * P, P,
                                      (float) mean);
          var = sum2 / m;
          rmean[c] = (1.0f - mom) * rmean[c] + mom * (float) mean;
          rvar[c] = (1.0f - mom) * rvar[c]
                    + mom * (float) (m > 1.0 ? sum2 / (m - 1.0) : var);
        }
      else
        {
          mean = rmean[c];
          var = rvar[c];
        }
      is = (float) (1.0 / sqrt (var + eps));
      inv_std[c] = is;
      mean_c[c] = (float) mean;
      if (job->relu != NULL)
        {
          /* The ReLU's probe sums, a chunk at a time while it is in L1
           * (P is a multiple of the chunk). */
          GrNode *r = job->relu;
          bool alive = false;

          for (int s = 0; s < n; s++)
            for (size_t q = 0; q < P; q += GR_PROBE_CHUNK)
              {
                size_t off = (size_t) s * S + (size_t) c * P + q;
                size_t k = off / GR_PROBE_CHUNK;
                int64_t sat;

                plane_normalize_relu (x + off, node->y + off, r->y + off, GR_PROBE_CHUNK,
                                      (float) mean, is, gamma[c], beta[c]);
                gr_probe_chunk (r->y + off, GR_PROBE_CHUNK, GR_ACT_RELU,
                                &r->probe_chunks[2 * k], &r->probe_chunks[2 * k + 1], &sat);
                for (size_t j = 0; j < GR_PROBE_CHUNK && !alive; j++)
                  alive = r->y[off + j] > 0.0f;
              }
          r->probe_alive[c] = alive;
          continue;
        }
      for (int s = 0; s < n; s++)
        {
          size_t off = (size_t) s * S + (size_t) c * P;

          if (job->relu_y != NULL)
            plane_normalize_relu (x + off, node->y + off, job->relu_y + off, P,
                                  (float) mean, is, gamma[c], beta[c]);
          else
            plane_normalize (x + off, node->y + off, P, (float) mean, is, gamma[c], beta[c]);
        }
    }
#ifdef __SSE__
  /* The streaming stores of plane_normalize_relu () are weakly ordered:
   * done before anyone (the other thread, the next layer) reads y. */
  _mm_sfence ();
#endif
}

GR_RANGE_VARIANTS (bn_forward_channels)

static void
bn_forward (GrNet  *net,
            GrNode *node,
            int     n,
            bool    train,
            GrRng  *rng)
{
  const float *x = gr_node_input (net, node, 0)->y;
  size_t total = node->out_size * (size_t) n;
  BnJob job = { net, node, n, train, NULL, NULL };
  GrNode *next = node->index + 1 < net->n_nodes ? &net->nodes[node->index + 1] : NULL;
  /* BN then ReLU on maps (W3): the ReLU's output is written in BN's
   * normalising pass. BN's own y is still written, for the probes and for
   * the ReLU's backward, so every node's output is as before. */
  bool fuse = next != NULL && node->n_consumers == 1 && !node->bypass
              && node->out.h * node->out.w > 1
              && next->spec.kind == GR_LAYER_ACT && next->spec.act == GR_ACT_RELU
              && next->spec.n_inputs == 1 && next->spec.inputs[0] == node->index;

  if (next != NULL)
    {
      next->y_done = fuse;
      next->probe_ready = false;
    }
  if (node->bypass)
    {
      memcpy (node->y, x, sizeof (float) * total);
      return;
    }
  if (node->out.h * node->out.w == 1)
    {
      bn_forward_vectors (net, node, n, train);
      return;
    }
  if (fuse)
    job.relu_y = next->y;
  /* In training the probes will read the ReLU's output after the step:
   * its sums are taken here, while each chunk is in cache. */
  if (fuse && train && next->probe_chunks != NULL)
    job.relu = next;
  /* Reads x three times, writes y (and the ReLU's y). */
  gr_net_parallel (net, (size_t) node->out.c, 20.0 * (double) total, bn_forward_channels_best (), &job);
  if (job.relu != NULL)
    next->probe_ready = true;
}

/* BN's dx over channel @c of every sample: plane_bn_dx () with its
 * masking and adding fixed per call, so each inlined copy is one loop. */
GR_INLINE_HOT void
bn_dx_channel (const BnJob *job,
               int          c,
               float        k,
               float        m,
               float        a,
               float        b)
{
  GrNet *net = job->net;
  GrNode *node = job->node;
  GrNode *in = gr_node_input (net, node, 0);
  size_t P = (size_t) node->out.h * node->out.w, S = node->out_size;
  const float *inv_std = node->cache + node->cache_per_sample * (size_t) net->max_batch;
  float mu = inv_std[node->out.c + c], is = inv_std[c];
  float g = node->param[0][c], bt = node->param[1][c];

  for (int s = 0; s < job->n; s++)
    {
      size_t off = (size_t) s * S + (size_t) c * P;
      const float *x = in->y + off;
      float *dx = in->dy + off;

      if (job->relu != NULL && in->dy_assign)
        plane_bn_dx (job->relu->dy + off, true, g, bt, x, mu, is, dx, P, k, m, a, b, false);
      else if (job->relu != NULL)
        plane_bn_dx (job->relu->dy + off, true, g, bt, x, mu, is, dx, P, k, m, a, b, true);
      else if (in->dy_assign)
        plane_bn_dx (node->dy + off, false, g, bt, x, mu, is, dx, P, k, m, a, b, false);
      else
        plane_bn_dx (node->dy + off, false, g, bt, x, mu, is, dx, P, k, m, a, b, true);
    }
}

GR_INLINE_HOT void
bn_backward_channels_body (void   *data,
                      size_t  lo,
                      size_t  hi)
{
  BnJob *job = data;
  GrNet *net = job->net;
  GrNode *node = job->node;
  int n = job->n;
  GrNode *in = gr_node_input (net, node, 0);
  size_t P = (size_t) node->out.h * node->out.w;
  size_t S = node->out_size;
  const float *gamma = node->param[0], *beta = node->param[1];
  float *dgamma = node->dparam[0], *dbeta = node->dparam[1];
  const float *x = in->y;
  const float *inv_std = node->cache + node->cache_per_sample * (size_t) net->max_batch;
  const float *mean_c = inv_std + node->out.c;
  bool want_dx = gr_net_wants_grad (net, node->spec.inputs[0]);

  for (int c = (int) lo; c < (int) hi; c++)
    {
      double sum_dy = 0.0, sum_dy_xhat = 0.0;
      double m = (double) n * (double) P;
      float mu = mean_c[c], is = inv_std[c];

      for (int s = 0; s < n; s++)
        {
          size_t off = (size_t) s * S + (size_t) c * P;

          if (job->relu != NULL)
            plane_grad_sums (job->relu->dy + off, true, gamma[c], beta[c], x + off, mu, is, P,
                             &sum_dy, &sum_dy_xhat);
          else
            plane_grad_sums (node->dy + off, false, 0.0f, 0.0f, x + off, mu, is, P, &sum_dy,
                             &sum_dy_xhat);
        }
      dgamma[c] = (float) sum_dy_xhat;
      dbeta[c] = (float) sum_dy;
      if (!want_dx)
        continue;
      /* Train: dx = gamma inv_std / m (m dy - sum dy - xhat sum (dy xhat));
       * eval mode is an affine map with fixed statistics. */
      bn_dx_channel (job, c, net->last_train ? gamma[c] * is / (float) m : gamma[c] * is,
                     net->last_train ? (float) m : 1.0f,
                     net->last_train ? (float) sum_dy : 0.0f,
                     net->last_train ? (float) sum_dy_xhat : 0.0f);
    }
}

GR_RANGE_VARIANTS (bn_backward_channels)

static void
bn_backward (GrNet  *net,
             GrNode *node,
             int     n)
{
  GrNode *in = gr_node_input (net, node, 0);
  int C = node->out.c;
  size_t P = (size_t) node->out.h * node->out.w;
  size_t S = node->out_size;
  float *dgamma = node->dparam[0], *dbeta = node->dparam[1];
  bool want_dx = gr_net_wants_grad (net, node->spec.inputs[0]);
  BnJob job = { net, node, n, false, NULL, NULL };

  node->dy_masked_by = NULL;
  if (node->bypass)
    {
      memset (dgamma, 0, sizeof (float) * C);
      memset (dbeta, 0, sizeof (float) * C);
      if (want_dx && in->dy_assign)
        memcpy (in->dy, node->dy, sizeof (float) * S * (size_t) n);
      else if (want_dx)
        for (size_t i = 0; i < S * (size_t) n; i++)
          in->dy[i] += node->dy[i];
      return;
    }
  if (P == 1)
    {
      if (want_dx && in->dy_assign)
        memset (in->dy, 0, sizeof (float) * S * (size_t) n);
      bn_backward_vectors (net, node, n, want_dx);
      return;
    }
  /* Reads dy and x twice and writes dx; with a fused ReLU, dy is the
   * ReLU's dy, masked where BN's recomputed output is not positive. */
  job.relu = bn_fused_relu (net, node);
  node->dy_masked_by = job.relu;
  gr_net_parallel (net, (size_t) C, 20.0 * (double) (S * (size_t) n),
                   bn_backward_channels_best (), &job);
}


static double
bn_flops (const GrNet  *net,
          const GrNode *node)
{
  return 4.0 * (double) node->out_size;
}

const GrLayerOps gr_batchnorm_ops = {
  .name = "batchnorm",
  .setup = bn_setup,
  .init = bn_init,
  .forward = bn_forward,
  .backward = bn_backward,
  .flops = bn_flops,
  .assigns_dx = true,
};

/* ---- residual add ------------------------------------------------------- */

static GrStatus
add_setup (GrNet  *net,
           GrNode *node)
{
  GrShape s0 = gr_node_input (net, node, 0)->out;

  for (int i = 1; i < node->spec.n_inputs; i++)
    {
      GrShape si = gr_node_input (net, node, i)->out;

      if (si.c != s0.c || si.h != s0.h || si.w != s0.w)
        {
          gr_net_set_error (net, GR_("layer '%s': cannot add %dx%dx%d ('%s') to %dx%dx%d ('%s')"),
                            node->spec.name, si.c, si.h, si.w,
                            gr_node_input (net, node, i)->spec.name,
                            s0.c, s0.h, s0.w, gr_node_input (net, node, 0)->spec.name);
          return GR_ERR_SHAPE;
        }
    }
  node->out = s0;
  return GR_OK;
}

static void
add_forward (GrNet  *net,
             GrNode *node,
             int     n,
             bool    train,
             GrRng  *rng)
{
  size_t total = node->out_size * (size_t) n;

  memcpy (node->y, gr_node_input (net, node, 0)->y, sizeof (float) * total);
  for (int i = 1; i < node->spec.n_inputs; i++)
    {
      const float *x = gr_node_input (net, node, i)->y;

      for (size_t j = 0; j < total; j++)
        node->y[j] += x[j];
    }
}

static void
add_backward (GrNet  *net,
              GrNode *node,
              int     n)
{
  size_t total = node->out_size * (size_t) n;

  for (int i = 0; i < node->spec.n_inputs; i++)
    {
      float *dx = gr_node_input (net, node, i)->dy;

      if (!gr_net_wants_grad (net, node->spec.inputs[i]))
        continue;
      for (size_t j = 0; j < total; j++)
        dx[j] += node->dy[j];
    }
}

const GrLayerOps gr_add_ops = {
  .name = "add",
  .setup = add_setup,
  .forward = add_forward,
  .backward = add_backward,
};

/* ---- concat along C ----------------------------------------------------- */

static GrStatus
concat_setup (GrNet  *net,
              GrNode *node)
{
  GrShape s0 = gr_node_input (net, node, 0)->out;
  int c = 0;

  for (int i = 0; i < node->spec.n_inputs; i++)
    {
      GrShape si = gr_node_input (net, node, i)->out;

      if (si.h != s0.h || si.w != s0.w)
        {
          gr_net_set_error (net, GR_("layer '%s': cannot concatenate %dx%d maps ('%s') with "
                                "%dx%d maps ('%s')"), node->spec.name, si.h, si.w,
                            gr_node_input (net, node, i)->spec.name, s0.h, s0.w,
                            gr_node_input (net, node, 0)->spec.name);
          return GR_ERR_SHAPE;
        }
      c += si.c;
    }
  node->out = (GrShape) { 1, c, s0.h, s0.w };
  return GR_OK;
}

static void
concat_forward (GrNet  *net,
                GrNode *node,
                int     n,
                bool    train,
                GrRng  *rng)
{
  for (int s = 0; s < n; s++)
    {
      float *y = node->y + (size_t) s * node->out_size;

      for (int i = 0; i < node->spec.n_inputs; i++)
        {
          GrNode *in = gr_node_input (net, node, i);

          memcpy (y, in->y + (size_t) s * in->out_size, sizeof (float) * in->out_size);
          y += in->out_size;
        }
    }
}

static void
concat_backward (GrNet  *net,
                 GrNode *node,
                 int     n)
{
  for (int s = 0; s < n; s++)
    {
      const float *dy = node->dy + (size_t) s * node->out_size;

      for (int i = 0; i < node->spec.n_inputs; i++)
        {
          GrNode *in = gr_node_input (net, node, i);
          float *dx = in->dy + (size_t) s * in->out_size;

          if (gr_net_wants_grad (net, node->spec.inputs[i]))
            for (size_t j = 0; j < in->out_size; j++)
              dx[j] += dy[j];
          dy += in->out_size;
        }
    }
}

const GrLayerOps gr_concat_ops = {
  .name = "concat",
  .setup = concat_setup,
  .forward = concat_forward,
  .backward = concat_backward,
};

/* ---- softmax over C at every pixel -------------------------------------- */

static void
softmax_forward (GrNet  *net,
                 GrNode *node,
                 int     n,
                 bool    train,
                 GrRng  *rng)
{
  const float *x = gr_node_input (net, node, 0)->y;
  int C = node->out.c;
  size_t P = (size_t) node->out.h * node->out.w;

  for (int s = 0; s < n; s++)
    for (size_t q = 0; q < P; q++)
      {
        const float *xs = x + (size_t) s * node->out_size + q;
        float *ys = node->y + (size_t) s * node->out_size + q;
        float mx = xs[0], sum = 0.0f;

        for (int c = 1; c < C; c++)
          if (xs[c * P] > mx)
            mx = xs[c * P];
        for (int c = 0; c < C; c++)
          {
            ys[c * P] = expf (xs[c * P] - mx);
            sum += ys[c * P];
          }
        for (int c = 0; c < C; c++)
          ys[c * P] /= sum;
      }
}

static void
softmax_backward (GrNet  *net,
                  GrNode *node,
                  int     n)
{
  GrNode *in = gr_node_input (net, node, 0);
  int C = node->out.c;
  size_t P = (size_t) node->out.h * node->out.w;

  if (!gr_net_wants_grad (net, node->spec.inputs[0]))
    return;
  for (int s = 0; s < n; s++)
    for (size_t q = 0; q < P; q++)
      {
        size_t base = (size_t) s * node->out_size + q;
        const float *y = node->y + base, *dy = node->dy + base;
        float *dx = in->dy + base;
        float dot = 0.0f;

        for (int c = 0; c < C; c++)
          dot += dy[c * P] * y[c * P];
        for (int c = 0; c < C; c++)
          dx[c * P] += y[c * P] * (dy[c * P] - dot);
      }
}

const GrLayerOps gr_softmax_ops = {
  .name = "softmax",
  .setup = same_shape_setup,
  .forward = softmax_forward,
  .backward = softmax_backward,
};
