-- lr_decay.lua -- learning-rate schedules: big steps early to make progress,
-- small steps late to settle. With mini-batches each step's gradient is
-- noisy, so a constant learning rate never settles: it keeps hopping around
-- the minimum (the "反复横跳" of the tutorials). Decaying the rate shrinks the hops.
--
--   slope examples/lr_decay.lua [outdir]
--
-- A schedule is a pure function of the step t: s(t, base) is the learning rate
-- at step t for a base rate. The same objects drive slope.minimize.

local outdir = arg and arg[1] or "."
local S = slope.schedule
local base, epochs, batch = 0.1, 20, 10
local data = slope.data.regression{ n = 500, w = 3, b = 1, noise = 0.5, seed = 4 }
local total = epochs * #data // batch          -- 50 steps per epoch, 1000 steps

local schedules = {
  { name = "step (x0.3 every 250)", s = S.step{ step_size = 250, gamma = 0.3 } },
  { name = "exponential (x0.996/step)", s = S.exponential{ gamma = 0.996 } },
  { name = "cosine", s = S.cosine{ T_max = total } },
  -- warm-up: 100 steps rising linearly from 1% of the rate, then cosine decay
  { name = "warmup + cosine", s = S.sequential{ milestones = { 100 }, schedules = {
      S.linear{ start_factor = 0.01, total_iters = 100 }, S.cosine{ T_max = total - 100 } } } },
  { name = "constant" },                          -- no schedule: lr stays 0.1
}

-- 1. The learning rate each schedule gives at every step.
print(("lr at step t for base lr %g:"):format(base))
print(("%-27s %8s %8s %8s %8s %9s"):format("schedule", "t=0", "t=100", "t=250", "t=500", "t=999"))
local lr_curves = {}
for i, sc in ipairs(schedules) do
  local lr = {}
  for t = 0, total - 1 do lr[t + 1] = sc.s and sc.s(t, base) or base end
  print(("%-27s %8.4f %8.4f %8.4f %8.4f %9.2e"):format(sc.name, lr[1], lr[101], lr[251], lr[501], lr[1000]))
  if sc.s then lr_curves[i] = { name = sc.name, y = lr } end   -- constant: a flat line, left out
end

-- 2. What each does to mini-batch SGD on y = 3x + 1 + noise. The yardstick is
--    the exact least-squares loss (one Newton step), and the loss over all rows.
local loss = slope.expr "mean((w*x + b - y)^2)"
local best = slope.minimize(loss, { w = 0, b = 0 }, { data = data, optimizer = slope.optim.newton{}, steps = 1 })
local full = loss:compile({ "w", "b" }, { x = data:column "x", y = data:column "y" })
print(("\nSGD, batch %d, %d epochs (%d steps), base lr %g; least squares w = %.4f, b = %.4f"):format(
  batch, epochs, total, base, best.x.w, best.x.b))
print(("%-27s %10s %10s %14s"):format("schedule", "w", "b", "loss - best"))
local loss_curves = {}
for i, sc in ipairs(schedules) do
  local r = slope.minimize(loss, { w = 0, b = 0 }, { data = data, batch = batch, shuffle = true, seed = 1,
    lr = base, epochs = epochs, schedule = sc.s, trace = total // epochs })   -- one row per epoch
  sc.gap = full(r.x.w, r.x.b) - best.f
  print(("%-27s %10.4f %10.4f %14.3e"):format(sc.name, r.x.w, r.x.b, sc.gap))
  local gap = {}
  for k = 0, #r.trace do gap[k + 1] = full(r.trace[k].x.w, r.trace[k].x.b) - best.f end
  loss_curves[i] = { name = sc.name, y = gap }
end
local worst = 0
for i = 1, #schedules - 1 do worst = math.max(worst, schedules[i].gap) end
print(("\nEvery decay ends at least %d times closer to the best loss than the constant"):format(
  schedules[#schedules].gap // worst))
print("rate. Warm-up costs a little here; it pays off where early steps are unreliable")
print("(large models, Adam's first steps), not on a small convex problem like this one.")

slope.plot.curve{ series = lr_curves, xlabel = "step", ylabel = "learning rate",
  title = "Learning-rate schedules (base lr 0.1, 1000 steps)", file = outdir .. "/lr_decay_schedules.svg" }
slope.plot.curve{ series = loss_curves, log = true, xlabel = "epoch", ylabel = "loss - least-squares loss",
  title = "Mini-batch SGD under each schedule", file = outdir .. "/lr_decay_loss.svg" }
print("wrote " .. outdir .. "/lr_decay_schedules.svg and " .. outdir .. "/lr_decay_loss.svg")
