/*
** test_errors.c -- errors do not outlive their call (slope.h, "Errors").
**
** Each case makes one kind of failure happen through the C API and checks
** its code and message; then an unrelated call must succeed with the right
** value: d/dx x^2 at x = 3 is 6 (by hand), and the context reports no
** error afterwards.  Failed runs must say so: status "error" with the
** message, never "max_steps".  A chain of constructors still carries the
** failure that started it up to the end.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "slope.h"

static slope_ctx *S;

static int contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

static slope_expr parse(const char *src) { return slope_parse(S, src, strlen(src)); }

/* The unrelated call: d/dx x^2 = 2*x, evaluated at 3, and no error left behind. */
static void unrelated(const char *after) {
  slope_expr d = slope_diff(S, parse("x^2"), "x");
  if (!CHECK(d != 0)) fprintf(stderr, "    after %s: %s\n", after, slope_error_get(S).message);
  const char *names[] = {"x"};
  double x = 3, v = 0;
  CHECK_INT(slope_eval(S, d, names, &x, 1, &v), SLOPE_OK);
  CHECK_NEAR(v, 6, 0);
  CHECK_STR(slope_print(S, d), "2*x");
  CHECK_INT(slope_size(S, d), 3);   /* 2, x, 2*x */
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);
  CHECK_STR(slope_error_get(S).message, "");
  CHECK_INT(slope_error_get(S).line, 0);
  CHECK_INT(slope_error_get(S).col, 0);
}

/* ---- expressions ------------------------------------------------------------ */

static void expressions(void) {
  /* syntax error, then an unrelated parse */
  CHECK(parse("x +") == 0);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRSYNTAX);
  CHECK_INT(slope_error_get(S).col, 4);
  unrelated("a syntax error");

  /* unknown function name */
  slope_expr x = slope_var(S, "x");
  CHECK(slope_call(S, "sinn", &x, 1) == 0);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRNAME);
  CHECK(contains(slope_error_get(S).message, "unknown function 'sinn'"));
  unrelated("an unknown function");

  /* a failure's own message wins over an earlier call's */
  CHECK(parse("(") == 0);
  CHECK(slope_var(S, "1y") == 0);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRARG);
  CHECK(!contains(slope_error_get(S).message, "1:2:"));
  CHECK(contains(slope_error_get(S).message, "1y"));
  unrelated("a bad variable name");

  /* an unbound variable in eval, then eval of a bound one */
  double v = 0;
  CHECK_INT(slope_eval(S, parse("y + 1"), NULL, NULL, 0, &v), SLOPE_ERRNAME);
  CHECK(contains(slope_error_get(S).message, "'y'"));
  unrelated("an unbound variable");

  /* a chain of constructors is checked once at the end and reports the
  ** failure that started it, though valid calls ran in between */
  slope_expr bad = parse("sin(x");
  CHECK(bad == 0);
  slope_expr y = slope_var(S, "y");
  slope_expr two_y = slope_mul(S, y, slope_num(S, 2));
  CHECK(y != 0 && two_y != 0);           /* valid inputs: a recorded error does not stop them */
  slope_expr sum = slope_add(S, bad, two_y);
  slope_expr top = slope_diff(S, slope_neg(S, sum), "y");
  CHECK(sum == 0 && top == 0);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRSYNTAX);
  CHECK(contains(slope_error_get(S).message, "1:6:"));
  CHECK(slope_print(S, top) == NULL);    /* printing a failed chain reports the same failure */
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRSYNTAX);
  CHECK(slope_compile(S, top, NULL, 0, NULL, 0) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRSYNTAX);
  CHECK(slope_call(S, "sinn", &bad, 1) == 0);   /* the failed argument, not the name */
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRSYNTAX);
  unrelated("a failed chain");

  /* 0 passed without an earlier failure still says what is wrong */
  slope_clear_error(S);
  CHECK(slope_add(S, 0, y) == 0);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRARG);
  CHECK(contains(slope_error_get(S).message, "no expression"));
  unrelated("a 0 handle");

  /* ccode with a bad second parameter name: the failure inside the call is
  ** not lost to the valid names around it */
  const char *params[] = {"x", "2z", "y"};
  CHECK(slope_ccode(S, parse("x*y"), "f", params, 3) == NULL);
  CHECK(contains(slope_error_get(S).message, "2z"));
  unrelated("ccode with a bad name");
}

