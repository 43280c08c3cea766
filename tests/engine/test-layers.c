/* Layers: finite-difference gradient checks for every kind in
 * gr-layers-basic.c, small golden values, batch-norm statistics, dropout
 * statistics and shape errors. */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gr-model.h"
#include "gr-net.h"
#include "test-util.h"

#define SHAPE(c, h, w) ((GrShape) { 1, (c), (h), (w) })

/* Random inputs and parameters (gamma included) so no gradient is
 * trivially 0 or 1. */
static float *
random_setup (GrNet    *net,
              int       n,
              uint64_t  seed)
{
  GrRng rng;
  size_t in_sz = gr_shape_sample_size (gr_net_input_shape (net)) * (size_t) n;
  float *x = g_new (float, in_sz);

  gr_rng_seed (&rng, seed, 1);
  gr_net_init_params (net, GR_INIT_XAVIER, 1.0f, &rng);
  tu_fill_uniform (&rng, gr_net_params (net), gr_net_n_params (net), -1.0f, 1.0f);
  tu_fill_uniform (&rng, x, in_sz, -1.0f, 1.0f);
  return x;
}

static GrLayerSpec
dense (int  units,
       bool no_bias)
{
  GrLayerSpec s = { .kind = GR_LAYER_DENSE, .units = units, .no_bias = no_bias };

  return s;
}

static GrLayerSpec
act (GrActKind a)
{
  GrLayerSpec s = { .kind = GR_LAYER_ACT, .act = a };

  return s;
}

/* ---- the checker itself --------------------------------------------------- */

static void
test_gradcheck_self (void)
{
  GrLayerSpec specs[] = { dense (3, false), act (GR_ACT_TANH), dense (2, false) };
  GrNet *net = tu_net_build (SHAPE (4, 1, 1), specs, 3, 4);
  float *x = random_setup (net, 3, 1);

  gr_net_set_input_grad (net, true);
  /* A correct gradient passes, a 10 % wrong one does not: the check can
   * fail. */
  g_assert_cmpfloat (tu_net_grad_err (net, x, 3, true, 1, 1e-3f, false), <, TU_GRAD_TOL);
  g_assert_cmpfloat (tu_net_grad_err (net, x, 3, true, 1, 1e-3f, true), >, TU_GRAD_TOL);
  g_free (x);
  gr_net_free (net);
}

/* ---- dense ---------------------------------------------------------------- */

static void
check_dense_grad (bool no_bias)
{
  GrLayerSpec specs[] = { dense (5, no_bias), dense (3, no_bias) };
  GrNet *net = tu_net_build (SHAPE (4, 1, 1), specs, 2, 8);
  float *x = random_setup (net, 6, 2);

  g_assert_cmpuint (gr_net_n_params (net), ==,
                    no_bias ? 4 * 5 + 5 * 3 : 4 * 5 + 5 + 5 * 3 + 3);
  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 6, true, 2);
  g_free (x);
  gr_net_free (net);
}

static void
test_dense_grad (void)
{
  check_dense_grad (false);
}

static void
test_dense_no_bias_grad (void)
{
  check_dense_grad (true);
}

static void
test_dense_map_input_grad (void)
{
  /* Dense over a (2, 2, 3) map flattens C*H*W. */
  GrLayerSpec specs[] = { dense (4, false) };
  GrNet *net = tu_net_build (SHAPE (2, 2, 3), specs, 1, 4);
  float *x = random_setup (net, 3, 3);

  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 3, true, 3);
  g_free (x);
  gr_net_free (net);
}

static void
test_dense_golden (void)
{
  GrLayerSpec specs[] = { dense (2, false) };
  GrNet *net = tu_net_build (SHAPE (2, 1, 1), specs, 1, 2);
  /* W = [[1, 2], [3, 4]] (out, in), b = [0.5, -1] */
  const float p[] = { 1, 2, 3, 4, 0.5f, -1 };
  const float x[] = { 1, -1, 2, 0.5f };
  const float *y;

  g_assert_cmpuint (gr_net_n_params (net), ==, 6);
  memcpy (gr_net_params (net), p, sizeof p);
  g_assert_cmpint (gr_net_forward (net, x, 2, false, NULL), ==, GR_OK);
  y = gr_net_output (net);
  g_assert_cmpfloat (y[0], ==, -0.5f);  /* 1 - 2 + 0.5 */
  g_assert_cmpfloat (y[1], ==, -2.0f);  /* 3 - 4 - 1 */
  g_assert_cmpfloat (y[2], ==, 3.5f);   /* 2 + 1 + 0.5 */
  g_assert_cmpfloat (y[3], ==, 7.0f);   /* 6 + 2 - 1 */
  /* The decay mask covers W, not b. */
  g_assert_cmpint (gr_net_decay_mask (net)[0], ==, 1);
  g_assert_cmpint (gr_net_decay_mask (net)[3], ==, 1);
  g_assert_cmpint (gr_net_decay_mask (net)[4], ==, 0);
  g_assert_cmpint (gr_net_decay_mask (net)[5], ==, 0);
  gr_net_free (net);
}

/* ---- activations ---------------------------------------------------------- */

typedef struct
{
  GrActKind act;
  float     slope;
} ActCase;

