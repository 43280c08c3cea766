/* The doctor and its probes on small synthetic runs built here: Gaussian
 * blobs, one per class, and MLPs over them. The fault presets themselves
 * (digits) are checked in tests/app/test-doctor-presets.c.
 *
 * This program is linked with -Wl,--wrap=malloc (and calloc, realloc) so
 * that it can count the allocations gr_doctor_observe () makes. */

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gr-doctor.h"
#include "gr-probes.h"

/* ---- Allocation counting ------------------------------------------------ */

static atomic_int counting;
static atomic_int allocations;

void *__real_malloc (size_t n);
void *__real_calloc (size_t n, size_t size);
void *__real_realloc (void *p, size_t n);
void *__wrap_malloc (size_t n);
void *__wrap_calloc (size_t n, size_t size);
void *__wrap_realloc (void *p, size_t n);

void *
__wrap_malloc (size_t n)
{
  if (atomic_load (&counting))
    atomic_fetch_add (&allocations, 1);
  return __real_malloc (n);
}

void *
__wrap_calloc (size_t n,
               size_t size)
{
  if (atomic_load (&counting))
    atomic_fetch_add (&allocations, 1);
  return __real_calloc (n, size);
}

void *
__wrap_realloc (void   *p,
                size_t  n)
{
  if (atomic_load (&counting))
    atomic_fetch_add (&allocations, 1);
  return __real_realloc (p, n);
}

/* ---- Fixtures ------------------------------------------------------------ */

/* @n samples of @classes Gaussian blobs in @features dimensions, centres
 * drawn N(0, 2^2), unit spread, labels i % classes; every value times
 * @scale. */
static GrDataset *
blobs (int      n,
       int      features,
       int      classes,
       float    scale,
       uint64_t seed)
{
  GrShape s = { 1, features, 1, 1 }, t = { 1, 1, 1, 1 };
  GrDataset *ds = gr_dataset_new ("blobs", s, n, classes, t);
  float centre[16][64];
  GrRng rng;

  g_assert_nonnull (ds);
  g_assert_cmpint (features, <=, 64);
  g_assert_cmpint (classes, <=, 16);
  gr_rng_seed (&rng, seed, 7);
  for (int c = 0; c < classes; c++)
    for (int f = 0; f < features; f++)
      centre[c][f] = 2.0f * gr_rng_normal (&rng);
  for (int i = 0; i < n; i++)
    {
      int c = i % classes;

      ds->labels[i] = c;
      for (int f = 0; f < features; f++)
        ds->x[(size_t) i * features + f] = scale * (centre[c][f] + gr_rng_normal (&rng));
    }
  return ds;
}

/* Labels replaced by random ones (the inputs then predict nothing). */
static void
randomize_labels (GrDataset *ds,
                  uint64_t   seed)
{
  GrRng rng;

  gr_rng_seed (&rng, seed, 11);
  for (int i = 0; i < ds->n; i++)
    ds->labels[i] = (int32_t) gr_rng_below (&rng, (uint32_t) ds->n_classes);
}

typedef struct
{
  int       widths[4];
  int       depth;
  GrActKind act;
  bool      softmax;
  GrOptKind opt;
  float     lr;
  GrLossKind loss;
  float     bias_init;   /* hidden dense layers' initial bias */
} RunSpec;

static GrSession *
make_session (const RunSpec   *r,
              const GrDataset *train,
              const GrDataset *val)
{
  GrSessionConfig cfg;
  GrMlpSpec mlp;
  char err[256] = "";
  GrSession *s;

  memset (&cfg, 0, sizeof cfg);
  memset (&mlp, 0, sizeof mlp);
  mlp.depth = r->depth;
  mlp.n_widths = r->depth;
  for (int i = 0; i < r->depth; i++)
    mlp.widths[i] = r->widths[i];
  mlp.act = r->act;
  mlp.softmax = r->softmax;
  mlp.outputs = train->n_classes;
  mlp.bias_init = r->bias_init;
  g_assert_cmpint (gr_model_from_mlp (&cfg.model, train->sample, &mlp), ==, GR_OK);
  gr_knobs_defaults (&cfg.knobs);
  cfg.knobs.optimizer = r->opt;
  cfg.knobs.activation = r->act;  /* the knob sets every ACT node */
  cfg.knobs.lr = r->lr;
  cfg.knobs.loss = r->loss;
  cfg.knobs.batch_size = 32;
  cfg.seed = 1;
  cfg.max_batch = 64;
  cfg.threads = 1;
  s = gr_session_new (&cfg, train, val, err, sizeof err);
  if (s == NULL)
    g_error ("session: %s", err);
  return s;
}

/* Steps @s up to @steps times with the doctor watching, evaluating every
 * @eval_every steps; stops at a failed step. Returns the last status. */
static GrStatus
run (GrSession *s,
     GrDoctor  *d,
     int        steps,
     int        eval_every)
{
  GrStatus st = GR_OK;

  for (int i = 0; i < steps; i++)
    {
      st = gr_session_step (s);
      gr_doctor_observe (d, s);
      if (st != GR_OK)
        break;
      if (eval_every > 0 && gr_session_step_count (s) % eval_every == 0)
        {
          g_assert_cmpint (gr_session_evaluate (s, NULL), ==, GR_OK);
          gr_doctor_observe (d, s);
        }
    }
  return st;
}

/* The highest severity of any finding ever raised, or -1. */
static int
max_logged (GrDoctor *d)
{
  GrFinding f[64];
  int n = gr_doctor_copy_log (d, 0, 64, f), worst = -1;

  for (int i = 0; i < n; i++)
    {
      if (f[i].severity > GR_SEVERITY_INFO)
        g_test_message ("logged: %s at step %" G_GINT64_FORMAT ": %s", f[i].code,
                        f[i].step, f[i].evidence);
      worst = MAX (worst, (int) f[i].severity);
    }
  return worst;
}

static const RunSpec healthy = {
  .widths = { 32, 32 }, .depth = 2, .act = GR_ACT_RELU, .opt = GR_OPT_ADAM, .lr = 0.003f,
  .loss = GR_LOSS_CE,
};

/* ---- Names and formatting --------------------------------------------- */

