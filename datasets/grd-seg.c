#include "grd-seg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gr-i18n.h"
#include "grd-util.h"

#define PI_F        3.14159265358979323846f
#define SEG_STREAM  UINT64_C (0x5e6)
#define MAX_OBJECTS 64   /* per image; a bound, not a target */
#define PLACE_TRIES 12   /* placements tried to avoid overlapping objects */

enum
{
  CLASS_BG,
  CLASS_DISK,
  CLASS_SQUARE,
  CLASS_BAR,
};

/* One object to paint: its class, geometry and look. */
typedef struct
{
  int   cls;
  float cx, cy;     /* centre, pixels */
  float size;       /* disk radius, square side, bar length */
  float thick;      /* bar thickness */
  float angle;      /* bar direction */
  float level;      /* base intensity */
  float tint[3];    /* colour multipliers */
  int   phase;      /* square checker phase */
} Object;

typedef struct
{
  int      h, w, c;
  float   *img;       /* (C, H, W) of the current image */
  int32_t *lab;       /* (H, W) */
  int64_t  count[4];  /* pixels per class in the current image */
} Canvas;

void
grd_seg_params_init (GrdSegParams *params)
{
  if (params == NULL)
    return;
  memset (params, 0, sizeof *params);
  params->n = 200;
  params->height = 64;
  params->width = 64;
  params->channels = 1;
  params->n_classes = 4;
  params->rare_share = 0.042f;
  params->noise = 0.5f;
  params->seed = 1;
}

static float
uniform (GrRng *rng,
         float  lo,
         float  hi)
{
  return lo + (hi - lo) * gr_rng_uniform (rng);
}

static float
clamp01 (float v)
{
  return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/* Mean pixel area of an object of class @cls at scale @sc, for budgeting. */
static float
mean_area (int   cls,
           float sc)
{
  switch (cls)
    {
    case CLASS_DISK:
      return PI_F * 4.25f * 4.25f * sc * sc;   /* radius 2.5..6 */
    case CLASS_SQUARE:
      return 7.0f * 7.0f * sc * sc;            /* side 4..10 */
    case CLASS_BAR:
      return 16.0f * sc * (sc > 1.0f ? 2.0f * sc : 2.0f);
    default:
      return 1.0f;
    }
}

/* Does pixel (x, y) belong to object @o? @u receives a shading coordinate
 * (distance from a disk's centre over its radius). */
static bool
object_covers (const Object *o,
               int           x,
               int           y,
               float        *u)
{
  float px = (float) x + 0.5f - o->cx;
  float py = (float) y + 0.5f - o->cy;

  *u = 0.0f;
  switch (o->cls)
    {
    case CLASS_DISK:
      {
        float d2 = px * px + py * py;

        if (d2 > o->size * o->size)
          return false;
        *u = sqrtf (d2) / o->size;
        return true;
      }
    case CLASS_SQUARE:
      return fabsf (px) <= 0.5f * o->size && fabsf (py) <= 0.5f * o->size;
    case CLASS_BAR:
      {
        float dx = cosf (o->angle), dy = sinf (o->angle);
        float along = px * dx + py * dy;
        float across = -px * dy + py * dx;

        return fabsf (along) <= 0.5f * o->size
               && fabsf (across) <= 0.5f * o->thick;
      }
    default:
      return false;
    }
}

/* Bounding box of @o, clipped to the canvas. */
static void
object_bounds (const Object *o,
               const Canvas *cv,
               int          *x0,
               int          *y0,
               int          *x1,
               int          *y1)
{
  float r = o->cls == CLASS_BAR ? 0.5f * o->size + o->thick
            : o->cls == CLASS_SQUARE ? 0.75f * o->size : o->size;

  *x0 = (int) floorf (o->cx - r) - 1;
  *y0 = (int) floorf (o->cy - r) - 1;
  *x1 = (int) ceilf (o->cx + r) + 1;
  *y1 = (int) ceilf (o->cy + r) + 1;
  if (*x0 < 0)
    *x0 = 0;
  if (*y0 < 0)
    *y0 = 0;
  if (*x1 > cv->w)
    *x1 = cv->w;
  if (*y1 > cv->h)
    *y1 = cv->h;
}

static int
object_overlap (const Object *o,
                const Canvas *cv)
{
  int x0, y0, x1, y1, n = 0;
  float u;

  object_bounds (o, cv, &x0, &y0, &x1, &y1);
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      if (cv->lab[y * cv->w + x] != CLASS_BG && object_covers (o, x, y, &u))
        n++;
  return n;
}

/* Paints @o into labels and image; pixel noise comes later. */
static void
object_paint (const Object *o,
              Canvas       *cv)
{
  int x0, y0, x1, y1;
  size_t plane = (size_t) cv->h * cv->w;
  float u;

  object_bounds (o, cv, &x0, &y0, &x1, &y1);
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        size_t p = (size_t) y * cv->w + x;
        float v = o->level;

        if (!object_covers (o, x, y, &u))
          continue;
        if (o->cls == CLASS_DISK)
          v *= 1.0f - 0.3f * u * u;        /* darker rim */
        else if (o->cls == CLASS_SQUARE)
          v += ((x + y + o->phase) & 1) ? 0.07f : -0.07f;

        cv->count[cv->lab[p]]--;
        cv->count[o->cls]++;
        cv->lab[p] = o->cls;
        for (int ch = 0; ch < cv->c; ch++)
          cv->img[ch * plane + p] = v * (cv->c == 3 ? o->tint[ch] : 1.0f);
      }
}

