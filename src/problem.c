/*
** problem.c -- what a run minimizes: a compiled objective (or host
** callbacks), the current point, and the batching of data rows into steps.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "optim.h"
#include "explain.h"
#include "elements.h"
#include "expr.h"

/* Columns of the data set in the order the tape was compiled with. */
static int bind_data(slope_problem *p, slope_tape *T) {
  int nc = slope_data_ncols(p->data);
  const double **cols = malloc((size_t)(nc ? nc : 1) * sizeof *cols);
  if (!cols) return sx_error(p->S, SLOPE_ERRMEM, "out of memory");
  for (int j = 0; j < nc; j++) cols[j] = slope_data_column(p->data, j);
  int rc = slope_tape_bind(T, cols, slope_data_rows(p->data));
  free(cols);
  return rc;
}

/* Whether a parameter of p or a column of its data is an array. */
static int has_arrays(const slope_problem *p) {
  for (int k = 0; k < p->nvars; k++)
    if (p->vars[k].shape.rank) return 1;
  size_t len;
  long idx[2];
  for (int j = 0, nc = slope_data_ncols(p->data); j < nc; j++)
    if (sx_element_parse(slope_data_name(p->data, j), &len, idx)) return 1;
  return 0;
}

/* A tape of e over p's named parameters with their shapes and the data's
** grouped columns (a vector column "x[1]" .. "x[k]" is x). */
static slope_tape *compile_shaped(slope_problem *p, slope_expr e) {
  int nv = p->nvars, nc = slope_data_ncols(p->data), ng = 0;
  const char **params = malloc((size_t)nv * sizeof *params), **cols = malloc((size_t)(nc ? nc : 1) * sizeof *cols);
  slope_shape *pshape = malloc((size_t)nv * sizeof *pshape), *cshape = malloc((size_t)(nc ? nc : 1) * sizeof *cshape);
  sx_group *g = malloc((size_t)(nc ? nc : 1) * sizeof *g);
  char *text = malloc((size_t)nc * (SX_MAX_NAME + 1) + 1);   /* the columns' grouped names */
  slope_tape *T = NULL;
  if (!params || !cols || !pshape || !cshape || !g || !text) {
    sx_error(p->S, SLOPE_ERRMEM, "out of memory");
    goto done;
  }
  for (int k = 0; k < nv; k++) params[k] = p->vars[k].name, pshape[k] = p->vars[k].shape;
  for (int j = 0; j < nc; j++) cols[j] = slope_data_name(p->data, j);
  ng = sx_element_groups(cols, nc, g);
  for (int k = 0; k < ng; k++) {   /* consecutive flat columns: bind_data's pointers stay in order */
    char *name = text + (size_t)k * (SX_MAX_NAME + 1);
    snprintf(name, SX_MAX_NAME + 1, "%.*s", g[k].baselen, slope_data_name(p->data, g[k].first));
    cols[k] = name;
    cshape[k] = g[k].shape;
  }
  T = slope_compile_shaped(p->S, e, params, pshape, nv, cols, cshape, ng);
  if (T && p->data && bind_data(p, T) != SLOPE_OK) {
    slope_tape_free(T);
    T = NULL;
  }
done:
  free(params), free(cols), free(pshape), free(cshape), free(g), free(text);
  return T;
}

static slope_tape *compile(slope_problem *p, slope_expr e) {
  if (has_arrays(p)) return compile_shaped(p, e);
  int nc = p->data ? slope_data_ncols(p->data) : 0;
  const char **cols = malloc((size_t)(nc ? nc : 1) * sizeof *cols);
  if (!cols) return sx_error(p->S, SLOPE_ERRMEM, "out of memory"), NULL;
  for (int j = 0; j < nc; j++) cols[j] = slope_data_name(p->data, j);
  slope_tape *T = slope_compile(p->S, e, (const char *const *)p->names, p->n, cols, nc);
  free(cols);
  if (T && p->data && bind_data(p, T) != SLOPE_OK) {
    slope_tape_free(T);
    T = NULL;
  }
  return T;
}

int sx_problem_check_optim(const slope_problem *p, const slope_optim *o, const char *fn) {
  if (!o) return sx_misuse(p->S, fn, "the optimizer is NULL");
  if (o->S != p->S) return sx_misuse(p->S, fn, "the optimizer and the problem were made from different contexts");
  if (o->n != p->n)
    return sx_misuse(p->S, fn, "the %s optimizer is for %d parameter%s, the problem has %d "
                     "(make the optimizer with nparams = %d)", o->cls->name, o->n, o->n == 1 ? "" : "s",
                     p->n, p->n);
  return SLOPE_OK;
}

