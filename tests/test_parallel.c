/*
** test_parallel.c -- data-parallel evaluation (slope_parallel): the value
** and gradient of a mean over rows are the same bit for bit for 1, 2 and 3
** threads, over all rows, over contiguous and shuffled selections and along
** a whole mini-batch run; they agree with a hand loop (long double sums) and
** with one tape over all the rows to 1e-12; an objective that is not a mean
** over rows is refused; misuse is reported.  Built with -fsanitize=thread
** by tests/test_tsan.sh, which finds any data race between the threads.
**
** fast_math on every thread's tape (slope_parallel_fast_math): every thread
** has the same lanes, and 1, 2 and 3 threads give the same bits; against
** the exact evaluator (the same chunks and sums, only the vector functions
** differ) and against one fast_math tape over the same rows (the same
** functions, another order of the sums) to the stated tolerance; over one
** chunk, bit for bit that tape's.  Native code under threads: thread 0
** compiles, the others load its shared object from the cache, the results
** stay the same bits.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "slope.h"

#define ROWS 200001   /* four chunks, the last one short */

static const char *params[] = {"w", "b"};

/* mean((w*x + b - y)^2) + 0.01*w^2 and its gradient by hand, in long double */
static void hand(const double *x, const double *y, size_t n, const size_t *rows, const double *p,
                 double *f, double *g) {
  long double s = 0, gw = 0, gb = 0;
  for (size_t i = 0; i < n; i++) {
    size_t r = rows ? rows[i] : i;
    long double e = (long double)p[0] * x[r] + p[1] - y[r];
    s += e * e;
    gw += 2 * e * x[r];
    gb += 2 * e;
  }
  *f = (double)(s / n + 0.01L * p[0] * p[0]);
  g[0] = (double)(gw / n + 0.02L * p[0]);
  g[1] = (double)(gb / n);
}

/* softplus, tanh and exp: the functions fast_math changes */
static const char fm_src[] = "mean(softplus(w*x + b) - y*tanh(w*x + b) + exp(-(w*x)^2)) + 0.01*w^2";

/* mean over the selection of the absolute terms of fm_src: the scale of its rounding */
static double fm_scale(const double *x, const double *y, const size_t *rows, size_t n, const double *p) {
  long double s = 0;
  for (size_t i = 0; i < n; i++) {
    size_t r = rows ? rows[i] : i;
    double z = p[0] * x[r] + p[1];
    s += fabs(log1p(exp(-fabs(z))) + (z > 0 ? z : 0)) + fabs(y[r] * tanh(z)) + exp(-(p[0] * x[r]) * (p[0] * x[r]));
  }
  return (double)(s / n);
}

static int near_rel(double a, double b, double tol, double scale) { return fabs(a - b) <= tol * scale; }

/* One tape of fm_src over every row of d, fast_math 'on'. */
static slope_tape *fm_tape(slope_ctx *S, const slope_data *d, int on) {
  const char *names[] = {"x", "y"};
  slope_tape *T = slope_compile(S, slope_parse(S, fm_src, sizeof fm_src - 1), params, 2, names, 2);
  const double *cols[] = {slope_data_find(d, "x"), slope_data_find(d, "y")};
  if (T && (slope_tape_fast_math(T, on) != SLOPE_OK || slope_tape_bind(T, cols, slope_data_rows(d)) != SLOPE_OK)) {
    slope_tape_free(T);
    return NULL;
  }
  return T;
}

