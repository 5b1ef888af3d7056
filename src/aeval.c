/*
** aeval.c -- the tree evaluator of array expressions: the value of every
** node from its children's, element by element, in the order a walk lists
** them.  Slow and plain on purpose: it is the reference that compiled
** tapes and the fuzz targets are compared with (slope_eval_shaped).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shape.h"

typedef struct aeval {
  slope_ctx *S;
  sx_shape *sh;
  double *iv;
  uint64_t *off;   /* by node id: where its elements start in 'v' */
  double *v;
} aeval;

#define VAL(A, id) ((A)->v + (A)->off[id])

/* Element k of node 'id', a scalar standing for every element. */
static double at(const aeval *A, sx_id id, uint64_t k) {
  return sx_shape_size(A->sh[id]) == 1 && A->sh[id].rank == 0 ? VAL(A, id)[0] : VAL(A, id)[k];
}

static void elementwise(aeval *A, sx_id id) {
  slope_ctx *S = A->S;
  const sx_node *nd = sx_node_of(S, id);
  uint64_t n = sx_shape_size(A->sh[id]);
  double *o = VAL(A, id);
  for (uint64_t k = 0; k < n; k++) {
    double r = at(A, sx_kid(S, id, 0), k);
    if (nd->kind == SX_ADD || nd->kind == SX_MUL)
      for (uint32_t i = 1; i < nd->nkids; i++) r = sx_fn_eval(nd->kind, r, at(A, sx_kid(S, id, i), k));
    else r = sx_fn_eval(nd->kind, r, nd->nkids > 1 ? at(A, sx_kid(S, id, 1), k) : 0);
    o[k] = r;
  }
}

static double maxof(const double *x, uint64_t n) {
  double m = -INFINITY;
  for (uint64_t k = 0; k < n; k++) if (x[k] > m || isnan(x[k])) m = x[k];
  return m;
}

/* log(sum(exp(x))), shifted by the largest element so it never overflows. */
static double lse(const double *x, uint64_t n) {
  double m = maxof(x, n), s = 0;
  if (isinf(m) || isnan(m)) return m;
  for (uint64_t k = 0; k < n; k++) s += exp(x[k] - m);
  return m + log(s);
}

/* A label of 'what' (1..n) from its value at run time. */
static int label(aeval *A, sx_id id, double k, uint64_t n, long *out) {
  if (!(k >= 1 && k <= (double)n && k == floor(k)))
    return sx_node_error(A->S, id, SLOPE_ERRDATA, "label %.17g is outside 1..%llu", k,
                         (unsigned long long)n);
  *out = (long)k;
  return SLOPE_OK;
}

static void matmul(aeval *A, sx_id id, sx_shape a, sx_shape b, const double *x, const double *y) {
  double *o = VAL(A, id);
  /* a vector on the left is a row, on the right a column */
  uint32_t m = a.rank == 2 ? a.rows : 1, k = a.rank == 2 ? a.cols : a.rows;
  uint32_t n = b.rank == 2 ? b.cols : 1;
  for (uint32_t i = 0; i < m; i++)
    for (uint32_t j = 0; j < n; j++) {
      double s = 0;
      for (uint32_t t = 0; t < k; t++) s += x[(uint64_t)i * k + t] * y[(uint64_t)t * n + j];
      o[(uint64_t)i * n + j] = s;
    }
}

