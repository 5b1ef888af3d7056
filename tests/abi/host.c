/*
** host.c -- a host program for tests/test_abi.sh, compiled against the
** frozen slope 0.1 structs (tests/abi/0.1) and against today's slope.h, and
** linked with today's libslope or one with fields added.
**
** './host run' prints two runs exactly (doubles as %a): Rosenbrock by Adam +
** cosine, and a host-callback quadratic by Adam + exponential decay +
** gradient noise with an on_step callback.  Every struct the library sees
** is followed by bytes of 0xA5 that must stay as they were: the library reads
** and writes only what the host's 'size' covers.  './host misuse' prints the
** codes and messages of a zeroed options struct, a zeroed result and a size
** that is no layout's.
*/
#include <stdio.h>
#include <string.h>

#include <slope.h>

#define JUNK 0xA5
#define NJUNK 256

/* A struct as a host has it, with junk after it. */
typedef struct { slope_run_opts o; unsigned char after[NJUNK]; } opts_box;
typedef struct { slope_result r; unsigned char after[NJUNK]; } result_box;

static int junk_intact(const unsigned char *after) {
  for (int i = 0; i < NJUNK; i++) if (after[i] != JUNK) return 0;
  return 1;
}

typedef struct { long calls, last_step; size_t info_size; int n; } seen;

static int on_step(void *ud, const slope_step_info *s) {
  seen *w = ud;
  w->calls++;
  w->last_step = s->step;
  w->info_size = s->size;
  w->n = s->n;
  return 0;
}

/* f = (x1 - 3)^2 + 10 (x2 + 1)^2 */
static int bowl(void *ud, const double *x, double *f, double *g) {
  (void)ud;
  *f = (x[0] - 3) * (x[0] - 3) + 10 * (x[1] + 1) * (x[1] + 1);
  if (g) { g[0] = 2 * (x[0] - 3); g[1] = 20 * (x[1] + 1); }
  return SLOPE_OK;
}

/* Options and result as a host sets them up, junk after each. */
static void fresh(opts_box *ob, result_box *rb) {
  memset(ob, JUNK, sizeof *ob);
  memset(rb, JUNK, sizeof *rb);
  slope_run_defaults(&ob->o);
  slope_result_init(&rb->r);
}

static void print_run(const char *name, slope_problem *p, const result_box *rb, const opts_box *ob) {
  const double *x = slope_problem_x(p);
  printf("%s.x = %a %a\n", name, x[0], x[1]);
  printf("%s.f = %a\n%s.grad_norm = %a\n", name, rb->r.f, name, rb->r.grad_norm);
  printf("%s.status = %s\n%s.steps = %ld\n", name, slope_status_name(rb->r.status), name, rb->r.steps);
  printf("%s.message = %s\n", name, rb->r.message);
  printf("%s.size kept = %d\n", name, rb->r.size == sizeof rb->r);
  printf("%s.junk intact = %d %d\n", name, junk_intact(ob->after), junk_intact(rb->after));
}

