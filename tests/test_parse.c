/*
** test_parse.c -- the expression parser: precedence and associativity,
** numbers, let-bindings, every error message, hostile input.
**
** Shapes are checked against an independent reference: a tiny prefix
** (s-expression) reader below builds the expected DAG straight from the
** constructors of expr.h, with no grammar involved; since the DAG is
** hash-consed, "same expression" is "same node id".  Numbers are checked
** against the C compiler's reading of the same literal.
*/
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "expr.h"

static sx_id parse(slope_ctx *S, const char *src) { return sx_parse(S, src, strlen(src)); }

/* ---- the reference builder: "(sub a (mul b (pow c d)))" ------------------- */

static sx_id sexp(slope_ctx *S, const char **p);

static void skip_space(const char **p) { while (**p == ' ') (*p)++; }

static sx_id sexp_list(slope_ctx *S, const char **p) {
  char op[16];
  size_t n = 0;
  while (**p && **p != ' ' && **p != ')' && n < sizeof op - 1) op[n++] = *(*p)++;
  op[n] = '\0';
  sx_id a[4] = {0, 0, 0, 0};
  uint32_t na = 0;
  for (skip_space(p); **p && **p != ')' && na < 4; skip_space(p)) a[na++] = sexp(S, p);
  if (**p == ')') (*p)++;
  if (!strcmp(op, "add")) return sx_add(S, a[0], a[1]);
  if (!strcmp(op, "sub")) return sx_sub(S, a[0], a[1]);
  if (!strcmp(op, "mul")) return sx_mul(S, a[0], a[1]);
  if (!strcmp(op, "div")) return sx_div(S, a[0], a[1]);
  if (!strcmp(op, "pow")) return sx_pow(S, a[0], a[1]);
  if (!strcmp(op, "neg")) return sx_neg(S, a[0]);
  if (!strcmp(op, "sqrt")) return sx_pow(S, a[0], sx_mknum(S, 0.5));
  const sx_fninfo *f = sx_fn_lookup(op, strlen(op));
  return f ? sx_apply(S, f->kind, a, na) : SX_NIL;
}

static sx_id sexp(slope_ctx *S, const char **p) {
  skip_space(p);
  if (**p == '(') { (*p)++; return sexp_list(S, p); }
  const char *z = *p;
  while (**p && **p != ' ' && **p != ')') (*p)++;
  if ((*z >= '0' && *z <= '9') || *z == '-' || *z == '.') return sx_mknum(S, strtod(z, NULL));
  return sx_mkvar(S, z, (size_t)(*p - z));
}

static sx_id build(slope_ctx *S, const char *text) { return sexp(S, &text); }

/* ---- precedence and associativity ----------------------------------------- */

static const struct { const char *src, *tree; } shapes[] = {
  {"a-b*c^d", "(sub a (mul b (pow c d)))"},
  {"a-b-c", "(sub (sub a b) c)"},
  {"a/b/c", "(div (div a b) c)"},
  {"a/b*c", "(mul (div a b) c)"},
  {"a*b/c", "(div (mul a b) c)"},
  {"a+b*c", "(add a (mul b c))"},
  {"a*b+c*d", "(add (mul a b) (mul c d))"},
  {"a^b^c", "(pow a (pow b c))"},
  {"-x^2", "(neg (pow x 2))"},
  {"-a*b", "(mul (neg a) b)"},
  {"2^-x", "(pow 2 (neg x))"},
  {"2^-x^2", "(pow 2 (neg (pow x 2)))"},
  {"x*-y", "(mul x (neg y))"},
  {"x/-y", "(div x (neg y))"},
  {"x^+2", "(pow x 2)"},
  {"a - - b", "(sub a (neg b))"},
  {"--x", "(neg (neg x))"},
  {"-+-x", "x"},
  {"+x", "x"},
  {"(((x)))", "x"},
  {"sin(x)^2", "(pow (sin x) 2)"},
  {"-sin(x)*y", "(mul (neg (sin x)) y)"},
  {"sqrt(x)", "(pow x 0.5)"},
  {"sqrt(x+1)", "(sqrt (add x 1))"},
  {"pow(x, y+1)", "(pow x (add y 1))"},
  {"atan2(y, x)", "(atan2 y x)"},
  {"max(a, b) - min(a, b)", "(sub (max a b) (min a b))"},
  {"hypot(x, 3)*step(x)", "(mul (hypot x 3) (step x))"},
  {"mean((y - w*x)^2)", "(mean (pow (sub y (mul w x)) 2))"},
  {"sum(x)/2", "(div (sum x) 2)"},
  {"exp(-x^2/2)", "(exp (div (neg (pow x 2)) 2))"},
  {"log(1 + exp(-y*(w*x + b)))", "(log (add 1 (exp (mul (neg y) (add (mul w x) b)))))"},
  {"(1 - x)^2 + 100*(y - x^2)^2", "(add (pow (sub 1 x) 2) (mul 100 (pow (sub y (pow x 2)) 2)))"},
  {"x^2 - 4*x + 1", "(add (sub (pow x 2) (mul 4 x)) 1)"},
  {"a*b*c*d", "(mul (mul (mul a b) c) d)"},
  {"a+b+c+d-e", "(sub (add (add (add a b) c) d) e)"},
  {"1 - -1", "2"},
  {"2^3^2", "512"},
  {"-2^2", "-4"},
  {"2^-3", "0.125"},
  {"pi", "3.14159265358979323846"},
  {"2*pi*r", "(mul (mul 2 3.14159265358979323846) r)"},
  {"sigmoid(z) + relu(z) + softplus(z) + erf(z)",
   "(add (add (add (sigmoid z) (relu z)) (softplus z)) (erf z))"},
};

