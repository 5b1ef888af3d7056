/*
** lua_plugin.c -- the slope program's optional parts, loaded when first used.
**
** PNG, PDF and GIF pictures (cairo, giflib) and runs under mpirun (Open MPI)
** pull some thirty shared libraries into a process; linked into the slope
** program they would cost every start, 'slope -e ""' included, about 2 ms
** of loading and relocating.  So the program keeps them in plugins of their
** own (slope-render.so, slope-mpi.so) and opens one when a script first
** draws such a file or mpirun starts it.  A plugin is looked for next to the
** program (the build folder) and then in ../lib/slope from the program's
** folder, where 'make install' puts it (so an installed tree can move).
*/
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lua_slope.h"

/* The folder of the running program, or "" when /proc does not say. */
static void program_dir(char *dir, size_t cap) {
  ssize_t n = readlink("/proc/self/exe", dir, cap - 1);
  dir[n > 0 ? n : 0] = '\0';
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
  else dir[0] = '\0';
}

void *ls_plugin_open(const char *file, const char *symbol, int global, char *why, size_t len) {
  char dir[4096], path[4200];
  program_dir(dir, sizeof dir);
  static const char *const under[] = {"", "/../lib/slope"};
  snprintf(why, len, "%s is neither next to the program nor in ../lib/slope from it", file);
  for (size_t i = 0; dir[0] && i < sizeof under / sizeof *under; i++) {
    snprintf(path, sizeof path, "%s%s/%s", dir, under[i], file);
    if (access(path, F_OK) != 0) continue;
    void *lib = dlopen(path, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL));
    void *sym = lib ? dlsym(lib, symbol) : NULL;
    if (sym) return sym;   /* never closed: cairo's and MPI's libraries do not unload cleanly */
    snprintf(why, len, "%s does not load: %s", path, dlerror());
    if (lib) dlclose(lib);
  }
  return NULL;
}
