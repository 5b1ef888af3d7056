-- polynomial.lua -- a degree-5 polynomial fitted to noisy data, with ONE
-- vector of coefficients: no names a0 ... a5 generated in Lua.
--
--   slope examples/polynomial.lua [outdir]
--
-- The model is dot(a, x^range(0, 5)) = a[1] + a[2] x + ... + a[6] x^5: the
-- vector range(0, 5) = (0, 1, ..., 5) raises the current row's x to each
-- power, and dot adds the terms up with the coefficients a.  The loss is
-- the mean squared error over the data rows; its gradient with respect to
-- the whole vector a is one vector expression.  L-BFGS fits it; the normal
-- equations (solved below in plain Lua) give the same least-squares answer.

local outdir = arg and arg[1] or "."
local truth = { 0.5, -1, 2, 0.3, -1.5, 0.8 }   -- a[1] + a[2] x + ... + a[6] x^5
local degree = #truth - 1

-- 40 points on [-1, 1], with noise of std 0.05 from slope's generator
local n, xs, ys = 40, {}, {}
local noise = slope.randn(n, { std = 0.05, seed = 11 })
local function poly(a, x)
  local s = 0
  for k = #a, 1, -1 do s = s * x + a[k] end
  return s
end
for i = 1, n do
  xs[i] = -1 + 2 * (i - 1) / (n - 1)
  ys[i] = poly(truth, xs[i]) + noise[i]
end
local data = slope.data{ x = xs, y = ys }

local loss = slope.expr(("mean((dot(a, x^range(0, %d)) - y)^2)"):format(degree))
print("loss        = " .. tostring(loss))
print("d loss / da = " .. tostring(slope.diff(loss, "a")))
print()

local r = slope.minimize(loss, { a = slope.zeros(degree + 1) },
  { data = data, optimizer = slope.optim.lbfgs{ line_search = "strong_wolfe", tolerance_grad = 1e-15, tolerance_change = 1e-18 }, steps = 100, tol = { grad = 1e-12 } })

-- The least-squares coefficients from the normal equations (V^T V) a = V^T y,
-- V the Vandermonde matrix, by Gaussian elimination with partial pivoting.
local m = degree + 1
local A, rhs = {}, {}
for j = 1, m do
  A[j], rhs[j] = {}, 0
  for k = 1, m do
    A[j][k] = 0
    for i = 1, n do A[j][k] = A[j][k] + xs[i]^(j - 1) * xs[i]^(k - 1) end
  end
  for i = 1, n do rhs[j] = rhs[j] + xs[i]^(j - 1) * ys[i] end
end
for c = 1, m do
  local piv = c
  for r2 = c + 1, m do if math.abs(A[r2][c]) > math.abs(A[piv][c]) then piv = r2 end end
  A[c], A[piv], rhs[c], rhs[piv] = A[piv], A[c], rhs[piv], rhs[c]
  for r2 = c + 1, m do
    local q = A[r2][c] / A[c][c]
    for k = c, m do A[r2][k] = A[r2][k] - q * A[c][k] end
    rhs[r2] = rhs[r2] - q * rhs[c]
  end
end
local ls = {}
for c = m, 1, -1 do
  local s = rhs[c]
  for k = c + 1, m do s = s - A[c][k] * ls[k] end
  ls[c] = s / A[c][c]
end

print(("L-BFGS: %d steps, loss = %.6g (%s)"):format(r.steps, r.f, r.status))
print()
print("power   true     fitted      least squares")
local worst = 0
for k = 1, m do
  print(("x^%d   %6.3f   %9.6f   %9.6f"):format(k - 1, truth[k], r.x.a[k], ls[k]))
  worst = math.max(worst, math.abs(r.x.a[k] - ls[k]))
end
print(("largest difference from the normal equations: %.1e"):format(worst))

slope.plot.fit{ data = data, model = function(x) return poly(r.x.a, x) end,
  title = "A degree-5 polynomial, one vector of coefficients: dot(a, x^range(0, 5))",
  file = outdir .. "/polynomial_fit.svg" }
print("wrote " .. outdir .. "/polynomial_fit.svg")
