-- plot_util.lua -- reading numbers back out of slope.plot's SVG, shared by
-- the plot tests: dofile("tests/plot_util.lua") returns { attrs, points_of }.
local M = {}

-- the attributes of the first element matching 'pattern' (e.g. '<rect class="frame"')
function M.attrs(svg, pattern)
  local tag = svg:match(pattern .. "[^>]*>")
  if not tag then return nil end
  local a = {}
  for k, v in tag:gmatch('([%w:_-]+)="([^"]*)"') do a[k] = tonumber(v) or v end
  return a
end

-- "x1,y1 x2,y2 ..." as { {x1, y1}, ... }
function M.points_of(s)
  local out = {}
  for x, y in (s or ""):gmatch("(%-?[%d.]+),(%-?[%d.]+)") do out[#out + 1] = { tonumber(x), tonumber(y) } end
  return out
end

return M
