/*
** test_print.c -- the printers: infix text (exact strings, and a round trip
** through the parser for random expressions), LaTeX (exact strings) and C
** source (compiled with the system C compiler, run, and compared against
** hand-written reference functions and their central finite differences).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "expr.h"
#include "run_c.h"

#define PI 3.14159265358979323846

static sx_id parse(slope_ctx *S, const char *src) {
  sx_id e = sx_parse(S, src, strlen(src));
  if (e == SX_NIL) fprintf(stderr, "    parse error in \"%s\": %s\n", src, S->errmsg);
  return e;
}

static sx_id var(slope_ctx *S, const char *name) { return sx_mkvar(S, name, strlen(name)); }

/* Text of 'e' by one of the printers, in a buffer the caller frees. */
static char *show(const slope_ctx *S, sx_id e, int latex) {
  sx_buf b = {0};
  if (latex) sx_print_latex(S, e, &b);
  else sx_print(S, e, &b);
  if (!b.p) sx_buf_puts(&b, "");
  return b.p;
}

/* ---- infix: exact text ------------------------------------------------------ */

static const struct { const char *src, *want; } infix_cases[] = {
  {"x^2 - 4*x + 1", "x^2 - 4*x + 1"},
  {"-x + y", "y - x"},
  {"-2*x - 4", "-2*x - 4"},
  {"a + -2", "a - 2"},
  {"x/y", "x/y"},
  {"2*x/(y*z)", "2*x/(y*z)"},
  {"1/x", "1/x"},
  {"2*x^-1", "2/x"},
  {"-1/x^2", "-1/x^2"},
  {"-x/y", "-x/y"},
  {"-x*y/z", "-x*y/z"},
  {"-3*x/(y*z^2)", "-3*x/(y*z^2)"},
  {"x*y*z/(w*v)", "x*y*z/(v*w)"},
  {"x^-0.5", "1/sqrt(x)"},
  {"x^(-2.5)", "1/x^2.5"},
  {"x*y^-2.5", "x/y^2.5"},
  {"x^2*y^-0.5*z", "x^2*z/sqrt(y)"},
  {"(x + 1)^-1.5", "1/(x + 1)^1.5"},
  {"1/(x+1)", "1/(x + 1)"},
  {"(x+1)/(x+2)", "(x + 1)/(x + 2)"},
  {"(x*y)^-0.5", "1/sqrt(x*y)"},
  {"sqrt(x+1)", "sqrt(x + 1)"},
  {"(x*y)^0.5", "sqrt(x*y)"},
  {"sqrt(sqrt(x))", "sqrt(sqrt(x))"},
  {"x^0.5^2", "x^0.25"},
  {"(x+1)^2", "(x + 1)^2"},
  {"-x^2", "-x^2"},
  {"-(x - y)^3", "-(x - y)^3"},
  {"(-2*x)^y", "(-2*x)^y"},
  {"(-2)^x", "(-2)^x"},
  {"2^-x", "2^(-x)"},
  {"x^-y", "x^(-y)"},
  {"x^(y+1)", "x^(y + 1)"},
  {"x^(2*y)", "x^(2*y)"},
  {"x^(1/y)", "x^(1/y)"},
  {"x^y^z", "x^y^z"},
  {"(x^y)^z", "(x^y)^z"},
  {"(2^x)^y", "(2^x)^y"},
  {"(x/y)^z", "(x/y)^z"},
  {"sqrt(x)^y", "sqrt(x)^y"},
  {"x^sqrt(y)", "x^sqrt(y)"},
  {"x^2.5", "x^2.5"},
  {"x*(x+1)", "x*(x + 1)"},
  {"x*sin(x)*(x+1)*(x+2)", "x*sin(x)*(x + 1)*(x + 2)"},
  {"exp(x)*2^x*3", "3*2^x*exp(x)"},
  {"exp(-x^2)", "exp(-x^2)"},
  {"sin(x)^2", "sin(x)^2"},
  {"atan2(y, x)", "atan2(y, x)"},
  {"min(x, -y)", "min(x, -y)"},
  {"step(-x)", "step(-x)"},
  {"hypot(x, 2) + max(x, y)", "hypot(x, 2) + max(x, y)"},
  {"mean(x)", "mean(x)"},
  {"sum(x^2)/mean(y)", "sum(x^2)/mean(y)"},
  {"pi*x", "pi*x"},
  {"-pi", "-pi"},
  {"x - pi", "x - pi"},
  {"0.1*x + 1/3", "0.1*x + 0.3333333333333333"},
  {"-0.5*x", "-0.5*x"},
  {"1e20 + x", "x + 1e+20"},
  {"1e-5*x", "1e-05*x"},
};

