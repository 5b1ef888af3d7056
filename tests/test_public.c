/*
** test_public.c -- the public functions a client such as the Lua binding
** needs besides building and running: the language's function list and its
** values (against the C library, and against slope_eval for every row), a
** variable's name, "did you mean" suggestions, name lists, and a problem's
** data set.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "slope.h"

/* ---- the language's functions ------------------------------------------------ */

/* What the C library says each function is at (a, b); NAN where the test
** has no independent reference (checked against slope_eval only). */
static double reference(const char *name, double a, double b) {
  static const struct { const char *name; double (*f1)(double); double (*f2)(double, double); } libm[] = {
    {"sin", sin, NULL}, {"cos", cos, NULL}, {"tan", tan, NULL}, {"asin", asin, NULL},
    {"acos", acos, NULL}, {"atan", atan, NULL}, {"sinh", sinh, NULL}, {"cosh", cosh, NULL},
    {"tanh", tanh, NULL}, {"exp", exp, NULL}, {"log", log, NULL}, {"log2", log2, NULL},
    {"log10", log10, NULL}, {"sqrt", sqrt, NULL}, {"cbrt", cbrt, NULL}, {"abs", fabs, NULL},
    {"erf", erf, NULL}, {"atan2", NULL, atan2}, {"hypot", NULL, hypot}, {"pow", NULL, pow},
    {"min", NULL, fmin}, {"max", NULL, fmax},
  };
  for (size_t i = 0; i < sizeof libm / sizeof *libm; i++)
    if (strcmp(libm[i].name, name) == 0) return libm[i].f1 ? libm[i].f1(a) : libm[i].f2(a, b);
  if (strcmp(name, "sigmoid") == 0) return 1 / (1 + exp(-a));
  if (strcmp(name, "softplus") == 0) return log1p(exp(a));
  if (strcmp(name, "relu") == 0) return a > 0 ? a : 0;
  if (strcmp(name, "sign") == 0) return a > 0 ? 1 : a < 0 ? -1 : 0;
  return NAN;
}

static void test_function_list(slope_ctx *S) {
  int n = 0, arity = -1, reduces = -1, reductions = 0;
  const char *name;
  const double a = 0.3, b = 0.7;
  slope_expr x = slope_var(S, "x"), y = slope_var(S, "y");
  const char *names[] = {"x", "y"};
  const double at[] = {a, b};
  for (; (name = slope_function_at(n, &arity, &reduces)); n++) {
    CHECK(arity == 1 || arity == 2);
    CHECK(reduces == 0 || reduces == 1);
    reductions += reduces;
    /* the list agrees with slope_call: every row builds with its arity */
    slope_expr args[2] = {x, y};
    slope_expr e = slope_call(S, name, args, arity);
    if (!CHECK(e != 0)) { fprintf(stderr, "    %s: %s\n", name, slope_error_get(S).message); slope_clear_error(S); continue; }
    double v, r;
    int rc = slope_function_eval(name, at, arity, &v);
    if (reduces) { CHECK_INT(rc, SLOPE_ERRDATA); continue; }
    CHECK_INT(rc, SLOPE_OK);
    /* the same value the tree evaluator gives, bit for bit */
    CHECK_INT(slope_eval(S, e, names, at, 2, &r), SLOPE_OK);
    if (!CHECK(v == r)) fprintf(stderr, "    %s: %.17g vs slope_eval %.17g\n", name, v, r);
    double want = reference(name, a, b);
    if (!isnan(want)) CHECK_NEAR(v, want, 1e-15);
  }
  CHECK(n >= 29);   /* sin ... erf, atan2, hypot, min, max, pow, sum, mean */
  CHECK_INT(reductions, 2);
  CHECK(slope_function_at(n, &arity, NULL) == NULL);
  CHECK(slope_function_at(-1, NULL, NULL) == NULL);
  CHECK(slope_function_at(0, NULL, NULL) != NULL);   /* NULL outputs are allowed */
}

static void test_function_at_rows(void) {
  int arity, reduces, found = 0;
  const char *name;
  for (int i = 0; (name = slope_function_at(i, &arity, &reduces)); i++) {
    if (strcmp(name, "sin") == 0) { CHECK_INT(arity, 1); CHECK_INT(reduces, 0); found++; }
    if (strcmp(name, "atan2") == 0) { CHECK_INT(arity, 2); CHECK_INT(reduces, 0); found++; }
    if (strcmp(name, "sqrt") == 0) { CHECK_INT(arity, 1); CHECK_INT(reduces, 0); found++; }
    if (strcmp(name, "sum") == 0) { CHECK_INT(arity, 1); CHECK_INT(reduces, 1); found++; }
    if (strcmp(name, "mean") == 0) { CHECK_INT(arity, 1); CHECK_INT(reduces, 1); found++; }
  }
  CHECK_INT(found, 5);
}

