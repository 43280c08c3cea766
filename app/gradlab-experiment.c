/* Experiment files: JSON <-> GradlabExperiment, and from there to data
 * sets and a session.
 *
 * Every field is set from text by one function per section (data, MLP,
 * layer, knob, top level), so an experiment file and `--set KEY=VALUE`
 * accept exactly the same values and give the same messages. JSON scalars
 * are turned into that text first: numbers in their shortest exact form,
 * booleans as true/false, arrays as comma-separated lists.
 *
 * json-glib 1.6 keeps no source positions, so the loader runs a small
 * scanner over the raw text that records the line of every member and
 * array element by its JSON path ("model.layers[3].type"); messages look
 * the path up. The scanner also catches what JsonParser lets through:
 * text after the document and duplicate keys. */

#include "gradlab-experiment.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "grd-datasets.h"
#include "gradlab-paths.h"
#include "gradlab-presets-resources.h"

#define PRESET_PATH "/org/gradlab/Gradlab/presets/"
#define MAX_FILE_SIZE (16 * 1024 * 1024)

G_DEFINE_QUARK (gradlab-experiment-error-quark, gradlab_experiment_error)

static const char *const lab_names[] = {
  "playground", "activations", "batchnorm", "residual", "overfitting",
  "losses", "doctor", "segmentation", "receptive-field", NULL
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

/* Edit distance with adjacent transpositions counted as one edit
 * ("widht" is one typo away from "width"). */
static int
edit_distance (const char *a,
               const char *b)
{
  size_t la = strlen (a), lb = strlen (b), w = lb + 1;
  g_autofree int *d = g_new (int, (la + 1) * w);

  for (size_t i = 0; i <= la; i++)
    d[i * w] = (int) i;
  for (size_t j = 0; j <= lb; j++)
    d[j] = (int) j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++)
      {
        int best = d[(i - 1) * w + j - 1] + (a[i - 1] != b[j - 1]);

        best = MIN (best, d[(i - 1) * w + j] + 1);
        best = MIN (best, d[i * w + j - 1] + 1);
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          best = MIN (best, d[(i - 2) * w + j - 2] + 1);
        d[i * w + j] = best;
      }
  return d[la * w + lb];
}

/* The candidate closest to @word if it is close enough to be a typo of
 * it, else NULL. */
static const char *
closest (const char         *word,
         const char *const  *candidates,
         const char         *prefix)
{
  const char *best = NULL;
  int best_d = G_MAXINT;
  int limit = MAX (1, (int) strlen (word) / 3);

  for (int i = 0; candidates[i] != NULL; i++)
    {
      g_autofree char *full = g_strconcat (prefix ? prefix : "", candidates[i], NULL);
      int d = edit_distance (word, full);

      if (d < best_d)
        {
          best_d = d;
          best = candidates[i];
        }
    }
  return best_d <= limit ? best : NULL;
}

/* Appends " (did you mean 'X'?)" to @msg if a candidate is close. */
static char *
with_suggestion (char               *msg,
                 const char         *word,
                 const char *const  *candidates,
                 const char         *prefix)
{
  const char *best = closest (word, candidates, prefix);
  char *out;

  if (best == NULL)
    return msg;
  out = g_strdup_printf (_("%s (did you mean '%s%s'?)"), msg, prefix ? prefix : "", best);
  g_free (msg);
  return out;
}

static char *
join_names (const char *const *names)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; names[i] != NULL; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", names[i]);
  return g_string_free (s, FALSE);
}

/* The shortest decimal text that reads back as exactly @v. */
static void
format_float (char   *buf,
              size_t  len,
              float   v)
{
  for (int p = 1; p <= 9; p++)
    {
      char fmt[8];

      g_snprintf (fmt, sizeof fmt, "%%.%dg", p);
      g_ascii_formatd (buf, (int) len, fmt, v);
      if ((float) g_ascii_strtod (buf, NULL) == v)
        return;
    }
}

static void
format_double (char   *buf,
               size_t  len,
               double  v)
{
  for (int p = 1; p <= 17; p++)
    {
      char fmt[8];

      g_snprintf (fmt, sizeof fmt, "%%.%dg", p);
      g_ascii_formatd (buf, (int) len, fmt, v);
      if (g_ascii_strtod (buf, NULL) == v)
        return;
    }
}

/* Parses all of @text as a finite number, independent of the locale. */
static gboolean
parse_number (const char *text,
              double     *out)
{
  char *end;

  while (g_ascii_isspace (*text))
    text++;
  if (*text == '\0')
    return FALSE;
  errno = 0;
  *out = g_ascii_strtod (text, &end);
  if (end == text || errno == ERANGE || !isfinite (*out))
    return FALSE;
  while (g_ascii_isspace (*end))
    end++;
  return *end == '\0';
}

/* Rewrites numbers (and comma lists of numbers) in their shortest form, so
 * that text that went through JSON and back compares equal. */
static char *
normalize_value (const char *value)
{
  g_auto (GStrv) items = g_strsplit (value, ",", -1);
  GString *s;
  double v;

  for (int i = 0; items[i] != NULL; i++)
    if (!parse_number (items[i], &v))
      return g_strdup (value);
  s = g_string_new (NULL);
  for (int i = 0; items[i] != NULL; i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      parse_number (items[i], &v);
      format_double (buf, sizeof buf, v);
      g_string_append_printf (s, "%s%s", i ? "," : "", buf);
    }
  return g_string_free (s, FALSE);
}

static gboolean
parse_bool (const char *text,
            gboolean   *out)
{
  if (!g_ascii_strcasecmp (text, "true") || !g_ascii_strcasecmp (text, "on")
      || !strcmp (text, "1") || !g_ascii_strcasecmp (text, "yes"))
    *out = TRUE;
  else if (!g_ascii_strcasecmp (text, "false") || !g_ascii_strcasecmp (text, "off")
           || !strcmp (text, "0") || !g_ascii_strcasecmp (text, "no"))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
invalid (GError    **error,
         const char *fmt,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError    **error,
         const char *fmt,
         ...)
{
  va_list ap;
  char *msg;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_INVALID, msg);
  g_free (msg);
  return FALSE;
}

/* A number within [lo, hi] (open ends where asked); messages name the
 * range the way the engine's knobs do. */
static gboolean
parse_ranged (const char *text,
              double      lo,
              double      hi,
              gboolean    lo_open,
              gboolean    whole,
              double     *out,
              GError    **error)
{
  double v;

  if (!parse_number (text, &v))
    return invalid (error, _("'%s' is not a number"), text);
  if (whole && v != floor (v))
    return invalid (error, _("'%s' is not a whole number"), text);
  if ((lo_open ? v <= lo : v < lo) || v > hi)
    return invalid (error, _("%s is outside %c%g, %g]"), text, lo_open ? '(' : '[', lo, hi);
  *out = v;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Lines: a scan of the raw text for the line of every JSON path.       */

typedef struct
{
  const char *p, *end;
  int         line;
  int         depth;
  GHashTable *lines;      /* path -> line */
  GString    *path;
  char       *dup_path;   /* the first duplicated key */
  int         dup_line, dup_first_line;
} Scan;

static void
scan_ws (Scan *s)
{
  while (s->p < s->end)
    {
      char c = *s->p;

      if (c == '\n')
        {
          s->line++;
          s->p++;
        }
      else if (c == ' ' || c == '\t' || c == '\r')
        s->p++;
      else if (c == '/' && s->p + 1 < s->end && s->p[1] == '*')
        {
          /* JsonParser (GScanner) accepts C comments. */
          s->p += 2;
          while (s->p + 1 < s->end && !(s->p[0] == '*' && s->p[1] == '/'))
            {
              if (*s->p == '\n')
                s->line++;
              s->p++;
            }
          s->p = MIN (s->p + 2, s->end);
        }
      else
        break;
    }
}

static gboolean
scan_string (Scan    *s,
             GString *out)
{
  char quote = *s->p++;

  while (s->p < s->end && *s->p != quote)
    {
      if (*s->p == '\\' && s->p + 1 < s->end)
        {
          if (out != NULL)
            g_string_append_len (out, s->p, 2);
          s->p += 2;
          continue;
        }
      if (*s->p == '\n')
        s->line++;
      if (out != NULL)
        g_string_append_c (out, *s->p);
      s->p++;
    }
  if (s->p >= s->end)
    return FALSE;
  s->p++;
  return TRUE;
}

static void
scan_record (Scan *s,
             int   line)
{
  gpointer old;

  if (g_hash_table_lookup_extended (s->lines, s->path->str, NULL, &old) && s->dup_path == NULL)
    {
      s->dup_path = g_strdup (s->path->str);
      s->dup_line = line;
      s->dup_first_line = GPOINTER_TO_INT (old);
    }
  g_hash_table_insert (s->lines, g_strdup (s->path->str), GINT_TO_POINTER (line));
}

static gboolean
scan_value (Scan *s)
{
  scan_ws (s);
  if (s->p >= s->end || s->depth > 256)
    return FALSE;
  if (*s->p == '{' || *s->p == '[')
    {
      gboolean object = *s->p == '{';
      char close = object ? '}' : ']';
      int index = 0;

      s->p++;
      s->depth++;
      for (;;)
        {
          size_t old_len = s->path->len;
          int line;

          scan_ws (s);
          if (s->p >= s->end)
            return FALSE;
          if (*s->p == close)
            {
              s->p++;
              break;
            }
          line = s->line;
          if (object)
            {
              g_autoptr (GString) key = g_string_new (NULL);

              if (*s->p != '"' && *s->p != '\'')
                return FALSE;
              if (!scan_string (s, key))
                return FALSE;
              if (old_len > 0)
                g_string_append_c (s->path, '.');
              g_string_append (s->path, key->str);
              scan_record (s, line);
              scan_ws (s);
              if (s->p >= s->end || *s->p != ':')
                return FALSE;
              s->p++;
            }
          else
            {
              g_string_append_printf (s->path, "[%d]", index++);
              scan_record (s, line);
            }
          if (!scan_value (s))
            return FALSE;
          g_string_truncate (s->path, old_len);
          scan_ws (s);
          if (s->p < s->end && *s->p == ',')
            {
              s->p++;
              continue;
            }
          if (s->p < s->end && *s->p == close)
            {
              s->p++;
              break;
            }
          return FALSE;
        }
      s->depth--;
      return TRUE;
    }
  if (*s->p == '"' || *s->p == '\'')
    return scan_string (s, NULL);
  {
    const char *start = s->p;

    while (s->p < s->end && strchr (",:]} \t\r\n/{[", *s->p) == NULL)
      s->p++;
    return s->p > start;
  }
}

/* ------------------------------------------------------------------ */
/* Load context and located messages                                    */

typedef struct
{
  const char *source;     /* file name in messages */
  GHashTable *lines;      /* may be NULL */
  const char *base_dir;   /* for relative data.dir */
} Ctx;

static int
line_of (GHashTable *lines,
         const char *path)
{
  g_autofree char *p = g_strdup (path);

  if (lines == NULL)
    return 0;
  /* The field itself, else the closest enclosing one that has a line. */
  for (;;)
    {
      gpointer v;
      char *cut;

      if (g_hash_table_lookup_extended (lines, p, NULL, &v))
        return GPOINTER_TO_INT (v);
      cut = strrchr (p, '.');
      if (cut == NULL || (strrchr (p, '[') != NULL && strrchr (p, '[') > cut))
        cut = strrchr (p, '[');
      if (cut == NULL || cut == p)
        return 0;
      *cut = '\0';
    }
}

/* Prefixes an error from a field setter with "SOURCE:LINE: PATH: ". */
static void
locate (GError     **error,
        const char  *source,
        GHashTable  *lines,
        const char  *path)
{
  int line;

  if (error == NULL || *error == NULL)
    return;
  line = line_of (lines, path);
  if (source != NULL && line > 0)
    g_prefix_error (error, "%s:%d: %s: ", source, line, path);
  else if (source != NULL)
    g_prefix_error (error, "%s: %s: ", source, path);
  else
    g_prefix_error (error, "%s: ", path);
}

static gboolean
fail_at (const Ctx  *ctx,
         GError    **error,
         const char *path,
         const char *fmt,
         ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail_at (const Ctx  *ctx,
         GError    **error,
         const char *path,
         const char *fmt,
         ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_INVALID, msg);
  locate (error, ctx->source, ctx->lines, path);
  return FALSE;
}

/* The text of a scalar (or an array of scalars, comma-joined). */
static char *
node_text (JsonNode  *node,
           GError   **error)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_VALUE:
      {
        GType t = json_node_get_value_type (node);
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        if (t == G_TYPE_STRING)
          return g_strdup (json_node_get_string (node));
        if (t == G_TYPE_BOOLEAN)
          return g_strdup (json_node_get_boolean (node) ? "true" : "false");
        if (t == G_TYPE_INT64)
          return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
        if (t == G_TYPE_DOUBLE)
          {
            double v = json_node_get_double (node);

            if (!isfinite (v))
              {
                invalid (error, _("the number is too large"));
                return NULL;
              }
            format_double (buf, sizeof buf, v);
            return g_strdup (buf);
          }
        invalid (error, _("unsupported value"));
        return NULL;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);
        GString *s = g_string_new (NULL);

        for (guint i = 0; i < json_array_get_length (a); i++)
          {
            JsonNode *e = json_array_get_element (a, i);
            g_autofree char *t = NULL;

            if (JSON_NODE_TYPE (e) != JSON_NODE_VALUE)
              {
                g_string_free (s, TRUE);
                invalid (error, _("item %u: expected a number or a string"), i + 1);
                return NULL;
              }
            t = node_text (e, error);
            if (t == NULL)
              {
                g_string_free (s, TRUE);
                return NULL;
              }
            g_string_append_printf (s, "%s%s", i ? "," : "", t);
          }
        return g_string_free (s, FALSE);
      }
    case JSON_NODE_NULL:
      invalid (error, _("null is not a value here"));
      return NULL;
    case JSON_NODE_OBJECT:
    default:
      invalid (error, _("expected a value, found an object"));
      return NULL;
    }
}

