/*
** jit.c -- compiling a tape's C source with the system's C compiler and
** loading it, with a cache on disk and a fallback for every failure.
**
** The source (tape_c.c) is named by a content hash of itself and of the
** compiler command, so a cached shared object is the compile of exactly that
** text.  The cache is $XDG_CACHE_HOME/slope (or ~/.cache/slope); a compile
** writes a file of its own and renames it into place, so several processes
** may compile the same function at once and readers never see half a file;
** past SJ_CACHE_MAX bytes the least recently used files go.  A cache that
** cannot be written sends the compile to a private temporary folder; a
** cached file that does not load (or is not what its name says) is compiled
** again.
**
** Compiling runs on a thread of its own while the interpreter serves the
** calls; the thread publishes the loaded function (or why there is none)
** through 'phase'.  The tape and the thread each hold a reference to the
** state, and whichever lets go last frees it, so freeing a tape never waits
** for a compiler.
*/
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jit.h"
#include "tape_array.h"

extern char **environ;

#define SJ_CACHE_MAX (64u << 20)    /* bytes of shared objects kept */
#define SJ_AUTO_WORK 1e8            /* instructions interpreted before auto mode compiles */
#define SJ_CALL_WORK 16             /* a call's fixed cost in the interpreter in instructions
                                    ** (about 15 ns of the 19 a 2-D Rosenbrock costs): a loop
                                    ** of fn:grad on a small function pays for compiling long
                                    ** before its instructions alone say so */
/* A sanitized build (make SANITIZE=...) compiles its native code with the
** same sanitizers, so ASan and UBSan watch the generated code as they watch
** the rest; $CC must then be the compiler that built it (tests/sanitize.sh). */
#ifdef SLOPE_JIT_SANITIZE
#define SJ_SAN_FLAGS , "-fsanitize=" SLOPE_JIT_SANITIZE, "-fno-omit-frame-pointer"
#define SJ_SAN_TEXT " -fsanitize=" SLOPE_JIT_SANITIZE " -fno-omit-frame-pointer"
#else
#define SJ_SAN_FLAGS
#define SJ_SAN_TEXT ""
#endif
#define SJ_FLAGS "-O2", "-fPIC", "-shared", "-ffp-contract=off", "-w" SJ_SAN_FLAGS
#define SJ_FLAGS_TEXT "-O2 -fPIC -shared -ffp-contract=off -w" SJ_SAN_TEXT
#define SJ_NICE 10                  /* the compiler's niceness, above the process's own */
#define SJ_VERSION "slope-jit-3"    /* bump when the generated code's contract changes */

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static void why(sj_state *J, const char *fmt, const char *arg) {
  snprintf(J->why, sizeof J->why, fmt, arg ? arg : "");
}

/* ---- the key: FNV-1a, twice, over the compiler command and the source ---- */

static uint64_t fnv(uint64_t h, const char *s) {
  for (; *s; s++) { h ^= (unsigned char)*s; h *= 0x100000001b3ULL; }
  return h;
}

static void make_key(sj_state *J, const char *src) {
  uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
  const char *parts[] = {SJ_VERSION, J->cc, SJ_FLAGS_TEXT, src};
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
    h1 = fnv(h1, parts[i]);
    h2 = fnv(h2 ^ (uint64_t)(i + 1), parts[i]);
  }
  snprintf(J->key, sizeof J->key, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
}

/* ---- the cache folder ------------------------------------------------------- */

/* The cache folder into 'dir' (created); 0 when it cannot be written. */
static int cache_dir(char *dir, size_t cap) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  int n;
  if (xdg && xdg[0] == '/') n = snprintf(dir, cap, "%s/slope", xdg);
  else if (home && home[0]) n = snprintf(dir, cap, "%s/.cache/slope", home);
  else return 0;
  if (n < 0 || (size_t)n >= cap) return 0;
  char *slash = strrchr(dir, '/');
  *slash = 0;
  mkdir(dir, 0755);   /* ~/.cache may not exist yet */
  *slash = '/';
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) return 0;
  return access(dir, W_OK | X_OK) == 0;
}

typedef struct sj_file { char name[80]; time_t mtime; off_t size; } sj_file;

