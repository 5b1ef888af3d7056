/*
** lua_run.c -- slope.minimize, slope.maximize, slope.problem, opt:step(p),
** opt:save and slope.load, and traces in Lua.  Lua reads and checks the options; the run itself is
** slope_run in C, calling back into Lua only for on_step and Lua schedules.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lua_slope.h"
#include "expr.h"
#include "optim.h"
#include "problem.h"
#include "suggest.h"

typedef struct ls_problem {
  slope_problem *p;
} ls_problem;

typedef struct ls_trace {
  slope_trace *t;
} ls_trace;

/* ---- parameters and start points ------------------------------------------------- */

/* Position of 'name' among the variables of f, or nv when it is not one. */
static int var_pos(const char **vars, int nv, const char *name) {
  int i = 0;
  while (i < nv && strcmp(vars[i], name) != 0) i++;
  return i;
}

/* Whether 'name' is one of the n names in 'v'. */
static int listed(const char *const *v, int n, const char *name) {
  for (int i = 0; i < n; i++) if (strcmp(v[i], name) == 0) return 1;
  return 0;
}

/* "'y' is not a variable of f (its variables: w, x); did you mean 'w'?" */
static void not_a_variable(lua_State *L, const char *what, const char *name, const char *const *vars, int nv) {
  char list[400], hint[SX_HINT_CAP];
  int best = SX_SUGGEST_START;
  const char *near = sx_nearest_of(name, strlen(name), vars, (size_t)nv, &best);
  if (nv) sx_name_list(list, sizeof list, vars, (size_t)nv);
  luaL_error(L, "%s: '%s' is not a variable of f (%s%s)%s", what, name, nv ? "its variables: " : "it has no variables",
             nv ? list : "", sx_hint(hint, near));
}

/*
** Push the parameter names of a run as a list: 'params' when given, else
** the keys of 'start' in the order of f's variables, the order they were
** written in (w before b in w*x + b, p2 before p10).
*/
static int push_params(lua_State *L, slope_ctx *S, slope_expr f, int start, int params, const char *what) {
  /* the free variables of f: its printed text is not enough, since it also
  ** holds function names ("sin" in sin(x)) */
  int nv;
  const char **vars = ls_vars(L, S, f, &nv);
  lua_newtable(L);
  int list = lua_gettop(L), n = 0;
  if (params) {
    n = (int)luaL_len(L, params);
    for (int i = 1; i <= n; i++) {
      if (lua_geti(L, params, i) != LUA_TSTRING) luaL_error(L, "%s: params[%d] must be a name", what, i);
      if (lua_getfield(L, start, lua_tostring(L, -1)) != LUA_TNUMBER)
        luaL_error(L, "%s: no start value for parameter '%s'", what, lua_tostring(L, -2));
      lua_pop(L, 1);
      lua_rawseti(L, list, i);
    }
  } else {
    lua_pushnil(L);
    while (lua_next(L, start)) {
      lua_pop(L, 1);
      if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: start must map parameter names to numbers", what);
      lua_pushvalue(L, -1);
      lua_rawseti(L, list, ++n);
    }
    /* insertion sort by position among f's variables: few parameters */
    for (int i = 2; i <= n; i++) {
      for (int j = i; j > 1; j--) {
        lua_geti(L, list, j - 1);
        lua_geti(L, list, j);
        int a = var_pos(vars, nv, lua_tostring(L, -2)), b = var_pos(vars, nv, lua_tostring(L, -1));
        if (a < b || (a == b && strcmp(lua_tostring(L, -2), lua_tostring(L, -1)) < 0)) { lua_pop(L, 2); break; }
        lua_rawseti(L, list, j - 1);
        lua_rawseti(L, list, j);
      }
    }
  }
  if (n == 0) luaL_error(L, "%s: give a start value for at least one parameter", what);
  for (int i = 1; i <= n; i++) {
    lua_geti(L, list, i);
    const char *name = lua_tostring(L, -1);
    if (!listed(vars, nv, name)) not_a_variable(L, what, name, vars, nv);
    if (lua_getfield(L, start, name) != LUA_TNUMBER)
      luaL_error(L, "%s: the start value of '%s' must be a number", what, name);
    lua_Number v = lua_tonumber(L, -1);
    if (v != v || v == HUGE_VAL || v == -HUGE_VAL)
      luaL_error(L, "%s: the start value of '%s' must be finite, got %s", what, name, v != v ? "nan" : v > 0 ? "inf" : "-inf");
    lua_pop(L, 2);
  }
  lua_remove(L, list - 1);   /* the variables */
  return n;
}

