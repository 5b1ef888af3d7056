-- flagship.lua -- what `make demo` runs: one landscape with many valleys, and
-- what momentum, learning-rate decay and annealing noise do on it.
--
--   slope examples/flagship.lua [outdir]
--
-- f has one global minimum at (0, 0) and a local minimum in every cell of a
-- grid of spacing 2*pi/3. Plain gradient descent from (3.8, -3.4) rolls into
-- the nearest valley and stays there; momentum carries it a little further;
-- noise that cools over time (simulated annealing) lets it hop out of valleys
-- while hot and settle once cold.

local outdir = arg and arg[1] or "."
local f = slope.expr "0.1*(x^2 + y^2) - cos(3*x) - cos(3*y) + 2"
local start = { x = 3.8, y = -3.4 }

print("f(x, y) = " .. tostring(f))
print("gradient:")
for i, g in ipairs(f:grad()) do print(("  d/d%s = %s"):format(f:vars()[i], tostring(g))) end
print("LaTeX: " .. f:latex())
print()

local steps = 600
local strategies = {
  { name = "gradient descent", opts = function() return {
      optimizer = slope.optim.sgd{ lr = 0.05 } } end },
  { name = "momentum + cosine decay", opts = function() return {
      optimizer = slope.optim.sgd{ lr = 0.05, momentum = 0.9 },
      schedule = slope.schedule.cosine{ T_max = steps } } end },
  { name = "descent + annealing noise", opts = function() return {
      optimizer = slope.optim.sgd{ lr = 0.05 },
      noise = slope.noise.gaussian{ std = 1.5, schedule = slope.schedule.inverse{ rate = 0.02 } } } end },
  { name = "momentum + annealing noise", opts = function() return {
      optimizer = slope.optim.sgd{ lr = 0.05, momentum = 0.9 },
      noise = slope.noise.gaussian{ std = 0.5, schedule = slope.schedule.inverse{ rate = 0.02 } } } end },
}

-- Every strategy from the same start over 40 seeds: how often does it end in
-- the valley of the global minimum?
local seeds = 40
print(("%-28s %10s %12s"):format("strategy", "global min", "median f"))
for _, s in ipairs(strategies) do
  local found, finals = 0, {}
  for seed = 1, seeds do
    local o = s.opts()
    o.steps, o.seed = steps, seed
    local r = slope.minimize(f, start, o)
    local global = math.abs(r.x.x) < 1 and math.abs(r.x.y) < 1
    if global then found = found + 1 end
    finals[#finals + 1] = r.f
    -- draw the first run that found the global minimum (or the first run)
    if seed == 1 or (global and not s.found_run) then s.run, s.found_run = r, global end
  end
  table.sort(finals)
  print(("%-28s %7d/%-2d %12.4f"):format(s.name, found, seeds, finals[seeds // 2]))
end
print()

-- One run of each, drawn over the contour lines of f, and their losses.
local paths = {}
for _, s in ipairs(strategies) do paths[#paths + 1] = { name = s.name, s.run } end
slope.plot.contour{ f = f, x = { -5, 5 }, y = { -5, 5 }, paths = paths, levels = 14,
  title = "Momentum, decay and annealing noise on a landscape of valleys",
  file = outdir .. "/flagship_contour.svg" }
local series = {}
for _, s in ipairs(strategies) do series[#series + 1] = { name = s.name, s.run } end
slope.plot.curve{ series = series, title = "f along the way (the runs drawn above)", xlabel = "step", ylabel = "f",
  file = outdir .. "/flagship_loss.svg" }
print("wrote " .. outdir .. "/flagship_contour.svg and " .. outdir .. "/flagship_loss.svg")
