/* The doctor's probes: each is a short side run in a session of its own,
 * built from a copy of the run's configuration over the same (read-only)
 * data, so the main run never notices. */

#include "gr-probes.h"

#include "gr-i18n.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RNG stream of the probes' own draws (batch choice, label permutation),
 * apart from the streams the session uses. */
#define PROBE_STREAM UINT64_C (0x9b0be)

void
gr_probe_run_from_session (GrSession  *s,
                           GrProbeRun *out)
{
  memset (out, 0, sizeof *out);
  out->config = *gr_session_config (s);
  gr_session_get_knobs (s, &out->config.knobs);
  out->train = gr_session_train_data (s);
  out->val = gr_session_val_data (s);
}

/* A session over @train with @knobs, sized for @batch samples. */
static GrSession *
side_session (const GrProbeRun *run,
              const GrKnobs    *knobs,
              const GrDataset  *train,
              int               batch,
              char             *err,
              size_t            err_len)
{
  GrSessionConfig cfg = run->config;

  cfg.knobs = *knobs;
  cfg.knobs.batch_size = batch;
  cfg.max_batch = batch;
  cfg.eval_samples = batch;
  return gr_session_new (&cfg, train, NULL, err, err_len);
}

static bool
last_step (GrSession    *s,
           GrStepRecord *rec)
{
  GrHistory *h = gr_session_history (s);
  int64_t n = gr_history_n_steps (h);

  return n > 0 && gr_history_copy_steps (h, n - 1, 1, rec) == 1;
}

static int
clamp_steps (int steps,
             int dflt)
{
  if (steps <= 0)
    steps = dflt;
  return steps > GR_PROBE_MAX_POINTS ? GR_PROBE_MAX_POINTS : steps;
}

static float
mean_tail (const float *v,
           int          n,
           int          tail)
{
  double s = 0.0;
  int k = 0;

  if (tail > n)
    tail = n;
  for (int i = n - tail; i < n; i++)
    if (isfinite (v[i]))
      {
        s += v[i];
        k++;
      }
  return k ? (float) (s / k) : NAN;
}

/* ---- Overfit one batch --------------------------------------------------- */

void
gr_probe_overfit_defaults (GrOverfitOptions *opt)
{
  opt->batch = 16;
  opt->steps = 300;
  opt->pass_fraction = 0.02f;
}

GrStatus
gr_probe_overfit_batch (const GrProbeRun       *run,
                        const GrOverfitOptions *opt_in,
                        GrOverfitResult        *out,
                        GrProbeProgress         progress,
                        void                   *user_data,
                        char                   *err,
                        size_t                  err_len)
{
  GrOverfitOptions opt;
  GrKnobs k = run->config.knobs;
  GrDataset *batch_ds;
  GrSession *s;
  GrStatus st = GR_OK;
  GrRng rng;
  int *idx, n, steps;

  memset (out, 0, sizeof *out);
  out->initial_loss = out->final_loss = out->final_acc = NAN;
  gr_probe_overfit_defaults (&opt);
  if (opt_in != NULL)
    opt = *opt_in;
  steps = clamp_steps (opt.steps, 300);
  n = run->train->n;
  if (opt.batch <= 0 || opt.batch > n)
    opt.batch = n < 16 ? n : 16;

  /* A fixed random batch: the first picks of a seeded shuffle. */
  idx = malloc (sizeof (int) * n);
  if (idx == NULL)
    {
      snprintf (err, err_len, GR_("out of memory"));
      return GR_ERR_NOMEM;
    }
  for (int i = 0; i < n; i++)
    idx[i] = i;
  gr_rng_seed (&rng, run->config.seed, PROBE_STREAM);
  gr_rng_shuffle (&rng, idx, n);
  batch_ds = gr_dataset_subset (run->train, idx, opt.batch);
  free (idx);
  if (batch_ds == NULL)
    {
      snprintf (err, err_len, GR_("out of memory"));
      return GR_ERR_NOMEM;
    }
  batch_ds->augment = NULL;

  /* The question is whether the net can fit at all: regularization off. */
  k.dropout = 0.0f;
  k.input_noise = 0.0f;
  k.l2 = 0.0f;
  k.weight_decay = 0.0f;
  s = side_session (run, &k, batch_ds, opt.batch, err, err_len);
  if (s == NULL)
    {
      gr_dataset_free (batch_ds);
      return GR_ERR_ARG;
    }

  for (int i = 0; i < steps; i++)
    {
      GrStepRecord rec;

      st = gr_session_step (s);
      if (st != GR_OK)
        {
          snprintf (err, err_len, "%s", gr_session_error (s));
          break;
        }
      last_step (s, &rec);
      out->loss[out->n_points++] = rec.loss;
      out->final_acc = rec.acc;
      if (progress != NULL && !progress (i + 1, steps, user_data))
        {
          snprintf (err, err_len, GR_("cancelled"));
          st = GR_ERR_STATE;
          break;
        }
    }
  if (out->n_points > 0)
    {
      out->initial_loss = out->loss[0];
      out->final_loss = mean_tail (out->loss, out->n_points, 10);
    }
  out->passed = st == GR_OK && out->n_points == steps
                && out->final_loss <= opt.pass_fraction * out->initial_loss;
  gr_session_free (s);
  gr_dataset_free (batch_ds);
  return st;
}