/* names[] and x0[] from the parameter list at 'list' and the start table. */
static void read_start(lua_State *L, int list, int start, int n, const char **names, double *x0) {
  for (int i = 0; i < n; i++) {
    lua_geti(L, list, i + 1);
    names[i] = lua_tostring(L, -1);   /* kept alive by the list */
    lua_getfield(L, start, names[i]);
    x0[i] = lua_tonumber(L, -1);
    lua_pop(L, 2);
  }
}

static void push_point(lua_State *L, slope_problem *p, const double *x) {
  int n = slope_problem_nparams(p);
  lua_createtable(L, 0, n);
  for (int i = 0; i < n; i++) {
    lua_pushnumber(L, x[i]);
    lua_setfield(L, -2, slope_problem_name(p, i));
  }
}

static slope_expr check_objective(lua_State *L, slope_ctx *S, int idx) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    size_t len;
    const char *src = lua_tolstring(L, idx, &len);
    slope_expr e = slope_parse(S, src, len);
    if (!e) ls_raise(L, S);
    return e;
  }
  if (lua_isfunction(L, idx))
    luaL_argerror(L, idx, "an expression such as \"x^2 - 4*x\" expected, got function: slope "
                  "differentiates expressions, not Lua functions");
  slope_expr e = ls_to_expr(L, S, idx);
  if (!e) luaL_typeerror(L, idx, "Expr or expression text");
  return e;
}

/* The option at the top of the stack must be of type 't': an error naming the
** option otherwise ("bad argument #-1" would say nothing to the user). */
static void check_option_type(lua_State *L, int t, const char *what, const char *key, const char *expected) {
  if (lua_type(L, -1) != t)
    luaL_error(L, "%s: %s must be %s, got %s", what, key, expected, luaL_typename(L, -1));
}

