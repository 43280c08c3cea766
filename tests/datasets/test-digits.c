/* Tests of the digits loader (datasets/grd-digits.c) against the shipped
 * data/digits.csv.gz, its canonical split, and broken files. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "grd-datasets.h"

static char *
digits_path (void)
{
  const char *src = g_getenv ("GRADLAB_SOURCE_DIR");

  return g_build_filename (src != NULL ? src : GRADLAB_SOURCE_DIR_FALLBACK,
                           "data", "digits.csv.gz", NULL);
}

static GrDataset *
load_digits (unsigned flags)
{
  char *path = digits_path ();
  char err[256] = "";
  GrDataset *ds = grd_digits_load_with_flags (path, flags, err, sizeof err);

  g_assert_cmpstr (err, ==, "");
  g_assert_nonnull (ds);
  g_free (path);
  return ds;
}

static void
test_digits_load (void)
{
  /* Read with zcat from the file: line 1 and line 1797. */
  static const int first_rows[2][8] = {
    { 0, 0, 5, 13, 9, 1, 0, 0 },
    { 0, 0, 10, 14, 8, 1, 0, 0 },
  };
  static const int class_count[10] = {
    178, 182, 177, 183, 181, 182, 181, 179, 174, 180,
  };
  GrDataset *ds = load_digits (GRD_DIGITS_FLAT);
  int count[10] = { 0 };

  g_assert_cmpstr (ds->name, ==, "digits");
  g_assert_cmpint (ds->n, ==, GRD_DIGITS_N);
  g_assert_cmpint (ds->n_classes, ==, 10);
  g_assert_cmpint (ds->sample.c, ==, 64);
  g_assert_cmpint (ds->sample.h, ==, 1);
  g_assert_cmpint (ds->sample.w, ==, 1);
  g_assert_cmpint (ds->target_shape.h * ds->target_shape.w, ==, 1);
  g_assert_null (ds->augment);
  g_assert_cmpstr (ds->class_names[7], ==, "");

  for (int i = 0; i < ds->n; i++)
    {
      g_assert_cmpint (ds->labels[i], >=, 0);
      g_assert_cmpint (ds->labels[i], <=, 9);
      count[ds->labels[i]]++;
    }
  g_assert_cmpmem (count, sizeof count, class_count, sizeof class_count);
  for (size_t i = 0; i < (size_t) ds->n * 64; i++)
    g_assert_true (ds->x[i] >= 0.0f && ds->x[i] <= 1.0f);

  g_assert_cmpint (ds->labels[0], ==, 0);
  g_assert_cmpint (ds->labels[ds->n - 1], ==, 8);
  for (int k = 0; k < 8; k++)
    {
      g_assert_cmpfloat (ds->x[k], ==, first_rows[0][k] / 16.0f);
      g_assert_cmpfloat (ds->x[(size_t) (ds->n - 1) * 64 + k], ==,
                         first_rows[1][k] / 16.0f);
    }
  /* Line 1, pixel 64 (row 8, column 8) is 0; pixel 60 is 13. */
  g_assert_cmpfloat (ds->x[59], ==, 13 / 16.0f);
  gr_dataset_free (ds);
}

static void
test_digits_image_view (void)
{
  GrDataset *flat = load_digits (GRD_DIGITS_FLAT);
  GrDataset *img = load_digits (GRD_DIGITS_IMAGE | GRD_DIGITS_AUGMENT);

  g_assert_cmpint (img->sample.c, ==, 1);
  g_assert_cmpint (img->sample.h, ==, 8);
  g_assert_cmpint (img->sample.w, ==, 8);
  g_assert_true (img->augment == grd_augment_shift);
  g_assert_cmpfloat (img->augment_shift, ==, 1.0f);
  g_assert_cmpmem (flat->x, (size_t) flat->n * 64 * 4, img->x,
                   (size_t) img->n * 64 * 4);
  g_assert_true (grd_digits_set_image_view (flat, true));
  g_assert_cmpint (flat->sample.h, ==, 8);
  g_assert_true (grd_digits_set_image_view (flat, false));
  g_assert_cmpint (flat->sample.c, ==, 64);
  gr_dataset_free (flat);
  gr_dataset_free (img);
}

