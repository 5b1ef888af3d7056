/*
** check.h -- the tiny test framework of slope's C tests.
**
** Each test program calls CHECK* macros and ends with 'return check_done();',
** which prints "N passed, N failed" (tests/run.sh adds the programs up).
** A failed check prints file:line and the values involved, then goes on.
*/
#ifndef SLOPE_CHECK_H
#define SLOPE_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_npass, check_nfail;

static inline int check_report(int ok, const char *file, int line, const char *what) {
  if (ok) check_npass++;
  else { check_nfail++; fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what); }
  return ok;
}

/* Relative closeness with an absolute floor of 'tol' near zero. */
static inline int check_close(double a, double b, double tol) {
  if (isnan(a) || isnan(b)) return 0;
  double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  return fabs(a - b) <= tol * (scale > 1 ? scale : 1);
}

#define CHECK(cond) check_report(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_NEAR(a, b, tol) do { \
    double check_a_ = (a), check_b_ = (b); \
    if (!check_report(check_close(check_a_, check_b_, (tol)), __FILE__, __LINE__, #a " ~ " #b)) \
      fprintf(stderr, "    %.17g vs %.17g (tol %g)\n", check_a_, check_b_, (double)(tol)); \
  } while (0)

#define CHECK_STR(a, b) do { \
    const char *check_a_ = (a), *check_b_ = (b); \
    int check_ok_ = check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0; \
    if (!check_report(check_ok_, __FILE__, __LINE__, #a " == " #b)) \
      fprintf(stderr, "    got      \"%s\"\n    expected \"%s\"\n", \
              check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); \
  } while (0)

#define CHECK_INT(a, b) do { \
    long long check_a_ = (a), check_b_ = (b); \
    if (!check_report(check_a_ == check_b_, __FILE__, __LINE__, #a " == " #b)) \
      fprintf(stderr, "    got %lld, expected %lld\n", check_a_, check_b_); \
  } while (0)

static inline int check_done(void) {
  printf("%d passed, %d failed\n", check_npass, check_nfail);
  return check_nfail ? 1 : 0;
}

#endif
