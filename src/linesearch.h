/*
** linesearch.h -- SciPy 1.10's line searches for cg and bfgs (internal).
**
** '_line_search_wolfe12' of scipy/optimize/_optimize.py: MINPACK-2's
** strong-Wolfe search (line_search_wolfe1, whose dcsrch and dcstep are
** ported in linesearch.c), and when it finds no step, or the step fails the
** caller's extra condition, the pure-Python search line_search_wolfe2 (with
** its zoom, cubic and quadratic interpolation).  Both work along one line
** x + alpha*p of an 'sx_line', which evaluates f and g together through the
** objective and keeps the last evaluation, so asking for phi and then for
** phi' at the same step costs one call (SciPy's ScalarFunction caches the
** same way).  Also here, because both kinds use them: SciPy's 'vecnorm'.
*/
#ifndef SLOPE_LINESEARCH_H
#define SLOPE_LINESEARCH_H

#include "optim.h"

/* A line x + alpha*p through an objective, minimized (sign -1 turns a
** maximization into the minimization of -f). */
typedef struct sx_line {
  const slope_objective *obj;
  double sign;
  long *evals;               /* counts every call of obj->fg */
  int n;
  const double *x, *p;       /* the start and the direction */
  double *xt, *gt;           /* n each: the last point evaluated, its gradient */
  double at, ft;             /* the step of 'xt' (NAN before the first), f there */
  /* Optional (cg): a step that meets the Wolfe conditions is accepted only
  ** when this says 1; 'g' is the gradient at x + alpha*p. */
  int (*extra)(void *ud, double alpha, double f, const double *g);
  void *ud;
} sx_line;

/* Start a line from x along p, with scratch xt and gt of n doubles each. */
void sx_line_init(sx_line *L, const slope_objective *obj, double sign, long *evals,
                  int n, const double *x, const double *p, double *xt, double *gt);

/* Evaluate at x + alpha*p unless that was the last point evaluated; then
** L->ft and L->gt hold f and g there.  Returns SLOPE_OK or the objective's
** error code. */
int sx_line_eval(sx_line *L, double alpha);

/* What '_line_search_wolfe12' returns when it succeeds. */
typedef struct sx_ls_result {
  int found;                 /* 0: SciPy raises _LineSearchError */
  double alpha;              /* the step */
  double f;                  /* f at x + alpha*p */
} sx_ls_result;

/*
** '_line_search_wolfe12(f, fprime, xk, pk, gfk, old_fval, old_old_fval,
** c2=c2, amin=1e-100, amax=1e100, extra_condition=L->extra)': f0 and
** derphi0 = g.p at x, old_f0 the previous iterate's f.  The accepted
** point's gradient is then L->gt after 'sx_line_eval(L, r->alpha)' (free
** when it is the last point evaluated, as it is but for one exit of
** wolfe2).  Returns SLOPE_OK (r->found says whether a step was found) or
** the objective's error code.
*/
int sx_line_search_wolfe12(sx_line *L, double f0, double old_f0, double derphi0, double c2,
                           sx_ls_result *r);

/* The order of SciPy's 'norm' from a hyperparameter value: 0 stands for
** SciPy's default inf (hyperparameters are finite numbers, as lbfgs's
** max_eval = 0 stands for None); any other value is the order itself. */
double sx_norm_order(double h);

/* SciPy's 'vecnorm(x, ord)': ord inf the largest |x_i|, -inf the smallest,
** else sum(|x_i|^ord)^(1/ord) summed as numpy does (pairwise). */
double sx_vecnorm(const double *x, int n, double ord);

/* Sum a[0] * b[0] + ... in index order (numpy's dot through the reference BLAS). */
double sx_dot(const double *a, const double *b, int n);

#endif