/* Build the problem of f, start and the data/batch options of table 'opts'. */
static slope_problem *make_problem(lua_State *L, slope_ctx *S, int opts, const char *what) {
  int top = lua_gettop(L);
  slope_expr f = check_objective(L, S, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  int params = 0;
  if (opts && lua_getfield(L, opts, "params") != LUA_TNIL) {
    check_option_type(L, LUA_TTABLE, what, "params", "a list of parameter names");
    params = lua_gettop(L);
  } else if (opts) lua_pop(L, 1);
  int n = push_params(L, S, f, 2, params, what), list = lua_gettop(L);
  const char **names = lua_newuserdatauv(L, (size_t)n * sizeof *names, 0);
  double *x0 = lua_newuserdatauv(L, (size_t)n * sizeof *x0, 0);
  read_start(L, list, 2, n, names, x0);
  const slope_data *data = NULL;
  if (opts && lua_getfield(L, opts, "data") != LUA_TNIL) {
    if (!luaL_testudata(L, -1, LS_DATA))
      luaL_error(L, "%s: data must be a data set (slope.data{ x = {...} }), got %s", what, luaL_typename(L, -1));
    data = ls_check_data(L, lua_gettop(L));
  }
  slope_problem *p = slope_problem_new(S, f, names, x0, n, data);
  if (!p) ls_raise(L, S);
  lua_settop(L, top);
  return p;
}

/* batch = "full" | n, shuffle, seed: applied to the problem. */
static void apply_batching(lua_State *L, slope_ctx *S, slope_problem *p, int opts, const char *what) {
  size_t batch = 0;
  int t = lua_getfield(L, opts, "batch");
  if (t == LUA_TNUMBER) {
    lua_Integer b = lua_tointeger(L, -1);
    if (!lua_isinteger(L, -1) || b < 1) luaL_error(L, "%s: batch must be \"full\" or an integer >= 1", what);
    batch = (size_t)b;
  } else if (t == LUA_TSTRING) {
    if (strcmp(lua_tostring(L, -1), "full") != 0) luaL_error(L, "%s: batch must be \"full\" or an integer >= 1", what);
  } else if (t != LUA_TNIL) luaL_error(L, "%s: batch must be \"full\" or an integer >= 1", what);
  lua_getfield(L, opts, "shuffle");
  int shuffle = lua_toboolean(L, -1);
  lua_getfield(L, opts, "seed");
  lua_Integer seed = lua_isnil(L, -1) ? 0 : luaL_checkinteger(L, -1);
  lua_pop(L, 3);
  if (batch && !p->data) luaL_error(L, "%s: batch needs data", what);
  if (slope_problem_batch(p, batch, shuffle, (uint64_t)seed) != SLOPE_OK) ls_raise(L, S);
}

/* ---- reading run options ------------------------------------------------------ */

static const char *const run_options[] = {
  "optimizer", "steps", "epochs", "data", "batch", "shuffle", "seed", "schedule",
  "noise", "clip", "tol", "log", "trace", "every", "on_step", "lr", "params", "time",
  "checkpoint", "resume", "trace_full", "log_params", NULL
};

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
  push_point(L, c->p, s->x);
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
      int i = 0;
      const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
      while (i < n && strcmp(k, slope_problem_name(p, i)) != 0) i++;
      if (i == n) luaL_error(L, "%s: lr names '%s', which is not a parameter", what, k);
      if (lua_type(L, -1) != LUA_TNUMBER) luaL_error(L, "%s: lr.%s must be a number", what, k);
      lr[i] = lua_tonumber(L, -1);
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
    check_option_type(L, LUA_TTABLE, what, "clip", "a table { norm = 1 } or { value = 0.5 }");
    ls_check_options(L, -1, "clip", keys, 0);
    o->clip_norm = opt_number(L, lua_gettop(L), "norm", 0, "clip");
    o->clip_value = opt_number(L, lua_gettop(L), "value", 0, "clip");
    if (o->clip_norm <= 0 && o->clip_value <= 0) luaL_error(L, "clip: give norm > 0 or value > 0");
  }
  lua_pop(L, 1);
  if (lua_getfield(L, opts, "tol") != LUA_TNIL) {
    static const char *const keys[] = {"grad", "f", NULL};
    check_option_type(L, LUA_TTABLE, what, "tol", "a table { grad = 1e-8, f = 1e-12 }");
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
    check_option_type(L, LUA_TBOOLEAN, what, "trace_full", "true or false");
    o->trace_full = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  o->every = opt_count(L, opts, "every", 1, what);
  o->seed = (uint64_t)opt_count(L, opts, "seed", 0, what);
}

