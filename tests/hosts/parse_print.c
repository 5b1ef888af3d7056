/*
** parse_print.c -- a host that parses, differentiates, evaluates and prints
** expressions, checking every value against its closed form.
*/
#include <stdlib.h>
#include <string.h>

#include <slope.h>
#include "hcheck.h"

static double eval1(slope_ctx *S, slope_expr e, const char *name, double v) {
  double r = NAN;
  const char *names[] = {name};
  if (slope_eval(S, e, names, &v, 1, &r) != SLOPE_OK) return NAN;
  return r;
}

static slope_expr parse(slope_ctx *S, const char *src) { return slope_parse(S, src, strlen(src)); }

int main(void) {
  slope_ctx *S = slope_new();
  if (!S) return 1;
  check(strcmp(slope_version(), SLOPE_VERSION) == 0, "slope_version() = SLOPE_VERSION (%s)", slope_version());

  /* parse, print, parse back: the same handle (hash-consing) */
  slope_expr e = parse(S, "x^2 - 4*x + 1");
  const char *t = slope_print(S, e);
  check(e != 0 && t && strcmp(t, "x^2 - 4*x + 1") == 0, "print(x^2 - 4*x + 1) = '%s'", t ? t : "(null)");
  char *copy = t ? malloc(strlen(t) + 1) : NULL;   /* printed text is borrowed: copy it to keep it */
  if (copy) strcpy(copy, t);
  check(copy && parse(S, copy) == e, "the printed text parses back to the same handle");
  free(copy);
  for (double x = -2; x <= 2; x += 0.5)
    check_near(eval1(S, e, "x", x), x * x - 4 * x + 1, 1e-15, "x^2 - 4x + 1 at x");

  /* the derivative, printed and evaluated */
  slope_expr d = slope_diff(S, e, "x");
  t = slope_print(S, d);
  check(d && t && strcmp(t, "2*x - 4") == 0, "d/dx = '%s' (2*x - 4)", t ? t : "(null)");
  check_near(eval1(S, d, "x", 3.5), 3, 0, "d/dx at 3.5");

  /* a let binding and two variables; slope_vars sorted and counted */
  slope_expr g = parse(S, "u = sin(y) + x; u*u");
  const char *vars[4] = {0};
  int nv = slope_vars(S, g, vars, 4);
  check(nv == 2 && strcmp(vars[0], "x") == 0 && strcmp(vars[1], "y") == 0, "vars = x, y (%d)", nv);
  check(slope_vars(S, g, NULL, 0) == 2, "slope_vars with max 0 counts");
  const char *names[] = {"y", "x"};
  double vals[] = {0.3, 1.25}, r = NAN;
  check(slope_eval(S, g, names, vals, 2, &r) == SLOPE_OK, "eval with two names");
  check_near(r, pow(sin(0.3) + 1.25, 2), 1e-15, "(sin(y) + x)^2 at (1.25, 0.3)");
  slope_expr gy = slope_diff(S, g, "y");
  check(slope_eval(S, gy, names, vals, 2, &r) == SLOPE_OK, "eval d/dy");
  check_near(r, 2 * (sin(0.3) + 1.25) * cos(0.3), 1e-15, "d/dy (sin(y) + x)^2");

  /* constructors give the handles parsing gives */
  slope_expr x = slope_var(S, "x"), y = slope_var(S, "y");
  slope_expr args[] = {y, x};
  slope_expr built = slope_mul(S, slope_call(S, "atan2", args, 2), slope_num(S, 3));
  check(built && built == parse(S, "atan2(y, x)*3"), "constructors = parse(atan2(y, x)*3)");
  check(slope_add(S, x, y) == slope_add(S, x, y), "equal expressions have equal handles");
  const char *vn = slope_var_name(S, x);
  check(vn && strcmp(vn, "x") == 0 && slope_var_name(S, built) == NULL, "slope_var_name");
  slope_expr xy = slope_add(S, x, y);
  check(slope_size(S, xy) == 3 && slope_size(S, slope_mul(S, xy, slope_var(S, "z"))) == 5,
        "slope_size counts distinct nodes: x + y has 3, (x + y)*z has 5");
  /* substitution: x := y + 1 in x^2 - 4x + 1 gives (y+1)^2 - 4(y+1) + 1 */
  slope_expr s = slope_subs(S, e, "x", slope_add(S, y, slope_num(S, 1)));
  check_near(eval1(S, s, "y", 0.75), 1.75 * 1.75 - 4 * 1.75 + 1, 1e-15, "subs x := y + 1 at y = 0.75");

  /* numbers print in their shortest exact form */
  t = slope_print(S, parse(S, "0.1*x + 1e-300"));
  check(t && strcmp(t, "0.1*x + 1e-300") == 0, "print(0.1*x + 1e-300) = '%s'", t ? t : "(null)");
  t = slope_latex(S, parse(S, "x/y"));
  check(t && strstr(t, "\\frac{x}{y}") != NULL, "latex(x/y) has \\frac{x}{y}: '%s'", t ? t : "(null)");
  const char *params[] = {"x"};
  t = slope_ccode(S, e, "quad", params, 1);
  check(t && strstr(t, "double quad(const double *x, double *grad)") != NULL, "ccode defines quad()");

  /* the function table and its values without a context */
  int seen = 0, arity = -1, reduces = -1;
  for (int i = 0; slope_function_at(i, NULL, NULL); i++) {
    const char *fn = slope_function_at(i, &arity, &reduces);
    if (strcmp(fn, "atan2") == 0) seen |= (arity == 2 && !reduces) ? 1 : 0;
    if (strcmp(fn, "mean") == 0) seen |= (arity == 1 && reduces) ? 2 : 0;
  }
  check(seen == 3, "slope_function_at lists atan2 (2 arguments) and mean (a reduction)");
  double v = NAN;
  check(slope_function_eval("sqrt", (double[]){2}, 1, &v) == SLOPE_OK && v == sqrt(2), "sqrt(2) = %.17g", v);
  check(slope_function_eval("atan2", (double[]){1, -1}, 2, &v) == SLOPE_OK && v == atan2(1, -1),
        "atan2(1, -1) = %.17g", v);
  check(slope_error_get(S).code == SLOPE_OK, "no error recorded on the way");
  slope_free(S);
  return checks_done();
}
