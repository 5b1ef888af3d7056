/*
** schedule.c -- learning-rate schedules with torch.optim.lr_scheduler's
** names, defaults and values.
**
** torch defines most schedulers recursively (the "chainable form": lr_t is
** computed from lr_{t-1}).  slope evaluates the equivalent closed form
** instead, so a schedule is a pure function of the step count t and base
** learning rate: resuming, composing or evaluating out of order cannot
** drift.  The two agree to rounding; tests/test_schedule.c checks every kind
** against values recorded from torch 1.13.
**
** Here: the object, argument setting and checking (table-driven, one table
** per kind), the simple decays, plateau, sequential and host functions.
** The cycling kinds are in schedule_cycle.c.
*/
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"
#include "suggest.h"

static const double pi = 3.141592653589793;   /* Python's math.pi */
#define INT_MAX_ARG 0x1p53   /* integers stay exact in a double up to here */

/* ---- kinds and their arguments -------------------------------------------- */

#define REAL(name, def, lo, lo_open, hi, hi_open) \
  { name, SX_SA_REAL, 0, def, lo, hi, lo_open, hi_open, NULL }
#define REQ_REAL(name, lo, lo_open, hi, hi_open) \
  { name, SX_SA_REAL, 1, NAN, lo, hi, lo_open, hi_open, NULL }
#define INT(name, def, lo) { name, SX_SA_INT, 0, def, lo, INT_MAX_ARG, 0, 0, NULL }
#define REQ_INT(name, lo) { name, SX_SA_INT, 1, NAN, lo, INT_MAX_ARG, 0, 0, NULL }
#define CHOICE(name, def, list) { name, SX_SA_CHOICE, 0, def, 0, 0, 0, 0, list }
#define NARGS(a) ((int)(sizeof a / sizeof a[0]))

/* constant{factor=1/3, total_iters=5} (ConstantLR) */
enum { CO_FACTOR, CO_TOTAL };
static const sx_sarg constant_args[] = {
  [CO_FACTOR] = REAL("factor", 1.0 / 3, 0, 0, 1, 0),
  [CO_TOTAL] = INT("total_iters", 5, 0),
};
/* torch multiplies by factor at t = 0 and by 1/factor at total_iters, which
** gives 'base' back to rounding; slope gives 'base' itself. */
static double constant_lr(const slope_schedule *s, long t, double base) {
  return (double)t < s->v[CO_TOTAL] ? base * s->v[CO_FACTOR] : base;
}

/* step{step_size, gamma=0.1} (StepLR) */
enum { ST_SIZE, ST_GAMMA };
static const sx_sarg step_args[] = {
  [ST_SIZE] = REQ_INT("step_size", 1),
  [ST_GAMMA] = REAL("gamma", 0.1, 0, 1, INFINITY, 0),
};
static double step_lr(const slope_schedule *s, long t, double base) {
  long k = t / (long)s->v[ST_SIZE];
  return base * pow(s->v[ST_GAMMA], (double)k);
}

/* multistep{milestones, gamma=0.1} (MultiStepLR); the list is in 's->ms' */
enum { MS_MILESTONES, MS_GAMMA };
static const sx_sarg multistep_args[] = {
  [MS_MILESTONES] = { "milestones", SX_SA_LIST, 1, NAN, 0, INT_MAX_ARG, 0, 0, NULL },
  [MS_GAMMA] = REAL("gamma", 0.1, 0, 1, INFINITY, 0),
};

