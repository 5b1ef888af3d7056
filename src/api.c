/*
** api.c -- the public expression functions of slope.h: argument checks at
** the boundary, then the internal constructors, walkers and printers.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* A handle the caller passes in must name a node of this context. */
static int valid(slope_ctx *S, slope_expr e) {
  if (sx_live(S, e)) return 1;
  if (e != SX_NIL) sx_error(S, SLOPE_ERRARG, "invalid expression handle %u", (unsigned)e);
  return 0;
}

slope_expr slope_parse(slope_ctx *S, const char *src, size_t len) {
  if (!src) return sx_error(S, SLOPE_ERRARG, "no source text"), SX_NIL;
  return sx_parse(S, src, len);
}

slope_expr slope_num(slope_ctx *S, double v) { return sx_mknum(S, v); }

slope_expr slope_var(slope_ctx *S, const char *name) {
  if (!name) return sx_error(S, SLOPE_ERRARG, "no variable name"), SX_NIL;
  return sx_mkvar(S, name, strlen(name));
}

#define BINARY(fname, op) \
  slope_expr fname(slope_ctx *S, slope_expr a, slope_expr b) { \
    return valid(S, a) && valid(S, b) ? op(S, a, b) : SX_NIL; \
  }
BINARY(slope_add, sx_add)
BINARY(slope_sub, sx_sub)
BINARY(slope_mul, sx_mul)
BINARY(slope_div, sx_div)
BINARY(slope_pow, sx_pow)

slope_expr slope_neg(slope_ctx *S, slope_expr a) { return valid(S, a) ? sx_neg(S, a) : SX_NIL; }

slope_expr slope_call(slope_ctx *S, const char *fn, const slope_expr *args, int nargs) {
  const sx_fninfo *f = fn ? sx_fn_lookup(fn, strlen(fn)) : NULL;
  if (!f) return sx_error(S, SLOPE_ERRNAME, "unknown function '%s'", fn ? fn : "(null)"), SX_NIL;
  if (nargs != f->arity)
    return sx_error(S, SLOPE_ERRARG, "'%s' takes %d argument%s, got %d", f->name, f->arity,
                    f->arity == 1 ? "" : "s", nargs), SX_NIL;
  for (int i = 0; i < nargs; i++) if (!valid(S, args[i])) return SX_NIL;
  if (f->kind == SX_POW && nargs == 1) return sx_pow(S, args[0], sx_mknum(S, 0.5));
  return sx_apply(S, f->kind, args, (uint32_t)nargs);
}

slope_expr slope_diff(slope_ctx *S, slope_expr e, const char *var) {
  if (!valid(S, e)) return SX_NIL;
  sx_id v = slope_var(S, var);
  return v ? sx_diff(S, e, v) : SX_NIL;
}

slope_expr slope_subs(slope_ctx *S, slope_expr e, const char *var, slope_expr by) {
  if (!valid(S, e) || !valid(S, by)) return SX_NIL;
  sx_id v = slope_var(S, var);
  return v ? sx_subs(S, e, v, by) : SX_NIL;
}

size_t slope_size(slope_ctx *S, slope_expr e) {
  if (!sx_live(S, e)) return 0;
  if (sx_reach(S, e) != SLOPE_OK) return 0;
  return S->norder;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int slope_vars(slope_ctx *S, slope_expr e, const char **out, int max) {
  if (!valid(S, e) || sx_reach(S, e) != SLOPE_OK) return -1;
  int n = 0;
  for (uint32_t j = 0; j < S->norder; j++) {
    sx_id id = S->order[j];
    if (sx_kind(S, id) != SX_VAR) continue;
    if (n < max) out[n] = sx_name(S, id);
    n++;
  }
  if (out) qsort(out, (size_t)(n < max ? n : max), sizeof *out, cmp_names);
  return n;
}

int slope_eval(slope_ctx *S, slope_expr e, const char *const *names,
               const double *values, int n, double *result) {
  if (!valid(S, e)) return S->errcode ? S->errcode : SLOPE_ERRARG;
  if (sx_reach(S, e) != SLOPE_OK) return S->errcode;
  double *v = malloc((size_t)S->nnodes * sizeof *v);   /* only the reached entries are used */
  if (!v) return sx_error(S, SLOPE_ERRMEM, "out of memory");
  int rc = SLOPE_OK;
  for (uint32_t at = 0; at < S->norder && rc == SLOPE_OK; at++) {
    sx_id id = S->order[at];
    const sx_node *nd = sx_node_of(S, id);
    switch (nd->kind) {
    case SX_NUM: v[id] = nd->num; break;
    case SX_VAR: {
      int j = 0;
      while (j < n && strcmp(names[j], sx_name(S, id)) != 0) j++;
      if (j == n) rc = sx_error(S, SLOPE_ERRNAME, "no value given for variable '%s'", sx_name(S, id));
      else v[id] = values[j];
      break;
    }
    case SX_SUM: case SX_MEAN:
      rc = sx_error(S, SLOPE_ERRDATA, "'%s' needs data: compile the expression with data columns",
                    sx_kind_name(nd->kind));
      break;
    default:
      v[id] = sx_eval_node(S, id, v);
    }
  }
  if (rc == SLOPE_OK) *result = v[e];
  free(v);
  return rc;
}

/* Print into the context's result buffer and hand out the borrowed text. */
static const char *result_text(slope_ctx *S) {
  if (S->out.oom == SX_BUF_LONG)
    return sx_error(S, SLOPE_ERRLIMIT, "the text would be longer than %zu MB: shared subexpressions "
                    "print again at every use (print a part, or compile it)", SX_MAX_TEXT >> 20), NULL;
  if (S->out.oom) return sx_error(S, SLOPE_ERRMEM, "out of memory"), NULL;
  return S->out.p ? S->out.p : "";
}

const char *slope_print(slope_ctx *S, slope_expr e) {
  if (!valid(S, e)) return NULL;
  sx_buf_reset(&S->out);
  sx_print(S, e, &S->out);
  return result_text(S);
}

const char *slope_latex(slope_ctx *S, slope_expr e) {
  if (!valid(S, e)) return NULL;
  sx_buf_reset(&S->out);
  sx_print_latex(S, e, &S->out);
  return result_text(S);
}

const char *slope_ccode(slope_ctx *S, slope_expr e, const char *name,
                        const char *const *params, int nparams) {
  if (!valid(S, e)) return NULL;
  sx_id *p = malloc((size_t)(nparams > 0 ? nparams : 1) * sizeof *p);
  if (!p) return sx_error(S, SLOPE_ERRMEM, "out of memory"), NULL;
  for (int i = 0; i < nparams; i++) p[i] = slope_var(S, params[i]);
  sx_buf_reset(&S->out);
  int rc = sx_failed(S) ? S->errcode : sx_print_c(S, e, name ? name : "f", p, nparams, &S->out);
  free(p);
  return rc == SLOPE_OK ? result_text(S) : NULL;
}
