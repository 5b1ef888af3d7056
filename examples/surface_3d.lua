-- surface_3d.lua -- a loss of two parameters as a landscape: the 3-D surface
-- with the descent path on it (the tutorials' plot_surface picture), the
-- same seen as contour lines with the field of gradient arrows (each arrow
-- points where descent goes: against the gradient, across the contours),
-- and the path as an animation.
--
--   slope examples/surface_3d.lua [outdir]
--
-- L(x, y) = x^2 + y^2 + xy + 2x + 3y + 5: its gradient (2x + y + 2, x + 2y + 3)
-- is zero at x = -1/3, y = -4/3, where L = 8/3.

local outdir = arg and arg[1] or "."
local loss = slope.expr "x^2 + y^2 + x*y + 2*x + 3*y + 5"
print("L      = " .. tostring(loss))
print("dL/dx  = " .. tostring(loss:diff "x"))
print("dL/dy  = " .. tostring(loss:diff "y"))

local r = slope.minimize(loss, { x = 4, y = 4 }, { optimizer = slope.optim.sgd { lr = 0.1 }, steps = 30 })
local fn = loss:compile { "x", "y" }
local xm, ym = -1 / 3, -4 / 3
print(("after 30 steps of lr 0.1 from (4, 4): x = %.6f, y = %.6f, L = %.6f"):format(r.x.x, r.x.y, r.f))
print(("the minimum (gradient zero): x = %.6f, y = %.6f, L = %.6f"):format(xm, ym, fn(xm, ym)))

local range = { x = { -5, 5 }, y = { -5, 5 } }
for _, file in ipairs { "surface_path.png", "surface_path.svg", "surface_path.pdf" } do
  slope.plot.surface { f = loss, range = range, paths = { ["SGD lr 0.1"] = r }, file = outdir .. "/" .. file,
    title = "3D 损失曲面与梯度下降路径 (loss surface and descent path)" }
  print("wrote " .. file)
end
for _, file in ipairs { "gradient_field.png", "gradient_field.svg" } do
  slope.plot.contour { f = loss, range = range, paths = { ["SGD lr 0.1"] = r }, arrows = true, minimum = { xm, ym },
    file = outdir .. "/" .. file, title = "contours and the descent direction -gradient" }
  print("wrote " .. file)
end
slope.plot.surface { f = loss, range = range, paths = { r }, animate = true, fps = 4, every = 2, grid = 24,
  file = outdir .. "/surface_path.gif", title = "descent on the loss surface" }
print("wrote surface_path.gif")
