/*
** api.c -- the public expression functions of slope.h: argument checks at
** the boundary, then the internal constructors, walkers and printers.
**
** Each function starts with sx_enter (an earlier call's error is set aside,
** see ctx.h) and calls only internal functions after that, so an error
** recorded inside the call is not set aside by a nested public call.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shape.h"

#define valid(S, e) sx_check_handle(S, e, __func__)

static int to_shape(slope_shape p, sx_shape *s);

/* The variable 'name', for slope_var and the functions that take a name. */
static sx_id var_named(slope_ctx *S, const char *name) {
  if (!name) return sx_error(S, SLOPE_ERRARG, "no variable name"), SX_NIL;
  return sx_mkvar(S, name, strlen(name));
}

slope_expr slope_parse(slope_ctx *S, const char *src, size_t len) {
  SX_ENTER(S, SX_NIL);
  if (!src) return sx_error(S, SLOPE_ERRARG, "no source text"), SX_NIL;
  return sx_parse(S, src, len);
}

slope_expr slope_num(slope_ctx *S, double v) {
  SX_ENTER(S, SX_NIL);
  return sx_mknum(S, v);
}

slope_expr slope_var(slope_ctx *S, const char *name) {
  SX_ENTER(S, SX_NIL);
  return var_named(S, name);
}

#define BINARY(fname, op) \
  slope_expr fname(slope_ctx *S, slope_expr a, slope_expr b) { \
    SX_ENTER(S, SX_NIL); \
    return valid(S, a) && valid(S, b) ? op(S, a, b) : SX_NIL; \
  }
BINARY(slope_add, sx_add)
BINARY(slope_sub, sx_sub)
BINARY(slope_mul, sx_mul)
BINARY(slope_div, sx_div)
BINARY(slope_pow, sx_pow)

slope_expr slope_neg(slope_ctx *S, slope_expr a) {
  SX_ENTER(S, SX_NIL);
  return valid(S, a) ? sx_neg(S, a) : SX_NIL;
}

static slope_expr arity_error(slope_ctx *S, const sx_fninfo *f, int nargs) {
  return sx_error(S, SLOPE_ERRARG, "'%s' takes %d argument%s, got %d", f->name, f->arity,
                  f->arity == 1 ? "" : "s", nargs), SX_NIL;
}

slope_expr slope_call(slope_ctx *S, const char *fn, const slope_expr *args, int nargs) {
  SX_ENTER(S, SX_NIL);
  SX_MISUSE_IF(S, nargs < 0, SX_NIL, "the argument count is negative (%d)", nargs);
  if (nargs > 0 && !args)
    return sx_error(S, SLOPE_ERRARG, "no arguments for '%s'", fn ? fn : "(null)"), SX_NIL;
  const sx_fninfo *f = fn ? sx_fn_lookup_n(fn, strlen(fn), nargs) : NULL;
  /* no function takes more than 3 (pad): a larger count is refused before
  ** reading that many handles (the array may be shorter) */
  if (f && nargs > 3) return arity_error(S, f, nargs);
  /* a failed argument comes first: it started the failure of the chain */
  for (int i = 0; i < nargs; i++) if (!valid(S, args[i])) return SX_NIL;
  if (!f) return sx_error(S, SLOPE_ERRNAME, "unknown function '%s'", fn ? fn : "(null)"), SX_NIL;
  if (nargs != f->arity) return arity_error(S, f, nargs);
  if (f->kind == SX_POW && nargs == 1) return sx_pow(S, args[0], sx_mknum(S, 0.5));
  return sx_apply(S, f->kind, args, (uint32_t)nargs);
}

slope_expr slope_index(slope_ctx *S, slope_expr a, slope_expr i, slope_expr j) {
  SX_ENTER(S, SX_NIL);
  if (!valid(S, a) || !valid(S, i) || (j && !valid(S, j))) return SX_NIL;
  sx_id idx[2] = {i, j};
  return sx_index(S, a, idx, j ? 2 : 1);
}

slope_expr slope_slice(slope_ctx *S, slope_expr v, slope_expr lo, slope_expr hi) {
  SX_ENTER(S, SX_NIL);
  return valid(S, v) && valid(S, lo) && valid(S, hi) ? sx_slice(S, v, lo, hi) : SX_NIL;
}

