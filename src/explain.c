/*
** explain.c -- find the operation that made a value NaN or infinite.
**
** The expression is evaluated again, node by node, in the order the tape
** runs it: the part that depends on parameters only (once), the part inside
** mean/sum (row by row), then what uses the reductions.  The first node whose
** arguments are all finite but whose value is not is where things went
** wrong.  This runs once, when a run has already failed, so clarity wins
** over speed here.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"

enum { PRE, ROW, POST };   /* the sections of evaluation, in order */

typedef struct explainer {
  slope_ctx *S;
  sx_id *ids;              /* the nodes reachable from e, children first */
  uint32_t n;
  double *v;               /* node values (by node id, written before read) */
  unsigned char *sec;      /* PRE, ROW or POST */
  const double **col;      /* column of a data variable */
} explainer;

/* Bind the variables and sort every node into its section; 0 if a name is
** neither a parameter nor a column (then there is nothing to explain). */
static int classify(explainer *X, const char *const *names, const double *x, int n, const slope_data *d) {
  slope_ctx *S = X->S;
  for (uint32_t at = 0; at < X->n; at++) {
    sx_id id = X->ids[at];
    int k = sx_kind(S, id);
    if (k == SX_NUM) { X->sec[id] = PRE; X->v[id] = sx_num(S, id); continue; }
    if (k == SX_VAR) {
      const char *name = sx_name(S, id);
      int j = 0;
      while (j < n && strcmp(names[j], name) != 0) j++;
      if (j < n) { X->sec[id] = PRE; X->v[id] = x[j]; continue; }
      X->col[id] = d ? slope_data_find(d, name) : NULL;
      if (!X->col[id]) return 0;
      X->sec[id] = ROW;
      continue;
    }
    unsigned char s = PRE;
    for (uint32_t i = 0; i < sx_nkids(S, id); i++)
      if (X->sec[sx_kid(S, id, i)] > s) s = X->sec[sx_kid(S, id, i)];
    X->sec[id] = sx_is_reduce(k) ? POST : s;
  }
  return 1;
}

/* Node 'id' has finite arguments and a value that is not finite. */
static int to_blame(const explainer *X, sx_id id) {
  if (isfinite(X->v[id])) return 0;
  for (uint32_t i = 0; i < sx_nkids(X->S, id); i++)
    if (!isfinite(X->v[sx_kid(X->S, id, i)])) return 0;
  return 1;
}

/* The printed node, shortened to about 'max' characters; 0 if it could not
** be printed (no memory), and then there is no explanation. */
static int node_text(slope_ctx *S, sx_id id, char *out, size_t cap, int max) {
  const char *t = slope_print(S, id);
  if (!t) { slope_clear_error(S); return 0; }
  if ((int)strlen(t) > max) snprintf(out, cap, "%.*s...", max - 3, t);
  else snprintf(out, cap, "%s", t);
  return 1;
}

static const char *reason(const explainer *X, sx_id id) {
  slope_ctx *S = X->S;
  int k = sx_kind(S, id);
  double a = sx_nkids(S, id) ? X->v[sx_kid(S, id, 0)] : 0;
  if (isnan(X->v[id])) return "outside its domain";
  if ((k == SX_LOG || k == SX_LOG2 || k == SX_LOG10) && a == 0) return "log of 0";
  if (k == SX_POW && a == 0) return "division by zero";
  return "overflow";
}

