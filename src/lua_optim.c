/*
** lua_optim.c -- optimizers and schedules in Lua.
**
** slope.optim.adam{ lr = 0.01 } makes an Optimizer whose hyperparameters are
** checked at once (by a C optimizer for one parameter) and read or written
** as fields (opt.lr = 0.005).  The C optimizer is rebuilt for the size of the
** problem it is used on, carrying its hyperparameters over.
** slope.schedule.cosine{ T_max = 100 } makes a Schedule; a Lua function
** function(t, base) ... end is accepted wherever a schedule is.
** opt:step(p) and opt:save(path [, p]) put an optimizer to work on a Problem.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lua_slope.h"

/* ---- optimizers ------------------------------------------------------------------ */

/* The description of hyperparameter 'name' of 'kind', or NULL. */
static const slope_hyper *hyper_of(const char *kind, const char *name) {
  const slope_hyper *h;
  for (int i = 0; (h = slope_optim_hyper_at(kind, i)); i++)
    if (strcmp(h->name, name) == 0) return h;
  return NULL;
}

/* Whether choice slot 'h' has "none", which Lua spells nil. */
static int has_none(const slope_hyper *h) {
  for (const char *const *c = h->choices; *c; c++)
    if (strcmp(*c, "none") == 0) return 1;
  return 0;
}

/* A choice slot given neither a string nor nil: 'must be "a" or "b" or nil'. */
static void choice_type_error(lua_State *L, const ls_optimizer *O, const slope_hyper *h) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  int k = 0;
  for (const char *const *c = h->choices; *c; c++) {
    if (strcmp(*c, "none") == 0) continue;
    if (k++) luaL_addstring(&b, " or ");
    lua_pushfstring(L, "\"%s\"", *c);
    luaL_addvalue(&b);
  }
  if (has_none(h)) luaL_addstring(&b, " or nil");
  luaL_pushresult(&b);
  luaL_error(L, "%s: %s must be %s", O->kind, h->name, lua_tostring(L, -1));
}

ls_optimizer *ls_check_optimizer(lua_State *L, int idx) {
  ls_optimizer *O = luaL_checkudata(L, idx, LS_OPTIMIZER);
  if (!O->o) luaL_error(L, "the optimizer has been freed");
  return O;
}

static int opt_gc(lua_State *L) {
  ls_optimizer *O = luaL_checkudata(L, 1, LS_OPTIMIZER);
  slope_optim_free(O->o);
  O->o = NULL;
  return 0;
}

/* Set hyperparameter 'name' from the Lua value at 'idx' (number, boolean,
** pair of numbers, or for a choice slot a string, nil meaning "none"). */
static void set_hyper(lua_State *L, slope_ctx *S, ls_optimizer *O, const char *name, int idx) {
  double v[2];
  int n = 0, rc;
  idx = lua_absindex(L, idx);
  const slope_hyper *h = hyper_of(O->kind, name);
  if (h && h->choices) {
    if (lua_type(L, idx) != LUA_TSTRING && !lua_isnil(L, idx)) choice_type_error(L, O, h);
    rc = slope_optim_set_string(O->o, name, lua_tostring(L, idx));
  } else {
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER: v[0] = lua_tonumber(L, idx); n = 1; break;
    case LUA_TBOOLEAN: v[0] = lua_toboolean(L, idx); n = 1; break;
    case LUA_TTABLE:
      n = (int)luaL_len(L, idx);
      if (n < 1 || n > 2) luaL_error(L, "%s: %s takes 1 or 2 numbers, got a table of %d", O->kind, name, n);
      for (int i = 0; i < n; i++) {
        if (lua_geti(L, idx, i + 1) != LUA_TNUMBER)
          luaL_error(L, "%s: %s[%d] must be a number", O->kind, name, i + 1);
        v[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
      }
      break;
    default:
      luaL_error(L, "%s: %s must be a number, a boolean or a pair of numbers, got %s", O->kind, name,
                 luaL_typename(L, idx));
    }
    rc = slope_optim_set(O->o, name, v, n);
  }
  if (rc != SLOPE_OK) ls_raise(L, S);
}

