/*
** parse.c -- the driver of the expression parser and the semantics of its
** rules: let-bindings, names, calls, and every error message.
**
** The syntax is grammar/expr.y (lemon), the tokens grammar/lexer.re (re2c).
** 'sx_parse' runs the loop in the manner of SQLite's tokenize.c: lex a
** token, decide what a newline means, feed the token to the lemon engine,
** stop at the first error.  The engine calls back into the 'sx_p_*'
** helpers below, which build nodes only through the constructors of expr.h.
**
** Errors read "LINE:COL: message", then the source line and a caret under
** the column (1-based, counted in bytes).  Every error caused by the input
** ending early contains "unexpected end of input", which is how a REPL tells
** incomplete input from a mistake; those errors sit at offset 'len'.
*/
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "grammar.h"
#include "lookalike.h"
#include "suggest.h"

#define SX_PI 3.14159265358979323846

struct sx_parser;

/* Declared the same way in grammar/expr.y, which owns the token type. */
typedef struct sx_tok { const char *z; uint32_t n; } sx_tok;

/* The lemon engine (build/gen/grammar.c) and the lexer (build/gen/lexer.c). */
void *sxParserAlloc(void *(*alloc)(size_t), struct sx_parser *P);
void sxParser(void *engine, int code, sx_tok tok);
void sxParserFree(void *engine, void (*dealloc)(void *));
int sx_lex(const char *s, size_t n, size_t *pos, size_t *start);
#define SX_LEX_STRAY  (-1)
#define SX_LEX_BADNUM (-2)

/* The helpers the grammar's actions call (prototypes also in expr.y). */
uint32_t sx_p_num(struct sx_parser *P, const char *z, uint32_t n);
uint32_t sx_p_name(struct sx_parser *P, const char *z, uint32_t n);
uint32_t sx_p_call(struct sx_parser *P, const char *z, uint32_t n, uint32_t at);
uint32_t sx_p_top(struct sx_parser *P);
uint32_t sx_p_push(struct sx_parser *P, uint32_t e);
uint32_t sx_p_sum(struct sx_parser *P, uint32_t at, const char *z);
uint32_t sx_p_product(struct sx_parser *P, uint32_t at, const char *z);
uint32_t sx_p_neg(struct sx_parser *P, uint32_t e, const char *z);
uint32_t sx_p_recip(struct sx_parser *P, uint32_t e, const char *z, const char *op);
uint32_t sx_p_pow(struct sx_parser *P, uint32_t a, uint32_t b, const char *z);
uint32_t sx_p_len(struct sx_parser *P, uint32_t e, const char *z);
uint32_t sx_p_matmul(struct sx_parser *P, uint32_t a, uint32_t b, const char *z);
uint32_t sx_p_index(struct sx_parser *P, uint32_t a, uint32_t i, uint32_t j, const char *z);
uint32_t sx_p_slice(struct sx_parser *P, uint32_t a, uint32_t lo, uint32_t hi, const char *z);
uint32_t sx_p_isum(struct sx_parser *P, const char *z, uint32_t n, const char *iz, uint32_t in,
                   uint32_t lo, uint32_t hi, uint32_t body);
void sx_p_bind(struct sx_parser *P, const char *z, uint32_t n, uint32_t e);
void sx_p_result(struct sx_parser *P, uint32_t e);
void sx_p_syntax(struct sx_parser *P);
void sx_p_overflow(struct sx_parser *P);

#define MAX_NAME 255      /* longest variable name (as sx_mkvar) */
#define SHOW 40           /* longest token text quoted in a message */
#define EXCERPT 160       /* longest part of the source line echoed */

typedef struct binding { const char *z; uint32_t n; sx_id e; } binding;

/* Statement kinds, to explain a token after the final expression. */
enum { STMT_EMPTY, STMT_EXPR, STMT_BINDING };

