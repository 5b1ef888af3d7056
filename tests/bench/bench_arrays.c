/*
** bench_arrays.c -- the array tape against hand-written C doing the same work,
** compiled with the same flags in the same run; prints the ratios.
**
**   rosenbrock_nd: value and gradient of 1000-dimensional Rosenbrock,
**                  sum(100*(x[2..n] - x[1..n-1]^2)^2 + (1 - x[1..n-1])^2)
**   classifier:    mean(cross_entropy(W @ x + b, label)), 10 classes, 50
**                  features, 10^5 rows, value and gradient
**   mlp:           mean((dot(v, tanh(W @ x + c)) + d - y)^2), 2-64-1, 10^4
**                  rows, value, gradient and one Adam step (the hand loop steps
**                  with the same Adam)
** The PyTorch and numpy figures for the same work (Rosenbrock, the
** classifier) come from tests/bench/bench_python.py, which make bench runs
** after these with the figures they write (bench_figure); the network's from
** tests/bench/torch_arrays.py, run by hand.
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
static sx_id num(slope_ctx *S, double v) { return sx_mknum(S, v); }
static sx_id node(slope_ctx *S, int kind, sx_id a, sx_id b) {
  return sx_intern(S, kind, (sx_id[]){a, b}, 2);
}
static sx_id slice(slope_ctx *S, sx_id v, double lo, double hi) {
  return sx_intern(S, SX_SLICE, (sx_id[]){v, num(S, lo), num(S, hi)}, 3);
}
static sx_id apply1(slope_ctx *S, int kind, sx_id a) { return sx_apply(S, kind, &a, 1); }

/* ---- N-dimensional Rosenbrock ---------------------------------------------------- */

static double rosen_nd_hand(const double *x, int n, double *g) {
  double f = 0;
  for (int i = 0; i < n; i++) g[i] = 0;
  for (int i = 0; i + 1 < n; i++) {
    double a = 1 - x[i], b = x[i + 1] - x[i] * x[i];
    f += a * a + 100 * b * b;
    g[i] += -2 * a - 400 * x[i] * b;
    g[i + 1] += 200 * b;
  }
  return f;
}

static int bench_rosenbrock_nd(void) {
  enum { NX = 1000, CALLS = 2000, REPS = 9 };
  slope_ctx *S = slope_new();
  sx_id x = var(S, "x"), hi = slice(S, x, 2, NX), lo = slice(S, x, 1, NX - 1);
  sx_id body = sx_add(S, sx_mul(S, num(S, 100), sx_pow(S, sx_sub(S, hi, sx_pow(S, lo, num(S, 2))), num(S, 2))),
                      sx_pow(S, sx_sub(S, num(S, 1), lo), num(S, 2)));
  sx_id e = apply1(S, SX_SUM, body);
  slope_shape sh = {1, {NX, 1}};
  double t0 = bench_now();
  slope_tape *T = slope_compile_shaped(S, e, (const char *[]){"x"}, &sh, 1, NULL, NULL, 0);
  double tc = bench_now() - t0;
  if (!T) return fprintf(stderr, "rosenbrock_nd: %s\n", slope_error_get(S).message), 1;
  double (*volatile hand)(const double *, int, double *) = rosen_nd_hand;
  double p[NX], g[NX], gh[NX], f = 0, fh = 0, ts, th, tn, th2, ms = 0;
  for (int i = 0; i < NX; i++) p[i] = cos(i);
  if (slope_tape_jit(T, SLOPE_JIT_OFF) != SLOPE_OK || slope_tape_grad(T, p, NULL, 0, &f, g) != SLOPE_OK) return 1;
  bench_figure("rosenbrock_nd.f", f);   /* at the start point, before the loops move it */
  BENCH_PAIR(REPS, ts, for (int i = 0; i < CALLS; i++) {
    p[0] += 1e-12;
    int rc = slope_tape_grad(T, p, NULL, 0, &f, g);
    sink += f + g[0] + rc;
  }, th, for (int i = 0; i < CALLS; i++) {
    p[0] += 1e-12;
    fh = hand(p, NX, gh);
    sink += fh + gh[0];
  });
  double dg = 0;
  for (int i = 0; i < NX; i++) dg = fmax(dg, fabs(g[i] - gh[i]) / fmax(1, fabs(gh[i])));
  printf("rosenbrock n=1000, value and gradient: slope %.2f us, hand %.2f us, ratio %.2f "
         "(target <= 2)  [compiled in %.0f us; |df| %.1e, |dg| %.1e]\n", ts * 1e6 / CALLS,
         th * 1e6 / CALLS, ts / th, tc * 1e6, fabs(f - fh) / fh, dg);
  bench_figure("rosenbrock_nd.interp", ts * 1e6 / CALLS);

  if (go_native(T, p, &ms)) {
    BENCH_PAIR(REPS, tn, for (int i = 0; i < CALLS; i++) {
      p[0] += 1e-12;
      int rc = slope_tape_grad(T, p, NULL, 0, &f, g);
      sink += f + g[0] + rc;
    }, th2, for (int i = 0; i < CALLS; i++) {
      p[0] += 1e-12;
      fh = hand(p, NX, gh);
      sink += fh + gh[0];
    });
    printf("  native: %.2f us, hand %.2f us, ratio %.2f (interpreter %.2f)  [C compiled in %.0f ms]\n",
           tn * 1e6 / CALLS, th2 * 1e6 / CALLS, tn / th2, ts / th, ms);
    bench_figure("rosenbrock_nd.native", tn * 1e6 / CALLS);
    bench_figure("rosenbrock_nd.compile_ms", ms);
  }
  slope_tape_free(T);
  slope_free(S);
  return 0;
}