static void
test_act_grad (gconstpointer data)
{
  const ActCase *c = data;
  GrLayerSpec specs[] = { act (c->act) };
  GrNet *net;
  float x[4 * 3 * 2 * 2];
  GrRng rng;

  specs[0].slope = c->slope;
  net = tu_net_build (SHAPE (3, 2, 2), specs, 1, 4);
  gr_rng_seed (&rng, 42 + c->act, 1);
  /* Away from the kink at 0 (ReLU family), on both sides of it. */
  tu_fill_away (&rng, x, G_N_ELEMENTS (x), 0.1f, 2.5f);
  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 4, true, 5);

  /* And behind a dense layer, so a parameter gradient flows through it. */
  gr_net_free (net);
  {
    GrLayerSpec specs2[] = { dense (5, false), act (c->act), dense (2, false) };
    float *x2;

    specs2[1].slope = c->slope;
    net = tu_net_build (SHAPE (3, 1, 1), specs2, 3, 8);
    x2 = random_setup (net, 6, 17 + c->act);
    /* Push every pre-activation away from 0 through the bias. */
    gr_net_forward (net, x2, 6, true, NULL);
    {
      const float *h = gr_net_node_output (net, 1);
      float *b = gr_net_params (net) + 3 * 5;
      float min_abs = INFINITY;

      for (int i = 0; i < 6 * 5; i++)
        min_abs = fminf (min_abs, fabsf (h[i]));
      if (min_abs < 0.01f)
        for (int j = 0; j < 5; j++)
          b[j] += 0.005f;
    }
    tu_assert_net_grads (net, x2, 6, true, 6);
    g_free (x2);
  }
  gr_net_free (net);
}

static float
act1 (GrActKind a,
      float     slope,
      float     x)
{
  GrLayerSpec specs[] = { act (a) };
  GrNet *net;
  float y;

  specs[0].slope = slope;
  net = tu_net_build (SHAPE (1, 1, 1), specs, 1, 1);
  g_assert_cmpint (gr_net_forward (net, &x, 1, false, NULL), ==, GR_OK);
  y = gr_net_output (net)[0];
  gr_net_free (net);
  return y;
}

static void
test_act_golden (void)
{
  g_assert_cmpfloat (act1 (GR_ACT_SIGMOID, 0, 0.0f), ==, 0.5f);
  g_assert_cmpfloat_with_epsilon (act1 (GR_ACT_SIGMOID, 0, 2.0f), 0.880797078f, 1e-6);
  g_assert_cmpfloat (act1 (GR_ACT_TANH, 0, 0.0f), ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (act1 (GR_ACT_TANH, 0, 1.0f), 0.761594156f, 1e-6);
  g_assert_cmpfloat (act1 (GR_ACT_RELU, 0, -1.0f), ==, 0.0f);
  g_assert_cmpfloat (act1 (GR_ACT_RELU, 0, 1.5f), ==, 1.5f);
  g_assert_cmpfloat_with_epsilon (act1 (GR_ACT_LEAKY_RELU, 0, -2.0f), -0.02f, 1e-7);
  g_assert_cmpfloat_with_epsilon (act1 (GR_ACT_LEAKY_RELU, 0.2f, -2.0f), -0.4f, 1e-7);
  g_assert_cmpfloat_with_epsilon (act1 (GR_ACT_ELU, 0, -1.0f), -0.632120559f, 1e-6);
  g_assert_cmpfloat_with_epsilon (act1 (GR_ACT_ELU, 0.5f, -1.0f), -0.316060279f, 1e-6);
  g_assert_cmpfloat (act1 (GR_ACT_ELU, 0, 3.0f), ==, 3.0f);
  /* tanh approximation: 0.5 (1 + tanh (sqrt(2/pi) (1 + 0.044715))) */
  g_assert_cmpfloat_with_epsilon (act1 (GR_ACT_GELU, 0, 1.0f), 0.841191990f, 1e-6);
  g_assert_cmpfloat_with_epsilon (act1 (GR_ACT_GELU, 0, -1.0f), -0.158808009f, 1e-6);
  g_assert_cmpfloat (act1 (GR_ACT_IDENTITY, 0, -3.25f), ==, -3.25f);
}

/* ---- dropout -------------------------------------------------------------- */

static void
test_dropout_grad (void)
{
  GrLayerSpec specs[] = { dense (8, false), { .kind = GR_LAYER_DROPOUT, .p = 0.4f },
                          dense (3, false) };
  GrNet *net = tu_net_build (SHAPE (4, 1, 1), specs, 3, 8);
  float *x = random_setup (net, 6, 4);
  GrRng rng;
  const float *y;
  int zeros = 0;

  gr_net_set_input_grad (net, true);
  /* The mask really drops something in this configuration. */
  gr_rng_seed (&rng, 9, 7);
  g_assert_cmpint (gr_net_forward (net, x, 6, true, &rng), ==, GR_OK);
  y = gr_net_node_output (net, 2);
  for (int i = 0; i < 6 * 8; i++)
    zeros += y[i] == 0.0f;
  g_assert_cmpint (zeros, >, 0);
  tu_assert_net_grads (net, x, 6, true, 9);
  g_free (x);
  gr_net_free (net);
}

static void
test_dropout_statistics (void)
{
  enum { N = 64, F = 512 };
  GrLayerSpec specs[] = { { .kind = GR_LAYER_DROPOUT, .p = 0.3f } };
  GrNet *net = tu_net_build (SHAPE (F, 1, 1), specs, 1, N);
  float *x = g_new (float, N * F);
  const float *y;
  double sum = 0.0, in_sum = 0.0;
  int zeros = 0;
  GrRng rng;

  gr_rng_seed (&rng, 3, 3);
  tu_fill_uniform (&rng, x, N * F, 0.5f, 1.5f);
  for (int i = 0; i < N * F; i++)
    in_sum += x[i];
  g_assert_cmpint (gr_net_forward (net, x, N, true, &rng), ==, GR_OK);
  y = gr_net_output (net);
  for (int i = 0; i < N * F; i++)
    {
      sum += y[i];
      zeros += y[i] == 0.0f;
      /* Every kept value is scaled by exactly 1 / (1 - p). */
      if (y[i] != 0.0f)
        g_assert_cmpfloat_with_epsilon (y[i], x[i] / 0.7f, 1e-6);
    }
  /* 32768 draws: the share of zeros is within a few standard errors
   * (0.0025) of p, and the inverted scaling keeps the mean. */
  g_assert_cmpfloat (fabs ((double) zeros / (N * F) - 0.3), <, 0.01);
  g_assert_cmpfloat (fabs (sum / in_sum - 1.0), <, 0.02);

  /* Eval mode is exactly the identity. */
  g_assert_cmpint (gr_net_forward (net, x, N, false, NULL), ==, GR_OK);
  g_assert_cmpmem (gr_net_output (net), sizeof (float) * N * F, x, sizeof (float) * N * F);
  /* And so is p = 0 in train mode. */
  g_assert_cmpint (gr_net_set_dropout (net, 0.0f), ==, 1);
  g_assert_cmpint (gr_net_forward (net, x, N, true, &rng), ==, GR_OK);
  g_assert_cmpmem (gr_net_output (net), sizeof (float) * N * F, x, sizeof (float) * N * F);
  g_free (x);
  gr_net_free (net);
}

/* ---- batch norm ----------------------------------------------------------- */

static void
test_bn_train_grad (void)
{
  GrLayerSpec specs[] = { dense (4, true), { .kind = GR_LAYER_BATCHNORM },
                          act (GR_ACT_TANH), dense (3, false) };
  GrNet *net = tu_net_build (SHAPE (5, 1, 1), specs, 4, 8);
  float *x = random_setup (net, 7, 5);

  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 7, true, 5);
  g_free (x);
  gr_net_free (net);
}

