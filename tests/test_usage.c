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

int main(void) {
  S = slope_new();
  test_optimizer_maximize();
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);
  slope_free(S);
  return check_done();
}
