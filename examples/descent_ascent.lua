-- descent_ascent.lua -- gradient descent and gradient ascent are one rule with
-- the sign flipped: descent steps against the gradient (x <- x - lr*f'(x)) and
-- walks down to a minimum, ascent steps along it (x <- x + lr*f'(x)) and
-- climbs to a maximum.
--
--   slope examples/descent_ascent.lua [outdir]
--
-- f(x) = x^2 - 4x + 1 is a valley with its bottom at x = 2; g(x) = -x^2 + 4x + 1
-- is a hill with its top at x = 2. slope.minimize walks down f, slope.maximize
-- walks up g, and both end at x = 2.

local outdir = arg and arg[1] or "."

-- 1. Down the valley and up the hill: slope works out the derivative itself.
local f = slope.expr "x^2 - 4*x + 1"
local g = slope.expr "-x^2 + 4*x + 1"
print(("f(x) = %s    f'(x) = %s"):format(tostring(f), tostring(f:diff "x")))
print(("g(x) = %s   g'(x) = %s"):format(tostring(g), tostring(g:diff "x")))
local down = slope.minimize(f, { x = 10 }, { lr = 0.1, steps = 50 })
local up = slope.maximize(g, { x = -6 }, { lr = 0.1, steps = 50 })
print(("descent on f from x = 10: x = %.6f  f = %.6f  (minimum f(2) = -3)"):format(down.x.x, down.f))
print(("ascent  on g from x = -6: x = %.6f  g = %.6f  (maximum g(2) =  5)"):format(up.x.x, up.f))
print()

-- 2. f(x) = x^2 from x = 10 with lr 0.1: each step is x <- x - 0.1*2x = 0.8*x,
--    so the k-th iterate is exactly 10*0.8^k. The trace holds every iterate.
local sq = slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 50 })
print("descent on x^2 from 10, lr 0.1:")
print("   k          x_k     10*0.8^k   gradient used")
for _, k in ipairs { 1, 2, 3, 4, 5, 10, 20, 50 } do
  local row = sq.trace[k]
  -- row k: the point after step k, and |f'| at the point step k started from
  print(("%4d %12.6f %12.6f %12.4f"):format(k, row.x.x, 10 * 0.8^k, row.grad_norm))
end
print(("after 50 steps x = %.3e (theory 10*0.8^50 = %.3e, the minimum is x = 0)"):format(sq.x.x, 10 * 0.8^50))
print()

-- 3. Ascent on -x^2 + 10 from x = -5: x <- x + 0.1*(-2x) = 0.8*x again, now
--    climbing to the maximum 10 at x = 0.
local h = slope.expr "-x^2 + 10"
local hfn = h:compile { "x" }          -- h as a plain function of x
local hill = slope.maximize(h, { x = -5 }, { lr = 0.1, steps = 50 })
print("ascent on -x^2 + 10 from -5, lr 0.1:")
for k = 1, 5 do
  local x = hill.trace[k].x.x
  print(("  step %d: x = %8.4f  f(x) = %8.4f"):format(k, x, hfn(x)))
end
print(("  after 50 steps: x = %.3e  f = %.6f (maximum 10 at x = 0)"):format(hill.x.x, hill.f))
print()

-- 4. Pictures: each path drawn on its curve (start circle, end star).
slope.plot.fn1d{ f = f, range = { -1, 10.5 }, path = down,
  title = "Descent on x^2 - 4x + 1: from x = 10 down to x = 2",
  file = outdir .. "/descent_ascent_min.svg" }
slope.plot.fn1d{ f = g, range = { -6.5, 6.5 }, path = up,
  title = "Ascent on -x^2 + 4x + 1: from x = -6 up to x = 2",
  file = outdir .. "/descent_ascent_max.svg" }
print("wrote " .. outdir .. "/descent_ascent_min.svg and " .. outdir .. "/descent_ascent_max.svg")
