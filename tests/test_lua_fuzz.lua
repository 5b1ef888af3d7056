-- test_lua_fuzz.lua -- every public function and method of the Lua API called
-- with hostile arguments: wrong types, NaN, huge numbers, empty and malformed
-- tables and strings, objects of the wrong class, in systematic and random
-- combinations (seeded, so a failure replays).
--
-- What must hold: the process survives (a crash or a sanitizer report fails
-- the run), every failure is a Lua error carrying a readable message (a
-- non-empty string, no "(null)", no C format left unexpanded), and afterwards
-- the module still computes the right answer.  tests/sanitize.sh runs this
-- under ASan and UBSan, tests/valgrind.sh under memcheck.
--
-- Run from the repository root: build/slope tests/test_lua_fuzz.lua
local check = dofile("tests/check.lua")
math.randomseed(20261122)

-- ---- the values thrown at every function ------------------------------------------

local x = slope.var "x"
local f = slope.expr "(x - 3)^2 + log(1 + y^2)"
local ds = slope.data{ x = { 1, 2, 3, 4 }, y = { 3, 5, 7, 9 } }
local opt = slope.optim.adam{ lr = 0.1 }
local prob = slope.problem("x^2", { x = 1 })
local fn = slope.expr("x^2 + y"):compile{ "x", "y" }
local run = slope.minimize("x^2", { x = 1 }, { lr = 0.1, steps = 3 })
local sched = slope.schedule.cosine{ T_max = 10 }

local values = {
  true, false, 0, -1, 2, 0.5, 1e308, -1e308, 0 / 0, math.huge, -math.huge, math.mininteger,
  math.maxinteger, "", "x", "x^2 + y", "((", "1e400", "\0", "/nonexistent/dir/f.svg",
  string.rep("z", 300), {}, { 1, 2 }, { x = 1 }, { x = "a" }, { x = 0 / 0 }, { steps = 3 }, { lr = -1 },
  { 1, "a", {} }, { x = { 1, 2 } }, function() end, function() return 1 end,
  function() error("boom") end, x, f, ds, opt, prob, fn, run, run.trace, sched,
  slope.noise.gaussian{ std = 1 }, io.stdout, coroutine.create(function() end),
}
local NV = #values + 1   -- index NV stands for nil

local function pick() local i = math.random(NV) return values[i] end

-- ---- the functions: the module's tree and the methods of its objects ---------------

-- Names whose job is to write files or the terminal; everything else is called.
local skip = { help = true, csv = true, json = true, save = true }

local targets = {}
local function collect(t, prefix, seen)
  seen[t] = true
  local names = {}
  for k in pairs(t) do names[#names + 1] = k end
  table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(names) do
    local v = t[k]
    if not skip[k] then
      if type(v) == "function" then targets[#targets + 1] = { prefix .. tostring(k), v }
      elseif type(v) == "table" and not seen[v] then collect(v, prefix .. tostring(k) .. ".", seen) end
    end
  end
end
collect(slope, "slope.", {})

-- methods take the object as self; metamethods too (__add, __call, __index, ...)
local function methods(obj, label)
  local mt = getmetatable(obj)
  local list = {}
  for k, v in pairs(mt or {}) do
    if type(v) == "function" and k ~= "__gc" and k ~= "__close" then list[#list + 1] = k end
  end
  local idx = mt and (type(mt.__index) == "table" and mt.__index or mt.methods)
  for k, v in pairs(idx or {}) do
    if type(v) == "function" and not skip[k] then list[#list + 1] = k end
  end
  table.sort(list)
  for _, k in ipairs(list) do
    local m = mt[k] or idx[k]
    targets[#targets + 1] = { label .. ":" .. k, function(...) return m(obj, ...) end }
    targets[#targets + 1] = { label .. "." .. k .. "(any self)", m }
  end
end
methods(x, "Expr")
methods(ds, "Data")
methods(opt, "Optimizer")
methods(prob, "Problem")
methods(fn, "Function")
methods(run.trace, "Trace")
methods(sched, "Schedule")

-- ---- calling ------------------------------------------------------------------------

local calls, failures, bad = 0, 0, 0
local function call(name, fun, ...)
  calls = calls + 1
  local ok, err = pcall(fun, ...)
  if ok then return end
  failures = failures + 1
  local good = type(err) == "string" and #err > 0 and not err:find("(null)", 1, true)
    and not err:find("%%[sdgfzl]")
  if not good and bad < 10 then
    bad = bad + 1
    io.stderr:write(("  %s: unreadable error %s\n"):format(name, tostring(err)))
  end
  check.ok(good, name .. ": the error is a readable message")
end

local real_print = print
print = function() end   -- some functions print (show, logs); keep the test's output short

-- every function with nothing, then with each value alone
for _, t in ipairs(targets) do
  call(t[1], t[2])
  for i = 1, NV do call(t[1], t[2], values[i]) end
end
-- random pairs and triples
for _ = 1, 20000 do
  local t = targets[math.random(#targets)]
  call(t[1], t[2], pick(), pick(), pick())
end
-- and the objects' own methods with pairs of values (n = 2 keeps it quick)
for _, t in ipairs(targets) do
  if t[1]:find(":", 1, true) then
    for _ = 1, 20 do call(t[1], t[2], pick(), pick()) end
  end
end

print = real_print
collectgarbage()
collectgarbage()

-- ---- afterwards: still exact -------------------------------------------------------

check.ok(calls > 10000, ("%d calls made, %d of them raised an error"):format(calls, failures))
local r = slope.minimize("x^2", { x = 10 }, { lr = 0.1, steps = 50 })
local xk = 10
for _ = 1, 50 do xk = xk - 0.1 * (2 * xk) end
check.eq(r.x.x, xk, "x_50 equals the hand loop exactly after the fuzzing")
check.eq(tostring(slope.expr "x^2 - 4*x + 1":diff "x"), "2*x - 4", "the derivative is still right")
check.done()
