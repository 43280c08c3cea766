/* gradlab-neuron-grid.c: thumbnails of every hidden unit's output
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "gradlab-neuron-grid.h"

#include <glib/gi18n.h>
#include <math.h>

#include "gradlab-colors.h"
#include "gradlab-draw-private.h"
#include "gradlab-renderable.h"

#define ROW_GAP       6.0
#define COL_EXTRA     20.0
#define DEFAULT_THUMB 48
#define EMPTY_W       240
#define EMPTY_H       120

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

typedef struct
{
  double line_h;
  double thumb;
  double col_w;
  double header_h;
  guint  max_rows;
  gboolean overflow;
} Layout;

static void
compute_layout (const GradlabNeuronGridData *data,
                double                       line_h,
                Layout                      *l)
{
  guint i;

  l->line_h = line_h;
  l->thumb = CLAMP (data->thumb_size > 0 ? data->thumb_size : DEFAULT_THUMB, 8, 512);
  l->col_w = l->thumb + COL_EXTRA;
  l->header_h = line_h + 8.0;
  l->max_rows = 0;
  l->overflow = FALSE;

  for (i = 0; i < data->n_layers; i++)
    {
      guint n = data->n_units != NULL ? data->n_units[i] : 0;

      l->max_rows = MAX (l->max_rows, MIN (n, GRADLAB_NEURON_GRID_MAX_ROWS));
      l->overflow = l->overflow || n > GRADLAB_NEURON_GRID_MAX_ROWS;
    }
}

void
gradlab_neuron_grid_natural_size (const GradlabNeuronGridData *data,
                                  int                         *width,
                                  int                         *height)
{
  Layout l;

  g_return_if_fail (data != NULL);

  if (data->n_layers == 0)
    {
      *width = EMPTY_W;
      *height = EMPTY_H;
      return;
    }

  /* About the line height of "Sans 9" at 96 dpi, rounded up; measured text is not needed
   * for a size request, and no cairo context exists here. */
  compute_layout (data, 17.0, &l);
  *width = (int) ceil (2 * GRADLAB_PAD + data->n_layers * l.col_w);
  *height = (int) ceil (2 * GRADLAB_PAD + l.header_h + l.max_rows * (l.thumb + ROW_GAP) +
                        (l.overflow ? l.line_h + 4.0 : 0.0));
}

static void
draw_thumb (cairo_t                     *cr,
            const GradlabNeuronGridData *data,
            const float                 *v,
            gboolean                     signed_layer,
            double                       x,
            double                       y,
            double                       size)
{
  cairo_surface_t *image;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;
  gsize n = (gsize) data->gw * data->gh;
  guint8 *pixels;
  int stride;
  double scale = 0.0;
  guint i;
  guint j;

  for (i = 0; i < n; i++)
    if (isfinite (v[i]))
      scale = MAX (scale, signed_layer ? fabs (v[i]) : v[i]);
  if (scale <= 0.0)
    scale = 1.0;

  image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, data->gw, data->gh);
  if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      return;
    }
  cairo_surface_flush (image);
  pixels = cairo_image_surface_get_data (image);
  stride = cairo_image_surface_get_stride (image);

  for (j = 0; j < data->gh; j++)
    {
      guint32 *row = (guint32 *) (void *) (pixels + (data->gh - 1 - j) * stride);

      for (i = 0; i < data->gw; i++)
        {
          float value = v[(gsize) j * data->gw + i];
          GdkRGBA c;

          if (!isfinite (value))
            c = (GdkRGBA) { 0.93f, 0.0f, 0.93f, 1.0f };
          else if (signed_layer)
            gradlab_colormap_diverging (value / scale, &c);
          else
            gradlab_colormap_sequential (value / scale, &c);

          row[i] = 0xff000000u |
                   ((guint32) round (c.red * 255) << 16) |
                   ((guint32) round (c.green * 255) << 8) |
                   (guint32) round (c.blue * 255);
        }
    }
  cairo_surface_mark_dirty (image);

  pattern = cairo_pattern_create_for_surface (image);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_matrix_init_scale (&matrix, data->gw / size, data->gh / size);
  cairo_matrix_translate (&matrix, -x, -y);
  cairo_pattern_set_matrix (pattern, &matrix);

  cairo_save (cr);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, x, y, size, size);
  cairo_fill (cr);
  _gradlab_set_color (cr, &data->fg, 0.25);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, x - 0.5, y - 0.5, size + 1.0, size + 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);

  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (image);
}

