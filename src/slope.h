/*
** slope.h -- the public C API of slope.
**
** Everything hangs off one opaque context ('slope_ctx'); there is no global
** state, so two contexts may be used from two threads at once.  Expressions are
** handles ('slope_expr') into the context's hash-consed DAG: equal expressions
** have equal handles, and a handle stays valid until the context is freed.
** A function that fails returns 0 (or NULL, or an error code) and records
** why in the context; 'slope_error_get' reads it (see "Errors" below for how
** long an error lasts).  Strings returned by
** the library are borrowed: printed text is valid until the next call on the
** same context; names (slope_optim_kind, slope_problem_name, slope_data_name)
** live as long as their object.
**
** Objects made from a context (tapes, optimizers, schedules, data sets,
** problems, traces) keep a pointer to it and report errors into it; free each
** with its *_free function (NULL is accepted) before 'slope_free'.  Use a
** context and its objects from one thread at a time.
**
** Binary compatibility.  The shared library is libslope.so.MAJOR (the soname
** follows SLOPE_VERSION_MAJOR; while MAJOR is 0 it is libslope.so.0.MINOR,
** since every 0.x release may break the ABI, as 0.2 did by giving the
** option and result structs their 'size').  Adding functions, and adding fields at the
** end of the structs that carry their size (slope_run_opts, slope_result;
** slope_step_info, which the library fills), keeps MAJOR: a host compiled
** against an older slope.h keeps working with a newer library, which reads
** and writes only the fields the host's 'size' covers and uses defaults for
** the rest.  Removing or renaming anything, changing a type, a field's order
** or an existing function's meaning bumps MAJOR.  A new field starts at or
** after the previous layout's sizeof (add 8-byte fields, or pad smaller
** ones), so that 'size' tells which fields a host knows.  A host compiled
** against a newer slope.h than its library gets SLOPE_ERRARG from slope_run,
** as it would fail to link a function the library lacks.
*/
#ifndef SLOPE_H
#define SLOPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SLOPE_VERSION_MAJOR 0
#define SLOPE_VERSION_MINOR 2
#define SLOPE_VERSION_PATCH 0
#define SLOPE_VERSION "0.2.0"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks a function whose result must not be ignored: a status a caller has
** to check, or an object it has to free.  GCC and Clang warn about a call
** that drops it (with GCC even a cast to void does not silence the warning:
** check the result). */
#if defined(__GNUC__) || defined(__clang__)
#define SLOPE_NODISCARD __attribute__((warn_unused_result))
#else
#define SLOPE_NODISCARD
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
  SLOPE_ERRIO,       /* a file could not be read or written */
  SLOPE_ERRMISUSE    /* the API was misused: a NULL context, object or required
                     ** pointer, objects of two contexts, an invalid expression
                     ** handle, sizes that do not match, a negative count (see
                     ** "Misuse" below); the message names the function */
};

typedef struct slope_ctx slope_ctx;
typedef uint32_t slope_expr;          /* 0 means "no expression" (an error) */
/* Arrays: the shape of a value.  rank 0 is a scalar, 1 a vector
** of dim[0] elements, 2 a dim[0] x dim[1] matrix; elements are row-major. */
typedef struct slope_shape { int rank; int dim[2]; } slope_shape;
/* The number of elements of '*s': 1 for a scalar, dim[0] for a vector (dim[1]
** unread), dim[0] * dim[1] for a matrix; 0 for NULL, a rank outside 0..2, a
** dimension below 1 or a count size_t cannot hold (no context: nothing is
** recorded). */
size_t slope_shape_size(const slope_shape *s);

/*
** Errors.  An error describes the call that failed and does not outlive it:
** every function that can fail starts from a clean error state, so a call
** given valid inputs never fails, nor reports another call's message,
** because an earlier call failed, and 'slope_error_get' after such a call
** that succeeded reports SLOPE_OK.  Read the error right after the failed
** call, before the next one that can fail (getters and *_free functions
** leave it alone).  Within one call the first error wins: the most precise
** message, from where the failure happened.
**
** Constructors can still be chained and checked once at the end: a function
** given the expression 0 (what a failed call returns) fails and reports the
** error of the call that made it, however many calls succeeded in between:
**
**   slope_expr a = slope_parse(S, "sin(x", 5);        // fails: 0
**   slope_expr e = slope_add(S, a, slope_var(S, "y"));  // 0, reports the syntax error
*/

/*
** Misuse.  Every function checks what it is given before touching it:
** NULL pointers it needs (the context, the object, a required array or
** output), objects made from another context than the one the call works in
** (a problem and an optimizer, a data set, a schedule, the objects given to a
** checkpoint), an expression handle that is not a node of the context, an
** optimizer whose size is not the problem's, negative counts.  Such a call
** writes nothing, returns SLOPE_ERRMISUSE (or NULL, 0 or -1 where the
** function returns those) and records "slope_fn: what was wrong" in the
** context it works in; with no context (a NULL context or object) it records
** nothing.  Not detected: an array shorter than the count given with it, a
** handle of another context that happens to be a node of this one too, and
** an object used after its *_free (undefined behaviour: AddressSanitizer
** finds it).  Some checks that predate SLOPE_ERRMISUSE keep their documented
** SLOPE_ERRARG (said at the function).
*/

/* The error of the last call, if it failed. */
typedef struct slope_error {
  int code;           /* SLOPE_OK when there is no error */
  int line, col;      /* 1-based position in parsed text, 0 when not a parse error */
  size_t offset;      /* byte offset of the error in parsed text */
  const char *message;  /* "line:col: what went wrong", then the source line and a caret;
                        ** borrowed: valid until the next call that can fail */
} slope_error;

/* Library version as "major.minor.patch". */
const char *slope_version(void);

/* Create a context; NULL when out of memory.  Free it with 'slope_free'. */
SLOPE_NODISCARD slope_ctx *slope_new(void);
/* Free a context and everything it owns (expressions, tapes stay invalid after). */
void slope_free(slope_ctx *S);
/* The error of the last call on the context; code is SLOPE_OK when it
** succeeded (see "Errors" above). */
slope_error slope_error_get(const slope_ctx *S);
/* Forget the recorded error, also for chains (a function given 0 then reports
** "no expression").  Never needed before a call: each starts clean. */
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

