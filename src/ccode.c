/*
** ccode.c -- C99 source of a value-and-gradient function.
**
** The emitted function is straight-line code over the DAG: the gradient is
** differentiated symbolically (sx_diff), and every node reachable from the
** value or from a gradient entry becomes one 'const double tN' in the order
** 'sx_reach' lists them, children first, so shared subexpressions are
** computed once.  Nodes only the gradient needs come after an early return,
** so a call with grad == NULL pays for the value alone.  Numbers and
** parameters are written in place rather than given temporaries.
*/
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* The helpers of functions.h that <math.h> lacks, as text: the body the
** library compiles.  The guard lets several generated functions share a file. */
static const char helpers[] =
  "#include <math.h>\n"
  "\n"
  "#ifndef SLOPE_CCODE_HELPERS\n"
  "#define SLOPE_CCODE_HELPERS\n"
#define X(NAME, ...) "static inline double slope_" #NAME "(double a) " #__VA_ARGS__ "\n"
  SX_HELPERS(X)
#undef X
  "#endif\n\n";

/* Reachability flags of a node. */
enum { IN_VALUE = 1, IN_GRAD = 2 };

typedef struct cgen {
  slope_ctx *S;
  const sx_id *params;
  int nparams;
  sx_buf *b;
} cgen;

static int param_index(const cgen *g, sx_id v) {
  for (int i = 0; i < g->nparams; i++) if (g->params[i] == v) return i;
  return -1;
}

/* A double literal that stays a double in C ('2' would be an int). */
static void c_num(sx_buf *b, double v) {
  size_t at = b->n;
  if (v < 0) sx_buf_puts(b, "(");
  sx_buf_num(b, v);
  if (!b->oom && !strpbrk(b->p + at, ".e")) sx_buf_puts(b, ".0");
  if (v < 0) sx_buf_puts(b, ")");
}

/* How node 'e' is named as an operand: a literal, x[i] or its temporary. */
static void c_ref(const cgen *g, sx_id e) {
  switch (sx_kind(g->S, e)) {
  case SX_NUM: c_num(g->b, sx_num(g->S, e)); break;
  case SX_VAR: sx_buf_printf(g->b, "x[%d]", param_index(g, e)); break;
  default: sx_buf_printf(g->b, "t%u", (unsigned)e); break;
  }
}

/* The value of each function as C text, from its row (ORDER FN): an
** expression in 'a' and 'b', which 'c_value' replaces by the operands. */
#define X(NAME, name, ar, VALUE, ...) [SX_##NAME] = #VALUE,
static const char *const c_values[SX_NKINDS] = { SX_FUNCTIONS(X) };
#undef X

