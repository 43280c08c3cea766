/* gradlab-dashboard.c: the live views of a lab, fed from the run's history
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The worker appends to the session's locked history; this widget pulls
 * from it in a tick callback capped near 30 Hz, and only when the
 * history's serial moved. Each time-based view keeps its own read cursors
 * (steps, evaluations, events) and is given only the rows it has not seen,
 * so a frame costs the new rows, not the whole run. A reset or a new run
 * bumps the trainer's generation; the views are then cleared and the
 * cursors start again from zero.
 */

#include "gradlab-dashboard.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gradlab-colors.h"
#include "gradlab-grad-strip.h"
#include "gradlab-health-view.h"
#include "gradlab-layer-bars.h"
#include "gradlab-neuron-grid.h"
#include "gradlab-rf-lab.h"
#include "gradlab-seg-lab.h"
#include "gradlab-series-chart.h"
#include "gradlab-surface-view.h"

#define TICK_INTERVAL_US  (G_USEC_PER_SEC / 30)
#define PACE_FACTOR       12
#define STRIP_INTERVAL_US (G_USEC_PER_SEC / 5)

/* Series of the loss and accuracy charts. */
enum
{
  SERIES_BATCH,
  SERIES_TRAIN,
  SERIES_VAL,
};

typedef struct
{
  GtkWidget *chart;        /* GradlabSeriesChart, or NULL */
  gint64     steps_seen;   /* step rows appended */
  gint64     evals_seen;   /* eval rows appended */
  gint64     events_seen;  /* events turned into markers */
  guint      n_markers;
} TimeChart;

struct _GradlabDashboard
{
  AdwBin            parent_instance;

  GradlabTrainer   *trainer;
  GradlabViewFlags  views;

  GtkWidget        *grid;
  GtkWidget        *status;
  GtkWidget        *smoothing;
  GtkWidget        *log_y;
  GtkWidget        *follow;

  TimeChart         loss;
  TimeChart         acc;
  GtkWidget        *strip;
  gint64            strip_events_seen;
  gint64            strip_time;
  guint64           strip_serial;  /* history serial the strip shows */
  GtkWidget        *bars;
  GtkWidget        *health;
  GtkWidget        *surface;
  GtkWidget        *neurons;
  GtkWidget        *seg_lab;       /* GradlabSegLab, or NULL */
  GtkWidget        *rf_lab;        /* GradlabRfLab, or NULL */

  guint             tick_id;
  gint64            last_tick;
  GdkFrameClock    *clock;         /* whose after-paint we watch */
  gint64            frame_start;   /* start of a frame with new data, or 0 */
  gint64            frame_cost;    /* average cost of such frames, us */
  guint             seen_generation;
  guint64           seen_serial;
  guint             surface_serial;
  int               n_layers;
  char            **layer_names;   /* (n_layers + 1) NULL-terminated */

  /* Copy buffers, kept between frames. */
  GrStepRecord     *steps;
  gsize             steps_alloc;
  GrEvalRecord     *evals;
  gsize             evals_alloc;

  /* Status line. */
  gint64            last_step;
  int               last_epoch;
  float             last_val_acc;
  float             last_val_loss;
  gint64            rate_time;
  gint64            rate_step;
  double            rate;

  /* Playground points. */
  double            extent;
  GArray           *train_xy;
  GArray           *train_class;
  GArray           *val_xy;
  GArray           *val_class;
};

typedef struct
{
  GradlabViewFlags flag;
  GtkWidget       *card;
  int              span;        /* grid columns, 1 or 2 */
  int              min_height;  /* pixels */
} ViewItem;

G_DEFINE_FINAL_TYPE (GradlabDashboard, gradlab_dashboard, ADW_TYPE_BIN)

