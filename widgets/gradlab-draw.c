/* gradlab-draw.c: text and shape helpers shared by the renderers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-draw-private.h"

#include <math.h>

/* Padding inside boxed labels. */
#define BOX_PAD_X 4.0
#define BOX_PAD_Y 2.0

PangoLayout *
_gradlab_layout_new (cairo_t *cr)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (GRADLAB_FONT);

  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);

  return layout;
}

/* What pango_cairo_update_context() takes from a cairo_t. */
typedef struct
{
  gboolean              set;
  double                xx, xy, yx, yy;  /* linear part of the user-to-device matrix */
  cairo_font_options_t *options;         /* the target surface's font options */
} TargetState;

struct _GradlabTextCache
{
  PangoContext *context;   /* for upright text, as pango_cairo_create_layout() makes */
  PangoContext *vcontext;  /* for rotated text, so that the upright one stays unchanged */
  TargetState   target;    /* what context was last updated for */
  TargetState   vtarget;   /* what vcontext was last updated for */
  GHashTable   *current;   /* key -> PangoLayout, drawn since the last frame began */
  GHashTable   *previous;  /* the frame before; moved to current when drawn again */
};

G_DEFINE_QUARK (gradlab-text-cache, text_cache)

/* pango_cairo_update_context() marks the context changed on every call,
 * which would relayout every cached layout; call it only when the
 * target's font options or transformation really differ. */
static void
update_context (cairo_t      *cr,
                PangoContext *context,
                TargetState  *state)
{
  cairo_matrix_t m;
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_get_matrix (cr, &m);
  cairo_surface_get_font_options (cairo_get_target (cr), options);

  if (state->set && state->xx == m.xx && state->xy == m.xy &&
      state->yx == m.yx && state->yy == m.yy &&
      cairo_font_options_equal (state->options, options))
    {
      cairo_font_options_destroy (options);
      return;
    }

  pango_cairo_update_context (cr, context);
  g_clear_pointer (&state->options, cairo_font_options_destroy);
  state->options = options;
  state->xx = m.xx;
  state->xy = m.xy;
  state->yx = m.yx;
  state->yy = m.yy;
  state->set = TRUE;
}

static GHashTable *
layout_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

GradlabTextCache *
_gradlab_text_cache_new (void)
{
  GradlabTextCache *cache = g_new0 (GradlabTextCache, 1);

  cache->current = layout_table_new ();
  cache->previous = layout_table_new ();

  return cache;
}

void
_gradlab_text_cache_free (GradlabTextCache *cache)
{
  if (cache == NULL)
    return;

  g_clear_pointer (&cache->current, g_hash_table_unref);
  g_clear_pointer (&cache->previous, g_hash_table_unref);
  g_clear_object (&cache->context);
  g_clear_object (&cache->vcontext);
  g_clear_pointer (&cache->target.options, cairo_font_options_destroy);
  g_clear_pointer (&cache->vtarget.options, cairo_font_options_destroy);
  g_free (cache);
}

PangoLayout *
_gradlab_layout_new_cached (cairo_t          *cr,
                            GradlabTextCache *cache)
{
  PangoLayout *layout;
  PangoFontDescription *font;

  if (cache == NULL)
    return _gradlab_layout_new (cr);

  if (cache->context == NULL)
    cache->context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  /* Changes the context (and so relayouts the cached layouts) only when
   * the target's font options or transformation differ. */
  update_context (cr, cache->context, &cache->target);

  /* A new frame: what was not drawn in the last one is dropped. */
  g_hash_table_remove_all (cache->previous);
  {
    GHashTable *t = cache->previous;

    cache->previous = cache->current;
    cache->current = t;
  }

  layout = pango_layout_new (cache->context);
  font = pango_font_description_from_string (GRADLAB_FONT);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  g_object_set_qdata (G_OBJECT (layout), text_cache_quark (), cache);

  return layout;
}