struct sx_parser {
  slope_ctx *S;
  const char *src;
  size_t len;
  /* the token being fed and the one before it (code 0 before the first) */
  int tok, prev;
  const char *z, *prevz;
  size_t n, prevn;
  /* offsets of the open parentheses, innermost last */
  size_t paren[SX_MAX_DEPTH + 2];
  int nparen;
  /* nesting: open parentheses plus unary and '^' operators still waiting
  ** for their operand, per parenthesis level ('pend') and in all ('depth') */
  int pend[SX_MAX_DEPTH + 3];
  int depth;
  /* statements: kind of the current one, whether a final expression has
  ** been terminated, and the name of the last binding */
  int stmt, after_result;
  const char *bindz;
  size_t bindn;
  /* the term stack of sums, products and argument lists (see expr.y) */
  sx_id *stk;
  uint32_t nstk, capstk;
  /* let-bindings: open addressing on the name, later bindings overwrite */
  binding *binds;
  uint32_t nbinds, capbinds;
  sx_id result;
};

/* ---- error messages -------------------------------------------------------- */

/* 'text' in quotes for a message, shortened when long. */
static const char *quoted(char *buf, size_t cap, const char *z, size_t n) {
  if (n <= SHOW) snprintf(buf, cap, "'%.*s'", (int)n, z);
  else snprintf(buf, cap, "'%.*s...'", SHOW - 3, z);
  return buf;
}

/* Line and column (1-based, in bytes) of byte 'off' of 'src'; returns where its line starts. */
static size_t locate_in(const char *src, size_t off, int *line, int *col) {
  size_t ls = 0;
  int ln = 1;
  for (size_t i = 0; i < off; i++)
    if (src[i] == '\n') { ln++; ls = i + 1; }
  *line = ln;
  *col = (int)(off - ls + 1);
  return ls;
}

static size_t locate(const struct sx_parser *P, size_t off, int *line, int *col) {
  return locate_in(P->src, off, line, col);
}

