/* Experiment files: presets, the reader's messages (file, line, field),
 * --set, the writer's round trip, and the way to a session. */

#include <glib.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "gradlab-experiment.h"
#include "gr-probes.h"

/* Loads @text as "x.json" and asserts that it fails with @code and a
 * message containing @needle. */
static void
assert_load_fails (const char *text,
                   int         code,
                   const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GradlabExperiment) e = gradlab_experiment_load_data (text, -1, "x.json", NULL,
                                                                  &error);

  g_assert_null (e);
  g_assert_error (error, GRADLAB_EXPERIMENT_ERROR, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("expected '%s' in the message '%s'", needle, error->message);
}

static GradlabExperiment *
load_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  GradlabExperiment *e = gradlab_experiment_load_data (text, -1, "x.json", NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (e);
  return e;
}

/* Two experiments describe the same run. */
static void
assert_same (const GradlabExperiment *a,
             const GradlabExperiment *b)
{
  char diff[1024];

  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->description, ==, b->description);
  g_assert_cmpstr (a->lab, ==, b->lab);
  g_assert_cmpstr (a->data.name, ==, b->data.name);
  g_assert_cmpstr (a->data.dir, ==, b->data.dir);
  {
    GradlabDataSpec da = a->data, db = b->data;

    da.dir = db.dir = NULL;
    g_assert_cmpmem (&da, sizeof da, &db, sizeof db);
  }
  g_assert_cmpint (a->model_kind, ==, b->model_kind);
  if (a->model_kind == GRADLAB_MODEL_MLP)
    g_assert_cmpmem (&a->mlp, sizeof a->mlp, &b->mlp, sizeof b->mlp);
  else
    {
      g_assert_cmpint (a->layers.n_layers, ==, b->layers.n_layers);
      g_assert_cmpmem (a->layers.layers, sizeof (GrLayerSpec) * a->layers.n_layers,
                       b->layers.layers, sizeof (GrLayerSpec) * b->layers.n_layers);
    }
  g_assert_cmpint (gr_knobs_diff (&a->knobs, &b->knobs, diff, sizeof diff), ==, 0);
  g_assert_cmpmem (&a->knobs, sizeof a->knobs, &b->knobs, sizeof b->knobs);
  g_assert_cmpuint (a->timeline->len, ==, b->timeline->len);
  g_assert_cmpmem (a->timeline->data, sizeof (GradlabTimelineEntry) * a->timeline->len,
                   b->timeline->data, sizeof (GradlabTimelineEntry) * b->timeline->len);
  g_assert_cmpint (a->steps, ==, b->steps);
  g_assert_cmpint (a->epochs, ==, b->epochs);
  g_assert_cmpuint (a->seed, ==, b->seed);
  g_assert_cmpint (a->eval_every, ==, b->eval_every);
  g_assert_cmpint (a->max_batch, ==, b->max_batch);
}

/* to_json -> load -> the same experiment, and the same text again. */
static void
assert_round_trip (const GradlabExperiment *e)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = gradlab_experiment_to_json (e);
  g_autofree char *source = g_strdup_printf ("%s.json", e->name);
  g_autoptr (GradlabExperiment) back = gradlab_experiment_load_data (json, -1, source, NULL,
                                                                     &error);
  g_autofree char *json2 = NULL;

  if (back == NULL)
    g_error ("%s\n%s", error->message, json);
  assert_same (e, back);
  json2 = gradlab_experiment_to_json (back);
  g_assert_cmpstr (json, ==, json2);
}

