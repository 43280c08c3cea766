/* gradlab-trainer.c: the run behind the window and its worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One GThread per run loops gr_session_step () while the run is running.
 * It never touches GTK: knobs reach it through the session's pending
 * copy, metrics leave it through the session's locked history, and the
 * few one-shot events (diverged, error, finished) come back to the main
 * thread with g_idle_add_full () and a GWeakRef, dropped when the run
 * they belong to is gone. Work that must happen on the worker between
 * steps (reset, checkpoints) is queued as jobs and completed with GTask.
 */

#include "gradlab-trainer.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gr-doctor.h"
#include "grd-toy.h"

#define SURFACE_MIN_INTERVAL_US (120 * G_TIME_SPAN_MILLISECOND)
/* The surface may take at most 1/SURFACE_COST_FACTOR of the worker's
 * time, so that the window trains near the headless speed. */
#define SURFACE_COST_FACTOR 25

typedef enum
{
  JOB_RESET,
  JOB_SAVE_CHECKPOINT,
  JOB_LOAD_CHECKPOINT,
  JOB_CALL,
} JobKind;

typedef struct
{
  JobKind     kind;
  gboolean    has_spec;
  GrModelSpec spec;
  char       *path;
  GTask      *task;
  GradlabWorkerCall call;        /* JOB_CALL */
  gpointer    call_data;
  GDestroyNotify call_destroy;
} Job;

typedef enum
{
  EVENT_DIVERGED,
  EVENT_ERROR,
  EVENT_FINISHED,
} EventKind;

enum
{
  SIGNAL_DIVERGED,
  SIGNAL_ERROR,
  SIGNAL_FINISHED,
  N_SIGNALS
};

enum
{
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

struct _GradlabTrainer
{
  GObject         parent_instance;

  GrSession      *session;
  gpointer        owner;
  GDestroyNotify  free_owner;
  GThread        *thread;

  /* Shared with the worker, under lock. */
  GMutex          lock;
  GCond           cond;
  gboolean        w_running;
  gboolean        quit;
  int             steps_requested;
  gint64          stop_at;
  gint64          step;
  int             eval_every;
  GQueue          jobs;
  gboolean        surface_on;
  gboolean        surface_dirty;  /* sample again even at the same step */
  GradlabSurfaceSpec surface_spec;

  /* The latest surface, under surface_lock. */
  GMutex          surface_lock;
  GradlabSurface *surface;
  guint           surface_serial;

  /* Worker-only surface bookkeeping. */
  gint64          surface_time;
  gint64          surface_cost;
  gint64          surface_step;

  guint           generation;     /* atomic */

  /* One doctor per run, made by load and freed with the run; the worker
   * observes it after every step and evaluation, other threads use its
   * ANY functions. */
  GrDoctor       *doctor;

  /* Worker hooks (WorkerHook), under hooks_lock, which the worker holds
   * while it calls them; hooks_dirty (under lock) asks a paused worker
   * to call them once. */
  GMutex          hooks_lock;
  GPtrArray      *hooks;
  guint           next_hook_id;
  gboolean        hooks_dirty;

