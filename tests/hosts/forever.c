/*
** forever.c -- a host that runs for ever, in miniature: every iteration
** builds a new expression, differentiates and evaluates it, now and then
** compiles it to a tape, and drops it.  Results must stay right however
** long it runs (checked against closed forms at every iteration), and an
** expression made at the start must still be valid at the end: handles
** live until the context is freed.
**
**   forever [ITERATIONS]     (default 20000)
*/
#include <stdlib.h>
#include <string.h>

#include <slope.h>
#include "hcheck.h"

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 20000;
  slope_ctx *S = slope_new();
  if (!S) return 1;
  const char *first_src = "exp(x) - x";
  slope_expr first = slope_parse(S, first_src, strlen(first_src));
  const char *names[] = {"x"}, *params[] = {"x"};
  long wrong = 0, tapes = 0, failed = 0;
  /* x, the constants a, b, 2 and c, and the six operators, or fewer when
  ** constants coincide (hash-consing shares them) */
  const size_t size0 = 11;
  for (long i = 0; i < iters; i++) {
    /* f = a*(x - b)^2 + sin(c*x), new constants each time */
    double a = 2 + (double)(i % 97), b = 1 + (double)i / 7, c = 1.25 + (double)(i % 13) / 4;
    slope_expr x = slope_var(S, "x");
    slope_expr dx = slope_sub(S, x, slope_num(S, b));
    slope_expr cx = slope_mul(S, slope_num(S, c), x);
    slope_expr f = slope_add(S, slope_mul(S, slope_num(S, a), slope_pow(S, dx, slope_num(S, 2))),
                             slope_call(S, "sin", &cx, 1));
    slope_expr d = slope_diff(S, f, "x");
    double at = b + 0.5, v = NAN, g = NAN;
    if (!f || !d || slope_eval(S, f, names, &at, 1, &v) != SLOPE_OK ||
        slope_eval(S, d, names, &at, 1, &g) != SLOPE_OK) {
      failed++;
      slope_clear_error(S);
      continue;
    }
    double fv = a * 0.25 + sin(c * at), gv = a * 1.0 + c * cos(c * at);
    if (fabs(v - fv) > 1e-12 * (1 + fabs(fv)) || fabs(g - gv) > 1e-12 * (1 + fabs(gv)) ||
        slope_size(S, f) > size0)
      wrong++;
    if (i % 100 == 0) {   /* a tape now and then, freed at once */
      slope_tape *T = slope_compile(S, f, params, 1, NULL, 0);
      double tf = NAN, tg = NAN;
      if (!T || slope_tape_grad(T, &at, NULL, 0, &tf, &tg) != SLOPE_OK) failed++;
      else if (fabs(tf - fv) > 1e-12 * (1 + fabs(fv)) || fabs(tg - gv) > 1e-12 * (1 + fabs(gv))) wrong++;
      slope_tape_free(T);
      tapes++;
    }
  }
  check(failed == 0, "%ld iterations built, differentiated and evaluated (%ld failed)", iters, failed);
  check(wrong == 0, "f, df/dx and the size (<= 11 nodes) stayed right at every iteration (%ld wrong)", wrong);
  check(tapes == (iters + 99) / 100, "%ld tapes compiled and freed, each right", tapes);
  double one = 1, v = NAN;
  int rc = slope_eval(S, first, names, &one, 1, &v);
  check(rc == SLOPE_OK && v == exp(1) - 1,
        "the first expression is still valid at the end: exp(1) - 1 = %.17g", v);
  const char *t = slope_print(S, first);
  check(t && strcmp(t, first_src) == 0, "and prints as it did: '%s'", t ? t : "(null)");
  slope_free(S);
  return checks_done();
}
