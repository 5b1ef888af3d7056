/*
** schedule_decay.c -- the decaying schedules: constant, step, multistep,
** exponential, inverse, cosine, cosine_restarts, linear and poly, each an
** argument table and a closed form of (t, base) as torch.optim.lr_scheduler
** computes it (see schedule.c on the closed forms).
*/
#include <limits.h>
#include <math.h>

#include "schedule.h"

static const double pi = 3.141592653589793;   /* Python's math.pi */

/* constant{factor=1/3, total_iters=5} (ConstantLR) */
enum { CO_FACTOR, CO_TOTAL };
static const sx_hyper constant_args[] = {
  [CO_FACTOR] = SX_REAL("factor", 1.0 / 3, 0, 0, 1, 0, "multiplies the rate until total_iters"),
  [CO_TOTAL] = SX_INT("total_iters", 5, 0, "steps at the reduced rate"),
};
/* torch multiplies by factor at t = 0 and by 1/factor at total_iters, which
** gives 'base' back to rounding; slope gives 'base' itself. */
static double constant_lr(const slope_schedule *s, long t, double base) {
  return (double)t < s->v[CO_TOTAL] ? base * s->v[CO_FACTOR] : base;
}

/* step{step_size, gamma=0.1} (StepLR) */
enum { ST_SIZE, ST_GAMMA };
static const sx_hyper step_args[] = {
  [ST_SIZE] = SX_REQ_INT("step_size", 1, "steps between decays"),
  [ST_GAMMA] = SX_REAL("gamma", 0.1, 0, 1, INFINITY, 0, "multiplies the rate at each decay"),
};
static double step_lr(const slope_schedule *s, long t, double base) {
  long k = t / (long)s->v[ST_SIZE];
  return base * pow(s->v[ST_GAMMA], (double)k);
}

/* multistep{milestones, gamma=0.1} (MultiStepLR); the list is in 's->ms' */
enum { MS_MILESTONES, MS_GAMMA };
static const sx_hyper multistep_args[] = {
  [MS_MILESTONES] = SX_REQ_LIST("milestones", "increasing steps at which the rate decays"),
  [MS_GAMMA] = SX_REAL("gamma", 0.1, 0, 1, INFINITY, 0, "multiplies the rate at each milestone"),
};

static double multistep_lr(const slope_schedule *s, long t, double base) {
  return base * pow(s->v[MS_GAMMA], sx_sched_passed(s->ms, s->nms, t));
}

/* exponential{gamma} (ExponentialLR) */
static const sx_hyper exponential_args[] = {
  SX_REQ_REAL("gamma", 0, 1, INFINITY, 0, "multiplies the rate every step"),
};
static double exponential_lr(const slope_schedule *s, long t, double base) {
  return base * pow(s->v[0], (double)t);
}

/* inverse{rate}: base/(1 + rate*t), slope's own (the classic annealing decay) */
static const sx_hyper inverse_args[] = {
  SX_REQ_REAL("rate", 0, 0, INFINITY, 0, "the rate at step t is base/(1 + rate*t)"),
};
static double inverse_lr(const slope_schedule *s, long t, double base) {
  return base / (1 + s->v[0] * (double)t);
}

/*
** cosine{T_max, eta_min=0} (CosineAnnealingLR).  Past T_max torch's
** recursive form keeps following the same cosine (back up to base at
** 2*T_max, and so on), which is exactly this closed form's periodic
** continuation; the operations are ordered as in torch's closed form.
*/
enum { CS_TMAX, CS_ETA };
static const sx_hyper cosine_args[] = {
  [CS_TMAX] = SX_REQ_INT("T_max", 1, "steps from the rate down to eta_min"),
  [CS_ETA] = SX_REAL("eta_min", 0, 0, 0, INFINITY, 0, "the lowest rate"),
};
static double cosine_lr(const slope_schedule *s, long t, double base) {
  double eta = s->v[CS_ETA];
  return eta + (base - eta) * (1 + cos(pi * (double)t / s->v[CS_TMAX])) / 2;
}