slope_expr slope_len(slope_ctx *S, slope_expr a) {
  SX_ENTER(S, SX_NIL);
  return valid(S, a) ? sx_len(S, a) : SX_NIL;
}

const char *slope_function_at(int i, int *arity, int *reduces) {
  int n = 0;
  while (sx_functions[n].name) n++;
  if (i < 0 || i >= n) return NULL;
  const sx_fninfo *f = &sx_functions[i];
  if (arity) *arity = f->arity;
  if (reduces) *reduces = sx_is_reduce(f->kind) != 0;
  return f->name;
}

int slope_function_eval(const char *fn, const double *args, int nargs, double *result) {
  const sx_fninfo *f = fn ? sx_fn_lookup(fn, strlen(fn)) : NULL;
  if (!f) return SLOPE_ERRNAME;
  if (nargs != f->arity || !args || !result) return SLOPE_ERRARG;
  if (sx_is_reduce(f->kind)) return SLOPE_ERRDATA;
  /* sqrt(a) is a^0.5, as slope_call builds it */
  *result = sx_fn_eval(f->kind, args[0], f->kind == SX_POW && nargs == 1 ? 0.5 : nargs > 1 ? args[1] : 0);
  return SLOPE_OK;
}

const char *slope_var_name(slope_ctx *S, slope_expr e) {
  SX_ENTER(S, NULL);
  if (e == SX_NIL) return NULL;   /* no expression is not a variable: nothing to record (slope.h) */
  if (!valid(S, e) || sx_kind(S, e) != SX_VAR) return NULL;
  return sx_name(S, e);
}

slope_expr slope_diff(slope_ctx *S, slope_expr e, const char *var) {
  SX_ENTER(S, SX_NIL);
  if (!valid(S, e)) return SX_NIL;
  sx_id v = var_named(S, var);
  return v ? sx_grad(S, e, v, NULL, NULL, 0) : SX_NIL;
}

slope_expr slope_diff_shaped(slope_ctx *S, slope_expr e, const char *var, const char *const *names,
                             const slope_shape *shapes, int n) {
  SX_ENTER(S, SX_NIL);
  SX_MISUSE_IF(S, n < 0 || (n > 0 && (!names || !shapes)), SX_NIL,
               "'names' and 'shapes' must hold 'n' (%d) entries", n);
  for (int i = 0; i < n; i++) SX_MISUSE_IF(S, !names[i], SX_NIL, "names[%d] is NULL", i);
  if (!valid(S, e)) return SX_NIL;
  sx_id v = var_named(S, var);
  sx_id *vars = malloc((size_t)(n > 0 ? n : 1) * sizeof *vars);
  int *ranks = malloc((size_t)(n > 0 ? n : 1) * sizeof *ranks);
  sx_shape sh = SX_SCALAR;
  if (!vars || !ranks) sx_error(S, SLOPE_ERRMEM, "out of memory");
  for (int i = 0; i < n && v && !sx_failed(S); i++) {
    if (!to_shape(shapes[i], &sh))
      sx_error(S, SLOPE_ERRARG, "shapes[%d] of '%s' is not a shape (rank 0, 1 or 2, dimensions at "
               "least 1)", i, names[i]);
    vars[i] = var_named(S, names[i]);
    ranks[i] = sh.rank;
  }
  sx_id r = v && !sx_failed(S) ? sx_grad(S, e, v, vars, ranks, n) : SX_NIL;
  free(vars);
  free(ranks);
  return r;
}

slope_expr slope_subs(slope_ctx *S, slope_expr e, const char *var, slope_expr by) {
  SX_ENTER(S, SX_NIL);
  if (!valid(S, e) || !valid(S, by)) return SX_NIL;
  sx_id v = var_named(S, var);
  return v ? sx_subs(S, e, v, by) : SX_NIL;
}

size_t slope_size(slope_ctx *S, slope_expr e) {
  SX_ENTER(S, 0);
  if (!valid(S, e)) return 0;   /* 0 reports the error of the call that made it */
  if (sx_reach(S, e) != SLOPE_OK) return 0;
  return S->norder;
}