/*
** "L:C: msg", the source line holding 'off' (a window of it when long, with
** bytes that would garble a terminal shown as '?') and a caret under 'off'.
*/
void sx_format_error(const char *s, size_t len, size_t off, const char *msg,
                     char *out, size_t cap, int *line, int *col) {
  size_t ls = locate_in(s, off, line, col), le;
  for (le = ls; le < len && s[le] != '\n'; le++) {}
  if (le > ls && s[le - 1] == '\r' && off < le) le--;   /* CRLF: keep the CR out */
  size_t ws = ls, we = le;
  if (we - ws > EXCERPT) {
    ws = off > ls + EXCERPT / 2 ? off - EXCERPT / 2 : ls;
    if (ws + EXCERPT < we) we = ws + EXCERPT;
    if (we - ws < EXCERPT) ws = we - EXCERPT;
  }
  char text[EXCERPT + 8];
  size_t k = 0;
  if (ws > ls) { memcpy(text, "...", 3); k = 3; }
  size_t caret = k + (off - ws);
  for (size_t i = ws; i < we; i++) {
    unsigned char c = (unsigned char)s[i];
    text[k++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
  }
  if (we < le) { memcpy(text + k, "...", 3); k += 3; }
  text[k] = '\0';
  snprintf(out, cap, "%d:%d: %s\n%s\n%*s^", *line, *col, msg, text, (int)caret, "");
}

static void format_error(const struct sx_parser *P, size_t off, const char *msg,
                         char *out, size_t cap, int *line, int *col) {
  sx_format_error(P->src, P->len, off, msg, out, cap, line, col);
}

/* Record an error at byte 'off' of the source (first error wins). */
static void error_at(struct sx_parser *P, size_t off, int code, const char *fmt, ...) {
  slope_ctx *S = P->S;
  if (sx_failed(S)) return;
  char msg[400], full[sizeof S->errmsg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int line, col;
  format_error(P, off, msg, full, sizeof full, &line, &col);
  sx_error(S, code, "%s", full);
  S->errline = line;
  S->errcol = col;
  S->erroffset = off;
}

/*
** A constructor failed (a constant overflowed, an expression grew too deep,
** memory ran out) and recorded its own message without a position: add the
** position of the construct being built, so every parse error has one.
*/
static void place_error(struct sx_parser *P, size_t off) {
  slope_ctx *S = P->S;
  if (!sx_failed(S) || S->errline != 0) return;
  char msg[400];
  size_t k = strnlen(S->errmsg, sizeof msg - 1);   /* shortened if need be */
  memcpy(msg, S->errmsg, k);
  msg[k] = '\0';
  format_error(P, off, msg, S->errmsg, sizeof S->errmsg, &S->errline, &S->errcol);
  S->erroffset = off;
}

/* Remember where node 'e' starts in the text, for errors found after the
** parse (shapes, sx_node_error).  Without memory the position is dropped:
** such an error then quotes the subexpression instead. */
static void remember(slope_ctx *S, sx_id e, size_t off) {
  if (!S->psrc || off > UINT32_MAX) return;
  if (S->nppos == S->capppos) {
    uint32_t cap = S->capppos ? 2 * S->capppos : 64;
    struct sx_ppos *q = cap > S->capppos ? realloc(S->ppos, (size_t)cap * sizeof *q) : NULL;
    if (!q) return;
    S->ppos = q;
    S->capppos = cap;
  }
  S->ppos[S->nppos++] = (struct sx_ppos){e, S->nodes[e].born, (uint32_t)off};
}

static sx_id placed(struct sx_parser *P, sx_id e, const char *z) {
  if (e == SX_NIL) place_error(P, (size_t)(z - P->src));
  else remember(P->S, e, (size_t)(z - P->src));
  return e;
}

/* The closing bracket of the open one at 'off'. */
static char closer(const struct sx_parser *P, size_t off) { return P->src[off] == '[' ? ']' : ')'; }

static size_t offset_of(const struct sx_parser *P, const char *z) { return (size_t)(z - P->src); }

/* What a token is, for "found ..." and "unexpected ...". */
static const char *describe(int code, const char *z, size_t n, char *buf, size_t cap) {
  char q[SHOW + 8];
  switch (code) {
  case 0: return "end of input";
  case TK_NUM: snprintf(buf, cap, "number %s", quoted(q, sizeof q, z, n)); return buf;
  case TK_NAME: snprintf(buf, cap, "name %s", quoted(q, sizeof q, z, n)); return buf;
  default: return code == TK_SEMI && *z == '\n' ? "newline" : quoted(buf, cap, z, n);
  }
}

static int is_operand(int code) {
  return code == TK_NUM || code == TK_NAME || code == TK_RP || code == TK_RB;
}

#define EOI " (unexpected end of input)"

/* An error at the end of input: say what was still expected. */
static void syntax_at_end(struct sx_parser *P) {
  size_t off = P->len;
  char q[SHOW + 8];
  if (P->prev == 0) {
    error_at(P, off, SLOPE_ERRSYNTAX, "unexpected end of input");
  } else if (!is_operand(P->prev) && P->prev != TK_SEMI) {
    error_at(P, off, SLOPE_ERRSYNTAX, "expected an expression after %s" EOI,
             quoted(q, sizeof q, P->prevz, P->prevn));
  } else if (P->nparen > 0) {
    int line, col;
    size_t at = P->paren[P->nparen - 1];
    locate(P, at, &line, &col);
    error_at(P, off, SLOPE_ERRSYNTAX, "expected '%c' to close '%c' at %d:%d" EOI, closer(P, at),
             P->src[at], line, col);
  } else if (P->bindz) {
    error_at(P, off, SLOPE_ERRSYNTAX, "expected an expression after the binding of %s" EOI,
             quoted(q, sizeof q, P->bindz, P->bindn));
  } else {
    error_at(P, off, SLOPE_ERRSYNTAX, "unexpected end of input");
  }
}

/* %syntax_error: the current token cannot follow what came before. */
void sx_p_syntax(struct sx_parser *P) {
  if (P->tok == 0) { syntax_at_end(P); return; }
  size_t off = offset_of(P, P->z);
  char buf[SHOW + 24], q[SHOW + 8];
  const char *what = describe(P->tok, P->z, P->n, buf, sizeof buf);
  if ((P->tok == TK_RP || P->tok == TK_RB) && P->nparen == 0) {
    error_at(P, off, SLOPE_ERRSYNTAX, "unmatched '%c'", *P->z);
  } else if ((P->tok == TK_RP || P->tok == TK_RB) && closer(P, P->paren[P->nparen - 1]) != *P->z) {
    int line, col;
    size_t at = P->paren[P->nparen - 1];
    locate(P, at, &line, &col);
    error_at(P, off, SLOPE_ERRSYNTAX, "expected '%c' to close '%c' at %d:%d, found '%c'",
             closer(P, at), P->src[at], line, col, *P->z);
  } else if (P->prev == 0 || P->prev == TK_SEMI) {
    if (P->after_result)
      error_at(P, off, SLOPE_ERRSYNTAX, "unexpected %s after the result expression "
               "(only 'name = expr' bindings may come before it)", what);
    else
      error_at(P, off, SLOPE_ERRSYNTAX, "expected an expression, found %s", what);
  } else if (P->tok == TK_STAR && P->prev == TK_STAR && P->z == P->prevz + 1) {
    /* Python's and Fortran's power operator */
    error_at(P, offset_of(P, P->prevz), SLOPE_ERRSYNTAX, "'**' is not an operator: powers are written x^2");
  } else if (!is_operand(P->prev)) {
    error_at(P, off, SLOPE_ERRSYNTAX, "expected an expression after %s, found %s",
             quoted(q, sizeof q, P->prevz, P->prevn), what);
  } else if (P->tok == TK_HASH) {
    /* "x^2 #square" was a comment before '#x' was the length of x */
    error_at(P, off, SLOPE_ERRSYNTAX, "unexpected '#' after an expression ('#x' is the length of x; "
             "a comment starts with '#' and a space)");
  } else if (P->tok == TK_NUM || P->tok == TK_NAME || P->tok == TK_LP) {
    error_at(P, off, SLOPE_ERRSYNTAX, "unexpected %s after an expression", what);
  } else if (P->tok == TK_ASSIGN) {
    error_at(P, off, SLOPE_ERRSYNTAX,
             "unexpected '=' (a binding 'name = expr' must start a statement)");
  } else if (P->tok == TK_COMMA) {
    error_at(P, off, SLOPE_ERRSYNTAX, "unexpected ',' outside the arguments of a function call");
  } else if (P->nparen > 0) {
    int line, col;
    size_t at = P->paren[P->nparen - 1];
    locate(P, at, &line, &col);
    error_at(P, off, SLOPE_ERRSYNTAX, "expected '%c' to close '%c' at %d:%d, found %s",
             closer(P, at), P->src[at], line, col, what);
  } else {
    error_at(P, off, SLOPE_ERRSYNTAX, "unexpected %s", what);
  }
}

/* %stack_overflow: the driver's depth limit should always come first. */
void sx_p_overflow(struct sx_parser *P) {
  error_at(P, offset_of(P, P->z), SLOPE_ERRLIMIT, "expression nested too deeply (limit %d)",
           SX_MAX_DEPTH);
}

/* A byte that starts no token: itself if printable, else \xNN; a whole
** UTF-8 character is shown as such (as U+XXXX when it is invisible) with
** what to type instead: names and operators are ASCII, as in DESIGN.md. */
static void stray(struct sx_parser *P, size_t off) {
  const unsigned char *c = (const unsigned char *)P->src + off;
  size_t left = P->len - off, n = 0;
  if (c[0] >= 0xc2 && c[0] <= 0xf4) n = c[0] < 0xe0 ? 2 : c[0] < 0xf0 ? 3 : 4;
  for (size_t i = 1; i < n; i++)
    if (i >= left || (c[i] & 0xc0) != 0x80) n = 0;
  /* no overlong forms, surrogates or code points past U+10FFFF */
  if (n > 2 && ((c[0] == 0xe0 && c[1] < 0xa0) || (c[0] == 0xed && c[1] > 0x9f) ||
                (c[0] == 0xf0 && c[1] < 0x90) || (c[0] == 0xf4 && c[1] > 0x8f)))
    n = 0;
  char hint[80];
  unsigned cp = n ? sx_codepoint(c, n) : 0;
  if (n && sx_invisible(cp))
    error_at(P, off, SLOPE_ERRSYNTAX, "unexpected invisible character U+%04X (%s)", cp,
             sx_lookalike_hint(cp, hint, sizeof hint));
  else if (n)
    error_at(P, off, SLOPE_ERRSYNTAX, "unexpected character '%.*s' (%s)", (int)n, (const char *)c,
             sx_lookalike_hint(cp, hint, sizeof hint));
  else if (c[0] > 0x20 && c[0] < 0x7f)
    error_at(P, off, SLOPE_ERRSYNTAX, "unexpected character '%c'", c[0]);
  else
    error_at(P, off, SLOPE_ERRSYNTAX, "unexpected character '\\x%02x'", c[0]);
}

/* ---- the term stack -------------------------------------------------------- */

uint32_t sx_p_top(struct sx_parser *P) { return P->nstk; }

uint32_t sx_p_push(struct sx_parser *P, uint32_t e) {
  if (P->nstk == P->capstk) {
    uint32_t cap = P->capstk ? 2 * P->capstk : 64;
    sx_id *s = realloc(P->stk, (size_t)cap * sizeof *s);
    if (!s) {
      error_at(P, offset_of(P, P->z), SLOPE_ERRMEM, "out of memory");
      return P->nstk;
    }
    P->stk = s;
    P->capstk = cap;
  }
  P->stk[P->nstk] = e;
  return P->nstk++;
}

/* Build the list stack[at..top) with 'build' and pop it. */
static sx_id pop_list(struct sx_parser *P, uint32_t at, const char *z,
                      sx_id (*build)(slope_ctx *, const sx_id *, uint32_t)) {
  if (at > P->nstk) at = P->nstk;   /* only after a failed push */
  uint32_t n = P->nstk - at;
  sx_id e = n == 1 ? P->stk[at] : n == 0 ? SX_NIL : build(P->S, P->stk + at, n);
  P->nstk = at;
  return placed(P, e, z);
}

uint32_t sx_p_sum(struct sx_parser *P, uint32_t at, const char *z) {
  return pop_list(P, at, z, sx_addn);
}

uint32_t sx_p_product(struct sx_parser *P, uint32_t at, const char *z) {
  return pop_list(P, at, z, sx_muln);
}

/* ---- let-bindings ---------------------------------------------------------- */

static uint32_t hash_name(const char *z, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)z[i]) * 16777619u;
  return h;
}

