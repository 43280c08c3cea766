/* The locked metric history. Step records live in fixed-size chunks so an
 * append never copies old rows (and allocates once every CHUNK steps);
 * per-layer probes are thinned evenly: when the buffer fills, every other
 * row is dropped and the recording stride doubles. */

#include "gr-history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK       16384
#define PROBE_ROWS  2048

struct _GrHistory
{
  pthread_mutex_t lock;
  uint64_t        serial;

  GrStepRecord  **chunks;
  int64_t         n_chunks_alloc;
  int64_t         n_steps;

  GrEvalRecord   *evals;
  int64_t         n_evals, evals_alloc;

  GrEvent        *events;
  int64_t         n_events, events_alloc;

  int             n_layers;
  char            names[GR_HISTORY_MAX_LAYERS][GR_NAME_LEN];

  GrProbe         latest[GR_HISTORY_MAX_LAYERS];
  int64_t         latest_step;
  bool            has_latest;

  GrProbe        *probe_rows;      /* PROBE_ROWS x GR_HISTORY_MAX_LAYERS */
  int64_t        *probe_steps;     /* PROBE_ROWS */
  int64_t         n_probe_rows;
  int64_t         probe_stride;
  int64_t         probe_counter;

  int             hist_layer;
  float           hist_lo, hist_hi;
  float           hist_counts[GR_HIST_BINS];
};

GrHistory *
gr_history_new (void)
{
  GrHistory *h = calloc (1, sizeof *h);

  if (h == NULL)
    return NULL;
  h->probe_rows = calloc ((size_t) PROBE_ROWS * GR_HISTORY_MAX_LAYERS, sizeof (GrProbe));
  h->probe_steps = calloc (PROBE_ROWS, sizeof (int64_t));
  if (h->probe_rows == NULL || h->probe_steps == NULL)
    {
      free (h->probe_rows);
      free (h->probe_steps);
      free (h);
      return NULL;
    }
  pthread_mutex_init (&h->lock, NULL);
  h->probe_stride = 1;
  h->hist_layer = -1;
  return h;
}

static void
clear_locked (GrHistory *h)
{
  for (int64_t i = 0; i < h->n_chunks_alloc; i++)
    free (h->chunks[i]);
  free (h->chunks);
  h->chunks = NULL;
  h->n_chunks_alloc = 0;
  h->n_steps = 0;
  h->n_evals = 0;
  h->n_events = 0;
  h->has_latest = false;
  h->n_probe_rows = 0;
  h->probe_stride = 1;
  h->probe_counter = 0;
  h->hist_layer = -1;
  h->serial++;
}

void
gr_history_free (GrHistory *h)
{
  if (h == NULL)
    return;
  clear_locked (h);
  free (h->evals);
  free (h->events);
  free (h->probe_rows);
  free (h->probe_steps);
  pthread_mutex_destroy (&h->lock);
  free (h);
}

void
gr_history_clear (GrHistory *h)
{
  pthread_mutex_lock (&h->lock);
  clear_locked (h);
  pthread_mutex_unlock (&h->lock);
}

void
gr_history_set_layers (GrHistory         *h,
                       int                n_layers,
                       const char *const *names)
{
  pthread_mutex_lock (&h->lock);
  if (n_layers > GR_HISTORY_MAX_LAYERS)
    n_layers = GR_HISTORY_MAX_LAYERS;
  h->n_layers = n_layers;
  for (int i = 0; i < n_layers; i++)
    snprintf (h->names[i], GR_NAME_LEN, "%s", names[i]);
  h->serial++;
  pthread_mutex_unlock (&h->lock);
}

