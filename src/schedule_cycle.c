/*
** schedule_cycle.c -- the cycling schedules, onecycle (OneCycleLR) and
** cyclic (CyclicLR), which also drive momentum (or Adam's beta1).
**
** Both set the rate themselves and ignore the optimizer's: torch's
** OneCycleLR starts from max_lr/div_factor and CyclicLR from base_lr, so the
** 'base' argument of 'slope_schedule_lr' plays no part here.  Formulas
** follow torch 1.13 operation for operation, so values agree to the last
** bit where the C library's cos and pow agree with Python's (same libm).
*/
#include <math.h>

#include "schedule.h"

static const double pi = 3.141592653589793;   /* Python's math.pi */

static const char *const strategies[] = {"cos", "linear", NULL};
static const char *const cyclic_modes[] = {"triangular", "triangular2", "exp_range", NULL};
static const char *const scale_modes[] = {"cycle", "iterations", NULL};


/* ---- onecycle ------------------------------------------------------------------ */

/* onecycle{max_lr, total_steps, pct_start=0.3, anneal_strategy="cos",
** cycle_momentum=true, base_momentum=0.85, max_momentum=0.95,
** div_factor=25, final_div_factor=1e4, three_phase=false} */
enum { OC_MAXLR, OC_TOTAL, OC_PCT, OC_STRATEGY, OC_CYCLE_M, OC_BASE_M, OC_MAX_M, OC_DIV,
       OC_FINAL_DIV, OC_THREE };
static const sx_hyper onecycle_args[] = {
  [OC_MAXLR] = SX_REQ_REAL("max_lr", 0, 1, INFINITY, 0, "the peak rate"),
  [OC_TOTAL] = SX_REQ_INT("total_steps", 1, "steps in the cycle"),
  [OC_PCT] = SX_REAL("pct_start", 0.3, 0, 0, 1, 0, "fraction of the steps spent going up"),
  [OC_STRATEGY] = SX_CHOICE("anneal_strategy", "cos", strategies,
                            "\"cos\" or \"linear\" annealing between phases"),
  [OC_CYCLE_M] = SX_BOOL("cycle_momentum", 1, "drive momentum (or beta1) against the rate"),
  [OC_BASE_M] = SX_REAL("base_momentum", 0.85, 0, 0, 1, 0, "momentum at the peak rate"),
  [OC_MAX_M] = SX_REAL("max_momentum", 0.95, 0, 0, 1, 0, "momentum at the lowest rate"),
  [OC_DIV] = SX_REAL("div_factor", 25, 0, 1, INFINITY, 0, "the starting rate is max_lr/div_factor"),
  [OC_FINAL_DIV] = SX_REAL("final_div_factor", 1e4, 0, 1, INFINITY, 0,
      "the final rate is the starting rate/final_div_factor"),
  [OC_THREE] = SX_BOOL("three_phase", 0, "a third phase annealing down to the final rate"),
};

/* torch's _annealing_cos and _annealing_linear: from 'a' at pct 0 to 'b' at 1. */
static double anneal(const slope_schedule *s, double a, double b, double pct) {
  if (s->v[OC_STRATEGY] == 0) return b + (a - b) / 2.0 * (cos(pi * pct) + 1);
  return (b - a) * pct + a;
}

/*
** The phase holding step t and how far into it t is.  Phase ends are
** torch's floats (pct_start*total_steps - 1, ...), compared with t the same
** way.  Past the last step (where torch raises) the schedule holds its final
** value.  A phase of length zero (pct_start*total_steps = 1, where torch
** divides by zero) counts as finished.
*/
static int onecycle_phase(const slope_schedule *s, long t, double *pct) {
  double total = s->v[OC_TOTAL], p = s->v[OC_PCT];
  double ends[3];
  int n;
  if (s->v[OC_THREE] != 0) {
    ends[0] = p * total - 1;
    ends[1] = 2 * p * total - 2;
    ends[2] = total - 1;
    n = 3;
  } else {
    ends[0] = p * total - 1;
    ends[1] = total - 1;
    n = 2;
  }
  double step = (double)t < total - 1 ? (double)t : total - 1, start = 0;
  int i = 0;
  while (i < n - 1 && !(step <= ends[i])) start = ends[i++];
  *pct = ends[i] == start ? 1.0 : (step - start) / (ends[i] - start);
  return n == 3 ? i : 2 * i;  /* phase numbers of the three-phase layout below */
}

/* Each phase anneals between two of these: {start, end} for lr and momentum.
** Two-phase runs use phases 0 and 2 (warm up, then anneal down to min_lr). */
static void onecycle_at(const slope_schedule *s, long t, double *lr, double *m) {
  double initial = s->v[OC_MAXLR] / s->v[OC_DIV];
  double min_lr = initial / s->v[OC_FINAL_DIV];
  double max_lr = s->v[OC_MAXLR], bm = s->v[OC_BASE_M], mm = s->v[OC_MAX_M];
  double pct;
  int ph = onecycle_phase(s, t, &pct);
  int three = s->v[OC_THREE] != 0;
  const double lrs[3][2] = {{initial, max_lr}, {max_lr, initial}, {three ? initial : max_lr, min_lr}};
  const double ms[3][2] = {{mm, bm}, {bm, mm}, {three ? mm : bm, mm}};
  if (lr) *lr = anneal(s, lrs[ph][0], lrs[ph][1], pct);
  if (m) *m = anneal(s, ms[ph][0], ms[ph][1], pct);
}

