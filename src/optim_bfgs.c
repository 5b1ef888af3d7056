/*
** optim_bfgs.c -- BFGS, a port of SciPy 1.10's '_minimize_bfgs'.
**
** One 'slope_optim_step' is one pass of SciPy's loop: the direction
** p = -H g from the dense inverse-Hessian approximation H, the line search
** '_line_search_wolfe12' (linesearch.c; c1 = 1e-4, c2 = 0.9), x += alpha*p
** (the point SciPy's callback receives), then the stopping tests and the
** update of H in SciPy's order and rounding: H = A1 (H A2) + rho s s^T with
** the matrix products summed in index order as the reference BLAS does.
**
** The f and g given to a step are SciPy's old_fval and gfk: the run
** evaluates them at the point the last step left, where the line search
** evaluated them already, so they are the same numbers.  SciPy's stopping
** rules set 'o->done': gtol on the norm of g (also before any move, when the
** start point already meets it), xrtol on the step, and "precision loss"
** (warnflag 2) when no step is found or f stops being finite; x then stays
** where it is, and the run stops as converged with that text.  Every step
** ends at most 100 + 10 + 11 evaluations after it starts.
**
** H and the f of the previous iterate (the line search's first step repeats
** the last decrease of f) live in 'o->extra', made on the first step, saved
** by save_extra for checkpoints and freed by the reset hook.  With maximize
** f and g are negated on the way in: the state is the minimization of -f.  SciPy's maxiter
** (200 per parameter) is the run's step limit; c1 and c2 are fixed, as
** SciPy 1.10 does not expose them.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linesearch.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

enum { GTOL, NORM, XRTOL, MAXIMIZE };

static const sx_hyper bfgs_hypers[] = {
  SX_HYPER(GTOL, .name = "gtol", .n = 1, .def = {1e-5}, .lo = 0, .hi = HUGE_VAL,
           .about = "stop when the gradient's norm is at most this"),
  SX_HYPER(NORM, .name = "norm", .n = 1, .def = {0}, .lo = 0, .hi = HUGE_VAL,
           .about = "order of that norm: 0 stands for inf (the largest component), else 1, 2, ..."),
  SX_HYPER(XRTOL, .name = "xrtol", .n = 1, .def = {0}, .lo = 0, .hi = HUGE_VAL,
           .about = "stop when a step is at most xrtol*(xrtol + the norm of x)"),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER_END
};

/* SciPy's texts for its exit states; "precision loss" is its warnflag 2. */
static const char *const DONE_GTOL = "the gradient's norm is at most gtol (SciPy's BFGS)";
static const char *const DONE_XRTOL = "the step is at most xrtol*(xrtol + |x|) (SciPy's BFGS)";
static const char *const DONE_LOSS = "desired error not necessarily achieved due to precision "
                                     "loss: the line search found no step (SciPy's BFGS)";

/* The state: what is saved first (old_old_fval, then H), then scratch. */
typedef struct bf_state {
  int n;
  double *save;          /* 1 + n*n: old_old_fval, H row-major */
  double *H, *T;         /* n*n each: H (inside 'save'), H A2 */
  double *gfk, *pk, *sk, *yk, *xt, *gt;
} bf_state;

static size_t bf_saved(int n) { return 1 + (size_t)n * (size_t)n; }

static void bfgs_reset(slope_optim *o) {
  free(o->extra);
  o->extra = NULL;
}

static bf_state *bf_alloc(int n) {
  size_t nn = (size_t)n * (size_t)n;
  bf_state *B = calloc(1, sizeof *B + (1 + 2 * nn + 6 * (size_t)n) * sizeof(double));
  if (!B) return NULL;
  double *p = (double *)(B + 1);
  B->n = n;
  B->save = p;
  B->H = p + 1; p += 1 + nn;
  B->T = p; p += nn;
  B->gfk = p; p += n;
  B->pk = p; p += n;
  B->sk = p; p += n;
  B->yk = p; p += n;
  B->xt = p; p += n;
  B->gt = p;
  return B;
}

/* ---- checkpoints -------------------------------------------------------------- */

static size_t bfgs_save(const slope_optim *o, double *out) {
  const bf_state *B = o->extra;
  if (!out) return bf_saved(o->n);
  if (!B) return 0;   /* no step yet */
  memcpy(out, B->save, bf_saved(B->n) * sizeof *out);
  return bf_saved(B->n);
}

static int bfgs_load(slope_optim *o, const double *in, size_t count) {
  int n = o->n;
  if (count == 0) {
    bfgs_reset(o);
    return SLOPE_OK;
  }
  if (count != bf_saved(n))
    return sx_error(o->S, SLOPE_ERRDATA, "bfgs: the saved state holds %zu numbers; %zu expected "
                    "for %d parameters", count, bf_saved(n), n);
  bf_state *B = bf_alloc(n);
  if (!B) return sx_error(o->S, SLOPE_ERRMEM, "out of memory for the bfgs matrix");
  memcpy(B->save, in, count * sizeof *in);
  bfgs_reset(o);
  o->extra = B;
  return SLOPE_OK;
}

