/*
** shape.h -- the shapes of array expressions, inferred bottom-up when an
** expression is evaluated or compiled (internal).
**
** The DAG is shape-free; a caller that knows the shapes of the names (start
** values, data columns, slope.var("w", 3)) asks 'sx_infer' for the shape of
** every node.  A scalar broadcasts to any shape; a vector meets a vector of
** its length, a matrix a matrix of its shape; anything else is an error
** naming both shapes, the operation, and where the node stands in the text
** of the last parse (else the subexpression itself).
*/
#ifndef SLOPE_SHAPE_H
#define SLOPE_SHAPE_H

#include "expr.h"

/* scalar: 0,1,1; vector n: 1,n,1; matrix m x n: 2,m,n.  Elements row-major. */
typedef struct sx_shape { uint8_t rank; uint32_t rows, cols; } sx_shape;

static inline uint64_t sx_shape_size(sx_shape s) { return (uint64_t)s.rows * s.cols; }
static inline int sx_shape_eq(sx_shape a, sx_shape b) {
  return a.rank == b.rank && a.rows == b.rows && a.cols == b.cols;
}
#define SX_SCALAR ((sx_shape){0, 1, 1})

/*
** Shapes of every node reachable from 'root' into out[id] (arrays indexed
** by node id, S->nnodes entries), given the shapes of the names: vars[i]
** (a VAR node) has vshape[i]; names not listed are scalars.  'ival' (may
** be NULL) receives the value of each scalar node computable before
** evaluation (numbers, #name, and arithmetic of those: the index, slice
** and pad bounds), NAN for the others.  Index and slice bounds are checked
** against the lengths here.  Walks the DAG (S->order lists the nodes
** afterwards).  Returns SLOPE_OK or the error recorded.
*/
int sx_infer(slope_ctx *S, sx_id root, const sx_id *vars, const sx_shape *vshape, int nv,
             sx_shape *out, double *ival);

/*
** The value of 'e' by walking the tree (aeval.c): vars[i] has shape
** vshape[i] and elements vals[i] (row-major).  On success *out is a new
** array of the result's elements (the caller frees it) and *shape its
** shape.  Sums and means of scalars need data rows: SLOPE_ERRDATA.
*/
int sx_eval_shaped(slope_ctx *S, sx_id e, const sx_id *vars, const sx_shape *vshape,
                   const double *const *vals, int nv, double **out, sx_shape *shape);

/* "a scalar", "a vector of 3", "a 2x3 matrix" into buf. */
const char *sx_shape_text(sx_shape s, char *buf, size_t cap);

/* Record an error about node 'e': "L:C: msg" with the source line and a
** caret when 'e' came from the last parse, else "msg (in 'text of e')". */
int sx_node_error(slope_ctx *S, sx_id e, int code, const char *fmt, ...);

#endif
