/*
** test_registry.c -- every optimizer and schedule kind, walked through the
** public registry (slope.h only, as a host would): each can be made, each
** hyperparameter's default reads back, each bound is enforced just outside
** and accepted at or just inside (with a message naming the hyperparameter
** and the bound), each choice takes its choices and answers a misspelling
** with a suggestion, required schedule arguments are required, and the
** needs flags bound what a step asks of its objective.
*/
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "slope.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Whether the last error is 'code' and mentions both 'a' and 'b'; clears it. */
static int error_names(slope_ctx *S, int code, const char *a, const char *b) {
  slope_error e = slope_error_get(S);
  int ok = e.code == code && e.message && strstr(e.message, a) && (!b || strstr(e.message, b));
  if (!ok) fprintf(stderr, "    error %d \"%s\", wanted %d naming '%s' and '%s'\n", e.code,
                   e.message ? e.message : "", code, a, b ? b : "");
  slope_clear_error(S);
  return ok;
}

/* A bound as messages write it: "%g" (schedules) or the shortest of
** %.15g..%.17g (optimizers); 'alt' gets the other spelling. */
static void bound_text(double v, char *out, char *alt) {
  snprintf(out, 40, "%g", v);
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(alt, 40, "%.*g", prec, v);
    if (strtod(alt, NULL) == v) break;
  }
  if (v == 0x1p53) strcpy(alt, "2^53");   /* schedules' integer limit */
}

/* Whether the last error is SLOPE_ERRARG naming 'what' and 'bound'; clears it. */
static int range_error(slope_ctx *S, const char *what, double bound) {
  char a[40], b[40];
  bound_text(bound, a, b);
  slope_error e = slope_error_get(S);
  int ok = e.code == SLOPE_ERRARG && e.message && strstr(e.message, what) &&
           (strstr(e.message, a) || strstr(e.message, b));
  if (!ok) fprintf(stderr, "    \"%s\" should name %s and %s\n", e.message ? e.message : "", what, a);
  slope_clear_error(S);
  return ok;
}

/* One side of a range: the bound, whether it is open, which way is outside. */
typedef struct side { double bound; int open, dir; } side;

/* The first value past the bound (rejected) and the last one in (accepted). */
static double outside(side s) { return s.open ? s.bound : nextafter(s.bound, s.dir * INFINITY); }
static double inside(side s) { return s.open ? nextafter(s.bound, -s.dir * INFINITY) : s.bound; }

/* A value a hyperparameter accepts: its lowest, or 0 when it has none. */
static double some_value(double lo, int lo_open, double hi) {
  if (lo == -INFINITY) return hi < 0 ? hi : 0;
  if (!lo_open) return lo;
  return hi < INFINITY ? (lo + hi) / 2 : lo + 1;
}

/* A misspelling of 'choice' that is no choice of 'h': one letter added. */
static void misspell(char *out, size_t cap, const char *choice) {
  snprintf(out, cap, "%sx", choice);
}

/* ---- an objective that records what it is asked ---------------------------------- */

typedef struct probe { int values, grads, hessians; } probe;

/* f = sum (x_i - 1)^2 */
static int probe_fg(void *ud, const double *x, double *f, double *g) {
  probe *p = ud;
  p->values++;
  if (g) p->grads++;
  *f = 0;
  for (int i = 0; i < 2; i++) {
    *f += (x[i] - 1) * (x[i] - 1);
    if (g) g[i] = 2 * (x[i] - 1);
  }
  return SLOPE_OK;
}

static int probe_hess(void *ud, const double *x, double *H) {
  (void)x;
  ((probe *)ud)->hessians++;
  H[0] = H[3] = 2;
  H[1] = H[2] = 0;
  return SLOPE_OK;
}

/* ---- optimizers ------------------------------------------------------------------- */

