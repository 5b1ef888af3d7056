-- test_plot_surface.lua -- slope.plot.surface: the projection, the
-- painter's order against cases with a known answer (a path behind a peak is
-- hidden, a path in front is not), heights and colours, and its errors.
-- Run as: build/slope tests/test_plot_surface.lua
local check = dofile("tests/check.lua")
local S = require "slope.plot.surface"

local peak = "3*exp(-(x^2 + y^2))"
local box = { x = { -2, 2 }, y = { -2, 2 } }
-- seen from the +x side (azimuth 0), low: the ridge of the peak hides what is behind it
local sc = S.scene { f = peak, range = box, elevation = 15, azimuth = 0, grid = 41,
  paths = { front = { x = { 1.5, 1.5 }, y = { -0.3, 0.3 } }, back = { x = { -1.5, -1.5 }, y = { -0.3, 0.3 } } } }
local pieces = { 0, 0 }
for _, it in ipairs(sc.items) do
  if it.path and not it.marker then pieces[it.path] = pieces[it.path] + 1 end
end
-- entries of a table by name come sorted: back is path 1, front path 2
check.eq(sc.paths[1].name, "back", "paths by name, sorted")
local back_hidden, front_shown = 0, 0
for k, it in ipairs(sc.items) do
  if it.path and not it.marker then
    local c = S.covered(sc.items, k)
    if it.path == 1 and c then back_hidden = back_hidden + 1 end
    if it.path == 2 and not c then front_shown = front_shown + 1 end
  end
end
check.ok(pieces[1] > 0 and back_hidden == pieces[1], ("the path behind the peak is hidden (%d of %d pieces)"):format(back_hidden, pieces[1]))
check.ok(pieces[2] > 0 and front_shown == pieces[2], ("the path in front is drawn over the surface (%d of %d pieces)"):format(front_shown, pieces[2]))

-- from above (elevation 90) nothing hides a path lying on the surface
local top = S.scene { f = peak, range = box, elevation = 90, azimuth = 0, grid = 21,
  paths = { { x = { -1.53, 1.49 }, y = { 0.05, 0.05 } } } }   -- off the grid lines: a point on an edge is in two faces
local covered = 0
for k, it in ipairs(top.items) do
  if it.path and not it.marker and S.covered(top.items, k) then covered = covered + 1 end
end
check.eq(covered, 0, "seen from above, a path over the peak is never covered")

-- painter's order: items sorted far to near
local sorted = true
for k = 2, #sc.items do if sc.items[k].depth < sc.items[k - 1].depth then sorted = false end end
check.ok(sorted, "items are drawn far to near")
-- faces: (grid - 1)^2 of them
local faces = 0
for _, it in ipairs(sc.items) do if it.face then faces = faces + 1 end end
check.eq(faces, 40 * 40, "one face per grid cell")

-- the projection: elevation 90 looks straight down, x to the right when azimuth is -90
local flat = S.scene { f = "x + y/1000", range = { x = { 0, 1 }, y = { 0, 1 } }, elevation = 90, azimuth = -90, grid = 3 }
local xs = {}
for _, it in ipairs(flat.items) do if it.face then xs[#xs + 1] = it.pts[1] end end
table.sort(xs)
check.near(xs[#xs] - xs[1], 0.5, 1e-12, "seen from above, the faces' corners span half the unit box across")

-- colour bar: round values inside the heights' range, each in the colour of its height
local lin = S.scene { f = "x^2 + y^2", range = box, grid = 11 }
local inc, inside, round = true, true, true
for k, e in ipairs(lin.bar) do
  if k > 1 and e[1] <= lin.bar[k - 1][1] then inc = false end
  if not (e[1] > 0 and e[1] < 8) then inside = false end
  if e[1] ~= math.floor(e[1]) then round = false end
end
check.ok(#lin.bar >= 5 and inc and inside and round, "linear colour bar: whole numbers increasing inside (0, 8)")
-- its colours are viridis at 0.95 * height / 8 (the heights span 0..8)
local scale = require "slope.plot.scale"
check.eq(lin.bar[1][2], scale.viridis(0.95 * lin.bar[1][1] / 8), "linear colour bar: colour of the height")
local lg = S.scene { f = "x^2 + y^2", range = box, grid = 11, log = true }
local decades = 0
for _, e in ipairs(lg.bar) do if math.abs(math.log(e[1], 10) - math.floor(math.log(e[1], 10) + 0.5)) < 1e-9 then decades = decades + 1 end end
check.ok(decades >= 2 and lg.bar[1][1] < 0.01, "log colour bar: levels by decades, down to 1e-4 of the span")
-- on the log scale a level's colour is viridis at the log of its height above 8e-4 (1e-4 of the span)
local v = lg.bar[2][1]
check.eq(lg.bar[2][2], scale.viridis(0.95 * (math.log(v) - math.log(8e-4)) / (math.log(8) - math.log(8e-4))),
  "log colour bar: colour by the logarithm")

-- the range as contour takes it too: x = {lo, hi}, y = {lo, hi}
local a = S.scene { f = peak, range = box, grid = 5 }
local b = S.scene { f = peak, x = { -2, 2 }, y = { -2, 2 }, grid = 5 }
check.eq(b.items[1].pts, a.items[1].pts, "x = {lo, hi}, y = {lo, hi} is range = { x = , y = }")

-- a loss over data: the same surface as its closed form
local ds = slope.data { x = { 1, 2 }, y = { 3, 5 } }
local over = S.scene { f = "mean((w*x + b - y)^2)", data = ds, x = "w", y = "b", range = { w = { 0, 4 }, b = { -2, 2 } }, grid = 6 }
local closed = S.scene { f = "((w + b - 3)^2 + (2*w + b - 5)^2)/2", x = "w", y = "b", range = { w = { 0, 4 }, b = { -2, 2 } }, grid = 6 }
local same = #over.items == #closed.items
for k = 1, math.min(#over.items, #closed.items) do
  for i, v in ipairs(over.items[k].pts) do
    if math.abs(v - closed.items[k].pts[i]) > 1e-12 then same = false end
  end
end
check.ok(same, "a surface over data is its closed form's")

-- errors
local plot = slope.plot
check.err(function() plot.surface { f = peak, range = box, elevation = 100 } end,
  check.plain("slope.plot.surface: elevation must be a number of degrees in [-90, 90], got 100"), "elevation out of range")
check.err(function() plot.surface { f = peak } end,
  check.plain("slope.plot.surface: missing option 'range' ({ x = {lo, hi}, y = {lo, hi} })"), "no range")
check.err(function() plot.surface { f = peak, range = box, term = true } end,
  check.plain("slope.plot.surface: term = true draws flat plots only"), "no terminal surface")
local r = slope.minimize("(a - 1)^2 + (b - 2)^2", { a = 0, b = 0 }, { lr = 0.1, steps = 5 })
check.err(function() plot.surface { f = peak, range = box, paths = { r } } end,
  check.plain("slope.plot.surface: path '1' has no parameter 'x' (the plot's axis; the path's parameters: a, b)"),
  "a path over other variables")
check.err(function() plot.surface { f = peak, range = box, azimut = 3 } end, "did you mean 'azimuth'", "misspelled option")
check.done()
