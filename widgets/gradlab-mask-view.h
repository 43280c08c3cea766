/* gradlab-mask-view.h: segmentation samples as input | truth | prediction | errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Limits of the view: samples in the strip, classes, image side. */
#define GRADLAB_MASK_VIEW_MAX_SAMPLES 8
#define GRADLAB_MASK_VIEW_MAX_CLASSES 32
#define GRADLAB_MASK_VIEW_MAX_SIDE    512

/**
 * GradlabMaskColumn:
 * @GRADLAB_MASK_COLUMN_INPUT: the input image
 * @GRADLAB_MASK_COLUMN_TRUTH: the ground-truth mask
 * @GRADLAB_MASK_COLUMN_PREDICTION: the predicted mask
 * @GRADLAB_MASK_COLUMN_ERRORS: the error map
 * @GRADLAB_MASK_N_COLUMNS: number of columns
 */
typedef enum
{
  GRADLAB_MASK_COLUMN_INPUT,
  GRADLAB_MASK_COLUMN_TRUTH,
  GRADLAB_MASK_COLUMN_PREDICTION,
  GRADLAB_MASK_COLUMN_ERRORS,
  GRADLAB_MASK_N_COLUMNS,
} GradlabMaskColumn;

/**
 * GradlabMaskError:
 * @GRADLAB_MASK_CORRECT: no error (for the chosen class, when one is chosen)
 * @GRADLAB_MASK_FALSE_POSITIVE: see gradlab_mask_error_classify()
 * @GRADLAB_MASK_FALSE_NEGATIVE: see gradlab_mask_error_classify()
 * @GRADLAB_MASK_WRONG_CLASS: truth and prediction are two different
 *   non-background classes (a false positive of one class and a false
 *   negative of the other at once)
 * @GRADLAB_MASK_IGNORED: the truth is outside 0 .. n_classes - 1 (an
 *   ignore label such as -1); never an error
 */
typedef enum
{
  GRADLAB_MASK_CORRECT,
  GRADLAB_MASK_FALSE_POSITIVE,
  GRADLAB_MASK_FALSE_NEGATIVE,
  GRADLAB_MASK_WRONG_CLASS,
  GRADLAB_MASK_IGNORED,
} GradlabMaskError;

/**
 * gradlab_mask_error_classify:
 * @truth: true class id
 * @pred: predicted class id
 * @error_class: -1 for all non-background classes, else one class id
 * @n_classes: number of classes (background = class 0 included)
 *
 * How the error map colours one pixel. With @error_class = -1:
 * false positive = an object class predicted where the truth is
 * background; false negative = an object (truth != 0) predicted as
 * background; wrong class = an object predicted as another object. With
 * @error_class = c: false positive = c predicted, truth not c; false
 * negative = truth c, predicted not c; everything else is correct (for
 * c). A truth outside 0 .. @n_classes - 1 is %GRADLAB_MASK_IGNORED.
 *
 * Returns: the kind of error.
 */
GradlabMaskError gradlab_mask_error_classify (int   truth,
                                              int   pred,
                                              int   error_class,
                                              guint n_classes);

/**
 * gradlab_mask_error_color:
 * @kind: a kind of error
 * @out: (out caller-allocates): its colour in the error map
 *
 * False positive red #e01b24, false negative yellow #f6d32d, wrong class
 * light purple #dc8add. %GRADLAB_MASK_CORRECT and %GRADLAB_MASK_IGNORED
 * pixels show the input image dimmed to a third of its brightness; for
 * them @out is the swatch colour of the legend (dark grey).
 */
void             gradlab_mask_error_color    (GradlabMaskError  kind,
                                              GdkRGBA          *out);

/**
 * GradlabMaskGeometry:
 *
 * Where the renderer put the cells and legend entries; filled in when
 * asked for. Cell (sample k, column c) covers x in [col_x[c], col_x[c] +
 * cell_width), y in [row_y[k], row_y[k] + cell_height); image pixel
 * (x, y) of it covers scale x scale screen pixels from (col_x[c] + x *
 * scale, row_y[k] + y * scale).
 */
