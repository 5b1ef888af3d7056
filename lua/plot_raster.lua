-- plot_raster.lua -- a plot's scene (plot_scene.lua) painted with cairo, and
-- the files that makes: PNG (one picture), PDF (one page, vector) and GIF
-- (one frame, or the frames of the scene's SMIL animation, sampled).  The painter knows the small vocabulary of
-- the layout: styles inherited from groups as SVG does, rect, line,
-- polyline, polygon, circle, path (M, L, Z) and text with raised tspans.
--
-- Every file is written atomically: into a temporary name beside it, renamed
-- over the target only when complete, removed after an error.
local scene = require "slope.plot.scene"
local slope, private = ...
local P = {}

local INHERITED = { "fill", "stroke", "stroke-width", "fill-opacity", "stroke-opacity", "font-size",
                    "font-weight", "text-anchor", "stroke-linecap" }

local function style_of(parent, a)
  local s = setmetatable({}, { __index = parent })
  for _, k in ipairs(INHERITED) do if a[k] then s[k] = a[k] end end
  if a.opacity then s.opacity = (parent.opacity or 1) * tonumber(a.opacity) end
  return s
end

local function num(v, default) return tonumber(v) or default end

-- fill, then stroke, the path already on the canvas
local function draw(c, s, filled, stroked)
  local fill = filled and scene.rgb(s.fill or "black")
  local stroke = stroked and scene.rgb(s.stroke)
  local op = s.opacity or 1
  if fill then
    c:color(fill[1], fill[2], fill[3], num(s["fill-opacity"], 1) * op)
    c:fill(stroke ~= nil)
  end
  if stroke then
    c:color(stroke[1], stroke[2], stroke[3], num(s["stroke-opacity"], 1) * op)
    c:stroke(num(s["stroke-width"], 1), s["stroke-linecap"] == "round", false)
  elseif not fill then
    c:color(0, 0, 0, 0)   -- neither: drop the path, or the next element would draw it
    c:fill(false)
  end
end

-- the runs of a text element: { s, size, dy } with tspans raised as the layout set them
local function text_runs(node, size)
  local out = {}
  for _, k in ipairs(node.kids) do
    if k.tag == "#text" then
      out[#out + 1] = { s = k.s, size = size, dy = 0 }
    elseif k.tag == "tspan" then
      local fs = k.a["font-size"]
      local ksize = fs and fs:match("em$") and size * tonumber(fs:match("^[%d.]+")) or num(fs, size)
      local dy = k.a.dy and k.a.dy:match("em$") and tonumber(k.a.dy:match("^[-%d.]+")) * size or num(k.a.dy, 0)
      for _, kk in ipairs(k.kids) do
        if kk.tag == "#text" then out[#out + 1] = { s = kk.s, size = ksize, dy = dy } end
      end
    end
  end
  return out
end

local function draw_text(c, node, s)
  local a = node.a
  local size = num(s["font-size"], 16)
  local runs = text_runs(node, size)
  if #runs == 0 then return end
  local bold = s["font-weight"] == "600" or s["font-weight"] == "bold"
  local x, y = num(a.x, 0), num(a.y, 0)
  if a.dy then y = y + (a.dy:match("em$") and tonumber(a.dy:match("^[-%d.]+")) * size or num(a.dy, 0)) end
  local angle, cx, cy = 0, x, y
  if a.transform then
    local r, rx, ry = a.transform:match("rotate%(([-%d.]+)%s+([-%d.]+)%s+([-%d.]+)%)")
    if r then angle, cx, cy = tonumber(r), tonumber(rx), tonumber(ry) end
  end
  local width = 0
  for _, r in ipairs(runs) do width = width + c:text(0, 0, r.s, r.size, bold, "start", 0, true) end
  local anchor = s["text-anchor"] or "start"
  local off = anchor == "middle" and -width / 2 or anchor == "end" and -width or 0
  local fill = scene.rgb(s.fill or "black")
  c:color(fill[1], fill[2], fill[3], num(s["fill-opacity"], 1) * (s.opacity or 1))
  -- along the (possibly rotated) baseline from the anchored start
  local rad = math.rad(angle)
  local ux, uy = math.cos(rad), math.sin(rad)
  local bx, by = cx + (x - cx + off) * ux - (y - cy) * uy, cy + (x - cx + off) * uy + (y - cy) * ux
  local along = 0
  for _, r in ipairs(runs) do
    local px, py = bx + along * ux - r.dy * uy, by + along * uy + r.dy * ux
    along = along + c:text(px, py, r.s, r.size, bold, "start", angle)
  end
end

local function paint(c, node, parent)
  local tag, a = node.tag, node.a
  if tag == "title" or tag == "#text" or tag == "animate" or tag == "animateMotion"
     or tag == "set" or tag == "desc" or a.visibility == "hidden" then
    return
  end
  local s = style_of(parent, a)
  if tag == "svg" or tag == "g" then
    for _, k in ipairs(node.kids) do paint(c, k, s) end
  elseif tag == "rect" then
    c:rect(num(a.x, 0), num(a.y, 0), num(a.width, 0), num(a.height, 0))
    draw(c, s, true, true)
  elseif tag == "line" then
    c:path({ num(a.x1, 0), num(a.y1, 0), num(a.x2, 0), num(a.y2, 0) })
    draw(c, s, false, true)
  elseif tag == "polyline" or tag == "polygon" then
    c:path(scene.points(a.points), tag == "polygon")
    draw(c, s, true, true)
  elseif tag == "circle" then
    c:circle(num(a.cx, 0), num(a.cy, 0), num(a.r, 0))
    draw(c, s, true, true)
  elseif tag == "path" then
    for _, sp in ipairs(scene.subpaths(a.d)) do c:path(sp, sp.closed) end
    draw(c, s, true, true)
  elseif tag == "text" then
    draw_text(c, node, s)
  end
end

-- the root's size and the tree of an SVG document (or a tree already)
local function tree_of(doc)
  local root = type(doc) == "string" and scene.parse(doc) or doc
  return root, num(root.a.width, 720), num(root.a.height, 480)
end

-- A name beside 'path' for writing it whole before it replaces 'path'.
local function temporary(path)
  return ("%s.%d.tmp"):format(path, math.random(1 << 30))
end

-- Runs 'write(tmp)' and renames tmp to 'path'; on error removes tmp and
-- raises "cannot write 'path': why".
function P.atomic(path, write)
  local tmp = temporary(path)
  local ok, err = pcall(write, tmp)
  if ok then
    local renamed, why = os.rename(tmp, path)
    if renamed then return end
    err = why
  end
  os.remove(tmp)
  err = tostring(err):gsub("^[^:]*%.lua:%d+: ", ""):gsub("^" .. tmp:gsub("%p", "%%%0") .. ": ", "")
  error(("cannot write '%s': %s"):format(path, err), 0)
end

function P.png(doc, path)
  local root, w, h = tree_of(doc)
  P.atomic(path, function(tmp)
    local c = private.canvas("image", w, h)
    paint(c, root, {})
    c:png(tmp)
    c:close()
  end)
end

function P.pdf(doc, path)
  local root, w, h = tree_of(doc)
  P.atomic(path, function(tmp)
    local c = private.canvas("pdf", w, h, tmp)
    paint(c, root, {})
    c:finish()
  end)
end

-- The <animate> elements of a scene, each with the element it moves and
-- its values (SMIL: calcMode="discrete", one value a frame).
local function animations(node, parent, out)
  if node.tag == "animate" and parent then
    local values = {}
    for v in (node.a.values or ""):gmatch("[^;]+") do values[#values + 1] = v end
    out[#out + 1] = { node = parent, attr = node.a.attributeName, values = values }
  end
  for _, k in ipairs(node.kids or {}) do animations(k, node, out) end
  return out
end

-- An animated GIF of a scene: frame k shows the scene with each animated
-- attribute at its k-th value (the animated SVG of the same plot plays the
-- same values), each frame shown 'delay' hundredths of a second.  A scene
-- without animations is one frame.
function P.gif(doc, delay, path)
  local root, w, h = tree_of(doc)
  local anims = animations(root, nil, {})
  local n = 1
  for _, a in ipairs(anims) do n = math.max(n, #a.values) end
  P.atomic(path, function(tmp)
    local g = private.gif(tmp, math.floor(w), math.floor(h))
    local c = private.canvas("image", w, h)
    for k = 1, n do
      for _, a in ipairs(anims) do a.node.a[a.attr] = a.values[math.min(k, #a.values)] end
      c:rect(0, 0, w, h)
      c:color(1, 1, 1, 1)
      c:fill(false)
      paint(c, root, {})
      g:frame(c, delay)
    end
    c:close()
    g:close()
  end)
end

P.available = private.render_available
return P
