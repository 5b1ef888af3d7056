/*
** test_threads.c -- contexts are independent: two threads may each use their
** own context at the same time (slope.h: "no global state").
**
** A job does a whole experiment on its own context: parse, differentiate and
** print, compile a tape over a data set and take a gradient, then a seeded
** run of Adam under a cosine schedule with mini-batches, gradient clipping and
** annealed parameter noise, keeping its trace.  Every job is first done
** single-threaded; then the same jobs run in threads at once, and each
** thread's output must equal its single-threaded one bit for bit.  Jobs with
** different seeds must differ (the seed really reaches batching and noise).
** Worker threads never call CHECK (its counters are shared); the main thread
** checks their outputs after joining.
*/
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "slope.h"

#define STEPS 4000
#define DATA_ROWS 1024
#define BATCH 64
#define TRACE_EVERY 50
#define NROWS ((size_t)STEPS / TRACE_EVERY + 1)
#define NTHREADS 4
#define ROUNDS 4

static const char *src = "mean((w*x + b - y)^2) + 0.1*sin(w)^2";
static const char *params[] = {"w", "b"};

/* What a job is given and what it produces (the output must be comparable
** with memcmp, so it is zeroed before a job runs). */
typedef struct job {
  uint64_t seed;
  /* output */
  int rc;                      /* SLOPE_OK, or the first error's code */
  char deriv[128];             /* printed d/dw */
  double f0, g0[2];            /* tape value and gradient at (0.5, 0.5) */
  double x[2], f;              /* the run's final point and f */
  long steps;
  int status;
  size_t rows;                 /* trace rows and their contents */
  long tstep[NROWS];
  double tf[NROWS], tlr[NROWS], tgn[NROWS], tx[NROWS][2];
} job;

static int job_trace(job *J, const slope_trace *t) {
  J->rows = slope_trace_rows(t);
  if (J->rows != NROWS) return SLOPE_ERRLIMIT;
  for (size_t k = 0; k < J->rows; k++) {
    int rc = slope_trace_row(t, k, &J->tstep[k], &J->tf[k], &J->tlr[k], &J->tgn[k], J->tx[k]);
    if (rc != SLOPE_OK) return rc;
  }
  return SLOPE_OK;
}

/* The gradient of f on the tape, at one point over every row. */
static int job_tape(job *J, slope_ctx *S, slope_expr f, const slope_data *d) {
  const char *cols[] = {"x", "y"};
  slope_tape *T = slope_compile(S, f, params, 2, cols, 2);
  if (!T) return slope_error_get(S).code;
  const double *data[] = {slope_data_find(d, "x"), slope_data_find(d, "y")};
  const double at[] = {0.5, 0.5};
  int rc = slope_tape_bind(T, data, slope_data_rows(d));
  if (rc == SLOPE_OK) rc = slope_tape_grad(T, at, NULL, 0, &J->f0, J->g0);
  slope_tape_free(T);
  return rc;
}

static int job_run(job *J, slope_ctx *S, slope_expr f, const slope_data *d) {
  const double x0[] = {0, 0}, lr = 0.05, tmax = STEPS, rate = 0.01;
  slope_problem *p = slope_problem_new(S, f, params, x0, 2, d);
  slope_optim *o = slope_optim_new(S, "adam", 2);
  slope_schedule *cosine = slope_schedule_new(S, "cosine");
  slope_schedule *inverse = slope_schedule_new(S, "inverse");
  slope_trace *t = NULL;
  int rc = slope_error_get(S).code;
  if (rc == SLOPE_OK) rc = slope_optim_set(o, "lr", &lr, 1);
  if (rc == SLOPE_OK) rc = slope_schedule_set(cosine, "T_max", &tmax, 1);
  if (rc == SLOPE_OK) rc = slope_schedule_set(inverse, "rate", &rate, 1);
  if (rc == SLOPE_OK) rc = slope_problem_batch(p, BATCH, 1, J->seed);
  if (rc == SLOPE_OK) {
    slope_run_opts opts;
    slope_run_defaults(&opts);
    opts.steps = STEPS;
    opts.schedule = cosine;
    opts.noise.kind = SLOPE_NOISE_GAUSSIAN;
    opts.noise.std = 0.01;
    opts.noise.schedule = inverse;
    opts.clip_norm = 5;
    opts.seed = J->seed;
    opts.trace_every = TRACE_EVERY;
    slope_result r;
    slope_result_init(&r);
    rc = slope_run(p, o, &opts, &r, &t);
    if (rc == SLOPE_OK) {
      memcpy(J->x, slope_problem_x(p), sizeof J->x);
      J->f = r.f;
      J->steps = r.steps;
      J->status = r.status;
      rc = job_trace(J, t);
    }
  }
  slope_trace_free(t);
  slope_schedule_free(inverse);
  slope_schedule_free(cosine);
  slope_optim_free(o);
  slope_problem_free(p);
  return rc;
}

