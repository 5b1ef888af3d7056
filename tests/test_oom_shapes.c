/*
** test_oom_shapes.c -- array parameters and vector columns with each of
** their allocations made to fail in turn.
**
** The experiment builds a data set with a vector column
** (slope_data_add_vector), writes it as CSV and reads it back (headers
** x[1], x[2], x[3]), makes a problem with a vector and a scalar parameter
** (slope_problem_new_shaped: element names, the grouped view, the shaped
** compile over grouped columns), evaluates it, runs Adam with a checkpoint
** and loads that checkpoint into a second problem.  A dry run counts the
** allocations; then for every n the n-th one fails, and the experiment must
** end either in an error whose code is SLOPE_ERRMEM with a message, or in
** success with every value bit-identical to the dry run's.  Leaks on the
** error paths are caught when tests/sanitize.sh or valgrind runs this.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fail_alloc.h"
#include "slope.h"

enum { MAXV = 64, ROWS = 8, K = 3 };

typedef struct outcome { int code; char message[300]; double v[MAXV]; int nv; } outcome;

static char dir[64], csv_path[96], ck_path[96];

static void keep(outcome *o, double v) { if (o->nv < MAXV) o->v[o->nv++] = v; }

/* The error that ended the experiment, into 'o'. */
static void record_error(outcome *o, slope_ctx *S) {
  slope_error e = slope_error_get(S);
  o->code = e.code;
  snprintf(o->message, sizeof o->message, "%s", e.message ? e.message : "");
}

#define TRY(cond) do { if (!(cond)) { record_error(o, S); goto done; } } while (0)

static void experiment(outcome *o) {
  memset(o, 0, sizeof *o);
  slope_ctx *S = slope_new();
  if (!S) { o->code = SLOPE_ERRMEM; snprintf(o->message, sizeof o->message, "slope_new: out of memory"); return; }
  slope_data *d = NULL, *back = NULL;
  slope_problem *p = NULL, *q = NULL;
  slope_optim *adam = NULL, *adam2 = NULL;
  double x[ROWS * K], y[ROWS];
  for (int i = 0; i < ROWS; i++) {
    for (int j = 0; j < K; j++) x[i * K + j] = sin(1.1 * i + 0.6 * j);
    y[i] = cos(0.8 * i);
  }
  TRY((d = slope_data_new(S)));
  TRY(slope_data_add_vector(d, "x", x, ROWS, K) == SLOPE_OK);
  TRY(slope_data_add(d, "y", y, ROWS) == SLOPE_OK);
  TRY(slope_data_write_csv(d, csv_path) == SLOPE_OK);
  TRY((back = slope_data_csv(S, csv_path)));
  slope_shape sh;
  keep(o, slope_data_shape(back, "x", &sh));
  keep(o, sh.dim[0]);

  const char *src = "mean((dot(w, x) + b - y)^2)";
  slope_expr f = slope_parse(S, src, strlen(src));
  TRY(f);
  const char *names[] = {"w", "b"};
  slope_shape shapes[] = {{1, {K, 1}}, {0, {1, 1}}};
  double x0[K + 1] = {0.5, -0.25, 1, 0.1}, fv, g[K + 1];
  TRY((p = slope_problem_new_shaped(S, f, names, shapes, x0, 2, back)));
  keep(o, slope_problem_nvars(p));
  TRY(slope_problem_eval(p, x0, &fv, g) == SLOPE_OK);
  keep(o, fv);
  for (int i = 0; i <= K; i++) keep(o, g[i]);

  TRY((adam = slope_optim_new(S, "adam", K + 1)));
  slope_run_opts opts;
  slope_result r;
  slope_run_defaults(&opts);
  slope_result_init(&r);
  opts.checkpoint_path = ck_path;   /* 10 steps, a checkpoint at the last */
  opts.checkpoint_every = opts.steps = 10;
  opts.trace_every = 0;
  TRY(slope_run(p, adam, &opts, &r, NULL) == SLOPE_OK);
  for (int i = 0; i <= K; i++) keep(o, slope_problem_x(p)[i]);
  TRY((q = slope_problem_new_shaped(S, f, names, shapes, NULL, 2, back)));
  TRY((adam2 = slope_optim_new(S, "adam", K + 1)));
  TRY(slope_checkpoint_load(S, ck_path, q, adam2) == SLOPE_OK);
  for (int i = 0; i <= K; i++) keep(o, slope_problem_x(q)[i]);
done:
  slope_optim_free(adam2);
  slope_optim_free(adam);
  slope_problem_free(q);
  slope_problem_free(p);
  slope_data_free(back);
  slope_data_free(d);
  slope_free(S);
}

/* The experiment with allocation n failing, into 'o': 1 when it ended in a
** memory error that says so, 2 when it worked with the dry run's values, 0
** otherwise. */
static int verdict(const outcome *dry, long n, outcome *o) {
  allocs = 0;
  fail_at = n;
  experiment(o);
  fail_at = 0;
  if (o->code == SLOPE_ERRMEM) return strstr(o->message, "memory") != NULL;
  if (o->code != SLOPE_OK) return 0;
  return o->nv == dry->nv && memcmp(o->v, dry->v, (size_t)o->nv * sizeof o->v[0]) == 0 ? 2 : 0;
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/slope_oom_shapes.XXXXXX");
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  snprintf(csv_path, sizeof csv_path, "%s/d.csv", dir);
  snprintf(ck_path, sizeof ck_path, "%s/run.ck", dir);

  outcome dry, o;
  allocs = 0;
  fail_at = 0;
  experiment(&dry);
  long total = allocs;
  if (!CHECK(dry.code == SLOPE_OK)) {
    fprintf(stderr, "    the dry run failed: %s\n", dry.message);
    return check_done();
  }
  CHECK(total > 30);   /* the experiment does allocate: the wrap is in place */
  CHECK(dry.nv == 4 + 4 + 4 + 4 && dry.v[0] == 0 && dry.v[1] == K && dry.v[2] == 2);

  long count[3] = {0, 0, 0}, wrong = 0;   /* by verdict: wrong, a memory error, the same values */
  for (long n = 1; n <= total; n++) {
    int v = verdict(&dry, n, &o);
    count[v]++;
    if (!v && wrong++ < 10)
      fprintf(stderr, "allocation %ld of %ld failing: code %d, %d values, \"%s\"\n", n, total, o.code, o.nv,
              o.message);
    check_report(v != 0, __FILE__, __LINE__, "a failed allocation ends in a memory error or changes nothing");
  }
  printf("%ld allocations, each failed in turn: %ld memory errors, %ld worked around without a changed value\n",
         total, count[1], count[2]);
  remove(csv_path);
  remove(ck_path);
  rmdir(dir);
  return check_done();
}
