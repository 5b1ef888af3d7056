/*
** fuzz_compile.c -- libFuzzer target: parse -> diff -> simplify -> compile
** -> evaluate.
**
** The input is expression text.  Its free names starting with 'c' become
** data columns (three rows), the others parameters.  The target
** differentiates with respect to each parameter (the constructors simplify
** as they build), compiles the expression and evaluates value and gradient
** at a fixed point, with every row and with a mini-batch.  Properties that
** must hold, so a broken one is a finding:
**   - every failure leaves an error code and a message;
**   - without reductions the tape's value agrees with 'slope_eval' of the
**     DAG, and each gradient entry with 'slope_eval' of the symbolic
**     derivative, where both are finite and moderate, within what the
**     expression's conditioning at the point allows;
**   - the derivative prints to text that parses back to the same node.
** Build and run with tests/fuzz/run.sh.
*/
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slope.h"

#define MAXP 8
#define MAXC 4
#define ROWS 3

static void broken(const char *what, const char *detail, double a, double b) {
  fprintf(stderr, "fuzz_compile: %s (%s): %.17g vs %.17g\n", what, detail ? detail : "", a, b);
  abort();
}

static void expect_error(slope_ctx *S, const char *where) {
  slope_error err = slope_error_get(S);
  if (err.code == SLOPE_OK || !err.message || !err.message[0]) broken("failure without an error", where, 0, 0);
}

/* Tape and tree evaluation may round differently (fused multiply-add,
** x^6 by multiplications or by pow, reordered sums), so only a clear
** disagreement is a finding.  'cond' is how much the value moves for
** relative changes of the inputs, sum |x_i df/dx_i|: sin of an argument
** near 3e9 built from x^6 moves 1e-5 for a few ulps of rounding, and that
** is the expression's conditioning, not a wrong tape. */
static int agree(double a, double b, double cond) {
  if (!isfinite(a) || !isfinite(b) || !isfinite(cond)) return 1;
  double s = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  if (s > 1e6 || cond > 1e6) return 1;
  if (cond > s) s = cond;
  return fabs(a - b) <= 1e-6 * (s > 1 ? s : 1);
}

/* The point: a few ordinary values, none a common singularity. */
static const double point[MAXP] = {0.75, -1.25, 2.5, 0.3, -0.6, 1.7, 3.1, -2.2};
static const double rows[MAXC][ROWS] = {
  {1, 2, 3}, {-0.5, 0.25, 4}, {0.1, 0.2, 0.3}, {5, -5, 2},
};

/*
** The largest number written in 'text' (names such as h2 are skipped).  Near
** 3333333333333333 one ulp is 0.5, near 333333333000 it is 6e-5: sums with
** the point's values round differently in the tape and the tree, and the
** sine of such a sum, or its derivative, differs by that rounding amplified
** (found by fuzz_compile).  Past 2^20 an ulp is 2e-10, and amplified by the
** 1e4 a sine near its zero gives, it reaches the 1e-6 'agree' allows.
*/
static double largest_constant(const char *text) {
  double big = 0;
  for (const char *c = text; c && *c; ) {
    if (isalpha((unsigned char)*c) || *c == '_') {
      while (isalnum((unsigned char)*c) || *c == '_') c++;
    } else if (isdigit((unsigned char)*c) || *c == '.') {
      char *end;
      double v = strtod(c, &end);
      if (end == c) end = (char *)c + 1;
      if (fabs(v) > big) big = fabs(v);
      c = end;
    } else c++;
  }
  return big;
}

/*
** How far each gradient entry moves when every input moves by a few ulps,
** up and then alternately: rounding inside the tape or the tree moves a
** gradient about that far.  A derivative can be far worse conditioned than
** its value: sin(u)^3 with sin(u) near 0 and u near 1e9 has a value that
** barely moves and a gradient that moves by per cent (found in CI).
*/
static void moved_point(const double *x, int np, int way, double *moved) {
  for (int i = 0; i < np; i++) moved[i] = x[i] * (1 + 1e-15 * (way && i % 2 ? -1 : 1));
}

static void gradient_spread(slope_tape *T, const double *x, int np, const double *g, double *spread) {
  for (int i = 0; i < np; i++) spread[i] = 0;
  for (int way = 0; way < 2; way++) {
    double moved[MAXP], f, h[MAXP];
    moved_point(x, np, way, moved);
    if (slope_tape_grad(T, moved, NULL, 0, &f, h) != SLOPE_OK) return;
    for (int i = 0; i < np; i++) {
      double d = fabs(h[i] - g[i]);
      if (!(d <= spread[i])) spread[i] = isfinite(d) ? d : INFINITY;
    }
  }
}

/* The same for the symbolic derivative 'd' (value dv at the point): the
** tape's gradient can sit still where the tree's moves.  sin(u)^223 with u
** near 6e19: an ulp of u is thousands of radians, the tape's gradient is
** 5e-33 and the tree's -23.5, and a few ulps of the inputs move the tree's
** by as much (found in CI). */
static double derivative_spread(slope_ctx *S, slope_expr d, const char *const *names, int np, double dv) {
  double spread = 0;
  for (int way = 0; way < 2; way++) {
    double moved[MAXP], v;
    moved_point(point, np, way, moved);
    if (slope_eval(S, d, names, moved, np, &v) != SLOPE_OK) { slope_clear_error(S); continue; }
    double m = fabs(v - dv);
    if (!(m <= spread)) spread = isfinite(m) ? m : INFINITY;
  }
  return spread;
}