static void
test_digits_split (void)
{
  GrDataset *ds = load_digits (GRD_DIGITS_FLAT);
  GrDataset *tr, *va, *tr2, *va2;
  int vidx[GRD_DIGITS_N_VAL], tidx[GRD_DIGITS_N - GRD_DIGITS_N_VAL];
  int vcount[10] = { 0 };
  gboolean seen[GRD_DIGITS_N] = { 0 };
  char err[256] = "";

  g_assert_true (grd_digits_split (ds, &tr, &va, err, sizeof err));
  g_assert_cmpint (va->n, ==, 360);
  g_assert_cmpint (tr->n, ==, 1437);
  g_assert_cmpint (va->sample.c, ==, 64);

  g_assert_true (grd_split_stratified_indices (ds, GRD_DIGITS_N_VAL,
                                               GRD_DIGITS_SPLIT_SEED, tidx,
                                               vidx, err, sizeof err));
  for (int i = 0; i < GRD_DIGITS_N_VAL; i++)
    {
      g_assert_false (seen[vidx[i]]);
      seen[vidx[i]] = TRUE;
      vcount[ds->labels[vidx[i]]]++;
      g_assert_cmpint (va->labels[i], ==, ds->labels[vidx[i]]);
      g_assert_cmpmem (va->x + (size_t) i * 64, 256,
                       ds->x + (size_t) vidx[i] * 64, 256);
    }
  for (int i = 0; i < GRD_DIGITS_N - GRD_DIGITS_N_VAL; i++)
    {
      g_assert_false (seen[tidx[i]]);
      seen[tidx[i]] = TRUE;
      g_assert_cmpint (tr->labels[i], ==, ds->labels[tidx[i]]);
    }
  /* Stratified: 20 % of each class, rounded by largest remainder. */
  for (int c = 0; c < 10; c++)
    {
      g_assert_cmpint (vcount[c], >=, 35);
      g_assert_cmpint (vcount[c], <=, 37);
      g_test_message ("validation digit %d: %d", c, vcount[c]);
    }

  /* Fixed: a second split is identical. */
  g_assert_true (grd_digits_split (ds, &tr2, &va2, err, sizeof err));
  g_assert_cmpmem (va->x, 360 * 256, va2->x, 360 * 256);
  g_assert_cmpmem (tr->labels, 1437 * 4, tr2->labels, 1437 * 4);
  gr_dataset_free (tr);
  gr_dataset_free (va);
  gr_dataset_free (tr2);
  gr_dataset_free (va2);
  gr_dataset_free (ds);
}

/* The shipped file's text, decompressed with zlib. */
static GString *
digits_text (void)
{
  char *path = digits_path ();
  gzFile gz = gzopen (path, "rb");
  GString *s = g_string_new (NULL);
  char buf[8192];
  int n;

  g_assert_nonnull (gz);
  while ((n = gzread (gz, buf, sizeof buf)) > 0)
    g_string_append_len (s, buf, n);
  g_assert_cmpint (n, ==, 0);
  gzclose (gz);
  g_free (path);
  return s;
}

static char *
write_gz (const char *dir,
          const char *name,
          const char *text,
          gsize       len)
{
  char *path = g_build_filename (dir, name, NULL);
  gzFile gz = gzopen (path, "wb");

  g_assert_nonnull (gz);
  g_assert_cmpint (gzwrite (gz, text, (unsigned) len), ==, (int) len);
  g_assert_cmpint (gzclose (gz), ==, Z_OK);
  return path;
}

/* Replaces field @field (1-based) of line @line (1-based) with @with. */
static GString *
edit_field (const GString *text,
            int            line,
            int            field,
            const char    *with)
{
  char **lines = g_strsplit (text->str, "\n", -1);
  char **fields = g_strsplit (lines[line - 1], ",", -1);
  GString *out = g_string_new (NULL);

  g_free (fields[field - 1]);
  fields[field - 1] = g_strdup (with);
  g_free (lines[line - 1]);
  lines[line - 1] = g_strjoinv (",", fields);
  for (int i = 0; lines[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, lines[i]);
    }
  g_strfreev (lines);
  g_strfreev (fields);
  return out;
}

static void
assert_load_error (const char *path,
                   const char *expected_tail)
{
  char err[512] = "";
  char *expected = g_strconcat (path, expected_tail, NULL);

  g_assert_null (grd_digits_load (path, err, sizeof err));
  g_assert_cmpstr (err, ==, expected);
  g_free (expected);
}

