/*
** diff.c -- symbolic differentiation and substitution.
**
** Both walk the DAG bottom-up without recursion: one loop over the nodes
** reachable from the root in the order 'sx_reach' lists them sees every
** child before its parents, and each shared subexpression is handled once.
** 'd' holds the derivative (or substitute) of node id at S->memo[id].
*/
#include <math.h>
#include <stdlib.h>

#include "expr.h"

#define NUM(v) sx_mknum(S, (v))

/* The D column of the rows in functions.h is written with these. */
#define FN(K, x) fn1(S, SX_##K, (x))
#define ADD(x, y) sx_add(S, (x), (y))
#define SUB(x, y) sx_sub(S, (x), (y))
#define MUL(x, y) sx_mul(S, (x), (y))
#define DIV(x, y) sx_div(S, (x), (y))
#define POW(x, y) sx_pow(S, (x), (y))
#define NEG(x) sx_neg(S, (x))
#define CHOOSE(pa) choose(S, (pa), da, db)

static sx_id fn1(slope_ctx *S, int kind, sx_id u) { return sx_apply(S, kind, &u, 1); }

/* pa*da + (1 - pa)*db: the branch taken by min and max. */
static sx_id choose(slope_ctx *S, sx_id pa, sx_id da, sx_id db) {
  sx_id pb = sx_sub(S, NUM(1), pa);
  return sx_add(S, sx_mul(S, pa, da), sx_mul(S, pb, db));
}

/*
** The differential of function node 'self' from its row (ORDER FN): a
** unary function's D is d/du, times da; a binary one's is the whole
** differential in a, b, da and db.
*/
sx_id sx_dfn(slope_ctx *S, int kind, sx_id self, sx_id a, sx_id b, sx_id da, sx_id db) {
  sx_id u = a;
  switch (kind) {
#define X(NAME, name, ar, VALUE, DA, DB, D, ...) \
  case SX_##NAME: return ar == 1 ? sx_mul(S, (D), da) : (D);
  SX_FUNCTIONS(X)
#undef X
  default: return sx_error(S, SLOPE_ERRARG, "no derivative rule for '%s'", sx_kind_name(kind)), SX_NIL;
  }
}

/* Product rule over n factors: sum_i df_i * prod_{j != i} f_j. */
static sx_id dmul(slope_ctx *S, sx_id e, const uint32_t *d) {
  uint32_t n = sx_nkids(S, e);
  sx_id *f = malloc(2 * (size_t)n * sizeof *f);
  if (!f) return sx_error(S, SLOPE_ERRMEM, "out of memory"), SX_NIL;
  sx_id *terms = f + n, sum;
  uint32_t nt = 0;
  for (uint32_t i = 0; i < n; i++) {
    sx_id di = d[sx_kid(S, e, i)];
    if (sx_is_num(S, di, 0)) continue;
    for (uint32_t j = 0; j < n; j++) f[j] = j == i ? di : sx_kid(S, e, j);
    terms[nt++] = sx_muln(S, f, n);
  }
  sum = sx_addn(S, terms, nt);
  free(f);
  return sum;
}

/* d(b^e) = b^e * (de*log(b) + e*db/b); with a constant exponent, e*b^(e-1)*db. */
sx_id sx_dpow(slope_ctx *S, sx_id self, sx_id b, sx_id e, sx_id db, sx_id de) {
  if (sx_is_num(S, de, 0)) {
    /* one product, so 2*(w*x + b - y)*x stays factored as a person writes it */
    sx_id f[3] = {e, sx_pow(S, b, sx_sub(S, e, NUM(1))), db};
    return sx_muln(S, f, 3);
  }
  sx_id lg = sx_apply(S, SX_LOG, &b, 1);
  sx_id inner = sx_add(S, sx_mul(S, de, lg), sx_mul(S, e, sx_div(S, db, b)));
  if (sx_is_num(S, db, 0)) inner = sx_mul(S, de, lg);
  return sx_mul(S, self, inner);
}

/* Forward mode through an array node, with respect to a scalar name: what
** holds at every shape (a derivative may be a scalar standing for every
** element, so only linear maps of one argument pass it through). */
static sx_id sx_diff_array(slope_ctx *S, sx_id e, sx_id var, const uint32_t *d) {
  (void)var;
  int k = sx_kind(S, e);
  sx_id a = sx_kid(S, e, 0), da = d[a];
  switch (k) {
  case SX_LEN: case SX_RANGE: case SX_ONEHOT: return NUM(0);
  case SX_TRANSPOSE: return sx_transpose(S, da);
  case SX_SUMROWS: case SX_MEANROWS: return sx_is_num(S, da, 0) ? da : sx_apply(S, k, &da, 1);
  case SX_INDEX: case SX_SLICE:
    /* the subscripts are numbers and lengths, constant in 'var' */
    if (sx_kind(S, da) == SX_NUM) return da;   /* the same number in every element */
    return sx_rebuild(S, e, (sx_id[]){da, sx_kid(S, e, 1), sx_nkids(S, e) > 2 ? sx_kid(S, e, 2) : SX_NIL});
  default:
    return sx_error(S, SLOPE_ERRARG, "the derivative of '%s' with respect to a scalar is not "
                    "supported yet", sx_kind_name(k) ? sx_kind_name(k) : "an array operation"), SX_NIL;
  }
}

