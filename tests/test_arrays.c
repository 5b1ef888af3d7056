/*
** test_arrays.c -- the expression language of arrays: the constructors'
** canonical forms, shape inference and its errors, parsing and printing
** of the array syntax (every text reads back to the same node).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "expr.h"
#include "shape.h"

static sx_id var(slope_ctx *S, const char *name) { return sx_mkvar(S, name, strlen(name)); }
static sx_id num(slope_ctx *S, double v) { return sx_mknum(S, v); }

/* Text of 'e' in a static buffer (valid until the next call). */
static const char *text(const slope_ctx *S, sx_id e) {
  static char out[4096];
  sx_buf b = {0};
  sx_print(S, e, &b);
  snprintf(out, sizeof out, "%s", b.p ? b.p : "");
  sx_buf_free(&b);
  return out;
}

static void test_constructors(void) {
  slope_ctx *S = slope_new();
  sx_id x = var(S, "x"), w = var(S, "w"), A = var(S, "A"), one = num(S, 1);
  /* the whole vector as a slice is the vector */
  CHECK(sx_slice(S, x, one, sx_len(S, x)) == x);
  /* a slice of a slice is one slice; an element of a slice an element of the whole */
  sx_id s = sx_slice(S, x, num(S, 2), sx_len(S, x));
  CHECK(sx_slice(S, s, one, num(S, 2)) == sx_slice(S, x, num(S, 2), num(S, 3)));
  sx_id two = num(S, 2);
  CHECK(sx_index(S, s, &two, 1) == sx_index(S, x, (sx_id[]){num(S, 3)}, 1));
  /* the length of a slice and a range */
  CHECK(sx_len(S, sx_slice(S, x, two, num(S, 5))) == num(S, 4));
  CHECK(sx_len(S, sx_range(S, one, num(S, 9))) == num(S, 9));
  /* dot is symmetric, transpose an involution, pad by nothing is nothing */
  CHECK(sx_mkdot(S, x, w) == sx_mkdot(S, w, x));
  CHECK(sx_transpose(S, sx_transpose(S, A)) == A);
  CHECK(sx_pad(S, x, num(S, 0), num(S, 0)) == x);
  CHECK(sx_matmul(S, A, x) != sx_matmul(S, x, A));
  CHECK_STR(text(S, sx_matmul(S, A, x)), "A @ x");
  CHECK_STR(text(S, sx_mul(S, two, sx_matmul(S, A, x))), "2*(A @ x)");
  CHECK_STR(text(S, sx_sub(S, sx_len(S, x), one)), "#x - 1");
  CHECK_STR(text(S, sx_pow(S, sx_len(S, x), two)), "(#x)^2");
  CHECK_STR(text(S, s), "x[2..#x]");
  /* sx_apply builds array kinds with their arity checked */
  CHECK(sx_apply(S, SX_OUTER, (sx_id[]){x, w}, 2) == sx_outer(S, x, w));
  CHECK(sx_apply(S, SX_SOFTMAX, (sx_id[]){x, w}, 2) == SX_NIL);
  CHECK_INT(S->errcode, SLOPE_ERRARG);
  slope_free(S);
}

/* Shape of 'e' with x a vector of 3, W a 2x3 matrix, y scalar. */
static int infer(slope_ctx *S, sx_id e, sx_shape *r) {
  sx_id vars[2] = {var(S, "x"), var(S, "W")};
  sx_shape vs[2] = {{1, 3, 1}, {2, 2, 3}};
  sx_shape *out = malloc(S->nnodes * sizeof *out);
  int rc = sx_infer(S, e, vars, vs, 2, out, NULL);
  if (rc == SLOPE_OK) *r = out[e];
  free(out);
  return rc;
}

