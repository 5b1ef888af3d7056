/*
** test_rng.c -- the xoshiro256** generator and its derived draws.
**
** Bits against the published xoshiro256** vector and against an independent
** Python transcription (tests/ref/gen_rng.py, which checks itself against
** the published vectors first); distributions against their moments and
** chi-square bounds.  Seeds are fixed, so every statistical check is
** deterministic; bounds are five standard deviations or a chi-square
** quantile at 1 - 1e-6, so a correct generator passes with room to spare.
*/
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "slope.h"
#include "ref/rng_ref.h"

#define N 1000000

static void test_published_vector(void) {
  /* Blackman and Vigna's reference code from the state {1, 2, 3, 4} */
  static const uint64_t expect[] = {
    UINT64_C(11520), UINT64_C(0), UINT64_C(1509978240), UINT64_C(1215971899390074240),
    UINT64_C(1216172134540287360), UINT64_C(607988272756665600),
    UINT64_C(16172922978634559625), UINT64_C(8476171486693032832),
    UINT64_C(10595114339597558777), UINT64_C(2904607092377533576),
  };
  slope_rng r = {{1, 2, 3, 4}, 0, 0};
  for (int i = 0; i < 10; i++) CHECK(slope_rng_next(&r) == expect[i]);
}

static void test_reference_seeds(void) {
  for (size_t k = 0; k < sizeof rng_ref / sizeof rng_ref[0]; k++) {
    slope_rng r;
    slope_rng_seed(&r, rng_ref[k].seed);
    for (int i = 0; i < 4; i++) CHECK(r.s[i] == rng_ref[k].state[i]);
    CHECK_INT(r.has_spare, 0);
    for (int i = 0; i < RNG_REF_N; i++) CHECK(slope_rng_next(&r) == rng_ref[k].next[i]);
    /* uniform is the top 53 bits over 2^53 */
    slope_rng_seed(&r, rng_ref[k].seed);
    for (int i = 0; i < RNG_REF_N; i++)
      CHECK(slope_rng_uniform(&r) == (double)(rng_ref[k].next[i] >> 11) / 9007199254740992.0);
  }
}

/* Normal deviates against gen_rng.py's own polar method.  The libm log and
** sqrt may differ by an ulp between platforms, hence a tolerance; the same
** build repeats its stream bit for bit, which is checked exactly. */
static void test_normal_reference(void) {
  for (size_t k = 0; k < sizeof rng_ref / sizeof rng_ref[0]; k++) {
    slope_rng r;
    slope_rng_seed(&r, rng_ref[k].seed);
    double got[RNG_REF_N];
    for (int i = 0; i < RNG_REF_N; i++) {
      got[i] = slope_rng_normal(&r);
      CHECK_INT(r.has_spare, i % 2 == 0);   /* pairs: the second is the spare */
      CHECK_NEAR(got[i], rng_ref[k].normal[i], 1e-14);
    }
    /* reseeding forgets the spare, so the stream restarts exactly */
    slope_rng_seed(&r, rng_ref[k].seed);
    CHECK(slope_rng_normal(&r) == got[0]);
    slope_rng_seed(&r, rng_ref[k].seed);
    int same = 1;
    for (int i = 0; i < RNG_REF_N; i++) same &= slope_rng_normal(&r) == got[i];
    CHECK(same);
  }
}

static void test_uniform(void) {
  slope_rng r;
  slope_rng_seed(&r, 7);
  double sum = 0, sum2 = 0, lo = 1, hi = 0;
  long bins[100] = {0};
  for (long i = 0; i < N; i++) {
    double u = slope_rng_uniform(&r);
    sum += u;
    sum2 += (u - 0.5) * (u - 0.5);
    if (u < lo) lo = u;
    if (u > hi) hi = u;
    bins[(int)(u * 100)]++;
  }
  CHECK(lo >= 0 && hi < 1);
  CHECK(lo < 1e-4 && hi > 1 - 1e-4);
  double mean = sum / N, var = sum2 / N;
  CHECK(fabs(mean - 0.5) < 5 * sqrt(1.0 / 12 / N));
  CHECK(fabs(var - 1.0 / 12) < 5 * sqrt((1.0 / 80 - 1.0 / 144) / N));
  double chi2 = 0, e = N / 100.0;
  for (int b = 0; b < 100; b++) chi2 += (bins[b] - e) * (bins[b] - e) / e;
  CHECK(chi2 < 180.79);   /* chi-square, 99 degrees of freedom, 1 - 1e-6 */
  /* the largest value the top 53 bits can give is below 1 */
  CHECK((double)(UINT64_MAX >> 11) * 0x1.0p-53 < 1);
}

