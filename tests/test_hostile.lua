-- test_hostile.lua -- misuse of the Lua API and runs that go wrong.
--
--   1. every public function given arguments of the wrong type: an error in
--      Lua's own "bad argument #2 to 'minimize' (table expected, got nil)"
--      style, or the binding's message naming the argument or option;
--   2. option names with typos (momentun) are reported, never ignored;
--   3. hyperparameters and run options out of range: the message has the
--      allowed range;
--   4. every optimizer kind on a problem it diverges on (log of a negative
--      number, or an overflow): status diverged, the last finite point, the
--      step and the objective in the message, nothing NaN in the result;
--      sqrt and division out of their domain reported the same way;
--   5. hostile text and data through the binding (nesting, size, NUL bytes,
--      invalid UTF-8, 1e400, long names).
-- Run from the repository root: build/slope tests/test_hostile.lua
local check = dofile("tests/check.lua")
local P = check.plain

local x, y = slope.var "x", slope.var "y"

-- "bad argument #N to 'NAME' (EXPECTED expected, got GOT)"; the name may come
-- with its table ('slope.minimize') or without ('minimize').
local function badarg(n, name, expected, got)
  return "bad argument #" .. n .. " to '[%w_%.]-" .. P(name) .. "' %(" .. P(expected) .. " expected, got " .. got .. "%)"
end

local all_finite = check.all_finite

-- ---- 1. wrong argument types -------------------------------------------------------------

local ds = slope.data{ x = { 1, 2, 3, 4 }, y = { 3, 5, 7, 9 } }
local opt = slope.optim.adam{}
local fn = (x^2):compile{ "x" }
local r0 = slope.minimize(x^2, { x = 1 }, { lr = 0.1, steps = 3 })
local tr = r0.trace

