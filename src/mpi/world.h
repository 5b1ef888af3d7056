/*
** world.h -- the slope program's MPI plugin (slope-mpi.so, internal): what
** mpi.c calls once a launcher has started the program as one of its ranks.
** Only the plugin links Open MPI, so a plain start never loads it.
*/
#ifndef SLOPE_MPI_WORLD_H
#define SLOPE_MPI_WORLD_H

#include <lua.h>

typedef struct sm_ops {
  /* MPI_Init: 0, or 1 after saying why on stderr */
  int (*init)(int *argc, char ***argv);
  /* the Lua state's MPI helpers and the binding's sum over the ranks */
  void (*open)(lua_State *L);
  /* MPI_Finalize; 'failed' nonzero aborts the whole job so no rank waits for ever */
  void (*end)(int failed);
} sm_ops;

/* the plugin's one symbol */
extern const sm_ops slope_mpi_world;

#endif
