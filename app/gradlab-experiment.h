#pragma once

#include <glib.h>

#include "gr-dataset.h"
#include "gr-session.h"

G_BEGIN_DECLS

/* Experiment files: one JSON document describing a whole run (data set,
 * network, knobs, knob timeline, length, seed), read and written here for
 * both gradlab-run and the app, so a run saved from the app replays
 * exactly in the runner. Every preset in data/presets/ is one:
 *
 *   {
 *     "name": "spiral",              (default: the file name without .json)
 *     "description": "one line",     (shown by gradlab-run --list)
 *     "lab": "playground",           (playground, activations, batchnorm, residual,
 *                                     overfitting, losses, doctor, segmentation,
 *                                     receptive-field)
 *     "data": { "name": "spiral", "n": 1000, "noise": 0.1, "seed": 1 },
 *     "model": { "mlp": { "depth": 2, "width": 16, "activation": "tanh" } },
 *     "knobs": { "optimizer": "adam", "lr": 0.01, "class_weights": [1, 10] },
 *     "timeline": [ { "step": 500, "set": { "lr": 0.001 } } ],
 *     "epochs": 100,                 (or "steps"; not both)
 *     "seed": 1, "eval_every": 250, "max_batch": 0
 *   }
 *
 * data: "name" and the options of GradlabDataSpec (file keys = field
 * names; "features" is a list of x1, x2, x1_sq, x2_sq, x1_x2, sin_x1,
 * sin_x2; "fit" is "resize" or "crop"; "normalize" is "none" or
 * "standard"). An option the set does not take is an error.
 *
 * model: either "mlp" with depth, width, widths [..] (sets the depth too),
 * activation, batch_norm, dropout, residual, softmax, outputs (0 = from
 * the data), bias_init (the constant every hidden dense layer's biases
 * start at; 0 by default); or "layers", a list of nodes in order:
 *   { "type": T, "name": N, "inputs": [names] (default: the previous node;
 *     the network's input is "input"), options }
 * with T one of dense (units, bias, bias_init), conv2d (filters, kernel = 3,
 * stride, padding, dilation, bias, bias_init), batchnorm (momentum, eps), dropout and
 * spatial_dropout (p), maxpool and avgpool (kernel = 2, stride, padding),
 * gap, upsample (scale = 2), add, concat, softmax, act (activation), or an
 * activation name as a shorthand for act: identity, sigmoid, tanh, relu,
 * leaky_relu, elu, gelu (options fixed, slope). Unnamed nodes get the
 * engine's names (dense1, act2, ...).
 *
 * The model's activation (the MLP's, or the first activation node's) and
 * dropout p are the "activation" and "dropout" knobs at step 1 unless
 * "knobs" names them. Activation nodes whose function differs from the
 * knob are marked fixed (the knob leaves them alone) unless "fixed" says
 * otherwise.
 *
 * knobs: any name of gr_knobs_names (); values as JSON numbers, strings or
 * booleans, lists for class_weights and focal_alpha. timeline entries may
 * not change knobs that need a rebuild (init, init_sigma).
 *
 * Errors name the file, the line and the field, e.g.
 * "spiral-bad.json:12: knobs.lr: -0.1 is outside (0, 100]". json-glib
 * keeps no positions, so the loader scans the raw text once for the line
 * of every member and array element; the field is given as its JSON path
 * (model.layers[3].type). */

#define GRADLAB_EXPERIMENT_ERROR (gradlab_experiment_error_quark ())

typedef enum
{
  GRADLAB_EXPERIMENT_ERROR_IO,         /* a file cannot be read or written */
  GRADLAB_EXPERIMENT_ERROR_SYNTAX,     /* not JSON; the message has FILE:LINE:COLUMN */
  GRADLAB_EXPERIMENT_ERROR_INVALID,    /* a field (or --set) is unknown, mistyped or out of range */
  GRADLAB_EXPERIMENT_ERROR_NOT_FOUND,  /* no preset of that name */
  GRADLAB_EXPERIMENT_ERROR_DATA,       /* the data set cannot be made (e.g. a missing file) */
  GRADLAB_EXPERIMENT_ERROR_MODEL,      /* the network does not build or does not fit the data */
} GradlabExperimentError;

