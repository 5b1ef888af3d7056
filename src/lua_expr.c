/*
** lua_expr.c -- Expr values in Lua: parsing, operators, the functions of the
** language as slope.sin etc., and the methods diff, grad, hessian, vars,
** size, eval, subs, latex, ccode (compile lives in lua_function.c).
**
** Arrays: slope.var("w", 3) and slope.var("W", 3, 2) record the name's shape
** (in the registry table SHAPES, name -> { dims }), which derivatives use;
** w[i], w:at(i, j), w:slice(a, b) and #w index; slope.dot, slope.matmul and
** the other functions of arrays build; f:eval takes Lua arrays (a list, a
** list of rows) and gives them back for an array value.
*/
#include <stdlib.h>
#include <string.h>

#include "lua_slope.h"

/* ---- Expr values ------------------------------------------------------------- */

/* An Expr keeps its node until its __gc, so 'slope_collect_step' may run at
** the start of a binding function (before any node id is in a C local). */
void ls_push_expr(lua_State *L, slope_ctx *S, slope_expr e) {
  if (!e) ls_raise(L, S);
  slope_expr *u = lua_newuserdatauv(L, sizeof *u, 0);
  *u = e;
  slope_keep(S, e);
  luaL_setmetatable(L, LS_EXPR);
}

static int m_gc(lua_State *L) {
  slope_release(ls_ctx(L), *(slope_expr *)lua_touserdata(L, 1));
  return 0;
}

slope_expr ls_to_expr(lua_State *L, slope_ctx *S, int idx) {
  if (lua_type(L, idx) == LUA_TNUMBER) {
    slope_expr e = slope_num(S, lua_tonumber(L, idx));
    if (!e) ls_raise(L, S);
    return e;
  }
  slope_expr *u = luaL_testudata(L, idx, LS_EXPR);
  return u ? *u : 0;
}

slope_expr ls_check_expr(lua_State *L, slope_ctx *S, int idx) {
  slope_expr e = ls_to_expr(L, S, idx);
  if (!e) luaL_typeerror(L, idx, "Expr or number");
  return e;
}

/* The name of a variable given as a string or as an Expr that is a name;
** an Expr is replaced at 'idx' by its name, which the stack then keeps
** (the context lends it only until the next expression is built). */
static const char *check_varname(lua_State *L, slope_ctx *S, int idx) {
  if (lua_type(L, idx) == LUA_TSTRING) return lua_tostring(L, idx);
  slope_expr *u = luaL_testudata(L, idx, LS_EXPR);
  const char *name = u ? slope_var_name(S, *u) : NULL;
  if (!name) luaL_typeerror(L, idx, "variable name (string or slope.var)");
  lua_pushstring(L, name);
  lua_replace(L, idx);
  return lua_tostring(L, idx);
}

/* ---- constructors -------------------------------------------------------------- */

static int l_expr(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  slope_collect_step(S);
  if (luaL_testudata(L, 1, LS_EXPR) || lua_type(L, 1) == LUA_TNUMBER) {
    ls_push_expr(L, S, ls_check_expr(L, S, 1));
    return 1;
  }
  size_t len;
  const char *src = luaL_checklstring(L, 1, &len);
  ls_push_expr(L, S, slope_parse(S, src, len));
  return 1;
}

#define SHAPES "slope.shapes"

/* The registry's table of the shapes slope.var was given, pushed. */
static void push_shapes(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, SHAPES) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, SHAPES);
}

/* A dimension argument of slope.var: a whole number from 1. */
static int check_dim(lua_State *L, int idx) {
  lua_Integer n = luaL_checkinteger(L, idx);
  luaL_argcheck(L, n >= 1 && n <= (1 << 30), idx, "a length must be a whole number from 1 to 2^30");
  return (int)n;
}

