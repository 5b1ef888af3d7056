/*
** test_neldermead.c -- the nelder_mead optimizer against SciPy 1.10.
**
** Each case of ref/neldermead_ref.h (made by ref/gen_neldermead.py) holds
** the point SciPy's callback received after every iteration of
** minimize(method='Nelder-Mead'), plain, adaptive and bounded, on problems
** where ties decide the order of the vertices too: through NumPy's
** insertion sort (up to 16 vertices), its quicksort (17-D) and, on values
** made to defeat the quicksort, its heapsort (39-D).  slope_run must record
** the same points in its trace rows (to 1e-12; the largest deviation is
** printed), stop as converged after as many steps as SciPy made callbacks
** (or reach the step limit where SciPy reached maxiter), with SciPy's nfev
** value-only evaluations and its final f.  Maximizing -f goes through the
** same points.  A run resumed from a checkpoint continues bit for bit, and
** one given only the point does not (the simplex is the state).  Then the
** step itself: its evaluations, the stopping rule, a fresh simplex when x
** is moved, bounds, hyperparameters and errors.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "slope.h"
#include "ref/neldermead_ref.h"

/* The objectives must round exactly as the generator's Python does. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* ---- objectives ------------------------------------------------------------ */

static double rosen(const double *x, double *g) {
  double a = x[0], b = x[1], u = b - a * a;
  if (g) { g[0] = -2 * (1 - a) - 400 * a * u; g[1] = 200 * u; }
  return (1 - a) * (1 - a) + 100 * u * u;
}

static double himmelblau(const double *x, double *g) {
  double a = x[0], b = x[1], u = a * a + b - 11, v = a + b * b - 7;
  if (g) { g[0] = 4 * a * u + 2 * v; g[1] = 2 * u + 4 * b * v; }
  return u * u + v * v;
}

/* sum (i+1) (x_i - 1)^2 with weights 'w' (1 for the sphere) */
static double weighted(const double *x, double *g, int n, int w) {
  double f = 0.0;
  for (int i = 0; i < n; i++) {
    double d = x[i] - 1, c = w ? i + 1 : 1;
    f += c * d * d;
    if (g) g[i] = 2 * c * d;
  }
  return f;
}

typedef struct fn_ud {
  int fn, n;
  double sign;
  long values;     /* calls without a gradient: the optimizer's */
} fn_ud;

static int fg_cb(void *ud, const double *x, double *f, double *g) {
  fn_ud *u = ud;
  if (!g) u->values++;
  switch (u->fn) {
    case NM_ROSEN: *f = rosen(x, g); break;
    case NM_HIMMELBLAU: *f = himmelblau(x, g); break;
    case NM_TABLE:   /* the generator's table, then the sphere */
      if (!g && u->values <= (long)(sizeof nm_table / sizeof *nm_table)) {
        *f = nm_table[u->values - 1];
        break;
      }
      /* fall through */
    default: *f = weighted(x, g, u->n, u->fn == NM_WEIGHTED);
  }
  *f *= u->sign;
  if (g) for (int i = 0; i < u->n; i++) g[i] *= u->sign;
  return SLOPE_OK;
}

static int set1(slope_optim *o, const char *name, double v) { return slope_optim_set(o, name, &v, 1); }

/* ---- against SciPy ---------------------------------------------------------- */

static double max_dev;   /* largest |slope - SciPy| / max(1, |SciPy|) over all rows */

static slope_optim *optim_for(slope_ctx *S, const nm_case *c) {
  slope_optim *o = slope_optim_new(S, "nelder_mead", c->n);
  if (!CHECK(o != NULL)) return NULL;
  CHECK_INT(set1(o, "adaptive", c->adaptive), SLOPE_OK);
  if (c->bounded) CHECK_INT(slope_optim_set_bounds(o, c->lo, c->hi), SLOPE_OK);
  return o;
}

/* Whether case c starts outside its box: SciPy clips such a start (with a
** warning); slope refuses it, as every run refuses a start outside its bounds. */
static int starts_outside(const nm_case *c) {
  for (int i = 0; c->bounded && i < c->n; i++)
    if (c->x0[i] < c->lo[i] || c->x0[i] > c->hi[i]) return 1;
  return 0;
}

