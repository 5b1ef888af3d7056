-- test_errors.lua -- errors do not outlive their call, seen from Lua.
--
-- Each case makes one kind of failure happen and checks its message; then
-- an unrelated call must succeed with the right value: d/dx x^2 prints as
-- 2*x and is 6 at x = 3 (by hand).  A run whose schedule sets an invalid
-- beta fails with the setter's message naming the schedule, instead of
-- reporting max_steps and poisoning the next call (issue 10).

local slope = require "slope"
local check = dofile("tests/check.lua")
local plain = check.plain

local function unrelated(after)
  local ok, d = pcall(function() return slope.expr("x^2"):diff("x") end)
  check.ok(ok, "after " .. after .. ": x^2 differentiates (" .. tostring(d) .. ")")
  if not ok then return end
  check.eq(tostring(d), "2*x", "after " .. after .. ": d/dx x^2")
  check.eq(d:eval{ x = 3 }, 6, "after " .. after .. ": 2*x at 3")
end

-- adam with a onecycle schedule whose max_momentum sets beta1 = 1
local function onecycle_adam()
  return slope.minimize(slope.expr "(x - 1)^2", { x = 0 }, {
    optimizer = slope.optim.adam{ lr = 0.1 },
    schedule = slope.schedule.onecycle{ max_lr = 0.1, total_steps = 10, max_momentum = 1 },
    steps = 10 })
end
check.err(onecycle_adam,
          plain "step 1: the onecycle schedule set an invalid momentum: adam: betas[1] must be in [0, 1), got 1",
          "a schedule setting beta1 = 1 fails the run")
unrelated("a schedule that set an invalid beta")
-- twice in a row: the second failure reports itself in full
check.err(onecycle_adam, plain "adam: betas[1] must be in [0, 1), got 1", "the same failure again")
unrelated("the same failure again")

-- the same schedule with valid momenta runs, and the optimizer keeps the last beta1
do
  local opt = slope.optim.adam{ lr = 0.1 }
  local r = slope.minimize("(x - 1)^2", { x = 0 }, {
    optimizer = opt, steps = 10,
    schedule = slope.schedule.onecycle{ max_lr = 0.1, total_steps = 10, max_momentum = 0.9 } })
  check.eq(r.status, "max_steps", "onecycle with max_momentum 0.9 runs")
  check.eq(r.steps, 10, "all 10 steps")
  -- the last step (t = 9) ends the second phase at max_momentum
  check.near(opt.betas[1], 0.9, 1e-15, "beta1 back at max_momentum after the cycle")
end

-- a syntax error, an unknown function, an unknown variable in eval
check.err(function() return slope.expr "x +" end, plain "1:4:", "syntax error")
unrelated("a syntax error")
check.err(function() return slope.expr "sinn(x)" end, plain "unknown function 'sinn'", "unknown function")
unrelated("an unknown function")
check.err(function() return slope.expr("x + y"):eval{ x = 1 } end, "'y'", "unbound variable")
unrelated("an unbound variable")

-- bad hyperparameters, at construction and by assignment
check.err(function() return slope.optim.adam{ betas = { 0.9, 1.5 } } end,
          plain "betas[2] must be in [0, 1), got 1.5", "beta2 out of range")
unrelated("a bad hyperparameter")
do
  local opt = slope.optim.sgd{ lr = 0.1 }
  check.err(function() opt.lr = -1 end, plain "lr must be", "lr out of range")
  unrelated("an out-of-range setter")
  opt.lr = 0.25   -- a valid value after the failure is taken
  check.eq(opt.lr, 0.25, "lr set after a failed set")
  -- one sgd step on (x - 1)^2 from 0 with lr 0.25: x = 0 - 0.25*(-2) = 0.5
  local r = slope.minimize("(x - 1)^2", { x = 0 }, { optimizer = opt, steps = 1 })
  check.eq(r.x.x, 0.5, "the optimizer works after its failed set")
end
check.err(function() return slope.optim.adamm{} end, "adamm", "unknown optimizer")
unrelated("an unknown optimizer")

-- a schedule that cannot compute, a schedule function that raises
check.err(function() return slope.schedule.cosine{} end, plain "cosine: missing required argument 'T_max'",
          "cosine without T_max")
unrelated("a schedule without T_max")
check.err(function()
  return slope.minimize("x^2", { x = 1 }, { lr = 0.1, steps = 5, schedule = function(t, base)
    if t == 2 then error("schedule boom") end
    return base
  end })
end, "schedule boom", "a schedule function that raises")
unrelated("a schedule function that raised")
check.err(function()
  return slope.minimize("x^2", { x = 1 }, { lr = 0.1, steps = 5, on_step = function(s)
    if s.step == 3 then error("on_step boom") end
  end })
end, "on_step boom", "an on_step that raises")
unrelated("an on_step that raised")

-- a missing checkpoint, a bad CSV file
check.err(function() return slope.minimize("x^2", { x = 1 }, { lr = 0.1, steps = 5, resume = "/nonexistent/slope.ckpt" }) end,
          plain "/nonexistent/slope.ckpt", "resuming a missing checkpoint")
unrelated("a missing checkpoint")
check.err(function() return slope.data.csv "tests/data/bad_number.csv" end,
          plain "tests/data/bad_number.csv:7: column 2 ('y'): 'abc' is not a number", "bad CSV")
unrelated("a bad CSV file")

-- after every failure above, a run still gives the right answer: x_k = 0.8^k * 10
local r = slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 3 })
check.eq(r.status, "max_steps", "a good run")
check.near(r.x.x, 10 * 0.8^3, 1e-15, "x after 3 steps of gradient descent")

check.done()
