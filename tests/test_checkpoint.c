/*
** test_checkpoint.c -- checkpoints and resumed runs through the C API.
**
** The reference for a resumed run is the same run left uninterrupted: for
** each case (optimizer, schedule, noise, batching) a run of N steps is
** recorded; a second run writes a checkpoint every k steps and stops after
** M < N (by its step limit or by on_step); a third run resumes from the last
** checkpoint (step K = the last multiple of k <= M) and goes on to N.  The
** resumed run's final point, result and every trace row from step K on must
** equal the uninterrupted run's bit for bit (memcmp), even though it starts
** with an optimizer of default hyperparameters.  A run that restores
** only the point, not the optimizer's state, must differ, so the comparison
** has teeth.  Then broken files: missing, foreign, every truncation, every
** single-byte flip, random edits with a valid checksum, and checkpoints of
** another problem, optimizer or schedule must fail with a clear message and
** leave the problem and optimizer untouched.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "slope.h"

static slope_ctx *S;
static char dir[64];

/* ---- helpers -------------------------------------------------------------------- */

static const char *path_in(char *out, size_t size, const char *name) {
  snprintf(out, size, "%s/%s", dir, name);
  return out;
}

static slope_data *regression_data(void) {
  double w[2] = {2, -1};
  slope_data *d = slope_data_regression(S, 50, w, 2, 0.5, 0.3, 3);
  CHECK(d != NULL);
  return d;
}

static slope_problem *rosenbrock(void) {
  static const char *const names[] = {"x", "y"};
  const char *src = "(1 - x)^2 + 100*(y - x^2)^2";
  double x0[2] = {-1.2, 1};
  slope_problem *p = slope_problem_new(S, slope_parse(S, src, strlen(src)), names, x0, 2, NULL);
  CHECK(p != NULL);
  return p;
}

/* Rosenbrock again, through host callbacks: the host's f and gradient, slope's
** loop, names x1, x2 (none given).  slope saves its own state only; this
** host has none. */
static int rosenbrock_fg(void *ud, const double *x, double *f, double *g) {
  (void)ud;
  double a = 1 - x[0], b = x[1] - x[0] * x[0];
  *f = a * a + 100 * b * b;
  if (g) {
    g[0] = -2 * a - 400 * x[0] * b;
    g[1] = 200 * b;
  }
  return SLOPE_OK;
}

static slope_problem *rosenbrock_host(void) {
  double x0[2] = {-1.2, 1};
  slope_objective obj = {rosenbrock_fg, NULL, NULL};
  slope_problem *p = slope_problem_callback(S, 2, NULL, x0, obj);
  CHECK(p != NULL);
  return p;
}

static slope_problem *regression(const slope_data *d, size_t batch, int shuffle) {
  static const char *const names[] = {"w1", "w2", "b"};
  const char *src = "mean((w1*x1 + w2*x2 + b - y)^2)";
  double x0[3] = {0, 0, 0};
  slope_problem *p = slope_problem_new(S, slope_parse(S, src, strlen(src)), names, x0, 3, d);
  CHECK(p != NULL);
  if (p) CHECK_INT(slope_problem_batch(p, batch, shuffle, 11), SLOPE_OK);
  return p;
}

typedef struct hyp {
  const char *name;
  double v[2];
  int n;
} hyp;

typedef struct ccase {
  const char *name;
  const char *kind;
  hyp h[4];
  const char *line_search;
  const char *sched;        /* NULL, "cosine", "plateau", "onecycle" */
  slope_noise_kind noise;
  int data;                 /* 0: Rosenbrock; 1: regression; 2: Rosenbrock by host callbacks */
  size_t batch;
  int shuffle;
  long steps, epochs;       /* the run's total (one of them) */
  long stop_at;             /* the interrupted run stops after this step */
  int by_callback;          /* ... through on_step (else its step limit) */
  long every;               /* checkpoint every k steps */
  double clip_norm;
} ccase;