/* ---- optimizers and schedules ---------------------------------------------------- */

static void setters(void) {
  slope_optim *o = slope_optim_new(S, "adam", 1);
  CHECK(o != NULL);
  double betas[2] = {0.9, 1.5};
  CHECK_INT(slope_optim_set(o, "betas", betas, 2), SLOPE_ERRARG);
  CHECK_STR(slope_error_get(S).message, "adam: betas[2] must be in [0, 1), got 1.5");
  /* the next failure reports itself, not the one before */
  double lr = -1;
  CHECK_INT(slope_optim_set(o, "lr", &lr, 1), SLOPE_ERRARG);
  CHECK(contains(slope_error_get(S).message, "adam: lr must be"));
  CHECK(contains(slope_error_get(S).message, "got -1"));
  unrelated("an out-of-range hyperparameter");
  CHECK_INT(slope_optim_set(o, "momentum", &lr, 1), SLOPE_ERRNAME);
  CHECK(contains(slope_error_get(S).message, "adam has no hyperparameter 'momentum'"));
  lr = 0.5;
  CHECK_INT(slope_optim_set(o, "lr", &lr, 1), SLOPE_OK);   /* valid after a failure */
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);
  double got = 0;
  CHECK_INT(slope_optim_get(o, "lr", &got, 1), 1);
  CHECK_NEAR(got, 0.5, 0);
  slope_optim_free(o);

  CHECK(slope_optim_new(S, "adamm", 1) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRNAME);
  unrelated("an unknown optimizer");

  slope_schedule *s = slope_schedule_new(S, "step");
  CHECK(s != NULL);
  double gamma = -2;
  CHECK_INT(slope_schedule_set(s, "gamma", &gamma, 1), SLOPE_ERRARG);
  CHECK(contains(slope_error_get(S).message, "gamma"));
  unrelated("a bad schedule argument");
  slope_schedule_free(s);
}

/* ---- runs ----------------------------------------------------------------------- */

typedef struct host { int calls, fail_at; } host;

/* f = (x - 1)^2, failing with SLOPE_ERRDATA on call 'fail_at'. */
static int host_fg(void *ud, const double *x, double *f, double *g) {
  host *h = ud;
  if (++h->calls == h->fail_at) return SLOPE_ERRDATA;
  *f = (x[0] - 1) * (x[0] - 1);
  if (g) g[0] = 2 * (x[0] - 1);
  return SLOPE_OK;
}

/* Adam with PyTorch's defaults (lr 1e-3, betas 0.9, 0.999, eps 1e-8) on
** (x - 1)^2 from x0, k steps, as torch.optim.Adam computes them. */
static double adam_by_hand(double x, int k) {
  double m = 0, v = 0;
  for (int t = 1; t <= k; t++) {
    double g = 2 * (x - 1);
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    double denom = sqrt(v) / sqrt(1 - pow(0.999, t)) + 1e-8;
    x -= 1e-3 / (1 - pow(0.9, t)) * m / denom;
  }
  return x;
}

static void check_failed_run(int rc, int want, const slope_result *r, const char *part) {
  CHECK_INT(rc, want);
  CHECK_INT(r->status, SLOPE_STATUS_ERROR);
  CHECK_STR(slope_status_name(r->status), "error");
  if (!CHECK(contains(r->message, part))) fprintf(stderr, "    message: \"%s\"\n", r->message);
  /* the context holds the same failure */
  CHECK_INT(slope_error_get(S).code, want);
  if (!CHECK(contains(slope_error_get(S).message, part)))
    fprintf(stderr, "    error: \"%s\"\n", slope_error_get(S).message);
}

