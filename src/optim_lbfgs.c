/*
** optim_lbfgs.c -- L-BFGS, a port of torch 1.13's torch/optim/lbfgs.py.
**
** One 'slope_optim_step' is one 'LBFGS.step(closure)': up to max_iter inner
** iterations, each a two-loop recursion over the stored curvature pairs and a
** step of length t, fixed or found by the strong-Wolfe line search
** ('_strong_wolfe' and '_cubic_interpolate', ported line by line, with
** Python's min/max semantics so NaNs fall the same way).  The f and g given
** on entry are the closure's first evaluation; every other evaluation goes
** through 'obj' and is counted in 'o->evals'.  With maximize the objective
** and the gradient are negated on the way in, so the whole state lives in the
** minimization of -f.
**
** torch's 'a.add_(b, alpha=s)' rounds once, as a fused multiply-add, so every
** such update here is an fma(): on an ill-conditioned problem a trajectory
** that differs in the last bit drifts visibly within a few outer steps.
**
** The history (d, t, the curvature pairs, H_diag, the previous gradient) must
** outlive a step, and its size depends on 'history_size', known only after
** construction: it lives in 'o->extra', allocated on the first step and freed
** by the class's reset hook.  Changing 'history_size' after that drops the
** history and starts afresh (PyTorch would keep a list of the old length).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

/* Products are rounded where written (fma() only where torch fuses), also
** under clang with FMA hardware, which would contract 'a*b + c' on its own.
** gcc contracts nothing under -std=c11. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

enum { LR, MAX_ITER, MAX_EVAL, TOL_GRAD, TOL_CHANGE, HISTORY, MAXIMIZE, LINE_SEARCH };

/* "none" first: checkpoints from before line_search had a slot hold 0 there. */
static const char *const line_searches[] = {"none", "strong_wolfe", NULL};

static const sx_hyper lbfgs_hypers[] = {
  SX_HYPER(LR, .name = "lr", .n = 1, .def = {1}, .lo = 0, .hi = HUGE_VAL,
           .about = "learning rate (the step length, or the line search's first guess)"),
  SX_HYPER(MAX_ITER, .name = "max_iter", .n = 1, .def = {20}, .lo = 1, .hi = 1e9, .is_int = 1,
           .about = "iterations per step"),
  /* 0 stands for PyTorch's None: max_iter*5//4, resolved at each step */
  SX_HYPER(MAX_EVAL, .name = "max_eval", .n = 1, .def = {0}, .lo = 0, .hi = 1e9, .is_int = 1,
           .about = "evaluations per step (0: max_iter*5/4)"),
  SX_HYPER(TOL_GRAD, .name = "tolerance_grad", .n = 1, .def = {1e-7}, .lo = 0, .hi = HUGE_VAL,
           .about = "stop when the largest gradient component is this small"),
  SX_HYPER(TOL_CHANGE, .name = "tolerance_change", .n = 1, .def = {1e-9}, .lo = 0, .hi = HUGE_VAL,
           .about = "stop when the step or the change of f is this small"),
  SX_HYPER(HISTORY, .name = "history_size", .n = 1, .def = {100}, .lo = 1, .hi = 1e6, .is_int = 1,
           .about = "curvature pairs kept"),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER(LINE_SEARCH, .name = "line_search", .n = 1, .choices = line_searches, .def_choice = "none",
           .about = "\"strong_wolfe\", or \"none\" for fixed steps of length lr"),
  SX_HYPER_END
};

/* The persistent state (PyTorch's state dict) and the scratch vectors. */
typedef struct lb_state {
  int n, m;              /* parameters, history capacity */
  long n_iter;           /* state['n_iter']: inner iterations ever made */
  int num_old, head;     /* curvature pairs held; ring index of the oldest */
  double t, H_diag, prev_loss;
  double *d, *prev_g;    /* last direction, gradient at the last iterate */
  double *dirs, *stps;   /* m*n each: y and s of the pairs (ring) */
  double *ro, *al;       /* m each */
  /* scratch */
  double *g, *xt, *gnew, *gprev, *g0, *bg[2], *y, *s;
} lb_state;