static const ccase cases[] = {
  {"adam cosine", "adam", {{"lr", {0.02}, 1}}, NULL, "cosine", SLOPE_NOISE_NONE, 0, 0, 0,
   300, 0, 170, 0, 50, 0},
  {"sgd nesterov + gaussian noise", "sgd", {{"lr", {5e-4}, 1}, {"momentum", {0.9}, 1}, {"nesterov", {1}, 1}},
   NULL, NULL, SLOPE_NOISE_GAUSSIAN, 0, 0, 0, 200, 0, 123, 1, 40, 0},
  {"sgd momentum, batches, langevin", "sgd", {{"lr", {0.01}, 1}, {"momentum", {0.5}, 1}, {"dampening", {0.1}, 1}},
   NULL, NULL, SLOPE_NOISE_LANGEVIN, 1, 8, 1, 150, 0, 100, 0, 25, 0},
  {"lbfgs, ring of 5 pairs", "lbfgs", {{"history_size", {5}, 1}, {"max_iter", {4}, 1}}, NULL, NULL,
   SLOPE_NOISE_NONE, 0, 0, 0, 24, 0, 15, 0, 4, 0},
  {"lbfgs strong_wolfe", "lbfgs", {{"history_size", {3}, 1}, {"max_iter", {3}, 1}}, "strong_wolfe", NULL,
   SLOPE_NOISE_NONE, 0, 0, 0, 12, 0, 9, 1, 3, 0},
  {"rmsprop centered, shuffled batches", "rmsprop", {{"lr", {0.01}, 1}, {"centered", {1}, 1}, {"momentum", {0.5}, 1}},
   NULL, "cosine", SLOPE_NOISE_NONE, 1, 8, 1, 140, 0, 90, 0, 20, 0},
  {"asgd, plateau, epochs", "asgd", {{"lr", {0.05}, 1}}, NULL, "plateau", SLOPE_NOISE_NONE, 1, 8, 1,
   0, 30, 100, 1, 15, 0},
  {"adam plateau full batch, gradient noise, clip", "adam", {{"lr", {0.05}, 1}, {"amsgrad", {1}, 1}}, NULL,
   "plateau", SLOPE_NOISE_GRADIENT, 0, 0, 0, 200, 0, 150, 0, 30, 5},
  {"adam onecycle (drives beta1)", "adam", {{"lr", {0.01}, 1}}, NULL, "onecycle", SLOPE_NOISE_NONE, 0, 0, 0,
   200, 0, 101, 0, 25, 0},
  {"anneal", "anneal", {{"step_size", {0.1}, 1}, {"T0", {2}, 1}, {"cooling", {0.99}, 1}}, NULL, NULL,
   SLOPE_NOISE_NONE, 0, 0, 0, 400, 0, 333, 0, 100, 0},
  {"newton damped", "newton", {{"lr", {0.5}, 1}}, NULL, NULL, SLOPE_NOISE_NONE, 0, 0, 0, 20, 0, 13, 0, 5, 0},
  {"adamw, batches", "adamw", {{"lr", {0.05}, 1}}, NULL, NULL, SLOPE_NOISE_NONE, 1, 16, 1, 60, 0, 37, 1, 9, 0},
  {"host callbacks: adam cosine, gradient noise", "adam", {{"lr", {0.02}, 1}}, NULL, "cosine",
   SLOPE_NOISE_GRADIENT, 2, 0, 0, 300, 0, 170, 1, 40, 0},
  {"host callbacks: sgd momentum, plateau, stopped by steps", "sgd", {{"lr", {5e-4}, 1}, {"momentum", {0.9}, 1}},
   NULL, "plateau", SLOPE_NOISE_GRADIENT, 2, 0, 0, 200, 0, 130, 0, 30, 0},
  {"nelder_mead, stops by its xatol and fatol", "nelder_mead", {{"xatol", {1e-3}, 1}, {"fatol", {1e-3}, 1}},
   NULL, NULL, SLOPE_NOISE_NONE, 0, 0, 0, 200, 0, 41, 0, 8, 0},
};

static slope_schedule *make_schedule(const ccase *c, long total) {
  if (!c->sched) return NULL;
  slope_schedule *s = slope_schedule_new(S, c->sched);
  double v;
  if (strcmp(c->sched, "cosine") == 0) {
    v = (double)total;
    CHECK_INT(slope_schedule_set(s, "T_max", &v, 1), SLOPE_OK);
  } else if (strcmp(c->sched, "plateau") == 0) {
    v = 0.5;
    CHECK_INT(slope_schedule_set(s, "factor", &v, 1), SLOPE_OK);
    v = 1;
    CHECK_INT(slope_schedule_set(s, "patience", &v, 1), SLOPE_OK);
    v = 0.05;
    CHECK_INT(slope_schedule_set(s, "threshold", &v, 1), SLOPE_OK);
  } else if (strcmp(c->sched, "onecycle") == 0) {
    v = 0.05;
    CHECK_INT(slope_schedule_set(s, "max_lr", &v, 1), SLOPE_OK);
    v = (double)total;
    CHECK_INT(slope_schedule_set(s, "total_steps", &v, 1), SLOPE_OK);
  }
  return s;
}

static slope_optim *make_optim(const ccase *c, int n) {
  slope_optim *o = slope_optim_new(S, c->kind, n);
  CHECK(o != NULL);
  for (int i = 0; i < 4 && c->h[i].name; i++)
    CHECK_INT(slope_optim_set(o, c->h[i].name, c->h[i].v, c->h[i].n), SLOPE_OK);
  if (c->line_search) CHECK_INT(slope_optim_set_string(o, "line_search", c->line_search), SLOPE_OK);
  return o;
}

/* Everything one run of a case owns. */
typedef struct setup {
  slope_problem *p;
  slope_optim *o;
  slope_schedule *sched, *noise_sched;
  slope_run_opts opts;
} setup;

static long stop_step;

static int stop_at(void *ud, const slope_step_info *s) {
  (void)ud;
  return s->step >= stop_step;
}

static setup make_setup(const ccase *c, const slope_data *d) {
  setup u;
  u.p = c->data == 1 ? regression(d, c->batch, c->shuffle) : c->data == 2 ? rosenbrock_host() : rosenbrock();
  u.o = make_optim(c, slope_problem_nparams(u.p));
  long total = c->steps ? c->steps : c->epochs * (long)((50 + c->batch - 1) / c->batch);
  u.sched = make_schedule(c, total);
  u.noise_sched = NULL;
  slope_run_defaults(&u.opts);
  u.opts.steps = c->steps;
  u.opts.epochs = c->epochs;
  u.opts.schedule = u.sched;
  u.opts.seed = 5;
  u.opts.clip_norm = c->clip_norm;
  u.opts.noise.kind = c->noise;
  if (c->noise == SLOPE_NOISE_GAUSSIAN) {
    u.noise_sched = slope_schedule_new(S, "inverse");
    double rate = 0.01;
    CHECK_INT(slope_schedule_set(u.noise_sched, "rate", &rate, 1), SLOPE_OK);
    u.opts.noise.std = 0.01;
    u.opts.noise.schedule = u.noise_sched;
  } else if (c->noise == SLOPE_NOISE_LANGEVIN) u.opts.noise.temperature = 1e-3;
  else if (c->noise == SLOPE_NOISE_GRADIENT) u.opts.noise.eta = 0.1, u.opts.noise.gamma = 0.55;
  return u;
}