static void runs(void) {
  const char *names[] = {"x"};
  double x0 = 0;
  slope_problem *p = slope_problem_new(S, parse("(x - 1)^2"), names, &x0, 1, NULL);
  if (!CHECK(p != NULL)) return;
  slope_run_opts opts;
  slope_result r;
  slope_result_init(&r);
  slope_trace *t = NULL;

  /* onecycle's momentum sets Adam's beta1: max_momentum = 1 is out of range */
  slope_optim *adam = slope_optim_new(S, "adam", 1);
  slope_schedule *oc = slope_schedule_new(S, "onecycle");
  double max_lr = 0.1, total = 10, one = 1;
  CHECK_INT(slope_schedule_set(oc, "max_lr", &max_lr, 1), SLOPE_OK);
  CHECK_INT(slope_schedule_set(oc, "total_steps", &total, 1), SLOPE_OK);
  CHECK_INT(slope_schedule_set(oc, "max_momentum", &one, 1), SLOPE_OK);
  slope_run_defaults(&opts);
  opts.steps = 10;
  opts.schedule = oc;
  int rc = slope_run(p, adam, &opts, &r, &t);
  check_failed_run(rc, SLOPE_ERRARG, &r, "adam: betas[1] must be in [0, 1), got 1");
  CHECK(contains(r.message, "onecycle"));
  CHECK(contains(slope_error_get(S).message, "onecycle"));
  CHECK(t == NULL);
  CHECK_INT(r.steps, 0);
  CHECK_NEAR(slope_problem_x(p)[0], 0, 0);   /* no update was made */
  unrelated("a schedule that set an invalid beta");

  /* the same run maximizing: the caller's maximize comes back, and restoring
  ** it does not hide the run's failure */
  opts.maximize = 1;
  rc = slope_run(p, adam, &opts, &r, NULL);
  check_failed_run(rc, SLOPE_ERRARG, &r, "betas[1] must be in [0, 1), got 1");
  double was = -1;
  CHECK_INT(slope_optim_get(adam, "maximize", &was, 1), 1);
  CHECK_NEAR(was, 0, 0);
  unrelated("a failed maximizing run");
  opts.maximize = 0;

  /* a beta1 that becomes invalid mid-run (a sequential schedule whose second
  ** part is that onecycle): the failure names the step */
  slope_schedule *c = slope_schedule_new(S, "constant");
  double factor = 1;
  CHECK_INT(slope_schedule_set(c, "factor", &factor, 1), SLOPE_OK);
  slope_schedule *parts[] = {c, oc};
  long ms[] = {3};
  slope_schedule *seq = slope_schedule_sequential(S, parts, 2, ms, 1);
  CHECK(seq != NULL);
  opts.schedule = seq;
  slope_problem_x(p)[0] = 0;
  rc = slope_run(p, adam, &opts, &r, NULL);
  check_failed_run(rc, SLOPE_ERRARG, &r, "step 4: the sequential schedule set an invalid momentum: "
                   "adam: betas[1] must be in [0, 1), got 1");
  CHECK_INT(r.steps, 3);   /* three steps were made before step 4 failed */
  CHECK_NEAR(slope_problem_x(p)[0], adam_by_hand(0, 3), 1e-13);
  unrelated("a schedule failing mid-run");
  slope_schedule_free(seq);
  slope_schedule_free(c);

  /* a cosine schedule without T_max cannot compute: an error before any step */
  slope_schedule *cos = slope_schedule_new(S, "cosine");
  opts.schedule = cos;
  rc = slope_run(p, adam, &opts, &r, NULL);
  check_failed_run(rc, SLOPE_ERRARG, &r, "cosine: missing required argument 'T_max'");
  CHECK_INT(r.steps, 0);
  unrelated("a schedule without T_max");
  slope_schedule_free(cos);
  opts.schedule = NULL;

  /* bad options */
  opts.steps = -1;
  rc = slope_run(p, adam, &opts, &r, NULL);
  check_failed_run(rc, SLOPE_ERRARG, &r, "steps must be >= 0, got -1");
  unrelated("bad run options");
  opts.steps = 10;

  /* a failing host callback: call 1 is the start point, calls 2.. steps 1..;
  ** call 6 fails, so step 5 fails after 4 updates */
  host h = {0, 6};
  slope_objective obj = {host_fg, NULL, &h};
  slope_problem *q = slope_problem_callback(S, 1, names, &x0, obj);
  slope_optim *plain = slope_optim_new(S, "sgd", 1);
  double lr = 0.25;
  CHECK_INT(slope_optim_set(plain, "lr", &lr, 1), SLOPE_OK);
  rc = slope_run(q, plain, &opts, &r, &t);
  check_failed_run(rc, SLOPE_ERRDATA, &r, "the objective callback failed with code 6");
  CHECK(contains(r.message, "step 5"));
  CHECK_INT(r.steps, 4);
  /* x_k = 1 - 0.5^k by hand (x <- x - 0.25*2*(x - 1)) */
  CHECK_NEAR(slope_problem_x(q)[0], 1 - pow(0.5, 4), 1e-15);
  CHECK(t == NULL);
  unrelated("a failing callback");
  /* the same problem runs again once the callback works */
  h.fail_at = 0;
  slope_problem_x(q)[0] = 0;
  CHECK_INT(slope_run(q, plain, &opts, &r, NULL), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_MAX_STEPS);
  CHECK_NEAR(slope_problem_x(q)[0], 1 - pow(0.5, 10), 1e-15);
  slope_problem_free(q);

  /* loading a missing checkpoint, and resuming from one */
  CHECK_INT(slope_checkpoint_load(S, "/nonexistent/slope.ckpt", p, adam), SLOPE_ERRIO);
  CHECK(contains(slope_error_get(S).message, "/nonexistent/slope.ckpt"));
  unrelated("a missing checkpoint");
  opts.resume_path = "/nonexistent/slope.ckpt";
  rc = slope_run(p, adam, &opts, &r, NULL);
  check_failed_run(rc, SLOPE_ERRIO, &r, "/nonexistent/slope.ckpt");
  unrelated("resuming a missing checkpoint");
  opts.resume_path = NULL;

  /* after all that, a good run still works: x_k = 1 - 0.5^k */
  slope_problem_x(p)[0] = 0;
  CHECK_INT(slope_run(p, plain, &opts, &r, NULL), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_MAX_STEPS);
  CHECK_NEAR(slope_problem_x(p)[0], 1 - pow(0.5, 10), 1e-15);
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);

  slope_optim_free(plain);
  slope_schedule_free(oc);
  slope_optim_free(adam);
  slope_problem_free(p);
}

