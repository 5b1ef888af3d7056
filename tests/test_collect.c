/*
** test_collect.c -- reclaiming nodes: a long session stays small.
**
** C part: kept expressions print, differentiate and evaluate exactly as
** before a collection (the text is compared with what it was, and values
** with closed forms); the dropped nodes' ids are reused; a tape and a
** problem built before a collection still evaluate right after it, even
** once their ids' old neighbours are reused; and a context that collects
** builds far more than its node limit allows at once.
** Lua part: a script builds and drops 100,000 expressions (40,000 under
** valgrind) while Lua's garbage collector runs, and the context's node
** count stays bounded.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

#include "check.h"
#include "slope.h"
#include "ctx.h"

static const char *const xy[] = {"x", "y"};

static slope_expr parse(slope_ctx *S, const char *src) { return slope_parse(S, src, strlen(src)); }

static char *copy(const char *s) {
  char *c = s ? malloc(strlen(s) + 1) : NULL;
  if (c) strcpy(c, s);
  return c;
}

/* sum over j < 100 of (k + j/1000)*x_j: 'k' makes each sum new nodes */
static slope_expr sum100(slope_ctx *S, double k) {
  char name[16];
  slope_expr s = slope_num(S, k);
  for (int j = 0; j < 100; j++) {
    snprintf(name, sizeof name, "x%d", j);
    s = slope_add(S, s, slope_mul(S, slope_num(S, k + 0.001 * j), slope_var(S, name)));
  }
  return s;
}

/* Texts a kept expression must still have after collections. */
typedef struct snapshot { char *text, *latex, *dx, *dy; size_t size; } snapshot;

static snapshot snap(slope_ctx *S, slope_expr e) {
  snapshot s = {copy(slope_print(S, e)), copy(slope_latex(S, e)), NULL, NULL, slope_size(S, e)};
  s.dx = copy(slope_print(S, slope_diff(S, e, "x")));
  s.dy = copy(slope_print(S, slope_diff(S, e, "y")));
  return s;
}

static void same_as(slope_ctx *S, slope_expr e, const snapshot *s) {
  CHECK_STR(slope_print(S, e), s->text);
  CHECK_STR(slope_latex(S, e), s->latex);
  CHECK_STR(slope_print(S, slope_diff(S, e, "x")), s->dx);
  CHECK_STR(slope_print(S, slope_diff(S, e, "y")), s->dy);
  CHECK(slope_size(S, e) == s->size);
}

static void free_snapshot(snapshot *s) { free(s->text); free(s->latex); free(s->dx); free(s->dy); }