/* ------------------------------------------------------------------ */
/* Data                                                                 */

typedef enum
{
  DS_SPIRAL,
  DS_CIRCLES,
  DS_XOR,
  DS_GAUSS,
  DS_REGRESSION,
  DS_DIGITS,
  DS_SEG,
  DS_PNG,
  N_DS
} DataKind;

static const char *const data_names[N_DS + 1] = {
  "spiral", "circles", "xor", "gauss", "regression", "digits", "seg-synthetic",
  "png-folder", NULL
};

#define S_TOYS ((1u << DS_SPIRAL) | (1u << DS_CIRCLES) | (1u << DS_XOR) | (1u << DS_GAUSS))
#define S_REG  (1u << DS_REGRESSION)
#define S_DIG  (1u << DS_DIGITS)
#define S_SEG  (1u << DS_SEG)
#define S_PNG  (1u << DS_PNG)
#define S_ALL  ((1u << N_DS) - 1)

typedef enum
{
  F_INT,
  F_UINT64,
  F_FLOAT,
  F_BOOL,
  F_FEATURES,
  F_FIT,
  F_PATH,
  F_NORMALIZE,
} FieldType;

typedef struct
{
  const char *key;
  FieldType   type;
  size_t      offset;
  double      lo, hi;
  gboolean    lo_open;
  unsigned    sets;
} DataField;

#define DOFF(f) G_STRUCT_OFFSET (GradlabDataSpec, f)

static const DataField data_fields[] = {
  { "seed", F_UINT64, DOFF (seed), 0, 0, FALSE, S_ALL },
  { "n", F_INT, DOFF (n), 1, 1000000, FALSE, S_TOYS | S_REG | S_SEG },
  { "noise", F_FLOAT, DOFF (noise), 0, 1, FALSE, S_TOYS | S_REG | S_SEG },
  { "val_share", F_FLOAT, DOFF (val_share), 0, 0.9, FALSE, S_ALL },
  { "features", F_FEATURES, DOFF (features), 0, 0, FALSE, S_TOYS },
  { "train_subset", F_FLOAT, DOFF (train_subset), 0, 1, TRUE, S_ALL },
  { "shuffle_labels", F_FLOAT, DOFF (shuffle_labels), 0, 1, FALSE, S_ALL },
  { "misalign", F_INT, DOFF (misalign), -1000000, 1000000, FALSE, S_ALL },
  { "input_scale", F_FLOAT, DOFF (input_scale), -1e6, 1e6, FALSE, S_ALL },
  { "input_shift", F_FLOAT, DOFF (input_shift), -1e6, 1e6, FALSE, S_ALL },
  { "image", F_BOOL, DOFF (image), 0, 0, FALSE, S_DIG },
  { "augment", F_FLOAT, DOFF (augment), 0, 16, FALSE, S_DIG | S_SEG | S_PNG },
  { "height", F_INT, DOFF (height), 0, 4096, FALSE, S_SEG | S_PNG },
  { "width", F_INT, DOFF (width), 0, 4096, FALSE, S_SEG | S_PNG },
  { "channels", F_INT, DOFF (channels), 0, 3, FALSE, S_SEG | S_PNG },
  { "classes", F_INT, DOFF (classes), 0, GR_MAX_CLASSES, FALSE, S_SEG | S_PNG },
  { "rare_share", F_FLOAT, DOFF (rare_share), 0.005, 0.5, FALSE, S_SEG },
  { "fit", F_FIT, DOFF (crop), 0, 0, FALSE, S_PNG },
  { "ignore_label", F_INT, DOFF (ignore_label), -1, 255, FALSE, S_PNG },
  { "dir", F_PATH, DOFF (dir), 0, 0, FALSE, S_PNG },
  { "normalize", F_NORMALIZE, DOFF (normalize), 0, 0, FALSE, S_ALL },
};

/* File names of the toy input features, in GrdToyFeatures bit order. */
static const char *const feature_names[GRD_TOY_N_FEATURES + 1] = {
  "x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2", NULL
};

static int
data_kind (const GradlabDataSpec *d)
{
  for (int i = 0; i < N_DS; i++)
    if (strcmp (d->name, data_names[i]) == 0)
      return i;
  return -1;
}

static const char *const *
data_field_names (void)
{
  static const char *names[G_N_ELEMENTS (data_fields) + 2];

  if (names[0] == NULL)
    {
      names[0] = "name";
      for (size_t i = 0; i < G_N_ELEMENTS (data_fields); i++)
        names[i + 1] = data_fields[i].key;
    }
  return names;
}

/* Resets @d to data set @kind's defaults, keeping its seed. */
static void
data_defaults (GradlabDataSpec *d,
               int              kind)
{
  guint64 seed = d->seed ? d->seed : 1;

  g_clear_pointer (&d->dir, g_free);
  memset (d, 0, sizeof *d);
  g_strlcpy (d->name, data_names[kind], sizeof d->name);
  d->seed = seed;
  d->train_subset = 1.0f;
  d->input_scale = 1.0f;
  d->ignore_label = -1;
  switch ((DataKind) kind)
    {
    case DS_SPIRAL:
    case DS_CIRCLES:
    case DS_XOR:
    case DS_GAUSS:
      d->n = 500;
      d->features = GRD_FEAT_DEFAULT;
      break;
    case DS_REGRESSION:
      d->n = 200;
      d->noise = 0.1f;
      break;
    case DS_SEG:
      {
        GrdSegParams p;

        grd_seg_params_init (&p);
        d->n = p.n;
        d->height = p.height;
        d->width = p.width;
        d->channels = p.channels;
        d->classes = p.n_classes;
        d->rare_share = p.rare_share;
        d->noise = p.noise;
        break;
      }
    case DS_DIGITS:
    case DS_PNG:
    case N_DS:
    default:
      break;
    }
}

static char *
data_sets_of (unsigned sets)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < N_DS; i++)
    if (sets & (1u << i))
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", data_names[i]);
  return g_string_free (s, FALSE);
}

/* Sets data option @key of @d from @text. @base_dir resolves a relative
 * dir. Messages name no location (the caller adds it). */
static gboolean
data_set (GradlabDataSpec *d,
          const char      *key,
          const char      *text,
          const char      *base_dir,
          const char      *prefix,
          GError         **error)
{
  const DataField *f = NULL;
  int kind = data_kind (d);
  char *field = (char *) d;
  double v;

  if (strcmp (key, "name") == 0)
    {
      int k = -1;

      for (int i = 0; i < N_DS; i++)
        if (strcmp (text, data_names[i]) == 0)
          k = i;
      if (k < 0)
        {
          g_autofree char *all = join_names (data_names);
          char *msg = g_strdup_printf (_("unknown data set '%s'; the data sets are %s"),
                                       text, all);

          msg = with_suggestion (msg, text, data_names, NULL);
          invalid (error, "%s", msg);
          g_free (msg);
          return FALSE;
        }
      if (k != kind)
        data_defaults (d, k);
      return TRUE;
    }
  for (size_t i = 0; i < G_N_ELEMENTS (data_fields); i++)
    if (strcmp (key, data_fields[i].key) == 0)
      f = &data_fields[i];
  if (f == NULL)
    {
      g_autofree char *full = g_strconcat (prefix ? prefix : "", key, NULL);
      char *msg = g_strdup_printf (_("unknown data option '%s'"), full);

      msg = with_suggestion (msg, full, data_field_names (), prefix);
      invalid (error, "%s", msg);
      g_free (msg);
      return FALSE;
    }
  if (kind < 0 || !(f->sets & (1u << kind)))
    {
      g_autofree char *sets = data_sets_of (f->sets);

      return invalid (error, _("not an option of data set '%s' (only of %s)"), d->name, sets);
    }
  field += f->offset;
  switch (f->type)
    {
    case F_INT:
      if (!parse_ranged (text, f->lo, f->hi, f->lo_open, TRUE, &v, error))
        return FALSE;
      *(int *) field = (int) v;
      return TRUE;
    case F_FLOAT:
      if (!parse_ranged (text, f->lo, f->hi, f->lo_open, FALSE, &v, error))
        return FALSE;
      *(float *) field = (float) v;
      return TRUE;
    case F_UINT64:
      {
        guint64 u;

        if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &u, NULL))
          return invalid (error, _("'%s' is not a whole number >= 0"), text);
        *(guint64 *) field = u;
        return TRUE;
      }
    case F_BOOL:
      if (!parse_bool (text, (gboolean *) field))
        return invalid (error, _("'%s' is not true or false"), text);
      return TRUE;
    case F_FEATURES:
      {
        g_auto (GStrv) items = g_strsplit (text, ",", -1);
        unsigned mask = 0;

        for (int i = 0; items[i] != NULL; i++)
          {
            const char *item = g_strstrip (items[i]);
            int bit = -1;

            for (int b = 0; b < GRD_TOY_N_FEATURES; b++)
              if (strcmp (item, feature_names[b]) == 0)
                bit = b;
            if (bit < 0)
              {
                g_autofree char *all = join_names (feature_names);

                return invalid (error, _("unknown feature '%s'; the features are %s"),
                                item, all);
              }
            mask |= 1u << bit;
          }
        if (mask == 0)
          return invalid (error, _("name at least one feature"));
        *(unsigned *) field = mask;
        return TRUE;
      }
    case F_FIT:
      if (strcmp (text, "resize") == 0)
        *(gboolean *) field = FALSE;
      else if (strcmp (text, "crop") == 0)
        *(gboolean *) field = TRUE;
      else
        return invalid (error, _("'%s' is not one of resize, crop"), text);
      return TRUE;
    case F_NORMALIZE:
      if (strcmp (text, "none") == 0)
        *(gboolean *) field = FALSE;
      else if (strcmp (text, "standard") == 0)
        *(gboolean *) field = TRUE;
      else
        return invalid (error, _("'%s' is not one of none, standard"), text);
      return TRUE;
    case F_PATH:
      if (text[0] == '\0')
        return invalid (error, _("the folder name is empty"));
      g_free (*(char **) field);
      if (base_dir != NULL && !g_path_is_absolute (text))
        *(char **) field = g_build_filename (base_dir, text, NULL);
      else
        *(char **) field = g_strdup (text);
      return TRUE;
    default:
      return invalid (error, _("unsupported option"));
    }
}

