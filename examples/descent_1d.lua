-- descent_1d.lua -- gradient descent on a curve, drawn the ways the
-- tutorials draw it: the path of x on the loss, the same as an animation
-- (the tutorials' gradient_descent_1d.gif), and the tangent and the gradient
-- arrow at a point (the slope of the tangent is the derivative; the gradient
-- is a vector along the x axis pointing uphill, and descent goes against it).
--
--   slope examples/descent_1d.lua [outdir]
--
-- The loss is L(x) = x^2 + 2x + 1 = (x + 1)^2, minimum at x = -1; from x = 5
-- with learning rate 0.2 each step multiplies the distance to -1 by
-- 1 - 2*0.2 = 0.6, so x_k = -1 + 6 * 0.6^k.

local outdir = arg and arg[1] or "."
local loss = slope.expr "x^2 + 2*x + 1"
print("L(x)  = " .. tostring(loss))
print("L'(x) = " .. tostring(loss:diff "x"))

local r = slope.minimize(loss, { x = 5 }, { optimizer = slope.optim.sgd { lr = 0.2 }, steps = 15 })
local xs = r.trace:column "x"
print(" step        x   closed form -1 + 6*0.6^k")
for k = 0, 15, 3 do
  print(("%5d %9.6f %9.6f"):format(k, xs[k + 1], -1 + 6 * 0.6 ^ k))
end

-- the path on the curve, as SVG and PNG; the animation as GIF (2 frames a
-- second, as the tutorial's ani.save(..., fps=2)) and as an animated SVG
local o = { f = loss, range = { -4, 6 }, path = r, title = "1D 梯度下降路径 (gradient descent path)",
  xlabel = "参数 x", ylabel = "损失 Loss" }
for _, file in ipairs { "descent_1d_path.svg", "descent_1d_path.png" } do
  o.file = outdir .. "/" .. file
  slope.plot.fn1d(o)
  print("wrote " .. file)
end
o.animate, o.fps, o.title = true, 2, "1D 梯度下降动画 (gradient descent, animated)"
for _, file in ipairs { "gradient_descent_1d.gif", "gradient_descent_1d.svg" } do
  o.file = outdir .. "/" .. file
  slope.plot.fn1d(o)
  print("wrote " .. file)
end

-- the tangent and the gradient at x0 = 1 on f(x) = x^2: f'(1) = 2
local f = slope.expr "x^2"
local _, g = f:compile { "x" }:grad(1)
print(("f(x) = x^2 at x0 = 1: f'(1) = %g, the tangent is y = %g*x - 1"):format(g[1], g[1]))
for _, file in ipairs { "tangent_gradient.svg", "tangent_gradient.png" } do
  slope.plot.fn1d { f = f, range = { -2, 3 }, tangent = 1, file = outdir .. "/" .. file,
    title = "the tangent at x0 = 1 and the gradient f'(1) = 2" }
  print("wrote " .. file)
end
