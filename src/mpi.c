/*
** mpi.c -- the slope command under mpirun (part of the command, not of the
** library: hosts of libslope never link MPI).  A launch by mpirun (or srun)
** is recognised from the launcher's environment; only then is the MPI
** plugin slope-mpi.so opened (mpi/world.c, which links Open MPI), so a plain
** start never loads the MPI runtime.  A slope built without MPI, or one
** whose plugin is missing, refuses a launch of several ranks with what to
** do, rather than every rank running the whole script on its own.
*/
#include <stdio.h>
#include <stdlib.h>

#include "lua_slope.h"
#include "cli_mpi.h"
#include "mpi/world.h"

/* The plugin's functions once it is open: the command's one process-wide
** MPI runtime (MPI_Init happens once per process whatever else runs). */
static const sm_ops *world;

/* The number of ranks a launcher started, from its environment (0: none). */
static int launched_size(void) {
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS", NULL};
  for (const char *const *v = vars; *v; v++) {
    const char *s = getenv(*v);
    if (s && atoi(s) > 0) return atoi(s);
  }
  return 0;
}

int slope_cli_mpi_init(int *argc, char ***argv) {
  int n = launched_size();
  if (n < 1) return 0;   /* a plain start: no MPI runtime to bring up */
  char why[256] = "";
#ifdef SLOPE_MPI
  world = ls_plugin_open("slope-mpi.so", "slope_mpi_world", 1, why, sizeof why);
  if (world) return world->init(argc, argv);
#else
  (void)argc;
  (void)argv;
#endif
  if (n == 1) return 0;  /* one rank: the script runs as it would alone */
  if (why[0])
    fprintf(stderr, "slope: started as one of %d MPI ranks (mpirun or srun), but its MPI part is missing:\n"
                    "%s.  Reinstall slope (make install) or run it without mpirun.\n", n, why);
  else
    fprintf(stderr, "slope: started as one of %d MPI ranks (mpirun or srun), but this slope was built without MPI,\n"
                    "so every rank would run the whole script on its own.  Install Open MPI (apt-get install\n"
                    "openmpi-bin libopenmpi-dev), rebuild slope (make: it says \"MPI: on\"), or run it without mpirun.\n", n);
  return 1;
}

void slope_cli_mpi_open(lua_State *L) {
  if (world) world->open(L);
}

void slope_cli_mpi_end(int failed) {
  if (world) world->end(failed);
}

const char *slope_cli_mpi_about(void) {
#ifdef SLOPE_MPI
  return "with MPI";
#else
  return "without MPI";
#endif
}
