/* gradlab-lab.h: the labs of the app: what each one loads and shows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  GRADLAB_VIEW_LOSS       = 1 << 0,  /* train / validation loss, gap, best val */
  GRADLAB_VIEW_ACCURACY   = 1 << 1,  /* train / validation accuracy */
  GRADLAB_VIEW_GRAD_STRIP = 1 << 2,  /* layer x step gradient-norm strip */
  GRADLAB_VIEW_LAYER_BARS = 1 << 3,  /* gradient norm and update ratio per layer */
  GRADLAB_VIEW_HEALTH     = 1 << 4,  /* dead / saturated shares, histogram */
  GRADLAB_VIEW_SURFACE    = 1 << 5,  /* decision surface with the points */
  GRADLAB_VIEW_NEURONS    = 1 << 6,  /* hidden-unit thumbnails */
  /* Options of the views above. */
  GRADLAB_VIEW_OPT_ACT_SCALE = 1 << 8,  /* layer bars: activation scale, not update ratio */
  GRADLAB_VIEW_OPT_LOG_LOSS  = 1 << 9,  /* loss chart starts on a log axis */
  /* Whole-lab panels (gradlab-seg-lab.c, gradlab-rf-lab.c). */
  GRADLAB_VIEW_SEGMENTATION  = 1 << 12, /* masks, per-class IoU, class frequency, acc vs mIoU */
  GRADLAB_VIEW_RECEPTIVE_FIELD = 1 << 13, /* layer table, fields of a clicked pixel, comparisons */
} GradlabViewFlags;

typedef struct
{
  const char        *id;           /* "playground": the experiment files' "lab" */
  const char        *title;        /* N_() */
  const char        *subtitle;     /* N_() one line for the sidebar */
  const char        *icon;         /* symbolic icon name */
  const char        *preset;       /* preferred preset name */
  GradlabViewFlags   views;
  const char *const *knobs;        /* knob keys shown, NULL-terminated */
  const char        *explanation;  /* N_() Pango markup, claims to check on screen */
} GradlabLab;

/* The labs in sidebar order; @n_labs receives their number. */
const GradlabLab *gradlab_labs      (guint      *n_labs);
/* The lab with id @id, or NULL. */
const GradlabLab *gradlab_lab_find  (const char *id);

G_END_DECLS