GQuark gradlab_experiment_error_quark (void);

/* The data set of a run and its options. Plain value apart from @dir.
 * The loader rejects an option the set does not take. */
typedef struct
{
  char     name[32];        /* spiral, circles, xor, gauss, regression, digits,
                             * seg-synthetic, png-folder */
  guint64  seed;            /* the data's own seed: generation, split, subset,
                             * faults; independent of the run's seed (default 1) */
  int      n;               /* samples to generate (toys, regression, seg-synthetic) */
  float    noise;           /* toys, regression, seg-synthetic: 0..1 */
  float    val_share;       /* share held out for validation, (0, 1); 0 = the
                             * set's default (digits: the canonical 360 samples) */
  unsigned features;        /* toys: GrdToyFeatures mask of the inputs */
  float    train_subset;    /* share of the training split kept, (0, 1] */
  float    shuffle_labels;  /* share of training targets shuffled, [0, 1] */
  int      misalign;        /* training targets rotated by this many samples */
  float    input_scale;     /* every input becomes x * input_scale + input_shift */
  float    input_shift;     /* (both splits; 1 and 0 leave them alone) */
  gboolean image;           /* digits: samples are 1x8x8 images, not 64 features */
  float    augment;         /* digits, seg-synthetic, png-folder: random shifts of
                             * up to this many pixels (plus flips for the
                             * segmentation sets) on training batches; 0 = off */
  int      height;          /* seg-synthetic, png-folder: image size (png: 0 = the */
  int      width;           /* first pair's size) */
  int      channels;        /* seg-synthetic: 1 or 3; png-folder: 0 = infer */
  int      classes;         /* seg-synthetic: 3 or 4; png-folder: 0 = infer */
  float    rare_share;      /* seg-synthetic: pixel share of the object classes */
  gboolean crop;            /* png-folder: centre-crop to the size instead of resizing */
  int      ignore_label;    /* png-folder: mask value meaning "no label"; -1 = none */
  gboolean normalize;       /* "normalize": "standard" (TRUE): the session
                             * standardizes every input feature with the
                             * training split's mean and std (both splits, after
                             * input_scale/shift; gradlab_experiment_new_session
                             * () -> gr_session_standardize_inputs ()); "none"
                             * (FALSE, the default) leaves them */
  char    *dir;             /* png-folder: the folder holding images/ and masks/; owned */
} GradlabDataSpec;

typedef enum
{
  GRADLAB_MODEL_MLP,     /* the network is experiment->mlp */
  GRADLAB_MODEL_LAYERS,  /* the network is experiment->layers */
} GradlabModelKind;

/* One timeline entry: at step @step (the first step that runs with it)
 * set knob @key to @value (text as for gr_knobs_set ()). */
typedef struct
{
  gint64 step;
  char   key[32];
  char   value[128];
} GradlabTimelineEntry;

/* A whole experiment. The public fields may be read and changed freely
 * (call gradlab_experiment_validate () after changing them by hand); the
 * private ones are for messages. */
