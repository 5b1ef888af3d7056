/*
** test_optim2.c -- the closure-based optimizers: lbfgs, newton, anneal.
**
** L-BFGS is checked against torch.optim.LBFGS trajectories (ref/lbfgs_ref.h,
** made by ref/gen_lbfgs.py): x after every outer step to 1e-10 and the exact
** number of evaluations.  The objectives below repeat the generator's
** formulas operation for operation.  Newton is checked against closed forms
** and hand-solved 2x2 systems; annealing by replaying its chain by hand with
** the same random draws, and statistically.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "slope.h"
#include "ref/lbfgs_ref.h"

/* The objectives must round exactly as the generator's Python does. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* ---- objectives ------------------------------------------------------------ */

static const double A4[4][4] = {
  {100.0, 2.0, 0.0, 0.5}, {2.0, 10.0, 1.0, 0.0}, {0.0, 1.0, 1.0, 0.05}, {0.5, 0.0, 0.05, 0.1}};
static const double B4[4] = {1.0, -2.0, 3.0, -4.0};

static void rosen(const double *x, double *f, double *g) {
  double a = x[0], b = x[1], u = b - a * a;
  *f = (1 - a) * (1 - a) + 100 * u * u;
  g[0] = -2 * (1 - a) - 400 * a * u;
  g[1] = 200 * u;
}

static void quad4(const double *x, double *f, double *g) {
  *f = 0.0;
  for (int i = 0; i < 4; i++) {
    double ax = 0.0;
    for (int j = 0; j < 4; j++) ax += A4[i][j] * x[j];
    g[i] = ax - B4[i];
    *f += x[i] * (0.5 * ax - B4[i]);
  }
}

static void wavy3(const double *x, double *f, double *g) {
  double a = x[0], b = x[1], c = x[2];
  *f = (a - 1) * (a - 1) + exp(0.5 * b) - b + sin(a * c) + c * c;
  g[0] = 2 * (a - 1) + c * cos(a * c);
  g[1] = 0.5 * exp(0.5 * b) - 1;
  g[2] = a * cos(a * c) + 2 * c;
}

/* An objective for the optimizers: one of the above times 'sign', counting calls. */
typedef struct fn_ud {
  int fn;
  double sign;
  long calls;
} fn_ud;

static int fg_cb(void *ud, const double *x, double *f, double *g) {
  fn_ud *u = ud;
  double gg[4];
  u->calls++;
  if (u->fn == LB_ROSEN) rosen(x, f, gg);
  else if (u->fn == LB_QUAD4) quad4(x, f, gg);
  else wavy3(x, f, gg);
  *f *= u->sign;
  if (g) for (int i = 0; i < 4; i++) g[i] = u->sign * gg[i];
  return SLOPE_OK;
}

static int set1(slope_optim *o, const char *name, double v) { return slope_optim_set(o, name, &v, 1); }

static double get1(slope_optim *o, const char *name) {
  double v = NAN;
  slope_optim_get(o, name, &v, 1);
  return v;
}

/* ---- lbfgs ------------------------------------------------------------------ */

static slope_optim *lbfgs_for(slope_ctx *S, const lb_case *c) {
  slope_optim *o = slope_optim_new(S, "lbfgs", c->n);
  if (!o) return NULL;
  set1(o, "lr", c->lr);
  set1(o, "max_iter", c->max_iter);
  if (c->max_eval) set1(o, "max_eval", c->max_eval);
  set1(o, "history_size", c->history_size);
  set1(o, "maximize", c->maximize);
  CHECK_INT(slope_optim_set_string(o, "line_search", c->strong_wolfe ? "strong_wolfe" : "none"), SLOPE_OK);
  return o;
}