typedef struct
{
  gboolean valid;                                      /* FALSE in the empty state */
  guint    n_samples;                                  /* rows of cells */
  guint    image_width;                                /* W */
  guint    image_height;                               /* H */
  double   scale;                                      /* screen pixels per image pixel */
  double   cell_width;                                 /* W * scale */
  double   cell_height;                                /* H * scale */
  double   col_x[GRADLAB_MASK_N_COLUMNS];              /* left edge of each column */
  double   row_y[GRADLAB_MASK_VIEW_MAX_SAMPLES];       /* top edge of each sample */
  guint    n_legend;                                   /* class legend entries */
  double   legend_x[GRADLAB_MASK_VIEW_MAX_CLASSES];    /* class entry boxes */
  double   legend_y[GRADLAB_MASK_VIEW_MAX_CLASSES];
  double   legend_width[GRADLAB_MASK_VIEW_MAX_CLASSES];
  double   legend_height;
} GradlabMaskGeometry;

/**
 * gradlab_mask_geometry_cell_at:
 * @geometry: geometry from a render
 * @x: pixel x
 * @y: pixel y
 * @sample: (out) (optional): sample row under the point
 * @column: (out) (optional): column under the point
 * @image_x: (out) (optional): image column, 0 .. W - 1
 * @image_y: (out) (optional): image row, 0 .. H - 1
 *
 * Returns: %TRUE if (@x, @y) is on a cell.
 */
gboolean         gradlab_mask_geometry_cell_at   (const GradlabMaskGeometry *geometry,
                                                  double                     x,
                                                  double                     y,
                                                  int                       *sample,
                                                  GradlabMaskColumn         *column,
                                                  int                       *image_x,
                                                  int                       *image_y);

/**
 * gradlab_mask_geometry_legend_at:
 * @geometry: geometry from a render
 * @x: pixel x
 * @y: pixel y
 *
 * Returns: the class whose legend entry is under (@x, @y), or -1.
 */
int              gradlab_mask_geometry_legend_at (const GradlabMaskGeometry *geometry,
                                                  double                     x,
                                                  double                     y);

/**
 * GradlabMaskViewData:
 *
 * Everything gradlab_mask_view_render() draws; pointers are borrowed.
 * Image, truth and prediction of sample k start at k * C * H * W,
 * k * H * W and k * H * W; the probability of class c at (x, y) is
 * probs[((k * n_prob_classes + c) * H + y) * W + x].
 */
typedef struct
{
  GdkRGBA              fg;
  GdkRGBA              bg;
  gboolean             fill_background;
  guint                n_samples;      /* K, 0 .. 8 (0 = empty state) */
  guint                channels;       /* C: 1 grey, 3 RGB (else channel 0 as grey) */
  guint                height;         /* H, 1 .. 512 */
  guint                width;          /* W, 1 .. 512 */
  const float         *images;         /* (K, C, H, W) in [0, 1], or NULL (black) */
  const int32_t       *truth;          /* (K, H, W) class ids, or NULL */
  const int32_t       *pred;           /* (K, H, W) class ids, or NULL: "No prediction yet" */
  guint                n_prob_classes; /* classes in probs */
  const float         *probs;          /* (K, n_prob_classes, H, W), or NULL; read-out only */
  guint                n_classes;      /* classes, background = 0 included; 0 .. 32 */
  const char *const   *class_names;    /* (n_classes) or NULL: "class N" */
  const GdkRGBA       *class_colors;   /* (n_classes) or NULL: gradlab_class_color() */
  const gboolean      *class_visible;  /* (n_classes) or NULL: all visible */
  double               opacity;        /* mask opacity over the input, 0 .. 1 */
  int                  error_class;    /* -1 = all non-background classes, else a class */
  gboolean             hover;          /* draw the read-out of one pixel */
  int                  hover_sample;
  int                  hover_x;
  int                  hover_y;
  double               hover_px;       /* pointer position, for the read-out box */
  double               hover_py;
  int                  selected_sample; /* marked pixel, -1 = none */
  int                  selected_x;
  int                  selected_y;
  cairo_surface_t    **cell_cache;     /* (K * 4) or NULL; see below */
  GradlabMaskGeometry *geometry_out;   /* filled in if not NULL */
} GradlabMaskViewData;

