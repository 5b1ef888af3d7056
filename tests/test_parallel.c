/*
** test_parallel.c -- data-parallel evaluation (slope_parallel): the value
** and gradient of a mean over rows are the same bit for bit for 1, 2 and 3
** threads, over all rows, over contiguous and shuffled selections and along
** a whole mini-batch run; they agree with a hand loop (long double sums) and
** with one tape over all the rows to 1e-12; an objective that is not a mean
** over rows is refused; misuse is reported.  Built with -fsanitize=thread
** by tests/test_tsan.sh, which finds any data race between the threads.
*/
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "slope.h"

#define ROWS 200001   /* four chunks, the last one short */

static const char *params[] = {"w", "b"};

/* mean((w*x + b - y)^2) + 0.01*w^2 and its gradient by hand, in long double */
static void hand(const double *x, const double *y, size_t n, const size_t *rows, const double *p,
                 double *f, double *g) {
  long double s = 0, gw = 0, gb = 0;
  for (size_t i = 0; i < n; i++) {
    size_t r = rows ? rows[i] : i;
    long double e = (long double)p[0] * x[r] + p[1] - y[r];
    s += e * e;
    gw += 2 * e * x[r];
    gb += 2 * e;
  }
  *f = (double)(s / n + 0.01L * p[0] * p[0]);
  g[0] = (double)(gw / n + 0.02L * p[0]);
  g[1] = (double)(gb / n);
}

