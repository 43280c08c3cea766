#include "grd-png.h"

#include <dirent.h>
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "gr-i18n.h"
#include "grd-augment.h"
#include "grd-util.h"

/* Bounds that stop a crafted header from asking for gigabytes. */
#define PNG_MAX_SIDE    8192
#define PNG_MAX_PIXELS  ((size_t) 32 << 20)
#define PNG_MAX_BYTES   ((size_t) 256 << 20)
#define OUT_MAX_SIDE    4096

/* A decoded file: an image as 8-bit samples, or a mask as class ids. */
typedef struct
{
  int       w, h;
  int       ch;       /* images: 1 or 3 samples per pixel */
  bool      colour;   /* images: not every pixel grey by construction */
  uint8_t  *px;       /* images: (h, w, ch) */
  int32_t  *ids;      /* masks: (h, w) */
} Decoded;

typedef enum
{
  MODE_IMAGE,
  MODE_MASK,
} Mode;

/* Everything the libpng callbacks and the error path touch. It lives in
 * the caller of the function that calls setjmp, so nothing it holds is
 * an automatic variable changed between setjmp and longjmp. */
typedef struct
{
  const unsigned char *data;
  size_t               len;
  size_t               pos;
  bool                 truncated;
  char                 msg[200];
  png_bytep           *rows;
  unsigned char       *buf;
  /* Results, valid when decode_png () returns 0. */
  int                  w, h, ch, bit_depth, color_type;
  png_colorp           pal_borrowed;  /* inside libpng's info */
  png_colorp           palette;       /* owned copy, set on success */
  int                  n_palette;
} PngCtx;

static void
png_error_cb (png_structp     png,
              png_const_charp msg)
{
  PngCtx *ctx = png_get_error_ptr (png);

  snprintf (ctx->msg, sizeof ctx->msg, "%s", msg);
  png_longjmp (png, 1);
}

static void
png_warning_cb (png_structp     png,
                png_const_charp msg)
{
  /* Warnings (a bad ancillary chunk, say) do not make a file unusable;
   * they must not reach stderr either. */
  (void) png;
  (void) msg;
}

static void
png_read_cb (png_structp png,
             png_bytep   out,
             png_size_t  n)
{
  PngCtx *ctx = png_get_io_ptr (png);

  if (n > ctx->len - ctx->pos)
    {
      ctx->truncated = true;
      png_error (png, "unexpected end of file");
    }
  memcpy (out, ctx->data + ctx->pos, n);
  ctx->pos += n;
}

/* The libpng part: reads header and rows into ctx->buf. Returns 0 or -1
 * (message in ctx->msg). All state that changes after setjmp is in
 * @ctx. */
