/*
** simplify.c -- the simplifying constructors: sums, products, powers and
** functions, each returning its result in canonical form (see expr.h).
**
** Simplification happens once, at construction, so every node in the DAG is
** already simple and a rule only has to look one level down.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* A term of a sum (coefficient * rest) or a factor of a product (base ^ exp). */
typedef struct pair { sx_id a; double c; sx_id b; } pair;

/* A small vector of pairs on the stack, spilling to the heap. */
typedef struct pairs {
  pair *p, local[16];
  uint32_t n, cap;
} pairs;

static void pairs_init(pairs *v) { v->p = v->local; v->n = 0; v->cap = 16; }
static void pairs_free(pairs *v) { if (v->p != v->local) free(v->p); }

static int pairs_push(slope_ctx *S, pairs *v, pair x) {
  if (v->n == v->cap) {
    pair *q = malloc(2 * v->cap * sizeof *q);
    if (!q) return sx_error(S, SLOPE_ERRMEM, "out of memory"), 0;
    memcpy(q, v->p, v->n * sizeof *q);
    pairs_free(v);
    v->p = q;
    v->cap *= 2;
  }
  v->p[v->n++] = x;
  return 1;
}

static int any_nil(const sx_id *a, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) if (a[i] == SX_NIL) return 1;
  return 0;
}

static int is_int(double v) { return v == floor(v) && fabs(v) < 1e15; }

/* The product of factors 'f[0..n)' that are already canonical and ordered. */
static sx_id mul_raw(slope_ctx *S, const sx_id *f, uint32_t n) {
  return n == 1 ? f[0] : sx_intern(S, SX_MUL, f, n);
}

/* ---- sums ------------------------------------------------------------------ */

/* A monomial is a product of names raised to numeric powers. */
static int is_monomial(const slope_ctx *S, sx_id e) {
  int k = sx_kind(S, e);
  if (k == SX_VAR) return 1;
  if (k == SX_POW) return sx_kind(S, sx_kid(S, e, 0)) == SX_VAR && sx_kind(S, sx_kid(S, e, 1)) == SX_NUM;
  if (k != SX_MUL) return 0;
  for (uint32_t i = 0; i < sx_nkids(S, e); i++)
    if (!is_monomial(S, sx_kid(S, e, i)) || sx_kind(S, sx_kid(S, e, i)) == SX_MUL) return 0;
  return 1;
}

/* Name and exponent of the i-th factor of a monomial. */
static void mono_factor(const slope_ctx *S, sx_id e, uint32_t i, const char **name, double *p) {
  sx_id f = sx_kind(S, e) == SX_MUL ? sx_kid(S, e, i) : e;
  if (sx_kind(S, f) == SX_POW) { *name = sx_name(S, sx_kid(S, f, 0)); *p = sx_num(S, sx_kid(S, f, 1)); }
  else { *name = sx_name(S, f); *p = 1; }
}

/* Graded lexicographic order of monomials: x^2, x*y, y^2, x, y. */
static int mono_compare(const slope_ctx *S, sx_id a, sx_id b) {
  uint32_t na = sx_kind(S, a) == SX_MUL ? sx_nkids(S, a) : 1;
  uint32_t nb = sx_kind(S, b) == SX_MUL ? sx_nkids(S, b) : 1;
  for (uint32_t i = 0; i < na && i < nb; i++) {
    const char *xa, *xb;
    double pa, pb;
    mono_factor(S, a, i, &xa, &pa);
    mono_factor(S, b, i, &xb, &pb);
    int c = sx_name_order(xa, xb);
    if (c) return c;              /* the earlier name present first (x2 before x10) */
    if (pa != pb) return pa > pb ? -1 : 1;
  }
  return (int)na - (int)nb;
}

/* Order of the terms of a sum (by their coefficient-free part): higher
** degree first, monomials in graded lex order, then structure. */
static int order_term(const slope_ctx *S, sx_id a, sx_id b) {
  if (a == b) return 0;
  double da = sx_degree(S, a), db = sx_degree(S, b);
  if (da != db) return da > db ? -1 : 1;
  int ma = is_monomial(S, a), mb = is_monomial(S, b);
  if (ma && mb) {
    int c = mono_compare(S, a, b);
    if (c) return c;
  } else if (ma != mb) return ma ? -1 : 1;
  return sx_compare(S, a, b);
}