/* slope.var(name [, n [, m]]): a scalar, a vector of n or an n x m matrix. */
static int l_var(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  const char *name = luaL_checkstring(L, 1);
  int rank = lua_isnoneornil(L, 2) ? 0 : lua_isnoneornil(L, 3) ? 1 : 2;
  int dims[2] = {rank > 0 ? check_dim(L, 2) : 1, rank > 1 ? check_dim(L, 3) : 1};
  luaL_argcheck(L, lua_gettop(L) <= 3, 4, "slope.var takes a name and at most two lengths");
  slope_expr e = slope_var(S, name);
  if (e) {   /* the latest slope.var of a name says its shape: slope.var "w" makes it a scalar again */
    push_shapes(L);
    if (rank == 0) lua_pushnil(L);
    else lua_createtable(L, rank, 0);
    for (int i = 0; i < rank; i++) {
      lua_pushinteger(L, dims[i]);
      lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
  }
  ls_push_expr(L, S, e);
  return 1;
}

/* The shapes recorded by slope.var as arrays for slope_diff_shaped (in
** userdata the stack keeps); returns how many. */
static int known_shapes(lua_State *L, const char ***names, slope_shape **shapes) {
  push_shapes(L);
  int t = lua_gettop(L), n = 0;
  for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) n++;
  *names = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof **names, 0);
  *shapes = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof **shapes, 0);
  int i = 0;
  for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1), i++) {
    (*names)[i] = lua_tostring(L, -2);   /* the table, on the stack, keeps the key */
    int rank = (int)luaL_len(L, -1);
    slope_shape sh = {rank, {1, 1}};
    for (int k = 0; k < rank && k < 2; k++) {
      lua_geti(L, -1, k + 1);
      sh.dim[k] = (int)lua_tointeger(L, -1);
      lua_pop(L, 1);
    }
    (*shapes)[i] = sh;
  }
  return n;
}

/* The derivative of 'e' by 'var' with the shapes slope.var recorded. */
static slope_expr diff_by(lua_State *L, slope_ctx *S, slope_expr e, const char *var) {
  const char **names;
  slope_shape *shapes;
  int top = lua_gettop(L), n = known_shapes(L, &names, &shapes);
  slope_expr d = slope_diff_shaped(S, e, var, names, shapes, n);
  lua_settop(L, top);
  return d;
}

static int l_vars(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  int n = lua_gettop(L);
  if (n == 1 && lua_istable(L, 1)) {   /* slope.vars{"x", "y"} */
    n = (int)luaL_len(L, 1);
    luaL_checkstack(L, n, "too many variables");
    for (int i = 1; i <= n; i++) {
      lua_geti(L, 1, i);
      ls_push_expr(L, S, slope_var(S, luaL_checkstring(L, -1)));
      lua_remove(L, -2);
    }
    return n;
  }
  luaL_checkstack(L, n, "too many variables");
  for (int i = 1; i <= n; i++) ls_push_expr(L, S, slope_var(S, luaL_checkstring(L, i)));
  return n;
}

/* slope.sin etc.: upvalue 2 is the function's index in slope_function_at. */
static int l_function(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  int arity, reduces;
  const char *name = slope_function_at((int)lua_tointeger(L, lua_upvalueindex(2)), &arity, &reduces);
  int n = lua_gettop(L);
  if (n == 1 && strcmp(name, "max") == 0) {   /* the largest element of an array */
    slope_expr a = ls_check_expr(L, S, 1);
    ls_push_expr(L, S, slope_call(S, name, &a, 1));
    return 1;
  }
  if (n != arity)
    return luaL_error(L, "slope.%s takes %d argument%s, got %d", name, arity, arity == 1 ? "" : "s", n);
  int numeric = !reduces;
  for (int i = 1; i <= n; i++) numeric &= lua_type(L, i) == LUA_TNUMBER;
  if (numeric) {   /* plain numbers in, a plain number out, as math.sin does */
    double args[2] = {lua_tonumber(L, 1), n > 1 ? lua_tonumber(L, 2) : 0}, r;
    if (slope_function_eval(name, args, n, &r) != SLOPE_OK) return luaL_error(L, "slope.%s: no value", name);
    lua_pushnumber(L, r);
    return 1;
  }
  slope_expr args[2];
  for (int i = 0; i < n; i++) args[i] = ls_check_expr(L, S, i + 1);
  ls_push_expr(L, S, slope_call(S, name, args, n));
  return 1;
}

