/*
** data.c -- data sets: named columns of doubles, all of one length, owned by
** the data set or, for a wrapped set, borrowed from the host (its first
** 'nborrowed' columns, which slope reads and never writes or frees).  Also the two ways of making one from nothing but a seed:
** synthetic regression data, and a shuffled train/test split of another set.
** (Reading CSV files is in csv.c; writing one is a loop of prints, here.)
**
** Every value is finite: a NaN or an infinity in the data would only show up
** much later as a "diverged" run far from its cause, so it is refused here.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elements.h"
#include "expr.h"


struct slope_data {
  slope_ctx *S;       /* where errors go */
  size_t rows;
  int ncols, capcols;
  char **names;       /* ncols NUL-terminated copies */
  const double **cols;  /* ncols arrays of 'rows' doubles */
  int nborrowed;      /* cols[0..nborrowed) are the host's (slope_data_wrap);
                      ** the rest are malloc'd and owned */
};

slope_data *slope_data_new(slope_ctx *S) {
  if (!S) return NULL;
  sx_enter(S);
  slope_data *d = calloc(1, sizeof *d);
  if (!d) {
    sx_error(S, SLOPE_ERRMEM, "data: out of memory");
    return NULL;
  }
  d->S = S;
  return d;
}

void slope_data_free(slope_data *d) {
  if (!d) return;
  for (int j = 0; j < d->ncols; j++) {
    free(d->names[j]);
    if (j >= d->nborrowed) free((void *)d->cols[j]);
  }
  free(d->names);
  free(d->cols);
  free(d);
}


/* Room for one more column; SLOPE_ERRMEM or SLOPE_ERRLIMIT recorded otherwise. */
static int grow_cols(slope_data *d) {
  if (d->ncols < d->capcols) return SLOPE_OK;
  if (d->ncols >= SX_MAX_COLS)
    return sx_error(d->S, SLOPE_ERRLIMIT, "data: more than %d columns", SX_MAX_COLS);
  int cap = d->capcols ? d->capcols * 2 : 4;
  if (cap > SX_MAX_COLS) cap = SX_MAX_COLS;
  char **names = realloc(d->names, (size_t)cap * sizeof *names);
  if (names) d->names = names;
  const double **cols = names ? realloc(d->cols, (size_t)cap * sizeof *cols) : NULL;
  if (!cols) return sx_error(d->S, SLOPE_ERRMEM, "data: out of memory");
  d->cols = cols;
  d->capcols = cap;
  return SLOPE_OK;
}

/* Check 'name' as a new column name of 'd'. */
static int check_new_name(slope_data *d, const char *name) {
  if (!name) return sx_error(d->S, SLOPE_ERRARG, "data: column name is NULL");
  if (strlen(name) > SX_MAX_NAME)
    return sx_error(d->S, SLOPE_ERRLIMIT, "data: column name '%.40s...' is longer than %d characters",
                    name, SX_MAX_NAME);
  size_t bl;
  long idx[2];
  if (!sx_valid_name(name, strlen(name)) && sx_element_parse(name, &bl, idx) != 1)
    return sx_error(d->S, SLOPE_ERRARG,
                    "data: column name '%s' is not a name (letters, digits and '_', not starting with a digit)",
                    name);
  if (slope_data_find(d, name))
    return sx_error(d->S, SLOPE_ERRNAME, "data: there is already a column '%s'", name);
  /* a scalar x and a vector column x[1], x[2], ... would be two meanings of x */
  char base[SX_MAX_NAME + 1];
  snprintf(base, sizeof base, "%.*s", (int)(sx_element_parse(name, &bl, idx) ? bl : strlen(name)), name);
  slope_shape sh;
  int at = slope_data_shape(d, base, &sh);
  if (at >= 0 && (sh.rank == 0) != (strcmp(base, name) == 0))
    return sx_error(d->S, SLOPE_ERRNAME, "data: column '%s' and the %s column '%s' would share the name '%s'",
                    name, sh.rank ? "vector" : "scalar", base, base);
  /* a vector column's elements stand side by side in order: x[k] right after x[k-1] */
  if (strcmp(base, name) != 0 && idx[0] > 1 && !(at >= 0 && at + sh.dim[0] == d->ncols && sh.dim[0] == idx[0] - 1))
    return sx_error(d->S, SLOPE_ERRDATA, "data: column '%s' must come right after '%s[%ld]' (the elements of a "
                    "vector column stand side by side, from %s[1])", name, base, idx[0] - 1, base);
  return SLOPE_OK;
}

