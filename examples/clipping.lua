-- clipping.lua -- gradient clipping: when the gradient is huge, one step can
-- throw the parameters off a cliff. Clipping caps the step's gradient (by its
-- length, clip = { norm = c }, PyTorch's clip_grad_norm_; or each component,
-- clip = { value = c }) so every step stays a step.
--
--   slope examples/clipping.lua [outdir]
--
-- Part 1: descent on x^4 from x = 3 with lr 0.1 explodes; clipped, it walks
-- down. Part 2: gradient ascent on the expected reward of a softmax policy
-- (the reinforcement-learning use of ascent), where rewards in the hundreds
-- make the gradient large and an unclipped step commits to the wrong action.

local outdir = arg and arg[1] or "."

-- 1. x^4: f'(3) = 108, so the first step jumps to 3 - 0.1*108 = -7.8, where
--    f' = -1898, and every later step is bigger still.
local f = slope.expr "x^4"
print("descent on x^4 from x = 3, lr 0.1, 100 steps:")
local runs = {}
for _, c in ipairs { { "no clipping" }, { "clip norm 1", { norm = 1 } }, { "clip value 0.5", { value = 0.5 } } } do
  local r = slope.minimize(f, { x = 3 }, { lr = 0.1, steps = 100, clip = c[2] })
  print(("  %-15s %-10s after %3d steps x = %-12.4g f = %.4g"):format(c[1], r.status, r.steps, r.x.x, r.f))
  if r.status == "diverged" then
    local xs = {}
    for k = 0, math.min(3, #r.trace) do xs[#xs + 1] = ("%.4g"):format(r.trace[k].x.x) end
    print("    x went " .. table.concat(xs, " -> ") .. " -> ...")
    print("    " .. r.message)
  else
    runs[#runs + 1] = { name = c[1], r }
  end
end
print()

-- 2. A policy over three actions A, B, C with rewards 200, 400, 1000: action i
--    is taken with probability softmax(a, b, c)_i, and the expected reward is
--    J(a, b, c) = sum_i p_i * reward_i. Gradient ascent on J is policy gradient.
local J = slope.expr "(200*exp(a) + 400*exp(b) + 1000*exp(c)) / (exp(a) + exp(b) + exp(c))"
local pc = slope.expr "exp(c) / (exp(a) + exp(b) + exp(c))":compile { "a", "b", "c" }
local start = { a = 1, b = 1, c = -2 }          -- C is rarely tried at first (p = 0.024)
local J0, g = J:compile { "a", "b", "c" }:grad(start.a, start.b, start.c)
print(("expected reward J = %s\nstart a = 1, b = 1, c = -2: J = %.1f, gradient (%.1f, %.1f, %.1f)"):format(
  tostring(J), J0, g[1], g[2], g[3]))

local plain = slope.maximize(J, start, { lr = 1, steps = 60 })
local clipped = slope.maximize(J, start, { lr = 1, steps = 60, clip = { norm = 1 } })
print("\ngradient ascent, lr 1:      without clipping      with clip = { norm = 1 }")
print("   step               J     p(C)          J     p(C)")
for _, k in ipairs { 0, 1, 2, 5, 10, 20, 40, 60 } do
  local u, v = plain.trace[k].x, clipped.trace[k].x
  print(("   %4d %11.1f %8.4f %10.1f %8.4f"):format(k, J:eval(u), pc(u.a, u.b, u.c), J:eval(v), pc(v.a, v.b, v.c)))
end
print("Unclipped, the first step is the whole gradient (length 72): it pushes a down and b")
print("up so far that p(C) collapses to ~0 and the gradient towards C vanishes: stuck at")
print("B's 400. Clipped, each step has length 1, C keeps a chance, and J climbs to 1000.")

slope.plot.curve{ series = runs, log = true, ylabel = "x^4",
  title = "Descent on x^4 from x = 3, lr 0.1, clipped (unclipped diverges)",
  file = outdir .. "/clipping_quartic.svg" }
slope.plot.curve{ series = { { name = "without clipping", plain }, { name = "clip norm 1", clipped } },
  ylabel = "expected reward J", title = "Policy-gradient ascent on a 3-action softmax policy",
  file = outdir .. "/clipping_policy.svg" }
print("wrote " .. outdir .. "/clipping_quartic.svg and " .. outdir .. "/clipping_policy.svg")
