-- test_load.lua -- the Lua half of the module (lua/*.lua, precompiled into the
-- binary): nothing of it runs at start, each part loads on first use under
-- the public names it always had, shares code by require and not through
-- the module table, and keeps its file names and line numbers for errors.
-- Run as: build/slope tests/test_load.lua (first, before anything touches slope).
local check = dofile("tests/check.lua")

-- The line of 'lua/FILE' whose text contains 'needle' (plain), read from the
-- source itself: the reference the precompiled chunks' line numbers must meet.
local function line_of(file, needle)
  local n = 0
  for line in io.lines("lua/" .. file) do
    n = n + 1
    if line:find(needle, 1, true) then return n end
  end
  error("no '" .. needle .. "' in lua/" .. file)
end

local PARTS = { "slope.plot", "slope.plot.scale", "slope.plot.contour", "slope.plot.svg", "slope.plot.term",
                "slope.help", "slope.show", "slope.compare", "slope.testfn", "slope.noise" }

-- ---- nothing loaded at start, everything there to be loaded --------------------
for _, name in ipairs(PARTS) do
  check.eq(package.loaded[name], nil, name .. " is not loaded at start")
  check.eq(type(package.preload[name]), "function", name .. " is in package.preload")
end
check.eq(rawget(slope, "_plot"), nil, "no slope._plot")
check.ok(help == slope.help, "the global help is slope.help")

-- ---- a deferred table fills itself, and stays the same table --------------------
local plot = slope.plot
check.eq(next(plot), nil, "slope.plot is empty before first use")
local names = {}
for k in pairs(plot) do names[#names + 1] = k end   -- pairs loads it (as the REPL's completion does)
table.sort(names)
check.eq(names, { "contour", "curve", "fit", "fn1d", "scatter", "surface" }, "pairs(slope.plot) lists the plots")
check.ok(slope.plot == plot and require "slope.plot" == plot, "slope.plot is one table, before and after")
check.eq(package.loaded["slope.plot.scale"] ~= nil, true, "slope.plot required its helpers")
check.eq(package.loaded["slope.help"], nil, "loading the plots loads nothing else")
check.err(function() return slope.plot.curv end, check.plain("slope.plot has no 'curv'; did you mean 'curve'?"),
          "slope.plot is still strict once loaded")
check.eq(type(slope.testfn.rosenbrock), "function", "slope.testfn loads on first index")
local r = slope.testfn.rosenbrock()
check.near(r.expr:eval { x = 0.5, y = 2 }, 0.25 + 100 * 1.75 ^ 2, 1e-12, "testfn.rosenbrock evaluates")
check.err(function() return slope.noise.gausian end, "did you mean 'gaussian'", "slope.noise is strict")
check.eq(slope.noise.gaussian { std = 0.5 }.std, 0.5, "slope.noise.gaussian works")

-- ---- a deferred function keeps its identity ---------------------------------------
local show = slope.show
check.eq(show { 1, x = 2 }, "{ 1, x = 2 }", "slope.show on its first call")
check.ok(slope.show == show, "slope.show is the same function after loading")
local line = debug.getinfo(1, "l").currentline + 1
local e = check.err(function() local c = slope.compare {}; return c end, "missing option 'f'", "compare checks")
check.eq(e:match("^(.-):%d+:"), "tests/test_load.lua", "compare's error names this file")
check.eq(tonumber(e:match("^.-:(%d+):")), line, "compare's error names the caller's line")

-- ---- precompiled chunks keep their names and lines --------------------------------
local info = debug.getinfo(slope.plot.curve, "S")
check.eq(info.source, "=[slope plot.lua]", "plot.curve's chunk is named as the file")
check.eq(info.linedefined, line_of("plot.lua", "function plot.curve("), "plot.curve's line is the source's")
local fmt = require("slope.plot.scale").fmt
local ok, err = pcall(fmt, "a", 1)
check.ok(not ok, "an error inside embedded code")
check.eq(err:match("^%[slope plot_scale.lua%]:(%d+):") and tonumber(err:match(":(%d+):")),
         line_of("plot_scale.lua", "local mag = abs(v)"), "the error names the file and line: " .. tostring(err))

check.done()