static void test_function_eval(void) {
  double r = -1;
  CHECK_INT(slope_function_eval("sqrt", (double[]){2}, 1, &r), SLOPE_OK);
  CHECK(r == sqrt(2));
  CHECK_INT(slope_function_eval("hypot", (double[]){3, 4}, 2, &r), SLOPE_OK);
  CHECK(r == 5);
  CHECK_INT(slope_function_eval("pow", (double[]){2, 10}, 2, &r), SLOPE_OK);
  CHECK(r == 1024);
  CHECK_INT(slope_function_eval("sigmoid", (double[]){0}, 1, &r), SLOPE_OK);
  CHECK(r == 0.5);
  CHECK_INT(slope_function_eval("softplus", (double[]){0}, 1, &r), SLOPE_OK);
  CHECK_NEAR(r, log(2), 1e-16);
  /* a value outside the domain is a value, not an error */
  CHECK_INT(slope_function_eval("log", (double[]){-1}, 1, &r), SLOPE_OK);
  CHECK(isnan(r));
  r = 7;
  CHECK_INT(slope_function_eval("sine", (double[]){1}, 1, &r), SLOPE_ERRNAME);
  CHECK_INT(slope_function_eval(NULL, (double[]){1}, 1, &r), SLOPE_ERRNAME);
  CHECK_INT(slope_function_eval("sin", (double[]){1, 2}, 2, &r), SLOPE_ERRARG);
  CHECK_INT(slope_function_eval("atan2", (double[]){1}, 1, &r), SLOPE_ERRARG);
  CHECK_INT(slope_function_eval("sin", NULL, 1, &r), SLOPE_ERRARG);
  CHECK_INT(slope_function_eval("sin", (double[]){1}, 1, NULL), SLOPE_ERRARG);
  CHECK_INT(slope_function_eval("mean", (double[]){1}, 1, &r), SLOPE_ERRDATA);
  CHECK(r == 7);   /* untouched on an error */
}

/* ---- variable names -------------------------------------------------------------- */

static void test_var_name(slope_ctx *S) {
  CHECK_STR(slope_var_name(S, slope_var(S, "w_1")), "w_1");
  CHECK_STR(slope_var_name(S, slope_parse(S, "b", 1)), "b");
  CHECK(slope_var_name(S, slope_parse(S, "w + 1", 5)) == NULL);
  CHECK(slope_var_name(S, slope_num(S, 2)) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);   /* not a variable is no error */
  CHECK(slope_var_name(S, 0) == NULL);   /* no expression is not a variable: nothing recorded */
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);
  CHECK(slope_var_name(S, 0x7fffffff) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRMISUSE);
  slope_clear_error(S);
}

/* ---- did you mean, and name lists ------------------------------------------------------ */

static void test_suggest(void) {
  const char *kinds[] = {"sgd", "adam", "adamw", "rmsprop"};
  CHECK_STR(slope_suggest("adma", kinds, 4), "adam");        /* a swap counts 1 */
  CHECK_STR(slope_suggest("rmsprp", kinds, 4), "rmsprop");   /* a deletion */
  CHECK_STR(slope_suggest("adamw", kinds, 4), "adamw");      /* the name itself */
  CHECK(slope_suggest("lbfgs", kinds, 4) == NULL);           /* nothing near */
  CHECK(slope_suggest("adma", kinds, 1) == NULL);            /* only names[0..count) */
  const char *fns[] = {"exp"};
  CHECK(slope_suggest("x", fns, 1) == NULL);                 /* more than half changed */
  const char *tie[] = {"ac", "ad"};
  CHECK_STR(slope_suggest("ab", tie, 2), "ac");              /* the earliest of equals */
  CHECK(slope_suggest("x", NULL, 0) == NULL);
  CHECK(slope_suggest(NULL, kinds, 4) == NULL);
}

static void test_name_list(void) {
  char out[200];
  const char *wb[] = {"w", "b"};
  CHECK_STR(slope_name_list(out, sizeof out, wb, 2), "w, b");
  CHECK_STR(slope_name_list(out, sizeof out, wb, 0), "none");
  CHECK_STR(slope_name_list(out, sizeof out, NULL, 3), "none");
  const char *ten[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
  CHECK_STR(slope_name_list(out, sizeof out, ten, 10), "a, b, c, d, e, f, g, h, ... (10 in all)");
  CHECK_STR(slope_name_list(out, sizeof out, ten, 8), "a, b, c, d, e, f, g, h");
  CHECK_STR(slope_name_list(out, 4, wb, 2), "w, ");   /* cut to fit, terminated */
  CHECK(slope_name_list(NULL, 10, wb, 2) == NULL);
}

/* ---- a problem's data ---------------------------------------------------------------- */

static int zero_fg(void *ud, const double *x, double *f, double *g) {
  (void)ud;
  *f = x[0] * x[0];
  if (g) g[0] = 2 * x[0];
  return SLOPE_OK;
}

static void test_problem_data(slope_ctx *S) {
  slope_data *d = slope_data_new(S);
  double xs[] = {1, 2, 3};
  CHECK_INT(slope_data_add(d, "x", xs, 3), SLOPE_OK);
  const char *w[] = {"w"};
  double x0[] = {0};
  slope_expr f = slope_parse(S, "mean((w - x)^2)", 15), g = slope_parse(S, "(w - 1)^2", 9);
  slope_problem *with = slope_problem_new(S, f, w, x0, 1, d);
  slope_problem *without = slope_problem_new(S, g, w, x0, 1, NULL);
  slope_objective obj = {zero_fg, NULL, NULL};
  slope_problem *host = slope_problem_callback(S, 1, NULL, x0, obj);
  if (CHECK(with && without && host)) {
    CHECK(slope_problem_data(with) == d);
    CHECK(slope_problem_data(without) == NULL);
    CHECK(slope_problem_data(host) == NULL);
  }
  slope_problem_free(with);
  slope_problem_free(without);
  slope_problem_free(host);
  slope_data_free(d);
}

int main(void) {
  slope_ctx *S = slope_new();
  if (!S) return 2;
  test_function_list(S);
  test_function_at_rows();
  test_function_eval();
  test_var_name(S);
  test_suggest();
  test_name_list();
  test_problem_data(S);
  slope_free(S);
  return check_done();
}