  /* Main thread. */
  gboolean        running;
};

typedef struct
{
  GWeakRef  ref;
  guint     generation;
  EventKind kind;
  gint64    step;
  char     *message;
} Event;

typedef struct
{
  guint             id;
  GradlabWorkerHook fn;
  gpointer          data;
  GDestroyNotify    destroy;
} WorkerHook;

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

static void
worker_hook_free (gpointer data)
{
  WorkerHook *hook = data;

  if (hook->destroy != NULL)
    hook->destroy (hook->data);
  g_free (hook);
}

/* Worker. */
static void
run_worker_hooks (GradlabTrainer *self,
                  GrSession      *s,
                  gboolean        idle)
{
  g_mutex_lock (&self->hooks_lock);
  for (guint i = 0; i < self->hooks->len; i++)
    {
      WorkerHook *hook = g_ptr_array_index (self->hooks, i);

      hook->fn (s, idle, hook->data);
    }
  g_mutex_unlock (&self->hooks_lock);
}

G_DEFINE_FINAL_TYPE (GradlabTrainer, gradlab_trainer, G_TYPE_OBJECT)

void
gradlab_surface_free (GradlabSurface *surface)
{
  if (surface == NULL)
    return;
  g_free (surface->prob);
  g_free (surface->units);
  g_free (surface);
}

static GradlabSurface *
surface_copy (const GradlabSurface *src)
{
  GradlabSurface *dst = g_memdup2 (src, sizeof *src);

  dst->prob = g_memdup2 (src->prob, sizeof (float) * src->resolution * src->resolution);
  dst->units = src->n_units > 0
               ? g_memdup2 (src->units,
                            sizeof (float) * src->n_units * src->thumb_res * src->thumb_res)
               : NULL;
  return dst;
}

static void
event_free (gpointer data)
{
  Event *ev = data;

  g_weak_ref_clear (&ev->ref);
  g_free (ev->message);
  g_free (ev);
}

static gboolean
event_dispatch (gpointer data)
{
  Event *ev = data;
  g_autoptr (GradlabTrainer) self = g_weak_ref_get (&ev->ref);

  /* A result of a run that was since reset or replaced is stale. */
  if (self == NULL || ev->generation != (guint) g_atomic_int_get (&self->generation))
    return G_SOURCE_REMOVE;

  if (self->running)
    {
      self->running = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
  switch (ev->kind)
    {
    case EVENT_DIVERGED:
      g_signal_emit (self, signals[SIGNAL_DIVERGED], 0, ev->step, ev->message);
      break;
    case EVENT_ERROR:
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, ev->step, ev->message);
      break;
    case EVENT_FINISHED:
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, ev->step);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

/* Worker. */
static void
post_event (GradlabTrainer *self,
            EventKind       kind,
            gint64          step,
            const char     *message)
{
  Event *ev = g_new0 (Event, 1);

  g_weak_ref_init (&ev->ref, self);
  ev->generation = (guint) g_atomic_int_get (&self->generation);
  ev->kind = kind;
  ev->step = step;
  ev->message = g_strdup (message);
  g_idle_add_full (G_PRIORITY_DEFAULT, event_dispatch, ev, event_free);
}

static gboolean
unref_in_main (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

/* Worker: the final unref of a task (and so possibly of the trainer it
 * holds) must not happen on the worker, whose trainer joins it. */
static void
task_release (GTask *task)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, unref_in_main, task, NULL);
}

static void
job_free (Job *job)
{
  if (job->call_destroy != NULL)
    job->call_destroy (job->call_data);
  g_free (job->path);
  g_free (job);
}

/* Worker: samples the decision surface and the hidden units over the
 * grid, in chunks of the network's max batch so that each chunk's node
 * outputs can be read after its forward pass. */
static void
compute_surface (GradlabTrainer           *self,
                 GrSession                *s,
                 const GradlabSurfaceSpec *spec)
{
  GrNet *net = gr_session_net (s);
  int R = spec->resolution, N = R * R, step_t = MAX (spec->thumb_step, 1);
  int T = (R + step_t - 1) / step_t;
  int mb = gr_net_max_batch (net);
  int nf = (int) gr_shape_sample_size (gr_net_input_shape (net));
  int n_out = (int) gr_shape_sample_size (gr_net_output_shape (net));
  int n_w = gr_net_n_weighted (net);
  int n_hidden = CLAMP (n_w - 1, 0, 64);
  int nodes[64], offsets[64];
  gboolean softmax_out;
  g_autofree float *x1 = NULL, *x2 = NULL, *feats = NULL, *out = NULL;
  GradlabSurface *surf;
  GradlabSurface *old;
  int n_units = 0;

  if (nf != grd_toy_features_count (spec->features) || n_out < 1 || R < 2)
    return;
  softmax_out = gr_net_node_spec (net, gr_net_n_nodes (net) - 1)->kind == GR_LAYER_SOFTMAX;

  surf = g_new0 (GradlabSurface, 1);
  surf->step = gr_session_step_count (s);
  surf->resolution = R;
  surf->thumb_res = T;
  surf->n_layers = n_hidden;
  for (int l = 0; l < n_hidden; l++)
    {
      nodes[l] = gr_net_weighted_act_node (net, l);
      offsets[l] = n_units;
      surf->layer_units[l] = (int) gr_shape_sample_size (gr_net_node_shape (net, nodes[l]));
      n_units += surf->layer_units[l];
    }
  surf->n_units = n_units;
  surf->prob = g_new (float, N);
  surf->units = n_units > 0 ? g_new0 (float, (gsize) n_units * T * T) : NULL;

  x1 = g_new (float, N);
  x2 = g_new (float, N);
  feats = g_new (float, (gsize) N * nf);
  out = g_new (float, (gsize) mb * n_out);
  for (int r = 0; r < R; r++)
    for (int c = 0; c < R; c++)
      {
        x1[r * R + c] = spec->x_min + (c + 0.5f) / R * (spec->x_max - spec->x_min);
        x2[r * R + c] = spec->y_min + (r + 0.5f) / R * (spec->y_max - spec->y_min);
      }
  grd_toy_features_map (spec->features, x1, x2, N, feats);
  /* A run on standardized inputs (data.normalize) sees the grid the same
   * way. */
  gr_session_standardize_like (s, feats, N);

  for (int start = 0; start < N; start += mb)
    {
      int m = MIN (mb, N - start);

      if (gr_net_predict (net, feats + (gsize) start * nf, m, out) < 0)
        {
          gradlab_surface_free (surf);
          return;
        }
      for (int j = 0; j < m; j++)
        {
          const float *z = out + (gsize) j * n_out;
          float p;

          if (softmax_out)
            p = n_out > 1 ? z[1] : z[0];
          else if (n_out == 1)
            p = 1.0f / (1.0f + expf (-z[0]));
          else
            {
              float mx = z[0], sum = 0.0f;

              for (int k = 1; k < n_out; k++)
                mx = fmaxf (mx, z[k]);
              for (int k = 0; k < n_out; k++)
                sum += expf (z[k] - mx);
              p = expf (z[1] - mx) / sum;
            }
          surf->prob[start + j] = isfinite (p) ? p : 0.5f;
        }
      for (int l = 0; l < n_hidden; l++)
        {
          const float *y = gr_net_node_output (net, nodes[l]);
          int U = surf->layer_units[l];

          for (int j = 0; j < m; j++)
            {
              int cell = start + j, r = cell / R, c = cell % R;

              if (r % step_t != 0 || c % step_t != 0)
                continue;
              for (int u = 0; u < U; u++)
                surf->units[((gsize) (offsets[l] + u) * T + r / step_t) * T + c / step_t]
                  = y[(gsize) j * U + u];
            }
        }
    }

  g_mutex_lock (&self->surface_lock);
  old = self->surface;
  self->surface = surf;
  self->surface_serial++;
  g_mutex_unlock (&self->surface_lock);
  gradlab_surface_free (old);
}

/* Worker: computes the surface if it is on and stale; @force ignores the
 * rate limit (used before the worker waits, so that a paused run shows
 * its final state). */
static void
maybe_surface (GradlabTrainer *self,
               GrSession      *s,
               gboolean        force)
{
  GradlabSurfaceSpec spec;
  gboolean on;
  gint64 now = g_get_monotonic_time ();
  gint64 step = gr_session_step_count (s);

  g_mutex_lock (&self->lock);
  on = self->surface_on;
  spec = self->surface_spec;
  if (self->surface_dirty)
    self->surface_step = -1;
  self->surface_dirty = FALSE;
  g_mutex_unlock (&self->lock);
  if (!on || step == self->surface_step)
    return;
  if (!force && now - self->surface_time < MAX (SURFACE_MIN_INTERVAL_US,
                                                 self->surface_cost * SURFACE_COST_FACTOR))
    return;
  compute_surface (self, s, &spec);
  self->surface_step = step;
  self->surface_time = g_get_monotonic_time ();
  self->surface_cost = self->surface_time - now;
}

static void
surface_hook (GrSession *s,
              int64_t    step,
              void      *user_data)
{
  maybe_surface (user_data, s, FALSE);
}

static void
worker_hooks_step (GrSession *s,
                   int64_t    step,
                   void      *user_data)
{
  run_worker_hooks (user_data, s, FALSE);
}

/* Worker. */
static void
run_job (GradlabTrainer *self,
         GrSession      *s,
         Job            *job,
         gint64         *last_eval_step)
{
  char err[512] = "";
  GrStatus st = GR_OK;

  if (job->kind == JOB_CALL)
    {
      /* The call returns the task's value itself. */
      job->call (self, s, job->task, job->call_data);
      g_mutex_lock (&self->lock);
      self->step = gr_session_step_count (s);
      g_mutex_unlock (&self->lock);
      task_release (job->task);
      job_free (job);
      return;
    }

  switch (job->kind)
    {
    case JOB_RESET:
      g_atomic_int_inc (&self->generation);
      if (job->has_spec)
        gr_session_set_model (s, &job->spec);
      st = gr_session_reset (s, err, sizeof err);
      gr_doctor_reset (self->doctor);
      gr_doctor_observe (self->doctor, s);
      g_atomic_int_inc (&self->generation);
      *last_eval_step = -1;
      self->surface_step = -1;
      break;
    case JOB_SAVE_CHECKPOINT:
      st = gr_session_save_checkpoint (s, job->path);
      if (st != GR_OK)
        g_snprintf (err, sizeof err, "%s: %s", job->path, gr_status_to_string (st));
      break;
    case JOB_LOAD_CHECKPOINT:
      g_atomic_int_inc (&self->generation);
      st = gr_session_load_checkpoint (s, job->path);
      if (st == GR_OK)
        {
          char note[GR_EVENT_TEXT_LEN];

          /* The history of the run before the load no longer leads to
           * these weights; start it afresh at the restored step. */
          gr_history_clear (gr_session_history (s));
          g_snprintf (note, sizeof note, "checkpoint loaded at step %" G_GINT64_FORMAT,
                      (gint64) gr_session_step_count (s));
          gr_history_append_event (gr_session_history (s), gr_session_step_count (s),
                                   GR_EVENT_NOTE, note);
        }
      else
        g_snprintf (err, sizeof err, "%s: %s", job->path, gr_status_to_string (st));
      g_atomic_int_inc (&self->generation);
      *last_eval_step = -1;
      self->surface_step = -1;
      break;
    case JOB_CALL:
    default:
      g_assert_not_reached ();
    }

  g_mutex_lock (&self->lock);
  self->step = gr_session_step_count (s);
  self->hooks_dirty = TRUE;
  g_mutex_unlock (&self->lock);

  if (st == GR_OK || (job->kind == JOB_RESET && st != GR_ERR_STATE && err[0] == '\0'))
    g_task_return_boolean (job->task, TRUE);
  else
    g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                             err[0] ? err : gr_status_to_string (st));
  task_release (job->task);
  job_free (job);
}

