/*
** test_shapes.c -- array parameters and vector columns through the C API:
** the flat per-element names ("w[1]", "W[2,1]"), the grouped view read back
** from them (slope_problem_nvars / slope_problem_var), vector columns
** (slope_data_add_vector, slope_data_shape, CSV headers x[1], x[2], ...)
** and checkpoints of a problem with array parameters, resumed bit for bit.
** References: the names and offsets written out by hand, and for the run an
** uninterrupted run of the same steps.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "slope.h"

static slope_ctx *S;

/* The grouped view of 'p' as text: "w:1(3)@0 b:0@3 W:2(2x2)@4". */
static const char *view(const slope_problem *p) {
  static char out[512];
  size_t k = 0;
  out[0] = '\0';
  for (int v = 0; v < slope_problem_nvars(p); v++) {
    slope_shape sh;
    int off;
    const char *name = slope_problem_var(p, v, &sh, &off);
    if (sh.rank == 0) k += (size_t)snprintf(out + k, sizeof out - k, "%s%s:0@%d", v ? " " : "", name, off);
    else if (sh.rank == 1)
      k += (size_t)snprintf(out + k, sizeof out - k, "%s%s:1(%d)@%d", v ? " " : "", name, sh.dim[0], off);
    else
      k += (size_t)snprintf(out + k, sizeof out - k, "%s%s:2(%dx%d)@%d", v ? " " : "", name, sh.dim[0],
                            sh.dim[1], off);
  }
  return out;
}

/* sum over i of (x_i - i)^2 * (1 + i/10): a smooth bowl with its minimum at x_i = i */
static int bowl(void *ud, const double *x, double *f, double *g) {
  int n = *(const int *)ud;
  *f = 0;
  for (int i = 0; i < n; i++) {
    double d = x[i] - i, c = 1 + i / 10.0;
    *f += c * d * d;
    if (g) g[i] = 2 * c * d;
  }
  return SLOPE_OK;
}

static slope_problem *callback(int n, const char *const *names, int *ud) {
  *ud = n;
  slope_problem *p = slope_problem_callback(S, n, names, NULL, (slope_objective){bowl, NULL, ud});
  CHECK(p != NULL);
  return p;
}

/* ---- the grouped view of flat names ----------------------------------------------- */

static void test_groups(void) {
  int n;
  const char *mixed[] = {"w[1]", "w[2]", "w[3]", "b", "W[1,1]", "W[1,2]", "W[2,1]", "W[2,2]"};
  slope_problem *p = callback(8, mixed, &n);
  CHECK_INT(slope_problem_nparams(p), 8);
  CHECK_INT(slope_problem_nvars(p), 3);
  CHECK_STR(view(p), "w:1(3)@0 b:0@3 W:2(2x2)@4");
  slope_problem_free(p);
  /* what does not form a whole run from index 1 stays a scalar of that name */
  const char *odd[] = {"w[2]", "w[1]", "v[01]", "A[1,1]", "A[1,2]", "A[2,1]", "u[1]", "u[1]x"};
  p = callback(8, odd, &n);
  CHECK_STR(view(p), "w[2]:0@0 w:1(1)@1 v[01]:0@2 A:2(1x2)@3 A[2,1]:0@5 u:1(1)@6 u[1]x:0@7");
  slope_problem_free(p);
  /* a plain problem: one scalar per name, as before */
  slope_expr f = slope_parse(S, "(a - 1)^2 + b^2", 15);
  p = slope_problem_new(S, f, (const char *[]){"a", "b"}, (double[]){3, 4}, 2, NULL);
  CHECK_STR(view(p), "a:0@0 b:0@1");
  slope_problem_free(p);
}

/* Scalar shapes are slope_problem_new exactly; the element names of arrays. */
static void test_new_shaped(void) {
  slope_expr f = slope_parse(S, "(a - 1)^2 + 3*b^2", 17);
  slope_shape scal[2] = {{0, {1, 1}}, {0, {1, 1}}};
  slope_problem *p = slope_problem_new_shaped(S, f, (const char *[]){"a", "b"}, scal, (double[]){3, 4}, 2, NULL);
  slope_problem *q = slope_problem_new(S, f, (const char *[]){"a", "b"}, (double[]){3, 4}, 2, NULL);
  CHECK(p && q);
  double fp, fq, gp[2], gq[2];
  CHECK(slope_problem_eval(p, slope_problem_x(p), &fp, gp) == SLOPE_OK);
  CHECK(slope_problem_eval(q, slope_problem_x(q), &fq, gq) == SLOPE_OK);
  CHECK(fp == 52 && fq == 52 && gp[0] == 4 && gq[0] == 4 && gp[1] == 24 && gq[1] == 24);
  CHECK_STR(view(p), "a:0@0 b:0@1");
  slope_problem_free(p);
  slope_problem_free(q);
  /* NULL shapes: every parameter a scalar */
  p = slope_problem_new_shaped(S, f, (const char *[]){"b", "a"}, NULL, (double[]){1, 2}, 2, NULL);
  CHECK(p && slope_problem_x(p)[0] == 1 && strcmp(slope_problem_name(p, 1), "a") == 0);
  slope_problem_free(p);
}

