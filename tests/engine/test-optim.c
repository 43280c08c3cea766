/* Optimizers: one step against hand-computed values, clipping and probes,
 * overfitting 8 samples with each kind, and the L2-versus-weight-decay
 * lesson. */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gr-loss.h"
#include "gr-net.h"
#include "gr-optim.h"
#include "test-util.h"

#define SHAPE(c, h, w) ((GrShape) { 1, (c), (h), (w) })

static GrOptConfig
opt_config (GrOptKind kind,
            float     lr)
{
  GrOptConfig c = { 0 };

  c.kind = kind;
  c.lr = lr;
  c.momentum = 0.9f;
  c.beta1 = 0.9f;
  c.beta2 = 0.999f;
  c.eps = 1e-8f;
  return c;
}

/* input (3) -> dense (2) -> dense (2): W1 (6), b1 (2), W2 (4), b2 (2). */
static GrNet *
two_layer_net (void)
{
  GrLayerSpec specs[] = {
    { .kind = GR_LAYER_DENSE, .units = 2 },
    { .kind = GR_LAYER_DENSE, .units = 2 },
  };
  GrNet *net = tu_net_build (SHAPE (3, 1, 1), specs, 2, 4);

  g_assert_cmpuint (gr_net_n_params (net), ==, 14);
  return net;
}

static void
fill (GrNet    *net,
      uint64_t  seed,
      bool      params,
      float     scale)
{
  GrRng rng;
  float *v = params ? gr_net_params (net) : gr_net_grads (net);

  gr_rng_seed (&rng, seed, 4);
  for (size_t i = 0; i < gr_net_n_params (net); i++)
    v[i] = scale * gr_rng_normal (&rng);
}

static void
step (GrOptim           *opt,
      GrNet             *net,
      const GrOptConfig *cfg,
      GrProbe           *probes,
      float             *raw,
      float             *used)
{
  float r, u;

  g_assert_cmpint (gr_optim_step (opt, net, cfg, probes, raw ? raw : &r, used ? used : &u),
                   ==, GR_OK);
}

/* ---- exact steps ------------------------------------------------------------ */

static void
test_sgd_exact (void)
{
  GrNet *net = two_layer_net ();
  GrOptim *opt = gr_optim_new (14);
  GrOptConfig cfg = opt_config (GR_OPT_SGD, 0.1f);
  const uint8_t *mask = gr_net_decay_mask (net);
  float w0[14], g[14], *w = gr_net_params (net);
  GrProbe probes[2];

  fill (net, 1, true, 1.0f);
  fill (net, 2, false, 1.0f);
  memcpy (w0, w, sizeof w0);
  memcpy (g, gr_net_grads (net), sizeof g);
  step (opt, net, &cfg, probes, NULL, NULL);
  for (int i = 0; i < 14; i++)
    g_assert_cmpfloat_with_epsilon (w[i], w0[i] - 0.1f * g[i], 1e-7);
  g_assert_cmpint (gr_optim_t (opt), ==, 0);

  /* Coupled L2: g + l2 w on weights only. */
  cfg.l2 = 0.5f;
  memcpy (w, w0, sizeof w0);
  memcpy (gr_net_grads (net), g, sizeof g);
  step (opt, net, &cfg, probes, NULL, NULL);
  for (int i = 0; i < 14; i++)
    g_assert_cmpfloat_with_epsilon (w[i], w0[i] - 0.1f * (g[i] + (mask[i] ? 0.5f * w0[i] : 0)),
                                    1e-6);

  /* Decoupled decay: w - lr wd w - lr g, again on weights only. */
  cfg.l2 = 0.0f;
  cfg.weight_decay = 0.5f;
  memcpy (w, w0, sizeof w0);
  memcpy (gr_net_grads (net), g, sizeof g);
  step (opt, net, &cfg, probes, NULL, NULL);
  for (int i = 0; i < 14; i++)
    g_assert_cmpfloat_with_epsilon (w[i], w0[i] - 0.1f * g[i]
                                          - (mask[i] ? 0.1f * 0.5f * w0[i] : 0), 1e-6);
  /* Biases are the ones left alone: b1 is params 6, 7. */
  g_assert_cmpint (mask[5], ==, 1);
  g_assert_cmpint (mask[6], ==, 0);
  g_assert_cmpint (mask[7], ==, 0);
  g_assert_cmpint (mask[8], ==, 1);
  gr_optim_free (opt);
  gr_net_free (net);
}

