/*
** array.c -- the constructors of array nodes (indexing, slices, lengths,
** products, the classifiers) and the rewriting of indexed sums into
** element sums over slices.
**
** The DAG stays shape-free: "dot(w, x)" is one node whatever the lengths,
** and shapes are checked when an expression is evaluated or compiled
** (shape.c).  So these constructors only apply rules that hold at every
** shape: a slice of the whole vector is the vector, a slice of a slice is
** one slice, transpose(transpose(A)) is A.
*/
#include <stdlib.h>

#include "expr.h"

static int nil2(sx_id a, sx_id b) { return a == SX_NIL || b == SX_NIL; }

/* lo + k - 1: the position in the whole of element k of a part starting at lo. */
static sx_id shift(slope_ctx *S, sx_id lo, sx_id k) {
  return sx_add(S, lo, sx_sub(S, k, sx_mknum(S, 1)));
}

sx_id sx_index(slope_ctx *S, sx_id a, const sx_id *idx, uint32_t n) {
  if (a == SX_NIL || sx_failed(S)) return SX_NIL;
  if (n < 1 || n > 2)
    return sx_error(S, SLOPE_ERRARG, "an index takes 1 or 2 subscripts, got %u", (unsigned)n), SX_NIL;
  for (uint32_t i = 0; i < n; i++) if (idx[i] == SX_NIL) return SX_NIL;
  if (n == 1 && sx_kind(S, a) == SX_SLICE) {   /* x[a..b][k] is x[a + k - 1] */
    sx_id k = shift(S, sx_kid(S, a, 1), idx[0]);
    return sx_index(S, sx_kid(S, a, 0), &k, 1);
  }
  sx_id kids[3] = {a, idx[0], n > 1 ? idx[1] : SX_NIL};
  return sx_intern(S, SX_INDEX, kids, n + 1);
}

sx_id sx_slice(slope_ctx *S, sx_id v, sx_id lo, sx_id hi) {
  if (nil2(v, lo) || hi == SX_NIL || sx_failed(S)) return SX_NIL;
  if (sx_kind(S, v) == SX_SLICE) {   /* x[a..b][lo..hi] is one slice of x */
    sx_id a = sx_kid(S, v, 1);
    return sx_slice(S, sx_kid(S, v, 0), shift(S, a, lo), shift(S, a, hi));
  }
  if (sx_is_num(S, lo, 1) && sx_kind(S, hi) == SX_LEN && sx_kid(S, hi, 0) == v) return v;
  sx_id kids[3] = {v, lo, hi};
  return sx_intern(S, SX_SLICE, kids, 3);
}

sx_id sx_len(slope_ctx *S, sx_id a) {
  if (a == SX_NIL || sx_failed(S)) return SX_NIL;
  int k = sx_kind(S, a);
  if (k == SX_SLICE || k == SX_RANGE) {   /* hi - lo + 1 */
    uint32_t at = k == SX_SLICE ? 1 : 0;
    sx_id n = sx_sub(S, sx_kid(S, a, at + 1), sx_kid(S, a, at));
    return sx_add(S, n, sx_mknum(S, 1));
  }
  return sx_intern(S, SX_LEN, &a, 1);
}

sx_id sx_range(slope_ctx *S, sx_id lo, sx_id hi) {
  if (nil2(lo, hi) || sx_failed(S)) return SX_NIL;
  sx_id kids[2] = {lo, hi};
  return sx_intern(S, SX_RANGE, kids, 2);
}

sx_id sx_pad(slope_ctx *S, sx_id v, sx_id before, sx_id after) {
  if (nil2(v, before) || after == SX_NIL || sx_failed(S)) return SX_NIL;
  if (sx_is_num(S, before, 0) && sx_is_num(S, after, 0)) return v;
  if (sx_is_num(S, v, 0)) return v;   /* zeros padded with zeros */
  sx_id kids[3] = {v, before, after};
  return sx_intern(S, SX_PAD, kids, 3);
}

