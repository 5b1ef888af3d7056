/*
** test_jit.c -- native code for tapes (jit.c, tape_c.c, tape_array_c.c): the
** generated code against the interpreter, bit for bit, on the test suite's
** expressions (scalar and array) and the fuzz corpus, with data (every row,
** several blocks, a ragged tail, a mini-batch) and without; and every fallback: no compiler, a failing
** compiler, a corrupt cache file, a cache that cannot be written,
** SLOPE_JIT=0, two processes compiling the same function at once.
**
** On a machine without a C compiler the comparisons are skipped with a note
** (the fallback checks still run: the interpreter must serve).
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "slope.h"

#define MAXN 16
#define NROWS 1000

static int have_cc;       /* a C compiler works here */
static char *cc_at_start; /* $CC as the test began: a sanitized build's compiler (sanitize.sh) */
static int ncompared;     /* expressions compared natively */
static double data[MAXN][NROWS];

static int same(double a, double b) {
  if (a != a && b != b) return 1;
  return memcmp(&a, &b, sizeof a) == 0;
}

static int starts(const char *s, const char *prefix) {
  return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A tape of 'text': names starting with 'c' are data columns, the others
** parameters; NULL when the text does not compile (not this test's concern). */
static slope_tape *tape_of(slope_ctx *S, const char *text, int *np) {
  slope_expr e = slope_parse(S, text, strlen(text));
  if (!e) return NULL;
  const char *vars[MAXN], *params[MAXN], *cols[MAXN];
  int nv = slope_vars(S, e, vars, MAXN), nc = 0;
  *np = 0;
  if (nv < 0 || nv > MAXN) return NULL;
  for (int i = 0; i < nv; i++) {
    if (vars[i][0] == 'c') cols[nc++] = vars[i];
    else params[(*np)++] = vars[i];
  }
  slope_tape *T = slope_compile(S, e, params, *np, cols, nc);
  if (!T) return NULL;
  const double *colp[MAXN];
  for (int j = 0; j < nc; j++) colp[j] = data[j];
  if (slope_tape_bind(T, colp, NROWS) != SLOPE_OK) { slope_tape_free(T); return NULL; }
  return T;
}

/* Value and gradient through the interpreter and through native code, at
** two points, every row and a mini-batch: equal to the bit. */
static void compare(const char *text) {
  slope_ctx *S = slope_new();
  int np;
  slope_tape *T = tape_of(S, text, &np);
  if (!T) { slope_free(S); return; }
  static const size_t batch[] = {999, 3, 3, 0, 511, 256, 257, 42, 7, 8, 9, 10, 700};
  double x[2][MAXN];
  for (int i = 0; i < MAXN; i++) { x[0][i] = 0.3 + 0.17 * i; x[1][i] = -1.1 + 0.29 * i; }
  double fi[4], gi[4][MAXN], fn[4], gn[4][MAXN];
  int rci[4], rcn[4];
  CHECK(slope_tape_jit(T, SLOPE_JIT_OFF) == SLOPE_OK);
  for (int k = 0; k < 4; k++)
    rci[k] = slope_tape_grad(T, x[k & 1], k < 2 ? NULL : batch, k < 2 ? 0 : 13, &fi[k], gi[k]);
  CHECK(slope_tape_jit(T, SLOPE_JIT_WAIT) == SLOPE_OK);
  for (int k = 0; k < 4; k++)
    rcn[k] = slope_tape_grad(T, x[k & 1], k < 2 ? NULL : batch, k < 2 ? 0 : 13, &fn[k], gn[k]);
  const char *st = slope_tape_jit_status(T, NULL);
  if (have_cc && rci[0] == SLOPE_OK) {
    ncompared++;
    if (!CHECK(starts(st, "native"))) fprintf(stderr, "    %s: %s\n", text, st);
  }
  int ok = 1;
  for (int k = 0; k < 4; k++) {
    ok &= rci[k] == rcn[k];
    if (rci[k] != SLOPE_OK) continue;
    ok &= same(fi[k], fn[k]);
    for (int i = 0; i < np; i++) ok &= same(gi[k][i], gn[k][i]);
    if (!ok) { fprintf(stderr, "    %s: call %d: %.17g vs %.17g\n", text, k, fi[k], fn[k]); break; }
  }
  CHECK(ok);
  slope_tape_free(T);
  slope_free(S);
}

/* Expressions of the test suite (test_tape.c, test_functions.c, the
** README's models), every operation of the tape. */
static const char *const exprs[] = {
  "x", "x + y", "x - y", "x*y", "x/y", "x^y", "x^2", "x^3", "x^-2", "x^0.5", "x^2.5", "-x",
  "1/x", "sqrt(x)", "(x - y)^2", "(x + y)^2", "x*y + z", "x*y - z", "z - x*y",
  "(1 - x)^2 + 100*(y - x^2)^2", "sin(x)*cos(y) + tan(x/3)", "asin(x/4) + acos(y/5) + atan(x*y)",
  "sinh(x) + cosh(y) + tanh(x*y)", "exp(x) + expm1(y) + log(x^2 + 1) + log1p(y^2)",
  "log2(x^2 + 1) + log10(y^2 + 2) + cbrt(x) + abs(y) + sign(x)", "step(x) + relu(y) + sigmoid(x*y)",
  "softplus(x - y) + erf(x) + atan2(x, y) + hypot(x, y)", "min(x, y) + max(x, 2*y)",
  "mean((w*cx + b - cy)^2)", "sum((w*cx + b - cy)^2)", "mean(softplus(-cy*(w*cx + b)))",
  "mean(cx)*w + sum(cy)", "mean((w*cx - cy)^2) + 0.1*(w^2 + b^2)", "mean((a*cx^2 + b*cx + c0)^2)",
  "log(mean(exp(w*cx))) + mean(cy*w)^2", "mean(sin(w*cx + b)*cy) * mean(cos(cx*b))",
  "sum(w*cx + b) / sum(cy^2 + 1)", "mean(max(0, 1 - cy*(w*cx + b))) + 0.01*w^2",
  "mean((w - cx)^2 + (b + cy)^2)", "mean(cx*cy*w*b)", "mean(w^3*cx + b^-1*cy)",
  "mean(tanh(w*cx + b)*cy + sigmoid(b*cy - w))", "mean(relu(w*cx) - relu(b*cy)) + hypot(w, b)",
  "mean(atan2(w*cx, b + 2)) + mean(min(w*cx, b*cy))", "exp(-mean((w*cx - cy)^2))",
  "mean(cx - w)^2 + mean(cy*b)", "mean(2)", "mean(w)", "sum(w*b)",
};

/* The fuzz corpus of fuzz_compile: names starting with 'c' are columns there too. */
static void corpus(void) {
  const char *dir = "tests/fuzz/corpus/compile";
  DIR *d = opendir(dir);
  if (!d) { printf("note: %s not found (run from the source folder); corpus skipped\n", dir); return; }
  char path[1024], text[4096];
  for (struct dirent *e; (e = readdir(d)); ) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    if (strlen(text) == n) compare(text);
  }
  closedir(d);
}

/* ---- array tapes ----
**
** The array test expressions (tests/test_tape_array.c, tests/test_arrays.c),
** written as text with their shapes: "name:3" a vector, "name:2x3" a matrix,
** "name" a scalar; columns named k* hold labels 1..3.  Native code against
** the array interpreter, bit for bit, with data (every row, several blocks,
** a ragged tail, a mini-batch) and without, shapes 1x1 and length 1 too. */

typedef struct aexpr { const char *text, *params, *cols; } aexpr;

static const aexpr arrays[] = {
  {"sum(w^2*b + sin(w)/b)", "w:3 b", ""},
  {"sum(w^2*b + sin(w)/b)", "w:1 b", ""},
  {"mean(exp(w - b)) - norm(w) + max(w)", "w:7 b", ""},
  {"mean(exp(w - b)) - norm(w)", "w:1 b", ""},
  {"sum(100*(x[2..#x] - x[1..#x-1]^2)^2 + (1 - x[1..#x-1])^2)", "x:10", ""},
  {"sum(100*(x[2..#x] - x[1..#x-1]^2)^2 + (1 - x[1..#x-1])^2)", "x:2", ""},
  {"sum(i = 1..#x-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)", "x:1000", ""},
  {"mean(softplus(-cy*(dot(w, cx) + b)))", "w:4 b", "cx:4 cy"},
  {"mean(softplus(-cy*(dot(w, cx) + b)))", "w:1 b", "cx:1 cy"},
  {"mean(cross_entropy(W @ cx + b, klabel))", "W:3x4 b:3", "cx:4 klabel"},
  {"mean(cross_entropy(W @ cx + b, klabel))", "W:3x1 b:3", "cx:1 klabel"},
  {"mean(-dot(onehot(klabel, 3), log_softmax(W @ cx + b)))", "W:3x4 b:3", "cx:4 klabel"},
  {"mean(-log(dot(onehot(klabel, 3), softmax(W @ cx + b))))", "W:3x4 b:3", "cx:4 klabel"},
  {"mean(logsumexp(W @ cx + b) - dot(onehot(klabel, 3), W @ cx + b))", "W:3x4 b:3", "cx:4 klabel"},
  {"mean((dot(v, tanh(W @ cx + c)) + d - cy)^2)", "W:5x2 c:5 v:5 d", "cx:2 cy"},
  {"mean((dot(v, tanh(W @ cx + c)) + d - cy)^2)", "W:1x2 c:1 v:1 d", "cx:2 cy"},
  {"mean((W @ cx + c)[1]^2 + cy*sum(tanh((W @ cx + c)[1..2])))", "W:3x2 c:3", "cx:2 cy"},
  {"sum((A @ B)^2) + sum(u @ A) + sum(outer(u, u)) + sum(transpose(A)*B) + dot(A @ v[1..3], u + 1) + A[2, 3]*v[4]",
   "A:2x3 B:3x2 u:2 v:4", ""},
  {"sum(A @ B) + A[1, 1]*B[1, 1]", "A:1x1 B:1x1", ""},
  {"sum(pad(u, 1, 2)*range(1, 6)) + max(u)", "u:3", ""},
  {"mean(norm(cx - w)) + sum(w)", "w:3", "cx:3"},
  {"mean(norm(cx*w)) + mean(sum(cx)^2)", "w:3", "cx:3"},
  {"mean(max(cx*w)) + logsumexp(w)", "w:3", "cx:3"},
  {"mean(cross_entropy(w, klabel)) + mean(cross_entropy(cx, klabel))", "w:3", "cx:3 klabel"},
  {"sum(mean(outer(softmax(W @ cx + b) - onehot(klabel, 3), cx)))", "W:3x4 b:3", "cx:4 klabel"},
  {"mean(dot(w, cx))", "w:1", "cx:1"},
  {"sum(softmax(w) * log_softmax(w)) + sum(w / (1 + w^2))", "w:5", ""},
  /* fused runs over views at several offsets (skewed backward loops) */
  {"sum(x[1..#x-2]*x[3..#x] + x[2..#x-1]^3) + sum((x[2..#x] - x[1..#x-1])^2)", "x:9", ""},
  {"sum(x[1..#x-2]*x[3..#x] + x[2..#x-1]^3) + sum((x[2..#x] - x[1..#x-1])^2)", "x:3", ""},
  {"sum(exp(x[2..#x]) * x[1..#x-1] - y*x[2..#x] + y^2) + dot(y, y)", "x:6 y:5", ""},
  {"sum(x + y*x - x/y + (x - y)^2 + (x + y)^2)", "x:7 y:7", ""},
};

/* Names and shapes from a spec "a:3 B:2x4 c"; their element counts in *nel. */
static int shapes_of(const char *spec, char names[][16], slope_shape *sh, int *nel) {
  int n = 0;
  *nel = 0;
  for (const char *p = spec; *p && n < MAXN; ) {
    while (*p == ' ') p++;
    if (!*p) break;
    int len = 0, r = 0, c = 0;
    while (p[len] && p[len] != ' ' && p[len] != ':' && len < 15) len++;
    memcpy(names[n], p, (size_t)len);
    names[n][len] = 0;
    p += len;
    sh[n] = (slope_shape){0, {1, 1}};
    if (*p == ':') {
      r = (int)strtol(p + 1, (char **)&p, 10);
      sh[n] = (slope_shape){1, {r, 1}};
      if (*p == 'x') { c = (int)strtol(p + 1, (char **)&p, 10); sh[n] = (slope_shape){2, {r, c}}; }
    }
    *nel += (int)slope_shape_size(&sh[n]);
    n++;
  }
  return n;
}

#define MAXEL 1100
static double labels[NROWS];

static void compare_array(const aexpr *a) {
  slope_ctx *S = slope_new();
  slope_expr e = slope_parse(S, a->text, strlen(a->text));
  char pn[MAXN][16], cn[MAXN][16];
  slope_shape ps[MAXN], cs[MAXN];
  int npt, ncp;
  int np = shapes_of(a->params, pn, ps, &npt), nc = shapes_of(a->cols, cn, cs, &ncp);
  const char *pp[MAXN], *cp[MAXN];
  for (int i = 0; i < np; i++) pp[i] = pn[i];
  for (int i = 0; i < nc; i++) cp[i] = cn[i];
  slope_tape *T = e ? slope_compile_shaped(S, e, pp, ps, np, cp, cs, nc) : NULL;
  if (!CHECK(T != NULL)) { fprintf(stderr, "    %s: %s\n", a->text, slope_error_get(S).message); slope_free(S); return; }
  const double *colp[MAXN];
  for (int j = 0, k = 0; j < nc; j++) {
    int n = (int)slope_shape_size(&cs[j]);
    for (int q = 0; q < n; q++, k++) colp[k] = cn[j][0] == 'k' ? labels : data[k];
  }
  if (nc) CHECK(slope_tape_bind(T, colp, NROWS) == SLOPE_OK);
  static const size_t batch[] = {999, 3, 3, 0, 511, 256, 257, 42, 7, 8, 9, 10, 700};
  static double x[2][MAXEL], gi[4][MAXEL], gn[4][MAXEL];
  for (int i = 0; i < npt; i++) { x[0][i] = 0.3 + 0.017 * i; x[1][i] = -1.1 + 0.029 * (i % 97); }
  double fi[4], fn[4];
  int rci[4], rcn[4], calls = nc ? 4 : 2;
  CHECK(slope_tape_jit(T, SLOPE_JIT_OFF) == SLOPE_OK);
  for (int k = 0; k < calls; k++)
    rci[k] = slope_tape_grad(T, x[k & 1], k < 2 ? NULL : batch, k < 2 ? 0 : 13, &fi[k], gi[k]);
  CHECK(slope_tape_jit(T, SLOPE_JIT_WAIT) == SLOPE_OK);
  for (int k = 0; k < calls; k++)
    rcn[k] = slope_tape_grad(T, x[k & 1], k < 2 ? NULL : batch, k < 2 ? 0 : 13, &fn[k], gn[k]);
  const char *st = slope_tape_jit_status(T, NULL);
  if (have_cc) {
    ncompared++;
    if (!CHECK(starts(st, "native"))) fprintf(stderr, "    %s: %s\n", a->text, st);
  }
  int ok = 1;
  for (int k = 0; k < calls; k++) {
    ok &= rci[k] == SLOPE_OK && rcn[k] == SLOPE_OK && same(fi[k], fn[k]);
    for (int i = 0; i < npt; i++) ok &= same(gi[k][i], gn[k][i]);
    if (!ok) { fprintf(stderr, "    %s: call %d: %.17g vs %.17g\n", a->text, k, fi[k], fn[k]); break; }
  }
  CHECK(ok);
  slope_tape_free(T);
  slope_free(S);
}

/* Undo a setenv of the tests: $CC as it was at the start, anything else unset. */
static void put_back(const char *name) {
  if (strcmp(name, "CC") == 0 && cc_at_start) setenv("CC", cc_at_start, 1);
  else unsetenv(name);
}

/* An array tape falls back as a scalar one: a compiler that fails, SLOPE_JIT=0. */
static void array_fallback(void) {
  static const char *const env[][2] = {{"CC", "false"}, {"SLOPE_JIT", "0"}};
  static const char *const want[] = {"the C compiler 'false' failed", "SLOPE_JIT=0"};
  for (int k = 0; k < 2; k++) {
    setenv(env[k][0], env[k][1], 1);
    slope_ctx *S = slope_new();
    const char *text = "sum(100*(x[2..#x] - x[1..#x-1]^2)^2 + (1 - x[1..#x-1])^2)";
    slope_expr e = slope_parse(S, text, strlen(text));
    slope_shape sh = {1, {5, 1}};
    slope_tape *T = slope_compile_shaped(S, e, (const char *[]){"x"}, &sh, 1, NULL, NULL, 0);
    double x[5] = {0.5, -1, 2, 0.25, 3}, f1, g1[5], f2, g2[5];
    CHECK(T && slope_tape_jit(T, SLOPE_JIT_OFF) == SLOPE_OK);
    CHECK(slope_tape_grad(T, x, NULL, 0, &f1, g1) == SLOPE_OK);
    CHECK(slope_tape_jit(T, SLOPE_JIT_WAIT) == SLOPE_OK);
    CHECK(slope_tape_grad(T, x, NULL, 0, &f2, g2) == SLOPE_OK);
    CHECK(same(f1, f2) && same(g1[0], g2[0]) && same(g1[4], g2[4]));
    const char *st = slope_tape_jit_status(T, NULL);
    if (!CHECK(starts(st, want[k]))) fprintf(stderr, "    %s\n", st);
    slope_tape_free(T);
    slope_free(S);
    put_back(env[k][0]);
  }
}

/* A label outside 1..3 in the native code: the interpreter's error, then
** the native code serves again. */
static void bad_label(void) {
  slope_ctx *S = slope_new();
  const char *text = "mean(cross_entropy(W @ cx + b, klabel))";
  slope_expr e = slope_parse(S, text, strlen(text));
  slope_shape ps[2] = {{2, {3, 2}}, {1, {3, 1}}}, cs[2] = {{1, {2, 1}}, {0, {1, 1}}};
  slope_tape *T = slope_compile_shaped(S, e, (const char *[]){"W", "b"}, ps, 2,
                                       (const char *[]){"cx", "klabel"}, cs, 2);
  static double lab[NROWS];
  for (int i = 0; i < NROWS; i++) lab[i] = labels[i];
  const double *colp[3] = {data[0], data[1], lab};
  CHECK(T && slope_tape_bind(T, colp, NROWS) == SLOPE_OK);
  double x[9] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}, f1, g1[9], f2, g2[9];
  CHECK(slope_tape_jit(T, SLOPE_JIT_WAIT) == SLOPE_OK);
  CHECK(slope_tape_grad(T, x, NULL, 0, &f1, g1) == SLOPE_OK);
  lab[500] = 4;
  CHECK(slope_tape_grad(T, x, NULL, 0, &f2, g2) == SLOPE_ERRDATA);
  CHECK(strstr(slope_error_get(S).message, "data row 501") != NULL);
  lab[500] = labels[500];
  CHECK(slope_tape_grad(T, x, NULL, 0, &f2, g2) == SLOPE_OK);
  CHECK(same(f1, f2) && same(g1[8], g2[8]));
  if (have_cc) CHECK(starts(slope_tape_jit_status(T, NULL), "native"));
  slope_tape_free(T);
  slope_free(S);
}

