-- test_usage.lua -- what a new user tripped over (issue 10), each checked
-- against an independent reference: PyTorch's update rules written out as
-- hand loops here, closed forms, and the messages a newcomer needs.
-- Run from the repository root: build/slope tests/test_usage.lua
local check = dofile("tests/check.lua")

-- ---- 1. maximize from the optimizer ------------------------------------------------------

-- PyTorch's SGD (torch/optim/sgd.py, _single_tensor_sgd) for one step of
-- every parameter: g = -g when maximizing, buf = g (first step) or
-- momentum*buf + g, x -= lr*buf.
local function torch_sgd(grad, x, steps, lr, momentum, maximize)
  local buf = {}
  for _ = 1, steps do
    local g = grad(x)
    for i = 1, #x do
      local d = maximize and -g[i] or g[i]
      if momentum ~= 0 then
        buf[i] = buf[i] and momentum * buf[i] + d or d
        d = buf[i]
      end
      x[i] = x[i] - lr * d
    end
  end
  return x
end

do -- f = -(x-1)^2 - 0.5*(y+2)^2 has its maximum at (1, -2)
  local f = "-(x - 1)^2 - 0.5*(y + 2)^2"
  local grad = function(p) return { -2 * (p[1] - 1), -(p[2] + 2) } end
  for _, case in ipairs{ { 0, "plain" }, { 0.9, "momentum 0.9" } } do
    local mom, label = case[1], case[2]
    local hand = torch_sgd(grad, { 3, 1 }, 12, 0.1, mom, true)
    local opt = slope.optim.sgd{ lr = 0.1, momentum = mom, maximize = true }
    local r = slope.minimize(f, { x = 3, y = 1 }, { optimizer = opt, steps = 12 })
    check.near(r.x.x, hand[1], 1e-15, "minimize with sgd{maximize = true} ascends as torch does (" .. label .. "): x")
    check.near(r.x.y, hand[2], 1e-15, "... and y (" .. label .. ")")
    check.ok(r.f > -(3 - 1)^2 - 0.5 * 9, "f went up (" .. label .. ")")
    check.eq(opt.maximize, true, "the optimizer keeps its maximize flag (" .. label .. ")")
    -- slope.maximize with the same optimizer ascends too (either one asks)
    local r2 = slope.maximize(f, { x = 3, y = 1 }, { optimizer = opt, steps = 12 })
    check.eq(r2.x, r.x, "maximize with sgd{maximize = true} is the same ascent (" .. label .. ")")
  end
  -- a plain optimizer still descends under minimize (f = (x-1)^2 + ...)
  local hand = torch_sgd(function(p) return { 2 * (p[1] - 1) } end, { 3 }, 5, 0.1, 0, false)
  local r = slope.minimize("(x - 1)^2", { x = 3 }, { optimizer = slope.optim.sgd{ lr = 0.1 }, steps = 5 })
  check.near(r.x.x, hand[1], 1e-15, "sgd without maximize descends")
end

-- ---- 2. a run that blows up without reaching inf ---------------------------------------

do -- badly scaled data: x in the hundreds, lr 1e-4 makes each step 14 times too long
  local X, Y = { 100, 200, 300, 400 }, { 201, 401, 601, 801 }
  local ds = slope.data{ x = X, y = Y }
  local function fg(w, b)
    local f, gw, gb = 0, 0, 0
    for i = 1, 4 do
      local e = w * X[i] + b - Y[i]
      f, gw, gb = f + e * e, gw + 2 * e * X[i], gb + 2 * e
    end
    return f / 4, gw / 4, gb / 4
  end
  -- the hand loop: plain GD until f rises more than 1e12*(1 + f0) above f0
  local w, b = 0, 0
  local f0 = fg(w, b)
  local bad, lastw, lastb
  for k = 1, 100 do
    local _, gw, gb = fg(w, b)
    lastw, lastb = w, b
    w, b = w - 1e-4 * gw, b - 1e-4 * gb
    if fg(w, b) - f0 > 1e12 * (1 + f0) then bad = k break end
  end
  check.ok(bad ~= nil and bad < 20, "hand loop: the bound is passed early, at step " .. tostring(bad))
  local r = slope.minimize("mean((w*x + b - y)^2)", { w = 0, b = 0 }, { data = ds, lr = 1e-4, steps = 100 })
  check.eq(r.status, "diverged", "f grows without inf: diverged, not max_steps")
  check.eq(r.steps, bad, "the step whose update passed the bound")
  check.near(r.x.w, lastw, 1e-12 * math.abs(lastw), "the last good point is kept: w")
  check.near(r.x.b, lastb, 1e-12 * math.max(1, math.abs(lastb)), "the last good point is kept: b")
  check.ok(r.message:find("f rose from " .. string.format("%.4g", f0) .. " at the start to ", 1, true) ~= nil,
           "the message says f rose from its start: " .. r.message)
  local kept = string.format("the last point within bounds is kept (w = %.4g, b = %.4g). ", lastw, lastb)
  check.ok(r.message:find(kept .. "Try a smaller learning rate (lr = 0.0001 now) or clipping", 1, true) ~= nil,
           "the message gives the last good point and the advice: " .. r.message)
