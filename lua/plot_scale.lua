-- plot_scale.lua -- the arithmetic under slope.plot: "nice" axis ticks,
-- log ticks, tick-label formatting, axis limits, the map from data to the
-- unit square, and clipping polylines to it.  Both renderers (plot_svg.lua,
-- plot_term.lua) draw in the unit square these functions produce, so what
-- ends up where is decided once, here.
--
-- The module "slope.plot.scale": the other plot files require it.
local P = {}

local floor, ceil, abs, log10 = math.floor, math.ceil, math.abs, function(v) return math.log(v, 10) end
local HUGE = math.huge

local function finite(v) return type(v) == "number" and v == v and v > -HUGE and v < HUGE end
P.finite = finite

-- 'v' with the noise of binary floating point removed (3*0.1 is 0.3, not
-- 0.30000000000000004), and -0 turned into 0, so tick values print and
-- compare as the decimals they stand for.
local function snap(v)
  v = tonumber(string.format("%.12g", v))
  if v == 0 then v = 0.0 end
  return v
end
P.snap = snap

-- Ticks at multiples of a step 1, 2 or 5 x 10^k inside [lo, hi], the step
-- chosen so the count is closest to 'n' (ties go to the larger step: fewer,
-- roomier labels).  Returns the list and the step.
function P.ticks(lo, hi, n)
  n = n or 6
  if not (finite(lo) and finite(hi)) then return {}, 1 end
  if lo > hi then lo, hi = hi, lo end
  if hi - lo <= 0 or hi - lo < abs(hi) * 1e-12 then return { snap(lo) }, 1 end
  local k0 = floor(log10((hi - lo) / n))
  local best, best_step, best_miss
  for k = k0 - 1, k0 + 1 do
    for _, m in ipairs { 1, 2, 5 } do
      local step = m * 10.0 ^ k
      local first, last = ceil(lo / step - 1e-9), floor(hi / step + 1e-9)
      local count = last - first + 1
      local miss = abs(count - n)
      if count >= 2 and (best_miss == nil or miss < best_miss or (miss == best_miss and step > best_step)) then
        best, best_step, best_miss = { first, last }, step, miss
      end
    end
  end
  if not best then return { snap(lo), snap(hi) }, hi - lo end
  local out = {}
  for i = best[1], best[2] do out[#out + 1] = snap(i * best_step) end
  return out, best_step
end

-- Ticks of a log axis over [lo, hi] (data values, both > 0).  Over three
-- decades or more: the powers of ten, thinned to about 'n', with minor ticks
-- at 2..9 x 10^k; over less, 1-2-5 steps labelled as plain numbers (or,
-- inside a single 1-2-5 step, linear ticks).  Returns the major ticks as
-- { value, pow } (pow = k when the label is to be set as 10^k) and the minor
-- ticks as plain values.
function P.logticks(lo, hi, n)
  n = n or 6
  local major, minor = {}, {}
  local a, b = log10(lo), log10(hi)
  local function minors()
    if b - a > 8 then return end
    for k = floor(a), ceil(b) do
      for m = 2, 9 do
        local v = snap(m * 10.0 ^ k)
        if v >= lo and v <= hi then minor[#minor + 1] = v end
      end
    end
  end
  if b - a >= 3 - 1e-9 then
    local k0, k1 = ceil(a - 1e-9), floor(b + 1e-9)
    local every = math.max(1, ceil((k1 - k0 + 1) / n))
    for k = k0, k1 do
      if k % every == 0 then major[#major + 1] = { snap(10.0 ^ k), k } end
    end
    if every == 1 then minors() end
    return major, minor
  end
  for k = floor(a), ceil(b) do
    for _, m in ipairs { 1, 2, 5 } do
      local v = snap(m * 10.0 ^ k)
      if v >= lo * (1 - 1e-9) and v <= hi * (1 + 1e-9) then major[#major + 1] = { v } end
    end
  end
  if #major >= 3 then minors(); return major, minor end
  major = {}
  for _, v in ipairs((P.ticks(lo, hi, n))) do
    if v > 0 then major[#major + 1] = { v } end
  end
  return major, minor
end

-- A tick label: as many decimals as the step needs, or exponent form
-- ("2e-5", "1.5e6") when 'sci' says so -- by default for very large or small
-- magnitudes; an axis passes one choice for all its labels so they match.
function P.fmt(v, step, sci)
  if v == 0 then return "0" end
  local mag = abs(v)
  if sci == nil then sci = mag >= 1e6 or mag < 1e-4 end
  if sci then
    local s = string.format("%.6e", v)
    s = s:gsub("%.?0*e", "e"):gsub("e%+?(%-?)0*(%d)", "e%1%2")
    return s
  end
  if not (step and step > 0) then return P.short(v) end
  local dec = math.max(0, -floor(log10(step) + 1e-9))
  local s = string.format("%." .. math.min(dec, 10) .. "f", v)
  if s:find("%.") then s = s:gsub("0+$", ""):gsub("%.$", "") end
  if s == "-0" then s = "0" end
  return s
end

-- Whether the labels of ticks 'list' read better in exponent form: when the
-- largest needs six or more digits, or the step is below 1e-4.
function P.sci(list, step)
  local big = 0
  for _, v in ipairs(list) do big = math.max(big, abs(v)) end
  return big >= 1e5 or (step ~= nil and step > 0 and step < 1e-4)
end

-- A short label for one value with no step to go by (min/max of a terminal
-- axis, a colour-bar entry).
function P.short(v)
  if not finite(v) then return tostring(v) end
  local s = string.format("%.4g", v)
  s = s:gsub("e%+?(%-?)0*(%d)", "e%1%2")
  return s
end

-- Axis limits over the finite values of the lists in 'lists' (only > 0 ones
-- when 'log').  A single value gets a span around it; no value at all gives
-- nil.
function P.limits(lists, log)
  local lo, hi = HUGE, -HUGE
  for _, list in ipairs(lists) do
    for i = 1, #list do
      local v = list[i]
      if finite(v) and (not log or v > 0) then
        if v < lo then lo = v end
        if v > hi then hi = v end
      end
    end
  end
  if lo > hi then return nil end
  if hi - lo <= abs(hi) * 1e-12 then
    if log then return lo / 3, hi * 3 end
    local d = lo == 0 and 1 or abs(lo) * 0.1
    return lo - d, hi + d
  end
  return lo, hi
end

-- [lo, hi] widened by 'pad' of its span on each side (in log space on a log
-- axis): the margin that keeps markers at the extremes off the frame.
function P.widen(lim, pad, log)
  if not pad or pad == 0 then return lim end
  local lo, hi = lim[1], lim[2]
  if log then lo, hi = log10(lo), log10(hi) end
  local d = (hi - lo) * pad
  lo, hi = lo - d, hi + d
  if log then return { 10.0 ^ lo, 10.0 ^ hi } end
  return { lo, hi }
end

-- The map from data values to [0, 1] along one axis: linear, or linear in
-- log10 (where values <= 0 map to NaN, so they are skipped like NaN data).
function P.scale(lo, hi, log)
  if log then
    local a, b = log10(lo), log10(hi)
    return function(v)
      if not (v > 0) then return 0 / 0 end
      return (log10(v) - a) / (b - a)
    end
  end
  return function(v) return (v - lo) / (hi - lo) end
end

local EPS = 1e-9

-- Liang-Barsky: the part of the segment (u0,v0)-(u1,v1) inside the unit
-- square, as parameters t0 <= t1, or nil when none of it is.
local function clip(u0, v0, u1, v1)
  local du, dv = u1 - u0, v1 - v0
  if not (finite(du) and finite(dv)) then return nil end
  local t0, t1 = 0, 1
  local p = { -du, du, -dv, dv }
  local q = { u0 + EPS, 1 + EPS - u0, v0 + EPS, 1 + EPS - v0 }
  for i = 1, 4 do
    if p[i] == 0 then
      if q[i] < 0 then return nil end
    else
      local r = q[i] / p[i]
      if p[i] < 0 then
        if r > t1 then return nil end
        if r > t0 then t0 = r end
      else
        if r < t0 then return nil end
        if r < t1 then t1 = r end
      end
    end
  end
  return t0, t1
end

-- The polyline through (xs[i], ys[i]) in unit-square coordinates, cut into
-- runs: a NaN or infinite value (or <= 0 on a log axis) breaks the line, and
-- pieces outside the square are clipped away.  Each run is a flat list
-- { u1, v1, u2, v2, ... } with at least two points.
function P.runs(xs, ys, sx, sy)
  local runs, cur = {}, nil
  local pu, pv
  local n = math.min(#xs, #ys)
  for i = 1, n do
    local u, v = sx(xs[i]), sy(ys[i])
    if not (finite(u) and finite(v)) then
      cur, pu = nil, nil
    else
      if pu then
        local t0, t1 = clip(pu, pv, u, v)
        if not t0 then
          cur = nil
        else
          local du, dv = u - pu, v - pv
          if not (cur and t0 == 0) then
            cur = { pu + t0 * du, pv + t0 * dv }
            runs[#runs + 1] = cur
          end
          cur[#cur + 1] = pu + t1 * du
          cur[#cur + 1] = pv + t1 * dv
          if t1 < 1 then cur = nil end
        end
      end
      pu, pv = u, v
    end
  end
  return runs
end

-- A long line thinned to what 'columns' pixel columns can show: of the
-- consecutive points in one column the first, lowest, highest and last are
-- kept, in order, so the spikes of a noisy loss curve survive.  A gap (NaN,
-- or a value a log axis cannot show) between columns is kept as a NaN; a gap
-- inside one column is narrower than a pixel and is dropped, which bounds
-- the output by about 5 points per column whatever the input.  Short lines
-- come back as they are.
function P.decimate(xs, ys, sx, sy, columns)
  local n = math.min(#xs, #ys)
  if n <= 4 * columns then return xs, ys end
  local ox, oy, m = {}, {}, 0
  local col, first, last, lo, hi, vlo, vhi
  local gap = false
  local function flush()
    if not first then return end
    local a, b = lo, hi
    if b < a then a, b = b, a end
    local prev
    for _, i in ipairs { first, a, b, last } do
      if i ~= prev then m = m + 1; ox[m], oy[m], prev = xs[i], ys[i], i end
    end
    first = nil
  end
  for i = 1, n do
    local u, v = sx(xs[i]), sy(ys[i])
    if finite(u) and finite(v) then
      local c = floor(u * columns)
      if c ~= col then
        flush()
        if gap and m > 0 then m = m + 1; ox[m], oy[m] = 0 / 0, 0 / 0 end
        col, first, lo, hi, vlo, vhi = c, i, i, i, v, v
      else
        if v < vlo then lo, vlo = i, v end
        if v > vhi then hi, vhi = i, v end
      end
      last, gap = i, false
    else
      gap = true
    end
  end
  flush()
  return ox, oy
end

-- A copy of 'fig' whose long lines are thinned for 'columns' columns (the
-- figure itself is left alone: it may be drawn twice, as SVG and as text).
function P.thinned(fig, S, columns)
  local copy, layers = {}, {}
  for k, v in pairs(fig) do copy[k] = v end
  for i, layer in ipairs(fig.layers) do
    if layer.kind == "line" then
      local l = {}
      for k, v in pairs(layer) do l[k] = v end
      l.x, l.y = P.decimate(layer.x, layer.y, S.x, S.y, math.max(1, math.floor(columns)))
      layer = l
    end
    layers[i] = layer
  end
  copy.layers = layers
  return copy
end

-- The points of (xs, ys) inside the unit square, as { u1, v1, u2, v2, ... }.
function P.points(xs, ys, sx, sy)
  local out = {}
  for i = 1, math.min(#xs, #ys) do
    local u, v = sx(xs[i]), sy(ys[i])
    if finite(u) and finite(v) and u >= -EPS and u <= 1 + EPS and v >= -EPS and v <= 1 + EPS then
      out[#out + 1] = u
      out[#out + 1] = v
    end
  end
  return out
end

-- Text fit for any output: control characters dropped, and bytes that are
-- not UTF-8 replaced by '?', so widths can be counted and XML stays valid.
function P.clean(s)
  s = tostring(s):gsub("[%z\1-\8\11\12\14-\31\127]", "")
  if utf8.len(s) then return s end
  local out, i = {}, 1
  while i <= #s do
    local ok, len = pcall(utf8.len, s, i, i)
    if ok and len == 1 then
      local j = (utf8.offset(s, 2, i) or #s + 1) - 1
      if utf8.len(s:sub(i, j)) then
        out[#out + 1] = s:sub(i, j)
        i = j + 1
      else
        out[#out + 1] = "?"
        i = i + 1
      end
    else
      out[#out + 1] = "?"
      i = i + 1
    end
  end
  return table.concat(out)
end

-- East Asian wide characters (CJK, Hangul, full-width forms, most emoji)
-- take two columns of a terminal and about twice the width of a Latin
-- letter in a proportional font.
local function is_wide(cp)
  return (cp >= 0x1100 and cp <= 0x115F) or (cp >= 0x2E80 and cp <= 0xA4CF and cp ~= 0x303F)
    or (cp >= 0xAC00 and cp <= 0xD7A3) or (cp >= 0xF900 and cp <= 0xFAFF)
    or (cp >= 0xFE30 and cp <= 0xFE4F) or (cp >= 0xFF00 and cp <= 0xFF60)
    or (cp >= 0xFFE0 and cp <= 0xFFE6) or (cp >= 0x1F300 and cp <= 0x1F64F)
    or (cp >= 0x1F900 and cp <= 0x1F9FF) or (cp >= 0x20000 and cp <= 0x3FFFD)
end

-- Columns that cleaned text 's' (see P.clean) takes.
function P.columns(s)
  local n = 0
  for _, cp in utf8.codes(s) do n = n + (is_wide(cp) and 2 or 1) end
  return n
end

-- Cleaned text 's' cut to at most 'w' columns, an ellipsis marking the cut.
function P.fit(s, w)
  if P.columns(s) <= w then return s end
  local n, last = 0, 0
  for pos, cp in utf8.codes(s) do
    n = n + (is_wide(cp) and 2 or 1)
    if n > w - 1 then break end
    last = utf8.offset(s, 2, pos) - 1
  end
  return s:sub(1, last) .. "\u{2026}"
end

-- Colours: the Tableau 10 set for series (what matplotlib uses by default),
-- and viridis for ordered things such as contour levels.
P.palette = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
              "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" }

function P.color(i)
  return P.palette[(i - 1) % #P.palette + 1]
end

local VIRIDIS = {
  { 0x44, 0x01, 0x54 }, { 0x48, 0x28, 0x78 }, { 0x3e, 0x4a, 0x89 }, { 0x31, 0x68, 0x8e },
  { 0x26, 0x82, 0x8e }, { 0x1f, 0x9e, 0x89 }, { 0x35, 0xb7, 0x79 }, { 0x6d, 0xcd, 0x59 },
  { 0xb4, 0xde, 0x2c }, { 0xfd, 0xe7, 0x25 },
}

-- viridis at t in [0, 1], as "#rrggbb"
function P.viridis(t)
  t = math.max(0, math.min(1, t)) * (#VIRIDIS - 1)
  local i = math.min(floor(t), #VIRIDIS - 2)
  local f = t - i
  local a, b = VIRIDIS[i + 1], VIRIDIS[i + 2]
  local c = {}
  for k = 1, 3 do c[k] = floor(a[k] + (b[k] - a[k]) * f + 0.5) end
  return string.format("#%02x%02x%02x", c[1], c[2], c[3])
end

return P