/* A fresh optimizer with hyperparameter 'h', value k set to 'v' (the other
** value of a pair as 'other'); returns the result of the set. */
static int try_set(slope_ctx *S, const char *kind, const slope_hyper *h, int k, double v, double other,
                   double *readback) {
  slope_optim *o = slope_optim_new(S, kind, 2);
  if (!o) return -1;
  double vals[2] = {h->def[0], h->def[1]};
  if (h->n == 2) vals[1 - k] = other;
  vals[k] = v;
  int rc = slope_optim_set(o, h->name, vals, h->n);
  double got[2] = {NAN, NAN};
  if (rc == SLOPE_OK && readback) {
    slope_optim_get(o, h->name, got, 2);
    *readback = got[k];
  }
  slope_optim_free(o);
  return rc;
}

/* Every bound of value k of 'h': rejected just outside, accepted at or just inside. */
static void optim_bounds(slope_ctx *S, const char *kind, const slope_hyper *h, int k) {
  double lo = k ? h->lo2 : h->lo, hi = k ? h->hi2 : h->hi;
  int lo_open = k ? h->lo2_open : h->lo_open, hi_open = k ? h->hi2_open : h->hi_open;
  /* the other value of a pair at its lowest, so (min, max) rules hold */
  double other = k ? some_value(h->lo, h->lo_open, h->hi) : h->def[1];
  char what[64];
  if (h->n == 2) snprintf(what, sizeof what, "%s[%d]", h->name, k + 1);
  else snprintf(what, sizeof what, "%s", h->name);
  side sides[2] = {{lo, lo_open, -1}, {hi, hi_open, 1}};
  for (int j = 0; j < 2; j++) {
    if (isinf(sides[j].bound)) continue;
    double in = inside(sides[j]), got = NAN;
    CHECK_INT(try_set(S, kind, h, k, outside(sides[j]), other, NULL), SLOPE_ERRARG);
    if (!CHECK(range_error(S, what, sides[j].bound))) fprintf(stderr, "    %s.%s\n", kind, what);
    if (!h->is_int || in == floor(in)) {
      int rc = try_set(S, kind, h, k, in, other, &got);
      if (!CHECK(rc == SLOPE_OK && got == in))
        fprintf(stderr, "    %s.%s = %.17g refused: %s\n", kind, what, in, slope_error_get(S).message);
      slope_clear_error(S);
    }
  }
  if (h->is_int) {   /* a fraction inside the range */
    double v = some_value(lo, lo_open, hi) + 0.5;
    CHECK_INT(try_set(S, kind, h, k, v, other, NULL), SLOPE_ERRARG);
    CHECK(error_names(S, SLOPE_ERRARG, what, "integer"));
  }
}

static void optim_choice(slope_ctx *S, slope_optim *o, const char *kind, const slope_hyper *h) {
  const char *def = strcmp(h->def_choice, "none") == 0 ? "" : h->def_choice;
  CHECK_STR(slope_optim_get_string(o, h->name), def);
  double v = 0;
  CHECK_INT(slope_optim_get(o, h->name, &v, 1), -1);   /* not a number */
  CHECK_INT(slope_optim_set(o, h->name, &v, 1), SLOPE_ERRARG);
  CHECK(error_names(S, SLOPE_ERRARG, h->name, "string"));
  for (const char *const *c = h->choices; *c; c++) {
    CHECK_INT(slope_optim_set_string(o, h->name, *c), SLOPE_OK);
    CHECK_STR(slope_optim_get_string(o, h->name), strcmp(*c, "none") == 0 ? "" : *c);
    char typo[64], hint[80];
    misspell(typo, sizeof typo, *c);
    snprintf(hint, sizeof hint, "did you mean '%s'?", *c);
    CHECK_INT(slope_optim_set_string(o, h->name, typo), SLOPE_ERRARG);
    if (!CHECK(error_names(S, SLOPE_ERRARG, h->name, hint))) fprintf(stderr, "    %s.%s\n", kind, h->name);
    CHECK_STR(slope_optim_get_string(o, h->name), strcmp(*c, "none") == 0 ? "" : *c);   /* unchanged */
  }
}

