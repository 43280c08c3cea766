/* No allocation inside a step. This program is linked with
 * -Wl,--wrap=malloc (and calloc, realloc, posix_memalign, aligned_alloc),
 * which routes every allocation made by the engine's static library, and
 * by this file, through the counters below. Shared libraries (GLib,
 * OpenBLAS, libc itself) are not wrapped and not counted. */

#include <glib.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gr-session.h"
#include "test-util.h"

static atomic_int counting;
static atomic_int allocations;
/* Keeps the compiler from eliding the test's own malloc/free pair. */
static void *volatile sink;

void *__real_malloc (size_t n);
void *__real_calloc (size_t n, size_t size);
void *__real_realloc (void *p, size_t n);
int   __real_posix_memalign (void **p, size_t align, size_t n);
void *__real_aligned_alloc (size_t align, size_t n);
void *__wrap_malloc (size_t n);
void *__wrap_calloc (size_t n, size_t size);
void *__wrap_realloc (void *p, size_t n);
int   __wrap_posix_memalign (void **p, size_t align, size_t n);
void *__wrap_aligned_alloc (size_t align, size_t n);

static void
count (void)
{
  if (atomic_load (&counting))
    atomic_fetch_add (&allocations, 1);
}

void *
__wrap_malloc (size_t n)
{
  count ();
  return __real_malloc (n);
}

void *
__wrap_calloc (size_t n,
               size_t size)
{
  count ();
  return __real_calloc (n, size);
}

void *
__wrap_realloc (void   *p,
                size_t  n)
{
  count ();
  return __real_realloc (p, n);
}

int
__wrap_posix_memalign (void   **p,
                       size_t   align,
                       size_t   n)
{
  count ();
  return __real_posix_memalign (p, align, n);
}

void *
__wrap_aligned_alloc (size_t align,
                      size_t n)
{
  count ();
  return __real_aligned_alloc (align, n);
}

static void
test_counter_works (void)
{
  /* The wrap is in place: an allocation from this file is seen. */
  atomic_store (&allocations, 0);
  atomic_store (&counting, 1);
  sink = malloc (16);
  atomic_store (&counting, 0);
  free (sink);
  g_assert_cmpint (atomic_load (&allocations), ==, 1);

  /* And one from the engine's static library. */
  atomic_store (&allocations, 0);
  atomic_store (&counting, 1);
  gr_optim_free (gr_optim_new (8));
  atomic_store (&counting, 0);
  g_assert_cmpint (atomic_load (&allocations), >=, 2);
}

static void
test_step_allocates_nothing (void)
{
  GrDataset *ds = tu_dataset_classes (40, 4, 3, 1);
  GrSessionConfig cfg = { 0 };
  GrMlpSpec mlp = { .depth = 2, .width = 16, .act = GR_ACT_RELU, .batch_norm = true,
                    .dropout = 0.2f, .residual = true, .outputs = 3 };
  GrSession *s;
  char err[256] = "";

  gr_model_from_mlp (&cfg.model, ds->sample, &mlp);
  gr_knobs_defaults (&cfg.knobs);
  cfg.knobs.optimizer = GR_OPT_ADAMW;
  cfg.knobs.lr = 0.01f;
  cfg.knobs.batch_size = 16;
  cfg.knobs.input_noise = 0.1f;
  cfg.knobs.clip_norm = 1.0f;
  cfg.knobs.weighting = GR_WEIGHTING_INVERSE;
  cfg.knobs.schedule = GR_SCHED_COSINE;
  cfg.knobs.warmup_steps = 5;
  cfg.seed = 1;
  cfg.max_batch = 32;
  s = gr_session_new (&cfg, ds, NULL, err, sizeof err);
  g_assert_nonnull (s);
  gr_session_set_histogram_layer (s, 0);

  /* Warm-up: the first history chunk and the event list are made here. */
  g_assert_cmpint (gr_session_set_knob (s, "lr", "0.02", err, sizeof err), ==, GR_OK);
  for (int i = 0; i < 10; i++)
    g_assert_cmpint (gr_session_step (s), ==, GR_OK);

  atomic_store (&allocations, 0);
  atomic_store (&counting, 1);
  for (int i = 0; i < 100; i++)
    {
      GrStatus st;

      /* Live knob changes are applied inside the step, too. */
      if (i == 30)
        gr_session_set_knob (s, "optimizer", "momentum", err, sizeof err);
      if (i == 60)
        gr_session_set_knob (s, "loss", "focal", err, sizeof err);
      st = gr_session_step (s);
      if (st != GR_OK)
        {
          atomic_store (&counting, 0);
          g_error ("step: %s", gr_session_error (s));
        }
    }
  atomic_store (&counting, 0);
  g_test_message ("%d allocations in 100 steps", atomic_load (&allocations));
  g_assert_cmpint (atomic_load (&allocations), ==, 0);
  g_assert_cmpint (gr_history_n_events (gr_session_history (s)), ==, 3);
  gr_session_free (s);
  gr_dataset_free (ds);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/alloc/counter", test_counter_works);
  g_test_add_func ("/engine/alloc/step", test_step_allocates_nothing);

  return g_test_run ();
}
