/*
** lua_problem.c -- problems in Lua: slope.problem(f, start, options) and the
** fields p.x, p.f and p.params.  Reading f, its parameters and start point
** and the data and batching options is shared with slope.minimize (lua_run.c),
** which builds its problem the same way.  f may also be a Lua function of the
** point (a table { x = ... }) returning the value: a problem known by its
** values only, for the derivative-free optimizers (ls_call_objective, which
** slope.gradcheck shares, calls it).
*/
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "lua_slope.h"

/* A Problem: the C problem, freed by __gc however the code using it ends;
** uservalue 1 keeps the data set alive as long as the problem.  Uservalues
** 2 and 3 are the last table p.x handed out and a copy of it: a person who
** writes p.x.w = 5 means to move the point, so the next use of the problem
** takes what was written into that table (see 'take_view').  Uservalue 4
** is the box of bounds = {...} (lo[n] then hi[n]), for opt:step. */
enum { UV_DATA = 1, UV_VIEW, UV_VIEW_COPY, UV_BOX, UV_COUNT = UV_BOX };
typedef struct ls_problem {
  slope_problem *p;
  ls_objective fn;   /* the Lua function of a problem known by its values */
} ls_problem;

/* ---- Lua functions as objectives ------------------------------------------------- */

/* Keep the error value at the top as the one the function raised (popped). */
static int objective_failed(ls_objective *F) {
  luaL_unref(F->L, LUA_REGISTRYINDEX, F->err);
  F->err = luaL_ref(F->L, LUA_REGISTRYINDEX);
  return SLOPE_ERRARG;
}

static const char *objective_name(const ls_objective *F, int i) {
  return F->p ? slope_problem_name(F->p, i) : F->names[i];
}