/* log_params = true (every parameter on each log line), false (none) or a
** list of names.  The index list lives on the stack as long as the run. */
static void read_log_params(lua_State *L, int opts, slope_problem *p, slope_run_opts *o, const char *what) {
  int t = lua_getfield(L, opts, "log_params");
  if (t == LUA_TBOOLEAN) o->log_params = lua_toboolean(L, -1) ? 1 : -1;
  else if (t == LUA_TTABLE) {
    int list = lua_gettop(L), n = (int)luaL_len(L, list), np = slope_problem_nparams(p);
    int *idx = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *idx, 0);
    for (int j = 0; j < n; j++) {
      const char *name = lua_geti(L, list, j + 1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
      idx[j] = -1;
      for (int i = 0; i < np; i++) if (strcmp(slope_problem_name(p, i), name) == 0) idx[j] = i;
      if (idx[j] < 0) luaL_error(L, "%s: log_params[%d] is not a parameter: %s", what, j + 1, luaL_tolstring(L, -1, NULL));
      lua_pop(L, 1);
    }
    o->log_list = idx;
    o->log_nlist = n;
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

/* ---- results --------------------------------------------------------------- */

static void push_trace(lua_State *L, slope_trace *t, int names) {
  ls_trace *T = lua_newuserdatauv(L, sizeof *T, 1);
  T->t = t;
  luaL_setmetatable(L, LS_TRACE);
  lua_pushvalue(L, names);
  lua_setiuservalue(L, -2, 1);
}

static void push_result(lua_State *L, slope_problem *p, const slope_result *r, slope_trace *t, int names) {
  lua_createtable(L, 0, 8);
  push_point(L, p, slope_problem_x(p));
  lua_setfield(L, -2, "x");
  lua_pushnumber(L, r->f); lua_setfield(L, -2, "f");
  lua_pushnumber(L, r->grad_norm); lua_setfield(L, -2, "grad_norm");
  lua_pushinteger(L, r->steps); lua_setfield(L, -2, "steps");
  lua_pushinteger(L, r->epochs); lua_setfield(L, -2, "epochs");
  lua_pushstring(L, slope_status_name(r->status)); lua_setfield(L, -2, "status");
  lua_pushstring(L, r->message); lua_setfield(L, -2, "message");
  if (t) {
    push_trace(L, t, names);
    lua_setfield(L, -2, "trace");
  }
}

/* The parameter names of 'p' as a Lua list. */
static int push_names(lua_State *L, slope_problem *p) {
  int n = slope_problem_nparams(p);
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushstring(L, slope_problem_name(p, i));
    lua_rawseti(L, -2, i + 1);
  }
  return lua_gettop(L);
}

/* The problem userdata frees the C problem however the run ends. */
static int problem_gc(lua_State *L) {
  ls_problem *P = luaL_checkudata(L, 1, LS_PROBLEM);
  slope_problem_free(P->p);
  P->p = NULL;
  return 0;
}

static ls_problem *new_problem_udata(lua_State *L) {
  ls_problem *P = lua_newuserdatauv(L, sizeof *P, 1);
  P->p = NULL;
  luaL_setmetatable(L, LS_PROBLEM);
  return P;
}

/* A Lua schedule function raised an error during the run. */
static int fn_failed(const ls_schedule *H) { return H && H->fn && H->fn->failed; }

static int run(lua_State *L, int maximize) {
  slope_ctx *S = ls_ctx(L);
  const char *what = maximize ? "maximize" : "minimize";
  lua_settop(L, 3);
  if (lua_isnil(L, 3)) { lua_newtable(L); lua_replace(L, 3); }
  luaL_checktype(L, 3, LUA_TTABLE);
  ls_check_options(L, 3, what, run_options, 0);
  ls_problem *P = new_problem_udata(L);   /* owns the C problem from here */
  lua_getfield(L, 3, "data");
  lua_setiuservalue(L, -2, 1);             /* the data must outlive the problem */
  P->p = make_problem(L, S, 3, what);
  apply_batching(L, S, P->p, 3, what);
  slope_run_opts o;
  slope_run_defaults(&o);
  o.maximize = maximize;
  read_limits(L, 3, &o, what);
  read_log_params(L, 3, P->p, &o, what);
  read_checkpoint(L, 3, &o, what);
  if (o.epochs && !P->p->data) luaL_error(L, "%s: epochs needs data (use steps)", what);
  ls_optimizer *O = run_optimizer(L, S, 3, what);
  o.lr = run_rates(L, 3, P->p, O, what);
  ls_schedule *H = run_schedule(L, S, 3, "schedule", "schedule"), *NH = NULL;
  if (H) { o.schedule = H->s; o.schedule_per_epoch = H->per_epoch; }
  read_noise(L, S, 3, &o, &NH, what);
  callback cb = {L, 0, P->p, 0};
  if (lua_getfield(L, 3, "on_step") != LUA_TNIL) {
    check_option_type(L, LUA_TFUNCTION, what, "on_step", "a function(s)");
    cb.fn = lua_gettop(L);
    o.on_step = call_on_step;
    o.ud = &cb;
  }
  o.interrupt = ls_interrupt_flag(L);
  /* a progress bar when someone watches stderr and no log lines are printed */
  o.progress = !o.log_every && isatty(STDERR_FILENO);
  *o.interrupt = 0;
  slope_optim *opt = ls_optimizer_for(L, S, O, slope_problem_nparams(P->p));
  slope_optim_reset(opt);   /* every run starts fresh, so runs repeat exactly */
  slope_result r;
  slope_trace *t = NULL;
  int rc = slope_run(P->p, opt, &o, &r, o.trace_every ? &t : NULL);
  if (*o.interrupt) {
    /* the run took the Ctrl-C and stopped with its results: the hook the
    ** signal handler set would raise it again in the caller's next line */
    *o.interrupt = 0;
    lua_sethook(L, NULL, 0, 0);
  }
  if (cb.failed || rc != SLOPE_OK || fn_failed(H) || fn_failed(NH)) {
    slope_trace_free(t);   /* every branch below raises */
    if (cb.failed) return lua_error(L);
    ls_schedule_check_error(L, H);
    ls_schedule_check_error(L, NH);
    ls_raise(L, S);
  }
  int names = push_names(L, P->p);
  push_result(L, P->p, &r, t, names);
  return 1;
}

static int l_minimize(lua_State *L) { return run(L, 0); }
static int l_maximize(lua_State *L) { return run(L, 1); }

/* ---- slope.problem and opt:step(p) ---------------------------------------------- */

/* slope.problem(f, start, { data = ds, batch = 4, shuffle = true, seed = 1, params = {...} }) */
static int l_problem(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  lua_settop(L, 3);
  if (lua_isnil(L, 3)) { lua_newtable(L); lua_replace(L, 3); }
  static const char *const opts[] = {"data", "batch", "shuffle", "seed", "params", NULL};
  luaL_checktype(L, 3, LUA_TTABLE);
  ls_check_options(L, 3, "problem", opts, 0);
  ls_problem *P = new_problem_udata(L);
  lua_getfield(L, 3, "data");
  lua_setiuservalue(L, -2, 1);
  P->p = make_problem(L, S, 3, "problem");
  apply_batching(L, S, P->p, 3, "problem");
  return 1;
}

static ls_problem *check_problem(lua_State *L, int idx) {
  ls_problem *P = luaL_checkudata(L, idx, LS_PROBLEM);
  if (!P->p) luaL_error(L, "the problem has been freed");
  return P;
}

/* p.x (the current point), p.f (the objective there over all rows), p.params */
static int problem_index(lua_State *L) {
  ls_problem *P = check_problem(L, 1);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "x") == 0) push_point(L, P->p, slope_problem_x(P->p));
  else if (strcmp(k, "f") == 0) {
    double f;
    if (slope_problem_eval(P->p, slope_problem_x(P->p), &f, NULL) != SLOPE_OK) ls_raise(L, ls_ctx(L));
    lua_pushnumber(L, f);
  } else if (strcmp(k, "params") == 0) push_names(L, P->p);
  else return luaL_error(L, "a problem has the fields x, f and params, not '%s'", k);
  return 1;
}