static void free_setup(setup *u) {
  slope_problem_free(u->p);
  slope_optim_free(u->o);
  slope_schedule_free(u->sched);
  slope_schedule_free(u->noise_sched);
}

/* Trace row 'k' as raw doubles: step, f, lr, grad_norm, x. */
static void raw_row(const slope_trace *t, size_t k, double *out) {
  long step = -1;
  CHECK_INT(slope_trace_row(t, k, &step, out + 1, out + 2, out + 3, out + 4), SLOPE_OK);
  out[0] = (double)step;
}

/* ---- resumed runs equal uninterrupted ones ------------------------------------------------ */

static void test_case(const ccase *c, const slope_data *d) {
  char ck[128], tmp[140];
  path_in(ck, sizeof ck, "run.ck");
  unlink(ck);
  /* the reference: uninterrupted */
  setup a = make_setup(c, d);
  slope_result ra;
  slope_result_init(&ra);
  slope_trace *ta = NULL;
  CHECK_INT(slope_run(a.p, a.o, &a.opts, &ra, &ta), SLOPE_OK);
  long total = ra.steps;
  CHECK(total > c->stop_at);
  if (c->sched && strcmp(c->sched, "plateau") == 0)   /* the plateau state matters */
    CHECK(slope_schedule_lr(a.sched, 0, 1.0) < 1.0);

  /* interrupted after stop_at steps, checkpointing every k */
  setup b = make_setup(c, d);
  b.opts.checkpoint_path = ck;
  b.opts.checkpoint_every = c->every;
  if (c->by_callback) {
    stop_step = c->stop_at;
    b.opts.on_step = stop_at;
  } else b.opts.steps = c->stop_at;
  slope_result rb;
  slope_result_init(&rb);
  CHECK_INT(slope_run(b.p, b.o, &b.opts, &rb, NULL), SLOPE_OK);
  CHECK_INT(rb.steps, c->stop_at);
  snprintf(tmp, sizeof tmp, "%s.tmp", ck);
  CHECK(access(ck, F_OK) == 0);
  CHECK(access(tmp, F_OK) != 0);   /* renamed, not left behind */

  /* resumed: from the last checkpoint to the same total, with an optimizer
  ** of default hyperparameters (the checkpoint's replace them) */
  setup r = make_setup(c, d);
  slope_optim_free(r.o);
  r.o = slope_optim_new(S, c->kind, slope_problem_nparams(r.p));
  r.opts.resume_path = ck;
  slope_result rr;
  slope_result_init(&rr);
  slope_trace *tr = NULL;
  int rc = slope_run(r.p, r.o, &r.opts, &rr, &tr);
  if (rc != SLOPE_OK) fprintf(stderr, "%s: %s\n", c->name, slope_error_get(S).message);
  CHECK_INT(rc, SLOPE_OK);
  long K = c->stop_at / c->every * c->every;
  int n = slope_problem_nparams(a.p);
  int same_x = memcmp(slope_problem_x(a.p), slope_problem_x(r.p), (size_t)n * sizeof(double)) == 0;
  if (!check_report(same_x, __FILE__, __LINE__, c->name))
    fprintf(stderr, "    final x differs: %.17g vs %.17g\n", slope_problem_x(a.p)[0], slope_problem_x(r.p)[0]);
  CHECK_INT(rr.steps, ra.steps);
  CHECK_INT(rr.epochs, ra.epochs);
  CHECK_INT(rr.status, ra.status);
  CHECK(memcmp(&rr.f, &ra.f, sizeof ra.f) == 0);
  CHECK(memcmp(&rr.grad_norm, &ra.grad_norm, sizeof ra.f) == 0);
  /* every row of the resumed trace, from the checkpoint's step on */
  CHECK_INT((long)slope_trace_rows(tr), total - K + 1);
  size_t rows = slope_trace_rows(tr), bad = 0;
  double u[8], v[8];
  for (size_t k = 0; k < rows; k++) {
    raw_row(tr, k, v);
    raw_row(ta, (size_t)K + k, u);
    if (memcmp(u, v, (size_t)(4 + n) * sizeof u[0]) != 0 && bad++ == 0)
      fprintf(stderr, "%s: trace row of step %g differs\n", c->name, u[0]);
  }
  if (!check_report(bad == 0 && rows > 1, __FILE__, __LINE__, c->name))
    fprintf(stderr, "    %zu of %zu rows differ\n", bad, rows);
  slope_trace_free(ta);
  slope_trace_free(tr);
  free_setup(&a);
  free_setup(&b);
  free_setup(&r);
}

/* A host-callback run stopped by its interrupt flag (what a SIGINT handler
** sets; here on_step sets it after step 170) resumes from its last
** checkpoint to the uninterrupted run's final point, bit for bit. */
static volatile int interrupted;

static int interrupt_at(void *ud, const slope_step_info *s) {
  (void)ud;
  if (s->step >= stop_step) interrupted = 1;
  return 0;
}

