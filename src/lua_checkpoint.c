/*
** lua_checkpoint.c -- slope.load(path [, p]): an optimizer back from a
** checkpoint file, as opt:save (lua_optim.c) or a run's checkpoint option
** wrote it.
*/
#include <stdio.h>
#include <string.h>

#include "lua_slope.h"

/* slope.load(path [, p]): a new optimizer as saved (by opt:save or a run's
** checkpoint), restoring p's point and batching too when given. */
static int l_load(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  const char *path = luaL_checkstring(L, 1);
  slope_problem *p = lua_isnoneornil(L, 2) ? NULL : ls_check_problem(L, 2);
  ls_optimizer *O = lua_newuserdatauv(L, sizeof *O, 0);
  memset(O, 0, sizeof *O);
  luaL_setmetatable(L, LS_OPTIMIZER);
  if (!(O->o = slope_checkpoint_optim(S, path, p))) ls_raise(L, S);
  snprintf(O->kind, sizeof O->kind, "%s", slope_optim_kind(O->o));
  return 1;
}

void ls_open_checkpoint(lua_State *L, slope_ctx *S) {
  lua_pushlightuserdata(L, S);
  lua_pushcclosure(L, l_load, 1);
  lua_setfield(L, -2, "load");
}