/* Pairs that must parse to the same node, and pairs that must not. */
static const struct { const char *a, *b; } same[] = {
  {"2^3^2", "512"}, {"-x^2", "-(x^2)"}, {"a-b-c", "(a-b)-c"}, {"a/b/c", "(a/b)/c"},
  {"a-b*c^d", "a-(b*(c^d))"}, {"2^-x", "2^(-x)"}, {"x*-y", "x*(-y)"}, {"a^b^c", "a^(b^c)"},
  {"-a*b", "(-a)*b"}, {"a+b*c", "a+(b*c)"}, {"-2^2", "-(2^2)"}, {"x ^ 2", "x^2"},
  {"sqrt(x)", "x^0.5"}, {"pow(x, y)", "x^y"}, {"x\t+\ty", "y + x"},
};
static const struct { const char *a, *b; } differ[] = {
  {"a-(b-c)", "(a-b)-c"}, {"a/(b/c)", "(a/b)/c"}, {"(-2)^2", "-2^2"}, {"(2^3)^2", "2^3^2"},
  {"(a^b)^c", "a^b^c"}, {"(-x)^2", "-x^2"}, {"2^(-x)^2", "2^-x^2"},
};

static void test_shapes(void) {
  slope_ctx *S = slope_new();
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    sx_id want = build(S, shapes[i].tree), got = parse(S, shapes[i].src);
    if (!check_report(want != SX_NIL && got == want, __FILE__, __LINE__, shapes[i].src))
      fprintf(stderr, "    %s: got %u, expected %u (%s)\n", shapes[i].src, got, want, S->errmsg);
  }
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
    sx_id a = parse(S, same[i].a), b = parse(S, same[i].b);
    if (!check_report(a != SX_NIL && a == b, __FILE__, __LINE__, same[i].a))
      fprintf(stderr, "    '%s' vs '%s': %u, %u\n", same[i].a, same[i].b, a, b);
  }
  for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
    sx_id a = parse(S, differ[i].a), b = parse(S, differ[i].b);
    if (!check_report(a != SX_NIL && b != SX_NIL && a != b, __FILE__, __LINE__, differ[i].a))
      fprintf(stderr, "    '%s' vs '%s': %u, %u\n", differ[i].a, differ[i].b, a, b);
  }
  CHECK_INT(S->errcode, SLOPE_OK);
  /* the parser and the constructors meet in one DAG */
  CHECK(parse(S, "x") == sx_mkvar(S, "x", 1));
  CHECK(parse(S, "x + 1") == parse(S, " x+1 # comment"));
  slope_free(S);
}

/*
** A chain 'a + b - c ...' is built n-ary (one sx_addn); it must give the
** node that folding sx_add/sx_sub left to right gives, for any terms.
*/
static void test_chains(void) {
  static const char *const terms[] = {
    "x", "2*x", "y^2", "3", "sin(x)", "x*y", "-x", "0.5", "(x+1)", "2*(y+1)", "x^2", "y",
    "exp(y)", "1e300", "-1e300", "x/y", "0",
  };
  const size_t nt = sizeof terms / sizeof terms[0];
  slope_ctx *S = slope_new();
  uint64_t seed = 12345;
  int ok = 1;
  for (int trial = 0; trial < 2000 && ok; trial++) {
    char src[512];
    size_t k = 0;
    int n = 2 + (int)(trial % 7);
    sx_id want = SX_NIL;
    for (int i = 0; i < n; i++) {
      seed = seed * 6364136223846793005u + 1442695040888963407u;
      const char *t = terms[(seed >> 33) % nt];
      int minus = (seed >> 20) & 1;
      sx_id e = parse(S, t);
      want = i == 0 ? e : minus ? sx_sub(S, want, e) : sx_add(S, want, e);
      k += (size_t)snprintf(src + k, sizeof src - k, "%s%s", i == 0 ? "" : minus ? " - " : " + ", t);
    }
    int failed = sx_failed(S);
    slope_clear_error(S);
    sx_id got = parse(S, src);
    if (failed) ok = got == SX_NIL;   /* a constant overflow fails both ways */
    else ok = got == want;
    if (!ok) fprintf(stderr, "    chain '%s': got %u, expected %u\n", src, got, want);
    slope_clear_error(S);
  }
  CHECK(ok);
  slope_free(S);
}

/* ---- numbers ---------------------------------------------------------------- */

