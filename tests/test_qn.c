/*
** test_qn.c -- cg and bfgs against SciPy 1.10 (ref/scipy_qn_ref.h, made by
** ref/make_scipy_qn.py): every point SciPy's callback received, the start
** included, against slope_run's trace rows, and the stop at the same
** iteration.  Three objectives, twice each: as host callbacks repeating the
** generator's formulas operation for operation (the same f and g bit for
** bit, checked at every point), and as slope expressions, whose compiled
** gradient may round differently.  Also: maximize (the same iterates on -f),
** a checkpoint resumed mid-run bit for bit, the stopping rules (gtol, and
** SciPy's "precision loss" when the line search finds no step), and the
** hyperparameters.  SciPy's CG on Rosenbrock from (-1.2, 1) falls back once
** from MINPACK's search to line_search_wolfe2 (seen by wrapping SciPy's),
** so the first case covers both searches.
*/
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "check.h"
#include "slope.h"
#include "ref/scipy_qn_ref.h"

/* The objectives must round exactly as the generator's Python does. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

enum { NCASES = (int)(sizeof qn_cases / sizeof qn_cases[0]), MAXN = 5 };

/* ---- objectives (make_scipy_qn.py's, operation for operation) ---------------- */

static void rosen(const double *x, double *f, double *g) {
  double a = x[0], b = x[1], u = b - a * a;
  *f = (1 - a) * (1 - a) + 100 * (u * u);
  g[0] = -2 * (1 - a) - (2 * a) * (200 * u);
  g[1] = 200 * u;
}

static void himmel(const double *x, double *f, double *g) {
  double a = x[0], b = x[1], p = a * a + b - 11, q = a + b * b - 7;
  *f = p * p + q * q;
  g[0] = 4 * a * p + 2 * q;
  g[1] = 2 * p + 4 * b * q;
}

static void quad5(const double *x, double *f, double *g) {
  *f = 0.0;
  for (int i = 0; i < 5; i++) {
    double d = x[i] - 1, gi = 2 * (i + 1) * d;
    *f += (i + 1) * d * d;
    if (i > 0) gi += x[i - 1];
    if (i < 4) {
      *f += x[i] * x[i + 1];
      gi += x[i + 1];
    }
    g[i] = gi;
  }
}

typedef struct fn_ud {
  const qn_case *c;
  double sign;       /* -1: the negated objective, for maximize */
  long calls;
} fn_ud;

static int fg_cb(void *ud, const double *x, double *f, double *g) {
  fn_ud *u = ud;
  double gg[MAXN];
  u->calls++;
  if (strcmp(u->c->fn, "rosen") == 0) rosen(x, f, gg);
  else if (strcmp(u->c->fn, "himmel") == 0) himmel(x, f, gg);
  else quad5(x, f, gg);
  *f *= u->sign;
  if (g) for (int i = 0; i < u->c->n; i++) g[i] = u->sign * gg[i];
  return SLOPE_OK;
}

static const char *const names2[] = {"a", "b"};
static const char *const names5[] = {"x0", "x1", "x2", "x3", "x4"};

static const char *const *names_of(const qn_case *c) { return c->n == 2 ? names2 : names5; }

/* A problem for case c at its start: host callbacks (sign 1 or -1), or the
** expression when 'u' is NULL. */
static slope_problem *problem_for(slope_ctx *S, const qn_case *c, fn_ud *u) {
  if (u) return slope_problem_callback(S, c->n, names_of(c), c->pts, (slope_objective){fg_cb, NULL, u});
  slope_expr f = slope_parse(S, c->text, strlen(c->text));
  return slope_problem_new(S, f, names_of(c), c->pts, c->n, NULL);
}

static slope_optim *optim_for(slope_ctx *S, const qn_case *c, int maximize) {
  slope_optim *o = slope_optim_new(S, c->kind, c->n);
  double m = maximize;
  if (o) CHECK(slope_optim_set(o, "maximize", &m, 1) == SLOPE_OK &&
               slope_optim_set(o, "gtol", &c->gtol, 1) == SLOPE_OK &&
               slope_optim_set(o, "norm", &c->norm, 1) == SLOPE_OK);
  return o;
}