/*
** The tolerances.  Each function fast_math changes is within 6 ulp of the
** exact one (docs/reference.md), so each term moves by at most about 16 ulp
** of the terms' magnitudes and the mean by 16 * 2^-52 * scale = 3.6e-15 of
** 'scale' (the mean of the absolute terms); the sums themselves round
** differently once the terms differ, a few ulp of the scale more.  Allowed:
** 1e-14 * scale for the value, 1e-14 * max(1, |g|) for the gradient (the
** largest seen here: 7e-17 * scale and 4.4e-16).  Bit
** for bit where the same operations meet the same values in the same order:
** any number of threads (fixed chunks, every row through the same vector
** code), and one chunk against one tape over the same rows.
*/
static void fast_math_points(slope_ctx *S, const slope_data *d, const size_t *const *sels, const size_t *counts) {
  slope_expr f = slope_parse(S, fm_src, sizeof fm_src - 1);
  slope_parallel *E = slope_parallel_new(S, f, params, 2, d, 2), *F[4] = {NULL};
  slope_tape *T = fm_tape(S, d, 1), *T0 = fm_tape(S, d, 0);
  CHECK(E && T && T0);
  int lanes = slope_tape_fast_math_lanes(T);
  if (lanes == 0) printf("note: libmvec not loaded: fast_math stays exact here\n");
  for (int k = 1; k <= 3; k++) {
    F[k] = slope_parallel_new(S, f, params, 2, d, k);
    CHECK(F[k] && slope_parallel_fast_math(F[k], 1) == SLOPE_OK);
    CHECK_INT(slope_parallel_fast_math_lanes(F[k]), lanes);
    for (int t = 0; F[k] && t < k; t++) CHECK_INT(slope_tape_fast_math_lanes(slope_parallel_tape(F[k], t)), lanes);
  }
  if (!E || !T || !T0 || !F[1] || !F[2] || !F[3]) return;
  const double *xc = slope_data_find(d, "x"), *yc = slope_data_find(d, "y");
  double pt[2] = {0.7, -0.3};
  int moved = 0;
  for (int s = 0; s < 3; s++) {
    double fk[4], gk[4][2], fe, ge[2], ft, gt[2];
    for (int k = 1; k <= 3; k++) CHECK_INT(slope_parallel_eval(F[k], pt, sels[s], counts[s], &fk[k], gk[k]), SLOPE_OK);
    CHECK(fk[1] == fk[2] && fk[1] == fk[3]);   /* bit for bit */
    CHECK(gk[1][0] == gk[2][0] && gk[1][0] == gk[3][0] && gk[1][1] == gk[2][1] && gk[1][1] == gk[3][1]);
    CHECK_INT(slope_parallel_eval(E, pt, sels[s], counts[s], &fe, ge), SLOPE_OK);
    CHECK_INT(slope_tape_grad(T, pt, sels[s], sels[s] ? counts[s] : 0, &ft, gt), SLOPE_OK);
    double scale = fm_scale(xc, yc, sels[s], counts[s], pt);
    CHECK(near_rel(fk[2], fe, 1e-14, scale) && near_rel(fk[2], ft, 1e-14, scale));
    for (int i = 0; i < 2; i++) {
      CHECK(near_rel(gk[2][i], ge[i], 1e-14, fmax(1, fabs(ge[i]))));
      CHECK(near_rel(gk[2][i], gt[i], 1e-14, fmax(1, fabs(gt[i]))));
    }
    moved += fk[2] != fe || gk[2][0] != ge[0] || gk[2][1] != ge[1];
  }
  CHECK(lanes == 0 || moved > 0);   /* the vector functions did reach the threads' tapes */
  /* one chunk: the calling thread's tape over those rows, bit for bit a fast_math tape's */
  size_t one[5000];
  for (size_t i = 0; i < 5000; i++) one[i] = 3 * i + 1;
  double f1, g1[2], ft, gt[2];
  CHECK_INT(slope_parallel_eval(F[3], pt, one, 5000, &f1, g1), SLOPE_OK);
  CHECK_INT(slope_tape_grad(T, pt, one, 5000, &ft, gt), SLOPE_OK);
  CHECK(f1 == ft && g1[0] == gt[0] && g1[1] == gt[1]);
  /* turned off again: exact, the exact evaluator's bits */
  double fe, ge[2];
  CHECK_INT(slope_parallel_fast_math(F[2], 0), SLOPE_OK);
  CHECK_INT(slope_parallel_fast_math_lanes(F[2]), 0);
  CHECK_INT(slope_parallel_eval(F[2], pt, NULL, 0, &f1, g1), SLOPE_OK);
  CHECK_INT(slope_parallel_eval(E, pt, NULL, 0, &fe, ge), SLOPE_OK);
  CHECK(f1 == fe && g1[0] == ge[0] && g1[1] == ge[1]);
  /* misuse */
  CHECK_INT(slope_parallel_fast_math(F[2], 2), SLOPE_ERRMISUSE);
  CHECK(strstr(slope_error_get(S).message, "on 2 is not 0 (exact, the default) or 1 (fast_math)") != NULL);
  CHECK_INT(slope_parallel_fast_math(NULL, 1), SLOPE_ERRMISUSE);
  CHECK_INT(slope_parallel_fast_math_lanes(NULL), 0);
  CHECK(slope_parallel_tape(F[2], 2) == NULL);
  CHECK(strstr(slope_error_get(S).message, "thread 2 is not one of the evaluator's (0 to 1)") != NULL);
  CHECK(slope_parallel_tape(NULL, 0) == NULL);
  for (int k = 1; k <= 3; k++) slope_parallel_free(F[k]);
  slope_parallel_free(E);
  slope_tape_free(T);
  slope_tape_free(T0);
}

