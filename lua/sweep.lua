-- sweep.lua -- slope.sweep: run one function over a grid (or a random
-- sample) of configurations times a list of seeds, each trial in a worker
-- process (lua_sweep.c), one JSON line per finished trial in
-- out/trials.jsonl and a flat out/summary.csv.  A trial's record depends on
-- its configuration and seed only, never on the worker that ran it or on
-- how many there were; a second run of the same sweep skips the trials the
-- file already holds (an interrupted sweep resumes).  Under MPI the trials
-- are spread over the ranks instead (slope.mpi); with SLOPE_TRIAL=N (slope
-- --trial N) this process runs trial N alone, for job arrays, and
-- slope.sweep.merge(out) (slope merge OUT) gathers their files.
local slope, private = ...
local textio = require "slope.textio"

local function fail(fmt, ...) private.fail("slope.sweep: " .. fmt:format(...)) end

local M = {}

-- ---- distributions of a random search ---------------------------------------------

local Dist = { __name = "slope.sweep distribution" }
Dist.__index = Dist
function Dist.__tostring(d)
  if d.kind == "choice" then return ("slope.sweep.choice(%d values)"):format(#d.values) end
  return ("slope.sweep.%s(%s, %s)"):format(d.kind, textio.number(d.a), textio.number(d.b))
end

local function range(kind, a, b)
  if type(a) ~= "number" or type(b) ~= "number" or not (a < b) or a == -math.huge or b == math.huge then
    private.fail(("slope.sweep.%s(a, b): give two finite numbers a < b, got %s, %s"):format(kind, tostring(a), tostring(b)))
  end
  if kind == "loguniform" and a <= 0 then
    private.fail(("slope.sweep.loguniform(a, b): a must be > 0, got %s"):format(tostring(a)))
  end
  return setmetatable({ kind = kind, a = a, b = b }, Dist)
end

function M.uniform(a, b) return range("uniform", a, b) end
function M.loguniform(a, b) return range("loguniform", a, b) end
function M.choice(values)
  if type(values) ~= "table" or #values == 0 then
    private.fail("slope.sweep.choice(values): give a non-empty list")
  end
  return setmetatable({ kind = "choice", values = values }, Dist)
end

-- splitmix64 on Lua's wrapping integers: the same draws everywhere, and the
-- script's math.random left alone.
local function generator(seed)
  local state = seed
  return function()
    state = state + 0x9E3779B97F4A7C15
    local z = state
    z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
    z = (z ~ (z >> 27)) * 0x94D049BB133111EB
    z = z ~ (z >> 31)
    return (z >> 11) * 2.0 ^ -53
  end
end

local function draw(d, u)
  if getmetatable(d) ~= Dist then
    if type(d) == "table" then d = M.choice(d) else return d end
  end
  if d.kind == "uniform" then return d.a + u() * (d.b - d.a) end
  if d.kind == "loguniform" then return math.exp(math.log(d.a) + u() * (math.log(d.b) - math.log(d.a))) end
  return d.values[math.floor(u() * #d.values) + 1]
end

-- ---- the configurations -----------------------------------------------------------

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" then fail("parameters are written name = values, got a key %s", tostring(k)) end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end

-- every combination of the grid, the last name (in sorted order) fastest
local function grid_configs(grid)
  local names = sorted_keys(grid)
  for _, k in ipairs(names) do
    local v = grid[k]
    if type(v) ~= "table" or #v == 0 then fail("grid.%s must be a non-empty list of values", k) end
  end
  local configs = { {} }
  for _, k in ipairs(names) do
    local out = {}
    for _, c in ipairs(configs) do
      for _, v in ipairs(grid[k]) do
        local n = {}
        for kk, vv in pairs(c) do n[kk] = vv end
        n[k] = v
        out[#out + 1] = n
      end
    end
    configs = out
  end
  return configs, names
end

local function random_configs(random, seed)
  local n = random.n
  if math.type(n) ~= "integer" or n < 1 then fail("random.n must be a whole number >= 1, got %s", tostring(n)) end
  local spec = {}
  for k, v in pairs(random) do if k ~= "n" then spec[k] = v end end
  local names = sorted_keys(spec)
  local u = generator(seed)
  local configs = {}
  for i = 1, n do
    local c = {}
    for _, k in ipairs(names) do c[k] = draw(spec[k], u) end
    configs[i] = c
  end
  return configs, names
end

local options = { "grid", "random", "seeds", "run", "workers", "out", "progress", "seed", "retry_failed" }

local function check_spec(spec)
  if type(spec) ~= "table" then private.fail("slope.sweep: expected a table of options { grid = ..., run = function(cfg, seed) ... end }") end
  for k in pairs(spec) do
    local known = false
    for _, o in ipairs(options) do known = known or o == k end
    if not known then private.fail("slope.sweep: " .. private.unknown_option(k, options)) end
  end
  if type(spec.run) ~= "function" then fail("run must be a function(cfg, seed) returning a table of metrics") end
  if spec.grid ~= nil and spec.random ~= nil then fail("give grid or random, not both") end
  if spec.grid ~= nil and type(spec.grid) ~= "table" then fail("grid must be a table { name = { values } }") end
  if spec.random ~= nil and type(spec.random) ~= "table" then fail("random must be a table { n = 20, name = distribution }") end
  local seeds = spec.seeds or { 1 }
  if type(seeds) ~= "table" or #seeds == 0 then fail("seeds must be a non-empty list of whole numbers") end
  for i, s in ipairs(seeds) do
    if math.type(s) ~= "integer" then fail("seeds[%d] must be a whole number, got %s", i, tostring(s)) end
  end
  local w = spec.workers
  if w ~= nil and (math.type(w) ~= "integer" or w < 0) then
    fail("workers must be a whole number >= 0 (0: in this process), got %s", tostring(w))
  end
  if spec.out ~= nil and (type(spec.out) ~= "string" or spec.out == "") then fail("out must be a folder name") end
  local sd = spec.seed or 0
  if math.type(sd) ~= "integer" then fail("seed must be a whole number, got %s", tostring(sd)) end
  return seeds
end

-- The trials in order: each configuration with each seed.
local function make_trials(spec, seeds)
  local configs, names
  if spec.grid then configs, names = grid_configs(spec.grid)
  elseif spec.random then configs, names = random_configs(spec.random, spec.seed or 0)
  else configs, names = { {} }, {} end
  local trials = {}
  for c, cfg in ipairs(configs) do
    for _, s in ipairs(seeds) do
      trials[#trials + 1] = { trial = #trials + 1, params = cfg, seed = s, config = c }
    end
  end
  return trials, names
end

-- ---- one trial --------------------------------------------------------------------

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- run(cfg, seed) under pcall: { metrics, status, error } (what a worker sends)
local function run_trial(spec, t)
  local ok, m = xpcall(spec.run, function(e) return tostring(e) end, copy(t.params), t.seed)
  if ok and type(m) ~= "table" then
    ok, m = false, ("run returned %s: it must return a table of metrics { f = r.f, ... }"):format(type(m))
  end
  if ok then
    local metrics = {}
    for k, v in pairs(m) do
      local tv = type(v)
      if type(k) ~= "string" or not (tv == "number" or tv == "string" or tv == "boolean") then
        ok, m = false, ("run returned metrics.%s, a %s: metrics are numbers, strings or booleans by name"):format(tostring(k), tv)
        break
      end
      metrics[k] = v
    end
    if ok then return { metrics = metrics, status = "ok" } end
  end
  return { metrics = {}, status = "failed", error = m }
end

-- The record of a finished trial: what trials.jsonl holds, one per line.
local function record(t, outcome, worker, wall)
  return { trial = t.trial, params = t.params, seed = t.seed, metrics = outcome.metrics,
           status = outcome.status, error = outcome.error, wall_s = wall, worker = worker }
end

-- ---- files ---------------------------------------------------------------------------

local function trials_path(out) return out .. "/trials.jsonl" end

-- The records of trials.jsonl by trial; a line that does not read (the
-- half-written last line of an interrupted sweep) is dropped, and then the
-- file is rewritten without it so new lines start clean.
local function read_trials(out)
  local path = trials_path(out)
  local f = io.open(path, "r")
  if not f then return {} end
  local text = f:read("a")
  f:close()
  local done, good, bad = {}, {}, 0
  for line in text:gmatch("[^\n]+") do
    local r = textio.decode(line)
    if type(r) == "table" and math.type(r.trial) == "integer" then
      good[#good + 1] = line
      done[r.trial] = r   -- a later line of a trial (retried) supersedes an earlier one
    else bad = bad + 1 end
  end
  if bad > 0 or (#text > 0 and text:sub(-1) ~= "\n") then
    textio.write(path, #good > 0 and table.concat(good, "\n") .. "\n" or "", "slope.sweep")
  end
  return done
end

local function append_line(out, rec)
  local path = trials_path(out)
  local f, err = io.open(path, "a")
  if not f then fail("cannot write '%s': %s", path, err) end
  f:write(textio.encode(rec), "\n")
  f:close()
end

-- summary.csv: trial, the parameters, seed, the metrics, status, wall_s, worker, error
local function write_summary(out, records)
  local pset, mset = {}, {}
  for _, r in ipairs(records) do
    for k in pairs(r.params or {}) do pset[k] = true end
    for k in pairs(r.metrics or {}) do mset[k] = true end
  end
  local cols, rows = { "trial" }, {}
  local pnames, mnames = sorted_keys(pset), sorted_keys(mset)
  for _, k in ipairs(pnames) do cols[#cols + 1] = k end
  cols[#cols + 1] = "seed"
  for _, k in ipairs(mnames) do if not pset[k] and k ~= "seed" then cols[#cols + 1] = k end end
  for _, k in ipairs({ "status", "wall_s", "worker", "error" }) do cols[#cols + 1] = k end
  for i, r in ipairs(records) do
    local row = { trial = r.trial, seed = r.seed, status = r.status, wall_s = r.wall_s, worker = r.worker, error = r.error }
    for k, v in pairs(r.metrics or {}) do row[k] = v end
    for k, v in pairs(r.params or {}) do row[k] = v end
    rows[i] = row
  end
  textio.write(out .. "/summary.csv", textio.csv(cols, rows), "slope.sweep")
end

-- ---- the progress bar -----------------------------------------------------------------

local function progress(show, total)
  if not show then return function() end end
  local t0, done, failed = private.clock(), 0, 0
  return function(rec, last)
    if rec then
      done = done + 1
      if rec.status ~= "ok" then failed = failed + 1 end
    end
    local width = 24
    local fill = total > 0 and math.floor(width * done / total) or width
    local s = math.floor(private.clock() - t0)
    io.stderr:write(("\rsweep [%s%s] %d/%d trials%s  %d:%02d"):format(("#"):rep(fill), ("-"):rep(width - fill),
      done, total, failed > 0 and (", " .. failed .. " failed") or "", s // 60, s % 60), last and "\n" or "")
    io.stderr:flush()
  end
end

-- ---- the result ----------------------------------------------------------------------------

local Result = { __name = "slope.SweepResult" }
Result.__index = Result

local function is_number(v) return type(v) == "number" and v == v end

-- A trial record prints as one line: "trial 12 (lr = 0.1, momentum = 0.9, seed 2): f = 0.0641".
local Trial = { __name = "slope.SweepTrial" }
local function fields(t)
  local out = {}
  for _, k in ipairs(sorted_keys(t or {})) do
    local v = t[k]
    out[#out + 1] = k .. " = " .. (type(v) == "number" and ("%.6g"):format(v) or tostring(v))
  end
  return table.concat(out, ", ")
end
function Trial.__tostring(r)
  local p = fields(r.params)
  return ("trial %d (%s%sseed %s): %s"):format(r.trial, p, p ~= "" and ", " or "", tostring(r.seed), fields(r.metrics))
end

-- The trial whose metric is least (mode "max": greatest) among the finished ones.
function Result:best(metric, mode)
  if type(metric) ~= "string" then private.fail("sweep:best(metric [, \"min\" | \"max\"]): metric must be a name") end
  if mode ~= nil and mode ~= "min" and mode ~= "max" then
    private.fail(("sweep:best: mode must be \"min\" or \"max\", got %s"):format(tostring(mode)))
  end
  local best
  for _, r in ipairs(self) do
    local v = r.status == "ok" and r.metrics[metric]
    if is_number(v) and (not best or (mode == "max" and v > best.metrics[metric]) or (mode ~= "max" and v < best.metrics[metric])) then
      best = r
    end
  end
  if not best then private.fail(("sweep:best: no finished trial has a number '%s'"):format(metric)) end
  return setmetatable(best, Trial)
end

local Table = { __name = "slope.SweepTable" }
Table.__index = Table
function Table.__tostring(t)
  local head = {}
  for _, k in ipairs(t.params) do head[#head + 1] = ("%12s"):format(k) end
  for _, m in ipairs(t.metrics) do head[#head + 1] = ("%25s"):format(m .. " (mean ± sd)") end
  head[#head + 1] = "   n  failed"
  local lines = { table.concat(head, " ") }
  for _, row in ipairs(t) do
    local cells = {}
    for _, k in ipairs(t.params) do cells[#cells + 1] = ("%12s"):format(tostring(row.params[k])) end
    for _, m in ipairs(t.metrics) do
      local mean, sd = row.mean[m], row.sd[m]
      cells[#cells + 1] = mean and ("%13s ± %-9s"):format(mean == mean and ("%.6g"):format(mean) or "nan",
                                                          sd == sd and ("%.3g"):format(sd) or "nan")
                          or ("%25s"):format("-")
    end
    cells[#cells + 1] = ("%4d  %6d"):format(row.n, row.failed)
    lines[#lines + 1] = table.concat(cells, " ")
  end
  return table.concat(lines, "\n")
end

-- One row per configuration: mean and sample standard deviation over its
-- seeds of each numeric metric (finished trials only), in trial order.
function Result:table()
  local rows, by, pset, mset = {}, {}, {}, {}
  for _, r in ipairs(self) do
    local key = textio.encode(r.params)
    local row = by[key]
    if not row then
      row = { params = r.params, n = 0, failed = 0, values = {}, mean = {}, sd = {} }
      by[key] = row
      rows[#rows + 1] = row
      for k in pairs(r.params) do pset[k] = true end
    end
    if r.status == "ok" then
      row.n = row.n + 1
      for k, v in pairs(r.metrics) do
        if is_number(v) then
          mset[k] = true
          row.values[k] = row.values[k] or {}
          table.insert(row.values[k], v)
        end
      end
    else row.failed = row.failed + 1 end
  end
  for _, row in ipairs(rows) do
    for k, vs in pairs(row.values) do
      local s = 0
      for _, v in ipairs(vs) do s = s + v end
      local mean, ss = s / #vs, 0
      for _, v in ipairs(vs) do ss = ss + (v - mean) ^ 2 end
      row.mean[k], row.sd[k] = mean, #vs > 1 and math.sqrt(ss / (#vs - 1)) or 0
    end
    row.values = nil
  end
  rows.params, rows.metrics = sorted_keys(pset), sorted_keys(mset)
  return setmetatable(rows, Table)
end

-- The final metric by configuration: the mean over seeds against parameter
-- x, one line per value of 'by'; drawn by slope.plot.curve.
function Result:plot(o)
  o = o or {}
  if type(o) ~= "table" then private.fail("sweep:plot{ metric = \"f\", x = \"lr\", by = \"momentum\", file = ... }") end
  local t = self:table()
  local metric = o.metric or t.metrics[1]
  local x = o.x or t.params[1]
  if not metric then private.fail("sweep:plot: no finished trial has a numeric metric") end
  if not x then private.fail("sweep:plot: the sweep has no parameter to put on the x axis") end
  local groups, order = {}, {}
  for _, row in ipairs(t) do
    local xv, yv = row.params[x], row.mean[metric]
    if xv == nil then private.fail(("sweep:plot: x = '%s' is not a parameter (parameters: %s)"):format(x, table.concat(t.params, ", "))) end
    local g = o.by and (o.by .. " = " .. tostring(row.params[o.by])) or metric
    if not groups[g] then groups[g] = {}; order[#order + 1] = g end
    if is_number(yv) and type(xv) == "number" then table.insert(groups[g], { xv, yv }) end
  end
  local lo, hi = math.huge, -math.huge
  for _, g in pairs(groups) do for _, p in ipairs(g) do lo, hi = math.min(lo, p[1]), math.max(hi, p[1]) end end
  local logx = o.logx
  if logx == nil then logx = lo > 0 and hi / lo >= 100 end
  local series = {}
  for _, g in ipairs(order) do
    local pts = groups[g]
    table.sort(pts, function(a, b) return a[1] < b[1] end)
    local xs, ys = {}, {}
    for i, p in ipairs(pts) do xs[i], ys[i] = logx and math.log(p[1], 10) or p[1], p[2] end
    series[#series + 1] = { name = g, x = xs, y = ys }
  end
  local args = { series = series, log = o.log, xlabel = logx and ("log10 " .. x) or x, ylabel = metric .. " (mean over seeds)" }
  for _, k in ipairs({ "file", "term", "title", "width", "height", "color" }) do args[k] = o[k] end
  return slope.plot.curve(args)
end

function Result.__tostring(r)
  local failed = 0
  for _, t in ipairs(r) do if t.status ~= "ok" then failed = failed + 1 end end
  return ("slope.SweepResult(%d trials, %d failed%s)"):format(#r, failed, r.out and (", in " .. r.out) or "")
end

local function result(records, out)
  table.sort(records, function(a, b) return a.trial < b.trial end)
  records.out = out
  return setmetatable(records, Result)
end

-- ---- running ------------------------------------------------------------------------

local function in_process(spec, todo, finish)
  for _, t in ipairs(todo) do
    local t0 = private.clock()
    local outcome = run_trial(spec, t)
    finish(t, outcome, 0, private.clock() - t0)
  end
end

local function with_workers(spec, todo, workers, finish)
  local by_job, jobs = {}, {}
  for i, t in ipairs(todo) do by_job[t.trial] = t; jobs[i] = t.trial end
  private.pool(jobs, workers, function(job)
    return textio.encode(run_trial(spec, by_job[job]))
  end, function(job, text, why, worker, wall)
    local outcome = text and textio.decode(text)
    if type(outcome) ~= "table" then
      outcome = { metrics = {}, status = "crashed", error = why or "the worker sent no result" }
    end
    outcome.metrics = outcome.metrics or {}
    finish(by_job[job], outcome, worker, wall)
  end)
end

-- SLOPE_TRIAL=N (slope --trial N): trial N alone, in this process, into
-- out/trials/N.json for slope.sweep.merge.
local function one_trial(spec, trials, only)
  local n = math.tointeger(tonumber(only))
  if not n or n < 1 or n > #trials then
    fail("SLOPE_TRIAL=%s: this sweep has trials 1 to %d", only, #trials)
  end
  local t = trials[n]
  local t0 = private.clock()
  local rec = record(t, run_trial(spec, t), 0, private.clock() - t0)
  if spec.out then
    local ok, err = private.mkdir(spec.out .. "/trials")
    if not ok then fail("%s", err) end
    textio.write(("%s/trials/%d.json"):format(spec.out, n), textio.encode(rec) .. "\n", "slope.sweep")
  end
  return result({ rec }, spec.out)
end

-- Under MPI: the trials in rounds, trial i of a round on rank i; after each
-- round every rank gathers every rank's records (so each returns the same
-- result) and rank 0 writes them.  A trial's error is a failed record, so no
-- rank is left waiting for one that raised.
local function over_ranks(spec, todo, finish)
  local rank, size = private.mpi_rank(), private.mpi_size()
  local by_trial = {}
  for _, t in ipairs(todo) do by_trial[t.trial] = t end
  for first = 1, #todo, size do
    local t, mine = todo[first + rank], ""
    if t then
      local t0 = private.clock()
      local outcome = run_trial(spec, t)
      mine = textio.encode{ trial = t.trial, outcome = outcome, wall = private.clock() - t0 }
    end
    for r, text in ipairs(private.mpi_allgather(mine)) do
      if text ~= "" then
        local m = textio.decode(text)
        m.outcome.metrics = m.outcome.metrics or {}
        finish(by_trial[m.trial], m.outcome, r, m.wall)
      end
    end
  end
end

-- Rank 0 reads trials.jsonl (or fails) and every rank gets what it read, so
-- all of them skip the same trials or raise the same error.
local function shared_done(out, main, mpi)
  local ok, done = true, {}
  if out and main then
    ok, done = pcall(function()
      local made, err = private.mkdir(out)
      if not made then fail("%s", err) end
      return read_trials(out)
    end)
  end
  if not mpi then
    if not ok then error(done, 0) end
    return done
  end
  local list = {}
  if ok then for _, r in pairs(done) do list[#list + 1] = r end end
  local got = textio.decode(private.mpi_bcast(textio.encode{ ok = ok, err = not ok and tostring(done) or nil, list = list }))
  if not got.ok then error(got.err, 0) end
  done = {}
  for _, r in ipairs(got.list or {}) do done[r.trial] = r end
  return done
end

-- A sweep's trials, in this process, in worker processes or over MPI ranks.
local function sweep(_, spec)
  local seeds = check_spec(spec)
  local trials = make_trials(spec, seeds)
  local out = spec.out
  local only = os.getenv("SLOPE_TRIAL")
  if only and only ~= "" then return one_trial(spec, trials, only) end
  local mpi = private.mpi_size ~= nil and private.mpi_size() > 1
  local main = not mpi or private.mpi_rank() == 0
  local done = shared_done(out, main, mpi)
  local todo, records = {}, {}
  for _, t in ipairs(trials) do
    local r = done[t.trial]
    if r and spec.retry_failed and r.status ~= "ok" then r = nil end
    if r then
      if textio.encode(r.params or {}) ~= textio.encode(t.params) or r.seed ~= t.seed then
        fail("%s/trials.jsonl holds trial %d with other parameters or seed (%s, seed %s): another sweep wrote this folder; give another out",
             out, t.trial, textio.encode(r.params), tostring(r.seed))
      end
      records[#records + 1] = r
    else todo[#todo + 1] = t end
  end
  local show = spec.progress
  if show == nil then show = private.stderr_is_terminal() end
  local bar = progress(show and main, #trials)
  for _, r in ipairs(records) do bar(r) end
  local function finish(t, outcome, worker, wall)
    local rec = record(t, outcome, worker, wall)
    records[#records + 1] = rec
    if out and main then append_line(out, rec) end
    bar(rec)
  end
  local was = private.quiet_runs(show)   -- the sweep's bar, not the runs' own
  local ok, err = pcall(function()
    if mpi then over_ranks(spec, todo, finish)
    else
      local workers = spec.workers or private.ncpu()
      if workers == 0 then in_process(spec, todo, finish) else with_workers(spec, todo, workers, finish) end
    end
  end)
  private.quiet_runs(was)
  if not ok then error(err, 0) end
  bar(nil, true)
  if out and main then write_summary(out, result(records)) end
  return result(records, out)
end

-- slope.sweep.merge(out): trials.jsonl and the job array's out/trials/N.json
-- files as one trials.jsonl (in trial order) and summary.csv.
function M.merge(out)
  if type(out) ~= "string" or out == "" then private.fail("slope.sweep.merge(out): out must be a folder name") end
  local done = read_trials(out)
  local found = next(done) ~= nil
  for _, name in ipairs(private.listdir(out .. "/trials")) do
    if name:match("^%d+%.json$") then
      local f = io.open(out .. "/trials/" .. name, "r")
      local r = f and textio.decode(f:read("a"))
      if f then f:close() end
      if type(r) == "table" and math.type(r.trial) == "integer" then
        done[r.trial] = r   -- a trial run again as a job supersedes the line
        found = true
      end
    end
  end
  if not found then private.fail(("slope.sweep.merge: no trials in '%s' (trials.jsonl or trials/N.json)"):format(out)) end
  local records, lines = {}, {}
  for _, r in pairs(done) do records[#records + 1] = r end
  local res = result(records, out)
  for i, r in ipairs(res) do lines[i] = textio.encode(r) end
  textio.write(trials_path(out), table.concat(lines, "\n") .. "\n", "slope.sweep.merge")
  write_summary(out, res)
  return res
end

return setmetatable(M, { __call = sweep })
