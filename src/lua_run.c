/*
** lua_run.c -- slope.minimize and slope.maximize: Lua reads and checks the
** run options; the run itself is slope_run in C, calling back into Lua only
** for on_step and Lua schedules.  The problem is built as slope.problem
** builds it (lua_problem.c); the result's trace is a Trace (lua_trace.c).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lua_slope.h"
#include "problem.h"

/* ---- reading run options ------------------------------------------------------ */

static const char *const run_options[] = {
  "optimizer", "steps", "epochs", "data", "batch", "shuffle", "seed", "schedule",
  "noise", "clip", "tol", "log", "trace", "every", "on_step", "lr", "params", "time",
  "checkpoint", "resume", "trace_full", "log_params", "bounds", "eval", "threads", "distributed",
  "fast_math", NULL
};

/* The first optimizer kind that has a hyperparameter 'name' (the one of
** 'given' when it has it), or NULL. */
static const char *kind_with_hyper(const char *name, const char *given) {
  const char *const *kinds = slope_optim_kinds();
  for (int pass = given ? 0 : 1; pass < 2; pass++)
    for (int i = 0; kinds[i]; i++) {
      if (pass == 0 && strcmp(kinds[i], given) != 0) continue;
      const slope_hyper *h;
      for (int k = 0; (h = slope_optim_hyper_at(kinds[i], k)); k++)
        if (strcmp(h->name, name) == 0) return kinds[i];
    }
  return NULL;
}

/* The value at 'idx' as written in Lua: 0.9, true, {0.9, 0.999}. */
static const char *push_value_text(lua_State *L, int idx) {
  if (!lua_istable(L, idx)) return luaL_tolstring(L, idx, NULL);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addchar(&b, '{');
  for (lua_Integer i = 1, n = luaL_len(L, idx); i <= n && i <= 8; i++) {
    if (i > 1) luaL_addstring(&b, ", ");
    lua_geti(L, idx, i);
    luaL_tolstring(L, -1, NULL);
    lua_remove(L, -2);
    luaL_addvalue(&b);
  }
  luaL_addchar(&b, '}');
  luaL_pushresult(&b);
  return lua_tostring(L, -1);
}

/*
** momentum = 0.9 among a run's options, as in other libraries' fit calls:
** it belongs to the optimizer, so say how to write it there, with the
** learning rate given and the kind that has it (the optimizer's own when
** one is given).
*/
static void hyper_as_option(lua_State *L, int opts, const char *what) {
  lua_pushnil(L);
  while (lua_next(L, opts)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING || strcmp(lua_tostring(L, -1), "lr") == 0) continue;
    const char *key = lua_tostring(L, -1), *given = NULL, *kind;
    int listed = 0;
    for (const char *const *a = run_options; *a && !listed; a++) listed = strcmp(*a, key) == 0;
    if (listed) continue;
    if (lua_getfield(L, opts, "optimizer") == LUA_TUSERDATA && luaL_testudata(L, -1, LS_OPTIMIZER))
      given = ls_check_optimizer(L, -1)->kind;
    lua_pop(L, 1);
    if (!(kind = kind_with_hyper(key, given))) continue;
    lua_getfield(L, opts, key);
    const char *value = push_value_text(L, lua_gettop(L));
    lua_getfield(L, opts, "lr");
    const char *lr = lua_isnumber(L, -1) ? luaL_tolstring(L, -1, NULL) : NULL;
    luaL_error(L, "%s: %s is a hyperparameter of the optimizer, not an option of the run: "
               "write optimizer = slope.optim.%s{ %s%s%s%s = %s }", what, key, kind,
               lr ? "lr = " : "", lr ? lr : "", lr ? ", " : "", key, value);
  }
}

static double opt_number(lua_State *L, int t, const char *key, double def, const char *what) {
  int ty = lua_getfield(L, t, key);
  double v = def;
  if (ty == LUA_TNUMBER) v = lua_tonumber(L, -1);
  else if (ty != LUA_TNIL) luaL_error(L, "%s: %s must be a number, got %s", what, key, luaL_typename(L, -1));
  lua_pop(L, 1);
  return v;
}

static long opt_count(lua_State *L, int t, const char *key, long def, const char *what) {
  double v = opt_number(L, t, key, (double)def, what);
  if (v < 0 || v != floor(v) || v > 1e15) {
    char got[32];   /* lua_pushfstring has no %g */
    snprintf(got, sizeof got, "%g", v);
    luaL_error(L, "%s: %s must be a whole number >= 0, got %s", what, key, got);
  }
  return (long)v;
}

