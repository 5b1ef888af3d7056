/*
** bench_lua.c -- the cost of driving slope from Lua: a Lua loop of
** opt:step(p) (one C update per call) and slope.minimize (the whole loop in
** C), both Adam on 2-D Rosenbrock, against a hand-written C loop in the same
** run.  The Lua state is made here as any embedding program would make it.
**
** Both Lua runs must end where the C loop ends, so the steps timed are the
** steps asked for.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "bench.h"
#include "slope.h"

enum { STEPS = 1000000, REPS = 5 };

static double sink;

/*
** The Lua side.  'setup' makes a fresh problem and optimizer (untimed);
** 'steps' and 'minimize' are what is timed; 'point' reads the end point.
*/
static const char lua_src[] =
  "local slope = ...\n"
  "local f = slope.expr '(1 - x)^2 + 100*(y - x^2)^2'\n"
  "local p, opt, r\n"
  "local M = {}\n"
  "function M.setup()\n"
  "  p = slope.problem(f, { x = -1.2, y = 1 })\n"
  "  opt = slope.optim.adam{ lr = 1e-3 }\n"
  "end\n"
  "function M.steps(n)\n"
  "  for _ = 1, n do opt:step(p) end\n"
  "  local x = p.x\n"
  "  return x.x, x.y\n"
  "end\n"
  "function M.minimize(n)\n"
  "  r = slope.minimize(f, { x = -1.2, y = 1 }, { optimizer = opt, steps = n, trace = false })\n"
  "  return r.x.x, r.x.y\n"
  "end\n"
  "return M\n";

/* The same steps in C: PyTorch's Adam (pow-based bias correction) with the
** gradient arranged as the tape computes it, so the end points agree exactly. */
static void hand_loop(double *x, long steps) {
  const double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  double m[2] = {0, 0}, v[2] = {0, 0}, g[2];
  for (long k = 1; k <= steps; k++) {
    double a = 1 - x[0], b = x[1] - x[0] * x[0], db = 200 * b;
    g[0] = -2 * a - 2 * x[0] * db;
    g[1] = db;
    sink += a * a + 100 * b * b;
    double bc1 = 1 - pow(b1, (double)k), bc2_sqrt = sqrt(1 - pow(b2, (double)k));
    for (int i = 0; i < 2; i++) {
      m[i] = m[i] * b1 + (1 - b1) * g[i];
      v[i] = v[i] * b2 + (1 - b2) * g[i] * g[i];
      double denom = sqrt(v[i]) / bc2_sqrt + eps;
      x[i] += -(lr / bc1) * (m[i] / denom);
    }
  }
}

/* Call M[name](n) with the module table at index 'mod'; stores the two
** results in 'xy'.  Returns 0, or 1 after printing the Lua error. */
static int call(lua_State *L, int mod, const char *name, long n, double *xy) {
  lua_getfield(L, mod, name);
  int nargs = n >= 0 ? 1 : 0;
  if (n >= 0) lua_pushinteger(L, n);
  if (lua_pcall(L, nargs, 2, 0) != LUA_OK) {
    fprintf(stderr, "bench_lua: %s: %s\n", name, lua_tostring(L, -1));
    lua_pop(L, 1);
    return 1;
  }
  if (xy) {
    xy[0] = lua_tonumber(L, -2);
    xy[1] = lua_tonumber(L, -1);
  }
  lua_pop(L, 2);
  return 0;
}

/* Keep in '*best' the time of setup + M[name](STEPS), timing only the call. */
static int time_lua(lua_State *L, int mod, const char *name, double *best, double *xy) {
  if (call(L, mod, "setup", -1, NULL)) return 1;
  double t0 = bench_now();
  if (call(L, mod, name, STEPS, xy)) return 1;
  double dt = bench_now() - t0;
  if (dt < *best) *best = dt;
  return 0;
}

/* The larger componentwise difference (NaN if either is NaN). */
static double max_diff(const double *a, const double *b) {
  double d0 = fabs(a[0] - b[0]), d1 = fabs(a[1] - b[1]);
  return isnan(d0) || d0 > d1 ? d0 : d1;
}

int main(void) {
  lua_State *L = luaL_newstate();
  if (!L) return 1;
  luaL_openlibs(L);
  int rc = luaL_loadbuffer(L, lua_src, sizeof lua_src - 1, "=bench_lua");
  if (rc == LUA_OK) {
    luaL_requiref(L, "slope", luaopen_slope, 0);   /* the chunk's argument */
    rc = lua_pcall(L, 1, 1, 0);
  }
  if (rc != LUA_OK) {
    fprintf(stderr, "bench_lua: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return 1;
  }
  int mod = lua_gettop(L), bad = 0;
  double xs[2] = {0, 0}, xm[2] = {0, 0}, xh[2], ts = 1e300, tm = 1e300, th = 1e300;
  /* the three alternate, so a burst of load from elsewhere disturbs them alike */
  for (int r = 0; r < REPS && !bad; r++) {
    bad |= time_lua(L, mod, "steps", &ts, xs);
    bad |= time_lua(L, mod, "minimize", &tm, xm);
    xh[0] = -1.2;
    xh[1] = 1;
    double t0 = bench_now();
    hand_loop(xh, STEPS);
    double dt = bench_now() - t0;
    if (dt < th) th = dt;
  }
  lua_close(L);
  if (bad) return 1;
  double ds = max_diff(xs, xh), dm = max_diff(xm, xh);
  printf("lua opt:step(p) adam rosenbrock 1e6 steps: slope %.1f ns/step, hand C %.1f ns/step, "
         "ratio %.2f (target < 1000 ns/step)  [end points differ by %.1e]\n",
         ts * 1e9 / STEPS, th * 1e9 / STEPS, ts / th, ds);
  printf("lua slope.minimize adam rosenbrock 1e6 steps: slope %.1f ns/step, hand C %.1f ns/step, "
         "ratio %.2f  [end points differ by %.1e]\n", tm * 1e9 / STEPS, th * 1e9 / STEPS, tm / th, dm);
  if (!(ds <= 1e-9 && dm <= 1e-9)) {
    fprintf(stderr, "bench_lua: end points disagree: opt:step (%.17g, %.17g), minimize (%.17g, %.17g), "
            "C (%.17g, %.17g)\n", xs[0], xs[1], xm[0], xm[1], xh[0], xh[1]);
    return 1;
  }
  if (sink == 12345.678) printf("%g\n", sink);
  return 0;
}
