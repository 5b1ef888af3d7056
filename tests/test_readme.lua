-- test_readme.lua -- the README shows what slope really prints.  A newcomer
-- copies the tour's snippets first, so each one is run and its promises
-- are checked:
--
--   - every ```lua block runs without error in a fresh slope process;
--   - a line `print(...)  --> a  b  c` prints those values: numbers to the
--     digits the README shows, other values as text (values are separated
--     by two or more spaces; what follows them is commentary);
--   - an indented block right after a ```lua block is its output, line for
--     line ("..." stands for any lines);
--   - an indented `$ build/slope ...` command prints the indented lines
--     after it (a line ending in "..." matches by its beginning and ends
--     the comparison).
--
-- $SLOPE is the binary the snippets run with (default build/slope).
local check = dofile("tests/check.lua")
local SLOPE = os.getenv("SLOPE") or "build/slope"

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  return lines
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Run a shell command; its output (stdout and stderr) and whether it exited 0.
local function run(command)
  local pipe = assert(io.popen(command .. " 2>&1", "r"))
  local out = pipe:read("a")
  local ok = pipe:close()
  return out, ok == true
end

local function lines_of(text)
  local lines = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
  if lines[#lines] == "" then lines[#lines] = nil end
  return lines
end

-- Whether printed text 'got' is what the README's 'want' shows.  A number
-- matches when it rounds to the digits shown: "1.0" accepts 0.96..1.04,
-- "2.08e-30" accepts 2.075e-30..2.085e-30.
local function same_value(got, want)
  if got == want then return true end
  local g, w = tonumber(got), tonumber(want)
  if not (g and w) then return false end
  local mantissa, exponent = want:lower():match("^[-+]?([%d.]+)e([-+]?%d+)$")
  mantissa = mantissa or want:match("^[-+]?([%d.]+)$")
  if not mantissa then return false end
  local decimals = #(mantissa:match("%.(%d*)$") or "")
  return math.abs(g - w) <= 0.5 * 10.0 ^ (tonumber(exponent or 0) - decimals) * (1 + 1e-9)
end

-- The values a `print(...)  --> text` line promises: the whole text for one
-- value, else the first n pieces separated by two or more spaces.
local function promised(text, n)
  if n == 1 then return { (text:gsub("%s%s+%(.*%)$", "")) } end
  local pieces = {}
  for piece in (text .. "  "):gmatch("(.-)%s%s+") do
    if piece ~= "" and #pieces < n then pieces[#pieces + 1] = piece end
  end
  return pieces
end

-- The chunk that runs a ```lua block: prints with a promise become calls
-- to __promise, which prints a marker line the test reads back.
local PRELUDE = [[
local function __promise(line, ...)
  local n, parts = select("#", ...), {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  io.write("\1promise ", line, " ", n, "\2", table.concat(parts, "\3"), "\n")
end
]]

local function chunk_of(block)
  local out = { PRELUDE }
  for _, l in ipairs(block) do
    local indent, args, promise = l.text:match("^(%s*)print(%b())%s*%-%->%s*(.-)%s*$")
    if args then
      out[#out + 1] = ("%s__promise(%d, %s)"):format(indent, l.number, args:sub(2, -2))
    else
      out[#out + 1] = l.text
    end
  end
  return table.concat(out, "\n") .. "\n"
end

local function check_promise(readme, number, n, joined)
  local got = {}
  for part in (joined .. "\3"):gmatch("(.-)\3") do got[#got + 1] = part end
  if n == 0 then got = {} end
  local want = promised(readme[number]:match("%-%->%s*(.-)%s*$"), n)
  local ok = #want == n
  for i = 1, n do ok = ok and same_value(got[i], want[i]) end
  check.ok(ok, ("README.md:%d prints %s (got %s)"):format(number,
    table.concat(want, " | "), table.concat(got, " | ")))
end

-- Lines of 'got' against the README's lines; "..." in 'want' skips lines.
local function same_lines(got, want)
  local i = 1
  for k, w in ipairs(want) do
    if w == "..." then
      local next_want = want[k + 1]
      while got[i] and next_want and not got[i]:find(next_want, 1, true) do i = i + 1 end
    elseif w:sub(-3) == "..." then
      local start = w:sub(1, -4):gsub("%s+$", "")
      return got[i] ~= nil and got[i]:sub(1, #start) == start
    else
      if (got[i] or ""):gsub("%s+$", "") ~= w:gsub("%s+$", "") then return false end
      i = i + 1
    end
  end
  return got[i] == nil
end

-- The indented lines from 'i' on (4 spaces taken off), up to a blank line.
local function indented_from(readme, i, stop_at_command)
  local lines = {}
  while readme[i] and readme[i]:match("^    ") do
    if stop_at_command and readme[i]:match("^    %$ ") then break end
    lines[#lines + 1] = readme[i]:sub(5)
    i = i + 1
  end
  return lines, i
end

local function run_lua_block(readme, first, block)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(chunk_of(block))
  f:close()
  local out, ok = run(SLOPE .. " " .. path)
  os.remove(path)
  check.ok(ok, ("README.md:%d: the block runs (output: %s)"):format(first, out))
  local printed, promises = {}, 0
  for _, line in ipairs(lines_of(out)) do
    local number, n, joined = line:match("^\1promise (%d+) (%d+)\2(.*)$")
    if number then
      check_promise(readme, tonumber(number), tonumber(n), joined)
      promises = promises + 1
    else
      printed[#printed + 1] = line
    end
  end
  return printed, promises
end

local readme = read_lines("README.md")
local blocks, commands, promises = 0, 0, 0
local i = 1
while readme[i] do
  if readme[i] == "```lua" then
    local first, block = i + 1, {}
    i = i + 1
    while readme[i] and readme[i] ~= "```" do
      block[#block + 1] = { text = readme[i], number = i }
      i = i + 1
    end
    local printed, n = run_lua_block(readme, first, block)
    blocks, promises = blocks + 1, promises + n
    -- the block's output, when the README shows it right below
    local j = i + 1
    while readme[j] == "" do j = j + 1 end
    if readme[j] and readme[j]:match("^    ") and not readme[j]:match("^    %$ ") then
      local want = indented_from(readme, j)
      check.ok(same_lines(printed, want), ("README.md:%d: the block prints what line %d shows (got:\n%s)")
        :format(first, j, table.concat(printed, "\n")))
    end
  elseif readme[i]:match("^    %$ build/slope ") then
    local command = readme[i]:match("^    %$ (.*)$")
    local want
    want, i = indented_from(readme, i + 1, true)
    local out = run(command:gsub("^build/slope", (SLOPE:gsub("%%", "%%%%"))))
    check.ok(same_lines(lines_of(out), want), ("README.md: '%s' prints what the README shows (got:\n%s)")
      :format(command, out))
    commands = commands + 1
    i = i - 1
  end
  i = i + 1
end

-- the README has these; a count that drops means the parsing above broke
check.ok(blocks >= 4, ("README.md has its Lua blocks (%d found)"):format(blocks))
check.ok(commands >= 3, ("README.md has its commands (%d found)"):format(commands))
check.ok(promises >= 6, ("README.md has its printed values (%d found)"):format(promises))
-- and the checks themselves tell right from wrong
check.ok(same_value("0.9999999", "1.0") and not same_value("1.06", "1.0"), "same_value rounds to the digits shown")
check.ok(same_value("2.0812e-30", "2.08e-30") and not same_value("2.09e-30", "2.08e-30"), "same_value with an exponent")
check.ok(not same_value("x", "y") and same_value("2*x - 4", "2*x - 4"), "same_value on text")
check.ok(same_lines({ "a", "b", "c", "d" }, { "a", "...", "d" }) and not same_lines({ "a", "b" }, { "a" }),
  "same_lines with '...'")
check.done()
