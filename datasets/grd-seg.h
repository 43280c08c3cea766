#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gr-dataset.h"

/* Synthetic segmentation with rare classes: each image is a textured
 * background (class 0) with a few small objects: 1 = disks (brighter,
 * darker rim), 2 = squares (darker, fine checker texture), 3 = thin bars
 * (any angle). Every object draws its own intensity and tint, and the
 * ranges overlap each other and the background, so intensity alone does
 * not separate the classes; shape and texture do. */

typedef struct
{
  int       n;           /* images, > 0 */
  int       height;      /* 16..1024, default 64 */
  int       width;       /* 16..1024, default 64 */
  int       channels;    /* 1 (grey) or 3 (RGB) */
  int       n_classes;   /* 3 (no bars) or 4, background included */
  float     rare_share;  /* total pixel share of the object classes,
                          * 0.005..0.5; split evenly among them */
  float     noise;       /* 0..1: per-pixel Gaussian σ = 0.02 + 0.1·noise */
  uint64_t  seed;        /* the only source of randomness */
} GrdSegParams;

/* Defaults: 200 images of 64×64, 1 channel, 4 classes, rare_share 0.042
 * (background ≈ 95.8 %), noise 0.5, seed 1. */
void       grd_seg_params_init (GrdSegParams       *params);

/* Builds the set: sample shape (1, channels, H, W) in [0, 1], labels
 * (n, H, W), target_shape (1, 1, H, W), ignore_label -1, class names
 * "background", "disk", "square", "bar". Object pixels are budgeted
 * over the whole set (each image's budget varies between 0.3 and 1.7
 * times the mean), so the measured shares land within about 1 % of
 * @rare_share (relative) for 200 images; some images have no object at
 * low shares. The label maps depend on the seed, size and classes but
 * not on @channels or @noise. Returns a new data set named "shapes", or NULL with a
 * message in @err. */
GrDataset *grd_seg_new         (const GrdSegParams *params,
                                char               *err,
                                size_t              err_len);
