/* Tests of the PNG folder loader (datasets/grd-png.c). Every PNG is
 * written here with libpng, good ones in each supported format and bad
 * ones of every kind the loader must report. */
#include <glib.h>
#include <glib/gstdio.h>
#include <png.h>
#include <string.h>

#include "grd-datasets.h"

#define W 8
#define H 6

/* Writes a PNG from rows of @rowbytes bytes each. */
static void
write_png (const char      *path,
           int              w,
           int              h,
           int              color_type,
           int              bit_depth,
           const guint8    *data,
           gsize            rowbytes,
           const png_color *pal,
           int              n_pal)
{
  FILE *f = fopen (path, "wb");
  png_structp png;
  png_infop info;

  g_assert_nonnull (f);
  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  info = png_create_info_struct (png);
  g_assert_nonnull (png);
  g_assert_nonnull (info);
  if (setjmp (png_jmpbuf (png)))
    g_assert_not_reached ();
  png_init_io (png, f);
  png_set_IHDR (png, info, (png_uint_32) w, (png_uint_32) h, bit_depth,
                color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  if (pal != NULL)
    png_set_PLTE (png, info, pal, n_pal);
  png_write_info (png, info);
  for (int y = 0; y < h; y++)
    png_write_row (png, data + (gsize) y * rowbytes);
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  fclose (f);
}

/* Pixel values of the good pairs, also used to check the result. */
static guint8
grey_a (int x,
        int y)
{
  return (guint8) (10 * x + 20 * y);
}

static int
mask_a (int x,
        int y)
{
  return (x + y) % 3;
}

static guint8
rgb_b (int x,
       int y,
       int k)
{
  return (guint8) (k == 0 ? 200 - 10 * x : k == 1 ? 30 + 5 * y : x * y);
}

static int
mask_b (int x,
        int y)
{
  (void) y;
  return x / 3;
}

static guint8
rgb_c (int x,
       int y,
       int k)
{
  return (guint8) (rgb_b (x, y, k) / 2 + 7);
}

static int
mask_c (int x,
        int y)
{
  (void) x;
  return y % 3;
}

static const png_color pal_d[4] = {
  { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 255, 255, 255 },
};

static int
index_d (int x,
         int y)
{
  return (x + y) % 4;
}

static int
mask_d (int x,
        int y)
{
  (void) y;
  return x % 2;
}

static guint8
grey_e (int x,
        int y)
{
  return (guint8) (255 - 3 * x - 7 * y);
}

static int
mask_e (int x,
        int y)
{
  return x > y ? 2 : 0;
}

static char *
sub_path (const char *dir,
          const char *sub,
          const char *name)
{
  return g_build_filename (dir, sub, name, NULL);
}

static void
write_grey8 (const char *path,
             int         w,
             int         h,
             int       (*fn) (int, int))
{
  guint8 *d = g_new (guint8, w * h);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      d[y * w + x] = (guint8) fn (x, y);
  write_png (path, w, h, PNG_COLOR_TYPE_GRAY, 8, d, w, NULL, 0);
  g_free (d);
}

static int
grey_a_int (int x,
            int y)
{
  return grey_a (x, y);
}

/* The good pairs a..e in five formats. */
static void
write_good (const char *dir)
{
  guint8 buf[W * H * 4 * 2];
  char *p;

  /* a: 8-bit grey image, 8-bit grey mask. */
  p = sub_path (dir, "images", "a.png");
  write_grey8 (p, W, H, grey_a_int);
  g_free (p);
  p = sub_path (dir, "masks", "a.png");
  write_grey8 (p, W, H, mask_a);
  g_free (p);

  /* b: RGB image, palette mask (indices are the ids). */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      for (int k = 0; k < 3; k++)
        buf[(y * W + x) * 3 + k] = rgb_b (x, y, k);
  p = sub_path (dir, "images", "b.png");
  write_png (p, W, H, PNG_COLOR_TYPE_RGB, 8, buf, W * 3, NULL, 0);
  g_free (p);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      buf[y * W + x] = (guint8) mask_b (x, y);
  p = sub_path (dir, "masks", "b.png");
  write_png (p, W, H, PNG_COLOR_TYPE_PALETTE, 8, buf, W, pal_d, 4);
  g_free (p);

  /* c: RGBA image (alpha dropped), 2-bit grey mask (raw values). */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        for (int k = 0; k < 3; k++)
          buf[(y * W + x) * 4 + k] = rgb_c (x, y, k);
        buf[(y * W + x) * 4 + 3] = (guint8) (x * 30);
      }
  p = sub_path (dir, "images", "c.png");
  write_png (p, W, H, PNG_COLOR_TYPE_RGBA, 8, buf, W * 4, NULL, 0);
  g_free (p);
  memset (buf, 0, sizeof buf);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      buf[y * 2 + x / 4] |= (guint8) (mask_c (x, y) << (6 - 2 * (x % 4)));
  p = sub_path (dir, "masks", "c.png");
  write_png (p, W, H, PNG_COLOR_TYPE_GRAY, 2, buf, 2, NULL, 0);
  g_free (p);

  /* d: palette colour image, 16-bit grey mask. */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      buf[y * W + x] = (guint8) index_d (x, y);
  p = sub_path (dir, "images", "d.png");
  write_png (p, W, H, PNG_COLOR_TYPE_PALETTE, 8, buf, W, pal_d, 4);
  g_free (p);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        buf[(y * W + x) * 2] = 0;
        buf[(y * W + x) * 2 + 1] = (guint8) mask_d (x, y);
      }
  p = sub_path (dir, "masks", "d.png");
  write_png (p, W, H, PNG_COLOR_TYPE_GRAY, 16, buf, W * 2, NULL, 0);
  g_free (p);

  /* e: grey+alpha image, grey+alpha mask. */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        buf[(y * W + x) * 2] = grey_e (x, y);
        buf[(y * W + x) * 2 + 1] = 200;
      }
  p = sub_path (dir, "images", "e.png");
  write_png (p, W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 8, buf, W * 2, NULL, 0);
  g_free (p);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        buf[(y * W + x) * 2] = (guint8) mask_e (x, y);
        buf[(y * W + x) * 2 + 1] = 255;
      }
  p = sub_path (dir, "masks", "e.png");
  write_png (p, W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 8, buf, W * 2, NULL, 0);
  g_free (p);
}