static void
test_momentum_exact (gconstpointer data)
{
  GrOptKind kind = GPOINTER_TO_INT (data);
  GrNet *net = two_layer_net ();
  GrOptim *opt = gr_optim_new (14);
  GrOptConfig cfg = opt_config (kind, 0.05f);
  float w0[14], g1[14], g2[14], *w = gr_net_params (net);
  GrProbe probes[2];
  double mu = 0.9, lr = 0.05;

  fill (net, 3, true, 1.0f);
  memcpy (w0, w, sizeof w0);
  fill (net, 4, false, 1.0f);
  memcpy (g1, gr_net_grads (net), sizeof g1);
  step (opt, net, &cfg, probes, NULL, NULL);
  fill (net, 5, false, 1.0f);
  memcpy (g2, gr_net_grads (net), sizeof g2);
  step (opt, net, &cfg, probes, NULL, NULL);
  for (int i = 0; i < 14; i++)
    {
      double v1 = g1[i], v2 = mu * v1 + g2[i], x = w0[i];

      if (kind == GR_OPT_MOMENTUM)
        x = x - lr * v1 - lr * v2;
      else
        x = x - lr * (g1[i] + mu * v1) - lr * (g2[i] + mu * v2);
      g_assert_cmpfloat_with_epsilon (w[i], x, 1e-6);
      /* The velocity slab holds v2. */
      g_assert_cmpfloat_with_epsilon (gr_optim_state (opt)[i], v2, 1e-6);
    }
  gr_optim_free (opt);
  gr_net_free (net);
}

static void
test_adam_exact (gconstpointer data)
{
  GrOptKind kind = GPOINTER_TO_INT (data);
  GrNet *net = two_layer_net ();
  GrOptim *opt = gr_optim_new (14);
  GrOptConfig cfg = opt_config (kind, 0.01f);
  float w0[14], g1[14], g2[14], *w = gr_net_params (net);
  GrProbe probes[2];
  double b1 = 0.9, b2 = 0.999, lr = 0.01, eps = 1e-8;

  fill (net, 6, true, 1.0f);
  memcpy (w0, w, sizeof w0);
  fill (net, 7, false, 1.0f);
  memcpy (g1, gr_net_grads (net), sizeof g1);
  step (opt, net, &cfg, probes, NULL, NULL);
  /* Step 1 of Adam moves every parameter by about lr (sign of g). */
  for (int i = 0; i < 14; i++)
    g_assert_cmpfloat_with_epsilon (w[i], w0[i] - lr * (g1[i] > 0 ? 1 : -1), 1e-5);
  fill (net, 8, false, 1.0f);
  memcpy (g2, gr_net_grads (net), sizeof g2);
  step (opt, net, &cfg, probes, NULL, NULL);
  g_assert_cmpint (gr_optim_t (opt), ==, 2);
  for (int i = 0; i < 14; i++)
    {
      double m = (1 - b1) * g1[i], v = (1 - b2) * g1[i] * g1[i], x = w0[i];

      x -= lr * (m / (1 - b1)) / (sqrt (v / (1 - b2)) + eps);
      m = b1 * m + (1 - b1) * g2[i];
      v = b2 * v + (1 - b2) * (double) g2[i] * g2[i];
      x -= lr * (m / (1 - b1 * b1)) / (sqrt (v / (1 - b2 * b2)) + eps);
      g_assert_cmpfloat_with_epsilon (w[i], x, 2e-6);
      g_assert_cmpfloat_with_epsilon (gr_optim_state (opt)[14 + i], m, 1e-6);
      g_assert_cmpfloat_with_epsilon (gr_optim_state (opt)[28 + i], v, 1e-6);
    }

  /* A detour through SGD keeps Adam's moments and step counter. */
  {
    float keep[3 * 14];

    memcpy (keep, gr_optim_state (opt), sizeof keep);
    cfg.kind = GR_OPT_SGD;
    step (opt, net, &cfg, probes, NULL, NULL);
    g_assert_cmpmem (keep + 14, sizeof (float) * 28, gr_optim_state (opt) + 14,
                     sizeof (float) * 28);
    g_assert_cmpint (gr_optim_t (opt), ==, 2);
  }
  gr_optim_reset (opt);
  g_assert_cmpint (gr_optim_t (opt), ==, 0);
  for (size_t i = 0; i < gr_optim_n_state (opt); i++)
    g_assert_cmpfloat (gr_optim_state (opt)[i], ==, 0.0f);
  gr_optim_free (opt);
  gr_net_free (net);
}