void
gradlab_neuron_grid_render (cairo_t                     *cr,
                            int                          width,
                            int                          height,
                            const GradlabNeuronGridData *data)
{
  PangoLayout *layout;
  Layout l;
  gsize offset = 0;
  gsize plane;
  guint i;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (data != NULL);

  if (width <= 0 || height <= 0)
    return;

  cairo_save (cr);
  _gradlab_paint_background (cr, width, height, &data->bg, data->fill_background);
  layout = _gradlab_layout_new (cr);

  if (data->n_layers == 0 || data->n_units == NULL || data->gw == 0 || data->gh == 0)
    {
      _gradlab_draw_empty (cr, layout, 0, 0, width, height, &data->fg, _("No data yet"));
      goto out;
    }

  compute_layout (data, _gradlab_line_height (layout), &l);
  plane = (gsize) data->gw * data->gh;

  for (i = 0; i < data->n_layers; i++)
    {
      g_autofree char *fallback = NULL;
      const char *name = data->names != NULL ? data->names[i] : NULL;
      double cx = GRADLAB_PAD + (i + 0.5) * l.col_w;
      double tx = round (cx - l.thumb / 2.0);
      guint n = data->n_units[i];
      guint shown = MIN (n, GRADLAB_NEURON_GRID_MAX_ROWS);
      gboolean signed_layer = FALSE;
      guint u;

      if (name == NULL)
        name = fallback = g_strdup_printf (_("Layer %u"), i + 1);

      _gradlab_layout_set_bold (layout, TRUE);
      _gradlab_text_ellipsize (layout, l.col_w - 4.0);
      _gradlab_set_color (cr, &data->fg, 0.9);
      _gradlab_text_draw (cr, layout, name, cx, GRADLAB_PAD, 0.5, 0.0);
      _gradlab_text_ellipsize (layout, -1);
      _gradlab_layout_set_bold (layout, FALSE);

      if (data->values != NULL)
        {
          gsize k;

          /* One map per layer, so neighbouring thumbnails compare. */
          for (k = 0; k < (gsize) n * plane && !signed_layer; k++)
            signed_layer = data->values[offset * plane + k] < 0.0f;

          for (u = 0; u < shown; u++)
            draw_thumb (cr, data, data->values + (offset + u) * plane, signed_layer, tx,
                        round (GRADLAB_PAD + l.header_h + u * (l.thumb + ROW_GAP)), l.thumb);
        }

      if (n > shown)
        {
          g_autofree char *more = g_strdup_printf (_("+%u more"), n - shown);

          _gradlab_set_color (cr, &data->fg, 0.6);
          _gradlab_text_draw (cr, layout, more, cx,
                              GRADLAB_PAD + l.header_h + shown * (l.thumb + ROW_GAP), 0.5, 0.0);
        }

      offset += n;
    }

out:
  g_object_unref (layout);
  cairo_restore (cr);
}

/* ------------------------------------------------------------------------ */
/* Widget                                                                   */
/* ------------------------------------------------------------------------ */

struct _GradlabNeuronGrid
{
  GtkWidget  parent_instance;

  GStrv      names;
  guint     *n_units;
  guint      n_layers;
  guint      gw;
  guint      gh;
  float     *values;
  int        thumb_size;
};

enum {
  PROP_0,
  PROP_THUMBNAIL_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void renderable_iface_init (GradlabRenderableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GradlabNeuronGrid, gradlab_neuron_grid, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GRADLAB_TYPE_RENDERABLE,
                                                      renderable_iface_init))

static void
fill_data (GradlabNeuronGrid     *self,
           GradlabNeuronGridData *data)
{
  data->n_layers = self->n_layers;
  data->names = (const char *const *) self->names;
  data->n_units = self->n_units;
  data->gw = self->gw;
  data->gh = self->gh;
  data->values = self->values;
  data->thumb_size = self->thumb_size;
}

static void
draw_to (GradlabRenderable *renderable,
         cairo_t           *cr,
         int                width,
         int                height,
         gboolean           for_export)
{
  GradlabNeuronGrid *self = GRADLAB_NEURON_GRID (renderable);
  GradlabNeuronGridData data = { 0 };

  fill_data (self, &data);
  _gradlab_widget_colors (GTK_WIDGET (self), &data.fg, &data.bg);
  data.fill_background = for_export;

  gradlab_neuron_grid_render (cr, width, height, &data);
}

