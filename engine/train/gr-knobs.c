/* Knobs by name: one table drives parsing, printing, validation and
 * diffs, so experiment files, --set, the timeline and the UI agree on every
 * name and range. */

#include "gr-knobs.h"

#include "gr-i18n.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum
{
  K_FLOAT,
  K_INT,
  K_BOOL,
  K_ENUM,
  K_LIST,
} KnobType;

typedef struct
{
  const char *name;
  KnobType    type;
  size_t      offset;      /* of the field in GrKnobs */
  double      lo, hi;      /* inclusive range for numbers */
  bool        lo_open;     /* lo itself not allowed */
  bool        hi_open;     /* hi itself not allowed */
  const char *(*enum_name) (int);
  int         (*enum_parse) (const char *);
  int         n_enum;
  size_t      count_offset; /* K_LIST: the int holding the count */
  bool        reset;        /* takes effect on reset only */
} KnobDef;

static const char *opt_name_i (int v) { return gr_opt_name ((GrOptKind) v); }
static const char *act_name_i (int v) { return gr_act_name ((GrActKind) v); }
static const char *loss_name_i (int v) { return gr_loss_name ((GrLossKind) v); }
static const char *weighting_name_i (int v) { return gr_weighting_name ((GrWeighting) v); }
static const char *init_name_i (int v) { return gr_init_name ((GrInitKind) v); }

static const char *const sched_names[GR_N_SCHEDS] = { "constant", "step", "cosine" };

static const char *
sched_name_i (int v)
{
  return (unsigned) v < GR_N_SCHEDS ? sched_names[v] : "?";
}

static int
sched_parse (const char *s)
{
  for (int i = 0; i < GR_N_SCHEDS; i++)
    if (strcmp (s, sched_names[i]) == 0)
      return i;
  return -1;
}

#define OFF(f) offsetof (GrKnobs, f)
#define NUM(n, t, f, l, h, lopen, hopen) \
  { .name = n, .type = t, .offset = OFF (f), .lo = l, .hi = h, .lo_open = lopen, .hi_open = hopen }
#define ENUM(n, f, nm, ps, cnt) \
  { .name = n, .type = K_ENUM, .offset = OFF (f), .enum_name = nm, .enum_parse = ps, .n_enum = cnt }

static const KnobDef knob_defs[] = {
  ENUM ("optimizer", optimizer, opt_name_i, gr_opt_parse, GR_N_OPTS),
  NUM ("lr", K_FLOAT, lr, 0.0, 100.0, true, false),
  NUM ("momentum", K_FLOAT, momentum, 0.0, 1.0, false, true),
  NUM ("beta1", K_FLOAT, beta1, 0.0, 1.0, false, true),
  NUM ("beta2", K_FLOAT, beta2, 0.0, 1.0, false, true),
  NUM ("eps", K_FLOAT, eps, 0.0, 1.0, true, false),
  NUM ("l2", K_FLOAT, l2, 0.0, 10.0, false, false),
  NUM ("weight_decay", K_FLOAT, weight_decay, 0.0, 10.0, false, false),
  NUM ("clip_norm", K_FLOAT, clip_norm, 0.0, 1e6, false, false),
  NUM ("clip_value", K_FLOAT, clip_value, 0.0, 1e6, false, false),
  ENUM ("schedule", schedule, sched_name_i, sched_parse, GR_N_SCHEDS),
  NUM ("step_size", K_INT, step_size, 1, 1e9, false, false),
  NUM ("gamma", K_FLOAT, gamma, 0.0, 1.0, true, false),
  NUM ("cosine_steps", K_INT, cosine_steps, 1, 1e9, false, false),
  NUM ("lr_min", K_FLOAT, lr_min, 0.0, 100.0, false, false),
  NUM ("warmup_steps", K_INT, warmup_steps, 0, 1e9, false, false),
  NUM ("dropout", K_FLOAT, dropout, 0.0, 1.0, false, true),
  { .name = "batch_norm", .type = K_BOOL, .offset = OFF (batch_norm) },
  ENUM ("activation", activation, act_name_i, gr_act_parse, GR_N_ACTS),
  ENUM ("loss", loss, loss_name_i, gr_loss_parse, GR_N_LOSSES),
  ENUM ("weighting", weighting, weighting_name_i, gr_weighting_parse, GR_N_WEIGHTINGS),
  { .name = "class_weights", .type = K_LIST, .offset = OFF (custom_weights),
    .count_offset = OFF (n_custom_weights), .lo = 0.0, .hi = 1e6 },
  NUM ("focal_gamma", K_FLOAT, focal_gamma, 0.0, 10.0, false, false),
  { .name = "focal_alpha", .type = K_LIST, .offset = OFF (focal_alpha),
    .count_offset = OFF (n_focal_alpha), .lo = 0.0, .hi = 1e6 },
  NUM ("dice_mix", K_FLOAT, dice_mix, 0.0, 1.0, false, false),
  NUM ("batch_size", K_INT, batch_size, 1, 4096, false, false),
  NUM ("input_noise", K_FLOAT, input_noise, 0.0, 100.0, false, false),
  { .name = "init", .type = K_ENUM, .offset = OFF (init), .enum_name = init_name_i,
    .enum_parse = gr_init_parse, .n_enum = GR_N_INITS, .reset = true },
  { .name = "init_sigma", .type = K_FLOAT, .offset = OFF (init_sigma), .lo = 0.0,
    .hi = 100.0, .lo_open = true, .reset = true },
};

