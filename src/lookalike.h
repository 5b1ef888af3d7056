/*
** lookalike.h -- what to type instead of a character the expression
** language does not have: names and operators are ASCII, but text pasted
** from a web page or typed with a Chinese input method brings '×', '−',
** 'θ', '²', full-width '（' and invisible spaces (internal).
*/
#ifndef SLOPE_LOOKALIKE_H
#define SLOPE_LOOKALIKE_H

#include <stddef.h>

/* The code point of the valid UTF-8 character at c[0..n). */
unsigned sx_codepoint(const unsigned char *c, size_t n);

/* Whether code point 'cp' is an invisible space or mark (no-break space,
** ideographic space, zero-width space, byte order mark, ...). */
int sx_invisible(unsigned cp);

/* The advice for 'cp', e.g. "write '*' instead", "names are ASCII: write
** theta", "type a plain space instead", written to out[0..n); returns out. */
const char *sx_lookalike_hint(unsigned cp, char *out, size_t n);

#endif