static gpointer
worker_main (gpointer data)
{
  GradlabTrainer *self = data;
  GrSession *s = self->session;
  gint64 last_epoch = gr_session_epoch (s);
  gint64 last_eval_step = -1;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      Job *job;
      GrStatus st;
      int eval_every;
      gint64 step;

      while (!self->quit && !self->w_running && self->steps_requested == 0
             && g_queue_is_empty (&self->jobs))
        {
          /* About to wait: bring the surface up to date first, so that a
           * paused run shows its final state. */
          if (self->surface_on
              && (self->surface_dirty || self->surface_step != self->step))
            {
              g_mutex_unlock (&self->lock);
              maybe_surface (self, s, TRUE);
              g_mutex_lock (&self->lock);
              continue;
            }
          if (self->hooks_dirty)
            {
              self->hooks_dirty = FALSE;
              g_mutex_unlock (&self->lock);
              run_worker_hooks (self, s, TRUE);
              g_mutex_lock (&self->lock);
              continue;
            }
          g_cond_wait (&self->cond, &self->lock);
        }
      if (self->quit)
        break;
      if ((job = g_queue_pop_head (&self->jobs)) != NULL)
        {
          g_mutex_unlock (&self->lock);
          run_job (self, s, job, &last_eval_step);
          last_epoch = gr_session_epoch (s);
          g_mutex_lock (&self->lock);
          continue;
        }
      if (!self->w_running && self->steps_requested > 0)
        self->steps_requested--;
      eval_every = self->eval_every;
      g_mutex_unlock (&self->lock);

      st = gr_session_step (s);
      step = gr_session_step_count (s);
      if (st == GR_OK)
        {
          gint64 epoch = gr_session_epoch (s);

          if ((eval_every > 0 && step % eval_every == 0)
              || (eval_every <= 0 && epoch != last_epoch))
            {
              st = gr_session_evaluate (s, NULL);
              last_eval_step = step;
            }
          last_epoch = epoch;
        }
      /* Also after a failed step: divergence is a finding. */
      gr_doctor_observe (self->doctor, s);

      g_mutex_lock (&self->lock);
      self->step = step;
      if (st == GR_OK && self->stop_at > 0 && step >= self->stop_at)
        {
          self->w_running = FALSE;
          self->stop_at = 0;
          if (last_eval_step != step)
            {
              /* End on a validation point so the curves meet at the end. */
              g_mutex_unlock (&self->lock);
              st = gr_session_evaluate (s, NULL);
              last_eval_step = step;
              gr_doctor_observe (self->doctor, s);
              g_mutex_lock (&self->lock);
            }
          if (st == GR_OK)
            post_event (self, EVENT_FINISHED, step, NULL);
        }
      if (st != GR_OK)
        {
          /* Nothing is lost: a failed step leaves the weights as they
           * were. Pause and let the window say what happened. */
          self->w_running = FALSE;
          self->steps_requested = 0;
          self->stop_at = 0;
          post_event (self, st == GR_ERR_NONFINITE ? EVENT_DIVERGED : EVENT_ERROR,
                      gr_session_step_count (s) + (st == GR_ERR_NONFINITE ? 1 : 0),
                      gr_session_error (s));
        }
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

static void
cancel_jobs (GradlabTrainer *self)
{
  Job *job;

  while ((job = g_queue_pop_head (&self->jobs)) != NULL)
    {
      g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "%s", _("The run was closed"));
      g_object_unref (job->task);
      job_free (job);
    }
}

