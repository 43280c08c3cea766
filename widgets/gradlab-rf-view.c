/* gradlab-rf-view.c: an input image with one output pixel's theoretical
 * and effective receptive fields
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-rf-view.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gradlab-colors.h"
#include "gradlab-draw-private.h"
#include "gradlab-renderable.h"
#include "gradlab-seg-private.h"

#define NATURAL_SIDE 320.0
#define RAMP_W       120.0
#define RAMP_H       10.0
#define SWATCH       12.0
#define ENTRY_GAP    16.0
#define MIN_IMAGE    16.0

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

void
gradlab_rf_field_bounds (int  cx,
                         int  cy,
                         int  size,
                         int *x0,
                         int *y0,
                         int *x1,
                         int *y1)
{
  int before = (MAX (size, 1) - 1) / 2;
  int after = MAX (size, 1) / 2;

  g_return_if_fail (x0 != NULL && y0 != NULL && x1 != NULL && y1 != NULL);

  *x0 = cx - before;
  *y0 = cy - before;
  *x1 = cx + after;
  *y1 = cy + after;
}

gboolean
gradlab_rf_geometry_pixel_at (const GradlabRfGeometry *geometry,
                              double                   x,
                              double                   y,
                              int                     *image_x,
                              int                     *image_y)
{
  double fx;
  double fy;

  g_return_val_if_fail (geometry != NULL, FALSE);

  if (!geometry->valid)
    return FALSE;

  fx = (x - geometry->image_x) / geometry->scale;
  fy = (y - geometry->image_y) / geometry->scale;
  if (fx < 0.0 || fy < 0.0 || fx >= geometry->width || fy >= geometry->height)
    return FALSE;

  if (image_x != NULL)
    *image_x = (int) floor (fx);
  if (image_y != NULL)
    *image_y = (int) floor (fy);

  return TRUE;
}

typedef struct
{
  const GradlabRfViewData *data;
  cairo_t                 *cr;
  PangoLayout             *layout;
  double                   line_h;
  double                   erf_max;
  GradlabRfGeometry        g;
} Render;

static gboolean
data_usable (const GradlabRfViewData *data)
{
  return data->image != NULL && data->channels > 0 &&
         data->width > 0 && data->width <= GRADLAB_RF_VIEW_MAX_SIDE &&
         data->height > 0 && data->height <= GRADLAB_RF_VIEW_MAX_SIDE;
}

static gboolean
field_chosen (const GradlabRfViewData *data)
{
  return data->field_x >= 0 && (guint) data->field_x < data->width &&
         data->field_y >= 0 && (guint) data->field_y < data->height;
}

static inline float
unit (float v)
{
  return v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
}

static inline guint8
byte (double v)
{
  return (guint8) (CLAMP (v, 0.0, 1.0) * 255.0 + 0.5);
}

static double
erf_max (const GradlabRfViewData *data)
{
  gsize n = (gsize) data->width * data->height;
  double max_v = 0.0;
  gsize i;

  if (data->erf == NULL)
    return 0.0;

  for (i = 0; i < n; i++)
    if (isfinite (data->erf[i]))
      max_v = MAX (max_v, fabs (data->erf[i]));

  return max_v;
}

/* The colour of normalised magnitude @t: the square root spreads the
 * weak tail of the field, where most of its area is. */
static void
heat_color (double   t,
            GdkRGBA *out)
{
  gradlab_colormap_sequential (sqrt (CLAMP (t, 0.0, 1.0)), out);
}

static void
draw_scaled (Render          *r,
             cairo_surface_t *image)
{
  const GradlabRfGeometry *g = &r->g;
  cairo_pattern_t *pattern = cairo_pattern_create_for_surface (image);
  cairo_matrix_t matrix;

  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_matrix_init_scale (&matrix, 1.0 / g->scale, 1.0 / g->scale);
  cairo_matrix_translate (&matrix, -g->image_x, -g->image_y);
  cairo_pattern_set_matrix (pattern, &matrix);

  cairo_save (r->cr);
  cairo_set_source (r->cr, pattern);
  cairo_rectangle (r->cr, g->image_x, g->image_y, g->width * g->scale, g->height * g->scale);
  cairo_fill (r->cr);
  cairo_restore (r->cr);
  cairo_pattern_destroy (pattern);
}

