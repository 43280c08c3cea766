/* gradlab-run as a program: its exit codes and messages on bad input,
 * its outputs, determinism, divergence, checkpoints, and the expected
 * results of the presets. The binary comes from $GRADLAB_RUN.
 *
 * `--mode fast` (suite app) runs everything that takes a few seconds;
 * `--mode slow` (suites app and slow) the full-length preset runs. */

#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

typedef struct
{
  int   status;   /* exit code, or -1 if killed */
  char *out;
  char *err;
} Result;

static char *tmp_root;

static void
result_free (Result *r)
{
  if (r == NULL)
    return;
  g_free (r->out);
  g_free (r->err);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

/* Runs gradlab-run with the NULL-terminated arguments. */
static Result *
run_v (const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  Result *r = g_new0 (Result, 1);
  const char *bin = g_getenv ("GRADLAB_RUN");
  int wait_status = 0;

  g_assert_nonnull (bin);
  g_ptr_array_add (argv, (char *) bin);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (tmp_root, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &r->out, &r->err, &wait_status, &error))
    g_error ("cannot run %s: %s", bin, error->message);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  return r;
}

#define run(...) run_v ((const char *const[]) { __VA_ARGS__, NULL })

static void
assert_exit (const Result *r,
             int           status)
{
  if (r->status != status)
    g_error ("expected exit %d, got %d\nstdout: %s\nstderr: %s", status, r->status, r->out,
             r->err);
}

static void
assert_err_has (const Result *r,
                const char   *needle)
{
  if (strstr (r->err, needle) == NULL)
    g_error ("expected '%s' on stderr, got: %s", needle, r->err);
}