/* ------------------------------------------------------------------ */
/* MLP                                                                  */

static const char *const mlp_field_names[] = {
  "depth", "width", "widths", "activation", "batch_norm", "dropout", "residual",
  "softmax", "outputs", "bias_init", NULL
};

static const char *const *
act_names (void)
{
  static const char *names[GR_N_ACTS + 1];

  if (names[0] == NULL)
    for (int i = 0; i < GR_N_ACTS; i++)
      names[i] = gr_act_name ((GrActKind) i);
  return names;
}

static gboolean
parse_act (const char *text,
           GrActKind  *out,
           GError    **error)
{
  int a = gr_act_parse (text);

  if (a < 0)
    {
      g_autofree char *all = join_names (act_names ());
      char *msg = g_strdup_printf (_("unknown activation '%s'; the activations are %s"),
                                   text, all);

      msg = with_suggestion (msg, text, act_names (), NULL);
      invalid (error, "%s", msg);
      g_free (msg);
      return FALSE;
    }
  *out = (GrActKind) a;
  return TRUE;
}

static gboolean
mlp_set (GrMlpSpec  *m,
         const char *key,
         const char *text,
         const char *prefix,
         GError    **error)
{
  double v;
  gboolean b;

  if (strcmp (key, "depth") == 0)
    {
      if (!parse_ranged (text, 0, 64, FALSE, TRUE, &v, error))
        return FALSE;
      m->depth = (int) v;
    }
  else if (strcmp (key, "width") == 0)
    {
      if (!parse_ranged (text, 1, 65536, FALSE, TRUE, &v, error))
        return FALSE;
      m->width = (int) v;
    }
  else if (strcmp (key, "widths") == 0)
    {
      g_auto (GStrv) items = g_strsplit (text, ",", -1);
      int n = 0, widths[64];

      if (text[0] != '\0')
        for (int i = 0; items[i] != NULL; i++)
          {
            if (n >= 64)
              return invalid (error, _("more than 64 widths"));
            if (!parse_ranged (items[i], 1, 65536, FALSE, TRUE, &v, error))
              {
                g_prefix_error (error, _("item %d: "), i + 1);
                return FALSE;
              }
            widths[n++] = (int) v;
          }
      memcpy (m->widths, widths, sizeof (int) * n);
      m->n_widths = n;
      /* A list of widths is the depth, too. */
      if (n > 0)
        m->depth = n;
    }
  else if (strcmp (key, "activation") == 0)
    return parse_act (text, &m->act, error);
  else if (strcmp (key, "batch_norm") == 0 || strcmp (key, "residual") == 0
           || strcmp (key, "softmax") == 0)
    {
      if (!parse_bool (text, &b))
        return invalid (error, _("'%s' is not true or false"), text);
      if (key[0] == 'b')
        m->batch_norm = b;
      else if (key[0] == 'r')
        m->residual = b;
      else
        m->softmax = b;
    }
  else if (strcmp (key, "dropout") == 0)
    {
      if (!parse_ranged (text, 0, 0.99, FALSE, FALSE, &v, error))
        return FALSE;
      m->dropout = (float) v;
    }
  else if (strcmp (key, "outputs") == 0)
    {
      if (!parse_ranged (text, 0, 65536, FALSE, TRUE, &v, error))
        return FALSE;
      m->outputs = (int) v;
    }
  else if (strcmp (key, "bias_init") == 0)
    {
      if (!parse_ranged (text, -100, 100, FALSE, FALSE, &v, error))
        return FALSE;
      m->bias_init = (float) v;
    }
  else
    {
      g_autofree char *full = g_strconcat (prefix ? prefix : "", key, NULL);
      char *msg = g_strdup_printf (_("unknown MLP option '%s'"), full);

      msg = with_suggestion (msg, full, mlp_field_names, prefix);
      invalid (error, "%s", msg);
      g_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Layers                                                               */

static const char *const layer_field_names[] = {
  "type", "name", "inputs", "units", "filters", "kernel", "stride", "padding", "dilation",
  "bias", "bias_init", "activation", "fixed", "slope", "p", "momentum", "eps", "scale", NULL
};

/* Which layer kinds take which option. */
static gboolean
layer_takes (GrLayerKind  k,
             const char  *key)
{
  if (!strcmp (key, "units"))
    return k == GR_LAYER_DENSE || k == GR_LAYER_CONV2D;
  if (!strcmp (key, "filters") || !strcmp (key, "dilation"))
    return k == GR_LAYER_CONV2D;
  if (!strcmp (key, "kernel") || !strcmp (key, "stride") || !strcmp (key, "padding"))
    return k == GR_LAYER_CONV2D || k == GR_LAYER_MAXPOOL || k == GR_LAYER_AVGPOOL;
  if (!strcmp (key, "bias") || !strcmp (key, "bias_init"))
    return k == GR_LAYER_DENSE || k == GR_LAYER_CONV2D;
  if (!strcmp (key, "activation") || !strcmp (key, "fixed") || !strcmp (key, "slope"))
    return k == GR_LAYER_ACT;
  if (!strcmp (key, "p"))
    return k == GR_LAYER_DROPOUT || k == GR_LAYER_SPATIAL_DROPOUT;
  if (!strcmp (key, "momentum") || !strcmp (key, "eps"))
    return k == GR_LAYER_BATCHNORM;
  if (!strcmp (key, "scale"))
    return k == GR_LAYER_UPSAMPLE;
  return FALSE;
}

static const char *const *
layer_type_names (void)
{
  static const char *names[GR_N_LAYER_KINDS + GR_N_ACTS + 1];

  if (names[0] == NULL)
    {
      int n = 0;

      for (int i = 0; i < GR_N_LAYER_KINDS; i++)
        if (i != GR_LAYER_INPUT)
          names[n++] = gr_layer_kind_name ((GrLayerKind) i);
      for (int i = 0; i < GR_N_ACTS; i++)
        names[n++] = gr_act_name ((GrActKind) i);
    }
  return names;
}

static const char *
layer_type_name (const GrLayerSpec *l)
{
  return l->kind == GR_LAYER_ACT ? gr_act_name (l->act) : gr_layer_kind_name (l->kind);
}

/* Sets option @key of layer @l (kind already set) from @text. */
static gboolean
layer_set (GrLayerSpec *l,
           const char  *key,
           const char  *text,
           gboolean    *fixed_given,
           float       *bias_init,
           GError     **error)
{
  double v;
  gboolean b;

  if (!layer_takes (l->kind, key))
    {
      if (g_strv_contains (layer_field_names, key))
        return invalid (error, _("not an option of a '%s' layer"), layer_type_name (l));
      else
        {
          char *msg = g_strdup_printf (_("unknown layer option '%s'"), key);

          msg = with_suggestion (msg, key, layer_field_names, NULL);
          invalid (error, "%s", msg);
          g_free (msg);
          return FALSE;
        }
    }
  if (!strcmp (key, "units") || !strcmp (key, "filters"))
    {
      if (!parse_ranged (text, 1, 1 << 20, FALSE, TRUE, &v, error))
        return FALSE;
      l->units = (int) v;
    }
  else if (!strcmp (key, "kernel"))
    {
      if (!parse_ranged (text, 1, 255, FALSE, TRUE, &v, error))
        return FALSE;
      l->kernel = (int) v;
    }
  else if (!strcmp (key, "stride"))
    {
      if (!parse_ranged (text, 1, 255, FALSE, TRUE, &v, error))
        return FALSE;
      l->stride = (int) v;
    }
  else if (!strcmp (key, "padding"))
    {
      if (!parse_ranged (text, 0, 255, FALSE, TRUE, &v, error))
        return FALSE;
      l->pad = (int) v;
    }
  else if (!strcmp (key, "dilation"))
    {
      if (!parse_ranged (text, 1, 255, FALSE, TRUE, &v, error))
        return FALSE;
      l->dilation = (int) v;
    }
  else if (!strcmp (key, "scale"))
    {
      if (!parse_ranged (text, 1, 64, FALSE, TRUE, &v, error))
        return FALSE;
      l->scale = (int) v;
    }
  else if (!strcmp (key, "bias_init"))
    {
      if (!parse_ranged (text, -100, 100, FALSE, FALSE, &v, error))
        return FALSE;
      *bias_init = (float) v;
    }
  else if (!strcmp (key, "bias") || !strcmp (key, "fixed"))
    {
      if (!parse_bool (text, &b))
        return invalid (error, _("'%s' is not true or false"), text);
      if (key[0] == 'b')
        l->no_bias = !b;
      else
        {
          l->act_fixed = b;
          *fixed_given = TRUE;
        }
    }
  else if (!strcmp (key, "activation"))
    return parse_act (text, &l->act, error);
  else if (!strcmp (key, "slope"))
    {
      if (!parse_ranged (text, 0, 100, FALSE, FALSE, &v, error))
        return FALSE;
      l->slope = (float) v;
    }
  else if (!strcmp (key, "p"))
    {
      if (!parse_ranged (text, 0, 0.99, FALSE, FALSE, &v, error))
        return FALSE;
      l->p = (float) v;
    }
  else if (!strcmp (key, "momentum"))
    {
      if (!parse_ranged (text, 0, 1, TRUE, FALSE, &v, error))
        return FALSE;
      l->momentum = (float) v;
    }
  else if (!strcmp (key, "eps"))
    {
      if (!parse_ranged (text, 0, 1, TRUE, FALSE, &v, error))
        return FALSE;
      l->eps = (float) v;
    }
  return TRUE;
}

/* The name the engine would give an unnamed node at @index (1-based) of
 * @spec: kind name and a count, as gr_net_add () does. */
static void
default_layer_name (const GrModelSpec *spec,
                    int                index,
                    char              *buf,
                    size_t             len)
{
  const GrLayerSpec *l = &spec->layers[index - 1];
  int count = 0;

  for (int i = 1; i < index; i++)
    if (spec->layers[i - 1].kind == l->kind)
      count++;
  g_snprintf (buf, len, "%s%d", gr_layer_kind_name (l->kind), count + 1);
}

/* The node index of the layer named @name among the first @before nodes
 * (0 = the input), or -1. */
static int
find_layer (const GrModelSpec *spec,
            int                before,
            const char        *name)
{
  for (int i = before - 1; i >= 1; i--)
    if (strcmp (spec->layers[i - 1].name, name) == 0)
      return i;
  if (strcmp (name, "input") == 0 || strcmp (name, "x") == 0)
    return 0;
  return -1;
}

/* ------------------------------------------------------------------ */
/* Knobs                                                                */

static gboolean
is_list_knob (const char *key)
{
  return strcmp (key, "class_weights") == 0 || strcmp (key, "focal_alpha") == 0;
}

/* gr_knobs_set () with a GError; the engine's "knob 'KEY': " prefix is
 * dropped since every caller names the field itself. */
static gboolean
knob_set (GrKnobs    *k,
          const char *key,
          const char *text,
          GError    **error)
{
  char err[512];
  g_autofree char *prefix = g_strdup_printf ("knob '%s': ", key);
  const char *msg = err;

  if (gr_knobs_set (k, key, text, err, sizeof err) == GR_OK)
    return TRUE;
  if (g_str_has_prefix (err, prefix))
    msg = err + strlen (prefix);
  if (!g_strv_contains (gr_knobs_names (), key))
    {
      char *m = g_strdup_printf (_("unknown knob '%s'"), key);

      m = with_suggestion (m, key, gr_knobs_names (), NULL);
      invalid (error, "%s", m);
      g_free (m);
      return FALSE;
    }
  return invalid (error, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* The experiment                                                       */

GradlabExperiment *
gradlab_experiment_new (void)
{
  GradlabExperiment *self = g_new0 (GradlabExperiment, 1);

  self->name = g_strdup ("untitled");
  self->description = g_strdup ("");
  self->lab = g_strdup ("playground");
  data_defaults (&self->data, DS_SPIRAL);
  self->model_kind = GRADLAB_MODEL_MLP;
  self->mlp.depth = 2;
  self->mlp.width = 16;
  self->mlp.act = GR_ACT_TANH;
  gr_knobs_defaults (&self->knobs);
  self->knobs.activation = GR_ACT_TANH;
  self->timeline = g_array_new (FALSE, TRUE, sizeof (GradlabTimelineEntry));
  self->epochs = 10;
  self->seed = 1;
  return self;
}

void
gradlab_experiment_free (GradlabExperiment *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->description);
  g_free (self->lab);
  g_free (self->data.dir);
  g_clear_pointer (&self->timeline, g_array_unref);
  g_free (self->source);
  g_clear_pointer (&self->lines, g_hash_table_unref);
  g_free (self);
}

GradlabExperiment *
gradlab_experiment_copy (const GradlabExperiment *self)
{
  GradlabExperiment *copy = g_new0 (GradlabExperiment, 1);

  *copy = *self;
  copy->name = g_strdup (self->name);
  copy->description = g_strdup (self->description);
  copy->lab = g_strdup (self->lab);
  copy->data.dir = g_strdup (self->data.dir);
  copy->timeline = g_array_copy (self->timeline);
  copy->source = g_strdup (self->source);
  copy->lines = self->lines ? g_hash_table_ref (self->lines) : NULL;
  return copy;
}

static const char *const top_field_names[] = {
  "name", "description", "lab", "data", "model", "knobs", "timeline", "steps", "epochs",
  "seed", "eval_every", "max_batch", NULL
};

/* Top-level scalars from text. */
static gboolean
top_set (GradlabExperiment *self,
         const char        *key,
         const char        *text,
         GError           **error)
{
  double v;

  if (!strcmp (key, "name") || !strcmp (key, "description"))
    {
      char **field = key[0] == 'n' ? &self->name : &self->description;

      if (strchr (text, '\n') != NULL)
        return invalid (error, _("must be one line"));
      g_free (*field);
      *field = g_strdup (text);
    }
  else if (!strcmp (key, "lab"))
    {
      if (!g_strv_contains (lab_names, text))
        {
          g_autofree char *all = join_names (lab_names);
          char *msg = g_strdup_printf (_("unknown lab '%s'; the labs are %s"), text, all);

          msg = with_suggestion (msg, text, lab_names, NULL);
          invalid (error, "%s", msg);
          g_free (msg);
          return FALSE;
        }
      g_free (self->lab);
      self->lab = g_strdup (text);
    }
  else if (!strcmp (key, "steps"))
    {
      if (!parse_ranged (text, 1, 1e12, FALSE, TRUE, &v, error))
        return FALSE;
      self->steps = (gint64) v;
    }
  else if (!strcmp (key, "epochs"))
    {
      if (!parse_ranged (text, 1, 1000000, FALSE, TRUE, &v, error))
        return FALSE;
      self->epochs = (int) v;
      self->steps = 0;
    }
  else if (!strcmp (key, "seed"))
    {
      guint64 u;

      if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &u, NULL))
        return invalid (error, _("'%s' is not a whole number >= 0"), text);
      self->seed = u;
    }
  else if (!strcmp (key, "eval_every"))
    {
      if (!parse_ranged (text, 0, 1e9, FALSE, TRUE, &v, error))
        return FALSE;
      self->eval_every = (int) v;
    }
  else if (!strcmp (key, "max_batch"))
    {
      if (!parse_ranged (text, 0, 65536, FALSE, TRUE, &v, error))
        return FALSE;
      self->max_batch = (int) v;
    }
  else
    {
      char *msg = g_strdup_printf (_("unknown field '%s'"), key);

      msg = with_suggestion (msg, key, top_field_names, NULL);
      invalid (error, "%s", msg);
      g_free (msg);
      return FALSE;
    }
  return TRUE;
}

int
gradlab_experiment_max_batch (const GradlabExperiment *self,
                              const GrDataset         *train)
{
  int m;

  if (self->max_batch > 0)
    return self->max_batch;
  m = self->knobs.batch_size;
  for (guint i = 0; i < self->timeline->len; i++)
    {
      const GradlabTimelineEntry *e = &g_array_index (self->timeline, GradlabTimelineEntry, i);
      double v;

      if (strcmp (e->key, "batch_size") == 0 && parse_number (e->value, &v) && v > m
          && v <= 65536)
        m = (int) v;
    }
  /* Feature vectors are cheap: leave the app room to raise the batch
   * size live. */
  if (train != NULL && train->sample.h * train->sample.w == 1)
    m = MAX (m, 256);
  return m;
}

/* Checks the timeline against the knobs in step order, as the session
 * will apply it. On failure *bad is the index of the entry. */
static gboolean
check_timeline (const GradlabExperiment *self,
                guint                   *bad,
                GError                 **error)
{
  int max_batch = gradlab_experiment_max_batch (self, NULL);

  /* Each entry against the knobs at step 1, as gr_session_add_timeline ()
   * checks it. */
  for (guint i = 0; i < self->timeline->len; i++)
    {
      const GradlabTimelineEntry *e = &g_array_index (self->timeline, GradlabTimelineEntry, i);
      GrKnobs probe = self->knobs;
      char err[512];

      *bad = i;
      if (e->step < 1)
        return invalid (error, _("step %lld is before the first step (1)"),
                        (long long) e->step);
      if (gr_knobs_needs_reset (e->key))
        return invalid (error, _("knob '%s' only takes effect when the run is rebuilt, "
                                 "so it cannot change during a run"), e->key);
      if (!knob_set (&probe, e->key, e->value, error))
        return FALSE;
      if (gr_knobs_validate (&probe, max_batch, err, sizeof err) != GR_OK)
        return invalid (error, "%s", err);
    }
  return TRUE;
}

gboolean
gradlab_experiment_validate (const GradlabExperiment *self,
                             GError                 **error)
{
  char err[512];
  guint bad;

  if (gr_knobs_validate (&self->knobs, gradlab_experiment_max_batch (self, NULL),
                         err, sizeof err) != GR_OK)
    return invalid (error, "%s", err);
  if (!check_timeline (self, &bad, error))
    {
      g_prefix_error (error, "timeline[%u]: ", bad);
      return FALSE;
    }
  if (self->steps <= 0 && self->epochs <= 0)
    return invalid (error, _("the run has no length: give steps or epochs"));
  if (self->model_kind == GRADLAB_MODEL_LAYERS && self->layers.n_layers == 0)
    return invalid (error, _("the model has no layers"));
  if (data_kind (&self->data) == DS_PNG && self->data.dir == NULL)
    return invalid (error, _("data.dir: the png-folder data set needs a folder"));
  return TRUE;
}

gboolean
gradlab_experiment_add_timeline (GradlabExperiment *self,
                                 gint64             step,
                                 const char        *key,
                                 const char        *value,
                                 GError           **error)
{
  GradlabTimelineEntry e = { 0 };
  g_autofree char *norm = normalize_value (value);
  GrKnobs probe = self->knobs;
  char err[512];

  if (step < 1)
    return invalid (error, _("step %lld is before the first step (1)"), (long long) step);
  if (strlen (key) >= sizeof e.key || strlen (norm) >= sizeof e.value)
    return invalid (error, _("the knob name or value is too long"));
  if (gr_knobs_needs_reset (key))
    return invalid (error, _("knob '%s' only takes effect when the run is rebuilt, so it "
                             "cannot change during a run"), key);
  if (!knob_set (&probe, key, norm, error))
    return FALSE;
  if (gr_knobs_validate (&probe, self->max_batch > 0 ? self->max_batch : 0,
                         err, sizeof err) != GR_OK)
    return invalid (error, "%s", err);
  e.step = step;
  g_strlcpy (e.key, key, sizeof e.key);
  g_strlcpy (e.value, norm, sizeof e.value);
  g_array_append_val (self->timeline, e);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */

static gboolean
load_data_section (GradlabExperiment *self,
                   const Ctx         *ctx,
                   JsonNode          *node,
                   GError           **error)
{
  JsonObject *o;
  JsonNode *name;
  g_autoptr (GList) members = NULL;
  g_autofree char *name_text = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail_at (ctx, error, "data", _("expected an object"));
  o = json_node_get_object (node);
  name = json_object_get_member (o, "name");
  if (name == NULL)
    return fail_at (ctx, error, "data", _("the data set has no \"name\""));
  name_text = node_text (name, error);
  if (name_text == NULL || !data_set (&self->data, "name", name_text, NULL, NULL, error))
    {
      locate (error, ctx->source, ctx->lines, "data.name");
      return FALSE;
    }
  /* The name first: it decides the defaults and which options apply. */
  data_defaults (&self->data, data_kind (&self->data));
  members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = g_strconcat ("data.", key, NULL);
      g_autofree char *text = NULL;

      if (strcmp (key, "name") == 0)
        continue;
      text = node_text (json_object_get_member (o, key), error);
      if (text == NULL || !data_set (&self->data, key, text, ctx->base_dir, NULL, error))
        {
          locate (error, ctx->source, ctx->lines, path);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
load_layers (GradlabExperiment *self,
             const Ctx         *ctx,
             JsonNode          *node,
             gboolean          *fixed_given,
             GError           **error)
{
  JsonArray *a;
  GrModelSpec *spec = &self->layers;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail_at (ctx, error, "model.layers", _("expected an array of layers"));
  a = json_node_get_array (node);
  memset (spec, 0, sizeof *spec);
  if (json_array_get_length (a) == 0)
    return fail_at (ctx, error, "model.layers", _("the model has no layers"));
  if (json_array_get_length (a) >= GR_MAX_NODES)
    return fail_at (ctx, error, "model.layers", _("more than %d layers"), GR_MAX_NODES - 1);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *ln = json_array_get_element (a, i);
      g_autofree char *path = g_strdup_printf ("model.layers[%u]", i);
      GrLayerSpec *l = &spec->layers[i];
      JsonObject *o;
      JsonNode *type;
      g_autoptr (GList) members = NULL;
      const char *t;
      int kind, act;

      if (!JSON_NODE_HOLDS_OBJECT (ln))
        return fail_at (ctx, error, path, _("expected an object with a \"type\""));
      o = json_node_get_object (ln);
      type = json_object_get_member (o, "type");
      if (type == NULL)
        return fail_at (ctx, error, path, _("the layer has no \"type\""));
      {
        g_autofree char *tpath = g_strconcat (path, ".type", NULL);

        if (json_node_get_value_type (type) != G_TYPE_STRING)
          return fail_at (ctx, error, tpath, _("expected a layer type name"));
        t = json_node_get_string (type);
        kind = gr_layer_kind_parse (t);
        act = gr_act_parse (t);
        if ((kind < 0 || kind == GR_LAYER_INPUT) && act < 0)
          {
            g_autofree char *all = join_names (layer_type_names ());
            char *msg = g_strdup_printf (_("unknown layer '%s'; the layer types are %s"), t, all);

            msg = with_suggestion (msg, t, layer_type_names (), NULL);
            fail_at (ctx, error, tpath, "%s", msg);
            g_free (msg);
            return FALSE;
          }
      }
      memset (l, 0, sizeof *l);
      if (act >= 0)
        {
          l->kind = GR_LAYER_ACT;
          l->act = (GrActKind) act;
        }
      else
        l->kind = (GrLayerKind) kind;
      if (l->kind == GR_LAYER_CONV2D)
        {
          l->kernel = 3;
          l->stride = 1;
          l->dilation = 1;
        }
      else if (l->kind == GR_LAYER_MAXPOOL || l->kind == GR_LAYER_AVGPOOL)
        l->kernel = 2;
      else if (l->kind == GR_LAYER_UPSAMPLE)
        l->scale = 2;
      spec->n_layers = (int) i + 1;

      members = json_object_get_members (o);
      for (GList *m = members; m != NULL; m = m->next)
        {
          const char *key = m->data;
          g_autofree char *mpath = g_strdup_printf ("%s.%s", path, key);
          JsonNode *v = json_object_get_member (o, key);
          g_autofree char *text = NULL;

          if (!strcmp (key, "type"))
            continue;
          if (!strcmp (key, "name"))
            {
              if (json_node_get_value_type (v) != G_TYPE_STRING
                  || json_node_get_string (v)[0] == '\0')
                return fail_at (ctx, error, mpath, _("expected a non-empty string"));
              if (strlen (json_node_get_string (v)) >= GR_NAME_LEN)
                return fail_at (ctx, error, mpath, _("longer than %d characters"),
                                GR_NAME_LEN - 1);
              g_strlcpy (l->name, json_node_get_string (v), sizeof l->name);
              continue;
            }
          if (!strcmp (key, "inputs"))
            continue;   /* after the names are known */
          text = node_text (v, error);
          if (text == NULL
              || !layer_set (l, key, text, &fixed_given[i], &spec->bias_init[i], error))
            {
              locate (error, ctx->source, ctx->lines, mpath);
              return FALSE;
            }
        }
      if (l->kind == GR_LAYER_ACT && act < 0 && json_object_get_member (o, "activation") == NULL)
        return fail_at (ctx, error, path, _("an 'act' layer needs an \"activation\""));
      if ((l->kind == GR_LAYER_DENSE || l->kind == GR_LAYER_CONV2D) && l->units <= 0)
        return fail_at (ctx, error, path, _("a '%s' layer needs \"%s\""), t,
                        l->kind == GR_LAYER_DENSE ? "units" : "filters");
      if (l->name[0] == '\0')
        default_layer_name (spec, (int) i + 1, l->name, sizeof l->name);
      if (!strcmp (l->name, "input") || !strcmp (l->name, "x"))
        return fail_at (ctx, error, path, _("the name '%s' is the network's input"), l->name);
      for (guint j = 0; j < i; j++)
        if (strcmp (spec->layers[j].name, l->name) == 0)
          return fail_at (ctx, error, path, _("the name '%s' is already used by "
                                              "model.layers[%u]"), l->name, j);

      /* Inputs name earlier layers. */
      {
        JsonNode *in = json_object_get_member (o, "inputs");
        g_autofree char *ipath = g_strconcat (path, ".inputs", NULL);
        g_auto (GStrv) names = NULL;

        if (in == NULL)
          continue;
        if (JSON_NODE_HOLDS_VALUE (in) && json_node_get_value_type (in) == G_TYPE_STRING)
          {
            names = g_new0 (char *, 2);
            names[0] = g_strdup (json_node_get_string (in));
          }
        else if (JSON_NODE_HOLDS_ARRAY (in))
          {
            JsonArray *ia = json_node_get_array (in);

            names = g_new0 (char *, json_array_get_length (ia) + 1);
            for (guint k = 0; k < json_array_get_length (ia); k++)
              {
                JsonNode *e = json_array_get_element (ia, k);

                if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
                  {
                    g_autofree char *epath = g_strdup_printf ("%s[%u]", ipath, k);

                    return fail_at (ctx, error, epath, _("expected a layer name"));
                  }
                names[k] = g_strdup (json_node_get_string (e));
              }
          }
        else
          return fail_at (ctx, error, ipath, _("expected a list of layer names"));
        if (g_strv_length (names) == 0 || g_strv_length (names) > GR_MAX_INPUTS)
          return fail_at (ctx, error, ipath, _("give 1 to %d layer names"), GR_MAX_INPUTS);
        for (int k = 0; names[k] != NULL; k++)
          {
            int idx = find_layer (spec, (int) i + 1, names[k]);

            if (idx < 0)
              {
                g_autofree char *epath = g_strdup_printf ("%s[%d]", ipath, k);

                return fail_at (ctx, error, epath, _("no earlier layer is named '%s' (the "
                                                     "input is 'input')"), names[k]);
              }
            l->inputs[k] = idx;
          }
        l->n_inputs = (int) g_strv_length (names);
      }
    }
  return TRUE;
}

static gboolean
load_model_section (GradlabExperiment *self,
                    const Ctx         *ctx,
                    JsonNode          *node,
                    gboolean          *fixed_given,
                    GError           **error)
{
  JsonObject *o;
  JsonNode *mlp, *layers;
  g_autoptr (GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail_at (ctx, error, "model", _("expected an object"));
  o = json_node_get_object (node);
  members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    if (strcmp (l->data, "mlp") != 0 && strcmp (l->data, "layers") != 0)
      {
        g_autofree char *path = g_strconcat ("model.", l->data, NULL);
        static const char *const kinds[] = { "mlp", "layers", NULL };
        char *msg = g_strdup_printf (_("unknown model field '%s'; give \"mlp\" or \"layers\""),
                                     (const char *) l->data);

        msg = with_suggestion (msg, l->data, kinds, NULL);
        fail_at (ctx, error, path, "%s", msg);
        g_free (msg);
        return FALSE;
      }
  mlp = json_object_get_member (o, "mlp");
  layers = json_object_get_member (o, "layers");
  if ((mlp == NULL) == (layers == NULL))
    return fail_at (ctx, error, "model", _("give either \"mlp\" or \"layers\""));
  if (layers != NULL)
    {
      self->model_kind = GRADLAB_MODEL_LAYERS;
      return load_layers (self, ctx, layers, fixed_given, error);
    }
  self->model_kind = GRADLAB_MODEL_MLP;
  if (!JSON_NODE_HOLDS_OBJECT (mlp))
    return fail_at (ctx, error, "model.mlp", _("expected an object"));
  g_clear_pointer (&members, g_list_free);
  members = json_object_get_members (json_node_get_object (mlp));
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = g_strconcat ("model.mlp.", key, NULL);
      g_autofree char *text = node_text (json_object_get_member (json_node_get_object (mlp),
                                                                 key), error);

      if (text == NULL || !mlp_set (&self->mlp, key, text, NULL, error))
        {
          locate (error, ctx->source, ctx->lines, path);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
load_knobs_section (GradlabExperiment *self,
                    const Ctx         *ctx,
                    JsonNode          *node,
                    gboolean          *act_given,
                    gboolean          *dropout_given,
                    GError           **error)
{
  JsonObject *o;
  g_autoptr (GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail_at (ctx, error, "knobs", _("expected an object"));
  o = json_node_get_object (node);
  members = json_object_get_members (o);
  /* Lists first: naming class weights switches the weighting to custom,
   * and an explicit "weighting" must win over that whatever the order. */
  for (int pass = 0; pass < 2; pass++)
    for (GList *l = members; l != NULL; l = l->next)
      {
        const char *key = l->data;
        g_autofree char *path = g_strconcat ("knobs.", key, NULL);
        g_autofree char *text = NULL;

        if (is_list_knob (key) != (pass == 0))
          continue;
        text = node_text (json_object_get_member (o, key), error);
        if (text == NULL || !knob_set (&self->knobs, key, text, error))
          {
            locate (error, ctx->source, ctx->lines, path);
            return FALSE;
          }
        if (!strcmp (key, "activation"))
          *act_given = TRUE;
        if (!strcmp (key, "dropout"))
          *dropout_given = TRUE;
      }
  return TRUE;
}

static gboolean
load_timeline_section (GradlabExperiment *self,
                       const Ctx         *ctx,
                       JsonNode          *node,
                       GError           **error)
{
  JsonArray *a;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail_at (ctx, error, "timeline", _("expected an array of {\"step\": N, \"set\": "
                                              "{...}} entries"));
  a = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *en = json_array_get_element (a, i);
      g_autofree char *path = g_strdup_printf ("timeline[%u]", i);
      g_autofree char *step_text = NULL;
      g_autoptr (GList) members = NULL;
      JsonObject *o, *set;
      JsonNode *step, *setn;
      double v;

      if (!JSON_NODE_HOLDS_OBJECT (en))
        return fail_at (ctx, error, path, _("expected {\"step\": N, \"set\": {...}}"));
      o = json_node_get_object (en);
      members = json_object_get_members (o);
      for (GList *l = members; l != NULL; l = l->next)
        if (strcmp (l->data, "step") != 0 && strcmp (l->data, "set") != 0)
          {
            g_autofree char *mpath = g_strdup_printf ("%s.%s", path, (const char *) l->data);

            return fail_at (ctx, error, mpath, _("unknown field; an entry has \"step\" and "
                                                 "\"set\""));
          }
      step = json_object_get_member (o, "step");
      setn = json_object_get_member (o, "set");
      if (step == NULL || setn == NULL)
        return fail_at (ctx, error, path, _("an entry needs \"step\" and \"set\""));
      {
        g_autofree char *spath = g_strconcat (path, ".step", NULL);

        step_text = node_text (step, error);
        if (step_text == NULL
            || !parse_ranged (step_text, 1, 1e12, FALSE, TRUE, &v, error))
          {
            locate (error, ctx->source, ctx->lines, spath);
            return FALSE;
          }
      }
      if (!JSON_NODE_HOLDS_OBJECT (setn))
        {
          g_autofree char *spath = g_strconcat (path, ".set", NULL);

          return fail_at (ctx, error, spath, _("expected an object of knob values"));
        }
      set = json_node_get_object (setn);
      g_clear_pointer (&members, g_list_free);
      members = json_object_get_members (set);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          g_autofree char *kpath = g_strdup_printf ("%s.set.%s", path, key);
          g_autofree char *text = node_text (json_object_get_member (set, key), error);

          if (text == NULL
              || !gradlab_experiment_add_timeline (self, (gint64) v, key, text, error))
            {
              locate (error, ctx->source, ctx->lines, kpath);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* The model's activation: the knob's value at step 1 unless the knobs
 * name one. */
static gboolean
model_activation (const GradlabExperiment *self,
                  const gboolean          *fixed_given,
                  GrActKind               *out)
{
  if (self->model_kind == GRADLAB_MODEL_MLP)
    {
      *out = self->mlp.act;
      return TRUE;
    }
  for (int i = 0; i < self->layers.n_layers; i++)
    {
      const GrLayerSpec *l = &self->layers.layers[i];

      if (l->kind == GR_LAYER_ACT && !(fixed_given[i] && l->act_fixed))
        {
          *out = l->act;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
model_dropout (const GradlabExperiment *self,
               float                   *out)
{
  if (self->model_kind == GRADLAB_MODEL_MLP)
    {
      *out = self->mlp.dropout;
      return self->mlp.dropout > 0.0f;
    }
  for (int i = 0; i < self->layers.n_layers; i++)
    {
      const GrLayerSpec *l = &self->layers.layers[i];

      if (l->kind == GR_LAYER_DROPOUT || l->kind == GR_LAYER_SPATIAL_DROPOUT)
        {
          *out = l->p;
          return TRUE;
        }
    }
  return FALSE;
}

static GradlabExperiment *
load_root (JsonNode    *root,
           const Ctx   *ctx,
           const char  *default_name,
           GError     **error)
{
  g_autoptr (GradlabExperiment) self = gradlab_experiment_new ();
  gboolean fixed_given[GR_MAX_NODES] = { FALSE };
  gboolean act_given = FALSE, dropout_given = FALSE, steps_given = FALSE, epochs_given = FALSE;
  g_autoptr (GList) members = NULL;
  JsonObject *o;
  JsonNode *n;
  GrActKind act;
  float p;
  char err[512];
  const char *bad_knob = NULL;
  guint bad;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_INVALID,
                   _("%s: the file does not hold a JSON object"), ctx->source);
      return NULL;
    }
  o = json_node_get_object (root);
  g_free (self->name);
  self->name = g_strdup (default_name);
  /* Sections a file leaves out keep the defaults of
   * gradlab_experiment_new (). */
  members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (top_field_names, l->data))
      {
        char *msg = g_strdup_printf (_("unknown field '%s'"), (const char *) l->data);

        msg = with_suggestion (msg, l->data, top_field_names, NULL);
        fail_at (ctx, error, l->data, "%s", msg);
        g_free (msg);
        return NULL;
      }
  if ((n = json_object_get_member (o, "data")) != NULL
      && !load_data_section (self, ctx, n, error))
    return NULL;
  if ((n = json_object_get_member (o, "model")) != NULL
      && !load_model_section (self, ctx, n, fixed_given, error))
    return NULL;
  if ((n = json_object_get_member (o, "knobs")) != NULL
      && !load_knobs_section (self, ctx, n, &act_given, &dropout_given, error))
    return NULL;
  if ((n = json_object_get_member (o, "timeline")) != NULL
      && !load_timeline_section (self, ctx, n, error))
    return NULL;
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *text = NULL;

      if (!strcmp (key, "data") || !strcmp (key, "model") || !strcmp (key, "knobs")
          || !strcmp (key, "timeline"))
        continue;
      n = json_object_get_member (o, key);
      if ((!strcmp (key, "name") || !strcmp (key, "description") || !strcmp (key, "lab"))
          && (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING))
        {
          fail_at (ctx, error, key, _("expected a string"));
          return NULL;
        }
      text = node_text (n, error);
      if (text == NULL || !top_set (self, key, text, error))
        {
          locate (error, ctx->source, ctx->lines, key);
          return NULL;
        }
      steps_given |= !strcmp (key, "steps");
      epochs_given |= !strcmp (key, "epochs");
    }
  if (steps_given && epochs_given)
    {
      fail_at (ctx, error, "epochs", _("give \"steps\" or \"epochs\", not both"));
      return NULL;
    }
  if (epochs_given)
    self->steps = 0;

  /* The model's activation and dropout are the knobs' values at step 1
   * unless the knobs say otherwise; activation layers of a layer list that
   * differ from the knob keep theirs (are "fixed") unless told. */
  if (!act_given && model_activation (self, fixed_given, &act))
    self->knobs.activation = act;
  if (!dropout_given && model_dropout (self, &p))
    self->knobs.dropout = p;
  if (self->model_kind == GRADLAB_MODEL_LAYERS)
    for (int i = 0; i < self->layers.n_layers; i++)
      {
        GrLayerSpec *l = &self->layers.layers[i];

        if (l->kind == GR_LAYER_ACT && !fixed_given[i])
          l->act_fixed = l->act != self->knobs.activation;
      }

  if (gr_knobs_check (&self->knobs, gradlab_experiment_max_batch (self, NULL), &bad_knob,
                      err, sizeof err) != GR_OK)
    {
      g_autofree char *path = g_strconcat ("knobs.", bad_knob ? bad_knob : "", NULL);

      fail_at (ctx, error, bad_knob ? path : "knobs", "%s", err);
      return NULL;
    }
  if (!check_timeline (self, &bad, error))
    {
      g_autofree char *path = g_strdup_printf ("timeline[%u]", bad);

      locate (error, ctx->source, ctx->lines, path);
      return NULL;
    }
  if (data_kind (&self->data) == DS_PNG && self->data.dir == NULL)
    {
      fail_at (ctx, error, "data", _("the png-folder data set needs \"dir\""));
      return NULL;
    }
  return g_steal_pointer (&self);
}

static GradlabExperiment *
load_text (const char  *text,
           gssize       len,
           const char  *source,
           const char  *base_dir,
           const char  *default_name,
           GError     **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GHashTable) lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GError) local = NULL;
  GradlabExperiment *self;
  Scan scan = { 0 };
  gboolean scanned;
  Ctx ctx;

  if (len < 0)
    len = (gssize) strlen (text);
  if (source == NULL)
    source = "<experiment>";
  if (!g_utf8_validate (text, len, NULL))
    {
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_SYNTAX,
                   _("%s: the file is not UTF-8 text"), source);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text, len, &local))
    {
      /* json-glib says "<data>:LINE:COL: Parse error: ..."; name the file. */
      const char *msg = local->message;

      if (g_str_has_prefix (msg, "<data>:"))
        msg += strlen ("<data>:");
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_SYNTAX,
                   "%s:%s", source, msg);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_SYNTAX,
                   _("%s: the file is empty"), source);
      return NULL;
    }

  scan.p = text;
  scan.end = text + len;
  scan.line = 1;
  scan.lines = lines;
  scan.path = g_string_new (NULL);
  scanned = scan_value (&scan);
  g_string_free (scan.path, TRUE);
  if (scanned)
    {
      scan_ws (&scan);
      if (scan.p < scan.end)
        {
          g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_SYNTAX,
                       _("%s:%d: unexpected text after the end of the JSON object"),
                       source, scan.line);
          g_free (scan.dup_path);
          return NULL;
        }
      if (scan.dup_path != NULL)
        {
          g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_SYNTAX,
                       _("%s:%d: %s: the key appears twice (first on line %d)"),
                       source, scan.dup_line, scan.dup_path, scan.dup_first_line);
          g_free (scan.dup_path);
          return NULL;
        }
    }
  g_free (scan.dup_path);

  ctx.source = source;
  ctx.lines = lines;
  ctx.base_dir = base_dir;
  self = load_root (json_parser_get_root (parser), &ctx, default_name, error);
  if (self == NULL)
    return NULL;
  self->source = g_strdup (source);
  self->lines = g_steal_pointer (&lines);
  return self;
}