/* The grouped view of p's flat names: "w[1]" .. "w[3]" are the vector w. */
static int group_params(slope_problem *p) {
  sx_group *g = malloc((size_t)p->n * sizeof *g);
  if (!g) return SLOPE_ERRMEM;
  int ng = sx_element_groups((const char *const *)p->names, p->n, g);
  p->vars = calloc((size_t)ng, sizeof *p->vars);
  for (int k = 0; p->vars && k < ng; k++) {
    p->vars[k].shape = g[k].shape;
    p->vars[k].offset = g[k].first;
    if (!(p->vars[k].name = strndup(p->names[g[k].first], (size_t)g[k].baselen))) break;
    p->nvars = k + 1;
  }
  free(g);
  return p->nvars == ng ? SLOPE_OK : SLOPE_ERRMEM;
}

static slope_problem *alloc_problem(slope_ctx *S, int n, const char *const *names, const double *x0) {
  if (n < 1) return sx_error(S, SLOPE_ERRARG, "a problem needs at least one parameter"), NULL;
  if (n > SX_MAX_PARAMS)
    return sx_error(S, SLOPE_ERRLIMIT, "a problem has at most %d parameters, got %d", SX_MAX_PARAMS, n), NULL;
  slope_problem *p = calloc(1, sizeof *p);
  if (!p) return sx_error(S, SLOPE_ERRMEM, "out of memory"), NULL;
  p->S = S;
  p->n = n;
  p->x = calloc((size_t)n, sizeof *p->x);
  p->names = calloc((size_t)n, sizeof *p->names);
  if (!p->x || !p->names) goto oom;
  for (int i = 0; i < n; i++) {
    char tmp[32];
    const char *nm = names && names[i] ? names[i] : (snprintf(tmp, sizeof tmp, "x%d", i + 1), tmp);
    if (!(p->names[i] = strdup(nm))) goto oom;
    p->x[i] = x0 ? x0[i] : 0;
  }
  if (group_params(p) != SLOPE_OK) goto oom;
  return p;
oom:
  slope_problem_free(p);
  return sx_error(S, SLOPE_ERRMEM, "out of memory"), NULL;
}

slope_problem *slope_problem_new(slope_ctx *S, slope_expr f, const char *const *params,
                                 const double *x0, int nparams, const slope_data *data) {
  SX_ENTER(S, NULL);
  if (!sx_check_handle(S, f, "slope_problem_new")) return NULL;
  SX_MISUSE_IF(S, data && sx_data_ctx(data) != S, NULL, "the data set was made from another context");
  slope_problem *p = alloc_problem(S, nparams, params, x0);
  if (!p) return NULL;
  p->f = f;
  slope_keep(S, f);   /* newton differentiates it again, and explain walks it, after collections */
  p->data = data;
  if (!(p->tape = compile(p, f))) {
    slope_problem_free(p);
    return NULL;
  }
  if (slope_problem_batch(p, 0, 0, 0) != SLOPE_OK) {
    slope_problem_free(p);
    return NULL;
  }
  return p;
}

/* The flat names of the shaped parameters (n elements in all) into one
** block: the array of pointers, then the texts.  NULL when out of memory. */
static char **flat_names(const char *const *params, const slope_shape *shapes, int nparams, size_t n) {
  size_t text = 0;
  for (int k = 0; k < nparams; k++) text += sx_shape_count(&shapes[k]) * (strlen(params[k]) + 24);
  char **names = malloc(n * sizeof *names + text);
  if (!names) return NULL;
  char *at = (char *)(names + n);
  for (int k = 0, i = 0; k < nparams; k++)
    for (size_t e = 0; e < sx_shape_count(&shapes[k]); e++, i++) {
      sx_element_name(at, strlen(params[k]) + 24, params[k], &shapes[k], e);
      names[i] = at;
      at += strlen(at) + 1;
    }
  return names;
}

