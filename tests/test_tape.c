/*
** test_tape.c -- the compiled tape against independent references.
**
** Values are checked against hand-written double formulas and hand loops;
** gradients against central finite differences of the tape's own value and
** against the symbolic gradient (sx_diff) evaluated by the tiny recursive
** evaluator below, which shares no code with the tape.
*/
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tape.h"

static slope_ctx *S;

/* ---- building expressions ------------------------------------------------- */

static sx_id V(const char *n) { return sx_mkvar(S, n, strlen(n)); }
static sx_id N(double v) { return sx_mknum(S, v); }
static sx_id F1(int k, sx_id a) { return sx_apply(S, k, &a, 1); }
static sx_id F2(int k, sx_id a, sx_id b) { sx_id x[2] = {a, b}; return sx_apply(S, k, x, 2); }
static sx_id ADD(sx_id a, sx_id b) { return sx_add(S, a, b); }
static sx_id SUB(sx_id a, sx_id b) { return sx_sub(S, a, b); }
static sx_id MUL(sx_id a, sx_id b) { return sx_mul(S, a, b); }
static sx_id DIV(sx_id a, sx_id b) { return sx_div(S, a, b); }
static sx_id POW(sx_id a, sx_id b) { return sx_pow(S, a, b); }
static sx_id POWN(sx_id a, double k) { return sx_pow(S, a, N(k)); }
static sx_id MEAN(sx_id a) { return F1(SX_MEAN, a); }
static sx_id SUM(sx_id a) { return F1(SX_SUM, a); }

/* ---- a reference evaluator: plain recursion with a per-row memo ----------- */

typedef struct env {
  const char *const *names;  /* parameters */
  const double *x;
  int n;
  const char *const *cols;   /* data columns */
  const double *const *data;
  int ncols;
  size_t nrows;
  const size_t *rows;        /* selection, NULL for all rows */
  size_t nsel;
} env;

static double *memo_v;
static unsigned *memo_t, epoch;
static long cur_row = -1;

static double ref_sigmoid(double u) { return 1 / (1 + exp(-u)); }
static double ref_sign(double u) { return u > 0 ? 1 : u < 0 ? -1 : 0; }

static double ev(sx_id e, const env *E);

static double ev_reduce(sx_id e, const env *E) {
  size_t count = E->rows ? E->nsel : E->nrows;
  long saved = cur_row;
  double s = 0;
  for (size_t i = 0; i < count; i++) {
    cur_row = (long)(E->rows ? E->rows[i] : i);
    epoch++;
    s += ev(sx_kid(S, e, 0), E);
  }
  cur_row = saved;
  epoch++;
  return sx_kind(S, e) == SX_MEAN ? s / (double)count : s;
}

static double ev_var(sx_id e, const env *E) {
  const char *nm = sx_name(S, e);
  for (int i = 0; i < E->n; i++) if (!strcmp(nm, E->names[i])) return E->x[i];
  for (int j = 0; j < E->ncols; j++)
    if (!strcmp(nm, E->cols[j])) return cur_row >= 0 ? E->data[j][cur_row] : NAN;
  return NAN;
}

static double ev_node(sx_id e, const env *E) {
  double a = 0, b = 0;
  int k = sx_kind(S, e);
  if (k == SX_NUM) return sx_num(S, e);
  if (k == SX_VAR) return ev_var(e, E);
  if (sx_is_reduce(k)) return ev_reduce(e, E);
  if (k == SX_ADD || k == SX_MUL) {
    double r = k == SX_ADD ? 0 : 1;
    for (uint32_t i = 0; i < sx_nkids(S, e); i++)
      r = k == SX_ADD ? r + ev(sx_kid(S, e, i), E) : r * ev(sx_kid(S, e, i), E);
    return r;
  }
  a = ev(sx_kid(S, e, 0), E);
  if (sx_nkids(S, e) > 1) b = ev(sx_kid(S, e, 1), E);
  switch (k) {
  case SX_POW: return pow(a, b);
  case SX_SIN: return sin(a);
  case SX_COS: return cos(a);
  case SX_TAN: return tan(a);
  case SX_ASIN: return asin(a);
  case SX_ACOS: return acos(a);
  case SX_ATAN: return atan(a);
  case SX_SINH: return sinh(a);
  case SX_COSH: return cosh(a);
  case SX_TANH: return tanh(a);
  case SX_EXP: return exp(a);
  case SX_LOG: return log(a);
  case SX_LOG2: return log(a) / log(2.0);
  case SX_LOG10: return log(a) / log(10.0);
  case SX_CBRT: return cbrt(a);
  case SX_ABS: return fabs(a);
  case SX_SIGN: return ref_sign(a);
  case SX_STEP: return a > 0 ? 1 : 0;
  case SX_SIGMOID: return ref_sigmoid(a);
  case SX_RELU: return a > 0 ? a : 0;
  case SX_SOFTPLUS: return log(1 + exp(a));
  case SX_ERF: return erf(a);
  case SX_ATAN2: return atan2(a, b);
  case SX_HYPOT: return sqrt(a * a + b * b);
  case SX_MIN: return a < b ? a : b;
  case SX_MAX: return a > b ? a : b;
  default: return NAN;
  }
}

static double ev(sx_id e, const env *E) {
  if (memo_t[e] == epoch) return memo_v[e];
  double v = ev_node(e, E);
  memo_t[e] = epoch;
  memo_v[e] = v;
  return v;
}

