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
** Here: the registry (schedule_kinds.h), the object, argument setting and
** checking (table-driven, one table per kind, rows as in hyper.h),
** sequential and host functions.  The kinds are in schedule_decay.c,
** schedule_cycle.c and schedule_plateau.c.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"
#include "suggest.h"

/* ---- the registry -------------------------------------------------------------- */

#define SX_SCHEDULE(k) extern const sx_skind sx_sched_##k;
#include "schedule_kinds.h"
#undef SX_SCHEDULE

static const sx_skind *const kinds[] = {
#define SX_SCHEDULE(k) &sx_sched_##k,
#include "schedule_kinds.h"
#undef SX_SCHEDULE
};
#define NKINDS ((int)(sizeof kinds / sizeof kinds[0]))

/* The same list as names, for 'slope_schedule_kinds'. */
static const char *const kind_names[] = {
#define SX_SCHEDULE(k) #k,
#include "schedule_kinds.h"
#undef SX_SCHEDULE
  NULL
};

static const sx_skind *find_kind(const char *name) {
  for (int i = 0; name && i < NKINDS; i++)
    if (strcmp(kinds[i]->name, name) == 0) return kinds[i];
  return NULL;
}

const char *const *slope_schedule_kinds(void) { return kind_names; }

const char *slope_schedule_about(const char *kind) {
  const sx_skind *k = find_kind(kind);
  return k ? k->about : NULL;
}

const slope_hyper *slope_schedule_hyper_at(const char *kind, int i) {
  const sx_skind *k = find_kind(kind);
  return k && i >= 0 && i < k->nargs ? &k->args[i].d : NULL;
}

