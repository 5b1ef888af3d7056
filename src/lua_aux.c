/*
** lua_aux.c -- the helpers every file of the Lua binding shares, as Lua's
** lauxlib.c is for its libraries: raising the context's error, registering
** classes and functions with the context as upvalue, and checking option
** tables with messages that list the options and guess at typos.
*/
#include <string.h>

#include "lua_slope.h"

/* Raise the message on top of the stack at the caller's line, as luaL_error does. */
static int raise_here(lua_State *L) {
  luaL_where(L, 1);
  lua_insert(L, -2);
  lua_concat(L, 2);
  return lua_error(L);
}

int ls_raise(lua_State *L, slope_ctx *S) {
  slope_error e = slope_error_get(S);
  lua_pushstring(L, e.code ? e.message : "unknown error");
  slope_clear_error(S);
  return raise_here(L);
}

void ls_setfuncs(lua_State *L, slope_ctx *S, const luaL_Reg *fns) {
  lua_pushlightuserdata(L, S);
  luaL_setfuncs(L, fns, 1);
}

void ls_newclass(lua_State *L, slope_ctx *S, const char *name, const luaL_Reg *meta,
                 const luaL_Reg *methods) {
  luaL_newmetatable(L, name);
  ls_setfuncs(L, S, meta);
  if (methods) {
    /* with an __index function of its own, the class finds methods in 'methods' */
    int has_index = lua_getfield(L, -1, "__index") != LUA_TNIL;
    lua_pop(L, 1);
    lua_newtable(L);
    ls_setfuncs(L, S, methods);
    lua_setfield(L, -2, has_index ? "methods" : "__index");
  }
  lua_pop(L, 1);
}

static void add_option_list(luaL_Buffer *b, const char *const *allowed) {
  luaL_addstring(b, " (options: ");
  for (const char *const *a = allowed; *a; a++) {
    if (a != allowed) luaL_addstring(b, ", ");
    luaL_addstring(b, *a);
  }
  luaL_addstring(b, ")");
}

const char *ls_hint(lua_State *L, const char *near) {
  return near ? lua_pushfstring(L, "; did you mean '%s'?", near) : lua_pushstring(L, "");
}

/* Push "unknown option 'KEY' (options: a, b); did you mean 'b'?". */
static void push_unknown_option(lua_State *L, const char *key, const char *const *allowed) {
  size_t n = 0;
  while (allowed[n]) n++;
  const char *hint = ls_hint(L, slope_suggest(key, allowed, n));   /* anchored below the buffer */
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "unknown option '");
  luaL_addstring(&b, key);
  luaL_addstring(&b, "'");
  add_option_list(&b, allowed);
  luaL_addstring(&b, hint);
  luaL_pushresult(&b);
  lua_remove(L, -2);   /* the hint */
}

/* Push "the value 0.1", "the value 'text'" (cut at 40 bytes) or "a table". */
static void push_value_description(lua_State *L, int value) {
  size_t len;
  switch (lua_type(L, value)) {
  case LUA_TNUMBER: case LUA_TBOOLEAN:
    lua_pushfstring(L, "the value %s", luaL_tolstring(L, value, NULL));
    lua_remove(L, -2);
    break;
  case LUA_TSTRING:
    lua_tolstring(L, value, &len);
    lua_pushlstring(L, lua_tostring(L, value), len > 40 ? 40 : len);
    lua_pushfstring(L, "the value '%s%s'", lua_tostring(L, -1), len > 40 ? "..." : "");
    lua_remove(L, -2);
    break;
  default:
    lua_pushfstring(L, "a %s", luaL_typename(L, value));
  }
}

/* Push "the value 0.1 has no name: options are written name = value
** (options: a, b)" for a value at a number key, as in adam{ 0.1 };
** 'allowed' may be NULL. */
void ls_push_unnamed(lua_State *L, int value, const char *const *allowed) {
  push_value_description(L, lua_absindex(L, value));
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  lua_pushvalue(L, -2);
  luaL_addvalue(&b);
  luaL_addstring(&b, " has no name: options are written name = value");
  if (allowed) add_option_list(&b, allowed);
  luaL_pushresult(&b);
  lua_remove(L, -2);   /* the description */
}

int ls_option_error(lua_State *L, const char *what) {
  lua_pushfstring(L, "%s: ", what);
  lua_insert(L, -2);
  lua_concat(L, 2);
  return raise_here(L);
}

void ls_check_options(lua_State *L, int idx, const char *what, const char *const *allowed, int array_ok) {
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *k = lua_tostring(L, -1);
      int ok = 0;
      for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, k) == 0;
      if (ok) continue;
      push_unknown_option(L, k, allowed);
      ls_option_error(L, what);
    } else if (!(array_ok && lua_isinteger(L, -1))) {
      lua_pushvalue(L, -1);
      lua_gettable(L, idx);
      ls_push_unnamed(L, -1, allowed);
      ls_option_error(L, what);
    }
  }
}

void ls_check_option_type(lua_State *L, int t, const char *what, const char *key, const char *expected) {
  if (lua_type(L, -1) != t)
    luaL_error(L, "%s: %s must be %s, got %s", what, key, expected, luaL_typename(L, -1));
}

/* unknown_option(key, names [, value]): the same message for the Lua parts
** of the module (plots, noise, test functions), which raise it themselves;
** the value is needed when the key is not a name. */
int ls_unknown_option(lua_State *L) {
  lua_settop(L, 3);   /* the value is nil when not given */
  int named = lua_type(L, 1) == LUA_TSTRING;
  const char *key = luaL_tolstring(L, 1, NULL);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 2);
  const char **names = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *names, 0);
  for (lua_Integer i = 0; i < n; i++) {
    lua_geti(L, 2, i + 1);
    names[i] = luaL_checkstring(L, -1);   /* kept alive by the table */
    lua_pop(L, 1);
  }
  names[n] = NULL;
  if (named) push_unknown_option(L, key, names);
  else ls_push_unnamed(L, 3, names);
  return 1;
}

