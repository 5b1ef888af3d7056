/*
** latex.c -- LaTeX (math mode) text of an expression.
**
** The same reading of the canonical form as the infix printer (print.c):
** negative terms become " - term", negative numeric exponents become a
** \frac, x^0.5 is \sqrt{x}.  Exponents and fractions group with braces, so
** parentheses are only needed around sums in products and around compound
** bases of powers.  Factors are juxtaposed ('2 x') except where two numbers
** or a number and a parenthesised group meet ('2 \cdot 3^{x}').
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

static void l_expr(const slope_ctx *S, sx_id e, sx_buf *b);

static int is_pi(double v) { return v == 3.14159265358979323846; }

/* A factor that belongs in a denominator: base^-k with a numeric k > 0. */

/* Insert 's' at byte 'at' of 'b' (to choose a separator after the fact). */
static void buf_insert(sx_buf *b, size_t at, const char *s) {
  size_t n = strlen(s), old = b->n;
  sx_buf_add(b, s, n);
  if (b->oom) return;
  memmove(b->p + at + n, b->p + at, old - at);
  memcpy(b->p + at, s, n);
}

/* ---- numbers and names ----------------------------------------------------- */

/* A non-negative number: 1e-05 is 1 \cdot 10^{-5}. */
static void l_abs_num(sx_buf *b, double v) {
  if (is_pi(v)) { sx_buf_puts(b, "\\pi"); return; }
  sx_buf t = {0};
  sx_buf_num(&t, v);
  if (t.oom || !t.p) { b->oom = SX_BUF_OOM; sx_buf_free(&t); return; }
  char *e = strchr(t.p, 'e');
  if (!e) sx_buf_puts(b, t.p);
  else {
    sx_buf_add(b, t.p, (size_t)(e - t.p));
    sx_buf_printf(b, " \\cdot 10^{%d}", atoi(e + 1));
  }
  sx_buf_free(&t);
}

static int is_sci(double v) {
  if (is_pi(v)) return 0;
  sx_buf t = {0};
  sx_buf_num(&t, v);
  int r = t.p && strchr(t.p, 'e') != NULL;
  sx_buf_free(&t);
  return r;
}

static const char *const greek[] = {
  "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
  "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi",
  "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi",
  "Sigma", "Upsilon", "Phi", "Psi", "Omega", NULL
};

static int is_greek(const char *s, size_t n) {
  for (int i = 0; greek[i]; i++)
    if (strlen(greek[i]) == n && memcmp(greek[i], s, n) == 0) return 1;
  return 0;
}

static int all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) if (s[i] < '0' || s[i] > '9') return 0;
  return n > 0;
}

/* One piece of a name: 'x' as is, 'alpha' as \alpha, 'rate' as \mathrm{rate}. */
static void l_word(sx_buf *b, const char *s, size_t n) {
  if (n == 1 || all_digits(s, n)) sx_buf_add(b, s, n);
  else if (is_greek(s, n)) { sx_buf_puts(b, "\\"); sx_buf_add(b, s, n); }
  else { sx_buf_puts(b, "\\mathrm{"); sx_buf_add(b, s, n); sx_buf_puts(b, "}"); }
}

/* x_1 -> x_{1}, x12 -> x_{12}, w_out -> w_{\mathrm{out}}, lr_max_2 -> \mathrm{lr\_max\_2}. */
static void l_name(sx_buf *b, const char *s) {
  size_t n = strlen(s);
  const char *u = strchr(s, '_');
  size_t base = u ? (size_t)(u - s) : n;
  if (!u) {   /* a letter or Greek name followed by digits */
    while (base > 0 && s[base - 1] >= '0' && s[base - 1] <= '9') base--;
    if (base == 0 || base == n || !(base == 1 || is_greek(s, base))) { l_word(b, s, n); return; }
    l_word(b, s, base);
    sx_buf_puts(b, "_{");
    sx_buf_add(b, s + base, n - base);
    sx_buf_puts(b, "}");
    return;
  }
  if (base > 0 && base + 1 < n && !strchr(u + 1, '_')) {
    l_word(b, s, base);
    sx_buf_puts(b, "_{");
    l_word(b, u + 1, n - base - 1);
    sx_buf_puts(b, "}");
    return;
  }
  sx_buf_puts(b, "\\mathrm{");
  for (; *s; s++) {
    if (*s == '_') sx_buf_puts(b, "\\_");
    else sx_buf_add(b, s, 1);
  }
  sx_buf_puts(b, "}");
}

/* ---- operators ------------------------------------------------------------- */

