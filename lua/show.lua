-- show.lua -- slope.show(v): a readable one-line (or few-line) rendering of any
-- value, used by the REPL to print results: Exprs as infix, tables as
-- constructors, numbers with enough digits to tell them apart.

local function key_text(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return k end
  return "[" .. (type(k) == "string" and string.format("%q", k) or tostring(k)) .. "]"
end

local function render(v, depth, seen)
  local t = type(v)
  if t == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    return string.format("%.10g", v)
  elseif t == "string" then
    return depth == 0 and v or string.format("%q", v)
  elseif t ~= "table" then
    return tostring(v)
  end
  if seen[v] then return "{...}" end
  local mt = getmetatable(v)
  if mt and mt.__tostring then return tostring(v) end
  if depth >= 3 then return "{...}" end
  seen[v] = true
  local parts, n = {}, #v
  for i = 1, n do parts[#parts + 1] = render(v[i], depth + 1, seen) end
  local keys = {}
  for k in pairs(v) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    parts[#parts + 1] = key_text(k) .. " = " .. render(v[k], depth + 1, seen)
    if #parts > 50 then parts[#parts + 1] = "..." break end
  end
  seen[v] = nil
  return "{ " .. table.concat(parts, ", ") .. " }"
end

local function show(v)
  return render(v, 0, {})
end

return show
