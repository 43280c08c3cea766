/* Losses: gradients against finite differences of gr_loss_compute ()'s own
 * loss, golden values, ignore labels, class weighting. */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gr-loss.h"
#include "test-util.h"

#define IGNORE 9

/* A per-pixel batch (N, C, H, W) with random logits, labels in [0, C) and
 * a few ignored pixels. */
typedef struct
{
  GrShape  shape;
  float   *out;      /* (N, C, H, W) */
  int32_t *labels;   /* (N, H, W) */
  float   *values;   /* (N, C, H, W) in (0, 1) */
} Batch;

static Batch
batch_new (int      n,
           int      c,
           int      h,
           int      w,
           uint64_t seed,
           bool     with_ignore)
{
  Batch b;
  GrRng rng;
  size_t total = (size_t) n * c * h * w, pix = (size_t) n * h * w;

  b.shape = (GrShape) { n, c, h, w };
  b.out = g_new (float, total);
  b.labels = g_new (int32_t, pix);
  b.values = g_new (float, total);
  gr_rng_seed (&rng, seed, 2);
  tu_fill_uniform (&rng, b.out, total, -2.0f, 2.0f);
  tu_fill_uniform (&rng, b.values, total, 0.05f, 0.95f);
  for (size_t i = 0; i < pix; i++)
    b.labels[i] = (int32_t) gr_rng_below (&rng, c == 1 ? 2 : (uint32_t) c);
  if (with_ignore)
    {
      b.labels[1] = IGNORE;
      b.labels[pix - 2] = IGNORE;
    }
  return b;
}

static void
batch_free (Batch *b)
{
  g_free (b->out);
  g_free (b->labels);
  g_free (b->values);
}

static GrLossConfig
config (GrLossKind kind,
        int        c)
{
  GrLossConfig cfg = { 0 };

  cfg.kind = kind;
  cfg.n_classes = c;
  cfg.ignore_label = -1;
  return cfg;
}

static float
loss_of (const GrLossConfig *cfg,
         const float        *out,
         GrShape             shape,
         GrTarget            target,
         float              *dout)
{
  float *scratch = g_new0 (float, gr_loss_scratch_size (shape) + 1);
  float *d = dout ? dout : g_new0 (float, gr_loss_scratch_size (shape) + 1);
  float loss = NAN;

  g_assert_cmpint (gr_loss_compute (cfg, out, shape, target, d, &loss, scratch), ==, GR_OK);
  g_free (scratch);
  if (dout == NULL)
    g_free (d);
  return loss;
}

static GrTarget
labels_of (const Batch *b)
{
  return (GrTarget) { .labels = b->labels };
}

static GrTarget
values_of (const Batch *b)
{
  return (GrTarget) { .values = b->values };
}

/* Gradient check on vectors (H = W = 1) and on maps with an ignore label. */
static void
check_grad (GrLossConfig cfg,
            int          c,
            bool         values,
            uint64_t     seed)
{
  const int dims[2][3] = { { 5, 1, 1 }, { 2, 2, 3 } };

  for (int k = 0; k < 2; k++)
    {
      Batch b = batch_new (dims[k][0], c, dims[k][1], dims[k][2], seed + k, k == 1);
      double err;

      cfg.n_classes = c;
      cfg.ignore_label = k == 1 ? IGNORE : -1;
      err = tu_loss_grad_err (&cfg, b.out, b.shape, values ? values_of (&b) : labels_of (&b),
                              1e-3f);
      g_test_message ("%s, %s: relative error %.3g", gr_loss_name (cfg.kind),
                      k ? "maps" : "vectors", err);
      g_assert_cmpfloat (err, <, TU_GRAD_TOL);
      batch_free (&b);
    }
}

static void
test_mse_grad (void)
{
  check_grad (config (GR_LOSS_MSE, 3), 3, true, 1);
  check_grad (config (GR_LOSS_MSE, 3), 3, false, 2);
  check_grad (config (GR_LOSS_MSE, 1), 1, false, 3);
}

static void
test_ce_grad (void)
{
  GrLossConfig cfg = config (GR_LOSS_CE, 4);
  const float w[4] = { 0.5f, 2.0f, 1.0f, 3.0f };

  check_grad (cfg, 4, false, 4);
  cfg.use_weights = true;
  memcpy (cfg.class_weights, w, sizeof w);
  check_grad (cfg, 4, false, 5);
}