static void test_host_interrupt(const slope_data *d) {
  const ccase *c = &cases[12];
  char ck[128];
  path_in(ck, sizeof ck, "interrupt.ck");
  setup a = make_setup(c, d), b = make_setup(c, d), r = make_setup(c, d);
  slope_result ra, rb, rr;
  slope_result_init(&ra);
  slope_result_init(&rb);
  slope_result_init(&rr);
  CHECK_INT(slope_run(a.p, a.o, &a.opts, &ra, NULL), SLOPE_OK);
  interrupted = 0;
  stop_step = 170;
  b.opts.interrupt = &interrupted;
  b.opts.on_step = interrupt_at;
  b.opts.checkpoint_path = ck;
  b.opts.checkpoint_every = 40;
  CHECK_INT(slope_run(b.p, b.o, &b.opts, &rb, NULL), SLOPE_OK);
  CHECK_INT(rb.status, SLOPE_STOPPED);
  CHECK_STR(rb.message, "interrupted at step 170");
  r.opts.resume_path = ck;
  CHECK_INT(slope_run(r.p, r.o, &r.opts, &rr, NULL), SLOPE_OK);
  CHECK_INT(rr.steps, ra.steps);
  CHECK(memcmp(slope_problem_x(a.p), slope_problem_x(r.p), 2 * sizeof(double)) == 0);
  CHECK(memcmp(&rr.f, &ra.f, sizeof ra.f) == 0);
  free_setup(&a);
  free_setup(&b);
  free_setup(&r);
}

/* Case 'c' run for 'steps' steps (without its schedule when 'plain'),
** writing a checkpoint to 'ck' every 'every' steps. */
static setup run_checkpointed(const ccase *c, const slope_data *d, const char *ck, long steps, long every,
                              int plain) {
  setup b = make_setup(c, d);
  if (plain) b.opts.schedule = NULL;
  b.opts.steps = steps;
  b.opts.checkpoint_path = ck;
  b.opts.checkpoint_every = every;
  slope_result rb;
  slope_result_init(&rb);
  CHECK_INT(slope_run(b.p, b.o, &b.opts, &rb, NULL), SLOPE_OK);
  return b;
}

/* Restoring the point alone (a fresh optimizer) gives another trajectory:
** the state the checkpoint carries is what makes the runs equal. */
static void test_state_matters(const ccase *c, const slope_data *d) {
  char ck[128];
  path_in(ck, sizeof ck, "run.ck");
  setup a = make_setup(c, d);
  slope_result ra;
  slope_result_init(&ra);
  CHECK_INT(slope_run(a.p, a.o, &a.opts, &ra, NULL), SLOPE_OK);
  long K = c->stop_at / c->every * c->every;
  setup b = run_checkpointed(c, d, ck, K, c->every, 0);
  setup r = make_setup(c, d);
  CHECK_INT(slope_checkpoint_load(S, ck, r.p, NULL), SLOPE_OK);   /* the point only */
  CHECK(memcmp(slope_problem_x(b.p), slope_problem_x(r.p), 2 * sizeof(double)) == 0);
  r.opts.steps = c->steps - K;
  slope_result rr;
  slope_result_init(&rr);
  CHECK_INT(slope_run(r.p, r.o, &r.opts, &rr, NULL), SLOPE_OK);
  CHECK(memcmp(slope_problem_x(a.p), slope_problem_x(r.p), 2 * sizeof(double)) != 0);
  free_setup(&a);
  free_setup(&b);
  free_setup(&r);
}

/* A checkpoint of the final step resumes to no step at all; and resuming
** with a larger total extends the run exactly like a longer run. */
static void test_extend(const slope_data *d) {
  const ccase *c = &cases[5];   /* rmsprop, batches */
  char ck[128];
  path_in(ck, sizeof ck, "run.ck");
  setup a = make_setup(c, d);
  a.opts.schedule = NULL;
  a.opts.steps = 120;
  slope_result ra;
  slope_result_init(&ra);
  CHECK_INT(slope_run(a.p, a.o, &a.opts, &ra, NULL), SLOPE_OK);
  setup b = run_checkpointed(c, d, ck, 80, 80, 1);
  /* resuming at the end: nothing to do, the point is the checkpoint's */
  setup e = make_setup(c, d);
  e.opts.schedule = NULL;
  e.opts.steps = 80;
  e.opts.resume_path = ck;
  slope_result re;
  slope_result_init(&re);
  CHECK_INT(slope_run(e.p, e.o, &e.opts, &re, NULL), SLOPE_OK);
  CHECK_INT(re.steps, 80);
  CHECK(memcmp(slope_problem_x(e.p), slope_problem_x(b.p), 3 * sizeof(double)) == 0);
  /* extending to 120, writing on into the same file */
  setup r = make_setup(c, d);
  r.opts.schedule = NULL;
  r.opts.steps = 120;
  r.opts.resume_path = ck;
  r.opts.checkpoint_path = ck;
  r.opts.checkpoint_every = 7;
  slope_result rr;
  slope_result_init(&rr);
  CHECK_INT(slope_run(r.p, r.o, &r.opts, &rr, NULL), SLOPE_OK);
  CHECK_INT(rr.steps, 120);
  CHECK(memcmp(slope_problem_x(a.p), slope_problem_x(r.p), 3 * sizeof(double)) == 0);
  free_setup(&a);
  free_setup(&b);
  free_setup(&e);
  free_setup(&r);
}