/* ---- Shuffled-label control ---------------------------------------------- */

void
gr_probe_shuffle_defaults (GrShuffleOptions *opt)
{
  opt->steps = 300;
  opt->seed = 1;
}

/* Permutes whole targets (a label, a label map, or a value vector) across
 * the samples of @ds. */
static bool
permute_targets (GrDataset *ds,
                 uint64_t   seed)
{
  size_t per = gr_shape_sample_size (ds->target_shape);
  size_t bytes = per * (ds->labels ? sizeof (int32_t) : sizeof (float));
  char *base = ds->labels ? (char *) ds->labels : (char *) ds->values;
  char *copy;
  int *perm;
  GrRng rng;

  if (base == NULL)
    return false;
  copy = malloc (bytes * ds->n);
  perm = malloc (sizeof (int) * ds->n);
  if (copy == NULL || perm == NULL)
    {
      free (copy);
      free (perm);
      return false;
    }
  memcpy (copy, base, bytes * ds->n);
  for (int i = 0; i < ds->n; i++)
    perm[i] = i;
  gr_rng_seed (&rng, seed, PROBE_STREAM + 1);
  gr_rng_shuffle (&rng, perm, ds->n);
  for (int i = 0; i < ds->n; i++)
    memcpy (base + (size_t) i * bytes, copy + (size_t) perm[i] * bytes, bytes);
  free (copy);
  free (perm);
  return true;
}

