/*
** shape.c -- shape inference: the shape of every node of an expression
** from the shapes of its names, bottom-up in one walk, with the errors a
** user sees for shapes that do not fit and indices out of range; and the
** public count of a shape's elements (slope_shape_size).
**
** Index, slice, range, pad and onehot bounds are scalar expressions of
** numbers and lengths ('#x - 1'); their values are known here, before any
** evaluation, and checked against the lengths once.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elements.h"
#include "shape.h"

/* The public count of a shape's elements: sx_shape_count, for a shape
** checked first (it comes from the host). */
size_t slope_shape_size(const slope_shape *s) {
  if (!s || s->rank < 0 || s->rank > 2) return 0;
  for (int d = 0; d < s->rank; d++)
    if (s->dim[d] < 1) return 0;
  if (s->rank == 2 && (size_t)s->dim[0] > SIZE_MAX / (size_t)s->dim[1]) return 0;
  return sx_shape_count(s);
}

const char *sx_shape_text(sx_shape s, char *buf, size_t cap) {
  if (s.rank == 0) snprintf(buf, cap, "a scalar");
  else if (s.rank == 1) snprintf(buf, cap, "a vector of %u", (unsigned)s.rows);
  else snprintf(buf, cap, "a %ux%u matrix", (unsigned)s.rows, (unsigned)s.cols);
  return buf;
}

/* Where node 'e' starts in the last parse's text, or -1. */
static long parsed_at(const slope_ctx *S, sx_id e) {
  for (uint32_t i = 0; i < S->nppos; i++)
    if (S->ppos[i].id == e && S->ppos[i].born == S->nodes[e].born) return (long)S->ppos[i].off;
  return -1;
}

