/* gradlab-bench: the Gradlab side of the benchmark harness (bench/run).
 *
 *   gradlab-bench list
 *   gradlab-bench info
 *   gradlab-bench dump DIR [--seeds N]
 *   gradlab-bench train WORKLOAD [--threads T] [--seconds S] [--warmup S] [--seed N]
 *   gradlab-bench pairs WORKLOAD [--seconds S] [--warmup S] [--block-ms B] [--seed N]
 *   gradlab-bench quality WORKLOAD [--steps N] [--seed N] [--threads T] [--params-out FILE]
 *   gradlab-bench profile WORKLOAD [--threads T] [--steps N]
 *   gradlab-bench sgemm [--threads T] [--seconds S]
 *   gradlab-bench share WORKLOAD [--threads T] [--seconds S] [--block-ms B] [--lead-ms L]
 *                                [--seed N]
 *
 * Every workload builds its network through GrModelSpec and trains it with
 * the same GrSession step the app and gradlab-run use, so what is timed is
 * what a user gets (probes and history included). `dump` writes the data
 * sets and the initial weights as raw little-endian arrays, so the PyTorch
 * peer (bench/peer_torch.py) trains the same network from the same weights
 * on the same data. `pairs` times one thread against two (and one against
 * one, as a control) in a single process, in alternating blocks of steps,
 * for the harness's "two threads never slower than one"; `share` times a
 * workload's training steps against the square 1024 sgemm at the same
 * thread count the same way, for "W3 reaches 60 % of sgemm". Results are
 * printed as one JSON object per line. */

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gr-model.h"
#include "gr-session.h"

/* The profile mode times every node on its own, the way gr_net_forward ()
 * and gr_net_backward () run them, and dump checks its replay of the
 * session's batch order against the session's own; only a benchmark has
 * reason to look inside the net and the session like this. */
#include "gr-net-private.h"
#include "gr-session-private.h"

#include "grd-digits.h"
#include "grd-seg.h"
#include "grd-toy.h"

#ifndef BENCH_DIGITS_PATH
#define BENCH_DIGITS_PATH "data/digits.csv.gz"
#endif

typedef enum
{
  DATA_SPIRAL,
  DATA_DIGITS,
  DATA_SEG,
} DataKind;

static const char *const data_names[] = { "spiral", "digits", "seg" };

typedef enum
{
  NET_MLP,
  NET_SEG,
} NetKind;

/* One benchmark workload: a network, its data and its training knobs.
 * bench/peer_torch.py mirrors this table; keep them in step. */
typedef struct
{
  const char  *name;
  const char  *title;
  DataKind     data;
  NetKind      net;
  int          depth;          /* NET_MLP: hidden layers */
  int          width;          /* NET_MLP: hidden units */
  GrActKind    act;
  bool         batch_norm;
  float        dropout;
  GrInitKind   init;
  GrOptKind    opt;
  float        lr;
  int          batch;
  GrWeighting  weighting;
  int          quality_steps;  /* fixed training budget of the quality check */
} Workload;

static const Workload workloads[] = {
  { "w1", "W1 spiral MLP 2-8-8-2 tanh, batch 10, SGD",
    DATA_SPIRAL, NET_MLP, 2, 8, GR_ACT_TANH, false, 0.0f, GR_INIT_XAVIER,
    GR_OPT_SGD, 0.1f, 10, GR_WEIGHTING_NONE, 20000 },
  { "w2", "W2 digits MLP 64-128-128-10 ReLU, batch 64, Adam",
    DATA_DIGITS, NET_MLP, 2, 128, GR_ACT_RELU, false, 0.0f, GR_INIT_HE,
    GR_OPT_ADAM, 1e-3f, 64, GR_WEIGHTING_NONE, 600 },
  { "w2-bn", "W2 + batch norm",
    DATA_DIGITS, NET_MLP, 2, 128, GR_ACT_RELU, true, 0.0f, GR_INIT_HE,
    GR_OPT_ADAM, 1e-3f, 64, GR_WEIGHTING_NONE, 600 },
  { "w2-dropout", "W2 + dropout 0.2",
    DATA_DIGITS, NET_MLP, 2, 128, GR_ACT_RELU, false, 0.2f, GR_INIT_HE,
    GR_OPT_ADAM, 1e-3f, 64, GR_WEIGHTING_NONE, 600 },
  { "w3", "W3 segmentation 64x64, dilated convs, batch 16, Adam, weighted CE",
    DATA_SEG, NET_SEG, 0, 16, GR_ACT_RELU, true, 0.0f, GR_INIT_HE,
    GR_OPT_ADAM, 3e-3f, 16, GR_WEIGHTING_MEDIAN, 200 },
  { "w4", "W4 digits, 20 sigmoid layers of 64, batch 64, SGD",
    DATA_DIGITS, NET_MLP, 20, 64, GR_ACT_SIGMOID, false, 0.0f, GR_INIT_XAVIER,
    GR_OPT_SGD, 0.1f, 64, GR_WEIGHTING_NONE, 3000 },
};

#define N_WORKLOADS (sizeof workloads / sizeof workloads[0])

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static const Workload *
find_workload (const char *name)
{
  for (size_t i = 0; i < N_WORKLOADS; i++)
    if (strcmp (workloads[i].name, name) == 0)
      return &workloads[i];
  return NULL;
}

/* ---- data ----------------------------------------------------------------- */

static const char *
digits_path (void)
{
  const char *env = getenv ("GRADLAB_DIGITS");

  return env != NULL && env[0] != '\0' ? env : BENCH_DIGITS_PATH;
}

/* Makes the train and validation sets of @kind; deterministic. */
static bool
make_data (DataKind    kind,
           GrDataset **train,
           GrDataset **val,
           char       *err,
           size_t      err_len)
{
  *train = *val = NULL;
  switch (kind)
    {
    case DATA_SPIRAL:
      {
        GrdToyParams p = { .n = 1000, .noise = 0.2f, .seed = 1, .features = 0 };

        *train = grd_toy_spiral (&p, err, err_len);
        p.n = 500;
        p.seed = 2;
        if (*train != NULL)
          *val = grd_toy_spiral (&p, err, err_len);
        break;
      }
    case DATA_DIGITS:
      {
        GrDataset *all = grd_digits_load (digits_path (), err, err_len);

        if (all == NULL)
          return false;
        if (!grd_digits_split (all, train, val, err, err_len))
          {
            gr_dataset_free (all);
            return false;
          }
        gr_dataset_free (all);
        break;
      }
    case DATA_SEG:
      {
        GrdSegParams p;

        grd_seg_params_init (&p);
        p.n = 200;
        p.height = 64;
        p.width = 64;
        p.channels = 1;
        p.n_classes = 3;
        p.seed = 1;
        *train = grd_seg_new (&p, err, err_len);
        p.n = 50;
        p.seed = 2;
        if (*train != NULL)
          *val = grd_seg_new (&p, err, err_len);
        break;
      }
    default:
      break;
    }
  if (*train == NULL || *val == NULL)
    {
      gr_dataset_free (*train);
      gr_dataset_free (*val);
      *train = *val = NULL;
      return false;
    }
  return true;
}

