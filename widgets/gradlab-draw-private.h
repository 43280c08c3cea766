/* gradlab-draw-private.h: text and shape helpers shared by the renderers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <pango/pangocairo.h>

G_BEGIN_DECLS

/* One font for every renderer, so that golden images are stable. */
#define GRADLAB_FONT "Sans 9"

/* Spacing used around plots, in pixels. */
#define GRADLAB_PAD 8.0

PangoLayout *_gradlab_layout_new         (cairo_t           *cr);

/* Shaped text kept across frames by one widget. Shaping every label on
 * every frame was most of the main thread with software rendering; a
 * widget owns one cache and passes it to _gradlab_layout_new_cached(). */
typedef struct _GradlabTextCache GradlabTextCache;

/* Returns a new, empty cache; free with _gradlab_text_cache_free(). */
GradlabTextCache *_gradlab_text_cache_new  (void);
/* Frees @cache and its layouts; NULL is allowed. */
void         _gradlab_text_cache_free    (GradlabTextCache  *cache);
/* Like _gradlab_layout_new(), but the text helpers below draw through
 * layouts kept in @cache (keyed by text, weight, width and ellipsizing)
 * instead of shaping again. Texts not drawn since the previous call are
 * dropped. With @cache NULL this is _gradlab_layout_new(). The returned
 * layout (transfer full) must not outlive @cache. */
PangoLayout *_gradlab_layout_new_cached  (cairo_t           *cr,
                                          GradlabTextCache  *cache);
void         _gradlab_layout_set_bold    (PangoLayout       *layout,
                                          gboolean           bold);
void         _gradlab_text_size          (PangoLayout       *layout,
                                          const char        *text,
                                          double            *width,
                                          double            *height);
double       _gradlab_line_height        (PangoLayout       *layout);
void         _gradlab_text_draw          (cairo_t           *cr,
                                          PangoLayout       *layout,
                                          const char        *text,
                                          double             x,
                                          double             y,
                                          double             xalign,
                                          double             yalign);
void         _gradlab_text_draw_vertical (cairo_t           *cr,
                                          PangoLayout       *layout,
                                          const char        *text,
                                          double             cx,
                                          double             cy);
void         _gradlab_text_ellipsize     (PangoLayout       *layout,
                                          double             max_width);
void         _gradlab_set_color          (cairo_t           *cr,
                                          const GdkRGBA     *color,
                                          double             alpha);
void         _gradlab_mix                (const GdkRGBA     *a,
                                          const GdkRGBA     *b,
                                          double             t,
                                          GdkRGBA           *out);
void         _gradlab_paint_background   (cairo_t           *cr,
                                          int                width,
                                          int                height,
                                          const GdkRGBA     *bg,
                                          gboolean           fill);
void         _gradlab_draw_empty         (cairo_t           *cr,
                                          PangoLayout       *layout,
                                          double             x,
                                          double             y,
                                          double             width,
                                          double             height,
                                          const GdkRGBA     *fg,
                                          const char        *text);
void         _gradlab_hatch              (cairo_t           *cr,
                                          double             x,
                                          double             y,
                                          double             width,
                                          double             height,
                                          const GdkRGBA     *color);
void         _gradlab_label_box          (cairo_t           *cr,
                                          PangoLayout       *layout,
                                          const char        *text,
                                          double             x,
                                          double             y,
                                          const GdkRGBA     *fg,
                                          const GdkRGBA     *bg);
void         _gradlab_label_box_size     (PangoLayout       *layout,
                                          const char        *text,
                                          double            *width,
                                          double            *height);
void         _gradlab_swatch             (cairo_t           *cr,
                                          double             x,
                                          double             y,
                                          double             size,
                                          const GdkRGBA     *color,
                                          const GdkRGBA     *fg);
double       _gradlab_crisp              (double             v);
void         _gradlab_widget_colors      (GtkWidget         *widget,
                                          GdkRGBA           *fg,
                                          GdkRGBA           *bg);

/* A label hanging over a vertical event line, staggered onto rows. */
typedef struct
{
  double      px;     /* column of the event line */
  const char *label;  /* text, or NULL */
  int         level;  /* row of the label box, -1 when there was no room */
  double      box_x;  /* left edge of the label box */
} GradlabPlacedLabel;

/* Sorts @labels by px and gives each label the first of @max_levels rows
 * where its box fits between @left and @right while still spanning its
 * line; returns the number of rows used. */
int          _gradlab_stagger_labels     (PangoLayout        *layout,
                                          GradlabPlacedLabel *labels,
                                          guint               n_labels,
                                          double              left,
                                          double              right,
                                          int                 max_levels);

/* Draws the dashed event lines over [plot_y, plot_y + plot_height] and the
 * label boxes in rows of @box_height starting at @lane_y. */
void         _gradlab_draw_event_lines   (cairo_t            *cr,
                                          PangoLayout        *layout,
                                          const GradlabPlacedLabel *labels,
                                          guint               n_labels,
                                          double              lane_y,
                                          double              box_height,
                                          double              plot_y,
                                          double              plot_height,
                                          const GdkRGBA      *fg,
                                          const GdkRGBA      *bg);

/* A read-out box near (@x, @y): the first line bold, kept inside the
 * rectangle (@left, @top, @right, @bottom) by flipping sides. */
void         _gradlab_tooltip            (cairo_t            *cr,
                                          PangoLayout        *layout,
                                          const char *const  *lines,
                                          guint               n_lines,
                                          double              x,
                                          double              y,
                                          double              left,
                                          double              top,
                                          double              right,
                                          double              bottom,
                                          const GdkRGBA      *fg,
                                          const GdkRGBA      *bg);

/* "1" for 1, else "1e-5" style: for axes that span many decades. */
void         _gradlab_format_decade      (double              value,
                                          char               *buf,
                                          gsize               size);

/* g_set_str () is GLib 2.76; Debian 12 has 2.74. Returns TRUE if changed. */
gboolean     _gradlab_set_str            (char             **str_pointer,
                                          const char        *new_str);

G_END_DECLS
