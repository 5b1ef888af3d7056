/*
** optim_newton.c -- damped Newton's method with the exact Hessian.
**
** One step solves (H + damping*I) d = g by Cholesky and moves x -= lr*d.
** With maximize it is Newton on -f: (-H + damping*I) d = g and x += lr*d,
** so ascent is towards a maximum, not towards any stationary point.
**
** When H + damping*I is not positive definite (a saddle, a concave region,
** a singular Hessian) the Newton direction would not go downhill, so the step
** falls back to Levenberg's remedy: add tau*I with tau = max(1e-3*max|A_ij|,
** 1e-8) and double it until Cholesky succeeds, at most 60 times.  Gershgorin
** guarantees success long before that for any finite matrix (tau then exceeds
** n*max|A_ij|).  A Hessian that is not finite gives a step of NaNs, which the
** run loop reports as divergence while keeping the last finite point.
**
** The n*n matrix lives in 'o->extra', allocated on the first step and freed
** by the reset hook.  The Hessian call counts as one evaluation.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

enum { LR, DAMPING, MAXIMIZE };

static const sx_hyper newton_hypers[] = {
  SX_HYPER(LR, .name = "lr", .n = 1, .def = {1}, .lo = 0, .hi = HUGE_VAL,
           .about = "step length, times the Newton step"),
  SX_HYPER(DAMPING, .name = "damping", .n = 1, .def = {0}, .lo = 0, .hi = HUGE_VAL,
           .about = "added to the Hessian's diagonal"),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER_END
};

enum { MAX_TRIES = 60 };

static void newton_reset(slope_optim *o) {
  free(o->extra);
  o->extra = NULL;
}

/*
** Cholesky of A + shift*I into the lower triangle of 'a' (row-major n*n),
** reading A's off-diagonal entries from the upper triangle and its diagonal
** from 'diag', so a failed attempt can be retried with a larger shift.
** Returns 0 when the matrix is not (numerically) positive definite.
*/
static int cholesky(double *a, const double *diag, double shift, int n) {
  for (int j = 0; j < n; j++) {
    double *lj = a + (size_t)j * n;
    double s = diag[j] + shift;
    for (int k = 0; k < j; k++) s -= lj[k] * lj[k];
    if (!(s > 0)) return 0;
    lj[j] = sqrt(s);
    for (int i = j + 1; i < n; i++) {
      double *li = a + (size_t)i * n;
      double v = lj[i];   /* A[i][j] = A[j][i], from the upper triangle */
      for (int k = 0; k < j; k++) v -= li[k] * lj[k];
      li[j] = v / lj[j];
    }
  }
  return 1;
}

/* Solve L L' d = g with L in the lower triangle of 'a'. */
static void chol_solve(const double *a, const double *g, double *d, int n) {
  for (int i = 0; i < n; i++) {
    const double *li = a + (size_t)i * n;
    double v = g[i];
    for (int k = 0; k < i; k++) v -= li[k] * d[k];
    d[i] = v / li[i];
  }
  for (int i = n - 1; i >= 0; i--) {
    double v = d[i];
    for (int k = i + 1; k < n; k++) v -= a[(size_t)k * n + i] * d[k];
    d[i] = v / a[(size_t)i * n + i];
  }
}

/* A = sign*H + damping*I, symmetrized into the upper triangle and 'diag'.
** Returns max|A_ij|, or NaN when an entry is not finite. */
static double prepare(double *a, double *diag, double sign, double damping, int n) {
  double amax = 0;
  for (int i = 0; i < n; i++) {
    diag[i] = sign * a[(size_t)i * n + i] + damping;
    if (!isfinite(diag[i])) return NAN;
    if (fabs(diag[i]) > amax) amax = fabs(diag[i]);
    for (int j = i + 1; j < n; j++) {
      double v = sign * (0.5 * (a[(size_t)i * n + j] + a[(size_t)j * n + i]));
      if (!isfinite(v)) return NAN;
      if (fabs(v) > amax) amax = fabs(v);
      a[(size_t)i * n + j] = v;
    }
  }
  return amax;
}

/* The Newton direction into 'd', shifted as needed; 0 when none exists. */
static int newton_direction(double *a, double *diag, const double *g, double *d,
                            double sign, double damping, int n) {
  double amax = prepare(a, diag, sign, damping, n);
  if (isnan(amax)) return 0;
  double tau = fmax(1e-3 * amax, 1e-8), shift = 0;
  for (int k = 0; !cholesky(a, diag, shift, n); k++, tau *= 2) {
    if (k == MAX_TRIES) return 0;
    shift = tau;
  }
  chol_solve(a, g, d, n);
  return 1;
}

static int newton_step(slope_optim *o, double *x, double f, const double *g,
                       const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f; (void)rng;
  int n = o->n;
  if (!o->extra && !(o->extra = malloc((size_t)n * (size_t)n * sizeof(double))))
    return sx_error(o->S, SLOPE_ERRMEM, "newton: out of memory for the %d x %d Hessian", n, n);
  double *a = o->extra, *diag = o->work, *d = o->work + n;
  int rc = obj->hess(obj->ud, x, a);
  o->evals++;
  if (rc != SLOPE_OK) return rc;
  double sign = o->h[MAXIMIZE] != 0 ? -1.0 : 1.0;
  if (!newton_direction(a, diag, g, d, sign, o->h[DAMPING], n))
    for (int i = 0; i < n; i++) d[i] = NAN;
  for (int i = 0; i < n; i++) x[i] -= sign * sx_lr(o, lr, i) * d[i];
  return SLOPE_OK;
}

const sx_optim_class sx_optim_newton = {
  .name = "newton", .needs = SLOPE_NEEDS_GRAD | SLOPE_NEEDS_HESSIAN,
  .about = "Newton's method with the exact Hessian, damped: (H + damping I) d = g",
  .hypers = newton_hypers, .step = newton_step, .reset = newton_reset,   /* o->extra is scratch */
};