static int
zero (int x,
      int y)
{
  (void) x;
  (void) y;
  return 0;
}

static int
id_nine (int x,
         int y)
{
  return x == 5 && y == 4 ? 9 : 1;
}

static int
id_forty (int x,
          int y)
{
  return x == 1 && y == 2 ? 40 : 0;
}

/* Cuts the file at @path to @keep of its length. */
static void
truncate_file (const char *path,
               double      keep)
{
  char *data;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_true (g_file_set_contents (path, data, (gssize) (len * keep), NULL));
  g_free (data);
}

/* Flips a byte inside the IDAT data: zlib sees the damage before the
 * chunk's CRC is checked. */
static void
corrupt_idat (const char *path)
{
  char *data, *idat;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  idat = NULL;
  for (gsize i = 0; i + 4 <= len && idat == NULL; i++)
    if (memcmp (data + i, "IDAT", 4) == 0)
      idat = data + i;
  g_assert_nonnull (idat);
  idat[6] ^= 0x41;
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  g_free (data);
}

/* Bad files of every kind, each paired so only one thing is wrong. */
static void
write_bad (const char *dir)
{
  char *p;

  /* t: truncated image. */
  p = sub_path (dir, "images", "t.png");
  write_grey8 (p, W, H, grey_a_int);
  truncate_file (p, 0.6);
  g_free (p);
  p = sub_path (dir, "masks", "t.png");
  write_grey8 (p, W, H, zero);
  g_free (p);

  /* g: garbage bytes for an image. */
  p = sub_path (dir, "images", "g.png");
  g_assert_true (g_file_set_contents (p, "GIF89a, or so it seems\x01\x02\xff",
                                      -1, NULL));
  g_free (p);
  p = sub_path (dir, "masks", "g.png");
  write_grey8 (p, W, H, zero);
  g_free (p);

  /* x: good image, truncated mask. */
  p = sub_path (dir, "images", "x.png");
  write_grey8 (p, W, H, grey_a_int);
  g_free (p);
  p = sub_path (dir, "masks", "x.png");
  write_grey8 (p, W, H, mask_a);
  truncate_file (p, 0.5);
  g_free (p);

  /* k: image with a CRC error in its data. */
  p = sub_path (dir, "images", "k.png");
  write_grey8 (p, W, H, grey_a_int);
  corrupt_idat (p);
  g_free (p);
  p = sub_path (dir, "masks", "k.png");
  write_grey8 (p, W, H, zero);
  g_free (p);

  /* h: image whose header checksum is wrong. */
  p = sub_path (dir, "images", "h.png");
  write_grey8 (p, W, H, grey_a_int);
  {
    char *data;
    gsize len;

    g_assert_true (g_file_get_contents (p, &data, &len, NULL));
    data[8 + 4 + 4 + 13] ^= 1;   /* signature, length, type, IHDR data */
    g_assert_true (g_file_set_contents (p, data, (gssize) len, NULL));
    g_free (data);
  }
  g_free (p);
  p = sub_path (dir, "masks", "h.png");
  write_grey8 (p, W, H, zero);
  g_free (p);

  /* w: mask of the wrong size. */
  p = sub_path (dir, "images", "w.png");
  write_grey8 (p, W, H, grey_a_int);
  g_free (p);
  p = sub_path (dir, "masks", "w.png");
  write_grey8 (p, 5, 5, zero);
  g_free (p);

  /* r: class id 9 (bad for 3 classes, fine when inferred). */
  p = sub_path (dir, "images", "r.png");
  write_grey8 (p, W, H, grey_a_int);
  g_free (p);
  p = sub_path (dir, "masks", "r.png");
  write_grey8 (p, W, H, id_nine);
  g_free (p);

  /* big: class id 40, over GR_MAX_CLASSES either way. */
  p = sub_path (dir, "images", "big.png");
  write_grey8 (p, W, H, grey_a_int);
  g_free (p);
  p = sub_path (dir, "masks", "big.png");
  write_grey8 (p, W, H, id_forty);
  g_free (p);

  /* z: an empty file. */
  p = sub_path (dir, "images", "z.png");
  g_assert_true (g_file_set_contents (p, "", 0, NULL));
  g_free (p);
  p = sub_path (dir, "masks", "z.png");
  write_grey8 (p, W, H, zero);
  g_free (p);

  /* Unpaired files. */
  p = sub_path (dir, "images", "lonely.png");
  write_grey8 (p, W, H, grey_a_int);
  g_free (p);
  p = sub_path (dir, "masks", "orphan.png");
  write_grey8 (p, W, H, zero);
  g_free (p);

  /* Ignored: not PNG by name, hidden. */
  p = sub_path (dir, "images", "notes.txt");
  g_assert_true (g_file_set_contents (p, "hello", -1, NULL));
  g_free (p);
  p = sub_path (dir, "images", ".hidden.png");
  g_assert_true (g_file_set_contents (p, "junk", -1, NULL));
  g_free (p);
}