/* slope.dot etc.: upvalue 2 is the function's name (slope_call knows it). */
static int l_array_function(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  slope_collect_step(S);
  const char *name = lua_tostring(L, lua_upvalueindex(2));
  int n = lua_gettop(L);
  slope_expr args[3];
  if (n > 3) return luaL_error(L, "slope.%s takes at most 3 arguments, got %d", name, n);
  for (int i = 0; i < n; i++) args[i] = ls_check_expr(L, S, i + 1);
  ls_push_expr(L, S, slope_call(S, name, args, n));
  return 1;
}

/* w[i] (a number or an Expr subscript), else a method. */
static int m_index(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  slope_expr a = *(slope_expr *)luaL_checkudata(L, 1, LS_EXPR);
  if (lua_type(L, 2) == LUA_TSTRING) {
    luaL_getmetafield(L, 1, "methods");
    lua_getfield(L, -1, lua_tostring(L, 2));
    return 1;
  }
  slope_expr i = ls_to_expr(L, S, 2);
  if (!i) return luaL_error(L, "an Expr is indexed by a number or an Expr (w[1]), or has methods "
                               "by name; got a %s", luaL_typename(L, 2));
  ls_push_expr(L, S, slope_index(S, a, i, 0));
  return 1;
}

static int m_at(lua_State *L) {   /* W:at(i, j) */
  slope_ctx *S = ls_ctx(L);
  slope_expr a = *(slope_expr *)luaL_checkudata(L, 1, LS_EXPR);
  slope_expr i = ls_check_expr(L, S, 2), j = lua_isnoneornil(L, 3) ? 0 : ls_check_expr(L, S, 3);
  ls_push_expr(L, S, slope_index(S, a, i, j));
  return 1;
}

static int m_slice(lua_State *L) {   /* w:slice(a, b) is w[a..b] */
  slope_ctx *S = ls_ctx(L);
  slope_expr v = *(slope_expr *)luaL_checkudata(L, 1, LS_EXPR);
  slope_expr lo = ls_check_expr(L, S, 2), hi = ls_check_expr(L, S, 3);
  ls_push_expr(L, S, slope_slice(S, v, lo, hi));
  return 1;
}

static int m_len(lua_State *L) {   /* #w */
  slope_ctx *S = ls_ctx(L);
  ls_push_expr(L, S, slope_len(S, *(slope_expr *)luaL_checkudata(L, 1, LS_EXPR)));
  return 1;
}

/* ---- operators ------------------------------------------------------------------- */

static slope_expr operand(lua_State *L, slope_ctx *S, int idx, const char *op) {
  slope_expr e = ls_to_expr(L, S, idx);
  if (!e) luaL_error(L, "cannot apply '%s' to a %s and an Expr (expected Expr or number)", op,
                     luaL_typename(L, idx));
  return e;
}

#define ARITH(cname, op, fn) \
  static int cname(lua_State *L) { \
    slope_ctx *S = ls_ctx(L); \
    slope_collect_step(S); \
    slope_expr a = operand(L, S, 1, op), b = operand(L, S, 2, op); \
    ls_push_expr(L, S, fn(S, a, b)); \
    return 1; \
  }
ARITH(m_add, "+", slope_add)
ARITH(m_sub, "-", slope_sub)
ARITH(m_mul, "*", slope_mul)
ARITH(m_div, "/", slope_div)
ARITH(m_pow, "^", slope_pow)

static int m_unm(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  ls_push_expr(L, S, slope_neg(S, operand(L, S, 1, "-")));
  return 1;
}

static int m_eq(lua_State *L) {
  slope_expr *a = luaL_testudata(L, 1, LS_EXPR), *b = luaL_testudata(L, 2, LS_EXPR);
  lua_pushboolean(L, a && b && *a == *b);
  return 1;
}

static int m_tostring(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  const char *s = slope_print(S, *(slope_expr *)luaL_checkudata(L, 1, LS_EXPR));
  if (!s) ls_raise(L, S);
  lua_pushstring(L, s);
  return 1;
}