/* Arrays: a[i] (j = 0) or A[i, j], 1-based; v[lo..hi]; #a.  The functions
** of arrays (dot, matmul, outer, transpose, softmax, log_softmax,
** logsumexp, cross_entropy, onehot, norm, range, pad, sum_rows, mean_rows,
** and max with one argument) go through slope_call. */
slope_expr slope_index(slope_ctx *S, slope_expr a, slope_expr i, slope_expr j);
slope_expr slope_slice(slope_ctx *S, slope_expr v, slope_expr lo, slope_expr hi);
slope_expr slope_len(slope_ctx *S, slope_expr a);

/* The functions of the language, for listing them: the i-th one's name as
** written ("sin", "atan2", "mean"), for i = 0, 1, ... until NULL.  '*arity'
** gets its number of arguments and '*reduces' 1 for the reductions over data
** rows (sum, mean), else 0; either may be NULL.  The name is static. */
const char *slope_function_at(int i, int *arity, int *reduces);
/* The value of function 'fn' at args[0..nargs) as the language defines it
** (what folding, slope_eval and tapes compute: slope_function_eval("sqrt",
** (double[]){2}, 1, &r) gives sqrt(2)), in '*result'.  NaN or an infinity is
** a value, not an error.  No context, so nothing is recorded: returns
** SLOPE_OK, SLOPE_ERRNAME for an unknown name, SLOPE_ERRARG when 'nargs' is
** not the function's arity, SLOPE_ERRDATA for a reduction (it needs rows). */
int slope_function_eval(const char *fn, const double *args, int nargs, double *result);

/* ---- inspecting and transforming ---------------------------------------- */

/* Derivative of 'e' with respect to variable 'var', simplified. */
slope_expr slope_diff(slope_ctx *S, slope_expr e, const char *var);
/* The same when names are arrays: names[i] has shape shapes[i] (only the
** rank matters: the result is one expression for every length, with
** lengths written #x).  With respect to an array name the derivative is one
** expression of its shape (d dot(w, x)/dw is x; a scalar result stands for
** that value in every element).  slope_diff takes a name's rank from its use
** (x[i], #x, dot(x, y), A @ v, softmax(z), ...), else scalar. */
slope_expr slope_diff_shaped(slope_ctx *S, slope_expr e, const char *var, const char *const *names,
                             const slope_shape *shapes, int n);
/* Replace every occurrence of variable 'var' by 'by'. */
slope_expr slope_subs(slope_ctx *S, slope_expr e, const char *var, slope_expr by);
/* The name of 'e' when it is a variable, else NULL (a handle that is not a
** node of 'S' records SLOPE_ERRMISUSE; 0 or any other expression records
** nothing).  Borrowed:
** valid until the next call on 'S' that builds an expression. */
const char *slope_var_name(slope_ctx *S, slope_expr e);
/* Number of distinct DAG nodes reachable from 'e'; 0 on an error. */
size_t slope_size(slope_ctx *S, slope_expr e);
/* Free variable names of 'e' in the order the context first met them (as
** written: left to right in parsed text, in the order of slope_var calls);
** returns how many there are (which may
** be more than 'max') and stores up to 'max' borrowed names in 'out'; -1 on
** an error (out of memory, or 'e' failed), recorded in the context. */
SLOPE_NODISCARD int slope_vars(slope_ctx *S, slope_expr e, const char **out, int max);
/* Value of 'e' with the named variables bound; SLOPE_ERRNAME for an unbound
** one.  Reductions need data and fail here (use a tape). */
SLOPE_NODISCARD int slope_eval(slope_ctx *S, slope_expr e, const char *const *names,
                               const double *values, int n, double *result);

/* Value of an array expression: names[i] has shape shapes[i] (NULL: every
** name a scalar) and its elements at the next positions of 'values' (flat,
** each name's elements row-major, in order).  The result's shape goes to
** '*outshape' (may be NULL) and its elements to out[0..outcap): SLOPE_ERRARG
** when they do not fit (the shape is still stored).  Shapes that do not
** fit, indices out of range and labels outside 1..n are errors naming
** them, with the position in the text of the last parse. */
SLOPE_NODISCARD int slope_eval_shaped(slope_ctx *S, slope_expr e, const char *const *names,
                                      const slope_shape *shapes, const double *values, int n,
                                      double *out, size_t outcap, slope_shape *outshape);

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
SLOPE_NODISCARD slope_tape *slope_compile(slope_ctx *S, slope_expr e,
                                          const char *const *params, int nparams,
                                          const char *const *cols, int ncols);
/* 'slope_compile' with shapes: 'pshape[i]' is parameter i's, 'cshape[j]'
** data column j's (a vector column of k elements is a row's vector; NULL
** shape lists make every name a scalar, which is 'slope_compile').  The
** point x is every parameter's elements in order ('slope_tape_nparams'
** doubles); a column of k elements takes k consecutive pointers in
** 'slope_tape_bind' (cols[j][row] is element j of that row's vector). */
SLOPE_NODISCARD slope_tape *slope_compile_shaped(slope_ctx *S, slope_expr e,
                                                 const char *const *params,
                                                 const slope_shape *pshape, int nparams,
                                                 const char *const *cols,
                                                 const slope_shape *cshape, int ncols);
void slope_tape_free(slope_tape *T);
/* Length of the point x: the number of parameters, or of their elements. */
int slope_tape_nparams(const slope_tape *T);
/* Bind data: 'cols[j]' points at 'nrows' doubles for column j (same order as
** at compile time).  The memory is borrowed and must outlive the evaluations. */
SLOPE_NODISCARD int slope_tape_bind(slope_tape *T, const double *const *cols, size_t nrows);
/* Value and full gradient by reverse mode.  'rows' selects a mini-batch of
** 'nsel' row indices (NULL: every bound row).  'grad' may be NULL,
** and then only the value is computed.  Returns SLOPE_OK or an error code. */
SLOPE_NODISCARD int slope_tape_grad(slope_tape *T, const double *x, const size_t *rows,
                                    size_t nsel, double *f, double *grad);

