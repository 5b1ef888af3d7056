/*
** optim.c -- the optimizer registry: creation, hyperparameters, dispatch.
**
** Every kind is an 'sx_optim_class' (optim.h) defined next to its update rule;
** this file finds a class by name, keeps the hyperparameter values in the
** instance's slots, checks each value against the class's table the way
** PyTorch's constructors do, and runs one step.  The state of an instance is
** allocated once, here, so no update rule ever allocates.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "optim.h"
#include "suggest.h"

static const sx_optim_class *const classes[] = {
  &sx_optim_sgd, &sx_optim_adam, &sx_optim_adamw, &sx_optim_rmsprop,
  &sx_optim_adagrad, &sx_optim_adadelta, &sx_optim_adamax, &sx_optim_nadam,
  &sx_optim_radam, &sx_optim_rprop, &sx_optim_asgd, &sx_optim_lbfgs,
  &sx_optim_newton, &sx_optim_anneal, NULL
};

/* ---- text of numbers and ranges -------------------------------------------- */

/* The shortest of %.15g..%.17g that reads back as 'v', so 0.1 shows as "0.1". */
static void num_text(char *out, size_t size, double v) {
  if (isnan(v)) { snprintf(out, size, "nan"); return; }
  if (isinf(v)) { snprintf(out, size, v > 0 ? "inf" : "-inf"); return; }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(out, size, "%.*g", prec, v);
    if (strtod(out, NULL) == v) return;
  }
}

/* The allowed values of one component of a hyperparameter. */
typedef struct range {
  double lo, hi;
  int lo_open, hi_open;
} range;

/*
** Ranges that 'sx_hyper' cannot express alone: an open upper end (betas are
** in [0, 1)) and pairs whose two values have different ranges (Rprop's
** 0 < etaminus < 1 < etaplus).  Keyed by name because every class spells
** them alike.
*/
static const struct { const char *name; int k; range r; } special_ranges[] = {
  {"betas", 0, {0, 1, 0, 1}},
  {"betas", 1, {0, 1, 0, 1}},
  {"etas", 0, {0, 1, 1, 1}},
  {"etas", 1, {1, INFINITY, 1, 0}},
};

static range range_of(const sx_hyper *h, int k) {
  for (size_t i = 0; i < sizeof special_ranges / sizeof special_ranges[0]; i++)
    if (special_ranges[i].k == k && strcmp(special_ranges[i].name, h->name) == 0)
      return special_ranges[i].r;
  range r = {h->lo, h->hi, h->lo_open, 0};
  return r;
}

static int in_range(range r, double v) {
  return (r.lo_open ? v > r.lo : v >= r.lo) && (r.hi_open ? v < r.hi : v <= r.hi);
}

/* "in [0, 1)", ">= 0", "> 1", "<= 5" or "any number". */
static void range_text(char *out, size_t size, range r) {
  char lo[32], hi[32];
  num_text(lo, sizeof lo, r.lo);
  num_text(hi, sizeof hi, r.hi);
  int has_lo = r.lo > -INFINITY, has_hi = r.hi < INFINITY;
  if (has_lo && has_hi)
    snprintf(out, size, "in %c%s, %s%c", r.lo_open ? '(' : '[', lo, hi, r.hi_open ? ')' : ']');
  else if (has_lo) snprintf(out, size, "%s %s", r.lo_open ? ">" : ">=", lo);
  else if (has_hi) snprintf(out, size, "%s %s", r.hi_open ? "<" : "<=", hi);
  else snprintf(out, size, "a number");
}

/* ---- the registry ---------------------------------------------------------- */

static const sx_optim_class *find_class(const char *kind) {
  for (int i = 0; classes[i]; i++)
    if (strcmp(classes[i]->name, kind) == 0) return classes[i];
  return NULL;
}

static int nhypers(const sx_optim_class *c) {
  int n = 0;
  while (c->hypers[n].name) n++;
  return n;
}

static const sx_hyper *find_hyper(const sx_optim_class *c, const char *name) {
  for (const sx_hyper *h = c->hypers; h->name; h++)
    if (strcmp(h->name, name) == 0) return h;
  return NULL;
}

/* L-BFGS's string hyperparameter lives in 'o->line_search', not in a slot. */
static int has_line_search(const sx_optim_class *c) { return c == &sx_optim_lbfgs; }

/* The hyperparameter names of 'o' live right after the struct, so the list
** handed out by 'slope_optim_hypers' needs no global storage. */
static void fill_names(slope_optim *o) {
  const char **names = (const char **)(void *)(o + 1);
  int k = 0;
  for (const sx_hyper *h = o->cls->hypers; h->name; h++) names[k++] = h->name;
  if (has_line_search(o->cls) && !find_hyper(o->cls, "line_search")) names[k++] = "line_search";
  names[k] = NULL;
}

