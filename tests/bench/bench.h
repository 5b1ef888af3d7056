/*
** bench.h -- timing helpers for slope's benchmarks.
**
** Times are the best of several repetitions (the least disturbed run), read
** from the monotonic clock, so ratios printed in one run compare like with
** like.
*/
#ifndef SLOPE_BENCH_H
#define SLOPE_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slope.h"

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best time in seconds of 'reps' runs of the statement 'body'. */
#define BENCH_BEST(reps, best, body) do { \
    (best) = 1e300; \
    for (int bench_r_ = 0; bench_r_ < (reps); bench_r_++) { \
      double bench_t0_ = bench_now(); \
      body; \
      double bench_dt_ = bench_now() - bench_t0_; \
      if (bench_dt_ < (best)) (best) = bench_dt_; \
    } \
  } while (0)

/* Best times of two statements run alternately, so a burst of load on the
** machine hits both alike and their ratio stays meaningful. */
#define BENCH_PAIR(reps, best_a, body_a, best_b, body_b) do { \
    (best_a) = (best_b) = 1e300; \
    for (int bench_r_ = 0; bench_r_ < (reps); bench_r_++) { \
      double bench_t0_ = bench_now(); \
      body_a; \
      double bench_t1_ = bench_now(); \
      body_b; \
      double bench_t2_ = bench_now(); \
      if (bench_t1_ - bench_t0_ < (best_a)) (best_a) = bench_t1_ - bench_t0_; \
      if (bench_t2_ - bench_t1_ < (best_b)) (best_b) = bench_t2_ - bench_t1_; \
    } \
  } while (0)

/* Appends "key value" to the file $SLOPE_BENCH_FIGURES names (make bench sets
** it), so tests/bench/bench_python.py prints slope's figures of this run next
** to PyTorch's and numpy's on the same work. */
static inline void bench_figure(const char *key, double value) {
  const char *path = getenv("SLOPE_BENCH_FIGURES");
  FILE *fp = path && *path ? fopen(path, "a") : NULL;
  if (!fp) return;
  fprintf(fp, "%s %.17g\n", key, value);
  fclose(fp);
}

/* For tape benchmarks: interpreter timings come first (native code off),
** then native code compiled before timing ("wait") and checked by one call;
** 0 when it is not there (no C compiler), with the reason printed.  *ms: its
** compile time. */
static inline int go_native(slope_tape *T, const double *p, double *ms) {
  double f;
  if (slope_tape_jit(T, SLOPE_JIT_WAIT) != SLOPE_OK || slope_tape_grad(T, p, NULL, 0, &f, NULL) != SLOPE_OK)
    return 0;
  const char *st = slope_tape_jit_status(T, ms);
  if (strncmp(st, "native", 6) == 0) return 1;
  printf("  (native code not used: %s)\n", st);
  return 0;
}

#endif
