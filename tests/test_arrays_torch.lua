-- test_arrays_torch.lua -- array models against PyTorch (issue 11, "Tests"):
-- values and gradients of a linear model with a vector of weights, a softmax
-- classifier, a two-layer tanh network and N-dimensional Rosenbrock, and
-- 50 steps of Adam and AdamW on the network, all against
-- tests/ref/arrays_ref.lua (made by tests/ref/gen_arrays.py with PyTorch,
-- float64).  Values and gradients agree to 1e-12, trajectories to 1e-9
-- relative.
-- Run from the repository root: build/slope tests/test_arrays_torch.lua
local check = dofile("tests/check.lua")
local ref = dofile("tests/ref/arrays_ref.lua")

-- |a - b| <= tol * max(1, |b|) for numbers, element by element for tables
local function close(a, b, tol, msg)
  if type(b) == "table" then
    check.ok(type(a) == "table" and #a == #b, msg .. ": the same shape")
    local worst, at = 0, nil
    local function walk(x, y, where)
      for i = 1, #y do
        if type(y[i]) == "table" then walk(x[i], y[i], where .. "[" .. i .. "]")
        else
          local e = math.abs(x[i] - y[i]) / math.max(1, math.abs(y[i]))
          if not (e <= worst) then worst, at = e, where .. "[" .. i .. "]" end
        end
      end
    end
    if type(a) == "table" and #a == #b then walk(a, b, "") end
    check.ok(worst <= tol, ("%s: largest relative error %.3g%s (tol %g)"):format(msg, worst, at and " at " .. at or "", tol))
  else
    check.near(a, b, tol, msg)
  end
end

-- value and gradient of 'f' at the case's start, against PyTorch's
local function value_and_grad(name, f, case, data)
  local p = slope.problem(f, case.start, { data = data })
  close(p.f, case.f, 1e-12, name .. ": the value")
  local g = p.g
  for k, want in pairs(case.grad) do close(g[k], want, 1e-12, name .. ": d/d" .. k) end
end

local lin = ref.linear
value_and_grad("linear model", "mean((dot(w, x) + b - y)^2)", lin, slope.data{ x = lin.x, y = lin.y })

local sm = ref.softmax
local sm_data = slope.data{ x = sm.x, label = sm.label }
value_and_grad("softmax classifier", "mean(cross_entropy(W @ x + b, label))", sm, sm_data)

local net = "mean((dot(v, tanh(W @ x + b)) + c - y)^2)"
local mlp = ref.mlp
local mlp_data = slope.data{ x = mlp.x, y = mlp.y }
value_and_grad("2-8-1 tanh network", net, mlp, mlp_data)

for _, n in ipairs { 10, 1000 } do
  local t = slope.testfn.rosenbrock{ n = n }
  value_and_grad(("rosenbrock, n = %d"):format(n), t.expr, ref["rosenbrock" .. n])
end

-- 50 steps of Adam and of AdamW (weight decay) on the network
for _, case in ipairs {
  { "adam", slope.optim.adam{ lr = 0.01 } },
  { "adamw", slope.optim.adamw{ lr = 0.02, weight_decay = 0.1 } },
} do
  local want = ref[case[1]]
  local r = slope.minimize(net, mlp.start, { data = mlp_data, optimizer = case[2], steps = 50 })
  local fs = r.trace:column "f"
  local got = {}
  for k = 1, 50 do got[k] = fs[k] end   -- row k - 1: the loss before step k
  close(got, want.f, 1e-9, case[1] .. ": the loss before each of 50 steps")
  for k, v in pairs(want.x) do close(r.x[k], v, 1e-9, case[1] .. ": " .. k .. " after 50 steps") end
end

check.done()