local argument_cases = {
  -- module functions
  { function() slope.expr() end, badarg(1, "expr", "string", "no value") },
  { function() slope.expr{} end, badarg(1, "expr", "string", "table") },
  { function() slope.var() end, badarg(1, "var", "string", "no value") },
  { function() slope.var(true) end, badarg(1, "var", "string", "boolean") },
  { function() slope.diff() end, badarg(1, "diff", "Expr or number", "no value") },
  { function() slope.diff("x^2") end, badarg(2, "diff", "variable name (string or slope.var)", "no value") },
  { function() slope.sin("a") end, badarg(1, "sin", "Expr or number", "string") },
  { function() slope.exp({}) end, badarg(1, "exp", "Expr or number", "table") },
  { function() slope.sin() end, "slope.sin takes 1 argument, got 0" },
  { function() slope.atan2(x) end, "slope.atan2 takes 2 arguments, got 1" },
  { function() slope.mean() end, "slope.mean takes 1 argument, got 0" },
  { function() slope.minimize() end, badarg(1, "minimize", "Expr or expression text", "nil") },
  { function() slope.minimize(x) end, badarg(2, "minimize", "table", "nil") },
  { function() slope.minimize(x, { x = 1 }, 5) end, badarg(3, "minimize", "table", "number") },
  { function() slope.maximize(x, "x") end, badarg(2, "maximize", "table", "string") },
  { function() slope.problem({}, { x = 1 }) end, badarg(1, "problem", "Expr or expression text", "table") },
  { function() slope.load() end, badarg(1, "load", "string", "no value") },
  { function() slope.data() end, "slope.data: expected a table of columns" },
  { function() slope.data(5) end, "slope.data: expected a table of columns" },
  { function() slope.data{ x = 1 } end, "slope.data: column 'x' must be an array of numbers, got a number" },
  { function() slope.data{ x = { 1, "a" } } end, "slope.data: column 'x', entry 2 is a string %(expected a number%)" },
  { function() slope.data{ [1] = { 1 } } end, "slope.data: column names must be strings, got a number key" },
  { function() slope.data.csv() end, badarg(1, "csv", "string", "no value") },
  { function() slope.data.regression(5) end, "regression" },
  { function() slope.data.regression{ n = 5, w = "a" } end, "regression: w must be a number or an array of numbers, got a string" },
  { function() slope.optim.adam(1) end, badarg(1, "adam", "table", "number") },
  { function() slope.optim.sgd{ lr = "fast" } end, "sgd: lr must be a number, a boolean or a pair of numbers, got string" },
  { function() slope.optim.adam{ betas = { 0.9, "a" } } end, "adam: betas%[2%] must be a number" },
  { function() slope.optim.lbfgs{ line_search = 1 } end, "lbfgs: line_search must be \"strong_wolfe\"" },
  { function() slope.schedule.cosine(1) end, badarg(1, "cosine", "table", "number") },
  { function() slope.schedule.step{ gamma = {} } end, "step" },
  { function() slope.schedule.sequential() end, badarg(1, "sequential", "table", "no value") },
  { function() slope.schedule.sequential{ schedules = 1, milestones = {} } end, "sequential: schedules must be a list of schedules" },
  { function() slope.noise.gaussian(1) end, "slope.noise.gaussian: expected a table of options" },
  { function() slope.noise.langevin{ temperature = "hot" } end, "slope.noise.langevin: temperature must be a number >= 0, got hot" },
  { function() slope.compare(1) end, "slope.compare: expected a table of options" },
  { function() slope.plot.curve(1) end, "slope.plot.curve: expected a table of options" },
  { function() slope.plot.contour() end, "slope.plot.contour: expected a table of options" },
  -- Expr methods
  { function() x:diff() end, badarg(1, "diff", "variable name (string or slope.var)", "no value") },
  { function() x:diff(1) end, badarg(1, "diff", "variable name (string or slope.var)", "number") },
  { function() x.diff(1, "x") end, badarg(1, "diff", "slope.Expr", "number") },
  { function() x:eval() end, badarg(1, "eval", "table", "no value") },
  { function() x:eval{ x = "a" } end, "eval: the value of 'x' must be a number" },
  { function() x:eval{ y = 1 } end, "eval: no value given for variable 'x'" },
  { function() x:subs() end, badarg(1, "subs", "table", "no value") },
  { function() x:subs{ x = {} } end, "subs: the value for 'x' must be an Expr or a number" },
  { function() x:compile() end, badarg(1, "compile", "table", "no value") },
  { function() x:compile{ 1 } end, "compile: parameter 1 must be a name" },
  { function() x:ccode(1) end, badarg(1, "ccode", "table", "number") },
  { function() x:ccode{ name = 1 } end, "ccode: name must be a string, got number" },
  { function() x:ccode{ params = "x" } end, "ccode: params must be a list of names, got string" },
  { function() x:grad(1) end, badarg(1, "grad", "table", "number") },
  { function() x:hessian("x") end, badarg(1, "hessian", "table", "string") },
  { function() return x + {} end, "cannot apply '%+' to a table and an Expr %(expected Expr or number%)" },
  { function() return x * nil end, "cannot apply '%*' to an? nil and an Expr" },
  { function() return "a" ^ x end, "cannot apply '%^' to a string and an Expr" },
  -- compiled functions
  { function() fn() end, "the function takes 1 parameter, got 0" },
  { function() fn("a") end, "number expected, got string" },
  { function() fn:grad(1, 2) end, "the function takes 1 parameter, got 2" },
  { function() fn.grad(1) end, badarg(1, "grad", "slope.Function", "number") },
  { function() fn.grad_values(1) end, badarg(1, "grad_values", "slope.Function", "number") },
  { function() fn:grad_values("a") end, "number expected, got string" },
  { function() fn:grad_values(1, 2) end, "the function takes 1 parameter, got 2" },
  -- data sets
  { function() ds:split() end, badarg(1, "split", "number", "no value") },
  { function() ds:split("half") end, badarg(1, "split", "number", "string") },
  { function() ds:column() end, badarg(1, "column", "string", "no value") },
  { function() ds:column("z") end, "column: no column 'z' %(columns: x, y%)" },
  { function() ds:csv() end, badarg(1, "csv", "string", "no value") },
  { function() ds.split(1, 0.5) end, badarg(1, "split", "slope.Data", "number") },
  -- optimizers, problems, traces
  { function() opt:step() end, badarg(1, "step", "slope.Problem", "no value") },
  { function() opt:step(ds) end, badarg(1, "step", "slope.Problem", "slope.Data") },
  { function() opt.reset(1) end, badarg(1, "reset", "slope.Optimizer", "number") },
  { function() return opt.momentum end, "adam has no field 'momentum'" },
  { function() opt.lr = "a" end, "adam: lr must be a number, a boolean or a pair of numbers, got string" },
  { function() tr:column() end, badarg(1, "column", "string", "no value") },
  { function() tr:column("z") end, "trace:column: no column 'z'" },
  { function() tr:csv() end, badarg(1, "csv", "string", "no value") },
  { function() tr:json({}) end, badarg(1, "json", "string", "table") },
  { function() tr.csv(1, "a.csv") end, badarg(1, "csv", "slope.Trace", "number") },
  -- run options of the wrong type name the option
  { function() slope.minimize(x, { x = "a" }, { lr = 0.1 }) end, "minimize: the start value of 'x' must be a number" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, steps = "many" }) end, "minimize: steps must be a number, got string" },
  { function() slope.minimize(x, { x = 1 }, { optimizer = 1 }) end, "minimize: optimizer must be an optimizer %(slope.optim.adam{ lr = 0.01 }%), got number" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, on_step = 1 }) end, "minimize: on_step must be a function%(s%), got number" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, clip = 1 }) end, "minimize: clip must be a table { norm = 1 } or { value = 0.5 }, got number" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, tol = "tight" }) end, "minimize: tol must be a table { grad = 1e%-8, f = 1e%-12 }, got string" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, data = 1 }) end, "minimize: data must be a data set %(slope.data{ x = {...} }%), got number" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, params = "x" }) end, "minimize: params must be a list of parameter names, got string" },
  { function() slope.maximize(x, { x = 1 }, { lr = 0.1, data = {} }) end, "maximize: data must be a data set" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, noise = 1 }) end, "minimize: noise must come from slope.noise.gaussian, langevin or gradient" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, schedule = 1 }) end, "schedule must be a schedule %(slope.schedule.cosine{ T_max = 100 }%) or a function%(t, base%), got number" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, batch = "half" }) end, "minimize: batch must be \"full\" or an integer >= 1" },
  { function() slope.minimize(x, { x = 1 }, { lr = { y = 1 } }) end, "minimize: lr names 'y', which is not a parameter" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, schedule = function() return "a" end }) end, "a schedule function must return a number" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, on_step = function() error("boom") end }) end, "boom" },
  { function() slope.problem(x, { x = 1 }, { data = "ds" }) end, "problem: data must be a data set" },
}
for i, c in ipairs(argument_cases) do
  local ok, e = pcall(c[1])
  e = tostring(e)
  check.ok(not ok and e:find(c[2]) ~= nil, ("argument case %d: %s"):format(i, ok and "no error" or e))
