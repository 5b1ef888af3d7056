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

/* Elements of one start value read (and made by slope.zeros, slope.randn):
** 16 times what a problem can have (2^20, slope_problem_new_shaped checks
** that), so a hostile size fails fast instead of filling the memory. */
#define MAX_ELEMENTS (1 << 24)

/* A Problem: the C problem, freed by __gc however the code using it ends;
** uservalue 1 keeps the data set alive as long as the problem.  Uservalues
** 2 and 3 are the last table p.x handed out and a copy of it: a person who
** writes p.x.w = 5 means to move the point, so the next use of the problem
** takes what was written into that table (see 'take_view').  Uservalue 4
** is the box of bounds = {...} (lo[n] then hi[n]), for opt:step. */
enum { UV_DATA = 1, UV_VIEW, UV_VIEW_COPY, UV_BOX, UV_COUNT = UV_BOX };
typedef struct ls_problem {
  slope_problem *p;
  ls_objective fn;      /* the Lua function of a problem known by its values */
  int view_out;         /* a p.x table is out (UV_VIEW): take_view reads it back */
  const double *box;    /* the bounds (lo, then hi), in the UV_BOX userdata, or NULL */
} ls_problem;

/* ---- Lua functions as objectives ------------------------------------------------- */

static void read_value(lua_State *L, int idx, const char *name, const slope_shape *sh, double *out,
                       const char *prefix);

/* Keep the error value at the top as the one the function raised (popped). */
static int objective_failed(ls_objective *F) {
  luaL_unref(F->L, LUA_REGISTRYINDEX, F->err);
  F->err = luaL_ref(F->L, LUA_REGISTRYINDEX);
  return SLOPE_ERRARG;
}

static const char *objective_name(const ls_objective *F, int i) {
  return F->p ? slope_problem_name(F->p, i) : F->names[i];
}

static int read_gradient(lua_State *L) {
  slope_problem *p = lua_touserdata(L, 2);
  double *g = lua_touserdata(L, 3);
  for (int k = 0, n = slope_problem_nvars(p); k < n; k++) {
    slope_shape sh;
    int off;
    const char *name = slope_problem_var(p, k, &sh, &off);
    if (lua_getfield(L, 1, name) == LUA_TNIL)
      luaL_error(L, "the objective function's gradient has no number for '%s' (got nil)", name);
    read_value(L, -1, name, &sh, g + off, "the objective function's gradient: ");
    lua_pop(L, 1);
  }
  return 0;
}

/* The gradient table at the top, keyed like the point (w = { ... } for a
** vector), into g; on an error, leaves the message in place of the two
** results and returns 1. */
static int grouped_gradient(lua_State *L, slope_problem *p, double *g) {
  lua_pushcfunction(L, read_gradient);
  lua_pushvalue(L, -2);
  lua_pushlightuserdata(L, p);
  lua_pushlightuserdata(L, g);
  if (lua_pcall(L, 3, 0, 0) == LUA_OK) return 0;
  lua_replace(L, -3);
  lua_pop(L, 1);
  return 1;
}

