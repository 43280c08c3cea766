/* The network: a DAG of nodes in topological order (every node's inputs
 * come before it), one parameter slab with a gradient mirror, and one
 * activation slab. Layer maths lives in gr-layers-*.c behind GrLayerOps. */

#include "gr-i18n.h"
#include "gr-net-private.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GR_ALIGN 64

static const char *const layer_kind_names[GR_N_LAYER_KINDS] = {
  [GR_LAYER_INPUT] = "input",
  [GR_LAYER_DENSE] = "dense",
  [GR_LAYER_ACT] = "act",
  [GR_LAYER_DROPOUT] = "dropout",
  [GR_LAYER_BATCHNORM] = "batchnorm",
  [GR_LAYER_ADD] = "add",
  [GR_LAYER_CONCAT] = "concat",
  [GR_LAYER_SOFTMAX] = "softmax",
  [GR_LAYER_CONV2D] = "conv2d",
  [GR_LAYER_MAXPOOL] = "maxpool",
  [GR_LAYER_AVGPOOL] = "avgpool",
  [GR_LAYER_GAP] = "gap",
  [GR_LAYER_UPSAMPLE] = "upsample",
  [GR_LAYER_SPATIAL_DROPOUT] = "spatial_dropout",
};

static const char *const act_names[GR_N_ACTS] = {
  [GR_ACT_IDENTITY] = "identity",
  [GR_ACT_SIGMOID] = "sigmoid",
  [GR_ACT_TANH] = "tanh",
  [GR_ACT_RELU] = "relu",
  [GR_ACT_LEAKY_RELU] = "leaky_relu",
  [GR_ACT_ELU] = "elu",
  [GR_ACT_GELU] = "gelu",
};

static const char *const init_names[GR_N_INITS] = {
  [GR_INIT_NORMAL] = "normal",
  [GR_INIT_UNIFORM] = "uniform",
  [GR_INIT_XAVIER] = "xavier",
  [GR_INIT_HE] = "he",
};

static int
parse_name (const char *const *names,
            int                n,
            const char        *name)
{
  if (name == NULL)
    return -1;
  for (int i = 0; i < n; i++)
    if (names[i] != NULL && strcmp (names[i], name) == 0)
      return i;
  return -1;
}

const char *
gr_layer_kind_name (GrLayerKind kind)
{
  return (unsigned) kind < GR_N_LAYER_KINDS ? layer_kind_names[kind] : "?";
}

int
gr_layer_kind_parse (const char *name)
{
  return parse_name (layer_kind_names, GR_N_LAYER_KINDS, name);
}

const char *
gr_act_name (GrActKind act)
{
  return (unsigned) act < GR_N_ACTS ? act_names[act] : "?";
}

int
gr_act_parse (const char *name)
{
  return parse_name (act_names, GR_N_ACTS, name);
}

const char *
gr_init_name (GrInitKind init)
{
  return (unsigned) init < GR_N_INITS ? init_names[init] : "?";
}

int
gr_init_parse (const char *name)
{
  return parse_name (init_names, GR_N_INITS, name);
}

const GrLayerOps *
gr_layer_ops_for (GrLayerKind kind)
{
  switch (kind)
    {
    case GR_LAYER_INPUT: return &gr_input_ops;
    case GR_LAYER_DENSE: return &gr_dense_ops;
    case GR_LAYER_ACT: return &gr_act_ops;
    case GR_LAYER_DROPOUT: return &gr_dropout_ops;
    case GR_LAYER_BATCHNORM: return &gr_batchnorm_ops;
    case GR_LAYER_ADD: return &gr_add_ops;
    case GR_LAYER_CONCAT: return &gr_concat_ops;
    case GR_LAYER_SOFTMAX: return &gr_softmax_ops;
    case GR_LAYER_CONV2D:
    case GR_LAYER_MAXPOOL:
    case GR_LAYER_AVGPOOL:
    case GR_LAYER_GAP:
    case GR_LAYER_UPSAMPLE:
    case GR_LAYER_SPATIAL_DROPOUT:
      return gr_layer_ops_for_conv (kind);
    case GR_N_LAYER_KINDS:
    default:
      return NULL;
    }
}

void
gr_net_set_error (GrNet      *net,
                  const char *fmt,
                  ...)
{
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (net->error, sizeof net->error, fmt, ap);
  va_end (ap);
}

const char *
gr_net_error (const GrNet *net)
{
  return net->error;
}