static int by_age(const void *a, const void *b) {
  const sj_file *x = a, *y = b;
  return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

/* Keep the cache under SJ_CACHE_MAX: the oldest shared objects go first (a
** load touches its file), and temporaries older than an hour (a process
** killed while compiling). */
static void trim(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  sj_file *f = NULL;
  size_t n = 0, cap = 0;
  unsigned long long total = 0;
  time_t t = time(NULL);
  char path[4200];
  for (struct dirent *e; (e = readdir(d)); ) {
    size_t len = strlen(e->d_name);
    if (len < 4 || len >= sizeof f->name) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (strncmp(e->d_name, "tmp-", 4) == 0) {
      if (t - st.st_mtime > 3600) unlink(path);
      continue;
    }
    if (strcmp(e->d_name + len - 3, ".so") != 0) continue;
    if (n == cap) {
      sj_file *g = realloc(f, (cap = cap ? 2 * cap : 64) * sizeof *f);
      if (!g) break;
      f = g;
    }
    memcpy(f[n].name, e->d_name, len + 1);
    f[n].mtime = st.st_mtime;
    f[n++].size = st.st_size;
    total += (unsigned long long)st.st_size;
  }
  closedir(d);
  if (total > SJ_CACHE_MAX) {
    qsort(f, n, sizeof *f, by_age);
    for (size_t i = 0; i < n && total > SJ_CACHE_MAX / 2; i++) {
      snprintf(path, sizeof path, "%s/%s", dir, f[i].name);
      if (unlink(path) == 0) total -= (unsigned long long)f[i].size;
    }
  }
  free(f);
}

/* ---- compiling and loading -------------------------------------------------- */

/* Load 'path' and check that it is the function of this key. */
static int load(sj_state *J, const char *path) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) return 0;
  const char *key = dlsym(h, "tape_native_key");
  void *fn = dlsym(h, "tape_native");
  if (!key || !fn || strcmp(key, J->key) != 0) {
    dlclose(h);
    return 0;
  }
  J->handle = h;
  memcpy(&J->fn, &fn, sizeof fn);   /* object pointer to function pointer, as POSIX allows */
  return 1;
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return 0;
  size_t n = strlen(text), off = 0;
  while (off < n) {
    ssize_t k = write(fd, text + off, n - off);
    if (k <= 0) { close(fd); return 0; }
    off += (size_t)k;
  }
  return close(fd) == 0;
}

/* Run the compiler: $CC split at blanks, then the flags.  0: it worked. */
static int run_cc(sj_state *J, const char *out, const char *src) {
  char *cc = strdup(J->cc);
  char *argv[64];
  int argc = 0;
  if (!cc) return -1;
  for (char *t = strtok(cc, " \t"); t && argc < 48; t = strtok(NULL, " \t")) argv[argc++] = t;
  if (argc == 0) { free(cc); why(J, "$CC is empty", NULL); return -1; }
  const char *flags[] = {SJ_FLAGS, "-o", out, src, "-lm"};
  for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) argv[argc++] = (char *)flags[i];
  argv[argc] = NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ), st = 0;
  posix_spawn_file_actions_destroy(&fa);
  /* niced (cc's own children inherit it): with every core busy the compiler
  ** takes only idle time, so a short run is never slower for it */
  if (rc == 0) {
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0) + SJ_NICE;
    if (errno == 0) setpriority(PRIO_PROCESS, (id_t)pid, nice < 19 ? nice : 19);
  }
  if (rc != 0) {
    snprintf(J->why, sizeof J->why, "no C compiler: cannot run '%s' (%s)", argv[0], strerror(rc));
    free(cc);
    return -1;
  }
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
      snprintf(J->why, sizeof J->why, "no C compiler: cannot run '%s'", argv[0]);
    else
      snprintf(J->why, sizeof J->why, "the C compiler '%s' failed (status %d)", argv[0],
               WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    free(cc);
    return -1;
  }
  free(cc);
  return 0;
}

