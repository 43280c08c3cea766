/* A training run: the step both front ends share. Knobs from other threads
 * land in a pending copy under a mutex and are applied at the start of the
 * next step; everything the step needs is allocated when the run is built,
 * so a step allocates nothing (the history grows by a chunk every 16k
 * steps). */

#include "gr-session.h"

#include "gr-session-private.h"
#include "gr-i18n.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOOKS 8

static void
set_error (GrSession  *s,
           const char *fmt,
           ...) __attribute__ ((format (printf, 2, 3)));

static void
set_error (GrSession  *s,
           const char *fmt,
           ...)
{
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (s->error, sizeof s->error, fmt, ap);
  va_end (ap);
}

static void
free_buffers (GrSession *s)
{
  gr_net_free (s->net);
  gr_optim_free (s->opt);
  gr_batcher_clear (&s->batcher);
  free (s->x);
  free (s->labels);
  free (s->values);
  free (s->dout);
  free (s->scratch);
  free (s->idx);
  free (s->state_backup);
  free (s->snap[0]);
  free (s->snap[1]);
  s->snap[0] = s->snap[1] = NULL;
  s->net = NULL;
  s->opt = NULL;
  s->x = NULL;
  s->labels = NULL;
  s->values = NULL;
  s->dout = NULL;
  s->scratch = NULL;
  s->idx = NULL;
  s->state_backup = NULL;
}

/* Resolves class weights and alpha from the knobs into the loss config. */
static void
update_loss_config (GrSession *s)
{
  const GrKnobs *k = &s->knobs;
  GrLossConfig *lc = &s->loss;
  int C = s->n_classes;

  memset (lc, 0, sizeof *lc);
  lc->kind = k->loss;
  lc->n_classes = C;
  lc->focal_gamma = k->focal_gamma;
  lc->dice_mix = k->dice_mix;
  lc->ignore_label = s->train->ignore_label;
  if (k->weighting == GR_WEIGHTING_CUSTOM)
    {
      for (int c = 0; c < C && c < GR_MAX_CLASSES; c++)
        lc->class_weights[c] = c < k->n_custom_weights ? k->custom_weights[c] : 1.0f;
      lc->use_weights = k->n_custom_weights > 0;
    }
  else if (C > 0)
    gr_loss_weights_from_freq (lc, k->weighting, s->class_freq, C);
  if (k->n_focal_alpha > 0)
    {
      lc->use_alpha = true;
      for (int c = 0; c < C && c < GR_MAX_CLASSES; c++)
        lc->focal_alpha[c] = c < k->n_focal_alpha ? k->focal_alpha[c] : 1.0f;
    }
}

/* Pushes the knobs that live in the net; called with new knobs in s->knobs. */
void
gr_session_apply_net_knobs (GrSession *s)
{
  gr_net_set_activation (s->net, s->knobs.activation);
  gr_net_set_dropout (s->net, s->knobs.dropout);
  gr_net_set_bn_bypass (s->net, !s->knobs.batch_norm);
  update_loss_config (s);
}

static size_t
snapshot_size (GrSession *s)
{
  return gr_net_n_params (s->net) + gr_net_n_state (s->net) + gr_optim_n_state (s->opt);
}

/* Copies the trained state into the newer snapshot slot, after moving the
 * previous newer one to the older slot (by swapping buffers). */
static void
take_snapshot (GrSession *s)
{
  float *buf = s->snap[1];
  size_t np = gr_net_n_params (s->net), ns = gr_net_n_state (s->net);

  s->snap[1] = s->snap[0];
  s->snap_step[1] = s->snap_step[0];
  s->snap_adam_t[1] = s->snap_adam_t[0];
  s->snap[0] = buf;
  memcpy (buf, gr_net_params (s->net), sizeof (float) * np);
  memcpy (buf + np, gr_net_state (s->net), sizeof (float) * ns);
  memcpy (buf + np + ns, gr_optim_state (s->opt), sizeof (float) * gr_optim_n_state (s->opt));
  s->snap_step[0] = s->step;
  s->snap_adam_t[0] = gr_optim_t (s->opt);
}

