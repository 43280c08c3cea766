#include "gr-dataset.h"

#include <stdlib.h>
#include <string.h>

/* The stream the batcher's key generator runs on; any constant works, it
 * only keeps the batcher's draws apart from other users of the same seed. */
#define BATCHER_STREAM UINT64_C (0xba7c4e5)
/* The stream gr_dataset_split () draws its permutation from. */
#define SPLIT_STREAM   UINT64_C (0x5b117)

static size_t
target_size (const GrDataset *ds)
{
  return gr_shape_sample_size (ds->target_shape);
}

static bool
shape_valid (GrShape s)
{
  return s.c > 0 && s.h > 0 && s.w > 0;
}

/* n * per <= SIZE_MAX / elem, so the byte count does not overflow. */
static bool
size_ok (size_t n,
         size_t per,
         size_t elem)
{
  return per == 0 || n <= SIZE_MAX / elem / per;
}

GrDataset *
gr_dataset_new (const char *name,
                GrShape     sample,
                int         n,
                int         n_classes,
                GrShape     target_shape)
{
  GrDataset *ds;
  size_t per_x, per_t;

  if (n < 0 || n_classes < 0 || n_classes > GR_MAX_CLASSES
      || !shape_valid (sample) || !shape_valid (target_shape))
    return NULL;
  /* Labels are (H, W) per sample: one channel. */
  if (n_classes > 0 && target_shape.c != 1)
    return NULL;

  per_x = gr_shape_sample_size (sample);
  per_t = gr_shape_sample_size (target_shape);
  if (!size_ok ((size_t) n, per_x, sizeof (float))
      || !size_ok ((size_t) n, per_t, sizeof (float)))
    return NULL;

  ds = calloc (1, sizeof *ds);
  if (ds == NULL)
    return NULL;

  if (name != NULL)
    {
      strncpy (ds->name, name, sizeof ds->name - 1);
      ds->name[sizeof ds->name - 1] = '\0';
    }
  sample.n = 1;
  target_shape.n = 1;
  ds->sample = sample;
  ds->n = n;
  ds->n_classes = n_classes;
  ds->target_shape = target_shape;
  ds->ignore_label = -1;

  /* calloc (0) may return NULL; one element keeps "NULL means failure". */
  ds->x = calloc (n > 0 ? (size_t) n * per_x : 1, sizeof (float));
  if (n_classes > 0)
    ds->labels = calloc (n > 0 ? (size_t) n * per_t : 1, sizeof (int32_t));
  else
    ds->values = calloc (n > 0 ? (size_t) n * per_t : 1, sizeof (float));

  if (ds->x == NULL || (ds->labels == NULL && ds->values == NULL))
    {
      gr_dataset_free (ds);
      return NULL;
    }
  return ds;
}

void
gr_dataset_free (GrDataset *ds)
{
  if (ds == NULL)
    return;
  free (ds->x);
  free (ds->labels);
  free (ds->values);
  free (ds);
}

GrDataset *
gr_dataset_subset (const GrDataset *ds,
                   const int       *idx,
                   int              n)
{
  GrDataset *out;

  if (ds == NULL || n < 0 || (n > 0 && idx == NULL))
    return NULL;
  for (int i = 0; i < n; i++)
    if (idx[i] < 0 || idx[i] >= ds->n)
      return NULL;

  out = gr_dataset_new (ds->name, ds->sample, n, ds->n_classes,
                        ds->target_shape);
  if (out == NULL)
    return NULL;

  out->augment = ds->augment;
  out->augment_shift = ds->augment_shift;
  out->ignore_label = ds->ignore_label;
  memcpy (out->class_names, ds->class_names, sizeof out->class_names);
  gr_dataset_gather (ds, idx, n, out->x, out->labels, out->values);
  return out;
}

GrDataset *
gr_dataset_copy (const GrDataset *ds)
{
  GrDataset *out;
  size_t in_sz, tgt_sz;

  if (ds == NULL)
    return NULL;
  out = gr_dataset_new (ds->name, ds->sample, ds->n, ds->n_classes, ds->target_shape);
  if (out == NULL)
    return NULL;
  out->augment = ds->augment;
  out->augment_shift = ds->augment_shift;
  out->ignore_label = ds->ignore_label;
  memcpy (out->class_names, ds->class_names, sizeof out->class_names);
  in_sz = gr_shape_sample_size (ds->sample) * (size_t) ds->n;
  tgt_sz = gr_shape_sample_size (ds->target_shape) * (size_t) ds->n;
  if (in_sz > 0)
    memcpy (out->x, ds->x, sizeof (float) * in_sz);
  if (ds->labels != NULL && out->labels != NULL && tgt_sz > 0)
    memcpy (out->labels, ds->labels, sizeof (int32_t) * tgt_sz);
  if (ds->values != NULL && out->values != NULL && tgt_sz > 0)
    memcpy (out->values, ds->values, sizeof (float) * tgt_sz);
  return out;
}

