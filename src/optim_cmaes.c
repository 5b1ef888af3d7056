/*
** optim_cmaes.c -- CMA-ES, the (mu/mu_w, lambda) covariance matrix
** adaptation evolution strategy, with optional IPOP restarts.
**
** The update is Hansen's tutorial ("The CMA Evolution Strategy: A
** Tutorial", 2016, Table 1 and Fig. 6) with its default parameters:
** lambda = 4 + floor(3 ln n), mu = floor(lambda/2), log-weights
** ln((lambda+1)/2) - ln i on the mu best (no negative weights: this is
** the classic rank-mu update, not active CMA), c_sigma, d_sigma, c_c, c_1,
** c_mu as in the table, cumulative step-size adaptation with the h_sigma
** stall rule, rank-one and rank-mu covariance updates.  The "learning rate
** for the mean" c_m of the tutorial is 'lr' (default 1, and per parameter
** with per-parameter rates).  The eigendecomposition of C (eigen.c) is
** refreshed lazily, every lambda/(c_1+c_mu)/n/10 evaluations, as in the
** tutorial's reference code.
**
** One step is one generation: lambda points sampled around the mean,
** evaluated through 'obj' (o->evals = lambda), ranked, and the
** distribution updated.  x becomes the best point seen so far (the start
** included), the trace of a run is monotone.  The random draws, in order:
** n normals per candidate (again for each resample, below).
**
** Termination, as in Hansen's reference code (tutorial, appendix B.3):
** tolfun (the f-values of this generation and the best of the last
** 10 + ceil(30n/lambda) generations lie within tolfun), tolx (sigma*p_c
** and sigma*sqrt(C_ii) below tolx in every coordinate), noeffectaxis,
** noeffectcoord, conditioncov (cond(C) > 1e14) and stagnation (the median
** of the best and of the median f-values over the last 30% of a window of
** max(120 + 30n/lambda, 20% of the generations) generations, capped at
** 200 + 30n, is no better than over its first 30%).  When one holds and
** restarts remain, the strategy restarts from the start point with
** lambda multiplied by 'incpopsize' (IPOP-CMA-ES, Auger & Hansen 2005);
** otherwise o->done says which rule held.
**
** Bounds: a candidate outside o->lo..o->hi is resampled (up to 10 times),
** then clipped into the box; the update uses the point actually evaluated
** (y = (x - m)/sigma), so the mean, a convex combination of evaluated
** points when lr is 1, stays inside.  sigma0 = 0 (the default) means 0.3
** times the narrowest finite width of the box, or 0.5 without one.
**
** Everything that outlives a step lives in one block of doubles in
** 'o->extra' that save_extra/load_extra copy whole, so checkpoints resume
** bit for bit.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eigen.h"
#include "optim.h"

enum { LR, SIGMA0, POPSIZE, RESTARTS, INCPOPSIZE, TOLFUN, TOLX, MAXIMIZE };

static const sx_hyper cmaes_hypers[] = {
  SX_HYPER(LR, .name = "lr", .n = 1, .def = {1}, .lo = 0, .hi = HUGE_VAL,
           .about = "learning rate of the mean (the tutorial's c_m)"),
  SX_HYPER(SIGMA0, .name = "sigma0", .n = 1, .def = {0}, .lo = 0, .hi = HUGE_VAL,
           .about = "initial step size (0: 0.3 times the narrowest box width, or 0.5 without bounds)"),
  SX_HYPER(POPSIZE, .name = "popsize", .n = 1, .def = {0}, .lo = 0, .hi = 1e6, .is_int = 1,
           .about = "lambda, candidates per generation (0: 4 + floor(3 ln n))"),
  SX_HYPER(RESTARTS, .name = "restarts", .n = 1, .def = {0}, .lo = 0, .hi = 100, .is_int = 1,
           .about = "IPOP restarts with a larger population after a stopping rule holds"),
  SX_HYPER(INCPOPSIZE, .name = "incpopsize", .n = 1, .def = {2}, .lo = 1, .hi = 100,
           .about = "the population grows by this factor at each restart"),
  SX_HYPER(TOLFUN, .name = "tolfun", .n = 1, .def = {1e-11}, .lo = 0, .hi = HUGE_VAL,
           .about = "stop when recent f-values differ by less than this"),
  SX_HYPER(TOLX, .name = "tolx", .n = 1, .def = {1e-11}, .lo = 0, .hi = HUGE_VAL,
           .about = "stop when the step size in every coordinate is below this"),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER_END
};

#define MAX_LAMBDA 1000000   /* IPOP's growth stops here */
#define RESAMPLES 10         /* draws of a candidate before it is clipped */

