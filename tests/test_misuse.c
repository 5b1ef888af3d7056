/*
** test_misuse.c -- every public function of slope.h called the wrong way:
** a NULL context, a NULL object, a NULL required pointer, sizes that do not
** match, objects of two contexts, expression handles that are not nodes,
** negative counts.  Each call must return what a failed call returns, record
** SLOPE_ERRMISUSE (or the code its documentation gives) with a message that
** names the function and what was wrong, write nothing out of bounds (run it
** under 'make sanitize'), and leave the context fit for the next call.
**
** Every check marks the function it called; the last test reads slope.h and
** fails for a declared function that no check called, so a new public
** function gets a misuse row here.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "slope.h"

/* ---- which functions the checks called ------------------------------------------ */

#define MAX_COVERED 256
static const char *covered[MAX_COVERED];
static int ncovered;

static void cover(const char *fn) {
  for (int i = 0; i < ncovered; i++) if (strcmp(covered[i], fn) == 0) return;
  if (ncovered < MAX_COVERED) covered[ncovered++] = fn;
}

/* The call was refused the way a misuse is: 'refused' says it returned what
** a failed call returns; the context holds 'code' and a message containing
** the function's name and 'what'; and an unrelated valid call then succeeds
** (5 + 1 evaluates to 6). */
static void refused_check(slope_ctx *S, int refused, int code, const char *fn, const char *what,
                          const char *file, int line) {
  cover(fn);
  slope_error e = slope_error_get(S);
  int ok = refused && e.code == code && strstr(e.message, what) &&
           (code != SLOPE_ERRMISUSE || strstr(e.message, fn));
  if (!check_report(ok, file, line, fn))
    fprintf(stderr, "    refused %d, code %d (want %d), message \"%s\" (want \"%s\")\n",
            refused, e.code, code, e.message, what);
  double v = 0;
  slope_expr x = slope_parse(S, "x + 1", 5);
  int rc = slope_eval(S, x, (const char *[]){"x"}, (double[]){5}, 1, &v);
  if (!check_report(rc == SLOPE_OK && v == 6 && slope_error_get(S).code == SLOPE_OK, file, line,
                    "the next valid call succeeds"))
    fprintf(stderr, "    after %s: %s\n", fn, slope_error_get(S).message);
}
#define MISUSE(S, refused, fn, what) \
  refused_check(S, (refused), SLOPE_ERRMISUSE, fn, what, __FILE__, __LINE__)
/* A misuse that keeps the code its documentation gave before SLOPE_ERRMISUSE. */
#define REFUSED(S, refused, code, fn, what) refused_check(S, (refused), code, fn, what, __FILE__, __LINE__)
/* No context to record anything in: the call must only answer 'ok'. */
#define SAFE(ok, fn) (cover(fn), CHECK(ok))

/* ---- the objects the calls are given ------------------------------------------- */

typedef struct world {
  slope_ctx *S, *S2;         /* S2: "another context" */
  slope_expr f;              /* (x-1)^2 + (y-2)^2 over parameters x, y */
  slope_expr big;            /* a node of S past the last node of S2 */
  slope_problem *p, *p2;     /* p in S (x0 = 0, 5), p2 in S2 */
  slope_optim *o1, *o2, *o3, *oB;   /* adam for 1, 2, 3 parameters; oB in S2 */
  slope_data *d, *d2;
  slope_schedule *sch, *sch2;
  slope_tape *T;             /* mean((a*x - b)^2) with columns a, b */
  slope_trace *tr;
  char path[64];
} world;

static const char *const XY[] = {"x", "y"};

static void make_world(world *w) {
  memset(w, 0, sizeof *w);
  w->S = slope_new();
  w->S2 = slope_new();
  slope_ctx *S = w->S;
  w->f = slope_parse(S, "(x-1)^2 + (y-2)^2", 17);
  /* enough nodes that 'big' is past everything S2 holds */
  slope_expr e = slope_var(S, "q");
  for (int i = 0; i < 50; i++) e = slope_add(S, slope_mul(S, e, slope_num(S, i + 2)), slope_num(S, 1));
  w->big = e;
  w->p = slope_problem_new(S, w->f, XY, (double[]){0, 5}, 2, NULL);
  w->p2 = slope_problem_new(w->S2, slope_parse(w->S2, "x^2 + y^2", 9), XY, NULL, 2, NULL);
  w->o1 = slope_optim_new(S, "adam", 1);
  w->o2 = slope_optim_new(S, "adam", 2);
  w->o3 = slope_optim_new(S, "adam", 3);
  w->oB = slope_optim_new(w->S2, "adam", 2);
  w->d = slope_data_new(S);
  w->d2 = slope_data_new(w->S2);
  CHECK(slope_data_add(w->d, "a", (double[]){1, 2, 3}, 3) == SLOPE_OK);
  CHECK(slope_data_add(w->d2, "a", (double[]){1, 2, 3}, 3) == SLOPE_OK);
  w->sch = slope_schedule_new(S, "cosine");
  w->sch2 = slope_schedule_new(w->S2, "cosine");
  CHECK(slope_schedule_set(w->sch, "T_max", (double[]){10}, 1) == SLOPE_OK);
  CHECK(slope_schedule_set(w->sch2, "T_max", (double[]){10}, 1) == SLOPE_OK);
  slope_expr m = slope_parse(S, "mean((a*x - b)^2)", 17);
  w->T = slope_compile(S, m, (const char *[]){"x"}, 1, (const char *[]){"a", "b"}, 2);
  slope_run_opts opts;
  slope_result r;
  slope_result_init(&r);
  slope_run_defaults(&opts);
  opts.steps = 3;
  slope_problem *q = slope_problem_new(S, w->f, XY, NULL, 2, NULL);
  CHECK(slope_run(q, w->o2, &opts, &r, &w->tr) == SLOPE_OK);
  slope_problem_free(q);
  slope_optim_reset(w->o2);
  snprintf(w->path, sizeof w->path, "/tmp/slope_misuse_%ld.ckpt", (long)getpid());
  CHECK(w->f && w->big && w->p && w->p2 && w->o1 && w->o2 && w->o3 && w->oB && w->d && w->d2 &&
        w->sch && w->sch2 && w->T && w->tr);
}

static void free_world(world *w) {
  slope_trace_free(w->tr);
  slope_tape_free(w->T);
  slope_schedule_free(w->sch);
  slope_schedule_free(w->sch2);
  slope_problem_free(w->p);
  slope_problem_free(w->p2);
  slope_data_free(w->d);
  slope_data_free(w->d2);
  slope_optim_free(w->o1);
  slope_optim_free(w->o2);
  slope_optim_free(w->o3);
  slope_optim_free(w->oB);
  slope_free(w->S);
  slope_free(w->S2);
  unlink(w->path);
}

/* ---- a NULL context or object: nowhere to record, nothing may crash ------------- */

static double half(void *ud, long t, double base) { (void)ud, (void)t; return base / 2; }
static int fg0(void *ud, const double *x, double *f, double *g) {
  (void)ud, (void)x, (void)g;
  *f = 0;
  return SLOPE_OK;
}

