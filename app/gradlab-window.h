/* gradlab-window.h: the main window: labs, knobs, live views
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gradlab-dashboard.h"
#include "gradlab-doctor-panel.h"
#include "gradlab-knobs-panel.h"
#include "gradlab-trainer.h"

G_BEGIN_DECLS

#define GRADLAB_TYPE_WINDOW (gradlab_window_get_type ())

G_DECLARE_FINAL_TYPE (GradlabWindow, gradlab_window, GRADLAB, WINDOW, AdwApplicationWindow)

/* A new window on @app (may be NULL in tests), with no lab loaded. */
GradlabWindow     *gradlab_window_new              (GtkApplication   *app);

/* Switches to lab @id and loads its preset, paused. FALSE with @error if
 * the lab or its preset does not load (the window keeps what it had). */
gboolean           gradlab_window_set_lab          (GradlabWindow    *self,
                                                    const char       *id,
                                                    GError          **error);
const char        *gradlab_window_get_lab          (GradlabWindow    *self);
/* The doctor's panel beside the dashboard (owned by the window). */
GradlabDoctorPanel *gradlab_window_get_doctor_panel (GradlabWindow   *self);

/* Opens the experiment file at @path. On failure shows an error dialog
 * naming the file, line and field, leaves the current run going, and
 * returns FALSE with @error set. */
gboolean           gradlab_window_open_experiment  (GradlabWindow    *self,
                                                    const char       *path,
                                                    GError          **error);
/* Rebuilds the run on the image/mask folder @dir (images/ and masks/ of
 * PNG pairs), or on the synthetic shapes again if @dir is NULL, keeping
 * the network and the knobs in force. Files that fail validation are
 * listed in a dialog with their reasons; the run trains on the valid
 * pairs. On failure (no valid pair) shows an error, keeps the old run
 * and returns FALSE with @error set. */
gboolean           gradlab_window_open_data_folder (GradlabWindow    *self,
                                                    const char       *dir,
                                                    GError          **error);
/* Writes the current experiment, knobs at step 1 and the timeline of
 * knob changes so far, to @path. */
gboolean           gradlab_window_save_experiment  (GradlabWindow    *self,
                                                    const char       *path,
                                                    GError          **error);
/* Writes every step and evaluation of the run as CSV. */
gboolean           gradlab_window_export_csv       (GradlabWindow    *self,
                                                    const char       *path,
                                                    GError          **error);
/* Renders the window as it was last painted into a PNG at @path. */
gboolean           gradlab_window_save_png         (GradlabWindow    *self,
                                                    const char       *path,
                                                    GError          **error);

GradlabTrainer    *gradlab_window_get_trainer      (GradlabWindow    *self);
GradlabDashboard  *gradlab_window_get_dashboard    (GradlabWindow    *self);
GradlabKnobsPanel *gradlab_window_get_knobs_panel  (GradlabWindow    *self);

G_END_DECLS
