/*
** test_oom.c -- a whole experiment with each of its allocations made to
** fail in turn.
**
** The experiment goes through the C API the way a host program does: parse,
** differentiate, print, generate and load data, compile, batch, run Adam
** with a schedule, a trace and checkpoints, load the checkpoint, run L-BFGS
** and Newton, write the trace.  A dry run counts its allocations (malloc,
** calloc and realloc of slope's own code, through the linker's --wrap);
** then for every n the n-th one returns NULL.  Each time the experiment must
** end in one of two ways:
**   - an error whose code is SLOPE_ERRMEM and whose message says so, or a
**     run stopped for want of trace memory, with everything freed;
**   - success with every result bit-identical to the dry run's (a failure
**     the code could work around must not change a single value).
** Leaks on the error paths are caught when tests/sanitize.sh runs this
** under LeakSanitizer; valgrind runs it too.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fail_alloc.h"
#include "slope.h"

/* ---- the experiment ---------------------------------------------------------------- */

enum { MAXV = 64 };
typedef struct outcome {
  int code;             /* SLOPE_OK or the first error's code */
  char message[600];    /* the error's message, or the stopped run's */
  int stopped;          /* a run ended as stopped */
  double v[MAXV];       /* every number the experiment produced */
  int nv;
  uint64_t text;        /* a hash of every text it produced */
} outcome;

static char dir[64], csv_path[96], ck_path[96], trace_path[96];

static void keep(outcome *o, double v) { if (o->nv < MAXV) o->v[o->nv++] = v; }

static void keep_text(outcome *o, const char *s) {
  for (; s && *s; s++) o->text = (o->text ^ (unsigned char)*s) * 1099511628211u;
}

/* A run's result: its numbers, and whether it stopped for want of memory. */
static void keep_result(outcome *o, const slope_result *r, const double *x, int n) {
  keep(o, r->f);
  keep(o, (double)r->steps);
  keep(o, (double)r->status);
  for (int i = 0; i < n; i++) keep(o, x[i]);
  if (r->status == SLOPE_STOPPED) {
    o->stopped = 1;
    snprintf(o->message, sizeof o->message, "%s", r->message);
  }
}

#define TRY(cond) do { if (!(cond)) goto failed; } while (0)

static void experiment(outcome *o) {
  memset(o, 0, sizeof *o);
  o->text = 14695981039346656037u;
  slope_ctx *S = slope_new();
  if (!S) { o->code = SLOPE_ERRMEM; snprintf(o->message, sizeof o->message, "slope_new: out of memory"); return; }
  slope_data *gen = NULL, *train = NULL, *test = NULL, *file = NULL;
  slope_problem *p = NULL, *q = NULL, *h = NULL;
  slope_optim *adam = NULL, *back = NULL, *lbfgs = NULL, *newton = NULL;
  slope_schedule *cos = NULL;
  slope_trace *tr = NULL;

  /* symbols */
  const char *src = "mean((w*x + b - y)^2) + 0.01*log(1 + w^2)";
  slope_expr f = slope_parse(S, src, strlen(src));
  TRY(f);
  slope_expr dw = slope_diff(S, f, "w");
  TRY(dw);
  const char *t = slope_print(S, dw);
  TRY(t);
  keep_text(o, t);
  const char *gsrc = "r2 = x^2 + y^2; exp(-r2)*sin(3*x) + atan2(y, x)";
  slope_expr g = slope_parse(S, gsrc, strlen(gsrc));
  TRY(g);
  TRY((t = slope_latex(S, g)));
  keep_text(o, t);
  const char *xy[] = {"x", "y"};
  TRY((t = slope_ccode(S, g, "g", xy, 2)));
  keep_text(o, t);
  double gv;
  TRY(slope_eval(S, slope_diff(S, g, "y"), xy, (double[]){0.3, -0.7}, 2, &gv) == SLOPE_OK);
  keep(o, gv);

  /* data: generated, split, and from a file */
  TRY((gen = slope_data_regression(S, 200, (double[]){3}, 1, 1, 0.1, 7)));
  TRY(slope_data_split(gen, 0.8, 11, &train, &test) == SLOPE_OK);
  keep(o, slope_data_column(test, 0)[5]);
  TRY((file = slope_data_csv(S, csv_path)));
  keep(o, slope_data_find(file, "y")[2]);

  /* Adam on mini-batches with a cosine schedule, a trace and checkpoints */
  const char *wb[] = {"w", "b"};
  TRY((p = slope_problem_new(S, f, wb, (double[]){0, 0}, 2, train)));
  TRY(slope_problem_batch(p, 16, 1, 3) == SLOPE_OK);
  TRY((adam = slope_optim_new(S, "adam", 2)));
  TRY(slope_optim_set(adam, "lr", (double[]){0.1}, 1) == SLOPE_OK);
  TRY((cos = slope_schedule_new(S, "cosine")));
  TRY(slope_schedule_set(cos, "T_max", (double[]){50}, 1) == SLOPE_OK);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 60;
  opts.trace_every = 1;
  opts.schedule = cos;
  opts.checkpoint_path = ck_path;
  opts.checkpoint_every = 20;
  slope_result r;
  slope_result_init(&r);
  TRY(slope_run(p, adam, &opts, &r, &tr) == SLOPE_OK);
  keep_result(o, &r, slope_problem_x(p), 2);
  if (tr) {
    keep(o, (double)slope_trace_rows(tr));
    TRY(slope_trace_csv(tr, trace_path, wb) == SLOPE_OK);
  }

  /* the checkpoint: a new optimizer and problem continue from step 60 */
  TRY((q = slope_problem_new(S, f, wb, (double[]){0, 0}, 2, train)));
  TRY(slope_problem_batch(q, 16, 1, 3) == SLOPE_OK);
  TRY((back = slope_checkpoint_optim(S, ck_path, q)));
  double fq;
  TRY(slope_problem_step(q, back, &fq) == SLOPE_OK);
  keep(o, fq);
  keep(o, slope_problem_x(q)[0]);

  /* L-BFGS with the strong-Wolfe line search and damped Newton, no data */
  const char *rsrc = "(1 - x)^2 + 100*(y - x^2)^2";
  slope_expr rosen = slope_parse(S, rsrc, strlen(rsrc));
  TRY(rosen);
  TRY((h = slope_problem_new(S, rosen, xy, (double[]){-1.2, 1}, 2, NULL)));
  TRY((lbfgs = slope_optim_new(S, "lbfgs", 2)));
  TRY(slope_optim_set_string(lbfgs, "line_search", "strong_wolfe") == SLOPE_OK);
  slope_run_defaults(&opts);
  opts.steps = 3;
  TRY(slope_run(h, lbfgs, &opts, &r, NULL) == SLOPE_OK);
  keep_result(o, &r, slope_problem_x(h), 2);
  TRY((newton = slope_optim_new(S, "newton", 2)));
  TRY(slope_run(h, newton, &opts, &r, NULL) == SLOPE_OK);
  keep_result(o, &r, slope_problem_x(h), 2);
  goto done;

failed:
  o->code = slope_error_get(S).code;
  snprintf(o->message, sizeof o->message, "%s", slope_error_get(S).message ? slope_error_get(S).message : "");
done:
  slope_trace_free(tr);
  slope_optim_free(newton);
  slope_optim_free(lbfgs);
  slope_optim_free(back);
  slope_optim_free(adam);
  slope_schedule_free(cos);
  slope_problem_free(h);
  slope_problem_free(q);
  slope_problem_free(p);
  slope_data_free(file);
  slope_data_free(test);
  slope_data_free(train);
  slope_data_free(gen);
  slope_free(S);
}