int ls_call_objective(void *ud, const double *x, double *f, double *g) {
  ls_objective *F = ud;
  lua_State *L = F->L;
  if (!lua_checkstack(L, 8)) return SLOPE_ERRMEM;
  lua_rawgeti(L, LUA_REGISTRYINDEX, F->fn);
  if (F->p) ls_push_point(L, F->p, x);
  else {
    lua_createtable(L, 0, F->n);
    for (int i = 0; i < F->n; i++) {
      lua_pushnumber(L, x[i]);
      lua_setfield(L, -2, F->names[i]);
    }
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
  if (g && F->p && grouped_gradient(L, F->p, g) != 0) return objective_failed(F);
  for (int i = 0; g && !F->p && i < F->n; i++) {
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

/* "nan", "inf" or "-inf" for a number that is not finite, else NULL. */
static const char *not_finite(double v) {
  return v != v ? "nan" : v == HUGE_VAL ? "inf" : v == -HUGE_VAL ? "-inf" : NULL;
}

/* The number at the top for element 'elem' ("" for a scalar) of 'name'. */
static double check_element(lua_State *L, const char *name, const char *elem, const char *what) {
  if (lua_type(L, -1) != LUA_TNUMBER)
    luaL_error(L, "%s: the start value of '%s%s' must be a number, an array of numbers or a table of "
               "equal-length rows, got %s", what, name, elem, luaL_typename(L, -1));
  double v = lua_tonumber(L, -1);
  if (not_finite(v)) luaL_error(L, "%s: the start value of '%s%s' must be finite, got %s", what, name, elem, not_finite(v));
  return v;
}

/*
** The shape of a start value: a number (a scalar), an array of numbers (a
** vector) or an array of equal-length arrays (a matrix of those rows).
** Every element is checked: a ragged row, a hole or something that is not
** a finite number raise, naming the parameter and the row.
*/
static slope_shape start_shape(lua_State *L, int idx, const char *name, const char *what) {
  slope_shape sh = {0, {1, 1}};
  if (lua_type(L, idx) != LUA_TTABLE) {
    check_element(L, name, "", what);
    return sh;
  }
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx), cols = 0;
  if (n < 1 || n > MAX_ELEMENTS)
    luaL_error(L, "%s: the start value of '%s' must be a number, an array of numbers or a table of "
               "equal-length rows, got %s", what, name, n < 1 ? "an empty table" : "a table too long");
  int matrix = lua_rawgeti(L, idx, 1) == LUA_TTABLE;
  if (matrix) cols = (lua_Integer)lua_rawlen(L, -1);
  lua_pop(L, 1);
  if (matrix && (cols < 1 || n * cols > MAX_ELEMENTS))
    luaL_error(L, "%s: the start value of '%s': row 1 must hold numbers, got %s", what, name,
               cols < 1 ? "an empty table" : "a row too long");
  for (lua_Integer i = 1; i <= n; i++) {
    char elem[48];
    int t = lua_rawgeti(L, idx, i);
    if (matrix && t != LUA_TTABLE)
      luaL_error(L, "%s: the start value of '%s' is a table of rows, but row %d is a %s", what, name, (int)i,
                 luaL_typename(L, -1));
    if (matrix && (lua_Integer)lua_rawlen(L, -1) != cols)
      luaL_error(L, "%s: the start value of '%s' has rows of different lengths: row %d has %d values, row 1 has %d",
                 what, name, (int)i, (int)lua_rawlen(L, -1), (int)cols);
    for (lua_Integer j = 1; matrix && j <= cols; j++) {
      lua_rawgeti(L, -1, j);
      snprintf(elem, sizeof elem, "[%d,%d]", (int)i, (int)j);
      check_element(L, name, elem, what);
      lua_pop(L, 1);
    }
    if (!matrix) {
      snprintf(elem, sizeof elem, "[%d]", (int)i);
      check_element(L, name, elem, what);
    }
    lua_pop(L, 1);
  }
  if (matrix) sh = (slope_shape){2, {(int)n, (int)cols}};
  else sh = (slope_shape){1, {(int)n, 1}};
  return sh;
}

/* The elements of the value at 'idx' (checked by start_shape, or read by
** read_value) into out[], row-major. */
static void get_elements(lua_State *L, int idx, const slope_shape *sh, double *out) {
  if (sh->rank == 0) { out[0] = lua_tonumber(L, idx); return; }
  for (int i = 0, k = 0; i < sh->dim[0]; i++) {
    lua_rawgeti(L, idx, i + 1);
    if (sh->rank == 1) out[k++] = lua_tonumber(L, -1);
    for (int j = 0; sh->rank == 2 && j < sh->dim[1]; j++) {
      lua_rawgeti(L, -1, j + 1);
      out[k++] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
}

/*
** A value written for parameter 'name' of shape 'sh' (p.x.w = {...}, a
** gradient table's entry) into out[]: it must have that shape exactly.
** Raises "'prefix'.name ..." naming the element that is wrong.
*/
static void read_value(lua_State *L, int idx, const char *name, const slope_shape *sh, double *out,
                       const char *prefix) {
  idx = lua_absindex(L, idx);
  int ok = sh->rank == 0 ? lua_type(L, idx) == LUA_TNUMBER
         : lua_type(L, idx) == LUA_TTABLE && (int)lua_rawlen(L, idx) == sh->dim[0];
  for (int i = 0; ok && sh->rank && i < sh->dim[0]; i++) {
    int t = lua_rawgeti(L, idx, i + 1);
    if (sh->rank == 1) ok = t == LUA_TNUMBER;
    else ok = t == LUA_TTABLE && (int)lua_rawlen(L, -1) == sh->dim[1];
    for (int j = 0; ok && sh->rank == 2 && j < sh->dim[1]; j++) {
      ok = lua_rawgeti(L, -1, j + 1) == LUA_TNUMBER;
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  if (!ok) {
#define PLURAL(n) ((n) == 1 ? "" : "s")
    if (sh->rank == 0) lua_pushliteral(L, "a number");
    else if (sh->rank == 1) lua_pushfstring(L, "an array of %d number%s", sh->dim[0], PLURAL(sh->dim[0]));
    else lua_pushfstring(L, "a table of %d row%s of %d number%s", sh->dim[0], PLURAL(sh->dim[0]), sh->dim[1],
                         PLURAL(sh->dim[1]));
#undef PLURAL
    luaL_error(L, "%s%s must be %s (the shape of '%s'), got %s", prefix, name, lua_tostring(L, -1), name,
               luaL_typename(L, idx));
  }
  get_elements(L, idx, sh, out);
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
      int t = lua_getfield(L, start, lua_tostring(L, -1));
      if (t != LUA_TNUMBER && t != LUA_TTABLE)
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
    lua_getfield(L, start, name);
    start_shape(L, lua_gettop(L), name, what);   /* checks it all */
    lua_pop(L, 2);
  }
  lua_remove(L, list - 1);   /* the variables */
  return n;
}

/* names[] and shapes[] of the n parameters in the list at 'list', their
** elements in all (returned) and, when 'x0' is not NULL, those elements
** one parameter after the other from the start table. */
static size_t read_start(lua_State *L, int list, int start, int n, const char **names, slope_shape *shapes,
                         double *x0) {
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    lua_geti(L, list, i + 1);
    names[i] = lua_tostring(L, -1);   /* kept alive by the list */
    lua_getfield(L, start, names[i]);
    shapes[i] = start_shape(L, lua_gettop(L), names[i], "start");
    if (x0) get_elements(L, lua_gettop(L), &shapes[i], x0 + total);
    total += slope_shape_size(&shapes[i]);
    lua_pop(L, 2);
  }
  return total;
}

/* The elements x[0..) of a parameter of shape 'sh' as a Lua value: a
** number, an array, or a table of rows. */
void ls_push_value(lua_State *L, const slope_shape *sh, const double *x) {
  if (sh->rank == 0) { lua_pushnumber(L, x[0]); return; }
  lua_createtable(L, sh->dim[0], 0);
  for (int i = 0, k = 0; i < sh->dim[0]; i++) {
    if (sh->rank == 2) {
      lua_createtable(L, sh->dim[1], 0);
      for (int j = 0; j < sh->dim[1]; j++) {
        lua_pushnumber(L, x[k++]);
        lua_rawseti(L, -2, j + 1);
      }
    } else lua_pushnumber(L, x[k++]);
    lua_rawseti(L, -2, i + 1);
  }
}

void ls_push_point(lua_State *L, slope_problem *p, const double *x) {
  int n = slope_problem_nvars(p);
  lua_createtable(L, 0, n);
  for (int k = 0; k < n; k++) {
    slope_shape sh;
    int off;
    const char *name = slope_problem_var(p, k, &sh, &off);
    ls_push_value(L, &sh, x + off);
    lua_setfield(L, -2, name);
  }
}

/* The point as a table keyed like ls_push_point's, at 'idx', into x[]
** (names missing from it keep their values); raises for a name that is
** not a parameter or a value of the wrong shape, 'prefix' starting the
** message ("p.x."). */
static void read_point(lua_State *L, int idx, slope_problem *p, double *x, const char *prefix) {
  idx = lua_absindex(L, idx);
  int n = slope_problem_nvars(p);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
    int k = 0, off = 0;
    slope_shape sh;
    while (k < n && strcmp(name, slope_problem_var(p, k, &sh, &off)) != 0) k++;
    if (k == n) luaL_error(L, "%s'%s' is not a parameter of the problem", prefix, name);
    read_value(L, -1, name, &sh, x + off, prefix);
    lua_pop(L, 1);
  }
}

int ls_var_at(slope_problem *p, const char *name, int *count) {
  slope_shape sh;
  int off;
  for (int k = 0, n = slope_problem_nvars(p); k < n; k++)
    if (strcmp(name, slope_problem_var(p, k, &sh, &off)) == 0) {
      *count = (int)slope_shape_size(&sh);
      return off;
    }
  for (int i = 0, n = slope_problem_nparams(p); i < n; i++)   /* an element by its name: "w[2]" */
    if (strcmp(name, slope_problem_name(p, i)) == 0) {
      *count = 1;
      return i;
    }
  return -1;
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

/* The flat names of the parameters, one per element ("w[1]", "W[2,1]"),
** as slope_problem_new_shaped names them; pushes the table that keeps the
** strings alive. */
static const char **element_names(lua_State *L, const char **names, const slope_shape *shapes, int n, size_t total) {
  const char **flat = lua_newuserdatauv(L, total * sizeof *flat, 1);
  lua_createtable(L, (int)total, 0);
  for (int k = 0, i = 0; k < n; k++)
    for (size_t e = 0; e < slope_shape_size(&shapes[k]); e++, i++) {
      if (shapes[k].rank == 0) lua_pushstring(L, names[k]);
      else if (shapes[k].rank == 1) lua_pushfstring(L, "%s[%d]", names[k], (int)e + 1);
      else lua_pushfstring(L, "%s[%d,%d]", names[k], (int)e / shapes[k].dim[1] + 1, (int)e % shapes[k].dim[1] + 1);
      flat[i] = lua_tostring(L, -1);
      lua_rawseti(L, -2, i + 1);
    }
  lua_setiuservalue(L, -2, 1);
  return flat;
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
  slope_shape *shapes = lua_newuserdatauv(L, (size_t)n * sizeof *shapes, 0);
  size_t total = read_start(L, list, 2, n, names, shapes, NULL);
  double *x0 = lua_newuserdatauv(L, total * sizeof *x0, 0);
  read_start(L, list, 2, n, names, shapes, x0);
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
    p = slope_problem_values(S, (int)total, element_names(L, names, shapes, n, total), x0, obj);
    P->fn.p = p;
    P->fn.n = (int)total;
  } else p = slope_problem_new_shaped(S, f, names, shapes, x0, n, data);
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
  int nv = slope_problem_nvars(p);
  const char **names = lua_newuserdatauv(L, (size_t)nv * sizeof *names, 0);
  for (int i = 0; i < n; i++) {
    lo[i] = -HUGE_VAL;
    hi[i] = HUGE_VAL;
  }
  for (int k = 0; k < nv; k++) names[k] = slope_problem_var(p, k, NULL, NULL);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    if (!k) luaL_error(L, "%s: bounds must be a table by parameter name: { x = { 0, 1 } }", what);
    int count, i = ls_var_at(p, k, &count);   /* a vector's bounds hold for every element */
    if (i < 0) {
      char list[300];
      slope_name_list(list, sizeof list, names, (size_t)nv);
      luaL_error(L, "%s: bounds names '%s', which is not a parameter (parameters: %s)%s", what, k, list,
                 ls_hint(L, slope_suggest(k, names, (size_t)nv)));
    }
    if (!lua_istable(L, -1) || lua_geti(L, -1, 1) != LUA_TNUMBER || lua_geti(L, -2, 2) != LUA_TNUMBER)
      luaL_error(L, "%s: bounds.%s must be a pair of numbers { lo, hi } (-math.huge or math.huge "
                 "leaves a side open)", what, k);
    double a = lua_tonumber(L, -2), b = lua_tonumber(L, -1);
    if (!(a <= b) || a == HUGE_VAL || b == -HUGE_VAL) {
      char got[80];   /* lua_pushfstring has no %g */
      snprintf(got, sizeof got, "{ %g, %g }", a, b);
      luaL_error(L, "%s: bounds.%s must have lo <= hi (and no side at the wrong infinity), got %s", what, k, got);
    }
    for (int e = i; e < i + count; e++) lo[e] = a, hi[e] = b;
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
  P->view_out = 0;
  P->box = NULL;
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
    lua_setiuservalue(L, -2, UV_BOX);   /* keeps 'lo' alive */
    ((ls_problem *)lua_touserdata(L, -1))->box = lo;
  }
  return 1;
}

/* The bounds of the Problem at 'idx' (checked by the caller), or NULL. */
const double *ls_problem_box(lua_State *L, int idx) {
  return ((const ls_problem *)lua_touserdata(L, idx))->box;
}

/*
** Move the point of the Problem at 'idx' to what was written into the last
** table p.x returned (p.x.w = 5, p.x.v[2] = 1), then forget that table:
** only elements that differ from what was handed out (a copy of the flat
** point) count, so reading p.x changes nothing.
*/
static void take_view(lua_State *L, ls_problem *P, int idx) {
  if (!P->view_out) return;   /* the common case, without touching the uservalues */
  P->view_out = 0;
  if (lua_getiuservalue(L, idx, UV_VIEW) != LUA_TTABLE) { lua_pop(L, 1); return; }
  lua_getiuservalue(L, idx, UV_VIEW_COPY);
  const double *copy = lua_touserdata(L, -1);
  lua_pushnil(L);
  lua_setiuservalue(L, idx, UV_VIEW);   /* forgotten first: an error is reported once */
  int n = slope_problem_nparams(P->p);
  double *x = slope_problem_x(P->p), *now = lua_newuserdatauv(L, (size_t)n * sizeof *now, 0);
  memcpy(now, copy, (size_t)n * sizeof *now);
  for (int k = 0, nv = slope_problem_nvars(P->p); k < nv; k++) {
    slope_shape sh;
    int off;
    const char *name = slope_problem_var(P->p, k, &sh, &off);
    lua_getfield(L, -3, name);
    if (sh.rank == 0 && lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "p.x.%s = %s: a parameter's value must be a number", name, luaL_typename(L, -1));
    read_value(L, -1, name, &sh, now + off, "p.x.");
    lua_pop(L, 1);
  }
  for (int i = 0; i < n; i++)
    if (!(now[i] == copy[i])) x[i] = now[i];
  lua_pop(L, 3);
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
  size_t n = (size_t)slope_problem_nparams(P->p);
  memcpy(lua_newuserdatauv(L, n * sizeof(double), 0), slope_problem_x(P->p), n * sizeof(double));
  lua_setiuservalue(L, idx, UV_VIEW_COPY);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, idx, UV_VIEW);
  P->view_out = 1;
}

slope_problem *ls_check_problem(lua_State *L, int idx) { return check_problem(L, idx)->p; }

/* ls_check_problem for a hot loop (opt:step): the class's metatable is at
** 'mt' (an upvalue), compared directly instead of looked up by name. */
slope_problem *ls_check_problem_mt(lua_State *L, int idx, int mt) {
  ls_problem *P = lua_touserdata(L, idx);
  if (!P || !lua_getmetatable(L, idx)) return ls_check_problem(L, idx);
  int same = lua_rawequal(L, -1, mt);
  lua_pop(L, 1);
  if (!same || !P->p) return ls_check_problem(L, idx);
  P->fn.L = L;
  take_view(L, P, lua_absindex(L, idx));
  return P->p;
}

ls_objective *ls_problem_function(lua_State *L, int idx) { return &check_problem(L, idx)->fn; }

int ls_problem_raise(lua_State *L, slope_ctx *S, int idx) {
  ls_problem *P = luaL_checkudata(L, idx, LS_PROBLEM);
  ls_objective_raise(L, S, &P->fn);
  return ls_raise(L, S);
}

/* p.x (the current point), p.f (the objective there over all rows), p.g
** (its gradient, shaped like p.x), p.params */
static int problem_index(lua_State *L) {
  ls_problem *P = check_problem(L, 1);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "x") == 0) push_view(L, P, 1);
  else if (strcmp(k, "f") == 0) {
    double f;
    if (slope_problem_eval(P->p, slope_problem_x(P->p), &f, NULL) != SLOPE_OK) ls_problem_raise(L, ls_ctx(L), 1);
    lua_pushnumber(L, f);
  } else if (strcmp(k, "g") == 0) {   /* the gradient there, shaped like p.x */
    int n = slope_problem_nparams(P->p);
    double f, *g = lua_newuserdatauv(L, (size_t)n * sizeof *g, 0);
    if (slope_problem_values_only(P->p))
      return luaL_error(L, "p.g: this problem is known by its values only (a Lua function objective)");
    if (slope_problem_eval(P->p, slope_problem_x(P->p), &f, g) != SLOPE_OK) ls_problem_raise(L, ls_ctx(L), 1);
    ls_push_point(L, P->p, g);
  } else if (strcmp(k, "params") == 0) ls_push_names(L, P->p);
  else return luaL_error(L, "a problem has the fields x, f, g and params, not '%s'", k);
  return 1;
}

