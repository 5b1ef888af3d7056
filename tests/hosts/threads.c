/*
** threads.c -- two threads, one context each, at the same time: each
** parses, differentiates and minimizes its own quadratic with SGD over and
** over, and the main thread checks every result against the closed form of
** SGD on a quadratic after joining (workers never print).  test_embed.sh
** also builds it with -fsanitize=thread.
*/
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <slope.h>
#include "hcheck.h"

#define ROUNDS 200
#define STEPS 20

typedef struct job {
  double c;                 /* minimize (x - c)^2 + 2 */
  int rc;                   /* SLOPE_OK, or the first failure */
  char deriv[64];           /* the printed derivative of the last round */
  double x[ROUNDS], f[ROUNDS];
} job;

static void *work(void *arg) {
  job *j = arg;
  slope_ctx *S = slope_new();
  if (!S) { j->rc = SLOPE_ERRMEM; return NULL; }
  char src[64];
  snprintf(src, sizeof src, "(x - %.17g)^2 + 2", j->c);
  const char *params[] = {"x"};
  const double x0[] = {0};
  double lr = 0.1;
  for (int k = 0; k < ROUNDS && j->rc == SLOPE_OK; k++) {
    slope_expr e = slope_parse(S, src, strlen(src));
    const char *d = slope_print(S, slope_diff(S, e, "x"));
    if (d) snprintf(j->deriv, sizeof j->deriv, "%s", d);
    slope_problem *p = slope_problem_new(S, e, params, x0, 1, NULL);
    slope_optim *o = slope_optim_new(S, "sgd", 1);
    slope_run_opts opts;
    slope_run_defaults(&opts);
    opts.steps = STEPS;
    opts.trace_every = 0;
    slope_result r;
    slope_result_init(&r);
    if (!p || !o || slope_optim_set(o, "lr", &lr, 1) != SLOPE_OK ||
        slope_run(p, o, &opts, &r, NULL) != SLOPE_OK)
      j->rc = slope_error_get(S).code;
    else {
      j->x[k] = slope_problem_x(p)[0];
      j->f[k] = r.f;
    }
    slope_optim_free(o);
    slope_problem_free(p);
  }
  slope_free(S);
  return NULL;
}

int main(void) {
  job jobs[2] = {{3.0, SLOPE_OK, "", {0}, {0}}, {-1.5, SLOPE_OK, "", {0}, {0}}};
  pthread_t th[2];
  int started[2];
  for (int i = 0; i < 2; i++) started[i] = pthread_create(&th[i], NULL, work, &jobs[i]) == 0;
  for (int i = 0; i < 2; i++) if (started[i]) pthread_join(th[i], NULL);
  for (int i = 0; i < 2; i++) {
    job *j = &jobs[i];
    /* SGD on (x - c)^2 with lr 0.1 from 0: x_t - c = -c (1 - 0.2)^t */
    double want = j->c - j->c * pow(0.8, STEPS);
    check(started[i] && j->rc == SLOPE_OK, "thread %d ran %d rounds (rc %d)", i, ROUNDS, j->rc);
    int same = 1;
    for (int k = 0; k < ROUNDS; k++) same &= j->x[k] == j->x[0] && j->f[k] == j->f[0];
    check(same, "thread %d: every round gave the same point and f", i);
    check_near(j->x[0], want, 1e-12, "x = c - c*0.8^20");
    check_near(j->f[0], 2 + pow(want - j->c, 2), 1e-12, "f = 2 + (x - c)^2");
    char d[64];
    snprintf(d, sizeof d, "2*x %c %.17g", j->c > 0 ? '-' : '+', 2 * fabs(j->c));
    check(strcmp(j->deriv, d) == 0, "thread %d: d/dx = '%s' (%s)", i, j->deriv, d);
  }
  return checks_done();
}