/* Python's built-in max(a, b) and min(a, b): the first unless the second
** compares strictly beyond it, which fixes where NaNs go. */
static double py_max(double a, double b) { return b > a ? b : a; }
static double py_min(double a, double b) { return b < a ? b : a; }

static double dot(const double *a, const double *b, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* max |a[i]*scale|, NaN when any term is NaN (as torch's max). */
static double max_abs(const double *a, double scale, int n) {
  double m = 0;
  for (int i = 0; i < n; i++) {
    double v = fabs(a[i] * scale);
    if (isnan(v)) return v;
    if (v > m) m = v;
  }
  return m;
}

static double *pair(double *base, const lb_state *L, int i) {
  return base + (size_t)((L->head + i) % L->m) * (size_t)L->n;
}

static void lbfgs_reset(slope_optim *o) {
  free(o->extra);
  o->extra = NULL;
}

/* A zeroed state for n parameters and m pairs (one block). */
static lb_state *lb_alloc(int n, int m) {
  size_t nd = (size_t)(2 * m + 11) * (size_t)n + 2 * (size_t)m;
  lb_state *L = calloc(1, sizeof *L + nd * sizeof(double));
  if (!L) return NULL;
  double *p = (double *)(L + 1);
  L->n = n; L->m = m;
  L->d = p; p += n;
  L->prev_g = p; p += n;
  L->dirs = p; p += (size_t)m * (size_t)n;
  L->stps = p; p += (size_t)m * (size_t)n;
  L->ro = p; p += m;
  L->al = p; p += m;
  L->g = p; p += n;
  L->xt = p; p += n;
  L->gnew = p; p += n;
  L->gprev = p; p += n;
  L->g0 = p; p += n;
  L->bg[0] = p; p += n;
  L->bg[1] = p; p += n;
  L->y = p; p += n;
  L->s = p;
  return L;
}

/* The state for this step: allocated on the first step. */
static lb_state *lb_get(slope_optim *o) {
  int n = o->n, m = (int)o->h[HISTORY];
  lb_state *L = o->extra;
  if (L && L->n == n && L->m == m) return L;
  lbfgs_reset(o);
  return o->extra = lb_alloc(n, m);
}

/* ---- checkpoints ------------------------------------------------------------ */

/*
** What outlives a step, as doubles: n_iter, num_old, head, t, H_diag,
** prev_loss, then d, prev_g, the pairs (ring order kept, with 'head') and
** ro, which lie in one run from 'd'.  'al' and the rest are scratch.
*/
enum { LB_SCALARS = 6 };

static size_t lb_saved(int n, int m) {
  return LB_SCALARS + (size_t)(2 * m + 2) * (size_t)n + (size_t)m;
}

static size_t lbfgs_save(const slope_optim *o, double *out) {
  const lb_state *L = o->extra;
  if (!out) return lb_saved(o->n, (int)o->h[HISTORY]);
  /* no step yet, or a history the next step drops (history_size changed) */
  if (!L || L->m != (int)o->h[HISTORY]) return 0;
  double head[LB_SCALARS] = {(double)L->n_iter, L->num_old, L->head, L->t, L->H_diag, L->prev_loss};
  memcpy(out, head, sizeof head);
  size_t count = lb_saved(L->n, L->m);
  memcpy(out + LB_SCALARS, L->d, (count - LB_SCALARS) * sizeof *out);
  return count;
}

static int whole_in(double v, double lo, double hi) {
  return v >= lo && v <= hi && v == floor(v);
}

static int lbfgs_load(slope_optim *o, const double *in, size_t count) {
  int n = o->n, m = (int)o->h[HISTORY];
  if (count == 0) {
    lbfgs_reset(o);
    return SLOPE_OK;
  }
  if (count != lb_saved(n, m))
    return sx_error(o->S, SLOPE_ERRDATA, "lbfgs: the saved history holds %zu numbers; %zu expected "
                    "for %d parameter%s and history_size %d", count, lb_saved(n, m), n, n == 1 ? "" : "s", m);
  if (!whole_in(in[0], 0, 9e15) || !whole_in(in[1], 0, m) || !whole_in(in[2], 0, m - 1))
    return sx_error(o->S, SLOPE_ERRDATA, "lbfgs: the saved history is inconsistent "
                    "(iterations %g, pairs %g, ring start %g)", in[0], in[1], in[2]);
  lb_state *L = lb_alloc(n, m);
  if (!L) return sx_error(o->S, SLOPE_ERRMEM, "out of memory for the lbfgs history");
  L->n_iter = (long)in[0];
  L->num_old = (int)in[1];
  L->head = (int)in[2];
  L->t = in[3];
  L->H_diag = in[4];
  L->prev_loss = in[5];
  memcpy(L->d, in + LB_SCALARS, (count - LB_SCALARS) * sizeof *in);
  lbfgs_reset(o);
  o->extra = L;
  return SLOPE_OK;
}

/* ---- one evaluation -------------------------------------------------------- */

typedef struct lb_eval {
  const slope_objective *obj;
  double sign;       /* -1 when maximizing */
  long *evals;
} lb_eval;

static int evaluate(const lb_eval *E, const double *x, double *f, double *g, int n) {
  int rc = E->obj->fg(E->obj->ud, x, f, g);
  (*E->evals)++;
  if (rc != SLOPE_OK) return rc;
  *f *= E->sign;
  for (int i = 0; i < n; i++) g[i] *= E->sign;
  return SLOPE_OK;
}

/* '_directional_evaluate': f and g at x + t*d, x left alone. */
static int eval_dir(const lb_eval *E, lb_state *L, const double *x, double t,
                    const double *d, double *f, double *g) {
  for (int i = 0; i < L->n; i++) L->xt[i] = fma(t, d[i], x[i]);
  return evaluate(E, L->xt, f, g, L->n);
}

/* ---- line search ------------------------------------------------------------ */

/* '_cubic_interpolate': the minimizer of the cubic through two points with
** values and slopes, clamped to [lo, hi] (the points' span by default). */
static double cubic_interpolate(double x1, double f1, double g1, double x2,
                                double f2, double g2, const double *bounds) {
  double lo, hi;
  if (bounds) { lo = bounds[0]; hi = bounds[1]; }
  else if (x1 <= x2) { lo = x1; hi = x2; }
  else { lo = x2; hi = x1; }
  double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    double d2 = sqrt(d2_square), min_pos;
    if (x1 <= x2) min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2));
    else min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return py_min(py_max(min_pos, lo), hi);
  }
  return (lo + hi) / 2.;
}

