/*
** slope.h -- the public C API of slope.
**
** Everything hangs off one opaque context ('slope_ctx'); there is no global
** state, so two contexts may be used from two threads at once.  Expressions are
** handles ('slope_expr') into the context's hash-consed DAG: equal expressions
** have equal handles, and a handle stays valid until the context is freed.
** A function that fails returns 0 (or NULL, or an error code) and records the
** first error in the context; 'slope_error_get' reads it.  Strings returned by
** the library are borrowed: printed text is valid until the next call on the
** same context; names (slope_optim_kind, slope_problem_name, slope_data_name)
** live as long as their object.
**
** Objects made from a context (tapes, optimizers, schedules, data sets,
** problems, traces) keep a pointer to it and report errors into it; free each
** with its *_free function (NULL is accepted) before 'slope_free'.  Use a
** context and its objects from one thread at a time.
*/
#ifndef SLOPE_H
#define SLOPE_H

#include <stddef.h>
#include <stdint.h>

#define SLOPE_VERSION_MAJOR 0
#define SLOPE_VERSION_MINOR 1
#define SLOPE_VERSION_PATCH 0
#define SLOPE_VERSION "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes. */
enum {
  SLOPE_OK = 0,      /* success */
  SLOPE_ERRSYNTAX,   /* malformed expression text */
  SLOPE_ERRNAME,     /* unknown function, variable or column name */
  SLOPE_ERRARG,      /* an argument is of the wrong kind or out of range */
  SLOPE_ERRLIMIT,    /* nesting, size or count limit exceeded */
  SLOPE_ERRMEM,      /* out of memory */
  SLOPE_ERRDATA,     /* bad or missing data */
  SLOPE_ERRIO        /* a file could not be read or written */
};

typedef struct slope_ctx slope_ctx;
typedef uint32_t slope_expr;          /* 0 means "no expression" (an error) */

/* The first error recorded since the last 'slope_clear_error'. */
typedef struct slope_error {
  int code;           /* SLOPE_OK when there is no error */
  int line, col;      /* 1-based position in parsed text, 0 when not a parse error */
  size_t offset;      /* byte offset of the error in parsed text */
  const char *message;  /* "line:col: what went wrong", then the source line and a caret;
                        ** borrowed: valid until slope_clear_error or slope_free */
} slope_error;

/* Library version as "major.minor.patch". */
const char *slope_version(void);

/* Create a context; NULL when out of memory.  Free it with 'slope_free'. */
slope_ctx *slope_new(void);
/* Free a context and everything it owns (expressions, tapes stay invalid after). */
void slope_free(slope_ctx *S);
/* The first error since the last clear; code is SLOPE_OK if none. */
slope_error slope_error_get(const slope_ctx *S);
/* Forget the recorded error so the next failure is reported. */
void slope_clear_error(slope_ctx *S);

/* ---- building expressions ---------------------------------------------- */

/* Parse 'len' bytes of expression-language text (with let-bindings). */
slope_expr slope_parse(slope_ctx *S, const char *src, size_t len);
slope_expr slope_num(slope_ctx *S, double v);     /* a finite constant */
slope_expr slope_var(slope_ctx *S, const char *name);  /* a name, [A-Za-z_][A-Za-z0-9_]* */
slope_expr slope_add(slope_ctx *S, slope_expr a, slope_expr b);
slope_expr slope_sub(slope_ctx *S, slope_expr a, slope_expr b);
slope_expr slope_mul(slope_ctx *S, slope_expr a, slope_expr b);
slope_expr slope_div(slope_ctx *S, slope_expr a, slope_expr b);
slope_expr slope_pow(slope_ctx *S, slope_expr a, slope_expr b);
slope_expr slope_neg(slope_ctx *S, slope_expr a);
/* Apply a function of the language by name ("sin", "atan2", "mean", ...). */
slope_expr slope_call(slope_ctx *S, const char *fn, const slope_expr *args, int nargs);

/* ---- inspecting and transforming ---------------------------------------- */