/* cell_cache: cell images at image resolution, index k * 4 + column. A
 * NULL entry is built and stored there; the caller owns the surfaces and
 * must destroy them all whenever anything but the colours fg/bg, the
 * hover or the selection changes. Widgets use it so that a hover redraw
 * does not rebuild 8 x 4 images of up to 512 x 512 pixels. */

/**
 * gradlab_mask_view_render:
 * @cr: target
 * @width: width in pixels
 * @height: height in pixels
 * @data: what to draw
 *
 * Draws the class legend (hidden classes hollow and dimmed), the error
 * legend, the column headers "Input", "Ground truth", "Prediction" and
 * "Errors", and one row of four cells per sample. Every cell is the
 * image scaled by a whole factor when it fits (nearest neighbour, so mask
 * edges stay hard). Truth and prediction cells show the input with the
 * visible classes blended in at @opacity; class 0 is transparent below
 * opacity 1 and drawn in its colour at 1, where the masks stand alone
 * beside the input. Hidden classes and ignored truth pixels are always
 * transparent. The error cell shows the input dimmed with errors in the
 * colours of gradlab_mask_error_color().
 */
void             gradlab_mask_view_render        (cairo_t                   *cr,
                                                  int                        width,
                                                  int                        height,
                                                  const GradlabMaskViewData *data);

/**
 * gradlab_mask_view_natural_size:
 * @data: what would be drawn
 * @width: (out): natural width
 * @height: (out): natural height
 *
 * The size at which each cell is about 128 pixels (a whole scale of the
 * image, at least 1), legends on one line each.
 */
void             gradlab_mask_view_natural_size  (const GradlabMaskViewData *data,
                                                  int                       *width,
                                                  int                       *height);

#define GRADLAB_TYPE_MASK_VIEW (gradlab_mask_view_get_type ())

G_DECLARE_FINAL_TYPE (GradlabMaskView, gradlab_mask_view, GRADLAB, MASK_VIEW, GtkWidget)

/**
 * gradlab_mask_view_new:
 *
 * Returns: (transfer floating): a new, empty view (opacity 0.5, errors
 * of all non-background classes).
 */
GtkWidget       *gradlab_mask_view_new              (void);

/**
 * gradlab_mask_view_set_samples:
 * @self: a view
 * @n_samples: K, 0 .. 8; 0 clears the view
 * @channels: C of the images, 1 or 3
 * @height: H, 1 .. 512
 * @width: W, 1 .. 512
 * @images: (array) (nullable): (K, C, H, W) floats in [0, 1]; copied
 * @truth: (array) (nullable): (K, H, W) true class ids; copied
 * @pred: (array) (nullable): (K, H, W) predicted class ids; copied
 * @n_prob_classes: classes in @probs (0 when @probs is NULL)
 * @probs: (array) (nullable): (K, n_prob_classes, H, W) class
 *   probabilities for the hover read-out; copied
 *
 * Replaces the samples. Out-of-range sizes are refused with a critical
 * and leave the view unchanged. Drops the selected pixel if it no longer
 * exists.
 */
void             gradlab_mask_view_set_samples      (GradlabMaskView   *self,
                                                     guint              n_samples,
                                                     guint              channels,
                                                     guint              height,
                                                     guint              width,
                                                     const float       *images,
                                                     const int32_t     *truth,
                                                     const int32_t     *pred,
                                                     guint              n_prob_classes,
                                                     const float       *probs);