/* What the C run loop needs to call back into Lua. */
typedef struct callback {
  lua_State *L;
  int fn;            /* stack index of on_step */
  slope_problem *p;
  int failed;        /* on_step raised an error: it is on the stack top */
} callback;

static int call_on_step(void *ud, const slope_step_info *s) {
  callback *c = ud;
  lua_State *L = c->L;
  lua_pushvalue(L, c->fn);
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, s->step); lua_setfield(L, -2, "step");
  lua_pushinteger(L, s->epoch); lua_setfield(L, -2, "epoch");
  lua_pushnumber(L, s->f); lua_setfield(L, -2, "f");
  lua_pushnumber(L, s->lr); lua_setfield(L, -2, "lr");
  lua_pushnumber(L, s->grad_norm); lua_setfield(L, -2, "grad_norm");
  ls_push_point(L, c->p, s->x);
  lua_setfield(L, -2, "x");
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    volatile int *stop = ls_interrupt_flag(L);
    if (stop && *stop) {   /* Ctrl-C landed in the callback: stop the run, keep its results */
      lua_pop(L, 1);
      return 1;
    }
    c->failed = 1;
    return 1;
  }
  int stop = lua_isboolean(L, -1) && !lua_toboolean(L, -1);
  lua_pop(L, 1);
  return stop;
}

/* The optimizer of a run: 'optimizer', or plain gradient descent with 'lr'. */
static ls_optimizer *run_optimizer(lua_State *L, slope_ctx *S, int opts, const char *what) {
  if (lua_getfield(L, opts, "optimizer") != LUA_TNIL) {
    if (!luaL_testudata(L, -1, LS_OPTIMIZER))
      luaL_error(L, "%s: optimizer must be an optimizer (slope.optim.adam{ lr = 0.01 }), got %s", what,
                 luaL_typename(L, -1));
    return ls_check_optimizer(L, -1);
  }
  lua_pop(L, 1);
  if (lua_getfield(L, opts, "lr") == LUA_TNIL)
    luaL_error(L, "%s: give an optimizer (optimizer = slope.optim.adam{ lr = 0.01 }) or a learning rate (lr = 0.1)", what);
  lua_pop(L, 1);
  lua_getfield(L, lua_upvalueindex(2), "sgd");   /* slope.optim */
  lua_createtable(L, 0, 1);
  lua_getfield(L, opts, "lr");
  if (lua_type(L, -1) != LUA_TNUMBER) { lua_pop(L, 1); lua_pushnumber(L, 0); }
  lua_setfield(L, -2, "lr");
  lua_call(L, 1, 1);
  return ls_check_optimizer(L, -1);
}

/* Whether the run's optimizer takes a Lua function objective (values only):
** a given one of a derivative-free kind; the default, sgd, does not. */
static int values_ok(lua_State *L, int opts) {
  int ok = lua_getfield(L, opts, "optimizer") == LUA_TUSERDATA && luaL_testudata(L, -1, LS_OPTIMIZER)
           && !(slope_optim_needs(ls_check_optimizer(L, -1)->kind) & SLOPE_NEEDS_GRAD);
  lua_pop(L, 1);
  return ok;
}

/* lr = number (all parameters) or { name = number } (per parameter). */
static const double *run_rates(lua_State *L, int opts, slope_problem *p, ls_optimizer *O, const char *what) {
  int t = lua_getfield(L, opts, "lr");
  int n = slope_problem_nparams(p);
  if (t == LUA_TNIL) { lua_pop(L, 1); return NULL; }
  double *lr = lua_newuserdatauv(L, (size_t)n * sizeof *lr, 0);
  lua_insert(L, -2);
  double def = 0;
  slope_optim_get(O->o, "lr", &def, 1);
  if (t == LUA_TNUMBER) def = lua_tonumber(L, -1);
  int given_optimizer = lua_getfield(L, opts, "optimizer") != LUA_TNIL;
  lua_pop(L, 1);
  for (int i = 0; i < n; i++) lr[i] = t == LUA_TTABLE && !given_optimizer ? NAN : def;
  if (t == LUA_TTABLE) {
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
      int count, i = ls_var_at(p, k, &count);   /* a vector's rate holds for every element */
      if (i < 0) luaL_error(L, "%s: lr names '%s', which is not a parameter", what, k);
      if (lua_type(L, -1) != LUA_TNUMBER) luaL_error(L, "%s: lr.%s must be a number", what, k);
      for (int e = i; e < i + count; e++) lr[e] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
  } else if (t != LUA_TNUMBER) luaL_error(L, "%s: lr must be a number or a table by parameter name", what);
  for (int i = 0; i < n; i++)   /* without an optimizer there is no rate to fall back on */
    if (isnan(lr[i]))
      luaL_error(L, "%s: lr gives no rate for '%s' (give every parameter one, or an optimizer with its own lr)",
                 what, slope_problem_name(p, i));
  lua_pop(L, 1);   /* the lr value; the array stays on the stack */
  return lr;
}

