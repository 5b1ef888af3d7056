/*
** test_wrap.c -- host data without copies, and host objectives over rows,
** through slope.h alone: slope_data_wrap, slope_problem_callback_rows and
** the noise listing (slope_noise_kinds, slope_noise_hyper_at).
**
** The references are independent of what is tested: a wrapped data set
** must give the run of the same numbers copied in with slope_data_add, bit
** for bit; a callback over rows that evaluates a tape of its own must give
** the trajectory of the expression problem bit for bit (so batching, shuffle
** and epochs are the same), and a hand-written MSE must get exactly the
** rows a replay of the documented Fisher-Yates order gives (slope.h,
** slope_problem_batch) and follow the same trajectory to rounding.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "slope.h"

#define NROWS 100000
#define BATCH 64
#define SEED 7
#define STEPS_PER_EPOCH ((NROWS + BATCH - 1) / BATCH)
#define LOSS "mean((w*x + b - y)^2)"

static slope_ctx *S;
static const char *const params[] = {"w", "b"};
static const char *const colnames[] = {"x", "y"};

/* ---- helpers ------------------------------------------------------------------- */

/* The host's arrays: x ~ N(0, 1), y = 3x + 1 + 0.1 N(0, 1). */
static void host_arrays(double *x, double *y, size_t n) {
  slope_rng r;
  slope_rng_seed(&r, 11);
  for (size_t i = 0; i < n; i++) {
    x[i] = slope_rng_normal(&r);
    y[i] = 3 * x[i] + 1 + 0.1 * slope_rng_normal(&r);
  }
}

static const char *message(void) {
  const char *m = slope_error_get(S).message;
  return m ? m : "";
}

/* Check the recorded error's code and message, then clear it. */
static void expect_error(int code, const char *msg) {
  CHECK_INT(slope_error_get(S).code, code);
  CHECK_STR(message(), msg);
  slope_clear_error(S);
}

static slope_problem *loss_problem(const slope_data *d) {
  slope_expr f = slope_parse(S, LOSS, strlen(LOSS));
  const double x0[2] = {0, 0};
  slope_problem *p = slope_problem_new(S, f, params, x0, 2, d);
  CHECK(p != NULL);
  return p;
}

/* A run's trajectory: per trace row f, lr, |g|, w, b. */
typedef struct traj {
  size_t rows;
  double *v;   /* rows * 5 */
  slope_result r;
} traj;

/* Adam(lr = 0.01) on 'p', 'epochs' epochs (or 'steps' steps when epochs is 0),
** a trace row every step; 'resume' continues a checkpoint, 'ck' writes them. */
static traj run_adam(slope_problem *p, long epochs, long steps, const char *ck, const char *resume) {
  traj t = {0};
  slope_result_init(&t.r);
  slope_optim *o = slope_optim_new(S, "adam", 2);
  double lr = 0.01;
  CHECK_INT(slope_optim_set(o, "lr", &lr, 1), SLOPE_OK);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.epochs = epochs;
  opts.steps = steps;
  opts.checkpoint_path = ck;
  opts.checkpoint_every = ck ? 1000 : 0;
  opts.resume_path = resume;
  slope_trace *tr = NULL;
  int rc = slope_run(p, o, &opts, &t.r, &tr);
  if (rc != SLOPE_OK) fprintf(stderr, "run: %s\n", message());
  CHECK_INT(rc, SLOPE_OK);
  t.rows = slope_trace_rows(tr);
  t.v = malloc((t.rows ? t.rows : 1) * 5 * sizeof *t.v);
  int bad = 0;
  for (size_t k = 0; k < t.rows; k++) {
    double *row = t.v + 5 * k;
    bad += slope_trace_row(tr, k, NULL, &row[0], &row[1], &row[2], &row[3]) != SLOPE_OK;
  }
  CHECK_INT(bad, 0);
  slope_trace_free(tr);
  slope_optim_free(o);
  return t;
}