static void
test_bce_grad (void)
{
  check_grad (config (GR_LOSS_BCE, 1), 1, false, 6);
  check_grad (config (GR_LOSS_BCE, 3), 3, false, 7);
  check_grad (config (GR_LOSS_BCE, 3), 3, true, 8);
}

static void
test_focal_grad (void)
{
  GrLossConfig cfg = config (GR_LOSS_FOCAL, 3);
  const float alpha[3] = { 0.25f, 1.0f, 2.0f };

  cfg.focal_gamma = 0.0f;
  check_grad (cfg, 3, false, 9);
  cfg.focal_gamma = 2.0f;
  check_grad (cfg, 3, false, 10);
  cfg.focal_gamma = 0.5f;
  check_grad (cfg, 3, false, 11);
  cfg.focal_gamma = 2.0f;
  cfg.use_alpha = true;
  memcpy (cfg.focal_alpha, alpha, sizeof alpha);
  check_grad (cfg, 3, false, 12);
}

static void
test_dice_grad (void)
{
  check_grad (config (GR_LOSS_DICE, 3), 3, false, 13);
  check_grad (config (GR_LOSS_DICE, 2), 2, false, 14);
}

static void
test_ce_dice_grad (void)
{
  GrLossConfig cfg = config (GR_LOSS_CE_DICE, 3);
  const float w[3] = { 1.0f, 0.5f, 2.0f };

  cfg.dice_mix = 0.3f;
  check_grad (cfg, 3, false, 15);
  cfg.use_weights = true;
  memcpy (cfg.class_weights, w, sizeof w);
  check_grad (cfg, 3, false, 16);
}

/* Weighted CE with ignored pixels on maps wider than the loss's position
 * blocks (P = 340: a full block of 256, then 84 with a remainder past the
 * 8-lane loops), against the textbook formula in double: per position
 * softmax, -sum w_y log p_y / sum w_y, d = w_y (p - onehot) / sum w_y. */
static void
test_ce_map_reference (void)
{
  GrLossConfig cfg = config (GR_LOSS_CE, 4);
  const float w[4] = { 0.5f, 1.0f, 3.0f, 1.5f };
  Batch b = batch_new (3, 4, 20, 17, 31, true);
  size_t P = 20 * 17, S = 4 * P, total = 3 * S;
  float *d = g_new0 (float, total);
  double *ref = g_new0 (double, total);
  double wsum = 0.0, l = 0.0;
  float loss;

  cfg.use_weights = true;
  cfg.ignore_label = IGNORE;
  memcpy (cfg.class_weights, w, sizeof w);
  /* Large logits at one position, so the max shift matters. */
  b.out[5] = 60.0f;
  b.out[5 + P] = -30.0f;
  loss = loss_of (&cfg, b.out, b.shape, labels_of (&b), d);

  for (size_t i = 0; i < 3 * P; i++)
    if (b.labels[i] != IGNORE)
      wsum += w[b.labels[i]];
  for (size_t s = 0; s < 3; s++)
    for (size_t q = 0; q < P; q++)
      {
        int32_t y = b.labels[s * P + q];
        double mx = -INFINITY, sum = 0.0, p[4];

        if (y == IGNORE)
          continue;
        for (int c = 0; c < 4; c++)
          mx = fmax (mx, b.out[s * S + c * P + q]);
        for (int c = 0; c < 4; c++)
          sum += p[c] = exp (b.out[s * S + c * P + q] - mx);
        for (int c = 0; c < 4; c++)
          {
            p[c] /= sum;
            ref[s * S + c * P + q] = w[y] * (p[c] - (c == y)) / wsum;
          }
        l -= w[y] * log (p[y]) / wsum;
      }
  g_assert_cmpfloat (fabs (loss - l), <=, 1e-6 * fabs (l));
  for (size_t i = 0; i < total; i++)
    g_assert_cmpfloat (fabs (d[i] - ref[i]), <=, 1e-5 * fabs (ref[i]) + 1e-10);
  g_free (d);
  g_free (ref);
  batch_free (&b);
}

/* ---- golden values ---------------------------------------------------------- */

