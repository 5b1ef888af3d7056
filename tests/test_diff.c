/*
** test_diff.c -- symbolic differentiation against two independent
** references: SymPy's exact derivatives (tests/ref/diff_ref.h) and central
** finite differences on a few hundred generated expressions.
*/
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "slope.h"
#include "ref/diff_ref.h"

static const char *const xyz[] = {"x", "y", "z"};

static double eval_at(slope_ctx *S, slope_expr e, const double *p) {
  double v = NAN;
  if (slope_eval(S, e, xyz, p, 3, &v) != SLOPE_OK) slope_clear_error(S);
  return v;
}

static void sympy_reference(slope_ctx *S) {
  for (size_t i = 0; i < sizeof diff_ref / sizeof diff_ref[0]; i++) {
    slope_expr e = slope_parse(S, diff_ref[i].src, strlen(diff_ref[i].src));
    if (!CHECK(e != 0)) { fprintf(stderr, "    %s: %s\n", diff_ref[i].src, slope_error_get(S).message); slope_clear_error(S); continue; }
    CHECK_NEAR(eval_at(S, e, diff_ref[i].x), diff_ref[i].f, 1e-13);
    for (int k = 0; k < 3; k++) {
      slope_expr d = slope_diff(S, e, xyz[k]);
      double got = eval_at(S, d, diff_ref[i].x);
      if (!check_close(got, diff_ref[i].d[k], 1e-12))
        fprintf(stderr, "    d/d%s %s = %s\n", xyz[k], diff_ref[i].src, slope_print(S, d));
      CHECK_NEAR(got, diff_ref[i].d[k], 1e-12);
    }
  }
}

/* ---- generated expressions -------------------------------------------------- */

static uint64_t lcg = 42;
static unsigned rnd(unsigned n) {
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)((lcg >> 33) % n);
}

/* A random smooth expression in x, y, z, defined everywhere (the arguments of
** log, sqrt and friends are kept positive or inside their domain). */
static slope_expr gen(slope_ctx *S, int depth) {
  if (depth == 0 || rnd(4) == 0) {
    if (rnd(3) == 0) return slope_num(S, (double)(rnd(9) + 1) / 4);
    return slope_var(S, xyz[rnd(3)]);
  }
  slope_expr a = gen(S, depth - 1), b = gen(S, depth - 1), one = slope_num(S, 1);
  slope_expr pos = slope_add(S, one, slope_mul(S, a, a));   /* 1 + a^2 > 0 */
  slope_expr args[2];
  switch (rnd(14)) {
  case 0: return slope_add(S, a, b);
  case 1: return slope_sub(S, a, b);
  case 2: return slope_mul(S, a, b);
  case 3: return slope_div(S, a, slope_add(S, one, slope_mul(S, b, b)));
  case 4: return slope_pow(S, a, slope_num(S, (double)rnd(4) + 2));
  case 5: args[0] = a; return slope_call(S, rnd(2) ? "sin" : "cos", args, 1);
  case 6: args[0] = slope_div(S, a, slope_num(S, 4)); return slope_call(S, rnd(2) ? "tanh" : "atan", args, 1);
  case 7: args[0] = pos; return slope_call(S, rnd(2) ? "log" : "sqrt", args, 1);
  case 8: args[0] = slope_div(S, a, pos); return slope_call(S, rnd(2) ? "exp" : "sigmoid", args, 1);
  case 9: args[0] = a; args[1] = b; return slope_call(S, rnd(2) ? "atan2" : "hypot", args, 2);
  case 10: args[0] = pos; args[1] = slope_div(S, b, pos); return slope_call(S, "pow", args, 2);
  case 11: args[0] = slope_div(S, a, pos); return slope_call(S, rnd(2) ? "asin" : "erf", args, 1);
  case 12: args[0] = a; return slope_call(S, rnd(2) ? "softplus" : "cbrt", args, 1);
  default: args[0] = slope_div(S, a, pos); return slope_call(S, rnd(2) ? "sinh" : "cosh", args, 1);
  }
}

static void finite_differences(slope_ctx *S) {
  int tested = 0;
  for (int i = 0; i < 400; i++) {
    slope_expr e = gen(S, 4);
    if (!e) { slope_clear_error(S); continue; }
    double p[3] = {(double)rnd(2000) / 1000 - 1, (double)rnd(2000) / 1000 - 1, (double)rnd(2000) / 1000 - 1};
    double f0 = eval_at(S, e, p);
    if (!isfinite(f0) || fabs(f0) > 1e6) continue;
    for (int k = 0; k < 3; k++) {
      double h = 1e-5, q[3] = {p[0], p[1], p[2]};
      q[k] = p[k] + h; double fp = eval_at(S, e, q);
      q[k] = p[k] - h; double fm = eval_at(S, e, q);
      q[k] = p[k] + 2 * h; double fp2 = eval_at(S, e, q);
      q[k] = p[k] - 2 * h; double fm2 = eval_at(S, e, q);
      double fd = (8 * (fp - fm) - (fp2 - fm2)) / (12 * h);   /* fourth-order central */
      double sym = eval_at(S, slope_diff(S, e, xyz[k]), p);
      if (!check_close(sym, fd, 1e-6))
        fprintf(stderr, "    f = %s\n    d/d%s at (%g, %g, %g)\n", slope_print(S, e), xyz[k], p[0], p[1], p[2]);
      CHECK_NEAR(sym, fd, 1e-6);
    }
    tested++;
  }
  CHECK(tested > 300);
}

int main(void) {
  slope_ctx *S = slope_new();
  sympy_reference(S);
  finite_differences(S);
  slope_free(S);
  return check_done();
}