/* ---- networks ------------------------------------------------------------- */

static void
push_layer (GrModelSpec       *spec,
            const GrLayerSpec *l)
{
  spec->layers[spec->n_layers++] = *l;
}

/* conv3x3 (dilation @dil, no bias: BN follows) -> BN -> ReLU */
static void
push_conv_block (GrModelSpec *spec,
                 int          units,
                 int          kernel,
                 int          dil,
                 int          index)
{
  GrLayerSpec l;

  memset (&l, 0, sizeof l);
  l.kind = GR_LAYER_CONV2D;
  l.units = units;
  l.kernel = kernel;
  l.dilation = dil;
  l.pad = dil * (kernel / 2);
  l.stride = 1;
  l.no_bias = true;
  snprintf (l.name, sizeof l.name, "conv%d", index);
  push_layer (spec, &l);
  memset (&l, 0, sizeof l);
  l.kind = GR_LAYER_BATCHNORM;
  snprintf (l.name, sizeof l.name, "bn%d", index);
  push_layer (spec, &l);
  memset (&l, 0, sizeof l);
  l.kind = GR_LAYER_ACT;
  l.act = GR_ACT_RELU;
  snprintf (l.name, sizeof l.name, "relu%d", index);
  push_layer (spec, &l);
}

static GrStatus
make_spec (const Workload  *w,
           const GrDataset *train,
           GrModelSpec     *spec)
{
  if (w->net == NET_MLP)
    {
      GrMlpSpec mlp;

      memset (&mlp, 0, sizeof mlp);
      mlp.depth = w->depth;
      mlp.width = w->width;
      mlp.act = w->act;
      mlp.batch_norm = w->batch_norm;
      mlp.dropout = w->dropout;
      mlp.outputs = train->n_classes;
      return gr_model_from_mlp (spec, train->sample, &mlp);
    }
  else
    {
      GrLayerSpec l;

      memset (spec, 0, sizeof *spec);
      spec->input = train->sample;
      push_conv_block (spec, w->width, 3, 1, 1);
      push_conv_block (spec, w->width, 3, 2, 2);
      push_conv_block (spec, w->width, 3, 4, 3);
      memset (&l, 0, sizeof l);
      l.kind = GR_LAYER_CONV2D;
      l.units = train->n_classes;
      l.kernel = 1;
      l.stride = 1;
      snprintf (l.name, sizeof l.name, "classifier");
      push_layer (spec, &l);
      return GR_OK;
    }
}

static void
make_knobs (const Workload *w,
            GrKnobs        *k)
{
  gr_knobs_defaults (k);
  k->optimizer = w->opt;
  k->lr = w->lr;
  k->batch_size = w->batch;
  k->loss = GR_LOSS_CE;
  k->weighting = w->weighting;
  k->activation = w->act;
  k->dropout = w->dropout;
  k->batch_norm = true;
  k->init = w->init;
}

typedef struct
{
  const Workload *w;
  GrDataset      *train;
  GrDataset      *val;
  GrSession      *session;
} Run;

static void
run_clear (Run *r)
{
  gr_session_free (r->session);
  gr_dataset_free (r->train);
  gr_dataset_free (r->val);
  memset (r, 0, sizeof *r);
}

static bool
run_init (Run            *r,
          const Workload *w,
          uint64_t        seed,
          int             threads)
{
  GrSessionConfig cfg;
  char err[512] = "";

  memset (r, 0, sizeof *r);
  r->w = w;
  if (!make_data (w->data, &r->train, &r->val, err, sizeof err))
    {
      fprintf (stderr, "gradlab-bench: %s: data: %s\n", w->name, err);
      return false;
    }
  memset (&cfg, 0, sizeof cfg);
  if (make_spec (w, r->train, &cfg.model) != GR_OK)
    {
      fprintf (stderr, "gradlab-bench: %s: the model spec does not fit\n", w->name);
      run_clear (r);
      return false;
    }
  make_knobs (w, &cfg.knobs);
  cfg.seed = seed;
  cfg.max_batch = w->batch;
  cfg.eval_samples = 1024;
  cfg.threads = threads;
  r->session = gr_session_new (&cfg, r->train, r->val, err, sizeof err);
  if (r->session == NULL)
    {
      fprintf (stderr, "gradlab-bench: %s: %s\n", w->name, err);
      run_clear (r);
      return false;
    }
  return true;
}

/* Training FLOPs of one sample, multiply-adds counted as two: the work of
 * the weighted layers (dense, conv) in forward and backward, i.e. three
 * times their forward (output, weight gradient, input gradient) except the
 * first, whose input gradient is not computed. Element-wise layers are
 * left out, as is usual when quoting a network's FLOPs. */
static double
net_train_flops (GrNet *net)
{
  double f = 0.0;
  bool first = true;

  for (int i = 1; i < gr_net_n_nodes (net); i++)
    {
      const GrLayerSpec *sp = gr_net_node_spec (net, i);

      if (sp->kind == GR_LAYER_DENSE || sp->kind == GR_LAYER_CONV2D)
        {
          f += (first ? 2.0 : 3.0) * gr_net_node_flops (net, i);
          first = false;
        }
    }
  return f;
}

/* ---- dump ----------------------------------------------------------------- */

static bool
write_raw (const char *dir,
           const char *name,
           const void *data,
           size_t      bytes)
{
  char path[4096];
  FILE *f;
  bool ok;

  snprintf (path, sizeof path, "%s/%s", dir, name);
  f = fopen (path, "wb");
  if (f == NULL)
    {
      fprintf (stderr, "gradlab-bench: %s: %s\n", path, strerror (errno));
      return false;
    }
  ok = fwrite (data, 1, bytes, f) == bytes;
  ok = (fclose (f) == 0) && ok;
  if (!ok)
    fprintf (stderr, "gradlab-bench: %s: write failed\n", path);
  return ok;
}

static bool
dump_dataset (const char      *dir,
              const char      *data_name,
              const char      *part,
              const GrDataset *ds)
{
  char name[256];
  size_t xs = gr_shape_sample_size (ds->sample) * (size_t) ds->n;
  size_t ls = gr_shape_sample_size (ds->target_shape) * (size_t) ds->n;

  snprintf (name, sizeof name, "%s.%s.x.f32", data_name, part);
  if (!write_raw (dir, name, ds->x, xs * sizeof (float)))
    return false;
  snprintf (name, sizeof name, "%s.%s.y.i32", data_name, part);
  return write_raw (dir, name, ds->labels, ls * sizeof (int32_t));
}

