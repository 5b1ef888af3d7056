/*
** optim_nelder_mead.c -- the Nelder-Mead simplex method, derivative-free, a
** port of SciPy 1.10's '_minimize_neldermead' (scipy/optimize/_optimize.py).
**
** One 'slope_optim_step' is one pass through SciPy's while loop: the
** stopping test (every vertex within xatol of the best one and every value
** within fatol of the best value), then reflection, expansion, contraction
** (outside or inside) or shrink, then the sort that brings the best vertex
** to the front; x leaves the step as that vertex, the point SciPy hands its
** callback.  The first step builds the simplex first: x and, for each k, x
** with coordinate k times 1.05 (0.00025 where it is 0), all evaluated.  The
** pass that finds the test met moves nothing and sets 'o->done', so a run
** takes as many steps as SciPy calls its callback and stops where SciPy
** stops (SciPy's maxiter is the run's step limit; maxfev is not modelled).
** With bounds (o->lo, o->hi) every point is clipped into the box as
** np.clip clips it, x0 included.  With maximize the simplex holds -f.
**
** Ties are broken as SciPy's np.argsort(fsim) breaks them: NumPy 1.24's
** introsort (median-of-three quicksort above 16 values, insertion sort
** below, heapsort when the partitions go badly), NaNs last.  Below 17
** vertices that is a stable sort; above, equal values can swap.
**
** The simplex outlives a step: it lives in 'o->extra', allocated on the
** first step, saved and restored for checkpoints.  A step that is handed a
** point other than the best vertex (the caller moved x: parameter noise, a
** new start) or asked to maximize where the simplex minimized starts a
** fresh simplex around x, as SciPy would from that x0.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"

/* Every point is rounded as NumPy rounds it, operation by operation (no
** fused multiply-adds; gcc contracts nothing under -std=c11). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

enum { XATOL, FATOL, ADAPTIVE, MAXIMIZE };

static const sx_hyper nm_hypers[] = {
  SX_HYPER(XATOL, .name = "xatol", .n = 1, .def = {1e-4}, .lo = 0, .hi = HUGE_VAL,
           .about = "stop when every vertex is this close to the best one in every coordinate (and fatol holds)"),
  SX_HYPER(FATOL, .name = "fatol", .n = 1, .def = {1e-4}, .lo = 0, .hi = HUGE_VAL,
           .about = "stop when every vertex's f is this close to the best f (and xatol holds)"),
  SX_HYPER(ADAPTIVE, .name = "adaptive", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "coefficients adapted to the dimension (Gao and Han), for many parameters"),
  SX_HYPER(MAXIMIZE, .name = "maximize", .n = 1, .def = {0}, .lo = 0, .hi = 1, .is_bool = 1,
           .about = "ascend: maximize f instead of minimizing it"),
  SX_HYPER_END
};

/* SciPy's initial simplex: relative and absolute steps from x0. */
static const double NONZDELT = 0.05, ZDELT = 0.00025;

static const char *const CONVERGED = "the simplex is within xatol and its values within fatol";

typedef struct nm_state {
  int n, built;
  double sign;          /* -1 when the simplex holds -f */
  double *sim;          /* (n+1) rows of n: the vertices, best first */
  double *fsim;         /* n+1: their values */
  /* scratch */
  double *xbar, *trial, *row;
  long *ind;            /* n+1: the sort's permutation */
} nm_state;

static void nm_reset(slope_optim *o) {
  free(o->extra);
  o->extra = NULL;
}

/* The doubles a state holds: sim, fsim, then three vectors of scratch. */
static size_t nm_doubles(int n) { return (size_t)(n + 1) * (size_t)n + (size_t)(n + 1) + 3 * (size_t)n; }

