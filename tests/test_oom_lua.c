/*
** test_oom_lua.c -- a Lua experiment with each of its allocations, Lua's and
** slope's, made to fail in turn.
**
** A Lua binding is where memory errors are easiest to get wrong: a Lua
** error is a longjmp, so a C buffer allocated before it leaks, and a core
** object half built when Lua runs out of memory must still be freed.  The
** state here gets an allocator that shares one counter with slope's own
** malloc, calloc and realloc (through the linker's --wrap), so the n-th
** allocation of either kind fails.  A dry run counts them and records what
** the script prints; then for every n the script runs in a fresh state and
** must end in one of two ways:
**   - a Lua error that says memory ran out ("not enough memory" from Lua,
**     "out of memory" from slope), the state closed cleanly;
**   - success, printing exactly what the dry run printed (a divergence
**     message may name the objective instead of the operation to blame,
**     which takes memory to find).
** LeakSanitizer (tests/sanitize.sh) then finds anything an error path lost.
** With SLOPE_TEST_QUICK set (valgrind) every 41st allocation is failed.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

#include "check.h"
#include "fail_alloc.h"
#include "slope.h"

/* ---- one counter for every allocation ------------------------------------------ */

/* Lua's allocator: freeing never fails, growing counts like everything else. */
static void *lua_alloc(void *ud, void *p, size_t old, size_t n) {
  (void)ud; (void)old;
  if (n == 0) { free(p); return NULL; }
  return __wrap_realloc(p, n);
}

/* ---- the experiment -------------------------------------------------------------- */

/* Everything a first session does, each result written into 'out'. */
static const char *script =
  "local out = {}\n"
  "local function say(...) local t = {} for i = 1, select('#', ...) do t[i] = tostring((select(i, ...))) end\n"
  "  out[#out + 1] = table.concat(t, ' ') end\n"
  "local f = slope.expr 'x^2 - 4*x + 1'\n"
  "say(f:diff 'x', f:latex(), f:eval{ x = 3 })\n"
  "local x, y = slope.vars('x', 'y')\n"
  "local g = (1 - x)^2 + 100*(y - x^2)^2\n"
  "say(g:grad()[1], g:hessian()[1][2], g:size())\n"
  "local fn = g:compile{ 'x', 'y' }\n"
  "local v, gr = fn:grad(-1, 1)\n"
  "say(v, gr[1], gr[2])\n"
  "local ds = slope.data{ x = { 1, 2, 3, 4 }, y = { 3, 5, 7, 9 } }\n"
  "local r = slope.minimize('mean((w*x + b - y)^2)', { w = 0, b = 0 },\n"
  "  { data = ds, lr = 0.01, epochs = 50, batch = 2, shuffle = true, seed = 1 })\n"
  "say(r.status, r.x.w, r.x.b, #r.trace, r.trace:column('f')[10])\n"
  "local opt = slope.optim.adam{ lr = 0.05 }\n"
  "r = slope.minimize(g, { x = -1, y = 1 }, { optimizer = opt, steps = 40,\n"
  "  schedule = slope.schedule.cosine{ T_max = 40 }, clip = { norm = 10 },\n"
  "  noise = slope.noise.gaussian{ std = 0.01 }, seed = 3 })\n"
  "say(r.f, r.x.x, r.x.y, r.message)\n"
  "local p = slope.problem('x^2 + y^2', { x = 1, y = 2 })\n"
  "local o = slope.optim.sgd{ lr = 0.1, momentum = 0.9, nesterov = true }\n"
  "for _ = 1, 5 do o:step(p) end\n"
  "say(p.x.x, p.x.y, tostring(o))\n"
  "r = slope.minimize('log(x)', { x = 1 }, { lr = 2, steps = 5 })\n"
  "say(r.status, r.message)\n"
  "local ok, err = pcall(slope.expr, 'x +* 2')\n"
  "if not ok and err:find 'memory' then error(err, 0) end   -- this test's business, not the script's\n"
  "say(ok, err)\n"
  "local c = slope.compare{ f = g, start = { x = -1, y = 1 }, steps = 10,\n"
  "  optimizers = { sgd = slope.optim.sgd{ lr = 1e-3 }, lbfgs = slope.optim.lbfgs{ line_search = 'strong_wolfe' } } }\n"
  "say(c.sgd.f, c.lbfgs.f)\n"
  "local svg = slope.plot.curve{ series = { r } }\n"
  "say(#svg)\n"
  "return table.concat(out, '\\n')\n";

/* The script in a fresh state: opening the libraries and slope happen inside
** the protected call too, as in lua.c, since they allocate. */
static int pmain(lua_State *L) {
  luaL_openlibs(L);
  luaL_requiref(L, "slope", luaopen_slope, 1);
  lua_pop(L, 1);
  if (luaL_loadstring(L, script) != LUA_OK) return lua_error(L);
  lua_call(L, 0, 1);
  return 1;
}

/* Run once; 'out' gets what the script returned or its error.  Returns 1 on
** success, 0 on a Lua error, -1 when no state could be made at all. */
static int run(char *out, size_t cap) {
  lua_State *L = lua_newstate(lua_alloc, NULL);
  if (!L) { snprintf(out, cap, "not enough memory (lua_newstate)"); return -1; }
  lua_pushcfunction(L, pmain);
  int rc = lua_pcall(L, 0, 1, 0);
  const char *s = lua_tostring(L, -1);
  snprintf(out, cap, "%s", s ? s : "(an error object that is not a string)");
  lua_close(L);
  return rc == LUA_OK;
}

int main(void) {
  static char dry[8192], got[8192];
  allocs = 0;
  fail_at = 0;
  if (!CHECK(run(dry, sizeof dry) == 1)) {
    fprintf(stderr, "    the dry run failed: %s\n", dry);
    return check_done();
  }
  long total = allocs;
  CHECK(total > 1000);
  CHECK(strstr(dry, "2*x - 4") != NULL);   /* the script did run */

  /* Explaining a divergence is best effort: without memory for it the
  ** message names the objective instead of the operation to blame. */
  static char plain[8192];
  const char *why = ", where log(x) = nan for x = -1 (outside its domain)", *instead = "; f = log(x)";
  const char *at = strstr(dry, why);
  if (!CHECK(at != NULL)) return check_done();
  snprintf(plain, sizeof plain, "%.*s%s%s", (int)(at - dry), dry, instead, at + strlen(why));

  long stride = getenv("SLOPE_TEST_QUICK") ? 41 : 1, same = 0, errors = 0, wrong = 0;
  for (long n = 1; n <= total; n += stride) {
    allocs = 0;
    fail_at = n;
    int rc = run(got, sizeof got);
    fail_at = 0;
    int good;
    if (rc == 1) {
      good = strcmp(got, dry) == 0 || strcmp(got, plain) == 0;
      same += good;
    } else {
      good = strstr(got, "not enough memory") != NULL || strstr(got, "out of memory") != NULL;
      errors += good;
    }
    if (!good && wrong++ < 10) fprintf(stderr, "allocation %ld of %ld failing: %.300s\n", n, total, got);
    check_report(good, __FILE__, __LINE__, "a failed allocation ends in a memory error or changes nothing");
  }
  printf("%ld allocations (every %ld-th failed in turn): %ld memory errors, %ld runs unchanged\n",
         total, stride, errors, same);
  return check_done();
}