/* Writes the sample indices of the first quality_steps batches the
 * session will draw, so the PyTorch side of the quality check can train on
 * exactly the same batches. The session's batcher is seeded from the run's
 * seed as gr_session_new () does; one real step checks that the replay
 * matches (the session is rebuilt by the caller's next run_init ()). */
static bool
dump_batches (const char     *dir,
              const Workload *w,
              Run            *r,
              uint64_t        seed)
{
  GrBatcher b;
  size_t count = (size_t) w->quality_steps * w->batch;
  int *idx = malloc (sizeof (int) * count);
  char name[256];
  bool ok;

  if (idx == NULL || !gr_batcher_init (&b, r->train, seed ^ 0x9e3779b97f4a7c15ULL))
    {
      free (idx);
      return false;
    }
  for (int i = 0; i < w->quality_steps; i++)
    gr_batcher_next (&b, w->batch, idx + (size_t) i * w->batch);
  gr_batcher_clear (&b);
  if (gr_session_step (r->session) != GR_OK
      || memcmp (r->session->idx, idx, sizeof (int) * w->batch) != 0)
    {
      fprintf (stderr, "gradlab-bench: %s: the replayed batch order does not match the "
               "session's; the quality check will not compare like with like\n", w->name);
      free (idx);
      return false;
    }
  snprintf (name, sizeof name, "%s.seed%llu.batches.i32", w->name, (unsigned long long) seed);
  ok = write_raw (dir, name, idx, count * sizeof (int));
  free (idx);
  return ok;
}

static int
cmd_dump (const char *dir,
          int         n_seeds)
{
  bool done_data[3] = { false, false, false };

  if (mkdir (dir, 0755) != 0 && errno != EEXIST)
    {
      fprintf (stderr, "gradlab-bench: %s: %s\n", dir, strerror (errno));
      return 1;
    }
  for (size_t i = 0; i < N_WORKLOADS; i++)
    {
      const Workload *w = &workloads[i];
      Run r;
      char name[256], path[4096];
      GrLossConfig lc;
      GrNet *net;
      FILE *f;

      for (int s = 1; s <= n_seeds; s++)
        {
          if (!run_init (&r, w, (uint64_t) s, 1))
            {
              printf ("{\"workload\": \"%s\", \"available\": false}\n", w->name);
              break;
            }
          net = gr_session_net (r.session);
          if (!done_data[w->data])
            {
              if (!dump_dataset (dir, data_names[w->data], "train", r.train)
                  || !dump_dataset (dir, data_names[w->data], "val", r.val))
                {
                  run_clear (&r);
                  return 1;
                }
              done_data[w->data] = true;
            }
          snprintf (name, sizeof name, "%s.seed%d.params.f32", w->name, s);
          if (!write_raw (dir, name, gr_net_params (net), gr_net_n_params (net) * sizeof (float))
              || !dump_batches (dir, w, &r, (uint64_t) s))
            {
              run_clear (&r);
              return 1;
            }
          if (s == 1)
            {
              gr_session_loss_config (r.session, &lc);
              snprintf (path, sizeof path, "%s/%s.json", dir, w->name);
              f = fopen (path, "w");
              if (f == NULL)
                {
                  fprintf (stderr, "gradlab-bench: %s: %s\n", path, strerror (errno));
                  run_clear (&r);
                  return 1;
                }
              fprintf (f, "{\n  \"workload\": \"%s\",\n  \"title\": \"%s\",\n", w->name, w->title);
              fprintf (f, "  \"data\": \"%s\",\n", data_names[w->data]);
              fprintf (f, "  \"sample\": [%d, %d, %d],\n", r.train->sample.c,
                       r.train->sample.h, r.train->sample.w);
              fprintf (f, "  \"label_shape\": [%d, %d],\n", r.train->target_shape.h,
                       r.train->target_shape.w);
              fprintf (f, "  \"n_train\": %d,\n  \"n_val\": %d,\n  \"n_classes\": %d,\n",
                       r.train->n, r.val->n, r.train->n_classes);
              fprintf (f, "  \"n_params\": %zu,\n", gr_net_n_params (net));
              fprintf (f, "  \"seeds\": %d,\n", n_seeds);
              fprintf (f, "  \"batch\": %d,\n  \"lr\": %.9g,\n  \"optimizer\": \"%s\",\n",
                       w->batch, (double) w->lr, gr_opt_name (w->opt));
              fprintf (f, "  \"quality_steps\": %d,\n", w->quality_steps);
              fprintf (f, "  \"train_flops_per_sample\": %.6g,\n", net_train_flops (net));
              fprintf (f, "  \"class_weights\": [");
              for (int c = 0; c < lc.n_classes; c++)
                fprintf (f, "%s%.9g", c ? ", " : "",
                         lc.use_weights ? (double) lc.class_weights[c] : 1.0);
              fprintf (f, "]\n}\n");
              if (fclose (f) != 0)
                {
                  run_clear (&r);
                  return 1;
                }
              printf ("{\"workload\": \"%s\", \"available\": true, \"n_params\": %zu}\n",
                      w->name, gr_net_n_params (net));
            }
          run_clear (&r);
        }
    }
  return 0;
}

/* ---- train (timed) -------------------------------------------------------- */

static int
cmd_train (const Workload *w,
           int             threads,
           double          seconds,
           double          warmup,
           uint64_t        seed)
{
  Run r;
  double t0, t1;
  long steps = 0, warm_steps = 0;
  GrStatus st = GR_OK;
  double flops;

  if (!run_init (&r, w, seed, threads))
    return 2;
  flops = net_train_flops (gr_session_net (r.session)) * w->batch;

  /* Warm-up: caches, page faults, OpenBLAS threads, history chunks. */
  t0 = now_s ();
  do
    {
      st = gr_session_step (r.session);
      warm_steps++;
    }
  while (st == GR_OK && (now_s () - t0 < warmup || warm_steps < 5));

  t0 = now_s ();
  t1 = t0;
  while (st == GR_OK && (t1 - t0 < seconds || steps < 3))
    {
      st = gr_session_step (r.session);
      steps++;
      t1 = now_s ();
    }
  if (st != GR_OK)
    {
      fprintf (stderr, "gradlab-bench: %s: %s\n", w->name, gr_session_error (r.session));
      run_clear (&r);
      return 1;
    }
  printf ("{\"side\": \"gradlab\", \"workload\": \"%s\", \"threads\": %d, \"batch\": %d, "
          "\"warmup_steps\": %ld, \"steps\": %ld, \"seconds\": %.6f, \"samples_per_s\": %.3f, "
          "\"ms_per_step\": %.6f, \"gflops\": %.4f}\n",
          w->name, threads, w->batch, warm_steps, steps, t1 - t0,
          (double) steps * w->batch / (t1 - t0), 1e3 * (t1 - t0) / (double) steps,
          flops * (double) steps / (t1 - t0) * 1e-9);
  run_clear (&r);
  return 0;
}