enum
{
  SIGNAL_KNOB_EVENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
clear_time_chart (TimeChart *tc)
{
  tc->steps_seen = 0;
  tc->evals_seen = 0;
  tc->events_seen = 0;
  tc->n_markers = 0;
  if (tc->chart != NULL)
    gradlab_series_chart_clear (GRADLAB_SERIES_CHART (tc->chart));
}

static void
clear_views (GradlabDashboard *self)
{
  clear_time_chart (&self->loss);
  clear_time_chart (&self->acc);
  self->strip_events_seen = 0;
  self->strip_time = 0;
  self->strip_serial = 0;
  if (self->strip != NULL)
    gradlab_grad_strip_clear (GRADLAB_GRAD_STRIP (self->strip));
  if (self->bars != NULL)
    gradlab_layer_bars_set_data (GRADLAB_LAYER_BARS (self->bars), 0, NULL, NULL, NULL);
  if (self->health != NULL)
    {
      gradlab_health_view_set_layers (GRADLAB_HEALTH_VIEW (self->health), 0, NULL, NULL, NULL);
      gradlab_health_view_set_histogram (GRADLAB_HEALTH_VIEW (self->health), 0, 0, 1, NULL);
    }
  if (self->surface != NULL)
    gradlab_surface_view_set_surface (GRADLAB_SURFACE_VIEW (self->surface), 0, 0, 1, NULL,
                                      -self->extent, self->extent, -self->extent, self->extent);
  if (self->neurons != NULL)
    gradlab_neuron_grid_set_data (GRADLAB_NEURON_GRID (self->neurons), 0, NULL, NULL, 0, 0, NULL);
  self->surface_serial = 0;
  self->last_step = 0;
  self->last_epoch = 0;
  self->last_val_acc = NAN;
  self->last_val_loss = NAN;
  self->rate_time = 0;
  self->rate = 0.0;
}

static void
load_layer_names (GradlabDashboard *self,
                  GrHistory        *h)
{
  int n = gr_history_n_layers (h);

  g_strfreev (self->layer_names);
  self->layer_names = g_new0 (char *, n + 1);
  for (int i = 0; i < n; i++)
    {
      char buf[64];

      gr_history_layer_name (h, i, buf, sizeof buf);
      self->layer_names[i] = g_strdup (buf);
    }
  self->n_layers = n;
}

static void
ensure_steps (GradlabDashboard *self,
              gsize             n)
{
  if (n > self->steps_alloc)
    {
      self->steps_alloc = MAX (n, self->steps_alloc * 2);
      self->steps = g_renew (GrStepRecord, self->steps, self->steps_alloc);
    }
}

static void
ensure_evals (GradlabDashboard *self,
              gsize             n)
{
  if (n > self->evals_alloc)
    {
      self->evals_alloc = MAX (n, self->evals_alloc * 2);
      self->evals = g_renew (GrEvalRecord, self->evals, self->evals_alloc);
    }
}

/* Feeds one chart the rows it has not seen: steps copied from @from,
 * evaluations from @eval_from. */
static void
feed_time_chart (TimeChart          *tc,
                 gboolean            is_loss,
                 const GrStepRecord *steps,
                 gint64              from,
                 gint64              n_steps,
                 const GrEvalRecord *evals,
                 gint64              eval_from,
                 gint64              n_evals)
{
  GradlabSeriesChart *chart = GRADLAB_SERIES_CHART (tc->chart);
  gint64 skip = tc->steps_seen - from;
  gint64 n = n_steps - skip;

  if (n > 0)
    {
      g_autofree double *x = g_new (double, n);
      g_autofree float *y = g_new (float, n);

      for (gint64 i = 0; i < n; i++)
        {
          const GrStepRecord *r = &steps[skip + i];

          x[i] = (double) r->step;
          y[i] = is_loss ? r->loss : r->acc;
        }
      gradlab_series_chart_append_many (chart, SERIES_BATCH, x, y, (gsize) n);
      tc->steps_seen += n;
    }

  skip = tc->evals_seen - eval_from;
  n = n_evals - skip;
  if (n > 0)
    {
      g_autofree double *x = g_new (double, n);
      g_autofree float *yt = g_new (float, n);
      g_autofree float *yv = g_new (float, n);

      for (gint64 i = 0; i < n; i++)
        {
          const GrEvalRecord *r = &evals[skip + i];

          x[i] = (double) r->step;
          yt[i] = is_loss ? r->train_loss : r->train_acc;
          yv[i] = is_loss ? r->val_loss : r->val_acc;
        }
      gradlab_series_chart_append_many (chart, SERIES_TRAIN, x, yt, (gsize) n);
      gradlab_series_chart_append_many (chart, SERIES_VAL, x, yv, (gsize) n);
      tc->evals_seen += n;
    }
}

static char *
event_label (const GrEvent *ev)
{
  return g_strdup (ev->text);
}

static void
feed_events (GradlabDashboard *self,
             const GrEvent    *events,
             gint64            from,
             gint64            n)
{
  TimeChart *charts[] = { &self->loss, &self->acc };

  for (gsize c = 0; c < G_N_ELEMENTS (charts); c++)
    {
      TimeChart *tc = charts[c];

      if (tc->chart == NULL)
        continue;
      for (gint64 i = tc->events_seen - from; i < n; i++)
        {
          g_autofree char *label = NULL;

          tc->events_seen++;
          if (events[i].kind == GR_EVENT_RESET)
            continue;
          label = event_label (&events[i]);
          gradlab_series_chart_add_marker (GRADLAB_SERIES_CHART (tc->chart),
                                           (double) events[i].step, label);
          tc->n_markers++;
        }
    }
  if (self->strip != NULL)
    for (gint64 i = self->strip_events_seen - from; i < n; i++)
      {
        g_autofree char *label = NULL;

        self->strip_events_seen++;
        if (events[i].kind == GR_EVENT_RESET)
          continue;
        label = event_label (&events[i]);
        gradlab_grad_strip_add_marker (GRADLAB_GRAD_STRIP (self->strip),
                                       (double) events[i].step, label);
      }
}

static void
feed_strip (GradlabDashboard *self,
            GrHistory        *h)
{
  gint64 rows = gr_history_n_probe_rows (h);
  g_autofree gint64 *steps = NULL;
  g_autofree GrProbe *probes = NULL;
  g_autofree double *x = NULL;
  g_autofree float *v = NULL;
  int L = self->n_layers;

  if (rows <= 0 || L <= 0)
    return;
  steps = g_new (gint64, rows);
  probes = g_new (GrProbe, rows * L);
  rows = gr_history_copy_probes (h, rows, (int64_t *) steps, probes);
  x = g_new (double, rows);
  v = g_new (float, rows * L);
  for (gint64 r = 0; r < rows; r++)
    {
      x[r] = (double) steps[r];
      for (int l = 0; l < L; l++)
        v[r * L + l] = probes[r * L + l].grad_norm;
    }
  gradlab_grad_strip_set_data (GRADLAB_GRAD_STRIP (self->strip), L,
                               (const char *const *) self->layer_names, rows, x, v);
}

static void
feed_latest_probes (GradlabDashboard *self,
                    GrHistory        *h)
{
  int L = self->n_layers;
  g_autofree GrProbe *p = NULL;
  g_autofree float *a = NULL, *b = NULL;
  int64_t step;

  if (L <= 0)
    return;
  p = g_new0 (GrProbe, L);
  if (!gr_history_latest_probes (h, &step, p))
    return;
  a = g_new (float, L);
  b = g_new (float, L);
  if (self->bars != NULL)
    {
      gboolean act = (self->views & GRADLAB_VIEW_OPT_ACT_SCALE) != 0;

      for (int l = 0; l < L; l++)
        {
          a[l] = p[l].grad_norm;
          b[l] = act ? p[l].act_std : p[l].update_ratio;
        }
      gradlab_layer_bars_set_data (GRADLAB_LAYER_BARS (self->bars), L,
                                   (const char *const *) self->layer_names, a, b);
    }
  if (self->health != NULL)
    {
      int layer;
      float lo, hi, counts[GR_HIST_BINS];

      for (int l = 0; l < L; l++)
        {
          a[l] = p[l].dead_frac;
          b[l] = p[l].saturated_frac;
        }
      gradlab_health_view_set_layers (GRADLAB_HEALTH_VIEW (self->health), L,
                                      (const char *const *) self->layer_names, a, b);
      if (gr_history_histogram (h, &layer, &lo, &hi, counts)
          && layer == gradlab_health_view_get_selected_layer (GRADLAB_HEALTH_VIEW (self->health)))
        gradlab_health_view_set_histogram (GRADLAB_HEALTH_VIEW (self->health), GR_HIST_BINS,
                                           lo, hi, counts);
    }
}

static gboolean
feed_surface (GradlabDashboard *self)
{
  g_autoptr (GradlabSurface) s = gradlab_trainer_dup_surface (self->trainer,
                                                              &self->surface_serial);

  if (s == NULL)
    return FALSE;
  if (self->surface != NULL)
    gradlab_surface_view_set_surface (GRADLAB_SURFACE_VIEW (self->surface), s->resolution,
                                      s->resolution, 1, s->prob, -self->extent, self->extent,
                                      -self->extent, self->extent);
  if (self->neurons != NULL)
    {
      guint units[64];
      const char *names[65] = { NULL };

      for (int l = 0; l < s->n_layers && l < 64; l++)
        {
          units[l] = (guint) s->layer_units[l];
          names[l] = l < self->n_layers ? self->layer_names[l] : NULL;
        }
      gradlab_neuron_grid_set_data (GRADLAB_NEURON_GRID (self->neurons), MIN (s->n_layers, 64),
                                    names, units, s->thumb_res, s->thumb_res, s->units);
    }
  return TRUE;
}

static void
update_status (GradlabDashboard *self)
{
  g_autoptr (GString) text = g_string_new (NULL);
  gint64 now = g_get_monotonic_time ();

  if (self->rate_time == 0 || self->last_step < self->rate_step)
    {
      self->rate_time = now;
      self->rate_step = self->last_step;
    }
  else if (now - self->rate_time >= G_USEC_PER_SEC / 2)
    {
      double inst = (self->last_step - self->rate_step) * (double) G_USEC_PER_SEC
                    / (double) (now - self->rate_time);

      self->rate = self->rate > 0.0 ? 0.5 * self->rate + 0.5 * inst : inst;
      if (self->last_step == self->rate_step)
        self->rate = 0.0;
      self->rate_time = now;
      self->rate_step = self->last_step;
    }

  /* Translators: parts of the status line above the plots; it wraps
   * only between parts */
  g_string_append_printf (text, _("Step %lld"), (long long) self->last_step);
  g_string_append_printf (text, " · %s", _("epoch"));
  g_string_append_printf (text, " %d", self->last_epoch);
  if (self->trainer != NULL && gradlab_trainer_get_running (self->trainer) && self->rate > 0.0)
    g_string_append_printf (text, _(" · %.0f steps/s"), self->rate);
  if (isfinite (self->last_val_loss))
    g_string_append_printf (text, _(" · val loss %.3g"), self->last_val_loss);
  if (isfinite (self->last_val_acc))
    g_string_append_printf (text, _(" · val acc %.1f %%"), 100.0 * self->last_val_acc);
  /* Keep each part on one line: only " · " may break. */
  {
    g_autoptr (GString) nb = g_string_new (NULL);

    for (const char *c = text->str; *c; c++)
      {
        if (*c == ' ' && !g_str_has_prefix (c, " · ") && !(c > text->str && c[-1] == '\xb7'))
          g_string_append (nb, "\u00a0");
        else
          g_string_append_c (nb, *c);
      }
    g_string_assign (text, nb->str);
  }
  if (g_strcmp0 (gtk_label_get_label (GTK_LABEL (self->status)), text->str) != 0)
    gtk_label_set_label (GTK_LABEL (self->status), text->str);
}

gboolean
gradlab_dashboard_update (GradlabDashboard *self)
{
  GrHistory *h;
  guint gen;
  guint64 serial;
  gint64 from, n_steps = 0, eval_from, n_evals = 0, ev_from, n_events = 0;
  g_autofree GrEvent *events = NULL;
  gint64 now = g_get_monotonic_time ();

  gboolean changed = FALSE;

  g_return_val_if_fail (GRADLAB_IS_DASHBOARD (self), FALSE);

  if (self->trainer == NULL || (h = gradlab_trainer_get_history (self->trainer)) == NULL)
    return FALSE;
  gen = gradlab_trainer_get_generation (self->trainer);
  if (gen & 1)
    return TRUE;
  if (gen != self->seen_generation)
    {
      clear_views (self);
      load_layer_names (self, h);
      /* Show a histogram from the start: the first layer's. */
      if (self->health != NULL && self->n_layers > 0
          && gradlab_health_view_get_selected_layer (GRADLAB_HEALTH_VIEW (self->health)) < 0)
        gradlab_health_view_set_selected_layer (GRADLAB_HEALTH_VIEW (self->health), 0);
      self->seen_generation = gen;
      self->seen_serial = 0;
      changed = TRUE;
    }

  if (self->surface != NULL || self->neurons != NULL)
    changed |= feed_surface (self);

  serial = gr_history_serial (h);
  /* The strip is re-read whole, so at most a few times a second; make
   * sure it catches up once the run stops adding rows. */
  if (self->strip != NULL && serial == self->seen_serial && self->strip_serial != serial
      && now - self->strip_time >= STRIP_INTERVAL_US)
    {
      feed_strip (self, h);
      self->strip_time = now;
      self->strip_serial = serial;
      changed = TRUE;
    }
  if (serial == self->seen_serial)
    {
      update_status (self);
      return changed;
    }

  /* Copy what at least one chart has not seen yet. */
  from = G_MAXINT64;
  eval_from = G_MAXINT64;
  ev_from = G_MAXINT64;
  {
    TimeChart *charts[] = { &self->loss, &self->acc };

    for (gsize c = 0; c < G_N_ELEMENTS (charts); c++)
      if (charts[c]->chart != NULL)
        {
          from = MIN (from, charts[c]->steps_seen);
          eval_from = MIN (eval_from, charts[c]->evals_seen);
          ev_from = MIN (ev_from, charts[c]->events_seen);
        }
    if (self->strip != NULL)
      ev_from = MIN (ev_from, self->strip_events_seen);
  }
  if (from == G_MAXINT64)
    from = gr_history_n_steps (h) - 1;
  from = MAX (from, 0);
  n_steps = gr_history_n_steps (h) - from;
  if (n_steps > 0)
    {
      ensure_steps (self, (gsize) n_steps);
      n_steps = gr_history_copy_steps (h, from, n_steps, self->steps);
    }
  if (eval_from == G_MAXINT64)
    eval_from = MAX (gr_history_n_evals (h) - 1, 0);
  n_evals = gr_history_n_evals (h) - eval_from;
  if (n_evals > 0)
    {
      ensure_evals (self, (gsize) n_evals);
      n_evals = gr_history_copy_evals (h, eval_from, n_evals, self->evals);
    }
  if (ev_from == G_MAXINT64)
    ev_from = gr_history_n_events (h);
  n_events = gr_history_n_events (h) - ev_from;
  if (n_events > 0)
    {
      events = g_new (GrEvent, n_events);
      n_events = gr_history_copy_events (h, ev_from, n_events, events);
    }

  /* A reset during the copy: drop it, the next frame starts afresh. */
  if (gradlab_trainer_get_generation (self->trainer) != gen)
    return TRUE;
  self->seen_serial = serial;

  if (self->loss.chart != NULL)
    feed_time_chart (&self->loss, TRUE, self->steps, from, n_steps, self->evals, eval_from,
                     n_evals);
  if (self->acc.chart != NULL)
    feed_time_chart (&self->acc, FALSE, self->steps, from, n_steps, self->evals, eval_from,
                     n_evals);
  if (n_events > 0)
    {
      gboolean knob = FALSE;

      feed_events (self, events, ev_from, n_events);
      for (gint64 i = 0; i < n_events; i++)
        knob |= events[i].kind == GR_EVENT_KNOB;
      if (knob)
        g_signal_emit (self, signals[SIGNAL_KNOB_EVENT], 0);
    }
  if (self->strip != NULL && now - self->strip_time >= STRIP_INTERVAL_US)
    {
      feed_strip (self, h);
      self->strip_time = now;
      self->strip_serial = serial;
    }
  if (self->bars != NULL || self->health != NULL)
    feed_latest_probes (self, h);

  if (n_steps > 0)
    {
      self->last_step = self->steps[n_steps - 1].step;
      self->last_epoch = (int) self->steps[n_steps - 1].epoch;
    }
  if (n_evals > 0)
    {
      self->last_val_acc = self->evals[n_evals - 1].val_acc;
      self->last_val_loss = self->evals[n_evals - 1].val_loss;
    }
  update_status (self);
  return TRUE;
}

/* Measures what a frame that showed new data cost the main thread
 * (layout and paint of everything the new data touched). */
static void
after_paint_cb (GdkFrameClock    *clock,
                GradlabDashboard *self)
{
  gint64 cost;

  if (self->frame_start == 0)
    return;
  cost = g_get_monotonic_time () - self->frame_start;
  self->frame_start = 0;
  /* A slowly forgetting average, so one slow frame does not stall the
   * plots and one fast frame does not undo the pacing. */
  self->frame_cost = self->frame_cost > 0 ? (3 * self->frame_cost + cost) / 4 : cost;
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  GradlabDashboard *self = GRADLAB_DASHBOARD (widget);
  gint64 now = g_get_monotonic_time ();
  /* At most ~30 pulls a second, and fewer when drawing what they bring
   * is expensive (large windows, software rendering): the frames that
   * show new data may take 1/PACE_FACTOR of the main thread's time, so
   * the worker keeps the processor. */
  gint64 interval = MAX (TICK_INTERVAL_US, self->frame_cost * PACE_FACTOR);

  if (clock != self->clock)
    {
      if (self->clock != NULL)
        g_signal_handlers_disconnect_by_func (self->clock, after_paint_cb, self);
      g_set_object (&self->clock, clock);
      g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), self);
    }
  if (now - self->last_tick >= MIN (interval, G_USEC_PER_SEC))
    {
      self->last_tick = now;
      if (gradlab_dashboard_update (self))
        self->frame_start = now;
    }
  return G_SOURCE_CONTINUE;
}

