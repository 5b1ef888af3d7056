/*
** lua_slope.c -- luaopen_slope: the module table, and the context that every
** function of the binding shares, owned by the Lua state.
*/
#include <stdio.h>
#include <string.h>

#include "lua_slope.h"

#define LS_CONTEXT "slope.Context"      /* the metatable */
#define LS_HOLDER "slope.context"       /* the registry key of the holder */

/* private.language: the names of the expression language's functions, the
** ones the module also offers as slope.sin and so on. */
static void push_language(lua_State *L) {
  lua_newtable(L);
  const char *name;
  for (int i = 0; (name = slope_function_at(i, NULL, NULL)); i++) {
    lua_pushstring(L, name);
    lua_rawseti(L, -2, i + 1);
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

/* __index of the module's tables (upvalue: the table's name): a name that
** is not there is a typo, reported with a guess, instead of a nil that fails
** later as "attempt to call a nil value (field 'adma')". */
static int strict_index(lua_State *L) {
  if (lua_type(L, 2) != LUA_TSTRING) return 0;
  const char *key = lua_tostring(L, 2);
  int n = 0;
  for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1)) n += lua_type(L, -2) == LUA_TSTRING;
  const char **names = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *names, 0);
  int i = 0;
  for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1))   /* the table keeps the strings alive */
    if (lua_type(L, -2) == LUA_TSTRING && i < n) names[i++] = lua_tostring(L, -2);
  names[i] = NULL;
  return luaL_error(L, "%s has no '%s'%s", lua_tostring(L, lua_upvalueindex(1)), key,
                    ls_hint(L, slope_suggest(key, names, (size_t)i)));
}

/* Make the table at 'idx' report unknown names (see strict_index). */
static void make_strict(lua_State *L, int idx, const char *name) {
  idx = lua_absindex(L, idx);
  if (!lua_getmetatable(L, idx)) lua_newtable(L);
  lua_pushstring(L, name);
  lua_pushcclosure(L, strict_index, 1);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, idx);
}

int luaopen_slope(lua_State *L) {
  slope_ctx *S = state_context(L);
  lua_newtable(L);
  ls_open_expr(L, S);
  ls_open_function(L, S);
  ls_open_data(L, S);
  ls_open_optim(L, S);
  ls_open_run(L, S);
  ls_open_problem(L, S);
  ls_open_trace(L, S);
  ls_open_checkpoint(L, S);
  ls_open_gradcheck(L, S);
  lua_pushstring(L, slope_version());
  lua_setfield(L, -2, "version");
  push_language(L);
  ls_open_lua_parts(L);
  static const char *const spaces[] = {"optim", "schedule", "noise", "testfn", "plot", "data", NULL};
  for (const char *const *sp = spaces; *sp; sp++) {
    char name[32];
    snprintf(name, sizeof name, "slope.%s", *sp);
    lua_getfield(L, -1, *sp);
    make_strict(L, -1, name);
    lua_pop(L, 1);
  }
  make_strict(L, -1, "slope");
  ls_defer_lua_parts(L);
  return 1;
}
