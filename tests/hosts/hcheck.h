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

/* One check: 'cond' true passes; the rest is a printf format naming it.
** The line stays one line: newlines in messages print as " | ". */
static inline void check(int cond, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  for (char *c = line; *c; c++)
    if (*c == '\n') *c = '|';
  printf("%s - %s\n", cond ? "ok" : "not ok", line);
  if (!cond) hc_failed = 1;
}

/* 'got' within 'tol' of 'want', relative for large values. */
static inline void check_near(double got, double want, double tol, const char *what) {
  double scale = fabs(want) > 1 ? fabs(want) : 1;
  check(fabs(got - want) <= tol * scale, "%s = %.17g (expected %.17g +- %g)", what, got, want, tol);
}

/* The exit status: 1 when any check failed. */
static inline int checks_done(void) { return hc_failed; }

#endif