static void *
aligned_floats (size_t n)
{
  void *p = NULL;
  size_t bytes = (n ? n : 1) * sizeof (float);

  bytes = (bytes + GR_ALIGN - 1) / GR_ALIGN * GR_ALIGN;
  if (posix_memalign (&p, GR_ALIGN, bytes) != 0)
    return NULL;
  memset (p, 0, bytes);
  return p;
}

GrNet *
gr_net_new (GrShape input)
{
  GrNet *net;
  GrNode *node;

  if (input.c <= 0 || input.h <= 0 || input.w <= 0)
    return NULL;
  net = calloc (1, sizeof *net);
  if (net == NULL)
    return NULL;
  input.n = 1;
  net->input = input;
  net->threads = 1;
  node = &net->nodes[0];
  node->spec.kind = GR_LAYER_INPUT;
  snprintf (node->spec.name, sizeof node->spec.name, "input");
  node->ops = &gr_input_ops;
  node->out = input;
  node->out_size = gr_shape_sample_size (input);
  net->n_nodes = 1;
  return net;
}

void
gr_net_free (GrNet *net)
{
  if (net == NULL)
    return;
  free (net->params);
  free (net->grads);
  free (net->decay_mask);
  free (net->state);
  free (net->act_slab);
  free (net->cache_slab);
  free (net->ws);
  for (int i = 0; i < net->n_nodes; i++)
    {
      free (net->nodes[i].probe_chunks);
      free (net->nodes[i].probe_alive);
    }
  free (net);
}

static void
apply_spec_defaults (GrLayerSpec *s)
{
  if (s->kind == GR_LAYER_CONV2D)
    {
      if (s->stride <= 0)
        s->stride = 1;
      if (s->dilation <= 0)
        s->dilation = 1;
    }
  if (s->kind == GR_LAYER_MAXPOOL || s->kind == GR_LAYER_AVGPOOL)
    {
      if (s->stride <= 0)
        s->stride = s->kernel;
      if (s->dilation <= 0)
        s->dilation = 1;
    }
  if (s->kind == GR_LAYER_ACT && s->slope == 0.0f)
    s->slope = s->act == GR_ACT_ELU ? 1.0f : 0.01f;
  if (s->kind == GR_LAYER_BATCHNORM)
    {
      if (s->momentum == 0.0f)
        s->momentum = 0.1f;
      if (s->eps == 0.0f)
        s->eps = 1e-5f;
    }
}

int
gr_net_add (GrNet             *net,
            const GrLayerSpec *spec)
{
  GrNode *node;
  GrStatus st;
  int idx;

  if (net->compiled)
    {
      gr_net_set_error (net, GR_("the network is already compiled"));
      return GR_ERR_STATE;
    }
  if (net->n_nodes >= GR_MAX_NODES)
    {
      gr_net_set_error (net, GR_("more than %d layers"), GR_MAX_NODES - 1);
      return GR_ERR_ARG;
    }
  idx = net->n_nodes;
  node = &net->nodes[idx];
  memset (node, 0, sizeof *node);
  node->spec = *spec;
  node->index = idx;
  apply_spec_defaults (&node->spec);

  if (spec->kind == GR_LAYER_INPUT || (unsigned) spec->kind >= GR_N_LAYER_KINDS)
    {
      gr_net_set_error (net, GR_("layer %d: invalid layer kind"), idx);
      return GR_ERR_ARG;
    }
  node->ops = gr_layer_ops_for (spec->kind);
  if (node->ops == NULL)
    {
      gr_net_set_error (net, GR_("layer %d: kind '%s' is not available in this build"),
                        idx, gr_layer_kind_name (spec->kind));
      return GR_ERR_ARG;
    }

  if (node->spec.name[0] == '\0')
    {
      int count = 0;

      for (int i = 1; i < idx; i++)
        if (net->nodes[i].spec.kind == spec->kind)
          count++;
      snprintf (node->spec.name, sizeof node->spec.name, "%s%d",
                gr_layer_kind_name (spec->kind), count + 1);
    }
  for (int i = 0; i < idx; i++)
    if (strcmp (net->nodes[i].spec.name, node->spec.name) == 0)
      {
        gr_net_set_error (net, GR_("layer %d: the name '%s' is used twice"),
                          idx, node->spec.name);
        return GR_ERR_ARG;
      }

  if (node->spec.n_inputs <= 0)
    {
      node->spec.n_inputs = 1;
      node->spec.inputs[0] = idx - 1;
    }
  if (node->spec.n_inputs > GR_MAX_INPUTS)
    {
      gr_net_set_error (net, GR_("layer '%s': more than %d inputs"),
                        node->spec.name, GR_MAX_INPUTS);
      return GR_ERR_ARG;
    }
  for (int i = 0; i < node->spec.n_inputs; i++)
    if (node->spec.inputs[i] < 0 || node->spec.inputs[i] >= idx)
      {
        gr_net_set_error (net, GR_("layer '%s': input %d names node %d, which does not "
                              "come before it"), node->spec.name, i, node->spec.inputs[i]);
        return GR_ERR_ARG;
      }
  if ((node->spec.kind != GR_LAYER_ADD && node->spec.kind != GR_LAYER_CONCAT)
      && node->spec.n_inputs != 1)
    {
      gr_net_set_error (net, GR_("layer '%s': a %s layer takes one input, not %d"),
                        node->spec.name, gr_layer_kind_name (node->spec.kind),
                        node->spec.n_inputs);
      return GR_ERR_ARG;
    }

  st = node->ops->setup (net, node);
  if (st != GR_OK)
    return st;
  node->out.n = 1;
  node->out_size = gr_shape_sample_size (node->out);
  if (node->out_size == 0)
    {
      gr_net_set_error (net, GR_("layer '%s': output would be empty (%dx%dx%d)"),
                        node->spec.name, node->out.c, node->out.h, node->out.w);
      return GR_ERR_SHAPE;
    }
  net->n_nodes++;
  return idx;
}