static const struct { const char *src; double v; } numbers[] = {
  {"3", 3}, {"2.5", 2.5}, {".5", .5}, {"1e-3", 1e-3}, {"6.02E23", 6.02E23}, {"1e+5", 1e+5},
  {"1.", 1.}, {"1.e2", 1.e2}, {"0", 0}, {"0.000", 0}, {"007", 7}, {"1E5", 1E5},
  {"0.1", 0.1}, {"123456789012345678901234567890", 123456789012345678901234567890.0},
  {"1.7976931348623157e308", 1.7976931348623157e308}, {"4.9e-324", 4.9e-324},
  {"1e-400", 0}, {"2.2250738585072014e-308", 2.2250738585072014e-308},
  {".000001e6", 1},
  {"-3", -3}, {"--3", 3}, {"+.25", .25}, {"pi", 3.14159265358979323846},
  {"2^10", 1024}, {"1/4", 0.25}, {"-2^-2", -0.25}, {"sqrt(16)", 4}, {"pow(2, 0.5)", 1.4142135623730951},
  {"3 # three", 3},
};

static void test_numbers(void) {
  slope_ctx *S = slope_new();
  for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
    sx_id e = parse(S, numbers[i].src);
    int ok = e != SX_NIL && sx_kind(S, e) == SX_NUM && sx_num(S, e) == numbers[i].v;
    if (!check_report(ok, __FILE__, __LINE__, numbers[i].src))
      fprintf(stderr, "    '%s': %.17g, expected %.17g (%s)\n", numbers[i].src,
              e ? sx_num(S, e) : NAN, numbers[i].v, S->errmsg);
  }
  /* a long literal is read exactly like a short one */
  char big[2000];
  memset(big, '0', sizeof big - 1);
  big[0] = '1';
  big[1] = '.';
  big[sizeof big - 1] = '\0';
  sx_id e = parse(S, big);
  CHECK(e != SX_NIL && sx_num(S, e) == 1);
  slope_free(S);
}

/* ---- let-bindings ----------------------------------------------------------- */

static const struct { const char *a, *b; } lets[] = {
  {"r2 = x^2 + y^2; exp(-r2)", "exp(-(x^2+y^2))"},
  {"a = x + 1\nb = a*a\nb - 1", "(x+1)*(x+1) - 1"},
  {"x = y + 1; x^2", "(y+1)^2"},                       /* a binding shadows a variable */
  {"a = 1; a = a + x; a", "1 + x"},                     /* rebinding: the last one wins */
  {"a = x\nb = a\na = y\na*b", "y*x"},                  /* b keeps the value a had */
  {"x;", "x"}, {"x\n", "x"}, {"x;;\n;", "x"}, {";;a = 1;; a", "1"},
  {"a=1;\n\n b = 2 # two\n a+b\n\n", "3"},
  {"a = 2\r\nb = a\r\nb*x\r\n", "2*x"},
  {"# header\n\n  x # trailing", "x"},
  {"x +\n y", "x + y"},                                 /* a newline after an operator */
  {"f =\n  x^2\nf", "x^2"},
  {"(x\n+\ny)", "x + y"},                               /* inside parentheses: space */
  {"atan2(\n  y,\n  x\n)", "atan2(y, x)"},
  {"w = 2\nb = 1\nmean((y - (w*x + b))^2)", "mean((y - 2*x - 1)^2)"},
  {"s = sin(t); c = cos(t); s^2 + c^2", "sin(t)^2 + cos(t)^2"},
  {"e = exp(x); e*e", "exp(x)^2"},
  {"longer_name_1 = t*2; longer_name_1/t", "2"},
};

static void test_lets(void) {
  slope_ctx *S = slope_new();
  for (size_t i = 0; i < sizeof lets / sizeof lets[0]; i++) {
    sx_id a = parse(S, lets[i].a), b = parse(S, lets[i].b);
    if (!check_report(a != SX_NIL && a == b, __FILE__, __LINE__, lets[i].a))
      fprintf(stderr, "    '%s': %u vs %u (%s)\n", lets[i].a, a, b, S->errmsg);
  }
  /* bindings do not outlive their parse */
  sx_id r = parse(S, "q = 5; q");
  CHECK(r != SX_NIL && sx_num(S, r) == 5);
  CHECK(parse(S, "q") == sx_mkvar(S, "q", 1));
  /* a thousand bindings, each using the one before */
  static char big[20000];
  size_t k = (size_t)snprintf(big, sizeof big, "v0 = x\n");
  for (int i = 1; i < 1000; i++) k += (size_t)snprintf(big + k, sizeof big - k, "v%d = v%d + 1\n", i, i - 1);
  snprintf(big + k, sizeof big - k, "v999");
  CHECK(parse(S, big) == parse(S, "x + 999"));
  CHECK_INT(S->errcode, SLOPE_OK);
  slope_free(S);
}

/* ---- error messages --------------------------------------------------------- */