static binding *find_binding(struct sx_parser *P, const char *z, size_t n) {
  if (P->capbinds == 0) return NULL;
  uint32_t mask = P->capbinds - 1;
  for (uint32_t i = hash_name(z, n) & mask; P->binds[i].z; i = (i + 1) & mask)
    if (P->binds[i].n == n && memcmp(P->binds[i].z, z, n) == 0) return &P->binds[i];
  return NULL;
}

static int grow_bindings(struct sx_parser *P) {
  uint32_t cap = P->capbinds ? 2 * P->capbinds : 16;
  binding *t = calloc(cap, sizeof *t);
  if (!t) return 0;
  for (uint32_t j = 0; j < P->capbinds; j++) {
    binding *b = &P->binds[j];
    if (!b->z) continue;
    uint32_t i = hash_name(b->z, b->n) & (cap - 1);
    while (t[i].z) i = (i + 1) & (cap - 1);
    t[i] = *b;
  }
  free(P->binds);
  P->binds = t;
  P->capbinds = cap;
  return 1;
}

static int is_pi(const char *z, size_t n) { return n == 2 && z[0] == 'p' && z[1] == 'i'; }

void sx_p_bind(struct sx_parser *P, const char *z, uint32_t n, uint32_t e) {
  char q[SHOW + 8];
  if (e == SX_NIL || sx_failed(P->S)) return;
  if (is_pi(z, n) || sx_fn_lookup(z, n)) {
    error_at(P, offset_of(P, z), SLOPE_ERRNAME, "cannot bind %s: it is a %s",
             quoted(q, sizeof q, z, n), is_pi(z, n) ? "constant" : "function");
    return;
  }
  binding *b = find_binding(P, z, n);
  if (b) { b->e = e; return; }   /* rebinding: the last one wins */
  if (2 * (P->nbinds + 1) > P->capbinds && !grow_bindings(P)) {
    error_at(P, offset_of(P, z), SLOPE_ERRMEM, "out of memory");
    return;
  }
  uint32_t i = hash_name(z, n) & (P->capbinds - 1);
  while (P->binds[i].z) i = (i + 1) & (P->capbinds - 1);
  P->binds[i] = (binding){z, n, e};
  P->nbinds++;
}

