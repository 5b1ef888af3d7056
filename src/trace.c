/*
** trace.c -- the record of a run, kept compactly in C: one row of doubles
** per recorded step (step, f, lr, grad_norm, batch_f, nfev, x[0..n)), written out
** as CSV or JSON on request.  Row k describes one point, x_k, with f and the
** gradient norm there; batch_f (mini-batch runs only) is the loss of step
** k's batch, which was measured at x_{k-1}; nfev counts the objective
** evaluations made until the row was recorded.  A file is written to 'path.tmp' and renamed over
** 'path' once complete, so a reader (or a run killed mid-write) never sees
** half a trace; a path that is not a regular file (a pipe, /dev/stdout) is
** written in place.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace.h"

/* Columns of a row: step, f, lr, grad_norm, batch_f, then these. */
enum { NFEV = 5, X0 = 6 };

slope_trace *sx_trace_new(slope_ctx *S, int n, size_t expect, int minibatch) {
  slope_trace *t = calloc(1, sizeof *t);
  if (!t) return sx_error(S, SLOPE_ERRMEM, "out of memory"), NULL;
  t->S = S;
  t->n = n;
  t->minibatch = minibatch;
  t->stride = X0 + (size_t)n;
  /* room for 'expect' rows, at most 16 MB (or the bound) at first and at
  ** least 16 rows: a longer trace grows */
  double first = S->maxmem > 0 && S->maxmem < (double)(16 << 20) ? S->maxmem : (double)(16 << 20);
  size_t most = (size_t)(first / (double)(t->stride * sizeof(double)));
  t->cap = expect < most ? expect : most;
  if (t->cap < 16) t->cap = 16;
  if (!(t->rows = malloc(t->cap * t->stride * sizeof *t->rows))) {
    free(t);
    return sx_error(S, SLOPE_ERRMEM, "out of memory"), NULL;
  }
  return t;
}

void slope_trace_free(slope_trace *t) {
  if (!t) return;
  free(t->rows);
  free(t);
}

int sx_trace_add(slope_trace *t, long step, double f, double lr, double gnorm, double batch_f,
                 long nfev, const double *x) {
  if (t->nrows == t->cap) {
    double bytes = 2.0 * (double)t->cap * (double)t->stride * sizeof(double);
    if (t->S->maxmem > 0 && bytes > t->S->maxmem)
      return sx_error(t->S, SLOPE_ERRMEM, "the trace would take %.0f MB, more than half this machine's "
                      "memory", bytes / 1e6);
    double *r = realloc(t->rows, 2 * t->cap * t->stride * sizeof *r);
    if (!r) return sx_error(t->S, SLOPE_ERRMEM, "out of memory recording the trace");
    t->rows = r;
    t->cap *= 2;
  }
  double *row = t->rows + t->nrows++ * t->stride;
  row[0] = (double)step;
  row[1] = f;
  row[2] = lr;
  row[3] = gnorm;
  row[4] = batch_f;
  row[NFEV] = (double)nfev;   /* exact below 2^53 */
  memcpy(row + X0, x, (size_t)t->n * sizeof *x);
  return SLOPE_OK;
}

size_t slope_trace_rows(const slope_trace *t) { return t ? t->nrows : 0; }
int slope_trace_nparams(const slope_trace *t) { return t ? t->n : 0; }

int slope_trace_row(const slope_trace *t, size_t k, long *step, double *f, double *lr,
                    double *gnorm, double *x) {
  if (!t) return SLOPE_ERRMISUSE;   /* a getter: nothing recorded */
  if (k >= t->nrows) return SLOPE_ERRARG;
  const double *row = t->rows + k * t->stride;
  if (step) *step = (long)row[0];
  if (f) *f = row[1];
  if (lr) *lr = row[2];
  if (gnorm) *gnorm = row[3];
  if (x) memcpy(x, row + X0, (size_t)t->n * sizeof *x);
  return SLOPE_OK;
}

int slope_trace_minibatch(const slope_trace *t) { return t ? t->minibatch : 0; }

long slope_trace_nfev(const slope_trace *t, size_t k) {
  if (!t || k >= t->nrows) return -1;
  return (long)t->rows[k * t->stride + NFEV];
}

double slope_trace_batch_f(const slope_trace *t, size_t k) {
  if (!t || k >= t->nrows) return NAN;
  return t->rows[k * t->stride + 4];
}

/* An output file in the making: 'tmp' is NULL when written in place. */
typedef struct out {
  FILE *fp;
  char *tmp;
} out;

