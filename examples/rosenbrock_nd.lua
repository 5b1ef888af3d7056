-- rosenbrock_nd.lua -- N-dimensional Rosenbrock, written once for every n
-- as an indexed sum over one vector x:
--
--   sum(i = 1..#x-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)
--
--   slope examples/rosenbrock_nd.lua [outdir]
--
-- slope rewrites the indexed sum into sums over slices of x (x[2..#x],
-- x[1..#x-1]), so the expression, its gradient and the compiled tape are the
-- same size for n = 2 and n = 1000.  From x = 0 Adam, L-BFGS and Newton run
-- until f < 1e-8 (or their step limit); the table gives the steps and the
-- time each took.  (From the classic start (-1.2, 1, -1.2, 1,
-- ...) Newton's steps lead to the local minimum near (-1, 1, ..., 1), where
-- f = 3.99, for n >= 4.)  Newton's step solves with the whole n x n Hessian,
-- which for n = 1000 costs more per step than the other two together: it
-- gets 10 steps there, to keep the example quick.

local outdir = arg and arg[1] or "."
local f = slope.testfn.rosenbrock{ n = 10 }.expr
print("f      = " .. tostring(f))
print("df/dx  = " .. tostring(slope.diff(f, "x")))
print()

local target = 1e-8
local kinds = {
  { name = "Adam", steps = function() return 20000 end, make = function() return slope.optim.adam{ lr = 0.01 } end },
  { name = "L-BFGS", steps = function() return 2000 end,
    make = function() return slope.optim.lbfgs{ history_size = 10, line_search = "strong_wolfe" } end },
  { name = "Newton", steps = function(n) return n < 1000 and 300 or 10 end,
    make = function() return slope.optim.newton{ damping = 0.1 } end },
}

-- steps and seconds to f < target, from x = 0: on_step sees f of each step
-- and stops the run there
local function race(kind, n)
  local t0, reached = os.clock(), false
  local ok, r = pcall(slope.minimize, f, { x = slope.zeros(n) }, {
    optimizer = kind.make(), steps = kind.steps(n), trace = n == 100,
    on_step = function(s) if s.f < target then reached = true; return false end end })
  return ok, r, os.clock() - t0, reached
end

local header = ("%6s"):format("n")
for _, k in ipairs(kinds) do header = header .. ("  %22s"):format(k.name .. ": steps, time") end
print(("steps and time to f < %g from x = 0 (else the f reached at the step limit)"):format(target))
print(header)
local curves, notes = {}, {}
for _, n in ipairs { 2, 10, 100, 1000 } do
  local line = ("%6d"):format(n)
  for _, k in ipairs(kinds) do
    local ok, r, secs, reached = race(k, n)
    local cell
    if not ok then
      cell = "(not available)"
      notes[k.name] = tostring(r)
    elseif reached then
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
  title = "100-dimensional Rosenbrock from x = 0: f over the steps",
  file = outdir .. "/rosenbrock_nd.svg" }
print("wrote " .. outdir .. "/rosenbrock_nd.svg")