/* slope_checkpoint_save/load in a hand-written loop (opt:step style). */
static void test_save_load(const slope_data *d) {
  char ck[128];
  path_in(ck, sizeof ck, "loop.ck");
  slope_problem *p = regression(d, 7, 1), *q = regression(d, 7, 1);
  const ccase c = {"lbfgs", "lbfgs", {{"history_size", {4}, 1}, {"max_iter", {3}, 1}}, NULL, NULL,
                   SLOPE_NOISE_NONE, 1, 7, 1, 0, 0, 0, 0, 0, 0};
  slope_optim *o = make_optim(&c, 3), *o2 = make_optim(&c, 3);
  double f, f2;
  for (int k = 0; k < 10; k++) CHECK_INT(slope_problem_step(p, o, &f), SLOPE_OK);
  CHECK_INT(slope_checkpoint_save(S, ck, p, o), SLOPE_OK);
  CHECK_INT(slope_checkpoint_load(S, ck, q, o2), SLOPE_OK);
  int same = 1;
  for (int k = 0; k < 15; k++) {
    CHECK_INT(slope_problem_step(p, o, &f), SLOPE_OK);
    CHECK_INT(slope_problem_step(q, o2, &f2), SLOPE_OK);
    same = same && memcmp(&f, &f2, sizeof f) == 0;
  }
  CHECK(same);
  CHECK(memcmp(slope_problem_x(p), slope_problem_x(q), 3 * sizeof(double)) == 0);
  /* an optimizer alone */
  slope_optim *o3 = make_optim(&c, 3);
  CHECK_INT(slope_checkpoint_save(S, ck, NULL, o), SLOPE_OK);
  CHECK_INT(slope_checkpoint_load(S, ck, NULL, o3), SLOPE_OK);
  for (int k = 0; k < 5; k++) {
    memcpy(slope_problem_x(q), slope_problem_x(p), 3 * sizeof(double));
    CHECK_INT(slope_problem_step(p, o, &f), SLOPE_OK);
    CHECK_INT(slope_problem_step(q, o3, &f2), SLOPE_OK);
  }
  CHECK(memcmp(slope_problem_x(p), slope_problem_x(q), 3 * sizeof(double)) == 0);
  /* a new optimizer made from the file */
  CHECK_INT(slope_checkpoint_save(S, ck, NULL, o), SLOPE_OK);
  slope_optim *o4 = slope_checkpoint_optim(S, ck, NULL);
  CHECK(o4 != NULL);
  if (o4) {
    CHECK_STR(slope_optim_kind(o4), "lbfgs");
    CHECK_INT(slope_optim_nparams(o4), 3);
    double hs = 0;
    CHECK_INT(slope_optim_get(o4, "history_size", &hs, 1), 1);
    CHECK(hs == 4);
    memcpy(slope_problem_x(q), slope_problem_x(p), 3 * sizeof(double));
    CHECK_INT(slope_problem_step(p, o, &f), SLOPE_OK);
    CHECK_INT(slope_problem_step(q, o4, &f2), SLOPE_OK);
    CHECK(memcmp(slope_problem_x(p), slope_problem_x(q), 3 * sizeof(double)) == 0);
    slope_optim_free(o4);
  }
  /* and it holds no problem */
  CHECK(slope_checkpoint_load(S, ck, q, NULL) == SLOPE_ERRDATA);
  CHECK(strstr(slope_error_get(S).message, "holds no problem state") != NULL);
  slope_clear_error(S);
  slope_problem_free(p);
  slope_problem_free(q);
  slope_optim_free(o);
  slope_optim_free(o2);
  slope_optim_free(o3);
}

/* ---- broken and mismatched checkpoints ----------------------------------------------------- */

static unsigned char *read_all(const char *path, size_t *n) {
  FILE *fp = fopen(path, "rb");
  CHECK(fp != NULL);
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  *n = (size_t)ftell(fp);
  fseek(fp, 0, SEEK_SET);
  unsigned char *b = malloc(*n);
  CHECK(fread(b, 1, *n, fp) == *n);
  fclose(fp);
  return b;
}

static void write_all(const char *path, const unsigned char *b, size_t n) {
  FILE *fp = fopen(path, "wb");
  CHECK(fp != NULL);
  if (!fp) return;
  CHECK(fwrite(b, 1, n, fp) == n);
  fclose(fp);
}

/* The format's checksum (FNV-1a over everything before the closing section),
** so edits can get past it and reach the other checks. */
static void reseal(unsigned char *b, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i + 20 < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
  for (int i = 0; i < 8; i++) b[n - 8 + i] = (unsigned char)(h >> (8 * i));
}

/* Error code and message of resuming 'path' into a fresh lbfgs regression run;
** the problem's point and the optimizer must be left as they were. */
static int try_resume(const slope_data *d, const char *path, const char **msg) {
  const ccase *c = &cases[6];   /* asgd, plateau, batches */
  setup u = make_setup(c, d);
  u.opts.resume_path = path;
  double x0[3];
  memcpy(x0, slope_problem_x(u.p), sizeof x0);
  slope_result r;
  slope_result_init(&r);
  int rc = slope_run(u.p, u.o, &u.opts, &r, NULL);
  static char text[1024];
  snprintf(text, sizeof text, "%s", slope_error_get(S).message ? slope_error_get(S).message : "");
  *msg = text;
  if (rc != SLOPE_OK) CHECK(memcmp(x0, slope_problem_x(u.p), sizeof x0) == 0);
  slope_clear_error(S);
  free_setup(&u);
  return rc;
}