/* ---- pairs: one thread against two in one process ------------------------- */

/* Why one process: "two threads never slower than one" is a comparison of
 * a few per cent, and two processes run one after the other see the
 * machine drift between them (other load on a shared machine, the clock)
 * by more than that. Here a one-thread session (A), a two-thread session
 * (B) and a second one-thread session (C) train the same workload from the
 * same seed, taking turns in short blocks of steps, so each round measures
 * all three within a few hundred milliseconds of each other. C runs
 * exactly A's code, so A/C shows how far two identical sessions drift
 * apart here: the noise band the 2T/1T ratio is judged against. OpenBLAS's
 * thread count is process-wide, but every GEMM sets it first
 * (gr_net_blas_threads ()), so sessions with different counts can share a
 * process; it must start with OPENBLAS_NUM_THREADS >= 2 for B to get two.
 *
 * The three roles rotate over the three sessions from round to round (a
 * net's thread count is set before each block): identical sessions differ
 * by where their buffers fall in memory, and a run in which session 2
 * always had two threads saw its 2T/1T median at 0.998 while running the
 * very one-thread code of W2 + dropout, with the other process of the
 * same run at 1.002. Rotating, every session plays A, B and C equally
 * often, and the order of the blocks in a round rotates on its own
 * period, so every role meets every place in the order too. */

#define PAIRS_SESSIONS 3