static int
decode_png (PngCtx *ctx,
            Mode    mode)
{
  png_structp png;
  png_infop info;

  png = png_create_read_struct (PNG_LIBPNG_VER_STRING, ctx, png_error_cb,
                                png_warning_cb);
  if (png == NULL)
    {
      snprintf (ctx->msg, sizeof ctx->msg, "out of memory");
      return -1;
    }
  info = png_create_info_struct (png);
  if (info == NULL)
    {
      png_destroy_read_struct (&png, NULL, NULL);
      snprintf (ctx->msg, sizeof ctx->msg, "out of memory");
      return -1;
    }
  if (setjmp (png_jmpbuf (png)))
    {
      png_destroy_read_struct (&png, &info, NULL);
      return -1;
    }

  png_set_read_fn (png, ctx, png_read_cb);
  png_set_user_limits (png, PNG_MAX_SIDE, PNG_MAX_SIDE);
  png_read_info (png, info);

  ctx->w = (int) png_get_image_width (png, info);
  ctx->h = (int) png_get_image_height (png, info);
  ctx->bit_depth = png_get_bit_depth (png, info);
  ctx->color_type = png_get_color_type (png, info);
  if ((size_t) ctx->w * (size_t) ctx->h > PNG_MAX_PIXELS)
    png_error (png, "image has too many pixels");

  if (mode == MODE_IMAGE)
    {
      png_set_expand (png);
      png_set_strip_16 (png);
      png_set_strip_alpha (png);
    }
  else
    {
      /* Mask values are ids: keep palette indices and unscaled grey. */
      png_set_packing (png);
      png_set_strip_alpha (png);
      if (ctx->bit_depth == 16 && (ctx->color_type & PNG_COLOR_MASK_COLOR))
        png_set_strip_16 (png);
      if (ctx->color_type == PNG_COLOR_TYPE_PALETTE)
        {
          png_colorp pal = NULL;
          int n_pal = 0;

          if (png_get_PLTE (png, info, &pal, &n_pal) != 0)
            {
              ctx->pal_borrowed = pal;
              ctx->n_palette = n_pal;
            }
        }
    }
  png_set_interlace_handling (png);
  png_read_update_info (png, info);
  ctx->ch = png_get_channels (png, info);

  {
    size_t rowbytes = png_get_rowbytes (png, info);

    ctx->buf = malloc (rowbytes * (size_t) ctx->h);
    ctx->rows = malloc (sizeof *ctx->rows * (size_t) ctx->h);
    if (ctx->buf == NULL || ctx->rows == NULL)
      png_error (png, "out of memory");
    for (int y = 0; y < ctx->h; y++)
      ctx->rows[y] = ctx->buf + (size_t) y * rowbytes;
  }
  png_read_image (png, ctx->rows);
  png_read_end (png, NULL);

  /* The palette belongs to @info: copy it out before destroying. */
  if (ctx->pal_borrowed != NULL && ctx->n_palette > 0)
    {
      ctx->palette = malloc (sizeof *ctx->palette * (size_t) ctx->n_palette);
      if (ctx->palette == NULL)
        png_error (png, "out of memory");
      memcpy (ctx->palette, ctx->pal_borrowed,
              sizeof *ctx->palette * (size_t) ctx->n_palette);
    }
  ctx->pal_borrowed = NULL;
  png_destroy_read_struct (&png, &info, NULL);
  return 0;
}

/* A growing report. */
typedef struct
{
  GrdReport *r;
  int        cap;
  bool       failed;  /* out of memory while reporting */
} Reporter;

static void
report_add (Reporter     *rep,
            const char   *path,
            GrdBadReason  reason,
            const char   *fmt,
            ...)
#if defined(__GNUC__)
  __attribute__ ((format (printf, 4, 5)))
#endif
  ;

static void
report_add (Reporter     *rep,
            const char   *path,
            GrdBadReason  reason,
            const char   *fmt,
            ...)
{
  GrdReportEntry *e;
  char msg[512];
  va_list ap;

  if (rep->r == NULL)
    return;
  if (rep->r->n_entries == rep->cap)
    {
      int ncap = rep->cap == 0 ? 16 : rep->cap * 2;
      GrdReportEntry *ne = realloc (rep->r->entries, sizeof *ne * (size_t) ncap);

      if (ne == NULL)
        {
          rep->failed = true;
          return;
        }
      rep->r->entries = ne;
      rep->cap = ncap;
    }
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);

  e = &rep->r->entries[rep->r->n_entries];
  e->path = strdup (path);
  e->message = strdup (msg);
  e->reason = reason;
  if (e->path == NULL || e->message == NULL)
    {
      free (e->path);
      free (e->message);
      rep->failed = true;
      return;
    }
  rep->r->n_entries++;
}

void
grd_report_free (GrdReport *report)
{
  if (report == NULL)
    return;
  for (int i = 0; i < report->n_entries; i++)
    {
      free (report->entries[i].path);
      free (report->entries[i].message);
    }
  free (report->entries);
  free (report);
}

const char *
grd_bad_reason_to_string (GrdBadReason reason)
{
  switch (reason)
    {
    case GRD_BAD_IO:
      return GR_("cannot read file");
    case GRD_BAD_NOT_PNG:
      return GR_("not a PNG file");
    case GRD_BAD_TRUNCATED:
      return GR_("truncated PNG");
    case GRD_BAD_CORRUPT:
      return GR_("corrupt PNG");
    case GRD_BAD_UNSUPPORTED:
      return GR_("unsupported PNG");
    case GRD_BAD_SIZE_MISMATCH:
      return GR_("mask size differs from image");
    case GRD_BAD_CLASS_RANGE:
      return GR_("class id out of range");
    case GRD_BAD_NO_MASK:
      return GR_("image without mask");
    case GRD_BAD_NO_IMAGE:
      return GR_("mask without image");
    case GRD_BAD_TOO_SMALL:
      return GR_("smaller than the crop size");
    default:
      return GR_("unknown problem");
    }
}

