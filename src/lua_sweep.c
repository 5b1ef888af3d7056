/*
** lua_sweep.c -- what slope.sweep (lua/sweep.lua) needs from the system and
** Lua cannot do: worker processes, folders, the number of cores.  A trial
** runs in a child made by fork, so it sees the script's functions and data
** as they are when the sweep starts (no script is run again) and a trial
** that crashes takes only its own process down.  The child sends its result
** as text over a pipe and leaves with _exit, never returning into the
** parent's Lua code.  These are private helpers of the Lua half, not public
** names.
*/
#include <errno.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lua_slope.h"

/* ---- folders and cores ------------------------------------------------------ */

/* mkdir(path): make the folder and its missing parents; true, or nil and why. */
static int h_mkdir(lua_State *L) {
  size_t len;
  const char *path = luaL_checklstring(L, 1, &len);
  char *buf = lua_newuserdatauv(L, len + 1, 0);
  memcpy(buf, path, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char c = buf[i];
    buf[i] = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
      lua_pushnil(L);
      lua_pushfstring(L, "cannot make the folder '%s': %s", buf, strerror(errno));
      return 2;
    }
    buf[i] = c;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* listdir(path): the names in a folder (not . and ..), sorted; {} when there is none. */
static int h_listdir(lua_State *L) {
  DIR *d = opendir(luaL_checkstring(L, 1));
  lua_newtable(L);
  if (!d) return 1;
  struct dirent *e;
  lua_Integer n = 0;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      lua_pushstring(L, e->d_name);
      lua_rawseti(L, -2, ++n);
    }
  closedir(d);
  return 1;
}

static int h_ncpu(lua_State *L) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  lua_pushinteger(L, n > 0 ? n : 1);
  return 1;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int h_clock(lua_State *L) {
  lua_pushnumber(L, now());
  return 1;
}

/* isatty(2): whether someone watches stderr (for the progress bar). */
static int h_stderr_is_terminal(lua_State *L) {
  lua_pushboolean(L, isatty(STDERR_FILENO));
  return 1;
}

/* ---- the pool of worker processes ---------------------------------------------- */

typedef struct child {
  pid_t pid;
  int fd;            /* read end of its pipe; -1 when the slot is free */
  lua_Integer job;
  double t0;
  char *text;        /* what it sent so far */
  size_t len, cap;
} child;

typedef struct pool {
  child *c;
  int n;
} pool;

/* quiet_runs(on): runs draw no progress bar of their own while a sweep
** draws its one (lua_run.c reads the flag); returns the flag as it was. */
static int h_quiet_runs(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, LS_QUIET_RUNS);
  lua_pushboolean(L, lua_toboolean(L, 1));
  lua_setfield(L, LUA_REGISTRYINDEX, LS_QUIET_RUNS);
  return 1;
}

/* In the child: run work(job), send the string it returns, leave. */
static void child_main(lua_State *L, int work, lua_Integer job, int fd) {
  lua_pushboolean(L, 1);   /* a worker's runs draw no progress bars over the sweep's */
  lua_setfield(L, LUA_REGISTRYINDEX, LS_QUIET_RUNS);
  lua_pushvalue(L, work);
  lua_pushinteger(L, job);
  int ok = lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING;
  size_t len = 0;
  const char *s = ok ? lua_tolstring(L, -1, &len) : NULL;
  while (ok && len > 0) {
    ssize_t w = write(fd, s, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { ok = 0; break; }
    s += w;
    len -= (size_t)w;
  }
  fflush(stdout);
  fflush(stderr);
  _exit(ok ? 0 : 3);
}

/* Kill and reap what is left (after the last job, an error or Ctrl-C). */
static void pool_free(pool *P) {
  for (int i = 0; i < P->n; i++) {
    child *c = &P->c[i];
    if (c->fd >= 0) {
      kill(c->pid, SIGKILL);
      close(c->fd);
      while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR) {}
      c->fd = -1;
    }
    free(c->text);
    c->text = NULL;
  }
  free(P->c);
  P->c = NULL;
  P->n = 0;
}

static int pool_gc(lua_State *L) {
  pool_free(lua_touserdata(L, 1));
  return 0;
}

static int start_child(lua_State *L, child *c, int work, lua_Integer job) {
  int fds[2];
  if (pipe(fds) != 0) return luaL_error(L, "sweep: cannot make a pipe: %s", strerror(errno));
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return luaL_error(L, "sweep: cannot start a worker process: %s", strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    child_main(L, work, job, fds[1]);
  }
  close(fds[1]);
  c->pid = pid;
  c->fd = fds[0];
  c->job = job;
  c->t0 = now();
  c->len = 0;
  return 0;
}

