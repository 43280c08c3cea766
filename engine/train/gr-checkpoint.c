/* Checkpoints. Layout (little-endian, as written by this machine):
 *
 *   "GRADLAB\x1a" magic (8)        u32 version      u32 flags
 *   u64 total file size            u64 network signature
 *   i64 step   i64 epoch           i64 adam t
 *   u64 n_params  u64 n_state  u64 n_opt  u64 n_perm  u64 knob text bytes
 *   GrRng session rng (16)         GrRng batcher rng (16)   i64 batcher pos
 *   params, BN state, optimizer slabs (floats); batcher permutation (i32);
 *   knobs as "key=value\n" text
 *   u32 CRC-32 of everything before it
 *
 * Flags (the word was "reserved", 0, before there were any): bit 0 = the
 * run's inputs were standardized (gr_session_standardize_inputs ()); a
 * load into a session on raw data standardizes it too, as the weights
 * expect. Older files have 0.
 *
 * Saving goes to PATH.tmp, fsync, rename: a crash never leaves a half
 * file under the real name. */

#include "gr-session-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "GRADLAB\x1a"
#define VERSION 1u
#define FLAG_STANDARDIZED 1u

typedef struct
{
  char     magic[8];
  uint32_t version;
  uint32_t flags;
  uint64_t total;
  uint64_t signature;
  int64_t  step, epoch, adam_t;
  uint64_t n_params, n_state, n_opt, n_perm, n_knobs;
  GrRng    rng, batch_rng;
  int64_t  batch_pos;
} Header;