/* "log(x) = nan for x = -2 in row 3 (outside its domain)"; 0 if it could
** not be written. */
static int describe(explainer *X, sx_id id, long row, char *out, size_t cap) {
  slope_ctx *S = X->S;
  char node[64], arg[48];
  size_t k = 0;
  if (!node_text(S, id, node, sizeof node, 48)) return 0;
  double v = X->v[id];
  k += (size_t)snprintf(out, cap, "%s = %s", node, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
  int shown = sx_is_reduce(sx_kind(S, id)) ? 2 : 0;   /* a sum has a value per row: none shown */
  for (uint32_t i = 0; i < sx_nkids(S, id) && shown < 2 && k < cap; i++) {
    sx_id a = sx_kid(S, id, i);
    if (sx_kind(S, a) == SX_NUM) continue;
    if (!node_text(S, a, arg, sizeof arg, 32)) return 0;
    k += (size_t)snprintf(out + k, cap - k, "%s%s = %.6g", shown++ ? ", " : " for ", arg, X->v[a]);
  }
  if (row >= 0 && k < cap) k += (size_t)snprintf(out + k, cap - k, " in row %ld", row + 1);
  if (k < cap) snprintf(out + k, cap - k, " (%s)", reason(X, id));
  return 1;
}

/* Evaluate the nodes of section 'sec'; the first to blame, or SX_NIL. */
static sx_id sweep(explainer *X, int sec, size_t r) {
  for (uint32_t j = 0; j < X->n; j++) {
    sx_id id = X->ids[j];
    if (X->sec[id] != sec) continue;
    int k = sx_kind(X->S, id);
    if (k == SX_NUM || sx_is_reduce(k)) continue;
    if (k == SX_VAR) {
      if (sec == ROW) X->v[id] = X->col[id][r];
      continue;
    }
    X->v[id] = sx_eval_node(X->S, id, X->v);
    if (to_blame(X, id)) return id;
  }
  return SX_NIL;
}

/* The rows: nodes inside reductions row by row, accumulating the sums. */
static sx_id sweep_rows(explainer *X, const size_t *sel, size_t nsel, long *row) {
  slope_ctx *S = X->S;
  for (uint32_t j = 0; j < X->n; j++)
    if (sx_is_reduce(sx_kind(S, X->ids[j]))) X->v[X->ids[j]] = 0;
  for (size_t i = 0; i < nsel; i++) {
    size_t r = sel ? sel[i] : i;
    sx_id bad = sweep(X, ROW, r);
    if (bad) { *row = (long)r; return bad; }
    for (uint32_t j = 0; j < X->n; j++)
      if (sx_is_reduce(sx_kind(S, X->ids[j]))) X->v[X->ids[j]] += X->v[sx_kid(S, X->ids[j], 0)];
  }
  for (uint32_t j = 0; j < X->n; j++) {
    sx_id id = X->ids[j];
    if (!sx_is_reduce(sx_kind(S, id))) continue;
    if (sx_kind(S, id) == SX_MEAN) X->v[id] /= (double)nsel;
    if (!isfinite(X->v[id])) return id;   /* every row was finite: the sum overflowed */
  }
  return SX_NIL;
}

int sx_explain(slope_ctx *S, sx_id e, const char *const *names, const double *x, int n,
               const slope_data *d, const size_t *sel, size_t nsel, char *out, size_t cap) {
  if (sx_failed(S) || e == SX_NIL || sx_reach(S, e) != SLOPE_OK) return 0;
  for (uint32_t j = 0; j < S->norder; j++)   /* arrays: not explained yet (nothing is blamed) */
    if (sx_is_array_kind(sx_kind(S, S->order[j]))) return 0;
  /* the walk's list is copied: printing the culprit walks again */
  size_t ids = S->nnodes;
  explainer X = {S, malloc((size_t)S->norder * sizeof(sx_id)), S->norder, malloc(ids * sizeof(double)),
                 malloc(ids), malloc(ids * sizeof(const double *))};
  int found = 0;
  if (X.ids && X.v && X.sec && X.col) {
    memcpy(X.ids, S->order, (size_t)X.n * sizeof *X.ids);
    if (!sel) nsel = d ? slope_data_rows(d) : 0;
    long row = -1;
    sx_id bad = SX_NIL;
    if (classify(&X, names, x, n, d)) {
      bad = sweep(&X, PRE, 0);
      if (!bad && nsel) bad = sweep_rows(&X, sel, nsel, &row);
      if (!bad) bad = sweep(&X, POST, 0);
    }
    found = bad && describe(&X, bad, row, out, cap);
  }
  free(X.ids); free(X.v); free(X.sec); free(X.col);
  return found;
}