/*
** 'cond' as the tree's own derivatives see it.  The tape's gradient alone
** can miss how sensitive a value is: sin(u)^223 with u near -4e65 (from
** 1.7^3.1^5) is 7e-100 on the tape and 0.01 in the tree, because the few
** ulps between 3.1^5 by multiplications and by pow move u by 1e50; scaled by
** sin(u)^222 the tape's gradient is tiny, the tree's is huge (found in CI).
*/
static double tree_conditioning(slope_ctx *S, slope_expr e, const char *const *names, int np) {
  double cond = 0, dv;
  for (int i = 0; i < np; i++) {
    slope_expr d = slope_diff(S, e, names[i]);
    if (d && slope_eval(S, d, names, point, np, &dv) == SLOPE_OK) cond += fabs(point[i] * dv);
    else slope_clear_error(S);
  }
  return cond;
}

/* Derivative of 'e' in 'v': it prints and reparses to itself and, unless
** 'skip_values', agrees with the tape's gradient entry 'g' at the point
** ('cond' as for 'agree': a value sensitive to its inputs has sensitive
** derivatives too; 'spread' is how far g moves for a few ulps of its inputs). */
static void check_derivative(slope_ctx *S, slope_expr e, const char *v, const char *const *names,
                             int np, double g, double cond, double spread, int skip_values) {
  slope_expr d = slope_diff(S, e, v);
  if (!d) { expect_error(S, "diff"); slope_clear_error(S); return; }
  const char *p = slope_print(S, d);
  if (!p) { slope_clear_error(S); return; }
  char *text = strdup(p);
  if (!text) return;
  slope_expr d2 = slope_parse(S, text, strlen(text));
  if (!d2) {
    slope_error err = slope_error_get(S);
    if (err.code != SLOPE_ERRLIMIT && err.code != SLOPE_ERRMEM) broken("derivative does not reparse", text, 0, 0);
    slope_clear_error(S);
  } else if (d2 != d) broken("derivative reparses to another expression", text, d, d2);
  if (!skip_values) {
    double dv;
    if (slope_eval(S, d, names, point, np, &dv) == SLOPE_OK) {
      if (!agree(dv, g, cond) && !(fabs(dv - g) <= 100 * spread) &&
          !(fabs(dv - g) <= 100 * derivative_spread(S, d, names, np, dv)))
        broken("tape gradient differs from the symbolic derivative", text, g, dv);
    } else slope_clear_error(S);
  }
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  slope_ctx *S = slope_new();
  if (!S) return 0;
  slope_expr e = slope_parse(S, (const char *)data, size);
  if (!e) { expect_error(S, "parse"); slope_free(S); return 0; }
  const char *vars[MAXP + MAXC + 1];
  int nv = slope_vars(S, e, vars, MAXP + MAXC + 1);
  if (nv > MAXP + MAXC) { slope_free(S); return 0; }
  const char *params[MAXP], *cols[MAXC];
  int np = 0, nc = 0;
  for (int i = 0; i < nv; i++) {
    if (vars[i][0] == 'c') { if (nc == MAXC) { slope_free(S); return 0; } cols[nc++] = vars[i]; }
    else { if (np == MAXP) { slope_free(S); return 0; } params[np++] = vars[i]; }
  }
  const char *text = slope_print(S, e);
  char p[200];
  snprintf(p, sizeof p, "%s", text ? text : "");   /* borrowed until the next call */
  /* values are compared only where the arithmetic is moderate: no reductions,
  ** and no constant whose rounding is as large as the point's values */
  int skip_values = !text || strstr(text, "mean(") || strstr(text, "sum(") || largest_constant(text) >= 0x1p20;
  slope_tape *T = slope_compile(S, e, params, np, cols, nc);
  if (!T) { expect_error(S, "compile"); slope_free(S); return 0; }
  if (slope_tape_nparams(T) != np) broken("tape has the wrong parameter count", "", slope_tape_nparams(T), np);
  const double *colp[MAXC];
  for (int j = 0; j < nc; j++) colp[j] = rows[j];
  if (nc && slope_tape_bind(T, colp, ROWS) != SLOPE_OK) broken("binding data failed", "", 0, 0);
  double f = 0, g[MAXP], fv = 0;
  if (slope_tape_grad(T, point, NULL, 0, &f, g) != SLOPE_OK) { expect_error(S, "tape"); slope_clear_error(S); }
  else {
    if (slope_tape_grad(T, point, NULL, 0, &fv, NULL) != SLOPE_OK) broken("value-only call failed", "", 0, 0);
    if (!(fv == f || (isnan(fv) && isnan(f)))) broken("value differs with and without the gradient", "", f, fv);
    if (nc) {   /* a mini-batch of rows 2 and 0 */
      size_t sel[2] = {2, 0};
      double fb, gb[MAXP];
      if (slope_tape_grad(T, point, sel, 2, &fb, gb) != SLOPE_OK) { expect_error(S, "batch"); slope_clear_error(S); }
    }
    double cond = 0;
    for (int i = 0; i < np; i++) cond += fabs(point[i] * g[i]);
    if (!skip_values) cond = fmax(cond, tree_conditioning(S, e, params, np));
    if (!skip_values) {
      double ev;
      if (slope_eval(S, e, params, point, np, &ev) == SLOPE_OK) {
        if (!agree(ev, f, cond)) broken("tape value differs from slope_eval", p, f, ev);
      } else slope_clear_error(S);
    }
    double spread[MAXP] = {0};
    if (!skip_values && !nc) gradient_spread(T, point, np, g, spread);   /* only what the checks use */
    for (int i = 0; i < np; i++) check_derivative(S, e, params[i], params, np, g[i], cond, spread[i], skip_values || nc);
  }
  slope_tape_free(T);
  slope_free(S);
  return 0;
}
