-- textio.lua -- the text formats the experiment records share (r.eval,
-- slope.sweep): numbers in the shortest text that reads back exactly, JSON
-- values out and back in, CSV tables, and files written whole (to a
-- temporary name, then renamed) so a reader never sees half of one.
local _, private = ...
local M = {}

-- The shortest %g text of x that reads back as x; nil for NaN and the
-- infinities, which JSON writes as NaN, Infinity and -Infinity (as Python's
-- json module does and reads back) and CSV as nan, inf and -inf.
function M.number(x)
  if x ~= x or x == math.huge or x == -math.huge then return nil end
  if math.type(x) == "integer" then return tostring(x) end
  for digits = 15, 17 do
    local s = string.format("%." .. digits .. "g", x)
    if tonumber(s) == x then return s end
  end
end

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end
M.quote = quote

-- JSON text of a value: tables with keys 1..n are arrays, others objects
-- with their keys sorted (the same value always gives the same text); an
-- empty table is {}.
local function encode(v, out)
  local t = type(v)
  if t == "number" then
    out[#out + 1] = M.number(v) or (v ~= v and "NaN") or (v > 0 and "Infinity") or "-Infinity"
  elseif t == "string" then out[#out + 1] = quote(v)
  elseif t == "boolean" then out[#out + 1] = tostring(v)
  elseif t == "table" then
    local n = #v
    if n > 0 then
      out[#out + 1] = "["
      for i = 1, n do
        if i > 1 then out[#out + 1] = "," end
        encode(v[i], out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = quote(k)
        out[#out + 1] = ":"
        local val = v[k]
        if val == nil then val = v[tonumber(k)] end
        encode(val, out)
      end
      out[#out + 1] = "}"
    end
  else out[#out + 1] = "null" end
end

function M.encode(v)
  local out = {}
  encode(v, out)
  return table.concat(out)
end

-- The value of one line of JSON, or nil and why (a half-written line).
function M.decode(s)
  local pos = 1
  local value
  local function skip() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local function fail(msg) error({ json = msg .. " at character " .. pos }, 0) end
  local function str()
    local out = {}
    pos = pos + 1
    while true do
      local c = s:sub(pos, pos)
      if c == "" then fail("unfinished string") end
      if c == '"' then pos = pos + 1; return table.concat(out) end
      if c == "\\" then
        local e = s:sub(pos + 1, pos + 1)
        local map = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/" }
        if e == "u" then
          local hex = s:sub(pos + 2, pos + 5)
          if not hex:match("^%x%x%x%x$") then fail("bad \\u escape") end
          out[#out + 1] = utf8.char(tonumber(hex, 16))
          pos = pos + 6
        elseif map[e] then out[#out + 1] = map[e]; pos = pos + 2
        else fail("bad escape") end
      else
        out[#out + 1] = c
        pos = pos + 1
      end
    end
  end
  function value()
    skip()
    local c = s:sub(pos, pos)
    if c == "{" then
      local t = {}
      pos = pos + 1
      skip()
      if s:sub(pos, pos) == "}" then pos = pos + 1; return t end
      while true do
        skip()
        if s:sub(pos, pos) ~= '"' then fail("expected a name") end
        local k = str()
        skip()
        if s:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        t[k] = value()
        skip()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == "}" then return t end
        if d ~= "," then fail("expected ',' or '}'") end
      end
    elseif c == "[" then
      local t = {}
      pos = pos + 1
      skip()
      if s:sub(pos, pos) == "]" then pos = pos + 1; return t end
      while true do
        t[#t + 1] = value()
        skip()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == "]" then return t end
        if d ~= "," then fail("expected ',' or ']'") end
      end
    elseif c == '"' then return str()
    elseif s:sub(pos, pos + 3) == "true" then pos = pos + 4; return true
    elseif s:sub(pos, pos + 4) == "false" then pos = pos + 5; return false
    elseif s:sub(pos, pos + 3) == "null" then pos = pos + 4; return nil
    elseif s:sub(pos, pos + 2) == "NaN" then pos = pos + 3; return 0 / 0
    elseif s:sub(pos, pos + 7) == "Infinity" then pos = pos + 8; return math.huge
    elseif s:sub(pos, pos + 8) == "-Infinity" then pos = pos + 9; return -math.huge
    else
      local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
      if not num or num == "" or not tonumber(num) then fail("unexpected text") end
      pos = pos + #num
      return math.tointeger(tonumber(num)) or tonumber(num)
    end
  end
  local ok, v = pcall(function()
    local r = value()
    skip()
    if pos <= #s then fail("text after the value") end
    return r
  end)
  if ok then return v end
  if type(v) == "table" then return nil, v.json end
  error(v, 0)
end

-- Write 'text' to 'path' whole: a reader sees the old file or the new one.
function M.write(path, text, what)
  local tmp = path .. ".tmp"
  local f, err = io.open(tmp, "w")
  if not f then private.fail(("%s: cannot write '%s': %s"):format(what, path, err)) end
  local ok, werr = f:write(text)
  f:close()
  if not ok then os.remove(tmp); private.fail(("%s: cannot write '%s': %s"):format(what, path, werr)) end
  local moved, merr = os.rename(tmp, path)
  if not moved then os.remove(tmp); private.fail(("%s: cannot write '%s': %s"):format(what, path, merr)) end
end

-- A CSV cell: numbers exactly, text quoted when it must be.
function M.cell(v)
  if type(v) == "number" then return M.number(v) or (v ~= v and "nan") or (v > 0 and "inf") or "-inf" end
  if v == nil then return "" end
  local s = tostring(v)
  if s:find('[,"\n\r]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

-- CSV text of 'rows' (tables) under the header 'cols'.
function M.csv(cols, rows)
  local lines = { table.concat(cols, ",") }
  for _, row in ipairs(rows) do
    local cells = {}
    for j, c in ipairs(cols) do cells[j] = M.cell(row[c]) end
    lines[#lines + 1] = table.concat(cells, ",")
  end
  return table.concat(lines, "\n") .. "\n"
end

return M