/* What a step asks of its objective stays within the kind's needs flags. */
static void optim_needs(slope_ctx *S, const char *kind) {
  int needs = slope_optim_needs(kind);
  slope_optim *o = slope_optim_new(S, kind, 2);
  if (!CHECK(o != NULL)) return;
  /* a box for the kinds that sample inside one (de needs it); a step
  ** itself projects nothing, so it changes no other kind's step */
  double lo[2] = {-10, -10}, hi[2] = {10, 10};
  CHECK_INT(slope_optim_set_bounds(o, lo, hi), SLOPE_OK);
  probe p = {0};
  slope_objective with = {probe_fg, probe_hess, &p}, without = {probe_fg, NULL, &p};
  slope_rng rng;
  slope_rng_seed(&rng, 7);
  double x[2] = {3, -2}, g[2] = {4, -6}, f = 13;
  if (needs & SLOPE_NEEDS_GRAD) {
    CHECK_INT(slope_optim_step(o, x, f, NULL, NULL, &with, &rng), SLOPE_ERRARG);
    CHECK(error_names(S, SLOPE_ERRARG, kind, "gradient"));
  }
  if (needs & SLOPE_NEEDS_HESSIAN) {
    CHECK_INT(slope_optim_step(o, x, f, g, NULL, &without, &rng), SLOPE_ERRARG);
    CHECK(error_names(S, SLOPE_ERRARG, kind, "Hessian"));
  }
  CHECK(x[0] == 3 && x[1] == -2);   /* a refused step moves nothing */
  slope_optim_reset(o);
  const double *gi = needs & SLOPE_NEEDS_GRAD ? g : NULL;
  const slope_objective *obj = needs & SLOPE_NEEDS_HESSIAN ? &with : &without;
  for (int t = 0; t < 3; t++) {
    if (!CHECK(slope_optim_step(o, x, f, gi, NULL, obj, &rng) == SLOPE_OK)) {
      fprintf(stderr, "    %s: %s\n", kind, slope_error_get(S).message);
      slope_clear_error(S);
      break;
    }
    probe_fg(&(probe){0}, x, &f, g);
  }
  if (!(needs & SLOPE_NEEDS_GRAD)) CHECK_INT(p.grads, 0);
  if (!(needs & SLOPE_NEEDS_HESSIAN)) CHECK_INT(p.hessians, 0);
  CHECK(x[0] != 3 || x[1] != -2);   /* and a granted one moves */
  slope_optim_free(o);
}

static void test_optimizers(slope_ctx *S) {
  const char *const *kinds = slope_optim_kinds();
  int nkinds = 0;
  for (; kinds[nkinds]; nkinds++) {
    const char *kind = kinds[nkinds];
    const char *about = slope_optim_about(kind);
    CHECK(about && strlen(about) > 10);
    slope_optim *o = slope_optim_new(S, kind, 2);
    if (!CHECK(o != NULL)) continue;
    CHECK_STR(slope_optim_kind(o), kind);
    const char *const *names = slope_optim_hypers(o);
    const slope_hyper *h;
    int i = 0;
    for (; (h = slope_optim_hyper_at(kind, i)); i++) {
      CHECK_STR(names[i], h->name);   /* the instance lists them in the registry's order */
      if (!CHECK(h->about && h->about[0])) fprintf(stderr, "    %s.%s has no about\n", kind, h->name);
      if (h->choices) {
        optim_choice(S, o, kind, h);
        continue;
      }
      double v[2] = {NAN, NAN};
      CHECK_INT(slope_optim_get(o, h->name, v, 2), h->n);
      for (int k = 0; k < h->n; k++)
        if (!CHECK(v[k] == h->def[k])) fprintf(stderr, "    %s.%s default\n", kind, h->name);
      if (h->is_bool) {
        double two = 2, one = 1;
        CHECK_INT(slope_optim_set(o, h->name, &two, 1), SLOPE_ERRARG);
        CHECK(error_names(S, SLOPE_ERRARG, h->name, "0 or 1"));
        if (slope_optim_set(o, h->name, &one, 1) != SLOPE_OK) {   /* only a rule between values may refuse */
          slope_error e = slope_error_get(S);
          CHECK(e.message && !strstr(e.message, "0 or 1"));
          slope_clear_error(S);
        }
        continue;
      }
      for (int k = 0; k < h->n; k++) optim_bounds(S, kind, h, k);
    }
    CHECK(names[i] == NULL);
    CHECK(slope_optim_hyper_at(kind, -1) == NULL);
    slope_optim_free(o);
    optim_needs(S, kind);
  }
  CHECK(nkinds >= 14);
  CHECK(slope_optim_about("sgdm") == NULL && slope_optim_hyper_at("sgdm", 0) == NULL &&
        slope_optim_needs("sgdm") == 0);
  /* an unknown kind's message lists every registered one */
  CHECK(slope_optim_new(S, "sgdm", 2) == NULL);
  slope_error e = slope_error_get(S);
  for (int k = 0; k < nkinds; k++) CHECK(e.message && strstr(e.message, kinds[k]));
  slope_clear_error(S);
  /* a choice is asked of a number slot, and a number of no slot */
  slope_optim *o = slope_optim_new(S, kinds[0], 1);
  CHECK(slope_optim_get_string(o, "lr") == NULL);
  CHECK(error_names(S, SLOPE_ERRARG, "lr", "number"));
  CHECK(slope_optim_get_string(o, "no_such") == NULL);
  CHECK(error_names(S, SLOPE_ERRNAME, "no_such", NULL));
  slope_optim_free(o);
}

