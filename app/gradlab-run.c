/* gradlab-run: trains one experiment (a preset or a file) without a
 * window, with progress on stderr and, with --out DIR, metrics.csv and
 * summary.json in DIR. The loop lives here; the engine exposes a step.
 *
 * metrics.csv has one row per training step (split "train": the loss and
 * accuracy of that step's batch in training mode, the learning rate used,
 * and the gradient norm of every weighted layer, columns
 * "grad_norm:<layer>", input side first) and one row per evaluation
 * (split "val": loss and accuracy over the validation set in eval mode;
 * the gradient columns are empty). Numbers are written with 9 significant
 * digits, so two runs with the same seed and thread count give
 * byte-identical files. Nothing time-dependent goes into it.
 *
 * Exit status: 0 done; 1 an output could not be written; 2 bad input or
 * usage; 3 the run diverged. */

#include <errno.h>
#include <glib.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gr-doctor.h"
#include "gr-geometry.h"
#include "gradlab-experiment.h"

#define EXIT_OK        0
#define EXIT_OUTPUT    1
#define EXIT_USAGE     2
#define EXIT_DIVERGED  3

#define DEFAULT_PRESET "spiral"

typedef struct
{
  gboolean  list;
  gboolean  describe;
  char    **sets;
  gint64    steps;       /* -1: not given */
  int       epochs;      /* -1: not given */
  char     *seed;
  char     *out;
  int       threads;
  char     *data_dir;
  char     *save_ckpt;
  char     *load_ckpt;
  gboolean  quiet;
} Options;

static void
options_clear (Options *o)
{
  g_strfreev (o->sets);
  g_free (o->seed);
  g_free (o->out);
  g_free (o->data_dir);
  g_free (o->save_ckpt);
  g_free (o->load_ckpt);
}

static int
fail (int         code,
      const char *fmt,
      ...) G_GNUC_PRINTF (2, 3);

static int
fail (int         code,
      const char *fmt,
      ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_printerr ("gradlab-run: %s\n", msg);
  return code;
}

/* ------------------------------------------------------------------ */
/* Number formatting: locale-independent, fixed precision.              */

static void
append_num (GString *s,
            double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v))
    return;
  g_ascii_formatd (buf, sizeof buf, "%.9g", v);
  g_string_append (s, buf);
}

/* A JSON number, or null for NaN/Inf. */
static void
append_json_num (GString *s,
                 double   v)
{
  if (!isfinite (v))
    g_string_append (s, "null");
  else
    append_num (s, v);
}

static void
append_json_str (GString    *s,
                 const char *v)
{
  g_string_append_c (s, '"');
  for (const char *p = v; *p; p++)
    {
      unsigned char c = (unsigned char) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (s, "\\%c", c);
      else if (c == '\n')
        g_string_append (s, "\\n");
      else if (c < 0x20)
        g_string_append_printf (s, "\\u%04x", c);
      else
        g_string_append_c (s, (char) c);
    }
  g_string_append_c (s, '"');
}

/* ------------------------------------------------------------------ */
/* --list and --describe                                                */

static int
list_presets (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) presets = gradlab_experiment_list_presets (&error);
  int name_w = 0, lab_w = 0;

  if (presets == NULL)
    return fail (EXIT_USAGE, "%s", error->message);
  for (guint i = 0; i < presets->len; i++)
    {
      GradlabPresetInfo *p = presets->pdata[i];

      name_w = MAX (name_w, (int) strlen (p->name));
      lab_w = MAX (lab_w, (int) strlen (p->lab));
    }
  for (guint i = 0; i < presets->len; i++)
    {
      GradlabPresetInfo *p = presets->pdata[i];

      g_print ("%-*s  %-*s  %s\n", name_w, p->name, lab_w, p->lab, p->description);
    }
  return EXIT_OK;
}