static void
draw_image (Render *r)
{
  const GradlabRfViewData *data = r->data;
  gsize plane = (gsize) data->width * data->height;
  const float *ch[3];
  cairo_surface_t *image;
  guint8 *pixels;
  int stride;
  guint x;
  guint y;

  image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, data->width, data->height);
  if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      return;
    }

  ch[0] = data->image;
  ch[1] = data->channels == 3 ? ch[0] + plane : ch[0];
  ch[2] = data->channels == 3 ? ch[0] + 2 * plane : ch[0];

  cairo_surface_flush (image);
  pixels = cairo_image_surface_get_data (image);
  stride = cairo_image_surface_get_stride (image);
  for (y = 0; y < data->height; y++)
    {
      guint32 *row = (guint32 *) (void *) (pixels + y * stride);

      for (x = 0; x < data->width; x++)
        {
          gsize p = (gsize) y * data->width + x;

          row[x] = 0xff000000u | ((guint32) byte (unit (ch[0][p])) << 16) |
                   ((guint32) byte (unit (ch[1][p])) << 8) | byte (unit (ch[2][p]));
        }
    }
  cairo_surface_mark_dirty (image);

  draw_scaled (r, image);
  cairo_surface_destroy (image);
}

static void
draw_heat (Render *r)
{
  const GradlabRfViewData *data = r->data;
  double opacity = CLAMP (data->erf_opacity, 0.0, 1.0);
  cairo_surface_t *image;
  guint8 *pixels;
  int stride;
  guint x;
  guint y;

  if (data->erf == NULL || r->erf_max <= 0.0 || opacity <= 0.0)
    return;

  image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, data->width, data->height);
  if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      return;
    }

  cairo_surface_flush (image);
  pixels = cairo_image_surface_get_data (image);
  stride = cairo_image_surface_get_stride (image);
  for (y = 0; y < data->height; y++)
    {
      guint32 *row = (guint32 *) (void *) (pixels + y * stride);

      for (x = 0; x < data->width; x++)
        {
          float v = data->erf[(gsize) y * data->width + x];
          double t = isfinite (v) ? fabs (v) / r->erf_max : 0.0;
          GdkRGBA c;

          /* Exactly zero gradient (outside the field) leaves the input bare. */
          if (t <= 0.0)
            {
              row[x] = 0;
              continue;
            }

          heat_color (t, &c);
          /* Premultiplied, as cairo's ARGB32 is. */
          row[x] = ((guint32) byte (opacity) << 24) |
                   ((guint32) byte (c.red * opacity) << 16) |
                   ((guint32) byte (c.green * opacity) << 8) |
                   byte (c.blue * opacity);
        }
    }
  cairo_surface_mark_dirty (image);

  draw_scaled (r, image);
  cairo_surface_destroy (image);
}

static void
draw_field (Render *r)
{
  const GradlabRfViewData *data = r->data;
  GradlabRfGeometry *g = &r->g;
  cairo_t *cr = r->cr;
  g_autofree char *label = NULL;
  int x0, y0, x1, y1;
  double sx0, sy0, sx1, sy1;
  double bw;
  double bh;
  double bx;
  double by;

  gradlab_rf_field_bounds (data->field_x, data->field_y, data->field_size, &x0, &y0, &x1, &y1);
  g->field_x0 = CLAMP (x0, 0, (int) data->width - 1);
  g->field_y0 = CLAMP (y0, 0, (int) data->height - 1);
  g->field_x1 = CLAMP (x1, 0, (int) data->width - 1);
  g->field_y1 = CLAMP (y1, 0, (int) data->height - 1);
  g->has_field = TRUE;

  sx0 = g->image_x + g->field_x0 * g->scale;
  sy0 = g->image_y + g->field_y0 * g->scale;
  sx1 = g->image_x + (g->field_x1 + 1) * g->scale;
  sy1 = g->image_y + (g->field_y1 + 1) * g->scale;

  /* A 2-pixel white edge on the field's outermost pixels, with a dark
   * pixel on either side so it shows on bright and dark images alike. */
  cairo_save (cr);
  cairo_rectangle (cr, sx0 + 1.0, sy0 + 1.0, sx1 - sx0 - 2.0, sy1 - sy0 - 2.0);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.8);
  cairo_set_line_width (cr, 4.0);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_set_line_width (cr, 2.0);
  cairo_stroke (cr);
  cairo_restore (cr);

  if (x1 - x0 != g->field_x1 - g->field_x0 || y1 - y0 != g->field_y1 - g->field_y0)
    label = g_strdup_printf (_("RF %d×%d (%d×%d in image)"), data->field_size, data->field_size,
                             g->field_x1 - g->field_x0 + 1, g->field_y1 - g->field_y0 + 1);
  else
    label = g_strdup_printf (_("RF %d×%d"), data->field_size, data->field_size);

  /* The label sits outside the square, above it or else below it, so
   * that it hides neither the field nor the marker; inside the top edge
   * only when the square fills the image. Kept within the image. */
  _gradlab_label_box_size (r->layout, label, &bw, &bh);
  bx = CLAMP (sx0, g->image_x, MAX (g->image_x, g->image_x + g->width * g->scale - bw));
  by = sy0 - bh - 3.0;
  if (by < g->image_y)
    by = sy1 + 3.0;
  if (by + bh > g->image_y + g->height * g->scale)
    by = sy0 + 3.0;
  _gradlab_label_box (cr, r->layout, label, bx, by, &data->fg, &data->bg);
}