/* Run case 'c' for its steps and compare every step with PyTorch.  'lr',
** when not NULL, is passed to the step instead of using the hyperparameter. */
static void lbfgs_case(slope_ctx *S, const lb_case *c, int k, slope_optim *o, const double *lr) {
  fn_ud u = {c->fn, c->maximize ? -1.0 : 1.0, 0};
  slope_objective obj = {fg_cb, NULL, &u};
  double x[4], g[4], f;
  memcpy(x, c->x0, sizeof x);
  for (int s = 0; s < c->steps; s++) {
    fg_cb(&u, x, &f, g);
    u.calls = 0;
    CHECK_INT(slope_optim_step(o, x, f, g, lr, &obj, NULL), SLOPE_OK);
    for (int i = 0; i < c->n; i++) {
      const double ref = c->x[s * c->n + i];
      if (!check_close(x[i], ref, 1e-10)) fprintf(stderr, "    lbfgs case %d step %d x[%d]\n", k, s + 1, i);
      CHECK_NEAR(x[i], ref, 1e-10);
    }
    CHECK_INT(slope_optim_evals(o), c->evals[s]);
    CHECK_INT(u.calls, c->evals[s]);
  }
  (void)S;
}

static void test_lbfgs_reference(slope_ctx *S) {
  int ncases = (int)(sizeof lb_cases / sizeof lb_cases[0]);
  for (int k = 0; k < ncases; k++) {
    slope_optim *o = lbfgs_for(S, &lb_cases[k]);
    CHECK(o != NULL);
    if (!o) continue;
    lbfgs_case(S, &lb_cases[k], k, o, NULL);
    /* reset forgets the history: the same run again gives the same steps */
    slope_optim_reset(o);
    lbfgs_case(S, &lb_cases[k], k, o, NULL);
    slope_optim_free(o);
  }
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);
}

/* Per-parameter rates: L-BFGS has one group and uses lr[0]. */
static void test_lbfgs_lr_array(slope_ctx *S) {
  for (int k = 0; k < (int)(sizeof lb_cases / sizeof lb_cases[0]); k++) {
    const lb_case *c = &lb_cases[k];
    if (c->lr == 1.0) continue;
    slope_optim *o = lbfgs_for(S, c);
    set1(o, "lr", 1.0);
    double lr[4] = {c->lr, 7, 7, 7};
    lbfgs_case(S, c, k, o, lr);
    slope_optim_free(o);
  }
}

static void test_lbfgs_misc(slope_ctx *S) {
  slope_optim *o = slope_optim_new(S, "lbfgs", 2);
  CHECK_NEAR(get1(o, "lr"), 1, 0);
  CHECK_NEAR(get1(o, "max_iter"), 20, 0);
  CHECK_NEAR(get1(o, "max_eval"), 0, 0);
  CHECK_NEAR(get1(o, "tolerance_grad"), 1e-7, 0);
  CHECK_NEAR(get1(o, "tolerance_change"), 1e-9, 0);
  CHECK_NEAR(get1(o, "history_size"), 100, 0);
  CHECK_NEAR(get1(o, "maximize"), 0, 0);
  CHECK_INT(set1(o, "max_iter", 0), SLOPE_ERRARG);
  slope_clear_error(S);
  CHECK_INT(set1(o, "history_size", 2.5), SLOPE_ERRARG);
  slope_clear_error(S);
  CHECK_INT(set1(o, "tolerance_grad", -1), SLOPE_ERRARG);
  slope_clear_error(S);

  fn_ud u = {LB_ROSEN, 1, 0};
  slope_objective obj = {fg_cb, NULL, &u};
  double x[2] = {-1.5, 2}, g[4], f;
  fg_cb(&u, x, &f, g);
  CHECK_INT(slope_optim_step(o, x, f, g, NULL, NULL, NULL), SLOPE_ERRARG);
  CHECK(strstr(slope_error_get(S).message, "lbfgs") != NULL);
  slope_clear_error(S);

  /* a gradient within tolerance_grad: PyTorch returns at once */
  set1(o, "tolerance_grad", 1e3);
  u.calls = 0;
  CHECK_INT(slope_optim_step(o, x, f, g, NULL, &obj, NULL), SLOPE_OK);
  CHECK_INT(u.calls, 0);
  CHECK(x[0] == -1.5 && x[1] == 2);

  /* history_size changed between steps restarts the history without harm */
  set1(o, "tolerance_grad", 1e-7);
  set1(o, "history_size", 2);
  CHECK_INT(slope_optim_set_string(o, "line_search", "strong_wolfe"), SLOPE_OK);
  CHECK_INT(slope_optim_step(o, x, f, g, NULL, &obj, NULL), SLOPE_OK);
  set1(o, "history_size", 5);
  fg_cb(&u, x, &f, g);
  double f0 = f;
  CHECK_INT(slope_optim_step(o, x, f, g, NULL, &obj, NULL), SLOPE_OK);
  fg_cb(&u, x, &f, g);
  CHECK(f < f0);

  /* maximize: ascend -rosen to its maximum 0 at (1, 1), as far as
  ** tolerance_change lets it (PyTorch stops 2e-6 short from here too) */
  slope_optim_reset(o);
  set1(o, "maximize", 1);
  set1(o, "history_size", 100);
  u.sign = -1;
  x[0] = -1.5; x[1] = 2;
  for (int s = 0; s < 10; s++) {
    fg_cb(&u, x, &f, g);
    CHECK_INT(slope_optim_step(o, x, f, g, NULL, &obj, NULL), SLOPE_OK);
  }
  CHECK_NEAR(x[0], 1, 1e-5);
  CHECK_NEAR(x[1], 1, 1e-5);
  slope_optim_free(o);
}