/* An empty state for n parameters (one block), or NULL. */
static nm_state *nm_alloc(int n) {
  size_t nd = nm_doubles(n);
  nm_state *M = calloc(1, sizeof *M + nd * sizeof(double) + (size_t)(n + 1) * sizeof(long));
  if (!M) return NULL;
  double *p = (double *)(M + 1);
  M->n = n;
  M->sign = 1;
  M->sim = p; p += (size_t)(n + 1) * (size_t)n;
  M->fsim = p; p += n + 1;
  M->xbar = p; p += n;
  M->trial = p; p += n;
  M->row = p; p += n;
  M->ind = (long *)(void *)p;
  return M;
}

static double *vertex(const nm_state *M, int j) { return M->sim + (size_t)j * (size_t)M->n; }

/* ---- np.argsort(fsim) --------------------------------------------------------- */

/* NumPy's order of doubles: NaN after everything, NaNs equal. */
static int less(double a, double b) { return a < b || (b != b && a == a); }

static void swap_ind(long *a, long *b) { long t = *a; *a = *b; *b = t; }

/* Sift a[i] (1-based heap of 'm' indices into v) down to its place. */
static void sift(const double *v, long *a, long i, long m) {
  long tmp = a[i];
  for (long j = 2 * i; j <= m; j *= 2) {
    if (j < m && less(v[a[j]], v[a[j + 1]])) j++;
    if (!less(v[tmp], v[a[j]])) break;
    a[i] = a[j];
    i = j;
  }
  a[i] = tmp;
}

/* The heapsort introsort falls back on: ind[0..m) ordered by v. */
static void heap_sort(const double *v, long *ind, long m) {
  long *a = ind - 1;   /* 1-based */
  for (long l = m / 2; l > 0; l--) sift(v, a, l, m);
  for (; m > 1; m--) {
    long tmp = a[m];
    a[m] = a[1];
    a[1] = tmp;
    sift(v, a, 1, m - 1);
  }
}

/* ind[lo..hi] ordered by v, insertion sort (stable). */
static void insertion_sort(const double *v, long *ind, long lo, long hi) {
  for (long i = lo + 1; i <= hi; i++) {
    long vi = ind[i], j = i;
    while (j > lo && less(v[vi], v[ind[j - 1]])) { ind[j] = ind[j - 1]; j--; }
    ind[j] = vi;
  }
}

/* Partition ind[lo..hi] around the median of its ends and middle, as
** NumPy's quicksort does; returns the pivot's final place. */
static long partition(const double *v, long *ind, long lo, long hi) {
  long mid = lo + ((hi - lo) >> 1);
  if (less(v[ind[mid]], v[ind[lo]])) swap_ind(&ind[mid], &ind[lo]);
  if (less(v[ind[hi]], v[ind[mid]])) swap_ind(&ind[hi], &ind[mid]);
  if (less(v[ind[mid]], v[ind[lo]])) swap_ind(&ind[mid], &ind[lo]);
  double pivot = v[ind[mid]];
  long i = lo, j = hi - 1;
  swap_ind(&ind[mid], &ind[j]);
  for (;;) {
    do i++; while (less(v[ind[i]], pivot));
    do j--; while (less(pivot, v[ind[j]]));
    if (i >= j) break;
    swap_ind(&ind[i], &ind[j]);
  }
  swap_ind(&ind[i], &ind[hi - 1]);
  return i;
}

enum { SMALL_SORT = 15, SORT_STACK = 128 };