static void test_infer(void) {
  slope_ctx *S = slope_new();
  sx_id x = var(S, "x"), W = var(S, "W"), y = var(S, "y");
  sx_shape r;
  CHECK_INT(infer(S, sx_add(S, x, y), &r), SLOPE_OK);
  CHECK(r.rank == 1 && r.rows == 3);
  CHECK_INT(infer(S, sx_matmul(S, W, x), &r), SLOPE_OK);
  CHECK(r.rank == 1 && r.rows == 2);
  CHECK_INT(infer(S, sx_outer(S, sx_matmul(S, W, x), x), &r), SLOPE_OK);
  CHECK(r.rank == 2 && r.rows == 2 && r.cols == 3);
  CHECK_INT(infer(S, sx_transpose(S, W), &r), SLOPE_OK);
  CHECK(r.rank == 2 && r.rows == 3 && r.cols == 2);
  CHECK_INT(infer(S, sx_mkdot(S, x, x), &r), SLOPE_OK);
  CHECK(r.rank == 0);
  sx_id s = sx_slice(S, x, num(S, 2), sx_len(S, x));
  CHECK_INT(infer(S, s, &r), SLOPE_OK);
  CHECK(r.rank == 1 && r.rows == 2);
  CHECK_INT(infer(S, sx_add(S, W, x), &r), SLOPE_ERRARG);
  CHECK(strstr(S->errmsg, "a 2x3 matrix") && strstr(S->errmsg, "a vector of 3"));
  slope_clear_error(S);
  CHECK_INT(infer(S, sx_index(S, x, (sx_id[]){num(S, 4)}, 1), &r), SLOPE_ERRARG);
  CHECK(strstr(S->errmsg, "index 4 is out of range 1..3") != NULL);
  slope_clear_error(S);
  CHECK_INT(infer(S, sx_slice(S, x, num(S, 2), sx_add(S, sx_len(S, x), num(S, 1))), &r), SLOPE_ERRARG);
  CHECK(strstr(S->errmsg, "slice 2..4 is out of range 1..3") != NULL);
  slope_clear_error(S);
  CHECK_INT(infer(S, sx_index(S, x, &y, 1), &r), SLOPE_ERRARG);
  CHECK(strstr(S->errmsg, "known before evaluation") != NULL);
  slope_clear_error(S);
  slope_free(S);
}

/* Text that parses, prints as 'want' and reads back to the same node. */
static void round_trip(slope_ctx *S, const char *src, const char *want) {
  sx_id e = sx_parse(S, src, strlen(src));
  if (!CHECK(e != SX_NIL)) { fprintf(stderr, "    %s: %s\n", src, S->errmsg); slope_clear_error(S); return; }
  const char *got = text(S, e);
  CHECK_STR(got, want);
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", got);
  CHECK(sx_parse(S, copy, strlen(copy)) == e);
}

