/*
** test_vmath.c -- fast_math's vector kernels (src/vmath.c) against the
** scalar functions of <math.h> and the helpers of functions.h.
**
** Every kernel runs over special values (zeros, infinities, NaN, the
** smallest normal and subnormal numbers, the edges of overflow and
** underflow), over random bit patterns (every exponent, both signs) and
** over dense uniform ranges where the functions are used.  A result must be
** NaN where the scalar one is NaN, equal to it where either is infinite or
** zero, and otherwise within VM_ULPS units in the last place of it
** (VM_ULPS_COMPOSED for sigmoid and softplus: the bounds docs/reference.md
** states).  Then a tape with fast_math against the
** exact tape, and fast_math switched off again giving the exact bits.
*/
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "functions.h"
#include "slope.h"
#include "vmath.h"

/* The bounds docs/reference.md states for fast_math, in ulp of <math.h>'s
** result: libmvec's own functions, and sigmoid and softplus, composed of its
** exp and log1p and a division or an addition. */
#define VM_ULPS 4
#define VM_ULPS_COMPOSED 6

/* Distance in ulp: the doubles' places in the ordered line of all doubles. */
static int64_t ordered(double x) {
  int64_t i;
  memcpy(&i, &x, sizeof i);
  return i < 0 ? INT64_MIN - i : i;
}
static double ulps(double a, double b) {
  int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -(double)d : (double)d;
}

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next(void) {   /* xorshift64* */
  rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
  return rng * 2685821657736338717u;
}
static double uniform(double lo, double hi) { return lo + (hi - lo) * (double)(next() >> 11) * 0x1p-53; }
static double any_double(void) {
  uint64_t u = next();
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}

enum { NX = 1 << 18 };
static double X[NX], Y[NX];

/* The test inputs for a function that matters on [lo, hi]. */
static size_t inputs(double lo, double hi) {
  static const double special[] = {
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-300, -1e-300, DBL_MIN, -DBL_MIN, 4.9e-324, -4.9e-324,
    1e-310, -1e-310, 2.2250738585072009e-308, DBL_MAX, -DBL_MAX, DBL_EPSILON, -DBL_EPSILON,
    709.78, 709.79, 710.0, -708.4, -745.1, -745.2, -746.0, 1e-8, -1e-8, 1e-17, -0.999999, -1.0000001,
    19.06, 22.0, -22.0, 40.0, 1e10, -1e10, 0.6931471805599453, 1e300};
  size_t n = 0;
  for (size_t i = 0; i < sizeof special / sizeof *special; i++) X[n++] = special[i];
  X[n++] = INFINITY;
  X[n++] = -INFINITY;
  X[n++] = NAN;
  X[n++] = -NAN;
  while (n < NX / 4) X[n++] = any_double();
  while (n < NX / 2) X[n++] = uniform(lo, hi);
  while (n < 3 * (NX / 4)) X[n++] = uniform(-1, 1) * pow(10, uniform(-20, 3));   /* every scale */
  while (n < NX) X[n++] = uniform(-1e-3, 1e-3);
  return n;
}

typedef double scalar_fn(double);
static double sigmoid(double a) { return sx_sigmoid(a); }
static double softplus(double a) { return sx_softplus(a); }

/* One kernel over the inputs; the largest distance it showed, in ulp. */
static double check_kernel(const vm_lib *L, const char *name, int fn, scalar_fn *ref, double lo, double hi) {
  size_t n = inputs(lo, hi), bad = 0;
  double bound = fn < 0 ? VM_ULPS_COMPOSED : VM_ULPS;
  if (fn == -1) vm_sigmoid(L, n, Y, X);
  else if (fn == -2) vm_softplus(L, n, Y, X);
  else vm_map(L, fn, n, Y, X);
  double worst = 0, at = 0;
  for (size_t i = 0; i < n; i++) {
    double r = ref(X[i]), v = Y[i], d;
    if (isnan(r) || isnan(v)) d = isnan(r) && isnan(v) ? 0 : INFINITY;
    else if (isinf(r) || isinf(v) || r == 0 || v == 0) d = r == v ? 0 : INFINITY;
    else d = ulps(v, r);
    if (d > worst) { worst = d; at = X[i]; }
    if (d > bound && bad++ < 5)
      printf("  %s(%.17g): vector %.17g, scalar %.17g (%g ulp)\n", name, X[i], v, r, d);
  }
  printf("%-8s worst %g ulp (at %.17g) over %zu inputs\n", name, worst, at, n);
  CHECK(worst <= bound);
  return worst;
}

/* Tails and positions: a value's result does not depend on the block's
** length or where in it the value falls, and O may be A. */
static void check_positions(const vm_lib *L) {
  double a[11], o[11], w[11];
  for (int i = 0; i < 11; i++) a[i] = -3 + 0.61 * i;
  vm_map(L, VM_TANH, 11, w, a);
  for (size_t m = 1; m <= 11; m++)
    for (size_t s = 0; s + m <= 11; s++) {
      vm_map(L, VM_TANH, m, o, a + s);
      for (size_t i = 0; i < m; i++) CHECK(o[i] == w[s + i]);
    }
  memcpy(o, a, sizeof o);
  vm_map(L, VM_TANH, 11, o, o);
  CHECK(memcmp(o, w, sizeof o) == 0);
}

