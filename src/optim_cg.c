/*
** optim_cg.c -- nonlinear conjugate gradients (Polak-Ribière+), a port of
** SciPy 1.10's '_minimize_cg'.
**
** One 'slope_optim_step' is one pass of SciPy's loop: the line search
** '_line_search_wolfe12' (linesearch.c; c1 = 1e-4, c2 = 0.4) along the
** direction p, with SciPy's extra condition that the next direction
** -g' + beta p, beta = max(0, (g' - g).g' / g.g), descends enough
** (p'.g' <= -0.01 g'.g', Gilbert and Nocedal), or that g' already meets
** gtol; then x += alpha*p (the point SciPy's callback receives) and p takes
** the next direction.
**
** The f and g given to a step are SciPy's old_fval and gfk (the run
** evaluates them where the last line search did).  Stopping rules set
** 'o->done': gtol on the norm of g (also before any move, when the start
** point already meets it) and "precision loss" (SciPy's warnflag 2) when the
** line search finds no step; x then stays where it is.
**
** The state is o->state: p (n), then a flag saying p is set and the f of the
** previous iterate (the line search's first step repeats its decrease), so
** checkpoints carry it without hooks.  With maximize f and g are negated on
** the way in: the state is the minimization of -f.  SciPy's maxiter
** (200 per parameter) is the run's step limit; c1 and c2 are fixed, as
** SciPy 1.10 does not expose them.
*/
#include <math.h>
#include <string.h>

#include "linesearch.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

enum { GTOL, NORM, MAXIMIZE };

static const sx_hyper cg_hypers[] = {
  SX_HYPER(GTOL, .name = "gtol", .n = 1, .def = {1e-5}, .lo = 0, .hi = HUGE_VAL,
           .about = "stop when the gradient's norm is at most this"),
  SX_HYPER(NORM, .name = "norm", .n = 1, .def = {0}, .lo = 0, .hi = HUGE_VAL,
           .about = "order of that norm: 0 stands for inf (the largest component), else 1, 2, ..."),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER_END
};

static const char *const DONE_GTOL = "the gradient's norm is at most gtol (SciPy's CG)";
static const char *const DONE_LOSS = "desired error not necessarily achieved due to precision "
                                     "loss: the line search found no step (SciPy's CG)";

/* SciPy's sigma_3: how much the next direction must descend. */
static const double SIGMA_3 = 0.01;

/* What 'polak_ribiere_powell_step' needs and makes. */
typedef struct cg_line {
  int n;
  double deltak, gtol, ord;
  const double *gfk, *pk;
  double *pnew;            /* the next direction */
  double gnorm;            /* the norm of the gradient there */
} cg_line;

/* 'polak_ribiere_powell_step' for the gradient gfkp1 at the new point. */
static void prp_step(cg_line *C, const double *gfkp1) {
  int n = C->n;
  double yg = 0;
  for (int i = 0; i < n; i++) yg += (gfkp1[i] - C->gfk[i]) * gfkp1[i];
  double v = yg / C->deltak, beta = v > 0 ? v : 0;   /* Python's max(0, v) */
  for (int i = 0; i < n; i++) C->pnew[i] = -gfkp1[i] + beta * C->pk[i];
  C->gnorm = sx_vecnorm(gfkp1, n, C->ord);
}

/* 'descent_condition', the line search's extra condition. */
static int descent(void *ud, double alpha, double f, const double *gfkp1) {
  cg_line *C = ud;
  (void)alpha; (void)f;
  prp_step(C, gfkp1);
  if (C->gnorm <= C->gtol) return 1;
  return sx_dot(C->pnew, gfkp1, C->n) <= -SIGMA_3 * sx_dot(gfkp1, gfkp1, C->n);
}

static int cg_step(slope_optim *o, double *x, double f, const double *g,
                   const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)lr; (void)rng;
  int n = o->n;
  double sign = o->h[MAXIMIZE] != 0 ? -1.0 : 1.0;
  if (!obj || !obj->fg)
    return sx_error(o->S, SLOPE_ERRARG, "cg needs the objective to evaluate more points");
  double *pk = o->state, *started = pk + n, *old_old_fval = pk + n + 1;
  double *gfk = o->work, *xt = gfk + n, *gt = xt + n, *pnew = gt + n, fk = sign * f;
  for (int i = 0; i < n; i++) gfk[i] = sign * g[i];
  if (*started == 0) {   /* SciPy's start: p = -g, and a first trial step of about 1 */
    for (int i = 0; i < n; i++) pk[i] = -gfk[i];
    *old_old_fval = fk + sqrt(sx_dot(gfk, gfk, n)) / 2;
    *started = 1;
  }
  cg_line C = {n, sx_dot(gfk, gfk, n), o->h[GTOL], sx_norm_order(o->h[NORM]), gfk, pk, pnew, 0};
  if (!(sx_vecnorm(gfk, n, C.ord) > C.gtol)) {   /* SciPy's loop would not start */
    o->done = DONE_GTOL;
    return SLOPE_OK;
  }
  sx_line L;
  sx_line_init(&L, obj, sign, &o->evals, n, x, pk, xt, gt);
  L.extra = descent;
  L.ud = &C;
  sx_ls_result r;
  int rc = sx_line_search_wolfe12(&L, fk, *old_old_fval, sx_dot(gfk, pk, n), 0.4, &r);
  if (rc != SLOPE_OK) return rc;
  if (!r.found) {
    o->done = DONE_LOSS;
    return SLOPE_OK;
  }
  if ((rc = sx_line_eval(&L, r.alpha)) != SLOPE_OK) return rc;   /* g there: usually kept */
  prp_step(&C, gt);
  for (int i = 0; i < n; i++) x[i] = x[i] + r.alpha * pk[i];
  memcpy(pk, pnew, (size_t)n * sizeof *pk);
  *old_old_fval = fk;
  if (C.gnorm <= C.gtol) o->done = DONE_GTOL;
  return SLOPE_OK;
}

const sx_optim_class sx_optim_cg = {
  .name = "cg", .needs = SLOPE_NEEDS_GRAD,
  .about = "nonlinear conjugate gradients (Polak-Ribiere+) with a strong-Wolfe line search, "
           "one step = one iteration (SciPy's minimize(method='CG'))",
  .hypers = cg_hypers, .state_per_param = 1, .state_extra = 2, .step = cg_step,
};
