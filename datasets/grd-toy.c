#include "grd-toy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gr-i18n.h"
#include "grd-util.h"

#define PI_F     3.14159265358979323846f
#define TOY_STREAM     UINT64_C (0x70f)
#define REGRESS_STREAM UINT64_C (0x5e9)
/* CSV files of points are small; this only stops a wrong file choice
 * from eating memory. */
#define CSV_MAX_BYTES  ((size_t) 64 << 20)

static const char *const toy_names[GRD_TOY_N_KINDS] = {
  "spiral", "circles", "xor", "gauss",
};

static const char *const feature_names[GRD_TOY_N_FEATURES] = {
  "x1", "x2", "x1²", "x2²", "x1·x2", "sin(πx1)", "sin(πx2)",
};

const char *
grd_toy_kind_name (GrdToyKind kind)
{
  if ((int) kind < 0 || kind >= GRD_TOY_N_KINDS)
    return NULL;
  return toy_names[kind];
}

int
grd_toy_kind_from_name (const char *name)
{
  if (name == NULL)
    return -1;
  for (int k = 0; k < GRD_TOY_N_KINDS; k++)
    if (strcmp (name, toy_names[k]) == 0)
      return k;
  return -1;
}

static unsigned
features_or_default (unsigned features)
{
  features &= GRD_FEAT_ALL;
  return features == 0 ? GRD_FEAT_DEFAULT : features;
}

int
grd_toy_features_count (unsigned features)
{
  unsigned f = features_or_default (features);
  int n = 0;

  for (int b = 0; b < GRD_TOY_N_FEATURES; b++)
    if (f & (1u << b))
      n++;
  return n;
}

const char *
grd_toy_feature_name (unsigned feature)
{
  for (int b = 0; b < GRD_TOY_N_FEATURES; b++)
    if (feature == (1u << b))
      return feature_names[b];
  return NULL;
}

void
grd_toy_features_map (unsigned     features,
                      const float *x1,
                      const float *x2,
                      int          n,
                      float       *out)
{
  unsigned f = features_or_default (features);
  int nf = grd_toy_features_count (f);

  for (int i = 0; i < n; i++)
    {
      float a = x1[i], b = x2[i];
      float *row = out + (size_t) i * nf;
      int k = 0;

      if (f & GRD_FEAT_X1)
        row[k++] = a;
      if (f & GRD_FEAT_X2)
        row[k++] = b;
      if (f & GRD_FEAT_X1_SQ)
        row[k++] = a * a;
      if (f & GRD_FEAT_X2_SQ)
        row[k++] = b * b;
      if (f & GRD_FEAT_X1_X2)
        row[k++] = a * b;
      if (f & GRD_FEAT_SIN_X1)
        row[k++] = sinf (PI_F * a);
      if (f & GRD_FEAT_SIN_X2)
        row[k++] = sinf (PI_F * b);
    }
}

bool
grd_toy_points (const GrDataset *ds,
                unsigned         features,
                float           *x1,
                float           *x2)
{
  unsigned f = features_or_default (features);
  int nf = grd_toy_features_count (f);

  if (ds == NULL || (f & GRD_FEAT_DEFAULT) != GRD_FEAT_DEFAULT
      || (int) gr_shape_sample_size (ds->sample) != nf)
    return false;
  /* x1 and x2 are the lowest bits, hence always columns 0 and 1. */
  for (int i = 0; i < ds->n; i++)
    {
      x1[i] = ds->x[(size_t) i * nf];
      x2[i] = ds->x[(size_t) i * nf + 1];
    }
  return true;
}

/* An empty data set of @n points with @features and @n_classes labels. */
static GrDataset *
toy_alloc (const char *name,
           int         n,
           int         n_classes,
           unsigned    features)
{
  GrShape sample = { 1, grd_toy_features_count (features), 1, 1 };
  GrShape target = { 1, 1, 1, 1 };
  GrDataset *ds = gr_dataset_new (name, sample, n, n_classes, target);

  if (ds == NULL)
    return NULL;
  for (int c = 0; c < n_classes && c < 8; c++)
    snprintf (ds->class_names[c], sizeof ds->class_names[c], "class %d", c);
  return ds;
}

/* One raw point of toy @kind with label @label; @k of @n_class is the
 * sample's rank within its class (the spiral walks along its arm). */