end

do -- maximizing x^2 (unbounded above): x_k = 1.2^k passes 1e150 long before x^2 overflows
  local x, bad, last = 1.0, nil, nil
  for k = 1, 3000 do
    last = x
    x = x + 0.1 * 2 * x
    if math.abs(x) > 1e150 then bad = k break end
  end
  check.eq(bad, math.ceil(150 / math.log(1.2, 10)), "hand loop: 1.2^k > 1e150 first at k = 1895")
  local r = slope.maximize("x^2", { x = 1 }, { lr = 0.1, steps = 3000 })
  check.eq({ r.status, r.steps, r.x.x }, { "diverged", bad, last }, "diverged at the step that passed 1e150, x_{k-1} kept")
  check.ok(r.message:find("f is unbounded above: it has no maximum to find", 1, true) ~= nil, "unbounded above: " .. r.message)
  check.ok(r.message:find("smaller learning rate", 1, true) == nil, "no learning rate advice: " .. r.message)
  -- exp(x) overflows to inf within four steps: x = 0, 1, 1 + e, 1 + e + e^(1 + e)
  local x3 = 1 + math.exp(1) + math.exp(1 + math.exp(1))
  r = slope.maximize("exp(x)", { x = 0 }, { lr = 1, steps = 10 })
  check.eq({ r.status, r.steps, r.x.x }, { "diverged", 4, x3 }, "exp: f = inf after step 4, x_3 kept")
  check.ok(r.message:find("f = inf at x = ", 1, true) and r.message:find("f is unbounded above", 1, true),
           "exp: unbounded above: " .. r.message)
  -- minimizing a bounded function with too large a step keeps the old advice
  r = slope.maximize("-x^2", { x = 1 }, { lr = 10, steps = 100 })
  check.ok(r.status == "diverged" and r.message:find("f fell from -1 at the start to ", 1, true)
           and r.message:find("Try a smaller learning rate", 1, true), "maximize -x^2 with lr 10: " .. r.message)
end

-- ---- 3. each trace row describes one point -----------------------------------------------