#define N_KNOBS (sizeof knob_defs / sizeof knob_defs[0])

static const char *knob_names[N_KNOBS + 1];

static void
fill_knob_names (void)
{
  for (size_t i = 0; i < N_KNOBS; i++)
    knob_names[i] = knob_defs[i].name;
}

const char *const *
gr_knobs_names (void)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;

  pthread_once (&once, fill_knob_names);
  return knob_names;
}

static const KnobDef *
find_def (const char *key)
{
  for (size_t i = 0; i < N_KNOBS; i++)
    if (strcmp (knob_defs[i].name, key) == 0)
      return &knob_defs[i];
  return NULL;
}

bool
gr_knobs_needs_reset (const char *key)
{
  const KnobDef *d = find_def (key);

  return d != NULL && d->reset;
}

void
gr_knobs_defaults (GrKnobs *k)
{
  memset (k, 0, sizeof *k);
  k->optimizer = GR_OPT_SGD;
  k->lr = 0.1f;
  k->momentum = 0.9f;
  k->beta1 = 0.9f;
  k->beta2 = 0.999f;
  k->eps = 1e-8f;
  k->schedule = GR_SCHED_CONSTANT;
  k->step_size = 1000;
  k->gamma = 0.1f;
  k->cosine_steps = 10000;
  k->batch_norm = true;
  k->activation = GR_ACT_RELU;
  k->loss = GR_LOSS_CE;
  k->weighting = GR_WEIGHTING_NONE;
  k->focal_gamma = 2.0f;
  k->dice_mix = 0.5f;
  k->batch_size = 32;
  k->init = GR_INIT_HE;
  k->init_sigma = 1.0f;
}

static bool
range_ok (const KnobDef *d,
          double         v)
{
  if (!isfinite (v))
    return false;
  if (d->lo_open ? v <= d->lo : v < d->lo)
    return false;
  if (d->hi_open ? v >= d->hi : v > d->hi)
    return false;
  return true;
}

static void
range_text (const KnobDef *d,
            char          *buf,
            size_t         len)
{
  snprintf (buf, len, "%c%g, %g%c", d->lo_open ? '(' : '[', d->lo, d->hi,
            d->hi_open ? ')' : ']');
}

static bool
parse_double (const char *s,
              double     *out)
{
  char *end;

  errno = 0;
  *out = strtod (s, &end);
  if (end == s || errno == ERANGE)
    return false;
  while (*end == ' ')
    end++;
  return *end == '\0';
}

