/*
** bench_short.c -- a short run (100 Adam steps through slope.minimize, where
** compiling cannot pay) with native code allowed against SLOPE_JIT=0, each
** from a fresh process as a new user starts it: the background compile must
** not make it slower (target: ratio <= ~1.05).
**
**   rosenbrock: 2-D Rosenbrock
**   regression: mean((w*x + b - y)^2) over 10^4 rows
**   classifier: mean(cross_entropy(W @ x + b, label)), 10 classes, 50
**               features, 3*10^4 rows: enough work per step that auto mode
**               starts compiling halfway, in the run (at 10^4 rows it would
**               not start within 100 steps)
**
** Native code allowed is measured twice: with a warm cache (a directory the
** first run filled) and a cold one (an empty directory for every run, so
** compiling happens in the run).  The three ways alternate, so a burst of load
** hits them alike; each batch gives the median of its runs, the figure is the
** best batch.  $SLOPE names the binary (default build/slope); an argument
** runs only the workload whose name starts with it (for profiling).
*/
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

enum { WAYS = 3, MAXENV = 512 };
static const char *const way_name[WAYS] = {"SLOPE_JIT=0", "warm cache", "cold cache"};

typedef struct workload {
  const char *name, *script;
  int batches, runs;
} workload;

static const workload work[] = {
  {"rosenbrock 2-D, 100 Adam steps",
   "local r = slope.minimize('(1-x)^2 + 100*(y-x^2)^2', { x = -1.2, y = 1 },"
   "  { optimizer = slope.optim.adam{ lr = 0.01 }, steps = 100 })\n"
   "assert(r.steps == 100)\n", 7, 21},
  {"regression 1e4 rows, 100 Adam steps",
   "local d = slope.data.regression{ n = 10000, w = 3, b = 1, noise = 0.5, seed = 7 }\n"
   "local r = slope.minimize('mean((w*x + b - y)^2)', { w = 0, b = 0 },"
   "  { data = d, optimizer = slope.optim.adam{ lr = 0.1 }, steps = 100 })\n"
   "assert(r.steps == 100)\n", 7, 21},
  {"classifier 10x50, 3e4 rows, 100 Adam steps",
   "local n, x, label = 30000, {}, {}\n"
   "for i = 0, n - 1 do\n"
   "  local row = {}\n"
   "  for j = 0, 49 do row[j + 1] = math.sin(0.37 * (i * (j + 1)) + j) end\n"
   "  x[i + 1], label[i + 1] = row, 1 + i % 10\n"
   "end\n"
   "local r = slope.minimize('mean(cross_entropy(W @ x + b, label))',"
   "  { W = slope.zeros(10, 50), b = slope.zeros(10) },"
   "  { data = slope.data{ x = x, label = label }, optimizer = slope.optim.adam{ lr = 0.01 },"
   "    steps = 100 })\n"
   "assert(r.steps == 100)\n", 2, 5},
};

/* The environment of a run: ours, without SLOPE_JIT and XDG_CACHE_HOME, then
** those of the way it runs. */
static void make_env(char **env, const char *jit, const char *cache) {
  static char cache_var[4096];
  int n = 0;
  for (char **e = environ; *e && n < MAXENV - 3; e++)
    if (strncmp(*e, "SLOPE_JIT=", 10) != 0 && strncmp(*e, "XDG_CACHE_HOME=", 15) != 0) env[n++] = *e;
  if (jit) env[n++] = (char *)jit;
  snprintf(cache_var, sizeof cache_var, "XDG_CACHE_HOME=%s", cache);
  env[n++] = cache_var;
  env[n] = NULL;
}

/* Seconds to run the script to its end, or -1 when it cannot start or fails. */
static double run_once(const char *slope, const char *script, char **env) {
  char *argv[] = {(char *)slope, "-e", (char *)script, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  double t0 = bench_now();
  pid_t pid;
  int ok = posix_spawn(&pid, slope, &fa, NULL, argv, env) == 0;
  posix_spawn_file_actions_destroy(&fa);
  int status;
  if (!ok || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return bench_now() - t0;
}

/* Shared objects a run left in the cache directory 'dir' (its slope/). */
static int cached_objects(const char *dir) {
  char path[4200];
  snprintf(path, sizeof path, "%s/slope", dir);
  DIR *d = opendir(path);
  int n = 0;
  if (!d) return 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    n += len > 3 && strcmp(e->d_name + len - 3, ".so") == 0;
  }
  closedir(d);
  return n;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int bench_one(const char *slope, const workload *w, const char *warm) {
  char *env[MAXENV], cold[] = "/tmp/slope-short-XXXXXX", cmd[64];
  double best[WAYS] = {1e300, 1e300, 1e300}, t[WAYS][64];
  int compiled = 0, total = 0;
  for (int b = 0; b < w->batches; b++) {
    for (int r = 0; r < w->runs; r++) {
      for (int k = 0; k < WAYS; k++) {
        if (k == 2 && !mkdtemp(strcpy(cold, "/tmp/slope-short-XXXXXX"))) return 1;
        make_env(env, k == 0 ? "SLOPE_JIT=0" : NULL, k == 2 ? cold : warm);
        t[k][r] = run_once(slope, w->script, env);
        if (t[k][r] < 0) {
          fprintf(stderr, "bench_short: %s (%s) failed\n", w->name, way_name[k]);
          return 1;
        }
        if (k != 2) continue;
        compiled += cached_objects(cold) > 0;
        total++;
        snprintf(cmd, sizeof cmd, "rm -rf %s", cold);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", cold);
      }
    }
    for (int k = 0; k < WAYS; k++) {
      qsort(t[k], (size_t)w->runs, sizeof t[k][0], by_value);
      if (t[k][w->runs / 2] < best[k]) best[k] = t[k][w->runs / 2];
    }
  }
  printf("short run, %s, fresh process: SLOPE_JIT=0 %.1f ms, native allowed %.1f ms (warm cache), "
         "%.1f ms (cold cache), ratios %.2f and %.2f (target <= 1.05)  [cold: compiled in %d of %d "
         "runs]\n", w->name, best[0] * 1e3, best[1] * 1e3, best[2] * 1e3, best[1] / best[0],
         best[2] / best[0], compiled, total);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *only = argc > 1 ? argv[1] : "";
  const char *slope = getenv("SLOPE") ? getenv("SLOPE") : "build/slope";
  char warm[] = "/tmp/slope-short-XXXXXX", cmd[64];
  if (!mkdtemp(warm)) return 1;
  int rc = 0;
  for (size_t i = 0; i < sizeof work / sizeof work[0] && !rc; i++) {
    if (strncmp(work[i].name, only, strlen(only)) != 0) continue;
    char *env[MAXENV];
    make_env(env, NULL, warm);   /* fills the warm cache where a run compiles */
    if (run_once(slope, work[i].script, env) < 0) {
      fprintf(stderr, "bench_short: %s failed\n", work[i].name);
      rc = 1;
      break;
    }
    rc = bench_one(slope, &work[i], warm);
  }
  snprintf(cmd, sizeof cmd, "rm -rf %s", warm);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", warm);
  return rc;
}
