/*
** optim_rprop.c -- resilient backpropagation (torch.optim.Rprop).
**
** Only the sign of the gradient is used.  Each parameter has its own step
** size, multiplied by etas[1] while the gradient keeps its sign and by etas[0]
** when it flips, clamped to step_sizes; after a flip the gradient counts as
** zero for this step (no move) and for the next sign comparison.
*/
#include <math.h>

#include "optim.h"

enum { LR, ETAMINUS, ETAPLUS, STEP_MIN, STEP_MAX, MAXIMIZE };

/* The open ranges of etas (0 < etas[0] < 1 < etas[1]) are checked in optim.c. */
static const sx_hyper hypers[] = {
  {.name = "lr", .slot = LR, .n = 1, .def = {1e-2}, .lo = 0, .hi = INFINITY},
  {.name = "etas", .slot = ETAMINUS, .n = 2, .def = {0.5, 1.2}, .lo = 0, .hi = INFINITY, .lo_open = 1},
  {.name = "step_sizes", .slot = STEP_MIN, .n = 2, .def = {1e-6, 50}, .lo = 0, .hi = INFINITY},
  {.name = "maximize", .slot = MAXIMIZE, .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1},
  {.name = NULL},
};

/* State: the previous (possibly zeroed) gradient and the step size per
** parameter.  The step sizes start at this step's lr on the first step, as
** PyTorch fills them with the group's lr when it creates the state. */
static int rprop_step(slope_optim *o, double *x, double f, const double *g,
                      const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  const double *h = o->h;
  double etaminus = h[ETAMINUS], etaplus = h[ETAPLUS], lo = h[STEP_MIN], hi = h[STEP_MAX];
  double sign = h[MAXIMIZE] != 0 ? -1 : 1;
  int n = o->n;
  double *prev = o->state, *step = prev + n;
  for (int i = 0; i < n; i++) {
    if (o->t == 1) {
      prev[i] = 0;
      step[i] = sx_lr(o, lr, i);
    }
    double d = sign * g[i], same = d * prev[i];
    double eta = same > 0 ? etaplus : same < 0 ? etaminus : 1;
    double s = step[i] * eta;
    step[i] = s < lo ? lo : s > hi ? hi : s;   /* clamp_(min, max) */
    if (same < 0) d = 0;
    x[i] += -1 * ((d > 0) - (d < 0)) * step[i];
    prev[i] = d;
  }
  return SLOPE_OK;
}

const sx_optim_class sx_optim_rprop = {
  .name = "rprop", .hypers = hypers, .state_per_param = 2, .step = rprop_step,
};