/* The scalars at the head of the saved block. */
enum { INIT, SIGMA, GEN, EVALS, EIGEN_AT, RESTART, LAMBDA, FBEST, HLEN, HHEAD, SCALARS };

typedef struct cm_state {
  int n, cap;         /* parameters, length of the history rings */
  size_t nsave;       /* doubles in 'v' */
  double *v;          /* the saved block: scalars, then the arrays below */
  double *mean, *x0, *xbest, *ps, *pc, *D, *C, *B, *hbest, *hmed;
  /* scratch, sized for 'lam' candidates */
  int lam;
  double *y, *x, *w, *tmp, *tmp2, *Cw, *hist;
  struct cm_rank { double f; int i; } *rank;
} cm_state;

static size_t cm_nsave(int n, int cap) {
  return SCALARS + 6 * (size_t)n + 2 * (size_t)n * (size_t)n + 2 * (size_t)cap;
}

static int cm_cap(int n) { return 200 + 30 * n; }

static void cm_free(cm_state *M) {
  if (!M) return;
  free(M->y);
  free(M->rank);
  free(M);
}

static void cmaes_reset(slope_optim *o) {
  cm_free(o->extra);
  o->extra = NULL;
}

/* A zeroed state for n parameters (one block; scratch comes with lambda). */
static cm_state *cm_alloc(int n) {
  int cap = cm_cap(n);
  size_t nsave = cm_nsave(n, cap);
  cm_state *M = calloc(1, sizeof *M + nsave * sizeof(double));
  if (!M) return NULL;
  double *p = (double *)(M + 1);
  M->n = n; M->cap = cap; M->nsave = nsave; M->v = p;
  p += SCALARS;
  M->mean = p; p += n;
  M->x0 = p; p += n;
  M->xbest = p; p += n;
  M->ps = p; p += n;
  M->pc = p; p += n;
  M->D = p; p += n;
  M->C = p; p += (size_t)n * (size_t)n;
  M->B = p; p += (size_t)n * (size_t)n;
  M->hbest = p; p += cap;
  M->hmed = p;
  return M;
}

/* Scratch for 'lam' candidates: y and x (lam*n), weights, two n-vectors,
** a copy of C for the eigensolver and the history scratch. */
static int cm_scratch(cm_state *M, int lam) {
  if (M->lam == lam) return 1;
  free(M->y);
  free(M->rank);
  size_t n = (size_t)M->n, L = (size_t)lam;
  M->y = malloc((2 * L * n + L + 2 * n + n * n + (size_t)M->cap) * sizeof(double));
  M->rank = malloc(L * sizeof *M->rank);
  if (!M->y || !M->rank) {
    free(M->y);
    free(M->rank);
    M->y = NULL;
    M->rank = NULL;
    M->lam = 0;
    return 0;
  }
  M->x = M->y + L * n;
  M->w = M->x + L * n;
  M->tmp = M->w + L;
  M->tmp2 = M->tmp + n;
  M->Cw = M->tmp2 + n;
  M->hist = M->Cw + n * n;
  M->lam = lam;
  return 1;
}

/* ---- the strategy's constants (Table 1) ----------------------------------- */

typedef struct cm_params {
  int lam, mu;
  double mueff, cs, ds, cc, c1, cmu, chin;
} cm_params;