/* Native code for a tape: its C source compiled by the system's C compiler
** ($CC, default cc) and loaded, used after it gave the interpreter's results
** bit for bit at one point.  Every failure (no compiler, a failed compile, a
** cache that cannot be written, SLOPE_JIT=0 in the environment) leaves the
** interpreter serving with the same results.  Modes: OFF never; AUTO (the
** default) compiles in the background once the tape has interpreted enough
** work to pay; ON starts compiling now, in the background; WAIT compiles now
** and returns when the native code is loaded (or has failed). */
enum { SLOPE_JIT_OFF = 0, SLOPE_JIT_AUTO = 1, SLOPE_JIT_ON = 2, SLOPE_JIT_WAIT = 3 };
SLOPE_NODISCARD int slope_tape_jit(slope_tape *T, int mode);
/* Where the tape's native code stands: "native", "native (from the cache)",
** "compiling", "loaded: checked at the next call", or "interpreter: ..." /
** a reason why not; '*compile_ms' (may be NULL) the time compiling (or
** loading from the cache) took.  The text lives as long as the tape. */
const char *slope_tape_jit_status(slope_tape *T, double *compile_ms);
/* fast_math: 'on' 1 evaluates exp, log, log1p, expm1, tanh, sigmoid and
** softplus over the tape's row blocks with glibc's vector functions
** (libmvec, loaded at run time), a few ulp from <math.h>'s (the bound is in
** docs/reference.md); 0 (the default) is exact.  Native code is not used
** while it is on.  Where libmvec cannot be loaded the tape stays exact:
** 'slope_tape_fast_math_lanes' says which (0 exact, else 2 or 4 lanes). */
SLOPE_NODISCARD int slope_tape_fast_math(slope_tape *T, int on);
int slope_tape_fast_math_lanes(const slope_tape *T);
/* The C source of the tape's native code (NULL with the error set for a tape
** with vectors or matrices, which native code does not cover yet).  The text
** lives as long as the tape. */
const char *slope_tape_csource(slope_tape *T);


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

/*
** The description of one hyperparameter of an optimizer kind (or argument of
** a schedule kind), owned by the library and never freed.  Hosts get it by
** pointer (slope_optim_hyper_at, slope_schedule_hyper_at), never as an array,
** so fields may be added at the end without breaking them.
*/
typedef struct slope_hyper {
  const char *name;        /* PyTorch's name: "lr", "betas", "line_search" */
  int n;                   /* values: 1, or 2 for a pair ("betas"); 1 for a choice or list */
  double def[2];           /* default value(s); NAN for PyTorch's None */
  double lo, hi;           /* allowed range of a value (of the first of a pair) */
  int lo_open, hi_open;    /* strict bounds: lo < v, v < hi */
  int is_bool, is_int;     /* a boolean (0 or 1), an integer */
  const char *const *choices;  /* NULL-terminated for string slots, else NULL */
  const char *def_choice;      /* the default of a string slot; NULL when other
                                  arguments decide it (cyclic's scale_mode: by mode) */
  int required;            /* a schedule that lacks it is rejected */
  const char *about;       /* one line saying what it does, or NULL */
  /* added after the first version: */
  double lo2, hi2;         /* the range of the second value of a pair */
  int lo2_open, hi2_open;
  int is_list;             /* a list of numbers ("milestones") */
} slope_hyper;

/* What an optimizer kind needs at each step (slope_optim_needs): the
** gradient 'g' of slope_optim_step, the Hessian callback of its objective. */
#define SLOPE_NEEDS_GRAD 1
#define SLOPE_NEEDS_HESSIAN 2

/* The optimizer kinds, NULL-terminated, in the registry's order (the order
** help and error messages list them in). */
const char *const *slope_optim_kinds(void);
/* One line saying what 'kind' does, or NULL for an unknown kind. */
const char *slope_optim_about(const char *kind);
/* The i-th (from 0) hyperparameter of 'kind', or NULL past the last one or
** for an unknown kind. */
const slope_hyper *slope_optim_hyper_at(const char *kind, int i);
/* SLOPE_NEEDS_GRAD and SLOPE_NEEDS_HESSIAN flags of 'kind' (0 when unknown). */
int slope_optim_needs(const char *kind);

/* A new optimizer of the given kind (one of 'slope_optim_kinds') for
** 'nparams' parameters, with PyTorch's defaults.  NULL with SLOPE_ERRNAME
** for an unknown kind. */
SLOPE_NODISCARD slope_optim *slope_optim_new(slope_ctx *S, const char *kind, int nparams);
void slope_optim_free(slope_optim *o);
const char *slope_optim_kind(const slope_optim *o);
/* The number of parameters the optimizer was made for. */
int slope_optim_nparams(const slope_optim *o);
/* Set a hyperparameter by its PyTorch name: 'n' values (2 for "betas",
** "etas", "step_sizes"; booleans are 0 or 1).  SLOPE_ERRNAME for a name the
** kind does not have, SLOPE_ERRARG for a value out of range; the message names
** the parameter and the allowed range. */
SLOPE_NODISCARD int slope_optim_set(slope_optim *o, const char *name, const double *v, int n);
/* Set a string hyperparameter to one of its choices (lbfgs "line_search":
** "strong_wolfe" or "none"; NULL and "" mean "none" where it is a choice).
** SLOPE_ERRARG for another string, with the nearest choice suggested. */
SLOPE_NODISCARD int slope_optim_set_string(slope_optim *o, const char *name, const char *value);
/* The current choice of a string hyperparameter ("strong_wolfe"; "" for
** "none"), borrowed from the library; NULL with SLOPE_ERRNAME or
** SLOPE_ERRARG recorded when 'name' is not a string hyperparameter of 'o'. */
const char *slope_optim_get_string(const slope_optim *o, const char *name);
/* Read a hyperparameter into 'v' (room for 'n'); returns the number of values,
** or -1 for an unknown name. */
int slope_optim_get(const slope_optim *o, const char *name, double *v, int n);
/* The hyperparameter names of the kind, NULL-terminated; valid until
** slope_optim_free. */
const char *const *slope_optim_hypers(const slope_optim *o);
/* Forget the optimizer's state (moments, step count, history). */
void slope_optim_reset(slope_optim *o);
/* The box the parameters must stay in: lo[i] <= x[i] <= hi[i] (copied; -inf
** and inf leave a side open; NULL for 'lo' or 'hi' leaves every lower or
** upper side open; both NULL removes the box).  Kinds that sample points
** (cmaes, de) draw and repair them inside it; the others are projected onto
** it after each update by slope_run.  SLOPE_ERRARG when some lo[i] > hi[i]
** or a bound is NaN, naming the parameter; nothing changes then. */
SLOPE_NODISCARD int slope_optim_set_bounds(slope_optim *o, const double *lo, const double *hi);
/* One update of 'x' in place.  On entry 'f' and 'g' hold the objective and its
** gradient at 'x' (after any clipping or gradient noise); 'lr' holds this
** step's learning rate per parameter (NULL: the "lr" hyperparameter for all).
** Line-search, second-order and derivative-free kinds call 'obj' for more
** evaluations; 'rng' is used by "anneal".  Returns SLOPE_OK or an error code. */
SLOPE_NODISCARD int slope_optim_step(slope_optim *o, double *x, double f, const double *g,
                                     const double *lr, const slope_objective *obj, slope_rng *rng);