static void test_broken(const slope_data *d) {
  char ck[128], bad[128];
  path_in(ck, sizeof ck, "good.ck");
  path_in(bad, sizeof bad, "bad.ck");
  const ccase *c = &cases[6];
  setup u = make_setup(c, d);
  u.opts.checkpoint_path = ck;
  u.opts.checkpoint_every = 10;
  u.opts.epochs = 3;
  slope_result r;
  slope_result_init(&r);
  CHECK_INT(slope_run(u.p, u.o, &u.opts, &r, NULL), SLOPE_OK);
  free_setup(&u);
  const char *msg;
  CHECK_INT(try_resume(d, ck, &msg), SLOPE_OK);

  size_t n = 0;
  unsigned char *b = read_all(ck, &n);
  if (!b) return;
  /* missing and foreign files */
  path_in(bad, sizeof bad, "missing.ck");
  CHECK_INT(try_resume(d, bad, &msg), SLOPE_ERRIO);
  CHECK(strstr(msg, "cannot read checkpoint") && strstr(msg, "missing.ck") && strstr(msg, "No such file"));
  path_in(bad, sizeof bad, "bad.ck");
  write_all(bad, (const unsigned char *)"step,f\n1,2\n", 11);
  CHECK_INT(try_resume(d, bad, &msg), SLOPE_ERRDATA);
  CHECK(strstr(msg, "is not a slope checkpoint") != NULL);
  /* every truncation */
  int all = 1;
  for (size_t k = 0; k < n; k++) {
    write_all(bad, b, k);
    all = all && try_resume(d, bad, &msg) == SLOPE_ERRDATA;
  }
  CHECK(all);
  write_all(bad, b, n - 3);
  try_resume(d, bad, &msg);
  CHECK(strstr(msg, "is corrupt") && strstr(msg, "truncated"));
  /* every single-byte change */
  all = 1;
  int checksum_named = 0;
  for (size_t k = 0; k < n; k++) {
    b[k] ^= 0x20;
    write_all(bad, b, n);
    all = all && try_resume(d, bad, &msg) != SLOPE_OK;
    checksum_named += strstr(msg, "checksum does not match") != NULL;
    b[k] ^= 0x20;
  }
  CHECK(all);
  CHECK(checksum_named > (int)n / 2);
  /* a later format version */
  b[8] = 2;
  write_all(bad, b, n);
  CHECK_INT(try_resume(d, bad, &msg), SLOPE_ERRDATA);
  CHECK(strstr(msg, "format version 2") != NULL);
  b[8] = 1;
  /* an optimizer kind the library does not know (found by fuzz_checkpoint):
  ** the constructor's message, said to come from the file */
  unsigned char *kind = NULL;
  for (size_t k = 0; k + 4 <= n && !kind; k++)
    if (memcmp(b + k, "asgd", 4) == 0) kind = b + k;
  if (CHECK(kind != NULL)) {
    kind[3] = 'x';
    reseal(b, n);
    write_all(bad, b, n);
    CHECK(slope_checkpoint_optim(S, bad, NULL) == NULL);
    char want[400];
    snprintf(want, sizeof want, "checkpoint '%s': unknown optimizer 'asgx' (known: sgd, adam, adamw, rmsprop, "
             "adagrad, adadelta, adamax, nadam, radam, rprop, asgd, lbfgs, newton, anneal, nelder_mead, cg, bfgs, cmaes, de)", bad);
    CHECK_STR(slope_error_get(S).message, want);
    slope_clear_error(S);
    kind[3] = 'd';
    reseal(b, n);
  }
  /* random edits past the checksum: an error or a run, never a crash */
  uint64_t state = 12345;
  int errors = 0, trials = 600;
  unsigned char *e = malloc(n);
  for (int t = 0; t < trials; t++) {
    memcpy(e, b, n);
    for (int j = 0; j < 1 + t % 3; j++) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      size_t at = 12 + (size_t)(state >> 33) % (n - 32);
      e[at] = (unsigned char)(state >> 13);
    }
    reseal(e, n);
    write_all(bad, e, n);
    errors += try_resume(d, bad, &msg) != SLOPE_OK;
  }
  CHECK(errors > 0);
  free(e);
  free(b);
}

/* Where the file b[0..n) holds the state of a generator seeded with 'seed'
** that has not drawn yet (its 32 bytes go to 'want' when not NULL), or NULL. */
static unsigned char *find_rng(unsigned char *b, size_t n, uint64_t seed, unsigned char *want) {
  slope_rng g;
  slope_rng_seed(&g, seed);
  unsigned char w[32];
  for (int i = 0; i < 32; i++) w[i] = (unsigned char)(g.s[i / 8] >> (8 * (i % 8)));
  if (want) memcpy(want, w, 32);
  for (size_t k = 0; b && k + 32 <= n; k++)
    if (memcmp(b + k, w, 32) == 0) return b + k;
  return NULL;
}

/* Host-callback problems used to write their (unbatched, never drawn from)
** generator unseeded, which read as a corrupt 'PROB': such files load, and
** the generator goes on as a new problem's (seeded with 0). */
static void test_unseeded_host(const char *ck) {
  slope_problem *p = rosenbrock_host();
  if (!CHECK(p != NULL)) return;
  slope_problem_x(p)[0] = 0.25;
  CHECK_INT(slope_checkpoint_save(S, ck, p, NULL), SLOPE_OK);
  size_t n = 0;
  unsigned char *b = read_all(ck, &n);
  unsigned char *at = find_rng(b, n, 0, NULL);
  if (CHECK(at != NULL)) {
    memset(at, 0, 32);   /* as the old writer left it */
    reseal(b, n);
    write_all(ck, b, n);
    slope_problem_x(p)[0] = 9;
    CHECK_INT(slope_checkpoint_load(S, ck, p, NULL), SLOPE_OK);
    CHECK(slope_problem_x(p)[0] == 0.25);
  }
  free(b);
  slope_problem_free(p);
}

