#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gr-dataset.h"

/* A segmentation set from a folder of PNG pairs:
 *
 *   DIR/images/NAME.png   8- or 16-bit grey, grey+alpha, RGB, RGBA or
 *                         palette (any bit depth; alpha is dropped)
 *   DIR/masks/NAME.png    class ids: grey values or palette indices
 *                         (or colours, through a colour map)
 *
 * Pairs match by NAME (the extension ".png" in any case). Every pair is
 * validated; a bad file is recorded in a GrdReport and its pair skipped.
 * Files not ending in .png and names starting with '.' are ignored.
 * libpng never prints: its errors and warnings go to the report. */

typedef enum
{
  GRD_BAD_IO,             /* the file cannot be opened or read */
  GRD_BAD_NOT_PNG,        /* no PNG signature (garbage, another format) */
  GRD_BAD_TRUNCATED,      /* the file ends before the PNG does */
  GRD_BAD_CORRUPT,        /* libpng rejected the data (CRC, zlib, header) */
  GRD_BAD_UNSUPPORTED,    /* too large, or a colour mask without colour map */
  GRD_BAD_SIZE_MISMATCH,  /* the mask's size differs from its image's */
  GRD_BAD_CLASS_RANGE,    /* a class id out of range, or an unmapped colour */
  GRD_BAD_NO_MASK,        /* an image without a mask */
  GRD_BAD_NO_IMAGE,       /* a mask without an image */
  GRD_BAD_TOO_SMALL,      /* smaller than the center-crop size */
} GrdBadReason;

typedef struct
{
  char         *path;     /* the bad file, "DIR/images/NAME.png"; owned */
  GrdBadReason  reason;   /* what is wrong, for code */
  char         *message;  /* what is wrong, for people; owned */
} GrdReportEntry;

/* What a loader rejected. Owned by the caller; free with
 * grd_report_free (). */
typedef struct
{
  GrdReportEntry *entries;    /* (n_entries), in folder order */
  int             n_entries;
  int             n_loaded;   /* pairs that made it into the data set */
} GrdReport;

/* Frees @report and its entries; NULL is fine. */
void        grd_report_free          (GrdReport    *report);
/* A short name of @reason ("truncated PNG"...), translated; static. */
const char *grd_bad_reason_to_string (GrdBadReason  reason);
/* The first entry about @path (compared with strcmp), or NULL. */
const GrdReportEntry *grd_report_find (const GrdReport *report,
                                       const char      *path);

typedef enum
{
  GRD_FIT_RESIZE,  /* scale to the size: bilinear images, nearest masks */
  GRD_FIT_CROP,    /* cut the centre; smaller pairs are rejected */
} GrdFit;

/* One colour → class rule for colour masks. */
typedef struct
{
  uint8_t  r, g, b;   /* the colour in the mask */
  int32_t  class_id;  /* its class, 0..n_classes-1 */
} GrdColorClass;

typedef struct
{
  int                  n_classes;     /* > 0: ids >= n_classes are bad; 0:
                                       * max id + 1 over valid masks (at
                                       * least 2, ids <= GR_MAX_CLASSES-1) */
  int                  channels;      /* 1 or 3; 0: 3 if any image has
                                       * colour, else 1 */
  int                  width;         /* output size; 0 and 0: the size of */
  int                  height;        /* the first valid pair */
  GrdFit               fit;           /* how other sizes reach it */
  int                  mask_ignore;   /* mask value meaning "no label"
                                       * (e.g. 255), kept as
                                       * ds->ignore_label; < 0 for none */
  const GrdColorClass *color_map;     /* NULL: mask values are ids */
  int                  n_colors;      /* entries of @color_map */
  float                augment_shift; /* > 0: ds->augment =
                                       * grd_augment_flip_shift with this
                                       * shift; 0: no augmentation */
} GrdPngOptions;

/* Defaults: everything inferred, GRD_FIT_RESIZE, no ignore value, no
 * colour map, no augmentation. */
void       grd_png_options_init (GrdPngOptions       *opt);

/* Loads the folder @dir (see above). Images become floats in [0, 1]
 * (colour to grey by Rec. 601 luma, grey to colour by repetition);
 * sample shape (1, C, H, W); labels (n, H, W); pairs in name order.
 * @opt may be NULL for the defaults. If @report is not NULL, *report
 * receives a new GrdReport (also on failure, when it could be made).
 * Returns a new data set named after the folder, or NULL with a message
 * in @err: a folder without images/ or masks/, bad options, or no valid
 * pair ("DIR: no valid image/mask pair ..."). */
GrDataset *grd_png_folder_load  (const char          *dir,
                                 const GrdPngOptions *opt,
                                 GrdReport          **report,
                                 char                *err,
                                 size_t               err_len);