/* Split a term into coefficient * rest. */
static pair split_term(slope_ctx *S, sx_id t) {
  pair p = {t, 1, SX_NIL};
  if (sx_kind(S, t) == SX_MUL && sx_kind(S, sx_kid(S, t, 0)) == SX_NUM) {
    const sx_node *n = sx_node_of(S, t);
    p.c = sx_num(S, sx_kid(S, t, 0));
    p.a = mul_raw(S, S->kids + n->kids + 1, n->nkids - 1);
  }
  return p;
}

/* coefficient * rest as a canonical node. */
static sx_id scale_term(slope_ctx *S, double c, sx_id rest) {
  if (c == 1) return rest;
  sx_id f[64], *buf = f;
  uint32_t n = sx_kind(S, rest) == SX_MUL ? sx_nkids(S, rest) : 1;
  if (n + 1 > 64 && !(buf = malloc((n + 1) * sizeof *buf)))
    return sx_error(S, SLOPE_ERRMEM, "out of memory"), SX_NIL;
  buf[0] = sx_mknum(S, c);
  if (sx_kind(S, rest) == SX_MUL) memcpy(buf + 1, S->kids + sx_node_of(S, rest)->kids, n * sizeof *buf);
  else buf[1] = rest;
  sx_id r = sx_intern(S, SX_MUL, buf, n + 1);
  if (buf != f) free(buf);
  return r;
}

typedef int (*pair_cmp)(const slope_ctx *S, const pair *x, const pair *y);

static int cmp_terms(const slope_ctx *S, const pair *x, const pair *y) {
  return order_term(S, x->a, y->a);
}

static int cmp_factors(const slope_ctx *S, const pair *x, const pair *y) {
  int c = sx_compare(S, x->a, y->a);
  return c ? c : sx_compare(S, x->b, y->b);
}