/* ---- newton ----------------------------------------------------------------- */

/* f = s*(0.5 x'Ax - b'x) for a small dense A (n <= 3), or x^2 - y^2. */
typedef struct quad_ud {
  int n, saddle;
  double s, A[3][3], b[3];
  int nan_hessian;
} quad_ud;

static int quad_fg(void *ud, const double *x, double *f, double *g) {
  quad_ud *q = ud;
  if (q->saddle) {
    *f = x[0] * x[0] - x[1] * x[1];
    if (g) { g[0] = 2 * x[0]; g[1] = -2 * x[1]; }
    return SLOPE_OK;
  }
  *f = 0;
  for (int i = 0; i < q->n; i++) {
    double ax = 0;
    for (int j = 0; j < q->n; j++) ax += q->A[i][j] * x[j];
    *f += q->s * x[i] * (0.5 * ax - q->b[i]);
    if (g) g[i] = q->s * (ax - q->b[i]);
  }
  return SLOPE_OK;
}

static int quad_hess(void *ud, const double *x, double *H) {
  quad_ud *q = ud;
  (void)x;
  for (int i = 0; i < q->n; i++)
    for (int j = 0; j < q->n; j++)
      H[i * q->n + j] = q->saddle ? (i != j ? 0 : i == 0 ? 2 : -2) : q->s * q->A[i][j];
  if (q->nan_hessian) H[0] = NAN;
  return SLOPE_OK;
}

static int rosen_fg(void *ud, const double *x, double *f, double *g) {
  double gg[2];
  (void)ud;
  rosen(x, f, gg);
  if (g) { g[0] = gg[0]; g[1] = gg[1]; }
  return SLOPE_OK;
}

/* Rosenbrock's Hessian by hand. */
static int rosen_hess(void *ud, const double *x, double *H) {
  (void)ud;
  H[0] = 2 - 400 * (x[1] - x[0] * x[0]) + 800 * x[0] * x[0];
  H[1] = H[2] = -400 * x[0];
  H[3] = 200;
  return SLOPE_OK;
}

static void newton_once(slope_optim *o, double *x, const slope_objective *obj) {
  double f, g[3];
  obj->fg(obj->ud, x, &f, g);
  CHECK_INT(slope_optim_step(o, x, f, g, NULL, obj, NULL), SLOPE_OK);
  CHECK_INT(slope_optim_evals(o), 1);
}