static ls_schedule *run_schedule(lua_State *L, slope_ctx *S, int t, const char *key, const char *label) {
  if (lua_getfield(L, t, key) == LUA_TNIL) { lua_pop(L, 1); return NULL; }
  if (!lua_isfunction(L, -1) && !luaL_testudata(L, -1, LS_SCHEDULE))
    luaL_error(L, "%s must be a schedule (slope.schedule.cosine{ T_max = 100 }) or a function(t, base), got %s",
               label, luaL_typename(L, -1));
  ls_schedule *H = ls_to_schedule(L, S, -1);
  if (H->fn) H->fn->L = L;   /* call back on the thread running now */
  return H;   /* stays on the stack */
}

static void read_noise(lua_State *L, slope_ctx *S, int opts, slope_run_opts *o, ls_schedule **nh, const char *what) {
  if (lua_getfield(L, opts, "noise") == LUA_TNIL) { lua_pop(L, 1); return; }
  int z = lua_gettop(L);
  if (!lua_istable(L, z) || lua_getfield(L, z, "kind") != LUA_TSTRING)
    luaL_error(L, "%s: noise must come from slope.noise.gaussian, langevin or gradient", what);
  const char *kind = lua_tostring(L, -1);
  o->noise.kind = strcmp(kind, "gaussian") == 0 ? SLOPE_NOISE_GAUSSIAN
                : strcmp(kind, "langevin") == 0 ? SLOPE_NOISE_LANGEVIN
                : strcmp(kind, "gradient") == 0 ? SLOPE_NOISE_GRADIENT : SLOPE_NOISE_NONE;
  if (o->noise.kind == SLOPE_NOISE_NONE) luaL_error(L, "%s: unknown noise kind '%s'", what, kind);
  lua_pop(L, 1);
  o->noise.std = opt_number(L, z, "std", 0, "noise");
  o->noise.temperature = opt_number(L, z, "temperature", 0, "noise");
  o->noise.eta = opt_number(L, z, "eta", 0, "noise");
  o->noise.gamma = opt_number(L, z, "gamma", 0.55, "noise");
  *nh = run_schedule(L, S, z, "schedule", "noise.schedule");
  if (*nh) o->noise.schedule = (*nh)->s;
}