/* Append a column: one that lives in malloc'd memory ('v' is taken over on
** success; the caller keeps it on failure), or the host's (slope_data_wrap,
** which appends those before any other). */
static int adopt(slope_data *d, const char *name, const double *v) {
  size_t len = strlen(name);
  char *copy = malloc(len + 1);
  if (!copy) return sx_error(d->S, SLOPE_ERRMEM, "data: out of memory");
  memcpy(copy, name, len + 1);
  d->names[d->ncols] = copy;
  d->cols[d->ncols] = v;
  d->ncols++;
  return SLOPE_OK;
}

/* Every value of column 'name' is finite (rows count from 0 in the message). */
static int check_finite(slope_data *d, const char *name, const double *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i]))
      return sx_error(d->S, SLOPE_ERRDATA, "data: column '%s', row %zu: %g is not a finite number",
                      name, i, v[i]);
  return SLOPE_OK;
}

int slope_data_add(slope_data *d, const char *name, const double *v, size_t n) {
  SX_ENTER_OBJ(d, SLOPE_ERRMISUSE);
  slope_ctx *S = d->S;
  int rc = check_new_name(d, name);
  if (rc != SLOPE_OK) return rc;
  if (d->ncols > 0 && n != d->rows)
    return sx_error(S, SLOPE_ERRDATA, "data: column '%s' has %zu rows, the data set has %zu",
                    name, n, d->rows);
  if (n > 0 && !v) return sx_error(S, SLOPE_ERRARG, "data: column '%s': values are NULL", name);
  if ((rc = check_finite(d, name, v, n)) != SLOPE_OK) return rc;
  if (n > SIZE_MAX / sizeof *v)
    return sx_error(S, SLOPE_ERRLIMIT, "data: column '%s' is too long", name);
  if ((rc = grow_cols(d)) != SLOPE_OK) return rc;
  double *copy = malloc(n ? n * sizeof *copy : 1);
  if (!copy) return sx_error(S, SLOPE_ERRMEM, "data: out of memory for column '%s' (%zu rows)", name, n);
  if (n) memcpy(copy, v, n * sizeof *copy);
  if ((rc = adopt(d, name, copy)) != SLOPE_OK) {
    free(copy);
    return rc;
  }
  d->rows = n;
  return SLOPE_OK;
}

/* The arguments of slope_data_wrap, before anything is made: the column
** index in a message counts from 0, as the arrays do, and comes with the
** name when there is one. */
static int check_wrap_args(slope_ctx *S, const char *const *names, const double *const *cols,
                           int ncols, size_t nrows) {
  if (!names) return sx_error(S, SLOPE_ERRARG, "data: 'names' is NULL");
  if (!cols) return sx_error(S, SLOPE_ERRARG, "data: 'cols' is NULL");
  if (ncols < 1 || ncols > SX_MAX_COLS)
    return sx_error(S, ncols < 1 ? SLOPE_ERRARG : SLOPE_ERRLIMIT,
                    "data: 'ncols' must be in [1, %d], got %d", SX_MAX_COLS, ncols);
  if (nrows == 0) return sx_error(S, SLOPE_ERRARG, "data: 'nrows' must be at least 1, got 0");
  if (nrows > SIZE_MAX / sizeof(double))
    return sx_error(S, SLOPE_ERRLIMIT, "data: %zu rows are too many", nrows);
  for (int j = 0; j < ncols; j++) {
    if (!names[j])
      return sx_error(S, SLOPE_ERRARG, "data: the name of column %d (counting from 0) is NULL", j);
    if (!cols[j])
      return sx_error(S, SLOPE_ERRARG, "data: column %d ('%.*s') is NULL (columns count from 0)",
                      j, SX_MAX_NAME, names[j]);
  }
  return SLOPE_OK;
}

slope_data *slope_data_wrap(slope_ctx *S, const char *const *names, const double *const *cols,
                            int ncols, size_t nrows) {
  SX_ENTER(S, NULL);
  if (check_wrap_args(S, names, cols, ncols, nrows) != SLOPE_OK) return NULL;
  slope_data *d = slope_data_new(S);
  if (!d) return NULL;
  for (int j = 0; j < ncols; j++) {
    if (check_new_name(d, names[j]) != SLOPE_OK || check_finite(d, names[j], cols[j], nrows) != SLOPE_OK ||
        grow_cols(d) != SLOPE_OK || adopt(d, names[j], cols[j]) != SLOPE_OK) {
      slope_data_free(d);
      return NULL;
    }
    d->nborrowed = d->ncols;   /* before the next check can fail, so free leaves it alone */
  }
  d->rows = nrows;
  return d;
}

