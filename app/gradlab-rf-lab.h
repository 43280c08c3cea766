/* gradlab-rf-lab.h: the receptive-field lab: layer table, fields, comparisons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gr-geometry.h"
#include "gradlab-trainer.h"

G_BEGIN_DECLS

/* Writes the receptive-field formula of row @row of @geo (node specs
 * @specs, one per row) with the numbers filled in, e.g.
 * "RF = 5 + (3−1)·2·1 = 9", into @buf. */
void        gradlab_rf_formula        (const GrGeometry  *geo,
                                       const GrLayerSpec *specs,
                                       int                row,
                                       char              *buf,
                                       gsize              len);
/* The output-size formula of a conv or pool row, e.g.
 * "H = (32+2·2−2·(3−1)−1)/1+1 = 32"; "" for other kinds. */
void        gradlab_rf_size_formula   (const GrGeometry  *geo,
                                       const GrLayerSpec *specs,
                                       int                row,
                                       char              *buf,
                                       gsize              len);

#define GRADLAB_TYPE_RF_LAB (gradlab_rf_lab_get_type ())

G_DECLARE_FINAL_TYPE (GradlabRfLab, gradlab_rf_lab, GRADLAB, RF_LAB, AdwBin)

GtkWidget   *gradlab_rf_lab_new            (GradlabTrainer *trainer);
/* Pulls the latest snapshot now; TRUE if a view changed. */
gboolean     gradlab_rf_lab_update         (GradlabRfLab   *self);
GtkWidget   *gradlab_rf_lab_get_mask_view  (GradlabRfLab   *self);
GtkWidget   *gradlab_rf_lab_get_rf_view    (GradlabRfLab   *self);
/* The dilation of the comparison stack (a GtkSpinButton). */
GtkWidget   *gradlab_rf_lab_get_dilation   (GradlabRfLab   *self);
/* The text of the comparison of the dilated stack. */
const char  *gradlab_rf_lab_get_dilated_text (GradlabRfLab *self);
/* Rows in the layer table of the current network (0 before the first
 * snapshot). */
int          gradlab_rf_lab_get_n_rows     (GradlabRfLab   *self);
/* The effective receptive field shown: (H, W) map, its output pixel and
 * the theoretical field's centre and side; NULL if none yet. @serial
 * counts the fields shown. */
const float *gradlab_rf_lab_get_erf        (GradlabRfLab   *self,
                                            int            *width,
                                            int            *height,
                                            int            *cx,
                                            int            *cy,
                                            int            *rf,
                                            guint          *serial);

G_END_DECLS