int ls_call_objective(void *ud, const double *x, double *f, double *g) {
  ls_objective *F = ud;
  lua_State *L = F->L;
  if (!lua_checkstack(L, 8)) return SLOPE_ERRMEM;
  lua_rawgeti(L, LUA_REGISTRYINDEX, F->fn);
  lua_createtable(L, 0, F->n);
  for (int i = 0; i < F->n; i++) {
    lua_pushnumber(L, x[i]);
    lua_setfield(L, -2, objective_name(F, i));
  }
  if (lua_pcall(L, 1, 2, 0) != LUA_OK) return objective_failed(F);
  if (lua_type(L, -2) != LUA_TNUMBER) {
    lua_pushfstring(L, "the objective function must return a number, got %s", luaL_typename(L, -2));
    lua_replace(L, -3);
    lua_pop(L, 1);
    return objective_failed(F);
  }
  *f = lua_tonumber(L, -2);
  if (g && !lua_istable(L, -1)) {
    lua_pushfstring(L, "the objective function must return its value and a table of partial "
                    "derivatives keyed like the point, got %s after the value", luaL_typename(L, -1));
    lua_replace(L, -3);
    lua_pop(L, 1);
    return objective_failed(F);
  }
  for (int i = 0; g && i < F->n; i++) {
    if (lua_getfield(L, -1, objective_name(F, i)) != LUA_TNUMBER) {
      lua_pushfstring(L, "the objective function's gradient has no number for '%s' (got %s)",
                      objective_name(F, i), luaL_typename(L, -1));
      lua_replace(L, -4);
      lua_pop(L, 2);
      return objective_failed(F);
    }
    g[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
  return SLOPE_OK;
}

void ls_objective_init(lua_State *L, ls_objective *F, int fn) {
  F->L = L;
  F->p = NULL;
  F->names = NULL;
  F->n = 0;
  F->err = LUA_NOREF;
  lua_pushvalue(L, fn);
  F->fn = luaL_ref(L, LUA_REGISTRYINDEX);
}

void ls_objective_release(lua_State *L, ls_objective *F) {
  luaL_unref(L, LUA_REGISTRYINDEX, F->fn);
  luaL_unref(L, LUA_REGISTRYINDEX, F->err);
  F->fn = F->err = LUA_NOREF;
}

int ls_objective_raise(lua_State *L, slope_ctx *S, ls_objective *F) {
  if (F->err == LUA_NOREF) return 0;
  slope_clear_error(S);   /* it said only that the callback failed */
  lua_rawgeti(L, LUA_REGISTRYINDEX, F->err);
  luaL_unref(L, LUA_REGISTRYINDEX, F->err);
  F->err = LUA_NOREF;
  return lua_error(L);
}

/* ---- parameters and start points ------------------------------------------------- */

/* Position of 'name' among the variables of f, or nv when it is not one. */
static int var_pos(const char **vars, int nv, const char *name) {
  int i = 0;
  while (i < nv && strcmp(vars[i], name) != 0) i++;
  return i;
}

/* Whether 'name' is one of the n names in 'v'. */
static int listed(const char *const *v, int n, const char *name) {
  for (int i = 0; i < n; i++) if (strcmp(v[i], name) == 0) return 1;
  return 0;
}

/* "'y' is not a variable of f (its variables: w, x); did you mean 'w'?" */
static void not_a_variable(lua_State *L, const char *what, const char *name, const char *const *vars, int nv) {
  char list[400];
  if (nv) slope_name_list(list, sizeof list, vars, (size_t)nv);
  luaL_error(L, "%s: '%s' is not a variable of f (%s%s)%s", what, name, nv ? "its variables: " : "it has no variables",
             nv ? list : "", ls_hint(L, slope_suggest(name, vars, (size_t)nv)));
}

/*
** Push the parameter names of a run as a list: 'params' when given, else
** the keys of 'start' in the order of f's variables, the order they were
** written in (w before b in w*x + b, p2 before p10).
*/
static int push_params(lua_State *L, slope_ctx *S, slope_expr f, int start, int params, const char *what) {
  /* the free variables of f: its printed text is not enough, since it also
  ** holds function names ("sin" in sin(x)).  A Lua function (f 0) has none
  ** to check against, and its parameters go in alphabetical order. */
  int nv = 0;
  const char **vars = NULL;
  if (f) vars = ls_vars(L, S, f, &nv);
  else lua_pushnil(L);
  lua_newtable(L);
  int list = lua_gettop(L), n = 0;
  if (params) {
    n = (int)luaL_len(L, params);
    for (int i = 1; i <= n; i++) {
      if (lua_geti(L, params, i) != LUA_TSTRING) luaL_error(L, "%s: params[%d] must be a name", what, i);
      if (lua_getfield(L, start, lua_tostring(L, -1)) != LUA_TNUMBER)
        luaL_error(L, "%s: no start value for parameter '%s'", what, lua_tostring(L, -2));
      lua_pop(L, 1);
      lua_rawseti(L, list, i);
    }
  } else {
    lua_pushnil(L);
    while (lua_next(L, start)) {
      lua_pop(L, 1);
      if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: start must map parameter names to numbers", what);
      lua_pushvalue(L, -1);
      lua_rawseti(L, list, ++n);
    }
    /* insertion sort by position among f's variables: few parameters */
    for (int i = 2; i <= n; i++) {
      for (int j = i; j > 1; j--) {
        lua_geti(L, list, j - 1);
        lua_geti(L, list, j);
        int a = var_pos(vars, nv, lua_tostring(L, -2)), b = var_pos(vars, nv, lua_tostring(L, -1));
        if (a < b || (a == b && strcmp(lua_tostring(L, -2), lua_tostring(L, -1)) < 0)) { lua_pop(L, 2); break; }
        lua_rawseti(L, list, j - 1);
        lua_rawseti(L, list, j);
      }
    }
  }
  if (n == 0) luaL_error(L, "%s: give a start value for at least one parameter", what);
  for (int i = 1; i <= n; i++) {
    lua_geti(L, list, i);
    const char *name = lua_tostring(L, -1);
    if (f && !listed(vars, nv, name)) not_a_variable(L, what, name, vars, nv);
    if (lua_getfield(L, start, name) != LUA_TNUMBER)
      luaL_error(L, "%s: the start value of '%s' must be a number", what, name);
    lua_Number v = lua_tonumber(L, -1);
    if (v != v || v == HUGE_VAL || v == -HUGE_VAL)
      luaL_error(L, "%s: the start value of '%s' must be finite, got %s", what, name, v != v ? "nan" : v > 0 ? "inf" : "-inf");
    lua_pop(L, 2);
  }
  lua_remove(L, list - 1);   /* the variables */
  return n;
}

/* names[] and x0[] from the parameter list at 'list' and the start table. */
static void read_start(lua_State *L, int list, int start, int n, const char **names, double *x0) {
  for (int i = 0; i < n; i++) {
    lua_geti(L, list, i + 1);
    names[i] = lua_tostring(L, -1);   /* kept alive by the list */
    lua_getfield(L, start, names[i]);
    x0[i] = lua_tonumber(L, -1);
    lua_pop(L, 2);
  }
}

void ls_push_point(lua_State *L, slope_problem *p, const double *x) {
  int n = slope_problem_nparams(p);
  lua_createtable(L, 0, n);
  for (int i = 0; i < n; i++) {
    lua_pushnumber(L, x[i]);
    lua_setfield(L, -2, slope_problem_name(p, i));
  }
}

/* ---- the objective, its data and batching ---------------------------------------- */

/* Lua's table.sort on the list at the top. */
static int by_text(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
** A Lua function given as f to a gradient method: slope differentiates
** expressions, and a function written with + - * / ^ and slope.sin ...
** builds one when called on variables, so show that call with the names of
** the start table (sorted, the first six); the derivative-free kinds take
** the function itself.
*/
static void not_a_function(lua_State *L, int idx) {
  enum { SHOWN = 6, MAX = 1000 };
  const char **names = lua_newuserdatauv(L, MAX * sizeof *names, 0);   /* the strings stay in the start table */
  int n = 0;
  if (lua_istable(L, idx + 1)) {
    lua_pushnil(L);
    while (lua_next(L, idx + 1)) {
      lua_pop(L, 1);
      if (lua_type(L, -1) == LUA_TSTRING && n < MAX) names[n++] = lua_tostring(L, -1);
    }
  }
  qsort(names, (size_t)n, sizeof *names, by_text);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "an expression such as \"x^2 - 4*x\" expected, got a Lua function: slope "
                     "differentiates expressions. A function written with + - * / ^ and slope.sin, "
                     "slope.exp ... builds its expression when called on variables: pass f(slope.vars(");
  for (int i = 0; i < (n ? n : 1); i++) {
    if (i) luaL_addstring(&b, ", ");
    if (i == SHOWN) { luaL_addstring(&b, "..."); break; }
    luaL_addchar(&b, '"');
    luaL_addstring(&b, n ? names[i] : "x");
    luaL_addchar(&b, '"');
  }
  luaL_addstring(&b, ")); or give a derivative-free optimizer (");
  const char *const *kinds = slope_optim_kinds();
  for (int i = 0, k = 0; kinds[i]; i++)
    if (!(slope_optim_needs(kinds[i]) & SLOPE_NEEDS_GRAD)) {
      if (k++) luaL_addstring(&b, ", ");
      luaL_addstring(&b, kinds[i]);
    }
  luaL_addstring(&b, "), which calls the function itself on the point as a table and needs only its value)");
  luaL_pushresult(&b);
  luaL_argerror(L, idx, lua_tostring(L, -1));
}

static slope_expr check_objective(lua_State *L, slope_ctx *S, int idx) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    size_t len;
    const char *src = lua_tolstring(L, idx, &len);
    slope_expr e = slope_parse(S, src, len);
    if (!e) ls_raise(L, S);
    return e;
  }
  if (lua_isfunction(L, idx)) not_a_function(L, idx);
  slope_expr e = ls_to_expr(L, S, idx);
  if (!e) luaL_typeerror(L, idx, "Expr or expression text");
  return e;
}

