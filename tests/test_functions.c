/*
** test_functions.c -- every row of the function table (src/functions.h)
** through every back end: parse, print and read back, evaluation, the
** symbolic derivative, the tape (scalar and row sections) and the generated
** C (compiled with the system C compiler and run).
**
** The test walks SX_FUNCTIONS, so a new row is covered without a line
** here.  The references: the row's own VALUE column compiled in this file,
** central differences for every derivative, and the tree (evaluator and
** sx_diff) for the tape and the C code, which share no code with it.  The
** points are a fixed grid, kept where the function and its neighbourhood
** are finite (inside the domain) and away from the kinks at 0 and a == b.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "run_c.h"
#include "tape.h"

/* Each row's VALUE, compiled here. */
#define X(NAME, name, ar, VALUE, ...) \
  static double value_##NAME(double a, double b) { (void)a; (void)b; return (VALUE); }
SX_FUNCTIONS(X)
#undef X

typedef struct row {
  const char *tag, *name;
  int kind, arity;
  double (*value)(double, double);
} row;

static const row rows[] = {
#define X(NAME, name, ar, ...) {#NAME, name, SX_##NAME, ar, value_##NAME},
  SX_FUNCTIONS(X)
#undef X
};
#define NROWS (int)(sizeof rows / sizeof rows[0])

static const char *const XY[] = {"x", "y"};
#define MAXPTS 24

/* The grid, and the points of it where row 'r' is tested. */
static const double GA[] = {-2.7, -1.3, -0.45, 0.3, 0.85, 1.9, 3.4};
static const double GB[] = {-1.1, 0.6, 2.3};
typedef struct points { int n; double x[MAXPTS], y[MAXPTS]; } points;

static int finite_near(const row *r, double a, double b) {
  const double h = 1e-3;
  for (int i = -1; i <= 1; i++)
    for (int j = -1; j <= 1; j++)
      if (!isfinite(r->value(a + i * h, b + j * h))) return 0;
  return 1;
}

static points points_of(const row *r) {
  points p = {0};
  for (size_t i = 0; i < sizeof GA / sizeof *GA; i++)
    for (size_t j = 0; j < (r->arity == 2 ? sizeof GB / sizeof *GB : 1); j++) {
      double a = GA[i], b = r->arity == 2 ? GB[j] : 0.5;
      if (fabs(a - b) < 0.1 || !finite_near(r, a, b)) continue;
      if (p.n < MAXPTS) { p.x[p.n] = a; p.y[p.n] = b; p.n++; }
    }
  return p;
}

/* name(x) or name(x, y) */
static const char *call_text(const row *r, char *buf, size_t cap) {
  snprintf(buf, cap, r->arity == 2 ? "%s(x, y)" : "%s(x)", r->name);
  return buf;
}

static slope_expr parse(slope_ctx *S, const char *src) {
  slope_expr e = slope_parse(S, src, strlen(src));
  if (!e) fprintf(stderr, "    parse error in \"%s\": %s\n", src, slope_error_get(S).message);
  return e;
}

static double eval_at(slope_ctx *S, slope_expr e, double x, double y) {
  double v = NAN, vals[2] = {x, y};
  if (slope_eval(S, e, XY, vals, 2, &v) != SLOPE_OK) return NAN;
  return v;
}

/* ---- parse, print, read back ------------------------------------------------- */

static void test_text(slope_ctx *S, const row *r) {
  char src[64], nested[96];
  slope_expr e = parse(S, call_text(r, src, sizeof src));
  if (!CHECK(e != 0)) return;
  CHECK_INT(sx_kind(S, e), r->kind);
  CHECK_INT(sx_nkids(S, e), r->arity);
  CHECK_STR(slope_print(S, e), src);
  CHECK_INT(sx_fn_lookup(r->name, strlen(r->name))->kind, r->kind);
  CHECK_STR(sx_kind_name(r->kind), r->name);
  /* compound arguments print with what they need, and read back to the node */
  snprintf(nested, sizeof nested, r->arity == 2 ? "%s(x*y - 1, 2^x)^2/y" : "%s(x*y - 1)^2/y", r->name);
  slope_expr n = parse(S, nested);
  const char *text = slope_print(S, n);
  CHECK(n != 0 && text != NULL && parse(S, text) == n);
  /* the LaTeX names the function, for every argument */
  const char *tex = slope_latex(S, n);
  CHECK(tex && !strstr(tex, "?") && strchr(tex, 'x') && strchr(tex, 'y'));
  /* the wrong number of arguments is an error that names the function */
  /* (max with one argument is the largest element of an array, issue 11) */
  int amax = strcmp(r->name, "max") == 0;
  snprintf(nested, sizeof nested, r->arity == 2 ? amax ? "%s(x, y, x)" : "%s(x)" : "%s(x, y)", r->name);
  CHECK(slope_parse(S, nested, strlen(nested)) == 0);
  CHECK(strstr(slope_error_get(S).message, r->name) != NULL);
  slope_clear_error(S);
}

