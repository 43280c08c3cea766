/* test-conv.c: the convolutional layers
 *
 * im2col convolution against a direct convolution on random shapes;
 * finite-difference gradient checks of every convolutional kind, of channel
 * batch norm on maps, of an ASPP-like concat block and of the per-pixel
 * losses on a conv net's output; 1 versus 2 threads and the OpenBLAS thread
 * count a step leaves; shape errors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib.h>
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "gr-loss.h"
#include "gr-net-private.h"
#include "gr-net.h"
#include "gr-rng.h"

/* ---- helpers ---------------------------------------------------------------- */

static GrLayerSpec
conv_spec (int units,
           int kernel,
           int stride,
           int pad,
           int dilation)
{
  return (GrLayerSpec) {
    .kind = GR_LAYER_CONV2D, .units = units, .kernel = kernel,
    .stride = stride, .pad = pad, .dilation = dilation,
  };
}

static GrLayerSpec
kind_spec (GrLayerKind kind)
{
  return (GrLayerSpec) { .kind = kind };
}

static int
add_ok (GrNet             *net,
        const GrLayerSpec *spec)
{
  int idx = gr_net_add (net, spec);

  if (idx < 0)
    g_error ("gr_net_add: %s", gr_net_error (net));
  return idx;
}

static void
fill_normal (float  *v,
             size_t  n,
             float   sigma,
             GrRng  *rng)
{
  for (size_t i = 0; i < n; i++)
    v[i] = sigma * gr_rng_normal (rng);
}

/* Distinct values spaced by @gap in random order, so no two values in a
 * pooling window tie even after a finite-difference nudge. */
static void
fill_distinct (float  *v,
               size_t  n,
               float   gap,
               GrRng  *rng)
{
  int *perm = g_new (int, n);

  for (size_t i = 0; i < n; i++)
    perm[i] = (int) i;
  gr_rng_shuffle (rng, perm, (int) n);
  for (size_t i = 0; i < n; i++)
    v[i] = gap * ((float) perm[i] - (float) n / 2.0f);
  g_free (perm);
}

/* What a gradient check differentiates: the net output of @n samples is
 * turned into a scalar loss, and d loss / d output into @dout. */
typedef double (*LossFn) (const float *out,
                          GrShape      shape,   /* (n, C, H, W) */
                          float       *dout,
                          gpointer     data);

/* loss = sum r_i y_i with fixed random r. */
static double
projection_loss (const float *out,
                 GrShape      shape,
                 float       *dout,
                 gpointer     data)
{
  const float *r = data;
  size_t total = (size_t) shape.n * shape.c * shape.h * shape.w;
  double loss = 0.0;

  for (size_t i = 0; i < total; i++)
    {
      loss += (double) r[i] * out[i];
      if (dout)
        dout[i] = r[i];
    }
  return loss;
}

typedef struct
{
  GrLossConfig   cfg;
  const int32_t *labels;
  float         *scratch;
} PixelLoss;

static double
pixel_loss (const float *out,
            GrShape      shape,
            float       *dout,
            gpointer     data)
{
  PixelLoss *pl = data;
  size_t total = (size_t) shape.n * shape.c * shape.h * shape.w;
  float *d = dout ? dout : g_new (float, total);
  float loss = 0.0f;
  GrStatus st = gr_loss_compute (&pl->cfg, out, shape,
                                 (GrTarget) { .labels = pl->labels }, d, &loss,
                                 pl->scratch);

  g_assert_cmpint (st, ==, GR_OK);
  if (d != dout)
    g_free (d);
  return loss;
}

typedef struct
{
  GrNet       *net;
  const float *x;
  int          n;
  bool         train;
  uint64_t     seed;    /* the dropout rng is reseeded before every forward */
  LossFn       loss;
  gpointer     data;
} GradCheck;

static double
run_loss (GradCheck *gc,
          float     *dout)
{
  GrRng rng;
  GrShape shape = gr_net_output_shape (gc->net);
  GrStatus st;

  gr_rng_seed (&rng, gc->seed, 7);
  st = gr_net_forward (gc->net, gc->x, gc->n, gc->train, &rng);
  g_assert_cmpint (st, ==, GR_OK);
  shape.n = gc->n;
  return gc->loss (gr_net_output (gc->net), shape, dout, gc->data);
}

static void
assert_close (double      analytic,
              double      numeric,
              double      atol,
              double      rtol,
              const char *what,
              size_t      index)
{
  double scale = MAX (fabs (analytic), fabs (numeric));

  if (fabs (analytic - numeric) > atol + rtol * scale)
    g_error ("%s[%zu]: analytic %.6g, numeric %.6g", what, index, analytic, numeric);
}

/* Central differences on every parameter (at most @max_per_tensor spread
 * over the slab) and on the input, against one backward pass. */
static void
grad_check (GradCheck *gc,
            float      eps,
            double     atol,
            double     rtol)
{
  GrNet *net = gc->net;
  GrShape out = gr_net_output_shape (net), in = gr_net_input_shape (net);
  size_t out_total = gr_shape_sample_size (out) * gc->n;
  size_t in_total = gr_shape_sample_size (in) * gc->n;
  size_t n_params = gr_net_n_params (net);
  float *dout = g_new (float, out_total);
  float *grads = g_new (float, MAX (n_params, 1));
  float *dx = g_new (float, in_total);
  float *x = g_memdup2 (gc->x, sizeof (float) * in_total);
  float *params = gr_net_params (net);
  size_t step;
  int checked = 0;

  gr_net_set_input_grad (net, true);
  run_loss (gc, dout);
  g_assert_cmpint (gr_net_backward (net, dout), ==, GR_OK);
  memcpy (grads, gr_net_grads (net), sizeof (float) * n_params);
  memcpy (dx, gr_net_input_grad (net), sizeof (float) * in_total);

  step = n_params > 400 ? n_params / 400 + 1 : 1;
  for (size_t i = 0; i < n_params; i += step)
    {
      float keep = params[i];
      double lp, lm;

      params[i] = keep + eps;
      lp = run_loss (gc, NULL);
      params[i] = keep - eps;
      lm = run_loss (gc, NULL);
      params[i] = keep;
      assert_close (grads[i], (lp - lm) / (2.0 * eps), atol, rtol, "param", i);
      checked++;
    }

  gc->x = x;
  step = in_total > 300 ? in_total / 300 + 1 : 1;
  for (size_t i = 0; i < in_total; i += step)
    {
      float keep = x[i];
      double lp, lm;

      x[i] = keep + eps;
      lp = run_loss (gc, NULL);
      x[i] = keep - eps;
      lm = run_loss (gc, NULL);
      x[i] = keep;
      assert_close (dx[i], (lp - lm) / (2.0 * eps), atol, rtol, "input", i);
      checked++;
    }
  g_assert_cmpint (checked, >, 0);
  gr_net_set_input_grad (net, false);
  g_free (dout);
  g_free (grads);
  g_free (dx);
  g_free (x);
}

/* Builds input -> @spec (+ optional extra layers), compiles, initialises and
 * checks the gradient of a random projection of the output. */