/* The line search's running state; the bracket holds one or two points. */
typedef struct lb_search {
  double f, gtd, tol;            /* at t = 0; bracket-width tolerance */
  double bracket[2], bf[2], bgtd[2];
  int nb, low, high, done, iter, evals;
} lb_search;

/* PyTorch's defaults; LBFGS.step does not pass its tolerance_change down. */
static const double C1 = 1e-4, C2 = 0.9, LS_TOL_CHANGE = 1e-9;
enum { MAX_LS = 25 };

static void set_low_high(lb_search *W) {
  if (W->nb == 1 || W->bf[0] <= W->bf[1]) { W->low = 0; W->high = 1; }
  else { W->low = 1; W->high = 0; }
}

/* Put (t, f, g, gtd) in bracket slot k (g is copied). */
static void bracket_set(lb_search *W, lb_state *L, int k, double t, double f,
                        const double *g, double gtd) {
  W->bracket[k] = t; W->bf[k] = f; W->bgtd[k] = gtd;
  if (L->bg[k] != g) memcpy(L->bg[k], g, (size_t)L->n * sizeof *g);
}

/* The bracketing phase: find an interval holding a strong-Wolfe point, or
** the point itself.  't' is the initial step; the trial lives in L->gnew. */
static int bracket_phase(lb_search *W, lb_state *L, const lb_eval *E,
                         const double *x, double t, const double *d) {
  int n = L->n;
  double f_new, gtd_new;
  int rc = eval_dir(E, L, x, t, d, &f_new, L->gnew);
  if (rc != SLOPE_OK) return rc;
  W->evals = 1;
  gtd_new = dot(L->gnew, d, n);
  double t_prev = 0, f_prev = W->f, gtd_prev = W->gtd;
  memcpy(L->gprev, L->g0, (size_t)n * sizeof *L->gprev);
  W->iter = 0;
  while (W->iter < MAX_LS) {
    int armijo_fails = f_new > (W->f + C1 * t * W->gtd) || (W->iter > 1 && f_new >= f_prev);
    if (!armijo_fails && fabs(gtd_new) <= -C2 * W->gtd) {
      W->nb = 1;
      W->done = 1;
      bracket_set(W, L, 0, t, f_new, L->gnew, gtd_new);
      return SLOPE_OK;
    }
    if (armijo_fails || gtd_new >= 0) {
      W->nb = 2;
      bracket_set(W, L, 0, t_prev, f_prev, L->gprev, gtd_prev);
      bracket_set(W, L, 1, t, f_new, L->gnew, gtd_new);
      return SLOPE_OK;
    }
    double bounds[2] = {t + 0.01 * (t - t_prev), t * 10}, tmp = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds);
    t_prev = tmp; f_prev = f_new; gtd_prev = gtd_new;
    memcpy(L->gprev, L->gnew, (size_t)n * sizeof *L->gprev);
    if ((rc = eval_dir(E, L, x, t, d, &f_new, L->gnew)) != SLOPE_OK) return rc;
    W->evals++;
    gtd_new = dot(L->gnew, d, n);
    W->iter++;
  }
  /* max_ls reached: the zoom below will not run, so bgtd is never read */
  W->nb = 2;
  bracket_set(W, L, 0, 0, W->f, L->g0, W->gtd);
  bracket_set(W, L, 1, t, f_new, L->gnew, gtd_new);
  return SLOPE_OK;
}

