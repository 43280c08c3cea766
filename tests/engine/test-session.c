/* The session: determinism, pending knobs, the timeline, divergence,
 * reset, probes and evaluation. */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gr-net-private.h"
#include "gr-session.h"
#include "test-util.h"

static GrSessionConfig
classifier_config (uint64_t seed,
                   bool     batch_norm,
                   float    dropout)
{
  GrSessionConfig cfg = { 0 };
  GrMlpSpec mlp = { .depth = 2, .width = 16, .act = GR_ACT_RELU, .batch_norm = batch_norm,
                    .dropout = dropout, .outputs = 3 };

  g_assert_cmpint (gr_model_from_mlp (&cfg.model, (GrShape) { 1, 4, 1, 1 }, &mlp), ==, GR_OK);
  gr_knobs_defaults (&cfg.knobs);
  cfg.knobs.batch_size = 16;
  cfg.knobs.input_noise = 0.05f;
  cfg.seed = seed;
  cfg.max_batch = 32;
  cfg.threads = 1;
  return cfg;
}

static GrSession *
session_new (const GrSessionConfig *cfg,
             const GrDataset       *train,
             const GrDataset       *val)
{
  char err[256] = "";
  GrSession *s = gr_session_new (cfg, train, val, err, sizeof err);

  if (s == NULL)
    g_error ("gr_session_new: %s", err);
  return s;
}

static void
run (GrSession *s,
     int        steps)
{
  for (int i = 0; i < steps; i++)
    {
      GrStatus st = gr_session_step (s);

      if (st != GR_OK)
        g_error ("step: %s", gr_session_error (s));
    }
}

static GrStepRecord *
steps_of (GrSession *s,
          int64_t   *n)
{
  GrHistory *h = gr_session_history (s);
  GrStepRecord *r;

  *n = gr_history_n_steps (h);
  r = g_new0 (GrStepRecord, *n + 1);
  g_assert_cmpint (gr_history_copy_steps (h, 0, *n, r), ==, *n);
  return r;
}

static GrEvent *
events_of (GrSession *s,
           int64_t   *n)
{
  GrHistory *h = gr_session_history (s);
  GrEvent *e;

  *n = gr_history_n_events (h);
  e = g_new0 (GrEvent, *n + 1);
  g_assert_cmpint (gr_history_copy_events (h, 0, *n, e), ==, *n);
  return e;
}

/* ---- determinism ------------------------------------------------------------- */

static void
test_determinism (void)
{
  GrDataset *ds = tu_dataset_classes (40, 4, 3, 1);
  GrSessionConfig cfg = classifier_config (7, true, 0.2f);
  GrSession *a, *b, *c;
  GrStepRecord *ra, *rb, *rc;
  int64_t na, nb, nc;
  int same = 0;

  cfg.knobs.optimizer = GR_OPT_ADAM;
  cfg.knobs.lr = 0.01f;
  a = session_new (&cfg, ds, NULL);
  b = session_new (&cfg, ds, NULL);
  cfg.seed = 8;
  c = session_new (&cfg, ds, NULL);
  run (a, 30);
  run (b, 30);
  run (c, 30);
  ra = steps_of (a, &na);
  rb = steps_of (b, &nb);
  rc = steps_of (c, &nc);
  g_assert_cmpint (na, ==, 30);
  g_assert_cmpint (nb, ==, 30);
  for (int i = 0; i < 30; i++)
    {
      g_assert_cmpint (ra[i].step, ==, i + 1);
      g_assert_cmpint (ra[i].batch, ==, 16);
      /* Bit-identical, not merely close. */
      g_assert_cmpmem (&ra[i].loss, sizeof (float), &rb[i].loss, sizeof (float));
      g_assert_cmpmem (&ra[i].grad_norm, sizeof (float), &rb[i].grad_norm, sizeof (float));
      g_assert_true (isfinite (ra[i].loss));
      same += memcmp (&ra[i].loss, &rc[i].loss, sizeof (float)) == 0;
    }
  /* 40 samples, batch 16: the 3rd step ends epoch 1. */
  g_assert_cmpint (ra[2].epoch, ==, 0);
  g_assert_cmpint (ra[3].epoch, ==, 1);
  g_assert_cmpint (gr_session_epoch (a), ==, 12);
  g_assert_cmpmem (gr_net_params (gr_session_net (a)), gr_net_n_params (gr_session_net (a)) * 4,
                   gr_net_params (gr_session_net (b)), gr_net_n_params (gr_session_net (b)) * 4);
  /* Another seed gives another run. */
  g_assert_cmpint (same, <, 3);
  g_free (ra);
  g_free (rb);
  g_free (rc);
  gr_session_free (a);
  gr_session_free (b);
  gr_session_free (c);
  gr_dataset_free (ds);
}

/* ---- knobs --------------------------------------------------------------------- */