/* Build the problem of f, start and the data/batch options of table 'opts';
** a Lua function f makes a problem known by its values (when 'values_ok'). */
static slope_problem *make_problem(lua_State *L, slope_ctx *S, ls_problem *P, int opts, int values_ok,
                                   const char *what) {
  int top = lua_gettop(L), fn = lua_isfunction(L, 1);
  if (fn && !values_ok) not_a_function(L, 1);
  slope_expr f = fn ? 0 : check_objective(L, S, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  int params = 0;
  if (opts && lua_getfield(L, opts, "params") != LUA_TNIL) {
    ls_check_option_type(L, LUA_TTABLE, what, "params", "a list of parameter names");
    params = lua_gettop(L);
  } else if (opts) lua_pop(L, 1);
  int n = push_params(L, S, f, 2, params, what), list = lua_gettop(L);
  const char **names = lua_newuserdatauv(L, (size_t)n * sizeof *names, 0);
  double *x0 = lua_newuserdatauv(L, (size_t)n * sizeof *x0, 0);
  read_start(L, list, 2, n, names, x0);
  const slope_data *data = NULL;
  if (opts && lua_getfield(L, opts, "data") != LUA_TNIL) {
    if (!luaL_testudata(L, -1, LS_DATA))
      luaL_error(L, "%s: data must be a data set (slope.data{ x = {...} }), got %s", what, luaL_typename(L, -1));
    data = ls_check_data(L, lua_gettop(L));
    if (fn) luaL_error(L, "%s: data needs an expression objective (a Lua function sees only the point)", what);
  }
  slope_problem *p;
  if (fn) {
    ls_objective_init(L, &P->fn, 1);
    slope_objective obj = {ls_call_objective, NULL, &P->fn};
    p = slope_problem_values(S, n, names, x0, obj);
    P->fn.p = p;
    P->fn.n = n;
  } else p = slope_problem_new(S, f, names, x0, n, data);
  if (!p) ls_raise(L, S);
  lua_settop(L, top);
  return p;
}

/* batch = "full" | n, shuffle, seed: applied to the problem. */
static void apply_batching(lua_State *L, slope_ctx *S, slope_problem *p, int opts, const char *what) {
  size_t batch = 0;
  int t = lua_getfield(L, opts, "batch");
  if (t == LUA_TNUMBER) {
    lua_Integer b = lua_tointeger(L, -1);
    if (!lua_isinteger(L, -1) || b < 1) luaL_error(L, "%s: batch must be \"full\" or an integer >= 1", what);
    batch = (size_t)b;
  } else if (t == LUA_TSTRING) {
    if (strcmp(lua_tostring(L, -1), "full") != 0) luaL_error(L, "%s: batch must be \"full\" or an integer >= 1", what);
  } else if (t != LUA_TNIL) luaL_error(L, "%s: batch must be \"full\" or an integer >= 1", what);
  lua_getfield(L, opts, "shuffle");
  int shuffle = lua_toboolean(L, -1);
  lua_getfield(L, opts, "seed");
  lua_Integer seed = lua_isnil(L, -1) ? 0 : luaL_checkinteger(L, -1);
  lua_pop(L, 3);
  if (batch && !slope_problem_data(p)) luaL_error(L, "%s: batch needs data", what);
  if (slope_problem_batch(p, batch, shuffle, (uint64_t)seed) != SLOPE_OK) ls_raise(L, S);
}

/* The parameter names of 'p' as a Lua list. */
int ls_push_names(lua_State *L, slope_problem *p) {
  int n = slope_problem_nparams(p);
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushstring(L, slope_problem_name(p, i));
    lua_rawseti(L, -2, i + 1);
  }
  return lua_gettop(L);
}