static double eval_ref(sx_id e, const env *E) {
  free(memo_v);
  free(memo_t);
  memo_v = calloc(S->nnodes, sizeof *memo_v);
  memo_t = calloc(S->nnodes, sizeof *memo_t);
  epoch = 1;
  cur_row = -1;
  return ev(e, E);
}

/* ---- checking one tape against every reference ----------------------------- */

static slope_tape *compile(sx_id e, const char *const *params, int np,
                           const char *const *cols, int nc) {
  slope_tape *T = slope_compile(S, e, params, np, cols, nc);
  if (!T) fprintf(stderr, "    compile failed: %s\n", slope_error_get(S).message);
  return T;
}

/* Tape value and gradient vs finite differences (rel 'fdtol') and the
** symbolic gradient (rel 'symtol'); 'want' is an optional exact value. */
static void check_tape(slope_tape *T, sx_id e, const env *E, const double *want,
                       double fdtol, double symtol) {
  double f = NAN, g[8], fv = NAN, x[8];
  int n = E->n;
  CHECK_INT(slope_tape_grad(T, E->x, E->rows, E->nsel, &f, g), SLOPE_OK);
  CHECK_INT(slope_tape_grad(T, E->x, E->rows, E->nsel, &fv, NULL), SLOPE_OK);
  CHECK(f == fv);
  CHECK_NEAR(f, eval_ref(e, E), symtol);
  if (want) CHECK_NEAR(f, *want, symtol);
  for (int i = 0; i < n; i++) {
    memcpy(x, E->x, (size_t)n * sizeof *x);
    double h = 1e-5 * (fabs(x[i]) > 1 ? fabs(x[i]) : 1), fp, fm;
    x[i] = E->x[i] + h;
    int rc = slope_tape_grad(T, x, E->rows, E->nsel, &fp, NULL);
    x[i] = E->x[i] - h;
    if (rc != SLOPE_OK || slope_tape_grad(T, x, E->rows, E->nsel, &fm, NULL) != SLOPE_OK) fp = fm = NAN;
    double fd = (fp - fm) / (2 * h);
    sx_id d = sx_diff(S, e, V(E->names[i]));
    double sym = eval_ref(d, E);
    if (!check_close(g[i], fd, fdtol) || !check_close(g[i], sym, symtol))
      fprintf(stderr, "    d/d%s of %s\n", E->names[i], slope_print(S, e));
    CHECK_NEAR(g[i], fd, fdtol);
    CHECK_NEAR(g[i], sym, symtol);
  }
}

/* ---- every function of the language ---------------------------------------- */

typedef struct fcase {
  const char *name;
  int kind;                    /* SX_* for fn1/fn2; -1 for the special forms below */
  double lo, hi, lo2, hi2;     /* domain of a (and b) */
  double (*ref)(double, double);
} fcase;

static double r_sin(double a, double b) { (void)b; return sin(a); }
static double r_cos(double a, double b) { (void)b; return cos(a); }
static double r_tan(double a, double b) { (void)b; return tan(a); }
static double r_asin(double a, double b) { (void)b; return asin(a); }
static double r_acos(double a, double b) { (void)b; return acos(a); }
static double r_atan(double a, double b) { (void)b; return atan(a); }
static double r_sinh(double a, double b) { (void)b; return sinh(a); }
static double r_cosh(double a, double b) { (void)b; return cosh(a); }
static double r_tanh(double a, double b) { (void)b; return tanh(a); }
static double r_exp(double a, double b) { (void)b; return exp(a); }
static double r_log(double a, double b) { (void)b; return log(a); }
static double r_log2(double a, double b) { (void)b; return log(a) / log(2.0); }
static double r_log10(double a, double b) { (void)b; return log(a) / log(10.0); }
static double r_cbrt(double a, double b) { (void)b; return cbrt(a); }
static double r_abs(double a, double b) { (void)b; return fabs(a); }
static double r_sign(double a, double b) { (void)b; return ref_sign(a); }
static double r_step(double a, double b) { (void)b; return a > 0; }
static double r_sigmoid(double a, double b) { (void)b; return ref_sigmoid(a); }
static double r_relu(double a, double b) { (void)b; return a > 0 ? a : 0; }
static double r_softplus(double a, double b) { (void)b; return log(1 + exp(a)); }
static double r_erf(double a, double b) { (void)b; return erf(a); }
static double r_atan2(double a, double b) { return atan2(a, b); }
static double r_hypot(double a, double b) { return sqrt(a * a + b * b); }
static double r_min(double a, double b) { return a < b ? a : b; }
static double r_max(double a, double b) { return a > b ? a : b; }
static double r_pow(double a, double b) { return pow(a, b); }

