-- plot_contour.lua -- contour lines for slope.plot.contour: the levels, and
-- marching squares over a grid of function values, with the cell segments
-- joined into polylines (fewer, smoother strokes, a smaller SVG).
local scale = require "slope.plot.scale"
local finite = scale.finite
local P = {}

-- 'n' levels over (zmin, zmax): nice linear values strictly inside, or with
-- 'log' values spaced evenly in log(z - zmin), at 1-2-5 (or 1-3, or 1 per
-- decade) steps so they read as round numbers when zmin is 0, as for
-- Rosenbrock.  The smallest level sits about four decades below the span.
function P.levels(zmin, zmax, n, log)
  if not (finite(zmin) and finite(zmax)) or zmax <= zmin then return {} end
  if not log then
    local out = {}
    for _, v in ipairs((scale.ticks(zmin, zmax, n + 1))) do
      if v > zmin and v < zmax then out[#out + 1] = v end
    end
    return out
  end
  local span = zmax - zmin
  local a, b = math.log(span, 10) - 4, math.log(span, 10)
  local best
  for _, mant in ipairs { { 1 }, { 1, 3 }, { 1, 2, 5 }, { 1, 1.5, 2, 3, 5, 7 } } do
    local set = {}
    for k = math.floor(a), math.ceil(b) do
      for _, m in ipairs(mant) do
        local d = scale.snap(m * 10.0 ^ k)
        if math.log(d, 10) >= a and d < span then set[#set + 1] = d end
      end
    end
    -- too many levels crowd the picture: keep the largest 'n' (the low ones
    -- pile up around the minimum anyway)
    while #set > n do table.remove(set, 1) end
    if not best or math.abs(#set - n) < math.abs(#best - n) then best = set end
  end
  -- a minimum of 0 missed by the grid by a hair still gives round levels
  local base = math.abs(zmin) < span * 1e-3 and 0 or zmin
  local out = {}
  for _, d in ipairs(best) do
    if base + d > zmin then out[#out + 1] = base + d end
  end
  return out
end

-- Marching squares.  'z[j][i]' is the value at (xs[i], ys[j]).  Returns the
-- contour of 'level' as a list of polylines { x1, y1, x2, y2, ... } in data
-- coordinates.  A cell with a NaN or infinite corner is skipped; a saddle
-- cell is resolved by the value at its centre.
function P.contour_lines(z, xs, ys, level)
  local nx, ny = #xs, #ys
  local px, py = {}, {}          -- crossing point of each grid edge, by edge key
  local seg_a, seg_b = {}, {}    -- segments as pairs of edge keys
  local at = {}                  -- edge key -> segments touching it

  -- edge keys: horizontal edge (i,j)-(i+1,j) and vertical edge (i,j)-(i,j+1)
  local function hkey(i, j) return (j - 1) * nx + i end
  local function vkey(i, j) return nx * ny + (j - 1) * nx + i end

  local function cross(key, x0, y0, z0, x1, y1, z1)
    if px[key] == nil then
      local t = (level - z0) / (z1 - z0)
      px[key], py[key] = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    end
    return key
  end

  local function add(k1, k2)
    local s = #seg_a + 1
    seg_a[s], seg_b[s] = k1, k2
    at[k1] = at[k1] or {}
    at[k2] = at[k2] or {}
    table.insert(at[k1], s)
    table.insert(at[k2], s)
  end

  for j = 1, ny - 1 do
    local row0, row1 = z[j], z[j + 1]
    local y0, y1 = ys[j], ys[j + 1]
    for i = 1, nx - 1 do
      local a, b, c, d = row0[i], row0[i + 1], row1[i + 1], row1[i]   -- bl, br, tr, tl
      if finite(a) and finite(b) and finite(c) and finite(d) then
        local case = (a > level and 1 or 0) | (b > level and 2 or 0) | (c > level and 4 or 0) | (d > level and 8 or 0)
        if case ~= 0 and case ~= 15 then
          local x0, x1 = xs[i], xs[i + 1]
          local function bottom() return cross(hkey(i, j), x0, y0, a, x1, y0, b) end
          local function top() return cross(hkey(i, j + 1), x0, y1, d, x1, y1, c) end
          local function left() return cross(vkey(i, j), x0, y0, a, x0, y1, d) end
          local function right() return cross(vkey(i + 1, j), x1, y0, b, x1, y1, c) end
          if case == 1 or case == 14 then add(left(), bottom())
          elseif case == 2 or case == 13 then add(bottom(), right())
          elseif case == 3 or case == 12 then add(left(), right())
          elseif case == 4 or case == 11 then add(right(), top())
          elseif case == 6 or case == 9 then add(bottom(), top())
          elseif case == 7 or case == 8 then add(left(), top())
          else
            -- saddle: a and c on one side, b and d on the other
            local centre_high = (a + b + c + d) / 4 > level
            local ac_high = (case == 5)
            if centre_high == ac_high then
              -- a and c joined through the middle: cut off the b and d corners
              add(bottom(), right()); add(left(), top())
            else
              add(left(), bottom()); add(right(), top())
            end
          end
        end
      end
    end
  end

  -- join the segments: walk from the ends of open lines first, then cycles
  local used, lines = {}, {}
  local function walk(key, s)
    local line = { px[key], py[key] }
    while s and not used[s] do
      used[s] = true
      key = (seg_a[s] == key) and seg_b[s] or seg_a[s]
      line[#line + 1], line[#line + 2] = px[key], py[key]
      local nxt
      for _, t in ipairs(at[key]) do if not used[t] then nxt = t break end end
      s = nxt
    end
    lines[#lines + 1] = line
  end
  local keys = {}
  for key in pairs(at) do keys[#keys + 1] = key end
  table.sort(keys)               -- pairs() order is not stable; pictures should be
  for _, key in ipairs(keys) do
    local list = at[key]
    if #list == 1 and not used[list[1]] then walk(key, list[1]) end
  end
  for s = 1, #seg_a do
    if not used[s] then walk(seg_a[s], s) end
  end
  return lines
end

return P