static int m_concat(lua_State *L) {
  for (int i = 1; i <= 2; i++) luaL_tolstring(L, i, NULL);
  lua_concat(L, 2);
  return 1;
}

/* ---- methods --------------------------------------------------------------------- */

static slope_expr self(lua_State *L) { return *(slope_expr *)luaL_checkudata(L, 1, LS_EXPR); }

const char **ls_vars(lua_State *L, slope_ctx *S, slope_expr e, int *n) {
  *n = slope_vars(S, e, NULL, 0);
  if (*n < 0) ls_raise(L, S);
  const char **names = lua_newuserdatauv(L, (size_t)(*n ? *n : 1) * sizeof *names, 0);
  if (slope_vars(S, e, names, *n) != *n) ls_raise(L, S);
  return names;
}

/* Push the variable names of 'e' (in the order written, see slope_vars) as a new table; returns the count. */
static int push_vars(lua_State *L, slope_ctx *S, slope_expr e) {
  int n;
  const char **names = ls_vars(L, S, e, &n);
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushstring(L, names[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_remove(L, -2);
  return n;
}

/* The variables to differentiate by: the given list (arg 2) or all, in the order written. */
static int diff_vars(lua_State *L, slope_ctx *S, slope_expr e) {
  if (lua_isnoneornil(L, 2)) return push_vars(L, S, e);
  luaL_checktype(L, 2, LUA_TTABLE);
  int n = (int)luaL_len(L, 2);
  lua_createtable(L, n, 0);
  for (int i = 1; i <= n; i++) {
    lua_geti(L, 2, i);
    lua_pushstring(L, check_varname(L, S, lua_gettop(L)));
    lua_rawseti(L, -3, i);
    lua_pop(L, 1);
  }
  return n;
}

static int m_diff(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  slope_expr e = self(L);
  const char *v = check_varname(L, S, 2);
  lua_Integer order = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, order >= 0 && order <= 64, 3, "order must be in [0, 64]");
  for (lua_Integer k = 0; k < order && e; k++) e = diff_by(L, S, e, v);
  ls_push_expr(L, S, e);
  return 1;
}

static int m_grad(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  slope_expr e = self(L);
  int n = diff_vars(L, S, e), names = lua_gettop(L);
  lua_createtable(L, n, 0);
  for (int i = 1; i <= n; i++) {
    lua_geti(L, names, i);
    ls_push_expr(L, S, diff_by(L, S, e, lua_tostring(L, -1)));
    lua_rawseti(L, -3, i);
    lua_pop(L, 1);
  }
  return 1;
}

static int m_hessian(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  slope_expr e = self(L);
  int n = diff_vars(L, S, e), names = lua_gettop(L);
  lua_createtable(L, n, 0);
  int H = lua_gettop(L);
  for (int i = 1; i <= n; i++) {
    lua_geti(L, names, i);
    slope_expr di = diff_by(L, S, e, lua_tostring(L, -1));
    lua_pop(L, 1);
    if (!di) ls_raise(L, S);
    lua_createtable(L, n, 0);
    for (int j = 1; j <= n; j++) {
      if (j < i) {   /* symmetric: reuse the entry above the diagonal */
        lua_geti(L, H, j);
        lua_geti(L, -1, i);
        lua_remove(L, -2);
      } else {
        lua_geti(L, names, j);
        ls_push_expr(L, S, diff_by(L, S, di, lua_tostring(L, -1)));
        lua_remove(L, -2);
      }
      lua_rawseti(L, -2, j);
    }
    lua_rawseti(L, H, i);
  }
  return 1;
}

static int m_vars(lua_State *L) {
  push_vars(L, ls_ctx(L), self(L));
  return 1;
}

static int m_size(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)slope_size(ls_ctx(L), self(L)));
  return 1;
}

/* f:eval{ x = 1, y = 2 }; f:eval(3) when f has one variable, f:eval() when none. */
/* Whether 'name' is a column of 'd'. */
static int is_column(const slope_data *d, const char *name) {
  for (int j = 0; j < slope_data_ncols(d); j++)
    if (strcmp(slope_data_name(d, j), name) == 0) return 1;
  return 0;
}

