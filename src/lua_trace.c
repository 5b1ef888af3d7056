/*
** lua_trace.c -- traces in Lua: the record of a run (r.trace), one row per
** recorded step.  #t, t[k] as a table, t:column(name) as an array, and
** t:csv(path), t:json(path) to save it.
*/
#include <string.h>

#include "lua_slope.h"

/* A Trace: the C trace, freed by __gc; uservalue 1 is the list of the
** parameter names, which the C trace does not keep, and uservalue 2 the
** named parameters as { name, shape } pairs in order (a userdata of
** slope_shape, the names in its own uservalue), which make t[k].x. */
typedef struct ls_trace {
  slope_trace *t;
  int nvars;         /* entries of uservalue 2; 0: every parameter by its own name */
} ls_trace;

void ls_push_trace(lua_State *L, slope_trace *t, int names, slope_problem *p) {
  ls_trace *T = lua_newuserdatauv(L, sizeof *T, 2);
  T->t = t;
  T->nvars = 0;
  luaL_setmetatable(L, LS_TRACE);
  lua_pushvalue(L, names);
  lua_setiuservalue(L, -2, 1);
  int nv = p ? slope_problem_nvars(p) : 0, arrays = 0;
  slope_shape sh;
  for (int k = 0; k < nv; k++) arrays |= slope_problem_var(p, k, &sh, NULL) && sh.rank > 0;
  if (arrays) {
    slope_shape *shapes = lua_newuserdatauv(L, (size_t)nv * sizeof *shapes, 1);
    lua_createtable(L, nv, 0);
    for (int k = 0; k < nv; k++) {
      lua_pushstring(L, slope_problem_var(p, k, &shapes[k], NULL));
      lua_rawseti(L, -2, k + 1);
    }
    lua_setiuservalue(L, -2, 1);
    lua_setiuservalue(L, -2, 2);
    T->nvars = nv;
  }
}

/* The point x of a row as a table: by named parameter with its shape, or
** by flat name (the list at 'names'). */
static void push_row_point(lua_State *L, ls_trace *T, int names, const double *x) {
  int n = slope_trace_nparams(T->t);
  if (T->nvars) {
    lua_getiuservalue(L, 1, 2);
    const slope_shape *shapes = lua_touserdata(L, -1);
    lua_getiuservalue(L, -1, 1);
    lua_createtable(L, 0, T->nvars);
    for (int k = 0, off = 0; k < T->nvars; k++) {
      ls_push_value(L, &shapes[k], x + off);
      off += shapes[k].rank == 0 ? 1 : shapes[k].dim[0] * (shapes[k].rank == 2 ? shapes[k].dim[1] : 1);
      lua_rawgeti(L, -3, k + 1);
      lua_insert(L, -2);
      lua_settable(L, -3);
    }
    lua_replace(L, -3);
    lua_pop(L, 1);
    return;
  }
  lua_createtable(L, 0, n);
  for (int i = 0; i < n; i++) {
    lua_pushnumber(L, x[i]);
    lua_geti(L, names, i + 1);
    lua_insert(L, -2);
    lua_settable(L, -3);
  }
}

static ls_trace *check_trace(lua_State *L) {
  ls_trace *T = luaL_checkudata(L, 1, LS_TRACE);
  if (!T->t) luaL_error(L, "the trace has been freed");
  return T;
}

static int trace_gc(lua_State *L) {
  ls_trace *T = luaL_checkudata(L, 1, LS_TRACE);
  slope_trace_free(T->t);
  T->t = NULL;
  return 0;
}

static int trace_len(lua_State *L) {
  size_t rows = slope_trace_rows(check_trace(L)->t);
  lua_pushinteger(L, rows ? (lua_Integer)rows - 1 : 0);
  return 1;
}

