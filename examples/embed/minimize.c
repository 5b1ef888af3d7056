/*
** minimize.c -- slope from C, without Lua: parse the 2-D Rosenbrock function,
** minimize it with Adam (lr 0.05) under a cosine learning-rate schedule for
** 2000 steps, and print the result.
**
**   cc minimize.c $(pkg-config --cflags --libs slope) -o minimize && ./minimize
**
** Ownership, in one paragraph.  Everything hangs off a context (slope_new,
** slope_free).  Expressions are integer handles into the context: they are
** never freed one by one and stay valid until the context is freed.  Strings
** the library returns (slope_print, error messages) are borrowed from the
** context and valid until the next call on it: copy them to keep them.  The
** objects you make from the context (problems, optimizers, schedules, data
** sets, traces) are yours: free each with its own *_free function, which
** accepts NULL, before you free the context.  Option structs such as
** slope_run_opts only borrow what they point at.
**
** Errors: a constructor returns 0 or NULL, other functions return an error
** code (SLOPE_OK is 0); either way slope_error_get reads the code and message
** of that failed call until the next call (a failed call does not affect the
** next one, and a constructor given 0 reports the failure that made it).
*/
#include <stdio.h>
#include <string.h>

#include <slope.h>

int main(void) {
  const char *src = "(1 - x)^2 + 100*(y - x^2)^2";
  const char *params[] = {"x", "y"};    /* the order of x0 and of the point */
  const double x0[] = {-1.0, 1.0};
  const long steps = 2000;
  double lr = 0.05, tmax = (double)steps;

  slope_ctx *S = slope_new();
  if (!S) {
    fputs("minimize: out of memory\n", stderr);
    return 1;
  }
  /* Start every object at NULL so one cleanup path frees whatever was made. */
  slope_problem *p = NULL;
  slope_optim *adam = NULL;
  slope_schedule *cosine = NULL;
  int ok = 0;

  /* 1. Parse: 0 means failure, and the message has line:col and a caret. */
  slope_expr f = slope_parse(S, src, strlen(src));
  if (!f) goto done;
  printf("f = %s\n", slope_print(S, f));   /* borrowed text: use it at once */

  /* 2. A problem: f compiled to a tape for the parameters x and y, from x0
  ** (copied), without data (the last argument would be a slope_data). */
  p = slope_problem_new(S, f, params, x0, 2, NULL);
  if (!p) goto done;

  /* 3. Adam with PyTorch's defaults, then lr = 0.05 by its PyTorch name. */
  adam = slope_optim_new(S, "adam", 2);
  if (!adam || slope_optim_set(adam, "lr", &lr, 1) != SLOPE_OK) goto done;

  /* 4. CosineAnnealingLR(T_max = steps): the rate falls from 0.05 to 0. */
  cosine = slope_schedule_new(S, "cosine");
  if (!cosine || slope_schedule_set(cosine, "T_max", &tmax, 1) != SLOPE_OK) goto done;

  /* 5. Run.  The options borrow the schedule; the run moves the problem's
  ** point in place.  A NULL trace pointer records no trace.  Options and
  ** result carry their size (set by slope_run_defaults and slope_result_init),
  ** so this program keeps working with newer libslope.so.0.2 releases. */
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = steps;
  opts.schedule = cosine;
  slope_result r;
  slope_result_init(&r);
  if (slope_run(p, adam, &opts, &r, NULL) != SLOPE_OK) goto done;

  /* 6. The point is the problem's own storage: read it, do not free it. */
  const double *x = slope_problem_x(p);
  printf("x = %.6f\ny = %.6f\n", x[0], x[1]);
  printf("f = %.6e\n", r.f);
  printf("steps = %ld\nstatus = %s\nmessage = %s\n", r.steps, slope_status_name(r.status), r.message);
  ok = 1;

done:
  if (!ok) {
    slope_error e = slope_error_get(S);
    fprintf(stderr, "minimize: error %d: %s\n", e.code, e.message);
  }
  /* Free what was made (NULL is fine), the context last. */
  slope_schedule_free(cosine);
  slope_optim_free(adam);
  slope_problem_free(p);
  slope_free(S);
  return ok ? 0 : 1;
}
