/*
** test_gradcheck.c -- issue 15's run infrastructure through the C API:
** slope_gradcheck on right and wrong hand-written gradients (the callback
** objective of examples/embed/callback.c), value-only problems with every
** kind the registry says needs no gradient, bounds in slope_run_opts for
** every registered kind, and nfev against a count kept by the callback.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "slope.h"

/* f = x0^2 x1 + sin(x1) + exp(x2), its gradient with entry 'wrong' scaled
** by 'scale' (1: right), counting calls. */
typedef struct host {
  int wrong;
  double scale;
  long calls, grads;
} host;

static int fg(void *ud, const double *x, double *f, double *g) {
  host *h = ud;
  h->calls++;
  *f = x[0] * x[0] * x[1] + sin(x[1]) + exp(x[2]);
  if (g) {
    h->grads++;
    g[0] = 2 * x[0] * x[1];
    g[1] = x[0] * x[0] + cos(x[1]);
    g[2] = exp(x[2]);
    if (h->wrong >= 0) g[h->wrong] *= h->scale;
  }
  return SLOPE_OK;
}

static void test_gradcheck(slope_ctx *S) {
  const double x[3] = {1.5, -0.7, 0.3};
  const char *names[3] = {"a", "b", "c"};
  double g[3], f;
  host h = {-1, 1, 0, 0};
  slope_objective obj = {fg, NULL, &h};
  slope_gradcheck_report r;
  r.size = sizeof r;
  CHECK_INT(slope_gradcheck(S, obj, x, 3, names, 1e-6, &r), SLOPE_OK);
  CHECK(r.ok == 1 && r.max_error < 1e-8);
  CHECK_INT(h.calls, 2 * 3 + 1);   /* documented: 2n + 1 calls, one with g */
  CHECK_INT(h.grads, 1);
  fg(&h, x, &f, g);
  CHECK(r.f == f);
  /* one coordinate off by 1%, each in turn: caught, and named */
  for (int i = 0; i < 3; i++) {
    host w = {i, 1.01, 0, 0};
    slope_objective wo = {fg, NULL, &w};
    slope_gradcheck_report b;
    b.size = sizeof b;
    CHECK_INT(slope_gradcheck(S, wo, x, 3, names, 1e-6, &b), SLOPE_OK);
    CHECK_INT(b.ok, 0);
    CHECK_INT(b.worst, i);
    CHECK(b.analytic == g[i] * 1.01);
    CHECK_NEAR(b.numeric, g[i], 1e-8);
    /* the documented formula |a - d| / max(1, |a|, |d|), with the true d */
    CHECK_NEAR(b.max_error, fabs(0.01 * g[i]) / fmax(1, fabs(1.01 * g[i])), 1e-8);
    CHECK(b.step == cbrt(2.220446049250313e-16) * fmax(1, fabs(x[i])));
  }
  /* a report of the first version's size gets only its fields; the rest stay */
  slope_gradcheck_report small;
  memset(&small, 0x5a, sizeof small);
  small.size = offsetof(slope_gradcheck_report, f) + sizeof(double);
  CHECK_INT(slope_gradcheck(S, obj, x, 3, NULL, 0, &small), SLOPE_OK);
  CHECK(small.ok == 1 && small.f == f);
  /* refusals */
  slope_gradcheck_report bad;
  bad.size = 4;
  CHECK_INT(slope_gradcheck(S, obj, x, 3, names, 1e-6, &bad), SLOPE_ERRARG);
  CHECK(strstr(slope_error_get(S).message, "sizeof(slope_gradcheck_report)") != NULL);
  CHECK_INT(slope_gradcheck(S, obj, x, 0, names, 1e-6, &r), SLOPE_ERRARG);
  slope_objective none = {NULL, NULL, NULL};
  CHECK_INT(slope_gradcheck(S, none, x, 3, names, 1e-6, &r), SLOPE_ERRARG);
  const double far[3] = {1, 1, 800};   /* exp(800) overflows */
  CHECK_INT(slope_gradcheck(S, obj, far, 3, names, 1e-6, &r), SLOPE_ERRARG);
  /* and the next call starts clean */
  CHECK_INT(slope_gradcheck(S, obj, x, 3, names, 1e-6, &r), SLOPE_OK);
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);
}

/* (x - 2)^2 + (y + 1)^2 by its values only, counting calls; a call with a
** gradient would be a bug of the run. */
typedef struct vals {
  long calls, with_g;
} vals;

static int values(void *ud, const double *x, double *f, double *g) {
  vals *v = ud;
  v->calls++;
  if (g) v->with_g++;
  *f = (x[0] - 2) * (x[0] - 2) + (x[1] + 1) * (x[1] + 1);
  return SLOPE_OK;
}

