/*
** bench_sweep.c -- slope.sweep's worker processes: a sweep of 16 trials of
** about 0.2 s of CPU each with 2 workers against 1 (target: 1.8x on two
** cores), and the overhead of a trial (fork, pipe, gathering the record,
** writing its line): 400 empty trials in worker processes against the same
** in the calling process (workers = 0), per trial.  Each figure is the best
** of a few runs of 'slope -e' (posix_spawn, output to /dev/null); the runs
** alternate so a burst of load hits both sides.  $SLOPE names the binary.
*/
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bench.h"

extern char **environ;

/* Seconds to run 'slope -e code', or -1 when it fails. */
static double run_code(const char *slope, const char *code) {
  char *argv[] = {(char *)slope, "-e", (char *)code, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
  double t0 = bench_now();
  pid_t pid;
  int status, ok = posix_spawnp(&pid, slope, &fa, NULL, argv, environ) == 0;
  posix_spawn_file_actions_destroy(&fa);
  if (!ok || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return bench_now() - t0;
}

/* Best of 'reps' alternated runs of two scripts. */
static int pair(const char *slope, int reps, const char *a, const char *b, double *ta, double *tb) {
  *ta = *tb = 1e300;
  for (int r = 0; r < reps; r++) {
    double x = run_code(slope, a), y = run_code(slope, b);
    if (x < 0 || y < 0) return -1;
    if (x < *ta) *ta = x;
    if (y < *tb) *tb = y;
  }
  return 0;
}

int main(void) {
  const char *slope = getenv("SLOPE") ? getenv("SLOPE") : "build/slope";
  /* a trial: 0.2 s of the processor's time in its own process */
  static const char busy[] =
    "slope.sweep{ seeds = { 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 }, workers = %d, progress = false,"
    " run = function(cfg, seed) local t0, n = os.clock(), 0"
    "   while os.clock() - t0 < 0.2 do n = n + 1 end return { n = n } end }";
  static const char empty[] =
    "local s = {} for i = 1, 400 do s[i] = i end "
    "slope.sweep{ seeds = s, workers = %d, progress = false, run = function() return { f = 1 } end }";
  char one[512], two[512], inproc[512], forked[512];
  snprintf(one, sizeof one, busy, 1);
  snprintf(two, sizeof two, busy, 2);
  snprintf(inproc, sizeof inproc, empty, 0);
  snprintf(forked, sizeof forked, empty, 1);
  double t1, t2, t0, tf;
  if (pair(slope, 3, one, two, &t1, &t2) != 0 || pair(slope, 5, inproc, forked, &t0, &tf) != 0) {
    fprintf(stderr, "bench_sweep: %s -e failed\n", slope);
    return 1;
  }
  printf("sweep      16 trials of 0.2 s: 1 worker %.2f s, 2 workers %.2f s: %.2fx (target 1.8x)\n", t1, t2, t1 / t2);
  printf("sweep      overhead of a trial in a worker process: %.2f ms (400 empty trials: %.3f s forked, "
         "%.3f s in-process)\n", 1e3 * (tf - t0) / 400, tf, t0);
  return 0;
}