static void
toy_point (GrdToyKind  kind,
           float       noise,
           int         label,
           int         k,
           int         n_class,
           GrRng      *rng,
           float      *x,
           float      *y)
{
  float sigma;

  switch (kind)
    {
    case GRD_TOY_SPIRAL:
      {
        float t = n_class > 0 ? (float) k / (float) n_class : 0.0f;
        float r = t * (5.0f / 6.0f);
        float angle = 1.75f * t * 2.0f * PI_F + (float) label * PI_F;

        sigma = 0.08f * noise;
        *x = r * sinf (angle) + sigma * gr_rng_normal (rng);
        *y = r * cosf (angle) + sigma * gr_rng_normal (rng);
      }
      break;

    case GRD_TOY_CIRCLES:
      {
        float r = label == 0 ? 0.5f * gr_rng_uniform (rng)
                             : 0.7f + 0.3f * gr_rng_uniform (rng);
        float angle = 2.0f * PI_F * gr_rng_uniform (rng);

        sigma = 0.1f * noise;
        *x = r * sinf (angle) + sigma * gr_rng_normal (rng);
        *y = r * cosf (angle) + sigma * gr_rng_normal (rng);
      }
      break;

    case GRD_TOY_XOR:
      {
        float s = (gr_rng_u32 (rng) & 1) ? 1.0f : -1.0f;
        float a = 0.05f + 0.95f * gr_rng_uniform (rng);
        float b = 0.05f + 0.95f * gr_rng_uniform (rng);

        sigma = 0.15f * noise;
        *x = s * a + sigma * gr_rng_normal (rng);
        *y = (label == 0 ? s : -s) * b + sigma * gr_rng_normal (rng);
      }
      break;

    case GRD_TOY_GAUSS:
      {
        float c = label == 0 ? 0.35f : -0.35f;

        sigma = 0.12f + 0.28f * noise;
        *x = c + sigma * gr_rng_normal (rng);
        *y = c + sigma * gr_rng_normal (rng);
      }
      break;

    case GRD_TOY_N_KINDS:
    default:
      *x = *y = 0.0f;
      break;
    }
}

GrDataset *
grd_toy_new (GrdToyKind          kind,
             const GrdToyParams *params,
             char               *err,
             size_t              err_len)
{
  GrDataset *ds;
  GrRng rng;
  float *x1, *x2;
  float noise;
  int n_class[2];

  if ((int) kind < 0 || kind >= GRD_TOY_N_KINDS)
    {
      grd_error_set (err, err_len, GR_("unknown toy data set %d"), (int) kind);
      return NULL;
    }
  if (params == NULL || params->n <= 0)
    {
      grd_error_set (err, err_len, GR_("%s: the number of samples must be > 0"),
                     toy_names[kind]);
      return NULL;
    }
  if (!(params->noise >= 0.0f && params->noise <= 1.0f))
    {
      grd_error_set (err, err_len, GR_("%s: noise %g is outside 0..1"),
                     toy_names[kind], (double) params->noise);
      return NULL;
    }

  ds = toy_alloc (toy_names[kind], params->n, 2, params->features);
  x1 = malloc ((size_t) params->n * sizeof *x1);
  x2 = malloc ((size_t) params->n * sizeof *x2);
  if (ds == NULL || x1 == NULL || x2 == NULL)
    {
      grd_error_set (err, err_len, GR_("%s: out of memory"), toy_names[kind]);
      gr_dataset_free (ds);
      free (x1);
      free (x2);
      return NULL;
    }

  noise = params->noise;
  n_class[0] = (params->n + 1) / 2;
  n_class[1] = params->n / 2;
  gr_rng_seed (&rng, params->seed, TOY_STREAM + (uint64_t) kind);
  for (int i = 0; i < params->n; i++)
    {
      int label = i & 1;

      toy_point (kind, noise, label, i / 2, n_class[label], &rng,
                 &x1[i], &x2[i]);
      ds->labels[i] = label;
    }
  grd_toy_features_map (params->features, x1, x2, ds->n, ds->x);
  free (x1);
  free (x2);
  return ds;
}

GrDataset *
grd_toy_spiral (const GrdToyParams *params,
                char               *err,
                size_t              err_len)
{
  return grd_toy_new (GRD_TOY_SPIRAL, params, err, err_len);
}

GrDataset *
grd_toy_circles (const GrdToyParams *params,
                 char               *err,
                 size_t              err_len)
{
  return grd_toy_new (GRD_TOY_CIRCLES, params, err, err_len);
}

GrDataset *
grd_toy_xor (const GrdToyParams *params,
             char               *err,
             size_t              err_len)
{
  return grd_toy_new (GRD_TOY_XOR, params, err, err_len);
}

GrDataset *
grd_toy_gauss (const GrdToyParams *params,
               char               *err,
               size_t              err_len)
{
  return grd_toy_new (GRD_TOY_GAUSS, params, err, err_len);
}