static void
test_ce_golden (void)
{
  GrLossConfig cfg = config (GR_LOSS_CE, 3);
  /* Two samples of logits [1, 2, 3], labels 2 and 0. */
  const float out[] = { 1, 2, 3, 1, 2, 3 };
  const int32_t labels[] = { 2, 0 };
  GrShape shape = { 2, 3, 1, 1 };
  GrTarget t = { .labels = labels };
  float d[6], loss;

  loss = loss_of (&cfg, out, shape, t, d);
  /* -log softmax: 0.40760596 and 2.40760596; mean 1.40760596. */
  g_assert_cmpfloat_with_epsilon (loss, 1.40760596f, 1e-6);
  /* d/dz = (p - onehot) / N */
  g_assert_cmpfloat_with_epsilon (d[0], 0.0900305732f / 2, 1e-7);
  g_assert_cmpfloat_with_epsilon (d[2], (0.665240956f - 1.0f) / 2, 1e-7);
  g_assert_cmpfloat_with_epsilon (d[3], (0.0900305732f - 1.0f) / 2, 1e-7);

  /* Class weights: a weighted mean, sum w_y l / sum w_y. */
  cfg.use_weights = true;
  cfg.class_weights[0] = 3.0f;
  cfg.class_weights[1] = 1.0f;
  cfg.class_weights[2] = 1.0f;
  loss = loss_of (&cfg, out, shape, t, d);
  g_assert_cmpfloat_with_epsilon (loss, (0.40760596f + 3 * 2.40760596f) / 4, 1e-6);

  /* Focal with gamma 0 is CE, in value and gradient. */
  {
    Batch b = batch_new (3, 4, 2, 2, 21, true);
    GrLossConfig ce = config (GR_LOSS_CE, 4), fl = config (GR_LOSS_FOCAL, 4);
    size_t total = 3 * 4 * 2 * 2;
    float *d1 = g_new (float, total), *d2 = g_new (float, total);

    ce.ignore_label = fl.ignore_label = IGNORE;
    fl.focal_gamma = 0.0f;
    g_assert_cmpfloat_with_epsilon (loss_of (&ce, b.out, b.shape, labels_of (&b), d1),
                                    loss_of (&fl, b.out, b.shape, labels_of (&b), d2), 1e-6);
    g_assert_cmpfloat (tu_max_abs_diff (d1, d2, total), <, 1e-7);
    /* And gamma > 0 down-weights: the loss is smaller. */
    fl.focal_gamma = 2.0f;
    g_assert_cmpfloat (loss_of (&fl, b.out, b.shape, labels_of (&b), NULL), <,
                       loss_of (&ce, b.out, b.shape, labels_of (&b), NULL));
    g_free (d1);
    g_free (d2);
    batch_free (&b);
  }
}

static void
test_focal_golden (void)
{
  GrLossConfig cfg = config (GR_LOSS_FOCAL, 2);
  /* Logits [0, ln 3]: p = [0.25, 0.75]; label 1: pt = 0.75. */
  const float out[] = { 0.0f, logf (3.0f) };
  const int32_t labels[] = { 1 };
  GrShape shape = { 1, 2, 1, 1 };
  GrTarget t = { .labels = labels };

  cfg.focal_gamma = 2.0f;
  /* -(1 - 0.75)^2 log 0.75 = 0.0179801 */
  g_assert_cmpfloat_with_epsilon (loss_of (&cfg, out, shape, t, NULL), 0.0179801f, 1e-6);
  cfg.use_alpha = true;
  cfg.focal_alpha[0] = 0.5f;
  cfg.focal_alpha[1] = 0.25f;
  g_assert_cmpfloat_with_epsilon (loss_of (&cfg, out, shape, t, NULL), 0.25f * 0.0179801f, 1e-6);
}