static void
check_layers (GrShape            input,
              int                n,
              const GrLayerSpec *specs,
              int                n_specs,
              bool               train,
              bool               distinct_input,
              uint64_t           seed)
{
  GrNet *net = gr_net_new (input);
  GrRng rng;
  float *x, *r;
  size_t in_total, out_total;
  GradCheck gc;

  for (int i = 0; i < n_specs; i++)
    add_ok (net, &specs[i]);
  g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
  gr_rng_seed (&rng, seed, 1);
  gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
  /* Non-zero biases and BN parameters, so their gradients mean something. */
  fill_normal (gr_net_params (net), gr_net_n_params (net), 0.5f, &rng);

  in_total = gr_shape_sample_size (input) * n;
  out_total = gr_shape_sample_size (gr_net_output_shape (net)) * n;
  x = g_new (float, in_total);
  r = g_new (float, out_total);
  if (distinct_input)
    fill_distinct (x, in_total, 0.05f, &rng);
  else
    fill_normal (x, in_total, 1.0f, &rng);
  fill_normal (r, out_total, 1.0f, &rng);

  gc = (GradCheck) { net, x, n, train, seed, projection_loss, r };
  grad_check (&gc, 1e-2f, 2e-3, 1e-2);
  g_free (x);
  g_free (r);
  gr_net_free (net);
}

/* ---- im2col against a direct convolution ----------------------------------- */

typedef struct
{
  int n, ic, h, w, oc, k, s, p, d;
  bool bias;
} ConvCase;

static int
conv_out (int in, int k, int s, int p, int d)
{
  int span = in + 2 * p - d * (k - 1) - 1;

  return span < 0 ? 0 : span / s + 1;
}

/* Direct loops in double: y, and for dy the gradients dW, db, dx. */
static void
naive_conv (const ConvCase *cc,
            const float    *x,   /* (n, ic, h, w) */
            const float    *W,   /* (oc, ic, k, k) */
            const float    *b,   /* (oc) or NULL */
            const float    *dy,  /* (n, oc, oh, ow) */
            double         *y,
            double         *dW,
            double         *db,
            double         *dx)
{
  int oh = conv_out (cc->h, cc->k, cc->s, cc->p, cc->d);
  int ow = conv_out (cc->w, cc->k, cc->s, cc->p, cc->d);
  size_t nw = (size_t) cc->oc * cc->ic * cc->k * cc->k;

  memset (dW, 0, sizeof (double) * nw);
  memset (db, 0, sizeof (double) * cc->oc);
  memset (dx, 0, sizeof (double) * cc->n * cc->ic * cc->h * cc->w);
  for (int s = 0; s < cc->n; s++)
    for (int o = 0; o < cc->oc; o++)
      for (int r = 0; r < oh; r++)
        for (int q = 0; q < ow; q++)
          {
            size_t yi = (((size_t) s * cc->oc + o) * oh + r) * ow + q;
            double acc = b ? b[o] : 0.0;

            for (int c = 0; c < cc->ic; c++)
              for (int i = 0; i < cc->k; i++)
                for (int j = 0; j < cc->k; j++)
                  {
                    int iy = r * cc->s - cc->p + i * cc->d;
                    int ix = q * cc->s - cc->p + j * cc->d;
                    size_t wi = (((size_t) o * cc->ic + c) * cc->k + i) * cc->k + j;
                    size_t xi;

                    if (iy < 0 || iy >= cc->h || ix < 0 || ix >= cc->w)
                      continue;
                    xi = (((size_t) s * cc->ic + c) * cc->h + iy) * cc->w + ix;
                    acc += (double) W[wi] * x[xi];
                    dW[wi] += (double) dy[yi] * x[xi];
                    dx[xi] += (double) dy[yi] * W[wi];
                  }
            y[yi] = acc;
            db[o] += dy[yi];
          }
}

static void
assert_array_close (const float  *got,
                    const double *want,
                    size_t        n,
                    double        tol,
                    const char   *what)
{
  double scale = 1.0;

  for (size_t i = 0; i < n; i++)
    scale = MAX (scale, fabs (want[i]));
  for (size_t i = 0; i < n; i++)
    if (fabs (got[i] - want[i]) > tol * scale)
      g_error ("%s[%zu]: got %.7g, want %.7g", what, i, got[i], want[i]);
}

static void
run_conv_case (const ConvCase *cc,
               GrRng          *rng)
{
  GrNet *net = gr_net_new ((GrShape) { 1, cc->ic, cc->h, cc->w });
  GrLayerSpec sp = conv_spec (cc->oc, cc->k, cc->s, cc->p, cc->d);
  int oh = conv_out (cc->h, cc->k, cc->s, cc->p, cc->d);
  int ow = conv_out (cc->w, cc->k, cc->s, cc->p, cc->d);
  size_t in_total = (size_t) cc->n * cc->ic * cc->h * cc->w;
  size_t out_total = (size_t) cc->n * cc->oc * oh * ow;
  size_t nw = (size_t) cc->oc * cc->ic * cc->k * cc->k;
  float *x, *dy, *params, *grads;
  double *y, *dW, *db, *dx;
  int idx;

  sp.no_bias = !cc->bias;
  idx = gr_net_add (net, &sp);
  if (oh <= 0 || ow <= 0)
    {
      g_assert_cmpint (idx, ==, GR_ERR_SHAPE);
      gr_net_free (net);
      return;
    }
  g_assert_cmpint (idx, ==, 1);
  g_assert_cmpint (gr_net_node_shape (net, 1).h, ==, oh);
  g_assert_cmpint (gr_net_node_shape (net, 1).w, ==, ow);
  g_assert_cmpint (gr_net_compile (net, cc->n), ==, GR_OK);
  g_assert_cmpuint (gr_net_n_params (net), ==, nw + (cc->bias ? cc->oc : 0));
  params = gr_net_params (net);
  fill_normal (params, gr_net_n_params (net), 1.0f, rng);

  x = g_new (float, in_total);
  dy = g_new (float, out_total);
  y = g_new (double, out_total);
  dW = g_new (double, nw);
  db = g_new (double, cc->oc);
  dx = g_new (double, in_total);
  fill_normal (x, in_total, 1.0f, rng);
  fill_normal (dy, out_total, 1.0f, rng);
  naive_conv (cc, x, params, cc->bias ? params + nw : NULL, dy, y, dW, db, dx);

  gr_net_set_input_grad (net, true);
  g_assert_cmpint (gr_net_forward (net, x, cc->n, true, NULL), ==, GR_OK);
  assert_array_close (gr_net_output (net), y, out_total, 1e-5, "y");
  g_assert_cmpint (gr_net_backward (net, dy), ==, GR_OK);
  grads = gr_net_grads (net);
  assert_array_close (grads, dW, nw, 1e-5, "dW");
  if (cc->bias)
    assert_array_close (grads + nw, db, cc->oc, 1e-5, "db");
  assert_array_close (gr_net_input_grad (net), dx, in_total, 1e-5, "dx");

  g_free (x);
  g_free (dy);
  g_free (y);
  g_free (dW);
  g_free (db);
  g_free (dx);
  gr_net_free (net);
}

static void
test_conv_naive_random (void)
{
  GrRng rng;
  int ran = 0;

  gr_rng_seed (&rng, 1234, 3);
  for (int t = 0; t < 300; t++)
    {
      ConvCase cc = {
        .n = 1 + (int) gr_rng_below (&rng, 3),
        /* Both sides of the shifted path's IC >= 8 switch. */
        .ic = 1 + (int) gr_rng_below (&rng, 12),
        .h = 1 + (int) gr_rng_below (&rng, 14),
        .w = 1 + (int) gr_rng_below (&rng, 14),
        .oc = 1 + (int) gr_rng_below (&rng, 6),
        .k = 1 + (int) gr_rng_below (&rng, 4),
        .s = 1 + (int) gr_rng_below (&rng, 3),
        .p = (int) gr_rng_below (&rng, 3),
        .d = 1 + (int) gr_rng_below (&rng, 3),
        .bias = gr_rng_below (&rng, 2) == 0,
      };

      run_conv_case (&cc, &rng);
      ran++;
    }
  g_assert_cmpint (ran, ==, 300);
}