static bool
is_weighted (const GrNode *node)
{
  return node->spec.kind == GR_LAYER_DENSE || node->spec.kind == GR_LAYER_CONV2D;
}

static bool
is_passthrough (GrLayerKind kind)
{
  return kind == GR_LAYER_BATCHNORM || kind == GR_LAYER_DROPOUT
         || kind == GR_LAYER_SPATIAL_DROPOUT;
}

/* The first ACT node reached from @start through single-input BN and
 * dropout nodes; @start itself if none. */
static int
find_act_node (const GrNet *net,
               int          start)
{
  int cur = start;

  for (;;)
    {
      int next = -1;

      for (int j = cur + 1; j < net->n_nodes; j++)
        {
          const GrNode *nd = &net->nodes[j];

          if (nd->spec.n_inputs == 1 && nd->spec.inputs[0] == cur
              && (nd->spec.kind == GR_LAYER_ACT || is_passthrough (nd->spec.kind)))
            {
              next = j;
              break;
            }
        }
      if (next < 0)
        return start;
      if (net->nodes[next].spec.kind == GR_LAYER_ACT)
        return next;
      cur = next;
    }
}

GrStatus
gr_net_compile (GrNet *net,
                int    max_batch)
{
  size_t n_params = 0, n_state = 0, n_act = 0, n_cache = 0, ws = 0;
  float *p, *g, *s, *a, *c;

  if (net->compiled)
    {
      gr_net_set_error (net, GR_("the network is already compiled"));
      return GR_ERR_STATE;
    }
  if (max_batch <= 0)
    {
      gr_net_set_error (net, GR_("max batch must be positive, not %d"), max_batch);
      return GR_ERR_ARG;
    }
  if (net->n_nodes < 2)
    {
      gr_net_set_error (net, GR_("the network has no layers"));
      return GR_ERR_ARG;
    }
  net->max_batch = max_batch;

  for (int i = 0; i < net->n_nodes; i++)
    {
      GrNode *node = &net->nodes[i];

      node->n_consumers = 0;
      n_params += node->n_param[0] + node->n_param[1];
      n_state += node->n_state;
      n_act += 2 * node->out_size * (size_t) max_batch;
      n_cache += node->cache_per_sample * (size_t) max_batch + node->cache_fixed;
      if (node->ws_floats > ws)
        ws = node->ws_floats;
    }
  for (int i = 1; i < net->n_nodes; i++)
    for (int k = 0; k < net->nodes[i].spec.n_inputs; k++)
      net->nodes[net->nodes[i].spec.inputs[k]].n_consumers++;

  net->params = aligned_floats (n_params);
  net->grads = aligned_floats (n_params);
  net->decay_mask = calloc (n_params ? n_params : 1, 1);
  net->state = aligned_floats (n_state);
  net->act_slab = aligned_floats (n_act);
  net->cache_slab = aligned_floats (n_cache);
  net->ws = aligned_floats (ws);
  if (!net->params || !net->grads || !net->decay_mask || !net->state
      || !net->act_slab || !net->cache_slab || !net->ws)
    {
      gr_net_set_error (net, GR_("out of memory allocating %zu parameters and %zu "
                            "activation floats"), n_params, n_act);
      return GR_ERR_NOMEM;
    }
  net->n_params = n_params;
  net->n_state = n_state;
  net->ws_floats = ws;

  p = net->params;
  g = net->grads;
  s = net->state;
  a = net->act_slab;
  c = net->cache_slab;
  for (int i = 0; i < net->n_nodes; i++)
    {
      GrNode *node = &net->nodes[i];
      size_t sz = node->out_size * (size_t) max_batch;

      for (int t = 0; t < 2; t++)
        {
          if (node->n_param[t] == 0)
            continue;
          node->param[t] = p;
          node->dparam[t] = g;
          if (node->decay[t])
            memset (net->decay_mask + (p - net->params), 1, node->n_param[t]);
          p += node->n_param[t];
          g += node->n_param[t];
        }
      if (node->n_state)
        {
          node->state = s;
          s += node->n_state;
        }
      node->y = a;
      a += sz;
      node->dy = a;
      a += sz;
      node->cache = c;
      c += node->cache_per_sample * (size_t) max_batch + node->cache_fixed;
    }

  /* Probe sums for BN's fused forward (see GrNode.probe_chunks). */
  for (int i = 2; i < net->n_nodes; i++)
    {
      GrNode *node = &net->nodes[i];
      size_t plane = (size_t) node->out.h * node->out.w;

      if (node->spec.kind != GR_LAYER_ACT || node->spec.inputs[0] != i - 1
          || net->nodes[i - 1].spec.kind != GR_LAYER_BATCHNORM
          || plane <= 1 || plane % GR_PROBE_CHUNK != 0)
        continue;
      node->probe_chunks = malloc (sizeof (double) * 2 * (node->out_size / GR_PROBE_CHUNK)
                                   * (size_t) max_batch);
      node->probe_alive = malloc ((size_t) node->out.c);
      if (node->probe_chunks == NULL || node->probe_alive == NULL)
        {
          gr_net_set_error (net, GR_("out of memory allocating activation probes"));
          return GR_ERR_NOMEM;
        }
    }

  net->n_weighted = 0;
  for (int i = 1; i < net->n_nodes; i++)
    if (is_weighted (&net->nodes[i]))
      {
        net->weighted[net->n_weighted] = i;
        net->weighted_act[net->n_weighted] = find_act_node (net, i);
        net->n_weighted++;
      }
  net->compiled = true;
  return GR_OK;
}