/* NULL, or why the method's own stopping rule holds after its last step
** (SciPy's gtol for cg and bfgs, xatol and fatol for nelder_mead, ...): a
** hand-written loop stops there; slope_run stops with status converged and
** this text in its message.  Static text; slope_optim_reset clears it. */
const char *slope_optim_done(const slope_optim *o);
/* Number of objective evaluations the last step made through 'obj'. */
long slope_optim_evals(const slope_optim *o);

/* ---- learning-rate schedules -------------------------------------------- */

typedef struct slope_schedule slope_schedule;

/* The schedule kinds of 'slope_schedule_new', NULL-terminated, in the
** registry's order ("sequential" and host functions have constructors of
** their own). */
const char *const *slope_schedule_kinds(void);
/* One line saying what 'kind' does, or NULL for an unknown kind. */
const char *slope_schedule_about(const char *kind);
/* The i-th (from 0) argument of 'kind', 'required' set for those it cannot
** do without, or NULL past the last one or for an unknown kind. */
const slope_hyper *slope_schedule_hyper_at(const char *kind, int i);

/* A schedule of the given kind (one of 'slope_schedule_kinds') with
** torch.optim.lr_scheduler's defaults. */
SLOPE_NODISCARD slope_schedule *slope_schedule_new(slope_ctx *S, const char *kind);
/* A schedule that runs 'parts[i]' from milestone i-1 on (SequentialLR).  The
** parts are borrowed: they must outlive the sequential schedule. */
SLOPE_NODISCARD slope_schedule *slope_schedule_sequential(slope_ctx *S, slope_schedule **parts,
                                                          int nparts, const long *milestones,
                                                          int nmilestones);
/* A schedule computed by a host function of (t, base learning rate). */
SLOPE_NODISCARD slope_schedule *slope_schedule_fn(slope_ctx *S,
                                                  double (*fn)(void *ud, long t, double base),
                                                  void *ud);
void slope_schedule_free(slope_schedule *s);
/* Set a numeric argument by its PyTorch name ('n' values, e.g. milestones). */
SLOPE_NODISCARD int slope_schedule_set(slope_schedule *s, const char *name, const double *v, int n);
/* Set a string argument ("mode", "anneal_strategy", "scale_mode", "threshold_mode"). */
SLOPE_NODISCARD int slope_schedule_set_string(slope_schedule *s, const char *name, const char *value);
/* SLOPE_OK when every required argument of 's' (and of the parts of a
** sequential schedule) was set; else SLOPE_ERRARG, recorded with the first
** missing one's name.  Call after the last set and before the first use. */
SLOPE_NODISCARD int slope_schedule_check(slope_schedule *s);
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
** Returns the norm before clipping (0 for a NULL 'g' or n <= 0: there is no
** context to record misuse in, so the clip functions and the generator
** functions below do nothing with NULL). */
double slope_clip_norm(double *g, int n, double max_norm);
/* Clamp every component of 'g' to [-limit, limit]. */
void slope_clip_value(double *g, int n, double limit);

/* ---- shapes ------------------------------------------------------------ */

/* A parameter or data column has a shape (slope_shape, above: values
** contiguous, row-major).  Flat lists (a problem's parameters, a data
** set's columns, traces, checkpoints) name each element: "w[1]" .. "w[n]"
** for a vector w, "W[1,1]", "W[1,2]", .. for a matrix W. */

/* ---- data sets -------------------------------------------------------- */

/* Named columns of doubles, all of one length, every value finite.  A data
** set owns copies of its columns, except the columns a wrapped set borrows
** from the host (slope_data_wrap). */
typedef struct slope_data slope_data;

/* An empty data set; add columns with 'slope_data_add'. */
SLOPE_NODISCARD slope_data *slope_data_new(slope_ctx *S);
/* A data set over the host's own arrays, without copying them: column j is
** named names[j] and its 'nrows' values are cols[j][0..nrows), for j in
** [0, ncols).  The names are copied; the arrays are borrowed:
**   - the host keeps every cols[j] alive, and 'nrows' long, for as long as
**     the data set and every problem, tape or split made from it live;
**   - slope never writes to them (slope_data_column returns cols[j] itself);
**   - the host may change values between calls (not during slope_run), and
**     they must stay finite: the check that every value is finite is made
**     here, once;
**   - slope_data_free frees only slope's own memory, never the arrays.
** A wrapped set is used like any other: in problems, batching and
** shuffling, slope_data_split (whose parts are new sets that own copies),
** slope_data_write_csv and checkpoints.  slope_data_add on it adds a column
** that slope copies and owns.  Errors (NULL, nothing made): SLOPE_ERRARG for
** NULL 'names' or 'cols', 'ncols' < 1, 'nrows' 0, a NULL name or a NULL column
** ("data: column 2 ('y') is NULL (columns count from 0)") or a name that is
** not a name; SLOPE_ERRNAME for a repeated name ("data: there is already a
** column 'y'"); SLOPE_ERRLIMIT for more than 4096 columns or a name longer
** than 255 characters; SLOPE_ERRDATA for a value that is not finite ("data:
** column 'y', row 7: nan is not a finite number", rows count from 0). */
SLOPE_NODISCARD slope_data *slope_data_wrap(slope_ctx *S, const char *const *names, const double *const *cols,
                            int ncols, size_t nrows);