/* The arguments of slope_problem_new_shaped: names, shapes, their size in
** all (into *n).  Records the error and returns it. */
static int check_shaped(slope_ctx *S, const char *const *params, const slope_shape *shapes, int nparams, size_t *n) {
  static const char *fn = "slope_problem_new_shaped";
  if (!params) return sx_misuse(S, fn, "the parameter names 'params' are NULL");
  if (nparams < 1) return sx_error(S, SLOPE_ERRARG, "a problem needs at least one parameter");
  *n = 0;
  for (int k = 0; k < nparams; k++) {
    if (!params[k]) return sx_error(S, SLOPE_ERRARG, "%s: params[%d] is NULL (count from 0)", fn, k);
    if (!sx_valid_name(params[k], strlen(params[k])))
      return sx_error(S, SLOPE_ERRARG, "%s: params[%d] '%.40s' is not a name", fn, k, params[k]);
    slope_shape one = {0, {1, 1}};
    int rc = sx_check_shape(S, shapes ? &shapes[k] : &one, SX_MAX_PARAMS, fn, params[k]);
    if (rc != SLOPE_OK) return rc;
    if ((*n += sx_shape_count(shapes ? &shapes[k] : &one)) > SX_MAX_PARAMS)
      return sx_error(S, SLOPE_ERRLIMIT, "a problem has at most %d parameters (elements), got more", SX_MAX_PARAMS);
  }
  return SLOPE_OK;
}

slope_problem *slope_problem_new_shaped(slope_ctx *S, slope_expr f, const char *const *params,
                                        const slope_shape *shapes, const double *x0, int nparams,
                                        const slope_data *data) {
  SX_ENTER(S, NULL);
  if (!sx_check_handle(S, f, "slope_problem_new_shaped")) return NULL;
  SX_MISUSE_IF(S, data && sx_data_ctx(data) != S, NULL, "the data set was made from another context");
  size_t n = 0;
  if (check_shaped(S, params, shapes, nparams, &n) != SLOPE_OK) return NULL;
  if (!shapes) return slope_problem_new(S, f, params, x0, nparams, data);
  char **names = flat_names(params, shapes, nparams, n);
  if (!names) return sx_error(S, SLOPE_ERRMEM, "out of memory"), NULL;
  slope_problem *p = alloc_problem(S, (int)n, (const char *const *)names, x0);
  free(names);
  if (!p) return NULL;
  p->f = f;
  slope_keep(S, f);
  p->data = data;
  if (!(p->tape = compile(p, f)) || slope_problem_batch(p, 0, 0, 0) != SLOPE_OK) {
    slope_problem_free(p);
    return NULL;
  }
  return p;
}

slope_problem *slope_problem_callback(slope_ctx *S, int nparams, const char *const *names,
                                      const double *x0, slope_objective obj) {
  SX_ENTER(S, NULL);
  if (!obj.fg) return sx_error(S, SLOPE_ERRARG, "the objective callback 'fg' is NULL"), NULL;
  slope_problem *p = alloc_problem(S, nparams, names, x0);
  if (!p) return NULL;
  p->host = obj;
  /* seeded as slope_problem_new's batching does: an all-zero xoshiro state
  ** would draw 0 for ever (anneal in slope_problem_step), and a checkpoint
  ** holding it would read as corrupt */
  slope_rng_seed(&p->rng, 0);
  return p;
}

slope_problem *slope_problem_values(slope_ctx *S, int nparams, const char *const *names,
                                    const double *x0, slope_objective obj) {
  obj.hess = NULL;   /* a function known by its values has no Hessian either */
  slope_problem *p = slope_problem_callback(S, nparams, names, x0, obj);
  if (!p) return NULL;
  p->values_only = 1;
  slope_rng_seed(&p->rng, 0);   /* slope_problem_step hands it to anneal: never all zero */
  return p;
}

int slope_problem_values_only(const slope_problem *p) { return p ? p->values_only : 0; }

slope_problem *slope_problem_callback_rows(slope_ctx *S, int nparams, const char *const *names,
                                           const double *x0, size_t nrows,
                                           int (*fg_rows)(void *ud, const double *x, const size_t *rows,
                                                          size_t nsel, double *f, double *g),
                                           void *ud) {
  SX_ENTER(S, NULL);
  if (!fg_rows) return sx_error(S, SLOPE_ERRARG, "the objective callback 'fg_rows' is NULL"), NULL;
  if (nrows == 0) return sx_error(S, SLOPE_ERRARG, "a callback over rows needs at least 1 row, got 0"), NULL;
  if (nrows > SIZE_MAX / sizeof(size_t))
    return sx_error(S, SLOPE_ERRLIMIT, "%zu rows are too many", nrows), NULL;
  slope_problem *p = alloc_problem(S, nparams, names, x0);
  if (!p) return NULL;
  if (!(p->all = malloc(nrows * sizeof *p->all))) {
    slope_problem_free(p);
    return sx_error(S, SLOPE_ERRMEM, "out of memory for %zu rows", nrows), NULL;
  }
  for (size_t i = 0; i < nrows; i++) p->all[i] = i;
  p->fg_rows = fg_rows;
  p->host.ud = ud;
  p->nrows = nrows;
  return p;
}

