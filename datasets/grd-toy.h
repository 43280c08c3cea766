#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gr-dataset.h"

/* Two-dimensional toy classification sets in the manner of TensorFlow
 * Playground, and a one-dimensional regression set.
 *
 * Scale: raw points (x1, x2) lie at unit scale, roughly within [-1, 1]
 * (Playground's [-6, 6] divided by six). Every generator returns exactly
 * ceil(n/2) samples of class 0 and floor(n/2) of class 1, interleaved
 * (sample i has label i % 2), and draws only from a GrRng seeded from
 * params->seed: same seed, same bytes. */

typedef enum
{
  GRD_TOY_SPIRAL,   /* two interleaved arms, 1.75 turns each */
  GRD_TOY_CIRCLES,  /* class 0: disc r < 0.5; class 1: ring 0.7 < r < 1 */
  GRD_TOY_XOR,      /* class 0: quadrants I and III; class 1: II and IV */
  GRD_TOY_GAUSS,    /* class 0 around (0.35, 0.35), class 1 around -(0.35, 0.35) */
  GRD_TOY_N_KINDS
} GrdToyKind;

/* Input features of a toy sample, Playground's list. A set built with
 * mask m has sample shape (1, grd_toy_features_count (m), 1, 1), the
 * features in the order of the bits below. */
typedef enum
{
  GRD_FEAT_X1     = 1 << 0,  /* x1 */
  GRD_FEAT_X2     = 1 << 1,  /* x2 */
  GRD_FEAT_X1_SQ  = 1 << 2,  /* x1² */
  GRD_FEAT_X2_SQ  = 1 << 3,  /* x2² */
  GRD_FEAT_X1_X2  = 1 << 4,  /* x1·x2 */
  GRD_FEAT_SIN_X1 = 1 << 5,  /* sin (π x1): one period over [-1, 1], so
                              * not nearly linear as sin x would be */
  GRD_FEAT_SIN_X2 = 1 << 6,  /* sin (π x2) */
  GRD_FEAT_DEFAULT = GRD_FEAT_X1 | GRD_FEAT_X2,
  GRD_FEAT_ALL     = 0x7f,
} GrdToyFeatures;

#define GRD_TOY_N_FEATURES 7

typedef struct
{
  int       n;         /* samples, > 0 */
  float     noise;     /* 0..1; see grd_toy_new () for the scale per set */
  uint64_t  seed;      /* the only source of randomness */
  unsigned  features;  /* GrdToyFeatures mask; 0 means GRD_FEAT_DEFAULT */
} GrdToyParams;

/* Builds toy set @kind with @params->n samples. Noise is positional
 * Gaussian jitter (labels never change): standard deviation 0.08·noise for
 * the spiral (arms are about 0.24 apart), 0.1·noise for circles (gap 0.2),
 * 0.15·noise for xor (points keep 0.05 away from the axes before jitter);
 * for gauss noise widens the clusters, σ = 0.12 + 0.28·noise.
 * Returns a new data set (free with gr_dataset_free ()), or NULL with a
 * message in @err. */
GrDataset  *grd_toy_new             (GrdToyKind          kind,
                                     const GrdToyParams *params,
                                     char               *err,
                                     size_t              err_len);
/* Shorthands for grd_toy_new (); same ownership and failure value. */
GrDataset  *grd_toy_spiral          (const GrdToyParams *params,
                                     char               *err,
                                     size_t              err_len);
GrDataset  *grd_toy_circles         (const GrdToyParams *params,
                                     char               *err,
                                     size_t              err_len);
GrDataset  *grd_toy_xor             (const GrdToyParams *params,
                                     char               *err,
                                     size_t              err_len);
GrDataset  *grd_toy_gauss           (const GrdToyParams *params,
                                     char               *err,
                                     size_t              err_len);

/* "spiral", "circles", "xor", "gauss"; a static string, NULL for a bad
 * kind. */
const char *grd_toy_kind_name       (GrdToyKind          kind);
/* The kind named @name, or -1 if there is none. */
int         grd_toy_kind_from_name  (const char         *name);

/* Number of features (set bits) in @features; 0 means GRD_FEAT_DEFAULT,
 * so the result is 2 for 0. */
int         grd_toy_features_count  (unsigned            features);
/* Short label of single feature bit @feature ("x1", "x1²", "sin(πx1)"...);
 * a static string, NULL if @feature is not one bit of GRD_FEAT_ALL. */
const char *grd_toy_feature_name    (unsigned            feature);
/* Maps raw points (x1[i], x2[i]), i < n, to feature rows: @out receives
 * (n, grd_toy_features_count (features)) floats. The app uses it for
 * decision-surface grids and clicked points. Nothing is allocated. */
void        grd_toy_features_map    (unsigned            features,
                                     const float        *x1,
                                     const float        *x2,
                                     int                 n,
                                     float              *out);

/* Recovers the raw points of a toy set: writes x1[i], x2[i] for every
 * sample of @ds, which must have been built with @features containing
 * GRD_FEAT_X1 and GRD_FEAT_X2 (or 0). Returns false otherwise. */
bool        grd_toy_points          (const GrDataset    *ds,
                                     unsigned            features,
                                     float              *x1,
                                     float              *x2);

/* Builds a toy set from caller points: @n > 0 points, labels in
 * [0, n_classes). @n_classes == 0 infers max label + 1 (at least 2);
 * at most GR_MAX_CLASSES. Coordinates must be finite. Returns a new data
 * set named "points", or NULL with a message naming the bad point. */
GrDataset  *grd_toy_from_points     (const float        *x1,
                                     const float        *x2,
                                     const int32_t      *labels,
                                     int                 n,
                                     int                 n_classes,
                                     unsigned            features,
                                     char               *err,
                                     size_t              err_len);

/* Parses CSV text of `x1,x2,label` lines (@text of @len bytes; need not
 * be terminated). A first line whose fields are not numbers is a header;
 * blank lines and lines starting with '#' are skipped; fields may be
 * padded with blanks; CRLF is fine. @source names the text in messages,
 * e.g. "points.csv:14: field 3 'abc' is not a class label".
 * @n_classes and @features as in grd_toy_from_points (). Returns a new
 * data set, or NULL with such a message. */
GrDataset  *grd_toy_parse_csv       (const char         *text,
                                     size_t              len,
                                     const char         *source,
                                     int                 n_classes,
                                     unsigned            features,
                                     char               *err,
                                     size_t              err_len);
/* Reads the file at @path and parses it as grd_toy_parse_csv () with
 * @path as the source name. Returns a new data set, or NULL with a
 * message (I/O errors name the file and the system's reason). */
GrDataset  *grd_toy_load_csv        (const char         *path,
                                     int                 n_classes,
                                     unsigned            features,
                                     char               *err,
                                     size_t              err_len);

typedef struct
{
  int       n;      /* samples, > 0 */
  float     noise;  /* 0..1: Gaussian noise of σ = 0.3·noise on y */
  uint64_t  seed;   /* the only source of randomness */
} GrdRegressParams;

/* The noiseless target of the regression set: sin (3x) + 0.3x. */
float       grd_regress_truth       (float               x);
/* The regression set: x uniform in [-2, 2], y = grd_regress_truth (x) +
 * noise; sample shape (1, 1, 1, 1), n_classes 0, target_shape
 * (1, 1, 1, 1), targets in ds->values. Returns a new data set named
 * "sine", or NULL with a message in @err. */
GrDataset  *grd_regress_new         (const GrdRegressParams *params,
                                     char               *err,
                                     size_t              err_len);