static int c_alnum(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A function's value: its row's text with the identifiers 'a' and 'b' replaced
** by the operands, and the helpers sx_NAME by the generated slope_NAME. */
static void c_value(const cgen *g, const char *text, sx_id a, sx_id b) {
  for (const char *p = text; *p; ) {
    size_t n = 1;
    if (c_alnum(*p)) while (c_alnum(p[n])) n++;
    if (n == 1 && (*p == 'a' || *p == 'b')) c_ref(g, *p == 'a' ? a : b);
    else if (!(*p >= '0' && *p <= '9') && n > 3 && strncmp(p, "sx_", 3) == 0) {
      sx_buf_puts(g->b, "slope_");
      sx_buf_add(g->b, p + 3, n - 3);
    } else sx_buf_add(g->b, p, n);
    p += n;
  }
}

static void c_pow(const cgen *g, sx_id base, sx_id x) {
  sx_buf *b = g->b;
  if (sx_kind(g->S, x) == SX_NUM) {
    double k = sx_num(g->S, x);
    /* the cases where the cheap form rounds exactly like pow() */
    if (k == 2) { c_ref(g, base); sx_buf_puts(b, " * "); c_ref(g, base); return; }
    if (k == -1) { sx_buf_puts(b, "1.0 / "); c_ref(g, base); return; }
    if (k == 0.5) { sx_buf_puts(b, "sqrt("); c_ref(g, base); sx_buf_puts(b, ")"); return; }
  }
  sx_buf_puts(b, "pow(");
  c_ref(g, base);
  sx_buf_puts(b, ", ");
  c_ref(g, x);
  sx_buf_puts(b, ")");
}

/* The right-hand side of node 'e'. */
static void c_rhs(const cgen *g, sx_id e) {
  slope_ctx *S = g->S;
  sx_buf *b = g->b;
  int kind = sx_kind(S, e);
  uint32_t n = sx_nkids(S, e);
  sx_id a = n > 0 ? sx_kid(S, e, 0) : SX_NIL, c = n > 1 ? sx_kid(S, e, 1) : SX_NIL;
  switch (kind) {
  case SX_ADD:
    for (uint32_t i = 0; i < n; i++) {
      sx_id t = sx_kid(S, e, i);
      if (i && sx_kind(S, t) == SX_NUM && sx_num(S, t) < 0) {
        sx_buf_puts(b, " - ");
        c_num(b, -sx_num(S, t));
        continue;
      }
      if (i) sx_buf_puts(b, " + ");
      c_ref(g, t);
    }
    return;
  case SX_MUL: {
    uint32_t i = 0;
    if (sx_is_num(S, a, -1)) { sx_buf_puts(b, "-"); i = 1; }
    for (uint32_t j = i; j < n; j++) {
      if (j > i) sx_buf_puts(b, " * ");
      c_ref(g, sx_kid(S, e, j));
    }
    return;
  }
  case SX_POW: c_pow(g, a, c); return;
  default: c_value(g, c_values[kind], a, c); return;
  }
}

/*
** Emit 'const double tN = ...;' for every node of 'list' whose flags satisfy
** 'flags & mask == want', in the list's order, so every operand is defined first.
*/
static void c_temps(const cgen *g, const uint8_t *mark, const sx_id *list, uint32_t n, int mask, int want) {
  for (uint32_t j = 0; j < n; j++) {
    sx_id id = list[j];
    int k = sx_kind(g->S, id);
    if ((mark[id] & mask) != want || k == SX_NUM || k == SX_VAR) continue;
    sx_buf_printf(g->b, "  const double t%u = ", (unsigned)id);
    c_rhs(g, id);
    sx_buf_puts(g->b, ";\n");
  }
}

/* Propagate the flags of the roots to everything below them: 'list' has
** children first, so parents are done before their children. */
static void c_mark(const slope_ctx *S, uint8_t *mark, const sx_id *list, uint32_t n) {
  for (uint32_t j = n; j-- > 0;) {
    sx_id id = list[j];
    if (!mark[id] || sx_kind(S, id) == SX_VAR) continue;
    for (uint32_t i = 0; i < sx_nkids(S, id); i++) mark[sx_kid(S, id, i)] |= mark[id];
  }
}

/* The value expression (the nodes of the last walk) may use only
** parameters, and no reductions. */
static int c_check(const cgen *g) {
  for (uint32_t j = 0; j < g->S->norder; j++)
    if (sx_is_array_kind(sx_kind(g->S, g->S->order[j])))
      return sx_error(g->S, SLOPE_ERRARG, "C code for array expressions is not supported yet");
  for (uint32_t j = 0; j < g->S->norder; j++) {
    sx_id id = g->S->order[j];
    int k = sx_kind(g->S, id);
    if (sx_is_reduce(k))
      return sx_error(g->S, SLOPE_ERRARG, "ccode does not support data reductions (mean/sum)");
    if (k == SX_VAR && param_index(g, id) < 0)
      return sx_error(g->S, SLOPE_ERRNAME, "variable '%s' is not a parameter", sx_name(g->S, id));
  }
  return SLOPE_OK;
}

static int c_ident(const char *s) {
  static const char *const reserved[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
    "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
    "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "x", "grad",
    NULL
  };
  if (!s || !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
  for (const char *p = s; *p; p++)
    if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
          (*p >= '0' && *p <= '9')) || p - s > 200) return 0;
  for (int i = 0; reserved[i]; i++) if (strcmp(s, reserved[i]) == 0) return 0;
  return 1;
}

static int c_args(slope_ctx *S, sx_id e, const char *name, const sx_id *params, int nparams) {
  if (!sx_live(S, e))
    return sx_error(S, SLOPE_ERRARG, "ccode: no expression");
  if (!c_ident(name))
    return sx_error(S, SLOPE_ERRARG, "ccode: function name '%.64s' is not a C identifier "
                    "(letters, digits and _, not a keyword, 'x' or 'grad')", name ? name : "");
  if (nparams < 0 || (nparams > 0 && !params))
    return sx_error(S, SLOPE_ERRARG, "ccode: parameter count %d is negative", nparams);
  for (int i = 0; i < nparams; i++) {
    if (params[i] == SX_NIL || params[i] >= S->nnodes || sx_kind(S, params[i]) != SX_VAR)
      return sx_error(S, SLOPE_ERRARG, "ccode: parameter %d is not a variable", i + 1);
    for (int j = 0; j < i; j++)
      if (params[j] == params[i])
        return sx_error(S, SLOPE_ERRARG, "ccode: parameter '%s' is listed twice",
                        sx_name(S, params[i]));
  }
  return SLOPE_OK;
}

