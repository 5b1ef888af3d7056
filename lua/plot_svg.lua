-- plot_svg.lua -- renders a figure (the table plot.lua builds: axes, layers,
-- legend) as a standalone SVG document: nice ticks and a light grid, axis
-- labels, title, a legend placed where it hides the least data, and for
-- contour plots a colour bar of the levels.  Everything is plain SVG 1.1
-- attributes (no CSS, no scripts) so any viewer or converter shows it alike.
local scale = require "slope.plot.scale"
local P = {}

local FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
local SIZE = { title = 16, label = 14, tick = 12, legend = 12 }
local INK, GREY, GRID = "#222222", "#444444", "#e8e8e8"
local CHAR = 0.62           -- average advance of a DejaVu Sans glyph, in em (a little over)

-- Text made safe for XML: markup characters escaped, control characters
-- (which XML 1.0 forbids) dropped.
local function xml(s)
  s = tostring(s):gsub("[%z\1-\8\11\12\14-\31]", "")
  return (s:gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
                                ['"'] = "&quot;", ["'"] = "&apos;" }))
end

-- a coordinate with two decimals at most ("12.5", not "12.500000")
local function num(v)
  local s = string.format("%.2f", v):gsub("0+$", ""):gsub("%.$", "")
  if s == "-0" then s = "0" end
  return s
end

local function text_width(s, size)
  return scale.columns(s) * size * CHAR
end

-- A tick label as SVG text content and its estimated width: powers of ten
-- set as 10 with a raised exponent, minus signs as U+2212 as in print.
local function tick_label(t, size)
  local v, pow, step = t[1], t[2], t.step
  if pow then
    local e = tostring(pow):gsub("%-", "\u{2212}")
    if pow == 0 then return "1", size * CHAR end
    if pow == 1 then return "10", 2 * size * CHAR end
    return '10<tspan dy="-0.45em" font-size="0.75em">' .. e .. '</tspan>',
      (2 + 0.75 * utf8.len(e)) * size * CHAR
  end
  local s = scale.fmt(v, step, t.sci):gsub("^%-", "\u{2212}")
  return xml(s), text_width(s, size)
end

-- The ticks of one axis: { {value, pow, step = }, ... } and minor values.
local function axis_ticks(lim, log, n)
  if log then return scale.logticks(lim[1], lim[2], n) end
  local list, step = scale.ticks(lim[1], lim[2], n)
  local sci = scale.sci(list, step)
  local out = {}
  for i, v in ipairs(list) do out[i] = { v, nil, step = step, sci = sci } end
  return out, {}
end

-- Pixel positions of a run of unit-square points, as "x,y" strings.
local function pixels(run, X, Y)
  local out = {}
  for i = 1, #run, 2 do out[#out + 1] = num(X(run[i])) .. "," .. num(Y(run[i + 1])) end
  return out
end