slope_ctx *sx_data_ctx(const slope_data *d) { return d->S; }

size_t slope_data_rows(const slope_data *d) { return d ? d->rows : 0; }
int slope_data_ncols(const slope_data *d) { return d ? d->ncols : 0; }

const char *slope_data_name(const slope_data *d, int j) {
  return d && j >= 0 && j < d->ncols ? d->names[j] : NULL;
}

const double *slope_data_column(const slope_data *d, int j) {
  return d && j >= 0 && j < d->ncols ? d->cols[j] : NULL;
}

const double *slope_data_find(const slope_data *d, const char *name) {
  if (!d || !name) return NULL;
  for (int j = 0; j < d->ncols; j++)
    if (strcmp(d->names[j], name) == 0) return d->cols[j];
  return NULL;
}

/* ---- vector columns -------------------------------------------------------------- */

int slope_data_add_vector(slope_data *d, const char *name, const double *v, size_t rows, int k) {
  SX_ENTER_OBJ(d, SLOPE_ERRMISUSE);
  slope_ctx *S = d->S;
  if (!name || !sx_valid_name(name, strlen(name)))
    return sx_error(S, SLOPE_ERRARG, "data: the vector column's name '%.40s' is not a name", name ? name : "(NULL)");
  if (k < 1 || k > SX_MAX_COLS - d->ncols)
    return sx_error(S, k < 1 ? SLOPE_ERRARG : SLOPE_ERRLIMIT, "data: vector column '%s' must have k in [1, %d] "
                    "elements, got %d", name, SX_MAX_COLS - d->ncols, k);
  if (rows > 0 && !v) return sx_error(S, SLOPE_ERRARG, "data: vector column '%s': values are NULL", name);
  if (slope_data_shape(d, name, NULL) >= 0)
    return sx_error(S, SLOPE_ERRNAME, "data: there is already a column '%s'", name);
  if (rows > SIZE_MAX / sizeof *v) return sx_error(S, SLOPE_ERRLIMIT, "data: column '%s' is too long", name);
  double *col = malloc(rows ? rows * sizeof *col : 1);
  if (!col) return sx_error(S, SLOPE_ERRMEM, "data: out of memory for column '%s' (%zu rows)", name, rows);
  slope_shape sh = {1, {k, 1}};
  int rc = SLOPE_OK, ncols0 = d->ncols;
  for (int j = 0; j < k && rc == SLOPE_OK; j++) {   /* column j is element j+1 of every row */
    char elem[SX_MAX_NAME + 16];
    sx_element_name(elem, sizeof elem, name, &sh, (size_t)j);
    for (size_t i = 0; i < rows; i++) col[i] = v[i * (size_t)k + (size_t)j];
    rc = slope_data_add(d, elem, col, rows);
  }
  free(col);
  while (rc != SLOPE_OK && d->ncols > ncols0) {   /* all of it or nothing */
    d->ncols--;
    free(d->names[d->ncols]);
    free((void *)d->cols[d->ncols]);
  }
  return rc;
}

int slope_data_shape(const slope_data *d, const char *name, slope_shape *shape) {
  if (!d || !name) return -1;
  size_t len = strlen(name), bl;
  long idx[2];
  for (int j = 0; j < d->ncols; j++) {
    if (strcmp(d->names[j], name) == 0) {
      if (shape) *shape = (slope_shape){0, {1, 1}};
      return j;
    }
    if (sx_element_parse(d->names[j], &bl, idx) == 1 && bl == len && memcmp(d->names[j], name, len) == 0 && idx[0] == 1) {
      if (shape) *shape = sx_element_group((const char *const *)d->names, d->ncols, j).shape;
      return j;
    }
  }
  return -1;
}

/* ---- synthetic regression data ------------------------------------------------ */