static int
describe (const GradlabExperiment *exp,
          const GradlabData       *data)
{
  g_autoptr (GError) error = NULL;
  g_autofree GrGeometry *geo = g_new0 (GrGeometry, 1);
  g_autofree char *table = NULL;
  GrModelSpec spec;
  GrNet *net;
  char err[512];
  size_t len;

  if (!gradlab_experiment_model_spec (exp, data->train, &spec, &error))
    return fail (EXIT_USAGE, "%s", error->message);
  net = gr_model_build (&spec, 1, err, sizeof err);
  if (net == NULL)
    return fail (EXIT_USAGE, "%s: model: %s", exp->name, err);
  gr_geometry_compute (net, geo);
  len = gr_geometry_format_table (geo, NULL, 0);
  table = g_malloc (len + 1);
  gr_geometry_format_table (geo, table, len + 1);
  g_print (_("%s: %s\ndata: %s, %d training and %d validation samples of %dx%dx%d\n\n"),
           exp->name, exp->description, exp->data.name, data->train->n, data->val->n,
           data->train->sample.c, data->train->sample.h, data->train->sample.w);
  g_print ("%s", table);
  if (len > 0 && table[len - 1] != '\n')
    g_print ("\n");
  gr_net_free (net);
  return EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* The run                                                              */

typedef struct
{
  const GradlabExperiment *exp;
  GrSession               *s;
  GrDoctor                *doctor;    /* may be NULL (out of memory) */
  int                      n_shown;   /* doctor log entries printed */
  GrNet                   *net;
  int                      n_layers;
  FILE                    *csv;       /* NULL without --out */
  gboolean                 quiet;
  gboolean                 seg;

  gint64                   samples;   /* training samples seen */
  gint64                   train_us;  /* time spent in steps */
  gint64                   samples_since;
  gint64                   us_since;

  gboolean                 have_eval;
  GrEvalRecord             last_eval;
  GrEvalRecord             best_eval; /* lowest validation loss */
  float                    last_lr;
} Run;

static void
csv_header (Run *r)
{
  GString *s = g_string_new ("step,epoch,split,loss,accuracy,lr");

  for (int i = 0; i < r->n_layers; i++)
    g_string_append_printf (s, ",grad_norm:%s",
                            gr_net_node_spec (r->net, gr_net_weighted_node (r->net, i))->name);
  g_string_append_c (s, '\n');
  fputs (s->str, r->csv);
  g_string_free (s, TRUE);
}

static void
csv_train_row (Run                *r,
               const GrStepRecord *rec)
{
  const GrProbe *probes = gr_session_probes (r->s);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",train,",
                          rec->step, rec->epoch);
  append_num (s, rec->loss);
  g_string_append_c (s, ',');
  append_num (s, rec->acc);
  g_string_append_c (s, ',');
  append_num (s, rec->lr);
  for (int i = 0; i < r->n_layers; i++)
    {
      g_string_append_c (s, ',');
      append_num (s, probes[i].grad_norm);
    }
  g_string_append_c (s, '\n');
  fputs (s->str, r->csv);
  g_string_free (s, TRUE);
}

static void
csv_val_row (Run                *r,
             const GrEvalRecord *ev)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",val,",
                          ev->step, ev->epoch);
  append_num (s, ev->val_loss);
  g_string_append_c (s, ',');
  append_num (s, ev->val_acc);
  g_string_append_c (s, ',');
  append_num (s, r->last_lr);
  for (int i = 0; i < r->n_layers; i++)
    g_string_append_c (s, ',');
  g_string_append_c (s, '\n');
  fputs (s->str, r->csv);
  g_string_free (s, TRUE);
}

static void
print_progress (Run                *r,
                const GrEvalRecord *ev)
{
  GString *s;
  double rate;

  if (r->quiet)
    return;
  s = g_string_new (NULL);
  rate = r->us_since > 0 ? r->samples_since * 1e6 / (double) r->us_since : 0.0;
  g_string_append_printf (s, _("step %6lld  epoch %4lld"), (long long) ev->step,
                          (long long) ev->epoch);
  g_string_append_printf (s, _("  train loss %.4f"), ev->train_loss);
  if (isfinite (ev->train_acc))
    g_string_append_printf (s, _(" acc %5.1f %%"), 100.0 * ev->train_acc);
  g_string_append_printf (s, _("  val loss %.4f"), ev->val_loss);
  if (isfinite (ev->val_acc))
    g_string_append_printf (s, _(" acc %5.1f %%"), 100.0 * ev->val_acc);
  if (r->seg && isfinite (ev->miou))
    g_string_append_printf (s, _("  mIoU %.3f"), ev->miou);
  g_string_append_printf (s, _("  %.0f samples/s"), rate);
  g_printerr ("%s\n", s->str);
  g_string_free (s, TRUE);
  r->samples_since = 0;
  r->us_since = 0;
}

