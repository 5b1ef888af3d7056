-- linear_regression.lua -- training a model is gradient descent on its loss:
-- the "mountain" is the mean squared error over the data, the position is the
-- parameters (w, b), and x and y are data that never move.
--
--   slope examples/linear_regression.lua [outdir]
--
-- The data are four points of y = 2x + 1. We pretend not to know 2 and 1 and
-- let gradient descent find them: first with a hand-written training loop (the
-- same loop as PyTorch's optimizer.zero_grad / loss.backward / optimizer.step),
-- then with one call to slope.minimize. Both give the same w and b.

local outdir = arg and arg[1] or "."
local data = slope.data{ x = { 1, 2, 3, 4 }, y = { 3, 5, 7, 9 } }

-- The loss: mean over the data rows of the squared error of y_pred = w*x + b.
local loss = slope.expr "mean((w*x + b - y)^2)"
print("loss(w, b) = " .. tostring(loss))
print("dloss/dw   = " .. tostring(loss:diff "w"))
print("dloss/db   = " .. tostring(loss:diff "b"))
print()

-- 1. The hand-written loop: one opt:step(p) computes the loss and its
--    gradient over the data (returning that loss) and moves w and b.
print("hand-written loop, sgd lr = 0.01, start w = 0, b = 0:")
local p = slope.problem(loss, { w = 0, b = 0 }, { data = data })
local opt = slope.optim.sgd{ lr = 0.01 }
for epoch = 1, 100 do
  local l = opt:step(p)
  if epoch % 10 == 0 then
    print(("  epoch %3d: loss = %.4f, w = %.3f, b = %.3f"):format(epoch, l, p.x.w, p.x.b))
  end
end
print(("  found w = %.3f, b = %.3f"):format(p.x.w, p.x.b))
print()

-- 2. The same run in one call; log = 10 prints a line every 10 epochs.
print("slope.minimize, same options:")
local r = slope.minimize(loss, { w = 0, b = 0 }, { data = data, lr = 0.01, epochs = 100, log = 10 })
print(("  found w = %.3f, b = %.3f  (status %s)"):format(r.x.w, r.x.b, r.status))
print(("  difference from the hand loop: |dw| = %g, |db| = %g"):format(
  math.abs(r.x.w - p.x.w), math.abs(r.x.b - p.x.b)))
print()

-- 3. After 100 epochs w and b are close but not there: b is still 0.788,
--    not 1. Keep going until the gradient is tiny (tol) and they reach 2 and 1.
local long = slope.minimize(loss, { w = 0, b = 0 },
  { data = data, lr = 0.01, epochs = 20000, tol = { grad = 1e-8 } })
print(("trained to convergence: w = %.6f, b = %.6f after %d epochs (%s)"):format(
  long.x.w, long.x.b, long.epochs, long.status))
print()

-- 4. Pictures: the fitted line over the data, and the path of (w, b) over the
--    contour lines of the loss. The loss written out over the four rows is an
--    ordinary function of w and b, so it can be drawn.
slope.plot.fit{ data = data, f = "w*x + b", params = r.x,
  title = "y = w*x + b after 100 epochs of gradient descent",
  file = outdir .. "/linear_regression_fit.svg" }
local w, b = slope.vars("w", "b")
local surface = 0
for i, x in ipairs(data:column "x") do surface = surface + (w * x + b - data:column "y"[i])^2 / 4 end
slope.plot.contour{ f = surface, x = { -0.4, 1.6 }, y = { -0.3, 2.5 }, minimum = { w = 2, b = 1 },
  paths = { { name = ("until converged (%d epochs)"):format(long.epochs), long }, { name = "first 100 epochs", r } },
  levels = 16, log = true, title = "The loss over (b, w): down the slope, then along the valley",
  file = outdir .. "/linear_regression_contour.svg" }
print("wrote " .. outdir .. "/linear_regression_fit.svg and " .. outdir .. "/linear_regression_contour.svg")
