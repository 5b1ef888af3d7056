-- sweep.lua -- a learning rate x momentum sweep over 5 seeds, on a test
-- function and on a data set, each trial in a worker process (one per core),
-- with the trials written to OUTDIR/sweep-rosenbrock/trials.jsonl (and
-- summary.csv): run it again and it skips the trials already done.
--
--   slope examples/sweep.lua [outdir]
--   mpirun -n 4 slope examples/sweep.lua [outdir]       (the trials over 4 ranks)
--   slope --trial 7 examples/sweep.lua [outdir]          (one trial: a job array)
--   slope merge OUTDIR/sweep-rosenbrock                  (then join their files)
--
-- SGD with heavy-ball momentum on Rosenbrock from a random start near
-- (-1.2, 1): too small a step barely moves in 300 steps, too large a step
-- with momentum diverges (a failed-looking f = inf is still a finished
-- trial: "diverged" is a status of the run, kept as a metric). Then the same
-- grid on a regression with a held-out test set, reporting the test loss.

local outdir = arg and arg[1] or "."
local rosen = slope.testfn.rosenbrock{ n = 2 }
local grid = { lr = { 1e-4, 3e-4, 1e-3, 2e-3, 4e-3 }, momentum = { 0, 0.5, 0.9 } }
local seeds = { 1, 2, 3, 4, 5 }

local res = slope.sweep{
  grid = grid, seeds = seeds, out = outdir .. "/sweep-rosenbrock",
  run = function(cfg, seed)
    -- the start depends on the seed alone, so every configuration sees the same five starts
    local u = slope.data.regression{ n = 2, w = 0, b = 0, noise = 0.1, seed = seed }:column "y"
    local r = slope.minimize(rosen.expr, { x = -1.2 + u[1], y = 1 + u[2] }, {
      optimizer = slope.optim.sgd{ lr = cfg.lr, momentum = cfg.momentum }, steps = 300, trace = false })
    return { f = r.status == "diverged" and math.huge or r.f, diverged = r.status == "diverged" }
  end,
}
print(("Rosenbrock: %s"):format(tostring(res)))
print(res:table())
local best = res:best "f"
print(("best: lr = %g, momentum = %g, seed %d: f = %.6g"):format(best.params.lr, best.params.momentum, best.seed,
  best.metrics.f))
res:plot{ metric = "f", x = "lr", by = "momentum", log = true, title = "Rosenbrock after 300 steps",
          file = outdir .. "/sweep_rosenbrock.svg" }

-- the same grid on data: train on 80%, report the loss on the other 20%
local data = slope.data.regression{ n = 2000, w = { 2, -1, 0.5 }, b = 1, noise = 0.3, seed = 42 }
local fit = slope.expr "mean((w1*x1 + w2*x2 + w3*x3 + b - y)^2)"
local reg = slope.sweep{
  grid = { lr = { 0.003, 0.01, 0.03 }, momentum = { 0, 0.9 } }, seeds = seeds, out = outdir .. "/sweep-regression",
  run = function(cfg, seed)
    local train, test = data:split(0.8, seed)
    local r = slope.minimize(fit, { w1 = 0, w2 = 0, w3 = 0, b = 0 }, {
      data = train, epochs = 5, batch = 32, shuffle = true, seed = seed, trace = false,
      optimizer = slope.optim.sgd{ lr = cfg.lr, momentum = cfg.momentum }, eval = { test = test } })
    return { train = r.eval[#r.eval].train, test = r.eval[#r.eval].test }
  end,
}
print(("\nregression: %s"):format(tostring(reg)))
print(reg:table())
local b = reg:best "test"
print(("best test loss: lr = %g, momentum = %g: %.6g (noise variance 0.09)"):format(b.params.lr, b.params.momentum,
  b.metrics.test))
reg:plot{ metric = "test", x = "lr", by = "momentum", title = "test loss after 5 epochs",
          file = outdir .. "/sweep_regression.svg" }