static void
smoothing_changed_cb (GtkRange         *range,
                      GradlabDashboard *self)
{
  double v = gtk_range_get_value (range);

  if (self->loss.chart != NULL)
    gradlab_series_chart_set_smoothing (GRADLAB_SERIES_CHART (self->loss.chart), v);
  if (self->acc.chart != NULL)
    gradlab_series_chart_set_smoothing (GRADLAB_SERIES_CHART (self->acc.chart), v);
}

static void
log_y_toggled_cb (GtkToggleButton  *button,
                  GradlabDashboard *self)
{
  if (self->loss.chart != NULL)
    gradlab_series_chart_set_log_y (GRADLAB_SERIES_CHART (self->loss.chart),
                                    gtk_toggle_button_get_active (button));
}

static void
follow_toggled_cb (GtkToggleButton  *button,
                   GradlabDashboard *self)
{
  gboolean follow = gtk_toggle_button_get_active (button);

  if (self->loss.chart != NULL)
    gradlab_series_chart_set_follow (GRADLAB_SERIES_CHART (self->loss.chart), follow);
  if (self->acc.chart != NULL)
    gradlab_series_chart_set_follow (GRADLAB_SERIES_CHART (self->acc.chart), follow);
}

static void
health_selected_cb (GradlabHealthView *view,
                    GParamSpec        *pspec,
                    GradlabDashboard  *self)
{
  int layer = gradlab_health_view_get_selected_layer (view);

  gradlab_health_view_set_histogram (view, 0, 0, 1, NULL);
  if (self->trainer != NULL)
    gradlab_trainer_set_histogram_layer (self->trainer, layer);
}

