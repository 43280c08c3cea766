#include "grd-augment.h"

#include <stddef.h>

/* The same in-place operations for floats and label ints. */
#define DEFINE_PLANE_OPS(suffix, T)                                         \
static void                                                                 \
flip_##suffix (T  *p,                                                       \
               int h,                                                       \
               int w)                                                       \
{                                                                           \
  for (int y = 0; y < h; y++)                                               \
    {                                                                       \
      T *row = p + (size_t) y * w;                                          \
                                                                            \
      for (int a = 0, b = w - 1; a < b; a++, b--)                           \
        {                                                                   \
          T t = row[a];                                                     \
                                                                            \
          row[a] = row[b];                                                  \
          row[b] = t;                                                       \
        }                                                                   \
    }                                                                       \
}                                                                           \
                                                                            \
/* out[y][x] = in[clamp (y - dy)][clamp (x - dx)], in place: walking away  \
 * from the direction of the move reads only cells not yet written. */      \
static void                                                                 \
shift_##suffix (T  *p,                                                      \
                int h,                                                      \
                int w,                                                      \
                int dx,                                                     \
                int dy)                                                     \
{                                                                           \
  if (dx != 0)                                                              \
    for (int y = 0; y < h; y++)                                             \
      {                                                                     \
        T *row = p + (size_t) y * w;                                        \
                                                                            \
        if (dx > 0)                                                         \
          for (int x = w - 1; x >= 0; x--)                                  \
            row[x] = row[x - dx >= 0 ? x - dx : 0];                         \
        else                                                                \
          for (int x = 0; x < w; x++)                                       \
            row[x] = row[x - dx < w ? x - dx : w - 1];                      \
      }                                                                     \
  if (dy > 0)                                                               \
    for (int y = h - 1; y >= 0; y--)                                        \
      {                                                                     \
        const T *src = p + (size_t) (y - dy >= 0 ? y - dy : 0) * w;         \
        T *dst = p + (size_t) y * w;                                        \
                                                                            \
        if (src != dst)                                                     \
          for (int x = 0; x < w; x++)                                       \
            dst[x] = src[x];                                                \
      }                                                                     \
  else if (dy < 0)                                                          \
    for (int y = 0; y < h; y++)                                             \
      {                                                                     \
        const T *src = p + (size_t) (y - dy < h ? y - dy : h - 1) * w;      \
        T *dst = p + (size_t) y * w;                                        \
                                                                            \
        if (src != dst)                                                     \
          for (int x = 0; x < w; x++)                                       \
            dst[x] = src[x];                                                \
      }                                                                     \
}

DEFINE_PLANE_OPS (f, float)
DEFINE_PLANE_OPS (i, int32_t)

static void
augment (const GrDataset *ds,
         float           *x,
         int32_t         *labels,
         int              n,
         GrRng           *rng,
         int              allow_flip)
{
  int c = ds->sample.c, h = ds->sample.h, w = ds->sample.w;
  int s = ds->augment_shift > 0.0f ? (int) ds->augment_shift : 0;
  size_t plane = (size_t) h * w;
  int maps;

  if (h <= 1 && w <= 1)
    return;
  maps = labels != NULL && ds->labels != NULL
         && ds->target_shape.h == h && ds->target_shape.w == w;

  for (int i = 0; i < n; i++)
    {
      float *xi = x + (size_t) i * c * plane;
      int32_t *li = maps ? labels + (size_t) i * plane : NULL;
      int flip = allow_flip ? (int) (gr_rng_u32 (rng) & 1) : 0;
      int dx = s > 0 ? (int) gr_rng_below (rng, 2u * s + 1) - s : 0;
      int dy = s > 0 ? (int) gr_rng_below (rng, 2u * s + 1) - s : 0;

      if (dx >= w)
        dx = w - 1;
      if (dx <= -w)
        dx = -(w - 1);
      if (dy >= h)
        dy = h - 1;
      if (dy <= -h)
        dy = -(h - 1);

      for (int ch = 0; ch < c; ch++)
        {
          if (flip)
            flip_f (xi + ch * plane, h, w);
          shift_f (xi + ch * plane, h, w, dx, dy);
        }
      if (li != NULL)
        {
          if (flip)
            flip_i (li, h, w);
          shift_i (li, h, w, dx, dy);
        }
    }
}

void
grd_augment_flip_shift (const GrDataset *ds,
                        float           *x,
                        int32_t         *labels,
                        int              n,
                        GrRng           *rng)
{
  augment (ds, x, labels, n, rng, 1);
}

void
grd_augment_shift (const GrDataset *ds,
                   float           *x,
                   int32_t         *labels,
                   int              n,
                   GrRng           *rng)
{
  augment (ds, x, labels, n, rng, 0);
}
