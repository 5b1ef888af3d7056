/*
** print.c -- infix text of an expression, as a person would write it, that
** the parser reads back to the same node.
**
** Canonical form stores x - y as x + (-1)*y and x/y as x*y^-1 (see expr.h),
** so the printer undoes that: a term with a negative coefficient becomes
** " - term", factors with a negative numeric exponent move under a '/', and
** x^0.5 is sqrt(x).  Parentheses are added only where the grammar's
** precedence needs them:
**
**   sum  <  product, unary minus  <  power ('^', right-associative)  <  atom
*/
#include <math.h>
#include <string.h>

#include "expr.h"

/* Binding strength of the text printed for a node. */
enum { P_SUM = 1, P_PROD, P_POW, P_ATOM };

static void p_expr(const slope_ctx *S, sx_id e, sx_buf *b);

static int is_pi(double v) { return v == 3.14159265358979323846; }

/*
** A factor that belongs under the '/': base^-k with a numeric k > 0.  Not
** when the base is a number: such a power survived only because folding it
** failed (1e-300^-2 is Inf), and 1/1e-300^2 would read back as 1/0.
*/
int sx_is_den(const slope_ctx *S, sx_id f, double *k) {
  if (sx_kind(S, f) != SX_POW || sx_kind(S, sx_kid(S, f, 1)) != SX_NUM) return 0;
  if (sx_kind(S, sx_kid(S, f, 0)) == SX_NUM) return 0;
  double e = sx_num(S, sx_kid(S, f, 1));
  if (!(e < 0)) return 0;
  if (k) *k = -e;
  return 1;
}

/* Numeric coefficient of a product (1 if none). */
double sx_coef_of(const slope_ctx *S, sx_id e) {
  if (sx_kind(S, e) != SX_MUL) return 1;
  sx_id c = sx_kid(S, e, 0);
  return sx_kind(S, c) == SX_NUM ? sx_num(S, c) : 1;
}

/* Does the printed text start with a minus sign? */
int sx_starts_neg(const slope_ctx *S, sx_id e) {
  int k = sx_kind(S, e);
  if (k == SX_NUM) return sx_num(S, e) < 0;
  if (k == SX_MUL) return sx_coef_of(S, e) < 0;
  if (k == SX_ADD) return sx_starts_neg(S, sx_kid(S, e, 0));
  return 0;
}

static int prec_of(const slope_ctx *S, sx_id e) {
  switch (sx_kind(S, e)) {
  case SX_NUM: return sx_num(S, e) < 0 ? P_PROD : P_ATOM;
  case SX_ADD: return P_SUM;
  case SX_MUL: return P_PROD;
  case SX_POW:
    if (sx_is_den(S, e, NULL)) return P_PROD;
    if (sx_is_num(S, sx_kid(S, e, 1), 0.5)) return P_ATOM;   /* sqrt(...) */
    return P_POW;
  default: return P_ATOM;   /* names and function calls */
  }
}

/* A non-negative number; pi by name. */
static void p_abs_num(sx_buf *b, double v) {
  if (is_pi(v)) sx_buf_puts(b, "pi");
  else sx_buf_num(b, v);
}

static void p_num(sx_buf *b, double v) {
  if (v < 0) sx_buf_puts(b, "-");
  p_abs_num(b, fabs(v));
}

/* 'e', in parentheses when it binds looser than 'need'. */
static void p_wrap(const slope_ctx *S, sx_id e, int need, sx_buf *b) {
  if (prec_of(S, e) >= need) { p_expr(S, e, b); return; }
  sx_buf_puts(b, "(");
  p_expr(S, e, b);
  sx_buf_puts(b, ")");
}

/* One factor under the '/': base^k with k > 0. */
static void p_sqrt(const slope_ctx *S, sx_id base, sx_buf *b) {
  sx_buf_puts(b, "sqrt(");
  p_expr(S, base, b);
  sx_buf_puts(b, ")");
}

static void p_den(const slope_ctx *S, sx_id f, double k, sx_buf *b) {
  sx_id base = sx_kid(S, f, 0);
  if (k == 1) { p_wrap(S, base, P_POW, b); return; }
  if (k == 0.5) { p_sqrt(S, base, b); return; }
  p_wrap(S, base, P_ATOM, b);
  sx_buf_puts(b, "^");
  p_abs_num(b, k);
}