/* Read what poll said is there (one read: another could block); 1 at the
** end of the child's text. */
static int drain(lua_State *L, child *c) {
  if (c->cap - c->len < 4096) {
    size_t cap = c->cap ? 2 * c->cap : 8192;
    char *t = realloc(c->text, cap);
    if (!t) return luaL_error(L, "sweep: out of memory");
    c->text = t;
    c->cap = cap;
  }
  ssize_t r = read(c->fd, c->text + c->len, c->cap - c->len);
  if (r > 0) { c->len += (size_t)r; return 0; }
  return r == 0 || errno != EINTR;
}

/* The child has closed its pipe: reap it and call done(job, text | nil,
** why, worker, seconds). */
static void finish_child(lua_State *L, child *c, int slot, int done) {
  int status = 0;
  close(c->fd);
  c->fd = -1;
  while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {}
  double wall = now() - c->t0;
  lua_pushvalue(L, done);
  lua_pushinteger(L, c->job);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    lua_pushlstring(L, c->text, c->len);
    lua_pushnil(L);
  } else {
    lua_pushnil(L);
    if (WIFSIGNALED(status))
      lua_pushfstring(L, "the worker process was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else lua_pushfstring(L, "the worker process exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  lua_pushinteger(L, slot + 1);
  lua_pushnumber(L, wall);
  lua_call(L, 5, 0);
}

/*
** pool(jobs, workers, work, done): run work(job) for each job of the list in
** at most 'workers' processes at a time; in this process, done(job, text,
** why, worker, seconds) as each one ends (text nil and 'why' set when the
** process died).  Ctrl-C kills the workers and raises "interrupted".
*/
static int h_pool(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer workers = luaL_checkinteger(L, 2);
  luaL_checktype(L, 3, LUA_TFUNCTION);
  luaL_checktype(L, 4, LUA_TFUNCTION);
  lua_Integer njobs = (lua_Integer)lua_rawlen(L, 1), next = 1;
  if (workers < 1) workers = 1;
  if (workers > njobs) workers = njobs > 0 ? njobs : 1;
  pool *P = lua_newuserdatauv(L, sizeof *P, 0);
  P->c = NULL;
  P->n = 0;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, pool_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  if (!(P->c = calloc((size_t)workers, sizeof *P->c))) return luaL_error(L, "sweep: out of memory");
  P->n = (int)workers;
  for (int i = 0; i < P->n; i++) P->c[i].fd = -1;
  struct pollfd *pfd = lua_newuserdatauv(L, (size_t)P->n * sizeof *pfd, 0);
  volatile int *stop = ls_interrupt_flag(L);
  for (;;) {
    int active = 0;
    for (int i = 0; i < P->n; i++) {
      if (P->c[i].fd < 0 && next <= njobs) {
        lua_rawgeti(L, 1, next++);
        lua_Integer job = lua_tointeger(L, -1);
        lua_pop(L, 1);
        start_child(L, &P->c[i], 3, job);
      }
      if (P->c[i].fd >= 0) active++;
    }
    if (!active) break;
    for (int i = 0; i < P->n; i++) { pfd[i].fd = P->c[i].fd; pfd[i].events = POLLIN; pfd[i].revents = 0; }
    int r = poll(pfd, (nfds_t)P->n, 200);
    if (stop && *stop) { pool_free(P); return luaL_error(L, "sweep: interrupted"); }
    if (r < 0 && errno != EINTR) return luaL_error(L, "sweep: poll: %s", strerror(errno));
    for (int i = 0; r > 0 && i < P->n; i++)
      if (P->c[i].fd >= 0 && pfd[i].revents && drain(L, &P->c[i])) finish_child(L, &P->c[i], i, 4);
  }
  pool_free(P);
  return 0;
}

/* Put the helpers into the private table at the top of the stack. */
void ls_sweep_helpers(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"mkdir", h_mkdir}, {"listdir", h_listdir}, {"ncpu", h_ncpu}, {"clock", h_clock},
    {"stderr_is_terminal", h_stderr_is_terminal}, {"pool", h_pool}, {"quiet_runs", h_quiet_runs}, {NULL, NULL}
  };
  luaL_setfuncs(L, fns, 0);
}