int sx_node_error(slope_ctx *S, sx_id e, int code, const char *fmt, ...) {
  if (sx_failed(S)) return S->errcode;
  char msg[512], full[sizeof S->errmsg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  long off = parsed_at(S, e);
  if (off >= 0) {
    int line, col;
    sx_format_error(S->psrc, S->plen, (size_t)off, msg, full, sizeof full, &line, &col);
    sx_error(S, code, "%s", full);
    S->errline = line;
    S->errcol = col;
    S->erroffset = (size_t)off;
    return code;
  }
  sx_buf b = {0};
  sx_print(S, e, &b);
  if (b.p && b.n > 200) memcpy(b.p + 196, "...", 4);
  sx_error(S, code, "%s (in '%s')", msg, b.p ? b.p : "?");
  sx_buf_free(&b);
  return code;
}

/* What an operation is called in a message. */
static const char *op_name(int kind) {
  switch (kind) {
  case SX_ADD: return "'+'";
  case SX_MUL: return "'*'";
  case SX_POW: return "'^'";
  case SX_INDEX: return "indexing";
  case SX_SLICE: return "a slice";
  case SX_LEN: return "'#'";
  case SX_MATMUL: return "'@'";
  default: return sx_kind_name(kind) ? sx_kind_name(kind) : "?";
  }
}

typedef struct infer {
  slope_ctx *S;
  sx_shape *sh;
  double *iv;
} infer;

static sx_shape vec(uint32_t n) { return (sx_shape){1, n, 1}; }
static sx_shape mat(uint32_t m, uint32_t n) { return (sx_shape){2, m, n}; }

static int mismatch(infer *I, sx_id id, sx_shape a, sx_shape b) {
  char x[48], y[48];
  return sx_node_error(I->S, id, SLOPE_ERRARG, "shapes do not fit: %s of %s and %s",
                       op_name(sx_kind(I->S, id)), sx_shape_text(a, x, sizeof x),
                       sx_shape_text(b, y, sizeof y));
}

static int wants(infer *I, sx_id id, const char *what, sx_shape got) {
  char x[48];
  return sx_node_error(I->S, id, SLOPE_ERRARG, "%s needs %s, got %s", op_name(sx_kind(I->S, id)),
                       what, sx_shape_text(got, x, sizeof x));
}

/* The whole number of scalar node 'k' (an index or a bound), or an error. */
static int whole(infer *I, sx_id id, sx_id k, const char *what, long *out) {
  double v = I->iv[k];
  char t[48];
  if (I->sh[k].rank != 0)
    return sx_node_error(I->S, id, SLOPE_ERRARG, "%s must be a scalar, got %s", what,
                         sx_shape_text(I->sh[k], t, sizeof t));
  if (isnan(v))
    return sx_node_error(I->S, id, SLOPE_ERRARG, "%s must be a number known before evaluation "
                         "(numbers, #name and the index of a sum)", what);
  if (v != floor(v) || fabs(v) > 4e9)
    return sx_node_error(I->S, id, SLOPE_ERRARG, "%s must be a whole number, got %.17g", what, v);
  *out = (long)v;
  return SLOPE_OK;
}

static int in_range(infer *I, sx_id id, const char *what, long v, long lo, long hi) {
  if (v >= lo && v <= hi) return SLOPE_OK;
  return sx_node_error(I->S, id, SLOPE_ERRARG, "%s %ld is out of range %ld..%ld", what, v, lo, hi);
}

/* Element-wise operators and functions: equal shapes, or a scalar broadcast. */
static int broadcast(infer *I, sx_id id) {
  slope_ctx *S = I->S;
  sx_shape r = SX_SCALAR;
  for (uint32_t i = 0; i < sx_nkids(S, id); i++) {
    sx_shape k = I->sh[sx_kid(S, id, i)];
    if (k.rank == 0) continue;
    if (r.rank != 0 && !sx_shape_eq(r, k)) return mismatch(I, id, r, k);
    r = k;
  }
  I->sh[id] = r;
  return SLOPE_OK;
}

static int index_shape(infer *I, sx_id id) {
  slope_ctx *S = I->S;
  sx_shape a = I->sh[sx_kid(S, id, 0)];
  uint32_t n = sx_nkids(S, id) - 1;
  if (a.rank != n)
    return wants(I, id, n == 1 ? "a vector (W[i, j] indexes a matrix)" : "a matrix", a);
  long i, j;
  int rc = whole(I, id, sx_kid(S, id, 1), "an index", &i);
  if (rc == SLOPE_OK) rc = in_range(I, id, "index", i, 1, a.rows);
  if (rc == SLOPE_OK && n == 2) rc = whole(I, id, sx_kid(S, id, 2), "an index", &j);
  if (rc == SLOPE_OK && n == 2) rc = in_range(I, id, "column index", j, 1, a.cols);
  I->sh[id] = SX_SCALAR;
  return rc;
}

/* lo..hi of a slice of a vector of n (hi = lo - 1 is empty). */
static int bounds(infer *I, sx_id id, sx_id klo, sx_id khi, long n, long *lo, long *hi) {
  int rc = whole(I, id, klo, "a slice's start", lo);
  if (rc == SLOPE_OK) rc = whole(I, id, khi, "a slice's end", hi);
  if (rc != SLOPE_OK) return rc;
  if (n >= 0 && (*lo < 1 || *hi > n || *hi < *lo - 1))
    return sx_node_error(I->S, id, SLOPE_ERRARG, "slice %ld..%ld is out of range 1..%ld",
                         *lo, *hi, n);
  if (n < 0 && *hi < *lo - 1)
    return sx_node_error(I->S, id, SLOPE_ERRARG, "range %ld..%ld is backwards", *lo, *hi);
  return SLOPE_OK;
}

static int matmul_shape(infer *I, sx_id id, sx_shape a, sx_shape b) {
  if (a.rank == 2 && b.rank == 1 && a.cols == b.rows) I->sh[id] = vec(a.rows);
  else if (a.rank == 1 && b.rank == 2 && a.rows == b.rows) I->sh[id] = vec(b.cols);
  else if (a.rank == 2 && b.rank == 2 && a.cols == b.rows) I->sh[id] = mat(a.rows, b.cols);
  else return mismatch(I, id, a, b);
  return SLOPE_OK;
}

static int array_shape(infer *I, sx_id id) {
  slope_ctx *S = I->S;
  int k = sx_kind(S, id);
  sx_id k0 = sx_kid(S, id, 0), k1 = sx_nkids(S, id) > 1 ? sx_kid(S, id, 1) : SX_NIL;
  sx_shape a = I->sh[k0], b = k1 ? I->sh[k1] : SX_SCALAR;
  long lo = 0, hi = 0, n = 0;
  int rc = SLOPE_OK;
  switch (k) {
  case SX_INDEX: return index_shape(I, id);
  case SX_SLICE:
    if (a.rank != 1) return wants(I, id, "a vector", a);
    rc = bounds(I, id, k1, sx_kid(S, id, 2), a.rows, &lo, &hi);
    I->sh[id] = vec((uint32_t)(hi - lo + 1));
    return rc;
  case SX_LEN:
    if (a.rank == 0) return wants(I, id, "a vector or a matrix", a);
    I->sh[id] = SX_SCALAR;
    I->iv[id] = a.rows;
    return SLOPE_OK;
  case SX_RANGE:
    rc = bounds(I, id, k0, k1, -1, &lo, &hi);
    I->sh[id] = vec((uint32_t)(hi - lo + 1));
    return rc;
  case SX_PAD:
    if (a.rank != 1) return wants(I, id, "a vector", a);
    rc = whole(I, id, k1, "padding", &lo);
    if (rc == SLOPE_OK) rc = whole(I, id, sx_kid(S, id, 2), "padding", &hi);
    if (rc == SLOPE_OK && (lo < 0 || hi < 0))
      return sx_node_error(S, id, SLOPE_ERRARG, "padding must not be negative");
    I->sh[id] = vec((uint32_t)(a.rows + lo + hi));
    return rc;
  case SX_DOT:
    if (a.rank != 1 || !sx_shape_eq(a, b)) return mismatch(I, id, a, b);
    I->sh[id] = SX_SCALAR;
    return SLOPE_OK;
  case SX_MATMUL: return matmul_shape(I, id, a, b);
  case SX_OUTER:
    if (a.rank != 1 || b.rank != 1) return mismatch(I, id, a, b);
    I->sh[id] = mat(a.rows, b.rows);
    return SLOPE_OK;
  case SX_TRANSPOSE:
    I->sh[id] = a.rank == 2 ? mat(a.cols, a.rows) : a;
    return SLOPE_OK;
  case SX_SOFTMAX: case SX_LOGSOFTMAX:
    if (a.rank == 2) return wants(I, id, "a vector", a);
    I->sh[id] = a;
    return SLOPE_OK;
  case SX_XENT:
    if (a.rank != 1) return wants(I, id, "a vector of scores", a);
    if (b.rank != 0) return wants(I, id, "a scalar label", b);
    I->sh[id] = SX_SCALAR;
    return SLOPE_OK;
  case SX_ONEHOT:
    if (a.rank != 0) return wants(I, id, "a scalar label", a);
    rc = whole(I, id, k1, "the length of onehot", &n);
    if (rc == SLOPE_OK) rc = in_range(I, id, "the length of onehot", n, 1, 1L << 31);
    I->sh[id] = vec((uint32_t)n);
    return rc;
  case SX_SUMROWS: case SX_MEANROWS:
    I->sh[id] = a;
    return SLOPE_OK;
  default:   /* max, norm, logsumexp of every element */
    I->sh[id] = SX_SCALAR;
    return SLOPE_OK;
  }
}

static int node_shape(infer *I, sx_id id) {
  slope_ctx *S = I->S;
  int k = sx_kind(S, id);
  I->iv[id] = NAN;
  if (k == SX_NUM) { I->sh[id] = SX_SCALAR; I->iv[id] = sx_num(S, id); return SLOPE_OK; }
  if (k == SX_VAR) return SLOPE_OK;   /* set before the walk */
  if (sx_is_reduce(k)) { I->sh[id] = SX_SCALAR; return SLOPE_OK; }
  if (sx_is_array_kind(k)) return array_shape(I, id);
  int rc = broadcast(I, id);
  if (rc != SLOPE_OK || I->sh[id].rank != 0) return rc;
  int known = 1;   /* arithmetic of known numbers is known: #x - 1 */
  for (uint32_t i = 0; i < sx_nkids(S, id); i++) known &= !isnan(I->iv[sx_kid(S, id, i)]);
  if (known) I->iv[id] = sx_eval_node(S, id, I->iv);
  return SLOPE_OK;
}

int sx_infer(slope_ctx *S, sx_id root, const sx_id *vars, const sx_shape *vshape, int nv,
             sx_shape *out, double *ival) {
  if (sx_failed(S)) return S->errcode;
  double *iv = ival;
  if (!iv && !(iv = malloc((size_t)S->nnodes * sizeof *iv))) return sx_error(S, SLOPE_ERRMEM, "out of memory");
  int rc = sx_reach(S, root);
  if (rc == SLOPE_OK) {
    infer I = {S, out, iv};
    for (uint32_t j = 0; j < S->norder; j++)
      if (sx_kind(S, S->order[j]) == SX_VAR) { out[S->order[j]] = SX_SCALAR; iv[S->order[j]] = NAN; }
    for (int i = nv; i-- > 0;)   /* a name given twice: the first one, as evaluation reads it */
      if (vars[i] < S->nnodes && sx_kind(S, vars[i]) == SX_VAR) out[vars[i]] = vshape[i];
    for (uint32_t j = 0; j < S->norder && rc == SLOPE_OK; j++) rc = node_shape(&I, S->order[j]);
  }
  if (iv != ival) free(iv);
  return rc == SLOPE_OK ? SLOPE_OK : S->errcode ? S->errcode : rc;
}