static void test_infix_table(void) {
  slope_ctx *S = slope_new();
  for (size_t i = 0; i < sizeof infix_cases / sizeof *infix_cases; i++) {
    sx_id e = parse(S, infix_cases[i].src);
    char *t = show(S, e, 0);
    CHECK_STR(t, infix_cases[i].want);
    free(t);
  }
  slope_free(S);
}

/* Nodes the parser cannot write directly, built with the constructors. */
static void test_infix_built(void) {
  slope_ctx *S = slope_new();
  sx_id x = var(S, "x"), y = var(S, "y"), w = var(S, "w"), b = var(S, "b");
  struct { sx_id e; const char *want; } c[] = {
    /* the derivatives the design promises */
    {sx_diff(S, parse(S, "x^2 - 4*x + 1"), x), "2*x - 4"},
    {sx_diff(S, parse(S, "(w*x + b - y)^2"), w), "2*x*(w*x + b - y)"},
    {sx_pow(S, x, sx_mknum(S, -0.5)), "1/sqrt(x)"},
    {sx_pow(S, x, sx_mknum(S, -1)), "1/x"},
    {sx_pow(S, sx_neg(S, x), y), "(-x)^y"},
    {sx_pow(S, sx_neg(S, x), sx_mknum(S, 0.5)), "sqrt(-x)"},
    {sx_pow(S, sx_neg(S, x), sx_mknum(S, 1.5)), "(-x)^1.5"},
    {sx_pow(S, sx_mknum(S, -2), sx_mknum(S, 0.5)), "sqrt(-2)"},
    {sx_pow(S, sx_mknum(S, -2), sx_mknum(S, -0.5)), "(-2)^(-0.5)"},
    {sx_pow(S, sx_mknum(S, 1e-300), sx_mknum(S, -2)), "1e-300^(-2)"},   /* not folded: Inf */
    /* products of sums with a negative coefficient: '-' binds to the first factor */
    {sx_muln(S, (sx_id[]){sx_mknum(S, -1), sx_add(S, x, y), sx_add(S, w, b)}, 3),
     "-(b + w)*(x + y)"},
    {sx_muln(S, (sx_id[]){sx_mknum(S, -1), sx_add(S, x, y), sx_pow(S, w, sx_mknum(S, -1))}, 3),
     "-(x + y)/w"},
    {sx_muln(S, (sx_id[]){sx_mknum(S, -1), sx_add(S, x, y), w}, 3), "-w*(x + y)"},
    {sx_sub(S, b, sx_muln(S, (sx_id[]){sx_add(S, x, y), sx_add(S, w, b)}, 2)),
     "b - (b + w)*(x + y)"},
    {sx_neg(S, sx_add(S, x, y)), "-(x + y)"},
    {sx_neg(S, sx_div(S, x, y)), "-x/y"},
    {sx_sub(S, w, sx_div(S, sx_mknum(S, 2), b)), "w - 2/b"},
    {sx_sub(S, w, sx_pow(S, b, sx_mknum(S, -1))), "w - 1/b"},
    {sx_mknum(S, PI), "pi"},
    {sx_mknum(S, -2.5), "-2.5"},
    {sx_mknum(S, 0.1), "0.1"},
  };
  for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
    char *t = show(S, c[i].e, 0);
    CHECK_STR(t, c[i].want);
    free(t);
  }
  CHECK(!sx_failed(S));
  slope_free(S);
}

/* ---- infix: random round trip ---------------------------------------------- */

typedef struct rng { uint64_t s; } rng;

static uint32_t rnd(rng *r, uint32_t n) {
  r->s = r->s * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(r->s >> 33) % n;
}

static const double gen_nums[] = {2, 3, 0.5, -1, -2.5, 1e-05, 1e+20, PI, -PI, 0.1, 7, -3, 1.5,
                                  0.3333333333333333, 123456.789};
