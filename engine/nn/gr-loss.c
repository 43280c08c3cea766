/* Losses over (N, C, H, W) outputs. Every (sample, pixel) position is one
 * prediction; vectors are the H = W = 1 case, so classifiers and
 * segmenters share one code path. */

#include "gr-loss.h"
#include "gr-net-private.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const loss_names[GR_N_LOSSES] = {
  [GR_LOSS_MSE] = "mse",
  [GR_LOSS_CE] = "ce",
  [GR_LOSS_BCE] = "bce",
  [GR_LOSS_FOCAL] = "focal",
  [GR_LOSS_DICE] = "dice",
  [GR_LOSS_CE_DICE] = "ce_dice",
};

static const char *const weighting_names[GR_N_WEIGHTINGS] = {
  [GR_WEIGHTING_NONE] = "none",
  [GR_WEIGHTING_INVERSE] = "inverse",
  [GR_WEIGHTING_MEDIAN] = "median",
  [GR_WEIGHTING_CUSTOM] = "custom",
};

const char *
gr_loss_name (GrLossKind kind)
{
  return (unsigned) kind < GR_N_LOSSES ? loss_names[kind] : "?";
}

int
gr_loss_parse (const char *name)
{
  for (int i = 0; name && i < GR_N_LOSSES; i++)
    if (strcmp (loss_names[i], name) == 0)
      return i;
  return -1;
}

const char *
gr_weighting_name (GrWeighting w)
{
  return (unsigned) w < GR_N_WEIGHTINGS ? weighting_names[w] : "?";
}

int
gr_weighting_parse (const char *name)
{
  for (int i = 0; name && i < GR_N_WEIGHTINGS; i++)
    if (strcmp (weighting_names[i], name) == 0)
      return i;
  return -1;
}

size_t
gr_loss_scratch_size (GrShape shape)
{
  return (size_t) shape.n * shape.c * shape.h * shape.w;
}

