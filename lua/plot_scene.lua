-- plot_scene.lua -- the scene of a plot: every mark, text and colour the
-- layout (plot_svg.lua) placed, as a tree of elements { tag, a = attributes,
-- kids }, in drawing order.  The layout writes it once, as SVG 1.1 made of
-- a small fixed vocabulary (svg, g, rect, line, polyline, polygon, circle,
-- path with M/L/Z, text with tspan); this reads that text back into the
-- tree the PNG, PDF and GIF painter walks (plot_raster.lua), so an SVG file
-- and a PNG of one plot are one picture: the same elements at the same
-- places, fonts aside.  Animation elements (SMIL) are kept as nodes too.
local P = {}

local ENTITY = { amp = "&", lt = "<", gt = ">", quot = '"', apos = "'" }

local function unescape(s)
  return (s:gsub("&(#?x?)(%w+);", function(kind, v)
    if kind == "" then return ENTITY[v] end
    local n = tonumber(v, kind == "#x" and 16 or 10)
    return n and utf8.char(n) or ""
  end))
end

-- The tree of an SVG document the layout wrote (not a general XML reader:
-- no comments, CDATA or doctype, which the layout never writes).
function P.parse(svg)
  local root = { tag = "#document", a = {}, kids = {} }
  local stack, pos = { root }, 1
  while true do
    local lt = svg:find("<", pos, true)
    local text = svg:sub(pos, (lt or #svg + 1) - 1)
    if text:find("%S") then
      local top = stack[#stack]
      top.kids[#top.kids + 1] = { tag = "#text", s = unescape(text) }
    end
    if not lt then break end
    local gt = svg:find(">", lt, true)
    if not gt then error("scene: unclosed tag at byte " .. lt) end
    local tag = svg:sub(lt + 1, gt - 1)
    pos = gt + 1
    if tag:sub(1, 1) == "/" then
      stack[#stack] = nil
      if #stack == 0 then error("scene: unbalanced </" .. tag .. ">") end
    elseif tag:sub(1, 1) ~= "?" and tag:sub(1, 1) ~= "!" then
      local name, rest = tag:match("^([%w:_-]+)(.-)$")
      local node = { tag = name, a = {}, kids = {} }
      for k, v in rest:gmatch('([%w:_-]+)="([^"]*)"') do node.a[k] = unescape(v) end
      local top = stack[#stack]
      top.kids[#top.kids + 1] = node
      if rest:sub(-1) ~= "/" then stack[#stack + 1] = node end
    end
  end
  return root.kids[1]
end

-- Colours by the names the layout uses, and "#rrggbb" / "#rgb".
local NAMED = { white = { 1, 1, 1 }, black = { 0, 0, 0 } }

function P.rgb(c)
  if c == nil or c == "none" then return nil end
  if NAMED[c] then return NAMED[c] end
  local r, g, b = c:match("^#(%x%x)(%x%x)(%x%x)$")
  if r then return { tonumber(r, 16) / 255, tonumber(g, 16) / 255, tonumber(b, 16) / 255 } end
  r, g, b = c:match("^#(%x)(%x)(%x)$")
  if r then return { tonumber(r, 16) / 15, tonumber(g, 16) / 15, tonumber(b, 16) / 15 } end
  return { 0, 0, 0 }
end

-- "x1,y1 x2,y2 ..." as a flat list of numbers
function P.points(s)
  local out = {}
  for v in (s or ""):gmatch("[-+]?[%d.]+[eE]?[-+]?%d*") do out[#out + 1] = tonumber(v) end
  return out
end

-- A path's d (M, L, Z only, absolute) as subpaths { closed = , x1, y1, ... }
function P.subpaths(d)
  local list, cur = {}, nil
  for cmd, args in (d or ""):gmatch("([MLZmlz])([^MLZmlz]*)") do
    local nums = P.points(args)
    if cmd == "M" then
      cur = {}
      list[#list + 1] = cur
      for _, v in ipairs(nums) do cur[#cur + 1] = v end
    elseif cmd == "L" and cur then
      for _, v in ipairs(nums) do cur[#cur + 1] = v end
    elseif (cmd == "Z" or cmd == "z") and cur then
      cur.closed = true
    end
  end
  return list
end

return P