/* A new directory under the test's temporary root. */
static char *
new_dir (const char *name)
{
  char *dir = g_build_filename (tmp_root, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return dir;
}

static char *
write_file (const char *name,
            const char *contents)
{
  char *path = g_build_filename (tmp_root, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

static char *
read_file (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    g_error ("%s is missing", path);
  return text;
}

static JsonObject *
read_summary (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "summary.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("%s: %s", path, error->message);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static double
final_num (JsonObject *summary,
           const char *key)
{
  return json_object_get_double_member (json_object_get_object_member (summary, "final"), key);
}

/* Whether the doctor raised a finding with @code during the run. */
static gboolean
has_finding (JsonObject *summary,
             const char *code)
{
  JsonArray *findings = json_object_get_array_member (summary, "findings");

  for (guint i = 0; i < json_array_get_length (findings); i++)
    if (!strcmp (json_object_get_string_member (json_array_get_object_element (findings, i),
                                                "code"), code))
      return TRUE;
  return FALSE;
}

/* layer[0] / layer[n - 2] gradient norms: the first weighted layer against
 * the last hidden one (the one before the output layer). */
static double
grad_ratio (JsonObject *summary)
{
  JsonArray *layers = json_object_get_array_member (summary, "layers");
  guint n = json_array_get_length (layers);

  g_assert_cmpuint (n, >=, 3);
  return json_object_get_double_member (json_array_get_object_element (layers, 0), "grad_norm")
         / json_object_get_double_member (json_array_get_object_element (layers, n - 2),
                                          "grad_norm");
}

/* ------------------------------------------------------------------ */
/* Usage and bad input: exit 2 and a message naming the problem.        */

static void
test_list (void)
{
  g_autoptr (Result) r = run ("--list");
  g_auto (GStrv) lines = NULL;

  assert_exit (r, 0);
  lines = g_strsplit (g_strstrip (r->out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 13);
  for (int i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) words = g_strsplit_set (lines[i], " ", -1);

      g_assert_cmpuint (g_strv_length (words), >=, 3);
    }
  g_assert_nonnull (strstr (r->out, "deep-sigmoid"));
  g_assert_nonnull (strstr (r->out, "activations"));
  g_assert_nonnull (strstr (r->out, "vanishes"));
}

static void
test_bad_missing_file (void)
{
  g_autoptr (Result) r = run ("nope.json");

  assert_exit (r, 2);
  assert_err_has (r, "nope.json");
}

static void
test_bad_invalid_json (void)
{
  g_autofree char *path = write_file ("bad.json", "{\n  \"name\": \"bad\",\n  \"seed\": 1\n"
                                      "  \"steps\": 5\n}\n");
  /* The comma missing at the end of line 3. */
  g_autofree char *want = g_strdup_printf ("%s:3:", path);
  g_autoptr (Result) r = run (path);

  assert_exit (r, 2);
  assert_err_has (r, want);
}

static void
test_bad_unknown_layer (void)
{
  g_autofree char *path = write_file ("layer.json",
                                      "{\n"
                                      "  \"data\": { \"name\": \"spiral\" },\n"
                                      "  \"model\": { \"layers\": [\n"
                                      "    { \"type\": \"dense\", \"units\": 8 },\n"
                                      "    { \"type\": \"dense2\", \"units\": 2 }\n"
                                      "  ] }\n"
                                      "}\n");
  g_autofree char *want = g_strdup_printf ("%s:5: model.layers[1].type: unknown layer "
                                           "'dense2'", path);
  g_autoptr (Result) r = run (path);

  assert_exit (r, 2);
  assert_err_has (r, want);
}

static void
test_bad_unknown_knob (void)
{
  g_autofree char *path = write_file ("knob.json",
                                      "{\n  \"knobs\": {\n    \"lr\": 0.1,\n"
                                      "    \"momentun\": 0.9\n  }\n}\n");
  g_autofree char *want = g_strdup_printf ("%s:4: knobs.momentun: unknown knob 'momentun' "
                                           "(did you mean 'momentum'?)", path);
  g_autoptr (Result) r = run (path);

  assert_exit (r, 2);
  assert_err_has (r, want);
}

static void
test_bad_negative_lr (void)
{
  g_autofree char *path = write_file ("spiral-bad.json",
                                      "{\n  \"name\": \"spiral-bad\",\n"
                                      "  \"data\": { \"name\": \"spiral\" },\n"
                                      "  \"knobs\": {\n    \"optimizer\": \"sgd\",\n"
                                      "    \"lr\": -0.1\n  }\n}\n");
  g_autofree char *want = g_strdup_printf ("%s:6: knobs.lr: -0.1 is outside (0, 100]", path);
  g_autoptr (Result) r = run (path);

  assert_exit (r, 2);
  assert_err_has (r, want);
}

static void
test_bad_set (void)
{
  struct { const char *set; const char *msg; } cases[] = {
    { "lrr=0.1", "--set lrr=0.1: unknown knob or field 'lrr' (did you mean 'lr'?)" },
    { "lr=abc", "--set lr=abc: 'abc' is not a number" },
    { "lr=1e6", "--set lr=1e6: 1e6 is outside (0, 100]" },
    { "lr=-0.1", "--set lr=-0.1: -0.1 is outside (0, 100]" },
    { "optimizer=adamm", "--set optimizer=adamm: 'adamm' is not one of" },
    { "data.noise=2", "--set data.noise=2: 2 is outside [0, 1]" },
    { "model.depht=3", "--set model.depht=3: unknown MLP option 'model.depht' (did you "
                       "mean 'model.depth'?)" },
    { "lr", "--set lr: expected KEY=VALUE" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Result) r = run ("spiral", "--set", cases[i].set);

      assert_exit (r, 2);
      assert_err_has (r, cases[i].msg);
    }
}

static void
test_bad_usage (void)
{
  const char *const *cases[] = {
    (const char *const[]) { "spirall", NULL },
    (const char *const[]) { "spiral", "xor", NULL },
    (const char *const[]) { "spiral", "--steps", "5", "--epochs", "2", NULL },
    (const char *const[]) { "spiral", "--steps", "many", NULL },
    (const char *const[]) { "spiral", "--steps", "0", NULL },
    (const char *const[]) { "spiral", "--seed", "-3", NULL },
    (const char *const[]) { "spiral", "--bogus", NULL },
    (const char *const[]) { "spiral", "--load-checkpoint", "/nonexistent.ckpt", NULL },
  };
  const char *const needles[] = {
    "unknown preset 'spirall' (gradlab-run --list shows the presets) (did you mean 'spiral'?)",
    "give one preset or file",
    "--steps or --epochs, not both",
    "many",
    "--steps 0",
    "--seed -3",
    "--bogus",
    "/nonexistent.ckpt",
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (Result) r = run_v (cases[i]);

      assert_exit (r, 2);
      assert_err_has (r, needles[i]);
    }
}

/* ------------------------------------------------------------------ */
/* Runs                                                                 */

/* With no argument at all: the default preset, with progress. */
static void
test_default (void)
{
  g_autoptr (Result) r = run_v ((const char *const[]) { NULL });

  assert_exit (r, 0);
  assert_err_has (r, "spiral: training spiral");
  assert_err_has (r, "val loss");
  assert_err_has (r, "done: 2500 steps");
}

static void
test_outputs (void)
{
  g_autofree char *dir = new_dir ("outputs");
  g_autoptr (Result) r = run ("spiral", "--steps", "60", "--set", "eval_every=20", "--out", dir);
  g_autofree char *csv = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (JsonObject) s = NULL;
  JsonArray *layers;
  int train = 0, val = 0;

  assert_exit (r, 0);
  csv = read_file (dir, "metrics.csv");
  lines = g_strsplit (g_strstrip (csv), "\n", -1);
  g_assert_cmpstr (lines[0], ==, "step,epoch,split,loss,accuracy,lr,grad_norm:dense1,"
                   "grad_norm:dense2,grad_norm:dense3,grad_norm:output");
  for (int i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);

      g_assert_cmpuint (g_strv_length (f), ==, 10);
      if (!strcmp (f[2], "train"))
        {
          train++;
          g_assert_cmpint (atoi (f[0]), ==, train);
          g_assert_cmpfloat (g_ascii_strtod (f[6], NULL), >, 0.0);
        }
      else
        {
          g_assert_cmpstr (f[2], ==, "val");
          val++;
          g_assert_cmpint (atoi (f[0]), ==, 20 * val);
          g_assert_cmpstr (f[6], ==, "");
        }
    }
  g_assert_cmpint (train, ==, 60);
  g_assert_cmpint (val, ==, 3);

  s = read_summary (dir);
  g_assert_cmpstr (json_object_get_string_member (s, "preset"), ==, "spiral");
  g_assert_cmpint (json_object_get_int_member (s, "seed"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (s, "steps"), ==, 60);
  g_assert_cmpstr (json_object_get_string_member (s, "status"), ==, "ok");
  g_assert_cmpfloat (final_num (s, "train_loss"), >, 0.0);
  g_assert_cmpfloat (final_num (s, "val_loss"), >, 0.0);
  g_assert_cmpfloat (final_num (s, "train_acc"), >, 0.0);
  g_assert_cmpfloat (final_num (s, "val_acc"), >, 0.0);
  layers = json_object_get_array_member (s, "layers");
  g_assert_cmpuint (json_array_get_length (layers), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (layers, 0),
                                                  "name"), ==, "dense1");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (layers, 3),
                                                  "name"), ==, "output");
  for (guint i = 0; i < 4; i++)
    {
      JsonObject *l = json_array_get_object_element (layers, i);
      const char *keys[] = { "grad_norm", "weight_norm", "update_ratio", "dead_frac",
                             "saturated_frac" };

      for (size_t k = 0; k < G_N_ELEMENTS (keys); k++)
        g_assert_true (json_object_has_member (l, keys[k]));
      g_assert_cmpfloat (json_object_get_double_member (l, "weight_norm"), >, 0.0);
    }
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (s,
                                                    "throughput"), "samples_per_s"), >, 0.0);
  g_assert_nonnull (json_object_get_array_member (s, "findings"));
  g_assert_nonnull (json_object_get_array_member (s, "events"));
}

