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
**
** A DAG can share a subexpression many times, and text repeats it at every
** use: 40 nested "a = a*a + sin(a)" are 122 nodes but 2^40 characters.  So
** when the plain text would be long, shared subexpressions are printed once
** as let-bindings, which the parser reads back to the same node:
**
**   _1 = x^2 + sin(x); _2 = _1^2 + sin(_1); _2^2 + sin(_2)
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* Binding strength of the text printed for a node. */
enum { P_SUM = 1, P_PROD, P_POW, P_ATOM };

/* Plain text longer than this gets let-bindings. */
#define LET_TEXT 2000
/* Shared subexpressions shorter than this stay in place. */
#define LET_MIN 12

typedef struct printer {
  const slope_ctx *S;
  sx_buf *b;
  const uint32_t *let;   /* let[id]: the number of the binding printed for id, or 0 */
  const char *prefix;    /* of the bindings' names: "_1", "_2", ... */
  size_t limit;          /* printing stops (SX_BUF_LONG) once b->n passes this */
} printer;

static void p_expr(printer *P, sx_id e);

/* Node 'e' is printed as the name of its binding. */
static int bound(const printer *P, sx_id e) { return P->let && P->let[e]; }

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

static int prec_of(const printer *P, sx_id e) {
  const slope_ctx *S = P->S;
  if (bound(P, e)) return P_ATOM;
  switch (sx_kind(S, e)) {
  case SX_NUM: return sx_num(S, e) < 0 ? P_PROD : P_ATOM;
  case SX_ADD: return P_SUM;
  case SX_MUL: case SX_MATMUL: return P_PROD;
  case SX_LEN: return P_POW;   /* like a unary minus that never prints first */
  case SX_POW:
    if (sx_is_den(S, e, NULL)) return P_PROD;
    if (sx_is_num(S, sx_kid(S, e, 1), 0.5)) return P_ATOM;   /* sqrt(...) */
    return P_POW;
  default: return P_ATOM;   /* names and function calls */
  }
}

/* The printed text starts with a minus (a binding's name does not). */
static int neg_text(const printer *P, sx_id e) { return !bound(P, e) && sx_starts_neg(P->S, e); }

