/*
** elements.c -- the flat names of array elements, and reading the grouped
** view (names with shapes) back from them: see elements.h.
*/
#include <stdio.h>
#include <string.h>

#include "elements.h"
#include "expr.h"

/* A positive decimal index without leading zeros at s; its end in *end. */
static long parse_index(const char *s, const char **end) {
  long v = 0;
  if (*s < '1' || *s > '9') return 0;
  while (*s >= '0' && *s <= '9') {
    if (v > 100000000L) return 0;   /* far beyond any limit: not an index */
    v = v * 10 + (*s++ - '0');
  }
  *end = s;
  return v;
}

int sx_element_parse(const char *name, size_t *baselen, long idx[2]) {
  const char *open = strchr(name, '[');
  if (!open || !sx_valid_name(name, (size_t)(open - name))) return 0;
  const char *s;
  if (!(idx[0] = parse_index(open + 1, &s))) return 0;
  int rank = 1;
  idx[1] = 1;
  if (*s == ',') {
    if (!(idx[1] = parse_index(s + 1, &s))) return 0;
    rank = 2;
  }
  if (s[0] != ']' || s[1] != '\0') return 0;
  *baselen = (size_t)(open - name);
  return rank;
}

size_t sx_shape_count(const slope_shape *s) {
  if (s->rank == 0) return 1;
  return s->rank == 1 ? (size_t)s->dim[0] : (size_t)s->dim[0] * (size_t)s->dim[1];
}

int sx_check_shape(slope_ctx *S, const slope_shape *s, size_t max, const char *what, const char *name) {
  if (s->rank < 0 || s->rank > 2)
    return sx_error(S, SLOPE_ERRARG, "%s: the shape of '%s' must have rank 0, 1 or 2, got %d", what, name, s->rank);
  for (int d = 0; d < s->rank; d++)
    if (s->dim[d] < 1)
      return sx_error(S, SLOPE_ERRARG, "%s: dimension %d of '%s' must be >= 1, got %d", what, d + 1, name, s->dim[d]);
  size_t n = sx_shape_count(s);
  if (n > max) return sx_error(S, SLOPE_ERRLIMIT, "%s: '%s' has %zu elements, at most %zu are allowed", what, name, n, max);
  return SLOPE_OK;
}

void sx_element_name(char *out, size_t cap, const char *base, const slope_shape *s, size_t k) {
  if (s->rank == 0) snprintf(out, cap, "%s", base);
  else if (s->rank == 1) snprintf(out, cap, "%s[%zu]", base, k + 1);
  else snprintf(out, cap, "%s[%zu,%zu]", base, k / (size_t)s->dim[1] + 1, k % (size_t)s->dim[1] + 1);
}

/* Whether names[at] is element (i, j) of the base names[first][0..len) with 'rank'. */
static int is_element(const char *const *names, int n, int at, int first, size_t len, int rank, long i, long j) {
  size_t bl;
  long idx[2];
  if (at >= n || sx_element_parse(names[at], &bl, idx) != rank) return 0;
  return bl == len && memcmp(names[at], names[first], len) == 0 && idx[0] == i && idx[1] == j;
}

sx_group sx_element_group(const char *const *names, int n, int i) {
  sx_group g = {i, (int)strlen(names[i]), {0, {1, 1}}};
  size_t len;
  long idx[2];
  int rank = sx_element_parse(names[i], &len, idx);
  if (rank == 0 || idx[0] != 1 || idx[1] != 1) return g;
  g.baselen = (int)len;
  if (rank == 1) {
    int k = 1;
    while (is_element(names, n, i + k, i, len, 1, k + 1, 1)) k++;
    g.shape = (slope_shape){1, {k, 1}};
    return g;
  }
  int cols = 1, rows = 1;
  while (is_element(names, n, i + cols, i, len, 2, 1, cols + 1)) cols++;
  for (;;) {   /* whole rows only */
    int c = 0;
    while (c < cols && is_element(names, n, i + rows * cols + c, i, len, 2, rows + 1, c + 1)) c++;
    if (c < cols) break;
    rows++;
  }
  g.shape = (slope_shape){2, {rows, cols}};
  return g;
}

int sx_element_groups(const char *const *names, int n, sx_group *out) {
  int ng = 0;
  for (int i = 0; i < n; i += (int)sx_shape_count(&out[ng - 1].shape)) out[ng++] = sx_element_group(names, n, i);
  return ng;
}
