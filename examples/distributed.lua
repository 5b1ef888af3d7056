-- distributed.lua -- linear regression on 10^6 generated rows with
-- distributed = true: under mpirun each rank evaluates its shard of the rows
-- and the ranks' gradients are summed with MPI_Allreduce, so every rank makes
-- the same steps and ends at the same point, the point one process reaches
-- (to rounding).  Without mpirun it is an ordinary one-process run.
--
--   slope examples/distributed.lua
--   mpirun -n 4 slope examples/distributed.lua
--
-- y = 2 x1 - 3 x2 + 0.5 x3 + 1 + noise (std 0.1); plain gradient descent
-- from 0 with lr 0.3 on the mean squared error, then the least-squares
-- answer it converges to, from the normal equations, for comparison.

local n = 1000000
local truth = { 2, -3, 0.5 }
local data = slope.data.regression{ n = n, w = truth, b = 1, noise = 0.1, seed = 2024 }
local f = slope.expr "mean((w1*x1 + w2*x2 + w3*x3 + b - y)^2)"
local r = slope.minimize(f, { w1 = 0, w2 = 0, w3 = 0, b = 0 }, {
  data = data, steps = 60, lr = 0.3, distributed = true, trace = false })
print(("after %d steps over %d rows: f = %.10f"):format(r.steps, n, r.f))
print(("w1 = %.6f  w2 = %.6f  w3 = %.6f  b = %.6f  (truth 2, -3, 0.5, 1)"):format(r.x.w1, r.x.w2, r.x.w3, r.x.b))

-- the least-squares solution: (X'X) beta = X'y with the columns x1, x2, x3, 1
local cols = { data:column "x1", data:column "x2", data:column "x3" }
local y = data:column "y"
local A, v = {}, {}
for i = 1, 4 do A[i] = { 0, 0, 0, 0 }; v[i] = 0 end
for k = 1, n do
  local row = { cols[1][k], cols[2][k], cols[3][k], 1 }
  for i = 1, 4 do
    v[i] = v[i] + row[i] * y[k]
    for j = 1, 4 do A[i][j] = A[i][j] + row[i] * row[j] end
  end
end
for i = 1, 4 do   -- Gaussian elimination (X'X is well conditioned here)
  for j = i + 1, 4 do
    local m = A[j][i] / A[i][i]
    for c = i, 4 do A[j][c] = A[j][c] - m * A[i][c] end
    v[j] = v[j] - m * v[i]
  end
end
local beta = {}
for i = 4, 1, -1 do
  local s = v[i]
  for j = i + 1, 4 do s = s - A[i][j] * beta[j] end
  beta[i] = s / A[i][i]
end
print(("least squares: w1 = %.6f  w2 = %.6f  w3 = %.6f  b = %.6f"):format(beta[1], beta[2], beta[3], beta[4]))
local gap = math.max(math.abs(r.x.w1 - beta[1]), math.abs(r.x.w2 - beta[2]), math.abs(r.x.w3 - beta[3]),
                     math.abs(r.x.b - beta[4]))
print(("largest gap to least squares: %.2e"):format(gap))
