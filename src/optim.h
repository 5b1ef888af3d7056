/*
** optim.h -- optimizer classes (internal).
**
** An optimizer is a class (name, hyperparameter table, state size, step
** function, hooks) plus an instance holding hyperparameter values and
** per-parameter state.  optim.c owns the registry (the list in
** optim_kinds.h), hyperparameter checking and dispatch, and names no
** particular kind; each family of update rules lives in its own file
** (optim_sgd.c, optim_adam.c, ...) and exports one 'sx_optim_class' per kind.
*/
#ifndef SLOPE_OPTIM_H
#define SLOPE_OPTIM_H

#include "hyper.h"

#define SX_MAX_HYPERS 24   /* double slots per optimizer (pairs take two) */

/*
** A class: its name and one line for help, what a step needs, the table of
** its hyperparameters (hyper.h; a pair takes two slots, a choice one, and
** bounds checked by optim.c), its state sizes and its hooks.  A new kind is
** a file defining 'sx_optim_NAME' and one line in optim_kinds.h.
*/
typedef struct sx_optim_class {
  const char *name;
  const char *about;             /* what it does, in one line */
  int needs;                     /* SLOPE_NEEDS_GRAD, SLOPE_NEEDS_HESSIAN */
  const sx_hyper *hypers;        /* terminated by a NULL name */
  int state_per_param;           /* doubles of state per parameter */
  int state_extra;               /* further doubles of state per optimizer */
  /* One step; see 'slope_optim_step' for the contract. */
  int (*step)(slope_optim *o, double *x, double f, const double *g,
              const double *lr, const slope_objective *obj, slope_rng *rng);
  /* Optional: extra cleanup (e.g. L-BFGS history), called by reset and free. */
  void (*reset)(slope_optim *o);
  /* Optional: class-private state that must survive a checkpoint (L-BFGS's
  ** history in 'o->extra'), as doubles.  'save_extra' stores it in 'out' and
  ** returns the count; with 'out' NULL it returns the most it may ever need,
  ** so a run can size its checkpoint buffer once.  'load_extra' restores
  ** 'count' doubles saved by the same class for the same 'o->n' and 'o->h',
  ** checking them first: on an error (recorded in o->S) nothing changes. */
  size_t (*save_extra)(const slope_optim *o, double *out);
  int (*load_extra)(slope_optim *o, const double *in, size_t count);
  /* Optional: rules that tie values together (Rprop's step_sizes are
  ** (min, max)), checked on the slots 'h' as they would be after a change;
  ** records the error and returns it, or SLOPE_OK. */
  int (*check)(slope_optim *o, const double *h);
} sx_optim_class;

struct slope_optim {
  slope_ctx *S;
  const sx_optim_class *cls;
  int n;                      /* number of parameters */
  double h[SX_MAX_HYPERS];    /* hyperparameter values by slot */
  long t;                     /* number of steps taken (PyTorch's state['step']) */
  long evals;                 /* objective evaluations made by the last step */
  double *state;              /* n*state_per_param + state_extra doubles, zeroed by reset */
  void *extra;                /* class-private storage (freed by the class's reset) */
  double *work;               /* 4*n doubles of scratch for the class */
  const char *done;           /* NULL, or why the method's own stopping rule
                              ** holds after its last step (SciPy's gtol,
                              ** Nelder-Mead's xatol and fatol ...): static
                              ** text set by the step, cleared by reset */
  double *lo, *hi;            /* the box x must stay in (n each, -inf/inf where
                              ** open), or NULL: slope_optim_set_bounds */
};

/* The learning rate of parameter i for this step. */
static inline double sx_lr(const slope_optim *o, const double *lr, int i) {
  return lr ? lr[i] : o->h[0];   /* every class puts "lr" in slot 0 */
}

/* The shortest of %.15g..%.17g that reads back as 'v' (0.1 as "0.1"), for
** messages about values. */
void sx_optim_num_text(char *out, size_t size, double v);

/* Set every hyperparameter of 'o' from slot values 'h' (a checkpoint's),
** checked as 'slope_optim_set' checks them, choices included. */
int sx_optim_set_slots(slope_optim *o, const double *h);

#endif
