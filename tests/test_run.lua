-- test_run.lua -- slope.minimize / slope.maximize end to end from Lua: the
-- tutorial scenarios, trace semantics, divergence, stopping, every misuse's
-- error message, opt:step(p) with slope.problem, and slope.compare.
-- Each trajectory is checked against a hand loop written here.
-- Run from the repository root: build/slope tests/test_run.lua
local check = dofile("tests/check.lua")
local plain = check.plain

-- ---- helpers ----------------------------------------------------------------------------

local all_finite = check.all_finite

-- ---- 1. tutorial scenarios -------------------------------------------------------------

do -- GD on mean((w*x+b-y)^2), X = 1..4, Y = 2x+1, lr 0.01 (plain sgd), 100 epochs full batch
  local X, Y = { 1, 2, 3, 4 }, { 3, 5, 7, 9 }
  local ds = slope.data{ x = X, y = Y }
  local r = slope.minimize("mean((w*x + b - y)^2)", { w = 0, b = 0 }, { data = ds, lr = 0.01, epochs = 100 })
  check.eq(r.status, "max_steps", "status")
  check.eq(r.steps, 100, "one step per epoch")
  check.eq(r.epochs, 100, "epochs")
  check.eq(#r.trace, 100, "#trace")
  local w, b = 0, 0
  local rows_ok = true
  for k = 0, 100 do
    -- row k: x_k with f and the gradient at x_k
    local f, gw, gb = 0, 0, 0
    for i = 1, 4 do
      local e = w * X[i] + b - Y[i]
      f, gw, gb = f + e * e, gw + 2 * e * X[i], gb + 2 * e
    end
    f, gw, gb = f / 4, gw / 4, gb / 4
    local row = r.trace[k]
    rows_ok = rows_ok and row.step == k and math.abs(row.f - f) <= 1e-12 * math.max(1, f)
      and math.abs(row.grad_norm - math.sqrt(gw * gw + gb * gb)) <= 1e-12 * math.max(1, row.grad_norm)
      and row.lr == 0.01
    rows_ok = rows_ok and math.abs(row.x.w - w) <= 1e-12 and math.abs(row.x.b - b) <= 1e-12
    if k == 100 then break end
    w, b = w - 0.01 * gw, b - 0.01 * gb
  end
  check.ok(rows_ok, "every trace row equals the hand loop to 1e-12")
  check.near(r.x.w, w, 1e-12, "w after 100 epochs")
  check.near(r.x.b, b, 1e-12, "b after 100 epochs")
  check.ok(math.abs(r.x.w - 2.072) < 5e-4 and math.abs(r.x.b - 0.788) < 5e-4, "the tutorial's w = 2.072, b = 0.788")
  local fend = 0
  for i = 1, 4 do fend = fend + (w * X[i] + b - Y[i])^2 end
  check.near(r.f, fend / 4, 1e-12, "r.f over all rows at the end")
  -- the same with an explicit optimizer, and with f built from Expr operators
  local w_, b_, x_, y_ = slope.var "w", slope.var "b", slope.var "x", slope.var "y"
  local r2 = slope.minimize(slope.mean((w_ * x_ + b_ - y_)^2), { w = 0, b = 0 },
    { data = ds, optimizer = slope.optim.sgd{ lr = 0.01 }, epochs = 100 })
  check.eq(r2.x, r.x, "optimizer = sgd{lr = 0.01} and Expr f give the same point bit for bit")
end

-- A descent on one parameter checked row by row against x -= sign*lr*g(x).
local function check_1d(label, run, f, g, x0, lr, steps, sign, closed)
  local r = run(f.text, { x = x0 }, { lr = lr, steps = steps })
  check.eq(r.steps, steps, label .. ": steps")
  check.eq(#r.trace, steps, label .. ": #trace")
  local t0 = r.trace[0]
  check.eq({ t0.step, t0.f, t0.grad_norm, t0.x.x }, { 0, f.fn(x0), math.abs(g(x0)), x0 }, label .. ": row 0 is the start")
  local x, ok, ok_closed = x0, true, true
  for k = 1, steps do
    local row = r.trace[k]
    x = x - sign * lr * g(x)
    ok = ok and row.step == k and row.x.x == x and row.f == f.fn(x) and row.grad_norm == math.abs(g(x)) and row.lr == lr
    if closed then ok_closed = ok_closed and math.abs(row.x.x - closed(k)) <= 1e-13 * math.max(1, math.abs(x)) end
  end
  check.ok(ok, label .. ": rows equal the hand loop exactly")
  check.ok(ok_closed, label .. ": rows equal the closed form")
  check.eq(r.x.x, x, label .. ": r.x")
  check.eq(r.f, f.fn(x), label .. ": r.f")
  return r
end

check_1d("x^2", slope.minimize, { text = "x^2", fn = function(x) return x * x end },
  function(x) return 2 * x end, 10, 0.1, 60, 1, function(k) return 10 * 0.8^k end)
local asc = check_1d("ascent", slope.maximize, { text = "-x^2 + 10", fn = function(x) return -(x * x) + 10 end },
  function(x) return -2 * x end, 3, 0.1, 60, -1, function(k) return 3 * 0.8^k end)
check.near(asc.f, 10, 1e-10, "ascent reaches the maximum 10")
check_1d("x^2+2x+1", slope.minimize, { text = "x^2 + 2*x + 1", fn = function(x) return x * x + 2 * x + 1 end },
  function(x) return 2 * x + 2 end, 5, 0.2, 15, 1, nil)

do -- x^2 + y^2 + xy + 2x + 3y + 5 from (4, 4), lr 0.1, 30 steps
  local r = slope.minimize("x^2 + y^2 + x*y + 2*x + 3*y + 5", { x = 4, y = 4 }, { lr = 0.1, steps = 30 })
  local x, y, ok = 4, 4, true
  for k = 1, 30 do
    local gx, gy = 2 * x + y + 2, 2 * y + x + 3
    x, y = x - 0.1 * gx, y - 0.1 * gy
    local row = r.trace[k]
    ok = ok and math.abs(row.x.x - x) <= 1e-14 and math.abs(row.x.y - y) <= 1e-14
  end
  check.ok(ok, "2-D quadratic: rows equal the hand loop")
  check.near(r.x.x, x, 1e-14, "2-D x")
  check.near(r.x.y, y, 1e-14, "2-D y")
  check.ok(math.abs(x + 1 / 3) < 0.1 and math.abs(y + 4 / 3) < 0.1, "near the minimum (-1/3, -4/3)")
end

-- ---- 2. trace semantics ----------------------------------------------------------------

do
  local r = slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 10, trace = 3 })
  check.eq(#r.trace, 3, "trace = 3: rows 0, 3, 6, 9")
  check.eq(r.trace:column "step", { 0, 3, 6, 9 }, "steps of the recorded rows")
  local x, fs, xs = 10, { 100 }, { 10 }
  for k = 1, 10 do
    x = x - 0.1 * 2 * x
    if k % 3 == 0 then fs[#fs + 1], xs[#xs + 1] = x * x, x end
  end
  check.eq(r.trace:column "f", fs, "trace:column 'f' (f at the recorded points)")
  check.eq(r.trace:column "x", xs, "trace:column 'x'")
  check.eq(r.trace[4], nil, "past the last row: nil")
  check.eq(r.trace[-1], nil, "negative row: nil")
  check.err(function() return r.trace:column "nope" end, "no column 'nope'", "unknown column")
  check.ok(tostring(r.trace):match("^slope%.Trace") ~= nil, "tostring(trace)")

  check.eq(slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 10, trace = false }).trace, nil, "trace = false: none")
  check.eq(#slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 10, trace = true }).trace, 10, "trace = true: every step")
  check.eq(#slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 10 }).trace, 10, "default: every step")

  -- row k: x after step k with f and grad_norm there, and step k's lr (from a schedule)
  local s = slope.schedule.step{ step_size = 2, gamma = 0.5 }
  local r2 = slope.minimize("x^2 + y^2", { x = 1, y = -2 }, { lr = 0.2, steps = 6, schedule = s })
  local px, py, ok = 1, -2, true
  for k = 1, 6 do
    local lr = 0.2 * 0.5^((k - 1) // 2)
    local row = r2.trace[k]
    px, py = px - lr * 2 * px, py - lr * 2 * py
    ok = ok and row.lr == lr and row.x.x == px and row.x.y == py
      and row.f == px * px + py * py and row.grad_norm == math.sqrt(4 * px * px + 4 * py * py)
  end
  check.ok(ok, "row k holds the point after step k, f and grad_norm there, and step k's lr")
  check.eq(r2.trace:column "lr", { 0.2, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05 }, "lr column (row 0: the rate at t = 0)")

  -- csv and json written to temp files and read back
  local path = os.tmpname()
  check.eq(r2.trace:csv(path), r2.trace, "trace:csv returns the trace")
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  check.eq(lines[1], "step,f,lr,grad_norm,nfev,x,y", "csv header")
  check.eq(#lines, 8, "csv: header and 7 rows")
  local ok_csv = true
  for k = 0, 6 do
    local v = {}
    for field in lines[k + 2]:gmatch("[^,]+") do v[#v + 1] = tonumber(field) end
    local row = r2.trace[k]
    ok_csv = ok_csv and #v == 7 and v[1] == row.step and v[2] == row.f and v[3] == row.lr
      and v[4] == row.grad_norm and v[5] == row.nfev and v[6] == row.x.x and v[7] == row.x.y
  end
  check.ok(ok_csv, "csv rows read back exactly")
  r2.trace:json(path)
  local fh = io.open(path)
  local text = fh:read "a"
  fh:close()
  os.remove(path)
  check.ok(text:find('"params": ["x", "y"]', 1, true) ~= nil, "json names the parameters")
  local k, ok_json = 0, true
  for step, f, lr, gn, x, y in text:gmatch('"step": (%d+), "f": ([^,]+), "lr": ([^,]+), "grad_norm": ([^,]+), "x": %[([^,]+), ([^%]]+)%]') do
    local row = r2.trace[k]
    ok_json = ok_json and tonumber(step) == row.step and tonumber(f) == row.f and tonumber(lr) == row.lr
      and tonumber(gn) == row.grad_norm and tonumber(x) == row.x.x and tonumber(y) == row.x.y
    k = k + 1
  end
  check.eq(k, 7, "json: 7 rows")
  check.ok(ok_json, "json rows read back exactly")
  check.err(function() r2.trace:csv "/nonexistent-dir/t.csv" end, plain "/nonexistent-dir/t.csv", "unwritable csv path")
end

-- ---- 3. divergence ---------------------------------------------------------------------

do -- x^2 from 1 with lr 10: x_k = (-19)^k until f rises more than 1e12*(1 + |f0|) above f0 = 1
  local r = slope.minimize("x^2", { x = 1 }, { lr = 10, steps = 1000 })
  local x, last, bad = 1.0, 1.0, nil
  for k = 1, 1000 do
    x = x - 10 * (2 * x)
    if x * x - 1 > 1e12 * 2 then bad = k break end
    last = x
  end
  check.eq(bad, 5, "hand loop: f = 361^5 = 6.1e12 at x_5 is past the bound")
  check.eq(r.status, "diverged", "lr 10: diverged")
  check.eq(r.x.x, last, "r.x is the last point within bounds")
  check.eq(r.f, last * last, "r.f is f there (finite)")
  check.eq(r.steps, bad, "r.steps: the step that went too far")
  check.ok(r.message:find("step 5: f rose from 1 at the start to 6.131e+12 at x = -2.476e+06", 1, true) ~= nil,
           "the message names the step and the growth: " .. r.message)
  check.ok(r.message:find("smaller learning rate", 1, true) ~= nil, "the message suggests a smaller learning rate")
  check.ok(all_finite(r), "nothing NaN or infinite in the result or its trace")
end

do -- log(x) from 1 with lr 2 steps to x = -1 where f is NaN
  local r = slope.minimize("log(x)", { x = 1 }, { lr = 2, steps = 10 })
  check.eq(r.status, "diverged", "log: diverged")
  check.eq(r.x.x, 1, "log: the start point is kept")
  check.eq(r.f, 0, "log: f at the start")
  check.eq(r.steps, 1, "log: diverged at step 1")
  check.ok(r.message:find("step 1:", 1, true) and r.message:find("smaller learning rate", 1, true), "log message: " .. r.message)
  check.ok(all_finite(r), "log: nothing NaN in the result")
  local r0 = slope.minimize("log(x)", { x = -1 }, { lr = 2, steps = 10 })
  check.eq({ r0.status, r0.steps, r0.x.x }, { "diverged", 0, -1 }, "f NaN at the start: no step")
  check.ok(r0.message:find("start point", 1, true) ~= nil, "the message says it is the start point")
  -- sqrt(x) at 0: f finite, the gradient infinite
  local r1 = slope.minimize("sqrt(x)", { x = 0.25 }, { lr = 0.25, steps = 10 })
  check.eq(r1.status, "diverged", "sqrt: infinite gradient at 0 diverges")
  check.eq(r1.x.x, 0.25, "sqrt: back to the last point with a finite gradient")
  check.ok(r1.message:find("gradient", 1, true) ~= nil, "sqrt message names the gradient")
end

-- ---- 7. stopping -----------------------------------------------------------------------

do -- tol.grad: converged once |g(x_j)| = 20*0.8^j <= 1e-3, with j updates made
  local r = slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 1000, tol = { grad = 1e-3 } })
  local x, j = 10, 0
  while math.abs(2 * x) > 1e-3 do x, j = x - 0.1 * 2 * x, j + 1 end
  check.eq({ r.status, r.steps, r.x.x }, { "converged", j, x }, "tol.grad: converged after 45 steps")
  check.eq(j, 45, "hand loop count")
  check.ok(r.message:find("<= tol.grad 0.001", 1, true), "the message says tol.grad, as the script wrote it: " .. r.message)
  -- tol.f: |f_k - f_(k-1)| <= 1e-6 with f_k computed during step k
  local r2 = slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 1000, tol = { f = 1e-6 } })
  local prev, k = 100, 0
  x = 10
  repeat
    local f = x * x
    x, k = x - 0.1 * 2 * x, k + 1
    local done = k > 1 and math.abs(f - prev) <= 1e-6
    prev = f
  until done
  check.eq({ r2.status, r2.steps, r2.x.x }, { "converged", k, x }, "tol.f: converged at the hand loop's step")
  check.ok(r2.message:find("<= tol.f 1e-06", 1, true), "the message says tol.f: " .. r2.message)
end

do -- on_step every 4 steps, stopping at step 12
  local seen = {}
  local r = slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 100, every = 4,
    on_step = function(s)
      seen[#seen + 1] = { s.step, s.f, s.x.x, s.lr, s.grad_norm, s.epoch }
      if s.step == 12 then return false end
    end })
  check.eq(r.status, "stopped", "on_step returning false stops")
  check.eq(r.steps, 12, "stopped at step 12")
  check.eq(#seen, 3, "called at steps 4, 8, 12")
  local x, ok = 10, true
  for k = 1, 12 do
    local f, g = x * x, 2 * x
    x = x - 0.1 * g
    if k % 4 == 0 then
      local s = seen[k // 4]
      ok = ok and s[1] == k and s[2] == f and s[3] == x and s[4] == 0.1 and s[5] == math.abs(g) and s[6] == k
    end
  end
  check.ok(ok, "s.step, s.f, s.x, s.lr, s.grad_norm, s.epoch as in the hand loop")
  check.eq(r.x.x, x, "r.x at the stop")
  -- returning nothing or true goes on
  local n = 0
  local r2 = slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 20, on_step = function() n = n + 1 return true end })
  check.eq({ r2.status, n }, { "max_steps", 20 }, "on_step returning true goes on")
  -- an error inside on_step is a Lua error from minimize
  check.err(function()
    slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 20, on_step = function(s)
      if s.step == 3 then error("boom at " .. s.step) end
    end })
  end, "boom at 3", "an error in on_step propagates")
  check.err(function()
    slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 20, schedule = function(t, base)
      if t == 5 then error("schedule broke") end
      return base
    end })
  end, "schedule broke", "an error in a schedule function propagates")
  check.err(function()
    slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 20, schedule = function() return "fast" end })
  end, "must return a number", "a schedule function returning a string")
  -- the time limit
  local t0 = os.clock()
  local r3 = slope.minimize("x^2", { x = 10 }, { lr = 1e-9, steps = 1e12, time = 0.05, trace = false })
  check.eq(r3.status, "stopped", "time limit: stopped")
  check.ok(r3.message:find("time limit", 1, true) ~= nil, "time limit message: " .. r3.message)
  check.ok(r3.steps > 0 and os.clock() - t0 < 5, "time limit: made steps, and stopped soon")
  -- slow steps (an objective that takes 10 ms of CPU) are not run 64 at a time past the limit
  local function slow(p)
    local t = os.clock()
    while os.clock() - t < 0.01 do end
    return p.x^2
  end
  local r4 = slope.minimize(slow, { x = 10 }, { optimizer = slope.optim.anneal{}, steps = 1000, time = 0.05, trace = false })
  check.eq(r4.status, "stopped", "time limit with slow steps: stopped")
  check.ok(r4.steps >= 1 and r4.steps <= 10, "time limit with slow steps: about 5 steps of 10 ms, got " .. r4.steps)