/* The whole experiment on a fresh context. */
static void job_do(job *J) {
  uint64_t seed = J->seed;
  memset(J, 0, sizeof *J);
  J->seed = seed;
  slope_ctx *S = slope_new();
  if (!S) { J->rc = SLOPE_ERRMEM; return; }
  const double w = 3;
  slope_data *d = slope_data_regression(S, DATA_ROWS, &w, 1, 1.0, 0.1, seed);
  slope_expr f = slope_parse(S, src, strlen(src));
  slope_expr dw = slope_diff(S, f, "w");
  const char *text = dw ? slope_print(S, dw) : NULL;
  if (text) snprintf(J->deriv, sizeof J->deriv, "%s", text);
  int rc = d && text ? SLOPE_OK : slope_error_get(S).code;
  if (rc == SLOPE_OK) rc = job_tape(J, S, f, d);
  if (rc == SLOPE_OK) rc = job_run(J, S, f, d);
  J->rc = rc;
  slope_data_free(d);
  slope_free(S);
}

/* Threads wait until all are created, so their jobs really overlap. */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cond = PTHREAD_COND_INITIALIZER;
static int start_go;

static void *thread_main(void *arg) {
  pthread_mutex_lock(&start_lock);
  while (!start_go) pthread_cond_wait(&start_cond, &start_lock);
  pthread_mutex_unlock(&start_lock);
  job_do(arg);
  return NULL;
}

static void set_go(int go) {
  pthread_mutex_lock(&start_lock);
  start_go = go;
  pthread_cond_broadcast(&start_cond);
  pthread_mutex_unlock(&start_lock);
}

/* Run jobs[i] in thread i, all at once; then each must equal refs[i]. */
static void threaded(job *jobs, const job *refs, int n) {
  pthread_t tid[NTHREADS];
  int started = 0;
  set_go(0);
  while (started < n && pthread_create(&tid[started], NULL, thread_main, &jobs[started]) == 0) started++;
  set_go(1);
  for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
  CHECK_INT(started, n);
  for (int i = 0; i < started; i++) {
    CHECK_INT(jobs[i].rc, SLOPE_OK);
    CHECK(memcmp(&jobs[i], &refs[i], sizeof jobs[i]) == 0);
  }
}

/* The single-threaded reference is right in itself: the printed derivative
** reads back to the same expression, the tape gradient matches central
** differences of f computed here, and the run ends near the generator's
** w = 3, b = 1. */
static void check_reference(const job *J) {
  CHECK_INT(J->rc, SLOPE_OK);
  slope_ctx *S = slope_new();
  const double w = 3;
  slope_data *d = slope_data_regression(S, DATA_ROWS, &w, 1, 1.0, 0.1, J->seed);
  slope_expr f = slope_parse(S, src, strlen(src));
  const double *x = slope_data_find(d, "x"), *y = slope_data_find(d, "y");
  for (int i = 0; i < 2; i++) {   /* f by hand, at (0.5, 0.5) +- h */
    double h = 1e-6, fp = 0, fm = 0;
    for (size_t r = 0; r < DATA_ROWS; r++) {
      double wp = 0.5 + (i == 0 ? h : 0), bp = 0.5 + (i == 1 ? h : 0);
      double wm = 0.5 - (i == 0 ? h : 0), bm = 0.5 - (i == 1 ? h : 0);
      fp += (wp * x[r] + bp - y[r]) * (wp * x[r] + bp - y[r]) / DATA_ROWS;
      fm += (wm * x[r] + bm - y[r]) * (wm * x[r] + bm - y[r]) / DATA_ROWS;
    }
    double sw = sin(0.5 + (i == 0 ? h : 0)), sm = sin(0.5 - (i == 0 ? h : 0));
    fp += 0.1 * sw * sw;
    fm += 0.1 * sm * sm;
    CHECK_NEAR(J->g0[i], (fp - fm) / (2 * h), 1e-6);
  }
  /* the printed derivative parses back to the derivative (one DAG node) */
  slope_expr dw = slope_diff(S, f, "w");
  CHECK(dw != 0 && slope_parse(S, J->deriv, strlen(J->deriv)) == dw);
  CHECK_INT(J->status, SLOPE_MAX_STEPS);
  CHECK_INT(J->steps, STEPS);
  CHECK_INT((long long)J->rows, (long long)NROWS);
  CHECK_NEAR(J->x[0], 3, 0.05);
  CHECK_NEAR(J->x[1], 1, 0.05);
  slope_data_free(d);
  slope_free(S);
}

int main(void) {
  static job refs[NTHREADS], jobs[NTHREADS];
  /* two contexts doing the same work, then one seed per thread */
  const uint64_t same[2] = {11, 11}, seeds[NTHREADS] = {1, 2, 3, 4};

  for (int i = 0; i < NTHREADS; i++) {
    refs[i].seed = seeds[i];
    job_do(&refs[i]);
    check_reference(&refs[i]);
  }
  for (int i = 1; i < NTHREADS; i++) CHECK(memcmp(refs[i].x, refs[0].x, sizeof refs[0].x) != 0);

  job same_ref[2] = {{.seed = same[0]}, {.seed = same[1]}};
  job_do(&same_ref[0]);
  job_do(&same_ref[1]);
  check_reference(&same_ref[0]);
  CHECK(memcmp(&same_ref[0], &same_ref[1], sizeof same_ref[0]) == 0);

  for (int round = 0; round < ROUNDS; round++) {
    for (int i = 0; i < 2; i++) jobs[i].seed = same[i];
    threaded(jobs, same_ref, 2);
    for (int i = 0; i < NTHREADS; i++) jobs[i].seed = seeds[i];
    threaded(jobs, refs, NTHREADS);
  }
  return check_done();
}
