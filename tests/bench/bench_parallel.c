/*
** bench_parallel.c -- data-parallel evaluation (slope_parallel): the value
** and gradient of mean((w*x + b - y)^2) over 10^7 rows with 2 threads
** against 1 thread (target: 1.7x on two cores), and 1 thread against one
** tape over all the rows (what a run without threads uses).  The three
** must agree (bit for bit between thread counts), or the program fails.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "slope.h"

#define ROWS 10000000
#define REPS 5

/* Four chunks (262,144 rows), where an evaluation takes a few hundred
** microseconds and starting threads per evaluation would eat the gain. */
static int mid_size(slope_ctx *S, slope_expr f) {
  const size_t rows = 4 * 65536;
  double w = 2, x[2] = {1.5, 0.2}, f1 = 0, f2 = 0, g1[2], g2[2], t1, t2;
  const char *params[] = {"w", "b"};
  slope_data *d = slope_data_regression(S, rows, &w, 1, 0.5, 0.2, 2);
  slope_parallel *P1 = d ? slope_parallel_new(S, f, params, 2, d, 1) : NULL;
  slope_parallel *P2 = d ? slope_parallel_new(S, f, params, 2, d, 2) : NULL;
  int rc = P1 && P2 ? SLOPE_OK : SLOPE_ERRMEM;
  if (rc == SLOPE_OK)
    BENCH_PAIR(200, t1, rc |= slope_parallel_eval(P1, x, NULL, 0, &f1, g1),
               t2, rc |= slope_parallel_eval(P2, x, NULL, 0, &f2, g2));
  if (rc == SLOPE_OK && f1 == f2 && g1[0] == g2[0] && g1[1] == g2[1])
    printf("parallel   mean sq. error, 262144 rows, value+grad: 1 thread %.0f us, 2 threads %.0f us: %.2fx\n",
           1e6 * t1, 1e6 * t2, t1 / t2);
  else fprintf(stderr, "bench_parallel: 262144 rows: failed or the thread counts disagree\n");
  slope_parallel_free(P1);
  slope_parallel_free(P2);
  slope_data_free(d);
  return rc == SLOPE_OK && f1 == f2 ? 0 : 1;
}

int main(void) {
  slope_ctx *S = slope_new();
  double w = 2;
  slope_data *d = S ? slope_data_regression(S, ROWS, &w, 1, 0.5, 0.2, 1) : NULL;
  static const char src[] = "mean((w*x + b - y)^2)";
  slope_expr f = d ? slope_parse(S, src, sizeof src - 1) : 0;
  const char *params[] = {"w", "b"}, *cols[] = {"x", "y"};
  slope_tape *T = f ? slope_compile(S, f, params, 2, cols, 2) : NULL;
  const double *cv[] = {slope_data_column(d, 0), slope_data_column(d, 1)};
  slope_parallel *P1 = f ? slope_parallel_new(S, f, params, 2, d, 1) : NULL;
  slope_parallel *P2 = f ? slope_parallel_new(S, f, params, 2, d, 2) : NULL;
  if (!T || !P1 || !P2 || slope_tape_bind(T, cv, ROWS) != SLOPE_OK) {
    fprintf(stderr, "bench_parallel: setup failed: %s\n", S ? slope_error_get(S).message : "no context");
    return 1;
  }
  double x[2] = {1.5, 0.2}, f0 = 0, f1 = 0, f2 = 0, g0[2], g1[2], g2[2], t0, t1, t2;
  int rc = SLOPE_OK;
  BENCH_PAIR(REPS, t1, rc |= slope_parallel_eval(P1, x, NULL, 0, &f1, g1),
             t2, rc |= slope_parallel_eval(P2, x, NULL, 0, &f2, g2));
  BENCH_BEST(REPS, t0, rc |= slope_tape_grad(T, x, NULL, 0, &f0, g0));
  if (rc != SLOPE_OK || f1 != f2 || g1[0] != g2[0] || g1[1] != g2[1] || fabs(f1 - f0) > 1e-12 * fabs(f0)) {
    fprintf(stderr, "bench_parallel: results disagree: %.17g %.17g %.17g\n", f0, f1, f2);
    return 1;
  }
  printf("parallel   mean sq. error, 10^7 rows, value+grad: 1 thread %.1f ms, 2 threads %.1f ms: %.2fx (target 1.7x)\n",
         1e3 * t1, 1e3 * t2, t1 / t2);
  printf("parallel   1 thread (chunked) against one tape over all rows %.1f ms: %.2fx\n", 1e3 * t0, t1 / t0);
  if (mid_size(S, f)) return 1;
  slope_parallel_free(P1);
  slope_parallel_free(P2);
  slope_tape_free(T);
  slope_data_free(d);
  slope_free(S);
  return 0;
}