static int starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/*
** Native code under threads: thread 0 compiles (asked to wait here, as
** jit = "wait" does), the others are held off until it runs native code and
** then load the same shared object from the cache: one shared object in the
** cache, not three.  The results stay those of the interpreting evaluator
** bit for bit all along.  Skipped without a C compiler.
*/
static void native_shared(slope_ctx *S, const slope_data *d, const char *cachedir) {
  if (system("${CC:-cc} --version >/dev/null 2>&1") != 0) {
    printf("note: no C compiler here: native code under threads not checked\n");
    return;
  }
  slope_expr f = slope_parse(S, fm_src, sizeof fm_src - 1);
  slope_parallel *N = slope_parallel_new(S, f, params, 2, d, 3), *I = slope_parallel_new(S, f, params, 2, d, 3);
  CHECK(N && I);
  if (!N || !I) return;
  for (int t = 0; t < 3; t++) CHECK_INT(slope_tape_jit(slope_parallel_tape(I, t), SLOPE_JIT_OFF), SLOPE_OK);
  CHECK_STR(slope_tape_jit_status(slope_parallel_tape(N, 1), NULL), "interpreter: turned off");   /* held off */
  CHECK_INT(slope_tape_jit(slope_parallel_tape(N, 0), SLOPE_JIT_WAIT), SLOPE_OK);
  double pt[2] = {0.7, -0.3}, fn, gn[2], fi, gi[2];
  int all = 0, same = 1;
  for (int round = 0; round < 400 && !all; round++) {
    pt[0] += 0.001;
    CHECK_INT(slope_parallel_eval(N, pt, NULL, 0, &fn, gn), SLOPE_OK);
    CHECK_INT(slope_parallel_eval(I, pt, NULL, 0, &fi, gi), SLOPE_OK);
    same = same && fn == fi && gn[0] == gi[0] && gn[1] == gi[1];
    all = 1;
    for (int t = 0; t < 3; t++) all = all && starts(slope_tape_jit_status(slope_parallel_tape(N, t), NULL), "native");
    if (!all) nanosleep(&(struct timespec){0, 5000000}, NULL);
  }
  CHECK(same);
  if (!CHECK(all))
    for (int t = 0; t < 3; t++) fprintf(stderr, "thread %d: %s\n", t, slope_tape_jit_status(slope_parallel_tape(N, t), NULL));
  CHECK_STR(slope_tape_jit_status(slope_parallel_tape(N, 2), NULL), "native (from the cache)");
  char cmd[300];
  snprintf(cmd, sizeof cmd, "test $(ls '%s'/slope/*.so | wc -l) -eq 1", cachedir);
  CHECK(system(cmd) == 0);   /* compiled once */
  slope_parallel_free(N);
  slope_parallel_free(I);
}