static void read_limits(lua_State *L, int opts, slope_run_opts *o, const char *what) {
  if (lua_getfield(L, opts, "clip") != LUA_TNIL) {
    static const char *const keys[] = {"norm", "value", NULL};
    ls_check_option_type(L, LUA_TTABLE, what, "clip", "a table { norm = 1 } or { value = 0.5 }");
    ls_check_options(L, -1, "clip", keys, 0);
    o->clip_norm = opt_number(L, lua_gettop(L), "norm", 0, "clip");
    o->clip_value = opt_number(L, lua_gettop(L), "value", 0, "clip");
    if (o->clip_norm <= 0 && o->clip_value <= 0) luaL_error(L, "clip: give norm > 0 or value > 0");
    if (o->clip_norm < 0 || o->clip_value < 0)   /* the other one is > 0 */
      luaL_error(L, "clip: %s must be >= 0, got %f", o->clip_norm < 0 ? "norm" : "value",
                 o->clip_norm < 0 ? o->clip_norm : o->clip_value);
  }
  lua_pop(L, 1);
  if (lua_getfield(L, opts, "tol") != LUA_TNIL) {
    static const char *const keys[] = {"grad", "f", NULL};
    ls_check_option_type(L, LUA_TTABLE, what, "tol", "a table { grad = 1e-8, f = 1e-12 }");
    ls_check_options(L, -1, "tol", keys, 0);
    o->tol_grad = opt_number(L, lua_gettop(L), "grad", 0, "tol");
    o->tol_f = opt_number(L, lua_gettop(L), "f", 0, "tol");
  }
  lua_pop(L, 1);
  o->steps = opt_count(L, opts, "steps", 0, what);
  o->epochs = opt_count(L, opts, "epochs", 0, what);
  if (!o->steps && !o->epochs) o->steps = 100;
  o->max_seconds = opt_number(L, opts, "time", 0, what);
  if (!(o->max_seconds >= 0))
    luaL_error(L, "%s: time must be a number of seconds >= 0 (0: no limit)", what);
  o->log_every = opt_count(L, opts, "log", 0, what);
  if (lua_getfield(L, opts, "trace") == LUA_TBOOLEAN) o->trace_every = lua_toboolean(L, -1);
  else o->trace_every = opt_count(L, opts, "trace", 1, what);
  lua_pop(L, 1);
  if (lua_getfield(L, opts, "trace_full") != LUA_TNIL) {
    ls_check_option_type(L, LUA_TBOOLEAN, what, "trace_full", "true or false");
    o->trace_full = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  o->every = opt_count(L, opts, "every", 1, what);
  o->seed = (uint64_t)opt_count(L, opts, "seed", 0, what);
}

/* Where log_params[j + 1] (pushed) starts in the flat point, its number of
** elements in *count; raises when it is not a parameter. */
static int log_param(lua_State *L, int list, int j, slope_problem *p, int *count, const char *what) {
  const char *name = lua_geti(L, list, j + 1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
  int i = ls_var_at(p, name, count);
  if (i < 0) luaL_error(L, "%s: log_params[%d] is not a parameter: %s", what, j + 1, luaL_tolstring(L, -1, NULL));
  return i;
}

/* log_params = true (every parameter on each log line), false (none) or a
** list of names.  The index list lives on the stack as long as the run. */
static void read_log_params(lua_State *L, int opts, slope_problem *p, slope_run_opts *o, const char *what) {
  int t = lua_getfield(L, opts, "log_params");
  if (t == LUA_TBOOLEAN) o->log_params = lua_toboolean(L, -1) ? 1 : -1;
  else if (t == LUA_TTABLE) {
    int list = lua_gettop(L), n = (int)luaL_len(L, list), total = 0, count;
    for (int j = 0; j < n; j++) {   /* a vector stands for each of its elements */
      if (log_param(L, list, j, p, &count, what) >= 0) total += count;
      lua_pop(L, 1);
    }
    int *idx = lua_newuserdatauv(L, (size_t)(total > 0 ? total : 1) * sizeof *idx, 0);
    for (int j = 0, at = 0; j < n; j++) {
      for (int i = log_param(L, list, j, p, &count, what), e = 0; e < count; e++) idx[at++] = i + e;
      lua_pop(L, 1);
    }
    o->log_list = idx;
    o->log_nlist = total;
  } else if (t != LUA_TNIL)
    luaL_error(L, "%s: log_params must be true, false or a list of parameter names, got %s", what, luaL_typename(L, -1));
}

/* checkpoint = { path = "run.ck", every = 100 } and resume = "run.ck".  The
** path strings stay on the stack, so they live as long as the run. */
static void read_checkpoint(lua_State *L, int opts, slope_run_opts *o, const char *what) {
  if (lua_getfield(L, opts, "checkpoint") != LUA_TNIL) {
    static const char *const keys[] = {"path", "every", NULL};
    int t = lua_gettop(L);
    if (!lua_istable(L, t))
      luaL_error(L, "%s: checkpoint must be a table { path = \"run.ck\", every = 100 }, got %s", what,
                 luaL_typename(L, t));
    ls_check_options(L, t, "checkpoint", keys, 0);
    if (lua_getfield(L, t, "path") != LUA_TSTRING || lua_rawlen(L, -1) == 0)
      luaL_error(L, "%s: checkpoint.path must be a file name (a non-empty string), got %s", what,
                 luaL_typename(L, -1));
    o->checkpoint_path = lua_tostring(L, -1);
    o->checkpoint_every = opt_count(L, t, "every", 0, "checkpoint");
    if (o->checkpoint_every < 1)
      luaL_error(L, "%s: checkpoint.every must be a whole number >= 1 (steps between checkpoints)", what);
  }
  int t = lua_getfield(L, opts, "resume");
  if (t == LUA_TSTRING && lua_rawlen(L, -1) > 0) o->resume_path = lua_tostring(L, -1);
  else if (t != LUA_TNIL)
    luaL_error(L, "%s: resume must be the path of a checkpoint file (a non-empty string), got %s", what,
               luaL_typename(L, -1));
}

/* ---- held-out evaluation ---------------------------------------------------- */

/*
** eval = { test = ds, every = "epoch" | k }: at the end of each epoch (or
** every k steps), f over all the training rows and over each named set, one
** row of r.eval each.  The sets are problems of their own over the same
** objective and parameters, evaluated at the run's point; nothing of the
** run's problem, optimizer or generator is touched, so the trajectory is the
** same bit for bit with and without it.  It rides on the on_step hook (called
** every step while evaluating; the script's own on_step still sees its
** 'every').
*/
typedef struct evaluator {
  lua_State *L;
  callback *user;          /* the script's on_step, or NULL */
  long user_every;         /* its 'every' (0: never) */
  long every;              /* rows every k steps; 0: at each epoch's end */
  long epoch;              /* epochs completed at the last call */
  slope_problem *train;
  int nsets;
  slope_problem **sets;    /* in a userdata on the stack */
  int names;               /* stack index: the sets' names, in order */
  int rows;                /* stack index: r.eval */
} evaluator;

static const char *const eval_reserved[] = {"every", "epoch", "step", "train", NULL};

/* One row: { epoch, step, train, NAME = f over each set }; 0 or an error code
** (left in the context, where slope_run finds it). */
static int eval_row(evaluator *E, long step, long epoch, const double *x) {
  lua_State *L = E->L;
  double f;
  int rc = slope_problem_eval(E->train, x, &f, NULL);
  if (rc != SLOPE_OK) return rc;
  lua_createtable(L, 0, 3 + E->nsets);
  lua_pushinteger(L, epoch); lua_setfield(L, -2, "epoch");
  lua_pushinteger(L, step); lua_setfield(L, -2, "step");
  lua_pushnumber(L, f); lua_setfield(L, -2, "train");
  for (int i = 0; i < E->nsets; i++) {
    if ((rc = slope_problem_eval(E->sets[i], x, &f, NULL)) != SLOPE_OK) { lua_pop(L, 1); return rc; }
    lua_geti(L, E->names, i + 1);
    lua_pushnumber(L, f);
    lua_settable(L, -3);
  }
  lua_rawseti(L, E->rows, (lua_Integer)lua_rawlen(L, E->rows) + 1);
  return SLOPE_OK;
}

static int eval_on_step(void *ud, const slope_step_info *s) {
  evaluator *E = ud;
  int due = E->every ? s->step % E->every == 0 : s->epoch > E->epoch;
  E->epoch = s->epoch;
  if (due && eval_row(E, s->step, s->epoch, s->x) != SLOPE_OK) return 0;   /* slope_run sees the error */
  if (E->user && E->user_every && s->step % E->user_every == 0) return call_on_step(E->user, s);
  return 0;
}

/* every = "epoch" (the default with data) or a whole number of steps >= 1. */
static long eval_every(lua_State *L, int t, int has_data, const char *what) {
  int ty = lua_getfield(L, t, "every");
  long k = 0;
  if (ty == LUA_TSTRING && strcmp(lua_tostring(L, -1), "epoch") == 0) k = 0;
  else if (ty == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) k = (long)lua_tointeger(L, -1);
  else if (ty != LUA_TNIL)
    luaL_error(L, "%s: eval.every must be \"epoch\" or a whole number of steps >= 1, got %s", what,
               luaL_tolstring(L, -1, NULL));
  lua_pop(L, 1);
  if (!k && !has_data)
    luaL_error(L, "%s: eval.every = \"epoch\" needs data (give every = k steps for a run without data)", what);
  return k;
}

/* Read eval = { NAME = data set, ..., every = ... }, push the sets' problems,
** their names and the rows table, and hook the evaluator in front of on_step.
** Returns 0 when there is no eval option. */
static int read_eval(lua_State *L, slope_ctx *S, int opts, slope_problem *p, int has_data, slope_run_opts *o,
                     evaluator *E, callback *user, const char *what) {
  if (lua_getfield(L, opts, "eval") == LUA_TNIL) { lua_pop(L, 1); return 0; }
  ls_check_option_type(L, LUA_TTABLE, what, "eval", "a table { test = data set, every = \"epoch\" }");
  int t = lua_gettop(L);
  E->L = L;
  E->train = p;
  E->every = eval_every(L, t, has_data, what);
  lua_newtable(L);   /* the names, sorted so the columns' order never depends on hashing */
  E->names = lua_gettop(L);
  for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "%s: eval's sets are written name = data set (eval = { test = ds })", what);
    const char *name = lua_tostring(L, -2);
    if (strcmp(name, "every") == 0) continue;
    for (const char *const *r = eval_reserved; *r; r++)
      if (strcmp(*r, name) == 0) luaL_error(L, "%s: eval.%s: '%s' names a column of r.eval already; call the set otherwise", what, name, name);
    if (!luaL_testudata(L, -1, LS_DATA))
      luaL_error(L, "%s: eval.%s must be a data set (slope.data{ ... }), got %s", what, name, luaL_typename(L, -1));
    lua_pushvalue(L, -2);
    lua_rawseti(L, E->names, (lua_Integer)lua_rawlen(L, E->names) + 1);
  }
  E->nsets = (int)lua_rawlen(L, E->names);
  for (int i = 1; i < E->nsets; i++)   /* insertion sort of a few names (not the script's table.sort) */
    for (int j = i; j > 0; j--) {
      lua_rawgeti(L, E->names, j);
      lua_rawgeti(L, E->names, j + 1);
      int swap = strcmp(lua_tostring(L, -2), lua_tostring(L, -1)) > 0;
      if (swap) { lua_rawseti(L, E->names, j); lua_rawseti(L, E->names, j + 1); }
      else lua_pop(L, 2);
      if (!swap) break;
    }
  E->sets = lua_newuserdatauv(L, (size_t)(E->nsets ? E->nsets : 1) * sizeof *E->sets, 0);
  for (int i = 0; i < E->nsets; i++) {
    lua_createtable(L, 0, 2);   /* the set's problem: same objective, start and params */
    lua_rawgeti(L, E->names, i + 1);
    lua_gettable(L, t);
    lua_setfield(L, -2, "data");
    lua_getfield(L, opts, "params");
    lua_setfield(L, -2, "params");
    E->sets[i] = ls_push_problem(L, S, lua_gettop(L), 0, what);   /* stays on the stack */
  }
  lua_newtable(L);
  E->rows = lua_gettop(L);
  E->epoch = 0;
  E->user = o->on_step ? user : NULL;
  E->user_every = o->every;
  o->every = 1;
  o->on_step = eval_on_step;
  o->ud = E;
  return 1;
}

