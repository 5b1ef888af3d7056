/*
** tests/abi/0.1/slope.h -- the public structs of slope 0.1 (the first layout
** with 'size'), frozen, and the few declarations tests/abi/host.c uses.
**
** Never edit this file to follow src/slope.h: it stands for a host program
** compiled in the past.  tests/test_abi.sh builds tests/abi/host.c against it
** and runs it with today's libslope, which must give what a host compiled
** against today's slope.h gets.  Field for field the same types in the same
** order as slope 0.1 (written more tersely than there).
*/
#ifndef SLOPE_H
#define SLOPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { SLOPE_OK = 0, SLOPE_ERRSYNTAX, SLOPE_ERRNAME, SLOPE_ERRARG, SLOPE_ERRLIMIT, SLOPE_ERRMEM,
       SLOPE_ERRDATA, SLOPE_ERRIO };
enum { SLOPE_MAX_STEPS, SLOPE_CONVERGED, SLOPE_DIVERGED, SLOPE_STOPPED, SLOPE_STATUS_ERROR };

typedef struct slope_ctx slope_ctx;
typedef uint32_t slope_expr;
typedef struct slope_optim slope_optim;
typedef struct slope_schedule slope_schedule;
typedef struct slope_data slope_data;
typedef struct slope_problem slope_problem;
typedef struct slope_trace slope_trace;

typedef struct slope_error { int code; int line, col; size_t offset; const char *message; } slope_error;
typedef struct slope_objective {
  int (*fg)(void *ud, const double *x, double *f, double *g);
  int (*hess)(void *ud, const double *x, double *H);
  void *ud;
} slope_objective;

/* ---- the frozen layouts ---- */
typedef struct slope_step_info {
  size_t size;
  long step, epoch;
  double f, lr, grad_norm;
  const double *x;
  int n;
} slope_step_info;

typedef enum { SLOPE_NOISE_NONE, SLOPE_NOISE_GAUSSIAN, SLOPE_NOISE_LANGEVIN, SLOPE_NOISE_GRADIENT } slope_noise_kind;
typedef struct slope_noise {
  slope_noise_kind kind;
  double std, temperature, eta, gamma;
  slope_schedule *schedule;
} slope_noise;

typedef struct slope_run_opts {
  size_t size;
  long steps, epochs;
  int maximize;
  const double *lr;
  slope_schedule *schedule;
  int schedule_per_epoch;
  slope_noise noise;
  double clip_norm, clip_value, tol_grad, tol_f, max_seconds;
  uint64_t seed;
  long log_every;
  FILE *log_file;
  long trace_every, every;
  int (*on_step)(void *ud, const slope_step_info *s);
  void *ud;
  volatile int *interrupt;
  const char *checkpoint_path;
  long checkpoint_every;
  const char *resume_path;
  int progress;
} slope_run_opts;

typedef struct slope_result {
  size_t size;
  int status;
  long steps, epochs;
  double f, grad_norm;
  char message[512];
} slope_result;

/* ---- what host.c calls ---- */
slope_ctx *slope_new(void);
void slope_free(slope_ctx *S);
slope_error slope_error_get(const slope_ctx *S);
void slope_clear_error(slope_ctx *S);
slope_expr slope_parse(slope_ctx *S, const char *src, size_t len);
slope_optim *slope_optim_new(slope_ctx *S, const char *kind, int nparams);
int slope_optim_set(slope_optim *o, const char *name, const double *v, int n);
void slope_optim_free(slope_optim *o);
slope_schedule *slope_schedule_new(slope_ctx *S, const char *kind);
int slope_schedule_set(slope_schedule *s, const char *name, const double *v, int n);
void slope_schedule_free(slope_schedule *s);
slope_problem *slope_problem_new(slope_ctx *S, slope_expr f, const char *const *params, const double *x0,
                                 int nparams, const slope_data *data);
slope_problem *slope_problem_callback(slope_ctx *S, int nparams, const char *const *names, const double *x0,
                                      slope_objective obj);
void slope_problem_free(slope_problem *p);
double *slope_problem_x(slope_problem *p);
const char *slope_status_name(int status);
void slope_run_defaults_sized(slope_run_opts *o, size_t size);
#define slope_run_defaults(o) slope_run_defaults_sized((o), sizeof(slope_run_opts))
void slope_result_init_sized(slope_result *r, size_t size);
#define slope_result_init(r) slope_result_init_sized((r), sizeof(slope_result))
int slope_run(slope_problem *p, slope_optim *o, const slope_run_opts *opts, slope_result *r, slope_trace **trace);
size_t slope_trace_rows(const slope_trace *t);
void slope_trace_free(slope_trace *t);

#endif
