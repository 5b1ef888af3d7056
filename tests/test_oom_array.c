/*
** test_oom_array.c -- the array tape with each of its allocations made to
** fail in turn.
**
** The experiment parses a softmax classifier over a vector data column and
** N-dimensional Rosenbrock, compiles them with slope_compile_shaped,
** evaluates value and gradient, and takes Rosenbrock's Hessian through a
** problem with a vector parameter (the Hessian-vector tape).  A dry run
** counts the allocations; then for every n the n-th one fails, and the
** experiment must end either in an error whose code is SLOPE_ERRMEM with a
** message, or in success with every value bit-identical to the dry run's.
** Leaks on the error paths are caught when tests/sanitize.sh or valgrind
** runs this.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fail_alloc.h"
#include "problem.h"

enum { MAXV = 64, R = 9, NX = 5 };

typedef struct outcome { int code; char message[300]; double v[MAXV]; int nv; } outcome;

static void keep(outcome *o, double v) { if (o->nv < MAXV) o->v[o->nv++] = v; }

static int fail(outcome *o, slope_ctx *S, int rc) {
  o->code = rc;
  snprintf(o->message, sizeof o->message, "%s", slope_error_get(S).message);
  return rc;
}

static int classifier(outcome *o, slope_ctx *S, const double *const *cols) {
  const char *t = "mean(cross_entropy(W @ x + b, label)) + 0.1*norm(W)^2";
  slope_expr e = slope_parse(S, t, strlen(t));
  if (!e) return fail(o, S, slope_error_get(S).code);
  slope_shape ps[2] = {{2, {3, 2}}, {1, {3, 1}}}, cs[2] = {{1, {2, 1}}, {0, {1, 1}}};
  slope_tape *T = slope_compile_shaped(S, e, (const char *[]){"W", "b"}, ps, 2, (const char *[]){"x", "label"}, cs, 2);
  if (!T) return fail(o, S, slope_error_get(S).code);
  double p[9], g[9], f;
  for (int i = 0; i < 9; i++) p[i] = 0.1 * i - 0.3;
  int rc = slope_tape_bind(T, cols, R);
  if (rc == SLOPE_OK) rc = slope_tape_grad(T, p, NULL, 0, &f, g);
  if (rc != SLOPE_OK) { fail(o, S, rc); slope_tape_free(T); return rc; }
  keep(o, f);
  for (int i = 0; i < 9; i++) keep(o, g[i]);
  slope_tape_free(T);
  return SLOPE_OK;
}

static int hessian(outcome *o, slope_ctx *S) {
  const char *t = "sum(i = 1..#x-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)";
  slope_expr e = slope_parse(S, t, strlen(t));
  if (!e) return fail(o, S, slope_error_get(S).code);
  slope_shape sh = {1, {NX, 1}};
  double x[NX], H[NX * NX];
  for (int i = 0; i < NX; i++) x[i] = 0.2 * i - 0.5;
  slope_problem *p = slope_problem_new_shaped(S, e, (const char *[]){"x"}, &sh, x, 1, NULL);
  if (!p) return fail(o, S, slope_error_get(S).code);
  int rc = sx_problem_hessian(p, x, H);
  if (rc != SLOPE_OK) { fail(o, S, rc); slope_problem_free(p); return rc; }
  for (int i = 0; i < NX * NX; i += 3) keep(o, H[i]);
  slope_problem_free(p);
  return SLOPE_OK;
}

static void experiment(outcome *o, const double *const *cols) {
  memset(o, 0, sizeof *o);
  slope_ctx *S = slope_new();
  if (!S) { o->code = SLOPE_ERRMEM; snprintf(o->message, sizeof o->message, "out of memory"); return; }
  if (classifier(o, S, cols) == SLOPE_OK) hessian(o, S);
  slope_free(S);
}

int main(void) {
  double x1[R], x2[R], lab[R];
  for (int i = 0; i < R; i++) { x1[i] = sin(i); x2[i] = cos(2.0 * i); lab[i] = 1 + i % 3; }
  const double *cols[3] = {x1, x2, lab};
  outcome dry, o;
  allocs = 0;
  fail_at = 0;
  experiment(&dry, (const double *const *)cols);
  CHECK(dry.code == SLOPE_OK);
  long total = allocs;
  CHECK(total > 20);
  int errors = 0, same = 0;
  for (long n = 1; n <= total; n++) {
    allocs = 0;
    fail_at = n;
    experiment(&o, (const double *const *)cols);
    fail_at = 0;
    if (o.code != SLOPE_OK) {
      errors++;
      if (!CHECK(o.code == SLOPE_ERRMEM && strstr(o.message, "memory")))
        fprintf(stderr, "    allocation %ld: code %d, '%s'\n", n, o.code, o.message);
      continue;
    }
    same++;
    int eq = o.nv == dry.nv;
    for (int i = 0; eq && i < o.nv; i++) eq = memcmp(&o.v[i], &dry.v[i], sizeof o.v[i]) == 0;
    if (!CHECK(eq)) fprintf(stderr, "    allocation %ld: a changed value\n", n);
  }
  printf("%ld allocations, each failed in turn: %d memory errors, %d worked around without a changed value\n",
         total, errors, same);
  return check_done();
}