/* Copy every hyperparameter of 'from' into 'to' (of the same kind). */
static int copy_hypers(slope_optim *to, const slope_optim *from) {
  const slope_hyper *h;
  for (int i = 0; (h = slope_optim_hyper_at(slope_optim_kind(from), i)); i++) {
    double v[2];
    int n = h->choices ? 0 : slope_optim_get(from, h->name, v, 2);
    int rc = h->choices ? slope_optim_set_string(to, h->name, slope_optim_get_string(from, h->name))
                        : n > 0 ? slope_optim_set(to, h->name, v, n) : SLOPE_OK;
    if (rc != SLOPE_OK) return 0;
  }
  return 1;
}

slope_optim *ls_optimizer_for(lua_State *L, slope_ctx *S, ls_optimizer *O, int n) {
  if (slope_optim_nparams(O->o) == n) return O->o;
  slope_optim *o = slope_optim_new(S, O->kind, n);
  if (!o || !copy_hypers(o, O->o)) {
    slope_optim_free(o);
    ls_raise(L, S);
  }
  slope_optim_free(O->o);
  O->o = o;
  return o;
}

/* slope.optim.KIND{ hyper = value, ... }; upvalue 2 is the kind. */
static int l_optimizer(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  const char *kind = lua_tostring(L, lua_upvalueindex(2));
  if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
  ls_optimizer *O = lua_newuserdatauv(L, sizeof *O, 0);
  memset(O, 0, sizeof *O);
  luaL_setmetatable(L, LS_OPTIMIZER);
  strncpy(O->kind, kind, sizeof O->kind - 1);
  if (!(O->o = slope_optim_new(S, kind, 1))) ls_raise(L, S);
  if (lua_istable(L, 1)) {
    /* in the kind's own order, so momentum is known before nesterov is checked */
    const char *const *hypers = slope_optim_hypers(O->o);
    ls_check_options(L, 1, kind, hypers, 0);
    for (const char *const *h = hypers; *h; h++) {
      if (lua_getfield(L, 1, *h) != LUA_TNIL) set_hyper(L, S, O, *h, -1);
      lua_pop(L, 1);
    }
  }
  return 1;
}

/* Push hyperparameter 'name' as Lua sees it (a choice's "none" as nil);
** returns 0, pushing nothing, when the kind has no such hyperparameter. */
static int push_hyper(lua_State *L, const ls_optimizer *O, const char *name) {
  double v[2];
  const slope_hyper *h = hyper_of(O->kind, name);
  if (!h) return 0;
  if (h->choices) {
    const char *s = slope_optim_get_string(O->o, name);
    if (s && s[0]) lua_pushstring(L, s);
    else lua_pushnil(L);
    return 1;
  }
  int n = slope_optim_get(O->o, name, v, 2);
  if (n < 0) return 0;
  if (h->is_bool) lua_pushboolean(L, v[0] != 0);
  else if (n == 1) lua_pushnumber(L, v[0]);
  else {
    lua_createtable(L, 2, 0);
    for (int i = 0; i < n; i++) { lua_pushnumber(L, v[i]); lua_rawseti(L, -2, i + 1); }
  }
  return 1;
}

static int opt_index(lua_State *L) {
  const char *k = luaL_checkstring(L, 2);
  /* methods first, without checking the object: opt:step(p) in a loop looks
  ** up "step" every time, and step checks its arguments itself */
  if (luaL_getmetafield(L, 1, "methods") != LUA_TNIL) {
    if (lua_getfield(L, -1, k) != LUA_TNIL) return 1;
    lua_pop(L, 2);
  }
  ls_optimizer *O = ls_check_optimizer(L, 1);
  if (strcmp(k, "kind") == 0) { lua_pushstring(L, O->kind); return 1; }
  if (push_hyper(L, O, k)) return 1;
  return luaL_error(L, "%s has no field '%s'", O->kind, k);
}

/* __index with the methods table as upvalue 2: opt:step in a loop finds its
** method by one raw lookup of the key Lua already holds (no string made). */
static int opt_index_methods(lua_State *L) {
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  return opt_index(L);
}

static int opt_newindex(lua_State *L) {
  ls_optimizer *O = ls_check_optimizer(L, 1);
  set_hyper(L, ls_ctx(L), O, luaL_checkstring(L, 2), 3);
  return 0;
}