static char *
make_folder (void)
{
  char *dir = g_dir_make_tmp ("gradlab-png-XXXXXX", NULL);
  char *images = g_build_filename (dir, "images", NULL);
  char *masks = g_build_filename (dir, "masks", NULL);

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir (images, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (masks, 0700), ==, 0);
  g_free (images);
  g_free (masks);
  return dir;
}

static void
rm_rf (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);

  if (d != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (d)) != NULL)
        {
          char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
          g_free (child);
        }
      g_dir_close (d);
      g_rmdir (path);
    }
  else
    g_remove (path);
}

static void
assert_reported (const GrdReport *r,
                 const char      *dir,
                 const char      *sub,
                 const char      *name,
                 GrdBadReason     reason,
                 const char      *message_part)
{
  char *path = sub_path (dir, sub, name);
  const GrdReportEntry *e = grd_report_find (r, path);

  if (e == NULL)
    g_error ("%s is not in the report", path);
  g_test_message ("%s/%s: %s [%s]", sub, name, e->message,
                  grd_bad_reason_to_string (e->reason));
  g_assert_cmpint (e->reason, ==, reason);
  g_assert_nonnull (strstr (e->message, message_part));
  g_free (path);
}

static float
px (const GrDataset *ds,
    int              i,
    int              k,
    int              x,
    int              y)
{
  return ds->x[(((size_t) i * ds->sample.c + k) * ds->sample.h + y)
               * ds->sample.w + x];
}