static const fcase fcases[] = {
  {"sin", SX_SIN, -3, 3, 0, 0, r_sin}, {"cos", SX_COS, -3, 3, 0, 0, r_cos},
  {"tan", SX_TAN, -1.2, 1.2, 0, 0, r_tan}, {"asin", SX_ASIN, -0.9, 0.9, 0, 0, r_asin},
  {"acos", SX_ACOS, -0.9, 0.9, 0, 0, r_acos}, {"atan", SX_ATAN, -4, 4, 0, 0, r_atan},
  {"sinh", SX_SINH, -3, 3, 0, 0, r_sinh}, {"cosh", SX_COSH, -3, 3, 0, 0, r_cosh},
  {"tanh", SX_TANH, -3, 3, 0, 0, r_tanh}, {"exp", SX_EXP, -3, 3, 0, 0, r_exp},
  {"log", SX_LOG, 0.1, 5, 0, 0, r_log}, {"log2", SX_LOG2, 0.1, 5, 0, 0, r_log2},
  {"log10", SX_LOG10, 0.1, 5, 0, 0, r_log10}, {"cbrt", SX_CBRT, 0.2, 5, 0, 0, r_cbrt},
  {"cbrt-", SX_CBRT, -5, -0.2, 0, 0, r_cbrt},
  {"abs", SX_ABS, -3, 3, 0, 0, r_abs}, {"sign", SX_SIGN, -3, 3, 0, 0, r_sign},
  {"step", SX_STEP, -3, 3, 0, 0, r_step}, {"sigmoid", SX_SIGMOID, -6, 6, 0, 0, r_sigmoid},
  {"relu", SX_RELU, -3, 3, 0, 0, r_relu}, {"softplus", SX_SOFTPLUS, -6, 6, 0, 0, r_softplus},
  {"erf", SX_ERF, -2, 2, 0, 0, r_erf},
  {"atan2", SX_ATAN2, -3, 3, -3, 3, r_atan2}, {"hypot", SX_HYPOT, -3, 3, -3, 3, r_hypot},
  {"min", SX_MIN, -3, 3, -3, 3, r_min}, {"max", SX_MAX, -3, 3, -3, 3, r_max},
  {"pow", SX_POW, 0.2, 3, -2, 2, r_pow},
};