/* bounds = { x = { 0, 1 }, w = { -1, math.huge } }: a box by parameter name
** (a name not given is unbounded). */
double *ls_push_bounds(lua_State *L, int opts, slope_problem *p, const char *what) {
  if (lua_getfield(L, opts, "bounds") == LUA_TNIL) { lua_pop(L, 1); return NULL; }
  ls_check_option_type(L, LUA_TTABLE, what, "bounds", "a table { x = { 0, 1 }, ... } by parameter name");
  int t = lua_gettop(L), n = slope_problem_nparams(p);
  double *lo = lua_newuserdatauv(L, 2 * (size_t)n * sizeof *lo, 0), *hi = lo + n;
  const char **names = lua_newuserdatauv(L, (size_t)n * sizeof *names, 0);
  for (int i = 0; i < n; i++) {
    lo[i] = -HUGE_VAL;
    hi[i] = HUGE_VAL;
    names[i] = slope_problem_name(p, i);
  }
  lua_pushnil(L);
  while (lua_next(L, t)) {
    int i = 0;
    const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    if (!k) luaL_error(L, "%s: bounds must be a table by parameter name: { x = { 0, 1 } }", what);
    while (i < n && strcmp(k, names[i]) != 0) i++;
    if (i == n) {
      char list[300];
      slope_name_list(list, sizeof list, names, (size_t)n);
      luaL_error(L, "%s: bounds names '%s', which is not a parameter (parameters: %s)%s", what, k, list,
                 ls_hint(L, slope_suggest(k, names, (size_t)n)));
    }
    if (!lua_istable(L, -1) || lua_geti(L, -1, 1) != LUA_TNUMBER || lua_geti(L, -2, 2) != LUA_TNUMBER)
      luaL_error(L, "%s: bounds.%s must be a pair of numbers { lo, hi } (-math.huge or math.huge "
                 "leaves a side open)", what, k);
    lo[i] = lua_tonumber(L, -2);
    hi[i] = lua_tonumber(L, -1);
    if (!(lo[i] <= hi[i]) || lo[i] == HUGE_VAL || hi[i] == -HUGE_VAL) {
      char got[80];   /* lua_pushfstring has no %g */
      snprintf(got, sizeof got, "{ %g, %g }", lo[i], hi[i]);
      luaL_error(L, "%s: bounds.%s must have lo <= hi (and no side at the wrong infinity), got %s", what, k, got);
    }
    lua_pop(L, 3);
  }
  lua_pop(L, 1);   /* the names; the box stays on the stack */
  lua_remove(L, t);
  return lo;
}

