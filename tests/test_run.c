/*
** test_run.c -- the optimization core end to end through the C API alone:
** problems (compiled and host callbacks), slope_run and traces.
**
** Every trajectory is checked against a hand loop written here that applies
** the documented operations in the documented order (DESIGN.md and slope.h):
** closed forms where they exist (x_k = 10*0.8^k), PyTorch's formulas for
** clipping, Adam and the schedules, and the run's random stream replayed
** with slope_rng_* for batching and noise.  The two seeds a run uses are
** part of the contract checked here: shuffling draws from the problem's
** generator seeded with the batching seed (slope_problem_batch), noise from
** the run's generator seeded with 'opts.seed ^ RUN_SEED_MIX' (src/run.c).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "slope.h"

/* The hand loops must round as the library does. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define RUN_SEED_MIX 0x5deece66dULL   /* src/run.c: slope_rng_seed(seed ^ this) */

static slope_ctx *S;

/* ---- helpers ------------------------------------------------------------------- */

static slope_problem *expr_problem(const char *src, const char *const *names, const double *x0,
                                   int n, const slope_data *d) {
  slope_expr f = slope_parse(S, src, strlen(src));
  CHECK(f != 0);
  slope_problem *p = slope_problem_new(S, f, names, x0, n, d);
  CHECK(p != NULL);
  return p;
}

static slope_optim *sgd(int n, double lr) {
  slope_optim *o = slope_optim_new(S, "sgd", n);
  CHECK(o != NULL);
  CHECK_INT(slope_optim_set(o, "lr", &lr, 1), SLOPE_OK);
  return o;
}

/* One trace row into plain variables. */
typedef struct row {
  long step;
  double f, lr, gn, bf, x[4];   /* bf: the batch's f in a mini-batch run */
} row;

static row get_row(const slope_trace *t, size_t k) {
  row r = {0};
  CHECK_INT(slope_trace_row(t, k, &r.step, &r.f, &r.lr, &r.gn, r.x), SLOPE_OK);
  r.bf = slope_trace_batch_f(t, k);
  return r;
}

static int contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

/* ---- 1. the tutorial scenarios -------------------------------------------------- */

/* GD on mean((w*x+b-y)^2), X=[1,2,3,4], Y=[3,5,7,9], w=b=0, lr 0.01, 100 epochs. */
static void test_linear_regression(void) {
  static const double X[4] = {1, 2, 3, 4}, Y[4] = {3, 5, 7, 9};
  slope_data *d = slope_data_new(S);
  CHECK_INT(slope_data_add(d, "x", X, 4), SLOPE_OK);
  CHECK_INT(slope_data_add(d, "y", Y, 4), SLOPE_OK);
  const char *names[] = {"w", "b"};
  double x0[2] = {0, 0};
  slope_problem *p = expr_problem("mean((w*x + b - y)^2)", names, x0, 2, d);
  slope_optim *o = sgd(2, 0.01);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 0;
  opts.epochs = 100;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_MAX_STEPS);
  CHECK_STR(slope_status_name(r.status), "max_steps");
  CHECK_INT(r.steps, 100);   /* full batch: one step per epoch */
  CHECK_INT(r.epochs, 100);
  CHECK_INT(slope_trace_rows(t), 101);
  CHECK_INT(slope_trace_nparams(t), 2);
  /* the hand loop: f and the gradient over all four rows, then x -= lr*g */
  double w = 0, b = 0;
  for (int k = 0; k <= 100; k++) {
    double f = 0, gw = 0, gb = 0;
    for (int i = 0; i < 4; i++) {
      double e = w * X[i] + b - Y[i];
      f += e * e;
      gw += 2 * e * X[i];
      gb += 2 * e;
    }
    f /= 4, gw /= 4, gb /= 4;
    row rw = get_row(t, (size_t)k);
    CHECK_INT(rw.step, k);
    CHECK_NEAR(rw.x[0], w, 1e-12);
    CHECK_NEAR(rw.x[1], b, 1e-12);
    CHECK_NEAR(rw.f, f, 1e-12);   /* f and the gradient at x_k, the row's own point */
    CHECK_NEAR(rw.gn, sqrt(gw * gw + gb * gb), 1e-12);
    CHECK(rw.lr == 0.01);
    if (k == 100) break;
    w -= 0.01 * gw;
    b -= 0.01 * gb;
  }
  double *x = slope_problem_x(p);
  CHECK_NEAR(x[0], w, 1e-12);
  CHECK_NEAR(x[1], b, 1e-12);
  CHECK(fabs(x[0] - 2.072) < 5e-4);   /* the tutorial's printed numbers */
  CHECK(fabs(x[1] - 0.788) < 5e-4);
  double fend = 0;
  for (int i = 0; i < 4; i++) fend += (x[0] * X[i] + x[1] - Y[i]) * (x[0] * X[i] + x[1] - Y[i]);
  CHECK_NEAR(r.f, fend / 4, 1e-12);
  slope_trace_free(t);
  slope_optim_free(o);
  slope_problem_free(p);
  slope_data_free(d);
}

/* A one-parameter descent (or ascent) from x0 for 'steps' steps, checked row
** by row against the hand loop x -= sign*lr*g(x) and, when 'ratio' is not 0,
** against the closed form x_k = x0*ratio^k. */
static void check_1d(const char *src, double x0, double lr, long steps, int maximize,
                     double (*fx)(double), double (*gx)(double), double ratio) {
  const char *names[] = {"x"};
  slope_problem *p = expr_problem(src, names, &x0, 1, NULL);
  slope_optim *o = sgd(1, lr);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = steps;
  opts.maximize = maximize;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_MAX_STEPS);
  CHECK_INT(r.steps, steps);
  CHECK_INT(slope_trace_rows(t), steps + 1);
  row r0 = get_row(t, 0);
  CHECK_INT(r0.step, 0);
  CHECK(r0.x[0] == x0);
  CHECK(r0.f == fx(x0));
  CHECK(r0.gn == fabs(gx(x0)));
  double x = x0, sign = maximize ? -1 : 1;
  for (long k = 1; k <= steps; k++) {
    row rk = get_row(t, (size_t)k);
    CHECK_INT(rk.step, k);
    CHECK(rk.lr == lr);
    x -= sign * lr * gx(x);
    CHECK_NEAR(rk.x[0], x, 1e-15);
    CHECK_NEAR(rk.f, fx(x), 1e-15);       /* f and the gradient at x_k, the row's own point */
    CHECK_NEAR(rk.gn, fabs(gx(x)), 1e-15);
    if (ratio != 0) CHECK_NEAR(rk.x[0], x0 * pow(ratio, (double)k), 1e-13);
  }
  CHECK_NEAR(slope_problem_x(p)[0], x, 1e-15);
  CHECK_NEAR(r.f, fx(x), 1e-15);
  CHECK_NEAR(r.grad_norm, fabs(gx(x)), 1e-15);
  double was = -1;
  CHECK_INT(slope_optim_get(o, "maximize", &was, 1), 1);
  CHECK(was == 0);   /* the run restores the optimizer's own setting */
  slope_trace_free(t);
  slope_optim_free(o);
  slope_problem_free(p);
}