static void
test_mse_bce_golden (void)
{
  GrShape shape = { 2, 2, 1, 1 };
  const float out[] = { 1.0f, 0.0f, 0.5f, 2.0f };
  const float vals[] = { 0.0f, 0.0f, 0.5f, 1.0f };
  const int32_t labels[] = { 0, 1 };
  GrLossConfig mse = config (GR_LOSS_MSE, 2), bce = config (GR_LOSS_BCE, 2);
  float d[4];

  /* Values: (1 + 0 + 0 + 1) / 4 */
  g_assert_cmpfloat_with_epsilon (loss_of (&mse, out, shape, (GrTarget) { .values = vals }, d),
                                  0.5f, 1e-7);
  g_assert_cmpfloat_with_epsilon (d[0], 2.0f * 1.0f / 4, 1e-7);
  g_assert_cmpfloat_with_epsilon (d[3], 2.0f * 1.0f / 4, 1e-7);
  /* Labels are one-hot: targets [1, 0], [0, 1]: (0 + 0 + 0.25 + 1) / 4 */
  g_assert_cmpfloat_with_epsilon (loss_of (&mse, out, shape, (GrTarget) { .labels = labels }, d),
                                  0.3125f, 1e-7);

  /* MSE with one output and 0/1 labels compares against the label itself
   * (as BCE and accuracy do: a positive output means class 1). */
  {
    GrShape s1 = { 2, 1, 1, 1 };
    const float o1[] = { 0.0f, 1.0f };
    const int32_t l1[] = { 0, 1 };
    GrLossConfig m1 = config (GR_LOSS_MSE, 1);

    g_assert_cmpfloat (loss_of (&m1, o1, s1, (GrTarget) { .labels = l1 }, NULL), ==, 0.0f);
  }

  /* BCE at z = 0 is log 2 for any target; softplus elsewhere. */
  {
    GrShape s1 = { 3, 1, 1, 1 };
    const float z[] = { 0.0f, 2.0f, -3.0f };
    const int32_t l1[] = { 1, 1, 1 };
    const float expect = (logf (2.0f) + log1pf (expf (-2.0f)) + log1pf (expf (3.0f))) / 3;

    g_assert_cmpfloat_with_epsilon (loss_of (&bce, z, s1, (GrTarget) { .labels = l1 }, d),
                                    expect, 1e-6);
    g_assert_cmpfloat_with_epsilon (d[0], (0.5f - 1.0f) / 3, 1e-7);
  }
  /* BCE with C > 1 labels is one-vs-rest over the one-hot vector. */
  {
    float expect = 0.0f;

    for (int i = 0; i < 4; i++)
      {
        float t = (i == 0 || i == 3) ? 1.0f : 0.0f;

        expect += fmaxf (out[i], 0) - out[i] * t + log1pf (expf (-fabsf (out[i])));
      }
    g_assert_cmpfloat_with_epsilon (loss_of (&bce, out, shape, (GrTarget) { .labels = labels }, d),
                                    expect / 4, 1e-6);
  }
}

static void
test_dice_golden (void)
{
  GrLossConfig cfg = config (GR_LOSS_DICE, 2);
  /* Very confident, all correct: dice of each class -> 1, loss -> 0. */
  const float good[] = { 20, -20, -20, 20 };
  const float bad[] = { -20, 20, 20, -20 };
  const int32_t labels[] = { 0, 1 };
  GrShape shape = { 2, 2, 1, 1 };
  GrTarget t = { .labels = labels };
  float l_good, l_bad;

  cfg.dice_smooth = 1e-6f;
  l_good = loss_of (&cfg, good, shape, t, NULL);
  l_bad = loss_of (&cfg, bad, shape, t, NULL);
  g_assert_cmpfloat (l_good, <, 1e-5);
  g_assert_cmpfloat (l_bad, >, 0.999f);
  /* Uniform p = 0.5 everywhere: per class 2 * 0.5 / (1 + 1) = 0.5 (smooth 1:
   * (1 + 1) / (2 + 1)). */
  {
    const float flat[] = { 0, 0, 0, 0 };

    cfg.dice_smooth = 0.0f;   /* means 1 */
    g_assert_cmpfloat_with_epsilon (loss_of (&cfg, flat, shape, t, NULL),
                                    1.0f - 2.0f / 3.0f, 1e-6);
  }

  /* CE_DICE mixes: mix 0 is CE, mix 1 is Dice, in between the blend. */
  {
    Batch b = batch_new (2, 3, 2, 2, 31, true);
    GrLossConfig ce = config (GR_LOSS_CE, 3), dc = config (GR_LOSS_DICE, 3);
    GrLossConfig mix = config (GR_LOSS_CE_DICE, 3);
    float lce, ldc;

    ce.ignore_label = dc.ignore_label = mix.ignore_label = IGNORE;
    lce = loss_of (&ce, b.out, b.shape, labels_of (&b), NULL);
    ldc = loss_of (&dc, b.out, b.shape, labels_of (&b), NULL);
    mix.dice_mix = 0.0f;
    g_assert_cmpfloat_with_epsilon (loss_of (&mix, b.out, b.shape, labels_of (&b), NULL), lce, 1e-6);
    mix.dice_mix = 1.0f;
    g_assert_cmpfloat_with_epsilon (loss_of (&mix, b.out, b.shape, labels_of (&b), NULL), ldc, 1e-6);
    mix.dice_mix = 0.25f;
    g_assert_cmpfloat_with_epsilon (loss_of (&mix, b.out, b.shape, labels_of (&b), NULL),
                                    0.75f * lce + 0.25f * ldc, 1e-6);
    batch_free (&b);
  }
}

