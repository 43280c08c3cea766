#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gr-dataset.h"

/* Stratified train/validation split of a per-sample classification set
 * (target_shape 1×1, n_classes > 0).
 *
 * Class c receives a validation quota of floor (n_val · count_c / n)
 * samples, and the samples still missing go one each to the classes with
 * the largest remainders (ties to the lower class id), so the quotas sum
 * to @n_val exactly. Then, for c = 0, 1, ..., the samples of class c in
 * data set order are shuffled with one GrRng seeded from @seed, and the
 * first quota_c of them are validation samples. Both outputs list
 * sample indices in ascending order.
 *
 * @val_idx receives @n_val indices and @train_idx the other n - n_val
 * (either may be NULL). Returns false with a message in @err if @ds has
 * no per-sample labels, a label is out of range, or @n_val is outside
 * 0..n. Nothing is allocated for the caller. */
bool  grd_split_stratified_indices (const GrDataset  *ds,
                                    int               n_val,
                                    uint64_t          seed,
                                    int              *train_idx,
                                    int              *val_idx,
                                    char             *err,
                                    size_t            err_len);
/* The same split as new data sets (gr_dataset_subset () of the index
 * lists): *train and *val are owned by the caller. On failure returns
 * false, sets both to NULL and writes a message in @err. */
bool  grd_split_stratified         (const GrDataset  *ds,
                                    int               n_val,
                                    uint64_t          seed,
                                    GrDataset       **train,
                                    GrDataset       **val,
                                    char             *err,
                                    size_t            err_len);