static GrStatus
knobs_set_c (GrKnobs    *k,
              const char *key,
              const char *value,
              char       *err,
              size_t      err_len)
{
  const KnobDef *d = find_def (key);
  char *field = (char *) k;
  char range[64];
  double v;

  if (d == NULL)
    {
      /* TRANSLATORS: knob messages start with the knob's name in single
       * quotes, as typed in experiment files and --set; never translate it. */
      snprintf (err, err_len, GR_("unknown knob '%s'"), key);
      return GR_ERR_ARG;
    }
  field += d->offset;
  switch (d->type)
    {
    case K_FLOAT:
    case K_INT:
      range_text (d, range, sizeof range);
      if (!parse_double (value, &v))
        {
          snprintf (err, err_len, GR_("knob '%s': '%s' is not a number"), key, value);
          return GR_ERR_ARG;
        }
      if (d->type == K_INT && v != floor (v))
        {
          snprintf (err, err_len, GR_("knob '%s': '%s' is not a whole number"), key, value);
          return GR_ERR_ARG;
        }
      if (!range_ok (d, v))
        {
          /* TRANSLATORS: knob name, the value given, its range such as
           * "[0, 10)" (brackets include the bound, parentheses exclude it). */
          snprintf (err, err_len, GR_("knob '%s': %s is outside %s"), key, value, range);
          return GR_ERR_ARG;
        }
      if (d->type == K_FLOAT)
        *(float *) field = (float) v;
      else
        *(int *) field = (int) v;
      return GR_OK;
    case K_BOOL:
      if (!strcasecmp (value, "true") || !strcasecmp (value, "on") || !strcmp (value, "1"))
        *(bool *) field = true;
      else if (!strcasecmp (value, "false") || !strcasecmp (value, "off")
               || !strcmp (value, "0"))
        *(bool *) field = false;
      else
        {
          snprintf (err, err_len, GR_("knob '%s': '%s' is not true or false"), key, value);
          return GR_ERR_ARG;
        }
      return GR_OK;
    case K_ENUM:
      {
        int e = d->enum_parse (value);

        if (e < 0)
          {
            /* TRANSLATORS: knob name, the value given; the accepted names
             * follow, separated by commas. */
            size_t used = (size_t) snprintf (err, err_len, GR_("knob '%s': '%s' is not one of"),
                                             key, value);

            for (int i = 0; i < d->n_enum && used < err_len; i++)
              used += (size_t) snprintf (err + used, err_len - used, "%s %s",
                                         i ? "," : "", d->enum_name (i));
            return GR_ERR_ARG;
          }
        *(int *) field = e;
        return GR_OK;
      }
    case K_LIST:
      {
        float vals[GR_MAX_CLASSES];
        int n = 0;
        const char *p = value;

        while (*p)
          {
            char item[64];
            size_t len = strcspn (p, ",");

            if (len >= sizeof item || n >= GR_MAX_CLASSES)
              {
                snprintf (err, err_len, GR_("knob '%s': more than %d values or a value too long"),
                          key, GR_MAX_CLASSES);
                return GR_ERR_ARG;
              }
            memcpy (item, p, len);
            item[len] = '\0';
            if (!parse_double (item, &v) || !range_ok (d, v))
              {
                snprintf (err, err_len, GR_("knob '%s': item %d '%s' is not a number >= 0"),
                          key, n + 1, item);
                return GR_ERR_ARG;
              }
            vals[n++] = (float) v;
            p += len;
            if (*p == ',')
              p++;
          }
        memcpy (field, vals, sizeof (float) * n);
        *(int *) ((char *) k + d->count_offset) = n;
        /* Naming weights means using them. */
        if (d->offset == OFF (custom_weights) && n > 0)
          k->weighting = GR_WEIGHTING_CUSTOM;
        return GR_OK;
      }
    default:
      snprintf (err, err_len, GR_("knob '%s' has no parser"), key);
      return GR_ERR_ARG;
    }
}

/* The shortest %g text that reads back as exactly @v: "0.1" stays "0.1",
 * and a checkpoint's knob block restores the very same bits. */
