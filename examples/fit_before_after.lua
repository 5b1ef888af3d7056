-- fit_before_after.lua -- what an update does to a model, drawn over the
-- data: the line of y = w x + b before training (w = b = 0), after one
-- gradient step, and after training (the tutorials' "Fitted Line" picture).
--
--   slope examples/fit_before_after.lua [outdir]
--
-- The data are four points of y = 2x + 1 (x = 1..4). From w = b = 0 the
-- gradient of mean((w x + b - y)^2) is (-2 mean(x y), -2 mean(y)) = (-35, -12),
-- so one step of lr 0.01 gives w = 0.35, b = 0.12.

local outdir = arg and arg[1] or "."
local data = slope.data { x = { 1, 2, 3, 4 }, y = { 3, 5, 7, 9 } }
local loss = slope.expr "mean((w*x + b - y)^2)"

local p = slope.problem(loss, { w = 0, b = 0 }, { data = data })
local opt = slope.optim.sgd { lr = 0.01 }
opt:step(p)
local one = p.x
print(("after one step: w = %.4f, b = %.4f"):format(one.w, one.b))
local r = slope.minimize(loss, { w = 0, b = 0 }, { data = data, lr = 0.05, epochs = 2000 })
print(("after training: w = %.4f, b = %.4f, loss = %.2e"):format(r.x.w, r.x.b, r.f))

for _, file in ipairs { "fit_before_after.svg", "fit_before_after.png" } do
  slope.plot.fit { data = data, f = "w*x + b", file = outdir .. "/" .. file, title = "the line before and after",
    params = { { name = "before", w = 0, b = 0 }, { name = "one step", w = one.w, b = one.b },
               { name = "trained", w = r.x.w, b = r.x.b } } }
  print("wrote " .. file)
end