/* ---- ignore labels and errors ------------------------------------------------ */

static void
test_ignore_label (void)
{
  const GrLossKind kinds[] = { GR_LOSS_MSE, GR_LOSS_CE, GR_LOSS_BCE, GR_LOSS_FOCAL,
                               GR_LOSS_DICE, GR_LOSS_CE_DICE };

  for (size_t k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      Batch b = batch_new (2, 3, 2, 3, 40 + k, true);
      GrLossConfig cfg = config (kinds[k], 3);
      size_t total = 2 * 3 * 2 * 3, P = 6;
      float *d = g_new (float, total), l1, l2;

      cfg.ignore_label = IGNORE;
      cfg.focal_gamma = 2.0f;
      cfg.dice_mix = 0.5f;
      l1 = loss_of (&cfg, b.out, b.shape, labels_of (&b), d);
      /* Pixel 1 of sample 0 is ignored: no gradient, and its logits do
       * not matter. */
      for (int c = 0; c < 3; c++)
        {
          g_assert_cmpfloat (d[c * P + 1], ==, 0.0f);
          b.out[c * P + 1] += 5.0f * (c + 1);
        }
      l2 = loss_of (&cfg, b.out, b.shape, labels_of (&b), NULL);
      g_assert_cmpfloat (l1, ==, l2);

      /* An all-ignored batch has loss 0 and no gradient. */
      for (size_t i = 0; i < 12; i++)
        b.labels[i] = IGNORE;
      g_assert_cmpfloat (loss_of (&cfg, b.out, b.shape, labels_of (&b), d), ==, 0.0f);
      for (size_t i = 0; i < total; i++)
        g_assert_cmpfloat (d[i], ==, 0.0f);

      /* Without an ignore label, 9 is out of range. */
      {
        float *scratch = g_new (float, total), loss;

        cfg.ignore_label = -1;
        g_assert_cmpint (gr_loss_compute (&cfg, b.out, b.shape, labels_of (&b), d, &loss,
                                          scratch), ==, GR_ERR_ARG);
        g_free (scratch);
      }
      g_free (d);
      batch_free (&b);
    }
}

static void
test_loss_errors (void)
{
  GrShape shape = { 2, 1, 1, 1 };
  const float out[] = { 0.5f, -0.5f };
  const int32_t labels[] = { 1, 0 }, bad[] = { 2, 0 };
  const float vals[] = { 1, 0 };
  float d[2], scratch[4], loss;
  GrLossConfig cfg = config (GR_LOSS_CE, 1);

  /* Class losses need C >= 2 and labels. */
  g_assert_cmpint (gr_loss_compute (&cfg, out, shape, (GrTarget) { .labels = labels }, d, &loss,
                                    scratch), ==, GR_ERR_ARG);
  cfg.n_classes = 2;
  g_assert_cmpint (gr_loss_compute (&cfg, out, (GrShape) { 1, 2, 1, 1 },
                                    (GrTarget) { .values = vals }, d, &loss, scratch),
                   ==, GR_ERR_ARG);
  /* Exactly one target kind. */
  cfg.kind = GR_LOSS_MSE;
  g_assert_cmpint (gr_loss_compute (&cfg, out, shape, (GrTarget) { 0 }, d, &loss, scratch),
                   ==, GR_ERR_ARG);
  g_assert_cmpint (gr_loss_compute (&cfg, out, shape, (GrTarget) { labels, vals }, d, &loss,
                                    scratch), ==, GR_ERR_ARG);
  /* C = 1 takes labels 0 and 1 only. */
  cfg.kind = GR_LOSS_BCE;
  g_assert_cmpint (gr_loss_compute (&cfg, out, shape, (GrTarget) { .labels = bad }, d, &loss,
                                    scratch), ==, GR_ERR_ARG);
  /* A negative label is out of range too, for CE as for BCE. */
  {
    const int32_t negative[] = { -2, 0 };

    g_assert_cmpint (gr_loss_compute (&cfg, out, shape, (GrTarget) { .labels = negative }, d,
                                      &loss, scratch), ==, GR_ERR_ARG);
    cfg.kind = GR_LOSS_CE;
    g_assert_cmpint (gr_loss_compute (&cfg, out, (GrShape) { 1, 2, 1, 1 },
                                      (GrTarget) { .labels = negative }, d, &loss, scratch),
                     ==, GR_ERR_ARG);
    cfg.kind = GR_LOSS_BCE;
  }
  /* Non-finite logits give a non-finite status. */
  {
    const float inf[] = { INFINITY, 0.0f };

    cfg.kind = GR_LOSS_MSE;
    g_assert_cmpint (gr_loss_compute (&cfg, inf, shape, (GrTarget) { .values = vals }, d, &loss,
                                      scratch), ==, GR_ERR_NONFINITE);
  }
}

