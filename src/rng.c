/*
** rng.c -- the one random generator behind every random choice of a run.
**
** xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64, as the
** authors recommend: splitmix64 spreads any 64-bit seed, even 0, over the
** 256-bit state, and its outputs are distinct, so the state is never all
** zero.  The state lives in a caller-owned 'slope_rng', so there is no
** global state and equal seeds give equal streams bit for bit.
*/
#include <math.h>

#include "slope.h"

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* One step of splitmix64 (Steele, Lea and Flood): advance '*x', return a
** well-mixed function of it. */
static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* A NULL generator (no context to record it in) draws 0 and stores nothing. */
void slope_rng_seed(slope_rng *r, uint64_t seed) {
  if (!r) return;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
  r->spare = 0;
  r->has_spare = 0;
}

uint64_t slope_rng_next(slope_rng *r) {
  if (!r) return 0;
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/* The top 53 bits, which are the generator's best, scaled into [0, 1):
** every value is a multiple of 2^-53, so 1 is never reached. */
double slope_rng_uniform(slope_rng *r) {
  return (double)(slope_rng_next(r) >> 11) * 0x1.0p-53;
}

/*
** Marsaglia's polar method: a point uniform in the unit disc gives two
** independent deviates for one square root and one logarithm, and no
** trigonometry.  The second is kept for the next call; 'slope_rng_seed'
** forgets it, so a reseeded generator repeats its stream exactly.
*/
double slope_rng_normal(slope_rng *r) {
  if (!r) return 0;
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u, v, s;
  do {
    u = 2 * slope_rng_uniform(r) - 1;
    v = 2 * slope_rng_uniform(r) - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  double m = sqrt(-2 * log(s) / s);
  r->spare = v * m;
  r->has_spare = 1;
  return u * m;
}

/*
** Unbiased by rejection: 2^64 mod n values at the bottom of the range would
** fold onto [0, n) once too often, so they are drawn again.  'threshold' is
** 2^64 mod n computed in 64 bits; fewer than half of all draws are rejected
** even in the worst case, so the loop ends quickly.  n = 0 has no values
** and gives 0.
*/
uint64_t slope_rng_below(slope_rng *r, uint64_t n) {
  if (n == 0 || !r) return 0;
  uint64_t threshold = (0 - n) % n;
  for (;;) {
    uint64_t x = slope_rng_next(r);
    if (x >= threshold) return x % n;
  }
}