slope_optim *slope_optim_new(slope_ctx *S, const char *kind, int nparams) {
  sx_enter(S);
  const sx_optim_class *c = kind ? find_class(kind) : NULL;
  if (!c) {
    char known[256] = "";
    for (int i = 0; classes[i]; i++) {
      if (i) strcat(known, ", ");
      strcat(known, classes[i]->name);
    }
    sx_error(S, SLOPE_ERRNAME, "unknown optimizer '%s' (known: %s)", kind ? kind : "(null)", known);
    return NULL;
  }
  if (nparams < 1) {
    sx_error(S, SLOPE_ERRARG, "%s: the number of parameters must be >= 1, got %d", c->name, nparams);
    return NULL;
  }
  if (nparams > SX_MAX_PARAMS) {
    sx_error(S, SLOPE_ERRLIMIT, "%s: at most %d parameters, got %d", c->name, SX_MAX_PARAMS, nparams);
    return NULL;
  }
  size_t nstate = (size_t)nparams * (size_t)c->state_per_param + (size_t)c->state_extra;
  size_t nwork = 4 * (size_t)nparams;
  slope_optim *o = calloc(1, sizeof *o + (size_t)(nhypers(c) + 2) * sizeof(const char *));
  double *mem = calloc(nstate + nwork, sizeof *mem);
  if (!o || !mem) {
    free(o);
    free(mem);
    sx_error(S, SLOPE_ERRMEM, "%s: out of memory for %d parameters", c->name, nparams);
    return NULL;
  }
  o->S = S;
  o->cls = c;
  o->n = nparams;
  o->state = mem;
  o->work = mem + nstate;
  for (const sx_hyper *h = c->hypers; h->name; h++)
    for (int k = 0; k < h->n && k < 2; k++) o->h[h->slot + k] = h->def[k];
  fill_names(o);
  return o;
}

void slope_optim_free(slope_optim *o) {
  if (!o) return;
  if (o->cls->reset) o->cls->reset(o);
  free(o->state);   /* 'work' shares this block */
  free(o);
}

const char *slope_optim_kind(const slope_optim *o) { return o->cls->name; }

int slope_optim_nparams(const slope_optim *o) { return o->n; }

const char *const *slope_optim_hypers(const slope_optim *o) {
  return (const char *const *)(const void *)(o + 1);
}

void slope_optim_reset(slope_optim *o) {
  size_t nstate = (size_t)o->n * (size_t)o->cls->state_per_param + (size_t)o->cls->state_extra;
  memset(o->state, 0, nstate * sizeof *o->state);
  o->t = 0;
  o->evals = 0;
  if (o->cls->reset) o->cls->reset(o);
}

/* ---- setting hyperparameters ------------------------------------------------ */

static int unknown_hyper(slope_optim *o, const char *name) {
  char list[512] = "";
  for (const char *const *p = slope_optim_hypers(o); *p; p++) {
    if (p != slope_optim_hypers(o)) strncat(list, ", ", sizeof list - strlen(list) - 1);
    strncat(list, *p, sizeof list - strlen(list) - 1);
  }
  const char *near = name ? sx_nearest(name, strlen(name), slope_optim_hypers(o)) : NULL;
  char hint[SX_HINT_CAP];
  return sx_error(o->S, SLOPE_ERRNAME, "%s has no hyperparameter '%s' (it has: %s)%s",
                  o->cls->name, name ? name : "(null)", list, sx_hint(hint, near));
}

/* 'name' or 'name[k]' for messages about one value of a pair. */
static void value_name(char *out, size_t size, const sx_hyper *h, int k) {
  if (h->n > 1) snprintf(out, size, "%s[%d]", h->name, k + 1);   /* betas[1] is beta1, as in Lua */
  else snprintf(out, size, "%s", h->name);
}

/* Check one value against its range, kind (boolean, integer) and finiteness. */
static int check_value(slope_optim *o, const sx_hyper *h, int k, double v) {
  char what[64], got[32], allowed[96];
  value_name(what, sizeof what, h, k);
  num_text(got, sizeof got, v);
  if (h->is_bool) {
    if (v == 0 || v == 1) return SLOPE_OK;
    return sx_error(o->S, SLOPE_ERRARG, "%s: %s must be 0 or 1 (false or true), got %s",
                    o->cls->name, what, got);
  }
  range r = range_of(h, k);
  /* open-ended ranges still mean finite values: lr = inf would only make NaNs */
  if (isfinite(v) && in_range(r, v) && (!h->is_int || v == floor(v))) return SLOPE_OK;
  range_text(allowed, sizeof allowed, r);
  const char *kind = h->is_int ? "an integer " : isinf(v) ? "finite and " : "";
  if (isinf(v) && !(r.lo > -INFINITY || r.hi < INFINITY)) {
    kind = "";
    snprintf(allowed, sizeof allowed, "a finite number");
  }
  return sx_error(o->S, SLOPE_ERRARG, "%s: %s must be %s%s, got %s", o->cls->name, what, kind, allowed, got);
}

