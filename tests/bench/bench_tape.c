/*
** bench_tape.c -- the tape against hand-written C doing the same work,
** compiled with the same flags in the same run; prints the ratios.
**
**   mse:        value and gradient of mean((w*x + b - y)^2) over 10^6 rows
**   rosenbrock: value and gradient of (1-x)^2 + 100*(y-x^2)^2, 10^6 calls
**   diff:       symbolic gradient (with simplification) of a ~1000-node expression
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "expr.h"

static double sink;   /* results go here so nothing is optimized away */

static sx_id var(slope_ctx *S, const char *n) { return sx_mkvar(S, n, strlen(n)); }

/* ---- mean squared error --------------------------------------------------- */

/* The fused loop a person would write: one pass, three accumulators. */
static double mse_hand(const double *x, const double *y, size_t n, double w, double b,
                       double *g) {
  double s = 0, gw = 0, gb = 0;
  for (size_t i = 0; i < n; i++) {
    double r = w * x[i] + b - y[i];
    s += r * r;
    gw += r * x[i];
    gb += r;
  }
  g[0] = 2 * gw / (double)n;
  g[1] = 2 * gb / (double)n;
  return s / (double)n;
}

static int bench_mse(void) {
  enum { N = 1000000, REPS = 21 };
  slope_ctx *S = slope_new();
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
  if (!S || !x || !y) return 1;
  for (size_t i = 0; i < N; i++) {
    x[i] = sin(0.001 * (double)i);
    y[i] = 3 * x[i] + 1 + 0.01 * cos(0.37 * (double)i);
  }
  sx_id r = sx_sub(S, sx_add(S, sx_mul(S, var(S, "w"), var(S, "x")), var(S, "b")), var(S, "y"));
  sx_id e = sx_apply(S, SX_MEAN, (sx_id[]){sx_pow(S, r, sx_mknum(S, 2))}, 1);
  const char *params[] = {"w", "b"}, *cols[] = {"x", "y"};
  const double *data[] = {x, y};
  slope_tape *T = slope_compile(S, e, params, 2, cols, 2);
  if (!T || slope_tape_bind(T, data, N) != SLOPE_OK) {
    fprintf(stderr, "mse: %s\n", slope_error_get(S).message);
    return 1;
  }
  double p[2] = {2.9, 1.1}, f = 0, g[2], fh = 0, gh[2], ts, th, ms;
  if (slope_tape_jit(T, SLOPE_JIT_OFF) != SLOPE_OK) return 1;
  BENCH_PAIR(REPS, ts, { int rc = slope_tape_grad(T, p, NULL, 0, &f, g); sink += f + g[0] + rc; },
             th, { fh = mse_hand(x, y, N, p[0], p[1], gh); sink += fh + gh[0]; });
  printf("mse 1e6 rows: slope %.2f ms, hand %.2f ms, ratio %.2f (target <= 1.5)  "
         "[%.2f vs %.2f ns/row; |df| %.1e]\n", ts * 1e3, th * 1e3, ts / th, ts * 1e9 / N,
         th * 1e9 / N, fabs(f - fh) / fh);
  if (go_native(T, p, &ms)) {
    BENCH_PAIR(REPS, ts, { int rc = slope_tape_grad(T, p, NULL, 0, &f, g); sink += f + g[0] + rc; },
               th, { fh = mse_hand(x, y, N, p[0], p[1], gh); sink += fh + gh[0]; });
    printf("mse 1e6 rows, native: slope %.2f ms, hand %.2f ms, ratio %.2f (target <= 1.1)  "
           "[compiled in %.0f ms]\n", ts * 1e3, th * 1e3, ts / th, ms);
  }
  slope_tape_free(T);
  slope_free(S);
  free(x);
  free(y);
  return 0;
}

/* ---- logistic regression ---------------------------------------------------- */

enum { NF = 20 };   /* features */

/* mean(softplus(-y*(w.x + b))) and its gradient, one pass, as a person writes it. */
static double logistic_hand(const double *const *x, const double *y, size_t n,
                            const double *w, double b, double *g) {
  double s = 0;
  for (int j = 0; j <= NF; j++) g[j] = 0;
  for (size_t i = 0; i < n; i++) {
    double z = b;
    for (int j = 0; j < NF; j++) z += w[j] * x[j][i];
    double u = -y[i] * z;
    s += u > 0 ? u + log1p(exp(-u)) : log1p(exp(u));
    double d = -y[i] / (1 + exp(-u));          /* d loss / d z */
    for (int j = 0; j < NF; j++) g[j] += d * x[j][i];
    g[NF] += d;
  }
  for (int j = 0; j <= NF; j++) g[j] /= (double)n;
  return s / (double)n;
}