/* Table 1 of the tutorial for n and lambda; the weights into 'w'. */
static cm_params cm_constants(int n, int lam, double *w) {
  cm_params P;
  P.lam = lam;
  P.mu = lam / 2;
  double sum = 0, sum2 = 0, dn = n;
  for (int i = 0; i < P.mu; i++) {
    w[i] = log((lam + 1) / 2.0) - log(i + 1.0);
    sum += w[i];
  }
  for (int i = 0; i < P.mu; i++) {
    w[i] /= sum;
    sum2 += w[i] * w[i];
  }
  P.mueff = 1.0 / sum2;
  P.cs = (P.mueff + 2) / (dn + P.mueff + 5);
  P.ds = 1 + 2 * fmax(0.0, sqrt((P.mueff - 1) / (dn + 1)) - 1) + P.cs;
  P.cc = (4 + P.mueff / dn) / (dn + 4 + 2 * P.mueff / dn);
  P.c1 = 2 / ((dn + 1.3) * (dn + 1.3) + P.mueff);
  P.cmu = fmin(1 - P.c1, 2 * (P.mueff - 2 + 1 / P.mueff) / ((dn + 2) * (dn + 2) + P.mueff));
  P.chin = sqrt(dn) * (1 - 1 / (4 * dn) + 1 / (21 * dn * dn));
  return P;
}

/* ---- starting and restarting ------------------------------------------------ */

static double cm_sigma0(const slope_optim *o) {
  if (o->h[SIGMA0] > 0) return o->h[SIGMA0];
  double width = INFINITY;
  for (int i = 0; o->lo && i < o->n; i++) width = fmin(width, o->hi[i] - o->lo[i]);
  return isfinite(width) && width > 0 ? 0.3 * width : 0.5;
}

/* lambda for restart r: the default or popsize, times incpopsize^r. */
static int cm_lambda(const slope_optim *o, int r) {
  double lam = o->h[POPSIZE] > 0 ? o->h[POPSIZE] : 4 + floor(3 * log((double)o->n));
  lam = floor(lam * pow(o->h[INCPOPSIZE], r));
  return lam < MAX_LAMBDA ? (int)lam : MAX_LAMBDA;
}

/* A fresh distribution at x0: sigma0, C = I, no evolution paths. */
static void cm_start(slope_optim *o, cm_state *M) {
  int n = M->n;
  double *v = M->v;
  memcpy(M->mean, M->x0, (size_t)n * sizeof *M->mean);
  memset(M->ps, 0, (size_t)n * sizeof *M->ps);
  memset(M->pc, 0, (size_t)n * sizeof *M->pc);
  memset(M->C, 0, (size_t)n * (size_t)n * sizeof *M->C);
  memset(M->B, 0, (size_t)n * (size_t)n * sizeof *M->B);
  for (int i = 0; i < n; i++) {
    M->C[i * n + i] = M->B[i * n + i] = 1;
    M->D[i] = 1;
  }
  v[SIGMA] = cm_sigma0(o);
  v[GEN] = v[EVALS] = v[EIGEN_AT] = v[HLEN] = v[HHEAD] = 0;
  v[LAMBDA] = cm_lambda(o, (int)v[RESTART]);
}

/* The first step: the start point is the first best, and x0 of restarts. */
static void cm_first(slope_optim *o, cm_state *M, const double *x, double f) {
  int n = M->n;
  for (int i = 0; i < n; i++) {
    double xi = x[i];
    if (o->lo) xi = fmin(fmax(xi, o->lo[i]), o->hi[i]);
    M->x0[i] = xi;
  }
  memcpy(M->xbest, x, (size_t)n * sizeof *x);
  M->v[FBEST] = isnan(f) ? INFINITY : f;
  M->v[RESTART] = 0;
  M->v[INIT] = 1;
  cm_start(o, M);
}

/* ---- one generation ---------------------------------------------------------- */

static int inside(const slope_optim *o, const double *x) {
  for (int i = 0; o->lo && i < o->n; i++)
    if (!(x[i] >= o->lo[i] && x[i] <= o->hi[i])) return 0;
  return 1;
}

/* Candidate k: y = B D z, x = m + sigma y, resampled and then clipped into the box. */
static void cm_sample(const slope_optim *o, cm_state *M, int k, slope_rng *rng) {
  int n = M->n;
  double sigma = M->v[SIGMA], *y = M->y + (size_t)k * n, *x = M->x + (size_t)k * n, *z = M->tmp;
  for (int tries = 0; tries < RESAMPLES; tries++) {
    for (int i = 0; i < n; i++) z[i] = M->D[i] * slope_rng_normal(rng);
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int j = 0; j < n; j++) s += M->B[i * n + j] * z[j];
      y[i] = s;
      x[i] = M->mean[i] + sigma * s;
    }
    if (inside(o, x)) return;
  }
  for (int i = 0; i < n; i++) {
    x[i] = fmin(fmax(x[i], o->lo[i]), o->hi[i]);
    y[i] = (x[i] - M->mean[i]) / sigma;
  }
}

