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

/* d/du f(u) for a unary function kind, as an expression in u (without du). */
static sx_id dfn1(slope_ctx *S, int kind, sx_id self, sx_id u) {
  sx_id one = NUM(1), half = NUM(-0.5);
  switch (kind) {
  case SX_SIN: return sx_apply(S, SX_COS, &u, 1);
  case SX_COS: return sx_neg(S, sx_apply(S, SX_SIN, &u, 1));
  case SX_TAN: return sx_add(S, one, sx_pow(S, self, NUM(2)));
  case SX_ASIN: return sx_pow(S, sx_sub(S, one, sx_pow(S, u, NUM(2))), half);
  case SX_ACOS: return sx_neg(S, sx_pow(S, sx_sub(S, one, sx_pow(S, u, NUM(2))), half));
  case SX_ATAN: return sx_pow(S, sx_add(S, one, sx_pow(S, u, NUM(2))), NUM(-1));
  case SX_SINH: return sx_apply(S, SX_COSH, &u, 1);
  case SX_COSH: return sx_apply(S, SX_SINH, &u, 1);
  case SX_TANH: return sx_sub(S, one, sx_pow(S, self, NUM(2)));
  case SX_EXP: return self;
  case SX_LOG: return sx_pow(S, u, NUM(-1));
  case SX_LOG2: return sx_div(S, NUM(1 / log(2.0)), u);
  case SX_LOG10: return sx_div(S, NUM(1 / log(10.0)), u);
  case SX_CBRT: return sx_div(S, NUM(1.0 / 3), sx_pow(S, self, NUM(2)));
  case SX_ABS: return sx_apply(S, SX_SIGN, &u, 1);
  case SX_SIGN: case SX_STEP: return NUM(0);
  case SX_SIGMOID: return sx_mul(S, self, sx_sub(S, one, self));
  case SX_RELU: return sx_apply(S, SX_STEP, &u, 1);
  case SX_SOFTPLUS: return sx_apply(S, SX_SIGMOID, &u, 1);
  case SX_ERF:   /* 2/sqrt(pi) * exp(-u^2) */
    return sx_mul(S, NUM(1.1283791670955126), sx_apply(S, SX_EXP, (sx_id[]){sx_neg(S, sx_pow(S, u, NUM(2)))}, 1));
  default: return sx_error(S, SLOPE_ERRARG, "no derivative rule for '%s'", sx_kind_name(kind)), SX_NIL;
  }
}

/* Chain rule for binary functions: da * df/da + db * df/db. */
static sx_id dfn2(slope_ctx *S, int kind, sx_id self, sx_id a, sx_id b, sx_id da, sx_id db) {
  sx_id pa, pb;
  switch (kind) {
  case SX_ATAN2: {   /* atan2(a, b) = atan(a/b): (b*da - a*db) / (a^2 + b^2) */
    sx_id r2 = sx_add(S, sx_pow(S, a, NUM(2)), sx_pow(S, b, NUM(2)));
    return sx_div(S, sx_sub(S, sx_mul(S, b, da), sx_mul(S, a, db)), r2);
  }
  case SX_HYPOT:
    return sx_div(S, sx_add(S, sx_mul(S, a, da), sx_mul(S, b, db)), self);
  case SX_MAX:       /* the branch taken; ties go to b */
    pa = sx_apply(S, SX_STEP, (sx_id[]){sx_sub(S, a, b)}, 1);
    break;
  case SX_MIN:
    pa = sx_apply(S, SX_STEP, (sx_id[]){sx_sub(S, b, a)}, 1);
    break;
  default: return sx_error(S, SLOPE_ERRARG, "no derivative rule"), SX_NIL;
  }
  pb = sx_sub(S, NUM(1), pa);
  return sx_add(S, sx_mul(S, pa, da), sx_mul(S, pb, db));
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
static sx_id dpow(slope_ctx *S, sx_id self, sx_id b, sx_id e, sx_id db, sx_id de) {
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
    return dpow(S, e, b, x, d[b], d[x]);
  }
  case SX_SUM: case SX_MEAN: {
    sx_id du = d[sx_kid(S, e, 0)];
    return sx_is_num(S, du, 0) ? du : sx_apply(S, k, &du, 1);
  }
  default:
    if (sx_is_fn2(k)) {
      sx_id a = sx_kid(S, e, 0), b = sx_kid(S, e, 1);
      if (sx_is_num(S, d[a], 0) && sx_is_num(S, d[b], 0)) return NUM(0);
      return dfn2(S, k, e, a, b, d[a], d[b]);
    } else {
      sx_id u = sx_kid(S, e, 0);
      if (sx_is_num(S, d[u], 0)) return NUM(0);
      return sx_mul(S, dfn1(S, k, e, u), d[u]);
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
