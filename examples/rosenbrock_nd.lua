-- rosenbrock_nd.lua -- N-dimensional Rosenbrock, written once for every n
-- as an indexed sum over one vector x:
--
--   sum(i = 1..#x-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)
--
--   slope examples/rosenbrock_nd.lua [outdir]
--
-- slope rewrites the indexed sum into sums over slices of x (x[2..#x],
-- x[1..#x-1]), so the expression, its gradient and the compiled tape are the
-- same size for n = 2 and n = 1000.  From the classic start (-1.2, 1, -1.2,
-- 1, ...) Adam, L-BFGS and Newton run until f < 1e-8 (or their step limit);
-- the table gives the steps and the time each took.

local outdir = arg and arg[1] or "."
local f = slope.testfn.rosenbrock{ n = 10 }.expr
print("f      = " .. tostring(f))
print("df/dx  = " .. tostring(slope.diff(f, "x")))
print()

local target = 1e-8
local kinds = {
  { name = "Adam", steps = 20000, make = function() return slope.optim.adam{ lr = 0.01 } end },
  { name = "L-BFGS", steps = 2000,
    make = function() return slope.optim.lbfgs{ history_size = 10, line_search = "strong_wolfe" } end },
  { name = "Newton", steps = 200, make = function() return slope.optim.newton{} end },
}

-- steps and seconds to f < target, from the classic start: on_step sees f of
-- each step and stops the run there (status "stopped")
local function race(kind, n)
  local start = {}
  for i = 1, n do start[i] = i % 2 == 1 and -1.2 or 1 end
  local t0 = os.clock()
  local ok, r = pcall(slope.minimize, f, { x = start }, {
    optimizer = kind.make(), steps = kind.steps, trace = n == 100,
    on_step = function(s) if s.f < target then return false end end })
  return ok, r, os.clock() - t0
end

local header = ("%6s"):format("n")
for _, k in ipairs(kinds) do header = header .. ("  %22s"):format(k.name .. ": steps, time") end
print(("steps and time to f < %g (a step limit: the f reached instead)"):format(target))
print(header)
local curves, notes = {}, {}
for _, n in ipairs { 2, 10, 100, 1000 } do
  local line = ("%6d"):format(n)
  for _, k in ipairs(kinds) do
    local ok, r, secs = race(k, n)
    local cell
    if not ok then
      cell = "(not available)"
      notes[k.name] = tostring(r)
    elseif r.status == "stopped" then   -- on_step saw f < target
      cell = ("%6d  %8.1f ms"):format(r.steps, 1000 * secs)
    else
      cell = ("f = %.2g after %d"):format(r.f, r.steps)
    end
    line = line .. ("  %22s"):format(cell)
    if ok and n == 100 then curves[#curves + 1] = { name = k.name, r } end
  end
  print(line)
end
for name, why in pairs(notes) do print(("%s: %s"):format(name, why)) end

slope.plot.curve{ series = curves, log = true,
  title = "100-dimensional Rosenbrock from (-1.2, 1, ...): f over the steps",
  file = outdir .. "/rosenbrock_nd.svg" }
print("wrote " .. outdir .. "/rosenbrock_nd.svg")