static void test_newton(slope_ctx *S) {
  /* a quadratic: one full step lands on A^-1 b; b = A*xs with xs chosen */
  quad_ud q = {3, 0, 1, {{4, 1, 0.5}, {1, 3, -0.2}, {0.5, -0.2, 2}}, {0}, 0};
  const double xs[3] = {1, -2, 0.5};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) q.b[i] += q.A[i][j] * xs[j];
  slope_objective obj = {quad_fg, quad_hess, &q};
  slope_optim *o = slope_optim_new(S, "newton", 3);
  CHECK_NEAR(get1(o, "lr"), 1, 0);
  CHECK_NEAR(get1(o, "damping"), 0, 0);
  double x[3] = {10, 7, -3};
  newton_once(o, x, &obj);
  for (int i = 0; i < 3; i++) CHECK_NEAR(x[i], xs[i], 1e-12);

  /* lr = 0.5 goes half way */
  set1(o, "lr", 0.5);
  x[0] = 10; x[1] = 7; x[2] = -3;
  newton_once(o, x, &obj);
  CHECK_NEAR(x[0], 10 + 0.5 * (1 - 10), 1e-12);
  CHECK_NEAR(x[1], 7 + 0.5 * (-2 - 7), 1e-12);
  CHECK_NEAR(x[2], -3 + 0.5 * (0.5 + 3), 1e-12);

  /* maximize a concave quadratic -(0.5 x'Ax - b'x): the same maximizer */
  set1(o, "lr", 1);
  set1(o, "maximize", 1);
  q.s = -1;
  x[0] = 10; x[1] = 7; x[2] = -3;
  newton_once(o, x, &obj);
  for (int i = 0; i < 3; i++) CHECK_NEAR(x[i], xs[i], 1e-12);

  /* a NaN in the Hessian gives NaNs, for the run loop to call divergence */
  q.nan_hessian = 1;
  newton_once(o, x, &obj);
  CHECK(isnan(x[0]) && isnan(x[1]) && isnan(x[2]));
  slope_optim_free(o);

  /* damping 2 on A = [[4,1],[1,3]], b = (1,2) from (0.5,-1): g = (0,-4.5),
  ** (A + 2I)^-1 = [[5,-1],[-1,6]]/29, so d = (4.5, -27)/29 */
  quad_ud q2 = {2, 0, 1, {{4, 1, 0}, {1, 3, 0}, {0, 0, 0}}, {1, 2, 0}, 0};
  slope_objective obj2 = {quad_fg, quad_hess, &q2};
  o = slope_optim_new(S, "newton", 2);
  CHECK_INT(set1(o, "damping", 2), SLOPE_OK);
  CHECK_NEAR(get1(o, "damping"), 2, 0);
  double x2[2] = {0.5, -1};
  newton_once(o, x2, &obj2);
  CHECK_NEAR(x2[0], 0.5 - 4.5 / 29, 1e-13);
  CHECK_NEAR(x2[1], -1 + 27.0 / 29, 1e-13);
  CHECK_INT(set1(o, "damping", -1), SLOPE_ERRARG);
  slope_clear_error(S);

  /* Rosenbrock from (-1.2, 1): g = (-215.6, -88), H = [[1330, 480], [480, 200]],
  ** det 35600, so d = (-880, -13552)/35600 */
  set1(o, "damping", 0);
  slope_objective rb = {rosen_fg, rosen_hess, NULL};
  double xr[2] = {-1.2, 1};
  newton_once(o, xr, &rb);
  CHECK_NEAR(xr[0], -1.2 + 880.0 / 35600, 1e-13);
  CHECK_NEAR(xr[1], 1 + 13552.0 / 35600, 1e-13);

  /* a saddle x^2 - y^2 at (1, 1): H = diag(2, -2) is indefinite; the shift
  ** starts at 1e-3*2 and doubles until -2 + tau > 0, i.e. tau = 2e-3*1024 */
  quad_ud sd = {2, 1, 1, {{0}}, {0}, 0};
  slope_objective objs = {quad_fg, quad_hess, &sd};
  double xs2[2] = {1, 1}, tau = 1e-3 * 2 * 1024, f0, f1;
  quad_fg(&sd, xs2, &f0, NULL);
  newton_once(o, xs2, &objs);
  quad_fg(&sd, xs2, &f1, NULL);
  CHECK_NEAR(xs2[0], 1 - 2 / (2 + tau), 1e-12);
  CHECK_NEAR(xs2[1], 1 + 2 / (-2 + tau), 1e-12);
  CHECK(f1 < f0);

  /* no Hessian: an error naming what is missing */
  slope_objective nohess = {rosen_fg, NULL, NULL};
  double g[2], f;
  rosen_fg(NULL, xr, &f, g);
  CHECK_INT(slope_optim_step(o, xr, f, g, NULL, &nohess, NULL), SLOPE_ERRARG);
  CHECK(strstr(slope_error_get(S).message, "newton needs the Hessian") != NULL);
  slope_clear_error(S);
  slope_optim_free(o);
}