static uint32_t
crc32_update (uint32_t       crc,
              const uint8_t *p,
              size_t         n)
{
  static uint32_t table[256];

  if (table[1] == 0)
    for (uint32_t i = 0; i < 256; i++)
      {
        uint32_t c = i;

        for (int k = 0; k < 8; k++)
          c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
      }
  crc = ~crc;
  for (size_t i = 0; i < n; i++)
    crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

/* FNV-1a over what makes two networks interchangeable: kinds, shapes and
 * parameter counts of every node. */
static uint64_t
net_signature (const GrNet *net)
{
  uint64_t h = 1469598103934665603ULL;

  for (int i = 0; i < gr_net_n_nodes (net); i++)
    {
      const GrLayerSpec *sp = gr_net_node_spec (net, i);
      GrShape sh = gr_net_node_shape (net, i);
      uint64_t v[5] = { (uint64_t) sp->kind, (uint64_t) sh.c, (uint64_t) sh.h,
                        (uint64_t) sh.w, gr_net_node_n_params (net, i) };

      for (size_t k = 0; k < sizeof v; k++)
        {
          h ^= ((const uint8_t *) v)[k];
          h *= 1099511628211ULL;
        }
    }
  return h;
}

/* The sizes in @h add up to its total. Checked after the CRC, before any
 * size is used to index the file: a consistent CRC says the bytes are as
 * written, not that the writer was this one. Each count is at most the
 * total (a real file size), so the sum cannot overflow. */
static bool
header_consistent (const Header *h)
{
  if (h->n_params > h->total || h->n_state > h->total || h->n_opt > h->total
      || h->n_perm > h->total || h->n_knobs > h->total)
    return false;
  return h->total == sizeof *h + sizeof (float) * (h->n_params + h->n_state + h->n_opt)
                     + sizeof (int32_t) * h->n_perm + h->n_knobs + sizeof (uint32_t);
}

static bool
knob_known (const char *key)
{
  for (const char *const *n = gr_knobs_names (); *n != NULL; n++)
    if (strcmp (*n, key) == 0)
      return true;
  return false;
}

static size_t
knob_text (const GrKnobs *k,
           char          *buf,
           size_t         len)
{
  const char *const *names = gr_knobs_names ();
  size_t used = 0;

  for (int i = 0; names[i] != NULL; i++)
    {
      char v[512];

      gr_knobs_get (k, names[i], v, sizeof v);
      used += (size_t) snprintf (buf ? buf + used : NULL, buf ? len - used : 0, "%s=%s\n",
                                 names[i], v);
    }
  return used;
}

GrStatus
gr_session_save_checkpoint (GrSession  *s,
                            const char *path)
{
  Header h = { 0 };
  size_t n_knobs = knob_text (&s->knobs, NULL, 0);
  char *knobs = malloc (n_knobs + 1);
  char tmp[4096];
  FILE *f;
  uint32_t crc = 0;
  int ok = 1;

  if (knobs == NULL)
    return GR_ERR_NOMEM;
  knob_text (&s->knobs, knobs, n_knobs + 1);
  memcpy (h.magic, MAGIC, 8);
  h.version = VERSION;
  h.flags = s->standardized ? FLAG_STANDARDIZED : 0u;
  h.signature = net_signature (s->net);
  h.step = s->step;
  h.epoch = s->batcher.epoch;
  h.adam_t = gr_optim_t (s->opt);
  h.n_params = gr_net_n_params (s->net);
  h.n_state = gr_net_n_state (s->net);
  h.n_opt = gr_optim_n_state (s->opt);
  h.n_perm = (uint64_t) s->train->n;
  h.n_knobs = n_knobs;
  h.rng = s->rng;
  h.batch_rng = s->batcher.rng;
  h.batch_pos = s->batcher.pos;
  h.total = sizeof h + sizeof (float) * (h.n_params + h.n_state + h.n_opt)
            + sizeof (int32_t) * h.n_perm + h.n_knobs + sizeof (uint32_t);

  if ((size_t) snprintf (tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
    {
      free (knobs);
      return GR_ERR_ARG;
    }
  f = fopen (tmp, "wb");
  if (f == NULL)
    {
      free (knobs);
      return GR_ERR_IO;
    }

#define PUT(ptr, bytes) do { \
    if (ok && (bytes) > 0) { \
      ok = fwrite ((ptr), 1, (bytes), f) == (size_t) (bytes); \
      crc = crc32_update (crc, (const uint8_t *) (ptr), (bytes)); } } while (0)

  PUT (&h, sizeof h);
  PUT (gr_net_params (s->net), sizeof (float) * h.n_params);
  PUT (gr_net_state (s->net), sizeof (float) * h.n_state);
  PUT (gr_optim_state (s->opt), sizeof (float) * h.n_opt);
  {
    const int32_t *perm = (const int32_t *) s->batcher.perm;

    PUT (perm, sizeof (int32_t) * h.n_perm);
  }
  PUT (knobs, n_knobs);
#undef PUT
  if (ok)
    ok = fwrite (&crc, 1, sizeof crc, f) == sizeof crc;
  ok = ok && fflush (f) == 0 && fsync (fileno (f)) == 0;
  ok = (fclose (f) == 0) && ok;
  free (knobs);
  if (!ok || rename (tmp, path) != 0)
    {
      unlink (tmp);
      return GR_ERR_IO;
    }
  return GR_OK;
}

GrStatus
gr_session_load_checkpoint (GrSession  *s,
                            const char *path)
{
  FILE *f = fopen (path, "rb");
  uint8_t *buf = NULL;
  long size;
  Header h;
  const uint8_t *p;
  uint32_t crc;
  GrKnobs k;
  GrStatus st = GR_OK;

  if (f == NULL)
    return GR_ERR_IO;
  if (fseek (f, 0, SEEK_END) != 0 || (size = ftell (f)) < 0 || fseek (f, 0, SEEK_SET) != 0)
    {
      fclose (f);
      return GR_ERR_IO;
    }
  if ((size_t) size < sizeof h)
    {
      /* Too short even for a header: tell a stranger from a stub. */
      uint8_t head[8] = { 0 };
      size_t got = fread (head, 1, sizeof head, f);

      fclose (f);
      return got >= 8 && memcmp (head, MAGIC, 8) == 0 ? GR_ERR_TRUNCATED : GR_ERR_FORMAT;
    }
  buf = malloc ((size_t) size);
  if (buf == NULL)
    {
      fclose (f);
      return GR_ERR_NOMEM;
    }
  if (fread (buf, 1, (size_t) size, f) != (size_t) size)
    {
      fclose (f);
      free (buf);
      return GR_ERR_IO;
    }
  fclose (f);
  memcpy (&h, buf, sizeof h);

  if (memcmp (h.magic, MAGIC, 8) != 0)
    st = GR_ERR_FORMAT;
  else if (h.version != VERSION)
    st = GR_ERR_VERSION;
  else if ((uint64_t) size < h.total)
    st = GR_ERR_TRUNCATED;
  else if ((uint64_t) size > h.total)
    st = GR_ERR_FORMAT;
  else
    {
      memcpy (&crc, buf + size - sizeof crc, sizeof crc);
      if (crc32_update (0, buf, (size_t) size - sizeof crc) != crc)
        st = GR_ERR_CHECKSUM;
      else if (!header_consistent (&h))
        st = GR_ERR_FORMAT;
      else if (h.signature != net_signature (s->net)
               || h.n_params != gr_net_n_params (s->net)
               || h.n_state != gr_net_n_state (s->net)
               || h.n_opt != gr_optim_n_state (s->opt)
               || h.n_perm != (uint64_t) s->train->n)
        st = GR_ERR_MISMATCH;
    }
  if (st != GR_OK)
    {
      free (buf);
      return st;
    }

  /* Parse the knobs before touching anything, so a bad knob block leaves
   * the session as it was. */
  k = s->knobs;
  p = buf + sizeof h + sizeof (float) * (h.n_params + h.n_state + h.n_opt)
      + sizeof (int32_t) * h.n_perm;
  {
    char *text = malloc (h.n_knobs + 1);
    char *line, *save = NULL;

    if (text == NULL)
      {
        free (buf);
        return GR_ERR_NOMEM;
      }
    memcpy (text, p, h.n_knobs);
    text[h.n_knobs] = '\0';
    for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
      {
        char *eq = strchr (line, '='), err[256];

        if (eq == NULL)
          {
            st = GR_ERR_FORMAT;
            break;
          }
        *eq = '\0';
        /* Unknown keys from a newer writer are skipped. (Asked of the
         * knob table, not of the error text, which may be translated.) */
        if (knob_known (line)
            && gr_knobs_set (&k, line, eq + 1, err, sizeof err) != GR_OK)
          {
            st = GR_ERR_FORMAT;
            break;
          }
      }
    free (text);
    if (st == GR_OK)
      {
        for (uint64_t i = 0; i < h.n_perm; i++)
          {
            int32_t v;

            memcpy (&v, buf + sizeof h + sizeof (float) * (h.n_params + h.n_state + h.n_opt)
                    + i * sizeof v, sizeof v);
            if (v < 0 || (uint64_t) v >= h.n_perm)
              st = GR_ERR_FORMAT;
          }
      }
    if (st != GR_OK)
      {
        free (buf);
        return st;
      }
  }

  /* Weights trained on standardized inputs need them. The last thing
   * that can fail, so a failure leaves the session as it was. */
  if ((h.flags & FLAG_STANDARDIZED) && !s->standardized)
    {
      char err[64];

      st = gr_session_standardize_inputs (s, err, sizeof err);
      if (st != GR_OK)
        {
          free (buf);
          return st;
        }
    }

  p = buf + sizeof h;
  memcpy (gr_net_params (s->net), p, sizeof (float) * h.n_params);
  p += sizeof (float) * h.n_params;
  memcpy (gr_net_state (s->net), p, sizeof (float) * h.n_state);
  p += sizeof (float) * h.n_state;
  memcpy (gr_optim_state (s->opt), p, sizeof (float) * h.n_opt);
  p += sizeof (float) * h.n_opt;
  memcpy (s->batcher.perm, p, sizeof (int32_t) * h.n_perm);
  gr_optim_set_t (s->opt, h.adam_t);
  s->step = h.step;
  s->batcher.epoch = h.epoch;
  s->batcher.pos = (int) h.batch_pos;
  s->batcher.rng = h.batch_rng;
  s->rng = h.rng;
  pthread_mutex_lock (&s->lock);
  s->knobs = k;
  s->pending = k;
  s->has_pending = false;
  pthread_mutex_unlock (&s->lock);
  gr_session_apply_net_knobs (s);
  /* Timeline entries at or before the restored step are already in the
   * knobs. */
  s->timeline_pos = 0;
  while (s->timeline_pos < s->n_timeline && s->timeline[s->timeline_pos].step <= s->step)
    s->timeline_pos++;
  free (buf);
  return GR_OK;
}
