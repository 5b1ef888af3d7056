/*
** lua_gradcheck.c -- slope.gradcheck(fun, point [, { tol = 1e-6 }]): a
** gradient written by hand in Lua, fun(point) -> value, { name = df/dname },
** checked against central differences by slope_gradcheck, which calls fun
** through the same bridge as value-only objectives (lua_problem.c): the
** point may hold arrays and tables of rows, as a start value, and the
** gradient table then has the same shapes.  The
** report is a table whose tostring reads as one line.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua_slope.h"

#define LS_GRADCHECK "slope.GradcheckReport"

/* "gradcheck ok: max error 2.1e-10 at 'x' (analytic 2, numeric 2), tol 1e-06" */
static int report_tostring(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  char line[400];
  lua_getfield(L, 1, "ok");
  lua_getfield(L, 1, "max_error");
  lua_getfield(L, 1, "tol");
  lua_getfield(L, 1, "worst");
  lua_getfield(L, -1, "name");
  lua_getfield(L, -2, "analytic");
  lua_getfield(L, -3, "numeric");
  snprintf(line, sizeof line, "gradcheck %s: max error %.3g at '%s' (analytic %.10g, numeric %.10g), tol %g",
           lua_toboolean(L, 2) ? "ok" : "FAILED", lua_tonumber(L, 3),
           lua_isstring(L, 6) ? lua_tostring(L, 6) : "?", lua_tonumber(L, 7), lua_tonumber(L, 8),
           lua_tonumber(L, 4));
  lua_pushstring(L, line);
  return 1;
}

static int l_gradcheck(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  luaL_checktype(L, 1, LUA_TFUNCTION);
  luaL_checktype(L, 2, LUA_TTABLE);
  double tol = 1e-6;
  if (!lua_isnoneornil(L, 3)) {
    static const char *const keys[] = {"tol", NULL};
    luaL_checktype(L, 3, LUA_TTABLE);
    ls_check_options(L, 3, "gradcheck", keys, 0);
    if (lua_getfield(L, 3, "tol") != LUA_TNIL) {
      if (lua_type(L, -1) != LUA_TNUMBER || !(lua_tonumber(L, -1) > 0))
        luaL_error(L, "gradcheck: tol must be a number > 0");
      tol = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
  }
  /* the point read as a start: numbers, arrays or tables of rows (a
  ** Problem of the function, whose flat parameters are named per element) */
  lua_settop(L, 2);
  lua_newtable(L);
  slope_problem *p = ls_push_problem(L, S, 3, 1, "gradcheck");
  int n = slope_problem_nparams(p);
  const char **names = lua_newuserdatauv(L, (size_t)n * sizeof *names, 0);
  for (int i = 0; i < n; i++) names[i] = slope_problem_name(p, i);
  slope_objective obj = {ls_call_objective, NULL, ls_problem_function(L, 4)};
  slope_gradcheck_report r;
  r.size = sizeof r;
  if (slope_gradcheck(S, obj, slope_problem_x(p), n, names, tol, &r) != SLOPE_OK) ls_problem_raise(L, S, 4);
  lua_createtable(L, 0, 5);
  lua_pushboolean(L, r.ok); lua_setfield(L, -2, "ok");
  lua_pushnumber(L, r.max_error); lua_setfield(L, -2, "max_error");
  lua_pushnumber(L, tol); lua_setfield(L, -2, "tol");
  lua_pushnumber(L, r.f); lua_setfield(L, -2, "f");
  lua_createtable(L, 0, 4);
  lua_pushstring(L, names[r.worst]); lua_setfield(L, -2, "name");
  lua_pushnumber(L, r.analytic); lua_setfield(L, -2, "analytic");
  lua_pushnumber(L, r.numeric); lua_setfield(L, -2, "numeric");
  lua_pushnumber(L, r.step); lua_setfield(L, -2, "step");
  lua_setfield(L, -2, "worst");
  luaL_setmetatable(L, LS_GRADCHECK);
  return 1;
}

void ls_open_gradcheck(lua_State *L, slope_ctx *S) {
  luaL_newmetatable(L, LS_GRADCHECK);
  lua_pushcfunction(L, report_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  lua_pushlightuserdata(L, S);
  lua_pushcclosure(L, l_gradcheck, 1);
  lua_setfield(L, -2, "gradcheck");
}
