-- test_plot_overlays.lua -- what the tutorials draw over a plot (issue 13):
-- several paths on fn1d, several lines on fit, the tangent and gradient
-- arrow, the gradient field, a loss over data on any two parameters, loss by
-- epoch, a classifier's points and boundary; each checked by where it lands
-- against values computed here by hand, and the failures the issue lists.
-- Run as: build/slope tests/test_plot_overlays.lua
local check = dofile("tests/check.lua")
local plot = slope.plot
local PX = 0.02   -- coordinates are written with two decimals

local util = dofile("tests/plot_util.lua")
local attrs, points_of = util.attrs, util.points_of

-- pixel -> data for a plot whose axes span xr, yr exactly (no padding)
local function to_data(svg, xr, yr)
  local fr = attrs(svg, '<rect class="frame"')
  return function(px, py)
    return xr[1] + (px - fr.x) / fr.width * (xr[2] - xr[1]), yr[1] + (fr.y + fr.height - py) / fr.height * (yr[2] - yr[1])
  end
end

------------------------------------------------------------------------
-- fn1d: several paths (the issue: path = { r1, r2 } failed), tangent
------------------------------------------------------------------------
do
  local r1 = slope.minimize("x^2", { x = 4 }, { lr = 0.1, steps = 10 })
  local r2 = slope.minimize("x^2", { x = -3 }, { lr = 0.3, steps = 10 })
  for _, o in ipairs { { path = { r1, r2 } }, { paths = { r1, r2 } } } do
    o.f, o.range = "x^2", { -5, 5 }
    local svg = plot.fn1d(o)
    local n = 0
    for _ in svg:gmatch('<polyline class="path"') do n = n + 1 end
    check.eq(n, 2, "fn1d: two paths drawn")
    check.ok(svg:find(">path 1</text>", 1, true) and svg:find(">path 2</text>", 1, true), "fn1d: both paths in the legend")
    check.ok(svg:find('stroke="#d62728"', 1, true) and svg:find('stroke="#ff7f0e"', 1, true), "fn1d: one colour each")
  end
  local named = plot.fn1d { f = "x^2", range = { -5, 5 }, paths = { ["lr 0.1"] = r1, ["lr 0.3"] = r2 } }
  check.ok(named:find('data-name="lr 0.1"', 1, true) and named:find(">lr 0.3</text>", 1, true), "fn1d: paths by name")
  check.err(function() plot.fn1d { f = "x^2", path = r1, paths = { r2 } } end,
    check.plain("slope.plot.fn1d: give path or paths, not both"), "fn1d: path and paths")
  local rw = slope.minimize("(w - 1)^2", { w = 3 }, { lr = 0.1, steps = 3 })
  check.err(function() plot.fn1d { f = "x^2", paths = { rw } } end,
    check.plain("slope.plot.fn1d: path '1' has no parameter 'x' (the plot's axis; the path's parameters: w)"),
    "fn1d: a path over another variable")

  -- the tangent at x0 = 1.5 of x^3 - 2x: slope 3*1.5^2 - 2 = 4.75 through (1.5, 0.375)
  local svg = plot.fn1d { f = "x^3 - 2*x", range = { -2, 2 }, tangent = 1.5 }
  local fr = attrs(svg, '<rect class="frame"')
  local tl = points_of(svg:match('<polyline class="line" points="([^"]*)"[^>]*data%-name="tangent"'))
  check.ok(#tl >= 2, "tangent: a line")
  -- the y axis is padded by 5% each side of the data's limits: read its scale from two tangent pixels
  if #tl >= 2 then
    local a, b = tl[1], tl[#tl]
    local x_of = function(px) return -2 + (px - fr.x) / fr.width * 4 end
    local slope_px = (b[2] - a[2]) / (x_of(b[1]) - x_of(a[1]))   -- pixels per x unit, downwards
    -- the curve's own pixels give the y scale: compare with f at the same x
    local curve = points_of(svg:match('<polyline class="line" points="([^"]*)"[^>]*data%-name="f"'))
    local c1, c2 = curve[1], curve[#curve]
    local ypx = (c2[2] - c1[2]) / ((2 ^ 3 - 4) - ((-2) ^ 3 + 4))   -- pixels per y unit
    check.near(slope_px / ypx, 4.75, 0.01, "tangent: its slope is f'(x0)")
    -- through (x0, f(x0)): at x0 the line's pixel equals the curve's
    local t_at = a[2] + (b[2] - a[2]) * (1.5 - x_of(a[1])) / (x_of(b[1]) - x_of(a[1]))
    local f_at = c1[2] + (0.375 - ((-2) ^ 3 + 4)) * ypx
    check.near(t_at, f_at, 0.05, "tangent: through (x0, f(x0))")
    -- the gradient arrow: from (x0, f(x0)) along +x (f' > 0), at most a fifth of the range
    local x0, y0, x1, y1 = svg:match('<g class="arrows" data%-name="gradient">%s*<path d="M(%-?[%d.]+) (%-?[%d.]+)L(%-?[%d.]+) (%-?[%d.]+)"')
    check.ok(x0 and math.abs(tonumber(y0) - f_at) < 0.05 and math.abs(tonumber(y1) - tonumber(y0)) < 0.01
      and tonumber(x1) > tonumber(x0), "gradient arrow: at the point, horizontal, pointing to +x")
    check.ok(x0 and math.abs(x_of(tonumber(x0)) - 1.5) < 0.01, "gradient arrow: starts at x0")
  end
  check.ok(svg:find("gradient f&apos;(1.5) = 4.75 (arrow scaled)", 1, true) ~= nil, "gradient arrow: in the legend, scaled")
  check.err(function() plot.fn1d { f = "x^2", range = { 0, 1 }, tangent = "a" } end,
    check.plain("slope.plot.fn1d: tangent must be a finite number"), "tangent: not a number")
end

------------------------------------------------------------------------
-- contour: the negative gradient field; a loss over data on chosen axes
------------------------------------------------------------------------
do
  local bowl = "(x - 1)^2 + 3*(y + 0.5)^2"
  local xr, yr = { -3, 3 }, { -2, 2 }
  local svg = plot.contour { f = bowl, range = { x = xr, y = yr }, arrows = true }
  local group = svg:match('<g class="arrows"[^>]*>(.-)</g>')
  local n, worst = 0, 0
  local data = to_data(svg, xr, yr)
  for x0, y0, x1, y1 in (group or ""):gmatch('<path d="M(%-?[%d.]+) (%-?[%d.]+)L(%-?[%d.]+) (%-?[%d.]+)"') do
    n = n + 1
    local ax, ay = data(tonumber(x0), tonumber(y0))
    local bx, by = data(tonumber(x1), tonumber(y1))
    local gx, gy = -2 * (ax - 1), -6 * (ay + 0.5)   -- the negative gradient, by hand
    local cross = (bx - ax) * gy - (by - ay) * gx
    local dot = (bx - ax) * gx + (by - ay) * gy
    local len = math.sqrt(((bx - ax) ^ 2 + (by - ay) ^ 2) * (gx * gx + gy * gy))
    if len > 1e-3 then worst = math.max(worst, dot < 0 and 2 or math.abs(cross) / len) end
  end
  check.eq(n, 15 * 15, "arrows: a 15 x 15 field")
  check.ok(worst < 0.05, "arrows: along -gradient (worst sine " .. worst .. ")")
  local up = plot.contour { f = bowl, range = { x = xr, y = yr }, arrows = "ascent" }
  check.ok(up:find("gradient (ascent direction)", 1, true) ~= nil, "arrows = \"ascent\": the gradient")
  check.err(function() plot.contour { f = bowl, range = { x = xr, y = yr }, arrows = "up" } end,
    check.plain("slope.plot.contour: arrows must be true"), "arrows: a bad value")

  -- mean((w*x + b - y)^2) over four points: the level 10 line, checked by a hand loop
  local ds = slope.data { x = { 1, 2, 3, 4 }, y = { 3, 5, 7, 9 } }
  local function loss(w, b)
    local s = 0
    for i, x in ipairs { 1, 2, 3, 4 } do s = s + (w * x + b - ({ 3, 5, 7, 9 })[i]) ^ 2 end
    return s / 4
  end
  local wr, br = { 0, 4 }, { -3, 5 }
  local c = plot.contour { f = "mean((w*x + b - y)^2)", data = ds, x = "w", y = "b", range = { w = wr, b = br }, levels = { 10 } }
  check.ok(c:find('font-size="14" fill="#222222" text-anchor="middle">w</text>', 1, true) ~= nil, "data contour: w across")
  local to = to_data(c, wr, br)
  local pts = points_of(c:match('<g class="contour"[^>]*>%s*<polyline points="([^"]*)"'))
  local err = 0
  for _, p in ipairs(pts) do err = math.max(err, math.abs(loss(to(p[1], p[2])) - 10)) end
  check.ok(#pts > 20 and err < 0.25, ("data contour: the level line has loss 10 (worst %.3f over %d points)"):format(err, #pts))
  -- the axes as asked: b across, w up
  local swapped = plot.contour { f = "mean((w*x + b - y)^2)", data = ds, x = "b", y = "w", range = { w = wr, b = br } }
  check.ok(swapped:find('text-anchor="middle">b</text>', 1, true) and swapped:find('rotate%(%-90[^>]*>w</text>'),
    "data contour: x = \"b\", y = \"w\" puts b across")
  -- a third parameter held fixed
  local f3 = plot.contour { f = "mean((w*x + b + c - y)^2)", data = ds, x = "w", y = "b", fixed = { c = 1 },
    range = { w = wr, b = br }, levels = { 10 } }
  local p3 = points_of(f3:match('<g class="contour"[^>]*>%s*<polyline points="([^"]*)"'))
  local to3, e3 = to_data(f3, wr, br), 0
  for _, p in ipairs(p3) do local w, b = to3(p[1], p[2]); e3 = math.max(e3, math.abs(loss(w, b + 1) - 10)) end
  check.ok(#p3 > 20 and e3 < 0.25, "fixed = { c = 1 }: the level line of the loss with c = 1")
  check.err(function() plot.contour { f = "mean((w*x + b - y)^2)", range = { w = wr, b = br } } end,
    "^[^\n]*slope%.plot%.contour: f must have two variables, got 4 %([wxyb, ]+%) %(give fixed = { %a = %.%.%. } to hold the others, and x = , y = to choose the axes%)$",
    "a loss over data without the data: the way out is in the message")
  check.err(function() plot.contour { f = "mean((w*x + b + c - y)^2)", data = ds, x = "w", y = "b" } end,
    check.plain("slope.plot.contour: f must have two variables, got 3 (w, b, c) besides the data's columns (give fixed = { c = ... }"),
    "three parameters: hold one fixed")
  -- a label naming the other axis' variable would mislabel the plot: an error saying how to swap
  check.err(function() plot.contour { f = "mean((w*x + b - y)^2)", data = ds, x = "b", y = "w", range = { w = wr, b = br }, xlabel = "w" } end,
    check.plain("slope.plot.contour: xlabel = 'w' names the variable on the other axis (b runs across, w up): give x = \"w\" to put w there"),
    "xlabel naming the y variable")
  check.err(function() plot.contour { f = "mean((w*x + b - y)^2)", data = ds, x = "v", y = "b" } end,
    check.plain("slope.plot.contour: x = 'v' is not a variable of f (its variables: w, b)"), "x names no variable")
  local rw = slope.minimize("(p - 1)^2 + (q - 2)^2", { p = 0, q = 0 }, { lr = 0.1, steps = 3 })
  check.err(function() plot.contour { f = "mean((w*x + b - y)^2)", data = ds, x = "w", y = "b", paths = { rw } } end,
    check.plain("slope.plot.contour: path '1' has no parameter 'w' (the plot's axis; the path's parameters: p, q)"),
    "a path whose variables are not the axes")
  -- a run on the data, drawn over its loss
  local r = slope.minimize("mean((w*x + b - y)^2)", { w = 0, b = 0 }, { data = ds, lr = 0.02, epochs = 20 })
  local withpath = plot.contour { f = "mean((w*x + b - y)^2)", data = ds, x = "w", y = "b", paths = { gd = r } }
  check.ok(withpath:find('data-name="gd"', 1, true) ~= nil, "data contour: the run's path drawn")
end

------------------------------------------------------------------------
-- fit: several lines (params = { before = , after = })
------------------------------------------------------------------------
do
  local ds = { x = { 1, 2, 3, 4 }, y = { 3, 5, 7, 9 } }
  local svg = plot.fit { data = ds, f = "w*x + b", params = { before = { w = 0, b = 0 }, after = { w = 2, b = 1 } } }
  local lines = {}
  for name, pts in svg:gmatch('<polyline class="line" points="([^"]*)"[^>]*data%-name="([^"]*)"') do
    lines[#lines + 1] = { pts, name }
  end
  check.eq(#lines, 2, "fit: two lines")
  check.ok(svg:find(">after: 2*x + 1</text>", 1, true) and svg:find(">before: 0</text>", 1, true)
    or svg:find(">before: 0*x + 0</text>", 1, true), "fit: both lines in the legend by name")
  -- 'after' passes through the data points: its line and the circles coincide
  local after
  for _, l in ipairs(lines) do if l[1]:find("^after") then after = points_of(l[2]) end end
  local body = svg:gsub('<g class="legend">.-</g>', "")
  local worst = 0
  for cx, cy in body:gmatch('<circle cx="([^"]*)" cy="([^"]*)" r="5"') do
    cx, cy = tonumber(cx), tonumber(cy)
    for i = 1, #(after or {}) - 1 do
      local a, b = after[i], after[i + 1]
      if cx >= a[1] and cx <= b[1] then
        worst = math.max(worst, math.abs(a[2] + (b[2] - a[2]) * (cx - a[1]) / (b[1] - a[1]) - cy))
      end
    end
  end
  check.ok(after and worst < 0.05, "fit: the 'after' line goes through the points (worst " .. worst .. " px)")
  local list = plot.fit { data = ds, f = "w*x + b", params = { { w = 1, b = 0 }, { w = 2, b = 1 } } }
  local n = 0
  for _ in list:gmatch('<polyline class="line"') do n = n + 1 end
  check.eq(n, 2, "fit: params as a list of tables")
  -- the issue: a 2-D classifier given to fit with params said "give params = r.x"
  local cls = { x1 = { 0, 1 }, x2 = { 1, 0 } }
  local e = check.err(function() plot.fit { data = cls, x = "x1", y = "x2", f = "w1*x1 + w2*x2 + b", params = { w1 = 1, w2 = 1, b = 0 } } end,
    check.plain("slope.plot.fit: the model has names other than 'x1' that params does not give: x2"), "fit: a classifier")
  check.ok(e and e:find("slope.plot.scatter", 1, true) ~= nil and not e:find("give params = r.x", 1, true),
    "fit: a classifier is sent to scatter, not told to give params")
end

------------------------------------------------------------------------
-- curve by epoch: batch, stochastic and mini-batch runs compared
------------------------------------------------------------------------
do
  local ds = slope.data.regression { n = 24, w = 3, b = 1, noise = 0.1, seed = 2 }
  local loss = "mean((w*x + b - y)^2)"
  local runs = {
    batch = slope.minimize(loss, { w = 0, b = 0 }, { data = ds, lr = 0.05, epochs = 5 }),
    mini = slope.minimize(loss, { w = 0, b = 0 }, { data = ds, lr = 0.05, epochs = 5, batch = 6 }),
    sgd = slope.minimize(loss, { w = 0, b = 0 }, { data = ds, lr = 0.05, epochs = 5, batch = 1 }),
  }
  -- by hand: the mean of each epoch's batch losses, or f after the epoch for a full batch
  local function expected(r)
    local t = r.trace
    local per = r.steps / r.epochs
    local y = { t[0].f }
    for e = 1, r.epochs do
      local s, c = 0, 0
      for k = (e - 1) * per + 1, e * per do
        local v = t[k].batch_f or t[k].f
        s, c = s + v, c + 1
      end
      y[#y + 1] = per == 1 and t[e].f or s / c
    end
    return y
  end
  local svg = plot.curve { series = runs, x = "epoch", xlabel = "epoch" }
  local fr = attrs(svg, '<rect class="frame"')
  check.ok(svg:find(">epoch</text>", 1, true) ~= nil, "epoch: the x label")
  local ok = 0
  for _, name in ipairs { "batch", "mini", "sgd" } do
    local pts = points_of(svg:match('<polyline class="line" points="([^"]*)"[^>]*data%-name="' .. name .. '"'))
    local want = expected(runs[name])
    check.eq(#pts, #want, name .. ": one point per epoch and the start")
    -- equal x spacing: epochs 0..5
    if #pts == 6 then
      check.near((pts[6][1] - pts[1][1]) / 5, pts[2][1] - pts[1][1], PX * 2, name .. ": epochs evenly spaced")
      -- y: pixels are linear in the loss, fit from the first and last
      local k = (pts[6][2] - pts[1][2]) / (want[6] - want[1])
      local worst = 0
      for e = 2, 5 do worst = math.max(worst, math.abs(pts[1][2] + (want[e] - want[1]) * k - pts[e][2])) end
      if worst < 0.05 then ok = ok + 1 end
    end
  end
  check.eq(ok, 3, "epoch: each value is the epoch's mean batch loss (batch: f after the epoch)")
  check.ok(fr ~= nil, "epoch: a plot")
  -- a run's evaluation (another helper's r.eval): train and test by epoch
  local fake = { trace = runs.batch.trace, status = "max_steps", epochs = 3, steps = 3,
    eval = { { epoch = 1, step = 1, train = 4, test = 5 }, { epoch = 2, step = 2, train = 2, test = 3 },
             { epoch = 3, step = 3, train = 1, test = 2.5 } } }
  local ev = plot.curve { series = { run = fake }, x = "epoch" }
  local tr = points_of(ev:match('data%-name="run train"') and ev:match('<polyline class="line" points="([^"]*)"[^>]*data%-name="run train"'))
  local te = points_of(ev:match('<polyline class="line" points="([^"]*)"[^>]*data%-name="run test"'))
  check.eq({ #tr, #te }, { 3, 3 }, "eval: a train and a test line of three epochs")
  if #tr == 3 and #te == 3 then
    -- 5 is the top, 1 the bottom: train at epoch 1 (4) is 1/4 down from the top
    local top, bottom = te[1][2], tr[3][2]
    check.near((tr[1][2] - top) / (bottom - top), 0.25, 0.001, "eval: values where they belong")
  end
  check.err(function() plot.curve { series = { runs.batch.trace }, x = "epoch" } end,
    check.plain("slope.plot.curve: x = \"epoch\" needs results of runs"), "epoch: a trace alone")
  local bysteps = slope.minimize("x^2", { x = 1 }, { lr = 0.1, steps = 3 })
  -- without data every step is an epoch over the (empty) data
  check.eq(#points_of(plot.curve { series = { bysteps }, x = "epoch" }:match('class="line" points="([^"]*)"')), 4,
    "epoch: a run without data has one epoch per step")
  check.err(function() plot.curve { series = { bysteps }, x = "time" } end,
    check.plain("slope.plot.curve: x must be \"epoch\" or a list of numbers, got 'time'"), "x: another name")
end

------------------------------------------------------------------------
-- scatter: points by class and the decision boundary
------------------------------------------------------------------------
do
  local ds = slope.data { x1 = { 0, 1, 2, 3, 0.5, 3 }, x2 = { 0, 1, 0, 3, 3, 0.5 }, label = { 0, 0, 0, 1, 1, 1 } }
  local svg = plot.scatter { data = ds, x = "x1", y = "x2", class = "label", boundary = { f = "sigmoid(2*x1 + 2*x2 - 6)" } }
  check.ok(svg:find(">label = 0 (3 points)</text>", 1, true) and svg:find(">label = 1 (3 points)</text>", 1, true),
    "scatter: classes in the legend")
  local body = svg:gsub('<g class="legend">.-</g>', "")
  local colors = {}
  for c in body:gmatch('<circle [^>]*r="5" fill="(#%x+)"') do colors[c] = (colors[c] or 0) + 1 end
  check.eq(colors, { ["#1f77b4"] = 3, ["#ff7f0e"] = 3 }, "scatter: three points of each colour")
  -- the boundary: sigmoid = 0.5 where x1 + x2 = 3 (the axes are padded by 6% of the data's span)
  local fr = attrs(svg, '<rect class="frame"')
  local xr, yr = { 0 - 0.18, 3 + 0.18 }, { 0 - 0.18, 3 + 0.18 }
  local to = to_data(svg, xr, yr)
  local pts = points_of(svg:match('<g class="contour"[^>]*>%s*<polyline points="([^"]*)"'))
  local worst = 0
  for _, p in ipairs(pts) do local a, b = to(p[1], p[2]); worst = math.max(worst, math.abs(a + b - 3)) end
  check.ok(fr and #pts > 10 and worst < 0.02, "scatter: the boundary is x1 + x2 = 3 (worst " .. worst .. ")")
  check.ok(svg:find("boundary: sigmoid(2*x1 + 2*x2 - 6) = 0.5", 1, true) ~= nil, "scatter: level 0.5 for a probability")
  local lin = plot.scatter { data = ds, x = "x1", y = "x2", class = "label", boundary = { f = "w1*x1 + w2*x2 + b", params = { w1 = 1, w2 = 1, b = -3 } } }
  check.ok(lin:find("= 0</text>", 1, true) ~= nil, "scatter: level 0 for a score")
  local bad = slope.data { x1 = { 0, 1 }, x2 = { 0, 1 }, label = { 0, 0.5 } }
  check.err(function() plot.scatter { data = bad, x = "x1", y = "x2", class = "label" } end,
    check.plain("slope.plot.scatter: class column 'label' must hold whole numbers (class labels), got 0.5 at row 2"),
    "scatter: a class column that is not integer")
  check.err(function() plot.scatter { data = ds, x = "x1", y = "x2", class = "lable" } end,
    check.plain("slope.plot.scatter: data has no column 'lable' (for class; its columns: "), "scatter: no such column")
  check.err(function() plot.scatter { data = ds, x = "x1", y = "x2", boundary = { f = "w*x1 + x2" } } end,
    check.plain("slope.plot.scatter: boundary.f has names other than 'x1' and 'x2': w (give boundary.params = r.x)"),
    "scatter: a boundary with free parameters")
end

check.done()