/* The next trial point of the zoom: cubic, kept 10% of the bracket away
** from its ends when progress stalls. */
static double zoom_trial(lb_search *W, int *insuf_progress) {
  double *b = W->bracket;
  double t = cubic_interpolate(b[0], W->bf[0], W->bgtd[0], b[1], W->bf[1], W->bgtd[1], NULL);
  double bmax = py_max(b[0], b[1]), bmin = py_min(b[0], b[1]);
  double eps = 0.1 * (bmax - bmin);
  if (py_min(bmax - t, t - bmin) < eps) {
    if (*insuf_progress || t >= bmax || t <= bmin) {
      t = fabs(t - bmax) < fabs(t - bmin) ? bmax - eps : bmin + eps;
      *insuf_progress = 0;
    } else {
      *insuf_progress = 1;
    }
  } else {
    *insuf_progress = 0;
  }
  return t;
}

/* The zoom phase: shrink the bracket until a point meets the conditions. */
static int zoom_phase(lb_search *W, lb_state *L, const lb_eval *E,
                      const double *x, const double *d, double d_norm) {
  int n = L->n, insuf_progress = 0;
  set_low_high(W);
  while (!W->done && W->iter < MAX_LS) {
    if (fabs(W->bracket[1] - W->bracket[0]) * d_norm < W->tol) break;
    double t = zoom_trial(W, &insuf_progress), f_new;
    int rc = eval_dir(E, L, x, t, d, &f_new, L->gnew);
    if (rc != SLOPE_OK) return rc;
    W->evals++;
    double gtd_new = dot(L->gnew, d, n);
    W->iter++;
    if (f_new > (W->f + C1 * t * W->gtd) || f_new >= W->bf[W->low]) {
      bracket_set(W, L, W->high, t, f_new, L->gnew, gtd_new);
      set_low_high(W);
      continue;
    }
    if (fabs(gtd_new) <= -C2 * W->gtd) {
      W->done = 1;
    } else if (gtd_new * (W->bracket[W->high] - W->bracket[W->low]) >= 0) {
      /* old high becomes new low: swap the gradient buffers, then overwrite */
      int h = W->high, l = W->low;
      double *tmp = L->bg[h];
      W->bracket[h] = W->bracket[l]; W->bf[h] = W->bf[l]; W->bgtd[h] = W->bgtd[l];
      L->bg[h] = L->bg[l];
      L->bg[l] = tmp;
    }
    bracket_set(W, L, W->low, t, f_new, L->gnew, gtd_new);
  }
  return SLOPE_OK;
}