do -- x^2 from 10, lr 0.1: x_k = 10*0.8^k, so row k has f = 100*0.64^k, |g| = 20*0.8^k
  local r = slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 5 })
  check.eq(#r.trace, 5, "rows 0..5")
  local ok = true
  for k = 0, 5 do
    local row, xk = r.trace[k], 10 * 0.8^k
    ok = ok and math.abs(row.x.x - xk) <= 1e-14 * xk and math.abs(row.f - xk * xk) <= 1e-13 * xk * xk
      and math.abs(row.grad_norm - 2 * xk) <= 1e-14 * xk and row.lr == 0.1
  end
  check.ok(ok, "row k holds x_k, f(x_k) and |f'(x_k)|, the closed forms")
  check.ok(r.trace[1].f < r.trace[0].f, "no flat start: f(x_1) = 64 < f(x_0) = 100")
  check.eq(r.trace[5].f, r.f, "the last row's f is the result's f")
end

do -- mini-batch: batch_f is step k's batch loss; f over all rows only with trace_full
  local X = { 1, 2, 3, 4 }
  local ds = slope.data{ x = X }
  local function full(w)   -- mean((w - x)^2) and its derivative over all rows
    local f, g = 0, 0
    for i = 1, 4 do f, g = f + (w - X[i])^2, g + 2 * (w - X[i]) end
    return f / 4, math.abs(g / 4)
  end
  local opts = { data = ds, batch = 1, epochs = 2, lr = 0.1 }
  local r = slope.minimize("mean((w - x)^2)", { w = 0 }, opts)
  opts.trace_full = true
  local rf = slope.minimize("mean((w - x)^2)", { w = 0 }, opts)
  check.eq(rf.x, r.x, "trace_full does not change the run")
  local w, ok, ok_full, nan = 0, true, true, true
  for k = 1, 8 do
    local xi = X[(k - 1) % 4 + 1]
    local bf = (w - xi)^2          -- the batch loss of step k, at x_{k-1}
    w = w - 0.1 * 2 * (w - xi)
    local row, rowf = r.trace[k], rf.trace[k]
    ok = ok and row.batch_f == bf and row.x.w == w and rowf.batch_f == bf
    nan = nan and row.f ~= row.f and row.grad_norm ~= row.grad_norm
    local f, g = full(w)
    ok_full = ok_full and math.abs(rowf.f - f) <= 1e-15 * f and math.abs(rowf.grad_norm - g) <= 1e-15 * math.max(g, 1)
  end
  check.ok(ok, "batch_f: the loss of each step's batch (one row, in order)")
  check.ok(nan, "without trace_full, f and grad_norm of a mini-batch row are nan")
  check.ok(ok_full, "with trace_full, f and grad_norm over all rows at x_k")
  check.eq({ r.trace[0].f, r.trace[0].grad_norm }, { full(0) }, "row 0: f over all rows at the start, free")
  local path = os.tmpname()
  rf.trace:csv(path)
  local fh = io.open(path)
  local header, first = fh:read("l"), fh:read("l")
  fh:close()
  os.remove(path)
  check.eq(header, "step,f,lr,grad_norm,batch_f,nfev,w", "csv: a batch_f column in mini-batch runs")
  check.eq(first, "0,7.5,0.10000000000000001,5,nan,1,0", "csv: row 0 (after 1 evaluation)")
  check.err(function() slope.minimize("x^2", { x = 1 }, { trace_full = 1 }) end,
            "minimize: trace_full must be true or false, got number", "trace_full is a boolean")
end

-- ---- 4. log lines of a large model -------------------------------------------------------

-- The output of a script run by build/slope.
local function run_script(src)
  local path = os.tmpname()
  local fh = assert(io.open(path, "w"))
  fh:write(src)
  fh:close()
  local p = assert(io.popen("build/slope " .. path .. " 2>&1"))
  local out = p:read("a")
  p:close()
  os.remove(path)
  return out
end

do -- 33 parameters p1..p33, f = sum (p_i - i)^2: the lines show f, |g| and lr, and say once where the rest is
  local out = run_script([[
    local terms, start = {}, {}
    for i = 1, 33 do terms[i] = ("(p%d - %d)^2"):format(i, i); start["p" .. i] = 0 end
    local f = table.concat(terms, " + ")
    slope.minimize(f, start, { lr = 0.1, steps = 4, log = 2 })
    print("--")
    slope.minimize(f, start, { lr = 0.1, steps = 2, log = 2, log_params = { "p3", "p1" } })
    print("--")
    slope.minimize(f, start, { lr = 0.1, steps = 2, log = 2, log_params = true })
    print("--")
    slope.minimize("(a - 1)^2 + 6*(b - 1)^2", { a = 0, b = 0 }, { lr = 0.01, steps = 2, log = 2, params = { "a", "b" } })
  ]])
  local parts = {}
  for part in (out .. "--\n"):gmatch("(.-)%-%-\n") do parts[#parts + 1] = part end
  -- f at step 2 is f(x_1) with x_1 = 0.2*i: sum (0.8 i)^2 = 0.64 * 33*34*67/6; |g| = 2*0.8*sqrt(sum i^2), lr 0.1
  local sumsq = 33 * 34 * 67 / 6
  local line2 = ("step 2  f = %.5g  |g| = %.4g  lr = 0.1   (33 parameters, not shown: they are in the trace; "
                 .. "log_params = true or a list of names shows them)\n"):format(0.64 * sumsq, 1.6 * math.sqrt(sumsq))
  local line4 = ("step 4  f = %.5g  |g| = %.4g  lr = 0.1\n"):format(0.8^6 * sumsq, 2 * 0.8^3 * math.sqrt(sumsq))
  check.eq(parts[1], line2 .. line4, "33 parameters: f, |g| and lr, the note once")
  check.eq(parts[2], ("step 2  f = %.5g  p3 = 1.08  p1 = 0.36\n"):format(0.64 * sumsq), "log_params = a list of names")
  check.ok(select(2, parts[3]:gsub(" p%d+ = ", "")) == 33, "log_params = true: all 33")
  check.eq(parts[4], "step 2  f = 5.6068  a = 0.0396  b = 0.2256\n", "a small model still shows every parameter")
end

-- ---- 5. variables in the order they were written -------------------------------------------

do -- names no earlier line of this script met, so the first meeting is the one written here
  local e = slope.expr "(wq*xq + bq - yq)^2"
  check.eq(e:vars(), { "wq", "xq", "bq", "yq" }, "(wq*xq + bq - yq)^2: as written")
  local g = e:grad()
  check.eq(tostring(g[1]), tostring(e:diff "wq"), ":grad()[1] is d/dwq")
  check.eq(tostring(g[3]), tostring(e:diff "bq"), ":grad()[3] is d/dbq")
  local terms = {}
  for i = 1, 10 do terms[i] = ("(q%d - %d)^2"):format(i, i) end
  local f = slope.expr(table.concat(terms, " + "))
  local want = {}
  for i = 1, 10 do want[i] = "q" .. i end
  check.eq(f:vars(), want, "q1 .. q10, not q1 q10 q2")
  local start = {}
  for i = 1, 10 do start["q" .. i] = 0 end
  local r = slope.minimize(f, start, { lr = 0.1, steps = 1 })
  local path = os.tmpname()
  r.trace:csv(path)
  local fh = io.open(path)
  local header = fh:read("l")
  fh:close()
  os.remove(path)
  check.eq(header, "step,f,lr,grad_norm,nfev," .. table.concat(want, ","), "trace CSV columns in the written order")
  check.eq(slope.expr("k10 + k2*k1"):vars(), { "k10", "k2", "k1" }, "written order beats the names' order")
  -- built in Lua: slope.vars interns in the order given
  local zw, zx, zb = slope.vars("zw", "zx", "zb")
  check.eq((zb + zw * zx):vars(), { "zw", "zx", "zb" }, "slope.vars(\"zw\", \"zx\", \"zb\") sets the order")
  -- a Lua table has no order: its columns sort naturally
  check.eq(slope.data{ x10 = { 1 }, x2 = { 2 }, x1 = { 3 }, x02 = { 4 }, b = { 5 } }:columns(),
           { "b", "x1", "x02", "x2", "x10" }, "data columns of a table in natural order")
  local p = slope.problem("(wr*xr + br - 3)^2", { br = 0, xr = 1, wr = 2 })
  check.eq(p.params, { "wr", "xr", "br" }, "a problem's parameters in the written order")
end

-- ---- 7. habits from other languages --------------------------------------------------------

do
  local e = check.err(function() slope.expr "y + x**2" end, check.plain("1:6: '**' is not an operator: powers are written x^2"),
                      "x**2: say how powers are written")
  check.ok(tostring(e):find("y + x**2\n     ^", 1, true) ~= nil, "x**2: the caret under the first '*': " .. tostring(e))
  check.err(function() slope.minimize("e^x + x^2", { x = 1 }, { lr = 0.1 }) end,
            check.plain("unknown name 'e': not a parameter (x) or data column (none); if e is Euler's number, write exp(x) for e^x"),
            "e^x with e free: suggest exp(x)")
  local r = slope.minimize("e^x", { x = 1, e = 2 }, { lr = 0.1, steps = 1 })
  check.near(r.x.x, 1 - 0.1 * 2 * math.log(2), 1e-15, "e given a start value is a parameter like any other")
  check.err(function() slope.minimize("(y - yy)^2", { y = 1 }, { lr = 0.1 }) end, "unknown name 'yy'.*; did you mean 'y'%?$",
            "an unknown name other than e keeps its usual hint")
end

-- momentum = 0.9 as an option of the run (as in other libraries' fit calls)
-- points to the optimizer that has it, with the values given
check.err(function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, momentum = 0.9 }) end,
          check.plain("minimize: momentum is a hyperparameter of the optimizer, not an option of the run: "
          .. "write optimizer = slope.optim.sgd{ lr = 0.1, momentum = 0.9 }"), "momentum as a run option")
check.err(function() slope.maximize("-x^2", { x = 1 }, { betas = { 0.9, 0.99 } }) end,
          check.plain("write optimizer = slope.optim.adam{ betas = {0.9, 0.99} }"), "betas names adam")
check.err(function() slope.minimize("x^2", { x = 1 }, { optimizer = slope.optim.rmsprop{}, momentum = 0.5 }) end,
          check.plain("write optimizer = slope.optim.rmsprop{ momentum = 0.5 }"),
          "the given optimizer's kind when it has it")
check.err(function() slope.minimize("x^2", { x = 1 }, { lr = 0.1, momentom = 0.9 }) end,
          "unknown option 'momentom'", "a name no optimizer has is an unknown option")

check.done()