/*
** Rules that tie values together, checked on the values as they would be
** after the change: Rprop's step_sizes are (min, max), and SGD's Nesterov
** momentum needs momentum > 0 and dampening = 0 (PyTorch's constructor rule).
*/
static int check_together(slope_optim *o, const double *h) {
  if (o->cls == &sx_optim_rprop) {
    const sx_hyper *s = find_hyper(o->cls, "step_sizes");
    if (s && h[s->slot] > h[s->slot + 1]) {
      char a[32], b[32];
      num_text(a, sizeof a, h[s->slot]);
      num_text(b, sizeof b, h[s->slot + 1]);
      return sx_error(o->S, SLOPE_ERRARG,
                      "rprop: step_sizes must satisfy step_sizes[1] <= step_sizes[2], got %s, %s", a, b);
    }
  }
  if (o->cls == &sx_optim_sgd) {
    const sx_hyper *nes = find_hyper(o->cls, "nesterov"), *mom = find_hyper(o->cls, "momentum"),
      *damp = find_hyper(o->cls, "dampening");
    if (nes && mom && damp && h[nes->slot] != 0 && (h[mom->slot] <= 0 || h[damp->slot] != 0)) {
      char m[32], d[32];
      num_text(m, sizeof m, h[mom->slot]);
      num_text(d, sizeof d, h[damp->slot]);
      return sx_error(o->S, SLOPE_ERRARG,
                      "sgd: nesterov requires momentum > 0 and dampening = 0, got momentum %s, dampening %s",
                      m, d);
    }
  }
  return SLOPE_OK;
}

int slope_optim_set(slope_optim *o, const char *name, const double *v, int n) {
  sx_enter(o->S);
  const sx_hyper *h = name ? find_hyper(o->cls, name) : NULL;
  if (!h || h->n == 0) {
    if (name && has_line_search(o->cls) && strcmp(name, "line_search") == 0)
      return sx_error(o->S, SLOPE_ERRARG, "%s: line_search takes a string (\"strong_wolfe\" or \"none\")",
                      o->cls->name);
    return unknown_hyper(o, name);
  }
  if (!v || n != h->n)
    return sx_error(o->S, SLOPE_ERRARG, "%s: %s takes %d value%s, got %d", o->cls->name, h->name,
                    h->n, h->n == 1 ? "" : "s", v ? n : 0);
  double next[SX_MAX_HYPERS];
  memcpy(next, o->h, sizeof next);
  for (int k = 0; k < n; k++) {
    int rc = check_value(o, h, k, v[k]);
    if (rc != SLOPE_OK) return rc;
    next[h->slot + k] = v[k];
  }
  int rc = check_together(o, next);
  if (rc != SLOPE_OK) return rc;
  memcpy(o->h, next, sizeof next);
  return SLOPE_OK;
}

int slope_optim_set_string(slope_optim *o, const char *name, const char *value) {
  sx_enter(o->S);
  if (!name || !has_line_search(o->cls) || strcmp(name, "line_search") != 0) {
    if (name && find_hyper(o->cls, name))
      return sx_error(o->S, SLOPE_ERRARG, "%s: %s takes a number, not a string", o->cls->name, name);
    return unknown_hyper(o, name);
  }
  if (!value || strcmp(value, "none") == 0 || value[0] == '\0') o->line_search[0] = '\0';
  else if (strcmp(value, "strong_wolfe") == 0) strcpy(o->line_search, "strong_wolfe");
  else
    return sx_error(o->S, SLOPE_ERRARG, "%s: line_search must be \"strong_wolfe\" or \"none\", got \"%s\"",
                    o->cls->name, value);
  return SLOPE_OK;
}

int slope_optim_get(const slope_optim *o, const char *name, double *v, int n) {
  const sx_hyper *h = name ? find_hyper(o->cls, name) : NULL;
  if (!h || h->n == 0) return -1;
  for (int k = 0; k < h->n && k < n; k++) v[k] = o->h[h->slot + k];
  return h->n;
}

/* ---- stepping ------------------------------------------------------------------ */

int slope_optim_step(slope_optim *o, double *x, double f, const double *g,
                     const double *lr, const slope_objective *obj, slope_rng *rng) {
  sx_enter(o->S);
  if (!x) return sx_error(o->S, SLOPE_ERRARG, "%s: step needs the point x", o->cls->name);
  if (!g && o->cls != &sx_optim_anneal)
    return sx_error(o->S, SLOPE_ERRARG, "%s: step needs the gradient g", o->cls->name);
  o->t++;         /* PyTorch's state['step'] += 1 comes first */
  o->evals = 0;
  return o->cls->step(o, x, f, g, lr, obj, rng);
}

long slope_optim_evals(const slope_optim *o) { return o->evals; }
