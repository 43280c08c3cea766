/* gradlab-seg-lab.h: the segmentation lab's views and their worker sampler
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gr-geometry.h"
#include "gr-loss.h"
#include "gradlab-experiment.h"
#include "gradlab-trainer.h"

G_BEGIN_DECLS

/* Validation images shown in the mask view; predictions are refreshed
 * on the worker every GRADLAB_SEG_EVERY steps (and when the run pauses). */
#define GRADLAB_SEG_SAMPLES 6
#define GRADLAB_SEG_EVERY   20

/**
 * GradlabSegSnapshot:
 *
 * What the worker sampled for the segmentation and receptive-field labs:
 * a few fixed validation images with their predictions, the network's
 * geometry, the class frequencies and loss configuration in force, and
 * the effective receptive field of the last requested pixel. A copy the
 * UI owns.
 */
typedef struct
{
  gint64        step;          /* the step after which it was sampled */
  int           n_samples;     /* K */
  int           channels;      /* C */
  int           height;        /* H */
  int           width;         /* W */
  int           n_classes;     /* classes of the output */
  float        *images;        /* (K, C, H, W) */
  int32_t      *truth;         /* (K, H, W) */
  int32_t      *pred;          /* (K, H, W), or NULL if the output does not fit */
  float        *probs;         /* (K, n_classes, H, W), or NULL */
  char          class_names[GR_MAX_CLASSES][16];
  float         class_freq[GR_MAX_CLASSES];  /* of the training set */
  char          data_name[64]; /* the training set's name */
  int           n_train;       /* its samples */
  GrLossConfig  loss;          /* the loss in force, class weights resolved */
  GrGeometry   *geometry;      /* of the network */
  GrLayerSpec  *specs;         /* (geometry->n_rows) node specs; [0] is the input */
  int           erf_sample;    /* -1 = no effective receptive field */
  int           erf_x;
  int           erf_y;
  float        *erf;           /* (H, W) |d logit / d input| */
  guint         erf_serial;    /* bumped by each new field */
} GradlabSegSnapshot;

void gradlab_seg_snapshot_free (GradlabSegSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GradlabSegSnapshot, gradlab_seg_snapshot_free)

typedef struct _GradlabSegSampler GradlabSegSampler;

/* Starts sampling the runs of @trainer (a worker hook). Free with
 * gradlab_seg_sampler_free (), which removes the hook. */
GradlabSegSampler  *gradlab_seg_sampler_new         (GradlabTrainer    *trainer);
void                gradlab_seg_sampler_free        (GradlabSegSampler *sampler);
/* Asks the worker for the effective receptive field of output pixel
 * (@x, @y) of sample @sample; computed between steps, even when paused. */
void                gradlab_seg_sampler_request_erf (GradlabSegSampler *sampler,
                                                     int                sample,
                                                     int                x,
                                                     int                y);
/* A copy of the latest snapshot if it changed since *@serial (updated),
 * else NULL. */
GradlabSegSnapshot *gradlab_seg_sampler_dup         (GradlabSegSampler *sampler,
                                                     guint             *serial);

/* The receptive field side of the network's output in input pixels, and
 * the input pixel at the centre of output pixel (@x, @y). FALSE if there
 * is no geometry or the field is global. */
gboolean            gradlab_seg_snapshot_field      (const GradlabSegSnapshot *snap,
                                                     int                x,
                                                     int                y,
                                                     int               *cx,
                                                     int               *cy,
                                                     int               *rf);

/* An experiment for lab @lab_id ("segmentation" or "receptive-field")
 * used when no preset of the lab is installed, or NULL for other labs. */
GradlabExperiment  *gradlab_seg_lab_default_experiment (const char     *lab_id);

/* Shows the files an image/mask folder loader skipped, one row each
 * with its reason. @warnings are "PATH: reason" lines. Returns the
 * dialog (owned by GTK; presented). */
GtkWidget          *gradlab_bad_files_dialog_show   (GtkWindow         *parent,
                                                     const char        *dir,
                                                     const char *const *warnings);

#define GRADLAB_TYPE_SEG_LAB (gradlab_seg_lab_get_type ())

G_DECLARE_FINAL_TYPE (GradlabSegLab, gradlab_seg_lab, GRADLAB, SEG_LAB, AdwBin)

GtkWidget  *gradlab_seg_lab_new           (GradlabTrainer *trainer);
/* Pulls new history rows and the latest predictions now. TRUE if a view
 * changed. */
gboolean    gradlab_seg_lab_update        (GradlabSegLab  *self);
/* The parts, for tests: the mask view, the per-class IoU chart, the
 * pixel accuracy / mIoU chart, the class frequency chart. */
GtkWidget  *gradlab_seg_lab_get_mask_view (GradlabSegLab  *self);
GtkWidget  *gradlab_seg_lab_get_iou_chart (GradlabSegLab  *self);
GtkWidget  *gradlab_seg_lab_get_acc_chart (GradlabSegLab  *self);
GtkWidget  *gradlab_seg_lab_get_freq_chart (GradlabSegLab *self);
/* Event markers put on the IoU chart so far. */
guint       gradlab_seg_lab_get_n_markers (GradlabSegLab  *self);
/* Evaluations appended so far. */
gint64      gradlab_seg_lab_get_n_evals   (GradlabSegLab  *self);

G_END_DECLS