void
gr_net_init_params (GrNet      *net,
                    GrInitKind  init,
                    float       sigma,
                    GrRng      *rng)
{
  for (int i = 1; i < net->n_nodes; i++)
    {
      GrNode *node = &net->nodes[i];

      if (node->ops->init != NULL)
        node->ops->init (net, node, init, sigma, rng);
    }
}

/* Index of the first node whose output is not finite, or -1. */
static int
find_nonfinite (const GrNet *net,
                bool         grads)
{
  for (int i = 0; i < net->n_nodes; i++)
    {
      const GrNode *node = &net->nodes[i];
      const float *v = grads ? node->dy : node->y;
      size_t sz = node->out_size * (size_t) net->n;
      const GrNode *r = grads ? node->dy_masked_by : NULL;

      for (size_t j = 0; j < sz; j++)
        if (r != NULL ? r->y[j] > 0.0f && !isfinite (r->dy[j]) : !isfinite (v[j]))
          return i;
    }
  return -1;
}

GrStatus
gr_net_forward (GrNet       *net,
                const float *x,
                int          n,
                bool         train,
                GrRng       *rng)
{
  const GrNode *out;
  size_t out_sz;

  if (!net->compiled)
    {
      gr_net_set_error (net, GR_("the network is not compiled"));
      return GR_ERR_STATE;
    }
  if (n <= 0 || n > net->max_batch)
    {
      gr_net_set_error (net, GR_("batch of %d samples; this network takes 1 to %d"),
                        n, net->max_batch);
      return GR_ERR_ARG;
    }
  net->n = n;
  net->last_train = train;
  memcpy (net->nodes[0].y, x, sizeof (float) * net->nodes[0].out_size * (size_t) n);
  for (int i = 1; i < net->n_nodes; i++)
    {
      GrNode *node = &net->nodes[i];

      node->ops->forward (net, node, n, train, rng);
    }

  /* Checking the output alone is enough: a non-finite value anywhere
   * upstream reaches it (0 * Inf is NaN, ReLU passes NaN). Only then do we
   * pay for finding the culprit. */
  out = &net->nodes[net->n_nodes - 1];
  out_sz = out->out_size * (size_t) n;
  for (size_t j = 0; j < out_sz; j++)
    if (!isfinite (out->y[j]))
      {
        int bad = find_nonfinite (net, false);

        gr_net_set_error (net, GR_("non-finite activation in layer '%s'"),
                          net->nodes[bad >= 0 ? bad : net->n_nodes - 1].spec.name);
        return GR_ERR_NONFINITE;
      }
  return GR_OK;
}