/* Run case c with f times 'sign' (maximizing when it is -1) and compare. */
static void run_case(slope_ctx *S, const nm_case *c, double sign) {
  fn_ud u = {c->fn, c->n, sign, 0};
  slope_objective obj = {fg_cb, NULL, &u};
  slope_problem *p = slope_problem_callback(S, c->n, NULL, c->x0, obj);
  slope_optim *o = optim_for(S, c);
  if (!CHECK(p != NULL) || !o) return;
  slope_run_opts opts;
  slope_run_defaults(&opts);
  int converges = c->status == 0;
  opts.steps = converges ? c->iterations + 50 : c->iterations;
  opts.maximize = sign < 0;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t = NULL;
  if (starts_outside(c)) {
    CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_ERRARG);
    CHECK(r.status == SLOPE_STATUS_ERROR && strstr(r.message, "outside its bounds") != NULL);
    slope_trace_free(t);
    slope_optim_free(o);
    slope_problem_free(p);
    return;
  }
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK_INT(r.status, converges ? SLOPE_CONVERGED : SLOPE_MAX_STEPS);
  CHECK_INT(r.steps, c->iterations);
  CHECK_INT(u.values, c->nfev);
  if (converges) {
    CHECK(strstr(r.message, "converged: the simplex is within xatol") != NULL);
    CHECK_STR(slope_optim_done(o), "the simplex is within xatol and its values within fatol");
  }
  CHECK_NEAR(sign * r.f, c->fun, 1e-12);
  int n = c->n, bad = 0;
  CHECK(t && slope_trace_rows(t) == (size_t)c->iterations + 1);
  if (t) {
    double x[64];
    for (int k = 0; k <= c->iterations && (size_t)k < slope_trace_rows(t); k++) {
      long step = -1;
      CHECK_INT(slope_trace_row(t, (size_t)k, &step, NULL, NULL, NULL, x), SLOPE_OK);
      const double *want = k == 0 ? c->x0 : c->x + (size_t)(k - 1) * (size_t)n;
      for (int i = 0; i < n; i++) {
        double dev = fabs(x[i] - want[i]) / fmax(1, fabs(want[i]));
        if (!(dev <= max_dev)) max_dev = dev;
        if (!(dev <= 1e-12) && bad++ < 3)
          fprintf(stderr, "    %s (sign %g) row %d x[%d]: %.17g, SciPy %.17g\n", c->name, sign, k, i, x[i], want[i]);
      }
    }
  }
  CHECK(bad == 0);
  const double *last = c->x + (size_t)(c->iterations - 1) * (size_t)n;
  for (int i = 0; i < n; i++) CHECK_NEAR(slope_problem_x(p)[i], last[i], 1e-12);
  slope_trace_free(t);
  slope_optim_free(o);
  slope_problem_free(p);
}

static void test_scipy(slope_ctx *S) {
  for (size_t k = 0; k < sizeof nm_cases / sizeof *nm_cases; k++) {
    run_case(S, &nm_cases[k], 1);
    run_case(S, &nm_cases[k], -1);   /* maximize -f: the same points */
  }
  printf("nelder_mead: largest deviation from SciPy %.3g (relative, floor 1)\n", max_dev);
}

/* ---- checkpoints ------------------------------------------------------------ */

typedef struct nm_run {
  fn_ud u;
  slope_problem *p;
  slope_optim *o;
  slope_run_opts opts;
  slope_result r;
  slope_trace *t;
} nm_run;

/* A run of 'steps' steps on the 5-D weighted problem, f times 'sign'. */
static void nm_run_start(slope_ctx *S, nm_run *R, double sign, long steps) {
  static const double x0[5] = {0.5, -1, 2, 0, 3};
  R->u = (fn_ud){NM_WEIGHTED, 5, sign, 0};
  R->p = slope_problem_callback(S, 5, NULL, x0, (slope_objective){fg_cb, NULL, &R->u});
  /* seeds the problem's generator: a callback problem's is all zero until
  ** then, which a checkpoint reader takes for a corrupt file */
  CHECK_INT(slope_problem_batch(R->p, 0, 0, 0), SLOPE_OK);
  R->o = slope_optim_new(S, "nelder_mead", 5);
  CHECK_INT(set1(R->o, "adaptive", 1), SLOPE_OK);
  slope_run_defaults(&R->opts);
  slope_result_init(&R->r);
  R->opts.steps = steps;
  R->opts.maximize = sign < 0;
  R->t = NULL;
}

static int nm_run_go(nm_run *R) { return slope_run(R->p, R->o, &R->opts, &R->r, &R->t); }