/* ---- values and symbolic derivatives --------------------------------------------- */

/* Central difference of the tree's value in x (j = 0) or y (j = 1). */
static double fd(slope_ctx *S, slope_expr e, double x, double y, int j) {
  double h = 1e-6 * (fabs(j ? y : x) > 1 ? fabs(j ? y : x) : 1);
  double p = j ? eval_at(S, e, x, y + h) : eval_at(S, e, x + h, y);
  double m = j ? eval_at(S, e, x, y - h) : eval_at(S, e, x - h, y);
  return (p - m) / (2 * h);
}

static void test_values(slope_ctx *S, const row *r, const points *p) {
  char src[64];
  slope_expr e = parse(S, call_text(r, src, sizeof src));
  slope_expr d[2] = {slope_diff(S, e, "x"), slope_diff(S, e, "y")};
  if (!CHECK(e && d[0] && d[1])) return;
  if (r->arity == 1) CHECK(sx_is_num(S, d[1], 0));
  for (int k = 0; k < p->n; k++) {
    double x = p->x[k], y = p->y[k];
    double v = eval_at(S, e, x, y);
    CHECK(v == r->value(x, y));
    CHECK(v == sx_fn_eval(r->kind, x, y));
    /* folding: the function of numbers is the number */
    slope_expr args[2] = {slope_num(S, x), slope_num(S, y)};
    slope_expr c = slope_call(S, r->name, args, r->arity);
    CHECK(c && sx_kind(S, c) == SX_NUM && sx_num(S, c) == v);
    for (int j = 0; j < r->arity; j++) {
      double sym = eval_at(S, d[j], x, y), num = fd(S, e, x, y, j);
      if (!check_close(sym, num, 1e-6))
        fprintf(stderr, "    d/d%s %s at (%g, %g): %s\n", XY[j], src, x, y, slope_print(S, d[j]));
      CHECK_NEAR(sym, num, 1e-6);
    }
  }
}

/* ---- the tape ------------------------------------------------------------------ */

static void test_tape_scalar(slope_ctx *S, const row *r, const points *p) {
  char src[64];
  /* 0*y keeps y a parameter of unary functions */
  snprintf(src, sizeof src, r->arity == 2 ? "%s(x, y)" : "%s(x) + 0*y", r->name);
  slope_expr e = parse(S, src);
  slope_expr d[2] = {slope_diff(S, e, "x"), slope_diff(S, e, "y")};
  slope_tape *T = slope_compile(S, e, XY, 2, NULL, 0);
  if (!CHECK(T != NULL)) return;
  for (int k = 0; k < p->n; k++) {
    double x[2] = {p->x[k], p->y[k]}, f = NAN, g[2] = {NAN, NAN};
    CHECK_INT(slope_tape_grad(T, x, NULL, 0, &f, g), SLOPE_OK);
    CHECK_NEAR(f, r->value(x[0], x[1]), 1e-15);
    for (int j = 0; j < 2; j++) CHECK_NEAR(g[j], eval_at(S, d[j], x[0], x[1]), 1e-12);
  }
  slope_tape_free(T);
}

/*
** The row section: mean(f(x*t, y*s)) over data rows, in every operand shape
** (vector-scalar, scalar-vector, vector-vector for binary functions), with
** t and s near 1 so the arguments stay near the point.  The references are
** the row's value and the symbolic partials averaged by a hand loop.
*/
enum { NR = 9 };
static const char *const TS[] = {"t", "s"};

