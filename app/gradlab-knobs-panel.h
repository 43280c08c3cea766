/* gradlab-knobs-panel.h: the live knobs of a run, as preference rows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef enum
{
  GRADLAB_KNOB_LOG,      /* slider over log10 of the value */
  GRADLAB_KNOB_LOG0,     /* as LOG, with the leftmost position meaning 0 (off) */
  GRADLAB_KNOB_LINEAR,   /* slider over the value */
  GRADLAB_KNOB_INT,      /* slider over whole numbers */
  GRADLAB_KNOB_SWITCH,   /* on / off */
  GRADLAB_KNOB_CHOICE,   /* one of a list of names */
  GRADLAB_KNOB_FLAGS,    /* any subset of a list of names, "a,b,c" */
  GRADLAB_KNOB_TEXT,     /* free text applied with a button (lists) */
} GradlabKnobType;

/* Where a change goes: straight to the running session, to the session
 * at its next reset, or into the app's model/data description (rebuilt
 * on Reset). */
typedef enum
{
  GRADLAB_KNOB_LIVE,
  GRADLAB_KNOB_SESSION_RESET,
  GRADLAB_KNOB_REBUILD,
} GradlabKnobScope;

typedef struct
{
  const char        *key;            /* engine knob name, or "model.*" / "data.*" */
  const char        *title;          /* N_() row title */
  const char        *group;          /* group id, see gradlab_knobs_panel_new () */
  GradlabKnobType    type;
  double             lo, hi;         /* slider range in value units */
  double             step;           /* slider step (decades for LOG) */
  int                digits;         /* decimals shown for LINEAR */
  const char *const *choices;        /* CHOICE / FLAGS: values, NULL-terminated */
  const char *const *choice_labels;  /* N_() labels for @choices, or NULL */
  GradlabKnobScope   scope;
  const char        *tooltip;        /* N_() what it does, or NULL */
} GradlabKnobDesc;

/* The table of every knob the app offers. */
const GradlabKnobDesc *gradlab_knob_desc_lookup (const char *key);

#define GRADLAB_TYPE_KNOBS_PANEL (gradlab_knobs_panel_get_type ())

G_DECLARE_FINAL_TYPE (GradlabKnobsPanel, gradlab_knobs_panel, GRADLAB, KNOBS_PANEL, AdwBin)

GtkWidget  *gradlab_knobs_panel_new          (void);
/* Rebuilds the rows for the knobs named in @keys (NULL-terminated), in
 * the table's group order. */
void        gradlab_knobs_panel_set_keys     (GradlabKnobsPanel  *self,
                                              const char *const  *keys);
/* Shows @value (in the engine's text form) without emitting ::changed. */
void        gradlab_knobs_panel_set_value    (GradlabKnobsPanel  *self,
                                              const char         *key,
                                              const char         *value);
/* The value currently shown, or NULL if @key has no row. */
const char *gradlab_knobs_panel_get_value    (GradlabKnobsPanel  *self,
                                              const char         *key);
/* Marks a row as changed-but-waiting-for-Reset (or clears all marks with
 * @key NULL). */
void        gradlab_knobs_panel_set_pending  (GradlabKnobsPanel  *self,
                                              const char         *key,
                                              gboolean            pending);
/* Greys a row out (a knob the current settings ignore) or back. */
void        gradlab_knobs_panel_set_sensitive (GradlabKnobsPanel *self,
                                              const char         *key,
                                              gboolean            sensitive);
/* Caps the maximum of an INT knob (e.g. batch size at the run's max). */
void        gradlab_knobs_panel_set_upper    (GradlabKnobsPanel  *self,
                                              const char         *key,
                                              double              upper);
/* The row's main control (GtkScale, GtkSwitch, AdwComboRow,
 * AdwEntryRow, expander row), for tests and focus; NULL if absent. */
GtkWidget  *gradlab_knobs_panel_get_control  (GradlabKnobsPanel  *self,
                                              const char         *key);
/* The typed-entry GtkSpinButton beside a slider, or NULL. */
GtkWidget  *gradlab_knobs_panel_get_spin     (GradlabKnobsPanel  *self,
                                              const char         *key);

G_END_DECLS