end
-- an objective written as a Lua function is turned back with the reason, when
-- the optimizer needs a gradient (issue 15: the message now also names the
-- derivative-free kinds, which take the function itself)
check.err(function() slope.minimize(function(v) return v^2 end, { x = 1 }, { lr = 0.1 }) end,
          P"bad argument #1 to 'minimize' (an expression such as \"x^2 - 4*x\" expected, got a Lua function: slope differentiates expressions. A function written with + - * / ^ and slope.sin, slope.exp ... builds its expression when called on variables: pass f(slope.vars(\"x\")); or give a derivative-free optimizer (anneal"
          .. ".*" .. P"), which calls the function itself on the point as a table and needs only its value)",
          "minimize(function)")
do -- the advice does not lean on the script's globals
  local saved = table
  table = nil
  local ok, e = pcall(slope.minimize, function() end, { y = 1, x = 2 }, { lr = 0.1 })
  table = saved
  check.ok(not ok and tostring(e):find('pass f(slope.vars("x", "y"))', 1, true) ~= nil,
           "the advice with table = nil: " .. tostring(e))
end
check.eq(slope.minimize((function(v) return v^2 end)(slope.vars("x")), { x = 1 }, { lr = 0.25, steps = 1 }).x.x,
         0.5, "the call the message shows works: x = 1 - 0.25*2")
check.err(function() slope.maximize(true, { x = 1 }, { lr = 0.1 }) end,
          P"bad argument #1 to 'maximize' (Expr or expression text expected, got boolean)", "maximize(true)")
-- Lua's own message format, word for word, for the issue's example
check.err(function() slope.minimize(x) end, "^[^:]*:%d+: bad argument #2 to '[%w%.]*minimize' %(table expected, got nil%)$",
          "minimize(f) without a start table")

-- ---- 2. typos in option names ------------------------------------------------------------

local typo_cases = {
  { function() slope.optim.sgd{ lr = 0.1, momentun = 0.9 } end, "sgd: unknown option 'momentun' (options: lr, momentum, dampening, weight_decay, nesterov, maximize); did you mean 'momentum'?" },
  { function() slope.optim.adam{ beta = { 0.9, 0.99 } } end, "adam: unknown option 'beta'" },
  { function() slope.optim.sgd{ lr = 0.1, 0.9 } end, "sgd: the value 0.9 has no name: options are written name = value (options: lr, momentum," },
  { function() opt.momentun = 0.9 end, "adam has no hyperparameter 'momentun' (it has: lr, betas, eps, weight_decay, amsgrad, maximize)" },
  { function() opt.bettas = { 0.9, 0.99 } end, "adam has no hyperparameter 'bettas' (it has: lr, betas, eps, weight_decay, amsgrad, maximize); did you mean 'betas'?" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, momentun = 0.9 }) end, "minimize: unknown option 'momentun' (options: optimizer, steps," },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, step = 10 }) end, "minimize: unknown option 'step'" },
  { function() slope.maximize(x, { x = 1 }, { lr = 0.1, ephocs = 10 }) end, "maximize: unknown option 'ephocs'" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, clip = { nrom = 1 } }) end, "clip: unknown option 'nrom' (options: norm, value); did you mean 'norm'?" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, tol = { gard = 1 } }) end, "tol: unknown option 'gard' (options: grad, f); did you mean 'grad'?" },
  { function() slope.problem(x, { x = 1 }, { dat = ds }) end, "problem: unknown option 'dat'" },
  { function() slope.data.regression{ nn = 5 } end, "regression: unknown option 'nn' (options: n, w, b, noise, seed)" },
  { function() slope.schedule.cosine{ Tmax = 10 } end, "cosine has no argument 'Tmax' (it has: T_max, eta_min); did you mean 'T_max'?" },
  { function() slope.schedule.sequential{ schedules = {}, milestones = {}, extra = 1 } end, "sequential: unknown option 'extra'" },
  { function() slope.noise.gaussian{ sdt = 1 } end, "slope.noise.gaussian: unknown option 'sdt'" },
  { function() x:compile{ "x", dtaa = ds } end, "compile: unknown option 'dtaa' (options: data, jit, fast_math)" },
  { function() x:ccode{ nmae = "f" } end, "ccode: unknown option 'nmae' (options: name, params); did you mean 'name'?" },
  { function() slope.plot.curve{ titel = "t" } end, "slope.plot.curve: unknown option 'titel'" },
  { function() slope.testfn.rosenbrock{ m = 2 } end, "slope.testfn.rosenbrock: unknown option 'm' (options: n)" },
  { function() slope.compare{ f = x^2, start = { x = 1 }, optimizers = { a = slope.optim.sgd{ lr = 0.1 } }, setps = 5 } end, "unknown option 'setps'" },
}
for i, c in ipairs(typo_cases) do
  check.err(c[1], P(c[2]), "typo case " .. i)
