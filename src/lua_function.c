/*
** lua_function.c -- compiled functions in Lua: f:compile{ "x", "y" } returns a
** callable Function; fn(1, 2) is the value, fn:grad(1, 2) the value and the
** gradient, both computed by the tape in C.
*/
#include <stdlib.h>
#include <string.h>

#include "lua_slope.h"

typedef struct ls_function {
  slope_tape *T;
  int n, ncols;
  size_t nrows;
  double *mem;        /* x[n], g[n], then the column data, one block */
  const char **names; /* parameter names, borrowed from the uservalue table */
} ls_function;

static int fn_gc(lua_State *L) {
  ls_function *F = luaL_checkudata(L, 1, LS_FUNCTION);
  slope_tape_free(F->T);
  free(F->mem);
  free(F->names);
  F->T = NULL;
  F->mem = NULL;
  F->names = NULL;
  return 0;
}

/* Read the parameter values: fn(1, 2), fn{1, 2} or fn{ x = 1, y = 2 }. */
static void read_point(lua_State *L, ls_function *F, double *x, int top) {
  if (top == 2 && lua_istable(L, 2)) {
    for (int i = 0; i < F->n; i++) {
      int t = lua_geti(L, 2, i + 1);
      if (t == LUA_TNIL) { lua_pop(L, 1); t = lua_getfield(L, 2, F->names[i]); }
      if (t != LUA_TNUMBER) luaL_error(L, "no number given for parameter '%s'", F->names[i]);
      x[i] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
    return;
  }
  if (top - 1 != F->n)
    luaL_error(L, "the function takes %d parameter%s, got %d", F->n, F->n == 1 ? "" : "s", top - 1);
  for (int i = 0; i < F->n; i++) {   /* the common case without a call per number */
    int isnum;
    x[i] = lua_tonumberx(L, i + 2, &isnum);
    if (!isnum) x[i] = luaL_checknumber(L, i + 2);
  }
}

/* fn:grad(x, y, g): a table after the parameters receives the gradient, so
** a loop makes no table per call.  (With no parameters a lone table is the
** point, fn:grad{}.) */
static int out_table(lua_State *L, const ls_function *F, int want_grad) {
  if (!want_grad || F->n == 0) return 0;
  int top = lua_gettop(L);
  return top == F->n + 2 && lua_istable(L, top) ? top : 0;
}

/* The Function at 1; with its class's metatable as upvalue 2 (fn:grad) it is
** compared directly, without looking the class up by name at every call
** (without that upvalue lua_rawequal says 0 and the class is looked up). */
static ls_function *check_function(lua_State *L) {
  ls_function *F = lua_touserdata(L, 1);
  if (F && lua_getmetatable(L, 1)) {
    int same = lua_rawequal(L, -1, lua_upvalueindex(2));
    lua_pop(L, 1);
    if (same) return F;
  }
  return luaL_checkudata(L, 1, LS_FUNCTION);
}

/* What a call returns: the value; the value and the gradient as a table
** (fn:grad); or the value and the gradient's components as results of their
** own (fn:grad_values: no table to make or fill, the fastest from a loop). */
enum { VALUE, GRAD_TABLE, GRAD_VALUES };

static int eval(lua_State *L, int want) {
  ls_function *F = check_function(L);
  if (!F->T) return luaL_error(L, "the function has been freed");
  double *x = F->mem, *g = F->mem + F->n, f;
  int out = out_table(L, F, want == GRAD_TABLE);
  read_point(L, F, x, out ? out - 1 : lua_gettop(L));
  if (slope_tape_grad(F->T, x, NULL, 0, &f, want != VALUE ? g : NULL) != SLOPE_OK) ls_raise(L, ls_ctx(L));
  lua_pushnumber(L, f);
  if (want == VALUE) return 1;
  if (want == GRAD_VALUES) {
    /* a C function has LUA_MINSTACK slots: the arguments and f hold F->n + 2 of them */
    if (F->n + 2 + F->n > LUA_MINSTACK)
      luaL_checkstack(L, F->n, "fn:grad_values: too many parameters to return one by one (use fn:grad)");
    for (int i = 0; i < F->n; i++) lua_pushnumber(L, g[i]);
    return F->n + 1;
  }
  if (out) lua_pushvalue(L, out);
  else lua_createtable(L, F->n, 0);
  for (int i = 0; i < F->n; i++) {
    lua_pushnumber(L, g[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 2;
}

static int fn_call(lua_State *L) { return eval(L, VALUE); }
static int fn_grad(lua_State *L) { return eval(L, GRAD_TABLE); }
static int fn_grad_values(lua_State *L) { return eval(L, GRAD_VALUES); }

static int fn_tostring(lua_State *L) {
  ls_function *F = luaL_checkudata(L, 1, LS_FUNCTION);
  lua_pushfstring(L, "slope.Function(%d parameter%s, %d data column%s)", F->n,
                  F->n == 1 ? "" : "s", F->ncols, F->ncols == 1 ? "" : "s");
  return 1;
}

/* The 'jit' option of compile: false, true or "wait" (-1: not given). */
static int jit_option(lua_State *L, int opts) {
  int t = lua_getfield(L, opts, "jit"), mode = -1;
  if (t == LUA_TBOOLEAN) mode = lua_toboolean(L, -1) ? SLOPE_JIT_ON : SLOPE_JIT_OFF;
  else if (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), "wait") == 0) mode = SLOPE_JIT_WAIT;
  else if (t != LUA_TNIL)
    return luaL_error(L, "compile: jit must be false, true or \"wait\", got %s%s%s",
                      t == LUA_TSTRING ? "\"" : "", t == LUA_TSTRING ? lua_tostring(L, -1)
                      : luaL_typename(L, -1), t == LUA_TSTRING ? "\"" : "");
  lua_pop(L, 1);
  return mode;
}

static void apply_jit(lua_State *L, slope_ctx *S, slope_tape *T, int mode) {
  if (mode >= 0 && slope_tape_jit(T, mode) != SLOPE_OK) ls_raise(L, S);
}

/* The 'fast_math' option of compile: true or false (-1: not given). */
static int fast_option(lua_State *L, int opts) {
  int t = lua_getfield(L, opts, "fast_math");
  if (t != LUA_TNIL && t != LUA_TBOOLEAN)
    return luaL_error(L, "compile: fast_math must be true or false, got %s", luaL_tolstring(L, -1, NULL));
  int on = t == LUA_TNIL ? -1 : lua_toboolean(L, -1);
  lua_pop(L, 1);
  return on;
}

static void apply_fast(lua_State *L, slope_ctx *S, slope_tape *T, int on) {
  if (on >= 0 && slope_tape_fast_math(T, on) != SLOPE_OK) ls_raise(L, S);
}

/* fn:ccode{ gradient = true }: the C source of the function's native code. */
static int fn_ccode(lua_State *L) {
  ls_function *F = luaL_checkudata(L, 1, LS_FUNCTION);
  if (!F->T) return luaL_error(L, "the function has been freed");
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const opts[] = {"gradient", NULL};
    ls_check_options(L, 2, "ccode", opts, 0);
    int t = lua_getfield(L, 2, "gradient");
    if (t != LUA_TNIL && !(t == LUA_TBOOLEAN && lua_toboolean(L, -1)))
      return luaL_error(L, "ccode: gradient must be true (the native code computes value and "
                        "gradient in one function), got %s", luaL_tolstring(L, -1, NULL));
    lua_pop(L, 1);
  }
  const char *src = slope_tape_csource(F->T);
  if (!src) return ls_raise(L, ls_ctx(L));
  lua_pushstring(L, src);
  return 1;
}

/* slope.jit(fn): { native = bool, status = text, compile_ms = number }. */
static int l_jit(lua_State *L) {
  ls_function *F = luaL_testudata(L, 1, LS_FUNCTION);
  if (!F) return luaL_error(L, "slope.jit: expected a compiled function (f:compile{...}), got %s",
                            luaL_typename(L, 1));
  if (!F->T) return luaL_error(L, "the function has been freed");
  double ms = 0;
  const char *st = slope_tape_jit_status(F->T, &ms);
  int lanes = slope_tape_fast_math_lanes(F->T);   /* fast_math runs the interpreter */
  lua_createtable(L, 0, 4);
  lua_pushboolean(L, strncmp(st, "native", 6) == 0 && !lanes);
  lua_setfield(L, -2, "native");
  lua_pushinteger(L, lanes);
  lua_setfield(L, -2, "fast_math");
  lua_pushstring(L, st);
  lua_setfield(L, -2, "status");
  lua_pushnumber(L, ms);
  lua_setfield(L, -2, "compile_ms");
  return 1;
}

/* Count the data columns of a plain table { x = {...}, y = {...} } and check
** that they are arrays of numbers of one length. */
static int count_columns(lua_State *L, int idx, size_t *nrows) {
  int ncols = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1))
      luaL_error(L, "compile: data must map column names to arrays of numbers");
    size_t len = (size_t)luaL_len(L, -1);
    if (ncols > 0 && len != *nrows)
      luaL_error(L, "compile: data column '%s' has %d rows, the others %d", lua_tostring(L, -2),
                 (int)len, (int)*nrows);
    *nrows = len;
    ncols++;
    lua_pop(L, 1);
  }
  return ncols;
}