static GrStatus
build (GrSession *s,
       char      *err,
       size_t     err_len)
{
  const GrDataset *tr = s->train;
  int mb = s->cfg.max_batch;
  GrShape out;
  size_t in_sz = gr_shape_sample_size (tr->sample);
  size_t tgt_sz = gr_shape_sample_size (tr->target_shape);
  char names_buf[GR_HISTORY_MAX_LAYERS][GR_NAME_LEN];
  const char *names[GR_HISTORY_MAX_LAYERS];
  GrRng init_rng;

  s->net = gr_model_build (&s->cfg.model, mb, err, err_len);
  if (s->net == NULL)
    return GR_ERR_ARG;
  out = gr_net_output_shape (s->net);
  if (tr->n_classes > 0)
    {
      int want_c = tr->n_classes == 2 && out.c == 1 ? 1 : tr->n_classes;

      if (out.c != want_c || out.h != tr->target_shape.h || out.w != tr->target_shape.w)
        {
          /* TRANSLATORS: the network's output shape (channels x height x
           * width), the data set's name, its classes and target size. */
          snprintf (err, err_len, GR_("the network's output is %dx%dx%d but data set '%s' has %d "
                                      "classes over %dx%d targets"), out.c, out.h, out.w, tr->name,
                    tr->n_classes, tr->target_shape.h, tr->target_shape.w);
          return GR_ERR_SHAPE;
        }
    }
  else if (gr_shape_sample_size (out) != tgt_sz)
    {
      snprintf (err, err_len, GR_("the network's output has %zu values but data set '%s' has "
                                  "%zu targets per sample"), gr_shape_sample_size (out), tr->name,
                tgt_sz);
      return GR_ERR_SHAPE;
    }
  {
    GrShape ns = gr_net_input_shape (s->net);

    if (ns.c != tr->sample.c || ns.h != tr->sample.h || ns.w != tr->sample.w)
      {
        /* TRANSLATORS: the network's input shape (channels x height x
         * width), the data set's name and its sample shape. */
        snprintf (err, err_len, GR_("the network takes %dx%dx%d inputs but data set '%s' has "
                                    "%dx%dx%d samples"), ns.c, ns.h, ns.w, tr->name, tr->sample.c,
                  tr->sample.h, tr->sample.w);
        return GR_ERR_SHAPE;
      }
  }

  s->opt = gr_optim_new (gr_net_n_params (s->net));
  s->x = malloc (sizeof (float) * in_sz * mb);
  s->labels = tr->labels ? malloc (sizeof (int32_t) * tgt_sz * mb) : NULL;
  s->values = tr->values ? malloc (sizeof (float) * tgt_sz * mb) : NULL;
  s->dout = malloc (sizeof (float) * gr_shape_sample_size (out) * mb);
  {
    GrShape bs = out;

    bs.n = mb;
    s->scratch = malloc (sizeof (float) * (gr_loss_scratch_size (bs) + 1));
  }
  s->idx = malloc (sizeof (int) * mb);
  s->state_backup = malloc (sizeof (float) * (gr_net_n_state (s->net) + 1));
  for (int i = 0; i < 2; i++)
    s->snap[i] = malloc (sizeof (float) * (snapshot_size (s) + 1));
  if (!s->opt || !s->x || !s->dout || !s->scratch || !s->idx || !s->state_backup
      || !s->snap[0] || !s->snap[1]
      || (tr->labels && !s->labels) || (tr->values && !s->values))
    {
      snprintf (err, err_len, GR_("out of memory"));
      return GR_ERR_NOMEM;
    }
  if (!gr_batcher_init (&s->batcher, tr, s->cfg.seed ^ 0x9e3779b97f4a7c15ULL))
    {
      snprintf (err, err_len, GR_("out of memory"));
      return GR_ERR_NOMEM;
    }

  gr_rng_seed (&init_rng, s->cfg.seed, 1);
  gr_rng_seed (&s->rng, s->cfg.seed, 3);
  gr_net_init_params (s->net, s->knobs.init, s->knobs.init_sigma, &init_rng);
  gr_model_init_biases (&s->cfg.model, s->net);
  gr_net_set_threads (s->net, s->cfg.threads);
  gr_session_apply_net_knobs (s);

  s->n_layers = gr_net_n_weighted (s->net);
  for (int i = 0; i < s->n_layers && i < GR_HISTORY_MAX_LAYERS; i++)
    {
      snprintf (names_buf[i], GR_NAME_LEN, "%s",
                gr_net_node_spec (s->net, gr_net_weighted_node (s->net, i))->name);
      names[i] = names_buf[i];
    }
  gr_history_set_layers (s->history, s->n_layers < GR_HISTORY_MAX_LAYERS
                         ? s->n_layers : GR_HISTORY_MAX_LAYERS, names);
  memset (s->probes, 0, sizeof s->probes);
  s->step = 0;
  take_snapshot (s);
  take_snapshot (s);
  return GR_OK;
}