static double sq(double x) { return x * x; }
static double dsq(double x) { return 2 * x; }
static double negsq10(double x) { return -(x * x) + 10; }
static double dnegsq10(double x) { return -2 * x; }
static double quad1(double x) { return x * x + 2 * x + 1; }
static double dquad1(double x) { return 2 * x + 2; }

/* x^2 + y^2 + x*y + 2x + 3y + 5 from (4, 4), lr 0.1, 30 steps; minimum at (-1/3, -4/3). */
static void test_quadratic_2d(void) {
  const char *names[] = {"x", "y"};
  double x0[2] = {4, 4};
  slope_problem *p = expr_problem("x^2 + y^2 + x*y + 2*x + 3*y + 5", names, x0, 2, NULL);
  slope_optim *o = sgd(2, 0.1);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 30;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK_INT(slope_trace_rows(t), 31);
  double x = 4, y = 4;
  for (int k = 0; k <= 30; k++) {
    double f = x * x + y * y + x * y + 2 * x + 3 * y + 5;
    double gx = 2 * x + y + 2, gy = 2 * y + x + 3;
    row rk = get_row(t, (size_t)k);
    CHECK_NEAR(rk.x[0], x, 1e-14);
    CHECK_NEAR(rk.x[1], y, 1e-14);
    CHECK_NEAR(rk.f, f, 1e-14);   /* at x_k */
    CHECK_NEAR(rk.gn, sqrt(gx * gx + gy * gy), 1e-14);
    if (k == 30) break;
    x -= 0.1 * gx;
    y -= 0.1 * gy;
  }
  /* 30 steps of contraction 0.85 (the slow eigenvalue 1 - 0.1*1) leave ~0.04 */
  CHECK(fabs(x + 1.0 / 3) < 0.1 && fabs(y + 4.0 / 3) < 0.1);
  CHECK_NEAR(r.f, x * x + y * y + x * y + 2 * x + 3 * y + 5, 1e-14);
  slope_trace_free(t);
  slope_optim_free(o);
  slope_problem_free(p);
}

static void test_tutorials(void) {
  test_linear_regression();
  check_1d("x^2", 10, 0.1, 50, 0, sq, dsq, 0.8);
  check_1d("-x^2 + 10", 3, 0.1, 50, 1, negsq10, dnegsq10, 0.8);
  check_1d("x^2 + 2*x + 1", 5, 0.2, 15, 0, quad1, dquad1, 0);
  test_quadratic_2d();
}

/* ---- 2. trace semantics: every k-th row, none, CSV and JSON ------------------------ */

static void test_trace_every(void) {
  const char *names[] = {"x"};
  double x0 = 10;
  slope_problem *p = expr_problem("x^2", names, &x0, 1, NULL);
  slope_optim *o = sgd(1, 0.1);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 10;
  opts.trace_every = 3;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK_INT(slope_trace_rows(t), 4);   /* steps 0, 3, 6, 9 */
  double x = 10;
  for (int k = 1, row_i = 1; k <= 10; k++) {
    x -= 0.1 * 2 * x;
    if (k % 3) continue;
    row rk = get_row(t, (size_t)row_i++);
    CHECK_INT(rk.step, k);
    CHECK(rk.f == x * x);   /* at x_k */
    CHECK(rk.x[0] == x);
  }
  long step;
  CHECK_INT(slope_trace_row(t, 4, &step, NULL, NULL, NULL, NULL), SLOPE_ERRARG);
  slope_trace_free(t);

  /* trace_every = 0 records nothing, and so does a NULL trace pointer */
  slope_problem_x(p)[0] = 10;
  opts.trace_every = 0;
  t = (slope_trace *)&opts;   /* must be overwritten */
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK(t == NULL);
  CHECK_NEAR(slope_problem_x(p)[0], 10 * pow(0.8, 10), 1e-13);
  opts.trace_every = 1;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK_NEAR(slope_problem_x(p)[0], 10 * pow(0.8, 20), 1e-13);   /* runs go on from p's point */
  slope_optim_free(o);
  slope_problem_free(p);
}

static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  buf[n] = '\0';
  fclose(fp);
  return buf;
}