/* Needs \left( \right) as a factor of a product with other factors? */
static int paren_factor(const slope_ctx *S, sx_id f) {
  int k = sx_kind(S, f);
  return k == SX_ADD || k == SX_MUL || k == SX_MATMUL || sx_starts_neg(S, f);
}

/* Needs \left( \right) as the base of a power? */
static int paren_base(const slope_ctx *S, sx_id f) {
  switch (sx_kind(S, f)) {
  case SX_NUM: return sx_num(S, f) < 0 || is_sci(sx_num(S, f));
  case SX_VAR: return 0;
  case SX_ADD: case SX_MUL: return 1;
  case SX_POW: return !sx_is_num(S, sx_kid(S, f, 1), 0.5);
  default: return 0;   /* functions: \sin\left(x\right)^{2} */
  }
}

static void l_group(const slope_ctx *S, sx_id e, int paren, sx_buf *b) {
  if (paren) sx_buf_puts(b, "\\left(");
  l_expr(S, e, b);
  if (paren) sx_buf_puts(b, "\\right)");
}

/* A factor of a denominator: base^k with k > 0 (k is 1 for a plain base). */
static void l_den(const slope_ctx *S, sx_id f, double k, int alone, sx_buf *b) {
  sx_id base = sx_kid(S, f, 0);
  if (k == 1) { l_group(S, base, !alone && paren_factor(S, base), b); return; }
  if (k == 0.5) { sx_buf_puts(b, "\\sqrt{"); l_expr(S, base, b); sx_buf_puts(b, "}"); return; }
  l_group(S, base, paren_base(S, base), b);
  sx_buf_puts(b, "^{");
  l_abs_num(b, k);
  sx_buf_puts(b, "}");
}

/*
** Append one factor of a juxtaposed product, choosing the separator from
** the text both sides actually print.
*/
static void l_juxt(sx_buf *b, int *first, int prev_num, size_t at) {
  if (!*first && b->n > at && !b->oom) {
    const char *t = b->p + at;
    int digit = (*t >= '0' && *t <= '9') || *t == '.';
    int group = strncmp(t, "\\left(", 6) == 0;
    buf_insert(b, at, digit || (prev_num && group) ? " \\cdot " : " ");
  }
  *first = 0;
}

/* Coefficient and the factors selected by 'den' (0 numerator, 1 denominator). */
static void l_factors(const slope_ctx *S, sx_id e, double c, int den, sx_buf *b) {
  uint32_t n = sx_kind(S, e) == SX_MUL ? sx_nkids(S, e) : 1;
  uint32_t first = sx_coef_of(S, e) != 1, count = 0;
  double k;
  for (uint32_t i = first; i < n; i++)
    count += sx_is_den(S, n == 1 ? e : sx_kid(S, e, i), NULL) == den;
  int first_item = 1, prev_num = 0;
  if (!den && (c != 1 || count == 0)) {
    l_abs_num(b, c);
    first_item = 0;
    prev_num = 1;
    count++;
  }
  for (uint32_t i = first; i < n; i++) {
    sx_id f = n == 1 ? e : sx_kid(S, e, i);
    if (sx_is_den(S, f, &k) != den) continue;
    size_t at = b->n;
    if (den) l_den(S, f, k, count == 1, b);
    else l_group(S, f, count > 1 && paren_factor(S, f), b);
    l_juxt(b, &first_item, prev_num, at);
    prev_num = 0;
  }
}

/* [-] c num / den, with the coefficient taken as 'c'. */
static void l_product(const slope_ctx *S, sx_id e, double c, sx_buf *b) {
  uint32_t n = sx_kind(S, e) == SX_MUL ? sx_nkids(S, e) : 1;
  int has_den = 0;
  for (uint32_t i = 0; i < n; i++) has_den |= sx_is_den(S, n == 1 ? e : sx_kid(S, e, i), NULL);
  if (c < 0) { sx_buf_puts(b, "-"); c = -c; }
  if (!has_den) { l_factors(S, e, c, 0, b); return; }
  sx_buf_puts(b, "\\frac{");
  l_factors(S, e, c, 0, b);
  sx_buf_puts(b, "}{");
  l_factors(S, e, c, 1, b);
  sx_buf_puts(b, "}");
}

static void l_sum(const slope_ctx *S, sx_id e, sx_buf *b) {
  for (uint32_t i = 0; i < sx_nkids(S, e); i++) {
    sx_id t = sx_sum_term(S, e, i);
    if (i > 0 && sx_starts_neg(S, t)) {
      sx_buf_puts(b, " - ");
      if (sx_kind(S, t) == SX_NUM) l_abs_num(b, -sx_num(S, t));
      else l_product(S, t, -sx_coef_of(S, t), b);
      continue;
    }
    if (i > 0) sx_buf_puts(b, " + ");
    l_group(S, t, sx_kind(S, t) == SX_ADD, b);
  }
}