/* p.x = { w = 1, b = 0 } moves the current point (names not given stay). */
static int problem_newindex(lua_State *L) {
  ls_problem *P = check_problem(L, 1);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "x") != 0) return luaL_error(L, "only p.x can be set, not '%s'", k);
  luaL_checktype(L, 3, LUA_TTABLE);
  int n = slope_problem_nparams(P->p);
  double *x = slope_problem_x(P->p);
  lua_pushnil(L);
  while (lua_next(L, 3)) {
    int i = 0;
    const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
    while (i < n && strcmp(name, slope_problem_name(P->p, i)) != 0) i++;
    if (i == n) return luaL_error(L, "p.x: '%s' is not a parameter of the problem", name);
    if (lua_type(L, -1) != LUA_TNUMBER) return luaL_error(L, "p.x: %s must be a number", name);
    x[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  return 0;
}

static int problem_tostring(lua_State *L) {
  ls_problem *P = check_problem(L, 1);
  lua_pushfstring(L, "slope.Problem(%d parameters)", slope_problem_nparams(P->p));
  return 1;
}

/* opt:step(p): one update in C on the next batch; returns f before it. */
static int opt_step(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  ls_optimizer *O = ls_check_optimizer(L, 1);
  ls_problem *P = check_problem(L, 2);
  slope_optim *o = ls_optimizer_for(L, S, O, slope_problem_nparams(P->p));
  double f;
  if (slope_problem_step(P->p, o, &f) != SLOPE_OK) ls_raise(L, S);
  lua_pushnumber(L, f);
  return 1;
}

/* ---- saving and loading optimizers ----------------------------------------------- */

/* opt:save(path [, p]): the optimizer's state (kind, hyperparameters, moments,
** history), and p's point and batching when given; returns opt. */
static int opt_save(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  ls_optimizer *O = ls_check_optimizer(L, 1);
  const char *path = luaL_checkstring(L, 2);
  slope_problem *p = lua_isnoneornil(L, 3) ? NULL : check_problem(L, 3)->p;
  slope_optim *o = p ? ls_optimizer_for(L, S, O, slope_problem_nparams(p)) : O->o;
  if (slope_checkpoint_save(S, path, p, o) != SLOPE_OK) ls_raise(L, S);
  lua_settop(L, 1);
  return 1;
}

/* slope.load(path [, p]): a new optimizer as saved (by opt:save or a run's
** checkpoint), restoring p's point and batching too when given. */
static int l_load(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  const char *path = luaL_checkstring(L, 1);
  slope_problem *p = lua_isnoneornil(L, 2) ? NULL : check_problem(L, 2)->p;
  ls_optimizer *O = lua_newuserdatauv(L, sizeof *O, 0);
  memset(O, 0, sizeof *O);
  luaL_setmetatable(L, LS_OPTIMIZER);
  if (!(O->o = slope_checkpoint_optim(S, path, p))) ls_raise(L, S);
  snprintf(O->kind, sizeof O->kind, "%s", slope_optim_kind(O->o));
  snprintf(O->line_search, sizeof O->line_search, "%s", O->o->line_search);
  return 1;
}

/* ---- traces ------------------------------------------------------------------ */

static ls_trace *check_trace(lua_State *L) {
  ls_trace *T = luaL_checkudata(L, 1, LS_TRACE);
  if (!T->t) luaL_error(L, "the trace has been freed");
  return T;
}

static int trace_gc(lua_State *L) {
  ls_trace *T = luaL_checkudata(L, 1, LS_TRACE);
  slope_trace_free(T->t);
  T->t = NULL;
  return 0;
}

static int trace_len(lua_State *L) {
  size_t rows = slope_trace_rows(check_trace(L)->t);
  lua_pushinteger(L, rows ? (lua_Integer)rows - 1 : 0);
  return 1;
}

/* trace[k]: { step, f, lr, grad_norm, x = { name = value } } for k = 0..#trace, and
** batch_f in a mini-batch run (where f and grad_norm are nan unless trace_full) */
static int trace_index(lua_State *L) {
  ls_trace *T = check_trace(L);
  if (lua_type(L, 2) == LUA_TSTRING) {
    luaL_getmetafield(L, 1, "methods");
    lua_getfield(L, -1, lua_tostring(L, 2));
    return 1;
  }
  lua_Integer k = luaL_checkinteger(L, 2);
  size_t rows = slope_trace_rows(T->t);
  if (k < 0 || (size_t)k >= rows) { lua_pushnil(L); return 1; }
  int n = slope_trace_nparams(T->t);
  double *x = lua_newuserdatauv(L, (size_t)n * sizeof *x, 0);
  long step;
  double f, lr, gn;
  slope_trace_row(T->t, (size_t)k, &step, &f, &lr, &gn, x);
  lua_getiuservalue(L, 1, 1);
  int names = lua_gettop(L);
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, step); lua_setfield(L, -2, "step");
  lua_pushnumber(L, f); lua_setfield(L, -2, "f");
  lua_pushnumber(L, lr); lua_setfield(L, -2, "lr");
  lua_pushnumber(L, gn); lua_setfield(L, -2, "grad_norm");
  if (slope_trace_minibatch(T->t)) {
    lua_pushnumber(L, slope_trace_batch_f(T->t, (size_t)k));
    lua_setfield(L, -2, "batch_f");
  }
  lua_createtable(L, 0, n);
  for (int i = 0; i < n; i++) {
    lua_pushnumber(L, x[i]);
    lua_geti(L, names, i + 1);
    lua_insert(L, -2);
    lua_settable(L, -3);
  }
  lua_setfield(L, -2, "x");
  return 1;
}