/*
** NumPy 1.24's argsort of doubles ('aquicksort'): ind = 0..m-1 ordered by v.
** The larger side of each partition waits on a stack with the depth budget
** left, the smaller is sorted at once; a waiting segment whose budget ran
** out (2 floor(log2 m) partitions deep) is heap-sorted.  The segments are
** disjoint, so only which algorithm sorts each one shows in the result.
*/
static void argsort(const double *v, long *ind, long m) {
  long stack[SORT_STACK][2], lo = 0, hi = m - 1;
  int depth_of[SORT_STACK], sp = 0, depth = 0;
  for (long u = m; u >>= 1;) depth++;
  depth *= 2;
  for (long i = 0; i < m; i++) ind[i] = i;
  for (;;) {
    if (depth < 0) heap_sort(v, ind + lo, hi - lo + 1);
    else {
      while (hi - lo > SMALL_SORT) {
        long p = partition(v, ind, lo, hi);
        depth--;
        depth_of[sp] = depth;
        if (p - lo < hi - p) { stack[sp][0] = p + 1; stack[sp][1] = hi; hi = p - 1; }
        else { stack[sp][0] = lo; stack[sp][1] = p - 1; lo = p + 1; }
        sp++;
      }
      insertion_sort(v, ind, lo, hi);
    }
    if (sp == 0) break;
    sp--;
    lo = stack[sp][0];
    hi = stack[sp][1];
    depth = depth_of[sp];
  }
}

/* SciPy's 'ind = np.argsort(fsim); sim = np.take(sim, ind, 0); fsim =
** np.take(fsim, ind, 0)', permuting in place cycle by cycle. */
static void order(nm_state *M) {
  int n = M->n;
  long m = n + 1, *ind = M->ind;
  size_t row = (size_t)n * sizeof *M->sim;
  argsort(M->fsim, ind, m);
  for (long i = 0; i < m; i++) {
    if (ind[i] == i) continue;
    double f = M->fsim[i];
    memcpy(M->row, vertex(M, (int)i), row);
    long j = i;
    for (;;) {
      long k = ind[j];
      ind[j] = j;
      if (k == i) break;
      memcpy(vertex(M, (int)j), vertex(M, (int)k), row);
      M->fsim[j] = M->fsim[k];
      j = k;
    }
    memcpy(vertex(M, (int)j), M->row, row);
    M->fsim[j] = f;
  }
}

/* ---- points and values ----------------------------------------------------------- */

/* np.clip(x, lo, hi) for doubles: max then min, each keeping a NaN x and
** otherwise taking the bound unless x is strictly inside. */
static void clip(const slope_optim *o, double *x) {
  if (!o->lo) return;
  for (int i = 0; i < o->n; i++) {
    double v = x[i];
    if (!isnan(v)) v = v > o->lo[i] ? v : o->lo[i];
    if (!isnan(v)) v = v < o->hi[i] ? v : o->hi[i];
    x[i] = v;
  }
}

/* f at x, times the simplex's sign, counted in o->evals. */
static int evaluate(slope_optim *o, const slope_objective *obj, double sign, const double *x, double *f) {
  int rc = obj->fg(obj->ud, x, f, NULL);
  o->evals++;
  *f *= sign;
  return rc;
}

/* out = a*xbar + b*y clipped into the box: SciPy's 'a*xbar - c*y' with
** b = -c, rounded alike (negating a product is exact). */
static void combine(const slope_optim *o, const nm_state *M, double a, double b, const double *y, double *out) {
  for (int i = 0; i < M->n; i++) out[i] = a * M->xbar[i] + b * y[i];
  clip(o, out);
}

/* The initial simplex around x, evaluated and sorted (twice, as SciPy does). */
static int build(slope_optim *o, nm_state *M, const double *x, double sign, const slope_objective *obj) {
  int n = M->n;
  M->built = 0;
  M->sign = sign;
  double *x0 = vertex(M, 0);
  memcpy(x0, x, (size_t)n * sizeof *x);
  clip(o, x0);
  for (int k = 0; k < n; k++) {
    double *y = vertex(M, k + 1);
    memcpy(y, x0, (size_t)n * sizeof *y);
    y[k] = y[k] != 0 ? (1 + NONZDELT) * y[k] : ZDELT;
    clip(o, y);
  }
  for (int k = 0; k <= n; k++) {
    int rc = evaluate(o, obj, sign, vertex(M, k), &M->fsim[k]);
    if (rc != SLOPE_OK) return rc;
  }
  order(M);
  order(M);
  M->built = 1;
  return SLOPE_OK;
}