/* Derivative of 'e' with respect to variable 'var', simplified. */
slope_expr slope_diff(slope_ctx *S, slope_expr e, const char *var);
/* Replace every occurrence of variable 'var' by 'by'. */
slope_expr slope_subs(slope_ctx *S, slope_expr e, const char *var, slope_expr by);
/* Number of distinct DAG nodes reachable from 'e'. */
size_t slope_size(slope_ctx *S, slope_expr e);
/* Free variable names of 'e', sorted; returns how many there are (which may
** be more than 'max') and stores up to 'max' borrowed names in 'out'; -1 on
** an error (out of memory, or 'e' failed), recorded in the context. */
int slope_vars(slope_ctx *S, slope_expr e, const char **out, int max);
/* Value of 'e' with the named variables bound; SLOPE_ERRNAME for an unbound
** one.  Reductions need data and fail here (use a tape). */
int slope_eval(slope_ctx *S, slope_expr e, const char *const *names,
               const double *values, int n, double *result);

/* Infix text that parses back to the same expression (borrowed string). */
const char *slope_print(slope_ctx *S, slope_expr e);
/* LaTeX math-mode text (borrowed string). */
const char *slope_latex(slope_ctx *S, slope_expr e);
/* C99 source of 'double NAME(const double *x, double *grad)' returning the value
** and storing the gradient with respect to 'params' in order (borrowed string). */
const char *slope_ccode(slope_ctx *S, slope_expr e, const char *name,
                        const char *const *params, int nparams);

/* ---- reclaiming nodes: long sessions ------------------------------------ */

/* Nodes are never reclaimed behind your back: without calls to
** 'slope_collect' every handle stays valid until 'slope_free'.  A host that
** builds expressions in a loop for a long time calls 'slope_collect' now
** and then; then every handle it holds across that call must be kept.
** Problems keep their objective themselves; tapes need nothing once compiled.
** A kept handle never changes; a reclaimed one is reused for a new node, so
** a handle that was not kept names another expression, or none, afterwards.
**   slope_keep(S, f);  ...build and drop...;  slope_collect(S);  (f is intact) */
/* Count one more holder of 'e' (and so of everything below it). */
void slope_keep(slope_ctx *S, slope_expr e);
/* Drop one 'slope_keep' of 'e'; a node nothing keeps is reclaimed by the
** next 'slope_collect' unless a kept node uses it. */
void slope_release(slope_ctx *S, slope_expr e);
/* Reclaim every node no kept handle reaches, except variables (their names,
** borrowed from 'slope_vars', stay valid); returns how many were freed.
** Costs what the context holds. */
size_t slope_collect(slope_ctx *S);
/* 'slope_collect' when the nodes in use passed twice what the last
** collection left (and 65536): amortised cost per node built stays small.
** For hosts that keep every handle they hold, like the Lua binding. */
size_t slope_collect_step(slope_ctx *S);
/* Nodes in use in the context. */
size_t slope_nodes(const slope_ctx *S);

/* ---- compiled tapes ----------------------------------------------------- */

typedef struct slope_tape slope_tape;

/* Compile 'e' for the ordered parameters 'params' and the data columns 'cols'.
** Every free name must be one or the other; a column may appear only inside
** mean/sum.  Free the tape with 'slope_tape_free' (before its context). */
slope_tape *slope_compile(slope_ctx *S, slope_expr e,
                          const char *const *params, int nparams,
                          const char *const *cols, int ncols);
void slope_tape_free(slope_tape *T);
int slope_tape_nparams(const slope_tape *T);
/* Bind data: 'cols[j]' points at 'nrows' doubles for column j (same order as
** at compile time).  The memory is borrowed and must outlive the evaluations. */
int slope_tape_bind(slope_tape *T, const double *const *cols, size_t nrows);
/* Value and full gradient by reverse mode.  'rows' selects a mini-batch of
** 'nsel' row indices (NULL: every bound row).  'grad' may be NULL,
** and then only the value is computed.  Returns SLOPE_OK or an error code. */
int slope_tape_grad(slope_tape *T, const double *x, const size_t *rows,
                    size_t nsel, double *f, double *grad);