static void
test_nonfinite_grad (void)
{
  GrNet *net = two_layer_net ();
  GrOptim *opt = gr_optim_new (14);
  GrOptConfig cfg = opt_config (GR_OPT_ADAM, 0.01f);
  float w0[14], raw, used;
  GrProbe probes[2];

  fill (net, 9, true, 1.0f);
  fill (net, 10, false, 1.0f);
  memcpy (w0, gr_net_params (net), sizeof w0);
  gr_net_grads (net)[3] = NAN;
  g_assert_cmpint (gr_optim_step (opt, net, &cfg, probes, &raw, &used), ==, GR_ERR_NONFINITE);
  g_assert_cmpmem (w0, sizeof w0, gr_net_params (net), sizeof w0);
  g_assert_cmpint (gr_optim_t (opt), ==, 0);

  /* A finite gradient whose update overflows is refused too, and leaves
   * weights and moments as they were. */
  cfg.kind = GR_OPT_SGD;
  cfg.lr = 100.0f;
  fill (net, 10, false, 1e37f);
  g_assert_cmpint (gr_optim_step (opt, net, &cfg, probes, &raw, &used), ==, GR_ERR_NONFINITE);
  g_assert_cmpmem (w0, sizeof w0, gr_net_params (net), sizeof w0);
  cfg.kind = GR_OPT_MOMENTUM;
  fill (net, 10, false, 1e37f);
  g_assert_cmpint (gr_optim_step (opt, net, &cfg, probes, &raw, &used), ==, GR_ERR_NONFINITE);
  g_assert_cmpmem (w0, sizeof w0, gr_net_params (net), sizeof w0);
  for (size_t i = 0; i < gr_optim_n_state (opt); i++)
    g_assert_cmpfloat (gr_optim_state (opt)[i], ==, 0.0f);
  gr_optim_free (opt);
  gr_net_free (net);
}

/* ---- clipping and probes ------------------------------------------------------ */

static double
norm (const float *v,
      size_t       n)
{
  double s = 0.0;

  for (size_t i = 0; i < n; i++)
    s += (double) v[i] * v[i];
  return sqrt (s);
}

static void
test_clip_norm (void)
{
  GrNet *net = two_layer_net ();
  GrOptim *opt = gr_optim_new (14);
  GrOptConfig cfg = opt_config (GR_OPT_SGD, 1.0f);
  float w0[14], g[14], d[14], raw, used;
  const float *w = gr_net_params (net);
  GrProbe probes[2];
  double gn, k;

  fill (net, 11, true, 1.0f);
  fill (net, 12, false, 2.0f);
  memcpy (w0, w, sizeof w0);
  memcpy (g, gr_net_grads (net), sizeof g);
  gn = norm (g, 14);
  cfg.clip_norm = (float) (gn / 4);
  k = 0.25;
  step (opt, net, &cfg, probes, &raw, &used);
  for (int i = 0; i < 14; i++)
    d[i] = w[i] - w0[i];
  /* The update of SGD with lr 1 is the clipped gradient: its norm is the
   * clip threshold. */
  g_assert_cmpfloat_with_epsilon (norm (d, 14), cfg.clip_norm, 1e-5 * cfg.clip_norm);
  g_assert_cmpfloat_with_epsilon (raw, gn, 1e-5 * gn);
  g_assert_cmpfloat_with_epsilon (used, cfg.clip_norm, 1e-5 * cfg.clip_norm);
  for (int i = 0; i < 14; i++)
    g_assert_cmpfloat_with_epsilon (d[i], -k * g[i], 1e-6);

  /* Probes: layer 0 is W1 = params [0, 6), layer 1 is W2 = [8, 12). */
  {
    const size_t off[2] = { 0, 8 }, cnt[2] = { 6, 4 };

    for (int l = 0; l < 2; l++)
      {
        double graw = norm (g + off[l], cnt[l]), dn = norm (d + off[l], cnt[l]);
        double wold = norm (w0 + off[l], cnt[l]), wnew = norm (w + off[l], cnt[l]);
        size_t o, c;

        gr_net_weighted_range (net, l, &o, &c);
        g_assert_cmpuint (o, ==, off[l]);
        g_assert_cmpuint (c, ==, cnt[l]);
        g_assert_cmpfloat_with_epsilon (probes[l].grad_norm_raw, graw, 1e-5 * graw);
        g_assert_cmpfloat_with_epsilon (probes[l].grad_norm, k * graw, 1e-5 * graw);
        g_assert_cmpfloat_with_epsilon (probes[l].clip_share, 1.0 - k, 1e-5);
        g_assert_cmpfloat_with_epsilon (probes[l].weight_norm, wnew, 1e-5 * wnew);
        g_assert_cmpfloat_with_epsilon (probes[l].update_ratio, dn / wold, 1e-5);
      }
  }

  /* Below the threshold nothing is clipped. */
  fill (net, 12, false, 2.0f);
  cfg.clip_norm = (float) (gn * 2);
  step (opt, net, &cfg, probes, &raw, &used);
  g_assert_cmpfloat (raw, ==, used);
  g_assert_cmpfloat (probes[0].clip_share, ==, 0.0f);
  gr_optim_free (opt);
  gr_net_free (net);
}