/* ---- anneal ----------------------------------------------------------------- */

static double bumpy(const double *x) {
  return (x[0] - 1) * (x[0] - 1) + 0.5 * (x[1] + 2) * (x[1] + 2) + sin(3 * x[0]) * cos(2 * x[1]);
}

static int bumpy_fg(void *ud, const double *x, double *f, double *g) {
  long *calls = ud;
  (*calls)++;
  *f = bumpy(x);
  if (g) g[0] = g[1] = NAN;   /* annealing must not look at it */
  return SLOPE_OK;
}

/* The chain by hand: T, proposal, Metropolis, with the same draws in order. */
static void test_anneal_replay(slope_ctx *S, int maximize, const double *lr) {
  const double T0 = 2, step_size = 0.5, cooling = 0.9, lrh = 0.8;
  slope_optim *o = slope_optim_new(S, "anneal", 2);
  CHECK_INT(set1(o, "T0", T0), SLOPE_OK);
  CHECK_INT(set1(o, "step_size", step_size), SLOPE_OK);
  CHECK_INT(set1(o, "cooling", cooling), SLOPE_OK);
  CHECK_INT(set1(o, "lr", lrh), SLOPE_OK);
  CHECK_INT(set1(o, "maximize", maximize), SLOPE_OK);
  long calls = 0;
  slope_objective obj = {bumpy_fg, NULL, &calls};
  slope_rng r1, r2;
  slope_rng_seed(&r1, 12345);
  slope_rng_seed(&r2, 12345);
  double x[2] = {3, 1}, y[2] = {3, 1}, sign = maximize ? -1 : 1;
  int same = 1, accepted = 0, rejected = 0;
  for (int t = 1; t <= 200; t++) {
    double f = bumpy(x);
    calls = 0;
    CHECK_INT(slope_optim_step(o, x, f, NULL, lr, &obj, &r1), SLOPE_OK);
    if (calls != 1 || slope_optim_evals(o) != 1) same = 0;
    /* by hand */
    double T = T0 * pow(cooling, t - 1), yp[2];
    for (int i = 0; i < 2; i++) yp[i] = y[i] + (lr ? lr[i] : lrh) * step_size * slope_rng_normal(&r2);
    double fy = sign * bumpy(y), fp = sign * bumpy(yp);
    if (fp <= fy || slope_rng_uniform(&r2) < exp(-(fp - fy) / T)) {
      y[0] = yp[0]; y[1] = yp[1];
      accepted++;
    } else {
      rejected++;
    }
    if (memcmp(x, y, sizeof x) != 0) same = 0;
  }
  CHECK(same);
  CHECK(accepted > 10 && rejected > 10);
  CHECK(memcmp(r1.s, r2.s, sizeof r1.s) == 0 && r1.has_spare == r2.has_spare);
  slope_optim_free(o);
}