/* ---- the helper thread ------------------------------------------------------ */
/* One helper per process, started on first use and then waiting on a
 * condition variable: waking it costs a few microseconds, where creating
 * and joining a thread per call cost 40-50. Work is always handed out
 * dynamically (the caller's @fn claims items with atomics), so the caller
 * never waits for a helper that has not started: if the helper is still
 * asleep (another process holds the other core) when the caller runs out
 * of work, the job is withdrawn and the caller has done all of it. Only
 * one job at a time: a second net submitting meanwhile runs alone. */

enum { POOL_IDLE, POOL_PENDING, POOL_RUNNING, POOL_DONE };

static pthread_mutex_t pool_submit = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
static bool pool_started;
static int pool_state = POOL_IDLE;
static GrWorkerFn pool_fn;
static void *pool_ctx;

static void *
pool_main (void *unused)
{
  (void) unused;
  pthread_mutex_lock (&pool_lock);
  for (;;)
    {
      GrWorkerFn fn;
      void *ctx;

      while (pool_state != POOL_PENDING)
        pthread_cond_wait (&pool_wake, &pool_lock);
      pool_state = POOL_RUNNING;
      fn = pool_fn;
      ctx = pool_ctx;
      pthread_mutex_unlock (&pool_lock);
      fn (ctx, 1);
      pthread_mutex_lock (&pool_lock);
      pool_state = POOL_DONE;
      pthread_cond_signal (&pool_done);
    }
  return NULL;
}

void
gr_net_run_workers (const GrNet *net,
                    bool         parallel,
                    GrWorkerFn   fn,
                    void        *ctx)
{
  if (!parallel || net->threads < 2 || pthread_mutex_trylock (&pool_submit) != 0)
    {
      fn (ctx, 0);
      return;
    }
  pthread_mutex_lock (&pool_lock);
  if (!pool_started)
    {
      pthread_t th;
      pthread_attr_t attr;
      bool ok = pthread_attr_init (&attr) == 0;

      ok = ok && pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED) == 0;
      ok = ok && pthread_create (&th, &attr, pool_main, NULL) == 0;
      pthread_attr_destroy (&attr);
      if (!ok)
        {
          pthread_mutex_unlock (&pool_lock);
          pthread_mutex_unlock (&pool_submit);
          fn (ctx, 0);
          return;
        }
      pool_started = true;
    }
  pool_fn = fn;
  pool_ctx = ctx;
  pool_state = POOL_PENDING;
  pthread_cond_signal (&pool_wake);
  pthread_mutex_unlock (&pool_lock);

  fn (ctx, 0);

  pthread_mutex_lock (&pool_lock);
  /* PENDING: the helper never took the job, and there is nothing left. */
  while (pool_state == POOL_RUNNING)
    pthread_cond_wait (&pool_done, &pool_lock);
  pool_state = POOL_IDLE;
  pthread_mutex_unlock (&pool_lock);
  pthread_mutex_unlock (&pool_submit);
}

/* A memory-bound pass over 1 MB takes about 100 us per core; below that
 * one thread is as fast. */
#define PARALLEL_MIN_BYTES 1.0e6
/* Ranges are handed out in this many chunks, so a worker slowed by
 * another process takes fewer. */
#define PARALLEL_CHUNKS 16

typedef struct
{
  GrRangeFn   fn;
  void       *ctx;
  size_t      n, chunk;
  atomic_size_t next;
} RangeJob;

