-- test_plot_files.lua -- every kind of plot in every file format: SVG valid
-- (xmllint when installed), PNG and GIF decoded to their size (and the GIF's
-- frame count and delays), PDF read by pdfinfo (poppler-utils) or checked
-- for its header and trailer; files written atomically; format errors.
-- Run as: build/slope tests/test_plot_files.lua
local check = dofile("tests/check.lua")
local plot = slope.plot
local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p " .. dir))

local function read(path)
  local fh = io.open(path, "rb")
  if not fh then return nil end
  local s = fh:read("a")
  fh:close()
  return s
end

local function have(cmd)
  return os.execute("command -v " .. cmd .. " >/dev/null 2>&1") == true
end
local XMLLINT, PDFINFO = have("xmllint"), have("pdfinfo")
local RASTER = require("slope.plot.raster").available()

local function be32(s, i) return s:byte(i) << 24 | s:byte(i + 1) << 16 | s:byte(i + 2) << 8 | s:byte(i + 3) end
local function le16(s, i) return s:byte(i) | s:byte(i + 1) << 8 end

-- PNG: the signature, then IHDR's width and height; and the chunks end with IEND
local function png_info(s)
  if not s or s:sub(1, 8) ~= "\137PNG\r\n\26\n" or s:sub(13, 16) ~= "IHDR" then return nil end
  local pos, last = 9, nil
  while pos + 8 <= #s do
    local len, kind = be32(s, pos), s:sub(pos + 4, pos + 7)
    last = kind
    pos = pos + 12 + len
  end
  return { w = be32(s, 17), h = be32(s, 21), complete = last == "IEND" and pos == #s + 1 }
end

-- GIF: the logical screen, then its blocks walked to the trailer: frames
-- (image descriptors) counted and the delays of their control extensions
local function gif_info(s)
  if not s or not s:find("^GIF89a") then return nil end
  local info = { w = le16(s, 7), h = le16(s, 9), frames = 0, delays = {}, loops = false }
  local flags, pos = s:byte(11), 14
  if flags & 0x80 ~= 0 then pos = pos + 3 * (1 << ((flags & 7) + 1)) end
  local function skip_blocks(p)
    while true do
      local n = s:byte(p)
      if not n then return nil end
      if n == 0 then return p + 1 end
      p = p + 1 + n
    end
  end
  while pos <= #s do
    local b = s:byte(pos)
    if b == 0x3B then info.complete = pos == #s; return info
    elseif b == 0x21 then
      local label = s:byte(pos + 1)
      if label == 0xF9 then info.delays[#info.delays + 1] = le16(s, pos + 4) end
      if label == 0xFF and s:sub(pos + 3, pos + 13) == "NETSCAPE2.0" then info.loops = true end
      pos = skip_blocks(pos + 2)
    elseif b == 0x2C then
      info.frames = info.frames + 1
      local f = s:byte(pos + 9)
      pos = pos + 10
      if f & 0x80 ~= 0 then pos = pos + 3 * (1 << ((f & 7) + 1)) end
      pos = skip_blocks(pos + 1)   -- LZW minimum code size, then the data blocks
    else
      return nil
    end
    if not pos then return nil end
  end
  return nil
end

local function pdf_ok(path)
  if PDFINFO then
    local p = io.popen("pdfinfo '" .. path .. "' 2>&1")
    local out = p:read("a")
    local ok = p:close()
    return ok and out:match("Pages:%s+1") ~= nil, out
  end
  local s = read(path) or ""
  return s:find("^%%PDF%-1%.%d") ~= nil and s:find("%%%%EOF%s*$") ~= nil, "header or trailer missing"
end

local function svg_ok(path)
  if not XMLLINT then return (read(path) or ""):find("^<svg") ~= nil end
  return os.execute("xmllint --noout '" .. path .. "' 2>/dev/null") == true
end

-- a small problem and its run, drawn by every kind of plot
local bowl = "(x - 1)^2 + 3*(y + 0.5)^2"
local r = slope.minimize(bowl, { x = -2, y = 1.5 }, { optimizer = slope.optim.sgd { lr = 0.05 }, steps = 30 })
local r1 = slope.minimize("(x - 2)^2", { x = -1 }, { lr = 0.2, steps = 12 })
local KINDS = {
  curve = function(file) return plot.curve { series = { r }, log = true, file = file } end,
  fn1d = function(file) return plot.fn1d { f = "(x - 2)^2", path = r1, file = file } end,
  contour = function(file) return plot.contour { f = bowl, paths = { sgd = r }, file = file, width = 640, height = 500 } end,
  fit = function(file) return plot.fit { data = { x = { 1, 2, 3 }, y = { 3, 5, 7 } }, model = "2*x + 1", file = file } end,
}
KINDS.scatter = function(file)
  return plot.scatter { data = { a = { 1, 2, 3, 4 }, b = { 1, 3, 2, 4 }, c = { 0, 0, 1, 1 } }, x = "a", y = "b", class = "c",
    boundary = { f = "a + b - 5" }, file = file }
end
KINDS.surface = function(file)
  return plot.surface { f = bowl, range = { x = { -2, 2 }, y = { -1, 2 } }, paths = { r }, grid = 15, file = file }
end
local SIZES = { curve = { 720, 480 }, fn1d = { 720, 480 }, contour = { 640, 500 }, fit = { 720, 480 },
                scatter = { 720, 480 }, surface = { 720, 560 } }

local names = {}
for k in pairs(KINDS) do names[#names + 1] = k end
table.sort(names)
for _, kind in ipairs(names) do
  local size = SIZES[kind]
  local svg_path = dir .. "/" .. kind .. ".svg"
  local returned = KINDS[kind](svg_path)
  check.eq(read(svg_path), returned, kind .. ": the .svg file holds the returned SVG")
  check.ok(svg_ok(svg_path), kind .. ": SVG valid" .. (XMLLINT and " (xmllint)" or ""))
  if RASTER then
    local png = dir .. "/" .. kind .. ".png"
    check.eq(KINDS[kind](png), png, kind .. ": a PNG plot returns its file's name")
    local info = png_info(read(png))
    check.ok(info and info.complete, kind .. ": PNG decodes")
    check.eq(info and { info.w, info.h }, size, kind .. ": PNG size")
    local pdf = dir .. "/" .. kind .. ".pdf"
    KINDS[kind](pdf)
    local ok, why = pdf_ok(pdf)
    check.ok(ok, kind .. ": PDF valid" .. (PDFINFO and " (pdfinfo)" or "") .. (ok and "" or ": " .. why))
    local gif = dir .. "/" .. kind .. ".gif"
    KINDS[kind](gif)
    local g = gif_info(read(gif))
    check.ok(g and g.complete, kind .. ": GIF decodes")
    check.eq(g and { g.w, g.h, g.frames }, { size[1], size[2], 1 }, kind .. ": GIF size, one frame")
  end
end

-- animations: a GIF with one frame per 'every' steps at the delay fps asks,
-- and an SVG whose point moves by SMIL <animate> through the same positions
do
  local anim = {
    fn1d = function(file, extra)
      local o = { f = "(x - 2)^2", path = r1, animate = true, fps = 4, file = file }
      for k, v in pairs(extra or {}) do o[k] = v end
      return plot.fn1d(o)
    end,
    contour = function(file, extra)
      local o = { f = bowl, paths = { r }, animate = true, fps = 10, every = 3, file = file }
      for k, v in pairs(extra or {}) do o[k] = v end
      return plot.contour(o)
    end,
    surface = function(file, extra)
      local o = { f = bowl, range = { x = { -2, 2 }, y = { -1, 2 } }, paths = { r }, grid = 12, animate = true, frames = 6,
        fps = 2, file = file }
      for k, v in pairs(extra or {}) do o[k] = v end
      return plot.surface(o)
    end,
  }
  -- r1 has 13 rows (12 steps): 13 frames; r has 31 rows, every 3: 11 frames; frames = 6 is 6
  local want = { fn1d = { 13, 25 }, contour = { 11, 10 }, surface = { 6, 50 } }
  for _, kind in ipairs { "contour", "fn1d", "surface" } do
    local svg = anim[kind](dir .. "/anim_" .. kind .. ".svg")
    check.ok(svg_ok(dir .. "/anim_" .. kind .. ".svg"), kind .. ": animated SVG valid")
    local values = svg:match('<animate attributeName="cx" values="([^"]*)"')
    local n = 0
    for _ in (values or ""):gmatch("[^;]+") do n = n + 1 end
    check.eq(n, want[kind][1], kind .. ": the SVG animation has one position per frame")
    check.eq(svg:match('<animate attributeName="cx"[^>]*dur="([^"]*)"'),
      (("%g"):format(want[kind][1] * want[kind][2] / 100)):gsub("%.?0+$", "") .. "s", kind .. ": SVG duration = frames / fps")
    if RASTER then
      local gif = dir .. "/anim_" .. kind .. ".gif"
      anim[kind](gif)
      local g = gif_info(read(gif))
      check.ok(g and g.complete and g.loops, kind .. ": animated GIF decodes and loops")
      check.eq(g and g.frames, want[kind][1], kind .. ": GIF frame count")
      local same = g and #g.delays == g.frames
      for _, d in ipairs(g and g.delays or {}) do same = same and d == want[kind][2] end
      check.ok(same, kind .. ": every GIF frame's delay is 100 / fps hundredths")
    end
  end
  check.err(function() plot.contour { f = bowl, paths = { r }, animate = true, frames = 501, file = dir .. "/too.gif" } end,
    check.plain("slope.plot.contour: the animation would have 501 frames, more than the limit 500"), "too many frames")
  local long = slope.minimize("(x - 2)^2", { x = -1 }, { lr = 1e-4, steps = 2000 })
  check.err(function() plot.fn1d { f = "(x - 2)^2", path = long, animate = true, file = dir .. "/long.gif" } end,
    check.plain("slope.plot.fn1d: the animation would have 2001 frames, more than the limit 500 (give every = 5 or frames = n)"),
    "too many steps for one frame each")
  check.err(function() plot.fn1d { f = "(x - 2)^2", path = r1, fps = 3 } end,
    check.plain("slope.plot.fn1d: fps is an option of animations: give animate = true too"), "fps without animate")
  check.err(function() plot.contour { f = bowl, range = { x = { 0, 1 }, y = { 0, 1 } }, animate = true } end,
    check.plain("slope.plot.contour: animate = true moves a point along a path"), "animation without a path")
  local gone = io.open(dir .. "/too.gif")
  check.ok(gone == nil, "a refused animation writes no file")
  if gone then gone:close() end
end

-- the PNG is the SVG's picture: the same frame rectangle in the same place
-- (the axes' grey frame line), read back from the pixels is beyond this
-- test; the scene the painter walks is the SVG's element list
do
  local scene = require "slope.plot.scene"
  local svg = KINDS.fit(nil)
  local root = scene.parse(svg)
  check.eq(root.tag, "svg", "scene: the root")
  local n, frame = 0, nil
  local function walk(node)
    n = n + 1
    if node.a and node.a.class == "frame" then frame = node end
    for _, k in ipairs(node.kids or {}) do walk(k) end
  end
  walk(root)
  local _, tags = svg:gsub("<[%a]", "")
  local texts = 0
  for t in svg:gmatch(">([^<]*)<") do if t:find("%S") then texts = texts + 1 end end
  check.ok(frame ~= nil and tonumber(frame.a.width) > 0, "scene: the frame element with its size")
  check.eq(n, tags + texts, "scene: one node per element and text")
  check.eq(scene.subpaths("M1 2L3 4M5 6L7 8Z"), { { 1, 2, 3, 4 }, { 5, 6, 7, 8, closed = true } }, "scene: path data")
  check.eq(scene.rgb("#ff8000"), { 1, 128 / 255, 0 }, "scene: colour")
end

-- errors: an unknown format names the ones there are; a failed write
-- leaves the old file whole and no temporary file beside it
check.err(function() plot.curve { series = { 1, 2 }, file = dir .. "/x.jpg" } end,
  check.plain("slope.plot.curve: file '" .. dir .. "/x.jpg': unknown format '.jpg' (formats: .svg"), "unknown format")
check.err(function() plot.fit { data = { x = { 1 }, y = { 2 } }, file = dir .. "/none/x.png" } end,
  check.plain("slope.plot.fit: cannot write '" .. dir .. "/none/x.png'"), "unwritable PNG")
do
  local path = dir .. "/keep.svg"
  local fh = io.open(path, "w")
  fh:write("old")
  fh:close()
  check.err(function() plot.curve { series = { "a" }, file = path } end, "series", "a bad series")
  check.eq(read(path), "old", "a plot that fails leaves the file as it was")
  local p = io.popen("ls " .. dir)
  local listing = p:read("a")
  p:close()
  check.ok(not listing:find("tmp", 1, true), "no temporary file left behind")
end
-- Chinese, Japanese and Korean text in a PDF: set in a CJK font (pdffonts,
-- poppler-utils, lists the fonts embedded)
if RASTER and have("pdffonts") then
  local pdf = dir .. "/cjk.pdf"
  plot.curve { series = { 3, 2, 1 }, title = "损失曲线 損失 손실", xlabel = "步数", file = pdf }
  local p = io.popen("pdffonts '" .. pdf .. "' 2>&1")
  local fonts = p:read("a")
  p:close()
  check.ok(fonts:find("CJK", 1, true) ~= nil, "PDF: CJK text set in a CJK font\n" .. fonts)
  check.ok(fonts:find("DejaVu", 1, true) ~= nil, "PDF: Latin text in DejaVu Sans")
end
if RASTER then
  check.err(function() plot.curve { series = { 1, 2 }, width = 10000, height = 2000, file = dir .. "/huge.png" } end,
    check.plain("slope.plot.curve: file '" .. dir .. "/huge.png': a PNG of 10000 x 2000 pixels is more than 16 megapixels"),
    "a PNG too big to paint")
end
-- the canvas under PNG, PDF and GIF refuses what would read or write out of bounds
if RASTER then
  local private = debug.getregistry()["slope.private"]
  local g = private.gif(dir .. "/mismatch.gif", 10, 10)
  local c = private.canvas("image", 20, 20)
  check.err(function() g:frame(c, 10) end, check.plain("a GIF frame must be 10 x 10, got 20 x 20"), "GIF: a frame of another size")
  g:close()
  c:close()
  check.err(function() c:rect(0, 0, 1, 1) end, check.plain("the canvas is closed"), "canvas: used after close")
  check.err(function() private.canvas("image", 0, 5) end, check.plain("canvas size out of range"), "canvas: size 0")
  check.err(function() private.gif(dir .. "/big.gif", 1 << 40, 5) end, check.plain("GIF size out of range"), "GIF: a size past int")
end
if not RASTER then
  check.err(function() plot.curve { series = { 1, 2 }, file = dir .. "/x.png" } end,
    "libcairo2%-dev and libgif%-dev", "without cairo: the packages to install")
end

os.execute("rm -rf " .. dir)
check.done()