/* Free the data set and its own memory (not the host's arrays of a wrapped set). */
void slope_data_free(slope_data *d);
/* Add column 'name' as a copy of 'n' values; every column must have the same
** number of rows (SLOPE_ERRDATA otherwise), names are unique (SLOPE_ERRNAME).
** Works on a wrapped set too: the new column is slope's copy. */
SLOPE_NODISCARD int slope_data_add(slope_data *d, const char *name, const double *v, size_t n);
/* Read a CSV file whose header row names the columns; every other row holds
** numbers.  A bad row is an error naming the file, line and column. */
SLOPE_NODISCARD slope_data *slope_data_csv(slope_ctx *S, const char *path);
/* Synthetic linear-regression data: x ~ N(0, 1) per feature, y = w.x + b +
** noise*N(0, 1), from 'seed'.  One weight gives columns x, y; k weights give
** x1..xk, y. */
SLOPE_NODISCARD slope_data *slope_data_regression(slope_ctx *S, size_t n, const double *w, int nw,
                                                  double b, double noise, uint64_t seed);
/* Shuffle the rows with 'seed' and cut them into the first 'fraction' (train)
** and the rest (test), both new data sets. */
SLOPE_NODISCARD int slope_data_split(const slope_data *d, double fraction, uint64_t seed,
                                     slope_data **train, slope_data **test);
size_t slope_data_rows(const slope_data *d);
int slope_data_ncols(const slope_data *d);
const char *slope_data_name(const slope_data *d, int j);      /* NULL past the end */
/* The values of column j or of the named column (NULL if there is none):
** slope's copy, or for a borrowed column of a wrapped set the host's array. */
const double *slope_data_column(const slope_data *d, int j);
const double *slope_data_find(const slope_data *d, const char *name);
/* Write 'd' to 'path' as CSV: a header of the names, then each row with every
** number in the shortest text that reads back exactly (slope_data_csv reads
** the same values).  SLOPE_ERRIO ("cannot open 'path': reason", "cannot
** write ...") or SLOPE_ERRMEM, recorded in the data set's context. */
int slope_data_write_csv(const slope_data *d, const char *path);
/* Add the vector column 'name' of k elements per row: 'v' holds rows x k
** values, row-major (row i's vector is v[i*k .. i*k+k)).  It is stored as
** the k columns "name[1]" .. "name[k]" (a CSV file whose header has those
** names reads back as the same vector column).  Errors as slope_data_add;
** SLOPE_ERRARG for k < 1 or a name that is not a name. */
SLOPE_NODISCARD int slope_data_add_vector(slope_data *d, const char *name, const double *v, size_t rows, int k);
/* The shape of column 'name' (a scalar column, or the vector column of
** "name[1]" .. "name[k]") into *shape (may be NULL); returns the index of
** its first flat column, or -1 (recording nothing) when there is none. */
int slope_data_shape(const slope_data *d, const char *name, slope_shape *shape);

/* ---- problems: what a run minimizes --------------------------------------- */

/* An objective with its parameters and current point: a compiled expression
** (with optional data and batching) or host callbacks. */
typedef struct slope_problem slope_problem;

/* Compile 'f' for the parameters 'params' (in order) starting at 'x0', with
** the columns of 'data' (may be NULL) available inside mean/sum.  The data
** set is borrowed and must outlive the problem. */
SLOPE_NODISCARD slope_problem *slope_problem_new(slope_ctx *S, slope_expr f,
                                                 const char *const *params, const double *x0,
                                                 int nparams, const slope_data *data);
/* A problem over a host objective (callbacks in 'obj'); 'names' may be NULL
** (then "x1", "x2", ...).  'obj.ud' is borrowed and must outlive the problem.
** A callback returning a code other than SLOPE_OK stops the run; slope_run
** returns that code.  Checkpoints save and restore slope's side of such a
** problem (point, optimizer, run position and generator) exactly as for an
** expression; whatever the host keeps behind 'obj.ud' is the host's to save:
** a resumed run is bit for bit the same when the callbacks depend on x only. */
SLOPE_NODISCARD slope_problem *slope_problem_callback(slope_ctx *S, int nparams,
                                                      const char *const *names,
                                                      const double *x0, slope_objective obj);
/* A problem over a host objective that is a mean over 'nrows' rows the host
** holds, so it can be batched like an expression problem with data.  Each
** evaluation calls fg_rows(ud, x, rows, nsel, f, g) with the rows to use:
** rows[0..nsel) are distinct indices in [0, nrows), valid during the call
** only; the full batch is every row 0..nrows-1 in order; a mini-batch is the
** slice of the epoch's order that slope_problem_batch selects, exactly the
** rows an expression problem over a data set of 'nrows' rows would get with
** the same batch, shuffle and seed.  The callback stores in '*f' the
** objective over those rows and, when 'g' is not NULL, its gradient (it
** must accept g == NULL).  slope expects the mean over the rows (as
** mean(...) in an expression), so values of different batch sizes compare;
** it never divides by 'nsel' itself.  slope_problem_eval and the final f
** of slope_run use all rows.  Returns SLOPE_OK or an error code, which stops
** the run (slope_run returns it).  There is no Hessian, so "newton" cannot
** run on it.  'names' may be NULL ("x1", "x2", ...); 'ud' is borrowed and
** must outlive the problem; slope_problem_data gives NULL.  Errors:
** SLOPE_ERRARG for a NULL 'fg_rows' or 'nrows' 0. */
SLOPE_NODISCARD slope_problem *slope_problem_callback_rows(slope_ctx *S, int nparams, const char *const *names,
                                           const double *x0, size_t nrows,
                                           int (*fg_rows)(void *ud, const double *x, const size_t *rows,
                                                          size_t nsel, double *f, double *g),
                                           void *ud);
/* A problem over a host objective that gives values only (no gradient),
** for the derivative-free kinds (those whose slope_optim_needs lacks
** SLOPE_NEEDS_GRAD: anneal, nelder_mead, cmaes, de): obj.fg is always
** called with g == NULL and obj.hess is never used.  slope_run refuses a
** kind that needs the gradient, tol_grad, clipping and gradient noise on it,
** and reports grad_norm as NaN (in the result and every trace row).  'names'
** may be NULL; 'obj.ud' is borrowed.  SLOPE_ERRARG for a NULL obj.fg. */
SLOPE_NODISCARD slope_problem *slope_problem_values(slope_ctx *S, int nparams, const char *const *names,
                                                    const double *x0, slope_objective obj);