/* ---- random numbers ---------------------------------------------------- */

/* xoshiro256** seeded through splitmix64: the one generator behind every
** random choice of a run, so equal seeds give equal runs bit for bit.
** The fields are public only so the struct can live on the stack; a zeroed
** struct is not a generator (it would draw 0 for ever): seed it first. */
typedef struct slope_rng {
  uint64_t s[4];
  double spare;       /* second normal deviate of the last pair */
  int has_spare;
} slope_rng;

void slope_rng_seed(slope_rng *r, uint64_t seed);
uint64_t slope_rng_next(slope_rng *r);          /* 64 uniform bits */
double slope_rng_uniform(slope_rng *r);         /* uniform in [0, 1), 53 bits */
double slope_rng_normal(slope_rng *r);          /* standard normal deviate */
uint64_t slope_rng_below(slope_rng *r, uint64_t n);  /* uniform in [0, n), unbiased */

/* ---- objectives as seen by optimizers ------------------------------------ */

/* What an optimizer may ask of the objective.  'fg' stores f(x) and, when 'g'
** is not NULL, the gradient (it must accept g == NULL: "anneal" asks for values only); 'hess' stores the row-major n*n Hessian (NULL
** when unavailable).  Both return SLOPE_OK or an error code, which stops the
** step and is passed up. */
typedef struct slope_objective {
  int (*fg)(void *ud, const double *x, double *f, double *g);
  int (*hess)(void *ud, const double *x, double *H);
  void *ud;
} slope_objective;

/* ---- optimizers ------------------------------------------------------- */

typedef struct slope_optim slope_optim;

/* A new optimizer of the given kind ("sgd", "adam", "adamw", "rmsprop",
** "adagrad", "adadelta", "adamax", "nadam", "radam", "rprop", "asgd",
** "lbfgs", "newton", "anneal") for 'nparams' parameters, with PyTorch's
** defaults.  NULL with SLOPE_ERRNAME for an unknown kind. */
slope_optim *slope_optim_new(slope_ctx *S, const char *kind, int nparams);
void slope_optim_free(slope_optim *o);
const char *slope_optim_kind(const slope_optim *o);
/* The number of parameters the optimizer was made for. */
int slope_optim_nparams(const slope_optim *o);
/* Set a hyperparameter by its PyTorch name: 'n' values (2 for "betas",
** "etas", "step_sizes"; booleans are 0 or 1).  SLOPE_ERRNAME for a name the
** kind does not have, SLOPE_ERRARG for a value out of range; the message names
** the parameter and the allowed range. */
int slope_optim_set(slope_optim *o, const char *name, const double *v, int n);
/* Set a string hyperparameter (lbfgs "line_search": "strong_wolfe" or "none"). */
int slope_optim_set_string(slope_optim *o, const char *name, const char *value);
/* Read a hyperparameter into 'v' (room for 'n'); returns the number of values,
** or -1 for an unknown name. */
int slope_optim_get(const slope_optim *o, const char *name, double *v, int n);
/* The hyperparameter names of the kind, NULL-terminated; valid until
** slope_optim_free. */
const char *const *slope_optim_hypers(const slope_optim *o);
/* Forget the optimizer's state (moments, step count, history). */
void slope_optim_reset(slope_optim *o);
/* One update of 'x' in place.  On entry 'f' and 'g' hold the objective and its
** gradient at 'x' (after any clipping or gradient noise); 'lr' holds this
** step's learning rate per parameter (NULL: the "lr" hyperparameter for all).
** Line-search, second-order and derivative-free kinds call 'obj' for more
** evaluations; 'rng' is used by "anneal".  Returns SLOPE_OK or an error code. */
int slope_optim_step(slope_optim *o, double *x, double f, const double *g,
                     const double *lr, const slope_objective *obj, slope_rng *rng);
/* Number of objective evaluations the last step made through 'obj'. */
long slope_optim_evals(const slope_optim *o);

/* ---- learning-rate schedules -------------------------------------------- */

typedef struct slope_schedule slope_schedule;

