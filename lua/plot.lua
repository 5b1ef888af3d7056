-- plot.lua -- slope.plot.curve / fn1d / contour / fit: the pictures of the
-- tutorials slope grew from (loss curves, a descent path on a 1-D curve or
-- over contour lines, a fitted line over data) as SVG files, or drawn in the
-- terminal with term = true.
--
-- Each function checks its options (an unknown name is an error that lists
-- the known ones), turns its inputs into a figure -- axes, layers, legend --
-- and hands that to a renderer: to_svg (plot_svg.lua) or to_term
-- (plot_term.lua).  The arithmetic both share is in plot_scale.lua and
-- plot_contour.lua.  This is the module "slope.plot": slope.plot loads it
-- on first use (src/lua_load.c).
local slope, private = ...
local scale = require "slope.plot.scale"
local contour = require "slope.plot.contour"
local common = require "slope.plot.common"
local PATH_COLORS, fail, options, kind_of = common.PATH_COLORS, common.fail, common.options, common.kind_of
local is_trace, is_result, untraced, numbers = common.is_trace, common.is_result, common.untraced, common.numbers
local range, expr, cut, entries, finish = common.range, common.expr, common.cut, common.entries, common.finish

local plot = {}

------------------------------------------------------------------------
-- curve: one or more lines over steps, e.g. the loss of SGD against Adam
------------------------------------------------------------------------