void
gradlab_trainer_stop (GradlabTrainer *self)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));

  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  self->thread = NULL;
  g_mutex_lock (&self->lock);
  self->quit = FALSE;
  self->w_running = FALSE;
  self->steps_requested = 0;
  self->stop_at = 0;
  g_mutex_unlock (&self->lock);
  cancel_jobs (self);
  if (self->running)
    {
      self->running = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
}

static void
free_run (GradlabTrainer *self)
{
  g_clear_pointer (&self->session, gr_session_free);
  g_clear_pointer (&self->doctor, gr_doctor_free);
  if (self->free_owner != NULL && self->owner != NULL)
    self->free_owner (self->owner);
  self->owner = NULL;
  self->free_owner = NULL;
  g_mutex_lock (&self->surface_lock);
  g_clear_pointer (&self->surface, gradlab_surface_free);
  self->surface_serial++;
  g_mutex_unlock (&self->surface_lock);
}

static void
gradlab_trainer_dispose (GObject *object)
{
  GradlabTrainer *self = GRADLAB_TRAINER (object);

  gradlab_trainer_stop (self);
  G_OBJECT_CLASS (gradlab_trainer_parent_class)->dispose (object);
}

static void
gradlab_trainer_finalize (GObject *object)
{
  GradlabTrainer *self = GRADLAB_TRAINER (object);

  free_run (self);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->surface_lock);
  g_ptr_array_unref (self->hooks);
  g_mutex_clear (&self->hooks_lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (gradlab_trainer_parent_class)->finalize (object);
}

