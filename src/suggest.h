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

#endif
