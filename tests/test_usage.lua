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

check.done()