/* A schedule of the given kind with torch.optim.lr_scheduler's defaults:
** "constant", "step", "multistep", "exponential", "inverse", "cosine",
** "cosine_restarts", "linear", "poly", "onecycle", "cyclic", "plateau". */
slope_schedule *slope_schedule_new(slope_ctx *S, const char *kind);
/* A schedule that runs 'parts[i]' from milestone i-1 on (SequentialLR).  The
** parts are borrowed: they must outlive the sequential schedule. */
slope_schedule *slope_schedule_sequential(slope_ctx *S, slope_schedule **parts,
                                          int nparts, const long *milestones,
                                          int nmilestones);
/* A schedule computed by a host function of (t, base learning rate). */
slope_schedule *slope_schedule_fn(slope_ctx *S,
                                  double (*fn)(void *ud, long t, double base),
                                  void *ud);
void slope_schedule_free(slope_schedule *s);
/* Set a numeric argument by its PyTorch name ('n' values, e.g. milestones). */
int slope_schedule_set(slope_schedule *s, const char *name, const double *v, int n);
/* Set a string argument ("mode", "anneal_strategy", "scale_mode", "threshold_mode"). */
int slope_schedule_set_string(slope_schedule *s, const char *name, const char *value);
/* Learning rate at step count 't' (0-based) for base learning rate 'base'. */
double slope_schedule_lr(slope_schedule *s, long t, double base);
/* Momentum (or Adam's beta1) at 't' for cycling schedules; returns 0 and
** leaves 'm' alone when the schedule does not drive momentum. */
int slope_schedule_momentum(slope_schedule *s, long t, double *m);
/* Feed the monitored metric to a "plateau" schedule (once per epoch or step). */
void slope_schedule_observe(slope_schedule *s, double metric);

/* ---- gradient and parameter noise, clipping ------------------------------ */

/* Scale 'g' so its Euclidean norm is at most 'max_norm' (PyTorch's
** clip_grad_norm_: g *= max_norm / (norm + 1e-6) when norm > max_norm).
** Returns the norm before clipping. */
double slope_clip_norm(double *g, int n, double max_norm);
/* Clamp every component of 'g' to [-limit, limit]. */
void slope_clip_value(double *g, int n, double limit);

/* ---- data sets -------------------------------------------------------- */

/* Named columns of doubles, all of one length.  The data set owns copies. */
typedef struct slope_data slope_data;

/* An empty data set; add columns with 'slope_data_add'. */
slope_data *slope_data_new(slope_ctx *S);
void slope_data_free(slope_data *d);
/* Add column 'name' as a copy of 'n' values; every column must have the same
** number of rows (SLOPE_ERRDATA otherwise), names are unique (SLOPE_ERRNAME). */
int slope_data_add(slope_data *d, const char *name, const double *v, size_t n);
/* Read a CSV file whose header row names the columns; every other row holds
** numbers.  A bad row is an error naming the file, line and column. */
slope_data *slope_data_csv(slope_ctx *S, const char *path);
/* Synthetic linear-regression data: x ~ N(0, 1) per feature, y = w.x + b +
** noise*N(0, 1), from 'seed'.  One weight gives columns x, y; k weights give
** x1..xk, y. */
slope_data *slope_data_regression(slope_ctx *S, size_t n, const double *w, int nw,
                                  double b, double noise, uint64_t seed);
/* Shuffle the rows with 'seed' and cut them into the first 'fraction' (train)
** and the rest (test), both new data sets. */
int slope_data_split(const slope_data *d, double fraction, uint64_t seed,
                     slope_data **train, slope_data **test);
size_t slope_data_rows(const slope_data *d);
int slope_data_ncols(const slope_data *d);
const char *slope_data_name(const slope_data *d, int j);      /* NULL past the end */
/* The values of column j or of the named column (NULL if there is none). */
const double *slope_data_column(const slope_data *d, int j);
const double *slope_data_find(const slope_data *d, const char *name);

/* ---- problems: what a run minimizes --------------------------------------- */

/* An objective with its parameters and current point: a compiled expression
** (with optional data and batching) or host callbacks. */
typedef struct slope_problem slope_problem;

