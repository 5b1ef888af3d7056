/*
** hyper.c -- choice slots, the string hyperparameters of optimizers and
** schedules (see hyper.h): one lookup, one text and one error message for
** L-BFGS's line_search and plateau's mode alike.
*/
#include <stdio.h>
#include <string.h>

#include "hyper.h"
#include "suggest.h"

static int is_none(const char *choice) { return strcmp(choice, "none") == 0; }

int sx_choice_index(const slope_hyper *h, const char *value) {
  if (!h->choices) return -1;
  int none = value == NULL || value[0] == '\0';
  for (int c = 0; h->choices[c]; c++)
    if (none ? is_none(h->choices[c]) : strcmp(h->choices[c], value) == 0) return c;
  return -1;
}

const char *sx_choice_text(const slope_hyper *h, double index) {
  int c = (int)index;
  if (!h->choices || c < 0) return "";
  for (int k = 0; k < c; k++)
    if (!h->choices[k]) return "";
  return h->choices[c] && !is_none(h->choices[c]) ? h->choices[c] : "";
}

/* "\"a\", \"b\" or \"none\"": the choices in order, "none" last. */
static void choice_list(char *out, size_t cap, const slope_hyper *h) {
  const char *order[16];
  int n = 0;
  for (int pass = 0; pass < 2; pass++)
    for (int c = 0; h->choices[c] && n < 16; c++)
      if (is_none(h->choices[c]) == pass) order[n++] = h->choices[c];
  size_t len = 0;
  out[0] = '\0';
  for (int i = 0; i < n && len < cap; i++)
    len += (size_t)snprintf(out + len, cap - len, "%s\"%s\"", i == 0 ? "" : i + 1 < n ? ", " : " or ",
                            order[i]);
}

int sx_choice_error(slope_ctx *S, const char *who, const slope_hyper *h, const char *value) {
  char list[160], hint[SX_HINT_CAP];
  choice_list(list, sizeof list, h);
  const char *near = value ? sx_nearest(value, strlen(value), h->choices) : NULL;
  return sx_error(S, SLOPE_ERRARG, "%s: %s must be %s, got \"%s\"%s", who, h->name, list,
                  value ? value : "(null)", sx_hint(hint, near));
}