typedef struct
{
  char            *name;         /* the preset or file name; owned */
  char            *description;  /* one line, shown by --list; owned */
  char            *lab;          /* the app's lab: playground, activations, batchnorm,
                                  * residual, overfitting, losses, doctor,
                                  * segmentation, receptive-field; owned */
  GradlabDataSpec  data;
  GradlabModelKind model_kind;
  GrMlpSpec        mlp;          /* MLP: outputs 0 = from the data */
  GrModelSpec      layers;       /* LAYERS: inputs[] are node indices (0 = the
                                  * input); the input shape comes from the data */
  GrKnobs          knobs;        /* the knobs at step 1 */
  GArray          *timeline;     /* of GradlabTimelineEntry, in file order */
  gint64           steps;        /* run length in steps; 0 = by epochs */
  int              epochs;       /* run length in epochs when steps is 0 */
  guint64          seed;         /* the run's seed: init, batches, dropout */
  int              eval_every;   /* steps between evaluations; 0 = once per epoch */
  int              max_batch;    /* 0 = the largest batch size of knobs and timeline
                                  * (at least 256 for feature-vector data) */

  /* private */
  char            *source;       /* the file name in messages ("spiral.json") */
  GHashTable      *lines;        /* JSON path -> line, from the last load */
} GradlabExperiment;

/* The default experiment: a small tanh MLP on the spiral, SGD. Never
 * NULL; free with gradlab_experiment_free (). */
GradlabExperiment *gradlab_experiment_new          (void);
/* Frees @self; NULL is fine. */
void               gradlab_experiment_free         (GradlabExperiment       *self);
/* A deep copy of @self. */
GradlabExperiment *gradlab_experiment_copy         (const GradlabExperiment *self);

/* Parses the experiment in @text (@len bytes, or -1 if NUL-terminated);
 * @source names it in messages. Returns a new experiment, or NULL with a
 * GRADLAB_EXPERIMENT_ERROR naming source, line and field. Relative
 * data.dir paths are taken relative to @base_dir (NULL: as they are). */
GradlabExperiment *gradlab_experiment_load_data    (const char              *text,
                                                    gssize                   len,
                                                    const char              *source,
                                                    const char              *base_dir,
                                                    GError                 **error);
/* Reads and parses the file at @path; the name defaults to its basename
 * without ".json". Same ownership and failure value. */
GradlabExperiment *gradlab_experiment_load_file    (const char              *path,
                                                    GError                 **error);
/* Loads the preset @name (embedded in the program as a GResource).
 * GRADLAB_EXPERIMENT_ERROR_NOT_FOUND if there is none, with the closest
 * name suggested. */
GradlabExperiment *gradlab_experiment_load_preset  (const char              *name,
                                                    GError                 **error);
/* Loads @preset_or_path: a file if it ends in ".json", contains a '/' or
 * names an existing file; else a preset. */
GradlabExperiment *gradlab_experiment_load         (const char              *preset_or_path,
                                                    GError                 **error);

/* One preset, as listed by gradlab-run --list. */
typedef struct
{
  char *name;
  char *lab;
  char *description;
} GradlabPresetInfo;

void               gradlab_preset_info_free        (GradlabPresetInfo       *info);
/* Every embedded preset, sorted by name. Returns a new GPtrArray of
 * GradlabPresetInfo (it frees its elements), or NULL with an error if a
 * preset does not load (a packaging bug). */
GPtrArray         *gradlab_experiment_list_presets (GError                 **error);

/* Writes @self as an experiment file: every knob, every data option of
 * its set, the model and the timeline, so that loading it gives the same
 * experiment. Returns a new NUL-terminated string ending in a newline. */
char              *gradlab_experiment_to_json      (const GradlabExperiment *self);
/* gradlab_experiment_to_json () into @path, atomically. */
gboolean           gradlab_experiment_save         (const GradlabExperiment *self,
                                                    const char              *path,
                                                    GError                 **error);

/* Sets one field from text, as `--set KEY=VALUE` does: KEY is a knob name
 * (lr, optimizer, ...), data.OPTION (data.noise, data.name, ...),
 * model.OPTION of an MLP (model.depth, model.width, model.widths=64,32,
 * model.activation, model.batch_norm, model.dropout, model.residual,
 * model.softmax, model.outputs; "model.mlp.depth" works too), or one of
 * steps, epochs, seed, eval_every, max_batch, name, description, lab.
 * model.activation and model.dropout also set the matching knob (the
 * model's value is the knob's value at step 1). On failure returns FALSE
 * with GRADLAB_EXPERIMENT_ERROR_INVALID naming KEY (and the closest
 * valid key for a typo) and leaves @self unchanged. */