static void
test_bn_train_maps_grad (void)
{
  /* Statistics over (N, H, W) per channel. */
  GrLayerSpec specs[] = { { .kind = GR_LAYER_BATCHNORM }, act (GR_ACT_SIGMOID) };
  GrNet *net = tu_net_build (SHAPE (3, 2, 3), specs, 2, 4);
  float *x = random_setup (net, 3, 6);

  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 3, true, 6);
  g_free (x);
  gr_net_free (net);
}

/* BN followed by a ReLU on maps: BN writes the ReLU's output in its own
 * pass. Both nodes' outputs must be what the unfused layers give, the
 * gradients must match finite differences, and once the activation is no
 * longer a ReLU the ReLU node computes its output itself again. */
static void
test_bn_relu_fused (void)
{
  GrLayerSpec specs[] = { { .kind = GR_LAYER_BATCHNORM }, act (GR_ACT_RELU) };
  GrNet *net = tu_net_build (SHAPE (3, 5, 6), specs, 2, 4);
  float *x = random_setup (net, 4, 11);
  const float *bn, *y;
  size_t total = 4 * 3 * 5 * 6;
  int zeros = 0;

  g_assert_cmpint (gr_net_forward (net, x, 4, true, NULL), ==, GR_OK);
  bn = gr_net_node_output (net, 1);
  y = gr_net_node_output (net, 2);
  for (size_t i = 0; i < total; i++)
    {
      g_assert_cmpfloat (y[i], ==, bn[i] > 0.0f ? bn[i] : 0.0f);
      zeros += y[i] == 0.0f;
    }
  g_assert_cmpint (zeros, >, 0);
  g_assert_cmpint (zeros, <, (int) total);

  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 4, true, 12);

  g_assert_cmpint (gr_net_set_activation (net, GR_ACT_TANH), ==, 1);
  g_assert_cmpint (gr_net_forward (net, x, 4, true, NULL), ==, GR_OK);
  for (size_t i = 0; i < total; i++)
    g_assert_cmpfloat_with_epsilon (y[i], tanhf (bn[i]), 1e-6);
  g_free (x);
  gr_net_free (net);
}

static void
test_bn_eval_grad (void)
{
  GrLayerSpec specs[] = { dense (4, true), { .kind = GR_LAYER_BATCHNORM },
                          act (GR_ACT_TANH), dense (3, false) };
  GrNet *net = tu_net_build (SHAPE (5, 1, 1), specs, 4, 8);
  float *x = random_setup (net, 7, 7);
  float *st = gr_net_state (net);
  GrRng rng;

  /* Non-trivial running statistics. */
  g_assert_cmpuint (gr_net_n_state (net), ==, 8);
  gr_rng_seed (&rng, 77, 1);
  tu_fill_uniform (&rng, st, 4, -0.5f, 0.5f);
  tu_fill_uniform (&rng, st + 4, 4, 0.5f, 2.0f);
  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 7, false, 7);
  g_free (x);
  gr_net_free (net);
}

static void
test_bn_bypass_grad (void)
{
  GrLayerSpec specs[] = { dense (4, true), { .kind = GR_LAYER_BATCHNORM },
                          act (GR_ACT_TANH), dense (3, false) };
  GrNet *net = tu_net_build (SHAPE (5, 1, 1), specs, 4, 8);
  float *x = random_setup (net, 7, 8);

  g_assert_cmpint (gr_net_set_bn_bypass (net, true), ==, 1);
  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 7, true, 8);
  g_free (x);
  gr_net_free (net);
}