static void
test_determinism (void)
{
  g_autofree char *a = new_dir ("det-a");
  g_autofree char *b = new_dir ("det-b");
  g_autofree char *c = new_dir ("det-c");
  const char *sets[] = { "--set", "model.dropout=0.2", "--set", "input_noise=0.05",
                         "--set", "eval_every=50" };
  g_autoptr (Result) ra = run ("spiral", "--steps", "300", sets[0], sets[1], sets[2], sets[3],
                               sets[4], sets[5], "--out", a);
  g_autoptr (Result) rb = run ("spiral", "--steps", "300", sets[0], sets[1], sets[2], sets[3],
                               sets[4], sets[5], "--out", b);
  g_autoptr (Result) rc = run ("spiral", "--steps", "300", sets[0], sets[1], sets[2], sets[3],
                               sets[4], sets[5], "--seed", "2", "--out", c);
  g_autofree char *ca = NULL, *cb = NULL, *cc = NULL;

  assert_exit (ra, 0);
  assert_exit (rb, 0);
  assert_exit (rc, 0);
  ca = read_file (a, "metrics.csv");
  cb = read_file (b, "metrics.csv");
  cc = read_file (c, "metrics.csv");
  g_assert_cmpuint (strlen (ca), >, 1000);
  /* Byte-identical for the same seed; different for another. */
  g_assert_cmpstr (ca, ==, cb);
  g_assert_cmpstr (ca, !=, cc);
}

