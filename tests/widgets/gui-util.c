/* Helpers shared by the widget tests that run in real windows (Xvfb).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gui-util.h"

#include <gobject/gvaluecollector.h>

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

guint *
count_notify (gpointer    object,
              const char *property)
{
  g_autofree char *signal = g_strconcat ("notify::", property, NULL);
  guint *count = g_new0 (guint, 1);

  g_object_set_data_full (G_OBJECT (object), property, count, g_free);
  g_signal_connect (object, signal, G_CALLBACK (notify_count_cb), count);

  return count;
}

/* Sets a property twice to the same value: one notification. */
void
assert_notifies_once (gpointer    object,
                      const char *property,
                      ...)
{
  guint *count = count_notify (object, property);
  GValue value = G_VALUE_INIT;
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), property);
  va_list args;
  g_autofree char *error = NULL;

  g_assert_nonnull (pspec);
  g_assert_true (pspec->flags & G_PARAM_EXPLICIT_NOTIFY);

  va_start (args, property);
  G_VALUE_COLLECT_INIT (&value, pspec->value_type, args, 0, &error);
  va_end (args);
  g_assert_null (error);

  g_object_set_property (G_OBJECT (object), property, &value);
  g_assert_cmpuint (*count, ==, 1);
  g_object_set_property (G_OBJECT (object), property, &value);
  g_assert_cmpuint (*count, ==, 1);

  g_value_unset (&value);
}

GtkWidget *
show_in_window (GtkWidget *child,
                int        width,
                int        height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (child);

  return window;
}

void
close_window (GtkWidget *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Draws the widget the way GTK does (render node -> renderer), into a
 * cairo image surface so that pixels can be read. Call after a frame has
 * been painted, as the paintable reuses the widget's render node. */
cairo_surface_t *
render_widget (GtkWidget *widget)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_surface_t *surface;
  GskRenderNode *node;
  GdkTexture *texture;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                        gdk_texture_get_width (texture),
                                        gdk_texture_get_height (texture));
  cairo_surface_flush (surface);
  gdk_texture_download (texture, cairo_image_surface_get_data (surface),
                        cairo_image_surface_get_stride (surface));
  cairo_surface_mark_dirty (surface);

  g_object_unref (texture);
  gsk_render_node_unref (node);
  g_object_unref (paintable);

  return surface;
}

/* With GRADLAB_TEST_SHOTS=DIR, keeps what the widgets looked like. */
void
maybe_save_shot (cairo_surface_t *shot,
                 const char      *name)
{
  const char *dir = g_getenv ("GRADLAB_TEST_SHOTS");
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  if (dir == NULL || dir[0] == '\0')
    return;

  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  g_assert_cmpint (cairo_surface_write_to_png (shot, path), ==, CAIRO_STATUS_SUCCESS);
}

