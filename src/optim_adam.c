/*
** optim_adam.c -- the Adam family: adam, adamw, adamax, nadam, radam.
**
** All five keep the same first and second moments
**   m = beta1*m + (1-beta1)*g,   v = beta2*v + (1-beta2)*g*g
** and differ in how they turn them into a step; the operations follow the
** order of PyTorch's '_single_tensor_*' functions so trajectories agree to
** rounding.  Two deliberate departures from torch 1.13, both PyTorch 2.x
** behaviour: NAdam's momentum product counts mu_t once (1.13 counts it twice
** in mu_product_next), and NAdam and RAdam take 'maximize' like the others.
*/
#include <math.h>

#include "optim.h"

/*
** b^t for the bias corrections.  Once b^t is below the smallest subnormal it
** is exactly 0, and glibc's pow takes a slow underflow path to say so: skip it.
** The results are the same bits as pow's.  log(b) >= (b - 1)/b, so the
** cheap bound rules out underflow on most steps without calling log (which
** was a tenth of a step of opt:step).
*/
static double decay_pow(double b, double t) {
  if (b > 0 && b < 1 && t * (b - 1) / b < -746 && t * log(b) < -746) return 0;
  return pow(b, t);
}

/*
** 1 - b^t, a bias correction (0 <= b < 1, t >= 1).  Once b^t <= 2^-55 the
** difference rounds to exactly 1 (the double below 1 is 1 - 2^-53), and it
** stays 1 at every later step: skip pow then, for the same bits.  log(b) <=
** b - 1, so t*(b - 1) <= -38.2 (below 55*log(2) = 38.12) proves it without a
** log.  Adam's first moment (b = 0.9) gets there after 382 steps, the second
** (0.999) after 38,200: a long run pays for pow on its first steps only.
*/
static double bias_correction(double b, double t) {
  if (t * (b - 1) <= -38.2) return 1;
  return 1 - pow(b, t);   /* b^t is far from underflow here */
}

/* One slot layout for the whole family; a kind leaves the slots it lacks unused. */
enum { LR, BETA1, BETA2, EPS, WEIGHT_DECAY, AMSGRAD, MAXIMIZE, MOMENTUM_DECAY };

#define HYPER_LR(d) SX_HYPER(LR, .name = "lr", .n = 1, .def = {d}, .lo = 0, .hi = INFINITY, \
  .about = "learning rate")
#define HYPER_BETAS SX_HYPER(BETA1, .name = "betas", .n = 2, .def = {0.9, 0.999}, \
  .lo = 0, .hi = 1, .hi_open = 1, .lo2 = 0, .hi2 = 1, .hi2_open = 1, \
  .about = "decay rates of the running mean of g and of g^2")
#define HYPER_EPS SX_HYPER(EPS, .name = "eps", .n = 1, .def = {1e-8}, .lo = 0, .hi = INFINITY, \
  .about = "added to the denominator, against division by zero")
#define HYPER_WD(d) SX_HYPER(WEIGHT_DECAY, .name = "weight_decay", .n = 1, .def = {d}, \
  .lo = 0, .hi = INFINITY, \
  .about = "L2 penalty (decoupled, on the parameter, in adamw)")
#define HYPER_BOOL(s, k, a) \
  SX_HYPER(k, .name = s, .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1, .about = a)
#define HYPER_MAXIMIZE HYPER_BOOL("maximize", MAXIMIZE, "ascend: maximize f instead of minimizing it")
#define HYPER_AMSGRAD HYPER_BOOL("amsgrad", AMSGRAD, "divide by the largest second moment so far (AMSGrad)")
#define HYPER_END SX_HYPER_END

static const sx_hyper adam_hypers[] = {
  HYPER_LR(1e-3), HYPER_BETAS, HYPER_EPS, HYPER_WD(0), HYPER_AMSGRAD,
  HYPER_MAXIMIZE, HYPER_END,
};

static const sx_hyper adamw_hypers[] = {
  HYPER_LR(1e-3), HYPER_BETAS, HYPER_EPS, HYPER_WD(1e-2), HYPER_AMSGRAD,
  HYPER_MAXIMIZE, HYPER_END,
};