GrSession *
gr_session_new (const GrSessionConfig *cfg,
                const GrDataset       *train,
                const GrDataset       *val,
                char                  *err,
                size_t                 err_len)
{
  GrSession *s;

  if (train == NULL || train->n <= 0)
    {
      snprintf (err, err_len, GR_("the training set is empty"));
      return NULL;
    }
  if (cfg->max_batch <= 0)
    {
      snprintf (err, err_len, GR_("max batch must be positive"));
      return NULL;
    }
  if (gr_knobs_validate (&cfg->knobs, cfg->max_batch, err, err_len) != GR_OK)
    return NULL;
  s = calloc (1, sizeof *s);
  if (s == NULL)
    {
      snprintf (err, err_len, GR_("out of memory"));
      return NULL;
    }
  s->cfg = *cfg;
  if (s->cfg.threads <= 0)
    s->cfg.threads = 1;
  if (s->cfg.eval_samples <= 0)
    s->cfg.eval_samples = 1024;
  s->knobs = cfg->knobs;
  s->pending = cfg->knobs;
  s->pending_model = cfg->model;
  s->train = train;
  s->val = val;
  s->n_classes = train->n_classes;
  s->is_seg = train->labels != NULL
              && (train->target_shape.h > 1 || train->target_shape.w > 1);
  s->hist_layer = -1;
  pthread_mutex_init (&s->lock, NULL);
  if (s->n_classes > 0)
    gr_dataset_class_freq (train, s->class_freq);
  s->history = gr_history_new ();
  if (s->history == NULL || build (s, err, err_len) != GR_OK)
    {
      if (s->history != NULL && err[0] == '\0')
        snprintf (err, err_len, GR_("out of memory"));
      gr_session_free (s);
      return NULL;
    }
  return s;
}

void
gr_session_free (GrSession *s)
{
  if (s == NULL)
    return;
  free_buffers (s);
  gr_history_free (s->history);
  gr_dataset_free (s->own_train);
  gr_dataset_free (s->own_val);
  free (s->timeline);
  pthread_mutex_destroy (&s->lock);
  free (s);
}

/* Takes the pending knobs (from other threads) and the timeline entries due
 * at @step, applies them, and records one event for the change. */
static void
apply_pending (GrSession *s,
               int64_t    step)
{
  GrKnobs next, applied;
  char text[GR_EVENT_TEXT_LEN];
  bool touched = false;

  pthread_mutex_lock (&s->lock);
  next = s->pending;
  touched = s->has_pending;
  s->has_pending = false;
  pthread_mutex_unlock (&s->lock);

  while (s->timeline_pos < s->n_timeline && s->timeline[s->timeline_pos].step <= step)
    {
      GrTimelineEntry *e = &s->timeline[s->timeline_pos++];
      char err[256];

      /* Entries were validated when added; a failure here cannot happen
       * unless a later entry contradicts batch limits, and then the knob
       * stays as it was. */
      if (gr_knobs_set (&next, e->key, e->value, err, sizeof err) == GR_OK)
        touched = true;
    }
  if (!touched)
    return;
  /* Reset-only knobs wait in the pending set until gr_session_reset (); the
   * applied set keeps the values the net was built with, so they make no
   * event (and no plot marker) until they really act. */
  applied = next;
  applied.init = s->knobs.init;
  applied.init_sigma = s->knobs.init_sigma;
  if (gr_knobs_diff (&s->knobs, &applied, text, sizeof text) == 0)
    return;
  pthread_mutex_lock (&s->lock);
  s->knobs = applied;
  /* Pending carries the timeline's changes too, unless someone queued
   * more since. */
  if (!s->has_pending)
    s->pending = next;
  pthread_mutex_unlock (&s->lock);
  gr_session_apply_net_knobs (s);
  gr_history_append_event (s->history, step, GR_EVENT_KNOB, text);
}

