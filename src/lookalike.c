/*
** lookalike.c -- advice for characters the expression language does not
** have, so that a pasted '2×x²' or a Chinese input method's 'sin（x）' gets
** an answer saying what to type, not only that something is wrong.
*/
#include <stdio.h>

#include "lookalike.h"

unsigned sx_codepoint(const unsigned char *c, size_t n) {
  static const unsigned char lead_bits[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
  unsigned cp = c[0] & lead_bits[n < 5 ? n : 0];
  for (size_t i = 1; i < n; i++) cp = (cp << 6) | (c[i] & 0x3fu);
  return cp;
}

/* spaces a user meant as spaces, and marks with no width at all */
static int invisible_space(unsigned cp) {
  return cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f ||
         cp == 0x205f || cp == 0x3000;
}

static int invisible_mark(unsigned cp) {
  return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xfeff ||
         cp == 0xad;
}

int sx_invisible(unsigned cp) { return invisible_space(cp) || invisible_mark(cp); }

/* Operators and digits from typeset mathematics, and their ASCII. */
static const struct { unsigned cp; const char *ascii; } typeset[] = {
  {0xd7, "*"}, {0xb7, "*"}, {0x22c5, "*"}, {0x2219, "*"}, {0xf7, "/"}, {0x2215, "/"},
  {0x2212, "-"}, {0x2013, "-"}, {0x2014, "-"}, {0xb2, "^2"}, {0xb3, "^3"}, {0xb9, "^1"},
  {0x3002, "."}, {0x3001, ","}, {0x2018, "'"}, {0x2019, "'"}, {0x201c, "\""}, {0x201d, "\""},
};

/* Lowercase Greek letters as people spell them in ASCII (U+03B1..U+03C9). */
static const char *const greek[] = {
  "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
  "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "sigma", "tau", "upsilon",
  "phi", "chi", "psi", "omega"};

const char *sx_lookalike_hint(unsigned cp, char *out, size_t n) {
  for (size_t i = 0; i < sizeof typeset / sizeof *typeset; i++)
    if (typeset[i].cp == cp) {
      snprintf(out, n, "write '%s' instead", typeset[i].ascii);
      return out;
    }
  if (cp >= 0xff01 && cp <= 0xff5e)   /* full-width forms of ASCII, as Chinese input methods type them */
    snprintf(out, n, "a full-width character: write '%c' instead", (char)(cp - 0xfee0));
  else if (cp >= 0x3b1 && cp <= 0x3c9)
    snprintf(out, n, "names are ASCII: write %s", greek[cp - 0x3b1]);
  else if (invisible_space(cp))
    snprintf(out, n, "an invisible space: type a plain space instead");
  else if (invisible_mark(cp))
    snprintf(out, n, "an invisible mark: delete it");
  else
    snprintf(out, n, "names are ASCII letters, digits and '_'");
  return out;
}