void
gr_history_append_step (GrHistory          *h,
                        const GrStepRecord *rec,
                        const GrProbe      *probes)
{
  int64_t chunk, row;

  pthread_mutex_lock (&h->lock);
  chunk = h->n_steps / CHUNK;
  row = h->n_steps % CHUNK;
  if (chunk >= h->n_chunks_alloc)
    {
      int64_t n = h->n_chunks_alloc ? h->n_chunks_alloc * 2 : 16;
      GrStepRecord **c = realloc (h->chunks, (size_t) n * sizeof *c);

      if (c == NULL)
        {
          pthread_mutex_unlock (&h->lock);
          return;
        }
      memset (c + h->n_chunks_alloc, 0, (size_t) (n - h->n_chunks_alloc) * sizeof *c);
      h->chunks = c;
      h->n_chunks_alloc = n;
    }
  if (h->chunks[chunk] == NULL)
    {
      h->chunks[chunk] = malloc (CHUNK * sizeof (GrStepRecord));
      if (h->chunks[chunk] == NULL)
        {
          pthread_mutex_unlock (&h->lock);
          return;
        }
    }
  h->chunks[chunk][row] = *rec;
  h->n_steps++;

  if (probes != NULL && h->n_layers > 0)
    {
      memcpy (h->latest, probes, sizeof (GrProbe) * h->n_layers);
      h->latest_step = rec->step;
      h->has_latest = true;
      if (h->probe_counter++ % h->probe_stride == 0)
        {
          if (h->n_probe_rows == PROBE_ROWS)
            {
              for (int64_t i = 0; i < PROBE_ROWS / 2; i++)
                {
                  memmove (h->probe_rows + i * GR_HISTORY_MAX_LAYERS,
                          h->probe_rows + 2 * i * GR_HISTORY_MAX_LAYERS,
                          sizeof (GrProbe) * h->n_layers);
                  h->probe_steps[i] = h->probe_steps[2 * i];
                }
              h->n_probe_rows = PROBE_ROWS / 2;
              h->probe_stride *= 2;
              h->probe_counter = 1;
            }
          memcpy (h->probe_rows + h->n_probe_rows * GR_HISTORY_MAX_LAYERS, probes,
                  sizeof (GrProbe) * h->n_layers);
          h->probe_steps[h->n_probe_rows] = rec->step;
          h->n_probe_rows++;
        }
    }
  h->serial++;
  pthread_mutex_unlock (&h->lock);
}

void
gr_history_append_eval (GrHistory          *h,
                        const GrEvalRecord *rec)
{
  pthread_mutex_lock (&h->lock);
  if (h->n_evals == h->evals_alloc)
    {
      int64_t n = h->evals_alloc ? h->evals_alloc * 2 : 256;
      GrEvalRecord *e = realloc (h->evals, (size_t) n * sizeof *e);

      if (e == NULL)
        {
          pthread_mutex_unlock (&h->lock);
          return;
        }
      h->evals = e;
      h->evals_alloc = n;
    }
  h->evals[h->n_evals++] = *rec;
  h->serial++;
  pthread_mutex_unlock (&h->lock);
}

void
gr_history_append_event (GrHistory   *h,
                         int64_t      step,
                         GrEventKind  kind,
                         const char  *text)
{
  pthread_mutex_lock (&h->lock);
  if (h->n_events == h->events_alloc)
    {
      int64_t n = h->events_alloc ? h->events_alloc * 2 : 64;
      GrEvent *e = realloc (h->events, (size_t) n * sizeof *e);

      if (e == NULL)
        {
          pthread_mutex_unlock (&h->lock);
          return;
        }
      h->events = e;
      h->events_alloc = n;
    }
  h->events[h->n_events].step = step;
  h->events[h->n_events].kind = kind;
  snprintf (h->events[h->n_events].text, GR_EVENT_TEXT_LEN, "%s", text);
  h->n_events++;
  h->serial++;
  pthread_mutex_unlock (&h->lock);
}

void
gr_history_set_histogram (GrHistory   *h,
                          int          layer,
                          float        lo,
                          float        hi,
                          const float *counts)
{
  pthread_mutex_lock (&h->lock);
  h->hist_layer = layer;
  h->hist_lo = lo;
  h->hist_hi = hi;
  memcpy (h->hist_counts, counts, sizeof h->hist_counts);
  h->serial++;
  pthread_mutex_unlock (&h->lock);
}