/* A new column of 'n' doubles (contents undefined) named 'name'. */
static double *new_column(slope_data *d, const char *name, size_t n) {
  if (n > SIZE_MAX / sizeof(double)) {
    sx_error(d->S, SLOPE_ERRLIMIT, "data: %zu rows are too many", n);
    return NULL;
  }
  if (grow_cols(d) != SLOPE_OK) return NULL;
  double *v = malloc(n ? n * sizeof *v : 1);
  if (!v) {
    sx_error(d->S, SLOPE_ERRMEM, "data: out of memory for %zu rows", n);
    return NULL;
  }
  if (adopt(d, name, v) != SLOPE_OK) {
    free(v);
    return NULL;
  }
  d->rows = n;
  return v;
}

static int check_regression_args(slope_ctx *S, size_t n, const double *w, int nw,
                                 double b, double noise) {
  if (n < 1) return sx_error(S, SLOPE_ERRARG, "regression: 'n' must be at least 1, got 0");
  if (nw < 1 || nw >= SX_MAX_COLS || !w)
    return sx_error(S, SLOPE_ERRARG, "regression: the number of weights must be in [1, %d], got %d",
                    SX_MAX_COLS - 1, w ? nw : 0);
  for (int j = 0; j < nw; j++)
    if (!isfinite(w[j]))
      return sx_error(S, SLOPE_ERRARG, "regression: weight %d must be finite, got %g", j + 1, w[j]);
  if (!isfinite(b)) return sx_error(S, SLOPE_ERRARG, "regression: 'b' must be finite, got %g", b);
  if (!(noise >= 0) || !isfinite(noise))
    return sx_error(S, SLOPE_ERRARG, "regression: 'noise' must be finite and >= 0, got %g", noise);
  /* refuse what cannot fit rather than let the kernel's overcommit hand out
  ** memory that filling the columns then runs out of */
  size_t cols = (size_t)nw + 1;
  if (n > SIZE_MAX / sizeof(double) / cols)
    return sx_error(S, SLOPE_ERRLIMIT, "regression: %zu rows are too many", n);
  double need = (double)n * (double)cols * sizeof(double);
  if (S->maxmem > 0 && need > S->maxmem)
    return sx_error(S, SLOPE_ERRLIMIT, "regression: %zu columns of %zu rows need %.0f MB, "
                    "more than half this machine's memory", cols, n, need / 1e6);
  return SLOPE_OK;
}

/*
** Row by row, and within a row feature by feature, the draws are exactly:
**   for i in 0..n-1:  x_j[i] = normal() for j = 1..k;  e = normal();
**                     y[i] = (w_1 x_1[i] + ... + w_k x_k[i]) + b + noise*e
** (the sum accumulated left to right from 0).  The noise deviate is drawn
** even when 'noise' is 0, so the x columns of a seed never depend on it.
** Tests replay this loop, so it is part of the contract.
*/
slope_data *slope_data_regression(slope_ctx *S, size_t n, const double *w, int nw,
                                  double b, double noise, uint64_t seed) {
  if (!S) return NULL;
  sx_enter(S);
  if (check_regression_args(S, n, w, nw, b, noise) != SLOPE_OK) return NULL;
  slope_data *d = slope_data_new(S);
  if (!d) return NULL;
  double **x = malloc((size_t)nw * sizeof *x);
  if (!x) {
    sx_error(S, SLOPE_ERRMEM, "regression: out of memory");
    slope_data_free(d);
    return NULL;
  }
  for (int j = 0; j < nw; j++) {
    char name[16];
    if (nw == 1) snprintf(name, sizeof name, "x");
    else snprintf(name, sizeof name, "x%d", j + 1);
    if (!(x[j] = new_column(d, name, n))) goto fail;
  }
  double *y = new_column(d, "y", n);
  if (!y) goto fail;
  slope_rng r;
  slope_rng_seed(&r, seed);
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < nw; j++) {
      x[j][i] = slope_rng_normal(&r);
      s += w[j] * x[j][i];
    }
    y[i] = s + b + noise * slope_rng_normal(&r);
    if (!isfinite(y[i])) {
      sx_error(S, SLOPE_ERRARG, "regression: y overflows at row %zu; use smaller weights, 'b' or 'noise'", i);
      goto fail;
    }
  }
  free(x);
  return d;
fail:
  free(x);
  slope_data_free(d);
  return NULL;
}

/* ---- train/test split ----------------------------------------------------------- */