/* A tape with fast_math against the exact one: value and gradient within
** the kernels' bound carried through a mean (relative 1e-14 here), and the
** exact bits back once fast_math is off. */
static void check_tape(slope_ctx *S) {
  enum { N = 1003 };
  static double x[N], y[N];
  for (int i = 0; i < N; i++) { x[i] = 3 * sin(i * 0.7); y[i] = i % 3 ? 1 : -1; }
  const char *src = "mean(softplus(-y*(w*x + b)) + tanh(w*x - b)^2 + exp(0.2*w*x) + log(1 + x*x + b*b)"
                    " + log1p(w*w*x*x) + sigmoid(b*x) + expm1(0.1*w*x))";
  slope_expr e = slope_parse(S, src, strlen(src));
  const char *params[] = {"w", "b"}, *cols[] = {"x", "y"};
  const double *data[] = {x, y};
  slope_tape *T = slope_compile(S, e, params, 2, cols, 2);
  CHECK(T != NULL);
  if (!T) return;
  CHECK(slope_tape_bind(T, data, N) == SLOPE_OK);
  CHECK(slope_tape_jit(T, SLOPE_JIT_OFF) == SLOPE_OK);
  double p[2] = {0.7, -0.3}, f0, g0[2], f1, g1[2], f2, g2[2];
  CHECK(slope_tape_grad(T, p, NULL, 0, &f0, g0) == SLOPE_OK);
  CHECK(slope_tape_fast_math_lanes(T) == 0);
  CHECK(slope_tape_fast_math(T, 1) == SLOPE_OK);
  CHECK(slope_tape_fast_math_lanes(T) >= 2);
  CHECK(slope_tape_grad(T, p, NULL, 0, &f1, g1) == SLOPE_OK);
  CHECK_NEAR(f1, f0, 1e-14);
  CHECK_NEAR(g1[0], g0[0], 1e-14);
  CHECK_NEAR(g1[1], g0[1], 1e-14);
  CHECK(slope_tape_fast_math(T, 0) == SLOPE_OK);
  CHECK(slope_tape_fast_math_lanes(T) == 0);
  CHECK(slope_tape_grad(T, p, NULL, 0, &f2, g2) == SLOPE_OK);
  CHECK(f2 == f0 && g2[0] == g0[0] && g2[1] == g0[1]);
  slope_tape_free(T);
}

/* The same through the array tape: a 2-8-1 tanh network. */
static void check_array_tape(slope_ctx *S) {
  enum { N = 517 };
  static double x0[N], x1[N], y[N];
  for (int i = 0; i < N; i++) { x0[i] = sin(i); x1[i] = cos(1.3 * i); y[i] = sin(2.0 * i); }
  const char *src = "mean((dot(v, tanh(W @ x + c)) + d - y)^2) + mean(softplus(y * d) + exp(y * d))"
                    " + mean(logsumexp(W @ x))";
  slope_expr e = slope_parse(S, src, strlen(src));
  const char *params[] = {"W", "c", "v", "d"}, *cols[] = {"x", "y"};
  slope_shape ps[4] = {{2, {8, 2}}, {1, {8, 1}}, {1, {8, 1}}, {0, {1, 1}}};
  slope_shape cs[2] = {{1, {2, 1}}, {0, {1, 1}}};
  const double *data[] = {x0, x1, y};
  slope_tape *T = slope_compile_shaped(S, e, params, ps, 4, cols, cs, 2);
  CHECK(T != NULL);
  if (!T) { printf("  %s\n", slope_error_get(S).message); return; }
  CHECK(slope_tape_bind(T, data, N) == SLOPE_OK);
  double p[33], g0[33], g1[33], f0, f1;
  for (int i = 0; i < 33; i++) p[i] = 0.3 * sin(1.7 * i + 0.2);
  CHECK(slope_tape_grad(T, p, NULL, 0, &f0, g0) == SLOPE_OK);
  CHECK(slope_tape_fast_math(T, 1) == SLOPE_OK);
  CHECK(slope_tape_grad(T, p, NULL, 0, &f1, g1) == SLOPE_OK);
  CHECK_NEAR(f1, f0, 1e-14);
  for (int i = 0; i < 33; i++) CHECK_NEAR(g1[i], g0[i], 1e-13);
  slope_tape_free(T);
}

int main(void) {
  for (int lanes = 4; lanes >= 2; lanes -= 2) {   /* AVX2 where the CPU has it, then SSE2 */
    vm_lib *L = vm_open_lanes(lanes);
    if (!L) {
      printf("libmvec cannot be loaded here: fast_math stays exact; kernels not tested\n");
      break;
    }
    printf("libmvec, %d lanes\n", vm_lanes(L));
    check_kernel(L, "exp", VM_EXP, exp, -745, 710);
    check_kernel(L, "log", VM_LOG, log, 0, 1e6);
    check_kernel(L, "log1p", VM_LOG1P, log1p, -1, 1e6);
    check_kernel(L, "expm1", VM_EXPM1, expm1, -40, 710);
    check_kernel(L, "tanh", VM_TANH, tanh, -25, 25);
    check_kernel(L, "sigmoid", -1, sigmoid, -40, 40);
    check_kernel(L, "softplus", -2, softplus, -40, 40);
    check_positions(L);
    vm_close(L);
  }
  slope_ctx *S = slope_new();
  check_tape(S);
  check_array_tape(S);
  slope_free(S);
  return check_done();
}