static void
test_bn_golden (void)
{
  enum { N = 6, C = 2, H = 2, W = 2 };
  GrLayerSpec specs[] = { { .kind = GR_LAYER_BATCHNORM } };
  GrNet *net = tu_net_build (SHAPE (C, H, W), specs, 1, N);
  float x[N * C * H * W];
  const float gamma[C] = { 1.5f, -0.5f }, beta[C] = { 0.25f, 2.0f };
  const float *y;
  GrRng rng;

  gr_rng_seed (&rng, 5, 5);
  gr_net_init_params (net, GR_INIT_HE, 1.0f, &rng);
  /* Initial gamma 1, beta 0, running (0, 1). */
  g_assert_cmpfloat (gr_net_params (net)[0], ==, 1.0f);
  g_assert_cmpfloat (gr_net_params (net)[C], ==, 0.0f);
  g_assert_cmpfloat (gr_net_state (net)[0], ==, 0.0f);
  g_assert_cmpfloat (gr_net_state (net)[C], ==, 1.0f);
  memcpy (gr_net_params (net), gamma, sizeof gamma);
  memcpy (gr_net_params (net) + C, beta, sizeof beta);
  for (int i = 0; i < N * C * H * W; i++)
    x[i] = 3.0f + 2.0f * gr_rng_normal (&rng);
  g_assert_cmpint (gr_net_forward (net, x, N, true, &rng), ==, GR_OK);
  y = gr_net_output (net);
  for (int c = 0; c < C; c++)
    {
      double sum = 0.0, sum2 = 0.0, m = N * H * W, mean, var, xv = 0.0, xm = 0.0;

      for (int s = 0; s < N; s++)
        for (int q = 0; q < H * W; q++)
          {
            float v = y[s * C * H * W + c * H * W + q];

            sum += v;
            sum2 += (double) v * v;
            xm += x[s * C * H * W + c * H * W + q];
          }
      mean = sum / m;
      var = sum2 / m - mean * mean;
      xm /= m;
      for (int s = 0; s < N; s++)
        for (int q = 0; q < H * W; q++)
          xv += pow (x[s * C * H * W + c * H * W + q] - xm, 2);
      xv /= m;
      g_assert_cmpfloat_with_epsilon (mean, beta[c], 1e-5);
      /* Biased variance gamma^2 var / (var + eps). */
      g_assert_cmpfloat_with_epsilon (var, gamma[c] * gamma[c] * xv / (xv + 1e-5), 1e-4);
    }
  gr_net_free (net);
}

static void
test_bn_momentum_exact (void)
{
  enum { N = 5, C = 3 };
  GrLayerSpec specs[] = { { .kind = GR_LAYER_BATCHNORM, .momentum = 0.25f } };
  GrNet *net = tu_net_build (SHAPE (C, 1, 1), specs, 1, N);
  float x[N * C], *st = gr_net_state (net);
  const float m0[C] = { 0.5f, -1.0f, 2.0f }, v0[C] = { 1.5f, 0.25f, 4.0f };
  GrRng rng;

  gr_rng_seed (&rng, 6, 6);
  gr_net_init_params (net, GR_INIT_HE, 1.0f, &rng);
  memcpy (st, m0, sizeof m0);
  memcpy (st + C, v0, sizeof v0);
  tu_fill_uniform (&rng, x, N * C, -2.0f, 3.0f);
  g_assert_cmpint (gr_net_forward (net, x, N, true, &rng), ==, GR_OK);
  for (int c = 0; c < C; c++)
    {
      double mean = 0.0, ss = 0.0;

      for (int s = 0; s < N; s++)
        mean += x[s * C + c];
      mean /= N;
      for (int s = 0; s < N; s++)
        ss += pow (x[s * C + c] - mean, 2);
      /* running = (1 - momentum) running + momentum batch, with the
       * unbiased batch variance. */
      g_assert_cmpfloat_with_epsilon (st[c], 0.75 * m0[c] + 0.25 * mean, 1e-6);
      g_assert_cmpfloat_with_epsilon (st[C + c], 0.75 * v0[c] + 0.25 * ss / (N - 1), 1e-5);
    }
  gr_net_free (net);
}

static void
test_bn_running_stats (void)
{
  enum { N = 64, C = 2 };
  GrLayerSpec specs[] = { { .kind = GR_LAYER_BATCHNORM } };
  GrNet *net = tu_net_build (SHAPE (C, 1, 1), specs, 1, N);
  const float mu[C] = { 2.0f, -1.0f }, sd[C] = { 3.0f, 0.5f };
  float x[N * C], y_train[N * C];
  const float *st = gr_net_state (net);
  const float *y;
  GrRng rng;

  gr_rng_seed (&rng, 8, 8);
  gr_net_init_params (net, GR_INIT_HE, 1.0f, &rng);
  for (int it = 0; it < 400; it++)
    {
      for (int s = 0; s < N; s++)
        for (int c = 0; c < C; c++)
          x[s * C + c] = mu[c] + sd[c] * gr_rng_normal (&rng);
      g_assert_cmpint (gr_net_forward (net, x, N, true, &rng), ==, GR_OK);
    }
  for (int c = 0; c < C; c++)
    {
      g_assert_cmpfloat (fabsf (st[c] - mu[c]), <, 0.1f * sd[c]);
      g_assert_cmpfloat (fabsf (sqrtf (st[C + c]) - sd[c]), <, 0.1f * sd[c]);
    }

  /* Eval uses the running statistics: (x - rm) / sqrt (rv + eps). */
  memcpy (y_train, gr_net_output (net), sizeof y_train);
  g_assert_cmpint (gr_net_forward (net, x, N, false, NULL), ==, GR_OK);
  y = gr_net_output (net);
  for (int s = 0; s < N; s++)
    for (int c = 0; c < C; c++)
      g_assert_cmpfloat_with_epsilon (y[s * C + c],
                                      (x[s * C + c] - st[c]) / sqrtf (st[C + c] + 1e-5f),
                                      1e-5);
  /* ... which differ from the batch statistics of train mode. */
  g_assert_cmpfloat (tu_max_abs_diff (y, y_train, N * C), >, 1e-4);
  /* Eval mode leaves the statistics alone. */
  {
    float keep[2 * C];

    memcpy (keep, st, sizeof keep);
    g_assert_cmpint (gr_net_forward (net, x, N, false, NULL), ==, GR_OK);
    g_assert_cmpmem (keep, sizeof keep, st, sizeof keep);
  }
  gr_net_free (net);
}

