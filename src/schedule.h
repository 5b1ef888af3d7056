/*
** schedule.h -- learning-rate schedules (internal).
**
** A schedule is a kind (name, argument table, formulas) plus an instance
** holding argument values.  schedule.c owns the registry (the list in
** schedule_kinds.h), arguments, checking, dispatch, sequential and host
** functions, and names no particular kind; the kinds live in
** schedule_decay.c (the simple decays), schedule_cycle.c (onecycle, cyclic)
** and schedule_plateau.c.  Every formula is a pure function of (t, base)
** except those of kinds with an 'observe' hook, fed by
** 'slope_schedule_observe'.
*/
#ifndef SLOPE_SCHEDULE_H
#define SLOPE_SCHEDULE_H

#include "hyper.h"

#define SX_SCHED_MAX_ARGS 12          /* arguments of the widest kind (cyclic) */
#define SX_SCHED_MAX_MILESTONES 1024  /* entries of a milestone list */

/*
** Rows of a kind's argument table (hyper.h); the row's position is its
** index in 'v'.  A NAN default with 'required' unset means "None" (e.g.
** cyclic's step_size_down); a choice's value is the index into 'choices'.
*/
#define SX_SCHED_INT_MAX 0x1p53   /* integers stay exact in a double up to here */
#define SX_REAL(name_, def_, lo_, lo_open_, hi_, hi_open_, about_) \
  SX_HYPER(0, .name = name_, .n = 1, .def = {def_}, .lo = lo_, .hi = hi_, .lo_open = lo_open_, \
           .hi_open = hi_open_, .about = about_)
#define SX_REQ_REAL(name_, lo_, lo_open_, hi_, hi_open_, about_) \
  SX_HYPER(0, .name = name_, .n = 1, .def = {NAN}, .lo = lo_, .hi = hi_, .lo_open = lo_open_, \
           .hi_open = hi_open_, .required = 1, .about = about_)
#define SX_INT(name_, def_, lo_, about_) \
  SX_HYPER(0, .name = name_, .n = 1, .def = {def_}, .lo = lo_, .hi = SX_SCHED_INT_MAX, .is_int = 1, \
           .about = about_)
#define SX_REQ_INT(name_, lo_, about_) \
  SX_HYPER(0, .name = name_, .n = 1, .def = {NAN}, .lo = lo_, .hi = SX_SCHED_INT_MAX, .is_int = 1, \
           .required = 1, .about = about_)
#define SX_BOOL(name_, def_, about_) \
  SX_HYPER(0, .name = name_, .n = 1, .def = {def_}, .lo = 0, .hi = 1, .is_bool = 1, .about = about_)
#define SX_CHOICE(name_, def_, list_, about_) \
  SX_HYPER(0, .name = name_, .n = 1, .choices = list_, .def_choice = def_, .about = about_)
#define SX_REQ_LIST(name_, about_) \
  SX_HYPER(0, .name = name_, .n = 1, .def = {NAN}, .lo = 0, .hi = SX_SCHED_INT_MAX, .is_int = 1, \
           .is_list = 1, .required = 1, .about = about_)
#define SX_NARGS(a) ((int)(sizeof a / sizeof a[0]))

/*
** A kind: its name and one line for help, its argument table and its
** formulas.  A new kind is a file (or a few lines in a file of its family)
** defining 'sx_sched_NAME' and one line in schedule_kinds.h.
*/
typedef struct sx_skind {
  const char *name;
  const char *about;
  const sx_hyper *args;
  int nargs;
  double (*lr)(const slope_schedule *s, long t, double base);
  /* Optional: momentum at t; returns 0 when not driven. */
  int (*momentum)(const slope_schedule *s, long t, double *m);
  /* Optional: one observation of the monitored metric.  A kind that has it
  ** follows the metric, not the step count, so it cannot be sequenced, and
  ** its state (best, bad, cooldown, reductions) is part of a checkpoint. */
  void (*observe)(slope_schedule *s, double metric);
} sx_skind;

/* The kinds that are not built from an argument table. */
enum { SX_SCHED_TABLE, SX_SCHED_SEQUENTIAL, SX_SCHED_FN };

struct slope_schedule {
  slope_ctx *S;
  const sx_skind *kind;        /* NULL for sequential and fn */
  int form;                    /* SX_SCHED_TABLE, _SEQUENTIAL or _FN */
  double v[SX_SCHED_MAX_ARGS]; /* argument values, in the kind's table order */
  unsigned set;                /* bit i: argument i was given */
  long *ms;                    /* milestones (multistep, sequential), owned */
  int nms;
  slope_schedule **parts;      /* sequential: borrowed parts, array owned */
  int nparts;
  double (*fn)(void *ud, long t, double base);
  void *ud;
  /* plateau state: best metric so far, bad epochs, cooldown, reductions made */
  double best;
  long bad, cooldown, reductions;
};

/* 'slope_schedule_check', by its older internal name. */
#define sx_schedule_check(s) slope_schedule_check(s)
/* Forget what a plateau schedule has observed: every run counts t from 0, so
** it starts from no observations too (else a second run with the same
** schedule would begin at the first one's reduced rate). */
void sx_schedule_restart(slope_schedule *s);

/* Whether argument i was given (for defaults that depend on others). */
#define sx_sched_given(s, i) (((s)->set >> (i)) & 1u)

/* How many of the increasing 'ms' are <= t (Python's bisect_right). */
int sx_sched_passed(const long *ms, int n, long t);

#endif