static const sx_hyper adamax_hypers[] = {
  HYPER_LR(2e-3), HYPER_BETAS, HYPER_EPS, HYPER_WD(0), HYPER_MAXIMIZE, HYPER_END,
};

static const sx_hyper nadam_hypers[] = {
  HYPER_LR(2e-3), HYPER_BETAS, HYPER_EPS, HYPER_WD(0),
  SX_HYPER(MOMENTUM_DECAY, .name = "momentum_decay", .n = 1, .def = {4e-3}, .lo = 0, .hi = INFINITY,
           .about = "how fast the momentum schedule approaches beta1"),
  HYPER_MAXIMIZE, HYPER_END,
};

static const sx_hyper radam_hypers[] = {
  HYPER_LR(1e-3), HYPER_BETAS, HYPER_EPS, HYPER_WD(0), HYPER_MAXIMIZE, HYPER_END,
};

/* The gradient as every rule sees it: negated when maximizing, then L2 decay
** (except AdamW, which decays the parameter instead). */
static double grad_of(const double *h, const double *g, const double *x, int i) {
  double d = h[MAXIMIZE] != 0 ? -g[i] : g[i];
  if (h[WEIGHT_DECAY] != 0) d += h[WEIGHT_DECAY] * x[i];
  return d;
}

/* ---- adam, adamw: state m, v, max v per parameter ------------------------------ */

static void adam_update(slope_optim *o, double *x, const double *g, const double *lr, int decoupled) {
  const double *h = o->h;
  double b1 = h[BETA1], b2 = h[BETA2], eps = h[EPS], wd = h[WEIGHT_DECAY];
  double t = (double)o->t;
  double bc1 = bias_correction(b1, t), bc2_sqrt = sqrt(bias_correction(b2, t));
  int amsgrad = h[AMSGRAD] != 0, n = o->n;
  double *m = o->state, *v = m + n, *vmax = v + n;
  for (int i = 0; i < n; i++) {
    double lri = sx_lr(o, lr, i), d;
    if (decoupled) {
      d = h[MAXIMIZE] != 0 ? -g[i] : g[i];
      x[i] *= 1 - lri * wd;
    } else d = grad_of(h, g, x, i);
    m[i] = m[i] * b1 + (1 - b1) * d;
    v[i] = v[i] * b2 + (1 - b2) * d * d;
    double vi = v[i];
    if (amsgrad) {
      if (!(vmax[i] >= vi)) vmax[i] = vi;   /* torch.maximum: NaN wins */
      vi = vmax[i];
    }
    double denom = sqrt(vi) / bc2_sqrt + eps;
    x[i] += -(lri / bc1) * (m[i] / denom);
  }
}

static int adam_step(slope_optim *o, double *x, double f, const double *g,
                     const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  adam_update(o, x, g, lr, 0);
  return SLOPE_OK;
}

static int adamw_step(slope_optim *o, double *x, double f, const double *g,
                      const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  adam_update(o, x, g, lr, 1);
  return SLOPE_OK;
}

/* ---- adamax: state m and the infinity norm u ---------------------------------- */

static int adamax_step(slope_optim *o, double *x, double f, const double *g,
                       const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  const double *h = o->h;
  double b1 = h[BETA1], b2 = h[BETA2], eps = h[EPS];
  double bc = bias_correction(b1, (double)o->t);
  int n = o->n;
  double *m = o->state, *u = m + n;
  for (int i = 0; i < n; i++) {
    double d = grad_of(h, g, x, i);
    m[i] = m[i] * b1 + (1 - b1) * d;
    double decayed = u[i] * b2, a = fabs(d) + eps;
    u[i] = decayed >= a || isnan(decayed) ? decayed : a;   /* torch.amax: NaN wins */
    x[i] += -(sx_lr(o, lr, i) / bc) * (m[i] / u[i]);
  }
  return SLOPE_OK;
}

/* ---- nadam: state m, v per parameter, then the momentum product ---------------- */