/* A fixed pseudo-random number in [0, 1) for index i. */
static double runif_det(int i) {
  uint64_t z = (uint64_t)i * 0x9e3779b97f4a7c15ull + 1;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* A point inside [lo, hi], away from its ends. */
static double at(double lo, double hi, double t) { return lo + (hi - lo) * (0.1 + 0.8 * t); }

static sx_id apply_case(const fcase *c, sx_id a, sx_id b) {
  if (c->kind == SX_POW) return POW(a, b);
  return sx_is_fn2(c->kind) ? F2(c->kind, a, b) : F1(c->kind, a);
}

/* f(x) or f(x, y) with parameters x, y, at three points. */
static void test_functions_scalar(void) {
  static const char *const names[] = {"x", "y"};
  static const double ts[][2] = {{0.13, 0.71}, {0.52, 0.33}, {0.94, 0.87}};
  for (size_t c = 0; c < sizeof fcases / sizeof fcases[0]; c++) {
    const fcase *fc = &fcases[c];
    int two = fc->lo2 != fc->hi2;
    sx_id e = apply_case(fc, V("x"), V("y"));
    slope_tape *T = compile(e, names, 2, NULL, 0);
    CHECK(T != NULL);
    if (!T) continue;
    for (int p = 0; p < 3; p++) {
      double x[2] = {at(fc->lo, fc->hi, ts[p][0]), two ? at(fc->lo2, fc->hi2, ts[p][1]) : 0.5};
      double want = fc->ref(x[0], x[1]);
      env E = {names, x, 2, NULL, NULL, 0, 0, NULL, 0};
      check_tape(T, e, &E, &want, 1e-6, 1e-12);
    }
    slope_tape_free(T);
  }
}

/*
** The same functions inside mean over 301 rows (a full block and a ragged
** tail), on every operand shape: f(a*t + c) for unary functions, and for
** binary ones f(row, scalar), f(scalar, row), f(row, row).
*/
static void test_functions_rows(void) {
  enum { NR = 301 };
  static const char *const names[] = {"a", "c"};
  static const char *const cols[] = {"t", "s"};
  static double t[NR], s[NR];
  for (int c = 0; c < (int)(sizeof fcases / sizeof fcases[0]); c++) {
    const fcase *fc = &fcases[c];
    int two = fc->lo2 != fc->hi2;
    for (int i = 0; i < NR; i++) {
      t[i] = at(fc->lo, fc->hi, (double)((i * 37) % NR) / NR);
      s[i] = two ? at(fc->lo2, fc->hi2, (double)((i * 91) % NR) / NR) : 0;
    }
    /* a*t + c stays inside the domain for a near 1 and c near 0 */
    double x[2] = {0.97, 0.01 * (fc->hi - fc->lo)};
    sx_id u = ADD(MUL(V("a"), V("t")), V("c"));
    sx_id v = ADD(V("s"), MUL(N(0.01), V("c")));
    sx_id forms[3];
    int nforms = 1;
    forms[0] = MEAN(apply_case(fc, u, V("s")));
    if (two) {
      double mid2 = 0.5 * (fc->lo2 + fc->hi2), mid1 = 0.5 * (fc->lo + fc->hi);
      forms[0] = MEAN(apply_case(fc, u, ADD(N(mid2), MUL(N(0.1), V("c")))));
      forms[1] = MEAN(apply_case(fc, ADD(N(mid1), MUL(N(0.1), V("c"))), MUL(V("s"), V("a"))));
      forms[2] = MEAN(apply_case(fc, u, v));
      nforms = 3;
    }
    const double *data[2] = {t, s};
    for (int k = 0; k < nforms; k++) {
      slope_tape *T = compile(forms[k], names, 2, cols, 2);
      CHECK(T != NULL);
      if (!T) continue;
      CHECK_INT(slope_tape_bind(T, data, NR), SLOPE_OK);
      env E = {names, x, 2, cols, data, 2, NR, NULL, 0};
      check_tape(T, forms[k], &E, NULL, 1e-6, 1e-12);
      slope_tape_free(T);
    }
  }
}

/* Powers, quotients, differences, negation and constants: each lowering. */
static void test_forms(void) {
  static const char *const names[] = {"x", "y"};
  const double x[2] = {1.3, 0.7};
  const double X = x[0], Y = x[1];
  struct { sx_id e; double want; } forms[] = {
    {POWN(V("x"), 2), X * X},
    {POWN(V("x"), 0.5), sqrt(X)},
    {F1(SX_CBRT, V("x")), cbrt(X)},
    {POWN(V("x"), -1), 1 / X},
    {POWN(V("x"), 3), X * X * X},
    {POWN(V("x"), -2), 1 / (X * X)},
    {POWN(V("x"), 7), pow(X, 7)},
    {POWN(V("x"), -5), pow(X, -5)},
    {POWN(V("x"), 2.5), pow(X, 2.5)},
    {POWN(V("x"), -0.5), 1 / sqrt(X)},
    {POWN(V("x"), 40), pow(X, 40)},
    {POW(V("x"), V("y")), pow(X, Y)},
    {POW(N(2), V("x")), pow(2, X)},
    {DIV(V("x"), V("y")), X / Y},
    {DIV(N(3), V("y")), 3 / Y},
    {DIV(N(1), MUL(V("x"), V("y"))), 1 / (X * Y)},
    {SUB(V("x"), V("y")), X - Y},
    {SUB(N(2), V("x")), 2 - X},
    {sx_neg(S, V("x")), -X},
    {sx_neg(S, MUL(V("x"), V("y"))), -X * Y},
    {SUB(sx_neg(S, V("x")), V("y")), -X - Y},
    {N(3), 3},
    {ADD(V("x"), N(3.14159265358979323846)), X + 3.14159265358979323846},
    {MUL(N(-2.5), V("x")), -2.5 * X},
    {ADD(MUL(N(3), V("x")), MUL(N(-1), MUL(V("x"), V("y")))), 3 * X - X * Y},
    {DIV(SUB(V("x"), V("y")), ADD(V("x"), V("y"))), (X - Y) / (X + Y)},
    {ADD(SUB(N(1), V("x")), MUL(N(100), POWN(SUB(V("y"), POWN(V("x"), 2)), 2))),
     (1 - X) + 100 * (Y - X * X) * (Y - X * X)},
    {ADD(POWN(SUB(N(1), V("x")), 2), MUL(N(100), POWN(SUB(V("y"), POWN(V("x"), 2)), 2))),
     (1 - X) * (1 - X) + 100 * (Y - X * X) * (Y - X * X)},
  };
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    slope_tape *T = compile(forms[i].e, names, 2, NULL, 0);
    CHECK(T != NULL);
    if (!T) continue;
    env E = {names, x, 2, NULL, NULL, 0, 0, NULL, 0};
    check_tape(T, forms[i].e, &E, &forms[i].want, 1e-6, 1e-12);
    slope_tape_free(T);
  }
  /* a parameter the expression does not use has gradient 0; no parameters at all */
  static const char *const three[] = {"x", "y", "z"};
  slope_tape *T = compile(MUL(V("x"), V("y")), three, 3, NULL, 0);
  double x3[3] = {2, 3, 4}, f, g[3];
  CHECK_INT(slope_tape_grad(T, x3, NULL, 0, &f, g), SLOPE_OK);
  CHECK(f == 6 && g[0] == 3 && g[1] == 2 && g[2] == 0);
  CHECK_INT(slope_tape_nparams(T), 3);
  slope_tape_free(T);
  T = compile(N(2.5), NULL, 0, NULL, 0);
  CHECK_INT(slope_tape_grad(T, NULL, NULL, 0, &f, NULL), SLOPE_OK);
  CHECK(f == 2.5);
  slope_tape_free(T);
}

