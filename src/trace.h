/*
** trace.h -- recording a run (internal).
*/
#ifndef SLOPE_TRACE_H
#define SLOPE_TRACE_H

#include "ctx.h"

struct slope_trace {
  slope_ctx *S;
  int n;
  size_t stride;   /* doubles per row: step, f, lr, grad_norm, batch_f, nfev, x[n] */
  int minibatch;   /* rows hold batch_f; f and grad_norm only where asked */
  size_t nrows, cap;
  double *rows;
};

/* A trace for 'n' parameters with room for 'expect' rows (at most 16 MB of
** them) before it grows; it never grows past S->maxmem bytes. */
SX_NODISCARD slope_trace *sx_trace_new(slope_ctx *S, int n, size_t expect, int minibatch);
SX_NODISCARD int sx_trace_add(slope_trace *t, long step, double f, double lr, double gnorm,
                              double batch_f, long nfev, const double *x);

#endif