static void test_values_only(slope_ctx *S) {
  const char *const *kinds = slope_optim_kinds();
  const char *names[2] = {"x", "y"};
  int free_kinds = 0;
  for (int k = 0; kinds[k]; k++) {
    vals v = {0, 0};
    slope_objective obj = {values, NULL, &v};
    const double x0[2] = {0, 0}, lo[2] = {-5, -5}, hi[2] = {5, 5};
    slope_problem *p = slope_problem_values(S, 2, names, x0, obj);
    slope_optim *o = slope_optim_new(S, kinds[k], 2);
    if (!CHECK(p && o)) return;
    CHECK_INT(slope_problem_values_only(p), 1);
    slope_run_opts opts;
    slope_run_defaults(&opts);
    opts.steps = 40;
    opts.seed = 5;
    opts.lower = lo;   /* de needs a finite box */
    opts.upper = hi;
    slope_result r;
    slope_result_init(&r);
    slope_trace *t = NULL;
    int rc = slope_run(p, o, &opts, &r, &t);
    if (!(slope_optim_needs(kinds[k]) & SLOPE_NEEDS_GRAD)) {
      free_kinds++;
      if (!CHECK(rc == SLOPE_OK)) fprintf(stderr, "    %s: %s\n", kinds[k], r.message);
      CHECK_INT(v.with_g, 0);
      CHECK_INT(r.nfev, v.calls);
      CHECK(r.f <= 5);            /* f at the start */
      CHECK(isnan(r.grad_norm));
      CHECK(t && slope_trace_nfev(t, slope_trace_rows(t) - 1) == v.calls);
    } else {
      CHECK_INT(rc, SLOPE_ERRARG);
      CHECK(strstr(r.message, "needs the gradient") != NULL);
      CHECK_INT(v.calls, 0);
    }
    slope_trace_free(t);
    slope_optim_free(o);
    slope_problem_free(p);
  }
  CHECK(free_kinds >= 1);   /* anneal at least */
  /* what needs a gradient is refused on a value-only problem */
  vals v = {0, 0};
  slope_objective obj = {values, NULL, &v};
  slope_problem *p = slope_problem_values(S, 2, names, NULL, obj);
  slope_optim *o = slope_optim_new(S, "anneal", 2);
  if (!CHECK(p && o)) return;
  slope_run_opts opts;
  slope_result r;
  slope_result_init(&r);
  slope_run_defaults(&opts);
  opts.tol_grad = 1e-3;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_ERRARG);
  CHECK(strstr(r.message, "tol_grad needs a gradient") != NULL);
  slope_run_defaults(&opts);
  opts.noise.kind = SLOPE_NOISE_GRADIENT;
  opts.noise.eta = 0.1;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_ERRARG);
  /* slope_problem_step passes no gradient either */
  double f;
  CHECK_INT(slope_problem_step(p, o, &f), SLOPE_OK);
  CHECK(f == 5 && v.with_g == 0);
  slope_optim *sgd = slope_optim_new(S, "sgd", 2);
  CHECK_INT(slope_problem_step(p, sgd, &f), SLOPE_ERRARG);
  slope_optim_free(sgd);
  slope_optim_free(o);
  slope_problem_free(p);
}