static void test_parse(void) {
  slope_ctx *S = slope_new();
  round_trip(S, "x[1] + W[2, 3]", "W[2, 3] + x[1]");
  round_trip(S, "x[2..#x]", "x[2..#x]");
  round_trip(S, "#x-1", "#x - 1");
  round_trip(S, "A @ x + b", "b + A @ x");
  round_trip(S, "2*A @ x", "2*A @ x");
  round_trip(S, "A @ (B @ x)", "A @ (B @ x)");
  round_trip(S, "dot(x, w)", "dot(w, x)");
  round_trip(S, "max(v) + max(a, b)", "max(a, b) + max(v)");
  round_trip(S, "softmax(W @ x + b)[2]", "softmax(b + W @ x)[2]");
  round_trip(S, "(#x)^2 + 2^#x - #x^2", "(#x)^2 - #(x^2) + 2^#x");
  round_trip(S, "x[1..3][2..3] + x[1..3][2]", "x[2] + x[2..3]");
  round_trip(S, "cross_entropy(z, k) + sum(onehot(k, 3)) + norm(pad(x, 1, 2))",
             "norm(pad(x, 1, 2)) + cross_entropy(z, k) + sum(onehot(k, 3))");
  round_trip(S, "sum(outer(a, b) + transpose(A)) + logsumexp(v) + sum(log_softmax(v))",
             "logsumexp(v) + sum(log_softmax(v)) + sum(outer(a, b) + transpose(A))");
  /* indexed sums are element sums over slices: N-dimensional Rosenbrock */
  round_trip(S, "sum(i = 1..#x-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)",
             "sum(100*(x[2..#x] - x[1..#x - 1]^2)^2 + (1 - x[1..#x - 1])^2)");
  round_trip(S, "sum(i = 1..n, x[i]*i)", "sum(x[1..n]*range(1, n))");
  round_trip(S, "sum(i = 1..3, y)", "3*y");
  /* '#' before a space is still a comment */
  round_trip(S, "# a comment\nx # another", "x");
  static const struct { const char *src, *msg; } bad[] = {
    {"sum(i = 1..3, x[2*i])", "indexed sum: an index must be the sum index plus a constant, not 'x[2*i]'"},
    {"mean(i = 1..3, x)", "1:1: only sum takes an index range"},
    {"x[1", "1:4: expected ']' to close '[' at 1:2 (unexpected end of input)"},
    {"x[1)", "1:4: expected ']' to close '[' at 1:2, found ')'"},
    {"f(1]", "1:4: expected ')' to close '(' at 1:2, found ']'"},
    {"x]", "1:2: unmatched ']'"},
    {"sum(pi = 1..2, x)", "'pi' cannot be the index of a sum"},
    {"x^2 #square", "1:5: unexpected '#' after an expression ('#x' is the length of x; a comment starts with '#' and a space)"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK(sx_parse(S, bad[i].src, strlen(bad[i].src)) == SX_NIL);
    if (!CHECK(strstr(S->errmsg, bad[i].msg) != NULL)) fprintf(stderr, "    %s\n", S->errmsg);
    slope_clear_error(S);
  }
  slope_free(S);
}

/* A shape error points into the text of the last parse. */
static void test_positions(void) {
  slope_ctx *S = slope_new();
  const char *src = "y = 1\nsum(x) + (W @ x)[1] + x[5]";
  sx_id e = sx_parse(S, src, strlen(src));
  sx_shape r;
  CHECK_INT(infer(S, e, &r), SLOPE_ERRARG);
  CHECK_STR(S->errmsg, "2:23: index 5 is out of range 1..3\nsum(x) + (W @ x)[1] + x[5]\n"
                       "                      ^");
  slope_clear_error(S);
  src = "dot(x, W)";
  e = sx_parse(S, src, strlen(src));
  CHECK_INT(infer(S, e, &r), SLOPE_ERRARG);
  CHECK(strstr(S->errmsg, "1:1: shapes do not fit: dot of a 2x3 matrix and a vector of 3") != NULL);
  slope_clear_error(S);
  /* a node built after the parse: the message quotes it */
  e = sx_add(S, var(S, "W"), sx_outer(S, var(S, "x"), var(S, "x")));
  CHECK_INT(infer(S, e, &r), SLOPE_ERRARG);
  CHECK(strstr(S->errmsg, "(in 'W + outer(x, x)')") != NULL);
  slope_clear_error(S);
  slope_free(S);
}

/* ---- the tree evaluator ------------------------------------------------------ */

/* x = (1, -2, 3), W = [[1, 2, 3], [4, 5, 6]], y = 0.5, k = 2 */
static const char *const names[] = {"x", "W", "y", "k"};
static const slope_shape shapes[] = {{1, {3, 1}}, {2, {2, 3}}, {0, {1, 1}}, {0, {1, 1}}};
static const double values[] = {1, -2, 3, 1, 2, 3, 4, 5, 6, 0.5, 2};

/* The value of 'src' (at most 8 elements) into out; its shape. */
static slope_shape value(slope_ctx *S, const char *src, double *out) {
  slope_shape r = {-1, {0, 0}};
  slope_expr e = slope_parse(S, src, strlen(src));
  if (!e || slope_eval_shaped(S, e, names, shapes, values, 4, out, 8, &r) != SLOPE_OK) r.rank = -1;
  return r;
}

static void expect(slope_ctx *S, const char *src, int rank, int m, int n, const double *want) {
  double got[8];
  slope_shape r = value(S, src, got);
  if (!CHECK(r.rank == rank && r.dim[0] == m && (rank < 2 || r.dim[1] == n))) {
    fprintf(stderr, "    %s: rank %d %dx%d %s\n", src, r.rank, r.dim[0], r.dim[1], slope_error_get(S).message);
    return;
  }
  for (int i = 0; i < m * n; i++)
    if (!CHECK(fabs(got[i] - want[i]) <= 1e-12 * (1 + fabs(want[i]))))
      fprintf(stderr, "    %s [%d]: %.17g, expected %.17g\n", src, i, got[i], want[i]);
}

#define V(...) (const double[]){__VA_ARGS__}

static void test_eval(void) {
  slope_ctx *S = slope_new();
  expect(S, "x + y", 1, 3, 1, V(1.5, -1.5, 3.5));
  expect(S, "x*x - 1", 1, 3, 1, V(0, 3, 8));
  expect(S, "sin(x)", 1, 3, 1, V(sin(1), sin(-2), sin(3)));
  expect(S, "W @ x", 1, 2, 1, V(1 - 4 + 9, 4 - 10 + 18));
  expect(S, "(W @ x) @ W", 1, 3, 1, V(6 + 4 * 12, 12 + 5 * 12, 18 + 6 * 12));
  expect(S, "W @ transpose(W)", 2, 2, 2, V(14, 32, 32, 77));
  expect(S, "transpose(W)", 2, 3, 2, V(1, 4, 2, 5, 3, 6));
  expect(S, "outer(W @ x, x)", 2, 2, 3, V(6, -12, 18, 12, -24, 36));
  expect(S, "dot(x, x) + sum(x) + mean(x) + #x + #W", 0, 1, 1, V(14 + 2 + 2.0 / 3 + 3 + 2));
  expect(S, "x[2] + W[2, 3] + x[#x - 1]", 0, 1, 1, V(-2 + 6 - 2));
  expect(S, "x[2..#x]", 1, 2, 1, V(-2, 3));
  expect(S, "range(2, 4) + pad(x[1..1], 1, 1)", 1, 3, 1, V(2, 4, 4));
  expect(S, "max(x) + norm(x) + max(x[1], y)", 0, 1, 1, V(3 + sqrt(14) + 1));
  double l = log(exp(1) + exp(-2) + exp(3));
  expect(S, "logsumexp(x)", 0, 1, 1, V(l));
  expect(S, "softmax(x)", 1, 3, 1, V(exp(1 - l), exp(-2 - l), exp(3 - l)));
  expect(S, "log_softmax(x)", 1, 3, 1, V(1 - l, -2 - l, 3 - l));
  expect(S, "cross_entropy(x, k)", 0, 1, 1, V(l + 2));
  expect(S, "onehot(k, 4)", 1, 4, 1, V(0, 1, 0, 0));
  /* no overflow for large scores */
  expect(S, "logsumexp(1000*x)", 0, 1, 1, V(3000));
  /* N-dimensional Rosenbrock against its loop */
  double r = 100 * pow(-2 - 1, 2) + pow(1 - 1, 2) + 100 * pow(3 - 4, 2) + pow(1 + 2, 2);
  expect(S, "sum(i = 1..#x-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)", 0, 1, 1, V(r));
  /* errors: a label out of range at run time, mismatched shapes, scalar sums */
  double out[8];
  static const struct { const char *src, *msg; } bad[] = {
    {"cross_entropy(x, 4)", "1:1: label 4 is outside 1..3"},
    {"onehot(k + 0.5, 3)", "1:1: label 2.5 is outside 1..3"},
    {"x + W", "1:1: shapes do not fit: '+' of a 2x3 matrix and a vector of 3"},
    {"x @ x", "1:1: shapes do not fit: '@' of a vector of 3 and a vector of 3"},
    {"sum(y)", "'sum' needs data"},
    {"x[0]", "1:1: index 0 is out of range 1..3"},
    {"x[k]", "1:1: an index must be a number known before evaluation"},
    {"W[x, 1]", "1:1: an index must be a scalar, got a vector of 3"},
    {"x[1..W]", "1:1: a slice's end must be a scalar, got a 2x3 matrix"},
    {"sum(i = 1..#x, x[i + 1])", "1:1: slice 2..4 is out of range 1..3"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK(value(S, bad[i].src, out).rank == -1);
    const char *m = slope_error_get(S).message;
    if (!CHECK(strstr(m, bad[i].msg) != NULL)) fprintf(stderr, "    got %s\n", m);
  }
  /* slope_eval: arrays of scalars are fine, an array value is not */
  slope_expr e = slope_parse(S, "max(x) + sum(range(1, 3))", 25);
  double v;
  CHECK_INT(slope_eval(S, e, (const char *[]){"x"}, V(2), 1, &v), SLOPE_OK);
  CHECK_NEAR(v, 8, 0);
  e = slope_parse(S, "range(1, 3)", 11);
  CHECK_INT(slope_eval(S, e, NULL, NULL, 0, &v), SLOPE_ERRARG);
  slope_free(S);
}

/* ---- gradients against central differences ------------------------------------ */

/* The names of the gradient tests: vectors w, x, c of n, b of m, d of p,
** matrices A (m x n) and B (n x p), a scalar s. */
enum { NNAMES = 8 };
static const char *const gnames[NNAMES] = {"w", "x", "c", "b", "d", "A", "B", "s"};

typedef struct env {
  sx_id vars[NNAMES];
  sx_shape sh[NNAMES];
  double *vals[NNAMES];
} env;

static void env_init(slope_ctx *S, env *E, uint32_t n, uint32_t m, uint32_t p, uint64_t *seed) {
  sx_shape sh[NNAMES] = {{1, n, 1}, {1, n, 1}, {1, n, 1}, {1, m, 1}, {1, p, 1}, {2, m, n}, {2, n, p}, SX_SCALAR};
  for (int i = 0; i < NNAMES; i++) {
    E->vars[i] = var(S, gnames[i]);
    E->sh[i] = sh[i];
    E->vals[i] = malloc(sx_shape_size(sh[i]) * sizeof(double));
    for (uint64_t k = 0; k < sx_shape_size(sh[i]); k++) {
      *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
      E->vals[i][k] = ((double)(*seed >> 11) / 9007199254740992.0) * 2 - 1;
    }
  }
}

static void env_free(env *E) { for (int i = 0; i < NNAMES; i++) free(E->vals[i]); }

static double scalar_at(slope_ctx *S, env *E, sx_id e) {
  double *out = NULL, v = NAN;
  sx_shape r;
  if (sx_eval_shaped(S, e, E->vars, E->sh, (const double *const *)E->vals, NNAMES, &out, &r) == SLOPE_OK)
    v = out[0];
  free(out);
  return v;
}

/* The gradient of 'src' with respect to every name it uses, element by
** element, against central differences of the tree's value. */
static void check_grad(slope_ctx *S, env *E, const char *src) {
  sx_id e = sx_parse(S, src, strlen(src));
  if (!CHECK(e != SX_NIL)) { fprintf(stderr, "    %s: %s\n", src, S->errmsg); slope_clear_error(S); return; }
  int ranks[NNAMES];
  for (int i = 0; i < NNAMES; i++) ranks[i] = E->sh[i].rank;
  for (int i = 0; i < NNAMES; i++) {
    sx_id g = sx_grad(S, e, E->vars[i], E->vars, ranks, NNAMES);
    if (!CHECK(g != SX_NIL)) { fprintf(stderr, "    d%s %s: %s\n", gnames[i], src, S->errmsg); slope_clear_error(S); continue; }
    /* the gradient reads back to the same node */
    char copy[8192];
    snprintf(copy, sizeof copy, "%s", text(S, g));
    if (!CHECK(sx_parse(S, copy, strlen(copy)) == g)) fprintf(stderr, "    reprint of d%s %s: %s\n", gnames[i], src, copy);
    slope_clear_error(S);
    double *gv = NULL;
    sx_shape gs;
    if (!CHECK(sx_eval_shaped(S, g, E->vars, E->sh, (const double *const *)E->vals, NNAMES, &gv, &gs) == SLOPE_OK)) {
      fprintf(stderr, "    d%s %s = %s: %s\n", gnames[i], src, copy, S->errmsg);
      slope_clear_error(S);
      continue;
    }
    /* the gradient has the name's shape, or is a scalar standing for every element */
    CHECK(gs.rank == 0 || sx_shape_eq(gs, E->sh[i]));
    for (uint64_t k = 0; k < sx_shape_size(E->sh[i]); k++) {
      double x0 = E->vals[i][k], h = 1e-5 * (1 + fabs(x0));
      E->vals[i][k] = x0 + h;
      double fp = scalar_at(S, E, e);
      E->vals[i][k] = x0 - h;
      double fm = scalar_at(S, E, e);
      E->vals[i][k] = x0;
      double fd = (fp - fm) / (2 * h), got = gs.rank == 0 ? gv[0] : gv[k];
      if (!CHECK(fabs(got - fd) <= 1e-6 * (1 + fabs(fd))))
        fprintf(stderr, "    d%s[%llu] %s = %s: %.12g, central difference %.12g\n", gnames[i],
                (unsigned long long)k + 1, src, copy, got, fd);
    }
    free(gv);
  }
}

static void test_gradients(void) {
  static const char *const exprs[] = {
    "dot(w, x)", "sum(w^2)", "sum(sin(w)*x) + s*dot(w, w)", "mean(w*x) + max(w) + norm(x)",
    "sum(i = 1..#w-1, 100*(w[i+1] - w[i]^2)^2 + (1 - w[i])^2)",
    "sum(i = 1..#w, (w[i] - i)^2)", "sum(w[2..#w]*x[1..#x-1]) + sum(x[1..1])",
    "sum(A @ w)", "dot(b, A @ w)", "dot(w @ B, d)", "sum((A @ B)^2)", "sum(outer(w, b)) + sum(outer(b, x)^2)",
    "dot(transpose(A) @ b, w)", "sum(A*A) + A[1, 1]^2 + mean(A)", "logsumexp(w) + logsumexp(1000*x)",
    "cross_entropy(A @ w + b, 1)", "dot(softmax(w), x)", "dot(log_softmax(w), x) + sum(log_softmax(c))",
    "w[1]*s + x[#x]^3", "sum(pad(w, 1, 2)^2) + sum(pad(w, 0, 1))", "s*sum(b + s) + sum(exp(b) - s)",
    "sum(tanh(A @ w + b)*b)", "dot(tanh(A @ tanh(B @ d + x) + b), b)", "sum(atan2(w, x) + max(w, x) + hypot(w, c))",
    "sum(transpose(A @ B) @ b) + sum(transpose(B))", "sum(w)*sum(x) + sum((w^2 + 1)^s)", "sum(A @ transpose(A))",
  };
  static const uint32_t dims[][3] = {{1, 1, 1}, {3, 2, 4}, {5, 3, 2}};
  uint64_t seed = 7;
  for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
    slope_ctx *S = slope_new();
    env E;
    env_init(S, &E, dims[t][0], dims[t][1], dims[t][2], &seed);
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) check_grad(S, &E, exprs[i]);
    env_free(&E);
    slope_free(S);
  }
}

