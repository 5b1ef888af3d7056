-- check.lua -- the tiny test helper of slope's Lua tests, the Lua twin of
-- tests/check.h.  Use it as
--
--   local check = dofile("tests/check.lua")
--   check.eq(#ds, 4, "rows")
--   check.err(function() slope.data{} end, "no columns", "empty table")
--   check.done()            -- prints "N passed, N failed" and exits
--
-- A failed check prints file:line, the message and the values involved on
-- stderr, then goes on, so one run shows every failure.

local check = { passed = 0, failed = 0 }

-- Where the test file called the check function: the first Lua frame above
-- this file (the check functions end in tail calls, so levels vary).
local here = debug.getinfo(1, "S").source
local function where()
  for level = 2, 20 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    if info.source ~= here and info.what ~= "C" then return info.short_src .. ":" .. info.currentline end
  end
  return "?"
end

local function report(ok, msg, detail)
  if ok then
    check.passed = check.passed + 1
  else
    check.failed = check.failed + 1
    io.stderr:write(where(), ": FAILED: ", tostring(msg or "check"), "\n")
    if detail then io.stderr:write("    ", detail, "\n") end
  end
  return ok
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if math.type(v) == "float" then return string.format("%.17g", v) end
  if type(v) == "table" and not getmetatable(v) then
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = tostring(k) .. " = " .. show(x) end
    table.sort(parts)
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  return tostring(v)
end

-- Equal values; plain tables (no metatable) are compared key by key, deeply.
local function equal(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" or getmetatable(a) or getmetatable(b) then
    return false
  end
  for k, v in pairs(a) do if not equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

function check.ok(cond, msg)
  return report(cond and true or false, msg)
end

function check.eq(a, b, msg)
  return report(equal(a, b), msg, "got " .. show(a) .. ", expected " .. show(b))
end

-- Relative closeness with an absolute floor of 'tol' near zero (as CHECK_NEAR).
function check.near(a, b, tol, msg)
  local ok = type(a) == "number" and type(b) == "number" and a == a and b == b
  if ok then
    local scale = math.max(1, math.abs(a), math.abs(b))
    ok = math.abs(a - b) <= tol * scale
  end
  return report(ok, msg, "got " .. show(a) .. ", expected " .. show(b) .. " (tol " .. tostring(tol) .. ")")
end

-- 'fn' must raise an error whose message matches the Lua pattern 'pattern'
-- (use check.plain(s) to match text exactly).  Returns the message.
function check.err(fn, pattern, msg)
  local ok, e = pcall(fn)
  if ok then
    report(false, msg, "no error raised (expected one matching " .. show(pattern) .. ")")
    return nil
  end
  e = tostring(e)
  report(e:find(pattern) ~= nil, msg, "error " .. show(e) .. " does not match " .. show(pattern))
  return e
end

-- 's' with the pattern's magic characters escaped, to match it literally.
function check.plain(s)
  return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"))
end

-- Every number in a value (tables deeply, traces row by row) is finite.
function check.all_finite(v, seen)
  seen = seen or {}
  if type(v) == "number" then return v == v and v ~= math.huge and v ~= -math.huge end
  if type(v) == "table" then
    if seen[v] then return true end
    seen[v] = true
    for _, x in pairs(v) do if not check.all_finite(x, seen) then return false end end
    return true
  end
  if type(v) == "userdata" and tostring(v):match("^slope%.Trace") then
    for k = 0, #v do if not check.all_finite(v[k], seen) then return false end end
  end
  return true
end

function check.done()
  print(string.format("%d passed, %d failed", check.passed, check.failed))
  os.exit(check.failed == 0, true)   -- close the state, so finalizers run (clean under valgrind)
end

return check