/* ---- softmax classifier ------------------------------------------------------------- */

enum { NC = 10, NF = 50 };

/* mean over rows of logsumexp(z) - z[label], z = W x + b, and its gradient:
** the loop a person writes, one pass over the rows. */
static double classifier_hand(const double *const *x, const double *label, size_t n,
                              const double *W, const double *b, double *g) {
  double s = 0, z[NC];
  memset(g, 0, (NC * NF + NC) * sizeof *g);
  for (size_t r = 0; r < n; r++) {
    double mx = -INFINITY, se = 0;
    for (int i = 0; i < NC; i++) {
      double t = b[i];
      for (int j = 0; j < NF; j++) t += W[i * NF + j] * x[j][r];
      z[i] = t;
      if (t > mx) mx = t;
    }
    for (int i = 0; i < NC; i++) se += exp(z[i] - mx);
    int k = (int)label[r] - 1;
    double lse = mx + log(se);
    s += lse - z[k];
    for (int i = 0; i < NC; i++) {
      double d = exp(z[i] - lse) - (i == k);
      for (int j = 0; j < NF; j++) g[i * NF + j] += d * x[j][r];
      g[NC * NF + i] += d;
    }
  }
  for (int i = 0; i < NC * NF + NC; i++) g[i] /= (double)n;
  return s / (double)n;
}

static int bench_classifier(void) {
  enum { N = 100000, REPS = 5, NP = NC * NF + NC };
  slope_ctx *S = slope_new();
  double *mem = malloc((size_t)(NF + 1) * N * sizeof *mem);
  if (!S || !mem) return 1;
  const double *cols[NF + 1];
  for (int j = 0; j <= NF; j++) {
    double *c = mem + (size_t)j * N;
    for (size_t i = 0; i < N; i++) c[i] = j < NF ? sin(0.37 * (double)(i * (size_t)(j + 1)) + j) : (double)(1 + i % NC);
    cols[j] = c;
  }
  sx_id z = sx_add(S, node(S, SX_MATMUL, var(S, "W"), var(S, "x")), var(S, "b"));
  sx_id e = apply1(S, SX_MEAN, node(S, SX_XENT, z, var(S, "label")));
  slope_shape ps[2] = {{2, {NC, NF}}, {1, {NC, 1}}}, cs[2] = {{1, {NF, 1}}, {0, {1, 1}}};
  slope_tape *T = slope_compile_shaped(S, e, (const char *[]){"W", "b"}, ps, 2,
                                       (const char *[]){"x", "label"}, cs, 2);
  if (!T || slope_tape_bind(T, cols, N) != SLOPE_OK)
    return fprintf(stderr, "classifier: %s\n", slope_error_get(S).message), 1;
  double p[NP], g[NP], gh[NP], f = 0, fh = 0, ts, th, tn, th2, ms = 0;
  for (int i = 0; i < NP; i++) p[i] = 0.01 * ((i * 7) % 13 - 6);
  if (slope_tape_jit(T, SLOPE_JIT_OFF) != SLOPE_OK) return 1;
  BENCH_PAIR(REPS, ts, { int rc = slope_tape_grad(T, p, NULL, 0, &f, g); sink += f + g[0] + rc; },
             th, { fh = classifier_hand(cols, cols[NF], N, p, p + NC * NF, gh); sink += fh + gh[0]; });
  double dg = 0;
  for (int i = 0; i < NP; i++) dg = fmax(dg, fabs(g[i] - gh[i]));
  printf("classifier 10 classes, 50 features, 1e5 rows, value and gradient: slope %.1f ms, "
         "hand %.1f ms, ratio %.2f (target <= 1.5)  [|df| %.1e, |dg| %.1e]\n", ts * 1e3, th * 1e3,
         ts / th, fabs(f - fh) / fh, dg);
  bench_figure("classifier.interp", ts * 1e3);
  bench_figure("classifier.f", f);
  if (go_native(T, p, &ms)) {
    BENCH_PAIR(REPS, tn, { int rc = slope_tape_grad(T, p, NULL, 0, &f, g); sink += f + g[0] + rc; },
               th2, { fh = classifier_hand(cols, cols[NF], N, p, p + NC * NF, gh); sink += fh + gh[0]; });
    printf("  native: %.1f ms, hand %.1f ms, ratio %.2f (interpreter %.2f)  [C compiled in %.0f ms]\n",
           tn * 1e3, th2 * 1e3, tn / th2, ts / th, ms);
    bench_figure("classifier.native", tn * 1e3);
    bench_figure("classifier.compile_ms", ms);
  }
  /* with fast_math (the sums of exp in cross_entropy by libmvec), in the same run */
  double tf, ff = 0, fe = f;
  if (slope_tape_fast_math(T, 1) != SLOPE_OK) return 1;
  BENCH_PAIR(REPS, tf, { int rc = slope_tape_grad(T, p, NULL, 0, &ff, g); sink += ff + g[0] + rc; },
             th2, { fh = classifier_hand(cols, cols[NF], N, p, p + NC * NF, gh); sink += fh + gh[0]; });
  printf("  fast_math (%d lanes): %.1f ms, hand %.1f ms, ratio %.2f (exact %.2f)  [|df| %.1e vs exact]\n",
         slope_tape_fast_math_lanes(T), tf * 1e3, th2 * 1e3, tf / th2, ts / th, fabs(ff - fe) / fe);
  bench_figure("classifier.fast", tf * 1e3);
  slope_tape_free(T);
  slope_free(S);
  free(mem);
  return 0;
}

