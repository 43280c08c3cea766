/* Checkpoints: bit-identical resume, rejection of damaged, foreign and
 * mismatched files without touching the session, atomic writes. */

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gr-session.h"
#include "test-util.h"

typedef struct
{
  char            *dir;
  char            *path;
  GrDataset       *ds;
  GrSessionConfig  cfg;
} Fixture;

static GrSessionConfig
config_for (const GrDataset *ds,
            int              width)
{
  GrSessionConfig cfg = { 0 };
  GrMlpSpec mlp = { .depth = 2, .width = width, .act = GR_ACT_RELU, .batch_norm = true,
                    .dropout = 0.2f, .outputs = 3 };

  g_assert_cmpint (gr_model_from_mlp (&cfg.model, ds->sample, &mlp), ==, GR_OK);
  gr_knobs_defaults (&cfg.knobs);
  /* Everything with state: Adam's moments and counter, a schedule that
   * depends on the step, dropout and noise from the session RNG, BN
   * running statistics, epochs of 2.5 batches. */
  cfg.knobs.optimizer = GR_OPT_ADAM;
  cfg.knobs.lr = 0.01f;
  cfg.knobs.schedule = GR_SCHED_COSINE;
  cfg.knobs.cosine_steps = 50;
  cfg.knobs.lr_min = 0.001f;
  cfg.knobs.batch_size = 16;
  cfg.knobs.input_noise = 0.1f;
  cfg.seed = 42;
  cfg.max_batch = 32;
  cfg.threads = 1;
  return cfg;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  GError *error = NULL;

  f->dir = g_dir_make_tmp ("gradlab-ckpt-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "run.ckpt", NULL);
  f->ds = tu_dataset_classes (40, 4, 3, 1);
  f->cfg = config_for (f->ds, 16);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  GDir *d = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);

      g_unlink (p);
    }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  gr_dataset_free (f->ds);
}

static GrSession *
session_new (const GrSessionConfig *cfg,
             const GrDataset       *ds)
{
  char err[256] = "";
  GrSession *s = gr_session_new (cfg, ds, NULL, err, sizeof err);

  if (s == NULL)
    g_error ("gr_session_new: %s", err);
  return s;
}

static void
run (GrSession *s,
     int        steps)
{
  for (int i = 0; i < steps; i++)
    if (gr_session_step (s) != GR_OK)
      g_error ("step: %s", gr_session_error (s));
}