/* A generator state xoshiro256** cannot reach (all zero: it would draw 0 for
** ever and the next shuffle would never end; found by fuzz_checkpoint) or a
** spare deviate that is not a number makes the file corrupt. */
static void test_impossible_rng(const slope_data *d) {
  char ck[128];
  path_in(ck, sizeof ck, "rng.ck");
  slope_problem *p = regression(d, 2, 1);
  slope_optim *o = p ? slope_optim_new(S, "sgd", slope_problem_nparams(p)) : NULL;
  if (!CHECK(p && o)) return;
  CHECK_INT(slope_checkpoint_save(S, ck, p, o), SLOPE_OK);
  size_t n = 0;
  unsigned char *b = read_all(ck, &n);
  unsigned char want[32];   /* the state of a problem shuffled with seed 11 that has not drawn yet */
  unsigned char *at = find_rng(b, n, 11, want);
  if (CHECK(at != NULL)) {
    for (int pass = 0; pass < 2; pass++) {
      if (pass == 0) memset(at, 0, 32);
      else { memcpy(at, want, 32); memcpy(at + 32, &(double){NAN}, 8); at[40] = 1; }   /* spare, has_spare */
      reseal(b, n);
      write_all(ck, b, n);
      CHECK_INT(slope_checkpoint_load(S, ck, p, NULL), SLOPE_ERRDATA);
      CHECK(strstr(slope_error_get(S).message, "is corrupt") != NULL);
      slope_clear_error(S);
    }
  }
  free(b);
  slope_optim_free(o);
  slope_problem_free(p);
  test_unseeded_host(ck);
}

/* Checkpoints of another problem, optimizer or schedule. */
/* Checkpoints cross between host-callback and expression problems only when
** the parameters agree; otherwise the message says what differs. */
static void test_mismatch_host(const slope_data *d) {
  char ck[128], want[512];
  const char *msg;
  path_in(ck, sizeof ck, "host.ck");
  setup h = run_checkpointed(&cases[12], d, ck, 10, 5, 0);
  CHECK_INT(try_resume(d, ck, &msg), SLOPE_ERRARG);   /* into the regression problem */
  snprintf(want, sizeof want, "checkpoint '%s' is for 2 parameters (x1, x2); this problem has 3 (w1, w2, b)", ck);
  CHECK_STR(msg, want);
  slope_problem *e = rosenbrock();
  CHECK_INT(slope_checkpoint_load(S, ck, e, NULL), SLOPE_ERRARG);
  snprintf(want, sizeof want, "checkpoint '%s' is for the parameters (x1, x2); this problem has (x, y)", ck);
  CHECK_STR(slope_error_get(S).message, want);
  slope_clear_error(S);
  /* the other way: an expression problem's checkpoint into a host problem */
  CHECK_INT(slope_checkpoint_save(S, ck, e, NULL), SLOPE_OK);
  CHECK_INT(slope_checkpoint_load(S, ck, h.p, NULL), SLOPE_ERRARG);
  snprintf(want, sizeof want, "checkpoint '%s' is for the parameters (x, y); this problem has (x1, x2)", ck);
  CHECK_STR(slope_error_get(S).message, want);
  slope_clear_error(S);
  /* nothing changed on failure; a host problem's own file loads back exactly */
  double x[2];
  memcpy(x, slope_problem_x(h.p), sizeof x);
  CHECK(x[0] != -1.2);
  CHECK_INT(slope_checkpoint_save(S, ck, h.p, h.o), SLOPE_OK);
  slope_problem *q = rosenbrock_host();
  slope_optim *o = slope_checkpoint_optim(S, ck, q);
  CHECK(o != NULL);
  CHECK(memcmp(x, slope_problem_x(q), sizeof x) == 0);
  slope_optim_free(o);
  slope_problem_free(q);
  slope_problem_free(e);
  free_setup(&h);
}

static void test_mismatch(const slope_data *d) {
  char ck[128];
  path_in(ck, sizeof ck, "other.ck");
  const char *msg;
  char want[512];
  /* Rosenbrock (x, y) into the regression problem (w1, w2, b) */
  setup a = make_setup(&cases[0], d);
  a.opts.steps = 10;
  a.opts.checkpoint_path = ck;
  a.opts.checkpoint_every = 5;
  slope_result r;
  slope_result_init(&r);
  CHECK_INT(slope_run(a.p, a.o, &a.opts, &r, NULL), SLOPE_OK);
  CHECK_INT(try_resume(d, ck, &msg), SLOPE_ERRARG);
  snprintf(want, sizeof want, "checkpoint '%s' is for 2 parameters (x, y); this problem has 3 (w1, w2, b)", ck);
  CHECK_STR(msg, want);
  /* same count, other names */
  static const char *const names[] = {"u", "v"};
  double x0[2] = {0, 0};
  slope_problem *p = slope_problem_new(S, slope_parse(S, "u^2 + v^2", 9), names, x0, 2, NULL);
  CHECK_INT(slope_checkpoint_load(S, ck, p, NULL), SLOPE_ERRARG);
  snprintf(want, sizeof want, "checkpoint '%s' is for the parameters (x, y); this problem has (u, v)", ck);
  CHECK_STR(slope_error_get(S).message, want);
  slope_clear_error(S);
  slope_problem_free(p);
  /* another optimizer kind */
  slope_optim *o = slope_optim_new(S, "sgd", 2);
  CHECK_INT(slope_checkpoint_load(S, ck, NULL, o), SLOPE_ERRARG);
  snprintf(want, sizeof want, "checkpoint '%s' is for optimizer 'adam'; this one is 'sgd'", ck);
  CHECK_STR(slope_error_get(S).message, want);
  slope_clear_error(S);
  slope_optim_free(o);
  /* another schedule: cosine run, resumed with plateau and without */
  setup b = make_setup(&cases[0], d);
  b.opts.resume_path = ck;
  slope_schedule *pl = slope_schedule_new(S, "plateau");
  b.opts.schedule = pl;
  CHECK_INT(slope_run(b.p, b.o, &b.opts, &r, NULL), SLOPE_ERRARG);
  snprintf(want, sizeof want, "this run has a plateau schedule, but checkpoint '%s' was written without one", ck);
  CHECK_STR(slope_error_get(S).message, want);
  slope_clear_error(S);
  slope_schedule_free(pl);
  free_setup(&b);
  free_setup(&a);
  /* a plateau checkpoint resumed without its schedule */
  setup c = make_setup(&cases[6], d);
  c.opts.epochs = 2;
  c.opts.checkpoint_path = ck;
  c.opts.checkpoint_every = 5;
  CHECK_INT(slope_run(c.p, c.o, &c.opts, &r, NULL), SLOPE_OK);
  setup e = make_setup(&cases[6], d);
  e.opts.schedule = NULL;
  e.opts.resume_path = ck;
  CHECK_INT(slope_run(e.p, e.o, &e.opts, &r, NULL), SLOPE_ERRARG);
  snprintf(want, sizeof want, "checkpoint '%s' holds the state of a plateau schedule; this run has none", ck);
  CHECK_STR(slope_error_get(S).message, want);
  slope_clear_error(S);
  free_setup(&e);
  /* other batching, other data rows */
  slope_problem *q = regression(d, 5, 1);
  CHECK_INT(slope_checkpoint_load(S, ck, q, NULL), SLOPE_ERRARG);
  snprintf(want, sizeof want, "checkpoint '%s' was written with batch = 8, shuffle = true; "
           "this problem has batch = 5, shuffle = true", ck);
  CHECK_STR(slope_error_get(S).message, want);
  slope_clear_error(S);
  slope_problem_free(q);
  slope_data *small = NULL, *rest = NULL;
  CHECK_INT(slope_data_split(d, 0.8, 1, &small, &rest), SLOPE_OK);
  q = regression(small, 8, 1);
  CHECK_INT(slope_checkpoint_load(S, ck, q, NULL), SLOPE_ERRARG);
  snprintf(want, sizeof want, "checkpoint '%s' is for 50 data rows; this problem has 40", ck);
  CHECK_STR(slope_error_get(S).message, want);
  slope_clear_error(S);
  slope_problem_free(q);
  slope_data_free(small);
  slope_data_free(rest);
  /* a checkpoint saved outside a run cannot resume one */
  CHECK_INT(slope_checkpoint_save(S, ck, c.p, c.o), SLOPE_OK);
  CHECK_INT(try_resume(d, ck, &msg), SLOPE_ERRDATA);
  CHECK(strstr(msg, "holds no run position") != NULL);
  free_setup(&c);
  test_mismatch_host(d);
}