/* Shapes the random draw may miss: the 1x1 fast path, big images that need
 * several column bands, and wide channels. */
static void
test_conv_naive_fixed (void)
{
  static const ConvCase cases[] = {
    { 2, 3, 5, 7, 4, 1, 1, 0, 1, true },    /* 1x1 direct */
    { 2, 3, 5, 7, 4, 1, 2, 0, 1, false },   /* 1x1 strided */
    { 2, 3, 6, 6, 4, 1, 1, 1, 1, true },    /* 1x1 padded */
    { 3, 16, 40, 36, 8, 3, 1, 2, 2, true }, /* several bands, dilated */
    { 2, 16, 33, 31, 5, 3, 2, 4, 4, false },/* dilated and strided */
    { 2, 40, 20, 20, 3, 5, 1, 2, 1, true }, /* band of one row */
    { 1, 2, 9, 3, 3, 4, 2, 1, 1, true },    /* even kernel */
    { 3, 1, 64, 64, 16, 3, 1, 1, 1, true }, /* the W3 first layer */
    { 2, 16, 64, 64, 16, 3, 1, 4, 4, true },/* a W3 dilated layer */
    { 2, 9, 7, 6, 4, 2, 1, 3, 1, true },    /* pad beyond the field: dy is cropped */
    { 2, 8, 10, 9, 3, 3, 1, 0, 2, false },  /* shifted, no pad */
    { 2, 8, 3, 12, 3, 1, 1, 2, 1, true },   /* 1x1 padded, shifted */
    /* 1x1 to at most 4 channels (its own kernels where the CPU has AVX2
     * and FMA): blocks of 3-4 vectors, single vectors and a scalar tail. */
    { 2, 5, 9, 7, 1, 1, 1, 0, 1, false },
    { 2, 16, 8, 8, 2, 1, 1, 0, 1, true },
    { 3, 16, 13, 11, 3, 1, 1, 0, 1, true },
    { 2, 7, 9, 9, 4, 1, 1, 0, 1, false },
  };
  GrRng rng;

  gr_rng_seed (&rng, 99, 3);
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    run_conv_case (&cases[i], &rng);
}

/* ---- finite-difference gradient checks -------------------------------------- */

static void
check_one_conv (GrShape     input,
                GrLayerSpec sp)
{
  check_layers (input, 2, &sp, 1, true, false, 42);
}

static void
test_conv_grad_basic (void)
{
  check_one_conv ((GrShape) { 1, 3, 7, 6 }, conv_spec (4, 3, 1, 1, 1));
}

static void
test_conv_grad_strided (void)
{
  check_one_conv ((GrShape) { 1, 2, 9, 8 }, conv_spec (3, 3, 2, 1, 1));
}

static void
test_conv_grad_dilated (void)
{
  check_one_conv ((GrShape) { 1, 2, 9, 9 }, conv_spec (3, 3, 1, 2, 2));
}

static void
test_conv_grad_dilated_strided (void)
{
  check_one_conv ((GrShape) { 1, 2, 11, 10 }, conv_spec (3, 3, 2, 2, 2));
}

static void
test_conv_grad_1x1 (void)
{
  check_one_conv ((GrShape) { 1, 4, 5, 6 }, conv_spec (3, 1, 1, 0, 1));
}

static void
test_conv_grad_no_bias (void)
{
  GrLayerSpec sp = conv_spec (3, 3, 1, 0, 1);

  sp.no_bias = true;
  check_one_conv ((GrShape) { 1, 2, 6, 7 }, sp);
}

/* Eight or more input channels take the shifted path. */
static void
test_conv_grad_shifted (void)
{
  check_one_conv ((GrShape) { 1, 8, 7, 9 }, conv_spec (3, 3, 1, 2, 2));
  check_one_conv ((GrShape) { 1, 9, 6, 5 }, conv_spec (2, 2, 1, 2, 1));
}

/* Compiles @net for a batch of 2, draws its parameters (sigma 0.5), an
 * input and a projection of the output from @seed, and checks its
 * gradients. */
static void
grad_check_random (GrNet    *net,
                   uint64_t  seed)
{
  int n = 2;
  size_t in_total = gr_shape_sample_size (gr_net_input_shape (net)) * n;
  size_t out_total = gr_shape_sample_size (gr_net_output_shape (net)) * n;
  float *x = g_new (float, in_total), *r = g_new (float, out_total);
  GrRng rng;
  GradCheck gc;

  g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
  gr_rng_seed (&rng, seed, 1);
  fill_normal (gr_net_params (net), gr_net_n_params (net), 0.5f, &rng);
  fill_normal (x, in_total, 1.0f, &rng);
  fill_normal (r, out_total, 1.0f, &rng);
  gc = (GradCheck) { net, x, n, true, 1, projection_loss, r };
  grad_check (&gc, 1e-2f, 2e-3, 1e-2);
  g_free (x);
  g_free (r);
}

/* Two convs: the second's input gradient runs through the first. Then a
 * 1 x 1 head to three classes after a conv: its dx is written, not added,
 * into the conv's gradient (the input's only consumer). */
static void
test_conv_grad_stack (void)
{
  GrLayerSpec specs[] = {
    conv_spec (3, 3, 2, 1, 1),
    conv_spec (2, 3, 1, 2, 2),
  };
  GrLayerSpec head[] = {
    conv_spec (5, 3, 1, 1, 1),
    conv_spec (3, 1, 1, 0, 1),
  };

  check_layers ((GrShape) { 1, 2, 10, 9 }, 2, specs, 2, true, false, 5);
  check_layers ((GrShape) { 1, 2, 7, 9 }, 2, head, 2, true, false, 11);
}

/* Two 1 x 1 convs to few channels reading one conv's output: the second
 * to run its backward adds its dx to the first's. */
static void
test_conv_grad_fan_out (void)
{
  GrShape input = { 1, 2, 6, 7 };
  GrNet *net = gr_net_new (input);
  GrLayerSpec trunk = conv_spec (4, 3, 1, 1, 1);
  GrLayerSpec cat = { .kind = GR_LAYER_CONCAT, .n_inputs = 2 };
  int t = add_ok (net, &trunk);

  for (int b = 0; b < 2; b++)
    {
      GrLayerSpec h = conv_spec (b == 0 ? 3 : 2, 1, 1, 0, 1);

      h.inputs[0] = t;
      h.n_inputs = 1;
      cat.inputs[b] = add_ok (net, &h);
    }
  add_ok (net, &cat);
  g_assert_cmpint (gr_net_output_shape (net).c, ==, 5);
  grad_check_random (net, 21);
  gr_net_free (net);
}

static void
test_maxpool_grad (void)
{
  GrLayerSpec specs[] = {
    { .kind = GR_LAYER_MAXPOOL, .kernel = 2 },
    { .kind = GR_LAYER_MAXPOOL, .kernel = 3, .stride = 2, .pad = 1 },
  };

  check_layers ((GrShape) { 1, 2, 12, 10 }, 2, specs, 1, true, true, 11);
  check_layers ((GrShape) { 1, 2, 9, 8 }, 2, specs + 1, 1, true, true, 12);
}

