#pragma once

/* Helpers shared by the widget tests that run in real windows (Xvfb). */

#include <gtk/gtk.h>

/* Counts notify::@property emissions on @object; the count lives as long
 * as the object. */
guint           *count_notify         (gpointer    object,
                                       const char *property);
/* Sets @property twice to the value that follows (varargs, one value of
 * the property's type) and asserts exactly one notification. */
void             assert_notifies_once (gpointer    object,
                                       const char *property,
                                       ...);
/* Presents @child in an undecorated window of @width x @height and waits
 * for its first frame. */
GtkWidget       *show_in_window       (GtkWidget  *child,
                                       int         width,
                                       int         height);
void             close_window         (GtkWidget  *window);
/* The widget as GTK draws it (render node -> renderer), as a new image
 * surface. Call after a frame has been painted. */
cairo_surface_t *render_widget        (GtkWidget  *widget);
/* With GRADLAB_TEST_SHOTS=DIR, writes @shot to DIR/@name.png. */
void             maybe_save_shot      (cairo_surface_t *shot,
                                       const char      *name);
