-- plot_term.lua -- renders a figure (the table plot.lua builds) as text for a
-- terminal: lines in Braille dots (2 x 4 per character cell), scatter points
-- and path markers as whole characters, the axes with their min and max
-- labels, and a one-line legend.  Colours are ANSI escapes, one per series,
-- unless the figure says not to use them.
local scale = require "slope.plot.scale"
local P = {}

-- Braille dot bits by position in the cell: BIT[row][col], rows 0..3
local BIT = { [0] = { [0] = 0x01, 0x08 }, { [0] = 0x02, 0x10 }, { [0] = 0x04, 0x20 }, { [0] = 0x40, 0x80 } }

-- the nearest of the 16 ANSI colours to each palette colour
local ANSI = {
  ["#1f77b4"] = 34, ["#ff7f0e"] = 33, ["#2ca02c"] = 32, ["#d62728"] = 31, ["#9467bd"] = 35,
  ["#8c564b"] = 33, ["#e377c2"] = 95, ["#7f7f7f"] = 90, ["#bcbd22"] = 93, ["#17becf"] = 36,
}

local function canvas(cols, rows)
  local c = { cols = cols, rows = rows, bits = {}, char = {}, color = {} }
  for r = 1, rows do c.bits[r], c.char[r], c.color[r] = {}, {}, {} end
  return c
end

-- one dot at dot coordinates (dx, dy), dy = 0 at the top
local function dot(c, dx, dy, color)
  local col, row = dx // 2 + 1, dy // 4 + 1
  if col < 1 or col > c.cols or row < 1 or row > c.rows then return end
  c.bits[row][col] = (c.bits[row][col] or 0) | BIT[dy % 4][dx % 2]
  c.color[row][col] = color
end

-- a whole character at the cell holding unit-square point (u, v)
local function mark(c, u, v, ch, color)
  local col = math.floor(u * (c.cols - 1e-9)) + 1
  local row = c.rows - math.floor(v * (c.rows - 1e-9))
  if col < 1 or col > c.cols or row < 1 or row > c.rows then return end
  c.char[row][col], c.color[row][col] = ch, color
end

local function dotxy(c, u, v)
  return math.floor(u * (2 * c.cols - 1) + 0.5), math.floor((1 - v) * (4 * c.rows - 1) + 0.5)
end

-- Bresenham between two unit-square points; with 'every' = k only every
-- k-th dot is set (a dotted line, as contour lines are drawn so that paths
-- over them stay visible without colour)
local function line(c, u0, v0, u1, v1, color, every, k)
  local x0, y0 = dotxy(c, u0, v0)
  local x1, y1 = dotxy(c, u1, v1)
  local dx, dy = math.abs(x1 - x0), -math.abs(y1 - y0)
  local sx, sy = x0 < x1 and 1 or -1, y0 < y1 and 1 or -1
  local err = dx + dy
  while true do
    if not every or k % every == 0 then dot(c, x0, y0, color) end
    if x0 == x1 and y0 == y1 then break end
    k = k + 1
    local e2 = 2 * err
    if e2 >= dy then err = err + dy; x0 = x0 + sx end
    if e2 <= dx then err = err + dx; y0 = y0 + sy end
  end
  return k
end

local function draw_runs(c, xs, ys, S, color, every)
  for _, run in ipairs(scale.runs(xs, ys, S.x, S.y)) do
    local k = 0     -- dots along the run so far: a dotted line stays even across segments
    for i = 1, #run - 3, 2 do k = line(c, run[i], run[i + 1], run[i + 2], run[i + 3], color, every, k) end
  end
end

