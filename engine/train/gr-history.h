#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../nn/gr-net.h"

/* The metric history of a run: the worker appends after each step, readers
 * (the UI at <= 30 Hz, the runner at the end) copy out under the lock.
 * Scalar series keep every step (chunked, so an append never moves old
 * rows); per-layer probes keep a bounded, evenly thinned record. */

#define GR_HISTORY_MAX_LAYERS  64
#define GR_EVENT_TEXT_LEN      160
#define GR_HIST_BINS           48

typedef struct
{
  int64_t step;            /* 1-based index of the step */
  int64_t epoch;           /* completed epochs before this step */
  float   loss;            /* training loss of the batch (incl. no L2 term) */
  float   acc;             /* training accuracy of the batch; NaN for regression */
  float   lr;              /* learning rate used */
  float   grad_norm;       /* global gradient norm the optimizer used */
  float   grad_norm_raw;   /* the same before clipping */
  int     batch;           /* batch size used */
} GrStepRecord;

typedef struct
{
  int64_t step;            /* step after which the evaluation ran */
  int64_t epoch;
  float   train_loss;      /* eval-mode loss over the training set (or a sample of it) */
  float   train_acc;
  float   val_loss;        /* over the validation set */
  float   val_acc;
  float   pixel_acc;       /* segmentation: pixel accuracy; NaN otherwise */
  float   miou;            /* segmentation: mean IoU over classes; NaN otherwise */
  int     n_classes;
  float   class_iou[GR_MAX_CLASSES];  /* segmentation: per-class IoU */
} GrEvalRecord;

typedef enum
{
  GR_EVENT_KNOB,        /* a live knob changed: "lr 0.1 → 0.01" */
  GR_EVENT_RESET,       /* the run was rebuilt */
  GR_EVENT_DIVERGED,    /* a non-finite value stopped the run */
  GR_EVENT_NOTE,        /* anything else worth a marker */
} GrEventKind;

typedef struct
{
  int64_t     step;       /* the first step that ran with the change */
  GrEventKind kind;
  char        text[GR_EVENT_TEXT_LEN];
} GrEvent;

typedef struct _GrHistory GrHistory;

GrHistory *gr_history_new      (void);
void       gr_history_free     (GrHistory        *h);
/* Empties every series (used on reset); names are kept until set again. */
void       gr_history_clear    (GrHistory        *h);

/* Writers (the worker). */
void       gr_history_set_layers (GrHistory      *h,
                                  int             n_layers,
                                  const char    *const *names);
void       gr_history_append_step (GrHistory     *h,
                                   const GrStepRecord *rec,
                                   const GrProbe *probes);
void       gr_history_append_eval (GrHistory     *h,
                                   const GrEvalRecord *rec);
void       gr_history_append_event (GrHistory    *h,
                                    int64_t       step,
                                    GrEventKind   kind,
                                    const char   *text);
/* The latest activation histogram of one layer (bins over [lo, hi]). */
void       gr_history_set_histogram (GrHistory   *h,
                                     int          layer,
                                     float        lo,
                                     float        hi,
                                     const float *counts);

/* Readers. All copy under the lock; "from" lets a reader fetch only rows
 * it has not seen. Each returns the number of rows copied. */
int64_t    gr_history_n_steps  (GrHistory        *h);
int64_t    gr_history_n_evals  (GrHistory        *h);
int64_t    gr_history_n_events (GrHistory        *h);
/* A monotonically increasing counter bumped by every write; a reader that
 * saw the same value has nothing new to draw. */
uint64_t   gr_history_serial   (GrHistory        *h);
int64_t    gr_history_copy_steps (GrHistory      *h,
                                  int64_t         from,
                                  int64_t         max,
                                  GrStepRecord   *out);
int64_t    gr_history_copy_evals (GrHistory      *h,
                                  int64_t         from,
                                  int64_t         max,
                                  GrEvalRecord   *out);
int64_t    gr_history_copy_events (GrHistory     *h,
                                   int64_t        from,
                                   int64_t        max,
                                   GrEvent       *out);
int        gr_history_n_layers (GrHistory        *h);
/* Copies layer @i's name into @buf. */
void       gr_history_layer_name (GrHistory      *h,
                                  int             i,
                                  char           *buf,
                                  size_t          len);
/* The probes of the latest step (n_layers entries); false if none yet. */
bool       gr_history_latest_probes (GrHistory   *h,
                                     int64_t     *step,
                                     GrProbe     *out);
/* The thinned probe record: up to @max rows of step numbers and n_layers
 * probes each (row-major). Returns rows copied. */
int64_t    gr_history_copy_probes (GrHistory     *h,
                                   int64_t        max,
                                   int64_t       *steps,
                                   GrProbe       *out);
int64_t    gr_history_n_probe_rows (GrHistory    *h);
bool       gr_history_histogram (GrHistory       *h,
                                 int             *layer,
                                 float           *lo,
                                 float           *hi,
                                 float           *counts);
