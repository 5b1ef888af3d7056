/*
** bench_diff.c -- symbolic differentiation (with simplification) of a
** realistic ~1000-node expression: a sum of 30 radial-basis and logistic
** terms in x, y, z with random constants, the kind of surface an
** optimization experiment is run on.
**
** Every repetition builds the expression in a fresh context and times only
** 'slope_diff', so no derivative node can be found already interned from an
** earlier repetition.  The derivatives are checked against central finite
** differences of the expression, so the time is that of a correct answer.
**
** Then a long session: Rosenbrock's gradient (differentiate, compile, run)
** in a fresh context and in one that holds 1,000 other 100-term sums.  A
** walk costs what its expression costs, so the ratio should be about 1.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "slope.h"

enum { TERMS = 30, REPS = 20 };

static const char *const vars[] = {"x", "y", "z"};

/* A constant in [lo, hi), rounded to 3 decimals as a person would write it. */
static slope_expr konst(slope_ctx *S, slope_rng *r, double lo, double hi) {
  return slope_num(S, round((lo + (hi - lo) * slope_rng_uniform(r)) * 1000) / 1000);
}

static slope_expr call1(slope_ctx *S, const char *fn, slope_expr a) {
  return slope_call(S, fn, &a, 1);
}

/*
** One term:
**   w*sigmoid(a*x + b*y + e*z)*exp(-((x - c)^2 + (y - d)^2)/s)
**     + log(1 + (p*x - q*z)^2)*tanh(u*x*y)
*/
static slope_expr term(slope_ctx *S, slope_rng *r, const slope_expr *v) {
  slope_expr x = v[0], y = v[1], z = v[2], two = slope_num(S, 2), one = slope_num(S, 1);
  slope_expr lin = slope_add(S, slope_add(S, slope_mul(S, konst(S, r, -2, 2), x),
                                          slope_mul(S, konst(S, r, -2, 2), y)),
                             slope_mul(S, konst(S, r, -2, 2), z));
  slope_expr r2 = slope_add(S, slope_pow(S, slope_sub(S, x, konst(S, r, -3, 3)), two),
                            slope_pow(S, slope_sub(S, y, konst(S, r, -3, 3)), two));
  slope_expr bump = call1(S, "exp", slope_neg(S, slope_div(S, r2, konst(S, r, 0.5, 4))));
  slope_expr a = slope_mul(S, slope_mul(S, konst(S, r, -1, 1), call1(S, "sigmoid", lin)), bump);
  slope_expr d = slope_sub(S, slope_mul(S, konst(S, r, -1, 1), x), slope_mul(S, konst(S, r, -1, 1), z));
  slope_expr l = call1(S, "log", slope_add(S, one, slope_pow(S, d, two)));
  slope_expr t = call1(S, "tanh", slope_mul(S, slope_mul(S, konst(S, r, -1, 1), x), y));
  return slope_add(S, a, slope_mul(S, l, t));
}

/* The same expression in every context: the constants come from one seed. */
static slope_expr build(slope_ctx *S) {
  slope_rng r;
  slope_rng_seed(&r, 2024);
  slope_expr v[3] = {slope_var(S, "x"), slope_var(S, "y"), slope_var(S, "z")};
  slope_expr e = term(S, &r, v);
  for (int i = 1; i < TERMS; i++) e = slope_add(S, e, term(S, &r, v));
  return e;
}

/* |d - central difference of e| relative to max(1, |d|), at one point. */
static double fd_error(slope_ctx *S, slope_expr e, slope_expr d, int k) {
  double p[3] = {0.3, -0.7, 0.45}, hi, lo, dv, h = 1e-5;
  if (slope_eval(S, d, vars, p, 3, &dv) != SLOPE_OK) return INFINITY;
  p[k] += h;
  if (slope_eval(S, e, vars, p, 3, &hi) != SLOPE_OK) return INFINITY;
  p[k] -= 2 * h;
  if (slope_eval(S, e, vars, p, 3, &lo) != SLOPE_OK) return INFINITY;
  return fabs(dv - (hi - lo) / (2 * h)) / (fabs(dv) > 1 ? fabs(dv) : 1);
}

