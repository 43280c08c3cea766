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

static double
sum_sq (const float *v,
        size_t       n)
{
  double s = 0.0;

  for (size_t i = 0; i < n; i++)
    s += (double) v[i] * v[i];
  return s;
}

typedef struct
{
  GrOptKind kind;
  float     lr, mu, b1, b2, eps, wd, bc1, bc2;
} UpdateArgs;

/* Updates params [lo, hi); returns sum of squared updates in *d2 and of
 * squared new weights in *w2 (both may be NULL). With @commit false it
 * writes nothing and only reports whether every new weight and moment
 * would be finite. */
static bool
update_range (GrOptim          *opt,
              GrNet            *net,
              const UpdateArgs *a,
              size_t            lo,
              size_t            hi,
              bool              commit,
              double           *d2,
              double           *w2)
{
  float *w = net->params, *g = net->grads;
  const uint8_t *mask = net->decay_mask;
  float *vel = opt->slab, *m = opt->slab + opt->n, *v = opt->slab + 2 * opt->n;
  double sd = 0.0, sw = 0.0;
  bool finite = true;

  for (size_t i = lo; i < hi; i++)
    {
      float old = w[i], nw = old, gi = g[i], nvel = vel[i], nm = m[i], nv = v[i];

      if (a->wd != 0.0f && mask[i])
        nw -= a->lr * a->wd * old;
      switch (a->kind)
        {
        case GR_OPT_SGD:
          nw -= a->lr * gi;
          break;
        case GR_OPT_MOMENTUM:
          nvel = a->mu * nvel + gi;
          nw -= a->lr * nvel;
          break;
        case GR_OPT_NESTEROV:
          nvel = a->mu * nvel + gi;
          nw -= a->lr * (gi + a->mu * nvel);
          break;
        case GR_OPT_ADAM:
        case GR_OPT_ADAMW:
        case GR_N_OPTS:
        default:
          nm = a->b1 * nm + (1.0f - a->b1) * gi;
          nv = a->b2 * nv + (1.0f - a->b2) * gi * gi;
          nw -= a->lr * (nm / a->bc1) / (sqrtf (nv / a->bc2) + a->eps);
          break;
        }
      if (!commit)
        {
          finite = finite && isfinite (nw) && isfinite (nvel) && isfinite (nm) && isfinite (nv);
          continue;
        }
      w[i] = nw;
      vel[i] = nvel;
      m[i] = nm;
      v[i] = nv;
      sd += (double) (nw - old) * (nw - old);
      sw += (double) nw * nw;
    }
  if (d2)
    *d2 = sd;
  if (w2)
    *w2 = sw;
  return finite;
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

  if (cfg->l2 != 0.0f)
    for (size_t i = 0; i < n; i++)
      if (mask[i])
        g[i] += cfg->l2 * w[i];

  total_raw = sum_sq (g, n);
  if (!isfinite (total_raw))
    return GR_ERR_NONFINITE;
  for (int i = 0; i < net->n_weighted; i++)
    {
      size_t off, cnt;

      gr_net_weighted_range (net, i, &off, &cnt);
      probes[i].grad_norm_raw = (float) sqrt (sum_sq (g + off, cnt));
    }

  if (cfg->clip_value > 0.0f)
    for (size_t i = 0; i < n; i++)
      g[i] = fminf (fmaxf (g[i], -cfg->clip_value), cfg->clip_value);
  if (cfg->clip_value > 0.0f)
    total_used = sum_sq (g, n);
  else
    total_used = total_raw;
  if (cfg->clip_norm > 0.0f && sqrt (total_used) > cfg->clip_norm)
    {
      float k = (float) (cfg->clip_norm / sqrt (total_used));

      for (size_t i = 0; i < n; i++)
        g[i] *= k;
      total_used = sum_sq (g, n);
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
  if (!update_range (opt, net, &a, 0, n, false, NULL, NULL))
    return GR_ERR_NONFINITE;
  if (cfg->kind == GR_OPT_ADAM || cfg->kind == GR_OPT_ADAMW)
    opt->t++;

  for (int i = 0; i < net->n_weighted; i++)
    {
      size_t off, cnt;
      double d2, w2, old2;

      gr_net_weighted_range (net, i, &off, &cnt);
      update_range (opt, net, &a, pos, off, true, NULL, NULL);
      probes[i].grad_norm = (float) sqrt (sum_sq (g + off, cnt));
      probes[i].clip_share = probes[i].grad_norm_raw > 0.0f
                             ? 1.0f - probes[i].grad_norm / probes[i].grad_norm_raw : 0.0f;
      if (probes[i].clip_share < 0.0f)
        probes[i].clip_share = 0.0f;
      old2 = sum_sq (w + off, cnt);
      update_range (opt, net, &a, off, off + cnt, true, &d2, &w2);
      probes[i].weight_norm = (float) sqrt (w2);
      probes[i].update_ratio = old2 > 0.0 ? (float) sqrt (d2 / old2) : 0.0f;
      pos = off + cnt;
    }
  update_range (opt, net, &a, pos, n, true, NULL, NULL);
  return GR_OK;
}
