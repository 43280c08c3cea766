/* golden.c: compare a rendered surface with a golden PNG
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "golden.h"

#include <stdlib.h>
#include <string.h>

static cairo_surface_t *
to_argb32 (cairo_surface_t *surface)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  cairo_surface_t *copy = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (copy);

  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_flush (copy);

  return copy;
}

cairo_surface_t *
golden_surface_new (int width,
                    int height)
{
  return cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
}

void
golden_get_pixel (cairo_surface_t *surface,
                  int              x,
                  int              y,
                  guint8          *r,
                  guint8          *g,
                  guint8          *b,
                  guint8          *a)
{
  const guint8 *data;
  guint32 p;
  guint alpha;

  cairo_surface_flush (surface);
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, cairo_image_surface_get_width (surface));
  g_assert_cmpint (y, <, cairo_image_surface_get_height (surface));

  data = cairo_image_surface_get_data (surface);
  data += y * cairo_image_surface_get_stride (surface) + x * 4;
  p = *(const guint32 *) (const void *) data;
  alpha = cairo_image_surface_get_format (surface) == CAIRO_FORMAT_RGB24 ? 255 : (p >> 24) & 0xff;

  *a = alpha;
  if (alpha == 0)
    {
      *r = *g = *b = 0;
      return;
    }
  *r = (((p >> 16) & 0xff) * 255 + alpha / 2) / alpha;
  *g = (((p >> 8) & 0xff) * 255 + alpha / 2) / alpha;
  *b = ((p & 0xff) * 255 + alpha / 2) / alpha;
}

double
golden_compare (cairo_surface_t *a,
                cairo_surface_t *b,
                double          *fraction)
{
  cairo_surface_t *ca;
  cairo_surface_t *cb;
  int width = cairo_image_surface_get_width (a);
  int height = cairo_image_surface_get_height (a);
  guint64 sum = 0;
  guint64 n_off = 0;
  int x;
  int y;

  if (width != cairo_image_surface_get_width (b) || height != cairo_image_surface_get_height (b))
    return -1.0;

  ca = to_argb32 (a);
  cb = to_argb32 (b);

  for (y = 0; y < height; y++)
    {
      const guint8 *ra = cairo_image_surface_get_data (ca) +
                         y * cairo_image_surface_get_stride (ca);
      const guint8 *rb = cairo_image_surface_get_data (cb) +
                         y * cairo_image_surface_get_stride (cb);

      for (x = 0; x < width; x++)
        {
          int max_d = 0;
          int c;

          for (c = 0; c < 4; c++)
            {
              int d = abs ((int) ra[x * 4 + c] - (int) rb[x * 4 + c]);

              sum += d;
              max_d = MAX (max_d, d);
            }
          if (max_d > GOLDEN_PIXEL_THRESHOLD)
            n_off++;
        }
    }

  cairo_surface_destroy (ca);
  cairo_surface_destroy (cb);

  if (fraction != NULL)
    *fraction = (double) n_off / ((double) width * height);

  return (double) sum / ((double) width * height * 4);
}

static cairo_surface_t *
diff_image (cairo_surface_t *a,
            cairo_surface_t *b)
{
  cairo_surface_t *diff = golden_surface_new (cairo_image_surface_get_width (a),
                                              cairo_image_surface_get_height (a));
  cairo_t *cr = cairo_create (diff);

  cairo_set_source_surface (cr, a, 0, 0);
  cairo_paint (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_DIFFERENCE);
  cairo_set_source_surface (cr, b, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);

  return diff;
}

void
golden_check (cairo_surface_t *surface,
              const char      *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "widgets", "golden", name, NULL);
  cairo_surface_t *golden;
  double mean;
  double fraction = 1.0;

  cairo_surface_flush (surface);

  if (g_strcmp0 (g_getenv ("GRADLAB_UPDATE_GOLDEN"), "1") == 0)
    {
      g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
      g_test_message ("wrote golden %s", path);
    }

  golden = cairo_image_surface_create_from_png (path);
  if (cairo_surface_status (golden) != CAIRO_STATUS_SUCCESS)
    {
      g_test_message ("cannot read golden %s (%s); run with GRADLAB_UPDATE_GOLDEN=1",
                      path, cairo_status_to_string (cairo_surface_status (golden)));
      cairo_surface_destroy (golden);
      g_test_fail ();
      return;
    }

  mean = golden_compare (surface, golden, &fraction);
  if (mean < 0.0 || mean >= GOLDEN_MAX_MEAN || fraction >= GOLDEN_MAX_FRACTION)
    {
      gsize base_len = strlen (name) - (g_str_has_suffix (name, ".png") ? 4 : 0);
      g_autofree char *base = g_strndup (name, base_len);
      g_autofree char *actual_name = g_strconcat (base, "-actual.png", NULL);
      g_autofree char *diff_name = g_strconcat (base, "-diff.png", NULL);
      g_autofree char *actual = g_test_build_filename (G_TEST_BUILT, actual_name, NULL);
      g_autofree char *diff = g_test_build_filename (G_TEST_BUILT, diff_name, NULL);

      cairo_surface_write_to_png (surface, actual);
      if (mean >= 0.0)
        {
          cairo_surface_t *d = diff_image (surface, golden);

          cairo_surface_write_to_png (d, diff);
          cairo_surface_destroy (d);
        }
      g_test_message ("%s differs from its golden: mean %.3f, %.3f%% of pixels off; "
                      "actual in %s, diff in %s", name, mean, fraction * 100.0, actual, diff);
      g_test_fail ();
    }

  cairo_surface_destroy (golden);
}