void sx_p_result(struct sx_parser *P, uint32_t e) { P->result = e; }

/* ---- leaves ---------------------------------------------------------------- */

/* The value of a number token (already well-formed), read as C reads it
** whatever the locale's decimal point (Lua's l_str2d does the same). */
uint32_t sx_p_num(struct sx_parser *P, const char *z, uint32_t n) {
  char local[64], q[SHOW + 8];
  char *buf = n < sizeof local ? local : malloc((size_t)n + 1);
  if (!buf) {
    error_at(P, offset_of(P, z), SLOPE_ERRMEM, "out of memory");
    return SX_NIL;
  }
  memcpy(buf, z, n);
  buf[n] = '\0';
  char *end;
  double v = strtod(buf, &end);
  char *dot = strchr(buf, '.');
  if (end != buf + n && dot) {   /* a locale whose decimal point is not '.' */
    const char *dp = localeconv()->decimal_point;
    if (dp[0] && !dp[1]) {
      *dot = dp[0];
      v = strtod(buf, &end);
    }
  }
  int ok = end == buf + n;
  if (buf != local) free(buf);
  if (!ok) {
    error_at(P, offset_of(P, z), SLOPE_ERRSYNTAX, "malformed number %s", quoted(q, sizeof q, z, n));
    return SX_NIL;
  }
  if (isinf(v)) {   /* underflow to zero or a subnormal is fine */
    error_at(P, offset_of(P, z), SLOPE_ERRARG, "number %s is out of range",
             quoted(q, sizeof q, z, n));
    return SX_NIL;
  }
  return placed(P, sx_mknum(P->S, v), z);
}