static void
test_digits_bad_fields (void)
{
  GString *text = digits_text ();
  char *dir = g_dir_make_tmp ("gradlab-digits-XXXXXX", NULL);
  struct
  {
    int         line, field;
    const char *with;
    const char *error;
  } cases[] = {
    { 3, 5, "abc", ":3: field 5 'abc' is not a number" },
    { 1200, 17, "17", ":1200: field 17 value '17' is outside 0..16" },
    { 9, 2, "-1", ":9: field 2 value '-1' is outside 0..16" },
    { 1797, 65, "10", ":1797: field 65 label '10' is not a digit 0..9" },
    { 40, 65, "3.5", ":40: field 65 label '3.5' is not a digit 0..9" },
    { 41, 30, "", ":41: field 30 '' is not a number" },
    { 5, 65, "1,2", ":5: expected 65 fields (64 pixels and a label), found 66" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GString *bad = edit_field (text, cases[i].line, cases[i].field,
                                 cases[i].with);
      char *name = g_strdup_printf ("bad%zu.csv.gz", i);
      char *path = write_gz (dir, name, bad->str, bad->len);

      assert_load_error (path, cases[i].error);
      g_remove (path);
      g_free (path);
      g_free (name);
      g_string_free (bad, TRUE);
    }

  /* A line with a field missing. */
  {
    GString *bad = g_string_new ("0,1,2\n");
    char *path = write_gz (dir, "short.csv.gz", bad->str, bad->len);

    assert_load_error (path, ":1: expected 65 fields (64 pixels and a label), "
                       "found 3");
    g_remove (path);
    g_free (path);
    g_string_free (bad, TRUE);
  }
  /* An empty file. */
  {
    char *path = write_gz (dir, "empty.csv.gz", "", 0);

    assert_load_error (path, ": no samples");
    g_remove (path);
    g_free (path);
  }
  /* A missing file. */
  {
    char *path = g_build_filename (dir, "missing.csv.gz", NULL);

    assert_load_error (path, ": No such file or directory");
    g_free (path);
  }
  g_rmdir (dir);
  g_free (dir);
  g_string_free (text, TRUE);
}

/* A gzip file cut short: the error names the line and field where the
 * data stops. */
static void
test_digits_truncated (void)
{
  char *path = digits_path ();
  char *dir = g_dir_make_tmp ("gradlab-digits-XXXXXX", NULL);
  char *cut = g_build_filename (dir, "cut.csv.gz", NULL);
  GString *text = digits_text ();
  char *data;
  gsize len;
  char err[512] = "";
  GRegex *re;
  GMatchInfo *m;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_true (g_file_set_contents (cut, data, (gssize) len / 2, NULL));
  g_assert_null (grd_digits_load (cut, err, sizeof err));
  g_test_message ("%s", err);

  re = g_regex_new ("^(.*):([0-9]+): field ([0-9]+): data ends early "
                    "\\(the gzip stream is truncated or corrupt: .+\\)$",
                    0, 0, NULL);
  g_assert_true (g_regex_match (re, err, 0, &m));
  {
    char *file = g_match_info_fetch (m, 1);
    char *line = g_match_info_fetch (m, 2);
    int lineno = atoi (line);

    g_assert_cmpstr (file, ==, cut);
    /* About half of the text, and never past its end. */
    g_assert_cmpint (lineno, >, 300);
    g_assert_cmpint (lineno, <, 1797);
    g_free (file);
    g_free (line);
  }
  g_match_info_free (m);
  g_regex_unref (re);

  /* A flipped byte in the middle of the deflate stream. */
  {
    char *flipped = g_memdup2 (data, len);

    flipped[len / 2] ^= 0x5a;
    g_assert_true (g_file_set_contents (cut, flipped, (gssize) len, NULL));
    g_assert_null (grd_digits_load (cut, err, sizeof err));
    g_test_message ("%s", err);
    g_assert_true (g_str_has_prefix (err, cut));
    g_assert_true (g_ascii_isdigit (err[strlen (cut) + 1]));
    g_free (flipped);
  }

  /* A few bytes: not even a gzip header. */
  g_assert_true (g_file_set_contents (cut, data, 5, NULL));
  g_assert_null (grd_digits_load (cut, err, sizeof err));
  g_test_message ("%s", err);
  g_assert_true (g_str_has_prefix (err, cut));

  /* Garbage that is no gzip stream at all reads as plain text. */
  g_assert_true (g_file_set_contents (cut, "\x01\x02garbage\xff", -1, NULL));
  g_assert_null (grd_digits_load (cut, err, sizeof err));
  g_assert_true (g_str_has_prefix (err, cut));
  g_assert_nonnull (strstr (err, ":1: "));

  g_remove (cut);
  g_rmdir (dir);
  g_free (cut);
  g_free (dir);
  g_free (data);
  g_free (path);
  g_string_free (text, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/datasets/digits/load", test_digits_load);
  g_test_add_func ("/datasets/digits/image-view", test_digits_image_view);
  g_test_add_func ("/datasets/digits/split", test_digits_split);
  g_test_add_func ("/datasets/digits/corrupt/bad-field",
                   test_digits_bad_fields);
  g_test_add_func ("/datasets/digits/corrupt/truncated-gz",
                   test_digits_truncated);

  return g_test_run ();
}