/* The layout to measure and draw @text with: a cached one when @layout
 * came from _gradlab_layout_new_cached(), else @layout itself with @text
 * set. @layout always ends up holding @text, as callers may rely on. */
static PangoLayout *
layout_for_text (PangoLayout  *layout,
                 PangoContext *context,
                 const char   *text)
{
  GradlabTextCache *cache = g_object_get_qdata (G_OBJECT (layout), text_cache_quark ());
  const PangoFontDescription *font;
  PangoLayout *hit;
  char *key;
  char *old_key;

  if (text == NULL)
    text = "";

  if (cache == NULL)
    {
      pango_layout_set_text (layout, text, -1);
      return layout;
    }

  /* Setting text is cheap; only measuring shapes. */
  pango_layout_set_text (layout, text, -1);

  if (context == NULL)
    context = pango_layout_get_context (layout);
  font = pango_layout_get_font_description (layout);
  key = g_strdup_printf ("%c%d\x1f%d\x1f%d\x1f%s",
                         context == cache->vcontext ? 'v' : 'h',
                         font != NULL ? (int) pango_font_description_get_weight (font) : 0,
                         pango_layout_get_width (layout),
                         (int) pango_layout_get_ellipsize (layout),
                         text);

  hit = g_hash_table_lookup (cache->current, key);
  if (hit != NULL)
    {
      g_free (key);
      return hit;
    }

  if (g_hash_table_steal_extended (cache->previous, key, (gpointer *) &old_key, (gpointer *) &hit))
    {
      g_free (old_key);
      g_hash_table_insert (cache->current, key, hit);
      return hit;
    }

  hit = pango_layout_new (context);
  pango_layout_set_font_description (hit, font);
  pango_layout_set_width (hit, pango_layout_get_width (layout));
  pango_layout_set_ellipsize (hit, pango_layout_get_ellipsize (layout));
  pango_layout_set_text (hit, text, -1);
  g_hash_table_insert (cache->current, key, hit);

  return hit;
}

void
_gradlab_layout_set_bold (PangoLayout *layout,
                          gboolean     bold)
{
  PangoFontDescription *font = pango_font_description_from_string (GRADLAB_FONT);

  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
}

static PangoLayout *
measure (PangoLayout *layout,
         const char  *text,
         double      *width,
         double      *height)
{
  PangoRectangle logical;
  PangoLayout *shaped = layout_for_text (layout, NULL, text);

  pango_layout_get_pixel_extents (shaped, NULL, &logical);

  if (width != NULL)
    *width = logical.width;
  if (height != NULL)
    *height = logical.height;

  return shaped;
}

void
_gradlab_text_size (PangoLayout *layout,
                    const char  *text,
                    double      *width,
                    double      *height)
{
  measure (layout, text, width, height);
}

double
_gradlab_line_height (PangoLayout *layout)
{
  double height;

  _gradlab_text_size (layout, "Ag", NULL, &height);

  return height;
}

void
_gradlab_text_draw (cairo_t     *cr,
                    PangoLayout *layout,
                    const char  *text,
                    double       x,
                    double       y,
                    double       xalign,
                    double       yalign)
{
  double width;
  double height;
  PangoLayout *shaped = measure (layout, text, &width, &height);

  /* Whole pixels keep glyphs as sharp as GTK's own labels. */
  cairo_move_to (cr, round (x - xalign * width), round (y - yalign * height));
  pango_cairo_show_layout (cr, shaped);
}