void slope_problem_free(slope_problem *p) {
  if (!p) return;
  slope_release(p->S, p->f);
  slope_tape_free(p->tape);
  if (p->hess) for (int i = 0; i < p->n; i++) slope_tape_free(p->hess[i]);
  free(p->hess);
  if (p->names) for (int i = 0; i < p->n; i++) free(p->names[i]);
  free(p->names);
  for (int k = 0; k < p->nvars; k++) free(p->vars[k].name);
  free(p->vars);
  free(p->x);
  free(p->perm);
  free(p->all);
  free(p->g);
  free(p);
}

/* Getters given NULL answer NULL or 0: they record nothing (slope.h, "Errors"). */
int slope_problem_nparams(const slope_problem *p) { return p ? p->n : 0; }
const char *slope_problem_name(const slope_problem *p, int i) { return p && i >= 0 && i < p->n ? p->names[i] : NULL; }
double *slope_problem_x(slope_problem *p) { return p ? p->x : NULL; }
const slope_data *slope_problem_data(const slope_problem *p) { return p ? p->data : NULL; }
int slope_problem_nvars(const slope_problem *p) { return p ? p->nvars : 0; }

const char *slope_problem_var(const slope_problem *p, int k, slope_shape *shape, int *offset) {
  if (!p || k < 0 || k >= p->nvars) return NULL;
  if (shape) *shape = p->vars[k].shape;
  if (offset) *offset = p->vars[k].offset;
  return p->vars[k].name;
}

size_t sx_problem_rows(const slope_problem *p) {
  return p->data ? slope_data_rows(p->data) : p->nrows;
}

int slope_problem_batch(slope_problem *p, size_t batch, int shuffle, uint64_t seed) {
  SX_ENTER_OBJ(p, SLOPE_ERRMISUSE);
  size_t rows = sx_problem_rows(p);
  if (batch && !rows)
    return sx_error(p->S, SLOPE_ERRARG, "batch needs data: this problem has no data rows to batch");
  if (batch > rows && rows > 0)
    return sx_error(p->S, SLOPE_ERRARG, "batch must be in [1, %zu] (the number of rows), got %zu",
                    rows, batch);
  p->batch = batch == rows ? 0 : batch;
  p->shuffle = shuffle;
  p->pos = 0;
  slope_rng_seed(&p->rng, seed);
  free(p->perm);
  p->perm = NULL;
  if (p->batch) {
    if (!(p->perm = malloc(rows * sizeof *p->perm))) return sx_error(p->S, SLOPE_ERRMEM, "out of memory");
    for (size_t i = 0; i < rows; i++) p->perm[i] = i;
  }
  return SLOPE_OK;
}

size_t sx_problem_steps_per_epoch(const slope_problem *p) {
  if (!p->batch) return 1;
  size_t rows = sx_problem_rows(p);
  return (rows + p->batch - 1) / p->batch;
}

/* Fisher-Yates with the problem's generator, so batches follow the seed. */
static void shuffle_rows(slope_problem *p) {
  size_t rows = sx_problem_rows(p);
  for (size_t i = rows; i > 1; i--) {
    size_t j = (size_t)slope_rng_below(&p->rng, i);
    size_t t = p->perm[i - 1];
    p->perm[i - 1] = p->perm[j];
    p->perm[j] = t;
  }
}

int sx_problem_next_batch(slope_problem *p) {
  if (!p->batch) return 1;   /* full batch: every step is a whole epoch */
  size_t rows = sx_problem_rows(p);
  if (p->pos == 0 && p->shuffle) shuffle_rows(p);
  p->sel = p->perm + p->pos;
  p->nsel = rows - p->pos < p->batch ? rows - p->pos : p->batch;
  p->pos += p->nsel;
  if (p->pos < rows) return 0;
  p->pos = 0;
  return 1;
}

int sx_problem_explain(slope_problem *p, const double *x, int i, char *out, size_t cap) {
  slope_ctx *S = p->S;
  if (!p->f || sx_failed(S) || has_arrays(p)) return 0;   /* explain walks scalar trees */
  sx_id e = p->f;
  if (i >= 0) {   /* the derivative the gradient entry came from */
    sx_id v = sx_mkvar(S, p->names[i], strlen(p->names[i]));
    e = v ? sx_diff(S, p->f, v) : SX_NIL;
    if (!e) { slope_clear_error(S); return 0; }
  }
  const size_t *sel = p->batch ? p->sel : NULL;
  return sx_explain(S, e, (const char *const *)p->names, x, p->n, p->data, sel, p->batch ? p->nsel : 0, out, cap);
}

