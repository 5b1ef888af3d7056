/*
** optim_anneal.c -- classical simulated annealing, derivative-free.
**
** Step t (1-based) runs at temperature T = T0 * cooling^(t-1).  It proposes
** x' = x + lr*step_size*N(0, 1) in every coordinate, evaluates f(x') (one
** evaluation, no gradient) and accepts by Metropolis' rule: always when
** f(x') <= f(x), otherwise with probability exp(-(f(x') - f(x))/T).  With
** maximize the rule is applied to -f.  x is the chain's current state; the
** step keeps no other state, so the chain is a pure function of the seed.
**
** The random draws, in order: n normals (one per coordinate), then one
** uniform only when the proposal is uphill.  A proposal whose f is NaN is
** never accepted (both comparisons are false).
*/
#include <math.h>
#include <string.h>

#include "optim.h"

/* The proposal rounds as written on every compiler, so a chain can be
** replayed by hand (gcc contracts nothing under -std=c11). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

enum { LR, T0, STEP_SIZE, COOLING, MAXIMIZE };

static const sx_hyper anneal_hypers[] = {
  SX_HYPER(LR, .name = "lr", .n = 1, .def = {1}, .lo = 0, .hi = HUGE_VAL,
           .about = "scale of the proposal steps (with step_size)"),
  SX_HYPER(T0, .name = "T0", .n = 1, .def = {1}, .lo = 0, .hi = HUGE_VAL, .lo_open = 1,
           .about = "starting temperature"),
  SX_HYPER(STEP_SIZE, .name = "step_size", .n = 1, .def = {1}, .lo = 0, .hi = HUGE_VAL, .lo_open = 1,
           .about = "standard deviation of the proposals, times lr"),
  SX_HYPER(COOLING, .name = "cooling", .n = 1, .def = {0.95}, .lo = 0, .hi = 1, .lo_open = 1,
           .about = "the temperature is multiplied by it every step"),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER_END
};

static int anneal_step(slope_optim *o, double *x, double f, const double *g,
                       const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)g;
  if (!rng) return sx_error(o->S, SLOPE_ERRARG, "anneal needs a random generator (rng is NULL)");
  if (!obj || !obj->fg) return sx_error(o->S, SLOPE_ERRARG, "anneal needs the objective to evaluate proposals");
  int n = o->n;
  long t = o->t > 1 ? o->t : 1;
  double T = o->h[T0] * pow(o->h[COOLING], (double)(t - 1));
  double step = o->h[STEP_SIZE], *xp = o->work, fp;
  for (int i = 0; i < n; i++) xp[i] = x[i] + sx_lr(o, lr, i) * step * slope_rng_normal(rng);
  int rc = obj->fg(obj->ud, xp, &fp, NULL);
  o->evals++;
  if (rc != SLOPE_OK) return rc;
  double sign = o->h[MAXIMIZE] != 0 ? -1.0 : 1.0, fs = sign * f, fps = sign * fp;
  if (fps <= fs || slope_rng_uniform(rng) < exp(-(fps - fs) / T))
    memcpy(x, xp, (size_t)n * sizeof *x);
  return SLOPE_OK;
}

const sx_optim_class sx_optim_anneal = {
  .name = "anneal", .needs = 0,   /* values only */
  .about = "classical simulated annealing: Gaussian proposals, Metropolis acceptance, T = T0 cooling^t",
  .hypers = anneal_hypers, .step = anneal_step,
};