static void
draw_marker_shape (cairo_t *cr,
                   double   cx,
                   double   cy,
                   double   radius)
{
  GdkRGBA red;

  gradlab_palette_color (4, &red);
  cairo_save (cr);
  cairo_new_path (cr);
  cairo_arc (cr, cx, cy, radius, 0, 2 * G_PI);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.8);
  cairo_set_line_width (cr, 4.0);
  cairo_stroke_preserve (cr);
  _gradlab_set_color (cr, &red, 1.0);
  cairo_set_line_width (cr, 2.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static double
marker_radius (const GradlabRfGeometry *g)
{
  return MAX (5.0, g->scale * 0.9);
}

static void
draw_marker (Render *r)
{
  const GradlabRfViewData *data = r->data;
  const GradlabRfGeometry *g = &r->g;

  draw_marker_shape (r->cr, g->image_x + (data->field_x + 0.5) * g->scale,
                     g->image_y + (data->field_y + 0.5) * g->scale, marker_radius (g));
}

/* Draws (when @draw) @text at (@x, middle @cy), ellipsized to end by
 * @right; returns its width as drawn. */
static double
legend_text (Render     *r,
             const char *text,
             double      x,
             double      cy,
             double      right,
             gboolean    draw)
{
  double w;

  _gradlab_text_ellipsize (r->layout, MAX (right - x, 1.0));
  _gradlab_text_size (r->layout, text, &w, NULL);
  if (draw)
    {
      _gradlab_set_color (r->cr, &r->data->fg, 0.9);
      _gradlab_text_draw (r->cr, r->layout, text, x, cy, 0.0, 0.5);
    }
  _gradlab_text_ellipsize (r->layout, -1);

  return w;
}

/* Lays out (@draw FALSE) or draws the legend from @y; returns its bottom.
 * Entries wrap at @right; text that still does not fit is ellipsized. */
static double
legend (Render  *r,
        double   y,
        double   right,
        gboolean draw)
{
  const GradlabRfViewData *data = r->data;
  cairo_t *cr = r->cr;
  double x = GRADLAB_PAD;
  double row_h = MAX (r->line_h, SWATCH) + 4.0;
  double w;

  if (field_chosen (data))
    {
      g_autofree char *pixel = g_strdup_printf (_("output pixel (%d, %d)"), data->field_x,
                                                data->field_y);

      if (data->field_size > 0)
        {
          g_autofree char *rf = g_strdup_printf (_("theoretical receptive field, %d×%d"),
                                                 data->field_size, data->field_size);
          double cy = y + row_h / 2.0;

          if (draw)
            {
              cairo_save (cr);
              cairo_rectangle (cr, x + 1.0, round (cy - SWATCH / 2.0) + 1.0, SWATCH - 2.0,
                               SWATCH - 2.0);
              cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.8);
              cairo_set_line_width (cr, 4.0);
              cairo_stroke_preserve (cr);
              cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
              cairo_set_line_width (cr, 2.0);
              cairo_stroke (cr);
              cairo_restore (cr);
            }
          w = legend_text (r, rf, x + SWATCH + 5.0, cy, right, draw);
          x += SWATCH + 5.0 + w + ENTRY_GAP;
        }

      _gradlab_text_size (r->layout, pixel, &w, NULL);
      if (x > GRADLAB_PAD && x + SWATCH + 5.0 + w > right)
        {
          x = GRADLAB_PAD;
          y += row_h;
        }
      if (draw)
        draw_marker_shape (cr, x + SWATCH / 2.0, round (y + row_h / 2.0), 4.0);
      legend_text (r, pixel, x + SWATCH + 5.0, y + row_h / 2.0, right, draw);
      y += row_h;
      x = GRADLAB_PAD;
    }

  if (data->erf != NULL)
    {
      const char *title = r->erf_max > 0.0 ?
                          _("effective receptive field |∂ output / ∂ input|:") :
                          _("effective receptive field: gradient is zero everywhere");
      const char *lo = "0";
      const char *hi = _("max (√ colour scale)");
      double lo_w;
      double hi_w;
      double ramp_w;

      w = legend_text (r, title, x, y + row_h / 2.0, right, draw);
      x += w + 8.0;

      if (r->erf_max > 0.0)
        {
          _gradlab_text_size (r->layout, lo, &lo_w, NULL);
          _gradlab_text_size (r->layout, hi, &hi_w, NULL);
          if (x + lo_w + RAMP_W + hi_w + 12.0 > right)
            {
              x = GRADLAB_PAD;
              y += row_h;
            }
          /* A narrow view shrinks the ramp before the labels. */
          ramp_w = CLAMP (right - x - lo_w - hi_w - 12.0, 40.0, RAMP_W);
          if (draw)
            {
              double ry = round (y + (row_h - RAMP_H) / 2.0);
              double cy = y + row_h / 2.0;
              double rx;
              int i;

              _gradlab_set_color (cr, &data->fg, 0.8);
              _gradlab_text_draw (cr, r->layout, lo, x, cy, 0.0, 0.5);
              rx = round (x + lo_w + 4.0);
              for (i = 0; i < (int) ramp_w; i++)
                {
                  GdkRGBA c;

                  heat_color ((i + 0.5) / floor (ramp_w), &c);
                  _gradlab_set_color (cr, &c, 1.0);
                  cairo_rectangle (cr, rx + i, ry, 1.0, RAMP_H);
                  cairo_fill (cr);
                }
              _gradlab_set_color (cr, &data->fg, 0.4);
              cairo_set_line_width (cr, 1.0);
              cairo_rectangle (cr, rx - 0.5, ry - 0.5, floor (ramp_w) + 1.0, RAMP_H + 1.0);
              cairo_stroke (cr);
              legend_text (r, hi, rx + floor (ramp_w) + 4.0, cy, right, TRUE);
            }
        }
      y += row_h;
    }

  return y;
}

