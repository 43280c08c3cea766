/* gradlab-mask-view.c: segmentation samples as input | truth | prediction | errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-mask-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gradlab-colors.h"
#include "gradlab-draw-private.h"
#include "gradlab-renderable.h"
#include "gradlab-seg-private.h"

#define COL_GAP       8.0
#define ROW_GAP       6.0
#define SWATCH        12.0
#define SWATCH_GAP    5.0
#define ENTRY_GAP     14.0
#define NATURAL_CELL  128.0
#define MIN_CELL      8.0
#define MIN_WIDTH     240
#define DIM           (1.0 / 3.0)
#define MAX_PROB_ROWS 8

/* ------------------------------------------------------------------------ */
/* Classification and colours                                               */
/* ------------------------------------------------------------------------ */

GradlabMaskError
gradlab_mask_error_classify (int   truth,
                             int   pred,
                             int   error_class,
                             guint n_classes)
{
  if (truth < 0 || (guint) truth >= n_classes)
    return GRADLAB_MASK_IGNORED;

  if (error_class >= 0)
    {
      if (pred == error_class && truth != error_class)
        return GRADLAB_MASK_FALSE_POSITIVE;
      if (truth == error_class && pred != error_class)
        return GRADLAB_MASK_FALSE_NEGATIVE;
      return GRADLAB_MASK_CORRECT;
    }

  if (pred == truth)
    return GRADLAB_MASK_CORRECT;
  if (truth == 0)
    return GRADLAB_MASK_FALSE_POSITIVE;
  if (pred == 0)
    return GRADLAB_MASK_FALSE_NEGATIVE;

  return GRADLAB_MASK_WRONG_CLASS;
}

void
gradlab_mask_error_color (GradlabMaskError  kind,
                          GdkRGBA          *out)
{
  g_return_if_fail (out != NULL);

  switch (kind)
    {
    case GRADLAB_MASK_FALSE_POSITIVE:
      gradlab_palette_color (4, out);
      break;
    case GRADLAB_MASK_FALSE_NEGATIVE:
      gradlab_palette_color (5, out);
      break;
    case GRADLAB_MASK_WRONG_CLASS:
      gradlab_palette_color (9, out);
      break;
    case GRADLAB_MASK_CORRECT:
    case GRADLAB_MASK_IGNORED:
    default:
      *out = (GdkRGBA) { 0.25f, 0.25f, 0.25f, 1.0f };
      break;
    }
}

/* ------------------------------------------------------------------------ */
/* Geometry                                                                 */
/* ------------------------------------------------------------------------ */

gboolean
gradlab_mask_geometry_cell_at (const GradlabMaskGeometry *geometry,
                               double                     x,
                               double                     y,
                               int                       *sample,
                               GradlabMaskColumn         *column,
                               int                       *image_x,
                               int                       *image_y)
{
  guint k;
  guint c;

  g_return_val_if_fail (geometry != NULL, FALSE);

  if (!geometry->valid)
    return FALSE;

  for (k = 0; k < geometry->n_samples; k++)
    {
      if (y < geometry->row_y[k] || y >= geometry->row_y[k] + geometry->cell_height)
        continue;

      for (c = 0; c < GRADLAB_MASK_N_COLUMNS; c++)
        {
          int ix;
          int iy;

          if (x < geometry->col_x[c] || x >= geometry->col_x[c] + geometry->cell_width)
            continue;

          ix = (int) floor ((x - geometry->col_x[c]) / geometry->scale);
          iy = (int) floor ((y - geometry->row_y[k]) / geometry->scale);
          ix = CLAMP (ix, 0, (int) geometry->image_width - 1);
          iy = CLAMP (iy, 0, (int) geometry->image_height - 1);

          if (sample != NULL)
            *sample = (int) k;
          if (column != NULL)
            *column = (GradlabMaskColumn) c;
          if (image_x != NULL)
            *image_x = ix;
          if (image_y != NULL)
            *image_y = iy;

          return TRUE;
        }
    }

  return FALSE;
}

int
gradlab_mask_geometry_legend_at (const GradlabMaskGeometry *geometry,
                                 double                     x,
                                 double                     y)
{
  guint i;

  g_return_val_if_fail (geometry != NULL, -1);

  for (i = 0; i < geometry->n_legend; i++)
    if (x >= geometry->legend_x[i] && x < geometry->legend_x[i] + geometry->legend_width[i] &&
        y >= geometry->legend_y[i] && y < geometry->legend_y[i] + geometry->legend_height)
      return (int) i;

  return -1;
}

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

typedef struct
{
  const char    *text;
  GdkRGBA        color;
  gboolean       hollow;  /* a hidden class */
  double         width;
  double         x;
  double         y;
} Entry;

typedef struct
{
  const GradlabMaskViewData *data;
  cairo_t                   *cr;
  PangoLayout               *layout;
  double                     line_h;
  double                     entry_h;
  guint                      n_classes;  /* effective: MAX_CLASSES when none set */
  int                        error_class;  /* effective: -1 unless a known class */
  GdkRGBA                    colors[GRADLAB_MASK_VIEW_MAX_CLASSES];
  gboolean                   visible[GRADLAB_MASK_VIEW_MAX_CLASSES];
  char                      *names[GRADLAB_MASK_VIEW_MAX_CLASSES];
  Entry                      class_entries[GRADLAB_MASK_VIEW_MAX_CLASSES];
  guint                      n_class_entries;
  Entry                      error_entries[4];
  char                      *error_texts[4];
  guint                      n_error_entries;
  double                     grid_y;
  GradlabMaskGeometry        g;
} Render;

static gboolean
data_usable (const GradlabMaskViewData *data)
{
  return data->n_samples > 0 && data->n_samples <= GRADLAB_MASK_VIEW_MAX_SAMPLES &&
         data->width > 0 && data->width <= GRADLAB_MASK_VIEW_MAX_SIDE &&
         data->height > 0 && data->height <= GRADLAB_MASK_VIEW_MAX_SIDE &&
         data->channels > 0;
}

static const char *
class_name (const Render *r,
            int           class_id)
{
  if (class_id >= 0 && (guint) class_id < r->n_classes)
    return r->names[class_id];

  return NULL;
}