/*
** Variables come in the order their names were first interned in the
** context: the parser interns names left to right and slope.vars("w x b")
** in the order given, so (w*x + b - y)^2 lists w, x, b, y, as written, and
** p1 .. p10 do not sort as p1 p10 p2.  A name is interned once, at the end
** of the context's name buffer, so its offset there is that rank, and a
** borrowed name points into the buffer: comparing the pointers compares
** the ranks (the DAG itself is canonically ordered and cannot tell).
*/
static int cmp_first_interned(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  return (x > y) - (x < y);
}

int slope_vars(slope_ctx *S, slope_expr e, const char **out, int max) {
  SX_ENTER(S, -1);
  SX_MISUSE_IF(S, max < 0 || (max > 0 && !out), -1, "'out' must have room for 'max' (%d) names", max);
  if (!valid(S, e) || sx_reach(S, e) != SLOPE_OK) return -1;
  int n = 0;
  for (uint32_t j = 0; j < S->norder; j++) {
    sx_id id = S->order[j];
    if (sx_kind(S, id) != SX_VAR) continue;
    if (n < max) out[n] = sx_name(S, id);
    n++;
  }
  if (out) qsort(out, (size_t)(n < max ? n : max), sizeof *out, cmp_first_interned);
  return n;
}

/* A shape of the public API as the inference's; 0 if it is not one. */
static int to_shape(slope_shape p, sx_shape *s) {
  if (p.rank == 0) { *s = SX_SCALAR; return 1; }
  if (p.rank < 0 || p.rank > 2 || p.dim[0] < 1 || (p.rank == 2 && p.dim[1] < 1)) return 0;
  *s = (sx_shape){(uint8_t)p.rank, (uint32_t)p.dim[0], p.rank == 2 ? (uint32_t)p.dim[1] : 1};
  return 1;
}

/* The value of 'e' with every name bound, in the tree evaluator of arrays:
** the names' nodes, shapes and where their elements start. */
static int eval_arrays(slope_ctx *S, slope_expr e, const char *const *names, const sx_shape *sh,
                       const double *values, int n, double **out, sx_shape *shape) {
  sx_id *vars = malloc((size_t)(n > 0 ? n : 1) * sizeof *vars);
  const double **vals = malloc((size_t)(n > 0 ? n : 1) * sizeof *vals);
  int rc = !vars || !vals ? sx_error(S, SLOPE_ERRMEM, "out of memory") : SLOPE_OK;
  uint64_t at = 0;
  for (int i = 0; i < n && rc == SLOPE_OK; i++) {
    /* a name no expression can hold binds nothing, as in slope_eval */
    size_t len = strlen(names[i]);
    int ok = sx_valid_name(names[i], len) && !sx_fn_lookup(names[i], len) && strcmp(names[i], "pi");
    if (ok && !(vars[i] = sx_mkvar(S, names[i], len))) rc = S->errcode;
    if (!ok) vars[i] = SX_NIL;
    vals[i] = values + at;
    at += sx_shape_size(sh[i]);
  }
  if (rc == SLOPE_OK) rc = sx_eval_shaped(S, e, vars, sh, vals, n, out, shape);
  free(vars);
  free(vals);
  return rc;
}