/* r.eval: the rows, with :csv, :json, :column and :series (lua/eval.lua). */
static void push_eval_rows(lua_State *L, const evaluator *E) {
  lua_pushvalue(L, E->rows);
  ls_require(L, "slope.eval");
  lua_getfield(L, -1, "new");
  lua_insert(L, -3);
  lua_pop(L, 1);
  lua_pushvalue(L, E->names);
  lua_call(L, 2, 1);
}

/* ---- threads = k ------------------------------------------------------------ */

/* The evaluator and the problem over it, freed together by __gc. */
typedef struct threaded { slope_parallel *P; slope_problem *q; } threaded;

static int threaded_gc(lua_State *L) {
  threaded *t = lua_touserdata(L, 1);
  slope_problem_free(t->q);
  slope_parallel_free(t->P);
  t->q = NULL;
  t->P = NULL;
  return 0;
}

/*
** threads = k: the run's problem becomes one over rows (slope_problem_callback_rows)
** whose evaluations slope_parallel shares out over k threads, with the
** batching of 'p' (the same batches, slope.h says); 'p' still gives the names,
** the start and the checks it made of the options.  Returns 'p' without it.
** 'fast_math' 1 turns it on in every thread's tape, as on p's.
*/
static slope_problem *read_threads(lua_State *L, slope_ctx *S, int opts, slope_problem *p, int fast_math,
                                   const char *what) {
  int ty = lua_getfield(L, opts, "threads");
  if (ty == LUA_TNIL) { lua_pop(L, 1); return p; }
  if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 256)
    luaL_error(L, "%s: threads must be a whole number from 1 to 256, got %s", what, luaL_tolstring(L, -1, NULL));
  int k = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  const slope_data *data = slope_problem_data(p);
  if (!data) luaL_error(L, "%s: threads share out the rows of data: give data = ds (and an expression)", what);
  slope_expr f = lua_type(L, 1) == LUA_TSTRING ? slope_parse(S, lua_tostring(L, 1), lua_rawlen(L, 1)) : ls_to_expr(L, S, 1);
  if (!f) ls_raise(L, S);
  int n = slope_problem_nparams(p);
  const char **names = lua_newuserdatauv(L, (size_t)n * sizeof *names, 0);
  for (int i = 0; i < n; i++) names[i] = slope_problem_name(p, i);
  threaded *t = lua_newuserdatauv(L, sizeof *t, 0);
  t->P = NULL;
  t->q = NULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, threaded_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  if (!(t->P = slope_parallel_new(S, f, names, n, data, k))) ls_raise(L, S);
  if (fast_math && slope_parallel_fast_math(t->P, 1) != SLOPE_OK) ls_raise(L, S);
  t->q = slope_problem_callback_rows(S, n, names, slope_problem_x(p), slope_data_rows(data), slope_parallel_eval, t->P);
  if (!t->q) ls_raise(L, S);
  ls_batch_as_options(L, S, opts, t->q);
  lua_remove(L, -2);   /* the names: the problem copied them */
  return t->q;   /* the userdata stays on the stack */
}

