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
#include <stdlib.h>
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
  "function M.plain_adam(n)\n"   /* the same Adam as a Lua user writes it, PyTorch's rule */
  "  local x, y, mx, my, vx, vy = -1.2, 1, 0, 0, 0, 0\n"
  "  local lr, b1, b2, eps, sqrt = 1e-3, 0.9, 0.999, 1e-8, math.sqrt\n"
  "  for k = 1, n do\n"
  "    local a, b = 1 - x, y - x * x\n"
  "    local db = 200 * b\n"
  "    local gx, gy = -2 * a - 2 * x * db, db\n"
  "    local bc1, bc2s = 1 - b1 ^ k, sqrt(1 - b2 ^ k)\n"
  "    mx = mx * b1 + (1 - b1) * gx; vx = vx * b2 + (1 - b2) * gx * gx\n"
  "    my = my * b1 + (1 - b1) * gy; vy = vy * b2 + (1 - b2) * gy * gy\n"
  "    x = x + -(lr / bc1) * (mx / (sqrt(vx) / bc2s + eps))\n"
  "    y = y + -(lr / bc1) * (my / (sqrt(vy) / bc2s + eps))\n"
  "  end\n"
  "  return x, y\n"
  "end\n"
  "function M.minimize(n)\n"
  "  r = slope.minimize(f, { x = -1.2, y = 1 }, { optimizer = opt, steps = n, trace = false })\n"
  "  return r.x.x, r.x.y\n"
  "end\n"
  "local fn = f:compile{ 'x', 'y', jit = false }   -- interpreted until M.native()\n"
  "local function plain(x, y) local a, b = 1 - x, y - x*x; return a*a + 100*b*b, { -2*a - 400*x*b, 200*b } end\n"
  "local function plain_into(x, y, g) local a, b = 1 - x, y - x*x; g[1], g[2] = -2*a - 400*x*b, 200*b; return a*a + 100*b*b end\n"
  "function M.grad(n) local s = 0; for i = 1, n do local v, g = fn:grad(-1.2 + i*1e-9, 1); s = s + g[1] end; return s, 0 end\n"
  "function M.grad_into(n) local s, g = 0, {}; for i = 1, n do fn:grad(-1.2 + i*1e-9, 1, g); s = s + g[1] end; return s, 0 end\n"
  "function M.plain(n) local s = 0; for i = 1, n do local v, g = plain(-1.2 + i*1e-9, 1); s = s + g[1] end; return s, 0 end\n"
  "function M.plain_into(n) local s, g = 0, {}; for i = 1, n do plain_into(-1.2 + i*1e-9, 1, g); s = s + g[1] end; return s, 0 end\n"
  "local function plain_values(x, y) local a, b = 1 - x, y - x*x; return a*a + 100*b*b, -2*a - 400*x*b, 200*b end\n"
  "function M.grad_values(n) local s = 0; for i = 1, n do local v, gx = fn:grad_values(-1.2 + i*1e-9, 1); s = s + gx end; return s, 0 end\n"
  "function M.plain_values(n) local s = 0; for i = 1, n do local v, gx = plain_values(-1.2 + i*1e-9, 1); s = s + gx end; return s, 0 end\n"
  "function M.native() fn = f:compile{ 'x', 'y', jit = 'wait' }; fn(0, 0); return slope.jit(fn).native and 1 or 0, slope.jit(fn).compile_ms end\n"
  "return M\n";