/* ---- vector columns ----------------------------------------------------------------- */

static void test_vector_columns(void) {
  slope_data *d = slope_data_new(S);
  double x[6] = {1, 2, 3, 4, 5, 6}, y[3] = {7, 8, 9};
  CHECK(slope_data_add(d, "y", y, 3) == SLOPE_OK);
  CHECK(slope_data_add_vector(d, "x", x, 3, 2) == SLOPE_OK);
  CHECK_INT(slope_data_ncols(d), 3);
  CHECK_STR(slope_data_name(d, 1), "x[1]");
  CHECK_STR(slope_data_name(d, 2), "x[2]");
  const double *x2 = slope_data_find(d, "x[2]");
  CHECK(x2 && x2[0] == 2 && x2[1] == 4 && x2[2] == 6);   /* element 2 of each row */
  slope_shape sh;
  CHECK_INT(slope_data_shape(d, "x", &sh), 1);
  CHECK(sh.rank == 1 && sh.dim[0] == 2);
  CHECK_INT(slope_data_shape(d, "y", &sh), 0);
  CHECK(sh.rank == 0);
  CHECK_INT(slope_data_shape(d, "z", &sh), -1);
  /* one name, one meaning: a scalar x next to the vector x is refused, as is a second x */
  CHECK(slope_data_add(d, "x", y, 3) == SLOPE_ERRNAME);
  CHECK(strstr(slope_error_get(S).message, "would share the name 'x'") != NULL);
  CHECK(slope_data_add_vector(d, "x", x, 3, 2) == SLOPE_ERRNAME);
  CHECK(slope_data_add_vector(d, "y", x, 3, 2) == SLOPE_ERRNAME);
  CHECK(slope_data_add(d, "y[1]", y, 3) == SLOPE_ERRNAME);
  slope_clear_error(S);
  /* a failed vector leaves nothing behind */
  double bad[6] = {1, 2, 3, NAN, 5, 6};
  CHECK(slope_data_add_vector(d, "v", bad, 3, 2) == SLOPE_ERRDATA);
  CHECK_INT(slope_data_ncols(d), 3);
  CHECK_INT(slope_data_shape(d, "v", NULL), -1);
  slope_clear_error(S);
  /* the CSV file's header x[1],x[2] reads back as the same vector column */
  char path[] = "/tmp/slope_shapes_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  CHECK(slope_data_write_csv(d, path) == SLOPE_OK);
  slope_data *e = slope_data_csv(S, path);
  CHECK(e != NULL);
  CHECK_INT(slope_data_shape(e, "x", &sh), 1);
  CHECK(sh.rank == 1 && sh.dim[0] == 2 && slope_data_find(e, "x[1]")[2] == 5);
  slope_data_free(e);
  /* elements out of order, or not side by side, are refused with the line */
  FILE *fo = fopen(path, "w");
  fputs("x[2],x[1]\n1,2\n", fo);
  fclose(fo);
  CHECK(slope_data_csv(S, path) == NULL && strstr(slope_error_get(S).message, "'x[2]' must come right after 'x[1]'"));
  CHECK(strncmp(slope_error_get(S).message, path, strlen(path)) == 0
        && strstr(slope_error_get(S).message, ": header: column 'x[2]'"));   /* said of the file (fuzz_csv) */
  slope_clear_error(S);
  slope_data *e2 = slope_data_new(S);
  CHECK(slope_data_add(e2, "x[1]", y, 3) == SLOPE_OK && slope_data_add(e2, "y", y, 3) == SLOPE_OK);
  CHECK(slope_data_add(e2, "x[2]", y, 3) == SLOPE_ERRDATA);
  CHECK(slope_data_add(e2, "z[1]", y, 3) == SLOPE_OK && slope_data_add(e2, "z[2]", y, 3) == SLOPE_OK);
  slope_shape zs;
  CHECK(slope_data_shape(e2, "z", &zs) == 2 && zs.rank == 1 && zs.dim[0] == 2);
  slope_clear_error(S);
  slope_data_free(e2);
  /* headers that name a vector wrongly: x[0] and x[a] are not names */
  FILE *fp = fopen(path, "w");
  fputs("x[0],y\n1,2\n", fp);
  fclose(fp);
  CHECK(slope_data_csv(S, path) == NULL && slope_error_get(S).code == SLOPE_ERRDATA);
  slope_clear_error(S);
  remove(path);
  slope_data_free(d);
}