/* Ascending f, NaN last, ties by index: a total order, so the ranking is
** the same everywhere. */
static int by_f(const void *a, const void *b) {
  const struct cm_rank *p = a, *q = b;
  int pn = isnan(p->f), qn = isnan(q->f);
  if (pn != qn) return pn - qn;
  if (!pn && p->f != q->f) return p->f < q->f ? -1 : 1;
  return (p->i > q->i) - (p->i < q->i);
}

/* Mean, evolution paths, C and sigma from the ranked generation. */
static void cm_update(slope_optim *o, cm_state *M, const cm_params *P, const double *lr) {
  int n = M->n;
  double *v = M->v, sigma = v[SIGMA], *ymean = M->tmp, *cy = M->tmp2;
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int k = 0; k < P->mu; k++) s += M->w[k] * M->y[(size_t)M->rank[k].i * n + i];
    ymean[i] = s;
    M->mean[i] += sx_lr(o, lr, i) * sigma * s;
  }
  /* C^(-1/2) ymean = B D^-1 B^T ymean */
  for (int j = 0; j < n; j++) {
    double s = 0;
    for (int i = 0; i < n; i++) s += M->B[i * n + j] * ymean[i];
    M->Cw[j] = s / M->D[j];
  }
  double psn = 0, a = sqrt(P->cs * (2 - P->cs) * P->mueff);
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < n; j++) s += M->B[i * n + j] * M->Cw[j];
    cy[i] = s;
    M->ps[i] = (1 - P->cs) * M->ps[i] + a * s;
    psn += M->ps[i] * M->ps[i];
  }
  psn = sqrt(psn);
  double gen = v[GEN] + 1;
  int hsig = psn / sqrt(1 - pow(1 - P->cs, 2 * gen)) < (1.4 + 2 / (n + 1.0)) * P->chin;
  double b = hsig ? sqrt(P->cc * (2 - P->cc) * P->mueff) : 0;
  for (int i = 0; i < n; i++) M->pc[i] = (1 - P->cc) * M->pc[i] + b * ymean[i];
  double dh = (1 - hsig) * P->cc * (2 - P->cc);
  double keep = 1 + P->c1 * dh - P->c1 - P->cmu;   /* the weights sum to 1 */
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++) {
      double r = 0;
      for (int k = 0; k < P->mu; k++) {
        const double *yk = M->y + (size_t)M->rank[k].i * n;
        r += M->w[k] * yk[i] * yk[j];
      }
      double c = keep * M->C[i * n + j] + P->c1 * M->pc[i] * M->pc[j] + P->cmu * r;
      M->C[i * n + j] = M->C[j * n + i] = c;
    }
  v[SIGMA] = sigma * exp(P->cs / P->ds * (psn / P->chin - 1));
  v[GEN] = gen;
}

/* B and D from C, when it is due (lazily, as in the tutorial's code). */
static void cm_eigen(cm_state *M, const cm_params *P) {
  int n = M->n;
  if (M->v[EVALS] - M->v[EIGEN_AT] <= P->lam / (P->c1 + P->cmu) / n / 10) return;
  M->v[EIGEN_AT] = M->v[EVALS];
  memcpy(M->Cw, M->C, (size_t)n * (size_t)n * sizeof *M->C);
  double *d = M->tmp;
  sx_eigen_sym(n, M->Cw, M->B, d);
  for (int i = 0; i < n; i++) M->D[i] = sqrt(fmax(d[i], 1e-300));
}

/* ---- stopping rules -------------------------------------------------------------- */

/* Entry j back (0: the newest) of a history ring. */
static double ring_at(const cm_state *M, const double *ring, int j) {
  return ring[((int)M->v[HHEAD] - 1 - j + 2 * M->cap) % M->cap];
}

static void ring_push(cm_state *M, double best, double med) {
  int head = (int)M->v[HHEAD];
  M->hbest[head] = best;
  M->hmed[head] = med;
  M->v[HHEAD] = (head + 1) % M->cap;
  if (M->v[HLEN] < M->cap) M->v[HLEN]++;
}

static int by_value(const void *a, const void *b) {
  double p = *(const double *)a, q = *(const double *)b;
  return (p > q) - (p < q);
}

