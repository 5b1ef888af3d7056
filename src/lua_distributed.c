/*
** lua_distributed.c -- distributed = true: a run over MPI ranks.  Every
** rank holds the data set and runs the same script; rank r evaluates only
** its shard of the rows, [N r / size, N (r + 1) / size), and the ranks' sums
** (rows x mean and rows x gradient) are added over the ranks by the sum the
** slope command gives under mpirun (MPI_Allreduce, mpi.c).  Every rank then
** has the same f and gradient, makes the same update and so keeps the same
** parameters.  The run's problem becomes one over rows
** (slope_problem_callback_rows) over all N rows, so batching and shuffling
** select the same global rows as a one-process run; each rank takes the
** selected rows that fall in its shard.  The result equals a one-process
** run up to the order of the sums (1e-12 relative and better).
**
** As with threads = k, f must be a mean over rows plus terms of the
** parameters; the first evaluation checks that against one tape over all
** the rows.  Without MPI (no sum in the registry) the run is an ordinary
** one.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_slope.h"

typedef struct shard {
  slope_ctx *S;
  slope_tape *T;           /* f over the data's columns */
  const double **cols, **moved;   /* the columns; the same moved to the shard's first row */
  int ncols, n, checked;
  char why[320];           /* what went wrong, for ls_distributed_raise */
  size_t nrows, lo, hi;
  size_t *local;           /* the selected rows of the shard, from its first row */
  double *buf;             /* rows x f, rows, rows x gradient */
  ls_allreduce *ar;
  slope_problem *q;
} shard;

static int shard_gc(lua_State *L) {
  shard *D = lua_touserdata(L, 1);
  slope_problem_free(D->q);
  slope_tape_free(D->T);
  free(D->cols);
  free(D->moved);
  free(D->local);
  free(D->buf);
  memset(D, 0, sizeof *D);
  return 0;
}

/* This rank's sums over the selected rows of its shard into D->buf. */
static int local_sums(shard *D, const double *x, const size_t *rows, size_t nsel) {
  size_t m = 0;
  int whole = 1;
  if (!rows) m = D->hi - D->lo;
  else
    for (size_t i = 0; i < nsel; i++)
      if (rows[i] >= D->lo && rows[i] < D->hi) {
        D->local[m] = rows[i] - D->lo;
        whole = whole && D->local[m] == m;
        m++;
      }
  whole = whole && m == D->hi - D->lo;
  memset(D->buf, 0, (size_t)(2 + D->n) * sizeof *D->buf);
  if (m == 0) return SLOPE_OK;
  for (int j = 0; j < D->ncols; j++) D->moved[j] = D->cols[j] + D->lo;
  double f;
  int rc = slope_tape_bind(D->T, D->moved, D->hi - D->lo);
  if (rc == SLOPE_OK) rc = slope_tape_grad(D->T, x, whole ? NULL : D->local, m, &f, D->buf + 2);
  if (rc != SLOPE_OK) return rc;
  D->buf[0] = (double)m * f;
  D->buf[1] = (double)m;
  for (int i = 0; i < D->n; i++) D->buf[2 + i] *= (double)m;
  return SLOPE_OK;
}

/* The f of one tape over every row, against the ranks' combined one. */
static int check_mean(shard *D, const double *x, const size_t *rows, size_t nsel, double f) {
  double f1;
  int rc = slope_tape_bind(D->T, D->cols, D->nrows);
  if (rc == SLOPE_OK) rc = slope_tape_grad(D->T, x, rows, rows ? nsel : 0, &f1, NULL);
  if (rc != SLOPE_OK) return rc;
  if (fabs(f - f1) <= 1e-9 * (fabs(f1) > 1 ? fabs(f1) : 1) || (isnan(f) && isnan(f1))) return SLOPE_OK;
  snprintf(D->why, sizeof D->why, "distributed: the objective is not a mean over the rows (f over all the rows, "
           "%.17g, is not the ranks' combined mean, %.17g): it must be mean(...) plus terms of the parameters alone",
           f1, f);
  return SLOPE_ERRARG;
}