static void
add_class_toggled_cb (GtkToggleButton  *button,
                      GradlabDashboard *self)
{
  if (self->surface != NULL && gtk_toggle_button_get_active (button))
    gradlab_surface_view_set_add_class (GRADLAB_SURFACE_VIEW (self->surface),
                                        GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button),
                                                                            "class")));
}

static GtkWidget *
new_time_chart (const char *title,
                const char *y_label,
                gboolean    is_loss)
{
  GtkWidget *w = gradlab_series_chart_new ();
  GradlabSeriesChart *chart = GRADLAB_SERIES_CHART (w);
  GdkRGBA batch, train, val;

  gradlab_palette_color (8, &batch);
  gradlab_palette_color (0, &train);
  gradlab_palette_color (1, &val);
  gradlab_series_chart_set_title (chart, title);
  gradlab_series_chart_set_x_label (chart, _("step"));
  gradlab_series_chart_set_y_label (chart, y_label);
  gradlab_series_chart_add_series (chart, _("train (batch)"), &batch, FALSE);
  gradlab_series_chart_add_series (chart, _("train"), &train, FALSE);
  gradlab_series_chart_add_series (chart, _("validation"), &val, TRUE);
  gradlab_series_chart_set_gap_pair (chart, SERIES_TRAIN, SERIES_VAL);
  gradlab_series_chart_set_best (chart, SERIES_VAL,
                                 is_loss ? GRADLAB_BEST_MIN : GRADLAB_BEST_MAX,
                                 _("best val"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  return w;
}

/* Views with one row per layer ask for more height the deeper the
 * network; in a scrolled window they take the row's share and scroll
 * only when a row would get thinner than its text. */
static GtkWidget *
scrolled (GtkWidget *child)
{
  GtkWidget *scroll = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroll), 150);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), child);
  return scroll;
}