static void nm_run_end(nm_run *R) {
  slope_trace_free(R->t);
  slope_optim_free(R->o);
  slope_problem_free(R->p);
}

/* Trace row k of R as raw doubles: f and x. */
static void raw_row(const nm_run *R, size_t k, double *out) {
  CHECK_INT(slope_trace_row(R->t, k, NULL, out, NULL, NULL, out + 1), SLOPE_OK);
}

static void test_checkpoints(slope_ctx *S) {
  char dir[] = "/tmp/slope_nm_XXXXXX", ck[64];
  if (!CHECK(mkdtemp(dir) != NULL)) return;
  snprintf(ck, sizeof ck, "%s/nm.ck", dir);
  for (double sign = 1; sign >= -1; sign -= 2) {
    nm_run a, b, r, q;
    nm_run_start(S, &a, sign, 120);   /* uninterrupted */
    CHECK_INT(nm_run_go(&a), SLOPE_OK);
    nm_run_start(S, &b, sign, 77);    /* checkpoints every 10 steps: the last at 70 */
    b.opts.checkpoint_path = ck;
    b.opts.checkpoint_every = 10;
    CHECK_INT(nm_run_go(&b), SLOPE_OK);
    nm_run_start(S, &r, sign, 120);   /* resumed at 70, with a default optimizer */
    CHECK_INT(set1(r.o, "adaptive", 0), SLOPE_OK);
    r.opts.resume_path = ck;
    CHECK_INT(nm_run_go(&r), SLOPE_OK);
    CHECK(memcmp(slope_problem_x(a.p), slope_problem_x(r.p), 5 * sizeof(double)) == 0);
    CHECK(memcmp(&a.r.f, &r.r.f, sizeof a.r.f) == 0);
    CHECK_INT(r.r.steps, a.r.steps);
    CHECK_INT(r.r.status, a.r.status);
    int same = r.t && a.t && slope_trace_rows(r.t) == slope_trace_rows(a.t) - 70;
    for (size_t k = 0; same && k < slope_trace_rows(r.t); k++) {
      double u[6], v[6];
      raw_row(&a, 70 + k, u);
      raw_row(&r, k, v);
      same = memcmp(u, v, sizeof u) == 0;
    }
    CHECK(same);
    /* the point alone: a fresh simplex there, another trajectory */
    nm_run_start(S, &q, sign, 50);
    CHECK_INT(slope_checkpoint_load(S, ck, q.p, NULL), SLOPE_OK);
    CHECK_INT(nm_run_go(&q), SLOPE_OK);
    CHECK(memcmp(slope_problem_x(a.p), slope_problem_x(q.p), 5 * sizeof(double)) != 0);
    nm_run_end(&a);
    nm_run_end(&b);
    nm_run_end(&r);
    nm_run_end(&q);
  }
  /* an optimizer saved between steps, and one saved before its first step */
  fn_ud u = {NM_ROSEN, 2, 1, 0};
  slope_objective obj = {fg_cb, NULL, &u};
  slope_optim *o = slope_optim_new(S, "nelder_mead", 2);
  CHECK_INT(slope_checkpoint_save(S, ck, NULL, o), SLOPE_OK);
  slope_optim *unborn = slope_checkpoint_optim(S, ck, NULL);
  double x[2] = {-1.2, 1}, y[2], z[2] = {-1.2, 1}, x1[2];
  long first = 0;
  for (int k = 0; k < 7; k++) {
    CHECK_INT(slope_optim_step(o, x, 0, NULL, NULL, &obj, NULL), SLOPE_OK);
    if (k == 0) { first = slope_optim_evals(o); memcpy(x1, x, sizeof x1); }
  }
  CHECK_INT(slope_checkpoint_save(S, ck, NULL, o), SLOPE_OK);
  slope_optim *back = slope_checkpoint_optim(S, ck, NULL);
  memcpy(y, x, sizeof y);
  for (int k = 0; k < 20; k++) {
    CHECK_INT(slope_optim_step(o, x, 0, NULL, NULL, &obj, NULL), SLOPE_OK);
    CHECK_INT(slope_optim_step(back, y, 0, NULL, NULL, &obj, NULL), SLOPE_OK);
    CHECK_INT(slope_optim_evals(back), slope_optim_evals(o));
  }
  CHECK(memcmp(x, y, sizeof x) == 0);
  /* saved with no simplex: it builds one, as a fresh optimizer does */
  CHECK_INT(slope_optim_step(unborn, z, 0, NULL, NULL, &obj, NULL), SLOPE_OK);
  CHECK_INT(slope_optim_evals(unborn), first);
  CHECK(memcmp(z, x1, sizeof z) == 0);
  slope_optim_free(unborn);
  slope_optim_free(back);
  slope_optim_free(o);
  unlink(ck);
  rmdir(dir);
}