static void
gradlab_trainer_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GradlabTrainer *self = GRADLAB_TRAINER (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_trainer_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GradlabTrainer *self = GRADLAB_TRAINER (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      gradlab_trainer_set_running (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_trainer_class_init (GradlabTrainerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gradlab_trainer_dispose;
  object_class->finalize = gradlab_trainer_finalize;
  object_class->get_property = gradlab_trainer_get_property;
  object_class->set_property = gradlab_trainer_set_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GradlabTrainer::diverged:
   * @step: the step that produced a non-finite value
   * @message: what blew up, from gr_session_error ()
   *
   * The run hit NaN/Inf and paused; the weights are as before @step.
   */
  signals[SIGNAL_DIVERGED] =
    g_signal_new ("diverged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRING);
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRING);
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
gradlab_trainer_init (GradlabTrainer *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->surface_lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->jobs);
  self->surface_step = -1;
  g_mutex_init (&self->hooks_lock);
  self->hooks = g_ptr_array_new_with_free_func (worker_hook_free);
}

GradlabTrainer *
gradlab_trainer_new (void)
{
  return g_object_new (GRADLAB_TYPE_TRAINER, NULL);
}

void
gradlab_trainer_load (GradlabTrainer *self,
                      GrSession      *session,
                      gpointer        owner,
                      GDestroyNotify  free_owner)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));
  g_return_if_fail (session != NULL);

  gradlab_trainer_stop (self);
  g_atomic_int_inc (&self->generation);
  free_run (self);
  self->session = session;
  self->owner = owner;
  self->free_owner = free_owner;
  self->doctor = gr_doctor_new (NULL);
  self->step = gr_session_step_count (session);
  self->surface_step = -1;
  self->surface_time = 0;
  self->surface_cost = 0;
  gr_session_add_hook (session, surface_hook, self);
  gr_session_add_hook (session, worker_hooks_step, self);
  self->hooks_dirty = TRUE;
  g_atomic_int_inc (&self->generation);
  self->thread = g_thread_new ("gradlab-train", worker_main, self);
}