/* Every number of both trajectories, bit for bit. */
static int same_traj(const traj *a, const traj *b) {
  return a->rows == b->rows && a->rows > 0 && memcmp(a->v, b->v, a->rows * 5 * sizeof *a->v) == 0 &&
         memcmp(&a->r.f, &b->r.f, sizeof a->r.f) == 0 && a->r.steps == b->r.steps &&
         a->r.epochs == b->r.epochs;
}

/* ---- wrapped data ---------------------------------------------------------------- */

static void test_wrap_same_run(const double *x, const double *y) {
  const double *cols[] = {x, y};
  slope_data *dw = slope_data_wrap(S, colnames, cols, 2, NROWS);
  CHECK(dw != NULL);
  if (!dw) return;
  /* borrowed, not copied: the host's own pointers come back */
  CHECK(slope_data_column(dw, 0) == x);
  CHECK(slope_data_column(dw, 1) == y);
  CHECK(slope_data_find(dw, "y") == y);
  CHECK_INT(slope_data_rows(dw), NROWS);
  CHECK_INT(slope_data_ncols(dw), 2);
  CHECK_STR(slope_data_name(dw, 1), "y");

  slope_data *dc = slope_data_new(S);
  CHECK_INT(slope_data_add(dc, "x", x, NROWS), SLOPE_OK);
  CHECK_INT(slope_data_add(dc, "y", y, NROWS), SLOPE_OK);
  CHECK(slope_data_column(dc, 0) != x);   /* the copy is slope's */

  slope_problem *pw = loss_problem(dw), *pc = loss_problem(dc);
  CHECK_INT(slope_problem_batch(pw, BATCH, 1, SEED), SLOPE_OK);
  CHECK_INT(slope_problem_batch(pc, BATCH, 1, SEED), SLOPE_OK);
  traj tw = run_adam(pw, 2, 0, NULL, NULL), tc = run_adam(pc, 2, 0, NULL, NULL);
  CHECK(same_traj(&tw, &tc));
  CHECK_INT(tw.r.steps, 2 * STEPS_PER_EPOCH);
  CHECK_INT(tw.r.epochs, 2);
  CHECK_INT(tw.rows, 2 * STEPS_PER_EPOCH + 1);
  /* it learned the line (y = 3x + 1) */
  CHECK_NEAR(slope_problem_x(pw)[0], 3, 0.05);
  CHECK_NEAR(slope_problem_x(pw)[1], 1, 0.05);
  free(tw.v);
  free(tc.v);
  slope_problem_free(pw);
  slope_problem_free(pc);
  slope_data_free(dc);
  slope_data_free(dw);
}

/* A checkpoint of a run over wrapped data resumes to the uninterrupted run. */
static void test_wrap_checkpoint(const double *x, const double *y) {
  const double *cols[] = {x, y};
  char ck[64];
  snprintf(ck, sizeof ck, "/tmp/slope_wrap_%ld.ck", (long)getpid());
  unlink(ck);
  slope_data *d = slope_data_wrap(S, colnames, cols, 2, NROWS);
  slope_problem *a = loss_problem(d), *b = loss_problem(d);
  CHECK_INT(slope_problem_batch(a, BATCH, 1, SEED), SLOPE_OK);
  CHECK_INT(slope_problem_batch(b, BATCH, 1, SEED), SLOPE_OK);
  traj ta = run_adam(a, 2, 0, NULL, NULL);
  traj tb = run_adam(b, 0, 2500, ck, NULL);   /* stops at 2500, saved at 2000 */
  slope_problem *c = loss_problem(d);
  CHECK_INT(slope_problem_batch(c, BATCH, 1, SEED), SLOPE_OK);
  traj tc = run_adam(c, 2, 0, NULL, ck);
  CHECK(memcmp(slope_problem_x(a), slope_problem_x(c), 2 * sizeof(double)) == 0);
  CHECK_INT(tc.r.steps, 2 * STEPS_PER_EPOCH);
  /* the rows are part of the checkpoint's identity */
  const double *fewer[] = {x, y};
  slope_data *d2 = slope_data_wrap(S, colnames, fewer, 2, NROWS - 1);
  slope_problem *e = loss_problem(d2);
  CHECK_INT(slope_checkpoint_load(S, ck, e, NULL), SLOPE_ERRARG);
  char want[160];
  snprintf(want, sizeof want, "checkpoint '%s' is for %d data rows; this problem has %d", ck, NROWS, NROWS - 1);
  expect_error(SLOPE_ERRARG, want);
  free(ta.v);
  free(tb.v);
  free(tc.v);
  slope_problem_free(a);
  slope_problem_free(b);
  slope_problem_free(c);
  slope_problem_free(e);
  slope_data_free(d2);
  slope_data_free(d);
  unlink(ck);
}

