-- tiny_mlp.lua -- the recipe of large-model training at a size that runs in
-- a second: small tanh networks written with matrices, trained with AdamW,
-- a linear warm-up then cosine decay of the learning rate, gradient
-- clipping and weight decay.
--
--   slope examples/tiny_mlp.lua [outdir]
--
-- 1. A 2-16-1 network fitted to a sine: the input is a point on the circle,
--    (cos t, sin t), the target sin(3t).  The hidden layer is
--    tanh(W @ x + b) (W is 16x2), the output dot(v, hidden) + c.
-- 2. A 2-8-2 network that tells two interleaved moons apart: its two scores
--    V @ tanh(W @ x + b) + c go into the mean cross-entropy against the
--    labels, as in classifier.lua.
-- Each is one expression; the gradient with respect to every matrix is
-- computed symbolically, in matrix form, and compiled to a tape.

local outdir = arg and arg[1] or "."
local pi = math.pi

-- The recipe: AdamW with weight decay, a warm-up over the first steps (the
-- rate grows linearly from 1% to 100%), then cosine decay to 0, and the
-- global gradient norm clipped at 1.
local function recipe(lr, steps, warmup)
  return {
    optimizer = slope.optim.adamw{ lr = lr, weight_decay = 1e-4 },
    schedule = slope.schedule.sequential{
      schedules = { slope.schedule.linear{ start_factor = 0.01, end_factor = 1, total_iters = warmup },
                    slope.schedule.cosine{ T_max = steps - warmup } },
      milestones = { warmup } },
    clip = { norm = 1 },
    steps = steps,
  }
end

-- ---- 1. a sine ---------------------------------------------------------------------------

local n, x, y, t = 64, {}, {}, {}
for i = 1, n do
  t[i] = 2 * pi * (i - 1) / n
  x[i], y[i] = { math.cos(t[i]), math.sin(t[i]) }, math.sin(3 * t[i])
end
local sine = slope.data{ x = x, y = y }
local net = slope.expr "mean((dot(v, tanh(W @ x + b)) + c - y)^2)"
print("loss      = " .. tostring(net))
print("d loss/dW = " .. tostring(slope.diff(net, "W")))
print()

local start = { W = slope.randn(16, 2, { seed = 1 }), b = slope.zeros(16),
                v = slope.randn(16, { std = 0.25, seed = 2 }), c = 0 }
local o = recipe(0.05, 1500, 100)
o.data = sine
local fit = slope.minimize(net, start, o)
print(("2-16-1 on sin(3t): loss %.3g after %d steps (from %.3g)"):format(fit.f, fit.steps, fit.trace[0].f))

-- the fitted curve over t, with the network evaluated by hand in Lua
local function forward(p, px)
  local out = p.c
  for j = 1, #p.v do out = out + p.v[j] * math.tanh(p.W[j][1] * px[1] + p.W[j][2] * px[2] + p.b[j]) end
  return out
end
local worst = 0
for i = 1, n do worst = math.max(worst, math.abs(forward(fit.x, x[i]) - y[i])) end
print(("largest error over the %d points: %.3f"):format(n, worst))
slope.plot.fit{ data = { t = t, y = y }, x = "t",
  model = function(tt) return forward(fit.x, { math.cos(tt), math.sin(tt) }) end,
  title = "A 2-16-1 tanh network fitted to sin(3t) on the circle",
  file = outdir .. "/tiny_mlp_sine.svg" }

-- ---- 2. two moons ------------------------------------------------------------------------

-- two interleaved half circles, with noise of std 0.1 from slope's generator
local function moons(m, seed)
  local z = slope.randn(2 * m, 2, { std = 0.1, seed = seed })
  local px, label = {}, {}
  for i = 1, m do
    local a = pi * (i - 1) / (m - 1)
    px[i], label[i] = { math.cos(a) + z[i][1], math.sin(a) + z[i][2] }, 1
    px[m + i], label[m + i] = { 1 - math.cos(a) + z[m + i][1], 0.5 - math.sin(a) + z[m + i][2] }, 2
  end
  return px, label
end
local mx, ml = moons(100, 3)
local tx, tl = moons(100, 4)
local classifier = slope.expr "mean(cross_entropy(V @ tanh(W @ x + b) + c, label))"
local o2 = recipe(0.05, 800, 50)
o2.data = slope.data{ x = mx, label = ml }
local moon = slope.minimize(classifier, { W = slope.randn(8, 2, { seed = 5 }), b = slope.zeros(8),
  V = slope.randn(2, 8, { std = 0.5, seed = 6 }), c = slope.zeros(2) }, o2)

local function accuracy(p, px, label)
  local right = 0
  for i = 1, #px do
    local h = {}
    for j = 1, 8 do h[j] = math.tanh(p.W[j][1] * px[i][1] + p.W[j][2] * px[i][2] + p.b[j]) end
    local s = {}
    for k = 1, 2 do
      s[k] = p.c[k]
      for j = 1, 8 do s[k] = s[k] + p.V[k][j] * h[j] end
    end
    if (s[2] > s[1] and 2 or 1) == label[i] then right = right + 1 end
  end
  return right / #px
end
print()
print(("2-8-2 on two moons: loss %.3g after %d steps"):format(moon.f, moon.steps))
print(("train accuracy: %.1f%%, test accuracy: %.1f%% (200 points each)"):format(
  100 * accuracy(moon.x, mx, ml), 100 * accuracy(moon.x, tx, tl)))
local lrs = moon.trace:column "lr"
print(("learning rate: %.4g at step 1, %.4g at step 50 (warm), %.3g at the end (cosine)"):format(
  lrs[2], lrs[51], lrs[#lrs]))
slope.plot.curve{ series = { { name = "sine, 2-16-1", fit }, { name = "moons, 2-8-2", moon } }, log = true,
  title = "AdamW + warm-up + cosine decay + clipping: the training loss",
  file = outdir .. "/tiny_mlp_loss.svg" }
print("wrote " .. outdir .. "/tiny_mlp_sine.svg and " .. outdir .. "/tiny_mlp_loss.svg")
