/* seg-data.h: fixed segmentation samples shared by the seg widget tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <math.h>
#include <stdint.h>

/* Side of the test images and their classes. */
#define SEG_SIDE      24
#define SEG_SAMPLES   3
#define SEG_CLASSES   4

static const char *const seg_class_names[SEG_CLASSES] = {
  "background", "disk", "square", "bar",
};

/* Known pixels of sample 0 (see seg_data_init): the truth disk is centred
 * at (7, 8), the predicted one at (9, 8), both of radius 4; the square's
 * upper half is predicted as a bar. */
#define SEG_FP_X     12   /* predicted disk, truth background */
#define SEG_FP_Y     8
#define SEG_FN_X     4    /* truth disk, predicted background */
#define SEG_FN_Y     8
#define SEG_WRONG_X  16   /* truth square, predicted bar */
#define SEG_WRONG_Y  15
#define SEG_BG_X     20   /* background, correct */
#define SEG_BG_Y     3

typedef struct
{
  guint    channels;
  float   *images;  /* (SEG_SAMPLES, channels, SIDE, SIDE) */
  int32_t *truth;   /* (SEG_SAMPLES, SIDE, SIDE) */
  int32_t *pred;    /* (SEG_SAMPLES, SIDE, SIDE) */
  float   *probs;   /* (SEG_SAMPLES, SEG_CLASSES, SIDE, SIDE) */
} SegData;

static inline gboolean
seg_in_disk (int x, int y, double cx, double cy, double r)
{
  return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
}

static inline int32_t
seg_truth_at (guint k, int x, int y)
{
  switch (k)
    {
    case 0:
      if (seg_in_disk (x, y, 7, 8, 4))
        return 1;
      if (x >= 14 && x <= 19 && y >= 14 && y <= 19)
        return 2;
      return 0;
    case 1:
      if (y >= 5 && y <= 6 && x >= 3 && x <= 20)
        return 3;
      if (seg_in_disk (x, y, 8, 16, 3))
        return 1;
      return 0;
    default:
      if (x < 3 && y < 3)
        return -1;  /* ignore label */
      if (x >= 10 && x <= 15 && y >= 9 && y <= 14)
        return 2;
      return 0;
    }
}

static inline int32_t
seg_pred_at (guint k, int x, int y)
{
  switch (k)
    {
    case 0:
      if (seg_in_disk (x, y, 9, 8, 4))
        return 1;
      if (x >= 14 && x <= 19 && y >= 14 && y <= 19)
        return y <= 16 ? 3 : 2;
      return 0;
    case 1:
      /* The bar is missed; a square appears from nowhere. */
      if (seg_in_disk (x, y, 8, 16, 3))
        return 1;
      if (x >= 16 && x <= 19 && y >= 15 && y <= 18)
        return 2;
      return 0;
    default:
      if (x >= 10 && x <= 15 && y >= 9 && y <= 14)
        return 2;
      return 0;
    }
}

static inline void
seg_data_init (SegData *d,
               guint    channels)
{
  gsize plane = SEG_SIDE * SEG_SIDE;
  guint k;
  int x;
  int y;

  d->channels = channels;
  d->images = g_new (float, SEG_SAMPLES * channels * plane);
  d->truth = g_new (int32_t, SEG_SAMPLES * plane);
  d->pred = g_new (int32_t, SEG_SAMPLES * plane);
  d->probs = g_new (float, SEG_SAMPLES * SEG_CLASSES * plane);

  for (k = 0; k < SEG_SAMPLES; k++)
    for (y = 0; y < SEG_SIDE; y++)
      for (x = 0; x < SEG_SIDE; x++)
        {
          gsize p = (gsize) y * SEG_SIDE + x;
          int32_t t = seg_truth_at (k, x, y);
          int32_t q = seg_pred_at (k, x, y);
          double v = 0.4 + 0.12 * sin (x * 0.9 + k) * cos (y * 0.7);
          guint ch;
          guint c;

          if (t == 1)
            v = 0.82;
          else if (t == 2)
            v = ((x + y) & 1) ? 0.12 : 0.25;
          else if (t == 3)
            v = 0.65;

          for (ch = 0; ch < channels; ch++)
            {
              /* RGB: a warm tint that differs per channel. */
              double tint = channels == 3 ? (ch == 0 ? 1.0 : ch == 1 ? 0.85 : 0.7) : 1.0;

              d->images[(k * channels + ch) * plane + p] = (float) CLAMP (v * tint, 0.0, 1.0);
            }

          d->truth[k * plane + p] = t;
          d->pred[k * plane + p] = q;
          for (c = 0; c < SEG_CLASSES; c++)
            d->probs[(k * SEG_CLASSES + c) * plane + p] =
              (int32_t) c == q ? 0.7f : 0.1f;
        }
}

static inline void
seg_data_clear (SegData *d)
{
  g_free (d->images);
  g_free (d->truth);
  g_free (d->pred);
  g_free (d->probs);
}