/* ---- checkpoints of array parameters ------------------------------------------------ */

static void test_checkpoint(void) {
  const char *names[] = {"w[1]", "w[2]", "w[3]", "b", "W[1,1]", "W[1,2]", "W[2,1]", "W[2,2]"};
  int n;
  char path[] = "/tmp/slope_shapes_ck_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  slope_run_opts o;
  slope_result r;
  double full[8];
  for (int pass = 0; pass < 3; pass++) {   /* 40 steps; 20 with a checkpoint; resumed to 40 */
    slope_problem *p = callback(8, names, &n);
    slope_optim *a = slope_optim_new(S, "adam", 8);
    slope_run_defaults(&o);
    slope_result_init(&r);
    o.steps = pass == 1 ? 20 : 40;
    if (pass == 1) o.checkpoint_path = path, o.checkpoint_every = 20;
    if (pass == 2) o.resume_path = path;
    CHECK(slope_run(p, a, &o, &r, NULL) == SLOPE_OK);
    if (pass == 0) memcpy(full, slope_problem_x(p), sizeof full);
    if (pass == 2) CHECK(memcmp(full, slope_problem_x(p), sizeof full) == 0);
    slope_optim_free(a);
    slope_problem_free(p);
  }
  /* another shape of the same elements is another problem */
  const char *other[] = {"w[1]", "w[2]", "w[3]", "b", "W[1,1]", "W[1,2]", "W[1,3]", "W[1,4]"};
  slope_problem *p = callback(8, other, &n);
  slope_optim *a = slope_optim_new(S, "adam", 8);
  CHECK(slope_checkpoint_load(S, path, p, a) != SLOPE_OK);
  CHECK(strstr(slope_error_get(S).message, "W[2,1]") != NULL);
  slope_clear_error(S);
  slope_optim_free(a);
  slope_problem_free(p);
  remove(path);
}

/* ---- compiled array problems against hand loops ------------------------------------ */

enum { ROWS = 7, K = 3, M = 2 };

/* Rows of features x (K), a scalar target y and a vector target t (M), from a fixed formula. */
static slope_data *model_data(double x[ROWS][K], double y[ROWS], double t[ROWS][M]) {
  for (int i = 0; i < ROWS; i++) {
    for (int j = 0; j < K; j++) x[i][j] = sin(1.3 * i + 0.7 * j) + 0.1 * j;
    y[i] = cos(0.9 * i);
    for (int j = 0; j < M; j++) t[i][j] = 0.5 * i - j;
  }
  slope_data *d = slope_data_new(S);
  CHECK(slope_data_add_vector(d, "x", &x[0][0], ROWS, K) == SLOPE_OK);
  CHECK(slope_data_add(d, "y", y, ROWS) == SLOPE_OK);
  CHECK(slope_data_add_vector(d, "t", &t[0][0], ROWS, M) == SLOPE_OK);
  return d;
}