static void
test_avgpool_grad (void)
{
  GrLayerSpec specs[] = {
    { .kind = GR_LAYER_AVGPOOL, .kernel = 2 },
    { .kind = GR_LAYER_AVGPOOL, .kernel = 3, .stride = 2, .pad = 1 },
  };

  check_layers ((GrShape) { 1, 2, 8, 6 }, 2, specs, 1, true, false, 13);
  check_layers ((GrShape) { 1, 2, 9, 8 }, 2, specs + 1, 1, true, false, 14);
}

static void
test_pool_values (void)
{
  /* 4x4 plane 0..15: 2x2 max is the bottom-right of each block, average its
   * mean; a padded 3x3 average counts the padding. */
  GrNet *net = gr_net_new ((GrShape) { 1, 1, 4, 4 });
  GrLayerSpec mp = { .kind = GR_LAYER_MAXPOOL, .kernel = 2, .inputs = { 0 }, .n_inputs = 1 };
  GrLayerSpec ap = { .kind = GR_LAYER_AVGPOOL, .kernel = 2, .inputs = { 0 }, .n_inputs = 1 };
  GrLayerSpec ap3 = { .kind = GR_LAYER_AVGPOOL, .kernel = 3, .stride = 1, .pad = 1,
                      .inputs = { 0 }, .n_inputs = 1 };
  GrLayerSpec cat = { .kind = GR_LAYER_CONCAT, .inputs = { 1, 2 }, .n_inputs = 2 };
  float x[16];
  const float *y;
  int i_ap3;

  for (int i = 0; i < 16; i++)
    x[i] = (float) i;
  add_ok (net, &mp);
  add_ok (net, &ap);
  add_ok (net, &cat);
  i_ap3 = add_ok (net, &ap3);
  g_assert_cmpint (gr_net_compile (net, 1), ==, GR_OK);
  g_assert_cmpint (gr_net_forward (net, x, 1, false, NULL), ==, GR_OK);
  y = gr_net_node_output (net, 3);
  g_assert_cmpfloat (y[0], ==, 5.0f);
  g_assert_cmpfloat (y[1], ==, 7.0f);
  g_assert_cmpfloat (y[2], ==, 13.0f);
  g_assert_cmpfloat (y[3], ==, 15.0f);
  g_assert_cmpfloat_with_epsilon (y[4], 2.5f, 1e-6f);
  g_assert_cmpfloat_with_epsilon (y[7], 12.5f, 1e-6f);
  y = gr_net_node_output (net, i_ap3);
  /* Corner: (0 + 1 + 4 + 5) / 9. */
  g_assert_cmpfloat_with_epsilon (y[0], 10.0f / 9.0f, 1e-6f);
  g_assert_cmpfloat_with_epsilon (y[5], 5.0f, 1e-6f);
  gr_net_free (net);
}

static void
test_gap_grad (void)
{
  GrLayerSpec specs[] = {
    conv_spec (3, 3, 1, 1, 1),
    kind_spec (GR_LAYER_GAP),
  };

  check_layers ((GrShape) { 1, 2, 5, 7 }, 3, specs, 2, true, false, 15);
}

static void
test_upsample_grad (void)
{
  GrLayerSpec s2 = { .kind = GR_LAYER_UPSAMPLE, .scale = 2 };
  GrLayerSpec s3 = { .kind = GR_LAYER_UPSAMPLE, .scale = 3 };

  check_layers ((GrShape) { 1, 2, 4, 5 }, 2, &s2, 1, true, false, 16);
  check_layers ((GrShape) { 1, 1, 3, 2 }, 2, &s3, 1, true, false, 17);
}

static void
test_upsample_values (void)
{
  /* F.interpolate (x, scale_factor = 2, mode = "bilinear",
   * align_corners = False) of [[1, 2], [3, 4]] in PyTorch. */
  static const float want[16] = {
    1.00f, 1.25f, 1.75f, 2.00f,
    1.50f, 1.75f, 2.25f, 2.50f,
    2.50f, 2.75f, 3.25f, 3.50f,
    3.00f, 3.25f, 3.75f, 4.00f,
  };
  GrNet *net = gr_net_new ((GrShape) { 1, 1, 2, 2 });
  GrLayerSpec up = { .kind = GR_LAYER_UPSAMPLE, .scale = 2 };
  float x[4] = { 1, 2, 3, 4 };

  add_ok (net, &up);
  g_assert_cmpint (gr_net_compile (net, 1), ==, GR_OK);
  g_assert_cmpint (gr_net_output_shape (net).h, ==, 4);
  g_assert_cmpint (gr_net_output_shape (net).w, ==, 4);
  g_assert_cmpint (gr_net_forward (net, x, 1, false, NULL), ==, GR_OK);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat_with_epsilon (gr_net_output (net)[i], want[i], 1e-6f);
  gr_net_free (net);
}

static void
test_spatial_dropout_grad (void)
{
  GrLayerSpec specs[] = {
    conv_spec (6, 3, 1, 1, 1),
    { .kind = GR_LAYER_SPATIAL_DROPOUT, .p = 0.5f },
  };

  /* The rng is reseeded before every forward, so the mask is fixed. */
  check_layers ((GrShape) { 1, 2, 5, 5 }, 3, specs, 2, true, false, 18);
}

static void
test_spatial_dropout_mask (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 40, 3, 4 });
  GrLayerSpec sd = { .kind = GR_LAYER_SPATIAL_DROPOUT, .p = 0.25f };
  size_t S = 40 * 12;
  int n = 8, dropped = 0;
  float *x = g_new (float, S * n);
  const float *y;
  GrRng rng;

  add_ok (net, &sd);
  g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
  gr_rng_seed (&rng, 3, 3);
  for (size_t i = 0; i < S * n; i++)
    x[i] = 1.0f + (float) (i % 7);
  g_assert_cmpint (gr_net_forward (net, x, n, true, &rng), ==, GR_OK);
  y = gr_net_output (net);
  for (int pl = 0; pl < 40 * n; pl++)
    {
      bool zero = y[pl * 12] == 0.0f;

      dropped += zero;
      for (int q = 0; q < 12; q++)
        g_assert_cmpfloat_with_epsilon (y[pl * 12 + q],
                                        zero ? 0.0f : x[pl * 12 + q] / 0.75f, 1e-5f);
    }
  /* 320 draws at p = 0.25: 80 expected, sd 7.7. */
  g_assert_cmpint (dropped, >, 50);
  g_assert_cmpint (dropped, <, 110);
  g_assert_cmpint (gr_net_forward (net, x, n, false, NULL), ==, GR_OK);
  g_assert_cmpmem (gr_net_output (net), S * n * sizeof (float), x, S * n * sizeof (float));
  g_free (x);
  gr_net_free (net);
}

static void
test_batchnorm_maps_grad (void)
{
  GrLayerSpec specs[] = {
    conv_spec (3, 3, 1, 1, 1),
    kind_spec (GR_LAYER_BATCHNORM),
  };

  /* Training mode: the batch statistics are part of the function. */
  check_layers ((GrShape) { 1, 2, 5, 6 }, 3, specs, 2, true, false, 19);
}

/* BN then ReLU on maps: BN's forward writes the ReLU's output and its
 * backward does the ReLU's backward too (one pass less each way). */