static sx_id dnode(slope_ctx *S, sx_id e, sx_id var, const uint32_t *d) {
  int k = sx_kind(S, e);
  switch (k) {
  case SX_NUM: return NUM(0);
  case SX_VAR: return NUM(e == var);
  case SX_ADD: {
    uint32_t n = sx_nkids(S, e);
    sx_id *t = malloc(n * sizeof *t);
    if (!t) return sx_error(S, SLOPE_ERRMEM, "out of memory"), SX_NIL;
    for (uint32_t i = 0; i < n; i++) t[i] = d[sx_kid(S, e, i)];
    sx_id r = sx_addn(S, t, n);
    free(t);
    return r;
  }
  case SX_MUL: return dmul(S, e, d);
  case SX_POW: {
    sx_id b = sx_kid(S, e, 0), x = sx_kid(S, e, 1);
    return sx_dpow(S, e, b, x, d[b], d[x]);
  }
  case SX_SUM: case SX_MEAN: {
    sx_id du = d[sx_kid(S, e, 0)];
    return sx_is_num(S, du, 0) ? du : sx_apply(S, k, &du, 1);
  }
  default:
    if (sx_is_array_kind(k)) return sx_diff_array(S, e, var, d);
    if (sx_is_fn2(k)) {
      sx_id a = sx_kid(S, e, 0), b = sx_kid(S, e, 1);
      if (sx_is_num(S, d[a], 0) && sx_is_num(S, d[b], 0)) return NUM(0);
      return sx_dfn(S, k, e, a, b, d[a], d[b]);
    } else {
      sx_id u = sx_kid(S, e, 0);
      if (sx_is_num(S, d[u], 0)) return NUM(0);
      return sx_dfn(S, k, e, u, SX_NIL, d[u], SX_NIL);
    }
  }
}

sx_id sx_diff(slope_ctx *S, sx_id e, sx_id var) {
  if (e == SX_NIL || var == SX_NIL || sx_failed(S)) return SX_NIL;
  if (sx_kind(S, var) != SX_VAR)
    return sx_error(S, SLOPE_ERRARG, "can only differentiate with respect to a variable"), SX_NIL;
  if (sx_reach(S, e) != SLOPE_OK) return SX_NIL;
  uint32_t *d = S->memo;
  sx_id zero = NUM(0);
  for (uint32_t j = 0; j < S->norder; j++) {
    sx_id id = S->order[j];
    /* a node without 'var' below it has derivative 0 without any work;
    ** the second stamp says 'var' is below */
    const sx_node *n = sx_node_of(S, id);
    int has = id == var;
    for (uint32_t i = 0; i < n->nkids && !has && n->kind != SX_VAR; i++) has = sx_stamped2(S, S->kids[n->kids + i]);
    if (!has) { d[id] = zero; continue; }
    sx_stamp2(S, id);
    d[id] = dnode(S, id, var, d);
    if (d[id] == SX_NIL) return SX_NIL;
  }
  return d[e];
}

sx_id sx_subs(slope_ctx *S, sx_id e, sx_id var, sx_id by) {
  if (e == SX_NIL || var == SX_NIL || by == SX_NIL || sx_failed(S)) return SX_NIL;
  if (sx_reach(S, e) != SLOPE_OK) return SX_NIL;
  uint32_t *d = S->memo;
  sx_id local[16];
  for (uint32_t j = 0; j < S->norder; j++) {
    sx_id id = S->order[j];
    const sx_node *n = sx_node_of(S, id);
    if (id == var) { d[id] = by; continue; }
    if (n->kind == SX_NUM || n->kind == SX_VAR) { d[id] = id; continue; }
    uint32_t nk = n->nkids;
    sx_id *k = nk <= 16 ? local : malloc(nk * sizeof *k);
    if (!k) return sx_error(S, SLOPE_ERRMEM, "out of memory"), SX_NIL;
    int changed = 0;
    for (uint32_t i = 0; i < nk; i++) {
      k[i] = d[sx_kid(S, id, i)];
      changed |= k[i] != sx_kid(S, id, i);
    }
    d[id] = changed ? sx_rebuild(S, id, k) : id;
    if (k != local) free(k);
    if (d[id] == SX_NIL) return SX_NIL;
  }
  return d[e];
}