end

-- ---- 8. errors from Lua name the thing -------------------------------------------------

do
  local ds = slope.data{ x = { 1, 2, 3, 4 }, y = { 3, 5, 7, 9 } }
  local mse = "mean((w*x - y)^2)"
  local cases = {
    { function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, stpes = 10 }) end, "unknown option 'stpes'" },
    { function() slope.minimize("x*z", { x = 1 }, { lr = 0.1 }) end, "unknown name 'z'" },
    { function() slope.minimize("x^2", { x = 1, q = 2 }, { lr = 0.1 }) end, "'q' is not a variable of f" },
    { function() slope.minimize("sin(x)", { x = 1, sin = 2 }, { lr = 0.1 }) end, "'sin' is not a variable of f %(its variables: x%)$" },
    { function() slope.minimize("(w*x + b - y)^2", { w = 1, bb = 0, x = 1, y = 1 }, { lr = 0.1 }) end,
      "'bb' is not a variable of f %(its variables: w, x, b, y%); did you mean 'b'%?$" },
    { function() slope.minimize("2", { x = 1 }, { lr = 0.1 }) end, "'x' is not a variable of f %(it has no variables%)$" },
    { function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, batch = 2 }) end, "batch needs data" },
    { function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, epochs = 2 }) end, "epochs needs data" },
    { function() slope.minimize(mse, { w = 1 }, { lr = 0.1, data = ds, epochs = 2, steps = 3 }) end, "steps or epochs" },
    { function() slope.minimize(mse, { w = 1 }, { lr = { v = 0.1 }, data = ds }) end, "lr names 'v'" },
    { function() slope.minimize(mse, { w = 1 }, { lr = { w = "fast" }, data = ds }) end, "lr%.w must be a number" },
    { function() slope.minimize("x^2", { x = 1 }, { lr = "fast" }) end, "lr must be a number or a table" },
    { function() slope.minimize("x^2", { x = 1 }, {}) end, "give an optimizer" },
    { function() slope.minimize("x^2", { x = 1 }, { optimizer = 5 }) end, "optimizer must be an optimizer" },
    { function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, schedule = 5 }) end, "schedule must be a schedule" },
    { function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, trace = -1 }) end, "trace must be a whole number >= 0, got %-1" },
    { function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, steps = 1.5 }) end, "steps must be a whole number" },
    { function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, clip = { nrom = 1 } }) end, "clip: unknown option 'nrom'" },
    { function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, tol = { grd = 1 } }) end, "tol: unknown option 'grd'" },
    { function() slope.minimize("x^2", { x = "a" }, { lr = 0.1 }) end, "start value of 'x' must be a number" },
    { function() slope.minimize("x^2", {}, { lr = 0.1 }) end, "at least one parameter" },
    { function() slope.minimize("x^", { x = 1 }, { lr = 0.1 }) end, "1:3: expected an expression" },
    { function() slope.minimize("x*w", { w = 1 }, { lr = 0.1, data = ds }) end, "'x' is used outside mean/sum" },
    { function() slope.minimize("mean(x*w)", { x = 1, w = 1 }, { lr = 0.1, data = ds }) end, "'x' is both a parameter and a data column" },
    { function() slope.minimize(mse, { w = 1 }, { lr = 0.1, data = ds, batch = 5 }) end, "batch must be in %[1, 4%]" },
    { function() slope.minimize(mse, { w = 1 }, { lr = 0.1, data = ds, batch = 0 }) end, "batch must be \"full\" or an integer" },
    { function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, noise = { kind = "pink" } }) end, "unknown noise kind 'pink'" },
    { function() slope.minimize("x^2", { x = 1 }, { lr = -0.1 }) end, "lr must be >= 0" },
    { function() slope.maximize("x^2", { x = 1 }, { optimizer = slope.optim.sgd{ lr = 0.1 }, stpes = 1 }) end, "maximize: unknown option 'stpes'" },
    { function() slope.optim.adam{ lr = -1 } end, "adam: lr must be >= 0, got %-1" },
    { function() slope.optim.adam{ betas = { 1, 0.999 } } end, "adam: betas.* must be in %[0, 1%), got 1" },
    { function() slope.optim.sgd{ lr = 0.1, nesterov = true } end, "nesterov requires momentum > 0" },
    { function() slope.optim.adam{ lrr = 1 } end, "adam: unknown option 'lrr'" },
    { function() local o = slope.optim.adam{}; o.lr = -1 end, "adam: lr must be >= 0, got %-1" },
    { function() local o = slope.optim.adam{}; o.lrr = 1 end, "adam has no hyperparameter 'lrr'" },
    { function() return slope.optim.adam{}.lrr end, "adam has no field 'lrr'" },
    { function() slope.schedule.step{ step_size = 2, gama = 0.5 } end, "step has no argument 'gama'" },
    { function() slope.schedule.cosine{} end, "cosine: missing required argument 'T_max'" },
    { function() slope.schedule.cosine{ T_max = 10, per = "epch" } end, "per must be \"step\" or \"epoch\"" },
    { function() slope.noise.gaussian{ sd = 1 } end, "gaussian: unknown option 'sd'" },
    { function() slope.noise.gaussian{} end, "gaussian: missing option 'std'" },
    { function() slope.noise.gradient{ eta = -1 } end, "eta must be a number >= 0" },
    { function() slope.problem("x^2", { x = 1 }, { btach = 1 }) end, "problem: unknown option 'btach'" },
  }
  for i, c in ipairs(cases) do check.err(c[1], c[2], "error case " .. i .. ": " .. c[2]) end
