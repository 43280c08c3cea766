#pragma once

#include <stdint.h>

/* PCG32 (O'Neill 2014): small, fast, and its whole state is two words, so a
 * checkpoint can store it and a run can resume bit-identically. The struct is
 * transparent on purpose: it is plain data. */
typedef struct
{
  uint64_t state;  /* current LCG state */
  uint64_t inc;    /* stream selector, always odd */
} GrRng;

/* Seeds @rng from @seed on stream @stream. */
void     gr_rng_seed    (GrRng    *rng,
                         uint64_t  seed,
                         uint64_t  stream);
uint32_t gr_rng_u32     (GrRng    *rng);
/* Uniform in [0, 1). */
float    gr_rng_uniform (GrRng    *rng);
/* Standard normal (Box-Muller; both draws of a pair are not cached so the
 * state stays two words). */
float    gr_rng_normal  (GrRng    *rng);
/* Uniform integer in [0, n); n > 0. Unbiased (Lemire's method). */
uint32_t gr_rng_below   (GrRng    *rng,
                         uint32_t  n);
/* Fisher-Yates shuffle of @n ints. */
void     gr_rng_shuffle (GrRng    *rng,
                         int      *v,
                         int       n);