/* Compile into folder 'dir' as 'final' (renamed into place when 'keep'). */
static int compile_in(sj_state *J, const char *dir, const char *final, int keep) {
  char src[4200], obj[4200];
  snprintf(src, sizeof src, "%s/tmp-%ld-%p.c", dir, (long)getpid(), (void *)J);
  snprintf(obj, sizeof obj, "%s/tmp-%ld-%p.so", dir, (long)getpid(), (void *)J);
  if (!write_file(src, J->src)) {
    why(J, "cannot write the source in %s", dir);
    return 0;
  }
  int ok = run_cc(J, obj, src) == 0;
  unlink(src);
  if (!ok) { unlink(obj); return 0; }
  if (keep && rename(obj, final) == 0) {
    ok = load(J, final);
  } else {
    ok = load(J, obj);
    unlink(obj);   /* the mapping stays */
  }
  if (!ok) why(J, "the compiled code did not load: %s", dlerror());
  return ok;
}

/* Find or make the shared object; 1 when J->fn is loaded. */
static int build(sj_state *J) {
  char dir[4096], path[4200];
  int writable = cache_dir(dir, sizeof dir);
  if (writable || dir[0]) {
    snprintf(path, sizeof path, "%s/%s.so", dir, J->key);
    if (access(path, R_OK) == 0) {
      if (load(J, path)) {
        J->cached = 1;
        utimensat(AT_FDCWD, path, NULL, 0);   /* recently used */
        return 1;
      }
      if (writable) unlink(path);   /* corrupt, or not this key's: make it again */
    }
  }
  if (writable) {
    int ok = compile_in(J, dir, path, 1);
    trim(dir);
    return ok;
  }
  /* no cache to write: a private folder, removed again */
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/slope-jit-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    why(J, "no writable folder for the compiler (the cache and %s are not writable)", tmp);
    return 0;
  }
  int ok = compile_in(J, dir, NULL, 0);
  rmdir(dir);
  return ok;
}

static void release(sj_state *J) {
  if (atomic_fetch_sub(&J->refs, 1) != 1) return;
  if (J->handle) dlclose(J->handle);
  free(J->blocks);
  free(J->src);
  free(J->cc);
  free(J);
}

static void *builder(void *arg) {
  sj_state *J = arg;
  double t0 = now_ms();
  int ok = build(J);
  J->ms = now_ms() - t0;
  atomic_store_explicit(&J->phase, ok ? SJ_LOADED : SJ_FAILED, memory_order_release);
  release(J);
  return NULL;
}

/* ---- the state of a tape ---------------------------------------------------- */

/* The source and its key line, made once. */
static int make_source(slope_tape *T, sj_state *J) {
  if (J->src) return 1;
  const char *cc = getenv("CC");
  J->cc = strdup(cc && cc[0] ? cc : "cc");
  size_t nw = T->arr ? tac_nwork(T) : (size_t)T->nrreg + T->ngb + T->ncolreg + 1;
  J->blocks = malloc(nw * sizeof *J->blocks);
  if (J->blocks && T->arr) tac_work(T, J->blocks, &J->flag);   /* the array tape's own memory */
  else if (J->blocks) {   /* row registers, adjoint buffers, gather buffers */
    for (uint32_t r = 0; r < T->nrreg; r++) J->blocks[r] = T->rw[r];
    for (uint32_t b = 0; b < T->ngb; b++) J->blocks[T->nrreg + b] = T->gb[b];
    for (uint32_t c = 0; c < T->ncolreg; c++) J->blocks[T->nrreg + T->ngb + c] = T->gather + (size_t)c * T->bs;
  }
  char *body = J->blocks ? tc_source(T) : NULL;
  if (!J->cc || !body) { free(body); why(J, "out of memory", NULL); return 0; }
  make_key(J, body);
  size_t n = strlen(body);
  J->src = malloc(n + 100);
  if (J->src) snprintf(J->src, n + 100, "%sconst char tape_native_key[] = \"%s\";\n", body, J->key);
  free(body);
  if (!J->src) why(J, "out of memory", NULL);
  return J->src != NULL;
}