static void test_trace_files(void) {
  const char *names[] = {"u", "v"};
  double x0[2] = {1, -2};
  slope_problem *p = expr_problem("u^2 + 3*v^2", names, x0, 2, NULL);
  slope_optim *o = sgd(2, 0.05);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 5;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  char path[64];
  snprintf(path, sizeof path, "/tmp/slope_test_run_%ld.csv", (long)getpid());
  CHECK_INT(slope_trace_csv(t, path, names), SLOPE_OK);
  char *text = slurp(path);
  CHECK(text != NULL);
  if (text) {
    CHECK(strncmp(text, "step,f,lr,grad_norm,nfev,u,v\n", 29) == 0);
    char *s = strchr(text, '\n');
    size_t k = 0;
    while (s && s[1]) {
      row want = get_row(t, k);
      char *e;
      CHECK_INT(strtol(s + 1, &e, 10), want.step);
      double got[6];
      for (int j = 0; j < 6; j++) {
        CHECK(*e == ',');
        got[j] = strtod(e + 1, &e);
      }
      CHECK(got[0] == want.f && got[1] == want.lr && got[2] == want.gn);   /* %.17g round-trips */
      CHECK(got[3] == (double)slope_trace_nfev(t, k) && got[4] == want.x[0] && got[5] == want.x[1]);
      CHECK(*e == '\n');
      s = e;
      k++;
    }
    CHECK_INT(k, 6);
  }
  remove(path);
  /* without names the columns are x1, x2 */
  CHECK_INT(slope_trace_csv(t, path, NULL), SLOPE_OK);
  text = slurp(path);
  CHECK(text && strncmp(text, "step,f,lr,grad_norm,nfev,x1,x2\n", 31) == 0);
  remove(path);

  snprintf(path, sizeof path, "/tmp/slope_test_run_%ld.json", (long)getpid());
  CHECK_INT(slope_trace_json(t, path, names), SLOPE_OK);
  text = slurp(path);
  CHECK(text && strncmp(text, "{\"params\": [\"u\", \"v\"],", 22) == 0);
  if (text) {
    /* each row: {"step": k, "f": ..., "lr": ..., "grad_norm": ..., "x": [u, v]} */
    size_t k = 0;
    for (char *s = strstr(text, "{\"step\": "); s; s = strstr(s + 1, "{\"step\": "), k++) {
      row want = get_row(t, k);
      char *e;
      CHECK_INT(strtol(s + 9, &e, 10), want.step);
      CHECK(strncmp(e, ", \"f\": ", 7) == 0);
      CHECK(strtod(e + 7, &e) == want.f);
      CHECK(strncmp(e, ", \"lr\": ", 8) == 0);
      CHECK(strtod(e + 8, &e) == want.lr);
      CHECK(strncmp(e, ", \"grad_norm\": ", 15) == 0);
      CHECK(strtod(e + 15, &e) == want.gn);
      CHECK(strncmp(e, ", \"x\": [", 8) == 0);
      CHECK(strtod(e + 8, &e) == want.x[0]);
      CHECK(strncmp(e, ", ", 2) == 0);
      CHECK(strtod(e + 2, &e) == want.x[1]);
      CHECK(strncmp(e, "], \"nfev\": ", 10) == 0);
      CHECK_INT(strtol(e + 10, &e, 10), slope_trace_nfev(t, k));
      CHECK(strncmp(e, "}", 1) == 0);
    }
    CHECK_INT(k, 6);
  }
  remove(path);
  /* an unwritable path is an I/O error naming the file */
  slope_clear_error(S);
  CHECK_INT(slope_trace_csv(t, "/nonexistent-dir/t.csv", names), SLOPE_ERRIO);
  CHECK(contains(slope_error_get(S).message, "/nonexistent-dir/t.csv"));
  slope_clear_error(S);
  slope_trace_free(t);
  slope_optim_free(o);
  slope_problem_free(p);
}

/* ---- 3. divergence -------------------------------------------------------------- */

static void test_divergence(void) {
  const char *names[] = {"x"};
  slope_run_opts opts;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  /* x^2 from 1 with lr 10: x_k = (-19)^k until x^2 rises more than
  ** 1e12*(1 + |f0|) above f0 = 1 (run.c's bound for a run blowing up) */
  double x0 = 1;
  slope_problem *p = expr_problem("x^2", names, &x0, 1, NULL);
  slope_optim *o = sgd(1, 10);
  slope_run_defaults(&opts);
  opts.steps = 1000;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  double x = 1, last = 1;
  long bad = 0;   /* the first k with f(x_k) past the bound */
  for (long k = 1; k < 1000; k++) {
    x -= 10 * (2 * x);
    if (x * x - 1 > 1e12 * 2) { bad = k; break; }
    last = x;
  }
  CHECK_INT(bad, 5);   /* 361^5 = 6.1e12 */
  CHECK_INT(r.status, SLOPE_DIVERGED);
  CHECK_STR(slope_status_name(r.status), "diverged");
  CHECK(slope_problem_x(p)[0] == last);
  CHECK(isfinite(r.f) && r.f == last * last);
  CHECK(isfinite(r.grad_norm) && r.grad_norm == fabs(2 * last));
  CHECK_INT(r.steps, bad);   /* the step whose update went too far */
  CHECK(contains(r.message, "step 5: f rose from 1 at the start"));
  CHECK(contains(r.message, "smaller learning rate"));
  CHECK_INT(slope_trace_rows(t), bad);   /* x_0 .. x_{bad-1}: x_bad is past the bound */
  for (size_t k = 0; k < slope_trace_rows(t); k++) {
    row rk = get_row(t, k);
    CHECK(isfinite(rk.f) && isfinite(rk.gn) && isfinite(rk.x[0]));
  }
  slope_trace_free(t);
  slope_problem_free(p);

  /* log(x) from 1 with lr 2 steps to x = -1, where f is NaN: the start point stays */
  p = expr_problem("log(x)", names, &x0, 1, NULL);
  slope_optim_free(o);
  o = sgd(1, 2);
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_DIVERGED);
  CHECK(slope_problem_x(p)[0] == 1);
  CHECK(r.f == 0 && r.grad_norm == 1);
  CHECK_INT(r.steps, 1);
  CHECK(contains(r.message, "step 1:"));
  CHECK(contains(r.message, "smaller learning rate"));
  CHECK(!contains(r.message, "start point"));

  /* log(x) from -1: nothing finite to start from, and no step is made */
  slope_problem_x(p)[0] = -1;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_DIVERGED);
  CHECK_INT(r.steps, 0);
  CHECK(slope_problem_x(p)[0] == -1);
  CHECK(contains(r.message, "start point"));
  slope_problem_free(p);

  /* an update to infinity: the point before it is kept */
  p = expr_problem("x^2", names, &x0, 1, NULL);
  double huge = 1e308;
  CHECK_INT(slope_optim_set(o, "lr", &huge, 1), SLOPE_OK);
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_DIVERGED);
  CHECK(slope_problem_x(p)[0] == 1 && r.f == 1);
  CHECK_INT(r.steps, 1);
  CHECK(contains(r.message, "step 1:") && contains(r.message, "point"));
  slope_optim_free(o);
  slope_problem_free(p);
}

/* ---- 4. batching ------------------------------------------------------------------ */

