/*
** parallel.c -- data-parallel value and gradient of a mean over data rows:
** the rows a step uses are cut into chunks of SX_CHUNK rows, the chunks are
** shared out over k threads, and the chunks' results are combined by the
** calling thread in chunk order.  The chunks and the order of the sums never
** depend on k, so the value and the gradient are the same bit for bit for
** any number of threads (k = 1 included).  They are not bit for bit those of
** one tape over all the rows (slope_problem_new): that sums the rows in one
** running sum, this one sums each chunk's mean weighted by its rows; the two
** differ by rounding only (a few ulps).
**
** Each thread owns a context of its own with the objective parsed from its
** printed text and compiled to its own tape: threads share no mutable state
** (the chunks' results go to disjoint slots), which ThreadSanitizer checks
** (tests/test_tsan.sh).  A contiguous run of rows is bound directly (no
** copy); any other selection (a shuffled mini-batch) goes through the
** tape's row list.
**
** Combining chunk means is right when f is a mean over rows plus terms of
** the parameters alone; for anything else (log of a mean, a sum) the first
** evaluation over several chunks also evaluates one tape over all the rows
** and refuses the objective when the two disagree.
**
** fast_math (slope_parallel_fast_math) is turned on in every worker's tape
** at once, and only when all of them load libmvec with the same number of
** lanes: a row's value then does not depend on the worker that computes it
** (vmath.c gives every element the same vector code), and chunks start at
** multiples of the tapes' block size, so k = 1, 2, 3 stay equal bit for bit.
**
** Native code (jit.c): the tapes give the interpreter's bits, so which
** workers run native changes no result.  Only worker 0 (which every
** evaluation uses) compiles, in the default auto mode; the others are held
** off until it runs native and then load the same shared object from the
** cache in the background, instead of k compilers of one text at once.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "pool.h"
#include "slope.h"

#define SX_CHUNK ((size_t)65536)   /* rows per chunk: a multiple of any tape block size */

typedef struct worker {
  slope_ctx *S;
  slope_tape *T;
  int rc;
  char msg[256];
  /* the job of one evaluation */
  const struct slope_parallel *P;
  size_t c0, c1;                   /* chunks [c0, c1) */
} worker;

struct slope_parallel {
  slope_ctx *S;                    /* where errors go */
  int n, k, ncols;
  const double **cols;             /* the data's columns */
  const double **shifted;          /* k * ncols: each worker's columns moved to its chunk */
  size_t nrows;
  worker *w;
  sx_pool *pool;                   /* threads for workers 1..k-1, kept between evaluations */
  /* one evaluation */
  const double *x;
  const size_t *rows;
  size_t nsel;
  int want_grad;
  double *part;                    /* per chunk: f, then n gradient values */
  size_t cap;                      /* chunks 'part' holds */
  int checked;                     /* the mean-over-rows check has been made */
  int shared;                      /* workers 1.. were told to load worker 0's native code */
};

static void run_worker(void *ctx, int t);   /* the pool's job: worker t's chunks */

static void free_workers(slope_parallel *P) {
  for (int t = 0; t < P->k; t++) {
    slope_tape_free(P->w[t].T);
    slope_free(P->w[t].S);
  }
}

void slope_parallel_free(slope_parallel *P) {
  if (!P) return;
  sx_pool_free(P->pool);
  if (P->w) free_workers(P);
  free(P->w);
  free(P->cols);
  free(P->shifted);
  free(P->part);
  free(P);
}