static void
test_pending_knobs (void)
{
  GrDataset *ds = tu_dataset_classes (40, 4, 3, 2);
  GrSessionConfig cfg = classifier_config (1, false, 0.0f);
  GrSession *s = session_new (&cfg, ds, NULL);
  GrStepRecord *r;
  GrEvent *e;
  GrKnobs k;
  int64_t n, ne;
  char err[256] = "";

  run (s, 5);
  g_assert_cmpint (gr_session_set_knob (s, "lr", "0.01", err, sizeof err), ==, GR_OK);
  /* Pending: visible to readers, not applied until the next step. */
  gr_session_get_knobs (s, &k);
  g_assert_cmpfloat (k.lr, ==, 0.01f);
  g_assert_cmpint (gr_history_n_events (gr_session_history (s)), ==, 0);
  /* A refused knob names itself and queues nothing. */
  g_assert_cmpint (gr_session_set_knob (s, "lr", "-3", err, sizeof err), ==, GR_ERR_ARG);
  g_assert_nonnull (strstr (err, "lr"));
  g_assert_cmpint (gr_session_set_knob (s, "batch_size", "64", err, sizeof err), ==, GR_ERR_ARG);
  g_assert_nonnull (strstr (err, "batch_size"));
  run (s, 1);
  r = steps_of (s, &n);
  e = events_of (s, &ne);
  g_assert_cmpint (n, ==, 6);
  g_assert_cmpfloat (r[4].lr, ==, 0.1f);
  g_assert_cmpfloat (r[5].lr, ==, 0.01f);
  g_assert_cmpint (ne, ==, 1);
  g_assert_cmpint (e[0].kind, ==, GR_EVENT_KNOB);
  g_assert_cmpint (e[0].step, ==, 6);
  g_assert_cmpstr (e[0].text, ==, "lr 0.1 → 0.01");
  g_free (r);
  g_free (e);

  /* Two knobs before one step: one event naming both; live knobs reach
   * the net. */
  g_assert_cmpint (gr_session_set_knob (s, "batch_size", "8", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_session_set_knob (s, "activation", "tanh", err, sizeof err), ==, GR_OK);
  run (s, 2);
  r = steps_of (s, &n);
  e = events_of (s, &ne);
  g_assert_cmpint (ne, ==, 2);
  g_assert_cmpint (e[1].step, ==, 7);
  g_assert_cmpstr (e[1].text, ==, "activation relu → tanh; batch_size 16 → 8");
  g_assert_cmpint (r[6].batch, ==, 8);
  /* dense1 relu1 dense2 relu2 output: nodes 2 and 4 are the activations. */
  g_assert_cmpint (gr_net_node_spec (gr_session_net (s), 2)->act, ==, GR_ACT_TANH);
  g_assert_cmpint (gr_net_node_spec (gr_session_net (s), 4)->act, ==, GR_ACT_TANH);
  /* Setting the same value again is no change and no event. */
  g_assert_cmpint (gr_session_set_knob (s, "batch_size", "8", err, sizeof err), ==, GR_OK);
  run (s, 1);
  g_assert_cmpint (gr_history_n_events (gr_session_history (s)), ==, 2);
  g_free (r);
  g_free (e);
  gr_session_free (s);
  gr_dataset_free (ds);
}

static void
test_timeline (void)
{
  GrDataset *ds = tu_dataset_classes (40, 4, 3, 3);
  GrSessionConfig cfg = classifier_config (1, false, 0.0f);
  GrSession *s = session_new (&cfg, ds, NULL);
  GrStepRecord *r;
  GrEvent *e;
  int64_t n, ne;
  char err[256];

  g_assert_cmpint (gr_session_add_timeline (s, 10, "lr", "0.05", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_session_add_timeline (s, 4, "optimizer", "momentum", err, sizeof err),
                   ==, GR_OK);
  g_assert_cmpint (gr_session_add_timeline (s, 0, "lr", "0.05", err, sizeof err), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_session_add_timeline (s, 3, "init", "xavier", err, sizeof err),
                   ==, GR_ERR_ARG);
  g_assert_nonnull (strstr (err, "init"));
  g_assert_cmpint (gr_session_add_timeline (s, 3, "lr", "x", err, sizeof err), ==, GR_ERR_ARG);
  g_assert_cmpint (gr_session_add_timeline (s, 3, "batch_size", "33", err, sizeof err),
                   ==, GR_ERR_ARG);
  run (s, 12);
  r = steps_of (s, &n);
  e = events_of (s, &ne);
  g_assert_cmpint (ne, ==, 2);
  g_assert_cmpint (e[0].kind, ==, GR_EVENT_KNOB);
  g_assert_cmpint (e[0].step, ==, 4);
  g_assert_cmpstr (e[0].text, ==, "optimizer sgd → momentum");
  g_assert_cmpint (e[1].step, ==, 10);
  g_assert_cmpstr (e[1].text, ==, "lr 0.1 → 0.05");
  g_assert_cmpfloat (r[8].lr, ==, 0.1f);
  g_assert_cmpfloat (r[9].lr, ==, 0.05f);
  g_free (r);
  g_free (e);
  gr_session_free (s);
  gr_dataset_free (ds);
}

/* ---- divergence ------------------------------------------------------------------ */

typedef struct
{
  float   *params, *state;
  size_t   np, ns;
  int64_t  step, n_steps;
} Snapshot;

static void
snapshot_take (Snapshot  *snap,
               GrSession *s)
{
  GrNet *net = gr_session_net (s);

  snap->np = gr_net_n_params (net);
  snap->ns = gr_net_n_state (net);
  snap->params = g_memdup2 (gr_net_params (net), snap->np * sizeof (float));
  snap->state = g_memdup2 (gr_net_state (net), snap->ns * sizeof (float));
  snap->step = gr_session_step_count (s);
  snap->n_steps = gr_history_n_steps (gr_session_history (s));
}

static void
snapshot_assert_same (Snapshot  *snap,
                      GrSession *s)
{
  GrNet *net = gr_session_net (s);

  g_assert_cmpmem (snap->params, snap->np * sizeof (float), gr_net_params (net),
                   gr_net_n_params (net) * sizeof (float));
  g_assert_cmpmem (snap->state, snap->ns * sizeof (float), gr_net_state (net),
                   gr_net_n_state (net) * sizeof (float));
  g_assert_cmpint (snap->step, ==, gr_session_step_count (s));
  g_assert_cmpint (snap->n_steps, ==, gr_history_n_steps (gr_session_history (s)));
}

static void
snapshot_clear (Snapshot *snap)
{
  g_free (snap->params);
  g_free (snap->state);
}

static void
test_diverge (void)
{
  GrDataset *ds = tu_dataset_regression (64, 4, 2, 4);
  GrSessionConfig cfg = { 0 };
  GrMlpSpec mlp = { .depth = 2, .width = 16, .act = GR_ACT_RELU, .batch_norm = true,
                    .outputs = 2 };
  GrSession *s;
  GrStatus st = GR_OK;
  Snapshot snap = { 0 };
  GrEvent *e;
  int64_t ne;
  char err[256];
  int i;

  gr_model_from_mlp (&cfg.model, ds->sample, &mlp);
  gr_knobs_defaults (&cfg.knobs);
  cfg.knobs.loss = GR_LOSS_MSE;
  cfg.knobs.batch_size = 16;
  cfg.knobs.lr = 0.01f;
  cfg.seed = 3;
  cfg.max_batch = 32;
  s = session_new (&cfg, ds, NULL);
  run (s, 10);
  g_assert_cmpint (gr_session_set_knob (s, "lr", "100", err, sizeof err), ==, GR_OK);
  for (i = 0; i < 50; i++)
    {
      snapshot_clear (&snap);
      snapshot_take (&snap, s);
      st = gr_session_step (s);
      if (st != GR_OK)
        break;
    }
  g_test_message ("diverged after %d steps at lr 100: %s", i + 1, gr_session_error (s));
  g_assert_cmpint (st, ==, GR_ERR_NONFINITE);
  g_assert_cmpstr (gr_session_error (s), !=, "");
  /* Weights, BN statistics, step count and history are as before the
   * failed step. */
  snapshot_assert_same (&snap, s);
  e = events_of (s, &ne);
  g_assert_cmpint (e[ne - 1].kind, ==, GR_EVENT_DIVERGED);
  g_assert_cmpint (e[ne - 1].step, ==, snap.step + 1);
  g_assert_nonnull (strstr (e[ne - 1].text, "diverged"));
  g_free (e);
  snapshot_clear (&snap);
  gr_session_free (s);
  gr_dataset_free (ds);
}

/* One step at the largest legal lr overflows the weights: the step is
 * refused, nothing changes, and at a lower lr the run goes on. The inputs
 * are huge (|x| = 2e18) so that the gradient (about 4e36) is finite but
 * 100 times it is not; the curvature 2 x^2 = 8e36 makes 1e-37 a sane lr. */
static void
test_diverge_resume (void)
{
  GrDataset *ds = gr_dataset_new ("huge", (GrShape) { 1, 1, 1, 1 }, 8, 0,
                                  (GrShape) { 1, 1, 1, 1 });
  GrSessionConfig cfg = { 0 };
  GrMlpSpec mlp = { .depth = 0, .outputs = 1 };
  GrSession *s;
  Snapshot snap = { 0 };
  GrEvent *e;
  int64_t ne;
  char err[256];
  float w0;

  for (int i = 0; i < 8; i++)
    ds->x[i] = i % 2 ? 2e18f : -2e18f;
  gr_model_from_mlp (&cfg.model, ds->sample, &mlp);
  gr_knobs_defaults (&cfg.knobs);
  cfg.knobs.loss = GR_LOSS_MSE;
  cfg.knobs.batch_size = 8;
  cfg.knobs.lr = 100.0f;
  cfg.seed = 1;
  cfg.max_batch = 8;
  s = session_new (&cfg, ds, NULL);
  gr_net_params (gr_session_net (s))[0] = 0.5f;
  gr_net_params (gr_session_net (s))[1] = 0.0f;
  snapshot_take (&snap, s);
  g_assert_cmpint (gr_session_step (s), ==, GR_ERR_NONFINITE);
  snapshot_assert_same (&snap, s);
  e = events_of (s, &ne);
  g_assert_cmpint (ne, ==, 1);
  g_assert_cmpint (e[0].kind, ==, GR_EVENT_DIVERGED);
  g_assert_cmpint (e[0].step, ==, 1);
  g_free (e);

  /* The refused batch was a whole epoch: it is consumed. */
  g_assert_cmpint (gr_session_epoch (s), ==, 1);

  g_assert_cmpint (gr_session_set_knob (s, "lr", "1e-37", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_session_set_knob (s, "batch_size", "4", err, sizeof err), ==, GR_OK);
  w0 = gr_net_params (gr_session_net (s))[0];
  run (s, 5);
  g_assert_cmpint (gr_session_step_count (s), ==, 5);
  {
    GrStepRecord *r;
    int64_t n;

    /* Completed epochs before each step: 1, 1 (ends epoch 2), 2, 2, 3. */
    r = steps_of (s, &n);
    g_assert_cmpint (n, ==, 5);
    g_assert_cmpint (r[0].epoch, ==, 1);
    g_assert_cmpint (r[1].epoch, ==, 1);
    g_assert_cmpint (r[2].epoch, ==, 2);
    g_assert_cmpint (r[4].epoch, ==, 3);
    g_free (r);
  }
  /* w <- w - lr 2 x^2 w: a factor 1 - 0.8 per step towards 0. */
  g_assert_cmpfloat (fabsf (gr_net_params (gr_session_net (s))[0]), <, 0.01f * w0);
  snapshot_clear (&snap);
  gr_session_free (s);
  gr_dataset_free (ds);
}

/* A real blow-up: at lr 100 the weights grow for a few "successful" steps
 * before anything overflows, so lowering the lr alone cannot save the run.
 * Restoring the older snapshot (taken before the lr change) and lowering
 * the lr gives a healthy run again, with the step counter going on. */
static void
test_diverge_rescue (void)
{
  GrDataset *ds = tu_dataset_regression (64, 4, 2, 4);
  GrSessionConfig cfg = { 0 };
  GrMlpSpec mlp = { .depth = 2, .width = 16, .act = GR_ACT_RELU, .outputs = 2 };
  GrSession *s;
  GrStatus st = GR_OK;
  GrStepRecord *r;
  int64_t n, ne, restored = -1, fail_step;
  GrEvent *e;
  char err[256];
  double before = 0.0, after = 0.0;

  gr_model_from_mlp (&cfg.model, ds->sample, &mlp);
  gr_knobs_defaults (&cfg.knobs);
  cfg.knobs.loss = GR_LOSS_MSE;
  cfg.knobs.batch_size = 16;
  cfg.knobs.lr = 0.01f;
  cfg.seed = 5;
  cfg.max_batch = 32;
  s = session_new (&cfg, ds, NULL);
  run (s, 120);
  r = steps_of (s, &n);
  for (int i = 100; i < 120; i++)
    before += r[i].loss / 20.0;
  g_free (r);
  g_assert_cmpint (gr_session_set_knob (s, "lr", "100", err, sizeof err), ==, GR_OK);
  for (int i = 0; i < 200 && st == GR_OK; i++)
    st = gr_session_step (s);
  g_assert_cmpint (st, ==, GR_ERR_NONFINITE);
  fail_step = gr_session_step_count (s);

  g_assert_cmpint (gr_session_restore_snapshot (s, &restored), ==, GR_OK);
  /* The snapshot is one of the healthy steps before the lr change. */
  g_assert_cmpint (restored, <=, 120);
  g_assert_cmpint (restored % 50, ==, 0);
  e = events_of (s, &ne);
  g_assert_cmpint (e[ne - 1].kind, ==, GR_EVENT_NOTE);
  g_assert_nonnull (strstr (e[ne - 1].text, "restored"));
  g_free (e);

  g_assert_cmpint (gr_session_set_knob (s, "lr", "0.01", err, sizeof err), ==, GR_OK);
  run (s, 40);
  g_assert_cmpint (gr_session_step_count (s), ==, fail_step + 40);
  r = steps_of (s, &n);
  for (int64_t i = n - 20; i < n; i++)
    {
      g_assert_true (isfinite (r[i].loss));
      after += r[i].loss / 20.0;
    }
  g_free (r);
  g_test_message ("loss before the blow-up %.4g, after the rescue %.4g", before, after);
  g_assert_cmpfloat (after, <, 2.0 * before);
  gr_session_free (s);
  gr_dataset_free (ds);
}

/* ---- reset ------------------------------------------------------------------------- */

static void
test_reset (void)
{
  GrDataset *ds = tu_dataset_classes (40, 4, 3, 5);
  GrSessionConfig cfg = classifier_config (11, true, 0.1f);
  GrSessionConfig cfg2;
  GrMlpSpec wide = { .depth = 1, .width = 24, .act = GR_ACT_TANH, .outputs = 3 };
  GrMlpSpec wrong = { .depth = 1, .width = 8, .act = GR_ACT_TANH, .outputs = 5 };
  GrModelSpec spec;
  GrSession *s = session_new (&cfg, ds, NULL), *fresh;
  GrStepRecord *r1, *r2;
  GrEvent *e;
  int64_t n1, n2, ne;
  size_t np_before = gr_net_n_params (gr_session_net (s));
  char err[256] = "";

  run (s, 10);
  g_assert_cmpint (gr_model_from_mlp (&spec, ds->sample, &wide), ==, GR_OK);
  gr_session_set_model (s, &spec);
  /* Nothing changes before the reset. */
  run (s, 1);
  g_assert_cmpuint (gr_net_n_params (gr_session_net (s)), ==, np_before);
  g_assert_cmpint (gr_session_reset (s, err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_session_step_count (s), ==, 0);
  g_assert_cmpint (gr_history_n_steps (gr_session_history (s)), ==, 0);
  g_assert_cmpuint (gr_net_n_params (gr_session_net (s)), ==, 4 * 24 + 24 + 24 * 3 + 3);
  e = events_of (s, &ne);
  g_assert_cmpint (ne, ==, 1);
  g_assert_cmpint (e[0].kind, ==, GR_EVENT_RESET);
  g_free (e);
  run (s, 6);

  /* A reset run is a fresh run of the new model. */
  cfg2 = cfg;
  cfg2.model = spec;
  fresh = session_new (&cfg2, ds, NULL);
  run (fresh, 6);
  r1 = steps_of (s, &n1);
  r2 = steps_of (fresh, &n2);
  g_assert_cmpint (n1, ==, 6);
  g_assert_cmpint (n2, ==, 6);
  for (int i = 0; i < 6; i++)
    g_assert_cmpmem (&r1[i].loss, sizeof (float), &r2[i].loss, sizeof (float));
  g_free (r1);
  g_free (r2);

  /* A model that does not fit the data is refused with a reason, and the
   * session keeps the model that built. */
  g_assert_cmpint (gr_model_from_mlp (&spec, ds->sample, &wrong), ==, GR_OK);
  gr_session_set_model (s, &spec);
  err[0] = '\0';
  g_assert_cmpint (gr_session_reset (s, err, sizeof err), ==, GR_ERR_SHAPE);
  g_assert_cmpstr (err, !=, "");
  g_assert_cmpuint (gr_net_n_params (gr_session_net (s)), ==, 4 * 24 + 24 + 24 * 3 + 3);
  run (s, 2);
  gr_session_free (s);
  gr_session_free (fresh);
  gr_dataset_free (ds);
}

static void
test_new_errors (void)
{
  GrDataset *ds = tu_dataset_classes (20, 4, 3, 6);
  GrDataset *empty = gr_dataset_new ("empty", (GrShape) { 1, 4, 1, 1 }, 0, 3,
                                     (GrShape) { 1, 1, 1, 1 });
  GrSessionConfig cfg = classifier_config (1, false, 0.0f);
  GrMlpSpec mlp = { .depth = 1, .width = 8, .act = GR_ACT_RELU, .outputs = 2 };
  char err[256];

  err[0] = '\0';
  cfg.knobs.batch_size = 64;
  g_assert_null (gr_session_new (&cfg, ds, NULL, err, sizeof err));
  g_assert_nonnull (strstr (err, "batch_size"));
  cfg.knobs.batch_size = 16;
  err[0] = '\0';
  g_assert_null (gr_session_new (&cfg, empty, NULL, err, sizeof err));
  g_assert_cmpstr (err, !=, "");
  gr_model_from_mlp (&cfg.model, ds->sample, &mlp);
  err[0] = '\0';
  g_assert_null (gr_session_new (&cfg, ds, NULL, err, sizeof err));
  g_assert_nonnull (strstr (err, "classes"));
  gr_session_free (NULL);
  gr_dataset_free (ds);
  gr_dataset_free (empty);
}

/* ---- probes, hooks, evaluation ------------------------------------------------------- */

static void
hook_count_cb (GrSession *s,
               int64_t    step,
               void      *user_data)
{
  int64_t *last = user_data;

  g_assert_cmpint (step, ==, *last + 1);
  g_assert_cmpint (step, ==, gr_session_step_count (s));
  *last = step;
}

static void
test_probes (void)
{
  GrDataset *ds = tu_dataset_classes (40, 4, 3, 7);
  GrSessionConfig cfg = classifier_config (5, false, 0.0f);
  GrSession *s = session_new (&cfg, ds, NULL);
  GrNet *net = gr_session_net (s);
  const GrProbe *p;
  GrProbe latest[4];
  int64_t hook_step = 0, latest_step = 0;

  gr_session_add_hook (s, hook_count_cb, &hook_step);
  run (s, 3);
  g_assert_cmpint (hook_step, ==, 3);
  p = gr_session_probes (s);
  g_assert_cmpint (gr_net_n_weighted (net), ==, 3);
  for (int i = 0; i < 3; i++)
    {
      size_t off, cnt;
      double w2 = 0.0;

      gr_net_weighted_range (net, i, &off, &cnt);
      for (size_t j = 0; j < cnt; j++)
        w2 += (double) gr_net_params (net)[off + j] * gr_net_params (net)[off + j];
      g_assert_cmpfloat_with_epsilon (p[i].weight_norm, sqrt (w2), 1e-4 * sqrt (w2));
      g_assert_true (isfinite (p[i].grad_norm) && p[i].grad_norm > 0.0f);
      g_assert_cmpfloat (p[i].grad_norm, ==, p[i].grad_norm_raw);
      g_assert_cmpfloat (p[i].clip_share, ==, 0.0f);
      g_assert_true (p[i].update_ratio > 0.0f && p[i].update_ratio < 1.0f);
      g_assert_true (p[i].act_std > 0.0f);
    }
  /* Hidden ReLU layers of a healthy net are mostly alive. */
  g_assert_cmpfloat (p[0].dead_frac, <, 0.5f);
  g_assert_cmpfloat (p[1].dead_frac, <, 0.5f);
  g_assert_true (gr_history_latest_probes (gr_session_history (s), &latest_step, latest));
  g_assert_cmpint (latest_step, ==, 3);
  g_assert_cmpmem (latest, 3 * sizeof (GrProbe), p, 3 * sizeof (GrProbe));

  /* A large negative bias kills every unit of the first layer. */
  {
    GrNode *d1 = &net->nodes[gr_net_weighted_node (net, 0)];

    for (int j = 0; j < 16; j++)
      d1->param[1][j] = -100.0f;
  }
  run (s, 1);
  p = gr_session_probes (s);
  g_assert_cmpfloat (p[0].dead_frac, ==, 1.0f);
  g_assert_cmpfloat (p[0].act_mean, ==, 0.0f);
  g_assert_cmpfloat (p[0].act_std, ==, 0.0f);
  /* ... and with it the gradient of the next layer's weights. */
  g_assert_cmpfloat (p[1].grad_norm, ==, 0.0f);
  gr_session_free (s);
  gr_dataset_free (ds);
}

static void
test_evaluate (void)
{
  GrDataset *train = tu_dataset_classes (64, 4, 3, 8), *val = tu_dataset_classes (30, 4, 3, 9);
  GrSessionConfig cfg = classifier_config (3, true, 0.0f);
  GrSession *s;
  GrEvalRecord before, after;

  cfg.knobs.optimizer = GR_OPT_ADAM;
  cfg.knobs.lr = 0.01f;
  cfg.knobs.input_noise = 0.0f;
  s = session_new (&cfg, train, val);
  g_assert_cmpint (gr_session_evaluate (s, &before), ==, GR_OK);
  run (s, 300);
  g_assert_cmpint (gr_session_evaluate (s, &after), ==, GR_OK);
  g_assert_cmpint (after.step, ==, 300);
  g_assert_cmpint (gr_history_n_evals (gr_session_history (s)), ==, 2);
  g_test_message ("val acc %.3f -> %.3f, loss %.3f -> %.3f", before.val_acc, after.val_acc,
                  before.val_loss, after.val_loss);
  g_assert_cmpfloat (after.train_loss, <, before.train_loss);
  g_assert_cmpfloat (after.val_loss, <, before.val_loss);
  g_assert_cmpfloat (after.train_acc, >, 0.9f);
  g_assert_cmpfloat (after.val_acc, >, 0.8f);
  /* Not a segmentation run. */
  g_assert_true (isnan (after.miou));
  gr_session_free (s);
  gr_dataset_free (train);
  gr_dataset_free (val);
}

/* Segmentation metrics on a parameter-free "network" (the input maps are
 * the logits), so the confusion matrix is known exactly. */
static void
test_evaluate_seg (void)
{
  GrShape sample = { 1, 3, 2, 2 }, target = { 1, 1, 2, 2 };
  GrDataset *ds = gr_dataset_new ("seg", sample, 2, 3, target);
  GrSessionConfig cfg = { 0 };
  GrSession *s;
  GrEvalRecord rec;
  /* Predicted classes of the 8 pixels (argmax of the input). */
  const int pred[8] = { 0, 0, 1, 1,   0, 1, 1, 0 };
  const int32_t truth[8] = { 0, 0, 1, 9,   1, 1, 1, 0 };

  ds->ignore_label = 9;
  for (int i = 0; i < 2; i++)
    for (int q = 0; q < 4; q++)
      {
        for (int c = 0; c < 3; c++)
          ds->x[i * 12 + c * 4 + q] = c == pred[i * 4 + q] ? 2.0f : 0.0f;
        ds->labels[i * 4 + q] = truth[i * 4 + q];
      }
  cfg.model.input = sample;
  cfg.model.n_layers = 1;
  cfg.model.layers[0].kind = GR_LAYER_ACT;
  cfg.model.layers[0].act = GR_ACT_IDENTITY;
  cfg.model.layers[0].act_fixed = true;
  gr_knobs_defaults (&cfg.knobs);
  cfg.knobs.batch_size = 2;
  cfg.max_batch = 2;
  s = session_new (&cfg, ds, ds);
  run (s, 2);
  g_assert_cmpint (gr_session_evaluate (s, &rec), ==, GR_OK);
  /* 7 counted pixels, 6 right. Sample 1, pixel 0 (truth 1, predicted 0)
   * is the one mistake: class 0 has tp 3, fp 1; class 1 tp 3, fn 1; both
   * IoU 3/4. Class 2 never appears: no IoU, left out of the mean. */
  g_assert_cmpfloat_with_epsilon (rec.pixel_acc, 6.0f / 7.0f, 1e-6);
  g_assert_cmpint (rec.n_classes, ==, 3);
  g_assert_cmpfloat_with_epsilon (rec.class_iou[0], 0.75f, 1e-6);
  g_assert_cmpfloat_with_epsilon (rec.class_iou[1], 0.75f, 1e-6);
  g_assert_true (isnan (rec.class_iou[2]));
  g_assert_cmpfloat_with_epsilon (rec.miou, 0.75f, 1e-6);
  gr_session_free (s);
  gr_dataset_free (ds);
}

static void
test_loss_config (void)
{
  GrDataset *ds = tu_dataset_classes (40, 4, 3, 12);
  GrSessionConfig cfg = classifier_config (5, false, 0.0f);
  GrSession *s;
  GrLossConfig lc;
  float freq[3], mean = 0.0f;
  char err[256];

  /* Skewed classes: 20 / 15 / 5. */
  for (int i = 0; i < 40; i++)
    ds->labels[i] = i < 20 ? 0 : i < 35 ? 1 : 2;
  s = session_new (&cfg, ds, NULL);
  gr_session_class_freq (s, freq);
  g_assert_cmpfloat_with_epsilon (freq[0], 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (freq[2], 0.125f, 1e-6);
  gr_session_loss_config (s, &lc);
  g_assert_cmpint (lc.kind, ==, GR_LOSS_CE);
  g_assert_cmpint (lc.n_classes, ==, 3);
  g_assert_false (lc.use_weights);
  g_assert_cmpint (lc.ignore_label, <, 0);

  g_assert_cmpint (gr_session_set_knob (s, "weighting", "inverse", err, sizeof err), ==, GR_OK);
  run (s, 1);
  gr_session_loss_config (s, &lc);
  g_assert_true (lc.use_weights);
  for (int c = 0; c < 3; c++)
    mean += lc.class_weights[c] / 3;
  g_assert_cmpfloat_with_epsilon (mean, 1.0f, 1e-5);
  g_assert_cmpfloat_with_epsilon (lc.class_weights[2] / lc.class_weights[0], 4.0f, 1e-5);

  /* Custom weights: missing classes weigh 1. */
  g_assert_cmpint (gr_session_set_knob (s, "class_weights", "2,0.5", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_session_set_knob (s, "loss", "focal", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_session_set_knob (s, "focal_gamma", "1.5", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_session_set_knob (s, "focal_alpha", "0.25", err, sizeof err), ==, GR_OK);
  run (s, 1);
  gr_session_loss_config (s, &lc);
  g_assert_cmpint (lc.kind, ==, GR_LOSS_FOCAL);
  g_assert_true (lc.use_weights);
  g_assert_cmpfloat (lc.class_weights[0], ==, 2.0f);
  g_assert_cmpfloat (lc.class_weights[1], ==, 0.5f);
  g_assert_cmpfloat (lc.class_weights[2], ==, 1.0f);
  g_assert_cmpfloat (lc.focal_gamma, ==, 1.5f);
  g_assert_true (lc.use_alpha);
  g_assert_cmpfloat (lc.focal_alpha[0], ==, 0.25f);
  g_assert_cmpfloat (lc.focal_alpha[1], ==, 1.0f);
  gr_session_free (s);
  gr_dataset_free (ds);
}

static void
test_histogram (void)
{
  GrDataset *ds = tu_dataset_classes (40, 4, 3, 10);
  GrSessionConfig cfg = classifier_config (5, true, 0.0f);
  GrSession *s = session_new (&cfg, ds, NULL);
  float lo, hi, counts[GR_HIST_BINS], sum = 0.0f;
  int layer;

  run (s, 1);
  g_assert_false (gr_history_histogram (gr_session_history (s), &layer, &lo, &hi, counts));
  gr_session_set_histogram_layer (s, 1);
  run (s, 1);
  g_assert_true (gr_history_histogram (gr_session_history (s), &layer, &lo, &hi, counts));
  g_assert_cmpint (layer, ==, 1);
  /* Over the ReLU after BN of layer 1: 16 samples x 16 units, >= 0. */
  for (int b = 0; b < GR_HIST_BINS; b++)
    sum += counts[b];
  g_assert_cmpfloat (sum, ==, 16.0f * 16.0f);
  g_assert_cmpfloat (lo, ==, 0.0f);
  g_assert_cmpfloat (hi, >, 0.0f);
  g_assert_cmpint (gr_net_weighted_act_node (gr_session_net (s), 1), ==, 6);
  gr_session_free (s);
  gr_dataset_free (ds);
}

static void
test_history (void)
{
  GrHistory *h = gr_history_new ();
  const char *names[2] = { "a", "b" };
  GrProbe probes[2] = { { .grad_norm = 1 }, { .grad_norm = 2 } };
  enum { N = 40000 };
  GrStepRecord *r = g_new (GrStepRecord, N);
  int64_t *steps = g_new (int64_t, 4096);
  GrProbe *rows = g_new (GrProbe, 2 * 4096);
  int64_t n_rows;
  uint64_t serial;
  char name[8];

  gr_history_set_layers (h, 2, names);
  g_assert_cmpint (gr_history_n_layers (h), ==, 2);
  gr_history_layer_name (h, 1, name, sizeof name);
  g_assert_cmpstr (name, ==, "b");
  serial = gr_history_serial (h);
  for (int i = 1; i <= N; i++)
    {
      GrStepRecord rec = { .step = i, .loss = (float) i };

      probes[0].weight_norm = (float) i;
      gr_history_append_step (h, &rec, probes);
    }
  g_assert_cmpuint (gr_history_serial (h), >, serial);
  /* Every step is kept, across chunk boundaries. */
  g_assert_cmpint (gr_history_n_steps (h), ==, N);
  g_assert_cmpint (gr_history_copy_steps (h, 0, N, r), ==, N);
  for (int i = 0; i < N; i++)
    g_assert_cmpfloat (r[i].loss, ==, (float) (i + 1));
  g_assert_cmpint (gr_history_copy_steps (h, 16380, 10, r), ==, 10);
  g_assert_cmpint (r[0].step, ==, 16381);
  g_assert_cmpint (r[9].step, ==, 16390);
  g_assert_cmpint (gr_history_copy_steps (h, N - 3, 10, r), ==, 3);

  /* Probes are thinned evenly: bounded, first step kept, equal strides. */
  n_rows = gr_history_copy_probes (h, 4096, steps, rows);
  g_assert_cmpint (n_rows, ==, gr_history_n_probe_rows (h));
  g_assert_cmpint (n_rows, <=, 2048);
  g_assert_cmpint (n_rows, >, 1024);
  g_assert_cmpint (steps[0], ==, 1);
  for (int64_t i = 1; i < n_rows; i++)
    {
      g_assert_cmpint (steps[i] - steps[i - 1], ==, steps[1] - steps[0]);
      g_assert_cmpfloat (rows[2 * i].weight_norm, ==, (float) steps[i]);
      g_assert_cmpfloat (rows[2 * i + 1].grad_norm, ==, 2.0f);
    }
  {
    GrProbe latest[2];
    int64_t at;

    g_assert_true (gr_history_latest_probes (h, &at, latest));
    g_assert_cmpint (at, ==, N);
    g_assert_cmpfloat (latest[0].weight_norm, ==, (float) N);
  }

  /* Events and evaluations grow past their first allocation. */
  for (int i = 0; i < 200; i++)
    {
      GrEvalRecord ev = { .step = i };

      gr_history_append_event (h, i, GR_EVENT_NOTE, "note");
      gr_history_append_eval (h, &ev);
    }
  g_assert_cmpint (gr_history_n_events (h), ==, 200);
  g_assert_cmpint (gr_history_n_evals (h), ==, 200);
  {
    GrEvent e[2];

    g_assert_cmpint (gr_history_copy_events (h, 198, 5, e), ==, 2);
    g_assert_cmpint (e[1].step, ==, 199);
    g_assert_cmpstr (e[1].text, ==, "note");
  }

  gr_history_clear (h);
  g_assert_cmpint (gr_history_n_steps (h), ==, 0);
  g_assert_cmpint (gr_history_n_events (h), ==, 0);
  g_assert_cmpint (gr_history_n_probe_rows (h), ==, 0);
  g_assert_false (gr_history_latest_probes (h, NULL, probes));
  /* And it fills again after a clear. */
  gr_history_append_step (h, &(GrStepRecord) { .step = 1 }, probes);
  g_assert_cmpint (gr_history_n_steps (h), ==, 1);
  g_free (r);
  g_free (steps);
  g_free (rows);
  gr_history_free (h);
  gr_history_free (NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/session/determinism", test_determinism);
  g_test_add_func ("/engine/session/pending-knobs", test_pending_knobs);
  g_test_add_func ("/engine/session/timeline", test_timeline);
  g_test_add_func ("/engine/session/diverge", test_diverge);
  g_test_add_func ("/engine/session/diverge-resume", test_diverge_resume);
  g_test_add_func ("/engine/session/diverge-rescue", test_diverge_rescue);
  g_test_add_func ("/engine/session/reset", test_reset);
  g_test_add_func ("/engine/session/new-errors", test_new_errors);
  g_test_add_func ("/engine/session/probes", test_probes);
  g_test_add_func ("/engine/session/evaluate", test_evaluate);
  g_test_add_func ("/engine/session/evaluate-seg", test_evaluate_seg);
  g_test_add_func ("/engine/session/loss-config", test_loss_config);
  g_test_add_func ("/engine/session/histogram", test_histogram);
  g_test_add_func ("/engine/history/steps-probes-events", test_history);

  return g_test_run ();
}