/* Replay problem.c's Fisher-Yates on 'perm' with 'rng'. */
static void replay_shuffle(slope_rng *rng, size_t *perm, size_t rows) {
  for (size_t i = rows; i > 1; i--) {
    size_t j = (size_t)slope_rng_below(rng, i);
    size_t t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
}

static void test_batching(void) {
  static const double X[4] = {1, 2, 3, 4};
  slope_data *d = slope_data_new(S);
  CHECK_INT(slope_data_add(d, "x", X, 4), SLOPE_OK);
  const char *names[] = {"w"};
  double w0 = 0;
  slope_problem *p = expr_problem("mean((w - x)^2)", names, &w0, 1, d);
  slope_run_opts opts;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  /* lr 0 keeps w at 0, so f of step k is X[row]^2 and names the row it saw */
  slope_optim *o = sgd(1, 0);
  for (int shuffle = 0; shuffle <= 1; shuffle++) {
    CHECK_INT(slope_problem_batch(p, 1, shuffle, 7), SLOPE_OK);
    slope_run_defaults(&opts);
    opts.steps = 0;
    opts.epochs = 3;
    CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
    CHECK_INT(r.steps, 12);
    CHECK_INT(r.epochs, 3);
    CHECK_INT(slope_trace_rows(t), 13);
    slope_rng rng;
    slope_rng_seed(&rng, 7);
    size_t perm[4] = {0, 1, 2, 3};
    for (int e = 0; e < 3; e++) {
      if (shuffle) replay_shuffle(&rng, perm, 4);
      int seen[4] = {0};
      for (int b = 0; b < 4; b++) {
        row rk = get_row(t, (size_t)(4 * e + b + 1));
        int i = (int)lround(sqrt(rk.bf)) - 1;
        CHECK(i >= 0 && i < 4 && rk.bf == X[i] * X[i]);
        CHECK(isnan(rk.f) && isnan(rk.gn));   /* f over all rows was not asked for */
        if (i >= 0 && i < 4) seen[i]++;
        CHECK_INT(i, (long long)perm[b]);
      }
      CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1 && seen[3] == 1);
    }
    slope_trace_free(t);
  }
  /* a real trajectory, batch 1 with shuffling, against the replayed order */
  double lr = 0.1;
  CHECK_INT(slope_optim_set(o, "lr", &lr, 1), SLOPE_OK);
  CHECK_INT(slope_problem_batch(p, 1, 1, 99), SLOPE_OK);
  slope_problem_x(p)[0] = 0;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  slope_rng rng;
  slope_rng_seed(&rng, 99);
  size_t perm[4] = {0, 1, 2, 3};
  double w = 0;
  for (int k = 0; k < 12; k++) {
    if (k % 4 == 0) replay_shuffle(&rng, perm, 4);
    double e = w - X[perm[k % 4]];
    row rk = get_row(t, (size_t)k + 1);
    CHECK(rk.bf == e * e);
    w -= 0.1 * (2 * e);
    CHECK_NEAR(rk.x[0], w, 1e-15);
  }
  slope_trace_free(t);
  /* batch 3 of 4 rows: 2 steps per epoch (3 rows, then 1), in row order */
  CHECK_INT(slope_problem_batch(p, 3, 0, 0), SLOPE_OK);
  slope_problem_x(p)[0] = 0;
  opts.epochs = 2;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK_INT(r.steps, 4);
  CHECK_INT(r.epochs, 2);
  w = 0;
  for (int k = 0; k < 4; k++) {
    double f, g;
    if (k % 2 == 0) {
      f = ((w - 1) * (w - 1) + (w - 2) * (w - 2) + (w - 3) * (w - 3)) / 3;
      g = 2 * (3 * w - 6) / 3;
    } else {
      f = (w - 4) * (w - 4);
      g = 2 * (w - 4);
    }
    row rk = get_row(t, (size_t)k + 1);
    CHECK_NEAR(rk.bf, f, 1e-15);
    w -= 0.1 * g;
    CHECK_NEAR(rk.x[0], w, 1e-15);
  }
  slope_trace_free(t);
  /* the batch must fit the rows; batching needs data */
  CHECK_INT(slope_problem_batch(p, 5, 0, 0), SLOPE_ERRARG);
  CHECK(contains(slope_error_get(S).message, "batch"));
  slope_clear_error(S);
  slope_optim_free(o);
  slope_problem_free(p);
  slope_data_free(d);
}

/* ---- host objectives ---------------------------------------------------------------- */

typedef struct host {
  int kind;      /* 0: zero gradient; 1: the convex 2-D function below */
  long calls;
  int fail_at;   /* fail on this call (0: never) */
} host;

/* f = cosh(a) + b^2 + a*b/2 + a - b: convex (H = [[cosh a, 1/2], [1/2, 2]] > 0). */
static void convex2(const double *x, double *f, double *g) {
  double a = x[0], b = x[1];
  *f = cosh(a) + b * b + a * b / 2 + a - b;
  if (g) {
    g[0] = sinh(a) + b / 2 + 1;
    g[1] = 2 * b + a / 2 - 1;
  }
}

static int host_fg(void *ud, const double *x, double *f, double *g) {
  host *h = ud;
  if (++h->calls == h->fail_at) return SLOPE_ERRDATA;
  if (h->kind == 1) {
    convex2(x, f, g);
    return SLOPE_OK;
  }
  *f = 0;
  if (g) g[0] = g[1] = 0;
  return SLOPE_OK;
}

static int host_hess(void *ud, const double *x, double *H) {
  (void)ud;
  H[0] = cosh(x[0]);
  H[1] = H[2] = 0.5;
  H[3] = 2;
  return SLOPE_OK;
}

static slope_problem *host_problem(host *h, const double *x0) {
  slope_objective obj = {host_fg, host_hess, h};
  const char *names[] = {"a", "b"};
  slope_problem *p = slope_problem_callback(S, 2, names, x0, obj);
  CHECK(p != NULL);
  return p;
}

/* ---- 5. noise, replayed from the run's generator ------------------------------------ */