int main(void) {
  char cachedir[64];   /* native code goes to a cache of this test's own */
  snprintf(cachedir, sizeof cachedir, "/tmp/slope-test-parallel-%ld", (long)getpid());
  mkdir(cachedir, 0755);
  setenv("XDG_CACHE_HOME", cachedir, 1);
  unsetenv("SLOPE_JIT");
  slope_ctx *S = slope_new();
  double wts[1] = {2};
  slope_data *d = slope_data_regression(S, ROWS, wts, 1, 0.5, 0.3, 7);
  static const char src[] = "mean((w*x + b - y)^2) + 0.01*w^2";
  slope_expr f = slope_parse(S, src, sizeof src - 1);
  const double *xc = slope_data_find(d, "x"), *yc = slope_data_find(d, "y");
  slope_parallel *P[4] = {NULL};
  for (int k = 1; k <= 3; k++) {
    P[k] = slope_parallel_new(S, f, params, 2, d, k);
    CHECK(P[k] != NULL);
    CHECK_INT(slope_parallel_threads(P[k]), k);
  }
  if (!P[1] || !P[2] || !P[3]) return check_done();

  /* a shuffled selection of 150000 rows and a contiguous one */
  size_t nsel = 150000, *sel = malloc(ROWS * sizeof *sel), *run = malloc(nsel * sizeof *run);
  slope_rng rng;
  slope_rng_seed(&rng, 3);
  for (size_t i = 0; i < ROWS; i++) sel[i] = i;
  for (size_t i = ROWS; i > 1; i--) {
    size_t j = slope_rng_below(&rng, i), t = sel[i - 1];
    sel[i - 1] = sel[j];
    sel[j] = t;
  }
  for (size_t i = 0; i < nsel; i++) run[i] = 1000 + i;
  const size_t *sels[3] = {NULL, sel, run};
  size_t counts[3] = {ROWS, nsel, nsel};
  double pt[2] = {1.3, -0.4};
  for (int s = 0; s < 3; s++) {
    double fk[4], gk[4][2], fh, gh[2];
    for (int k = 1; k <= 3; k++) CHECK_INT(slope_parallel_eval(P[k], pt, sels[s], counts[s], &fk[k], gk[k]), SLOPE_OK);
    CHECK(fk[1] == fk[2] && fk[1] == fk[3]);
    CHECK(gk[1][0] == gk[2][0] && gk[1][0] == gk[3][0] && gk[1][1] == gk[2][1] && gk[1][1] == gk[3][1]);
    hand(xc, yc, counts[s], sels[s], pt, &fh, gh);
    CHECK_NEAR(fk[2], fh, 1e-12);
    CHECK_NEAR(gk[2][0], gh[0], 1e-12);
    CHECK_NEAR(gk[2][1], gh[1], 1e-12);
    double fv;
    CHECK_INT(slope_parallel_eval(P[2], pt, sels[s], counts[s], &fv, NULL), SLOPE_OK);
    CHECK(fv == fk[2]);   /* the value alone is the same value */
  }

  /* a whole mini-batch run: the same trajectory for every k, near one tape's */
  double xs[4][2], fs[4];
  for (int k = 0; k <= 3; k++) {
    double x0[2] = {0, 0};
    slope_problem *p = k ? slope_problem_callback_rows(S, 2, params, x0, ROWS, slope_parallel_eval, P[k])
                         : slope_problem_new(S, f, params, x0, 2, d);
    CHECK(p != NULL);
    if (!p) return check_done();
    CHECK_INT(slope_problem_batch(p, 70000, 1, 5), SLOPE_OK);
    slope_optim *o = slope_optim_new(S, "adam", 2);
    CHECK_INT(slope_optim_set(o, "lr", (double[]){0.05}, 1), SLOPE_OK);
    slope_run_opts opts;
    slope_run_defaults(&opts);
    opts.steps = 0;
    opts.epochs = 5;
    opts.trace_every = 0;
    slope_result r;
    slope_result_init(&r);
    if (!CHECK(slope_run(p, o, &opts, &r, NULL) == SLOPE_OK)) fprintf(stderr, "%s\n", slope_error_get(S).message);
    memcpy(xs[k], slope_problem_x(p), sizeof xs[k]);
    fs[k] = r.f;
    slope_optim_free(o);
    slope_problem_free(p);
  }
  CHECK(xs[1][0] == xs[2][0] && xs[1][0] == xs[3][0] && xs[1][1] == xs[2][1] && xs[1][1] == xs[3][1]);
  CHECK(fs[1] == fs[2] && fs[1] == fs[3]);
  CHECK_NEAR(xs[1][0], xs[0][0], 1e-12);
  CHECK_NEAR(xs[1][1], xs[0][1], 1e-12);
  CHECK_NEAR(fs[1], fs[0], 1e-12);

  /* the threads stay between evaluations (pool.c); after a fork the child's
  ** evaluator starts threads of its own and gives the parent's bits */
  {
    double fa, ga[2], fb, gb[2];
    CHECK_INT(slope_parallel_eval(P[3], pt, NULL, 0, &fa, ga), SLOPE_OK);
    pid_t kid = fork();
    if (kid == 0) {
      int ok = slope_parallel_eval(P[3], pt, NULL, 0, &fb, gb) == SLOPE_OK && fb == fa && gb[0] == ga[0] &&
               gb[1] == ga[1] && slope_parallel_eval(P[3], pt, sel, nsel, &fb, gb) == SLOPE_OK;
      _exit(ok ? 0 : 1);
    }
    int st = 0;
    CHECK(kid > 0 && waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_INT(slope_parallel_eval(P[3], pt, NULL, 0, &fb, gb), SLOPE_OK);   /* the parent's threads still serve */
    CHECK(fb == fa && gb[0] == ga[0] && gb[1] == ga[1]);
  }

  /* not a mean over rows: refused at the first evaluation over several chunks */
  static const char bad[] = "log(mean((w*x + b - y)^2))";
  slope_parallel *Q = slope_parallel_new(S, slope_parse(S, bad, sizeof bad - 1), params, 2, d, 2);
  double fq, gq[2];
  CHECK(Q != NULL);
  CHECK_INT(slope_parallel_eval(Q, pt, NULL, 0, &fq, gq), SLOPE_ERRARG);
  CHECK(strstr(slope_error_get(S).message, "threads: the objective is not a mean over the rows") != NULL);
  slope_parallel_free(Q);

  /* misuse */
  CHECK(slope_parallel_new(S, f, params, 2, d, 0) == NULL);
  CHECK_STR(slope_error_get(S).message, "threads must be a whole number from 1 to 256, got 0");
  CHECK(slope_parallel_new(S, f, params, 2, NULL, 2) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRMISUSE);
  static const char other[] = "mean((v*x - y)^2)";
  CHECK(slope_parallel_new(S, slope_parse(S, other, sizeof other - 1), params, 2, d, 2) == NULL);
  CHECK(strstr(slope_error_get(S).message, "threads: ") != NULL);
  CHECK_INT(slope_parallel_eval(NULL, pt, NULL, 0, &fq, NULL), SLOPE_ERRMISUSE);
  CHECK_INT(slope_parallel_eval(P[1], NULL, NULL, 0, &fq, NULL), SLOPE_ERRMISUSE);
  CHECK_INT(slope_parallel_eval(P[1], pt, sel, ROWS + 1, &fq, NULL), SLOPE_ERRMISUSE);
  CHECK_INT(slope_parallel_threads(NULL), 0);
  slope_parallel_free(NULL);

  fast_math_points(S, d, sels, counts);
  native_shared(S, d, cachedir);
  char cmd[100];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", cachedir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", cachedir);

  for (int k = 1; k <= 3; k++) slope_parallel_free(P[k]);
  free(sel);
  free(run);
  slope_data_free(d);
  slope_free(S);
  return check_done();
}
