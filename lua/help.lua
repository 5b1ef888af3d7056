-- help.lua -- help() and help(thing): a short usage for everything in slope,
-- for people exploring at the REPL. Optimizer and schedule entries show the
-- defaults read from the objects themselves, so they cannot go stale.
local slope, private = ...

-- The optimizer and schedule kinds, in registry order, and a line on each:
-- the binding keeps them in the metatables of slope.optim and slope.schedule.
local optim_kinds, optim_about = getmetatable(slope.optim).kinds, getmetatable(slope.optim).about
local schedule_kinds = getmetatable(slope.schedule).kinds

-- 'words' after 'lead', separated by 'sep' (a space), wrapped into lines of at
-- most 'width' characters; continuation lines are indented as far as 'lead' is long.
local function wrap(lead, words, width, sep)
  sep = sep or " "
  local lines, line = {}, lead
  for i, w in ipairs(words) do
    if i > 1 and #line + #sep + #w > width then
      lines[#lines + 1], line = line, (" "):rep(#lead) .. w
    else
      line = line .. (i > 1 and sep or "") .. w
    end
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

local schedule_words = { table.unpack(schedule_kinds) }
schedule_words[#schedule_words + 1] = "sequential"

local tour = [[
slope: declare a function, differentiate it, minimize it.

  f = slope.expr "x^2 - 4*x + 1"        -- or build with x = slope.var "x"
  f:diff "x"                            --> 2*x - 4
  r = slope.minimize(f, { x = 10 }, { lr = 0.1, steps = 50 })
  r.x, r.f, r.status, r.trace

%s
%s
  slope.noise.*      gaussian langevin gradient
  slope.data{...}    slope.data.csv "file.csv"   slope.data.regression{ n = 100, w = 3, b = 1 }
  slope.plot.*       curve fn1d contour fit   (SVG files, or term = true)
                     scatter surface   (.png .pdf .gif too; animate = true)
  slope.testfn.*     rosenbrock himmelblau beale booth rastrigin ackley sphere ...

help(slope.minimize), help(slope.optim.adam), help "schedule" ... say more.]]
tour = tour:format(wrap("  slope.optim.*      ", optim_kinds, 88), wrap("  slope.schedule.*   ", schedule_words, 88)
  .. " (or any function(t, base))")

-- "functions (sin cos ...)," from the C table of the language, wrapped;
-- its reductions are named apart
local function language_functions()
  local text, width = "functions (", #"functions ("
  for _, name in ipairs(private.language) do
    if name ~= "sum" and name ~= "mean" then
      if width + #name > 92 then text, width = text .. "\n", 0 end
      local sep = (width == 0 or text:sub(-1) == "(") and "" or " "
      text, width = text .. sep .. name, width + #sep + #name
    end
  end
  return text .. "),"
end

local docs = {
  expr = "slope.expr \"text\" -> Expr. Parse the expression language: numbers, names, + - * / ^,\n"
    .. language_functions() .. " mean/sum over data rows, pi,\n"
    .. "and let-bindings: \"r2 = x^2 + y^2; exp(-r2)\".",
  var = "slope.var \"x\" -> Expr; slope.vars(\"x\", \"y\") -> several.",
  diff = "slope.diff(f, \"x\") or f:diff(\"x\" [, order]) -> the simplified derivative.\n"
    .. "Also f:grad() (list in f:vars() order), f:hessian(), f:eval{ x = 1 } (f:eval(1) with one\n"
    .. "variable), f:subs{ x = 2 }, f:latex(), f:ccode{ name = \"f\" },\n"
    .. "f:compile{ \"x\", \"y\" } -> fn(1, 2), fn:grad(1, 2).",
  minimize = "slope.minimize(f, start, options) -> result   (slope.maximize: gradient ascent)\n"
    .. "  f        Expr or text; every free name is a parameter (in start) or a data column\n"
    .. "  start    { x = 10, ... } the starting point ({ w = { 0, 0, 0 } }: a vector, rows: a matrix)\n"
    .. "  options  optimizer = slope.optim.adam{ lr = 0.01 } (or lr = 0.1 for plain descent),\n"
    .. "           steps = 100 | epochs = 10 (with data), data = ds, batch = \"full\" | n,\n"
    .. "           shuffle = true, seed = 42, schedule = ..., noise = ..., clip = { norm = 1 },\n"
    .. "           tol = { grad = 1e-10, f = 1e-14 }, time = seconds, log = 10, trace = 1,\n"
    .. "           trace_full = true (mini-batch: f over all the data in each trace row),\n"
    .. "           log_params = true | { \"w\", \"b\" } (parameters on log lines; past 6: f, |g|, lr),\n"
    .. "           every = 10, on_step = function(s) ... end (return false to stop),\n"
    .. "           checkpoint = { path = \"run.ck\", every = 1000 }, resume = \"run.ck\",\n"
    .. "           bounds = { x = { 0, 1 } } (a box: each update is clamped into it),\n"
    .. "           eval = { test = ds, every = \"epoch\" | k } (r.eval rows: epoch, step, train, test;\n"
    .. "           r.eval:csv(path), :json(path), :column \"test\", :series(), :plot{ file = ... }),\n"
    .. "           threads = 2 (each step's rows shared out over threads, the same result for any k),\n"
    .. "           distributed = true (under mpirun: each rank a shard of the rows, MPI_Allreduce)\n"
    .. "           fast_math = true (exp, log, tanh, ... over rows by vector functions, within 4 ulp)\n"
    .. "  f may be a Lua function of the point (a table) returning its value, for optimizers that\n"
    .. "  need no gradient (anneal ...)\n"
    .. "  result   r.x, r.f, r.steps, r.epochs, r.status (max_steps|converged|diverged|stopped),\n"
    .. "           r.message, r.nfev (objective evaluations), r.trace (#trace, trace[k],\n"
    .. "           trace:column \"f\", trace:csv(path))",
  problem = "slope.problem(f, start, { data = ds, batch = 4, bounds = { x = { 0, 1 } } }) -> p,\n"
    .. "for hand-written loops:\n"
    .. "  local opt = slope.optim.sgd{ lr = 0.1 }\n"
    .. "  for step = 1, 100 do local loss = opt:step(p) end   -- p.x is the current point\n"
    .. "p.f is f there, p.g its gradient (shaped like p.x), p.params the parameter names.",
  load = "opt:save(path [, p]) writes the optimizer's state (and p's point and batching);\n"
    .. "slope.load(path [, p]) -> the optimizer as saved, p restored: the loop goes on bit for bit.\n"
    .. "A run saves the same with checkpoint = { path = \"run.ck\", every = 1000 } and goes on\n"
    .. "from one with resume = \"run.ck\" (help(slope.minimize)).",
  compare = "slope.compare{ f = f, start = {...}, optimizers = { sgd = a, adam = b }, steps = 50 }\n"
    .. "  -> results by name (tostring gives a table of final f, steps and status)",
  data = "slope.data{ x = {...}, y = {...} }, slope.data.csv \"file.csv\",\n"
    .. "slope.data.regression{ n = 100, w = 3, b = 1, noise = 0.1, seed = 0 };\n"
    .. "ds:split(0.8, seed) -> train, test; #ds; ds:columns(); ds:column \"x\"; ds:head(5)\n"
    .. "A column of equal-length rows is a vector column: slope.data{ x = { { 1, 2 }, { 3, 4 } } };\n"
    .. "CSV headers x[1], x[2], ... make one too, and slope.data.csv(path, { group = { \"x\" } })\n"
    .. "joins the columns x1, x2, ... into x.",
  noise = "slope.noise.gaussian{ std = 0.5, schedule = slope.schedule.inverse{ rate = 0.01 } }\n"
    .. "  adds N(0, s_t^2) to the parameters after each update, s_t = schedule(t, std)\n"
    .. "slope.noise.langevin{ temperature = T, schedule = ... }: adds N(0, 2 lr_t T_t)\n"
    .. "slope.noise.gradient{ eta = 0.01, gamma = 0.55 }: adds N(0, eta/(1+t)^gamma) to the gradient",
  plot = "slope.plot.curve{ series = { r1, r2 }, log = true, file = \"loss.svg\" }\n"
    .. "slope.plot.fn1d{ f = f, range = { -5, 5 }, path = r, file = \"path.svg\" }\n"
    .. "slope.plot.contour{ f = f, x = { -2, 2 }, y = { -1, 3 }, paths = { r }, file = \"c.svg\" }\n"
    .. "slope.plot.fit{ data = ds, f = \"w*x + b\", params = r.x, file = \"fit.svg\" }\n"
    .. "slope.plot.scatter{ data = ds, x = \"x1\", y = \"x2\", class = \"label\", boundary = { f = f, params = r.x } }\n"
    .. "slope.plot.surface{ f = f, range = { x = { -2, 2 }, y = { -1, 3 } }, paths = { r }, file = \"s.png\" }\n"
    .. "fn1d: paths = { r1, r2 }, tangent = x0; contour: arrows = true, data = ds, x = \"w\", y = \"b\", fixed = { ... };\n"
    .. "fit: params = { before = {...}, after = r.x }; curve: x = \"epoch\"; animate = true, fps = 5 (fn1d, contour, surface)\n"
    .. "file = \"x.svg\" | \"x.png\" | \"x.pdf\" | \"x.gif\": the format follows the extension\n"
    .. "term = true draws in the terminal instead.",
}

-- help "schedule": each kind with its first three arguments, defaults shown
do
  local args, uses = getmetatable(slope.schedule).args, {}
  for _, kind in ipairs(schedule_kinds) do
    local list = { table.unpack(args[kind], 1, 3) }
    if #args[kind] > 3 then list[#list + 1] = "..." end
    uses[#uses + 1] = kind .. "{ " .. table.concat(list, ", ") .. " }"
  end
  docs.schedule = "slope.schedule.KIND{ ... } with torch.optim.lr_scheduler's names and defaults, a pure\n"
    .. "function of the step t (per = \"epoch\" counts epochs); s(t, base) evaluates it.\n"
    .. wrap("  ", uses, 92, "  ") .. "\n"
    .. "  sequential{ schedules = { a, b }, milestones = { 10 } }, or function(t, base) ... end"
end

docs.zeros = "slope.zeros(n [, m]) -> a start of n zeros (a vector), or n rows of m zeros (a matrix).\n"
  .. "A start value that is an array makes a vector parameter, a table of equal-length rows a\n"
  .. "matrix: slope.minimize(f, { w = slope.zeros(3), b = 0 }, ...); r.x.w is then an array."
docs.randn = "slope.randn(n [, m] [, { std = 1, seed = 1 }]) -> a start of normal deviates times std\n"
  .. "(a vector, or n rows of m), from slope's generator: one seed gives one start everywhere."
docs.testfn = "slope.testfn.NAME{ n = 2 } -> { name, expr, minimum, fmin, domain }: a classic test\n"
  .. "function, where its global minimum is, its value there and a box to search or plot.\n"
  .. "n = 1, 2: in x, y; n >= 3 (no upper limit): one vector x, e.g. sum(x^2), minimum = { x = {...} }.\n"
  .. "  rosenbrock{ n = 2 } sphere{ n } rastrigin{ n } ackley{ n } styblinski_tang{ n }\n"
  .. "  himmelblau beale booth matyas goldstein_price three_hump_camel (two variables)"
docs.gradcheck = "slope.gradcheck(fun, point [, { tol = 1e-6 }]) -> report: checks a gradient written by\n"
  .. "hand.  fun(point) returns the value and a table of partial derivatives keyed like point;\n"
  .. "each is compared with a central difference (step cbrt(eps) * max(1, |x|)), the error being\n"
  .. "|analytic - numeric| / max(1, |analytic|, |numeric|).  report.ok, report.max_error,\n"
  .. "report.worst = { name, analytic, numeric, step }; print(report) gives one line."
docs.show = "slope.show(v) -> text: v as the REPL shows it, Exprs as infix and tables readably."
docs.help = "help() prints a tour; help(f) the usage of f (a function, optimizer or schedule);\n"
  .. "help \"topic\" for expr, var, diff, minimize, problem, load, compare, data, noise,\n"
  .. "schedule, plot, testfn."
docs.trace = "r.trace, what a run recorded: t[0] is the start, t[1] .. t[#t] the recorded steps\n"
  .. "(trace = k keeps every k-th), each { step, f, lr, grad_norm, x = { ... } }: row k is the\n"
  .. "point after step k with f and grad_norm there, and step k's lr.  A mini-batch run adds\n"
  .. "batch_f (the loss of step k's batch); its f and grad_norm are nan unless trace_full = true\n"
  .. "(one pass over all the data per row); nfev counts the objective evaluations made so far;\n"
  .. "t:column \"f\" (or \"step\", \"lr\", \"grad_norm\", \"batch_f\", a parameter) -> numbers from row 0;\n"
  .. "t:csv(path), t:json(path), written atomically."
docs.compiled = "fn = f:compile({ \"x\", \"y\" } [, data]): fn(1, 2) -> value;\n"
  .. "fn:grad(1, 2) -> value, { df/dx, df/dy } by reverse mode on the native tape."
docs.compiled = docs.compiled .. "\nfn:grad(1, 2, g) fills the table g (no table per call).\n"
  .. "fn:grad_values(1, 2) -> value, df/dx, df/dy as separate results (no table at all).\n"
  .. "f:compile{ \"x\", \"y\", jit = false | true | \"wait\" }: native code (C compiled by $CC);\n"
  .. "slope.jit(fn) -> { native, status, compile_ms }; fn:ccode{ gradient = true } -> its C source."
docs.jit = "slope.jit(fn) -> { native = true/false, status = text, compile_ms = ms }: whether native\n"
  .. "code (the function as C, compiled by $CC and checked against the interpreter) serves fn.\n"
  .. "f:compile{ ..., jit = false | true | \"wait\" }; SLOPE_JIT=0 turns it off, SLOPE_JIT=1 says why not."
docs.jit = docs.jit .. "\nf:compile{ ..., fast_math = true } (or slope.minimize{ ..., fast_math = true }):\n"
  .. "exp, log, log1p, expm1, tanh, sigmoid, softplus over rows by vector functions (libmvec),\n"
  .. "within 4 ulp (sigmoid, softplus 6); slope.jit(fn).fast_math -> lanes in use (0: exact)."
docs.jit = docs.jit .. "\nWith threads = k, every thread's tape takes fast_math; the run stays the same bit for\n"
  .. "bit for any k. Thread 0 compiles native code; the others load it from the cache."
docs.optimizer = "opt:step(p) -> f before the step (one step on problem p, in C); opt.lr = 0.01 and\n"
  .. "the other hyperparameters can be set between steps; opt:hypers() -> their table;\n"
  .. "opt:reset() forgets the state; opt:save(path [, p]) (help(slope.load))."
docs.vars, docs.save, docs.checkpoint = docs.var, docs.load, docs.load
docs.sweep = "slope.sweep{ grid = { lr = { 0.01, 0.1 }, momentum = { 0, 0.9 } }, seeds = { 1, 2, 3 },\n"
  .. "  run = function(cfg, seed) ... return { f = r.f } end, workers = 2, out = \"runs/NAME\" }\n"
  .. "  -> the trials in order, each { trial, params, seed, metrics, status, error, wall_s, worker }:\n"
  .. "  every combination (or random = { n = 20, lr = slope.sweep.loguniform(1e-4, 1) }, seed = 0;\n"
  .. "  slope.sweep.uniform(a, b), slope.sweep.choice{ ... }) times every seed, in worker processes\n"
  .. "  (default: one per core; workers = 0: in this process); out/trials.jsonl gets a line per\n"
  .. "  finished trial and out/summary.csv the table; running it again skips the trials done.\n"
  .. "  res:best \"f\" (or res:best(\"acc\", \"max\")), res:table() (mean ± sd over seeds),\n"
  .. "  res:plot{ metric = \"f\", x = \"lr\", by = \"momentum\", file = \"sweep.svg\" }.\n"
  .. "  Under mpirun the trials spread over the ranks; slope --trial N script.lua runs trial N\n"
  .. "  alone (a job array) and slope.sweep.merge(out) (slope merge OUT) joins their files."

-- The help of an object, by its class (the __name of its metatable).
local by_class = {
  ["slope.Expr"] = "diff", ["slope.Data"] = "data", ["slope.Problem"] = "problem",
  ["slope.Schedule"] = "schedule", ["slope.Trace"] = "trace", ["slope.Function"] = "compiled",
  ["slope.Optimizer"] = "optimizer",
}

-- help "optim" and help(slope.optim): every optimizer in a line, in the registry's order
do
  local lines = { "slope.optim.KIND{ hyper = value }, with PyTorch's names and defaults:" }
  for _, kind in ipairs(optim_kinds) do lines[#lines + 1] = ("  %-9s %s"):format(kind, optim_about[kind]) end
  docs.optim = table.concat(lines, "\n")
end

-- arrays: the functions of arrays share one text
local array_functions = { "dot", "matmul", "outer", "transpose", "softmax", "log_softmax", "logsumexp",
  "cross_entropy", "onehot", "norm", "range", "pad", "sum_rows", "mean_rows" }
docs.arrays = "Arrays: slope.var(\"w\", 3) is a vector of 3, slope.var(\"W\", 2, 3) a 2x3 matrix.\n"
  .. "In text: x[i], W[i, j], x[a..b], #x, A @ B, sum(i = 1..#x-1, ...). Element by element with\n"
  .. "scalar broadcast; dot(a, b), slope.matmul(A, B) (A @ B), outer, transpose, sum(v), mean(v),\n"
  .. "max(v), norm(v), softmax, log_softmax, logsumexp, cross_entropy(z, k), onehot(k, n),\n"
  .. "range(a, b), pad(v, a, b), sum_rows/mean_rows (over data rows, keeping the shape).\n"
  .. "From Lua: w[1], #w, w:slice(a, b), W:at(i, j); f:eval{ w = { 1, 2 } } takes and gives arrays.\n"
  .. "Derivatives by an array are one array expression: slope.diff(\"sum(w^2)\", \"w\") is 2*w."
docs.var = docs.var .. "\nslope.var(\"w\", 3) -> a vector of 3; slope.var(\"W\", 2, 3) a 2x3 matrix (help \"arrays\")."
docs.vars = docs.var

local by_function = {}
local function register()
  for name, text in pairs(docs) do
    local v = rawget(slope, name)
    if type(v) == "function" then by_function[v] = text end
  end
  by_function[slope.maximize or 0] = docs.minimize
  for kind, text in pairs(optim_about) do
    local ctor = slope.optim[kind]
    by_function[ctor] = function()
      local ok, opt = pcall(ctor, {})
      local usage = ok and tostring(opt) or ("slope.optim." .. kind .. "{ ... }")
      return usage .. "\n  " .. text
    end
  end
  for kind, ctor in pairs(slope.schedule) do
    by_function[ctor] = function() return docs.schedule end
  end
  -- the members of slope.data, slope.noise, slope.plot and slope.testfn share their topic's text
  for _, topic in ipairs { "data", "noise", "plot", "testfn", "sweep" } do
    for _, fn in pairs(slope[topic]) do
      if type(fn) == "function" then by_function[fn] = docs[topic] end
    end
  end
  -- methods (opt.step, ds.split, t.csv, ...) share their class's text
  local registry = debug and debug.getregistry and debug.getregistry() or {}
  for class, topic in pairs(by_class) do
    local mt = registry[class]
    local methods = type(mt) == "table" and (type(mt.__index) == "table" and mt.__index or mt.methods)
    for _, fn in pairs(type(methods) == "table" and methods or {}) do
      if type(fn) == "function" and not by_function[fn] then by_function[fn] = docs[topic] end
    end
  end
  for _, name in ipairs(array_functions) do by_function[slope[name]] = docs.arrays end
  for _, name in ipairs(private.language) do   -- the expression language's functions, slope.sin ...
    by_function[slope[name]] = ("slope.%s(...) -> Expr: the expression language's %s, on Exprs and numbers\n"
      .. "(help(slope.expr) lists the language)"):format(name, name)
  end
end

local function help(thing)
  if next(by_function) == nil then register() end
  local text
  if thing == nil then text = tour
  elseif type(thing) == "string" then text = docs[thing] or (rawget(slope.optim, thing) and by_function[slope.optim[thing]]())
  else
    local entry = by_function[thing]
    text = type(entry) == "function" and entry() or entry
    local mt = getmetatable(thing)
    local topic = not text and type(mt) == "table" and by_class[rawget(mt, "__name")]
    if topic == "optimizer" then
      -- its current hyperparameters, what its kind does, and what an optimizer can do
      local kind = tostring(thing):match("^slope%.optim%.([%w_]+)")
      text = tostring(thing) .. "\n  " .. (optim_about[kind] or "") .. "\n" .. docs.optimizer
    elseif topic then
      text = docs[topic]
    end
    if not text and type(thing) == "table" then   -- slope.data, slope.optim, ... by name
      for name, v in pairs(slope) do if v == thing then text = docs[name] end end
    end
  end
  print(text or "no help for that; help() lists what there is")
end

return help
