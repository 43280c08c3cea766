/* gradlab-trainer.h: the run behind the window and its worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gr-session.h"

G_BEGIN_DECLS

/**
 * GradlabSurfaceSpec:
 *
 * What the worker samples for the decision-surface view: a square grid
 * over the raw toy plane, mapped to the network's input features.
 */
typedef struct
{
  int      resolution;   /* cells per side of the surface grid, 8 .. 128 */
  int      thumb_step;   /* hidden-unit thumbnails take every n-th cell, >= 1 */
  float    x_min;        /* plane extent, raw x1 */
  float    x_max;
  float    y_min;        /* plane extent, raw x2 */
  float    y_max;
  unsigned features;     /* GrdToyFeatures mask of the network's input */
} GradlabSurfaceSpec;

/**
 * GradlabSurface:
 *
 * One sample of the decision surface, copied out for the UI. Row 0 is
 * the bottom (y_min), as in GradlabSurfaceView; columns run from x_min
 * to x_max. Each unit thumbnail is laid out the same way.
 */
typedef struct
{
  gint64  step;            /* the step after which it was sampled */
  int     resolution;      /* side of @prob */
  float  *prob;            /* (resolution, resolution) P(class 1) */
  int     thumb_res;       /* side of each unit thumbnail */
  int     n_units;         /* hidden units in all layers */
  float  *units;           /* (n_units, thumb_res, thumb_res) outputs */
  int     n_layers;        /* hidden layers */
  int     layer_units[64]; /* units per hidden layer */
} GradlabSurface;

void gradlab_surface_free (GradlabSurface *surface);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GradlabSurface, gradlab_surface_free)

#define GRADLAB_TYPE_TRAINER (gradlab_trainer_get_type ())

G_DECLARE_FINAL_TYPE (GradlabTrainer, gradlab_trainer, GRADLAB, TRAINER, GObject)

GradlabTrainer *gradlab_trainer_new              (void);

/* Replaces the run: stops and joins the old worker, frees the old
 * session and calls @free_owner on @owner (which owns the data sets the
 * session borrows), then starts a worker for @session, paused. Takes
 * ownership of @session and @owner. Main thread. */
void            gradlab_trainer_load             (GradlabTrainer     *self,
                                                  GrSession          *session,
                                                  gpointer            owner,
                                                  GDestroyNotify      free_owner);
gboolean        gradlab_trainer_has_run          (GradlabTrainer     *self);

/* The session's history (safe from any thread), or NULL before a load. */
GrHistory      *gradlab_trainer_get_history      (GradlabTrainer     *self);
/* The worker-only session; only for callers that hold no worker (tests
 * that stopped it) or for ANY-marked session functions. */
GrSession      *gradlab_trainer_get_session      (GradlabTrainer     *self);

/* Bumped (by two) around every reset or load; odd while one is under
 * way. Readers compare it before and after copying from the history and
 * drop the copy if it changed. Any thread. */
guint           gradlab_trainer_get_generation   (GradlabTrainer     *self);

gboolean        gradlab_trainer_get_running      (GradlabTrainer     *self);
void            gradlab_trainer_set_running      (GradlabTrainer     *self,
                                                  gboolean            running);
/* Pauses and queues one step. */
void            gradlab_trainer_step_once        (GradlabTrainer     *self);
/* Runs until the step count reaches @step, then pauses and emits
 * "finished". */
void            gradlab_trainer_run_until        (GradlabTrainer     *self,
                                                  gint64              step);
/* Steps taken, as last seen by the worker. Any thread. */
gint64          gradlab_trainer_get_step         (GradlabTrainer     *self);

/* Evaluation cadence: every @every steps, or once per epoch if 0. */
void            gradlab_trainer_set_eval_every   (GradlabTrainer     *self,
                                                  int                 every);

/* Queues knob @key = @value for the next step (gr_session_set_knob ()).
 * Returns FALSE with @error naming the field if it is refused. */
gboolean        gradlab_trainer_set_knob         (GradlabTrainer     *self,
                                                  const char         *key,
                                                  const char         *value,
                                                  GError            **error);
/* The knobs as they will be at the next step. */
void            gradlab_trainer_get_knobs        (GradlabTrainer     *self,
                                                  GrKnobs            *out);
void            gradlab_trainer_set_histogram_layer (GradlabTrainer  *self,
                                                  int                 layer);

/* Rebuilds the run on the worker: the model @spec (NULL: keep) with the
 * pending knobs, fresh weights, empty history. */
void            gradlab_trainer_reset_async      (GradlabTrainer     *self,
                                                  const GrModelSpec  *spec,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean        gradlab_trainer_reset_finish     (GradlabTrainer     *self,
                                                  GAsyncResult       *result,
                                                  GError            **error);
void            gradlab_trainer_save_checkpoint_async (GradlabTrainer *self,
                                                  const char         *path,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
void            gradlab_trainer_load_checkpoint_async (GradlabTrainer *self,
                                                  const char         *path,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean        gradlab_trainer_checkpoint_finish (GradlabTrainer    *self,
                                                  GAsyncResult       *result,
                                                  GError            **error);

/* Decision surface sampling (NULL turns it off). */
void            gradlab_trainer_set_surface      (GradlabTrainer     *self,
                                                  const GradlabSurfaceSpec *spec);
/* A copy of the latest surface if its serial differs from *@serial
 * (updated), else NULL. */
GradlabSurface *gradlab_trainer_dup_surface      (GradlabTrainer     *self,
                                                  guint              *serial);

/* Stops the worker (joins it); the run stays loaded. For shutdown. */
void            gradlab_trainer_stop             (GradlabTrainer     *self);

G_END_DECLS