static void
record_histogram (GrSession *s,
                  int        layer)
{
  const GrNet *net = s->net;
  int node;
  size_t total;
  const float *y;
  float lo = INFINITY, hi = -INFINITY, counts[GR_HIST_BINS] = { 0 };

  if (layer < 0 || layer >= s->n_layers)
    return;
  node = gr_net_weighted_act_node (net, layer);
  total = gr_shape_sample_size (gr_net_node_shape (net, node)) * (size_t) s->last_batch;
  y = gr_net_node_output (net, node);
  for (size_t i = 0; i < total; i++)
    {
      lo = fminf (lo, y[i]);
      hi = fmaxf (hi, y[i]);
    }
  if (!(hi > lo))
    hi = lo + 1.0f;
  for (size_t i = 0; i < total; i++)
    {
      int b = (int) ((y[i] - lo) / (hi - lo) * GR_HIST_BINS);

      counts[b < 0 ? 0 : b >= GR_HIST_BINS ? GR_HIST_BINS - 1 : b] += 1.0f;
    }
  gr_history_set_histogram (s->history, layer, lo, hi, counts);
}

static void
diverged (GrSession  *s,
          int64_t     step,
          const char *what)
{
  char text[GR_EVENT_TEXT_LEN];

  set_error (s, "step %lld: %s", (long long) step, what);
  snprintf (text, sizeof text, "diverged: %s", what);
  gr_history_append_event (s->history, step, GR_EVENT_DIVERGED, text);
  /* BN running statistics were updated by the forward pass; put them back
   * so the run is exactly as before the failed step. */
  memcpy (gr_net_state (s->net), s->state_backup,
          sizeof (float) * gr_net_n_state (s->net));
}

GrStatus
gr_session_step (GrSession *s)
{
  int64_t step = s->step + 1;
  const GrDataset *tr = s->train;
  size_t in_sz = gr_shape_sample_size (tr->sample);
  GrShape out = gr_net_output_shape (s->net);
  GrStepRecord rec = { 0 };
  GrOptConfig oc;
  GrTarget target;
  GrStatus st;
  float loss, gn_raw, gn_used;
  int bs, hist_layer;

  apply_pending (s, step);
  bs = s->knobs.batch_size < s->cfg.max_batch ? s->knobs.batch_size : s->cfg.max_batch;

  /* Assigned, not or-ed: a failed step consumes its batch, and an epoch it
   * ended must not be counted again by the next step's record. */
  s->epoch_pending = gr_batcher_next (&s->batcher, bs, s->idx);
  gr_dataset_gather (tr, s->idx, bs, s->x, s->labels, s->values);
  if (tr->augment != NULL)
    tr->augment (tr, s->x, s->labels, bs, &s->rng);
  if (s->knobs.input_noise > 0.0f)
    for (size_t i = 0; i < in_sz * (size_t) bs; i++)
      s->x[i] += s->knobs.input_noise * gr_rng_normal (&s->rng);

  memcpy (s->state_backup, gr_net_state (s->net), sizeof (float) * gr_net_n_state (s->net));
  st = gr_net_forward (s->net, s->x, bs, true, &s->rng);
  if (st == GR_ERR_NONFINITE)
    {
      diverged (s, step, gr_net_error (s->net));
      return st;
    }
  if (st != GR_OK)
    {
      set_error (s, "step %lld: %s", (long long) step, gr_net_error (s->net));
      return st;
    }
  out.n = bs;
  target.labels = s->labels;
  target.values = s->labels ? NULL : s->values;
  st = gr_loss_compute_net (s->net, &s->loss, gr_net_output (s->net), out, target, s->dout,
                            &loss, s->scratch);
  if (st == GR_ERR_NONFINITE)
    {
      diverged (s, step, GR_("the loss is not finite"));
      return st;
    }
  if (st != GR_OK)
    {
      char what[256];

      /* TRANSLATORS: the loss's name, such as "ce" or "mse". */
      snprintf (what, sizeof what, GR_("the loss '%s' cannot take these targets (labels out "
                                       "of range, or a class loss on regression data)"),
                gr_loss_name (s->loss.kind));
      /* "step N: " stays untranslated: the front ends strip it. */
      set_error (s, "step %lld: %s", (long long) step, what);
      return st;
    }
  st = gr_net_backward (s->net, s->dout);
  if (st == GR_ERR_NONFINITE)
    {
      diverged (s, step, gr_net_error (s->net));
      return st;
    }

  oc.kind = s->knobs.optimizer;
  oc.lr = gr_knobs_lr_at (&s->knobs, (long) s->step);
  oc.momentum = s->knobs.momentum;
  oc.beta1 = s->knobs.beta1;
  oc.beta2 = s->knobs.beta2;
  oc.eps = s->knobs.eps;
  oc.l2 = s->knobs.l2;
  oc.weight_decay = s->knobs.weight_decay;
  oc.clip_norm = s->knobs.clip_norm;
  oc.clip_value = s->knobs.clip_value;
  st = gr_optim_step (s->opt, s->net, &oc, s->probes, &gn_raw, &gn_used);
  if (st == GR_ERR_NONFINITE)
    {
      diverged (s, step, GR_("the gradient is not finite"));
      return st;
    }
  gr_net_probe_activations (s->net, s->probes);

  rec.step = step;
  rec.epoch = s->batcher.epoch - (s->epoch_pending ? 1 : 0);
  rec.loss = loss;
  rec.lr = oc.lr;
  rec.grad_norm = gn_used;
  rec.grad_norm_raw = gn_raw;
  rec.batch = bs;
  rec.acc = NAN;
  if (s->labels != NULL)
    {
      int64_t correct, counted;

      gr_loss_count_correct (gr_net_output (s->net), out, s->labels, tr->ignore_label,
                             &correct, &counted);
      rec.acc = counted ? (float) correct / (float) counted : NAN;
    }
  s->epoch_pending = false;
  s->last_batch = bs;
  s->step = step;
  gr_history_append_step (s->history, &rec, s->probes);
  if (step % GR_SNAPSHOT_EVERY == 0)
    take_snapshot (s);

  pthread_mutex_lock (&s->lock);
  hist_layer = s->hist_layer;
  pthread_mutex_unlock (&s->lock);
  if (hist_layer >= 0)
    record_histogram (s, hist_layer);

  for (int i = 0; i < s->n_hooks; i++)
    s->hooks[i].fn (s, step, s->hooks[i].data);
  return GR_OK;
}