end

-- ---- 9. opt:step(p) with slope.problem --------------------------------------------------

do -- 20 hand-written Adam steps equal slope.minimize's 20 steps bit for bit
  local rosen = "(1 - x)^2 + 100*(y - x^2)^2"
  local opt = slope.optim.adam{ lr = 0.02, betas = { 0.8, 0.99 } }
  local p = slope.problem(rosen, { x = -1.2, y = 1 }, { params = { "x", "y" } })
  check.eq(p.x, { x = -1.2, y = 1 }, "p.x is the start")
  check.eq(p.params, { "x", "y" }, "p.params as given")
  check.eq(slope.problem("mean((w*x + b - y)^2)", { b = 0, w = 1 }, { data = slope.data{ x = { 1 }, y = { 2 } } }).params,
    { "w", "b" }, "p.params by default in the order f reads")
  check.eq(p.f, (1 + 1.2)^2 + 100 * (1 - 1.44)^2, "p.f at the start")
  local fs, xs = {}, {}
  for k = 1, 20 do
    fs[k] = opt:step(p)
    xs[k] = p.x
  end
  local r = slope.minimize(rosen, { x = -1.2, y = 1 }, { optimizer = slope.optim.adam{ lr = 0.02, betas = { 0.8, 0.99 } }, steps = 20 })
  check.eq(p.x, r.x, "20 opt:step(p) equal minimize's 20 steps")
  local same = true
  -- opt:step returns f before its update: at x_{k-1}, the point of row k - 1
  for k = 1, 20 do same = same and r.trace[k - 1].f == fs[k] and r.trace[k].x.x == xs[k].x and r.trace[k].x.y == xs[k].y end
  check.ok(same, "every point and f along the way, bit for bit")
  -- minimize resets the optimizer, so the same object gives the same run again
  local r2 = slope.minimize(rosen, { x = -1.2, y = 1 }, { optimizer = opt, steps = 20 })
  check.eq(r2.x, r.x, "minimize starts the optimizer afresh")
  -- p.x can be set, one name or all
  p.x = { x = 0.5 }
  check.eq(p.x, { x = 0.5, y = xs[20].y }, "p.x = { x = 0.5 } moves x only")
  p.x = { x = 1, y = 1 }
  check.eq(p.f, 0, "p.f at the minimum")
  check.err(function() p.x = { z = 1 } end, "'z' is not a parameter", "p.x with an unknown name")
  check.err(function() p.x = { x = "a" } end, "x must be a number", "p.x with a string")
  check.err(function() p.y = 1 end, "only p.x can be set", "p.y =")
  -- p.x.x = v moves the point too (PyTorch users write param.data[...] = v):
  -- the next step starts there.  Reading p.x alone moves nothing.
  local q = slope.problem("(x - 3)^2", { x = 0 })
  local sgd = slope.optim.sgd{ lr = 0.25 }
  local seen = q.x
  check.eq(sgd:step(q), 9, "f before the first step")
  check.eq(q.x.x, 1.5, "x - 0.25*2(x - 3) from 0")
  check.eq(seen.x, 0, "a table p.x returned is a copy of the point then")
  q.x.x = 5
  check.eq(q.x, { x = 5 }, "p.x.x = 5 moved the point")
  check.eq(sgd:step(q), 4, "the next step starts from x = 5")
  check.eq(q.x.x, 4, "5 - 0.25*2(5 - 3)")
  local view = q.x
  view.x = 2
  check.eq(q.f, 1, "p.f sees p.x.x = 2")
  view.x = 7
  check.eq(q.x.x, 2, "only the last table p.x returned counts, once")
  q.x.x = "a"
  check.err(function() return q.f end, "p.x.x = string: a parameter's value must be a number", "p.x.x = 'a'")
  check.eq(q.f, 1, "the problem is usable after that error, at its last point")
  check.err(function() return p.nope end, "fields x, f, g and params", "p.nope")
  check.ok(tostring(p):match("^slope%.Problem") ~= nil, "tostring(p)")
  -- with data and batches, opt:step walks the batches in order
  local ds = slope.data{ x = { 1, 2, 3, 4 } }
  local pb = slope.problem("mean((w - x)^2)", { w = 0 }, { data = ds, batch = 2 })
  local s = slope.optim.sgd{ lr = 0.1 }
  local w, ok = 0, true
  for k = 1, 4 do
    local a, b = k % 2 == 1 and 1 or 3, k % 2 == 1 and 2 or 4
    local f = ((w - a)^2 + (w - b)^2) / 2
    ok = ok and s:step(pb) == f
    w = w - 0.1 * ((w - a) + (w - b))
    ok = ok and math.abs(pb.x.w - w) <= 1e-15
  end
  check.ok(ok, "opt:step(p) on batches of 2, in row order")