static void
format_float (char   *buf,
              size_t  len,
              float   v)
{
  for (int prec = 6; prec < 9; prec++)
    {
      snprintf (buf, len, "%.*g", prec, v);
      if (strtof (buf, NULL) == v)
        return;
    }
  snprintf (buf, len, "%.9g", v);
}

static bool
knobs_get_c (const GrKnobs *k,
              const char    *key,
              char          *buf,
              size_t         len)
{
  const KnobDef *d = find_def (key);
  const char *field = (const char *) k;

  if (d == NULL)
    return false;
  field += d->offset;
  switch (d->type)
    {
    case K_FLOAT:
      format_float (buf, len, *(const float *) field);
      break;
    case K_INT:
      snprintf (buf, len, "%d", *(const int *) field);
      break;
    case K_BOOL:
      snprintf (buf, len, "%s", *(const bool *) field ? "true" : "false");
      break;
    case K_ENUM:
      snprintf (buf, len, "%s", d->enum_name (*(const int *) field));
      break;
    case K_LIST:
      {
        int n = *(const int *) ((const char *) k + d->count_offset);
        size_t used = 0;

        buf[0] = '\0';
        for (int i = 0; i < n && used < len; i++)
          {
            char item[32];

            format_float (item, sizeof item, ((const float *) field)[i]);
            used += (size_t) snprintf (buf + used, len - used, "%s%s", i ? "," : "", item);
          }
        break;
      }
    default:
      return false;
    }
  return true;
}

static GrStatus
knobs_validate_c (const GrKnobs *k,
                   int            max_batch,
                   const char   **key,
                   char          *err,
                   size_t         err_len)
{
  char buf[256];

  /* The same table and ranges as gr_knobs_set (), checked on the struct
   * itself (printing with %g could round a value onto a bound). */
  for (size_t i = 0; i < N_KNOBS; i++)
    {
      const KnobDef *d = &knob_defs[i];
      const char *field = (const char *) k + d->offset;
      double v;

      switch (d->type)
        {
        case K_FLOAT:
        case K_INT:
          v = d->type == K_FLOAT ? *(const float *) field : *(const int *) field;
          if (!range_ok (d, v))
            {
              char range[64];

              range_text (d, range, sizeof range);
              knobs_get_c (k, d->name, buf, sizeof buf);
              *key = d->name;
              snprintf (err, err_len, GR_("%s is outside %s"), buf, range);
              return GR_ERR_ARG;
            }
          break;
        case K_ENUM:
          if (*(const int *) field < 0 || *(const int *) field >= d->n_enum)
            {
              *key = d->name;
              snprintf (err, err_len, GR_("invalid value %d"), *(const int *) field);
              return GR_ERR_ARG;
            }
          break;
        case K_LIST:
          {
            int n = *(const int *) ((const char *) k + d->count_offset);

            for (int j = 0; j < n; j++)
              if (!range_ok (d, ((const float *) field)[j]))
                {
                  *key = d->name;
                  snprintf (err, err_len, GR_("item %d is negative or not finite"), j + 1);
                  return GR_ERR_ARG;
                }
            break;
          }
        case K_BOOL:
        default:
          break;
        }
    }
  if (max_batch > 0 && k->batch_size > max_batch)
    {
      *key = "batch_size";
      snprintf (err, err_len, GR_("%d is larger than this run's maximum %d"), k->batch_size,
                max_batch);
      return GR_ERR_ARG;
    }
  return GR_OK;
}

static int
knobs_diff_c (const GrKnobs *a,
               const GrKnobs *b,
               char          *buf,
               size_t         len)
{
  int changes = 0;
  size_t used = 0;

  if (len)
    buf[0] = '\0';
  for (size_t i = 0; i < N_KNOBS; i++)
    {
      char va[128], vb[128];

      knobs_get_c (a, knob_defs[i].name, va, sizeof va);
      knobs_get_c (b, knob_defs[i].name, vb, sizeof vb);
      if (strcmp (va, vb) == 0)
        continue;
      if (used < len)
        used += (size_t) snprintf (buf + used, len - used, "%s%s %s → %s",
                                   changes ? "; " : "", knob_defs[i].name, va, vb);
      changes++;
    }
  return changes;
}