/* Loss, accuracy and confusion counts of @ds (its first @limit samples) in
 * eval mode. */
static GrStatus
eval_set (GrSession       *s,
          const GrDataset *ds,
          int              limit,
          float           *loss_out,
          float           *acc_out,
          int64_t         *confusion)
{
  int mb = s->cfg.max_batch;
  int n = ds->n < limit ? ds->n : limit;
  GrShape out = gr_net_output_shape (s->net);
  size_t P = (size_t) out.h * out.w, S = gr_shape_sample_size (out);
  double loss_sum = 0.0;
  int64_t correct = 0, counted = 0;
  int C = s->n_classes;

  for (int start = 0; start < n; start += mb)
    {
      int m = n - start < mb ? n - start : mb;
      GrTarget target;
      GrStatus st;
      float loss;

      for (int i = 0; i < m; i++)
        s->idx[i] = start + i;
      gr_dataset_gather (ds, s->idx, m, s->x, s->labels, s->values);
      st = gr_net_forward (s->net, s->x, m, false, NULL);
      if (st != GR_OK)
        return st;
      out.n = m;
      target.labels = s->labels;
      target.values = s->labels ? NULL : s->values;
      st = gr_loss_compute_net (s->net, &s->loss, gr_net_output (s->net), out, target,
                                s->dout, &loss, s->scratch);
      if (st != GR_OK)
        return st;
      loss_sum += (double) loss * m;
      if (s->labels != NULL)
        {
          const float *y = gr_net_output (s->net);

          for (int i = 0; i < m; i++)
            for (size_t q = 0; q < P; q++)
              {
                int32_t t = s->labels[(size_t) i * P + q];
                const float *z = y + (size_t) i * S + q;
                int best = 0;

                if (ds->ignore_label >= 0 && t == ds->ignore_label)
                  continue;
                if (out.c == 1)
                  best = z[0] > 0.0f;
                else
                  for (int c = 1; c < out.c; c++)
                    if (z[c * P] > z[best * P])
                      best = c;
                correct += best == t;
                counted++;
                if (confusion != NULL && t < C && best < C)
                  confusion[t * C + best]++;
              }
        }
    }
  *loss_out = n ? (float) (loss_sum / n) : NAN;
  *acc_out = counted ? (float) correct / (float) counted : NAN;
  return GR_OK;
}