/* Split, CSV and slope_data_add treat a wrapped set as its values. */
static void test_wrap_uses(void) {
  enum { N = 10 };
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), z[N];
  for (int i = 0; i < N; i++) x[i] = i * 0.25 - 1, y[i] = 1.0 / (i + 3), z[i] = i;
  const double *cols[] = {x, y};
  slope_data *dw = slope_data_wrap(S, colnames, cols, 2, N);
  slope_data *dc = slope_data_new(S);
  CHECK_INT(slope_data_add(dc, "x", x, N), SLOPE_OK);
  CHECK_INT(slope_data_add(dc, "y", y, N), SLOPE_OK);

  /* split: new sets that own copies, the rows of the copied set's split */
  slope_data *wa, *wb, *ca, *cb;
  CHECK_INT(slope_data_split(dw, 0.7, 5, &wa, &wb), SLOPE_OK);
  CHECK_INT(slope_data_split(dc, 0.7, 5, &ca, &cb), SLOPE_OK);
  CHECK_INT(slope_data_rows(wa), 7);
  CHECK_INT(slope_data_rows(wb), 3);
  for (int j = 0; j < 2; j++) {
    CHECK(memcmp(slope_data_column(wa, j), slope_data_column(ca, j), 7 * sizeof(double)) == 0);
    CHECK(memcmp(slope_data_column(wb, j), slope_data_column(cb, j), 3 * sizeof(double)) == 0);
    CHECK(slope_data_column(wa, j) != cols[j]);
  }
  slope_data_free(wa);
  slope_data_free(wb);
  slope_data_free(ca);
  slope_data_free(cb);

  /* CSV: the same file as the copied set's, read back exactly */
  char pw[64], pc[64];
  snprintf(pw, sizeof pw, "/tmp/slope_wrap_%ld_w.csv", (long)getpid());
  snprintf(pc, sizeof pc, "/tmp/slope_wrap_%ld_c.csv", (long)getpid());
  CHECK_INT(slope_data_write_csv(dw, pw), SLOPE_OK);
  CHECK_INT(slope_data_write_csv(dc, pc), SLOPE_OK);
  slope_data *back = slope_data_csv(S, pw);
  CHECK(back != NULL);
  CHECK_INT(slope_data_rows(back), N);
  CHECK(memcmp(slope_data_find(back, "x"), x, N * sizeof(double)) == 0);
  CHECK(memcmp(slope_data_find(back, "y"), y, N * sizeof(double)) == 0);
  slope_data_free(back);
  FILE *fw = fopen(pw, "r"), *fc = fopen(pc, "r");
  char bw[1024] = {0}, bc[1024] = {0};
  size_t nw = fw ? fread(bw, 1, sizeof bw - 1, fw) : 0, nc = fc ? fread(bc, 1, sizeof bc - 1, fc) : 0;
  CHECK(nw > 0 && nw == nc && memcmp(bw, bc, nw) == 0);
  if (fw) fclose(fw);
  if (fc) fclose(fc);
  unlink(pw);
  unlink(pc);

  /* slope_data_add on a wrapped set adds a column slope copies and owns */
  CHECK_INT(slope_data_add(dw, "z", z, N), SLOPE_OK);
  CHECK(slope_data_column(dw, 2) != z);
  CHECK(memcmp(slope_data_column(dw, 2), z, sizeof z) == 0);
  CHECK(slope_data_column(dw, 0) == x);
  CHECK_INT(slope_data_add(dw, "u", z, N - 1), SLOPE_ERRDATA);
  expect_error(SLOPE_ERRDATA, "data: column 'u' has 9 rows, the data set has 10");
  CHECK_INT(slope_data_add(dw, "x", z, N), SLOPE_ERRNAME);
  expect_error(SLOPE_ERRNAME, "data: there is already a column 'x'");
  /* a problem over the wrapped columns sees values the host changes between calls */
  const char *src = "mean(x)";
  const double w0 = 0;
  slope_problem *p = slope_problem_new(S, slope_parse(S, src, strlen(src)), params, &w0, 1, dw);
  double f0, f1, sum = 0;
  CHECK_INT(slope_problem_eval(p, &w0, &f0, NULL), SLOPE_OK);
  for (int i = 0; i < N; i++) sum += x[i];
  CHECK_NEAR(f0, sum / N, 1e-15);
  x[0] += 10;
  CHECK_INT(slope_problem_eval(p, &w0, &f1, NULL), SLOPE_OK);
  CHECK_NEAR(f1, f0 + 1, 1e-14);
  x[0] -= 10;
  slope_problem_free(p);
  slope_data_free(dc);
  slope_data_free(dw);   /* frees the copy of z and the names, never x or y */
  /* (valgrind and ASan would report a free of the host's arrays here) */
  CHECK(x[3] == 3 * 0.25 - 1 && y[3] == 1.0 / 6);
  free(x);
  free(y);
}

