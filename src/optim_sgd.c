/*
** optim_sgd.c -- stochastic gradient descent with momentum (torch.optim.SGD).
**
**   d = g (negated when maximizing) + weight_decay*x
**   buf = d on the first momentum step, else momentum*buf + (1-dampening)*d
**   d = d + momentum*buf (nesterov) or buf
**   x = x - lr*d
*/
#include <math.h>

#include "optim.h"

enum { LR, MOMENTUM, DAMPENING, WEIGHT_DECAY, NESTEROV, MAXIMIZE };

/* PyTorch 1.13 has no default lr for SGD; 2.x uses 1e-3, and so do we. */
static const sx_hyper hypers[] = {
  SX_HYPER(LR, .name = "lr", .n = 1, .def = {1e-3}, .lo = 0, .hi = INFINITY,
           .about = "learning rate"),
  SX_HYPER(MOMENTUM, .name = "momentum", .n = 1, .def = {0}, .lo = 0, .hi = INFINITY,
           .about = "momentum factor"),
  SX_HYPER(DAMPENING, .name = "dampening", .n = 1, .def = {0}, .lo = -INFINITY, .hi = INFINITY,
           .about = "dampening of the momentum"),
  SX_HYPER(WEIGHT_DECAY, .name = "weight_decay", .n = 1, .def = {0}, .lo = 0, .hi = INFINITY,
           .about = "L2 penalty: weight_decay*x is added to g"),
  SX_HYPER(NESTEROV, .name = "nesterov", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "Nesterov momentum (needs momentum > 0 and dampening = 0)"),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER_END,
};

/*
** State: the momentum buffer per parameter, then one flag saying the buffers
** hold something.  PyTorch creates the buffer (as a copy of d, without
** dampening) on the first step that uses momentum, which need not be step 1
** when a schedule switches momentum on later.
*/
static int sgd_step(slope_optim *o, double *x, double f, const double *g,
                    const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  const double *h = o->h;
  double momentum = h[MOMENTUM], damp = 1 - h[DAMPENING], wd = h[WEIGHT_DECAY];
  double sign = h[MAXIMIZE] != 0 ? -1 : 1;
  int nesterov = h[NESTEROV] != 0, n = o->n;
  double *buf = o->state, *started = o->state + n;
  int first = *started == 0;
  if (momentum != 0) *started = 1;
  for (int i = 0; i < n; i++) {
    double d = sign * g[i];
    if (wd != 0) d += wd * x[i];
    if (momentum != 0) {
      buf[i] = first ? d : buf[i] * momentum + damp * d;
      d = nesterov ? d + momentum * buf[i] : buf[i];
    }
    x[i] += -sx_lr(o, lr, i) * d;
  }
  return SLOPE_OK;
}

/* Nesterov momentum needs momentum > 0 and dampening = 0 (PyTorch's
** constructor rule), checked against the values it is combined with. */
static int sgd_check(slope_optim *o, const double *h) {
  if (h[NESTEROV] == 0 || (h[MOMENTUM] > 0 && h[DAMPENING] == 0)) return SLOPE_OK;
  char m[32], d[32];
  sx_optim_num_text(m, sizeof m, h[MOMENTUM]);
  sx_optim_num_text(d, sizeof d, h[DAMPENING]);
  return sx_error(o->S, SLOPE_ERRARG,
                  "sgd: nesterov requires momentum > 0 and dampening = 0, got momentum %s, dampening %s", m, d);
}

const sx_optim_class sx_optim_sgd = {
  .name = "sgd", .needs = SLOPE_NEEDS_GRAD,
  .about = "stochastic gradient descent, with momentum, dampening and Nesterov momentum",
  .hypers = hypers, .state_per_param = 1, .state_extra = 1, .step = sgd_step, .check = sgd_check,
};
