/* gradlab-main.c: entry point of the Gradlab window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gi18n.h>
#include <locale.h>

#include "gradlab-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GradlabApplication) app = NULL;
  int status;

  /* GTK would set the whole locale again in gtk_init (); do it here,
   * once, with numbers kept in the C locale. */
  gtk_disable_setlocale ();
  setlocale (LC_ALL, "");
  /* Knob values and experiment files are written with '.' decimals; the
   * engine parses them with strtod (), which follows LC_NUMERIC. */
  setlocale (LC_NUMERIC, "C");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = gradlab_application_new ();
  status = g_application_run (G_APPLICATION (app), argc, argv);
  return status != 0 ? status : gradlab_application_get_exit_status (app);
}