/* ---- the test ------------------------------------------------------------------------ */

static void write_csv(void) {
  FILE *fp = fopen(csv_path, "w");
  if (!fp) return;
  fputs("x,y\n", fp);
  for (int i = 0; i < 50; i++) fprintf(fp, "%d,%g\n", i, 2.0 * i + 1);
  fclose(fp);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/slope_oom.XXXXXX");
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  snprintf(csv_path, sizeof csv_path, "%s/d.csv", dir);
  snprintf(ck_path, sizeof ck_path, "%s/run.ck", dir);
  snprintf(trace_path, sizeof trace_path, "%s/trace.csv", dir);
  write_csv();

  outcome dry, o;
  allocs = 0;
  fail_at = 0;
  experiment(&dry);
  long total = allocs;
  if (!CHECK(dry.code == SLOPE_OK && !dry.stopped)) {
    fprintf(stderr, "    the dry run failed: %s\n", dry.message);
    return check_done();
  }
  CHECK(total > 100);   /* the experiment does allocate: the wrap is in place */
  CHECK(dry.nv > 20);

  long ok_same = 0, errmem = 0, stopped = 0, wrong = 0;
  for (long n = 1; n <= total; n++) {
    allocs = 0;
    fail_at = n;
    experiment(&o);
    fail_at = 0;
    int good;
    if (o.code == SLOPE_ERRMEM) {
      good = strstr(o.message, "memory") != NULL;
      errmem += good;
    } else if (o.code == SLOPE_OK && o.stopped) {
      good = strstr(o.message, "no memory left for the trace") != NULL;
      stopped += good;
    } else if (o.code == SLOPE_OK) {
      good = o.nv == dry.nv && memcmp(o.v, dry.v, (size_t)o.nv * sizeof o.v[0]) == 0 && o.text == dry.text;
      ok_same += good;
    } else {
      good = 0;
    }
    if (!good && wrong++ < 10)
      fprintf(stderr, "allocation %ld of %ld failing: code %d, %d values, \"%s\"\n", n, total, o.code, o.nv,
              o.message);
    check_report(good, __FILE__, __LINE__, "a failed allocation ends in a memory error or changes nothing");
  }
  printf("%ld allocations, each failed in turn: %ld memory errors, %ld runs stopped for the trace, "
         "%ld worked around without a changed value\n", total, errmem, stopped, ok_same);

  /* and once more without failures: the same results as before */
  allocs = 0;
  experiment(&o);
  CHECK_INT(o.code, SLOPE_OK);
  CHECK(o.nv == dry.nv && memcmp(o.v, dry.v, (size_t)o.nv * sizeof o.v[0]) == 0 && o.text == dry.text);

  remove(csv_path);
  remove(ck_path);
  remove(trace_path);
  rmdir(dir);
  return check_done();
}