/* ---- data --------------------------------------------------------------------- */

static void data(void) {
  char path[] = "/tmp/slope_test_errors_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  const char bad[] = "x,y\n1,2\n3,abc\n";
  CHECK(write(fd, bad, sizeof bad - 1) == (ssize_t)(sizeof bad - 1));
  close(fd);
  CHECK(slope_data_csv(S, path) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRDATA);
  CHECK(contains(slope_error_get(S).message, ":3: column 2 ('y'): 'abc' is not a number"));
  unrelated("a bad CSV file");
  unlink(path);

  slope_data *d = slope_data_new(S);
  double a[] = {1, 2, 3}, b[] = {4, 5};
  CHECK_INT(slope_data_add(d, "a", a, 3), SLOPE_OK);
  CHECK_INT(slope_data_add(d, "b", b, 2), SLOPE_ERRDATA);
  CHECK_INT(slope_data_add(d, "a", a, 3), SLOPE_ERRNAME);   /* its own message, not the last one */
  CHECK(contains(slope_error_get(S).message, "'a'"));
  unrelated("bad columns");
  CHECK_INT(slope_data_add(d, "c", a, 3), SLOPE_OK);
  CHECK_INT(slope_data_ncols(d), 2);
  slope_data_free(d);
}

int main(void) {
  S = slope_new();
  if (!S) return 1;
  expressions();
  setters();
  runs();
  data();
  slope_free(S);
  return check_done();
}