#define LOCKED_GETTER(type, fn, expr) \
  type fn (GrHistory *h) { type v; pthread_mutex_lock (&h->lock); v = (expr); \
                           pthread_mutex_unlock (&h->lock); return v; }

LOCKED_GETTER (int64_t, gr_history_n_steps, h->n_steps)
LOCKED_GETTER (int64_t, gr_history_n_evals, h->n_evals)
LOCKED_GETTER (int64_t, gr_history_n_events, h->n_events)
LOCKED_GETTER (uint64_t, gr_history_serial, h->serial)
LOCKED_GETTER (int, gr_history_n_layers, h->n_layers)
LOCKED_GETTER (int64_t, gr_history_n_probe_rows, h->n_probe_rows)

int64_t
gr_history_copy_steps (GrHistory    *h,
                       int64_t       from,
                       int64_t       max,
                       GrStepRecord *out)
{
  int64_t n = 0;

  pthread_mutex_lock (&h->lock);
  for (int64_t i = from; i < h->n_steps && n < max; i++, n++)
    out[n] = h->chunks[i / CHUNK][i % CHUNK];
  pthread_mutex_unlock (&h->lock);
  return n;
}

int64_t
gr_history_copy_evals (GrHistory    *h,
                       int64_t       from,
                       int64_t       max,
                       GrEvalRecord *out)
{
  int64_t n = 0;

  pthread_mutex_lock (&h->lock);
  for (int64_t i = from; i < h->n_evals && n < max; i++, n++)
    out[n] = h->evals[i];
  pthread_mutex_unlock (&h->lock);
  return n;
}

int64_t
gr_history_copy_events (GrHistory *h,
                        int64_t    from,
                        int64_t    max,
                        GrEvent   *out)
{
  int64_t n = 0;

  pthread_mutex_lock (&h->lock);
  for (int64_t i = from; i < h->n_events && n < max; i++, n++)
    out[n] = h->events[i];
  pthread_mutex_unlock (&h->lock);
  return n;
}

void
gr_history_layer_name (GrHistory *h,
                       int        i,
                       char      *buf,
                       size_t     len)
{
  pthread_mutex_lock (&h->lock);
  snprintf (buf, len, "%s", (i >= 0 && i < h->n_layers) ? h->names[i] : "");
  pthread_mutex_unlock (&h->lock);
}

bool
gr_history_latest_probes (GrHistory *h,
                          int64_t   *step,
                          GrProbe   *out)
{
  bool has;

  pthread_mutex_lock (&h->lock);
  has = h->has_latest;
  if (has)
    {
      memcpy (out, h->latest, sizeof (GrProbe) * h->n_layers);
      if (step)
        *step = h->latest_step;
    }
  pthread_mutex_unlock (&h->lock);
  return has;
}

int64_t
gr_history_copy_probes (GrHistory *h,
                        int64_t    max,
                        int64_t   *steps,
                        GrProbe   *out)
{
  int64_t n;

  pthread_mutex_lock (&h->lock);
  n = h->n_probe_rows < max ? h->n_probe_rows : max;
  for (int64_t i = 0; i < n; i++)
    {
      steps[i] = h->probe_steps[i];
      memcpy (out + i * h->n_layers, h->probe_rows + i * GR_HISTORY_MAX_LAYERS,
              sizeof (GrProbe) * h->n_layers);
    }
  pthread_mutex_unlock (&h->lock);
  return n;
}

bool
gr_history_histogram (GrHistory *h,
                      int       *layer,
                      float     *lo,
                      float     *hi,
                      float     *counts)
{
  bool has;

  pthread_mutex_lock (&h->lock);
  has = h->hist_layer >= 0;
  *layer = h->hist_layer;
  *lo = h->hist_lo;
  *hi = h->hist_hi;
  memcpy (counts, h->hist_counts, sizeof h->hist_counts);
  pthread_mutex_unlock (&h->lock);
  return has;
}