/* The comment above the function: what it computes, and the meaning of x[i]. */
static void c_header(const cgen *g, sx_id e, const char *name) {
  sx_buf t = {0};
  sx_print(g->S, e, &t);
  sx_buf_printf(g->b, "/* %s: value and gradient of", name);
  if (t.oom == SX_BUF_OOM) g->b->oom = SX_BUF_OOM;   /* the whole text fails, not just the comment */
  else if (!t.oom && t.p && t.n <= 200) sx_buf_printf(g->b, "\n**   %s", t.p);
  else sx_buf_puts(g->b, " a long expression");
  sx_buf_free(&t);
  for (int i = 0; i < g->nparams; i++)
    sx_buf_printf(g->b, "%sx[%d] = %s", i ? ", " : "\n** with ", i, sx_name(g->S, g->params[i]));
  sx_buf_puts(g->b, "\n*/\n");
}

static void c_body(const cgen *g, const uint8_t *mark, sx_id e, const sx_id *grads,
                   const sx_id *list, uint32_t n) {
  sx_buf *b = g->b;
  int uses_x = 0;
  for (int i = 0; i < g->nparams; i++) uses_x |= mark[g->params[i]] != 0;
  if (!uses_x) sx_buf_puts(b, "  (void)x;\n");
  c_temps(g, mark, list, n, IN_VALUE, IN_VALUE);
  sx_buf_puts(b, "  if (!grad) return ");
  c_ref(g, e);
  sx_buf_puts(b, ";\n");
  c_temps(g, mark, list, n, IN_VALUE | IN_GRAD, IN_GRAD);
  for (int i = 0; i < g->nparams; i++) {
    sx_buf_printf(b, "  grad[%d] = ", i);
    c_ref(g, grads[i]);
    sx_buf_puts(b, ";\n");
  }
  sx_buf_puts(b, "  return ");
  c_ref(g, e);
  sx_buf_puts(b, ";\n}\n");
}

int sx_print_c(slope_ctx *S, sx_id e, const char *name, const sx_id *params,
               int nparams, sx_buf *b) {
  if (sx_failed(S)) return S->errcode;
  int rc = c_args(S, e, name, params, nparams);
  if (rc != SLOPE_OK) return rc;
  cgen g = {S, params, nparams, b};
  /* roots: e, then its gradient */
  sx_id *roots = malloc(((size_t)nparams + 1) * sizeof *roots), *grads = NULL, *list = NULL;
  uint8_t *mark = NULL;
  if (!roots) { rc = sx_error(S, SLOPE_ERRMEM, "out of memory"); goto done; }
  grads = roots + 1;
  roots[0] = e;
  if ((rc = sx_reach(S, e)) != SLOPE_OK || (rc = c_check(&g)) != SLOPE_OK) goto done;
  for (int i = 0; i < nparams; i++) {
    grads[i] = sx_diff(S, e, params[i]);
    if (grads[i] == SX_NIL) { rc = S->errcode; goto done; }
  }
  if ((rc = sx_reach_all(S, roots, (uint32_t)nparams + 1)) != SLOPE_OK) goto done;
  uint32_t n = S->norder;   /* copied: printing the header walks again */
  list = malloc((size_t)(n ? n : 1) * sizeof *list);
  mark = malloc(S->nnodes);   /* by node id: only the listed nodes and the parameters are read */
  if (!list || !mark) { rc = sx_error(S, SLOPE_ERRMEM, "out of memory"); goto done; }
  memcpy(list, S->order, (size_t)n * sizeof *list);
  for (int i = 0; i < nparams; i++) mark[params[i]] = 0;
  for (uint32_t j = 0; j < n; j++) mark[list[j]] = 0;
  mark[e] = IN_VALUE;
  for (int i = 0; i < nparams; i++) mark[grads[i]] |= IN_GRAD;
  c_mark(S, mark, list, n);
  sx_buf_puts(b, helpers);
  c_header(&g, e, name);
  sx_buf_printf(b, "double %s(const double *x, double *grad) {\n", name);
  c_body(&g, mark, e, grads, list, n);
  if (b->oom) rc = sx_error(S, SLOPE_ERRMEM, "out of memory");
done:
  free(roots);
  free(list);
  free(mark);
  return rc;
}
