/*
** optim.c -- the optimizer registry: creation, hyperparameters, dispatch.
**
** Every kind is an 'sx_optim_class' (optim.h) defined next to its update rule
** and listed once in optim_kinds.h; this file finds a class by name, keeps
** the hyperparameter values in the instance's slots, checks each value
** against the class's table the way PyTorch's constructors do (and the
** class's own 'check' hook for rules between values), and runs one step.
** It asks the class, never a particular kind.  The state of an instance is
** allocated once, here, so no update rule ever allocates.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "optim.h"
#include "suggest.h"

#define SX_OPTIM(k) extern const sx_optim_class sx_optim_##k;
#include "optim_kinds.h"
#undef SX_OPTIM

static const sx_optim_class *const classes[] = {
#define SX_OPTIM(k) &sx_optim_##k,
#include "optim_kinds.h"
#undef SX_OPTIM
  NULL
};

/* The same list as names, for 'slope_optim_kinds' (each class is named as
** its line in optim_kinds.h; test_registry checks the two agree). */
static const char *const class_names[] = {
#define SX_OPTIM(k) #k,
#include "optim_kinds.h"
#undef SX_OPTIM
  NULL
};

/* ---- text of numbers and ranges -------------------------------------------- */

/* The shortest of %.15g..%.17g that reads back as 'v', so 0.1 shows as "0.1". */
void sx_optim_num_text(char *out, size_t size, double v) {
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

/* Value k of a pair may have a range of its own (Rprop's 0 < etas[1] < 1 <
** etas[2]); a single value and the first of a pair use lo..hi. */
static range range_of(const sx_hyper *h, int k) {
  const slope_hyper *d = &h->d;
  range r = k == 0 ? (range){d->lo, d->hi, d->lo_open, d->hi_open}
                   : (range){d->lo2, d->hi2, d->lo2_open, d->hi2_open};
  return r;
}

static int in_range(range r, double v) {
  return (r.lo_open ? v > r.lo : v >= r.lo) && (r.hi_open ? v < r.hi : v <= r.hi);
}

/* "in [0, 1)", ">= 0", "> 1", "<= 5" or "any number". */
static void range_text(char *out, size_t size, range r) {
  char lo[32], hi[32];
  sx_optim_num_text(lo, sizeof lo, r.lo);
  sx_optim_num_text(hi, sizeof hi, r.hi);
  int has_lo = r.lo > -INFINITY, has_hi = r.hi < INFINITY;
  if (has_lo && has_hi)
    snprintf(out, size, "in %c%s, %s%c", r.lo_open ? '(' : '[', lo, hi, r.hi_open ? ')' : ']');
  else if (has_lo) snprintf(out, size, "%s %s", r.lo_open ? ">" : ">=", lo);
  else if (has_hi) snprintf(out, size, "%s %s", r.hi_open ? "<" : "<=", hi);
  else snprintf(out, size, "a number");
}

/* ---- the registry ---------------------------------------------------------- */

static const sx_optim_class *find_class(const char *kind) {
  for (int i = 0; kind && classes[i]; i++)
    if (strcmp(classes[i]->name, kind) == 0) return classes[i];
  return NULL;
}

static int nhypers(const sx_optim_class *c) {
  int n = 0;
  while (c->hypers[n].d.name) n++;
  return n;
}

static const sx_hyper *find_hyper(const sx_optim_class *c, const char *name) {
  for (const sx_hyper *h = c->hypers; h->d.name; h++)
    if (strcmp(h->d.name, name) == 0) return h;
  return NULL;
}

const char *const *slope_optim_kinds(void) { return class_names; }

const char *slope_optim_about(const char *kind) {
  const sx_optim_class *c = find_class(kind);
  return c ? c->about : NULL;
}

const slope_hyper *slope_optim_hyper_at(const char *kind, int i) {
  const sx_optim_class *c = find_class(kind);
  return c && i >= 0 && i < nhypers(c) ? &c->hypers[i].d : NULL;
}

int slope_optim_needs(const char *kind) {
  const sx_optim_class *c = find_class(kind);
  return c ? c->needs : 0;
}

/* The hyperparameter names of 'o' live right after the struct, so the list
** handed out by 'slope_optim_hypers' needs no global storage. */
static void fill_names(slope_optim *o) {
  const char **names = (const char **)(void *)(o + 1);
  int k = 0;
  for (const sx_hyper *h = o->cls->hypers; h->d.name; h++) names[k++] = h->d.name;
  names[k] = NULL;
}

/* Defaults into the slots: the values, or the index of the default choice. */
static void set_defaults(slope_optim *o) {
  for (const sx_hyper *h = o->cls->hypers; h->d.name; h++) {
    if (h->d.choices) o->h[h->slot] = h->d.def_choice ? sx_choice_index(&h->d, h->d.def_choice) : -1;
    else for (int k = 0; k < h->d.n && k < 2; k++) o->h[h->slot + k] = h->d.def[k];
  }
}

slope_optim *slope_optim_new(slope_ctx *S, const char *kind, int nparams) {
  SX_ENTER(S, NULL);
  const sx_optim_class *c = find_class(kind);
  if (!c) {
    char known[512] = "";
    size_t len = 0;   /* bounded: the registry may grow */
    for (int i = 0; classes[i] && len < sizeof known; i++)
      len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "", classes[i]->name);
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
  slope_optim *o = calloc(1, sizeof *o + (size_t)(nhypers(c) + 1) * sizeof(const char *));
  double *mem = calloc(nstate + nwork, sizeof *mem);
  if (!o || !mem) {
    free(o);
    free(mem);
    sx_error(S, SLOPE_ERRMEM, "%s: out of memory for %d parameter%s", c->name, nparams, nparams == 1 ? "" : "s");
    return NULL;
  }
  o->S = S;
  o->cls = c;
  o->n = nparams;
  o->state = mem;
  o->work = mem + nstate;
  set_defaults(o);
  fill_names(o);
  return o;
}

void slope_optim_free(slope_optim *o) {
  if (!o) return;
  if (o->cls->reset) o->cls->reset(o);
  free(o->state);   /* 'work' shares this block */
  free(o->lo);      /* 'hi' shares this block */
  free(o);
}

int slope_optim_set_bounds(slope_optim *o, const double *lo, const double *hi) {
  SX_ENTER_OBJ(o, SLOPE_ERRMISUSE);
  if (!lo && !hi) {
    free(o->lo);
    o->lo = o->hi = NULL;
    return SLOPE_OK;
  }
  for (int i = 0; i < o->n; i++) {
    double l = lo ? lo[i] : -INFINITY, h = hi ? hi[i] : INFINITY;
    if (isnan(l) || isnan(h) || l > h || l == INFINITY || h == -INFINITY)
      return sx_error(o->S, SLOPE_ERRARG, "%s: the bounds of parameter %d (counting from 0) must satisfy "
                      "lower <= upper, got [%g, %g]", o->cls->name, i, l, h);
  }
  double *box = o->lo ? o->lo : malloc(2 * (size_t)o->n * sizeof *box);
  if (!box) return sx_error(o->S, SLOPE_ERRMEM, "%s: out of memory for bounds", o->cls->name);
  o->lo = box;
  o->hi = box + o->n;
  for (int i = 0; i < o->n; i++) {
    o->lo[i] = lo ? lo[i] : -INFINITY;
    o->hi[i] = hi ? hi[i] : INFINITY;
  }
  return SLOPE_OK;
}

/* Getters given NULL answer NULL or 0: they record nothing (slope.h, "Errors"). */
const char *slope_optim_kind(const slope_optim *o) { return o ? o->cls->name : NULL; }

int slope_optim_nparams(const slope_optim *o) { return o ? o->n : 0; }

const char *const *slope_optim_hypers(const slope_optim *o) {
  return o ? (const char *const *)(const void *)(o + 1) : NULL;
}

void slope_optim_reset(slope_optim *o) {
  if (!o) return;
  size_t nstate = (size_t)o->n * (size_t)o->cls->state_per_param + (size_t)o->cls->state_extra;
  memset(o->state, 0, nstate * sizeof *o->state);
  o->t = 0;
  o->evals = 0;
  o->done = NULL;
  if (o->cls->reset) o->cls->reset(o);
}

const char *slope_optim_done(const slope_optim *o) { return o ? o->done : NULL; }

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
  if (h->d.n > 1) snprintf(out, size, "%s[%d]", h->d.name, k + 1);   /* betas[1] is beta1, as in Lua */
  else snprintf(out, size, "%s", h->d.name);
}