/* cosine_restarts{T_0, T_mult=1, eta_min=0} (CosineAnnealingWarmRestarts,
** stepped by whole epochs, so the cycle position is integer arithmetic). */
enum { CR_T0, CR_TMULT, CR_ETA };
static const sx_hyper restarts_args[] = {
  [CR_T0] = SX_REQ_INT("T_0", 1, "steps of the first cycle"),
  [CR_TMULT] = SX_INT("T_mult", 1, 1, "each cycle is this many times longer than the last"),
  [CR_ETA] = SX_REAL("eta_min", 0, 0, 0, INFINITY, 0, "the lowest rate"),
};
static double restarts_lr(const slope_schedule *s, long t, double base) {
  long ti = (long)s->v[CR_T0], mult = (long)s->v[CR_TMULT], cur = t;
  double tid = (double)ti;
  if (mult == 1) cur = t % ti;
  else while (cur >= ti) {
    cur -= ti;
    if (ti > LONG_MAX / mult) {   /* the next cycle is longer than any step count */
      tid = (double)ti * (double)mult;
      break;
    }
    ti *= mult;
    tid = (double)ti;
  }
  double eta = s->v[CR_ETA];
  return eta + (base - eta) * (1 + cos(pi * (double)cur / tid)) / 2;
}

/* linear{start_factor=1/3, end_factor=1, total_iters=5} (LinearLR) */
enum { LI_START, LI_END, LI_TOTAL };
static const sx_hyper linear_args[] = {
  [LI_START] = SX_REAL("start_factor", 1.0 / 3, 0, 1, 1, 0, "factor at step 0"),
  [LI_END] = SX_REAL("end_factor", 1, 0, 0, 1, 0, "factor from total_iters on"),
  [LI_TOTAL] = SX_INT("total_iters", 5, 1, "steps from start_factor to end_factor"),
};
static double linear_lr(const slope_schedule *s, long t, double base) {
  double a = s->v[LI_START], b = s->v[LI_END], total = s->v[LI_TOTAL];
  double k = (double)t < total ? (double)t : total;
  return base * (a + (b - a) * k / total);
}

/* poly{total_iters=5, power=1} (PolynomialLR) */
enum { PO_TOTAL, PO_POWER };
static const sx_hyper poly_args[] = {
  [PO_TOTAL] = SX_INT("total_iters", 5, 1, "steps until the rate reaches 0"),
  [PO_POWER] = SX_REAL("power", 1, 0, 0, INFINITY, 0, "power of the polynomial"),
};
static double poly_lr(const slope_schedule *s, long t, double base) {
  double total = s->v[PO_TOTAL];
  double k = (double)t < total ? (double)t : total;
  return base * pow(1.0 - k / total, s->v[PO_POWER]);
}

const sx_skind sx_sched_constant = {
  .name = "constant",
  .about = "the rate times factor for the first total_iters steps, then the rate (ConstantLR)",
  .args = constant_args, .nargs = SX_NARGS(constant_args), .lr = constant_lr,
};
const sx_skind sx_sched_step = {
  .name = "step",
  .about = "the rate times gamma every step_size steps (StepLR)",
  .args = step_args, .nargs = SX_NARGS(step_args), .lr = step_lr,
};
const sx_skind sx_sched_multistep = {
  .name = "multistep",
  .about = "the rate times gamma at each of the milestones (MultiStepLR)",
  .args = multistep_args, .nargs = SX_NARGS(multistep_args), .lr = multistep_lr,
};
const sx_skind sx_sched_exponential = {
  .name = "exponential",
  .about = "the rate times gamma^t (ExponentialLR)",
  .args = exponential_args, .nargs = SX_NARGS(exponential_args), .lr = exponential_lr,
};
const sx_skind sx_sched_inverse = {
  .name = "inverse",
  .about = "base/(1 + rate*t), the classic annealing decay",
  .args = inverse_args, .nargs = SX_NARGS(inverse_args), .lr = inverse_lr,
};
const sx_skind sx_sched_cosine = {
  .name = "cosine",
  .about = "half a cosine from the rate down to eta_min over T_max steps (CosineAnnealingLR)",
  .args = cosine_args, .nargs = SX_NARGS(cosine_args), .lr = cosine_lr,
};
const sx_skind sx_sched_cosine_restarts = {
  .name = "cosine_restarts",
  .about = "cosine decays restarting every T_0 steps, T_mult times longer each time "
           "(CosineAnnealingWarmRestarts)",
  .args = restarts_args, .nargs = SX_NARGS(restarts_args), .lr = restarts_lr,
};
const sx_skind sx_sched_linear = {
  .name = "linear",
  .about = "the rate times a factor going linearly from start_factor to end_factor (LinearLR)",
  .args = linear_args, .nargs = SX_NARGS(linear_args), .lr = linear_lr,
};
const sx_skind sx_sched_poly = {
  .name = "poly",
  .about = "the rate times (1 - t/total_iters)^power (PolynomialLR)",
  .args = poly_args, .nargs = SX_NARGS(poly_args), .lr = poly_lr,
};