static void
test_bn_bypass_stats (void)
{
  enum { N = 8, C = 3 };
  GrLayerSpec specs[] = { { .kind = GR_LAYER_BATCHNORM } };
  GrNet *net = tu_net_build (SHAPE (C, 1, 1), specs, 1, N);
  float x[N * C], keep[2 * C];
  GrRng rng;

  gr_rng_seed (&rng, 9, 9);
  gr_net_init_params (net, GR_INIT_HE, 1.0f, &rng);
  tu_fill_uniform (&rng, x, N * C, -3.0f, 5.0f);
  g_assert_cmpint (gr_net_forward (net, x, N, true, &rng), ==, GR_OK);
  memcpy (keep, gr_net_state (net), sizeof keep);
  g_assert_cmpint (gr_net_set_bn_bypass (net, true), ==, 1);
  g_assert_cmpint (gr_net_set_bn_bypass (net, true), ==, 0);
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (gr_net_forward (net, x, N, true, &rng), ==, GR_OK);
  g_assert_cmpmem (keep, sizeof keep, gr_net_state (net), sizeof keep);
  /* Bypass is the identity, in both modes. */
  g_assert_cmpmem (gr_net_output (net), sizeof x, x, sizeof x);
  g_assert_cmpint (gr_net_forward (net, x, N, false, NULL), ==, GR_OK);
  g_assert_cmpmem (gr_net_output (net), sizeof x, x, sizeof x);
  gr_net_free (net);
}

/* ---- add, concat, softmax ------------------------------------------------- */

static void
test_add_grad (void)
{
  /* input -> dense1 -> tanh2 -> dense3 -> add4 (tanh2 + dense3) -> dense5:
   * tanh2 feeds two consumers, so its gradient is a sum. */
  GrLayerSpec specs[] = {
    dense (4, false),
    act (GR_ACT_TANH),
    dense (4, false),
    { .kind = GR_LAYER_ADD, .n_inputs = 2, .inputs = { 2, 3 } },
    dense (3, false),
  };
  GrNet *net = tu_net_build (SHAPE (4, 1, 1), specs, 5, 8);
  float *x = random_setup (net, 5, 10);

  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 5, true, 10);
  g_free (x);
  gr_net_free (net);

  {
    /* The input itself with fan-out: y = x + tanh (x). */
    GrLayerSpec specs2[] = {
      act (GR_ACT_TANH),
      { .kind = GR_LAYER_ADD, .n_inputs = 2, .inputs = { 0, 1 } },
    };

    net = tu_net_build (SHAPE (2, 2, 2), specs2, 2, 4);
    x = random_setup (net, 3, 11);
    gr_net_set_input_grad (net, true);
    tu_assert_net_grads (net, x, 3, true, 11);
    g_free (x);
    gr_net_free (net);
  }
}

static void
test_concat_grad (void)
{
  /* Maps of 2, 2 and 4 channels, one of them the input itself, then a
   * dense over the concatenation. */
  GrLayerSpec specs[] = {
    act (GR_ACT_TANH),                                                   /* 1 */
    { .kind = GR_LAYER_ACT, .act = GR_ACT_SIGMOID, .n_inputs = 1, .inputs = { 0 } }, /* 2 */
    { .kind = GR_LAYER_CONCAT, .n_inputs = 2, .inputs = { 0, 2 } },     /* 3: 4 ch */
    { .kind = GR_LAYER_CONCAT, .n_inputs = 2, .inputs = { 1, 3 } },     /* 4: 6 ch */
    dense (3, false),                                                    /* 5 */
  };
  GrNet *net = tu_net_build (SHAPE (2, 2, 3), specs, 5, 4);
  float *x = random_setup (net, 3, 12);
  const float *y;
  GrShape s = gr_net_node_shape (net, 4);

  g_assert_cmpint (s.c, ==, 6);
  g_assert_cmpint (s.h, ==, 2);
  g_assert_cmpint (s.w, ==, 3);
  /* Layout: tanh (x), x, sigmoid (x) along C. */
  g_assert_cmpint (gr_net_forward (net, x, 3, false, NULL), ==, GR_OK);
  y = gr_net_node_output (net, 4);
  for (int smp = 0; smp < 3; smp++)
    for (int i = 0; i < 12; i++)
      {
        g_assert_cmpfloat_with_epsilon (y[smp * 36 + i], tanhf (x[smp * 12 + i]), 1e-6);
        g_assert_cmpfloat (y[smp * 36 + 12 + i], ==, x[smp * 12 + i]);
        g_assert_cmpfloat_with_epsilon (y[smp * 36 + 24 + i],
                                        1.0f / (1.0f + expf (-x[smp * 12 + i])), 1e-6);
      }
  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 3, true, 12);
  g_free (x);
  gr_net_free (net);
}