/* Misuse of slope_data_wrap: nothing is made, the message says what and where. */
static void test_wrap_errors(void) {
  double a[3] = {1, 2, 3}, b[3] = {4, 5, 6}, bad[3] = {1, NAN, 3};
  const double *ok[] = {a, b}, *hole[] = {a, NULL}, *nan[] = {a, bad};
  const char *const dup[] = {"x", "x"}, *const notname[] = {"x", "2y"}, *const nullname[] = {"x", NULL};
  const struct {
    const char *const *names;
    const double *const *cols;
    int ncols;
    size_t nrows;
    int code;
    const char *msg;
  } cases[] = {
    {colnames, hole, 2, 3, SLOPE_ERRARG, "data: column 1 ('y') is NULL (columns count from 0)"},
    {dup, ok, 2, 3, SLOPE_ERRNAME, "data: there is already a column 'x'"},
    {notname, ok, 2, 3, SLOPE_ERRARG,
     "data: column name '2y' is not a name (letters, digits and '_', not starting with a digit)"},
    {nullname, ok, 2, 3, SLOPE_ERRARG, "data: the name of column 1 (counting from 0) is NULL"},
    {NULL, ok, 2, 3, SLOPE_ERRARG, "data: 'names' is NULL"},
    {colnames, NULL, 2, 3, SLOPE_ERRARG, "data: 'cols' is NULL"},
    {colnames, ok, 0, 3, SLOPE_ERRARG, "data: 'ncols' must be in [1, 4096], got 0"},
    {colnames, ok, 4097, 3, SLOPE_ERRLIMIT, "data: 'ncols' must be in [1, 4096], got 4097"},
    {colnames, ok, 2, 0, SLOPE_ERRARG, "data: 'nrows' must be at least 1, got 0"},
    {colnames, nan, 2, 3, SLOPE_ERRDATA, "data: column 'y', row 1: nan is not a finite number"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK(slope_data_wrap(S, cases[i].names, cases[i].cols, cases[i].ncols, cases[i].nrows) == NULL);
    expect_error(cases[i].code, cases[i].msg);
  }
  CHECK(slope_data_wrap(NULL, colnames, ok, 2, 3) == NULL);
  /* the arrays were only read */
  CHECK(a[0] == 1 && a[2] == 3 && b[1] == 5);
}

/* ---- host objectives over rows ------------------------------------------------- */

/* A callback over rows that evaluates the same expression with a tape of
** its own bound to the host's arrays: any difference from the expression
** problem can only come from the rows slope hands it. */
typedef struct tape_host {
  slope_tape *T;
  long calls;
} tape_host;

static int tape_fg(void *ud, const double *x, const size_t *rows, size_t nsel, double *f, double *g) {
  tape_host *h = ud;
  h->calls++;
  return slope_tape_grad(h->T, x, rows, nsel, f, g);
}

/* A hand-written MSE that checks every batch against a replay of the
** documented order: 0..n-1, shuffled in place at the start of each epoch by
** Fisher-Yates (i from n down to 2: swap i-1 and below(i)) from 'seed'. */
typedef struct mse_host {
  const double *x, *y;
  size_t n, batch;
  size_t *perm, pos;   /* the replay */
  slope_rng rng;
  long calls, full, wrong;
} mse_host;

static void replay_init(mse_host *h, size_t batch, uint64_t seed) {
  h->batch = batch;
  h->pos = 0;
  for (size_t i = 0; i < h->n; i++) h->perm[i] = i;
  slope_rng_seed(&h->rng, seed);
}

/* The rows the next mini-batch must have, in '*len'. */
static const size_t *replay_next(mse_host *h, size_t *len) {
  if (h->pos == 0)
    for (size_t i = h->n; i > 1; i--) {
      size_t j = (size_t)slope_rng_below(&h->rng, i), t = h->perm[i - 1];
      h->perm[i - 1] = h->perm[j];
      h->perm[j] = t;
    }
  const size_t *r = h->perm + h->pos;
  *len = h->n - h->pos < h->batch ? h->n - h->pos : h->batch;
  h->pos = h->pos + *len == h->n ? 0 : h->pos + *len;
  return r;
}

static int mse_fg(void *ud, const double *x, const size_t *rows, size_t nsel, double *f, double *g) {
  mse_host *h = ud;
  h->calls++;
  int full = nsel == h->n;   /* the run's evaluations over all rows, in order */
  for (size_t i = 0; full && i < nsel; i++) full = rows[i] == i;
  if (full) h->full++;
  else if (h->batch) {
    size_t len;
    const size_t *want = replay_next(h, &len);
    if (len != nsel || memcmp(want, rows, nsel * sizeof *rows) != 0) h->wrong++;
  } else h->wrong++;
  /* sums of r^2, r*x and r; the factor 2 of the gradient comes last */
  double sum[3] = {0, 0, 0};
  for (const size_t *i = rows; i < rows + nsel; i++) {
    double xi = h->x[*i], r = x[0] * xi + x[1] - h->y[*i];
    sum[0] += r * r;
    sum[1] += r * xi;
    sum[2] += r;
  }
  *f = sum[0] / (double)nsel;
  if (g) g[0] = 2 * sum[1] / (double)nsel, g[1] = 2 * sum[2] / (double)nsel;
  return SLOPE_OK;
}

static void test_callback_rows(const double *x, const double *y) {
  const double *cols[] = {x, y};
  const double x0[2] = {0, 0};
  slope_data *d = slope_data_wrap(S, colnames, cols, 2, NROWS);
  slope_expr f = slope_parse(S, LOSS, strlen(LOSS));
  tape_host th = {slope_compile(S, f, params, 2, colnames, 2), 0};
  CHECK(th.T != NULL);
  CHECK_INT(slope_tape_bind(th.T, cols, NROWS), SLOPE_OK);
  mse_host mh = {.x = x, .y = y, .n = NROWS, .perm = malloc(NROWS * sizeof(size_t))};

  for (int mini = 0; mini <= 1; mini++) {
    /* the expression problem, the tape callback and the hand-written one,
    ** batched alike: full batch for 40 steps, or 64 shuffled rows for 2 epochs */
    slope_problem *pe = loss_problem(d);
    slope_problem *pt = slope_problem_callback_rows(S, 2, params, x0, NROWS, tape_fg, &th);
    slope_problem *pm = slope_problem_callback_rows(S, 2, NULL, x0, NROWS, mse_fg, &mh);
    CHECK(pt != NULL && pm != NULL);
    if (!pt || !pm) return;
    CHECK(slope_problem_data(pt) == NULL);
    CHECK_STR(slope_problem_name(pm, 1), "x2");
    size_t batch = mini ? BATCH : 0;
    CHECK_INT(slope_problem_batch(pe, batch, mini, SEED), SLOPE_OK);
    CHECK_INT(slope_problem_batch(pt, batch, mini, SEED), SLOPE_OK);
    CHECK_INT(slope_problem_batch(pm, batch, mini, SEED), SLOPE_OK);
    replay_init(&mh, batch, SEED);
    mh.calls = mh.full = mh.wrong = 0;
    long epochs = mini ? 2 : 0, steps = mini ? 0 : 40;
    traj te = run_adam(pe, epochs, steps, NULL, NULL);
    traj tt = run_adam(pt, epochs, steps, NULL, NULL);
    traj tm = run_adam(pm, epochs, steps, NULL, NULL);
    CHECK(same_traj(&te, &tt));
    long nsteps = mini ? 2 * STEPS_PER_EPOCH : 40;
    CHECK_INT(tt.r.steps, nsteps);
    CHECK_INT(tt.r.epochs, mini ? 2 : 40);
    /* the hand-written MSE: the right rows at every call, the same path to rounding */
    CHECK_INT(mh.wrong, 0);
    CHECK_INT(mh.calls, nsteps + 2);   /* each step, and f at the start and the end */
    CHECK_INT(mh.full, mini ? 2 : nsteps + 2);
    CHECK_INT(tm.rows, te.rows);
    double worst = 0;
    for (size_t k = 0; k < tm.rows && k < te.rows; k++)
      for (int c = 0; c < 5; c++) {
        double a = tm.v[5 * k + c], e = te.v[5 * k + c];
        double rel = fabs(a - e) / (fabs(e) > 1 ? fabs(e) : 1);
        if (rel > worst) worst = rel;
      }
    CHECK(worst < 1e-9);
    if (worst >= 1e-9) fprintf(stderr, "    hand-written MSE: worst relative difference %g\n", worst);
    /* slope_problem_eval is over all rows */
    double fe, ft, ge[2], gt[2];
    CHECK_INT(slope_problem_eval(pe, slope_problem_x(pe), &fe, ge), SLOPE_OK);
    CHECK_INT(slope_problem_eval(pt, slope_problem_x(pt), &ft, gt), SLOPE_OK);
    CHECK(fe == ft && ge[0] == gt[0] && ge[1] == gt[1]);
    free(te.v);
    free(tt.v);
    free(tm.v);
    slope_problem_free(pe);
    slope_problem_free(pt);
    slope_problem_free(pm);
  }
  free(mh.perm);
  slope_tape_free(th.T);
  slope_data_free(d);
}

/* A checkpoint of a batched callback problem holds its epoch's order. */
static void test_callback_rows_checkpoint(const double *x, const double *y) {
  const double *cols[] = {x, y};
  const double x0[2] = {0, 0};
  char ck[64];
  snprintf(ck, sizeof ck, "/tmp/slope_wrap_%ld_cb.ck", (long)getpid());
  unlink(ck);
  slope_expr f = slope_parse(S, LOSS, strlen(LOSS));
  tape_host th = {slope_compile(S, f, params, 2, colnames, 2), 0};
  CHECK_INT(slope_tape_bind(th.T, cols, NROWS), SLOPE_OK);
  slope_problem *p[3];
  for (int i = 0; i < 3; i++) {
    p[i] = slope_problem_callback_rows(S, 2, params, x0, NROWS, tape_fg, &th);
    CHECK_INT(slope_problem_batch(p[i], BATCH, 1, SEED), SLOPE_OK);
  }
  traj a = run_adam(p[0], 2, 0, NULL, NULL);
  traj b = run_adam(p[1], 0, 2500, ck, NULL);
  traj c = run_adam(p[2], 2, 0, NULL, ck);
  CHECK(memcmp(slope_problem_x(p[0]), slope_problem_x(p[2]), 2 * sizeof(double)) == 0);
  CHECK_INT(c.r.steps, 2 * STEPS_PER_EPOCH);
  free(a.v);
  free(b.v);
  free(c.v);
  for (int i = 0; i < 3; i++) slope_problem_free(p[i]);
  slope_tape_free(th.T);
  unlink(ck);
}

static int plain_fg(void *ud, const double *x, double *f, double *g) {
  (void)ud;
  *f = x[0] * x[0];
  if (g) g[0] = 2 * x[0];
  return SLOPE_OK;
}

static int fail_fg(void *ud, const double *x, const size_t *rows, size_t nsel, double *f, double *g) {
  (void)ud, (void)x, (void)rows, (void)nsel, (void)f, (void)g;
  return SLOPE_ERRDATA;
}

static void test_callback_rows_errors(void) {
  const double x0[1] = {1};
  CHECK(slope_problem_callback_rows(S, 1, NULL, x0, 10, NULL, NULL) == NULL);
  expect_error(SLOPE_ERRARG, "the objective callback 'fg_rows' is NULL");
  CHECK(slope_problem_callback_rows(S, 1, NULL, x0, 0, fail_fg, NULL) == NULL);
  expect_error(SLOPE_ERRARG, "a callback over rows needs at least 1 row, got 0");
  CHECK(slope_problem_callback_rows(S, 0, NULL, x0, 10, fail_fg, NULL) == NULL);
  expect_error(SLOPE_ERRARG, "a problem needs at least one parameter");
  slope_problem *p = slope_problem_callback_rows(S, 1, NULL, x0, 10, fail_fg, NULL);
  CHECK_INT(slope_problem_batch(p, 11, 0, 0), SLOPE_ERRARG);
  expect_error(SLOPE_ERRARG, "batch must be in [1, 10] (the number of rows), got 11");
  CHECK_INT(slope_problem_batch(p, 10, 0, 0), SLOPE_OK);   /* all rows: the full batch */
  double f, g;
  CHECK_INT(slope_problem_eval(p, x0, &f, &g), SLOPE_ERRDATA);
  expect_error(SLOPE_ERRDATA, "the objective callback failed with code 6");
  slope_problem_free(p);
  /* a callback without rows still cannot be batched */
  slope_objective obj = {plain_fg, NULL, NULL};
  slope_problem *q = slope_problem_callback(S, 1, NULL, x0, obj);
  CHECK_INT(slope_problem_batch(q, 2, 0, 0), SLOPE_ERRARG);
  expect_error(SLOPE_ERRARG, "batch needs data: this problem has no data rows to batch");
  slope_problem_free(q);
}

/* ---- the noise listing ------------------------------------------------------------ */

static void test_noise_listing(void) {
  const char *const *k = slope_noise_kinds();
  CHECK_STR(k[0], "gaussian");
  CHECK_STR(k[1], "langevin");
  CHECK_STR(k[2], "gradient");
  CHECK(k[3] == NULL);
  /* name, required, default (NAN: none) per kind, as slope.noise.* takes them */
  static const struct { const char *kind, *name; int required; double def; } rows[] = {
    {"gaussian", "std", 1, NAN},
    {"langevin", "temperature", 1, NAN},
    {"gradient", "eta", 1, NAN},
    {"gradient", "gamma", 0, 0.55},
  };
  for (int i = 0; k[i]; i++) {
    int want = 0, got = 0;
    const slope_hyper *h;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
      if (strcmp(rows[r].kind, k[i]) != 0) continue;
      h = slope_noise_hyper_at(k[i], want++);
      CHECK(h != NULL);
      if (!h) continue;
      CHECK_STR(h->name, rows[r].name);
      CHECK_INT(h->required, rows[r].required);
      CHECK_INT(h->n, 1);
      CHECK(isnan(rows[r].def) ? isnan(h->def[0]) : h->def[0] == rows[r].def);
      CHECK(h->lo == 0 && h->hi == INFINITY && !h->lo_open && !h->is_int && !h->is_bool && !h->choices);
      CHECK(h->about != NULL && h->about[0] != '\0');
    }
    while (slope_noise_hyper_at(k[i], got)) got++;
    CHECK_INT(got, want);
    CHECK(slope_noise_hyper_at(k[i], -1) == NULL);
    CHECK(slope_noise_about(k[i]) != NULL);
  }
  CHECK(slope_noise_hyper_at("uniform", 0) == NULL);
  CHECK(slope_noise_hyper_at(NULL, 0) == NULL);
  CHECK(slope_noise_about("uniform") == NULL);
}