static const double gen_exps[] = {2, 3, -1, -2, 0.5, -0.5, 1.5, -1.5, 0.25, -3};
static const char *const gen_vars[] = {"x", "y", "z", "w_1", "alpha"};

#define COUNT(a) (uint32_t)(sizeof (a) / sizeof *(a))

/* A random operation on 'a' and 'b' through the constructors: every
** operator, every function, nested powers and quotients. */
static sx_id combine(slope_ctx *S, rng *r, sx_id a, sx_id b) {
  switch (rnd(r, 12)) {
  case 0: return sx_add(S, a, b);
  case 1: return sx_sub(S, a, b);
  case 2: return sx_mul(S, a, b);
  case 3: return sx_is_num(S, b, 0) ? a : sx_div(S, a, b);
  case 4: return sx_pow(S, a, sx_mknum(S, gen_exps[rnd(r, COUNT(gen_exps))]));
  case 5: return sx_pow(S, a, b);
  case 6: return sx_neg(S, a);
  case 7: case 8: {
    int k = SX_FIRST_FN1 + (int)rnd(r, SX_LAST_FN1 - SX_FIRST_FN1 + 2);
    if (k > SX_LAST_FN1) return sx_pow(S, a, sx_mknum(S, 0.5));   /* sqrt */
    return sx_apply(S, k, &a, 1);
  }
  case 9: case 10: {
    sx_id args[2] = {a, b};
    return sx_apply(S, SX_FIRST_FN2 + (int)rnd(r, SX_LAST_FN2 - SX_FIRST_FN2 + 1), args, 2);
  }
  default:
    return sx_apply(S, rnd(r, 2) ? SX_MEAN : SX_SUM, &a, 1);
  }
}

/* A random expression: negative numbers, names, and 'combine' all the way up. */
static sx_id gen(slope_ctx *S, rng *r, int depth) {
  if (depth == 0 || rnd(r, 5) == 0) {
    if (rnd(r, 5) < 3) return var(S, gen_vars[rnd(r, COUNT(gen_vars))]);
    return sx_mknum(S, gen_nums[rnd(r, COUNT(gen_nums))]);
  }
  sx_id a = gen(S, r, depth - 1);
  return combine(S, r, a, gen(S, r, depth - 1));
}

/* Print 'e', parse the text back and check it is the same node. */
static char *round_trip(slope_ctx *S, sx_id e, int *shown) {
  char *t = show(S, e, 0);
  sx_id back = sx_parse(S, t, strlen(t));
  if (!CHECK(back == e) && (*shown)++ < 10) {
    char *u = back ? show(S, back, 0) : NULL;
    fprintf(stderr, "    printed  %.2000s\n    reparsed %.2000s%s\n", t, u ? u : "(error) ", u ? "" : S->errmsg);
    free(u);
  }
  slope_clear_error(S);
  return t;
}

static void test_round_trip(void) {
  slope_ctx *S = slope_new();
  rng r = {20240611u};
  int tried = 0, shown = 0;
  for (int i = 0; i < 1000; i++) {
    sx_id e = gen(S, &r, 1 + i % 5);
    if (e == SX_NIL) { slope_clear_error(S); continue; }   /* e.g. a constant overflowed */
    tried++;
    free(round_trip(S, e, &shown));
  }
  CHECK(tried > 700);
  slope_free(S);
}

/* DAGs that share: each node combines two earlier ones, so long ones print
** with let-bindings, which must read back to the same node too. */
static void test_shared_round_trip(void) {
  rng r = {20261122u};
  int tried = 0, with_lets = 0, shown = 0;
  for (int i = 0; i < 200; i++) {
    slope_ctx *S = slope_new();
    sx_id pool[128];
    uint32_t n = 0;
    for (uint32_t k = 0; k < COUNT(gen_vars); k++) pool[n++] = var(S, gen_vars[k]);
    while (n < 128) {
      sx_id a = pool[n - 1 - rnd(&r, n < 8 ? n : 8)], b = pool[rnd(&r, n)];   /* mostly recent ones */
      sx_id c = combine(S, &r, a, b);
      if (c == SX_NIL) { slope_clear_error(S); continue; }
      pool[n++] = c;
    }
    tried++;
    char *t = round_trip(S, pool[127], &shown);
    with_lets += strstr(t, "_1 = ") == t;
    free(t);
    slope_free(S);
  }
  CHECK(tried == 200);
  CHECK(with_lets > 100);   /* the bindings were exercised (137 of 200 here) */
}