static GtkWidget *
card (GtkWidget *child,
      GtkWidget *extra)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "view-card");
  gtk_widget_set_overflow (box, GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_vexpand (child, TRUE);
  gtk_widget_set_hexpand (child, TRUE);
  gtk_box_append (GTK_BOX (box), child);
  if (extra != NULL)
    gtk_box_append (GTK_BOX (box), extra);
  return box;
}

const char *
gradlab_dashboard_view_title (GradlabViewFlags view)
{
  switch ((int) view)
    {
    case GRADLAB_VIEW_LOSS:
      return _("Loss");
    case GRADLAB_VIEW_ACCURACY:
      return _("Accuracy");
    case GRADLAB_VIEW_GRAD_STRIP:
      return _("Gradient norm per layer over steps");
    case GRADLAB_VIEW_LAYER_BARS:
      return _("Gradients per layer, this step");
    case GRADLAB_VIEW_HEALTH:
      return _("Activation health");
    case GRADLAB_VIEW_SURFACE:
      return _("Decision surface");
    case GRADLAB_VIEW_NEURONS:
      return _("Hidden units");
    default:
      return "";
    }
}

static GtkWidget *
surface_controls (GradlabDashboard *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (_("Click adds"));
  GtkWidget *blue = gtk_toggle_button_new_with_label (_("Blue (0)"));
  GtkWidget *orange = gtk_toggle_button_new_with_label (_("Orange (1)"));

  gtk_widget_add_css_class (box, "view-toolbar");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (orange), GTK_TOGGLE_BUTTON (blue));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (blue), TRUE);
  gtk_widget_add_css_class (blue, "class-0");
  gtk_widget_add_css_class (orange, "class-1");
  g_object_set_data (G_OBJECT (blue), "class", GINT_TO_POINTER (0));
  g_object_set_data (G_OBJECT (orange), "class", GINT_TO_POINTER (1));
  g_signal_connect (blue, "toggled", G_CALLBACK (add_class_toggled_cb), self);
  g_signal_connect (orange, "toggled", G_CALLBACK (add_class_toggled_cb), self);
  gtk_widget_set_tooltip_text (box, _("The class of points added by clicking the plane "
                                      "(Shift-click always adds orange)"));
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), blue);
  gtk_box_append (GTK_BOX (box), orange);
  gtk_widget_add_css_class (box, "linked-toggles");
  return box;
}

