/*
** lua_load.c -- the Lua half of the module (lua/NAME.lua), embedded as
** precompiled chunks (build/gen/lua_embedded.c, made by src/tools/embed_lua.c)
** and registered in package.preload as "slope.NAME" ("slope.plot.scale" for
** lua/plot_scale.lua); the files share code by 'require', never through the
** module table.  Each chunk gets the module table and a table of private
** helpers as its arguments.
**
** Start-up runs none of them: slope.plot, slope.testfn and slope.noise fill
** themselves on first use (__index, or __pairs for the REPL's completion),
** and slope.help, slope.show and slope.compare load on their first call, so
** 'slope -e ""' neither compiles nor undumps any Lua.
*/
#include <string.h>
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>

#include "lua_slope.h"

/* The files lua/NAME.lua as bytecode, ended by a NULL module name. */
extern const struct ls_chunk { const char *module; const unsigned char *code; size_t len; } ls_embedded[];

/* Nothing runs at start: the module's tables of Lua functions fill
** themselves on first use, and its Lua functions load on their first call
** (their module returns the function). */
static const char *const deferred_tables[] = {"noise", "testfn", "plot", "sweep", NULL};
static const char *const deferred_functions[] = {"help", "show", "compare", NULL};
/* Deferred tables that are also called (slope.sweep{ ... }, slope.sweep.loguniform). */
static const char *const callable_tables[] = {"sweep", NULL};

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

/* The preload loader of chunk 'upvalue 1' (upvalues 2, 3: the module table
** and the private helpers): undump it and run it with those two. */
static int load_chunk(lua_State *L) {
  const struct ls_chunk *c = &ls_embedded[lua_tointeger(L, lua_upvalueindex(1))];
  /* the chunk keeps its own name, "=[slope NAME.lua]", from the build */
  if (luaL_loadbufferx(L, (const char *)c->code, c->len, c->module, "b") != LUA_OK) return lua_error(L);
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_pushvalue(L, lua_upvalueindex(3));
  lua_call(L, 2, 1);
  return 1;
}

/* Push require(name) for an embedded module, as 'require' does it (the
** package library may not be open in a host's state). */
static void require_part(lua_State *L, const char *name) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -1, name) == LUA_TNIL) {
    lua_pop(L, 1);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    if (lua_getfield(L, -1, name) != LUA_TFUNCTION) luaL_error(L, "slope: no embedded module '%s'", name);
    lua_remove(L, -2);
    lua_pushstring(L, name);
    lua_pushliteral(L, ":preload:");
    lua_call(L, 2, 1);
    if (lua_isnil(L, -1)) { lua_pop(L, 1); lua_pushboolean(L, 1); }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
  }
  lua_remove(L, -2);
}

void ls_require(lua_State *L, const char *name) { require_part(L, name); }

/* A function whose module loads on its first call (upvalue 1: the module,
** which returns the function): the function users hold never changes. */
static int deferred_call(lua_State *L) {
  require_part(L, lua_tostring(L, lua_upvalueindex(1)));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/* Fill the deferred table 't' from its module (upvalue 1) and give its
** metatable back its own __index (upvalue 2) and no __pairs. */
static void fill(lua_State *L, int t) {
  const char *module = lua_tostring(L, lua_upvalueindex(1));
  require_part(L, module);
  luaL_checktype(L, -1, LUA_TTABLE);
  for (lua_pushnil(L); lua_next(L, -2); ) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, t);
  }
  int top = lua_gettop(L);   /* a callable module (slope.sweep{ ... }) lends its __call to the public table */
  if (lua_getmetatable(L, top) && lua_getfield(L, -1, "__call") != LUA_TNIL && lua_getmetatable(L, t)) {
    lua_insert(L, -2);
    lua_setfield(L, -2, "__call");
  }
  lua_settop(L, top - 1);
  lua_pushvalue(L, t);   /* 'require' of the module now gives the public table */
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_insert(L, -2);
  lua_setfield(L, -2, module);
  lua_pop(L, 1);
  if (lua_getmetatable(L, t)) {
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_setfield(L, -2, "__index");
    lua_pushnil(L);
    lua_setfield(L, -2, "__pairs");
    lua_pop(L, 1);
  }
}

/* __index of a deferred table: load, then look again. */
static int deferred_index(lua_State *L) {
  fill(L, 1);
  lua_settop(L, 2);
  lua_gettable(L, 1);
  return 1;
}

/* 'next' for the loaded table (the global one may have been replaced). */
static int raw_next(lua_State *L) {
  lua_settop(L, 2);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

/* __pairs of a deferred table: load, then iterate (so the REPL's completion
** and help's walk see every name). */
static int deferred_pairs(lua_State *L) {
  fill(L, 1);
  lua_pushcfunction(L, raw_next);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

void ls_open_lua_parts(lua_State *L) {
  int slope = lua_absindex(L, -2);
  lua_createtable(L, 0, 4);   /* the private helpers */
  lua_insert(L, -2);
  lua_setfield(L, -2, "language");
  lua_pushcfunction(L, ls_unknown_option);
  lua_setfield(L, -2, "unknown_option");
  lua_pushcfunction(L, private_fail);
  lua_setfield(L, -2, "fail");
  lua_pushcfunction(L, private_stdout_is_terminal);
  lua_setfield(L, -2, "stdout_is_terminal");
  ls_sweep_helpers(L);     /* worker processes and folders for slope.sweep */
  ls_open_render(L);
  lua_pushvalue(L, -1);   /* the REPL reads 'plotted' there (repl.c) */
  lua_setfield(L, LUA_REGISTRYINDEX, "slope.private");
  int helpers = lua_gettop(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (int i = 0; ls_embedded[i].module; i++) {
    lua_pushinteger(L, i);
    lua_pushvalue(L, slope);
    lua_pushvalue(L, helpers);
    lua_pushcclosure(L, load_chunk, 3);
    lua_setfield(L, -2, ls_embedded[i].module);
  }
  lua_pop(L, 2);
  for (const char *const *f = deferred_functions; *f; f++) {
    lua_pushfstring(L, "slope.%s", *f);
    lua_pushcclosure(L, deferred_call, 1);
    lua_setfield(L, slope, *f);
  }
  for (const char *const *t = deferred_tables; *t; t++) {
    lua_newtable(L);   /* filled by the __index ls_defer_lua_parts gives it */
    lua_setfield(L, slope, *t);
  }
}

/* __call of a callable deferred table: call its module's table (whose own
** __call does the work) with the same arguments. */
static int deferred_table_call(lua_State *L) {
  require_part(L, lua_tostring(L, lua_upvalueindex(1)));
  lua_replace(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

void ls_defer_lua_parts(lua_State *L) {
  for (const char *const *t = callable_tables; *t; t++) {
    lua_getfield(L, -1, *t);
    lua_createtable(L, 0, 3);
    lua_pushfstring(L, "slope.%s", *t);
    lua_pushcclosure(L, deferred_table_call, 1);
    lua_setfield(L, -2, "__call");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
  }
  for (const char *const *t = deferred_tables; *t; t++) {
    lua_getfield(L, -1, *t);
    if (!lua_getmetatable(L, -1)) lua_newtable(L);
    lua_pushfstring(L, "slope.%s", *t);
    lua_getfield(L, -2, "__index");   /* the table's own, back in place once it is filled */
    lua_pushvalue(L, -2);
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, deferred_index, 2);
    lua_setfield(L, -4, "__index");
    lua_pushcclosure(L, deferred_pairs, 2);
    lua_setfield(L, -2, "__pairs");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
  }
}