static void
test_presets_load (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) presets = gradlab_experiment_list_presets (&error);
  const char *const required[] = {
    "spiral", "circles", "xor", "gauss", "regression", "digits-mlp", "digits-bn",
    "deep-sigmoid", "deep-relu-he", "deep-residual", "overfit", "loss-mse", "loss-ce", NULL
  };

  g_assert_no_error (error);
  g_assert_nonnull (presets);
  for (int i = 0; required[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < presets->len; j++)
        found |= !strcmp (((GradlabPresetInfo *) presets->pdata[j])->name, required[i]);
      if (!found)
        g_error ("preset %s is missing", required[i]);
    }
  for (guint j = 0; j < presets->len; j++)
    {
      GradlabPresetInfo *info = presets->pdata[j];
      g_autoptr (GradlabExperiment) e = gradlab_experiment_load_preset (info->name, &error);

      g_assert_no_error (error);
      /* The file's name field is the preset's name. */
      g_assert_cmpstr (e->name, ==, info->name);
      g_assert_cmpstr (info->description, !=, "");
      g_assert_null (strchr (info->description, '\n'));
      g_assert_true (gradlab_experiment_validate (e, &error));
      g_assert_no_error (error);
      assert_round_trip (e);
    }
}

/* Every preset's data and network build and fit together. */
static void
test_presets_build (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) presets = gradlab_experiment_list_presets (&error);

  g_assert_no_error (error);
  for (guint j = 0; j < presets->len; j++)
    {
      GradlabPresetInfo *info = presets->pdata[j];
      g_autoptr (GradlabExperiment) e = gradlab_experiment_load_preset (info->name, &error);
      g_autoptr (GradlabData) data = NULL;
      GrSession *s;

      g_test_message ("preset %s", info->name);
      g_assert_no_error (error);
      data = gradlab_experiment_make_data (e, &error);
      g_assert_no_error (error);
      g_assert_nonnull (data);
      g_assert_cmpint (data->train->n, >, 0);
      g_assert_cmpint (data->val->n, >, 0);
      s = gradlab_experiment_new_session (e, data, 1, &error);
      g_assert_no_error (error);
      g_assert_nonnull (s);
      g_assert_cmpint (gr_session_step (s), ==, GR_OK);
      gr_session_free (s);
    }
}

static void
test_preset_unknown (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GradlabExperiment) e = gradlab_experiment_load_preset ("spirall", &error);

  g_assert_null (e);
  g_assert_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "'spirall'"));
  g_assert_nonnull (strstr (error->message, "did you mean 'spiral'"));
}

static const char rich_json[] =
  "{\n"
  "  \"name\": \"rich\",\n"
  "  \"description\": \"Every kind of field\",\n"
  "  \"lab\": \"doctor\",\n"
  "  \"data\": { \"name\": \"circles\", \"n\": 300, \"noise\": 0.25, \"seed\": 7,\n"
  "            \"val_share\": 0.3, \"features\": [\"x1\", \"x2\", \"x1_sq\", \"sin_x2\"],\n"
  "            \"train_subset\": 0.5, \"shuffle_labels\": 0.1, \"misalign\": 3,\n"
  "            \"input_scale\": 2.5, \"input_shift\": -1 },\n"
  "  \"model\": { \"layers\": [\n"
  "    { \"type\": \"dense\", \"units\": 16, \"name\": \"fc1\", \"bias_init\": -0.5 },\n"
  "    { \"type\": \"tanh\" },\n"
  "    { \"type\": \"dense\", \"units\": 16, \"bias\": false },\n"
  "    { \"type\": \"batchnorm\", \"momentum\": 0.2 },\n"
  "    { \"type\": \"relu\" },\n"
  "    { \"type\": \"add\", \"inputs\": [\"act1\", \"act2\"] },\n"
  "    { \"type\": \"dropout\", \"p\": 0.2 },\n"
  "    { \"type\": \"concat\", \"inputs\": [\"dropout1\", \"input\"] },\n"
  "    { \"type\": \"dense\", \"units\": 2, \"name\": \"out\" }\n"
  "  ] },\n"
  "  \"knobs\": { \"optimizer\": \"adamw\", \"lr\": 0.003, \"weight_decay\": 0.01,\n"
  "             \"class_weights\": [1, 2.5], \"weighting\": \"none\", \"clip_norm\": 1,\n"
  "             \"batch_size\": 16, \"init\": \"xavier\", \"focal_alpha\": [0.25, 0.75] },\n"
  "  \"timeline\": [\n"
  "    { \"step\": 50, \"set\": { \"lr\": 0.001, \"momentum\": 0.5 } },\n"
  "    { \"step\": 20, \"set\": { \"batch_size\": 64 } },\n"
  "    { \"step\": 50, \"set\": { \"lr\": 1e-4 } },\n"
  "    { \"step\": 80, \"set\": { \"class_weights\": [1, 4], \"optimizer\": \"sgd\" } }\n"
  "  ],\n"
  "  \"steps\": 120,\n"
  "  \"seed\": 42,\n"
  "  \"eval_every\": 10,\n"
  "  \"max_batch\": 128\n"
  "}\n";