end

-- ---- 10. slope.compare ---------------------------------------------------------------------

do
  local f = slope.expr "(1 - x)^2 + 100*(y - x^2)^2"
  local opts = { sgd = slope.optim.sgd{ lr = 1e-3, momentum = 0.9 }, adam = slope.optim.adam{ lr = 0.02 },
                 rms = slope.optim.rmsprop{ lr = 0.01 } }
  local res = slope.compare{ f = f, start = { x = -1.2, y = 1 }, optimizers = opts, steps = 50 }
  local n = 0
  for name, r in pairs(res) do
    n = n + 1
    local alone = slope.minimize(f, { x = -1.2, y = 1 }, { optimizer = opts[name], steps = 50 })
    check.eq({ r.x, r.f, r.steps, r.status }, { alone.x, alone.f, alone.steps, alone.status }, "compare: " .. name .. " equals its own run")
    check.eq(r.trace:column "f", alone.trace:column "f", "compare: " .. name .. " trace")
  end
  check.eq(n, 3, "compare: one result per optimizer")
  local text = tostring(res)
  check.ok(text:find("adam", 1, true) and text:find("rms", 1, true) and text:find("sgd", 1, true), "compare summary lists every optimizer")
  -- maximize in compare
  local mx = slope.compare{ f = "-x^2 + 10", start = { x = 3 }, optimizers = { g = slope.optim.sgd{ lr = 0.1 } }, steps = 5, maximize = true }
  check.eq(mx.g.x.x, slope.maximize("-x^2 + 10", { x = 3 }, { lr = 0.1, steps = 5 }).x.x, "compare with maximize")
  check.err(function() slope.compare{ f = f, start = { x = 1, y = 1 }, optimizers = {} } end, "optimizers", "compare without optimizers")
  check.err(function() slope.compare{ f = f, optimizers = opts } end, "start", "compare without start")
  check.err(function() slope.compare{ f = f, start = { x = 1, y = 1 }, optimizers = opts, stpes = 3 } end,
    "unknown option 'stpes'", "compare passes unknown options on to minimize's check")
end

check.done()