/* mean((dot(w, x) + b - y)^2): a linear model with a vector of weights. */
static void test_linear_model(void) {
  double x[ROWS][K], y[ROWS], t[ROWS][M];
  slope_data *d = model_data(x, y, t);
  slope_expr f = slope_parse(S, "mean((dot(w, x) + b - y)^2)", 27);
  double x0[K + 1] = {0.5, -0.25, 2, 0.125};
  slope_problem *p = slope_problem_new_shaped(S, f, (const char *[]){"w", "b"},
                                              (slope_shape[]){{1, {K, 1}}, {0, {1, 1}}}, x0, 2, d);
  CHECK(p != NULL);
  if (!p) { slope_data_free(d); return; }
  CHECK_INT(slope_problem_nparams(p), K + 1);
  CHECK_STR(view(p), "w:1(3)@0 b:0@3");
  CHECK_STR(slope_problem_name(p, 2), "w[3]");
  double fv, g[K + 1], hf = 0, hg[K + 1] = {0};
  CHECK(slope_problem_eval(p, x0, &fv, g) == SLOPE_OK);
  for (int i = 0; i < ROWS; i++) {   /* the hand loop */
    double r = x0[K] - y[i];
    for (int j = 0; j < K; j++) r += x0[j] * x[i][j];
    hf += r * r / ROWS;
    for (int j = 0; j < K; j++) hg[j] += 2 * r * x[i][j] / ROWS;
    hg[K] += 2 * r / ROWS;
  }
  CHECK_NEAR(fv, hf, 1e-14);
  for (int j = 0; j <= K; j++) CHECK_NEAR(g[j], hg[j], 1e-13);
  /* a run with shuffled mini-batches checkpointed half way resumes bit for bit */
  char path[] = "/tmp/slope_shapes_lm_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  double full[K + 1];
  for (int pass = 0; pass < 3; pass++) {
    memcpy(slope_problem_x(p), x0, sizeof x0);
    CHECK(slope_problem_batch(p, 3, 1, 5) == SLOPE_OK);
    slope_optim *a = slope_optim_new(S, "adam", K + 1);
    slope_run_opts o;
    slope_result r;
    slope_run_defaults(&o);
    slope_result_init(&r);
    o.steps = pass == 1 ? 20 : 40;
    o.seed = 5;
    if (pass == 1) o.checkpoint_path = path, o.checkpoint_every = 20;
    if (pass == 2) o.resume_path = path;
    CHECK(slope_run(p, a, &o, &r, NULL) == SLOPE_OK);
    if (pass == 0) memcpy(full, slope_problem_x(p), sizeof full);
    if (pass == 2) CHECK(memcmp(full, slope_problem_x(p), sizeof full) == 0);
    slope_optim_free(a);
  }
  remove(path);
  slope_problem_free(p);
  slope_data_free(d);
}

/* mean(sum((W @ x + c - t)^2)): a matrix and a vector of parameters, a vector target. */
static void test_matrix_model(void) {
  double x[ROWS][K], y[ROWS], t[ROWS][M];
  slope_data *d = model_data(x, y, t);
  slope_expr f = slope_parse(S, "mean(sum((W @ x + c - t)^2))", 28);
  double x0[M * K + M];
  for (int i = 0; i < M * K + M; i++) x0[i] = 0.1 * i - 0.3;
  slope_problem *p = slope_problem_new_shaped(S, f, (const char *[]){"W", "c"},
                                              (slope_shape[]){{2, {M, K}}, {1, {M, 1}}}, x0, 2, d);
  CHECK(p != NULL);
  if (!p) { slope_data_free(d); return; }
  CHECK_STR(view(p), "W:2(2x3)@0 c:1(2)@6");
  CHECK_STR(slope_problem_name(p, 3), "W[2,1]");
  double fv, g[M * K + M], hf = 0, hg[M * K + M] = {0};
  CHECK(slope_problem_eval(p, x0, &fv, g) == SLOPE_OK);
  for (int i = 0; i < ROWS; i++)
    for (int a = 0; a < M; a++) {
      double r = x0[M * K + a] - t[i][a];
      for (int j = 0; j < K; j++) r += x0[a * K + j] * x[i][j];
      hf += r * r / ROWS;
      for (int j = 0; j < K; j++) hg[a * K + j] += 2 * r * x[i][j] / ROWS;
      hg[M * K + a] += 2 * r / ROWS;
    }
  CHECK_NEAR(fv, hf, 1e-14);
  for (int j = 0; j < M * K + M; j++) CHECK_NEAR(g[j], hg[j], 1e-13);
  slope_problem_free(p);
  /* a shape the expression cannot take is an error naming both shapes */
  p = slope_problem_new_shaped(S, f, (const char *[]){"W", "c"}, (slope_shape[]){{2, {M, K + 1}}, {1, {M, 1}}},
                               NULL, 2, d);
  CHECK(p == NULL && strstr(slope_error_get(S).message, "shapes do not fit") != NULL);
  slope_clear_error(S);
  slope_data_free(d);
}

int main(void) {
  S = slope_new();
  test_groups();
  test_new_shaped();
  test_vector_columns();
  test_checkpoint();
  test_linear_model();
  test_matrix_model();
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);
  slope_free(S);
  return check_done();
}