static void
test_load_fields (void)
{
  g_autoptr (GradlabExperiment) e = load_ok (rich_json);
  const GrModelSpec *m = &e->layers;

  g_assert_cmpstr (e->name, ==, "rich");
  g_assert_cmpstr (e->lab, ==, "doctor");
  g_assert_cmpstr (e->data.name, ==, "circles");
  g_assert_cmpint (e->data.n, ==, 300);
  g_assert_cmpfloat (e->data.noise, ==, 0.25f);
  g_assert_cmpuint (e->data.seed, ==, 7);
  g_assert_cmpuint (e->data.features, ==, 1 | 2 | 4 | 64);
  g_assert_cmpint (e->data.misalign, ==, 3);
  g_assert_cmpint (e->model_kind, ==, GRADLAB_MODEL_LAYERS);
  g_assert_cmpint (m->n_layers, ==, 9);
  g_assert_cmpstr (m->layers[0].name, ==, "fc1");
  g_assert_cmpfloat (m->bias_init[0], ==, -0.5f);
  g_assert_cmpfloat (m->bias_init[2], ==, 0.0f);
  /* Unnamed layers get the engine's names. */
  g_assert_cmpstr (m->layers[1].name, ==, "act1");
  g_assert_cmpstr (m->layers[2].name, ==, "dense2");
  g_assert_true (m->layers[2].no_bias);
  g_assert_cmpstr (m->layers[4].name, ==, "act2");
  g_assert_cmpint (m->layers[5].n_inputs, ==, 2);
  g_assert_cmpint (m->layers[5].inputs[0], ==, 2);
  g_assert_cmpint (m->layers[5].inputs[1], ==, 5);
  g_assert_cmpint (m->layers[7].inputs[1], ==, 0);
  /* The first activation sets the knob; the other one keeps its own. */
  g_assert_cmpint (e->knobs.activation, ==, GR_ACT_TANH);
  g_assert_false (m->layers[1].act_fixed);
  g_assert_true (m->layers[4].act_fixed);
  g_assert_cmpfloat (e->knobs.dropout, ==, 0.2f);
  /* An explicit weighting wins over the class weights' implied "custom",
   * whatever the order in the file. */
  g_assert_cmpint (e->knobs.weighting, ==, GR_WEIGHTING_NONE);
  g_assert_cmpint (e->knobs.n_custom_weights, ==, 2);
  g_assert_cmpfloat (e->knobs.custom_weights[1], ==, 2.5f);
  g_assert_cmpint (e->knobs.optimizer, ==, GR_OPT_ADAMW);
  g_assert_cmpuint (e->timeline->len, ==, 6);
  g_assert_cmpstr (g_array_index (e->timeline, GradlabTimelineEntry, 3).key, ==, "lr");
  g_assert_cmpstr (g_array_index (e->timeline, GradlabTimelineEntry, 3).value, ==, "0.0001");
  g_assert_cmpint (e->steps, ==, 120);
  g_assert_cmpuint (e->seed, ==, 42);
  g_assert_cmpint (gradlab_experiment_max_batch (e, NULL), ==, 128);
}

