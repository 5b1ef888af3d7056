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
  round_trip(S, "(#x)^2 + 2^#x - #x^2", "(#x)^2 - #x^2 + 2^#x");
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

int main(void) {
  test_constructors();
  test_infer();
  test_parse();
  test_positions();
  return check_done();
}
