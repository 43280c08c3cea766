#include "gr-rng.h"

#include <math.h>

void
gr_rng_seed (GrRng    *rng,
             uint64_t  seed,
             uint64_t  stream)
{
  rng->state = 0;
  rng->inc = (stream << 1u) | 1u;
  gr_rng_u32 (rng);
  rng->state += seed;
  gr_rng_u32 (rng);
}

uint32_t
gr_rng_u32 (GrRng *rng)
{
  uint64_t old = rng->state;
  uint32_t xorshifted, rot;

  rng->state = old * 6364136223846793005ULL + rng->inc;
  xorshifted = (uint32_t) (((old >> 18u) ^ old) >> 27u);
  rot = (uint32_t) (old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

float
gr_rng_uniform (GrRng *rng)
{
  /* 24 random bits: every value is exactly representable and < 1. */
  return (float) (gr_rng_u32 (rng) >> 8) * (1.0f / 16777216.0f);
}

float
gr_rng_normal (GrRng *rng)
{
  /* u1 in (0, 1] so the log is finite. */
  float u1 = ((float) (gr_rng_u32 (rng) >> 8) + 1.0f) * (1.0f / 16777216.0f);
  float u2 = gr_rng_uniform (rng);

  return sqrtf (-2.0f * logf (u1)) * cosf (6.28318530717958647692f * u2);
}

uint32_t
gr_rng_below (GrRng    *rng,
              uint32_t  n)
{
  uint64_t m = (uint64_t) gr_rng_u32 (rng) * n;
  uint32_t l = (uint32_t) m;

  if (l < n)
    {
      uint32_t t = (-n) % n;

      while (l < t)
        {
          m = (uint64_t) gr_rng_u32 (rng) * n;
          l = (uint32_t) m;
        }
    }
  return (uint32_t) (m >> 32);
}

void
gr_rng_shuffle (GrRng *rng,
                int   *v,
                int    n)
{
  for (int i = n - 1; i > 0; i--)
    {
      int j = (int) gr_rng_below (rng, (uint32_t) i + 1);
      int t = v[i];

      v[i] = v[j];
      v[j] = t;
    }
}