static sx_id binary(slope_ctx *S, int kind, sx_id a, sx_id b) {
  if (nil2(a, b) || sx_failed(S)) return SX_NIL;
  sx_id kids[2] = {a, b};
  return sx_intern(S, kind, kids, 2);
}

/* dot is symmetric: its arguments in canonical order, so dot(x, w) is dot(w, x). */
sx_id sx_mkdot(slope_ctx *S, sx_id a, sx_id b) {
  if (nil2(a, b) || sx_failed(S)) return SX_NIL;
  if (sx_compare(S, a, b) > 0) { sx_id t = a; a = b; b = t; }
  if (sx_is_num(S, a, 0)) return a;
  return binary(S, SX_DOT, a, b);
}

sx_id sx_matmul(slope_ctx *S, sx_id a, sx_id b) {
  if (nil2(a, b) || sx_failed(S)) return SX_NIL;
  if (sx_is_num(S, a, 0)) return a;
  if (sx_is_num(S, b, 0)) return b;
  return binary(S, SX_MATMUL, a, b);
}

sx_id sx_outer(slope_ctx *S, sx_id a, sx_id b) {
  if (nil2(a, b) || sx_failed(S)) return SX_NIL;
  if (sx_is_num(S, a, 0)) return a;
  if (sx_is_num(S, b, 0)) return b;
  return binary(S, SX_OUTER, a, b);
}

sx_id sx_transpose(slope_ctx *S, sx_id a) {
  if (a == SX_NIL || sx_failed(S)) return SX_NIL;
  if (sx_kind(S, a) == SX_TRANSPOSE) return sx_kid(S, a, 0);
  if (sx_kind(S, a) == SX_NUM) return a;
  return sx_intern(S, SX_TRANSPOSE, &a, 1);
}

/* How many arguments each array kind takes (index: 2 or 3). */
static uint32_t array_arity(int kind) {
  switch (kind) {
  case SX_SLICE: case SX_PAD: return 3;
  case SX_INDEX: case SX_RANGE: case SX_DOT: case SX_MATMUL: case SX_OUTER:
  case SX_XENT: case SX_ONEHOT: return 2;
  default: return 1;
  }
}

sx_id sx_apply_array(slope_ctx *S, int kind, const sx_id *args, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) if (args[i] == SX_NIL) return SX_NIL;
  if (sx_failed(S)) return SX_NIL;
  uint32_t arity = array_arity(kind);
  if (n != arity && !(kind == SX_INDEX && n == 3)) {
    const char *name = sx_kind_name(kind);
    return sx_error(S, SLOPE_ERRARG, "'%s' takes %u argument%s, got %u", name ? name : "index",
                    arity, arity == 1 ? "" : "s", (unsigned)n), SX_NIL;
  }
  switch (kind) {
  case SX_INDEX: return sx_index(S, args[0], args + 1, n - 1);
  case SX_SLICE: return sx_slice(S, args[0], args[1], args[2]);
  case SX_LEN: return sx_len(S, args[0]);
  case SX_RANGE: return sx_range(S, args[0], args[1]);
  case SX_PAD: return sx_pad(S, args[0], args[1], args[2]);
  case SX_DOT: return sx_mkdot(S, args[0], args[1]);
  case SX_MATMUL: return sx_matmul(S, args[0], args[1]);
  case SX_OUTER: return sx_outer(S, args[0], args[1]);
  case SX_TRANSPOSE: return sx_transpose(S, args[0]);
  case SX_AMAX:   /* the largest element of a number is the number */
    if (sx_kind(S, args[0]) == SX_NUM) return args[0];
    return sx_intern(S, kind, args, 1);
  default: return sx_intern(S, kind, args, n);
  }
}

/* ---- indexed sums ---------------------------------------------------------- */

/* A message naming subexpression 'e' ("x[2*i]"). */
static sx_id isum_error(slope_ctx *S, sx_id e, const char *what) {
  sx_buf b = {0};
  sx_print(S, e, &b);
  sx_error(S, SLOPE_ERRARG, "indexed sum: %s '%s'", what, b.p ? b.p : "?");
  sx_buf_free(&b);
  return SX_NIL;
}