/* p.x = { w = 1, b = 0 } moves the current point (names not given stay). */
static int problem_newindex(lua_State *L) {
  ls_problem *P = check_problem(L, 1);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "x") != 0) return luaL_error(L, "only p.x can be set, not '%s'", k);
  luaL_checktype(L, 3, LUA_TTABLE);
  size_t n = (size_t)slope_problem_nparams(P->p);
  double *x = slope_problem_x(P->p), *now = lua_newuserdatauv(L, n * sizeof *now, 0);
  memcpy(now, x, n * sizeof *now);
  read_point(L, 3, P->p, now, "p.x: ");   /* all of it or nothing */
  memcpy(x, now, n * sizeof *now);
  return 0;
}

/* "slope.Problem(2 parameters)"; with arrays their shapes too:
** "slope.Problem(8 parameters: W 2x2, b, w 3)" */
static int problem_tostring(lua_State *L) {
  ls_problem *P = check_problem(L, 1);
  int n = slope_problem_nparams(P->p), nv = slope_problem_nvars(P->p), parts = 1, arrays = 0;
  slope_shape sh;
  for (int k = 0; k < nv; k++) arrays |= slope_problem_var(P->p, k, &sh, NULL) && sh.rank > 0;
  lua_pushfstring(L, "slope.Problem(%d parameter%s", n, n == 1 ? "" : "s");
  for (int k = 0; arrays && k < nv && k < 8; k++, parts++) {
    const char *name = slope_problem_var(P->p, k, &sh, NULL);
    if (sh.rank == 0) lua_pushfstring(L, "%s%s", k ? ", " : ": ", name);
    else if (sh.rank == 1) lua_pushfstring(L, "%s%s %d", k ? ", " : ": ", name, sh.dim[0]);
    else lua_pushfstring(L, "%s%s %dx%d", k ? ", " : ": ", name, sh.dim[0], sh.dim[1]);
  }
  lua_pushstring(L, arrays && nv > 8 ? ", ...)" : ")");
  lua_concat(L, parts + 1);
  return 1;
}