/*
** Fused instructions in the row section, on each operand shape, with and
** without a shared adjoint buffer; and the lowering the benchmarks rely on.
*/
static void test_fused(void) {
  enum { NR = 257 };
  static const char *const names[] = {"a", "c"};
  static const char *const cols[] = {"t", "s"};
  static double t[NR], s[NR];
  for (int i = 0; i < NR; i++) { t[i] = 2 * runif_det(i) - 1; s[i] = 2 * runif_det(i + NR) - 1; }
  const double *data[2] = {t, s};
  sx_id at_ = MUL(V("a"), V("t")), cs = MUL(V("c"), V("s"));
  sx_id sn = F1(SX_SIN, at_), cn = F1(SX_COS, cs);
  sx_id forms[] = {
    MEAN(ADD(MUL(sn, cn), F1(SX_TANH, MUL(V("a"), V("s"))))),        /* a*b + c, all vectors */
    MEAN(ADD(MUL(sn, cn), POWN(V("c"), 2))),                           /* vector*vector + scalar */
    MEAN(ADD(MUL(V("a"), F1(SX_SIN, MUL(V("t"), V("c")))), cn)),       /* vector*scalar + vector */
    MEAN(SUB(MUL(sn, V("c")), cn)),                                    /* a*b - c */
    MEAN(SUB(cn, MUL(V("c"), sn))),                                    /* c - a*b */
    MEAN(ADD(MUL(sn, V("t")), sn)),                                    /* an operand twice */
    SUM(POWN(ADD(sn, cn), 2)),                                         /* (a + b)^2 */
    SUM(POWN(SUB(sn, F1(SX_EXP, cs)), 2)),                             /* (a - b)^2 */
    MEAN(POWN(ADD(sn, V("c")), 2)),                                    /* (vector + scalar)^2 */
  };
  const double x[2] = {0.8, -1.3};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    slope_tape *T = compile(forms[i], names, 2, cols, 2);
    CHECK(T != NULL);
    if (!T) continue;
    CHECK_INT(slope_tape_bind(T, data, NR), SLOPE_OK);
    env E = {names, x, 2, cols, data, 2, NR, NULL, 0};
    check_tape(T, forms[i], &E, NULL, 1e-6, 1e-12);
    slope_tape_free(T);
  }
  /* mean((w*x + b - y)^2) is two passes per block; Rosenbrock four instructions */
  static const char *const wb[] = {"w", "b"}, *const xy[] = {"x", "y"};
  slope_tape *T = compile(MEAN(POWN(SUB(ADD(MUL(V("w"), V("x")), V("b")), V("y")), 2)), wb, 2, xy, 2);
  CHECK(T && T->nrow == 2 && T->ins[T->npre].op == TP_FMA && T->ins[T->npre + 1].op == TP_SQDIFF);
  slope_tape_free(T);
  T = compile(ADD(POWN(SUB(N(1), V("x")), 2), MUL(N(100), POWN(SUB(V("y"), POWN(V("x"), 2)), 2))),
              xy, 2, NULL, 0);
  CHECK(T && T->npre == 4 && T->nrow == 0 && T->npost == 0);
  slope_tape_free(T);
}

/* ---- random expressions -------------------------------------------------------- */

static uint64_t rs = 0x9e3779b97f4a7c15ull;
static uint64_t rnext(void) {   /* xorshift64* */
  rs ^= rs >> 12; rs ^= rs << 25; rs ^= rs >> 27;
  return rs * 2685821657736338717ull;
}
static double runif(void) { return (double)(rnext() >> 11) / 9007199254740992.0; }
static int rint_(int n) { return (int)(rnext() % (uint64_t)n); }

static const char *const *gen_leaves;
static int gen_nleaves;

/* A random expression that is finite for arguments of moderate size. */
static sx_id gen(int depth) {
  if (depth == 0 || runif() < 0.2) {
    if (runif() < 0.8) return V(gen_leaves[rint_(gen_nleaves)]);
    static const double k[] = {0.5, 1.5, 2, 3, -1.25, 0.3};
    return N(k[rint_(6)]);
  }
  sx_id a = gen(depth - 1);
  switch (rint_(30)) {
  case 0: case 1: return ADD(a, gen(depth - 1));
  case 2: case 3: return SUB(a, gen(depth - 1));
  case 4: case 5: return MUL(a, gen(depth - 1));
  case 6: return DIV(a, ADD(N(1.5), POWN(gen(depth - 1), 2)));
  case 7: return POWN(a, 2);
  case 8: return POWN(a, 3);
  case 9: return POWN(ADD(N(1), POWN(a, 2)), 0.5);
  case 10: return F1(SX_LOG, ADD(N(1), POWN(a, 2)));
  case 11: return F1(SX_EXP, F1(SX_SIN, a));
  case 12: return F1(SX_SIN, a);
  case 13: return F1(SX_COS, a);
  case 14: return F1(SX_TANH, a);
  case 15: return F1(SX_ATAN, a);
  case 16: return F1(SX_SIGMOID, a);
  case 17: return F1(SX_SOFTPLUS, F1(SX_TANH, a));
  case 18: return F1(SX_ERF, a);
  case 19: return F2(SX_HYPOT, a, gen(depth - 1));
  case 20: return F2(SX_ATAN2, a, ADD(N(1), POWN(gen(depth - 1), 2)));
  case 21: return F1(SX_ABS, a);
  case 22: return F2(runif() < 0.5 ? SX_MIN : SX_MAX, a, gen(depth - 1));
  case 23: return F1(SX_RELU, a);
  case 24: return F1(SX_ASIN, MUL(N(0.9), F1(SX_TANH, a)));
  case 25: return F1(SX_ACOS, MUL(N(0.9), F1(SX_SIN, a)));
  case 26: return F1(SX_SINH, F1(SX_SIN, a));
  case 27: return POW(ADD(N(1.5), F1(SX_SIN, a)), F1(SX_COS, gen(depth - 1)));
  case 28: return POWN(ADD(N(1), POWN(a, 2)), runif() < 0.5 ? -2 : 0.75);
  default: return MUL(F1(SX_CBRT, ADD(N(2), F1(SX_COS, a))),
                      F1(runif() < 0.5 ? SX_LOG2 : SX_LOG10, ADD(N(3), F1(SX_SIN, gen(depth - 1)))));
  }
}

static void test_random_scalar(void) {
  static const char *const names[] = {"x", "y", "z"};
  gen_leaves = names;
  gen_nleaves = 3;
  for (int n = 0; n < 300; n++) {
    sx_id e = gen(2 + n % 4);
    slope_tape *T = compile(e, names, 3, NULL, 0);
    CHECK(T != NULL);
    if (!T) continue;
    for (int p = 0; p < 2; p++) {
      double x[3] = {3 * runif() - 1.5, 3 * runif() - 1.5, 3 * runif() - 1.5};
      env E = {names, x, 3, NULL, NULL, 0, 0, NULL, 0};
      check_tape(T, e, &E, NULL, 1e-6, 1e-12);
    }
    slope_tape_free(T);
  }
}