/* fg_rows: every rank computes its part and the parts are summed over the
** ranks (every rank calls the sum at every evaluation, rows or none). */
static int shard_eval(void *ud, const double *x, const size_t *rows, size_t nsel, double *f, double *g) {
  shard *D = ud;
  int rc = local_sums(D, x, rows, nsel);
  double failed = rc != SLOPE_OK;
  if (D->ar->sum(D->ar->ud, D->buf, 2 + D->n) != 0 || D->ar->sum(D->ar->ud, &failed, 1) != 0) {
    snprintf(D->why, sizeof D->why, "distributed: MPI_Allreduce failed");
    return SLOPE_ERRARG;
  }
  if (failed > 0) {
    if (rc == SLOPE_OK) snprintf(D->why, sizeof D->why, "distributed: the evaluation failed on another rank");
    return rc != SLOPE_OK ? rc : SLOPE_ERRARG;
  }
  *f = D->buf[0] / D->buf[1];
  if (g) for (int i = 0; i < D->n; i++) g[i] = D->buf[2 + i] / D->buf[1];
  if (!D->checked) {
    D->checked = 1;
    if (check_mean(D, x, rows, nsel, *f) != SLOPE_OK) return SLOPE_ERRARG;
  }
  return SLOPE_OK;
}

void ls_batch_as_options(lua_State *L, slope_ctx *S, int opts, slope_problem *q) {
  size_t batch = 0;
  if (lua_getfield(L, opts, "batch") == LUA_TNUMBER) batch = (size_t)lua_tointeger(L, -1);
  lua_getfield(L, opts, "shuffle");
  lua_getfield(L, opts, "seed");
  uint64_t seed = lua_isinteger(L, -1) ? (uint64_t)lua_tointeger(L, -1) : 0;
  if (slope_problem_batch(q, batch, lua_toboolean(L, -2), seed) != SLOPE_OK) ls_raise(L, S);
  lua_pop(L, 3);
}

/* After a failed run: raise what the distributed evaluation recorded, if anything. */
void ls_distributed_raise(lua_State *L, int idx) {
  shard *D = idx ? lua_touserdata(L, idx) : NULL;
  if (D && D->why[0]) luaL_error(L, "%s", D->why);
}

slope_problem *ls_distributed(lua_State *L, slope_ctx *S, int opts, slope_problem *p, const char *what, int *quiet) {
  *quiet = 0;
  int ty = lua_getfield(L, opts, "distributed");
  if (ty != LUA_TNIL && ty != LUA_TBOOLEAN)
    luaL_error(L, "%s: distributed must be true or false, got %s", what, luaL_typename(L, -1));
  int on = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (!on) return p;
  if (lua_getfield(L, opts, "threads") != LUA_TNIL)
    luaL_error(L, "%s: give threads or distributed, not both (under mpirun, start a rank per core)", what);
  lua_pop(L, 1);
  const slope_data *data = slope_problem_data(p);
  if (!data) luaL_error(L, "%s: distributed shares out the rows of data: give data = ds (and an expression)", what);
  lua_getfield(L, LUA_REGISTRYINDEX, LS_ALLREDUCE);
  ls_allreduce *ar = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (!ar || ar->size < 2) return p;   /* one process: an ordinary run */
  slope_expr f = lua_type(L, 1) == LUA_TSTRING ? slope_parse(S, lua_tostring(L, 1), lua_rawlen(L, 1)) : ls_to_expr(L, S, 1);
  if (!f) ls_raise(L, S);
  shard *D = lua_newuserdatauv(L, sizeof *D, 0);
  memset(D, 0, sizeof *D);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, shard_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  int n = slope_problem_nparams(p), nc = slope_data_ncols(data);
  D->S = S; D->n = n; D->ncols = nc; D->ar = ar; D->nrows = slope_data_rows(data);
  D->lo = D->nrows * (size_t)ar->rank / (size_t)ar->size;
  D->hi = D->nrows * (size_t)(ar->rank + 1) / (size_t)ar->size;
  D->cols = malloc((size_t)nc * sizeof *D->cols);
  D->moved = malloc((size_t)nc * sizeof *D->moved);
  D->local = malloc((D->hi - D->lo + 1) * sizeof *D->local);
  D->buf = malloc((size_t)(2 + n) * sizeof *D->buf);
  const char **names = malloc((size_t)n * sizeof *names), **cnames = malloc((size_t)nc * sizeof *cnames);
  if (!D->cols || !D->moved || !D->local || !D->buf || !names || !cnames) {
    free(names);
    free(cnames);
    return luaL_error(L, "%s: out of memory", what), p;
  }
  for (int i = 0; i < n; i++) names[i] = slope_problem_name(p, i);
  for (int j = 0; j < nc; j++) { cnames[j] = slope_data_name(data, j); D->cols[j] = slope_data_column(data, j); }
  D->T = slope_compile(S, f, names, n, cnames, nc);
  if (D->T) D->q = slope_problem_callback_rows(S, n, names, slope_problem_x(p), D->nrows, shard_eval, D);
  free(names);
  free(cnames);
  if (!D->q) ls_raise(L, S);
  ls_batch_as_options(L, S, opts, D->q);
  *quiet = ar->rank != 0;
  return D->q;   /* the userdata stays on the stack */
}