/* A name: a binding, the constant pi, or a variable. */
uint32_t sx_p_name(struct sx_parser *P, const char *z, uint32_t n) {
  char q[SHOW + 8];
  if (sx_failed(P->S)) return SX_NIL;
  const binding *b = find_binding(P, z, n);
  if (b) return b->e;
  if (is_pi(z, n)) return placed(P, sx_mknum(P->S, SX_PI), z);
  if (sx_fn_lookup(z, n)) {
    error_at(P, offset_of(P, z), SLOPE_ERRNAME, "%s is a function, not a variable (call it as %.*s(...))",
             quoted(q, sizeof q, z, n), (int)n, z);
    return SX_NIL;
  }
  if (n > MAX_NAME) {
    error_at(P, offset_of(P, z), SLOPE_ERRLIMIT, "name %s is too long (limit %d characters)",
             quoted(q, sizeof q, z, n), MAX_NAME);
    return SX_NIL;
  }
  return placed(P, sx_mkvar(P->S, z, n), z);
}

/* ---- calls ----------------------------------------------------------------- */

/* The function a mistyped name most likely meant (sx_nearer), or NULL. */
static const char *suggest(const char *z, size_t n) {
  static const char *const alias[][2] = {
    {"ln", "log"}, {"sgn", "sign"}, {"arcsin", "asin"}, {"arccos", "acos"},
    {"arctan", "atan"}, {"heaviside", "step"}, {"avg", "mean"}, {"logistic", "sigmoid"},
  };
  for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
    if (strlen(alias[i][0]) == n && memcmp(alias[i][0], z, n) == 0) return alias[i][1];
  const char *best = NULL;
  int d = SX_SUGGEST_START;
  for (const sx_fninfo *f = sx_functions; f->name; f++)
    if (sx_nearer(z, n, f->name, &d)) best = f->name;
  return best;
}

/* name(args...), the arguments being stack[at..top). */
uint32_t sx_p_call(struct sx_parser *P, const char *z, uint32_t n, uint32_t at) {
  char q[SHOW + 8];
  size_t off = offset_of(P, z);
  if (at > P->nstk) at = P->nstk;
  uint32_t nargs = P->nstk - at;
  const sx_id *args = nargs ? P->stk + at : NULL;
  const sx_fninfo *f = find_binding(P, z, n) || is_pi(z, n) ? NULL : sx_fn_lookup_n(z, n, (int)nargs);
  sx_id e = SX_NIL;
  if (sx_failed(P->S)) {
    /* an argument failed; the error is already recorded */
  } else if (!f) {
    const char *hint = find_binding(P, z, n) || is_pi(z, n) ? NULL : suggest(z, n);
    if (hint)
      error_at(P, off, SLOPE_ERRNAME, "unknown function %s (did you mean '%s'?)",
               quoted(q, sizeof q, z, n), hint);
    else
      error_at(P, off, SLOPE_ERRNAME, "%s is not a function", quoted(q, sizeof q, z, n));
  } else if ((int)nargs != f->arity) {
    error_at(P, off, SLOPE_ERRARG, "'%s' takes %d argument%s, got %u", f->name, f->arity,
             f->arity == 1 ? "" : "s", (unsigned)nargs);
  } else if (f->kind == SX_POW) {
    /* sqrt(a) is a^0.5 and pow(a, b) is a^b: one kind for both */
    e = sx_pow(P->S, args[0], nargs == 1 ? sx_mknum(P->S, 0.5) : args[1]);
  } else {
    e = sx_apply(P->S, f->kind, args, nargs);
  }
  P->nstk = at;
  return placed(P, e, z);
}

