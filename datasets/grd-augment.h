#pragma once

#include "gr-dataset.h"

/* Augmentations matching GrAugmentFunc: set ds->augment to one of these
 * and ds->augment_shift to the largest shift in pixels (truncated to an
 * integer). Each sample of the batch gets its own draws from @rng;
 * images (all channels) and label maps move together. Pixels shifted in
 * from outside repeat the edge row or column, in images and masks alike,
 * so an object touching the border stays consistent with its label.
 * Work is in place; nothing is allocated. Samples of height and width 1
 * (flat feature vectors) are left alone. When @labels is NULL or the
 * targets are not (H, W) maps of the sample's size, only @x changes. */

/* A horizontal flip with probability 1/2, then a shift by dx, dy drawn
 * uniformly from [-s, s], s = (int) ds->augment_shift. */
void grd_augment_flip_shift (const GrDataset *ds,
                             float           *x,
                             int32_t         *labels,
                             int              n,
                             GrRng           *rng);
/* The shift alone, for data whose meaning a mirror image changes
 * (digits). */
void grd_augment_shift      (const GrDataset *ds,
                             float           *x,
                             int32_t         *labels,
                             int              n,
                             GrRng           *rng);