static const struct { const char *src; int code; const char *first; } errors[] = {
  {"x^2 * ", SLOPE_ERRSYNTAX, "1:7: expected an expression after '*' (unexpected end of input)"},
  {"", SLOPE_ERRSYNTAX, "1:1: unexpected end of input"},
  {"   # only a comment", SLOPE_ERRSYNTAX, "1:20: unexpected end of input"},
  {";", SLOPE_ERRSYNTAX, "1:2: unexpected end of input"},
  {"x +", SLOPE_ERRSYNTAX, "1:4: expected an expression after '+' (unexpected end of input)"},
  {"f(x,", SLOPE_ERRSYNTAX, "1:5: expected an expression after ',' (unexpected end of input)"},
  {"sin(", SLOPE_ERRSYNTAX, "1:5: expected an expression after '(' (unexpected end of input)"},
  {"x = ", SLOPE_ERRSYNTAX, "1:5: expected an expression after '=' (unexpected end of input)"},
  {"1 + (x", SLOPE_ERRSYNTAX, "1:7: expected ')' to close '(' at 1:5 (unexpected end of input)"},
  {"((x)", SLOPE_ERRSYNTAX, "1:5: expected ')' to close '(' at 1:1 (unexpected end of input)"},
  {"a = 1", SLOPE_ERRSYNTAX, "1:6: expected an expression after the binding of 'a' (unexpected end of input)"},
  {"a = 1;\nb = 2\n", SLOPE_ERRSYNTAX, "3:1: expected an expression after the binding of 'b' (unexpected end of input)"},
  {"x)", SLOPE_ERRSYNTAX, "1:2: unmatched ')'"},
  {"(x))", SLOPE_ERRSYNTAX, "1:4: unmatched ')'"},
  {")", SLOPE_ERRSYNTAX, "1:1: unmatched ')'"},
  {"(x;", SLOPE_ERRSYNTAX, "1:3: expected ')' to close '(' at 1:1, found ';'"},
  {"x $", SLOPE_ERRSYNTAX, "1:3: unexpected character '$'"},
  {"x ` y", SLOPE_ERRSYNTAX, "1:3: unexpected character '`'"},   /* '@' is the matrix product now */
  {"x . y", SLOPE_ERRSYNTAX, "1:3: unexpected character '.'"},
  {"x \x01", SLOPE_ERRSYNTAX, "1:3: unexpected character '\\x01'"},
  {"x \x7f", SLOPE_ERRSYNTAX, "1:3: unexpected character '\\x7f'"},
  {"x \xff", SLOPE_ERRSYNTAX, "1:3: unexpected character '\\xff'"},
  {"2 \xcf\x80", SLOPE_ERRSYNTAX, "1:3: unexpected character '\xcf\x80' (names are ASCII: write pi)"},
  {"\xce\xb8^2", SLOPE_ERRSYNTAX, "1:1: unexpected character '\xce\xb8' (names are ASCII: write theta)"},
  {"x*\xce\xb1", SLOPE_ERRSYNTAX, "1:3: unexpected character '\xce\xb1' (names are ASCII: write alpha)"},
  {"\xcf\x89 + 1", SLOPE_ERRSYNTAX, "1:1: unexpected character '\xcf\x89' (names are ASCII: write omega)"},
  {"\xce\x91 + 1", SLOPE_ERRSYNTAX, "1:1: unexpected character '\xce\x91' (names are ASCII letters, digits and '_')"},
  {"\xe6\x8d\x9f\xe5\xa4\xb1", SLOPE_ERRSYNTAX, "1:1: unexpected character '\xe6\x8d\x9f' (names are ASCII letters, digits and '_')"},
  /* typeset mathematics and a Chinese input method's full-width forms: what to type instead */
  {"2\xc3\x97x", SLOPE_ERRSYNTAX, "1:2: unexpected character '\xc3\x97' (write '*' instead)"},
  {"x\xc2\xb7y", SLOPE_ERRSYNTAX, "1:2: unexpected character '\xc2\xb7' (write '*' instead)"},
  {"x \xc3\xb7 2", SLOPE_ERRSYNTAX, "1:3: unexpected character '\xc3\xb7' (write '/' instead)"},
  {"x \xe2\x88\x92 1", SLOPE_ERRSYNTAX, "1:3: unexpected character '\xe2\x88\x92' (write '-' instead)"},
  {"x\xc2\xb2 + 1", SLOPE_ERRSYNTAX, "1:2: unexpected character '\xc2\xb2' (write '^2' instead)"},
  {"sin\xef\xbc\x88x)", SLOPE_ERRSYNTAX, "1:4: unexpected character '\xef\xbc\x88' (a full-width character: write '(' instead)"},
  {"x\xef\xbc\x8b" "1", SLOPE_ERRSYNTAX, "1:2: unexpected character '\xef\xbc\x8b' (a full-width character: write '+' instead)"},
  {"\xef\xbd\x98", SLOPE_ERRSYNTAX, "1:1: unexpected character '\xef\xbd\x98' (a full-width character: write 'x' instead)"},
  {"x\xe3\x80\x80" "1", SLOPE_ERRSYNTAX, "1:2: unexpected invisible character U+3000 (an invisible space: type a plain space instead)"},
  {"x +\xc2\xa0" "1", SLOPE_ERRSYNTAX, "1:4: unexpected invisible character U+00A0 (an invisible space: type a plain space instead)"},
  {"\xef\xbb\xbfx", SLOPE_ERRSYNTAX, "1:1: unexpected invisible character U+FEFF (an invisible mark: delete it)"},
  {"f(x\xf0\x9f\x98\x80)", SLOPE_ERRSYNTAX, "1:4: unexpected character '\xf0\x9f\x98\x80' (names are ASCII letters, digits and '_')"},
  {"sine(x)", SLOPE_ERRNAME, "1:1: unknown function 'sine' (did you mean 'sin'?)"},
  {"1 + sqr(x)", SLOPE_ERRNAME, "1:5: unknown function 'sqr' (did you mean 'sqrt'?)"},
  {"atn2(y, x)", SLOPE_ERRNAME, "1:1: unknown function 'atn2' (did you mean 'atan2'?)"},
  {"ln(x)", SLOPE_ERRNAME, "1:1: unknown function 'ln' (did you mean 'log'?)"},
  {"x(2)", SLOPE_ERRNAME, "1:1: 'x' is not a function"},
  {"foo(2)", SLOPE_ERRNAME, "1:1: 'foo' is not a function"},
  {"pi(2)", SLOPE_ERRNAME, "1:1: 'pi' is not a function"},
  {"f = x; f(2)", SLOPE_ERRNAME, "1:8: 'f' is not a function"},
  {"atan2(1)", SLOPE_ERRARG, "1:1: 'atan2' takes 2 arguments, got 1"},
  {"sin(x, y)", SLOPE_ERRARG, "1:1: 'sin' takes 1 argument, got 2"},
  {"exp()", SLOPE_ERRARG, "1:1: 'exp' takes 1 argument, got 0"},
  {"mean(x, y)", SLOPE_ERRARG, "1:1: 'mean' takes 1 argument, got 2"},
  {"sqrt(x, 2)", SLOPE_ERRARG, "1:1: 'sqrt' takes 1 argument, got 2"},
  {"pow(x)", SLOPE_ERRARG, "1:1: 'pow' takes 2 arguments, got 1"},
  {"sin + 1", SLOPE_ERRNAME, "1:1: 'sin' is a function, not a variable (call it as sin(...))"},
  {"2*mean", SLOPE_ERRNAME, "1:3: 'mean' is a function, not a variable (call it as mean(...))"},
  {"pi = 3; pi", SLOPE_ERRNAME, "1:1: cannot bind 'pi': it is a constant"},
  {"exp = 3; x", SLOPE_ERRNAME, "1:1: cannot bind 'exp': it is a function"},
  {"1e999", SLOPE_ERRARG, "1:1: number '1e999' is out of range"},
  {"x + 2e308", SLOPE_ERRARG, "1:5: number '2e308' is out of range"},
  {"1e", SLOPE_ERRSYNTAX, "1:1: malformed number '1e'"},
  {"1e+", SLOPE_ERRSYNTAX, "1:1: malformed number '1e+'"},
  {"1.2.3", SLOPE_ERRSYNTAX, "1:1: malformed number '1.2.3'"},
  {"2x", SLOPE_ERRSYNTAX, "1:1: malformed number '2x'"},
  {"x*3pi", SLOPE_ERRSYNTAX, "1:3: malformed number '3pi'"},
  {"1_000", SLOPE_ERRSYNTAX, "1:1: malformed number '1_000'"},
  {"x y", SLOPE_ERRSYNTAX, "1:3: unexpected name 'y' after an expression"},
  {"2 3", SLOPE_ERRSYNTAX, "1:3: unexpected number '3' after an expression"},
  {"2 (x)", SLOPE_ERRSYNTAX, "1:3: unexpected '(' after an expression"},
  {"(x)(y)", SLOPE_ERRSYNTAX, "1:4: unexpected '(' after an expression"},
  {"x\ny", SLOPE_ERRSYNTAX,
   "2:1: unexpected name 'y' after the result expression (only 'name = expr' bindings may come before it)"},
  {"x; -y", SLOPE_ERRSYNTAX,
   "1:4: unexpected '-' after the result expression (only 'name = expr' bindings may come before it)"},
  {"x * * y", SLOPE_ERRSYNTAX, "1:5: expected an expression after '*', found '*'"},
  {"x**2", SLOPE_ERRSYNTAX, "1:2: '**' is not an operator: powers are written x^2"},
  {"a = 1\n3*a + b ** 2", SLOPE_ERRSYNTAX, "2:9: '**' is not an operator: powers are written x^2"},
  {"(x + )", SLOPE_ERRSYNTAX, "1:6: expected an expression after '+', found ')'"},
  {"()", SLOPE_ERRSYNTAX, "1:2: expected an expression after '(', found ')'"},
  {"f(,x)", SLOPE_ERRSYNTAX, "1:3: expected an expression after '(', found ','"},
  {"x^;", SLOPE_ERRSYNTAX, "1:3: expected an expression after '^', found ';'"},
  {"* x", SLOPE_ERRSYNTAX, "1:1: expected an expression, found '*'"},
  {"a = 1; ^2", SLOPE_ERRSYNTAX, "1:8: expected an expression, found '^'"},
  {"= 3", SLOPE_ERRSYNTAX, "1:1: expected an expression, found '='"},
  {"x + y = 3", SLOPE_ERRSYNTAX, "1:7: unexpected '=' (a binding 'name = expr' must start a statement)"},
  {"(a = 1)", SLOPE_ERRSYNTAX, "1:4: unexpected '=' (a binding 'name = expr' must start a statement)"},
  {"1, 2", SLOPE_ERRSYNTAX, "1:2: unexpected ',' outside the arguments of a function call"},
  {"sin((x, y))", SLOPE_ERRSYNTAX, "1:7: unexpected ',' outside the arguments of a function call"},
  {"1/0", SLOPE_ERRARG, "1:2: division by zero"},
  {"x/(2 - 2)", SLOPE_ERRARG, "1:2: division by zero"},
  /* errors on later lines, and positions counted in bytes */
  {"a = 1\nb = a $ 2\nb", SLOPE_ERRSYNTAX, "2:7: unexpected character '$'"},
  {"a = 1\nb = sine(a)\nb", SLOPE_ERRNAME, "2:5: unknown function 'sine' (did you mean 'sin'?)"},
  {"x = 1\n\n  y z", SLOPE_ERRSYNTAX, "3:5: unexpected name 'z' after an expression"},
  {"a = 1\nb = (a +\n", SLOPE_ERRSYNTAX, "3:1: expected an expression after '+' (unexpected end of input)"},
  {"a = (1 +\n  2\n", SLOPE_ERRSYNTAX, "3:1: expected ')' to close '(' at 1:5 (unexpected end of input)"},
  {"# c\r\nx +\r\n  atan2(x)\r\n", SLOPE_ERRARG, "3:3: 'atan2' takes 2 arguments, got 1"},
  {"\t\tx)", SLOPE_ERRSYNTAX, "1:4: unmatched ')'"},
};