static sj_state *attach(slope_tape *T) {
  sj_state *J = calloc(1, sizeof *J);
  if (!J) return NULL;
  atomic_init(&J->refs, 1);
  const char *env = getenv("SLOPE_JIT");
  J->mode = SLOPE_JIT_AUTO;
  int phase = SJ_IDLE;
  if (env && strcmp(env, "0") == 0) {
    phase = SJ_OFF;
    why(J, "SLOPE_JIT=0", NULL);
  } else if (env && strcmp(env, "1") == 0) {   /* asked for: compiled at once, waited for */
    J->verbose = 1;
    J->mode = SLOPE_JIT_WAIT;
  }
  atomic_init(&J->phase, phase);
  J->blocked = tc_blocked(T);
  T->jit = J;
  const char *emit = getenv("SLOPE_EMIT_C");   /* slope --emit-c */
  if (emit && strcmp(emit, "1") == 0 && make_source(T, J))
    printf("/* ---- native code of a compiled function (%s.c) ---- */\n%s", J->key, J->src);
  return J;
}

static void give_up(sj_state *J) {
  atomic_store(&J->phase, SJ_FAILED);
  if (J->verbose) fprintf(stderr, "slope: native code not used (%s); the interpreter serves\n", J->why);
  J->verbose = 0;
}

/* Start compiling: on a thread, or here when 'wait'. */
static void start(slope_tape *T, sj_state *J, int wait) {
  if (!make_source(T, J)) { give_up(J); return; }
  atomic_store(&J->phase, SJ_BUILDING);
  atomic_fetch_add(&J->refs, 1);
  if (!wait) {
    pthread_t th;
    pthread_attr_t at;
    int ok = pthread_attr_init(&at) == 0;
    if (ok && pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) == 0 &&
        pthread_create(&th, &at, builder, J) == 0) {
      pthread_attr_destroy(&at);
      return;
    }
    if (ok) pthread_attr_destroy(&at);
  }
  builder(J);   /* waiting, or no thread to be had */
  if (atomic_load(&J->phase) == SJ_FAILED) give_up(J);
}

int sj_slow(slope_tape *T, const size_t *rows, size_t nsel) {
  sj_state *J = T->jit;
  if (!J && !(J = attach(T))) return 0;
  switch (atomic_load_explicit(&J->phase, memory_order_acquire)) {
  case SJ_LOADED:
    return !J->busy && J->mode != SLOPE_JIT_OFF;
  case SJ_FAILED:
    if (J->verbose) give_up(J);
    return 0;
  case SJ_IDLE:
    if (J->mode == SLOPE_JIT_OFF) return 0;
    if (J->mode == SLOPE_JIT_AUTO) {
      if (J->blocked) return 0;   /* measured no faster than the interpreter: no compiler for it */
      double n = T->has_reduce ? (double)(rows ? nsel : T->nrows) : 1;
      if (T->arr) J->work += (double)T->arr->nval + (double)T->arr->nep * n;   /* elements */
      else J->work += (double)(T->npre + T->npost) + (double)T->nrow * n;
      J->work += SJ_CALL_WORK;
      if (J->work < SJ_AUTO_WORK) return 0;
    }
    start(T, J, J->mode == SLOPE_JIT_WAIT);
    return atomic_load_explicit(&J->phase, memory_order_acquire) == SJ_LOADED && J->mode != SLOPE_JIT_OFF;
  default:
    return 0;
  }
}

/* Bit for bit, NaNs of any payload equal. */
static int same(double a, double b) {
  if (a != a && b != b) return 1;
  return memcmp(&a, &b, sizeof a) == 0;
}

/* The first call after loading: the interpreter's answer, compared with the
** native function's at the same point (value and gradient). */
static int check(slope_tape *T, sj_state *J, const double *x, const size_t *rows, size_t nsel,
                 size_t count, double *f, double *grad) {
  size_t n = (size_t)T->nparams;
  double fi = 0, fn = 0, *gi = calloc(2 * n + 2, sizeof *gi);
  if (!gi) return sx_error(T->S, SLOPE_ERRMEM, "out of memory");
  double *gn = gi + n + 1;
  J->busy = 1;
  int rc = slope_tape_grad(T, x, rows, nsel, &fi, gi);
  J->busy = 0;
  if (rc != SLOPE_OK) { free(gi); return rc; }
  J->fn(x, T->cols, rows, count, &fn, gn, J->blocks);
  int ok = J->flag == 0 && same(fi, fn);
  J->flag = 0;
  for (size_t i = 0; ok && i < n; i++) ok = same(gi[i], gn[i]);
  if (f) *f = fi;
  if (grad) memcpy(grad, gi, n * sizeof *grad);
  free(gi);
  if (ok) {
    J->native = 1;
    atomic_store(&J->phase, SJ_NATIVE);
  } else {
    why(J, "the native code disagreed with the interpreter at its first point", NULL);
    give_up(J);
  }
  return SLOPE_OK;
}

