/*
** lua_slope.c -- luaopen_slope: the module table, and the context that every
** function of the binding shares, owned by the Lua state.
*/
#include "lua_slope.h"

#define LS_CONTEXT "slope.Context"      /* the metatable */
#define LS_HOLDER "slope.context"       /* the registry key of the holder */

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

/* The registry's context holder: the context and the runs' interrupt flag. */
typedef struct holder {
  slope_ctx *S;
  volatile int interrupt;
} holder;

static int ctx_gc(lua_State *L) {
  holder *h = luaL_checkudata(L, 1, LS_CONTEXT);
  slope_free(h->S);
  h->S = NULL;
  return 0;
}

volatile int *ls_interrupt_flag(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, LS_HOLDER);
  holder *h = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return h ? &h->interrupt : NULL;
}

/*
** One context per Lua state, created on the first 'require' and kept in the
** registry; it is finalized after everything made from it, since Lua runs
** finalizers in the reverse order of their marking.
*/
static slope_ctx *state_context(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, LS_HOLDER) == LUA_TUSERDATA) {
    slope_ctx *S = ((holder *)lua_touserdata(L, -1))->S;
    lua_pop(L, 1);
    return S;
  }
  lua_pop(L, 1);
  holder *p = lua_newuserdatauv(L, sizeof *p, 0);
  p->S = NULL;
  p->interrupt = 0;
  luaL_newmetatable(L, LS_CONTEXT);
  lua_pushcfunction(L, ctx_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  slope_ctx *S = p->S = slope_new();
  if (!S) luaL_error(L, "slope: out of memory");
  lua_setfield(L, LUA_REGISTRYINDEX, LS_HOLDER);
  return S;
}

int luaopen_slope(lua_State *L) {
  slope_ctx *S = state_context(L);
  lua_newtable(L);
  ls_open_expr(L, S);
  ls_open_function(L, S);
  ls_open_data(L, S);
  ls_open_optim(L, S);
  ls_open_run(L, S);
  lua_pushstring(L, slope_version());
  lua_setfield(L, -2, "version");
  open_lua_parts(L);
  return 1;
}
