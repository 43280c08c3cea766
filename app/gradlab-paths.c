/* Finding shipped data. The build passes three directories as defines:
 * GRADLAB_SOURCE_DATA_DIR (the source tree's data/), GRADLAB_BUILD_ROOT
 * (the meson build directory) and GRADLAB_PKGDATADIR (where `meson
 * install` puts the data). A program run from the build tree reads the
 * source tree, so tests and `./gradlab.sh` need no install step. */

#include "gradlab-paths.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#ifndef GRADLAB_SOURCE_DATA_DIR
#error "GRADLAB_SOURCE_DATA_DIR must be defined by the build"
#endif
#ifndef GRADLAB_BUILD_ROOT
#error "GRADLAB_BUILD_ROOT must be defined by the build"
#endif
#ifndef GRADLAB_PKGDATADIR
#error "GRADLAB_PKGDATADIR must be defined by the build"
#endif

gboolean
gradlab_paths_in_build_tree (void)
{
  static gsize once = 0;
  static gboolean in_tree = FALSE;

  if (g_once_init_enter (&once))
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      g_autofree char *root = g_canonicalize_filename (GRADLAB_BUILD_ROOT, NULL);
      g_autofree char *prefix = g_strconcat (root, G_DIR_SEPARATOR_S, NULL);

      in_tree = exe != NULL && g_str_has_prefix (exe, prefix);
      g_once_init_leave (&once, 1);
    }
  return in_tree;
}

char *
gradlab_paths_data_dir (void)
{
  const char *env = g_getenv ("GRADLAB_DATA_DIR");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  if (gradlab_paths_in_build_tree ())
    return g_strdup (GRADLAB_SOURCE_DATA_DIR);
  return g_strdup (GRADLAB_PKGDATADIR);
}

char *
gradlab_paths_find_data (const char  *name,
                         GError     **error)
{
  g_autofree char *dir = gradlab_paths_data_dir ();
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("%s: no such file (the data directory is %s; set GRADLAB_DATA_DIR "
                 "to use another)"), path, dir);
  return NULL;
}