/* ---- fallbacks ---- */

static char cachedir[256];

/* A fresh tape of Rosenbrock compiled with mode WAIT under the current
** environment: its status, and its results equal to the interpreter's. */
static const char *fallback(const char *text, double *ms) {
  static char st[300];
  slope_ctx *S = slope_new();
  int np;
  slope_tape *T = tape_of(S, text, &np);
  double x[2] = {0.5, -0.25}, f1, g1[2], f2, g2[2];
  CHECK(T && slope_tape_jit(T, SLOPE_JIT_OFF) == SLOPE_OK);
  CHECK(slope_tape_grad(T, x, NULL, 0, &f1, g1) == SLOPE_OK);
  CHECK(slope_tape_jit(T, SLOPE_JIT_WAIT) == SLOPE_OK);
  CHECK(slope_tape_grad(T, x, NULL, 0, &f2, g2) == SLOPE_OK);
  CHECK(slope_tape_grad(T, x, NULL, 0, &f2, g2) == SLOPE_OK);
  CHECK(same(f1, f2) && same(g1[0], g2[0]) && same(g1[1], g2[1]));
  snprintf(st, sizeof st, "%s", slope_tape_jit_status(T, ms));
  slope_tape_free(T);
  slope_free(S);
  return st;
}

static int count_files(const char *dir, const char *suffix) {
  DIR *d = opendir(dir);
  int n = 0;
  if (!d) return 0;
  for (struct dirent *e; (e = readdir(d)); ) {
    size_t len = strlen(e->d_name), k = strlen(suffix);
    n += len > k && strcmp(e->d_name + len - k, suffix) == 0;
  }
  closedir(d);
  return n;
}

