-- test_bounds.lua -- issue 15's run infrastructure from Lua: bounds (every
-- registered kind ends on the bound of (x - 3)^2 in [0, 1], the sampling
-- ones within their tolerance of it), value-only Lua
-- objectives for the derivative-free kinds, nfev in results and traces,
-- and slope.gradcheck against hand-made right and wrong gradients.
local check = dofile("tests/check.lua")

-- every optimizer kind, by walking slope.optim (the registry)
local kinds = {}
for kind in pairs(slope.optim) do kinds[#kinds + 1] = kind end
table.sort(kinds)
check.ok(#kinds >= 14, "the registry walk finds the kinds")

-- ---- 1. bounds ---------------------------------------------------------------------

-- (x - 3)^2 on [0, 1]: the minimum of the box is its edge x = 1, exactly
-- (the projection clamps to the bound itself); maximizing -(x - 3)^2 too
-- The sampling kinds end where their own convergence rule stops them, inside
-- the box and close to the bound: SciPy's de lands on it only through its
-- L-BFGS-B polish, which slope's de does not do.
local samplers = { cmaes = true, de = true }
local function on_bound(x, kind, what)
  if samplers[kind] then check.ok(x <= 1 and 1 - x < 1e-3, kind .. ": " .. what .. " ends within 1e-3 of 1: " .. x)
  else check.eq(x, 1, kind .. ": " .. what .. " ends at 1") end
end
for _, kind in ipairs(kinds) do
  local r = slope.minimize("(x - 3)^2", { x = 0.5 },
                           { optimizer = slope.optim[kind] {}, steps = 2000, seed = 3, bounds = { x = { 0, 1 } } })
  on_bound(r.x.x, kind, "(x - 3)^2 in [0, 1]")
  local inside = true
  for k = 0, #r.trace do inside = inside and r.trace[k].x.x >= 0 and r.trace[k].x.x <= 1 end
  check.ok(inside, kind .. ": every trace row lies in the box")
  local m = slope.maximize("-(x - 3)^2", { x = 0.5 },
                           { optimizer = slope.optim[kind] {}, steps = 2000, seed = 3, bounds = { x = { 0, 1 } } })
  on_bound(m.x.x, kind, "maximize -(x - 3)^2 in [0, 1]")
end

-- several parameters bounded separately (one open on a side, one not bounded):
-- the box's minimum of (x-3)^2 + (y+2)^2 + (z-5)^2 + (w-1)^2 is (1, -1, 5, 1)
do
  local f = "(x - 3)^2 + (y + 2)^2 + (z - 5)^2 + (w - 1)^2"
  local r = slope.minimize(f, { x = 0.5, y = 0, z = 0, w = 0 },
                           { optimizer = slope.optim.adam { lr = 0.05 }, steps = 3000,
                             bounds = { x = { 0, 1 }, y = { -1, 1 }, z = { -math.huge, 10 } } })
  check.eq(r.x.x, 1, "x stops at its upper bound")
  check.eq(r.x.y, -1, "y stops at its lower bound")
  check.near(r.x.z, 5, 1e-6, "z's bound is not active")
  check.near(r.x.w, 1, 1e-6, "w is unbounded")
end

-- plain descent projected by hand: x <- clamp(x - lr * 2 (x - 3), 0, 0.9)
do
  local r = slope.minimize("(x - 3)^2", { x = 0.1 }, { lr = 0.01, steps = 50, bounds = { x = { 0, 0.9 } } })
  local x, same = 0.1, true
  for k = 1, 50 do
    x = math.min(math.max(x - 0.01 * (2 * (x - 3)), 0), 0.9)
    same = same and r.trace[k].x.x == x
  end
  check.ok(same, "each row is the update clamped into the box, bit for bit")
end

-- slope.compare passes bounds to every run
do
  local res = slope.compare { f = "(x - 3)^2", start = { x = 0 }, steps = 500, bounds = { x = { -1, 2 } },
                              optimizers = { sgd = slope.optim.sgd { lr = 0.1 }, adam = slope.optim.adam { lr = 0.1 } } }
  check.eq(res.sgd.x.x, 2, "compare: sgd ends on the bound")
  check.eq(res.adam.x.x, 2, "compare: adam ends on the bound")
end

-- a run without bounds after one with them on the same optimizer is unbounded
do
  local opt = slope.optim.sgd { lr = 0.1 }
  slope.minimize("(x - 3)^2", { x = 0 }, { optimizer = opt, steps = 10, bounds = { x = { 0, 1 } } })
  local r = slope.minimize("(x - 3)^2", { x = 0 }, { optimizer = opt, steps = 200 })
  check.near(r.x.x, 3, 1e-9, "the box does not outlive its run")
end

-- slope.problem's bounds: opt:step clamps into them, by hand bit for bit;
-- the same optimizer on a problem without bounds is not held back
do
  local p = slope.problem("(x - 3)^2 + (y + 1)^2", { x = 0.5, y = 0 }, { bounds = { x = { 0, 1 } } })
  local opt = slope.optim.sgd { lr = 0.1 }
  local x, y, same = 0.5, 0, true
  for _ = 1, 60 do
    opt:step(p)
    x = math.min(math.max(x - 0.1 * (2 * (x - 3)), 0), 1)
    y = y - 0.1 * (2 * (y + 1))
    same = same and p.x.x == x and p.x.y == y
  end
  check.ok(same, "opt:step on a bounded problem: the update clamped, bit for bit")
  check.eq(p.x.x, 1, "x held at its bound")
  local q = slope.problem("(x - 3)^2", { x = 0.5 })
  for _ = 1, 200 do opt:step(q) end
  check.near(q.x.x, 3, 1e-9, "the next problem, without bounds, is not clamped")
  check.err(function() slope.problem("x^2", { x = 2 }, { bounds = { x = { 0, 1 } } }) end,
            "problem: the start of 'x' is 2, outside its bounds %[0, 1%]", "problem: start outside the box")
end

-- errors name the parameter
check.err(function() slope.minimize("x^2 + y^2", { x = 1, y = 1 }, { lr = 0.1, bounds = { yy = { 0, 1 } } }) end,
          "bounds names 'yy', which is not a parameter %(parameters: x, y%); did you mean 'y'%?", "unknown name")
check.err(function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, bounds = { x = { 2, 1 } } }) end,
          "bounds.x must have lo <= hi", "lo > hi")