static int array_node(aeval *A, sx_id id) {
  slope_ctx *S = A->S;
  int kind = sx_kind(S, id);
  sx_id k0 = sx_kid(S, id, 0), k1 = sx_nkids(S, id) > 1 ? sx_kid(S, id, 1) : SX_NIL;
  sx_shape a = A->sh[k0], b = k1 ? A->sh[k1] : SX_SCALAR;
  const double *x = VAL(A, k0), *y = k1 ? VAL(A, k1) : NULL;
  double *o = VAL(A, id);
  uint64_t n = sx_shape_size(a), m = sx_shape_size(A->sh[id]);
  long lab = 1;
  switch (kind) {
  case SX_INDEX: {
    uint64_t i = (uint64_t)A->iv[k1] - 1;
    o[0] = sx_nkids(S, id) == 2 ? x[i] : x[i * a.cols + (uint64_t)A->iv[sx_kid(S, id, 2)] - 1];
    break;
  }
  case SX_SLICE: memcpy(o, x + (uint64_t)A->iv[k1] - 1, m * sizeof *o); break;
  case SX_LEN: o[0] = a.rows; break;
  case SX_RANGE: for (uint64_t k = 0; k < m; k++) o[k] = A->iv[k0] + (double)k; break;
  case SX_PAD: {
    uint64_t before = (uint64_t)A->iv[k1];
    memset(o, 0, m * sizeof *o);
    memcpy(o + before, x, n * sizeof *o);
    break;
  }
  case SX_DOT:
    o[0] = 0;
    for (uint64_t k = 0; k < n; k++) o[0] += x[k] * y[k];
    break;
  case SX_MATMUL: matmul(A, id, a, b, x, y); break;
  case SX_OUTER:
    for (uint64_t i = 0; i < a.rows; i++)
      for (uint64_t j = 0; j < b.rows; j++) o[i * b.rows + j] = x[i] * y[j];
    break;
  case SX_TRANSPOSE:
    if (a.rank < 2) memcpy(o, x, n * sizeof *o);
    else
      for (uint64_t i = 0; i < a.rows; i++)
        for (uint64_t j = 0; j < a.cols; j++) o[j * a.rows + i] = x[i * a.cols + j];
    break;
  case SX_AMAX: o[0] = maxof(x, n); break;
  case SX_NORM:
    o[0] = 0;
    for (uint64_t k = 0; k < n; k++) o[0] = hypot(o[0], x[k]);
    break;
  case SX_LOGSUMEXP: o[0] = lse(x, n); break;
  case SX_SOFTMAX: case SX_LOGSOFTMAX: {
    double l = lse(x, n);
    for (uint64_t k = 0; k < n; k++) o[k] = kind == SX_SOFTMAX ? exp(x[k] - l) : x[k] - l;
    break;
  }
  case SX_XENT:
    if (label(A, id, y[0], n, &lab) != SLOPE_OK) return S->errcode;
    o[0] = lse(x, n) - x[lab - 1];
    break;
  case SX_ONEHOT:
    if (label(A, id, x[0], m, &lab) != SLOPE_OK) return S->errcode;
    memset(o, 0, m * sizeof *o);
    o[lab - 1] = 1;
    break;
  case SX_SUMROWS: case SX_MEANROWS:
    return sx_error(S, SLOPE_ERRDATA, "'%s' needs data: compile the expression with data columns",
                    sx_kind_name(kind));
  default: return sx_error(S, SLOPE_ERRARG, "cannot evaluate node kind %d", kind);
  }
  return SLOPE_OK;
}

static int node_value(aeval *A, sx_id id, const sx_id *vars, const double *const *vals, int nv) {
  slope_ctx *S = A->S;
  const sx_node *nd = sx_node_of(S, id);
  double *o = VAL(A, id);
  switch (nd->kind) {
  case SX_NUM: o[0] = nd->num; return SLOPE_OK;
  case SX_VAR:
    for (int i = 0; i < nv; i++)
      if (vars[i] == id) {
        memcpy(o, vals[i], sx_shape_size(A->sh[id]) * sizeof *o);
        return SLOPE_OK;
      }
    return sx_error(S, SLOPE_ERRNAME, "no value given for variable '%s'", sx_name(S, id));
  case SX_SUM: case SX_MEAN: {
    sx_id a = sx_kid(S, id, 0);
    if (A->sh[a].rank == 0)
      return sx_error(S, SLOPE_ERRDATA, "'%s' needs data: compile the expression with data columns",
                      sx_kind_name(nd->kind));
    uint64_t n = sx_shape_size(A->sh[a]);
    double s = 0;
    for (uint64_t k = 0; k < n; k++) s += VAL(A, a)[k];
    o[0] = nd->kind == SX_MEAN ? s / (double)n : s;
    return SLOPE_OK;
  }
  default:
    if (sx_is_array_kind(nd->kind)) return array_node(A, id);
    elementwise(A, id);
    return SLOPE_OK;
  }
}

int sx_eval_shaped(slope_ctx *S, sx_id e, const sx_id *vars, const sx_shape *vshape,
                   const double *const *vals, int nv, double **out, sx_shape *shape) {
  *out = NULL;
  aeval A = {S, malloc((size_t)S->nnodes * sizeof *A.sh), malloc((size_t)S->nnodes * sizeof *A.iv),
             malloc((size_t)S->nnodes * sizeof *A.off), NULL};
  int rc = !A.sh || !A.iv || !A.off ? sx_error(S, SLOPE_ERRMEM, "out of memory")
         : sx_infer(S, e, vars, vshape, nv, A.sh, A.iv);
  uint64_t total = 0;
  for (uint32_t j = 0; rc == SLOPE_OK && j < S->norder; j++) {
    A.off[S->order[j]] = total;
    total += sx_shape_size(A.sh[S->order[j]]);
  }
  if (rc == SLOPE_OK && (total > (uint64_t)(S->maxmem / sizeof(double)) ||
                         !(A.v = malloc((size_t)(total ? total : 1) * sizeof *A.v))))
    rc = sx_error(S, SLOPE_ERRMEM, "out of memory: the values take %llu doubles",
                  (unsigned long long)total);
  for (uint32_t j = 0; rc == SLOPE_OK && j < S->norder; j++)
    rc = node_value(&A, S->order[j], vars, vals, nv);
  if (rc == SLOPE_OK) {
    uint64_t n = sx_shape_size(A.sh[e]);
    *shape = A.sh[e];
    if (!(*out = malloc((size_t)(n ? n : 1) * sizeof **out))) rc = sx_error(S, SLOPE_ERRMEM, "out of memory");
    else memcpy(*out, VAL(&A, e), (size_t)n * sizeof **out);
  }
  free(A.sh);
  free(A.iv);
  free(A.off);
  free(A.v);
  return rc;
}