/* ---- results --------------------------------------------------------------- */

/* The C API's messages name the fields of slope_run_opts ("tol_grad"); a
** script wrote tol = { grad = ... }, so its message says "tol.grad" (the same
** length: rewritten in place). */
static void push_message(lua_State *L, const char *msg) {
  static const char *const fields[] = {"tol_grad", "tol_f", "clip_norm", "clip_value", NULL};
  char text[sizeof ((slope_result *)0)->message];
  snprintf(text, sizeof text, "%s", msg);
  for (const char *const *f = fields; *f; f++)
    for (char *at = text; (at = strstr(at, *f)) != NULL; at += strlen(*f)) at[strcspn(*f, "_")] = '.';
  lua_pushstring(L, text);
}

static void push_result(lua_State *L, slope_problem *p, const slope_result *r, slope_trace *t, int names) {
  lua_createtable(L, 0, 8);
  ls_push_point(L, p, slope_problem_x(p));
  lua_setfield(L, -2, "x");
  lua_pushnumber(L, r->f); lua_setfield(L, -2, "f");
  lua_pushnumber(L, r->grad_norm); lua_setfield(L, -2, "grad_norm");
  lua_pushinteger(L, r->steps); lua_setfield(L, -2, "steps");
  lua_pushinteger(L, r->epochs); lua_setfield(L, -2, "epochs");
  lua_pushinteger(L, r->nfev); lua_setfield(L, -2, "nfev");
  lua_pushstring(L, slope_status_name(r->status)); lua_setfield(L, -2, "status");
  push_message(L, r->message); lua_setfield(L, -2, "message");
  if (t) {
    ls_push_trace(L, t, names, p);
    lua_setfield(L, -2, "trace");
  }
}

