/*
** lua_slope.c -- luaopen_slope: the module table, and the context that every
** function of the binding shares, owned by the Lua state.
*/
#include "lua_slope.h"

#define LS_CONTEXT "slope.Context"

/* The files lua/NAME.lua, compiled in by make (build/gen/lua_embedded.c). */
extern const struct { const char *name; const unsigned char *src; size_t len; } ls_embedded[];

/* Run each embedded chunk with the module table as its argument: the Lua
** half of the module (show, plots, test functions, ...) adds itself to it. */
static void open_lua_parts(lua_State *L) {
  for (int i = 0; ls_embedded[i].name; i++) {
    const char *name = lua_pushfstring(L, "=[slope %s.lua]", ls_embedded[i].name);
    if (luaL_loadbuffer(L, (const char *)ls_embedded[i].src, ls_embedded[i].len, name) != LUA_OK)
      lua_error(L);
    lua_remove(L, -2);
    lua_pushvalue(L, -2);
    lua_call(L, 1, 0);
  }
}

static int ctx_gc(lua_State *L) {
  slope_ctx **p = luaL_checkudata(L, 1, LS_CONTEXT);
  slope_free(*p);
  *p = NULL;
  return 0;
}

/*
** One context per Lua state, created on the first 'require' and kept in the
** registry; it is finalized after everything made from it, since Lua runs
** finalizers in the reverse order of their marking.
*/
static slope_ctx *state_context(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, LS_CONTEXT) == LUA_TUSERDATA) {
    slope_ctx *S = *(slope_ctx **)lua_touserdata(L, -1);
    lua_pop(L, 1);
    return S;
  }
  lua_pop(L, 1);
  slope_ctx **p = lua_newuserdatauv(L, sizeof *p, 0);
  *p = NULL;
  luaL_newmetatable(L, LS_CONTEXT);
  lua_pushcfunction(L, ctx_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  *p = slope_new();
  if (!*p) luaL_error(L, "slope: out of memory");
  lua_setfield(L, LUA_REGISTRYINDEX, LS_CONTEXT);
  return *p;
}

int luaopen_slope(lua_State *L) {
  slope_ctx *S = state_context(L);
  lua_newtable(L);
  ls_open_expr(L, S);
  ls_open_function(L, S);
  lua_pushstring(L, slope_version());
  lua_setfield(L, -2, "version");
  open_lua_parts(L);
  return 1;
}