/* f:eval(point, ds): the parameters are the names that are not columns of
** 'ds', and reductions run over its rows. */
static double eval_over_data(lua_State *L, slope_ctx *S, slope_expr e, const char **names, int n,
                             const double *values) {
  const slope_data *d = ls_check_data(L, 3);
  slope_tape *T = ls_compile_over(L, S, e, names, n, d);
  double f = 0;
  int rc = T ? slope_tape_grad(T, values, NULL, 0, &f, NULL) : SLOPE_ERRARG;
  slope_tape_free(T);
  if (rc != SLOPE_OK) ls_raise(L, S);
  return f;
}

/* The shape of the value at 'idx': a number, a list of numbers (a vector)
** or a list of equal-length rows (a matrix), checked while its elements
** are copied to 'dst' (NULL: only the shape). */
static slope_shape array_value(lua_State *L, int idx, const char *name, double *dst) {
  slope_shape sh = {0, {1, 1}};
  if (lua_type(L, idx) == LUA_TNUMBER) {
    if (dst) dst[0] = lua_tonumber(L, idx);
    return sh;
  }
  lua_Integer rows = luaL_len(L, idx), cols = 1;
  if (rows < 1 || rows > (1 << 30)) luaL_error(L, "eval: the value of '%s' must be a number or a non-empty array", name);
  sh.rank = lua_geti(L, idx, 1) == LUA_TTABLE ? 2 : 1;
  if (sh.rank == 2) cols = luaL_len(L, -1);
  lua_pop(L, 1);
  if (cols < 1 || cols > (1 << 30)) luaL_error(L, "eval: the rows of '%s' must be non-empty", name);
  sh.dim[0] = (int)rows;
  sh.dim[1] = (int)cols;
  for (int i = 1; i <= sh.dim[0]; i++) {
    int t = lua_geti(L, idx, i);
    if (sh.rank == 1) {
      if (t != LUA_TNUMBER) luaL_error(L, "eval: element %d of '%s' must be a number, got %s", i, name, luaL_typename(L, -1));
      if (dst) dst[i - 1] = lua_tonumber(L, -1);
    } else {
      if (t != LUA_TTABLE || luaL_len(L, -1) != sh.dim[1])
        luaL_error(L, "eval: row %d of '%s' must be a list of %d numbers (rows of one length)", i, name, sh.dim[1]);
      for (int j = 1; j <= sh.dim[1]; j++) {
        if (lua_geti(L, -1, j) != LUA_TNUMBER)
          luaL_error(L, "eval: element [%d, %d] of '%s' must be a number", i, j, name);
        if (dst) dst[(size_t)(i - 1) * (size_t)sh.dim[1] + (size_t)(j - 1)] = lua_tonumber(L, -1);
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
  return sh;
}

static size_t elements(slope_shape sh) { return (size_t)sh.dim[0] * (size_t)(sh.rank == 2 ? sh.dim[1] : 1); }

/* The value of an array expression as a number, a list or a list of rows. */
static void push_array(lua_State *L, const double *v, slope_shape sh) {
  if (sh.rank == 0) { lua_pushnumber(L, v[0]); return; }
  lua_createtable(L, sh.dim[0], 0);
  for (int i = 0; i < sh.dim[0]; i++) {
    if (sh.rank == 1) lua_pushnumber(L, v[i]);
    else {
      lua_createtable(L, sh.dim[1], 0);
      for (int j = 0; j < sh.dim[1]; j++) {
        lua_pushnumber(L, v[(size_t)i * (size_t)sh.dim[1] + (size_t)j]);
        lua_rawseti(L, -2, j + 1);
      }
    }
    lua_rawseti(L, -2, i + 1);
  }
}

/* f:eval{ w = { 1, 2 }, W = { { 1, 2 }, { 3, 4 } } }: arrays in and out. */
static int eval_arrays(lua_State *L, slope_ctx *S, slope_expr e, const char **names, int n) {
  slope_shape *sh = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *sh, 0);
  size_t total = 0;
  for (int i = 0; i < n; i++) {   /* shapes first, then one buffer for the elements */
    int t = lua_getfield(L, 2, names[i]);
    if (t == LUA_TNIL) return luaL_error(L, "eval: no value given for variable '%s'", names[i]);
    if (t != LUA_TNUMBER && t != LUA_TTABLE)
      return luaL_error(L, "eval: the value of '%s' must be a number or an array", names[i]);
    sh[i] = array_value(L, -1, names[i], NULL);
    total += elements(sh[i]);
    lua_pop(L, 1);
  }
  double *buf = lua_newuserdatauv(L, (total ? total : 1) * sizeof *buf, 0);
  for (int i = 0, at = 0; i < n; at += (int)elements(sh[i]), i++) {
    lua_getfield(L, 2, names[i]);
    array_value(L, -1, names[i], buf + at);
    lua_pop(L, 1);
  }
  slope_shape rs = {0, {1, 1}};
  double one;
  int rc = slope_eval_shaped(S, e, names, sh, buf, n, &one, 1, &rs);
  if (rc == SLOPE_ERRARG && elements(rs) > 1) {   /* an array value: again with room for it */
    double *out = lua_newuserdatauv(L, elements(rs) * sizeof *out, 0);
    if (slope_eval_shaped(S, e, names, sh, buf, n, out, elements(rs), &rs) != SLOPE_OK) ls_raise(L, S);
    push_array(L, out, rs);
    return 1;
  }
  if (rc != SLOPE_OK) ls_raise(L, S);
  push_array(L, &one, rs);
  return 1;
}

/* Whether any value of the table at 2 is a table (an array). */
static int has_arrays(lua_State *L) {
  for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1))
    if (lua_istable(L, -1)) { lua_pop(L, 2); return 1; }
  return 0;
}