local function star(cx, cy, r)
  local pts = {}
  for k = 0, 9 do
    local a = -math.pi / 2 + k * math.pi / 5
    local rr = (k % 2 == 0) and r or r * 0.45
    pts[#pts + 1] = num(cx + rr * math.cos(a)) .. "," .. num(cy + rr * math.sin(a))
  end
  return table.concat(pts, " ")
end

-- An arrow from (x0, y0) to (x1, y1) in pixels: the shaft, and a head
-- whose size follows the arrow's length up to 9 px.
local function arrow(out, x0, y0, x1, y1, color, width)
  local dx, dy = x1 - x0, y1 - y0
  local len = math.sqrt(dx * dx + dy * dy)
  if not (len >= 0.5) then return end
  local ux, uy = dx / len, dy / len
  local h = math.min(9, 0.45 * len) * (width >= 2 and 1.1 or 1)
  local bx, by = x1 - ux * h, y1 - uy * h
  out[#out + 1] = ('<path d="M%s %sL%s %s" stroke="%s" stroke-width="%s" stroke-linecap="round"/>')
    :format(num(x0), num(y0), num(bx), num(by), color, num(width))
  out[#out + 1] = ('<polygon points="%s,%s %s,%s %s,%s" fill="%s"/>'):format(num(x1), num(y1),
    num(bx - uy * h * 0.5), num(by + ux * h * 0.5), num(bx + uy * h * 0.5), num(by - ux * h * 0.5), color)
end

-- start and end markers of a path, also drawn in the legend
local function marker(out, kind, x, y, color)
  if kind == "start" then
    out[#out + 1] = ('<circle cx="%s" cy="%s" r="5" fill="white" stroke="%s" stroke-width="2"/>')
      :format(num(x), num(y), color)
  elseif kind == "end" then
    out[#out + 1] = ('<polygon points="%s" fill="%s" stroke="white" stroke-width="0.8" stroke-linejoin="round"/>')
      :format(star(x, y, 8), color)
  elseif kind == "dot" then
    out[#out + 1] = ('<circle cx="%s" cy="%s" r="2.6" fill="%s"/>'):format(num(x), num(y), color)
  elseif kind == "cross" then
    local d = 5.5
    local path = ("M%s %sL%s %sM%s %sL%s %s"):format(num(x - d), num(y - d), num(x + d), num(y + d),
      num(x - d), num(y + d), num(x + d), num(y - d))
    out[#out + 1] = ('<path d="%s" stroke="white" stroke-width="4.5" stroke-linecap="round"/>'):format(path)
    out[#out + 1] = ('<path d="%s" stroke="%s" stroke-width="2.2" stroke-linecap="round"/>'):format(path, color)
  elseif kind == "arrow" then
    arrow(out, x - 13, y, x + 13, y, color, 2)
  elseif kind == "scatter" then
    out[#out + 1] = ('<circle cx="%s" cy="%s" r="5" fill="%s" fill-opacity="0.85" stroke="white" stroke-width="0.6"/>')
      :format(num(x), num(y), color)
  end
end

local function polyline(out, pts, color, width, class, extra)
  if #pts < 2 then return end
  out[#out + 1] = ('<polyline%s points="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round" stroke-linecap="round"%s/>')
    :format(class and (' class="' .. class .. '"') or "", table.concat(pts, " "), color, num(width), extra or "")
end

-- Where the legend goes, as matplotlib's loc="best" chooses: of the corners,
-- then the middles of the right and left edges, of the bottom and top, and
-- the centre, the first place whose box covers the least of the data.  Lines
-- are followed along their length (a point every 1% of the axes), so one that
-- crosses a box counts there even with no vertex inside; scatters count by
-- their points.
local function legend_place(fig, box_u, box_v, S)
  local top, right, mu, mv = 1 - box_v, 1 - box_u, (1 - box_u) / 2, (1 - box_v) / 2
  local places = { { right, top }, { 0, top }, { 0, 0 }, { right, 0 },
                   { right, mv }, { 0, mv }, { mu, 0 }, { mu, top }, { mu, mv } }
  local covered = {}
  for k = 1, #places do covered[k] = 0 end
  local function count(u, v)
    for k, c in ipairs(places) do
      if u >= c[1] and u <= c[1] + box_u and v >= c[2] and v <= c[2] + box_v then covered[k] = covered[k] + 1 end
    end
  end
  for _, layer in ipairs(fig.layers) do
    if layer.x then
      local pts = scale.points(layer.x, layer.y, S.x, S.y)
      local joined = layer.kind == "line" or layer.kind == "path"
      for i = 1, #pts, 2 do
        local u, v = pts[i], pts[i + 1]
        count(u, v)
        if joined and pts[i + 2] then
          local du, dv = pts[i + 2] - u, pts[i + 3] - v
          local steps = math.min(150, math.floor(math.sqrt(du * du + dv * dv) / 0.01))
          for j = 1, steps do count(u + du * j / (steps + 1), v + dv * j / (steps + 1)) end
        end
      end
    end
  end
  local best = 1
  for k = 2, #places do if covered[k] < covered[best] then best = k end end
  return places[best]
end

local function draw_legend(out, fig, A, S)
  local entries = fig.legend
  if not entries or #entries == 0 then return end
  local size, row, sample = SIZE.legend, 20, 30
  local w = 0
  for _, e in ipairs(entries) do w = math.max(w, text_width(e.name, size)) end
  w = w + sample + 36
  local h = #entries * row + 10
  local c = legend_place(fig, (w + 16) / A.w, (h + 16) / A.h, S)
  local x = A.x + c[1] * A.w + 8
  local y = A.y + (1 - c[2]) * A.h - (h + 16) + 8
  out[#out + 1] = '<g class="legend">'
  out[#out + 1] = ('<rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="white" fill-opacity="0.88" stroke="#cccccc"/>')
    :format(num(x), num(y), num(w), num(h))
  for k, e in ipairs(entries) do
    local cy = y + 5 + (k - 0.5) * row
    local sx = x + 10
    if e.style == "line" or e.style == "path" or e.style == "contour" then
      out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s" stroke-linecap="round"/>')
        :format(num(sx), num(cy), num(sx + sample - 4), num(cy), e.color, e.style == "contour" and "1.2" or "2")
      if e.style == "path" then marker(out, "dot", sx + (sample - 4) / 2, cy, e.color) end
    else
      marker(out, e.style, sx + (sample - 4) / 2, cy, e.color)
    end
    out[#out + 1] = ('<text x="%s" y="%s" font-size="%d" fill="%s" dy="0.35em">%s</text>')
      :format(num(sx + sample + 4), num(cy), size, INK, xml(e.name))
  end
  out[#out + 1] = '</g>'
end

-- A discrete colour bar of the contour levels, right of the axes.
local function draw_colorbar(out, bar, A, right)
  local n = #bar
  if n == 0 then return end
  local x, w = A.x + A.w + 18, 14
  local h = A.h / n
  out[#out + 1] = '<g class="colorbar">'
  for k, e in ipairs(bar) do
    out[#out + 1] = ('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>')
      :format(num(x), num(A.y + A.h - k * h), num(w), num(h + 0.3), e[2])
  end
  out[#out + 1] = ('<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s" stroke-width="0.8"/>')
    :format(num(x), num(A.y), num(w), num(A.h), GREY)
  local every = math.max(1, math.ceil(n * 18 / A.h))
  for k, e in ipairs(bar) do
    if (k - 1) % every == 0 then
      local cy = A.y + A.h - (k - 0.5) * h
      local s = scale.short(e[1]):gsub("^%-", "\u{2212}")
      out[#out + 1] = ('<text x="%s" y="%s" font-size="%d" fill="%s" dy="0.35em">%s</text>')
        :format(num(x + w + 5), num(cy), SIZE.tick - 1, INK, xml(s))
    end
  end
  if right then
    out[#out + 1] = ('<text x="%s" y="%s" font-size="%d" fill="%s" text-anchor="middle">%s</text>')
      :format(num(x + w / 2), num(A.y - 8), SIZE.tick, INK, xml(right))
  end
  out[#out + 1] = '</g>'
end

-- Arrows from (x, y) by (dx, dy) in data units.  A field (layer.cell set)
-- is scaled so the longest arrow is 0.9 of a grid cell, the others by the
-- square root of their relative length (a loss's gradient spans decades;
-- in proportion most arrows would be dots).  Arrows starting outside the
-- axes are left out.
local function draw_arrows(out, layer, A, S, X, Y)
  local px = {}
  local longest = 0
  for i = 1, #layer.x do
    local u, v = S.x(layer.x[i]), S.y(layer.y[i])
    if scale.finite(u) and scale.finite(v) and u >= 0 and u <= 1 and v >= 0 and v <= 1 then
      local x0, y0 = X(u), Y(v)
      local x1, y1 = X(S.x(layer.x[i] + layer.dx[i])), Y(S.y(layer.y[i] + layer.dy[i]))
      if scale.finite(x1) and scale.finite(y1) then
        px[#px + 1] = { x0, y0, x1 - x0, y1 - y0 }
        longest = math.max(longest, math.sqrt((x1 - x0) ^ 2 + (y1 - y0) ^ 2))
      end
    end
  end
  out[#out + 1] = ('<g class="arrows" data-name="%s">'):format(xml(layer.name or "arrows"))
  for _, a in ipairs(px) do
    local k = 1
    if layer.cell and longest > 0 then
      local cw = math.min(A.w * math.abs(S.x(layer.x[1] + layer.cell[1]) - S.x(layer.x[1])),
                          A.h * math.abs(S.y(layer.y[1] + layer.cell[2]) - S.y(layer.y[1])))
      local len = math.sqrt(a[3] ^ 2 + a[4] ^ 2)
      k = len > 0 and 0.9 * cw * math.sqrt(len / longest) / len or 0
    end
    arrow(out, a[1], a[2], a[1] + k * a[3], a[2] + k * a[4], layer.color, layer.width or 1.5)
  end
  out[#out + 1] = '</g>'
end

-- The moving points of an animation: each at the first step, with SMIL
-- <animate> elements moving it a step a frame (browsers and README viewers
-- play them without scripts; the GIF writer samples the same values).
local function draw_moving(out, fig, A, S)
  local anim = fig.animation
  if not anim then return end
  local X = function(u) return A.x + u * A.w end
  local Y = function(v) return A.y + (1 - v) * A.h end
  local dur = anim.frames / anim.fps
  out[#out + 1] = '<g class="moving">'
  for _, t in ipairs(anim.tracks) do
    local xs, ys = {}, {}
    local lx, ly
    for j, k in ipairs(anim.steps) do
      local i = math.min(k, #t.x)
      local u, v = S.x(t.x[i]), S.y(t.y[i])
      if scale.finite(u) and scale.finite(v) then lx, ly = X(math.max(0, math.min(1, u))), Y(math.max(0, math.min(1, v))) end
      xs[j], ys[j] = num(lx or -100), num(ly or -100)
    end
    out[#out + 1] = ('<circle cx="%s" cy="%s" r="7" fill="%s" stroke="white" stroke-width="2">'):format(xs[1], ys[1], t.color)
    for _, a in ipairs { { "cx", xs }, { "cy", ys } } do
      out[#out + 1] = ('<animate attributeName="%s" values="%s" dur="%ss" calcMode="discrete" repeatCount="indefinite"/>')
        :format(a[1], table.concat(a[2], ";"), num(dur))
    end
    out[#out + 1] = "</circle>"
  end
  out[#out + 1] = '</g>'
end

-- Shapes already placed (a 3-D scene, plot_surface.lua), drawn in their
-- order: polygons (faces), lines and path markers, in data units.
local function draw_shapes(out, layer, S, X, Y)
  out[#out + 1] = '<g class="shapes" stroke-linejoin="round">'
  for _, it in ipairs(layer.items) do
    local pts = {}
    for i = 1, #it.pts, 2 do pts[#pts + 1] = num(X(S.x(it.pts[i]))) .. "," .. num(Y(S.y(it.pts[i + 1]))) end
    if it.marker then
      marker(out, it.marker, X(S.x(it.pts[1])), Y(S.y(it.pts[2])), it.stroke)
    elseif it.fill then
      out[#out + 1] = ('<polygon points="%s" fill="%s" stroke="%s" stroke-width="%s"/>')
        :format(table.concat(pts, " "), it.fill, it.stroke or it.fill, num(it.width or 0.5))
    else
      out[#out + 1] = ('<polyline points="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linecap="round"/>')
        :format(table.concat(pts, " "), it.stroke, num(it.width or 1))
    end
  end
  out[#out + 1] = '</g>'
end

local function draw_layers(out, fig, A, S)
  local X = function(u) return A.x + u * A.w end
  local Y = function(v) return A.y + (1 - v) * A.h end
  for _, layer in ipairs(fig.layers) do
    if layer.kind == "contour" then
      out[#out + 1] = ('<g class="contour" fill="none" stroke-width="%s" stroke-opacity="0.95">'):format(num(layer.width or 1.1))
      for _, lv in ipairs(layer.levels) do
        for _, line in ipairs(lv.lines) do
          local xs, ys = {}, {}
          for i = 1, #line, 2 do xs[#xs + 1], ys[#ys + 1] = line[i], line[i + 1] end
          for _, run in ipairs(scale.runs(xs, ys, S.x, S.y)) do
            local pts = pixels(run, X, Y)
            out[#out + 1] = ('<polyline points="%s" stroke="%s"/>'):format(table.concat(pts, " "), lv.color)
          end
        end
      end
      out[#out + 1] = '</g>'
    elseif layer.kind == "line" or layer.kind == "path" then
      local class = layer.kind == "path" and "path" or "line"
      local extra = layer.name and (' data-name="' .. xml(layer.name) .. '"') or ""
      for _, run in ipairs(scale.runs(layer.x, layer.y, S.x, S.y)) do
        polyline(out, pixels(run, X, Y), layer.color,
          layer.width or (layer.kind == "path" and 1.6 or 2.2), class, extra)
      end
      if layer.kind == "path" then
        local pts = scale.points(layer.x, layer.y, S.x, S.y)
        if layer.dots then
          for i = 1, #pts, 2 do marker(out, "dot", X(pts[i]), Y(pts[i + 1]), layer.color) end
        end
        -- start and end: the first and last finite points, when in view
        local n = math.min(#layer.x, #layer.y)
        local first, last
        for i = 1, n do
          if scale.finite(S.x(layer.x[i])) and scale.finite(S.y(layer.y[i])) then first = first or i; last = i end
        end
        for _, m in ipairs { { "start", first }, { "end", last } } do
          if m[2] then
            local u, v = S.x(layer.x[m[2]]), S.y(layer.y[m[2]])
            if u >= 0 and u <= 1 and v >= 0 and v <= 1 then marker(out, m[1], X(u), Y(v), layer.color) end
          end
        end
      end
    elseif layer.kind == "arrows" then
      draw_arrows(out, layer, A, S, X, Y)
    elseif layer.kind == "shapes" then
      draw_shapes(out, layer, S, X, Y)
    elseif layer.kind == "labels" then
      out[#out + 1] = ('<g class="labels" font-size="%d" fill="%s">'):format(SIZE.tick, INK)
      for _, l in ipairs(layer.items) do
        out[#out + 1] = ('<text x="%s" y="%s" text-anchor="%s" dy="0.35em"%s>%s</text>'):format(num(X(S.x(l.x))),
          num(Y(S.y(l.y))), l.label and "middle" or l.anchor or "middle",
          l.label and (' font-size="%d"'):format(SIZE.label) or "", xml(l.text))
      end
      out[#out + 1] = '</g>'

    elseif layer.kind == "scatter" or layer.kind == "cross" then
      local pts = scale.points(layer.x, layer.y, S.x, S.y)
      for i = 1, #pts, 2 do marker(out, layer.kind, X(pts[i]), Y(pts[i + 1]), layer.color) end
    end
  end
end

-- The whole document.
function P.svg(fig)
  local W, H = fig.width or 720, fig.height or 480
  local xlim = scale.widen(fig.xlim, fig.xpad, fig.xlog)
  local ylim = scale.widen(fig.ylim, fig.ypad, fig.ylog)
  local xt, xminor = axis_ticks(xlim, fig.xlog, math.max(3, math.floor(W / 110)))
  local yt, yminor = axis_ticks(ylim, fig.ylog, math.max(3, math.floor(H / 80)))
  local axes = fig.axes ~= false   -- a 3-D surface draws its own box of axes
  if not axes then xt, xminor, yt, yminor = {}, {}, {}, {} end
  local ylab_w = 0
  for _, t in ipairs(yt) do
    local _, w = tick_label(t, SIZE.tick)
    ylab_w = math.max(ylab_w, w)
  end
  local top = fig.title and 44 or 18
  local left = 14 + (fig.ylabel and SIZE.label + 10 or 0) + ylab_w + 10
  local bottom = 10 + SIZE.tick + 8 + (fig.xlabel and SIZE.label + 12 or 0)
  local right = 24
  if fig.colorbar and #fig.colorbar > 0 then
    local lw = 0
    for _, e in ipairs(fig.colorbar) do lw = math.max(lw, text_width(scale.short(e[1]), SIZE.tick - 1)) end
    right = 18 + 14 + 5 + lw + 14
  end
  local A = { x = left, y = top, w = math.max(10, W - left - right), h = math.max(10, H - top - bottom) }
  if fig.equal then
    -- one data unit as many pixels across as up: the larger span sets the scale
    local k = math.max((xlim[2] - xlim[1]) / A.w, (ylim[2] - ylim[1]) / A.h)
    local cx, cy = (xlim[1] + xlim[2]) / 2, (ylim[1] + ylim[2]) / 2
    xlim, ylim = { cx - k * A.w / 2, cx + k * A.w / 2 }, { cy - k * A.h / 2, cy + k * A.h / 2 }
  end
  local S = { x = scale.scale(xlim[1], xlim[2], fig.xlog), y = scale.scale(ylim[1], ylim[2], fig.ylog) }
  local X = function(v) return A.x + S.x(v) * A.w end
  local Y = function(v) return A.y + (1 - S.y(v)) * A.h end
  fig = scale.thinned(fig, S, A.w)

  local out = {}
  out[#out + 1] = ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s">')
    :format(W, H, W, H, FONT)
  if fig.title then out[#out + 1] = "<title>" .. xml(fig.title) .. "</title>" end
  out[#out + 1] = ('<rect width="%d" height="%d" fill="white"/>'):format(W, H)

  -- grid under everything
  out[#out + 1] = ('<g class="grid" stroke="%s" stroke-width="1">'):format(GRID)
  for _, t in ipairs(xt) do
    out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s"/>'):format(num(X(t[1])), num(A.y), num(X(t[1])), num(A.y + A.h))
  end
  for _, t in ipairs(yt) do
    out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s"/>'):format(num(A.x), num(Y(t[1])), num(A.x + A.w), num(Y(t[1])))
  end
  out[#out + 1] = '</g>'

  draw_layers(out, fig, A, S)
  draw_moving(out, fig, A, S)

  if axes then
    out[#out + 1] = ('<rect class="frame" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s" stroke-width="1"/>')
      :format(num(A.x), num(A.y), num(A.w), num(A.h), GREY)
  end

  -- ticks and their labels
  out[#out + 1] = ('<g class="ticks" stroke="%s" stroke-width="1">'):format(GREY)
  for _, t in ipairs(xt) do
    out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s"/>'):format(num(X(t[1])), num(A.y + A.h), num(X(t[1])), num(A.y + A.h + 5))
  end
  for _, v in ipairs(xminor) do
    out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s"/>'):format(num(X(v)), num(A.y + A.h), num(X(v)), num(A.y + A.h + 3))
  end
  for _, t in ipairs(yt) do
    out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s"/>'):format(num(A.x - 5), num(Y(t[1])), num(A.x), num(Y(t[1])))
  end
  for _, v in ipairs(yminor) do
    out[#out + 1] = ('<line x1="%s" y1="%s" x2="%s" y2="%s"/>'):format(num(A.x - 3), num(Y(v)), num(A.x), num(Y(v)))
  end
  out[#out + 1] = '</g>'
  out[#out + 1] = ('<g class="tick-labels" font-size="%d" fill="%s">'):format(SIZE.tick, INK)
  for _, t in ipairs(xt) do
    out[#out + 1] = ('<text x="%s" y="%s" text-anchor="middle">%s</text>')
      :format(num(X(t[1])), num(A.y + A.h + 9 + SIZE.tick), (tick_label(t, SIZE.tick)))
  end
  for _, t in ipairs(yt) do
    out[#out + 1] = ('<text x="%s" y="%s" text-anchor="end" dy="0.35em">%s</text>')
      :format(num(A.x - 8), num(Y(t[1])), (tick_label(t, SIZE.tick)))
  end
  out[#out + 1] = '</g>'

  if fig.xlabel then
    out[#out + 1] = ('<text x="%s" y="%s" font-size="%d" fill="%s" text-anchor="middle">%s</text>')
      :format(num(A.x + A.w / 2), num(H - 10), SIZE.label, INK, xml(fig.xlabel))
  end
  if fig.ylabel then
    local x, y = 14 + SIZE.label * 0.8, A.y + A.h / 2
    out[#out + 1] = ('<text x="%s" y="%s" font-size="%d" fill="%s" text-anchor="middle" transform="rotate(-90 %s %s)">%s</text>')
      :format(num(x), num(y), SIZE.label, INK, num(x), num(y), xml(fig.ylabel))
  end
  if fig.title then
    -- centred over the axes, shifted (and at worst cut) to stay in the picture
    local t, em = fig.title, SIZE.title * (CHAR + 0.05)
    t = scale.fit(t, math.floor((W - 24) / em))
    local half = scale.columns(t) * em / 2
    local cx = math.max(12 + half, math.min(W - 12 - half, A.x + A.w / 2))
    out[#out + 1] = ('<text x="%s" y="%s" font-size="%d" font-weight="600" fill="%s" text-anchor="middle">%s</text>')
      :format(num(cx), 27, SIZE.title, INK, xml(t))
  end
  draw_legend(out, fig, A, S)
  if fig.colorbar then draw_colorbar(out, fig.colorbar, A, fig.colorbar_title) end
  out[#out + 1] = "</svg>\n"
  return table.concat(out, "\n")
end

return P