static int run_both(slope_ctx *S) {
  opts_box ob;
  result_box rb;
  static const char *const names[] = {"x", "y"};
  const char *src = "(1 - x)^2 + 100*(y - x^2)^2";
  double x0[2] = {-1, 1}, lr = 0.05, tmax = 2000, gamma = 0.999;
  slope_problem *p = slope_problem_new(S, slope_parse(S, src, strlen(src)), names, x0, 2, NULL);
  slope_optim *adam = slope_optim_new(S, "adam", 2);
  slope_schedule *cos = slope_schedule_new(S, "cosine"), *decay = slope_schedule_new(S, "exponential");
  if (!p || !adam || !cos || !decay || slope_optim_set(adam, "lr", &lr, 1) != SLOPE_OK ||
      slope_schedule_set(cos, "T_max", &tmax, 1) != SLOPE_OK ||
      slope_schedule_set(decay, "gamma", &gamma, 1) != SLOPE_OK) return 1;
  fresh(&ob, &rb);
  ob.o.steps = 2000;
  ob.o.schedule = cos;
  int rc = slope_run(p, adam, &ob.o, &rb.r, NULL);
  printf("rosenbrock.rc = %d\n", rc);
  print_run("rosenbrock", p, &rb, &ob);
  slope_problem_free(p);
  slope_optim_free(adam);

  double b0[2] = {0, 0};
  slope_objective obj = {bowl, NULL, NULL};
  seen w = {0, 0, 0, 0};
  p = slope_problem_callback(S, 2, NULL, b0, obj);
  adam = slope_optim_new(S, "adam", 2);
  lr = 0.1;
  if (!p || !adam || slope_optim_set(adam, "lr", &lr, 1) != SLOPE_OK) return 1;
  fresh(&ob, &rb);
  ob.o.steps = 1500;
  ob.o.schedule = decay;
  ob.o.noise.kind = SLOPE_NOISE_GRADIENT;
  ob.o.noise.eta = 0.01;
  ob.o.noise.gamma = 0.55;
  ob.o.seed = 3;
  ob.o.on_step = on_step;
  ob.o.ud = &w;
  ob.o.every = 100;
  rc = slope_run(p, adam, &ob.o, &rb.r, NULL);
  printf("bowl.rc = %d\n", rc);
  print_run("bowl", p, &rb, &ob);
  printf("bowl.on_step = %ld calls, last step %ld, n %d, info size covers ours %d\n", w.calls, w.last_step,
         w.n, w.info_size >= sizeof(slope_step_info));
  slope_problem_free(p);
  slope_optim_free(adam);
  slope_schedule_free(cos);
  slope_schedule_free(decay);
  return 0;
}

static void misuse_one(slope_ctx *S, slope_problem *p, slope_optim *o, const char *what, opts_box *ob,
                       result_box *rb) {
  int rc = slope_run(p, o, &ob->o, &rb->r, NULL);
  printf("%s.rc = %d\n%s.error = %s\n", what, rc, what, slope_error_get(S).message);
  printf("%s.status = %d\n%s.message = %s\n", what, rb->r.status, what, rb->r.message);
  slope_clear_error(S);
}

static int misuse(slope_ctx *S) {
  opts_box ob;
  result_box rb;
  static const char *const names[] = {"x"};
  double x0 = 1;
  slope_problem *p = slope_problem_new(S, slope_parse(S, "x^2", 3), names, &x0, 1, NULL);
  slope_optim *o = slope_optim_new(S, "sgd", 1);
  if (!p || !o) return 1;
  memset(&ob, 0, sizeof ob);   /* options never initialized */
  memset(&rb, JUNK, sizeof rb);
  slope_result_init(&rb.r);
  misuse_one(S, p, o, "zeroed_opts", &ob, &rb);
  slope_run_defaults(&ob.o);   /* a result never initialized: left alone */
  memset(&rb, 0, sizeof rb);
  misuse_one(S, p, o, "zeroed_result", &ob, &rb);
  printf("zeroed_result.untouched = %d\n", rb.r.status == 0 && rb.r.message[0] == 0);
  slope_result_init(&rb.r);
  ob.o.size = 12;   /* no layout's */
  misuse_one(S, p, o, "small_size", &ob, &rb);
  ob.o.size = sizeof ob.o + 64;   /* a newer slope.h's, or garbage */
  misuse_one(S, p, o, "large_size", &ob, &rb);
  printf("x unchanged = %d\n", slope_problem_x(p)[0] == 1);
  slope_problem_free(p);
  slope_optim_free(o);
  return 0;
}

int main(int argc, char **argv) {
  slope_ctx *S = slope_new();
  if (!S || argc < 2) return 2;
  int rc = strcmp(argv[1], "misuse") == 0 ? misuse(S) : run_both(S);
  if (rc) fprintf(stderr, "host: %s\n", slope_error_get(S).message);
  slope_free(S);
  return rc;
}
