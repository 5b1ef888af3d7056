/*
** suggest.h -- "did you mean ...?": the nearest of the names a typo could
** have meant (internal).
*/
#ifndef SLOPE_SUGGEST_H
#define SLOPE_SUGGEST_H

#include <stddef.h>

/* Whether 'name' is a likelier meaning of the typo z[0..n) than the best so
** far (*best, start it at SX_SUGGEST_START): within edit distance 2 (an
** adjacent swap counts 1) and not more than half of the typo changed, so
** 'x' does not suggest 'exp'.  Updates *best when it is. */
#define SX_SUGGEST_START 3
int sx_nearer(const char *z, size_t n, const char *name, int *best);

/* The nearest of the NULL-terminated 'names' to z[0..n), or NULL. */
const char *sx_nearest(const char *z, size_t n, const char *const *names);

/* The nearest of names[0..count) to z[0..n) that is nearer than *best (see
** sx_nearer), or NULL; one *best carries over several lists. */
const char *sx_nearest_of(const char *z, size_t n, const char *const *names, size_t count, int *best);

/* "w, b" (the first eight of 'count' names, then ", ... (N in all)") or
** "none" in out[0..cap); returns 'out', for listing what a name could be. */
const char *sx_name_list(char *out, size_t cap, const char *const *names, size_t count);

/* "; did you mean 'NEAR'?" in 'out' (SX_HINT_CAP bytes), or "" when 'near'
** is NULL; returns 'out', for the end of an error message. */
#define SX_HINT_CAP 64
const char *sx_hint(char *out, const char *near);

#endif