/* (x - 3)^2 on [0, 1] ends at 1 for every kind (newton gets its Hessian
** from the expression); four parameters bounded separately. */
static void test_bounds(slope_ctx *S) {
  const char *const *kinds = slope_optim_kinds();
  slope_expr f = slope_parse(S, "(x - 3)^2", strlen("(x - 3)^2"));
  const char *x = "x";
  for (int k = 0; kinds[k]; k++) {
    const double x0 = 0.5, lo = 0, hi = 1;
    slope_problem *p = slope_problem_new(S, f, &x, &x0, 1, NULL);
    slope_optim *o = slope_optim_new(S, kinds[k], 1);
    if (!CHECK(p && o)) return;
    slope_run_opts opts;
    slope_run_defaults(&opts);
    opts.steps = 2000;
    opts.seed = 3;
    opts.lower = &lo;
    opts.upper = &hi;
    slope_result r;
    slope_result_init(&r);
    slope_trace *t = NULL;
    CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
    /* the sampling kinds end where their own convergence rule stops them, inside
    ** the box and close to the bound (SciPy's de lands on it only through its
    ** L-BFGS-B polish, which slope's de does not do); the others end on it */
    int sampler = strcmp(kinds[k], "cmaes") == 0 || strcmp(kinds[k], "de") == 0;
    double end = slope_problem_x(p)[0];
    if (!CHECK(sampler ? end <= 1 && 1 - end < 1e-3 : end == 1))
      fprintf(stderr, "    %s ends at %.17g\n", kinds[k], end);
    int inside = t != NULL;
    for (size_t i = 0; t && i < slope_trace_rows(t); i++) {
      double xi = NAN;
      slope_trace_row(t, i, NULL, NULL, NULL, NULL, &xi);
      inside = inside && xi >= 0 && xi <= 1;
    }
    CHECK(inside);   /* every recorded point lies in the box */
    slope_trace_free(t);
    slope_optim_free(o);
    slope_problem_free(p);
  }
  /* several parameters; only the upper side of z, no bound on w */
  const char *text = "(x - 3)^2 + (y + 2)^2 + (z - 5)^2 + (w - 1)^2";
  slope_expr g = slope_parse(S, text, strlen(text));
  const char *names[4] = {"x", "y", "z", "w"};
  const double x0[4] = {0.5, 0, 0, 0};
  const double lo[4] = {0, -1, -INFINITY, -INFINITY}, hi[4] = {1, 1, 10, INFINITY};
  slope_problem *p = slope_problem_new(S, g, names, x0, 4, NULL);
  slope_optim *o = slope_optim_new(S, "adam", 4);
  double lr = 0.05;
  if (!CHECK(p && o) || !CHECK(slope_optim_set(o, "lr", &lr, 1) == SLOPE_OK)) return;
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 3000;
  opts.lower = lo;
  opts.upper = hi;
  slope_result r;
  slope_result_init(&r);
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  const double *xp = slope_problem_x(p);
  CHECK(xp[0] == 1 && xp[1] == -1);
  CHECK_NEAR(xp[2], 5, 1e-6);
  CHECK_NEAR(xp[3], 1, 1e-6);
  /* a box set on the optimizer holds when the options give none */
  const double z[4] = {0, 0, 0, 0};
  memcpy(slope_problem_x(p), z, sizeof z);
  CHECK_INT(slope_optim_set_bounds(o, lo, hi), SLOPE_OK);
  slope_optim_reset(o);
  opts.lower = opts.upper = NULL;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK(slope_problem_x(p)[0] == 1 && slope_problem_x(p)[1] == -1);
  /* a start outside the box is an error naming the parameter */
  slope_problem_x(p)[1] = 3;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_ERRARG);
  CHECK_STR(r.message, "the start of 'y' is 3, outside its bounds [-1, 1]");
  CHECK_INT(r.status, SLOPE_STATUS_ERROR);
  slope_optim_free(o);
  slope_problem_free(p);
  /* slope_problem_step clamps into the optimizer's box too: plain descent by hand */
  const double s0 = 0.5, slo = 0, shi = 0.9;
  slope_problem *q = slope_problem_new(S, f, &x, &s0, 1, NULL);
  slope_optim *sgd = slope_optim_new(S, "sgd", 1);
  double rate = 0.1, fq, want = s0;
  if (!CHECK(q && sgd) || !CHECK(slope_optim_set(sgd, "lr", &rate, 1) == SLOPE_OK)) return;
  CHECK_INT(slope_optim_set_bounds(sgd, &slo, &shi), SLOPE_OK);
  int same = 1;
  for (int k = 0; k < 30; k++) {
    CHECK_INT(slope_problem_step(q, sgd, &fq), SLOPE_OK);
    want = fmin(fmax(want - 0.1 * (2 * (want - 3)), 0), 0.9);
    same = same && slope_problem_x(q)[0] == want;
  }
  CHECK(same && want == 0.9);
  slope_optim_free(sgd);
  slope_problem_free(q);
}

/* sum (i + 1) (x_i - 1)^4, counting calls */
static int quartic(void *ud, const double *x, double *f, double *g) {
  host *h = ud;
  h->calls++;
  *f = 0;
  for (int i = 0; i < 3; i++) {
    double d = x[i] - 1;
    *f += (i + 1) * d * d * d * d;
    if (g) g[i] = 4 * (i + 1) * d * d * d;
  }
  return SLOPE_OK;
}

/* nfev against the callback's own count: lbfgs's line search evaluates
** inside its steps, and every row holds the count when it was recorded. */
static void test_nfev(slope_ctx *S) {
  host h = {-1, 1, 0, 0};
  slope_objective obj = {quartic, NULL, &h};
  const double x0[3] = {3, -2, 0.5};
  slope_problem *p = slope_problem_callback(S, 3, NULL, x0, obj);
  slope_optim *o = slope_optim_new(S, "lbfgs", 3);
  if (!CHECK(p && o)) return;
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 5;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t = NULL;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_MAX_STEPS);
  CHECK_INT(r.nfev, h.calls);
  CHECK(r.nfev > r.steps + 2);   /* the line search made more than one evaluation a step */
  size_t rows = slope_trace_rows(t);
  CHECK_INT(slope_trace_nfev(t, 0), 1);
  CHECK_INT(slope_trace_nfev(t, rows - 1), h.calls);
  for (size_t k = 1; k < rows; k++) CHECK(slope_trace_nfev(t, k) > slope_trace_nfev(t, k - 1));
  CHECK_INT(slope_trace_nfev(t, rows), -1);
  CHECK_INT(slope_trace_nfev(NULL, 0), -1);
  slope_trace_free(t);
  slope_optim_free(o);
  slope_problem_free(p);
}

int main(void) {
  slope_ctx *S = slope_new();
  if (!S) return 1;
  test_gradcheck(S);
  test_values_only(S);
  test_bounds(S);
  test_nfev(S);
  slope_free(S);
  return check_done();
}