/* Compile 'f' for the parameters 'params' (in order) starting at 'x0', with
** the columns of 'data' (may be NULL) available inside mean/sum.  The data
** set is borrowed and must outlive the problem. */
slope_problem *slope_problem_new(slope_ctx *S, slope_expr f, const char *const *params,
                                 const double *x0, int nparams, const slope_data *data);
/* A problem over a host objective (callbacks in 'obj'); 'names' may be NULL.
** 'obj.ud' is borrowed and must outlive the problem.  A callback returning a
** code other than SLOPE_OK stops the run; slope_run returns that code. */
slope_problem *slope_problem_callback(slope_ctx *S, int nparams, const char *const *names,
                                      const double *x0, slope_objective obj);
void slope_problem_free(slope_problem *p);
/* Batching: 'batch' rows per step (0 = full batch), reshuffled every epoch
** when 'shuffle', from 'seed'.  Resets the epoch position. */
int slope_problem_batch(slope_problem *p, size_t batch, int shuffle, uint64_t seed);
int slope_problem_nparams(const slope_problem *p);
const char *slope_problem_name(const slope_problem *p, int i);
/* The current point (n doubles, writable). */
double *slope_problem_x(slope_problem *p);
/* Objective and gradient ('g' may be NULL) at 'x' over all rows. */
int slope_problem_eval(slope_problem *p, const double *x, double *f, double *g);
/* One optimizer step on the next batch, for hand-written loops (PyTorch's
** loss = closure(); opt.step()): stores f before the update in '*f'.
** No schedule, noise or clipping: the caller does those. */
int slope_problem_step(slope_problem *p, slope_optim *o, double *f);

/* ---- runs ---------------------------------------------------------------- */

enum { SLOPE_MAX_STEPS, SLOPE_CONVERGED, SLOPE_DIVERGED, SLOPE_STOPPED };

/* What an on_step callback sees. */
typedef struct slope_step_info {
  long step, epoch;        /* updates done, epochs completed */
  double f, lr, grad_norm; /* as computed during the step (before its update) */
  const double *x;         /* the point after the update */
  int n;
} slope_step_info;

typedef enum { SLOPE_NOISE_NONE, SLOPE_NOISE_GAUSSIAN, SLOPE_NOISE_LANGEVIN,
               SLOPE_NOISE_GRADIENT } slope_noise_kind;

/* Annealing noise (see DESIGN.md): gaussian adds N(0, s_t^2) to the
** parameters after the update with s_t = schedule(t, std); langevin adds
** N(0, 2*lr_t*T_t) with T_t = schedule(t, temperature); gradient adds
** N(0, eta/(1+t)^gamma) to the gradient before the update. */
typedef struct slope_noise {
  slope_noise_kind kind;
  double std, temperature, eta, gamma;
  slope_schedule *schedule;     /* borrowed; NULL: constant */
} slope_noise;

typedef struct slope_run_opts {
  long steps;                /* updates to make; 0: from epochs */
  long epochs;               /* passes over the data (with data); 0: from steps */
  int maximize;              /* gradient ascent (sets the optimizer's maximize) */
  const double *lr;          /* per-parameter base learning rates, or NULL */
  slope_schedule *schedule;  /* borrowed; NULL: constant learning rate */
  int schedule_per_epoch;    /* t counts epochs instead of steps */
  slope_noise noise;
  double clip_norm, clip_value;  /* 0: off */
  double tol_grad, tol_f;    /* converged when |g| <= tol_grad or |df| <= tol_f; 0: off */
  double max_seconds;        /* wall-time limit; 0: none */
  uint64_t seed;             /* drives noise and anneal; batches follow the seed given to
                             ** slope_problem_batch (the Lua binding passes the same one) */
  long log_every;            /* print a progress line every k steps (epochs with epochs); 0: off */
  void *log_file;            /* FILE * for progress lines (NULL: stdout) */
  long trace_every;          /* record every k-th step; 0: no trace */
  long every;                /* call on_step every k steps */
  int (*on_step)(void *ud, const slope_step_info *s);  /* nonzero stops the run */
  void *ud;
  volatile int *interrupt;   /* set (e.g. by a SIGINT handler) to stop the run */
  const char *checkpoint_path;  /* write a checkpoint here every 'checkpoint_every' steps */
  long checkpoint_every;        /* 0: no checkpoints */
  const char *resume_path;      /* continue the run saved in this checkpoint: from its step to
                                ** the same 'steps'/'epochs' total, bit for bit; NULL: afresh */
  int progress;                 /* draw a progress bar on stderr during long runs */
} slope_run_opts;

