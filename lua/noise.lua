-- noise.lua -- slope.noise.*: the annealing noise of gradient methods, as
-- option tables the run loop in C reads (DESIGN.md, "Noise").
local _, private = ...

local function checked(kind, opts, allowed, required)
  if type(opts) ~= "table" then
    private.fail(("slope.noise.%s: expected a table of options"):format(kind))
  end
  local spec = { kind = kind }
  for k, v in pairs(opts) do
    if allowed[k] == nil then
      local names = {}
      for name in pairs(allowed) do names[#names + 1] = name end
      table.sort(names)
      private.fail(("slope.noise.%s: %s"):format(kind, private.unknown_option(k, names, v)))
    end
    if allowed[k] == "number" and (type(v) ~= "number" or v < 0 or v ~= v) then
      private.fail(("slope.noise.%s: %s must be a number >= 0, got %s"):format(kind, k, tostring(v)))
    end
    spec[k] = v
  end
  for _, k in ipairs(required) do
    if spec[k] == nil then
      private.fail(("slope.noise.%s: missing option '%s'"):format(kind, k))
    end
  end
  return setmetatable(spec, { __name = "slope.Noise",
    __tostring = function(s) return "slope.noise." .. s.kind end })
end

return {
  -- add N(0, s_t^2) to every parameter after each update, s_t = schedule(t, std)
  gaussian = function(o)
    return checked("gaussian", o, { std = "number", schedule = "schedule" }, { "std" })
  end,
  -- stochastic gradient Langevin dynamics: add N(0, 2 lr_t T_t) after the update
  langevin = function(o)
    return checked("langevin", o, { temperature = "number", schedule = "schedule" }, { "temperature" })
  end,
  -- add N(0, eta/(1+t)^gamma) to the gradient before the update (Neelakantan et al.)
  gradient = function(o)
    return checked("gradient", o, { eta = "number", gamma = "number" }, { "eta" })
  end,
}