GrDataset *
grd_toy_from_points (const float   *x1,
                     const float   *x2,
                     const int32_t *labels,
                     int            n,
                     int            n_classes,
                     unsigned       features,
                     char          *err,
                     size_t         err_len)
{
  GrDataset *ds;
  int max_label = 0;

  if (n <= 0 || x1 == NULL || x2 == NULL || labels == NULL)
    {
      grd_error_set (err, err_len, GR_("points: no points"));
      return NULL;
    }
  if (n_classes < 0 || n_classes > GR_MAX_CLASSES)
    {
      grd_error_set (err, err_len,
                     GR_("points: number of classes %d is outside 0..%d"),
                     n_classes, GR_MAX_CLASSES);
      return NULL;
    }
  for (int i = 0; i < n; i++)
    {
      int limit = n_classes > 0 ? n_classes : GR_MAX_CLASSES;

      if (!isfinite (x1[i]) || !isfinite (x2[i]))
        {
          grd_error_set (err, err_len,
                         GR_("points: point %d has a non-finite coordinate"), i);
          return NULL;
        }
      if (labels[i] < 0 || labels[i] >= limit)
        {
          grd_error_set (err, err_len,
                         GR_("points: point %d has label %d, outside 0..%d"), i,
                         (int) labels[i], limit - 1);
          return NULL;
        }
      if (labels[i] > max_label)
        max_label = labels[i];
    }
  if (n_classes == 0)
    n_classes = max_label + 1 < 2 ? 2 : max_label + 1;

  ds = toy_alloc ("points", n, n_classes, features);
  if (ds == NULL)
    {
      grd_error_set (err, err_len, GR_("points: out of memory"));
      return NULL;
    }
  memcpy (ds->labels, labels, (size_t) n * sizeof *labels);
  grd_toy_features_map (features, x1, x2, n, ds->x);
  return ds;
}

/* Growing arrays of parsed points. */
typedef struct
{
  float   *x1;
  float   *x2;
  int32_t *labels;
  int      n;
  int      cap;
} PointList;

static bool
point_list_push (PointList *p,
                 float      a,
                 float      b,
                 int32_t    label)
{
  if (p->n == p->cap)
    {
      int ncap = p->cap == 0 ? 256 : p->cap * 2;
      float *n1, *n2;
      int32_t *nl;

      if (p->cap > (1 << 27))
        return false;
      n1 = realloc (p->x1, (size_t) ncap * sizeof *n1);
      if (n1 == NULL)
        return false;
      p->x1 = n1;
      n2 = realloc (p->x2, (size_t) ncap * sizeof *n2);
      if (n2 == NULL)
        return false;
      p->x2 = n2;
      nl = realloc (p->labels, (size_t) ncap * sizeof *nl);
      if (nl == NULL)
        return false;
      p->labels = nl;
      p->cap = ncap;
    }
  p->x1[p->n] = a;
  p->x2[p->n] = b;
  p->labels[p->n] = label;
  p->n++;
  return true;
}

static void
point_list_clear (PointList *p)
{
  free (p->x1);
  free (p->x2);
  free (p->labels);
  memset (p, 0, sizeof *p);
}

/* Splits [line, line + len) at commas into at most @max fields; returns
 * the number of fields found (which may exceed @max: the count goes on). */
static int
split_fields (const char  *line,
              size_t       len,
              const char **field,
              size_t      *flen,
              int          max)
{
  int nf = 0;
  size_t start = 0;

  for (size_t i = 0; i <= len; i++)
    {
      if (i == len || line[i] == ',')
        {
          if (nf < max)
            {
              field[nf] = line + start;
              flen[nf] = i - start;
            }
          nf++;
          start = i + 1;
        }
    }
  return nf;
}

static bool
line_is_blank (const char *line,
               size_t      len)
{
  for (size_t i = 0; i < len; i++)
    if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
      return false;
  return true;
}