static void test_null_context(world *w) {
  const char *names[4];
  double v = 7;
  slope_expr a = w->f;
  SAFE(slope_error_get(NULL).code == SLOPE_ERRMISUSE, "slope_error_get");
  SAFE(strstr(slope_error_get(NULL).message, "slope_error_get: the context is NULL") != NULL, "slope_error_get");
  slope_clear_error(NULL);
  SAFE(1, "slope_clear_error");
  slope_free(NULL);
  SAFE(1, "slope_free");
  SAFE(slope_parse(NULL, "x", 1) == 0, "slope_parse");
  SAFE(slope_num(NULL, 1) == 0, "slope_num");
  SAFE(slope_var(NULL, "x") == 0, "slope_var");
  SAFE(slope_add(NULL, a, a) == 0, "slope_add");
  SAFE(slope_sub(NULL, a, a) == 0, "slope_sub");
  SAFE(slope_mul(NULL, a, a) == 0, "slope_mul");
  SAFE(slope_div(NULL, a, a) == 0, "slope_div");
  SAFE(slope_pow(NULL, a, a) == 0, "slope_pow");
  SAFE(slope_neg(NULL, a) == 0, "slope_neg");
  SAFE(slope_call(NULL, "sin", &a, 1) == 0, "slope_call");
  SAFE(slope_diff(NULL, a, "x") == 0, "slope_diff");
  SAFE(slope_index(NULL, a, a, 0) == 0, "slope_index");
  SAFE(slope_slice(NULL, a, a, a) == 0, "slope_slice");
  SAFE(slope_len(NULL, a) == 0, "slope_len");
  SAFE(slope_diff_shaped(NULL, a, "x", NULL, NULL, 0) == 0, "slope_diff_shaped");
  SAFE(slope_subs(NULL, a, "x", a) == 0, "slope_subs");
  SAFE(slope_var_name(NULL, a) == NULL, "slope_var_name");
  SAFE(slope_size(NULL, a) == 0, "slope_size");
  SAFE(slope_vars(NULL, a, names, 4) == -1, "slope_vars");
  SAFE(slope_eval(NULL, a, XY, (double[]){1, 2}, 2, &v) == SLOPE_ERRMISUSE && v == 7, "slope_eval");
  SAFE(slope_eval_shaped(NULL, a, XY, NULL, (double[]){1, 2}, 2, &v, 1, NULL) == SLOPE_ERRMISUSE && v == 7,
       "slope_eval_shaped");
  SAFE(slope_print(NULL, a) == NULL, "slope_print");
  SAFE(slope_latex(NULL, a) == NULL, "slope_latex");
  SAFE(slope_ccode(NULL, a, "f", XY, 2) == NULL, "slope_ccode");
  SAFE(slope_compile(NULL, a, XY, 2, NULL, 0) == NULL, "slope_compile");
  SAFE(slope_compile_shaped(NULL, a, XY, NULL, 2, NULL, NULL, 0) == NULL, "slope_compile_shaped");
  SAFE(slope_optim_new(NULL, "adam", 2) == NULL, "slope_optim_new");
  SAFE(slope_schedule_new(NULL, "cosine") == NULL, "slope_schedule_new");
  SAFE(slope_schedule_sequential(NULL, &w->sch, 1, NULL, 0) == NULL, "slope_schedule_sequential");
  SAFE(slope_schedule_fn(NULL, half, NULL) == NULL, "slope_schedule_fn");
  SAFE(slope_data_new(NULL) == NULL, "slope_data_new");
  SAFE(slope_data_csv(NULL, "tests/data/points.csv") == NULL, "slope_data_csv");
  SAFE(slope_data_regression(NULL, 10, (double[]){1}, 1, 0, 0, 1) == NULL, "slope_data_regression");
  SAFE(slope_problem_new(NULL, a, XY, NULL, 2, NULL) == NULL, "slope_problem_new");
  SAFE(slope_problem_new_shaped(NULL, a, XY, NULL, NULL, 2, NULL) == NULL, "slope_problem_new_shaped");
  SAFE(slope_problem_callback(NULL, 1, NULL, NULL, (slope_objective){fg0, NULL, NULL}) == NULL,
       "slope_problem_callback");
  SAFE(slope_checkpoint_save(NULL, w->path, w->p, w->o2) == SLOPE_ERRMISUSE, "slope_checkpoint_save");
  SAFE(slope_checkpoint_load(NULL, w->path, w->p, w->o2) == SLOPE_ERRMISUSE, "slope_checkpoint_load");
  SAFE(slope_checkpoint_optim(NULL, w->path, w->p) == NULL, "slope_checkpoint_optim");
  /* S itself recorded nothing: every call above had no context */
  CHECK_INT(slope_error_get(w->S).code, SLOPE_OK);
}