int sx_sched_passed(const long *ms, int n, long t) {
  int lo = 0, hi = n;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (ms[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
  SX_ENTER(S, NULL);
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
  for (int i = 0; i < k->nargs; i++) {
    const slope_hyper *a = &k->args[i].d;
    s->v[i] = !a->choices ? a->def[0] : a->def_choice ? sx_choice_index(a, a->def_choice) : -1;
  }
  s->best = NAN;   /* for 'observe': "mode_worse", fixed at the first observation */
  return s;
}

/* Part i of a sequential schedule must be complete and pure. */
static int check_part(slope_ctx *S, slope_schedule *p, int i) {
  if (!p) return sx_error(S, SLOPE_ERRARG, "sequential: schedule %d is missing", i + 1);
  if (p->S != S)
    return sx_misuse(S, "slope_schedule_sequential", "parts[%d] was made from another context", i);
  if (p->kind && p->kind->observe)
    return sx_error(S, SLOPE_ERRARG, "sequential: schedule %d is a %s schedule, which "
                    "follows a metric, not the step count, and cannot be sequenced", i + 1, p->kind->name);
  return slope_schedule_check(p);
}

slope_schedule *slope_schedule_sequential(slope_ctx *S, slope_schedule **parts,
                                          int nparts, const long *milestones,
                                          int nmilestones) {
  SX_ENTER(S, NULL);
  if (!parts || nparts < 1)
    return sx_error(S, SLOPE_ERRARG, "sequential: give at least one schedule"), NULL;
  if (nparts > SX_SCHED_MAX_MILESTONES)
    return sx_error(S, SLOPE_ERRLIMIT, "sequential: at most %d schedules, got %d",
                    SX_SCHED_MAX_MILESTONES, nparts), NULL;
  if (nmilestones != nparts - 1 || (nmilestones > 0 && !milestones))
    return sx_error(S, SLOPE_ERRARG, "sequential: %d schedule%s need%s %d milestone%s, got %d",
                    nparts, nparts == 1 ? "" : "s", nparts == 1 ? "s" : "", nparts - 1,
                    nparts == 2 ? "" : "s", nmilestones), NULL;
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
  SX_ENTER(S, NULL);
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
      const char *a = s->kind->args[i].d.name;
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
      if (strcmp(s->kind->args[i].d.name, name) == 0) return i;
  return -1;
}

/* The allowed range as words: "> 0", "in [0, 1)", "an integer >= 1". */
static void range_text(const slope_hyper *a, char *out, size_t size) {
  if (a->is_bool) snprintf(out, size, "true or false (1 or 0)");
  else if (a->is_int) snprintf(out, size, "an integer >= %g", a->lo);
  else if (isinf(a->lo) && isinf(a->hi)) snprintf(out, size, "finite");
  else if (isinf(a->hi)) snprintf(out, size, "%s %g", a->lo_open ? ">" : ">=", a->lo);
  else snprintf(out, size, "in %c%g, %g%c", a->lo_open ? '(' : '[', a->lo, a->hi,
                a->hi_open ? ')' : ']');
}

static int in_range(const slope_hyper *a, double v) {
  if (!isfinite(v)) return 0;
  if (a->is_bool) return v == 0 || v == 1;
  if (a->is_int && v != floor(v)) return 0;
  if (a->lo_open ? !(v > a->lo) : !(v >= a->lo)) return 0;
  return a->hi_open ? v < a->hi : v <= a->hi;
}

static int range_error(slope_schedule *s, const slope_hyper *a, const char *what, double v) {
  char range[64];
  range_text(a, range, sizeof range);
  if (a->is_int && isfinite(v) && v > a->hi)
    snprintf(range + strlen(range), sizeof range - strlen(range), " and <= 2^53");
  return sx_error(s->S, SLOPE_ERRARG, "%s: %s must be %s, got %g", kind_name(s), what, range, v);
}

/* A milestone list: increasing integers >= 0, at most SX_SCHED_MAX_MILESTONES. */
static int set_milestones(slope_schedule *s, const slope_hyper *a, const double *v, int n) {
  const char *kn = kind_name(s);
  if (n > SX_SCHED_MAX_MILESTONES)
    return sx_error(s->S, SLOPE_ERRLIMIT, "%s: at most %d %s, got %d", kn,
                    SX_SCHED_MAX_MILESTONES, a->name, n);
  for (int i = 0; i < n; i++) {
    if (!isfinite(v[i]) || v[i] != floor(v[i]) || v[i] < 0 || v[i] > a->hi)
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
  SX_ENTER_OBJ(s, SLOPE_ERRMISUSE);
  int i = find_arg(s, name);
  if (i < 0) return unknown_arg(s, name);
  const slope_hyper *a = &s->kind->args[i].d;
  if (n < 0 || (n > 0 && !v))
    return sx_error(s->S, SLOPE_ERRARG, "%s: no values given for %s", kind_name(s), name);
  if (a->choices)
    return sx_error(s->S, SLOPE_ERRARG, "%s: %s takes a string, not a number", kind_name(s), name);
  if (a->is_list) {
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
  SX_ENTER_OBJ(s, SLOPE_ERRMISUSE);
  int i = find_arg(s, name);
  if (i < 0) return unknown_arg(s, name);
  const slope_hyper *a = &s->kind->args[i].d;
  if (!a->choices)
    return sx_error(s->S, SLOPE_ERRARG, "%s: %s takes a number, not a string", kind_name(s), name);
  int c = sx_choice_index(a, value);
  if (c < 0) return sx_choice_error(s->S, kind_name(s), a, value);
  s->v[i] = c;
  s->set |= 1u << i;
  return SLOPE_OK;
}

int slope_schedule_check(slope_schedule *s) {
  SX_ENTER_OBJ(s, SLOPE_ERRMISUSE);
  if (s->form == SX_SCHED_SEQUENTIAL) {
    for (int i = 0; i < s->nparts; i++)
      if (slope_schedule_check(s->parts[i]) != SLOPE_OK) return SLOPE_ERRARG;
    return SLOPE_OK;
  }
  if (s->form == SX_SCHED_FN) return SLOPE_OK;
  for (int i = 0; i < s->kind->nargs; i++)
    if (s->kind->args[i].d.required && !sx_sched_given(s, i))
      return sx_error(s->S, SLOPE_ERRARG, "%s: missing required argument '%s'", s->kind->name,
                      s->kind->args[i].d.name);
  return SLOPE_OK;
}

/* ---- evaluation --------------------------------------------------------------- */

/* Nonzero when a required argument is unset (checked without reporting). */
static int incomplete(const slope_schedule *s) {
  for (int i = 0; i < s->kind->nargs; i++)
    if (s->kind->args[i].d.required && !sx_sched_given(s, i)) return 1;
  return 0;
}

/* The active part of a sequential schedule at t, and t relative to its start
** (torch's SequentialLR restarts each part at its milestone with step(0)). */
static slope_schedule *active_part(const slope_schedule *s, long *t) {
  int i = sx_sched_passed(s->ms, s->nms, *t);
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
      if (slope_schedule_check(s) != SLOPE_OK) return NAN;   /* the message names what is missing */
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

void sx_schedule_restart(slope_schedule *s) {
  if (!s || s->form != SX_SCHED_TABLE) return;
  s->best = NAN;
  s->bad = s->cooldown = s->reductions = 0;
}

void slope_schedule_observe(slope_schedule *s, double metric) {
  if (s && s->form == SX_SCHED_TABLE && s->kind->observe) s->kind->observe(s, metric);
}
