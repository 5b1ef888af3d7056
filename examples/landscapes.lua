-- landscapes.lua -- every family of optimizer on four classic landscapes:
-- which ones find the global minimum, how many evaluations of f it costs
-- them, and how long. Gradient methods follow the slope downhill and stop
-- in the first valley they reach; the derivative-free and evolutionary ones
-- look around, which costs evaluations but pays on rugged landscapes.
--
--   slope examples/landscapes.lua [outdir]
--
-- Each optimizer starts from the same 10 random points of each function's
-- box (the box also bounds every run). A run succeeds when it ends within
-- 1e-4 of the global minimum's value.

local outdir = arg and arg[1] or "."
local seeds = 10

local landscapes = {
  slope.testfn.rosenbrock{},     -- a curved valley: easy to enter, slow to follow
  slope.testfn.himmelblau{},     -- four global minima, all f = 0
  slope.testfn.rastrigin{ n = 2 },  -- a bowl covered in 120 local minima
  slope.testfn.ackley{ n = 2 },     -- a flat plate with a deep hole in the middle
}

-- one representative of each family, each run until its own rule stops it
local families = {
  { family = "first-order", name = "adam", make = function() return slope.optim.adam{ lr = 0.05 } end, steps = 3000 },
  { family = "quasi-Newton", name = "bfgs", make = function() return slope.optim.bfgs{} end, steps = 500 },
  { family = "Newton", name = "newton", make = function() return slope.optim.newton{ damping = 1e-3 } end, steps = 200 },
  { family = "derivative-free", name = "nelder_mead", make = function() return slope.optim.nelder_mead{ xatol = 1e-8, fatol = 1e-10 } end, steps = 2000 },
  { family = "evolutionary", name = "cmaes", make = function() return slope.optim.cmaes{ restarts = 4 } end, steps = 600 },
  { family = "evolutionary", name = "de", make = function() return slope.optim.de{} end, steps = 400 },
  { family = "annealing", name = "anneal", make = function() return slope.optim.anneal{ T0 = 10, cooling = 0.995 } end, steps = 3000 },
}

-- the same random starts for every optimizer: a fixed generator of our own
local function starts_in(domain, n)
  local state, points = 12345, {}
  local function uniform()
    state = (1103515245 * state + 12345) % 2147483648
    return state / 2147483648
  end
  for k = 1, n do
    points[k] = { x = domain[1][1] + uniform() * (domain[1][2] - domain[1][1]),
                  y = domain[2][1] + uniform() * (domain[2][2] - domain[2][1]) }
  end
  return points
end

local shown = {}   -- one run of each family on Rastrigin, for the picture
print(("%-11s %-16s %-12s %8s %10s %9s"):format("landscape", "family", "optimizer", "found", "mean nfev", "ms/run"))
for _, land in ipairs(landscapes) do
  local starts = starts_in(land.domain, seeds)
  local bounds = { x = land.domain[1], y = land.domain[2] }
  for _, fam in ipairs(families) do
    local found, nfev, t0 = 0, 0, os.clock()
    for k, start in ipairs(starts) do
      local r = slope.minimize(land.expr, start, { optimizer = fam.make(), steps = fam.steps, seed = k,
                                                  bounds = bounds, trace = land.name == "rastrigin" })
      if r.f - land.fmin < 1e-4 then found = found + 1 end
      nfev = nfev + r.nfev
      if land.name == "rastrigin" and k == 1 then shown[#shown + 1] = { name = fam.name, run = r } end
    end
    local ms = (os.clock() - t0) * 1000 / seeds
    print(("%-11s %-16s %-12s %5d/%d %10.0f %9.2f"):format(land.name, fam.family, fam.name, found, seeds,
          nfev / seeds, ms))
    fam.found = (fam.found or 0) + found
  end
end

print("\nfound over all four landscapes:")
for _, fam in ipairs(families) do print(("  %-12s %3d of %d"):format(fam.name, fam.found, 4 * seeds)) end
print("The gradient methods solve the smooth valleys (Rosenbrock, Himmelblau) and stop in")
print("the first dimple of Rastrigin and Ackley; the evolutionary methods find the global")
print("minimum there too, at the price of many more evaluations of f.")

-- The picture: the first start's path of every optimizer on Rastrigin.
local paths = {}
for _, s in ipairs(shown) do
  paths[#paths + 1] = { name = s.name, x = s.run.trace:column "x", y = s.run.trace:column "y" }
end
local rastrigin = landscapes[3]
slope.plot.contour{ f = rastrigin.expr, x = rastrigin.domain[1], y = rastrigin.domain[2], paths = paths,
                    minimum = rastrigin.minimum, title = "Rastrigin: where each optimizer goes from one start",
                    file = outdir .. "/landscapes_rastrigin.svg" }
print(("\nwrote %s/landscapes_rastrigin.svg"):format(outdir))
