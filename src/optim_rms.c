/*
** optim_rms.c -- methods that scale the step by a running size of the
** gradient: rmsprop, adagrad, adadelta (torch.optim.RMSprop, Adagrad,
** Adadelta), with the operations in the order of PyTorch's
** '_single_tensor_*' functions.
*/
#include <math.h>

#include "optim.h"

/* One slot layout for the three kinds; each uses the slots it names. */
enum { LR, WEIGHT_DECAY, MAXIMIZE, EPS, ALPHA, MOMENTUM, CENTERED, LR_DECAY, INITIAL_ACC, RHO };

#define HYPER_LR(d) SX_HYPER(LR, .name = "lr", .n = 1, .def = {d}, .lo = 0, .hi = INFINITY, \
  .about = "learning rate")
#define HYPER_EPS(d) SX_HYPER(EPS, .name = "eps", .n = 1, .def = {d}, .lo = 0, .hi = INFINITY, \
  .about = "added to the denominator, against division by zero")
#define HYPER_NONNEG(s, k, a) SX_HYPER(k, .name = s, .n = 1, .def = {0}, .lo = 0, .hi = INFINITY, .about = a)
#define HYPER_WD HYPER_NONNEG("weight_decay", WEIGHT_DECAY, "L2 penalty: weight_decay*x is added to g")
#define HYPER_BOOL(s, k, a) \
  SX_HYPER(k, .name = s, .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1, .about = a)
#define HYPER_MAXIMIZE HYPER_BOOL("maximize", MAXIMIZE, "ascend: maximize f instead of minimizing it")
#define HYPER_END SX_HYPER_END

static const sx_hyper rmsprop_hypers[] = {
  HYPER_LR(1e-2),
  SX_HYPER(ALPHA, .name = "alpha", .n = 1, .def = {0.99}, .lo = 0, .hi = INFINITY,
           .about = "decay rate of the running mean of g^2"),
  HYPER_EPS(1e-8), HYPER_WD, HYPER_NONNEG("momentum", MOMENTUM, "momentum of the scaled step"),
  HYPER_BOOL("centered", CENTERED, "divide by the variance estimate (mean of g^2 minus squared mean of g)"),
  HYPER_MAXIMIZE, HYPER_END,
};

static const sx_hyper adagrad_hypers[] = {
  HYPER_LR(1e-2), HYPER_NONNEG("lr_decay", LR_DECAY, "the rate at step t is lr/(1 + (t-1)*lr_decay)"), HYPER_WD,
  HYPER_NONNEG("initial_accumulator_value", INITIAL_ACC, "starting value of the sum of g^2"), HYPER_EPS(1e-10),
  HYPER_MAXIMIZE, HYPER_END,
};

static const sx_hyper adadelta_hypers[] = {
  HYPER_LR(1.0),
  SX_HYPER(RHO, .name = "rho", .n = 1, .def = {0.9}, .lo = 0, .hi = 1,
           .about = "decay rate of the running means of g^2 and of the squared steps"),
  HYPER_EPS(1e-6), HYPER_WD, HYPER_MAXIMIZE,
  HYPER_END,
};

/* The gradient negated when maximizing, then L2 weight decay. */
static double grad_of(const double *h, const double *g, const double *x, int i) {
  double d = h[MAXIMIZE] != 0 ? -g[i] : g[i];
  if (h[WEIGHT_DECAY] != 0) d += h[WEIGHT_DECAY] * x[i];
  return d;
}

/* ---- rmsprop: state square average, gradient average, momentum buffer ------- */

static int rmsprop_step(slope_optim *o, double *x, double f, const double *g,
                        const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  const double *h = o->h;
  double alpha = h[ALPHA], eps = h[EPS], momentum = h[MOMENTUM];
  int centered = h[CENTERED] != 0, n = o->n;
  double *square_avg = o->state, *grad_avg = square_avg + n, *buf = grad_avg + n;
  for (int i = 0; i < n; i++) {
    double d = grad_of(h, g, x, i);
    square_avg[i] = square_avg[i] * alpha + (1 - alpha) * d * d;
    double avg;
    if (centered) {
      grad_avg[i] = grad_avg[i] * alpha + (1 - alpha) * d;
      avg = sqrt(square_avg[i] - grad_avg[i] * grad_avg[i]);
    } else avg = sqrt(square_avg[i]);
    avg += eps;
    if (momentum > 0) {
      buf[i] = buf[i] * momentum + d / avg;
      x[i] += -sx_lr(o, lr, i) * buf[i];
    } else x[i] += -sx_lr(o, lr, i) * (d / avg);
  }
  return SLOPE_OK;
}

/* ---- adagrad: state the sum of squares, started at initial_accumulator_value */

static int adagrad_step(slope_optim *o, double *x, double f, const double *g,
                        const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  const double *h = o->h;
  double decay = 1 + ((double)o->t - 1) * h[LR_DECAY], eps = h[EPS];
  int n = o->n;
  double *sum = o->state;
  for (int i = 0; i < n; i++) {
    double d = grad_of(h, g, x, i);
    if (o->t == 1) sum[i] = h[INITIAL_ACC];
    sum[i] += d * d;
    double std = sqrt(sum[i]) + eps;
    x[i] += -(sx_lr(o, lr, i) / decay) * (d / std);
  }
  return SLOPE_OK;
}

/* ---- adadelta: state square average, accumulated squared update ------------- */

static int adadelta_step(slope_optim *o, double *x, double f, const double *g,
                         const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  const double *h = o->h;
  double rho = h[RHO], eps = h[EPS];
  int n = o->n;
  double *square_avg = o->state, *acc_delta = square_avg + n;
  for (int i = 0; i < n; i++) {
    double d = grad_of(h, g, x, i);
    square_avg[i] = square_avg[i] * rho + (1 - rho) * d * d;
    double std = sqrt(square_avg[i] + eps);
    double delta = sqrt(acc_delta[i] + eps) / std * d;
    acc_delta[i] = acc_delta[i] * rho + (1 - rho) * delta * delta;
    x[i] += -sx_lr(o, lr, i) * delta;
  }
  return SLOPE_OK;
}

const sx_optim_class sx_optim_rmsprop = {
  .name = "rmsprop", .needs = SLOPE_NEEDS_GRAD,
  .about = "RMSprop (Hinton): steps scaled by a running mean of squared gradients",
  .hypers = rmsprop_hypers, .state_per_param = 3, .step = rmsprop_step,
};
const sx_optim_class sx_optim_adagrad = {
  .name = "adagrad", .needs = SLOPE_NEEDS_GRAD,
  .about = "Adagrad (Duchi et al. 2011): steps scaled by accumulated squared gradients",
  .hypers = adagrad_hypers, .state_per_param = 1, .step = adagrad_step,
};
const sx_optim_class sx_optim_adadelta = {
  .name = "adadelta", .needs = SLOPE_NEEDS_GRAD,
  .about = "Adadelta (Zeiler 2012): step sizes from running averages, no learning rate needed",
  .hypers = adadelta_hypers, .state_per_param = 2, .step = adadelta_step,
};
