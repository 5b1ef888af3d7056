-- test_arrays.lua -- the Lua face of arrays in the expression language:
-- shaped variables, indexing, the functions of arrays, derivatives that
-- stay arrays, and eval with Lua arrays, against hand loops and central
-- differences.
local check = dofile("tests/check.lua")

local w, x = slope.var("w", 3), slope.var("x", 3)
local W = slope.var("W", 2, 3)

-- building: operators, indexing, lengths, the functions of arrays
check.eq(tostring(slope.dot(w, x) + slope.sum(w^2)), "sum(w^2) + dot(w, x)", "dot and sum")
check.eq(tostring(w[1] + w[#w]), "w[1] + w[#w]", "w[i] and #w")
check.eq(tostring(W:at(2, 3)), "W[2, 3]", "W:at(i, j)")
check.eq(tostring(w:slice(2, #w)), "w[2..#w]", "w:slice(a, b)")
check.eq(tostring(slope.matmul(W, x)), "W @ x", "slope.matmul")
check.eq(tostring(slope.max(w)), "max(w)", "max of one array")
check.eq(tostring(slope.max(w, x)), "max(w, x)", "max of two stays element-wise")
check.ok(slope.outer(w, x) == slope.expr "outer(w, x)", "slope.outer is the parsed node")
check.eq(tostring(slope.cross_entropy(slope.matmul(W, x), slope.var "k")), "cross_entropy(W @ x, k)", "cross_entropy")
check.eq(slope.max(2, 3), 3, "max of numbers is a number")

-- derivatives stay arrays
check.eq(tostring(slope.diff("dot(w, x)", "w")), "x", "d dot(w, x)/dw")
check.eq(tostring(slope.diff("sum(w^2)", "w")), "2*w", "d sum(w^2)/dw: w is a vector (slope.var)")
check.eq(tostring((slope.dot(w, x) + slope.sum(w^2)):diff "w"), "2*w + x", "Expr:diff")
local rosen = slope.expr "sum(i = 1..#x-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)"
check.eq(tostring(rosen), "sum(100*(x[2..#x] - x[1..#x - 1]^2)^2 + (1 - x[1..#x - 1])^2)", "indexed sum")
local g = rosen:diff "x"
check.eq(tostring(slope.expr(tostring(g))), tostring(g), "the gradient reads back")
check.ok(slope.expr(tostring(g)) == g, "to the same node")
-- a scalar expression of scalars: as before
check.eq(tostring(slope.expr "(a*z + b - y)^2":diff "a"), "2*z*(a*z + b - y)", "scalar derivatives unchanged")

-- a scalar name inside what must be an array (dot(a*z, y), softmax(a*z)):
-- the names beside it are the arrays, and its derivative is a scalar
check.eq(tostring(slope.diff("dot(a*z, y)", "a")), "sum(y*z)", "d dot(a*z, y)/da: z is a vector")
check.eq(tostring(slope.diff("dot(2*w, x)", "w")), "2*x", "d dot(2*w, x)/dw: only w can be the vector")
do
  local f = slope.expr "dot(softmax(a*z), y) + logsumexp(a*z + b)"
  local d = f:diff "a"
  local at = { a = 0.7, z = { 1, 2, 3 }, y = { 0.5, -1, 2 }, b = { 0.1, 0, -0.3 } }
  local function fa(a) at.a = a; return f:eval(at) end
  local h, v = 1e-5, d:eval(at)
  check.eq(type(v), "number", "d/da of a scalar with vectors inside is a number")
  check.near(v, (fa(0.7 + h) - fa(0.7 - h)) / (2 * h), 1e-8, "d/da through softmax and logsumexp: central differences")
end

-- eval with Lua arrays, against hand loops
local pt = { x = { 0.3, -1.2, 2.0, 0.5 } }
local want = 0
for i = 1, 3 do want = want + 100*(pt.x[i+1] - pt.x[i]^2)^2 + (1 - pt.x[i])^2 end
check.near(rosen:eval(pt), want, 1e-12, "Rosenbrock of 4")
local gv = g:eval(pt)
check.eq(#gv, 4, "the gradient is a vector of 4")
for i = 1, 4 do
  local h, xp, xm = 1e-6, { table.unpack(pt.x) }, { table.unpack(pt.x) }
  xp[i], xm[i] = xp[i] + h, xm[i] - h
  local fd = (rosen:eval{ x = xp } - rosen:eval{ x = xm }) / (2*h)
  check.near(gv[i], fd, 1e-5 * (1 + math.abs(fd)), "gradient element " .. i)
end
local r = slope.expr("W @ x + b"):eval{ W = { { 1, 2 }, { 3, 4 }, { 5, 6 } }, x = { 1, 1 }, b = 1 }
check.eq(r, { 4, 8, 12 }, "W @ x + b")
local o = slope.expr("outer(a, b)"):eval{ a = { 1, 2 }, b = { 3, 4, 5 } }
check.eq(o, { { 3, 4, 5 }, { 6, 8, 10 } }, "outer as rows")
local z = { 1, -2, 3 }
local lse = math.log(math.exp(1) + math.exp(-2) + math.exp(3))
check.near(slope.expr("cross_entropy(z, 2)"):eval{ z = z }, lse + 2, 1e-14, "cross_entropy")
check.near(slope.expr("logsumexp(1000*z)"):eval{ z = z }, 3000, 1e-12, "logsumexp never overflows")

-- errors, with positions
check.err(function() return slope.expr("W @ x"):eval{ W = { { 1, 2 }, { 3 } }, x = { 1, 2 } } end,
          "row 2 of 'W' must be a list of 2 numbers", "a ragged table of rows")
check.err(function() return slope.expr("x + W"):eval{ W = { { 1, 2 }, { 3, 4 } }, x = { 1, 2 } } end,
          "1:1: shapes do not fit: '%+' of a 2x2 matrix and a vector of 2", "mismatched shapes")
check.err(function() return slope.expr("1 + x[4]"):eval{ x = { 1, 2 } } end,
          "1:5: index 4 is out of range 1..2", "an index out of range")
check.err(function() return slope.expr("sum(i = 1..#x, x[i+1])"):eval{ x = { 1, 2 } } end,
          "1:1: slice 2..3 is out of range 1..2", "an index out of range from an indexed sum")
check.err(function() return slope.expr("cross_entropy(z, 4)"):eval{ z = z } end,
          "label 4 is outside 1..3", "a label outside 1..n")
check.err(function() return slope.var("v", 0) end, "a length must be a whole number from 1", "slope.var length")
check.err(function() return w[{}] end, "indexed by a number or an Expr", "w[table]")

-- the latest slope.var of a name says its shape
local v3 = slope.var("v", 3)
check.eq(tostring(slope.diff(slope.sum(v3^2), "v")), "2*v", "v is a vector")
slope.var "v"
check.eq(tostring(slope.diff("sum(v^2)", "v")), "sum(2*v)", "v is a scalar again (a sum over data rows)")

check.done()
