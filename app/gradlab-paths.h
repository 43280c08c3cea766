#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where Gradlab's shipped data (the digits file, sample folders) lives.
 * In order: the directory named by the environment variable
 * GRADLAB_DATA_DIR; the source tree's data/ when the running program was
 * built and is run inside its meson build directory; the installed
 * pkgdatadir. Shared by gradlab-run, the app and the tests. */

/* The data directory by the rules above. Returns a new string (free with
 * g_free ()); never NULL. */
char    *gradlab_paths_data_dir   (void);

/* The path of the shipped file @name (e.g. "digits.csv.gz") in the data
 * directory. Returns a new string, or NULL with G_IO_ERROR_NOT_FOUND in
 * @error naming the directory searched and how to point elsewhere. */
char    *gradlab_paths_find_data  (const char  *name,
                                   GError     **error);

/* True if the running program lives in the meson build directory it was
 * built in (so it should read the source tree's data). */
gboolean gradlab_paths_in_build_tree (void);

G_END_DECLS