static double onecycle_lr(const slope_schedule *s, long t, double base) {
  double lr;
  (void)base;
  onecycle_at(s, t, &lr, NULL);
  return lr;
}

static int onecycle_momentum(const slope_schedule *s, long t, double *m) {
  if (s->v[OC_CYCLE_M] == 0) return 0;
  onecycle_at(s, t, NULL, m);
  return 1;
}

const sx_skind sx_sched_onecycle = {
  .name = "onecycle",
  .about = "up from max_lr/div_factor to max_lr and down again, momentum the other way (OneCycleLR)",
  .args = onecycle_args, .nargs = SX_NARGS(onecycle_args), .lr = onecycle_lr, .momentum = onecycle_momentum,
};

/* ---- cyclic ------------------------------------------------------------------------ */

/* cyclic{base_lr, max_lr, step_size_up=2000, step_size_down=None,
** mode="triangular", gamma=1, scale_mode=by mode, cycle_momentum=true,
** base_momentum=0.8, max_momentum=0.9} */
enum { CY_BASE, CY_MAX, CY_UP, CY_DOWN, CY_MODE, CY_GAMMA, CY_SCALE_MODE, CY_CYCLE_M,
       CY_BASE_M, CY_MAX_M };
static const sx_hyper cyclic_args[] = {
  [CY_BASE] = SX_REQ_REAL("base_lr", 0, 0, INFINITY, 0, "the lowest rate of a cycle"),
  [CY_MAX] = SX_REQ_REAL("max_lr", 0, 0, INFINITY, 0, "the highest rate of a cycle"),
  [CY_UP] = SX_REAL("step_size_up", 2000, 0, 1, INFINITY, 0, "steps going up"),
  [CY_DOWN] = SX_REAL("step_size_down", NAN, 0, 1, INFINITY, 0, "steps going down (None: step_size_up)"),
  [CY_MODE] = SX_CHOICE("mode", "triangular", cyclic_modes,
                        "\"triangular\", \"triangular2\" (halved each cycle) or \"exp_range\" (gamma^t)"),
  [CY_GAMMA] = SX_REAL("gamma", 1, 0, 1, INFINITY, 0, "exp_range's factor per step"),
  [CY_SCALE_MODE] = SX_CHOICE("scale_mode", NULL, scale_modes,   /* NULL: the mode decides */
                              "scale by \"cycle\" or by \"iterations\" (default: by mode)"),
  [CY_CYCLE_M] = SX_BOOL("cycle_momentum", 1, "drive momentum (or beta1) against the rate"),
  [CY_BASE_M] = SX_REAL("base_momentum", 0.8, 0, 0, 1, 0, "momentum at max_lr"),
  [CY_MAX_M] = SX_REAL("max_momentum", 0.9, 0, 0, 1, 0, "momentum at base_lr"),
};

/*
** Where t is in its cycle, as torch computes it: the height factor in [0, 1]
** (0 at the base, 1 at the peak) and the mode's amplitude scale.  torch takes
** scale_mode from the mode unless a custom scale_fn is given; slope has no
** scale_fn, so an explicit scale_mode applies to the mode's own function.
*/
static void cyclic_at(const slope_schedule *s, long t, double *factor, double *scale) {
  double up = s->v[CY_UP];
  double down = sx_sched_given(s, CY_DOWN) ? s->v[CY_DOWN] : up;
  double total = up + down, ratio = up / total;
  double cycle = floor(1 + (double)t / total);
  double x = 1. + (double)t / total - cycle;
  *factor = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
  int mode = (int)s->v[CY_MODE];
  int by_cycle = sx_sched_given(s, CY_SCALE_MODE) ? s->v[CY_SCALE_MODE] == 0 : mode != 2;
  double arg = by_cycle ? cycle : (double)t;
  *scale = mode == 0 ? 1. : mode == 1 ? 1 / pow(2., arg - 1) : pow(s->v[CY_GAMMA], arg);
}

/* Grouped as torch groups it: base + ((max - base)*factor)*scale. */
static double cyclic_lr(const slope_schedule *s, long t, double base) {
  double factor, scale;
  (void)base;
  cyclic_at(s, t, &factor, &scale);
  double height = (s->v[CY_MAX] - s->v[CY_BASE]) * factor;
  return s->v[CY_BASE] + height * scale;
}

/* Momentum moves against the rate: max_momentum at base_lr, base at the peak. */
static int cyclic_momentum(const slope_schedule *s, long t, double *m) {
  double factor, scale;
  if (s->v[CY_CYCLE_M] == 0) return 0;
  cyclic_at(s, t, &factor, &scale);
  double height = (s->v[CY_MAX_M] - s->v[CY_BASE_M]) * factor;
  *m = s->v[CY_MAX_M] - height * scale;
  return 1;
}

const sx_skind sx_sched_cyclic = {
  .name = "cyclic",
  .about = "the rate cycling between base_lr and max_lr, momentum the other way (CyclicLR)",
  .args = cyclic_args, .nargs = SX_NARGS(cyclic_args), .lr = cyclic_lr, .momentum = cyclic_momentum,
};