/* ---- agreement with SciPy ---------------------------------------------------- */

/* The largest |x - x_scipy| / max(1, |x_scipy|) over every row of 't'
** against case c's points; -1 when the row count differs.  After SciPy's
** precision loss the run has one more row: the step that found no step
** left x where it was. */
static double deviation(const slope_trace *t, const qn_case *c) {
  double worst = 0, x[MAXN];
  int loss = c->status == 2;
  if (slope_trace_rows(t) != (size_t)c->nit + 1 + loss) return -1;
  for (int k = 0; k <= c->nit + loss; k++) {
    CHECK(slope_trace_row(t, (size_t)k, NULL, NULL, NULL, NULL, x) == SLOPE_OK);
    int j = k > c->nit ? c->nit : k;   /* the last row repeats the point */
    for (int i = 0; i < c->n; i++) {
      double ref = c->pts[j * c->n + i], d = fabs(x[i] - ref) / (fabs(ref) > 1 ? fabs(ref) : 1);
      if (!(d <= worst)) worst = d;   /* NaN counts as the worst */
    }
  }
  return worst;
}

/* Run case c (callbacks with 'sign' and maximize, or the expression when
** 'cb' is 0) to the end and check the trace against SciPy; returns the
** deviation. */
static double run_case(slope_ctx *S, const qn_case *c, int cb, int maximize) {
  fn_ud u = {c, maximize ? -1.0 : 1.0, 0};
  slope_problem *p = problem_for(S, c, cb ? &u : NULL);
  slope_optim *o = optim_for(S, c, maximize);
  double dev = -1;
  if (!CHECK(p && o)) goto done;
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 1000;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t = NULL;
  if (!CHECK(slope_run(p, o, &opts, &r, &t) == SLOPE_OK)) goto done;
  dev = deviation(t, c);
  if (!CHECK(dev >= 0 && dev <= 1e-9))
    fprintf(stderr, "    %s %s (%s): %zu rows for %d iterations, deviation %g\n", c->kind, c->fn,
            cb ? "callbacks" : "expression", slope_trace_rows(t), c->nit, dev);
  CHECK_INT(r.status, SLOPE_CONVERGED);
  CHECK_INT(r.steps, c->nit + (c->status == 2));
  if (!CHECK(strstr(r.message, c->status == 2 ? "precision loss" : "gtol") != NULL))
    fprintf(stderr, "    %s\n", r.message);
  slope_trace_free(t);
done:
  slope_optim_free(o);
  slope_problem_free(p);
  return dev;
}

/* The callbacks give the generator's f and g at every point, bit for bit. */
static void test_formulas(void) {
  for (int k = 0; k < NCASES; k++) {
    const qn_case *c = &qn_cases[k];
    fn_ud u = {c, 1, 0};
    for (int j = 0; j <= c->nit; j++) {
      double f, g[MAXN];
      const double *fg = c->fg + j * (c->n + 1);
      fg_cb(&u, c->pts + j * c->n, &f, g);
      int same = f == fg[0];
      for (int i = 0; i < c->n; i++) same &= g[i] == fg[1 + i];
      if (!CHECK(same)) fprintf(stderr, "    %s at point %d\n", c->fn, j);
    }
  }
}

static void test_scipy(slope_ctx *S) {
  double worst_cb = 0, worst_expr = 0;
  for (int k = 0; k < NCASES; k++) {
    const qn_case *c = &qn_cases[k];
    double d = run_case(S, c, 1, 0);
    if (d > worst_cb) worst_cb = d;
    d = run_case(S, c, 1, 1);    /* maximize -f: the same iterates */
    if (d > worst_cb) worst_cb = d;
    /* where precision runs out, the expression's own rounding decides
    ** which iteration finds no step (quad5's tape sums in another order) */
    if (c->status == 2) continue;
    d = run_case(S, c, 0, 0);
    if (d > worst_expr) worst_expr = d;
  }
  printf("largest deviation from SciPy: %.3g (callbacks), %.3g (expressions)\n", worst_cb, worst_expr);
}

