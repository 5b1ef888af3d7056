/*
** gradcheck.c -- checking a hand-written gradient: the gradient a host
** objective writes is compared, coordinate by coordinate, with central
** differences (slope_gradcheck).  The step h_i = cbrt(eps) * max(1, |x_i|)
** balances the two errors of a central difference: truncation, about
** h^2 |f'''| / 6, and rounding, about eps |f| / h; both come to about 1e-11
** for a function and derivatives of order one, far below the 1e-6 a wrong
** gradient (a sign, a factor, a dropped term) misses by.
*/
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

/* The fields of the report's first version: a caller's size must cover them. */
#define REPORT_V1 (offsetof(slope_gradcheck_report, f) + sizeof(double))

typedef struct check {
  slope_ctx *S;
  slope_objective obj;
  const char *const *names;
  char tmp[32];
} check;

static const char *name_of(check *c, int i) {
  if (c->names && c->names[i]) return c->names[i];
  snprintf(c->tmp, sizeof c->tmp, "x%d", i + 1);
  return c->tmp;
}

/* f (and g when not NULL) at x; a failing callback or a value that is not
** finite is an error ('i' names the coordinate moved, -1 for x itself). */
static int eval(check *c, const double *x, int i, double *f, double *g) {
  int rc = c->obj.fg(c->obj.ud, x, f, g);
  if (rc != SLOPE_OK) {
    if (!sx_failed(c->S)) sx_error(c->S, rc, "gradcheck: the objective callback failed with code %d", rc);
    return rc;
  }
  if (!isfinite(*f)) {
    if (i < 0) return sx_error(c->S, SLOPE_ERRARG, "gradcheck: f = %g at the point", *f);
    return sx_error(c->S, SLOPE_ERRARG, "gradcheck: f = %g at the point with '%s' moved by a step "
                    "(%.17g): the differences cannot be taken there", *f, name_of(c, i), x[i]);
  }
  return SLOPE_OK;
}

int slope_gradcheck(slope_ctx *S, slope_objective obj, const double *x, int n,
                    const char *const *names, double tol, slope_gradcheck_report *out) {
  SX_ENTER(S, SLOPE_ERRMISUSE);
  if (!obj.fg) return sx_error(S, SLOPE_ERRARG, "gradcheck: the objective callback 'fg' is NULL");
  if (!x || n < 1) return sx_error(S, SLOPE_ERRARG, "gradcheck: give a point of at least 1 value");
  if (!out || out->size < REPORT_V1)
    return sx_error(S, SLOPE_ERRARG, "gradcheck: set the report's size to sizeof(slope_gradcheck_report) "
                    "before the call");
  if (!(tol > 0)) tol = 1e-6;
  check c = {S, obj, names, {0}};
  double *g = malloc(2 * (size_t)n * sizeof *g);
  if (!g) return sx_error(S, SLOPE_ERRMEM, "gradcheck: out of memory");
  double *xs = g + n;
  memcpy(xs, x, (size_t)n * sizeof *x);
  slope_gradcheck_report r = {0};
  r.size = out->size;
  r.worst = 0;
  int rc = eval(&c, x, -1, &r.f, g);
  for (int i = 0; rc == SLOPE_OK && i < n; i++)
    if (!isfinite(g[i]))
      rc = sx_error(S, SLOPE_ERRARG, "gradcheck: the gradient's entry for '%s' is %g", name_of(&c, i), g[i]);
  for (int i = 0; rc == SLOPE_OK && i < n; i++) {
    double h = cbrt(DBL_EPSILON) * fmax(1, fabs(x[i])), fp, fm;
    double up = x[i] + h, down = x[i] - h;   /* the steps as they are in doubles */
    xs[i] = up;
    rc = eval(&c, xs, i, &fp, NULL);
    xs[i] = down;
    if (rc == SLOPE_OK) rc = eval(&c, xs, i, &fm, NULL);
    xs[i] = x[i];
    if (rc != SLOPE_OK) break;
    double d = (fp - fm) / (up - down);
    double err = fabs(g[i] - d) / fmax(1, fmax(fabs(g[i]), fabs(d)));
    if (i == 0 || err > r.max_error) {
      r.max_error = err;
      r.worst = i;
      r.analytic = g[i];
      r.numeric = d;
      r.step = h;
    }
  }
  free(g);
  if (rc != SLOPE_OK) return rc;
  r.ok = r.max_error <= tol;
  size_t size = out->size < sizeof r ? out->size : sizeof r;
  memcpy(out, &r, size);   /* the fields the caller's version has */
  return SLOPE_OK;
}
