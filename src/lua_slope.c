/*
** lua_slope.c -- luaopen_slope: the module table, and the context that every
** function of the binding shares, owned by the Lua state.
*/
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lua_slope.h"
#include "expr.h"
#include "suggest.h"

#define LS_CONTEXT "slope.Context"      /* the metatable */
#define LS_HOLDER "slope.context"       /* the registry key of the holder */

/* The files lua/NAME.lua, compiled in by make (build/gen/lua_embedded.c). */
extern const struct { const char *name; const unsigned char *src; size_t len; } ls_embedded[];

/* fail(msg): raise 'msg' at the line of the user's code that called into
** slope: the first Lua frame that is not one of the module's own files. */
static int private_fail(lua_State *L) {
  luaL_checkstring(L, 1);
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Sl", &ar);
    if (strcmp(ar.what, "C") != 0 && strncmp(ar.source, "=[slope ", 8) != 0) {
      if (ar.currentline > 0) lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
      else lua_pushliteral(L, "");
      lua_insert(L, 1);
      lua_concat(L, 2);
      break;
    }
  }
  return lua_error(L);
}

/* private.stdout_is_terminal(): colours only where a person looks, not into files. */
static int private_stdout_is_terminal(lua_State *L) {
  lua_pushboolean(L, isatty(STDOUT_FILENO));
  return 1;
}

/* private.language: the names of the expression language's functions, the
** ones the module also offers as slope.sin and so on. */
static void push_language(lua_State *L) {
  lua_newtable(L);
  for (int i = 0; sx_functions[i].name; i++) {
    lua_pushstring(L, sx_functions[i].name);
    lua_rawseti(L, -2, i + 1);
  }
}

/* Run each embedded chunk with the module table and a table of private
** helpers as its arguments: the Lua half of the module (show, plots, test
** functions, ...) adds itself to the module. */
static void open_lua_parts(lua_State *L) {
  lua_newtable(L);   /* the private helpers */
  lua_pushvalue(L, -1);   /* the REPL reads 'plotted' there (repl.c) */
  lua_setfield(L, LUA_REGISTRYINDEX, "slope.private");
  lua_pushcfunction(L, ls_unknown_option);
  lua_setfield(L, -2, "unknown_option");
  lua_pushcfunction(L, private_fail);
  lua_setfield(L, -2, "fail");
  lua_pushcfunction(L, private_stdout_is_terminal);
  lua_setfield(L, -2, "stdout_is_terminal");
  push_language(L);
  lua_setfield(L, -2, "language");
  for (int i = 0; ls_embedded[i].name; i++) {
    const char *name = lua_pushfstring(L, "=[slope %s.lua]", ls_embedded[i].name);
    if (luaL_loadbuffer(L, (const char *)ls_embedded[i].src, ls_embedded[i].len, name) != LUA_OK)
      lua_error(L);
    lua_remove(L, -2);
    lua_pushvalue(L, -3);
    lua_pushvalue(L, -3);
    lua_call(L, 2, 0);
  }
  lua_pop(L, 1);
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
  char hint[SX_HINT_CAP];
  return luaL_error(L, "%s has no '%s'%s", lua_tostring(L, lua_upvalueindex(1)), key,
                    sx_hint(hint, sx_nearest(key, strlen(key), names)));
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
  lua_pushstring(L, slope_version());
  lua_setfield(L, -2, "version");
  open_lua_parts(L);
  static const char *const spaces[] = {"optim", "schedule", "noise", "testfn", "plot", "data", NULL};
  for (const char *const *sp = spaces; *sp; sp++) {
    char name[32];
    snprintf(name, sizeof name, "slope.%s", *sp);
    lua_getfield(L, -1, *sp);
    make_strict(L, -1, name);
    lua_pop(L, 1);
  }
  make_strict(L, -1, "slope");
  return 1;
}