/* ---- checkpoints --------------------------------------------------------------- */

/* Run case c with a checkpoint every 10 steps, then resume from the last
** one (mid-run) in a new problem and optimizer: the same rows bit for bit. */
static void test_resume(slope_ctx *S, const qn_case *c) {
  char ck[64];   /* one file per process: the plain and sanitized suites may run at once */
  snprintf(ck, sizeof ck, "/tmp/slope_test_qn_%ld.ck", (long)getpid());
  slope_problem *p = problem_for(S, c, NULL), *q = problem_for(S, c, NULL);
  slope_optim *o = optim_for(S, c, 0), *o2 = optim_for(S, c, 0);
  slope_trace *t = NULL, *t2 = NULL;
  if (!CHECK(p && q && o && o2)) goto done;
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 1000;
  opts.checkpoint_path = ck;
  opts.checkpoint_every = 10;
  slope_result r, r2;
  slope_result_init(&r);
  slope_result_init(&r2);
  if (!CHECK(slope_run(p, o, &opts, &r, &t) == SLOPE_OK)) goto done;
  CHECK(c->nit > 10 && c->nit % 10 != 0);   /* the checkpoint is mid-run */
  opts.checkpoint_path = NULL;
  opts.checkpoint_every = 0;
  opts.resume_path = ck;
  if (!CHECK(slope_run(q, o2, &opts, &r2, &t2) == SLOPE_OK)) {
    fprintf(stderr, "    %s\n", r2.message);
    goto done;
  }
  CHECK_INT(r2.steps, r.steps);
  CHECK_INT(r2.status, r.status);
  size_t rows = slope_trace_rows(t2), first = slope_trace_rows(t) - rows;
  CHECK_INT(rows, c->nit % 10 + 1);
  for (size_t k = 0; k < rows; k++) {
    double x[MAXN], x2[MAXN];
    long s, s2;
    CHECK(slope_trace_row(t, first + k, &s, NULL, NULL, NULL, x) == SLOPE_OK);
    CHECK(slope_trace_row(t2, k, &s2, NULL, NULL, NULL, x2) == SLOPE_OK);
    CHECK_INT(s2, s);
    CHECK(memcmp(x, x2, (size_t)c->n * sizeof *x) == 0);
  }
done:
  remove(ck);
  slope_trace_free(t);
  slope_trace_free(t2);
  slope_optim_free(o);
  slope_optim_free(o2);
  slope_problem_free(p);
  slope_problem_free(q);
}

/* ---- stopping rules, the fallback, hyperparameters ------------------------------- */

/* A step from a point that already meets gtol moves nothing and says so,
** as SciPy's loop would not start. */
static void test_done_at_start(slope_ctx *S) {
  const char *kinds[] = {"cg", "bfgs"};
  for (int k = 0; k < 2; k++) {
    slope_optim *o = slope_optim_new(S, kinds[k], 2);
    if (!CHECK(o != NULL)) continue;
    fn_ud u = {&qn_cases[0], 1, 0};
    slope_objective obj = {fg_cb, NULL, &u};
    double x[2] = {1, 1}, f, g[2];
    fg_cb(&u, x, &f, g);
    u.calls = 0;
    CHECK(slope_optim_step(o, x, f, g, NULL, &obj, NULL) == SLOPE_OK);
    CHECK(x[0] == 1 && x[1] == 1);
    CHECK_INT(u.calls, 0);
    CHECK(slope_optim_done(o) != NULL && strstr(slope_optim_done(o), "gtol") != NULL);
    slope_optim_reset(o);
    CHECK(slope_optim_done(o) == NULL);
    slope_optim_free(o);
  }
}

