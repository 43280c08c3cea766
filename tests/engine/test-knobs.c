/* Knobs: parsing and its error messages, printing round trips, diffs and
 * learning-rate schedules. */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gr-knobs.h"

static void
expect_error (const char *key,
              const char *value,
              const char *needle)
{
  GrKnobs k, before;
  char err[256] = "";

  gr_knobs_defaults (&k);
  before = k;
  g_assert_cmpint (gr_knobs_set (&k, key, value, err, sizeof err), ==, GR_ERR_ARG);
  g_test_message ("%s=%s: %s", key, value, err);
  /* The message names the knob and what is wrong. */
  g_assert_nonnull (strstr (err, key));
  if (needle != NULL)
    g_assert_nonnull (strstr (err, needle));
  /* A refused value changes nothing. */
  g_assert_cmpmem (&k, sizeof k, &before, sizeof before);
}

static void
test_set_errors (void)
{
  expect_error ("learning_rate", "0.1", "unknown");
  expect_error ("lr", "fast", "not a number");
  expect_error ("lr", "", "not a number");
  expect_error ("lr", "0.1x", "not a number");
  expect_error ("lr", "-0.1", "outside");
  expect_error ("lr", "0", "outside");
  expect_error ("lr", "nan", "outside");
  expect_error ("lr", "inf", "outside");
  expect_error ("momentum", "1", "outside");
  expect_error ("dropout", "1", "outside");
  expect_error ("l2", "-1e-4", "outside");
  expect_error ("batch_size", "0", "outside");
  expect_error ("batch_size", "2.5", "whole");
  expect_error ("optimizer", "lion", "adamw");
  expect_error ("activation", "swish", "gelu");
  expect_error ("batch_norm", "maybe", "true");
  expect_error ("class_weights", "1,-2", "item 2");
  expect_error ("class_weights", "1,,2", "item 2");
  expect_error ("focal_alpha", "a", "item 1");
  expect_error ("init_sigma", "0", "outside");
}