/* The same tape with fast_math, in the run that timed it exact ('te') and
** by hand ('th'); the tape is left exact. */
static void bench_fast_math(slope_tape *T, const double *p, size_t N, const char *rows, double te,
                            double th, const double *const *cols, const char *form) {
  double f = 0, fe = 0, g[NF + 1], ge[NF + 1], gh[NF + 1], tf, th2;
  if (slope_tape_grad(T, p, NULL, 0, &fe, ge) != SLOPE_OK || slope_tape_fast_math(T, 1) != SLOPE_OK) return;
  BENCH_PAIR(11, tf, { int rc = slope_tape_grad(T, p, NULL, 0, &f, g); sink += f + g[0] + rc; },
             th2, { double fh = logistic_hand(cols, cols[NF], N, p, p[NF], gh); sink += fh + gh[0]; });
  printf("logistic %d features%s, %s rows, fast_math (%d lanes): slope %.1f ns/row (exact %.1f), "
         "hand %.1f ns/row, ratio %.2f, exact/fast %.2f  [|df| %.1e vs exact]\n", NF, form, rows,
         slope_tape_fast_math_lanes(T), tf * 1e9 / N, te * 1e9 / N, th2 * 1e9 / N, tf / th2, te / tf,
         fabs(f - fe) / fabs(fe));
  bench_figure(*form ? "logistic_dot.fast" : "logistic.fast", tf * 1e9 / N);
  (void)th;
  if (slope_tape_fast_math(T, 0) != SLOPE_OK) return;
}

/* Over N rows (named 'rows' in the output); with 'fast', exact against
** fast_math too, and the figures for bench_python.py (the compile time is the
** first run's: this one loads the same code from the cache). */
static int bench_logistic(size_t N, const char *rows, int fast) {
  enum { REPS = 11 };
  slope_ctx *S = slope_new();
  double *mem = malloc((size_t)(NF + 1) * N * sizeof *mem);
  if (!S || !mem) return 1;
  const double *cols[NF + 1];
  char cname[NF + 1][8], pname[NF + 1][8];
  const char *cn[NF + 1], *pn[NF + 1];
  sx_id z = var(S, "b");
  for (int j = 0; j <= NF; j++) {
    double *c = mem + (size_t)j * N;
    for (size_t i = 0; i < N; i++)
      c[i] = j < NF ? sin(0.37 * (double)(i * (size_t)(j + 1)) + j) : (i % 3 ? 1 : -1);
    cols[j] = c;
    snprintf(cname[j], sizeof cname[j], j < NF ? "x%d" : "y", j + 1);
    snprintf(pname[j], sizeof pname[j], j < NF ? "w%d" : "b", j + 1);
    cn[j] = cname[j];
    pn[j] = pname[j];
    if (j < NF) z = sx_add(S, z, sx_mul(S, var(S, pname[j]), var(S, cname[j])));
  }
  sx_id u = sx_mul(S, sx_neg(S, var(S, "y")), z);
  sx_id e = sx_apply(S, SX_MEAN, (sx_id[]){sx_apply(S, SX_SOFTPLUS, &u, 1)}, 1);
  slope_tape *T = slope_compile(S, e, pn, NF + 1, cn, NF + 1);
  if (!T || slope_tape_bind(T, cols, N) != SLOPE_OK) {
    fprintf(stderr, "logistic: %s\n", slope_error_get(S).message);
    return 1;
  }
  double p[NF + 1], g[NF + 1], gh[NF + 1], f = 0, fh = 0, ts, th;
  for (int j = 0; j <= NF; j++) p[j] = 0.1 * (j % 5) - 0.2;
  double ms;
  if (slope_tape_jit(T, SLOPE_JIT_OFF) != SLOPE_OK) return 1;
  BENCH_PAIR(REPS, ts, { int rc = slope_tape_grad(T, p, NULL, 0, &f, g); sink += f + g[0] + rc; },
             th, { fh = logistic_hand(cols, cols[NF], N, p, p[NF], gh); sink += fh + gh[0]; });
  printf("logistic %d features, %s rows: slope %.1f ns/row, hand %.1f ns/row, ratio %.2f  "
         "[|df| %.1e]\n", NF, rows, ts * 1e9 / N, th * 1e9 / N, ts / th, fabs(f - fh) / fh);
  if (fast) {
    bench_figure("logistic.interp", ts * 1e9 / N);
    bench_figure("logistic.f", f);
    bench_fast_math(T, p, N, rows, ts, th, cols, "");
  }
  if (go_native(T, p, &ms)) {
    BENCH_PAIR(REPS, ts, { int rc = slope_tape_grad(T, p, NULL, 0, &f, g); sink += f + g[0] + rc; },
               th, { fh = logistic_hand(cols, cols[NF], N, p, p[NF], gh); sink += fh + gh[0]; });
    int cached = strstr(slope_tape_jit_status(T, NULL), "cache") != NULL;
    printf("logistic %d features, %s rows, native: slope %.1f ns/row, hand %.1f ns/row, "
           "ratio %.2f  [%s in %.0f ms]\n", NF, rows, ts * 1e9 / N, th * 1e9 / N, ts / th,
           cached ? "loaded from the cache" : "compiled", ms);
    bench_figure(fast ? "logistic.native" : "logistic.compile_ms", fast ? ts * 1e9 / N : ms);
  }
  slope_tape_free(T);
  /* the vector form mean(softplus(-y*(dot(w, x) + b))): the same columns, x as one vector
  ** column, the point w then b */
  sx_id dot = sx_intern(S, SX_DOT, (sx_id[]){var(S, "w"), var(S, "x")}, 2);
  u = sx_mul(S, sx_neg(S, var(S, "y")), sx_add(S, dot, var(S, "b")));
  e = sx_apply(S, SX_MEAN, (sx_id[]){sx_apply(S, SX_SOFTPLUS, &u, 1)}, 1);
  slope_shape ws[2] = {{1, {NF, 1}}, {0, {1, 1}}};
  T = slope_compile_shaped(S, e, (const char *[]){"w", "b"}, ws, 2, (const char *[]){"x", "y"}, ws, 2);
  if (!T || slope_tape_bind(T, cols, N) != SLOPE_OK) {
    fprintf(stderr, "logistic (vector): %s\n", slope_error_get(S).message);
    return 1;
  }
  BENCH_PAIR(REPS, ts, { int rc = slope_tape_grad(T, p, NULL, 0, &f, g); sink += f + g[0] + rc; },
             th, { fh = logistic_hand(cols, cols[NF], N, p, p[NF], gh); sink += fh + gh[0]; });
  printf("logistic %d features as dot(w, x), %s rows: slope %.1f ns/row, hand %.1f ns/row, "
         "ratio %.2f (target <= 1.0)  [|df| %.1e]\n", NF, rows, ts * 1e9 / N, th * 1e9 / N, ts / th,
         fabs(f - fh) / fh);
  if (fast) {
    bench_figure("logistic_dot.interp", ts * 1e9 / N);
    bench_fast_math(T, p, N, rows, ts, th, cols, " as dot(w, x)");
  }
  slope_tape_free(T);
  slope_free(S);
  free(mem);
  return 0;
}