gboolean
gradlab_trainer_has_run (GradlabTrainer *self)
{
  g_return_val_if_fail (GRADLAB_IS_TRAINER (self), FALSE);
  return self->session != NULL;
}

GrHistory *
gradlab_trainer_get_history (GradlabTrainer *self)
{
  g_return_val_if_fail (GRADLAB_IS_TRAINER (self), NULL);
  return self->session ? gr_session_history (self->session) : NULL;
}

GrSession *
gradlab_trainer_get_session (GradlabTrainer *self)
{
  g_return_val_if_fail (GRADLAB_IS_TRAINER (self), NULL);
  return self->session;
}

guint
gradlab_trainer_get_generation (GradlabTrainer *self)
{
  g_return_val_if_fail (GRADLAB_IS_TRAINER (self), 0);
  return (guint) g_atomic_int_get (&self->generation);
}

gboolean
gradlab_trainer_get_running (GradlabTrainer *self)
{
  g_return_val_if_fail (GRADLAB_IS_TRAINER (self), FALSE);
  return self->running;
}

void
gradlab_trainer_set_running (GradlabTrainer *self,
                             gboolean        running)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));

  running = !!running && self->session != NULL;
  g_mutex_lock (&self->lock);
  self->w_running = running;
  if (!running)
    self->stop_at = 0;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  if (self->running != running)
    {
      self->running = running;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
}