/* trace[k]: { step, f, lr, grad_norm, nfev, x = { name = value } } for k = 0..#trace
** (x shaped as r.x), and
** batch_f in a mini-batch run (where f and grad_norm are nan unless trace_full) */
static int trace_index(lua_State *L) {
  ls_trace *T = check_trace(L);
  if (lua_type(L, 2) == LUA_TSTRING) {
    luaL_getmetafield(L, 1, "methods");
    lua_getfield(L, -1, lua_tostring(L, 2));
    return 1;
  }
  lua_Integer k = luaL_checkinteger(L, 2);
  size_t rows = slope_trace_rows(T->t);
  if (k < 0 || (size_t)k >= rows) { lua_pushnil(L); return 1; }
  int n = slope_trace_nparams(T->t);
  double *x = lua_newuserdatauv(L, (size_t)n * sizeof *x, 0);
  long step;
  double f, lr, gn;
  slope_trace_row(T->t, (size_t)k, &step, &f, &lr, &gn, x);
  lua_getiuservalue(L, 1, 1);
  int names = lua_gettop(L);
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, step); lua_setfield(L, -2, "step");
  lua_pushnumber(L, f); lua_setfield(L, -2, "f");
  lua_pushnumber(L, lr); lua_setfield(L, -2, "lr");
  lua_pushnumber(L, gn); lua_setfield(L, -2, "grad_norm");
  lua_pushinteger(L, slope_trace_nfev(T->t, (size_t)k)); lua_setfield(L, -2, "nfev");
  if (slope_trace_minibatch(T->t)) {
    lua_pushnumber(L, slope_trace_batch_f(T->t, (size_t)k));
    lua_setfield(L, -2, "batch_f");
  }
  push_row_point(L, T, names, x);
  lua_setfield(L, -2, "x");
  return 1;
}

/* trace:column "f" (or "step", "lr", "grad_norm", "batch_f", "nfev", a parameter name): an array over rows 0.. */
static int trace_column(lua_State *L) {
  ls_trace *T = check_trace(L);
  const char *name = luaL_checkstring(L, 2);
  int n = slope_trace_nparams(T->t), which = -1;
  const char *fixed[] = {"step", "f", "lr", "grad_norm", "batch_f", "nfev"};
  for (int i = 0; i < 6; i++) if (strcmp(name, fixed[i]) == 0) which = i;
  lua_getiuservalue(L, 1, 1);
  for (int i = 0; i < n && which < 0; i++) {
    lua_geti(L, -1, i + 1);
    if (strcmp(lua_tostring(L, -1), name) == 0) which = 6 + i;
    lua_pop(L, 1);
  }
  if (which < 0) return luaL_error(L, "trace:column: no column '%s' (step, f, lr, grad_norm, batch_f, nfev or a parameter)", name);
  double *x = lua_newuserdatauv(L, (size_t)n * sizeof *x, 0);
  size_t rows = slope_trace_rows(T->t);
  lua_createtable(L, (int)rows, 0);
  for (size_t k = 0; k < rows; k++) {
    long step;
    double v[5];
    slope_trace_row(T->t, k, &step, &v[1], &v[2], &v[3], x);
    v[4] = slope_trace_batch_f(T->t, k);
    if (which == 0) lua_pushinteger(L, step);
    else if (which == 5) lua_pushinteger(L, slope_trace_nfev(T->t, k));
    else lua_pushnumber(L, which < 5 ? v[which] : x[which - 6]);
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
  return 1;
}

static int trace_write(lua_State *L, int json) {
  ls_trace *T = check_trace(L);
  const char *path = luaL_checkstring(L, 2);
  int n = slope_trace_nparams(T->t);
  const char **names = lua_newuserdatauv(L, (size_t)n * sizeof *names, 0);
  lua_getiuservalue(L, 1, 1);
  for (int i = 0; i < n; i++) {
    lua_geti(L, -1, i + 1);
    names[i] = lua_tostring(L, -1);   /* anchored in the names table */
    lua_pop(L, 1);
  }
  slope_ctx *S = ls_ctx(L);
  if ((json ? slope_trace_json : slope_trace_csv)(T->t, path, names) != SLOPE_OK) ls_raise(L, S);
  lua_settop(L, 1);
  return 1;
}

static int trace_csv(lua_State *L) { return trace_write(L, 0); }
static int trace_json(lua_State *L) { return trace_write(L, 1); }

static int trace_tostring(lua_State *L) {
  ls_trace *T = check_trace(L);
  lua_pushfstring(L, "slope.Trace(%d rows)", (int)slope_trace_rows(T->t));
  return 1;
}

void ls_open_trace(lua_State *L, slope_ctx *S) {
  static const luaL_Reg meta[] = {
    {"__gc", trace_gc}, {"__len", trace_len}, {"__index", trace_index},
    {"__tostring", trace_tostring}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"column", trace_column}, {"csv", trace_csv}, {"json", trace_json}, {NULL, NULL}
  };
  ls_newclass(L, S, LS_TRACE, meta, methods);
}