/* 1 when 'p' gives values only (slope_problem_values), else 0. */
int slope_problem_values_only(const slope_problem *p);
void slope_problem_free(slope_problem *p);
/* Batching: 'batch' rows per step (0 = full batch), reshuffled every epoch
** when 'shuffle', from 'seed'.  Resets the epoch position.  For a problem
** with data or with rows (slope_problem_callback_rows); SLOPE_ERRARG ("batch
** needs data") for any other when 'batch' is not 0.  The rows start in the
** order 0..rows-1; with 'shuffle', each epoch first shuffles the order in
** place by Fisher-Yates with one slope_rng seeded with 'seed' (for i from
** rows down to 2, swap entries i-1 and slope_rng_below(i)).  Batches are
** consecutive slices of the order, the last one shorter when 'batch' does
** not divide the rows. */
SLOPE_NODISCARD int slope_problem_batch(slope_problem *p, size_t batch, int shuffle, uint64_t seed);
int slope_problem_nparams(const slope_problem *p);
const char *slope_problem_name(const slope_problem *p, int i);
/* The current point (n doubles, writable). */
double *slope_problem_x(slope_problem *p);
/* The data set the problem was made with (borrowed), or NULL: a problem
** without data (and without rows, see slope_problem_callback_rows) has no
** epochs or batches. */
const slope_data *slope_problem_data(const slope_problem *p);
/* A problem whose parameters have shapes: params[k] has shapes[k] (NULL:
** every one a scalar), and x0 holds every parameter's elements one after
** the other, row-major (the flat point).  The problem's flat parameters
** are named per element ("w[1]", "W[2,1]"): slope_problem_nparams counts
** elements, and traces, checkpoints, bounds and learning rates work on the
** flat point.  Vector columns of 'data' (slope_data_add_vector) are the
** current row's vector inside f.  Errors as slope_problem_new; SLOPE_ERRARG
** for a bad shape ("the shape of 'w' must have rank 0, 1 or 2") or a NULL
** name. */
SLOPE_NODISCARD slope_problem *slope_problem_new_shaped(slope_ctx *S, slope_expr f, const char *const *params,
                                                        const slope_shape *shapes, const double *x0, int nparams,
                                                        const slope_data *data);
/* The grouped view of the flat parameters: how many named parameters there
** are, and parameter k's name, shape and offset of its first element in the
** flat point (either output may be NULL).  Element names of a problem made
** otherwise ("w[1]" .. "w[3]" given to slope_problem_callback) group the
** same way.  slope_problem_var gives NULL for k out of range. */
int slope_problem_nvars(const slope_problem *p);
const char *slope_problem_var(const slope_problem *p, int k, slope_shape *shape, int *offset);
/* Objective and gradient ('g' may be NULL) at 'x' over all rows. */
SLOPE_NODISCARD int slope_problem_eval(slope_problem *p, const double *x, double *f, double *g);
/* One optimizer step on the next batch, for hand-written loops (PyTorch's
** loss = closure(); opt.step()): stores f before the update in '*f'.
** No schedule, noise or clipping: the caller does those.  When 'o' has a
** box (slope_optim_set_bounds), the point is clamped into it after the
** update, as slope_run does.  SLOPE_ERRMISUSE when 'o' is not an optimizer
** of p's context for p's number of parameters. */
SLOPE_NODISCARD int slope_problem_step(slope_problem *p, slope_optim *o, double *f);

/* ---- data-parallel evaluation ------------------------------------------------ */

/* The value and gradient of a mean over data rows computed by 'threads'
** threads: the rows a call selects are cut into fixed chunks of 65536 rows,
** the chunks are shared out over the threads, and their means are combined,
** weighted by their rows, in chunk order, so the results are the same bit
** for bit for any number of threads (1 included).  They may differ by a few
** ulps from one tape over all the rows (slope_problem_new), which sums the
** rows in one running sum.  Each thread has a context and a tape of its
** own (f is printed and parsed again there), so evaluations share no
** mutable state.  'f' must be a mean over rows plus terms of the parameters
** alone: the first evaluation over more than one chunk checks it against
** one tape over all the rows and fails with SLOPE_ERRARG otherwise (log of
** a mean, a sum(...) over rows).  'data' is borrowed and must outlive the
** evaluator.  Errors (NULL, nothing made): SLOPE_ERRMISUSE for NULL
** 'params' or 'data' or 'nparams' < 1; SLOPE_ERRARG for 'threads' outside
** 1..256; what slope_compile reports for f. */
typedef struct slope_parallel slope_parallel;
SLOPE_NODISCARD slope_parallel *slope_parallel_new(slope_ctx *S, slope_expr f, const char *const *params,
                                                   int nparams, const slope_data *data, int threads);
void slope_parallel_free(slope_parallel *P);
/* The number of threads (0 for NULL). */
int slope_parallel_threads(const slope_parallel *P);
/* f (and g when not NULL) at 'x' over the rows rows[0..nsel) (NULL: every
** row; nsel is then ignored): the 'fg_rows' of slope_problem_callback_rows,
** with the evaluator as its 'ud', so a run with batches and shuffling uses
** the threads for every step.  SLOPE_ERRMISUSE for a NULL evaluator, 'x'
** or 'f', or nsel outside 1..rows. */
SLOPE_NODISCARD int slope_parallel_eval(void *P, const double *x, const size_t *rows, size_t nsel,
                                        double *f, double *g);
/* fast_math (slope_tape_fast_math) on every thread's tape: 'on' 1 or 0.  It
** is turned on only where every thread loads the same vector code, so the
** results stay the same bit for bit for any number of threads (within the
** ulp bound of docs/reference.md of the exact ones); 'lanes' says which
** (0 exact, else 2 or 4; 0 for NULL).  SLOPE_ERRMISUSE for a NULL evaluator
** or 'on' not 0 or 1. */
SLOPE_NODISCARD int slope_parallel_fast_math(slope_parallel *P, int on);
int slope_parallel_fast_math_lanes(const slope_parallel *P);
/* Thread t's tape (0 <= t < threads), borrowed: to read its native code
** status (slope_tape_jit_status) or lanes between evaluations.  Thread 0
** compiles native code; the others load it once thread 0 runs it.  NULL
** with SLOPE_ERRMISUSE for a NULL evaluator or t out of range. */
slope_tape *slope_parallel_tape(slope_parallel *P, int t);

/* ---- runs ---------------------------------------------------------------- */