/* "dir/name.json" -> "name" */
static char *
name_of_source (const char *source)
{
  g_autofree char *base = g_path_get_basename (source);

  if (g_str_has_suffix (base, ".json"))
    return g_strndup (base, strlen (base) - 5);
  return g_steal_pointer (&base);
}

GradlabExperiment *
gradlab_experiment_load_data (const char  *text,
                              gssize       len,
                              const char  *source,
                              const char  *base_dir,
                              GError     **error)
{
  g_autofree char *name = name_of_source (source ? source : "untitled");

  return load_text (text, len, source, base_dir, name, error);
}

GradlabExperiment *
gradlab_experiment_load_file (const char  *path,
                              GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) local = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_IO,
                   "%s", local->message);
      return NULL;
    }
  if (len > MAX_FILE_SIZE)
    {
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_IO,
                   _("%s: the file is larger than %d MiB"), path, MAX_FILE_SIZE >> 20);
      return NULL;
    }
  /* Messages name the file as the user wrote it; data folders are taken
   * relative to it. */
  return gradlab_experiment_load_data (contents, (gssize) len, path, dir, error);
}

static void
ensure_resources (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      gradlab_presets_register_resource ();
      g_once_init_leave (&once, 1);
    }
}

static int
cmp_str_ptr (gconstpointer a,
             gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static char **
preset_names (void)
{
  g_auto (GStrv) files = NULL;
  GPtrArray *names = g_ptr_array_new ();

  ensure_resources ();
  files = g_resources_enumerate_children (PRESET_PATH, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  for (int i = 0; files != NULL && files[i] != NULL; i++)
    if (g_str_has_suffix (files[i], ".json"))
      g_ptr_array_add (names, g_strndup (files[i], strlen (files[i]) - 5));
  g_ptr_array_sort (names, cmp_str_ptr);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

GradlabExperiment *
gradlab_experiment_load_preset (const char  *name,
                                GError     **error)
{
  g_autofree char *path = g_strconcat (PRESET_PATH, name, ".json", NULL);
  g_autofree char *source = g_strconcat (name, ".json", NULL);
  g_autoptr (GBytes) bytes = NULL;
  GradlabExperiment *self;

  ensure_resources ();
  if (strchr (name, '/') == NULL)
    bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    {
      g_auto (GStrv) names = preset_names ();
      char *msg = g_strdup_printf (_("unknown preset '%s' (gradlab-run --list shows the "
                                     "presets)"), name);

      msg = with_suggestion (msg, name, (const char *const *) names, NULL);
      g_set_error_literal (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_NOT_FOUND,
                           msg);
      g_free (msg);
      return NULL;
    }
  self = gradlab_experiment_load_data (g_bytes_get_data (bytes, NULL),
                                       (gssize) g_bytes_get_size (bytes), source, NULL, error);
  return self;
}

GradlabExperiment *
gradlab_experiment_load (const char  *preset_or_path,
                         GError     **error)
{
  if (g_str_has_suffix (preset_or_path, ".json") || strchr (preset_or_path, '/') != NULL
      || g_file_test (preset_or_path, G_FILE_TEST_IS_REGULAR))
    return gradlab_experiment_load_file (preset_or_path, error);
  return gradlab_experiment_load_preset (preset_or_path, error);
}

void
gradlab_preset_info_free (GradlabPresetInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->lab);
  g_free (info->description);
  g_free (info);
}

GPtrArray *
gradlab_experiment_list_presets (GError **error)
{
  g_auto (GStrv) names = preset_names ();
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                              gradlab_preset_info_free);

  for (int i = 0; names[i] != NULL; i++)
    {
      g_autoptr (GradlabExperiment) e = gradlab_experiment_load_preset (names[i], error);
      GradlabPresetInfo *info;

      if (e == NULL)
        return NULL;
      info = g_new0 (GradlabPresetInfo, 1);
      info->name = g_strdup (names[i]);
      info->lab = g_strdup (e->lab);
      info->description = g_strdup (e->description);
      g_ptr_array_add (out, info);
    }
  return g_steal_pointer (&out);
}

/* ------------------------------------------------------------------ */
/* Setting fields from text (--set)                                     */

gboolean
gradlab_experiment_set (GradlabExperiment *self,
                        const char        *key,
                        const char        *value,
                        GError           **error)
{
  g_autoptr (GradlabExperiment) trial = gradlab_experiment_copy (self);
  gboolean ok;

  if (g_str_has_prefix (key, "data."))
    ok = data_set (&trial->data, key + 5, value, NULL, "data.", error);
  else if (g_str_has_prefix (key, "model."))
    {
      const char *field = key + 6;

      if (g_str_has_prefix (field, "mlp."))
        field += 4;
      if (trial->model_kind != GRADLAB_MODEL_MLP)
        return invalid (error, _("the model is a layer list; only an MLP model has %s"), key);
      ok = mlp_set (&trial->mlp, field, value, "model.", error);
      /* The model's activation and dropout are the knobs at step 1. */
      if (ok && !strcmp (field, "activation"))
        trial->knobs.activation = trial->mlp.act;
      if (ok && !strcmp (field, "dropout"))
        trial->knobs.dropout = trial->mlp.dropout;
    }
  else if (g_strv_contains (gr_knobs_names (), key))
    ok = knob_set (&trial->knobs, key, value, error);
  else if (g_strv_contains (top_field_names, key) && strcmp (key, "data") && strcmp (key, "model")
           && strcmp (key, "knobs") && strcmp (key, "timeline"))
    ok = top_set (trial, key, value, error);
  else
    {
      /* A typo: suggest from every settable name. */
      g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
      char *msg = g_strdup_printf (_("unknown knob or field '%s'"), key);

      for (const char *const *k = gr_knobs_names (); *k; k++)
        g_ptr_array_add (all, g_strdup (*k));
      for (const char *const *k = data_field_names (); *k; k++)
        g_ptr_array_add (all, g_strconcat ("data.", *k, NULL));
      for (const char *const *k = mlp_field_names; *k; k++)
        g_ptr_array_add (all, g_strconcat ("model.", *k, NULL));
      for (const char *const *k = top_field_names; *k; k++)
        g_ptr_array_add (all, g_strdup (*k));
      g_ptr_array_add (all, NULL);
      msg = with_suggestion (msg, key, (const char *const *) all->pdata, NULL);
      invalid (error, "%s", msg);
      g_free (msg);
      return FALSE;
    }
  if (!ok)
    return FALSE;
  {
    char err[512];

    if (gr_knobs_validate (&trial->knobs, gradlab_experiment_max_batch (trial, NULL),
                           err, sizeof err) != GR_OK)
      return invalid (error, "%s", err);
  }
  /* Commit: swap the trial's contents in. */
  {
    GradlabExperiment tmp = *self;

    *self = *trial;
    *trial = tmp;
  }
  return TRUE;
}

gboolean
gradlab_experiment_apply_set (GradlabExperiment *self,
                              const char        *assignment,
                              GError           **error)
{
  const char *eq = strchr (assignment, '=');
  g_autofree char *key = NULL;

  if (eq == NULL || eq == assignment)
    {
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_INVALID,
                   _("--set %s: expected KEY=VALUE"), assignment);
      return FALSE;
    }
  key = g_strstrip (g_strndup (assignment, eq - assignment));
  if (!gradlab_experiment_set (self, key, eq + 1, error))
    {
      g_prefix_error (error, "--set %s: ", assignment);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */

typedef struct
{
  GString *s;
  int      depth;
  gboolean first[16];
  gboolean oneline[16];
} Writer;

static void
w_item (Writer *w)
{
  if (!w->first[w->depth])
    g_string_append_c (w->s, ',');
  w->first[w->depth] = FALSE;
  if (w->oneline[w->depth])
    g_string_append_c (w->s, ' ');
  else
    {
      g_string_append_c (w->s, '\n');
      for (int i = 0; i < w->depth; i++)
        g_string_append (w->s, "  ");
    }
}

static void
w_string_raw (Writer     *w,
              const char *v)
{
  g_string_append_c (w->s, '"');
  for (const char *p = v; *p; p++)
    {
      unsigned char c = (unsigned char) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (w->s, "\\%c", c);
      else if (c == '\n')
        g_string_append (w->s, "\\n");
      else if (c == '\t')
        g_string_append (w->s, "\\t");
      else if (c < 0x20)
        g_string_append_printf (w->s, "\\u%04x", c);
      else
        g_string_append_c (w->s, (char) c);
    }
  g_string_append_c (w->s, '"');
}

/* Opens an object or array as the next item (@key NULL in arrays and at
 * the top). */
static void
w_open (Writer     *w,
        const char *key,
        char        bracket,
        gboolean    oneline)
{
  if (w->depth >= 0 && (key != NULL || w->depth > 0 || w->s->len > 0))
    {
      w_item (w);
      if (key != NULL)
        {
          w_string_raw (w, key);
          g_string_append (w->s, ": ");
        }
    }
  g_string_append_c (w->s, bracket);
  w->depth++;
  w->first[w->depth] = TRUE;
  w->oneline[w->depth] = oneline || w->oneline[w->depth - 1];
}

static void
w_close (Writer *w,
         char    bracket)
{
  gboolean empty = w->first[w->depth];
  gboolean oneline = w->oneline[w->depth];

  w->depth--;
  if (!empty)
    {
      if (oneline)
        g_string_append_c (w->s, ' ');
      else
        {
          g_string_append_c (w->s, '\n');
          for (int i = 0; i < w->depth; i++)
            g_string_append (w->s, "  ");
        }
    }
  g_string_append_c (w->s, bracket);
}

static void
w_key (Writer     *w,
       const char *key)
{
  w_item (w);
  if (key != NULL)
    {
      w_string_raw (w, key);
      g_string_append (w->s, ": ");
    }
}

static void
w_str (Writer     *w,
       const char *key,
       const char *v)
{
  w_key (w, key);
  w_string_raw (w, v);
}

static void
w_int (Writer     *w,
       const char *key,
       gint64      v)
{
  w_key (w, key);
  g_string_append_printf (w->s, "%" G_GINT64_FORMAT, v);
}

static void
w_uint (Writer     *w,
        const char *key,
        guint64     v)
{
  w_key (w, key);
  g_string_append_printf (w->s, "%" G_GUINT64_FORMAT, v);
}

static void
w_float (Writer     *w,
         const char *key,
         float       v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  format_float (buf, sizeof buf, v);
  w_key (w, key);
  g_string_append (w->s, buf);
}

static void
w_bool (Writer     *w,
        const char *key,
        gboolean    v)
{
  w_key (w, key);
  g_string_append (w->s, v ? "true" : "false");
}

/* Writes knob or timeline text with the JSON type it reads back as. */
static void
w_text_value (Writer     *w,
              const char *key,
              const char *text,
              gboolean    list)
{
  double v;

  if (list)
    {
      g_auto (GStrv) items = g_strsplit (text, ",", -1);

      w_open (w, key, '[', TRUE);
      for (int i = 0; text[0] != '\0' && items[i] != NULL; i++)
        {
          w_key (w, NULL);
          if (parse_number (items[i], &v))
            g_string_append (w->s, g_strstrip (items[i]));
          else
            w_string_raw (w, items[i]);
        }
      w_close (w, ']');
      return;
    }
  w_key (w, key);
  if (!strcmp (text, "true") || !strcmp (text, "false"))
    g_string_append (w->s, text);
  else if (parse_number (text, &v) && strspn (text, "+-0123456789.eE") == strlen (text)
           && text[0] != '+' && text[0] != '.')
    g_string_append (w->s, text);
  else
    w_string_raw (w, text);
}

static void
write_data (Writer                *w,
            const GradlabDataSpec *d)
{
  int kind = data_kind (d);

  w_open (w, "data", '{', FALSE);
  w_str (w, "name", d->name);
  for (size_t i = 0; i < G_N_ELEMENTS (data_fields); i++)
    {
      const DataField *f = &data_fields[i];
      const char *field = (const char *) d + f->offset;

      if (kind < 0 || !(f->sets & (1u << kind)))
        continue;
      switch (f->type)
        {
        case F_INT:
          w_int (w, f->key, *(const int *) field);
          break;
        case F_UINT64:
          w_uint (w, f->key, *(const guint64 *) field);
          break;
        case F_FLOAT:
          w_float (w, f->key, *(const float *) field);
          break;
        case F_BOOL:
          w_bool (w, f->key, *(const gboolean *) field);
          break;
        case F_FEATURES:
          {
            unsigned mask = *(const unsigned *) field;

            w_open (w, f->key, '[', TRUE);
            for (int b = 0; b < GRD_TOY_N_FEATURES; b++)
              if (mask & (1u << b))
                w_str (w, NULL, feature_names[b]);
            w_close (w, ']');
            break;
          }
        case F_FIT:
          w_str (w, f->key, *(const gboolean *) field ? "crop" : "resize");
          break;
        case F_NORMALIZE:
          /* Written only when on: files without it mean "none". */
          if (*(const gboolean *) field)
            w_str (w, f->key, "standard");
          break;
        case F_PATH:
          if (*(char *const *) field != NULL)
            w_str (w, f->key, *(char *const *) field);
          break;
        default:
          break;
        }
    }
  w_close (w, '}');
}

static void
write_layer (Writer            *w,
             const GrModelSpec *spec,
             int                i)
{
  const GrLayerSpec *l = &spec->layers[i];

  w_open (w, NULL, '{', TRUE);
  w_str (w, "type", layer_type_name (l));
  w_str (w, "name", l->name);
  if (l->n_inputs > 0)
    {
      w_open (w, "inputs", '[', TRUE);
      for (int k = 0; k < l->n_inputs; k++)
        w_str (w, NULL, l->inputs[k] == 0 ? "input" : spec->layers[l->inputs[k] - 1].name);
      w_close (w, ']');
    }
  switch (l->kind)
    {
    case GR_LAYER_DENSE:
      w_int (w, "units", l->units);
      if (l->no_bias)
        w_bool (w, "bias", FALSE);
      if (spec->bias_init[i] != 0.0f)
        w_float (w, "bias_init", spec->bias_init[i]);
      break;
    case GR_LAYER_CONV2D:
      w_int (w, "filters", l->units);
      w_int (w, "kernel", l->kernel);
      w_int (w, "stride", l->stride ? l->stride : 1);
      w_int (w, "padding", l->pad);
      w_int (w, "dilation", l->dilation ? l->dilation : 1);
      if (l->no_bias)
        w_bool (w, "bias", FALSE);
      if (spec->bias_init[i] != 0.0f)
        w_float (w, "bias_init", spec->bias_init[i]);
      break;
    case GR_LAYER_MAXPOOL:
    case GR_LAYER_AVGPOOL:
      w_int (w, "kernel", l->kernel);
      if (l->stride)
        w_int (w, "stride", l->stride);
      if (l->pad)
        w_int (w, "padding", l->pad);
      break;
    case GR_LAYER_ACT:
      w_bool (w, "fixed", l->act_fixed);
      if (l->slope != 0.0f)
        w_float (w, "slope", l->slope);
      break;
    case GR_LAYER_DROPOUT:
    case GR_LAYER_SPATIAL_DROPOUT:
      w_float (w, "p", l->p);
      break;
    case GR_LAYER_BATCHNORM:
      if (l->momentum != 0.0f)
        w_float (w, "momentum", l->momentum);
      if (l->eps != 0.0f)
        w_float (w, "eps", l->eps);
      break;
    case GR_LAYER_UPSAMPLE:
      w_int (w, "scale", l->scale);
      break;
    case GR_LAYER_INPUT:
    case GR_LAYER_ADD:
    case GR_LAYER_CONCAT:
    case GR_LAYER_SOFTMAX:
    case GR_LAYER_GAP:
    case GR_N_LAYER_KINDS:
    default:
      break;
    }
  w_close (w, '}');
}

char *
gradlab_experiment_to_json (const GradlabExperiment *self)
{
  Writer w = { 0 };
  const char *const *knobs = gr_knobs_names ();

  w.s = g_string_new (NULL);
  w.depth = 0;
  w.first[0] = TRUE;
  w_open (&w, NULL, '{', FALSE);
  w_str (&w, "name", self->name ? self->name : "");
  w_str (&w, "description", self->description ? self->description : "");
  w_str (&w, "lab", self->lab ? self->lab : "playground");
  write_data (&w, &self->data);

  w_open (&w, "model", '{', FALSE);
  if (self->model_kind == GRADLAB_MODEL_MLP)
    {
      const GrMlpSpec *m = &self->mlp;

      w_open (&w, "mlp", '{', FALSE);
      w_int (&w, "depth", m->depth);
      w_int (&w, "width", m->width);
      if (m->n_widths > 0)
        {
          w_open (&w, "widths", '[', TRUE);
          for (int i = 0; i < m->n_widths; i++)
            w_int (&w, NULL, m->widths[i]);
          w_close (&w, ']');
        }
      w_str (&w, "activation", gr_act_name (m->act));
      w_bool (&w, "batch_norm", m->batch_norm);
      w_float (&w, "dropout", m->dropout);
      w_bool (&w, "residual", m->residual);
      w_bool (&w, "softmax", m->softmax);
      w_int (&w, "outputs", m->outputs);
      if (m->bias_init != 0.0f)
        w_float (&w, "bias_init", m->bias_init);
      w_close (&w, '}');
    }
  else
    {
      w_open (&w, "layers", '[', FALSE);
      for (int i = 0; i < self->layers.n_layers; i++)
        write_layer (&w, &self->layers, i);
      w_close (&w, ']');
    }
  w_close (&w, '}');

  w_open (&w, "knobs", '{', FALSE);
  for (int i = 0; knobs[i] != NULL; i++)
    {
      char buf[512];

      if (gr_knobs_get (&self->knobs, knobs[i], buf, sizeof buf))
        w_text_value (&w, knobs[i], buf, is_list_knob (knobs[i]));
    }
  w_close (&w, '}');

  w_open (&w, "timeline", '[', FALSE);
  for (guint i = 0; i < self->timeline->len;)
    {
      const GradlabTimelineEntry *e = &g_array_index (self->timeline, GradlabTimelineEntry, i);
      gint64 step = e->step;
      guint group_start = i;

      /* Consecutive entries of one step share an object; that keeps their
       * order, which is the order the session applies them in. */
      w_open (&w, NULL, '{', TRUE);
      w_int (&w, "step", step);
      w_open (&w, "set", '{', TRUE);
      for (; i < self->timeline->len; i++)
        {
          gboolean seen = FALSE;

          e = &g_array_index (self->timeline, GradlabTimelineEntry, i);
          if (e->step != step)
            break;
          /* A key twice in one step would be a duplicate JSON key. */
          for (guint j = group_start; j < i; j++)
            if (strcmp (g_array_index (self->timeline, GradlabTimelineEntry, j).key,
                        e->key) == 0)
              seen = TRUE;
          if (seen)
            break;
          w_text_value (&w, e->key, e->value, is_list_knob (e->key));
        }
      w_close (&w, '}');
      w_close (&w, '}');
    }
  w_close (&w, ']');

  if (self->steps > 0)
    w_int (&w, "steps", self->steps);
  else
    w_int (&w, "epochs", self->epochs);
  w_uint (&w, "seed", self->seed);
  w_int (&w, "eval_every", self->eval_every);
  w_int (&w, "max_batch", self->max_batch);
  w_close (&w, '}');
  g_string_append_c (w.s, '\n');
  return g_string_free (w.s, FALSE);
}

gboolean
gradlab_experiment_save (const GradlabExperiment *self,
                         const char              *path,
                         GError                 **error)
{
  g_autofree char *text = gradlab_experiment_to_json (self);
  g_autoptr (GError) local = NULL;

  if (!g_file_set_contents (path, text, -1, &local))
    {
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_IO,
                   "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Data sets                                                            */

void
gradlab_data_free (GradlabData *data)
{
  if (data == NULL)
    return;
  gr_dataset_free (data->train);
  gr_dataset_free (data->val);
  g_strfreev (data->warnings);
  g_free (data);
}

static gboolean
data_error (GError    **error,
            const char *name,
            const char *msg)
{
  g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_DATA,
               _("data set '%s': %s"), name, msg);
  return FALSE;
}

static gboolean
is_per_sample_labels (const GrDataset *ds)
{
  return ds->labels != NULL && ds->target_shape.h == 1 && ds->target_shape.w == 1;
}

GradlabData *
gradlab_experiment_make_data (const GradlabExperiment *self,
                              GError                 **error)
{
  const GradlabDataSpec *d = &self->data;
  g_autoptr (GradlabData) out = g_new0 (GradlabData, 1);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  GrDataset *full = NULL;
  int kind = data_kind (d);
  char err[1024] = "";
  float val_share = d->val_share > 0.0f ? d->val_share : 0.2f;

  switch (kind)
    {
    case DS_SPIRAL:
    case DS_CIRCLES:
    case DS_XOR:
    case DS_GAUSS:
      {
        GrdToyParams p = { .n = d->n, .noise = d->noise, .seed = d->seed,
                           .features = d->features };
        static const GrdToyKind toy[] = { GRD_TOY_SPIRAL, GRD_TOY_CIRCLES, GRD_TOY_XOR,
                                          GRD_TOY_GAUSS };

        full = grd_toy_new (toy[kind], &p, err, sizeof err);
        break;
      }
    case DS_REGRESSION:
      {
        GrdRegressParams p = { .n = d->n, .noise = d->noise, .seed = d->seed };

        full = grd_regress_new (&p, err, sizeof err);
        break;
      }
    case DS_DIGITS:
      {
        g_autoptr (GError) local = NULL;
        g_autofree char *path = gradlab_paths_find_data (GRD_DIGITS_FILE, &local);

        if (path == NULL)
          {
            data_error (error, d->name, local->message);
            return NULL;
          }
        full = grd_digits_load_with_flags (path, d->image ? GRD_DIGITS_IMAGE : GRD_DIGITS_FLAT,
                                           err, sizeof err);
        break;
      }
    case DS_SEG:
      {
        GrdSegParams p;

        grd_seg_params_init (&p);
        p.n = d->n;
        p.height = d->height;
        p.width = d->width;
        p.channels = d->channels;
        p.n_classes = d->classes;
        p.rare_share = d->rare_share;
        p.noise = d->noise;
        p.seed = d->seed;
        full = grd_seg_new (&p, err, sizeof err);
        break;
      }
    case DS_PNG:
      {
        GrdPngOptions o;
        GrdReport *report = NULL;

        grd_png_options_init (&o);
        o.n_classes = d->classes;
        o.channels = d->channels;
        o.width = d->width;
        o.height = d->height;
        o.fit = d->crop ? GRD_FIT_CROP : GRD_FIT_RESIZE;
        o.mask_ignore = d->ignore_label;
        full = grd_png_folder_load (d->dir, &o, &report, err, sizeof err);
        if (report != NULL)
          for (int i = 0; i < report->n_entries; i++)
            g_ptr_array_add (warnings, g_strdup_printf ("%s: %s", report->entries[i].path,
                                                        report->entries[i].message));
        grd_report_free (report);
        break;
      }
    default:
      g_snprintf (err, sizeof err, _("unknown data set"));
      break;
    }
  if (full == NULL)
    {
      data_error (error, d->name, err[0] ? err : _("out of memory"));
      return NULL;
    }

  /* The split. Digits have a canonical stratified one. */
  if (kind == DS_DIGITS && d->val_share <= 0.0f)
    {
      if (!grd_digits_split (full, &out->train, &out->val, err, sizeof err))
        {
          gr_dataset_free (full);
          data_error (error, d->name, err);
          return NULL;
        }
    }
  else if (is_per_sample_labels (full))
    {
      int n_val = (int) lrintf ((float) full->n * val_share);

      if (!grd_split_stratified (full, n_val, d->seed, &out->train, &out->val, err, sizeof err))
        {
          gr_dataset_free (full);
          data_error (error, d->name, err);
          return NULL;
        }
    }
  else if (!gr_dataset_split (full, val_share, d->seed, &out->train, &out->val))
    {
      gr_dataset_free (full);
      data_error (error, d->name, _("the split failed (too few samples?)"));
      return NULL;
    }
  gr_dataset_free (full);

  if (d->train_subset < 1.0f)
    {
      GrDataset *rest = NULL, *kept = NULL;
      int n_keep = MAX (1, (int) lrintf ((float) out->train->n * d->train_subset));

      /* Stratified where labels allow it, so a small subset still holds
       * every class in proportion. */
      if (is_per_sample_labels (out->train))
        {
          if (!grd_split_stratified (out->train, n_keep, d->seed + 1, &rest, &kept,
                                     err, sizeof err))
            {
              data_error (error, d->name, err);
              return NULL;
            }
        }
      else if (!gr_dataset_split (out->train, d->train_subset, d->seed + 1, &rest, &kept))
        {
          data_error (error, d->name, _("the training subset failed"));
          return NULL;
        }
      gr_dataset_free (rest);
      gr_dataset_free (out->train);
      out->train = kept;
    }
  if (out->train->n < 1 || out->val->n < 1)
    {
      data_error (error, d->name, _("a split is empty; use more samples or another "
                                    "val_share"));
      return NULL;
    }

  if (d->shuffle_labels > 0.0f && grd_fault_shuffle_labels (out->train, d->shuffle_labels,
                                                            d->seed + 2) < 0)
    {
      data_error (error, d->name, _("shuffle_labels failed"));
      return NULL;
    }
  if (d->misalign != 0 && !grd_fault_misalign (out->train, d->misalign))
    {
      data_error (error, d->name, _("misalign failed"));
      return NULL;
    }
  if (d->input_scale != 1.0f || d->input_shift != 0.0f)
    {
      grd_fault_scale_inputs (out->train, d->input_scale, d->input_shift);
      grd_fault_scale_inputs (out->val, d->input_scale, d->input_shift);
    }

  out->train->augment = NULL;
  out->val->augment = NULL;
  if (d->augment > 0.0f)
    {
      out->train->augment = kind == DS_DIGITS ? grd_augment_shift : grd_augment_flip_shift;
      out->train->augment_shift = d->augment;
    }
  if (warnings->len > 0)
    {
      g_ptr_array_add (warnings, NULL);
      out->warnings = (char **) g_ptr_array_free (g_steal_pointer (&warnings), FALSE);
    }
  return g_steal_pointer (&out);
}

/* ------------------------------------------------------------------ */
/* Model and session                                                    */

gboolean
gradlab_experiment_model_spec (const GradlabExperiment *self,
                               const GrDataset         *train,
                               GrModelSpec             *out,
                               GError                 **error)
{
  GrShape input = train->sample;

  input.n = 1;
  if (self->model_kind == GRADLAB_MODEL_MLP)
    {
      GrMlpSpec m = self->mlp;

      if (m.outputs <= 0)
        m.outputs = train->n_classes > 0 ? train->n_classes
                                         : (int) gr_shape_sample_size (train->target_shape);
      if (gr_model_from_mlp (out, input, &m) != GR_OK)
        {
          g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_MODEL,
                       _("%s: model.mlp: the MLP does not fit in %d layers"),
                       self->source ? self->source : self->name, GR_MAX_NODES - 1);
          return FALSE;
        }
      return TRUE;
    }

  *out = self->layers;
  out->input = input;
  /* Add the layers one by one, so a shape error names its layer, line
   * and path. */
  {
    GrNet *net = gr_net_new (input);

    if (net == NULL)
      {
        g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_MODEL,
                     _("the data's samples (%dx%dx%d) cannot be a network input"),
                     input.c, input.h, input.w);
        return FALSE;
      }
    for (int i = 0; i < out->n_layers; i++)
      if (gr_net_add (net, &out->layers[i]) < 0)
        {
          g_autofree char *path = g_strdup_printf ("model.layers[%d]", i);

          g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_MODEL,
                       "%s", gr_net_error (net));
          locate (error, self->source ? self->source : self->name, self->lines, path);
          gr_net_free (net);
          return FALSE;
        }
    gr_net_free (net);
  }
  return TRUE;
}

