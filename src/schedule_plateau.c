/*
** schedule_plateau.c -- plateau (ReduceLROnPlateau), the schedule that
** follows a metric instead of the step count: 'slope_schedule_observe'
** counts its reductions, kept in the schedule (best, bad, cooldown,
** reductions), and the rate replays them from 'base'.
*/
#include <math.h>

#include "schedule.h"

/*
** plateau{factor=0.1, patience=10, threshold=1e-4, mode="min",
** threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8} (ReduceLROnPlateau).
** The only stateful kind: 'slope_schedule_observe' counts reductions, and
** the rate replays them from 'base', because min_lr and eps make each one
** depend on the rate it starts from (and parameters may differ in base).
*/
enum { PL_FACTOR, PL_PATIENCE, PL_THRESHOLD, PL_MODE, PL_TMODE, PL_COOLDOWN,
       PL_MINLR, PL_EPS };
static const char *const min_max[] = {"min", "max", NULL};
static const char *const rel_abs[] = {"rel", "abs", NULL};
static const sx_hyper plateau_args[] = {
  [PL_FACTOR] = SX_REAL("factor", 0.1, 0, 0, 1, 1, "multiplies the rate at each reduction"),
  [PL_PATIENCE] = SX_INT("patience", 10, 0, "observations without improvement before a reduction"),
  [PL_THRESHOLD] = SX_REAL("threshold", 1e-4, 0, 0, INFINITY, 0, "how much better counts as an improvement"),
  [PL_MODE] = SX_CHOICE("mode", "min", min_max, "\"min\": lower metric is better; \"max\": higher"),
  [PL_TMODE] = SX_CHOICE("threshold_mode", "rel", rel_abs,
                         "\"rel\": threshold is relative to the best; \"abs\": absolute"),
  [PL_COOLDOWN] = SX_INT("cooldown", 0, 0, "observations after a reduction before counting again"),
  [PL_MINLR] = SX_REAL("min_lr", 0, 0, 0, INFINITY, 0, "the rate is never reduced below it"),
  [PL_EPS] = SX_REAL("eps", 1e-8, 0, 0, INFINITY, 0, "reductions smaller than it are skipped"),
};

static double plateau_lr(const slope_schedule *s, long t, double base) {
  double lr = base;
  (void)t;
  for (long k = 0; k < s->reductions; k++) {
    double next = lr * s->v[PL_FACTOR];
    if (s->v[PL_MINLR] > next) next = s->v[PL_MINLR];
    if (!(lr - next > s->v[PL_EPS])) break;   /* torch skips it, and every later one */
    lr = next;
  }
  return lr;
}

/* torch's is_better, operation for operation (the infinities included). */
static int plateau_better(const slope_schedule *s, double a) {
  double th = s->v[PL_THRESHOLD];
  int rel = s->v[PL_TMODE] == 0;
  if (s->v[PL_MODE] == 0) return rel ? a < s->best * (1. - th) : a < s->best - th;
  return rel ? a > s->best * (th + 1.) : a > s->best + th;
}

/* One ReduceLROnPlateau.step(metric), its counters exactly as torch keeps them. */
static void plateau_observe(slope_schedule *s, double metric) {
  if (isnan(s->best))   /* the first observation: start from torch's "mode_worse" */
    s->best = s->v[PL_MODE] == 0 ? INFINITY : -INFINITY;
  if (plateau_better(s, metric)) {
    s->best = metric;
    s->bad = 0;
  } else s->bad++;
  if (s->cooldown > 0) {
    s->cooldown--;
    s->bad = 0;
  }
  if (s->bad > (long)s->v[PL_PATIENCE]) {
    s->reductions++;
    s->cooldown = (long)s->v[PL_COOLDOWN];
    s->bad = 0;
  }
}

const sx_skind sx_sched_plateau = {
  .name = "plateau",
  .about = "the rate times factor when the metric stops improving for patience observations "
           "(ReduceLROnPlateau)",
  .args = plateau_args, .nargs = SX_NARGS(plateau_args), .lr = plateau_lr, .observe = plateau_observe,
};