/* How a run ended (slope_result.status). */
enum {
  SLOPE_MAX_STEPS,     /* made every step asked for */
  SLOPE_CONVERGED,     /* a tolerance was met */
  SLOPE_DIVERGED,      /* f, the gradient or the point stopped being finite */
  SLOPE_STOPPED,       /* on_step, an interrupt, the time limit or memory for the trace */
  SLOPE_STATUS_ERROR   /* failed: slope_run returned an error code; the message says why */
};

/* What an on_step callback sees.  The library owns and fills it, so fields
** added at its end are safe for older hosts; a host that reads a field added
** after the oldest library it supports checks 'size' first. */
typedef struct slope_step_info {
  size_t size;             /* sizeof(slope_step_info) in the library that filled it */
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
** N(0, eta/(1+t)^gamma) to the gradient before the update.  Embedded in
** slope_run_opts, so its layout is frozen: new noise settings become fields
** at the end of slope_run_opts. */
typedef struct slope_noise {
  slope_noise_kind kind;
  double std, temperature, eta, gamma;
  slope_schedule *schedule;     /* borrowed; NULL: constant */
} slope_noise;

/* The noise kinds by name, NULL-terminated, in the order of slope_noise_kind
** from SLOPE_NOISE_GAUSSIAN: "gaussian", "langevin", "gradient". */
const char *const *slope_noise_kinds(void);
/* One line saying what 'kind' does, or NULL for an unknown kind. */
const char *slope_noise_about(const char *kind);
/* The i-th (from 0) number 'kind' takes, named as the field of slope_noise
** that holds it ("std"; "temperature"; "eta", "gamma"), or NULL past the
** last one or for an unknown kind.  Each is a value >= 0; 'required' is set
** for the one the kind cannot do without (its default is then NAN: the
** field of slope_noise has no useful default), and gradient's "gamma"
** defaults to 0.55 (in slope.noise.gradient; slope_run_defaults zeroes
** slope_noise, so a C host sets gamma itself).  gaussian and langevin also take a schedule
** (slope_noise.schedule, none by default), which is not a number and so is
** not listed. */
const slope_hyper *slope_noise_hyper_at(const char *kind, int i);

/* Log lines show every parameter of a model this small, by default. */
#define SLOPE_LOG_PARAMS 6

/* Options of a run.  Fill them with slope_run_defaults, which sets 'size',
** then change fields: a struct whose 'size' was not set that way (a zeroed
** or uninitialized one) is refused with SLOPE_ERRARG.  New fields are added
** at the end (see "Binary compatibility" at the top). */
typedef struct slope_run_opts {
  size_t size;               /* sizeof(slope_run_opts) as the host was compiled */
  long steps;                /* updates to make; 0: from epochs */
  long epochs;               /* passes over the data (with data); 0: from steps */
  int maximize;              /* gradient ascent; an optimizer whose own maximize is set ascends too */
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
  FILE *log_file;            /* for progress lines (NULL: stdout) */
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
  /* ---- added in 0.2 ---- */
  int trace_full;            /* mini-batch runs: f and grad_norm over all the data in each
                             ** recorded row (one pass over the data per row) */
  int log_params;            /* parameters on a log line: 0 all when there are at most
                             ** SLOPE_LOG_PARAMS, else none (f, |g| and lr instead, and a
                             ** note once); 1 all; -1 none */
  const int *log_list;       /* or only these parameter indices (log_nlist of them) */
  int log_nlist;
  const double *lower, *upper;  /* the box the point stays in: lower[i] <= x[i] <= upper[i]
                                ** (n values each, -INFINITY/INFINITY open a side; NULL opens
                                ** every lower or upper side).  When either is given, slope_run
                                ** sets it on the optimizer (slope_optim_set_bounds) before the
                                ** loop, else the optimizer's own box (if any) holds.  A start
                                ** outside the box is SLOPE_ERRARG naming the parameter.  After
                                ** each update and any parameter noise, the point is clamped into
                                ** the box, so every trace row lies in it; the sampling kinds
                                ** (cmaes, de) already draw inside it, so for them the clamp
                                ** changes nothing. */
} slope_run_opts;

/* Defaults: 100 steps, no schedule, noise, clipping or tolerances, trace
** every step; 'size' is the host's sizeof(slope_run_opts), so that a newer
** library knows which fields the host has.  slope_run_defaults is a macro
** (as zlib's deflateInit): the host's sizeof is taken where it is compiled. */
void slope_run_defaults_sized(slope_run_opts *o, size_t size);
#define slope_run_defaults(o) slope_run_defaults_sized((o), sizeof(slope_run_opts))

typedef struct slope_trace slope_trace;

/* What a run did.  Set 'size' with slope_result_init before slope_run, which
** writes only the fields that 'size' covers and refuses (SLOPE_ERRARG, the
** result untouched) a size that is 0 or no layout's. */
typedef struct slope_result {
  size_t size;              /* sizeof(slope_result) as the host was compiled */
  int status;               /* SLOPE_MAX_STEPS ... SLOPE_STATUS_ERROR */
  long steps, epochs;
  double f;                 /* objective at x (over all rows), always finite */
  double grad_norm;
  char message[512];        /* what happened, and what to try when it went wrong */
  /* added after the first version: */
  long nfev;                /* objective evaluations the run made: its own (one per step,
                            ** the start, the final point, trace_full rows) and those of the
                            ** optimizer's steps (slope_optim_evals) */
} slope_result;

/* Zero '*r' and set its size (a macro, like slope_run_defaults). */
void slope_result_init_sized(slope_result *r, size_t size);
#define slope_result_init(r) slope_result_init_sized((r), sizeof(slope_result))

/* The status as a word: "max_steps", "converged", "diverged", "stopped", "error". */
const char *slope_status_name(int status);
/* Run 'o' on 'p' from p's current point; the point is updated in place (the
** last finite point on divergence).  '*trace' (if not NULL) receives a new
** trace to free with slope_trace_free.  Returns SLOPE_OK or an error code (an
** error is not a divergence: bad options, a failing callback, a schedule
** that sets an invalid momentum); on an error the result still holds the
** steps made, status SLOPE_STATUS_ERROR and the error's message, no trace.
** SLOPE_ERRMISUSE (also in the result when 'r' is not NULL) for a NULL
** problem, result or options, an optimizer or schedule of another context,
** or an optimizer made for another number of parameters than the problem's. */
SLOPE_NODISCARD int slope_run(slope_problem *p, slope_optim *o, const slope_run_opts *opts,
                              slope_result *r, slope_trace **trace);

/* ---- traces --------------------------------------------------------------- */

/* Row k describes one point, x_k (the start for k = 0, else the point after
** k updates): f and grad_norm at x_k and the learning rate of step k (of
** step 1 in row 0).  In a mini-batch run, f and grad_norm are over all the
** data only with 'trace_full' (else NaN, except in the first row), and the
** row also holds batch_f, the loss of step k's batch (at x_{k-1}). */
void slope_trace_free(slope_trace *t);
size_t slope_trace_rows(const slope_trace *t);
int slope_trace_nparams(const slope_trace *t);
/* One row: its step number, f, lr, grad_norm and the point ('x' has room for
** slope_trace_nparams values).  Any output pointer may be NULL; SLOPE_ERRARG
** when 'row' >= slope_trace_rows. */
int slope_trace_row(const slope_trace *t, size_t row, long *step, double *f,
                    double *lr, double *grad_norm, double *x);
/* The number of objective evaluations the run had made when it recorded
** 'row' (slope_result.nfev counted up to that row; a resumed run counts
** from its resume point); -1 past the last row. */
long slope_trace_nfev(const slope_trace *t, size_t row);
/* 1 when the rows come from a mini-batch run and hold batch_f. */
int slope_trace_minibatch(const slope_trace *t);
/* The loss of step k's batch in row k of a mini-batch trace; NaN in row 0,
** in a full-batch trace and past the last row. */
double slope_trace_batch_f(const slope_trace *t, size_t row);
/* Write the trace as CSV (step,f,lr,grad_norm[,batch_f],nfev,<names>) or
** JSON (each row {"step", "f", "lr", "grad_norm"[, "batch_f"], "x", "nfev"}). */
SLOPE_NODISCARD int slope_trace_csv(const slope_trace *t, const char *path, const char *const *names);
SLOPE_NODISCARD int slope_trace_json(const slope_trace *t, const char *path, const char *const *names);

/* ---- checking a hand-written gradient ------------------------------------- */

/* What slope_gradcheck found.  The caller sets 'size' to sizeof(slope_gradcheck_report)
** before the call (fields are only ever added at the end, and the library writes
** only those the caller's size covers). */
typedef struct slope_gradcheck_report {
  size_t size;
  int ok;              /* 1 when max_error <= tol */
  double max_error;    /* the largest error over the coordinates (see slope_gradcheck) */
  int worst;           /* the coordinate of max_error (from 0) */
  double analytic;     /* the gradient the objective gave there */
  double numeric;      /* the central difference there */
  double step;         /* the step h used there */
  double f;            /* the objective at x */
} slope_gradcheck_report;

/* Check the gradient that obj.fg writes at 'x' (n values; 'names' may be
** NULL, they only name coordinates in messages) against central differences
** (f(x + h e_i) - f(x - h e_i)) / 2h, with the per-coordinate step
** h_i = cbrt(DBL_EPSILON) * max(1, |x_i|) (its rounding and truncation errors
** are then of the same small size, about 1e-10 relative).  The error of
** coordinate i is |a_i - d_i| / max(1, |a_i|, |d_i|) (absolute for small
** derivatives, relative for large ones), with a_i analytic and d_i numeric;
** ok when the largest is <= 'tol' (1e-6 is a good threshold; tol <= 0 means
** 1e-6).  Makes 2n + 1 calls to obj.fg, none with g for the differences.
** Errors: SLOPE_ERRARG for a NULL obj.fg, x or out, n < 1, or a bad
** out->size; a value or gradient entry that is not finite (naming the
** coordinate); a callback's own code, which is returned.  Nothing is
** allocated that outlives the call. */
SLOPE_NODISCARD int slope_gradcheck(slope_ctx *S, slope_objective obj, const double *x, int n,
                                    const char *const *names, double tol, slope_gradcheck_report *out);

/* ---- checkpoints ---------------------------------------------------------- */

/* A checkpoint file holds what is needed to continue exactly: a problem's
** point and batching state, an optimizer's kind, hyperparameters and state,
** and when a run wrote it (slope_run_opts.checkpoint_path) the run's step,
** generator and plateau schedule state.  The format is versioned, stores
** doubles bit for bit and is checksummed; files are replaced atomically.
** A problem made by slope_problem_callback is saved like any other (its
** names, point and generator); the host's own state behind its callbacks'
** 'ud' is not in the file. */

/* Write the state of 'p' and/or 'o' (either may be NULL) to 'path' atomically
** (through 'path.tmp' and a rename).  Here and in the two functions below,
** objects of another context than 'S', or a problem and an optimizer of
** different sizes, are SLOPE_ERRMISUSE. */
SLOPE_NODISCARD int slope_checkpoint_save(slope_ctx *S, const char *path, const slope_problem *p,
                                          const slope_optim *o);
/* Restore 'p' and/or 'o' from any checkpoint; the parameter names, data rows,
** batching and optimizer kind must match.  On an error nothing changes. */
SLOPE_NODISCARD int slope_checkpoint_load(slope_ctx *S, const char *path, slope_problem *p,
                                          slope_optim *o);
/* A new optimizer of the kind, size, hyperparameters and state saved at 'path',
** restoring 'p' as well when not NULL; NULL on an error. */
SLOPE_NODISCARD slope_optim *slope_checkpoint_optim(slope_ctx *S, const char *path, slope_problem *p);

/* ---- did you mean: names for error messages ------------------------------- */

/* The one of names[0..count) that the typo 'name' most likely meant, or NULL
** when none is near: within edit distance 2 (an adjacent swap counts 1) and
** not more than half of 'name' changed, so 'x' does not suggest 'exp'.
** Returns one of the caller's 'names'; the earliest of equally near ones. */
const char *slope_suggest(const char *name, const char *const *names, size_t count);
/* "w, b": names[0..count) joined by commas, the first eight then ", ... (N in
** all)", or "none"; cut to fit out[0..cap), always terminated when cap > 0.
** Returns 'out', for listing in a message what a name could have been. */
const char *slope_name_list(char *out, size_t cap, const char *const *names, size_t count);

/* ---- Lua ------------------------------------------------------------------ */

struct lua_State;
/* Open the Lua binding in any lua_State (what 'require "slope"' calls);
** pushes the module table.  Defined in the Lua binding, not in libslope. */
int luaopen_slope(struct lua_State *L);

#ifdef __cplusplus
}
#endif

#endif