/**
 * gradlab_mask_view_set_prediction:
 * @self: a view
 * @pred: (array) (nullable): (K, H, W) predicted class ids for the
 *   current samples; copied
 * @n_prob_classes: classes in @probs
 * @probs: (array) (nullable): (K, n_prob_classes, H, W); copied
 *
 * Replaces only the prediction, for live refreshes while training.
 */
void             gradlab_mask_view_set_prediction   (GradlabMaskView   *self,
                                                     const int32_t     *pred,
                                                     guint              n_prob_classes,
                                                     const float       *probs);

/**
 * gradlab_mask_view_set_classes:
 * @self: a view
 * @n_classes: number of classes, background (0) included; 0 .. 32
 * @names: (array length=n_classes) (nullable): class names; copied.
 *   NULL, or a NULL entry, gives "class N".
 * @colors: (array length=n_classes) (nullable): colours; copied. NULL
 *   gives gradlab_class_color().
 *
 * Sets the legend. A change of @n_classes makes every class visible again.
 */
void             gradlab_mask_view_set_classes      (GradlabMaskView   *self,
                                                     guint              n_classes,
                                                     const char *const *names,
                                                     const GdkRGBA     *colors);

/**
 * gradlab_mask_view_get_n_classes:
 * @self: a view
 *
 * Returns: the number of classes set.
 */
guint            gradlab_mask_view_get_n_classes    (GradlabMaskView   *self);

/**
 * gradlab_mask_view_set_class_visible:
 * @self: a view
 * @class_id: 0 .. n_classes - 1; others are ignored
 * @visible: whether the class's colour is drawn in the masks
 *
 * Shows or hides one class; emits #GradlabMaskView::class-toggled on a
 * change. Clicking a legend entry does the same.
 */
void             gradlab_mask_view_set_class_visible (GradlabMaskView  *self,
                                                      int               class_id,
                                                      gboolean          visible);

/**
 * gradlab_mask_view_get_class_visible:
 * @self: a view
 * @class_id: a class
 *
 * Returns: whether the class is drawn (%FALSE for a bad id).
 */
gboolean         gradlab_mask_view_get_class_visible (GradlabMaskView  *self,
                                                      int               class_id);

/**
 * gradlab_mask_view_set_selected_pixel:
 * @self: a view
 * @sample: sample row, or -1 to clear the mark
 * @x: image column
 * @y: image row
 *
 * Marks one pixel in every cell of a sample (the receptive-field lab's
 * chosen output pixel). Out-of-range positions clear the mark. A click on
 * a prediction cell sets it too.
 */
void             gradlab_mask_view_set_selected_pixel (GradlabMaskView *self,
                                                       int              sample,
                                                       int              x,
                                                       int              y);

/**
 * gradlab_mask_view_get_selected_pixel:
 * @self: a view
 * @sample: (out) (optional): sample, -1 when nothing is marked
 * @x: (out) (optional): image column
 * @y: (out) (optional): image row
 *
 * Returns: %TRUE if a pixel is marked.
 */
gboolean         gradlab_mask_view_get_selected_pixel (GradlabMaskView *self,
                                                       int             *sample,
                                                       int             *x,
                                                       int             *y);

/* Properties: "opacity" (double 0 .. 1, default 0.5: the masks' opacity
 * over the input; 1 = masks alone, side by side with the input) and
 * "error-class" (int -1 .. 31, default -1: the error map's class, -1 for
 * all non-background classes). Setters clamp and notify only on change. */
double           gradlab_mask_view_get_opacity      (GradlabMaskView   *self);
void             gradlab_mask_view_set_opacity      (GradlabMaskView   *self,
                                                     double             opacity);
int              gradlab_mask_view_get_error_class  (GradlabMaskView   *self);
void             gradlab_mask_view_set_error_class  (GradlabMaskView   *self,
                                                     int                error_class);

G_END_DECLS