/* ---- the Problem class ------------------------------------------------------------ */

/* The problem userdata frees the C problem however the run ends. */
static int problem_gc(lua_State *L) {
  ls_problem *P = luaL_checkudata(L, 1, LS_PROBLEM);
  slope_problem_free(P->p);
  P->p = NULL;
  ls_objective_release(L, &P->fn);
  return 0;
}

static ls_problem *new_problem_udata(lua_State *L) {
  ls_problem *P = lua_newuserdatauv(L, sizeof *P, UV_COUNT);
  P->p = NULL;
  P->fn.fn = P->fn.err = LUA_NOREF;
  luaL_setmetatable(L, LS_PROBLEM);
  return P;
}

slope_problem *ls_push_problem(lua_State *L, slope_ctx *S, int opts, int values_ok, const char *what) {
  ls_problem *P = new_problem_udata(L);   /* owns the C problem from here */
  lua_getfield(L, opts, "data");
  lua_setiuservalue(L, -2, UV_DATA);       /* the data must outlive the problem */
  P->p = make_problem(L, S, P, opts, values_ok, what);
  apply_batching(L, S, P->p, opts, what);
  return P->p;
}

/* slope.problem(f, start, { data = ds, batch = 4, shuffle = true, seed = 1, params = {...},
** bounds = {...} }) */
static int l_problem(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  lua_settop(L, 3);
  if (lua_isnil(L, 3)) { lua_newtable(L); lua_replace(L, 3); }
  static const char *const opts[] = {"data", "batch", "shuffle", "seed", "params", "bounds", NULL};
  luaL_checktype(L, 3, LUA_TTABLE);
  ls_check_options(L, 3, "problem", opts, 0);
  slope_problem *p = ls_push_problem(L, S, 3, 1, "problem");
  const double *lo = ls_push_bounds(L, 3, p, "problem");
  if (lo) {
    int n = slope_problem_nparams(p);
    const double *hi = lo + n, *x = slope_problem_x(p);
    for (int i = 0; i < n; i++)
      if (!(x[i] >= lo[i] && x[i] <= hi[i])) {
        char got[120];   /* lua_pushfstring has no %g */
        snprintf(got, sizeof got, "%g, outside its bounds [%g, %g]", x[i], lo[i], hi[i]);
        luaL_error(L, "problem: the start of '%s' is %s", slope_problem_name(p, i), got);
      }
    lua_setiuservalue(L, -2, UV_BOX);
  }
  return 1;
}

const double *ls_problem_box(lua_State *L, int idx) {
  lua_getiuservalue(L, idx, UV_BOX);
  const double *lo = lua_touserdata(L, -1);   /* NULL when there is none */
  lua_pop(L, 1);   /* the Problem keeps it alive */
  return lo;
}

