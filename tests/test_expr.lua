-- test_expr.lua -- the Lua face of the expression core: parsing, operators,
-- printing, derivatives, eval/subs and compiled functions, checked against
-- hand-derived values and finite differences.
local check = dofile("tests/check.lua")

local x, y = slope.var "x", slope.var "y"
local w, b = slope.vars("w", "b")

-- printing what a person expects
check.eq(tostring(slope.expr "x^2 - 4*x + 1":diff "x"), "2*x - 4", "d/dx quadratic")
check.eq(tostring(slope.expr "(w*x + b - y)^2":diff "w"), "2*x*(w*x + b - y)", "d/dw squared residual")
check.eq(tostring(x^2 - 4*x + 1), "x^2 - 4*x + 1", "operators build the same expression")
check.ok(x^2 - 4*x + 1 == slope.expr "x^2 - 4*x + 1", "hash-consing: equal expressions are equal")
check.eq(tostring(x - x), "0", "x - x")
check.eq(tostring(x / x), "1", "x / x")
check.eq(tostring(slope.expr "x^2 + y^2 + x*y + 2*x + 3*y + 5"), "x^2 + x*y + y^2 + 2*x + 3*y + 5", "polynomial order")
check.eq(slope.diff("x^2*sin(x)", "x"):eval{ x = 0.5 }, 2*0.5*math.sin(0.5) + 0.25*math.cos(0.5), "slope.diff")

-- eval and subs
local f = (1 - x)^2 + 100*(y - x^2)^2
check.near(f:eval{ x = 0.5, y = 2 }, 0.25 + 100*(2 - 0.25)^2, 1e-15, "rosenbrock value")
check.eq(tostring(f:subs{ y = 1 }:subs{ x = 1 }), "0", "subs to the minimum")
check.err(function() return f:eval{ x = 1 } end, "no value given for variable 'y'", "eval names the missing variable")
check.eq(f:eval{ x = 1, y = 1, z = 3 }, 0, "eval ignores names the expression does not use")
-- one variable takes its value as a number, none takes nothing
local q = slope.expr "x^3 - 2*x"
check.eq(q:eval(1.5), 1.5^3 - 2*1.5, "eval(number) with one variable")
check.eq(q:eval(1.5), q:eval{ x = 1.5 }, "eval(number) is eval{ x = number }")
check.eq(slope.expr("2*pi + 1"):eval(), 2*math.pi + 1, "eval() of a constant")
check.err(function() return f:eval(1) end, "bad argument #1 to 'eval' %(the expression has 2 variables: give a table",
          "eval(number) with two variables")
check.err(function() return q:eval() end, "bad argument #1 to 'eval' %(table expected", "eval() with a variable")
check.err(function() return q:eval "1" end, "bad argument #1 to 'eval' %(table expected, got string%)", "eval(string)")

-- gradient and Hessian against finite differences and closed forms
local g = f:grad()
check.eq(#g, 2, "gradient length")
local gx = g[1]:eval{ x = -1.2, y = 1 }
local h = 1e-6
local fd = (f:eval{ x = -1.2 + h, y = 1 } - f:eval{ x = -1.2 - h, y = 1 }) / (2*h)
check.near(gx, fd, 1e-6, "gradient vs finite difference")
local H = f:hessian()
check.near(H[1][1]:eval{ x = 1, y = 1 }, 802, 1e-12, "hessian xx at the minimum")
check.near(H[1][2]:eval{ x = 1, y = 1 }, -400, 1e-12, "hessian xy")
check.ok(H[1][2] == H[2][1], "hessian is symmetric")
check.near(H[2][2]:eval{ x = 1, y = 1 }, 200, 1e-12, "hessian yy")

-- vars, size, latex, ccode
local v = f:vars()
check.eq(table.concat(v, ","), "x,y", "vars sorted")
check.ok(f:size() > 3, "size counts nodes")
check.ok(slope.expr "sqrt(x)/2":latex():find("\\sqrt", 1, true) ~= nil, "latex has sqrt")
check.ok(f:ccode{ name = "rosen" }:find("rosen", 1, true) ~= nil, "ccode names the function")

-- compiled functions
local fn = f:compile{ "x", "y" }
check.near(fn(0.5, 2), f:eval{ x = 0.5, y = 2 }, 1e-15, "compiled value")
local val, grad = fn:grad(-1.2, 1)
check.near(val, f:eval{ x = -1.2, y = 1 }, 1e-15, "compiled value with gradient")
check.near(grad[1], -2*(1 - -1.2) - 400*-1.2*(1 - 1.44), 1e-12, "compiled gradient x")
check.near(grad[2], 200*(1 - 1.44), 1e-12, "compiled gradient y")

-- data reductions compiled with columns
local X, Y = { 1, 2, 3, 4 }, { 3, 5, 7, 9 }
local mse = slope.expr "mean((w*x + b - y)^2)"
local m = mse:compile({ "w", "b" }, { x = X, y = Y })
local fw, gw = m:grad(0.5, 0.25)
local sf, sw, sb = 0, 0, 0
for i = 1, 4 do
  local r = 0.5*X[i] + 0.25 - Y[i]
  sf, sw, sb = sf + r*r, sw + 2*r*X[i], sb + 2*r
end
check.near(fw, sf/4, 1e-14, "mse value vs hand loop")
check.near(gw[1], sw/4, 1e-14, "mse d/dw vs hand loop")
check.near(gw[2], sb/4, 1e-14, "mse d/db vs hand loop")

-- functions of numbers stay numbers; of Exprs become Exprs
check.near(slope.sin(0.5), math.sin(0.5), 0, "slope.sin of a number")
check.eq(tostring(slope.sin(x)), "sin(x)", "slope.sin of an Expr")
check.eq(tostring(slope.sqrt(x)), "sqrt(x)", "sqrt prints as sqrt")
check.eq(tostring(slope.mean(x*y)), "mean(x*y)", "mean")

-- errors are Lua errors with positions, never crashes
check.err(function() return slope.expr "x^2 * " end, "1:7: expected an expression after '%*'", "syntax error with position")
check.err(function() return x + {} end, "cannot apply '%+'", "operator on a table")
check.err(function() return slope.expr "sine(x)" end, "unknown function 'sine'", "unknown function")
check.err(function() return f:compile{ "x" } end, "'y'", "compile names the missing parameter")

check.done()
