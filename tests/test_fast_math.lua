-- test_fast_math.lua -- fast_math from Lua: f:compile{ fast_math = true },
-- slope.minimize{ fast_math = true }, slope.jit(fn).fast_math, and their
-- errors.  The references: the hand-computed value and gradient of a
-- logistic loss (Lua's math.exp and math.log, the <math.h> functions), which
-- fast_math must match to 1e-14 relative, and the exact compiled function,
-- which the default must match bit for bit.
-- Run from the repository root: build/slope tests/test_fast_math.lua
local check = dofile("tests/check.lua")

local N = 2000
local x, y = {}, {}
for i = 1, N do x[i] = 4 * math.sin(0.37 * i); y[i] = (i % 3 == 0) and -1 or 1 end
local ds = slope.data{ x = x, y = y }
local f = slope.expr "mean(softplus(-y*(w*x + b)) + 0.01*tanh(w*x)^2)"

-- the value and gradient by hand, with the <math.h> functions
local function hand(w, b)
  local s, gw, gb = 0, 0, 0
  for i = 1, N do
    local u = -y[i] * (w * x[i] + b)
    local sp = u > 0 and u + math.log(1 + math.exp(-u)) or math.log(1 + math.exp(u))
    local sg = u >= 0 and 1 / (1 + math.exp(-u)) or math.exp(u) / (1 + math.exp(u))
    local t = (math.exp(2 * w * x[i]) - 1) / (math.exp(2 * w * x[i]) + 1)
    s = s + sp + 0.01 * t * t
    gw = gw - sg * y[i] * x[i] + 0.01 * 2 * t * (1 - t * t) * x[i]
    gb = gb - sg * y[i]
  end
  return s / N, { gw / N, gb / N }
end

local exact = f:compile({ "w", "b", jit = false }, ds)
local fast = f:compile({ "w", "b", fast_math = true }, ds)
local lanes = slope.jit(fast).fast_math
check.ok(lanes == 0 or lanes == 2 or lanes == 4, "fast_math lanes " .. tostring(lanes))
check.eq(slope.jit(exact).fast_math, 0, "exact by default")
if lanes == 0 then print("note: libmvec cannot be loaded here: fast_math stays exact") end
for _, p in ipairs{ { 0.3, -0.2 }, { -1.5, 0.7 }, { 4, 2 } } do
  local hv, hg = hand(p[1], p[2])
  local ev, eg = exact:grad(p[1], p[2])
  local fv, fg = fast:grad(p[1], p[2])
  check.near(ev, hv, 1e-12, "exact value against the hand loop")
  check.near(fv, ev, 1e-14, "fast_math value within 1e-14 of exact")
  check.near(fg[1], eg[1], 1e-13, "fast_math d/dw")
  check.near(fg[2], eg[2], 1e-13, "fast_math d/db")
  check.near(eg[1], hg[1], 1e-10, "exact d/dw against the hand loop")
end
-- fast_math = false is the default: the same bits
local off = f:compile({ "w", "b", fast_math = false, jit = false }, ds)
check.eq(off(0.3, -0.2), exact(0.3, -0.2), "fast_math = false is exact")

-- a run: the same steps to rounding
local opts = { data = ds, steps = 100, lr = 0.05 }
local r0 = slope.minimize(f, { w = 0, b = 0 }, opts)
opts.fast_math = true
local r1 = slope.minimize(f, { w = 0, b = 0 }, opts)
check.near(r1.f, r0.f, 1e-12, "fast_math run's f")
check.near(r1.x.w, r0.x.w, 1e-10, "fast_math run's w")

-- errors
check.err(function() return f:compile({ "w", "b", fast_math = 1 }, ds) end,
  "compile: fast_math must be true or false, got 1")
check.err(function() return f:compile({ "w", "b", fast_mat = true }, ds) end, "did you mean 'fast_math'")
check.err(function() return slope.minimize(f, { w = 0, b = 0 }, { data = ds, steps = 1, lr = 0.1, fast_math = "yes" }) end,
  "minimize: fast_math must be true or false")
-- with threads (once refused): the 2000 rows are one chunk, which the calling thread's tape
-- evaluates as the tape without threads does: the same run bit for bit
local r2 = slope.minimize(f, { w = 0, b = 0 }, { data = ds, steps = 100, lr = 0.05, fast_math = true, threads = 2 })
check.eq(r2.f, r1.f, "fast_math with threads: f as without threads")
check.eq(r2.x.w, r1.x.w, "fast_math with threads: w as without threads")
check.err(function() return slope.minimize(f, { w = 0, b = 0 }, { data = ds, steps = 1, lr = 0.1, fast_math = 0, threads = 2 }) end,
  "minimize: fast_math must be true or false, got 0")
check.done()
