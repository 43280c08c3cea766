#include "grd-fault.h"

#include <stdlib.h>
#include <string.h>

#define FAULT_STREAM UINT64_C (0xfa17)

/* Bytes of one sample's target and a pointer to the target array. */
static size_t
target_bytes (const GrDataset *ds,
              char           **base)
{
  size_t per = gr_shape_sample_size (ds->target_shape);

  if (ds->labels != NULL)
    {
      *base = (char *) ds->labels;
      return per * sizeof (int32_t);
    }
  *base = (char *) ds->values;
  return per * sizeof (float);
}

typedef struct
{
  const char *base;
  size_t      bytes;
  const int  *rank;
} SortCtx;

/* Orders samples by target bytes, then by their rank in a random order,
 * so equal targets form runs in random order. */
static int
cmp_by_target (const void *a,
               const void *b,
               void       *data)
{
  const SortCtx *c = data;
  int ia = *(const int *) a, ib = *(const int *) b;
  int r = memcmp (c->base + (size_t) ia * c->bytes,
                  c->base + (size_t) ib * c->bytes, c->bytes);

  if (r != 0)
    return r;
  return c->rank[ia] < c->rank[ib] ? -1 : c->rank[ia] > c->rank[ib];
}

/* Picks @k samples spread as evenly as possible over the distinct
 * targets (round robin over the classes, in random class order, random
 * samples within each class): a permutation can change every picked
 * target only if no class holds more than half of them. @gid receives
 * each sample's group (distinct target) id. @scratch holds 5n + 1
 * ints. */
static void
pick_balanced (const char *base,
               size_t      bytes,
               int         n,
               int         k,
               GrRng      *rng,
               int        *scratch,
               int        *gid,
               int        *pick)
{
  int *order = scratch;            /* (n) samples, grouped by target */
  int *rank = scratch + n;         /* (n) position in a random order */
  int *cursor = scratch + 2 * n;   /* (n) next member of each group */
  int *active = scratch + 3 * n;   /* (n) groups still holding members */
  int *start = scratch + 4 * n;    /* (n + 1) group starts in order[] */
  SortCtx ctx = { base, bytes, rank };
  int n_groups = 0, n_active, got = 0;

  for (int i = 0; i < n; i++)
    order[i] = i;
  gr_rng_shuffle (rng, order, n);
  for (int i = 0; i < n; i++)
    rank[order[i]] = i;
  qsort_r (order, (size_t) n, sizeof *order, cmp_by_target, &ctx);

  for (int i = 0; i < n; i++)
    if (i == 0 || memcmp (base + (size_t) order[i] * bytes,
                          base + (size_t) order[i - 1] * bytes, bytes) != 0)
      start[n_groups++] = i;
  start[n_groups] = n;

  for (int g = 0; g < n_groups; g++)
    {
      active[g] = g;
      cursor[g] = start[g];
      for (int i = start[g]; i < start[g + 1]; i++)
        gid[order[i]] = g;
    }
  gr_rng_shuffle (rng, active, n_groups);
  n_active = n_groups;

  while (got < k && n_active > 0)
    {
      int kept = 0;

      for (int j = 0; j < n_active && got < k; j++)
        {
          int g = active[j];

          pick[got++] = order[cursor[g]++];
          if (cursor[g] < start[g + 1])
            active[kept++] = g;
        }
      if (got < k)
        n_active = kept;
    }
}

/* Counts position @j in touch[] for each distinct group among its own
 * (@P) and received (@S) target; @d is +1 or -1. */
static void
touch (int       *t,
       const int *P,
       const int *S,
       int        j,
       int        d)
{
  t[P[j]] += d;
  if (S[j] != P[j])
    t[S[j]] += d;
}