const GrdReportEntry *
grd_report_find (const GrdReport *report,
                 const char      *path)
{
  if (report == NULL || path == NULL)
    return NULL;
  for (int i = 0; i < report->n_entries; i++)
    if (strcmp (report->entries[i].path, path) == 0)
      return &report->entries[i];
  return NULL;
}

void
grd_png_options_init (GrdPngOptions *opt)
{
  if (opt == NULL)
    return;
  memset (opt, 0, sizeof *opt);
  opt->fit = GRD_FIT_RESIZE;
  opt->mask_ignore = -1;
}

static void
decoded_clear (Decoded *d)
{
  free (d->px);
  free (d->ids);
  memset (d, 0, sizeof *d);
}

static int
color_lookup (const GrdPngOptions *opt,
              uint8_t              r,
              uint8_t              g,
              uint8_t              b)
{
  for (int i = 0; i < opt->n_colors; i++)
    if (opt->color_map[i].r == r && opt->color_map[i].g == g
        && opt->color_map[i].b == b)
      return opt->color_map[i].class_id;
  return -1;
}

/* Reads and decodes @path. On failure reports it and returns false. */
static bool
load_png (const char          *path,
          Mode                 mode,
          const GrdPngOptions *opt,
          Decoded             *out,
          Reporter            *rep)
{
  static const unsigned char sig[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };
  PngCtx ctx;
  char *data;
  size_t len;
  char ioerr[256];
  bool ok = false;

  memset (out, 0, sizeof *out);
  if (!grd_read_file (path, PNG_MAX_BYTES, &data, &len, ioerr, sizeof ioerr))
    {
      const char *reason = strstr (ioerr, ": ");

      report_add (rep, path, GRD_BAD_IO, GR_("cannot read: %s"),
                  reason != NULL ? reason + 2 : ioerr);
      return false;
    }

  if (len < sizeof sig || memcmp (data, sig, sizeof sig) != 0)
    {
      if (len < sizeof sig && len > 0 && memcmp (data, sig, len) == 0)
        report_add (rep, path, GRD_BAD_TRUNCATED,
                    GR_("truncated PNG: the file ends after %zu bytes"), len);
      else
        report_add (rep, path, GRD_BAD_NOT_PNG,
                    GR_("not a PNG file (no PNG signature)"));
      free (data);
      return false;
    }

  memset (&ctx, 0, sizeof ctx);
  ctx.data = (const unsigned char *) data;
  ctx.len = len;
  if (decode_png (&ctx, mode) != 0)
    {
      if (ctx.truncated)
        report_add (rep, path, GRD_BAD_TRUNCATED,
                    GR_("truncated PNG: the file ends early (%zu bytes)"), len);
      else if (strstr (ctx.msg, "out of memory") != NULL
               || strstr (ctx.msg, "too many pixels") != NULL
               || strstr (ctx.msg, "exceeds user limit") != NULL)
        report_add (rep, path, GRD_BAD_UNSUPPORTED, GR_("cannot load: %s"),
                    ctx.msg);
      else
        report_add (rep, path, GRD_BAD_CORRUPT, GR_("corrupt PNG: %s"), ctx.msg);
      goto out;
    }

  out->w = ctx.w;
  out->h = ctx.h;
  if (mode == MODE_IMAGE)
    {
      size_t n = (size_t) ctx.w * ctx.h;

      out->ch = ctx.ch == 3 ? 3 : 1;
      out->colour = ctx.ch == 3;
      out->px = malloc (n * (size_t) out->ch);
      if (out->px == NULL)
        {
          report_add (rep, path, GRD_BAD_UNSUPPORTED, GR_("out of memory"));
          goto out;
        }
      for (int y = 0; y < ctx.h; y++)
        memcpy (out->px + (size_t) y * ctx.w * out->ch, ctx.rows[y],
                (size_t) ctx.w * out->ch);
      /* A palette of only greys is a grey image. */
      if (ctx.color_type == PNG_COLOR_TYPE_PALETTE)
        {
          bool grey = true;

          for (size_t i = 0; i < n && grey; i++)
            if (out->px[3 * i] != out->px[3 * i + 1]
                || out->px[3 * i] != out->px[3 * i + 2])
              grey = false;
          out->colour = !grey;
        }
    }
  else
    {
      bool has_color = (ctx.color_type & PNG_COLOR_MASK_COLOR) != 0
                       && ctx.color_type != PNG_COLOR_TYPE_PALETTE;
      bool wide = ctx.bit_depth == 16 && !has_color;

      out->ids = malloc (sizeof *out->ids * (size_t) ctx.w * ctx.h);
      if (out->ids == NULL)
        {
          report_add (rep, path, GRD_BAD_UNSUPPORTED, GR_("out of memory"));
          goto out;
        }
      for (int y = 0; y < ctx.h; y++)
        for (int x = 0; x < ctx.w; x++)
          {
            const uint8_t *p = ctx.rows[y];
            int32_t id;

            if (wide)
              id = (p[2 * x] << 8) | p[2 * x + 1];
            else if (has_color)
              {
                uint8_t r = p[3 * x], g = p[3 * x + 1], b = p[3 * x + 2];

                if (opt->color_map != NULL)
                  id = color_lookup (opt, r, g, b);
                else if (r == g && g == b)
                  id = r;
                else
                  {
                    report_add (rep, path, GRD_BAD_UNSUPPORTED,
                                GR_("colour #%02x%02x%02x at (%d, %d): a colour "
                                    "mask needs a colour map"), r, g, b, x, y);
                    goto out;
                  }
                if (id < 0)
                  {
                    report_add (rep, path, GRD_BAD_CLASS_RANGE,
                                GR_("colour #%02x%02x%02x at (%d, %d) is not in "
                                    "the colour map"), r, g, b, x, y);
                    goto out;
                  }
              }
            else if (ctx.color_type == PNG_COLOR_TYPE_PALETTE
                     && opt->color_map != NULL)
              {
                int k = p[x];

                id = ctx.palette != NULL && k < ctx.n_palette
                     ? color_lookup (opt, ctx.palette[k].red,
                                     ctx.palette[k].green,
                                     ctx.palette[k].blue)
                     : -1;
                if (id < 0)
                  {
                    report_add (rep, path, GRD_BAD_CLASS_RANGE,
                                GR_("palette entry %d at (%d, %d) is not in the "
                                    "colour map"), k, x, y);
                    goto out;
                  }
              }
            else if (opt->color_map != NULL)
              {
                id = color_lookup (opt, p[x], p[x], p[x]);
                if (id < 0)
                  {
                    report_add (rep, path, GRD_BAD_CLASS_RANGE,
                                GR_("grey %d at (%d, %d) is not in the colour "
                                    "map"), p[x], x, y);
                    goto out;
                  }
              }
            else
              id = p[x];
            out->ids[(size_t) y * ctx.w + x] = id;
          }
    }
  ok = true;

out:
  if (!ok)
    decoded_clear (out);
  free (ctx.rows);
  free (ctx.buf);
  free (ctx.palette);
  free (data);
  return ok;
}