/* A host callback's code; a failure it did not describe gets a message, so a
** failed run always says why. */
static int host_result(slope_problem *p, int rc, const char *which) {
  if (rc != SLOPE_OK && !sx_failed(p->S))
    sx_error(p->S, rc, "the %s callback failed with code %d", which, rc);
  return rc;
}

/* The host's objective, over rows[0..nsel) when it takes rows. */
static int eval_host(slope_problem *p, const double *x, const size_t *rows, size_t nsel,
                     double *f, double *g) {
  int rc = p->fg_rows ? p->fg_rows(p->host.ud, x, rows, nsel, f, g) : p->host.fg(p->host.ud, x, f, g);
  return host_result(p, rc, "objective");
}

int sx_problem_eval_batch(slope_problem *p, const double *x, double *f, double *g) {
  if (p->tape) {
    if (p->batch) return slope_tape_grad(p->tape, x, p->sel, p->nsel, f, g);
    return slope_tape_grad(p->tape, x, NULL, 0, f, g);
  }
  if (p->batch) return eval_host(p, x, p->sel, p->nsel, f, g);
  return eval_host(p, x, p->all, p->nrows, f, g);
}

int slope_problem_eval(slope_problem *p, const double *x, double *f, double *g) {
  SX_ENTER_OBJ(p, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(p->S, !x || !f, SLOPE_ERRMISUSE, "the point 'x' and the output 'f' must not be NULL");
  if (p->tape) return slope_tape_grad(p->tape, x, NULL, 0, f, g);
  return eval_host(p, x, p->all, p->nrows, f, g);
}

/*
** With arrays, one tape of the Hessian-vector product: s = the sum over
** parameters w of sum(dw * u_w), where dw is the symbolic gradient (one
** array expression, slope_diff_shaped) and u_w a direction of w's shape,
** compiled as extra parameters.  The gradient of s with respect to w at
** u = e_i is row i of the Hessian (exact: reverse mode over the symbolic
** gradient), so n evaluations of one tape whose size does not grow with n.
*/
static slope_expr hvp_expr(slope_problem *p, struct sx_pvar *u, int nv) {
  slope_ctx *S = p->S;   /* internal constructors only: the first error stays this call's */
  sx_id *vars = malloc((size_t)nv * sizeof *vars), s = SX_NIL;
  int *ranks = malloc((size_t)nv * sizeof *ranks);
  if (!vars || !ranks) sx_error(S, SLOPE_ERRMEM, "out of memory");
  for (int k = 0; k < nv && !sx_failed(S); k++) {
    vars[k] = sx_mkvar(S, p->vars[k].name, strlen(p->vars[k].name));
    ranks[k] = p->vars[k].shape.rank;
  }
  for (int k = 0; k < nv && !sx_failed(S); k++) {
    sx_id t = sx_mul(S, sx_grad(S, p->f, vars[k], vars, ranks, nv), sx_mkvar(S, u[k].name, strlen(u[k].name)));
    if (u[k].shape.rank) t = sx_apply(S, SX_SUM, &t, 1);   /* the sum of its elements */
    s = k ? sx_add(S, s, t) : t;
  }
  free(vars);
  free(ranks);
  return sx_failed(S) ? SX_NIL : s;
}

static int hvp_compile(slope_problem *p) {
  int nv = p->nvars;
  struct sx_pvar *all = malloc(2 * (size_t)nv * sizeof *all), *keep = p->vars;
  char *text = malloc((size_t)nv * (SX_MAX_NAME + 8));
  if (!all || !text || !(p->hess = calloc((size_t)p->n, sizeof *p->hess))) {   /* [0] is used */
    free(all), free(text);
    return sx_error(p->S, SLOPE_ERRMEM, "out of memory");
  }
  for (int k = 0; k < nv; k++) {   /* the directions: __hvp_w for w */
    all[k] = p->vars[k];
    all[nv + k] = p->vars[k];
    all[nv + k].name = text + (size_t)k * (SX_MAX_NAME + 8);
    snprintf(all[nv + k].name, SX_MAX_NAME + 8, "__hvp_%s", p->vars[k].name);
  }
  slope_expr s = hvp_expr(p, all + nv, nv);
  if (s) {   /* compile over the parameters and the directions, as the objective is */
    p->vars = all;
    p->nvars = 2 * nv;
    p->hess[0] = compile(p, s);
    p->vars = keep;
    p->nvars = nv;
  }
  free(all);
  free(text);
  if (p->hess[0]) return SLOPE_OK;
  free(p->hess);   /* the next call tries again */
  p->hess = NULL;
  return p->S->errcode ? p->S->errcode : SLOPE_ERRMEM;
}

static int hvp_hessian(slope_problem *p, const double *x, double *H) {
  int n = p->n, rc = SLOPE_OK;
  if (!p->hess && (rc = hvp_compile(p)) != SLOPE_OK) return rc;
  double *xu = calloc(4 * (size_t)n, sizeof *xu), f;
  if (!xu) return sx_error(p->S, SLOPE_ERRMEM, "out of memory");
  double *g = xu + 2 * (size_t)n;
  memcpy(xu, x, (size_t)n * sizeof *xu);
  for (int i = 0; i < n && rc == SLOPE_OK; i++) {
    xu[n + i] = 1;
    rc = p->batch ? slope_tape_grad(p->hess[0], xu, p->sel, p->nsel, &f, g)
                  : slope_tape_grad(p->hess[0], xu, NULL, 0, &f, g);
    memcpy(H + (size_t)i * n, g, (size_t)n * sizeof *H);
    xu[n + i] = 0;
  }
  free(xu);
  return rc;
}

/* Hessian rows are the gradients of the gradient's components, each compiled
** once on first use; with arrays, see hvp_hessian. */
int sx_problem_hessian(slope_problem *p, const double *x, double *H) {
  if (!p->tape) {
    if (!p->host.hess) return sx_error(p->S, SLOPE_ERRARG, "this objective has no Hessian callback");
    return host_result(p, p->host.hess(p->host.ud, x, H), "Hessian");
  }
  if (p->nvars && has_arrays(p)) return hvp_hessian(p, x, H);
  if (!p->hess) {
    if (!(p->hess = calloc((size_t)p->n, sizeof *p->hess))) return sx_error(p->S, SLOPE_ERRMEM, "out of memory");
    for (int i = 0; i < p->n; i++) {
      slope_expr gi = slope_diff(p->S, p->f, p->names[i]);
      if (!gi || !(p->hess[i] = compile(p, gi))) return p->S->errcode;
    }
  }
  double fi;
  for (int i = 0; i < p->n; i++) {
    int rc = p->batch ? slope_tape_grad(p->hess[i], x, p->sel, p->nsel, &fi, H + (size_t)i * p->n)
                      : slope_tape_grad(p->hess[i], x, NULL, 0, &fi, H + (size_t)i * p->n);
    if (rc != SLOPE_OK) return rc;
  }
  return SLOPE_OK;
}

static int fg_batch(void *ud, const double *x, double *f, double *g) {
  return sx_problem_eval_batch(ud, x, f, g);
}

static int hess_batch(void *ud, const double *x, double *H) {
  return sx_problem_hessian(ud, x, H);
}

slope_objective sx_problem_objective(slope_problem *p) {
  slope_objective obj = {fg_batch, hess_batch, p};
  return obj;
}

int slope_problem_step(slope_problem *p, slope_optim *o, double *f) {
  SX_ENTER_OBJ(p, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(p->S, !f, SLOPE_ERRMISUSE, "the output 'f' is NULL");
  if (sx_problem_check_optim(p, o, __func__) != SLOPE_OK) return SLOPE_ERRMISUSE;
  if (!p->g && !(p->g = malloc((size_t)p->n * sizeof *p->g))) return sx_error(p->S, SLOPE_ERRMEM, "out of memory");
  sx_problem_next_batch(p);
  double *g = p->values_only ? NULL : p->g;   /* the optimizer refuses it if it needs one */
  int rc = sx_problem_eval_batch(p, p->x, f, g);
  if (rc != SLOPE_OK) return rc;
  slope_objective obj = sx_problem_objective(p);
  rc = slope_optim_step(o, p->x, *f, g, NULL, &obj, &p->rng);
  for (int i = 0; rc == SLOPE_OK && o->lo && i < p->n; i++)   /* into the box, as slope_run does */
    if (isfinite(p->x[i])) p->x[i] = fmin(fmax(p->x[i], o->lo[i]), o->hi[i]);
  return rc;
}