static void
render_init (Render                    *r,
             cairo_t                   *cr,
             const GradlabMaskViewData *data)
{
  guint i;

  memset (r, 0, sizeof *r);
  r->data = data;
  r->cr = cr;
  r->layout = _gradlab_layout_new (cr);
  r->line_h = _gradlab_line_height (r->layout);
  r->entry_h = MAX (r->line_h, SWATCH) + 4.0;
  r->n_classes = data->n_classes > 0 ? MIN (data->n_classes, GRADLAB_MASK_VIEW_MAX_CLASSES) :
                 GRADLAB_MASK_VIEW_MAX_CLASSES;

  for (i = 0; i < r->n_classes; i++)
    {
      const char *name = data->n_classes > 0 && data->class_names != NULL ?
                         data->class_names[i] : NULL;

      if (data->n_classes > 0 && data->class_colors != NULL)
        r->colors[i] = data->class_colors[i];
      else
        gradlab_class_color (i, &r->colors[i]);
      r->visible[i] = data->n_classes == 0 || data->class_visible == NULL ||
                      data->class_visible[i];
      r->names[i] = name != NULL ? g_strdup (name) : g_strdup_printf (_("class %u"), i);
    }

  r->error_class = data->error_class >= 0 && (guint) data->error_class < r->n_classes ?
                   data->error_class : -1;
}

static void
render_clear (Render *r)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (r->names); i++)
    g_free (r->names[i]);
  for (i = 0; i < G_N_ELEMENTS (r->error_texts); i++)
    g_free (r->error_texts[i]);
  g_object_unref (r->layout);
}

static gboolean
any_ignored (const Render *r)
{
  const GradlabMaskViewData *data = r->data;
  gsize n;
  gsize i;

  if (data->truth == NULL)
    return FALSE;

  n = (gsize) data->n_samples * data->height * data->width;
  for (i = 0; i < n; i++)
    if (data->truth[i] < 0 || (guint) data->truth[i] >= r->n_classes)
      return TRUE;

  return FALSE;
}

static void
add_error_entry (Render           *r,
                 GradlabMaskError  kind,
                 char             *text)
{
  Entry *e = &r->error_entries[r->n_error_entries];

  gradlab_mask_error_color (kind, &e->color);
  r->error_texts[r->n_error_entries] = text;
  e->text = text;
  r->n_error_entries++;
}

static void
collect_entries (Render *r)
{
  const GradlabMaskViewData *data = r->data;
  const char *chosen = class_name (r, r->error_class);
  gboolean unlabelled = any_ignored (r);
  guint i;

  /* Without a class list there is nothing to name in the legend. */
  if (data->n_classes > 0)
    {
      for (i = 0; i < r->n_classes; i++)
        {
          Entry *e = &r->class_entries[i];

          e->text = r->names[i];
          e->color = r->colors[i];
          e->hollow = !r->visible[i];
        }
      r->n_class_entries = r->n_classes;
    }

  if (chosen != NULL)
    {
      add_error_entry (r, GRADLAB_MASK_FALSE_POSITIVE,
                       g_strdup_printf (_("FP: predicted %s, truth other"), chosen));
      add_error_entry (r, GRADLAB_MASK_FALSE_NEGATIVE,
                       g_strdup_printf (_("FN: truth %s, predicted other"), chosen));
      add_error_entry (r, GRADLAB_MASK_CORRECT,
                       unlabelled ?
                       g_strdup_printf (_("no %s error or unlabelled (dimmed)"), chosen) :
                       g_strdup_printf (_("no %s error (dimmed)"), chosen));
    }
  else
    {
      add_error_entry (r, GRADLAB_MASK_FALSE_POSITIVE,
                       g_strdup (_("FP: object predicted, truth background")));
      add_error_entry (r, GRADLAB_MASK_FALSE_NEGATIVE,
                       g_strdup (_("FN: object predicted as background")));
      add_error_entry (r, GRADLAB_MASK_WRONG_CLASS,
                       g_strdup (_("object predicted as another object")));
      add_error_entry (r, GRADLAB_MASK_CORRECT,
                       g_strdup (unlabelled ? _("correct or unlabelled (dimmed)") :
                                              _("correct (dimmed)")));
    }
}

/* Places entries left to right from (@left, @y), wrapping at @right.
 * Returns the y below the last row. */
static double
flow_entries (Render *r,
              Entry  *entries,
              guint   n,
              double  left,
              double  right,
              double  y)
{
  double x = left;
  guint i;

  if (n == 0)
    return y;

  for (i = 0; i < n; i++)
    {
      double tw;

      _gradlab_text_size (r->layout, entries[i].text, &tw, NULL);
      entries[i].width = ceil (SWATCH + SWATCH_GAP + tw);

      if (x > left && x + entries[i].width > right)
        {
          x = left;
          y += r->entry_h;
        }
      entries[i].x = x;
      entries[i].y = y;
      x += entries[i].width + ENTRY_GAP;
    }

  return y + r->entry_h;
}

/* Legends, headers and cell positions for a @width x @height area. */
static void
compute_layout (Render *r,
                int     width,
                int     height)
{
  const GradlabMaskViewData *data = r->data;
  GradlabMaskGeometry *g = &r->g;
  double right = MAX (width - GRADLAB_PAD, GRADLAB_PAD + 40.0);
  double y = GRADLAB_PAD;
  double avail_w;
  double avail_h;
  double scale;
  guint i;

  y = flow_entries (r, r->class_entries, r->n_class_entries, GRADLAB_PAD, right, y);
  if (r->n_class_entries > 0)
    y += 2.0;
  y = flow_entries (r, r->error_entries, r->n_error_entries, GRADLAB_PAD, right, y);
  y += 6.0;

  /* Column headers, then the cells. */
  r->grid_y = round (y);
  y = r->grid_y + r->line_h + 4.0;

  g->n_samples = data->n_samples;
  g->image_width = data->width;
  g->image_height = data->height;
  g->n_legend = r->n_class_entries;
  g->legend_height = r->entry_h;
  for (i = 0; i < r->n_class_entries; i++)
    {
      g->legend_x[i] = r->class_entries[i].x;
      g->legend_y[i] = r->class_entries[i].y;
      g->legend_width[i] = r->class_entries[i].width;
    }

  avail_w = (width - 2 * GRADLAB_PAD - (GRADLAB_MASK_N_COLUMNS - 1) * COL_GAP) /
            GRADLAB_MASK_N_COLUMNS;
  avail_h = (height - y - GRADLAB_PAD - (data->n_samples - 1) * ROW_GAP) / data->n_samples;
  scale = MIN (avail_w / data->width, avail_h / data->height);

  /* Whole factors give every image pixel the same number of screen
   * pixels; below 1 the cell is rounded to whole pixels instead. */
  if (scale >= 1.0)
    {
      scale = floor (scale);
      g->cell_width = data->width * scale;
      g->cell_height = data->height * scale;
    }
  else
    {
      g->cell_width = floor (data->width * scale);
      g->cell_height = floor (data->height * scale);
      scale = MIN (g->cell_width / data->width, g->cell_height / data->height);
    }
  g->scale = scale;

  if (g->cell_width < MIN_CELL || g->cell_height < MIN_CELL)
    {
      g->valid = FALSE;
      return;
    }

  for (i = 0; i < GRADLAB_MASK_N_COLUMNS; i++)
    g->col_x[i] = round (GRADLAB_PAD + i * (g->cell_width + COL_GAP));
  for (i = 0; i < data->n_samples; i++)
    g->row_y[i] = round (y + i * (g->cell_height + ROW_GAP));
  g->valid = TRUE;
}