slope_tape *ls_compile_over(lua_State *L, slope_ctx *S, slope_expr e, const char **params, int n,
                            const slope_data *d) {
  int ncols = slope_data_ncols(d);
  /* scratch on the Lua stack, so an error leaves nothing to free */
  const char **names = lua_newuserdatauv(L, ((size_t)ncols + 1) * sizeof *names, 0);
  const double **cols = lua_newuserdatauv(L, ((size_t)ncols + 1) * sizeof *cols, 0);
  for (int j = 0; j < ncols; j++) {
    names[j] = slope_data_name(d, j);
    cols[j] = slope_data_column(d, j);
  }
  slope_tape *T = slope_compile(S, e, params, n, names, ncols);
  if (T && slope_tape_bind(T, cols, slope_data_rows(d)) != SLOPE_OK) {
    slope_tape_free(T);
    T = NULL;
  }
  lua_pop(L, 2);
  return T;
}

/* f:compile({ "w", "b" }, ds) with a slope.Data: its columns are used where
** they are, and the Function keeps the data set alive. */
static int compile_over_data(lua_State *L, slope_ctx *S, slope_expr e, int data, int jit, int fast) {
  const slope_data *d = ls_check_data(L, data);
  int n = (int)luaL_len(L, 2);
  ls_function *F = lua_newuserdatauv(L, sizeof *F, 1);
  memset(F, 0, sizeof *F);
  luaL_setmetatable(L, LS_FUNCTION);
  lua_createtable(L, n + 1, 0);   /* keeps the names and the data set alive */
  lua_pushvalue(L, data);
  lua_rawseti(L, -2, n + 1);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, -3, 1);
  int keep = lua_gettop(L);
  F->n = n;
  F->ncols = slope_data_ncols(d);
  F->nrows = slope_data_rows(d);
  F->names = calloc((size_t)n + 1, sizeof *F->names);
  F->mem = malloc((2 * (size_t)n + 1) * sizeof *F->mem);
  if (!F->names || !F->mem) return luaL_error(L, "compile: out of memory");
  for (int i = 0; i < n; i++) {
    lua_geti(L, 2, i + 1);
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "compile: parameter %d must be a name", i + 1);
    F->names[i] = lua_tostring(L, -1);
    lua_rawseti(L, keep, i + 1);
  }
  lua_pop(L, 1);   /* the names table */
  F->T = ls_compile_over(L, S, e, F->names, n, d);
  if (!F->T) ls_raise(L, S);
  apply_jit(L, S, F->T, jit);
  apply_fast(L, S, F->T, fast);
  return 1;
}