/* Random row expressions inside one or two reductions, mixed with scalar
** parts, over 300 rows (two blocks) or a mini-batch. */
static void test_random_rows(void) {
  enum { NR = 300 };
  static const char *const names[] = {"x", "y", "z"};
  static const char *const cols[] = {"t", "s"};
  static const char *const leaves[] = {"x", "y", "z", "t", "s", "t"};
  static double t[NR], s[NR];
  static size_t sel[70];
  for (int i = 0; i < NR; i++) { t[i] = 2 * runif() - 1; s[i] = 2 * runif() - 1; }
  for (int i = 0; i < 70; i++) sel[i] = (size_t)rint_(NR);
  const double *data[2] = {t, s};
  for (int n = 0; n < 100; n++) {
    gen_leaves = leaves;
    gen_nleaves = 6;
    sx_id r1 = gen(2 + n % 3), r2 = gen(2);
    gen_nleaves = 3;
    sx_id sc = gen(2);
    sx_id e;
    switch (n % 4) {
    case 0: e = ADD(MEAN(r1), sc); break;
    case 1: e = ADD(F1(SX_LOG, ADD(N(1), POWN(MEAN(r1), 2))), MUL(sc, V("x"))); break;
    case 2: e = MUL(MEAN(r1), ADD(N(0.01), SUM(POWN(r2, 2)))); break;
    default: e = SUB(SUM(r1), MUL(sc, MEAN(r2))); break;
    }
    slope_tape *T = compile(e, names, 3, cols, 2);
    CHECK(T != NULL);
    if (!T) continue;
    CHECK_INT(slope_tape_bind(T, data, NR), SLOPE_OK);
    double x[3] = {2 * runif() - 1, 2 * runif() - 1, 2 * runif() - 1};
    env E = {names, x, 3, cols, data, 2, NR, NULL, 0};
    if (n % 3 == 2) { E.rows = sel; E.nsel = 70; }
    check_tape(T, e, &E, NULL, 1e-6, 1e-12);
    slope_tape_free(T);
  }
}

/* ---- data reductions against hand loops ------------------------------------------- */

typedef struct lin { double f, dw, db; } lin;

/* mean or sum of (w*x + b - y)^2 over the selected rows, by hand. */
static lin hand_mse(double w, double b, const double *x, const double *y, size_t n,
                    const size_t *rows, size_t nsel, int mean) {
  lin r = {0, 0, 0};
  size_t cnt = rows ? nsel : n;
  for (size_t k = 0; k < cnt; k++) {
    size_t i = rows ? rows[k] : k;
    double e = w * x[i] + b - y[i];
    r.f += e * e;
    r.dw += 2 * e * x[i];
    r.db += 2 * e;
  }
  if (mean) { r.f /= (double)cnt; r.dw /= (double)cnt; r.db /= (double)cnt; }
  return r;
}

