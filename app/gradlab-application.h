/* gradlab-application.h: the Gradlab application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define GRADLAB_APPLICATION_ID "org.gradlab.Gradlab"

#define GRADLAB_TYPE_APPLICATION (gradlab_application_get_type ())

G_DECLARE_FINAL_TYPE (GradlabApplication, gradlab_application, GRADLAB, APPLICATION, AdwApplication)

GradlabApplication *gradlab_application_new             (void);
/* Non-zero if a --screenshot run failed. */
int                 gradlab_application_get_exit_status (GradlabApplication *self);

G_END_DECLS