void
gradlab_dashboard_set_views (GradlabDashboard *self,
                             GradlabViewFlags  views)
{
  ViewItem items[8];
  guint n = 0;
  int col = 0, row = 0;
  GtkWidget *child;

  g_return_if_fail (GRADLAB_IS_DASHBOARD (self));

  while ((child = gtk_widget_get_first_child (self->grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->grid), child);
  self->loss.chart = NULL;
  self->acc.chart = NULL;
  self->strip = NULL;
  self->bars = NULL;
  self->health = NULL;
  self->surface = NULL;
  self->neurons = NULL;
  self->seg_lab = NULL;
  self->rf_lab = NULL;
  self->views = views;

  /* The segmentation and receptive-field labs are whole panels with
   * their own cards and refresh. */
  if ((views & GRADLAB_VIEW_SEGMENTATION) && self->trainer != NULL)
    {
      self->seg_lab = gradlab_seg_lab_new (self->trainer);
      items[n++] = (ViewItem) { GRADLAB_VIEW_SEGMENTATION, self->seg_lab, 2, 690 };
    }
  if ((views & GRADLAB_VIEW_RECEPTIVE_FIELD) && self->trainer != NULL)
    {
      self->rf_lab = gradlab_rf_lab_new (self->trainer);
      items[n++] = (ViewItem) { GRADLAB_VIEW_RECEPTIVE_FIELD, self->rf_lab, 2, 690 };
    }

  if (views & GRADLAB_VIEW_SURFACE)
    {
      self->surface = gradlab_surface_view_new ();
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->surface),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      gradlab_dashboard_view_title (GRADLAB_VIEW_SURFACE), -1);
      gtk_widget_set_size_request (self->surface, 220, 220);
      items[n++] = (ViewItem) { GRADLAB_VIEW_SURFACE,
                                          card (self->surface, surface_controls (self)), 1, 280 };
    }
  if (views & GRADLAB_VIEW_NEURONS)
    {
      GtkWidget *scroll = gtk_scrolled_window_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      GtkWidget *title = gtk_label_new (gradlab_dashboard_view_title (GRADLAB_VIEW_NEURONS));

      self->neurons = gradlab_neuron_grid_new ();
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->neurons),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      gradlab_dashboard_view_title (GRADLAB_VIEW_NEURONS), -1);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), self->neurons);
      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_AUTOMATIC,
                                      GTK_POLICY_AUTOMATIC);
      gtk_widget_set_vexpand (scroll, TRUE);
      gtk_widget_add_css_class (title, "view-title");
      gtk_label_set_xalign (GTK_LABEL (title), 0.0);
      gtk_box_append (GTK_BOX (box), title);
      gtk_box_append (GTK_BOX (box), scroll);
      items[n++] = (ViewItem) { GRADLAB_VIEW_NEURONS, card (box, NULL), 1, 280 };
    }
  if (views & GRADLAB_VIEW_GRAD_STRIP)
    {
      self->strip = gradlab_grad_strip_new ();
      gradlab_grad_strip_set_title (GRADLAB_GRAD_STRIP (self->strip),
                                    gradlab_dashboard_view_title (GRADLAB_VIEW_GRAD_STRIP));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->strip),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      gradlab_dashboard_view_title (GRADLAB_VIEW_GRAD_STRIP), -1);
      items[n++] = (ViewItem) { GRADLAB_VIEW_GRAD_STRIP, card (scrolled (self->strip), NULL), 2, 180 };
    }

  if (views & GRADLAB_VIEW_LAYER_BARS)
    {
      self->bars = gradlab_layer_bars_new ();
      gradlab_layer_bars_set_panel (GRADLAB_LAYER_BARS (self->bars), 0, _("Gradient norm"),
                                    NAN, NULL);
      if (views & GRADLAB_VIEW_OPT_ACT_SCALE)
        gradlab_layer_bars_set_panel (GRADLAB_LAYER_BARS (self->bars), 1,
                                      _("Activation std"), NAN, NULL);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->bars),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      gradlab_dashboard_view_title (GRADLAB_VIEW_LAYER_BARS), -1);
      items[n++] = (ViewItem) { GRADLAB_VIEW_LAYER_BARS, card (scrolled (self->bars), NULL), 1, 180 };
    }
  if (views & GRADLAB_VIEW_HEALTH)
    {
      self->health = gradlab_health_view_new ();
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->health),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      gradlab_dashboard_view_title (GRADLAB_VIEW_HEALTH), -1);
      g_signal_connect (self->health, "notify::selected-layer",
                        G_CALLBACK (health_selected_cb), self);
      items[n++] = (ViewItem) { GRADLAB_VIEW_HEALTH, card (scrolled (self->health), NULL), 2, 180 };
    }
  if (views & GRADLAB_VIEW_LOSS)
    {
      self->loss.chart = new_time_chart (gradlab_dashboard_view_title (GRADLAB_VIEW_LOSS),
                                         _("loss"), TRUE);
      items[n++] = (ViewItem) { GRADLAB_VIEW_LOSS, card (self->loss.chart, NULL), 1, 180 };
    }
  if (views & GRADLAB_VIEW_ACCURACY)
    {
      self->acc.chart = new_time_chart (gradlab_dashboard_view_title (GRADLAB_VIEW_ACCURACY),
                                        _("accuracy"), FALSE);
      items[n++] = (ViewItem) { GRADLAB_VIEW_ACCURACY, card (self->acc.chart, NULL), 1, 180 };
    }
  /* Two columns. A view left alone on its row takes both; two plots
   * alone are stacked, each as wide as the window allows; the health
   * view, tall with one row per layer, takes two rows of one column
   * when two views follow it to fill the other. */
  {
    gboolean used[16][2] = { { FALSE } };

    for (guint i = 0; i < n; i++)
      {
        int span = items[i].span, rows = 1;

        if (items[i].flag == GRADLAB_VIEW_HEALTH && n - i - 1 >= 2
            && items[i + 1].span == 1 && items[i + 2].span == 1)
          {
            span = 1;
            rows = 2;
          }
        if (n <= 2 && (views & (GRADLAB_VIEW_LOSS | GRADLAB_VIEW_ACCURACY))
                      == (GRADLAB_VIEW_LOSS | GRADLAB_VIEW_ACCURACY))
          span = 2;
        /* The first free cell, in reading order, where it fits. */
        for (row = 0; row < 14; row++)
          {
            for (col = 0; col + span <= 2; col++)
              {
                gboolean free = TRUE;

                for (int r = row; r < row + rows; r++)
                  for (int c = col; c < col + span; c++)
                    free &= !used[r][c];
                if (free)
                  break;
              }
            if (col + span <= 2)
              break;
          }
        /* Alone on its row: take the whole row. */
        if (span == 1 && rows == 1 && col == 0 && !used[row][1]
            && (i + 1 == n || items[i + 1].span == 2))
          span = 2;
        for (int r = row; r < row + rows; r++)
          for (int c = col; c < col + span; c++)
            used[r][c] = TRUE;
        gtk_widget_set_size_request (items[i].card, -1, items[i].min_height);
        gtk_grid_attach (GTK_GRID (self->grid), items[i].card, col, row, span, rows);
      }
  }

  smoothing_changed_cb (GTK_RANGE (self->smoothing), self);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->log_y),
                                (views & GRADLAB_VIEW_OPT_LOG_LOSS) != 0);
  log_y_toggled_cb (GTK_TOGGLE_BUTTON (self->log_y), self);
  follow_toggled_cb (GTK_TOGGLE_BUTTON (self->follow), self);
  gtk_widget_set_visible (gtk_widget_get_parent (self->smoothing),
                          (views & (GRADLAB_VIEW_LOSS | GRADLAB_VIEW_ACCURACY)) != 0);

  /* Start the views afresh from the history. */
  self->seen_generation = (guint) -1;
  if (self->surface != NULL)
    gradlab_dashboard_set_points (self, self->extent,
                                  self->train_class->len, (float *) self->train_xy->data,
                                  (int *) self->train_class->data,
                                  self->val_class->len, (float *) self->val_xy->data,
                                  (int *) self->val_class->data);
  if (self->health != NULL && self->trainer != NULL)
    gradlab_trainer_set_histogram_layer (self->trainer, -1);
}

