/*
** problem.h -- the problem a run works on (internal): objective, point, and
** the batching state that decides which rows the next step sees.
*/
#ifndef SLOPE_PROBLEM_H
#define SLOPE_PROBLEM_H

#include "ctx.h"

struct slope_problem {
  slope_ctx *S;
  int n;
  char **names;            /* parameter names (owned copies) */
  double *x;               /* current point */
  slope_expr f;            /* the objective, when compiled (kept: slope_keep) */
  slope_tape *tape;        /* value and gradient; NULL for host callbacks */
  slope_tape **hess;       /* per-component gradient tapes, built for newton */
  slope_objective host;    /* host callbacks when there is no tape */
  /* a host objective over rows (slope_problem_callback_rows) */
  int (*fg_rows)(void *ud, const double *x, const size_t *rows, size_t nsel, double *f, double *g);
  size_t nrows;            /* its rows; 0 for every other problem */
  size_t *all;             /* 0..nrows-1 in order: its full batch */
  const slope_data *data;  /* borrowed */
  /* batching */
  size_t batch;            /* rows per step, 0 = full batch */
  int shuffle;
  size_t *perm;            /* row order of the current epoch */
  size_t pos;              /* next row of the epoch */
  const size_t *sel;       /* the current batch: 'nsel' rows */
  size_t nsel;
  slope_rng rng;           /* reshuffles, from the run's seed */
  double *g;               /* gradient scratch for slope_problem_step */
  int values_only;         /* the host gives values, no gradient (slope_problem_values) */
  /* the grouped view of the flat names (elements.h): named parameters with shapes */
  int nvars;
  struct sx_pvar { char *name; slope_shape shape; int offset; } *vars;
};

/* The rows batches are cut from: the data set's, the host's of a callback
** over rows, 0 for a problem without rows (which has no batches). */
size_t sx_problem_rows(const slope_problem *p);
/* Steps that make one epoch (1 without rows or with full batches). */
size_t sx_problem_steps_per_epoch(const slope_problem *p);
/* Select the rows of the next step; returns 1 when the step ends an epoch. */
int sx_problem_next_batch(slope_problem *p);
/* Which operation of the objective (i < 0) or of its derivative in
** parameter i made the value at 'x' over the current batch NaN or infinite:
** see sx_explain.  Returns 1 when 'out' holds an explanation. */
int sx_problem_explain(slope_problem *p, const double *x, int i, char *out, size_t cap);
/* Objective and gradient over the current batch. */
/* Misuse checks of an optimizer given with 'p' to the public function 'fn':
** not NULL, made from p's context, for p's number of parameters.  Records
** SLOPE_ERRMISUSE in p's context and returns it, else SLOPE_OK. */
int sx_problem_check_optim(const slope_problem *p, const slope_optim *o, const char *fn);

SX_NODISCARD int sx_problem_eval_batch(slope_problem *p, const double *x, double *f, double *g);
/* The objective over the current batch, as optimizers call it. */
slope_objective sx_problem_objective(slope_problem *p);
/* Row-major Hessian over the current batch. */
SX_NODISCARD int sx_problem_hessian(slope_problem *p, const double *x, double *H);

#endif