/* A Lua schedule function raised an error during the run. */
static int fn_failed(const ls_schedule *H) { return H && H->fn && H->fn->failed; }

/* fast_math = true: the run's tape evaluates exp, log, tanh and their kin
** with the vector functions (slope_tape_fast_math); 1 when it is on, for
** the threads' tapes (read_threads). */
static int read_fast_math(lua_State *L, slope_ctx *S, int opts, slope_problem *p, const char *what) {
  int t = lua_getfield(L, opts, "fast_math");
  if (t != LUA_TNIL && t != LUA_TBOOLEAN)
    luaL_error(L, "%s: fast_math must be true or false, got %s", what, luaL_tolstring(L, -1, NULL));
  int on = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (!on) return 0;
  if (!p->tape)
    luaL_error(L, "%s: fast_math speeds up an expression's tape: give the objective as an expression", what);
  if (slope_tape_fast_math(p->tape, 1) != SLOPE_OK) ls_raise(L, S);
  return 1;
}

static int run(lua_State *L, int maximize) {
  slope_ctx *S = ls_ctx(L);
  const char *what = maximize ? "maximize" : "minimize";
  lua_settop(L, 3);
  if (lua_isnil(L, 3)) { lua_newtable(L); lua_replace(L, 3); }
  luaL_checktype(L, 3, LUA_TTABLE);
  hyper_as_option(L, 3, what);
  ls_check_options(L, 3, what, run_options, 0);
  slope_problem *p = ls_push_problem(L, S, 3, values_ok(L, 3), what);   /* owned by the Problem on the stack */
  int problem = lua_gettop(L);
  int has_data = slope_problem_data(p) != NULL, quiet = 0, top = lua_gettop(L);
  int fast_math = read_fast_math(L, S, 3, p, what);
  slope_problem *p1 = ls_distributed(L, S, 3, p, what, &quiet);
  int shard = p1 != p ? top + 1 : 0;
  p = read_threads(L, S, 3, p1, fast_math, what);
  slope_run_opts o;
  slope_run_defaults(&o);
  o.maximize = maximize;
  read_limits(L, 3, &o, what);
  read_log_params(L, 3, p, &o, what);
  read_checkpoint(L, 3, &o, what);
  if ((o.lower = ls_push_bounds(L, 3, p, what))) o.upper = o.lower + slope_problem_nparams(p);
  if (o.epochs && !has_data) luaL_error(L, "%s: epochs needs data (use steps)", what);
  ls_optimizer *O = run_optimizer(L, S, 3, what);
  o.lr = run_rates(L, 3, p, O, what);
  ls_schedule *H = run_schedule(L, S, 3, "schedule", "schedule"), *NH = NULL;
  if (H) { o.schedule = H->s; o.schedule_per_epoch = H->per_epoch; }
  read_noise(L, S, 3, &o, &NH, what);
  callback cb = {L, 0, p, 0};
  if (lua_getfield(L, 3, "on_step") != LUA_TNIL) {
    ls_check_option_type(L, LUA_TFUNCTION, what, "on_step", "a function(s)");
    cb.fn = lua_gettop(L);
    o.on_step = call_on_step;
    o.ud = &cb;
  }
  evaluator E = {0};
  int evaluating = read_eval(L, S, 3, p, has_data, &o, &E, &cb, what);
  if (evaluating && !o.resume_path && eval_row(&E, 0, 0, slope_problem_x(p)) != SLOPE_OK)
    ls_problem_raise(L, S, problem);
  o.interrupt = ls_interrupt_flag(L);
  /* a progress bar when someone watches stderr and no log lines are printed */
  o.progress = !o.log_every && isatty(STDERR_FILENO);
  if (lua_getfield(L, LUA_REGISTRYINDEX, LS_QUIET_RUNS) == LUA_TBOOLEAN && lua_toboolean(L, -1)) o.progress = 0;
  lua_pop(L, 1);   /* (in a sweep, its own bar is drawn) */
  if (quiet) o.log_every = o.progress = o.checkpoint_every = 0, o.checkpoint_path = NULL;   /* rank 0 speaks */
  *o.interrupt = 0;
  slope_optim *opt = ls_optimizer_for(L, S, O, slope_problem_nparams(p));
  slope_optim_reset(opt);   /* every run starts fresh, so runs repeat exactly */
  /* and without a box, unless this run gives one (slope_run sets it) */
  if (slope_optim_set_bounds(opt, NULL, NULL) != SLOPE_OK) ls_raise(L, S);
  slope_result r;
  slope_result_init(&r);
  slope_trace *t = NULL;
  int rc = slope_run(p, opt, &o, &r, o.trace_every ? &t : NULL);
  if (*o.interrupt) {
    /* the run took the Ctrl-C and stopped with its results: the hook the
    ** signal handler set would raise it again in the caller's next line */
    *o.interrupt = 0;
    lua_sethook(L, NULL, 0, 0);
  }
  if (cb.failed || rc != SLOPE_OK || fn_failed(H) || fn_failed(NH)) {
    slope_trace_free(t);   /* every branch below raises */
    if (cb.failed) return lua_error(L);
    ls_distributed_raise(L, shard);
    ls_schedule_check_error(L, H);
    ls_schedule_check_error(L, NH);
    ls_problem_raise(L, S, problem);
  }
  int names = ls_push_names(L, p);
  push_result(L, p, &r, t, names);
  if (evaluating) {
    push_eval_rows(L, &E);
    lua_setfield(L, -2, "eval");
  }
  return 1;
}

static int l_minimize(lua_State *L) { return run(L, 0); }
static int l_maximize(lua_State *L) { return run(L, 1); }

void ls_open_run(lua_State *L, slope_ctx *S) {
  /* minimize and maximize see slope.optim as upvalue 2 (for the default sgd) */
  lua_getfield(L, -1, "optim");
  for (int i = 0; i < 2; i++) {
    lua_pushlightuserdata(L, S);
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, i ? l_maximize : l_minimize, 2);
    lua_setfield(L, -3, i ? "maximize" : "minimize");
  }
  lua_pop(L, 1);
}