static int opt_tostring(lua_State *L) {
  ls_optimizer *O = ls_check_optimizer(L, 1);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "slope.optim.");
  luaL_addstring(&b, O->kind);
  luaL_addstring(&b, "{ ");
  int first = 1;
  for (const char *const *h = slope_optim_hypers(O->o); *h; h++) {
    if (!push_hyper(L, O, *h)) continue;
    char item[128];
    if (lua_istable(L, -1)) {
      lua_geti(L, -1, 1);
      lua_geti(L, -2, 2);
      snprintf(item, sizeof item, "%s = {%.6g, %.6g}", *h, lua_tonumber(L, -2), lua_tonumber(L, -1));
      lua_pop(L, 2);
    } else if (lua_isnil(L, -1)) item[0] = '\0';
    else if (lua_type(L, -1) == LUA_TSTRING) snprintf(item, sizeof item, "%s = \"%s\"", *h, lua_tostring(L, -1));
    else if (lua_isboolean(L, -1)) snprintf(item, sizeof item, "%s = %s", *h, lua_toboolean(L, -1) ? "true" : "false");
    else snprintf(item, sizeof item, "%s = %.6g", *h, lua_tonumber(L, -1));
    lua_pop(L, 1);
    if (!item[0]) continue;
    if (!first) luaL_addstring(&b, ", ");
    luaL_addstring(&b, item);
    first = 0;
  }
  luaL_addstring(&b, " }");
  luaL_pushresult(&b);
  return 1;
}

static int opt_reset(lua_State *L) {
  slope_optim_reset(ls_check_optimizer(L, 1)->o);
  lua_settop(L, 1);
  return 1;
}

static int opt_hypers(lua_State *L) {
  ls_optimizer *O = ls_check_optimizer(L, 1);
  lua_newtable(L);
  int i = 1;
  for (const char *const *h = slope_optim_hypers(O->o); *h; h++) {
    lua_pushstring(L, *h);
    lua_rawseti(L, -2, i++);
  }
  return 1;
}

/* ---- schedules ------------------------------------------------------------------ */

static int sched_gc(lua_State *L) {
  ls_schedule *H = luaL_checkudata(L, 1, LS_SCHEDULE);
  slope_schedule_free(H->s);
  H->s = NULL;
  if (H->fn) {
    luaL_unref(L, LUA_REGISTRYINDEX, H->fn->ref);
    free(H->fn);
    H->fn = NULL;
  }
  return 0;
}

/* Host-function schedules call back into Lua under pcall: an error there
** cannot unwind through the C run loop, so it is kept and raised after. */
static double call_lua_schedule(void *ud, long t, double base) {
  ls_schedule_fn *F = ud;
  lua_State *L = F->L;
  if (F->failed) return base;
  lua_rawgeti(L, LUA_REGISTRYINDEX, F->ref);
  lua_pushinteger(L, t);
  lua_pushnumber(L, base);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
    volatile int *stop = ls_interrupt_flag(L);
    if (stop && *stop) {   /* Ctrl-C landed here: the run stops at its next step */
      lua_pop(L, 1);
      return base;
    }
    F->failed = 1;
    lua_setfield(L, LUA_REGISTRYINDEX, "slope.schedule_error");
    return base;
  }
  int isnum;
  double v = lua_tonumberx(L, -1, &isnum);
  lua_pop(L, 1);
  if (!isnum) {
    F->failed = 1;
    lua_pushstring(L, "a schedule function must return a number");
    lua_setfield(L, LUA_REGISTRYINDEX, "slope.schedule_error");
    return base;
  }
  return v;
}

static ls_schedule *new_schedule(lua_State *L) {
  ls_schedule *H = lua_newuserdatauv(L, sizeof *H, 1);
  memset(H, 0, sizeof *H);
  luaL_setmetatable(L, LS_SCHEDULE);
  return H;
}

ls_schedule *ls_to_schedule(lua_State *L, slope_ctx *S, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_isfunction(L, idx)) {   /* wrap a Lua function as a Schedule */
    ls_schedule *H = new_schedule(L);
    if (!(H->fn = calloc(1, sizeof *H->fn))) luaL_error(L, "out of memory");
    H->fn->L = L;
    lua_pushvalue(L, idx);
    H->fn->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (!(H->s = slope_schedule_fn(S, call_lua_schedule, H->fn))) ls_raise(L, S);
    strcpy(H->kind, "function");
    lua_replace(L, idx);
    return H;
  }
  return luaL_checkudata(L, idx, LS_SCHEDULE);
}

void ls_schedule_check_error(lua_State *L, ls_schedule *H) {
  if (!H || !H->fn || !H->fn->failed) return;
  H->fn->failed = 0;
  lua_getfield(L, LUA_REGISTRYINDEX, "slope.schedule_error");
  lua_error(L);
}