static void
test_weights_from_freq (void)
{
  const float freq[4] = { 0.5f, 0.25f, 0.25f, 0.0f };
  const float freq5[5] = { 0.1f, 0.2f, 0.3f, 0.4f, 0.0f };
  GrLossConfig cfg = config (GR_LOSS_CE, 4);

  /* Inverse: 1 / f = [2, 4, 4, -], normalised to mean 1 over the three
   * present classes: * 3 / 10. */
  gr_loss_weights_from_freq (&cfg, GR_WEIGHTING_INVERSE, freq, 4);
  g_assert_true (cfg.use_weights);
  g_assert_cmpfloat_with_epsilon (cfg.class_weights[0], 0.6f, 1e-6);
  g_assert_cmpfloat_with_epsilon (cfg.class_weights[1], 1.2f, 1e-6);
  g_assert_cmpfloat_with_epsilon (cfg.class_weights[2], 1.2f, 1e-6);
  g_assert_cmpfloat (cfg.class_weights[3], ==, 0.0f);

  /* Median of the present [0.25, 0.25, 0.5] is 0.25. */
  cfg = config (GR_LOSS_CE, 4);
  gr_loss_weights_from_freq (&cfg, GR_WEIGHTING_MEDIAN, freq, 4);
  g_assert_true (cfg.use_weights);
  g_assert_cmpfloat_with_epsilon (cfg.class_weights[0], 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (cfg.class_weights[1], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (cfg.class_weights[2], 1.0f, 1e-6);
  g_assert_cmpfloat (cfg.class_weights[3], ==, 0.0f);

  /* Even count: the median of [0.1, 0.2, 0.3, 0.4] is 0.25. */
  cfg = config (GR_LOSS_CE, 5);
  gr_loss_weights_from_freq (&cfg, GR_WEIGHTING_MEDIAN, freq5, 5);
  g_assert_cmpfloat_with_epsilon (cfg.class_weights[0], 2.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (cfg.class_weights[3], 0.625f, 1e-6);

  /* None and custom leave the config alone. */
  cfg = config (GR_LOSS_CE, 4);
  gr_loss_weights_from_freq (&cfg, GR_WEIGHTING_NONE, freq, 4);
  g_assert_false (cfg.use_weights);
  gr_loss_weights_from_freq (&cfg, GR_WEIGHTING_CUSTOM, freq, 4);
  g_assert_false (cfg.use_weights);
}

static void
test_count_correct (void)
{
  GrShape shape = { 2, 3, 1, 2 };
  /* sample 0: pixel 0 argmax 2, pixel 1 argmax 0; sample 1: 1, 1 */
  const float out[] = { 0, 5, 1, 0, 3, 0,   0, 0, 4, 9, 1, 2 };
  const int32_t labels[] = { 2, 1, 1, IGNORE };
  int64_t correct, counted;

  gr_loss_count_correct (out, shape, labels, IGNORE, &correct, &counted);
  g_assert_cmpint (counted, ==, 3);
  g_assert_cmpint (correct, ==, 2);

  {
    const float z[] = { 0.3f, -0.1f, 2.0f };
    const int32_t l[] = { 1, 1, 0 };

    gr_loss_count_correct (z, (GrShape) { 3, 1, 1, 1 }, l, -1, &correct, &counted);
    g_assert_cmpint (counted, ==, 3);
    g_assert_cmpint (correct, ==, 1);
  }
}

static void
test_loss_names (void)
{
  for (int k = 0; k < GR_N_LOSSES; k++)
    g_assert_cmpint (gr_loss_parse (gr_loss_name (k)), ==, k);
  for (int w = 0; w < GR_N_WEIGHTINGS; w++)
    g_assert_cmpint (gr_weighting_parse (gr_weighting_name (w)), ==, w);
  g_assert_cmpint (gr_loss_parse ("hinge"), ==, -1);
  g_assert_cmpint (gr_loss_parse (NULL), ==, -1);
}

/* The softmax and CE passes shared among a net's two threads
 * (gr_loss_compute_net ()) give the bits of one thread: dout and the loss,
 * weighted, with ignored pixels, on a batch large enough to be split;
 * then every softmax loss on it (their softmax is shared too). */
static void
test_loss_threads_identical (void)
{
  static const GrLossKind kinds[] = { GR_LOSS_CE, GR_LOSS_FOCAL, GR_LOSS_DICE,
                                      GR_LOSS_CE_DICE };
  Batch b = batch_new (16, 3, 48, 40, 29, true);
  size_t total = (size_t) 16 * 3 * 48 * 40;
  float *scratch = g_new0 (float, gr_loss_scratch_size (b.shape) + 1);
  float *d1 = g_new (float, total), *d2 = g_new (float, total);
  GrNet *net = gr_net_new ((GrShape) { 3, 48, 40, 1 });

  gr_net_set_threads (net, 2);
  for (size_t i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      GrLossConfig cfg = { .kind = kinds[i], .n_classes = 3, .use_weights = true,
                           .class_weights = { 0.2f, 3.0f, 7.0f }, .focal_gamma = 2.0f,
                           .dice_mix = 0.4f, .ignore_label = IGNORE };
      float l1, l2;

      /* Garbage in dout first: each path must write all of it. */
      memset (d1, 0x7f, sizeof (float) * total);
      memset (d2, 0x7f, sizeof (float) * total);
      g_assert_cmpint (gr_loss_compute (&cfg, b.out, b.shape, labels_of (&b), d1, &l1,
                                        scratch), ==, GR_OK);
      g_assert_cmpint (gr_loss_compute_net (net, &cfg, b.out, b.shape, labels_of (&b), d2,
                                            &l2, scratch), ==, GR_OK);
      g_assert_cmpmem (&l1, sizeof l1, &l2, sizeof l2);
      g_assert_cmpmem (d1, sizeof (float) * total, d2, sizeof (float) * total);
      g_assert_true (isfinite (l1) && l1 > 0.0f);
    }
  gr_net_free (net);
  g_free (d1);
  g_free (d2);
  g_free (scratch);
  batch_free (&b);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/loss/mse/grad", test_mse_grad);
  g_test_add_func ("/engine/loss/ce/grad", test_ce_grad);
  g_test_add_func ("/engine/loss/ce/map-reference", test_ce_map_reference);
  g_test_add_func ("/engine/loss/bce/grad", test_bce_grad);
  g_test_add_func ("/engine/loss/focal/grad", test_focal_grad);
  g_test_add_func ("/engine/loss/dice/grad", test_dice_grad);
  g_test_add_func ("/engine/loss/ce-dice/grad", test_ce_dice_grad);
  g_test_add_func ("/engine/loss/ce/golden", test_ce_golden);
  g_test_add_func ("/engine/loss/focal/golden", test_focal_golden);
  g_test_add_func ("/engine/loss/mse-bce/golden", test_mse_bce_golden);
  g_test_add_func ("/engine/loss/dice/golden", test_dice_golden);
  g_test_add_func ("/engine/loss/ignore-label", test_ignore_label);
  g_test_add_func ("/engine/loss/errors", test_loss_errors);
  g_test_add_func ("/engine/loss/weights-from-freq", test_weights_from_freq);
  g_test_add_func ("/engine/loss/count-correct", test_count_correct);
  g_test_add_func ("/engine/loss/names", test_loss_names);
  g_test_add_func ("/engine/loss/threads-identical", test_loss_threads_identical);

  return g_test_run ();
}
