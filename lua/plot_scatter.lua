-- plot_scatter.lua -- slope.plot.scatter: data points over two columns,
-- coloured by a class column, with a classifier's decision boundary (the
-- line where its output crosses the threshold) drawn over them: the picture
-- of a logistic regression or a perceptron on two inputs.  The module
-- "slope.plot.scatter"; plot.lua puts the function into slope.plot.
local slope, private = ...
local scale = require "slope.plot.scale"
local contour = require "slope.plot.contour"
local common = require "slope.plot.common"
local fail, options, kind_of, numbers, expr, cut = common.fail, common.options, common.kind_of, common.numbers,
  common.expr, common.cut

-- column 'name' of a data set or a table of columns
local function column(data, name, what)
  if kind_of(data) == "slope.Data" then
    local ok, col = pcall(data.column, data, name)
    if not ok then
      fail("scatter", "data has no column '%s' (for %s; its columns: %s)", name, what, table.concat(data:columns(), ", "))
    end
    return col
  end
  if data[name] == nil then fail("scatter", "data has no column '%s' (for %s)", name, what) end
  return numbers("scatter", "data." .. name, data[name])
end

-- The boundary: where f (with params put in) equals its level, as contour
-- lines over the picture's range.  The level is boundary.level, else 0.5
-- when f stays within [0, 1] (a probability, as a sigmoid gives), else 0 (a
-- score whose sign is the class).
local function boundary_layer(b, xname, yname, xr, yr)
  if type(b) ~= "table" then fail("scatter", "boundary must be { f = , params = , level = }, got a %s", kind_of(b)) end
  for k in pairs(b) do
    if k ~= "f" and k ~= "params" and k ~= "level" then
      fail("scatter", "boundary: unknown field '%s' (fields: f, params, level)", tostring(k))
    end
  end
  if b.f == nil then fail("scatter", "boundary needs f (the classifier's output, e.g. \"sigmoid(w1*x1 + w2*x2 + b)\")") end
  local f = expr("scatter", "boundary.f", b.f)
  if b.params ~= nil then
    if type(b.params) ~= "table" then fail("scatter", "boundary.params must be a table of name = value, got a %s", kind_of(b.params)) end
    f = f:subs(b.params)
  end
  local free = {}
  for _, v in ipairs(f:vars()) do if v ~= xname and v ~= yname then free[#free + 1] = v end end
  if #free > 0 then
    fail("scatter", "boundary.f has names other than '%s' and '%s': %s (give boundary.params = r.x)", xname, yname,
      table.concat(free, ", "))
  end
  local fn = f:compile { xname, yname }
  local n = 160
  local gx, gy, z = {}, {}, {}
  local lo, hi = math.huge, -math.huge
  for i = 1, n do gx[i] = xr[1] + (xr[2] - xr[1]) * (i - 1) / (n - 1) end
  for j = 1, n do
    gy[j] = yr[1] + (yr[2] - yr[1]) * (j - 1) / (n - 1)
    local row = {}
    for i = 1, n do
      local v = fn(gx[i], gy[j])
      row[i] = v
      if scale.finite(v) then lo, hi = math.min(lo, v), math.max(hi, v) end
    end
    z[j] = row
  end
  local level = b.level
  if level ~= nil and not (type(level) == "number" and scale.finite(level)) then
    fail("scatter", "boundary.level must be a finite number, got %s", tostring(level))
  end
  level = level or ((lo >= 0 and hi <= 1) and 0.5 or 0)
  local lines = contour.contour_lines(z, gx, gy, level)
  return { kind = "contour", width = 2.2, levels = { { value = level, color = "#111111", lines = lines } } },
    { name = cut(("boundary: %s = %s"):format(tostring(f):gsub("%d+%.%d+", function(d) return scale.short(tonumber(d)) end),
      scale.short(level)), 60), color = "#111111", style = "line" }
end

local function scatter(o)
  options("scatter", o, { "data", "x", "y", "class", "boundary" })
  local data = o.data
  if kind_of(data) ~= "slope.Data" and type(data) ~= "table" then
    fail("scatter", "missing option 'data' (slope.data{ ... } or a table of columns)")
  end
  local xname, yname = o.x or "x", o.y or "y"
  if type(xname) ~= "string" or type(yname) ~= "string" then fail("scatter", "x and y must be column names (strings)") end
  local dx, dy = column(data, xname, "x"), column(data, yname, "y")
  if #dx ~= #dy then fail("scatter", "data.%s has %d values but data.%s has %d", xname, #dx, yname, #dy) end
  local classes, by = {}, {}
  if o.class ~= nil then
    if type(o.class) ~= "string" then fail("scatter", "class must be a column name (a string), got a %s", kind_of(o.class)) end
    local c = column(data, o.class, "class")
    for i = 1, #c do
      local v = c[i]
      if not (scale.finite(v) and v == math.floor(v)) then
        fail("scatter", "class column '%s' must hold whole numbers (class labels), got %s at row %d", o.class, tostring(v), i)
      end
      v = math.tointeger(v)
      if not by[v] then by[v] = { x = {}, y = {} }; classes[#classes + 1] = v end
      local t = by[v]
      t.x[#t.x + 1], t.y[#t.y + 1] = dx[i], dy[i]
    end
    table.sort(classes)
  else
    classes[1], by[1] = 1, { x = dx, y = dy }
  end
  local xlo, xhi = scale.limits({ dx }, false)
  local ylo, yhi = scale.limits({ dy }, false)
  if not (xlo and ylo) then fail("scatter", "no finite points to plot") end
  local xr, yr = scale.widen({ xlo, xhi }, 0.06), scale.widen({ ylo, yhi }, 0.06)
  local layers, legend = {}, {}
  if o.boundary ~= nil then layers[1], legend[1] = boundary_layer(o.boundary, xname, yname, xr, yr) end
  for k, c in ipairs(classes) do
    local color = scale.color(k)
    layers[#layers + 1] = { kind = "scatter", x = by[c].x, y = by[c].y, color = color, name = "class " .. c }
    table.insert(legend, k, { name = o.class and ("%s = %d (%d points)"):format(o.class, c, #by[c].x)
      or ("data (%d points)"):format(#dx), color = color, style = "scatter" })
  end
  return common.finish("scatter", o, {
    xlim = xr, ylim = yr, xlabel = xname, ylabel = yname, layers = layers, legend = legend,
  })
end

return scatter
