-- test_reference.lua -- docs/reference.md describes what the code does.  The
-- lists are taken from the running module, not from a copy: every public
-- name of slope, every function of the language, every optimizer with each
-- hyperparameter and its default, every schedule with each argument, and
-- every option table's names (read from the message that lists them when a
-- misspelled option is given) must be on the page.
local check = dofile("tests/check.lua")

local page = assert(io.open("docs/reference.md")):read("a")

local function on_page(text) return page:find(text, 1, true) ~= nil end

local function documented(text, what)
  check.ok(on_page(text), what .. ": '" .. text .. "' is not in docs/reference.md")
end

-- The names an error message lists after "(options: " or "(it has: ".
local function listed_names(fn)
  local ok, msg = pcall(fn)
  check.ok(not ok, "a misspelled option is an error")
  local _, list = tostring(msg):match("%((%a[%a ]*): ([%w_, ]+)%)")
  local names = {}
  for name in (list or ""):gmatch("[%w_]+") do names[#names + 1] = name end
  check.ok(#names > 0, "names listed in: " .. tostring(msg))
  return names
end

-- A name is documented when it stands on the page as a word of its own.
local function each_documented(names, what)
  for _, name in ipairs(names) do
    check.ok(page:find("%f[%w_]" .. name:gsub("%p", "%%%0") .. "%f[^%w_]"),
             what .. ": '" .. name .. "' is not in docs/reference.md")
  end
end

-- Every public name of the module (the private ones start with '_'; the
-- language's functions have the functions table, checked below).
local function in_language(name)
  return pcall(slope.expr, name .. "(x)") or pcall(slope.expr, name .. "(x, y)")
end
for name, value in pairs(slope) do
  if not name:match("^_") and not in_language(name) then
    documented("slope." .. name, "module")
    if type(value) == "table" and getmetatable(value) == nil then
      for sub in pairs(value) do
        if type(sub) == "string" and not sub:match("^_") then   -- as `sub` or slope.name.sub
          check.ok(on_page("`" .. sub) or on_page("slope." .. name .. "." .. sub),
                   "slope." .. name .. "." .. sub .. " is not in docs/reference.md")
        end
      end
    end
  end
end

-- Every function of the language has a row of the functions table.
for name, value in pairs(slope) do
  if type(value) == "function" and in_language(name) then
    documented("`" .. name .. "(", "function of the language")
  end
end

-- The functions table lists nothing the language does not have.
for name in page:match("### Functions(.-)### "):gmatch("`(%a[%w_]*)%(") do
  check.ok(in_language(name), "docs/reference.md lists '" .. name .. "', which the language does not have")
end

-- Every optimizer's row names each hyperparameter with its default: the
-- text after `name = ` reads as the value (a pair as {a, b}).
local function shows(text, v)
  if type(v) == "table" then
    local a, b = text:match("^{([^,]+), ([^}]+)}$")
    return a ~= nil and shows(a, v[1]) and shows(b, v[2])
  end
  if type(v) == "boolean" then return text == tostring(v) end
  return tonumber(text) == v
end

for kind, make in pairs(slope.optim) do
  local row = page:match("\n| `" .. kind .. "` |([^\n]*)")
  check.ok(row, "docs/reference.md has a row for optimizer '" .. kind .. "'")
  if row then
    local opt = make{}
    for _, name in ipairs(opt:hypers()) do
      local ok, v = pcall(function() return opt[name] end)
      local text = row:match("`" .. name .. " = ([^`]*)`")
      if ok and v ~= nil then
        check.ok(text and shows(text, v), kind .. ": row should show " .. name .. " = "
                 .. slope.show(v) .. "; it reads:" .. row)
      else
        check.ok(row:find("`" .. name .. " = ", 1, true), kind .. ": row should show " .. name)
      end
    end
  end
end

-- Every schedule's row names each of its arguments.
for kind, make in pairs(slope.schedule) do
  local row = page:match("\n| `" .. kind .. "` |([^\n]*)")
  check.ok(row, "docs/reference.md has a row for schedule '" .. kind .. "'")
  if row then
    for _, name in ipairs(listed_names(function() return make{ not_an_argument = 1 } end)) do
      check.ok(row:find("`" .. name .. "`", 1, true), kind .. ": row should name " .. name)
    end
  end
end

-- Every option of every option table.
local f = slope.expr "x^2"
local function run_with(opts) return function() return slope.minimize(f, { x = 1 }, opts) end end
each_documented(listed_names(run_with{ lr = 0.1, not_an_option = 1 }), "slope.minimize options")
each_documented(listed_names(run_with{ lr = 0.1, clip = { not_an_option = 1 } }), "clip options")
each_documented(listed_names(run_with{ lr = 0.1, tol = { not_an_option = 1 } }), "tol options")
each_documented(listed_names(run_with{ lr = 0.1, checkpoint = { not_an_option = 1 } }), "checkpoint options")
each_documented(listed_names(function() return slope.problem(f, { x = 1 }, { not_an_option = 1 }) end),
                "slope.problem options")
each_documented(listed_names(function() return slope.data.regression{ not_an_option = 1 } end),
                "slope.data.regression options")
each_documented(listed_names(function() return f:ccode{ not_an_option = 1 } end), "ccode options")
for _, kind in ipairs{ "gaussian", "langevin", "gradient" } do
  each_documented(listed_names(function() return slope.noise[kind]{ not_an_option = 1 } end),
                  "slope.noise." .. kind)
end
for kind, plot in pairs(slope.plot) do
  each_documented(listed_names(function() return plot{ not_an_option = 1 } end), "slope.plot." .. kind)
end

-- Every method of every object.
local function methods(object)
  local meta = getmetatable(object)
  local index = type(meta.__index) == "table" and meta.__index or meta.methods or {}
  local names = {}
  for name in pairs(index) do names[#names + 1] = name end
  return names
end
local ds = slope.data{ x = { 1, 2 }, y = { 3, 4 } }
local run = slope.minimize(f, { x = 1 }, { lr = 0.1, steps = 2 })
local objects = {
  f = f, fn = f:compile{ "x" }, ds = ds, opt = slope.optim.sgd{},
  t = run.trace, p = slope.problem(f, { x = 1 }),
}
for var, object in pairs(objects) do
  for _, name in ipairs(methods(object)) do
    check.ok(on_page(var .. ":" .. name .. "(") or on_page(var .. ":" .. name .. "{"),
             "method " .. var .. ":" .. name .. " is not in docs/reference.md")
  end
end

-- The result's fields and the statuses.
for name in pairs(run) do documented("`r." .. name .. "`", "run result") end
for _, status in ipairs{ "max_steps", "converged", "diverged", "stopped", "error" } do
  documented("`" .. status .. "`", "run status")
end

check.done()
