/*
** linesearch.c -- SciPy 1.10's '_line_search_wolfe12' (see linesearch.h).
**
** Ported from scipy/optimize/_linesearch.py and, for line_search_wolfe1,
** from MINPACK-2's dcsrch and dcstep (Moré and Thuente, "Line search
** algorithms with guaranteed sufficient decrease", ACM TOMS 20, 1994), which
** SciPy 1.10 calls as Fortran through its _minpack2 module.  The arithmetic
** is written in the order and grouping of the originals (Fortran and Python
** both evaluate a + b + c as (a + b) + c), so a run follows SciPy's
** iterates to the last bit or nearly: a product is rounded where written,
** never fused (see the pragma), and 'x**k' of Python is pow(x, k).
*/
#include <math.h>

#include "linesearch.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* SciPy's settings for both cg and bfgs: amin=1e-100, amax=1e100, c1=1e-4;
** wolfe1's xtol and iteration limit; wolfe2's and _zoom's iteration limits. */
static const double LS_C1 = 1e-4, LS_AMIN = 1e-100, LS_AMAX = 1e100, LS_XTOL = 1e-14;
enum { WOLFE1_MAXITER = 100, WOLFE2_MAXITER = 10, ZOOM_MAXITER = 10 };

void sx_line_init(sx_line *L, const slope_objective *obj, double sign, long *evals,
                  int n, const double *x, const double *p, double *xt, double *gt) {
  *L = (sx_line){.obj = obj, .sign = sign, .evals = evals, .n = n, .x = x, .p = p,
                 .xt = xt, .gt = gt, .at = NAN, .ft = NAN};
}

int sx_line_eval(sx_line *L, double alpha) {
  if (alpha == L->at) return SLOPE_OK;
  for (int i = 0; i < L->n; i++) L->xt[i] = L->x[i] + alpha * L->p[i];
  L->at = NAN;   /* until the evaluation succeeds */
  int rc = L->obj->fg(L->obj->ud, L->xt, &L->ft, L->gt);
  (*L->evals)++;
  if (rc != SLOPE_OK) return rc;
  L->ft *= L->sign;
  for (int i = 0; i < L->n; i++) L->gt[i] *= L->sign;
  L->at = alpha;
  return SLOPE_OK;
}