void
_gradlab_text_draw_vertical (cairo_t     *cr,
                             PangoLayout *layout,
                             const char  *text,
                             double       cx,
                             double       cy)
{
  GradlabTextCache *cache = g_object_get_qdata (G_OBJECT (layout), text_cache_quark ());
  double width;
  double height;

  measure (layout, text, &width, &height);
  cairo_save (cr);
  cairo_translate (cr, round (cx), round (cy));
  cairo_rotate (cr, -G_PI / 2.0);
  cairo_move_to (cr, round (-width / 2.0), round (-height / 2.0));
  if (cache != NULL)
    {
      /* Rotated text has a context of its own, so that the upright
       * layouts in the cache are not invalidated by the rotation. */
      if (cache->vcontext == NULL)
        cache->vcontext = pango_font_map_create_context (pango_cairo_font_map_get_default ());
      update_context (cr, cache->vcontext, &cache->vtarget);
      pango_cairo_show_layout (cr, layout_for_text (layout, cache->vcontext, text));
      cairo_restore (cr);
      return;
    }
  pango_cairo_update_layout (cr, layout);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  pango_cairo_update_layout (cr, layout);
}

void
_gradlab_text_ellipsize (PangoLayout *layout,
                         double       max_width)
{
  if (max_width > 0)
    {
      pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  else
    {
      pango_layout_set_width (layout, -1);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_NONE);
    }
}