/* Check one value against its range, kind (boolean, integer) and finiteness. */
static int check_value(slope_optim *o, const sx_hyper *h, int k, double v) {
  char what[64], got[32], allowed[96];
  value_name(what, sizeof what, h, k);
  sx_optim_num_text(got, sizeof got, v);
  if (h->d.is_bool) {
    if (v == 0 || v == 1) return SLOPE_OK;
    return sx_error(o->S, SLOPE_ERRARG, "%s: %s must be 0 or 1 (false or true), got %s",
                    o->cls->name, what, got);
  }
  range r = range_of(h, k);
  /* open-ended ranges still mean finite values: lr = inf would only make NaNs */
  if (isfinite(v) && in_range(r, v) && (!h->d.is_int || v == floor(v))) return SLOPE_OK;
  range_text(allowed, sizeof allowed, r);
  const char *kind = h->d.is_int ? "an integer " : isinf(v) ? "finite and " : "";
  if (isinf(v) && !(r.lo > -INFINITY || r.hi < INFINITY)) {
    kind = "";
    snprintf(allowed, sizeof allowed, "a finite number");
  }
  return sx_error(o->S, SLOPE_ERRARG, "%s: %s must be %s%s, got %s", o->cls->name, what, kind, allowed, got);
}

int slope_optim_set(slope_optim *o, const char *name, const double *v, int n) {
  SX_ENTER_OBJ(o, SLOPE_ERRMISUSE);
  const sx_hyper *h = name ? find_hyper(o->cls, name) : NULL;
  if (!h) return unknown_hyper(o, name);
  if (h->d.choices)
    return sx_error(o->S, SLOPE_ERRARG, "%s: %s takes a string, not a number", o->cls->name, name);
  if (!v || n != h->d.n)
    return sx_error(o->S, SLOPE_ERRARG, "%s: %s takes %d value%s, got %d", o->cls->name, h->d.name,
                    h->d.n, h->d.n == 1 ? "" : "s", v ? n : 0);
  double next[SX_MAX_HYPERS];
  memcpy(next, o->h, sizeof next);
  for (int k = 0; k < n; k++) {
    int rc = check_value(o, h, k, v[k]);
    if (rc != SLOPE_OK) return rc;
    next[h->slot + k] = v[k];
  }
  if (o->cls->check) {
    int rc = o->cls->check(o, next);
    if (rc != SLOPE_OK) return rc;
  }
  memcpy(o->h, next, sizeof next);
  return SLOPE_OK;
}

