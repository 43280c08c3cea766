#include "grd-util.h"

#include "gr-i18n.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
grd_error_set (char       *err,
               size_t      err_len,
               const char *fmt,
               ...)
{
  va_list ap;

  if (err == NULL || err_len == 0)
    return;
  va_start (ap, fmt);
  vsnprintf (err, err_len, fmt, ap);
  va_end (ap);
}

static bool
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool
grd_parse_double (const char *s,
                  size_t      len,
                  double     *out)
{
  char buf[96];
  char *end;
  locale_t c_locale;
  double v;

  while (len > 0 && is_blank (*s))
    {
      s++;
      len--;
    }
  while (len > 0 && is_blank (s[len - 1]))
    len--;
  if (len == 0 || len >= sizeof buf)
    return false;

  /* Plain integers (all of digits.csv.gz) need no locale object. */
  {
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    size_t first = i;
    double iv = 0.0;

    while (i < len && s[i] >= '0' && s[i] <= '9' && i - first < 15)
      iv = iv * 10.0 + (s[i++] - '0');
    if (i == len && i > first)
      {
        *out = s[0] == '-' ? -iv : iv;
        return true;
      }
  }
  /* strtod also takes hex floats, "nan" and "inf"; a CSV of numbers wants
   * none of them, so only decimal characters may appear. */
  for (size_t i = 0; i < len; i++)
    if (strchr ("0123456789+-.eE", s[i]) == NULL)
      return false;
  memcpy (buf, s, len);
  buf[len] = '\0';

  c_locale = newlocale (LC_ALL_MASK, "C", (locale_t) 0);
  if (c_locale == (locale_t) 0)
    return false;
  errno = 0;
  v = strtod_l (buf, &end, c_locale);
  freelocale (c_locale);

  if (end != buf + len || end == buf || !isfinite (v))
    return false;
  *out = v;
  return true;
}

bool
grd_read_file (const char  *path,
               size_t       max_len,
               char       **data,
               size_t      *len,
               char        *err,
               size_t       err_len)
{
  FILE *f;
  char *buf = NULL;
  size_t cap = 0, n = 0;

  *data = NULL;
  *len = 0;
  f = fopen (path, "rb");
  if (f == NULL)
    {
      grd_error_set (err, err_len, "%s: %s", path, strerror (errno));
      return false;
    }

  for (;;)
    {
      size_t got;

      if (cap - n < 4096 + 1)
        {
          size_t ncap = cap == 0 ? 65536 : cap * 2;
          char *nbuf;

          if (ncap > max_len + 4096 + 1)
            ncap = max_len + 4096 + 1;
          if (ncap <= cap)
            {
              /* TRANSLATORS: keep "%s: " (the path) at the start: the
               * PNG loader cuts the reason after the first ": ". */
              grd_error_set (err, err_len,
                             GR_("%s: file is larger than %zu bytes"), path,
                             max_len);
              goto fail;
            }
          nbuf = realloc (buf, ncap);
          if (nbuf == NULL)
            {
              grd_error_set (err, err_len, GR_("%s: out of memory"), path);
              goto fail;
            }
          buf = nbuf;
          cap = ncap;
        }
      got = fread (buf + n, 1, cap - n - 1, f);
      n += got;
      if (n > max_len)
        {
          grd_error_set (err, err_len, GR_("%s: file is larger than %zu bytes"),
                         path, max_len);
          goto fail;
        }
      if (got == 0)
        break;
    }
  if (ferror (f))
    {
      grd_error_set (err, err_len, GR_("%s: read error"), path);
      goto fail;
    }
  fclose (f);
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

fail:
  fclose (f);
  free (buf);
  return false;
}

const char *
grd_quote (const char *s,
           size_t      len,
           char       *out,
           size_t      out_len)
{
  if (out_len == 0)
    return out;
  while (len > 0 && is_blank (*s))
    {
      s++;
      len--;
    }
  while (len > 0 && is_blank (s[len - 1]))
    len--;
  if (len < out_len)
    {
      memcpy (out, s, len);
      out[len] = '\0';
    }
  else if (out_len > 4)
    {
      memcpy (out, s, out_len - 4);
      memcpy (out + out_len - 4, "...", 4);
    }
  else
    out[0] = '\0';
  return out;
}