/*
** Move the point of the Problem at 'idx' to what was written into the last
** table p.x returned (p.x.w = 5), then forget that table: only values that
** differ from what was handed out count, so reading p.x changes nothing.
*/
static void take_view(lua_State *L, ls_problem *P, int idx) {
  if (lua_getiuservalue(L, idx, UV_VIEW) != LUA_TTABLE) { lua_pop(L, 1); return; }
  lua_getiuservalue(L, idx, UV_VIEW_COPY);
  double *x = slope_problem_x(P->p);
  for (int i = 0, n = slope_problem_nparams(P->p); i < n; i++) {
    const char *name = slope_problem_name(P->p, i);
    lua_getfield(L, -2, name);
    lua_getfield(L, -2, name);
    if (!lua_rawequal(L, -1, -2)) {
      if (lua_type(L, -2) != LUA_TNUMBER) {   /* reported once: the table is forgotten */
        lua_pushnil(L);
        lua_setiuservalue(L, idx, UV_VIEW);
        luaL_error(L, "p.x.%s = %s: a parameter's value must be a number", name, luaL_typename(L, -2));
      }
      x[i] = lua_tonumber(L, -2);
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 2);
  lua_pushnil(L);
  lua_setiuservalue(L, idx, UV_VIEW);
}

static ls_problem *check_problem(lua_State *L, int idx) {
  ls_problem *P = luaL_checkudata(L, idx, LS_PROBLEM);
  if (!P->p) luaL_error(L, "the problem has been freed");
  P->fn.L = L;   /* a Lua function objective is called on the running thread */
  take_view(L, P, lua_absindex(L, idx));
  return P;
}

/* p.x: the current point as a new table, remembered with a copy (take_view). */
static void push_view(lua_State *L, ls_problem *P, int idx) {
  ls_push_point(L, P->p, slope_problem_x(P->p));
  ls_push_point(L, P->p, slope_problem_x(P->p));
  lua_setiuservalue(L, idx, UV_VIEW_COPY);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, idx, UV_VIEW);
}

slope_problem *ls_check_problem(lua_State *L, int idx) { return check_problem(L, idx)->p; }

int ls_problem_raise(lua_State *L, slope_ctx *S, int idx) {
  ls_problem *P = luaL_checkudata(L, idx, LS_PROBLEM);
  ls_objective_raise(L, S, &P->fn);
  return ls_raise(L, S);
}

/* p.x (the current point), p.f (the objective there over all rows), p.params */
static int problem_index(lua_State *L) {
  ls_problem *P = check_problem(L, 1);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "x") == 0) push_view(L, P, 1);
  else if (strcmp(k, "f") == 0) {
    double f;
    if (slope_problem_eval(P->p, slope_problem_x(P->p), &f, NULL) != SLOPE_OK) ls_problem_raise(L, ls_ctx(L), 1);
    lua_pushnumber(L, f);
  } else if (strcmp(k, "params") == 0) ls_push_names(L, P->p);
  else return luaL_error(L, "a problem has the fields x, f and params, not '%s'", k);
  return 1;
}

/* p.x = { w = 1, b = 0 } moves the current point (names not given stay). */
static int problem_newindex(lua_State *L) {
  ls_problem *P = check_problem(L, 1);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "x") != 0) return luaL_error(L, "only p.x can be set, not '%s'", k);
  luaL_checktype(L, 3, LUA_TTABLE);
  int n = slope_problem_nparams(P->p);
  double *x = slope_problem_x(P->p);
  lua_pushnil(L);
  while (lua_next(L, 3)) {
    int i = 0;
    const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
    while (i < n && strcmp(name, slope_problem_name(P->p, i)) != 0) i++;
    if (i == n) return luaL_error(L, "p.x: '%s' is not a parameter of the problem", name);
    if (lua_type(L, -1) != LUA_TNUMBER) return luaL_error(L, "p.x: %s must be a number", name);
    x[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  return 0;
}

static int problem_tostring(lua_State *L) {
  ls_problem *P = check_problem(L, 1);
  int n = slope_problem_nparams(P->p);
  lua_pushfstring(L, "slope.Problem(%d parameter%s)", n, n == 1 ? "" : "s");
  return 1;
}

void ls_open_problem(lua_State *L, slope_ctx *S) {
  static const luaL_Reg meta[] = {
    {"__gc", problem_gc}, {"__index", problem_index}, {"__newindex", problem_newindex},
    {"__tostring", problem_tostring}, {NULL, NULL}
  };
  ls_newclass(L, S, LS_PROBLEM, meta, NULL);
  lua_pushlightuserdata(L, S);
  lua_pushcclosure(L, l_problem, 1);
  lua_setfield(L, -2, "problem");
}