static void
test_softmax_grad (void)
{
  GrLayerSpec specs[] = { { .kind = GR_LAYER_SOFTMAX } };
  GrNet *net = tu_net_build (SHAPE (4, 2, 3), specs, 1, 4);
  float x[3 * 24];
  GrRng rng;

  gr_rng_seed (&rng, 13, 13);
  tu_fill_uniform (&rng, x, G_N_ELEMENTS (x), -2.0f, 2.0f);
  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 3, true, 13);
  gr_net_free (net);

  {
    GrLayerSpec specs2[] = { dense (4, false), { .kind = GR_LAYER_SOFTMAX } };
    float *x2;

    net = tu_net_build (SHAPE (3, 1, 1), specs2, 2, 4);
    x2 = random_setup (net, 4, 14);
    gr_net_set_input_grad (net, true);
    tu_assert_net_grads (net, x2, 4, true, 14);
    g_free (x2);
    gr_net_free (net);
  }
}

static void
test_softmax_golden (void)
{
  GrLayerSpec specs[] = { { .kind = GR_LAYER_SOFTMAX } };
  GrNet *net = tu_net_build (SHAPE (3, 1, 2), specs, 1, 1);
  /* Two pixels: logits [1, 2, 3] and [1000, 1000, 1000] (stability). */
  const float x[] = { 1, 1000, 2, 1000, 3, 1000 };
  const float *y;

  g_assert_cmpint (gr_net_forward (net, x, 1, false, NULL), ==, GR_OK);
  y = gr_net_output (net);
  g_assert_cmpfloat_with_epsilon (y[0], 0.0900305732f, 1e-7);
  g_assert_cmpfloat_with_epsilon (y[2], 0.244728471f, 1e-7);
  g_assert_cmpfloat_with_epsilon (y[4], 0.665240956f, 1e-7);
  g_assert_cmpfloat_with_epsilon (y[1], 1.0f / 3.0f, 1e-7);
  g_assert_cmpfloat_with_epsilon (y[3], 1.0f / 3.0f, 1e-7);
  g_assert_cmpfloat_with_epsilon (y[5], 1.0f / 3.0f, 1e-7);
  gr_net_free (net);
}

/* ---- errors --------------------------------------------------------------- */

static void
test_net_errors (void)
{
  GrNet *net = gr_net_new (SHAPE (4, 1, 1));
  GrLayerSpec d0 = dense (0, false), d3 = dense (3, false), d5 = dense (5, false);
  GrLayerSpec add = { .kind = GR_LAYER_ADD, .n_inputs = 2, .inputs = { 1, 2 } };
  GrLayerSpec cat = { .kind = GR_LAYER_CONCAT, .n_inputs = 2, .inputs = { 0, 1 } };
  GrLayerSpec fwd = { .kind = GR_LAYER_ACT, .n_inputs = 1, .inputs = { 7 } };
  GrLayerSpec drop = { .kind = GR_LAYER_DROPOUT, .p = 1.0f };
  GrLayerSpec two = { .kind = GR_LAYER_ACT, .n_inputs = 2, .inputs = { 0, 0 } };
  GrLayerSpec named = dense (2, false);
  GrLayerSpec conv = { .kind = GR_LAYER_CONV2D, .units = 2, .kernel = 3 };
  float x[4 * 3] = { 0 };

  g_assert_null (gr_net_new (SHAPE (0, 1, 1)));
  g_assert_cmpint (gr_net_compile (net, 4), ==, GR_ERR_ARG);   /* no layers */
  g_assert_cmpint (gr_net_add (net, &d0), ==, GR_ERR_ARG);
  g_assert_cmpstr (gr_net_error (net), !=, "");
  g_assert_cmpint (gr_net_add (net, &d3), ==, 1);
  g_assert_cmpint (gr_net_add (net, &d5), ==, 2);
  g_assert_cmpint (gr_net_add (net, &add), ==, GR_ERR_SHAPE);
  g_assert_nonnull (strstr (gr_net_error (net), "dense1"));
  g_assert_cmpint (gr_net_add (net, &fwd), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_net_add (net, &drop), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_net_add (net, &two), ==, GR_ERR_ARG);
  /* Concatenating a (4, 1, 1) vector with a (3, 1, 1) one is fine. */
  g_assert_cmpint (gr_net_add (net, &cat), ==, 3);
  g_snprintf (named.name, sizeof named.name, "dense1");
  g_assert_cmpint (gr_net_add (net, &named), ==, GR_ERR_ARG);   /* name used twice */
  g_assert_nonnull (strstr (gr_net_error (net), "dense1"));
  (void) conv;
  g_assert_cmpint (gr_net_compile (net, 0), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_net_forward (net, x, 1, false, NULL), ==, GR_ERR_STATE);
  g_assert_cmpint (gr_net_compile (net, 3), ==, GR_OK);
  g_assert_cmpint (gr_net_compile (net, 3), ==, GR_ERR_STATE);
  g_assert_cmpint (gr_net_add (net, &d3), ==, GR_ERR_STATE);
  g_assert_cmpint (gr_net_forward (net, x, 4, false, NULL), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_net_forward (net, x, 0, false, NULL), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_net_forward (net, x, 3, false, NULL), ==, GR_OK);
  g_assert_cmpint (gr_shape_sample_size (gr_net_output_shape (net)), ==, 7);
  gr_net_free (net);
  gr_net_free (NULL);

  /* Non-finite input is reported, naming a layer. */
  {
    GrLayerSpec specs[] = { dense (2, false) };
    float bad[4] = { 1, NAN, 0, 0 };

    net = tu_net_build (SHAPE (4, 1, 1), specs, 1, 1);
    g_assert_cmpint (gr_net_forward (net, bad, 1, false, NULL), ==, GR_ERR_NONFINITE);
    g_assert_cmpstr (gr_net_error (net), !=, "");
    gr_net_free (net);
  }
}

