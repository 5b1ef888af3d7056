-- test_jit.lua -- native code from Lua: f:compile{ jit = ... }, slope.jit(fn),
-- fn:ccode{ gradient = true }, fn:grad(x, y, g) filling a table, and the
-- errors of each.  Values are checked against the closed form of Rosenbrock's
-- gradient and against the interpreter (jit = false), bit for bit.
-- Run from the repository root: build/slope tests/test_jit.lua
local check = dofile("tests/check.lua")
local plain = check.plain

local have_cc = os.execute("${CC:-cc} --version >/dev/null 2>&1") == true
if not have_cc then print("note: no C compiler here: native code is not expected") end

local rosen = slope.expr("(1 - x)^2 + 100*(y - x^2)^2")
local function hand(x, y)
  return (1 - x)^2 + 100*(y - x^2)^2, { -2*(1 - x) - 400*x*(y - x^2), 200*(y - x^2) }
end

-- the interpreter, and native code waited for
local fi = rosen:compile{ "x", "y", jit = false }
local fn = rosen:compile{ "x", "y", jit = "wait" }
local ji = slope.jit(fi)
check.eq(ji.native, false, "jit = false: the interpreter serves")
check.eq(ji.status, "interpreter: turned off", "jit = false: the status says so")
for _, p in ipairs{ { -1.2, 1 }, { 0.5, 0.25 }, { 3, -2 } } do
  local f1, g1 = fi:grad(p[1], p[2])
  local f2, g2 = fn:grad(p[1], p[2])
  local fh, gh = hand(p[1], p[2])
  check.eq(f2, f1, "native value = interpreter's, bit for bit")
  check.eq(g2, g1, "native gradient = interpreter's, bit for bit")
  check.near(f2, fh, 1e-14, "value against the closed form")
  check.near(g2[1], gh[1], 1e-14, "df/dx against the closed form")
  check.near(g2[2], gh[2], 1e-14, "df/dy against the closed form")
end
local jn = slope.jit(fn)
if have_cc then
  check.eq(jn.native, true, "jit = \"wait\": native code serves (" .. jn.status .. ")")
  check.ok(jn.compile_ms > 0, "the compile time is reported")
else
  check.eq(jn.native, false, "no compiler: the interpreter serves")
end
check.eq(type(jn.status), "string", "slope.jit(fn).status is text")

-- over data: mean squared error, every row
local x, y = {}, {}
for i = 1, 1000 do x[i] = math.sin(i); y[i] = 3*x[i] + 1 + 0.1*math.cos(3*i) end
local mse = slope.expr("mean((w*x + b - y)^2)")
local di = mse:compile({ "w", "b", jit = false }, { x = x, y = y })
local dn = mse:compile({ "w", "b", jit = "wait" }, { x = x, y = y })
local f1, g1 = di:grad(2.5, 0.5)
local f2, g2 = dn:grad(2.5, 0.5)
check.eq(f2, f1, "mse over data: native value = interpreter's")
check.eq(g2, g1, "mse over data: native gradient = interpreter's")
local s, sw, sb = 0, 0, 0
for i = 1, 1000 do local r = 2.5*x[i] + 0.5 - y[i]; s = s + r*r; sw = sw + 2*r*x[i]; sb = sb + 2*r end
check.near(f2, s / 1000, 1e-13, "mse against a hand loop")
check.near(g2[1], sw / 1000, 1e-13, "d mse/dw against a hand loop")
check.near(g2[2], sb / 1000, 1e-13, "d mse/db against a hand loop")

-- jit = true: compiled in the background, the interpreter serving meanwhile
local fb = rosen:compile{ "x", "y", jit = true }
local v = fb(1, 1)
check.eq(v, 0.0, "jit = true: the value while compiling")

-- fn:grad(x, y, g) fills and returns g; the value as before
local g = { 7, 7, 7 }
local f3, g3 = fn:grad(-1.2, 1, g)
local f4, g4 = fi:grad(-1.2, 1)
check.ok(rawequal(g3, g), "fn:grad(x, y, g) returns the table it filled")
check.eq(f3, f4, "fn:grad(x, y, g): the value")
check.eq({ g[1], g[2] }, g4, "fn:grad(x, y, g): the gradient")
check.eq(g[3], 7, "fn:grad(x, y, g) leaves other entries alone")
check.eq(select("#", fn:grad(-1.2, 1)), 2, "fn:grad(x, y) still returns the value and a new table")
check.err(function() fn:grad(-1.2, 1, 2) end, plain("the function takes 2 parameters, got 3"),
  "a number after the point is not an output table")

-- fn:grad_values(x, y): the value and the gradient's components as results,
-- against Rosenbrock's gradient written out by hand
do
  local x, y = -1.2, 1
  local r = { fn:grad_values(x, y) }
  check.eq(#r, 3, "fn:grad_values(x, y): three results")
  check.eq(r[1], (1 - x)^2 + 100 * (y - x^2)^2, "fn:grad_values: the value")
  check.near(r[2], -2 * (1 - x) - 400 * x * (y - x^2), 1e-12, "fn:grad_values: df/dx")
  check.near(r[3], 200 * (y - x^2), 1e-12, "fn:grad_values: df/dy")
  check.eq({ r[2], r[3] }, g4, "fn:grad_values: the bits fn:grad gives")
  check.err(function() fn:grad_values(1) end, plain("the function takes 2 parameters, got 1"),
    "fn:grad_values counts the parameters")
  check.err(function() fn.grad_values(rosen, 1, 2) end, "Function expected",
    "fn.grad_values on something else names what it wanted")
end

-- the C source
local src = fn:ccode{ gradient = true }
check.ok(src:find("void tape_native(", 1, true) ~= nil, "fn:ccode{ gradient = true }: the function")
check.ok(src:find("#include <math.h>", 1, true) ~= nil, "fn:ccode: includes math.h")
check.eq(fn:ccode(), src, "fn:ccode() is the same text")

-- errors
check.err(function() rosen:compile{ "x", "y", jit = "now" } end,
  plain('compile: jit must be false, true or "wait", got "now"'), "jit: a wrong string")
check.err(function() rosen:compile{ "x", "y", jit = 1 } end,
  plain('compile: jit must be false, true or "wait", got number'), "jit: a number")
check.err(function() rosen:compile{ "x", "y", jt = true } end, plain("did you mean 'jit'?"), "jit: a typo")
check.err(function() fn:ccode{ gradient = false } end, plain("ccode: gradient must be true"), "ccode: gradient = false")
check.err(function() fn:ccode{ gradeint = true } end, plain("did you mean 'gradient'?"), "ccode: a typo")
check.err(function() slope.jit(rosen) end, plain("slope.jit: expected a compiled function"), "slope.jit of an Expr")
check.err(function() slope.jit() end, plain("slope.jit: expected a compiled function (f:compile{...}), got no value"),
  "slope.jit of nothing")

check.done()