static int
cmp_double (const void *a,
            const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The @q quantile of the @n sorted values, interpolating linearly between
 * neighbours (numpy's default; at 0.5 it is Python's statistics.median). */
static double
quantile (const double *sorted,
          int           n,
          double        q)
{
  double pos = q * (n - 1);
  int lo = (int) floor (pos);
  int hi = lo + 1 < n ? lo + 1 : lo;

  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/* Prints ', "KEY": median, "KEY_min", "KEY_max", "KEY_p25", "KEY_p75" and
 * "KEY_rounds"' (the ratios in round order, so bench/run can pool the
 * rounds of several processes). */
static bool
print_ratio_stats (const char   *key,
                   const double *ratios,
                   int           n)
{
  double *s = malloc (sizeof (double) * n);

  if (s == NULL)
    return false;
  memcpy (s, ratios, sizeof (double) * n);
  qsort (s, n, sizeof (double), cmp_double);
  printf (", \"%s\": %.6f, \"%s_min\": %.6f, \"%s_max\": %.6f, \"%s_p25\": %.6f, "
          "\"%s_p75\": %.6f, \"%s_rounds\": [", key, quantile (s, n, 0.5), key, s[0], key,
          s[n - 1], key, quantile (s, n, 0.25), key, quantile (s, n, 0.75), key);
  for (int i = 0; i < n; i++)
    printf ("%s%.6f", i ? ", " : "", ratios[i]);
  printf ("]");
  free (s);
  return true;
}

/* Resizes *@v to @count doubles; on failure leaves it as it was (the
 * caller frees it) and returns false. */
static bool
grow (double **v,
      size_t   count)
{
  double *p = realloc (*v, sizeof (double) * count);

  if (p == NULL)
    return false;
  *v = p;
  return true;
}

static int
cmd_pairs (const Workload *w,
           double          seconds,
           double          warmup,
           double          block_ms,
           uint64_t        seed)
{
  /* The thread counts of roles A, B, C; the indices below are roles. */
  static const int threads[PAIRS_SESSIONS] = { 1, 2, 1 };
  Run r[PAIRS_SESSIONS];
  double total_s[PAIRS_SESSIONS] = { 0.0, 0.0, 0.0 };
  double *ms = NULL, *two = NULL, *ctl = NULL;   /* per round */
  double t0, t1, step_s = 0.0;
  long warm_steps = 0, block;
  int n_rounds = 0, cap = 0, n_init = 0, ret = 1;
  GrStatus st = GR_OK;
  const char *failed = "out of memory";

  memset (r, 0, sizeof r);
  for (; n_init < PAIRS_SESSIONS; n_init++)
    if (!run_init (&r[n_init], w, seed, threads[n_init]))
      {
        ret = 2;
        goto out;
      }

  /* Warm-up as cmd_train's, for each session in turn. A's warm-up less
   * its first step (page faults, OpenBLAS starting its threads) sizes the
   * blocks: A is the reference both ratios divide by. */
  for (int s = 0; s < PAIRS_SESSIONS; s++)
    {
      double t_first = 0.0;
      long n = 0;

      t0 = now_s ();
      do
        {
          st = gr_session_step (r[s].session);
          if (++n == 1)
            t_first = now_s ();
        }
      while (st == GR_OK && (now_s () - t0 < warmup || n < 5));
      if (st != GR_OK)
        {
          failed = gr_session_error (r[s].session);
          goto out;
        }
      if (s == 0)
        {
          warm_steps = n;
          step_s = (now_s () - t_first) / (double) (n - 1);
        }
    }
  block = step_s > 0.0 ? lround (1e-3 * block_ms / step_s) : 1;
  if (block < 1)
    block = 1;

  t0 = now_s ();
  do
    {
      if (n_rounds == cap)
        {
          cap = cap ? 2 * cap : 64;
          if (!grow (&ms, PAIRS_SESSIONS * (size_t) cap) || !grow (&two, (size_t) cap)
              || !grow (&ctl, (size_t) cap))
            goto out;
        }
      /* Role j (A, B, C) is played by session (round + j) % 3; the blocks
       * run in the order of roles j = (k + round / 3) % 3, so that no role
       * always runs first (after the loop's bookkeeping) or always right
       * after the same other role (whose data then fills the caches). */
      for (int k = 0; k < PAIRS_SESSIONS; k++)
        {
          int j = (k + n_rounds / PAIRS_SESSIONS) % PAIRS_SESSIONS;
          int s = (n_rounds + j) % PAIRS_SESSIONS;
          double a, b;

          gr_net_set_threads (gr_session_net (r[s].session), threads[j]);
          a = now_s ();
          for (long i = 0; i < block && st == GR_OK; i++)
            st = gr_session_step (r[s].session);
          b = now_s ();
          if (st != GR_OK)
            {
              failed = gr_session_error (r[s].session);
              goto out;
            }
          total_s[j] += b - a;
          ms[PAIRS_SESSIONS * n_rounds + j] = 1e3 * (b - a) / (double) block;
        }
      two[n_rounds] = ms[PAIRS_SESSIONS * n_rounds] / ms[PAIRS_SESSIONS * n_rounds + 1];
      ctl[n_rounds] = ms[PAIRS_SESSIONS * n_rounds] / ms[PAIRS_SESSIONS * n_rounds + 2];
      n_rounds++;
      t1 = now_s ();
    }
  /* Whole rotations of both, so that each session plays each role, and
   * each role has each place in the order, equally often. */
  while (t1 - t0 < seconds || n_rounds % (PAIRS_SESSIONS * PAIRS_SESSIONS) != 0);

  printf ("{\"side\": \"gradlab\", \"mode\": \"pairs\", \"workload\": \"%s\", \"batch\": %d, "
          "\"warmup_steps\": %ld, \"block_ms\": %.3f, \"steps_per_block\": %ld, "
          "\"rounds\": %d, \"seconds\": %.6f, \"ms_per_step_1t\": %.6f, "
          "\"ms_per_step_2t\": %.6f, \"ms_per_step_control\": %.6f",
          w->name, w->batch, warm_steps, block_ms, block, n_rounds, t1 - t0,
          1e3 * total_s[0] / ((double) n_rounds * block),
          1e3 * total_s[1] / ((double) n_rounds * block),
          1e3 * total_s[2] / ((double) n_rounds * block));
  if (!print_ratio_stats ("two_vs_one", two, n_rounds)
      || !print_ratio_stats ("control", ctl, n_rounds))
    {
      /* Half a line was printed; end it so bench/run cannot parse it. */
      printf ("\n");
      goto out;
    }
  printf (", \"rounds_ms\": [");
  for (int i = 0; i < n_rounds; i++)
    printf ("%s[%.6f, %.6f, %.6f]", i ? ", " : "", ms[PAIRS_SESSIONS * i],
            ms[PAIRS_SESSIONS * i + 1], ms[PAIRS_SESSIONS * i + 2]);
  printf ("]}\n");
  ret = 0;

out:
  if (ret == 1)
    fprintf (stderr, "gradlab-bench: %s: %s\n", w->name, failed);
  for (int s = 0; s < n_init; s++)
    run_clear (&r[s]);
  free (ms);
  free (two);
  free (ctl);
  return ret;
}

/* ---- quality -------------------------------------------------------------- */

static int
cmd_quality (const Workload *w,
             int             steps,
             uint64_t        seed,
             int             threads,
             const char     *params_out)
{
  Run r;
  GrEvalRecord rec;
  GrStatus st = GR_OK;
  bool seg;

  if (!run_init (&r, w, seed, threads))
    return 2;
  for (int i = 0; i < steps && st == GR_OK; i++)
    st = gr_session_step (r.session);
  if (st == GR_OK)
    st = gr_session_evaluate (r.session, &rec);
  if (st != GR_OK)
    {
      fprintf (stderr, "gradlab-bench: %s: %s\n", w->name, gr_session_error (r.session));
      run_clear (&r);
      return 1;
    }
  seg = w->data == DATA_SEG;
  if (params_out != NULL)
    {
      GrNet *net = gr_session_net (r.session);
      FILE *f = fopen (params_out, "wb");
      size_t np = gr_net_n_params (net);

      if (f == NULL || fwrite (gr_net_params (net), sizeof (float), np, f) != np)
        fprintf (stderr, "gradlab-bench: %s: cannot write\n", params_out);
      if (f != NULL)
        fclose (f);
    }
  printf ("{\"side\": \"gradlab\", \"workload\": \"%s\", \"seed\": %llu, \"steps\": %d, "
          "\"metric\": \"%s\", \"value\": %.6f, \"val_acc\": %.6f, \"val_loss\": %.6f, "
          "\"train_loss\": %.6f}\n",
          w->name, (unsigned long long) seed, steps, seg ? "miou" : "val_acc",
          (double) (seg ? rec.miou : rec.val_acc), (double) rec.val_acc,
          (double) rec.val_loss, (double) rec.train_loss);
  run_clear (&r);
  return 0;
}

/* ---- profile: time per node ------------------------------------------------- */

typedef struct
{
  double fwd, bwd;
} NodeTime;

static int
cmd_profile (const Workload *w,
             int             threads,
             int             steps)
{
  Run r;
  GrNet *net;
  GrOptim *opt;
  GrOptConfig oc;
  GrLossConfig lc;
  GrBatcher batcher;
  GrRng rng;
  GrProbe probes[GR_MAX_NODES];
  NodeTime t[GR_MAX_NODES];
  double t_loss = 0.0, t_opt = 0.0, t_probe = 0.0, t_gather = 0.0, t_zero = 0.0;
  double t_session, total = 0.0, train_flops;
  int B = w->batch, n_nodes;
  size_t in_sz;
  GrShape out;
  float *x, *dout, *scratch, loss, gn_raw, gn_used;
  int32_t *labels;
  int *idx;

  if (!run_init (&r, w, 1, threads))
    return 2;
  net = gr_session_net (r.session);
  n_nodes = net->n_nodes;
  in_sz = gr_shape_sample_size (r.train->sample);
  out = gr_net_output_shape (net);
  out.n = B;
  gr_session_loss_config (r.session, &lc);
  opt = gr_optim_new (gr_net_n_params (net));
  x = malloc (sizeof (float) * in_sz * B);
  labels = malloc (sizeof (int32_t) * gr_shape_sample_size (r.train->target_shape) * B);
  dout = malloc (sizeof (float) * gr_shape_sample_size (out) * B);
  scratch = malloc (sizeof (float) * (gr_loss_scratch_size (out) + 1));
  idx = malloc (sizeof (int) * B);
  if (!opt || !x || !labels || !dout || !scratch || !idx
      || !gr_batcher_init (&batcher, r.train, 7))
    {
      fprintf (stderr, "gradlab-bench: out of memory\n");
      return 1;
    }
  gr_rng_seed (&rng, 1, 3);
  memset (t, 0, sizeof t);
  memset (&oc, 0, sizeof oc);
  oc.kind = w->opt;
  oc.lr = w->lr;
  oc.beta1 = 0.9f;
  oc.beta2 = 0.999f;
  oc.eps = 1e-8f;

  for (int it = -steps / 5 - 1; it < steps; it++)
    {
      bool timed = it >= 0;
      double a = now_s (), b;

      gr_batcher_next (&batcher, B, idx);
      gr_dataset_gather (r.train, idx, B, x, labels, NULL);
      b = now_s ();
      if (timed)
        t_gather += b - a;

      /* The same sequence as gr_net_forward () / gr_net_backward (). */
      net->n = B;
      net->last_train = true;
      memcpy (net->nodes[0].y, x, sizeof (float) * in_sz * B);
      for (int i = 1; i < n_nodes; i++)
        {
          a = now_s ();
          net->nodes[i].ops->forward (net, &net->nodes[i], B, true, &rng);
          b = now_s ();
          if (timed)
            t[i].fwd += b - a;
        }
      a = now_s ();
      /* As gr_session_step () computes it: shared among the net's threads. */
      gr_loss_compute_net (net, &lc, gr_net_output (net), out, (GrTarget) { labels, NULL },
                           dout, &loss, scratch);
      b = now_s ();
      if (timed)
        t_loss += b - a;
      a = now_s ();
      gr_net_backward_begin (net, dout, B);
      b = now_s ();
      if (timed)
        t_zero += b - a;
      for (int i = n_nodes - 1; i >= 1; i--)
        {
          a = now_s ();
          net->nodes[i].ops->backward (net, &net->nodes[i], B);
          b = now_s ();
          if (timed)
            t[i].bwd += b - a;
        }
      a = now_s ();
      gr_optim_step (opt, net, &oc, probes, &gn_raw, &gn_used);
      b = now_s ();
      if (timed)
        t_opt += b - a;
      a = now_s ();
      gr_net_probe_activations (net, probes);
      b = now_s ();
      if (timed)
        t_probe += b - a;
    }

  /* The whole session step, for the overhead outside the net. */
  {
    double a;
    int n = steps;

    for (int i = 0; i < 3; i++)
      gr_session_step (r.session);
    a = now_s ();
    for (int i = 0; i < n; i++)
      gr_session_step (r.session);
    t_session = (now_s () - a) / n;
  }

  train_flops = net_train_flops (net) * B;
  printf ("%s, %d thread(s), batch %d, %d steps; times per step\n", w->title, threads, B, steps);
  printf ("%-12s %-10s %10s %10s %9s %9s\n", "node", "kind", "fwd ms", "bwd ms",
          "fwd GF/s", "bwd GF/s");
  for (int i = 1; i < n_nodes; i++)
    {
      const GrNode *nd = &net->nodes[i];
      double ff = gr_net_node_flops (net, i) * B;
      bool weighted = nd->spec.kind == GR_LAYER_DENSE || nd->spec.kind == GR_LAYER_CONV2D;
      bool input_grad = gr_net_wants_grad (net, nd->spec.inputs[0]);
      double bf = weighted ? ff * (input_grad ? 2.0 : 1.0) : ff;
      double tf = t[i].fwd / steps, tb = t[i].bwd / steps;

      total += tf + tb;
      printf ("%-12s %-10s %10.4f %10.4f %9.2f %9.2f\n", nd->spec.name,
              gr_layer_kind_name (nd->spec.kind), 1e3 * tf, 1e3 * tb,
              tf > 0 ? ff / tf * 1e-9 : 0.0, tb > 0 ? bf / tb * 1e-9 : 0.0);
    }
  printf ("%-23s %10.4f\n", "batch gather", 1e3 * t_gather / steps);
  printf ("%-23s %10.4f\n", "loss", 1e3 * t_loss / steps);
  printf ("%-23s %10.4f\n", "zero dy", 1e3 * t_zero / steps);
  printf ("%-23s %10.4f\n", "optimizer", 1e3 * t_opt / steps);
  printf ("%-23s %10.4f\n", "activation probes", 1e3 * t_probe / steps);
  total += (t_gather + t_loss + t_zero + t_opt + t_probe) / steps;
  printf ("%-23s %10.4f  (%.2f GFLOP/s over %.4g GFLOP)\n", "sum of the above", 1e3 * total,
          train_flops / total * 1e-9, train_flops * 1e-9);
  printf ("%-23s %10.4f  (%.2f GFLOP/s)\n", "gr_session_step", 1e3 * t_session,
          train_flops / t_session * 1e-9);

  gr_batcher_clear (&batcher);
  gr_optim_free (opt);
  free (x);
  free (labels);
  free (dout);
  free (scratch);
  free (idx);
  run_clear (&r);
  return 0;
}

/* ---- sgemm ---------------------------------------------------------------- */

typedef struct
{
  const char *what;
  int         m, n, k;
  bool        ta, tb;
} GemmShape;

/* Square-ish shapes for the machine's rate, then the GEMMs of W3's
 * dilated 16-channel convolutions as one im2col per sample (64x64 maps):
 * forward W (16, 144) x cols (144, 4096), weight gradient dY (16, 4096) x
 * cols^T, input gradient W^T (144, 16) x dY (16, 4096). */
static const GemmShape gemm_shapes[] = {
  { "square 512", 512, 512, 512, false, false },
  { "square 1024", 1024, 1024, 1024, false, false },
  { "square-ish 256x4096x256", 256, 4096, 256, false, false },
  { "conv fwd 16x4096x144", 16, 4096, 144, false, false },
  { "conv fwd batched 16x65536x144", 16, 65536, 144, false, false },
  { "conv dW 16x144x4096", 16, 144, 4096, false, true },
  { "conv dX 144x4096x16", 144, 4096, 16, true, false },
};

/* Allocates A, B and C for GEMMs of up to @max_a, @max_b and @max_c
 * elements, A and B filled with a fixed pattern in [-0.5, 0.5), C zeroed. */
static bool
gemm_buffers_new (size_t   max_a,
                  size_t   max_b,
                  size_t   max_c,
                  float  **A,
                  float  **Bm,
                  float  **C)
{
  *A = malloc (sizeof (float) * max_a);
  *Bm = malloc (sizeof (float) * max_b);
  *C = malloc (sizeof (float) * max_c);
  if (!*A || !*Bm || !*C)
    {
      free (*A);
      free (*Bm);
      free (*C);
      *A = *Bm = *C = NULL;
      return false;
    }
  for (size_t i = 0; i < max_a; i++)
    (*A)[i] = (float) ((i * 7919) % 1000) * 1e-3f - 0.5f;
  for (size_t i = 0; i < max_b; i++)
    (*Bm)[i] = (float) ((i * 104729) % 1000) * 1e-3f - 0.5f;
  memset (*C, 0, sizeof (float) * max_c);
  return true;
}

/* One C = op (A) op (B) of shape @g, row-major, packed. */
static void
gemm_call (const GemmShape *g,
           const float     *A,
           const float     *Bm,
           float           *C)
{
  int lda = g->ta ? g->m : g->k, ldb = g->tb ? g->k : g->n;

  cblas_sgemm (CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans,
               g->tb ? CblasTrans : CblasNoTrans, g->m, g->n, g->k, 1.0f,
               A, lda, Bm, ldb, 0.0f, C, g->n);
}

static int
cmd_sgemm (int    threads,
           double seconds)
{
  size_t max_a = 0, max_b = 0, max_c = 0;
  float *A, *Bm, *C;
  size_t n_shapes = sizeof gemm_shapes / sizeof gemm_shapes[0];

  openblas_set_num_threads (threads);
  for (size_t i = 0; i < n_shapes; i++)
    {
      const GemmShape *g = &gemm_shapes[i];

      if ((size_t) g->m * g->k > max_a)
        max_a = (size_t) g->m * g->k;
      if ((size_t) g->k * g->n > max_b)
        max_b = (size_t) g->k * g->n;
      if ((size_t) g->m * g->n > max_c)
        max_c = (size_t) g->m * g->n;
    }
  if (!gemm_buffers_new (max_a, max_b, max_c, &A, &Bm, &C))
    return 1;

  for (size_t i = 0; i < n_shapes; i++)
    {
      const GemmShape *g = &gemm_shapes[i];
      double flop = 2.0 * g->m * g->n * g->k, best = 0.0;

      /* Best of three trials, each at least seconds / 3 long. */
      for (int trial = 0; trial < 3; trial++)
        {
          double t0 = now_s (), t;
          long reps = 0;

          do
            {
              gemm_call (g, A, Bm, C);
              reps++;
              t = now_s () - t0;
            }
          while (t < seconds / 3.0);
          if (flop * reps / t > best)
            best = flop * reps / t;
        }
      printf ("{\"sgemm\": \"%s\", \"threads\": %d, \"m\": %d, \"n\": %d, \"k\": %d, "
              "\"gflops\": %.3f}\n", g->what, threads, g->m, g->n, g->k, best * 1e-9);
    }
  free (A);
  free (Bm);
  free (C);
  return 0;
}

/* ---- share: training step against sgemm in one process ------------------- */

/* Why one process: the W3 target is a share of the machine's sgemm rate,
 * and the two rates measured minutes apart in separate processes (one a
 * median of repeats, the other a best of trials) saw the shared machine
 * drift by 10-20 % between them. Here one training session of the
 * workload and the square 1024 sgemm, both at @threads threads, take turns
 * in blocks of about @block_ms (the counts fixed from the warm-ups), the
 * order alternating between rounds; each round's share is its step
 * GFLOP/s over its sgemm GFLOP/s, so both sides of a quotient share the
 * drift of the same second or so. The engine sets OpenBLAS's process-wide
 * thread count itself during a step, so every sgemm block sets it again
 * first.
 *
 * Each block starts with an untimed lead-in of @lead_ms on its own side
 * (at least one step or one sgemm call): the other side has just filled
 * the caches with its own data, and the cores were idle during the pause
 * below. Measured, the first W3 step of a 2-thread block after an sgemm
 * block took 24-27 ms against 16.7-17.4 for the rest of the block (20 ms
 * in a slower stretch). A training run is thousands of back-to-back
 * steps, so the quotient compares the two sides as each runs once under
 * way. */

static const GemmShape *
find_gemm (const char *what)
{
  for (size_t i = 0; i < sizeof gemm_shapes / sizeof gemm_shapes[0]; i++)
    if (strcmp (gemm_shapes[i].what, what) == 0)
      return &gemm_shapes[i];
  return NULL;
}

/* After a multi-threaded OpenBLAS call its worker threads spin, waiting
 * for more, for 2^28 TSC cycles (THREAD_TIMEOUT in OpenBLAS 0.3.21's
 * blas_server.c; about 0.1 s here) before they sleep. A training block
 * started meanwhile finds the second core taken: measured, the W3 step
 * ran at 68-78 GFLOP/s after sgemm blocks against 91-103 alone. Waiting
 * out the spin (untimed) lets each block run as it would on its own. */
static void
openblas_settle (void)
{
  struct timespec pause = { 0, 300 * 1000 * 1000 };

  while (nanosleep (&pause, &pause) != 0 && errno == EINTR)
    ;
}

static int
cmd_share (const Workload *w,
           int             threads,
           double          seconds,
           double          warmup,
           double          block_ms,
           double          lead_ms,
           uint64_t        seed)
{
  const GemmShape *g = find_gemm ("square 1024");
  Run r;
  float *A = NULL, *Bm = NULL, *C = NULL;
  double *step_gf = NULL, *gemm_gf = NULL, *share = NULL;   /* per round */
  double flops, gemm_flop, t0, t1 = 0.0, t_first = 0.0, step_s, gemm_s;
  double train_total = 0.0;
  long warm_steps = 0, warm_gemms = 0, steps_block, gemms_block, steps_total = 0;
  int n_rounds = 0, cap = 0, ret = 1;
  GrStatus st = GR_OK;
  const char *failed = "out of memory";

  if (!run_init (&r, w, seed, threads))
    return 2;
  flops = net_train_flops (gr_session_net (r.session)) * w->batch;
  gemm_flop = 2.0 * g->m * g->n * g->k;
  if (!gemm_buffers_new ((size_t) g->m * g->k, (size_t) g->k * g->n, (size_t) g->m * g->n,
                         &A, &Bm, &C))
    goto out;

  /* Warm-ups as cmd_train's, training first; each side's warm-up less
   * its first call (page faults, OpenBLAS starting its threads) sizes its
   * blocks. */
  t0 = now_s ();
  do
    {
      st = gr_session_step (r.session);
      if (++warm_steps == 1)
        t_first = now_s ();
    }
  while (st == GR_OK && (now_s () - t0 < warmup || warm_steps < 5));
  if (st != GR_OK)
    {
      failed = gr_session_error (r.session);
      goto out;
    }
  step_s = (now_s () - t_first) / (double) (warm_steps - 1);
  openblas_set_num_threads (threads);
  t0 = now_s ();
  do
    {
      gemm_call (g, A, Bm, C);
      if (++warm_gemms == 1)
        t_first = now_s ();
    }
  while (now_s () - t0 < warmup || warm_gemms < 5);
  gemm_s = (now_s () - t_first) / (double) (warm_gemms - 1);
  openblas_settle ();
  steps_block = step_s > 0.0 ? lround (1e-3 * block_ms / step_s) : 1;
  if (steps_block < 1)
    steps_block = 1;
  gemms_block = gemm_s > 0.0 ? lround (1e-3 * block_ms / gemm_s) : 1;
  if (gemms_block < 1)
    gemms_block = 1;

  t0 = now_s ();
  do
    {
      double ts = 0.0, tg = 0.0;

      if (n_rounds == cap)
        {
          cap = cap ? 2 * cap : 64;
          if (!grow (&step_gf, (size_t) cap) || !grow (&gemm_gf, (size_t) cap)
              || !grow (&share, (size_t) cap))
            goto out;
        }
      /* Training first in even rounds, sgemm first in odd ones. */
      for (int k = 0; k < 2; k++)
        {
          double a, b;

          if ((k + n_rounds) % 2 == 0)
            {
              /* The untimed lead-in (see above). */
              a = now_s ();
              do
                st = gr_session_step (r.session);
              while (st == GR_OK && now_s () - a < 1e-3 * lead_ms);
              a = now_s ();
              for (long i = 0; i < steps_block && st == GR_OK; i++)
                st = gr_session_step (r.session);
              b = now_s ();
              if (st != GR_OK)
                {
                  failed = gr_session_error (r.session);
                  goto out;
                }
              ts = b - a;
            }
          else
            {
              openblas_set_num_threads (threads);
              a = now_s ();
              do
                gemm_call (g, A, Bm, C);
              while (now_s () - a < 1e-3 * lead_ms);
              a = now_s ();
              for (long i = 0; i < gemms_block; i++)
                gemm_call (g, A, Bm, C);
              b = now_s ();
              tg = b - a;
              openblas_settle ();
            }
        }
      train_total += ts;
      steps_total += steps_block;
      step_gf[n_rounds] = flops * (double) steps_block / ts * 1e-9;
      gemm_gf[n_rounds] = gemm_flop * (double) gemms_block / tg * 1e-9;
      share[n_rounds] = step_gf[n_rounds] / gemm_gf[n_rounds];
      n_rounds++;
      t1 = now_s ();
    }
  /* Whole pairs of rounds, so that each side goes first equally often. */
  while (t1 - t0 < seconds || n_rounds % 2 != 0);

  printf ("{\"side\": \"gradlab\", \"mode\": \"share\", \"workload\": \"%s\", "
          "\"threads\": %d, \"batch\": %d, \"sgemm\": \"%s\", \"warmup_steps\": %ld, "
          "\"warmup_gemms\": %ld, \"block_ms\": %.3f, \"lead_ms\": %.3f, \"steps_per_block\": %ld, "
          "\"gemms_per_block\": %ld, \"rounds\": %d, \"seconds\": %.6f, "
          "\"flops_per_step\": %.6g, \"samples_per_s\": %.3f",
          w->name, threads, w->batch, g->what, warm_steps, warm_gemms, block_ms, lead_ms,
          steps_block,
          gemms_block, n_rounds, t1 - t0, flops,
          (double) steps_total * w->batch / train_total);
  if (!print_ratio_stats ("share", share, n_rounds)
      || !print_ratio_stats ("step_gflops", step_gf, n_rounds)
      || !print_ratio_stats ("sgemm_gflops", gemm_gf, n_rounds))
    {
      /* Half a line was printed; end it so bench/run cannot parse it. */
      printf ("\n");
      goto out;
    }
  printf ("}\n");
  ret = 0;

out:
  if (ret == 1)
    fprintf (stderr, "gradlab-bench: %s: %s\n", w->name, failed);
  run_clear (&r);
  free (A);
  free (Bm);
  free (C);
  free (step_gf);
  free (gemm_gf);
  free (share);
  return ret;
}

/* ---- main ----------------------------------------------------------------- */

static void
usage (void)
{
  fprintf (stderr,
           "usage: gradlab-bench list\n"
           "       gradlab-bench info\n"
           "       gradlab-bench dump DIR [--seeds N]\n"
           "       gradlab-bench train WORKLOAD [--threads T] [--seconds S] [--warmup S] [--seed N]\n"
           "       gradlab-bench pairs WORKLOAD [--seconds S] [--warmup S] [--block-ms B] [--seed N]\n"
           "                                    (start with OPENBLAS_NUM_THREADS=2)\n"
           "       gradlab-bench quality WORKLOAD [--steps N] [--seed N] [--threads T]\n"
           "                                      [--params-out FILE]\n"
           "       gradlab-bench profile WORKLOAD [--threads T] [--steps N]\n"
           "       gradlab-bench sgemm [--threads T] [--seconds S]\n"
           "       gradlab-bench share WORKLOAD [--threads T] [--seconds S] [--block-ms B]\n"
           "                                    [--lead-ms L]\n"
           "                                    [--seed N]   (start with OPENBLAS_NUM_THREADS=T)\n");
}

int
main (int    argc,
      char **argv)
{
  const char *cmd, *arg = NULL, *params_out = NULL;
  int threads = 1, steps = -1, seeds = 3;
  /* seconds, block_ms < 0: the mode's default */
  double seconds = -1.0, warmup = 0.5, block_ms = -1.0, lead_ms = 60.0;
  uint64_t seed = 1;
  const Workload *w = NULL;

  if (argc < 2)
    {
      usage ();
      return 2;
    }
  cmd = argv[1];
  for (int i = 2; i < argc; i++)
    {
      const char *o = argv[i];
      const char *v = i + 1 < argc ? argv[i + 1] : NULL;

      if (o[0] != '-')
        {
          arg = o;
          continue;
        }
      if (v == NULL)
        {
          usage ();
          return 2;
        }
      i++;
      if (strcmp (o, "--threads") == 0)
        threads = atoi (v);
      else if (strcmp (o, "--seconds") == 0)
        seconds = atof (v);
      else if (strcmp (o, "--warmup") == 0)
        warmup = atof (v);
      else if (strcmp (o, "--seed") == 0)
        seed = strtoull (v, NULL, 10);
      else if (strcmp (o, "--block-ms") == 0)
        block_ms = atof (v);
      else if (strcmp (o, "--lead-ms") == 0)
        lead_ms = atof (v);
      else if (strcmp (o, "--steps") == 0)
        steps = atoi (v);
      else if (strcmp (o, "--seeds") == 0)
        seeds = atoi (v);
      else if (strcmp (o, "--params-out") == 0)
        params_out = v;
      else
        {
          usage ();
          return 2;
        }
    }
  if (threads < 1)
    threads = 1;

  if (strcmp (cmd, "list") == 0)
    {
      for (size_t i = 0; i < N_WORKLOADS; i++)
        printf ("%s\t%s\n", workloads[i].name, workloads[i].title);
      return 0;
    }
  if (strcmp (cmd, "info") == 0)
    {
      /* What OpenBLAS was built as and which kernels it chose here. */
      printf ("{\"openblas_config\": \"%s\", \"openblas_core\": \"%s\", "
              "\"openblas_threads\": %d}\n", openblas_get_config (), openblas_get_corename (),
              openblas_get_num_threads ());
      return 0;
    }
  if (strcmp (cmd, "sgemm") == 0)
    return cmd_sgemm (threads, seconds >= 0.0 ? seconds : 3.0);
  if (strcmp (cmd, "dump") == 0)
    {
      if (arg == NULL)
        {
          usage ();
          return 2;
        }
      return cmd_dump (arg, seeds);
    }
  if (arg == NULL || (w = find_workload (arg)) == NULL)
    {
      fprintf (stderr, "gradlab-bench: unknown workload '%s'\n", arg ? arg : "");
      return 2;
    }
  if (strcmp (cmd, "train") == 0)
    return cmd_train (w, threads, seconds >= 0.0 ? seconds : 3.0, warmup, seed);
  if (strcmp (cmd, "pairs") == 0)
    return cmd_pairs (w, seconds >= 0.0 ? seconds : 6.0, warmup,
                      block_ms > 0.0 ? block_ms : 100.0, seed);
  if (strcmp (cmd, "share") == 0)
    return cmd_share (w, threads, seconds >= 0.0 ? seconds : 8.0, warmup,
                      block_ms > 0.0 ? block_ms : 200.0, lead_ms, seed);
  if (strcmp (cmd, "quality") == 0)
    return cmd_quality (w, steps > 0 ? steps : w->quality_steps, seed, threads, params_out);
  if (strcmp (cmd, "profile") == 0)
    return cmd_profile (w, threads, steps > 0 ? steps : 200);
  usage ();
  return 2;
}