static inline float
unit (float v)
{
  /* NaN fails both tests and becomes 0. */
  return v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
}

static inline guint32
pack (float r,
      float g,
      float b)
{
  return 0xff000000u |
         ((guint32) (r * 255.0f + 0.5f) << 16) |
         ((guint32) (g * 255.0f + 0.5f) << 8) |
         (guint32) (b * 255.0f + 0.5f);
}

/* One cell at image resolution. The loops are per column kind and use
 * precomputed class colours: at 8 samples of 256 x 256 this is 2 M
 * pixels per full rebuild. */
static cairo_surface_t *
cell_image (const Render      *r,
            guint              k,
            GradlabMaskColumn  column)
{
  const GradlabMaskViewData *data = r->data;
  gsize plane = (gsize) data->height * data->width;
  const float *ch[3] = { NULL, NULL, NULL };
  const int32_t *map = NULL;
  const int32_t *truth = NULL;
  const int32_t *pred = NULL;
  float opacity = (float) CLAMP (data->opacity, 0.0, 1.0);
  float alpha[GRADLAB_MASK_VIEW_MAX_CLASSES];
  float color[GRADLAB_MASK_VIEW_MAX_CLASSES][3];
  guint32 error_pixel[GRADLAB_MASK_IGNORED + 1];
  cairo_surface_t *image;
  guint8 *pixels;
  int stride;
  guint x;
  guint y;
  guint c;

  image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, data->width, data->height);
  if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      return NULL;
    }

  if (data->images != NULL)
    {
      ch[0] = data->images + (gsize) k * data->channels * plane;
      ch[1] = data->channels == 3 ? ch[0] + plane : ch[0];
      ch[2] = data->channels == 3 ? ch[0] + 2 * plane : ch[0];
    }

  for (c = 0; c < r->n_classes; c++)
    {
      /* Background is see-through over the input unless the masks are
       * drawn alone; hidden classes always are. */
      alpha[c] = r->visible[c] && (c != 0 || opacity >= 1.0f) ? opacity : 0.0f;
      color[c][0] = r->colors[c].red;
      color[c][1] = r->colors[c].green;
      color[c][2] = r->colors[c].blue;
    }
  for (c = 0; c <= GRADLAB_MASK_IGNORED; c++)
    {
      GdkRGBA e;

      gradlab_mask_error_color (c, &e);
      error_pixel[c] = pack (e.red, e.green, e.blue);
    }

  if (column == GRADLAB_MASK_COLUMN_TRUTH && data->truth != NULL)
    map = data->truth + k * plane;
  else if (column == GRADLAB_MASK_COLUMN_PREDICTION && data->pred != NULL)
    map = data->pred + k * plane;
  else if (column == GRADLAB_MASK_COLUMN_ERRORS && data->truth != NULL && data->pred != NULL)
    {
      truth = data->truth + k * plane;
      pred = data->pred + k * plane;
    }

  cairo_surface_flush (image);
  pixels = cairo_image_surface_get_data (image);
  stride = cairo_image_surface_get_stride (image);

  for (y = 0; y < data->height; y++)
    {
      guint32 *row = (guint32 *) (void *) (pixels + y * stride);
      gsize p = (gsize) y * data->width;

      for (x = 0; x < data->width; x++, p++)
        {
          float rgb[3] = { 0.0f, 0.0f, 0.0f };

          if (ch[0] != NULL)
            {
              rgb[0] = unit (ch[0][p]);
              rgb[1] = unit (ch[1][p]);
              rgb[2] = unit (ch[2][p]);
            }

          if (map != NULL)
            {
              int32_t cls = map[p];

              if (cls >= 0 && (guint) cls < r->n_classes && alpha[cls] > 0.0f)
                {
                  float a = alpha[cls];

                  rgb[0] += (color[cls][0] - rgb[0]) * a;
                  rgb[1] += (color[cls][1] - rgb[1]) * a;
                  rgb[2] += (color[cls][2] - rgb[2]) * a;
                }
            }
          else if (column == GRADLAB_MASK_COLUMN_ERRORS)
            {
              GradlabMaskError kind = GRADLAB_MASK_IGNORED;

              if (truth != NULL)
                kind = gradlab_mask_error_classify (truth[p], pred[p], r->error_class,
                                                    r->n_classes);
              if (kind != GRADLAB_MASK_CORRECT && kind != GRADLAB_MASK_IGNORED)
                {
                  row[x] = error_pixel[kind];
                  continue;
                }

              /* Luminance, so that a colourful input cannot look like an error. */
              rgb[0] = rgb[1] = rgb[2] =
                (0.2126f * rgb[0] + 0.7152f * rgb[1] + 0.0722f * rgb[2]) * (float) DIM;
            }

          row[x] = pack (rgb[0], rgb[1], rgb[2]);
        }
    }
  cairo_surface_mark_dirty (image);

  return image;
}

/* Returns a new reference. */
static cairo_surface_t *
cached_cell_image (const Render      *r,
                   guint              k,
                   GradlabMaskColumn  column)
{
  cairo_surface_t **slot;

  if (r->data->cell_cache == NULL)
    return cell_image (r, k, column);

  slot = &r->data->cell_cache[k * GRADLAB_MASK_N_COLUMNS + column];
  if (*slot == NULL)
    *slot = cell_image (r, k, column);

  return *slot != NULL ? cairo_surface_reference (*slot) : NULL;
}