static void
range_worker (void *data,
              int   worker)
{
  RangeJob *job = data;

  (void) worker;
  for (;;)
    {
      size_t lo = atomic_fetch_add (&job->next, job->chunk);

      if (lo >= job->n)
        break;
      job->fn (job->ctx, lo, lo + job->chunk < job->n ? lo + job->chunk : job->n);
    }
}

void
gr_net_parallel (const GrNet *net,
                 size_t       n,
                 double       bytes,
                 GrRangeFn    fn,
                 void        *ctx)
{
  RangeJob job;

  if (net->threads < 2 || n < 2 || bytes < PARALLEL_MIN_BYTES)
    {
      fn (ctx, 0, n);
      return;
    }
  job.fn = fn;
  job.ctx = ctx;
  job.n = n;
  /* Chunks of whole 8-float blocks when the items are many. */
  job.chunk = (n + PARALLEL_CHUNKS - 1) / PARALLEL_CHUNKS;
  if (job.chunk > 8)
    job.chunk = (job.chunk + 7) / 8 * 8;
  atomic_init (&job.next, 0);
  gr_net_run_workers (net, true, range_worker, &job);
}

void
gr_net_backward_begin (GrNet       *net,
                       const float *dout,
                       int          n)
{
  GrNode *out = &net->nodes[net->n_nodes - 1];

  /* Nodes add into their inputs' dy (fan-out sums), so every dy starts at
   * zero, except where the only consumer writes it whole (assigns_dx):
   * that saved 4 ms of memset per W3 step, and the reads of dx in BN and
   * ReLU backward. The input node (0) is always zeroed: its consumer may
   * skip its gradient. */
  for (int i = 0; i < net->n_nodes - 1; i++)
    net->nodes[i].dy_assign = false;
  for (int i = 1; i < net->n_nodes; i++)
    {
      GrNode *c = &net->nodes[i];
      int src = c->spec.inputs[0];

      if (c->ops->assigns_dx && c->spec.n_inputs == 1 && src >= 1
          && net->nodes[src].n_consumers == 1)
        net->nodes[src].dy_assign = true;
    }
  for (int i = 0; i < net->n_nodes - 1; i++)
    if (!net->nodes[i].dy_assign)
      memset (net->nodes[i].dy, 0, sizeof (float) * net->nodes[i].out_size * (size_t) n);
  memcpy (out->dy, dout, sizeof (float) * out->out_size * (size_t) n);
}

GrStatus
gr_net_backward (GrNet       *net,
                 const float *dout)
{
  int n = net->n;

  if (!net->compiled || n <= 0)
    {
      gr_net_set_error (net, GR_("backward without a forward pass"));
      return GR_ERR_STATE;
    }
  gr_net_backward_begin (net, dout, n);
  for (int i = net->n_nodes - 1; i >= 1; i--)
    {
      GrNode *node = &net->nodes[i];

      node->ops->backward (net, node, n);
    }
  for (size_t j = 0; j < net->n_params; j++)
    if (!isfinite (net->grads[j]))
      {
        int bad = find_nonfinite (net, true);

        if (bad >= 0)
          gr_net_set_error (net, GR_("non-finite gradient reaching layer %s"),
                            net->nodes[bad].spec.name);
        else
          gr_net_set_error (net, GR_("non-finite gradient"));
        return GR_ERR_NONFINITE;
      }
  return GR_OK;
}

GrStatus
gr_net_predict (GrNet       *net,
                const float *x,
                int          n,
                float       *out)
{
  size_t in_sz = net->nodes[0].out_size;
  size_t out_sz = net->nodes[net->n_nodes - 1].out_size;

  for (int start = 0; start < n; start += net->max_batch)
    {
      int m = n - start < net->max_batch ? n - start : net->max_batch;
      GrStatus st = gr_net_forward (net, x + (size_t) start * in_sz, m, false, NULL);

      if (st != GR_OK && st != GR_ERR_NONFINITE)
        return st;
      memcpy (out + (size_t) start * out_sz, net->nodes[net->n_nodes - 1].y,
              sizeof (float) * out_sz * (size_t) m);
      if (st != GR_OK)
        return st;
    }
  return GR_OK;
}

GrShape
gr_net_input_shape (const GrNet *net)
{
  return net->input;
}

GrShape
gr_net_output_shape (const GrNet *net)
{
  return net->nodes[net->n_nodes - 1].out;
}

int
gr_net_max_batch (const GrNet *net)
{
  return net->max_batch;
}

const float *
gr_net_output (const GrNet *net)
{
  return net->nodes[net->n_nodes - 1].y;
}