local function draw(c, fig, S)
  for _, layer in ipairs(fig.layers) do
    if layer.kind == "contour" then
      for _, lv in ipairs(layer.levels) do
        for _, pl in ipairs(lv.lines) do
          local xs, ys = {}, {}
          for i = 1, #pl, 2 do xs[#xs + 1], ys[#ys + 1] = pl[i], pl[i + 1] end
          draw_runs(c, xs, ys, S, "contour", 2)
        end
      end
    elseif layer.kind == "line" or layer.kind == "path" then
      draw_runs(c, layer.x, layer.y, S, layer.color)
    elseif layer.kind == "arrows" and not layer.cell then
      -- a single arrow (fn1d's gradient) as its shaft; a field would fill the canvas
      for i = 1, #layer.x do
        draw_runs(c, { layer.x[i], layer.x[i] + layer.dx[i] }, { layer.y[i], layer.y[i] + layer.dy[i] }, S, layer.color)
      end
    end
  end
  -- whole-character marks go over every line
  for _, layer in ipairs(fig.layers) do
    if layer.kind == "scatter" or (layer.kind == "path" and layer.dots) then
      local pts = scale.points(layer.x, layer.y, S.x, S.y)
      for i = 1, #pts, 2 do mark(c, pts[i], pts[i + 1], "\u{2022}", layer.color) end
    end
  end
  for _, layer in ipairs(fig.layers) do
    if layer.kind == "cross" then
      local pts = scale.points(layer.x, layer.y, S.x, S.y)
      for i = 1, #pts, 2 do mark(c, pts[i], pts[i + 1], "+", layer.color) end
    elseif layer.kind == "path" then
      local first, last
      for i = 1, math.min(#layer.x, #layer.y) do
        if scale.finite(S.x(layer.x[i])) and scale.finite(S.y(layer.y[i])) then first = first or i; last = i end
      end
      if first then mark(c, S.x(layer.x[first]), S.y(layer.y[first]), "o", layer.color) end
      if last then mark(c, S.x(layer.x[last]), S.y(layer.y[last]), "*", layer.color) end
    end
  end
end

local function paint(s, color, on)
  if not on or not color then return s end
  local code = color == "contour" and 90 or ANSI[color] or 39
  return "\27[" .. code .. "m" .. s .. "\27[0m"
end

-- One canvas row; neighbouring cells of one colour share one escape.
local function row_text(c, r, colored)
  local out, run, run_color = {}, {}, nil
  local function flush()
    if #run > 0 then out[#out + 1] = paint(table.concat(run), run_color, colored) end
    run = {}
  end
  for col = 1, c.cols do
    local ch = c.char[r][col]
    if not ch then
      local b = c.bits[r][col]
      ch = b and utf8.char(0x2800 + b) or " "
    end
    local color = ch ~= " " and c.color[r][col] or nil
    if color ~= run_color then flush(); run_color = color end
    run[#run + 1] = ch
  end
  flush()
  return table.concat(out)
end

local fit, width = scale.fit, scale.columns

local function pad(s, w) return string.rep(" ", w - width(s)) .. s end

local function centre(s, w)
  local n = width(s)
  if n >= w then return s end
  return string.rep(" ", (w - n) // 2) .. s
end

-- The text; 'fig.width' is the total width in columns (default 72),
-- 'fig.height' the rows of the plot area (default 16).
function P.term(fig)
  local W, rows = fig.width or 72, fig.height or 16
  local colored = fig.color
  local S = { x = scale.scale(fig.xlim[1], fig.xlim[2], fig.xlog), y = scale.scale(fig.ylim[1], fig.ylim[2], fig.ylog) }
  local ytop, ybot = scale.short(fig.ylim[2]), scale.short(fig.ylim[1])
  local lw = math.max(width(ytop), width(ybot))
  local cols = math.max(4, W - lw - 2)
  local c = canvas(cols, rows)
  fig = scale.thinned(fig, S, 2 * cols)
  draw(c, fig, S)

  local lines = {}
  if fig.title then
    lines[#lines + 1] = centre(fit(fig.title, W - 1), W)
  end
  if fig.ylabel then lines[#lines + 1] = fit(fig.ylabel, W - 1) end
  for r = 1, rows do
    local label = (r == 1 and ytop) or (r == rows and ybot) or ""
    local axis = (r == 1 or r == rows) and "\u{2524}" or "\u{2502}"
    lines[#lines + 1] = pad(label, lw) .. " " .. axis .. row_text(c, r, colored)
  end
  lines[#lines + 1] = string.rep(" ", lw + 1) .. "\u{2514}" .. string.rep("\u{2500}", cols)
  local xlo, xhi = scale.short(fig.xlim[1]), scale.short(fig.xlim[2])
  local gap = cols - width(xlo) - width(xhi)
  local mid = fig.xlabel or ""
  if width(mid) + 2 > gap then mid = "" end
  local left = (gap - width(mid)) // 2
  lines[#lines + 1] = string.rep(" ", lw + 2) .. xlo .. string.rep(" ", left) .. mid
    .. string.rep(" ", gap - left - width(mid)) .. xhi
  if fig.legend and #fig.legend > 0 then
    local parts, used = {}, lw + 2
    local line = string.rep(" ", lw + 2)
    for _, e in ipairs(fig.legend) do
      local sym = ({ start = "o", ["end"] = "*", scatter = "\u{2022}", cross = "+", arrow = "\u{2192}" })[e.style] or "\u{2500}\u{2500}"
      local name = fit(e.name, W - lw - 7)
      local item = sym .. " " .. name
      local n = width(item) + 3
      if used + n > W and #parts > 0 then
        lines[#lines + 1] = line .. table.concat(parts, "   ")
        parts, used = {}, lw + 2
      end
      parts[#parts + 1] = paint(sym, e.style == "contour" and "contour" or e.color, colored) .. " " .. name
      used = used + n
    end
    lines[#lines + 1] = line .. table.concat(parts, "   ")
  end
  return table.concat(lines, "\n")
end

return P