static void
test_round_trip (void)
{
  g_autoptr (GradlabExperiment) e = load_ok (rich_json);
  g_autoptr (GError) error = NULL;

  assert_round_trip (e);
  /* Values set live in the app (timeline) and by hand survive too. */
  g_assert_true (gradlab_experiment_add_timeline (e, 90, "lr", "0.0123456", &error));
  g_assert_true (gradlab_experiment_add_timeline (e, 90, "lr", "0.5", &error));
  g_assert_true (gradlab_experiment_add_timeline (e, 95, "batch_norm", "false", &error));
  g_assert_true (gradlab_experiment_add_timeline (e, 99, "activation", "relu", &error));
  g_assert_no_error (error);
  g_assert_true (gradlab_experiment_set (e, "description", "a \"quoted\" \\ line", &error));
  g_assert_true (gradlab_experiment_set (e, "l2", "0.0001", &error));
  /* Values that need all of a float's digits. */
  g_assert_true (gradlab_experiment_set (e, "lr", "0.00316227766", &error));
  g_assert_true (gradlab_experiment_set (e, "momentum", "0.123456789", &error));
  g_assert_true (gradlab_experiment_set (e, "class_weights", "1,3.14159265", &error));
  g_assert_no_error (error);
  assert_round_trip (e);

  /* An MLP experiment with every option. */
  {
    g_autoptr (GradlabExperiment) m = gradlab_experiment_new ();

    g_assert_true (gradlab_experiment_set (m, "model.widths", "32,16,8", &error));
    g_assert_true (gradlab_experiment_set (m, "model.activation", "leaky_relu", &error));
    g_assert_true (gradlab_experiment_set (m, "model.dropout", "0.3", &error));
    g_assert_true (gradlab_experiment_set (m, "model.batch_norm", "true", &error));
    g_assert_true (gradlab_experiment_set (m, "model.softmax", "true", &error));
    g_assert_true (gradlab_experiment_set (m, "data.name", "digits", &error));
    g_assert_true (gradlab_experiment_set (m, "data.image", "true", &error));
    g_assert_true (gradlab_experiment_set (m, "data.augment", "1", &error));
    g_assert_true (gradlab_experiment_set (m, "data.normalize", "standard", &error));
    g_assert_true (gradlab_experiment_set (m, "model.bias_init", "-3", &error));
    g_assert_true (gradlab_experiment_set (m, "activation", "elu", &error));
    g_assert_true (gradlab_experiment_set (m, "epochs", "3", &error));
    g_assert_no_error (error);
    g_assert_cmpint (m->mlp.depth, ==, 3);
    g_assert_cmpint (m->knobs.activation, ==, GR_ACT_ELU);
    g_assert_cmpint (m->mlp.act, ==, GR_ACT_LEAKY_RELU);
    g_assert_true (m->data.normalize);
    g_assert_cmpfloat (m->mlp.bias_init, ==, -3.0f);
    assert_round_trip (m);
    /* The hidden dense layers carry it into the model spec; the output
     * layer starts at 0. */
    {
      g_autoptr (GradlabData) data = gradlab_experiment_make_data (m, &error);
      GrModelSpec spec;
      int last_dense = -1, hidden = 0;

      g_assert_no_error (error);
      g_assert_true (gradlab_experiment_model_spec (m, data->train, &spec, &error));
      for (int i = 0; i < spec.n_layers; i++)
        if (spec.layers[i].kind == GR_LAYER_DENSE)
          last_dense = i;
      g_assert_cmpint (last_dense, >, 0);
      for (int i = 0; i < last_dense; i++)
        if (spec.layers[i].kind == GR_LAYER_DENSE)
          {
            g_assert_cmpfloat (spec.bias_init[i], ==, -3.0f);
            hidden++;
          }
      g_assert_cmpint (hidden, ==, 3);
      g_assert_cmpfloat (spec.bias_init[last_dense], ==, 0.0f);
      /* data.normalize=standard: the session trains on a standardized
       * copy of the training split; the data set stays raw. */
      {
        GrInputStats st;
        GrSession *session = gradlab_experiment_new_session (m, data, 1, &error);

        g_assert_no_error (error);
        g_assert_true (gr_session_inputs_standardized (session));
        g_assert_true (gr_session_train_data (session) != data->train);
        gr_probe_input_stats (gr_session_train_data (session), &st);
        g_assert_cmpfloat (fabsf (st.mean), <, 1e-3f);
        g_assert_cmpfloat (fabsf (st.rms - 1.0f), <, 0.1f);
        gr_probe_input_stats (data->train, &st);
        g_assert_cmpfloat (st.mean, >, 0.1f);
        gr_session_free (session);
      }
    }
  }
  /* Segmentation and folder options. */
  {
    g_autoptr (GradlabExperiment) s = gradlab_experiment_new ();

    g_assert_true (gradlab_experiment_set (s, "data.name", "seg-synthetic", &error));
    g_assert_true (gradlab_experiment_set (s, "data.rare_share", "0.02", &error));
    g_assert_true (gradlab_experiment_set (s, "data.channels", "3", &error));
    assert_round_trip (s);
    g_assert_true (gradlab_experiment_set (s, "data.name", "png-folder", &error));
    g_assert_true (gradlab_experiment_set (s, "data.dir", "/tmp/some folder", &error));
    g_assert_true (gradlab_experiment_set (s, "data.fit", "crop", &error));
    g_assert_true (gradlab_experiment_set (s, "data.ignore_label", "255", &error));
    g_assert_no_error (error);
    assert_round_trip (s);
  }
}