static void
test_batchnorm_relu_maps_grad (void)
{
  GrLayerSpec specs[] = {
    conv_spec (3, 3, 1, 1, 1),
    kind_spec (GR_LAYER_BATCHNORM),
    { .kind = GR_LAYER_ACT, .act = GR_ACT_RELU },
    conv_spec (2, 1, 1, 0, 1),
  };
  GrShape input = { 1, 2, 5, 6 };
  int n = 3;

  for (int train = 0; train < 2; train++)
    {
      GrNet *net = gr_net_new (input);
      GrRng rng;
      float x[3 * 2 * 5 * 6], r[3 * 2 * 5 * 6];
      GradCheck gc;

      for (size_t i = 0; i < G_N_ELEMENTS (specs); i++)
        add_ok (net, &specs[i]);
      g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
      gr_rng_seed (&rng, 23 + train, 1);
      gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
      fill_normal (gr_net_params (net), gr_net_n_params (net), 0.5f, &rng);
      fill_normal (x, G_N_ELEMENTS (x), 1.0f, &rng);
      fill_normal (r, G_N_ELEMENTS (r), 1.0f, &rng);
      /* A smaller step than check_layers (): with 90 BN outputs per
       * channel, a step of 1e-2 moves some across the ReLU's kink. */
      gc = (GradCheck) { net, x, n, train, 23, projection_loss, r };
      grad_check (&gc, 1e-3f, 2e-3, 1e-2);
      gr_net_free (net);
    }
}

/* A non-finite gradient is reported at the first layer it reaches, also
 * when BN did its ReLU's backward and never stored its own dy: input ->
 * BN -> ReLU -> 1 x 1 conv, one NaN in d loss / d output. BN's dy is its
 * ReLU's where the ReLU passed, so BN is named, not the ReLU; then, with
 * the NaN at a pixel the ReLU blocked in every channel, the ReLU. */
static void
test_batchnorm_relu_nonfinite_named (void)
{
  GrShape input = { 1, 2, 4, 4 };
  int n = 2;
  float x[2 * 2 * 4 * 4], dout[2 * 3 * 4 * 4];
  GrNet *net = gr_net_new (input);
  GrLayerSpec bn = kind_spec (GR_LAYER_BATCHNORM);
  GrLayerSpec relu = { .kind = GR_LAYER_ACT, .act = GR_ACT_RELU };
  GrLayerSpec head = conv_spec (3, 1, 1, 0, 1);
  GrRng rng;

  g_strlcpy (bn.name, "the-bn", sizeof bn.name);
  g_strlcpy (relu.name, "the-relu", sizeof relu.name);
  add_ok (net, &bn);
  add_ok (net, &relu);
  add_ok (net, &head);
  g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
  gr_rng_seed (&rng, 31, 1);
  gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
  fill_normal (x, G_N_ELEMENTS (x), 1.0f, &rng);
  /* Sample 1, pixel 5: channel 0 positive, channel 1 far negative (BN
   * keeps the order within a channel), so the ReLU passes one channel
   * there. Pixel 6 is the smallest of both channels: blocked in both. */
  for (int c = 0; c < 2; c++)
    {
      x[(1 * 2 + c) * 16 + 5] = c == 0 ? 5.0f : -5.0f;
      x[(1 * 2 + c) * 16 + 6] = -9.0f;
    }
  g_assert_cmpint (gr_net_forward (net, x, n, true, NULL), ==, GR_OK);
  fill_normal (dout, G_N_ELEMENTS (dout), 1.0f, &rng);
  dout[(1 * 3 + 2) * 16 + 5] = NAN;
  g_assert_cmpint (gr_net_backward (net, dout), ==, GR_ERR_NONFINITE);
  g_assert_nonnull (strstr (gr_net_error (net), "the-bn"));

  /* NaN at pixel 6 in every output channel: the head's dx, the ReLU's
   * output gradient, is NaN there, but the ReLU blocks it in both
   * channels: BN's gradient (the ReLU's, masked) is finite and the ReLU
   * is the first layer named. */
  g_assert_cmpint (gr_net_forward (net, x, n, true, NULL), ==, GR_OK);
  fill_normal (dout, G_N_ELEMENTS (dout), 1.0f, &rng);
  for (int c = 0; c < 3; c++)
    dout[(1 * 3 + c) * 16 + 6] = NAN;
  g_assert_cmpint (gr_net_backward (net, dout), ==, GR_ERR_NONFINITE);
  g_assert_nonnull (strstr (gr_net_error (net), "the-relu"));
  gr_net_free (net);
}

/* The activation probes of a ReLU after BN on maps whose planes are whole
 * probe chunks (32 x 32): BN's forward takes their sums while writing the
 * ReLU's output. They must match the probe's own definition, and a
 * channel BN pushes below zero must count as dead. */
static void
test_batchnorm_relu_probes (void)
{
  GrShape input = { 1, 2, 32, 32 };
  int n = 3, C = 4;
  size_t P = 32 * 32, total = (size_t) n * C * P;
  GrNet *net = gr_net_new (input);
  GrLayerSpec c1 = conv_spec (C, 3, 1, 1, 1);
  GrLayerSpec bn = kind_spec (GR_LAYER_BATCHNORM);
  GrLayerSpec act = { .kind = GR_LAYER_ACT, .act = GR_ACT_RELU };
  GrLayerSpec head = conv_spec (2, 1, 1, 0, 1);
  GrProbe probes[2] = { 0 };
  float *x = g_new (float, gr_shape_sample_size (input) * n);
  const float *y;
  double sum = 0.0, sum2 = 0.0, mean;
  int dead = 0;
  GrRng rng;

  add_ok (net, &c1);
  add_ok (net, &bn);
  add_ok (net, &act);
  add_ok (net, &head);
  g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
  gr_rng_seed (&rng, 41, 1);
  gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
  fill_normal (x, gr_shape_sample_size (input) * n, 1.0f, &rng);
  /* BN's beta of channel 1 (after conv W, conv b, gamma) far below zero. */
  gr_net_params (net)[C * 2 * 9 + C + C + 1] = -100.0f;
  for (int t = 1; t <= 2; t++)
    {
      gr_net_set_threads (net, t);
      g_assert_cmpint (gr_net_forward (net, x, n, true, &rng), ==, GR_OK);
      gr_net_probe_activations (net, probes);
      y = gr_net_node_output (net, 3);
      sum = sum2 = 0.0;
      dead = 0;
      for (size_t i = 0; i < total; i++)
        {
          sum += y[i];
          sum2 += (double) y[i] * y[i];
        }
      for (int c = 0; c < C; c++)
        {
          bool alive = false;

          for (int s = 0; s < n; s++)
            for (size_t q = 0; q < P; q++)
              alive |= y[((size_t) s * C + c) * P + q] > 0.0f;
          dead += !alive;
        }
      mean = sum / (double) total;
      g_assert_cmpint (dead, ==, 1);
      g_assert_cmpfloat_with_epsilon (probes[0].act_mean, mean, 1e-6);
      g_assert_cmpfloat_with_epsilon (probes[0].act_std,
                                      sqrt (sum2 / (double) total - mean * mean), 1e-5);
      g_assert_cmpfloat (probes[0].dead_frac, ==, 0.25f);
      g_assert_cmpfloat (probes[0].saturated_frac, ==, 0.0f);
    }
  /* After an eval forward the probe reads the output itself. */
  g_assert_cmpint (gr_net_forward (net, x, n, false, NULL), ==, GR_OK);
  gr_net_probe_activations (net, probes);
  g_assert_cmpfloat (probes[0].dead_frac, ==, 0.25f);
  g_free (x);
  gr_net_free (net);
}