/* ---- a 2-64-1 tanh network, one Adam step ------------------------------------------------ */

enum { H = 64 };

/* mean((dot(v, tanh(W x + c)) + d - y)^2) and its gradient, one pass; the
** point is W (H x 2, row-major), c, v, d. */
static double mlp_hand(const double *x0, const double *x1, const double *y, size_t n, const double *p,
                       double *g) {
  const double *W = p, *c = p + 2 * H, *v = p + 3 * H, d = p[4 * H];
  double s = 0, h[H];
  memset(g, 0, (4 * H + 1) * sizeof *g);
  for (size_t r = 0; r < n; r++) {
    double out = d;
    for (int i = 0; i < H; i++) {
      h[i] = tanh(W[2 * i] * x0[r] + W[2 * i + 1] * x1[r] + c[i]);
      out += v[i] * h[i];
    }
    double e = out - y[r], go = 2 * e / (double)n;
    s += e * e;
    for (int i = 0; i < H; i++) {
      double gh = go * v[i] * (1 - h[i] * h[i]);
      g[3 * H + i] += go * h[i];
      g[2 * i] += gh * x0[r];
      g[2 * i + 1] += gh * x1[r];
      g[2 * H + i] += gh;
    }
    g[4 * H] += go;
  }
  return s / (double)n;
}