static void test_normal(void) {
  slope_rng r;
  slope_rng_seed(&r, 2024);
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0, cross = 0, prev = 0;
  long within1 = 0, above2 = 0;
  for (long i = 0; i < N; i++) {
    double x = slope_rng_normal(&r);
    m1 += x;
    m2 += x * x;
    m3 += x * x * x;
    m4 += x * x * x * x;
    cross += x * prev;   /* pairs share a disc point: they must still be uncorrelated */
    prev = x;
    within1 += fabs(x) < 1;
    above2 += x > 2;
  }
  m1 /= N, m2 /= N, m3 /= N, m4 /= N, cross /= N;
  CHECK(fabs(m1) < 5 / sqrt(N));
  CHECK(fabs(m2 - 1) < 5 * sqrt(2.0 / N));
  CHECK(fabs(m3) < 5 * sqrt(15.0 / N));
  CHECK(fabs(m4 - 3) < 5 * sqrt(96.0 / N));
  CHECK(fabs(cross) < 5 / sqrt(N));
  double p1 = 0.6826894921370859, p2 = 0.0227501319481792;   /* erf(1/sqrt 2), Q(2) */
  CHECK(fabs((double)within1 / N - p1) < 5 * sqrt(p1 * (1 - p1) / N));
  CHECK(fabs((double)above2 / N - p2) < 5 * sqrt(p2 * (1 - p2) / N));
}

/* Chi-square statistic of N draws of below(n) over n cells. */
static double below_chi2(slope_rng *r, uint64_t n) {
  long count[16] = {0};
  for (long i = 0; i < N; i++) count[slope_rng_below(r, n)]++;
  double chi2 = 0, e = (double)N / (double)n;
  for (uint64_t k = 0; k < n; k++) chi2 += (count[k] - e) * (count[k] - e) / e;
  return chi2;
}

static void test_below(void) {
  slope_rng r;
  slope_rng_seed(&r, 99);
  CHECK(slope_rng_below(&r, 0) == 0);
  int ok = 1;
  for (int i = 0; i < 1000; i++) ok &= slope_rng_below(&r, 1) == 0;
  CHECK(ok);
  const uint64_t ns[] = {2, 3, 7, 10, 1000, UINT64_C(4294967297), (UINT64_C(1) << 63) + 1,
                         UINT64_MAX - 1, UINT64_MAX};
  for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
    ok = 1;
    for (int i = 0; i < 10000; i++) ok &= slope_rng_below(&r, ns[k]) < ns[k];
    check_report(ok, __FILE__, __LINE__, "below(n) < n");
  }
  CHECK(below_chi2(&r, 10) < 44.81);   /* 9 degrees of freedom, 1 - 1e-6 */
  CHECK(below_chi2(&r, 7) < 38.26);    /* 6 degrees of freedom */
  CHECK(below_chi2(&r, 16) < 56.49);   /* 15 degrees of freedom */

  /* n = 3*2^62: plain x % n would land below 2^62 half the time, not a third */
  const uint64_t n3 = UINT64_C(3) << 62;
  const long M = 100000;
  long low = 0;
  for (long i = 0; i < M; i++) low += slope_rng_below(&r, n3) < (UINT64_C(1) << 62);
  CHECK(fabs((double)low / M - 1.0 / 3) < 5 * sqrt(2.0 / 9 / M));
  /* n = 2^63 + 1: the worst case, nearly half of all draws are redrawn */
  const uint64_t nh = (UINT64_C(1) << 63) + 1;
  low = 0;
  for (long i = 0; i < M; i++) low += slope_rng_below(&r, nh) < (UINT64_C(1) << 62);
  CHECK(fabs((double)low / M - 0.5) < 5 * sqrt(0.25 / M));
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static void test_seeds(void) {
  slope_rng a, b;
  slope_rng_seed(&a, 123456789);
  slope_rng_seed(&b, 123456789);
  int same = 1;
  for (int i = 0; i < 1000; i++) same &= slope_rng_next(&a) == slope_rng_next(&b);
  CHECK(same);
  same = 1;
  for (int i = 0; i < 1000; i++) same &= slope_rng_normal(&a) == slope_rng_normal(&b);
  CHECK(same);
  /* nearby seeds give unrelated streams: 1000 seeds, 1000 distinct first and second outputs */
  static uint64_t first[1000], second[1000];
  for (int s = 0; s < 1000; s++) {
    slope_rng_seed(&a, (uint64_t)s);
    first[s] = slope_rng_next(&a);
    second[s] = slope_rng_next(&a);
  }
  qsort(first, 1000, sizeof first[0], cmp_u64);
  qsort(second, 1000, sizeof second[0], cmp_u64);
  int distinct = 1;
  for (int s = 1; s < 1000; s++) distinct &= first[s] != first[s - 1] && second[s] != second[s - 1];
  CHECK(distinct);
  /* seeds differing in one bit: about half of the output bits differ */
  slope_rng_seed(&a, 0);
  slope_rng_seed(&b, 1);
  long differ = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = slope_rng_next(&a) ^ slope_rng_next(&b);
    while (x) {
      differ += (long)(x & 1);
      x >>= 1;
    }
  }
  CHECK(fabs(differ / 64000.0 - 0.5) < 5 * sqrt(0.25 / 64000));
}

int main(void) {
  test_published_vector();
  test_reference_seeds();
  test_normal_reference();
  test_uniform();
  test_normal();
  test_below();
  test_seeds();
  return check_done();
}