/* Options and files a run cannot use. */
static void test_options(const slope_data *d) {
  setup u = make_setup(&cases[0], d);
  slope_result r;
  slope_result_init(&r);
  char ck[128];
  u.opts.checkpoint_path = path_in(ck, sizeof ck, "x.ck");
  CHECK_INT(slope_run(u.p, u.o, &u.opts, &r, NULL), SLOPE_ERRARG);
  CHECK(strstr(slope_error_get(S).message, "checkpoints need both a path and every >= 1") != NULL);
  slope_clear_error(S);
  u.opts.checkpoint_path = NULL;
  u.opts.checkpoint_every = 3;
  CHECK_INT(slope_run(u.p, u.o, &u.opts, &r, NULL), SLOPE_ERRARG);
  slope_clear_error(S);
  u.opts.checkpoint_path = path_in(ck, sizeof ck, "no/such/dir/x.ck");
  CHECK_INT(slope_run(u.p, u.o, &u.opts, &r, NULL), SLOPE_ERRIO);
  CHECK(strstr(slope_error_get(S).message, "cannot write checkpoint") != NULL);
  slope_clear_error(S);
  free_setup(&u);
}

/* Traces are written whole or not at all (through a temporary and a rename). */
static void test_trace_files(const slope_data *d) {
  setup u = make_setup(&cases[0], d);
  u.opts.steps = 5;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t = NULL;
  CHECK_INT(slope_run(u.p, u.o, &u.opts, &r, &t), SLOPE_OK);
  char csv[128], json[128], tmp[140];
  path_in(csv, sizeof csv, "t.csv");
  path_in(json, sizeof json, "t.json");
  CHECK_INT(slope_trace_csv(t, csv, NULL), SLOPE_OK);
  CHECK_INT(slope_trace_json(t, json, NULL), SLOPE_OK);
  snprintf(tmp, sizeof tmp, "%s.tmp", csv);
  CHECK(access(csv, F_OK) == 0 && access(tmp, F_OK) != 0);
  snprintf(tmp, sizeof tmp, "%s.tmp", json);
  CHECK(access(json, F_OK) == 0 && access(tmp, F_OK) != 0);
  size_t n;
  unsigned char *b = read_all(csv, &n);
  CHECK(b && n > 20 && memcmp(b, "step,f,lr,grad_norm,nfev,x1,x2\n0,", 33) == 0);
  free(b);
  char missing[128];
  CHECK_INT(slope_trace_csv(t, path_in(missing, sizeof missing, "none/t.csv"), NULL), SLOPE_ERRIO);
  slope_clear_error(S);
  unlink(csv);
  unlink(json);
  slope_trace_free(t);
  free_setup(&u);
}

int main(void) {
  S = slope_new();
  snprintf(dir, sizeof dir, "/tmp/slope_ck_%ld", (long)getpid());
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
  if (system(cmd) != 0) return 1;
  slope_data *d = regression_data();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) test_case(&cases[i], d);
  test_state_matters(&cases[0], d);    /* adam, cosine */
  test_state_matters(&cases[12], d);   /* the same through host callbacks */
  test_extend(d);
  test_host_interrupt(d);
  test_save_load(d);
  test_impossible_rng(d);
  test_broken(d);
  test_mismatch(d);
  test_options(d);
  test_trace_files(d);
  slope_data_free(d);
  slope_free(S);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) return 1;
  return check_done();
}