gboolean           gradlab_experiment_set          (GradlabExperiment       *self,
                                                    const char              *key,
                                                    const char              *value,
                                                    GError                 **error);
/* gradlab_experiment_set () on "KEY=VALUE"; the message quotes
 * "--set KEY=VALUE". */
gboolean           gradlab_experiment_apply_set    (GradlabExperiment       *self,
                                                    const char              *assignment,
                                                    GError                 **error);

/* Appends a timeline entry (the app records live knob changes this way,
 * @step being the first step that ran with the change). Fails, changing
 * nothing, for an unknown knob, a bad value, a knob that needs a reset,
 * or @step < 1. */
gboolean           gradlab_experiment_add_timeline (GradlabExperiment       *self,
                                                    gint64                   step,
                                                    const char              *key,
                                                    const char              *value,
                                                    GError                 **error);

/* Checks everything that can be checked without the data: knob ranges,
 * the timeline, lengths. */
gboolean           gradlab_experiment_validate     (const GradlabExperiment *self,
                                                    GError                 **error);

/* The resolved maximum batch (see max_batch) for data like @train (NULL:
 * not known, no minimum of 256). */
int                gradlab_experiment_max_batch    (const GradlabExperiment *self,
                                                    const GrDataset         *train);

/* The two splits of a run. */
typedef struct
{
  GrDataset *train;     /* owned */
  GrDataset *val;       /* owned */
  char     **warnings;  /* NULL-terminated, owned: files a loader skipped and
                         * why ("DIR/masks/a.png: truncated PNG"); may be NULL */
} GradlabData;

/* Builds the data of @self: generates or loads the set, splits it, keeps
 * the training subset, applies the faults and augmentation. Returns a new
 * GradlabData (free with gradlab_data_free ()), or NULL with
 * GRADLAB_EXPERIMENT_ERROR_DATA. Shipped files are found through
 * gradlab_paths_find_data (). */
GradlabData       *gradlab_experiment_make_data    (const GradlabExperiment *self,
                                                    GError                 **error);
void               gradlab_data_free               (GradlabData             *data);

/* The network of @self for data whose samples look like @train's: the
 * MLP expanded, or the layer list with its input shape. Checks that the
 * layers fit together (naming the layer, its line and path); FALSE with
 * GRADLAB_EXPERIMENT_ERROR_MODEL if not. */
gboolean           gradlab_experiment_model_spec   (const GradlabExperiment *self,
                                                    const GrDataset         *train,
                                                    GrModelSpec             *out,
                                                    GError                 **error);
/* Fills a session configuration (model, knobs, seed, max batch) for
 * @train, with @threads threads (<= 0: 1). */
gboolean           gradlab_experiment_session_config (const GradlabExperiment *self,
                                                    const GrDataset         *train,
                                                    int                      threads,
                                                    GrSessionConfig         *out,
                                                    GError                 **error);
/* Adds @self's timeline to @session (before its first step). */
gboolean           gradlab_experiment_apply_timeline (const GradlabExperiment *self,
                                                    GrSession               *session,
                                                    GError                 **error);
/* Makes a session over @data (borrowed: it must outlive the session) with
 * the timeline added. Returns NULL with GRADLAB_EXPERIMENT_ERROR_MODEL if
 * the network does not build or fit the data. Free with
 * gr_session_free (). */
GrSession         *gradlab_experiment_new_session  (const GradlabExperiment *self,
                                                    const GradlabData       *data,
                                                    int                      threads,
                                                    GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GradlabExperiment, gradlab_experiment_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GradlabData, gradlab_data_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GradlabPresetInfo, gradlab_preset_info_free)

G_END_DECLS