/* ---- schedules --------------------------------------------------------------------- */

/* Set argument 'h' of 's' to a value it accepts. */
static int set_valid(slope_schedule *s, const slope_hyper *h) {
  if (h->choices) return slope_schedule_set_string(s, h->name, h->choices[0]);
  double v[2] = {1, 2};   /* a list: increasing integers */
  if (!h->is_list) v[0] = some_value(h->lo, h->lo_open, h->hi);
  return slope_schedule_set(s, h->name, v, h->is_list ? 2 : 1);
}

/* Each required argument of 'kind' is required: with all the others set, the
** check names it; with all set, the schedule gives finite rates. */
static void schedule_required(slope_ctx *S, const char *kind) {
  const slope_hyper *h, *miss;
  for (int m = -1; m == -1 || slope_schedule_hyper_at(kind, m); m++) {
    miss = m >= 0 ? slope_schedule_hyper_at(kind, m) : NULL;
    if (miss && !miss->required) continue;
    slope_schedule *s = slope_schedule_new(S, kind);
    if (!CHECK(s != NULL)) return;
    for (int i = 0; (h = slope_schedule_hyper_at(kind, i)); i++)
      if (h->required && h != miss) CHECK_INT(set_valid(s, h), SLOPE_OK);
    if (miss) {
      CHECK_INT(slope_schedule_check(s), SLOPE_ERRARG);
      if (!CHECK(error_names(S, SLOPE_ERRARG, "missing required argument", miss->name)))
        fprintf(stderr, "    %s.%s\n", kind, miss->name);
    } else {
      CHECK_INT(slope_schedule_check(s), SLOPE_OK);
      for (long t = 0; t < 5; t++) CHECK(isfinite(slope_schedule_lr(s, t, 0.1)));
    }
    slope_schedule_free(s);
  }
}

static int sched_try(slope_ctx *S, const char *kind, const char *name, double v) {
  slope_schedule *s = slope_schedule_new(S, kind);
  int rc = s ? slope_schedule_set(s, name, &v, 1) : -1;
  slope_schedule_free(s);
  return rc;
}