GradlabViewFlags
gradlab_dashboard_get_views (GradlabDashboard *self)
{
  g_return_val_if_fail (GRADLAB_IS_DASHBOARD (self), 0);
  return self->views;
}

GtkWidget *
gradlab_dashboard_get_view (GradlabDashboard *self,
                            GradlabViewFlags  view)
{
  g_return_val_if_fail (GRADLAB_IS_DASHBOARD (self), NULL);

  switch ((int) view)
    {
    case GRADLAB_VIEW_LOSS:
      return self->loss.chart;
    case GRADLAB_VIEW_ACCURACY:
      return self->acc.chart;
    case GRADLAB_VIEW_GRAD_STRIP:
      return self->strip;
    case GRADLAB_VIEW_LAYER_BARS:
      return self->bars;
    case GRADLAB_VIEW_HEALTH:
      return self->health;
    case GRADLAB_VIEW_SURFACE:
      return self->surface;
    case GRADLAB_VIEW_NEURONS:
      return self->neurons;
    case GRADLAB_VIEW_SEGMENTATION:
      return self->seg_lab;
    case GRADLAB_VIEW_RECEPTIVE_FIELD:
      return self->rf_lab;
    default:
      return NULL;
    }
}

void
gradlab_dashboard_set_points (GradlabDashboard *self,
                              double            extent,
                              guint             n_train,
                              const float      *train_xy,
                              const int        *train_class,
                              guint             n_val,
                              const float      *val_xy,
                              const int        *val_class)
{
  g_return_if_fail (GRADLAB_IS_DASHBOARD (self));

  self->extent = extent > 0 ? extent : 1.0;
  /* The arguments may be our own arrays (from set_views). */
  if (train_xy != (float *) self->train_xy->data)
    {
      g_array_set_size (self->train_xy, 0);
      g_array_set_size (self->train_class, 0);
      g_array_set_size (self->val_xy, 0);
      g_array_set_size (self->val_class, 0);
      g_array_append_vals (self->train_xy, train_xy, 2 * n_train);
      g_array_append_vals (self->train_class, train_class, n_train);
      g_array_append_vals (self->val_xy, val_xy, 2 * n_val);
      g_array_append_vals (self->val_class, val_class, n_val);
    }
  if (self->surface == NULL)
    return;
  gradlab_surface_view_set_range (GRADLAB_SURFACE_VIEW (self->surface), -self->extent,
                                  self->extent, -self->extent, self->extent);
  gradlab_surface_view_set_points (GRADLAB_SURFACE_VIEW (self->surface), GRADLAB_POINTS_TRAIN,
                                   self->train_class->len, (float *) self->train_xy->data,
                                   (int *) self->train_class->data);
  gradlab_surface_view_set_points (GRADLAB_SURFACE_VIEW (self->surface), GRADLAB_POINTS_VAL,
                                   self->val_class->len, (float *) self->val_xy->data,
                                   (int *) self->val_class->data);
}

void
gradlab_dashboard_set_trainer (GradlabDashboard *self,
                               GradlabTrainer   *trainer)
{
  g_return_if_fail (GRADLAB_IS_DASHBOARD (self));

  if (g_set_object (&self->trainer, trainer))
    self->seen_generation = (guint) -1;
}

gboolean
gradlab_dashboard_flush (GradlabDashboard *self)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (GRADLAB_IS_DASHBOARD (self), FALSE);

  /* No rate limit for the views that have one. */
  self->strip_time = 0;
  if (self->seg_lab != NULL)
    changed |= gradlab_seg_lab_update (GRADLAB_SEG_LAB (self->seg_lab));
  if (self->rf_lab != NULL)
    changed |= gradlab_rf_lab_update (GRADLAB_RF_LAB (self->rf_lab));
  return gradlab_dashboard_update (self) || changed;
}