/* ---- the step -------------------------------------------------------------- */

/* The first step on f = (x - 1)^2 + (y - 1)^2 from (0, 2): the simplex
** (0, 2), (0.00025, 2), (0, 2.1), whose best vertex is (0.00025, 2) with
** f = 1.99950000625 and the worst (0, 2.1); the reflection (0.00025, 1.9)
** beats the best, so the expansion (0.000375, 1.85) is tried: better still,
** it replaces the worst.  Five evaluations, all without the gradient. */
static void test_first_step(slope_ctx *S) {
  fn_ud u = {NM_SPHERE, 2, 1, 0};
  slope_objective obj = {fg_cb, NULL, &u};
  slope_optim *o = slope_optim_new(S, "nelder_mead", 2);
  double x[2] = {0, 2}, f;
  fg_cb(&u, x, &f, NULL);
  u.values = 0;
  CHECK_INT(slope_optim_step(o, x, f, NULL, NULL, &obj, NULL), SLOPE_OK);
  CHECK_INT(slope_optim_evals(o), 5);
  CHECK_INT(u.values, 5);
  double xbar[2] = {0.00025 / 2, 2.0};   /* (0.00025, 2) and (0, 2) */
  double xe[2] = {3 * xbar[0] - 2 * 0.0, 3 * xbar[1] - 2 * 2.1};
  CHECK(x[0] == xe[0] && x[1] == xe[1]);
  CHECK(slope_optim_done(o) == NULL);
  /* later steps reuse the simplex: one to four evaluations, or n more for a shrink */
  CHECK_INT(slope_optim_step(o, x, f, NULL, NULL, &obj, NULL), SLOPE_OK);
  CHECK(slope_optim_evals(o) >= 1 && slope_optim_evals(o) <= 4);
  slope_optim_free(o);
}

/* The stopping rule: with large tolerances the first pass finds it met
** (SciPy breaks before any move): x is the best vertex, done is set. */
static void test_tolerances(slope_ctx *S) {
  fn_ud u = {NM_SPHERE, 2, 1, 0};
  slope_objective obj = {fg_cb, NULL, &u};
  slope_optim *o = slope_optim_new(S, "nelder_mead", 2);
  CHECK_INT(set1(o, "xatol", 1), SLOPE_OK);
  CHECK_INT(set1(o, "fatol", 1), SLOPE_OK);
  double x[2] = {0, 2};
  CHECK_INT(slope_optim_step(o, x, 0, NULL, NULL, &obj, NULL), SLOPE_OK);
  CHECK_INT(slope_optim_evals(o), 3);   /* only the simplex */
  CHECK(x[0] == 0.00025 && x[1] == 2);
  CHECK_STR(slope_optim_done(o), "the simplex is within xatol and its values within fatol");
  /* a fatol that fails keeps it going */
  slope_optim_reset(o);
  CHECK(slope_optim_done(o) == NULL);
  CHECK_INT(set1(o, "fatol", 1e-9), SLOPE_OK);
  x[0] = 0; x[1] = 2;
  CHECK_INT(slope_optim_step(o, x, 0, NULL, NULL, &obj, NULL), SLOPE_OK);
  CHECK(slope_optim_done(o) == NULL);
  CHECK(slope_optim_evals(o) > 3);
  slope_optim_free(o);
}

/* A point moved between steps (or a reset) starts a fresh simplex there. */
static void test_moved(slope_ctx *S) {
  fn_ud u = {NM_ROSEN, 2, 1, 0};
  slope_objective obj = {fg_cb, NULL, &u};
  slope_optim *o = slope_optim_new(S, "nelder_mead", 2), *fresh = slope_optim_new(S, "nelder_mead", 2);
  double x[2] = {-1.2, 1}, y[2];
  for (int k = 0; k < 5; k++) CHECK_INT(slope_optim_step(o, x, 0, NULL, NULL, &obj, NULL), SLOPE_OK);
  x[0] += 0.5;
  memcpy(y, x, sizeof y);
  CHECK_INT(slope_optim_step(o, x, 0, NULL, NULL, &obj, NULL), SLOPE_OK);
  CHECK_INT(slope_optim_step(fresh, y, 0, NULL, NULL, &obj, NULL), SLOPE_OK);
  CHECK_INT(slope_optim_evals(o), slope_optim_evals(fresh));
  CHECK(memcmp(x, y, sizeof x) == 0);
  slope_optim_free(fresh);
  slope_optim_free(o);
}