static void
draw_cell (Render            *r,
           guint              k,
           GradlabMaskColumn  column)
{
  const GradlabMaskViewData *data = r->data;
  const GradlabMaskGeometry *g = &r->g;
  cairo_t *cr = r->cr;
  double x = g->col_x[column];
  double y = g->row_y[k];
  cairo_surface_t *image;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;

  cairo_save (cr);

  if (data->pred == NULL &&
      (column == GRADLAB_MASK_COLUMN_PREDICTION || column == GRADLAB_MASK_COLUMN_ERRORS))
    {
      _gradlab_set_color (cr, &data->fg, 0.06);
      cairo_rectangle (cr, x, y, g->cell_width, g->cell_height);
      cairo_fill (cr);
      _gradlab_text_ellipsize (r->layout, g->cell_width - 4.0);
      _gradlab_set_color (cr, &data->fg, 0.55);
      _gradlab_text_draw (cr, r->layout, _("No prediction yet"),
                          x + g->cell_width / 2.0, y + g->cell_height / 2.0, 0.5, 0.5);
      _gradlab_text_ellipsize (r->layout, -1);
    }
  else if ((image = cached_cell_image (r, k, column)) != NULL)
    {
      /* Nearest neighbour: a mask pixel is a hard-edged block, never a blur. */
      pattern = cairo_pattern_create_for_surface (image);
      cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
      cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
      cairo_matrix_init_scale (&matrix, 1.0 / g->scale, 1.0 / g->scale);
      cairo_matrix_translate (&matrix, -x, -y);
      cairo_pattern_set_matrix (pattern, &matrix);
      cairo_set_source (cr, pattern);
      cairo_rectangle (cr, x, y, g->cell_width, g->cell_height);
      cairo_fill (cr);
      cairo_pattern_destroy (pattern);
      cairo_surface_destroy (image);
    }

  _gradlab_set_color (cr, &data->fg, 0.25);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x - 0.5, y - 0.5, g->cell_width + 1.0, g->cell_height + 1.0);
  cairo_stroke (cr);

  cairo_restore (cr);
}

/* An outline around image pixel (@ix, @iy) of every cell of sample @k:
 * white on a dark halo, grown by @grow pixels, at least @min_size wide. */
