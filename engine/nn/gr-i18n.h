#pragma once

/* Translation markers for the engine and the data sets, which have no GLib.
 * dgettext () is part of glibc (<libintl.h>), and it looks the message up in
 * the domain the application binds at start-up; with no translation it
 * returns @s itself. glibc declares it format_arg, so -Wformat still checks
 * `snprintf (buf, len, GR_("%d units"), n)` against its arguments.
 *
 *   GR_ (s)             translate now
 *   GR_N_ (s)           only mark, for static tables translated where used
 *   GR_NG_ (s, p, n)    singular or plural by @n (dngettext)
 *
 * xgettext finds both through the keywords in po/meson.build. Never wrap
 * text a program reads back: JSON keys, knob and enum names, file magic,
 * the "step N: " prefix. */

#include <libintl.h>

#ifndef GETTEXT_PACKAGE
#error "GETTEXT_PACKAGE must be defined (see engine/meson.build)"
#endif

#define GR_(s) dgettext (GETTEXT_PACKAGE, s)
#define GR_N_(s) (s)
#define GR_NG_(s, p, n) dngettext (GETTEXT_PACKAGE, s, p, n)