static void
test_net_names (void)
{
  for (int k = 0; k < GR_N_LAYER_KINDS; k++)
    g_assert_cmpint (gr_layer_kind_parse (gr_layer_kind_name (k)), ==, k);
  for (int a = 0; a < GR_N_ACTS; a++)
    g_assert_cmpint (gr_act_parse (gr_act_name (a)), ==, a);
  for (int i = 0; i < GR_N_INITS; i++)
    g_assert_cmpint (gr_init_parse (gr_init_name (i)), ==, i);
  g_assert_cmpint (gr_act_parse ("swish"), ==, -1);
  g_assert_cmpint (gr_act_parse (NULL), ==, -1);
}

static void
test_net_predict_chunks (void)
{
  /* predict over more samples than max_batch equals one big forward. */
  GrLayerSpec specs[] = { dense (5, false), act (GR_ACT_TANH), dense (2, false) };
  GrNet *small = tu_net_build (SHAPE (3, 1, 1), specs, 3, 4);
  GrNet *big = tu_net_build (SHAPE (3, 1, 1), specs, 3, 11);
  float *x = random_setup (small, 11, 15), out[22];

  memcpy (gr_net_params (big), gr_net_params (small),
          sizeof (float) * gr_net_n_params (small));
  g_assert_cmpint (gr_net_predict (small, x, 11, out), ==, GR_OK);
  g_assert_cmpint (gr_net_forward (big, x, 11, false, NULL), ==, GR_OK);
  g_assert_cmpfloat (tu_max_abs_diff (out, gr_net_output (big), 22), <, 1e-6);
  g_free (x);
  gr_net_free (small);
  gr_net_free (big);
}

static void
test_net_probes (void)
{
  /* input -> dense -> bn -> dropout -> sigmoid -> dense -> tanh -> dense */
  GrLayerSpec specs[] = {
    dense (4, false), { .kind = GR_LAYER_BATCHNORM }, { .kind = GR_LAYER_DROPOUT, .p = 0.1f },
    act (GR_ACT_SIGMOID), dense (3, false), act (GR_ACT_TANH), dense (2, false),
  };
  GrNet *net = tu_net_build (SHAPE (2, 1, 1), specs, 7, 8);
  float *x = random_setup (net, 8, 20);
  GrProbe probes[3] = { 0 };
  const float *y;
  double sum = 0.0, sum2 = 0.0;
  int sat = 0;

  g_assert_cmpint (gr_net_n_weighted (net), ==, 3);
  g_assert_cmpint (gr_net_weighted_node (net, 0), ==, 1);
  g_assert_cmpint (gr_net_weighted_node (net, 1), ==, 5);
  /* The read-out of dense1 is the sigmoid behind BN and dropout. */
  g_assert_cmpint (gr_net_weighted_act_node (net, 0), ==, 4);
  g_assert_cmpint (gr_net_weighted_act_node (net, 1), ==, 6);
  /* The output layer has no activation: its own node. */
  g_assert_cmpint (gr_net_weighted_act_node (net, 2), ==, 7);

  /* Saturate the tanh: its inputs are sums of 4 sigmoid outputs weighted
   * by 40. Slab: W1 (8), b1 (4), gamma (4), beta (4), then W2. */
  {
    float *w2 = gr_net_params (net) + 8 + 4 + 4 + 4;

    for (int j = 0; j < 12; j++)
      w2[j] = 40.0f;
  }
  g_assert_cmpint (gr_net_forward (net, x, 8, false, NULL), ==, GR_OK);
  gr_net_probe_activations (net, probes);
  y = gr_net_node_output (net, 4);
  for (int i = 0; i < 8 * 4; i++)
    {
      sum += y[i];
      sum2 += (double) y[i] * y[i];
      sat += y[i] < 0.01f || y[i] > 0.99f;
    }
  g_assert_cmpfloat_with_epsilon (probes[0].act_mean, sum / 32, 1e-6);
  g_assert_cmpfloat_with_epsilon (probes[0].act_std, sqrt (sum2 / 32 - pow (sum / 32, 2)), 1e-5);
  g_assert_cmpfloat_with_epsilon (probes[0].saturated_frac, sat / 32.0, 1e-6);
  g_assert_cmpfloat (probes[0].dead_frac, ==, 0.0f);
  y = gr_net_node_output (net, 6);
  sat = 0;
  for (int i = 0; i < 8 * 3; i++)
    sat += fabsf (y[i]) > 0.99f;
  g_assert_cmpint (sat, ==, 24);
  g_assert_cmpfloat (probes[1].saturated_frac, ==, 1.0f);
  g_assert_cmpfloat (probes[2].saturated_frac, ==, 0.0f);
  g_free (x);
  gr_net_free (net);
}