int sj_grad_slow(slope_tape *T, const double *x, const size_t *rows, size_t nsel, double *f,
                 double *grad) {
  sj_state *J = T->jit;
  size_t count = 0;
  if (T->has_reduce) {
    int rc = tp_selection(T, rows, nsel, &count);
    if (rc != SLOPE_OK) return rc;
  }
  if (!J->native) return check(T, J, x, rows, nsel, count, f, grad);
  double fv;
  J->fn(x, T->cols, rows, count, f ? f : &fv, grad, J->blocks);
  if (J->flag != 0) {   /* a label out of range: the interpreter says which */
    J->flag = 0;
    return ta_grad(T, x, rows, nsel, f, grad);
  }
  return SLOPE_OK;
}

void sj_free(sj_state *J) {
  if (J) release(J);
}

/* ---- the public functions ----------------------------------------------------- */

int slope_tape_jit(slope_tape *T, int mode) {
  SX_ENTER_OBJ(T, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(T->S, mode < SLOPE_JIT_OFF || mode > SLOPE_JIT_WAIT, SLOPE_ERRMISUSE,
               "mode %d is not a native code mode (SLOPE_JIT_OFF 0, SLOPE_JIT_AUTO 1, "
               "SLOPE_JIT_ON 2, SLOPE_JIT_WAIT 3)", mode);
  sj_state *J = T->jit ? T->jit : attach(T);
  if (!J) return sx_error(T->S, SLOPE_ERRMEM, "out of memory");
  int phase = atomic_load(&J->phase);
  if (phase == SJ_OFF) return SLOPE_OK;   /* SLOPE_JIT=0 */
  if (mode == SLOPE_JIT_OFF) {
    J->native = 0;
    J->mode = mode;
    if (phase == SJ_IDLE) return SLOPE_OK;
    if (phase == SJ_NATIVE) atomic_store(&J->phase, SJ_LOADED);   /* checked again if turned on */
    return SLOPE_OK;
  }
  J->mode = mode;
  if (phase == SJ_LOADED && J->fn && mode != SLOPE_JIT_OFF) {
    return SLOPE_OK;
  }
  if (phase == SJ_IDLE && mode != SLOPE_JIT_AUTO) start(T, J, mode == SLOPE_JIT_WAIT);
  if (mode == SLOPE_JIT_WAIT)
    while (atomic_load_explicit(&J->phase, memory_order_acquire) == SJ_BUILDING) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
    }
  return SLOPE_OK;
}

const char *slope_tape_jit_status(slope_tape *T, double *compile_ms) {
  if (compile_ms) *compile_ms = 0;
  if (!T) return "no tape";
  sj_state *J = T->jit;
  if (!J) return "interpreter: not compiled yet";
  int phase = atomic_load_explicit(&J->phase, memory_order_acquire);
  if (compile_ms && (phase == SJ_LOADED || phase == SJ_NATIVE || phase == SJ_FAILED))
    *compile_ms = J->ms;
  switch (phase) {
  case SJ_IDLE:
    if (J->mode == SLOPE_JIT_OFF) return "interpreter: turned off";
    return J->mode == SLOPE_JIT_AUTO && J->blocked
      ? "interpreter: native code would not be faster here (jit = true asks for it anyway)"
      : "interpreter: not compiled yet";
  case SJ_BUILDING: return "compiling";
  case SJ_LOADED: return J->mode == SLOPE_JIT_OFF ? "interpreter: turned off"
                                                 : "loaded: checked at the next call";
  case SJ_NATIVE: return J->cached ? "native (from the cache)" : "native";
  default:
    return J->why;
  }
}

const char *slope_tape_csource(slope_tape *T) {
  SX_ENTER_OBJ(T, NULL);
  sj_state *J = T->jit ? T->jit : attach(T);
  if (!J) return sx_error(T->S, SLOPE_ERRMEM, "out of memory"), NULL;
  if (!make_source(T, J)) return sx_error(T->S, SLOPE_ERRMEM, "out of memory"), NULL;
  return J->src;
}