gboolean
gradlab_experiment_session_config (const GradlabExperiment *self,
                                   const GrDataset         *train,
                                   int                      threads,
                                   GrSessionConfig         *out,
                                   GError                 **error)
{
  memset (out, 0, sizeof *out);
  if (!gradlab_experiment_model_spec (self, train, &out->model, error))
    return FALSE;
  out->knobs = self->knobs;
  out->seed = self->seed;
  out->max_batch = gradlab_experiment_max_batch (self, train);
  out->eval_samples = 0;
  out->threads = threads > 0 ? threads : 1;
  return TRUE;
}

gboolean
gradlab_experiment_apply_timeline (const GradlabExperiment *self,
                                   GrSession               *session,
                                   GError                 **error)
{
  for (guint i = 0; i < self->timeline->len; i++)
    {
      const GradlabTimelineEntry *e = &g_array_index (self->timeline, GradlabTimelineEntry, i);
      char err[512];

      if (gr_session_add_timeline (session, e->step, e->key, e->value, err, sizeof err)
          != GR_OK)
        {
          g_autofree char *path = g_strdup_printf ("timeline[%u]", i);

          g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_INVALID,
                       "%s", err);
          locate (error, self->source ? self->source : self->name, NULL, path);
          return FALSE;
        }
    }
  return TRUE;
}

GrSession *
gradlab_experiment_new_session (const GradlabExperiment *self,
                                const GradlabData       *data,
                                int                      threads,
                                GError                 **error)
{
  GrSessionConfig cfg;
  GrSession *s;
  char err[512] = "";

  if (!gradlab_experiment_session_config (self, data->train, threads, &cfg, error))
    return NULL;
  s = gr_session_new (&cfg, data->train, data->val, err, sizeof err);
  if (s == NULL)
    {
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_MODEL,
                   "%s: model: %s", self->source ? self->source : self->name,
                   err[0] ? err : _("the session could not be made"));
      return NULL;
    }
  /* data.normalize: the session standardizes copies of both splits with
   * the training split's statistics, as the doctor's remedy does on a
   * running session (the data sets themselves stay raw for the views). */
  if (self->data.normalize && gr_session_standardize_inputs (s, err, sizeof err) != GR_OK)
    {
      g_set_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_MODEL,
                   "%s: data.normalize: %s", self->source ? self->source : self->name, err);
      gr_session_free (s);
      return NULL;
    }
  if (!gradlab_experiment_apply_timeline (self, s, error))
    {
      gr_session_free (s);
      return NULL;
    }
  return s;
}
