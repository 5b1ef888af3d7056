/*
** optim.h -- optimizer classes (internal).
**
** An optimizer is a class (name, hyperparameter table, state size, step
** function) plus an instance holding hyperparameter values and per-parameter
** state.  optim.c owns the registry, hyperparameter checking and dispatch; each
** family of update rules lives in its own file (optim_sgd.c, optim_adam.c, ...)
** and exports one 'sx_optim_class' per kind.
*/
#ifndef SLOPE_OPTIM_H
#define SLOPE_OPTIM_H

#include "ctx.h"

#define SX_MAX_HYPERS 24   /* double slots per optimizer (pairs take two) */

/* One hyperparameter: PyTorch name, default value(s), number of values,
** allowed closed range [lo, hi] for each value, and whether it is a boolean
** or an integer.  'slot' is its first index in 'slope_optim.h'. */
typedef struct sx_hyper {
  const char *name;
  int slot, n;
  double def[2];
  double lo, hi;
  int is_bool, is_int;
  /* Strict bounds: lo < v (instead of lo <= v) when 'lo_open' is set. */
  int lo_open;
} sx_hyper;

typedef struct sx_optim_class {
  const char *name;
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
} sx_optim_class;

struct slope_optim {
  slope_ctx *S;
  const sx_optim_class *cls;
  int n;                      /* number of parameters */
  double h[SX_MAX_HYPERS];    /* hyperparameter values by slot */
  char line_search[16];       /* lbfgs: "" or "strong_wolfe" */
  long t;                     /* number of steps taken (PyTorch's state['step']) */
  long evals;                 /* objective evaluations made by the last step */
  double *state;              /* n*state_per_param + state_extra doubles, zeroed by reset */
  void *extra;                /* class-private storage (freed by the class's reset) */
  double *work;               /* 4*n doubles of scratch for the class */
};

/* The learning rate of parameter i for this step. */
static inline double sx_lr(const slope_optim *o, const double *lr, int i) {
  return lr ? lr[i] : o->h[0];   /* every class puts "lr" in slot 0 */
}

extern const sx_optim_class sx_optim_sgd, sx_optim_adam, sx_optim_adamw,
  sx_optim_rmsprop, sx_optim_adagrad, sx_optim_adadelta, sx_optim_adamax,
  sx_optim_nadam, sx_optim_radam, sx_optim_rprop, sx_optim_asgd,
  sx_optim_lbfgs, sx_optim_newton, sx_optim_anneal;

#endif
