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

check.done()
