/* Optimizers as flat loops over the parameter slab. The only per-layer
 * work is the bookkeeping of the probes: the weight tensors of the
 * weighted layers are disjoint ranges of the slab, updated range by range
 * so their update norms come for free. */

#include "gr-optim.h"

#include "gr-net-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _GrOptim
{
  size_t  n;
  float  *slab;    /* velocity (n), Adam m (n), Adam v (n) */
  int64_t t;       /* Adam steps taken */
};

static const char *const opt_names[GR_N_OPTS] = {
  [GR_OPT_SGD] = "sgd",
  [GR_OPT_MOMENTUM] = "momentum",
  [GR_OPT_NESTEROV] = "nesterov",
  [GR_OPT_ADAM] = "adam",
  [GR_OPT_ADAMW] = "adamw",
};

const char *
gr_opt_name (GrOptKind kind)
{
  return (unsigned) kind < GR_N_OPTS ? opt_names[kind] : "?";
}

int
gr_opt_parse (const char *name)
{
  for (int i = 0; name && i < GR_N_OPTS; i++)
    if (strcmp (opt_names[i], name) == 0)
      return i;
  return -1;
}

GrOptim *
gr_optim_new (size_t n_params)
{
  GrOptim *opt = calloc (1, sizeof *opt);

  if (opt == NULL)
    return NULL;
  opt->n = n_params;
  /* All moment slabs up front, so switching optimizer mid-run allocates
   * nothing inside a step. */
  opt->slab = calloc (3 * (n_params ? n_params : 1), sizeof (float));
  if (opt->slab == NULL)
    {
      free (opt);
      return NULL;
    }
  return opt;
}

void
gr_optim_free (GrOptim *opt)
{
  if (opt == NULL)
    return;
  free (opt->slab);
  free (opt);
}

size_t
gr_optim_n_state (const GrOptim *opt)
{
  return 3 * opt->n;
}

float *
gr_optim_state (GrOptim *opt)
{
  return opt->slab;
}

int64_t
gr_optim_t (const GrOptim *opt)
{
  return opt->t;
}

void
gr_optim_set_t (GrOptim *opt,
                int64_t  t)
{
  opt->t = t;
}

void
gr_optim_reset (GrOptim *opt)
{
  memset (opt->slab, 0, 3 * opt->n * sizeof (float));
  opt->t = 0;
}

/* The loops below run over slabs of up to a few hundred thousand floats
 * every step and were half of a small network's step. They work on four
 * floats at a time as one value (GCC's and Clang's vector extension, which
 * becomes SSE or NEON arithmetic, or scalar code where there is none):
 * written as plain loops with partial-sum arrays, GCC vectorised them
 * across blocks with shuffles and stack spills, 4.5 times slower than
 * this. Sums go into four float lanes that are added into double every
 * CHUNK elements, so their error stays that of a short float sum. */
typedef float V4 __attribute__ ((vector_size (16)));

#define CHUNK 1024

