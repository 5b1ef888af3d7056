/*
** lua_slope.h -- pieces shared by the files of the Lua binding (internal).
**
** Every function of the binding gets the module's context as upvalue 1 (a
** light userdata); the context itself is owned by a full userdata kept in the
** registry whose __gc frees it when the Lua state closes.
*/
#ifndef SLOPE_LUA_H
#define SLOPE_LUA_H

#include <lua.h>
#include <lauxlib.h>

#include "slope.h"

#define LS_EXPR "slope.Expr"
#define LS_FUNCTION "slope.Function"
#define LS_OPTIMIZER "slope.Optimizer"
#define LS_SCHEDULE "slope.Schedule"
#define LS_PROBLEM "slope.Problem"
#define LS_TRACE "slope.Trace"
#define LS_DATA "slope.Data"

/* ---- lua_aux.c: helpers shared by every file ------------------------------------- */

/* The context of the running binding function. */
#define ls_ctx(L) ((slope_ctx *)lua_touserdata((L), lua_upvalueindex(1)))

/* Raise the context's error as a Lua error (clearing it); never returns. */
int ls_raise(lua_State *L, slope_ctx *S);
/* Register 'fns' into the table at the top with the context as upvalue. */
void ls_setfuncs(lua_State *L, slope_ctx *S, const luaL_Reg *fns);
/* Register metatable 'name' with metamethods 'meta' and, when not NULL, the
** methods 'methods' (as __index, or as field "methods" when 'meta' has its own
** __index function, which then looks there first). */
void ls_newclass(lua_State *L, slope_ctx *S, const char *name, const luaL_Reg *meta,
                 const luaL_Reg *methods);
/* Check that every key of the table at 'idx' is one of 'allowed' (NULL-terminated,
** string keys) and that integer keys 1..n are allowed when 'array_ok'; raise
** "WHAT: unknown option 'NAME' (options: a, b, c)" otherwise. */
void ls_check_options(lua_State *L, int idx, const char *what, const char *const *allowed, int array_ok);
/* The option at the top of the stack must be of type 't': raise "WHAT: KEY
** must be EXPECTED, got TYPE" otherwise ("bad argument #-1" would say nothing
** to the user). */
void ls_check_option_type(lua_State *L, int t, const char *what, const char *key, const char *expected);
/* Push "the value V has no name: options are written name = value (options: ...)"
** for the value at 'value', found at a number key; 'allowed' may be NULL. */
void ls_push_unnamed(lua_State *L, int value, const char *const *allowed);
/* Raise the message on top of the stack as "WHAT: message" at the line of the
** Lua code that called the running C function, as luaL_error does. */
int ls_option_error(lua_State *L, const char *what);
/* Push and return "; did you mean 'NEAR'?", or "" when 'near' is NULL: the
** end of a message about a name (see slope_suggest). */
const char *ls_hint(lua_State *L, const char *near);
/* Lua: unknown_option(key, names [, value]) -> "unknown option 'key' (options: ...)"
** as ls_check_options says it (the value's message when key is not a string). */
int ls_unknown_option(lua_State *L);

/* ---- lua_slope.c: the module and its context -------------------------------------- */

/* The interrupt flag runs of this Lua state watch (set it to stop them). */
volatile int *ls_interrupt_flag(lua_State *L);

/* ---- lua_expr.c: Expr values ------------------------------------------------------- */

/* Raise if 'e' is 0, else push it as an Expr. */
void ls_push_expr(lua_State *L, slope_ctx *S, slope_expr e);
/* The Expr at 'idx'; a number there becomes a constant; anything else raises
** an error naming argument 'idx' and the types allowed. */
slope_expr ls_check_expr(lua_State *L, slope_ctx *S, int idx);
/* 0 if the value at 'idx' is not an Expr (or number). */
slope_expr ls_to_expr(lua_State *L, slope_ctx *S, int idx);
/* The free variables of 'e', sorted, in a userdata left on the stack; '*n'
** gets their count.  Raises the context's error when there is one. */
const char **ls_vars(lua_State *L, slope_ctx *S, slope_expr e, int *n);

/* ---- lua_data.c: data sets --------------------------------------------------------- */

/* The Data at 'idx' (a userdata holding a 'slope_data *', freed by __gc). */
slope_data *ls_check_data(lua_State *L, int idx);

/* ---- lua_optim.c: optimizers and schedules ----------------------------------------- */

/* An Optimizer: the C optimizer (rebuilt for the problem size on use). */
typedef struct ls_optimizer {
  slope_optim *o;
  char kind[16];
} ls_optimizer;

