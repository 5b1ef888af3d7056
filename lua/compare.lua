-- compare.lua -- slope.compare: run several optimizers on one problem with the
-- same options and seed, and show the outcome side by side.
local slope, private = ...

local function summary(results)
  local names = {}
  for name in pairs(results) do names[#names + 1] = name end
  table.sort(names)
  local lines = { string.format("%-12s %14s %8s  %s", "optimizer", "f", "steps", "status") }
  for _, name in ipairs(names) do
    local r = results[name]
    lines[#lines + 1] = string.format("%-12s %14.6g %8d  %s", name, r.f, r.steps, r.status)
  end
  return table.concat(lines, "\n")
end

-- errors name the user's line (private.fail), as error(msg, 2) would with no
-- loader between the caller and this function
local function compare(o)
  if type(o) ~= "table" then private.fail("slope.compare: expected a table of options") end
  local f, start, optimizers = o.f, o.start, o.optimizers
  if f == nil then private.fail("slope.compare: missing option 'f'") end
  if type(start) ~= "table" then private.fail("slope.compare: missing option 'start' (a table of start values)") end
  if type(optimizers) ~= "table" or next(optimizers) == nil then
    private.fail("slope.compare: 'optimizers' must be a table of name = optimizer")
  end
  local run = o.maximize and slope.maximize or slope.minimize
  local results = {}
  for name, opt in pairs(optimizers) do
    local opts = {}
    for k, v in pairs(o) do
      if k ~= "f" and k ~= "start" and k ~= "optimizers" and k ~= "maximize" then opts[k] = v end
    end
    opts.optimizer = opt
    local ok, r = pcall(run, f, start, opts)
    if not ok then private.fail(("slope.compare: %s: %s"):format(name, r)) end
    results[name] = r
  end
  return setmetatable(results, { __tostring = summary })
end

return compare