static const char *
layer_name (Run *r,
            int  layer)
{
  if (layer < 0 || layer >= r->n_layers)
    return "";
  return gr_net_node_spec (r->net, gr_net_weighted_node (r->net, layer))->name;
}

/* Lets the doctor look at what is new and prints what it raised. */
static void
observe (Run *r)
{
  int n;

  if (r->doctor == NULL)
    return;
  gr_doctor_observe (r->doctor, r->s);
  n = gr_doctor_n_log (r->doctor);
  for (; r->n_shown < n; r->n_shown++)
    {
      GrFinding f;
      char line[1024];

      if (gr_doctor_copy_log (r->doctor, r->n_shown, 1, &f) != 1)
        break;
      gr_finding_format_line (&f, line, sizeof line);
      if (!r->quiet)
        g_printerr (_("doctor: %s\n"), line);
    }
}

/* Evaluates and logs. Returns the engine's status. */
static GrStatus
evaluate (Run *r)
{
  GrEvalRecord ev;
  GrStatus st = gr_session_evaluate (r->s, &ev);

  if (st != GR_OK)
    return st;
  observe (r);
  if (r->csv != NULL)
    csv_val_row (r, &ev);
  print_progress (r, &ev);
  if (!r->have_eval || ev.val_loss < r->best_eval.val_loss || !isfinite (r->best_eval.val_loss))
    r->best_eval = ev;
  r->last_eval = ev;
  r->have_eval = TRUE;
  return GR_OK;
}

static const char *
event_kind_name (GrEventKind k)
{
  switch (k)
    {
    case GR_EVENT_KNOB:
      return "knob";
    case GR_EVENT_RESET:
      return "reset";
    case GR_EVENT_DIVERGED:
      return "diverged";
    case GR_EVENT_NOTE:
    default:
      return "note";
    }
}