/* Differentiate and compile Rosenbrock's function, and return the gradient's
** first entry at (-1.2, 1), or NAN on an error. */
static double rosenbrock_grad(slope_ctx *S) {
  static const char *const xy[] = {"x", "y"};
  static const char src[] = "100*(y - x^2)^2 + (1 - x)^2";
  slope_expr f = slope_parse(S, src, sizeof src - 1);
  slope_expr g[2] = {slope_diff(S, f, "x"), slope_diff(S, f, "y")};
  slope_tape *T = g[0] && g[1] ? slope_compile(S, f, xy, 2, NULL, 0) : NULL;
  double x[2] = {-1.2, 1}, v, grad[2] = {NAN, NAN};
  if (!T || slope_tape_grad(T, x, NULL, 0, &v, grad) != SLOPE_OK) grad[0] = NAN;
  slope_tape_free(T);
  return grad[0];
}

/* 'n' sums of 100 terms c*x_j, each with constants of its own. */
static int crowd(slope_ctx *S, int n) {
  char name[16];
  for (int i = 0; i < n; i++) {
    slope_expr s = slope_num(S, i);
    for (int j = 0; j < 100; j++) {
      snprintf(name, sizeof name, "x%d", j);
      s = slope_add(S, s, slope_mul(S, slope_num(S, 1 + i + 0.001 * j), slope_var(S, name)));
    }
    if (!s) return 0;
  }
  return 1;
}

/* Fresh context against a crowded one: returns 0 when a gradient is wrong. */
static int long_session(void) {
  slope_ctx *fresh = slope_new(), *old = slope_new();
  if (!fresh || !old || !crowd(old, 1000)) return 0;
  double tf, to, gf = 0, go = 0;
  BENCH_PAIR(200, tf, gf = rosenbrock_grad(fresh), to, go = rosenbrock_grad(old));
  printf("Rosenbrock's gradient (diff + compile + run): fresh context %.1f us, after 1,000 "
         "100-term sums (%zu nodes) %.1f us: %.2fx (target ~1x)\n",
         tf * 1e6, slope_nodes(old), to * 1e6, to / tf);
  slope_free(fresh);
  slope_free(old);
  return fabs(gf + 215.6) < 1e-9 && go == gf;   /* -400x(y - x^2) - 2(1 - x) at (-1.2, 1) */
}

int main(void) {
  double t1 = 1e300, tg = 1e300, err = 0;
  size_t size = 0, dsize = 0, gsize[3] = {0, 0, 0};
  for (int rep = 0; rep < REPS; rep++) {
    /* d/dx alone, in a context that has never differentiated anything */
    slope_ctx *S = slope_new();
    if (!S) return 1;
    slope_expr e = build(S);
    size = slope_size(S, e);
    double t0 = bench_now();
    slope_expr d = slope_diff(S, e, "x");
    double dt = bench_now() - t0;
    if (dt < t1) t1 = dt;
    if (!e || !d) {
      fprintf(stderr, "bench_diff: %s\n", slope_error_get(S).message);
      slope_free(S);
      return 1;
    }
    dsize = slope_size(S, d);
    slope_free(S);
    /* the full gradient, again from scratch */
    S = slope_new();
    if (!S) return 1;
    e = build(S);
    slope_expr g[3];
    t0 = bench_now();
    for (int k = 0; k < 3; k++) g[k] = slope_diff(S, e, vars[k]);
    dt = bench_now() - t0;
    if (dt < tg) tg = dt;
    for (int k = 0; k < 3; k++) {
      if (!g[k]) {
        fprintf(stderr, "bench_diff: %s\n", slope_error_get(S).message);
        slope_free(S);
        return 1;
      }
      gsize[k] = slope_size(S, g[k]);
      if (rep == 0) {
        double ek = fd_error(S, e, g[k], k);
        if (!(ek <= err)) err = ek;
      }
    }
    slope_free(S);
  }
  printf("diff of a %zu-node expression (%d terms): d/dx %.0f us (%zu nodes), "
         "gradient (x, y, z) %.0f us (%zu, %zu, %zu nodes) (target < 1000 us)  "
         "[vs finite differences %.1e]\n",
         size, TERMS, t1 * 1e6, dsize, tg * 1e6, gsize[0], gsize[1], gsize[2], err);
  if (size < 800 || size > 1200 || !(err <= 1e-6)) {
    fprintf(stderr, "bench_diff: the expression has %zu nodes (want ~1000) or a derivative is "
            "wrong (error %.1e)\n", size, err);
    return 1;
  }
  if (!long_session()) {
    fprintf(stderr, "bench_diff: Rosenbrock's gradient is wrong\n");
    return 1;
  }
  return 0;
}
