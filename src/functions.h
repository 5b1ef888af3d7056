/*
** functions.h -- the functions of the expression language, one row each
** (internal).
**
** Adding a function is adding a row to SX_FUNCTIONS.  Everything else is
** expanded from the list (each place is marked ORDER FN): the kinds of
** enum sx_kind and the tape operations of enum tp_op, the name table
** 'sx_functions' and 'sx_fn_eval' (expr.c), the simplifications of f(g(x))
** (simplify.c), the symbolic derivative (diff.c), the kind-to-operation map
** (tape.c), the tape's forward and reverse-mode rules (tape_eval.c), the C
** printer's text (ccode.c) and the LaTeX spelling (latex.c); and
** tests/test_functions.c walks every row through all of them.
**
** Columns:
**   NAME   SX_NAME is its node kind, TP_NAME its tape operation
**   name   as written in the language
**   ar     arity: 1 or 2
**   VALUE  its value, a C expression in 'a' (and 'b') using only <math.h>
**          and SX_HELPERS.  sx_fn_eval and the tape compute it; the C
**          printer writes this same text with 'a' and 'b' replaced by the
**          operands and the helpers' sx_ renamed slope_
**   DA DB  the tape's adjoints of a and b, in 'a', 'b', the output 'o' and
**          its adjoint 'g' (DB is 0 for a unary function)
**   D      the symbolic derivative, built in diff.c with NUM, FN, ADD, SUB,
**          MUL, DIV, POW, NEG and CHOOSE: for a unary function d/du as an
**          expression in 'u' and 'self' (the node); for a binary one the
**          whole differential in 'a', 'b', 'da', 'db' and 'self'
**   SIMP   f(g(x)) = x for INVERSE(G), f(f(x)) = f(x) for IDEM, f(x, x) = x
**          for SAME, or NONE
**   TEX    LaTeX: an operator ("\\sin", then the arguments in \left( \right)),
**          a template with '#' for each argument, or NULL: \operatorname{name}
**
** Unary and binary rows may interleave: the enums put the unary kinds first
** (sx_is_fn1 and sx_is_fn2 are ranges).  The order of kinds is part of the
** canonical order of terms (sx_compare), so a new row leaves the order of the
** old ones alone wherever it goes.
*/
#ifndef SLOPE_FUNCTIONS_H
#define SLOPE_FUNCTIONS_H

#include <math.h>

#define SX_LN2        0.69314718055994530942
#define SX_LN10       2.30258509299404568402
#define SX_TWO_SQRTPI 1.1283791670955126       /* 2/sqrt(pi) */