/* A DAG whose tree is exponentially large: infix text binds the shared
** levels once and reads back to the same node; LaTeX stops at the size limit. */
static void test_huge(void) {
  slope_ctx *S = slope_new();
  sx_id e = var(S, "x");
  for (int i = 0; i < 60; i++) {
    sx_id s = sx_apply(S, SX_SIN, &e, 1), c = sx_apply(S, SX_COS, &e, 1);
    e = sx_add(S, s, c);
  }
  sx_buf b = {0};
  sx_print(S, e, &b);
  CHECK(!b.oom && b.p && b.n < 3000);
  CHECK(b.p && strncmp(b.p, "_1 = sin(x) + cos(x); _2 = sin(_1) + cos(_1); ", 46) == 0);
  CHECK(b.p && parse(S, b.p) == e);
  sx_buf_free(&b);
  sx_print_latex(S, e, &b);
  CHECK_INT(b.oom, SX_BUF_LONG);
  sx_buf_free(&b);
  /* below the threshold, shared parts print in place as before */
  sx_id r2 = parse(S, "r2 = x^2 + y^2; exp(-r2)*sin(r2) + r2");
  char *t = show(S, r2, 0);
  CHECK_STR(t, "x^2 + y^2 + sin(x^2 + y^2)*exp(-(x^2 + y^2))");
  free(t);
  /* the deepest expression the store allows prints without exhausting the stack */
  sx_id x = var(S, "x"), d = x, prev = x;
  for (int i = 0; d != SX_NIL; i++) {
    prev = d;
    d = i % 2 ? sx_apply(S, SX_TANH, &d, 1) : sx_pow(S, sx_add(S, d, x), sx_mknum(S, -1.5));
  }
  CHECK(sx_failed(S));
  slope_clear_error(S);
  for (int latex = 0; latex < 2; latex++) {
    if (latex) sx_print_latex(S, prev, &b);
    else sx_print(S, prev, &b);
    CHECK(!b.oom && b.n > 10000);
    sx_buf_free(&b);
  }
  slope_free(S);
}

/* ---- LaTeX ----------------------------------------------------------------- */