/*
** The offset c of an index i + c (c free of i), or SX_NIL with an error
** naming 'whole'.  The walk's second stamp marks the nodes with i below.
*/
static sx_id offset_of(slope_ctx *S, sx_id i, sx_id idx, sx_id whole) {
  if (idx == i) return sx_mknum(S, 0);
  if (sx_kind(S, idx) == SX_ADD) {
    uint32_t n = sx_nkids(S, idx), found = 0;
    sx_id *rest = malloc(n * sizeof *rest);
    if (!rest) return sx_error(S, SLOPE_ERRMEM, "out of memory"), SX_NIL;
    uint32_t m = 0;
    int ok = 1;
    for (uint32_t k = 0; k < n; k++) {
      sx_id t = sx_kid(S, idx, k);
      if (t == i) found++;
      else if (sx_stamped2(S, t)) ok = 0;
      else rest[m++] = t;
    }
    sx_id c = ok && found == 1 ? sx_addn(S, rest, m) : SX_NIL;
    free(rest);
    if (c != SX_NIL) return c;
  }
  return isum_error(S, whole, "an index must be the sum index plus a constant, not");
}

/* The replacement of node 'id' of the body, its children's in memo. */
static sx_id isum_node(slope_ctx *S, sx_id id, sx_id i, sx_id lo, sx_id hi) {
  const uint32_t *r = S->memo;
  int k = sx_kind(S, id);
  if (id == i) return sx_range(S, lo, hi);
  if (k == SX_INDEX) {
    sx_id x = sx_kid(S, id, 0);
    if (sx_stamped2(S, x) || sx_nkids(S, id) != 2)
      return isum_error(S, id, "cannot rewrite (nested or over matrix elements)");
    sx_id c = offset_of(S, i, sx_kid(S, id, 1), id);
    return sx_slice(S, x, sx_add(S, lo, c), sx_add(S, hi, c));
  }
  if (k == SX_SLICE || k == SX_PAD || k == SX_RANGE || sx_is_reduce(k) || k == SX_LEN)
    return isum_error(S, id, "cannot rewrite a sum index inside");
  uint32_t n = sx_nkids(S, id);
  sx_id local[16], *kids = n <= 16 ? local : malloc(n * sizeof *kids);
  if (!kids) return sx_error(S, SLOPE_ERRMEM, "out of memory"), SX_NIL;
  for (uint32_t j = 0; j < n; j++) kids[j] = r[sx_kid(S, id, j)];
  sx_id e = sx_rebuild(S, id, kids);
  if (kids != local) free(kids);
  return e;
}

sx_id sx_isum(slope_ctx *S, sx_id i, sx_id lo, sx_id hi, sx_id body) {
  if (nil2(i, lo) || nil2(hi, body) || sx_failed(S)) return SX_NIL;
  if (sx_kind(S, i) != SX_VAR)
    return sx_error(S, SLOPE_ERRARG, "indexed sum: the index must be a name"), SX_NIL;
  if (sx_reach(S, body) != SLOPE_OK) return SX_NIL;
  if (!sx_reached(S, i))   /* a body without i: (hi - lo + 1) equal terms */
    return sx_mul(S, sx_add(S, sx_sub(S, hi, lo), sx_mknum(S, 1)), body);
  uint32_t *r = S->memo;
  for (uint32_t j = 0; j < S->norder; j++) {
    sx_id id = S->order[j];
    const sx_node *n = sx_node_of(S, id);
    int has = id == i;
    for (uint32_t c = 0; c < n->nkids && !has && n->kind != SX_VAR; c++)
      has = sx_stamped2(S, S->kids[n->kids + c]);
    if (!has) { r[id] = id; continue; }
    sx_stamp2(S, id);
    r[id] = isum_node(S, id, i, lo, hi);
    if (r[id] == SX_NIL) return SX_NIL;
  }
  sx_id e = r[body];
  return sx_apply(S, SX_SUM, &e, 1);
}