static char *
summary_json (Run        *r,
              const char *status,
              const char *error_text,
              int         threads)
{
  GString *s = g_string_new ("{\n");
  const GrEvalRecord *ev = &r->last_eval;
  GrHistory *h = gr_session_history (r->s);
  const GrProbe *probes = gr_session_probes (r->s);
  gint64 n_events = gr_history_n_events (h);
  g_autofree GrEvent *events = g_new0 (GrEvent, MAX (n_events, 1));
  double secs = r->train_us / 1e6;

  g_string_append (s, "  \"preset\": ");
  append_json_str (s, r->exp->name);
  g_string_append (s, ",\n  \"lab\": ");
  append_json_str (s, r->exp->lab);
  g_string_append (s, ",\n  \"data\": ");
  append_json_str (s, r->exp->data.name);
  g_string_append_printf (s, ",\n  \"seed\": %" G_GUINT64_FORMAT, r->exp->seed);
  g_string_append_printf (s, ",\n  \"threads\": %d", threads);
  g_string_append_printf (s, ",\n  \"steps\": %" G_GINT64_FORMAT, gr_session_step_count (r->s));
  g_string_append_printf (s, ",\n  \"epochs\": %" G_GINT64_FORMAT, gr_session_epoch (r->s));
  g_string_append (s, ",\n  \"status\": ");
  append_json_str (s, status);
  g_string_append (s, ",\n  \"error\": ");
  if (error_text != NULL)
    append_json_str (s, error_text);
  else
    g_string_append (s, "null");

  g_string_append (s, ",\n  \"final\": {");
  if (r->have_eval)
    {
      g_string_append_printf (s, "\n    \"step\": %" G_GINT64_FORMAT, ev->step);
      g_string_append (s, ",\n    \"train_loss\": ");
      append_json_num (s, ev->train_loss);
      g_string_append (s, ",\n    \"val_loss\": ");
      append_json_num (s, ev->val_loss);
      g_string_append (s, ",\n    \"train_acc\": ");
      append_json_num (s, ev->train_acc);
      g_string_append (s, ",\n    \"val_acc\": ");
      append_json_num (s, ev->val_acc);
      if (r->seg)
        {
          int C = ev->n_classes;
          float freq[GR_MAX_CLASSES] = { 0 };
          int64_t confusion[GR_MAX_CLASSES * GR_MAX_CLASSES];

          gr_session_class_freq (r->s, freq);
          g_string_append (s, ",\n    \"pixel_acc\": ");
          append_json_num (s, ev->pixel_acc);
          g_string_append (s, ",\n    \"miou\": ");
          append_json_num (s, ev->miou);
          g_string_append (s, ",\n    \"class_iou\": [");
          for (int c = 0; c < C; c++)
            {
              g_string_append (s, c ? ", " : "");
              append_json_num (s, ev->class_iou[c]);
            }
          g_string_append (s, "],\n    \"class_freq\": [");
          for (int c = 0; c < C; c++)
            {
              g_string_append (s, c ? ", " : "");
              append_json_num (s, freq[c]);
            }
          /* Row = true class, column = predicted, in pixels. */
          gr_session_confusion (r->s, confusion);
          g_string_append (s, "],\n    \"confusion\": [");
          for (int t = 0; t < C; t++)
            {
              g_string_append (s, t ? ", [" : "[");
              for (int c = 0; c < C; c++)
                g_string_append_printf (s, "%s%" G_GINT64_FORMAT, c ? ", " : "",
                                        confusion[t * C + c]);
              g_string_append (s, "]");
            }
          g_string_append (s, "]");
        }
      g_string_append (s, "\n  }");
    }
  else
    g_string_append (s, "}");

  g_string_append (s, ",\n  \"best\": {");
  if (r->have_eval)
    {
      g_string_append_printf (s, "\"step\": %" G_GINT64_FORMAT ", \"val_loss\": ",
                              r->best_eval.step);
      append_json_num (s, r->best_eval.val_loss);
      g_string_append (s, ", \"val_acc\": ");
      append_json_num (s, r->best_eval.val_acc);
    }
  g_string_append (s, "}");

  g_string_append (s, ",\n  \"layers\": [");
  for (int i = 0; i < r->n_layers; i++)
    {
      const GrProbe *p = &probes[i];

      g_string_append (s, i ? ",\n    {" : "\n    {");
      g_string_append (s, "\"name\": ");
      append_json_str (s, gr_net_node_spec (r->net, gr_net_weighted_node (r->net, i))->name);
      g_string_append (s, ", \"grad_norm\": ");
      append_json_num (s, p->grad_norm);
      g_string_append (s, ", \"weight_norm\": ");
      append_json_num (s, p->weight_norm);
      g_string_append (s, ", \"update_ratio\": ");
      append_json_num (s, p->update_ratio);
      g_string_append (s, ", \"dead_frac\": ");
      append_json_num (s, p->dead_frac);
      g_string_append (s, ", \"saturated_frac\": ");
      append_json_num (s, p->saturated_frac);
      g_string_append (s, ", \"act_mean\": ");
      append_json_num (s, p->act_mean);
      g_string_append (s, ", \"act_std\": ");
      append_json_num (s, p->act_std);
      g_string_append (s, ", \"clip_share\": ");
      append_json_num (s, p->clip_share);
      g_string_append (s, "}");
    }
  g_string_append (s, r->n_layers ? "\n  ]" : "]");

  g_string_append (s, ",\n  \"throughput\": {\"samples_per_s\": ");
  append_json_num (s, secs > 0 ? r->samples / secs : 0.0);
  g_string_append (s, ", \"steps_per_s\": ");
  append_json_num (s, secs > 0 ? gr_history_n_steps (h) / secs : 0.0);
  g_string_append (s, ", \"train_seconds\": ");
  append_json_num (s, secs);
  g_string_append (s, "}");

  g_string_append (s, ",\n  \"findings\": [");
  {
    int n = r->doctor ? gr_doctor_n_log (r->doctor) : 0;

    for (int i = 0; i < n; i++)
      {
        GrFinding f;
        char buf[4096];

        if (gr_doctor_copy_log (r->doctor, i, 1, &f) != 1)
          break;
        gr_finding_format_json (&f, layer_name (r, f.layer), buf, sizeof buf);
        g_string_append (s, i ? ",\n    " : "\n    ");
        g_string_append (s, buf);
      }
    g_string_append (s, n ? "\n  ]" : "]");
  }

  n_events = gr_history_copy_events (h, 0, n_events, events);
  g_string_append (s, ",\n  \"events\": [");
  for (gint64 i = 0; i < n_events; i++)
    {
      g_string_append_printf (s, "%s{\"step\": %" G_GINT64_FORMAT ", \"kind\": \"%s\", "
                              "\"text\": ", i ? ",\n    " : "\n    ", events[i].step,
                              event_kind_name (events[i].kind));
      append_json_str (s, events[i].text);
      g_string_append (s, "}");
    }
  g_string_append (s, n_events ? "\n  ]" : "]");
  g_string_append (s, "\n}\n");
  return g_string_free (s, FALSE);
}