/* The printed derivatives the issue names, and lengths that do not grow with n. */
static void test_printed_gradients(void) {
  slope_ctx *S = slope_new();
  slope_expr e;
  static const struct { const char *src, *var, *want; } cases[] = {
    {"dot(w, x)", "w", "x"},
    {"sum(w^2)", "w", "2*w"},
    {"sum(w)", "w", "1"},
    {"mean(cross_entropy(W @ x + b, label))", "W",
     "mean_rows(outer(softmax(b + W @ x) - onehot(label, #b), x))"},
    {"mean((dot(w, x) + c - y)^2)", "w", "mean_rows(2*x*(c - y + dot(w, x)))"},
    {"sum(i = 1..#x-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)", "x",
     "pad(200*(x[2..#x] - x[1..#x - 1]^2), 1, 0) + pad(-400*x[1..#x - 1]*(x[2..#x] - x[1..#x - 1]^2) "
     "+ 2*x[1..#x - 1] - 2, 0, 1)"},
    {"x[2]^2", "x", "2*x[2]*onehot(2, #x)"},
    {"sum(x[2..#x])", "x", "pad(step(range(1, #x - 1)), 1, 0)"},
    /* a scalar expression of scalars: forward mode, as before */
    {"sin(z)^2", "z", "2*sin(z)*cos(z)"},
  };
  const char *dnames[] = {"w", "b", "x", "W"};
  slope_shape dshapes[] = {{1, {3, 1}}, {1, {3, 1}}, {1, {10, 1}}, {2, {3, 4}}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    e = slope_parse(S, cases[i].src, strlen(cases[i].src));
    slope_expr d = slope_diff_shaped(S, e, cases[i].var, dnames, dshapes, 4);
    const char *got = d ? slope_print(S, d) : slope_error_get(S).message;
    if (!CHECK(got && strcmp(got, cases[i].want) == 0)) fprintf(stderr, "    d%s %s = %s\n", cases[i].var, cases[i].src, got);
  }
  /* Rosenbrock with n = 10 and n = 10^6: one text */
  char t10[1024];
  slope_expr r = slope_parse(S, cases[5].src, strlen(cases[5].src));
  snprintf(t10, sizeof t10, "%s", slope_print(S, slope_diff_shaped(S, r, "x", dnames, dshapes, 4)));
  dshapes[2].dim[0] = 1000000;
  CHECK_STR(slope_print(S, slope_diff_shaped(S, r, "x", dnames, dshapes, 4)), t10);
  /* slope_diff implies ranks from use: x is indexed, so a vector */
  CHECK_STR(slope_print(S, slope_diff(S, r, "x")), t10);
  /* C code and LaTeX */
  const char *src = "dot(w, x) + W[1, 2]";
  e = slope_parse(S, src, strlen(src));
  CHECK(slope_ccode(S, e, "f", dnames, 2) == NULL);
  CHECK_STR(slope_error_get(S).message, "C code for array expressions is not supported yet");
  src = "sum(x[2..#x]) + #x + transpose(W) @ (W @ x)";
  e = slope_parse(S, src, strlen(src));
  CHECK_STR(slope_latex(S, e), "\\#x + W^{\\top} \\left(W x\\right) + \\operatorname{sum}\\left(x_{2 .. \\#x}\\right)");
  /* a Jacobian is refused */
  e = slope_parse(S, "w*x", 3);
  CHECK(slope_diff_shaped(S, e, "w", dnames, dshapes, 4) == 0);
  CHECK(strstr(slope_error_get(S).message, "Jacobian") != NULL);
  slope_free(S);
}

int main(void) {
  test_constructors();
  test_infer();
  test_parse();
  test_positions();
  test_eval();
  test_gradients();
  test_printed_gradients();
  return check_done();
}
