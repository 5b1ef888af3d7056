-- test_threads.lua -- threads = k in slope.minimize: the run is the same bit
-- for bit for 1, 2 and 3 threads (full batch, shuffled mini-batches, with
-- held-out evaluation), within 1e-12 of the run without threads, and the
-- options are checked; the same with fast_math = true.  Run from the repository root: build/slope tests/test_threads.lua
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

-- fast_math = true under threads: every thread's tape takes the vector functions.  Bit for bit
-- across 1, 2 and 3 threads (the same chunks, the same sums, every row through the same vector
-- code).  To a tolerance against the exact threaded run (the same sums, the functions within
-- 6 ulp: each evaluation within 1e-14 of the exact one, tests/test_parallel.c) and against
-- fast_math without threads (the same functions, the rows summed in another order, as for the
-- exact runs above): 1e-12 over these steps, as above (measured: 3.3e-16).
local ff = "mean(softplus(w1*x1 + w2*x2 + b) - y*tanh(w1*x1 + b) + exp(-(w2*x2)^2)) + 0.01*w1^2"
for _, case in ipairs{
  { name = "fast_math, full batch", moves = true,
    o = { data = train, steps = 15, optimizer = slope.optim.sgd{ lr = 0.1, momentum = 0.5 } } },
  { name = "fast_math, mini-batches", o = { data = train, epochs = 2, batch = 70000, shuffle = true, seed = 4,
                                             optimizer = slope.optim.adam{ lr = 0.05 } } },
} do
  local function run_with(fast_math, k)
    local o = { fast_math = fast_math, threads = k }
    for key, v in pairs(case.o) do o[key] = v end
    return slope.minimize(ff, start, o)
  end
  local fast = { run_with(true, 1), run_with(true, 2), run_with(true, 3) }
  local exact2, fast0 = run_with(false, 2), run_with(true, nil)
  check.ok(same_run(fast[1], fast[2]), case.name .. ": 2 threads = 1 thread bit for bit")
  check.ok(same_run(fast[1], fast[3]), case.name .. ": 3 threads = 1 thread bit for bit")
  -- (Adam's four steps here happen to land on the exact run's bits: its update hides the last bits)
  if case.moves then check.ok(not same_run(fast[2], exact2), case.name .. ": the threads' tapes take the vector functions") end
  check.ok(near_run(fast[2], exact2, 1e-12), case.name .. ": within 1e-12 of the exact threaded run")
  check.ok(near_run(fast[2], fast0, 1e-12), case.name .. ": within 1e-12 of fast_math without threads")
end
check.err(function() slope.minimize(ff, start, { data = train, lr = 0.1, threads = 2, fast_math = 1 }) end,
          plain "minimize: fast_math must be true or false, got 1", "fast_math 1 with threads")
check.err(function() slope.maximize(ff, start, { data = train, lr = 0.1, threads = 2, fast_math = "yes" }) end,
          plain "maximize: fast_math must be true or false, got yes", "fast_math 'yes' with threads")

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