/* f:eval{ x = 1 }, f:eval(1) with one variable, f:eval() for a constant, and
** f:eval({ w = 1 }, ds) over the rows of a data set. */
static int m_eval(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  slope_expr e = self(L);
  int given = lua_type(L, 2);   /* read before anything is pushed: a missing table is "no value" */
  if (given != LUA_TNUMBER && given > LUA_TNIL) luaL_checktype(L, 2, LUA_TTABLE);
  const slope_data *d = lua_isnoneornil(L, 3) ? NULL : ls_check_data(L, 3);
  int n;
  const char **names = ls_vars(L, S, e, &n);
  if (d) {   /* the columns are not parameters */
    int k = 0;
    for (int i = 0; i < n; i++) if (!is_column(d, names[i])) names[k++] = names[i];
    n = k;
  }
  if (given == LUA_TNUMBER && n > 1)   /* a constant ignores the number, as eval{} ignores names */
    return luaL_argerror(L, 2, lua_pushfstring(L, "the expression has %d variables: give a table "
                                               "of their values, as in { x = 1, y = 2 }", n));
  if (given <= LUA_TNIL && n > 0)
    return luaL_argerror(L, 2, given == LUA_TNONE ? "table expected, got no value" : "table expected, got nil");
  if (!d && given == LUA_TTABLE && has_arrays(L)) return eval_arrays(L, S, e, names, n);
  double *values = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *values, 0);
  for (int i = 0; i < n; i++) {
    if (given == LUA_TNUMBER) { values[i] = lua_tonumber(L, 2); continue; }
    if (lua_getfield(L, 2, names[i]) != LUA_TNUMBER)
      return luaL_error(L, lua_isnil(L, -1) ? "eval: no value given for variable '%s'"
                                            : "eval: the value of '%s' must be a number", names[i]);
    values[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  double r;
  if (d) r = eval_over_data(L, S, e, names, n, values);
  else if (slope_eval(S, e, names, values, n, &r) != SLOPE_OK) ls_raise(L, S);
  lua_pushnumber(L, r);
  return 1;
}

static int m_subs(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  slope_expr e = self(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    if (lua_type(L, -2) != LUA_TSTRING) return luaL_error(L, "subs: keys must be variable names");
    slope_expr by = ls_to_expr(L, S, -1);
    if (!by) return luaL_error(L, "subs: the value for '%s' must be an Expr or a number", lua_tostring(L, -2));
    e = slope_subs(S, e, lua_tostring(L, -2), by);
    if (!e) ls_raise(L, S);
    lua_pop(L, 1);
  }
  ls_push_expr(L, S, e);
  return 1;
}

static int m_latex(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  const char *s = slope_latex(S, self(L));
  if (!s) ls_raise(L, S);
  lua_pushstring(L, s);
  return 1;
}

static int m_ccode(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  slope_expr e = self(L);
  const char *name = "f";
  int n, params;
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  if (lua_istable(L, 2)) {
    static const char *const opts[] = {"name", "params", NULL};
    ls_check_options(L, 2, "ccode", opts, 0);
    int t = lua_getfield(L, 2, "name");
    if (t == LUA_TSTRING) name = lua_tostring(L, -1);
    else if (t != LUA_TNIL) luaL_error(L, "ccode: name must be a string, got %s", luaL_typename(L, -1));
    t = lua_getfield(L, 2, "params");
    if (t == LUA_TTABLE) {
      lua_replace(L, 2);
      n = diff_vars(L, S, e);
    } else if (t == LUA_TNIL) n = push_vars(L, S, e);
    else return luaL_error(L, "ccode: params must be a list of names, got %s", luaL_typename(L, -1));
  } else n = push_vars(L, S, e);
  params = lua_gettop(L);
  const char **p = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *p, 0);
  for (int i = 0; i < n; i++) {
    lua_geti(L, params, i + 1);
    p[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  const char *s = slope_ccode(S, e, name, p, n);
  if (!s) ls_raise(L, S);
  lua_pushstring(L, s);
  return 1;
}

static int l_diff(lua_State *L) {   /* slope.diff("x^2", "x") */
  slope_ctx *S = ls_ctx(L);
  size_t len;
  const char *src = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
  ls_push_expr(L, S, src ? slope_parse(S, src, len) : ls_check_expr(L, S, 1));
  lua_replace(L, 1);
  return m_diff(L);
}

void ls_open_expr(lua_State *L, slope_ctx *S) {
  static const luaL_Reg meta[] = {
    {"__add", m_add}, {"__sub", m_sub}, {"__mul", m_mul}, {"__div", m_div},
    {"__pow", m_pow}, {"__unm", m_unm}, {"__eq", m_eq}, {"__tostring", m_tostring},
    {"__concat", m_concat}, {"__gc", m_gc}, {"__index", m_index}, {"__len", m_len},
    {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"diff", m_diff}, {"grad", m_grad}, {"hessian", m_hessian}, {"vars", m_vars},
    {"size", m_size}, {"eval", m_eval}, {"subs", m_subs}, {"latex", m_latex},
    {"ccode", m_ccode}, {"at", m_at}, {"slice", m_slice}, {NULL, NULL}
  };
  static const char *const array_functions[] = {
    "dot", "matmul", "outer", "transpose", "softmax", "log_softmax", "logsumexp",
    "cross_entropy", "onehot", "norm", "range", "pad", "sum_rows", "mean_rows", NULL
  };
  static const luaL_Reg module[] = {
    {"expr", l_expr}, {"var", l_var}, {"vars", l_vars}, {"diff", l_diff}, {NULL, NULL}
  };
  ls_newclass(L, S, LS_EXPR, meta, methods);
  ls_setfuncs(L, S, module);
  const char *name;
  for (int i = 0; (name = slope_function_at(i, NULL, NULL)); i++) {
    lua_pushlightuserdata(L, S);
    lua_pushinteger(L, i);
    lua_pushcclosure(L, l_function, 2);
    lua_setfield(L, -2, name);
  }
  for (const char *const *f = array_functions; *f; f++) {
    lua_pushlightuserdata(L, S);
    lua_pushstring(L, *f);
    lua_pushcclosure(L, l_array_function, 2);
    lua_setfield(L, -2, *f);
  }
  lua_pushnumber(L, 3.14159265358979323846);
  lua_setfield(L, -2, "pi");
}