static void
test_errors (void)
{
  /* Syntax errors keep json-glib's line:column, with the file's name. */
  assert_load_fails ("{\n  \"name\": \"a\",\n  \"lab\": ,\n}", GRADLAB_EXPERIMENT_ERROR_SYNTAX,
                     "x.json:3:");
  assert_load_fails ("", GRADLAB_EXPERIMENT_ERROR_SYNTAX, "x.json");
  assert_load_fails ("{ \"name\": \"a\" }\n\n{ \"b\": 1 }", GRADLAB_EXPERIMENT_ERROR_SYNTAX,
                     "x.json:3: unexpected text");
  assert_load_fails ("{\n \"seed\": 1,\n \"seed\": 2\n}", GRADLAB_EXPERIMENT_ERROR_SYNTAX,
                     "x.json:3: seed: the key appears twice (first on line 2)");
  assert_load_fails ("[1, 2]", GRADLAB_EXPERIMENT_ERROR_INVALID, "x.json: the file does not "
                     "hold a JSON object");

  /* Semantic errors: file, line, JSON path, what is wrong. */
  assert_load_fails ("{\n  \"name\": \"a\",\n  \"knobs\": {\n    \"momentum\": 0.5,\n"
                     "    \"lr\": -0.1\n  }\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:5: knobs.lr: -0.1 is outside (0, 100]");
  assert_load_fails ("{\n  \"data\": { \"name\": \"digits\",\n    \"normalize\": \"std\" }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:3: data.normalize: 'std' is not one of none, standard");
  assert_load_fails ("{\n  \"model\": { \"layers\": [\n    { \"type\": \"relu\", \"bias_init\": -3 }\n"
                     "  ] }\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:3: model.layers[0].bias_init: not an option of a 'relu' layer");
  assert_load_fails ("{\n  \"model\": { \"mlp\": {\n    \"bias_init\": -1000 } }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID, "x.json:3: model.mlp.bias_init: -1000");
  assert_load_fails ("{\n  \"knobs\": { \"lrr\": 0.1 }\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:2: knobs.lrr: unknown knob 'lrr' (did you mean 'lr'?)");
  assert_load_fails ("{\n  \"knobs\": { \"optimizer\": \"adamm\" }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID, "x.json:2: knobs.optimizer: 'adamm'");
  assert_load_fails ("{\n  \"model\": { \"layers\": [\n    { \"type\": \"dense\", \"units\": 4 },\n"
                     "    { \"type\": \"relu\" },\n\n    { \"type\": \"dense2\", \"units\": 2 }\n"
                     "  ] }\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:6: model.layers[2].type: unknown layer 'dense2'");
  assert_load_fails ("{\n  \"model\": { \"layers\": [\n    { \"type\": \"relu\", \"units\": 4 }\n"
                     "  ] }\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:3: model.layers[0].units: not an option of a 'relu' layer");
  assert_load_fails ("{\n  \"model\": { \"layers\": [\n    { \"type\": \"dense\" }\n  ] }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:3: model.layers[0]: a 'dense' layer needs \"units\"");
  assert_load_fails ("{\n  \"model\": { \"layers\": [\n    { \"type\": \"dense\", \"units\": 3 },\n"
                     "    { \"type\": \"add\",\n      \"inputs\": [\"dense1\", \"fc9\"] }\n"
                     "  ] }\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:5: model.layers[1].inputs[1]: no earlier layer is named 'fc9'");
  assert_load_fails ("{\n  \"model\": { \"mlp\": { \"depth\": 2, \"widht\": 3 } }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:2: model.mlp.widht: unknown MLP option 'widht' (did you mean "
                     "'width'?)");
  assert_load_fails ("{\n  \"model\": { \"mlp\": { \"depth\": 2 }, \"layers\": [] }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID, "x.json:2: model: give either");
  assert_load_fails ("{\n  \"data\": { \"name\": \"spirals\" }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:2: data.name: unknown data set 'spirals'");
  assert_load_fails ("{\n  \"data\": {\n    \"name\": \"spiral\",\n    \"image\": true\n  }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:4: data.image: not an option of data set 'spiral' (only of digits)");
  assert_load_fails ("{\n  \"data\": { \"name\": \"spiral\", \"noise\": 2 }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID, "x.json:2: data.noise: 2 is outside [0, 1]");
  assert_load_fails ("{\n  \"data\": { \"name\": \"spiral\", \"n\": \"many\" }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:2: data.n: 'many' is not a number");
  assert_load_fails ("{\n  \"name\": \"a\",\n  \"stpes\": 10\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:3: stpes: unknown field 'stpes' (did you mean 'steps'?)");
  assert_load_fails ("{\n  \"steps\": 10,\n  \"epochs\": 2\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:3: epochs: give \"steps\" or \"epochs\", not both");
  assert_load_fails ("{\n  \"lab\": \"playgrund\"\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:2: lab: unknown lab 'playgrund'");
  assert_load_fails ("{\n  \"timeline\": [\n    { \"step\": 10, \"set\": { \"init\": \"he\" } }\n"
                     "  ]\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:3: timeline[0].set.init: knob 'init' only takes effect when the "
                     "run is rebuilt");
  assert_load_fails ("{\n  \"timeline\": [\n    { \"step\": 0, \"set\": { \"lr\": 0.1 } }\n"
                     "  ]\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:3: timeline[0].step: 0 is outside [1,");
  assert_load_fails ("{\n  \"timeline\": [\n    { \"step\": 5,\n      \"set\": { \"lr\": 0 } }\n"
                     "  ]\n}", GRADLAB_EXPERIMENT_ERROR_INVALID,
                     "x.json:4: timeline[0].set.lr: 0 is outside (0, 100]");
  assert_load_fails ("{\n  \"knobs\": { \"batch_size\": 64 },\n  \"max_batch\": 32\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID, "knobs.batch_size: 64 is larger");
  assert_load_fails ("{\n  \"data\": { \"name\": \"png-folder\" }\n}",
                     GRADLAB_EXPERIMENT_ERROR_INVALID, "x.json:2: data: the png-folder data set "
                     "needs \"dir\"");
}

static void
test_set (void)
{
  g_autoptr (GradlabExperiment) e = gradlab_experiment_load_preset ("spiral", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *before = gradlab_experiment_to_json (e);
  g_autofree char *after = NULL;

  g_assert_nonnull (e);
  g_assert_true (gradlab_experiment_apply_set (e, "lr=0.05", &error));
  g_assert_cmpfloat (e->knobs.lr, ==, 0.05f);
  g_assert_true (gradlab_experiment_apply_set (e, "data.noise=0.3", &error));
  g_assert_cmpfloat (e->data.noise, ==, 0.3f);
  g_assert_true (gradlab_experiment_apply_set (e, "model.depth=5", &error));
  g_assert_cmpint (e->mlp.depth, ==, 5);
  g_assert_true (gradlab_experiment_apply_set (e, "model.mlp.width=7", &error));
  g_assert_cmpint (e->mlp.width, ==, 7);
  g_assert_true (gradlab_experiment_apply_set (e, "class_weights=1,3", &error));
  g_assert_cmpint (e->knobs.weighting, ==, GR_WEIGHTING_CUSTOM);
  g_assert_true (gradlab_experiment_apply_set (e, "steps=77", &error));
  g_assert_cmpint (e->steps, ==, 77);
  g_assert_true (gradlab_experiment_apply_set (e, "data.features=x1,x2,x1_x2", &error));
  g_assert_cmpuint (e->data.features, ==, 1 | 2 | 16);
  g_assert_no_error (error);

  /* Failures name the --set and change nothing. */
  g_free (before);
  before = gradlab_experiment_to_json (e);
  g_assert_false (gradlab_experiment_apply_set (e, "lrr=0.1", &error));
  g_assert_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "--set lrr=0.1: unknown knob or field 'lrr' (did you "
                   "mean 'lr'?)");
  g_clear_error (&error);
  g_assert_false (gradlab_experiment_apply_set (e, "lr=fast", &error));
  g_assert_cmpstr (error->message, ==, "--set lr=fast: 'fast' is not a number");
  g_clear_error (&error);
  g_assert_false (gradlab_experiment_apply_set (e, "lr=-1", &error));
  g_assert_cmpstr (error->message, ==, "--set lr=-1: -1 is outside (0, 100]");
  g_clear_error (&error);
  g_assert_false (gradlab_experiment_apply_set (e, "lr", &error));
  g_assert_nonnull (strstr (error->message, "expected KEY=VALUE"));
  g_clear_error (&error);
  g_assert_false (gradlab_experiment_apply_set (e, "data.noize=0.1", &error));
  g_assert_nonnull (strstr (error->message, "did you mean 'data.noise'"));
  g_clear_error (&error);
  g_assert_false (gradlab_experiment_apply_set (e, "data.image=true", &error));
  g_assert_nonnull (strstr (error->message, "not an option of data set 'spiral'"));
  g_clear_error (&error);
  g_assert_false (gradlab_experiment_apply_set (e, "model.depth=99", &error));
  g_assert_cmpstr (error->message, ==, "--set model.depth=99: 99 is outside [0, 64]");
  g_clear_error (&error);
  g_assert_false (gradlab_experiment_apply_set (e, "batch_size=0", &error));
  g_clear_error (&error);
  after = gradlab_experiment_to_json (e);
  g_assert_cmpstr (before, ==, after);

  /* The data set's name resets its options to that set's defaults. */
  g_assert_true (gradlab_experiment_apply_set (e, "data.name=digits", &error));
  g_assert_true (gradlab_experiment_apply_set (e, "data.image=yes", &error));
  g_assert_true (e->data.image);
  g_assert_no_error (error);
}

/* A layer list that does not fit together is reported at its layer. */
static void
test_model_error (void)
{
  const char *text =
    "{\n"
    "  \"data\": { \"name\": \"spiral\", \"n\": 40 },\n"
    "  \"model\": { \"layers\": [\n"
    "    { \"type\": \"dense\", \"units\": 4 },\n"
    "    { \"type\": \"dense\", \"units\": 5, \"name\": \"b\" },\n"
    "    { \"type\": \"add\",\n"
    "      \"inputs\": [\"dense1\", \"b\"] },\n"
    "    { \"type\": \"dense\", \"units\": 2 }\n"
    "  ] }\n"
    "}\n";
  g_autoptr (GradlabExperiment) e = load_ok (text);
  g_autoptr (GradlabData) data = NULL;
  g_autoptr (GError) error = NULL;
  GrSession *s;

  data = gradlab_experiment_make_data (e, &error);
  g_assert_no_error (error);
  s = gradlab_experiment_new_session (e, data, 1, &error);
  g_assert_null (s);
  g_assert_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_MODEL);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "x.json:6: model.layers[2]: "));
  g_clear_error (&error);

  /* Outputs that do not match the classes. */
  {
    g_autoptr (GradlabExperiment) e2 = load_ok ("{ \"data\": { \"name\": \"spiral\", \"n\": 40 },"
                                                " \"model\": { \"mlp\": { \"depth\": 1, "
                                                "\"width\": 3, \"outputs\": 5 } } }");

    s = gradlab_experiment_new_session (e2, data, 1, &error);
    g_assert_null (s);
    g_assert_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_MODEL);
    g_assert_nonnull (strstr (error->message, "model: "));
  }
}

/* The timeline reaches the session: the knob changes at its step and an
 * event records it. */
static void
test_timeline_session (void)
{
  const char *text =
    "{ \"data\": { \"name\": \"gauss\", \"n\": 100 },\n"
    "  \"model\": { \"mlp\": { \"depth\": 1, \"width\": 4 } },\n"
    "  \"knobs\": { \"lr\": 0.1 },\n"
    "  \"timeline\": [ { \"step\": 3, \"set\": { \"lr\": 0.01 } } ],\n"
    "  \"steps\": 5 }";
  g_autoptr (GradlabExperiment) e = load_ok (text);
  g_autoptr (GradlabData) data = gradlab_experiment_make_data (e, NULL);
  GrSession *s = gradlab_experiment_new_session (e, data, 1, NULL);
  GrStepRecord rec[5];
  GrEvent ev[4];

  g_assert_nonnull (s);
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (gr_session_step (s), ==, GR_OK);
  g_assert_cmpint (gr_history_copy_steps (gr_session_history (s), 0, 5, rec), ==, 5);
  g_assert_cmpfloat (rec[1].lr, ==, 0.1f);
  g_assert_cmpfloat (rec[2].lr, ==, 0.01f);
  g_assert_cmpint (gr_history_copy_events (gr_session_history (s), 0, 4, ev), ==, 1);
  g_assert_cmpint (ev[0].step, ==, 3);
  g_assert_nonnull (strstr (ev[0].text, "lr"));
  gr_session_free (s);
}

static void
test_data_options (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GradlabExperiment) e = gradlab_experiment_load_preset ("overfit", &error);
  g_autoptr (GradlabData) d = NULL;
  g_autoptr (GradlabData) full = NULL;

  g_assert_no_error (error);
  d = gradlab_experiment_make_data (e, &error);
  g_assert_no_error (error);
  g_assert_true (gradlab_experiment_set (e, "data.train_subset", "1", &error));
  full = gradlab_experiment_make_data (e, &error);
  g_assert_no_error (error);
  /* 10 % of the canonical training split; the validation split is whole. */
  g_assert_cmpint (full->train->n, ==, 1797 - 360);
  g_assert_cmpint (d->train->n, ==, (int) (0.1 * (1797 - 360) + 0.5));
  g_assert_cmpint (d->val->n, ==, 360);
  g_assert_cmpint (d->train->sample.c, ==, 64);

  /* The image view. */
  g_assert_true (gradlab_experiment_set (e, "data.image", "true", &error));
  {
    g_autoptr (GradlabData) img = gradlab_experiment_make_data (e, &error);

    g_assert_no_error (error);
    g_assert_cmpint (img->train->sample.c, ==, 1);
    g_assert_cmpint (img->train->sample.h, ==, 8);
  }

  /* A missing folder is a data error naming it. */
  g_assert_true (gradlab_experiment_set (e, "data.name", "png-folder", &error));
  g_assert_true (gradlab_experiment_set (e, "data.dir", "/nonexistent/gradlab", &error));
  {
    g_autoptr (GradlabData) none = gradlab_experiment_make_data (e, &error);

    g_assert_null (none);
    g_assert_error (error, GRADLAB_EXPERIMENT_ERROR, GRADLAB_EXPERIMENT_ERROR_DATA);
    g_assert_nonnull (strstr (error->message, "/nonexistent/gradlab"));
  }
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/experiment/presets/load", test_presets_load);
  g_test_add_func ("/app/experiment/presets/build", test_presets_build);
  g_test_add_func ("/app/experiment/presets/unknown", test_preset_unknown);
  g_test_add_func ("/app/experiment/load/fields", test_load_fields);
  g_test_add_func ("/app/experiment/load/errors", test_errors);
  g_test_add_func ("/app/experiment/round-trip", test_round_trip);
  g_test_add_func ("/app/experiment/set", test_set);
  g_test_add_func ("/app/experiment/model-error", test_model_error);
  g_test_add_func ("/app/experiment/timeline-session", test_timeline_session);
  g_test_add_func ("/app/experiment/data-options", test_data_options);
  return g_test_run ();
}
