/*
** callback.c -- slope drives an objective the host already has.
**
** The host owns its data and a hand-written loss with its gradient (here
** L2-regularised logistic regression over a small array in its own struct).
** slope supplies the rest of a training loop: Adam, an exponential
** learning-rate decay, annealed gradient noise, gradient-norm clipping, a
** seeded generator, divergence checks and a trace of the run.
**
**   cc callback.c $(pkg-config --cflags --libs slope) -lm -o callback && ./callback
**
** Ownership: the problem borrows the objective's 'ud' pointer (the host
** struct must outlive the problem); the optimizer, schedule, problem and
** trace are the host's to free, before the context.
*/
#include <math.h>
#include <stdio.h>

#include <slope.h>

#define NPOINTS 10

/* The host's own data: two features and a label of +1 or -1 per point. */
typedef struct logistic {
  double x1[NPOINTS], x2[NPOINTS], y[NPOINTS];
  double lambda;       /* L2 penalty on the weights */
  long calls;          /* the host may keep its own statistics */
} logistic;

/* log(1 + exp(-m)) without overflow for large |m|. */
static double softplus_neg(double m) {
  return m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m));
}

/*
** The objective in slope's shape: f at the point x = (w1, w2, b) and, when
** 'g' is not NULL, the gradient.  f = mean(log(1 + exp(-y*z))) +
** lambda/2*(w1^2 + w2^2) with z = w1*x1 + w2*x2 + b.  Return SLOPE_OK, or
** an error code to stop the run (slope_run then returns that code).
*/
static int logistic_fg(void *ud, const double *x, double *f, double *g) {
  logistic *h = ud;
  double w1 = x[0], w2 = x[1], b = x[2], sum = 0, g1 = 0, g2 = 0, gb = 0;
  for (int i = 0; i < NPOINTS; i++) {
    double m = h->y[i] * (w1 * h->x1[i] + w2 * h->x2[i] + b);
    sum += softplus_neg(m);
    double d = -h->y[i] / (1 + exp(m));   /* d/dz of log(1 + exp(-y*z)) */
    g1 += d * h->x1[i];
    g2 += d * h->x2[i];
    gb += d;
  }
  *f = sum / NPOINTS + 0.5 * h->lambda * (w1 * w1 + w2 * w2);
  if (g) {
    g[0] = g1 / NPOINTS + h->lambda * w1;
    g[1] = g2 / NPOINTS + h->lambda * w2;
    g[2] = gb / NPOINTS;
  }
  h->calls++;
  return SLOPE_OK;
}

int main(void) {
  logistic data = {
    {0.5, 1.0, 1.5, 2.0, 2.5, -0.5, -1.0, -1.5, 0.8, -0.3},
    {1.0, 0.2, -0.4, 1.2, 0.3, -1.0, 0.4, -0.6, -1.1, 0.9},
    {1, 1, 1, 1, -1, -1, -1, -1, -1, 1},
    0.1, 0};
  const char *names[] = {"w1", "w2", "b"};
  const double x0[] = {0, 0, 0};
  const long steps = 3000;
  double lr = 0.1, gamma = 0.998;

  slope_ctx *S = slope_new();
  if (!S) return 1;
  slope_optim *adam = NULL;
  slope_schedule *decay = NULL;
  slope_problem *p = NULL;
  slope_trace *trace = NULL;
  int ok = 0;

  /* The host objective: fg is required; hess may be NULL (only "newton"
  ** asks for it); ud is handed back to both. */
  slope_objective obj = {logistic_fg, NULL, &data};
  p = slope_problem_callback(S, 3, names, x0, obj);
  adam = slope_optim_new(S, "adam", 3);
  decay = slope_schedule_new(S, "exponential");   /* lr_t = lr * gamma^t */
  if (!p || !adam || !decay) goto done;
  if (slope_optim_set(adam, "lr", &lr, 1) != SLOPE_OK ||
      slope_schedule_set(decay, "gamma", &gamma, 1) != SLOPE_OK) goto done;

  /* A gradient written by hand is worth checking against central
  ** differences once, before training on it. */
  const double at[] = {0.3, -0.2, 0.1};
  slope_gradcheck_report check;
  check.size = sizeof check;
  if (slope_gradcheck(S, obj, at, 3, names, 1e-6, &check) != SLOPE_OK) goto done;
  printf("gradcheck: %s (max error %.1e at %s)\n", check.ok ? "ok" : "FAILED", check.max_error,
         names[check.worst]);
  if (!check.ok) goto done;
  data.calls = 0;   /* count the run's calls only */

  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = steps;
  opts.schedule = decay;
  opts.noise.kind = SLOPE_NOISE_GRADIENT;   /* g += N(0, eta/(1+t)^gamma) */
  opts.noise.eta = 0.01;
  opts.noise.gamma = 0.55;
  opts.clip_norm = 1.0;                     /* clip_grad_norm_(max_norm = 1) */
  opts.seed = 7;                            /* same seed, same run, bit for bit */
  opts.trace_every = 500;                   /* keep rows 0, 500, 1000, ... */
  slope_result r;
  slope_result_init(&r);
  if (slope_run(p, adam, &opts, &r, &trace) != SLOPE_OK) goto done;

  const double *x = slope_problem_x(p);
  printf("w1 = %.6f\nw2 = %.6f\nb = %.6f\n", x[0], x[1], x[2]);
  printf("f = %.6f\nsteps = %ld\nstatus = %s\ncallbacks = %ld\nnfev = %ld\n",
         r.f, r.steps, slope_status_name(r.status), data.calls, r.nfev);

  /* The trace: row k describes one point, x after k updates, with f and |g|
  ** there and the learning rate of step k (row 0 is the start). */
  printf("%6s %10s %10s %10s %10s %10s %10s\n", "step", "f", "lr", "|g|", "w1", "w2", "b");
  for (size_t k = 0; k < slope_trace_rows(trace); k++) {
    long step;
    double f, rate, gnorm, pt[3];
    if (slope_trace_row(trace, k, &step, &f, &rate, &gnorm, pt) != SLOPE_OK) goto done;
    printf("%6ld %10.6f %10.3e %10.3e %10.6f %10.6f %10.6f\n", step, f, rate, gnorm, pt[0], pt[1], pt[2]);
  }
  ok = 1;

done:
  if (!ok) {
    slope_error e = slope_error_get(S);
    fprintf(stderr, "callback: error %d: %s\n", e.code, e.message);
  }
  slope_trace_free(trace);
  slope_problem_free(p);
  slope_schedule_free(decay);
  slope_optim_free(adam);
  slope_free(S);
  return ok ? 0 : 1;
}