static void
renderable_iface_init (GradlabRenderableInterface *iface)
{
  iface->draw = draw_to;
}

static void
gradlab_neuron_grid_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  GradlabNeuronGridData data = { 0 };
  int width;
  int height;

  fill_data (GRADLAB_NEURON_GRID (widget), &data);
  gradlab_neuron_grid_natural_size (&data, &width, &height);

  /* The full size is the minimum too: a scrolled window shows the rest. */
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? width : height;
}

static void
gradlab_neuron_grid_finalize (GObject *object)
{
  GradlabNeuronGrid *self = GRADLAB_NEURON_GRID (object);

  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->n_units, g_free);
  g_clear_pointer (&self->values, g_free);

  G_OBJECT_CLASS (gradlab_neuron_grid_parent_class)->finalize (object);
}

static void
gradlab_neuron_grid_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GradlabNeuronGrid *self = GRADLAB_NEURON_GRID (object);

  switch (prop_id)
    {
    case PROP_THUMBNAIL_SIZE:
      g_value_set_int (value, self->thumb_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_neuron_grid_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GradlabNeuronGrid *self = GRADLAB_NEURON_GRID (object);

  switch (prop_id)
    {
    case PROP_THUMBNAIL_SIZE:
      gradlab_neuron_grid_set_thumbnail_size (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gradlab_neuron_grid_class_init (GradlabNeuronGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gradlab_neuron_grid_finalize;
  object_class->get_property = gradlab_neuron_grid_get_property;
  object_class->set_property = gradlab_neuron_grid_set_property;

  widget_class->snapshot = _gradlab_renderable_snapshot;
  widget_class->measure = gradlab_neuron_grid_measure;

  /**
   * GradlabNeuronGrid:thumbnail-size:
   *
   * Edge of each unit's thumbnail, in pixels.
   */
  properties[PROP_THUMBNAIL_SIZE] =
    g_param_spec_int ("thumbnail-size", NULL, NULL, 16, 256, DEFAULT_THUMB,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "gradlab-neuron-grid");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gradlab_neuron_grid_init (GradlabNeuronGrid *self)
{
  self->thumb_size = DEFAULT_THUMB;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Hidden unit outputs"),
                                  -1);
}

GtkWidget *
gradlab_neuron_grid_new (void)
{
  return g_object_new (GRADLAB_TYPE_NEURON_GRID, NULL);
}

void
gradlab_neuron_grid_set_data (GradlabNeuronGrid *self,
                              guint              n_layers,
                              const char *const *names,
                              const guint       *n_units,
                              guint              gw,
                              guint              gh,
                              const float       *values)
{
  gboolean relayout;
  gsize total = 0;
  guint i;

  g_return_if_fail (GRADLAB_IS_NEURON_GRID (self));
  g_return_if_fail (n_layers == 0 || n_units != NULL);

  relayout = n_layers != self->n_layers;
  for (i = 0; i < n_layers && !relayout; i++)
    relayout = n_units[i] != self->n_units[i];

  g_clear_pointer (&self->names, g_strfreev);
  self->names = g_new0 (char *, n_layers + 1);
  for (i = 0; i < n_layers; i++)
    {
      self->names[i] = names != NULL && names[i] != NULL ?
                       g_strdup (names[i]) : g_strdup_printf (_("Layer %u"), i + 1);
      total += n_units[i];
    }

  g_free (self->n_units);
  self->n_units = n_layers > 0 ? g_memdup2 (n_units, n_layers * sizeof (guint)) : NULL;
  self->n_layers = n_layers;
  self->gw = gw;
  self->gh = gh;

  g_clear_pointer (&self->values, g_free);
  if (values != NULL && total > 0 && gw > 0 && gh > 0)
    self->values = g_memdup2 (values, total * gw * gh * sizeof (float));

  if (relayout)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
gradlab_neuron_grid_get_thumbnail_size (GradlabNeuronGrid *self)
{
  g_return_val_if_fail (GRADLAB_IS_NEURON_GRID (self), DEFAULT_THUMB);

  return self->thumb_size;
}

void
gradlab_neuron_grid_set_thumbnail_size (GradlabNeuronGrid *self,
                                        int                size)
{
  g_return_if_fail (GRADLAB_IS_NEURON_GRID (self));

  size = CLAMP (size, 16, 256);
  if (self->thumb_size == size)
    return;

  self->thumb_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL_SIZE]);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}