static void set_schedule_arg(lua_State *L, slope_ctx *S, ls_schedule *H, const char *name, int idx) {
  int rc;
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING) rc = slope_schedule_set_string(H->s, name, lua_tostring(L, idx));
  else if (lua_type(L, idx) == LUA_TNUMBER || lua_type(L, idx) == LUA_TBOOLEAN) {
    double v = lua_type(L, idx) == LUA_TBOOLEAN ? lua_toboolean(L, idx) : lua_tonumber(L, idx);
    rc = slope_schedule_set(H->s, name, &v, 1);
  } else if (lua_istable(L, idx)) {
    int n = (int)luaL_len(L, idx);
    double *v = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *v, 0);
    for (int i = 0; i < n; i++) {
      if (lua_geti(L, idx, i + 1) != LUA_TNUMBER) luaL_error(L, "%s: %s[%d] must be a number", H->kind, name, i + 1);
      v[i] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
    rc = slope_schedule_set(H->s, name, v, n);
    lua_pop(L, 1);
  } else {
    luaL_error(L, "%s: %s must be a number, a string or a list, got %s", H->kind, name,
               luaL_typename(L, idx));
    return;
  }
  if (rc != SLOPE_OK) ls_raise(L, S);
}

/* slope.schedule.KIND{ ... }; upvalue 2 is the kind. */
static int l_schedule(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  const char *kind = lua_tostring(L, lua_upvalueindex(2));
  if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
  ls_schedule *H = new_schedule(L);
  strncpy(H->kind, kind, sizeof H->kind - 1);
  if (!(H->s = slope_schedule_new(S, kind))) ls_raise(L, S);
  if (lua_istable(L, 1)) {
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      if (lua_type(L, -2) != LUA_TSTRING) {
        ls_push_unnamed(L, -1, NULL);
        return ls_option_error(L, kind);
      }
      if (strcmp(lua_tostring(L, -2), "per") == 0) {
        const char *per = lua_tostring(L, -1);
        if (!per || (strcmp(per, "epoch") != 0 && strcmp(per, "step") != 0))
          luaL_error(L, "%s: per must be \"step\" or \"epoch\"", kind);
        H->per_epoch = strcmp(per, "epoch") == 0;
      } else set_schedule_arg(L, S, H, lua_tostring(L, -2), -1);
      lua_pop(L, 1);
    }
  }
  if (slope_schedule_check(H->s) != SLOPE_OK) ls_raise(L, S);
  return 1;
}

