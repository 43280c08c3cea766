#include "test-util.h"

#include <math.h>
#include <string.h>

#include "gr-net-private.h"

void
tu_fill_uniform (GrRng  *rng,
                 float  *v,
                 size_t  n,
                 float   lo,
                 float   hi)
{
  for (size_t i = 0; i < n; i++)
    v[i] = lo + (hi - lo) * gr_rng_uniform (rng);
}

void
tu_fill_away (GrRng  *rng,
              float  *v,
              size_t  n,
              float   lo,
              float   hi)
{
  for (size_t i = 0; i < n; i++)
    {
      float m = lo + (hi - lo) * gr_rng_uniform (rng);

      v[i] = gr_rng_u32 (rng) & 1 ? m : -m;
    }
}

double
tu_rel_err (const float *a,
            const float *b,
            size_t       n)
{
  double num = 0.0, den = 1e-4;

  for (size_t i = 0; i < n; i++)
    {
      num = fmax (num, fabs ((double) a[i] - b[i]));
      den = fmax (den, fabs ((double) a[i]) + fabs ((double) b[i]));
    }
  return num / den;
}

double
tu_max_abs_diff (const float *a,
                 const float *b,
                 size_t       n)
{
  double m = 0.0;

  for (size_t i = 0; i < n; i++)
    m = fmax (m, fabs ((double) a[i] - b[i]));
  return m;
}

GrNet *
tu_net_build (GrShape            input,
              const GrLayerSpec *specs,
              int                n_specs,
              int                max_batch)
{
  GrNet *net = gr_net_new (input);

  g_assert_nonnull (net);
  for (int i = 0; i < n_specs; i++)
    {
      int idx = gr_net_add (net, &specs[i]);

      if (idx < 0)
        g_error ("gr_net_add (%d): %s", i, gr_net_error (net));
      g_assert_cmpint (idx, ==, i + 1);
    }
  g_assert_cmpint (gr_net_compile (net, max_batch), ==, GR_OK);
  return net;
}

/* L = sum w y of a forward pass with a freshly seeded RNG. */
static double
objective (GrNet       *net,
           const float *x,
           int          n,
           bool         train,
           uint64_t     seed,
           const float *w)
{
  GrRng rng;
  size_t out_sz = gr_shape_sample_size (gr_net_output_shape (net)) * (size_t) n;
  const float *y;
  double l = 0.0;

  gr_rng_seed (&rng, seed, 7);
  g_assert_cmpint (gr_net_forward (net, x, n, train, &rng), ==, GR_OK);
  y = gr_net_output (net);
  for (size_t i = 0; i < out_sz; i++)
    l += (double) w[i] * y[i];
  return l;
}

/* tu_rel_err () with the denominator floored at @floor too. */
static double
tensor_err (const float *a,
            const float *b,
            size_t       n,
            double       floor)
{
  double num = 0.0, den = fmax (floor, 1e-4);

  for (size_t i = 0; i < n; i++)
    {
      num = fmax (num, fabs ((double) a[i] - b[i]));
      den = fmax (den, fabs ((double) a[i]) + fabs ((double) b[i]));
    }
  return num / den;
}

typedef struct
{
  double err;
  char   what[64];
} GradResult;

static GradResult
net_grad_check (GrNet       *net,
                const float *x_in,
                int          n,
                bool         train,
                uint64_t     seed,
                float        eps,
                bool         corrupt)
{
  size_t out_sz = gr_shape_sample_size (gr_net_output_shape (net)) * (size_t) n;
  size_t in_sz = gr_shape_sample_size (gr_net_input_shape (net)) * (size_t) n;
  size_t np = gr_net_n_params (net);
  float *w = g_new (float, out_sz);
  float *x = g_memdup2 (x_in, sizeof (float) * in_sz);
  float *ga = g_new0 (float, np + 1), *gn = g_new0 (float, np + 1);
  float *xa = g_new0 (float, in_sz), *xn = g_new0 (float, in_sz);
  float *p = gr_net_params (net);
  GradResult res = { 0.0, "" };
  GrRng rng;

  gr_rng_seed (&rng, seed ^ 0x5eed, 11);
  tu_fill_uniform (&rng, w, out_sz, -1.0f, 1.0f);

  /* Analytic. */
  gr_rng_seed (&rng, seed, 7);
  g_assert_cmpint (gr_net_forward (net, x, n, train, &rng), ==, GR_OK);
  g_assert_cmpint (gr_net_backward (net, w), ==, GR_OK);
  memcpy (ga, gr_net_grads (net), sizeof (float) * np);
  if (net->need_input_grad)
    memcpy (xa, gr_net_input_grad (net), sizeof (float) * in_sz);
  if (corrupt)
    {
      for (size_t j = 0; j < np; j++)
        ga[j] *= 1.1f;
      for (size_t j = 0; j < in_sz; j++)
        xa[j] *= 1.1f;
    }

  /* Numeric. */
  for (size_t j = 0; j < np; j++)
    {
      float keep = p[j];
      double lp, lm;

      p[j] = keep + eps;
      lp = objective (net, x, n, train, seed, w);
      p[j] = keep - eps;
      lm = objective (net, x, n, train, seed, w);
      p[j] = keep;
      gn[j] = (float) ((lp - lm) / (2.0 * eps));
    }
  if (net->need_input_grad)
    for (size_t j = 0; j < in_sz; j++)
      {
        float keep = x[j];
        double lp, lm;

        x[j] = keep + eps;
        lp = objective (net, x, n, train, seed, w);
        x[j] = keep - eps;
        lm = objective (net, x, n, train, seed, w);
        x[j] = keep;
        xn[j] = (float) ((lp - lm) / (2.0 * eps));
      }

  /* Tensor by tensor, so a wrong bias cannot hide behind large weights.
   * A tensor whose true gradient is (nearly) zero, such as a bias in front
   * of batch norm, would compare float noise with noise; its denominator
   * is floored at 1 % of the largest gradient anywhere in the net. */
  {
    double scale = 0.0;

    for (size_t j = 0; j < np; j++)
      scale = fmax (scale, fabs ((double) ga[j]) + fabs ((double) gn[j]));
    if (net->need_input_grad)
      for (size_t j = 0; j < in_sz; j++)
        scale = fmax (scale, fabs ((double) xa[j]) + fabs ((double) xn[j]));
    for (int i = 1; i < net->n_nodes; i++)
      for (int t = 0; t < 2; t++)
        {
          GrNode *node = &net->nodes[i];
          size_t off, cnt = node->n_param[t];
          double e;

          if (cnt == 0)
            continue;
          off = (size_t) (node->param[t] - p);
          e = tensor_err (ga + off, gn + off, cnt, 1e-2 * scale);
          if (e > res.err || res.what[0] == '\0')
            {
              res.err = e;
              g_snprintf (res.what, sizeof res.what, "%s.%s", node->spec.name,
                          t == 0 ? "weight" : "bias");
            }
        }
    if (net->need_input_grad)
      {
        double e = tensor_err (xa, xn, in_sz, 1e-2 * scale);

        if (e > res.err || res.what[0] == '\0')
          {
            res.err = e;
            g_snprintf (res.what, sizeof res.what, "input");
          }
      }
  }

  /* Leave the net in the state of an unperturbed forward pass. */
  objective (net, x, n, train, seed, w);
  g_free (w);
  g_free (x);
  g_free (ga);
  g_free (gn);
  g_free (xa);
  g_free (xn);
  return res;
}