static int open_out(const slope_trace *t, const char *path, out *o) {
  struct stat st;
  const char *target = path;
  o->tmp = NULL;
  if (stat(path, &st) != 0 || S_ISREG(st.st_mode)) {
    size_t len = strlen(path);
    if (!(o->tmp = malloc(len + 5))) return sx_error(t->S, SLOPE_ERRMEM, "out of memory");
    memcpy(o->tmp, path, len);
    memcpy(o->tmp + len, ".tmp", 5);
    target = o->tmp;
  }
  if (!(o->fp = fopen(target, "w"))) {
    int e = errno;
    free(o->tmp);
    return sx_error(t->S, SLOPE_ERRIO, "cannot write '%s': %s", path, strerror(e));
  }
  return SLOPE_OK;
}

static int close_out(const slope_trace *t, out *o, const char *path) {
  int bad = fflush(o->fp) != 0 || ferror(o->fp);
  if (!bad && o->tmp && fsync(fileno(o->fp)) != 0) bad = 1;
  if (fclose(o->fp) != 0) bad = 1;
  if (!bad && o->tmp && rename(o->tmp, path) != 0) bad = 1;
  int e = errno;
  if (bad && o->tmp) unlink(o->tmp);
  free(o->tmp);
  if (bad) return sx_error(t->S, SLOPE_ERRIO, "error writing '%s': %s", path, strerror(e));
  return SLOPE_OK;
}

static const char *param_name(const char *const *names, int i, char *tmp, size_t n) {
  if (names && names[i]) return names[i];
  snprintf(tmp, n, "x%d", i + 1);
  return tmp;
}

int slope_trace_csv(const slope_trace *t, const char *path, const char *const *names) {
  out o;
  SX_ENTER_OBJ(t, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(t->S, !path, SLOPE_ERRMISUSE, "the path is NULL");
  if (open_out(t, path, &o) != SLOPE_OK) return t->S->errcode;
  FILE *fp = o.fp;
  char tmp[32];
  fputs(t->minibatch ? "step,f,lr,grad_norm,batch_f,nfev" : "step,f,lr,grad_norm,nfev", fp);
  for (int i = 0; i < t->n; i++) fprintf(fp, ",%s", param_name(names, i, tmp, sizeof tmp));
  fputc('\n', fp);
  for (size_t k = 0; k < t->nrows; k++) {
    const double *row = t->rows + k * t->stride;
    fprintf(fp, "%ld", (long)row[0]);
    for (size_t j = 1; j < t->stride; j++)
      if (j == NFEV) fprintf(fp, ",%ld", (long)row[j]);
      else if (j != 4 || t->minibatch) fprintf(fp, ",%.17g", row[j]);
    fputc('\n', fp);
  }
  return close_out(t, &o, path);
}

/* JSON has no NaN or Inf: write them as null. */
static void json_num(FILE *fp, double v) {
  if (v != v || v - v != 0) fputs("null", fp);
  else fprintf(fp, "%.17g", v);
}

int slope_trace_json(const slope_trace *t, const char *path, const char *const *names) {
  out o;
  SX_ENTER_OBJ(t, SLOPE_ERRMISUSE);
  SX_MISUSE_IF(t->S, !path, SLOPE_ERRMISUSE, "the path is NULL");
  if (open_out(t, path, &o) != SLOPE_OK) return t->S->errcode;
  FILE *fp = o.fp;
  char tmp[32];
  fputs("{\"params\": [", fp);
  for (int i = 0; i < t->n; i++) fprintf(fp, "%s\"%s\"", i ? ", " : "", param_name(names, i, tmp, sizeof tmp));
  fputs("],\n \"rows\": [\n", fp);
  for (size_t k = 0; k < t->nrows; k++) {
    const double *row = t->rows + k * t->stride;
    fprintf(fp, "  {\"step\": %ld, \"f\": ", (long)row[0]);
    json_num(fp, row[1]);
    fputs(", \"lr\": ", fp);
    json_num(fp, row[2]);
    fputs(", \"grad_norm\": ", fp);
    json_num(fp, row[3]);
    if (t->minibatch) {
      fputs(", \"batch_f\": ", fp);
      json_num(fp, row[4]);
    }
    fputs(", \"x\": [", fp);
    for (int i = 0; i < t->n; i++) {
      if (i) fputs(", ", fp);
      json_num(fp, row[X0 + i]);
    }
    fprintf(fp, "], \"nfev\": %ld}%s\n", (long)row[NFEV], k + 1 < t->nrows ? "," : "");
  }
  fputs(" ]}\n", fp);
  return close_out(t, &o, path);
}