check.err(function() slope.minimize("x^2", { x = 5 }, { lr = 0.1, bounds = { x = { 0, 1 } } }) end,
          "the start of 'x' is 5, outside its bounds %[0, 1%]", "start outside the box")
check.err(function() slope.minimize("x^2", { x = 0.5 }, { lr = 0.1, bounds = { x = 1 } }) end,
          "bounds.x must be a pair of numbers", "not a pair")
check.err(function() slope.minimize("x^2", { x = 0.5 }, { lr = 0.1, bounds = 1 }) end,
          "bounds must be a table", "not a table")

-- ---- 2. value-only Lua objectives --------------------------------------------------

-- anneal on a plain function reaches what it reaches on the same expression,
-- bit for bit: the values it sees are the same numbers
do
  local opts = function() return { optimizer = slope.optim.anneal {}, steps = 500, seed = 7 } end
  local fn = slope.minimize(function(p) return (p.x - 1)^2 + 2 * (p.y + 0.5)^2 end, { x = 3, y = 2 }, opts())
  local ex = slope.minimize("(x - 1)^2 + 2*(y + 0.5)^2", { x = 3, y = 2 }, opts())
  check.eq(fn.x, ex.x, "anneal: a Lua function and the expression give the same run")
  check.eq(fn.f, ex.f, "anneal: the same final f")
  check.ok(fn.grad_norm ~= fn.grad_norm, "a value-only run has no gradient norm (nan)")
  check.ok(fn.trace[3].grad_norm ~= fn.trace[3].grad_norm, "nor do its trace rows")
  check.eq(fn.nfev, ex.nfev, "the same number of evaluations")
end