double
tu_net_grad_err (GrNet       *net,
                 const float *x,
                 int          n,
                 bool         train,
                 uint64_t     seed,
                 float        eps,
                 bool         corrupt)
{
  return net_grad_check (net, x, n, train, seed, eps, corrupt).err;
}

void
tu_assert_net_grads (GrNet       *net,
                     const float *x,
                     int          n,
                     bool         train,
                     uint64_t     seed)
{
  GradResult r = net_grad_check (net, x, n, train, seed, 1e-3f, false);

  g_test_message ("gradient check: worst tensor %s, relative error %.3g", r.what, r.err);
  if (!(r.err < TU_GRAD_TOL))
    g_error ("gradient of %s is wrong: relative error %.4g >= %.g", r.what, r.err,
             TU_GRAD_TOL);
}

double
tu_loss_grad_err (const GrLossConfig *cfg,
                  const float        *out_in,
                  GrShape             shape,
                  GrTarget            target,
                  float               eps)
{
  size_t total = (size_t) shape.n * shape.c * shape.h * shape.w;
  float *out = g_memdup2 (out_in, sizeof (float) * total);
  float *da = g_new0 (float, total), *dn = g_new0 (float, total);
  float *scratch = g_new0 (float, gr_loss_scratch_size (shape) + 1);
  float *dtmp = g_new0 (float, total);
  float loss;
  double err;

  g_assert_cmpint (gr_loss_compute (cfg, out, shape, target, da, &loss, scratch), ==, GR_OK);
  g_assert_true (isfinite (loss));
  for (size_t j = 0; j < total; j++)
    {
      float keep = out[j], lp, lm;

      out[j] = keep + eps;
      g_assert_cmpint (gr_loss_compute (cfg, out, shape, target, dtmp, &lp, scratch), ==, GR_OK);
      out[j] = keep - eps;
      g_assert_cmpint (gr_loss_compute (cfg, out, shape, target, dtmp, &lm, scratch), ==, GR_OK);
      out[j] = keep;
      dn[j] = (float) (((double) lp - lm) / (2.0 * eps));
    }
  err = tu_rel_err (da, dn, total);
  g_free (out);
  g_free (da);
  g_free (dn);
  g_free (scratch);
  g_free (dtmp);
  return err;
}

GrDataset *
tu_dataset_classes (int      n,
                    int      features,
                    int      classes,
                    uint64_t seed)
{
  GrDataset *ds = gr_dataset_new ("classes", (GrShape) { 1, features, 1, 1 }, n, classes,
                                  (GrShape) { 1, 1, 1, 1 });
  GrRng rng;

  g_assert_nonnull (ds);
  g_assert_cmpint (classes, <=, features);
  gr_rng_seed (&rng, seed, 21);
  for (int i = 0; i < n; i++)
    {
      float *x = ds->x + (size_t) i * features;
      int best = 0;

      for (int f = 0; f < features; f++)
        x[f] = gr_rng_normal (&rng);
      for (int c = 1; c < classes; c++)
        if (x[c] > x[best])
          best = c;
      ds->labels[i] = best;
    }
  return ds;
}

GrDataset *
tu_dataset_regression (int      n,
                       int      features,
                       int      outputs,
                       uint64_t seed)
{
  GrDataset *ds = gr_dataset_new ("regression", (GrShape) { 1, features, 1, 1 }, n, 0,
                                  (GrShape) { 1, outputs, 1, 1 });
  GrRng rng;

  g_assert_nonnull (ds);
  g_assert_cmpint (features, >=, 3);
  gr_rng_seed (&rng, seed, 22);
  for (int i = 0; i < n; i++)
    {
      float *x = ds->x + (size_t) i * features, *y = ds->values + (size_t) i * outputs;

      for (int f = 0; f < features; f++)
        x[f] = gr_rng_normal (&rng);
      y[0] = x[0] * x[1];
      if (outputs > 1)
        y[1] = sinf (x[2]);
    }
  return ds;
}
