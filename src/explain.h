/*
** explain.h -- why an expression is NaN or infinite at a point (internal).
**
** A run that meets a non-finite value says which operation produced it:
** "log(x) = nan for x = -2 (outside its domain)" tells a user far more
** than "f is nan".
*/
#ifndef SLOPE_EXPLAIN_H
#define SLOPE_EXPLAIN_H

#include <stddef.h>

#include "expr.h"

/* Find the first operation of 'e', in evaluation order, whose arguments are
** finite and whose value is not, with parameters 'names' at 'x' (n of them)
** and the columns of 'd' (may be NULL) over rows 'sel' (all rows when NULL).
** Writes "OPERATION = VALUE for ARGUMENT = a[, ...] [in row r] (REASON)"
** into 'out' and returns 1; returns 0 (and writes nothing) when no single
** operation is to blame or memory ran out.  Leaves no error in S. */
int sx_explain(slope_ctx *S, sx_id e, const char *const *names, const double *x, int n,
               const slope_data *d, const size_t *sel, size_t nsel, char *out, size_t cap);

#endif