static void schedule_arg(slope_ctx *S, const char *kind, const slope_hyper *h) {
  slope_schedule *s = slope_schedule_new(S, kind);
  if (!s) return;
  if (h->choices) {
    double zero = 0;
    CHECK_INT(slope_schedule_set(s, h->name, &zero, 1), SLOPE_ERRARG);
    CHECK(error_names(S, SLOPE_ERRARG, h->name, "string"));
    int def_found = h->def_choice == NULL;   /* NULL: other arguments decide it */
    for (const char *const *c = h->choices; *c; c++) def_found |= h->def_choice && strcmp(*c, h->def_choice) == 0;
    CHECK(def_found);
    for (const char *const *c = h->choices; *c; c++) {
      CHECK_INT(slope_schedule_set_string(s, h->name, *c), SLOPE_OK);
      char typo[64], hint[80];
      misspell(typo, sizeof typo, *c);
      snprintf(hint, sizeof hint, "did you mean '%s'?", *c);
      CHECK_INT(slope_schedule_set_string(s, h->name, typo), SLOPE_ERRARG);
      if (!CHECK(error_names(S, SLOPE_ERRARG, h->name, hint))) fprintf(stderr, "    %s.%s\n", kind, h->name);
    }
  } else if (h->is_list) {
    double down[2] = {5, 3};
    CHECK_INT(slope_schedule_set(s, h->name, down, 2), SLOPE_ERRARG);
    CHECK(error_names(S, SLOPE_ERRARG, h->name, "increasing"));
  } else if (h->is_bool) {
    CHECK_INT(sched_try(S, kind, h->name, 2), SLOPE_ERRARG);
    CHECK(error_names(S, SLOPE_ERRARG, h->name, "1 or 0"));
    CHECK_INT(sched_try(S, kind, h->name, 1), SLOPE_OK);
  } else {
    CHECK(h->required ? isnan(h->def[0]) : isnan(h->def[0]) || (h->def[0] >= h->lo && h->def[0] <= h->hi));
    side sides[2] = {{h->lo, h->lo_open, -1}, {h->hi, h->hi_open, 1}};
    for (int j = 0; j < 2; j++) {
      if (isinf(sides[j].bound)) continue;
      CHECK_INT(sched_try(S, kind, h->name, outside(sides[j])), SLOPE_ERRARG);
      if (!CHECK(range_error(S, h->name, sides[j].bound))) fprintf(stderr, "    %s.%s\n", kind, h->name);
      double in = inside(sides[j]);
      if (!h->is_int || in == floor(in)) {
        if (!CHECK(sched_try(S, kind, h->name, in) == SLOPE_OK))
          fprintf(stderr, "    %s.%s = %.17g: %s\n", kind, h->name, in, slope_error_get(S).message);
        slope_clear_error(S);
      }
    }
    if (h->is_int) {
      CHECK_INT(sched_try(S, kind, h->name, some_value(h->lo, h->lo_open, h->hi) + 0.5), SLOPE_ERRARG);
      CHECK(error_names(S, SLOPE_ERRARG, h->name, "integer"));
    }
  }
  slope_schedule_free(s);
}

static void test_schedules(slope_ctx *S) {
  const char *const *kinds = slope_schedule_kinds();
  int nkinds = 0, nrequired = 0;
  for (; kinds[nkinds]; nkinds++) {
    const char *kind = kinds[nkinds];
    const char *about = slope_schedule_about(kind);
    CHECK(about && strlen(about) > 10);
    slope_schedule *s = slope_schedule_new(S, kind);
    if (!CHECK(s != NULL)) continue;
    slope_schedule_free(s);
    const slope_hyper *h;
    for (int i = 0; (h = slope_schedule_hyper_at(kind, i)); i++) {
      nrequired += h->required;
      if (!CHECK(h->about && h->about[0])) fprintf(stderr, "    %s.%s has no about\n", kind, h->name);
      schedule_arg(S, kind, h);
    }
    CHECK(slope_schedule_hyper_at(kind, -1) == NULL);
    schedule_required(S, kind);
  }
  CHECK(nkinds >= 12);
  CHECK(nrequired >= 9);
  CHECK(slope_schedule_about("cosine_annealing") == NULL && slope_schedule_hyper_at("nope", 0) == NULL);
  CHECK(slope_schedule_new(S, "cosin") == NULL);
  slope_error e = slope_error_get(S);
  for (int k = 0; k < nkinds; k++) CHECK(e.message && strstr(e.message, kinds[k]));
  slope_clear_error(S);
}

int main(void) {
  slope_ctx *S = slope_new();
  if (!S) return 1;
  test_optimizers(S);
  test_schedules(S);
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);
  slope_free(S);
  return check_done();
}