/* ---- operators ------------------------------------------------------------- */

uint32_t sx_p_neg(struct sx_parser *P, uint32_t e, const char *z) {
  return placed(P, sx_neg(P->S, e), z);
}

/* 1/e, a factor of a product chain (a/b/c is a * b^-1 * c^-1, as sx_div). */
uint32_t sx_p_recip(struct sx_parser *P, uint32_t e, const char *z, const char *op) {
  if (e != SX_NIL && sx_is_num(P->S, e, 0)) {
    error_at(P, offset_of(P, op), SLOPE_ERRARG, "division by zero");
    return SX_NIL;
  }
  return placed(P, sx_pow(P->S, e, sx_mknum(P->S, -1)), z);
}

uint32_t sx_p_pow(struct sx_parser *P, uint32_t a, uint32_t b, const char *z) {
  return placed(P, sx_pow(P->S, a, b), z);
}

/* ---- arrays ----------------------------------------------------------------- */

uint32_t sx_p_len(struct sx_parser *P, uint32_t e, const char *z) {
  return placed(P, sx_len(P->S, e), z);
}

uint32_t sx_p_matmul(struct sx_parser *P, uint32_t a, uint32_t b, const char *z) {
  return placed(P, sx_matmul(P->S, a, b), z);
}

/* a[i] (j = 0) or a[i, j]. */
uint32_t sx_p_index(struct sx_parser *P, uint32_t a, uint32_t i, uint32_t j, const char *z) {
  sx_id idx[2] = {i, j};
  if (a == SX_NIL || i == SX_NIL) return SX_NIL;
  return placed(P, sx_index(P->S, a, idx, j ? 2 : 1), z);
}

uint32_t sx_p_slice(struct sx_parser *P, uint32_t a, uint32_t lo, uint32_t hi, const char *z) {
  return placed(P, sx_slice(P->S, a, lo, hi), z);
}

/* name(i = lo..hi, body): only sum takes an index range. */
uint32_t sx_p_isum(struct sx_parser *P, const char *z, uint32_t n, const char *iz, uint32_t in,
                   uint32_t lo, uint32_t hi, uint32_t body) {
  char q[SHOW + 8];
  if (sx_failed(P->S)) return SX_NIL;
  if (n != 3 || memcmp(z, "sum", 3) != 0) {
    error_at(P, offset_of(P, z), SLOPE_ERRSYNTAX, "only sum takes an index range "
             "(sum(i = 1..#x, x[i]^2)), not %s", quoted(q, sizeof q, z, n));
    return SX_NIL;
  }
  if (is_pi(iz, in) || sx_fn_lookup(iz, in)) {
    error_at(P, offset_of(P, iz), SLOPE_ERRNAME, "%s cannot be the index of a sum: it is a %s",
             quoted(q, sizeof q, iz, in), is_pi(iz, in) ? "constant" : "function");
    return SX_NIL;
  }
  sx_id i = placed(P, sx_mkvar(P->S, iz, in), iz);
  sx_id e = placed(P, sx_isum(P->S, i, lo, hi, body), z);
  /* the slices the rewriting made stand where the sum does (a node placed
  ** earlier keeps its own position: the first one recorded is found) */
  if (e != SX_NIL && sx_reach(P->S, e) == SLOPE_OK)
    for (uint32_t j = 0; j < P->S->norder; j++) remember(P->S, P->S->order[j], offset_of(P, z));
  return e;
}

/* ---- the driver ------------------------------------------------------------ */

