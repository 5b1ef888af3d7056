-- plot_surface.lua -- slope.plot.surface: a function of two variables as a
-- 3-D surface seen from (elevation, azimuth), coloured by height (viridis,
-- or on a log scale for valleys such as Rosenbrock's), with descent paths
-- drawn on it, a colour bar and a box of axes with ticks.
--
-- Hidden parts are hidden by the painter's algorithm: the grid's faces and
-- the paths' pieces (each path cut into pieces no longer than a grid cell,
-- lifted a hair above the surface) are sorted together by their depth
-- along the line of sight and drawn far to near, so a face in front of a
-- path covers it and a path in front of a face is drawn over it.  The
-- figure that comes out is 2-D: shapes in screen units that every renderer
-- draws as they are (plot_svg.lua's "shapes" layer).  The module
-- "slope.plot.surface"; plot.lua puts 'surface' into slope.plot.
local slope, private = ...
local scale = require "slope.plot.scale"
local common = require "slope.plot.common"
local contour = require "slope.plot.contour"
local fail, options, range, cut = common.fail, common.options, common.range, common.cut
local P = {}

-- The projection of the unit box [-0.5, 0.5]^3 seen from azimuth 'az' and
-- elevation 'el' (degrees, as matplotlib's view_init): screen x, screen y
-- (up) and depth (larger is nearer the eye).
local function camera(el, az)
  local a, e = math.rad(az), math.rad(el)
  local ca, sa, ce, se = math.cos(a), math.sin(a), math.cos(e), math.sin(e)
  return function(u, v, w)
    return -u * sa + v * ca, w * ce - (u * ca + v * sa) * se, (u * ca + v * sa) * ce + w * se
  end
end

-- Whether screen point (x, y) is inside polygon 'pts' { x1, y1, ... } (even-odd rule).
local function inside(pts, x, y)
  local n, c = #pts // 2, false
  local j = n
  for i = 1, n do
    local xi, yi, xj, yj = pts[2 * i - 1], pts[2 * i], pts[2 * j - 1], pts[2 * j]
    if (yi > y) ~= (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi then c = not c end
    j = i
  end
  return c
end

-- Whether item k of a painted list is covered: its middle point inside a
-- face painted after it (nearer the eye).  For the tests of visibility.
function P.covered(items, k)
  local it = items[k]
  local pts = it.pts
  local mx, my = 0, 0
  for i = 1, #pts, 2 do mx, my = mx + pts[i], my + pts[i + 1] end
  mx, my = mx / (#pts / 2), my / (#pts / 2)
  for j = k + 1, #items do
    if items[j].face and inside(items[j].pts, mx, my) then return true end
  end
  return false
end

local function shade(hex, k)
  local r, g, b = hex:match("#(%x%x)(%x%x)(%x%x)")
  local function c(v) return math.max(0, math.min(255, math.floor(tonumber(v, 16) * k + 0.5))) end
  return ("#%02x%02x%02x"):format(c(r), c(g), c(b))
end

-- The scene of a surface: { items = shapes far to near, box = back and front
-- axis shapes, bar = colour bar { value, colour }, ... }; o is slope.plot.surface's options.
function P.scene(o)
  local fn, vx, vy, f = common.surface_fn("surface", o)
  local paths = common.paths_of("surface", o.paths, { vx, vy }, false, "paths")
  local xr, yr
  if type(o.range) == "table" then
    if o.range[vx] ~= nil then xr = range("surface", "range." .. vx, o.range[vx]) end
    if o.range[vy] ~= nil then yr = range("surface", "range." .. vy, o.range[vy]) end
  elseif o.range ~= nil then
    fail("surface", "range must be { %s = {lo, hi}, %s = {lo, hi} }, got a %s", vx, vy, common.kind_of(o.range))
  end
  -- x = {lo, hi}, y = {lo, hi} as contour takes them
  if type(o.x) == "table" then xr = xr or range("surface", "x", o.x) end
  if type(o.y) == "table" then yr = yr or range("surface", "y", o.y) end
  if o.domain ~= nil then
    if type(o.domain) ~= "table" then fail("surface", "domain must be { {lo, hi}, {lo, hi} } (as slope.testfn gives)") end
    xr = xr or range("surface", "domain[1]", o.domain[1])
    yr = yr or range("surface", "domain[2]", o.domain[2])
  end
  if not (xr and yr) then
    local xl, yl = {}, {}
    for i, p in ipairs(paths) do xl[i], yl[i] = p.cols[vx], p.cols[vy] end
    local a, b = scale.limits(xl, false)
    local c, d = scale.limits(yl, false)
    if not (a and c) then fail("surface", "missing option 'range' ({ %s = {lo, hi}, %s = {lo, hi} })", vx, vy) end
    xr, yr = xr or scale.widen({ a, b }, 0.15), yr or scale.widen({ c, d }, 0.15)
  end
  local el, az = o.elevation or 30, o.azimuth or -60
  if type(el) ~= "number" or el < -90 or el > 90 then fail("surface", "elevation must be a number of degrees in [-90, 90], got %s", tostring(o.elevation)) end
  if type(az) ~= "number" or not scale.finite(az) then fail("surface", "azimuth must be a number of degrees, got %s", tostring(o.azimuth)) end
  local n = o.grid or 40
  if math.type(n) ~= "integer" or n < 3 or n > 150 then
    fail("surface", "grid must be an integer in [3, 150], got %s", tostring(o.grid))
  end

  -- heights on the grid, their range, and the colour of a height
  local gx, gy, z = {}, {}, {}
  local zmin, zmax = math.huge, -math.huge
  for i = 1, n do gx[i] = xr[1] + (xr[2] - xr[1]) * (i - 1) / (n - 1) end
  for j = 1, n do gy[j] = yr[1] + (yr[2] - yr[1]) * (j - 1) / (n - 1) end
  for j = 1, n do
    z[j] = {}
    for i = 1, n do
      local v = fn(gx[i], gy[j])
      z[j][i] = v
      if scale.finite(v) then zmin, zmax = math.min(zmin, v), math.max(zmax, v) end
    end
  end
  if not (zmin < zmax) then fail("surface", "f has no two different finite values over the range") end
  local span = zmax - zmin
  -- a log colour scale measures height above the minimum, from 1e-4 of the span up
  local floor = span * 1e-4
  local function t_of(v)
    if o.log then return (math.log(math.max(v - zmin, floor)) - math.log(floor)) / (math.log(span) - math.log(floor)) end
    return (v - zmin) / span
  end
  local function color_of(v) return scale.viridis(0.95 * math.max(0, math.min(1, t_of(v)))) end

  local view = camera(el, az)
  local function project(x, y, v)
    return view((x - xr[1]) / (xr[2] - xr[1]) - 0.5, (y - yr[1]) / (yr[2] - yr[1]) - 0.5, (v - zmin) / span - 0.5)
  end
  local P3 = {}
  for j = 1, n do
    P3[j] = {}
    for i = 1, n do
      if scale.finite(z[j][i]) then
        local sx, sy, d = project(gx[i], gy[j], z[j][i])
        P3[j][i] = { sx, sy, d }
      end
    end
  end
  -- light from over the viewer's left shoulder
  local lx, ly, lz = -0.4, 0.5, 0.77
  local items = {}
  local face_depth = {}   -- face_depth[j][i]: the depth the cell's face is sorted by
  local wire = o.wireframe == true
  for j = 1, n - 1 do
    for i = 1, n - 1 do
      local a, b, c, d = P3[j][i], P3[j][i + 1], P3[j + 1][i + 1], P3[j + 1][i]
      if a and b and c and d then
        local zc = (z[j][i] + z[j][i + 1] + z[j + 1][i + 1] + z[j + 1][i]) / 4
        local color = color_of(zc)
        -- the face's normal in screen space, for its brightness
        local ux, uy, uz = c[1] - a[1], c[2] - a[2], c[3] - a[3]
        local vx_, vy_, vz = d[1] - b[1], d[2] - b[2], d[3] - b[3]
        local nx, ny, nz = uy * vz - uz * vy_, uz * vx_ - ux * vz, ux * vy_ - uy * vx_
        local len = math.sqrt(nx * nx + ny * ny + nz * nz)
        local k = len > 0 and math.abs(nx * lx + ny * ly + nz * lz) / len or 1
        local fill = wire and "#ffffff" or shade(color, 0.55 + 0.5 * k)
        face_depth[j] = face_depth[j] or {}
        face_depth[j][i] = (a[3] + b[3] + c[3] + d[3]) / 4
        items[#items + 1] = { face = true, depth = face_depth[j][i],
          pts = { a[1], a[2], b[1], b[2], c[1], c[2], d[1], d[2] },
          fill = fill, stroke = wire and color or fill, width = wire and 0.9 or 0.6 }
      end
    end
  end
  -- the paths: pieces of at most about a cell, lifted by 1% of the height.
  -- A piece lies on the surface, so it is sorted just after the face under
  -- its middle (sorting by its own depth would let a face bulging up beside
  -- it, whose centre is nearer, cover it): only faces nearer than its own
  -- face hide it.
  local cell = 1 / (n - 1)
  local lift = 0.01 * span
  local function depth_on(x, y, own)
    local i = math.floor((x - xr[1]) / (xr[2] - xr[1]) * (n - 1)) + 1
    local j = math.floor((y - yr[1]) / (yr[2] - yr[1]) * (n - 1)) + 1
    i, j = math.min(i, n - 1), math.min(j, n - 1)
    local d = face_depth[j] and face_depth[j][i]
    return d and d + 1e-9 or own
  end
  for pi, p in ipairs(paths) do
    p.color = common.PATH_COLORS[(pi - 1) % #common.PATH_COLORS + 1]
    local xs, ys = p.cols[vx], p.cols[vy]
    local sx, sy = {}, {}
    for k = 1, #xs do
      local v = fn(xs[k], ys[k])
      if scale.finite(v) then sx[k], sy[k] = project(xs[k], ys[k], v + lift) end
    end
    p.sx, p.sy = sx, sy
    for k = 1, #xs - 1 do
      local du = math.abs(xs[k + 1] - xs[k]) / (xr[2] - xr[1])
      local dv = math.abs(ys[k + 1] - ys[k]) / (yr[2] - yr[1])
      local m = math.max(1, math.min(50, math.ceil(math.max(du, dv) / cell)))
      local px, py, pv
      for s = 0, m do
        local t = s / m
        local x, y = xs[k] + t * (xs[k + 1] - xs[k]), ys[k] + t * (ys[k + 1] - ys[k])
        local v = fn(x, y)
        local qx, qy, qd
        if scale.finite(v) then qx, qy, qd = project(x, y, v + lift) end
        if s > 0 and qx and px then
          local mt = (s - 0.5) / m
          items[#items + 1] = { depth = depth_on(xs[k] + mt * (xs[k + 1] - xs[k]), ys[k] + mt * (ys[k + 1] - ys[k]), (pv + qd) / 2),
            pts = { px, py, qx, qy }, stroke = p.color, width = 2.2, path = pi }
        end
        px, py, pv = qx, qy, qd
      end
    end
    -- start and end markers, sorted with the rest
    for _, m in ipairs { { 1, "start" }, { #xs, "end" } } do
      local k = m[1]
      if sx[k] then
        local _, _, d = project(xs[k], ys[k], fn(xs[k], ys[k]) + lift)
        items[#items + 1] = { depth = depth_on(xs[k], ys[k], d) + 1e-9, pts = { sx[k], sy[k] }, marker = m[2], stroke = p.color, path = pi }
      end
    end
  end
  table.sort(items, function(p, q) return p.depth < q.depth end)

  -- the box: floor edges, and the axes with ticks on the edges nearest the eye
  local box, labels = {}, {}
  local function edge(x0, y0, v0, x1, y1, v1, color, width)
    local ax, ay = project(x0, y0, v0)
    local bx, by = project(x1, y1, v1)
    box[#box + 1] = { pts = { ax, ay, bx, by }, stroke = color or "#888888", width = width or 0.8 }
  end
  local cx, cy = (xr[1] + xr[2]) / 2, (yr[1] + yr[2]) / 2
  -- the floor's near sides: the x axis runs along y = yfront, the y axis along x = xfront
  local function nearer(a1, a2, b1, b2) local _, _, d1 = project(a1, b1, zmin); local _, _, d2 = project(a2, b2, zmin); return d1 > d2 end
  local yfront = nearer(cx, cx, yr[1], yr[2]) and yr[1] or yr[2]
  local xfront = nearer(xr[1], xr[2], cy, cy) and xr[1] or xr[2]
  local xback, yback = xfront == xr[1] and xr[2] or xr[1], yfront == yr[1] and yr[2] or yr[1]
  edge(xr[1], yback, zmin, xr[2], yback, zmin)
  edge(xback, yr[1], zmin, xback, yr[2], zmin)
  edge(xback, yback, zmin, xback, yback, zmax)
  local function ticks(lo, hi, place, name)
    local list, step = scale.ticks(lo, hi, 5)
    local sci = scale.sci(list, step)
    for _, t in ipairs(list) do
      local x, y, v, ox, oy, ov = place(t)
      local ax, ay = project(x, y, v)
      local bx, by = project(ox, oy, ov)
      box[#box + 1] = { pts = { ax, ay, ax + (bx - ax) * 0.6, ay + (by - ay) * 0.6 }, stroke = "#444444", width = 0.8 }
      labels[#labels + 1] = { x = ax + (bx - ax) * 1.9, y = ay + (by - ay) * 1.9, text = (scale.fmt(t, step, sci):gsub("^%-", "\u{2212}")) }
    end
    local x, y, v, ox, oy, ov = place((lo + hi) / 2)
    local ax, ay = project(x, y, v)
    local bx, by = project(ox, oy, ov)
    labels[#labels + 1] = { x = ax + (bx - ax) * 4.2, y = ay + (by - ay) * 4.2, text = name, label = true }
  end
  local dy_out = (yfront - cy) * 0.06
  local dx_out = (xfront - cx) * 0.06
  edge(xr[1], yfront, zmin, xr[2], yfront, zmin, "#444444", 1)
  edge(xfront, yr[1], zmin, xfront, yr[2], zmin, "#444444", 1)
  ticks(xr[1], xr[2], function(t) return t, yfront, zmin, t, yfront + dy_out, zmin end, vx)
  ticks(yr[1], yr[2], function(t) return xfront, t, zmin, xfront + dx_out, t, zmin end, vy)
  -- the z axis on the vertical edge left on screen of the back ones
  local zx, zy = xfront, yback
  do
    local a1 = project(xfront, yback, zmin)
    local a2 = project(xback, yfront, zmin)
    if a2 < a1 then zx, zy = xback, yfront end
  end
  edge(zx, zy, zmin, zx, zy, zmax, "#444444", 1)
  local sxz = project(zx, zy, zmin)
  local scx = project(cx, cy, zmin)
  local out = sxz < scx and -1 or 1
  local dzx = (zx - cx) * 0.06
  local dzy = (zy - cy) * 0.06
  ticks(zmin, zmax, function(t) return zx, zy, t, zx + dzx, zy + dzy, t end, "f")
  for _, l in ipairs(labels) do l.anchor = out < 0 and "end" or "start" end

  -- the colour bar: round values spread over the scale (as contour levels are), each in its colour
  local bar = {}
  for k, v in ipairs(contour.levels(zmin, zmax, 10, o.log)) do bar[k] = { v, color_of(v) } end
  return {
    items = items, box = box, labels = labels, bar = bar, paths = paths,
    title = cut(("f(%s, %s) = %s"):format(vx, vy, tostring(f)), 70), vx = vx, vy = vy,
  }
end

function P.surface(o)
  options("surface", o, { "f", "data", "fixed", "x", "y", "range", "domain", "paths", "elevation", "azimuth", "log",
    "grid", "wireframe", "animate", "fps", "frames", "every" })
  if o.term then fail("surface", "term = true draws flat plots only: write the surface to a file (.svg, .png, .pdf, .gif)") end
  if o.wireframe ~= nil and type(o.wireframe) ~= "boolean" then
    fail("surface", "wireframe must be true or false, got a %s", common.kind_of(o.wireframe))
  end
  local sc = P.scene(o)
  -- screen bounds of everything drawn, for equal scales on both screen axes
  local lo_x, hi_x, lo_y, hi_y = math.huge, -math.huge, math.huge, -math.huge
  for _, list in ipairs { sc.items, sc.box } do
    for _, it in ipairs(list) do
      for i = 1, #it.pts, 2 do
        lo_x, hi_x = math.min(lo_x, it.pts[i]), math.max(hi_x, it.pts[i])
        lo_y, hi_y = math.min(lo_y, it.pts[i + 1]), math.max(hi_y, it.pts[i + 1])
      end
    end
  end
  for _, l in ipairs(sc.labels) do
    lo_x, hi_x = math.min(lo_x, l.x), math.max(hi_x, l.x)
    lo_y, hi_y = math.min(lo_y, l.y), math.max(hi_y, l.y)
  end
  local legend = {}
  for _, p in ipairs(sc.paths) do legend[#legend + 1] = { name = cut(p.name), color = p.color, style = "line" } end
  if #sc.paths > 0 then
    local color = #sc.paths == 1 and sc.paths[1].color or "#555555"
    legend[#legend + 1] = { name = "start", color = color, style = "start" }
    legend[#legend + 1] = { name = "end", color = color, style = "end" }
  end
  local fig = {
    title = sc.title, xlim = { lo_x, hi_x }, ylim = { lo_y, hi_y }, xpad = 0.08, ypad = 0.04, equal = true, axes = false,
    layers = { { kind = "shapes", items = sc.box }, { kind = "shapes", items = sc.items }, { kind = "labels", items = sc.labels } },
    legend = #legend > 0 and legend or nil, colorbar = sc.bar, colorbar_title = "f", height = 560,
  }
  common.animation("surface", o, fig, sc.paths, function(p) return p.sx, p.sy end)
  return common.finish("surface", o, fig)
end

return P