/* ---- the step ------------------------------------------------------------------ */

/* The first step's state: H = I and SciPy's old_old_fval = f + |g|/2, which
** makes the line search's first trial move x by about 1. */
static bf_state *bf_start(slope_optim *o, double f, const double *g) {
  int n = o->n;
  bf_state *B = bf_alloc(n);
  if (!B) return NULL;
  for (int i = 0; i < n; i++) B->H[(size_t)i * n + i] = 1;
  B->save[0] = f + sqrt(sx_dot(g, g, n)) / 2;
  o->extra = B;
  return B;
}

/* H = A1 (H A2) + rho s s^T, A1 = I - rho s y^T, A2 = I - rho y s^T, with
** every element rounded as numpy builds it and each product summed in index
** order. */
static void update_h(bf_state *B, double rhok) {
  int n = B->n;
  const double *s = B->sk, *y = B->yk;
  double *H = B->H, *T = B->T;
  for (int i = 0; i < n; i++)          /* T = H A2 */
    for (int j = 0; j < n; j++) {
      double t = 0;
      for (int l = 0; l < n; l++) t += H[(size_t)i * n + l] * ((l == j) - y[l] * s[j] * rhok);
      T[(size_t)i * n + j] = t;
    }
  for (int i = 0; i < n; i++)          /* H = A1 T + rho s s^T */
    for (int j = 0; j < n; j++) {
      double t = 0;
      for (int l = 0; l < n; l++) t += ((i == l) - s[i] * y[l] * rhok) * T[(size_t)l * n + j];
      H[(size_t)i * n + j] = t + rhok * s[i] * s[j];
    }
}

static int bfgs_step(slope_optim *o, double *x, double f, const double *g,
                     const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)lr; (void)rng;
  int n = o->n;
  double sign = o->h[MAXIMIZE] != 0 ? -1.0 : 1.0, gtol = o->h[GTOL], ord = sx_norm_order(o->h[NORM]);
  if (!obj || !obj->fg)
    return sx_error(o->S, SLOPE_ERRARG, "bfgs needs the objective to evaluate more points");
  bf_state *B = o->extra;
  double fk = sign * f;
  if (!B) {
    double *g0 = o->work;
    for (int i = 0; i < n; i++) g0[i] = sign * g[i];
    if (!(B = bf_start(o, fk, g0))) return sx_error(o->S, SLOPE_ERRMEM, "out of memory for the bfgs matrix");
  }
  for (int i = 0; i < n; i++) B->gfk[i] = sign * g[i];
  if (!(sx_vecnorm(B->gfk, n, ord) > gtol)) {   /* SciPy's loop would not start */
    o->done = DONE_GTOL;
    return SLOPE_OK;
  }
  for (int i = 0; i < n; i++) {   /* pk = -np.dot(Hk, gfk) */
    double t = 0;
    for (int j = 0; j < n; j++) t += B->H[(size_t)i * n + j] * B->gfk[j];
    B->pk[i] = -t;
  }
  sx_line L;
  sx_line_init(&L, obj, sign, &o->evals, n, x, B->pk, B->xt, B->gt);
  sx_ls_result r;
  int rc = sx_line_search_wolfe12(&L, fk, B->save[0], sx_dot(B->gfk, B->pk, n), 0.9, &r);
  if (rc != SLOPE_OK) return rc;
  if (!r.found) {
    o->done = DONE_LOSS;
    return SLOPE_OK;
  }
  if ((rc = sx_line_eval(&L, r.alpha)) != SLOPE_OK) return rc;   /* g there: usually kept */
  for (int i = 0; i < n; i++) {
    B->sk[i] = r.alpha * B->pk[i];
    x[i] = x[i] + B->sk[i];
    B->yk[i] = B->gt[i] - B->gfk[i];
  }
  B->save[0] = fk;   /* old_old_fval of the next step */
  if (sx_vecnorm(B->gt, n, ord) <= gtol) {
    o->done = DONE_GTOL;
    return SLOPE_OK;
  }
  double xrtol = o->h[XRTOL];
  if (r.alpha * sx_vecnorm(B->pk, n, 2) <= xrtol * (xrtol + sx_vecnorm(x, n, 2))) {
    o->done = DONE_XRTOL;
    return SLOPE_OK;
  }
  if (!isfinite(r.f)) {
    o->done = DONE_LOSS;
    return SLOPE_OK;
  }
  double rhok_inv = sx_dot(B->yk, B->sk, n);
  update_h(B, rhok_inv == 0. ? 1000.0 : 1. / rhok_inv);
  return SLOPE_OK;
}

const sx_optim_class sx_optim_bfgs = {
  .name = "bfgs", .needs = SLOPE_NEEDS_GRAD,
  .about = "BFGS with a dense inverse Hessian and a strong-Wolfe line search, "
           "one step = one iteration (SciPy's minimize(method='BFGS'))",
  .hypers = bfgs_hypers, .step = bfgs_step, .reset = bfgs_reset,
  .save_extra = bfgs_save, .load_extra = bfgs_load,
};