/* input -> three parallel dilated 3x3 convs -> concat -> 1x1 conv. */
static GrNet *
aspp_net (GrShape input,
          int     branch,
          int     out)
{
  GrNet *net = gr_net_new (input);
  int dil[3] = { 1, 2, 4 };
  GrLayerSpec cat = { .kind = GR_LAYER_CONCAT, .n_inputs = 3 };
  GrLayerSpec head = conv_spec (out, 1, 1, 0, 1);

  for (int b = 0; b < 3; b++)
    {
      GrLayerSpec c = conv_spec (branch, 3, 1, dil[b], dil[b]);

      c.inputs[0] = 0;
      c.n_inputs = 1;
      cat.inputs[b] = add_ok (net, &c);
    }
  add_ok (net, &cat);
  add_ok (net, &head);
  return net;
}

static void
test_concat_aspp_grad (void)
{
  GrShape input = { 1, 2, 9, 8 };
  GrNet *net = aspp_net (input, 2, 3);

  g_assert_cmpint (gr_net_output_shape (net).c, ==, 3);
  g_assert_cmpint (gr_net_output_shape (net).h, ==, 9);
  grad_check_random (net, 20);
  gr_net_free (net);
}

/* Every per-pixel loss on a conv net's output, with class weights and
 * ignored pixels. */
static void
test_pixel_losses_grad (void)
{
  static const GrLossKind kinds[] = { GR_LOSS_CE, GR_LOSS_FOCAL, GR_LOSS_DICE, GR_LOSS_CE_DICE };
  GrShape input = { 1, 2, 6, 5 };
  int n = 2, C = 3;
  size_t P = 6 * 5;

  for (size_t k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      GrNet *net = gr_net_new (input);
      GrLayerSpec c1 = conv_spec (4, 3, 1, 1, 1);
      GrLayerSpec bn = kind_spec (GR_LAYER_BATCHNORM);
      GrLayerSpec act = { .kind = GR_LAYER_ACT, .act = GR_ACT_TANH };
      GrLayerSpec c2 = conv_spec (C, 3, 1, 2, 2);
      GrRng rng;
      float x[2 * 2 * 30];
      int32_t labels[2 * 30];
      PixelLoss pl = { 0 };
      GradCheck gc;

      add_ok (net, &c1);
      add_ok (net, &bn);
      add_ok (net, &act);
      add_ok (net, &c2);
      g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
      gr_rng_seed (&rng, 30 + k, 1);
      gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
      fill_normal (x, G_N_ELEMENTS (x), 1.0f, &rng);
      for (size_t i = 0; i < n * P; i++)
        labels[i] = (int32_t) gr_rng_below (&rng, C);
      labels[3] = 7;   /* ignored */
      labels[40] = 7;

      pl.cfg.kind = kinds[k];
      pl.cfg.n_classes = C;
      pl.cfg.use_weights = true;
      pl.cfg.class_weights[0] = 0.3f;
      pl.cfg.class_weights[1] = 2.0f;
      pl.cfg.class_weights[2] = 5.0f;
      pl.cfg.focal_gamma = 2.0f;
      pl.cfg.use_alpha = true;
      pl.cfg.focal_alpha[0] = 0.25f;
      pl.cfg.focal_alpha[1] = 0.5f;
      pl.cfg.focal_alpha[2] = 1.0f;
      pl.cfg.dice_mix = 0.5f;
      pl.cfg.ignore_label = 7;
      pl.labels = labels;
      pl.scratch = g_new (float, gr_loss_scratch_size ((GrShape) { n, C, 6, 5 }));

      gc = (GradCheck) { net, x, n, true, 1, pixel_loss, &pl };
      grad_check (&gc, 3e-3f, 5e-4, 2e-2);
      g_free (pl.scratch);
      gr_net_free (net);
    }
}

/* ---- threads -------------------------------------------------------------- */

static GrNet *
w3_like_net (GrShape input)
{
  GrNet *net = gr_net_new (input);
  int dil[3] = { 1, 2, 4 };

  for (int i = 0; i < 3; i++)
    {
      GrLayerSpec c = conv_spec (8, 3, 1, dil[i], dil[i]);
      GrLayerSpec bn = kind_spec (GR_LAYER_BATCHNORM);
      GrLayerSpec act = { .kind = GR_LAYER_ACT, .act = GR_ACT_RELU };

      add_ok (net, &c);
      add_ok (net, &bn);
      add_ok (net, &act);
    }
  {
    /* A strided conv (col2im path), pooling and upsampling back. */
    GrLayerSpec down = conv_spec (8, 3, 2, 1, 1);
    GrLayerSpec up = { .kind = GR_LAYER_UPSAMPLE, .scale = 2 };
    GrLayerSpec head = conv_spec (3, 1, 1, 0, 1);

    add_ok (net, &down);
    add_ok (net, &up);
    add_ok (net, &head);
  }
  return net;
}

/* What a forward and backward left: the output, the parameter gradients
 * and the input gradient, copied. */
typedef struct
{
  float  *out, *grads, *dx;
  size_t  n_out, n_params, n_in;
} RunCopy;

static RunCopy
run_copy (GrNet *net,
          int    n)
{
  RunCopy r;

  r.n_out = gr_shape_sample_size (gr_net_output_shape (net)) * n;
  r.n_params = gr_net_n_params (net);
  r.n_in = gr_shape_sample_size (gr_net_input_shape (net)) * n;
  r.out = g_memdup2 (gr_net_output (net), r.n_out * sizeof (float));
  r.grads = g_memdup2 (gr_net_grads (net), r.n_params * sizeof (float));
  r.dx = g_memdup2 (gr_net_input_grad (net), r.n_in * sizeof (float));
  return r;
}

/* A training forward of @x, a backward of a fixed random d loss / d out,
 * and the copy of what they left. */
static RunCopy
random_step_copy (GrNet       *net,
                  const float *x,
                  int          n)
{
  size_t out_total = gr_shape_sample_size (gr_net_output_shape (net)) * n;
  float *dout = g_new (float, out_total);
  RunCopy r;
  GrRng rng;

  gr_net_set_input_grad (net, true);
  g_assert_cmpint (gr_net_forward (net, x, n, true, NULL), ==, GR_OK);
  gr_rng_seed (&rng, 6, 1);
  fill_normal (dout, out_total, 1.0f, &rng);
  g_assert_cmpint (gr_net_backward (net, dout), ==, GR_OK);
  r = run_copy (net, n);
  g_free (dout);
  return r;
}

/* Asserts that two runs gave the same bits, not merely close ones, and
 * frees the copies. */
static void
assert_runs_identical (RunCopy r[2])
{
  g_assert_cmpmem (r[0].out, r[0].n_out * sizeof (float), r[1].out, r[1].n_out * sizeof (float));
  g_assert_cmpmem (r[0].grads, r[0].n_params * sizeof (float), r[1].grads,
                   r[1].n_params * sizeof (float));
  g_assert_cmpmem (r[0].dx, r[0].n_in * sizeof (float), r[1].dx, r[1].n_in * sizeof (float));
  for (int v = 0; v < 2; v++)
    {
      g_free (r[v].out);
      g_free (r[v].grads);
      g_free (r[v].dx);
    }
}