/* The choice slot 'name' of 'o', or NULL with the error recorded. */
static const sx_hyper *choice_slot(const slope_optim *o, const char *name) {
  const sx_hyper *h = name ? find_hyper(o->cls, name) : NULL;
  if (!h) unknown_hyper((slope_optim *)o, name);
  else if (!h->d.choices)
    sx_error(o->S, SLOPE_ERRARG, "%s: %s takes a number, not a string", o->cls->name, name);
  return h && h->d.choices ? h : NULL;
}

int slope_optim_set_string(slope_optim *o, const char *name, const char *value) {
  SX_ENTER_OBJ(o, SLOPE_ERRMISUSE);
  const sx_hyper *h = choice_slot(o, name);
  if (!h) return o->S->errcode;
  int c = sx_choice_index(&h->d, value);
  if (c < 0) return sx_choice_error(o->S, o->cls->name, &h->d, value);
  o->h[h->slot] = c;
  return SLOPE_OK;
}

const char *slope_optim_get_string(const slope_optim *o, const char *name) {
  SX_ENTER_OBJ(o, NULL);
  const sx_hyper *h = choice_slot(o, name);
  return h ? sx_choice_text(&h->d, o->h[h->slot]) : NULL;
}

int slope_optim_get(const slope_optim *o, const char *name, double *v, int n) {
  if (!o || n < 0 || (n > 0 && !v)) return -1;   /* a getter: nothing recorded */
  const sx_hyper *h = name ? find_hyper(o->cls, name) : NULL;
  if (!h || h->d.choices) return -1;
  for (int k = 0; k < h->d.n && k < n; k++) v[k] = o->h[h->slot + k];
  return h->d.n;
}

int sx_optim_set_slots(slope_optim *o, const double *h) {
  /* in the class's order, so momentum is set before nesterov is checked */
  for (const sx_hyper *p = o->cls->hypers; p->d.name; p++) {
    if (!p->d.choices) {
      if (slope_optim_set(o, p->d.name, h + p->slot, p->d.n) != SLOPE_OK) return o->S->errcode;
      continue;
    }
    int count = 0;
    while (p->d.choices[count]) count++;
    double c = h[p->slot];
    if (!(c >= 0 && c < count && c == floor(c)))
      return sx_error(o->S, SLOPE_ERRARG, "%s: %s is not one of its choices", o->cls->name, p->d.name);
    o->h[p->slot] = c;
  }
  return SLOPE_OK;
}

/* ---- stepping ------------------------------------------------------------------ */

int slope_optim_step(slope_optim *o, double *x, double f, const double *g,
                     const double *lr, const slope_objective *obj, slope_rng *rng) {
  SX_ENTER_OBJ(o, SLOPE_ERRMISUSE);
  if (!x) return sx_error(o->S, SLOPE_ERRARG, "%s: step needs the point x", o->cls->name);
  if (!g && (o->cls->needs & SLOPE_NEEDS_GRAD))
    return sx_error(o->S, SLOPE_ERRARG, "%s: step needs the gradient g", o->cls->name);
  if ((o->cls->needs & SLOPE_NEEDS_HESSIAN) && (!obj || !obj->hess))
    return sx_error(o->S, SLOPE_ERRARG, "%s needs the Hessian", o->cls->name);
  o->t++;         /* PyTorch's state['step'] += 1 comes first */
  o->evals = 0;
  return o->cls->step(o, x, f, g, lr, obj, rng);
}

long slope_optim_evals(const slope_optim *o) { return o ? o->evals : 0; }