/* The whole of a small text file, or NULL. */
static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  char *text = calloc(1, 1 << 16);
  size_t n = text ? fread(text, 1, (1 << 16) - 1, fp) : 0;
  fclose(fp);
  if (text && n == 0) {
    free(text);
    return NULL;
  }
  return text;
}

/* The listing says what the Lua constructors take (lua/noise.lua: the
** options of checked("KIND", o, { NAME = "number", ... }, { REQUIRED })
** and the run's defaults (src/lua_run.c reads them: opt_number(L, z, "gamma", 0.55,
** "noise"), 0 for the required ones).
** Tests run from the repository root. */
static void test_noise_matches_lua(void) {
  char *lua = slurp("lua/noise.lua"), *run = slurp("src/lua_run.c");
  CHECK(lua != NULL && run != NULL);
  for (const char *const *k = slope_noise_kinds(); lua && run && *k; k++) {
    char key[64];
    snprintf(key, sizeof key, "checked(\"%s\", o, {", *k);
    const char *at = strstr(lua, key);
    CHECK(at != NULL);
    if (!at) continue;
    const char *allowed = at + strlen(key), *end = strstr(allowed, "})");
    const char *required = strstr(allowed, "}, {");
    CHECK(end != NULL && required != NULL && required < end);
    if (!end || !required || required >= end) continue;
    int listed = 0;
    const slope_hyper *h;
    for (int i = 0; (h = slope_noise_hyper_at(*k, i)); i++, listed++) {
      char opt[96], req[96], def[96];
      snprintf(opt, sizeof opt, "%s = \"number\"", h->name);
      snprintf(req, sizeof req, "\"%s\"", h->name);
      const char *o = strstr(allowed, opt), *r = strstr(required, req);
      CHECK(o != NULL && o < required);
      CHECK_INT(r != NULL && r < end, h->required);
      snprintf(def, sizeof def, "\"%s\", %g,", h->name, h->required ? 0 : h->def[0]);
      if (!check_report(strstr(run, def) != NULL, __FILE__, __LINE__, "the run's default"))
        fprintf(stderr, "    no '%s' in src/lua_run.c\n", def);
    }
    /* every number the constructor takes is listed */
    int numbers = 0;
    for (const char *p = allowed; (p = strstr(p, "= \"number\"")) && p < required; p++) numbers++;
    CHECK_INT(numbers, listed);
  }
  free(lua);
  free(run);
}

int main(void) {
  S = slope_new();
  if (!S) return 1;
  double *x = malloc(NROWS * sizeof *x), *y = malloc(NROWS * sizeof *y);
  double *x_was = malloc(NROWS * sizeof *x), *y_was = malloc(NROWS * sizeof *y);
  if (!x || !y || !x_was || !y_was) return 1;
  host_arrays(x, y, NROWS);
  memcpy(x_was, x, NROWS * sizeof *x);
  memcpy(y_was, y, NROWS * sizeof *y);
  test_wrap_same_run(x, y);
  test_wrap_checkpoint(x, y);
  test_wrap_uses();
  test_wrap_errors();
  test_callback_rows(x, y);
  test_callback_rows_checkpoint(x, y);
  test_callback_rows_errors();
  test_noise_listing();
  test_noise_matches_lua();
  /* slope never wrote to the host's arrays */
  CHECK(memcmp(x, x_was, NROWS * sizeof *x) == 0);
  CHECK(memcmp(y, y_was, NROWS * sizeof *y) == 0);
  free(x);
  free(y);
  free(x_was);
  free(y_was);
  slope_free(S);
  return check_done();
}