static void
test_names (void)
{
  for (int k = 0; k < GR_N_FINDING_KINDS; k++)
    {
      const char *code = gr_finding_code (k);

      g_assert_nonnull (code);
      g_assert_cmpint (gr_finding_parse_code (code), ==, k);
      g_assert_cmpuint (strlen (gr_finding_message (k)), >, 40);
      for (int j = 0; j < k; j++)
        g_assert_cmpstr (gr_finding_code (j), !=, code);
    }
  g_assert_cmpint (gr_finding_parse_code ("no-such-code"), ==, -1);
  g_assert_cmpint (gr_finding_parse_code (NULL), ==, -1);
  g_assert_cmpstr (gr_finding_code (GR_FINDING_LR_TOO_HIGH), ==, "lr-too-high");
  g_assert_cmpstr (gr_severity_name (GR_SEVERITY_INFO), ==, "info");
  g_assert_cmpstr (gr_severity_name (GR_SEVERITY_WARNING), ==, "warning");
  g_assert_cmpstr (gr_severity_name (GR_SEVERITY_ERROR), ==, "error");
}

static void
test_format (void)
{
  GrFinding f;
  char line[512], json[2048], tiny[16];
  int need;

  memset (&f, 0, sizeof f);
  f.kind = GR_FINDING_LR_TOO_HIGH;
  f.code = gr_finding_code (f.kind);
  f.message = gr_finding_message (f.kind);
  f.severity = GR_SEVERITY_WARNING;
  f.step = 120;
  f.layer = 1;
  snprintf (f.evidence, sizeof f.evidence, "ratio \"0.3\"\nback\\slash\ttab");
  snprintf (f.remedy.label, sizeof f.remedy.label, "Lower the learning rate to 0.01");
  f.remedy.n_changes = 1;
  snprintf (f.remedy.changes[0].key, sizeof f.remedy.changes[0].key, "lr");
  snprintf (f.remedy.changes[0].value, sizeof f.remedy.changes[0].value, "0.01");

  gr_finding_format_line (&f, line, sizeof line);
  g_assert_true (g_str_has_prefix (line, "step 120 warning lr-too-high: ratio"));
  g_assert_nonnull (strstr (line, "-> Lower the learning rate to 0.01 [lr=0.01]"));

  need = gr_finding_format_json (&f, "dense2", json, sizeof json);
  g_assert_cmpint (need, ==, (int) strlen (json));
  g_assert_nonnull (strstr (json, "\"code\": \"lr-too-high\""));
  g_assert_nonnull (strstr (json, "\"step\": 120"));
  g_assert_nonnull (strstr (json, "\"cleared_step\": null"));
  g_assert_nonnull (strstr (json, "\"layer\": \"dense2\""));
  g_assert_nonnull (strstr (json, "ratio \\\"0.3\\\"\\nback\\\\slash\\u0009tab"));
  g_assert_nonnull (strstr (json, "\"changes\": {\"lr\": \"0.01\"}"));
  g_assert_nonnull (strstr (json, "\"needs_reset\": false, \"probe\": null"));
  g_assert_null (strchr (json, '\n'));
  g_assert_true (json[0] == '{' && json[strlen (json) - 1] == '}');

  /* A short buffer is truncated, terminated, and told the length needed. */
  g_assert_cmpint (gr_finding_format_json (&f, NULL, tiny, sizeof tiny), >, (int) sizeof tiny);
  g_assert_cmpuint (strlen (tiny), ==, sizeof tiny - 1);
  f.cleared_step = 300;
  gr_finding_format_json (&f, NULL, json, sizeof json);
  g_assert_nonnull (strstr (json, "\"cleared_step\": 300"));
  g_assert_null (strstr (json, "\"layer\""));
}

static void
test_defaults (void)
{
  GrDoctorConfig cfg;
  GrDoctor *d;

  gr_doctor_config_defaults (&cfg);
  g_assert_cmpfloat (cfg.update_ratio_high, >, 1e-3f);
  g_assert_cmpfloat (cfg.update_ratio_low, <, 1e-3f);
  g_assert_cmpint (cfg.window, >, 0);
  d = gr_doctor_new (&cfg);
  g_assert_nonnull (d);
  g_assert_cmpint (gr_doctor_max_severity (d), ==, -1);
  g_assert_cmpint (gr_doctor_n_log (d), ==, 0);
  g_assert_cmpuint (gr_doctor_serial (d), ==, 0);
  gr_doctor_free (d);
  gr_doctor_free (NULL);
}

/* ---- Findings on runs ------------------------------------------------------ */

static void
test_healthy (void)
{
  GrDataset *tr = blobs (800, 8, 4, 1.0f, 1), *va = blobs (200, 8, 4, 1.0f, 1);
  GrSession *s = make_session (&healthy, tr, va);
  GrDoctor *d = gr_doctor_new (NULL);
  GrEvalRecord ev;

  g_assert_cmpint (run (s, d, 800, 50), ==, GR_OK);
  g_assert_cmpint (gr_session_evaluate (s, &ev), ==, GR_OK);
  g_assert_cmpfloat (ev.val_acc, >, 0.9f);
  g_assert_cmpint (max_logged (d), <=, GR_SEVERITY_INFO);
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
  gr_dataset_free (va);
}