/* The median of entries from..from+k-1 back in a ring (NaN sorts unordered
** but the values here are finite or inf). */
static double ring_median(cm_state *M, const double *ring, int from, int k) {
  for (int j = 0; j < k; j++) M->hist[j] = ring_at(M, ring, from + j);
  qsort(M->hist, (size_t)k, sizeof *M->hist, by_value);
  return 0.5 * (M->hist[(k - 1) / 2] + M->hist[k / 2]);
}

static int cm_stagnated(cm_state *M, const cm_params *P) {
  int n = M->n;
  double want = fmax(120 + 30.0 * n / P->lam, 0.2 * M->v[GEN]);
  int W = want < M->cap ? (int)ceil(want) : M->cap, k = (int)(0.3 * W);
  if (M->v[HLEN] < W || k < 1) return 0;
  /* newest 30% (from 0 back) against oldest 30% of the window */
  return ring_median(M, M->hbest, 0, k) >= ring_median(M, M->hbest, W - k, k) &&
         ring_median(M, M->hmed, 0, k) >= ring_median(M, M->hmed, W - k, k);
}

/* Which rule of appendix B.3 holds after this generation, or NULL. */
static const char *cm_stop(const slope_optim *o, cm_state *M, const cm_params *P) {
  int n = M->n;
  double sigma = M->v[SIGMA];
  double lo = M->rank[0].f, hi = M->rank[P->lam - 1].f;
  int len = 10 + (int)ceil(30.0 * n / P->lam);
  if (len > M->v[HLEN]) len = (int)M->v[HLEN];
  for (int j = 0; j < len; j++) {
    double b = ring_at(M, M->hbest, j);
    lo = fmin(lo, b);
    hi = fmax(hi, b);
  }
  if (hi - lo < o->h[TOLFUN]) return "cmaes: tolfun (recent f-values differ by less than tolfun)";
  int small = 1;
  for (int i = 0; i < n && small; i++)
    small = sigma * fabs(M->pc[i]) < o->h[TOLX] && sigma * sqrt(M->C[i * n + i]) < o->h[TOLX];
  if (small) return "cmaes: tolx (the step size is below tolx in every coordinate)";
  double dmax = 0, dmin = INFINITY;
  for (int i = 0; i < n; i++) {
    dmax = fmax(dmax, M->D[i]);
    dmin = fmin(dmin, M->D[i]);
  }
  if (!(dmax * dmax <= 1e14 * dmin * dmin)) return "cmaes: conditioncov (the condition number of C exceeds 1e14)";
  int axis = (int)fmod(M->v[GEN], n), still = 1;
  for (int i = 0; i < n && still; i++)
    still = M->mean[i] == M->mean[i] + 0.1 * sigma * M->D[axis] * M->B[i * n + axis];
  if (still) return "cmaes: noeffectaxis (a step along a principal axis leaves the mean unchanged)";
  for (int i = 0; i < n; i++)
    if (M->mean[i] == M->mean[i] + 0.2 * sigma * sqrt(M->C[i * n + i]))
      return "cmaes: noeffectcoord (a step in one coordinate leaves the mean unchanged)";
  if (!isfinite(sigma)) return "cmaes: the step size is no longer finite";
  if (cm_stagnated(M, P)) return "cmaes: stagnation (the median f-values stopped improving)";
  return NULL;
}

/* ---- the step ------------------------------------------------------------------ */

static cm_state *cm_get(slope_optim *o) {
  cm_state *M = o->extra;
  if (M && M->n == o->n) return M;
  cmaes_reset(o);
  return o->extra = cm_alloc(o->n);
}