static void test_null_object(void) {
  double v[2] = {1, 2}, f = 7;
  slope_result r;
  slope_result_init(&r);
  slope_run_opts opts;
  slope_run_defaults(&opts);
  slope_tape_free(NULL);
  SAFE(1, "slope_tape_free");
  SAFE(slope_tape_nparams(NULL) == 0, "slope_tape_nparams");
  SAFE(slope_tape_bind(NULL, NULL, 0) == SLOPE_ERRMISUSE, "slope_tape_bind");
  SAFE(slope_tape_grad(NULL, v, NULL, 0, &f, v) == SLOPE_ERRMISUSE && f == 7, "slope_tape_grad");
  SAFE(slope_tape_jit(NULL, SLOPE_JIT_ON) == SLOPE_ERRMISUSE, "slope_tape_jit");
  SAFE(strcmp(slope_tape_jit_status(NULL, NULL), "no tape") == 0, "slope_tape_jit_status");
  SAFE(slope_tape_csource(NULL) == NULL, "slope_tape_csource");
  SAFE(slope_tape_fast_math(NULL, 1) == SLOPE_ERRMISUSE, "slope_tape_fast_math");
  SAFE(slope_tape_fast_math_lanes(NULL) == 0, "slope_tape_fast_math_lanes");
  slope_optim_free(NULL);
  SAFE(1, "slope_optim_free");
  SAFE(slope_optim_kind(NULL) == NULL, "slope_optim_kind");
  SAFE(slope_optim_nparams(NULL) == 0, "slope_optim_nparams");
  SAFE(slope_optim_hypers(NULL) == NULL, "slope_optim_hypers");
  slope_optim_reset(NULL);
  SAFE(1, "slope_optim_reset");
  SAFE(slope_optim_set(NULL, "lr", v, 1) == SLOPE_ERRMISUSE, "slope_optim_set");
  SAFE(slope_optim_set_string(NULL, "line_search", "none") == SLOPE_ERRMISUSE, "slope_optim_set_string");
  SAFE(slope_optim_get_string(NULL, "line_search") == NULL, "slope_optim_get_string");
  SAFE(slope_optim_get(NULL, "lr", v, 1) == -1 && v[0] == 1, "slope_optim_get");
  SAFE(slope_optim_step(NULL, v, 0, v, NULL, NULL, NULL) == SLOPE_ERRMISUSE && v[0] == 1, "slope_optim_step");
  SAFE(slope_optim_evals(NULL) == 0, "slope_optim_evals");
  SAFE(slope_optim_done(NULL) == NULL, "slope_optim_done");
  /* reclamation: no context, nothing to keep or collect */
  slope_keep(NULL, 1);
  slope_release(NULL, 1);
  SAFE(1, "slope_keep");
  SAFE(1, "slope_release");
  SAFE(slope_collect(NULL) == 0 && slope_collect_step(NULL) == 0 && slope_nodes(NULL) == 0, "slope_collect");
  cover("slope_collect_step");
  cover("slope_nodes");
  SAFE(slope_optim_set_bounds(NULL, v, v) == SLOPE_ERRMISUSE, "slope_optim_set_bounds");
  SAFE(slope_data_wrap(NULL, (const char *[]){"x"}, (const double *[]){v}, 1, 2) == NULL, "slope_data_wrap");
  SAFE(slope_problem_callback_rows(NULL, 1, NULL, v, 2, NULL, NULL) == NULL, "slope_problem_callback_rows");
  SAFE(slope_parallel_new(NULL, 1, (const char *[]){"x"}, 1, NULL, 1) == NULL, "slope_parallel_new");
  SAFE(slope_parallel_eval(NULL, v, NULL, 0, &f, NULL) == SLOPE_ERRMISUSE, "slope_parallel_eval");
  SAFE(slope_parallel_threads(NULL) == 0, "slope_parallel_threads");
  SAFE(slope_parallel_fast_math(NULL, 1) == SLOPE_ERRMISUSE, "slope_parallel_fast_math");
  SAFE(slope_parallel_fast_math_lanes(NULL) == 0, "slope_parallel_fast_math_lanes");
  SAFE(slope_parallel_tape(NULL, 0) == NULL, "slope_parallel_tape");
  slope_parallel_free(NULL);
  SAFE(1, "slope_parallel_free");
  SAFE(slope_noise_kinds() != NULL && slope_noise_about(NULL) == NULL && slope_noise_hyper_at(NULL, 0) == NULL &&
       slope_noise_hyper_at("gaussian", -1) == NULL, "slope_noise_kinds");
  cover("slope_noise_about");
  cover("slope_noise_hyper_at");
  slope_run_defaults_sized(NULL, sizeof opts);
  slope_result_init_sized(NULL, sizeof r);
  SAFE(1, "slope_run_defaults_sized");
  SAFE(r.size == sizeof r, "slope_result_init");
  cover("slope_result_init_sized");
  SAFE(slope_trace_minibatch(NULL) == 0, "slope_trace_minibatch");
  SAFE(slope_trace_nfev(NULL, 0) == -1, "slope_trace_nfev");
  SAFE(slope_problem_values_only(NULL) == 0, "slope_problem_values_only");
  SAFE(slope_problem_values(NULL, 1, NULL, v, (slope_objective){NULL, NULL, NULL}) == NULL, "slope_problem_values");
  slope_gradcheck_report rep = {0};
  rep.size = sizeof rep;
  SAFE(slope_gradcheck(NULL, (slope_objective){NULL, NULL, NULL}, v, 1, NULL, 0, &rep) == SLOPE_ERRMISUSE,
       "slope_gradcheck");
  SAFE(slope_trace_batch_f(NULL, 0) != slope_trace_batch_f(NULL, 0), "slope_trace_batch_f");   /* NaN */
  slope_schedule_free(NULL);
  SAFE(1, "slope_schedule_free");
  SAFE(slope_schedule_set(NULL, "T_max", v, 1) == SLOPE_ERRMISUSE, "slope_schedule_set");
  SAFE(slope_schedule_set_string(NULL, "mode", "min") == SLOPE_ERRMISUSE, "slope_schedule_set_string");
  SAFE(slope_schedule_check(NULL) == SLOPE_ERRMISUSE, "slope_schedule_check");
  SAFE(slope_schedule_lr(NULL, 3, 0.5) == 0.5, "slope_schedule_lr");   /* documented: no schedule */
  SAFE(slope_schedule_momentum(NULL, 3, &f) == 0 && f == 7, "slope_schedule_momentum");
  slope_schedule_observe(NULL, 1);
  SAFE(1, "slope_schedule_observe");
  slope_data_free(NULL);
  SAFE(1, "slope_data_free");
  slope_data *tr = (slope_data *)&opts, *te = (slope_data *)&opts;   /* must become NULL */
  SAFE(slope_data_add(NULL, "a", v, 2) == SLOPE_ERRMISUSE, "slope_data_add");
  SAFE(slope_data_split(NULL, 0.5, 1, &tr, &te) == SLOPE_ERRMISUSE && !tr && !te, "slope_data_split");
  SAFE(slope_data_rows(NULL) == 0, "slope_data_rows");
  SAFE(slope_data_ncols(NULL) == 0, "slope_data_ncols");
  SAFE(slope_data_name(NULL, 0) == NULL, "slope_data_name");
  SAFE(slope_data_column(NULL, 0) == NULL, "slope_data_column");
  SAFE(slope_data_find(NULL, "a") == NULL, "slope_data_find");
  SAFE(slope_data_add_vector(NULL, "a", v, 1, 2) == SLOPE_ERRMISUSE, "slope_data_add_vector");
  SAFE(slope_data_shape(NULL, "a", NULL) == -1, "slope_data_shape");
  SAFE(slope_data_write_csv(NULL, "/tmp/x.csv") == SLOPE_ERRMISUSE, "slope_data_write_csv");
  slope_problem_free(NULL);
  SAFE(1, "slope_problem_free");
  SAFE(slope_problem_batch(NULL, 1, 0, 1) == SLOPE_ERRMISUSE, "slope_problem_batch");
  SAFE(slope_problem_nparams(NULL) == 0, "slope_problem_nparams");
  SAFE(slope_problem_name(NULL, 0) == NULL, "slope_problem_name");
  SAFE(slope_problem_nvars(NULL) == 0, "slope_problem_nvars");
  SAFE(slope_problem_var(NULL, 0, NULL, NULL) == NULL, "slope_problem_var");
  SAFE(slope_problem_x(NULL) == NULL, "slope_problem_x");
  SAFE(slope_problem_data(NULL) == NULL, "slope_problem_data");
  SAFE(slope_problem_eval(NULL, v, &f, NULL) == SLOPE_ERRMISUSE && f == 7, "slope_problem_eval");
  SAFE(slope_problem_step(NULL, NULL, &f) == SLOPE_ERRMISUSE && f == 7, "slope_problem_step");
  slope_trace *t = (slope_trace *)&opts;
  SAFE(slope_run(NULL, NULL, &opts, &r, &t) == SLOPE_ERRMISUSE && t == NULL, "slope_run");
  slope_run_defaults(NULL);
  SAFE(1, "slope_run_defaults");
  slope_trace_free(NULL);
  SAFE(1, "slope_trace_free");
  SAFE(slope_trace_rows(NULL) == 0, "slope_trace_rows");
  SAFE(slope_trace_nparams(NULL) == 0, "slope_trace_nparams");
  SAFE(slope_trace_row(NULL, 0, NULL, &f, NULL, NULL, NULL) == SLOPE_ERRMISUSE && f == 7, "slope_trace_row");
  SAFE(slope_trace_csv(NULL, "/tmp/x.csv", NULL) == SLOPE_ERRMISUSE, "slope_trace_csv");
  SAFE(slope_trace_json(NULL, "/tmp/x.json", NULL) == SLOPE_ERRMISUSE, "slope_trace_json");
  /* no context at all: the answer for "nothing" */
  slope_rng_seed(NULL, 1);
  SAFE(1, "slope_rng_seed");
  SAFE(slope_rng_next(NULL) == 0, "slope_rng_next");
  SAFE(slope_rng_uniform(NULL) == 0, "slope_rng_uniform");
  SAFE(slope_rng_normal(NULL) == 0, "slope_rng_normal");
  SAFE(slope_rng_below(NULL, 10) == 0, "slope_rng_below");
  SAFE(slope_clip_norm(NULL, 3, 1) == 0, "slope_clip_norm");
  SAFE(slope_clip_norm(v, -1, 1) == 0 && v[0] == 1, "slope_clip_norm");
  slope_clip_value(NULL, 3, 1);
  slope_clip_value(v, -1, 0.5);
  SAFE(v[0] == 1 && v[1] == 2, "slope_clip_value");
  SAFE(slope_suggest(NULL, NULL, 3) == NULL, "slope_suggest");
  SAFE(slope_name_list(NULL, 10, NULL, 3) == NULL, "slope_name_list");
  SAFE(slope_function_eval(NULL, v, 1, &f) == SLOPE_ERRNAME, "slope_function_eval");
  SAFE(slope_function_eval("sin", v, -1, &f) == SLOPE_ERRARG && f == 7, "slope_function_eval");
  SAFE(slope_function_at(-1, NULL, NULL) == NULL, "slope_function_at");
  SAFE(slope_optim_about(NULL) == NULL, "slope_optim_about");
  SAFE(slope_optim_hyper_at(NULL, 0) == NULL && slope_optim_hyper_at("adam", -1) == NULL, "slope_optim_hyper_at");
  SAFE(slope_optim_needs(NULL) == 0, "slope_optim_needs");
  SAFE(slope_optim_kinds() != NULL, "slope_optim_kinds");
  SAFE(slope_schedule_about(NULL) == NULL, "slope_schedule_about");
  SAFE(slope_schedule_hyper_at(NULL, 0) == NULL && slope_schedule_hyper_at("cosine", -1) == NULL,
       "slope_schedule_hyper_at");
  SAFE(slope_schedule_kinds() != NULL, "slope_schedule_kinds");
  SAFE(strcmp(slope_status_name(-1), "") != 0 || 1, "slope_status_name");
  SAFE(strcmp(slope_version(), SLOPE_VERSION) == 0, "slope_version");
  SAFE(slope_shape_size(NULL) == 0, "slope_shape_size");
  SAFE(slope_shape_size(&(slope_shape){3, {2, 2}}) == 0 && slope_shape_size(&(slope_shape){-1, {1, 1}}) == 0,
       "slope_shape_size");
  SAFE(slope_shape_size(&(slope_shape){1, {0, 1}}) == 0 && slope_shape_size(&(slope_shape){2, {2, -3}}) == 0 &&
       slope_shape_size(&(slope_shape){2, {-5, -5}}) == 0, "slope_shape_size");
  slope_ctx *S = slope_new();
  SAFE(S != NULL, "slope_new");
  slope_free(S);
}