static void check_rows(slope_ctx *S, const row *r, const char *src, int vt, int vs,
                       const points *p) {
  static double t[NR], s[NR];
  for (int i = 0; i < NR; i++) { t[i] = 1 + 0.003 * (i - 4); s[i] = 1 - 0.002 * (i - 4); }
  const double *cols[2] = {t, s};
  slope_expr e = parse(S, src);
  char one[64];
  slope_expr f = parse(S, call_text(r, one, sizeof one));
  slope_expr d[2] = {slope_diff(S, f, "x"), slope_diff(S, f, "y")};
  slope_tape *T = slope_compile(S, e, XY, 2, TS, 2);
  if (!CHECK(T != NULL) || !CHECK(slope_tape_bind(T, cols, NR) == SLOPE_OK)) {
    slope_tape_free(T);
    return;
  }
  for (int k = 0; k < p->n; k++) {
    double x[2] = {p->x[k], p->y[k]}, v = NAN, g[2] = {NAN, NAN}, wv = 0, wg[2] = {0, 0};
    for (int i = 0; i < NR; i++) {
      double a = x[0] * (vt ? t[i] : 1), b = x[1] * (vs ? s[i] : 1);
      wv += r->value(a, b) / NR;
      wg[0] += eval_at(S, d[0], a, b) * (vt ? t[i] : 1) / NR;
      wg[1] += eval_at(S, d[1], a, b) * (vs ? s[i] : 1) / NR;
    }
    CHECK_INT(slope_tape_grad(T, x, NULL, 0, &v, g), SLOPE_OK);
    if (!check_close(v, wv, 1e-13) || !check_close(g[0], wg[0], 1e-11) || !check_close(g[1], wg[1], 1e-11))
      fprintf(stderr, "    %s at (%g, %g)\n", src, x[0], x[1]);
    CHECK_NEAR(v, wv, 1e-13);
    CHECK_NEAR(g[0], wg[0], 1e-11);
    CHECK_NEAR(g[1], wg[1], 1e-11);
  }
  slope_tape_free(T);
}

static void test_tape_rows(slope_ctx *S, const row *r, const points *p) {
  char src[96];
  if (r->arity == 1) {
    snprintf(src, sizeof src, "mean(%s(x*t) + 0*y*s)", r->name);
    check_rows(S, r, src, 1, 0, p);
    return;
  }
  snprintf(src, sizeof src, "mean(%s(x*t, y))", r->name);
  check_rows(S, r, src, 1, 0, p);
  snprintf(src, sizeof src, "mean(%s(x, y*s))", r->name);
  check_rows(S, r, src, 0, 1, p);
  snprintf(src, sizeof src, "mean(%s(x*t, y*s))", r->name);
  check_rows(S, r, src, 1, 1, p);
}

/* ---- the generated C ---------------------------------------------------------------- */

/* One program: a function per row, and a main printing value and gradient
** at each row's points. */
static int write_program(slope_ctx *S, const points *pts, sx_buf *b) {
  sx_id xy[2] = {sx_mkvar(S, "x", 1), sx_mkvar(S, "y", 1)};
  for (int i = 0; i < NROWS; i++) {
    char src[64], fname[32];
    snprintf(fname, sizeof fname, "f_%s", rows[i].tag);
    slope_expr e = parse(S, call_text(&rows[i], src, sizeof src));
    if (!CHECK(sx_print_c(S, e, fname, xy, 2, b) == SLOPE_OK)) {
      fprintf(stderr, "    %s: %s\n", src, slope_error_get(S).message);
      return 0;
    }
  }
  sx_buf_puts(b, "#include <stdio.h>\nint main(void) {\n  double g[2], x[2];\n");
  for (int i = 0; i < NROWS; i++)
    for (int k = 0; k < pts[i].n; k++)
      sx_buf_printf(b, "  x[0] = %.17g; x[1] = %.17g; printf(\"%%.17g %%.17g \", f_%s(x, NULL), f_%s(x, g));"
                    " printf(\"%%.17g %%.17g\\n\", g[0], g[1]);\n",
                    pts[i].x[k], pts[i].y[k], rows[i].tag, rows[i].tag);
  sx_buf_puts(b, "  return 0;\n}\n");
  return 1;
}

typedef struct program { slope_ctx *S; const points *pts; } program;