static void kept_survive(void) {
  slope_ctx *S = slope_new();
  /* a shared subexpression long enough to print with bindings, a deep chain */
  char deep[4096] = "x";
  for (int i = 0; i < 150; i++) {
    char t[4096];
    snprintf(t, sizeof t, "sin(%s + y)", deep);
    if (strlen(t) >= sizeof deep) break;
    strcpy(deep, t);
  }
  slope_expr rosen = parse(S, "100*(y - x^2)^2 + (1 - x)^2");
  slope_expr shared = parse(S, "exp(x*y) + log(1 + x^2 + y^2)");
  for (int i = 0; i < 6; i++)   /* text 3 times as long each time: it prints with bindings */
    shared = slope_add(S, slope_mul(S, slope_call(S, "sin", &shared, 1), slope_call(S, "cos", &shared, 1)), shared);
  slope_expr chain = parse(S, deep);
  slope_expr kept[3] = {rosen, shared, chain};
  snapshot before[3];
  for (int i = 0; i < 3; i++) {
    CHECK(kept[i] != 0);
    slope_keep(S, kept[i]);
    before[i] = snap(S, kept[i]);
  }
  CHECK(before[1].text && strncmp(before[1].text, "_1 = ", 5) == 0);
  /* a tape and a problem made before any collection; their handles dropped */
  slope_expr f = parse(S, "(x - 3)^2 + 10*(y + 1)^4 + x*y");
  slope_tape *T = slope_compile(S, f, xy, 2, NULL, 0);
  double x0[2] = {0, 0};
  slope_problem *P = slope_problem_new(S, parse(S, "exp(x) + y^2*x"), xy, x0, 2, NULL);
  CHECK(T != NULL && P != NULL);
  /* garbage: ids past the kept ones */
  slope_expr high = 0;
  for (int i = 0; i < 50; i++) {
    slope_expr g = sum100(S, 7 + i);
    if (g > high) high = g;
    slope_diff(S, g, "x3");
  }
  size_t before_nodes = slope_nodes(S), store = S->nnodes;
  size_t freed = slope_collect(S);
  CHECK(freed > 5000);
  CHECK(slope_nodes(S) + freed == before_nodes);
  CHECK(slope_nodes(S) < 2000);
  for (int i = 0; i < 3; i++) same_as(S, kept[i], &before[i]);
  /* the freed ids come back: the same garbage again does not grow the store */
  slope_expr again = 0;
  for (int i = 0; i < 50; i++) {
    again = sum100(S, 1000 + i);
    slope_diff(S, again, "x3");
  }
  CHECK(again != 0 && again <= high);
  CHECK(S->nnodes <= store);
  for (int i = 0; i < 3; i++) same_as(S, kept[i], &before[i]);
  slope_collect(S);
  for (int i = 0; i < 3; i++) same_as(S, kept[i], &before[i]);
  /* a handle whose node was reclaimed is refused wherever it is passed in */
  const char *x3[] = {"x3"};
  CHECK(slope_problem_new(S, again, x3, (double[]){0}, 1, NULL) == NULL);
  CHECK(slope_error_get(S).code == SLOPE_ERRMISUSE &&
        strstr(slope_error_get(S).message, "slope_problem_new: invalid expression handle") &&
        strstr(slope_error_get(S).message, "reclaimed by slope_collect"));
  CHECK(slope_compile(S, again, x3, 1, NULL, 0) == NULL);
  CHECK(slope_error_get(S).code == SLOPE_ERRMISUSE && strstr(slope_error_get(S).message, "reclaimed"));
  CHECK(slope_print(S, again) == NULL && slope_error_get(S).code == SLOPE_ERRMISUSE);
  /* the tape and the problem, against closed forms */
  double p[2] = {1.5, -2}, v, g[2];
  CHECK(slope_tape_grad(T, p, NULL, 0, &v, g) == SLOPE_OK);
  CHECK_NEAR(v, 2.25 + 10 + -3, 1e-15);
  CHECK_NEAR(g[0], 2 * (1.5 - 3) - 2, 1e-15);
  CHECK_NEAR(g[1], 40 * -1 + 1.5, 1e-15);
  CHECK(slope_problem_eval(P, p, &v, g) == SLOPE_OK);
  CHECK_NEAR(v, exp(1.5) + 4 * 1.5, 1e-15);
  CHECK_NEAR(g[0], exp(1.5) + 4, 1e-15);
  CHECK_NEAR(g[1], 2 * -2 * 1.5, 1e-15);
  /* the problem keeps its objective: collections leave it to newton and explain */
  size_t live = slope_nodes(S);
  slope_problem_free(P);
  CHECK(slope_collect(S) > 0 && slope_nodes(S) < live);
  slope_tape_free(T);
  /* released, the kept expressions go too: only the variables stay (x, y,
  ** x0 ... x99), whose names may be borrowed */
  const char *name = NULL;
  CHECK(slope_vars(S, rosen, &name, 1) == 2);
  char *was = copy(name);
  for (int i = 0; i < 3; i++) slope_release(S, kept[i]);
  slope_collect(S);
  CHECK(slope_nodes(S) == 102);
  CHECK_STR(name, was);
  free(was);
  CHECK_STR(slope_print(S, parse(S, "x^2 + y")), "x^2 + y");
  for (int i = 0; i < 3; i++) free_snapshot(&before[i]);
  slope_free(S);
}

