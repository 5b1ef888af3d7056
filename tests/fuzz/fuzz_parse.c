/*
** fuzz_parse.c -- libFuzzer target: the parser and the printers.
**
** Any input must parse or fail with a positioned message, never crash or
** hang.  When it parses, the infix text must parse back to the same node
** (DESIGN.md: "infix with minimal parentheses that parses back to the same
** DAG") and print to the same text again; LaTeX and C source must come out
** without error for an expression that has no reductions.  A derivative
** reads back to the same node; evaluation with array values never crashes.
** Build and run with tests/fuzz/run.sh.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slope.h"

/* A property the code promised does not hold: report it as a crash, which
** is how libFuzzer records an input. */
static void broken(const char *what, const char *a, const char *b) {
  fprintf(stderr, "fuzz_parse: %s\n  first:  %s\n  second: %s\n", what, a ? a : "(null)",
          b ? b : "(null)");
  abort();
}

static void check_message(slope_ctx *S) {
  slope_error err = slope_error_get(S);
  if (err.code == SLOPE_OK || !err.message || !err.message[0])
    broken("a failed parse left no error message", err.message, "");
  if (err.code == SLOPE_ERRSYNTAX && (err.line < 1 || err.col < 1))
    broken("a syntax error without a position", err.message, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  slope_ctx *S = slope_new();
  if (!S) return 0;
  slope_expr e = slope_parse(S, (const char *)data, size);
  if (!e) {
    check_message(S);
    slope_free(S);
    return 0;
  }
  const char *p = slope_print(S, e);
  if (!p) { slope_free(S); return 0; }   /* out of memory is allowed */
  char *text = strdup(p);
  if (!text) { slope_free(S); return 0; }
  slope_expr e2 = slope_parse(S, text, strlen(text));
  if (!e2) {
    slope_error err = slope_error_get(S);
    if (err.code != SLOPE_ERRMEM && err.code != SLOPE_ERRLIMIT)
      broken("printed text does not parse", text, err.message);
  } else {
    const char *p2 = slope_print(S, e2);
    if (e2 != e) broken("printed text parses to another expression", text, p2);
    if (p2 && strcmp(p2, text) != 0) broken("printing is not stable", text, p2);
    /* the other printers must cope with anything the parser built */
    slope_clear_error(S);
    if (!slope_latex(S, e)) {
      slope_error err = slope_error_get(S);
      if (err.code != SLOPE_ERRMEM && err.code != SLOPE_ERRLIMIT) broken("latex failed", text, err.message);
    }
    slope_clear_error(S);
    const char *vars[8];
    int nv = slope_vars(S, e, vars, 8);
    if (nv > 8) nv = 8;
    if (nv < 0) nv = 0;   /* out of memory: ccode gets no parameters */
    (void)slope_ccode(S, e, "f", vars, nv);   /* may refuse reductions or extra names */
    (void)slope_size(S, e);
    /* arrays: the derivative by the first name (reverse mode when it is an
    ** array by use) reads back to the same node; evaluation with every
    ** name a vector of 2 gives a value or a message, never a crash */
    char *own[8];   /* the borrowed names, kept across calls that build */
    int nown = nv;
    for (int i = 0; i < nown; i++) own[i] = strdup(vars[i]);
    for (int i = 0; i < nown; i++) if (!own[i]) nv = 0;
    for (int i = 0; i < nv; i++) vars[i] = own[i];
    if (nv > 0) {
      slope_clear_error(S);
      slope_expr d = slope_diff(S, e, vars[0]);
      const char *dp = d ? slope_print(S, d) : NULL;
      char *dtext = dp ? strdup(dp) : NULL;
      slope_expr d2 = dtext ? slope_parse(S, dtext, strlen(dtext)) : 0;
      if (dtext && d2 && d2 != d) broken("a derivative's text parses to another expression", dtext, slope_print(S, d2));
      free(dtext);
      slope_shape sh[8];
      double vals[16], out[4];
      for (int i = 0; i < nv; i++) sh[i] = (slope_shape){1, {2, 1}};
      for (int i = 0; i < 16; i++) vals[i] = 0.25 * (i + 1);
      slope_clear_error(S);
      if (slope_eval_shaped(S, e, vars, sh, vals, nv, out, 4, NULL) != SLOPE_OK) check_message(S);
    }
    for (int i = 0; i < nown; i++) free(own[i]);
  }
  free(text);
  slope_free(S);
  return 0;
}