/* Bounds: every vertex is clipped, x0 included; a pinned coordinate stays. */
static void test_bounds(slope_ctx *S) {
  fn_ud u = {NM_ROSEN, 2, 1, 0};
  slope_objective obj = {fg_cb, NULL, &u};
  slope_optim *o = slope_optim_new(S, "nelder_mead", 2);
  double lo[2] = {-INFINITY, 0.25}, hi[2] = {0.5, 0.25};
  CHECK_INT(slope_optim_set_bounds(o, lo, hi), SLOPE_OK);
  double x[2] = {2, 2};
  for (int k = 0; k < 200 && !slope_optim_done(o); k++) {
    CHECK_INT(slope_optim_step(o, x, 0, NULL, NULL, &obj, NULL), SLOPE_OK);
    if (!CHECK(x[0] <= 0.5 && x[1] == 0.25)) break;
  }
  /* the minimum of (1 - a)^2 + 100 (0.25 - a^2)^2 on a <= 0.5 is at a = 0.5 */
  CHECK(slope_optim_done(o) != NULL);
  CHECK_NEAR(x[0], 0.5, 1e-4);
  slope_optim_free(o);
}

static void test_hypers(slope_ctx *S) {
  slope_optim *o = slope_optim_new(S, "nelder_mead", 3);
  if (!CHECK(o != NULL)) return;
  /* SciPy's names and defaults, in this order */
  static const struct { const char *name; double def; } want[] = {
    {"xatol", 1e-4}, {"fatol", 1e-4}, {"adaptive", 0}, {"maximize", 0}};
  const char *const *names = slope_optim_hypers(o);
  for (int k = 0; k < 4; k++) {
    double v = NAN;
    CHECK_STR(names[k], want[k].name);
    CHECK_INT(slope_optim_get(o, want[k].name, &v, 1), 1);
    CHECK(v == want[k].def);
  }
  CHECK(names[4] == NULL);
  CHECK_INT(slope_optim_get(o, "lr", (double[1]){0}, 1), -1);   /* no learning rate */
  CHECK_INT(slope_optim_needs("nelder_mead"), 0);
  CHECK_INT(set1(o, "xatol", -1), SLOPE_ERRARG);
  CHECK_STR(slope_error_get(S).message, "nelder_mead: xatol must be >= 0, got -1");
  slope_clear_error(S);
  CHECK_INT(set1(o, "adaptive", 2), SLOPE_ERRARG);
  slope_clear_error(S);
  double x[3] = {0, 0, 0};
  CHECK_INT(slope_optim_step(o, x, 0, NULL, NULL, NULL, NULL), SLOPE_ERRARG);
  CHECK(strstr(slope_error_get(S).message, "nelder_mead needs the objective") != NULL);
  slope_clear_error(S);
  slope_optim_free(o);
}

/* A failing evaluation stops the step with its code. */
static int failing(void *ud, const double *x, double *f, double *g) {
  (void)x; (void)g;
  long *calls = ud;
  *f = 1;
  return ++*calls == 3 ? SLOPE_ERRARG : SLOPE_OK;
}

static void test_failure(slope_ctx *S) {
  long calls = 0;
  slope_objective obj = {failing, NULL, &calls};
  slope_optim *o = slope_optim_new(S, "nelder_mead", 2);
  double x[2] = {1, 1};
  CHECK_INT(slope_optim_step(o, x, 0, NULL, NULL, &obj, NULL), SLOPE_ERRARG);
  CHECK(x[0] == 1 && x[1] == 1);
  slope_clear_error(S);
  slope_optim_free(o);
}

int main(void) {
  slope_ctx *S = slope_new();
  test_scipy(S);
  test_checkpoints(S);
  test_first_step(S);
  test_tolerances(S);
  test_moved(S);
  test_bounds(S);
  test_hypers(S);
  test_failure(S);
  slope_free(S);
  return check_done();
}