static void test_mse(void) {
  static const char *const names[] = {"w", "b"};
  static const char *const cols[] = {"x", "y"};
  enum { MAXN = 1000 };
  static double x[MAXN], y[MAXN];
  for (int i = 0; i < MAXN; i++) {
    x[i] = 4 * runif() - 2;
    y[i] = 3 * x[i] + 1 + 0.3 * (runif() - 0.5);
  }
  const double *data[2] = {x, y};
  sx_id r = SUB(ADD(MUL(V("w"), V("x")), V("b")), V("y"));
  sx_id mse = MEAN(POWN(r, 2)), sse = SUM(POWN(r, 2));
  slope_tape *T = compile(mse, names, 2, cols, 2);
  slope_tape *T2 = compile(sse, names, 2, cols, 2);
  const double p[2] = {2.5, -0.75};
  static const size_t sizes[] = {1, 3, 4, 255, 256, 257, 513, 1000};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t n = sizes[k];
    double f, g[2];
    CHECK_INT(slope_tape_bind(T, data, n), SLOPE_OK);
    CHECK_INT(slope_tape_bind(T2, data, n), SLOPE_OK);
    lin h = hand_mse(p[0], p[1], x, y, n, NULL, 0, 1);
    CHECK_INT(slope_tape_grad(T, p, NULL, 0, &f, g), SLOPE_OK);
    CHECK_NEAR(f, h.f, 1e-12);
    CHECK_NEAR(g[0], h.dw, 1e-12);
    CHECK_NEAR(g[1], h.db, 1e-12);
    h = hand_mse(p[0], p[1], x, y, n, NULL, 0, 0);
    CHECK_INT(slope_tape_grad(T2, p, NULL, 0, &f, g), SLOPE_OK);
    CHECK_NEAR(f, h.f, 1e-12);
    CHECK_NEAR(g[0], h.dw, 1e-12);
    CHECK_NEAR(g[1], h.db, 1e-12);
  }
  /* mini-batches: sizes around the block edges, repeated and unordered rows */
  static size_t rows[600];
  static const size_t nsels[] = {1, 2, 7, 256, 257, 600};
  for (size_t k = 0; k < sizeof nsels / sizeof nsels[0]; k++) {
    size_t ns = nsels[k];
    for (size_t i = 0; i < ns; i++) rows[i] = (size_t)rint_(MAXN);
    double f, g[2];
    lin h = hand_mse(p[0], p[1], x, y, MAXN, rows, ns, 1);
    CHECK_INT(slope_tape_grad(T, p, rows, ns, &f, g), SLOPE_OK);
    CHECK_NEAR(f, h.f, 1e-12);
    CHECK_NEAR(g[0], h.dw, 1e-12);
    CHECK_NEAR(g[1], h.db, 1e-12);
    h = hand_mse(p[0], p[1], x, y, MAXN, rows, ns, 0);
    CHECK_INT(slope_tape_grad(T2, p, rows, ns, &f, g), SLOPE_OK);
    CHECK_NEAR(f, h.f, 1e-12);
    CHECK_NEAR(g[0], h.dw, 1e-12);
    CHECK_NEAR(g[1], h.db, 1e-12);
  }
  slope_tape_free(T);
  slope_tape_free(T2);

  /* log(1 + mean(r^2)) + w^2: scalar parts around a reduction */
  T = compile(ADD(F1(SX_LOG, ADD(N(1), mse)), POWN(V("w"), 2)), names, 2, cols, 2);
  CHECK_INT(slope_tape_bind(T, data, MAXN), SLOPE_OK);
  double f, g[2];
  lin h = hand_mse(p[0], p[1], x, y, MAXN, NULL, 0, 1);
  CHECK_INT(slope_tape_grad(T, p, NULL, 0, &f, g), SLOPE_OK);
  CHECK_NEAR(f, log(1 + h.f) + p[0] * p[0], 1e-12);
  CHECK_NEAR(g[0], h.dw / (1 + h.f) + 2 * p[0], 1e-12);
  CHECK_NEAR(g[1], h.db / (1 + h.f), 1e-12);
  slope_tape_free(T);

  /* two reductions: mean(r^2) * sum(exp(-b*x)) */
  T = compile(MUL(mse, SUM(F1(SX_EXP, MUL(N(-1), MUL(V("b"), V("x")))))), names, 2, cols, 2);
  CHECK_INT(slope_tape_bind(T, data, MAXN), SLOPE_OK);
  double B = 0, dB = 0;
  for (int i = 0; i < MAXN; i++) {
    B += exp(-p[1] * x[i]);
    dB += -x[i] * exp(-p[1] * x[i]);
  }
  CHECK_INT(slope_tape_grad(T, p, NULL, 0, &f, g), SLOPE_OK);
  CHECK_NEAR(f, h.f * B, 1e-12);
  CHECK_NEAR(g[0], h.dw * B, 1e-12);
  CHECK_NEAR(g[1], h.db * B + h.f * dB, 1e-12);
  slope_tape_free(T);

  /* reductions of row-independent terms, and of data alone */
  T = compile(ADD(ADD(MEAN(V("w")), SUM(POWN(V("b"), 2))), SUM(POWN(V("x"), 2))), names, 2, cols, 2);
  CHECK_INT(slope_tape_bind(T, data, 10), SLOPE_OK);
  double sx2 = 0;
  for (int i = 0; i < 10; i++) sx2 += x[i] * x[i];
  CHECK_INT(slope_tape_grad(T, p, NULL, 0, &f, g), SLOPE_OK);
  CHECK_NEAR(f, p[0] + 10 * p[1] * p[1] + sx2, 1e-12);
  CHECK_NEAR(g[0], 1, 1e-12);
  CHECK_NEAR(g[1], 20 * p[1], 1e-12);
  slope_tape_free(T);

  /* the same row subexpression in two reductions, and a column used twice */
  sx_id q = MUL(V("w"), V("x"));
  T = compile(ADD(MEAN(F1(SX_SIN, q)), MUL(V("b"), SUM(MUL(q, V("x"))))), names, 2, cols, 2);
  CHECK_INT(slope_tape_bind(T, data, 300), SLOPE_OK);
  double A = 0, dA = 0, C = 0, dC = 0;
  for (int i = 0; i < 300; i++) {
    A += sin(p[0] * x[i]) / 300;
    dA += x[i] * cos(p[0] * x[i]) / 300;
    C += p[0] * x[i] * x[i];
    dC += x[i] * x[i];
  }
  CHECK_INT(slope_tape_grad(T, p, NULL, 0, &f, g), SLOPE_OK);
  CHECK_NEAR(f, A + p[1] * C, 1e-12);
  CHECK_NEAR(g[0], dA + p[1] * dC, 1e-12);
  CHECK_NEAR(g[1], C, 1e-12);
  slope_tape_free(T);
}