static void corrupt_all(const char *dir) {
  DIR *d = opendir(dir);
  char path[600];
  if (!d) return;
  for (struct dirent *e; (e = readdir(d)); ) {
    size_t len = strlen(e->d_name);
    if (len < 4 || strcmp(e->d_name + len - 3, ".so") != 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *f = fopen(path, "wb");
    if (f) { fputs("not a shared object", f); fclose(f); }
  }
  closedir(d);
}

static void fallbacks(void) {
  const char *rosen = "(1 - x)^2 + 100*(y - x^2)^2 + 0.5*x*y";
  char sub[400], home[300];
  snprintf(home, sizeof home, "%s/fallbacks", cachedir);   /* a cache of its own */
  mkdir(home, 0755);
  setenv("XDG_CACHE_HOME", home, 1);
  snprintf(sub, sizeof sub, "%s/slope", home);

  /* SLOPE_JIT=0: off, whatever the mode */
  setenv("SLOPE_JIT", "0", 1);
  CHECK_STR(fallback(rosen, NULL), "SLOPE_JIT=0");
  unsetenv("SLOPE_JIT");

  /* no compiler on PATH, a compiler that fails */
  setenv("CC", "/nonexistent/cc", 1);
  const char *st = fallback(rosen, NULL);
  if (!CHECK(starts(st, "no C compiler"))) fprintf(stderr, "    %s\n", st);
  setenv("CC", "false", 1);
  st = fallback(rosen, NULL);
  if (!CHECK(starts(st, "the C compiler 'false' failed"))) fprintf(stderr, "    %s\n", st);
  put_back("CC");
  CHECK_INT(count_files(sub, ".so"), 0);
  if (!have_cc) return;

  /* compiled once, then from the cache */
  double ms;
  st = fallback(rosen, &ms);
  CHECK_STR(st, "native");
  CHECK(ms > 0);
  CHECK_INT(count_files(sub, ".so"), 1);
  CHECK_STR(fallback(rosen, NULL), "native (from the cache)");
  /* a corrupt cache file is compiled again */
  corrupt_all(sub);
  CHECK_STR(fallback(rosen, NULL), "native");
  CHECK_STR(fallback(rosen, NULL), "native (from the cache)");
  CHECK_INT(count_files(sub, ".c"), 0);   /* no temporaries left */

  /* a cache folder that cannot be made: compiled in a private folder */
  setenv("XDG_CACHE_HOME", "/dev/null", 1);
  st = fallback(rosen, NULL);
  CHECK_STR(st, "native");
  setenv("XDG_CACHE_HOME", home, 1);

  /* two processes compiling the same new function at once */
  const char *fresh = "(2 - x)^2 + 50*(y - x^2)^2";
  pid_t kid[2];
  for (int k = 0; k < 2; k++)
    if ((kid[k] = fork()) == 0) {
      const char *s = fallback(fresh, NULL);
      _exit(strcmp(s, "native") == 0 || strcmp(s, "native (from the cache)") == 0 ? 0 : 1);
    }
  for (int k = 0; k < 2; k++) {
    int status = 0;
    waitpid(kid[k], &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  CHECK_INT(count_files(sub, ".so"), 2);
  CHECK_STR(fallback(fresh, NULL), "native (from the cache)");
}

static void cleanup(void) {
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", cachedir);
  if (cachedir[0] && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", cachedir);
}

/* The source: one function, the key, readable names. */
static void source(void) {
  slope_ctx *S = slope_new();
  int np;
  slope_tape *T = tape_of(S, "mean((w*cx + b - cy)^2)", &np);
  const char *src = slope_tape_csource(T);
  CHECK(src && strstr(src, "void tape_native(") && strstr(src, "tape_native_key"));
  CHECK(src && strstr(src, "#include <math.h>"));
  slope_tape_free(T);
  slope_free(S);
}

int main(void) {
  for (int j = 0; j < MAXN; j++)
    for (int i = 0; i < NROWS; i++) data[j][i] = sin(0.37 * i + j) * (1 + 0.1 * j) + 0.01 * i * (j & 1);
  /* is there a compiler? (the test machine may have none: the library falls back) */
  snprintf(cachedir, sizeof cachedir, "/tmp/slope-test-jit-%ld", (long)getpid());
  mkdir(cachedir, 0755);
  setenv("XDG_CACHE_HOME", cachedir, 1);
  unsetenv("SLOPE_JIT");
  cc_at_start = getenv("CC") ? strdup(getenv("CC")) : NULL;
  have_cc = system("${CC:-cc} --version >/dev/null 2>&1") == 0;
  if (!have_cc) printf("note: no C compiler here: native comparisons skipped, fallbacks checked\n");
  source();
  for (size_t i = 0; i < sizeof exprs / sizeof *exprs; i++) compare(exprs[i]);
  corpus();
  for (int i = 0; i < NROWS; i++) labels[i] = 1 + (i * 7 + i / 3) % 3;
  for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++) compare_array(&arrays[i]);
  bad_label();
  array_fallback();
  if (have_cc) printf("compared %d expressions natively, bit for bit\n", ncompared);
  fallbacks();
  cleanup();
  free(cc_at_start);
  return check_done();
}