static GrStepRecord *
steps_from (GrSession *s,
            int64_t    from,
            int64_t   *n)
{
  GrHistory *h = gr_session_history (s);
  GrStepRecord *r;

  *n = gr_history_n_steps (h) - from;
  r = g_new0 (GrStepRecord, *n + 1);
  g_assert_cmpint (gr_history_copy_steps (h, from, *n, r), ==, *n);
  return r;
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  GrSession *a = session_new (&f->cfg, f->ds), *b = session_new (&f->cfg, f->ds);
  GrStepRecord *ra, *rb;
  GrKnobs ka, kb;
  int64_t na, nb;
  char err[256];
  g_autofree char *tmp = g_strconcat (f->path, ".tmp", NULL);

  run (a, 6);
  /* A knob changed mid-run, with a value %g would round. */
  g_assert_cmpint (gr_session_set_knob (a, "lr", "0.0123456789", err, sizeof err), ==, GR_OK);
  g_assert_cmpint (gr_session_set_knob (a, "dropout", "0.3", err, sizeof err), ==, GR_OK);
  run (a, 1);
  g_assert_cmpint (gr_session_save_checkpoint (a, f->path), ==, GR_OK);
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
  run (a, 9);

  /* b has done other things before loading: they must not matter. */
  run (b, 3);
  g_assert_cmpint (gr_session_load_checkpoint (b, f->path), ==, GR_OK);
  g_assert_cmpint (gr_session_step_count (b), ==, 7);
  gr_session_get_knobs (b, &kb);
  g_assert_cmpfloat (kb.lr, ==, 0.0123456789f);
  g_assert_cmpfloat (kb.dropout, ==, 0.3f);
  run (b, 9);

  ra = steps_from (a, 7, &na);
  rb = steps_from (b, 3, &nb);
  g_assert_cmpint (na, ==, 9);
  g_assert_cmpint (nb, ==, 9);
  for (int i = 0; i < 9; i++)
    {
      g_assert_cmpint (ra[i].step, ==, 8 + i);
      g_assert_cmpint (rb[i].step, ==, 8 + i);
      g_assert_cmpint (ra[i].epoch, ==, rb[i].epoch);
      g_assert_cmpmem (&ra[i].loss, sizeof (float), &rb[i].loss, sizeof (float));
      g_assert_cmpmem (&ra[i].acc, sizeof (float), &rb[i].acc, sizeof (float));
      g_assert_cmpmem (&ra[i].lr, sizeof (float), &rb[i].lr, sizeof (float));
      g_assert_cmpmem (&ra[i].grad_norm, sizeof (float), &rb[i].grad_norm, sizeof (float));
    }
  g_assert_cmpmem (gr_net_params (gr_session_net (a)), gr_net_n_params (gr_session_net (a)) * 4,
                   gr_net_params (gr_session_net (b)), gr_net_n_params (gr_session_net (b)) * 4);
  g_assert_cmpmem (gr_net_state (gr_session_net (a)), gr_net_n_state (gr_session_net (a)) * 4,
                   gr_net_state (gr_session_net (b)), gr_net_n_state (gr_session_net (b)) * 4);
  gr_session_get_knobs (a, &ka);
  g_assert_cmpmem (&ka, sizeof ka, &kb, sizeof kb);
  g_free (ra);
  g_free (rb);
  gr_session_free (a);
  gr_session_free (b);
}

/* Everything a rejected load must leave alone. */
typedef struct
{
  float   *params, *state;
  size_t   np, ns;
  int64_t  step, epoch;
  GrKnobs  knobs;
} Snapshot;

static void
snapshot_take (Snapshot  *snap,
               GrSession *s)
{
  GrNet *net = gr_session_net (s);

  snap->np = gr_net_n_params (net);
  snap->ns = gr_net_n_state (net);
  snap->params = g_memdup2 (gr_net_params (net), snap->np * sizeof (float));
  snap->state = g_memdup2 (gr_net_state (net), snap->ns * sizeof (float));
  snap->step = gr_session_step_count (s);
  snap->epoch = gr_session_epoch (s);
  gr_session_get_knobs (s, &snap->knobs);
}

static void
snapshot_assert_same (const Snapshot *snap,
                      GrSession      *s)
{
  GrNet *net = gr_session_net (s);
  GrKnobs k;

  g_assert_cmpmem (snap->params, snap->np * sizeof (float), gr_net_params (net),
                   gr_net_n_params (net) * sizeof (float));
  g_assert_cmpmem (snap->state, snap->ns * sizeof (float), gr_net_state (net),
                   gr_net_n_state (net) * sizeof (float));
  g_assert_cmpint (snap->step, ==, gr_session_step_count (s));
  g_assert_cmpint (snap->epoch, ==, gr_session_epoch (s));
  gr_session_get_knobs (s, &k);
  g_assert_cmpmem (&snap->knobs, sizeof k, &k, sizeof k);
}

