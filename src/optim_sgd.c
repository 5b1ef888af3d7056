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
  {.name = "lr", .slot = LR, .n = 1, .def = {1e-3}, .lo = 0, .hi = INFINITY},
  {.name = "momentum", .slot = MOMENTUM, .n = 1, .def = {0}, .lo = 0, .hi = INFINITY},
  {.name = "dampening", .slot = DAMPENING, .n = 1, .def = {0}, .lo = -INFINITY, .hi = INFINITY},
  {.name = "weight_decay", .slot = WEIGHT_DECAY, .n = 1, .def = {0}, .lo = 0, .hi = INFINITY},
  {.name = "nesterov", .slot = NESTEROV, .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1},
  {.name = "maximize", .slot = MAXIMIZE, .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1},
  {.name = NULL},
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

const sx_optim_class sx_optim_sgd = {
  .name = "sgd", .hypers = hypers, .state_per_param = 1, .state_extra = 1, .step = sgd_step,
};