static int
train (GradlabExperiment *exp,
       GradlabData       *data,
       const Options     *opt)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *csv_path = NULL;
  g_autofree char *summary_path = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *diverged = NULL;
  int threads = opt->threads > 0 ? opt->threads : 1;
  GrHistory *h;
  GrStatus st = GR_OK;
  gint64 last_epoch, start_us;
  Run r = { 0 };
  int code = EXIT_OK;

  r.exp = exp;
  r.quiet = opt->quiet;
  r.s = gradlab_experiment_new_session (exp, data, threads, &error);
  if (r.s == NULL)
    return fail (EXIT_USAGE, "%s", error->message);
  r.net = gr_session_net (r.s);
  r.n_layers = gr_net_n_weighted (r.net);
  r.doctor = gr_doctor_new (NULL);
  r.seg = data->train->labels != NULL
          && (data->train->target_shape.h > 1 || data->train->target_shape.w > 1);
  h = gr_session_history (r.s);

  if (opt->load_ckpt != NULL)
    {
      st = gr_session_load_checkpoint (r.s, opt->load_ckpt);
      if (st != GR_OK)
        {
          gr_session_free (r.s);
          gr_doctor_free (r.doctor);
          return fail (EXIT_USAGE, _("%s: cannot load the checkpoint: %s"), opt->load_ckpt,
                       gr_status_to_string (st));
        }
    }

  if (opt->out != NULL)
    {
      if (g_mkdir_with_parents (opt->out, 0755) != 0)
        {
          int e = errno;

          gr_session_free (r.s);
          gr_doctor_free (r.doctor);
          return fail (EXIT_USAGE, _("--out %s: %s"), opt->out, g_strerror (e));
        }
      csv_path = g_build_filename (opt->out, "metrics.csv", NULL);
      summary_path = g_build_filename (opt->out, "summary.json", NULL);
      r.csv = fopen (csv_path, "w");
      if (r.csv == NULL)
        {
          int e = errno;

          gr_session_free (r.s);
          gr_doctor_free (r.doctor);
          return fail (EXIT_USAGE, "%s: %s", csv_path, g_strerror (e));
        }
      csv_header (&r);
    }

  if (!opt->quiet)
    {
      if (exp->steps > 0)
        g_printerr (_("%s: training %s for %lld steps (seed %llu, %d training samples)\n"),
                    exp->name, exp->data.name, (long long) exp->steps,
                    (unsigned long long) exp->seed, data->train->n);
      else
        g_printerr (_("%s: training %s for %d epochs (seed %llu, %d training samples)\n"),
                    exp->name, exp->data.name, exp->epochs, (unsigned long long) exp->seed,
                    data->train->n);
      for (int i = 0; data->warnings != NULL && data->warnings[i] != NULL; i++)
        g_printerr (_("skipped: %s\n"), data->warnings[i]);
    }

  last_epoch = gr_session_epoch (r.s);
  start_us = g_get_monotonic_time ();
  for (;;)
    {
      gint64 step = gr_session_step_count (r.s), t0;
      GrStepRecord rec;
      gboolean due;

      if (exp->steps > 0 ? step >= exp->steps : gr_session_epoch (r.s) >= exp->epochs)
        break;
      t0 = g_get_monotonic_time ();
      st = gr_session_step (r.s);
      r.train_us += g_get_monotonic_time () - t0;
      r.us_since += g_get_monotonic_time () - t0;
      observe (&r);
      if (st == GR_ERR_NONFINITE)
        {
          diverged = g_strdup (gr_session_error (r.s));
          break;
        }
      if (st != GR_OK)
        {
          code = fail (EXIT_USAGE, "%s: %s", exp->name, gr_session_error (r.s));
          break;
        }
      gr_history_copy_steps (h, gr_history_n_steps (h) - 1, 1, &rec);
      r.samples += rec.batch;
      r.samples_since += rec.batch;
      r.last_lr = rec.lr;
      if (r.csv != NULL)
        csv_train_row (&r, &rec);

      due = exp->eval_every > 0 ? rec.step % exp->eval_every == 0
                                : gr_session_epoch (r.s) > last_epoch;
      last_epoch = gr_session_epoch (r.s);
      if (due)
        {
          st = evaluate (&r);
          if (st == GR_ERR_NONFINITE)
            {
              diverged = g_strdup (gr_session_error (r.s));
              break;
            }
        }
    }
  (void) start_us;

  /* A last evaluation unless the last step was just evaluated. */
  if (code == EXIT_OK && diverged == NULL
      && (!r.have_eval || r.last_eval.step != gr_session_step_count (r.s)))
    {
      st = evaluate (&r);
      if (st == GR_ERR_NONFINITE)
        diverged = g_strdup (gr_session_error (r.s));
    }

  if (code == EXIT_OK && diverged != NULL)
    {
      /* The engine's message starts "step N: " (or "evaluation at step N: "). */
      if (g_str_has_prefix (diverged, "step "))
        code = fail (EXIT_DIVERGED, _("the run diverged at %s"), diverged);
      else
        code = fail (EXIT_DIVERGED, _("the run diverged: %s"), diverged);
    }
  else if (code == EXIT_OK && !opt->quiet && r.have_eval)
    {
      double secs = r.train_us / 1e6;

      g_printerr (_("done: %lld steps, %lld epochs in %.1f s (%.0f samples/s); "
                    "validation loss %.4f"),
                  (long long) gr_session_step_count (r.s), (long long) gr_session_epoch (r.s), secs,
                  secs > 0 ? r.samples / secs : 0.0, r.last_eval.val_loss);
      if (isfinite (r.last_eval.val_acc))
        g_printerr (_(", accuracy %.2f %%"), 100.0 * r.last_eval.val_acc);
      if (r.seg && isfinite (r.last_eval.miou))
        g_printerr (_(", mIoU %.3f"), r.last_eval.miou);
      g_printerr ("\n");
    }

  if (r.csv != NULL && fclose (r.csv) != 0 && code == EXIT_OK)
    code = fail (EXIT_OUTPUT, "%s: %s", csv_path, g_strerror (errno));
  if (summary_path != NULL && (code == EXIT_OK || code == EXIT_DIVERGED))
    {
      g_autoptr (GError) werr = NULL;

      summary = summary_json (&r, diverged ? "diverged" : "ok", diverged, threads);
      if (!g_file_set_contents (summary_path, summary, -1, &werr))
        code = fail (EXIT_OUTPUT, "%s", werr->message);
      else if (!opt->quiet)
        g_printerr (_("wrote %s and %s\n"), csv_path, summary_path);
    }
  if (opt->save_ckpt != NULL && (code == EXIT_OK || code == EXIT_DIVERGED))
    {
      st = gr_session_save_checkpoint (r.s, opt->save_ckpt);
      if (st != GR_OK)
        code = fail (EXIT_OUTPUT, _("%s: cannot save the checkpoint: %s"), opt->save_ckpt,
                     gr_status_to_string (st));
    }
  gr_session_free (r.s);
  gr_doctor_free (r.doctor);
  return code;
}