/* Values against the tree, gradients against the symbolic derivatives. */
static void check_program_output(FILE *out, void *ud) {
  slope_ctx *S = ((program *)ud)->S;
  const points *pts = ((program *)ud)->pts;
  for (int i = 0; i < NROWS; i++) {
    char src[64];
    slope_expr e = parse(S, call_text(&rows[i], src, sizeof src));
    slope_expr d[2] = {slope_diff(S, e, "x"), slope_diff(S, e, "y")};
    for (int k = 0; k < pts[i].n; k++) {
      double v0, v, g[2], x = pts[i].x[k], y = pts[i].y[k];
      if (!CHECK(fscanf(out, "%lf %lf %lf %lf", &v0, &v, &g[0], &g[1]) == 4)) return;
      CHECK(v == v0);
      if (!check_close(v, eval_at(S, e, x, y), 1e-15)) fprintf(stderr, "    C value of %s\n", src);
      CHECK_NEAR(v, eval_at(S, e, x, y), 1e-15);
      for (int j = 0; j < 2; j++) CHECK_NEAR(g[j], eval_at(S, d[j], x, y), 1e-13);
    }
  }
}

static void test_ccode(slope_ctx *S, const points *pts) {
  sx_buf b = {0};
  program P = {S, pts};
  if (write_program(S, pts, &b)) run_c_program(&b, check_program_output, &P);
  sx_buf_free(&b);
}

/* ---- log1p and expm1: why they exist --------------------------------------------- */

/* Near 0 they keep the digits log(1 + x) and exp(x) - 1 lose: against the
** Taylor series, which is exact to rounding there. */
static void test_small_arguments(slope_ctx *S) {
  static const double xs[] = {1e-12, -3e-10, 2.5e-8};
  slope_expr e = parse(S, "log1p(x)"), f = parse(S, "expm1(x)");
  slope_expr de = slope_diff(S, e, "x"), df = slope_diff(S, f, "x");
  for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
    double x = xs[i];
    /* relative errors: these values are far below check_close's absolute floor */
    CHECK_NEAR(eval_at(S, e, x, 0) / (x - x * x / 2 + x * x * x / 3), 1, 1e-15);
    CHECK_NEAR(eval_at(S, f, x, 0) / (x + x * x / 2 + x * x * x / 6), 1, 1e-15);
    CHECK_NEAR(eval_at(S, de, x, 0), 1 / (1 + x), 1e-15);
    CHECK_NEAR(eval_at(S, df, x, 0), exp(x), 1e-15);
  }
  /* the naive forms lose most digits at 1e-12 */
  CHECK(fabs(log(1 + xs[0]) / xs[0] - 1) > 1e-6 && fabs((exp(xs[0]) - 1) / xs[0] - 1) > 1e-6);
  CHECK_STR(slope_print(S, slope_diff(S, parse(S, "log1p(x)"), "x")), "1/(x + 1)");
  CHECK_STR(slope_print(S, slope_diff(S, parse(S, "expm1(2*x)"), "x")), "2*exp(2*x)");
  /* inverse pairs simplify, as exp and log do; log(1 + x) is left alone */
  CHECK_STR(slope_print(S, parse(S, "log1p(expm1(x)) + expm1(log1p(y))")), "x + y");
  CHECK_STR(slope_print(S, parse(S, "log(1 + x)")), "log(x + 1)");
  CHECK_STR(slope_latex(S, parse(S, "log1p(x) + expm1(y)")),
            "\\operatorname{expm1}\\left(y\\right) + \\operatorname{log1p}\\left(x\\right)");
}

int main(void) {
  slope_ctx *S = slope_new();
  static points pts[NROWS];
  for (int i = 0; i < NROWS; i++) {
    const row *r = &rows[i];
    pts[i] = points_of(r);
    if (!CHECK(pts[i].n >= 2)) fprintf(stderr, "    %s: fewer than 2 points of the grid in its domain\n", r->name);
    test_text(S, r);
    test_values(S, r, &pts[i]);
    test_tape_scalar(S, r, &pts[i]);
    test_tape_rows(S, r, &pts[i]);
  }
  test_ccode(S, pts);
  test_small_arguments(S);
  CHECK(NROWS == SX_NFN1 + SX_NFN2);
  slope_free(S);
  return check_done();
}
