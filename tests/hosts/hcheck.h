/*
** hcheck.h -- the checks of the host programs in tests/hosts/: one line
** "ok - what" or "not ok - what (details)" per check, which
** tests/test_embed.sh counts into its closing "N passed, N failed".
** Host programs include only <slope.h> and this; no internal header.
*/
#ifndef HCHECK_H
#define HCHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int hc_failed;

/* One check: 'cond' true passes; the rest is a printf format naming it. */
static void check(int cond, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs(cond ? "ok - " : "not ok - ", stdout);
  vprintf(fmt, ap);
  putchar('\n');
  va_end(ap);
  if (!cond) hc_failed = 1;
}

/* 'got' within 'tol' of 'want', relative for large values. */
static void check_near(double got, double want, double tol, const char *what) {
  double scale = fabs(want) > 1 ? fabs(want) : 1;
  check(fabs(got - want) <= tol * scale, "%s = %.17g (expected %.17g +- %g)", what, got, want, tol);
}

/* The exit status: 1 when any check failed. */
static int checks_done(void) { return hc_failed; }

#endif