/* SciPy's test at the top of its loop; NaN distances or values fail it. */
static int converged(const slope_optim *o, const nm_state *M) {
  int n = M->n;
  const double *best = vertex(M, 0);
  for (int j = 1; j <= n; j++) {
    const double *v = vertex(M, j);
    for (int i = 0; i < n; i++)
      if (!(fabs(v[i] - best[i]) <= o->h[XATOL])) return 0;
  }
  for (int j = 1; j <= n; j++)
    if (!(fabs(M->fsim[0] - M->fsim[j]) <= o->h[FATOL])) return 0;
  return 1;
}

/* The coefficients: reflection, expansion, contraction, shrink. */
typedef struct nm_coef { double rho, chi, psi, sigma; } nm_coef;

static nm_coef coefficients(const slope_optim *o) {
  if (o->h[ADAPTIVE] == 0) return (nm_coef){1, 2, 0.5, 0.5};
  double dim = o->n;
  return (nm_coef){1, 1 + 2 / dim, 0.75 - 1 / (2 * dim), 1 - 1 / dim};
}

/* Replace the worst vertex by 'x' with value 'f'. */
static void take(nm_state *M, const double *x, double f) {
  memcpy(vertex(M, M->n), x, (size_t)M->n * sizeof *x);
  M->fsim[M->n] = f;
}

/* Move every vertex but the best towards it by sigma, evaluating each. */
static int shrink(slope_optim *o, nm_state *M, double sigma, const slope_objective *obj) {
  int n = M->n;
  const double *best = vertex(M, 0);
  for (int j = 1; j <= n; j++) {
    double *v = vertex(M, j);
    for (int i = 0; i < n; i++) v[i] = best[i] + sigma * (v[i] - best[i]);
    clip(o, v);
    int rc = evaluate(o, obj, M->sign, v, &M->fsim[j]);
    if (rc != SLOPE_OK) return rc;
  }
  return SLOPE_OK;
}

/* The contractions, when the reflected point (xr, fxr) is no better than
** the second worst vertex: outside when it beats the worst, else inside;
** shrink when the contracted point does not do better. */
static int contract(slope_optim *o, nm_state *M, nm_coef c, double fxr, const slope_objective *obj) {
  int n = M->n, rc;
  double *worst = vertex(M, n), *xc = M->trial, fxc;
  if (fxr < M->fsim[n]) {
    combine(o, M, 1 + c.psi * c.rho, -(c.psi * c.rho), worst, xc);
    if ((rc = evaluate(o, obj, M->sign, xc, &fxc)) != SLOPE_OK) return rc;
    if (fxc <= fxr) { take(M, xc, fxc); return SLOPE_OK; }
  } else {
    combine(o, M, 1 - c.psi, c.psi, worst, xc);
    if ((rc = evaluate(o, obj, M->sign, xc, &fxc)) != SLOPE_OK) return rc;
    if (fxc < M->fsim[n]) { take(M, xc, fxc); return SLOPE_OK; }
  }
  return shrink(o, M, c.sigma, obj);
}

/* One iteration of SciPy's loop after its stopping test, before its sort. */
static int iterate(slope_optim *o, nm_state *M, const slope_objective *obj) {
  int n = M->n, rc;
  nm_coef c = coefficients(o);
  double *worst = vertex(M, n), *xr = M->row, fxr;
  /* np.add.reduce(sim[:-1], 0) / N: the vertices added in order */
  memcpy(M->xbar, vertex(M, 0), (size_t)n * sizeof *M->xbar);
  for (int j = 1; j < n; j++) {
    const double *v = vertex(M, j);
    for (int i = 0; i < n; i++) M->xbar[i] += v[i];
  }
  for (int i = 0; i < n; i++) M->xbar[i] /= n;
  combine(o, M, 1 + c.rho, -c.rho, worst, xr);
  if ((rc = evaluate(o, obj, M->sign, xr, &fxr)) != SLOPE_OK) return rc;
  if (fxr < M->fsim[0]) {
    double *xe = M->trial, fxe;
    combine(o, M, 1 + c.rho * c.chi, -(c.rho * c.chi), worst, xe);
    if ((rc = evaluate(o, obj, M->sign, xe, &fxe)) != SLOPE_OK) return rc;
    if (fxe < fxr) take(M, xe, fxe);
    else take(M, xr, fxr);
    return SLOPE_OK;
  }
  if (fxr < M->fsim[n - 1]) {
    take(M, xr, fxr);
    return SLOPE_OK;
  }
  return contract(o, M, c, fxr, obj);
}