/* trace:column "f" (or "step", "lr", "grad_norm", "batch_f", a parameter name): an array over rows 0.. */
static int trace_column(lua_State *L) {
  ls_trace *T = check_trace(L);
  const char *name = luaL_checkstring(L, 2);
  int n = slope_trace_nparams(T->t), which = -1;
  const char *fixed[] = {"step", "f", "lr", "grad_norm", "batch_f"};
  for (int i = 0; i < 5; i++) if (strcmp(name, fixed[i]) == 0) which = i;
  lua_getiuservalue(L, 1, 1);
  for (int i = 0; i < n && which < 0; i++) {
    lua_geti(L, -1, i + 1);
    if (strcmp(lua_tostring(L, -1), name) == 0) which = 5 + i;
    lua_pop(L, 1);
  }
  if (which < 0) return luaL_error(L, "trace:column: no column '%s' (step, f, lr, grad_norm, batch_f or a parameter)", name);
  double *x = lua_newuserdatauv(L, (size_t)n * sizeof *x, 0);
  size_t rows = slope_trace_rows(T->t);
  lua_createtable(L, (int)rows, 0);
  for (size_t k = 0; k < rows; k++) {
    long step;
    double v[5];
    slope_trace_row(T->t, k, &step, &v[1], &v[2], &v[3], x);
    v[4] = slope_trace_batch_f(T->t, k);
    if (which == 0) lua_pushinteger(L, step);
    else lua_pushnumber(L, which < 5 ? v[which] : x[which - 5]);
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
  return 1;
}

static int trace_write(lua_State *L, int json) {
  ls_trace *T = check_trace(L);
  const char *path = luaL_checkstring(L, 2);
  int n = slope_trace_nparams(T->t);
  const char **names = lua_newuserdatauv(L, (size_t)n * sizeof *names, 0);
  lua_getiuservalue(L, 1, 1);
  for (int i = 0; i < n; i++) {
    lua_geti(L, -1, i + 1);
    names[i] = lua_tostring(L, -1);   /* anchored in the names table */
    lua_pop(L, 1);
  }
  slope_ctx *S = ls_ctx(L);
  if ((json ? slope_trace_json : slope_trace_csv)(T->t, path, names) != SLOPE_OK) ls_raise(L, S);
  lua_settop(L, 1);
  return 1;
}

static int trace_csv(lua_State *L) { return trace_write(L, 0); }
static int trace_json(lua_State *L) { return trace_write(L, 1); }

static int trace_tostring(lua_State *L) {
  ls_trace *T = check_trace(L);
  lua_pushfstring(L, "slope.Trace(%d rows)", (int)slope_trace_rows(T->t));
  return 1;
}

void ls_open_run(lua_State *L, slope_ctx *S) {
  static const luaL_Reg pmeta[] = {
    {"__gc", problem_gc}, {"__index", problem_index}, {"__newindex", problem_newindex},
    {"__tostring", problem_tostring}, {NULL, NULL}
  };
  static const luaL_Reg tmeta[] = {
    {"__gc", trace_gc}, {"__len", trace_len}, {"__index", trace_index},
    {"__tostring", trace_tostring}, {NULL, NULL}
  };
  static const luaL_Reg tmethods[] = {
    {"column", trace_column}, {"csv", trace_csv}, {"json", trace_json}, {NULL, NULL}
  };
  ls_newclass(L, S, LS_PROBLEM, pmeta, NULL);
  ls_newclass(L, S, LS_TRACE, tmeta, tmethods);
  /* opt:step(p) */
  luaL_getmetatable(L, LS_OPTIMIZER);
  lua_getfield(L, -1, "methods");
  lua_pushlightuserdata(L, S);
  lua_pushcclosure(L, opt_step, 1);
  lua_setfield(L, -2, "step");
  lua_pushlightuserdata(L, S);
  lua_pushcclosure(L, opt_save, 1);
  lua_setfield(L, -2, "save");
  lua_pop(L, 2);
  /* minimize and maximize see slope.optim as upvalue 2 (for the default sgd) */
  lua_getfield(L, -1, "optim");
  for (int i = 0; i < 2; i++) {
    lua_pushlightuserdata(L, S);
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, i ? l_maximize : l_minimize, 2);
    lua_setfield(L, -3, i ? "maximize" : "minimize");
  }
  lua_pop(L, 1);
  lua_pushlightuserdata(L, S);
  lua_pushcclosure(L, l_problem, 1);
  lua_setfield(L, -2, "problem");
  lua_pushlightuserdata(L, S);
  lua_pushcclosure(L, l_load, 1);
  lua_setfield(L, -2, "load");
}
