/* test-gui-screenshot.c: `gradlab --screenshot` of every lab
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real program (GRADLAB_GUI) on this test's Xvfb, once with no
 * training and once after N steps, and checks that each gives a PNG of
 * the window and that the trained one holds drawn data the untrained
 * one does not: many more coloured pixels in the views.
 */

#include <glib/gstdio.h>
#include <string.h>

#include "gradlab-lab.h"
#include "test-gui-common.h"

static char *
shoot (const char *dir,
       const char *lab,
       int         steps)
{
  const char *gui = g_getenv ("GRADLAB_GUI");
  g_autofree char *out = g_strdup_printf ("%s/%s-%d.png", dir, lab, steps);
  g_autofree char *shot = g_strdup_printf ("--screenshot=%s", out);
  g_autofree char *steps_arg = g_strdup_printf ("--steps=%d", steps);
  g_autofree char *lab_arg = g_strdup_printf ("--lab=%s", lab);
  const char *argv[] = { gui, shot, lab_arg, steps_arg, "--size=1280x800", NULL };
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_nonnull (gui);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s --lab %s --steps %d failed: %s", gui, lab, steps, err ? err : "");
  return g_steal_pointer (&out);
}

static void
test_screenshot_lab (gconstpointer data)
{
  const GradlabLab *lab = data;
  g_autofree char *dir = g_dir_make_tmp ("gradlab-shot-XXXXXX", NULL);
  g_autofree char *empty = shoot (dir, lab->id, 0);
  /* The convolutional labs' steps take about a second each under
   * AddressSanitizer at -O0: fewer of them, still past several evaluations. */
  gboolean conv = (lab->views & (GRADLAB_VIEW_SEGMENTATION | GRADLAB_VIEW_RECEPTIVE_FIELD)) != 0;
  g_autofree char *trained = shoot (dir, lab->id, conv ? 60 : 150);
  g_autoptr (GdkTexture) t0 = NULL, t1 = NULL;
  g_autoptr (GError) error = NULL;
  /* The views: right of the knobs, below the header bar. */
  graphene_rect_t views = GRAPHENE_RECT_INIT (600, 100, 680, 700);
  guint c0, c1;
  GStatBuf st;

  g_assert_cmpint (g_stat (trained, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 20000);
  t0 = gdk_texture_new_from_filename (empty, &error);
  g_assert_no_error (error);
  t1 = gdk_texture_new_from_filename (trained, &error);
  g_assert_no_error (error);
  /* The size asked for, less at most the decorations' border when the
   * screen (1280 x 800 here) cannot hold more. */
  g_assert_cmpint (gdk_texture_get_width (t1), >=, 1260);
  g_assert_cmpint (gdk_texture_get_width (t1), <=, 1280);
  g_assert_cmpint (gdk_texture_get_height (t1), >=, 780);
  g_assert_cmpint (gdk_texture_get_height (t1), <=, 800);
  c0 = gui_count_colored (t0, &views);
  c1 = gui_count_colored (t1, &views);
  g_test_message ("%s: %u coloured pixels untrained, %u after %d steps", lab->id, c0, c1,
                  conv ? 60 : 150);
  if (lab->views & (GRADLAB_VIEW_SEGMENTATION | GRADLAB_VIEW_RECEPTIVE_FIELD))
    {
      /* The masks show the untrained network's predictions from step 0
       * (colourful noise, many errors); training makes them calmer while
       * the curves appear. Objects cover about 1 % of the pixels, so a
       * trained prediction is mostly grey background: a few hundred
       * coloured pixels (class swatches, object masks, the field's
       * heat) show that it is drawn. Both must be drawn, and differ. */
      g_assert_cmpuint (c0, >, 1500);
      g_assert_cmpuint (c1, >, 500);
      g_assert_cmpuint (c1, !=, c0);
    }
  else
    g_assert_cmpuint (c1, >, c0 + 1500);

  g_unlink (empty);
  g_unlink (trained);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  guint n_labs;
  const GradlabLab *labs;

  gtk_test_init (&argc, &argv, NULL);
  labs = gradlab_labs (&n_labs);
  for (guint i = 0; i < n_labs; i++)
    {
      g_autofree char *path = g_strdup_printf ("/app/gui/screenshot/%s", labs[i].id);

      g_test_add_data_func (path, &labs[i], test_screenshot_lab);
    }
  return g_test_run ();
}