static void
write_file (const char *path,
            const void *data,
            size_t      len)
{
  GError *error = NULL;

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

/* CRC-32 (IEEE), bit by bit. */
static uint32_t
crc32 (const uint8_t *p,
       size_t         n)
{
  uint32_t crc = 0xffffffffu;

  for (size_t i = 0; i < n; i++)
    {
      crc ^= p[i];
      for (int k = 0; k < 8; k++)
        crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
    }
  return ~crc;
}

static void
test_rejects (Fixture       *f,
              gconstpointer  data)
{
  GrSession *a = session_new (&f->cfg, f->ds);
  GrSession *b = session_new (&f->cfg, f->ds), *twin = session_new (&f->cfg, f->ds);
  GrSessionConfig other_cfg = config_for (f->ds, 12);
  GrSession *other = session_new (&other_cfg, f->ds);
  g_autofree char *bad = g_build_filename (f->dir, "bad.ckpt", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.ckpt", NULL);
  g_autofree char *other_path = g_build_filename (f->dir, "other.ckpt", NULL);
  g_autofree char *contents = NULL;
  GError *error = NULL;
  Snapshot snap;
  gsize len;
  float lb, lt;

  run (a, 5);
  g_assert_cmpint (gr_session_save_checkpoint (a, f->path), ==, GR_OK);
  g_file_get_contents (f->path, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, >, 200);
  g_assert_cmpmem (contents, 8, "GRADLAB\x1a", 8);
  {
    uint32_t c;

    memcpy (&c, contents + len - 4, sizeof c);
    g_assert_cmpuint (c, ==, crc32 ((const uint8_t *) contents, len - 4));
  }

  run (b, 2);
  run (twin, 2);
  snapshot_take (&snap, b);

  /* Truncated: cut in the payload, and inside the header. */
  write_file (bad, contents, len / 2);
  g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_TRUNCATED);
  snapshot_assert_same (&snap, b);
  write_file (bad, contents, len - 1);
  g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_TRUNCATED);
  write_file (bad, contents, 20);
  g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_TRUNCATED);
  snapshot_assert_same (&snap, b);

  /* One flipped bit in the parameters, and in the knob text. */
  {
    g_autofree char *copy = g_memdup2 (contents, len);

    copy[len / 2] ^= 0x10;
    write_file (bad, copy, len);
    g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_CHECKSUM);
    snapshot_assert_same (&snap, b);
    copy[len / 2] ^= 0x10;
    copy[len - 10] ^= 0x01;
    write_file (bad, copy, len);
    g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_CHECKSUM);
    snapshot_assert_same (&snap, b);
  }

  /* Another version. */
  {
    g_autofree char *copy = g_memdup2 (contents, len);
    uint32_t v = 2;

    memcpy (copy + 8, &v, sizeof v);
    write_file (bad, copy, len);
    g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_VERSION);
    snapshot_assert_same (&snap, b);
  }

  /* Not a checkpoint at all: text, an empty file, a PNG signature; and a
   * file that does not exist. */
  {
    const char text[] = "{ \"this\": \"is an experiment file, not a checkpoint\" }\n"
                        "padding padding padding padding padding padding padding padding "
                        "padding padding padding padding padding padding padding padding\n";

    write_file (bad, text, sizeof text - 1);
    g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_FORMAT);
    write_file (bad, "", 0);
    g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_FORMAT);
    write_file (bad, "\x89PNG\r\n\x1a\n", 8);
    g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_FORMAT);
    g_assert_cmpint (gr_session_load_checkpoint (b, missing), ==, GR_ERR_IO);
    snapshot_assert_same (&snap, b);
  }

  /* A header whose sizes do not add up, under a valid CRC (a foreign
   * writer): refused before any size is used. n_knobs is at byte 88. */
  {
    g_autofree char *copy = g_memdup2 (contents, len);
    uint64_t huge = (uint64_t) 1 << 40;
    uint32_t c;

    memcpy (copy + 88, &huge, sizeof huge);
    c = crc32 ((const uint8_t *) copy, len - 4);
    memcpy (copy + len - 4, &c, sizeof c);
    write_file (bad, copy, len);
    g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_FORMAT);
    snapshot_assert_same (&snap, b);
  }

  /* Trailing bytes after a good file. */
  {
    g_autofree char *longer = g_malloc (len + 4);

    memcpy (longer, contents, len);
    memset (longer + len, 0, 4);
    write_file (bad, longer, len + 4);
    g_assert_cmpint (gr_session_load_checkpoint (b, bad), ==, GR_ERR_FORMAT);
    snapshot_assert_same (&snap, b);
  }

  /* Another network (width 12), both ways. */
  run (other, 1);
  g_assert_cmpint (gr_session_save_checkpoint (other, other_path), ==, GR_OK);
  g_assert_cmpint (gr_session_load_checkpoint (b, other_path), ==, GR_ERR_MISMATCH);
  snapshot_assert_same (&snap, b);
  g_assert_cmpint (gr_session_load_checkpoint (other, f->path), ==, GR_ERR_MISMATCH);

  /* After all that, b runs on exactly as its twin that saw no loads. */
  g_assert_cmpint (gr_session_step (b), ==, GR_OK);
  g_assert_cmpint (gr_session_step (twin), ==, GR_OK);
  g_assert_true (gr_history_copy_steps (gr_session_history (b), 2, 1, &(GrStepRecord) { 0 }) == 1);
  {
    GrStepRecord rb, rt;

    gr_history_copy_steps (gr_session_history (b), 2, 1, &rb);
    gr_history_copy_steps (gr_session_history (twin), 2, 1, &rt);
    lb = rb.loss;
    lt = rt.loss;
  }
  g_assert_cmpmem (&lb, sizeof lb, &lt, sizeof lt);

  /* And the good file still loads. */
  g_assert_cmpint (gr_session_load_checkpoint (b, f->path), ==, GR_OK);
  g_assert_cmpint (gr_session_step_count (b), ==, 5);

  g_free (snap.params);
  g_free (snap.state);
  gr_session_free (a);
  gr_session_free (b);
  gr_session_free (twin);
  gr_session_free (other);
}