static void test_noise(void) {
  host h = {0, 0, 0};
  double x0[2] = {0.5, -1};
  slope_problem *p = host_problem(&h, x0);
  slope_optim *o = sgd(2, 0.05);
  slope_run_opts opts;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  slope_schedule *inv = slope_schedule_new(S, "inverse");
  double rate = 0.01;
  CHECK_INT(slope_schedule_set(inv, "rate", &rate, 1), SLOPE_OK);

  /* gaussian{std = 0.5, schedule = inverse{rate = 0.01}}: x += N(0, (0.5/(1+0.01t))^2) */
  slope_run_defaults(&opts);
  opts.steps = 200;
  opts.seed = 1234;
  opts.noise.kind = SLOPE_NOISE_GAUSSIAN;
  opts.noise.std = 0.5;
  opts.noise.schedule = inv;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  slope_rng rng;
  slope_rng_seed(&rng, 1234 ^ RUN_SEED_MIX);
  double x[2] = {0.5, -1}, z2 = 0;
  int same = 1;
  for (int k = 1; k <= 200; k++) {
    double sd = 0.5 / (1 + 0.01 * (double)(k - 1));
    for (int i = 0; i < 2; i++) {
      double z = slope_rng_normal(&rng);
      x[i] += sd * z;
      z2 += z * z;
    }
    row rk = get_row(t, (size_t)k);
    same &= rk.x[0] == x[0] && rk.x[1] == x[1];
  }
  CHECK(same);
  CHECK(fabs(z2 / 400 - 1) < 0.25);   /* the replayed deviates are standard normal */
  slope_trace_free(t);

  /* langevin{temperature = 2, schedule = inverse}: x += N(0, 2*lr_t*T_t), lr_t from a step schedule */
  slope_schedule *st = slope_schedule_new(S, "step");
  double ss = 10, gamma = 0.5;
  CHECK_INT(slope_schedule_set(st, "step_size", &ss, 1), SLOPE_OK);
  CHECK_INT(slope_schedule_set(st, "gamma", &gamma, 1), SLOPE_OK);
  memcpy(slope_problem_x(p), x0, sizeof x0);
  opts.noise.kind = SLOPE_NOISE_LANGEVIN;
  opts.noise.std = 0;
  opts.noise.temperature = 2;
  opts.schedule = st;
  opts.steps = 40;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  slope_rng_seed(&rng, 1234 ^ RUN_SEED_MIX);
  x[0] = 0.5, x[1] = -1;
  same = 1;
  for (int k = 1; k <= 40; k++) {
    double t0 = (double)(k - 1);
    double lr = 0.05 * pow(0.5, floor(t0 / 10));
    double T = 2 / (1 + 0.01 * t0);
    double sd = sqrt(2 * lr * T);
    for (int i = 0; i < 2; i++) x[i] += sd * slope_rng_normal(&rng);
    row rk = get_row(t, (size_t)k);
    same &= rk.x[0] == x[0] && rk.x[1] == x[1] && rk.lr == lr;
  }
  CHECK(same);
  slope_trace_free(t);

  /* langevin with per-parameter rates: each parameter's own lr_t */
  double rates[2] = {0.05, 0.2};
  memcpy(slope_problem_x(p), x0, sizeof x0);
  opts.schedule = NULL;
  opts.noise.schedule = NULL;
  opts.lr = rates;
  opts.steps = 20;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  slope_rng_seed(&rng, 1234 ^ RUN_SEED_MIX);
  x[0] = 0.5, x[1] = -1;
  same = 1;
  for (int k = 1; k <= 20; k++) {
    for (int i = 0; i < 2; i++) x[i] += sqrt(2 * rates[i] * 2) * slope_rng_normal(&rng);
    row rk = get_row(t, (size_t)k);
    same &= rk.x[0] == x[0] && rk.x[1] == x[1];
  }
  CHECK(same);
  slope_trace_free(t);
  opts.lr = NULL;

  /* gradient{eta = 0.3, gamma = 0.55}: g += N(0, 0.3/(1+t)^0.55), then x -= lr*g */
  memcpy(slope_problem_x(p), x0, sizeof x0);
  opts.noise.kind = SLOPE_NOISE_GRADIENT;
  opts.noise.temperature = 0;
  opts.noise.eta = 0.3;
  opts.noise.gamma = 0.55;
  opts.steps = 100;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  slope_rng_seed(&rng, 1234 ^ RUN_SEED_MIX);
  x[0] = 0.5, x[1] = -1;
  same = 1;
  for (int k = 1; k <= 100; k++) {
    double sd = sqrt(0.3 / pow(1 + (double)(k - 1), 0.55));
    for (int i = 0; i < 2; i++) {
      double g = 0 + sd * slope_rng_normal(&rng);
      x[i] += -0.05 * g;
    }
    row rk = get_row(t, (size_t)k);
    same &= rk.x[0] == x[0] && rk.x[1] == x[1];
    same &= rk.gn == 0;   /* grad_norm is the objective's, before noise */
  }
  CHECK(same);
  slope_trace_free(t);

  /* equal seeds, equal runs; another seed, another run */
  double a[2], b[2];
  memcpy(slope_problem_x(p), x0, sizeof x0);
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  memcpy(a, slope_problem_x(p), sizeof a);
  memcpy(slope_problem_x(p), x0, sizeof x0);
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  memcpy(b, slope_problem_x(p), sizeof b);
  CHECK(a[0] == b[0] && a[1] == b[1]);
  opts.seed = 1235;
  memcpy(slope_problem_x(p), x0, sizeof x0);
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK(a[0] != slope_problem_x(p)[0] && a[1] != slope_problem_x(p)[1]);

  /* noise options out of range are errors */
  opts.noise.eta = -1;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_ERRARG);
  CHECK(contains(slope_error_get(S).message, "noise"));
  slope_clear_error(S);
  slope_schedule_free(st);
  slope_schedule_free(inv);
  slope_optim_free(o);
  slope_problem_free(p);
}

/* ---- 11. a host objective under adam + cosine + clipping + gradient noise ----------- */