static void
test_conv_threads_identical (void)
{
  GrShape input = { 1, 2, 32, 28 };
  int n = 7;
  size_t in_total = gr_shape_sample_size (input) * n;
  float *x = g_new (float, in_total);
  RunCopy runs[2];
  GrRng rng;

  gr_rng_seed (&rng, 77, 1);
  fill_normal (x, in_total, 1.0f, &rng);
  for (int t = 0; t < 2; t++)
    {
      GrNet *net = w3_like_net (input);

      g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
      gr_rng_seed (&rng, 5, 1);
      gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
      gr_net_set_threads (net, t + 1);
      runs[t] = random_step_copy (net, x, n);
      gr_net_set_threads (net, 1);
      gr_net_free (net);
    }
  assert_runs_identical (runs);
  g_free (x);
}

/* Every conv GEMM sets OpenBLAS's thread count first: the net's count
 * where the call is too small to split, one inside the net's own
 * workers. Anything else in the process may change the count in between
 * (the benchmark's sgemm blocks did), so the engine must look at it, not
 * remember what it set last. This net's convs are all too small to split,
 * so after a step the count is the net's. */
static void
free_copy (RunCopy r)
{
  g_free (r.out);
  g_free (r.grads);
  g_free (r.dx);
}

static void
test_conv_blas_count_followed (void)
{
  GrShape input = { 1, 2, 32, 28 };
  int n = 7;
  size_t in_total = gr_shape_sample_size (input) * n;
  float *x = g_new (float, in_total);
  GrNet *net = w3_like_net (input);
  GrRng rng;

  openblas_set_num_threads (2);
  if (openblas_get_num_threads () != 2)
    {
      g_test_skip ("this OpenBLAS runs one thread only");
      g_free (x);
      gr_net_free (net);
      return;
    }
  gr_rng_seed (&rng, 77, 1);
  fill_normal (x, in_total, 1.0f, &rng);
  g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
  gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
  for (int t = 1; t <= 2; t++)
    {
      gr_net_set_threads (net, t);
      free_copy (random_step_copy (net, x, n));
      g_assert_cmpint (openblas_get_num_threads (), ==, t);
      /* Someone else sets the other count; the next step sets it back. */
      openblas_set_num_threads (3 - t);
      free_copy (random_step_copy (net, x, n));
      g_assert_cmpint (openblas_get_num_threads (), ==, t);
    }
  gr_net_set_threads (net, 1);
  gr_net_free (net);
  g_free (x);
}

/* The batch-norm and loss loops run as an AVX2 copy where the CPU has it
 * and as a baseline copy elsewhere: both must give the same bits, in
 * training and in eval mode, with the ReLU fused into BN and without
 * (the last BN feeds an Add, not a ReLU), for every segmentation loss. */
static void
test_avx2_identical (void)
{
  GrShape input = { 1, 2, 24, 20 };
  int n = 5, C = 3;
  size_t in_total = gr_shape_sample_size (input) * n;
  float *x = g_new (float, in_total);
  int32_t *labels = g_new (int32_t, (size_t) n * 24 * 20);
  static const GrLossKind kinds[] = { GR_LOSS_CE, GR_LOSS_FOCAL, GR_LOSS_DICE,
                                      GR_LOSS_CE_DICE };
  GrRng rng;

  if (!gr_cpu_has_avx2 ())
    {
      g_test_skip ("this CPU has no AVX2: only the baseline copies run");
      g_free (x);
      g_free (labels);
      return;
    }
  gr_rng_seed (&rng, 91, 1);
  fill_normal (x, in_total, 1.0f, &rng);
  for (size_t i = 0; i < (size_t) n * 24 * 20; i++)
    labels[i] = (int32_t) gr_rng_below (&rng, (uint32_t) C);
  for (int mode = 0; mode < 2; mode++)
    for (size_t li = 0; li < G_N_ELEMENTS (kinds); li++)
      {
        RunCopy runs[2];
        float loss[2];

        for (int v = 0; v < 2; v++)
          {
            GrNet *net = w3_like_net (input);
            GrLayerSpec bn = kind_spec (GR_LAYER_BATCHNORM);
            GrLayerSpec add = { .kind = GR_LAYER_ADD, .n_inputs = 2 };
            GrLossConfig cfg = { .kind = kinds[li], .ignore_label = -1, .use_weights = true,
                                 .class_weights = { 0.5f, 2.0f, 4.0f }, .focal_gamma = 2.0f,
                                 .dice_mix = 0.5f };
            size_t out_total;
            float *scratch, *dout;
            int last;

            /* A BN whose consumer is no ReLU: the unfused backward. */
            last = add_ok (net, &bn);
            add.inputs[0] = last;
            add.inputs[1] = last - 1;
            add_ok (net, &add);
            gr_cpu_allow_avx2 (v == 0);
            g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
            gr_rng_seed (&rng, 5, 1);
            gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
            gr_net_set_input_grad (net, true);
            out_total = gr_shape_sample_size (gr_net_output_shape (net)) * n;
            g_assert_cmpint (gr_net_forward (net, x, n, true, NULL), ==, GR_OK);
            if (mode == 1)
              g_assert_cmpint (gr_net_forward (net, x, n, false, NULL), ==, GR_OK);
            scratch = g_new (float, gr_loss_scratch_size ((GrShape) { n, C, 24, 20 }));
            dout = g_new (float, out_total);
            g_assert_cmpint (gr_loss_compute (&cfg, gr_net_output (net),
                                              (GrShape) { n, C, 24, 20 },
                                              (GrTarget) { .labels = labels }, dout, &loss[v],
                                              scratch), ==, GR_OK);
            g_assert_cmpint (gr_net_backward (net, dout), ==, GR_OK);
            runs[v] = run_copy (net, n);
            g_free (scratch);
            g_free (dout);
            gr_net_free (net);
          }
        gr_cpu_allow_avx2 (true);
        g_assert_cmpmem (&loss[0], sizeof (float), &loss[1], sizeof (float));
        assert_runs_identical (runs);
      }
  g_free (x);
  g_free (labels);
}

/* The same for the activation layers (their loops also run as an AVX2
 * copy): a dense net with every activation kind, forward and backward. */
static void
test_avx2_acts_identical (void)
{
  static const GrActKind acts[] = { GR_ACT_SIGMOID, GR_ACT_TANH, GR_ACT_RELU,
                                    GR_ACT_LEAKY_RELU, GR_ACT_ELU, GR_ACT_GELU };
  GrShape input = { 37, 1, 1, 1 };
  int n = 13;
  size_t in_total = 37 * (size_t) n;
  float *x = g_new (float, in_total);
  GrRng rng;

  if (!gr_cpu_has_avx2 ())
    {
      g_test_skip ("this CPU has no AVX2: only the baseline copies run");
      g_free (x);
      return;
    }
  gr_rng_seed (&rng, 17, 1);
  fill_normal (x, in_total, 2.0f, &rng);
  {
    RunCopy runs[2];

    for (int v = 0; v < 2; v++)
      {
        GrNet *net = gr_net_new (input);

        for (size_t i = 0; i < G_N_ELEMENTS (acts); i++)
          {
            GrLayerSpec d = { .kind = GR_LAYER_DENSE, .units = 29 };
            GrLayerSpec a = { .kind = GR_LAYER_ACT, .act = acts[i], .slope = 0.1f };

            add_ok (net, &d);
            add_ok (net, &a);
          }
        gr_cpu_allow_avx2 (v == 0);
        g_assert_cmpint (gr_net_compile (net, n), ==, GR_OK);
        gr_rng_seed (&rng, 5, 1);
        gr_net_init_params (net, GR_INIT_XAVIER, 0.0f, &rng);
        runs[v] = random_step_copy (net, x, n);
        gr_net_free (net);
      }
    gr_cpu_allow_avx2 (true);
    assert_runs_identical (runs);
  }
  g_free (x);
}

