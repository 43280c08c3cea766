#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../nn/gr-net.h"
#include "../nn/gr-rng.h"

/* A data set in memory: the generators and loaders in datasets/ fill one,
 * the trainer reads batches from it through a GrBatcher (the lazy
 * iterator). Samples are (C, H, W) floats; targets are class labels of
 * (H, W) per sample, or values of @target_shape. */
typedef struct _GrDataset GrDataset;

/* Optional per-batch augmentation, applied to the copied batch in place;
 * draws only from @rng. */
typedef void (*GrAugmentFunc) (const GrDataset *ds,
                               float           *x,       /* (n, C, H, W) */
                               int32_t         *labels,  /* (n, H, W) or NULL */
                               int              n,
                               GrRng           *rng);

struct _GrDataset
{
  char           name[64];      /* "spiral", "digits", ... */
  GrShape        sample;        /* per sample, n = 1 */
  int            n;             /* samples */
  int            n_classes;     /* 0 for regression */
  GrShape        target_shape;  /* per sample: (1, 1, H, W) for labels */
  float         *x;             /* (n, C, H, W), owned */
  int32_t       *labels;        /* (n, H, W) or NULL, owned */
  float         *values;        /* (n, target_shape) or NULL, owned */
  GrAugmentFunc  augment;       /* NULL for none */
  float          augment_shift; /* augmentation strength for augment () */
  int            ignore_label;  /* < 0 for none */
  char           class_names[GR_MAX_CLASSES][16]; /* optional, "" if unnamed */
};

/* Allocates a data set of @n samples with zeroed storage for labels
 * (@n_classes > 0) or values (@n_classes == 0). NULL on failure. */
GrDataset *gr_dataset_new        (const char *name,
                                  GrShape     sample,
                                  int         n,
                                  int         n_classes,
                                  GrShape     target_shape);
void       gr_dataset_free       (GrDataset  *ds);
/* A new data set holding the samples @idx[0..n) of @ds, in that order. */
GrDataset *gr_dataset_subset     (const GrDataset *ds,
                                  const int  *idx,
                                  int         n);
/* A full copy of @ds (samples, targets, augmentation, names). NULL on
 * failure. */
GrDataset *gr_dataset_copy       (const GrDataset *ds);
/* Splits @ds by a fixed permutation drawn from @seed: the first
 * round(n * val_share) samples of the permutation go to *val. */
bool       gr_dataset_split      (const GrDataset *ds,
                                  float       val_share,
                                  uint64_t    seed,
                                  GrDataset **train,
                                  GrDataset **val);
/* Share of each class among the (non-ignored) labels; @freq has
 * n_classes entries. */
void       gr_dataset_class_freq (const GrDataset *ds,
                                  float      *freq);
/* Copies samples @idx[0..n) into @x (n, C, H, W) and their targets into
 * @labels or @values. */
void       gr_dataset_gather     (const GrDataset *ds,
                                  const int  *idx,
                                  int         n,
                                  float      *x,
                                  int32_t    *labels,
                                  float      *values);

/* The lazy batch iterator: a permutation reshuffled each epoch from the
 * trainer's RNG. Plain data so a checkpoint can store it (the permutation
 * itself is re-derived). */
typedef struct
{
  const GrDataset *ds;
  int             *perm;      /* (n) owned */
  int              pos;       /* next index into perm */
  int64_t          epoch;     /* completed epochs */
  GrRng            rng;       /* shuffling stream */
} GrBatcher;

bool  gr_batcher_init   (GrBatcher       *b,
                         const GrDataset *ds,
                         uint64_t         seed);
void  gr_batcher_clear  (GrBatcher       *b);
/* Re-creates a batcher over @ds from its stored plain fields (@rng,
 * @pos, @epoch as found in a GrBatcher): each epoch's permutation is a
 * pure function of the seeded stream and the epoch number, so it is
 * re-derived rather than stored. Returns false (and leaves @b cleared)
 * on bad arguments or allocation failure. */
bool  gr_batcher_restore (GrBatcher       *b,
                          const GrDataset *ds,
                          GrRng            rng,
                          int              pos,
                          int64_t          epoch);
/* Fills the next @batch samples (fewer never: the epoch wraps and the
 * permutation is redrawn mid-batch). Returns true if an epoch ended
 * within this batch. */
bool  gr_batcher_next   (GrBatcher       *b,
                         int              batch,
                         int             *idx_out);
