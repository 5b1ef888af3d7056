-- test_help.lua -- help() has something to say about everything a person can
-- reach from slope: every public function, optimizer and schedule, and the
-- topics the tour names; the usage of an optimizer shows its real defaults.
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
check.ok(help_of():find("help(slope.minimize)", 1, true) ~= nil, "help() is the tour")
check.eq(help_of("nonsense"), "no help for that; help() lists what there is", "help of an unknown topic")
check.eq(help_of(42), "no help for that; help() lists what there is", "help of a number")
check.done()