-- every kind: a derivative-free one runs on a function, one that needs the
-- gradient is refused with the message naming the derivative-free kinds
local free = {}
for _, kind in ipairs(kinds) do
  local calls = 0
  local ok, r = pcall(slope.minimize, function(p) calls = calls + 1; return (p.x - 2)^2 end, { x = 0 },
                      { optimizer = slope.optim[kind] {}, steps = 50, seed = 1, bounds = { x = { -5, 5 } } })
  if ok then
    free[#free + 1] = kind
    check.eq(r.nfev, calls, kind .. ": r.nfev counts every call of the function")
    check.ok(r.f <= 4, kind .. ": the function's value went down from the start")
  else
    check.ok(tostring(r):find("derivative-free optimizer (", 1, true) ~= nil, kind .. ": refused with the reason")
  end
end
check.ok(table.concat(free, " "):find("anneal", 1, true) ~= nil, "anneal takes a Lua function")
check.ok(#free < #kinds, "the gradient kinds refuse it")

-- the function may use anything Lua has, slope cannot differentiate it
do
  local r = slope.minimize(function(p) return math.abs(math.floor(p.x * 10) / 10 - 0.3) end, { x = 2 },
                           { optimizer = slope.optim.anneal {}, steps = 2000, seed = 1 })
  check.ok(r.f < 0.05, "a step function is minimized by anneal (f = " .. r.f .. ")")
end

-- an error inside the function stops the run with the function's message
check.err(function()
  slope.minimize(function(p) if p.x < 0.9 then error("too small") end return p.x^2 end, { x = 1 },
                 { optimizer = slope.optim.anneal {}, steps = 100, seed = 1 })
end, "too small", "the function's own error")
check.err(function()
  slope.minimize(function(p) return "x" end, { x = 1 }, { optimizer = slope.optim.anneal {} })
end, "the objective function must return a number, got string", "a value that is not a number")
check.err(function()
  slope.minimize(function(p) return p.x^2 end, { x = 1 }, { optimizer = slope.optim.anneal {}, tol = { grad = 1e-3 } })
end, "tol_grad needs a gradient", "tol.grad on values only")
check.err(function()
  slope.minimize(function(p) return p.x^2 end, { x = 1 }, { optimizer = slope.optim.anneal {}, clip = { norm = 1 } })
end, "clipping needs a gradient", "clip on values only")
-- after a failed call, slope works as before
check.eq(slope.minimize("x^2", { x = 1 }, { lr = 0.25, steps = 1 }).x.x, 0.5, "a run after the errors")

-- slope.problem: p.f and opt:step with a derivative-free kind
do
  local p = slope.problem(function(q) return (q.a - 1)^2 + q.b^2 end, { a = 0, b = 2 })
  check.eq(p.params, { "a", "b" }, "a function's parameters in alphabetical order")
  check.eq(p.f, 5, "p.f calls the function")
  local opt = slope.optim.anneal {}
  local f0 = opt:step(p)
  check.eq(f0, 5, "opt:step returns f before the step")
  check.err(function() slope.optim.sgd { lr = 0.1 }:step(p) end, "needs the gradient", "sgd:step on values only")
  local q = slope.problem(function() error("bad f") end, { a = 0 })
  check.err(function() return q.f end, "bad f", "p.f raises the function's error")
end

-- ---- 3. nfev -------------------------------------------------------------------------

do
  -- plain descent: the start, one evaluation per step, the final point
  local r = slope.minimize("x^2", { x = 1 }, { lr = 0.1, steps = 20 })
  check.eq(r.nfev, 22, "sgd: 1 + 20 + 1 evaluations")
  check.eq(r.trace[0].nfev, 1, "row 0: the start's evaluation")
  local ok = true
  for k = 1, 19 do ok = ok and r.trace[k].nfev == k + 2 end
  check.ok(ok, "row k (k < 20) is recorded after k + 2 evaluations")
  check.eq(r.trace[20].nfev, 22, "the last row: after the final evaluation")
  check.eq(r.trace:column "nfev"[21], 22, "t:column 'nfev'")
  -- anneal: its proposals' evaluations count too; the function counts them
  local calls = 0
  local lb = slope.minimize(function(p) calls = calls + 1; return (p.x - 1)^2 end, { x = 0 },
                            { optimizer = slope.optim.anneal {}, steps = 30, seed = 2 })
  check.eq(lb.nfev, calls, "anneal: nfev is the number of calls of the function")
  check.eq(lb.trace[#lb.trace].nfev, calls, "and the last row's nfev")
  local csv = os.tmpname()
  r.trace:csv(csv)
  local fh = io.open(csv)
  local header, row0 = fh:read("l"), fh:read("l")
  fh:close()
  os.remove(csv)
  check.eq(header, "step,f,lr,grad_norm,nfev,x", "csv: an nfev column")
  check.eq(row0:match("^0,[^,]+,[^,]+,[^,]+,(%d+),"), "1", "csv: row 0's nfev")
end

-- ---- 4. slope.gradcheck ---------------------------------------------------------------

local function fun(p)
  return p.x^2 * p.y + math.sin(p.y) + math.exp(p.z),
         { x = 2 * p.x * p.y, y = p.x^2 + math.cos(p.y), z = math.exp(p.z) }
end
do
  local r = slope.gradcheck(fun, { x = 1.5, y = -0.7, z = 0.3 })
  check.ok(r.ok, "a right gradient passes: " .. tostring(r))
  check.ok(r.max_error < 1e-8, "central differences agree to 1e-8 (" .. r.max_error .. ")")
  check.near(r.f, 1.5^2 * -0.7 + math.sin(-0.7) + math.exp(0.3), 1e-15, "report.f")
  check.ok(tostring(r):find("^gradcheck ok: max error") ~= nil, "tostring: one line")
  for _, name in ipairs { "x", "y", "z" } do
    local wrong = function(p) local f, g = fun(p); g[name] = g[name] * 1.01; return f, g end
    local w = slope.gradcheck(wrong, { x = 1.5, y = -0.7, z = 0.3 })
    check.ok(not w.ok, "1% off in " .. name .. " is caught")
    check.eq(w.worst.name, name, "the worst coordinate is " .. name)
    local _, g = fun { x = 1.5, y = -0.7, z = 0.3 }
    check.eq(w.worst.analytic, g[name] * 1.01, "worst.analytic is what fun gave")
    check.near(w.worst.numeric, g[name], 1e-8 * math.max(1, math.abs(g[name])), "worst.numeric is the true derivative")
    check.near(w.max_error, 0.01 * math.abs(g[name]) / math.max(1, math.abs(g[name] * 1.01)), 1e-8,
               "max_error follows the documented formula")
    check.ok(tostring(w):find("^gradcheck FAILED: max error 0.0%d+ at '" .. name .. "'") ~= nil,
             "tostring names the failure: " .. tostring(w))
  end
  -- large coordinates: the step scales with |x| and the error is relative
  local big = slope.gradcheck(function(p) return p.u^3, { u = 3 * p.u^2 } end, { u = 1e4 })
  check.ok(big.ok, "x = 1e4: " .. tostring(big))
  check.near(big.worst.step, 1e4 * 6.0554544523933e-06, 1e-12, "the step is cbrt(eps) * |x|")
  -- tol is the threshold
  local loose = slope.gradcheck(function(p) return p.x^2, { x = 2 * p.x * 1.001 } end, { x = 1 }, { tol = 1e-2 })
  check.ok(loose.ok and loose.tol == 1e-2, "tol = 1e-2 passes a 0.1% error")
end
check.err(function() slope.gradcheck(function() error("inside") end, { x = 1 }) end, "inside", "the function's error")
check.err(function() slope.gradcheck(function(p) return p.x, {} end, { x = 1 }) end,
          "gradient has no number for 'x'", "a missing partial derivative")
check.err(function() slope.gradcheck(function(p) return 0/0, { x = 1 } end, { x = 1 }) end,
          "gradcheck: f = %-?nan", "f not finite")
check.err(function() slope.gradcheck(fun, { x = 1 }, { tol = -1 }) end, "tol must be a number > 0", "bad tol")
check.err(function() slope.gradcheck(fun, { x = 1 }, { step = 1 }) end, "unknown option 'step'", "unknown option")
check.err(function() slope.gradcheck(fun, {}) end, "at least one parameter", "empty point")

check.done()