static void
test_model_mlp (void)
{
  GrMlpSpec mlp = { .depth = 3, .width = 6, .act = GR_ACT_TANH, .batch_norm = true,
                    .dropout = 0.25f, .residual = true, .outputs = 3 };
  GrModelSpec spec;
  GrNet *net;
  char err[256];
  float *x;
  int adds = 0;

  g_assert_cmpint (gr_model_from_mlp (&spec, SHAPE (5, 1, 1), &mlp), ==, GR_OK);
  /* dense, bn, act, [add], dropout per block; no shortcut for the first
   * (5 -> 6), one each for the next two; then the output. */
  g_assert_cmpint (spec.n_layers, ==, 3 * 4 + 2 + 1);
  net = gr_model_build (&spec, 8, err, sizeof err);
  g_assert_nonnull (net);
  for (int i = 1; i < gr_net_n_nodes (net); i++)
    {
      const GrLayerSpec *ls = gr_net_node_spec (net, i);

      if (ls->kind != GR_LAYER_ADD)
        continue;
      adds++;
      /* The shortcut starts where the block starts: the previous block's
       * output (a dropout node), and ends at this block's activation. */
      g_assert_cmpint (ls->n_inputs, ==, 2);
      g_assert_cmpint (gr_net_node_spec (net, ls->inputs[0])->kind, ==, GR_LAYER_DROPOUT);
      g_assert_cmpint (gr_net_node_spec (net, ls->inputs[1])->kind, ==, GR_LAYER_ACT);
      g_assert_cmpint (ls->inputs[1], ==, i - 1);
    }
  g_assert_cmpint (adds, ==, 2);
  g_assert_cmpstr (gr_net_node_spec (net, gr_net_n_nodes (net) - 1)->name, ==, "output");
  x = random_setup (net, 6, 21);
  gr_net_set_input_grad (net, true);
  tu_assert_net_grads (net, x, 6, true, 21);
  g_free (x);
  gr_net_free (net);

  /* Errors name the problem. */
  mlp.outputs = 0;
  g_assert_cmpint (gr_model_from_mlp (&spec, SHAPE (5, 1, 1), &mlp), ==, GR_ERR_ARG);
  mlp.outputs = 2;
  mlp.depth = 65;
  g_assert_cmpint (gr_model_from_mlp (&spec, SHAPE (5, 1, 1), &mlp), ==, GR_ERR_ARG);
  mlp.depth = 1;
  mlp.dropout = 1.5f;
  g_assert_cmpint (gr_model_from_mlp (&spec, SHAPE (5, 1, 1), &mlp), ==, GR_OK);
  err[0] = '\0';
  g_assert_null (gr_model_build (&spec, 8, err, sizeof err));
  g_assert_nonnull (strstr (err, "dropout1"));
}

int
main (int   argc,
      char *argv[])
{
  static const ActCase acts[] = {
    { GR_ACT_IDENTITY, 0 }, { GR_ACT_SIGMOID, 0 }, { GR_ACT_TANH, 0 },
    { GR_ACT_RELU, 0 }, { GR_ACT_LEAKY_RELU, 0 }, { GR_ACT_LEAKY_RELU, 0.3f },
    { GR_ACT_ELU, 0 }, { GR_ACT_ELU, 0.6f }, { GR_ACT_GELU, 0 },
  };

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/gradcheck/self-test", test_gradcheck_self);
  g_test_add_func ("/engine/dense/grad", test_dense_grad);
  g_test_add_func ("/engine/dense/no-bias/grad", test_dense_no_bias_grad);
  g_test_add_func ("/engine/dense/map-input/grad", test_dense_map_input_grad);
  g_test_add_func ("/engine/dense/golden", test_dense_golden);
  for (size_t i = 0; i < G_N_ELEMENTS (acts); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/act/%s%s/grad",
                                               gr_act_name (acts[i].act),
                                               acts[i].slope != 0 ? "-slope" : "");

      g_test_add_data_func (path, &acts[i], test_act_grad);
    }
  g_test_add_func ("/engine/act/golden", test_act_golden);
  g_test_add_func ("/engine/dropout/train/grad", test_dropout_grad);
  g_test_add_func ("/engine/dropout/statistics", test_dropout_statistics);
  g_test_add_func ("/engine/batchnorm/train/grad", test_bn_train_grad);
  g_test_add_func ("/engine/batchnorm/train-maps/grad", test_bn_train_maps_grad);
  g_test_add_func ("/engine/batchnorm/relu-fused", test_bn_relu_fused);
  g_test_add_func ("/engine/batchnorm/eval/grad", test_bn_eval_grad);
  g_test_add_func ("/engine/batchnorm/bypass/grad", test_bn_bypass_grad);
  g_test_add_func ("/engine/batchnorm/golden", test_bn_golden);
  g_test_add_func ("/engine/batchnorm/momentum", test_bn_momentum_exact);
  g_test_add_func ("/engine/batchnorm/running-stats", test_bn_running_stats);
  g_test_add_func ("/engine/batchnorm/bypass-stats", test_bn_bypass_stats);
  g_test_add_func ("/engine/add/fan-out/grad", test_add_grad);
  g_test_add_func ("/engine/concat/grad", test_concat_grad);
  g_test_add_func ("/engine/softmax/grad", test_softmax_grad);
  g_test_add_func ("/engine/softmax/golden", test_softmax_golden);
  g_test_add_func ("/engine/net/errors", test_net_errors);
  g_test_add_func ("/engine/net/names", test_net_names);
  g_test_add_func ("/engine/net/predict-chunks", test_net_predict_chunks);
  g_test_add_func ("/engine/net/probes", test_net_probes);
  g_test_add_func ("/engine/model/mlp", test_model_mlp);

  return g_test_run ();
}