/* The first line of an error message. */
static const char *first_line(const char *msg, char *buf, size_t cap) {
  size_t n = strcspn(msg, "\n");
  if (n >= cap) n = cap - 1;
  memcpy(buf, msg, n);
  buf[n] = '\0';
  return buf;
}

/*
** The required form: "L:C: message", the source line, spaces and a caret
** under the offending byte; L, C and the offset agree with each other and
** with the source.  Returns 1 if so.
*/
static int well_formed(const slope_ctx *S, const char *src, size_t len) {
  const char *m = S->errmsg;
  int line = 0, col = 0, used = 0;
  if (sscanf(m, "%d:%d: %n", &line, &col, &used) != 2 || used == 0) return 0;
  if (line != S->errline || col != S->errcol || line < 1 || col < 1) return 0;
  if (S->erroffset > len) return 0;
  /* recount line and column from the offset */
  int l = 1;
  size_t ls = 0;
  for (size_t i = 0; i < S->erroffset; i++)
    if (src[i] == '\n') { l++; ls = i + 1; }
  if (l != line || (size_t)col != S->erroffset - ls + 1) return 0;
  const char *nl1 = strchr(m, '\n');
  if (!nl1 || nl1 == m + used) return 0;   /* an empty message */
  const char *text = nl1 + 1, *nl2 = strchr(text, '\n');
  if (!nl2) return 0;
  const char *caret = nl2 + 1;
  size_t sp = strspn(caret, " ");
  if (caret[sp] != '^' || caret[sp + 1] != '\0') return 0;
  size_t tlen = (size_t)(nl2 - text);
  /* the caret sits under the offending byte (or just past the line's end) */
  size_t off = S->erroffset;
  if (off == len || src[off] == '\n' || src[off] == '\r') return sp <= tlen;
  if (sp >= tlen) return 0;
  unsigned char c = (unsigned char)src[off];
  char want = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
  return text[sp] == want;
}