/* A host that collects now and then builds far more than the node limit. */
static void past_the_limit(void) {
  slope_ctx *S = slope_new();
  S->maxnodes = 40000;
  slope_expr first = sum100(S, 0);
  slope_keep(S, first);
  size_t most = 0;
  for (int i = 1; i <= 1000 && !slope_error_get(S).code; i++) {
    if (slope_nodes(S) > S->maxnodes / 2) slope_collect(S);
    sum100(S, i);
    if (slope_nodes(S) > most) most = slope_nodes(S);
  }
  CHECK(slope_error_get(S).code == SLOPE_OK);   /* 1000 sums of 300 nodes: 7x the limit */
  CHECK(most <= S->maxnodes);
  CHECK_STR(slope_print(S, parse(S, "x^2")), "x^2");
  double x = 2;
  slope_expr d = slope_diff(S, first, "x7");
  CHECK(slope_eval(S, d, (const char *const[]){"x7"}, &x, 1, &x) == SLOPE_OK && x == 0.001 * 7);
  slope_free(S);
}

/* ---- Lua: Expr handles kept by their userdata, collected at safe points ---- */

static const char *script =
  "local x = {}\n"
  "for j = 1, 100 do x[j] = slope.var('x' .. j) end\n"
  "local base = 0\n"
  "for j = 1, 100 do base = base + j * x[j] end\n"
  "local function grad1(e) return e:grad({'x1'})[1]:eval{ x1 = 2 } end\n"
  "local first, last, most, text = nil, nil, 0, tostring(base)\n"
  "for i = 1, N do\n"
  "  local e = base + (i % 997 + 1) * x[1]^2 + i\n"
  "  if i == 1 then first = grad1(e) end\n"
  "  if i == N then last = grad1(base + 2 * x[1]^2 + 1) end\n"
  "  if i % 1000 == 0 then most = math.max(most, nodes()) end\n"
  "end\n"
  "return first, last, most, tostring(base) == text and #text > 500\n";

static slope_ctx *lua_ctx(lua_State *L) {
  /* the binding's context holder (lua_slope.c): its first field is the context */
  lua_getfield(L, LUA_REGISTRYINDEX, "slope.context");
  slope_ctx **h = luaL_testudata(L, -1, "slope.Context");
  lua_pop(L, 1);
  return h ? *h : NULL;
}

static int l_nodes(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)slope_nodes(lua_ctx(L)));
  return 1;
}

static void lua_session(void) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  luaL_requiref(L, "slope", luaopen_slope, 1);
  lua_pop(L, 1);
  CHECK(lua_ctx(L) != NULL);
  if (!lua_ctx(L)) { lua_close(L); return; }
  lua_register(L, "nodes", l_nodes);
  /* each expression makes at least 3 new nodes: 120,000 or more without reclaiming */
  lua_Integer n = getenv("SLOPE_TEST_QUICK") ? 40000 : 100000;   /* valgrind */
  lua_pushinteger(L, n);
  lua_setglobal(L, "N");
  int rc = luaL_loadstring(L, script) || lua_pcall(L, 0, 4, 0);
  if (!CHECK(rc == LUA_OK)) fprintf(stderr, "    %s\n", lua_tostring(L, -1));
  else {
    CHECK_NEAR(lua_tonumber(L, -4), 4 * 2 + 1, 0);   /* d/dx1 (x1 + 2*x1^2) at 2 */
    CHECK(lua_tonumber(L, -3) == lua_tonumber(L, -4));
    CHECK(lua_tointeger(L, -2) > 0 && lua_tointeger(L, -2) < 120000);
    CHECK(lua_toboolean(L, -1));   /* the kept sum prints as it did */
    fprintf(stderr, "lua: at most %lld nodes in use while building %lld expressions\n",
            (long long)lua_tointeger(L, -2), (long long)n);
  }
  lua_close(L);
}

int main(void) {
  kept_survive();
  past_the_limit();
  lua_session();
  return check_done();
}
