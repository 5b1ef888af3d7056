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

static const sx_hyper hypers[] = {
  SX_HYPER(LR, .name = "lr", .n = 1, .def = {1e-2}, .lo = 0, .hi = INFINITY,
           .about = "starting step size"),
  SX_HYPER(ETAMINUS, .name = "etas", .n = 2, .def = {0.5, 1.2},
           .lo = 0, .hi = 1, .lo_open = 1, .hi_open = 1, .lo2 = 1, .hi2 = INFINITY, .lo2_open = 1,
           .about = "step size factors when the gradient changes sign and when it keeps it"),
  SX_HYPER(STEP_MIN, .name = "step_sizes", .n = 2, .def = {1e-6, 50},
           .lo = 0, .hi = INFINITY, .lo2 = 0, .hi2 = INFINITY,
           .about = "smallest and largest step size"),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER_END,
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

/* step_sizes are (min, max). */
static int rprop_check(slope_optim *o, const double *h) {
  if (h[STEP_MIN] <= h[STEP_MAX]) return SLOPE_OK;
  char a[32], b[32];
  sx_optim_num_text(a, sizeof a, h[STEP_MIN]);
  sx_optim_num_text(b, sizeof b, h[STEP_MAX]);
  return sx_error(o->S, SLOPE_ERRARG,
                  "rprop: step_sizes must satisfy step_sizes[1] <= step_sizes[2], got %s, %s", a, b);
}

const sx_optim_class sx_optim_rprop = {
  .name = "rprop", .needs = SLOPE_NEEDS_GRAD,
  .about = "Rprop: per-parameter steps grown or shrunk by the sign of the gradient",
  .hypers = hypers, .state_per_param = 2, .step = rprop_step, .check = rprop_check,
};