/* ---- the step ------------------------------------------------------------------- */

static int nm_step(slope_optim *o, double *x, double f, const double *g,
                   const double *lr, const slope_objective *obj, slope_rng *rng) {
  (void)f; (void)g; (void)lr; (void)rng;
  if (!obj || !obj->fg)
    return sx_error(o->S, SLOPE_ERRARG, "nelder_mead needs the objective to evaluate the simplex's vertices");
  int n = o->n, rc;
  nm_state *M = o->extra;
  if (!M && !(M = o->extra = nm_alloc(n)))
    return sx_error(o->S, SLOPE_ERRMEM, "nelder_mead: out of memory for a simplex of %d vertices", n + 1);
  double sign = o->h[MAXIMIZE] != 0 ? -1.0 : 1.0;
  if (!M->built || M->sign != sign || memcmp(x, vertex(M, 0), (size_t)n * sizeof *x) != 0)
    if ((rc = build(o, M, x, sign, obj)) != SLOPE_OK) return rc;
  if (converged(o, M)) o->done = CONVERGED;
  else if ((rc = iterate(o, M, obj)) != SLOPE_OK) {
    M->built = 0;   /* a vertex may have moved without its value */
    return rc;
  }
  order(M);
  memcpy(x, vertex(M, 0), (size_t)n * sizeof *x);
  return SLOPE_OK;
}

/* ---- checkpoints ---------------------------------------------------------------- */

/* What outlives a step: the sign, then sim and fsim, which lie in one run. */
static size_t nm_saved(int n) { return 1 + (size_t)(n + 1) * (size_t)(n + 1); }

static size_t nm_save(const slope_optim *o, double *out) {
  const nm_state *M = o->extra;
  if (!out) return nm_saved(o->n);
  if (!M || !M->built) return 0;
  out[0] = M->sign;
  memcpy(out + 1, M->sim, (nm_saved(o->n) - 1) * sizeof *out);
  return nm_saved(o->n);
}

static int nm_load(slope_optim *o, const double *in, size_t count) {
  int n = o->n;
  if (count == 0) {
    nm_reset(o);
    return SLOPE_OK;
  }
  if (count != nm_saved(n))
    return sx_error(o->S, SLOPE_ERRDATA, "nelder_mead: the saved simplex holds %zu numbers; %zu expected "
                    "for %d parameters", count, nm_saved(n), n);
  if (in[0] != 1 && in[0] != -1)
    return sx_error(o->S, SLOPE_ERRDATA, "nelder_mead: the saved simplex's sign is %g, not 1 or -1", in[0]);
  nm_state *M = nm_alloc(n);
  if (!M) return sx_error(o->S, SLOPE_ERRMEM, "nelder_mead: out of memory for a simplex of %d vertices", n + 1);
  M->sign = in[0];
  memcpy(M->sim, in + 1, (count - 1) * sizeof *in);
  M->built = 1;
  nm_reset(o);
  o->extra = M;
  return SLOPE_OK;
}

const sx_optim_class sx_optim_nelder_mead = {
  .name = "nelder_mead", .needs = 0,   /* values only */
  .about = "Nelder-Mead simplex, one step = one iteration (SciPy minimize(method='Nelder-Mead')), "
           "stops by xatol and fatol",
  .hypers = nm_hypers, .step = nm_step, .reset = nm_reset,
  .save_extra = nm_save, .load_extra = nm_load,
};