/* A Lua function used as a schedule. */
typedef struct ls_schedule_fn {
  lua_State *L;
  int ref;        /* the function in the registry */
  int failed;     /* it raised an error, kept in the registry */
} ls_schedule_fn;

typedef struct ls_schedule {
  slope_schedule *s;
  ls_schedule_fn *fn;   /* non-NULL for Lua functions */
  char kind[24];
  int per_epoch;        /* per = "epoch": t counts epochs */
} ls_schedule;

ls_optimizer *ls_check_optimizer(lua_State *L, int idx);
/* The C optimizer of 'O' sized for 'n' parameters (rebuilt if needed). */
slope_optim *ls_optimizer_for(lua_State *L, slope_ctx *S, ls_optimizer *O, int n);
/* The Schedule at 'idx'; a Lua function there is wrapped (and replaced in
** the stack by its Schedule, which keeps it alive). */
ls_schedule *ls_to_schedule(lua_State *L, slope_ctx *S, int idx);
/* Raise the error a Lua schedule function raised during a run, if any. */
void ls_schedule_check_error(lua_State *L, ls_schedule *H);

/* ---- lua_function.c: compiled functions ------------------------------------------- */

/* A tape of 'e' in 'params' over the columns of 'd', bound to them (the
** caller keeps 'd' alive as long as the tape); NULL with the error in S. */
slope_tape *ls_compile_over(lua_State *L, slope_ctx *S, slope_expr e, const char **params, int n,
                            const slope_data *d);

/* ---- lua_problem.c: problems ------------------------------------------------------- */

/* A Lua function as an objective: fn(point) -> value [, { name = df/dname }]. */
typedef struct ls_objective {
  lua_State *L;             /* the thread to call it on */
  int fn, err;              /* registry refs: the function, the error it raised (or LUA_NOREF) */
  slope_problem *p;         /* names the point's keys, or NULL: */
  const char *const *names; /* these do (n of them, kept alive by the caller) */
  int n;
} ls_objective;

/* Reference the function at 'fn' (names and n are the caller's to set). */
void ls_objective_init(lua_State *L, ls_objective *F, int fn);
void ls_objective_release(lua_State *L, ls_objective *F);
/* slope_objective's fg: calls the function with the point as a table; 'g'
** wants its second result.  An error (raised, or a bad result) is kept in
** F->err and SLOPE_ERRARG returned. */
int ls_call_objective(void *ud, const double *x, double *f, double *g);
/* Raise the error the function raised, if it did, clearing the context's
** (which says only that the callback failed); else return 0. */
int ls_objective_raise(lua_State *L, slope_ctx *S, ls_objective *F);

/* Push a new Problem (it owns the C problem, which it returns) of the
** objective at argument 1 and the start table at argument 2, with the
** options params, data, batch, shuffle and seed of the table at 'opts';
** 'what' starts the error messages ("minimize", "problem").  With
** 'values_ok' a Lua function objective makes a problem known by its values
** (slope_problem_values); without, it is an error that says how to write f. */
slope_problem *ls_push_problem(lua_State *L, slope_ctx *S, int opts, int values_ok, const char *what);
/* The C problem of the Problem at 'idx'; raises if it is not one. */
slope_problem *ls_check_problem(lua_State *L, int idx);
/* The same, with the Problem metatable at index 'mt' (opt:step's upvalue). */
slope_problem *ls_check_problem_mt(lua_State *L, int idx, int mt);
/* The Lua function objective of the Problem at 'idx' (for ls_call_objective). */
ls_objective *ls_problem_function(lua_State *L, int idx);
/* bounds = { x = { 0, 1 } } of the option table at 'opts', for the
** parameters of 'p': pushes a userdata of lo[n] then hi[n] (-inf/inf where
** open) and returns lo, or pushes nothing and returns NULL without the
** option.  Raises for an unknown name (did you mean) or lo > hi. */
double *ls_push_bounds(lua_State *L, int opts, slope_problem *p, const char *what);
/* The box slope.problem was given (lo[n] then hi[n]), or NULL, of the
** Problem at 'idx' (the caller has checked it with ls_check_problem). */
const double *ls_problem_box(lua_State *L, int idx);
/* Raise what made a call on the Problem at 'idx' fail: the error its Lua
** function raised, else the context's. */
int ls_problem_raise(lua_State *L, slope_ctx *S, int idx);
/* Push the point 'x' of 'p' as a table { name = value } (an array parameter
** as an array or a table of rows, see ls_push_value). */
void ls_push_point(lua_State *L, slope_problem *p, const double *x);
/* Push the elements x[0..) of a value of shape 'sh': a number, an array, or
** a table of rows. */
void ls_push_value(lua_State *L, const slope_shape *sh, const double *x);
/* The offset in the flat point of parameter 'name' of 'p' (a vector or
** matrix: its first element; or one element by its name, "w[2]") and its
** number of elements in *count; -1 when there is none. */
int ls_var_at(slope_problem *p, const char *name, int *count);
/* Push the parameter names of 'p' as a list; returns its stack index. */
int ls_push_names(lua_State *L, slope_problem *p);