static void
test_diverge (void)
{
  g_autofree char *dir = new_dir ("diverge");
  g_autoptr (Result) r = run ("regression", "--set", "optimizer=sgd", "--set", "lr=100",
                              "--out", dir);
  g_autoptr (JsonObject) s = NULL;

  assert_exit (r, 3);
  assert_err_has (r, "the run diverged at step ");
  assert_err_has (r, "not finite");
  s = read_summary (dir);
  g_assert_cmpstr (json_object_get_string_member (s, "status"), ==, "diverged");
  g_assert_nonnull (strstr (json_object_get_string_member (s, "error"), "step "));
  g_assert_true (has_finding (s, "divergence"));
}

static void
test_timeline (void)
{
  g_autofree char *dir = new_dir ("timeline");
  g_autofree char *path = write_file ("timeline.json",
                                      "{ \"data\": { \"name\": \"gauss\", \"n\": 200 },\n"
                                      "  \"model\": { \"mlp\": { \"depth\": 1, \"width\": 4 } },\n"
                                      "  \"knobs\": { \"lr\": 0.1 },\n"
                                      "  \"timeline\": [ { \"step\": 10, \"set\": "
                                      "{ \"lr\": 0.025 } } ],\n"
                                      "  \"steps\": 20, \"eval_every\": 100 }\n");
  g_autoptr (Result) r = run (path, "--out", dir);
  g_autofree char *csv = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (JsonObject) s = NULL;
  JsonArray *events;

  assert_exit (r, 0);
  csv = read_file (dir, "metrics.csv");
  lines = g_strsplit (csv, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[9], "9,"));
  g_assert_nonnull (strstr (lines[9], ",0.100000001,"));
  g_assert_true (g_str_has_prefix (lines[10], "10,"));
  g_assert_nonnull (strstr (lines[10], ",0.0250000004,"));
  s = read_summary (dir);
  events = json_object_get_array_member (s, "events");
  g_assert_cmpuint (json_array_get_length (events), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (events, 0),
                                               "step"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (events, 0),
                                                  "kind"), ==, "knob");
}

/* A run resumed from a checkpoint continues exactly as if never stopped. */
static void
test_checkpoint (void)
{
  g_autofree char *a = new_dir ("ckpt-a");
  g_autofree char *b = new_dir ("ckpt-b");
  g_autofree char *ckpt = g_build_filename (tmp_root, "run.ckpt", NULL);
  g_autoptr (Result) r1 = run ("spiral", "--steps", "100", "--save-checkpoint", ckpt);
  g_autoptr (Result) r2 = NULL, r3 = NULL;
  g_autofree char *ca = NULL, *cb = NULL;
  g_auto (GStrv) la = NULL, lb = NULL;
  int j = 1;

  assert_exit (r1, 0);
  g_assert_true (g_file_test (ckpt, G_FILE_TEST_IS_REGULAR));
  r2 = run ("spiral", "--steps", "200", "--load-checkpoint", ckpt, "--out", b);
  assert_exit (r2, 0);
  r3 = run ("spiral", "--steps", "200", "--out", a);
  assert_exit (r3, 0);
  ca = read_file (a, "metrics.csv");
  cb = read_file (b, "metrics.csv");
  la = g_strsplit (ca, "\n", -1);
  lb = g_strsplit (cb, "\n", -1);
  g_assert_cmpstr (la[0], ==, lb[0]);
  g_assert_true (g_str_has_prefix (lb[1], "101,"));
  for (int i = 101; la[i] != NULL && la[i][0] != '\0'; i++, j++)
    g_assert_cmpstr (la[i], ==, lb[j]);
  g_assert_cmpint (j, ==, 102);
}