static void
test_clip_value (void)
{
  GrNet *net = two_layer_net ();
  GrOptim *opt = gr_optim_new (14);
  GrOptConfig cfg = opt_config (GR_OPT_SGD, 1.0f);
  float w0[14], g[14], c[14], raw, used;
  const float *w = gr_net_params (net);
  GrProbe probes[2];
  int clipped = 0;

  fill (net, 13, true, 1.0f);
  fill (net, 14, false, 1.0f);
  memcpy (w0, w, sizeof w0);
  memcpy (g, gr_net_grads (net), sizeof g);
  cfg.clip_value = 0.5f;
  step (opt, net, &cfg, probes, &raw, &used);
  for (int i = 0; i < 14; i++)
    {
      c[i] = fminf (fmaxf (g[i], -0.5f), 0.5f);
      clipped += c[i] != g[i];
      g_assert_cmpfloat_with_epsilon (w[i], w0[i] - c[i], 1e-6);
    }
  g_assert_cmpint (clipped, >, 2);
  g_assert_cmpfloat_with_epsilon (raw, norm (g, 14), 1e-5);
  g_assert_cmpfloat_with_epsilon (used, norm (c, 14), 1e-5);
  g_assert_cmpfloat_with_epsilon (probes[0].clip_share,
                                  1.0 - norm (c, 6) / norm (g, 6), 1e-5);

  /* Value, then norm. */
  memcpy (gr_net_params (net), w0, sizeof w0);
  memcpy (gr_net_grads (net), g, sizeof g);
  cfg.clip_norm = 0.5f;
  step (opt, net, &cfg, probes, &raw, &used);
  g_assert_cmpfloat_with_epsilon (used, 0.5f, 1e-6);
  for (int i = 0; i < 14; i++)
    g_assert_cmpfloat_with_epsilon (w[i], w0[i] - c[i] * 0.5 / norm (c, 14), 1e-6);
  gr_optim_free (opt);
  gr_net_free (net);
}

/* ---- training ---------------------------------------------------------------- */

typedef struct
{
  GrNet   *net;
  GrOptim *opt;
  float    x[8 * 4];
  int32_t  labels[8];
  float    dout[8 * 3];
  float    scratch[8 * 3];
} Toy;

static void
toy_init (Toy      *t,
          uint64_t  seed)
{
  GrLayerSpec specs[] = {
    { .kind = GR_LAYER_DENSE, .units = 16 },
    { .kind = GR_LAYER_ACT, .act = GR_ACT_TANH },
    { .kind = GR_LAYER_DENSE, .units = 3 },
  };
  GrRng rng;

  t->net = tu_net_build (SHAPE (4, 1, 1), specs, 3, 8);
  t->opt = gr_optim_new (gr_net_n_params (t->net));
  gr_rng_seed (&rng, seed, 1);
  gr_net_init_params (t->net, GR_INIT_XAVIER, 1.0f, &rng);
  for (int i = 0; i < 8 * 4; i++)
    t->x[i] = gr_rng_normal (&rng);
  for (int i = 0; i < 8; i++)
    t->labels[i] = (int32_t) gr_rng_below (&rng, 3);
}

static void
toy_clear (Toy *t)
{
  gr_net_free (t->net);
  gr_optim_free (t->opt);
}

/* One full-batch step; returns the loss before the update. */
static float
toy_step (Toy               *t,
          const GrOptConfig *cfg)
{
  GrLossConfig lc = { .kind = GR_LOSS_CE, .n_classes = 3, .ignore_label = -1 };
  GrProbe probes[2];
  float loss, raw, used;

  g_assert_cmpint (gr_net_forward (t->net, t->x, 8, true, NULL), ==, GR_OK);
  g_assert_cmpint (gr_loss_compute (&lc, gr_net_output (t->net), (GrShape) { 8, 3, 1, 1 },
                                    (GrTarget) { .labels = t->labels }, t->dout, &loss,
                                    t->scratch), ==, GR_OK);
  g_assert_cmpint (gr_net_backward (t->net, t->dout), ==, GR_OK);
  g_assert_cmpint (gr_optim_step (t->opt, t->net, cfg, probes, &raw, &used), ==, GR_OK);
  return loss;
}