GrStatus
gr_session_evaluate (GrSession    *s,
                     GrEvalRecord *out)
{
  GrEvalRecord rec = { 0 };
  GrStatus st;
  int64_t *conf = s->confusion;
  int C = s->n_classes;

  rec.step = s->step;
  rec.epoch = s->batcher.epoch;
  rec.pixel_acc = NAN;
  rec.miou = NAN;
  rec.val_loss = NAN;
  rec.val_acc = NAN;
  st = eval_set (s, s->train, s->cfg.eval_samples, &rec.train_loss, &rec.train_acc, NULL);
  if (st == GR_OK && s->val != NULL && s->val->n > 0)
    {
      if (C > 0 && C <= GR_MAX_CLASSES)
        memset (conf, 0, sizeof (int64_t) * C * C);
      st = eval_set (s, s->val, s->val->n, &rec.val_loss, &rec.val_acc,
                     C > 0 ? conf : NULL);
      if (st == GR_OK && s->is_seg)
        {
          double iou_sum = 0.0;
          int present = 0;

          rec.pixel_acc = rec.val_acc;
          rec.n_classes = C;
          for (int c = 0; c < C; c++)
            {
              int64_t tp = conf[c * C + c], fp = 0, fn = 0;

              for (int k = 0; k < C; k++)
                if (k != c)
                  {
                    fp += conf[k * C + c];
                    fn += conf[c * C + k];
                  }
              /* A class absent from both truth and prediction has no IoU;
               * it is left out of the mean. */
              if (tp + fp + fn == 0)
                {
                  rec.class_iou[c] = NAN;
                  continue;
                }
              rec.class_iou[c] = (float) tp / (float) (tp + fp + fn);
              iou_sum += rec.class_iou[c];
              present++;
            }
          rec.miou = present ? (float) (iou_sum / present) : NAN;
        }
    }
  if (st == GR_ERR_NONFINITE)
    {
      /* TRANSLATORS: the step, then what went non-finite. */
      set_error (s, GR_("evaluation at step %lld: %s"), (long long) s->step,
                 gr_net_error (s->net));
      return st;
    }
  if (st != GR_OK)
    return st;
  gr_history_append_eval (s->history, &rec);
  if (out != NULL)
    *out = rec;
  return GR_OK;
}

GrStatus
gr_session_reset (GrSession *s,
                  char      *err,
                  size_t     err_len)
{
  GrModelSpec keep = s->cfg.model;
  GrStatus st;

  pthread_mutex_lock (&s->lock);
  s->cfg.model = s->pending_model;
  s->knobs = s->pending;
  s->has_pending = false;
  pthread_mutex_unlock (&s->lock);

  free_buffers (s);
  gr_history_clear (s->history);
  st = build (s, err, err_len);
  if (st != GR_OK)
    {
      /* Fall back to the last model that built, so the session stays
       * usable; the caller reports @err. */
      char err2[256];

      free_buffers (s);
      s->cfg.model = keep;
      pthread_mutex_lock (&s->lock);
      s->pending_model = keep;
      pthread_mutex_unlock (&s->lock);
      if (build (s, err2, sizeof err2) != GR_OK)
        return GR_ERR_STATE;
      return st;
    }
  /* A reset starts over from the knobs as they are now; the timeline has
   * already been applied to them, so it is done with. */
  s->n_timeline = 0;
  s->timeline_pos = 0;
  /* TRANSLATORS: an event label on the loss chart: the run restarted. */
  gr_history_append_event (s->history, 0, GR_EVENT_RESET, GR_("reset"));
  if (s->standardized)
    gr_history_append_event (s->history, 0, GR_EVENT_NOTE, GR_("inputs standardized"));
  return GR_OK;
}