static const struct { const char *src, *want; } latex_cases[] = {
  {"x^2 - 4*x + 1", "x^{2} - 4 x + 1"},
  {"-2*x - 4", "-2 x - 4"},
  {"x/y", "\\frac{x}{y}"},
  {"2*x/(y*z)", "\\frac{2 x}{y z}"},
  {"1/x", "\\frac{1}{x}"},
  {"-1/x^2", "-\\frac{1}{x^{2}}"},
  {"-x*y/z", "-\\frac{x y}{z}"},
  {"x - 2/y", "x - \\frac{2}{y}"},
  {"(x+1)/(x+2)", "\\frac{x + 1}{x + 2}"},
  {"x*(x+1)/(y*(y+2))", "\\frac{x \\left(x + 1\\right)}{y \\left(y + 2\\right)}"},
  {"x^-0.5", "\\frac{1}{\\sqrt{x}}"},
  {"(x + 1)^-1.5", "\\frac{1}{\\left(x + 1\\right)^{1.5}}"},
  {"sqrt(x+1)", "\\sqrt{x + 1}"},
  {"cbrt(x)", "\\sqrt[3]{x}"},
  {"(x+1)^2", "\\left(x + 1\\right)^{2}"},
  {"-x^2", "-x^{2}"},
  {"(-2*x)^y", "\\left(-2 x\\right)^{y}"},
  {"(-2)^x", "\\left(-2\\right)^{x}"},
  {"2^-x", "2^{-x}"},
  {"x^(y+1)", "x^{y + 1}"},
  {"x^y^z", "x^{y^{z}}"},
  {"(x^y)^z", "\\left(x^{y}\\right)^{z}"},
  {"(x/y)^z", "\\left(\\frac{x}{y}\\right)^{z}"},
  {"x^(1/y)", "x^{\\frac{1}{y}}"},
  {"2*3^x", "2 \\cdot 3^{x}"},
  {"x*3^x", "3^{x} x"},
  {"x*(x+1)", "x \\left(x + 1\\right)"},
  {"x*sin(x)*(x+1)*(x+2)",
   "x \\sin\\left(x\\right) \\left(x + 1\\right) \\left(x + 2\\right)"},
  {"sin(x)^2", "\\sin\\left(x\\right)^{2}"},
  {"sin(x) + cos(x) + tan(x)",
   "\\sin\\left(x\\right) + \\cos\\left(x\\right) + \\tan\\left(x\\right)"},
  {"asin(x) + acos(y)", "\\arcsin\\left(x\\right) + \\arccos\\left(y\\right)"},
  {"atan(x)*sinh(y)", "\\arctan\\left(x\\right) \\sinh\\left(y\\right)"},
  {"cosh(x) - tanh(y)", "\\cosh\\left(x\\right) - \\tanh\\left(y\\right)"},
  {"exp(-x^2)", "\\exp\\left(-x^{2}\\right)"},
  {"log(x)", "\\log\\left(x\\right)"},
  {"log2(x)", "\\log_{2}\\left(x\\right)"},
  {"log10(x)", "\\log_{10}\\left(x\\right)"},
  {"abs(x - y)", "\\left|x - y\\right|"},
  {"sigmoid(x)", "\\operatorname{sigmoid}\\left(x\\right)"},
  {"relu(x)", "\\operatorname{relu}\\left(x\\right)"},
  {"softplus(x)", "\\operatorname{softplus}\\left(x\\right)"},
  {"erf(x)", "\\operatorname{erf}\\left(x\\right)"},
  {"sign(x)", "\\operatorname{sign}\\left(x\\right)"},
  {"step(x)", "\\operatorname{step}\\left(x\\right)"},
  {"atan2(y, x)", "\\operatorname{atan2}\\left(y, x\\right)"},
  {"hypot(x, y)", "\\operatorname{hypot}\\left(x, y\\right)"},
  {"min(x, y)", "\\min\\left(x, y\\right)"},
  {"max(x, -y)", "\\max\\left(x, -y\\right)"},
  {"mean(x)", "\\operatorname{mean}\\left(x\\right)"},
  {"sum(x^2)", "\\operatorname{sum}\\left(x^{2}\\right)"},
  {"pi*x", "\\pi x"},
  {"x - pi", "x - \\pi"},
  {"1e-5*x", "1 \\cdot 10^{-5} x"},
  {"x + 1.5e20", "x + 1.5 \\cdot 10^{20}"},
  {"1e20^x", "\\left(1 \\cdot 10^{20}\\right)^{x}"},
  {"x_1", "x_{1}"},
  {"x12", "x_{12}"},
  {"alpha*beta2", "\\alpha \\beta_{2}"},
  {"w_out", "w_{\\mathrm{out}}"},
  {"sigma_x", "\\sigma_{x}"},
  {"rate", "\\mathrm{rate}"},
  {"lr_max_2", "\\mathrm{lr\\_max\\_2}"},
  {"_a", "\\mathrm{\\_a}"},
};

static void test_latex_table(void) {
  slope_ctx *S = slope_new();
  for (size_t i = 0; i < sizeof latex_cases / sizeof *latex_cases; i++) {
    sx_id e = parse(S, latex_cases[i].src);
    char *t = show(S, e, 1);
    CHECK_STR(t, latex_cases[i].want);
    free(t);
  }
  slope_free(S);
}

/* ---- C code ---------------------------------------------------------------- */

/* Hand-written double-precision references of the expressions below. */
static double ref_rosen(const double *v) {
  double x = v[0], y = v[1];
  return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
}

static double sign_of(double a) { return (a > 0) - (a < 0); }
static double sigmoid_of(double a) { return 1 / (1 + exp(-a)); }