static int nadam_step(slope_optim *o, double *x, double f, const double *g,
                      const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  const double *h = o->h;
  double b1 = h[BETA1], b2 = h[BETA2], eps = h[EPS], psi = h[MOMENTUM_DECAY];
  double t = (double)o->t;
  int n = o->n;
  double *m = o->state, *v = m + n, *mu_product = v + n;
  if (o->t == 1) *mu_product = 1;
  double bc2 = bias_correction(b2, t);
  double mu = b1 * (1. - 0.5 * pow(0.96, t * psi));
  double mu_next = b1 * (1. - 0.5 * pow(0.96, (t + 1) * psi));
  *mu_product *= mu;
  double mu_product_next = *mu_product * mu_next;   /* PyTorch 2.0's fix: mu_t counted once */
  for (int i = 0; i < n; i++) {
    double lri = sx_lr(o, lr, i), d = grad_of(h, g, x, i);
    m[i] = m[i] * b1 + (1 - b1) * d;
    v[i] = v[i] * b2 + (1 - b2) * d * d;
    double denom = sqrt(v[i] / bc2) + eps;
    x[i] += -lri * (1. - mu) / (1. - *mu_product) * (d / denom);
    x[i] += -lri * mu_next / (1. - mu_product_next) * (m[i] / denom);
  }
  return SLOPE_OK;
}

/* ---- radam: state m, v; plain momentum until the variance is tractable -------- */

static int radam_step(slope_optim *o, double *x, double f, const double *g,
                      const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f, (void)obj, (void)rng;
  const double *h = o->h;
  double b1 = h[BETA1], b2 = h[BETA2], eps = h[EPS];
  double t = (double)o->t;
  int n = o->n;
  double *m = o->state, *v = m + n;
  double bc1 = bias_correction(b1, t), bc2 = bias_correction(b2, t);
  /* length of the approximated simple moving average, and its limit */
  double rho_inf = 2 / (1 - b2) - 1;
  double rho_t = rho_inf - 2 * t * decay_pow(b2, t) / bc2;
  int rectify = rho_t > 5.;
  double rect = rectify ? sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0;
  double bc2_sqrt = sqrt(bc2);
  for (int i = 0; i < n; i++) {
    double d = grad_of(h, g, x, i);
    m[i] = m[i] * b1 + (1 - b1) * d;
    v[i] = v[i] * b2 + (1 - b2) * d * d;
    double step = m[i] / bc1 * sx_lr(o, lr, i);
    if (rectify) step = step * (bc2_sqrt / (sqrt(v[i]) + eps)) * rect;
    x[i] -= step;
  }
  return SLOPE_OK;
}

const sx_optim_class sx_optim_adam = {
  .name = "adam", .needs = SLOPE_NEEDS_GRAD,
  .about = "Adam (Kingma & Ba 2015): per-parameter steps from running moments, amsgrad variant",
  .hypers = adam_hypers, .state_per_param = 3, .step = adam_step,
};
const sx_optim_class sx_optim_adamw = {
  .name = "adamw", .needs = SLOPE_NEEDS_GRAD,
  .about = "Adam with decoupled weight decay (Loshchilov & Hutter 2019)",
  .hypers = adamw_hypers, .state_per_param = 3, .step = adamw_step,
};
const sx_optim_class sx_optim_adamax = {
  .name = "adamax", .needs = SLOPE_NEEDS_GRAD,
  .about = "Adamax: Adam with the infinity norm",
  .hypers = adamax_hypers, .state_per_param = 2, .step = adamax_step,
};
const sx_optim_class sx_optim_nadam = {
  .name = "nadam", .needs = SLOPE_NEEDS_GRAD,
  .about = "NAdam: Adam with Nesterov momentum (PyTorch 2.0 momentum product)",
  .hypers = nadam_hypers, .state_per_param = 2, .state_extra = 1, .step = nadam_step,
};
const sx_optim_class sx_optim_radam = {
  .name = "radam", .needs = SLOPE_NEEDS_GRAD,
  .about = "RAdam: Adam with a rectified adaptive learning rate",
  .hypers = radam_hypers, .state_per_param = 2, .step = radam_step,
};