double sx_dot(const double *a, const double *b, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* phi'(alpha) = g(x + alpha*p).p, after sx_line_eval(L, alpha). */
static double slope_at(const sx_line *L) { return sx_dot(L->gt, L->p, L->n); }

/* Python's min(a, b) and max(a, b): the first unless the second is beyond it. */
static double py_min(double a, double b) { return b < a ? b : a; }

/* The first step: SciPy's 'alpha1 = min(1.0, 1.01*2*(phi0 - old_phi0)/derphi0)',
** so that the step repeats the last decrease of f, at most 1. */
static double first_step(double phi0, double old_phi0, double derphi0) {
  if (derphi0 == 0) return 1.0;
  double a = py_min(1.0, 1.01 * 2 * (phi0 - old_phi0) / derphi0);
  return a < 0 ? 1.0 : a;
}

/* ---- MINPACK-2: dcstep and dcsrch ------------------------------------------- */

/*
** dcstep: a safeguarded trial step from the best step stx (fx, dx), the
** other end sty (fy, dy) of the interval and the current step stp (fp, dp),
** and the interval updated around a minimizer.  The four cases of Moré and
** Thuente: a higher f; derivatives of opposite sign; the derivative's size
** falls; it does not fall.
*/
typedef struct mt_end { double st, f, d; } mt_end;

/* The root term of the cubic's minimizer from theta and the two slopes,
** scaled by s against overflow; 'clip' lets a cubic without a minimizer
** give 0 (dcstep's third case). */
static double cubic_gamma(double theta, double d1, double d2, int clip) {
  double s = fabs(theta);
  if (fabs(d1) > s) s = fabs(d1);
  if (fabs(d2) > s) s = fabs(d2);
  double r = (theta / s) * (theta / s) - (d1 / s) * (d2 / s);
  if (clip && r < 0) r = 0;
  return s * sqrt(r);
}

static void dcstep(mt_end *x, mt_end *y, double *stp, double fp, double dp, int *brackt,
                   double stpmin, double stpmax) {
  double stx = x->st, fx = x->f, dx = x->d, st = *stp, gamma, p, q, r, stpc, stpq, stpf;
  double sgnd = dp * (dx / fabs(dx));
  double theta = 3.0 * (fx - fp) / (st - stx) + dx + dp;   /* cases 1 to 3 */
  if (fp > fx) {
    gamma = cubic_gamma(theta, dx, dp, 0);
    if (st < stx) gamma = -gamma;
    p = (gamma - dx) + theta;
    q = ((gamma - dx) + gamma) + dp;
    r = p / q;
    stpc = stx + r * (st - stx);
    stpq = stx + ((dx / ((fx - fp) / (st - stx) + dx)) / 2.0) * (st - stx);
    stpf = fabs(stpc - stx) < fabs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2.0;
    *brackt = 1;
  } else if (sgnd < 0) {
    gamma = cubic_gamma(theta, dx, dp, 0);
    if (st > stx) gamma = -gamma;
    p = (gamma - dp) + theta;
    q = ((gamma - dp) + gamma) + dx;
    r = p / q;
    stpc = st + r * (stx - st);
    stpq = st + (dp / (dp - dx)) * (stx - st);
    stpf = fabs(stpc - st) > fabs(stpq - st) ? stpc : stpq;
    *brackt = 1;
  } else if (fabs(dp) < fabs(dx)) {
    gamma = cubic_gamma(theta, dx, dp, 1);
    if (st > stx) gamma = -gamma;
    p = (gamma - dp) + theta;
    q = (gamma + (dx - dp)) + gamma;
    r = p / q;
    if (r < 0 && gamma != 0) stpc = st + r * (stx - st);
    else stpc = st > stx ? stpmax : stpmin;
    stpq = st + (dp / (dp - dx)) * (stx - st);
    if (*brackt) {
      stpf = fabs(stpc - st) < fabs(stpq - st) ? stpc : stpq;
      double lim = st + 0.66 * (y->st - st);
      if (st > stx) stpf = stpf < lim ? stpf : lim;    /* Fortran min(lim, stpf) */
      else stpf = stpf > lim ? stpf : lim;
    } else {
      stpf = fabs(stpc - st) > fabs(stpq - st) ? stpc : stpq;
      stpf = stpf < stpmax ? stpf : stpmax;
      stpf = stpf > stpmin ? stpf : stpmin;
    }
  } else if (*brackt) {
    theta = 3.0 * (fp - y->f) / (y->st - st) + y->d + dp;
    gamma = cubic_gamma(theta, y->d, dp, 0);
    if (st > y->st) gamma = -gamma;
    p = (gamma - dp) + theta;
    q = ((gamma - dp) + gamma) + y->d;
    r = p / q;
    stpf = st + r * (y->st - st);
  } else {
    stpf = st > stx ? stpmax : stpmin;
  }
  if (fp > fx) {
    *y = (mt_end){st, fp, dp};
  } else {
    if (sgnd < 0) *y = *x;
    *x = (mt_end){st, fp, dp};
  }
  *stp = stpf;
}

/* dcsrch's saved state (its isave and dsave) and its answers ('task'). */
typedef struct mt_search {
  int brackt, stage;
  double ginit, gtest, finit, stmin, stmax, width, width1;
  mt_end x, y;     /* (stx, fx, gx), (sty, fy, gy) */
  double ftol, gtol, xtol, stpmin, stpmax;
} mt_search;

enum { MT_FG, MT_CONV, MT_WARN, MT_ERROR };

/* task = 'START': check the arguments, keep f(0) and f'(0), ask for f at stp. */
static int dcsrch_start(mt_search *s, double stp, double f, double g) {
  if (stp < s->stpmin || stp > s->stpmax || g >= 0 || s->ftol < 0 || s->gtol < 0 ||
      s->xtol < 0 || s->stpmin < 0 || s->stpmax < s->stpmin)
    return MT_ERROR;
  s->brackt = 0;
  s->stage = 1;
  s->finit = f;
  s->ginit = g;
  s->gtest = s->ftol * s->ginit;
  s->width = s->stpmax - s->stpmin;
  s->width1 = s->width / 0.5;
  s->x = s->y = (mt_end){0, s->finit, s->ginit};
  s->stmin = 0;
  s->stmax = stp + 4.0 * stp;
  return MT_FG;
}

/* Given f and g at *stp: converged, a warning, or the next step to try. */
static int dcsrch(mt_search *s, double *stp, double f, double g) {
  double st = *stp, ftest = s->finit + st * s->gtest;
  if (s->stage == 1 && f <= ftest && g >= 0) s->stage = 2;
  int task = MT_FG;
  if (s->brackt && (st <= s->stmin || st >= s->stmax)) task = MT_WARN;    /* rounding errors */
  if (s->brackt && s->stmax - s->stmin <= s->xtol * s->stmax) task = MT_WARN;  /* xtol */
  if (st == s->stpmax && f <= ftest && g <= s->gtest) task = MT_WARN;
  if (st == s->stpmin && (f > ftest || g >= s->gtest)) task = MT_WARN;
  if (f <= ftest && fabs(g) <= s->gtol * (-s->ginit)) task = MT_CONV;
  if (task != MT_FG) return task;
  if (s->stage == 1 && f <= s->x.f && f > ftest) {
    /* the modified function psi(stp) = f(stp) - f(0) - ftol*stp*f'(0) */
    double gt = s->gtest;
    mt_end xm = {s->x.st, s->x.f - s->x.st * gt, s->x.d - gt};
    mt_end ym = {s->y.st, s->y.f - s->y.st * gt, s->y.d - gt};
    dcstep(&xm, &ym, stp, f - st * gt, g - gt, &s->brackt, s->stmin, s->stmax);
    s->x = (mt_end){xm.st, xm.f + xm.st * gt, xm.d + gt};
    s->y = (mt_end){ym.st, ym.f + ym.st * gt, ym.d + gt};
  } else {
    dcstep(&s->x, &s->y, stp, f, g, &s->brackt, s->stmin, s->stmax);
  }
  double stx = s->x.st, sty = s->y.st;
  if (s->brackt) {   /* bisect when the interval does not shrink fast enough */
    if (fabs(sty - stx) >= 0.66 * s->width1) *stp = stx + 0.5 * (sty - stx);
    s->width1 = s->width;
    s->width = fabs(sty - stx);
    s->stmin = stx < sty ? stx : sty;
    s->stmax = stx > sty ? stx : sty;
  } else {
    s->stmin = *stp + 1.1 * (*stp - stx);
    s->stmax = *stp + 4.0 * (*stp - stx);
  }
  if (*stp < s->stpmin) *stp = s->stpmin;
  if (*stp > s->stpmax) *stp = s->stpmax;
  /* no further progress possible: the best step so far */
  if ((s->brackt && (*stp <= s->stmin || *stp >= s->stmax)) ||
      (s->brackt && s->stmax - s->stmin <= s->xtol * s->stmax))
    *stp = stx;
  return MT_FG;
}

/*
** 'scalar_search_wolfe1' through line_search_wolfe1: dcsrch driven for at
** most 100 evaluations; a warning, an error or the limit is a failure.
*/
static int wolfe1(sx_line *L, double phi0, double old_phi0, double derphi0, double c2,
                  sx_ls_result *r) {
  mt_search s = {.ftol = LS_C1, .gtol = c2, .xtol = LS_XTOL, .stpmin = LS_AMIN, .stpmax = LS_AMAX};
  double stp = first_step(phi0, old_phi0, derphi0), phi1 = phi0, derphi1 = derphi0;
  int task = MT_FG, i;
  for (i = 0; i < WOLFE1_MAXITER; i++) {
    task = i == 0 ? dcsrch_start(&s, stp, phi1, derphi1) : dcsrch(&s, &stp, phi1, derphi1);
    if (task != MT_FG) break;
    int rc = sx_line_eval(L, stp);
    if (rc != SLOPE_OK) return rc;
    phi1 = L->ft;
    derphi1 = slope_at(L);
  }
  r->found = i < WOLFE1_MAXITER && task == MT_CONV;
  r->alpha = stp;
  r->f = phi1;
  return SLOPE_OK;
}

/* ---- line_search_wolfe2 ------------------------------------------------------- */

static int finite3(double a, double b, double c) { return isfinite(a) && isfinite(b) && isfinite(c); }

/* '_cubicmin': the minimizer of the cubic through (a, fa) with slope fpa,
** (b, fb) and (c, fc); 0 where SciPy gets None (numpy raising on overflow,
** division by zero or an invalid operation, which all leave a value that is
** not finite along the way). */
static int cubicmin(double a, double fa, double fpa, double b, double fb, double c, double fc,
                    double *xmin) {
  double C = fpa, db = b - a, dc = c - a;
  double denom = pow(db * dc, 2) * (db - dc);
  double d00 = pow(dc, 2), d01 = -pow(db, 2), d10 = -pow(dc, 3), d11 = pow(db, 3);
  double v0 = fb - fa - C * db, v1 = fc - fa - C * dc;
  double A = d00 * v0 + d01 * v1, B = d10 * v0 + d11 * v1;
  if (!finite3(denom, A, B)) return 0;   /* an overflow anywhere above ends here */
  A /= denom;
  B /= denom;
  double radical = B * B - 3 * A * C;
  if (!finite3(A, B, radical) || radical < 0) return 0;
  *xmin = a + (-B + sqrt(radical)) / (3 * A);
  return isfinite(*xmin);
}

/* '_quadmin': the minimizer of the parabola through (a, fa) with slope fpa
** and (b, fb); 0 for SciPy's None. */
static int quadmin(double a, double fa, double fpa, double b, double fb, double *xmin) {
  double D = fa, C = fpa, db = b - a * 1.0;
  double B = (fb - D - C * db) / (db * db);
  if (!isfinite(B)) return 0;
  *xmin = a - C / (2.0 * B);
  return isfinite(*xmin);
}

/* The strong Wolfe conditions' curvature test, then the caller's extra one. */
static int accept(sx_line *L, double alpha, double phi, double derphi, double derphi0, double c2) {
  if (!(fabs(derphi) <= -c2 * derphi0)) return 0;
  return !L->extra || L->extra(L->ud, alpha, phi, L->gt);
}

/* A bracket of _zoom: its low end (a, phi, derphi), its high end, and the
** point last dropped from it ("rec"), for the cubic. */
typedef struct zoom_state {
  double a_lo, phi_lo, derphi_lo, a_hi, phi_hi, a_rec, phi_rec;
} zoom_state;

/* The next trial of _zoom: the cubic's minimizer, else the parabola's, else
** the midpoint, whichever first lies well inside the bracket. */
static double zoom_trial(const zoom_state *z, int i) {
  double dalpha = z->a_hi - z->a_lo, a, b, a_j = 0, cchk = 0;
  if (dalpha < 0) { a = z->a_hi; b = z->a_lo; }
  else { a = z->a_lo; b = z->a_hi; }
  int ok = 0;
  if (i > 0) {
    cchk = 0.2 * dalpha;
    ok = cubicmin(z->a_lo, z->phi_lo, z->derphi_lo, z->a_hi, z->phi_hi, z->a_rec, z->phi_rec, &a_j);
  }
  if (i == 0 || !ok || a_j > b - cchk || a_j < a + cchk) {
    double qchk = 0.1 * dalpha;
    ok = quadmin(z->a_lo, z->phi_lo, z->derphi_lo, z->a_hi, z->phi_hi, &a_j);
    if (!ok || a_j > b - qchk || a_j < a + qchk) a_j = z->a_lo + 0.5 * dalpha;
  }
  return a_j;
}

/* '_zoom' (Nocedal and Wright's Algorithm 3.6), at most 11 trials. */
static int zoom(sx_line *L, zoom_state z, double phi0, double derphi0, double c2,
                sx_ls_result *r) {
  for (int i = 0; i <= ZOOM_MAXITER; i++) {
    double a_j = zoom_trial(&z, i);
    int rc = sx_line_eval(L, a_j);
    if (rc != SLOPE_OK) return rc;
    double phi_aj = L->ft;
    if (phi_aj > phi0 + LS_C1 * a_j * derphi0 || phi_aj >= z.phi_lo) {
      z.phi_rec = z.phi_hi; z.a_rec = z.a_hi;
      z.a_hi = a_j; z.phi_hi = phi_aj;
      continue;
    }
    double derphi_aj = slope_at(L);
    if (accept(L, a_j, phi_aj, derphi_aj, derphi0, c2)) {
      *r = (sx_ls_result){1, a_j, phi_aj};
      return SLOPE_OK;
    }
    if (derphi_aj * (z.a_hi - z.a_lo) >= 0) {
      z.phi_rec = z.phi_hi; z.a_rec = z.a_hi;
      z.a_hi = z.a_lo; z.phi_hi = z.phi_lo;
    } else {
      z.phi_rec = z.phi_lo; z.a_rec = z.a_lo;
    }
    z.a_lo = a_j; z.phi_lo = phi_aj; z.derphi_lo = derphi_aj;
  }
  r->found = 0;
  return SLOPE_OK;
}

/* 'scalar_search_wolfe2' with amax: double the step until it brackets a
** strong-Wolfe point, then zoom.  Running out of iterations accepts the last
** step (SciPy warns and goes on). */
static int wolfe2(sx_line *L, double phi0, double old_phi0, double derphi0, double c2,
                  sx_ls_result *r) {
  double alpha0 = 0, alpha1 = py_min(first_step(phi0, old_phi0, derphi0), LS_AMAX);
  int rc = sx_line_eval(L, alpha1);
  if (rc != SLOPE_OK) return rc;
  double phi_a1 = L->ft, phi_a0 = phi0, derphi_a0 = derphi0;
  for (int i = 0; i < WOLFE2_MAXITER; i++) {
    if (alpha1 == 0 || alpha0 == LS_AMAX) {   /* rounding errors, or amax reached */
      r->found = 0;
      return SLOPE_OK;
    }
    if (phi_a1 > phi0 + LS_C1 * alpha1 * derphi0 || (phi_a1 >= phi_a0 && i > 0))
      return zoom(L, (zoom_state){alpha0, phi_a0, derphi_a0, alpha1, phi_a1, 0, phi0},
                  phi0, derphi0, c2, r);
    if ((rc = sx_line_eval(L, alpha1)) != SLOPE_OK) return rc;
    double derphi_a1 = slope_at(L);
    if (accept(L, alpha1, phi_a1, derphi_a1, derphi0, c2)) {
      *r = (sx_ls_result){1, alpha1, phi_a1};
      return SLOPE_OK;
    }
    if (derphi_a1 >= 0)
      return zoom(L, (zoom_state){alpha1, phi_a1, derphi_a1, alpha0, phi_a0, 0, phi0},
                  phi0, derphi0, c2, r);
    double alpha2 = py_min(2 * alpha1, LS_AMAX);
    alpha0 = alpha1;
    alpha1 = alpha2;
    phi_a0 = phi_a1;
    if ((rc = sx_line_eval(L, alpha1)) != SLOPE_OK) return rc;
    phi_a1 = L->ft;
    derphi_a0 = derphi_a1;
  }
  *r = (sx_ls_result){1, alpha1, phi_a1};
  return SLOPE_OK;
}

int sx_line_search_wolfe12(sx_line *L, double f0, double old_f0, double derphi0, double c2,
                           sx_ls_result *r) {
  int rc = wolfe1(L, f0, old_f0, derphi0, c2, r);
  if (rc != SLOPE_OK) return rc;
  /* wolfe1 ends on its step, so L->gt is the gradient there */
  if (r->found && L->extra && !L->extra(L->ud, r->alpha, r->f, L->gt)) r->found = 0;
  if (r->found) return SLOPE_OK;
  return wolfe2(L, f0, old_f0, derphi0, c2, r);
}

/* ---- norms ------------------------------------------------------------------- */

/* |v|**ord as numpy's power ufunc computes it: squares and square roots exactly. */
static double abs_pow(double v, double ord) {
  v = fabs(v);
  if (ord == 2) return v * v;
  if (ord == 1) return v;
  if (ord == 0.5) return sqrt(v);
  return pow(v, ord);
}

/* np.sum(np.abs(a)**ord): numpy's pairwise summation. */
static double pairwise_sum(const double *a, int n, double ord) {
  if (n < 8) {
    double s = 0.;
    for (int i = 0; i < n; i++) s += abs_pow(a[i], ord);
    return s;
  }
  if (n <= 128) {
    double r[8];
    int i;
    for (int j = 0; j < 8; j++) r[j] = abs_pow(a[j], ord);
    for (i = 8; i < n - n % 8; i += 8)
      for (int j = 0; j < 8; j++) r[j] += abs_pow(a[i + j], ord);
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) s += abs_pow(a[i], ord);
    return s;
  }
  int n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2, ord) + pairwise_sum(a + n2, n - n2, ord);
}

double sx_norm_order(double h) { return h == 0 ? INFINITY : h; }

double sx_vecnorm(const double *x, int n, double ord) {
  if (isinf(ord)) {   /* np.amax / np.amin of |x|: NaN wins */
    double m = fabs(x[0]);
    for (int i = 1; i < n && !isnan(m); i++) {
      double v = fabs(x[i]);
      if (isnan(v) || (ord > 0 ? v > m : v < m)) m = v;
    }
    return m;
  }
  return pow(pairwise_sum(x, n, ord), 1.0 / ord);
}
