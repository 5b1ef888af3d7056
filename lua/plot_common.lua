-- plot_common.lua -- what every kind of slope.plot shares: option
-- checking (a misspelled name lists the known ones), errors raised at the
-- user's line, reading results, traces and lists, the run colours, and
-- 'finish', which writes the figure in the file's format (SVG, or PNG, PDF
-- and GIF through plot_raster.lua) or draws it in the terminal.  The module
-- "slope.plot.common", required by plot.lua, plot_scatter.lua and
-- plot_surface.lua.
local slope, private = ...
local scale = require "slope.plot.scale"
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
  local W, H = fig.width or 720, fig.height or 480
  if (format == "png" or format == "gif") and W * H > 16e6 then
    -- 4 bytes a pixel while painting: 64 MB at most
    fail(fname, "file '%s': a %s of %d x %d pixels is more than 16 megapixels (make width or height smaller)",
      file, format:upper(), W, H)
  end
  local ok, err = pcall(function()
    if format == "svg" then
      raster.atomic(file, function(tmp)
        local fh = assert(io.open(tmp, "w"))
        assert(fh:write(svg))
        assert(fh:close())
      end)
    elseif format == "gif" then
      -- the frames are the animated SVG's: the same scene, sampled frame by frame
      raster.gif(svg, fig.animation and fig.animation.delay or 100, file)
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


-- The values of parameter 'name' along a path given as a result, a trace or
-- a list of numbers; a path without that parameter is an error naming the
-- ones it has (its variables do not match the plot's axes).
local function coords(fname, what, p, name)
  untraced(fname, what, p)
  if is_result(p) then p = p.trace end
  if is_trace(p) then
    local ok, col = pcall(p.column, p, name)
    if not ok then
      local have = {}
      local row = p[0]
      for k in pairs(row and row.x or {}) do have[#have + 1] = k end
      table.sort(have)
      fail(fname, "%s has no parameter '%s' (the plot's axis; the path's parameters: %s)",
        what, name, table.concat(have, ", "))
    end
    return col
  end
  return numbers(fname, what, p)
end

-- Paths as { name =, cols = { [var] = values } } for the variables 'vars'
-- of the plot's axes.  'list' is a result, a trace, or a list (or a table by
-- name) of results, traces, { name = , r } and { name = , x = , y = }
-- (coordinate lists, for the first and second variable); 'numbers_ok' lets
-- a single list of numbers be the one path (fn1d's path = { 1, 0.5, ... }).
local function paths_of(fname, list, vars, numbers_ok, what)
  if list == nil then return {} end
  untraced(fname, what, list)
  if type(list) ~= "table" and not is_trace(list) then
    fail(fname, "paths must be a list of results, got a %s", kind_of(list))
  end
  if is_result(list) or is_trace(list) or (numbers_ok and type(list[1]) == "number") then list = { list } end
  local out = {}
  for i, e in ipairs(entries(list)) do
    local name, p = e[1], e[2]
    untraced(fname, ("path '%s'"):format(name or i), p)
    local plain = type(p) == "table" and not is_result(p) and not (numbers_ok and type(p[1]) == "number")
    if plain then
      for k in pairs(p) do
        if k ~= "name" and k ~= 1 and k ~= "x" and k ~= "y" then
          fail(fname, "paths[%d]: unknown field '%s' (fields: name, [1] = result, x, y)", i, tostring(k))
        end
      end
      name = type(p.name) == "string" and p.name or name
    end
    local what = ("path '%s'"):format(name or i)
    local cols = {}
    if plain and p.x ~= nil then
      cols[vars[1]] = numbers(fname, what .. " x", p.x)
      if vars[2] then cols[vars[2]] = numbers(fname, what .. " y", p.y) end
    else
      local r = plain and p[1] or p
      untraced(fname, what, r)
      if not (is_result(r) or is_trace(r) or (numbers_ok and type(r) == "table")) then
        fail(fname, "paths[%d] must be a result of slope.minimize, a trace or { name = , r }, got a %s", i, kind_of(r))
      end
      for _, v in ipairs(vars) do cols[v] = coords(fname, what, r, v) end
    end
    out[#out + 1] = { name = name or ((numbers_ok and #list == 1) and "path" or "path " .. i), cols = cols }
  end
  return out
end

-- The most frames an animation may have: a GIF of 720 x 480 frames takes
-- about 20 kB each, so 500 make a 10 MB file, already too big for a chat.
local MAX_FRAMES = 500

-- With animate = true, fig.animation: a point moving along each path, one
-- frame per 'every' steps (or 'frames' frames in all), 'fps' frames a
-- second.  'xy(p)' gives a path's points in the figure's coordinates (the
-- projected ones for a surface).  Without animate the frame options are errors.
local function animation(fname, o, fig, paths, xy)
  if o.animate == nil or o.animate == false then
    for _, k in ipairs { "fps", "frames", "every" } do
      if o[k] ~= nil then fail(fname, "%s is an option of animations: give animate = true too", k) end
    end
    return
  end
  if o.animate ~= true then fail(fname, "animate must be true or false, got a %s", kind_of(o.animate)) end
  if #paths == 0 then fail(fname, "animate = true moves a point along a path: give paths = { r, ... }") end
  local fps = o.fps or 5
  if type(fps) ~= "number" or not (fps >= 0.5 and fps <= 50) then
    fail(fname, "fps must be a number in [0.5, 50], got %s", tostring(o.fps))
  end
  local longest = 0
  local tracks = {}
  for i, p in ipairs(paths) do
    local x, y = xy(p)
    tracks[i] = { x = x, y = y, color = p.color }
    longest = math.max(longest, #x)
  end
  local every = o.every
  if every ~= nil and (math.type(every) ~= "integer" or every < 1) then
    fail(fname, "every must be a whole number of steps >= 1, got %s", tostring(every))
  end
  local n
  if o.frames ~= nil then
    if math.type(o.frames) ~= "integer" or o.frames < 2 then
      fail(fname, "frames must be an integer >= 2, got %s", tostring(o.frames))
    end
    if every then fail(fname, "give frames or every, not both") end
    n = o.frames
  else
    every = every or 1
    n = (longest - 1) // every + 1
    if (longest - 1) % every ~= 0 then n = n + 1 end
  end
  if n > MAX_FRAMES then
    fail(fname, "the animation would have %d frames, more than the limit %d (give every = %d or frames = n)",
      n, MAX_FRAMES, math.ceil((longest - 1) / (MAX_FRAMES - 1)))
  end
  -- frame j shows step index(j) of each path: evenly spaced, the last frame on the last step
  local steps = {}
  for j = 1, n do
    steps[j] = every and math.min(1 + (j - 1) * every, longest)
      or 1 + math.floor((j - 1) * (longest - 1) / (n - 1) + 0.5)
  end
  fig.animation = { tracks = tracks, steps = steps, frames = n, fps = fps,
                    delay = math.max(2, math.floor(100 / fps + 0.5)) }
end

-- The function of two variables a contour or surface draws: 'f' with the
-- names of 'fixed' replaced by their values and the columns of 'data'
-- summed over by f's own reductions (mean, sum).  The axes are o.x and o.y
-- when they name variables, else the two variables left, in f's order.
-- Returns the compiled function (of the two, and :grad), the axis names,
-- and the expression drawn.
local function surface_fn(fname, o)
  if o.f == nil then fail(fname, "missing option 'f' (an expression in two variables)") end
  local f = expr(fname, "f", o.f)
  local data = o.data
  if data ~= nil and kind_of(data) ~= "slope.Data" then
    fail(fname, "data must be a data set (slope.data{ ... }), got a %s", kind_of(data))
  end
  if o.fixed ~= nil then
    if type(o.fixed) ~= "table" then fail(fname, "fixed must be a table of name = value, got a %s", kind_of(o.fixed)) end
    for k, v in pairs(o.fixed) do
      if type(k) ~= "string" or type(v) ~= "number" then
        fail(fname, "fixed must be a table of name = number, got %s = %s", tostring(k), tostring(v))
      end
    end
    f = f:subs(o.fixed)
  end
  local columns = {}
  if data then for _, c in ipairs(data:columns()) do columns[c] = true end end
  local free = {}
  for _, v in ipairs(f:vars()) do if not columns[v] then free[#free + 1] = v end end
  local vx = type(o.x) == "string" and o.x or nil
  local vy = type(o.y) == "string" and o.y or nil
  local has = {}
  for _, v in ipairs(free) do has[v] = true end
  for _, pick in ipairs { { "x", vx }, { "y", vy } } do
    if pick[2] and not has[pick[2]] then
      fail(fname, "%s = '%s' is not a variable of f (its variables: %s)", pick[1], pick[2],
        #free > 0 and table.concat(free, ", ") or "none")
    end
  end
  if vx and vy and vx == vy then fail(fname, "x and y name the same variable '%s'", vx) end
  local rest = {}
  for _, v in ipairs(free) do if v ~= vx and v ~= vy then rest[#rest + 1] = v end end
  if not vx then vx = table.remove(rest, 1) end
  if not vy then vy = table.remove(rest, 1) end
  if not (vx and vy) or #rest > 0 then
    local hint = #rest > 0 and (" (give fixed = { %s = ... } to hold the others, and x = , y = to choose the axes)")
      :format(rest[1]) or ""
    fail(fname, "f must have two variables, got %d (%s)%s%s", #free, table.concat(free, ", "),
      data and " besides the data's columns" or "", hint)
  end
  -- the issue's trap: a label naming the other axis' variable mislabels the plot
  for _, l in ipairs { { "xlabel", vy, "x", vx }, { "ylabel", vx, "y", vy } } do
    if o[l[1]] == l[2] then
      fail(fname, "%s = '%s' names the variable on the other axis (%s runs across, %s up): give %s = \"%s\" to put %s there",
        l[1], l[2], vx, vy, l[3], l[2], l[2])
    end
  end
  return f:compile({ vx, vy }, data), vx, vy, f
end

return {
  PATH_COLORS = PATH_COLORS, fail = fail, options = options, kind_of = kind_of, is_trace = is_trace,
  is_result = is_result, untraced = untraced, numbers = numbers, range = range, expr = expr, cut = cut,
  entries = entries, finish = finish, format_of = format_of, coords = coords, paths_of = paths_of,
  animation = animation, surface_fn = surface_fn,
}