/* f:compile{ "x", "y" } or f:compile({ "w", "b" }, { x = {...}, y = {...} })
** or f:compile{ "w", "b", data = { x = {...}, y = {...} } }; the data may
** also be a slope.Data. */
static int m_compile(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  slope_expr e = *(slope_expr *)luaL_checkudata(L, 1, LS_EXPR);
  luaL_checktype(L, 2, LUA_TTABLE);
  static const char *const opts[] = {"data", "jit", "fast_math", NULL};
  ls_check_options(L, 2, "compile", opts, 1);
  int jit = jit_option(L, 2);
  int fast = fast_option(L, 2);
  if (lua_isnoneornil(L, 3)) lua_getfield(L, 2, "data");
  else lua_pushvalue(L, 3);
  int data = lua_gettop(L);
  if (luaL_testudata(L, data, LS_DATA)) return compile_over_data(L, S, e, data, jit, fast);
  if (!lua_isnil(L, data) && !lua_istable(L, data))
    return luaL_error(L, "compile: data must be a slope.Data or a table of columns, got %s",
                      luaL_typename(L, data));
  int n = (int)luaL_len(L, 2);
  size_t nrows = 0;
  int ncols = lua_isnil(L, data) ? 0 : count_columns(L, data, &nrows);

  ls_function *F = lua_newuserdatauv(L, sizeof *F, 1);
  memset(F, 0, sizeof *F);
  luaL_setmetatable(L, LS_FUNCTION);
  lua_createtable(L, n + ncols, 0);   /* keeps the names alive */
  lua_setiuservalue(L, -2, 1);
  F->n = n;
  F->ncols = ncols;
  F->nrows = nrows;
  F->names = calloc((size_t)(n + ncols + 1), sizeof *F->names);
  F->mem = malloc((2 * (size_t)n + (size_t)ncols * nrows + 1) * sizeof *F->mem);
  if (!F->names || !F->mem) return luaL_error(L, "compile: out of memory");
  lua_getiuservalue(L, -1, 1);
  int keep = lua_gettop(L);
  for (int i = 0; i < n; i++) {
    lua_geti(L, 2, i + 1);
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "compile: parameter %d must be a name", i + 1);
    F->names[i] = lua_tostring(L, -1);
    lua_rawseti(L, keep, i + 1);
  }
  const double **cols = malloc((size_t)(ncols + 1) * sizeof *cols);
  if (!cols) return luaL_error(L, "compile: out of memory");
  int j = 0;
  if (ncols) lua_pushnil(L);
  while (ncols && lua_next(L, data)) {
    double *col = F->mem + 2 * n + (size_t)j * nrows;
    for (size_t r = 0; r < nrows; r++) {
      if (lua_geti(L, -1, (lua_Integer)r + 1) != LUA_TNUMBER) {
        free(cols);
        return luaL_error(L, "compile: row %d of data column '%s' is not a number", (int)r + 1,
                          lua_tostring(L, -3));
      }
      col[r] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    F->names[n + j] = lua_tostring(L, -1);
    lua_rawseti(L, keep, n + j + 1);
    cols[j++] = col;
  }
  lua_pop(L, 1);   /* the names table */
  F->T = slope_compile(S, e, F->names, n, F->names + n, ncols);
  if (F->T && ncols && slope_tape_bind(F->T, cols, nrows) != SLOPE_OK) {
    slope_tape_free(F->T);
    F->T = NULL;
  }
  free(cols);
  if (!F->T) ls_raise(L, S);
  apply_jit(L, S, F->T, jit);
  apply_fast(L, S, F->T, fast);
  return 1;
}

