/* gradlab-doctor-panel.h: the doctor's findings and probes beside the dashboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "gradlab-dashboard.h"
#include "gradlab-trainer.h"

G_BEGIN_DECLS

#define GRADLAB_TYPE_DOCTOR_PANEL (gradlab_doctor_panel_get_type ())

G_DECLARE_FINAL_TYPE (GradlabDoctorPanel, gradlab_doctor_panel, GRADLAB, DOCTOR_PANEL, GtkBox)

/* Probes, in button order. */
typedef enum
{
  GRADLAB_PROBE_OVERFIT,
  GRADLAB_PROBE_SHUFFLE,
  GRADLAB_PROBE_LR_RANGE,
  GRADLAB_PROBE_CHANCE,
  GRADLAB_PROBE_INPUT_SCALE,
  GRADLAB_N_PROBES
} GradlabProbeKind;

GradlabDoctorPanel *gradlab_doctor_panel_new        (void);

/* Puts @self beside @dashboard (which must be the end child of a
 * GtkPaned) in a revealer, and a toggle button with the count of active
 * findings into the header bar that holds @header_child. Polls the doctor
 * of @trainer about 30 times a second. Main thread. */
void        gradlab_doctor_panel_install         (GradlabDoctorPanel *self,
                                                  GradlabTrainer     *trainer,
                                                  GradlabDashboard   *dashboard,
                                                  GtkWidget          *header_child);
/* The doctor lab: panel shown, preset picker and explanation visible. */
void        gradlab_doctor_panel_set_lab_mode    (GradlabDoctorPanel *self,
                                                  gboolean            lab_mode);
/* Shows @name in the preset picker without loading it. */
void        gradlab_doctor_panel_select_preset   (GradlabDoctorPanel *self,
                                                  const char         *name);
/* Shows the findings now (otherwise done on the next tick). Returns the
 * number of active findings shown. */
guint       gradlab_doctor_panel_refresh         (GradlabDoctorPanel *self);
guint       gradlab_doctor_panel_get_n_active    (GradlabDoctorPanel *self);

/* For tests and the "why" wiring: the card of the active finding with
 * @code, and its parts by name: "evidence" (GtkLabel), "why" and
 * "remedy" (GtkButton). NULL if absent. */
GtkWidget  *gradlab_doctor_panel_get_card_part   (GradlabDoctorPanel *self,
                                                  const char         *code,
                                                  const char         *part);

/* Starts probe @kind on a copy of the current run (no-op while one runs). */
void        gradlab_doctor_panel_run_probe       (GradlabDoctorPanel *self,
                                                  GradlabProbeKind    kind);
void        gradlab_doctor_panel_cancel_probe    (GradlabDoctorPanel *self);
gboolean    gradlab_doctor_panel_probe_running   (GradlabDoctorPanel *self);
/* The last probe's one-line verdict (translated), or NULL; *@passed gets
 * whether it passed. */
const char *gradlab_doctor_panel_get_probe_result (GradlabDoctorPanel *self,
                                                  gboolean           *passed);
/* The probe's chart (a GradlabSeriesChart). */
GtkWidget  *gradlab_doctor_panel_get_probe_chart (GradlabDoctorPanel *self);

G_END_DECLS