end
-- the Lua parts of the module say it the same way, at the caller's line
for _, c in ipairs {
  { function() slope.noise.gaussian{ sdt = 1 } end,
    "slope.noise.gaussian: unknown option 'sdt' (options: schedule, std); did you mean 'std'?" },
  { function() slope.plot.curve{ serie = {} } end, "slope.plot.curve: unknown option 'serie' (options: color, file, "
    .. "height, log, series, term, title, width, x, xlabel, ylabel); did you mean 'series'?" },
  { function() slope.testfn.rosenbrock{ m = 2 } end, "slope.testfn.rosenbrock: unknown option 'm' (options: n)" },
  { function() slope.testfn.rosenbrock{ n = 1 } end, "slope.testfn.rosenbrock needs n >= 2" },
} do
  check.err(c[1], "^tests/test_hostile%.lua:%d+: " .. P(c[2]) .. "$", "at the caller's line: " .. c[2])
end
-- a value without a name (adam{ 0.1 }, as torch.optim.Adam(params, 0.1) would
-- have it) says so, the same way in the C and the Lua parts, at the caller's line
for _, c in ipairs {
  { function() slope.optim.adam{ 0.1 } end,
    "adam: the value 0.1 has no name: options are written name = value (options: lr, betas, eps, weight_decay, amsgrad, maximize)" },
  { function() slope.minimize(x, { x = 1 }, { 0.1 }) end, "minimize: the value 0.1 has no name: options are written name = value (options: optimizer," },
  { function() slope.schedule.step{ 10 } end, "step: the value 10 has no name: options are written name = value" },
  { function() slope.schedule.sequential{ true } end, "sequential: the value true has no name: options are written name = value (options: schedules, milestones)" },
  { function() slope.data.regression{ 100 } end, "regression: the value 100 has no name: options are written name = value (options: n, w, b, noise, seed)" },
  { function() slope.noise.gaussian{ 0.5 } end, "slope.noise.gaussian: the value 0.5 has no name: options are written name = value (options: schedule, std)" },
  { function() slope.plot.curve{ {}, term = true } end, "slope.plot.curve: a table has no name: options are written name = value (options: color," },
  { function() slope.testfn.rosenbrock{ "x" } end, "slope.testfn.rosenbrock: the value 'x' has no name: options are written name = value (options: n)" },
} do
  check.err(c[1], "^tests/test_hostile%.lua:%d+: " .. P(c[2]), "a value without a name: " .. c[2])