void
gradlab_trainer_step_once (GradlabTrainer *self)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));

  gradlab_trainer_set_running (self, FALSE);
  if (self->session == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->steps_requested++;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
gradlab_trainer_run_until (GradlabTrainer *self,
                           gint64          step)
{
  gboolean reached;

  g_return_if_fail (GRADLAB_IS_TRAINER (self));

  if (self->session == NULL)
    return;
  /* The target must be in place before the worker may run: a small
   * network takes dozens of steps in the time a notify handler takes. */
  g_mutex_lock (&self->lock);
  reached = self->step >= step && g_queue_is_empty (&self->jobs);
  if (!reached)
    {
      self->stop_at = step;
      self->w_running = TRUE;
      g_cond_signal (&self->cond);
    }
  else
    post_event (self, EVENT_FINISHED, self->step, NULL);
  g_mutex_unlock (&self->lock);
  if (!reached && !self->running)
    {
      self->running = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
}

gint64
gradlab_trainer_get_step (GradlabTrainer *self)
{
  gint64 step;

  g_return_val_if_fail (GRADLAB_IS_TRAINER (self), 0);
  g_mutex_lock (&self->lock);
  step = self->step;
  g_mutex_unlock (&self->lock);
  return step;
}

void
gradlab_trainer_set_eval_every (GradlabTrainer *self,
                                int             every)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));
  g_mutex_lock (&self->lock);
  self->eval_every = MAX (every, 0);
  g_mutex_unlock (&self->lock);
}

gboolean
gradlab_trainer_set_knob (GradlabTrainer  *self,
                          const char      *key,
                          const char      *value,
                          GError         **error)
{
  char err[256] = "";

  g_return_val_if_fail (GRADLAB_IS_TRAINER (self), FALSE);

  if (self->session == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "%s", _("No run is loaded"));
      return FALSE;
    }
  if (gr_session_set_knob (self->session, key, value, err, sizeof err) != GR_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s", err);
      return FALSE;
    }
  return TRUE;
}

void
gradlab_trainer_get_knobs (GradlabTrainer *self,
                           GrKnobs        *out)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));

  if (self->session != NULL)
    gr_session_get_knobs (self->session, out);
  else
    gr_knobs_defaults (out);
}

void
gradlab_trainer_set_histogram_layer (GradlabTrainer *self,
                                     int             layer)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));
  if (self->session != NULL)
    gr_session_set_histogram_layer (self->session, layer);
}

static void
queue_job (GradlabTrainer *self,
           Job            *job)
{
  if (self->thread == NULL)
    {
      g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               "%s", _("No run is loaded"));
      g_object_unref (job->task);
      job_free (job);
      return;
    }
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->jobs, job);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
gradlab_trainer_reset_async (GradlabTrainer     *self,
                             const GrModelSpec  *spec,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  Job *job;

  g_return_if_fail (GRADLAB_IS_TRAINER (self));

  gradlab_trainer_set_running (self, FALSE);
  job = g_new0 (Job, 1);
  job->kind = JOB_RESET;
  job->task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (job->task, gradlab_trainer_reset_async);
  if (spec != NULL)
    {
      job->has_spec = TRUE;
      job->spec = *spec;
    }
  queue_job (self, job);
}

gboolean
gradlab_trainer_reset_finish (GradlabTrainer *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
checkpoint_async (GradlabTrainer     *self,
                  JobKind             kind,
                  const char         *path,
                  GAsyncReadyCallback callback,
                  gpointer            user_data)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->path = g_strdup (path);
  job->task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (job->task, checkpoint_async);
  queue_job (self, job);
}

void
gradlab_trainer_save_checkpoint_async (GradlabTrainer     *self,
                                       const char         *path,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));
  checkpoint_async (self, JOB_SAVE_CHECKPOINT, path, callback, user_data);
}