bool
gr_dataset_split (const GrDataset  *ds,
                  float             val_share,
                  uint64_t          seed,
                  GrDataset       **train,
                  GrDataset       **val)
{
  GrRng rng;
  int *perm;
  int n_val;

  if (train != NULL)
    *train = NULL;
  if (val != NULL)
    *val = NULL;
  if (ds == NULL || train == NULL || val == NULL
      || !(val_share >= 0.0f && val_share <= 1.0f))
    return false;

  perm = malloc ((size_t) (ds->n > 0 ? ds->n : 1) * sizeof *perm);
  if (perm == NULL)
    return false;
  for (int i = 0; i < ds->n; i++)
    perm[i] = i;
  gr_rng_seed (&rng, seed, SPLIT_STREAM);
  gr_rng_shuffle (&rng, perm, ds->n);

  n_val = (int) ((double) ds->n * val_share + 0.5);
  if (n_val > ds->n)
    n_val = ds->n;

  *val = gr_dataset_subset (ds, perm, n_val);
  *train = gr_dataset_subset (ds, perm + n_val, ds->n - n_val);
  free (perm);

  if (*val == NULL || *train == NULL)
    {
      gr_dataset_free (*val);
      gr_dataset_free (*train);
      *val = NULL;
      *train = NULL;
      return false;
    }
  return true;
}

void
gr_dataset_class_freq (const GrDataset *ds,
                       float           *freq)
{
  int64_t count[GR_MAX_CLASSES] = { 0 };
  int64_t total = 0;
  size_t n_labels;

  if (ds == NULL || freq == NULL || ds->n_classes <= 0 || ds->labels == NULL)
    return;

  n_labels = (size_t) ds->n * target_size (ds);
  for (size_t i = 0; i < n_labels; i++)
    {
      int32_t l = ds->labels[i];

      if (l == ds->ignore_label || l < 0 || l >= ds->n_classes)
        continue;
      count[l]++;
      total++;
    }
  for (int c = 0; c < ds->n_classes; c++)
    freq[c] = total > 0 ? (float) ((double) count[c] / (double) total) : 0.0f;
}

void
gr_dataset_gather (const GrDataset *ds,
                   const int       *idx,
                   int              n,
                   float           *x,
                   int32_t         *labels,
                   float           *values)
{
  size_t per_x = gr_shape_sample_size (ds->sample);
  size_t per_t = target_size (ds);

  for (int i = 0; i < n; i++)
    {
      size_t s = (size_t) idx[i];

      if (x != NULL)
        memcpy (x + (size_t) i * per_x, ds->x + s * per_x,
                per_x * sizeof *x);
      if (labels != NULL && ds->labels != NULL)
        memcpy (labels + (size_t) i * per_t, ds->labels + s * per_t,
                per_t * sizeof *labels);
      if (values != NULL && ds->values != NULL)
        memcpy (values + (size_t) i * per_t, ds->values + s * per_t,
                per_t * sizeof *values);
    }
}

/* SplitMix64's finaliser: spreads a key over all 64 bits. */
static uint64_t
mix64 (uint64_t z)
{
  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* The permutation of epoch b->epoch. It depends only on the batcher's
 * seeded stream (never advanced) and the epoch number, so a restored
 * batcher draws the same order without the permutation being stored. */
static void
batcher_draw_perm (GrBatcher *b)
{
  GrRng r;
  uint64_t key;

  key = mix64 (b->rng.state ^ mix64 (b->rng.inc ^ mix64 ((uint64_t) b->epoch)));
  gr_rng_seed (&r, key, BATCHER_STREAM);
  for (int i = 0; i < b->ds->n; i++)
    b->perm[i] = i;
  gr_rng_shuffle (&r, b->perm, b->ds->n);
}

bool
gr_batcher_init (GrBatcher       *b,
                 const GrDataset *ds,
                 uint64_t         seed)
{
  GrRng rng;

  gr_rng_seed (&rng, seed, BATCHER_STREAM);
  return gr_batcher_restore (b, ds, rng, 0, 0);
}

bool
gr_batcher_restore (GrBatcher       *b,
                    const GrDataset *ds,
                    GrRng            rng,
                    int              pos,
                    int64_t          epoch)
{
  if (b == NULL)
    return false;
  memset (b, 0, sizeof *b);
  if (ds == NULL || ds->n <= 0 || pos < 0 || pos >= ds->n || epoch < 0)
    return false;

  b->perm = malloc ((size_t) ds->n * sizeof *b->perm);
  if (b->perm == NULL)
    return false;
  b->ds = ds;
  b->rng = rng;
  b->pos = pos;
  b->epoch = epoch;
  batcher_draw_perm (b);
  return true;
}

void
gr_batcher_clear (GrBatcher *b)
{
  if (b == NULL)
    return;
  free (b->perm);
  memset (b, 0, sizeof *b);
}

bool
gr_batcher_next (GrBatcher *b,
                 int        batch,
                 int       *idx_out)
{
  bool ended = false;

  if (b == NULL || b->perm == NULL || idx_out == NULL)
    return false;

  for (int k = 0; k < batch; k++)
    {
      idx_out[k] = b->perm[b->pos++];
      /* The epoch ends with its last index, not when the next batch
       * starts, so a batch that exactly finishes an epoch reports it. */
      if (b->pos == b->ds->n)
        {
          b->epoch++;
          b->pos = 0;
          batcher_draw_perm (b);
          ended = true;
        }
    }
  return ended;
}
