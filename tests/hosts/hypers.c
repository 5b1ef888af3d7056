/*
** hypers.c -- the tables of docs/c-api.md that list every optimizer
** hyperparameter and every schedule argument, printed from the registry
** through the public API alone (slope_optim_kinds, slope_optim_hyper_at,
** slope_schedule_kinds, slope_schedule_hyper_at).
**
**   hypers optim       one markdown row per optimizer hyperparameter
**   hypers schedule    one markdown row per schedule argument
**
** tests/test_embed.sh runs it against the staged install and checks that
** docs/c-api.md holds exactly these rows, so the reference cannot drift from
** the registry.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <slope.h>

/* A number as the tables write it: "none" for PyTorch's None, "inf", or %g. */
static void num(char *out, size_t cap, double v) {
  if (isnan(v)) snprintf(out, cap, "none");
  else if (isinf(v)) snprintf(out, cap, "%sinf", v < 0 ? "-" : "");
  else if (v == 9007199254740992.0) snprintf(out, cap, "2^53");
  else snprintf(out, cap, "%.6g", v);
}

/* The default column: the choice, the list, the pair or the number. */
static void def_text(char *out, size_t cap, const slope_hyper *h) {
  char a[32], b[32];
  if (h->choices) snprintf(out, cap, "%s", h->def_choice ? h->def_choice : "(by mode)");
  else if (h->is_list) snprintf(out, cap, "(list)");
  else if (h->n == 2) {
    num(a, sizeof a, h->def[0]);
    num(b, sizeof b, h->def[1]);
    snprintf(out, cap, "%s, %s", a, b);
  } else if (h->is_bool) snprintf(out, cap, "%s", h->def[0] != 0 ? "true" : "false");
  else num(out, cap, h->def[0]);
}

/* The range column: the choices, "0 or 1", or the interval with its ends. */
static void range_text(char *out, size_t cap, const slope_hyper *h) {
  char lo[32], hi[32];
  if (h->choices) {
    size_t k = 0;
    out[0] = '\0';
    for (int c = 0; h->choices[c] && k < cap; c++)
      k += (size_t)snprintf(out + k, cap - k, "%s%s", c ? " " : "", h->choices[c]);
    return;
  }
  if (h->is_bool) { snprintf(out, cap, "0 or 1"); return; }
  num(lo, sizeof lo, h->lo);
  num(hi, sizeof hi, h->hi);
  snprintf(out, cap, "%s%s, %s%s%s", h->lo_open ? "(" : "[", lo, hi, h->hi_open ? ")" : "]",
           h->is_int ? " integer" : "");
}

static void row(const char *kind, const slope_hyper *h, int schedule) {
  char def[64], range[128];
  def_text(def, sizeof def, h);
  range_text(range, sizeof range, h);
  if (schedule)
    printf("| %s | %s | %s | %s | %s | %s |\n", kind, h->name, h->required ? "yes" : "no",
           h->required ? "-" : def, range, h->about ? h->about : "");
  else
    printf("| %s | %s | %s | %s | %s |\n", kind, h->name, def, range, h->about ? h->about : "");
}

int main(int argc, char **argv) {
  int schedule = argc > 1 && strcmp(argv[1], "schedule") == 0;
  if (argc != 2 || (!schedule && strcmp(argv[1], "optim") != 0)) {
    fputs("usage: hypers optim|schedule\n", stderr);
    return 2;
  }
  const char *const *kinds = schedule ? slope_schedule_kinds() : slope_optim_kinds();
  for (int k = 0; kinds[k]; k++) {
    const slope_hyper *h;
    for (int i = 0; (h = schedule ? slope_schedule_hyper_at(kinds[k], i)
                                  : slope_optim_hyper_at(kinds[k], i)) != NULL; i++)
      row(kinds[k], h, schedule);
  }
  return 0;
}
