#include "grd-digits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gr-i18n.h"
#include "grd-augment.h"
#include "grd-split.h"
#include "grd-util.h"

#define DIGITS_FEATURES   64
#define DIGITS_FIELDS     (DIGITS_FEATURES + 1)
/* The shipped file is 260 KiB uncompressed; the cap stops a gzip bomb. */
#define DIGITS_MAX_BYTES  ((size_t) 64 << 20)

/* Decompresses all of @path. On a gzip error the bytes decoded so far are
 * still returned (in *data, *len) and *gz_msg names the problem, so the
 * caller can say at which line and field the data ends. Returns false
 * only if nothing could be read at all (message in @err). */
static bool
read_gz (const char  *path,
         char       **data,
         size_t      *len,
         char        *gz_msg,
         size_t       gz_msg_len,
         char        *err,
         size_t       err_len)
{
  gzFile gz;
  char *buf = NULL;
  size_t cap = 0, n = 0;

  *data = NULL;
  *len = 0;
  gz_msg[0] = '\0';

  errno = 0;
  gz = gzopen (path, "rb");
  if (gz == NULL)
    {
      grd_error_set (err, err_len, "%s: %s", path,
                     errno != 0 ? strerror (errno) : GR_("cannot open"));
      return false;
    }

  for (;;)
    {
      int got;

      if (cap - n < 65536 + 1)
        {
          size_t ncap = cap == 0 ? 262144 : cap * 2;
          char *nbuf;

          if (cap >= DIGITS_MAX_BYTES)
            {
              snprintf (gz_msg, gz_msg_len, GR_("more than %zu bytes of data"),
                        DIGITS_MAX_BYTES);
              break;
            }
          nbuf = realloc (buf, ncap);
          if (nbuf == NULL)
            {
              grd_error_set (err, err_len, GR_("%s: out of memory"), path);
              free (buf);
              gzclose (gz);
              return false;
            }
          buf = nbuf;
          cap = ncap;
        }
      got = gzread (gz, buf + n, 65536);
      if (got < 0)
        {
          int errnum;
          const char *msg = gzerror (gz, &errnum);

          snprintf (gz_msg, gz_msg_len, "%s",
                    msg != NULL && msg[0] != '\0' ? msg : GR_("read error"));
          break;
        }
      if (got == 0)
        {
          int errnum;
          const char *msg = gzerror (gz, &errnum);

          /* gzread () ends quietly at a stream cut short; only gzerror ()
           * tells it from a proper end. */
          if (errnum != Z_OK)
            snprintf (gz_msg, gz_msg_len, "%s",
                      msg != NULL && msg[0] != '\0' ? msg
                      : GR_("unexpected end of file"));
          break;
        }
      n += (size_t) got;
    }
  gzclose (gz);

  /* zlib's messages start with the path, which the caller adds anyway. */
  {
    size_t plen = strlen (path);

    if (strncmp (gz_msg, path, plen) == 0
        && strncmp (gz_msg + plen, ": ", 2) == 0)
      memmove (gz_msg, gz_msg + plen + 2, strlen (gz_msg + plen + 2) + 1);
  }

  if (buf == NULL)
    {
      buf = malloc (1);
      if (buf == NULL)
        {
          grd_error_set (err, err_len, GR_("%s: out of memory"), path);
          return false;
        }
    }
  buf[n] = '\0';
  *data = buf;
  *len = n;
  return true;
}

static int
count_lines (const char *text,
             size_t      len)
{
  int n = 0;
  size_t pos = 0;

  while (pos < len)
    {
      const char *nl = memchr (text + pos, '\n', len - pos);
      size_t llen = nl != NULL ? (size_t) (nl - (text + pos)) : len - pos;
      bool blank = true;

      for (size_t i = 0; i < llen; i++)
        if (text[pos + i] != ' ' && text[pos + i] != '\t'
            && text[pos + i] != '\r')
          blank = false;
      if (!blank)
        n++;
      pos += llen + (nl != NULL ? 1 : 0);
    }
  return n;
}

/* Parses one line of 65 fields into @x (64 floats) and @label. */
static bool
parse_line (const char *line,
            size_t      llen,
            const char *path,
            int         lineno,
            float      *x,
            int32_t    *label,
            char       *err,
            size_t      err_len)
{
  size_t start = 0;
  int f = 0;
  char q[40];

  for (size_t i = 0; i <= llen; i++)
    {
      const char *field;
      size_t flen;
      double v;

      if (i < llen && line[i] != ',')
        continue;
      field = line + start;
      flen = i - start;
      start = i + 1;
      f++;
      if (f > DIGITS_FIELDS)
        break;

      if (!grd_parse_double (field, flen, &v))
        {
          grd_error_set (err, err_len, GR_("%s:%d: field %d '%s' is not a number"),
                         path, lineno, f, grd_quote (field, flen, q,
                                                     sizeof q));
          return false;
        }
      if (f <= DIGITS_FEATURES)
        {
          if (v < 0.0 || v > 16.0)
            {
              grd_error_set (err, err_len, GR_("%s:%d: field %d value '%s' is "
                                               "outside 0..16"), path, lineno, f,
                             grd_quote (field, flen, q, sizeof q));
              return false;
            }
          x[f - 1] = (float) (v / 16.0);
        }
      else
        {
          if (v < 0.0 || v > 9.0 || v != (double) (int) v)
            {
              grd_error_set (err, err_len, GR_("%s:%d: field %d label '%s' is "
                                               "not a digit 0..9"), path, lineno, f,
                             grd_quote (field, flen, q, sizeof q));
              return false;
            }
          *label = (int32_t) v;
        }
    }

  if (f != DIGITS_FIELDS)
    {
      int total = 0;

      /* Count all fields for the message, even past 65. */
      for (size_t i = 0; i <= llen; i++)
        if (i == llen || line[i] == ',')
          total++;
      grd_error_set (err, err_len, GR_("%s:%d: expected %d fields (64 pixels and "
                                       "a label), found %d"), path, lineno, DIGITS_FIELDS,
                     total);
      return false;
    }
  return true;
}