-- One series as { name, x, y }: a result (its trace), a trace, a list of
-- numbers, { name = , y = (list, trace or result), x = }, or { name = , r }.
local function series_of(fname, i, name, s, shared_x)
  untraced(fname, ("series %d"):format(i), s)
  local inner = s
  if type(s) == "table" and not is_result(s) and s[1] ~= nil and type(s[1]) ~= "number" then
    inner = s[1]
  elseif type(s) == "table" and s.y ~= nil then
    inner = s.y
  end
  if type(s) == "table" and not is_result(s) then
    for k in pairs(s) do
      if k ~= "name" and k ~= "x" and k ~= "y" and not (math.type(k) == "integer") then
        fail(fname, "series %d: unknown field '%s' (fields: name, x, y)", i, tostring(k))
      end
    end
    if type(s.name) == "string" then name = s.name end
  end
  local x, y
  untraced(fname, ("series %d"):format(i), inner)
  if is_result(inner) then inner = inner.trace end
  if is_trace(inner) then
    y, x = inner:column "f", inner:column "step"
  else
    y = numbers(fname, ("series %d"):format(i), inner)
  end
  local sx = (type(s) == "table" and not is_result(s) and s.x) or shared_x
  if sx ~= nil then
    x = numbers(fname, ("series %d: x"):format(i), sx)
    if #x ~= #y then
      fail(fname, "series %d has %d values but its x has %d", i, #y, #x)
    end
  elseif not x then
    x = {}
    for k = 1, #y do x[k] = k - 1 end
  end
  return { name = name or ("series " .. i), x = x, y = y }
end

-- A run's losses by epoch: from its evaluation r.eval (rows { epoch, train,
-- test }) when it has one, as a train and a test series; else from its
-- trace: the mean batch loss over each epoch's steps (a mini-batch run, the
-- training-log convention) or f after each epoch (a full-batch run), with
-- epoch 0 the loss at the start.
local function by_epoch(fname, i, name, s)
  local r = type(s) == "table" and not is_result(s) and s[1] or s
  if type(r) == "table" and type(r[1]) == "number" then
    local x = {}
    for k = 1, #r do x[k] = k end
    return { { name = name, x = x, y = numbers(fname, ("series %d"):format(i), r) } }
  end
  untraced(fname, ("series %d"):format(i), r)
  local ev = type(r) == "table" and rawget(r, "eval")
  if type(ev) == "table" and #ev > 0 then
    local x, train, test = {}, {}, {}
    for k, row in ipairs(ev) do
      if type(row) ~= "table" or type(row.epoch) ~= "number" then
        fail(fname, "series %d: eval[%d] must be a row { epoch = , train = , test = }", i, k)
      end
      x[k], train[k], test[k] = row.epoch, tonumber(row.train) or 0 / 0, tonumber(row.test) or 0 / 0
    end
    return { { name = name .. " train", x = x, y = train }, { name = name .. " test", x = x, y = test } }
  end
  if not is_result(r) then
    fail(fname, "x = \"epoch\" needs results of runs (a trace alone does not know its epochs), got a %s for series %d",
      kind_of(r), i)
  end
  local epochs, steps = rawget(r, "epochs"), rawget(r, "steps")
  if type(epochs) ~= "number" or epochs < 1 then
    fail(fname, "series %d was run by steps, not epochs: run it with epochs = n to plot it by epoch", i)
  end
  local t = r.trace
  local per = steps / epochs
  local ok, batch = pcall(t.column, t, "batch_f")
  local f, step = t:column "f", t:column "step"
  local sum, count, last = {}, {}, {}
  for k = 1, #step do
    local e = math.ceil(step[k] / per - 1e-9)
    if step[k] > 0 then
      local v = ok and batch[k] or f[k]
      if scale.finite(v) then sum[e], count[e] = (sum[e] or 0) + v, (count[e] or 0) + 1 end
      if scale.finite(f[k]) then last[e] = f[k] end
    end
  end
  local x, y = {}, {}
  if scale.finite(f[1]) then x[1], y[1] = 0, f[1] end
  for e = 1, epochs do
    local v = ok and count[e] and sum[e] / count[e] or last[e]
    if v then x[#x + 1], y[#y + 1] = e, v end
  end
  return { { name = name, x = x, y = y } }
end

function plot.curve(o)
  options("curve", o, { "series", "x", "log" })
  local s = o.series
  if type(s) ~= "table" and not is_trace(s) then
    fail("curve", "missing option 'series' (a list of results, traces or { name = , y = { ... } })")
  end
  if is_trace(s) or is_result(s) or type(s[1]) == "number" then s = { s } end
  local epoch = o.x == "epoch"
  if type(o.x) == "string" and not epoch then
    fail("curve", "x must be \"epoch\" or a list of numbers, got '%s'", o.x)
  end
  local list = {}
  for i, e in ipairs(entries(s)) do
    if epoch then
      local name = e[1] or (type(e[2]) == "table" and not is_result(e[2]) and e[2].name) or ("series " .. i)
      for _, ser in ipairs(by_epoch("curve", i, name, e[2])) do list[#list + 1] = ser end
    else
      list[#list + 1] = series_of("curve", i, e[1], e[2], o.x)
    end
  end
  if #list == 0 then fail("curve", "series is empty") end

  local layers, legend, xs, ys = {}, {}, {}, {}
  for i, ser in ipairs(list) do
    local color = PATH_COLORS[(i - 1) % #PATH_COLORS + 1]
    layers[i] = { kind = "line", x = ser.x, y = ser.y, color = color, name = ser.name }
    legend[i] = { name = cut(ser.name), color = color, style = "line" }
    xs[i], ys[i] = ser.x, ser.y
  end
  local xlo, xhi = scale.limits(xs, false)
  local ylo, yhi = scale.limits(ys, o.log)
  if not xlo or not ylo then
    fail("curve", "no finite values to plot%s", o.log and " (log = true needs values > 0)" or "")
  end
  -- on a log axis, values <= 0 are drawn on the axis' bottom edge and the
  -- legend says how many: never dropped silently
  local clipped = false
  if o.log then
    local bottom = scale.widen({ ylo, yhi }, 0.04, true)[1]
    for i, layer in ipairs(layers) do
      local n, y = 0, {}
      for k, v in ipairs(layer.y) do
        if scale.finite(v) and v <= 0 then n, v = n + 1, bottom end
        y[k] = v
      end
      if n > 0 then
        layer.y, clipped = y, true
        legend[i].name = ("%s (%d value%s \u{2264} 0 clipped)"):format(legend[i].name, n, n > 1 and "s" or "")
      end
    end
  end
  return finish("curve", o, {
    xlim = { xlo, xhi }, ylim = { ylo, yhi }, ylog = o.log, xpad = 0.02, ypad = 0.04,
    xlabel = epoch and "epoch" or "step", ylabel = "f", layers = layers,
    legend = (#list > 1 or clipped) and legend or nil,
  })
end

------------------------------------------------------------------------
-- paths: a descent path as coordinate lists
------------------------------------------------------------------------

-- The values of parameter 'name' along a path given as a result, a trace or
-- a list of numbers.
local coords, paths_of = common.coords, common.paths_of

local function path_layer(x, y, color, name)
  return { kind = "path", x = x, y = y, color = color, name = name, dots = #x <= 60 }
end

-- The legend entries of the paths drawn, then one start and one end marker
-- (in the path's colour when there is one path, else neutral).
local function path_legend(legend, paths, steps)
  for i, p in ipairs(paths) do
    local name = cut(p.name)
    if steps and #paths == 1 then name = ("%s (%d steps)"):format(name, math.max(#p.x - 1, 0)) end
    legend[#legend + 1] = { name = name, color = p.color, style = "path" }
  end
  if #paths > 0 then
    local color = #paths == 1 and paths[1].color or "#555555"
    legend[#legend + 1] = { name = "start", color = color, style = "start" }
    legend[#legend + 1] = { name = "end", color = color, style = "end" }
  end
end

------------------------------------------------------------------------
-- fn1d: a function of one variable, with descent paths on it
------------------------------------------------------------------------

function plot.fn1d(o)
  options("fn1d", o, { "f", "range", "path", "paths", "log", "tangent", "animate", "fps", "frames", "every" })
  if o.f == nil then fail("fn1d", "missing option 'f' (an expression in one variable)") end
  local f = expr("fn1d", "f", o.f)
  local vars = f:vars()
  if #vars > 1 then
    fail("fn1d", "f must have one variable, got %d (%s)", #vars, table.concat(vars, ", "))
  end
  local var = vars[1] or "x"
  local fn = f:compile { var }
  if o.path ~= nil and o.paths ~= nil then fail("fn1d", "give path or paths, not both") end

  local paths = paths_of("fn1d", o.paths or o.path, { var }, true, o.path and "path" or "paths")
  local all = {}
  for i, p in ipairs(paths) do
    p.x = p.cols[var]
    all[i] = p.x
    -- one path keeps the colour fn1d always gave it; several get the run colours
    p.color = #paths == 1 and scale.color(4) or PATH_COLORS[(i - 1) % #PATH_COLORS + 1]
  end
  local tangent = o.tangent
  if tangent ~= nil and not (type(tangent) == "number" and scale.finite(tangent)) then
    fail("fn1d", "tangent must be a finite number (the point x0 of the tangent), got %s", tostring(tangent))
  end
  local lo, hi
  if o.range ~= nil then
    local r = range("fn1d", "range", o.range)
    lo, hi = r[1], r[2]
  elseif #all > 0 or tangent then
    all[#all + 1] = { tangent }
    lo, hi = scale.limits(all, false)
    if lo then lo, hi = table.unpack(scale.widen({ lo, hi }, 0.25)) end
  end
  if not lo then fail("fn1d", "missing option 'range' ({lo, hi} of %s)", var) end

  local cx, cy = {}, {}
  local N = 400
  for i = 1, N do
    local x = lo + (hi - lo) * (i - 1) / (N - 1)
    cx[i], cy[i] = x, fn(x)
  end
  local layers = { { kind = "line", x = cx, y = cy, color = scale.color(1), name = "f" } }
  local fname = cut(("f(%s) = %s"):format(var, tostring(f)), 60)
  local legend = { { name = fname, color = scale.color(1), style = "line" } }
  local ys = { cy }
  for _, p in ipairs(paths) do
    p.y = {}
    for i = 1, #p.x do p.y[i] = fn(p.x[i]) end
    layers[#layers + 1] = path_layer(p.x, p.y, p.color, p.name)
    -- the part of the path inside the range counts for the y limits
    local inside = {}
    for i = 1, #p.x do if p.x[i] >= lo and p.x[i] <= hi then inside[#inside + 1] = p.y[i] end end
    ys[#ys + 1] = inside
  end
  path_legend(legend, paths, true)
  if tangent then
    -- the tangent line, and the gradient: a vector along the x axis (the
    -- direction x moves to go up), drawn from the point, at most a fifth of
    -- the range long
    local y0, g = fn:grad(tangent)
    g = g[1]
    local tx, ty = { lo, hi }, { y0 + g * (lo - tangent), y0 + g * (hi - tangent) }
    local k = (g ~= 0 and math.abs(g) > 0.2 * (hi - lo)) and 0.2 * (hi - lo) / math.abs(g) or 1
    table.insert(layers, 2, { kind = "line", x = tx, y = ty, color = "#2ca02c", name = "tangent", width = 1.6 })
    layers[#layers + 1] = { kind = "arrows", x = { tangent }, y = { y0 }, dx = { g * k }, dy = { 0 },
      color = "#d62728", name = "gradient", width = 2.4 }
    layers[#layers + 1] = { kind = "cross", x = { tangent }, y = { y0 }, color = "#111111", name = "x0" }
    legend[#legend + 1] = { name = ("tangent at %s = %s, slope %s"):format(var, scale.short(tangent), scale.short(g)),
      color = "#2ca02c", style = "line" }
    legend[#legend + 1] = { name = ("gradient f'(%s) = %s%s"):format(scale.short(tangent), scale.short(g),
      k < 1 and " (arrow scaled)" or ""), color = "#d62728", style = "arrow" }
    ys[#ys + 1] = { y0 }
  end
  local ylo, yhi = scale.limits(ys, o.log)
  if not ylo then fail("fn1d", "f has no finite value on [%s, %s]", scale.short(lo), scale.short(hi)) end
  local fig = {
    title = fname, xlim = { lo, hi }, ylim = { ylo, yhi }, ylog = o.log, ypad = 0.05,
    xlabel = var, ylabel = ("f(%s)"):format(var), layers = layers, legend = legend,
  }
  common.animation("fn1d", o, fig, paths, function(p) return p.x, p.y end)
  return finish("fn1d", o, fig)
end

------------------------------------------------------------------------
-- contour: a function of two variables, with descent paths over it
------------------------------------------------------------------------

-- The drawn range of axis 'axis' (variable 'v'): o.range[v], the legacy
-- o.x / o.y = {lo, hi}, or nil.
local function axis_range(fname, o, axis, v)
  if type(o[axis]) == "table" then return range(fname, axis, o[axis]) end
  if o.range ~= nil then
    if type(o.range) ~= "table" then fail(fname, "range must be { %s = {lo, hi}, ... }, got a %s", v, kind_of(o.range)) end
    if o.range[v] ~= nil then return range(fname, "range." .. v, o.range[v]) end
  end
end

-- arrows = true: the negative gradient (where descent goes) on a 15 x 15
-- grid; arrows = "ascent": the gradient.  The arrows keep their relative
-- lengths, the longest a grid cell long (the renderer scales them).
local function gradient_field(mode, fn, xr, yr)
  if mode ~= true and mode ~= false and mode ~= "descent" and mode ~= "ascent" then
    fail("contour", "arrows must be true (the descent direction, -gradient), \"descent\" or \"ascent\", got %s", tostring(mode))
  end
  if mode == false then return nil end
  local sign = mode == "ascent" and 1 or -1
  local n = 15
  local x, y, dx, dy = {}, {}, {}, {}
  for j = 1, n do
    for i = 1, n do
      local px = xr[1] + (xr[2] - xr[1]) * (i - 0.5) / n
      local py = yr[1] + (yr[2] - yr[1]) * (j - 0.5) / n
      local _, g = fn:grad(px, py)
      if scale.finite(g[1]) and scale.finite(g[2]) then
        x[#x + 1], y[#y + 1], dx[#dx + 1], dy[#dy + 1] = px, py, sign * g[1], sign * g[2]
      end
    end
  end
  local layer = { kind = "arrows", x = x, y = y, dx = dx, dy = dy, color = "#34495e", width = 1.2,
    cell = { (xr[2] - xr[1]) / n, (yr[2] - yr[1]) / n }, name = "gradient field" }
  return layer, { name = sign < 0 and "-gradient (descent direction)" or "gradient (ascent direction)",
    color = "#34495e", style = "arrow" }
end

function plot.contour(o)
  options("contour", o, { "f", "x", "y", "paths", "levels", "log", "grid", "minimum", "data", "fixed", "range",
    "arrows", "animate", "fps", "frames", "every" })
  if o.f == nil then fail("contour", "missing option 'f' (an expression in two variables)") end
  local fn, vx, vy, f = common.surface_fn("contour", o)

  local paths = paths_of("contour", o.paths, { vx, vy }, false, "paths")
  for i, p in ipairs(paths) do p.x, p.y = p.cols[vx], p.cols[vy] end

  local xr, yr = axis_range("contour", o, "x", vx), axis_range("contour", o, "y", vy)
  if not xr or not yr then
    local xl, yl = {}, {}
    for i, p in ipairs(paths) do xl[i], yl[i] = p.x, p.y end
    local a, b = scale.limits(xl, false)
    local c, d = scale.limits(yl, false)
    if not (a and c) and (type(o.x) == "table" or type(o.y) == "table") then
      fail("contour", "missing option '%s' ({lo, hi} of %s)", xr and "y" or "x", xr and vy or vx)
    elseif not (a and c) then
      fail("contour", "missing option 'range' ({ %s = {lo, hi}, %s = {lo, hi} })", vx, vy)
    end
    xr, yr = xr or scale.widen({ a, b }, 0.15), yr or scale.widen({ c, d }, 0.15)
  end

  local n = o.grid or 120
  if math.type(n) ~= "integer" or n < 3 or n > 1000 then
    fail("contour", "grid must be an integer in [3, 1000], got %s", tostring(o.grid))
  end
  local gx, gy, z = {}, {}, {}
  for i = 1, n do gx[i] = xr[1] + (xr[2] - xr[1]) * (i - 1) / (n - 1) end
  for j = 1, n do gy[j] = yr[1] + (yr[2] - yr[1]) * (j - 1) / (n - 1) end
  local zmin, zmax = math.huge, -math.huge
  for j = 1, n do
    local row, y = {}, gy[j]
    for i = 1, n do
      local v = fn(gx[i], y)
      row[i] = v
      if scale.finite(v) then
        if v < zmin then zmin = v end
        if v > zmax then zmax = v end
      end
    end
    z[j] = row
  end

  local levels
  if type(o.levels) == "table" then
    levels = numbers("contour", "levels", o.levels)
    table.sort(levels)
  elseif o.levels == nil or (math.type(o.levels) == "integer" and o.levels >= 1 and o.levels <= 100) then
    levels = contour.levels(zmin, zmax, o.levels or (o.term and 6 or 12), o.log)
  else
    fail("contour", "levels must be a count in [1, 100] or a list of values, got %s", tostring(o.levels))
  end

  local lv, bar = {}, {}
  for k, v in ipairs(levels) do
    -- viridis short of its palest yellow, which vanishes on white
    local color = scale.viridis(#levels == 1 and 0.5 or 0.92 * (k - 1) / (#levels - 1))
    lv[k] = { value = v, color = color, lines = contour.contour_lines(z, gx, gy, v) }
    bar[k] = { v, color }
  end
  local layers = { { kind = "contour", levels = lv } }
  local legend = {}
  if o.arrows ~= nil then layers[2], legend[1] = gradient_field(o.arrows, fn, xr, yr) end
  for i, p in ipairs(paths) do
    p.color = PATH_COLORS[(i - 1) % #PATH_COLORS + 1]
    layers[#layers + 1] = path_layer(p.x, p.y, p.color, p.name)
  end
  path_legend(legend, paths)
  if o.minimum ~= nil then
    local m = o.minimum
    local mx, my = type(m) == "table" and (m[vx] or m[1]), type(m) == "table" and (m[vy] or m[2])
    if type(mx) ~= "number" or type(my) ~= "number" then
      fail("contour", "minimum must be { %s = , %s = } or {%s, %s}, got %s", vx, vy, vx, vy, slope.show(m))
    end
    -- under the paths, so an end star on the minimum stays in view
    table.insert(layers, 2, { kind = "cross", x = { mx }, y = { my }, color = "#111111", name = "minimum" })
    legend[#legend + 1] = { name = "minimum", color = "#111111", style = "cross" }
  end
  local fig = {
    title = cut(("f(%s, %s) = %s"):format(vx, vy, tostring(f)), 70),
    xlim = xr, ylim = yr, xlabel = vx, ylabel = vy,
    layers = layers, legend = legend, colorbar = bar, colorbar_title = "f",
    height = 540,
  }
  common.animation("contour", o, fig, paths, function(p) return p.x, p.y end)
  return finish("contour", o, fig)
end

------------------------------------------------------------------------
-- fit: data as points, the fitted model as a line over them
------------------------------------------------------------------------

function plot.fit(o)
  options("fit", o, { "data", "x", "y", "model", "f", "params" })
  local xname, yname = o.x or "x", o.y or "y"
  if type(xname) ~= "string" or type(yname) ~= "string" then
    fail("fit", "x and y must be column names (strings)")
  end
  local d = o.data
  local dx, dy
  if kind_of(d) == "slope.Data" then
    local ok1, c1 = pcall(d.column, d, xname)
    local ok2, c2 = pcall(d.column, d, yname)
    if not ok1 then fail("fit", "data has no column '%s'", xname) end
    if not ok2 then fail("fit", "data has no column '%s'", yname) end
    dx, dy = c1, c2
  elseif type(d) == "table" then
    if d[xname] == nil then fail("fit", "data has no column '%s'", xname) end
    if d[yname] == nil then fail("fit", "data has no column '%s'", yname) end
    dx, dy = numbers("fit", "data." .. xname, d[xname]), numbers("fit", "data." .. yname, d[yname])
    if #dx ~= #dy then fail("fit", "data.%s has %d values but data.%s has %d", xname, #dx, yname, #dy) end
  else
    fail("fit", "missing option 'data' (slope.data{ ... } or { %s = { ... }, %s = { ... } })", xname, yname)
  end

  -- the lines: one model, or with params = { before = {...}, after = {...} }
  -- (or a list of tables) one line of f per set of parameters
  local models = {}
  if o.model ~= nil and o.f ~= nil then fail("fit", "give either model or f and params, not both") end
  if type(o.model) == "function" then
    -- a Lua function may return anything: what is not a number is a gap
    models[1] = { fn = function(x) return tonumber(o.model(x)) or 0 / 0 end, label = "fit" }
  elseif o.model ~= nil or o.f ~= nil then
    local m0 = expr("fit", o.model ~= nil and "model" or "f", o.model or o.f)
    local sets = { { nil, o.params } }
    if o.params ~= nil then
      if type(o.params) ~= "table" then fail("fit", "params must be a table of name = value, got a %s", kind_of(o.params)) end
      local first = next(o.params)
      if first ~= nil and type(o.params[first]) == "table" then sets = entries(o.params) end
    end
    for k, set in ipairs(sets) do
      local name, params = set[1], set[2]
      if params ~= nil and type(params) ~= "table" then
        fail("fit", "params.%s must be a table of name = value, got a %s", tostring(name or k), kind_of(params))
      end
      if params ~= nil and type(params.name) == "string" then
        -- a list entry may name its line: { name = "before", w = 0, b = 0 }
        local copy = {}
        for k, v in pairs(params) do if k ~= "name" then copy[k] = v end end
        name, params = params.name, copy
      end
      local m = params and m0:subs(params) or m0
      local free = {}
      for _, v in ipairs(m:vars()) do if v ~= xname then free[#free + 1] = v end end
      if #free > 0 and params ~= nil then
        fail("fit", "the model has names other than '%s' that params does not give: %s (fit draws %s as a function of %s alone; "
          .. "for a model of two inputs, such as a classifier, use slope.plot.scatter{ data = , x = , y = , class = , boundary = { f = , params = } })",
          xname, table.concat(free, ", "), yname, xname)
      elseif #free > 0 then
        fail("fit", "the model has free names other than '%s': %s (give params = r.x)", xname, table.concat(free, ", "))
      end
      local fn = m:compile { xname }
      -- long decimals of fitted constants cut to 4 significant digits
      local text = tostring(m):gsub("%d+%.%d+", function(d) return scale.short(tonumber(d)) end)
      models[#models + 1] = { fn = function(x) return fn(x) end, label = (name and name .. ": " or "fit: ") .. text }
    end
  elseif o.params ~= nil then
    fail("fit", "params needs f (the model with its parameters, e.g. f = \"w*x + b\")")
  end

  local xlo, xhi = scale.limits({ dx }, false)
  if not xlo then fail("fit", "data.%s has no finite values", xname) end
  local wide = scale.widen({ xlo, xhi }, 0.04)
  local layers, legend, ys = {}, {}, { dy }
  for k, m in ipairs(models) do
    local mx, my = {}, {}
    for i = 1, 200 do
      mx[i] = wide[1] + (wide[2] - wide[1]) * (i - 1) / 199
      my[i] = m.fn(mx[i])
    end
    -- one line keeps fit's colour; several go through the run colours
    local color = #models == 1 and scale.color(4) or PATH_COLORS[(k - 1) % #PATH_COLORS + 1]
    layers[k] = { kind = "line", x = mx, y = my, color = color, name = #models == 1 and "fit" or m.label }
    legend[k + 1] = { name = cut(m.label, 60), color = color, style = "line" }
    local inside = {}
    for i = 1, #mx do if mx[i] >= xlo and mx[i] <= xhi then inside[#inside + 1] = my[i] end end
    ys[#ys + 1] = inside
  end
  -- the points go on top of the lines
  layers[#layers + 1] = { kind = "scatter", x = dx, y = dy, color = scale.color(1), name = "data" }
  legend[1] = { name = ("data (%d points)"):format(#dx), color = scale.color(1), style = "scatter" }
  local ylo, yhi = scale.limits(ys, false)
  if not ylo then fail("fit", "data.%s has no finite values", yname) end
  return finish("fit", o, {
    xlim = { xlo, xhi }, ylim = { ylo, yhi }, xpad = 0.04, ypad = 0.06, xlabel = xname, ylabel = yname,
    layers = layers, legend = legend,
  })
end

plot.scatter = require "slope.plot.scatter"
plot.surface = require("slope.plot.surface").surface

return plot