static int
run (int    argc,
     char **argv)
{
  Options opt = { .steps = -1, .epochs = -1 };
  GOptionEntry entries[] = {
    { "list", 'l', 0, G_OPTION_ARG_NONE, &opt.list, N_("List the presets"), NULL },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &opt.sets,
      N_("Set a knob or field, e.g. lr=0.01, data.noise=0.3, model.depth=3 (repeatable)"),
      N_("KEY=VALUE") },
    { "steps", 'n', 0, G_OPTION_ARG_INT64, &opt.steps, N_("Train until this many steps"),
      N_("N") },
    { "epochs", 'e', 0, G_OPTION_ARG_INT, &opt.epochs, N_("Train for this many epochs"),
      N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &opt.seed, N_("The run's seed"), N_("S") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &opt.out,
      N_("Write metrics.csv and summary.json into DIR"), N_("DIR") },
    { "threads", 't', 0, G_OPTION_ARG_INT, &opt.threads, N_("Threads (default 1)"), N_("T") },
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &opt.data_dir,
      N_("Train a segmentation preset on a folder of images/ and masks/ PNGs"), N_("DIR") },
    { "describe", 'd', 0, G_OPTION_ARG_NONE, &opt.describe,
      N_("Print the network's layer table and exit"), NULL },
    { "save-checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &opt.save_ckpt,
      N_("Save a checkpoint at the end"), N_("FILE") },
    { "load-checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &opt.load_ckpt,
      N_("Resume from a checkpoint (--steps counts from the start of the run)"), N_("FILE") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt.quiet, N_("No progress output"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("[PRESET|FILE.json]"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GradlabExperiment) exp = NULL;
  g_autoptr (GradlabData) data = NULL;
  const char *what;
  int code;

  g_option_context_set_summary (ctx, _("Trains a Gradlab experiment without a window. With no "
                                       "argument it trains the preset '" DEFAULT_PRESET "'."));
  g_option_context_set_description (ctx, _("With --out DIR, DIR/metrics.csv gets one row per "
                                           "training step (split \"train\": that batch's "
                                           "loss and accuracy, the learning rate, and "
                                           "grad_norm:<layer> for every weighted layer) and "
                                           "one row per evaluation (split \"val\", once per "
                                           "epoch unless eval_every is set), and "
                                           "DIR/summary.json the final numbers, per-layer "
                                           "health of the last step, throughput and knob "
                                           "events.\n\nExit status: 0 done, 1 an output "
                                           "could not be written, 2 bad input or usage, 3 "
                                           "the run diverged."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      code = fail (EXIT_USAGE, _("%s (see --help)"), error->message);
      options_clear (&opt);
      return code;
    }
  if (opt.list)
    {
      options_clear (&opt);
      return list_presets ();
    }
  if (argc > 2)
    {
      code = fail (EXIT_USAGE, _("give one preset or file, not %d (see --help)"), argc - 1);
      options_clear (&opt);
      return code;
    }
  what = argc == 2 ? argv[1] : DEFAULT_PRESET;

  exp = gradlab_experiment_load (what, &error);
  if (exp == NULL)
    {
      code = fail (EXIT_USAGE, "%s", error->message);
      options_clear (&opt);
      return code;
    }
  code = EXIT_OK;
  if (opt.data_dir != NULL
      && (!gradlab_experiment_set (exp, "data.name", "png-folder", &error)
          || !gradlab_experiment_set (exp, "data.dir", opt.data_dir, &error)))
    code = fail (EXIT_USAGE, "--data %s: %s", opt.data_dir, error->message);
  for (int i = 0; code == EXIT_OK && opt.sets != NULL && opt.sets[i] != NULL; i++)
    if (!gradlab_experiment_apply_set (exp, opt.sets[i], &error))
      code = fail (EXIT_USAGE, "%s", error->message);
  if (code == EXIT_OK && opt.steps != -1 && opt.epochs != -1)
    code = fail (EXIT_USAGE, _("give --steps or --epochs, not both"));
  if (code == EXIT_OK && opt.steps != -1)
    {
      if (opt.steps < 1)
        code = fail (EXIT_USAGE, _("--steps %lld: give at least 1"),
                    (long long) opt.steps);
      else
        exp->steps = opt.steps;
    }
  if (code == EXIT_OK && opt.epochs != -1)
    {
      if (opt.epochs < 1)
        code = fail (EXIT_USAGE, _("--epochs %d: give at least 1"), opt.epochs);
      else
        {
          exp->epochs = opt.epochs;
          exp->steps = 0;
        }
    }
  if (code == EXIT_OK && opt.seed != NULL
      && !g_ascii_string_to_unsigned (opt.seed, 10, 0, G_MAXUINT64, &exp->seed, NULL))
    code = fail (EXIT_USAGE, _("--seed %s: not a whole number >= 0"), opt.seed);
  if (code == EXIT_OK && (opt.threads < 0 || opt.threads > 64))
    code = fail (EXIT_USAGE, _("--threads %d: give 1 to 64"), opt.threads);
  if (code == EXIT_OK && !gradlab_experiment_validate (exp, &error))
    code = fail (EXIT_USAGE, "%s: %s", exp->source ? exp->source : exp->name, error->message);
  if (code == EXIT_OK)
    {
      data = gradlab_experiment_make_data (exp, &error);
      if (data == NULL)
        code = fail (EXIT_USAGE, "%s", error->message);
    }
  if (code == EXIT_OK)
    code = opt.describe ? describe (exp, data) : train (exp, data, &opt);
  options_clear (&opt);
  return code;
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  /* The engine reads and writes knob values with the C library, which
   * follows LC_NUMERIC; experiment files always use a decimal point. */
  setlocale (LC_NUMERIC, "C");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  return run (argc, argv);
}