static void test_host_adam(void) {
  host h = {1, 0, 0};
  double x0[2] = {2.5, -3};
  slope_problem *p = host_problem(&h, x0);
  CHECK_INT(slope_problem_nparams(p), 2);
  CHECK_STR(slope_problem_name(p, 0), "a");
  CHECK_STR(slope_problem_name(p, 1), "b");
  CHECK(slope_problem_name(p, 2) == NULL);
  slope_optim *o = slope_optim_new(S, "adam", 2);
  double lr = 0.1, betas[2] = {0.8, 0.99};
  CHECK_INT(slope_optim_set(o, "lr", &lr, 1), SLOPE_OK);
  CHECK_INT(slope_optim_set(o, "betas", betas, 2), SLOPE_OK);
  slope_schedule *cs = slope_schedule_new(S, "cosine");
  double tmax = 40, eta_min = 0.01;
  CHECK_INT(slope_schedule_set(cs, "T_max", &tmax, 1), SLOPE_OK);
  CHECK_INT(slope_schedule_set(cs, "eta_min", &eta_min, 1), SLOPE_OK);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 60;
  opts.seed = 42;
  opts.schedule = cs;
  opts.clip_norm = 1.5;
  opts.noise.kind = SLOPE_NOISE_GRADIENT;
  opts.noise.eta = 0.2;
  opts.noise.gamma = 0.55;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_MAX_STEPS);
  CHECK_INT(slope_trace_rows(t), 61);

  /* the hand loop: f, g; lr_t; clip_grad_norm_; g += noise; Adam */
  const double pi = 3.141592653589793;
  slope_rng rng;
  slope_rng_seed(&rng, 42 ^ RUN_SEED_MIX);
  double x[2] = {2.5, -3}, m[2] = {0, 0}, v[2] = {0, 0};
  int clipped = 0, same = 1;
  for (int k = 1; k <= 60; k++) {
    double f, g[2];
    convex2(x, &f, g);
    double tt = (double)(k - 1);
    double lrt = eta_min + (lr - eta_min) * (1 + cos(pi * tt / tmax)) / 2;
    double norm = sqrt(g[0] * g[0] + g[1] * g[1]);
    row rk = get_row(t, (size_t)k);
    same &= rk.lr == lrt;
    double coef = 1.5 / (norm + 1e-6);
    if (coef < 1) { g[0] *= coef; g[1] *= coef; clipped++; }
    double sd = sqrt(0.2 / pow(1 + tt, 0.55));
    for (int i = 0; i < 2; i++) g[i] += sd * slope_rng_normal(&rng);
    double bc1 = 1 - pow(0.8, (double)k), bc2 = 1 - pow(0.99, (double)k);
    for (int i = 0; i < 2; i++) {
      m[i] = 0.8 * m[i] + (1 - 0.8) * g[i];
      v[i] = 0.99 * v[i] + (1 - 0.99) * g[i] * g[i];
      double denom = sqrt(v[i]) / sqrt(bc2) + 1e-8;
      x[i] += -(lrt / bc1) * (m[i] / denom);   /* grouped as torch's addcdiv_ */
    }
    same &= rk.x[0] == x[0] && rk.x[1] == x[1];
    double fk, gk[2];   /* the row's f and |g| are at its own point x_k, before clipping */
    convex2(x, &fk, gk);
    same &= rk.f == fk && rk.gn == sqrt(gk[0] * gk[0] + gk[1] * gk[1]);
  }
  CHECK(same);
  CHECK(clipped > 3);   /* the start is far enough out for clipping to bite */
  CHECK_NEAR(slope_problem_x(p)[0], x[0], 1e-13);
  CHECK_NEAR(slope_problem_x(p)[1], x[1], 1e-13);
  double fend;
  convex2(x, &fend, NULL);
  CHECK_NEAR(r.f, fend, 1e-13);
  slope_trace_free(t);

  /* clipping by value, plain sgd, no noise: g clamped to [-0.25, 0.25] */
  slope_optim *s = sgd(2, 0.3);
  memcpy(slope_problem_x(p), x0, sizeof x0);
  slope_run_defaults(&opts);
  opts.steps = 25;
  opts.clip_value = 0.25;
  CHECK_INT(slope_run(p, s, &opts, &r, &t), SLOPE_OK);
  x[0] = 2.5, x[1] = -3;
  for (int k = 1; k <= 25; k++) {
    double f, g[2];
    convex2(x, &f, g);
    for (int i = 0; i < 2; i++) x[i] -= 0.3 * fmax(-0.25, fmin(0.25, g[i]));
    row rk = get_row(t, (size_t)k);
    CHECK_NEAR(rk.x[0], x[0], 1e-15);
    CHECK_NEAR(rk.x[1], x[1], 1e-15);
  }
  slope_trace_free(t);
  slope_optim_free(s);
  slope_schedule_free(cs);
  slope_optim_free(o);
  slope_problem_free(p);
}

/* Newton on the host objective with its Hessian callback: x -= lr*(H + damping I)^-1 g. */
static void test_host_newton(void) {
  host h = {1, 0, 0};
  double x0[2] = {2, 3};
  slope_problem *p = host_problem(&h, x0);
  slope_optim *o = slope_optim_new(S, "newton", 2);
  double lr = 0.8, damping = 0.1;
  CHECK_INT(slope_optim_set(o, "lr", &lr, 1), SLOPE_OK);
  CHECK_INT(slope_optim_set(o, "damping", &damping, 1), SLOPE_OK);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 12;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  double x[2] = {2, 3};
  for (int k = 1; k <= 12; k++) {
    double f, g[2];
    convex2(x, &f, g);
    double a = cosh(x[0]) + damping, b = 0.5, d = 2 + damping, det = a * d - b * b;
    double d0 = (d * g[0] - b * g[1]) / det, d1 = (a * g[1] - b * g[0]) / det;   /* Cramer */
    x[0] -= lr * d0;
    x[1] -= lr * d1;
    row rk = get_row(t, (size_t)k);
    CHECK_NEAR(rk.x[0], x[0], 1e-13);
    CHECK_NEAR(rk.x[1], x[1], 1e-13);
  }
  /* damped Newton with lr 0.8 converges linearly; 12 steps reach the minimum to ~1e-8 */
  double f, g[2];
  convex2(x, &f, g);
  CHECK(sqrt(g[0] * g[0] + g[1] * g[1]) < 1e-6);
  CHECK_NEAR(r.grad_norm, sqrt(g[0] * g[0] + g[1] * g[1]), 1e-6);
  slope_trace_free(t);

  /* a failing callback is an error of the run, not a divergence */
  h.calls = 0;
  h.fail_at = 5;
  memcpy(slope_problem_x(p), x0, sizeof x0);
  slope_clear_error(S);
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_ERRDATA);
  CHECK(t == NULL);
  CHECK(contains(slope_error_get(S).message, "callback"));
  slope_clear_error(S);
  /* batching a problem without data is an error */
  CHECK_INT(slope_problem_batch(p, 2, 1, 0), SLOPE_ERRARG);
  CHECK(contains(slope_error_get(S).message, "data"));
  slope_clear_error(S);
  /* a NULL fg is refused */
  slope_objective none = {NULL, NULL, NULL};
  CHECK(slope_problem_callback(S, 2, NULL, x0, none) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRARG);
  slope_clear_error(S);
  slope_optim_free(o);
  slope_problem_free(p);
}

