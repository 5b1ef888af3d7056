-- test_eval.lua -- held-out evaluation of a run: eval = { test = ds, every =
-- "epoch" | k } gives r.eval, rows { epoch, step, train, test } computed by
-- hand here (mean of squared residuals at the recorded point), and the run's
-- trajectory is the same bit for bit with and without it.
-- Run from the repository root: build/slope tests/test_eval.lua
local check = dofile("tests/check.lua")
local plain = check.plain

local data = slope.data.regression{ n = 250, w = { 2, -1 }, b = 0.5, noise = 0.2, seed = 11 }
local train, test = data:split(0.8, 4)
local f = slope.expr "mean((w1*x1 + w2*x2 + b - y)^2)"
local start = { w1 = 0, w2 = 0, b = 0 }

-- the loss by hand over a data set at point p
local function mse(ds, p)
  local x1, x2, y = ds:column "x1", ds:column "x2", ds:column "y"
  local s = 0
  for i = 1, #y do s = s + (p.w1 * x1[i] + p.w2 * x2[i] + p.b - y[i]) ^ 2 end
  return s / #y
end

local function opts(extra)
  local o = { data = train, epochs = 4, batch = 32, shuffle = true, seed = 7,
              optimizer = slope.optim.sgd{ lr = 0.05, momentum = 0.9 } }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

-- ---- the trajectory does not change ---------------------------------------------

local points = {}
local plain_run = slope.minimize(f, start, opts())
local with = slope.minimize(f, start, opts{ eval = { test = test },
  on_step = function(s) points[s.step] = { w1 = s.x.w1, w2 = s.x.w2, b = s.x.b } end })
check.eq(#with.trace, #plain_run.trace, "same number of trace rows")
local same = true
for i = 1, #plain_run.trace do
  local a, b = plain_run.trace[i], with.trace[i]
  for k, v in pairs(a) do if type(v) == "number" and v == v and b[k] ~= v then same = false end end
end
check.ok(same, "every trace row bit for bit the same with eval")
check.eq(with.x, plain_run.x, "same final point")
check.eq(with.f, plain_run.f, "same final f")
check.eq(with.nfev, plain_run.nfev, "evaluation is not counted in nfev")

-- ---- the rows -----------------------------------------------------------------------

local per_epoch = math.ceil(#train / 32)
check.eq(#with.eval, 5, "a row at the start and at each of 4 epochs' ends")
check.eq(with.eval:columns(), { "epoch", "step", "train", "test" }, "columns")
for i, row in ipairs(with.eval) do
  check.eq(row.epoch, i - 1, "row " .. i .. " epoch")
  check.eq(row.step, (i - 1) * per_epoch, "row " .. i .. " step")
  local p = i == 1 and start or points[row.step]
  check.near(row.train, mse(train, p), 1e-12, "row " .. i .. " train by hand")
  check.near(row.test, mse(test, p), 1e-12, "row " .. i .. " test by hand")
end
check.eq(with.eval[5].train, with.f, "the last row's train is the run's f")
check.ok(with.eval[5].test < with.eval[1].test / 10, "the test loss falls")
check.eq(with.eval:column "test"[2], with.eval[2].test, "column")
local series = with.eval:series()
check.eq(series.train, with.eval:column "train", "series train")
check.eq(series.test, with.eval:column "test", "series test")
check.err(function() with.eval:column "nope" end, plain "no column 'nope' (columns: epoch, step, train, test)", "column name")

-- every = k steps, two sets in sorted order, no data needed
local r = slope.minimize(f, start, opts{ eval = { every = 3, zz = test, aa = train } })
check.eq(r.eval:columns(), { "epoch", "step", "train", "aa", "zz" }, "sets sorted by name")
check.eq(#r.eval, 1 + (4 * per_epoch) // 3, "a row every 3 steps")
check.eq(r.eval[3].step, 6, "third row at step 6")
check.eq(r.eval[3].aa, r.eval[3].train, "the training set as a named set")
local q = slope.minimize("(a - 3)^2", { a = 0 }, { lr = 0.1, steps = 10, eval = { every = 5 } })
check.eq(#q.eval, 3, "steps-only run: rows at 0, 5, 10")
-- a_k - 3 = -3 * 0.8^k, so f = (3 * 0.8^k)^2
check.near(q.eval[3].train, (3 * 0.8 ^ 10) ^ 2, 1e-12, "f at step 10 in closed form")

-- the script's on_step keeps its own every
local calls = 0
slope.minimize(f, start, opts{ every = 4, eval = { test = test }, on_step = function() calls = calls + 1 end })
check.eq(calls, (4 * per_epoch) // 4, "on_step every 4 steps")

-- ---- files ----------------------------------------------------------------------------

local csv = os.tmpname()
with.eval:csv(csv)
local back = slope.data.csv(csv)
check.eq(back:column "test", with.eval:column "test", "csv reads back exactly")
check.eq(back:column "step", with.eval:column "step", "csv steps")
local json = os.tmpname()
with.eval:json(json)
local text = io.open(json):read("a")
local rows = require("slope.textio").decode(text)
check.eq(rows[4].test, with.eval[4].test, "json reads back exactly")
check.eq(rows[5].epoch, 4, "json epoch")
check.eq(select(2, text:gsub("{", "")), 5, "json: five objects")
os.remove(csv); os.remove(json)
check.err(function() with.eval:csv(3) end, "expected a file name", "csv path")

local svg = os.tmpname()
with.eval:plot{ file = svg, log = true }
local pic = io.open(svg):read("a")
os.remove(svg)
check.ok(pic:find("<svg", 1, true) and pic:find('data-name="test"', 1, true) and pic:find('data-name="train"', 1, true),
         "eval:plot draws the train and test curves")
check.ok(pic:find(">epoch</text>", 1, true) ~= nil, "over epochs")
check.err(function() with.eval:plot{ x = "lr" } end, plain 'eval:plot: x must be "epoch" or "step", got lr', "plot x")

-- ---- errors ---------------------------------------------------------------------------

check.err(function() slope.minimize(f, start, opts{ eval = 3 }) end, plain "eval must be a table", "eval type")
check.err(function() slope.minimize(f, start, opts{ eval = { test = 3 } }) end,
          plain "eval.test must be a data set", "set type")
check.err(function() slope.minimize(f, start, opts{ eval = { every = 0 } }) end,
          plain 'eval.every must be "epoch" or a whole number of steps >= 1, got 0', "every 0")
check.err(function() slope.minimize(f, start, opts{ eval = { every = "epochs" } }) end,
          plain 'eval.every must be "epoch"', "every typo")
check.err(function() slope.minimize(f, start, opts{ eval = { step = test } }) end,
          plain "eval.step: 'step' names a column of r.eval already", "reserved name")
check.err(function() slope.minimize("(a-1)^2", { a = 0 }, { lr = 0.1, eval = {} }) end,
          plain 'eval.every = "epoch" needs data', "epoch without data")
check.err(function() slope.minimize(f, start, opts{ eval = { test = slope.data{ x1 = { 1 } } } }) end,
          "y", "a set without the objective's columns")
check.err(function() slope.minimize(f, start, opts{ evl = {} }) end, "did you mean 'eval'", "typo")

check.done()
