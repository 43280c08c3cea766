#include "grd-split.h"

#include <stdlib.h>
#include <string.h>

#include "gr-i18n.h"
#include "grd-util.h"

#define SPLIT_STREAM UINT64_C (0x57a7)

bool
grd_split_stratified_indices (const GrDataset *ds,
                              int              n_val,
                              uint64_t         seed,
                              int             *train_idx,
                              int             *val_idx,
                              char            *err,
                              size_t           err_len)
{
  int count[GR_MAX_CLASSES] = { 0 };
  int quota[GR_MAX_CLASSES] = { 0 };
  int64_t rem[GR_MAX_CLASSES];
  int *members, *in_val;
  int given = 0;
  GrRng rng;

  if (ds == NULL || ds->labels == NULL || ds->n_classes <= 0
      || gr_shape_sample_size (ds->target_shape) != 1)
    {
      grd_error_set (err, err_len, GR_("%s: a stratified split needs one class "
                                       "label per sample"), ds != NULL ? ds->name : "(null)");
      return false;
    }
  if (n_val < 0 || n_val > ds->n)
    {
      grd_error_set (err, err_len, GR_("%s: validation size %d is outside 0..%d"),
                     ds->name, n_val, ds->n);
      return false;
    }
  for (int i = 0; i < ds->n; i++)
    {
      int32_t l = ds->labels[i];

      if (l < 0 || l >= ds->n_classes)
        {
          grd_error_set (err, err_len, GR_("%s: sample %d has label %d, outside "
                                           "0..%d"), ds->name, i, (int) l, ds->n_classes - 1);
          return false;
        }
      count[l]++;
    }

  /* Largest-remainder quotas, exact in integers. */
  for (int c = 0; c < ds->n_classes; c++)
    {
      int64_t num = (int64_t) n_val * count[c];

      quota[c] = ds->n > 0 ? (int) (num / ds->n) : 0;
      rem[c] = ds->n > 0 ? num % ds->n : 0;
      given += quota[c];
    }
  while (given < n_val)
    {
      int best = -1;

      for (int c = 0; c < ds->n_classes; c++)
        if (quota[c] < count[c] && (best < 0 || rem[c] > rem[best]))
          best = c;
      if (best < 0)
        break;
      quota[best]++;
      rem[best] = -1;
      given++;
    }

  members = malloc ((size_t) (ds->n > 0 ? ds->n : 1) * sizeof *members);
  in_val = calloc ((size_t) (ds->n > 0 ? ds->n : 1), sizeof *in_val);
  if (members == NULL || in_val == NULL)
    {
      free (members);
      free (in_val);
      grd_error_set (err, err_len, GR_("%s: out of memory"), ds->name);
      return false;
    }

  gr_rng_seed (&rng, seed, SPLIT_STREAM);
  for (int c = 0; c < ds->n_classes; c++)
    {
      int m = 0;

      for (int i = 0; i < ds->n; i++)
        if (ds->labels[i] == c)
          members[m++] = i;
      gr_rng_shuffle (&rng, members, m);
      for (int k = 0; k < quota[c] && k < m; k++)
        in_val[members[k]] = 1;
    }

  {
    int nt = 0, nv = 0;

    for (int i = 0; i < ds->n; i++)
      {
        if (in_val[i])
          {
            if (val_idx != NULL)
              val_idx[nv] = i;
            nv++;
          }
        else
          {
            if (train_idx != NULL)
              train_idx[nt] = i;
            nt++;
          }
      }
  }
  free (members);
  free (in_val);
  return true;
}

bool
grd_split_stratified (const GrDataset  *ds,
                      int               n_val,
                      uint64_t          seed,
                      GrDataset       **train,
                      GrDataset       **val,
                      char             *err,
                      size_t            err_len)
{
  int *tidx, *vidx;
  size_t cap;

  if (train != NULL)
    *train = NULL;
  if (val != NULL)
    *val = NULL;
  if (ds == NULL || train == NULL || val == NULL)
    {
      grd_error_set (err, err_len, GR_("split: missing argument"));
      return false;
    }

  cap = (size_t) (ds->n > 0 ? ds->n : 1);
  tidx = malloc (cap * sizeof *tidx);
  vidx = malloc (cap * sizeof *vidx);
  if (tidx == NULL || vidx == NULL)
    {
      free (tidx);
      free (vidx);
      grd_error_set (err, err_len, GR_("%s: out of memory"), ds->name);
      return false;
    }
  if (!grd_split_stratified_indices (ds, n_val, seed, tidx, vidx, err,
                                     err_len))
    {
      free (tidx);
      free (vidx);
      return false;
    }

  *train = gr_dataset_subset (ds, tidx, ds->n - n_val);
  *val = gr_dataset_subset (ds, vidx, n_val);
  free (tidx);
  free (vidx);
  if (*train == NULL || *val == NULL)
    {
      gr_dataset_free (*train);
      gr_dataset_free (*val);
      *train = NULL;
      *val = NULL;
      grd_error_set (err, err_len, GR_("%s: out of memory"), ds->name);
      return false;
    }
  return true;
}
