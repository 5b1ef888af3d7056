-- test_plot.lua -- slope.plot: tick choice, contour geometry, where data
-- lands in the picture, well-formed SVG, option errors, NaN skipping and the
-- terminal plot's shape.  Run as: build/slope tests/test_plot.lua
local check = dofile("tests/check.lua")
-- the arithmetic is checked in the modules the plots are built from
local scale = require "slope.plot.scale"
local contour = require "slope.plot.contour"
local nan, inf = 0 / 0, math.huge
local PX = 0.02                -- coordinates are written with two decimals

------------------------------------------------------------------------
-- a tiny XML checker: every tag closed in order, attributes quoted, no raw
-- '<' or stray '&' in text or values.  Returns true, or nil and a reason.
------------------------------------------------------------------------
local function wellformed(doc)
  local stack, pos, roots = {}, 1, 0
  local function entities_ok(s)
    for amp in s:gmatch("&[^;]*;?") do
      if not (amp:match("^&%a+;$") or amp:match("^&#%d+;$") or amp:match("^&#x%x+;$")) then return false end
    end
    return not s:find("<", 1, true)
  end
  while pos <= #doc do
    local lt = doc:find("<", pos, true)
    local text = doc:sub(pos, (lt or #doc + 1) - 1)
    if not entities_ok(text) then return nil, "bad text near " .. pos end
    if text:find("%S") and #stack == 0 then return nil, "text outside the root" end
    if not lt then break end
    local gt = doc:find(">", lt, true)
    if not gt then return nil, "unterminated tag at " .. lt end
    local tag = doc:sub(lt + 1, gt - 1)
    if tag:sub(1, 1) == "/" then
      local name = tag:match("^/([%w:_-]+)%s*$")
      if not name or stack[#stack] ~= name then
        return nil, ("</%s> closes <%s>"):format(tostring(name), tostring(stack[#stack]))
      end
      stack[#stack] = nil
    else
      local name, rest = tag:match("^([%w:_-]+)(.-)$")
      if not name then return nil, "bad tag <" .. tag .. ">" end
      local selfclose = rest:sub(-1) == "/"
      if selfclose then rest = rest:sub(1, -2) end
      local seen = {}
      local leftover = rest:gsub('%s+([%w:_-]+)="([^"]*)"', function(k, v)
        if seen[k] then seen["?bad"] = k end
        seen[k] = true
        if not entities_ok(v) then seen["?bad"] = k end
        return ""
      end)
      if leftover:find("%S") then return nil, "bad attributes in <" .. name .. ">: " .. leftover end
      if seen["?bad"] then return nil, "bad value of " .. seen["?bad"] end
      if #stack == 0 then roots = roots + 1 end
      if not selfclose then stack[#stack + 1] = name end
    end
    pos = gt + 1
  end
  if #stack > 0 then return nil, "unclosed <" .. stack[#stack] .. ">" end
  if roots ~= 1 then return nil, roots .. " root elements" end
  return true
end

local util = dofile("tests/plot_util.lua")
local attrs, points_of = util.attrs, util.points_of

-- terminal text without ANSI colour escapes
local function plain(s) return (s:gsub("\27%[[%d;]*m", "")) end

local function lines_of(s)
  local out = {}
  for line in (s .. "\n"):gmatch("(.-)\n") do out[#out + 1] = line end
  return out
end

-- calls 'fn' with io.write captured; returns fn's result and what it wrote
local function quiet(fn)
  local saved, buf = io.write, {}
  io.write = function(...) for _, v in ipairs { ... } do buf[#buf + 1] = tostring(v) end end
  local ok, r = pcall(fn)
  io.write = saved
  if not ok then error(r, 0) end
  return r, table.concat(buf)
end

------------------------------------------------------------------------
-- nice ticks
------------------------------------------------------------------------
do
  local cases = {
    { 0, 1, 5, { 0, 0.2, 0.4, 0.6, 0.8, 1 } },
    { 0, 100, 5, { 0, 20, 40, 60, 80, 100 } },
    { -2, 2, 5, { -2, -1, 0, 1, 2 } },
    { 0.3, 7.9, 6, { 1, 2, 3, 4, 5, 6, 7 } },
    { 0, 2509, 6, { 0, 500, 1000, 1500, 2000, 2500 } },
    { -0.013, 0.021, 5, { -0.01, 0, 0.01, 0.02 } },
    { 1e6, 5e6, 4, { 1e6, 2e6, 3e6, 4e6, 5e6 } },
    { 0, 500, 6, { 0, 100, 200, 300, 400, 500 } },
    { 2.5, 2.9, 4, { 2.5, 2.6, 2.7, 2.8, 2.9 } },
    { -7.5, 8.3, 6, { -6, -4, -2, 0, 2, 4, 6, 8 } },     -- 8 ticks beat 3 (-5, 0, 5)
  }
  for _, c in ipairs(cases) do
    check.eq((scale.ticks(c[1], c[2], c[3])), c[4], ("ticks(%g, %g, %d)"):format(c[1], c[2], c[3]))
  end
  local _, step = scale.ticks(0, 1, 5)
  check.eq(step, 0.2, "ticks step")
  check.eq((scale.ticks(3, 3, 5)), { 3 }, "ticks of an empty range")

  -- log ticks: powers of ten as { value, power }, thinned; 1-2-5 inside one decade
  local function flat(list)
    local out = {}
    for i, t in ipairs(list) do out[i] = { t[1], t[2] } end
    return out
  end
  check.eq(flat(scale.logticks(1e-3, 1e2, 6)), { { 0.001, -3 }, { 0.01, -2 }, { 0.1, -1 }, { 1, 0 }, { 10, 1 }, { 100, 2 } },
    "logticks 1e-3..1e2")
  check.eq(flat(scale.logticks(1e-12, 1e12, 6)), { { 1e-10, -10 }, { 1e-5, -5 }, { 1, 0 }, { 1e5, 5 }, { 1e10, 10 } },
    "logticks thinned to every 5th power")
  check.eq(flat(scale.logticks(0.3, 4, 6)), { { 0.5 }, { 1 }, { 2 } }, "logticks inside one decade: 1-2-5")
  check.eq(flat(scale.logticks(1.9, 400, 6)), { { 2 }, { 5 }, { 10 }, { 20 }, { 50 }, { 100 }, { 200 } },
    "logticks over 2.3 decades: 1-2-5")
  check.eq(flat(scale.logticks(2.1, 4.5, 6)), { { 2.5 }, { 3 }, { 3.5 }, { 4 }, { 4.5 } }, "logticks inside one 1-2-5 step: linear")
  local major, minor = scale.logticks(0.003, 20, 6)
  check.eq(#major, 4, "logticks 0.003..20 majors")
  check.eq(minor[1], 0.003, "first minor tick")
  check.eq(minor[#minor], 20, "last minor tick")
  check.eq(#minor, 7 + 8 + 8 + 8 + 1, "minor ticks 3..9e-3, 2..9e-2, 2..9e-1, 2..9, 20")

  local fmts = {
    { 0.2, 0.2, "0.2" }, { 1500, 500, "1500" }, { 2e-5, 1e-5, "2e-5" }, { 1.5e6, 5e5, "1.5e6" },
    { -0.6, 0.2, "-0.6" }, { 3, 1, "3" }, { 0.05, 0.01, "0.05" }, { 0, 0.1, "0" }, { 2.5, 0.1, "2.5" },
    { 0.5, nil, "0.5" }, { 200000, 2e5, "2e5", true }, { 1.25e7, 2.5e6, "1.25e7", true }, { -1.5e-5, 5e-6, "-1.5e-5", true },
    { 1e6, 2e5, "1e6", true },
  }
  for _, c in ipairs(fmts) do check.eq(scale.fmt(c[1], c[2], c[4]), c[3], "fmt " .. c[3]) end
  check.eq(scale.sci({ 0, 200000, 400000 }, 200000), true, "axis of large values in exponent form")
  check.eq(scale.sci({ 0, 500, 1000 }, 500), false, "axis of moderate values in plain form")
  check.eq(scale.sci({ 0, 0.00005 }, 0.00005), true, "axis with a tiny step in exponent form")
end

------------------------------------------------------------------------
-- contour levels and marching squares
------------------------------------------------------------------------
do
  check.eq(contour.levels(0, 2509, 12, true), { 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000 },
    "log levels for Rosenbrock on [-2,2]x[-1,3]")
  check.eq(contour.levels(0, 10, 4), { 2, 4, 6, 8 }, "linear levels strictly inside")

  local function grid(fn, lo, hi, n)
    local xs, ys, z = {}, {}, {}
    for i = 1, n do xs[i] = lo + (hi - lo) * (i - 1) / (n - 1); ys[i] = xs[i] end
    for j = 1, n do
      z[j] = {}
      for i = 1, n do z[j][i] = fn(xs[i], ys[j]) end
    end
    return z, xs, ys
  end
  local n, h = 120, 4 / 119
  local z, xs, ys = grid(function(x, y) return x * x + y * y end, -2, 2, n)
  local lines = contour.contour_lines(z, xs, ys, 1)
  check.eq(#lines, 1, "circle: one polyline")
  local line, worst, quadrants = lines[1], 0, {}
  for i = 1, #line, 2 do
    local x, y = line[i], line[i + 1]
    worst = math.max(worst, math.abs(math.sqrt(x * x + y * y) - 1))
    quadrants[(x > 0 and 1 or 0) + (y > 0 and 2 or 0)] = true
  end
  check.ok(worst < h * h, ("circle: every point within h^2 of radius 1 (worst %.2g)"):format(worst))
  check.ok(quadrants[0] and quadrants[1] and quadrants[2] and quadrants[3], "circle: all four quadrants")
  check.eq(line[1], line[#line - 1], "circle closed (x)")
  check.eq(line[2], line[#line], "circle closed (y)")
  check.ok(#line / 2 > 200 and #line / 2 < 260, "circle: one point per crossed grid edge (" .. #line / 2 .. ")")

  -- radius sqrt(5) leaves the box: four open arcs ending on its edges
  local arcs = contour.contour_lines(z, xs, ys, 5)
  check.eq(#arcs, 4, "clipped circle: four arcs")
  for k, arc in ipairs(arcs) do
    for _, i in ipairs { 1, #arc - 1 } do
      local x, y = arc[i], arc[i + 1]
      check.ok(math.abs(math.abs(x) - 2) < 1e-12 or math.abs(math.abs(y) - 2) < 1e-12, "arc " .. k .. " ends on the box")
    end
  end

  -- saddle cells: x*y = 0.5 is two hyperbola branches, never joined
  local zs = grid(function(x, y) return x * y end, -2, 2, n)
  local hyp = contour.contour_lines(zs, xs, ys, 0.5)
  check.eq(#hyp, 2, "hyperbola: two branches")
  local bad = 0
  for _, l in ipairs(hyp) do
    for i = 1, #l, 2 do if math.abs(l[i] * l[i + 1] - 0.5) > 4 * h * h + 1e-12 then bad = bad + 1 end end
  end
  check.eq(bad, 0, "hyperbola points on x*y = 0.5")

  -- NaN corners are skipped: sqrt of a negative leaves half the plane blank
  local zn = grid(function(x, y) return x >= 0 and x * x + y * y or nan end, -2, 2, n)
  local half = contour.contour_lines(zn, xs, ys, 1)
  check.eq(#half, 1, "half circle: one polyline")
  local left = 0
  for i = 1, #half[1], 2 do if half[1][i] < 0 then left = left + 1 end end
  check.eq(left, 0, "half circle: nothing drawn where f is NaN")
end

------------------------------------------------------------------------
-- runs: NaN, inf and out-of-range values break and clip lines
------------------------------------------------------------------------
do
  local id = function(v) return v end
  local runs = scale.runs({ 0, 0.1, 0.2, 0.3, 0.4, 0.5 }, { 0.5, nan, 0.5, inf, 0.5, 0.6 }, id, id)
  check.eq(#runs, 1, "runs: NaN and inf break the line, lone points dropped")
  check.eq(runs[1], { 0.4, 0.5, 0.5, 0.6 }, "runs: the one segment left")
  local clipped = scale.runs({ -1, 0.5, 2 }, { 0.5, 0.5, 0.5 }, id, id)
  check.eq(#clipped, 1, "runs: clipped line")
  check.near(clipped[1][1], 0, 1e-8, "clipped at u = 0")
  check.near(clipped[1][5], 1, 1e-8, "clipped at u = 1")
  check.eq(#scale.runs({ 0.2, 0.8 }, { 2, 3 }, id, id), 0, "runs: segment wholly outside")
  local logy = scale.scale(1, 100, true)
  check.near(logy(10), 0.5, 1e-12, "log scale midpoint")
  check.ok(logy(0) ~= logy(0), "log scale: 0 maps to NaN")
  check.ok(logy(-1) ~= logy(-1), "log scale: negative maps to NaN")
end

------------------------------------------------------------------------
-- where a known path lands in the picture
------------------------------------------------------------------------
local bowl = slope.expr "x^2 + y^2"
local r = slope.minimize(bowl, { x = 0.8, y = -0.6 }, { optimizer = slope.optim.sgd { lr = 0.25 }, steps = 5 })
do
  local svg = slope.plot.contour { f = bowl, x = { -1, 1 }, y = { -1, 1 }, paths = { { name = "sgd", r } } }
  local frame = attrs(svg, '<rect class="frame"')
  check.ok(frame ~= nil, "frame rect present")
  local line = svg:match('<polyline class="path" points="([^"]*)"[^>]*data%-name="sgd"')
  check.ok(line ~= nil, "path polyline named sgd")
  local pts = points_of(line or "")
  check.eq(#pts, 6, "path: start and 5 steps")
  -- sgd with lr 0.25 on x^2 + y^2 halves the point each step
  for k = 0, 5 do
    local x, y = 0.8 * 0.5 ^ k, -0.6 * 0.5 ^ k
    local px = frame.x + (x + 1) / 2 * frame.width
    local py = frame.y + frame.height - (y + 1) / 2 * frame.height
    if pts[k + 1] then
      check.ok(math.abs(pts[k + 1][1] - px) <= PX, "path point " .. k .. " x pixel")
      check.ok(math.abs(pts[k + 1][2] - py) <= PX, "path point " .. k .. " y pixel")
    end
  end
  local start = attrs(svg, '<circle cx="[^"]*" cy="[^"]*" r="5"')
  check.ok(start ~= nil, "start marker")
  if start then
    check.ok(math.abs(start.cx - (frame.x + 0.9 * frame.width)) <= PX, "start marker x")
    check.ok(math.abs(start.cy - (frame.y + frame.height - 0.2 * frame.height)) <= PX, "start marker y")
  end
  check.ok(svg:find("<polygon", 1, true) ~= nil, "end marker (star)")
  -- the minimum as a cross centred on its pixel
  local sm = slope.plot.contour { f = bowl, x = { -1, 1 }, y = { -1, 1 }, minimum = { x = 0.5, y = 0 } }
  local fm = attrs(sm, '<rect class="frame"')
  local x0, y0, x1, y1 = sm:match('<path d="M(%-?[%d.]+) (%-?[%d.]+)L(%-?[%d.]+) (%-?[%d.]+)')
  check.ok(x0 ~= nil, "minimum marker drawn")
  if x0 then
    check.ok(math.abs((x0 + x1) / 2 - (fm.x + 0.75 * fm.width)) <= PX, "minimum marker x")
    check.ok(math.abs((y0 + y1) / 2 - (fm.y + 0.5 * fm.height)) <= PX, "minimum marker y")
  end
  check.ok(sm:find(">minimum</text>", 1, true) ~= nil, "minimum in the legend")
  check.ok(wellformed(svg), "contour SVG well-formed")
  -- the same path from a plain { x =, y = } list and from a table by name
  local svg2 = slope.plot.contour { f = bowl, x = { -1, 1 }, y = { -1, 1 }, paths = { sgd = r } }
  check.eq(svg2:match('<polyline class="path" points="([^"]*)"'), line, "paths by name")
  local xs, ys = r.trace:column "x", r.trace:column "y"
  local svg3 = slope.plot.contour { f = bowl, x = { -1, 1 }, y = { -1, 1 }, paths = { { name = "sgd", x = xs, y = ys } } }
  check.eq(svg3:match('<polyline class="path" points="([^"]*)"'), line, "path from coordinate lists")

  -- fn1d: the path sits on the curve, x mapped over the exact range
  local f = slope.expr "x^2 - 4*x + 1"
  local r1 = slope.minimize(f, { x = 10 }, { optimizer = slope.optim.sgd { lr = 0.1 }, steps = 20 })
  local s1 = slope.plot.fn1d { f = f, range = { -4, 10 }, path = r1 }
  local fr = attrs(s1, '<rect class="frame"')
  local p1 = points_of(s1:match('<polyline class="path" points="([^"]*)"') or "")
  check.eq(#p1, 21, "fn1d path: 21 points")
  local xs1 = r1.trace:column "x"
  local ok = true
  for k, p in ipairs(p1) do
    if math.abs(p[1] - (fr.x + (xs1[k] + 4) / 14 * fr.width)) > PX then ok = false end
  end
  check.ok(ok, "fn1d path x pixels")
  check.ok(wellformed(s1), "fn1d SVG well-formed")
  -- a plain list of x values is a path too, and the range defaults around it
  local s2 = slope.plot.fn1d { f = "x^2", path = { 2, 1, 0.5 } }
  check.ok(s2:find('class="path"', 1, true) ~= nil, "fn1d path from a list")
end

------------------------------------------------------------------------
-- curves: series forms, log axes, NaN skipping
------------------------------------------------------------------------
do
  local res = slope.compare { f = slope.expr "x^2", start = { x = 1 },
    optimizers = { sgd = slope.optim.sgd { lr = 0.1 }, adam = slope.optim.adam { lr = 0.1 } }, steps = 30 }
  local svg = slope.plot.curve { series = res, log = true, title = "sgd vs adam" }
  check.ok(wellformed(svg), "curve SVG well-formed")
  local names = {}
  for n in svg:gmatch('class="line" points="[^"]*"[^>]*data%-name="([^"]*)"') do names[#names + 1] = n end
  check.eq(names, { "adam", "sgd" }, "series by name, sorted")
  check.ok(svg:find('class="legend"', 1, true) ~= nil, "legend for two series")
  check.ok(svg:find("10<tspan", 1, true) ~= nil, "log axis labelled with powers of ten")
  check.ok(svg:find('viewBox="0 0 720 480"', 1, true) ~= nil, "viewBox")

  -- the legend goes where no line passes: one line across the top corners
  -- (rising steeply at the left, so a vertex-free stretch crosses the top-left
  -- box) and one across the bottom leave only the middle of the right edge
  local low, high = {}, {}
  for i = 1, 61 do low[i] = i < 3 and 320 or 400; high[i] = math.min(1000, 320 + 70 * i) end
  local placed = slope.plot.curve { series = { { name = "without clipping", y = low }, { name = "clip norm 1", y = high } } }
  local fx, fy, fw, fh = placed:match('class="frame" x="([%d.]+)" y="([%d.]+)" width="([%d.]+)" height="([%d.]+)"')
  local lx, ly, lw, lh = placed:match('<g class="legend">%s*<rect x="([%d.]+)" y="([%d.]+)" width="([%d.]+)" height="([%d.]+)"')
  fx, fy, fw, fh, lx, ly, lw, lh = tonumber(fx), tonumber(fy), tonumber(fw), tonumber(fh), tonumber(lx), tonumber(ly), tonumber(lw), tonumber(lh)
  check.ok(fx and lx and lx + lw > fx + 0.9 * fw and ly > fy + 0.25 * fh and ly + lh < fy + 0.75 * fh,
           ("legend in the empty middle of the right edge (frame %s %s %s %s, legend %s %s)"):format(
             tostring(fx), tostring(fy), tostring(fw), tostring(fh), tostring(lx), tostring(ly)))

  local one = slope.plot.curve { series = { r.trace } }
  check.ok(one:find('class="legend"', 1, true) == nil, "no legend for one series")
  check.eq(#points_of(one:match('class="line" points="([^"]*)"')), 6, "trace rows 0..5")
  local two = slope.plot.curve { series = { r, { name = "list", y = { 3, 2, 1 } } }, width = 500, height = 300 }
  check.ok(two:find('data-name="series 1"', 1, true) ~= nil, "unnamed result series")
  check.ok(two:find('data-name="list"', 1, true) ~= nil, "named list series")
  check.ok(two:find('viewBox="0 0 500 300"', 1, true) ~= nil, "width and height")

  -- NaN and inf are skipped: one polyline of the last two points
  local s = slope.plot.curve { series = { { name = "bad", y = { 1, nan, 3, inf, 5, 6 } } } }
  local lines = {}
  for p in s:gmatch('class="line" points="([^"]*)"') do lines[#lines + 1] = points_of(p) end
  check.eq(#lines, 1, "NaN/inf: one polyline left")
  check.eq(#lines[1], 2, "NaN/inf: of two points")
  check.ok(not s:find("%f[%a]nan%f[%A]") and not s:find("%f[%a]inf%f[%A]"), "no nan or inf in the SVG")
  check.ok(wellformed(s), "NaN curve well-formed")
  -- the y axis spans the finite values only: 1..6 gives ticks 1..6
  check.ok(s:find(">6</text>", 1, true) and s:find(">1</text>", 1, true), "y ticks span the finite values")
  -- log = true clips values <= 0 to the axis' bottom edge, and the legend
  -- says so (issue 13: they were skipped silently before)
  local l = slope.plot.curve { series = { { 1, 0, -1, 0.1, 0.01 } }, log = true }
  local ll = {}
  for p in l:gmatch('class="line" points="([^"]*)"') do ll[#ll + 1] = points_of(p) end
  check.eq(#ll, 1, "log: one line, nonpositive values clipped, not dropped")
  check.eq(#(ll[1] or {}), 5, "log: all five points drawn")
  local lf = attrs(l, '<rect class="frame"')
  check.ok(ll[1] and math.abs(ll[1][2][2] - (lf.y + lf.height)) <= PX and math.abs(ll[1][3][2] - (lf.y + lf.height)) <= PX,
    "log: 0 and -1 sit on the bottom edge")
  check.ok(l:find("2 values \u{2264} 0 clipped", 1, true) ~= nil, "log: the legend notes the clipped values")
  check.err(function() slope.plot.curve { series = { { nan, nan } } } end,
    check.plain("slope.plot.curve: no finite values to plot"), "all NaN")

  -- dense series are merged per pixel column, spikes kept
  local y = {}
  for i = 1, 20000 do y[i] = (i == 7777) and 50 or 1 + 1 / i end
  local d = slope.plot.curve { series = { y } }
  local dp = points_of(d:match('class="line" points="([^"]*)"'))
  check.ok(#dp < 4 * 720, "dense curve decimated (" .. #dp .. " points)")
  local top = math.huge
  for _, p in ipairs(dp) do top = math.min(top, p[2]) end
  local fr = attrs(d, '<rect class="frame"')
  check.ok(top < fr.y + 0.1 * fr.height, "the spike survives decimation")
end

------------------------------------------------------------------------
-- fit
------------------------------------------------------------------------
do
  local ds = slope.data { x = { 0, 1, 2, 3 }, y = { 1, 3, 5, 7 } }
  local svg = slope.plot.fit { data = ds, f = "w*x + b", params = { w = 2, b = 1 }, title = "fit" }
  check.ok(wellformed(svg), "fit SVG well-formed")
  local body = svg:gsub('<g class="legend">.-</g>', "")
  local dots = 0
  for _ in body:gmatch('fill%-opacity="0.85"') do dots = dots + 1 end
  check.eq(dots, 4, "four data points")
  check.ok(svg:find("fit: 2*x + 1", 1, true) ~= nil, "legend names the fitted model")
  -- the line passes through the data: y pixel of the line at each data x
  local fr = attrs(svg, '<rect class="frame"')
  local line = points_of(svg:match('class="line" points="([^"]*)"'))
  local circles = {}
  for cx, cy in body:gmatch('<circle cx="([^"]*)" cy="([^"]*)" r="5"') do circles[#circles + 1] = { tonumber(cx), tonumber(cy) } end
  local a, b = line[1], line[#line]
  local worst = 0
  for _, c in ipairs(circles) do
    local yl = a[2] + (b[2] - a[2]) * (c[1] - a[1]) / (b[1] - a[1])
    worst = math.max(worst, math.abs(yl - c[2]))
  end
  check.ok(#circles == 4 and worst < 0.02, "data points on the fitted line (worst " .. worst .. " px)")
  check.ok(fr ~= nil, "fit frame")
  local s2 = slope.plot.fit { data = { x = { 0, 1, 2 }, y = { 0, 1, 4 } }, model = "x^2" }
  check.ok(wellformed(s2), "fit from plain tables")
  -- NaN rows are skipped; a Lua function is a model too
  local s3 = slope.plot.fit { data = { x = { 0, 1, 0 / 0, 2 }, y = { 0, 1, 5, math.huge } },
    model = function(x) return x > 1 and "oops" or x end }
  local body3 = s3:gsub('<g class="legend">.-</g>', "")
  local n3 = 0
  for _ in body3:gmatch('r="5"') do n3 = n3 + 1 end
  check.eq(n3, 2, "fit: rows with NaN or inf skipped")
  check.ok(wellformed(s3) and not s3:find("%f[%a]nan%f[%A]"), "fit: a model returning junk leaves a gap")
  check.err(function() slope.plot.fit { data = ds, f = "w*x + b" } end,
    check.plain("slope.plot.fit: the model has free names other than 'x': w, b (give params = r.x)"), "unfitted model")
  check.err(function() slope.plot.fit { data = ds, x = "t" } end,
    check.plain("slope.plot.fit: data has no column 't'"), "missing column")
end

------------------------------------------------------------------------
-- XML escaping
------------------------------------------------------------------------
do
  local svg = slope.plot.curve { series = { { name = "a<b & \"c\"", y = { 1, 2 } }, { 2, 1 } }, title = "<&>'\"\1" }
  check.ok(wellformed(svg), "hostile text still well-formed")
  check.ok(svg:find("&lt;&amp;&gt;&apos;&quot;</text>", 1, true) ~= nil, "title escaped, control character dropped")
  check.ok(svg:find("a&lt;b &amp; &quot;c&quot;", 1, true) ~= nil, "legend name escaped")
  -- the checker itself rejects broken documents
  local bytes = slope.plot.curve { series = { { name = "bad\255name", y = { 1, 2 } } }, title = "caf\195\169 \200" }
  check.ok(utf8.len(bytes) ~= nil, "invalid UTF-8 in names replaced: output is UTF-8")
  check.ok(bytes:find(">café ?</text>", 1, true) ~= nil, "title: valid UTF-8 kept, stray byte as '?'")
  check.eq(scale.clean("ok\226\130\172x\226\130"), "ok\226\130\172x??", "clean: truncated sequence at the end")
  check.ok(not wellformed("<svg><g></svg>"), "checker: unclosed tag")
  check.ok(not wellformed("<svg>a & b</svg>"), "checker: raw ampersand")
  check.ok(not wellformed('<svg x="1" x2=2/>'), "checker: unquoted attribute")
  check.ok(not wellformed('<svg x="1" x="2"/>'), "checker: repeated attribute")
  check.ok(wellformed('<svg a="&amp;"><g/>x &#8722; y</svg>'), "checker: a good document")
end

------------------------------------------------------------------------
-- option errors
------------------------------------------------------------------------
do
  local e = check.err(function() slope.plot.curve { series = { { 1, 2 } }, colour = "red" } end,
    check.plain("slope.plot.curve: unknown option 'colour' (options: color, file, height, log, series, term, title, width, x, xlabel, ylabel)"),
    "misspelled option")
  check.ok(e and e:find("^tests/test_plot.lua:%d+:") ~= nil, "error points at the caller's line: " .. tostring(e))
  check.err(function() slope.plot.contour { f = bowl, x = { -1, 1 }, y = { -1, 1 }, level = 3 } end,
    check.plain("slope.plot.contour: unknown option 'level' (options: animate, arrows, color, data, every, f, file, fixed, fps, frames, grid, height, levels, log, minimum, paths, range, term, title, width, x, xlabel, y, ylabel)"),
    "contour: level for levels")
  check.err(function() slope.plot.fn1d { f = "x^2", ranges = { 0, 1 } } end,
    check.plain("slope.plot.fn1d: unknown option 'ranges' (options: animate, color, every, f, file, fps, frames, height, log, path, paths, range, tangent, term, title, width, xlabel, ylabel)"),
    "fn1d: ranges")
  check.err(function() slope.plot.fit { data = {}, modle = "x" } end,
    check.plain("slope.plot.fit: unknown option 'modle' (options: color, data, f, file, height, model, params, term, title, width, x, xlabel, y, ylabel)"),
    "fit: modle")
  check.err(function() slope.plot.fn1d { f = "x*y", range = { 0, 1 } } end,
    check.plain("slope.plot.fn1d: f must have one variable, got 2 (x, y)"), "fn1d: two variables")
  check.err(function() slope.plot.fn1d { f = "x^2" } end,
    check.plain("slope.plot.fn1d: missing option 'range' ({lo, hi} of x)"), "fn1d: no range")
  check.err(function() slope.plot.fn1d { f = "x^2", range = { 1, 0 } } end,
    check.plain("slope.plot.fn1d: range must be {lo, hi} with finite lo < hi, got { 1, 0 }"), "fn1d: reversed range")
  check.err(function() slope.plot.fn1d { f = "x^", range = { 0, 1 } } end,
    check.plain("slope.plot.fn1d: f: 1:3: expected an expression"), "fn1d: syntax error")
  check.err(function() slope.plot.contour { f = "x^2", x = { 0, 1 }, y = { 0, 1 } } end,
    check.plain("slope.plot.contour: f must have two variables, got 1 (x)"), "contour: one variable")
  check.err(function() slope.plot.contour { f = bowl, x = { -1, 1 }, y = { -1, 1 }, levels = 0 } end,
    check.plain("slope.plot.contour: levels must be a count in [1, 100] or a list of values, got 0"), "contour: levels 0")
  check.err(function() slope.plot.contour { f = bowl, x = { -1, 1 } } end,
    check.plain("slope.plot.contour: missing option 'y' ({lo, hi} of y)"), "contour: no y range")
  check.err(function() slope.plot.contour { f = "a^2 + b^2", x = { -1, 1 }, y = { -1, 1 }, paths = { r } } end,
    -- variables come in the order this context first met their names: b (w*x + b above) before a
    check.plain("slope.plot.contour: path '1' has no parameter 'b'"), "contour: path over other parameters")
  check.err(function() slope.plot.curve { series = { { 1, 2 } }, title = 3 } end,
    check.plain("slope.plot.curve: title must be a string, got a number"), "title type")
  check.err(function() slope.plot.curve { series = { { 1, 2 } }, width = 2.5 } end,
    check.plain("slope.plot.curve: width must be an integer in [4, 10000], got 2.5"), "width type")
  check.err(function() slope.plot.curve {} end,
    check.plain("slope.plot.curve: missing option 'series'"), "curve: no series")
  check.err(function() slope.plot.curve { series = { { y = { 1 }, colour = 1 } } } end,
    check.plain("slope.plot.curve: series 1: unknown field 'colour' (fields: name, x, y)"), "series field")
  check.err(function() slope.plot.curve { series = { { 1, 2 } }, x = { 1, 2, 3 } } end,
    check.plain("slope.plot.curve: series 1 has 2 values but its x has 3"), "x length")
  check.err(function() slope.plot.contour { f = bowl, x = { -1, 1 }, y = { -1, 1 }, minimum = { x = 1 } } end,
    check.plain("slope.plot.contour: minimum must be { x = , y = } or {x, y}, got { x = 1 }"), "contour: half a minimum")
  local untraced = slope.minimize(bowl, { x = 1, y = 1 }, { optimizer = slope.optim.sgd { lr = 0.1 }, steps = 2, trace = false })
  check.err(function() slope.plot.curve { series = { untraced } } end,
    check.plain("slope.plot.curve: series 1 is a result without a trace (run it with trace = 1)"), "curve: untraced result")
  check.err(function() slope.plot.contour { f = bowl, x = { -1, 1 }, y = { -1, 1 }, paths = { sgd = untraced } } end,
    check.plain("slope.plot.contour: path 'sgd' is a result without a trace (run it with trace = 1)"), "contour: untraced result")
  check.err(function() slope.plot.fn1d { f = "x^2", range = { -1, 1 }, path = untraced } end,
    check.plain("slope.plot.fn1d: path is a result without a trace (run it with trace = 1)"), "fn1d: untraced result")
  check.err(function() slope.plot.curve "x" end,
    check.plain("slope.plot.curve: expected a table of options"), "not a table")
end

------------------------------------------------------------------------
-- files
------------------------------------------------------------------------
do
  local path = os.tmpname()
  local svg = slope.plot.curve { series = { { 1, 2, 3 } }, file = path }
  local fh = io.open(path)
  local text = fh and fh:read("a")
  if fh then fh:close() end
  os.remove(path)
  check.eq(text, svg, "file holds the returned SVG")
  check.err(function() slope.plot.curve { series = { { 1, 2 } }, file = "/nonexistent/dir/x.svg" } end,
    check.plain("slope.plot.curve: cannot write '/nonexistent/dir/x.svg'"), "unwritable file")
end

------------------------------------------------------------------------
-- the terminal plot
------------------------------------------------------------------------
do
  local text, printed = quiet(function()
    return slope.plot.curve { series = { { name = "sgd", y = { 4, 3, 2, 1 } }, { name = "adam", y = { 4, 2, 1, 0.5 } } },
      term = true, color = false, width = 60, height = 10, title = "loss" }
  end)
  check.eq(printed, text .. "\n", "term: printed what it returned")
  local lines = lines_of(text)
  -- title, ylabel, 10 canvas rows, axis, x labels, legend
  check.eq(#lines, 1 + 1 + 10 + 1 + 1 + 1, "term: line count")
  local widest = 0
  for _, l in ipairs(lines) do widest = math.max(widest, utf8.len(l)) end
  check.ok(widest <= 60, "term: no line wider than 60 (" .. widest .. ")")
  for k = 3, 12 do check.eq(utf8.len(lines[k]), 60, "term: canvas row " .. (k - 2) .. " is 60 wide") end
  check.ok(lines[3]:find("^  4 ┤") ~= nil, "term: max label on the top row: " .. lines[3])
  check.ok(lines[12]:find("^0.5 ┤") ~= nil, "term: min label on the bottom row")
  check.ok(lines[13]:find("└", 1, true) ~= nil, "term: x axis")
  check.ok(lines[14]:find("^%s+0%s.*step%s.*3$") ~= nil, "term: x min, label, max: " .. lines[14])
  check.ok(lines[15]:find("sgd", 1, true) and lines[15]:find("adam", 1, true), "term: legend")
  check.ok(text:find("[\u{2801}-\u{28ff}]") ~= nil, "term: braille dots")
  check.ok(not text:find("\27", 1, true), "term: color = false has no escapes")
  -- Chinese text takes two columns per character: the axis line, the tick
  -- line and the centred title line up as in a terminal
  local function columns(line)
    local n = 0
    for _, cp in utf8.codes(line) do n = n + ((cp >= 0x4E00 and cp <= 0x9FFF) and 2 or 1) end
    return n
  end
  local cjk = quiet(function()
    return slope.plot.curve{ series = { { name = "训练损失", y = { 3, 1, 2 } }, { name = "test", y = { 2, 2, 1 } } },
      term = true, title = "损失曲线 loss", xlabel = "步数", width = 40, height = 5, color = false }
  end)
  local cl = {}
  for l in cjk:gmatch("[^\n]+") do cl[#cl + 1] = l end
  check.eq(columns(cl[1]), 13 + (40 - 13) // 2, "term: a Chinese title is centred by columns")
  check.eq(columns(cl[9]), columns(cl[8]), "term: the tick line with a Chinese label ends under the axis")
  check.ok(cl[9]:find("步数", 1, true) and cl[10]:find("训练损失", 1, true), "term: Chinese label and legend")
  check.eq(#cl, 10, "term: no line wraps")
  -- a long Chinese legend name is cut by columns, not by characters
  local long = quiet(function()
    return slope.plot.curve{ series = { { name = string.rep("损", 40), y = { 1, 2 } } , { name = "b", y = { 2, 1 } } },
      term = true, width = 40, height = 4, color = false }
  end)
  local legend = long:match("[^\n]*\u{2026}[^\n]*")
  check.ok(legend and columns(legend) <= 40, "term: a long Chinese name is cut to fit: " .. tostring(legend))
  -- without color = ..., colours go only to a terminal: output sent into a
  -- pipe or a file stays plain even when TERM names a colour terminal
  local pipe = io.popen("TERM=xterm-256color " .. (os.getenv("SLOPE") or "build/slope")
    .. [[ -e 'slope.plot.curve{ series = { 3, 1, 2 }, term = true, width = 20, height = 5 }']])
  local piped = pipe:read("a")
  pipe:close()
  check.ok(piped:find("\u{2502}", 1, true) and not piped:find("\27", 1, true), "term: no escapes into a pipe")

  local coloured = quiet(function()
    return slope.plot.contour { f = bowl, x = { -1, 1 }, y = { -1, 1 }, paths = { r }, term = true, color = true }
  end)
  check.ok(coloured:find("\27[31m", 1, true) ~= nil, "term: coloured path")
  local cl = lines_of(plain(coloured))
  local w = 0
  for _, l in ipairs(cl) do w = math.max(w, utf8.len(l)) end
  check.eq(w, 72, "term: default width 72")
  check.ok(plain(coloured):find("o", 1, true) and plain(coloured):find("*", 1, true), "term: start and end marks")

  -- the same figure as SVG and as text when both file and term are given
  local path = os.tmpname()
  local t2 = quiet(function()
    return slope.plot.fit { data = { x = { 1, 2 }, y = { 2, 4 } }, model = "2*x", term = true, color = false, file = path }
  end)
  local fh = io.open(path)
  local svg = fh:read("a")
  fh:close()
  os.remove(path)
  check.ok(wellformed(svg), "term with file: SVG written too")
  check.ok(t2:find("\u{2022}") ~= nil, "term: scatter points as bullets")
end

check.done()