/* Worker t's context and tape: f parsed from 'text' in a context of its own. */
static int make_worker(slope_parallel *P, int t, const char *text, const char *const *params,
                       const char *const *names) {
  worker *w = &P->w[t];
  if (!(w->S = slope_new())) return sx_error(P->S, SLOPE_ERRMEM, "out of memory");
  slope_expr e = slope_parse(w->S, text, strlen(text));
  if (e) w->T = slope_compile(w->S, e, params, P->n, names, P->ncols);
  if (!w->T || (t > 0 && slope_tape_jit(w->T, SLOPE_JIT_OFF) != SLOPE_OK)) {   /* worker 0 compiles */
    slope_error err = slope_error_get(w->S);
    return sx_error(P->S, err.code ? err.code : SLOPE_ERRMEM, "threads: %s", err.message);
  }
  return SLOPE_OK;
}

slope_parallel *slope_parallel_new(slope_ctx *S, slope_expr f, const char *const *params, int nparams,
                                   const slope_data *data, int threads) {
  SX_ENTER(S, NULL);
  SX_MISUSE_IF(S, !params || nparams < 1, NULL, "give the parameters' names ('params' NULL or 'nparams' < 1)");
  SX_MISUSE_IF(S, !data, NULL, "the data set is NULL (threads share out its rows)");
  SX_MISUSE_IF(S, sx_data_ctx(data) != S, NULL, "the data set was made from another context");
  if (threads < 1 || threads > 256)
    return sx_error(S, SLOPE_ERRARG, "threads must be a whole number from 1 to 256, got %d", threads), NULL;
  const char *printed = slope_print(S, f);
  if (!printed) return NULL;
  char *text = strdup(printed);
  slope_parallel *P = calloc(1, sizeof *P);
  int nc = slope_data_ncols(data);
  const char **names = malloc((size_t)(nc ? nc : 1) * sizeof *names);
  if (P) {
    P->S = S; P->n = nparams; P->k = threads; P->ncols = nc; P->nrows = slope_data_rows(data);
    P->w = calloc((size_t)threads, sizeof *P->w);
    P->cols = malloc((size_t)(nc ? nc : 1) * sizeof *P->cols);
    P->shifted = malloc((size_t)threads * (size_t)(nc ? nc : 1) * sizeof *P->shifted);
    P->pool = sx_pool_new(threads - 1, run_worker, P);
  }
  if (!text || !P || !names || !P->w || !P->cols || !P->shifted || !P->pool) {
    free(text); free(names); slope_parallel_free(P);
    return sx_error(S, SLOPE_ERRMEM, "out of memory"), NULL;
  }
  for (int j = 0; j < nc; j++) { names[j] = slope_data_name(data, j); P->cols[j] = slope_data_column(data, j); }
  int rc = SLOPE_OK;
  for (int t = 0; t < threads && rc == SLOPE_OK; t++) rc = make_worker(P, t, text, params, names);
  free(text);
  free(names);
  if (rc != SLOPE_OK) { slope_parallel_free(P); return NULL; }
  return P;
}

int slope_parallel_threads(const slope_parallel *P) { return P ? P->k : 0; }