static int
lab (const GrDataset *ds,
     int              i,
     int              x,
     int              y)
{
  return ds->labels[((size_t) i * ds->sample.h + y) * ds->sample.w + x];
}

static void
test_png_mixed (void)
{
  char *dir = make_folder ();
  GrdPngOptions opt;
  GrdReport *rep = NULL;
  char err[512] = "";
  GrDataset *ds;

  write_good (dir);
  write_bad (dir);
  grd_png_options_init (&opt);
  opt.n_classes = 3;
  ds = grd_png_folder_load (dir, &opt, &rep, err, sizeof err);
  g_assert_cmpstr (err, ==, "");
  g_assert_nonnull (ds);
  g_assert_nonnull (rep);

  /* Five good pairs, in name order, colour because b, c, d are. */
  g_assert_cmpint (ds->n, ==, 5);
  g_assert_cmpint (rep->n_loaded, ==, 5);
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpint (ds->sample.c, ==, 3);
  g_assert_cmpint (ds->sample.h, ==, H);
  g_assert_cmpint (ds->sample.w, ==, W);
  g_assert_cmpint (ds->target_shape.h, ==, H);
  g_assert_cmpint (ds->ignore_label, <, 0);
  g_assert_null (ds->augment);
  g_assert_cmpstr (ds->name, ==, strrchr (dir, '/') + 1);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        for (int k = 0; k < 3; k++)
          {
            g_assert_cmpfloat (px (ds, 0, k, x, y), ==, grey_a (x, y) / 255.0f);
            g_assert_cmpfloat (px (ds, 1, k, x, y), ==,
                               rgb_b (x, y, k) / 255.0f);
            g_assert_cmpfloat (px (ds, 2, k, x, y), ==,
                               rgb_c (x, y, k) / 255.0f);
            g_assert_cmpfloat (px (ds, 3, k, x, y), ==,
                               (k == 0 ? pal_d[index_d (x, y)].red
                                : k == 1 ? pal_d[index_d (x, y)].green
                                         : pal_d[index_d (x, y)].blue)
                               / 255.0f);
            g_assert_cmpfloat (px (ds, 4, k, x, y), ==, grey_e (x, y) / 255.0f);
          }
        g_assert_cmpint (lab (ds, 0, x, y), ==, mask_a (x, y));
        g_assert_cmpint (lab (ds, 1, x, y), ==, mask_b (x, y));
        g_assert_cmpint (lab (ds, 2, x, y), ==, mask_c (x, y));
        g_assert_cmpint (lab (ds, 3, x, y), ==, mask_d (x, y));
        g_assert_cmpint (lab (ds, 4, x, y), ==, mask_e (x, y));
      }

  /* Every bad file, with its reason. */
  g_assert_cmpint (rep->n_entries, ==, 11);
  assert_reported (rep, dir, "images", "t.png", GRD_BAD_TRUNCATED, "truncated");
  assert_reported (rep, dir, "images", "g.png", GRD_BAD_NOT_PNG, "not a PNG");
  assert_reported (rep, dir, "masks", "x.png", GRD_BAD_TRUNCATED, "truncated");
  assert_reported (rep, dir, "images", "k.png", GRD_BAD_CORRUPT,
                   "corrupt PNG: IDAT: ");
  assert_reported (rep, dir, "images", "h.png", GRD_BAD_CORRUPT,
                   "corrupt PNG: IHDR: CRC error");
  assert_reported (rep, dir, "masks", "w.png", GRD_BAD_SIZE_MISMATCH,
                   "mask is 5x5 but its image is 8x6");
  assert_reported (rep, dir, "masks", "r.png", GRD_BAD_CLASS_RANGE,
                   "class id 9 at (5, 4) is outside 0..2");
  assert_reported (rep, dir, "masks", "big.png", GRD_BAD_CLASS_RANGE,
                   "class id 40 at (1, 2)");
  assert_reported (rep, dir, "images", "z.png", GRD_BAD_NOT_PNG, "not a PNG");
  assert_reported (rep, dir, "images", "lonely.png", GRD_BAD_NO_MASK,
                   "no mask masks/lonely.png");
  assert_reported (rep, dir, "masks", "orphan.png", GRD_BAD_NO_IMAGE,
                   "no image images/orphan.png");
  grd_report_free (rep);
  gr_dataset_free (ds);

  /* Classes inferred: r's id 9 is fine now (n_classes 10), 40 is not. */
  opt.n_classes = 0;
  ds = grd_png_folder_load (dir, &opt, &rep, err, sizeof err);
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->n, ==, 6);
  g_assert_cmpint (ds->n_classes, ==, 10);
  g_assert_cmpint (rep->n_entries, ==, 10);
  {
    char *r = sub_path (dir, "masks", "r.png");

    g_assert_null (grd_report_find (rep, r));
    g_free (r);
  }
  assert_reported (rep, dir, "masks", "big.png", GRD_BAD_CLASS_RANGE,
                   "exceeds the limit of 32 classes");
  grd_report_free (rep);
  gr_dataset_free (ds);

  /* Grey output: colour turns to Rec. 601 luma. No report wanted. */
  opt.n_classes = 3;
  opt.channels = 1;
  ds = grd_png_folder_load (dir, &opt, NULL, err, sizeof err);
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->sample.c, ==, 1);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        float luma = (0.299f * rgb_b (x, y, 0) + 0.587f * rgb_b (x, y, 1)
                      + 0.114f * rgb_b (x, y, 2)) / 255.0f;

        g_assert_cmpfloat_with_epsilon (px (ds, 1, 0, x, y), luma, 1e-6);
        g_assert_cmpfloat (px (ds, 0, 0, x, y), ==, grey_a (x, y) / 255.0f);
      }
  gr_dataset_free (ds);

  rm_rf (dir);
  g_free (dir);
}

