-- batches.lua -- how much data each step looks at: batch gradient descent
-- (BGD, every row per step), stochastic gradient descent (SGD, one row per
-- step) and mini-batch descent (32 rows per step), for the same number of
-- passes over the data (epochs), judged on data the training never saw.
--
--   slope examples/batches.lua [outdir]
--
-- BGD takes one careful step per epoch; SGD takes one noisy step per row, so
-- in the same epochs it makes 800 times as many updates; mini-batch sits in
-- between: 25 steps per epoch, each averaging 32 rows.

local outdir = arg and arg[1] or "."

-- 1000 points of y = 3x + 1 + noise, split 80/20 into training and test rows.
local all = slope.data.regression{ n = 1000, w = 3, b = 1, noise = 0.5, seed = 7 }
local train, test = all:split(0.8, 1)
print(("%d rows: %d to train on, %d held out for testing"):format(#all, #train, #test))

local loss = slope.expr "mean((w*x + b - y)^2)"
-- The same loss on fixed rows is an ordinary function of (w, b): compiled
-- once on the test rows, once on all training rows (for the curves below).
local cols = function(ds) return { x = ds:column "x", y = ds:column "y" } end
local test_loss = loss:compile({ "w", "b" }, cols(test))
local train_loss = loss:compile({ "w", "b" }, cols(train))

local epochs, lr = 10, 0.02
local ways = {
  { name = "batch GD (800 rows/step)", batch = "full" },
  { name = "SGD (1 row/step)", batch = 1 },
  { name = "mini-batch (32 rows/step)", batch = 32 },
}
print(("\nsgd lr = %g, %d epochs, start w = 0, b = 0 (true w = 3, b = 1, noise variance 0.25)"):format(lr, epochs))
print(("%-27s %6s %8s %8s %11s %11s"):format("", "steps", "w", "b", "train loss", "test loss"))
local curves = {}
for i, way in ipairs(ways) do
  local per_epoch = way.batch == "full" and 1 or math.ceil(#train / way.batch)
  local r = slope.minimize(loss, { w = 0, b = 0 }, {
    data = train, batch = way.batch, shuffle = true, seed = 1, lr = lr, epochs = epochs,
    trace = per_epoch })                      -- record one row at the end of each epoch
  print(("%-27s %6d %8.4f %8.4f %11.5f %11.5f"):format(way.name, r.steps, r.x.w, r.x.b,
    r.f, test_loss(r.x.w, r.x.b)))
  -- A step's f is the loss of its own batch; the curve shows the loss over
  -- all training rows at the end of each epoch instead, comparable across rows.
  local y = {}
  for k = 0, #r.trace do y[k + 1] = train_loss(r.trace[k].x.w, r.trace[k].x.b) end
  curves[i] = { name = way.name, y = y }
end
print("\nThe best possible loss is about the noise variance, 0.25. In 10 epochs BGD made 10")
print("steps and is far from it; SGD's 8000 one-row steps got close within the first epoch but")
print("keep jittering around; mini-batch's 250 averaged steps settle more smoothly.\n")

slope.plot.curve{ series = curves, log = true, xlabel = "epoch", ylabel = "training loss (all 800 rows)",
  title = "Same epochs, different batch sizes", file = outdir .. "/batches_loss.svg" }
print("wrote " .. outdir .. "/batches_loss.svg")