static int bench_mlp(void) {
  enum { N = 10000, REPS = 21, NP = H * 2 + H + H + 1 };
  slope_ctx *S = slope_new();
  double *mem = malloc(3 * (size_t)N * sizeof *mem);
  if (!S || !mem) return 1;
  const double *cols[3] = {mem, mem + N, mem + 2 * N};
  for (size_t i = 0; i < N; i++) {
    mem[i] = sin(0.1 * (double)i);
    mem[N + i] = cos(0.37 * (double)i);
    mem[2 * N + i] = sin(mem[i] + mem[N + i]);
  }
  sx_id hid = apply1(S, SX_TANH, sx_add(S, node(S, SX_MATMUL, var(S, "W"), var(S, "x")), var(S, "c")));
  sx_id out = sx_add(S, node(S, SX_DOT, var(S, "v"), hid), var(S, "d"));
  sx_id e = apply1(S, SX_MEAN, sx_pow(S, sx_sub(S, out, var(S, "y")), num(S, 2)));
  slope_shape ps[4] = {{2, {H, 2}}, {1, {H, 1}}, {1, {H, 1}}, {0, {1, 1}}};
  slope_shape cs[2] = {{1, {2, 1}}, {0, {1, 1}}};
  slope_tape *T = slope_compile_shaped(S, e, (const char *[]){"W", "c", "v", "d"}, ps, 4,
                                       (const char *[]){"x", "y"}, cs, 2);
  slope_optim *o = slope_optim_new(S, "adam", NP);
  if (!T || !o || slope_tape_bind(T, cols, N) != SLOPE_OK)
    return fprintf(stderr, "mlp: %s\n", slope_error_get(S).message), 1;
  double p[NP], q[NP], g[NP], gh[NP], f = 0, fh = 0, ts, th, tn, ms = 0;
  for (int i = 0; i < NP; i++) p[i] = q[i] = 0.3 * sin(1.7 * i);
  if (slope_tape_jit(T, SLOPE_JIT_OFF) != SLOPE_OK) return 1;
  double f0, g0[NP], g1[NP], dg = 0;   /* the same function: value and gradient at the start */
  if (slope_tape_grad(T, p, NULL, 0, &f0, g0) != SLOPE_OK) return 1;
  double fh0 = mlp_hand(cols[0], cols[1], cols[2], N, p, g1);
  for (int i = 0; i < NP; i++) dg = fmax(dg, fabs(g0[i] - g1[i]));
  slope_optim *oh = slope_optim_new(S, "adam", NP);   /* the hand loop steps with the same Adam */
  if (!oh) return 1;
  /* one step of each, timed in pairs (exact, then with fast_math) */
#define MLP_PAIR(t) BENCH_PAIR(REPS, t, { \
    int rc = slope_tape_grad(T, p, NULL, 0, &f, g); \
    rc |= slope_optim_step(o, p, f, g, NULL, NULL, NULL); \
    sink += f + rc; \
  }, th, { \
    fh = mlp_hand(cols[0], cols[1], cols[2], N, q, gh); \
    sink += fh + slope_optim_step(oh, q, fh, gh, NULL, NULL, NULL); \
  })
  MLP_PAIR(ts);
  printf("mlp 2-64-1 tanh, 1e4 rows, value, gradient and one Adam step: slope %.3f ms, hand %.3f ms, "
         "ratio %.2f (PyTorch: python3 tests/bench/torch_arrays.py; target 3x faster than it)  "
         "[|df| %.1e, |dg| %.1e]\n", ts * 1e3, th * 1e3, ts / th, fabs(f0 - fh0) / fh0, dg);
  if (go_native(T, p, &ms)) {
    MLP_PAIR(tn);
    printf("  native: %.3f ms, hand %.3f ms, ratio %.2f (interpreter %.2f)  [C compiled in %.0f ms]\n",
           tn * 1e3, th * 1e3, tn / th, ts / th, ms);
  }
  /* the same step with fast_math (tanh by libmvec), in the same run */
  double tf, ff0 = 0, gf[NP];
  if (slope_tape_fast_math(T, 1) != SLOPE_OK || slope_tape_grad(T, q, NULL, 0, &ff0, gf) != SLOPE_OK) return 1;
  if (slope_tape_fast_math(T, 0) != SLOPE_OK || slope_tape_grad(T, q, NULL, 0, &f0, g0) != SLOPE_OK) return 1;
  if (slope_tape_fast_math(T, 1) != SLOPE_OK) return 1;
  MLP_PAIR(tf);
#undef MLP_PAIR
  printf("mlp 2-64-1 tanh, 1e4 rows, one Adam step, fast_math (%d lanes): slope %.3f ms (exact %.3f), "
         "hand %.3f ms, ratio %.2f, exact/fast %.2f  [|df| %.1e vs exact]\n", slope_tape_fast_math_lanes(T),
         tf * 1e3, ts * 1e3, th * 1e3, tf / th, ts / tf, fabs(ff0 - f0) / f0);
  slope_optim_free(oh);
  slope_optim_free(o);
  slope_tape_free(T);
  slope_free(S);
  free(mem);
  return 0;
}

/* With an argument, only the benchmark of that name (for profiling). */
int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *only = argc > 1 ? argv[1] : "";
  /* a cache of its own, so the compile times printed are compiles, not loads */
  char cache[] = "/tmp/slope-bench-XXXXXX", cmd[64];
  if (mkdtemp(cache)) setenv("XDG_CACHE_HOME", cache, 1);
  int rc = 0;
  if (!*only || !strcmp(only, "rosenbrock")) rc |= bench_rosenbrock_nd();
  if (!*only || !strcmp(only, "classifier")) rc |= bench_classifier();
  if (!*only || !strcmp(only, "mlp")) rc |= bench_mlp();
  snprintf(cmd, sizeof cmd, "rm -rf %s", cache);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", cache);
  if (sink == 12345.678) printf("%g\n", sink);
  return rc;
}