static void
test_lr_high (void)
{
  GrDataset *tr = blobs (800, 8, 4, 1.0f, 1);
  RunSpec r = healthy;
  GrSession *s;
  GrDoctor *d = gr_doctor_new (NULL);
  GrFinding f;

  r.opt = GR_OPT_SGD;
  r.lr = 50.0f;
  s = make_session (&r, tr, NULL);
  run (s, d, 60, 0);
  g_assert_true (gr_doctor_first_logged (d, GR_FINDING_LR_TOO_HIGH, &f));
  g_assert_cmpint (f.step, <=, 10);
  g_assert_cmpint (f.severity, ==, GR_SEVERITY_ERROR);
  g_assert_cmpstr (f.remedy.changes[0].key, ==, "lr");
  g_assert_cmpstr (f.remedy.changes[0].value, ==, "5");
  g_assert_nonnull (strstr (f.evidence, "update/weight ratio"));
  g_assert_true (gr_doctor_first_logged (d, GR_FINDING_DIVERGENCE, NULL));
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

/* A step that fails on NaN is seen through the history's DIVERGED
 * event. */
static void
test_nonfinite_step (void)
{
  GrDataset *tr = blobs (256, 8, 4, 1e30f, 1);
  RunSpec r = healthy;
  GrSession *s;
  GrDoctor *d = gr_doctor_new (NULL);
  GrFinding f;
  GrStatus st = GR_OK;

  /* Inputs of 1e30 under SGD: the first update scales the weights by as
   * much, and the second forward pass overflows. */
  r.opt = GR_OPT_SGD;
  r.lr = 0.1f;
  s = make_session (&r, tr, NULL);

  for (int i = 0; i < 20 && st == GR_OK; i++)
    {
      st = gr_session_step (s);
      gr_doctor_observe (d, s);
    }
  g_assert_cmpint (st, ==, GR_ERR_NONFINITE);
  g_assert_true (gr_doctor_get_active (d, GR_FINDING_DIVERGENCE, &f));
  g_assert_cmpint (f.severity, ==, GR_SEVERITY_ERROR);
  g_assert_nonnull (strstr (f.evidence, "step "));
  g_assert_nonnull (strstr (f.evidence, "finite"));
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

static void
test_lr_low (void)
{
  GrDataset *tr = blobs (800, 8, 4, 1.0f, 1);
  RunSpec r = healthy;
  GrSession *s;
  GrDoctor *d = gr_doctor_new (NULL);
  GrFinding f;

  r.opt = GR_OPT_SGD;
  r.lr = 1e-6f;
  s = make_session (&r, tr, NULL);
  run (s, d, 300, 0);
  g_assert_true (gr_doctor_get_active (d, GR_FINDING_LR_TOO_LOW, &f));
  g_assert_cmpint (f.step, <=, 250);
  g_assert_cmpstr (f.remedy.changes[0].key, ==, "lr");
  /* Raised by at least 10x, at most 1000x. */
  g_assert_cmpfloat (g_ascii_strtod (f.remedy.changes[0].value, NULL), >=, 1e-5);
  g_assert_cmpfloat (g_ascii_strtod (f.remedy.changes[0].value, NULL), <=, 1e-3);
  g_assert_false (gr_doctor_first_logged (d, GR_FINDING_LR_TOO_HIGH, NULL));
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

/* The loss against the output node, re-checked as the loss knob changes. */
static void
test_mismatch (void)
{
  GrDataset *tr = blobs (256, 8, 4, 1.0f, 1);
  RunSpec r = healthy;
  GrSession *s;
  GrDoctor *d = gr_doctor_new (NULL);
  GrFinding f;
  GrModelSpec spec;
  char err[256];

  r.softmax = true;
  r.loss = GR_LOSS_MSE;
  s = make_session (&r, tr, NULL);
  run (s, d, 1, 0);
  g_assert_true (gr_doctor_get_active (d, GR_FINDING_LOSS_OUTPUT_MISMATCH, &f));
  g_assert_cmpint (f.step, ==, 1);
  g_assert_cmpint (f.severity, ==, GR_SEVERITY_WARNING);
  g_assert_nonnull (strstr (f.evidence, "softmax"));
  g_assert_true (f.remedy.needs_reset);

  /* Cross-entropy over the softmax's probabilities: worse, an error. */
  g_assert_cmpint (gr_session_set_knob (s, "loss", "ce", err, sizeof err), ==, GR_OK);
  run (s, d, 1, 0);
  g_assert_true (gr_doctor_get_active (d, GR_FINDING_LOSS_OUTPUT_MISMATCH, &f));
  g_assert_cmpint (f.severity, ==, GR_SEVERITY_ERROR);
  g_assert_cmpint (f.step, ==, 2);
  g_assert_cmpint (gr_doctor_n_log (d), ==, 2);

  /* The remedy drops the softmax node. */
  spec = gr_session_config (s)->model;
  g_assert_cmpint (spec.layers[spec.n_layers - 1].kind, ==, GR_LAYER_SOFTMAX);
  g_assert_cmpint (gr_doctor_remedy_model (&f.remedy, &spec), ==, GR_OK);
  g_assert_cmpint (spec.layers[spec.n_layers - 1].kind, ==, GR_LAYER_DENSE);
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

static void
test_unnormalized (void)
{
  GrDataset *tr = blobs (256, 8, 4, 300.0f, 1);
  GrSession *s = make_session (&healthy, tr, NULL);
  GrDoctor *d = gr_doctor_new (NULL);
  GrInputStats st;
  GrFinding f;

  run (s, d, 1, 0);
  g_assert_true (gr_doctor_get_active (d, GR_FINDING_UNNORMALIZED_INPUTS, &f));
  g_assert_cmpint (f.step, ==, 1);
  g_assert_cmpstr (f.remedy.changes[0].key, ==, "data.normalize");
  /* With fresh weights: a reset (init as it was). */
  g_assert_true (f.remedy.needs_reset);
  g_assert_cmpstr (f.remedy.changes[1].key, ==, "init");

  /* The remedy, live: the session standardizes copies of its data, the
   * caller's set is untouched, an event marks it and the finding clears. */
  {
    bool reset = true;
    char err[256];
    float x0 = tr->x[0];
    const GrDataset *now;
    GrInputStats after;
    GrEvent ev[4];
    int64_t n;

    g_assert_cmpint (gr_doctor_apply_remedy (s, &f.remedy, &reset, err, sizeof err), ==,
                     GR_OK);
    g_assert_true (reset);
    g_assert_true (gr_session_inputs_standardized (s));
    now = gr_session_train_data (s);
    g_assert_true (now != tr);
    g_assert_cmpfloat (tr->x[0], ==, x0);
    gr_probe_input_stats (now, &after);
    g_assert_cmpfloat (fabsf (after.mean), <, 1e-3f);
    g_assert_cmpfloat (fabsf (after.rms - 1.0f), <, 1e-2f);
    /* Applying it again changes nothing. */
    g_assert_cmpint (gr_doctor_apply_remedy (s, &f.remedy, &reset, err, sizeof err), ==,
                     GR_OK);
    g_assert_true (gr_session_train_data (s) == now);
    run (s, d, 1, 0);
    n = gr_history_copy_events (gr_session_history (s), 0, 4, ev);
    g_assert_cmpint (n, ==, 1);
    g_assert_cmpint (ev[0].kind, ==, GR_EVENT_KNOB);
    g_assert_cmpint (ev[0].step, ==, 2);
    g_assert_cmpstr (ev[0].text, ==, "inputs standardized");
    g_assert_false (gr_doctor_get_active (d, GR_FINDING_UNNORMALIZED_INPUTS, NULL));
    /* A reset keeps the standardized data, and says so. */
    g_assert_cmpint (gr_session_reset (s, err, sizeof err), ==, GR_OK);
    g_assert_true (gr_session_train_data (s) == now);
    n = gr_history_copy_events (gr_session_history (s), 0, 4, ev);
    g_assert_cmpint (n, ==, 2);
    g_assert_cmpint (ev[1].kind, ==, GR_EVENT_NOTE);
    g_assert_cmpstr (ev[1].text, ==, "inputs standardized");
    run (s, d, 1, 0);
    g_assert_false (gr_doctor_get_active (d, GR_FINDING_UNNORMALIZED_INPUTS, NULL));
    /* A checkpoint carries it: loaded into a session on the raw data,
     * the inputs are standardized as the weights expect. */
    {
      g_autofree char *dir = g_dir_make_tmp ("gradlab-doctor-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "ck.bin", NULL);
      GrSession *s2 = make_session (&healthy, tr, NULL);

      g_assert_cmpint (gr_session_save_checkpoint (s, path), ==, GR_OK);
      g_assert_false (gr_session_inputs_standardized (s2));
      g_assert_cmpint (gr_session_load_checkpoint (s2, path), ==, GR_OK);
      g_assert_true (gr_session_inputs_standardized (s2));
      gr_session_free (s2);
      g_remove (path);
      g_rmdir (dir);
    }
    /* Only "standard" is applied live. */
    snprintf (f.remedy.changes[0].value, sizeof f.remedy.changes[0].value, "none");
    g_assert_cmpint (gr_doctor_apply_remedy (s, &f.remedy, &reset, err, sizeof err), ==,
                     GR_ERR_ARG);
  }
  gr_session_free (s);
  gr_doctor_free (d);

  /* The remedy, done by hand: standardized inputs are fine. */
  gr_probe_input_stats (tr, &st);
  gr_probe_standardize (tr, &st);
  s = make_session (&healthy, tr, NULL);
  d = gr_doctor_new (NULL);
  run (s, d, 1, 0);
  g_assert_false (gr_doctor_get_active (d, GR_FINDING_UNNORMALIZED_INPUTS, NULL));
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

/* The biases of weighted layer @i of @s's net: all equal to @v? */
static gboolean
biases_are (GrSession *s,
            int        i,
            float      v)
{
  GrNet *net = gr_session_net (s);
  int node = gr_net_weighted_node (net, i);
  size_t off, count, total = gr_net_node_n_params (net, node);
  const float *p = gr_net_params (net);

  gr_net_weighted_range (net, i, &off, &count);
  g_assert_cmpuint (total, >, count);
  for (size_t j = off + count; j < off + total; j++)
    if (p[j] != v)
      return FALSE;
  return TRUE;
}

/* Dead ReLUs from a large negative initial bias (bias_init): the hidden
 * layers start with every bias at the constant (again after a reset; the
 * output layer keeps 0), the doctor names them dead within 50 steps, and
 * its remedy (leaky ReLU, live) gets the loss moving. */
static void
test_dead_bias (void)
{
  GrDataset *tr = blobs (512, 8, 4, 1.0f, 1);
  RunSpec spec = healthy;
  GrSession *s;
  GrDoctor *d = gr_doctor_new (NULL);
  GrFinding f;
  char err[256];
  bool reset = false;
  GrStepRecord rec[20];
  double before = 0, after = 0;
  int64_t n;

  spec.bias_init = -10.0f;
  s = make_session (&spec, tr, NULL);
  g_assert_true (biases_are (s, 0, -10.0f));
  g_assert_true (biases_are (s, 1, -10.0f));
  g_assert_true (biases_are (s, 2, 0.0f));
  g_assert_cmpint (gr_session_reset (s, err, sizeof err), ==, GR_OK);
  g_assert_true (biases_are (s, 0, -10.0f));

  run (s, d, 50, 0);
  g_assert_true (gr_doctor_first_logged (d, GR_FINDING_DEAD_RELU, &f));
  g_test_message ("dead-relu at step %lld: %s", (long long) f.step, f.evidence);
  g_assert_cmpint (f.step, <=, 50);
  g_assert_cmpint (f.severity, ==, GR_SEVERITY_ERROR);
  g_assert_cmpstr (f.remedy.changes[0].key, ==, "activation");
  n = gr_history_copy_steps (gr_session_history (s), 30, 20, rec);
  for (int64_t i = 0; i < n; i++)
    before += rec[i].loss / n;
  g_assert_cmpint (gr_doctor_apply_remedy (s, &f.remedy, &reset, err, sizeof err), ==, GR_OK);
  g_assert_false (reset);
  run (s, d, 400, 0);
  n = gr_history_copy_steps (gr_session_history (s), 430, 20, rec);
  for (int64_t i = 0; i < n; i++)
    after += rec[i].loss / n;
  g_test_message ("mean loss %.4f before the remedy, %.4f 400 steps after", before, after);
  g_assert_cmpfloat (after, <, 0.5 * before);
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

/* The largest saturated share among @s's weighted layers of the last step. */
static float
max_saturated (GrSession *s)
{
  const GrProbe *p = gr_session_probes (s);
  int n = gr_net_n_weighted (gr_session_net (s));
  float m = 0.0f;

  for (int i = 0; i < n; i++)
    m = MAX (m, p[i].saturated_frac);
  return m;
}

/* Saturated tanh units: raised on a net that does not learn (hidden
 * biases of 5 pin every output near +1; the labels are random, so nothing
 * fits), with the Xavier remedy when the init is not Xavier and a smaller
 * learning rate and fresh weights when it is. Not raised on a net that saturates because it
 * fits its data with confidence. */
static void
test_saturation (void)
{
  GrDataset *tr = blobs (512, 8, 4, 1.0f, 1);
  RunSpec spec = healthy;
  GrSession *s;
  GrDoctor *d;
  GrFinding f;
  char err[256];
  bool reset = false;

  randomize_labels (tr, 3);
  spec.act = GR_ACT_TANH;
  spec.opt = GR_OPT_SGD;
  spec.lr = 0.01f;
  spec.bias_init = 5.0f;
  s = make_session (&spec, tr, NULL);
  d = gr_doctor_new (NULL);
  run (s, d, 100, 0);
  g_test_message ("saturated share %.3f", max_saturated (s));
  g_assert_cmpfloat (max_saturated (s), >, 0.9f);
  g_assert_true (gr_doctor_first_logged (d, GR_FINDING_SATURATION, &f));
  g_test_message ("saturation at step %lld: %s (%s)", (long long) f.step, f.evidence,
                  f.remedy.label);
  g_assert_cmpint (f.step, <=, 100);
  g_assert_cmpint (f.severity, ==, GR_SEVERITY_WARNING);
  g_assert_cmpstr (f.remedy.changes[0].key, ==, "init");
  g_assert_cmpstr (f.remedy.changes[0].value, ==, "xavier");
  g_assert_true (f.remedy.needs_reset);
  g_assert_nonnull (strstr (f.evidence, "5"));
  gr_doctor_free (d);
  gr_session_free (s);

  /* Xavier weights from zero biases, grown by steps far too large: the
   * remedy is then a smaller step from fresh weights. */
  spec.bias_init = 0.0f;
  spec.lr = 2.0f;
  s = make_session (&spec, tr, NULL);
  d = gr_doctor_new (NULL);
  g_assert_cmpint (gr_doctor_apply_remedy (s, &f.remedy, &reset, err, sizeof err), ==, GR_OK);
  g_assert_true (reset);
  g_assert_cmpint (gr_session_reset (s, err, sizeof err), ==, GR_OK);
  run (s, d, 100, 0);
  g_test_message ("saturated share %.3f", max_saturated (s));
  g_assert_true (gr_doctor_get_active (d, GR_FINDING_SATURATION, &f));
  g_test_message ("after the reset: %s", f.remedy.label);
  g_assert_cmpstr (f.remedy.changes[0].key, ==, "lr");
  g_assert_cmpstr (f.remedy.changes[0].value, ==, "0.2");
  g_assert_cmpstr (f.remedy.changes[1].key, ==, "init");
  g_assert_true (f.remedy.needs_reset);
  g_assert_cmpint (gr_doctor_apply_remedy (s, &f.remedy, &reset, err, sizeof err), ==, GR_OK);
  g_assert_true (reset);
  g_assert_cmpint (gr_session_reset (s, err, sizeof err), ==, GR_OK);
  gr_doctor_reset (d);
  run (s, d, 300, 0);
  g_test_message ("300 steps later: saturated share %.3f", max_saturated (s));
  g_assert_false (gr_doctor_get_active (d, GR_FINDING_SATURATION, NULL));
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);

  /* Separable blobs learnt with large steps: the last hidden layer
   * saturates on confident outputs, and that is no fault. */
  tr = blobs (512, 8, 4, 1.0f, 1);
  spec = healthy;
  spec.act = GR_ACT_TANH;
  spec.lr = 0.05f;
  s = make_session (&spec, tr, NULL);
  d = gr_doctor_new (NULL);
  run (s, d, 600, 0);
  {
    GrStepRecord last;

    g_assert_cmpint (gr_history_copy_steps (gr_session_history (s), 599, 1, &last), ==, 1);
    g_test_message ("fitted: saturated share %.3f, loss %.4f, batch accuracy %.3f",
                    max_saturated (s), last.loss, last.acc);
  }
  g_assert_cmpfloat (max_saturated (s), >, 0.5f);
  g_assert_false (gr_doctor_first_logged (d, GR_FINDING_SATURATION, NULL));
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

/* Labels that nothing predicts: the loss stays at ln C with healthy
 * updates, and the validation accuracy at chance. */
static void
test_shuffled (void)
{
  GrDataset *tr = blobs (800, 8, 4, 1.0f, 1), *va = blobs (400, 8, 4, 1.0f, 1);
  GrSession *s;
  GrDoctor *d = gr_doctor_new (NULL);
  GrFinding f;

  randomize_labels (tr, 3);
  s = make_session (&healthy, tr, va);
  run (s, d, 400, 25);
  g_assert_true (gr_doctor_first_logged (d, GR_FINDING_SHUFFLED_LABELS, &f));
  g_assert_cmpint (f.step, <=, 300);
  g_assert_cmpint (f.severity, ==, GR_SEVERITY_ERROR);
  g_assert_cmpstr (f.remedy.probe, ==, "shuffle-control");
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
  gr_dataset_free (va);
}

/* A reset ends every active finding; the log keeps them. */
static void
test_reset (void)
{
  GrDataset *tr = blobs (256, 8, 4, 1.0f, 1);
  RunSpec r = healthy;
  GrSession *s;
  GrDoctor *d = gr_doctor_new (NULL);
  GrFinding f[8];
  uint64_t serial;
  char err[256];

  r.softmax = true;
  r.loss = GR_LOSS_MSE;
  s = make_session (&r, tr, NULL);
  run (s, d, 3, 0);
  g_assert_cmpint (gr_doctor_copy_active (d, f, 8), ==, 1);
  serial = gr_doctor_serial (d);
  g_assert_cmpuint (serial, >, 0);

  g_assert_cmpint (gr_session_set_knob (s, "loss", "ce", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_session_reset (s, err, sizeof err), ==, GR_OK);
  gr_session_set_knob (s, "loss", "mse", err, sizeof err);
  gr_doctor_observe (d, s);
  g_assert_cmpuint (gr_doctor_serial (d), >, serial);
  g_assert_cmpint (gr_doctor_copy_log (d, 0, 8, f), >=, 1);
  g_assert_cmpint (f[0].cleared_step, ==, 3);
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

static void
changed_cb (GrDoctor *d,
            void     *user_data)
{
  (void) d;
  (*(int *) user_data)++;
}

/* Newest first; the callback fires once per observe that changed
 * something. */
static void
test_order_and_callback (void)
{
  GrDataset *tr = blobs (256, 8, 4, 300.0f, 1);
  RunSpec r = healthy;
  GrSession *s;
  GrDoctor *d = gr_doctor_new (NULL);
  GrFinding f[8];
  int calls = 0, n;
  char err[256];

  r.softmax = true;
  r.loss = GR_LOSS_MSE;
  s = make_session (&r, tr, NULL);
  gr_doctor_set_callback (d, changed_cb, &calls);
  run (s, d, 2, 0);
  g_assert_cmpint (calls, ==, 1);
  /* Both structural findings at step 1: the later raised (higher id)
   * comes first. */
  n = gr_doctor_copy_active (d, f, 8);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpint (f[0].id, >, f[1].id);
  g_assert_cmpint (gr_doctor_copy_active (d, f, 1), ==, 1);

  gr_session_set_knob (s, "loss", "ce", err, sizeof err);
  run (s, d, 1, 0);
  g_assert_cmpint (calls, ==, 2);
  n = gr_doctor_copy_active (d, f, 8);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpint (f[0].step, ==, 3);
  g_assert_cmpint (f[0].kind, ==, GR_FINDING_LOSS_OUTPUT_MISMATCH);
  g_assert_cmpint (f[1].step, ==, 1);
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

static void
test_apply_remedy (void)
{
  GrDataset *tr = blobs (256, 8, 4, 1.0f, 1);
  GrSession *s = make_session (&healthy, tr, NULL);
  GrRemedy r;
  GrKnobs k;
  GrEvent ev[4];
  bool reset = true;
  char err[256];

  memset (&r, 0, sizeof r);
  r.n_changes = 2;
  snprintf (r.changes[0].key, sizeof r.changes[0].key, "lr");
  snprintf (r.changes[0].value, sizeof r.changes[0].value, "0.02");
  snprintf (r.changes[1].key, sizeof r.changes[1].key, "clip_norm");
  snprintf (r.changes[1].value, sizeof r.changes[1].value, "1");
  g_assert_cmpint (gr_doctor_apply_remedy (s, &r, &reset, err, sizeof err), ==, GR_OK);
  g_assert_false (reset);
  gr_session_get_knobs (s, &k);
  g_assert_cmpfloat (k.lr, ==, 0.02f);
  g_assert_cmpfloat (k.clip_norm, ==, 1.0f);
  /* Marked on the plots like any knob change. */
  gr_session_step (s);
  g_assert_cmpint (gr_history_copy_events (gr_session_history (s), 0, 4, ev), ==, 1);
  g_assert_cmpint (ev[0].kind, ==, GR_EVENT_KNOB);
  g_assert_nonnull (strstr (ev[0].text, "lr"));

  /* A model change needs a reset, and then takes effect. */
  memset (&r, 0, sizeof r);
  r.n_changes = 1;
  snprintf (r.changes[0].key, sizeof r.changes[0].key, "model.width");
  snprintf (r.changes[0].value, sizeof r.changes[0].value, "48");
  g_assert_cmpint (gr_doctor_apply_remedy (s, &r, &reset, err, sizeof err), ==, GR_OK);
  g_assert_true (reset);
  g_assert_cmpint (gr_session_reset (s, err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_net_node_shape (gr_session_net (s), gr_net_weighted_node (gr_session_net (s), 0)).c,
                   ==, 48);
  /* The output layer keeps its size. */
  g_assert_cmpint (gr_net_output_shape (gr_session_net (s)).c, ==, 4);

  /* data.normalize=standard applies live, with no reset; other data keys
   * are refused. */
  snprintf (r.changes[0].key, sizeof r.changes[0].key, "data.normalize");
  snprintf (r.changes[0].value, sizeof r.changes[0].value, "standard");
  g_assert_cmpint (gr_doctor_apply_remedy (s, &r, &reset, err, sizeof err), ==, GR_OK);
  g_assert_false (reset);
  g_assert_true (gr_session_inputs_standardized (s));
  snprintf (r.changes[0].key, sizeof r.changes[0].key, "data.shuffle");
  g_assert_cmpint (gr_doctor_apply_remedy (s, &r, &reset, err, sizeof err), ==, GR_ERR_ARG);
  g_assert_nonnull (strstr (err, "data.shuffle"));

  snprintf (r.changes[0].key, sizeof r.changes[0].key, "no_such_knob");
  g_assert_cmpint (gr_doctor_apply_remedy (s, &r, &reset, err, sizeof err), ==, GR_ERR_ARG);
  gr_session_free (s);
  gr_dataset_free (tr);
}

/* Vanishing gradients through a deep sigmoid stack; the ratio names the
 * first and last hidden layers. */
static void
test_vanishing (void)
{
  GrDataset *tr = blobs (512, 8, 4, 1.0f, 1);
  GrSessionConfig cfg;
  GrMlpSpec mlp;
  GrSession *s;
  GrDoctor *d = gr_doctor_new (NULL);
  GrFinding f;
  char err[256];

  memset (&cfg, 0, sizeof cfg);
  memset (&mlp, 0, sizeof mlp);
  mlp.depth = 20;
  mlp.width = 32;
  mlp.act = GR_ACT_SIGMOID;
  mlp.outputs = 4;
  gr_model_from_mlp (&cfg.model, tr->sample, &mlp);
  gr_knobs_defaults (&cfg.knobs);
  cfg.knobs.lr = 0.1f;
  cfg.knobs.activation = GR_ACT_SIGMOID;
  cfg.knobs.init = GR_INIT_UNIFORM;
  cfg.knobs.init_sigma = 0.125f;
  cfg.seed = 1;
  cfg.max_batch = 32;
  s = gr_session_new (&cfg, tr, NULL, err, sizeof err);
  g_assert_nonnull (s);
  run (s, d, 40, 0);
  g_assert_true (gr_doctor_get_active (d, GR_FINDING_VANISHING_GRADIENTS, &f));
  g_assert_cmpint (f.step, <=, 20);
  g_assert_cmpint (f.layer, ==, 0);
  g_assert_cmpint (f.layer_other, ==, 19);
  g_assert_nonnull (strstr (f.evidence, "layer dense1 gradient norm"));
  g_assert_nonnull (strstr (f.evidence, "vs dense20"));
  g_assert_cmpstr (f.remedy.changes[0].key, ==, "activation");
  g_assert_cmpstr (f.remedy.changes[0].value, ==, "relu");
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

/* ---- Probes ------------------------------------------------------------- */

static void
test_chance (void)
{
  GrDataset *ds = blobs (400, 4, 4, 1.0f, 1);
  GrLossConfig lc;
  GrChanceBaseline cb;

  memset (&lc, 0, sizeof lc);
  lc.kind = GR_LOSS_CE;
  lc.n_classes = 4;
  g_assert_true (gr_probe_chance (ds, &lc, &cb));
  g_assert_cmpfloat_with_epsilon (cb.loss, logf (4.0f), 1e-5);
  g_assert_cmpfloat_with_epsilon (cb.acc, 0.25f, 1e-6);
  lc.kind = GR_LOSS_MSE;
  g_assert_true (gr_probe_chance (ds, &lc, &cb));
  g_assert_cmpfloat_with_epsilon (cb.loss, (1.0f - 0.25f) / 4.0f, 1e-6);
  lc.kind = GR_LOSS_BCE;
  g_assert_true (gr_probe_chance (ds, &lc, &cb));
  g_assert_cmpfloat_with_epsilon (cb.loss, -(0.25f * logf (0.25f) + 0.75f * logf (0.75f)),
                                  1e-5);
  /* Class weights shift the best constant guess: weights 3, 1, 1, 1 make
   * the weighted label distribution (1/2, 1/6, 1/6, 1/6). */
  lc.kind = GR_LOSS_CE;
  lc.use_weights = true;
  lc.class_weights[0] = 3.0f;
  lc.class_weights[1] = lc.class_weights[2] = lc.class_weights[3] = 1.0f;
  g_assert_true (gr_probe_chance (ds, &lc, &cb));
  g_assert_cmpfloat_with_epsilon (cb.loss, -(0.5f * logf (0.5f) + 0.5f * logf (1.0f / 6.0f)),
                                  1e-5);
  gr_dataset_free (ds);
}

static void
test_input_stats (void)
{
  GrShape s = { 1, 2, 1, 1 }, t = { 1, 1, 1, 1 };
  GrDataset *ds = gr_dataset_new ("two", s, 4, 2, t);
  GrInputStats st;
  const float x[8] = { 0, 10, 2, 10, 4, 30, 6, 30 };

  memcpy (ds->x, x, sizeof x);
  gr_probe_input_stats (ds, &st);
  g_assert_cmpint (st.n_features, ==, 2);
  g_assert_cmpint (st.n_values, ==, 8);
  g_assert_cmpfloat_with_epsilon (st.feat_mean[0], 3.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (st.feat_std[0], sqrtf (5.0f), 1e-5);
  g_assert_cmpfloat_with_epsilon (st.feat_mean[1], 20.0f, 1e-5);
  g_assert_cmpfloat_with_epsilon (st.feat_std[1], 10.0f, 1e-5);
  g_assert_cmpfloat (st.min, ==, 0.0f);
  g_assert_cmpfloat (st.max, ==, 30.0f);
  g_assert_cmpfloat_with_epsilon (st.max_abs_feat_mean, 20.0f, 1e-5);
  gr_probe_standardize (ds, &st);
  gr_probe_input_stats (ds, &st);
  for (int f = 0; f < 2; f++)
    {
      g_assert_cmpfloat_with_epsilon (st.feat_mean[f], 0.0f, 1e-5);
      g_assert_cmpfloat_with_epsilon (st.feat_std[f], 1.0f, 1e-5);
    }
  gr_dataset_free (ds);
}

static GrProbeRun
probe_run (GrSession *s)
{
  GrProbeRun pr;

  gr_probe_run_from_session (s, &pr);
  return pr;
}

/* Overfit one batch: a healthy net fits it; a one-unit bottleneck for
 * eight classes cannot. The main run is untouched. */
static void
test_overfit_batch (void)
{
  GrDataset *tr = blobs (512, 8, 8, 1.0f, 1);
  GrSession *s = make_session (&healthy, tr, NULL);
  RunSpec tiny = healthy;
  GrOverfitOptions opt;
  GrOverfitResult res;
  GrProbeRun pr;
  size_t np;
  float *before;
  char err[256];

  for (int i = 0; i < 5; i++)
    gr_session_step (s);
  np = gr_net_n_params (gr_session_net (s));
  before = g_memdup2 (gr_net_params (gr_session_net (s)), np * sizeof (float));
  pr = probe_run (s);
  gr_probe_overfit_defaults (&opt);
  g_assert_cmpint (gr_probe_overfit_batch (&pr, &opt, &res, NULL, NULL, err, sizeof err),
                   ==, GR_OK);
  g_test_message ("healthy: %g -> %g", res.initial_loss, res.final_loss);
  g_assert_true (res.passed);
  g_assert_cmpint (res.n_points, ==, opt.steps);
  g_assert_cmpfloat (res.final_loss, <, 0.02f * res.initial_loss);
  /* The main run is exactly as it was. */
  g_assert_cmpint (gr_session_step_count (s), ==, 5);
  g_assert_cmpmem (before, np * sizeof (float), gr_net_params (gr_session_net (s)),
                   np * sizeof (float));
  g_free (before);
  gr_session_free (s);

  tiny.depth = 1;
  tiny.widths[0] = 1;
  tiny.act = GR_ACT_TANH;
  s = make_session (&tiny, tr, NULL);
  pr = probe_run (s);
  g_assert_cmpint (gr_probe_overfit_batch (&pr, &opt, &res, NULL, NULL, err, sizeof err),
                   ==, GR_OK);
  g_test_message ("tiny: %g -> %g", res.initial_loss, res.final_loss);
  g_assert_false (res.passed);
  gr_session_free (s);
  gr_dataset_free (tr);
}

static bool
cancel_at_10 (int   done,
              int   total,
              void *user_data)
{
  (void) total;
  (void) user_data;
  return done < 10;
}

static void
test_shuffle_control (void)
{
  GrDataset *tr = blobs (512, 8, 4, 1.0f, 1), *noise = blobs (512, 8, 4, 1.0f, 1);
  GrSession *s = make_session (&healthy, tr, NULL);
  GrShuffleOptions opt;
  GrShuffleResult res;
  GrProbeRun pr = probe_run (s);
  char err[256];

  gr_probe_shuffle_defaults (&opt);
  g_assert_cmpint (gr_probe_shuffle_control (&pr, &opt, &res, NULL, NULL, err, sizeof err),
                   ==, GR_OK);
  g_assert_cmpint (res.n_points, ==, opt.steps);
  g_assert_cmpfloat_with_epsilon (res.chance, logf (4.0f), 1e-4);
  g_assert_true (res.learns);
  g_assert_cmpfloat (res.final_real, <, 0.5f * res.final_shuffled);
  /* Shuffled labels stay near chance over 300 steps. */
  g_assert_cmpfloat (res.final_shuffled, >, 0.8f * res.chance);
  g_assert_cmpint (gr_probe_shuffle_control (&pr, &opt, &res, cancel_at_10, NULL, err,
                                             sizeof err), ==, GR_ERR_STATE);
  g_assert_cmpint (res.n_points, ==, 10);
  gr_session_free (s);

  /* Labels unrelated to the inputs: no better than their own shuffle. */
  randomize_labels (noise, 5);
  s = make_session (&healthy, noise, NULL);
  pr = probe_run (s);
  g_assert_cmpint (gr_probe_shuffle_control (&pr, &opt, &res, NULL, NULL, err, sizeof err),
                   ==, GR_OK);
  g_assert_false (res.learns);
  gr_session_free (s);
  gr_dataset_free (tr);
  gr_dataset_free (noise);
}

static void
test_lr_range (void)
{
  GrDataset *tr = blobs (800, 8, 4, 1.0f, 1), *va = blobs (200, 8, 4, 1.0f, 1);
  RunSpec r = healthy;
  GrSession *s;
  GrLrRangeOptions opt;
  GrLrRangeResult res;
  GrProbeRun pr;
  GrEvalRecord ev;
  GrDoctor *d = gr_doctor_new (NULL);
  char err[256], lr[32];

  r.opt = GR_OPT_SGD;
  r.lr = 1e-4f;
  s = make_session (&r, tr, va);
  pr = probe_run (s);
  gr_probe_lr_range_defaults (&opt);
  g_assert_cmpint (gr_probe_lr_range (&pr, &opt, &res, NULL, NULL, err, sizeof err), ==, GR_OK);
  g_test_message ("min %g steepest %g suggested %g (%d points)", res.lr_at_min, res.lr_steepest,
                  res.suggested, res.n_points);
  g_assert_cmpint (res.n_points, >=, 20);
  for (int i = 1; i < res.n_points; i++)
    g_assert_cmpfloat (res.lr[i], >, res.lr[i - 1]);
  g_assert_cmpfloat (res.suggested, >, opt.lr_min);
  g_assert_cmpfloat (res.suggested, <=, res.lr_at_min / 10.0f * 1.0001f);

  /* Training at the suggestion works. */
  g_snprintf (lr, sizeof lr, "%g", res.suggested);
  gr_session_set_knob (s, "lr", lr, err, sizeof err);
  run (s, d, 600, 0);
  g_assert_cmpint (gr_session_evaluate (s, &ev), ==, GR_OK);
  g_assert_cmpfloat (ev.val_acc, >, 0.9f);
  g_assert_cmpint (max_logged (d), <=, GR_SEVERITY_INFO);

  opt.lr_min = 1.0f;
  opt.lr_max = 0.5f;
  g_assert_cmpint (gr_probe_lr_range (&pr, &opt, &res, NULL, NULL, err, sizeof err), ==,
                   GR_ERR_ARG);
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
  gr_dataset_free (va);
}

/* ---- No allocation; readers on other threads ------------------------------ */

static void
test_no_alloc (void)
{
  GrDataset *tr = blobs (800, 8, 4, 1.0f, 1), *va = blobs (200, 8, 4, 1.0f, 1);
  GrSession *s = make_session (&healthy, tr, va);
  GrDoctor *d = gr_doctor_new (NULL);

  run (s, d, 20, 0);
  for (int i = 0; i < 600; i++)
    {
      gr_session_step (s);
      atomic_store (&counting, 1);
      gr_doctor_observe (d, s);
      atomic_store (&counting, 0);
      if (i % 50 == 49)
        {
          gr_session_evaluate (s, NULL);
          atomic_store (&counting, 1);
          gr_doctor_observe (d, s);
          atomic_store (&counting, 0);
        }
    }
  g_assert_cmpint (atomic_load (&allocations), ==, 0);
  gr_doctor_free (d);
  gr_session_free (s);
  gr_dataset_free (tr);
  gr_dataset_free (va);
}

typedef struct
{
  GrDoctor   *d;
  atomic_int  stop;
  int         reads;
} Reader;

static void *
reader_thread (void *data)
{
  Reader *r = data;
  GrFinding f[GR_N_FINDING_KINDS], log[64];

  while (!atomic_load (&r->stop))
    {
      int n = gr_doctor_copy_active (r->d, f, GR_N_FINDING_KINDS);

      for (int i = 0; i < n; i++)
        g_assert_nonnull (f[i].code);
      gr_doctor_copy_log (r->d, 0, 64, log);
      gr_doctor_serial (r->d);
      gr_doctor_max_severity (r->d);
      r->reads++;
    }
  return NULL;
}

static void
test_threads (void)
{
  GrDataset *tr = blobs (256, 8, 4, 300.0f, 1);
  RunSpec r = healthy;
  GrSession *s;
  Reader rd = { 0 };
  pthread_t th;
  char err[256];

  r.softmax = true;
  r.loss = GR_LOSS_MSE;
  s = make_session (&r, tr, NULL);
  rd.d = gr_doctor_new (NULL);
  pthread_create (&th, NULL, reader_thread, &rd);
  for (int i = 0; i < 200; i++)
    {
      if (i % 20 == 10)
        gr_session_set_knob (s, "loss", i % 40 == 10 ? "ce" : "mse", err, sizeof err);
      gr_session_step (s);
      gr_doctor_observe (rd.d, s);
    }
  atomic_store (&rd.stop, 1);
  pthread_join (th, NULL);
  g_assert_cmpint (rd.reads, >, 0);
  g_assert_cmpint (gr_doctor_n_log (rd.d), >=, 10);
  gr_doctor_free (rd.d);
  gr_session_free (s);
  gr_dataset_free (tr);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/doctor/names", test_names);
  g_test_add_func ("/engine/doctor/format", test_format);
  g_test_add_func ("/engine/doctor/defaults", test_defaults);
  g_test_add_func ("/engine/doctor/healthy", test_healthy);
  g_test_add_func ("/engine/doctor/dead-relu-bias", test_dead_bias);
  g_test_add_func ("/engine/doctor/saturation", test_saturation);
  g_test_add_func ("/engine/doctor/lr-too-high", test_lr_high);
  g_test_add_func ("/engine/doctor/nonfinite-step", test_nonfinite_step);
  g_test_add_func ("/engine/doctor/lr-too-low", test_lr_low);
  g_test_add_func ("/engine/doctor/loss-output-mismatch", test_mismatch);
  g_test_add_func ("/engine/doctor/unnormalized-inputs", test_unnormalized);
  g_test_add_func ("/engine/doctor/shuffled-labels", test_shuffled);
  g_test_add_func ("/engine/doctor/vanishing-gradients", test_vanishing);
  g_test_add_func ("/engine/doctor/reset", test_reset);
  g_test_add_func ("/engine/doctor/order-and-callback", test_order_and_callback);
  g_test_add_func ("/engine/doctor/apply-remedy", test_apply_remedy);
  g_test_add_func ("/engine/doctor/no-alloc", test_no_alloc);
  g_test_add_func ("/engine/doctor/threads", test_threads);
  g_test_add_func ("/engine/probes/chance", test_chance);
  g_test_add_func ("/engine/probes/input-stats", test_input_stats);
  g_test_add_func ("/engine/probes/overfit-batch", test_overfit_batch);
  g_test_add_func ("/engine/probes/shuffle-control", test_shuffle_control);
  g_test_add_func ("/engine/probes/lr-range", test_lr_range);
  return g_test_run ();
}