guint
gradlab_dashboard_get_n_markers (GradlabDashboard *self)
{
  g_return_val_if_fail (GRADLAB_IS_DASHBOARD (self), 0);
  return self->loss.n_markers;
}

gint64
gradlab_dashboard_get_n_steps (GradlabDashboard *self)
{
  g_return_val_if_fail (GRADLAB_IS_DASHBOARD (self), 0);
  return self->loss.steps_seen;
}

static void
gradlab_dashboard_dispose (GObject *object)
{
  GradlabDashboard *self = GRADLAB_DASHBOARD (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (self->clock != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->clock, after_paint_cb, self);
      g_clear_object (&self->clock);
    }
  g_clear_object (&self->trainer);
  G_OBJECT_CLASS (gradlab_dashboard_parent_class)->dispose (object);
}

static void
gradlab_dashboard_finalize (GObject *object)
{
  GradlabDashboard *self = GRADLAB_DASHBOARD (object);

  g_free (self->steps);
  g_free (self->evals);
  g_strfreev (self->layer_names);
  g_array_unref (self->train_xy);
  g_array_unref (self->train_class);
  g_array_unref (self->val_xy);
  g_array_unref (self->val_class);
  G_OBJECT_CLASS (gradlab_dashboard_parent_class)->finalize (object);
}

static void
gradlab_dashboard_class_init (GradlabDashboardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gradlab_dashboard_dispose;
  object_class->finalize = gradlab_dashboard_finalize;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "dashboard");

  /**
   * GradlabDashboard::knob-event:
   *
   * The run recorded knob changes the dashboard had not seen (from the
   * window, a timeline or an action), so knob rows may show stale values.
   */
  signals[SIGNAL_KNOB_EVENT] =
    g_signal_new ("knob-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
gradlab_dashboard_init (GradlabDashboard *self)
{
  GtkWidget *outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *controls = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label;
  GtkWidget *scroll;

  self->extent = 1.0;
  self->last_val_acc = NAN;
  self->last_val_loss = NAN;
  self->seen_generation = (guint) -1;
  self->train_xy = g_array_new (FALSE, FALSE, sizeof (float));
  self->train_class = g_array_new (FALSE, FALSE, sizeof (int));
  self->val_xy = g_array_new (FALSE, FALSE, sizeof (float));
  self->val_class = g_array_new (FALSE, FALSE, sizeof (int));

  gtk_widget_add_css_class (bar, "dashboard-bar");
  self->status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->status), 0.0);
  gtk_widget_set_hexpand (self->status, TRUE);
  /* Two lines rather than a cut-off number when the window is narrow. */
  gtk_label_set_wrap (GTK_LABEL (self->status), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->status), PANGO_WRAP_WORD);
  gtk_widget_add_css_class (self->status, "numeric");
  gtk_widget_add_css_class (self->status, "run-status");
  gtk_box_append (GTK_BOX (bar), self->status);

  label = gtk_label_new (_("Smooth"));
  gtk_widget_add_css_class (label, "dim-label");
  self->smoothing = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0.0, 0.99, 0.01);
  gtk_range_set_value (GTK_RANGE (self->smoothing), 0.6);
  gtk_scale_set_draw_value (GTK_SCALE (self->smoothing), FALSE);
  gtk_widget_set_size_request (self->smoothing, 70, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->smoothing),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Curve smoothing"), -1);
  gtk_widget_set_tooltip_text (self->smoothing,
                               _("Exponential moving average of the curves; the raw values "
                                 "stay visible, faint"));
  g_signal_connect (self->smoothing, "value-changed", G_CALLBACK (smoothing_changed_cb), self);
  self->log_y = gtk_toggle_button_new_with_label (_("Log y"));
  gtk_widget_add_css_class (self->log_y, "flat");
  gtk_widget_set_tooltip_text (self->log_y, _("Logarithmic loss axis"));
  g_signal_connect (self->log_y, "toggled", G_CALLBACK (log_y_toggled_cb), self);
  self->follow = gtk_toggle_button_new_with_label (_("Follow"));
  gtk_widget_add_css_class (self->follow, "flat");
  gtk_widget_set_tooltip_text (self->follow, _("Show only the latest steps instead of the "
                                               "whole run"));
  g_signal_connect (self->follow, "toggled", G_CALLBACK (follow_toggled_cb), self);
  gtk_box_append (GTK_BOX (controls), label);
  gtk_box_append (GTK_BOX (controls), self->smoothing);
  gtk_box_append (GTK_BOX (controls), self->log_y);
  gtk_box_append (GTK_BOX (controls), self->follow);
  gtk_box_append (GTK_BOX (bar), controls);

  self->grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 12);
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 12);
  gtk_grid_set_column_homogeneous (GTK_GRID (self->grid), TRUE);
  /* Rows share the height the window gives, so a lab's views fit on
   * screen when they can. */
  gtk_grid_set_row_homogeneous (GTK_GRID (self->grid), TRUE);
  gtk_widget_set_vexpand (self->grid, TRUE);
  gtk_widget_add_css_class (self->grid, "dashboard-grid");

  scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), self->grid);
  gtk_widget_set_vexpand (scroll, TRUE);

  gtk_box_append (GTK_BOX (outer), bar);
  gtk_box_append (GTK_BOX (outer), scroll);
  adw_bin_set_child (ADW_BIN (self), outer);

  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

GtkWidget *
gradlab_dashboard_new (void)
{
  return g_object_new (GRADLAB_TYPE_DASHBOARD, NULL);
}