/* ---- start values: slope.zeros, slope.randn ------------------------------------- */

/* The dimensions n [, m] at arguments 1 and 2 of 'what': 2 when m is given. */
static int check_dims(lua_State *L, const char *what, lua_Integer dim[2]) {
  int rank = lua_type(L, 2) == LUA_TNUMBER ? 2 : 1;
  dim[1] = 1;
  for (int d = 0; d < rank; d++) {
    int isint;
    dim[d] = lua_tointegerx(L, d + 1, &isint);
    if (!isint || dim[d] < 1 || dim[d] > MAX_ELEMENTS)
      luaL_error(L, "%s: %s must be a whole number in [1, %d], got %s", what, d ? "m" : "n", MAX_ELEMENTS,
                 luaL_tolstring(L, d + 1, NULL));
  }
  if (dim[0] * dim[1] > MAX_ELEMENTS)
    luaL_error(L, "%s: %d x %d elements are too many (at most %d)", what, (int)dim[0], (int)dim[1], MAX_ELEMENTS);
  return rank;
}

/* A start of shape n [x m] filled with draws of 'next' (a vector: an array;
** a matrix: a table of rows). */
static void push_filled(lua_State *L, int rank, const lua_Integer dim[2], double (*next)(void *), void *ud) {
  lua_createtable(L, (int)dim[0], 0);
  for (lua_Integer i = 1; i <= dim[0]; i++) {
    if (rank == 2) {
      lua_createtable(L, (int)dim[1], 0);
      for (lua_Integer j = 1; j <= dim[1]; j++) {
        lua_pushnumber(L, next(ud));
        lua_rawseti(L, -2, j);
      }
    } else lua_pushnumber(L, next(ud));
    lua_rawseti(L, -2, i);
  }
}

