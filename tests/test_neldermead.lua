-- test_neldermead.lua -- nelder_mead from Lua against SciPy 1.10: the runs of
-- tests/ref/neldermead_ref.lua (made by ref/gen_neldermead.py lua) over
-- slope's own expressions, whose tapes round as SciPy's Python objectives
-- do.  Every trace row must be the point SciPy's callback received after that
-- iteration, the run must stop as converged after as many steps as SciPy
-- made iterations (nit), with SciPy's f; maximizing the negated expression
-- goes through the same points.  Then the constructor and its help.
-- Run from the repository root: build/slope tests/test_neldermead.lua
local check = dofile("tests/check.lua")
local cases = dofile("tests/ref/neldermead_ref.lua")

local function run(case, maximize)
  local x0 = {}
  for i, name in ipairs(case.params) do x0[name] = case.x0[i] end
  local f = maximize and "-(" .. case.f .. ")" or case.f
  local o = slope.optim.nelder_mead{ adaptive = case.adaptive, maximize = maximize }
  return slope.minimize(f, x0, { optimizer = o, steps = case.nit + 50 })
end

local worst = 0
for _, case in ipairs(cases) do
  for _, maximize in ipairs({ false, true }) do
    local what = case.name .. (maximize and " (maximizing -f)" or "")
    local r = run(case, maximize)
    check.eq({ r.status, r.steps }, { "converged", case.nit }, what .. ": stops where SciPy stops")
    check.ok(r.message:find("xatol", 1, true), what .. ": says why it stopped")
    check.near(maximize and -r.f or r.f, case.fun, 1e-12, what .. ": SciPy's final f")
    check.eq(#r.trace, case.nit, what .. ": a row per iteration after the start")
    local bad = 0
    for k, want in ipairs(case.x) do
      local row = r.trace[k]
      for i, name in ipairs(case.params) do
        local got = row and row.x[name] or math.huge
        local dev = math.abs(got - want[i]) / math.max(1, math.abs(want[i]))
        if not (dev <= worst) then worst = dev end
        if not (dev <= 1e-12) then bad = bad + 1 end
      end
    end
    check.eq(bad, 0, what .. ": every row is SciPy's point to 1e-12")
  end
end
print(string.format("nelder_mead from Lua: largest deviation from SciPy %.3g", worst))

-- the constructor: SciPy's names and defaults, no learning rate
local o = slope.optim.nelder_mead{}
check.eq({ o.kind, o.xatol, o.fatol, o.adaptive, o.maximize }, { "nelder_mead", 1e-4, 1e-4, false, false },
         "nelder_mead defaults")
check.err(function() slope.optim.nelder_mead{ lr = 0.1 } end, "xatol", "no lr: the message lists what it has")
check.err(function() slope.optim.nelder_mead{ fatol = -1 } end, "fatol must be >= 0", "fatol's range")

check.done()
