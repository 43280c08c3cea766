/* test-gui-common.h: helpers shared by the GUI tests of the app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gradlab-window.h"

G_BEGIN_DECLS

/* Iterates the main loop until @pred (@data) holds; fails the test after
 * @timeout_ms. */
void           gui_wait_until          (gboolean      (*pred) (gpointer data),
                                        gpointer        data,
                                        guint           timeout_ms,
                                        const char     *what);
/* Iterates the main loop for @ms milliseconds. */
void           gui_spin                (guint           ms);
/* A shown window on lab @lab, drawn at least once. */
GradlabWindow *gui_window_new          (const char     *lab,
                                        int             width,
                                        int             height);
void           gui_window_free         (GradlabWindow  *window);
/* Trains until the step count reaches @step and waits for "finished". */
void           gui_run_until           (GradlabWindow  *window,
                                        gint64          step);
/* Lets the dashboard take everything and the window paint it. */
void           gui_settle              (GradlabWindow  *window);
/* The first widget under @root whose actionable action name is @action. */
GtkWidget     *gui_find_by_action      (GtkWidget      *root,
                                        const char     *action);
/* The first widget under @root of @type. */
GtkWidget     *gui_find_by_type        (GtkWidget      *root,
                                        GType           type);
/* The first label under @root whose text contains @text. */
GtkWidget     *gui_find_label          (GtkWidget      *root,
                                        const char     *text);
/* The knob events recorded by the run; each "step:text". */
GPtrArray     *gui_knob_events         (GradlabWindow  *window);
/* Pixels inside @rect of @texture whose colour is clearly saturated
 * (lines, bars, heat maps), as opposed to greys of axes and text. */
guint          gui_count_colored       (GdkTexture     *texture,
                                        const graphene_rect_t *rect);

G_END_DECLS
