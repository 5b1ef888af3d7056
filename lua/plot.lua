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
local to_svg = require("slope.plot.svg").svg
local to_term = require("slope.plot.term").term
local format_of, write

-- Colours of runs, the same in every kind of plot so one run keeps its colour
-- from a contour to a loss curve; chosen to stand out over viridis contours.
local PATH_COLORS = { "#d62728", "#ff7f0e", "#e377c2", "#1f77b4", "#2ca02c", "#8c564b", "#17becf", "#7f7f7f" }

local COMMON = { "title", "xlabel", "ylabel", "file", "term", "width", "height", "color" }

-- Raises the error at the user's line (private.fail skips the module's own files).
local function fail(fname, fmt, ...)
  private.fail(("slope.plot.%s: " .. fmt):format(fname, ...))
end

-- The options table checked against the names 'fname' takes: a misspelled
-- option is an error naming every option, never silently ignored.
local function options(fname, o, names)
  if type(o) ~= "table" then fail(fname, "expected a table of options") end
  local known = {}
  for _, k in ipairs(COMMON) do known[k] = true end
  for _, k in ipairs(names) do known[k] = true end
  for k in pairs(o) do
    if not known[k] then
      local list = {}
      for name in pairs(known) do list[#list + 1] = name end
      table.sort(list)
      fail(fname, "%s", private.unknown_option(k, list, o[k]))
    end
  end
  for _, k in ipairs { "title", "xlabel", "ylabel", "file" } do
    if o[k] ~= nil and type(o[k]) ~= "string" then
      fail(fname, "%s must be a string, got a %s", k, type(o[k]))
    end
  end
  for _, k in ipairs { "term", "color", "log" } do
    if o[k] ~= nil and type(o[k]) ~= "boolean" then
      fail(fname, "%s must be true or false, got a %s", k, type(o[k]))
    end
  end
  for _, k in ipairs { "width", "height" } do
    local v = o[k]
    if v ~= nil and (math.type(v) ~= "integer" or v < 4 or v > 10000) then
      fail(fname, "%s must be an integer in [4, 10000], got %s", k, tostring(v))
    end
  end
end

local function kind_of(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__name or type(v)
end

local function is_trace(v) return kind_of(v) == "slope.Trace" end
local function is_result(v) return type(v) == "table" and is_trace(rawget(v, "trace")) end

-- a result of a run made with trace = false: nothing to draw, say so
local function untraced(fname, what, v)
  if type(v) == "table" and rawget(v, "trace") == nil and rawget(v, "status") ~= nil then
    fail(fname, "%s is a result without a trace (run it with trace = 1)", what)
  end
end

local function numbers(fname, what, v)
  if type(v) ~= "table" then fail(fname, "%s must be a list of numbers, got a %s", what, kind_of(v)) end
  for i = 1, #v do
    if type(v[i]) ~= "number" then
      fail(fname, "%s[%d] must be a number, got a %s", what, i, type(v[i]))
    end
  end
  return v
end

local function range(fname, what, v)
  if type(v) ~= "table" or type(v[1]) ~= "number" or type(v[2]) ~= "number"
      or not (scale.finite(v[1]) and scale.finite(v[2])) or not (v[1] < v[2]) then
    fail(fname, "%s must be {lo, hi} with finite lo < hi, got %s", what, slope.show and slope.show(v) or tostring(v))
  end
  return { v[1], v[2] }
end

local function expr(fname, what, f)
  if type(f) == "string" then
    local ok, e = pcall(slope.expr, f)
    if not ok then fail(fname, "%s: %s", what, tostring(e)) end
    return e
  end
  if kind_of(f) ~= "slope.Expr" then
    fail(fname, "%s must be an expression (a slope.Expr or a string), got a %s", what, kind_of(f))
  end
  return f
end

-- a long label cut to 'n' columns
local function cut(s, n)
  return scale.fit(scale.clean(s), n or 48)
end

-- Entries of 'list' (an array, or a table by name as slope.compare returns)
-- as { name, value } in a stable order: array order, else names sorted.
local function entries(list)
  local out = {}
  if #list > 0 then
    for i = 1, #list do out[i] = { nil, list[i] } end
    return out
  end
  local names = {}
  for k in pairs(list) do names[#names + 1] = k end
  table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
  for i, k in ipairs(names) do out[i] = { tostring(k), list[k] } end
  return out
end

-- The format a file name asks for, by its extension: .svg, .png, .pdf or
-- .gif; a name without one is SVG (as slope.plot always wrote).
local FORMATS = { svg = true, png = true, pdf = true, gif = true }
format_of = function(fname, file)
  local ext = file:match("%.([^./\\]+)$")
  if not ext then return "svg" end
  if not FORMATS[ext:lower()] then
    fail(fname, "file '%s': unknown format '.%s' (formats: .svg for the web, .png for slides, .pdf for papers, .gif for an animation)", file, ext)
  end
  return ext:lower()
end

-- Writes the picture in its format, atomically: the SVG text as it is, the
-- other formats painted from its scene by cairo (plot_raster.lua).
write = function(fname, file, format, svg, fig)
  local raster = require "slope.plot.raster"
  if format ~= "svg" then
    local ok, why = raster.available()
    if not ok then fail(fname, "file '%s': %s", file, why) end
  end
  local ok, err = pcall(function()
    if format == "svg" then
      raster.atomic(file, function(tmp)
        local fh = assert(io.open(tmp, "w"))
        assert(fh:write(svg))
        assert(fh:close())
      end)
    elseif format == "gif" then
      -- a still picture: one frame (animate = true gives the moving ones)
      local anim = fig.animation
      if anim then raster.gif(#anim.frames, anim.frame, anim.delay, file)
      else raster.gif(1, function() return svg end, 100, file) end
    else
      raster[format](svg, file)
    end
  end)
  if not ok then fail(fname, "%s", tostring(err)) end
end

-- Writes the SVG (and returns it), or with term = true prints and returns
-- the terminal text (still writing the SVG when a file is named too).
local function finish(fname, o, fig)
  fig.title = o.title or fig.title
  fig.xlabel = o.xlabel or fig.xlabel
  fig.ylabel = o.ylabel or fig.ylabel
  for _, k in ipairs { "title", "xlabel", "ylabel" } do
    if fig[k] then fig[k] = scale.clean(fig[k]) end
  end
  for _, list in ipairs { fig.legend or {}, fig.layers } do
    for _, e in ipairs(list) do
      if e.name then e.name = scale.clean(e.name) end
    end
  end
  local format = o.file and format_of(fname, o.file)
  local svg
  if o.file or not o.term then
    fig.width, fig.height = o.width or fig.width, o.height or fig.height
    svg = to_svg(fig)
  end
  if o.file then write(fname, o.file, format, svg, fig) end
  -- the REPL shows a plot's text as a short summary, not all over again (repl.c);
  -- a PNG, PDF or GIF plot returns its file's name
  local result = (format == nil or format == "svg") and svg or o.file
  private.plotted = { text = result, file = o.file, term = o.term }
  if not o.term then return result end
  fig.width, fig.height = o.width, o.height
  if o.color == nil then
    local term = os.getenv("TERM")
    fig.color = os.getenv("NO_COLOR") == nil and term ~= nil and term ~= "" and term ~= "dumb"
      and private.stdout_is_terminal()
  else
    fig.color = o.color
  end
  local text = to_term(fig)
  io.write(text, "\n")
  private.plotted.text = text
  return text
end

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

function plot.curve(o)
  options("curve", o, { "series", "x", "log" })
  local s = o.series
  if type(s) ~= "table" and not is_trace(s) then
    fail("curve", "missing option 'series' (a list of results, traces or { name = , y = { ... } })")
  end
  if is_trace(s) or is_result(s) or type(s[1]) == "number" then s = { s } end
  local list = {}
  for i, e in ipairs(entries(s)) do list[i] = series_of("curve", i, e[1], e[2], o.x) end
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
    fail("curve", "no finite values to plot%s", o.log and " (log = true skips values <= 0)" or "")
  end
  return finish("curve", o, {
    xlim = { xlo, xhi }, ylim = { ylo, yhi }, ylog = o.log, xpad = 0.02, ypad = 0.04,
    xlabel = "step", ylabel = "f", layers = layers, legend = #list > 1 and legend or nil,
  })
end

------------------------------------------------------------------------
-- paths: a descent path as coordinate lists
------------------------------------------------------------------------

-- The values of parameter 'name' along a path given as a result, a trace or
-- a list of numbers.
local function coords(fname, what, p, name)
  untraced(fname, what, p)
  if is_result(p) then p = p.trace end
  if is_trace(p) then
    local ok, col = pcall(p.column, p, name)
    if not ok then fail(fname, "%s has no parameter '%s'", what, name) end
    return col
  end
  return numbers(fname, what, p)
end

local function path_layer(x, y, color, name)
  return { kind = "path", x = x, y = y, color = color, name = name, dots = #x <= 60 }
end

------------------------------------------------------------------------
-- fn1d: a function of one variable, with the descent path on it
------------------------------------------------------------------------

function plot.fn1d(o)
  options("fn1d", o, { "f", "range", "path", "log" })
  if o.f == nil then fail("fn1d", "missing option 'f' (an expression in one variable)") end
  local f = expr("fn1d", "f", o.f)
  local vars = f:vars()
  if #vars > 1 then
    fail("fn1d", "f must have one variable, got %d (%s)", #vars, table.concat(vars, ", "))
  end
  local var = vars[1] or "x"
  local fn = f:compile { var }

  local px
  if o.path ~= nil then px = coords("fn1d", "path", o.path, var) end
  local lo, hi
  if o.range ~= nil then
    local r = range("fn1d", "range", o.range)
    lo, hi = r[1], r[2]
  elseif px then
    lo, hi = scale.limits({ px }, false)
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
  if px then
    local py = {}
    for i = 1, #px do py[i] = fn(px[i]) end
    local color = scale.color(4)
    layers[2] = path_layer(px, py, color, "path")
    legend[2] = { name = ("path (%d steps)"):format(math.max(#px - 1, 0)), color = color, style = "path" }
    legend[3] = { name = "start", color = color, style = "start" }
    legend[4] = { name = "end", color = color, style = "end" }
    -- the part of the path inside the range counts for the y limits
    local inside = {}
    for i = 1, #px do if px[i] >= lo and px[i] <= hi then inside[#inside + 1] = py[i] end end
    ys[2] = inside
  end
  local ylo, yhi = scale.limits(ys, o.log)
  if not ylo then fail("fn1d", "f has no finite value on [%s, %s]", scale.short(lo), scale.short(hi)) end
  return finish("fn1d", o, {
    title = fname, xlim = { lo, hi }, ylim = { ylo, yhi }, ylog = o.log, ypad = 0.05,
    xlabel = var, ylabel = ("f(%s)"):format(var), layers = layers, legend = legend,
  })
end

------------------------------------------------------------------------
-- contour: a function of two variables, with descent paths over it
------------------------------------------------------------------------

function plot.contour(o)
  options("contour", o, { "f", "x", "y", "paths", "levels", "log", "grid", "minimum" })
  if o.f == nil then fail("contour", "missing option 'f' (an expression in two variables)") end
  local f = expr("contour", "f", o.f)
  local vars = f:vars()
  if #vars ~= 2 then
    fail("contour", "f must have two variables, got %d (%s)", #vars, table.concat(vars, ", "))
  end
  local vx, vy = vars[1], vars[2]
  local fn = f:compile { vx, vy }

  local paths = {}
  if o.paths ~= nil then
    if type(o.paths) ~= "table" then fail("contour", "paths must be a list of results, got a %s", kind_of(o.paths)) end
    local list = o.paths
    if is_result(list) or is_trace(list) then list = { list } end
    for i, e in ipairs(entries(list)) do
      local name, p = e[1], e[2]
      untraced("contour", ("path '%s'"):format(name or i), p)
      if type(p) == "table" and not is_result(p) then
        for k in pairs(p) do
          if k ~= "name" and k ~= 1 and k ~= "x" and k ~= "y" then
            fail("contour", "paths[%d]: unknown field '%s' (fields: name, [1] = result, x, y)", i, tostring(k))
          end
        end
        name = type(p.name) == "string" and p.name or name
      end
      local what = ("path '%s'"):format(name or i)
      local xs, ys
      if type(p) == "table" and not is_result(p) and p.x ~= nil then
        xs, ys = numbers("contour", what .. " x", p.x), numbers("contour", what .. " y", p.y)
      else
        local r = (type(p) == "table" and not is_result(p)) and p[1] or p
        untraced("contour", what, r)
        if not (is_result(r) or is_trace(r)) then
          fail("contour", "paths[%d] must be a result of slope.minimize, a trace or { name = , r }, got a %s", i, kind_of(r))
        end
        xs, ys = coords("contour", what, r, vx), coords("contour", what, r, vy)
      end
      paths[#paths + 1] = { name = name or ("path " .. i), x = xs, y = ys }
    end
  end

  local xr, yr
  if o.x ~= nil then xr = range("contour", "x", o.x) end
  if o.y ~= nil then yr = range("contour", "y", o.y) end
  if not xr or not yr then
    local xl, yl = {}, {}
    for i, p in ipairs(paths) do xl[i], yl[i] = p.x, p.y end
    local a, b = scale.limits(xl, false)
    local c, d = scale.limits(yl, false)
    if not (a and c) then fail("contour", "missing option '%s' ({lo, hi} of %s)", xr and "y" or "x", xr and vy or vx) end
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
  for i, p in ipairs(paths) do
    local color = PATH_COLORS[(i - 1) % #PATH_COLORS + 1]
    layers[#layers + 1] = path_layer(p.x, p.y, color, p.name)
    legend[#legend + 1] = { name = cut(p.name), color = color, style = "path" }
  end
  if #paths > 0 then
    local color = #paths == 1 and PATH_COLORS[1] or "#555555"
    legend[#legend + 1] = { name = "start", color = color, style = "start" }
    legend[#legend + 1] = { name = "end", color = color, style = "end" }
  end
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
  return finish("contour", o, {
    title = cut(("f(%s, %s) = %s"):format(vx, vy, tostring(f)), 70),
    xlim = xr, ylim = yr, xlabel = vx, ylabel = vy,
    layers = layers, legend = legend, colorbar = bar, colorbar_title = "f",
    height = 540,
  })
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

  local model, label
  if o.model ~= nil and o.f ~= nil then fail("fit", "give either model or f and params, not both") end
  if type(o.model) == "function" then
    -- a Lua function may return anything: what is not a number is a gap
    model, label = function(x) return tonumber(o.model(x)) or 0 / 0 end, "fit"
  elseif o.model ~= nil or o.f ~= nil then
    local m = expr("fit", o.model ~= nil and "model" or "f", o.model or o.f)
    if o.params ~= nil then
      if type(o.params) ~= "table" then fail("fit", "params must be a table of name = value, got a %s", kind_of(o.params)) end
      m = m:subs(o.params)
    end
    local free = {}
    for _, v in ipairs(m:vars()) do if v ~= xname then free[#free + 1] = v end end
    if #free > 0 then
      fail("fit", "the model has free names other than '%s': %s (give params = r.x)", xname, table.concat(free, ", "))
    end
    local fn = m:compile { xname }
    model = function(x) return fn(x) end
    -- long decimals of fitted constants cut to 4 significant digits
    label = "fit: " .. tostring(m):gsub("%d+%.%d+", function(s) return scale.short(tonumber(s)) end)
  elseif o.params ~= nil then
    fail("fit", "params needs f (the model with its parameters, e.g. f = \"w*x + b\")")
  end

  local xlo, xhi = scale.limits({ dx }, false)
  if not xlo then fail("fit", "data.%s has no finite values", xname) end
  local wide = scale.widen({ xlo, xhi }, 0.04)
  local layers = { { kind = "scatter", x = dx, y = dy, color = scale.color(1), name = "data" } }
  local legend = { { name = ("data (%d points)"):format(#dx), color = scale.color(1), style = "scatter" } }
  local ys = { dy }
  if model then
    local mx, my = {}, {}
    for i = 1, 200 do
      mx[i] = wide[1] + (wide[2] - wide[1]) * (i - 1) / 199
      my[i] = model(mx[i])
    end
    layers[2] = { kind = "line", x = mx, y = my, color = scale.color(4), name = "fit" }
    legend[2] = { name = cut(label, 60), color = scale.color(4), style = "line" }
    local inside = {}
    for i = 1, #mx do if mx[i] >= xlo and mx[i] <= xhi then inside[#inside + 1] = my[i] end end
    ys[2] = inside
    layers[1], layers[2] = layers[2], layers[1]   -- the points go on top of the line
  end
  local ylo, yhi = scale.limits(ys, false)
  if not ylo then fail("fit", "data.%s has no finite values", yname) end
  return finish("fit", o, {
    xlim = { xlo, xhi }, ylim = { ylo, yhi }, xpad = 0.04, ypad = 0.06, xlabel = xname, ylabel = yname,
    layers = layers, legend = legend,
  })
end

return plot