static void l_pow(const slope_ctx *S, sx_id e, sx_buf *b) {
  sx_id base = sx_kid(S, e, 0), x = sx_kid(S, e, 1);
  if (sx_is_den(S, e, NULL)) { l_product(S, e, 1, b); return; }
  if (sx_is_num(S, x, 0.5)) {
    sx_buf_puts(b, "\\sqrt{");
    l_expr(S, base, b);
    sx_buf_puts(b, "}");
    return;
  }
  l_group(S, base, paren_base(S, base), b);
  sx_buf_puts(b, "^{");
  l_expr(S, x, b);
  sx_buf_puts(b, "}");
}

/* ---- functions ------------------------------------------------------------- */

/* The TEX column of each function's row (ORDER FN): an operator, a
** template with '#' for each argument, or NULL for \operatorname{name}. */
#define X(NAME, name, ar, VALUE, DA, DB, D, SIMP, TEX) [SX_##NAME] = TEX,
static const char *const l_tex[SX_NKINDS] = { SX_FUNCTIONS(X) };
#undef X

static void l_call(const slope_ctx *S, sx_id e, sx_buf *b) {
  int kind = sx_kind(S, e);
  const char *tex = l_tex[kind], *name = sx_kind_name(kind);
  uint32_t n = sx_nkids(S, e);
  if (tex && strchr(tex, '#')) {
    for (uint32_t i = 0; *tex; tex++) {
      if (*tex == '#' && i < n) l_expr(S, sx_kid(S, e, i++), b);
      else sx_buf_add(b, tex, 1);
    }
    return;
  }
  if (tex) sx_buf_puts(b, tex);
  else sx_buf_printf(b, "\\operatorname{%s}", name ? name : "?");
  sx_buf_puts(b, "\\left(");
  for (uint32_t i = 0; i < n; i++) {
    if (i) sx_buf_puts(b, ", ");
    l_expr(S, sx_kid(S, e, i), b);
  }
  sx_buf_puts(b, "\\right)");
}

/* Arrays: x_{i}, W_{i,j}, x_{a..b}, \#x, A B, A^{\top}. */
static int l_array(const slope_ctx *S, sx_id e, sx_buf *b) {
  int k = sx_kind(S, e);
  sx_id a = sx_kid(S, e, 0);
  switch (k) {
  case SX_INDEX: case SX_SLICE:
    l_group(S, a, paren_base(S, a) || sx_kind(S, a) == SX_INDEX, b);
    sx_buf_puts(b, "_{");
    for (uint32_t i = 1; i < sx_nkids(S, e); i++) {
      if (i > 1) sx_buf_puts(b, k == SX_SLICE ? " .. " : ",");
      l_expr(S, sx_kid(S, e, i), b);
    }
    sx_buf_puts(b, "}");
    return 1;
  case SX_LEN:
    sx_buf_puts(b, "\\#");
    l_group(S, a, paren_base(S, a), b);
    return 1;
  case SX_MATMUL:
    l_group(S, a, paren_factor(S, a), b);
    sx_buf_puts(b, " ");
    l_group(S, sx_kid(S, e, 1), paren_factor(S, sx_kid(S, e, 1)) || sx_kind(S, sx_kid(S, e, 1)) == SX_MATMUL, b);
    return 1;
  case SX_TRANSPOSE:
    l_group(S, a, paren_base(S, a), b);
    sx_buf_puts(b, "^{\\top}");
    return 1;
  default: return 0;
  }
}

static void l_expr(const slope_ctx *S, sx_id e, sx_buf *b) {
  if (b->n > SX_MAX_TEXT) b->oom = SX_BUF_LONG;
  if (b->oom) return;
  switch (sx_kind(S, e)) {
  case SX_NUM:
    if (sx_num(S, e) < 0) sx_buf_puts(b, "-");
    l_abs_num(b, fabs(sx_num(S, e)));
    break;
  case SX_VAR: l_name(b, sx_name(S, e)); break;
  case SX_ADD: l_sum(S, e, b); break;
  case SX_MUL: l_product(S, e, sx_coef_of(S, e), b); break;
  case SX_POW: l_pow(S, e, b); break;
  default: if (!l_array(S, e, b)) l_call(S, e, b); break;
  }
}

void sx_print_latex(const slope_ctx *S, sx_id e, sx_buf *b) {
  if (!sx_live(S, e)) { sx_buf_puts(b, "\\mathrm{nil}"); return; }
  l_expr(S, e, b);
}