/* A random position keeping disks and squares inside the image; bars may
 * leave it (they are clipped, and counted as painted). */
static void
object_place (Object       *o,
              const Canvas *cv,
              GrRng        *rng)
{
  float margin = o->cls == CLASS_BAR ? 1.0f
                 : o->cls == CLASS_DISK ? o->size : 0.5f * o->size;

  if (2.0f * margin >= (float) cv->w || 2.0f * margin >= (float) cv->h)
    margin = 0.0f;
  o->cx = uniform (rng, margin, (float) cv->w - margin);
  o->cy = uniform (rng, margin, (float) cv->h - margin);
}

static void
object_draw (Object       *o,
             int           cls,
             float         sc,
             float         budget,
             const Canvas *cv,
             GrRng        *rng)
{
  /* Class tints for colour images: disks warm, squares green, bars blue,
   * each jittered per object so hue alone is not decisive either. */
  static const float class_tint[4][3] = {
    { 1.0f, 1.0f, 1.0f },
    { 1.15f, 0.95f, 0.9f },
    { 0.9f, 1.1f, 0.95f },
    { 0.95f, 0.9f, 1.15f },
  };

  o->cls = cls;
  o->thick = 0.0f;
  o->angle = 0.0f;
  o->phase = (int) (gr_rng_u32 (rng) & 1);
  switch (cls)
    {
    case CLASS_DISK:
      o->size = uniform (rng, 2.5f, 6.0f) * sc;
      o->level = uniform (rng, 0.5f, 0.74f);
      break;
    case CLASS_SQUARE:
      o->size = uniform (rng, 4.0f, 10.0f) * sc;
      o->level = uniform (rng, 0.26f, 0.5f);
      break;
    case CLASS_BAR:
    default:
      o->size = uniform (rng, 8.0f, 24.0f) * sc;
      o->thick = (gr_rng_u32 (rng) & 1 ? 1.2f : 2.2f) * (sc > 1.0f ? sc : 1.0f);
      o->angle = uniform (rng, 0.0f, PI_F);
      o->level = uniform (rng, 0.46f, 0.7f);
      break;
    }
  /* A small remaining budget asks for a smaller object (within the
   * class's range), which keeps low shares from overshooting. */
  if (budget < mean_area (cls, sc))
    {
      float f = sqrtf (budget / mean_area (cls, sc));

      if (f < 0.6f)
        f = 0.6f;
      o->size *= f;
    }
  for (int ch = 0; ch < 3; ch++)
    o->tint[ch] = class_tint[cls][ch] + uniform (rng, -0.1f, 0.1f);

  object_place (o, cv, rng);
}

/* A smooth background: a sum of three random plane waves. */
static void
paint_background (Canvas *cv,
                  GrRng  *rng)
{
  size_t plane = (size_t) cv->h * cv->w;
  float fx[3], fy[3], ph[3];
  float offset = uniform (rng, -0.08f, 0.08f);
  float tint[3];

  for (int k = 0; k < 3; k++)
    {
      float cycles = uniform (rng, 0.5f, 3.0f);
      float dir = uniform (rng, 0.0f, 2.0f * PI_F);

      fx[k] = 2.0f * PI_F * cycles * cosf (dir) / (float) cv->w;
      fy[k] = 2.0f * PI_F * cycles * sinf (dir) / (float) cv->h;
      ph[k] = uniform (rng, 0.0f, 2.0f * PI_F);
    }
  for (int ch = 0; ch < 3; ch++)
    tint[ch] = 1.0f + uniform (rng, -0.15f, 0.15f);

  for (int y = 0; y < cv->h; y++)
    for (int x = 0; x < cv->w; x++)
      {
        size_t p = (size_t) y * cv->w + x;
        float s = 0.0f;

        for (int k = 0; k < 3; k++)
          s += sinf (fx[k] * (float) x + fy[k] * (float) y + ph[k]);
        for (int ch = 0; ch < cv->c; ch++)
          cv->img[ch * plane + p] = (0.45f + offset + 0.08f * s)
                                    * (cv->c == 3 ? tint[ch] : 1.0f);
        cv->lab[p] = CLASS_BG;
      }
  memset (cv->count, 0, sizeof cv->count);
  cv->count[CLASS_BG] = (int64_t) plane;
}