/* ---- NULL required pointers and negative counts, with a context --------------- */

static void test_required_pointers(world *w) {
  slope_ctx *S = w->S;
  const char *out[4];
  double r = 7, g[2] = {0, 0};
  slope_expr f = w->f;
  MISUSE(S, slope_call(S, "sin", &f, -1) == 0, "slope_call", "negative (-1)");
  /* the data and problem makers of 0.2 keep the argument code (SLOPE_ERRARG) their documentation gives */
  REFUSED(S, slope_data_wrap(S, NULL, (const double *[]){g}, 1, 2) == NULL, SLOPE_ERRARG, "slope_data_wrap",
          "'names' is NULL");
  REFUSED(S, slope_data_wrap(S, (const char *[]){"x", "y"}, (const double *[]){g, NULL}, 2, 2) == NULL,
          SLOPE_ERRARG, "slope_data_wrap", "column 1 ('y') is NULL (columns count from 0)");
  REFUSED(S, slope_problem_callback_rows(S, 1, NULL, g, 2, NULL, NULL) == NULL, SLOPE_ERRARG,
          "slope_problem_callback_rows", "'fg_rows' is NULL");
  const char *xy[] = {"x", "y"};
  MISUSE(S, slope_parallel_new(S, f, NULL, 2, w->d, 1) == NULL, "slope_parallel_new", "give the parameters' names");
  MISUSE(S, slope_parallel_new(S, f, xy, 2, NULL, 1) == NULL, "slope_parallel_new", "the data set is NULL");
  MISUSE(S, slope_parallel_new(S, f, xy, 2, w->d2, 1) == NULL, "slope_parallel_new", "made from another context");
  REFUSED(S, slope_parallel_new(S, f, xy, 2, w->d, 0) == NULL, SLOPE_ERRARG, "slope_parallel_new",
          "threads must be a whole number from 1 to 256, got 0");
  slope_parallel *par = slope_parallel_new(S, f, xy, 2, w->d, 2);
  CHECK(par != NULL);
  MISUSE(S, slope_parallel_eval(par, NULL, NULL, 0, &r, NULL) == SLOPE_ERRMISUSE, "slope_parallel_eval",
         "the point 'x' and the output 'f' must not be NULL");
  MISUSE(S, slope_parallel_eval(par, g, (const size_t[]){0}, 9, &r, NULL) == SLOPE_ERRMISUSE, "slope_parallel_eval",
         "nsel must be from 1 to 3 rows, got 9");
  MISUSE(S, slope_parallel_fast_math(par, 2) == SLOPE_ERRMISUSE, "slope_parallel_fast_math",
         "on 2 is not 0 (exact, the default) or 1 (fast_math)");
  MISUSE(S, slope_parallel_tape(par, 2) == NULL, "slope_parallel_tape", "thread 2 is not one of the evaluator's (0 to 1)");
  MISUSE(S, slope_parallel_tape(par, -1) == NULL, "slope_parallel_tape", "thread -1 is not one of the evaluator's");
  slope_parallel_free(par);
  slope_gradcheck_report rep = {0};
  REFUSED(S, slope_gradcheck(S, (slope_objective){NULL, NULL, NULL}, g, 2, NULL, 0, &rep) != SLOPE_OK, SLOPE_ERRARG,
          "slope_gradcheck", "'fg' is NULL");
  MISUSE(S, slope_vars(S, f, NULL, 3) == -1, "slope_vars", "'out'");
  MISUSE(S, slope_vars(S, f, out, -1) == -1, "slope_vars", "'max' (-1)");
  MISUSE(S, slope_eval(S, f, XY, (double[]){1, 2}, 2, NULL) == SLOPE_ERRMISUSE, "slope_eval", "'result'");
  MISUSE(S, slope_eval(S, f, NULL, (double[]){1, 2}, 2, &r) == SLOPE_ERRMISUSE && r == 7, "slope_eval",
         "'names' and 'values'");
  MISUSE(S, slope_eval(S, f, XY, NULL, 2, &r) == SLOPE_ERRMISUSE, "slope_eval", "'values'");
  MISUSE(S, slope_eval(S, f, XY, (double[]){1, 2}, -2, &r) == SLOPE_ERRMISUSE, "slope_eval", "(-2)");
  MISUSE(S, slope_eval(S, f, (const char *[]){"x", NULL}, (double[]){1, 2}, 2, &r) == SLOPE_ERRMISUSE,
         "slope_eval", "names[1] is NULL");
  MISUSE(S, slope_eval_shaped(S, f, XY, NULL, (double[]){1, 2}, 2, NULL, 1, NULL) == SLOPE_ERRMISUSE,
         "slope_eval_shaped", "'out' is NULL");
  MISUSE(S, slope_eval_shaped(S, f, NULL, NULL, (double[]){1, 2}, 2, &r, 1, NULL) == SLOPE_ERRMISUSE,
         "slope_eval_shaped", "'names' and 'values'");
  MISUSE(S, slope_eval_shaped(S, f, XY, NULL, (double[]){1, 2}, -2, &r, 1, NULL) == SLOPE_ERRMISUSE,
         "slope_eval_shaped", "(-2)");
  MISUSE(S, slope_eval_shaped(S, f, (const char *[]){"x", NULL}, NULL, (double[]){1, 2}, 2, &r, 1, NULL) ==
         SLOPE_ERRMISUSE, "slope_eval_shaped", "names[1] is NULL");
  REFUSED(S, slope_eval_shaped(S, f, XY, (slope_shape[]){{3, {1, 1}}, {0, {1, 1}}}, (double[]){1, 2}, 2, &r, 1,
                               NULL) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_eval_shaped", "shapes[0] of 'x'");
  REFUSED(S, slope_eval_shaped(S, f, XY, (slope_shape[]){{1, {0, 1}}, {0, {1, 1}}}, (double[]){1, 2}, 2, &r, 1,
                               NULL) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_eval_shaped", "is not a shape");
  MISUSE(S, slope_diff_shaped(S, f, "x", NULL, (slope_shape[]){{1, {3, 1}}}, 1) == 0, "slope_diff_shaped",
         "'names' and 'shapes'");
  MISUSE(S, slope_diff_shaped(S, f, "x", XY, NULL, 2) == 0, "slope_diff_shaped", "'names' and 'shapes'");
  MISUSE(S, slope_diff_shaped(S, f, "x", XY, NULL, -1) == 0, "slope_diff_shaped", "(-1)");
  MISUSE(S, slope_diff_shaped(S, f, "x", (const char *[]){NULL}, (slope_shape[]){{1, {3, 1}}}, 1) == 0,
         "slope_diff_shaped", "names[0] is NULL");
  REFUSED(S, slope_diff_shaped(S, f, "x", XY, (slope_shape[]){{1, {-3, 1}}, {0, {1, 1}}}, 2) == 0, SLOPE_ERRARG,
          "slope_diff_shaped", "shapes[0] of 'x' is not a shape");
  REFUSED(S, slope_diff_shaped(S, f, NULL, NULL, NULL, 0) == 0, SLOPE_ERRARG, "slope_diff_shaped",
          "no variable name");
  MISUSE(S, slope_ccode(S, f, "f", NULL, 2) == NULL, "slope_ccode", "'params'");
  MISUSE(S, slope_ccode(S, f, "f", XY, -1) == NULL, "slope_ccode", "'nparams' (-1)");
  /* the tape: columns a, b bound by pointer */
  double a[3] = {1, 2, 3}, b[3] = {2, 4, 6};
  MISUSE(S, slope_tape_bind(w->T, NULL, 3) == SLOPE_ERRMISUSE, "slope_tape_bind", "'cols' is NULL");
  MISUSE(S, slope_tape_bind(w->T, (const double *[]){a, NULL}, 3) == SLOPE_ERRMISUSE, "slope_tape_bind",
         "cols[1] is NULL (data column 1 counting from 0");
  CHECK(slope_tape_bind(w->T, (const double *[]){a, b}, 3) == SLOPE_OK);
  MISUSE(S, slope_tape_jit(w->T, 7) == SLOPE_ERRMISUSE, "slope_tape_jit", "mode 7 is not a native code mode");
  MISUSE(S, slope_tape_jit(w->T, -1) == SLOPE_ERRMISUSE, "slope_tape_jit", "mode -1");
  MISUSE(S, slope_tape_fast_math(w->T, 2) == SLOPE_ERRMISUSE, "slope_tape_fast_math", "on 2 is not 0");
  MISUSE(S, slope_tape_grad(w->T, NULL, NULL, 0, &r, g) == SLOPE_ERRMISUSE, "slope_tape_grad", "'x'");
  /* mean((a*x - b)^2) at x = 1: mean(1, 4, 9) = 14/3, gradient mean(2a(ax-b)) = -28/3 */
  CHECK(slope_tape_grad(w->T, (double[]){1}, NULL, 0, &r, g) == SLOPE_OK);
  CHECK_NEAR(r, 14.0 / 3, 1e-15);
  CHECK_NEAR(g[0], -28.0 / 3, 1e-15);
  /* problems and runs */
  double f0 = 7;
  MISUSE(S, slope_problem_eval(w->p, NULL, &f0, g) == SLOPE_ERRMISUSE, "slope_problem_eval", "'x'");
  MISUSE(S, slope_problem_eval(w->p, slope_problem_x(w->p), NULL, g) == SLOPE_ERRMISUSE,
         "slope_problem_eval", "'f'");
  MISUSE(S, slope_problem_step(w->p, w->o2, NULL) == SLOPE_ERRMISUSE, "slope_problem_step", "'f' is NULL");
  MISUSE(S, slope_problem_step(w->p, NULL, &f0) == SLOPE_ERRMISUSE && f0 == 7, "slope_problem_step",
         "the optimizer is NULL");
  slope_run_opts opts;
  slope_result res;
  slope_result_init(&res);
  slope_run_defaults(&opts);
  MISUSE(S, slope_run(w->p, w->o2, NULL, &res, NULL) == SLOPE_ERRMISUSE, "slope_run", "'opts'");
  CHECK(res.status == SLOPE_STATUS_ERROR && strstr(res.message, "'opts'"));
  MISUSE(S, slope_run(w->p, w->o2, &opts, NULL, NULL) == SLOPE_ERRMISUSE, "slope_run", "'r' is NULL");
  MISUSE(S, slope_run(w->p, NULL, &opts, &res, NULL) == SLOPE_ERRMISUSE, "slope_run", "optimizer is NULL");
  MISUSE(S, slope_trace_csv(w->tr, NULL, NULL) == SLOPE_ERRMISUSE, "slope_trace_csv", "path");
  MISUSE(S, slope_trace_json(w->tr, NULL, NULL) == SLOPE_ERRMISUSE, "slope_trace_json", "path");
  /* checks older than SLOPE_ERRMISUSE keep their documented code */
  REFUSED(S, slope_compile(S, f, NULL, 2, NULL, 0) == NULL, SLOPE_ERRARG, "slope_compile", "bad parameter");
  REFUSED(S, slope_compile(S, f, XY, -1, NULL, 0) == NULL, SLOPE_ERRARG, "slope_compile", "counts must be >= 0");
  REFUSED(S, slope_compile(S, f, (const char *[]){"x", NULL}, 2, NULL, 0) == NULL, SLOPE_ERRARG,
          "slope_compile", "params[1] is NULL (counting from 0)");
  REFUSED(S, slope_compile_shaped(S, f, XY, NULL, -1, NULL, NULL, 0) == NULL, SLOPE_ERRARG,
          "slope_compile_shaped", "counts must be >= 0");
  REFUSED(S, slope_compile_shaped(S, f, XY, (slope_shape[]){{1, {0, 1}}, {0, {1, 1}}}, 2, NULL, NULL, 0) == NULL,
          SLOPE_ERRARG, "slope_compile_shaped", "bad shape of parameter 'x'");
  REFUSED(S, slope_compile_shaped(S, f, XY, (slope_shape[]){{7, {1, 1}}, {0, {1, 1}}}, 2, NULL, NULL, 0) == NULL,
          SLOPE_ERRARG, "slope_compile_shaped", "rank must be 0, 1 or 2");
  REFUSED(S, slope_parse(S, NULL, 3) == 0, SLOPE_ERRARG, "slope_parse", "no source text");
  REFUSED(S, slope_var(S, NULL) == 0, SLOPE_ERRARG, "slope_var", "no variable name");
  REFUSED(S, slope_diff(S, f, NULL) == 0, SLOPE_ERRARG, "slope_diff", "no variable name");
  REFUSED(S, slope_subs(S, f, NULL, f) == 0, SLOPE_ERRARG, "slope_subs", "no variable name");
  REFUSED(S, slope_call(S, "sin", NULL, 1) == 0, SLOPE_ERRARG, "slope_call", "no arguments");
  int arity = 0, most = 0;
  for (int i = 0; slope_function_at(i, &arity, NULL); i++) most = arity > most ? arity : most;
  CHECK_INT(most, 2);   /* what slope_call relies on to refuse more before reading them */
  REFUSED(S, slope_call(S, "sin", &f, 1 << 30) == 0, SLOPE_ERRARG, "slope_call",   /* reads 1 handle */
          "'sin' takes 1 argument, got 1073741824");
  REFUSED(S, slope_ccode(S, f, "f", XY, 1 << 30) == NULL, SLOPE_ERRLIMIT, "slope_ccode", "at most");
  REFUSED(S, slope_num(S, 1.0 / 0.0) == 0, SLOPE_ERRARG, "slope_num", "");
  REFUSED(S, slope_optim_new(S, "adam", -1) == NULL, SLOPE_ERRARG, "slope_optim_new", "must be >= 1, got -1");
  REFUSED(S, slope_optim_new(S, NULL, 2) == NULL, SLOPE_ERRNAME, "slope_optim_new", "unknown optimizer");
  REFUSED(S, slope_optim_set(w->o2, "lr", NULL, 1) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_optim_set", "lr");
  REFUSED(S, slope_optim_set(w->o2, NULL, g, 1) == SLOPE_ERRNAME, SLOPE_ERRNAME, "slope_optim_set", "(null)");
  REFUSED(S, slope_optim_set_string(w->o2, NULL, "x") != SLOPE_OK, SLOPE_ERRNAME, "slope_optim_set_string",
          "(null)");
  REFUSED(S, slope_optim_get_string(w->o2, "lr") == NULL, SLOPE_ERRARG, "slope_optim_get_string",
          "takes a number");
  CHECK(slope_optim_get(w->o2, "lr", NULL, 1) == -1 && slope_optim_get(w->o2, "lr", g, -1) == -1);
  REFUSED(S, slope_optim_step(w->o2, NULL, 0, g, NULL, NULL, NULL) == SLOPE_ERRARG, SLOPE_ERRARG,
          "slope_optim_step", "needs the point x");
  REFUSED(S, slope_optim_step(w->o2, g, 0, NULL, NULL, NULL, NULL) == SLOPE_ERRARG, SLOPE_ERRARG,
          "slope_optim_step", "needs the gradient g");
  REFUSED(S, slope_schedule_new(S, NULL) == NULL, SLOPE_ERRARG, "slope_schedule_new", "kind is missing");
  REFUSED(S, slope_schedule_fn(S, NULL, NULL) == NULL, SLOPE_ERRARG, "slope_schedule_fn", "function is missing");
  REFUSED(S, slope_schedule_sequential(S, NULL, 1, NULL, 0) == NULL, SLOPE_ERRARG, "slope_schedule_sequential",
          "at least one");
  REFUSED(S, slope_schedule_sequential(S, &w->sch, -1, NULL, 0) == NULL, SLOPE_ERRARG,
          "slope_schedule_sequential", "at least one");
  REFUSED(S, slope_schedule_sequential(S, (slope_schedule *[]){w->sch, w->sch}, 2, NULL, 1) == NULL,
          SLOPE_ERRARG, "slope_schedule_sequential", "2 schedules need 1 milestone, got 1");
  REFUSED(S, slope_schedule_set(w->sch, "T_max", NULL, 1) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_schedule_set",
          "no values");
  REFUSED(S, slope_schedule_set(w->sch, "T_max", g, -1) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_schedule_set",
          "no values");
  REFUSED(S, slope_schedule_set_string(w->sch, NULL, "x") != SLOPE_OK, SLOPE_ERRNAME,
          "slope_schedule_set_string", "");
  REFUSED(S, slope_data_add(w->d, NULL, g, 3) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_data_add", "name is NULL");
  REFUSED(S, slope_data_add(w->d, "z", NULL, 3) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_data_add", "NULL");
  REFUSED(S, slope_data_split(w->d, 0.5, 1, NULL, NULL) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_data_split",
          "must not be NULL");
  REFUSED(S, slope_data_write_csv(w->d, NULL) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_data_write_csv",
          "no file name");
  REFUSED(S, slope_data_csv(S, NULL) == NULL, SLOPE_ERRARG, "slope_data_csv", "'path' is NULL");
  REFUSED(S, slope_data_regression(S, 10, NULL, 1, 0, 0, 1) == NULL, SLOPE_ERRARG, "slope_data_regression",
          "number of weights");
  REFUSED(S, slope_data_regression(S, 10, g, -1, 0, 0, 1) == NULL, SLOPE_ERRARG, "slope_data_regression",
          "got -1");
  CHECK(slope_data_name(w->d, -1) == NULL && slope_data_column(w->d, 99) == NULL &&
        slope_data_find(w->d, NULL) == NULL);
  REFUSED(S, slope_data_add_vector(w->d, "v", g, 3, 0) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_data_add_vector",
          "got 0");
  REFUSED(S, slope_data_add_vector(w->d, "v[1]", g, 3, 1) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_data_add_vector",
          "is not a name");
  REFUSED(S, slope_data_add_vector(w->d, "v", NULL, 3, 1) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_data_add_vector",
          "values are NULL");
  CHECK(slope_data_shape(w->d, NULL, NULL) == -1 && slope_data_shape(w->d, "nothing", NULL) == -1);
  REFUSED(S, slope_problem_callback(S, 1, NULL, NULL, (slope_objective){NULL, NULL, NULL}) == NULL,
          SLOPE_ERRARG, "slope_problem_callback", "'fg' is NULL");
  REFUSED(S, slope_problem_callback(S, -5, NULL, NULL, (slope_objective){fg0, NULL, NULL}) == NULL,
          SLOPE_ERRARG, "slope_problem_callback", "at least one parameter");
  REFUSED(S, slope_problem_new(S, f, XY, NULL, -2, NULL) == NULL, SLOPE_ERRARG, "slope_problem_new",
          "at least one parameter");
  REFUSED(S, slope_problem_new_shaped(S, f, XY, NULL, NULL, 0, NULL) == NULL, SLOPE_ERRARG,
          "slope_problem_new_shaped", "at least one parameter");
  MISUSE(S, slope_problem_new_shaped(S, f, NULL, NULL, NULL, 2, NULL) == NULL, "slope_problem_new_shaped",
         "'params' are NULL");
  REFUSED(S, slope_problem_new_shaped(S, f, XY, (slope_shape[]){{0, {1, 1}}, {3, {1, 1}}}, NULL, 2, NULL) == NULL,
          SLOPE_ERRARG, "slope_problem_new_shaped", "rank 0, 1 or 2, got 3");
  REFUSED(S, slope_problem_new_shaped(S, f, XY, (slope_shape[]){{1, {0, 1}}, {0, {1, 1}}}, NULL, 2, NULL) == NULL,
          SLOPE_ERRARG, "slope_problem_new_shaped", "dimension 1 of 'x' must be >= 1, got 0");
  REFUSED(S, slope_problem_new_shaped(S, f, (const char *[]){"x", NULL}, NULL, NULL, 2, NULL) == NULL,
          SLOPE_ERRARG, "slope_problem_new_shaped", "params[1] is NULL");
  REFUSED(S, slope_problem_new_shaped(S, f, XY, (slope_shape[]){{2, {1 << 15, 1 << 15}}, {0, {1, 1}}}, NULL, 2,
                                      NULL) == NULL, SLOPE_ERRLIMIT, "slope_problem_new_shaped", "elements");
  CHECK(slope_problem_var(w->p, -1, NULL, NULL) == NULL && slope_problem_var(w->p, 2, NULL, NULL) == NULL);
  REFUSED(S, slope_problem_batch(w->p, 5, 0, 1) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_problem_batch",
          "needs data");
  CHECK(slope_problem_name(w->p, -1) == NULL && slope_problem_name(w->p, 2) == NULL);
  CHECK(slope_trace_row(w->tr, slope_trace_rows(w->tr), NULL, NULL, NULL, NULL, NULL) == SLOPE_ERRARG);
  REFUSED(S, slope_checkpoint_save(S, NULL, w->p, NULL) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_checkpoint_save",
          "path is empty");
  REFUSED(S, slope_checkpoint_load(S, w->path, NULL, NULL) == SLOPE_ERRARG, SLOPE_ERRARG,
          "slope_checkpoint_load", "give a problem or an optimizer");
  REFUSED(S, slope_checkpoint_optim(S, NULL, NULL) == NULL, SLOPE_ERRARG, "slope_checkpoint_optim",
          "path is empty");
}

/* ---- sizes that do not match -------------------------------------------------- */

/* The case: a 3-parameter adam on a 2-parameter problem wrote past
** adam's state; a 1-parameter one ran "max_steps" and never moved y. */
static void test_sizes(world *w) {
  slope_ctx *S = w->S;
  slope_run_opts opts;
  slope_result res;
  slope_result_init(&res);
  slope_trace *t = NULL;
  slope_run_defaults(&opts);
  double *x = slope_problem_x(w->p), f = 7;
  struct { slope_optim *o; const char *what; } wrong[] = {
    {w->o3, "the adam optimizer is for 3 parameters, the problem has 2"},
    {w->o1, "the adam optimizer is for 1 parameter, the problem has 2"},
  };
  for (int i = 0; i < 2; i++) {
    MISUSE(S, slope_run(w->p, wrong[i].o, &opts, &res, &t) == SLOPE_ERRMISUSE, "slope_run", wrong[i].what);
    CHECK(t == NULL && res.status == SLOPE_STATUS_ERROR && res.steps == 0);
    CHECK(strstr(res.message, wrong[i].what) != NULL);
    CHECK(x[0] == 0 && x[1] == 5);   /* untouched */
    MISUSE(S, slope_problem_step(w->p, wrong[i].o, &f) == SLOPE_ERRMISUSE && f == 7, "slope_problem_step",
           wrong[i].what);
    MISUSE(S, slope_checkpoint_save(S, w->path, w->p, wrong[i].o) == SLOPE_ERRMISUSE, "slope_checkpoint_save",
           wrong[i].what);
    MISUSE(S, slope_checkpoint_load(S, w->path, w->p, wrong[i].o) == SLOPE_ERRMISUSE, "slope_checkpoint_load",
           wrong[i].what);
    CHECK(x[0] == 0 && x[1] == 5);
  }
  /* the right size works: f = (0-1)^2 + (5-2)^2 = 10 before adam's first
  ** update, which moves each coordinate by lr * g / (|g| + eps) against its
  ** gradient g = (-2, 6), lr = 1e-3 and eps = 1e-8 (PyTorch's defaults) */
  CHECK_INT(slope_problem_step(w->p, w->o2, &f), SLOPE_OK);
  CHECK(f == 10);
  CHECK_NEAR(x[0], 1e-3 * 2 / (2 + 1e-8), 1e-15);   /* lr * g / (|g| + eps) */
  CHECK_NEAR(x[1], 5 - 1e-3 * 6 / (6 + 1e-8), 1e-15);
  x[0] = 0, x[1] = 5;
  slope_optim_reset(w->o2);
}

/* ---- objects of two contexts ---------------------------------------------------- */

static void test_two_contexts(world *w) {
  slope_ctx *S = w->S;
  slope_run_opts opts;
  slope_result res;
  slope_result_init(&res);
  double f = 7;
  slope_run_defaults(&opts);
  const char *diff = "the optimizer and the problem were made from different contexts";
  MISUSE(S, slope_run(w->p, w->oB, &opts, &res, NULL) == SLOPE_ERRMISUSE, "slope_run", diff);
  MISUSE(S, slope_problem_step(w->p, w->oB, &f) == SLOPE_ERRMISUSE && f == 7, "slope_problem_step", diff);
  CHECK_INT(slope_error_get(w->S2).code, SLOPE_OK);   /* recorded in the problem's context */
  opts.schedule = w->sch2;
  MISUSE(S, slope_run(w->p, w->o2, &opts, &res, NULL) == SLOPE_ERRMISUSE, "slope_run",
         "the schedule was made from another context");
  opts.schedule = NULL;
  opts.noise.kind = SLOPE_NOISE_GAUSSIAN;
  opts.noise.std = 0.1;
  opts.noise.schedule = w->sch2;
  MISUSE(S, slope_run(w->p, w->o2, &opts, &res, NULL) == SLOPE_ERRMISUSE, "slope_run",
         "the noise schedule was made from another context");
  CHECK(slope_problem_x(w->p)[1] == 5);
  MISUSE(S, slope_problem_new(S, w->f, XY, NULL, 2, w->d2) == NULL, "slope_problem_new",
         "the data set was made from another context");
  MISUSE(S, slope_problem_new_shaped(S, w->f, XY, NULL, NULL, 2, w->d2) == NULL, "slope_problem_new_shaped",
         "the data set was made from another context");
  MISUSE(S, slope_schedule_sequential(S, (slope_schedule *[]){w->sch, w->sch2}, 2, (long[]){5}, 1) == NULL,
         "slope_schedule_sequential", "parts[1] was made from another context");
  MISUSE(S, slope_checkpoint_save(S, w->path, w->p2, NULL) == SLOPE_ERRMISUSE, "slope_checkpoint_save",
         "the problem was made from another context");
  MISUSE(S, slope_checkpoint_save(S, w->path, NULL, w->oB) == SLOPE_ERRMISUSE, "slope_checkpoint_save",
         "the optimizer was made from another context");
  MISUSE(S, slope_checkpoint_load(S, w->path, w->p2, NULL) == SLOPE_ERRMISUSE, "slope_checkpoint_load",
         "the problem was made from another context");
  MISUSE(S, slope_checkpoint_optim(S, w->path, w->p2) == NULL, "slope_checkpoint_optim",
         "the problem was made from another context");
  /* a saved pair of one context and size round-trips */
  CHECK_INT(slope_checkpoint_save(S, w->path, w->p, w->o2), SLOPE_OK);
  slope_optim *back = slope_checkpoint_optim(S, w->path, w->p);
  CHECK(back && slope_optim_nparams(back) == 2 && strcmp(slope_optim_kind(back), "adam") == 0);
  slope_optim_free(back);
}

/* ---- expression handles --------------------------------------------------------- */

typedef struct { const char *fn; int kind; } expr_fn;
enum { R_EXPR, R_PTR, R_INT, R_SIZE, R_M1 };   /* what a refused call returns: 0, NULL, misuse, 0, -1 */

/* Call 'fn' with the handle 'e' (where it takes one) on 'S'; 1 when it
** returned what a refused call returns. */
static int call_with(slope_ctx *S, const char *fn, slope_expr e, slope_expr ok) {
  const char *out[4];
  double v = 7;
  slope_expr args[1] = {e};
  if (!strcmp(fn, "slope_add")) return slope_add(S, ok, e) == 0;
  if (!strcmp(fn, "slope_sub")) return slope_sub(S, e, ok) == 0;
  if (!strcmp(fn, "slope_mul")) return slope_mul(S, ok, e) == 0;
  if (!strcmp(fn, "slope_div")) return slope_div(S, e, ok) == 0;
  if (!strcmp(fn, "slope_pow")) return slope_pow(S, ok, e) == 0;
  if (!strcmp(fn, "slope_neg")) return slope_neg(S, e) == 0;
  if (!strcmp(fn, "slope_call")) return slope_call(S, "sin", args, 1) == 0;
  if (!strcmp(fn, "slope_diff")) return slope_diff(S, e, "x") == 0;
  if (!strcmp(fn, "slope_index")) return slope_index(S, ok, e, 0) == 0;
  if (!strcmp(fn, "slope_slice")) return slope_slice(S, ok, ok, e) == 0;
  if (!strcmp(fn, "slope_len")) return slope_len(S, e) == 0;
  if (!strcmp(fn, "slope_diff_shaped")) return slope_diff_shaped(S, e, "x", NULL, NULL, 0) == 0;
  if (!strcmp(fn, "slope_subs")) return slope_subs(S, ok, "x", e) == 0;
  if (!strcmp(fn, "slope_size")) return slope_size(S, e) == 0;
  if (!strcmp(fn, "slope_vars")) return slope_vars(S, e, out, 4) == -1;
  if (!strcmp(fn, "slope_eval")) return slope_eval(S, e, XY, (double[]){1, 2}, 2, &v) != SLOPE_OK && v == 7;
  if (!strcmp(fn, "slope_eval_shaped"))
    return slope_eval_shaped(S, e, XY, NULL, (double[]){1, 2}, 2, &v, 1, NULL) != SLOPE_OK && v == 7;
  if (!strcmp(fn, "slope_print")) return slope_print(S, e) == NULL;
  if (!strcmp(fn, "slope_latex")) return slope_latex(S, e) == NULL;
  if (!strcmp(fn, "slope_ccode")) return slope_ccode(S, e, "f", XY, 2) == NULL;
  if (!strcmp(fn, "slope_compile")) return slope_compile(S, e, XY, 2, NULL, 0) == NULL;
  if (!strcmp(fn, "slope_compile_shaped")) return slope_compile_shaped(S, e, XY, NULL, 2, NULL, NULL, 0) == NULL;
  if (!strcmp(fn, "slope_problem_new")) return slope_problem_new(S, e, XY, NULL, 2, NULL) == NULL;
  if (!strcmp(fn, "slope_problem_new_shaped")) return slope_problem_new_shaped(S, e, XY, NULL, NULL, 2, NULL) == NULL;
  if (!strcmp(fn, "slope_var_name")) return slope_var_name(S, e) == NULL;
  return 0;
}

static void test_handles(world *w) {
  static const char *const fns[] = {
    "slope_add", "slope_sub", "slope_mul", "slope_div", "slope_pow", "slope_neg", "slope_call",
    "slope_diff", "slope_diff_shaped", "slope_index", "slope_slice", "slope_len", "slope_subs", "slope_size", "slope_vars", "slope_eval", "slope_eval_shaped", "slope_print", "slope_latex",
    "slope_ccode", "slope_compile", "slope_problem_new", "slope_var_name",
    "slope_problem_new_shaped",
    "slope_compile_shaped",
  };
  slope_ctx *S = w->S, *S2 = w->S2;
  slope_expr ok2 = slope_var(S2, "x");
  for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
    const char *fn = fns[i];
    /* past every node; the largest handle; a handle of S, past S2's nodes */
    MISUSE(S, call_with(S, fn, 123456789, w->f), fn, "123456789");
    MISUSE(S, call_with(S, fn, UINT32_MAX, w->f), fn, "4294967295");
    MISUSE(S2, call_with(S2, fn, w->big, ok2), fn, "not a node of this context");
    if (strcmp(fn, "slope_var_name") == 0) continue;   /* 0 is no variable: nothing recorded */
    /* 0, what a failed call returns, reports that call's error (documented) */
    slope_clear_error(S);
    REFUSED(S, call_with(S, fn, 0, w->f), SLOPE_ERRARG, fn, "no expression");
    CHECK(slope_parse(S, "(", 1) == 0);
    REFUSED(S, call_with(S, fn, 0, w->f), SLOPE_ERRSYNTAX, fn, "");
  }
  CHECK(slope_var_name(S, 0) == NULL && slope_error_get(S).code == SLOPE_OK);
}

/* ---- messages name what the caller wrote (issue 16 item 9) ------------------------ */

static void test_messages(world *w) {
  slope_ctx *S = w->S;
  slope_run_opts opts;
  slope_result res;
  slope_result_init(&res);
  slope_run_defaults(&opts);
  opts.clip_norm = -1;
  REFUSED(S, slope_run(w->p, w->o2, &opts, &res, NULL) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_run",
          "clip_norm must be >= 0 (0: off), got -1");
  opts.clip_norm = 0;
  opts.clip_value = -0.5;
  REFUSED(S, slope_run(w->p, w->o2, &opts, &res, NULL) == SLOPE_ERRARG, SLOPE_ERRARG, "slope_run",
          "clip_value must be >= 0 (0: off), got -0.5");
  /* |g| at (0, 5) is sqrt(4 + 36) = 6.32 <= 7: converged before the first update */
  slope_run_defaults(&opts);
  opts.tol_grad = 7;
  CHECK_INT(slope_run(w->p, w->o2, &opts, &res, NULL), SLOPE_OK);
  CHECK(res.status == SLOPE_CONVERGED && res.steps == 0);
  if (!CHECK(strstr(res.message, "gradient norm 6.32 <= tol_grad 7") != NULL)) fprintf(stderr, "    %s\n", res.message);
}

/* ---- every function of slope.h has a row here ----------------------------------- */

static void test_coverage(void) {
  FILE *fp = fopen("src/slope.h", "rb");
  if (!CHECK(fp != NULL)) return;   /* the tests run from the repository's root */
  static char text[1 << 17];
  size_t n = fread(text, 1, sizeof text - 1, fp);
  fclose(fp);
  text[n] = '\0';
  /* blank the comments, then every 'slope_name(' left is a declaration */
  for (char *c = text; (c = strstr(c, "/*")) != NULL;) {
    char *end = strstr(c + 2, "*/");
    end = end ? end + 2 : text + n;
    memset(c, ' ', (size_t)(end - c));
    c = end;
  }
  int declared = 0;
  for (char *c = text; (c = strstr(c, "slope_")) != NULL;) {
    size_t len = strspn(c, "slope_abcdefghijklmnopqrstuvwxyz0123456789");
    char *after = c + len;
    while (*after == ' ') after++;
    int is_fn = *after == '(' && (c == text || c[-1] == ' ' || c[-1] == '*' || c[-1] == '\n');
    /* a name a macro of slope.h also spells (slope_run_defaults_sized) counts once */
    char *first = strstr(text, "slope_");
    while (first && first < c && !(strncmp(first, c, len) == 0 && !strchr("abcdefghijklmnopqrstuvwxyz0123456789_", first[len])))
      first = strstr(first + 1, "slope_");
    if (is_fn && first == c) {
      declared++;
      int found = 0;
      for (int i = 0; i < ncovered && !found; i++)
        found = strlen(covered[i]) == len && strncmp(covered[i], c, len) == 0;
      if (!check_report(found, __FILE__, __LINE__, "a declared function has a misuse row"))
        fprintf(stderr, "    %.*s is declared in slope.h; add its misuse checks to test_misuse.c\n", (int)len, c);
    }
    c += len;
  }
  CHECK(declared >= 100 && declared == ncovered);
  if (declared != ncovered) fprintf(stderr, "    %d declared, %d covered\n", declared, ncovered);
}

int main(void) {
  world w;
  make_world(&w);
  test_null_context(&w);
  test_null_object();
  test_required_pointers(&w);
  test_sizes(&w);
  test_two_contexts(&w);
  test_handles(&w);
  test_messages(&w);
  free_world(&w);
  test_coverage();
  return check_done();
}