static void
mark_pixel (Render *r,
            int     k,
            int     ix,
            int     iy,
            double  grow,
            double  min_size,
            double  line_width)
{
  const GradlabMaskGeometry *g = &r->g;
  cairo_t *cr = r->cr;
  guint c;

  cairo_save (cr);
  for (c = 0; c < GRADLAB_MASK_N_COLUMNS; c++)
    {
      double size = MAX (g->scale + 2 * grow, min_size);
      double cx = g->col_x[c] + (ix + 0.5) * g->scale;
      double cy = g->row_y[k] + (iy + 0.5) * g->scale;
      double x0 = round (cx - size / 2.0);
      double y0 = round (cy - size / 2.0);

      size = round (size);
      cairo_rectangle (cr, g->col_x[c] - 1, g->row_y[k] - 1, g->cell_width + 2, g->cell_height + 2);
      cairo_save (cr);
      cairo_clip (cr);
      cairo_rectangle (cr, x0 - line_width / 2.0, y0 - line_width / 2.0,
                       size + line_width, size + line_width);
      cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.85);
      cairo_set_line_width (cr, line_width + 2.0);
      cairo_stroke_preserve (cr);
      cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
      cairo_set_line_width (cr, line_width);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

static void
draw_entries (Render      *r,
              const Entry *entries,
              guint        n)
{
  const GradlabMaskViewData *data = r->data;
  cairo_t *cr = r->cr;
  guint i;

  for (i = 0; i < n; i++)
    {
      const Entry *e = &entries[i];
      double sy = round (e->y + (r->entry_h - SWATCH) / 2.0);

      cairo_save (cr);
      if (e->hollow)
        {
          /* Hidden: an empty box with a slash, and dimmed text. */
          _gradlab_set_color (cr, &e->color, 1.0);
          cairo_set_line_width (cr, 1.0);
          cairo_rectangle (cr, e->x + 0.5, sy + 0.5, SWATCH - 1.0, SWATCH - 1.0);
          cairo_move_to (cr, e->x + 1.0, sy + SWATCH - 1.0);
          cairo_line_to (cr, e->x + SWATCH - 1.0, sy + 1.0);
          cairo_stroke (cr);
          _gradlab_set_color (cr, &data->fg, 0.45);
        }
      else
        {
          _gradlab_swatch (cr, e->x, sy, SWATCH, &e->color, &data->fg);
          _gradlab_set_color (cr, &data->fg, 0.9);
        }
      _gradlab_text_draw (cr, r->layout, e->text, e->x + SWATCH + SWATCH_GAP,
                          e->y + r->entry_h / 2.0, 0.0, 0.5);
      cairo_restore (cr);
    }
}

static void
draw_headers (Render *r)
{
  const GradlabMaskViewData *data = r->data;
  const GradlabMaskGeometry *g = &r->g;
  const char *chosen = class_name (r, r->error_class);
  g_autofree char *errors = NULL;
  const char *titles[GRADLAB_MASK_N_COLUMNS];
  guint c;

  titles[GRADLAB_MASK_COLUMN_INPUT] = _("Input");
  titles[GRADLAB_MASK_COLUMN_TRUTH] = _("Truth");
  titles[GRADLAB_MASK_COLUMN_PREDICTION] = _("Prediction");
  if (chosen != NULL)
    titles[GRADLAB_MASK_COLUMN_ERRORS] = errors = g_strdup_printf (_("Errors: %s"), chosen);
  else
    titles[GRADLAB_MASK_COLUMN_ERRORS] = _("Errors");

  cairo_save (r->cr);
  _gradlab_layout_set_bold (r->layout, TRUE);
  _gradlab_text_ellipsize (r->layout, g->cell_width + COL_GAP - 2.0);
  _gradlab_set_color (r->cr, &data->fg, 1.0);
  for (c = 0; c < GRADLAB_MASK_N_COLUMNS; c++)
    _gradlab_text_draw (r->cr, r->layout, titles[c], g->col_x[c] + g->cell_width / 2.0,
                        r->grid_y, 0.5, 0.0);
  _gradlab_text_ellipsize (r->layout, -1);
  _gradlab_layout_set_bold (r->layout, FALSE);
  cairo_restore (r->cr);
}

static char *
describe_class (const Render *r,
                int32_t       class_id)
{
  const char *name = class_name (r, class_id);

  if (name != NULL)
    return g_strdup (name);

  return g_strdup_printf (_("label %d"), class_id);
}

static void
draw_readout (Render *r,
              int     width,
              int     height)
{
  const GradlabMaskViewData *data = r->data;
  gsize offset = ((gsize) data->hover_sample * data->height + data->hover_y) * data->width +
                 data->hover_x;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  GradlabMaskError kind = GRADLAB_MASK_IGNORED;
  const char *kind_text;

  g_ptr_array_add (lines, g_strdup_printf (_("Sample %d · pixel (%d, %d)"),
                                           data->hover_sample + 1, data->hover_x, data->hover_y));

  if (data->truth != NULL)
    {
      g_autofree char *name = describe_class (r, data->truth[offset]);

      g_ptr_array_add (lines, g_strdup_printf (_("Truth: %s"), name));
    }
  if (data->pred != NULL)
    {
      g_autofree char *name = describe_class (r, data->pred[offset]);

      g_ptr_array_add (lines, g_strdup_printf (_("Predicted: %s"), name));
    }
  if (data->truth != NULL && data->pred != NULL)
    {
      kind = gradlab_mask_error_classify (data->truth[offset], data->pred[offset],
                                          r->error_class, r->n_classes);
      switch (kind)
        {
        case GRADLAB_MASK_FALSE_POSITIVE:
          kind_text = _("Error: false positive");
          break;
        case GRADLAB_MASK_FALSE_NEGATIVE:
          kind_text = _("Error: false negative");
          break;
        case GRADLAB_MASK_WRONG_CLASS:
          kind_text = _("Error: wrong object class");
          break;
        case GRADLAB_MASK_IGNORED:
          kind_text = _("Unlabelled (not scored)");
          break;
        case GRADLAB_MASK_CORRECT:
        default:
          kind_text = _("Correct");
          break;
        }
      g_ptr_array_add (lines, g_strdup (kind_text));
    }

  if (data->probs != NULL && data->n_prob_classes > 0)
    {
      gsize plane = (gsize) data->height * data->width;
      const float *p = data->probs + (gsize) data->hover_sample * data->n_prob_classes * plane +
                       (gsize) data->hover_y * data->width + data->hover_x;
      guint order[GRADLAB_MASK_VIEW_MAX_CLASSES];
      guint n = MIN (data->n_prob_classes, GRADLAB_MASK_VIEW_MAX_CLASSES);
      guint shown = MIN (n, MAX_PROB_ROWS);
      guint i;
      guint j;

      for (i = 0; i < n; i++)
        order[i] = i;
      /* Too many classes for the box: the likeliest first. */
      if (n > MAX_PROB_ROWS)
        for (i = 1; i < n; i++)
          for (j = i; j > 0 && p[order[j] * plane] > p[order[j - 1] * plane]; j--)
            {
              guint t = order[j];

              order[j] = order[j - 1];
              order[j - 1] = t;
            }

      for (i = 0; i < shown; i++)
        {
          g_autofree char *name = describe_class (r, (int32_t) order[i]);

          g_ptr_array_add (lines, g_strdup_printf ("P(%s) = %.3f", name,
                                                   (double) p[order[i] * plane]));
        }
      if (n > shown)
        g_ptr_array_add (lines, g_strdup_printf (_("+%u more classes"), n - shown));
    }

  _gradlab_tooltip (r->cr, r->layout, (const char *const *) lines->pdata, lines->len,
                    data->hover_px, data->hover_py, 0, 0, width, height, &data->fg, &data->bg);
}

static gboolean
pixel_ok (const GradlabMaskViewData *data,
          int                        k,
          int                        x,
          int                        y)
{
  return k >= 0 && (guint) k < data->n_samples &&
         x >= 0 && (guint) x < data->width && y >= 0 && (guint) y < data->height;
}

void
gradlab_mask_view_render (cairo_t                   *cr,
                          int                        width,
                          int                        height,
                          const GradlabMaskViewData *data)
{
  Render r;
  guint k;
  guint c;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (data != NULL);

  if (data->geometry_out != NULL)
    data->geometry_out->valid = FALSE;
  if (width <= 0 || height <= 0)
    return;

  cairo_save (cr);
  _gradlab_paint_background (cr, width, height, &data->bg, data->fill_background);
  render_init (&r, cr, data);

  if (!data_usable (data))
    {
      _gradlab_draw_empty (cr, r.layout, 0, 0, width, height, &data->fg, _("No samples yet"));
      goto out;
    }

  collect_entries (&r);
  compute_layout (&r, width, height);
  draw_entries (&r, r.class_entries, r.n_class_entries);
  draw_entries (&r, r.error_entries, r.n_error_entries);

  if (r.g.valid)
    {
      draw_headers (&r);
      for (k = 0; k < data->n_samples; k++)
        for (c = 0; c < GRADLAB_MASK_N_COLUMNS; c++)
          draw_cell (&r, k, c);

      if (pixel_ok (data, data->selected_sample, data->selected_x, data->selected_y))
        mark_pixel (&r, data->selected_sample, data->selected_x, data->selected_y, 2.0, 9.0, 2.0);
      if (data->hover && pixel_ok (data, data->hover_sample, data->hover_x, data->hover_y))
        {
          if (r.g.scale >= 3.0)
            mark_pixel (&r, data->hover_sample, data->hover_x, data->hover_y, 0.0, 3.0, 1.0);
          draw_readout (&r, width, height);
        }
    }

  if (data->geometry_out != NULL)
    *data->geometry_out = r.g;

out:
  render_clear (&r);
  cairo_restore (cr);
}

void
gradlab_mask_view_natural_size (const GradlabMaskViewData *data,
                                int                       *width,
                                int                       *height)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  Render r;
  double scale;
  double cell_w;
  double cell_h;
  int w;

  g_return_if_fail (data != NULL);
  g_return_if_fail (width != NULL && height != NULL);

  if (!data_usable (data))
    {
      *width = 320;
      *height = 160;
      return;
    }

  scale = MAX (1.0, floor (NATURAL_CELL / MAX (data->width, data->height)));
  cell_w = data->width * scale;
  cell_h = data->height * scale;
  w = (int) ceil (2 * GRADLAB_PAD + GRADLAB_MASK_N_COLUMNS * cell_w +
                  (GRADLAB_MASK_N_COLUMNS - 1) * COL_GAP);
  w = MAX (w, MIN_WIDTH);

  /* The legends wrap with the width: lay them out on a scratch surface. */
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  render_init (&r, cr, data);
  collect_entries (&r);
  compute_layout (&r, w, 1);

  *width = w;
  *height = (int) ceil (r.grid_y + r.line_h + 4.0 + data->n_samples * cell_h +
                        (data->n_samples - 1) * ROW_GAP + GRADLAB_PAD);

  render_clear (&r);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* ------------------------------------------------------------------------ */
/* Widget                                                                   */
/* ------------------------------------------------------------------------ */

struct _GradlabMaskView
{
  GtkWidget            parent_instance;

  guint                n_samples;
  guint                channels;
  guint                height;
  guint                width;
  float               *images;
  int32_t             *truth;
  int32_t             *pred;
  guint                n_prob_classes;
  float               *probs;

  guint                n_classes;
  GStrv                names;
  GdkRGBA             *colors;
  gboolean             visible[GRADLAB_MASK_VIEW_MAX_CLASSES];

  double               opacity;
  int                  error_class;

  gboolean             over_legend;
  gboolean             hover;
  int                  hover_sample;
  int                  hover_x;
  int                  hover_y;
  double               hover_px;
  double               hover_py;

  int                  selected_sample;
  int                  selected_x;
  int                  selected_y;

  /* Cell images, rebuilt only when what they show changes. */
  cairo_surface_t     *cells[GRADLAB_MASK_VIEW_MAX_SAMPLES * GRADLAB_MASK_N_COLUMNS];

  GradlabMaskGeometry  geometry;
};

enum {
  PROP_0,
  PROP_OPACITY,
  PROP_ERROR_CLASS,
  N_PROPS
};

enum {
  PIXEL_ACTIVATED,
  CLASS_TOGGLED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void renderable_iface_init (GradlabRenderableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GradlabMaskView, gradlab_mask_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GRADLAB_TYPE_RENDERABLE,
                                                      renderable_iface_init))

static void
fill_data (GradlabMaskView     *self,
           GradlabMaskViewData *data)
{
  data->n_samples = self->n_samples;
  data->channels = self->channels;
  data->height = self->height;
  data->width = self->width;
  data->images = self->images;
  data->truth = self->truth;
  data->pred = self->pred;
  data->n_prob_classes = self->n_prob_classes;
  data->probs = self->probs;
  data->n_classes = self->n_classes;
  data->class_names = (const char *const *) self->names;
  data->class_colors = self->colors;
  data->class_visible = self->visible;
  data->opacity = self->opacity;
  data->error_class = self->error_class;
  data->selected_sample = self->selected_sample;
  data->selected_x = self->selected_x;
  data->selected_y = self->selected_y;
  data->cell_cache = self->cells;
}

static void
invalidate_cells (GradlabMaskView *self)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (self->cells); i++)
    g_clear_pointer (&self->cells[i], cairo_surface_destroy);
}