/* libpng's own messages must never reach stderr. */
static void
test_png_silent (void)
{
  if (g_test_subprocess ())
    {
      char *dir = make_folder ();
      GrdReport *rep = NULL;
      GrDataset *ds;

      write_good (dir);
      write_bad (dir);
      ds = grd_png_folder_load (dir, NULL, &rep, NULL, 0);
      g_assert_nonnull (ds);
      g_assert_cmpint (rep->n_entries, >=, 9);
      grd_report_free (rep);
      gr_dataset_free (ds);
      rm_rf (dir);
      g_free (dir);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
}

static void
test_png_resize_crop (void)
{
  char *dir = make_folder ();
  GrdPngOptions opt;
  GrdReport *rep = NULL;
  char err[512] = "";
  GrDataset *ds;
  char *p;

  p = sub_path (dir, "images", "a.png");
  write_grey8 (p, W, H, grey_a_int);
  g_free (p);
  p = sub_path (dir, "masks", "a.png");
  write_grey8 (p, W, H, mask_a);
  g_free (p);
  /* A pair smaller than the crop below. */
  p = sub_path (dir, "images", "s.png");
  write_grey8 (p, 3, 3, grey_a_int);
  g_free (p);
  p = sub_path (dir, "masks", "s.png");
  write_grey8 (p, 3, 3, zero);
  g_free (p);

  /* Halving: bilinear averages 2×2 blocks, nearest takes (2x+1, 2y+1). */
  grd_png_options_init (&opt);
  opt.width = 4;
  opt.height = 3;
  opt.augment_shift = 2.0f;
  ds = grd_png_folder_load (dir, &opt, &rep, err, sizeof err);
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->n, ==, 2);
  g_assert_cmpint (rep->n_entries, ==, 0);
  g_assert_cmpint (ds->sample.w, ==, 4);
  g_assert_cmpint (ds->sample.h, ==, 3);
  g_assert_cmpint (ds->sample.c, ==, 1);
  g_assert_true (ds->augment == grd_augment_flip_shift);
  g_assert_cmpfloat (ds->augment_shift, ==, 2.0f);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 4; x++)
      {
        float avg = (grey_a (2 * x, 2 * y) + grey_a (2 * x + 1, 2 * y)
                     + grey_a (2 * x, 2 * y + 1)
                     + grey_a (2 * x + 1, 2 * y + 1)) / 4.0f / 255.0f;

        g_assert_cmpfloat_with_epsilon (px (ds, 0, 0, x, y), avg, 1e-6);
        g_assert_cmpint (lab (ds, 0, x, y), ==, mask_a (2 * x + 1, 2 * y + 1));
      }
  grd_report_free (rep);
  gr_dataset_free (ds);

  /* Centre crop 4×4 of 8×6 starts at (2, 1); the 3×3 pair is rejected. */
  opt.fit = GRD_FIT_CROP;
  opt.width = 4;
  opt.height = 4;
  opt.augment_shift = 0.0f;
  ds = grd_png_folder_load (dir, &opt, &rep, err, sizeof err);
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->n, ==, 1);
  g_assert_null (ds->augment);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 4; x++)
      {
        g_assert_cmpfloat (px (ds, 0, 0, x, y), ==,
                           grey_a (x + 2, y + 1) / 255.0f);
        g_assert_cmpint (lab (ds, 0, x, y), ==, mask_a (x + 2, y + 1));
      }
  assert_reported (rep, dir, "images", "s.png", GRD_BAD_TOO_SMALL,
                   "smaller than the crop size 4x4");
  grd_report_free (rep);
  gr_dataset_free (ds);

  /* No size given: the first pair's size; the other is resized to it. */
  grd_png_options_init (&opt);
  ds = grd_png_folder_load (dir, &opt, NULL, err, sizeof err);
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->sample.w, ==, W);
  g_assert_cmpint (ds->sample.h, ==, H);
  g_assert_cmpint (ds->n, ==, 2);
  gr_dataset_free (ds);

  rm_rf (dir);
  g_free (dir);
}