int slope_eval_shaped(slope_ctx *S, slope_expr e, const char *const *names,
                      const slope_shape *shapes, const double *values, int n,
                      double *out, size_t outcap, slope_shape *outshape) {
  SX_ENTER(S, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(S, outcap > 0 && !out, SLOPE_ERRMISUSE, "'out' is NULL but 'outcap' is %zu", outcap);
  SX_MISUSE_IF(S, n < 0 || (n > 0 && (!names || !values)), SLOPE_ERRMISUSE,
               "'names' and 'values' must hold 'n' (%d) entries", n);
  for (int i = 0; i < n; i++) SX_MISUSE_IF(S, !names[i], SLOPE_ERRMISUSE, "names[%d] is NULL", i);
  if (!valid(S, e)) return S->errcode;
  sx_shape *sh = malloc((size_t)(n > 0 ? n : 1) * sizeof *sh);
  if (!sh) return sx_error(S, SLOPE_ERRMEM, "out of memory");
  for (int i = 0; i < n; i++)
    if (!to_shape(shapes ? shapes[i] : (slope_shape){0, {1, 1}}, &sh[i])) {
      free(sh);
      return sx_error(S, SLOPE_ERRARG, "shapes[%d] of '%s' is not a shape (rank 0, 1 or 2, "
                      "dimensions at least 1)", i, names[i]);
    }
  double *r = NULL;
  sx_shape rs;
  int rc = eval_arrays(S, e, names, sh, values, n, &r, &rs);
  free(sh);
  if (rc != SLOPE_OK) return rc;
  if (outshape) *outshape = (slope_shape){rs.rank, {(int)rs.rows, (int)rs.cols}};
  uint64_t size = sx_shape_size(rs);
  if (size > outcap)
    rc = sx_error(S, SLOPE_ERRARG, "'out' has room for %zu values, the result has %llu", outcap,
                  (unsigned long long)size);
  else memcpy(out, r, (size_t)size * sizeof *out);
  free(r);
  return rc;
}

int slope_eval(slope_ctx *S, slope_expr e, const char *const *names,
               const double *values, int n, double *result) {
  SX_ENTER(S, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(S, !result, SLOPE_ERRMISUSE, "'result' is NULL");
  SX_MISUSE_IF(S, n < 0 || (n > 0 && (!names || !values)), SLOPE_ERRMISUSE,
               "'names' and 'values' must hold 'n' (%d) entries", n);
  for (int i = 0; i < n; i++) SX_MISUSE_IF(S, !names[i], SLOPE_ERRMISUSE, "names[%d] is NULL", i);
  if (!valid(S, e)) return S->errcode;
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
      if (sx_is_array_kind(nd->kind)) { rc = -1; break; }   /* max(x), sum(range(1, 3)): below */
      v[id] = sx_eval_node(S, id, v);
    }
  }
  double value = rc == SLOPE_OK ? v[e] : 0;
  free(v);
  if (rc == -1) {   /* every name a scalar, the value a scalar */
    sx_shape *sh = calloc((size_t)(n > 0 ? n : 1), sizeof *sh), rs;
    double *r = NULL;
    for (int i = 0; sh && i < n; i++) sh[i] = SX_SCALAR;
    rc = sh ? eval_arrays(S, e, names, sh, values, n, &r, &rs) : sx_error(S, SLOPE_ERRMEM, "out of memory");
    char t[48];
    if (rc == SLOPE_OK && rs.rank != 0)
      rc = sx_error(S, SLOPE_ERRARG, "the value is %s: evaluate it with slope_eval_shaped",
                    sx_shape_text(rs, t, sizeof t));
    if (rc == SLOPE_OK) *result = r[0];
    free(sh);
    free(r);
    return rc;
  }
  if (rc == SLOPE_OK) *result = value;
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
  SX_ENTER(S, NULL);
  if (!valid(S, e)) return NULL;
  sx_buf_reset(&S->out);
  sx_print(S, e, &S->out);
  return result_text(S);
}

const char *slope_latex(slope_ctx *S, slope_expr e) {
  SX_ENTER(S, NULL);
  if (!valid(S, e)) return NULL;
  sx_buf_reset(&S->out);
  sx_print_latex(S, e, &S->out);
  return result_text(S);
}

const char *slope_ccode(slope_ctx *S, slope_expr e, const char *name,
                        const char *const *params, int nparams) {
  SX_ENTER(S, NULL);
  SX_MISUSE_IF(S, nparams < 0 || (nparams > 0 && !params), NULL,
               "'params' must hold 'nparams' (%d) names", nparams);
  if (nparams > SX_MAX_PARAMS)
    return sx_error(S, SLOPE_ERRLIMIT, "slope_ccode: at most %d parameters, got %d", SX_MAX_PARAMS, nparams), NULL;
  if (!valid(S, e)) return NULL;
  sx_id *p = malloc((size_t)(nparams > 0 ? nparams : 1) * sizeof *p);
  if (!p) return sx_error(S, SLOPE_ERRMEM, "out of memory"), NULL;
  for (int i = 0; i < nparams && !sx_failed(S); i++) p[i] = var_named(S, params[i]);
  sx_buf_reset(&S->out);
  int rc = sx_failed(S) ? S->errcode : sx_print_c(S, e, name ? name : "f", p, nparams, &S->out);
  free(p);
  return rc == SLOPE_OK ? result_text(S) : NULL;
}