static void
draw_to (GradlabRenderable *renderable,
         cairo_t           *cr,
         int                width,
         int                height,
         gboolean           for_export)
{
  GradlabMaskView *self = GRADLAB_MASK_VIEW (renderable);
  GradlabMaskViewData data = { 0 };

  fill_data (self, &data);
  _gradlab_widget_colors (GTK_WIDGET (self), &data.fg, &data.bg);
  data.fill_background = for_export;
  if (!for_export)
    {
      data.hover = self->hover;
      data.hover_sample = self->hover_sample;
      data.hover_x = self->hover_x;
      data.hover_y = self->hover_y;
      data.hover_px = self->hover_px;
      data.hover_py = self->hover_py;
      data.geometry_out = &self->geometry;
    }

  gradlab_mask_view_render (cr, width, height, &data);
}

static void
renderable_iface_init (GradlabRenderableInterface *iface)
{
  iface->draw = draw_to;
}

static void
gradlab_mask_view_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  GradlabMaskViewData data = { 0 };
  int width;
  int height;

  fill_data (GRADLAB_MASK_VIEW (widget), &data);
  gradlab_mask_view_natural_size (&data, &width, &height);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MIN_WIDTH;
      *natural = width;
    }
  else
    {
      *minimum = MIN (height, 160);
      *natural = height;
    }
}

static gboolean
pixel_in_range (GradlabMaskView *self,
                int              sample,
                int              x,
                int              y)
{
  return sample >= 0 && (guint) sample < self->n_samples &&
         x >= 0 && (guint) x < self->width && y >= 0 && (guint) y < self->height;
}