/* ---- 7. stopping ------------------------------------------------------------------- */

typedef struct stopper {
  long calls, stop_at, last_step;
  double last_f, last_x;
  volatile int *interrupt;
} stopper;

static int on_step(void *ud, const slope_step_info *s) {
  stopper *c = ud;
  c->calls++;
  c->last_step = s->step;
  c->last_f = s->f;
  c->last_x = s->x[0];
  if (c->interrupt && s->step == 7) *c->interrupt = 1;
  return c->stop_at && s->step >= c->stop_at;
}

static void test_stopping(void) {
  const char *names[] = {"x"};
  double x0 = 10;
  slope_problem *p = expr_problem("x^2", names, &x0, 1, NULL);
  slope_optim *o = sgd(1, 0.1);
  slope_run_opts opts;
  slope_result r;
  slope_result_init(&r);

  /* tol_grad: converged before step j when |g(x_{j})| = 20*0.8^j <= 1e-3 */
  slope_run_defaults(&opts);
  opts.steps = 1000;
  opts.tol_grad = 1e-3;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  double x = 10;
  long j = 0;
  while (fabs(2 * x) > 1e-3) { x -= 0.1 * 2 * x; j++; }
  CHECK_INT(j, 45);
  CHECK_INT(r.status, SLOPE_CONVERGED);
  CHECK_STR(slope_status_name(r.status), "converged");
  CHECK_INT(r.steps, j);
  CHECK(slope_problem_x(p)[0] == x);
  CHECK(contains(r.message, "gradient"));

  /* tol_f: |f_k - f_{k-1}| <= 1e-6 with f_k = f(x_{k-1}), checked from step 2 */
  slope_problem_x(p)[0] = 10;
  opts.tol_grad = 0;
  opts.tol_f = 1e-6;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  double prev = 100;
  x = 10;
  long k = 0;
  for (;;) {
    double f = x * x;
    x -= 0.1 * 2 * x;
    k++;
    if (k > 1 && fabs(f - prev) <= 1e-6) break;
    prev = f;
  }
  CHECK_INT(r.status, SLOPE_CONVERGED);
  CHECK_INT(r.steps, k);
  CHECK(slope_problem_x(p)[0] == x);

  /* on_step every 5 steps; stop from it at step >= 12 (seen at 15) */
  stopper c = {0, 12, 0, 0, 0, NULL};
  slope_problem_x(p)[0] = 10;
  slope_run_defaults(&opts);
  opts.steps = 100;
  opts.every = 5;
  opts.on_step = on_step;
  opts.ud = &c;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_STOPPED);
  CHECK_STR(slope_status_name(r.status), "stopped");
  CHECK_INT(c.calls, 3);
  CHECK_INT(c.last_step, 15);
  CHECK_INT(r.steps, 15);
  CHECK_NEAR(c.last_x, 10 * pow(0.8, 15), 1e-13);
  CHECK_NEAR(c.last_f, 100 * pow(0.64, 14), 1e-13);
  CHECK_NEAR(slope_problem_x(p)[0], 10 * pow(0.8, 15), 1e-13);

  /* the interrupt flag, set from inside (as a SIGINT handler would) */
  volatile int flag = 0;
  stopper c2 = {0, 0, 0, 0, 0, &flag};
  slope_problem_x(p)[0] = 10;
  opts.every = 1;
  opts.ud = &c2;
  opts.interrupt = &flag;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_STOPPED);
  CHECK_INT(r.steps, 7);
  CHECK(contains(r.message, "interrupt"));

  /* the wall-time limit */
  slope_run_defaults(&opts);
  opts.steps = 2000000000L;
  opts.trace_every = 0;
  opts.max_seconds = 0.05;
  slope_problem_x(p)[0] = 10;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_STOPPED);
  CHECK(r.steps > 0 && r.steps < opts.steps);
  CHECK(contains(r.message, "time limit"));

  /* bad options are errors, not runs */
  slope_run_defaults(&opts);
  opts.epochs = 3;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_ERRARG);
  CHECK(contains(slope_error_get(S).message, "steps or epochs"));
  slope_clear_error(S);
  slope_run_defaults(&opts);
  opts.clip_norm = -1;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_ERRARG);
  CHECK(contains(slope_error_get(S).message, "clip"));
  slope_clear_error(S);
  slope_schedule *cs = slope_schedule_new(S, "cosine");
  slope_run_defaults(&opts);
  opts.schedule = cs;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_ERRARG);
  CHECK(contains(slope_error_get(S).message, "T_max"));
  slope_clear_error(S);
  slope_schedule_free(cs);
  double rates[1] = {-0.1};
  slope_run_defaults(&opts);
  opts.lr = rates;
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_ERRARG);
  CHECK(contains(slope_error_get(S).message, "'x'"));
  slope_clear_error(S);
  slope_optim_free(o);
  slope_problem_free(p);
}

/* ---- 6. schedules per step and per epoch, and onecycle's momentum ------------------ */

static double my_schedule(void *ud, long t, double base) {
  (void)ud;
  return base / (1 + (double)(t * t));
}

