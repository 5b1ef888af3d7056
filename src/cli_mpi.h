/*
** cli_mpi.h -- the slope command's MPI layer (mpi.c), for main.c (internal).
*/
#ifndef SLOPE_CLI_MPI_H
#define SLOPE_CLI_MPI_H

#include <lua.h>

/* Bring MPI up when a launcher started this process; 1 (after saying why on
** stderr) when it cannot run: MPI_Init failed, or mpirun started several
** ranks of a slope built without MPI. */
int slope_cli_mpi_init(int *argc, char ***argv);
/* Give the Lua state the MPI helpers (after luaopen_slope); nothing without MPI. */
void slope_cli_mpi_open(lua_State *L);
/* Finish MPI; 'failed' nonzero aborts the whole job so no rank waits for ever. */
void slope_cli_mpi_end(int failed);
/* "with MPI" or "without MPI", for slope --version. */
const char *slope_cli_mpi_about(void);

#endif