static inline V4
v4_load (const float *p)
{
  V4 v;

  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
v4_store (float *p,
          V4     v)
{
  memcpy (p, &v, sizeof v);
}

static inline double
v4_sum (V4 v)
{
  return ((double) v[0] + v[1]) + ((double) v[2] + v[3]);
}

/* Square roots, correctly rounded as sqrtf () is. Without -fno-math-errno
 * GCC keeps each sqrtf () a call-guarded scalar (errno for x < 0), so on
 * x86 use the SSE instruction itself (SSE is part of x86-64). */
static inline V4
v4_sqrt (V4 x)
{
#if defined (__SSE__) && defined (__GNUC__)
  return __builtin_ia32_sqrtps (x);
#else
  return (V4) { sqrtf (x[0]), sqrtf (x[1]), sqrtf (x[2]), sqrtf (x[3]) };
#endif
}

static double
sum_sq (const float *v,
        size_t       n)
{
  double s = 0.0;
  size_t i = 0;

  while (i + 4 <= n)
    {
      V4 acc = { 0 };
      size_t end = n - i > CHUNK ? i + CHUNK : i + (n - i) / 4 * 4;

      for (; i < end; i += 4)
        {
          V4 x = v4_load (v + i);

          acc += x * x;
        }
      s += v4_sum (acc);
    }
  for (; i < n; i++)
    s += (double) v[i] * v[i];
  return s;
}

typedef struct
{
  GrOptKind kind;
  float     lr, mu, b1, b2, eps, wd, bc1, bc2;
} UpdateArgs;

/* What one pass over a range reports. */
typedef struct
{
  double d2;      /* sum of squared updates */
  double w2;      /* sum of squared new weights */
  double o2;      /* sum of squared old weights */
  bool   finite;  /* every new weight and moment is finite */
} RangeSums;

/* Sums of one pass, in lanes. */
typedef struct
{
  V4 d2, w2, o2;
  V4 check;       /* 0 while everything is finite (x - x), NaN after */
} Lanes;

/* The update of four elements for optimizer @kind, a constant at every call
 * site, as are @commit and @decay (so the tests below fold away): reads the
 * weights, gradients and the moments @kind uses at @w, @g, @vel, @m, @v,
 * and with @commit writes them back and adds the probe sums, without it
 * only adds to the finite check. The arithmetic is that of the scalar
 * formulas, lane by lane. */
static inline __attribute__ ((always_inline)) void
update4 (GrOptKind          kind,
         const UpdateArgs  *a,
         bool               commit,
         bool               decay,
         float             *w,
         const float       *g,
         float             *vel,
         float             *m,
         float             *v,
         const uint8_t     *mask,
         Lanes             *l)
{
  V4 old = v4_load (w), gi = v4_load (g), nw = old, nvel = { 0 }, nm = { 0 }, nv = { 0 };

  if (decay)
    {
      V4 dm = { mask[0], mask[1], mask[2], mask[3] };

      nw = old - a->lr * a->wd * dm * old;
    }
  switch (kind)
    {
    case GR_OPT_SGD:
      nw -= a->lr * gi;
      break;
    case GR_OPT_MOMENTUM:
      nvel = a->mu * v4_load (vel) + gi;
      nw -= a->lr * nvel;
      break;
    case GR_OPT_NESTEROV:
      nvel = a->mu * v4_load (vel) + gi;
      nw -= a->lr * (gi + a->mu * nvel);
      break;
    case GR_OPT_ADAM:
    case GR_OPT_ADAMW:
    case GR_N_OPTS:
    default:
      {
        V4 q, den;

        nm = a->b1 * v4_load (m) + (1.0f - a->b1) * gi;
        nv = a->b2 * v4_load (v) + (1.0f - a->b2) * gi * gi;
        q = nv / a->bc2;
        den = v4_sqrt (q);
        nw -= a->lr * (nm / a->bc1) / (den + a->eps);
        break;
      }
    }
  if (!commit)
    {
      /* Only the moments @kind changes: SGD's check reads two slabs, not
       * five. */
      l->check += nw - nw;
      if (kind == GR_OPT_MOMENTUM || kind == GR_OPT_NESTEROV)
        l->check += nvel - nvel;
      if (kind == GR_OPT_ADAM || kind == GR_OPT_ADAMW)
        l->check += (nm - nm) + (nv - nv);
      return;
    }
  v4_store (w, nw);
  if (kind == GR_OPT_MOMENTUM || kind == GR_OPT_NESTEROV)
    v4_store (vel, nvel);
  if (kind == GR_OPT_ADAM || kind == GR_OPT_ADAMW)
    {
      v4_store (m, nm);
      v4_store (v, nv);
    }
  l->d2 += (nw - old) * (nw - old);
  l->w2 += nw * nw;
  l->o2 += old * old;
}

/* Updates the @n elements at the slab views, or with @commit false writes
 * nothing and only reports whether the update would be finite. The last
 * n % 4 elements go through a zero-padded block: a zero weight, gradient
 * and moment updates to zero, so the padding adds nothing to any sum. */
static inline __attribute__ ((always_inline)) RangeSums
update_loop (GrOptKind      kind,
             const UpdateArgs *a,
             bool           commit,
             bool           decay,
             float         *w,
             const float   *g,
             float         *vel,
             float         *m,
             float         *v,
             const uint8_t *mask,
             size_t         n)
{
  RangeSums r = { 0.0, 0.0, 0.0, true };
  Lanes l = { { 0 }, { 0 }, { 0 }, { 0 } };
  double check = 0.0;
  size_t i = 0;

  while (i + 4 <= n)
    {
      size_t end = n - i > CHUNK ? i + CHUNK : i + (n - i) / 4 * 4;

      for (; i < end; i += 4)
        update4 (kind, a, commit, decay, w + i, g + i, vel + i, m + i, v + i, mask + i, &l);
      r.d2 += v4_sum (l.d2);
      r.w2 += v4_sum (l.w2);
      r.o2 += v4_sum (l.o2);
      check += v4_sum (l.check);
      l = (Lanes) { { 0 }, { 0 }, { 0 }, { 0 } };
    }
  if (i < n)
    {
      size_t k = n - i;
      float tw[4] = { 0 }, tg[4] = { 0 }, tvel[4] = { 0 }, tm[4] = { 0 }, tv[4] = { 0 };
      uint8_t tmask[4] = { 0 };

      memcpy (tw, w + i, sizeof (float) * k);
      memcpy (tg, g + i, sizeof (float) * k);
      memcpy (tvel, vel + i, sizeof (float) * k);
      memcpy (tm, m + i, sizeof (float) * k);
      memcpy (tv, v + i, sizeof (float) * k);
      if (decay)
        memcpy (tmask, mask + i, k);
      update4 (kind, a, commit, decay, tw, tg, tvel, tm, tv, tmask, &l);
      if (commit)
        {
          memcpy (w + i, tw, sizeof (float) * k);
          memcpy (vel + i, tvel, sizeof (float) * k);
          memcpy (m + i, tm, sizeof (float) * k);
          memcpy (v + i, tv, sizeof (float) * k);
        }
      r.d2 += v4_sum (l.d2);
      r.w2 += v4_sum (l.w2);
      r.o2 += v4_sum (l.o2);
      check += v4_sum (l.check);
    }
  r.finite = check == 0.0;
  return r;
}

/* Updates params [lo, hi), or with @commit false only checks that the
 * update would be finite (see RangeSums). */
static RangeSums
update_range (GrOptim          *opt,
              GrNet            *net,
              const UpdateArgs *a,
              size_t            lo,
              size_t            hi,
              bool              commit)
{
  float *w = net->params + lo;
  const float *g = net->grads + lo;
  const uint8_t *mask = net->decay_mask + lo;
  float *vel = opt->slab + lo, *m = opt->slab + opt->n + lo, *v = opt->slab + 2 * opt->n + lo;
  size_t n = hi - lo;

  /* Each call has constant kind, commit and decay, so each becomes its
   * own loop with no tests inside. */
#define UPDATE_LOOP(kind) \
  (a->wd != 0.0f \
   ? (commit ? update_loop (kind, a, true, true, w, g, vel, m, v, mask, n) \
             : update_loop (kind, a, false, true, w, g, vel, m, v, mask, n)) \
   : (commit ? update_loop (kind, a, true, false, w, g, vel, m, v, mask, n) \
             : update_loop (kind, a, false, false, w, g, vel, m, v, mask, n)))
  switch (a->kind)
    {
    case GR_OPT_SGD:
      return UPDATE_LOOP (GR_OPT_SGD);
    case GR_OPT_MOMENTUM:
      return UPDATE_LOOP (GR_OPT_MOMENTUM);
    case GR_OPT_NESTEROV:
      return UPDATE_LOOP (GR_OPT_NESTEROV);
    case GR_OPT_ADAM:
    case GR_OPT_ADAMW:
    case GR_N_OPTS:
    default:
      return UPDATE_LOOP (GR_OPT_ADAM);
    }
#undef UPDATE_LOOP
}

GrStatus
gr_optim_step (GrOptim           *opt,
               GrNet             *net,
               const GrOptConfig *cfg,
               GrProbe           *probes,
               float             *global_norm_raw,
               float             *global_norm_used)
{
  size_t n = net->n_params;
  float *w = net->params, *g = net->grads;
  const uint8_t *mask = net->decay_mask;
  double total_raw, total_used;
  UpdateArgs a;
  size_t pos = 0;
  bool clipped;

  if (cfg->l2 != 0.0f)
    for (size_t i = 0; i < n; i++)
      if (mask[i])
        g[i] += cfg->l2 * w[i];

  /* One pass gives the global norm and each weight tensor's. */
  total_raw = 0.0;
  for (int i = 0; i < net->n_weighted; i++)
    {
      size_t off, cnt;
      double s2;

      gr_net_weighted_range (net, i, &off, &cnt);
      s2 = sum_sq (g + off, cnt);
      total_raw += sum_sq (g + pos, off - pos) + s2;
      probes[i].grad_norm_raw = (float) sqrt (s2);
      pos = off + cnt;
    }
  total_raw += sum_sq (g + pos, n - pos);
  pos = 0;
  if (!isfinite (total_raw))
    return GR_ERR_NONFINITE;

  if (cfg->clip_value > 0.0f)
    for (size_t i = 0; i < n; i++)
      g[i] = fminf (fmaxf (g[i], -cfg->clip_value), cfg->clip_value);
  if (cfg->clip_value > 0.0f)
    total_used = sum_sq (g, n);
  else
    total_used = total_raw;
  clipped = cfg->clip_value > 0.0f;
  if (cfg->clip_norm > 0.0f && sqrt (total_used) > cfg->clip_norm)
    {
      float k = (float) (cfg->clip_norm / sqrt (total_used));

      for (size_t i = 0; i < n; i++)
        g[i] *= k;
      total_used = sum_sq (g, n);
      clipped = true;
    }
  *global_norm_raw = (float) sqrt (total_raw);
  *global_norm_used = (float) sqrt (total_used);

  a.kind = cfg->kind;
  a.lr = cfg->lr;
  a.mu = cfg->momentum;
  a.b1 = cfg->beta1;
  a.b2 = cfg->beta2;
  a.eps = cfg->eps;
  a.wd = cfg->weight_decay;
  a.bc1 = a.bc2 = 1.0f;
  if (cfg->kind == GR_OPT_ADAM || cfg->kind == GR_OPT_ADAMW)
    {
      a.bc1 = 1.0f - powf (cfg->beta1, (float) (opt->t + 1));
      a.bc2 = 1.0f - powf (cfg->beta2, (float) (opt->t + 1));
    }
  /* A finite gradient can still overflow a weight or a moment (a huge
   * learning rate): check the whole update before writing any of it, so a
   * refused step leaves weights and moments as they were. */
  if (!update_range (opt, net, &a, 0, n, false).finite)
    return GR_ERR_NONFINITE;
  if (cfg->kind == GR_OPT_ADAM || cfg->kind == GR_OPT_ADAMW)
    opt->t++;

  for (int i = 0; i < net->n_weighted; i++)
    {
      size_t off, cnt;
      RangeSums r;

      gr_net_weighted_range (net, i, &off, &cnt);
      update_range (opt, net, &a, pos, off, true);
      /* Unclipped, the gradient used is the raw one. */
      probes[i].grad_norm = clipped ? (float) sqrt (sum_sq (g + off, cnt))
                                    : probes[i].grad_norm_raw;
      probes[i].clip_share = probes[i].grad_norm_raw > 0.0f
                             ? 1.0f - probes[i].grad_norm / probes[i].grad_norm_raw : 0.0f;
      if (probes[i].clip_share < 0.0f)
        probes[i].clip_share = 0.0f;
      r = update_range (opt, net, &a, off, off + cnt, true);
      probes[i].weight_norm = (float) sqrt (r.w2);
      probes[i].update_ratio = r.o2 > 0.0 ? (float) sqrt (r.d2 / r.o2) : 0.0f;
      pos = off + cnt;
    }
  update_range (opt, net, &a, pos, n, true);
  return GR_OK;
}
