/*
** bench_run.c -- the optimization core (slope_run) against hand-written C
** doing the same work, compiled with the same flags in the same run.
**
**   adam rosenbrock: 10^6 Adam steps on 2-D Rosenbrock
**   adam regression: 100 epochs of shuffled mini-batch (64) Adam on
**                    mean((w*x + b - y)^2) over 10^6 rows
**
** Each hand loop replays exactly what slope does (PyTorch's Adam update in
** the same order of operations, the same Fisher-Yates shuffle from the same
** generator), so both must end at the same point; a benchmark whose two sides
** disagree is not a comparison, and the program fails.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "slope.h"

static double sink;   /* results go here so nothing is optimized away */

/* ---- the hand-written Adam update (torch.optim.Adam, single-tensor path) ------- */

enum { HAND_MAXP = 2 };

typedef struct hand_adam {
  double lr, b1, b2, eps;
  double m[HAND_MAXP], v[HAND_MAXP];
  long t;
} hand_adam;

static void hand_adam_init(hand_adam *a, double lr) {
  memset(a, 0, sizeof *a);
  a->lr = lr;
  a->b1 = 0.9;
  a->b2 = 0.999;
  a->eps = 1e-8;
}

/* Bias corrections with pow, as PyTorch computes them. */
static inline void hand_adam_step(hand_adam *a, double *x, const double *g, int n) {
  double t = (double)++a->t;
  double bc1 = 1 - pow(a->b1, t), bc2_sqrt = sqrt(1 - pow(a->b2, t));
  for (int i = 0; i < n; i++) {
    a->m[i] = a->m[i] * a->b1 + (1 - a->b1) * g[i];
    a->v[i] = a->v[i] * a->b2 + (1 - a->b2) * g[i] * g[i];
    double denom = sqrt(a->v[i]) / bc2_sqrt + a->eps;
    x[i] += -(a->lr / bc1) * (a->m[i] / denom);
  }
}

/* Keep the least time since 't0'.  The two sides of a benchmark alternate
** repetitions, so a burst of load from other processes disturbs both alike. */
static void keep_min(double *best, double t0) {
  double dt = bench_now() - t0;
  if (dt < *best) *best = dt;
}

/* The largest componentwise difference relative to max(1, |a_i|). */
static double max_rel_diff(const double *a, const double *b, int n) {
  double d = 0;
  for (int i = 0; i < n; i++) {
    double s = fabs(a[i]) > 1 ? fabs(a[i]) : 1, di = fabs(a[i] - b[i]) / s;
    if (!(di <= d)) d = di;   /* NaN counts as the largest */
  }
  return d;
}

static int fail(slope_ctx *S, const char *what) {
  fprintf(stderr, "bench_run: %s: %s\n", what, slope_error_get(S).message);
  return 1;
}

/* One benchmark line, and whether the two end points agree to 'tol'. */
static int report(const char *name, double ts, double th, double per, const char *unit,
                  double target, const double *xs, const double *xh, int n, double tol) {
  double d = max_rel_diff(xs, xh, n);
  printf("%s: slope %.1f %s, hand %.1f %s, ratio %.2f (target <= %g)  [end points differ by %.1e]\n",
         name, ts * 1e9 / per, unit, th * 1e9 / per, unit, ts / th, target, d);
  if (d <= tol) return 0;
  fprintf(stderr, "bench_run: %s: slope ends at (%.17g, %.17g), hand at (%.17g, %.17g)\n",
          name, xs[0], xs[1], xh[0], xh[1]);
  return 1;
}

/* ---- Adam on Rosenbrock ------------------------------------------------------- */

static double rosen_hand(const double *x, double *g) {
  double a = 1 - x[0], b = x[1] - x[0] * x[0], db = 200 * b;
  g[0] = -2 * a - 2 * x[0] * db;
  g[1] = db;
  return a * a + 100 * b * b;
}

static void rosen_loop(double *x, long steps) {
  hand_adam a;
  hand_adam_init(&a, 1e-3);
  double g[2];
  for (long k = 0; k < steps; k++) {
    sink += rosen_hand(x, g);
    hand_adam_step(&a, x, g, 2);
  }
}

static int bench_rosenbrock(void) {
  enum { STEPS = 1000000, REPS = 5 };
  static const char src[] = "(1 - x)^2 + 100*(y - x^2)^2";
  static const char *const params[] = {"x", "y"};
  const double x0[2] = {-1.2, 1};
  slope_ctx *S = slope_new();
  if (!S) return 1;
  slope_expr f = slope_parse(S, src, sizeof src - 1);
  slope_problem *p = f ? slope_problem_new(S, f, params, x0, 2, NULL) : NULL;
  slope_optim *o = p ? slope_optim_new(S, "adam", 2) : NULL;
  double lr = 1e-3;
  if (!o || slope_optim_set(o, "lr", &lr, 1) != SLOPE_OK) return fail(S, "rosenbrock setup");
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = STEPS;
  opts.trace_every = 0;
  slope_result r;
  slope_result_init(&r);
  double *x = slope_problem_x(p), xh[2], ts = 1e300, th = 1e300;
  for (int rep = 0; rep < REPS; rep++) {
    memcpy(x, x0, sizeof x0);
    slope_optim_reset(o);
    double t0 = bench_now();
    int rc = slope_run(p, o, &opts, &r, NULL);
    keep_min(&ts, t0);
    if (rc != SLOPE_OK || r.steps != STEPS) return fail(S, "rosenbrock run");
    memcpy(xh, x0, sizeof x0);
    t0 = bench_now();
    rosen_loop(xh, STEPS);
    keep_min(&th, t0);
  }
  int bad = report("adam rosenbrock 1e6 steps", ts, th, STEPS, "ns/step", 3, x, xh, 2, 1e-9);
  slope_optim_free(o);
  slope_problem_free(p);
  slope_free(S);
  return bad;
}