/* ---- shapes, errors, FLOPs, init ------------------------------------------- */

static void
test_conv_shape_errors (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 3, 8, 8 });
  GrLayerSpec big = conv_spec (4, 9, 1, 0, 1);
  GrLayerSpec dil = conv_spec (4, 3, 1, 1, 5);   /* field 11 > 8 + 2 */
  GrLayerSpec nounits = conv_spec (0, 3, 1, 1, 1);
  GrLayerSpec negpad = conv_spec (4, 3, 1, -1, 1);
  GrLayerSpec pool = { .kind = GR_LAYER_MAXPOOL, .kernel = 2, .pad = 2 };
  GrLayerSpec up = { .kind = GR_LAYER_UPSAMPLE, .scale = 0 };
  GrLayerSpec sd = { .kind = GR_LAYER_SPATIAL_DROPOUT, .p = 1.0f };
  GrLayerSpec ok = conv_spec (4, 3, 1, 1, 1);

  g_assert_cmpint (gr_net_add (net, &big), ==, GR_ERR_SHAPE);
  g_assert_nonnull (strstr (gr_net_error (net), "does not fit"));
  g_assert_cmpint (gr_net_add (net, &dil), ==, GR_ERR_SHAPE);
  g_assert_cmpint (gr_net_add (net, &nounits), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_net_add (net, &negpad), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_net_add (net, &pool), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_net_add (net, &up), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_net_add (net, &sd), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_net_add (net, &ok), ==, 1);
  g_assert_cmpint (gr_net_compile (net, 2), ==, GR_OK);
  gr_net_free (net);
}

static void
test_conv_flops_params (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 16, 64, 64 });
  GrLayerSpec c = conv_spec (16, 3, 1, 2, 2);
  GrLayerSpec nb = conv_spec (3, 1, 1, 0, 1);
  GrLayerSpec s2 = conv_spec (8, 3, 2, 1, 1);

  nb.no_bias = true;
  add_ok (net, &c);
  add_ok (net, &nb);
  add_ok (net, &s2);
  g_assert_cmpuint (gr_net_node_n_params (net, 1), ==, 16 * 16 * 9 + 16);
  g_assert_cmpfloat (gr_net_node_flops (net, 1), ==, 2.0 * 16 * 144 * 4096 + 16 * 4096);
  g_assert_cmpuint (gr_net_node_n_params (net, 2), ==, 3 * 16);
  g_assert_cmpfloat (gr_net_node_flops (net, 2), ==, 2.0 * 3 * 16 * 4096);
  g_assert_cmpint (gr_net_node_shape (net, 3).h, ==, 32);
  g_assert_cmpfloat (gr_net_node_flops (net, 3), ==, 2.0 * 8 * 27 * 1024 + 8 * 1024);
  gr_net_free (net);
}

static void
test_conv_init (void)
{
  GrNet *net = gr_net_new ((GrShape) { 1, 32, 8, 8 });
  GrLayerSpec c = conv_spec (64, 3, 1, 1, 1);
  const uint8_t *mask;
  double sum2 = 0.0;
  size_t nw = 64 * 32 * 9;
  GrRng rng;

  add_ok (net, &c);
  g_assert_cmpint (gr_net_compile (net, 1), ==, GR_OK);
  gr_rng_seed (&rng, 1, 1);
  gr_net_init_params (net, GR_INIT_HE, 0.0f, &rng);
  for (size_t i = 0; i < nw; i++)
    sum2 += (double) gr_net_params (net)[i] * gr_net_params (net)[i];
  /* He: variance 2 / fan_in, fan_in = 32 * 9. */
  g_assert_cmpfloat (fabs (sum2 / nw - 2.0 / 288.0), <, 0.1 * 2.0 / 288.0);
  for (size_t i = nw; i < nw + 64; i++)
    g_assert_cmpfloat (gr_net_params (net)[i], ==, 0.0f);
  mask = gr_net_decay_mask (net);
  g_assert_cmpint (mask[0], ==, 1);
  g_assert_cmpint (mask[nw - 1], ==, 1);
  g_assert_cmpint (mask[nw], ==, 0);
  g_assert_cmpint (gr_net_n_weighted (net), ==, 1);
  gr_net_free (net);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/conv2d/naive/random", test_conv_naive_random);
  g_test_add_func ("/engine/conv2d/naive/fixed", test_conv_naive_fixed);
  g_test_add_func ("/engine/conv2d/grad/basic", test_conv_grad_basic);
  g_test_add_func ("/engine/conv2d/grad/strided", test_conv_grad_strided);
  g_test_add_func ("/engine/conv2d/grad/dilated", test_conv_grad_dilated);
  g_test_add_func ("/engine/conv2d/grad/dilated-strided", test_conv_grad_dilated_strided);
  g_test_add_func ("/engine/conv2d/grad/1x1", test_conv_grad_1x1);
  g_test_add_func ("/engine/conv2d/grad/no-bias", test_conv_grad_no_bias);
  g_test_add_func ("/engine/conv2d/grad/shifted", test_conv_grad_shifted);
  g_test_add_func ("/engine/conv2d/grad/stack", test_conv_grad_stack);
  g_test_add_func ("/engine/conv2d/threads/identical", test_conv_threads_identical);
  g_test_add_func ("/engine/conv2d/avx2/identical", test_avx2_identical);
  g_test_add_func ("/engine/act/avx2/identical", test_avx2_acts_identical);
  g_test_add_func ("/engine/conv2d/shape-errors", test_conv_shape_errors);
  g_test_add_func ("/engine/conv2d/flops-params", test_conv_flops_params);
  g_test_add_func ("/engine/conv2d/init", test_conv_init);
  g_test_add_func ("/engine/maxpool/grad", test_maxpool_grad);
  g_test_add_func ("/engine/avgpool/grad", test_avgpool_grad);
  g_test_add_func ("/engine/pool/values", test_pool_values);
  g_test_add_func ("/engine/gap/grad", test_gap_grad);
  g_test_add_func ("/engine/upsample/grad", test_upsample_grad);
  g_test_add_func ("/engine/upsample/values", test_upsample_values);
  g_test_add_func ("/engine/spatial-dropout/grad", test_spatial_dropout_grad);
  g_test_add_func ("/engine/spatial-dropout/mask", test_spatial_dropout_mask);
  g_test_add_func ("/engine/batchnorm/maps/grad", test_batchnorm_maps_grad);
  g_test_add_func ("/engine/batchnorm/maps/relu-grad", test_batchnorm_relu_maps_grad);
  g_test_add_func ("/engine/batchnorm/maps/relu-probes", test_batchnorm_relu_probes);
  g_test_add_func ("/engine/batchnorm/maps/relu-nonfinite", test_batchnorm_relu_nonfinite_named);
  g_test_add_func ("/engine/concat/aspp/grad", test_concat_aspp_grad);
  g_test_add_func ("/engine/loss/per-pixel/grad", test_pixel_losses_grad);
  g_test_add_func ("/engine/conv2d/grad/1x1-fan-out", test_conv_grad_fan_out);
  g_test_add_func ("/engine/conv2d/threads/blas-count", test_conv_blas_count_followed);

  return g_test_run ();
}