/*  NAME      name        ar VALUE           DA                        DB
**            D
**            SIMP          TEX */
#define SX_FUNCTIONS(X) \
  X(SIN,      "sin",      1, sin(a),         g * cos(a),               0, \
    FN(COS, u), \
    NONE,         "\\sin") \
  X(COS,      "cos",      1, cos(a),         -g * sin(a),              0, \
    NEG(FN(SIN, u)), \
    NONE,         "\\cos") \
  X(TAN,      "tan",      1, tan(a),         g * (1 + o * o),          0, \
    ADD(NUM(1), POW(self, NUM(2))), \
    NONE,         "\\tan") \
  X(ASIN,     "asin",     1, asin(a),        g / sqrt(1 - a * a),      0, \
    POW(SUB(NUM(1), POW(u, NUM(2))), NUM(-0.5)), \
    NONE,         "\\arcsin") \
  X(ACOS,     "acos",     1, acos(a),        -g / sqrt(1 - a * a),     0, \
    NEG(POW(SUB(NUM(1), POW(u, NUM(2))), NUM(-0.5))), \
    NONE,         "\\arccos") \
  X(ATAN,     "atan",     1, atan(a),        g / (1 + a * a),          0, \
    POW(ADD(NUM(1), POW(u, NUM(2))), NUM(-1)), \
    NONE,         "\\arctan") \
  X(SINH,     "sinh",     1, sinh(a),        g * cosh(a),              0, \
    FN(COSH, u), \
    NONE,         "\\sinh") \
  X(COSH,     "cosh",     1, cosh(a),        g * sinh(a),              0, \
    FN(SINH, u), \
    NONE,         "\\cosh") \
  X(TANH,     "tanh",     1, tanh(a),        g * (1 - o * o),          0, \
    SUB(NUM(1), POW(self, NUM(2))), \
    NONE,         "\\tanh") \
  X(EXP,      "exp",      1, exp(a),         g * o,                    0, \
    self, \
    INVERSE(LOG), "\\exp") \
  X(EXPM1,    "expm1",    1, expm1(a),       g * exp(a),               0, \
    FN(EXP, u), \
    INVERSE(LOG1P), NULL) \
  X(LOG,      "log",      1, log(a),         g / a,                    0, \
    POW(u, NUM(-1)), \
    INVERSE(EXP), "\\log") \
  X(LOG1P,    "log1p",    1, log1p(a),       g / (1 + a),              0, \
    POW(ADD(NUM(1), u), NUM(-1)), \
    INVERSE(EXPM1), NULL) \
  X(LOG2,     "log2",     1, log2(a),        g / (a * SX_LN2),         0, \
    DIV(NUM(1 / log(2.0)), u), \
    NONE,         "\\log_{2}") \
  X(LOG10,    "log10",    1, log10(a),       g / (a * SX_LN10),        0, \
    DIV(NUM(1 / log(10.0)), u), \
    NONE,         "\\log_{10}") \
  X(CBRT,     "cbrt",     1, cbrt(a),        g / (3 * o * o),          0, \
    DIV(NUM(1.0 / 3), POW(self, NUM(2))), \
    NONE,         "\\sqrt[3]{#}") \
  X(ABS,      "abs",      1, fabs(a),        g * sx_sign(a),           0, \
    FN(SIGN, u), \
    IDEM,         "\\left|#\\right|") \
  X(SIGN,     "sign",     1, sx_sign(a),     0.0,                      0, \
    NUM(0), \
    IDEM,         NULL) \
  X(STEP,     "step",     1, a > 0 ? 1.0 : 0.0, 0.0,                   0, \
    NUM(0), \
    IDEM,         NULL) \
  X(SIGMOID,  "sigmoid",  1, sx_sigmoid(a),  g * o * (1 - o),          0, \
    MUL(self, SUB(NUM(1), self)), \
    NONE,         NULL) \
  X(RELU,     "relu",     1, a > 0 ? a : 0.0, a > 0 ? g : 0.0,         0, \
    FN(STEP, u), \
    IDEM,         NULL) \
  X(SOFTPLUS, "softplus", 1, sx_softplus(a), g * sx_sigmoid(a),        0, \
    FN(SIGMOID, u), \
    NONE,         NULL) \
  X(ERF,      "erf",      1, erf(a),         g * SX_TWO_SQRTPI * exp(-a * a), 0, \
    MUL(NUM(SX_TWO_SQRTPI), FN(EXP, NEG(POW(u, NUM(2))))), \
    NONE,         NULL) \
  X(ATAN2,    "atan2",    2, atan2(a, b),    g * b / (a * a + b * b),  -g * a / (a * a + b * b), \
    DIV(SUB(MUL(b, da), MUL(a, db)), ADD(POW(a, NUM(2)), POW(b, NUM(2)))), \
    NONE,         NULL) \
  X(HYPOT,    "hypot",    2, hypot(a, b),    g * a / o,                g * b / o, \
    DIV(ADD(MUL(a, da), MUL(b, db)), self), \
    NONE,         NULL) \
  /* ties go to b, in value, adjoint and derivative alike (step(a - b) picks a) */ \
  X(MIN,      "min",      2, a < b ? a : b,  b > a ? g : 0,            b > a ? 0 : g, \
    CHOOSE(FN(STEP, SUB(b, a))), \
    SAME,         "\\min") \
  X(MAX,      "max",      2, a > b ? a : b,  a > b ? g : 0,            a > b ? 0 : g, \
    CHOOSE(FN(STEP, SUB(a, b))), \
    SAME,         "\\max")

/*
** Helpers of the VALUE and DA columns that <math.h> lacks, each defined
** once: the library compiles them as sx_NAME, and the C printer writes the
** same body as text, as slope_NAME, into the code it generates.
*/
#define SX_HELPERS(X) \
  /* never exponentiate a large positive number */ \
  X(sigmoid, { if (a >= 0) return 1 / (1 + exp(-a)); double e = exp(a); return e / (1 + e); }) \
  X(softplus, { return a > 0 ? a + log1p(exp(-a)) : log1p(exp(a)); }) \
  X(sign, { return (a > 0) - (a < 0); })

#define SX_HELPER_DEF(NAME, ...) static inline double sx_##NAME(double a) __VA_ARGS__
SX_HELPERS(SX_HELPER_DEF)
#undef SX_HELPER_DEF

/* Selecting rows by arity: SX_IF1_##ar(text) keeps 'text' for unary rows,
** SX_IF2_##ar(text) for binary ones. */
#define SX_IF1_1(...) __VA_ARGS__
#define SX_IF1_2(...)
#define SX_IF2_1(...)
#define SX_IF2_2(...) __VA_ARGS__

#endif