static double ref_every(const double *v) {
  double x = v[0], y = v[1];
  return sin(x) + cos(y) + tan(x / 3) + asin(x / 4) + acos(y / 5) + atan(x * y) +
         sinh(x / 2) + cosh(y / 3) + tanh(x) + exp(-x * x) + log(1 + y * y) +
         log2(2 + x * x) + log10(3 + y * y) + sqrt(1 + x * x) + cbrt(x + 2 * y) +
         fabs(x - y) + sign_of(x) * y + (y > 0) * x + sigmoid_of(x * y) +
         (x - 0.3 > 0 ? x - 0.3 : 0) + log1p(exp(y)) + erf(x) + atan2(y, x) +
         hypot(x, y) + fmin(x, y) + fmax(x, y * y) + pow(x * x + 1, y) + PI * x;
}

static double ref_quot(const double *v) {
  double x = v[0], y = v[1], z = v[2];
  return x / (y * z) + 1 / sqrt(z) + pow(2, -x) + pow(x * y, 1.5) - 3 * x * y * z +
         x * x * x / y + exp(x * y * z) / (1 + z * z);
}

static double ref_const(const double *v) { (void)v; return 2 * PI; }
static double ref_unused(const double *v) { return v[0] * v[0] * v[0]; }

typedef struct cc_case {
  const char *fname, *src;
  int np;
  const char *params[3];
  double (*ref)(const double *);
  int npts;
  double pts[3][3];
} cc_case;

static const cc_case cc_cases[] = {
  {"rosen", "(1 - x)^2 + 100*(y - x^2)^2", 2, {"x", "y"}, ref_rosen, 3,
   {{-1.2, 1}, {0.5, -0.25}, {2, 3}}},
  {"every",
   "sin(x) + cos(y) + tan(x/3) + asin(x/4) + acos(y/5) + atan(x*y) + sinh(x/2) + cosh(y/3)"
   " + tanh(x) + exp(-x^2) + log(1 + y^2) + log2(2 + x^2) + log10(3 + y^2) + sqrt(1 + x^2)"
   " + cbrt(x + 2*y) + abs(x - y) + sign(x)*y + step(y)*x + sigmoid(x*y) + relu(x - 0.3)"
   " + softplus(y) + erf(x) + atan2(y, x) + hypot(x, y) + min(x, y) + max(x, y^2)"
   " + pow(x^2 + 1, y) + pi*x",
   2, {"x", "y"}, ref_every, 3, {{0.7, -1.3}, {-1.1, 0.4}, {1.9, 2.2}}},
  {"quot", "x/(y*z) + z^-0.5 + 2^(-x) + (x*y)^1.5 - 3*x*y*z + x^3/y + exp(x*y*z)/(1 + z^2)",
   3, {"x", "y", "z"}, ref_quot, 2, {{0.5, 1.5, 2}, {1.2, 0.8, 0.6}}},
  {"konst", "2*pi", 0, {0}, ref_const, 1, {{0}}},
  {"unused", "x^3", 2, {"x", "q"}, ref_unused, 1, {{1.7, 5}}},
};
#define NCC (int)(sizeof cc_cases / sizeof *cc_cases)

/* The generated functions and a main that prints, per point, the value with
** and without grad and the gradient. */
static int write_program(slope_ctx *S, sx_buf *b) {
  for (int i = 0; i < NCC; i++) {
    const cc_case *c = &cc_cases[i];
    sx_id e = parse(S, c->src), p[3];
    for (int j = 0; j < c->np; j++) p[j] = var(S, c->params[j]);
    if (!CHECK(sx_print_c(S, e, c->fname, p, c->np, b) == SLOPE_OK)) {
      fprintf(stderr, "    %s\n", S->errmsg);
      return 0;
    }
    sx_buf_puts(b, "\n");
  }
  sx_buf_puts(b, "#include <stdio.h>\nint main(void) {\n  double g[3], v, v0;\n");
  for (int i = 0; i < NCC; i++)
    for (int k = 0; k < cc_cases[i].npts; k++) {
      const double *x = cc_cases[i].pts[k];
      sx_buf_printf(b, "  { const double x[3] = {%.17g, %.17g, %.17g};\n", x[0], x[1], x[2]);
      sx_buf_printf(b, "    v = %s(x, g); v0 = %s(x, NULL);\n", cc_cases[i].fname, cc_cases[i].fname);
      sx_buf_puts(b, "    printf(\"%.17g %.17g\", v, v0);\n");
      for (int j = 0; j < cc_cases[i].np; j++)
        sx_buf_printf(b, "    printf(\" %%.17g\", g[%d]);\n", j);
      sx_buf_puts(b, "    printf(\"\\n\"); }\n");
    }
  sx_buf_puts(b, "  return 0;\n}\n");
  return 1;
}