int
grd_fault_shuffle_labels (GrDataset *ds,
                          float      share,
                          uint64_t   seed)
{
  int *scratch, *pick, *src, *gid, *P, *S, *t;
  char *base, *copy;
  size_t bytes;
  int k, n, changed = 0;
  GrRng rng;

  if (ds == NULL || !(share >= 0.0f && share <= 1.0f))
    return -1;
  bytes = target_bytes (ds, &base);
  if (base == NULL)
    return -1;
  n = ds->n;
  k = (int) ((double) n * share + 0.5);
  if (k < 2)
    return 0;

  /* pick_balanced's 5n + 1, then gid (n), touch counts (n), and P, S,
   * pick, src (k each). */
  scratch = malloc (((size_t) n * 7 + 1 + (size_t) k * 4) * sizeof *scratch);
  copy = malloc ((size_t) k * bytes);
  if (scratch == NULL || copy == NULL)
    {
      free (scratch);
      free (copy);
      return -1;
    }
  gid = scratch + 5 * (size_t) n + 1;
  t = gid + n;
  P = t + n;
  S = P + k;
  pick = S + k;
  src = pick + k;

  gr_rng_seed (&rng, seed, FAULT_STREAM);
  pick_balanced (base, bytes, n, k, &rng, scratch, gid, pick);

  /* src[j]: the picked sample whose target pick[j] receives. */
  for (int j = 0; j < k; j++)
    src[j] = pick[j];
  gr_rng_shuffle (&rng, src, k);

  /* Repair. P and S are the groups of pick[j] and src[j]; t[g] counts
   * positions whose P or S is g. A position j with P[j] == S[j] == A
   * swaps its source with a position o touching A neither way, which
   * leaves both changed; there are k - t[A] such o, and a scan from a
   * random start finds one in k / (k - t[A]) steps on average. */
  memset (t, 0, (size_t) n * sizeof *t);
  for (int j = 0; j < k; j++)
    {
      P[j] = gid[pick[j]];
      S[j] = gid[src[j]];
      touch (t, P, S, j, 1);
    }
  for (int j = 0; j < k; j++)
    {
      int a = P[j];
      int r;

      if (S[j] != a || k - t[a] <= 0)
        continue;
      r = (int) gr_rng_below (&rng, (uint32_t) k);
      for (int step = 0; step < k; step++)
        {
          int o = (r + step) % k;
          int tmp;

          if (P[o] == a || S[o] == a)
            continue;
          touch (t, P, S, j, -1);
          touch (t, P, S, o, -1);
          tmp = src[j];
          src[j] = src[o];
          src[o] = tmp;
          tmp = S[j];
          S[j] = S[o];
          S[o] = tmp;
          touch (t, P, S, j, 1);
          touch (t, P, S, o, 1);
          break;
        }
    }

  for (int j = 0; j < k; j++)
    memcpy (copy + (size_t) j * bytes, base + (size_t) src[j] * bytes, bytes);
  for (int j = 0; j < k; j++)
    {
      char *dst = base + (size_t) pick[j] * bytes;

      if (memcmp (dst, copy + (size_t) j * bytes, bytes) != 0)
        changed++;
      memcpy (dst, copy + (size_t) j * bytes, bytes);
    }

  free (scratch);
  free (copy);
  return changed;
}

bool
grd_fault_misalign (GrDataset *ds,
                    int        offset)
{
  char *base, *copy;
  size_t bytes;
  int64_t off;

  if (ds == NULL || ds->n <= 0)
    return false;
  bytes = target_bytes (ds, &base);
  if (base == NULL)
    return false;
  copy = malloc ((size_t) ds->n * bytes);
  if (copy == NULL)
    return false;
  memcpy (copy, base, (size_t) ds->n * bytes);

  off = ((int64_t) offset % ds->n + ds->n) % ds->n;
  for (int i = 0; i < ds->n; i++)
    memcpy (base + (size_t) i * bytes,
            copy + (size_t) ((i + off) % ds->n) * bytes, bytes);
  free (copy);
  return true;
}

void
grd_fault_scale_inputs (GrDataset *ds,
                        float      scale,
                        float      shift)
{
  size_t total;

  if (ds == NULL)
    return;
  total = (size_t) ds->n * gr_shape_sample_size (ds->sample);
  for (size_t i = 0; i < total; i++)
    ds->x[i] = ds->x[i] * scale + shift;
}