static void
test_describe (void)
{
  g_autoptr (Result) r = run ("deep-residual", "--describe");

  assert_exit (r, 0);
  g_assert_nonnull (strstr (r->out, "dense20"));
  g_assert_nonnull (strstr (r->out, "add20"));
  g_assert_nonnull (strstr (r->out, "output"));
}

static void
test_seed_and_epochs (void)
{
  g_autofree char *dir = new_dir ("seed");
  g_autoptr (Result) r = run ("gauss", "--seed", "5", "--epochs", "2", "--quiet", "--out", dir);
  g_autoptr (JsonObject) s = NULL;

  assert_exit (r, 0);
  g_assert_cmpstr (r->err, ==, "");
  s = read_summary (dir);
  g_assert_cmpint (json_object_get_int_member (s, "seed"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (s, "epochs"), ==, 2);
}

/* ------------------------------------------------------------------ */
/* Expected results of the presets                                      */

static JsonObject *
train_preset (const char *preset,
              const char *steps)
{
  g_autofree char *dir = new_dir (preset);
  g_autoptr (Result) r = steps ? run (preset, "--quiet", "--steps", steps, "--out", dir)
                               : run (preset, "--quiet", "--out", dir);

  assert_exit (r, 0);
  return read_summary (dir);
}

static void
test_result_toys (void)
{
  const char *const toys[] = { "spiral", "circles", "xor", "gauss" };

  for (size_t i = 0; i < G_N_ELEMENTS (toys); i++)
    {
      g_autoptr (JsonObject) s = train_preset (toys[i], NULL);

      g_test_message ("%s: validation accuracy %.4f", toys[i], final_num (s, "val_acc"));
      g_assert_cmpfloat (final_num (s, "val_acc"), >=, 0.95);
    }
}

static void
test_result_ratios (void)
{
  const char *const seeds[] = { "1", "2", "3" };

  for (size_t i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      const char *presets[] = { "deep-sigmoid", "deep-relu-he", "deep-residual" };

      for (size_t p = 0; p < G_N_ELEMENTS (presets); p++)
        {
          g_autofree char *dir = g_strdup_printf ("%s/ratio-%s-%s", tmp_root, presets[p],
                                                  seeds[i]);
          g_autoptr (Result) r = run (presets[p], "--quiet", "--steps", "1", "--seed", seeds[i],
                                      "--out", dir);
          g_autoptr (JsonObject) s = NULL;
          double ratio;

          assert_exit (r, 0);
          s = read_summary (dir);
          g_assert_cmpint (json_array_get_length (json_object_get_array_member (s, "layers")),
                           ==, 21);
          ratio = grad_ratio (s);
          g_test_message ("%s seed %s: |grad dense1| / |grad dense20| = %.3g", presets[p],
                          seeds[i], ratio);
          if (p == 0)
            g_assert_cmpfloat (ratio, <, 1e-6);
          else
            {
              g_assert_cmpfloat (ratio, >=, 0.1);
              g_assert_cmpfloat (ratio, <=, 10.0);
            }
        }
    }
}

static void
test_result_digits (void)
{
  g_autoptr (JsonObject) mlp = train_preset ("digits-mlp", NULL);
  g_autoptr (JsonObject) bn = train_preset ("digits-bn", NULL);

  g_test_message ("digits-mlp %.4f, digits-bn %.4f after %d epochs",
                  final_num (mlp, "val_acc"), final_num (bn, "val_acc"),
                  (int) json_object_get_int_member (bn, "epochs"));
  g_assert_cmpint (json_object_get_int_member (mlp, "epochs"), <=, 20);
  g_assert_cmpint (json_object_get_int_member (bn, "epochs"), <=, 20);
  g_assert_cmpfloat (final_num (mlp, "val_acc"), >=, 0.96);
  g_assert_cmpfloat (final_num (bn, "val_acc"), >=, 0.975);
}

static void
test_result_deep_sigmoid (void)
{
  g_autoptr (JsonObject) s = train_preset ("deep-sigmoid", NULL);

  g_test_message ("deep-sigmoid: validation accuracy %.4f, ratio %.3g",
                  final_num (s, "val_acc"), grad_ratio (s));
  /* Ten classes: chance is 0.1. */
  g_assert_cmpfloat (final_num (s, "val_acc"), <, 0.2);
  g_assert_cmpfloat (grad_ratio (s), <, 1e-6);
  g_assert_true (has_finding (s, "vanishing-gradients"));
}

static void
test_result_others (void)
{
  g_autoptr (JsonObject) ce = train_preset ("loss-ce", NULL);
  g_autoptr (JsonObject) mse = train_preset ("loss-mse", NULL);
  g_autoptr (JsonObject) over = train_preset ("overfit", NULL);
  g_autoptr (JsonObject) relu = train_preset ("deep-relu-he", NULL);
  g_autoptr (JsonObject) res = train_preset ("deep-residual", NULL);
  g_autoptr (JsonObject) reg = train_preset ("regression", NULL);
  JsonObject *best = json_object_get_object_member (over, "best");

  g_test_message ("loss-ce %.4f, loss-mse %.4f; overfit train %.4f val %.4f (best val loss at "
                  "step %d of %d); deep-relu-he %.4f, deep-residual %.4f; regression val "
                  "loss %.4g", final_num (ce, "val_acc"), final_num (mse, "val_acc"),
                  final_num (over, "train_acc"), final_num (over, "val_acc"),
                  (int) json_object_get_int_member (best, "step"),
                  (int) json_object_get_int_member (over, "steps"),
                  final_num (relu, "val_acc"), final_num (res, "val_acc"),
                  final_num (reg, "val_loss"));
  /* Cross-entropy trains the classifier faster than MSE from the same init. */
  g_assert_cmpfloat (final_num (ce, "val_acc"), >, final_num (mse, "val_acc") + 0.05);
  /* Overfitting: the training set is learnt perfectly, validation lags
   * and its loss is best well before the end. */
  g_assert_cmpfloat (final_num (over, "train_acc"), ==, 1.0);
  g_assert_cmpfloat (final_num (over, "train_acc") - final_num (over, "val_acc"), >=, 0.03);
  g_assert_cmpint (json_object_get_int_member (best, "step"), <,
                   json_object_get_int_member (over, "steps") / 2);
  /* The deep nets that keep their gradients learn. */
  g_assert_cmpfloat (final_num (relu, "val_acc"), >, 0.5);
  g_assert_cmpfloat (final_num (res, "val_acc"), >, 0.8);
  g_assert_cmpfloat (final_num (reg, "val_loss"), <, 0.05);
}

/* ------------------------------------------------------------------ */

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}