/* The same steps in C: PyTorch's Adam (pow-based bias correction) with the
** gradient arranged as the tape computes it, so the end points agree exactly. */
/* The same Adam with the bias corrections kept as running products (what a
** person writes when not matching PyTorch bit for bit: no pow per step). */
static void hand_loop_products(double *x, long steps) {
  const double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  double m[2] = {0, 0}, v[2] = {0, 0}, g[2], p1 = 1, p2 = 1;
  for (long k = 1; k <= steps; k++) {
    double a = 1 - x[0], b = x[1] - x[0] * x[0], db = 200 * b;
    g[0] = -2 * a - 2 * x[0] * db;
    g[1] = db;
    sink += a * a + 100 * b * b;
    p1 *= b1;
    p2 *= b2;
    double bc1 = 1 - p1, bc2_sqrt = sqrt(1 - p2);
    for (int i = 0; i < 2; i++) {
      m[i] = m[i] * b1 + (1 - b1) * g[i];
      v[i] = v[i] * b2 + (1 - b2) * g[i] * g[i];
      double denom = sqrt(v[i]) / bc2_sqrt + eps;
      x[i] += -(lr / bc1) * (m[i] / denom);
    }
  }
}

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
  setvbuf(stdout, NULL, _IOLBF, 0);
  /* a cache of its own, so the compile time printed is a compile, not a load */
  char cache[] = "/tmp/slope-bench-XXXXXX", cmd[64];
  if (mkdtemp(cache)) setenv("XDG_CACHE_HOME", cache, 1);
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
  /* fn:grad(x, y), fn:grad(x, y, g) and fn:grad_values(x, y) against plain
  ** Lua doing the same, interpreted and native */
  double tg[2][3] = {{1e300, 1e300, 1e300}, {1e300, 1e300, 1e300}}, tp[3] = {1e300, 1e300, 1e300};
  double xn[2] = {0, 0};
  static const char *const gname[2][3] = {{"grad", "grad_into", "grad_values"},
                                          {"plain", "plain_into", "plain_values"}};
  for (int native = 0; native < 2 && !bad; native++) {
    if (native && (call(L, mod, "native", -1, xn) || xn[0] != 1)) break;
    for (int r = 0; r < REPS && !bad; r++)
      for (int k = 0; k < 3; k++) {
        bad |= time_lua(L, mod, gname[0][k], &tg[native][k], NULL);
        if (!native) bad |= time_lua(L, mod, gname[1][k], &tp[k], NULL);
      }
  }
  printf("lua fn:grad(x, y) rosenbrock: interpreted %.1f ns, native %.1f ns; plain Lua returning a "
         "table %.1f ns\n", tg[0][0] * 1e9 / STEPS, tg[1][0] * 1e9 / STEPS, tp[0] * 1e9 / STEPS);
  printf("lua fn:grad(x, y, g) rosenbrock: interpreted %.1f ns, native %.1f ns; plain "
         "Lua filling a table %.1f ns\n", tg[0][1] * 1e9 / STEPS, tg[1][1] * 1e9 / STEPS, tp[1] * 1e9 / STEPS);
  printf("lua fn:grad_values(x, y) rosenbrock: interpreted %.1f ns, native %.1f ns (target <= 60); plain "
         "Lua returning three numbers %.1f ns\n", tg[0][2] * 1e9 / STEPS, tg[1][2] * 1e9 / STEPS,
         tp[2] * 1e9 / STEPS);
  if (xn[0] == 1)   /* the problem below has the same tape, so the same C: the cache has it */
    printf("lua fn:grad rosenbrock, native: compiled in %.0f ms (opt:step and slope.minimize below, "
           "native, load the same code from the cache)\n", xn[1]);
  /* opt:step and slope.minimize interpreted (SLOPE_JIT=0), then with native
  ** code compiled at the first evaluation (SLOPE_JIT=1) */
  for (int native = 0; native < 2 && !bad; native++) {
  setenv("SLOPE_JIT", native ? "1" : "0", 1);
  double xs[2] = {0, 0}, xm[2] = {0, 0}, xh[2], ts = 1e300, tm = 1e300, th = 1e300, tp2 = 1e300;
  double xl[2] = {0, 0}, tl = 1e300;
  /* the three alternate, so a burst of load from elsewhere disturbs them alike */
  for (int r = 0; r < REPS && !bad; r++) {
    bad |= time_lua(L, mod, "steps", &ts, xs);
    bad |= time_lua(L, mod, "minimize", &tm, xm);
    if (native) bad |= time_lua(L, mod, "plain_adam", &tl, xl);
    xh[0] = -1.2;
    xh[1] = 1;
    double t0 = bench_now();
    hand_loop(xh, STEPS);
    double dt = bench_now() - t0;
    if (dt < th) th = dt;
    double xp[2] = {-1.2, 1};
    t0 = bench_now();
    hand_loop_products(xp, STEPS);
    dt = bench_now() - t0;
    if (dt < tp2) tp2 = dt;
  }
  if (bad) break;
  double ds = max_diff(xs, xh), dm = max_diff(xm, xh);
  const char *how = native ? ", native" : "";
  printf("lua opt:step(p) adam rosenbrock 1e6 steps%s: slope %.1f ns/step, hand C %.1f ns/step, "
         "ratio %.2f (target %s)  [end points differ by %.1e]\n", how,
         ts * 1e9 / STEPS, th * 1e9 / STEPS, ts / th, native ? "<= 100 ns/step" : "< 1000 ns/step", ds);
  printf("lua slope.minimize adam rosenbrock 1e6 steps%s: slope %.1f ns/step, hand C %.1f ns/step, "
         "ratio %.2f  [end points differ by %.1e]\n", how, tm * 1e9 / STEPS, th * 1e9 / STEPS, tm / th, dm);
  printf("lua slope.minimize adam rosenbrock 1e6 steps%s against running products: hand C %.1f ns/step, "
         "ratio %.2f%s\n", how, tp2 * 1e9 / STEPS, tm / tp2, native ? " (target <= 1.2)" : "");
  if (native)
    printf("lua opt:step(p) adam rosenbrock, native: %.1f ns/step; the same Adam in plain Lua %.1f ns/step: "
           "opt:step %.2fx faster  [end points differ by %.1e]\n", ts * 1e9 / STEPS, tl * 1e9 / STEPS, tl / ts,
           max_diff(xl, xh));
  if (!(ds <= 1e-9 && dm <= 1e-9)) {
    fprintf(stderr, "bench_lua: end points disagree: opt:step (%.17g, %.17g), minimize (%.17g, %.17g), "
            "C (%.17g, %.17g)\n", xs[0], xs[1], xm[0], xm[1], xh[0], xh[1]);
    bad = 1;
  }
  }
  lua_close(L);
  snprintf(cmd, sizeof cmd, "rm -rf %s", cache);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", cache);
  if (bad) return 1;
  if (sink == 12345.678) printf("%g\n", sink);
  return 0;
}