/*
** Stable merge sort (qsort has no context argument, and the order needs the
** context).  Short runs are sorted by insertion first.
*/
static int sort_pairs(slope_ctx *S, pairs *v, pair_cmp cmp) {
  uint32_t n = v->n, run = 8;
  pair *a = v->p;
  for (uint32_t lo = 0; lo < n; lo += run) {
    uint32_t hi = lo + run < n ? lo + run : n;
    for (uint32_t i = lo + 1; i < hi; i++) {
      pair x = a[i];
      uint32_t j = i;
      for (; j > lo && cmp(S, &a[j - 1], &x) > 0; j--) a[j] = a[j - 1];
      a[j] = x;
    }
  }
  if (n <= run) return 1;
  pair *tmp = malloc(n * sizeof *tmp), *src = a, *dst = tmp;
  if (!tmp) return sx_error(S, SLOPE_ERRMEM, "out of memory"), 0;
  for (uint32_t w = run; w < n; w *= 2) {
    for (uint32_t lo = 0; lo < n; lo += 2 * w) {
      uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      uint32_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) dst[k++] = cmp(S, &src[j], &src[i]) < 0 ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    pair *t = src; src = dst; dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
  free(tmp);
  return 1;
}

/* Add a number to a running constant, refusing to overflow. */
static int add_const(slope_ctx *S, double *acc, double v) {
  double r = *acc + v;
  if (!isfinite(r)) return sx_error(S, SLOPE_ERRARG, "constant overflows a double (%g + %g)", *acc, v), 0;
  *acc = r;
  return 1;
}

static int mul_const(slope_ctx *S, double *acc, double v) {
  double r = *acc * v;
  if (!isfinite(r)) return sx_error(S, SLOPE_ERRARG, "constant overflows a double (%g * %g)", *acc, v), 0;
  *acc = r;
  return 1;
}

/* A product of a number and one sum, c*(a + b): inside a sum it is spread
** into c*a + c*b, so sums group freely ((a + 2*(x+1)) + c is a + 2*x + 2 + c). */
static int is_scaled_sum(const slope_ctx *S, sx_id t) {
  return sx_kind(S, t) == SX_MUL && sx_nkids(S, t) == 2 &&
         sx_kind(S, sx_kid(S, t, 0)) == SX_NUM && sx_kind(S, sx_kid(S, t, 1)) == SX_ADD;
}

/* Flatten the terms, each scaled by 'scale', into coefficient*rest pairs and a constant. */
static int collect_terms(slope_ctx *S, const sx_id *t, uint32_t n, double scale, pairs *v, double *c) {
  for (uint32_t i = 0; i < n; i++) {
    int k = sx_kind(S, t[i]);
    if (k == SX_NUM) {
      double term = sx_num(S, t[i]);
      if (!mul_const(S, &term, scale) || !add_const(S, c, term)) return 0;
    } else if (k == SX_ADD) {
      const sx_node *nd = sx_node_of(S, t[i]);
      if (!collect_terms(S, S->kids + nd->kids, nd->nkids, scale, v, c)) return 0;
    } else if (is_scaled_sum(S, t[i])) {
      double inner = scale;
      sx_id sum = sx_kid(S, t[i], 1);
      const sx_node *nd = sx_node_of(S, sum);
      if (!mul_const(S, &inner, sx_num(S, sx_kid(S, t[i], 0)))) return 0;
      if (!collect_terms(S, S->kids + nd->kids, nd->nkids, inner, v, c)) return 0;
    } else {
      pair p = split_term(S, t[i]);
      if (!mul_const(S, &p.c, scale) || !pairs_push(S, v, p)) return 0;
    }
  }
  return !sx_failed(S);
}

sx_id sx_addn(slope_ctx *S, const sx_id *t, uint32_t n) {
  if (any_nil(t, n) || sx_failed(S)) return SX_NIL;
  pairs v;
  pairs_init(&v);
  double c = 0;
  sx_id r = SX_NIL;
  if (!collect_terms(S, t, n, 1, &v, &c) || !sort_pairs(S, &v, cmp_terms)) goto done;
  uint32_t m = 0;   /* merge like terms in place, dropping zero coefficients */
  for (uint32_t i = 0; i < v.n; i++) {
    if (m > 0 && v.p[m - 1].a == v.p[i].a) v.p[m - 1].c += v.p[i].c;
    else v.p[m++] = v.p[i];
  }
  uint32_t k = 0;
  for (uint32_t i = 0; i < m; i++) {
    if (v.p[i].c == 0) continue;
    if (!isfinite(v.p[i].c)) { sx_error(S, SLOPE_ERRARG, "coefficient overflows a double"); goto done; }
    v.p[k].b = scale_term(S, v.p[i].c, v.p[i].a);
    k++;
  }
  if (c != 0) {
    if (k == v.n && !pairs_push(S, &v, (pair){SX_NIL, 0, SX_NIL})) goto done;
    v.p[k++].b = sx_mknum(S, c);
  }
  if (sx_failed(S)) goto done;
  if (k == 0) { r = sx_mknum(S, 0); goto done; }
  if (k == 1) { r = v.p[0].b; goto done; }
  sx_id local[32], *ids = k <= 32 ? local : malloc(k * sizeof *ids);
  if (!ids) { sx_error(S, SLOPE_ERRMEM, "out of memory"); goto done; }
  for (uint32_t i = 0; i < k; i++) ids[i] = v.p[i].b;
  r = sx_intern(S, SX_ADD, ids, k);
  if (ids != local) free(ids);
done:
  pairs_free(&v);
  return r;
}

/* ---- products ------------------------------------------------------------- */

/* Flatten the factors into base^exp pairs and a numeric coefficient. */
static int collect_factors(slope_ctx *S, const sx_id *f, uint32_t n, pairs *v, double *c) {
  for (uint32_t i = 0; i < n; i++) {
    int k = sx_kind(S, f[i]);
    if (k == SX_NUM) { if (!mul_const(S, c, sx_num(S, f[i]))) return 0; }
    else if (k == SX_MUL) {
      const sx_node *nd = sx_node_of(S, f[i]);
      if (!collect_factors(S, S->kids + nd->kids, nd->nkids, v, c)) return 0;
    } else {
      pair p = {f[i], 0, SX_NIL};
      if (k == SX_POW) { p.a = sx_kid(S, f[i], 0); p.b = sx_kid(S, f[i], 1); }
      else p.b = sx_mknum(S, 1);
      if (!pairs_push(S, v, p)) return 0;
    }
  }
  return !sx_failed(S);
}

sx_id sx_muln(slope_ctx *S, const sx_id *f, uint32_t n) {
  if (any_nil(f, n) || sx_failed(S)) return SX_NIL;
  pairs v;
  pairs_init(&v);
  double c = 1;
  sx_id r = SX_NIL;
  if (!collect_factors(S, f, n, &v, &c) || !sort_pairs(S, &v, cmp_factors)) goto done;
  if (c == 0) { r = sx_mknum(S, 0); goto done; }
  /* merge powers of one base, then raise each base to its exponent */
  uint32_t m = 0;
  for (uint32_t i = 0; i < v.n; i++) {
    if (m > 0 && v.p[m - 1].a == v.p[i].a) v.p[m - 1].b = sx_add(S, v.p[m - 1].b, v.p[i].b);
    else v.p[m++] = v.p[i];
  }
  int again = 0;   /* a power that folded to a number or a product needs one more pass */
  uint32_t k = 0;
  for (uint32_t i = 0; i < m; i++) {
    sx_id p = sx_pow(S, v.p[i].a, v.p[i].b);
    if (p == SX_NIL) goto done;
    if (sx_is_num(S, p, 1)) continue;
    if (sx_kind(S, p) == SX_NUM || sx_kind(S, p) == SX_MUL) again = 1;
    v.p[k].a = p;
    v.p[k].b = SX_NIL;
    k++;
  }
  sx_id local[32], *ids = k + 1 <= 32 ? local : malloc((k + 1) * sizeof *ids);
  if (!ids) { sx_error(S, SLOPE_ERRMEM, "out of memory"); goto done; }
  uint32_t j = 0;
  if (c != 1 || k == 0 || again) ids[j++] = sx_mknum(S, c);
  for (uint32_t i = 0; i < k; i++) ids[j++] = v.p[i].a;
  if (sx_failed(S)) r = SX_NIL;
  else if (again) r = sx_muln(S, ids, j);
  else if (j == 1) r = ids[0];
  else {
    /* powers may order differently from their bases ((x^2)^0.5 * ...), so sort the result */
    pairs w;
    pairs_init(&w);
    for (uint32_t i = (c != 1); i < j; i++) {
      sx_id fi = ids[i];
      pair p = {fi, 0, sx_mknum(S, 1)};
      if (sx_kind(S, fi) == SX_POW) { p.a = sx_kid(S, fi, 0); p.b = sx_kid(S, fi, 1); }
      p.c = (double)i;
      if (!pairs_push(S, &w, p)) break;
    }
    if (!sx_failed(S) && sort_pairs(S, &w, cmp_factors)) {
      sx_id *out = ids + (c != 1);
      sx_id *tmp = malloc(w.n * sizeof *tmp);
      if (!tmp) sx_error(S, SLOPE_ERRMEM, "out of memory");
      else {
        for (uint32_t i = 0; i < w.n; i++) tmp[i] = ids[(uint32_t)w.p[i].c];
        memcpy(out, tmp, w.n * sizeof *tmp);
        free(tmp);
        r = sx_intern(S, SX_MUL, ids, j);
      }
    }
    pairs_free(&w);
  }
  if (ids != local) free(ids);
done:
  pairs_free(&v);
  return r;
}

/* ---- powers ---------------------------------------------------------------- */

sx_id sx_pow(slope_ctx *S, sx_id b, sx_id e) {
  if (b == SX_NIL || e == SX_NIL || sx_failed(S)) return SX_NIL;
  int enum_ = sx_kind(S, e) == SX_NUM;
  double k = enum_ ? sx_num(S, e) : 0;
  if (enum_ && k == 0) return sx_mknum(S, 1);
  if (enum_ && k == 1) return b;
  if (sx_is_num(S, b, 1)) return b;
  if (sx_kind(S, b) == SX_NUM && enum_) {
    double bv = sx_num(S, b), r = pow(bv, k);
    if (isfinite(r) && !(bv < 0 && !is_int(k))) return sx_mknum(S, r);
  }
  if (sx_is_num(S, b, 0) && enum_ && k > 0) return b;
  if (enum_ && is_int(k)) {
    /* (x^a)^n = x^(a*n) and (x*y)^n = x^n * y^n hold for every integer n */
    if (sx_kind(S, b) == SX_POW)
      return sx_pow(S, sx_kid(S, b, 0), sx_mul(S, sx_kid(S, b, 1), e));
    if (sx_kind(S, b) == SX_MUL) {
      uint32_t n = sx_nkids(S, b);
      sx_id local[32], *f = n <= 32 ? local : malloc(n * sizeof *f);
      if (!f) return sx_error(S, SLOPE_ERRMEM, "out of memory"), SX_NIL;
      for (uint32_t i = 0; i < n; i++) f[i] = sx_pow(S, sx_kid(S, b, i), e);
      sx_id r = sx_muln(S, f, n);
      if (f != local) free(f);
      return r;
    }
  }
  sx_id kids[2] = {b, e};
  return sx_intern(S, SX_POW, kids, 2);
}

/* ---- binary conveniences ------------------------------------------------------ */

sx_id sx_add(slope_ctx *S, sx_id a, sx_id b) { sx_id t[2] = {a, b}; return sx_addn(S, t, 2); }
sx_id sx_mul(slope_ctx *S, sx_id a, sx_id b) { sx_id t[2] = {a, b}; return sx_muln(S, t, 2); }
sx_id sx_neg(slope_ctx *S, sx_id a) { return sx_mul(S, sx_mknum(S, -1), a); }
sx_id sx_sub(slope_ctx *S, sx_id a, sx_id b) { return sx_add(S, a, sx_neg(S, b)); }
sx_id sx_div(slope_ctx *S, sx_id a, sx_id b) {
  if (sx_is_num(S, b, 0))
    return sx_error(S, SLOPE_ERRARG, "division by the constant zero"), SX_NIL;
  return sx_mul(S, a, sx_pow(S, b, sx_mknum(S, -1)));
}

/* ---- functions ------------------------------------------------------------- */

/* The SIMP column of each function's row (ORDER FN): f(g(x)) = x for the
** inverse g, f(f(x)) = f(x), f(x, x) = x. */
typedef struct fold_rule { uint8_t inverse, idem, same; } fold_rule;
#define NONE 0, 0, 0
#define IDEM 0, 1, 0
#define SAME 0, 0, 1
#define INVERSE(G) SX_##G, 0, 0
#define X(NAME, name, ar, VALUE, DA, DB, D, SIMP, ...) [SX_##NAME] = {SIMP},
static const fold_rule fold_rules[SX_NKINDS] = { SX_FUNCTIONS(X) };
#undef X
#undef NONE
#undef IDEM
#undef SAME
#undef INVERSE

sx_id sx_apply(slope_ctx *S, int kind, const sx_id *args, uint32_t n) {
  if (any_nil(args, n) || sx_failed(S)) return SX_NIL;
  if (kind == SX_POW) return n == 2 ? sx_pow(S, args[0], args[1]) : SX_NIL;
  if (sx_is_array_kind(kind)) return sx_apply_array(S, kind, args, n);
  uint32_t arity = sx_is_fn2(kind) ? 2 : 1;
  if (n != arity || !(sx_is_fn1(kind) || sx_is_fn2(kind) || sx_is_reduce(kind)))
    return sx_error(S, SLOPE_ERRARG, "'%s' takes %u argument%s, got %u",
                    sx_kind_name(kind) ? sx_kind_name(kind) : "?", arity,
                    arity == 1 ? "" : "s", n), SX_NIL;
  sx_id a = args[0];
  int ka = sx_kind(S, a);
  if (sx_is_reduce(kind)) {
    if (kind == SX_MEAN && ka == SX_NUM) return a;   /* the mean of a constant */
    return sx_intern(S, kind, args, 1);
  }
  if (ka == SX_NUM && (n == 1 || sx_kind(S, args[1]) == SX_NUM)) {
    double r = sx_fn_eval(kind, sx_num(S, a), n == 2 ? sx_num(S, args[1]) : 0);
    if (isfinite(r)) return sx_mknum(S, r);
  }
  const fold_rule *r = &fold_rules[kind];
  if (r->inverse && ka == r->inverse) return sx_kid(S, a, 0);
  if (r->idem && ka == kind) return a;
  if (r->same && n == 2 && args[0] == args[1]) return a;
  return sx_intern(S, kind, args, n);
}

sx_id sx_rebuild(slope_ctx *S, sx_id e, const sx_id *kids) {
  int k = sx_kind(S, e);
  uint32_t n = sx_nkids(S, e);
  switch (k) {
  case SX_NUM: case SX_VAR: return e;
  case SX_ADD: return sx_addn(S, kids, n);
  case SX_MUL: return sx_muln(S, kids, n);
  case SX_POW: return sx_pow(S, kids[0], kids[1]);
  default: return sx_apply(S, k, kids, n);
  }
}