static void test_errors(void) {
  char buf[600];
  for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
    slope_ctx *S = slope_new();
    sx_id e = parse(S, errors[i].src);
    CHECK(e == SX_NIL);
    CHECK_INT(S->errcode, errors[i].code);
    CHECK_STR(first_line(S->errmsg, buf, sizeof buf), errors[i].first);
    if (!check_report(well_formed(S, errors[i].src, strlen(errors[i].src)), __FILE__, __LINE__,
                      errors[i].src))
      fprintf(stderr, "    malformed message:\n%s\n", S->errmsg);
    slope_free(S);
  }
  /* whole messages, caret included */
  static const struct { const char *src; size_t len; const char *msg; } full[] = {
    {"x^2 * ", 6, "1:7: expected an expression after '*' (unexpected end of input)\nx^2 * \n      ^"},
    {"", 0, "1:1: unexpected end of input\n\n^"},
    {"a = 1\nb = a $ 2\nb", 15, "2:7: unexpected character '$'\nb = a $ 2\n      ^"},
    {"y = 2\n  sine(y)\n", 16, "2:3: unknown function 'sine' (did you mean 'sin'?)\n  sine(y)\n  ^"},
    {"x\0y", 3, "1:2: unexpected character '\\x00'\nx?y\n ^"},
    {"1 +\r\n)", 6, "2:1: unmatched ')'\n)\n^"},
    {"(1 +\r\n)", 7, "2:1: expected an expression after '+', found ')'\n)\n^"},
  };
  for (size_t i = 0; i < sizeof full / sizeof full[0]; i++) {
    slope_ctx *S = slope_new();
    CHECK(sx_parse(S, full[i].src, full[i].len) == SX_NIL);
    CHECK_STR(S->errmsg, full[i].msg);
    CHECK(well_formed(S, full[i].src, full[i].len));
    slope_free(S);
  }
  /* slope_error_get reports the same position */
  slope_ctx *S = slope_new();
  parse(S, "a = 1\nb = (a +\n)");
  slope_error err = slope_error_get(S);
  CHECK_INT(err.code, SLOPE_ERRSYNTAX);
  CHECK_INT(err.line, 3);
  CHECK_INT(err.col, 1);
  CHECK_INT((long long)err.offset, 15);
  /* the first error wins: a parse after a failure changes nothing */
  CHECK(parse(S, "x y z") == SX_NIL);
  CHECK_INT((long long)slope_error_get(S).offset, 15);
  slope_clear_error(S);
  CHECK(parse(S, "x") != SX_NIL);
  /* errors of the constructors get the position of what was being built */
  CHECK(parse(S, "1 + 2*(1e308 * 10)") == SX_NIL);
  CHECK_INT(S->errcode, SLOPE_ERRARG);
  CHECK(strncmp(S->errmsg, "1:8: ", 5) == 0);
  CHECK(well_formed(S, "1 + 2*(1e308 * 10)", 18));
  slope_clear_error(S);
  /* a long line is shown as a window around the error, caret still aligned */
  char line[3000];
  memset(line, 'x', sizeof line);
  for (size_t i = 1; i < sizeof line - 1; i += 2) line[i] = '+';
  line[2001] = '$';
  CHECK(sx_parse(S, line, sizeof line) == SX_NIL);
  CHECK(strncmp(S->errmsg, "1:2002: unexpected character '$'\n...", 36) == 0);
  CHECK(well_formed(S, line, sizeof line));
  CHECK(strlen(S->errmsg) < 600);
  slope_clear_error(S);
  /* a name too long for a variable */
  char name[400];
  memset(name, 'n', sizeof name);
  CHECK(sx_parse(S, name, sizeof name) == SX_NIL);
  CHECK_INT(S->errcode, SLOPE_ERRLIMIT);
  CHECK(strncmp(S->errmsg, "1:1: name 'nnnn", 15) == 0);
  CHECK(strstr(S->errmsg, "is too long (limit 255 characters)") != NULL);
  CHECK(well_formed(S, name, sizeof name));
  slope_free(S);
}

