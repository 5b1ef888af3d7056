/*
** optim_asgd.c -- averaged stochastic gradient descent (torch.optim.ASGD).
**
** Plain SGD with a decaying step eta_t = lr / (1 + lambd*lr*t)^alpha and a
** decay term x *= 1 - lambd*eta, plus the Polyak-Ruppert average 'ax' of the
** iterates from step t0 on (mu_t = 1/max(1, t - t0)).  As in PyTorch the
** average is kept in the state and never replaces the parameters; it is the
** first n doubles of the state.
*/
#include <math.h>

#include "optim.h"

enum { LR, LAMBD, ALPHA, T0, WEIGHT_DECAY, MAXIMIZE };

/* PyTorch checks only lr and weight_decay; lambd, alpha and t0 take any number. */
static const sx_hyper hypers[] = {
  SX_HYPER(LR, .name = "lr", .n = 1, .def = {1e-2}, .lo = 0, .hi = INFINITY,
           .about = "learning rate"),
  SX_HYPER(LAMBD, .name = "lambd", .n = 1, .def = {1e-4}, .lo = -INFINITY, .hi = INFINITY,
           .about = "decay term"),
  SX_HYPER(ALPHA, .name = "alpha", .n = 1, .def = {0.75}, .lo = -INFINITY, .hi = INFINITY,
           .about = "power of the step-size decay"),
  SX_HYPER(T0, .name = "t0", .n = 1, .def = {1e6}, .lo = -INFINITY, .hi = INFINITY,
           .about = "step from which the iterates are averaged"),
  SX_HYPER(WEIGHT_DECAY, .name = "weight_decay", .n = 1, .def = {0}, .lo = 0, .hi = INFINITY,
           .about = "L2 penalty: weight_decay*x is added to g"),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER_END,
};

/* State: the average ax and the step eta per parameter (eta depends on each
** parameter's lr), then mu, shared by all. */
static int asgd_step(slope_optim *o, double *x, double f, const double *g,
                     const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  const double *h = o->h;
  double lambd = h[LAMBD], alpha = h[ALPHA], wd = h[WEIGHT_DECAY];
  double sign = h[MAXIMIZE] != 0 ? -1 : 1, t = (double)o->t;
  int n = o->n;
  double *ax = o->state, *eta = ax + n, *mu = eta + n;
  if (o->t == 1) *mu = 1;
  for (int i = 0; i < n; i++) {
    double lri = sx_lr(o, lr, i), d = sign * g[i];
    if (o->t == 1) {
      ax[i] = 0;
      eta[i] = lri;
    }
    if (wd != 0) d += wd * x[i];
    x[i] *= 1 - lambd * eta[i];
    x[i] += -eta[i] * d;
    ax[i] = *mu != 1 ? ax[i] + (x[i] - ax[i]) * *mu : x[i];
    eta[i] = lri / pow(1 + lambd * lri * t, alpha);
  }
  *mu = 1 / fmax(1, t - h[T0]);
  return SLOPE_OK;
}

const sx_optim_class sx_optim_asgd = {
  .name = "asgd", .needs = SLOPE_NEEDS_GRAD, .about = "averaged stochastic gradient descent",
  .hypers = hypers, .state_per_param = 2, .state_extra = 1, .step = asgd_step,
};