void
_gradlab_set_color (cairo_t       *cr,
                    const GdkRGBA *color,
                    double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

void
_gradlab_mix (const GdkRGBA *a,
              const GdkRGBA *b,
              double         t,
              GdkRGBA       *out)
{
  out->red = a->red + (b->red - a->red) * t;
  out->green = a->green + (b->green - a->green) * t;
  out->blue = a->blue + (b->blue - a->blue) * t;
  out->alpha = a->alpha + (b->alpha - a->alpha) * t;
}

void
_gradlab_paint_background (cairo_t       *cr,
                           int            width,
                           int            height,
                           const GdkRGBA *bg,
                           gboolean       fill)
{
  if (!fill)
    return;

  cairo_save (cr);
  _gradlab_set_color (cr, bg, 1.0);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  cairo_restore (cr);
}

void
_gradlab_draw_empty (cairo_t       *cr,
                     PangoLayout   *layout,
                     double         x,
                     double         y,
                     double         width,
                     double         height,
                     const GdkRGBA *fg,
                     const char    *text)
{
  cairo_save (cr);
  _gradlab_layout_set_bold (layout, FALSE);
  _gradlab_set_color (cr, fg, 0.5);
  _gradlab_text_draw (cr, layout, text, x + width / 2.0, y + height / 2.0, 0.5, 0.5);
  cairo_restore (cr);
}

void
_gradlab_hatch (cairo_t       *cr,
                double         x,
                double         y,
                double         width,
                double         height,
                const GdkRGBA *color)
{
  double d;

  cairo_save (cr);
  cairo_rectangle (cr, x, y, width, height);
  cairo_clip (cr);
  _gradlab_set_color (cr, color, 0.12);
  cairo_paint (cr);
  _gradlab_set_color (cr, color, 0.7);
  cairo_set_line_width (cr, 1.0);
  for (d = -height; d < width; d += 4.0)
    {
      cairo_move_to (cr, x + d, y + height);
      cairo_line_to (cr, x + d + height, y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);

  cairo_save (cr);
  _gradlab_set_color (cr, color, 0.8);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x + 0.5, y + 0.5, width - 1.0, height - 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
_gradlab_label_box_size (PangoLayout *layout,
                         const char  *text,
                         double      *width,
                         double      *height)
{
  double w;
  double h;

  _gradlab_text_size (layout, text, &w, &h);
  if (width != NULL)
    *width = w + 2 * BOX_PAD_X;
  if (height != NULL)
    *height = h + 2 * BOX_PAD_Y;
}

void
_gradlab_label_box (cairo_t       *cr,
                    PangoLayout   *layout,
                    const char    *text,
                    double         x,
                    double         y,
                    const GdkRGBA *fg,
                    const GdkRGBA *bg)
{
  double w;
  double h;

  _gradlab_label_box_size (layout, text, &w, &h);
  x = round (x);
  y = round (y);

  cairo_save (cr);
  _gradlab_set_color (cr, bg, 0.92);
  cairo_rectangle (cr, x, y, w, h);
  cairo_fill (cr);
  _gradlab_set_color (cr, fg, 0.35);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x + 0.5, y + 0.5, w - 1.0, h - 1.0);
  cairo_stroke (cr);
  _gradlab_set_color (cr, fg, 1.0);
  _gradlab_text_draw (cr, layout, text, x + BOX_PAD_X, y + BOX_PAD_Y, 0.0, 0.0);
  cairo_restore (cr);
}

void
_gradlab_swatch (cairo_t       *cr,
                 double         x,
                 double         y,
                 double         size,
                 const GdkRGBA *color,
                 const GdkRGBA *fg)
{
  cairo_save (cr);
  _gradlab_set_color (cr, color, 1.0);
  cairo_rectangle (cr, round (x), round (y), size, size);
  cairo_fill (cr);
  _gradlab_set_color (cr, fg, 0.4);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, round (x) + 0.5, round (y) + 0.5, size - 1.0, size - 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

double
_gradlab_crisp (double v)
{
  return floor (v) + 0.5;
}

static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

void
_gradlab_widget_colors (GtkWidget *widget,
                        GdkRGBA   *fg,
                        GdkRGBA   *bg)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  gtk_style_context_get_color (context, fg);

  /* libadwaita names the view background; plain GTK themes may not, and
   * then a background is derived from the text colour. */
  if (gtk_style_context_lookup_color (context, "view_bg_color", bg) ||
      gtk_style_context_lookup_color (context, "window_bg_color", bg) ||
      gtk_style_context_lookup_color (context, "theme_base_color", bg))
    return;

  if (luminance (fg) > 0.5)
    *bg = (GdkRGBA) { 0.14f, 0.14f, 0.14f, 1.0f };
  else
    *bg = (GdkRGBA) { 1.0f, 1.0f, 1.0f, 1.0f };
}

gboolean
_gradlab_set_str (char       **str_pointer,
                  const char  *new_str)
{
  if (g_strcmp0 (*str_pointer, new_str) == 0)
    return FALSE;

  g_free (*str_pointer);
  *str_pointer = g_strdup (new_str);

  return TRUE;
}

int
_gradlab_stagger_labels (PangoLayout        *layout,
                         GradlabPlacedLabel *labels,
                         guint               n_labels,
                         double              left,
                         double              right,
                         int                 max_levels)
{
  double *last_right = g_newa (double, MAX (max_levels, 1));
  int n_levels = 0;
  guint i;
  int l;

  for (l = 0; l < max_levels; l++)
    last_right[l] = -G_MAXDOUBLE;

  /* Insertion sort: events arrive nearly sorted. */
  for (i = 1; i < n_labels; i++)
    {
      GradlabPlacedLabel m = labels[i];
      guint k = i;

      while (k > 0 && labels[k - 1].px > m.px)
        {
          labels[k] = labels[k - 1];
          k--;
        }
      labels[k] = m;
    }

  /* Greedy: each label takes the first row where it fits while still
   * spanning its own line. A label with no room anywhere is dropped
   * rather than drawn over another; its line stays. */
  for (i = 0; i < n_labels; i++)
    {
      double bw;

      labels[i].level = -1;
      if (labels[i].label == NULL || labels[i].label[0] == '\0')
        continue;

      _gradlab_label_box_size (layout, labels[i].label, &bw, NULL);

      for (l = 0; l < max_levels; l++)
        {
          double x = labels[i].px - bw / 2.0;

          x = MAX (x, last_right[l] + 4.0);
          x = MAX (x, left);
          x = MIN (x, right - bw);

          if (x < last_right[l] + 4.0 || x < left - 0.5)
            continue;
          if (x > labels[i].px - 3.0 || x + bw < labels[i].px + 3.0)
            continue;

          labels[i].level = l;
          labels[i].box_x = x;
          last_right[l] = x + bw;
          n_levels = MAX (n_levels, l + 1);
          break;
        }
    }

  return n_levels;
}

void
_gradlab_draw_event_lines (cairo_t                  *cr,
                           PangoLayout              *layout,
                           const GradlabPlacedLabel *labels,
                           guint                     n_labels,
                           double                    lane_y,
                           double                    box_height,
                           double                    plot_y,
                           double                    plot_height,
                           const GdkRGBA            *fg,
                           const GdkRGBA            *bg)
{
  static const double dash[] = { 4.0, 3.0 };
  guint i;

  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);

  for (i = 0; i < n_labels; i++)
    {
      const GradlabPlacedLabel *m = &labels[i];

      cairo_set_dash (cr, dash, 2, 0.0);
      _gradlab_set_color (cr, fg, 0.6);
      cairo_move_to (cr, m->px, plot_y);
      cairo_line_to (cr, m->px, plot_y + plot_height);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0.0);

      if (m->level >= 0)
        {
          double by = lane_y + m->level * (box_height + 2.0);

          _gradlab_set_color (cr, fg, 0.35);
          cairo_move_to (cr, m->px, by + box_height);
          cairo_line_to (cr, m->px, plot_y);
          cairo_stroke (cr);
        }
    }

  /* Boxes last, so that no line crosses a label. */
  for (i = 0; i < n_labels; i++)
    {
      const GradlabPlacedLabel *m = &labels[i];

      if (m->level >= 0)
        _gradlab_label_box (cr, layout, m->label, m->box_x,
                            lane_y + m->level * (box_height + 2.0), fg, bg);
    }

  cairo_restore (cr);
}