/* ---- hostile input ---------------------------------------------------------- */

static uint32_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(*s >> 33);
}

/* One parse in a fresh context: success, or an error of the required form. */
static int survives(const char *src, size_t len) {
  slope_ctx *S = slope_new();
  sx_id e = sx_parse(S, src, len);
  int ok = e != SX_NIL ? S->errcode == SLOPE_OK && e < S->nnodes
                       : S->errcode != SLOPE_OK && well_formed(S, src, len);
  if (!ok) fprintf(stderr, "    input of %zu bytes: '%.*s'\n%s\n", len, (int)len, src, S->errmsg);
  slope_free(S);
  return ok;
}

static void test_hostile(void) {
  const size_t N = 100000;
  char *buf = malloc(2 * (1u << 20) + 16);
  if (!buf) { CHECK(0); return; }
  slope_ctx *S = slope_new();
  char first[200];

  /* 100000 nested parentheses: a clean limit error at the 201st */
  memset(buf, '(', N);
  CHECK(sx_parse(S, buf, N) == SX_NIL);
  CHECK_INT(S->errcode, SLOPE_ERRLIMIT);
  CHECK_STR(first_line(S->errmsg, first, sizeof first), "1:201: expression nested too deeply (limit 200)");
  slope_clear_error(S);
  /* ... as are 100000 unary minuses, '^' chains and nested calls */
  memset(buf, '-', N);
  buf[N] = 'x';
  CHECK(sx_parse(S, buf, N + 1) == SX_NIL);
  CHECK_STR(first_line(S->errmsg, first, sizeof first), "1:201: expression nested too deeply (limit 200)");
  slope_clear_error(S);
  for (size_t i = 0; i < N; i++) memcpy(buf + 2 * i, "2^", 2);
  buf[2 * N] = '2';
  CHECK(sx_parse(S, buf, 2 * N + 1) == SX_NIL);
  CHECK_INT(S->errcode, SLOPE_ERRLIMIT);
  slope_clear_error(S);
  size_t k = 0;
  for (int i = 0; i < 5000; i++) k += (size_t)sprintf(buf + k, "atan2(1, a + b * -");
  CHECK(sx_parse(S, buf, k) == SX_NIL);
  CHECK_INT(S->errcode, SLOPE_ERRLIMIT);
  slope_clear_error(S);
  /* exactly at the limit is fine, for every kind of nesting (this also
  ** fills the engine's stack as far as the limit lets it) */
  k = 0;
  for (int i = 0; i < 199; i++) k += (size_t)sprintf(buf + k, "atan2(1, a + b * ");
  k += (size_t)sprintf(buf + k, "x");
  for (int i = 0; i < 199; i++) buf[k++] = ')';
  sx_id e = sx_parse(S, buf, k);
  CHECK(e != SX_NIL);
  k = 0;
  for (int i = 0; i < 100; i++) k += (size_t)sprintf(buf + k, "-(");
  k += (size_t)sprintf(buf + k, "x");
  for (int i = 0; i < 100; i++) buf[k++] = ')';
  CHECK(sx_parse(S, buf, k) == parse(S, "x"));
  k = 0;
  for (int i = 0; i < 200; i++) k += (size_t)sprintf(buf + k, "(");
  k += (size_t)sprintf(buf + k, "x");
  for (int i = 0; i < 200; i++) buf[k++] = ')';
  CHECK(sx_parse(S, buf, k) == parse(S, "x"));
  buf[0] = '(';
  memmove(buf + 1, buf, k);
  buf[k + 1] = ')';
  CHECK(sx_parse(S, buf, k + 2) == SX_NIL);
  CHECK_INT(S->errcode, SLOPE_ERRLIMIT);
  slope_clear_error(S);
  CHECK_INT(S->errcode, SLOPE_OK);

  /* flat chains of 100000 terms work */
  k = 0;
  for (size_t i = 0; i < N; i++) { buf[k++] = '1'; buf[k++] = '+'; }
  k--;
  e = sx_parse(S, buf, k);
  CHECK(e != SX_NIL && sx_num(S, e) == (double)N);
  k = 0;
  for (size_t i = 0; i < N; i++) { buf[k++] = 'x'; buf[k++] = '-'; }
  buf[k - 1] = '+';
  buf[k++] = 'x';
  CHECK(sx_parse(S, buf, k) == parse(S, "-99997*x"));
  k = 0;
  for (size_t i = 0; i < N; i++) k += (size_t)sprintf(buf + k, "x%zu+", i);
  e = sx_parse(S, buf, k - 1);
  CHECK(e != SX_NIL && sx_kind(S, e) == SX_ADD && sx_nkids(S, e) == N);
  k = 0;
  for (size_t i = 0; i < N; i++) k += (size_t)sprintf(buf + k, "y%zu*", i);
  e = sx_parse(S, buf, k - 1);
  CHECK(e != SX_NIL && sx_kind(S, e) == SX_MUL && sx_nkids(S, e) == N);
  CHECK_INT(S->errcode, SLOPE_OK);
  /* and 60000 bindings (as many as fit in the size limit) */
  k = 0;
  for (size_t i = 0; i < 60000; i++) k += (size_t)sprintf(buf + k, "b%zu = %zu\n", i, i);
  k += (size_t)sprintf(buf + k, "b59999 - b7");
  e = sx_parse(S, buf, k);
  CHECK(e != SX_NIL && sx_num(S, e) == 59992);

  /* bindings that nest deeper than any expression may: a clean error */
  k = (size_t)sprintf(buf, "a = x\n");
  for (int i = 0; i < 6000; i++) k += (size_t)sprintf(buf + k, "a = sin(a)\n");
  k += (size_t)sprintf(buf + k, "a");
  CHECK(sx_parse(S, buf, k) == SX_NIL);
  CHECK_INT(S->errcode, SLOPE_ERRLIMIT);
  if (!CHECK(well_formed(S, buf, k))) fprintf(stderr, "%s\n", S->errmsg);
  slope_clear_error(S);

  /* 2 MB: too long, said at 1:1 */
  memset(buf, 'x', 2u << 20);
  CHECK(sx_parse(S, buf, 2u << 20) == SX_NIL);
  CHECK_INT(S->errcode, SLOPE_ERRLIMIT);
  CHECK(strncmp(S->errmsg, "1:1: input is too long", 22) == 0);
  CHECK_INT(S->errline, 1);
  CHECK_INT(S->errcol, 1);
  slope_clear_error(S);
  /* exactly the limit is allowed */
  for (size_t i = 0; i < SX_MAX_SOURCE; i++) buf[i] = i % 2 ? '+' : '1';
  buf[SX_MAX_SOURCE - 1] = ' ';
  e = sx_parse(S, buf, SX_MAX_SOURCE);
  CHECK(e != SX_NIL && sx_num(S, e) == SX_MAX_SOURCE / 2);
  slope_free(S);

  /* random bytes, and random soups of tokens, from a fixed seed */
  uint64_t seed = 42;
  int ok = 1;
  for (int i = 0; i < 20000; i++) {
    size_t len = lcg(&seed) % 48;
    int printable = lcg(&seed) % 2;
    for (size_t j = 0; j < len; j++) {
      uint32_t r = lcg(&seed);
      buf[j] = printable ? "xy1.2e+-*/^(),=;# \n\t_[]@"[r % 25] : (char)(r & 0xff);
    }
    ok &= survives(buf, len);
  }
  CHECK(ok);
  static const char *const toks[] = {
    "x", "y", "z", "1", "2.5", ".5", "1e3", "pi", "sin", "atan2", "sqrt", "pow", "mean", "(", ")",
    ",", "+", "-", "*", "/", "^", "=", ";", "\n", " ", "#c\n", "a", "a =", "f(", "1e999", "$",
    "\t", "0", "max(", "1e300", "exp(", "\r\n", "step", "1e", "sine(",
    /* arrays */
    "[", "]", "..", "@", "#x", "#", "x[1]", "sum(i = 1..#x, ", "i", "dot(", "pad(", "range(",
  };
  ok = 1;
  for (int i = 0; i < 20000; i++) {
    size_t n = lcg(&seed) % 40, len = 0;
    for (size_t j = 0; j < n; j++) {
      const char *t = toks[lcg(&seed) % (sizeof toks / sizeof toks[0])];
      memcpy(buf + len, t, strlen(t));
      len += strlen(t);
    }
    ok &= survives(buf, len);
  }
  CHECK(ok);
  free(buf);
}

int main(void) {
  test_shapes();
  test_chains();
  test_numbers();
  test_lets();
  test_errors();
  test_hostile();
  return check_done();
}