GrStatus
gr_session_restore_snapshot (GrSession *s,
                             int64_t   *restored_step)
{
  size_t np = gr_net_n_params (s->net), ns = gr_net_n_state (s->net);
  const float *buf = s->snap[1];
  char text[GR_EVENT_TEXT_LEN];

  memcpy (gr_net_params (s->net), buf, sizeof (float) * np);
  memcpy (gr_net_state (s->net), buf + np, sizeof (float) * ns);
  memcpy (gr_optim_state (s->opt), buf + np + ns, sizeof (float) * gr_optim_n_state (s->opt));
  gr_optim_set_t (s->opt, s->snap_adam_t[1]);
  /* Both slots now hold the restored state, so a second blow-up goes back
   * here again rather than to a newer, possibly sick, copy. */
  memcpy (s->snap[0], buf, sizeof (float) * snapshot_size (s));
  s->snap_step[0] = s->snap_step[1];
  s->snap_adam_t[0] = s->snap_adam_t[1];
  if (restored_step != NULL)
    *restored_step = s->snap_step[1];
  snprintf (text, sizeof text, GR_("weights restored from step %lld"),
            (long long) s->snap_step[1]);
  gr_history_append_event (s->history, s->step + 1, GR_EVENT_NOTE, text);
  return GR_OK;
}

GrStatus
gr_session_standardize_inputs (GrSession *s,
                               char      *err,
                               size_t     err_len)
{
  GrInputStats stats;
  GrDataset *tr, *va = NULL;

  if (err_len)
    err[0] = '\0';
  if (s->standardized)
    return GR_OK;
  tr = gr_dataset_copy (s->train);
  if (s->val != NULL)
    va = gr_dataset_copy (s->val);
  if (tr == NULL || (s->val != NULL && va == NULL))
    {
      gr_dataset_free (tr);
      gr_dataset_free (va);
      snprintf (err, err_len, GR_("out of memory"));
      return GR_ERR_NOMEM;
    }
  gr_probe_input_stats (s->train, &stats);
  gr_probe_standardize (tr, &stats);
  if (va != NULL)
    gr_probe_standardize (va, &stats);
  pthread_mutex_lock (&s->lock);
  s->own_train = tr;
  s->own_val = va;
  s->train = tr;
  s->val = va;
  s->standardized = true;
  s->std_stats = stats;
  pthread_mutex_unlock (&s->lock);
  /* Same samples, same order: the batcher goes on over the copy. */
  s->batcher.ds = tr;
  /* Before the first step it is the run's configuration (an experiment's
   * data.normalize), noted at step 0 as after a reset; later it is a
   * change, marked at the step it first acts on like a knob. */
  if (s->step == 0)
    gr_history_append_event (s->history, 0, GR_EVENT_NOTE, GR_("inputs standardized"));
  else
    gr_history_append_event (s->history, s->step + 1, GR_EVENT_KNOB, GR_("inputs standardized"));
  return GR_OK;
}

bool
gr_session_inputs_standardized (GrSession *s)
{
  bool v;

  pthread_mutex_lock (&s->lock);
  v = s->standardized;
  pthread_mutex_unlock (&s->lock);
  return v;
}

bool
gr_session_standardize_like (GrSession *s,
                             float     *x,
                             int        n)
{
  GrInputStats stats;
  GrDataset view;
  bool v;

  pthread_mutex_lock (&s->lock);
  v = s->standardized;
  if (v)
    stats = s->std_stats;
  pthread_mutex_unlock (&s->lock);
  if (!v)
    return false;
  memset (&view, 0, sizeof view);
  view.sample = s->train->sample;   /* the same for the copy and the original */
  view.n = n;
  view.x = x;
  gr_probe_standardize (&view, &stats);
  return true;
}

GrStatus
gr_session_set_knobs (GrSession     *s,
                      const GrKnobs *k,
                      char          *err,
                      size_t         err_len)
{
  GrStatus st = gr_knobs_validate (k, s->cfg.max_batch, err, err_len);

  if (st != GR_OK)
    return st;
  pthread_mutex_lock (&s->lock);
  s->pending = *k;
  s->has_pending = true;
  pthread_mutex_unlock (&s->lock);
  return GR_OK;
}

GrStatus
gr_session_set_knob (GrSession  *s,
                     const char *key,
                     const char *value,
                     char       *err,
                     size_t      err_len)
{
  GrKnobs k;
  GrStatus st;

  pthread_mutex_lock (&s->lock);
  k = s->pending;
  pthread_mutex_unlock (&s->lock);
  st = gr_knobs_set (&k, key, value, err, err_len);
  if (st != GR_OK)
    return st;
  return gr_session_set_knobs (s, &k, err, err_len);
}

void
gr_session_get_knobs (GrSession *s,
                      GrKnobs   *out)
{
  pthread_mutex_lock (&s->lock);
  *out = s->pending;
  pthread_mutex_unlock (&s->lock);
}

