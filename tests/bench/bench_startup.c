/*
** bench_startup.c -- the start-up of the slope command against the stock Lua
** interpreter: 'slope -e ""' and 'lua5.4 -e ""', both started the same way
** (posix_spawn, output to /dev/null, waited for) and alternated, so the ratio
** is what slope adds on top of Lua: its module, the Lua half of it, and the
** libraries the binary links.  Each batch gives the median of its runs; the
** figure is the best batch.  $SLOPE names the binary (default build/slope).
*/
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

enum { BATCHES = 9, RUNS = 41 };

extern char **environ;

/* Seconds to run argv to its end, or -1 when it cannot start or fails. */
static double run_once(char *const argv[], const posix_spawn_file_actions_t *fa) {
  double t0 = bench_now();
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], fa, NULL, argv, environ) != 0) return -1;
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return bench_now() - t0;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(void) {
  const char *slope = getenv("SLOPE") ? getenv("SLOPE") : "build/slope";
  char *slope_argv[] = {(char *)slope, "-e", "", NULL};
  char *lua_argv[] = {"lua5.4", "-e", "", NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  if (run_once(lua_argv, &fa) < 0) {
    printf("start-up: lua5.4 is not installed (apt-get install -y lua5.4): not measured\n");
    return 0;
  }
  double best_s = 1e300, best_l = 1e300;
  for (int b = 0; b < BATCHES; b++) {
    double ts[RUNS], tl[RUNS];
    for (int r = 0; r < RUNS; r++) {   /* alternate, so a burst of load hits both alike */
      ts[r] = run_once(slope_argv, &fa);
      tl[r] = run_once(lua_argv, &fa);
      if (ts[r] < 0 || tl[r] < 0) {
        fprintf(stderr, "bench_startup: '%s -e \"\"' failed\n", ts[r] < 0 ? slope : "lua5.4");
        return 1;
      }
    }
    qsort(ts, RUNS, sizeof *ts, by_value);
    qsort(tl, RUNS, sizeof *tl, by_value);
    if (ts[RUNS / 2] < best_s) best_s = ts[RUNS / 2];
    if (tl[RUNS / 2] < best_l) best_l = tl[RUNS / 2];
  }
  posix_spawn_file_actions_destroy(&fa);
  printf("start-up slope -e '': slope %.2f ms, lua5.4 -e '' %.2f ms, ratio %.2f (target <= 1.3)\n",
         best_s * 1e3, best_l * 1e3, best_s / best_l);
  return 0;
}
