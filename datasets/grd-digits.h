#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gr-dataset.h"

/* The 8×8 UCI optdigits test set (E. Alpaydin, C. Kaynak; CC BY 4.0),
 * shipped as data/digits.csv.gz: 1,797 lines of 64 pixel counts 0..16
 * and a label 0..9. See data/DIGITS-LICENSE.md. */

#define GRD_DIGITS_FILE        "digits.csv.gz"
#define GRD_DIGITS_N           1797  /* samples in the shipped file */
#define GRD_DIGITS_N_VAL       360   /* canonical validation samples */
#define GRD_DIGITS_SPLIT_SEED  UINT64_C (20240531)

typedef enum
{
  GRD_DIGITS_FLAT    = 0,       /* sample shape (1, 64, 1, 1), for MLPs */
  GRD_DIGITS_IMAGE   = 1 << 0,  /* sample shape (1, 1, 8, 8), for convs */
  GRD_DIGITS_AUGMENT = 1 << 1,  /* augment = grd_augment_shift, 1 pixel */
} GrdDigitsFlags;

/* Loads a gzip (or plain) CSV of 65 fields per line: 64 pixels in 0..16,
 * scaled to [0, 1] as value / 16, then the label 0..9. Flat view, no
 * augmentation. Returns a new data set named "digits" (class names left
 * empty: GrDataset has room for eight, and a digit names itself), or NULL with a message naming file, line and field, e.g.
 * "digits.csv.gz:12: field 5 '1x' is not a number" or, for a truncated
 * gzip stream, "digits.csv.gz:1203: field 38: data ends early (...)". */
GrDataset *grd_digits_load            (const char       *path,
                                       char             *err,
                                       size_t            err_len);
/* grd_digits_load () with GrdDigitsFlags @flags. Same ownership and
 * failure value. */
GrDataset *grd_digits_load_with_flags (const char       *path,
                                       unsigned          flags,
                                       char             *err,
                                       size_t            err_len);
/* Switches a digits set (or a subset of it) between the flat (1, 64, 1, 1)
 * and the image (1, 1, 8, 8) view in place; the bytes are the same.
 * Returns false if @ds does not hold 64 values per sample. */
bool       grd_digits_set_image_view  (GrDataset        *ds,
                                       bool              image);
/* The canonical split: grd_split_stratified () with GRD_DIGITS_N_VAL
 * validation samples and GRD_DIGITS_SPLIT_SEED, i.e. 36 ± 1 samples per
 * digit (20 %), fixed for the shipped file. *train and *val are new,
 * owned by the caller; on failure false, both NULL, message in @err. */
bool       grd_digits_split           (const GrDataset  *ds,
                                       GrDataset       **train,
                                       GrDataset       **val,
                                       char             *err,
                                       size_t            err_len);