static void
test_overfit (gconstpointer data)
{
  GrOptKind kind = GPOINTER_TO_INT (data);
  static const float lrs[GR_N_OPTS] = { 0.5f, 0.1f, 0.1f, 0.02f, 0.02f };
  GrOptConfig cfg = opt_config (kind, lrs[kind]);
  Toy t;
  float first = 0.0f, loss = 0.0f;
  int s;

  if (kind == GR_OPT_ADAMW)
    cfg.weight_decay = 1e-4f;
  toy_init (&t, 100);
  for (s = 0; s < 2000; s++)
    {
      loss = toy_step (&t, &cfg);
      if (s == 0)
        first = loss;
      if (loss < 0.05f)
        break;
    }
  g_test_message ("%s: loss %.3f -> %.4f in %d steps", gr_opt_name (kind), first, loss, s);
  g_assert_cmpfloat (first, >, 0.5f);
  g_assert_cmpfloat (loss, <, 0.05f);
  toy_clear (&t);
}

/* Under SGD, decoupled weight decay and an L2 term are the same thing;
 * under Adam they are not (Loshchilov & Hutter). */
static void
test_l2_vs_decay (void)
{
  const float lambda = 0.05f;
  Toy a, b;
  GrOptConfig ca = opt_config (GR_OPT_SGD, 0.1f), cb = ca;
  size_t n;
  double diff, scale = 0.0;

  ca.l2 = lambda;
  cb.weight_decay = lambda;
  toy_init (&a, 200);
  toy_init (&b, 200);
  n = gr_net_n_params (a.net);
  for (int s = 0; s < 100; s++)
    {
      toy_step (&a, &ca);
      toy_step (&b, &cb);
    }
  for (size_t i = 0; i < n; i++)
    scale = fmax (scale, fabs (gr_net_params (a.net)[i]));
  diff = tu_max_abs_diff (gr_net_params (a.net), gr_net_params (b.net), n);
  g_test_message ("SGD: L2 vs decay differ by %.3g (weights up to %.3g)", diff, scale);
  g_assert_cmpfloat (diff, <, 1e-5 * scale);
  toy_clear (&a);
  toy_clear (&b);

  /* Adam + L2 against AdamW. */
  ca = opt_config (GR_OPT_ADAM, 0.01f);
  cb = opt_config (GR_OPT_ADAMW, 0.01f);
  ca.l2 = lambda;
  cb.weight_decay = lambda;
  toy_init (&a, 200);
  toy_init (&b, 200);
  for (int s = 0; s < 100; s++)
    {
      toy_step (&a, &ca);
      toy_step (&b, &cb);
    }
  diff = tu_max_abs_diff (gr_net_params (a.net), gr_net_params (b.net), n);
  g_test_message ("Adam: L2 vs decay differ by %.3g", diff);
  g_assert_cmpfloat (diff, >, 0.05);
  toy_clear (&a);
  toy_clear (&b);
}

static void
test_opt_names (void)
{
  for (int k = 0; k < GR_N_OPTS; k++)
    g_assert_cmpint (gr_opt_parse (gr_opt_name (k)), ==, k);
  g_assert_cmpint (gr_opt_parse ("lion"), ==, -1);
  gr_optim_free (NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/optim/sgd/exact", test_sgd_exact);
  g_test_add_data_func ("/engine/optim/momentum/exact", GINT_TO_POINTER (GR_OPT_MOMENTUM),
                        test_momentum_exact);
  g_test_add_data_func ("/engine/optim/nesterov/exact", GINT_TO_POINTER (GR_OPT_NESTEROV),
                        test_momentum_exact);
  g_test_add_data_func ("/engine/optim/adam/exact", GINT_TO_POINTER (GR_OPT_ADAM),
                        test_adam_exact);
  g_test_add_data_func ("/engine/optim/adamw/exact", GINT_TO_POINTER (GR_OPT_ADAMW),
                        test_adam_exact);
  g_test_add_func ("/engine/optim/nonfinite", test_nonfinite_grad);
  g_test_add_func ("/engine/optim/clip-norm", test_clip_norm);
  g_test_add_func ("/engine/optim/clip-value", test_clip_value);
  for (int k = 0; k < GR_N_OPTS; k++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/optim/%s/overfit-8", gr_opt_name (k));

      g_test_add_data_func (path, GINT_TO_POINTER (k), test_overfit);
    }
  g_test_add_func ("/engine/optim/l2-vs-weight-decay", test_l2_vs_decay);
  g_test_add_func ("/engine/optim/names", test_opt_names);

  return g_test_run ();
}
