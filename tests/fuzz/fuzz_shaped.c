/*
** fuzz_shaped.c -- libFuzzer target: array expression text -> shapes ->
** compile -> evaluate, against the tree.
**
** The input is expression text.  Free names starting with 'v' are vectors
** of 3, with 'M' matrices 2 x 3, with 'c' data columns (a vector of 3 per
** row when the name starts "cv", else a scalar; four rows), the others
** scalar parameters.  The target compiles with slope_compile_shaped and
** evaluates value and gradient at a fixed point.  Properties that must hold,
** so a broken one is a finding:
**   - every failure leaves an error code and a message; nothing crashes,
**     leaks or reads out of bounds (the sanitizers watch);
**   - without data columns, where the tree evaluates the expression
**     (slope_eval_shaped) and both values are finite and moderate, the
**     tape's value agrees with it.
** Build and run with tests/fuzz/run.sh shaped.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slope.h"

#define MAXN 8
#define ROWS 4

static void broken(const char *what, const char *detail, double a, double b) {
  fprintf(stderr, "fuzz_shaped: %s (%s): %.17g vs %.17g\n", what, detail ? detail : "", a, b);
  abort();
}

static void expect_error(slope_ctx *S, const char *where) {
  slope_error err = slope_error_get(S);
  if (err.code == SLOPE_OK || !err.message || !err.message[0]) broken("failure without an error", where, 0, 0);
}

static void run(slope_ctx *S, slope_expr e) {
  const char *names[MAXN];
  int nn = slope_vars(S, e, names, MAXN);
  if (nn < 0 || nn > MAXN) return;
  const char *pn[MAXN], *cn[MAXN];
  slope_shape ps[MAXN], cs[MAXN];
  int np = 0, nc = 0, npoint = 0, ncol = 0;
  for (int i = 0; i < nn; i++) {
    const char *n = names[i];
    if (n[0] == 'c') {
      cs[nc] = n[1] == 'v' ? (slope_shape){1, {3, 1}} : (slope_shape){0, {1, 1}};
      ncol += (int)slope_shape_size(&cs[nc]);
      cn[nc++] = n;
    } else {
      ps[np] = n[0] == 'v' ? (slope_shape){1, {3, 1}} : n[0] == 'M' ? (slope_shape){2, {2, 3}}
                                                                    : (slope_shape){0, {1, 1}};
      npoint += (int)slope_shape_size(&ps[np]);
      pn[np++] = n;
    }
  }
  slope_tape *T = slope_compile_shaped(S, e, pn, ps, np, cn, cs, nc);
  if (!T) { expect_error(S, "slope_compile_shaped"); return; }
  if (slope_tape_nparams(T) != npoint) broken("nparams", slope_print(S, e), slope_tape_nparams(T), npoint);
  double x[MAXN * 6], g[MAXN * 6], f = 0, data[MAXN * 3][ROWS];
  const double *cols[MAXN * 3];
  for (int i = 0; i < npoint; i++) x[i] = 0.3 + 0.17 * i - 0.05 * i * i;
  for (int j = 0; j < ncol; j++) {
    for (int r = 0; r < ROWS; r++) data[j][r] = 1 + ((j + r) % 3);   /* also valid labels */
    cols[j] = data[j];
  }
  if (nc && slope_tape_bind(T, cols, ROWS) != SLOPE_OK) broken("bind", slope_print(S, e), 0, 0);
  int rc = slope_tape_grad(T, x, NULL, 0, &f, g);
  if (rc != SLOPE_OK) expect_error(S, "slope_tape_grad");
  size_t sel[2] = {3, 1};
  if (nc && slope_tape_grad(T, x, sel, 2, &f, g) != SLOPE_OK) expect_error(S, "slope_tape_grad (rows)");
  if (rc == SLOPE_OK && !nc) {
    double fr;
    slope_shape os;
    if (slope_eval_shaped(S, e, pn, ps, x, np, &fr, 1, &os) == SLOPE_OK && os.rank == 0 &&
        isfinite(f) && isfinite(fr) && fabs(fr) < 1e6 && fabs(f - fr) > 1e-6 * (1 + fabs(fr)))
      broken("value differs from the tree", slope_print(S, e), f, fr);
  }
  slope_tape_free(T);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  slope_ctx *S = slope_new();
  if (!S) return 0;
  slope_expr e = slope_parse(S, (const char *)data, size);
  if (!e) expect_error(S, "slope_parse");
  else run(S, e);
  slope_free(S);
  return 0;
}
