/*
** clipnoise.c -- the host's own objective as a callback, driven by slope's
** SGD with gradient clipping and annealed gradient noise.  Clipped runs are
** checked step for step against a hand loop of PyTorch's rules; noisy runs
** for repeatability by seed; a failing callback for its error code.
*/
#include <string.h>

#include <slope.h>
#include "hcheck.h"

#define N 3

/* f = 1/2 sum a_i (x_i - c_i)^2, counting its calls; fails from call 'fail_at' on */
typedef struct host {
  double a[N], c[N];
  long calls, fail_at;
} host;

static int quad_fg(void *ud, const double *x, double *f, double *g) {
  host *h = ud;
  if (h->fail_at && ++h->calls >= h->fail_at) return SLOPE_ERRDATA;
  if (!h->fail_at) h->calls++;
  *f = 0;
  for (int i = 0; i < N; i++) {
    double r = x[i] - h->c[i];
    *f += 0.5 * h->a[i] * r * r;
    if (g) g[i] = h->a[i] * r;
  }
  return SLOPE_OK;
}

/* SGD with lr for 'steps' steps by hand, clipping as torch.nn.utils does */
static void hand_sgd(const host *h, double *x, double lr, long steps, double max_norm, double limit) {
  for (long t = 0; t < steps; t++) {
    double g[N], norm = 0;
    for (int i = 0; i < N; i++) {
      g[i] = h->a[i] * (x[i] - h->c[i]);
      norm += g[i] * g[i];
    }
    norm = sqrt(norm);
    if (max_norm > 0 && norm > max_norm)
      for (int i = 0; i < N; i++) g[i] *= max_norm / (norm + 1e-6);
    if (limit > 0)
      for (int i = 0; i < N; i++) g[i] = g[i] > limit ? limit : g[i] < -limit ? -limit : g[i];
    for (int i = 0; i < N; i++) x[i] -= lr * g[i];
  }
}

/* one SGD run of the callback problem from x0; the final point in 'x' */
static int run(slope_ctx *S, host *h, const slope_run_opts *opts, double *x, slope_result *r) {
  static const double x0[N] = {4, -3, 0.5};
  double lr = 0.1;
  slope_objective obj = {quad_fg, NULL, h};
  slope_problem *p = slope_problem_callback(S, N, NULL, x0, obj);
  slope_optim *o = slope_optim_new(S, "sgd", N);
  int rc = p && o ? slope_optim_set(o, "lr", &lr, 1) : SLOPE_ERRMEM;
  if (rc == SLOPE_OK) rc = slope_run(p, o, opts, r, NULL);
  if (rc == SLOPE_OK) memcpy(x, slope_problem_x(p), sizeof(double) * N);
  if (p) {
    const char *name = slope_problem_name(p, 1);
    check(name && strcmp(name, "x2") == 0, "names NULL gives x1, x2, ... (%s)", name ? name : "(null)");
  }
  slope_optim_free(o);
  slope_problem_free(p);
  return rc;
}

int main(void) {
  slope_ctx *S = slope_new();
  if (!S) return 1;
  host h = {{1, 4, 0.5}, {1, 2, -1}, 0, 0};
  slope_run_opts opts;
  slope_result r;
  slope_result_init(&r);
  double x[N], want[N];

  /* clipping alone, without and with a context */
  double g2[] = {3, 4};
  check_near(slope_clip_norm(g2, 2, 1), 5, 0, "slope_clip_norm returns the norm before");
  check_near(g2[0], 3 / (5 + 1e-6), 1e-16, "g[0] scaled by max_norm/(norm + 1e-6)");
  double g3[] = {-2, 0.25, 7};
  slope_clip_value(g3, 3, 0.5);
  check(g3[0] == -0.5 && g3[1] == 0.25 && g3[2] == 0.5, "slope_clip_value clamps to [-0.5, 0.5]");

  /* clip_value and clip_norm in a run: the hand loop, step for step */
  const double limits[][2] = {{0, 0.5}, {1.0, 0}, {2.0, 0.3}};
  for (int k = 0; k < 3; k++) {
    slope_run_defaults(&opts);
    opts.steps = 40;
    opts.clip_norm = limits[k][0];
    opts.clip_value = limits[k][1];
    memcpy(want, (double[N]){4, -3, 0.5}, sizeof want);
    hand_sgd(&h, want, 0.1, opts.steps, opts.clip_norm, opts.clip_value);
    h.calls = 0;
    check(run(S, &h, &opts, x, &r) == SLOPE_OK, "run with clip_norm %g, clip_value %g", opts.clip_norm, opts.clip_value);
    for (int i = 0; i < N; i++) check_near(x[i], want[i], 1e-14, "x[i] = hand SGD with the same clipping");
    check(h.calls >= opts.steps, "the callback was called at least once a step (%ld)", h.calls);
  }

  /* annealed gradient noise: the same seed gives the same run, another seed another */
  double a[N], b[N], c[N];
  slope_run_defaults(&opts);
  opts.steps = 2000;
  opts.clip_norm = 5;
  opts.noise.kind = SLOPE_NOISE_GRADIENT;
  opts.noise.eta = 0.05;
  opts.noise.gamma = 0.55;
  opts.seed = 7;
  check(run(S, &h, &opts, a, &r) == SLOPE_OK && run(S, &h, &opts, b, &r) == SLOPE_OK, "two noisy runs with seed 7");
  check(memcmp(a, b, sizeof a) == 0, "the same seed gives the same point bit for bit");
  opts.seed = 8;
  check(run(S, &h, &opts, c, &r) == SLOPE_OK && memcmp(a, c, sizeof a) != 0, "seed 8 gives another point");
  for (int i = 0; i < N; i++) check_near(a[i], h.c[i], 0.05, "the noisy run still ends near c[i]");
  memcpy(want, (double[N]){4, -3, 0.5}, sizeof want);
  hand_sgd(&h, want, 0.1, 2000, 5, 0);
  check(fabs(a[0] - want[0]) > 0, "the noise moved the point off the noiseless path");

  /* a callback that fails: slope_run returns its code, the context says so */
  slope_run_defaults(&opts);
  h.fail_at = 5;
  h.calls = 0;
  int rc = run(S, &h, &opts, x, &r);
  slope_error e = slope_error_get(S);
  check(rc == SLOPE_ERRDATA && e.code == SLOPE_ERRDATA, "a failing callback's code comes back (%d)", rc);
  check(strstr(e.message, "callback failed with code") != NULL, "message: %s", e.message);
  slope_clear_error(S);
  slope_free(S);
  return checks_done();
}