/*
** A product with its coefficient taken as 'c' (the caller may pass the
** negated coefficient after printing " - "): [-][c*]num*num/(den*den).
** 'e' may also be a lone power with a negative exponent (1/x).
*/
static void p_product(const slope_ctx *S, sx_id e, double c, sx_buf *b) {
  uint32_t n = sx_kind(S, e) == SX_MUL ? sx_nkids(S, e) : 1;
  uint32_t first = sx_coef_of(S, e) != 1, nnum = 0, nden = 0;
  double k;
  for (uint32_t i = first; i < n; i++) {
    sx_id f = n == 1 ? e : sx_kid(S, e, i);
    if (sx_is_den(S, f, &k)) nden++;
  }
  /* '-(x + 1)*y' reads back as (-(x + 1))*y, the same product: products
  ** never distribute (expr.h), so a leading unary minus is always safe */
  if (c < 0) { sx_buf_puts(b, "-"); c = -c; }
  if (c != 1 || (nden && nden == n - first)) { p_abs_num(b, c); nnum++; }
  for (uint32_t i = first; i < n; i++) {
    sx_id f = n == 1 ? e : sx_kid(S, e, i);
    if (sx_is_den(S, f, NULL)) continue;
    if (nnum++) sx_buf_puts(b, "*");
    p_wrap(S, f, P_POW, b);
  }
  if (!nden) return;
  sx_buf_puts(b, nden > 1 ? "/(" : "/");
  uint32_t j = 0;
  for (uint32_t i = first; i < n; i++) {
    sx_id f = n == 1 ? e : sx_kid(S, e, i);
    if (!sx_is_den(S, f, &k)) continue;
    if (j++) sx_buf_puts(b, "*");
    p_den(S, f, k, b);
  }
  if (nden > 1) sx_buf_puts(b, ")");
}

/* A term of a sum after its sign was printed as " - ": the term negated. */
static void p_negated(const slope_ctx *S, sx_id t, sx_buf *b) {
  if (sx_kind(S, t) == SX_NUM) p_num(b, -sx_num(S, t));
  else p_product(S, t, -sx_coef_of(S, t), b);
}

sx_id sx_sum_term(const slope_ctx *S, sx_id e, uint32_t i) {
  /* a difference of two terms reads positive first: 1 - x, y - x^2 */
  int swap = sx_nkids(S, e) == 2 && sx_starts_neg(S, sx_kid(S, e, 0)) && !sx_starts_neg(S, sx_kid(S, e, 1));
  return sx_kid(S, e, swap ? 1 - i : i);
}

static void p_sum(const slope_ctx *S, sx_id e, sx_buf *b) {
  uint32_t n = sx_nkids(S, e);
  for (uint32_t i = 0; i < n; i++) {
    sx_id t = sx_sum_term(S, e, i);
    int neg = sx_kind(S, t) != SX_ADD && sx_starts_neg(S, t);
    if (i > 0 && neg) {
      sx_buf_puts(b, " - ");
      p_negated(S, t, b);
      continue;
    }
    if (i > 0) sx_buf_puts(b, " + ");
    p_wrap(S, t, P_PROD, b);
  }
}

static void p_pow(const slope_ctx *S, sx_id e, sx_buf *b) {
  sx_id base = sx_kid(S, e, 0), x = sx_kid(S, e, 1);
  if (sx_is_den(S, e, NULL)) { p_product(S, e, 1, b); return; }
  if (sx_is_num(S, x, 0.5)) { p_sqrt(S, base, b); return; }
  p_wrap(S, base, P_ATOM, b);
  sx_buf_puts(b, "^");
  /* '2^-x' would parse, but '2^(-x)' is how people write it */
  if (sx_starts_neg(S, x)) {
    sx_buf_puts(b, "(");
    p_expr(S, x, b);
    sx_buf_puts(b, ")");
  } else p_wrap(S, x, P_POW, b);
}

static void p_call(const slope_ctx *S, sx_id e, sx_buf *b) {
  const char *name = sx_kind_name(sx_kind(S, e));
  sx_buf_puts(b, name ? name : "?");
  sx_buf_puts(b, "(");
  for (uint32_t i = 0; i < sx_nkids(S, e); i++) {
    if (i) sx_buf_puts(b, ", ");
    p_expr(S, sx_kid(S, e, i), b);
  }
  sx_buf_puts(b, ")");
}

static void p_expr(const slope_ctx *S, sx_id e, sx_buf *b) {
  if (b->n > SX_MAX_TEXT) b->oom = SX_BUF_LONG;
  if (b->oom) return;
  switch (sx_kind(S, e)) {
  case SX_NUM: p_num(b, sx_num(S, e)); break;
  case SX_VAR: sx_buf_puts(b, sx_name(S, e)); break;
  case SX_ADD: p_sum(S, e, b); break;
  case SX_MUL: p_product(S, e, sx_coef_of(S, e), b); break;
  case SX_POW: p_pow(S, e, b); break;
  default: p_call(S, e, b); break;
  }
}

void sx_print(const slope_ctx *S, sx_id e, sx_buf *b) {
  if (e == SX_NIL || e >= S->nnodes) { sx_buf_puts(b, "nil"); return; }
  p_expr(S, e, b);
}
