/*
** optim_de.c -- differential evolution, as SciPy 1.10's
** scipy.optimize.differential_evolution with its defaults.
**
** The solver of _differentialevolution.py, strategy 'best1bin' and
** updating='immediate': the population (max(5, popsize*n) members) lives
** in the unit cube and is scaled into the box when evaluated; it starts as
** a Latin hypercube (one uniform draw per stratum and parameter, the
** strata shuffled per parameter), and its best member is kept at index 0.
** Each generation draws the mutation factor F uniformly in [min, max) of
** 'mutation' (dithering; give {F, F} for a constant F), then for each
** member c in turn: a fill point, two distinct other members r0 and r1,
** the mutant best + F*(r0 - r1), binomial crossover with 'recombination'
** (the fill point always from the mutant), entries outside [0, 1] redrawn
** uniformly, one evaluation, and the trial replaces c when its f is <= c's,
** and becomes the best at once when it is <= the best's.  After the
** generation, the run is converged (o->done) when
** std(f of the population) <= atol + tol*|mean(f of the population)|.
**
** Differences from SciPy, by design: the random numbers come from the
** run's generator (so SciPy's trajectories are not reproduced, the
** algorithm is); the start point is not used (SciPy's x0=None: the first
** population is the Latin hypercube alone); no polishing with L-BFGS-B at
** the end (SciPy's polish=True; run lbfgs from the result for that); an
** f that is NaN counts as +inf; 'lr' multiplies F (per parameter with
** per-parameter rates; 1 by default), so a schedule can anneal the mutation.
**
** One step is one generation.  The first also evaluates the initial
** population, so it makes 2*npop evaluations (SciPy's nfev after one
** iteration), the others npop.  x becomes the best member, the point
** SciPy's callback receives.  DE needs a finite box in every coordinate.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

enum { LR, POPSIZE, MUTATION, RECOMBINATION = MUTATION + 2, TOL, ATOL, MAXIMIZE };

static const sx_hyper de_hypers[] = {
  SX_HYPER(LR, .name = "lr", .n = 1, .def = {1}, .lo = 0, .hi = HUGE_VAL,
           .about = "multiplies the mutation factor (1: SciPy's differential evolution)"),
  SX_HYPER(POPSIZE, .name = "popsize", .n = 1, .def = {15}, .lo = 1, .hi = 1e6, .is_int = 1,
           .about = "the population holds max(5, popsize*n) members"),
  SX_HYPER(MUTATION, .name = "mutation", .n = 2, .def = {0.5, 1}, .lo = 0, .hi = 2, .hi_open = 1,
           .lo2 = 0, .hi2 = 2, .hi2_open = 1,
           .about = "the mutation factor F, drawn in [min, max) every generation ({F, F}: constant)"),
  SX_HYPER(RECOMBINATION, .name = "recombination", .n = 1, .def = {0.7}, .lo = 0, .hi = 1,
           .about = "crossover probability per parameter"),
  SX_HYPER(TOL, .name = "tol", .n = 1, .def = {0.01}, .lo = 0, .hi = HUGE_VAL,
           .about = "converged when std(f) <= atol + tol*abs(mean(f)) over the population"),
  SX_HYPER(ATOL, .name = "atol", .n = 1, .def = {0}, .lo = 0, .hi = HUGE_VAL,
           .about = "absolute part of the convergence rule"),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER_END
};

/* The population: 'v' is saved whole (a flag, then npop*n members, then
** their energies); 'trial', 'param' are scratch. */
typedef struct de_state {
  int n, npop;
  size_t nsave;
  double *v, *pop, *energy, *trial, *param;
} de_state;

static size_t de_nsave(int n, int npop) { return 1 + (size_t)npop * ((size_t)n + 1); }

static int de_npop(const slope_optim *o) {
  double m = o->h[POPSIZE] * o->n;
  return m < 5 ? 5 : m > 1e7 ? (int)1e7 : (int)m;
}

static void de_reset(slope_optim *o) {
  free(o->extra);
  o->extra = NULL;
}

static de_state *de_alloc(int n, int npop) {
  size_t nsave = de_nsave(n, npop);
  de_state *D = calloc(1, sizeof *D + (nsave + 2 * (size_t)n) * sizeof(double));
  if (!D) return NULL;
  D->n = n; D->npop = npop; D->nsave = nsave;
  D->v = (double *)(D + 1);
  D->pop = D->v + 1;
  D->energy = D->pop + (size_t)npop * n;
  D->trial = D->energy + npop;
  D->param = D->trial + n;
  return D;
}