int
main (int    argc,
      char **argv)
{
  const char *mode = "fast";
  int status;

  g_test_init (&argc, &argv, NULL);
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp (argv[i], "--mode"))
      mode = argv[i + 1];
  tmp_root = g_dir_make_tmp ("gradlab-runner-XXXXXX", NULL);
  g_assert_nonnull (tmp_root);

  if (!strcmp (mode, "fast"))
    {
      g_test_add_func ("/app/runner/list", test_list);
      g_test_add_func ("/app/runner/bad/missing-file", test_bad_missing_file);
      g_test_add_func ("/app/runner/bad/invalid-json", test_bad_invalid_json);
      g_test_add_func ("/app/runner/bad/unknown-layer", test_bad_unknown_layer);
      g_test_add_func ("/app/runner/bad/unknown-knob", test_bad_unknown_knob);
      g_test_add_func ("/app/runner/bad/negative-lr", test_bad_negative_lr);
      g_test_add_func ("/app/runner/bad/set", test_bad_set);
      g_test_add_func ("/app/runner/bad/usage", test_bad_usage);
      g_test_add_func ("/app/runner/default", test_default);
      g_test_add_func ("/app/runner/outputs", test_outputs);
      g_test_add_func ("/app/runner/determinism", test_determinism);
      g_test_add_func ("/app/runner/diverge", test_diverge);
      g_test_add_func ("/app/runner/timeline", test_timeline);
      g_test_add_func ("/app/runner/checkpoint", test_checkpoint);
      g_test_add_func ("/app/runner/describe", test_describe);
      g_test_add_func ("/app/runner/seed-and-epochs", test_seed_and_epochs);
      g_test_add_func ("/app/results/toys", test_result_toys);
      g_test_add_func ("/app/results/gradient-ratios", test_result_ratios);
    }
  else
    {
      g_test_add_func ("/app/results/digits", test_result_digits);
      g_test_add_func ("/app/results/deep-sigmoid", test_result_deep_sigmoid);
      g_test_add_func ("/app/results/others", test_result_others);
    }
  status = g_test_run ();
  remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