float
gr_knobs_lr_at (const GrKnobs *k,
                long           step)
{
  double lr = k->lr;

  switch (k->schedule)
    {
    case GR_SCHED_STEP:
      lr *= pow (k->gamma, (double) (step / k->step_size));
      break;
    case GR_SCHED_COSINE:
      {
        /* One half-period down to lr_min, then stay there (no restarts). */
        double t = step >= k->cosine_steps ? 1.0 : (double) step / k->cosine_steps;

        lr = k->lr_min + (k->lr - k->lr_min) * 0.5 * (1.0 + cos (M_PI * t));
        break;
      }
    case GR_SCHED_CONSTANT:
    case GR_N_SCHEDS:
    default:
      break;
    }
  if (k->warmup_steps > 0 && step < k->warmup_steps)
    lr *= (double) (step + 1) / (k->warmup_steps + 1);
  return (float) lr;
}

/* Knob text is data (files, checkpoints, --set), not prose: numbers are
 * always read and written with a '.' decimal point, whatever LC_NUMERIC the
 * application runs under. uselocale () switches only the calling thread.
 * Only LC_NUMERIC is "C": the other categories are copied from the global
 * locale (set by the front end before any knob is touched), so the GR_ ()
 * error texts are still translated (LC_MESSAGES, LC_CTYPE). */
static locale_t c_numeric;

static void
make_c_numeric (void)
{
  locale_t base = duplocale (LC_GLOBAL_LOCALE);

  c_numeric = base ? newlocale (LC_NUMERIC_MASK, "C", base) : (locale_t) 0;
  if (c_numeric == (locale_t) 0)
    {
      if (base)
        freelocale (base);
      c_numeric = newlocale (LC_NUMERIC_MASK, "C", (locale_t) 0);
    }
}

static locale_t
enter_c_numeric (void)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;

  pthread_once (&once, make_c_numeric);
  return c_numeric ? uselocale (c_numeric) : (locale_t) 0;
}

static void
leave_c_numeric (locale_t old)
{
  if (old)
    uselocale (old);
}

GrStatus
gr_knobs_set (GrKnobs    *k,
              const char *key,
              const char *value,
              char       *err,
              size_t      err_len)
{
  locale_t old = enter_c_numeric ();
  GrStatus st = knobs_set_c (k, key, value, err, err_len);

  leave_c_numeric (old);
  return st;
}

bool
gr_knobs_get (const GrKnobs *k,
              const char    *key,
              char          *buf,
              size_t         len)
{
  locale_t old = enter_c_numeric ();
  bool ok = knobs_get_c (k, key, buf, len);

  leave_c_numeric (old);
  return ok;
}

GrStatus
gr_knobs_check (const GrKnobs *k,
                int            max_batch,
                const char   **key,
                char          *err,
                size_t         err_len)
{
  locale_t old = enter_c_numeric ();
  const char *bad = NULL;
  GrStatus st = knobs_validate_c (k, max_batch, &bad, err, err_len);

  leave_c_numeric (old);
  if (key != NULL)
    *key = bad;
  return st;
}

GrStatus
gr_knobs_validate (const GrKnobs *k,
                   int            max_batch,
                   char          *err,
                   size_t         err_len)
{
  char detail[256];
  const char *key = NULL;
  GrStatus st = gr_knobs_check (k, max_batch, &key, detail, sizeof detail);

  if (st != GR_OK)
    /* TRANSLATORS: a knob's name, then what is wrong with its value. */
    snprintf (err, err_len, GR_("knob '%s': %s"), key ? key : "?", detail);
  return st;
}

int
gr_knobs_diff (const GrKnobs *a,
               const GrKnobs *b,
               char          *buf,
               size_t         len)
{
  locale_t old = enter_c_numeric ();
  int n = knobs_diff_c (a, b, buf, len);

  leave_c_numeric (old);
  return n;
}