/* ---- Rosenbrock ------------------------------------------------------------------ */

static double rosen_hand(const double *x, double *g) {
  double a = 1 - x[0], b = x[1] - x[0] * x[0];
  g[0] = -2 * a - 400 * x[0] * b;
  g[1] = 200 * b;
  return a * a + 100 * b * b;
}

static int bench_rosenbrock(void) {
  enum { CALLS = 1000000, REPS = 9 };
  slope_ctx *S = slope_new();
  sx_id x = var(S, "x"), y = var(S, "y");
  sx_id a = sx_pow(S, sx_sub(S, sx_mknum(S, 1), x), sx_mknum(S, 2));
  sx_id b = sx_pow(S, sx_sub(S, y, sx_pow(S, x, sx_mknum(S, 2))), sx_mknum(S, 2));
  sx_id e = sx_add(S, a, sx_mul(S, sx_mknum(S, 100), b));
  const char *params[] = {"x", "y"};
  slope_tape *T = slope_compile(S, e, params, 2, NULL, 0);
  if (!T) {
    fprintf(stderr, "rosenbrock: %s\n", slope_error_get(S).message);
    return 1;
  }
  /* called through a volatile pointer so the hand version is not inlined
  ** into the loop, as the tape cannot be */
  double (*volatile hand)(const double *, double *) = rosen_hand;
  double p[2] = {-1.2, 1}, f, g[2], ts, th;
  if (slope_tape_jit(T, SLOPE_JIT_OFF) != SLOPE_OK) return 1;
  BENCH_PAIR(REPS, ts, for (int i = 0; i < CALLS; i++) {
    p[0] += 1e-9;
    int rc = slope_tape_grad(T, p, NULL, 0, &f, g);   /* rc is 0; adding it keeps the call's result used */
    sink += f + g[0] + rc;
  }, th, for (int i = 0; i < CALLS; i++) {
    p[0] += 1e-9;
    f = hand(p, g);
    sink += f + g[0];
  });
  printf("rosenbrock 1e6 calls: slope %.1f ns/call, hand %.1f ns/call, ratio %.2f "
         "(target <= 10)\n", ts * 1e9 / CALLS, th * 1e9 / CALLS, ts / th);
  double ms;
  if (go_native(T, p, &ms)) {
    BENCH_PAIR(REPS, ts, for (int i = 0; i < CALLS; i++) {
      p[0] += 1e-9;
      int rc = slope_tape_grad(T, p, NULL, 0, &f, g);
      sink += f + g[0] + rc;
    }, th, for (int i = 0; i < CALLS; i++) {
      p[0] += 1e-9;
      f = hand(p, g);
      sink += f + g[0];
    });
    printf("rosenbrock 1e6 calls, native: slope %.1f ns/call, hand %.1f ns/call, ratio %.2f "
           "(target <= 1.5)  [compiled in %.0f ms]\n", ts * 1e9 / CALLS, th * 1e9 / CALLS, ts / th, ms);
  }
  slope_tape_free(T);
  slope_free(S);
  return 0;
}