/* A row section too big for 256-row blocks: smaller blocks, same sums. */
static void test_big_rows(void) {
  enum { NR = 1000, K = 150 };
  static const char *const names[] = {"a", "c"};
  static const char *const cols[] = {"t"};
  static double t[NR];
  for (int i = 0; i < NR; i++) t[i] = 2 * runif_det(i + 7) - 1;
  const double *data[1] = {t};
  sx_id terms[K];
  for (int k = 0; k < K; k++)   /* sum of sin(k*a*t + c/k) */
    terms[k] = F1(SX_SIN, ADD(MUL(N(k + 1), MUL(V("a"), V("t"))), DIV(V("c"), N(k + 1))));
  sx_id e = MEAN(sx_addn(S, terms, K));
  slope_tape *T = compile(e, names, 2, cols, 1);
  CHECK(T && T->bs < 256);
  if (!T) return;
  CHECK_INT(slope_tape_bind(T, data, NR), SLOPE_OK);
  const double x[2] = {0.3, 0.2};
  double f = 0, da = 0, dc = 0, ft, g[2];
  for (int i = 0; i < NR; i++)
    for (int k = 1; k <= K; k++) {
      double u = k * x[0] * t[i] + x[1] / k;
      f += sin(u);
      da += cos(u) * k * t[i];
      dc += cos(u) / k;
    }
  CHECK_INT(slope_tape_grad(T, x, NULL, 0, &ft, g), SLOPE_OK);
  CHECK_NEAR(ft, f / NR, 1e-12);
  CHECK_NEAR(g[0], da / NR, 1e-12);
  CHECK_NEAR(g[1], dc / NR, 1e-12);
  slope_tape_free(T);
}

/* ---- errors ----------------------------------------------------------------------- */

static void expect_error(int code, const char *msg) {
  slope_error err = slope_error_get(S);
  CHECK_INT(err.code, code);
  CHECK_STR(err.message, msg);
  slope_clear_error(S);
}

static void test_errors(void) {
  static const char *const w[] = {"w"}, *const x[] = {"x"}, *const xy[] = {"x", "y"};
  sx_id wx = MUL(V("w"), V("x"));
  CHECK(slope_compile(S, ADD(V("x"), MEAN(wx)), w, 1, x, 1) == NULL);
  expect_error(SLOPE_ERRARG, "data column 'x' is used outside mean/sum");
  CHECK(slope_compile(S, wx, w, 1, x, 1) == NULL);
  expect_error(SLOPE_ERRARG, "data column 'x' is used outside mean/sum");
  CHECK(slope_compile(S, MUL(V("q"), V("w")), w, 1, x, 1) == NULL);
  expect_error(SLOPE_ERRNAME, "unknown name 'q': not a parameter (w) or data column (x)");
  CHECK(slope_compile(S, MUL(V("ww"), V("w")), w, 1, NULL, 0) == NULL);
  expect_error(SLOPE_ERRNAME, "unknown name 'ww': not a parameter (w) or data column (none); did you mean 'w'?");
  {
    static const char *const many[] = {"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10"};
    CHECK(slope_compile(S, MUL(V("q"), V("a1")), many, 10, xy, 2) == NULL);
    expect_error(SLOPE_ERRNAME, "unknown name 'q': not a parameter (a1, a2, a3, a4, a5, a6, a7, a8, ... "
                 "(10 in all)) or data column (x, y)");
  }
  CHECK(slope_compile(S, MEAN(MUL(V("x"), MEAN(wx))), w, 1, x, 1) == NULL);
  expect_error(SLOPE_ERRARG, "mean/sum cannot be nested");
  CHECK(slope_compile(S, MEAN(ADD(V("x"), MEAN(wx))), w, 1, x, 1) == NULL);
  expect_error(SLOPE_ERRARG, "mean/sum cannot be nested");
  CHECK(slope_compile(S, MEAN(wx), xy, 2, x, 1) == NULL);
  expect_error(SLOPE_ERRARG, "'x' is both a parameter and a data column");
  CHECK(slope_compile(S, MEAN(wx), (const char *const[]){"w", "w"}, 2, x, 1) == NULL);
  expect_error(SLOPE_ERRARG, "parameter 'w' is listed twice");

  /* evaluation errors */
  slope_tape *T = slope_compile(S, MEAN(POWN(wx, 2)), w, 1, x, 1);
  CHECK(T != NULL);
  double p = 1, f, g;
  CHECK_INT(slope_tape_grad(T, &p, NULL, 0, &f, &g), SLOPE_ERRDATA);
  expect_error(SLOPE_ERRDATA, "no data bound: the expression has mean/sum, bind data columns first");
  const double col[3] = {1, 2, 3};
  const double *data[1] = {col};
  CHECK_INT(slope_tape_bind(T, data, 3), SLOPE_OK);
  size_t rows[2] = {0, 3};
  CHECK_INT(slope_tape_grad(T, &p, rows, 0, &f, &g), SLOPE_ERRDATA);
  expect_error(SLOPE_ERRDATA, "the mini-batch selects no rows (nsel is 0)");
  CHECK_INT(slope_tape_grad(T, &p, rows, 2, &f, &g), SLOPE_ERRDATA);
  expect_error(SLOPE_ERRDATA, "row index 3 is out of range (the data has 3 rows)");
  CHECK_INT(slope_tape_bind(T, data, 0), SLOPE_OK);
  CHECK_INT(slope_tape_grad(T, &p, NULL, 0, &f, &g), SLOPE_ERRDATA);
  expect_error(SLOPE_ERRDATA, "the bound data has no rows");
  CHECK_INT(slope_tape_bind(T, data, 3), SLOPE_OK);
  CHECK_INT(slope_tape_grad(T, &p, rows, 1, &f, &g), SLOPE_OK);
  CHECK(f == 1 && g == 2);
  slope_tape_free(T);
}

int main(void) {
  S = slope_new();
  test_forms();
  test_fused();
  test_functions_scalar();
  test_functions_rows();
  test_random_scalar();
  test_random_rows();
  test_mse();
  test_big_rows();
  test_errors();
  slope_free(S);
  free(memo_v);
  free(memo_t);
  return check_done();
}