GrDataset *
grd_seg_new (const GrdSegParams *params,
             char               *err,
             size_t              err_len)
{
  GrDataset *ds;
  GrShape sample, target;
  GrRng rng, noise_rng;
  Canvas cv;
  float *weight;
  double wsum = 0.0, per_image;
  double painted[4] = { 0 }, goal[4] = { 0 };
  float sc, sigma;
  int n_obj_classes;
  static const char *const names[4] = { "background", "disk", "square",
                                        "bar" };

  if (params == NULL || params->n <= 0)
    {
      grd_error_set (err, err_len, GR_("shapes: the number of images must be > 0"));
      return NULL;
    }
  if (params->height < 16 || params->height > 1024 || params->width < 16
      || params->width > 1024)
    {
      grd_error_set (err, err_len, GR_("shapes: image size %dx%d is outside "
                                       "16..1024"), params->width, params->height);
      return NULL;
    }
  if (params->channels != 1 && params->channels != 3)
    {
      grd_error_set (err, err_len, GR_("shapes: channels must be 1 or 3, not %d"),
                     params->channels);
      return NULL;
    }
  if (params->n_classes != 3 && params->n_classes != 4)
    {
      grd_error_set (err, err_len, GR_("shapes: classes must be 3 or 4, not %d"),
                     params->n_classes);
      return NULL;
    }
  if (!(params->rare_share >= 0.005f && params->rare_share <= 0.5f))
    {
      grd_error_set (err, err_len, GR_("shapes: rare share %g is outside "
                                       "0.005..0.5"), (double) params->rare_share);
      return NULL;
    }
  if (!(params->noise >= 0.0f && params->noise <= 1.0f))
    {
      grd_error_set (err, err_len, GR_("shapes: noise %g is outside 0..1"),
                     (double) params->noise);
      return NULL;
    }

  sample = (GrShape) { 1, params->channels, params->height, params->width };
  target = (GrShape) { 1, 1, params->height, params->width };
  ds = gr_dataset_new ("shapes", sample, params->n, params->n_classes,
                       target);
  weight = malloc ((size_t) params->n * sizeof *weight);
  if (ds == NULL || weight == NULL)
    {
      gr_dataset_free (ds);
      free (weight);
      grd_error_set (err, err_len, GR_("shapes: out of memory"));
      return NULL;
    }
  for (int c = 0; c < params->n_classes; c++)
    strcpy (ds->class_names[c], names[c]);

  n_obj_classes = params->n_classes - 1;
  sc = (float) (params->height < params->width ? params->height
                                                : params->width) / 64.0f;
  sigma = 0.02f + 0.1f * params->noise;
  per_image = (double) params->rare_share * params->height * params->width;

  gr_rng_seed (&rng, params->seed, SEG_STREAM);
  /* Pixel noise has its own stream, so the label maps do not depend on
   * the number of channels. */
  gr_rng_seed (&noise_rng, params->seed, SEG_STREAM + 1);
  /* Per-image budget weights, normalised to a mean of exactly 1 so the
   * set as a whole meets rare_share. */
  for (int i = 0; i < params->n; i++)
    {
      weight[i] = uniform (&rng, 0.3f, 1.7f);
      wsum += weight[i];
    }

  cv.h = params->height;
  cv.w = params->width;
  cv.c = params->channels;
  for (int i = 0; i < params->n; i++)
    {
      size_t plane = (size_t) cv.h * cv.w;
      double share_i = per_image * weight[i] * params->n / wsum;

      cv.img = ds->x + (size_t) i * cv.c * plane;
      cv.lab = ds->labels + (size_t) i * plane;
      paint_background (&cv, &rng);

      for (int c = 1; c <= n_obj_classes; c++)
        goal[c] += share_i / n_obj_classes;

      for (int k = 0; k < MAX_OBJECTS; k++)
        {
          int best = 1;
          double deficit;
          Object o;

          for (int c = 2; c <= n_obj_classes; c++)
            if (goal[c] - painted[c] > goal[best] - painted[best])
              best = c;
          deficit = goal[best] - painted[best];
          /* Leave a deficit smaller than half an object for later images. */
          if (deficit < 0.5 * mean_area (best, sc))
            break;

          object_draw (&o, best, sc, (float) deficit, &cv, &rng);
          for (int t = 1; t < PLACE_TRIES && object_overlap (&o, &cv) > 0; t++)
            object_place (&o, &cv, &rng);
          {
            int64_t before[4];

            memcpy (before, cv.count, sizeof before);
            object_paint (&o, &cv);
            for (int c = 1; c <= n_obj_classes; c++)
              painted[c] += (double) (cv.count[c] - before[c]);
          }
        }

      for (size_t p = 0; p < (size_t) cv.c * plane; p++)
        cv.img[p] = clamp01 (cv.img[p] + sigma * gr_rng_normal (&noise_rng));
    }

  free (weight);
  return ds;
}