static void
test_atomic (Fixture       *f,
             gconstpointer  data)
{
  GrSession *a = session_new (&f->cfg, f->ds);
  g_autofree char *tmp = g_strconcat (f->path, ".tmp", NULL);
  g_autofree char *nodir = g_build_filename (f->dir, "no", "such", "dir.ckpt", NULL);
  g_autofree char *first = NULL, *second = NULL;
  gsize l1, l2;

  run (a, 2);
  g_assert_cmpint (gr_session_save_checkpoint (a, f->path), ==, GR_OK);
  g_assert_true (g_file_get_contents (f->path, &first, &l1, NULL));
  /* Overwriting replaces the file as a whole and leaves no temporary. */
  run (a, 2);
  g_assert_cmpint (gr_session_save_checkpoint (a, f->path), ==, GR_OK);
  g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (f->path, &second, &l2, NULL));
  g_assert_cmpuint (l1, ==, l2);
  g_assert_true (memcmp (first, second, l1) != 0);
  /* A directory that does not exist: an I/O error, nothing written, the
   * old file untouched. */
  g_assert_cmpint (gr_session_save_checkpoint (a, nodir), ==, GR_ERR_IO);
  g_assert_false (g_file_test (nodir, G_FILE_TEST_EXISTS));
  {
    g_autofree char *again = NULL;
    gsize l3;

    g_assert_true (g_file_get_contents (f->path, &again, &l3, NULL));
    g_assert_cmpmem (again, l3, second, l2);
  }
  /* Two saves of the same state are byte-identical. */
  g_assert_cmpint (gr_session_save_checkpoint (a, f->path), ==, GR_OK);
  {
    g_autofree char *third = NULL;
    gsize l3;

    g_assert_true (g_file_get_contents (f->path, &third, &l3, NULL));
    g_assert_cmpmem (third, l3, second, l2);
  }
  gr_session_free (a);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/checkpoint/round-trip", Fixture, NULL, fixture_setup, test_round_trip,
              fixture_teardown);
  g_test_add ("/engine/checkpoint/rejects", Fixture, NULL, fixture_setup, test_rejects,
              fixture_teardown);
  g_test_add ("/engine/checkpoint/atomic", Fixture, NULL, fixture_setup, test_atomic,
              fixture_teardown);

  return g_test_run ();
}