static int
mask_ignore_fn (int x,
                int y)
{
  return y == 0 ? 255 : x % 2;
}

static void
test_png_colour_map_ignore (void)
{
  char *dir = make_folder ();
  static const GrdColorClass map[] = {
    { 0, 0, 0, 0 }, { 255, 0, 0, 1 }, { 0, 255, 0, 2 },
  };
  guint8 buf[W * H * 3];
  GrdPngOptions opt;
  GrdReport *rep = NULL;
  char err[512] = "";
  GrDataset *ds;
  char *p;

  for (int i = 0; i < 3; i++)
    {
      char *name = g_strdup_printf ("m%d.png", i);

      p = sub_path (dir, "images", name);
      write_grey8 (p, W, H, grey_a_int);
      g_free (p);
      /* Colour mask: black, red at x == 1, green at x == 2; mask 2 has
       * an unmapped blue pixel. */
      memset (buf, 0, sizeof buf);
      for (int y = 0; y < H; y++)
        {
          buf[(y * W + 1) * 3 + 0] = 255;
          buf[(y * W + 2) * 3 + 1] = 255;
        }
      if (i == 2)
        buf[(3 * W + 6) * 3 + 2] = 255;
      p = sub_path (dir, "masks", name);
      write_png (p, W, H, PNG_COLOR_TYPE_RGB, 8, buf, W * 3, NULL, 0);
      g_free (p);
      g_free (name);
    }

  grd_png_options_init (&opt);
  opt.color_map = map;
  opt.n_colors = 3;
  ds = grd_png_folder_load (dir, &opt, &rep, err, sizeof err);
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->n, ==, 2);
  g_assert_cmpint (ds->n_classes, ==, 3);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      g_assert_cmpint (lab (ds, 1, x, y), ==, x == 1 ? 1 : x == 2 ? 2 : 0);
  assert_reported (rep, dir, "masks", "m2.png", GRD_BAD_CLASS_RANGE,
                   "colour #0000ff at (6, 3) is not in the colour map");
  grd_report_free (rep);
  gr_dataset_free (ds);

  /* Without a map a colour mask cannot be read: all pairs bad. */
  ds = grd_png_folder_load (dir, NULL, &rep, err, sizeof err);
  g_assert_null (ds);
  g_assert_cmpint (rep->n_entries, ==, 3);
  assert_reported (rep, dir, "masks", "m0.png", GRD_BAD_UNSUPPORTED,
                   "needs a colour map");
  grd_report_free (rep);

  /* An ignore value: kept as is, and not counted as a class. */
  p = sub_path (dir, "masks", "m0.png");
  write_grey8 (p, W, H, mask_ignore_fn);
  g_free (p);
  grd_png_options_init (&opt);
  opt.mask_ignore = 255;
  ds = grd_png_folder_load (dir, &opt, &rep, err, sizeof err);
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->n, ==, 1);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpint (ds->ignore_label, ==, 255);
  g_assert_cmpint (lab (ds, 0, 3, 0), ==, 255);
  g_assert_cmpint (lab (ds, 0, 3, 1), ==, 1);
  grd_report_free (rep);
  gr_dataset_free (ds);

  rm_rf (dir);
  g_free (dir);
}

