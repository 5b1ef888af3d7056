-- test_help.lua -- help() has something to say about everything a person can
-- reach from slope: every public function, optimizer and schedule, the
-- objects they return and their methods, and the topics the tour names; the
-- usage of an optimizer shows its real defaults (or its current values).
local check = dofile("tests/check.lua")

-- What help(thing) prints.
local function help_of(thing)
  local out = {}
  local saved = print
  print = function(...) for _, s in ipairs { ... } do out[#out + 1] = tostring(s) end end
  local ok, err = pcall(help, thing)
  print = saved
  assert(ok, err)
  return table.concat(out, "\n")
end

local NONE = "no help for that"

-- every function in slope and in its tables (slope.optim.adam, slope.plot.curve, ...)
local function walk(t, prefix, depth, found)
  for k, v in pairs(t) do
    if type(k) == "string" and k:sub(1, 1) ~= "_" then
      if type(v) == "function" then found[#found + 1] = { prefix .. k, v }
      elseif type(v) == "table" and depth < 2 then walk(v, prefix .. k .. ".", depth + 1, found) end
    end
  end
  return found
end
local all = walk(slope, "slope.", 0, {})
table.sort(all, function(a, b) return a[1] < b[1] end)
check.ok(#all > 80, ("the walk finds slope's functions (%d)"):format(#all))
for _, f in ipairs(all) do
  local text = help_of(f[2])
  check.ok(text ~= "" and not text:find(NONE, 1, true), "help(" .. f[1] .. ")")
end

-- the texts say the right things
check.ok(help_of(slope.optim.adam):find("lr = 0.001, betas = {0.9, 0.999}, eps = 1e-08", 1, true) ~= nil,
         "help(adam) shows PyTorch's defaults, read from the object")
check.ok(help_of(slope.optim.sgd):find("momentum = 0", 1, true) ~= nil, "help(sgd) shows momentum")
check.ok(help_of(slope.sin):find("slope.sin(...) -> Expr", 1, true) ~= nil, "help(slope.sin)")
check.ok(help_of(slope.vars) == help_of(slope.var), "help(slope.vars) is help(slope.var)")
check.ok(help_of(slope.plot.contour):find("slope.plot.contour{", 1, true) ~= nil, "help(slope.plot.contour)")
check.ok(help_of(slope.maximize) == help_of(slope.minimize), "help(slope.maximize) is help(slope.minimize)")
check.ok(help_of(slope.testfn.beale):find("three_hump_camel", 1, true) ~= nil, "help(slope.testfn.beale) lists them all")
for _, topic in ipairs { "expr", "var", "diff", "minimize", "problem", "load", "compare", "data", "noise",
                         "schedule", "plot", "testfn", "adam" } do
  local text = help_of(topic)
  check.ok(text ~= "" and not text:find(NONE, 1, true), 'help "' .. topic .. '"')
end
-- objects and their methods: what a person holding one at the REPL asks about
local opt = slope.optim.sgd { lr = 0.1, momentum = 0.9 }
local opt_help = help_of(opt)
check.ok(opt_help:find("slope.optim.sgd{ lr = 0.1, momentum = 0.9,", 1, true) ~= nil
         and opt_help:find("opt:step(p)", 1, true) ~= nil, "help(an optimizer) shows its values and its methods")
check.ok(help_of(opt.step):find("opt:step(p)", 1, true) ~= nil, "help(opt.step)")
local ds = slope.data { x = { 1, 2 }, y = { 2, 4 } }
check.eq(help_of(ds), help_of(slope.data), "help(a data set) is help(slope.data)")
check.eq(help_of(ds.split), help_of(slope.data), "help(ds.split)")
local f = slope.expr "x^2"
check.eq(help_of(f), help_of(slope.diff), "help(an Expr) lists its methods")
check.eq(help_of(f.grad), help_of(slope.diff), "help(f.grad)")
local r = slope.minimize("x^2", { x = 1 }, { lr = 0.1, steps = 2 })
check.ok(help_of(r.trace):find("t[0] is the start", 1, true) ~= nil, "help(a trace)")
check.ok(help_of(r.trace.csv):find("t:csv(path)", 1, true) ~= nil, "help(trace.csv)")
check.ok(help_of(f:compile { "x" }):find("fn:grad(1, 2)", 1, true) ~= nil, "help(a compiled function)")
check.eq(help_of(slope.problem("x^2", { x = 1 })), help_of(slope.problem), "help(a problem)")
check.eq(help_of(slope.schedule.cosine { T_max = 10 }), help_of(slope.schedule.cosine), "help(a schedule)")
-- the module's tables by name
for _, topic in ipairs { "optim", "schedule", "noise", "data", "plot", "testfn" } do
  check.eq(help_of(slope[topic]), help_of(topic), "help(slope." .. topic .. ") is help \"" .. topic .. "\"")
end
for kind in pairs(slope.optim) do
  check.ok(help_of(slope.optim):find("\n  " .. kind .. " ", 1, true) ~= nil, "help(slope.optim) lists " .. kind)
end
check.ok(help_of():find("help(slope.minimize)", 1, true) ~= nil, "help() is the tour")
check.eq(help_of("nonsense"), "no help for that; help() lists what there is", "help of an unknown topic")
check.eq(help_of(42), "no help for that; help() lists what there is", "help of a number")
check.done()
