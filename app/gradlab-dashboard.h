/* gradlab-dashboard.h: the live views of a lab, fed from the run's history
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gradlab-lab.h"
#include "gradlab-trainer.h"

G_BEGIN_DECLS

#define GRADLAB_TYPE_DASHBOARD (gradlab_dashboard_get_type ())

G_DECLARE_FINAL_TYPE (GradlabDashboard, gradlab_dashboard, GRADLAB, DASHBOARD, AdwBin)

GtkWidget  *gradlab_dashboard_new          (void);
void        gradlab_dashboard_set_trainer  (GradlabDashboard  *self,
                                            GradlabTrainer    *trainer);
/* Builds the views named by @views (and drops the others). */
void        gradlab_dashboard_set_views    (GradlabDashboard  *self,
                                            GradlabViewFlags   views);
GradlabViewFlags gradlab_dashboard_get_views (GradlabDashboard *self);
/* The widget of one view (a single flag), or NULL if not shown. */
GtkWidget  *gradlab_dashboard_get_view     (GradlabDashboard  *self,
                                            GradlabViewFlags   view);
/* A translated title of one view (a single flag). */
const char *gradlab_dashboard_view_title   (GradlabViewFlags   view);

/* Playground: the plane's extent and the points shown on it (x, y pairs;
 * copied). */
void        gradlab_dashboard_set_points   (GradlabDashboard  *self,
                                            double             extent,
                                            guint              n_train,
                                            const float       *train_xy,
                                            const int         *train_class,
                                            guint              n_val,
                                            const float       *val_xy,
                                            const int         *val_class);

/* Pulls whatever is new from the history now (the tick callback does this
 * at most ~30 times a second). Returns TRUE if a view changed. */
gboolean    gradlab_dashboard_update       (GradlabDashboard  *self);

/* As gradlab_dashboard_update (), but also brings the views that are
 * refreshed less often up to date (for screenshots and tests). */
gboolean    gradlab_dashboard_flush        (GradlabDashboard  *self);

/* For tests: how many event markers the dashboard put on the loss chart,
 * and how many steps it appended to it. */
guint       gradlab_dashboard_get_n_markers (GradlabDashboard *self);
gint64      gradlab_dashboard_get_n_steps  (GradlabDashboard  *self);

G_END_DECLS