/* slope.schedule.sequential{ schedules = { a, b }, milestones = { 10 } } */
static int l_sequential(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  static const char *const opts[] = {"schedules", "milestones", NULL};
  ls_check_options(L, 1, "sequential", opts, 0);
  if (lua_getfield(L, 1, "schedules") != LUA_TTABLE) return luaL_error(L, "sequential: schedules must be a list of schedules");
  if (lua_getfield(L, 1, "milestones") != LUA_TTABLE) return luaL_error(L, "sequential: milestones must be a list of step counts");
  int np = (int)luaL_len(L, 2), nm = (int)luaL_len(L, 3);
  if (np < 1 || np > 64) return luaL_error(L, "sequential: give 1 to 64 schedules, got %d", np);
  if (nm != np - 1)
    return luaL_error(L, "sequential: %d schedule%s need%s %d milestone%s, got %d", np, np == 1 ? "" : "s",
                      np == 1 ? "s" : "", np - 1, np == 2 ? "" : "s", nm);
  slope_schedule **parts = lua_newuserdatauv(L, (size_t)np * sizeof *parts, 0);
  long *ms = lua_newuserdatauv(L, (size_t)(nm ? nm : 1) * sizeof *ms, 0);
  ls_schedule *H = new_schedule(L);   /* the result keeps its parts alive */
  lua_pushvalue(L, 2);
  lua_setiuservalue(L, -2, 1);
  for (int i = 0; i < nm; i++) {
    lua_geti(L, 3, i + 1);
    if (!lua_isinteger(L, -1)) return luaL_error(L, "sequential: milestones[%d] must be an integer", i + 1);
    ms[i] = (long)lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  for (int i = 0; i < np; i++) {
    lua_geti(L, 2, i + 1);
    ls_schedule *part = ls_to_schedule(L, S, -1);
    lua_seti(L, 2, i + 1);   /* a wrapped function replaces itself in the list */
    parts[i] = part->s;
  }
  strcpy(H->kind, "sequential");
  if (!(H->s = slope_schedule_sequential(S, parts, np, ms, nm))) ls_raise(L, S);
  return 1;
}

/* s(t, base) evaluates a schedule from Lua (for plots and tests). */
static int sched_call(lua_State *L) {
  ls_schedule *H = ls_to_schedule(L, ls_ctx(L), 1);
  lua_Integer t = luaL_checkinteger(L, 2);
  double base = luaL_optnumber(L, 3, 1.0);
  luaL_argcheck(L, t >= 0, 2, "t must be >= 0");
  double v = slope_schedule_lr(H->s, (long)t, base);
  ls_schedule_check_error(L, H);
  lua_pushnumber(L, v);
  return 1;
}

static int sched_tostring(lua_State *L) {
  ls_schedule *H = luaL_checkudata(L, 1, LS_SCHEDULE);
  lua_pushfstring(L, "slope.schedule.%s", H->kind);
  return 1;
}

/* ---- optimizers at work: a step on a problem, a checkpoint ------------------------- */

/* The optimizer at 1 for opt:step, whose upvalue 2 is the class's metatable:
** compared directly, without looking the class up by name at every step. */
static ls_optimizer *step_optimizer(lua_State *L) {
  ls_optimizer *O = lua_touserdata(L, 1);
  if (!O || !lua_getmetatable(L, 1)) return ls_check_optimizer(L, 1);
  int same = lua_rawequal(L, -1, lua_upvalueindex(2));
  lua_pop(L, 1);
  return same && O->o ? O : ls_check_optimizer(L, 1);
}

/* opt:step(p): one update in C on the next batch; returns f before it. */
static int opt_step(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  ls_optimizer *O = step_optimizer(L);
  slope_problem *p = ls_check_problem_mt(L, 2, lua_upvalueindex(3));
  int n = slope_problem_nparams(p);
  slope_optim *o = ls_optimizer_for(L, S, O, n);
  const double *lo = ls_problem_box(L, 2);   /* the problem's box, or none */
  if (slope_optim_set_bounds(o, lo, lo ? lo + n : NULL) != SLOPE_OK) ls_raise(L, S);
  double f;
  if (slope_problem_step(p, o, &f) != SLOPE_OK) ls_problem_raise(L, S, 2);
  lua_pushnumber(L, f);
  return 1;
}

/* opt:save(path [, p]): the optimizer's state (kind, hyperparameters, moments,
** history), and p's point and batching when given; returns opt. */
static int opt_save(lua_State *L) {
  slope_ctx *S = ls_ctx(L);
  ls_optimizer *O = ls_check_optimizer(L, 1);
  const char *path = luaL_checkstring(L, 2);
  slope_problem *p = lua_isnoneornil(L, 3) ? NULL : ls_check_problem(L, 3);
  slope_optim *o = p ? ls_optimizer_for(L, S, O, slope_problem_nparams(p)) : O->o;
  if (slope_checkpoint_save(S, path, p, o) != SLOPE_OK) ls_raise(L, S);
  lua_settop(L, 1);
  return 1;
}

/* ---- the registries: one constructor per kind ------------------------------------ */

/* A registry as the public API reads it (optimizers' or schedules'). */
typedef struct registry {
  const char *const *(*kinds)(void);
  const char *(*about)(const char *kind);
  const slope_hyper *(*hyper_at)(const char *kind, int i);
  lua_CFunction make;   /* the constructor, upvalues: context, kind */
} registry;

/* Push "T_max", "eta_min = 0", "mode = \"min\"" or "betas = {0.9, 0.999}":
** how a hyperparameter is written, with its default unless it has none
** (required, None, or decided by other arguments). */
static void push_usage(lua_State *L, const slope_hyper *h) {
  char text[96];
  if (h->choices && h->def_choice) snprintf(text, sizeof text, "%s = \"%s\"", h->name, h->def_choice);
  else if (h->choices || h->required || isnan(h->def[0])) snprintf(text, sizeof text, "%s", h->name);
  else if (h->is_bool) snprintf(text, sizeof text, "%s = %s", h->name, h->def[0] != 0 ? "true" : "false");
  else if (h->n == 2) snprintf(text, sizeof text, "%s = {%.6g, %.6g}", h->name, h->def[0], h->def[1]);
  else snprintf(text, sizeof text, "%s = %.6g", h->name, h->def[0]);
  lua_pushstring(L, text);
}

/*
** One constructor per registered kind into the table at the top, and in its
** metatable what help.lua shows: 'kinds', the names in registry order,
** 'about', a line per kind, and 'args', per kind the list of its
** hyperparameters as push_usage writes them.
*/
/*
** The metatable's 'about' and 'args' are made when help first reads them
** (metatable.__index of the metatable): writing every hyperparameter's
** usage text costs more than the rest of start-up together.
*/
static int describe_kinds(lua_State *L) {
  const registry *r = lua_touserdata(L, lua_upvalueindex(1));
  const char *key = luaL_checkstring(L, 2);
  int about = strcmp(key, "about") == 0;
  if (!about && strcmp(key, "args") != 0) return 0;
  const char *const *kinds = r->kinds();
  lua_newtable(L);
  for (int i = 0; kinds[i]; i++) {
    if (about) lua_pushstring(L, r->about(kinds[i]));
    else {
      lua_newtable(L);
      const slope_hyper *h;
      for (int k = 0; (h = r->hyper_at(kinds[i], k)); k++) {
        push_usage(L, h);
        lua_rawseti(L, -2, k + 1);
      }
    }
    lua_setfield(L, -2, kinds[i]);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, 1, key);   /* made once */
  return 1;
}

static void push_kinds(lua_State *L, slope_ctx *S, const registry *r) {
  const char *const *kinds = r->kinds();
  lua_createtable(L, 0, 3);   /* the metatable */
  lua_newtable(L);            /* kinds */
  for (int i = 0; kinds[i]; i++) {
    lua_pushlightuserdata(L, S);
    lua_pushstring(L, kinds[i]);
    lua_pushcclosure(L, r->make, 2);
    lua_setfield(L, -4, kinds[i]);
    lua_pushstring(L, kinds[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "kinds");
  lua_createtable(L, 0, 1);   /* its own metatable: 'about' and 'args' on first use */
  lua_pushlightuserdata(L, (void *)r);
  lua_pushcclosure(L, describe_kinds, 1);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_setmetatable(L, -2);
}

void ls_open_optim(lua_State *L, slope_ctx *S) {
  static const luaL_Reg ometa[] = {
    {"__gc", opt_gc}, {"__index", opt_index}, {"__newindex", opt_newindex},
    {"__tostring", opt_tostring}, {NULL, NULL}
  };
  static const luaL_Reg omethods[] = {
    {"reset", opt_reset}, {"hypers", opt_hypers}, {"step", opt_step}, {"save", opt_save}, {NULL, NULL}
  };
  static const luaL_Reg smeta[] = {
    {"__gc", sched_gc}, {"__call", sched_call}, {"__tostring", sched_tostring}, {NULL, NULL}
  };
  ls_newclass(L, S, LS_OPTIMIZER, ometa, omethods);
  ls_newclass(L, S, LS_SCHEDULE, smeta, NULL);
  /* the hot path of a loop of opt:step(p): __index and step see the methods
  ** table and the metatable as upvalues */
  luaL_getmetatable(L, LS_OPTIMIZER);
  lua_getfield(L, -1, "methods");
  lua_pushlightuserdata(L, S);
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, opt_index_methods, 2);
  lua_setfield(L, -3, "__index");
  lua_pushlightuserdata(L, S);
  lua_pushvalue(L, -3);
  luaL_newmetatable(L, LS_PROBLEM);   /* made here if lua_problem.c has not yet: it fills it */
  lua_pushcclosure(L, opt_step, 3);
  lua_setfield(L, -2, "step");
  lua_pop(L, 2);

  lua_newtable(L);
  static const registry optimizers = {slope_optim_kinds, slope_optim_about, slope_optim_hyper_at, l_optimizer};
  static const registry schedules = {slope_schedule_kinds, slope_schedule_about, slope_schedule_hyper_at,
                                     l_schedule};
  push_kinds(L, S, &optimizers);
  lua_setfield(L, -2, "optim");

  lua_newtable(L);
  push_kinds(L, S, &schedules);
  lua_pushlightuserdata(L, S);
  lua_pushcclosure(L, l_sequential, 1);
  lua_setfield(L, -2, "sequential");
  lua_setfield(L, -2, "schedule");
}