static void
draw_readout (Render *r,
              int     width,
              int     height)
{
  const GradlabRfViewData *data = r->data;
  const GradlabRfGeometry *g = &r->g;
  g_autofree char *head = g_strdup_printf (_("Input pixel (%d, %d)"), data->hover_x,
                                           data->hover_y);
  g_autofree char *erf = NULL;
  g_autofree char *inside = NULL;
  const char *lines[3];
  guint n = 0;

  lines[n++] = head;
  if (data->erf != NULL && r->erf_max > 0.0)
    {
      float v = data->erf[(gsize) data->hover_y * data->width + data->hover_x];

      erf = g_strdup_printf (_("|gradient| %.3g of max"),
                             isfinite (v) ? fabs (v) / r->erf_max : 0.0);
      lines[n++] = erf;
    }
  if (g->has_field)
    {
      gboolean in = data->hover_x >= g->field_x0 && data->hover_x <= g->field_x1 &&
                    data->hover_y >= g->field_y0 && data->hover_y <= g->field_y1;

      inside = g_strdup (in ? _("inside the theoretical field") :
                              _("outside the theoretical field"));
      lines[n++] = inside;
    }

  _gradlab_tooltip (r->cr, r->layout, lines, n, data->hover_px, data->hover_py, 0, 0, width,
                    height, &data->fg, &data->bg);
}

