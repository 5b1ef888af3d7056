/*
** schedule.h -- learning-rate schedules (internal).
**
** A schedule is a kind (name, argument table, formulas) plus an instance
** holding argument values.  schedule.c owns arguments, checking, dispatch and
** the simple decays; the cycling kinds (onecycle, cyclic) live in
** schedule_cycle.c.  Every formula is a pure function of (t, base) except
** "plateau", whose state is fed by 'slope_schedule_observe'.
*/
#ifndef SLOPE_SCHEDULE_H
#define SLOPE_SCHEDULE_H

#include "ctx.h"

#define SX_SCHED_MAX_ARGS 12          /* arguments of the widest kind (cyclic) */
#define SX_SCHED_MAX_MILESTONES 1024  /* entries of a milestone list */

/* How an argument is given and checked. */
enum { SX_SA_REAL, SX_SA_INT, SX_SA_BOOL, SX_SA_LIST, SX_SA_CHOICE };

/* One argument: torch's name, kind, default, allowed range.  A NAN default
** with 'required' unset means "None" (e.g. cyclic's step_size_down); for a
** choice the value is the index into 'choices'. */
typedef struct sx_sarg {
  const char *name;
  int type;
  int required;
  double def;
  double lo, hi;          /* allowed range of a number */
  int lo_open, hi_open;   /* strict bounds */
  const char *const *choices;  /* SX_SA_CHOICE: NULL-terminated */
} sx_sarg;

typedef struct sx_skind {
  const char *name;
  const sx_sarg *args;
  int nargs;
  double (*lr)(const slope_schedule *s, long t, double base);
  /* Optional: momentum at t; returns 0 when not driven. */
  int (*momentum)(const slope_schedule *s, long t, double *m);
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

/* Record and return SLOPE_ERRARG when a required argument of 's' (or of a
** part of a sequential schedule) was never set; SLOPE_OK otherwise.  Call
** after the last 'slope_schedule_set' and before the first use. */
int sx_schedule_check(slope_schedule *s);
/* Forget what a plateau schedule has observed: every run counts t from 0, so
** it starts from no observations too (else a second run with the same
** schedule would begin at the first one's reduced rate). */
void sx_schedule_restart(slope_schedule *s);

/* Whether argument i was given (for defaults that depend on others). */
#define sx_sched_given(s, i) (((s)->set >> (i)) & 1u)

extern const sx_skind sx_sched_onecycle, sx_sched_cyclic;

#endif
