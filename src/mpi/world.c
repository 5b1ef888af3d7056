/*
** world.c -- the slope program's MPI plugin (world.h): Open MPI brought up
** when a launcher started the program, the Lua helpers that spread a sweep's
** trials over the ranks (rank, size, gathering and broadcasting text:
** lua/sweep.lua), and the sum over the ranks of a few doubles
** (MPI_Allreduce) the binding uses for distributed = true, through the
** registry's "slope.allreduce" (see lua_slope.h's ls_allreduce).
**
** Built into slope-mpi.so, which links Open MPI; its Lua and binding symbols
** come from the program that opens it.
*/
#include <stdio.h>
#include <string.h>

#include <mpi.h>
#include <lua.h>
#include <lauxlib.h>

#include "lua_slope.h"
#include "world.h"

static int started;

static int allreduce_sum(void *ud, double *buf, int n) {
  (void)ud;
  return MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
}

static int world(int *rank, int *size) {
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  return *size;
}

static int h_rank(lua_State *L) {
  int rank, size;
  world(&rank, &size);
  lua_pushinteger(L, rank);
  return 1;
}

static int h_size(lua_State *L) {
  int rank, size;
  lua_pushinteger(L, world(&rank, &size));
  return 1;
}

/* mpi_allgather(text) -> { text of rank 0, text of rank 1, ... } on every rank. */
static int h_allgather(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int rank, size;
  world(&rank, &size);
  if (len > 0x7fffffff) return luaL_error(L, "mpi: a text of %zu bytes is too long to send", len);
  int mine = (int)len, *lens = lua_newuserdatauv(L, 2 * (size_t)size * sizeof *lens, 0), *offs = lens + size;
  MPI_Allgather(&mine, 1, MPI_INT, lens, 1, MPI_INT, MPI_COMM_WORLD);
  long total = 0;
  for (int r = 0; r < size; r++) { offs[r] = (int)total; total += lens[r]; }
  if (total > 0x7fffffff) return luaL_error(L, "mpi: %ld bytes to gather is too many", total);
  char *all = lua_newuserdatauv(L, (size_t)total + 1, 0);
  MPI_Allgatherv(s, mine, MPI_CHAR, all, lens, offs, MPI_CHAR, MPI_COMM_WORLD);
  lua_createtable(L, size, 0);
  for (int r = 0; r < size; r++) {
    lua_pushlstring(L, all + offs[r], (size_t)lens[r]);
    lua_rawseti(L, -2, r + 1);
  }
  return 1;
}

/* mpi_bcast(text) -> rank 0's text on every rank (the others' argument is ignored). */
static int h_bcast(lua_State *L) {
  size_t len = 0;
  const char *s = lua_tolstring(L, 1, &len);
  int rank, size;
  world(&rank, &size);
  long n = rank == 0 ? (long)len : 0;
  MPI_Bcast(&n, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  char *buf = lua_newuserdatauv(L, (size_t)n + 1, 0);
  if (rank == 0 && n) memcpy(buf, s, (size_t)n);
  if (n) MPI_Bcast(buf, (int)n, MPI_CHAR, 0, MPI_COMM_WORLD);
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

static int init(int *argc, char ***argv) {
  if (MPI_Init(argc, argv) != MPI_SUCCESS) {
    fputs("slope: MPI_Init failed\n", stderr);
    return 1;
  }
  started = 1;
  return 0;
}

static void open_helpers(lua_State *L) {
  static ls_allreduce sum = {allreduce_sum, NULL, 0, 1};
  if (!started) return;
  world(&sum.rank, &sum.size);
  lua_pushlightuserdata(L, &sum);
  lua_setfield(L, LUA_REGISTRYINDEX, LS_ALLREDUCE);
  static const luaL_Reg fns[] = {
    {"mpi_rank", h_rank}, {"mpi_size", h_size}, {"mpi_allgather", h_allgather}, {"mpi_bcast", h_bcast}, {NULL, NULL}
  };
  if (lua_getfield(L, LUA_REGISTRYINDEX, "slope.private") == LUA_TTABLE) luaL_setfuncs(L, fns, 0);
  lua_pop(L, 1);
}

static void end(int failed) {
  if (!started) return;
  /* a rank that failed outside a trial would leave the others waiting in a
  ** collective for ever: end the whole job instead */
  if (failed) MPI_Abort(MPI_COMM_WORLD, failed);
  MPI_Finalize();
}

const sm_ops slope_mpi_world = {init, open_helpers, end};