static double zero(void *ud) { (void)ud; return 0; }

/* slope.zeros(n [, m]): a vector of n zeros, or n rows of m zeros. */
static int l_zeros(lua_State *L) {
  lua_Integer dim[2];
  push_filled(L, check_dims(L, "zeros", dim), dim, zero, NULL);
  return 1;
}

typedef struct normal_draws { slope_rng rng; double std; } normal_draws;
static double normal(void *ud) {
  normal_draws *d = ud;
  return d->std * slope_rng_normal(&d->rng);
}

/* slope.randn(n [, m] [, { std = 1, seed = 1 }]): normal deviates from
** slope's generator, so a seed gives the same start everywhere. */
static int l_randn(lua_State *L) {
  lua_Integer dim[2];
  int rank = check_dims(L, "randn", dim), opts = rank + 1;
  normal_draws d = {.std = 1};
  lua_Integer seed = 1;
  if (!lua_isnoneornil(L, opts)) {
    static const char *const keys[] = {"std", "seed", NULL};
    luaL_checktype(L, opts, LUA_TTABLE);
    ls_check_options(L, opts, "randn", keys, 0);
    if (lua_getfield(L, opts, "std") != LUA_TNIL) {
      d.std = lua_tonumber(L, -1);
      if (!lua_isnumber(L, -1) || !(d.std >= 0) || d.std == HUGE_VAL)
        luaL_error(L, "randn: std must be a finite number >= 0, got %s", luaL_tolstring(L, -1, NULL));
    }
    if (lua_getfield(L, opts, "seed") != LUA_TNIL) {
      int isint;
      seed = lua_tointegerx(L, -1, &isint);
      if (!isint || seed < 0) luaL_error(L, "randn: seed must be a whole number >= 0, got %s", luaL_tolstring(L, -1, NULL));
    }
    lua_pop(L, 2);
  }
  slope_rng_seed(&d.rng, (uint64_t)seed);
  push_filled(L, rank, dim, normal, &d);
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
  lua_pushcfunction(L, l_zeros);
  lua_setfield(L, -2, "zeros");
  lua_pushcfunction(L, l_randn);
  lua_setfield(L, -2, "randn");
}