const float *
gr_net_input_grad (const GrNet *net)
{
  return net->nodes[0].dy;
}

void
gr_net_set_input_grad (GrNet *net,
                       bool   enable)
{
  net->need_input_grad = enable;
}

int
gr_net_n_nodes (const GrNet *net)
{
  return net->n_nodes;
}

const GrLayerSpec *
gr_net_node_spec (const GrNet *net,
                  int          node)
{
  return (node >= 0 && node < net->n_nodes) ? &net->nodes[node].spec : NULL;
}

GrShape
gr_net_node_shape (const GrNet *net,
                   int          node)
{
  return net->nodes[node].out;
}

const float *
gr_net_node_output (const GrNet *net,
                    int          node)
{
  return net->nodes[node].y;
}

size_t
gr_net_n_params (const GrNet *net)
{
  return net->n_params;
}

float *
gr_net_params (GrNet *net)
{
  return net->params;
}

float *
gr_net_grads (GrNet *net)
{
  return net->grads;
}

const uint8_t *
gr_net_decay_mask (const GrNet *net)
{
  return net->decay_mask;
}

size_t
gr_net_n_state (const GrNet *net)
{
  return net->n_state;
}

float *
gr_net_state (GrNet *net)
{
  return net->state;
}

int
gr_net_n_weighted (const GrNet *net)
{
  return net->n_weighted;
}

int
gr_net_weighted_node (const GrNet *net,
                      int          i)
{
  return net->weighted[i];
}

int
gr_net_weighted_act_node (const GrNet *net,
                          int          i)
{
  return net->weighted_act[i];
}

void
gr_net_weighted_range (const GrNet *net,
                       int          i,
                       size_t      *offset,
                       size_t      *count)
{
  const GrNode *node = &net->nodes[net->weighted[i]];

  *offset = (size_t) (node->param[0] - net->params);
  *count = node->n_param[0];
}

size_t
gr_net_node_n_params (const GrNet *net,
                      int          node)
{
  return net->nodes[node].n_param[0] + net->nodes[node].n_param[1];
}

double
gr_net_node_flops (const GrNet *net,
                   int          node)
{
  const GrNode *nd = &net->nodes[node];

  if (nd->ops->flops != NULL)
    return nd->ops->flops (net, nd);
  /* Element-wise layers: about one operation per output element. */
  return (double) nd->out_size;
}

/* Sum, sum of squares and, for sigmoid and tanh, the count of saturated
 * values of y[0..total), chunk by chunk (gr_probe_chunk ()). */
static void
probe_sums (const float *y,
            size_t       total,
            GrActKind    act,
            double      *sum,
            double      *sum2,
            size_t      *saturated)
{
  size_t j = 0;
  int64_t sat = 0;

  *sum = *sum2 = 0.0;
  while (j + 4 <= total)
    {
      size_t end = total - j > GR_PROBE_CHUNK ? j + GR_PROBE_CHUNK : j + (total - j) / 4 * 4;
      double cs, cs2;
      int64_t csat;

      gr_probe_chunk (y + j, end - j, act, &cs, &cs2, &csat);
      *sum += cs;
      *sum2 += cs2;
      sat += csat;
      j = end;
    }
  for (; j < total; j++)
    {
      float v = y[j];

      *sum += v;
      *sum2 += (double) v * v;
      if (act == GR_ACT_SIGMOID)
        sat += v < 0.01f || v > 0.99f;
      else if (act == GR_ACT_TANH)
        sat += fabsf (v) > 0.99f;
    }
  *saturated = (size_t) sat;
}