GrStatus
gr_probe_shuffle_control (const GrProbeRun       *run,
                          const GrShuffleOptions *opt_in,
                          GrShuffleResult        *out,
                          GrProbeProgress         progress,
                          void                   *user_data,
                          char                   *err,
                          size_t                  err_len)
{
  GrShuffleOptions opt;
  const GrKnobs *k = &run->config.knobs;
  GrDataset *shuffled;
  GrSession *real = NULL, *fake = NULL;
  GrStatus st = GR_OK;
  GrChanceBaseline chance;
  GrLossConfig lc;
  int *idx, steps, bs;

  memset (out, 0, sizeof *out);
  out->final_real = out->final_shuffled = NAN;
  gr_probe_shuffle_defaults (&opt);
  if (opt_in != NULL)
    opt = *opt_in;
  steps = clamp_steps (opt.steps, 300);
  bs = k->batch_size;

  idx = malloc (sizeof (int) * run->train->n);
  if (idx == NULL)
    {
      snprintf (err, err_len, GR_("out of memory"));
      return GR_ERR_NOMEM;
    }
  for (int i = 0; i < run->train->n; i++)
    idx[i] = i;
  shuffled = gr_dataset_subset (run->train, idx, run->train->n);
  free (idx);
  if (shuffled == NULL || !permute_targets (shuffled, opt.seed))
    {
      gr_dataset_free (shuffled);
      snprintf (err, err_len, GR_("out of memory"));
      return GR_ERR_NOMEM;
    }

  /* Same config and seed: the two runs start from the same weights and
   * draw the same batches; only the targets differ. */
  real = side_session (run, k, run->train, bs, err, err_len);
  if (real != NULL)
    fake = side_session (run, k, shuffled, bs, err, err_len);
  if (real == NULL || fake == NULL)
    {
      gr_session_free (real);
      gr_dataset_free (shuffled);
      return GR_ERR_ARG;
    }
  gr_session_loss_config (real, &lc);
  gr_probe_chance (run->train, &lc, &chance);
  out->chance = chance.loss;

  for (int i = 0; i < steps; i++)
    {
      GrStepRecord a, b;
      GrStatus sa = gr_session_step (real), sb = gr_session_step (fake);

      if (sa != GR_OK || sb != GR_OK)
        {
          snprintf (err, err_len, "%s", gr_session_error (sa != GR_OK ? real : fake));
          st = sa != GR_OK ? sa : sb;
          break;
        }
      last_step (real, &a);
      last_step (fake, &b);
      out->loss_real[out->n_points] = a.loss;
      out->loss_shuffled[out->n_points] = b.loss;
      out->n_points++;
      if (progress != NULL && !progress (i + 1, steps, user_data))
        {
          snprintf (err, err_len, GR_("cancelled"));
          st = GR_ERR_STATE;
          break;
        }
    }
  if (out->n_points > 0)
    {
      int tail = out->n_points / 10 > 0 ? out->n_points / 10 : 1;

      out->final_real = mean_tail (out->loss_real, out->n_points, tail);
      out->final_shuffled = mean_tail (out->loss_shuffled, out->n_points, tail);
      out->learns = out->final_real < 0.5f * out->final_shuffled;
    }
  gr_session_free (real);
  gr_session_free (fake);
  gr_dataset_free (shuffled);
  return st;
}

/* ---- Learning-rate range test -------------------------------------------- */

void
gr_probe_lr_range_defaults (GrLrRangeOptions *opt)
{
  opt->lr_min = 1e-6f;
  opt->lr_max = 10.0f;
  opt->steps = 200;
  opt->stop_factor = 4.0f;
}

GrStatus
gr_probe_lr_range (const GrProbeRun       *run,
                   const GrLrRangeOptions *opt_in,
                   GrLrRangeResult        *out,
                   GrProbeProgress         progress,
                   void                   *user_data,
                   char                   *err,
                   size_t                  err_len)
{
  GrLrRangeOptions opt;
  GrKnobs k = run->config.knobs;
  GrSession *s;
  GrStatus st = GR_OK;
  double avg = 0.0, best = INFINITY, log_span;
  int steps, i_min = 0, i_steep = -1;
  float steep = 0.0f;

  memset (out, 0, sizeof *out);
  out->lr_at_min = out->lr_steepest = out->suggested = NAN;
  gr_probe_lr_range_defaults (&opt);
  if (opt_in != NULL)
    opt = *opt_in;
  steps = clamp_steps (opt.steps, 200);
  if (steps < 10 || !(opt.lr_min > 0.0f) || !(opt.lr_max > opt.lr_min) || opt.lr_max > 100.0f)
    {
      snprintf (err, err_len,
                GR_("lr range: need 0 < lr_min < lr_max <= 100 and at least 10 steps"));
      return GR_ERR_ARG;
    }
  log_span = log (opt.lr_max / opt.lr_min);

  k.schedule = GR_SCHED_CONSTANT;
  k.warmup_steps = 0;
  k.lr = opt.lr_min;
  s = side_session (run, &k, run->train, k.batch_size, err, err_len);
  if (s == NULL)
    return GR_ERR_ARG;

  for (int i = 0; i < steps; i++)
    {
      GrStepRecord rec;
      float smooth;
      char e2[128];

      k.lr = (float) (opt.lr_min * exp (log_span * i / (steps - 1)));
      if (gr_session_set_knobs (s, &k, e2, sizeof e2) != GR_OK)
        break;
      st = gr_session_step (s);
      if (st == GR_ERR_NONFINITE)
        {
          /* The sweep has gone past every usable rate: that ends it. */
          out->stopped_early = true;
          st = GR_OK;
          break;
        }
      if (st != GR_OK)
        {
          snprintf (err, err_len, "%s", gr_session_error (s));
          break;
        }
      last_step (s, &rec);
      avg = 0.98 * avg + 0.02 * rec.loss;
      smooth = (float) (avg / (1.0 - pow (0.98, i + 1)));
      out->lr[out->n_points] = k.lr;
      out->loss[out->n_points] = rec.loss;
      out->smooth[out->n_points] = smooth;
      out->n_points++;
      if (smooth < best)
        {
          best = smooth;
          i_min = i;
        }
      if (progress != NULL && !progress (i + 1, steps, user_data))
        {
          snprintf (err, err_len, GR_("cancelled"));
          st = GR_ERR_STATE;
          break;
        }
      if (i >= 10 && (!isfinite (smooth) || smooth > opt.stop_factor * best))
        {
          out->stopped_early = true;
          break;
        }
    }
  gr_session_free (s);
  if (out->n_points < 5)
    {
      if (st == GR_OK)
        {
          snprintf (err, err_len, GR_("lr range: the loss diverged within the first steps"));
          st = GR_ERR_NONFINITE;
        }
      return st;
    }

  /* Steepest descent over an 11-point span, before the minimum; the first
   * 10 points are skipped while the smoothing settles (fastai skips 10
   * too). */
  for (int i = 15; i + 5 < out->n_points && i <= i_min; i++)
    {
      float slope = (out->smooth[i + 5] - out->smooth[i - 5])
                    / (logf (out->lr[i + 5]) - logf (out->lr[i - 5]));

      if (i_steep < 0 || slope < steep)
        {
          steep = slope;
          i_steep = i;
        }
    }
  out->lr_at_min = out->lr[i_min];
  out->lr_steepest = i_steep >= 0 ? out->lr[i_steep] : out->lr[i_min] / 10.0f;
  out->suggested = fminf (out->lr_steepest, out->lr_at_min / 10.0f);
  return st;
}