static void test_anneal(slope_ctx *S) {
  test_anneal_replay(S, 0, NULL);
  test_anneal_replay(S, 1, NULL);
  double lr[2] = {0.3, 1.7};
  test_anneal_replay(S, 0, lr);

  /* (x-3)^2 from 0, T0 = 1, cooling 0.99, 2000 steps, for several seeds */
  quad_ud q = {1, 0, 1, {{2}}, {6}, 0};   /* x^2 - 6x: minimum at 3 */
  slope_objective obj = {quad_fg, NULL, &q};
  for (uint64_t seed = 1; seed <= 5; seed++) {
    slope_optim *o = slope_optim_new(S, "anneal", 1);
    set1(o, "cooling", 0.99);
    slope_rng r;
    slope_rng_seed(&r, seed);
    double x = 0, f;
    int ok = 1;
    for (int t = 0; t < 2000; t++) {
      quad_fg(&q, &x, &f, NULL);
      ok &= slope_optim_step(o, &x, f, NULL, NULL, &obj, &r) == SLOPE_OK;
    }
    CHECK(ok);
    CHECK(fabs(x - 3) < 0.5);
    slope_optim_free(o);
  }

  /* at a tiny temperature no uphill move is ever accepted */
  slope_optim *o = slope_optim_new(S, "anneal", 2);
  set1(o, "T0", 1e-300);
  set1(o, "cooling", 1);
  set1(o, "step_size", 0.2);
  long calls = 0;
  slope_objective ob = {bumpy_fg, NULL, &calls};
  slope_rng r;
  slope_rng_seed(&r, 7);
  double x[2] = {-2, 3}, f = bumpy(x);
  int uphill = 0, moves = 0, ok = 1;
  for (int t = 0; t < 1000; t++) {
    double x0[2] = {x[0], x[1]};
    ok &= slope_optim_step(o, x, f, NULL, NULL, &ob, &r) == SLOPE_OK;
    double fn = bumpy(x);
    if (fn > f) uphill++;
    if (x[0] != x0[0] || x[1] != x0[1]) moves++;
    f = fn;
  }
  CHECK(ok);
  CHECK_INT(uphill, 0);
  CHECK(moves > 20);

  /* errors */
  CHECK_INT(slope_optim_step(o, x, f, NULL, NULL, &ob, NULL), SLOPE_ERRARG);
  CHECK(strstr(slope_error_get(S).message, "anneal") != NULL);
  slope_clear_error(S);
  CHECK_INT(set1(o, "T0", 0), SLOPE_ERRARG);
  slope_clear_error(S);
  CHECK_INT(set1(o, "step_size", -1), SLOPE_ERRARG);
  slope_clear_error(S);
  CHECK_INT(set1(o, "cooling", 0), SLOPE_ERRARG);
  slope_clear_error(S);
  CHECK_INT(set1(o, "cooling", 1.5), SLOPE_ERRARG);
  slope_clear_error(S);
  CHECK_NEAR(get1(o, "cooling"), 1, 0);
  slope_optim_free(o);
  o = slope_optim_new(S, "anneal", 1);
  CHECK_NEAR(get1(o, "lr"), 1, 0);
  CHECK_NEAR(get1(o, "T0"), 1, 0);
  CHECK_NEAR(get1(o, "step_size"), 1, 0);
  CHECK_NEAR(get1(o, "cooling"), 0.95, 0);
  CHECK_NEAR(get1(o, "maximize"), 0, 0);
  slope_optim_free(o);
}

int main(void) {
  slope_ctx *S = slope_new();
  test_lbfgs_reference(S);
  test_lbfgs_lr_array(S);
  test_lbfgs_misc(S);
  test_newton(S);
  test_anneal(S);
  slope_free(S);
  return check_done();
}