/* A new data set with the columns of 'd' and the rows perm[0..n-1] of it. */
static slope_data *gather(const slope_data *d, const size_t *perm, size_t n) {
  slope_data *out = slope_data_new(d->S);
  if (!out) return NULL;
  for (int j = 0; j < d->ncols; j++) {
    double *v = new_column(out, d->names[j], n);
    if (!v) {
      slope_data_free(out);
      return NULL;
    }
    const double *src = d->cols[j];
    for (size_t i = 0; i < n; i++) v[i] = src[perm[i]];
  }
  out->rows = n;
  return out;
}

/*
** The permutation is a Fisher-Yates shuffle of 0..n-1 driven by the seed:
** for i from n-1 down to 1, swap entries i and below(i+1).  The train part is
** the first round(fraction*n) entries in permuted order (kept within
** [1, n-1] so neither part is empty), the test part the rest.
*/
int slope_data_split(const slope_data *d, double fraction, uint64_t seed,
                     slope_data **train, slope_data **test) {
  if (train) *train = NULL;
  if (test) *test = NULL;
  SX_ENTER_OBJ(d, SLOPE_ERRMISUSE);
  slope_ctx *S = d->S;
  if (!train || !test) return sx_error(S, SLOPE_ERRARG, "split: 'train' and 'test' must not be NULL");
  if (!(fraction > 0 && fraction < 1))
    return sx_error(S, SLOPE_ERRARG, "split: 'fraction' must be in (0, 1), got %g", fraction);
  size_t n = d->rows;
  if (n < 2 || d->ncols == 0)
    return sx_error(S, SLOPE_ERRDATA, "split: needs at least 2 rows, the data set has %zu",
                    d->ncols ? n : 0);
  if (n > SIZE_MAX / sizeof(size_t))
    return sx_error(S, SLOPE_ERRLIMIT, "split: %zu rows are too many", n);
  size_t *perm = malloc(n * sizeof *perm);
  if (!perm) return sx_error(S, SLOPE_ERRMEM, "split: out of memory for %zu rows", n);
  for (size_t i = 0; i < n; i++) perm[i] = i;
  slope_rng r;
  slope_rng_seed(&r, seed);
  for (size_t i = n - 1; i >= 1; i--) {
    size_t j = (size_t)slope_rng_below(&r, (uint64_t)i + 1);
    size_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  double cut = round(fraction * (double)n);
  size_t ntrain = cut < 1 ? 1 : cut > (double)(n - 1) ? n - 1 : (size_t)cut;
  slope_data *a = gather(d, perm, ntrain);
  slope_data *b = a ? gather(d, perm + ntrain, n - ntrain) : NULL;
  free(perm);
  if (!b) {
    slope_data_free(a);
    return S->errcode ? S->errcode : SLOPE_ERRMEM;
  }
  *train = a;
  *test = b;
  return SLOPE_OK;
}

/* Write the data set as CSV: a header of the names, then one line per row
** with every number in the shortest text that reads back exactly.  One line
** is built at a time, so running out of memory is told apart from a full
** disk. */
static int write_csv(const slope_data *d, FILE *f) {
  for (int j = 0; j < d->ncols; j++) fprintf(f, "%s%s", j ? "," : "", d->names[j]);
  fputc('\n', f);
  sx_buf line = {0};
  for (size_t i = 0; i < d->rows && !line.oom; i++) {
    sx_buf_reset(&line);
    for (int j = 0; j < d->ncols; j++) {
      if (j) sx_buf_add(&line, ",", 1);
      sx_buf_num(&line, d->cols[j][i]);
    }
    sx_buf_add(&line, "\n", 1);
    if (!line.oom) fwrite(line.p, 1, line.n, f);
  }
  int oom = line.oom;
  sx_buf_free(&line);
  return oom ? ENOMEM : 0;
}

int slope_data_write_csv(const slope_data *d, const char *path) {
  SX_ENTER_OBJ(d, SLOPE_ERRMISUSE);
  if (!path) return sx_error(d->S, SLOPE_ERRARG, "no file name");
  FILE *f = fopen(path, "w");
  if (!f) return sx_error(d->S, SLOPE_ERRIO, "cannot open '%s': %s", path, strerror(errno));
  int err = write_csv(d, f);
  if (!err && ferror(f)) err = errno ? errno : EIO;
  if (fclose(f) != 0 && !err) err = errno ? errno : EIO;
  if (err) return sx_error(d->S, err == ENOMEM ? SLOPE_ERRMEM : SLOPE_ERRIO, "cannot write '%s': %s", path, strerror(err));
  return SLOPE_OK;
}
