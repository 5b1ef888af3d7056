-- test_sweep.lua -- slope.sweep: trials in worker processes give the same
-- records for any number of workers (and in this process), values checked
-- against the closed form of gradient descent on a quadratic; a failing
-- trial, a killed worker, a resumed sweep, a half-written last line of
-- trials.jsonl; :best, :table against hand sums, :plot; random search;
-- misuse.  Run from the repository root: build/slope tests/test_sweep.lua
local check = dofile("tests/check.lua")
local plain = check.plain
local textio = require "slope.textio"

local root = os.tmpname()
os.remove(root)
local function folder(name) return root .. "-" .. name end
local function lines(path)
  local out = {}
  local f = io.open(path)
  if not f then return out end
  for l in f:lines() do out[#out + 1] = l end
  f:close()
  return out
end
-- a record without what depends on the worker: wall time and worker number
local function key(r)
  return textio.encode{ r.trial, r.params, r.seed, r.metrics, r.status, r.error or false }
end

-- gradient descent on (x - 3)^2 from x = seed: x_k - 3 = (seed - 3) (1 - 2 lr)^k
local function closed(lr, seed, k) return ((seed - 3) * (1 - 2 * lr) ^ k) ^ 2 end
local calls = folder("calls")
local function run(cfg, seed)
  local f = io.open(calls, "a"); f:write(seed, " ", cfg.lr, "\n"); f:close()
  if cfg.lr == 0.3 and seed == 2 then error("trial refuses lr 0.3 with seed 2") end
  local r = slope.minimize("(x - 3)^2", { x = seed }, { lr = cfg.lr, steps = cfg.steps })
  return { f = r.f, steps = r.steps, tag = "q" }
end
local spec = { grid = { lr = { 0.1, 0.2, 0.3 }, steps = { 5, 10 } }, seeds = { 1, 2 }, run = run }
local function with(t)
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  for k, v in pairs(t) do s[k] = v end
  return s
end

-- ---- the same records for 0, 1, 2 and 3 workers ------------------------------------------

local base = slope.sweep(with{ workers = 0, out = folder("w0"), progress = false })
check.eq(#base, 12, "3 x 2 configurations x 2 seeds")
check.eq(tostring(base), "slope.SweepResult(12 trials, 2 failed, in " .. folder("w0") .. ")", "tostring")
-- the order: configurations with the last name fastest, then the seeds
check.eq({ base[1].params.lr, base[1].params.steps, base[1].seed }, { 0.1, 5, 1 }, "trial 1")
check.eq({ base[2].params.lr, base[2].params.steps, base[2].seed }, { 0.1, 5, 2 }, "trial 2")
check.eq({ base[3].params.lr, base[3].params.steps, base[3].seed }, { 0.1, 10, 1 }, "trial 3")
check.eq({ base[12].params.lr, base[12].params.steps, base[12].seed }, { 0.3, 10, 2 }, "trial 12")
for _, r in ipairs(base) do
  if r.status == "ok" then
    check.near(r.metrics.f, closed(r.params.lr, r.seed, r.params.steps), 1e-13, "trial " .. r.trial .. " f in closed form")
    check.eq(r.metrics.steps, r.params.steps, "trial " .. r.trial .. " steps")
  else
    check.eq(r.params.lr, 0.3, "only lr 0.3 fails")
    check.eq(r.status, "failed", "a raised error is a failed trial")
    check.ok(r.error:find("trial refuses lr 0.3 with seed 2", 1, true), "its message is kept")
    check.eq(next(r.metrics), nil, "no metrics")
  end
end
for _, w in ipairs({ 1, 2, 3 }) do
  local res = slope.sweep(with{ workers = w, out = folder("w" .. w), progress = false })
  local same = #res == #base
  local used = {}
  for i = 1, #base do
    same = same and key(res[i]) == key(base[i])
    used[res[i].worker] = true
  end
  check.ok(same, ("%d workers: the same records"):format(w))
  check.ok(used[w] and not used[w + 1], ("%d workers: workers 1..%d ran trials"):format(w, w))
  local file = lines(folder("w" .. w) .. "/trials.jsonl")
  check.eq(#file, 12, "one line per trial")
  local sorted = {}
  for i, l in ipairs(file) do sorted[i] = textio.decode(l) end
  table.sort(sorted, function(a, b) return a.trial < b.trial end)
  local same_file = true
  for i = 1, #base do same_file = same_file and key(sorted[i]) == key(base[i]) end
  check.ok(same_file, ("%d workers: trials.jsonl holds the same records"):format(w))
end

-- summary.csv reads back as data (the text column aside)
local csv = lines(folder("w2") .. "/summary.csv")
check.eq(csv[1], "trial,lr,steps,seed,f,tag,status,wall_s,worker,error", "summary header")
check.eq(#csv, 13, "summary rows")
check.ok(csv[2]:find("^1,0.1,5,1," .. textio.number(base[1].metrics.f) .. ",q,ok,") ~= nil, "summary row 1: " .. csv[2])

-- ---- a crashed worker --------------------------------------------------------------------------

local crash = slope.sweep{ seeds = { 1, 2, 3 }, workers = 2, progress = false, run = function(_, seed)
  if seed == 2 then
    local pid = io.open("/proc/self/stat"):read("n")
    os.execute("kill -KILL " .. math.tointeger(pid))
  end
  return { s = seed * 10 }
end }
check.eq(crash[1].metrics.s, 10, "trial 1 ran")
check.eq(crash[2].status, "crashed", "a killed worker is a crashed trial")
check.eq(crash[2].error, "the worker process was killed by signal 9 (Killed)", "and says so")
check.eq(crash[3].metrics.s, 30, "the sweep went on")

-- ---- resuming -----------------------------------------------------------------------------------

-- keep 5 whole lines and half of the sixth, as an interrupted sweep may leave them
local out = folder("resume")
local function calls_count() return #lines(calls) end
os.remove(calls)
local full = slope.sweep(with{ workers = 2, out = out, progress = false })
check.eq(calls_count(), 12, "12 trials ran")
local file = lines(out .. "/trials.jsonl")
local f = io.open(out .. "/trials.jsonl", "w")
for i = 1, 5 do f:write(file[i], "\n") end
f:write(file[6]:sub(1, 40))
f:close()
os.remove(calls)
local again = slope.sweep(with{ workers = 2, out = out, progress = false })
check.eq(calls_count(), 7, "only the 7 trials not whole in the file ran again")
local same = #again == #full
for i = 1, #full do same = same and key(again[i]) == key(full[i]) end
check.ok(same, "the resumed sweep has the same records")
check.eq(#lines(out .. "/trials.jsonl"), 12, "trials.jsonl: 12 whole lines")
for _, l in ipairs(lines(out .. "/trials.jsonl")) do check.ok(textio.decode(l) ~= nil, "every line reads") end
os.remove(calls)
slope.sweep(with{ workers = 2, out = out, progress = false })
check.eq(calls_count(), 0, "a finished sweep runs nothing again")
os.remove(calls)
local retried = slope.sweep(with{ workers = 2, out = out, progress = false, retry_failed = true })
check.eq(calls_count(), 2, "retry_failed runs the 2 failed trials again")
check.eq(#retried, 12, "and the result still has 12 trials")
os.remove(calls)
check.eq(#slope.sweep(with{ workers = 2, out = out, progress = false }), 12, "the superseded lines count once")
check.eq(calls_count(), 0, "nothing runs after that")
check.err(function() slope.sweep(with{ grid = { lr = { 0.5 } }, out = out, progress = false }) end,
          plain "holds trial 1 with other parameters or seed", "another sweep's folder")

-- ---- best, table, plot ----------------------------------------------------------------------------

local best = base:best "f"
local lowest = math.huge
for _, r in ipairs(base) do if r.status == "ok" and r.metrics.f < lowest then lowest = r.metrics.f end end
check.eq(best.metrics.f, lowest, "best: the least f")
check.eq(tostring(best), ("trial %d (lr = %.6g, steps = %.6g, seed %d): f = %.6g, steps = %.6g, tag = %s"):format(best.trial,
  best.params.lr, best.params.steps, best.seed, best.metrics.f, best.metrics.steps, best.metrics.tag), "best prints as one line")
check.near(base:best("f", "max").metrics.f, closed(0.1, 1, 5), 1e-13, "best max: the greatest f")
check.err(function() base:best "nope" end, plain "no finished trial has a number 'nope'", "best of a missing metric")
local t = base:table()
check.eq(#t, 6, "one row per configuration")
check.eq(t.params, { "lr", "steps" }, "table params")
check.eq(t.metrics, { "f", "steps" }, "table metrics (numbers only)")
local a, b = closed(0.1, 1, 5), closed(0.1, 2, 5)
check.near(t[1].mean.f, (a + b) / 2, 1e-15, "mean over seeds")
check.near(t[1].sd.f, math.abs(a - b) / math.sqrt(2), 1e-15, "sample sd over two seeds")
check.eq(t[5].n, 1, "lr 0.3: one finished trial")
check.eq(t[5].failed, 1, "and one failed")
check.eq(t[5].sd.f, 0, "sd of one value is 0")
check.ok(tostring(t):find("f (mean ± sd)", 1, true) ~= nil, "tostring of the table")
local svg = folder("plot.svg")
base:plot{ metric = "f", x = "lr", by = "steps", file = svg, log = true }
local text = io.open(svg):read("a")
check.ok(text:find("<svg", 1, true) ~= nil, "plot writes an SVG")
check.ok(text:find("steps = 10", 1, true) ~= nil, "with a line per value of 'by'")
check.err(function() base:plot{ x = "nope" } end, plain "x = 'nope' is not a parameter", "plot x")

-- ---- random search ---------------------------------------------------------------------------------

local function sample(seed)
  return slope.sweep{ random = { n = 20, lr = slope.sweep.loguniform(1e-4, 1), m = slope.sweep.uniform(0, 0.99),
                                 kind = slope.sweep.choice{ "a", "b" }, fixed = 7 },
                      seed = seed, workers = 0, run = function(cfg) return { lr = cfg.lr } end }
end
local s1, s2, s3 = sample(5), sample(5), sample(6)
local in_range, same_draws, differs, kinds = true, true, false, {}
for i = 1, 20 do
  local p = s1[i].params
  in_range = in_range and p.lr >= 1e-4 and p.lr < 1 and p.m >= 0 and p.m < 0.99 and p.fixed == 7
  kinds[p.kind] = true
  same_draws = same_draws and key(s1[i]) == key(s2[i])
  differs = differs or s1[i].params.lr ~= s3[i].params.lr
end
check.ok(in_range, "draws in their ranges")
check.ok(kinds.a and kinds.b, "choice draws both values")
check.ok(same_draws, "the same seed draws the same configurations")
check.ok(differs, "another seed draws others")
check.eq(tostring(slope.sweep.loguniform(1e-4, 1)), "slope.sweep.loguniform(0.0001, 1)", "tostring of a distribution")

-- ---- misuse ----------------------------------------------------------------------------------------

check.err(function() slope.sweep(3) end, plain "slope.sweep: expected a table of options", "not a table")
check.err(function() slope.sweep{ grid = {} } end, plain "run must be a function(cfg, seed)", "no run")
check.err(function() slope.sweep{ run = run, worker = 2 } end, plain "did you mean 'workers'", "typo")
check.err(function() slope.sweep{ run = run, workers = -1 } end, plain "workers must be a whole number >= 0", "workers")
check.err(function() slope.sweep{ run = run, seeds = { 1.5 } } end, plain "seeds[1] must be a whole number", "seeds")
check.err(function() slope.sweep{ run = run, grid = { lr = 0.1 } } end, plain "grid.lr must be a non-empty list", "grid")
check.err(function() slope.sweep{ run = run, grid = {}, random = { n = 1 } } end, plain "give grid or random, not both", "both")
check.err(function() slope.sweep{ run = run, random = { n = 0 } } end, plain "random.n must be a whole number >= 1", "n")
check.err(function() slope.sweep.loguniform(0, 1) end, plain "a must be > 0", "loguniform range")
check.err(function() slope.sweep.uniform(2, 1) end, plain "give two finite numbers a < b", "uniform range")
check.err(function() slope.sweep.choice{} end, plain "give a non-empty list", "choice")
local bad = slope.sweep{ workers = 0, run = function() return 3 end }
check.eq(bad[1].status, "failed", "run returning a number")
check.ok(bad[1].error:find("run returned number", 1, true) ~= nil, "says what it must return")
local bad2 = slope.sweep{ workers = 1, run = function() return { x = {} } end }
check.ok(bad2[1].error:find("metrics.x, a table", 1, true) ~= nil, "a table metric")

os.execute("rm -rf '" .. root .. "'-*")
check.done()