GrDataset *
grd_toy_parse_csv (const char *text,
                   size_t      len,
                   const char *source,
                   int         n_classes,
                   unsigned    features,
                   char       *err,
                   size_t      err_len)
{
  PointList pts = { 0 };
  GrDataset *ds = NULL;
  size_t pos = 0;
  int lineno = 0;
  bool first = true;
  int limit;

  if (source == NULL)
    source = "points";
  if (text == NULL && len > 0)
    {
      grd_error_set (err, err_len, GR_("%s: no text"), source);
      return NULL;
    }
  if (n_classes < 0 || n_classes > GR_MAX_CLASSES)
    {
      grd_error_set (err, err_len,
                     GR_("%s: number of classes %d is outside 0..%d"), source,
                     n_classes, GR_MAX_CLASSES);
      return NULL;
    }
  limit = n_classes > 0 ? n_classes : GR_MAX_CLASSES;

  while (pos < len)
    {
      const char *line = text + pos;
      const char *nl = memchr (line, '\n', len - pos);
      size_t llen = nl != NULL ? (size_t) (nl - line) : len - pos;
      const char *field[3];
      size_t flen[3];
      double v[3];
      char q[40];
      int nf;

      pos += llen + (nl != NULL ? 1 : 0);
      lineno++;
      if (llen > 0 && line[llen - 1] == '\r')
        llen--;
      if (line_is_blank (line, llen))
        continue;
      {
        size_t k = 0;

        while (k < llen && (line[k] == ' ' || line[k] == '\t'))
          k++;
        if (line[k] == '#')
          continue;
      }

      nf = split_fields (line, llen, field, flen, 3);
      /* A first line that does not start with a number is a header. */
      if (first)
        {
          first = false;
          if (!grd_parse_double (field[0], flen[0], &v[0]))
            continue;
        }
      if (nf != 3)
        {
          grd_error_set (err, err_len,
                         GR_("%s:%d: expected 3 fields (x1,x2,label), found %d"),
                         source, lineno, nf);
          goto out;
        }
      for (int f = 0; f < 2; f++)
        if (!grd_parse_double (field[f], flen[f], &v[f])
            || fabs (v[f]) > 1e30)
          {
            grd_error_set (err, err_len,
                           GR_("%s:%d: field %d '%s' is not a number"), source,
                           lineno, f + 1, grd_quote (field[f], flen[f], q,
                                                     sizeof q));
            goto out;
          }
      if (!grd_parse_double (field[2], flen[2], &v[2])
          || v[2] != floor (v[2]) || v[2] < 0.0 || v[2] >= (double) limit)
        {
          grd_error_set (err, err_len,
                         GR_("%s:%d: field 3 '%s' is not a class label (0..%d)"),
                         source, lineno,
                         grd_quote (field[2], flen[2], q, sizeof q),
                         limit - 1);
          goto out;
        }
      if (!point_list_push (&pts, (float) v[0], (float) v[1], (int32_t) v[2]))
        {
          grd_error_set (err, err_len, GR_("%s:%d: too many points or out of "
                                           "memory"), source, lineno);
          goto out;
        }
    }

  if (pts.n == 0)
    {
      grd_error_set (err, err_len, GR_("%s: no points"), source);
      goto out;
    }
  ds = grd_toy_from_points (pts.x1, pts.x2, pts.labels, pts.n, n_classes,
                            features, err, err_len);

out:
  point_list_clear (&pts);
  return ds;
}

GrDataset *
grd_toy_load_csv (const char *path,
                  int         n_classes,
                  unsigned    features,
                  char       *err,
                  size_t      err_len)
{
  char *text;
  size_t len;
  GrDataset *ds;

  if (path == NULL)
    {
      grd_error_set (err, err_len, GR_("no file name"));
      return NULL;
    }
  if (!grd_read_file (path, CSV_MAX_BYTES, &text, &len, err, err_len))
    return NULL;
  ds = grd_toy_parse_csv (text, len, path, n_classes, features, err,
                          err_len);
  free (text);
  return ds;
}

float
grd_regress_truth (float x)
{
  return sinf (3.0f * x) + 0.3f * x;
}

GrDataset *
grd_regress_new (const GrdRegressParams *params,
                 char                   *err,
                 size_t                  err_len)
{
  GrShape one = { 1, 1, 1, 1 };
  GrDataset *ds;
  GrRng rng;

  if (params == NULL || params->n <= 0)
    {
      grd_error_set (err, err_len, GR_("sine: the number of samples must be > 0"));
      return NULL;
    }
  if (!(params->noise >= 0.0f && params->noise <= 1.0f))
    {
      grd_error_set (err, err_len, GR_("sine: noise %g is outside 0..1"),
                     (double) params->noise);
      return NULL;
    }
  ds = gr_dataset_new ("sine", one, params->n, 0, one);
  if (ds == NULL)
    {
      grd_error_set (err, err_len, GR_("sine: out of memory"));
      return NULL;
    }

  gr_rng_seed (&rng, params->seed, REGRESS_STREAM);
  for (int i = 0; i < params->n; i++)
    {
      float x = -2.0f + 4.0f * gr_rng_uniform (&rng);

      ds->x[i] = x;
      ds->values[i] = grd_regress_truth (x)
                      + 0.3f * params->noise * gr_rng_normal (&rng);
    }
  return ds;
}