GrDataset *
grd_digits_load_with_flags (const char *path,
                            unsigned    flags,
                            char       *err,
                            size_t      err_len)
{
  GrShape flat = { 1, DIGITS_FEATURES, 1, 1 };
  GrShape one = { 1, 1, 1, 1 };
  GrDataset *ds = NULL;
  char gz_msg[128];
  char *text;
  size_t len, pos = 0, good_len;
  int n_lines, lineno = 0, i = 0;

  if (path == NULL)
    {
      grd_error_set (err, err_len, GR_("digits: no file name"));
      return NULL;
    }
  if (!read_gz (path, &text, &len, gz_msg, sizeof gz_msg, err, err_len))
    return NULL;

  /* With a broken stream the last (partial) line is not data: report it
   * below at its line and field instead. */
  good_len = len;
  if (gz_msg[0] != '\0')
    {
      const char *last = len > 0 ? memrchr (text, '\n', len) : NULL;

      good_len = last != NULL ? (size_t) (last - text) + 1 : 0;
    }

  n_lines = count_lines (text, good_len);
  if (n_lines == 0 && gz_msg[0] == '\0')
    {
      grd_error_set (err, err_len, GR_("%s: no samples"), path);
      goto fail;
    }
  if (n_lines > 0)
    {
      ds = gr_dataset_new ("digits", flat, n_lines, 10, one);
      if (ds == NULL)
        {
          grd_error_set (err, err_len, GR_("%s: out of memory"), path);
          goto fail;
        }
    }

  while (pos < good_len)
    {
      const char *line = text + pos;
      const char *nl = memchr (line, '\n', good_len - pos);
      size_t llen = nl != NULL ? (size_t) (nl - line) : good_len - pos;
      bool blank = true;

      pos += llen + (nl != NULL ? 1 : 0);
      lineno++;
      if (llen > 0 && line[llen - 1] == '\r')
        llen--;
      for (size_t k = 0; k < llen; k++)
        if (line[k] != ' ' && line[k] != '\t')
          blank = false;
      if (blank)
        continue;
      if (!parse_line (line, llen, path, lineno,
                       ds->x + (size_t) i * DIGITS_FEATURES, &ds->labels[i],
                       err, err_len))
        goto fail;
      i++;
    }

  if (gz_msg[0] != '\0')
    {
      int field = 1;

      for (size_t k = good_len; k < len; k++)
        if (text[k] == ',')
          field++;
      grd_error_set (err, err_len, GR_("%s:%d: field %d: data ends early (the "
                                       "gzip stream is truncated or corrupt: %s)"), path,
                     lineno + 1, field, gz_msg);
      goto fail;
    }

  /* class_names holds eight names, not ten: digits stay unnamed ("")
   * and a label is its own name. */
  if (flags & GRD_DIGITS_IMAGE)
    grd_digits_set_image_view (ds, true);
  if (flags & GRD_DIGITS_AUGMENT)
    {
      ds->augment = grd_augment_shift;
      ds->augment_shift = 1.0f;
    }
  free (text);
  return ds;

fail:
  gr_dataset_free (ds);
  free (text);
  return NULL;
}

GrDataset *
grd_digits_load (const char *path,
                 char       *err,
                 size_t      err_len)
{
  return grd_digits_load_with_flags (path, GRD_DIGITS_FLAT, err, err_len);
}

bool
grd_digits_set_image_view (GrDataset *ds,
                           bool       image)
{
  GrShape flat = { 1, DIGITS_FEATURES, 1, 1 };
  GrShape img = { 1, 1, 8, 8 };

  if (ds == NULL || gr_shape_sample_size (ds->sample) != DIGITS_FEATURES)
    return false;
  ds->sample = image ? img : flat;
  return true;
}

bool
grd_digits_split (const GrDataset  *ds,
                  GrDataset       **train,
                  GrDataset       **val,
                  char             *err,
                  size_t            err_len)
{
  return grd_split_stratified (ds, GRD_DIGITS_N_VAL, GRD_DIGITS_SPLIT_SEED,
                               train, val, err, err_len);
}