/* ---- symbolic differentiation ------------------------------------------------------ */

static uint64_t rs;
static uint64_t rnext(void) {
  rs ^= rs >> 12; rs ^= rs << 25; rs ^= rs >> 27;
  return rs * 2685821657736338717ull;
}

/* A random expression over x, y, z, like the ones in tests/test_tape.c. */
static sx_id gen(slope_ctx *S, int depth) {
  static const char *const names[] = {"x", "y", "z"};
  if (depth == 0 || rnext() % 5 == 0) {
    if (rnext() % 4) return var(S, names[rnext() % 3]);
    return sx_mknum(S, (double)(rnext() % 7) - 2.5);
  }
  sx_id a = gen(S, depth - 1);
  switch (rnext() % 10) {
  case 0: case 1: return sx_add(S, a, gen(S, depth - 1));
  case 2: return sx_sub(S, a, gen(S, depth - 1));
  case 3: case 4: return sx_mul(S, a, gen(S, depth - 1));
  case 5: return sx_div(S, a, sx_add(S, sx_mknum(S, 2), sx_pow(S, gen(S, depth - 1), sx_mknum(S, 2))));
  case 6: return sx_pow(S, a, sx_mknum(S, (double)(rnext() % 3) + 2));
  case 7: return sx_apply(S, SX_SIN, &a, 1);
  case 8: return sx_apply(S, SX_EXP, (sx_id[]){sx_apply(S, SX_TANH, &a, 1)}, 1);
  default: return sx_apply(S, SX_LOG, (sx_id[]){sx_add(S, sx_mknum(S, 1), sx_pow(S, a, sx_mknum(S, 2)))}, 1);
  }
}

/* A sum of seeded random terms, grown until it has about 1000 nodes. */
static sx_id big_expr(slope_ctx *S) {
  rs = 12345;
  sx_id e = gen(S, 7);
  for (int i = 0; i < 1000 && slope_size(S, e) < 1000; i++) e = sx_add(S, e, gen(S, 7));
  return e;
}

static int bench_diff(void) {
  enum { REPS = 20 };
  double t1 = 1e300, t3 = 1e300;
  size_t size = 0, dsize = 0;
  for (int r = 0; r < REPS; r++) {
    /* a fresh context each time, so nothing is found already interned */
    slope_ctx *S = slope_new();
    sx_id e = big_expr(S), x = var(S, "x"), y = var(S, "y"), z = var(S, "z");
    size = slope_size(S, e);
    double t0 = bench_now();
    sx_id d = sx_diff(S, e, x);
    double dt = bench_now() - t0;
    if (dt < t1) t1 = dt;
    dsize = slope_size(S, d);
    slope_free(S);
    S = slope_new();
    e = big_expr(S);
    x = var(S, "x"); y = var(S, "y"); z = var(S, "z");
    t0 = bench_now();
    d = sx_diff(S, e, x);
    d = sx_diff(S, e, y);
    d = sx_diff(S, e, z);
    dt = bench_now() - t0;
    if (dt < t3) t3 = dt;
    if (d == SX_NIL) return fprintf(stderr, "diff: %s\n", slope_error_get(S).message), 1;
    slope_free(S);
  }
  printf("diff of a %zu-node expression: d/dx %.0f us (%zu nodes), gradient (3 vars) %.0f us "
         "(target < 1000 us)\n", size, t1 * 1e6, dsize, t3 * 1e6);
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  /* a cache of its own, so the compile times printed are compiles, not loads */
  char cache[] = "/tmp/slope-bench-XXXXXX", cmd[64];
  if (mkdtemp(cache)) setenv("XDG_CACHE_HOME", cache, 1);
  int rc = bench_mse();
  rc |= bench_logistic(100000, "1e5", 0);
  rc |= bench_logistic(1000000, "1e6", 1);   /* exact against fast_math */
  rc |= bench_rosenbrock();
  rc |= bench_diff();
  snprintf(cmd, sizeof cmd, "rm -rf %s", cache);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", cache);
  if (sink == 12345.678) printf("%g\n", sink);
  return rc;
}
