-- scaling.lua -- why one learning rate cannot fit every parameter, and what
-- adaptive optimizers (Adam, RMSprop, Adagrad) do about it.
--
--   slope examples/scaling.lua [outdir]
--
-- The feature x is big (|x| about 100, like a house's area in square metres,
-- here centred on 0), while the bias b is multiplied by 1. The loss mean((w*x + b - y)^2) is then shaped like
-- 10000*w^2 + b^2: w is 10000 times more sensitive than b. Plain gradient
-- descent must pick one lr: large enough to move b and the w direction
-- explodes; small enough for w and b barely moves. Adaptive optimizers scale
-- each parameter's step by the size of its own gradients, so both move.

local outdir = arg and arg[1] or "."

-- y = 0.03*x + 2 + noise, with x = 100*z for standard normal z.
local small = slope.data.regression{ n = 200, w = 3, b = 2, noise = 0.1, seed = 3 }
local X = {}
for i, z in ipairs(small:column "x") do X[i] = 100 * z end
local data = slope.data{ x = X, y = small:column "y" }
local loss = slope.expr "mean((w*x + b - y)^2)"
-- The curvature along each parameter: the second derivatives, evaluated on the data.
local cols = { x = data:column "x", y = data:column "y" }
for _, v in ipairs { "w", "b" } do
  local d2 = loss:diff(v, 2)
  print(("d2(loss)/d%s2 = %-12s = %8.1f"):format(v, tostring(d2), d2:compile({}, cols)()))
end

-- The exact least-squares answer, for reference: one Newton step solves a quadratic.
local best = slope.minimize(loss, { w = 0, b = 0 }, { data = data, optimizer = slope.optim.newton{}, steps = 1 })
print(("least squares: w = %.5f, b = %.4f, loss = %.5f\n"):format(best.x.w, best.x.b, best.f))

local steps = 300
local runs = {
  { name = "gradient descent", opt = slope.optim.sgd{ lr = 1e-3 } },
  { name = "gradient descent", opt = slope.optim.sgd{ lr = 9e-5 } },
  { name = "Adam", opt = slope.optim.adam{ lr = 0.05 } },
  { name = "RMSprop (momentum 0.9)", opt = slope.optim.rmsprop{ lr = 0.003, momentum = 0.9 } },
  { name = "Adagrad", opt = slope.optim.adagrad{ lr = 0.5 } },
}
print(("%d steps from w = 0, b = 0:"):format(steps))
print(("%-24s %7s %-10s %10s %9s %12s"):format("optimizer", "lr", "status", "w", "b", "loss - best"))
local curves = {}
for _, run in ipairs(runs) do
  local r = slope.minimize(loss, { w = 0, b = 0 }, { data = data, optimizer = run.opt, steps = steps })
  run.r = r
  print(("%-24s %7g %-10s %10.4g %9.4g %12.3g"):format(run.name, run.opt.lr, r.status, r.x.w, r.x.b, r.f - best.f))
  if r.status == "diverged" then
    print("  " .. r.message)
  else
    -- how far above the best loss, step by step, floored at 1e-12 (the last
    -- digits are rounding noise); the diverged run would swamp the axis: left out
    local gap = {}
    for k, f in ipairs(r.trace:column "f") do gap[k] = math.max(f - best.f, 1e-12) end
    curves[#curves + 1] = { name = ("%s, lr %g"):format(run.name, run.opt.lr), y = gap }
  end
end
print("\nlr = 1e-3 is fine for b but makes w overshoot 20-fold each step; lr = 9e-5 keeps w")
print(("stable, but after %d steps b has covered only %.0f%% of the way to 2."):format(steps, 100 * runs[2].r.x.b / best.x.b))

-- The cure for plain descent: rescale the feature (here x/100 = z) so that both
-- parameters have the same sensitivity; then one lr suits both.
local scaled = slope.minimize(loss, { w = 0, b = 0 }, { data = small, lr = 0.1, steps = 100 })
print(("\nwith x rescaled to x/100, gradient descent lr 0.1: w/100 = %.5f, b = %.4f after 100 steps"):format(
  scaled.x.w / 100, scaled.x.b))

slope.plot.curve{ series = curves, log = true, ylabel = "loss - least-squares loss",
  title = "One lr for all parameters vs. per-parameter steps", file = outdir .. "/scaling_loss.svg" }
print("wrote " .. outdir .. "/scaling_loss.svg")