void
_gradlab_tooltip (cairo_t           *cr,
                  PangoLayout       *layout,
                  const char *const *lines,
                  guint              n_lines,
                  double             x,
                  double             y,
                  double             left,
                  double             top,
                  double             right,
                  double             bottom,
                  const GdkRGBA     *fg,
                  const GdkRGBA     *bg)
{
  double line_h = _gradlab_line_height (layout);
  double box_w = 0.0;
  double box_h = n_lines * line_h + 6.0;
  double bx;
  double by;
  guint i;

  for (i = 0; i < n_lines; i++)
    {
      double w;

      _gradlab_layout_set_bold (layout, i == 0);
      _gradlab_text_size (layout, lines[i], &w, NULL);
      box_w = MAX (box_w, w);
    }
  box_w = ceil (box_w + 12.0);
  box_h = ceil (box_h);

  bx = x + 14.0;
  if (bx + box_w > right)
    bx = x - 14.0 - box_w;
  bx = MAX (bx, left);
  by = y + 14.0;
  if (by + box_h > bottom)
    by = y - 14.0 - box_h;
  by = MAX (by, top);
  bx = round (bx);
  by = round (by);

  cairo_save (cr);
  _gradlab_set_color (cr, bg, 0.95);
  cairo_rectangle (cr, bx, by, box_w, box_h);
  cairo_fill (cr);
  _gradlab_set_color (cr, fg, 0.35);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, bx + 0.5, by + 0.5, box_w - 1.0, box_h - 1.0);
  cairo_stroke (cr);

  _gradlab_set_color (cr, fg, 1.0);
  for (i = 0; i < n_lines; i++)
    {
      _gradlab_layout_set_bold (layout, i == 0);
      _gradlab_text_draw (cr, layout, lines[i], bx + 6.0, by + 3.0 + i * line_h, 0.0, 0.0);
    }
  _gradlab_layout_set_bold (layout, FALSE);
  cairo_restore (cr);
}

void
_gradlab_format_decade (double  value,
                        char   *buf,
                        gsize   size)
{
  int e = (int) round (log10 (value));

  if (e == 0)
    g_strlcpy (buf, "1", size);
  else
    g_snprintf (buf, size, "1e%d", e);
}