static de_state *de_get(slope_optim *o) {
  de_state *D = o->extra;
  int npop = de_npop(o);
  if (D && D->n == o->n && D->npop == npop) return D;
  de_reset(o);
  return o->extra = de_alloc(o->n, npop);
}

/* SciPy's _scale_parameters: from the unit cube into the box. */
static void de_scale(const slope_optim *o, const double *u, double *x) {
  for (int i = 0; i < o->n; i++) {
    double mid = 0.5 * (o->lo[i] + o->hi[i]), width = fabs(o->lo[i] - o->hi[i]);
    x[i] = mid + (u[i] - 0.5) * width;
  }
}

/* f at unit-cube point u, as minimized (times sign; NaN as +inf). */
static int de_energy(slope_optim *o, de_state *D, const double *u, const slope_objective *obj,
                     double sign, double *e) {
  double f;
  de_scale(o, u, D->param);
  int rc = obj->fg(obj->ud, D->param, &f, NULL);
  o->evals++;
  *e = isnan(f) ? INFINITY : sign * f;
  return rc;
}

/* _promote_lowest_energy: swap the first lowest energy into slot 0. */
static void de_promote(de_state *D) {
  int n = D->n, l = 0;
  for (int k = 1; k < D->npop; k++)
    if (D->energy[k] < D->energy[l]) l = k;
  if (l == 0) return;
  double e = D->energy[0];
  D->energy[0] = D->energy[l];
  D->energy[l] = e;
  for (int i = 0; i < n; i++) {
    double t = D->pop[i];
    D->pop[i] = D->pop[(size_t)l * n + i];
    D->pop[(size_t)l * n + i] = t;
  }
}

/* init_population_lhs, then the energies of the whole population. */
static int de_init(slope_optim *o, de_state *D, const slope_objective *obj, double sign, slope_rng *rng) {
  int n = D->n, npop = D->npop;
  double seg = 1.0 / npop;
  for (int k = 0; k < npop; k++)
    for (int i = 0; i < n; i++) D->pop[(size_t)k * n + i] = seg * slope_rng_uniform(rng) + k * seg;
  /* a random permutation of the strata per parameter (Fisher-Yates) */
  for (int i = 0; i < n; i++)
    for (int k = npop - 1; k > 0; k--) {
      int j = (int)slope_rng_below(rng, (uint64_t)k + 1);
      double t = D->pop[(size_t)k * n + i];
      D->pop[(size_t)k * n + i] = D->pop[(size_t)j * n + i];
      D->pop[(size_t)j * n + i] = t;
    }
  for (int k = 0; k < npop; k++) {
    int rc = de_energy(o, D, D->pop + (size_t)k * n, obj, sign, &D->energy[k]);
    if (rc != SLOPE_OK) return rc;
  }
  de_promote(D);
  D->v[0] = 1;
  return SLOPE_OK;
}

/* _mutate for member c with best1bin, then _ensure_constraint. */
static void de_trial(const slope_optim *o, de_state *D, int c, double F, const double *lr, slope_rng *rng) {
  int n = D->n, m = D->npop - 1;
  int fill = (int)slope_rng_below(rng, (uint64_t)n);
  /* two steps of a shuffle of the other members: position p holds p, or
  ** p + 1 from c on; r0 is swapped to the front, r1 drawn from the rest */
  int i0 = (int)slope_rng_below(rng, (uint64_t)m), i1 = 1 + (int)slope_rng_below(rng, (uint64_t)m - 1);
  int r0 = i0 < c ? i0 : i0 + 1, p1 = i1 == i0 ? 0 : i1, r1 = p1 < c ? p1 : p1 + 1;
  const double *best = D->pop, *a = D->pop + (size_t)r0 * n, *b = D->pop + (size_t)r1 * n;
  double *trial = D->trial;
  memcpy(trial, D->pop + (size_t)c * n, (size_t)n * sizeof *trial);
  double cr = o->h[RECOMBINATION];
  for (int i = 0; i < n; i++)
    if (slope_rng_uniform(rng) < cr || i == fill) trial[i] = best[i] + F * sx_lr(o, lr, i) * (a[i] - b[i]);
  for (int i = 0; i < n; i++)
    if (trial[i] > 1 || trial[i] < 0) trial[i] = slope_rng_uniform(rng);
}