end
-- a long unnamed string is quoted by its beginning: the message stays short
do
  local ok, e = pcall(slope.optim.adam, { string.rep("x", 1000000) })
  check.ok(not ok and e:find("the value '" .. string.rep("x", 40) .. "...' has no name", 1, true) ~= nil and #e < 300,
           "a 10^6-byte unnamed string: " .. (ok and "no error" or #e .. " bytes"))
end
-- misspelled names in the module's tables are errors with a guess, not nils that fail later
for _, c in ipairs {
  { function() return slope.optim.adma end, "slope.optim has no 'adma'; did you mean 'adam'?" },
  { function() return slope.minimze end, "slope has no 'minimze'; did you mean 'minimize'?" },
  { function() return slope.schedule.cosin end, "slope.schedule has no 'cosin'; did you mean 'cosine'?" },
  { function() return slope.data.cvs end, "slope.data has no 'cvs'; did you mean 'csv'?" },
  { function() return slope.noise.gauss end, "slope.noise has no 'gauss'" },
  { function() return slope.testfn.rosenbruck end, "slope.testfn has no 'rosenbruck'; did you mean 'rosenbrock'?" },
  { function() return slope.plot.contur end, "slope.plot has no 'contur'; did you mean 'contour'?" },
  { function() return slope.zzz end, "slope has no 'zzz'" },
} do
  check.err(c[1], "^tests/test_hostile%.lua:%d+: " .. P(c[2]) .. "$", "strict name: " .. c[2])
end
check.eq({ rawget(slope, "zzz"), slope.optim[1], type(slope.optim.adam) }, { nil, nil, "function" },
         "rawget and non-string keys are untouched")
-- a name far from every option gets the list and no guess
check.err(function() slope.optim.sgd{ lr = 0.1, zzz = 1 } end,
          P("sgd: unknown option 'zzz' (options: lr, momentum, dampening, weight_decay, nesterov, maximize)") .. "$",
          "no guess for a name far from every option")

-- ---- 3. values out of range: the message says what is allowed ----------------------------

local range_cases = {
  { function() slope.optim.adam{ lr = -1 } end, "adam: lr must be >= 0, got -1" },
  { function() slope.optim.adam{ lr = 0 / 0 } end, "adam: lr must be >= 0, got nan" },
  { function() slope.optim.adam{ lr = math.huge } end, "adam: lr must be finite and >= 0, got inf" },
  { function() slope.optim.adam{ betas = { 1, 0.999 } } end, "adam: betas[1] must be in [0, 1), got 1" },
  { function() slope.optim.adam{ betas = { 0.9, -0.1 } } end, "adam: betas[2] must be in [0, 1), got -0.1" },
  { function() slope.optim.adam{ betas = 0.9 } end, "adam: betas takes 2 values, got 1" },
  { function() slope.optim.adam{ eps = -1e-8 } end, "adam: eps must be >= 0, got -1e-08" },
  { function() slope.optim.sgd{ lr = 0.1, momentum = -0.5 } end, "sgd: momentum must be >= 0, got -0.5" },
  { function() slope.optim.sgd{ lr = 0.1, nesterov = true } end, "sgd: nesterov requires momentum > 0 and dampening = 0, got momentum 0, dampening 0" },
  { function() slope.optim.rprop{ etas = { 2, 0.5 } } end, "rprop: etas[1] must be in (0, 1), got 2" },
  { function() slope.optim.rprop{ etas = { 0.5, 0.9 } } end, "rprop: etas[2] must be > 1, got 0.9" },
  { function() slope.optim.rprop{ step_sizes = { 1, 0.1 } } end, "rprop: step_sizes must satisfy step_sizes[1] <= step_sizes[2], got 1, 0.1" },
  { function() slope.optim.lbfgs{ max_iter = 0.5 } end, "lbfgs: max_iter must be an integer in [1, 1000000000], got 0.5" },
  { function() slope.optim.lbfgs{ line_search = "armijo" } end, "lbfgs: line_search must be \"strong_wolfe\" or \"none\", got \"armijo\"" },
  { function() slope.optim.anneal{ T0 = 0 } end, "anneal: T0 must be > 0, got 0" },
  { function() slope.optim.asgd{ t0 = -math.huge } end, "asgd: t0 must be a finite number, got -inf" },
  { function() slope.optim.rmsprop{ alpha = -0.1 } end, "rmsprop: alpha must be >= 0, got -0.1" },
  { function() opt.lr = -0.5 end, "adam: lr must be >= 0, got -0.5" },
  { function() opt.amsgrad = 2 end, "adam: amsgrad must be 0 or 1 (false or true), got 2" },
  { function() slope.schedule.cosine{ T_max = 0 } end, "cosine: T_max must be an integer >= 1, got 0" },
  { function() slope.schedule.step{ step_size = 2, gamma = -1 } end, "step: gamma must be > 0, got -1" },
  { function() slope.schedule.step{ step_size = 2, gamma = math.huge } end, "step: gamma must be > 0, got inf" },
  { function() slope.noise.gaussian{ std = -1 } end, "slope.noise.gaussian: std must be a number >= 0, got -1" },
  { function() slope.data.regression{ n = -1 } end, "regression: n must be >= 1, got -1" },
  { function() slope.data.regression{ n = 1e12 } end, "more than half this machine's memory" },
  { function() ds:split(2) end, "split: 'fraction' must be in (0, 1), got 2" },
  { function() slope.testfn.rosenbrock{ n = 0 } end, "slope.testfn.rosenbrock: n must be an integer >= 1, got 0" },
  { function() slope.minimize(x, { x = 1 }, { lr = -1 }) end, "sgd: lr must be >= 0, got -1" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, steps = -1 }) end, "minimize: steps must be a whole number >= 0, got -1" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, steps = 2.5 }) end, "minimize: steps must be a whole number >= 0, got 2.5" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, time = -1 }) end, "minimize: time must be a number of seconds >= 0 (0: no limit)" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, time = 0 / 0 }) end, "minimize: time must be a number of seconds >= 0" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, seed = -3 }) end, "minimize: seed must be a whole number >= 0, got -3" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, batch = 0 }) end, "minimize: batch must be \"full\" or an integer >= 1" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, batch = 2 }) end, "minimize: batch needs data" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, epochs = 3 }) end, "minimize: epochs needs data (use steps)" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, clip = { norm = -1 } }) end, "clip: give norm > 0 or value > 0" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, clip = { norm = -1, value = 0.5 } }) end, "clip: norm must be >= 0, got -1" },
  { function() slope.minimize(x, { x = 1 }, { lr = 0.1, tol = { grad = -1 } }) end, "tolerances must be >= 0" },
  { function() slope.minimize(x, { x = 1 }, { lr = { x = -2 } }) end, "lr for 'x' must be >= 0, got -2" },
}
for i, c in ipairs(range_cases) do
  check.err(c[1], P(c[2]), "range case " .. i)