/* One step by hand: the evaluations counted are the objective's calls, and
** the point is SciPy's first iterate. */
static void test_one_step(slope_ctx *S) {
  for (int k = 0; k < NCASES; k++) {
    const qn_case *c = &qn_cases[k];
    slope_optim *o = slope_optim_new(S, c->kind, c->n);
    if (!CHECK(o != NULL)) continue;
    fn_ud u = {c, 1, 0};
    slope_objective obj = {fg_cb, NULL, &u};
    double x[MAXN], f, g[MAXN];
    memcpy(x, c->pts, (size_t)c->n * sizeof *x);
    fg_cb(&u, x, &f, g);
    u.calls = 0;
    CHECK(slope_optim_step(o, x, f, g, NULL, &obj, NULL) == SLOPE_OK);
    CHECK(u.calls >= 1 && slope_optim_evals(o) == u.calls);
    for (int i = 0; i < c->n; i++) CHECK_NEAR(x[i], c->pts[c->n + i], 1e-12);
    slope_optim_free(o);
  }
}

/* An objective that fails on its second call: the step passes the code up. */
static int fail_second(void *ud, const double *x, double *f, double *g) {
  fn_ud *u = ud;
  if (u->calls == 1) return SLOPE_ERRDATA;
  return fg_cb(ud, x, f, g);
}

static void test_error(slope_ctx *S) {
  const char *kinds[] = {"cg", "bfgs"};
  for (int k = 0; k < 2; k++) {
    slope_optim *o = slope_optim_new(S, kinds[k], 2);
    if (!CHECK(o != NULL)) continue;
    fn_ud u = {&qn_cases[0], 1, 0};
    slope_objective obj = {fail_second, NULL, &u};
    double x[2] = {-1.2, 1}, f, g[2];
    fg_cb(&u, x, &f, g);
    CHECK_INT(slope_optim_step(o, x, f, g, NULL, &obj, NULL), SLOPE_ERRDATA);
    CHECK(slope_optim_done(o) == NULL);
    slope_optim_free(o);
  }
}

static void test_hypers(slope_ctx *S) {
  slope_optim *o = slope_optim_new(S, "bfgs", 3), *q = slope_optim_new(S, "cg", 3);
  if (!CHECK(o && q)) return;
  double v[1];
  CHECK(slope_optim_get(o, "gtol", v, 1) == 1 && v[0] == 1e-5);
  CHECK(slope_optim_get(o, "norm", v, 1) == 1 && v[0] == 0);   /* SciPy's inf */
  CHECK(slope_optim_get(o, "xrtol", v, 1) == 1 && v[0] == 0);
  CHECK(slope_optim_get(q, "gtol", v, 1) == 1 && v[0] == 1e-5);
  CHECK(slope_optim_get(q, "xrtol", v, 1) == -1);   /* SciPy's CG has none */
  CHECK(slope_optim_get(q, "lr", v, 1) == -1);      /* nor a learning rate */
  v[0] = INFINITY;
  CHECK(slope_optim_set(o, "norm", v, 1) == SLOPE_ERRARG);   /* written 0 */
  v[0] = -1;
  CHECK(slope_optim_set(o, "norm", v, 1) == SLOPE_ERRARG);
  v[0] = -1;
  CHECK(slope_optim_set(q, "gtol", v, 1) == SLOPE_ERRARG);
  CHECK_INT(slope_optim_needs("cg"), SLOPE_NEEDS_GRAD);
  CHECK_INT(slope_optim_needs("bfgs"), SLOPE_NEEDS_GRAD);
  slope_optim_free(o);
  slope_optim_free(q);
}

int main(void) {
  slope_ctx *S = slope_new();
  if (!S) return 1;
  test_formulas();
  test_scipy(S);
  for (int k = 0; k < NCASES; k++)
    if (qn_cases[k].status == 0 && qn_cases[k].nit > 10 && qn_cases[k].nit % 10) test_resume(S, &qn_cases[k]);
  test_done_at_start(S);
  test_one_step(S);
  test_error(S);
  test_hypers(S);
  slope_free(S);
  return check_done();
}
