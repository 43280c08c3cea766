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

/**
 * GradlabWorkerHook:
 * @session: the run, on the worker thread, between steps
 * @idle: %FALSE after a step; %TRUE when called because of
 *   gradlab_trainer_wake_worker_hooks () (or a load or reset) while the
 *   run is paused
 * @user_data: the hook's data
 *
 * Work that needs the network (predictions, an effective receptive
 * field) and so must run on the worker. It must be cheap when it has
 * nothing to do: it is called after every step.
 */
typedef void (*GradlabWorkerHook) (GrSession *session,
                                   gboolean   idle,
                                   gpointer   user_data);

/* Adds a worker hook that stays across loads and resets; @destroy frees
 * @user_data when the hook is removed or the trainer finalized. Returns
 * an id > 0. Main thread. */
guint           gradlab_trainer_add_worker_hook  (GradlabTrainer     *self,
                                                  GradlabWorkerHook   hook,
                                                  gpointer            user_data,
                                                  GDestroyNotify      destroy);
/* Removes hook @id; waits for it if it is running. Main thread. */
void            gradlab_trainer_remove_worker_hook (GradlabTrainer   *self,
                                                  guint               id);
/* Makes a paused worker call every hook once with @idle TRUE. Any thread. */
void            gradlab_trainer_wake_worker_hooks (GradlabTrainer    *self);

/* The doctor of the current run (gr-doctor.h), or NULL before a load.
 * Only its ANY functions may be used here; it stays valid until the
 * next load. Main thread. */
struct _GrDoctor;
struct _GrDoctor *gradlab_trainer_get_doctor     (GradlabTrainer     *self);

/**
 * GradlabWorkerCall:
 * @self: the trainer
 * @session: the run, on the worker thread, between steps
 * @task: the task to return the result on (g_task_return_*); the
 *   trainer releases it on the main thread afterwards
 * @call_data: the call's data
 *
 * A one-off piece of work that needs the worker (applying a doctor's
 * remedy, capturing a run for a probe).
 */
typedef void (*GradlabWorkerCall) (GradlabTrainer *self,
                                   GrSession      *session,
                                   GTask          *task,
                                   gpointer        call_data);

/* Queues @call on the worker between steps; @callback gets the task
 * @call returned on. @call_destroy frees @call_data afterwards. If no
 * run is loaded the task fails with G_IO_ERROR_NOT_INITIALIZED.
 * Main thread. */
void            gradlab_trainer_call_on_worker_async (GradlabTrainer *self,
                                                  GradlabWorkerCall   call,
                                                  gpointer            call_data,
                                                  GDestroyNotify      call_destroy,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);

/* Stops the worker (joins it); the run stays loaded. For shutdown. */
void            gradlab_trainer_stop             (GradlabTrainer     *self);

G_END_DECLS