/* ---- Chance baseline ----------------------------------------------------- */

static double
xlogx (double p)
{
  return p > 0.0 ? p * log (p) : 0.0;
}

bool
gr_probe_chance (const GrDataset    *ds,
                 const GrLossConfig *loss,
                 GrChanceBaseline   *out)
{
  int C = ds->n_classes;
  double h = 0.0;

  memset (out, 0, sizeof *out);
  out->loss = NAN;
  out->acc = NAN;
  out->n_classes = C;
  if (C <= 0 || ds->labels == NULL || C > GR_MAX_CLASSES)
    return false;
  gr_dataset_class_freq (ds, out->freq);
  out->acc = 0.0f;
  for (int c = 0; c < C; c++)
    out->acc = fmaxf (out->acc, out->freq[c]);

  switch (loss->kind)
    {
    case GR_LOSS_CE:
    case GR_LOSS_CE_DICE:
      {
        /* Weighted CE's best constant prediction is the weighted label
         * distribution r; its loss is the entropy of r. */
        double r[GR_MAX_CLASSES], sum = 0.0;

        for (int c = 0; c < C; c++)
          {
            r[c] = out->freq[c] * (loss->use_weights ? loss->class_weights[c] : 1.0);
            sum += r[c];
          }
        for (int c = 0; c < C && sum > 0.0; c++)
          h -= xlogx (r[c] / sum);
        if (loss->kind == GR_LOSS_CE_DICE)
          {
            double dice = 0.0;

            /* Dice of q = p is p_c per present class, 1 for an absent one. */
            for (int c = 0; c < C; c++)
              dice += out->freq[c] > 0.0f ? out->freq[c] : 1.0;
            h = (1.0 - loss->dice_mix) * h + loss->dice_mix * (1.0 - dice / C);
          }
        break;
      }
    case GR_LOSS_DICE:
      {
        double dice = 0.0;

        for (int c = 0; c < C; c++)
          dice += out->freq[c] > 0.0f ? out->freq[c] : 1.0;
        h = 1.0 - dice / C;
        break;
      }
    case GR_LOSS_MSE:
      {
        double s2 = 0.0;

        for (int c = 0; c < C; c++)
          s2 += (double) out->freq[c] * out->freq[c];
        h = (1.0 - s2) / C;
        break;
      }
    case GR_LOSS_BCE:
      if (C == 2)
        {
          /* One output unit when the net was built for two classes;
           * otherwise one-vs-rest over both (the same entropy each). */
          h = -(xlogx (out->freq[1]) + xlogx (out->freq[0]));
        }
      else
        {
          for (int c = 0; c < C; c++)
            h -= xlogx (out->freq[c]) + xlogx (1.0 - out->freq[c]);
          h /= C;
        }
      break;
    case GR_LOSS_FOCAL:
      for (int c = 0; c < C; c++)
        {
          double p = out->freq[c], a = loss->use_alpha ? loss->focal_alpha[c] : 1.0;

          if (p > 0.0)
            h -= a * p * pow (1.0 - p, loss->focal_gamma) * log (p);
        }
      break;
    case GR_N_LOSSES:
    default:
      return false;
    }
  out->loss = (float) h;
  return true;
}