/* '_strong_wolfe': from x along d with initial step *t, where f and L->g
** are the value and gradient at x and gtd = g.d.  On return *t, *f and L->g
** hold the accepted point's step, value and gradient. */
static int strong_wolfe(lb_state *L, const lb_eval *E, const double *x, const double *d,
                        double *t, double *f, double gtd, int *ls_evals) {
  int n = L->n;
  lb_search W = {0};
  W.f = *f; W.gtd = gtd; W.tol = LS_TOL_CHANGE;
  memcpy(L->g0, L->g, (size_t)n * sizeof *L->g);
  int rc = bracket_phase(&W, L, E, x, *t, d);
  if (rc == SLOPE_OK) rc = zoom_phase(&W, L, E, x, d, max_abs(d, 1, n));
  *ls_evals = W.evals;
  if (rc != SLOPE_OK) return rc;
  *t = W.bracket[W.low];
  *f = W.bf[W.low];
  memcpy(L->g, L->bg[W.low], (size_t)n * sizeof *L->g);
  return SLOPE_OK;
}

/* ---- the step ---------------------------------------------------------------- */

/* The L-BFGS direction into L->d from the gradient L->g, after storing the
** newest curvature pair (y, s) when y.s > 1e-10, dropping the oldest when
** the history is full. */
static void direction(lb_state *L, int history_size) {
  int n = L->n;
  double *g = L->g, *d = L->d;
  if (L->n_iter == 1) {
    for (int i = 0; i < n; i++) d[i] = -g[i];
    L->num_old = 0; L->head = 0; L->H_diag = 1;
    return;
  }
  double *y = L->y, *s = L->s;
  for (int i = 0; i < n; i++) { y[i] = g[i] - L->prev_g[i]; s[i] = d[i] * L->t; }
  double ys = dot(y, s, n);
  if (ys > 1e-10) {
    if (L->num_old == history_size) { L->head = (L->head + 1) % L->m; L->num_old--; }
    memcpy(pair(L->dirs, L, L->num_old), y, (size_t)n * sizeof *y);
    memcpy(pair(L->stps, L, L->num_old), s, (size_t)n * sizeof *s);
    L->ro[(L->head + L->num_old) % L->m] = 1. / ys;
    L->num_old++;
    L->H_diag = ys / dot(y, y, n);
  }
  /* the two-loop recursion, collapsed onto one buffer as in PyTorch */
  int k = L->num_old;
  double *q = d, *al = L->al;
  for (int i = 0; i < n; i++) q[i] = -g[i];
  for (int i = k - 1; i >= 0; i--) {
    const double *si = pair(L->stps, L, i), *yi = pair(L->dirs, L, i);
    al[i] = dot(si, q, n) * L->ro[(L->head + i) % L->m];
    double a = -al[i];
    for (int j = 0; j < n; j++) q[j] = fma(a, yi[j], q[j]);
  }
  for (int j = 0; j < n; j++) d[j] = q[j] * L->H_diag;
  for (int i = 0; i < k; i++) {
    const double *si = pair(L->stps, L, i), *yi = pair(L->dirs, L, i);
    double be_i = dot(yi, d, n) * L->ro[(L->head + i) % L->m], a = al[i] - be_i;
    for (int j = 0; j < n; j++) d[j] = fma(a, si[j], d[j]);
  }
}