static int cmaes_step(slope_optim *o, double *x, double f, const double *g,
                      const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)g;
  if (!rng) return sx_error(o->S, SLOPE_ERRARG, "cmaes needs a random generator (rng is NULL)");
  if (!obj || !obj->fg) return sx_error(o->S, SLOPE_ERRARG, "cmaes needs the objective to evaluate candidates");
  int n = o->n;
  double sign = o->h[MAXIMIZE] != 0 ? -1.0 : 1.0;
  cm_state *M = cm_get(o);
  if (!M) return sx_error(o->S, SLOPE_ERRMEM, "cmaes: out of memory for %d parameters", n);
  if (!M->v[INIT]) cm_first(o, M, x, sign * f);
  int lam = (int)M->v[LAMBDA];
  if (!cm_scratch(M, lam))
    return sx_error(o->S, SLOPE_ERRMEM, "cmaes: out of memory for a population of %d", lam);
  cm_params P = cm_constants(n, lam, M->w);
  for (int k = 0; k < lam; k++) {
    double fk;
    cm_sample(o, M, k, rng);
    int rc = obj->fg(obj->ud, M->x + (size_t)k * n, &fk, NULL);
    o->evals++;
    if (rc != SLOPE_OK) return rc;
    M->rank[k].f = sign * fk;
    M->rank[k].i = k;
    if (sign * fk < M->v[FBEST]) {
      M->v[FBEST] = sign * fk;
      memcpy(M->xbest, M->x + (size_t)k * n, (size_t)n * sizeof *x);
    }
  }
  qsort(M->rank, (size_t)lam, sizeof *M->rank, by_f);
  cm_update(o, M, &P, lr);
  M->v[EVALS] += lam;
  cm_eigen(M, &P);
  ring_push(M, M->rank[0].f, 0.5 * (M->rank[(lam - 1) / 2].f + M->rank[lam / 2].f));
  const char *why = cm_stop(o, M, &P);
  if (why && M->v[RESTART] < o->h[RESTARTS]) {
    M->v[RESTART]++;
    cm_start(o, M);
  } else if (why) o->done = why;
  memcpy(x, M->xbest, (size_t)n * sizeof *x);
  return SLOPE_OK;
}

/* ---- checkpoints ---------------------------------------------------------------- */

static size_t cmaes_save(const slope_optim *o, double *out) {
  const cm_state *M = o->extra;
  if (!out) return cm_nsave(o->n, cm_cap(o->n));
  if (!M || M->n != o->n) return 0;
  memcpy(out, M->v, M->nsave * sizeof *out);
  return M->nsave;
}

static int cmaes_load(slope_optim *o, const double *in, size_t count) {
  int n = o->n;
  if (count == 0) {
    cmaes_reset(o);
    return SLOPE_OK;
  }
  size_t want = cm_nsave(n, cm_cap(n));
  if (count != want)
    return sx_error(o->S, SLOPE_ERRDATA, "cmaes: the saved state holds %zu numbers; %zu expected "
                    "for %d parameters", count, want, n);
  int cap = cm_cap(n);
  if (!(in[INIT] == 0 || in[INIT] == 1) || !(in[LAMBDA] >= 2 && in[LAMBDA] <= MAX_LAMBDA) ||
      in[LAMBDA] != floor(in[LAMBDA]) || !(in[HLEN] >= 0 && in[HLEN] <= cap) ||
      !(in[HHEAD] >= 0 && in[HHEAD] < cap) || in[HHEAD] != floor(in[HHEAD]) ||
      in[HLEN] != floor(in[HLEN]) || !(in[RESTART] >= 0 && in[RESTART] <= 100))
    return sx_error(o->S, SLOPE_ERRDATA, "cmaes: the saved state is inconsistent "
                    "(population %g, history %g at %g, restart %g)",
                    in[LAMBDA], in[HLEN], in[HHEAD], in[RESTART]);
  cm_state *M = cm_alloc(n);
  if (!M) return sx_error(o->S, SLOPE_ERRMEM, "out of memory for the cmaes state");
  memcpy(M->v, in, count * sizeof *in);
  cmaes_reset(o);
  o->extra = M;
  return SLOPE_OK;
}

/* popsize 1 would leave no parent (mu = floor(lambda/2) = 0). */
static int cmaes_check(slope_optim *o, const double *h) {
  if (h[POPSIZE] == 1)
    return sx_error(o->S, SLOPE_ERRARG, "cmaes: popsize must be 0 (the default) or >= 2, got 1");
  return SLOPE_OK;
}

const sx_optim_class sx_optim_cmaes = {
  .name = "cmaes", .needs = 0,   /* values only */
  .about = "CMA-ES (Hansen's defaults): a Gaussian population whose mean, step size and "
           "covariance adapt; restarts with a growing population (IPOP)",
  .hypers = cmaes_hypers, .step = cmaes_step, .reset = cmaes_reset,
  .save_extra = cmaes_save, .load_extra = cmaes_load, .check = cmaes_check,
};