void ls_open_function(lua_State *L, slope_ctx *S) {
  static const luaL_Reg meta[] = {
    {"__call", fn_call}, {"__gc", fn_gc}, {"__close", fn_gc},
    {"__tostring", fn_tostring}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {{"grad", fn_grad}, {"ccode", fn_ccode}, {NULL, NULL}};
  ls_newclass(L, S, LS_FUNCTION, meta, methods);
  luaL_getmetatable(L, LS_FUNCTION);   /* fn:grad and fn(...) get the metatable as upvalue 2 */
  lua_getfield(L, -1, "__index");
  lua_pushlightuserdata(L, S);
  lua_pushvalue(L, -3);
  lua_pushcclosure(L, fn_grad, 2);
  lua_setfield(L, -2, "grad");
  lua_pushlightuserdata(L, S);
  lua_pushvalue(L, -3);
  lua_pushcclosure(L, fn_grad_values, 2);
  lua_setfield(L, -2, "grad_values");
  lua_pushlightuserdata(L, S);
  lua_pushvalue(L, -3);
  lua_pushcclosure(L, fn_call, 2);
  lua_setfield(L, -3, "__call");
  lua_pop(L, 2);
  /* compile is a method of Expr (whose __index is a function: w[1]) */
  luaL_getmetatable(L, LS_EXPR);
  lua_getfield(L, -1, "methods");
  lua_pushlightuserdata(L, S);
  lua_pushcclosure(L, m_compile, 1);
  lua_setfield(L, -2, "compile");
  lua_pop(L, 2);
  lua_pushcfunction(L, l_jit);   /* slope.jit(fn): native code in use? */
  lua_setfield(L, -2, "jit");
}
