-- annealing.lua -- escaping local minima with noise that cools: gradient
-- descent only ever goes downhill, so it stays in whatever valley it starts
-- in. Adding random kicks (a temperature) lets it climb out; lowering the
-- temperature over time (annealing) lets it settle once it has found a deep valley.
--
--   slope examples/annealing.lua [outdir]
--
-- f(x) = x^2/4 - cos(3x) + 1 is a bowl with ripples: the global minimum is
-- f(0) = 0 and there are local minima near x = +-2 and x = +-4. We start at
-- x = 4, in a local valley, and run three strategies from 100 seeds each:
-- plain descent, descent with noise at a fixed temperature, and descent with
-- noise that starts as hot and cools.

local outdir = arg and arg[1] or "."
local f = slope.expr "x^2/4 - cos(3*x) + 1"
local start, steps, seeds = { x = 4 }, 2000, 100
print(("f(x) = %s, f'(x) = %s; start x = %g, %d steps of lr 0.05"):format(
  tostring(f), tostring(f:diff "x"), start.x, steps))

local strategies = {
  { name = "plain gradient descent" },
  { name = "constant noise, std 1.5", noise = slope.noise.gaussian{ std = 1.5 } },
  -- std_t = 1.5 / (1 + 0.01 t): hot at first, a tenth as hot after 900 steps
  { name = "annealing, std 1.5/(1+0.01t)",
    noise = slope.noise.gaussian{ std = 1.5, schedule = slope.schedule.inverse{ rate = 0.01 } } },
}

print(("\n%-30s %16s %10s"):format("strategy", "found x = 0", "median f"))
for _, s in ipairs(strategies) do
  local found, finals = 0, {}
  for seed = 1, seeds do
    local r = slope.minimize(f, start, { lr = 0.05, steps = steps, seed = seed, noise = s.noise })
    -- ended in the valley of the global minimum (between the ridges near x = +-1)
    if math.abs(r.x.x) < 1 then
      found = found + 1
      s.shown = s.shown or r      -- keep one successful run to draw
    end
    finals[#finals + 1] = r.f
    s.first = s.first or r
  end
  table.sort(finals)
  s.found = found
  print(("%-30s %9d / %d %10.4f"):format(s.name, found, seeds, finals[seeds // 2]))
end
print(("\nPlain descent never leaves the valley at x = %.3f (no randomness: every seed is"):format(
  strategies[1].first.x.x))
print("the same run). Noise that never cools keeps kicking x around: it ends wherever the")
print("last kicks left it. Annealing explores while hot and settles near x = 0 once cold.")

-- Pictures: one annealing run on the curve, and x over the steps for each strategy.
local hot = strategies[3].shown or strategies[3].first
slope.plot.fn1d{ f = f, range = { -6, 6 }, path = hot,
  title = "One annealing run from x = 4: hops between valleys, settles at 0",
  file = outdir .. "/annealing_path.svg" }
local series = {}
for i, s in ipairs(strategies) do
  local r = s.shown or s.first
  series[i] = { name = s.name, y = r.trace:column "x" }
end
slope.plot.curve{ series = series, xlabel = "step", ylabel = "x",
  title = "Where x is at each step (one seed each)", file = outdir .. "/annealing_x.svg" }
print("wrote " .. outdir .. "/annealing_path.svg and " .. outdir .. "/annealing_x.svg")