end

-- ---- 4. divergence of every optimizer kind ----------------------------------------------

-- Each kind on log(x) from x = 1 (every descent method walks x below 0, where
-- log is NaN), newton and L-BFGS included; anneal is derivative-free and
-- moves by random proposals, so it gets -exp(x^2), which overflows to -inf.
local kinds = {
  { "sgd", { lr = 2 } }, { "adam", { lr = 0.5 } }, { "adamw", { lr = 0.5 } },
  { "rmsprop", { lr = 0.5 } }, { "adagrad", { lr = 2 } }, { "adadelta", { lr = 1000 } },
  { "adamax", { lr = 0.5 } }, { "nadam", { lr = 0.5 } }, { "radam", { lr = 0.5 } },
  { "rprop", { lr = 0.5 } }, { "asgd", { lr = 2 } }, { "lbfgs", { lr = 1 } },
  { "lbfgs", { lr = 1, line_search = "strong_wolfe" } }, { "newton", { lr = 1 } },
  { "anneal", { step_size = 10 } },
}
local seen = {}
for _, k in ipairs(kinds) do
  local kind, hyper = k[1], k[2]
  seen[kind] = true
  local label = kind .. (hyper.line_search and " (strong_wolfe)" or "")
  local anneal = kind == "anneal"
  local f, start = anneal and "-exp(x^2)" or "log(x)", { x = anneal and 0 or 1 }
  local r = slope.minimize(f, start, { optimizer = slope.optim[kind](hyper), steps = 2000, seed = 1 })
  check.eq(r.status, "diverged", label .. ": status")
  check.ok(all_finite(r), label .. ": nothing NaN or infinite in the result or its trace")
  -- the last finite point: f there is finite, computed here independently
  local fx = anneal and -math.exp(r.x.x^2) or math.log(r.x.x)
  check.ok(fx == fx and math.abs(fx) < math.huge, label .. ": f is finite at r.x = " .. tostring(r.x.x))
  check.near(r.f, fx, 1e-12, label .. ": r.f is f at r.x")
  -- r.steps is the step whose update went too far, r.x the point before it
  check.ok(r.steps >= 1, label .. ": at least one step")
  check.eq(r.trace[r.steps - 1].x.x, r.x.x, label .. ": r.x is the point after step r.steps - 1")
  check.ok(#r.trace <= r.steps, label .. ": no row past the last finite point's step")
  check.ok(r.message:find("diverged at step " .. r.steps .. ": ", 1, true) ~= nil, label .. ": the step, in: " .. r.message)
  -- the operation to blame, with its argument at the point where f is not finite
  local culprit = anneal and "f = %-inf at x = [-%d.e+]+, where exp%(x%^2%) = inf for x%^2 = [%d.e+]+ %(overflow%)"
    or "f = nan at x = %-[%d.e+-]+, where log%(x%) = nan for x = %-[%d.e+-]+ %(outside its domain%)"
  local says = r.message:find(culprit) or r.message:find("the update made x ", 1, true)
  check.ok(says, label .. ": what went wrong and where, in: " .. r.message)
  -- -exp(x^2) has no minimum: anneal finds f = -inf, and no learning rate helps
  local advice = anneal and "f is unbounded below: it has no minimum to find (the last finite point is kept)"
    or "the last finite point is kept. Try a smaller learning rate"
  check.ok(r.message:find(advice, 1, true) ~= nil, label .. ": what to try, in: " .. r.message)
end
for _, kind in ipairs{ "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
                       "radam", "rprop", "asgd", "lbfgs", "newton", "anneal" } do
  check.ok(seen[kind], "divergence covered for " .. kind)
end

-- out-of-domain values, reported with the step and the expression
do
  local r = slope.minimize("x + log(x)", { x = 1 }, { lr = 0.3, steps = 10 })
  -- x1 = 1 - 0.3*(1 + 1) = 0.4, x2 = 0.4 - 0.3*(1 + 2.5) = -0.65: log(-0.65)
  check.eq({ r.status, r.steps, r.x.x }, { "diverged", 2, 0.4 }, "log: diverged after step 2, x1 kept")
  check.eq(r.message, "diverged at step 2: f = nan at x = -0.65, where log(x) = nan for x = -0.65 (outside its domain); "
           .. "the last finite point is kept. "
           .. "Try a smaller learning rate (lr = 0.3 now) or clipping", "log: the whole message")
  r = slope.minimize("sqrt(x)", { x = 0.25 }, { lr = 0.25, steps = 10 })
  -- x1 = 0.25 - 0.25/(2*0.5) = 0: sqrt is finite there, its derivative is not
  check.eq({ r.status, r.steps, r.x.x }, { "diverged", 1, 0.25 }, "sqrt: diverged after step 1")
  check.ok(r.message:find("diverged at step 1: the gradient is not finite: d/dx = inf at x = 0, "
                          .. "where 1/sqrt(x) = inf for x = 0 (division by zero)", 1, true),
           "sqrt: the gradient entry and the expression, in: " .. r.message)
  r = slope.minimize("1/x", { x = -1 }, { lr = 1, steps = 10 })
  -- x1 = -1 - 1*(-1/1) = 0: division by zero
  check.ok(r.status == "diverged" and r.message:find("f = inf at x = 0, where 1/x = inf for x = 0 (division by zero)", 1, true),
           "division by zero, in: " .. r.message)
  r = slope.minimize("x/(y - 2)", { x = 1, y = 1 }, { lr = 1, steps = 10 })
  check.ok(r.message:find("f = inf at x = 2, y = 2, where 1/(y - 2) = inf for y - 2 = 0 (division by zero)", 1, true),
           "two parameters named, in: " .. r.message)
  r = slope.minimize("log(x)", { x = -1 }, { lr = 1, steps = 10 })
  check.eq({ r.status, r.steps, r.x.x }, { "diverged", 0, -1 }, "log at the start point: no step")
  check.eq(r.message, "diverged at the start point: f = nan at x = -1, where log(x) = nan for x = -1 (outside its domain); "
           .. "no step was made",
           "start point: the whole message")
  -- a long objective is shortened in the message, which stays one line of advice
  local long = "mean((w*x + b - y)^2) + 0.001*(w^2 + b^2) + 0.5*log(1 + exp(w - b))"
  r = slope.minimize(long, { w = 0, b = 0 }, { data = ds, lr = 10, steps = 500 })
  check.eq(r.status, "diverged", "regression with lr 10 diverges")
  check.ok(all_finite(r), "regression: nothing NaN in the result")
  check.ok(r.message:find(", where exp(w - b) = inf for w - b = ", 1, true) and r.message:find(" (overflow); ", 1, true),
           "the overflowing operation, in: " .. r.message)
  check.ok(r.message:find("Try a smaller learning rate (lr = 10 now) or clipping", 1, true) ~= nil, "advice kept whole")
  -- inside mean(): the row is named (1-based, as Lua counts), over the full data and in a mini-batch
  local rows = slope.data{ x = { 1, 2, 3, -4 } }
  r = slope.minimize("mean(log(w*x))", { w = 1 }, { data = rows, lr = 0.1, steps = 10 })
  check.eq(r.message, "diverged at the start point: f = nan at w = 1, where log(w*x) = nan for w*x = -4 in row 4 "
           .. "(outside its domain); no step was made", "a row of the data: the whole message")
  r = slope.minimize("mean(log(w*x))", { w = 1 }, { data = rows, batch = 1, shuffle = false, lr = 0.1, steps = 10 })
  check.eq({ r.status, r.steps }, { "diverged", 3 }, "mini-batch: the fourth batch, row 4, diverges")
  check.ok(r.message:find("where log%(w%*x%) = nan for w%*x = %-[%d.]+ in row 4 %(outside its domain%)") ~= nil,
           "mini-batch: the row, in: " .. r.message)
  -- every row finite, their sum not
  r = slope.minimize("mean(w*x)", { w = 1 }, { data = slope.data{ x = { 1e308, 1e308 } }, lr = 0.1, steps = 10 })
  check.eq(r.message, "diverged at the start point: f = inf at w = 1, where mean(w*x) = inf (overflow); no step was made",
           "the sum over the rows overflows")
  -- a finite gradient whose squares overflow has a finite norm (the norm used
  -- to be inf, which made the trace of anneal's run above not finite)
  r = slope.minimize("1e200*x + 1e200*y", { x = 0, y = 0 }, { lr = 0, steps = 2 })
  check.eq(r.status, "max_steps", "huge gradient: no divergence")
  check.near(r.grad_norm, 1e200 * math.sqrt(2), 1e-15, "huge gradient: its norm")
  check.near(r.trace[1].grad_norm, 1e200 * math.sqrt(2), 1e-15, "huge gradient: its norm in the trace")
  -- gradient ascent diverges the same way
  r = slope.maximize("-log(x)", { x = 1 }, { lr = 2, steps = 10 })
  check.eq({ r.status, r.steps, r.x.x }, { "diverged", 1, 1 }, "maximize: diverged, start kept")
  -- opt:step on a problem: the error is not hidden either
  local p = slope.problem("log(x)", { x = 1 })
  local o = slope.optim.sgd{ lr = 2 }
  check.eq(o:step(p), 0, "opt:step returns f before the update")
  check.eq(p.x.x, -1, "opt:step moved x to -1")
  check.ok(p.f ~= p.f, "p.f is NaN there (a hand-written loop sees it)")
end

-- ---- 5. hostile text and data through the binding ----------------------------------------

check.err(function() slope.expr(string.rep("(", 100000) .. "x") end, P"1:201: expression nested too deeply (limit 200)", "100000 parentheses")
check.err(function() slope.expr(string.rep("x+", 1500000) .. "x") end, P"1:1: input is too long (3000001 bytes, limit 1048576)", "3 MB of text")
check.err(function() slope.expr("x\0y") end, P"1:2: unexpected character '\\x00'", "a NUL byte")
check.err(function() slope.expr("x + \xff") end, P"1:5: unexpected character '\\xff'", "invalid UTF-8")
do -- 40 nested squares: 122 nodes whose plain text would be 2^40 long
  local src = { "a0 = x;" }
  for i = 1, 40 do src[#src + 1] = ("a%d = a%d*a%d + sin(a%d);"):format(i, i - 1, i - 1, i - 1) end
  src[#src + 1] = "a40"
  local f = slope.expr(table.concat(src, " "))
  check.eq(f:size(), 122, "a shared DAG of 122 nodes")
  local want = { "_1 = x^2 + sin(x);" }
  for i = 2, 39 do want[#want + 1] = ("_%d = _%d^2 + sin(_%d);"):format(i, i - 1, i - 1) end
  want[#want + 1] = "_39^2 + sin(_39)"
  check.eq(tostring(f), table.concat(want, " "), "tostring writes the shared levels once, as let-bindings")
  check.ok(slope.expr(tostring(f)) == f, "which read back to the same node")
  check.err(function() return f:latex() end,
            P"the text would be longer than 16 MB: shared subexpressions print again at every use (print a part, or compile it)",
            "LaTeX stops at the text limit")
  local a, da = -0.5, 1
  for _ = 1, 40 do da = da * (2 * a + math.cos(a)); a = a * a + math.sin(a) end
  local v, g = f:compile{ "x" }:grad(-0.5)
  check.near(v, a, 1e-12, "its value, by the recurrence")
  check.near(g[1], da, 1e-12, "its derivative, by the recurrence")
end
check.err(function() slope.expr("1e400") end, P"1:1: number '1e400' is out of range", "1e400")
check.err(function() slope.expr(string.rep("n", 100000)) end, P"is too long (limit 255 characters)", "a name of 10^5 characters")
check.err(function() slope.var(string.rep("n", 100000)) end, P"is not a valid variable name", "slope.var of 10^5 characters")
check.err(function() slope.data{ [string.rep("c", 300)] = { 1 } } end, "255", "a column name of 300 characters")
check.err(function() slope.data{ x = { 1, 1 / 0 } } end, P"slope.data: column 'x', entry 2 is inf (expected a finite number)", "inf in a column")
check.err(function() slope.minimize(x, { x = 1 / 0 }, { lr = 0.1 }) end, P"minimize: the start value of 'x' must be finite, got inf", "an infinite start value")
check.err(function() slope.problem(x, { x = 0 / 0 }) end, P"problem: the start value of 'x' must be finite, got nan", "a NaN start value")
do
  local path = os.tmpname()
  local fh = assert(io.open(path, "wb"))
  fh:write("x,y\n1,2\n3,\0\n")
  fh:close()
  check.err(function() slope.data.csv(path) end, P(path .. ":3: unexpected NUL byte"), "csv with a NUL byte")
  fh = assert(io.open(path, "wb"))
  fh:write("x\n1e400\n")
  fh:close()
  check.err(function() slope.data.csv(path) end, P(path .. ":2: column 1 ('x'): '1e400' is out of range"), "csv with 1e400")
  os.remove(path)
end

check.done()