/* Central difference of the reference in coordinate j. */
static double fd(double (*f)(const double *), const double *x, int j) {
  double a[3], c[3], h = 1e-6 * (fabs(x[j]) > 1 ? fabs(x[j]) : 1);
  memcpy(a, x, sizeof a);
  memcpy(c, x, sizeof c);
  a[j] += h;
  c[j] -= h;
  return (f(a) - f(c)) / (2 * h);
}

static void check_output(FILE *out, void *ud) {
  (void)ud;
  for (int i = 0; i < NCC; i++) {
    const cc_case *c = &cc_cases[i];
    for (int k = 0; k < c->npts; k++) {
      double v, v0, g[3];
      int ok = fscanf(out, "%lf %lf", &v, &v0) == 2;
      for (int j = 0; j < c->np; j++) ok &= fscanf(out, "%lf", &g[j]) == 1;
      if (!CHECK(ok)) return;
      CHECK(v == v0);
      CHECK_NEAR(v, c->ref(c->pts[k]), 1e-13);
      for (int j = 0; j < c->np; j++) CHECK_NEAR(g[j], fd(c->ref, c->pts[k], j), 1e-6);
      if (c->ref == ref_rosen) {   /* and the closed form, to rounding */
        double x = c->pts[k][0], y = c->pts[k][1];
        CHECK_NEAR(g[0], -2 * (1 - x) - 400 * x * (y - x * x), 1e-13);
        CHECK_NEAR(g[1], 200 * (y - x * x), 1e-13);
      }
    }
  }
}

/* Compile the generated code warning-free as C99, run it, compare. */
static void test_ccode_compiled(void) {
  slope_ctx *S = slope_new();
  sx_buf b = {0};
  if (write_program(S, &b)) run_c_program(&b, check_output, NULL);
  sx_buf_free(&b);
  slope_free(S);
}

/* Shared subexpressions are computed once; errors name the problem. */
static void test_ccode_text(void) {
  slope_ctx *S = slope_new();
  sx_id x = var(S, "x"), y = var(S, "y"), q = var(S, "q");
  sx_buf b = {0};
  CHECK_INT(sx_print_c(S, parse(S, "sin(x)^2 + sin(x)*y"), "f", (sx_id[]){x, y}, 2, &b), SLOPE_OK);
  const char *first = b.p ? strstr(b.p, "sin(x[0])") : NULL;
  CHECK(first && !strstr(first + 1, "sin(x[0])"));
  CHECK(b.p && strstr(b.p, "double f(const double *x, double *grad) {\n"));
  CHECK(b.p && strstr(b.p, "  if (!grad) return t"));

  struct { const char *src, *name; sx_id p[2]; int np, code; const char *msg; } bad[] = {
    {"mean(x)", "f", {x}, 1, SLOPE_ERRARG, "ccode does not support data reductions (mean/sum)"},
    {"x + q*y", "f", {x, y}, 2, SLOPE_ERRNAME, "variable 'q' is not a parameter"},
    {"x", "2f", {x}, 1, SLOPE_ERRARG, NULL},
    {"x", "double", {x}, 1, SLOPE_ERRARG, NULL},
    {"x", "f", {x, x}, 2, SLOPE_ERRARG, "ccode: parameter 'x' is listed twice"},
    {"x", "f", {x, sx_add(S, x, q)}, 2, SLOPE_ERRARG, "ccode: parameter 2 is not a variable"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    sx_buf_reset(&b);
    CHECK_INT(sx_print_c(S, parse(S, bad[i].src), bad[i].name, bad[i].p, bad[i].np, &b), bad[i].code);
    CHECK_INT(S->errcode, bad[i].code);
    if (bad[i].msg) CHECK_STR(S->errmsg, bad[i].msg);
    slope_clear_error(S);
  }
  sx_buf_free(&b);
  slope_free(S);
}

int main(void) {
  test_infix_table();
  test_infix_built();
  test_round_trip();
  test_shared_round_trip();
  test_huge();
  test_latex_table();
  test_ccode_text();
  test_ccode_compiled();
  return check_done();
}
