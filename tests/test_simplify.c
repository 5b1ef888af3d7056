/*
** test_simplify.c -- the simplifier as a person reads it: a table of inputs
** and the exact text expected, for expressions and for derivatives.
*/
#include "check.h"
#include "slope.h"

static const struct { const char *in, *out; } simplify_table[] = {
  {"x*1", "x"}, {"x + 0", "x"}, {"x*0", "0"}, {"x^1", "x"}, {"x^0", "1"},
  {"x - x", "0"}, {"x/x", "1"}, {"1^x", "1"}, {"0*sin(x)", "0"},
  {"2 + 3*4", "14"}, {"2^10", "1024"}, {"-(-x)", "x"}, {"--x", "x"},
  {"x + x", "2*x"}, {"3*x - x", "2*x"}, {"x*x", "x^2"}, {"x*x^2", "x^3"},
  {"x^2/x", "x"}, {"(x^2)^3", "x^6"}, {"sqrt(x)^2", "x"}, {"sqrt(x^2)", "sqrt(x^2)"},
  {"(2*x)^2", "4*x^2"}, {"x*y/(y*x)", "1"}, {"2*x*3", "6*x"},
  {"y*x + x*y", "2*x*y"}, {"b + a", "a + b"}, {"1 + x", "x + 1"},
  {"x^2 - 4*x + 1", "x^2 - 4*x + 1"}, {"1 - 4*x + x^2", "x^2 - 4*x + 1"},
  {"x^2 + y^2 + x*y + 2*x + 3*y + 5", "x^2 + x*y + y^2 + 2*x + 3*y + 5"},
  {"(x + y) - (x + y)", "0"}, {"x - (y - z)", "x - y + z"}, {"2*(x + 1) - 2*x", "2"},
  {"(x + 1)*2*y", "2*y*(x + 1)"}, {"((x + 1)*2)*y", "2*y*(x + 1)"},
  {"-(x + y)", "-(x + y)"}, {"1 - x", "1 - x"}, {"y - x^2", "y - x^2"},
  {"x/y", "x/y"}, {"x/(y*z)", "x/(y*z)"}, {"1/x^2", "1/x^2"}, {"x^-0.5", "1/sqrt(x)"},
  {"exp(log(x))", "x"}, {"log(exp(x))", "x"}, {"abs(abs(x))", "abs(x)"},
  {"max(x, x)", "x"}, {"exp(0)", "1"}, {"log(1)", "0"}, {"pi*2/2", "pi"},
  {"r2 = x^2 + y^2; exp(-r2)", "exp(-(x^2 + y^2))"}, {"mean(3)", "3"},
  {"2^x*2^y", "2^(x + y)"}, {"x^a*x^b", "x^(a + b)"},
};

static const struct { const char *in, *var, *out; } diff_table[] = {
  {"x^2 - 4*x + 1", "x", "2*x - 4"},
  {"(w*x + b - y)^2", "w", "2*x*(w*x + b - y)"},
  {"(w*x + b - y)^2", "b", "2*(w*x + b - y)"},
  {"mean((w*x + b - y)^2)", "w", "mean(2*x*(w*x + b - y))"},
  {"-x^2 + 10", "x", "-2*x"},
  {"x^2 + 2*x + 1", "x", "2*x + 2"},
  {"x^2 + y^2 + x*y + 2*x + 3*y + 5", "x", "2*x + y + 2"},
  {"x^2 + y^2 + x*y + 2*x + 3*y + 5", "y", "x + 2*y + 3"},
  {"(1 - x)^2 + 100*(y - x^2)^2", "y", "200*y - 200*x^2"},
  {"(1 - x)^2 + 100*(y - x^2)^2", "x", "-400*x*(y - x^2) + 2*x - 2"},
  {"sin(x)^2", "x", "2*sin(x)*cos(x)"},
  {"sin(x)^2 + cos(x)^2", "x", "0"},
  {"exp(-x^2 - y^2)", "x", "-2*x*exp(-x^2 - y^2)"},
  {"x/y", "y", "-x/y^2"}, {"1/x", "x", "-1/x^2"}, {"sqrt(x)", "x", "0.5/sqrt(x)"},
  {"log(x)", "x", "1/x"}, {"tan(x)", "x", "tan(x)^2 + 1"},
  {"sigmoid(x)", "x", "sigmoid(x)*(1 - sigmoid(x))"}, {"tanh(x)", "x", "1 - tanh(x)^2"},
  {"x^y", "x", "x^(y - 1)*y"}, {"asin(x)", "x", "1/sqrt(1 - x^2)"},
  {"relu(x)", "x", "step(x)"}, {"abs(x)", "x", "sign(x)"}, {"softplus(x)", "x", "sigmoid(x)"},
  {"max(x, y)", "x", "step(x - y)"}, {"hypot(x, y)", "x", "x/hypot(x, y)"},
  {"atan2(y, x)", "x", "-y/(x^2 + y^2)"}, {"pi*x", "x", "pi"}, {"5", "x", "0"},
  {"y", "x", "0"},
};

int main(void) {
  slope_ctx *S = slope_new();
  for (size_t i = 0; i < sizeof simplify_table / sizeof simplify_table[0]; i++) {
    const char *in = simplify_table[i].in;
    slope_expr e = slope_parse(S, in, strlen(in));
    if (!CHECK(e != 0)) { fprintf(stderr, "    %s: %s\n", in, slope_error_get(S).message); slope_clear_error(S); continue; }
    CHECK_STR(slope_print(S, e), simplify_table[i].out);
  }
  for (size_t i = 0; i < sizeof diff_table / sizeof diff_table[0]; i++) {
    const char *in = diff_table[i].in;
    slope_expr d = slope_diff(S, slope_parse(S, in, strlen(in)), diff_table[i].var);
    if (!CHECK(d != 0)) { slope_clear_error(S); continue; }
    CHECK_STR(slope_print(S, d), diff_table[i].out);
  }
  slope_free(S);
  return check_done();
}