/* ---- Input scale ------------------------------------------------------------ */

void
gr_probe_input_stats (const GrDataset *ds,
                      GrInputStats    *out)
{
  size_t plane = (size_t) ds->sample.h * ds->sample.w;
  int C = ds->sample.c;
  bool image = plane > 1;
  int F = image ? C : (int) gr_shape_sample_size (ds->sample);
  size_t per = gr_shape_sample_size (ds->sample);
  double sum = 0.0, sum2 = 0.0;
  double fs[GR_PROBE_MAX_FEATURES] = { 0 }, fs2[GR_PROBE_MAX_FEATURES] = { 0 };
  float mn = INFINITY, mx = -INFINITY;
  int64_t nv = (int64_t) ds->n * (int64_t) per;

  memset (out, 0, sizeof *out);
  out->n_features = F;
  out->n_values = nv;
  for (int i = 0; i < ds->n; i++)
    {
      const float *x = ds->x + (size_t) i * per;

      for (size_t j = 0; j < per; j++)
        {
          double v = x[j];
          size_t f = image ? j / plane : j;

          sum += v;
          sum2 += v * v;
          mn = fminf (mn, x[j]);
          mx = fmaxf (mx, x[j]);
          if (f < GR_PROBE_MAX_FEATURES)
            {
              fs[f] += v;
              fs2[f] += v * v;
            }
        }
    }
  if (nv == 0)
    return;
  out->mean = (float) (sum / nv);
  out->rms = (float) sqrt (sum2 / nv);
  out->std = (float) sqrt (fmax (0.0, sum2 / nv - (sum / nv) * (sum / nv)));
  out->min = mn;
  out->max = mx;
  out->min_feat_std = INFINITY;
  out->max_feat_std = 0.0f;
  for (int f = 0; f < F && f < GR_PROBE_MAX_FEATURES; f++)
    {
      double cnt = (double) ds->n * (image ? (double) plane : 1.0);
      double m = fs[f] / cnt;
      float sd = (float) sqrt (fmax (0.0, fs2[f] / cnt - m * m));

      out->feat_mean[f] = (float) m;
      out->feat_std[f] = sd;
      out->max_abs_feat_mean = fmaxf (out->max_abs_feat_mean, fabsf ((float) m));
      if (sd > 0.0f)
        {
          out->min_feat_std = fminf (out->min_feat_std, sd);
          out->max_feat_std = fmaxf (out->max_feat_std, sd);
        }
    }
  if (!isfinite (out->min_feat_std))
    out->min_feat_std = 0.0f;
}

void
gr_probe_standardize (GrDataset          *ds,
                      const GrInputStats *stats)
{
  size_t plane = (size_t) ds->sample.h * ds->sample.w;
  bool image = plane > 1;
  size_t per = gr_shape_sample_size (ds->sample);

  for (int i = 0; i < ds->n; i++)
    {
      float *x = ds->x + (size_t) i * per;

      for (size_t j = 0; j < per; j++)
        {
          size_t f = image ? j / plane : j;
          float m = f < GR_PROBE_MAX_FEATURES ? stats->feat_mean[f] : stats->mean;
          float sd = f < GR_PROBE_MAX_FEATURES ? stats->feat_std[f] : stats->std;

          x[j] = sd > 0.0f ? (x[j] - m) / sd : x[j] - m;
        }
    }
}