void
_gradlab_mask_view_motion (GradlabMaskView *self,
                           double           x,
                           double           y)
{
  int sample;
  int ix;
  int iy;
  gboolean hover;
  gboolean over_legend;

  g_return_if_fail (GRADLAB_IS_MASK_VIEW (self));

  hover = gradlab_mask_geometry_cell_at (&self->geometry, x, y, &sample, NULL, &ix, &iy);
  over_legend = gradlab_mask_geometry_legend_at (&self->geometry, x, y) >= 0;
  if (over_legend != self->over_legend)
    {
      /* Legend entries are buttons: say so with the cursor. */
      self->over_legend = over_legend;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), over_legend ? "pointer" : NULL);
    }

  if (!hover && !self->hover)
    return;

  self->hover = hover;
  if (hover)
    {
      self->hover_sample = sample;
      self->hover_x = ix;
      self->hover_y = iy;
      self->hover_px = x;
      self->hover_py = y;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
_gradlab_mask_view_leave (GradlabMaskView *self)
{
  g_return_if_fail (GRADLAB_IS_MASK_VIEW (self));

  if (self->over_legend)
    {
      self->over_legend = FALSE;
      gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
    }
  if (!self->hover)
    return;

  self->hover = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
_gradlab_mask_view_get_hover (GradlabMaskView *self,
                              int             *sample,
                              int             *x,
                              int             *y)
{
  g_return_val_if_fail (GRADLAB_IS_MASK_VIEW (self), FALSE);

  if (sample != NULL)
    *sample = self->hover ? self->hover_sample : -1;
  if (x != NULL)
    *x = self->hover ? self->hover_x : -1;
  if (y != NULL)
    *y = self->hover ? self->hover_y : -1;

  return self->hover;
}

const GradlabMaskGeometry *
_gradlab_mask_view_get_geometry (GradlabMaskView *self)
{
  g_return_val_if_fail (GRADLAB_IS_MASK_VIEW (self), NULL);

  return &self->geometry;
}

gboolean
_gradlab_mask_view_click (GradlabMaskView *self,
                          double           x,
                          double           y)
{
  GradlabMaskColumn column;
  int class_id;
  int sample;
  int ix;
  int iy;

  g_return_val_if_fail (GRADLAB_IS_MASK_VIEW (self), FALSE);

  class_id = gradlab_mask_geometry_legend_at (&self->geometry, x, y);
  if (class_id >= 0)
    {
      gradlab_mask_view_set_class_visible (self, class_id,
                                           !gradlab_mask_view_get_class_visible (self, class_id));
      return TRUE;
    }

  if (!gradlab_mask_geometry_cell_at (&self->geometry, x, y, &sample, &column, &ix, &iy) ||
      column != GRADLAB_MASK_COLUMN_PREDICTION || self->pred == NULL ||
      !pixel_in_range (self, sample, ix, iy))
    return FALSE;

  gradlab_mask_view_set_selected_pixel (self, sample, ix, iy);
  g_signal_emit (self, signals[PIXEL_ACTIVATED], 0, sample, ix, iy);

  return TRUE;
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            GradlabMaskView *self)
{
  if (_gradlab_mask_view_click (self, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           GradlabMaskView          *self)
{
  _gradlab_mask_view_motion (self, x, y);
}

static void
leave_cb (GtkEventControllerMotion *controller,
          GradlabMaskView          *self)
{
  _gradlab_mask_view_leave (self);
}

static void
clear_samples (GradlabMaskView *self)
{
  g_clear_pointer (&self->images, g_free);
  g_clear_pointer (&self->truth, g_free);
  g_clear_pointer (&self->pred, g_free);
  g_clear_pointer (&self->probs, g_free);
  self->n_prob_classes = 0;
  self->n_samples = 0;
}

static void
gradlab_mask_view_finalize (GObject *object)
{
  GradlabMaskView *self = GRADLAB_MASK_VIEW (object);

  clear_samples (self);
  invalidate_cells (self);
  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->colors, g_free);

  G_OBJECT_CLASS (gradlab_mask_view_parent_class)->finalize (object);
}

static void
gradlab_mask_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GradlabMaskView *self = GRADLAB_MASK_VIEW (object);

  switch (prop_id)
    {
    case PROP_OPACITY:
      g_value_set_double (value, self->opacity);
      break;
    case PROP_ERROR_CLASS:
      g_value_set_int (value, self->error_class);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_mask_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GradlabMaskView *self = GRADLAB_MASK_VIEW (object);

  switch (prop_id)
    {
    case PROP_OPACITY:
      gradlab_mask_view_set_opacity (self, g_value_get_double (value));
      break;
    case PROP_ERROR_CLASS:
      gradlab_mask_view_set_error_class (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_mask_view_class_init (GradlabMaskViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gradlab_mask_view_finalize;
  object_class->get_property = gradlab_mask_view_get_property;
  object_class->set_property = gradlab_mask_view_set_property;

  widget_class->snapshot = _gradlab_renderable_snapshot;
  widget_class->measure = gradlab_mask_view_measure;

  /**
   * GradlabMaskView:opacity:
   *
   * Opacity of the class colours over the input in the truth and
   * prediction cells. At 1 the masks are drawn alone (class 0 included),
   * side by side with the input.
   */
  properties[PROP_OPACITY] =
    g_param_spec_double ("opacity", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GradlabMaskView:error-class:
   *
   * The class whose false positives and negatives the error map shows,
   * or -1 for all non-background classes (see
   * gradlab_mask_error_classify()).
   */
  properties[PROP_ERROR_CLASS] =
    g_param_spec_int ("error-class", NULL, NULL, -1, GRADLAB_MASK_VIEW_MAX_CLASSES - 1, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GradlabMaskView::pixel-activated:
   * @self: the view
   * @sample: the sample row, from 0
   * @x: image column, 0 .. W - 1
   * @y: image row, 0 .. H - 1
   *
   * Emitted on a primary click on a prediction cell, after the pixel has
   * been marked (gradlab_mask_view_set_selected_pixel()).
   */
  signals[PIXEL_ACTIVATED] =
    g_signal_new ("pixel-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);

  /**
   * GradlabMaskView::class-toggled:
   * @self: the view
   * @class_id: the class
   * @visible: whether it is now drawn
   *
   * Emitted when a class is shown or hidden, by a legend click or by
   * gradlab_mask_view_set_class_visible().
   */
  signals[CLASS_TOGGLED] =
    g_signal_new ("class-toggled",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_BOOLEAN);

  gtk_widget_class_set_css_name (widget_class, "gradlab-mask-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gradlab_mask_view_init (GradlabMaskView *self)
{
  GtkEventController *motion;
  GtkGesture *click;
  guint i;

  self->opacity = 0.5;
  self->error_class = -1;
  self->selected_sample = -1;
  for (i = 0; i < GRADLAB_MASK_VIEW_MAX_CLASSES; i++)
    self->visible[i] = TRUE;

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Segmentation masks"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Input, ground truth, prediction and errors per sample; "
                                    "click a legend entry to hide a class"),
                                  -1);
}

GtkWidget *
gradlab_mask_view_new (void)
{
  return g_object_new (GRADLAB_TYPE_MASK_VIEW, NULL);
}

static void
check_selection (GradlabMaskView *self)
{
  if (self->selected_sample >= 0 &&
      !pixel_in_range (self, self->selected_sample, self->selected_x, self->selected_y))
    self->selected_sample = -1;
  if (self->hover && !pixel_in_range (self, self->hover_sample, self->hover_x, self->hover_y))
    self->hover = FALSE;
}

void
gradlab_mask_view_set_samples (GradlabMaskView *self,
                               guint            n_samples,
                               guint            channels,
                               guint            height,
                               guint            width,
                               const float     *images,
                               const int32_t   *truth,
                               const int32_t   *pred,
                               guint            n_prob_classes,
                               const float     *probs)
{
  gboolean resize;
  gsize plane;

  g_return_if_fail (GRADLAB_IS_MASK_VIEW (self));
  g_return_if_fail (n_samples <= GRADLAB_MASK_VIEW_MAX_SAMPLES);
  g_return_if_fail (n_samples == 0 || (channels >= 1 && channels <= 3));
  g_return_if_fail (n_samples == 0 || (height >= 1 && height <= GRADLAB_MASK_VIEW_MAX_SIDE));
  g_return_if_fail (n_samples == 0 || (width >= 1 && width <= GRADLAB_MASK_VIEW_MAX_SIDE));
  g_return_if_fail (probs == NULL || n_prob_classes <= GRADLAB_MASK_VIEW_MAX_CLASSES);

  resize = n_samples != self->n_samples || height != self->height || width != self->width;
  clear_samples (self);

  if (n_samples > 0)
    {
      plane = (gsize) height * width;
      self->n_samples = n_samples;
      self->channels = channels;
      self->height = height;
      self->width = width;
      if (images != NULL)
        self->images = g_memdup2 (images, n_samples * channels * plane * sizeof (float));
      if (truth != NULL)
        self->truth = g_memdup2 (truth, n_samples * plane * sizeof (int32_t));
    }
  else
    self->height = self->width = self->channels = 0;

  check_selection (self);
  gradlab_mask_view_set_prediction (self, pred, n_prob_classes, probs);

  if (resize)
    gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
gradlab_mask_view_set_prediction (GradlabMaskView *self,
                                  const int32_t   *pred,
                                  guint            n_prob_classes,
                                  const float     *probs)
{
  gsize plane;

  g_return_if_fail (GRADLAB_IS_MASK_VIEW (self));
  g_return_if_fail (probs == NULL || n_prob_classes <= GRADLAB_MASK_VIEW_MAX_CLASSES);

  g_clear_pointer (&self->pred, g_free);
  g_clear_pointer (&self->probs, g_free);
  self->n_prob_classes = 0;
  invalidate_cells (self);

  if (self->n_samples > 0)
    {
      plane = (gsize) self->height * self->width;
      if (pred != NULL)
        self->pred = g_memdup2 (pred, self->n_samples * plane * sizeof (int32_t));
      if (probs != NULL && n_prob_classes > 0)
        {
          self->n_prob_classes = n_prob_classes;
          self->probs = g_memdup2 (probs, self->n_samples * n_prob_classes * plane * sizeof (float));
        }
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_mask_view_set_classes (GradlabMaskView   *self,
                               guint              n_classes,
                               const char *const *names,
                               const GdkRGBA     *colors)
{
  guint i;

  g_return_if_fail (GRADLAB_IS_MASK_VIEW (self));
  g_return_if_fail (n_classes <= GRADLAB_MASK_VIEW_MAX_CLASSES);

  if (n_classes != self->n_classes)
    for (i = 0; i < GRADLAB_MASK_VIEW_MAX_CLASSES; i++)
      self->visible[i] = TRUE;

  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->colors, g_free);
  self->n_classes = n_classes;
  invalidate_cells (self);

  if (n_classes > 0)
    {
      self->names = g_new0 (char *, n_classes + 1);
      self->colors = g_new (GdkRGBA, n_classes);
      for (i = 0; i < n_classes; i++)
        {
          self->names[i] = names != NULL && names[i] != NULL ?
                           g_strdup (names[i]) : g_strdup_printf (_("class %u"), i);
          if (colors != NULL)
            self->colors[i] = colors[i];
          else
            gradlab_class_color (i, &self->colors[i]);
        }
    }

  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
gradlab_mask_view_get_n_classes (GradlabMaskView *self)
{
  g_return_val_if_fail (GRADLAB_IS_MASK_VIEW (self), 0);

  return self->n_classes;
}

void
gradlab_mask_view_set_class_visible (GradlabMaskView *self,
                                     int              class_id,
                                     gboolean         visible)
{
  g_return_if_fail (GRADLAB_IS_MASK_VIEW (self));

  if (class_id < 0 || (guint) class_id >= self->n_classes)
    return;

  visible = !!visible;
  if (self->visible[class_id] == visible)
    return;

  self->visible[class_id] = visible;
  invalidate_cells (self);
  g_signal_emit (self, signals[CLASS_TOGGLED], 0, class_id, visible);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
gradlab_mask_view_get_class_visible (GradlabMaskView *self,
                                     int              class_id)
{
  g_return_val_if_fail (GRADLAB_IS_MASK_VIEW (self), FALSE);

  if (class_id < 0 || (guint) class_id >= self->n_classes)
    return FALSE;

  return self->visible[class_id];
}

void
gradlab_mask_view_set_selected_pixel (GradlabMaskView *self,
                                      int              sample,
                                      int              x,
                                      int              y)
{
  g_return_if_fail (GRADLAB_IS_MASK_VIEW (self));

  if (!pixel_in_range (self, sample, x, y))
    sample = x = y = -1;

  if (self->selected_sample == sample && self->selected_x == x && self->selected_y == y)
    return;

  self->selected_sample = sample;
  self->selected_x = x;
  self->selected_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
gradlab_mask_view_get_selected_pixel (GradlabMaskView *self,
                                      int             *sample,
                                      int             *x,
                                      int             *y)
{
  g_return_val_if_fail (GRADLAB_IS_MASK_VIEW (self), FALSE);

  if (sample != NULL)
    *sample = self->selected_sample;
  if (x != NULL)
    *x = self->selected_sample >= 0 ? self->selected_x : -1;
  if (y != NULL)
    *y = self->selected_sample >= 0 ? self->selected_y : -1;

  return self->selected_sample >= 0;
}

double
gradlab_mask_view_get_opacity (GradlabMaskView *self)
{
  g_return_val_if_fail (GRADLAB_IS_MASK_VIEW (self), 0.0);

  return self->opacity;
}

void
gradlab_mask_view_set_opacity (GradlabMaskView *self,
                               double           opacity)
{
  g_return_if_fail (GRADLAB_IS_MASK_VIEW (self));

  if (isnan (opacity))
    return;
  opacity = CLAMP (opacity, 0.0, 1.0);
  if (self->opacity == opacity)
    return;

  self->opacity = opacity;
  invalidate_cells (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPACITY]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
gradlab_mask_view_get_error_class (GradlabMaskView *self)
{
  g_return_val_if_fail (GRADLAB_IS_MASK_VIEW (self), -1);

  return self->error_class;
}

void
gradlab_mask_view_set_error_class (GradlabMaskView *self,
                                   int              error_class)
{
  g_return_if_fail (GRADLAB_IS_MASK_VIEW (self));

  error_class = CLAMP (error_class, -1, GRADLAB_MASK_VIEW_MAX_CLASSES - 1);
  if (self->error_class == error_class)
    return;

  self->error_class = error_class;
  invalidate_cells (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_CLASS]);
  /* The error legend changes length and may wrap differently. */
  gtk_widget_queue_resize (GTK_WIDGET (self));
}