/*
** Bookkeeping after the engine accepted token 'code': open parentheses, the
** nesting depth (which bounds the engine's stack and every recursion over
** the result), and the statement the token belongs to.  Returns 0 when the
** depth limit is exceeded.
*/
static int advance(struct sx_parser *P, int code) {
  int level = P->nparen;
  switch (code) {
  case TK_LP: case TK_LB:
    P->paren[P->nparen] = offset_of(P, P->z);
    P->nparen++;
    P->pend[P->nparen] = 0;
    P->depth++;
    break;
  case TK_RP: case TK_RB:
    P->depth -= P->pend[level];
    P->pend[level] = 0;
    if (P->nparen > 0) { P->nparen--; P->depth--; }
    break;
  case TK_PLUS: case TK_MINUS:
    if (!is_operand(P->prev)) { P->pend[level]++; P->depth++; break; }   /* unary */
    /* fall through - a binary operator ends the operands of pending ones */
  case TK_STAR: case TK_SLASH: case TK_COMMA: case TK_SEMI: case TK_ASSIGN: case TK_AT:
  case TK_DOTDOT:
    P->depth -= P->pend[level];
    P->pend[level] = 0;
    break;
  case TK_CARET: case TK_HASH:
    P->pend[level]++;
    P->depth++;
    break;
  default:
    break;
  }
  if (code == TK_SEMI) {
    if (P->stmt == STMT_EXPR) P->after_result = 1;
    P->stmt = STMT_EMPTY;
  } else if (code == TK_ASSIGN && level == 0) {
    P->stmt = STMT_BINDING;   /* the engine accepted it, so it is a binding */
    P->bindz = P->prevz;
    P->bindn = P->prevn;
  } else if (P->stmt == STMT_EMPTY) {
    P->stmt = STMT_EXPR;
  }
  P->prev = code;
  P->prevz = P->z;
  P->prevn = P->n;
  if (P->depth > SX_MAX_DEPTH) {
    error_at(P, offset_of(P, P->z), SLOPE_ERRLIMIT, "expression nested too deeply (limit %d)",
             SX_MAX_DEPTH);
    return 0;
  }
  return 1;
}

sx_id sx_parse(slope_ctx *S, const char *src, size_t len) {
  if (sx_failed(S)) return SX_NIL;   /* the first error wins */
  if (!src && len) return sx_error(S, SLOPE_ERRARG, "no source text"), SX_NIL;
  struct sx_parser P;
  memset(&P, 0, sizeof P);
  P.S = S;
  P.src = src ? src : "";
  P.len = len;
  P.z = P.src;
  if (len > SX_MAX_SOURCE) {
    error_at(&P, 0, SLOPE_ERRLIMIT, "input is too long (%zu bytes, limit %u)", len,
             (unsigned)SX_MAX_SOURCE);
    return SX_NIL;
  }
  /* the positions of this parse replace the last one's */
  free(S->psrc);
  S->nppos = 0;
  if ((S->psrc = malloc(len + 1)) != NULL) {
    memcpy(S->psrc, P.src, len);
    S->psrc[len] = '\0';
    S->plen = len;
  }
  void *engine = sxParserAlloc(malloc, &P);
  if (!engine) {
    error_at(&P, 0, SLOPE_ERRMEM, "out of memory");
    return SX_NIL;
  }
  size_t pos = 0;
  int code;
  do {
    size_t start;
    code = sx_lex(P.src, len, &pos, &start);
    P.tok = code;
    P.z = P.src + start;
    P.n = pos - start;
    if (code == TK_NEWLINE) {
      /* a newline ends a statement only at the top level and after an
      ** operand; elsewhere ("x +" NL "y", inside parentheses) it is space */
      if (P.nparen > 0 || !is_operand(P.prev)) continue;
      code = P.tok = TK_SEMI;
    }
    if (code == SX_LEX_STRAY) { stray(&P, start); break; }
    if (code == SX_LEX_BADNUM) {
      char q[SHOW + 8];
      error_at(&P, start, SLOPE_ERRSYNTAX, "malformed number %s", quoted(q, sizeof q, P.z, P.n));
      break;
    }
    sxParser(engine, code, (sx_tok){P.z, (uint32_t)P.n});
    if (sx_failed(S) || !advance(&P, code)) break;
  } while (code != 0);
  sxParserFree(engine, free);
  free(P.stk);
  free(P.binds);
  if (!sx_failed(S) && P.result == SX_NIL)   /* not expected: the grammar needs a result */
    error_at(&P, len, SLOPE_ERRSYNTAX, "unexpected end of input");
  if (sx_failed(S)) {
    place_error(&P, offset_of(&P, P.z));
    return SX_NIL;
  }
  return P.result;
}