void
gradlab_rf_view_render (cairo_t                 *cr,
                        int                      width,
                        int                      height,
                        const GradlabRfViewData *data)
{
  Render r = { 0 };
  double legend_h;
  double avail_w;
  double avail_h;
  double scale;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (data != NULL);

  if (data->geometry_out != NULL)
    data->geometry_out->valid = FALSE;
  if (width <= 0 || height <= 0)
    return;

  cairo_save (cr);
  _gradlab_paint_background (cr, width, height, &data->bg, data->fill_background);
  r.data = data;
  r.cr = cr;
  r.layout = _gradlab_layout_new (cr);
  r.line_h = _gradlab_line_height (r.layout);

  if (!data_usable (data))
    {
      _gradlab_draw_empty (cr, r.layout, 0, 0, width, height, &data->fg, _("No input yet"));
      goto out;
    }

  r.erf_max = erf_max (data);
  legend_h = legend (&r, 0.0, width - GRADLAB_PAD, FALSE);

  /* Whole scale factors when the image fits at least once. */
  avail_w = width - 2 * GRADLAB_PAD;
  avail_h = height - 2 * GRADLAB_PAD - (legend_h > 0.0 ? legend_h + 6.0 : 0.0);
  scale = MIN (avail_w / data->width, avail_h / data->height);
  if (scale >= 1.0)
    scale = floor (scale);
  if (scale * MAX (data->width, data->height) < MIN_IMAGE)
    goto out;

  r.g.valid = TRUE;
  r.g.scale = scale;
  r.g.width = data->width;
  r.g.height = data->height;
  r.g.image_x = GRADLAB_PAD;
  r.g.image_y = GRADLAB_PAD;

  draw_image (&r);
  draw_heat (&r);

  cairo_save (cr);
  _gradlab_set_color (cr, &data->fg, 0.25);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, r.g.image_x - 0.5, r.g.image_y - 0.5, data->width * scale + 1.0,
                   data->height * scale + 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);

  if (field_chosen (data))
    {
      if (data->field_size > 0)
        draw_field (&r);
      draw_marker (&r);
    }

  legend (&r, ceil (r.g.image_y + data->height * scale + 6.0), width - GRADLAB_PAD, TRUE);

  if (data->hover && data->hover_x >= 0 && (guint) data->hover_x < data->width &&
      data->hover_y >= 0 && (guint) data->hover_y < data->height)
    draw_readout (&r, width, height);

  if (data->geometry_out != NULL)
    *data->geometry_out = r.g;

out:
  g_object_unref (r.layout);
  cairo_restore (cr);
}

/* ------------------------------------------------------------------------ */
/* Widget                                                                   */
/* ------------------------------------------------------------------------ */

struct _GradlabRfView
{
  GtkWidget          parent_instance;

  guint              channels;
  guint              height;
  guint              width;
  float             *image;
  float             *erf;
  int                field_x;
  int                field_y;
  int                field_size;
  double             erf_opacity;

  gboolean           hover;
  int                hover_x;
  int                hover_y;
  double             hover_px;
  double             hover_py;

  GradlabRfGeometry  geometry;
};

enum {
  PROP_0,
  PROP_ERF_OPACITY,
  N_PROPS
};

enum {
  PIXEL_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void renderable_iface_init (GradlabRenderableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GradlabRfView, gradlab_rf_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GRADLAB_TYPE_RENDERABLE,
                                                      renderable_iface_init))

static void
draw_to (GradlabRenderable *renderable,
         cairo_t           *cr,
         int                width,
         int                height,
         gboolean           for_export)
{
  GradlabRfView *self = GRADLAB_RF_VIEW (renderable);
  GradlabRfViewData data = { 0 };

  _gradlab_widget_colors (GTK_WIDGET (self), &data.fg, &data.bg);
  data.fill_background = for_export;
  data.channels = self->channels;
  data.height = self->height;
  data.width = self->width;
  data.image = self->image;
  data.field_x = self->field_x;
  data.field_y = self->field_y;
  data.field_size = self->field_size;
  data.erf = self->erf;
  data.erf_opacity = self->erf_opacity;
  if (!for_export)
    {
      data.hover = self->hover;
      data.hover_x = self->hover_x;
      data.hover_y = self->hover_y;
      data.hover_px = self->hover_px;
      data.hover_py = self->hover_py;
      data.geometry_out = &self->geometry;
    }

  gradlab_rf_view_render (cr, width, height, &data);
}

