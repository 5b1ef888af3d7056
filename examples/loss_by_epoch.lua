-- loss_by_epoch.lua -- losses by epoch, the x axis the tutorials use:
-- batch, stochastic and mini-batch descent compared per pass over the data
-- (not per update, which would flatter SGD's many small steps), and the
-- training loss against the loss on held-out test rows, epoch by epoch.
--
--   slope examples/loss_by_epoch.lua [outdir]
--
-- 500 points of y = 3x + 1 + N(0, 0.5^2), 400 to train on and 100 to test.
-- By epoch, a run's loss is the mean of its batch losses over the epoch
-- (what a training log prints); for batch descent, the loss after the epoch.

local outdir = arg and arg[1] or "."
local all = slope.data.regression { n = 500, w = 3, b = 1, noise = 0.5, seed = 11 }
local train, test = all:split(0.8, 3)
local loss = slope.expr "mean((w*x + b - y)^2)"
local epochs = 8

local runs = {}
for _, way in ipairs { { "batch GD", "full" }, { "SGD", 1 }, { "mini-batch 20", 20 } } do
  local o = { data = train, lr = 0.02, epochs = epochs, seed = 1 }
  if way[2] ~= "full" then o.batch = way[2] end
  runs[way[1]] = slope.minimize(loss, { w = 0, b = 0 }, o)
  print(("%-14s %5d steps  w = %.4f  b = %.4f"):format(way[1], runs[way[1]].steps, runs[way[1]].x.w, runs[way[1]].x.b))
end
for _, file in ipairs { "loss_by_epoch.svg", "loss_by_epoch.png" } do
  slope.plot.curve { series = runs, x = "epoch", log = true, ylabel = "training loss (MSE)",
    title = "batch vs stochastic vs mini-batch, by epoch", file = outdir .. "/" .. file }
  print("wrote " .. file)
end

-- train and test by epoch: a hand loop of mini-batch steps, both losses
-- measured after each epoch over all their rows
local train_loss = loss:compile({ "w", "b" }, train)
local test_loss = loss:compile({ "w", "b" }, test)
local p = slope.problem(loss, { w = 0, b = 0 }, { data = train, batch = 20, shuffle = true, seed = 5 })
local opt = slope.optim.sgd { lr = 0.01 }
local steps = #train // 20
local ep, tr, te = { 0 }, { train_loss(0, 0) }, { test_loss(0, 0) }
print("epoch  train loss  test loss")
print(("%5d %11.4f %10.4f"):format(0, tr[1], te[1]))
for e = 1, epochs do
  for _ = 1, steps do opt:step(p) end
  local x = p.x
  ep[#ep + 1], tr[#tr + 1], te[#te + 1] = e, train_loss(x.w, x.b), test_loss(x.w, x.b)
  print(("%5d %11.4f %10.4f"):format(e, tr[#tr], te[#te]))
end
for _, file in ipairs { "train_test.svg", "train_test.png" } do
  slope.plot.curve { series = { { name = "train", x = ep, y = tr }, { name = "test", x = ep, y = te } }, log = true,
    xlabel = "epoch", ylabel = "loss (MSE)", title = "training and test loss by epoch", file = outdir .. "/" .. file }
  print("wrote " .. file)
end