void
gradlab_trainer_load_checkpoint_async (GradlabTrainer     *self,
                                       const char         *path,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));
  gradlab_trainer_set_running (self, FALSE);
  checkpoint_async (self, JOB_LOAD_CHECKPOINT, path, callback, user_data);
}

gboolean
gradlab_trainer_checkpoint_finish (GradlabTrainer *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gradlab_trainer_set_surface (GradlabTrainer           *self,
                             const GradlabSurfaceSpec *spec)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));

  g_mutex_lock (&self->lock);
  self->surface_on = spec != NULL;
  if (spec != NULL)
    {
      self->surface_spec = *spec;
      self->surface_spec.resolution = CLAMP (spec->resolution, 8, 128);
    }
  self->surface_dirty = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

GradlabSurface *
gradlab_trainer_dup_surface (GradlabTrainer *self,
                             guint          *serial)
{
  GradlabSurface *copy = NULL;

  g_return_val_if_fail (GRADLAB_IS_TRAINER (self), NULL);

  g_mutex_lock (&self->surface_lock);
  if (self->surface != NULL && self->surface_serial != *serial)
    {
      copy = surface_copy (self->surface);
      *serial = self->surface_serial;
    }
  g_mutex_unlock (&self->surface_lock);
  return copy;
}

guint
gradlab_trainer_add_worker_hook (GradlabTrainer    *self,
                                 GradlabWorkerHook  hook,
                                 gpointer           user_data,
                                 GDestroyNotify     destroy)
{
  WorkerHook *h;

  g_return_val_if_fail (GRADLAB_IS_TRAINER (self), 0);
  g_return_val_if_fail (hook != NULL, 0);

  h = g_new0 (WorkerHook, 1);
  h->fn = hook;
  h->data = user_data;
  h->destroy = destroy;
  g_mutex_lock (&self->hooks_lock);
  h->id = ++self->next_hook_id;
  g_ptr_array_add (self->hooks, h);
  g_mutex_unlock (&self->hooks_lock);
  gradlab_trainer_wake_worker_hooks (self);
  return h->id;
}

void
gradlab_trainer_remove_worker_hook (GradlabTrainer *self,
                                    guint           id)
{
  WorkerHook *found = NULL;

  g_return_if_fail (GRADLAB_IS_TRAINER (self));

  g_mutex_lock (&self->hooks_lock);
  for (guint i = 0; i < self->hooks->len; i++)
    {
      WorkerHook *h = g_ptr_array_index (self->hooks, i);

      if (h->id == id)
        {
          found = g_ptr_array_steal_index (self->hooks, i);
          break;
        }
    }
  g_mutex_unlock (&self->hooks_lock);
  /* Outside the lock: the destroy notify may take locks of its own. */
  if (found != NULL)
    worker_hook_free (found);
}

void
gradlab_trainer_wake_worker_hooks (GradlabTrainer *self)
{
  g_return_if_fail (GRADLAB_IS_TRAINER (self));

  g_mutex_lock (&self->lock);
  self->hooks_dirty = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

GrDoctor *
gradlab_trainer_get_doctor (GradlabTrainer *self)
{
  g_return_val_if_fail (GRADLAB_IS_TRAINER (self), NULL);
  return self->doctor;
}

void
gradlab_trainer_call_on_worker_async (GradlabTrainer     *self,
                                      GradlabWorkerCall   call,
                                      gpointer            call_data,
                                      GDestroyNotify      call_destroy,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  Job *job;

  g_return_if_fail (GRADLAB_IS_TRAINER (self));
  g_return_if_fail (call != NULL);

  job = g_new0 (Job, 1);
  job->kind = JOB_CALL;
  job->call = call;
  job->call_data = call_data;
  job->call_destroy = call_destroy;
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, gradlab_trainer_call_on_worker_async);
  queue_job (self, job);
}