static void
renderable_iface_init (GradlabRenderableInterface *iface)
{
  iface->draw = draw_to;
}

static void
gradlab_rf_view_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  GradlabRfView *self = GRADLAB_RF_VIEW (widget);
  guint side = orientation == GTK_ORIENTATION_HORIZONTAL ? self->width : self->height;
  guint longest = MAX (self->width, self->height);
  double scale = longest > 0 ? MAX (1.0, floor (NATURAL_SIDE / longest)) : 1.0;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = (int) MAX (360.0, 2 * GRADLAB_PAD + side * scale);
    }
  else
    {
      /* Three legend rows at most, about 18 pixels each. */
      *minimum = 140;
      *natural = (int) (2 * GRADLAB_PAD + (side > 0 ? side * scale : 200.0) + 6.0 + 3 * 18.0);
    }
}

void
_gradlab_rf_view_motion (GradlabRfView *self,
                         double         x,
                         double         y)
{
  int ix = -1;
  int iy = -1;
  gboolean hover;

  g_return_if_fail (GRADLAB_IS_RF_VIEW (self));

  hover = gradlab_rf_geometry_pixel_at (&self->geometry, x, y, &ix, &iy);
  if (!hover && !self->hover)
    return;

  self->hover = hover;
  self->hover_x = ix;
  self->hover_y = iy;
  self->hover_px = x;
  self->hover_py = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
_gradlab_rf_view_leave (GradlabRfView *self)
{
  g_return_if_fail (GRADLAB_IS_RF_VIEW (self));

  if (!self->hover)
    return;

  self->hover = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
_gradlab_rf_view_click (GradlabRfView *self,
                        double         x,
                        double         y)
{
  int ix;
  int iy;

  g_return_val_if_fail (GRADLAB_IS_RF_VIEW (self), FALSE);

  if (self->image == NULL || !gradlab_rf_geometry_pixel_at (&self->geometry, x, y, &ix, &iy) ||
      (guint) ix >= self->width || (guint) iy >= self->height)
    return FALSE;

  g_signal_emit (self, signals[PIXEL_ACTIVATED], 0, ix, iy);

  return TRUE;
}

const GradlabRfGeometry *
_gradlab_rf_view_get_geometry (GradlabRfView *self)
{
  g_return_val_if_fail (GRADLAB_IS_RF_VIEW (self), NULL);

  return &self->geometry;
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            GradlabRfView   *self)
{
  if (_gradlab_rf_view_click (self, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           GradlabRfView            *self)
{
  _gradlab_rf_view_motion (self, x, y);
}

static void
leave_cb (GtkEventControllerMotion *controller,
          GradlabRfView            *self)
{
  _gradlab_rf_view_leave (self);
}

static void
gradlab_rf_view_finalize (GObject *object)
{
  GradlabRfView *self = GRADLAB_RF_VIEW (object);

  g_clear_pointer (&self->image, g_free);
  g_clear_pointer (&self->erf, g_free);

  G_OBJECT_CLASS (gradlab_rf_view_parent_class)->finalize (object);
}

static void
gradlab_rf_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GradlabRfView *self = GRADLAB_RF_VIEW (object);

  switch (prop_id)
    {
    case PROP_ERF_OPACITY:
      g_value_set_double (value, self->erf_opacity);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_rf_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GradlabRfView *self = GRADLAB_RF_VIEW (object);

  switch (prop_id)
    {
    case PROP_ERF_OPACITY:
      gradlab_rf_view_set_erf_opacity (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_rf_view_class_init (GradlabRfViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gradlab_rf_view_finalize;
  object_class->get_property = gradlab_rf_view_get_property;
  object_class->set_property = gradlab_rf_view_set_property;

  widget_class->snapshot = _gradlab_renderable_snapshot;
  widget_class->measure = gradlab_rf_view_measure;

  /**
   * GradlabRfView:erf-opacity:
   *
   * Opacity of the effective-receptive-field heatmap over the input.
   */
  properties[PROP_ERF_OPACITY] =
    g_param_spec_double ("erf-opacity", NULL, NULL, 0.0, 1.0, 0.7,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GradlabRfView::pixel-activated:
   * @self: the view
   * @x: image column
   * @y: image row
   *
   * Emitted on a primary click on the image. The view does not move the
   * field itself: the handler computes the new field and calls
   * gradlab_rf_view_set_field() and gradlab_rf_view_set_erf().
   */
  signals[PIXEL_ACTIVATED] =
    g_signal_new ("pixel-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);

  gtk_widget_class_set_css_name (widget_class, "gradlab-rf-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gradlab_rf_view_init (GradlabRfView *self)
{
  GtkEventController *motion;
  GtkGesture *click;

  self->field_x = self->field_y = -1;
  self->erf_opacity = 0.7;

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Receptive field"),
                                  -1);
}

GtkWidget *
gradlab_rf_view_new (void)
{
  return g_object_new (GRADLAB_TYPE_RF_VIEW, NULL);
}

void
gradlab_rf_view_set_image (GradlabRfView *self,
                           guint          channels,
                           guint          height,
                           guint          width,
                           const float   *image)
{
  gboolean resized;

  g_return_if_fail (GRADLAB_IS_RF_VIEW (self));
  g_return_if_fail (image == NULL || (channels >= 1 && channels <= 3));
  g_return_if_fail (image == NULL || (height >= 1 && height <= GRADLAB_RF_VIEW_MAX_SIDE));
  g_return_if_fail (image == NULL || (width >= 1 && width <= GRADLAB_RF_VIEW_MAX_SIDE));

  if (image == NULL)
    channels = height = width = 0;

  resized = height != self->height || width != self->width;
  g_clear_pointer (&self->image, g_free);
  self->channels = channels;
  self->height = height;
  self->width = width;
  if (image != NULL)
    self->image = g_memdup2 (image, (gsize) channels * height * width * sizeof (float));

  if (resized)
    {
      g_clear_pointer (&self->erf, g_free);
      if (self->field_x >= (int) width || self->field_y >= (int) height)
        self->field_x = self->field_y = -1;
      self->hover = FALSE;
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gradlab_rf_view_set_field (GradlabRfView *self,
                           int            cx,
                           int            cy,
                           int            rf_size)
{
  g_return_if_fail (GRADLAB_IS_RF_VIEW (self));

  if (cx < 0 || cy < 0 || cx >= (int) self->width || cy >= (int) self->height)
    cx = cy = -1;

  self->field_x = cx;
  self->field_y = cy;
  self->field_size = MAX (rf_size, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
gradlab_rf_view_get_field (GradlabRfView *self,
                           int           *cx,
                           int           *cy,
                           int           *rf_size)
{
  g_return_val_if_fail (GRADLAB_IS_RF_VIEW (self), FALSE);

  if (cx != NULL)
    *cx = self->field_x;
  if (cy != NULL)
    *cy = self->field_y;
  if (rf_size != NULL)
    *rf_size = self->field_x >= 0 ? self->field_size : 0;

  return self->field_x >= 0;
}

void
gradlab_rf_view_set_erf (GradlabRfView *self,
                         const float   *map)
{
  g_return_if_fail (GRADLAB_IS_RF_VIEW (self));

  g_clear_pointer (&self->erf, g_free);
  if (map != NULL && self->image != NULL)
    self->erf = g_memdup2 (map, (gsize) self->height * self->width * sizeof (float));

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
gradlab_rf_view_get_erf_opacity (GradlabRfView *self)
{
  g_return_val_if_fail (GRADLAB_IS_RF_VIEW (self), 0.0);

  return self->erf_opacity;
}

void
gradlab_rf_view_set_erf_opacity (GradlabRfView *self,
                                 double         opacity)
{
  g_return_if_fail (GRADLAB_IS_RF_VIEW (self));

  if (isnan (opacity))
    return;
  opacity = CLAMP (opacity, 0.0, 1.0);
  if (self->erf_opacity == opacity)
    return;

  self->erf_opacity = opacity;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERF_OPACITY]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