int slope_parallel_fast_math(slope_parallel *P, int on) {
  SX_ENTER_OBJ(P, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(P->S, on != 0 && on != 1, SLOPE_ERRMISUSE, "on %d is not 0 (exact, the default) or 1 (fast_math)", on);
  int lanes = -1, same = 1;
  for (int t = 0; t < P->k; t++) {
    if (slope_tape_fast_math(P->w[t].T, on) != SLOPE_OK)
      return sx_error(P->S, SLOPE_ERRMEM, "threads: %s", slope_error_get(P->w[t].S).message);
    int l = slope_tape_fast_math_lanes(P->w[t].T);
    same = same && (lanes < 0 || l == lanes);
    lanes = l;
  }
  /* workers with different vector code would make the result depend on k: all exact then */
  for (int t = 0; !same && t < P->k; t++)
    if (slope_tape_fast_math(P->w[t].T, 0) != SLOPE_OK) return sx_error(P->S, SLOPE_ERRMEM, "out of memory");
  return SLOPE_OK;
}

int slope_parallel_fast_math_lanes(const slope_parallel *P) {
  return P ? slope_tape_fast_math_lanes(P->w[0].T) : 0;
}

slope_tape *slope_parallel_tape(slope_parallel *P, int t) {
  SX_ENTER_OBJ(P, NULL);
  SX_MISUSE_IF(P->S, t < 0 || t >= P->k, NULL, "thread %d is not one of the evaluator's (0 to %d)", t, P->k - 1);
  return P->w[t].T;
}

/* Once worker 0 runs native code, the others load it too (from the cache, in
** the background).  Called between evaluations, when no worker runs. */
static void share_native(slope_parallel *P) {
  if (P->shared) return;
  const char *st = slope_tape_jit_status(P->w[0].T, NULL);
  if (strncmp(st, "native", 6) != 0) return;
  P->shared = 1;
  for (int t = 1; t < P->k; t++)
    if (slope_tape_jit(P->w[t].T, SLOPE_JIT_ON) != SLOPE_OK) slope_clear_error(P->w[t].S);   /* it stays interpreted */
}

/* Whether rows[0..n) are consecutive (then they are bound as they lie). */
static int contiguous(const size_t *rows, size_t n) {
  for (size_t i = 1; i < n; i++) if (rows[i] != rows[0] + i) return 0;
  return 1;
}

/* Chunk c of the selection on worker w's tape: its mean and gradient. */
static int eval_chunk(worker *w, size_t c) {
  const slope_parallel *P = w->P;
  size_t lo = c * SX_CHUNK, m = P->nsel - lo < SX_CHUNK ? P->nsel - lo : SX_CHUNK;
  double *out = P->part + c * (size_t)(1 + P->n);
  const size_t *sel = P->rows ? P->rows + lo : NULL;
  size_t first = P->rows ? sel[0] : lo;
  int rc;
  if (!P->rows || contiguous(sel, m)) {
    const double **cols = P->shifted + (w - P->w) * (ptrdiff_t)(P->ncols ? P->ncols : 1);
    for (int j = 0; j < P->ncols; j++) cols[j] = P->cols[j] + first;
    if ((rc = slope_tape_bind(w->T, cols, m)) != SLOPE_OK) return rc;
    return slope_tape_grad(w->T, P->x, NULL, 0, out, P->want_grad ? out + 1 : NULL);
  }
  if ((rc = slope_tape_bind(w->T, P->cols, P->nrows)) != SLOPE_OK) return rc;
  return slope_tape_grad(w->T, P->x, sel, m, out, P->want_grad ? out + 1 : NULL);
}

static void run_worker(void *ctx, int t) {
  worker *w = &((slope_parallel *)ctx)->w[t];
  w->rc = SLOPE_OK;
  for (size_t c = w->c0; c < w->c1 && w->rc == SLOPE_OK; c++) w->rc = eval_chunk(w, c);
  if (w->rc != SLOPE_OK) {
    slope_error err = slope_error_get(w->S);
    size_t len = strlen(err.message);
    if (len >= sizeof w->msg) len = sizeof w->msg - 1;
    memcpy(w->msg, err.message, len);
    w->msg[len] = '\0';
  }
}

/* Share chunks [0, nchunks) out in contiguous runs, worker 0 on this thread. */
static int run_chunks(slope_parallel *P, size_t nchunks) {
  int k = (size_t)P->k < nchunks ? P->k : (int)nchunks, rc = SLOPE_OK;
  for (int t = 0; t < k; t++) {
    worker *w = &P->w[t];
    w->P = P;
    w->c0 = nchunks * (size_t)t / (size_t)k;
    w->c1 = nchunks * (size_t)(t + 1) / (size_t)k;
  }
  sx_pool_run(P->pool, k);
  for (int t = 0; t < k && rc == SLOPE_OK; t++)
    if (P->w[t].rc != SLOPE_OK) rc = sx_error(P->S, P->w[t].rc, "threads: %s", P->w[t].msg);
  return rc;
}

/* The check that f is a mean over rows: one tape over all the rows agrees. */
static int check_mean(slope_parallel *P, double f, const double *g) {
  worker *w = &P->w[0];
  double f1, *g1 = malloc((size_t)P->n * sizeof *g1);
  if (!g1) return sx_error(P->S, SLOPE_ERRMEM, "out of memory");
  int rc = slope_tape_bind(w->T, P->cols, P->nrows);
  if (rc == SLOPE_OK) rc = slope_tape_grad(w->T, P->x, P->rows, P->rows ? P->nsel : 0, &f1, g != NULL ? g1 : NULL);
  if (rc != SLOPE_OK) { free(g1); return sx_error(P->S, rc, "threads: %s", slope_error_get(w->S).message); }
  double scale = fabs(f1) > 1 ? fabs(f1) : 1;
  int same = fabs(f - f1) <= 1e-9 * scale || (isnan(f) && isnan(f1));
  if (g) {
    double gs = 1;
    for (int i = 0; i < P->n; i++) if (fabs(g1[i]) > gs) gs = fabs(g1[i]);
    for (int i = 0; i < P->n; i++) same = same && (fabs(g[i] - g1[i]) <= 1e-9 * gs || (isnan(g[i]) && isnan(g1[i])));
  }
  free(g1);
  if (!same)
    return sx_error(P->S, SLOPE_ERRARG, "threads: the objective is not a mean over the rows (f over all the rows, %.17g, "
                    "is not the mean of f over blocks of rows, %.17g): threads need f = mean(...) plus terms of the "
                    "parameters alone", f1, f);
  return SLOPE_OK;
}

int slope_parallel_eval(void *ud, const double *x, const size_t *rows, size_t nsel, double *f, double *g) {
  slope_parallel *P = ud;
  SX_ENTER_OBJ(P, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(P->S, !x || !f, SLOPE_ERRMISUSE, "the point 'x' and the output 'f' must not be NULL");
  if (!rows) nsel = P->nrows;
  SX_MISUSE_IF(P->S, nsel == 0 || nsel > P->nrows, SLOPE_ERRMISUSE, "nsel must be from 1 to %zu rows, got %zu",
               P->nrows, nsel);
  size_t nchunks = (nsel + SX_CHUNK - 1) / SX_CHUNK;
  if (nchunks > P->cap) {
    double *part = realloc(P->part, nchunks * (size_t)(1 + P->n) * sizeof *part);
    if (!part) return sx_error(P->S, SLOPE_ERRMEM, "out of memory");
    P->part = part;
    P->cap = nchunks;
  }
  P->x = x; P->rows = rows; P->nsel = nsel; P->want_grad = g != NULL;
  int rc = run_chunks(P, nchunks);
  if (rc != SLOPE_OK) return rc;
  share_native(P);
  /* chunk c's mean weighs its rows; in chunk order, so any k sums alike */
  size_t stride = (size_t)(1 + P->n);
  if (nchunks == 1) {
    *f = P->part[0];
    if (g) memcpy(g, P->part + 1, (size_t)P->n * sizeof *g);
  } else {
    double s = 0;
    for (size_t c = 0; c < nchunks; c++) s += (double)(c + 1 < nchunks ? SX_CHUNK : nsel - c * SX_CHUNK) * P->part[c * stride];
    *f = s / (double)nsel;
    for (int i = 0; g && i < P->n; i++) {
      double gi = 0;
      for (size_t c = 0; c < nchunks; c++)
        gi += (double)(c + 1 < nchunks ? SX_CHUNK : nsel - c * SX_CHUNK) * P->part[c * stride + 1 + (size_t)i];
      g[i] = gi / (double)nsel;
    }
    if (!P->checked) {
      P->checked = 1;
      if ((rc = check_mean(P, *f, g)) != SLOPE_OK) { P->checked = 0; return rc; }
    }
  }
  return SLOPE_OK;
}