/* ---- shuffled mini-batch Adam on linear regression ------------------------------- */

enum { REG_ROWS = 1000000, REG_BATCH = 64, REG_EPOCHS = 100 };
#define REG_SEED 42u

/* src/problem.c's epoch shuffle, replayed: Fisher-Yates from the top. */
static void hand_shuffle(size_t *perm, size_t rows, slope_rng *rng) {
  for (size_t i = rows; i > 1; i--) {
    size_t j = (size_t)slope_rng_below(rng, i);
    size_t t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
}

/* mean((w*x + b - y)^2) and its gradient over the rows sel[0..n), one pass. */
static double mse_batch(const double *x, const double *y, const size_t *sel, size_t n,
                        const double *p, double *g) {
  double s = 0, gw = 0, gb = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = sel[i];
    double r = p[0] * x[j] + p[1] - y[j];
    s += r * r;
    gw += r * x[j];
    gb += r;
  }
  g[0] = 2 * gw / (double)n;
  g[1] = 2 * gb / (double)n;
  return s / (double)n;
}

/* What slope_run does with batch 64, shuffle on, for 'epochs' passes. */
static void regression_loop(const double *x, const double *y, size_t *perm, double *p, int epochs) {
  hand_adam a;
  hand_adam_init(&a, 1e-3);
  slope_rng rng;
  slope_rng_seed(&rng, REG_SEED);
  for (size_t i = 0; i < REG_ROWS; i++) perm[i] = i;
  double g[2];
  for (int e = 0; e < epochs; e++) {
    hand_shuffle(perm, REG_ROWS, &rng);
    for (size_t pos = 0; pos < REG_ROWS; pos += REG_BATCH) {
      size_t n = REG_ROWS - pos < REG_BATCH ? REG_ROWS - pos : REG_BATCH;
      sink += mse_batch(x, y, perm + pos, n, p, g);
      hand_adam_step(&a, p, g, 2);
    }
  }
}

static int bench_regression(void) {
  enum { REPS = 2 };
  static const char src[] = "mean((w*x + b - y)^2)";
  static const char *const params[] = {"w", "b"};
  const double x0[2] = {0, 0}, w = 2;
  slope_ctx *S = slope_new();
  if (!S) return 1;
  slope_data *d = slope_data_regression(S, REG_ROWS, &w, 1, -0.5, 0.1, 7);
  slope_expr f = d ? slope_parse(S, src, sizeof src - 1) : 0;
  slope_problem *p = f ? slope_problem_new(S, f, params, x0, 2, d) : NULL;
  slope_optim *o = p ? slope_optim_new(S, "adam", 2) : NULL;
  size_t *perm = malloc(REG_ROWS * sizeof *perm);
  if (!o || !perm) return fail(S, "regression setup");
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 0;
  opts.epochs = REG_EPOCHS;
  opts.trace_every = 0;
  opts.seed = REG_SEED;
  slope_result r;
  slope_result_init(&r);
  double *x = slope_problem_x(p), xh[2], ts = 1e300, th = 1e300;
  const double *cx = slope_data_find(d, "x"), *cy = slope_data_find(d, "y");
  for (int rep = 0; rep < REPS; rep++) {
    memcpy(x, x0, sizeof x0);
    slope_optim_reset(o);
    /* back to the identity order and the seed's first shuffle, as the hand loop starts */
    int rc = slope_problem_batch(p, REG_BATCH, 1, REG_SEED);
    double t0 = bench_now();
    if (rc == SLOPE_OK) rc = slope_run(p, o, &opts, &r, NULL);
    keep_min(&ts, t0);
    if (rc != SLOPE_OK || r.epochs != REG_EPOCHS) return fail(S, "regression run");
    memcpy(xh, x0, sizeof x0);
    t0 = bench_now();
    regression_loop(cx, cy, perm, xh, REG_EPOCHS);
    keep_min(&th, t0);
  }
  long steps = r.steps;
  char name[96];
  snprintf(name, sizeof name, "adam regression 1e6 rows, batch %d, %d epochs (%ld steps)",
           REG_BATCH, REG_EPOCHS, steps);
  int bad = report(name, ts, th, (double)steps, "ns/step", 2, x, xh, 2, 1e-9);
  printf("  (%.2f s vs %.2f s per run; w = %.6f, b = %.6f)\n", ts, th, x[0], x[1]);
  free(perm);
  slope_optim_free(o);
  slope_problem_free(p);
  slope_data_free(d);
  slope_free(S);
  return bad;
}

int main(void) {
  int rc = bench_rosenbrock();
  rc |= bench_regression();
  if (sink == 12345.678) printf("%g\n", sink);
  return rc;
}