/* Defaults: 100 steps, no schedule, noise, clipping or tolerances, trace every step. */
void slope_run_defaults(slope_run_opts *o);

typedef struct slope_trace slope_trace;

typedef struct slope_result {
  int status;               /* SLOPE_MAX_STEPS, SLOPE_CONVERGED, SLOPE_DIVERGED, SLOPE_STOPPED */
  long steps, epochs;
  double f;                 /* objective at x (over all rows), always finite */
  double grad_norm;
  char message[512];        /* what happened, and what to try when it went wrong */
} slope_result;

/* The status as a word: "max_steps", "converged", "diverged", "stopped". */
const char *slope_status_name(int status);
/* Run 'o' on 'p' from p's current point; the point is updated in place (the
** last finite point on divergence).  '*trace' (if not NULL) receives a new
** trace to free with slope_trace_free.  Returns SLOPE_OK or an error code (an
** error is not a divergence: bad options, a failing callback). */
int slope_run(slope_problem *p, slope_optim *o, const slope_run_opts *opts,
              slope_result *r, slope_trace **trace);

/* ---- traces --------------------------------------------------------------- */

/* Row 0 is the start point and f there; row k the state after k updates
** with f, lr and grad_norm as computed during step k. */
void slope_trace_free(slope_trace *t);
size_t slope_trace_rows(const slope_trace *t);
int slope_trace_nparams(const slope_trace *t);
/* One row: its step number, f, lr, grad_norm and the point ('x' has room for
** slope_trace_nparams values).  Any output pointer may be NULL; SLOPE_ERRARG
** when 'row' >= slope_trace_rows. */
int slope_trace_row(const slope_trace *t, size_t row, long *step, double *f,
                    double *lr, double *grad_norm, double *x);
/* Write the trace as CSV (step,f,lr,grad_norm,<names>) or JSON. */
int slope_trace_csv(const slope_trace *t, const char *path, const char *const *names);
int slope_trace_json(const slope_trace *t, const char *path, const char *const *names);

/* ---- checkpoints ---------------------------------------------------------- */

/* A checkpoint file holds what is needed to continue exactly: a problem's
** point and batching state, an optimizer's kind, hyperparameters and state,
** and when a run wrote it (slope_run_opts.checkpoint_path) the run's step,
** generator and plateau schedule state.  The format is versioned, stores
** doubles bit for bit and is checksummed; files are replaced atomically. */

/* Write the state of 'p' and/or 'o' (either may be NULL) to 'path' atomically
** (through 'path.tmp' and a rename). */
int slope_checkpoint_save(slope_ctx *S, const char *path, const slope_problem *p, const slope_optim *o);
/* Restore 'p' and/or 'o' from any checkpoint; the parameter names, data rows,
** batching and optimizer kind must match.  On an error nothing changes. */
int slope_checkpoint_load(slope_ctx *S, const char *path, slope_problem *p, slope_optim *o);
/* A new optimizer of the kind, size, hyperparameters and state saved at 'path',
** restoring 'p' as well when not NULL; NULL on an error. */
slope_optim *slope_checkpoint_optim(slope_ctx *S, const char *path, slope_problem *p);

/* ---- Lua ------------------------------------------------------------------ */

struct lua_State;
/* Open the Lua binding in any lua_State (what 'require "slope"' calls);
** pushes the module table.  Defined in the Lua binding, not in libslope. */
int luaopen_slope(struct lua_State *L);

#ifdef __cplusplus
}
#endif

#endif