/* SciPy's converged(): np.std(energies) <= atol + tol*|np.mean(energies)|. */
static int de_converged(const slope_optim *o, const de_state *D) {
  double mean = 0, var = 0;
  for (int k = 0; k < D->npop; k++) mean += D->energy[k];
  mean /= D->npop;
  for (int k = 0; k < D->npop; k++) var += (D->energy[k] - mean) * (D->energy[k] - mean);
  return sqrt(var / D->npop) <= o->h[ATOL] + o->h[TOL] * fabs(mean);
}

static int de_step(slope_optim *o, double *x, double f, const double *g,
                   const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f; (void)g;
  if (!rng) return sx_error(o->S, SLOPE_ERRARG, "de needs a random generator (rng is NULL)");
  if (!obj || !obj->fg) return sx_error(o->S, SLOPE_ERRARG, "de needs the objective to evaluate candidates");
  for (int i = 0; i < o->n; i++)
    if (!o->lo || !isfinite(o->lo[i]) || !isfinite(o->hi[i]))
      return sx_error(o->S, SLOPE_ERRARG, "de: parameter %d (counting from 0) has no finite bounds; "
                      "differential evolution samples inside a box: give every parameter one, "
                      "e.g. bounds = { x = { lo, hi } }", i);
  de_state *D = de_get(o);
  if (!D) return sx_error(o->S, SLOPE_ERRMEM, "de: out of memory for a population of %d", de_npop(o));
  int n = o->n, rc;
  double sign = o->h[MAXIMIZE] != 0 ? -1.0 : 1.0;
  if (!D->v[0] && (rc = de_init(o, D, obj, sign, rng)) != SLOPE_OK) return rc;
  double lo = fmin(o->h[MUTATION], o->h[MUTATION + 1]), hi = fmax(o->h[MUTATION], o->h[MUTATION + 1]);
  double F = lo + (hi - lo) * slope_rng_uniform(rng);   /* rng.uniform(*dither) */
  for (int c = 0; c < D->npop; c++) {
    double e;
    de_trial(o, D, c, F, lr, rng);
    if ((rc = de_energy(o, D, D->trial, obj, sign, &e)) != SLOPE_OK) return rc;
    if (e <= D->energy[c]) {
      memcpy(D->pop + (size_t)c * n, D->trial, (size_t)n * sizeof *D->trial);
      D->energy[c] = e;
      if (e <= D->energy[0]) de_promote(D);
    }
  }
  if (de_converged(o, D)) o->done = "de: the population's f-values agree (std <= atol + tol*|mean|)";
  de_scale(o, D->pop, x);
  return SLOPE_OK;
}

/* ---- checkpoints ------------------------------------------------------------ */

static size_t de_save(const slope_optim *o, double *out) {
  const de_state *D = o->extra;
  if (!out) return de_nsave(o->n, de_npop(o));
  if (!D || D->n != o->n || D->npop != de_npop(o)) return 0;   /* the next step starts afresh */
  memcpy(out, D->v, D->nsave * sizeof *out);
  return D->nsave;
}

static int de_load(slope_optim *o, const double *in, size_t count) {
  int n = o->n, npop = de_npop(o);
  if (count == 0) {
    de_reset(o);
    return SLOPE_OK;
  }
  if (count != de_nsave(n, npop))
    return sx_error(o->S, SLOPE_ERRDATA, "de: the saved population holds %zu numbers; %zu expected "
                    "for %d parameters and %d members", count, de_nsave(n, npop), n, npop);
  if (!(in[0] == 0 || in[0] == 1))
    return sx_error(o->S, SLOPE_ERRDATA, "de: the saved population is inconsistent (flag %g)", in[0]);
  de_state *D = de_alloc(n, npop);
  if (!D) return sx_error(o->S, SLOPE_ERRMEM, "out of memory for the de population");
  memcpy(D->v, in, count * sizeof *in);
  de_reset(o);
  o->extra = D;
  return SLOPE_OK;
}

const sx_optim_class sx_optim_de = {
  .name = "de", .needs = 0,   /* values only */
  .about = "differential evolution (SciPy's defaults: best1bin, population 15n, dithered mutation, "
           "Latin hypercube start); needs bounds",
  .hypers = de_hypers, .step = de_step, .reset = de_reset,
  .save_extra = de_save, .load_extra = de_load,
};
