/*
** bench_parallel.c -- data-parallel evaluation (slope_parallel): the value
** and gradient of mean((w*x + b - y)^2) with 2 threads against 1 thread
** (target: 1.7x on two cores), over 10^7 rows and over four chunks (262,144
** rows, where an evaluation takes a few hundred microseconds and waking
** threads must cost little), and 1 thread against one tape over all the rows
** (what a run without threads uses).  Each line is timed with the
** interpreter and then with native code compiled before timing on every
** thread's tape; the results must agree (bit for bit between thread counts)
** or the program fails.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "slope.h"

/* Every worker's tape (and T's) interpreted, or native, compiled now and
** checked by one evaluation; 0 (with the reason) when native code is asked
** for and is not there. */
static int set_mode(slope_parallel *const *P, int np, slope_tape *T, int native) {
  const double x[2] = {1.5, 0.2};
  double f, ms;
  for (int i = 0; i < np; i++) {
    int k = slope_parallel_threads(P[i]);
    for (int t = 0; t < k; t++)
      if (slope_tape_jit(slope_parallel_tape(P[i], t), native ? SLOPE_JIT_WAIT : SLOPE_JIT_OFF) != SLOPE_OK) return 0;
    if (native && slope_parallel_eval(P[i], x, NULL, 0, &f, NULL) != SLOPE_OK) return 0;
    for (int t = 0; native && t < k; t++) {
      const char *st = slope_tape_jit_status(slope_parallel_tape(P[i], t), &ms);
      if (strncmp(st, "native", 6) != 0) return printf("  (native code not used: %s)\n", st), 0;
    }
  }
  return !T || (native ? go_native(T, x, &ms) : slope_tape_jit(T, SLOPE_JIT_OFF) == SLOPE_OK);
}

/* One line: 1 thread against 2 over the data set d (and against the tape T
** over all its rows when T is given). */
static int time_rows(slope_ctx *S, slope_expr f, slope_data *d, slope_tape *T, int reps, int native) {
  const char *params[] = {"w", "b"};
  double x[2] = {1.5, 0.2}, f0 = 0, f1 = 0, f2 = 0, g0[2], g1[2], g2[2], t0 = 0, t1, t2;
  slope_parallel *P[2] = {slope_parallel_new(S, f, params, 2, d, 1), slope_parallel_new(S, f, params, 2, d, 2)};
  int rc = P[0] && P[1] ? SLOPE_OK : SLOPE_ERRMEM;
  if (rc == SLOPE_OK && !set_mode(P, 2, T, native)) {
    slope_parallel_free(P[0]);
    slope_parallel_free(P[1]);
    return 0;   /* no native code: go_native said why */
  }
  if (rc == SLOPE_OK)
    BENCH_PAIR(reps, t1, rc |= slope_parallel_eval(P[0], x, NULL, 0, &f1, g1),
               t2, rc |= slope_parallel_eval(P[1], x, NULL, 0, &f2, g2));
  if (rc == SLOPE_OK && T) BENCH_BEST(reps, t0, rc |= slope_tape_grad(T, x, NULL, 0, &f0, g0));
  slope_parallel_free(P[0]);
  slope_parallel_free(P[1]);
  if (rc != SLOPE_OK || f1 != f2 || g1[0] != g2[0] || g1[1] != g2[1] || (T && fabs(f1 - f0) > 1e-12 * fabs(f0))) {
    fprintf(stderr, "bench_parallel: failed or the results disagree: %.17g %.17g %.17g\n", f0, f1, f2);
    return 1;
  }
  size_t rows = slope_data_rows(d);
  const char *how = native ? "native" : "interp";
  if (t1 > 1e-3)
    printf("parallel   mean sq. error, %zu rows, value+grad, %s: 1 thread %.1f ms, 2 threads %.1f ms: %.2fx (target 1.7x)\n",
           rows, how, 1e3 * t1, 1e3 * t2, t1 / t2);
  else
    printf("parallel   mean sq. error, %zu rows, value+grad, %s: 1 thread %.0f us, 2 threads %.0f us: %.2fx\n",
           rows, how, 1e6 * t1, 1e6 * t2, t1 / t2);
  if (T) printf("parallel     1 thread (chunked) against one tape over all rows %.1f ms: %.2fx\n", 1e3 * t0, t1 / t0);
  return 0;
}

int main(void) {
  slope_ctx *S = slope_new();
  double w = 2;
  slope_data *big = S ? slope_data_regression(S, 10000000, &w, 1, 0.5, 0.2, 1) : NULL;
  slope_data *mid = S ? slope_data_regression(S, 4 * 65536, &w, 1, 0.5, 0.2, 2) : NULL;
  static const char src[] = "mean((w*x + b - y)^2)";
  slope_expr f = big && mid ? slope_parse(S, src, sizeof src - 1) : 0;
  const char *params[] = {"w", "b"}, *cols[] = {"x", "y"};
  slope_tape *T = f ? slope_compile(S, f, params, 2, cols, 2) : NULL;
  const double *cv[] = {slope_data_column(big, 0), slope_data_column(big, 1)};
  if (!T || slope_tape_bind(T, cv, slope_data_rows(big)) != SLOPE_OK) {
    fprintf(stderr, "bench_parallel: setup failed: %s\n", S ? slope_error_get(S).message : "no context");
    return 1;
  }
  int bad = 0;
  for (int native = 0; native < 2 && !bad; native++)
    bad = time_rows(S, f, big, T, 20, native) || time_rows(S, f, mid, NULL, 200, native);
  slope_tape_free(T);
  slope_data_free(mid);
  slope_data_free(big);
  slope_free(S);
  return bad;
}