static int lbfgs_step(slope_optim *o, double *x, double f, const double *g,
                      const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)rng;
  o->evals = 0;
  if (!obj || !obj->fg)
    return sx_error(o->S, SLOPE_ERRARG, "lbfgs needs the objective to evaluate more points");
  lb_state *L = lb_get(o);
  if (!L) return sx_error(o->S, SLOPE_ERRMEM, "out of memory for the lbfgs history");
  int n = o->n;
  double rate = lr ? lr[0] : o->h[LR];
  long max_iter = (long)o->h[MAX_ITER];
  long max_eval = o->h[MAX_EVAL] > 0 ? (long)o->h[MAX_EVAL] : max_iter * 5 / 4;
  double tol_grad = o->h[TOL_GRAD], tol_change = o->h[TOL_CHANGE];
  int wolfe = strcmp(line_searches[(int)o->h[LINE_SEARCH]], "strong_wolfe") == 0;
  lb_eval E = {obj, o->h[MAXIMIZE] != 0 ? -1.0 : 1.0, &o->evals};

  double loss = E.sign * f;
  for (int i = 0; i < n; i++) L->g[i] = E.sign * g[i];
  long current_evals = 1;
  if (max_abs(L->g, 1, n) <= tol_grad) return SLOPE_OK;

  for (long n_iter = 1; n_iter <= max_iter; n_iter++) {
    L->n_iter++;
    direction(L, (int)o->h[HISTORY]);
    memcpy(L->prev_g, L->g, (size_t)n * sizeof *L->g);
    L->prev_loss = loss;
    if (L->n_iter == 1) {
      double sum = 0;
      for (int i = 0; i < n; i++) sum += fabs(L->g[i]);
      L->t = py_min(1., 1. / sum) * rate;
    } else {
      L->t = rate;
    }
    double gtd = dot(L->g, L->d, n);
    if (gtd > -tol_change) break;

    int ls_evals = 0, opt_cond = 0, rc;
    if (wolfe) {
      rc = strong_wolfe(L, &E, x, L->d, &L->t, &loss, gtd, &ls_evals);
      if (rc != SLOPE_OK) return rc;
      for (int i = 0; i < n; i++) x[i] = fma(L->t, L->d[i], x[i]);
      opt_cond = max_abs(L->g, 1, n) <= tol_grad;
    } else {
      for (int i = 0; i < n; i++) x[i] = fma(L->t, L->d[i], x[i]);
      if (n_iter != max_iter) {
        if ((rc = evaluate(&E, x, &loss, L->g, n)) != SLOPE_OK) return rc;
        opt_cond = max_abs(L->g, 1, n) <= tol_grad;
        ls_evals = 1;
      }
    }
    current_evals += ls_evals;

    if (n_iter == max_iter || current_evals >= max_eval || opt_cond) break;
    /* lack of progress */
    if (max_abs(L->d, L->t, n) <= tol_change || fabs(loss - L->prev_loss) < tol_change) break;
  }
  return SLOPE_OK;
}

const sx_optim_class sx_optim_lbfgs = {
  .name = "lbfgs", .needs = SLOPE_NEEDS_GRAD,
  .about = "L-BFGS, one step = up to max_iter iterations (PyTorch LBFGS.step(closure))",
  .hypers = lbfgs_hypers, .step = lbfgs_step, .reset = lbfgs_reset,
  .save_extra = lbfgs_save, .load_extra = lbfgs_load,
};