void
gr_net_probe_activations (const GrNet *net,
                          GrProbe     *probes)
{
  int n = net->n;

  for (int i = 0; i < net->n_weighted; i++)
    {
      const GrNode *a = &net->nodes[net->weighted_act[i]];
      GrActKind act = a->spec.kind == GR_LAYER_ACT ? a->spec.act : GR_ACT_IDENTITY;
      int channels = a->out.c;
      size_t plane = (size_t) a->out.h * a->out.w;
      size_t total = a->out_size * (size_t) n;
      double sum = 0.0, sum2 = 0.0;
      size_t saturated = 0;
      int dead = 0;
      bool relu_family = act == GR_ACT_RELU || act == GR_ACT_LEAKY_RELU
                         || act == GR_ACT_ELU;
      bool fused = a->probe_ready && a->probe_chunks != NULL && act == GR_ACT_RELU
                   && total % GR_PROBE_CHUNK == 0;

      if (fused)
        {
          /* BN's fused forward summed each chunk while writing it: the
           * same sums, added in the same order. */
          for (size_t k = 0; k < total / GR_PROBE_CHUNK; k++)
            {
              sum += a->probe_chunks[2 * k];
              sum2 += a->probe_chunks[2 * k + 1];
            }
          for (int ch = 0; ch < channels; ch++)
            dead += !a->probe_alive[ch];
        }
      else
        probe_sums (a->y, total, act, &sum, &sum2, &saturated);
      if (relu_family && !fused)
        {
          /* A unit (feature, or channel of a map) is dead on this batch if
           * its output is never positive. */
          for (int ch = 0; ch < channels; ch++)
            {
              bool alive = false;

              for (int s = 0; s < n && !alive; s++)
                {
                  const float *v = a->y + (size_t) s * a->out_size + (size_t) ch * plane;

                  for (size_t q = 0; q < plane; q++)
                    if (v[q] > 0.0f)
                      {
                        alive = true;
                        break;
                      }
                }
              dead += !alive;
            }
        }
      probes[i].act_mean = (float) (sum / (double) total);
      probes[i].act_std = (float) sqrt (fmax (0.0, sum2 / (double) total
                                              - (sum / (double) total) * (sum / (double) total)));
      probes[i].dead_frac = relu_family ? (float) dead / (float) channels : 0.0f;
      probes[i].saturated_frac = (float) saturated / (float) total;
    }
}

int
gr_net_set_activation (GrNet     *net,
                       GrActKind  act)
{
  int changed = 0;

  for (int i = 1; i < net->n_nodes; i++)
    {
      GrNode *node = &net->nodes[i];

      if (node->spec.kind == GR_LAYER_ACT && !node->spec.act_fixed
          && node->spec.act != act)
        {
          node->spec.act = act;
          node->spec.slope = act == GR_ACT_ELU ? 1.0f : 0.01f;
          changed++;
        }
    }
  return changed;
}

int
gr_net_set_dropout (GrNet *net,
                    float  p)
{
  int changed = 0;

  for (int i = 1; i < net->n_nodes; i++)
    {
      GrNode *node = &net->nodes[i];

      if ((node->spec.kind == GR_LAYER_DROPOUT
           || node->spec.kind == GR_LAYER_SPATIAL_DROPOUT) && node->spec.p != p)
        {
          node->spec.p = p;
          changed++;
        }
    }
  return changed;
}

int
gr_net_set_bn_bypass (GrNet *net,
                      bool   bypass)
{
  int changed = 0;

  for (int i = 1; i < net->n_nodes; i++)
    {
      GrNode *node = &net->nodes[i];

      if (node->spec.kind == GR_LAYER_BATCHNORM && node->bypass != bypass)
        {
          node->bypass = bypass;
          changed++;
        }
    }
  return changed;
}

static atomic_bool avx2_denied;

/* libgcc fills the CPU model in a constructor: no init, no cache. */
bool
gr_cpu_has_avx2 (void)
{
#if defined(__x86_64__) && defined(__GNUC__)
  return !atomic_load_explicit (&avx2_denied, memory_order_relaxed)
         && __builtin_cpu_supports ("avx2");
#else
  return false;
#endif
}

void
gr_cpu_allow_avx2 (bool allow)
{
  atomic_store (&avx2_denied, !allow);
}

/* Asks OpenBLAS for its count rather than remembering what was set last:
 * anything else in the process may set it too (the benchmark's sgemm
 * blocks did), and a count remembered as 1 while OpenBLAS was at 2 ran
 * every GEMM inside a conv worker on two more OpenBLAS threads, four on
 * two cores: W3 at 2 threads ran 82-86 GFLOP/s in that process against
 * 103-113 alone. Reading the count is a load; it is set only when it
 * differs. */
void
gr_net_blas_threads (int threads)
{
  if (openblas_get_num_threads () != threads)
    openblas_set_num_threads (threads);
}

/* OpenBLAS's count is left alone here: every GEMM sets it just before it
 * runs (dense_gemm_threads (), conv_run ()), so a two-thread net whose
 * layers are all too small to split keeps OpenBLAS at one thread from its
 * first step, exactly as a one-thread net does. */
void
gr_net_set_threads (GrNet *net,
                    int    threads)
{
  net->threads = threads < 1 ? 1 : threads;
}