/* Factor 'f' of product 'e' goes under the '/' (a binding's name does not;
** 'f' is 'e' itself when 'e' is a lone power such as x^-1). */
static int den(const printer *P, sx_id e, sx_id f, double *k) {
  return (f == e || !bound(P, f)) && sx_is_den(P->S, f, k);
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
static void p_wrap(printer *P, sx_id e, int need) {
  if (prec_of(P, e) >= need) { p_expr(P, e); return; }
  sx_buf_puts(P->b, "(");
  p_expr(P, e);
  sx_buf_puts(P->b, ")");
}

static void p_sqrt(printer *P, sx_id base) {
  sx_buf_puts(P->b, "sqrt(");
  p_expr(P, base);
  sx_buf_puts(P->b, ")");
}

/* One factor under the '/': base^k with k > 0. */
static void p_den(printer *P, sx_id f, double k) {
  sx_id base = sx_kid(P->S, f, 0);
  if (k == 1) { p_wrap(P, base, P_POW); return; }
  if (k == 0.5) { p_sqrt(P, base); return; }
  p_wrap(P, base, P_ATOM);
  sx_buf_puts(P->b, "^");
  p_abs_num(P->b, k);
}

/*
** A product with its coefficient taken as 'c' (the caller may pass the
** negated coefficient after printing " - "): [-][c*]num*num/(den*den).
** 'e' may also be a lone power with a negative exponent (1/x).
*/
static void p_product(printer *P, sx_id e, double c) {
  const slope_ctx *S = P->S;
  sx_buf *b = P->b;
  uint32_t n = sx_kind(S, e) == SX_MUL ? sx_nkids(S, e) : 1;
  uint32_t first = sx_coef_of(S, e) != 1, nnum = 0, nden = 0;
  double k;
  for (uint32_t i = first; i < n; i++) nden += den(P, e, n == 1 ? e : sx_kid(S, e, i), NULL);
  /* '-(x + 1)*y' reads back as (-(x + 1))*y, the same product: products
  ** never distribute (expr.h), so a leading unary minus is always safe */
  if (c < 0) { sx_buf_puts(b, "-"); c = -c; }
  if (c != 1 || (nden && nden == n - first)) { p_abs_num(b, c); nnum++; }
  for (uint32_t i = first; i < n; i++) {
    sx_id f = n == 1 ? e : sx_kid(S, e, i);
    if (den(P, e, f, NULL)) continue;
    if (nnum++) sx_buf_puts(b, "*");
    p_wrap(P, f, P_POW);
  }
  if (!nden) return;
  sx_buf_puts(b, nden > 1 ? "/(" : "/");
  uint32_t j = 0;
  for (uint32_t i = first; i < n; i++) {
    sx_id f = n == 1 ? e : sx_kid(S, e, i);
    if (!den(P, e, f, &k)) continue;
    if (j++) sx_buf_puts(b, "*");
    p_den(P, f, k);
  }
  if (nden > 1) sx_buf_puts(b, ")");
}

/* A term of a sum after its sign was printed as " - ": the term negated. */
static void p_negated(printer *P, sx_id t) {
  if (sx_kind(P->S, t) == SX_NUM) p_num(P->b, -sx_num(P->S, t));
  else p_product(P, t, -sx_coef_of(P->S, t));
}

/* The i-th term of sum 'e' in printed order: a difference of two terms reads
** positive first (1 - x, y - x^2). */
static sx_id sum_term(const printer *P, sx_id e, uint32_t i) {
  const slope_ctx *S = P->S;
  int swap = sx_nkids(S, e) == 2 && neg_text(P, sx_kid(S, e, 0)) && !neg_text(P, sx_kid(S, e, 1));
  return sx_kid(S, e, swap ? 1 - i : i);
}

sx_id sx_sum_term(const slope_ctx *S, sx_id e, uint32_t i) {
  printer P = {S, NULL, NULL, NULL, 0};
  return sum_term(&P, e, i);
}

static void p_sum(printer *P, sx_id e) {
  uint32_t n = sx_nkids(P->S, e);
  for (uint32_t i = 0; i < n; i++) {
    sx_id t = sum_term(P, e, i);
    int neg = sx_kind(P->S, t) != SX_ADD && neg_text(P, t);
    if (i > 0 && neg) {
      sx_buf_puts(P->b, " - ");
      p_negated(P, t);
      continue;
    }
    if (i > 0) sx_buf_puts(P->b, " + ");
    p_wrap(P, t, P_PROD);
  }
}

static void p_pow(printer *P, sx_id e) {
  const slope_ctx *S = P->S;
  sx_id base = sx_kid(S, e, 0), x = sx_kid(S, e, 1);
  if (sx_is_den(S, e, NULL)) { p_product(P, e, 1); return; }
  if (sx_is_num(S, x, 0.5)) { p_sqrt(P, base); return; }
  p_wrap(P, base, P_ATOM);
  sx_buf_puts(P->b, "^");
  /* '2^-x' would parse, but '2^(-x)' is how people write it */
  if (neg_text(P, x)) {
    sx_buf_puts(P->b, "(");
    p_expr(P, x);
    sx_buf_puts(P->b, ")");
  } else p_wrap(P, x, P_POW);
}

static void p_call(printer *P, sx_id e) {
  const char *name = sx_kind_name(sx_kind(P->S, e));
  sx_buf_puts(P->b, name ? name : "?");
  sx_buf_puts(P->b, "(");
  for (uint32_t i = 0; i < sx_nkids(P->S, e); i++) {
    if (i) sx_buf_puts(P->b, ", ");
    p_expr(P, sx_kid(P->S, e, i));
  }
  sx_buf_puts(P->b, ")");
}

/* x[i], W[i, j], x[a..b]: the subscripts after the base. */
static void p_index(printer *P, sx_id e, const char *sep) {
  const slope_ctx *S = P->S;
  p_wrap(P, sx_kid(S, e, 0), P_ATOM);
  sx_buf_puts(P->b, "[");
  for (uint32_t i = 1; i < sx_nkids(S, e); i++) {
    if (i > 1) sx_buf_puts(P->b, sep);
    p_expr(P, sx_kid(S, e, i));
  }
  sx_buf_puts(P->b, "]");
}

/* #x binds like a unary minus; a @ b like '*', left to right. */
static void p_array_op(printer *P, sx_id e) {
  const slope_ctx *S = P->S;
  if (sx_kind(S, e) == SX_LEN) {
    /* '#' reads as the length only before a name or '(' (elsewhere it starts
    ** a comment), so anything but a name is parenthesized: #(97.4), not
    ** #97.4 (found by fuzz_parse in '#pi^2^2') */
    sx_id a = sx_kid(S, e, 0);
    sx_buf_puts(P->b, "#");
    if (sx_kind(S, a) == SX_VAR) p_expr(P, a);
    else {
      sx_buf_puts(P->b, "(");
      p_expr(P, a);
      sx_buf_puts(P->b, ")");
    }
    return;
  }
  p_wrap(P, sx_kid(S, e, 0), P_PROD);
  sx_buf_puts(P->b, " @ ");
  p_wrap(P, sx_kid(S, e, 1), P_POW);
}

/* Node 'e' itself, whether or not it has a binding. */
static void p_node(printer *P, sx_id e) {
  const slope_ctx *S = P->S;
  if (P->b->n > P->limit) P->b->oom = SX_BUF_LONG;
  if (P->b->oom) return;
  switch (sx_kind(S, e)) {
  case SX_NUM: p_num(P->b, sx_num(S, e)); break;
  case SX_VAR: sx_buf_puts(P->b, sx_name(S, e)); break;
  case SX_ADD: p_sum(P, e); break;
  case SX_MUL: p_product(P, e, sx_coef_of(S, e)); break;
  case SX_POW: p_pow(P, e); break;
  case SX_INDEX: p_index(P, e, ", "); break;
  case SX_SLICE: p_index(P, e, ".."); break;
  case SX_LEN: case SX_MATMUL: p_array_op(P, e); break;
  default: p_call(P, e); break;
  }
}

static void p_expr(printer *P, sx_id e) {
  if (bound(P, e)) sx_buf_printf(P->b, "%s%u", P->prefix, (unsigned)P->let[e]);
  else p_node(P, e);
}

/* ---- choosing the let-bindings ---------------------------------------------------- */

/* Estimated length of a node's text from its children's. */
static double text_length(const slope_ctx *S, sx_id id, const double *len) {
  int k = sx_kind(S, id);
  if (k == SX_NUM) return 6;
  if (k == SX_VAR) return (double)strlen(sx_name(S, id));
  double n = 6;
  for (uint32_t i = 0; i < sx_nkids(S, id); i++) n += len[sx_kid(S, id, i)] + 3;
  return n < 1e300 ? n : 1e300;
}

/*
** Number the shared subexpressions of 'e' worth a binding, in the order
** 'sx_reach' lists them (so a binding's own bindings come first): used at
** least twice, not a number or a name, and at least LET_MIN characters with
** its own bindings in place.  'list' holds the 'n' nodes below 'e', 'e'
** last; the other arrays are by node id.  Returns how many.
*/
static uint32_t choose_lets(const slope_ctx *S, sx_id e, const sx_id *list, uint32_t n,
                            uint32_t *let, uint32_t *uses, double *len) {
  for (uint32_t j = 0; j < n; j++) uses[list[j]] = 0;
  uses[e] = 1;
  for (uint32_t j = n; j-- > 0;) {   /* uses by reachable parents: parents come later */
    sx_id id = list[j];
    if (uses[id] && sx_kind(S, id) != SX_VAR)
      for (uint32_t i = 0; i < sx_nkids(S, id); i++) uses[sx_kid(S, id, i)]++;
  }
  uint32_t nlets = 0;
  for (uint32_t j = 0; j < n; j++) {
    sx_id id = list[j];
    let[id] = 0;
    len[id] = text_length(S, id, len);
    int k = sx_kind(S, id);
    if (id != e && uses[id] >= 2 && k != SX_NUM && k != SX_VAR && len[id] >= LET_MIN) {
      let[id] = ++nlets;
      len[id] = 4;   /* its name, where it is used */
    }
  }
  return nlets;
}

/* "_", or more underscores when a variable of 'e' could meet a binding's name. */
static void let_prefix(const slope_ctx *S, const sx_id *list, uint32_t n, char *prefix, size_t cap) {
  snprintf(prefix, cap, "_");
  for (int clash = 1; clash && strlen(prefix) + 2 < cap;) {
    clash = 0;
    size_t len = strlen(prefix);
    for (uint32_t j = 0; j < n && !clash; j++) {
      const char *name = sx_kind(S, list[j]) == SX_VAR ? sx_name(S, list[j]) : NULL;
      clash = name && strncmp(name, prefix, len) == 0 && name[len] >= '0' && name[len] <= '9';
    }
    if (clash) strcat(prefix, "_");
  }
}

/* 'e' with its shared subexpressions as bindings: "_1 = ...; _2 = ...; e". */
static void print_with_lets(printer *P, slope_ctx *S, sx_id e) {
  sx_buf *b = P->b;
  int failed = sx_failed(S);
  if (sx_reach(S, e) != SLOPE_OK) {   /* reported as the text's out of memory */
    if (!failed) slope_clear_error(S);
    b->oom = SX_BUF_OOM;
    return;
  }
  uint32_t n = S->norder;
  size_t ids = S->nnodes;   /* by node id: only the listed nodes are used */
  sx_id *list = malloc((size_t)n * sizeof *list);
  uint32_t *let = malloc(ids * sizeof *let), *uses = malloc(ids * sizeof *uses);
  double *len = malloc(ids * sizeof *len);
  char prefix[16];
  if (!list || !let || !uses || !len) b->oom = SX_BUF_OOM;
  else if (memcpy(list, S->order, (size_t)n * sizeof *list), choose_lets(S, e, list, n, let, uses, len)) {
    let_prefix(S, list, n, prefix, sizeof prefix);
    P->let = let;
    P->prefix = prefix;
    for (uint32_t j = 0; j + 1 < n && !b->oom; j++) {   /* e is last */
      if (!let[list[j]]) continue;
      sx_buf_printf(b, "%s%u = ", prefix, (unsigned)let[list[j]]);
      p_node(P, list[j]);
      sx_buf_puts(b, "; ");
    }
  }
  if (!b->oom) p_expr(P, e);
  P->let = NULL;
  free(list);
  free(let);
  free(uses);
  free(len);
}

/* Plain text first, which costs only its length; past LET_TEXT characters
** it starts again with bindings, which costs a walk of the DAG. */
void sx_print(const slope_ctx *S, sx_id e, sx_buf *b) {
  if (!sx_live(S, e)) { sx_buf_puts(b, "nil"); return; }
  size_t start = b->n;
  printer P = {S, b, NULL, NULL, start + LET_TEXT < SX_MAX_TEXT ? start + LET_TEXT : SX_MAX_TEXT};
  p_expr(&P, e);
  if (b->oom != SX_BUF_LONG || P.limit == SX_MAX_TEXT) return;
  b->oom = 0;
  b->n = start;
  b->p[start] = '\0';
  P.limit = SX_MAX_TEXT;
  /* the walk changes only the context's scratch (marks and lists), not what it means */
  print_with_lets(&P, (slope_ctx *)S, e);
}