void
gr_session_set_model (GrSession         *s,
                      const GrModelSpec *spec)
{
  pthread_mutex_lock (&s->lock);
  s->pending_model = *spec;
  pthread_mutex_unlock (&s->lock);
}

GrStatus
gr_session_add_timeline (GrSession  *s,
                         int64_t     step,
                         const char *key,
                         const char *value,
                         char       *err,
                         size_t      err_len)
{
  GrKnobs probe = s->knobs;
  GrTimelineEntry *e;
  int pos;

  if (step < 1)
    {
      snprintf (err, err_len, GR_("timeline: step %lld is before the first step (1)"),
                (long long) step);
      return GR_ERR_ARG;
    }
  if (gr_knobs_needs_reset (key))
    {
      snprintf (err, err_len, GR_("timeline: knob '%s' only takes effect on reset"), key);
      return GR_ERR_ARG;
    }
  if (gr_knobs_set (&probe, key, value, err, err_len) != GR_OK)
    return GR_ERR_ARG;
  if (gr_knobs_validate (&probe, s->cfg.max_batch, err, err_len) != GR_OK)
    return GR_ERR_ARG;
  if (s->n_timeline == s->timeline_alloc)
    {
      int n = s->timeline_alloc ? s->timeline_alloc * 2 : 16;
      GrTimelineEntry *t = realloc (s->timeline, sizeof *t * n);

      if (t == NULL)
        {
          snprintf (err, err_len, GR_("out of memory"));
          return GR_ERR_NOMEM;
        }
      s->timeline = t;
      s->timeline_alloc = n;
    }
  /* Keep entries sorted by step, stable for equal steps. */
  pos = s->n_timeline;
  while (pos > 0 && s->timeline[pos - 1].step > step)
    pos--;
  memmove (s->timeline + pos + 1, s->timeline + pos,
           sizeof *s->timeline * (s->n_timeline - pos));
  e = &s->timeline[pos];
  e->step = step;
  snprintf (e->key, sizeof e->key, "%s", key);
  snprintf (e->value, sizeof e->value, "%s", value);
  s->n_timeline++;
  return GR_OK;
}

void
gr_session_add_hook (GrSession  *s,
                     GrStepHook  hook,
                     void       *user_data)
{
  if (s->n_hooks < MAX_HOOKS)
    {
      s->hooks[s->n_hooks].fn = hook;
      s->hooks[s->n_hooks].data = user_data;
      s->n_hooks++;
    }
}

void
gr_session_set_histogram_layer (GrSession *s,
                                int        layer)
{
  pthread_mutex_lock (&s->lock);
  s->hist_layer = layer;
  pthread_mutex_unlock (&s->lock);
}

GrHistory *
gr_session_history (GrSession *s)
{
  return s->history;
}

GrNet *
gr_session_net (GrSession *s)
{
  return s->net;
}

int64_t
gr_session_step_count (GrSession *s)
{
  return s->step;
}

int64_t
gr_session_epoch (GrSession *s)
{
  return s->batcher.epoch;
}

const char *
gr_session_error (GrSession *s)
{
  return s->error;
}

const GrDataset *
gr_session_train_data (GrSession *s)
{
  const GrDataset *ds;

  pthread_mutex_lock (&s->lock);
  ds = s->train;
  pthread_mutex_unlock (&s->lock);
  return ds;
}

const GrDataset *
gr_session_val_data (GrSession *s)
{
  const GrDataset *ds;

  pthread_mutex_lock (&s->lock);
  ds = s->val;
  pthread_mutex_unlock (&s->lock);
  return ds;
}

void
gr_session_loss_config (GrSession    *s,
                        GrLossConfig *out)
{
  *out = s->loss;
}

void
gr_session_class_freq (GrSession *s,
                       float     *freq)
{
  memcpy (freq, s->class_freq, sizeof (float) * s->n_classes);
}

void
gr_session_confusion (GrSession *s,
                      int64_t   *counts)
{
  memcpy (counts, s->confusion,
          sizeof (int64_t) * s->n_classes * s->n_classes);
}

const GrSessionConfig *
gr_session_config (GrSession *s)
{
  return &s->cfg;
}

const GrProbe *
gr_session_probes (GrSession *s)
{
  return s->probes;
}
