/*
** errors.c -- a host handles every kind of failure: the return value, the
** code and message in the context, errors that do not outlive their call
** (a chain reports the failure that started it), and the codes of the
** functions without a context.
*/
#include <string.h>

#include <slope.h>
#include "hcheck.h"

static slope_expr parse(slope_ctx *S, const char *src) { return slope_parse(S, src, strlen(src)); }

/* the recorded error has 'code' and a message containing 'part'; then clear it */
static void expect(slope_ctx *S, int code, const char *part, const char *what) {
  slope_error e = slope_error_get(S);
  check(e.code == code && strstr(e.message, part) != NULL, "%s: code %d, message '%s'", what, e.code, e.message);
  slope_clear_error(S);
}

int main(void) {
  slope_ctx *S = slope_new();
  if (!S) return 1;
  slope_error e = slope_error_get(S);
  check(e.code == SLOPE_OK && e.message && e.message[0] == '\0', "a new context has no error");

  /* a syntax error: position and caret */
  check(parse(S, "a = x + 1\nb * (2 +* y)") == 0, "a syntax error returns 0");
  e = slope_error_get(S);
  check(e.code == SLOPE_ERRSYNTAX && e.line == 2 && e.col == 9 && e.offset == 18,
        "at line %d, col %d, offset %zu (2, 9, 18)", e.line, e.col, e.offset);
  check(strncmp(e.message, "2:9:", 4) == 0 && strstr(e.message, "b * (2 +* y)\n        ^") != NULL,
        "the message starts with 2:9: and shows the line and a caret: %s", e.message);

  /* an error does not outlive its call: the next call starts clean, and a
  ** call given the failed expression 0 reports the failure that made it */
  check(slope_num(S, 1) != 0 && slope_error_get(S).code == SLOPE_OK,
        "after a failure, the next call builds and reports no error");
  check(slope_add(S, parse(S, "sin("), slope_num(S, 2)) == 0, "a chain with a failed part fails");
  e = slope_error_get(S);
  check(e.code == SLOPE_ERRSYNTAX && strstr(e.message, "sin(") != NULL,
        "the chain reports the failure that started it: %s", e.message);
  slope_clear_error(S);
  check(slope_error_get(S).code == SLOPE_OK && slope_num(S, 1) != 0, "after slope_clear_error it builds");

  /* a failed child passes through: one check at the end of a chain */
  slope_expr x = slope_var(S, "x");
  check(slope_mul(S, slope_add(S, x, slope_var(S, "2bad")), x) == 0, "a failed child fails the chain");
  expect(S, SLOPE_ERRARG, "2bad", "a bad variable name");
  check(slope_num(S, NAN) == 0, "a NaN constant");
  expect(S, SLOPE_ERRARG, "not finite", "slope_num(NaN)");
  check(parse(S, "frobnicate(x)") == 0, "an unknown function");
  expect(S, SLOPE_ERRNAME, "frobnicate", "unknown function");
  check(slope_call(S, "atan2", &x, 1) == 0, "a wrong argument count");
  expect(S, SLOPE_ERRARG, "takes 2 arguments", "slope_call arity");
  check(slope_add(S, x, 999999) == 0, "a handle that is not of this context");
  expect(S, SLOPE_ERRMISUSE, "invalid expression handle", "bad handle");

  /* evaluation */
  double r;
  slope_expr e2 = parse(S, "x*y");
  const char *names[] = {"x"};
  double one = 1;
  check(slope_eval(S, e2, names, &one, 1, &r) == SLOPE_ERRNAME, "eval without a value for y");
  expect(S, SLOPE_ERRNAME, "'y'", "unbound variable");
  check(slope_eval(S, parse(S, "mean(x)"), names, &one, 1, &r) == SLOPE_ERRDATA, "eval of a reduction");
  expect(S, SLOPE_ERRDATA, "needs data", "reduction without data");
  const char *params[] = {"x"};
  check(slope_compile(S, e2, params, 1, NULL, 0) == NULL, "compile with y neither parameter nor column");
  expect(S, SLOPE_ERRNAME, "y", "compile: unknown name");

  /* optimizers and schedules: names and ranges */
  check(slope_optim_new(S, "adma", 2) == NULL, "an unknown optimizer");
  expect(S, SLOPE_ERRNAME, "adma", "slope_optim_new");
  slope_optim *o = slope_optim_new(S, "adam", 2);
  double bad = -1, lr = 0.5;
  check(o && slope_optim_set(o, "lr", &bad, 1) == SLOPE_ERRARG, "lr = -1 is out of range");
  expect(S, SLOPE_ERRARG, "lr", "slope_optim_set range");
  double v = 0;
  int nv = slope_optim_get(o, "lr", &v, 1);
  check(nv == 1 && v == 0.001, "the old lr stays (%g)", v);
  check(slope_optim_set(o, "lrr", &lr, 1) == SLOPE_ERRNAME, "an unknown hyperparameter");
  expect(S, SLOPE_ERRNAME, "lrr", "slope_optim_set name");
  check(slope_optim_get(o, "nope", &v, 1) == -1, "slope_optim_get of an unknown name is -1");
  slope_schedule *s = slope_schedule_new(S, "step");
  check(s && slope_schedule_check(s) == SLOPE_ERRARG, "a step schedule without step_size");
  expect(S, SLOPE_ERRARG, "step_size", "slope_schedule_check names the missing argument");

  /* a run with a bad option and with a schedule still missing its argument */
  const double x0[] = {1, 2};
  const char *p2[] = {"x", "y"};
  slope_problem *p = slope_problem_new(S, e2, p2, x0, 2, NULL);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.clip_norm = -1;
  slope_result res;
  slope_result_init(&res);
  check(p && slope_run(p, o, &opts, &res, NULL) == SLOPE_ERRARG, "slope_run with clip_norm -1");
  expect(S, SLOPE_ERRARG, "clip", "bad run option");
  slope_run_defaults(&opts);
  opts.schedule = s;
  check(slope_run(p, o, &opts, &res, NULL) == SLOPE_ERRARG, "slope_run with an incomplete schedule");
  expect(S, SLOPE_ERRARG, "step_size", "incomplete schedule in a run");
  check(slope_problem_batch(p, 4, 1, 1) == SLOPE_ERRARG, "batches of a problem without data");
  expect(S, SLOPE_ERRARG, "data", "slope_problem_batch");

  /* divergence is a status, not an error: x*y from (1, 2) ascends without bound */
  slope_run_defaults(&opts);
  opts.maximize = 1;
  opts.steps = 5000;
  slope_optim *sgd = slope_optim_new(S, "sgd", 2);
  check(sgd && slope_optim_set(sgd, "lr", &lr, 1) == SLOPE_OK && slope_run(p, sgd, &opts, &res, NULL) == SLOPE_OK,
        "a diverging run returns SLOPE_OK");
  slope_optim_free(sgd);
  check(res.status == SLOPE_DIVERGED && strcmp(slope_status_name(res.status), "diverged") == 0 && isfinite(res.f),
        "status diverged with a finite f (%s: %s)", slope_status_name(res.status), res.message);

  /* files */
  check(slope_data_csv(S, "/nonexistent/slope.csv") == NULL, "a CSV file that is not there");
  expect(S, SLOPE_ERRIO, "/nonexistent/slope.csv", "slope_data_csv");
  check(slope_checkpoint_load(S, "/nonexistent/ck", p, o) == SLOPE_ERRIO, "a checkpoint that is not there");
  expect(S, SLOPE_ERRIO, "/nonexistent/ck", "slope_checkpoint_load");

  /* functions without a context say it by their return value */
  check(slope_function_eval("nope", &one, 1, &r) == SLOPE_ERRNAME, "slope_function_eval: unknown name");
  check(slope_function_eval("sin", &one, 2, &r) == SLOPE_ERRARG, "slope_function_eval: arity");
  check(slope_function_eval("mean", &one, 1, &r) == SLOPE_ERRDATA, "slope_function_eval: a reduction");
  check(slope_optim_hyper_at("nope", 0) == NULL && slope_optim_about("nope") == NULL &&
        slope_optim_needs("nope") == 0, "the registry answers NULL or 0 for an unknown kind");
  const char *kinds[] = {"adam", "sgd", "lbfgs"};
  const char *near = slope_suggest("lbgfs", kinds, 3);
  check(near == kinds[2], "slope_suggest(lbgfs) = %s", near ? near : "(null)");
  char buf[16];
  check(strcmp(slope_name_list(buf, sizeof buf, kinds, 3), "adam, sgd, lbfg") == 0, "slope_name_list cuts to fit: '%s'", buf);
  check(slope_error_get(S).code == SLOPE_OK, "none of them recorded anything");

  slope_problem_free(p);
  slope_schedule_free(s);
  slope_optim_free(o);
  slope_free(S);
  return checks_done();
}