int main(void) {
  slope_ctx *S = slope_new();
  double wts[1] = {2};
  slope_data *d = slope_data_regression(S, ROWS, wts, 1, 0.5, 0.3, 7);
  static const char src[] = "mean((w*x + b - y)^2) + 0.01*w^2";
  slope_expr f = slope_parse(S, src, sizeof src - 1);
  const double *xc = slope_data_find(d, "x"), *yc = slope_data_find(d, "y");
  slope_parallel *P[4] = {NULL};
  for (int k = 1; k <= 3; k++) {
    P[k] = slope_parallel_new(S, f, params, 2, d, k);
    CHECK(P[k] != NULL);
    CHECK_INT(slope_parallel_threads(P[k]), k);
  }
  if (!P[1] || !P[2] || !P[3]) return check_done();

  /* a shuffled selection of 150000 rows and a contiguous one */
  size_t nsel = 150000, *sel = malloc(ROWS * sizeof *sel), *run = malloc(nsel * sizeof *run);
  slope_rng rng;
  slope_rng_seed(&rng, 3);
  for (size_t i = 0; i < ROWS; i++) sel[i] = i;
  for (size_t i = ROWS; i > 1; i--) {
    size_t j = slope_rng_below(&rng, i), t = sel[i - 1];
    sel[i - 1] = sel[j];
    sel[j] = t;
  }
  for (size_t i = 0; i < nsel; i++) run[i] = 1000 + i;
  const size_t *sels[3] = {NULL, sel, run};
  size_t counts[3] = {ROWS, nsel, nsel};
  double pt[2] = {1.3, -0.4};
  for (int s = 0; s < 3; s++) {
    double fk[4], gk[4][2], fh, gh[2];
    for (int k = 1; k <= 3; k++) CHECK_INT(slope_parallel_eval(P[k], pt, sels[s], counts[s], &fk[k], gk[k]), SLOPE_OK);
    CHECK(fk[1] == fk[2] && fk[1] == fk[3]);
    CHECK(gk[1][0] == gk[2][0] && gk[1][0] == gk[3][0] && gk[1][1] == gk[2][1] && gk[1][1] == gk[3][1]);
    hand(xc, yc, counts[s], sels[s], pt, &fh, gh);
    CHECK_NEAR(fk[2], fh, 1e-12);
    CHECK_NEAR(gk[2][0], gh[0], 1e-12);
    CHECK_NEAR(gk[2][1], gh[1], 1e-12);
    double fv;
    CHECK_INT(slope_parallel_eval(P[2], pt, sels[s], counts[s], &fv, NULL), SLOPE_OK);
    CHECK(fv == fk[2]);   /* the value alone is the same value */
  }

  /* a whole mini-batch run: the same trajectory for every k, near one tape's */
  double xs[4][2], fs[4];
  for (int k = 0; k <= 3; k++) {
    double x0[2] = {0, 0};
    slope_problem *p = k ? slope_problem_callback_rows(S, 2, params, x0, ROWS, slope_parallel_eval, P[k])
                         : slope_problem_new(S, f, params, x0, 2, d);
    CHECK(p != NULL);
    if (!p) return check_done();
    CHECK_INT(slope_problem_batch(p, 70000, 1, 5), SLOPE_OK);
    slope_optim *o = slope_optim_new(S, "adam", 2);
    CHECK_INT(slope_optim_set(o, "lr", (double[]){0.05}, 1), SLOPE_OK);
    slope_run_opts opts;
    slope_run_defaults(&opts);
    opts.steps = 0;
    opts.epochs = 5;
    opts.trace_every = 0;
    slope_result r;
    slope_result_init(&r);
    if (!CHECK(slope_run(p, o, &opts, &r, NULL) == SLOPE_OK)) fprintf(stderr, "%s\n", slope_error_get(S).message);
    memcpy(xs[k], slope_problem_x(p), sizeof xs[k]);
    fs[k] = r.f;
    slope_optim_free(o);
    slope_problem_free(p);
  }
  CHECK(xs[1][0] == xs[2][0] && xs[1][0] == xs[3][0] && xs[1][1] == xs[2][1] && xs[1][1] == xs[3][1]);
  CHECK(fs[1] == fs[2] && fs[1] == fs[3]);
  CHECK_NEAR(xs[1][0], xs[0][0], 1e-12);
  CHECK_NEAR(xs[1][1], xs[0][1], 1e-12);
  CHECK_NEAR(fs[1], fs[0], 1e-12);

  /* not a mean over rows: refused at the first evaluation over several chunks */
  static const char bad[] = "log(mean((w*x + b - y)^2))";
  slope_parallel *Q = slope_parallel_new(S, slope_parse(S, bad, sizeof bad - 1), params, 2, d, 2);
  double fq, gq[2];
  CHECK(Q != NULL);
  CHECK_INT(slope_parallel_eval(Q, pt, NULL, 0, &fq, gq), SLOPE_ERRARG);
  CHECK(strstr(slope_error_get(S).message, "threads: the objective is not a mean over the rows") != NULL);
  slope_parallel_free(Q);

  /* misuse */
  CHECK(slope_parallel_new(S, f, params, 2, d, 0) == NULL);
  CHECK_STR(slope_error_get(S).message, "threads must be a whole number from 1 to 256, got 0");
  CHECK(slope_parallel_new(S, f, params, 2, NULL, 2) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRMISUSE);
  static const char other[] = "mean((v*x - y)^2)";
  CHECK(slope_parallel_new(S, slope_parse(S, other, sizeof other - 1), params, 2, d, 2) == NULL);
  CHECK(strstr(slope_error_get(S).message, "threads: ") != NULL);
  CHECK_INT(slope_parallel_eval(NULL, pt, NULL, 0, &fq, NULL), SLOPE_ERRMISUSE);
  CHECK_INT(slope_parallel_eval(P[1], NULL, NULL, 0, &fq, NULL), SLOPE_ERRMISUSE);
  CHECK_INT(slope_parallel_eval(P[1], pt, sel, ROWS + 1, &fq, NULL), SLOPE_ERRMISUSE);
  CHECK_INT(slope_parallel_threads(NULL), 0);
  slope_parallel_free(NULL);

  for (int k = 1; k <= 3; k++) slope_parallel_free(P[k]);
  free(sel);
  free(run);
  slope_data_free(d);
  slope_free(S);
  return check_done();
}