static void
test_set_values (void)
{
  GrKnobs k;
  char err[256];

  gr_knobs_defaults (&k);
  g_assert_cmpint (k.optimizer, ==, GR_OPT_SGD);
  g_assert_cmpfloat (k.lr, ==, 0.1f);
  g_assert_cmpint (k.batch_size, ==, 32);
  g_assert_cmpint (k.loss, ==, GR_LOSS_CE);
  g_assert_true (k.batch_norm);
  g_assert_cmpint (k.activation, ==, GR_ACT_RELU);
  g_assert_cmpint (k.init, ==, GR_INIT_HE);

  g_assert_cmpint (gr_knobs_set (&k, "lr", "0.01", err, sizeof err), ==, GR_OK);
  g_assert_cmpfloat (k.lr, ==, 0.01f);
  g_assert_cmpint (gr_knobs_set (&k, "lr", "1e-3 ", err, sizeof err), ==, GR_OK);
  g_assert_cmpfloat (k.lr, ==, 1e-3f);
  g_assert_cmpint (gr_knobs_set (&k, "optimizer", "adamw", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (k.optimizer, ==, GR_OPT_ADAMW);
  g_assert_cmpint (gr_knobs_set (&k, "batch_norm", "off", err, sizeof err), ==, GR_OK);
  g_assert_false (k.batch_norm);
  g_assert_cmpint (gr_knobs_set (&k, "batch_norm", "TRUE", err, sizeof err), ==, GR_OK);
  g_assert_true (k.batch_norm);
  g_assert_cmpint (gr_knobs_set (&k, "schedule", "cosine", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (k.schedule, ==, GR_SCHED_COSINE);
  g_assert_cmpint (gr_knobs_set (&k, "batch_size", "64", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (k.batch_size, ==, 64);
  g_assert_cmpint (gr_knobs_set (&k, "class_weights", "1,2.5,0", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (k.n_custom_weights, ==, 3);
  g_assert_cmpfloat (k.custom_weights[1], ==, 2.5f);
  /* Naming weights selects them. */
  g_assert_cmpint (k.weighting, ==, GR_WEIGHTING_CUSTOM);
  g_assert_cmpint (gr_knobs_set (&k, "focal_alpha", "0.25,0.75", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (k.n_focal_alpha, ==, 2);

  /* Validation of a struct filled by hand names the field. */
  gr_knobs_defaults (&k);
  g_assert_cmpint (gr_knobs_validate (&k, 64, err, sizeof err), ==, GR_OK);
  k.lr = -1.0f;
  g_assert_cmpint (gr_knobs_validate (&k, 64, err, sizeof err), ==, GR_ERR_ARG);
  g_assert_nonnull (strstr (err, "'lr'"));
  gr_knobs_defaults (&k);
  g_assert_cmpint (gr_knobs_validate (&k, 16, err, sizeof err), ==, GR_ERR_ARG);
  g_assert_nonnull (strstr (err, "batch_size"));
  k.optimizer = 17;
  g_assert_cmpint (gr_knobs_validate (&k, 64, err, sizeof err), ==, GR_ERR_ARG);
  g_assert_nonnull (strstr (err, "optimizer"));
  /* gr_knobs_check () hands the name over separately, and the message
   * without it (the app puts it into the field path). */
  {
    const char *key = "x";

    gr_knobs_defaults (&k);
    g_assert_cmpint (gr_knobs_check (&k, 64, &key, err, sizeof err), ==, GR_OK);
    g_assert_null (key);
    k.lr = -1.0f;
    g_assert_cmpint (gr_knobs_check (&k, 64, &key, err, sizeof err), ==, GR_ERR_ARG);
    g_assert_cmpstr (key, ==, "lr");
    g_assert_cmpstr (err, ==, "-1 is outside (0, 100]");
    gr_knobs_defaults (&k);
    g_assert_cmpint (gr_knobs_check (&k, 16, &key, err, sizeof err), ==, GR_ERR_ARG);
    g_assert_cmpstr (key, ==, "batch_size");
    g_assert_null (strstr (err, "batch_size"));
  }

  g_assert_true (gr_knobs_needs_reset ("init"));
  g_assert_true (gr_knobs_needs_reset ("init_sigma"));
  g_assert_false (gr_knobs_needs_reset ("lr"));
  g_assert_false (gr_knobs_needs_reset ("nonsense"));
}

static void
test_get_round_trip (void)
{
  const char *const *names = gr_knobs_names ();
  GrKnobs k, k2;
  char err[256], buf[512];
  int n = 0;

  gr_knobs_defaults (&k);
  /* Values that %g would round. */
  g_assert_cmpint (gr_knobs_set (&k, "lr", "0.0123456789", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_knobs_set (&k, "class_weights", "0.333333343,1", err, sizeof err), ==, GR_OK);
  k.beta2 = 0.99912345f;
  gr_knobs_defaults (&k2);
  for (; names[n] != NULL; n++)
    {
      g_assert_true (gr_knobs_get (&k, names[n], buf, sizeof buf));
      g_assert_cmpint (gr_knobs_set (&k2, names[n], buf, err, sizeof err), ==, GR_OK);
    }
  g_assert_cmpint (n, >, 20);
  /* Printing and parsing every knob gives back the same bits. */
  g_assert_cmpmem (&k, sizeof k, &k2, sizeof k2);
  g_assert_false (gr_knobs_get (&k, "nonsense", buf, sizeof buf));

  /* Short values stay short. */
  gr_knobs_defaults (&k);
  g_assert_true (gr_knobs_get (&k, "lr", buf, sizeof buf));
  g_assert_cmpstr (buf, ==, "0.1");
  g_assert_true (gr_knobs_get (&k, "eps", buf, sizeof buf));
  g_assert_cmpstr (buf, ==, "1e-08");
  g_assert_true (gr_knobs_get (&k, "optimizer", buf, sizeof buf));
  g_assert_cmpstr (buf, ==, "sgd");
}

static void
test_diff (void)
{
  GrKnobs a, b;
  char buf[256];

  gr_knobs_defaults (&a);
  b = a;
  g_assert_cmpint (gr_knobs_diff (&a, &b, buf, sizeof buf), ==, 0);
  g_assert_cmpstr (buf, ==, "");
  b.lr = 0.01f;
  g_assert_cmpint (gr_knobs_diff (&a, &b, buf, sizeof buf), ==, 1);
  g_assert_cmpstr (buf, ==, "lr 0.1 → 0.01");
  b.optimizer = GR_OPT_ADAM;
  b.batch_norm = false;
  g_assert_cmpint (gr_knobs_diff (&a, &b, buf, sizeof buf), ==, 3);
  g_assert_cmpstr (buf, ==, "optimizer sgd → adam; lr 0.1 → 0.01; batch_norm true → false");
  /* A short buffer is cut, not overrun; the count stays right. */
  g_assert_cmpint (gr_knobs_diff (&a, &b, buf, 10), ==, 3);
  g_assert_cmpuint (strlen (buf), <, 10);
}

static void
test_lr_schedules (void)
{
  GrKnobs k;

  gr_knobs_defaults (&k);
  k.lr = 0.1f;
  g_assert_cmpfloat (gr_knobs_lr_at (&k, 0), ==, 0.1f);
  g_assert_cmpfloat (gr_knobs_lr_at (&k, 123456), ==, 0.1f);

  /* Step: lr gamma^floor (step / step_size). */
  k.schedule = GR_SCHED_STEP;
  k.step_size = 10;
  k.gamma = 0.5f;
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 0), 0.1, 1e-8);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 9), 0.1, 1e-8);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 10), 0.05, 1e-8);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 25), 0.025, 1e-8);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 39), 0.0125, 1e-8);

  /* Cosine from lr to lr_min over T steps. */
  k.schedule = GR_SCHED_COSINE;
  k.lr = 1.0f;
  k.lr_min = 0.1f;
  k.cosine_steps = 100;
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 0), 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 25), 0.1 + 0.9 * (1 + cos (G_PI / 4)) / 2,
                                  1e-6);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 50), 0.55, 1e-6);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 99), 0.1 + 0.9 * (1 + cos (G_PI * 0.99)) / 2,
                                  1e-6);
  g_assert_cmpfloat (gr_knobs_lr_at (&k, 99), >=, 0.1f);

  /* Linear warm-up: (step + 1) / (warmup + 1) of the scheduled lr. */
  k.schedule = GR_SCHED_CONSTANT;
  k.lr = 0.1f;
  k.warmup_steps = 4;
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 0), 0.02, 1e-8);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 1), 0.04, 1e-8);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 3), 0.08, 1e-8);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 4), 0.1, 1e-8);
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 1000), 0.1, 1e-8);
  /* Warm-up multiplies whatever schedule is in force. */
  k.schedule = GR_SCHED_STEP;
  k.step_size = 2;
  k.gamma = 0.5f;
  g_assert_cmpfloat_with_epsilon (gr_knobs_lr_at (&k, 3), 0.1 * 0.5 * 4 / 5, 1e-8);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/knobs/set-errors", test_set_errors);
  g_test_add_func ("/engine/knobs/set-values", test_set_values);
  g_test_add_func ("/engine/knobs/round-trip", test_get_round_trip);
  g_test_add_func ("/engine/knobs/diff", test_diff);
  g_test_add_func ("/engine/knobs/lr-schedules", test_lr_schedules);

  return g_test_run ();
}