/* How many of the increasing 'ms' are <= t (Python's bisect_right). */
static int passed(const long *ms, int n, long t) {
  int lo = 0, hi = n;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (ms[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static double multistep_lr(const slope_schedule *s, long t, double base) {
  return base * pow(s->v[MS_GAMMA], passed(s->ms, s->nms, t));
}

/* exponential{gamma} (ExponentialLR) */
static const sx_sarg exponential_args[] = { REQ_REAL("gamma", 0, 1, INFINITY, 0) };
static double exponential_lr(const slope_schedule *s, long t, double base) {
  return base * pow(s->v[0], (double)t);
}

/* inverse{rate}: base/(1 + rate*t), slope's own (the classic annealing decay) */
static const sx_sarg inverse_args[] = { REQ_REAL("rate", 0, 0, INFINITY, 0) };
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
static const sx_sarg cosine_args[] = {
  [CS_TMAX] = REQ_INT("T_max", 1),
  [CS_ETA] = REAL("eta_min", 0, 0, 0, INFINITY, 0),
};
static double cosine_lr(const slope_schedule *s, long t, double base) {
  double eta = s->v[CS_ETA];
  return eta + (base - eta) * (1 + cos(pi * (double)t / s->v[CS_TMAX])) / 2;
}

/* cosine_restarts{T_0, T_mult=1, eta_min=0} (CosineAnnealingWarmRestarts,
** stepped by whole epochs, so the cycle position is integer arithmetic). */
enum { CR_T0, CR_TMULT, CR_ETA };
static const sx_sarg restarts_args[] = {
  [CR_T0] = REQ_INT("T_0", 1),
  [CR_TMULT] = INT("T_mult", 1, 1),
  [CR_ETA] = REAL("eta_min", 0, 0, 0, INFINITY, 0),
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
static const sx_sarg linear_args[] = {
  [LI_START] = REAL("start_factor", 1.0 / 3, 0, 1, 1, 0),
  [LI_END] = REAL("end_factor", 1, 0, 0, 1, 0),
  [LI_TOTAL] = INT("total_iters", 5, 1),
};
static double linear_lr(const slope_schedule *s, long t, double base) {
  double a = s->v[LI_START], b = s->v[LI_END], total = s->v[LI_TOTAL];
  double k = (double)t < total ? (double)t : total;
  return base * (a + (b - a) * k / total);
}

/* poly{total_iters=5, power=1} (PolynomialLR) */
enum { PO_TOTAL, PO_POWER };
static const sx_sarg poly_args[] = {
  [PO_TOTAL] = INT("total_iters", 5, 1),
  [PO_POWER] = REAL("power", 1, 0, 0, INFINITY, 0),
};
static double poly_lr(const slope_schedule *s, long t, double base) {
  double total = s->v[PO_TOTAL];
  double k = (double)t < total ? (double)t : total;
  return base * pow(1.0 - k / total, s->v[PO_POWER]);
}

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
static const sx_sarg plateau_args[] = {
  [PL_FACTOR] = REAL("factor", 0.1, 0, 0, 1, 1),
  [PL_PATIENCE] = INT("patience", 10, 0),
  [PL_THRESHOLD] = REAL("threshold", 1e-4, 0, 0, INFINITY, 0),
  [PL_MODE] = CHOICE("mode", 0, min_max),
  [PL_TMODE] = CHOICE("threshold_mode", 0, rel_abs),
  [PL_COOLDOWN] = INT("cooldown", 0, 0),
  [PL_MINLR] = REAL("min_lr", 0, 0, 0, INFINITY, 0),
  [PL_EPS] = REAL("eps", 1e-8, 0, 0, INFINITY, 0),
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

static const sx_skind constant_kind = {"constant", constant_args, NARGS(constant_args), constant_lr, NULL};
static const sx_skind step_kind = {"step", step_args, NARGS(step_args), step_lr, NULL};
static const sx_skind multistep_kind = {"multistep", multistep_args, NARGS(multistep_args), multistep_lr, NULL};
static const sx_skind exponential_kind = {"exponential", exponential_args, NARGS(exponential_args), exponential_lr, NULL};
static const sx_skind inverse_kind = {"inverse", inverse_args, NARGS(inverse_args), inverse_lr, NULL};
static const sx_skind cosine_kind = {"cosine", cosine_args, NARGS(cosine_args), cosine_lr, NULL};
static const sx_skind restarts_kind = {"cosine_restarts", restarts_args, NARGS(restarts_args), restarts_lr, NULL};
static const sx_skind linear_kind = {"linear", linear_args, NARGS(linear_args), linear_lr, NULL};
static const sx_skind poly_kind = {"poly", poly_args, NARGS(poly_args), poly_lr, NULL};
static const sx_skind plateau_kind = {"plateau", plateau_args, NARGS(plateau_args), plateau_lr, NULL};

/* In the order 'slope_schedule_new' lists them in its error message. */
static const sx_skind *const kinds[] = {
  &constant_kind, &step_kind, &multistep_kind, &exponential_kind, &inverse_kind, &cosine_kind,
  &restarts_kind, &linear_kind, &poly_kind, &sx_sched_onecycle, &sx_sched_cyclic, &plateau_kind,
};
#define NKINDS ((int)(sizeof kinds / sizeof kinds[0]))

static const sx_skind *find_kind(const char *name) {
  for (int i = 0; i < NKINDS; i++)
    if (strcmp(kinds[i]->name, name) == 0) return kinds[i];
  return NULL;
}

/* ---- construction ------------------------------------------------------------ */

static slope_schedule *alloc_schedule(slope_ctx *S, int form) {
  slope_schedule *s = calloc(1, sizeof *s);
  if (!s) {
    sx_error(S, SLOPE_ERRMEM, "out of memory making a schedule");
    return NULL;
  }
  s->S = S;
  s->form = form;
  return s;
}

slope_schedule *slope_schedule_new(slope_ctx *S, const char *kind) {
  sx_enter(S);
  if (!kind) {
    sx_error(S, SLOPE_ERRARG, "schedule: the kind is missing");
    return NULL;
  }
  const sx_skind *k = find_kind(kind);
  if (!k) {
    char list[256] = "";
    size_t n = 0;
    for (int i = 0; i < NKINDS && n < sizeof list; i++)
      n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", kinds[i]->name);
    sx_error(S, SLOPE_ERRNAME, "unknown schedule '%s' (one of: %s)", kind, list);
    return NULL;
  }
  slope_schedule *s = alloc_schedule(S, SX_SCHED_TABLE);
  if (!s) return NULL;
  s->kind = k;
  for (int i = 0; i < k->nargs; i++) s->v[i] = k->args[i].def;
  s->best = NAN;   /* plateau: "mode_worse", fixed at the first observation */
  return s;
}

/* Part i of a sequential schedule must be complete and pure. */
static int check_part(slope_ctx *S, slope_schedule *p, int i) {
  if (!p) return sx_error(S, SLOPE_ERRARG, "sequential: schedule %d is missing", i + 1);
  if (p->kind == &plateau_kind)
    return sx_error(S, SLOPE_ERRARG, "sequential: schedule %d is a plateau schedule, which "
                    "follows a metric, not the step count, and cannot be sequenced", i + 1);
  return sx_schedule_check(p);
}

slope_schedule *slope_schedule_sequential(slope_ctx *S, slope_schedule **parts,
                                          int nparts, const long *milestones,
                                          int nmilestones) {
  sx_enter(S);
  if (!parts || nparts < 1)
    return sx_error(S, SLOPE_ERRARG, "sequential: give at least one schedule"), NULL;
  if (nparts > SX_SCHED_MAX_MILESTONES)
    return sx_error(S, SLOPE_ERRLIMIT, "sequential: at most %d schedules, got %d",
                    SX_SCHED_MAX_MILESTONES, nparts), NULL;
  if (nmilestones != nparts - 1 || (nmilestones > 0 && !milestones))
    return sx_error(S, SLOPE_ERRARG, "sequential: %d schedules need %d milestones, got %d",
                    nparts, nparts - 1, nmilestones), NULL;
  for (int i = 0; i < nmilestones; i++) {
    if (milestones[i] < 1 || (i > 0 && milestones[i] <= milestones[i - 1])) {
      if (i > 0 && milestones[i] >= 1)
        sx_error(S, SLOPE_ERRARG, "sequential: milestones must be increasing, got %ld after %ld",
                 milestones[i], milestones[i - 1]);
      else sx_error(S, SLOPE_ERRARG, "sequential: milestones must be integers >= 1, got %ld",
                    milestones[i]);
      return NULL;
    }
  }
  for (int i = 0; i < nparts; i++)
    if (check_part(S, parts[i], i) != SLOPE_OK) return NULL;
  slope_schedule *s = alloc_schedule(S, SX_SCHED_SEQUENTIAL);
  if (!s) return NULL;
  s->parts = malloc((size_t)nparts * sizeof *s->parts);
  s->ms = malloc((size_t)(nmilestones ? nmilestones : 1) * sizeof *s->ms);
  if (!s->parts || !s->ms) {
    slope_schedule_free(s);
    return sx_error(S, SLOPE_ERRMEM, "out of memory making a schedule"), NULL;
  }
  memcpy(s->parts, parts, (size_t)nparts * sizeof *parts);
  if (nmilestones) memcpy(s->ms, milestones, (size_t)nmilestones * sizeof *milestones);
  s->nparts = nparts;
  s->nms = nmilestones;
  return s;
}

slope_schedule *slope_schedule_fn(slope_ctx *S, double (*fn)(void *ud, long t, double base),
                                  void *ud) {
  sx_enter(S);
  if (!fn) return sx_error(S, SLOPE_ERRARG, "schedule: the function is missing"), NULL;
  slope_schedule *s = alloc_schedule(S, SX_SCHED_FN);
  if (!s) return NULL;
  s->fn = fn;
  s->ud = ud;
  return s;
}

void slope_schedule_free(slope_schedule *s) {
  if (!s) return;
  free(s->ms);
  free(s->parts);
  free(s);
}

/* ---- arguments ----------------------------------------------------------------- */

static const char *kind_name(const slope_schedule *s) {
  return s->form == SX_SCHED_SEQUENTIAL ? "sequential" : s->form == SX_SCHED_FN ? "function"
                                                                                : s->kind->name;
}

/* "step has no argument 'gama' (it has: step_size, gamma); did you mean 'gamma'?" */
static int unknown_arg(slope_schedule *s, const char *name) {
  char list[256] = "";
  size_t n = 0;
  const char *near = NULL;
  int best = SX_SUGGEST_START;
  if (s->kind)
    for (int i = 0; i < s->kind->nargs && n < sizeof list; i++) {
      const char *a = s->kind->args[i].name;
      n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", a);
      if (name && sx_nearer(name, strlen(name), a, &best)) near = a;
    }
  char hint[SX_HINT_CAP];
  return sx_error(s->S, SLOPE_ERRNAME, "%s has no argument '%s' (it has: %s)%s", kind_name(s),
                  name ? name : "(null)", s->kind ? list : "none", sx_hint(hint, near));
}

static int find_arg(slope_schedule *s, const char *name) {
  if (s->kind && name)
    for (int i = 0; i < s->kind->nargs; i++)
      if (strcmp(s->kind->args[i].name, name) == 0) return i;
  return -1;
}

/* The allowed range as words: "> 0", "in [0, 1)", "an integer >= 1". */
static void range_text(const sx_sarg *a, char *out, size_t size) {
  if (a->type == SX_SA_BOOL) snprintf(out, size, "true or false (1 or 0)");
  else if (a->type == SX_SA_INT) snprintf(out, size, "an integer >= %g", a->lo);
  else if (isinf(a->lo) && isinf(a->hi)) snprintf(out, size, "finite");
  else if (isinf(a->hi)) snprintf(out, size, "%s %g", a->lo_open ? ">" : ">=", a->lo);
  else snprintf(out, size, "in %c%g, %g%c", a->lo_open ? '(' : '[', a->lo, a->hi,
                a->hi_open ? ')' : ']');
}

static int in_range(const sx_sarg *a, double v) {
  if (!isfinite(v)) return 0;
  if (a->type == SX_SA_BOOL) return v == 0 || v == 1;
  if (a->type == SX_SA_INT && v != floor(v)) return 0;
  if (a->lo_open ? !(v > a->lo) : !(v >= a->lo)) return 0;
  return a->hi_open ? v < a->hi : v <= a->hi;
}

static int range_error(slope_schedule *s, const sx_sarg *a, const char *what, double v) {
  char range[64];
  range_text(a, range, sizeof range);
  if (a->type == SX_SA_INT && isfinite(v) && v > a->hi)
    snprintf(range + strlen(range), sizeof range - strlen(range), " and <= 2^53");
  return sx_error(s->S, SLOPE_ERRARG, "%s: %s must be %s, got %g", kind_name(s), what, range, v);
}

/* A milestone list: increasing integers >= 0, at most SX_SCHED_MAX_MILESTONES. */
static int set_milestones(slope_schedule *s, const sx_sarg *a, const double *v, int n) {
  const char *kn = kind_name(s);
  if (n > SX_SCHED_MAX_MILESTONES)
    return sx_error(s->S, SLOPE_ERRLIMIT, "%s: at most %d %s, got %d", kn,
                    SX_SCHED_MAX_MILESTONES, a->name, n);
  for (int i = 0; i < n; i++) {
    if (!isfinite(v[i]) || v[i] != floor(v[i]) || v[i] < 0 || v[i] > INT_MAX_ARG)
      return sx_error(s->S, SLOPE_ERRARG, "%s: %s[%d] must be an integer >= 0, got %g", kn,
                      a->name, i + 1, v[i]);
    if (i > 0 && !(v[i] > v[i - 1]))
      return sx_error(s->S, SLOPE_ERRARG, "%s: %s must be increasing, got %g after %g", kn,
                      a->name, v[i], v[i - 1]);
  }
  long *ms = malloc((size_t)(n ? n : 1) * sizeof *ms);
  if (!ms) return sx_error(s->S, SLOPE_ERRMEM, "out of memory setting %s", a->name);
  for (int i = 0; i < n; i++) ms[i] = (long)v[i];
  free(s->ms);
  s->ms = ms;
  s->nms = n;
  return SLOPE_OK;
}

int slope_schedule_set(slope_schedule *s, const char *name, const double *v, int n) {
  if (!s) return SLOPE_ERRARG;
  sx_enter(s->S);
  int i = find_arg(s, name);
  if (i < 0) return unknown_arg(s, name);
  const sx_sarg *a = &s->kind->args[i];
  if (n < 0 || (n > 0 && !v))
    return sx_error(s->S, SLOPE_ERRARG, "%s: no values given for %s", kind_name(s), name);
  if (a->type == SX_SA_CHOICE)
    return sx_error(s->S, SLOPE_ERRARG, "%s: %s takes a string, not a number", kind_name(s), name);
  if (a->type == SX_SA_LIST) {
    int rc = set_milestones(s, a, v, n);
    if (rc == SLOPE_OK) s->set |= 1u << i;
    return rc;
  }
  if (n != 1)
    return sx_error(s->S, SLOPE_ERRARG, "%s: %s takes one number, got %d", kind_name(s), name, n);
  if (!in_range(a, v[0])) return range_error(s, a, name, v[0]);
  s->v[i] = v[0];
  s->set |= 1u << i;
  return SLOPE_OK;
}

int slope_schedule_set_string(slope_schedule *s, const char *name, const char *value) {
  if (!s) return SLOPE_ERRARG;
  sx_enter(s->S);
  int i = find_arg(s, name);
  if (i < 0) return unknown_arg(s, name);
  const sx_sarg *a = &s->kind->args[i];
  if (a->type != SX_SA_CHOICE)
    return sx_error(s->S, SLOPE_ERRARG, "%s: %s takes a number, not a string", kind_name(s), name);
  for (int c = 0; value && a->choices[c]; c++)
    if (strcmp(a->choices[c], value) == 0) {
      s->v[i] = c;
      s->set |= 1u << i;
      return SLOPE_OK;
    }
  char list[128] = "";
  size_t len = 0;
  for (int c = 0; a->choices[c] && len < sizeof list; c++)
    len += (size_t)snprintf(list + len, sizeof list - len, "%s\"%s\"",
                            c == 0 ? "" : a->choices[c + 1] ? ", " : " or ", a->choices[c]);
  return sx_error(s->S, SLOPE_ERRARG, "%s: %s must be %s, got \"%s\"", kind_name(s), name, list,
                  value ? value : "(null)");
}

int sx_schedule_check(slope_schedule *s) {
  if (!s) return SLOPE_ERRARG;
  if (s->form == SX_SCHED_SEQUENTIAL) {
    for (int i = 0; i < s->nparts; i++)
      if (sx_schedule_check(s->parts[i]) != SLOPE_OK) return SLOPE_ERRARG;
    return SLOPE_OK;
  }
  if (s->form == SX_SCHED_FN) return SLOPE_OK;
  for (int i = 0; i < s->kind->nargs; i++)
    if (s->kind->args[i].required && !sx_sched_given(s, i))
      return sx_error(s->S, SLOPE_ERRARG, "%s: missing required argument '%s'", s->kind->name,
                      s->kind->args[i].name);
  return SLOPE_OK;
}

/* ---- evaluation --------------------------------------------------------------- */

/* Nonzero when a required argument is unset (checked without reporting). */
static int incomplete(const slope_schedule *s) {
  for (int i = 0; i < s->kind->nargs; i++)
    if (s->kind->args[i].required && !sx_sched_given(s, i)) return 1;
  return 0;
}

/* The active part of a sequential schedule at t, and t relative to its start
** (torch's SequentialLR restarts each part at its milestone with step(0)). */
static slope_schedule *active_part(const slope_schedule *s, long *t) {
  int i = passed(s->ms, s->nms, *t);
  if (i > 0) *t -= s->ms[i - 1];
  return s->parts[i];
}

double slope_schedule_lr(slope_schedule *s, long t, double base) {
  if (!s) return base;
  sx_enter(s->S);
  if (t < 0) t = 0;
  switch (s->form) {
  case SX_SCHED_FN: return s->fn(s->ud, t, base);
  case SX_SCHED_SEQUENTIAL: {
    slope_schedule *p = active_part(s, &t);
    return slope_schedule_lr(p, t, base);
  }
  default:
    /* A C caller skipped sx_schedule_check: report once, and let a NaN rate
    ** stop the run rather than run on with made-up values. */
    if (incomplete(s)) {
      sx_schedule_check(s);
      return NAN;
    }
    return s->kind->lr(s, t, base);
  }
}

int slope_schedule_momentum(slope_schedule *s, long t, double *m) {
  if (!s || !m) return 0;
  if (t < 0) t = 0;
  if (s->form == SX_SCHED_SEQUENTIAL) {
    slope_schedule *p = active_part(s, &t);
    return slope_schedule_momentum(p, t, m);
  }
  if (s->form != SX_SCHED_TABLE || !s->kind->momentum || incomplete(s)) return 0;
  return s->kind->momentum(s, t, m);
}

/* One ReduceLROnPlateau.step(metric), its counters exactly as torch keeps them. */
void slope_schedule_observe(slope_schedule *s, double metric) {
  if (!s || s->kind != &plateau_kind) return;
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

void sx_schedule_restart(slope_schedule *s) {
  if (!s || s->form != SX_SCHED_TABLE) return;
  s->best = NAN;
  s->bad = s->cooldown = s->reductions = 0;
}
