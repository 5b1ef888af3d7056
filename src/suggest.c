/*
** suggest.c -- the nearest known name to a typo, for error messages.
*/
#include <stdio.h>
#include <string.h>

#include "slope.h"
#include "suggest.h"

#define LONGEST 32   /* names compared; longer ones are never suggested */

/* Optimal string alignment distance: insertions, deletions, substitutions
** and swaps of adjacent characters each cost 1. */
static int edit_distance(const char *a, size_t na, const char *b, size_t nb) {
  int d[LONGEST + 1][LONGEST + 1];
  for (size_t i = 0; i <= na; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= nb; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= na; i++)
    for (size_t j = 1; j <= nb; j++) {
      int cost = a[i - 1] != b[j - 1];
      int best = d[i - 1][j - 1] + cost;
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  return d[na][nb];
}

int sx_nearer(const char *z, size_t n, const char *name, int *best) {
  size_t m = strlen(name);
  if (n > LONGEST || m > LONGEST) return 0;
  int d = edit_distance(z, n, name, m);
  if (d >= *best || 2 * (size_t)d > n) return 0;
  *best = d;
  return 1;
}

const char *sx_nearest_of(const char *z, size_t n, const char *const *names, size_t count, int *best) {
  const char *found = NULL;
  for (size_t i = 0; i < count; i++)
    if (sx_nearer(z, n, names[i], best)) found = names[i];
  return found;
}

const char *sx_nearest(const char *z, size_t n, const char *const *names) {
  size_t count = 0;
  while (names[count]) count++;
  int best = SX_SUGGEST_START;
  return sx_nearest_of(z, n, names, count, &best);
}

const char *sx_name_list(char *out, size_t cap, const char *const *names, size_t count) {
  enum { SHOWN = 8 };
  size_t k = (size_t)snprintf(out, cap, "%s", count ? "" : "none");
  for (size_t i = 0; i < count && i < SHOWN && k < cap; i++)
    k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? ", " : "", names[i]);
  if (count > SHOWN && k < cap) snprintf(out + k, cap - k, ", ... (%zu in all)", count);
  return out;
}

const char *sx_hint(char *out, const char *near) {
  if (near) snprintf(out, SX_HINT_CAP, "; did you mean '%s'?", near);
  else out[0] = '\0';
  return out;
}

/* ---- the public face: slope.h ---- */

const char *slope_suggest(const char *name, const char *const *names, size_t count) {
  if (!name || (!names && count)) return NULL;
  int best = SX_SUGGEST_START;
  return sx_nearest_of(name, strlen(name), names, count, &best);
}

const char *slope_name_list(char *out, size_t cap, const char *const *names, size_t count) {
  if (!out || cap == 0) return out;
  return sx_name_list(out, cap, names, names ? count : 0);
}