static void test_schedules(void) {
  static const double X[4] = {1, 2, 3, 4};
  slope_data *d = slope_data_new(S);
  CHECK_INT(slope_data_add(d, "x", X, 4), SLOPE_OK);
  const char *names[] = {"w"};
  double w0 = 0;
  slope_problem *p = expr_problem("mean((w - x)^2)", names, &w0, 1, d);
  CHECK_INT(slope_problem_batch(p, 2, 0, 0), SLOPE_OK);
  slope_optim *o = sgd(1, 0.2);
  slope_schedule *fn = slope_schedule_fn(S, my_schedule, NULL);
  slope_run_opts opts;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  for (int per_epoch = 0; per_epoch <= 1; per_epoch++) {
    slope_problem_x(p)[0] = 0;
    slope_run_defaults(&opts);
    opts.steps = 0;
    opts.epochs = 3;
    opts.schedule = fn;
    opts.schedule_per_epoch = per_epoch;
    CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
    CHECK_INT(r.steps, 6);
    double w = 0;
    for (int k = 1; k <= 6; k++) {
      long tt = per_epoch ? (k - 1) / 2 : k - 1;
      double lr = 0.2 / (1 + (double)(tt * tt));
      const double *rows = X + ((k - 1) % 2) * 2;
      double g = (2 * (w - rows[0]) + 2 * (w - rows[1])) / 2;
      w -= lr * g;
      row rk = get_row(t, (size_t)k);
      CHECK(rk.lr == lr);
      CHECK_NEAR(rk.x[0], w, 1e-15);
    }
    slope_trace_free(t);
  }
  slope_schedule_free(fn);
  slope_problem_free(p);

  /* onecycle drives sgd's momentum: replay with the schedule's own lr and momentum */
  const char *n1[] = {"x"};
  double x0 = 5;
  p = expr_problem("x^2", n1, &x0, 1, NULL);
  slope_schedule *oc = slope_schedule_new(S, "onecycle");
  double max_lr = 0.1, total = 30;
  CHECK_INT(slope_schedule_set(oc, "max_lr", &max_lr, 1), SLOPE_OK);
  CHECK_INT(slope_schedule_set(oc, "total_steps", &total, 1), SLOPE_OK);
  slope_run_defaults(&opts);
  opts.steps = 30;
  opts.schedule = oc;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  /* torch's OneCycleLR, two phases, cos annealing: up for 0.3*30-1 = 8 steps, then down */
  const double pi = 3.141592653589793;
  double x = 5, buf = 0;
  for (int k = 1; k <= 30; k++) {
    double s = (double)(k - 1), pct, lr, mom;
    double lo = 0.1 / 25, lmin = lo / 1e4;
    if (s <= 8) {
      pct = s / 8;
      lr = max_lr + (lo - max_lr) / 2 * (cos(pi * pct) + 1);
      mom = 0.85 + (0.95 - 0.85) / 2 * (cos(pi * pct) + 1);
    } else {
      pct = (s - 8) / (29 - 8);
      lr = lmin + (max_lr - lmin) / 2 * (cos(pi * pct) + 1);
      mom = 0.95 + (0.85 - 0.95) / 2 * (cos(pi * pct) + 1);
    }
    double g = 2 * x;
    buf = k == 1 ? g : mom * buf + g;
    x -= lr * buf;
    row rk = get_row(t, (size_t)k);
    CHECK_NEAR(rk.lr, lr, 1e-15);
    CHECK_NEAR(rk.x[0], x, 1e-13);
  }
  double m;
  CHECK_INT(slope_optim_get(o, "momentum", &m, 1), 1);
  CHECK_NEAR(m, 0.95, 1e-15);   /* the last value set, as torch leaves param_groups */
  slope_trace_free(t);
  slope_schedule_free(oc);
  slope_optim_free(o);
  slope_problem_free(p);
  slope_data_free(d);
}

/* ---- progress lines -------------------------------------------------------------------- */

static void test_log(void) {
  const char *names[] = {"x"};
  double x0 = 10;
  slope_problem *p = expr_problem("x^2", names, &x0, 1, NULL);
  slope_optim *o = sgd(1, 0.1);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 20;
  opts.log_every = 5;
  opts.tol_grad = 20 * pow(0.8, 17) * (1 + 1e-9);   /* converged before step 18 */
  FILE *fp = tmpfile();
  opts.log_file = fp;
  slope_result r;
  slope_result_init(&r);
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK_INT(r.steps, 17);
  rewind(fp);
  char line[256];
  int n = 0;
  long steps[4] = {0};
  double xs[4] = {0};
  while (fgets(line, sizeof line, fp) && n < 4) {
    if (sscanf(line, "step %ld  f = %*g  x = %lg", &steps[n], &xs[n]) == 2) n++;
    else break;
  }
  CHECK_INT(n, 3);   /* steps 5, 10, 15, then the closing message */
  for (int i = 0; i < 3; i++) {
    CHECK_INT(steps[i], 5 * (i + 1));
    CHECK_NEAR(xs[i], 10 * pow(0.8, 5 * (i + 1)), 1e-3);   /* printed with %.4g */
  }
  CHECK(contains(line, "converged"));
  fclose(fp);
  slope_optim_free(o);
  slope_problem_free(p);
}

/* ---- slope_problem_step: the hand-written loop equals the run ---------------------- */

static void test_problem_step(void) {
  const char *names[] = {"x", "y"};
  double x0[2] = {-1.2, 1};
  slope_problem *p = expr_problem("(1 - x)^2 + 100*(y - x^2)^2", names, x0, 2, NULL);
  slope_optim *o = slope_optim_new(S, "adam", 2);
  double lr = 0.02;
  CHECK_INT(slope_optim_set(o, "lr", &lr, 1), SLOPE_OK);
  double fs[20];
  for (int k = 0; k < 20; k++) CHECK_INT(slope_problem_step(p, o, &fs[k]), SLOPE_OK);
  double hand[2] = {slope_problem_x(p)[0], slope_problem_x(p)[1]};
  memcpy(slope_problem_x(p), x0, sizeof x0);
  slope_optim_reset(o);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 20;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t;
  CHECK_INT(slope_run(p, o, &opts, &r, &t), SLOPE_OK);
  CHECK(slope_problem_x(p)[0] == hand[0] && slope_problem_x(p)[1] == hand[1]);
  /* step k+1 returns f at x_k, the point of row k */
  for (int k = 0; k < 20; k++) CHECK(get_row(t, (size_t)k).f == fs[k]);
  double f0 = (1 - -1.2) * (1 - -1.2) + 100 * (1 - 1.44) * (1 - 1.44);
  CHECK_NEAR(fs[0], f0, 1e-14);
  double fe, ge[2];
  CHECK_INT(slope_problem_eval(p, slope_problem_x(p), &fe, ge), SLOPE_OK);
  CHECK(fe == r.f);
  slope_trace_free(t);
  /* an optimizer for another size is refused */
  slope_optim *o3 = slope_optim_new(S, "adam", 3);
  double f;
  CHECK_INT(slope_problem_step(p, o3, &f), SLOPE_ERRMISUSE);
  CHECK(contains(slope_error_get(S).message, "3 parameters"));
  slope_clear_error(S);
  slope_optim_free(o3);
  slope_optim_free(o);
  slope_problem_free(p);
}

int main(void) {
  S = slope_new();
  test_tutorials();
  test_trace_every();
  test_trace_files();
  test_divergence();
  test_batching();
  test_noise();
  test_host_adam();
  test_host_newton();
  test_stopping();
  test_schedules();
  test_problem_step();
  test_log();
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);
  slope_free(S);
  return check_done();
}
