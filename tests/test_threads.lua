-- test_threads.lua -- threads = k in slope.minimize: the run is the same bit
-- for bit for 1, 2 and 3 threads (full batch, shuffled mini-batches, with
-- held-out evaluation), within 1e-12 of the run without threads, and the
-- options are checked.  Run from the repository root: build/slope tests/test_threads.lua
local check = dofile("tests/check.lua")
local plain = check.plain

-- 150000 rows: three chunks of 65536 rows (the last one short)
local data = slope.data.regression{ n = 150000, w = { 1.5, -0.5 }, b = 0.25, noise = 0.3, seed = 9 }
local train, test = data:split(0.9, 2)
local f = "mean((w1*x1 + w2*x2 + b - y)^2) + 0.01*w1^2"
local start = { w1 = 0, w2 = 0, b = 0 }

local function same(u, v) return u == v or (u ~= u and v ~= v) end   -- NaN: a mini-batch row's f
local function same_run(a, b)
  if a.f ~= b.f or #a.trace ~= #b.trace then return false end
  for i = 1, #a.trace do
    for k, v in pairs(a.trace[i].x) do if b.trace[i].x[k] ~= v then return false end end
    if not same(a.trace[i].f, b.trace[i].f) or not same(a.trace[i].batch_f, b.trace[i].batch_f) then return false end
  end
  return true
end
local function near_run(a, b, tol)
  for k, v in pairs(a.x) do if math.abs(v - b.x[k]) > tol * math.max(1, math.abs(v)) then return false end end
  return math.abs(a.f - b.f) <= tol * math.max(1, math.abs(a.f))
end

for _, case in ipairs{
  { name = "full batch", o = { data = train, steps = 15, optimizer = slope.optim.sgd{ lr = 0.1, momentum = 0.5 } } },
  { name = "mini-batches of 70000", o = { data = train, epochs = 2, batch = 70000, shuffle = true, seed = 4,
                                          optimizer = slope.optim.adam{ lr = 0.05 } } },
  { name = "with eval", o = { data = train, epochs = 1, batch = 66000, eval = { test = test },
                              optimizer = slope.optim.adam{ lr = 0.05 } } },
} do
  local runs = {}
  for k = 1, 3 do
    local o = {}
    for key, v in pairs(case.o) do o[key] = v end
    o.threads = k
    runs[k] = slope.minimize(f, start, o)
  end
  local plain_run = slope.minimize(f, start, case.o)
  check.ok(same_run(runs[1], runs[2]), case.name .. ": 2 threads = 1 thread bit for bit")
  check.ok(same_run(runs[1], runs[3]), case.name .. ": 3 threads = 1 thread bit for bit")
  check.ok(near_run(runs[2], plain_run, 1e-12), case.name .. ": within 1e-12 of the run without threads")
  check.eq(runs[2].steps, plain_run.steps, case.name .. ": same steps")
  if case.o.eval then
    check.eq(runs[3].eval:column "test", runs[1].eval:column "test", "eval rows the same for any k")
    check.near(runs[3].eval[2].test, plain_run.eval[2].test, 1e-12, "eval near the run without threads")
  end
end

check.err(function() slope.minimize(f, start, { data = train, lr = 0.1, threads = 0 }) end,
          plain "minimize: threads must be a whole number from 1 to 256, got 0", "threads 0")
check.err(function() slope.minimize(f, start, { data = train, lr = 0.1, threads = 1.5 }) end,
          plain "threads must be a whole number from 1 to 256, got 1.5", "threads 1.5")
check.err(function() slope.minimize("(a - 1)^2", { a = 0 }, { lr = 0.1, threads = 2 }) end,
          plain "threads share out the rows of data", "threads without data")
check.err(function() slope.minimize("log(mean((w1*x1 - y)^2))", { w1 = 0 }, { data = train, lr = 0.1, threads = 2 }) end,
          plain "threads: the objective is not a mean over the rows", "log of a mean")
check.err(function() slope.minimize(f, start, { data = train, lr = 0.1, thread = 2 }) end,
          plain "did you mean 'threads'", "typo")
check.done()