static int
cmp_float (const void *a,
           const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

void
gr_loss_weights_from_freq (GrLossConfig *cfg,
                           GrWeighting   w,
                           const float  *freq,
                           int           n_classes)
{
  float present[GR_MAX_CLASSES];
  int n_present = 0;
  float median = 0.0f, sum = 0.0f;

  if (n_classes > GR_MAX_CLASSES)
    n_classes = GR_MAX_CLASSES;
  if (w == GR_WEIGHTING_NONE || w == GR_WEIGHTING_CUSTOM)
    return;
  for (int c = 0; c < n_classes; c++)
    if (freq[c] > 0.0f)
      present[n_present++] = freq[c];
  if (n_present == 0)
    return;
  qsort (present, n_present, sizeof (float), cmp_float);
  median = n_present % 2 ? present[n_present / 2]
                         : 0.5f * (present[n_present / 2 - 1] + present[n_present / 2]);
  for (int c = 0; c < n_classes; c++)
    {
      float v = 0.0f;

      if (freq[c] > 0.0f)
        v = w == GR_WEIGHTING_MEDIAN ? median / freq[c] : 1.0f / freq[c];
      cfg->class_weights[c] = v;
      sum += v;
    }
  /* Inverse frequencies are normalised to mean 1 over the present classes
   * so the loss keeps its scale; median weighting is normalised by
   * construction (the median class has weight 1). */
  if (w == GR_WEIGHTING_INVERSE && sum > 0.0f)
    for (int c = 0; c < n_classes; c++)
      cfg->class_weights[c] *= (float) n_present / sum;
  cfg->use_weights = true;
}

/* Positions per block of the loss loops: the per-position temporaries
 * (max, sum, weight) stay in L1 while the loops run over classes outside
 * and contiguous positions inside. Channel planes are P apart, so a
 * position-at-a-time loop strides through memory and calls expf () and
 * log () per element (W3: 2.5 ms of loss per step). The loops below take
 * restrict pointers and blocks of 8 with a fixed inner count, the shape
 * GCC vectorises (see the activations in gr-layers-basic.c). */
#define LOSS_BLOCK 256
#define LANES 8

/* mx = max (mx, z) over @len positions. */
static void
max_into (const float *restrict z,
          float       *restrict mx,
          size_t                len)
{
  size_t q = 0;

  for (; q + LANES <= len; q += LANES)
    for (int u = 0; u < LANES; u++)
      mx[q + u] = z[q + u] > mx[q + u] ? z[q + u] : mx[q + u];
  for (; q < len; q++)
    mx[q] = z[q] > mx[q] ? z[q] : mx[q];
}

/* e = exp (z - mx), sum += e over @len positions. */
static void
exp_into (const float *restrict z,
          const float *restrict mx,
          float       *restrict e,
          float       *restrict sum,
          size_t                len)
{
  size_t q = 0;

  for (; q + LANES <= len; q += LANES)
    for (int u = 0; u < LANES; u++)
      {
        float v = gr_exp_vec (z[q + u] - mx[q + u]);

        e[q + u] = v;
        sum[q + u] += v;
      }
  for (; q < len; q++)
    {
      e[q] = gr_exp_vec (z[q] - mx[q]);
      sum[q] += e[q];
    }
}

static void
div_by (float       *restrict v,
        const float *restrict den,
        size_t                len)
{
  size_t q = 0;

  for (; q + LANES <= len; q += LANES)
    for (int u = 0; u < LANES; u++)
      v[q + u] /= den[q + u];
  for (; q < len; q++)
    v[q] /= den[q];
}

/* Softmax over C at every position of samples [s0, s1) of @out into @p. */
static void
softmax_samples (const float *out,
                 GrShape      shape,
                 float       *p,
                 int          s0,
                 int          s1)
{
  int C = shape.c;
  size_t P = (size_t) shape.h * shape.w, S = (size_t) C * P;

  for (int s = s0; s < s1; s++)
    for (size_t q0 = 0; q0 < P; q0 += LOSS_BLOCK)
      {
        const float *z = out + s * S + q0;
        float *ps = p + s * S + q0;
        size_t len = P - q0 < LOSS_BLOCK ? P - q0 : LOSS_BLOCK;
        float mx[LOSS_BLOCK], sum[LOSS_BLOCK];

        memcpy (mx, z, sizeof (float) * len);
        memset (sum, 0, sizeof (float) * len);
        for (int c = 1; c < C; c++)
          max_into (z + c * P, mx, len);
        for (int c = 0; c < C; c++)
          exp_into (z + c * P, mx, ps + c * P, sum, len);
        for (int c = 0; c < C; c++)
          div_by (ps + c * P, sum, len);
      }
}

/* Checks the labels and counts the positions not ignored; *@wsum gets
 * their total class weight (1 each without weights), which CE divides by.
 * The positions are tallied per class (four interleaved tallies, so that a
 * run of one class does not wait on its own increments), then weighted
 * class by class: this pass runs on one thread before the shared ones,
 * and a double addition per position kept W3's 65536 labels waiting on
 * each other (0.2-0.3 ms a step). Each count times its weight is exact in
 * a double, and so is their sum, and so was the position-by-position sum
 * this replaced, whenever N w_max / w_min < 2^29 for N positions (W3:
 * weights within a factor of 8192), so the result is the same bit for bit
 * there; with weights further apart it may differ in the last bit. */
static GrStatus
check_labels (const GrLossConfig *cfg,
              GrShape             shape,
              const int32_t      *labels,
              int64_t            *counted,
              double             *wsum)
{
  size_t total = (size_t) shape.n * shape.h * shape.w;
  int limit = shape.c == 1 ? 2 : shape.c;
  int32_t ignore = cfg->ignore_label;
  int64_t tally[4][GR_MAX_CLASSES];

  memset (tally, 0, sizeof tally);
  *counted = 0;
  *wsum = 0.0;
  for (size_t i = 0; i < total; i++)
    {
      int32_t y = labels[i];

      if (ignore >= 0 && y == ignore)
        continue;
      if ((uint32_t) y >= (uint32_t) limit)
        return GR_ERR_ARG;
      tally[i & 3][y]++;
    }
  for (int c = 0; c < limit; c++)
    {
      int64_t k = tally[0][c] + tally[1][c] + tally[2][c] + tally[3][c];

      *counted += k;
      *wsum += (double) k * (cfg->use_weights ? cfg->class_weights[c] : 1.0f);
    }
  return GR_OK;
}

/* max (v, 1e-30f), NaN giving 1e-30f as with fmaxf (), by integer
 * compares of the bits (positive floats order as their bits do): a float
 * compare-and-select keeps the loop scalar under -ftrapping-math. */
static inline float
clamp_tiny (float v)
{
  const int32_t tiny = 0x0da24260;              /* 1e-30f */
  int32_t b, keep;

  memcpy (&b, &v, sizeof b);
  /* Masks, not selects: SSE2 has no integer max. Negatives, zero and
   * NaN are replaced. */
  keep = -(int32_t) (b > tiny) & -(int32_t) (b <= 0x7f800000);
  b = (b & keep) | (tiny & ~keep);
  memcpy (&v, &b, sizeof v);
  return v;
}

/* Sum of w log (max (py, 1e-30)) over @len <= LOSS_BLOCK positions: the
 * logs element-wise (that loop vectorises), then their weighted sum in
 * LANES float partial sums. */
static float
weighted_log_sum (const float *restrict w,
                  const float *restrict py,
                  size_t                len)
{
  float t[LOSS_BLOCK], acc[LANES] = { 0 }, sum = 0.0f;
  size_t q = 0;

  for (size_t i = 0; i < len; i++)
    t[i] = gr_log_vec (clamp_tiny (py[i]));
  for (; q + LANES <= len; q += LANES)
    for (int u = 0; u < LANES; u++)
      acc[u] += w[q + u] * t[q + u];
  for (; q < len; q++)
    sum += w[q] * t[q];
  for (int u = 0; u < LANES; u++)
    sum += acc[u];
  return sum;
}

/* 1.0f where @label is @c, else 0.0f, made from an integer mask: a
 * compare-and-select of mixed int and float keeps the loop below scalar. */
static inline float
one_hot (int32_t label,
         int     c)
{
  int32_t bits = -(int32_t) (label == c) & 0x3f800000;
  float v;

  memcpy (&v, &bits, sizeof v);
  return v;
}

/* d += k (p - [label == c]) over @len positions of class plane @c. */
static void
ce_grad_plane (const float   *restrict p,
               const int32_t *restrict lab,
               const float   *restrict k,
               float         *restrict d,
               size_t                  len,
               int                     c)
{
  size_t q = 0;

  for (; q + LANES <= len; q += LANES)
    for (int u = 0; u < LANES; u++)
      d[q + u] += k[q + u] * (p[q + u] - one_hot (lab[q + u], c));
  for (; q < len; q++)
    d[q] += k[q] * (p[q] - one_hot (lab[q], c));
}

/* Sample @s of the (weighted) CE of the softmax @p: adds its gradient,
 * k (p - onehot) with k = w inv, into @dout and returns its sum of
 * -w log p. Block by block: the weight of each position (0 where
 * ignored) and its p of the label, then the loss terms, then the
 * gradient one class plane at a time. */
static double
ce_sample (const GrLossConfig *cfg,
           GrShape             shape,
           const float        *p,
           const int32_t      *labels,
           int                 s,
           float               inv,
           float              *dout)
{
  int C = shape.c;
  size_t P = (size_t) shape.h * shape.w, S = (size_t) C * P;
  double l = 0.0;

  for (size_t q0 = 0; q0 < P; q0 += LOSS_BLOCK)
    {
      const int32_t *lab = labels + s * P + q0;
      const float *ps = p + s * S + q0;
      size_t len = P - q0 < LOSS_BLOCK ? P - q0 : LOSS_BLOCK;
      float w[LOSS_BLOCK], py[LOSS_BLOCK], k[LOSS_BLOCK];

      for (size_t q = 0; q < len; q++)
        {
          int32_t y = lab[q];
          bool ignored = cfg->ignore_label >= 0 && y == cfg->ignore_label;

          w[q] = ignored ? 0.0f : cfg->use_weights ? cfg->class_weights[y] : 1.0f;
          py[q] = ignored ? 1.0f : ps[y * P + q];
          k[q] = w[q] * inv;
        }
      l -= weighted_log_sum (w, py, len);
      for (int c = 0; c < C; c++)
        ce_grad_plane (ps + c * P, lab, k, dout + s * S + q0 + c * P, len, c);
    }
  return l;
}

/* Adds scale * (weighted) CE of the softmax @p into *loss and its
 * gradient into @dout; @wsum is the labels' total weight (check_labels
 * ()). The per-sample sums are added in sample order, as the parallel CE
 * below does. */
static void
ce_part (const GrLossConfig *cfg,
         GrShape             shape,
         const float        *p,
         const int32_t      *labels,
         double              wsum,
         float               scale,
         float              *dout,
         double             *loss)
{
  double l = 0.0;
  float inv;

  if (wsum <= 0.0)
    return;
  inv = scale / (float) wsum;
  for (int s = 0; s < shape.n; s++)
    l += ce_sample (cfg, shape, p, labels, s, inv, dout);
  *loss += scale * l / wsum;
}

/* CE's per-sample passes, for gr_net_parallel (): the softmax of each
 * sample, then (with @ce) its dout zeroed and its CE gradient and sum,
 * kept per sample so they add up in sample order on any split. */
typedef struct
{
  const GrLossConfig *cfg;
  GrShape             shape;
  const float        *out;
  float              *p;
  const int32_t      *labels;
  float              *dout;
  float               inv;
  double             *part;
  bool                ce;
} LossJob;

GR_INLINE_HOT void
loss_samples_body (void   *data,
                   size_t  lo,
                   size_t  hi)
{
  LossJob *job = data;
  size_t S = (size_t) job->shape.c * job->shape.h * job->shape.w;

  softmax_samples (job->out, job->shape, job->p, (int) lo, (int) hi);
  if (!job->ce)
    return;
  memset (job->dout + lo * S, 0, sizeof (float) * S * (hi - lo));
  for (size_t s = lo; s < hi; s++)
    job->part[s] = ce_sample (job->cfg, job->shape, job->p, job->labels, (int) s, job->inv,
                              job->dout);
}

GR_RANGE_VARIANTS (loss_samples)

/* Per-sample sums kept on the stack; larger batches compute them after
 * the shared softmax, on this thread, and add them in the same order. */
#define LOSS_MAX_PARTS 256

/* Softmax into @p, then, for CE (@ce), its loss and gradient as ce_part
 * () with scale 1 computes them (@wsum as there), samples shared among
 * @net's threads (@net may be NULL: this thread alone). Without @ce
 * @dout must be zeroed already. */
static void
softmax_ce (const GrNet        *net,
            const GrLossConfig *cfg,
            GrShape             shape,
            const float        *out,
            float              *p,
            const int32_t      *labels,
            double              wsum,
            float              *dout,
            bool                ce,
            double             *loss)
{
  size_t P = (size_t) shape.h * shape.w, S = (size_t) shape.c * P;
  size_t total = S * (size_t) shape.n;
  double part[LOSS_MAX_PARTS], l = 0.0;
  float inv = ce && wsum > 0.0 ? 1.0f / (float) wsum : 0.0f;
  LossJob job = { cfg, shape, out, p, labels, dout, inv, part,
                  ce && wsum > 0.0 && shape.n <= LOSS_MAX_PARTS };
  /* Reads the logits, writes p, reads it back and writes dout. */
  double bytes = 4.0 * (4.0 * (double) total + (double) P * shape.n);

  if (ce && !job.ce)
    memset (dout, 0, sizeof (float) * total);
  if (net != NULL)
    gr_net_parallel (net, (size_t) shape.n, bytes, loss_samples_best (), &job);
  else
    loss_samples_best () (&job, 0, (size_t) shape.n);
  if (!ce || wsum <= 0.0)
    return;
  for (int s = 0; s < shape.n; s++)
    l += job.ce ? part[s] : ce_sample (cfg, shape, p, labels, s, inv, dout);
  *loss += l / wsum;
}

static void
focal_part (const GrLossConfig *cfg,
            GrShape             shape,
            const float        *p,
            const int32_t      *labels,
            int64_t             counted,
            float              *dout,
            double             *loss)
{
  int C = shape.c;
  size_t P = (size_t) shape.h * shape.w, S = (size_t) C * P;
  float g = cfg->focal_gamma;
  double l = 0.0;

  for (int s = 0; s < shape.n; s++)
    for (size_t q = 0; q < P; q++)
      {
        int32_t y = labels[s * P + q];
        const float *ps = p + s * S + q;
        float *d = dout + s * S + q;
        float pt, one_m, a, logpt, coef;

        if (cfg->ignore_label >= 0 && y == cfg->ignore_label)
          continue;
        pt = fmaxf (ps[y * P], 1e-30f);
        one_m = fmaxf (1.0f - pt, 0.0f);
        a = cfg->use_alpha ? cfg->focal_alpha[y] : 1.0f;
        logpt = logf (pt);
        l -= a * powf (one_m, g) * logpt;
        /* d FL / d z_c = a [g (1-pt)^(g-1) pt log pt - (1-pt)^g] (1[c=y] - p_c);
         * the first term vanishes as pt -> 1 even for g < 1. */
        coef = -powf (one_m, g);
        if (g != 0.0f && one_m > 1e-12f)
          coef += g * powf (one_m, g - 1.0f) * pt * logpt;
        coef *= a / (float) counted;
        for (int c = 0; c < C; c++)
          d[c * P] += coef * ((c == y ? 1.0f : 0.0f) - ps[c * P]);
      }
  *loss += l / (double) counted;
}

static void
dice_part (const GrLossConfig *cfg,
           GrShape             shape,
           const float        *p,
           const int32_t      *labels,
           float               scale,
           float              *dout,
           double             *loss)
{
  int C = shape.c;
  size_t P = (size_t) shape.h * shape.w, S = (size_t) C * P;
  double inter[GR_MAX_CLASSES] = { 0 }, sum[GR_MAX_CLASSES] = { 0 };
  float gcoef_t[GR_MAX_CLASSES], gcoef[GR_MAX_CLASSES];
  float smooth = cfg->dice_smooth > 0.0f ? cfg->dice_smooth : 1.0f;
  double dice = 0.0;

  for (int s = 0; s < shape.n; s++)
    for (size_t q = 0; q < P; q++)
      {
        int32_t y = labels[s * P + q];
        const float *ps = p + s * S + q;

        if (cfg->ignore_label >= 0 && y == cfg->ignore_label)
          continue;
        for (int c = 0; c < C; c++)
          sum[c] += ps[c * P];
        inter[y] += ps[y * P];
        sum[y] += 1.0;
      }
  for (int c = 0; c < C; c++)
    {
      double den = sum[c] + smooth, num = 2.0 * inter[c] + smooth;

      dice += num / den;
      /* dL/dp_c = -(1/C) (2 t (S + s) - (2 I + s)) / (S + s)^2 */
      gcoef_t[c] = (float) (-scale / C * 2.0 / den);
      gcoef[c] = (float) (scale / C * num / (den * den));
    }
  *loss += scale * (1.0 - dice / C);

  for (int s = 0; s < shape.n; s++)
    for (size_t q = 0; q < P; q++)
      {
        int32_t y = labels[s * P + q];
        const float *ps = p + s * S + q;
        float *d = dout + s * S + q;
        float gp[GR_MAX_CLASSES], dot = 0.0f;

        if (cfg->ignore_label >= 0 && y == cfg->ignore_label)
          continue;
        for (int c = 0; c < C; c++)
          {
            gp[c] = gcoef[c] + (c == y ? gcoef_t[c] : 0.0f);
            dot += gp[c] * ps[c * P];
          }
        for (int c = 0; c < C; c++)
          d[c * P] += ps[c * P] * (gp[c] - dot);
      }
}

static inline GrStatus
loss_compute (const GrNet        *net,
              const GrLossConfig *cfg,
              const float        *out,
              GrShape             shape,
              GrTarget            target,
              float              *dout,
              float              *loss_out,
              float              *scratch)
{
  size_t total = (size_t) shape.n * shape.c * shape.h * shape.w;
  size_t P = (size_t) shape.h * shape.w, S = (size_t) shape.c * P;
  int64_t counted = 0;
  double loss = 0.0, wsum = 0.0;
  GrStatus st;

  /* Plain CE on labels zeroes dout sample by sample with its other
   * passes (softmax_ce ()); every other way out zeroes it here. */
  bool ce = cfg->kind == GR_LOSS_CE && target.labels != NULL && target.values == NULL
            && shape.c >= 2 && shape.c <= GR_MAX_CLASSES;

  if (!ce)
    memset (dout, 0, sizeof (float) * total);
  if ((target.labels == NULL) == (target.values == NULL))
    return GR_ERR_ARG;
  if (shape.c > GR_MAX_CLASSES && target.labels != NULL)
    return GR_ERR_ARG;
  if (target.labels != NULL)
    {
      st = check_labels (cfg, shape, target.labels, &counted, &wsum);
      if (st != GR_OK)
        {
          if (ce)
            memset (dout, 0, sizeof (float) * total);
          return st;
        }
      if (counted == 0)
        {
          if (ce)
            memset (dout, 0, sizeof (float) * total);
          *loss_out = 0.0f;
          return GR_OK;
        }
    }

  switch (cfg->kind)
    {
    case GR_LOSS_MSE:
      {
        double n_el = target.values ? (double) total : (double) counted * shape.c;

        for (int s = 0; s < shape.n; s++)
          for (size_t q = 0; q < P; q++)
            {
              int32_t y = target.labels ? target.labels[s * P + q] : -1;

              if (target.labels && cfg->ignore_label >= 0 && y == cfg->ignore_label)
                continue;
              for (int c = 0; c < shape.c; c++)
                {
                  size_t i = s * S + c * P + q;
                  float t, e;

                  /* One output and 0/1 labels: the label is the target, as
                   * for BCE and accuracy (one-hot would invert it). */
                  if (target.values)
                    t = target.values[i];
                  else if (shape.c == 1)
                    t = (float) y;
                  else
                    t = c == y ? 1.0f : 0.0f;
                  e = out[i] - t;

                  loss += (double) e * e;
                  dout[i] = (float) (2.0 * e / n_el);
                }
            }
        loss /= n_el;
        break;
      }
    case GR_LOSS_BCE:
      {
        double n_el = target.values ? (double) total : (double) counted * shape.c;

        for (int s = 0; s < shape.n; s++)
          for (size_t q = 0; q < P; q++)
            {
              int32_t y = target.labels ? target.labels[s * P + q] : -1;

              if (target.labels && cfg->ignore_label >= 0 && y == cfg->ignore_label)
                continue;
              for (int c = 0; c < shape.c; c++)
                {
                  size_t i = s * S + c * P + q;
                  float z = out[i], t;

                  if (target.values)
                    t = target.values[i];
                  else if (shape.c == 1)
                    t = (float) y;
                  else
                    t = c == y ? 1.0f : 0.0f;
                  loss += fmaxf (z, 0.0f) - z * t + log1pf (expf (-fabsf (z)));
                  dout[i] = (float) ((1.0f / (1.0f + expf (-z)) - t) / n_el);
                }
            }
        loss /= n_el;
        break;
      }
    case GR_LOSS_CE:
    case GR_LOSS_FOCAL:
    case GR_LOSS_DICE:
    case GR_LOSS_CE_DICE:
      if (target.labels == NULL || shape.c < 2)
        return GR_ERR_ARG;
      softmax_ce (net, cfg, shape, out, scratch, target.labels, wsum, dout, ce, &loss);
      if (ce)
        break;
      if (cfg->kind == GR_LOSS_FOCAL)
        focal_part (cfg, shape, scratch, target.labels, counted, dout, &loss);
      else if (cfg->kind == GR_LOSS_DICE)
        dice_part (cfg, shape, scratch, target.labels, 1.0f, dout, &loss);
      else
        {
          float m = cfg->dice_mix;

          if (m < 1.0f)
            ce_part (cfg, shape, scratch, target.labels, wsum, 1.0f - m, dout, &loss);
          if (m > 0.0f)
            dice_part (cfg, shape, scratch, target.labels, m, dout, &loss);
        }
      break;
    case GR_N_LOSSES:
    default:
      return GR_ERR_ARG;
    }

  *loss_out = (float) loss;
  if (!isfinite (*loss_out))
    return GR_ERR_NONFINITE;
  return GR_OK;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The loss's loops (softmax, logs, the gradient planes: 0.9 ms of a W3
 * step) in 256-bit vectors: the whole call tree inlined (flatten) and
 * compiled for AVX2, with the same bits (see GR_RANGE_VARIANTS ()). */
__attribute__ ((target ("avx2"), flatten)) static GrStatus
loss_compute_avx2 (const GrNet        *net,
                   const GrLossConfig *cfg,
                   const float        *out,
                   GrShape             shape,
                   GrTarget            target,
                   float              *dout,
                   float              *loss_out,
                   float              *scratch)
{
  return loss_compute (net, cfg, out, shape, target, dout, loss_out, scratch);
}
#endif

GrStatus
gr_loss_compute_net (const GrNet        *net,
                     const GrLossConfig *cfg,
                     const float        *out,
                     GrShape             shape,
                     GrTarget            target,
                     float              *dout,
                     float              *loss_out,
                     float              *scratch)
{
#if defined(__x86_64__) && defined(__GNUC__)
  if (gr_cpu_has_avx2 ())
    return loss_compute_avx2 (net, cfg, out, shape, target, dout, loss_out, scratch);
#endif
  return loss_compute (net, cfg, out, shape, target, dout, loss_out, scratch);
}

GrStatus
gr_loss_compute (const GrLossConfig *cfg,
                 const float        *out,
                 GrShape             shape,
                 GrTarget            target,
                 float              *dout,
                 float              *loss_out,
                 float              *scratch)
{
  return gr_loss_compute_net (NULL, cfg, out, shape, target, dout, loss_out, scratch);
}

void
gr_loss_count_correct (const float   *out,
                       GrShape        shape,
                       const int32_t *labels,
                       int            ignore_label,
                       int64_t       *correct,
                       int64_t       *counted)
{
  size_t P = (size_t) shape.h * shape.w, S = (size_t) shape.c * P;

  *correct = 0;
  *counted = 0;
  for (int s = 0; s < shape.n; s++)
    for (size_t q = 0; q < P; q++)
      {
        int32_t y = labels[s * P + q];
        const float *z = out + s * S + q;
        int best = 0;

        if (ignore_label >= 0 && y == ignore_label)
          continue;
        if (shape.c == 1)
          best = z[0] > 0.0f;
        else
          for (int c = 1; c < shape.c; c++)
            if (z[c * P] > z[best * P])
              best = c;
        *correct += best == y;
        (*counted)++;
      }
}