static void
test_png_folder_errors (void)
{
  char *dir = make_folder ();
  char *masks = g_build_filename (dir, "masks", NULL);
  GrdReport *rep = NULL;
  GrdPngOptions opt;
  char err[512] = "";
  char *expected;
  char *p;

  /* Empty folder pair. */
  g_assert_null (grd_png_folder_load (dir, NULL, &rep, err, sizeof err));
  expected = g_strdup_printf ("%s: no valid image/mask pair (0 files were "
                              "rejected)", dir);
  g_assert_cmpstr (err, ==, expected);
  g_free (expected);
  g_assert_nonnull (rep);
  g_assert_cmpint (rep->n_entries, ==, 0);
  grd_report_free (rep);

  /* All bad. */
  p = sub_path (dir, "images", "a.png");
  g_assert_true (g_file_set_contents (p, "\x89PNG\r\n", -1, NULL));
  g_free (p);
  p = sub_path (dir, "masks", "a.png");
  write_grey8 (p, W, H, zero);
  g_free (p);
  p = sub_path (dir, "masks", "b.png");
  write_grey8 (p, W, H, zero);
  g_free (p);
  g_assert_null (grd_png_folder_load (dir, NULL, &rep, err, sizeof err));
  expected = g_strdup_printf ("%s: no valid image/mask pair (2 files were "
                              "rejected)", dir);
  g_assert_cmpstr (err, ==, expected);
  g_free (expected);
  g_assert_cmpint (rep->n_entries, ==, 2);
  assert_reported (rep, dir, "images", "a.png", GRD_BAD_TRUNCATED,
                   "truncated");
  assert_reported (rep, dir, "masks", "b.png", GRD_BAD_NO_IMAGE, "no image");
  grd_report_free (rep);

  /* No masks/ folder. */
  rm_rf (masks);
  g_assert_null (grd_png_folder_load (dir, NULL, &rep, err, sizeof err));
  expected = g_strdup_printf ("%s: cannot open the folder: No such file or "
                              "directory", masks);
  g_assert_cmpstr (err, ==, expected);
  g_free (expected);
  grd_report_free (rep);

  /* Bad options. */
  grd_png_options_init (&opt);
  opt.width = 10;
  g_assert_null (grd_png_folder_load (dir, &opt, NULL, err, sizeof err));
  g_assert_nonnull (strstr (err, "give both sides"));
  grd_png_options_init (&opt);
  opt.channels = 2;
  g_assert_null (grd_png_folder_load (dir, &opt, NULL, err, sizeof err));

  rm_rf (dir);
  g_free (masks);
  g_free (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/datasets/png/mixed", test_png_mixed);
  g_test_add_func ("/datasets/png/silent", test_png_silent);
  g_test_add_func ("/datasets/png/resize-crop", test_png_resize_crop);
  g_test_add_func ("/datasets/png/colour-map-ignore",
                   test_png_colour_map_ignore);
  g_test_add_func ("/datasets/png/folder-errors", test_png_folder_errors);

  return g_test_run ();
}