/* ---- lua_trace.c: traces ------------------------------------------------------------ */

/* Push 't' as a Trace, which owns it; the list at 'names' names its
** parameters, and 'p' (may be NULL) groups them into its named parameters
** with their shapes for t[k].x. */
void ls_push_trace(lua_State *L, slope_trace *t, int names, slope_problem *p);

/* ---- opening the parts, in luaopen_slope's order ------------------------------------ */

/* Each adds its functions to the module table at the top (and registers its
** classes); slope.minimize (lua_run.c) needs slope.optim, so comes after it. */
void ls_open_expr(lua_State *L, slope_ctx *S);
void ls_open_function(lua_State *L, slope_ctx *S);
void ls_open_data(lua_State *L, slope_ctx *S);
void ls_open_optim(lua_State *L, slope_ctx *S);
void ls_open_run(lua_State *L, slope_ctx *S);
void ls_open_problem(lua_State *L, slope_ctx *S);
void ls_open_trace(lua_State *L, slope_ctx *S);
void ls_open_checkpoint(lua_State *L, slope_ctx *S);
void ls_open_gradcheck(lua_State *L, slope_ctx *S);
/* lua_load.c: run the Lua half of the module (lua/NAME.lua) on the module table
** under the list of the language's function names, popping the list; then,
** once the tables are strict, make the rarely used parts load on first use. */
void ls_open_lua_parts(lua_State *L);
void ls_defer_lua_parts(lua_State *L);
/* The sum over MPI ranks the slope command gives the binding when it runs
** under mpirun (mpi.c), as a light userdata at registry[LS_ALLREDUCE]; absent
** otherwise (one process: distributed = true is then an ordinary run).
** sum(ud, buf, n) replaces buf[0..n) by its sum over the ranks, the same on
** every rank; 0, or -1 when MPI failed. */
#define LS_ALLREDUCE "slope.allreduce"
typedef struct ls_allreduce {
  int (*sum)(void *ud, double *buf, int n);
  void *ud;
  int rank, size;
} ls_allreduce;

/* lua_distributed.c: distributed = true in the run options 'opts': under
** MPI, a problem over all the rows of p's data whose evaluations add up the
** ranks' shards (its userdata pushed on the stack); else 'p' itself, nothing
** pushed.  '*quiet' is set on ranks other than 0 (no log lines, progress or
** checkpoints there).  After a failed run, ls_distributed_raise(L, index of
** that userdata) raises its own message, if it has one. */
slope_problem *ls_distributed(lua_State *L, slope_ctx *S, int opts, slope_problem *p, const char *what, int *quiet);
void ls_distributed_raise(lua_State *L, int idx);
/* Batch the problem over rows 'q' as the options batch, shuffle and seed say
** (already checked by the run's own problem), so it sees the same batches. */
void ls_batch_as_options(lua_State *L, slope_ctx *S, int opts, slope_problem *q);

/* registry[LS_QUIET_RUNS] true: runs draw no progress bar (inside a sweep). */
#define LS_QUIET_RUNS "slope.quiet_runs"

/* lua_sweep.c: put slope.sweep's private helpers (worker processes, folders)
** into the table at the top of the stack. */
void ls_sweep_helpers(lua_State *L);
/* Push require(name) of an embedded module ("slope.eval"), loading it once. */
void ls_require(lua_State *L, const char *name);

/* ---- lua_render.c: the PNG, PDF and GIF canvas, as private helpers ------------------ */

/* Add canvas, gif and render_available to the private table at the top. */
void ls_open_render(lua_State *L);

/* ---- lua_plugin.c: the program's optional parts (pictures, MPI) ---------------------- */

/* The address of 'symbol' in the plugin 'file' (next to the program, else in
** ../lib/slope from the program's folder, where make install puts it), opened with its libraries' symbols global
** when 'global' (Open MPI's components need that); NULL with the reason in
** 'why' when there is none. */
void *ls_plugin_open(const char *file, const char *symbol, int global, char *why, size_t len);

#endif
