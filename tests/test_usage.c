/*
** test_usage.c -- what a new user tripped over (issue 10), through the C API:
** an optimizer's own maximize flag, runs that blow up without reaching NaN,
** and the meaning of trace rows.  References are hand loops of PyTorch's
** update rules and closed forms written here.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "slope.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

static slope_ctx *S;

static slope_problem *expr_problem(const char *src, const char *const *names, const double *x0, int n) {
  slope_expr f = slope_parse(S, src, strlen(src));
  CHECK(f != 0);
  slope_problem *p = slope_problem_new(S, f, names, x0, n, NULL);
  CHECK(p != NULL);
  return p;
}

static slope_optim *sgd(int n, double lr, double maximize) {
  slope_optim *o = slope_optim_new(S, "sgd", n);
  CHECK(o != NULL);
  CHECK_INT(slope_optim_set(o, "lr", &lr, 1), SLOPE_OK);
  CHECK_INT(slope_optim_set(o, "maximize", &maximize, 1), SLOPE_OK);
  return o;
}

/* ---- 1. maximize from the optimizer ----------------------------------------------- */

/* sgd with maximize = 1 under opts.maximize = 0 ascends as torch's does:
** x -= lr*(-g), so on f = -(x-1)^2, x_k - 1 = (x_0 - 1)*(1 - 2*lr)^k. */
static void test_optimizer_maximize(void) {
  const char *names[] = {"x"};
  double x0 = 3;
  for (int call = 0; call < 2; call++) {
    slope_problem *p = expr_problem("-(x - 1)^2", names, &x0, 1);
    slope_optim *o = sgd(1, 0.1, 1);
    slope_run_opts opts;
    slope_run_defaults(&opts);
    opts.steps = 10;
    opts.maximize = call;   /* either the call or the optimizer asks for ascent */
    slope_result r;
    slope_result_init(&r);
    CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
    double x = 3;
    for (int k = 0; k < 10; k++) x -= 0.1 * -(-2 * (x - 1));
    CHECK(slope_problem_x(p)[0] == x);
    CHECK_NEAR(x, 1 + 2 * pow(0.8, 10), 1e-14);
    double m = 0;
    CHECK_INT(slope_optim_get(o, "maximize", &m, 1), 1);
    CHECK(m == 1);   /* the optimizer's own flag is left as it was */
    slope_optim_free(o);
    slope_problem_free(p);
  }
}

/* ---- 2. a run that finds no optimum ------------------------------------------------ */

/* Maximizing x^2 from 1 with lr 0.1: x_k = 1.2^k passes 1e150 at k = 1895,
** long before x^2 overflows; the run stops there and says f is unbounded. */
static void test_unbounded(void) {
  const char *names[] = {"x"};
  double x0 = 1;
  slope_problem *p = expr_problem("x^2", names, &x0, 1);
  slope_optim *o = sgd(1, 0.1, 0);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 3000;
  opts.maximize = 1;
  slope_result r;
  slope_result_init(&r);
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  double x = 1, last = 1;
  long bad = 0;
  for (long k = 1; k <= 3000 && !bad; k++) {
    last = x;
    x += 0.1 * 2 * x;
    if (fabs(x) > 1e150) bad = k;
  }
  CHECK_INT(bad, 1895);
  CHECK_INT(r.status, SLOPE_DIVERGED);
  CHECK_INT(r.steps, bad);
  CHECK(slope_problem_x(p)[0] == last);
  CHECK(strstr(r.message, "f is unbounded above: it has no maximum to find") != NULL);
  slope_optim_free(o);
  slope_problem_free(p);
}

/* ---- 3. trace rows of a mini-batch run -------------------------------------------- */

/* mean((w - x)^2) on x = 1..4, batch 1 in row order, lr 0.1, trace_full:
** row k holds w_k, f and |f'| over all rows at w_k, and the loss of step
** k's batch (row k, at w_{k-1}). */
static void test_minibatch_rows(void) {
  static const double X[4] = {1, 2, 3, 4};
  slope_data *d = slope_data_new(S);
  CHECK_INT(slope_data_add(d, "x", X, 4), SLOPE_OK);
  const char *names[] = {"w"};
  double w0 = 0;
  slope_expr f = slope_parse(S, "mean((w - x)^2)", 15);
  slope_problem *p = slope_problem_new(S, f, names, &w0, 1, d);
  CHECK(p != NULL);
  CHECK_INT(slope_problem_batch(p, 1, 0, 0), SLOPE_OK);
  slope_optim *o = sgd(1, 0.1, 0);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 8;
  opts.trace_full = 1;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK_INT(slope_trace_minibatch(t), 1);
  CHECK_INT(slope_trace_rows(t), 9);
  CHECK(isnan(slope_trace_batch_f(t, 0)));
  double w = 0;
  for (int k = 1; k <= 8; k++) {
    double xi = X[(k - 1) % 4], bf = (w - xi) * (w - xi);
    w -= 0.1 * 2 * (w - xi);
    double fa = 0, ga = 0;
    for (int i = 0; i < 4; i++) { fa += (w - X[i]) * (w - X[i]); ga += 2 * (w - X[i]); }
    long step;
    double rf, lr, gn, rx;
    CHECK_INT(slope_trace_row(t, (size_t)k, &step, &rf, &lr, &gn, &rx), SLOPE_OK);
    CHECK(step == k && rx == w && lr == 0.1);
    CHECK(slope_trace_batch_f(t, (size_t)k) == bf);
    CHECK_NEAR(rf, fa / 4, 1e-15);
    CHECK_NEAR(gn, fabs(ga / 4), 1e-15);
  }
  slope_trace_free(t);
  slope_optim_free(o);
  slope_problem_free(p);
  slope_data_free(d);
}

int main(void) {
  S = slope_new();
  test_optimizer_maximize();
  test_unbounded();
  test_minibatch_rows();
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);
  slope_free(S);
  return check_done();
}