/* A sorted list of the *.png names in a folder. */
typedef struct
{
  char **names;
  int    n;
} NameList;

static void
name_list_clear (NameList *l)
{
  for (int i = 0; i < l->n; i++)
    free (l->names[i]);
  free (l->names);
  memset (l, 0, sizeof *l);
}

static int
cmp_names (const void *a,
           const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static bool
has_png_ext (const char *name)
{
  size_t n = strlen (name);

  return n > 4 && strcasecmp (name + n - 4, ".png") == 0;
}

static char *
path_join (const char *a,
           const char *b,
           const char *c)
{
  size_t n = strlen (a) + strlen (b) + (c != NULL ? strlen (c) : 0) + 3;
  char *p = malloc (n);

  if (p == NULL)
    return NULL;
  if (c != NULL)
    snprintf (p, n, "%s/%s/%s", a, b, c);
  else
    snprintf (p, n, "%s/%s", a, b);
  return p;
}

static bool
list_pngs (const char *dir,
           const char *sub,
           NameList   *out,
           char       *err,
           size_t      err_len)
{
  char *path = path_join (dir, sub, NULL);
  DIR *d;
  struct dirent *e;
  int cap = 0;

  memset (out, 0, sizeof *out);
  if (path == NULL)
    {
      grd_error_set (err, err_len, GR_("%s: out of memory"), dir);
      return false;
    }
  d = opendir (path);
  if (d == NULL)
    {
      grd_error_set (err, err_len, GR_("%s: cannot open the folder: %s"), path,
                     strerror (errno));
      free (path);
      return false;
    }
  while ((e = readdir (d)) != NULL)
    {
      char *full;
      struct stat st;
      bool regular;

      if (e->d_name[0] == '.' || !has_png_ext (e->d_name))
        continue;
      full = path_join (path, e->d_name, NULL);
      regular = full != NULL && stat (full, &st) == 0 && S_ISREG (st.st_mode);
      free (full);
      if (!regular)
        continue;
      if (out->n == cap)
        {
          int ncap = cap == 0 ? 64 : cap * 2;
          char **nn = realloc (out->names, sizeof *nn * (size_t) ncap);

          if (nn == NULL)
            goto oom;
          out->names = nn;
          cap = ncap;
        }
      out->names[out->n] = strdup (e->d_name);
      if (out->names[out->n] == NULL)
        goto oom;
      out->n++;
    }
  closedir (d);
  free (path);
  if (out->n > 1)
    qsort (out->names, (size_t) out->n, sizeof *out->names, cmp_names);
  return true;

oom:
  closedir (d);
  free (path);
  name_list_clear (out);
  grd_error_set (err, err_len, GR_("%s: out of memory"), dir);
  return false;
}

/* Compares base names (without the 4-byte extension). */
static int
cmp_base (const char *a,
          const char *b)
{
  size_t la = strlen (a) - 4, lb = strlen (b) - 4;
  int c = strncmp (a, b, la < lb ? la : lb);

  if (c != 0)
    return c;
  return la < lb ? -1 : la > lb ? 1 : 0;
}

/* A validated pair, kept decoded until the output format is known. */
typedef struct
{
  Decoded img;
  Decoded mask;
} Pair;

/* Image @d as float planes (C, h, w) with @c channels. */
static void
to_planes (const Decoded *d,
           int            c,
           float         *out)
{
  size_t n = (size_t) d->w * d->h;

  for (size_t i = 0; i < n; i++)
    {
      const uint8_t *p = d->px + i * d->ch;

      if (c == 1)
        out[i] = d->ch == 1 ? p[0] / 255.0f
                 : (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / 255.0f;
      else
        for (int k = 0; k < 3; k++)
          out[k * n + i] = p[d->ch == 1 ? 0 : k] / 255.0f;
    }
}

/* Source coordinate of output cell @i for a resize from @sn to @dn
 * cells, pixel centres aligned. */
static float
src_coord (int i,
           int sn,
           int dn)
{
  float s = ((float) i + 0.5f) * (float) sn / (float) dn - 0.5f;

  return s < 0.0f ? 0.0f : s > (float) (sn - 1) ? (float) (sn - 1) : s;
}

static void
resize_bilinear (const float *src,
                 int          sw,
                 int          sh,
                 float       *dst,
                 int          dw,
                 int          dh)
{
  for (int y = 0; y < dh; y++)
    {
      float fy = src_coord (y, sh, dh);
      int y0 = (int) fy, y1 = y0 + 1 < sh ? y0 + 1 : y0;
      float ty = fy - (float) y0;

      for (int x = 0; x < dw; x++)
        {
          float fx = src_coord (x, sw, dw);
          int x0 = (int) fx, x1 = x0 + 1 < sw ? x0 + 1 : x0;
          float tx = fx - (float) x0;
          float a = src[(size_t) y0 * sw + x0], b = src[(size_t) y0 * sw + x1];
          float c = src[(size_t) y1 * sw + x0], d = src[(size_t) y1 * sw + x1];

          dst[(size_t) y * dw + x] = (a * (1.0f - tx) + b * tx) * (1.0f - ty)
                                     + (c * (1.0f - tx) + d * tx) * ty;
        }
    }
}

static void
resize_nearest (const int32_t *src,
                int            sw,
                int            sh,
                int32_t       *dst,
                int            dw,
                int            dh)
{
  for (int y = 0; y < dh; y++)
    {
      int sy = (int) (((int64_t) y * 2 + 1) * sh / (2 * (int64_t) dh));

      for (int x = 0; x < dw; x++)
        {
          int sx = (int) (((int64_t) x * 2 + 1) * sw / (2 * (int64_t) dw));

          dst[(size_t) y * dw + x] = src[(size_t) sy * sw + sx];
        }
    }
}

/* Writes pair @p as sample @i of @ds (size ds->sample.w × h). */
static bool
store_pair (GrDataset          *ds,
            int                 i,
            const Pair         *p,
            GrdFit              fit)
{
  int c = ds->sample.c, tw = ds->sample.w, th = ds->sample.h;
  int sw = p->img.w, sh = p->img.h;
  size_t tplane = (size_t) tw * th, splane = (size_t) sw * sh;
  float *x = ds->x + (size_t) i * c * tplane;
  int32_t *lab = ds->labels + (size_t) i * tplane;
  float *planes = malloc (sizeof *planes * splane * (size_t) c);

  if (planes == NULL)
    return false;
  to_planes (&p->img, c, planes);

  if (sw == tw && sh == th)
    {
      memcpy (x, planes, sizeof *x * tplane * (size_t) c);
      memcpy (lab, p->mask.ids, sizeof *lab * tplane);
    }
  else if (fit == GRD_FIT_CROP)
    {
      int ox = (sw - tw) / 2, oy = (sh - th) / 2;

      for (int k = 0; k < c; k++)
        for (int y = 0; y < th; y++)
          memcpy (x + k * tplane + (size_t) y * tw,
                  planes + k * splane + (size_t) (y + oy) * sw + ox,
                  sizeof *x * (size_t) tw);
      for (int y = 0; y < th; y++)
        memcpy (lab + (size_t) y * tw,
                p->mask.ids + (size_t) (y + oy) * sw + ox,
                sizeof *lab * (size_t) tw);
    }
  else
    {
      for (int k = 0; k < c; k++)
        resize_bilinear (planes + k * splane, sw, sh, x + k * tplane, tw, th);
      resize_nearest (p->mask.ids, sw, sh, lab, tw, th);
    }
  free (planes);
  return true;
}

/* Checks the ids of mask @m against @limit (exclusive); reports and
 * returns false at the first bad one. */
static bool
check_ids (const Decoded       *m,
           const char          *path,
           const GrdPngOptions *opt,
           int                  limit,
           bool                 inferred,
           int                 *max_id,
           Reporter            *rep)
{
  for (int y = 0; y < m->h; y++)
    for (int x = 0; x < m->w; x++)
      {
        int32_t id = m->ids[(size_t) y * m->w + x];

        if (opt->mask_ignore >= 0 && id == opt->mask_ignore)
          continue;
        if (id < 0 || id >= limit)
          {
            if (inferred)
              report_add (rep, path, GRD_BAD_CLASS_RANGE,
                          GR_("class id %d at (%d, %d) exceeds the limit of %d "
                              "classes"), (int) id, x, y, limit);
            else
              report_add (rep, path, GRD_BAD_CLASS_RANGE,
                          GR_("class id %d at (%d, %d) is outside 0..%d"),
                          (int) id, x, y, limit - 1);
            return false;
          }
        if (id > *max_id)
          *max_id = id;
      }
  return true;
}

static bool
options_valid (const GrdPngOptions *opt,
               char                *err,
               size_t               err_len)
{
  if (opt->n_classes < 0 || opt->n_classes > GR_MAX_CLASSES)
    {
      grd_error_set (err, err_len, GR_("number of classes %d is outside 0..%d"),
                     opt->n_classes, GR_MAX_CLASSES);
      return false;
    }
  if (opt->channels != 0 && opt->channels != 1 && opt->channels != 3)
    {
      grd_error_set (err, err_len, GR_("channels must be 0, 1 or 3, not %d"),
                     opt->channels);
      return false;
    }
  if ((opt->width == 0) != (opt->height == 0) || opt->width < 0
      || opt->height < 0 || opt->width > OUT_MAX_SIDE
      || opt->height > OUT_MAX_SIDE)
    {
      grd_error_set (err, err_len, GR_("output size %dx%d: give both sides "
                                       "(1..%d) or neither"), opt->width, opt->height,
                     OUT_MAX_SIDE);
      return false;
    }
  if (opt->fit != GRD_FIT_RESIZE && opt->fit != GRD_FIT_CROP)
    {
      grd_error_set (err, err_len, GR_("unknown fit mode %d"), (int) opt->fit);
      return false;
    }
  if (opt->n_colors < 0 || (opt->n_colors > 0 && opt->color_map == NULL))
    {
      grd_error_set (err, err_len, GR_("bad colour map"));
      return false;
    }
  for (int i = 0; i < opt->n_colors; i++)
    {
      int limit = opt->n_classes > 0 ? opt->n_classes : GR_MAX_CLASSES;
      int id = opt->color_map[i].class_id;

      if ((id < 0 || id >= limit) && id != opt->mask_ignore)
        {
          grd_error_set (err, err_len, GR_("colour map entry %d: class %d is "
                                           "outside 0..%d"), i, id, limit - 1);
          return false;
        }
    }
  return true;
}

/* The data set's name: the folder's last component. */
static void
folder_name (const char *dir,
             char       *out,
             size_t      out_len)
{
  size_t n = strlen (dir);
  const char *start;

  while (n > 1 && dir[n - 1] == '/')
    n--;
  start = dir + n;
  while (start > dir && start[-1] != '/')
    start--;
  n -= (size_t) (start - dir);
  if (n >= out_len)
    n = out_len - 1;
  memcpy (out, start, n);
  out[n] = '\0';
}

GrDataset *
grd_png_folder_load (const char           *dir,
                     const GrdPngOptions  *opt_in,
                     GrdReport           **report,
                     char                 *err,
                     size_t                err_len)
{
  GrdPngOptions defaults;
  const GrdPngOptions *opt = opt_in;
  NameList imgs = { 0 }, masks = { 0 };
  Reporter rep = { 0 };
  Pair *pairs = NULL;
  int n_pairs = 0, max_id = 0, tw = 0, th = 0, channels;
  bool any_colour = false;
  GrDataset *ds = NULL;
  int a = 0, b = 0;

  if (report != NULL)
    *report = NULL;
  if (dir == NULL)
    {
      grd_error_set (err, err_len, GR_("no folder given"));
      return NULL;
    }
  if (opt == NULL)
    {
      grd_png_options_init (&defaults);
      opt = &defaults;
    }
  if (!options_valid (opt, err, err_len))
    return NULL;

  if (report != NULL)
    {
      rep.r = calloc (1, sizeof *rep.r);
      if (rep.r == NULL)
        {
          grd_error_set (err, err_len, GR_("%s: out of memory"), dir);
          return NULL;
        }
    }

  if (!list_pngs (dir, "images", &imgs, err, err_len)
      || !list_pngs (dir, "masks", &masks, err, err_len))
    goto out;

  pairs = calloc ((size_t) (imgs.n > 0 ? imgs.n : 1), sizeof *pairs);
  if (pairs == NULL)
    {
      grd_error_set (err, err_len, GR_("%s: out of memory"), dir);
      goto out;
    }
  if (opt->width > 0)
    {
      tw = opt->width;
      th = opt->height;
    }

  /* Walk both sorted lists together, matching base names. */
  while (a < imgs.n || b < masks.n)
    {
      int c = a >= imgs.n ? 1 : b >= masks.n ? -1
              : cmp_base (imgs.names[a], masks.names[b]);
      char *ipath = a < imgs.n ? path_join (dir, "images", imgs.names[a])
                               : NULL;
      char *mpath = b < masks.n ? path_join (dir, "masks", masks.names[b])
                                : NULL;
      Pair *p = &pairs[n_pairs];
      int limit = opt->n_classes > 0 ? opt->n_classes : GR_MAX_CLASSES;
      int pair_max = 0;

      if ((a < imgs.n && ipath == NULL) || (b < masks.n && mpath == NULL))
        {
          free (ipath);
          free (mpath);
          grd_error_set (err, err_len, GR_("%s: out of memory"), dir);
          goto out;
        }

      if (c < 0)
        {
          report_add (&rep, ipath, GRD_BAD_NO_MASK,
                      GR_("no mask masks/%.*s.png for this image"),
                      (int) strlen (imgs.names[a]) - 4, imgs.names[a]);
          a++;
        }
      else if (c > 0)
        {
          report_add (&rep, mpath, GRD_BAD_NO_IMAGE,
                      GR_("no image images/%.*s.png for this mask"),
                      (int) strlen (masks.names[b]) - 4, masks.names[b]);
          b++;
        }
      else
        {
          /* A bad image is reported alone: its mask may be fine. */
          bool ok = load_png (ipath, MODE_IMAGE, opt, &p->img, &rep)
                    && load_png (mpath, MODE_MASK, opt, &p->mask, &rep);

          a++;
          b++;
          if (!ok)
            decoded_clear (&p->img);
          else if (p->img.w != p->mask.w || p->img.h != p->mask.h)
            {
              report_add (&rep, mpath, GRD_BAD_SIZE_MISMATCH,
                          GR_("mask is %dx%d but its image is %dx%d"),
                          p->mask.w, p->mask.h, p->img.w, p->img.h);
              decoded_clear (&p->img);
              decoded_clear (&p->mask);
            }
          else if (!check_ids (&p->mask, mpath, opt, limit,
                               opt->n_classes == 0, &pair_max, &rep))
            {
              decoded_clear (&p->img);
              decoded_clear (&p->mask);
            }
          else if (opt->fit == GRD_FIT_CROP && tw > 0
                   && (p->img.w < tw || p->img.h < th))
            {
              report_add (&rep, ipath, GRD_BAD_TOO_SMALL,
                          GR_("image is %dx%d, smaller than the crop size %dx%d"),
                          p->img.w, p->img.h, tw, th);
              decoded_clear (&p->img);
              decoded_clear (&p->mask);
            }
          else
            {
              if (tw == 0)
                {
                  tw = p->img.w;
                  th = p->img.h;
                }
              if (pair_max > max_id)
                max_id = pair_max;
              any_colour = any_colour || p->img.colour;
              n_pairs++;
            }
        }
      free (ipath);
      free (mpath);
    }

  if (rep.failed)
    {
      grd_error_set (err, err_len, GR_("%s: out of memory"), dir);
      goto out;
    }
  if (n_pairs == 0)
    {
      int n_bad = rep.r != NULL ? rep.r->n_entries : 0;

      /* TRANSLATORS: the folder, then how many files were rejected. */
      grd_error_set (err, err_len, GR_NG_("%s: no valid image/mask pair (%d file was rejected)",
                                          "%s: no valid image/mask pair (%d files were rejected)",
                                          n_bad), dir, n_bad);
      goto out;
    }
  if (tw > OUT_MAX_SIDE || th > OUT_MAX_SIDE)
    {
      grd_error_set (err, err_len, GR_("%s: images of %dx%d are too large; give "
                                       "an output size"), dir, tw, th);
      goto out;
    }

  channels = opt->channels > 0 ? opt->channels : any_colour ? 3 : 1;
  {
    GrShape sample = { 1, channels, th, tw };
    GrShape target = { 1, 1, th, tw };
    int n_classes = opt->n_classes > 0 ? opt->n_classes
                    : max_id + 1 < 2 ? 2 : max_id + 1;
    char name[64];

    folder_name (dir, name, sizeof name);
    ds = gr_dataset_new (name, sample, n_pairs, n_classes, target);
  }
  if (ds == NULL)
    {
      grd_error_set (err, err_len, GR_("%s: out of memory"), dir);
      goto out;
    }
  ds->ignore_label = opt->mask_ignore >= 0 ? opt->mask_ignore : -1;
  if (opt->augment_shift > 0.0f)
    {
      ds->augment = grd_augment_flip_shift;
      ds->augment_shift = opt->augment_shift;
    }
  for (int i = 0; i < n_pairs; i++)
    if (!store_pair (ds, i, &pairs[i], opt->fit))
      {
        gr_dataset_free (ds);
        ds = NULL;
        grd_error_set (err, err_len, GR_("%s: out of memory"), dir);
        goto out;
      }
  if (rep.r != NULL)
    rep.r->n_loaded = n_pairs;

out:
  if (pairs != NULL)
    for (int i = 0; i < n_pairs; i++)
      {
        decoded_clear (&pairs[i].img);
        decoded_clear (&pairs[i].mask);
      }
  free (pairs);
  name_list_clear (&imgs);
  name_list_clear (&masks);
  if (report != NULL)
    *report = rep.r;
  return ds;
}
