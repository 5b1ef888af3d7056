/*
** lua_state.c -- the Lua binding in the host's own lua_State: opened with
** luaL_requiref, used by Lua code the host runs, results read back in C
** and checked against closed forms; Lua errors come back as statuses; two
** states are independent; lua_close frees everything slope made.
*/
#include <string.h>

#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

#include <slope.h>
#include "hcheck.h"

static lua_State *new_state(void) {
  lua_State *L = luaL_newstate();
  if (!L) return NULL;
  luaL_openlibs(L);
  luaL_requiref(L, "slope", luaopen_slope, 1);
  lua_pop(L, 1);
  return L;
}

/* run 'code' returning one value; LUA_OK or the error status */
static int run(lua_State *L, const char *code) {
  int rc = luaL_loadstring(L, code);
  return rc == LUA_OK ? lua_pcall(L, 0, 1, 0) : rc;
}

static double number(lua_State *L, const char *code) {
  double v = NAN;
  if (run(L, code) == LUA_OK && lua_isnumber(L, -1)) v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

int main(void) {
  lua_State *L = new_state(), *L2 = new_state();
  if (!L || !L2) return 1;

  int rc = run(L, "return tostring(slope.expr 'x^2 - 4*x + 1':diff 'x')");
  const char *t = lua_tostring(L, -1);
  check(rc == LUA_OK && t && strcmp(t, "2*x - 4") == 0, "d/dx (x^2 - 4*x + 1) = %s", t ? t : "(null)");
  lua_pop(L, 1);
  check_near(number(L, "return slope.expr 'sin(x)^2':diff 'x':eval { x = 0.7 }"), sin(1.4), 1e-15,
             "d/dx sin(x)^2 at 0.7 = sin(1.4)");

  /* a run in Lua, its result table read in C: SGD on (x - 3)^2 gives 3 - 3*0.8^t */
  check(run(L, "return slope.minimize('(x - 3)^2', { x = 0 }, { lr = 0.1, steps = 100 })") == LUA_OK &&
        lua_istable(L, -1), "slope.minimize returns a table");
  int r = lua_gettop(L);
  lua_getfield(L, r, "x");
  lua_getfield(L, -1, "x");
  check_near(lua_tonumber(L, -1), 3 - 3 * pow(0.8, 100), 1e-14, "r.x.x = 3 - 3*0.8^100");
  lua_getfield(L, r, "status");
  check(lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "max_steps") == 0, "r.status = max_steps");
  lua_settop(L, 0);

  /* the host's data handed to Lua as a table, fitted, read back */
  lua_newtable(L);
  for (int i = 0; i < 8; i++) {
    lua_pushnumber(L, 0.5 * i);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setglobal(L, "host_x");
  check_near(number(L, "local y = {} for i, x in ipairs(host_x) do y[i] = 1 - 2*x end\n"
                       "local r = slope.minimize('mean((w*x + b - y)^2)', { w = 0, b = 0 },\n"
                       "  { data = slope.data{ x = host_x, y = y }, optimizer = slope.optim.lbfgs{ line_search = 'strong_wolfe',\n"
                       "    tolerance_grad = 1e-14, tolerance_change = 1e-14 }, steps = 10 })\n"
                       "return r.x.w"), -2, 1e-8, "least squares on the host's table: w = -2");

  /* errors are statuses and messages, never crashes, and the state goes on */
  rc = run(L, "return slope.expr 'x +* 2'");
  t = lua_tostring(L, -1);
  check(rc == LUA_ERRRUN && t && strstr(t, "1:4:") != NULL, "a syntax error comes back from lua_pcall: %s", t ? t : "(null)");
  lua_pop(L, 1);
  rc = run(L, "return slope.optim.adam{ lr = -1 }");
  t = lua_tostring(L, -1);
  check(rc == LUA_ERRRUN && t && strstr(t, "lr") != NULL, "a bad hyperparameter comes back from lua_pcall: %s", t ? t : "(null)");
  lua_pop(L, 1);
  check_near(number(L, "return slope.expr 'x*y':eval { x = 3, y = 4 }"), 12, 0, "the state works after the errors");

  /* two states: a global in one is not in the other */
  check(run(L2, "return host_x") == LUA_OK && lua_isnil(L2, -1), "a second state is separate");
  lua_pop(L2, 1);
  check_near(number(L2, "return slope.expr 'exp(x)':diff 'x':eval { x = 0 }"), 1, 0, "and has its own slope");
  lua_close(L2);
  lua_close(L);
  return checks_done();
}
