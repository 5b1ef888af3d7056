/*
** host_lua.c -- a C application with its own Lua state that opens slope in
** it, runs an experiment written in Lua, and reads the result back in C.
**
**   cc host_lua.c $(pkg-config --cflags --libs slope-lua) -o host_lua && ./host_lua
**
** luaopen_slope lives in the Lua binding, libslope_lua.a, which is a client
** of libslope's public API like any host: slope-lua.pc names both (and Lua).
**
** The Lua state owns everything slope makes inside it (one slope context per
** state, freed by lua_close), so the host frees nothing but the state.
*/
#include <stdio.h>

#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

#include <slope.h>

/* The experiment: fit y = w*x + b by mean squared error on data drawn from
** y = 2x + 1, with Adam over the full batch.  It returns the run's result. */
static const char *experiment =
  "local ds = slope.data{ x = { 0, 1, 2, 3, 4, 5 }, y = { 1, 3, 5, 7, 9, 11 } }\n"
  "return slope.minimize('mean((w*x + b - y)^2)', { w = 0, b = 0 }, {\n"
  "  data = ds, optimizer = slope.optim.adam{ lr = 0.1 }, epochs = 1000,\n"
  "  schedule = slope.schedule.cosine{ T_max = 1000 } })\n";

/* Read the number r.x[name] of the result table at 'idx'. */
static double param(lua_State *L, int idx, const char *name) {
  lua_getfield(L, idx, "x");
  lua_getfield(L, -1, name);
  double v = lua_tonumber(L, -1);
  lua_pop(L, 2);
  return v;
}

int main(void) {
  lua_State *L = luaL_newstate();
  if (!L) {
    fputs("host_lua: cannot create a Lua state\n", stderr);
    return 1;
  }
  luaL_openlibs(L);
  /* What 'require "slope"' does, without searching package.cpath; the 1 also
  ** sets the global 'slope', as in the slope command. */
  luaL_requiref(L, "slope", luaopen_slope, 1);
  lua_pop(L, 1);

  /* Lua errors (a bad option, a syntax error in an expression) come back as
  ** a status and a message on the stack, never as a crash. */
  if (luaL_loadstring(L, experiment) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
    fprintf(stderr, "host_lua: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return 1;
  }
  int r = lua_gettop(L);
  double w = param(L, r, "w"), b = param(L, r, "b");
  lua_getfield(L, r, "status");
  lua_getfield(L, r, "f");
  printf("w = %.6f\nb = %.6f\nf = %.3e\nstatus = %s\n", w, b, lua_tonumber(L, -1), lua_tostring(L, -2));
  lua_close(L);   /* frees the slope context with everything else */
  return 0;
}
