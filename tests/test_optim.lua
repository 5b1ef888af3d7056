-- test_optim.lua -- optimizers, schedules and noise from Lua, inside runs:
-- hyperparameters as fields, seeds and batching, the noise formulas, clipping,
-- per-parameter rates, schedules per step and per epoch, Lua functions as
-- schedules, and onecycle driving momentum.  Trajectories are checked
-- against hand loops written here; noise against exact cross-checks (two
-- runs on one seed whose draws must agree bit for bit) and statistics.
-- Run from the repository root: build/slope tests/test_optim.lua
local check = dofile("tests/check.lua")

-- ---- optimizers as objects ----------------------------------------------------------------

do
  -- every constructor, with PyTorch's default lr (DESIGN.md's table)
  local lrs = { sgd = 1e-3, adam = 1e-3, adamw = 1e-3, rmsprop = 1e-2, adagrad = 1e-2, adadelta = 1,
                adamax = 2e-3, nadam = 2e-3, radam = 1e-3, rprop = 1e-2, asgd = 1e-2, lbfgs = 1, newton = 1 }
  for kind, lr in pairs(lrs) do
    local o = slope.optim[kind]()
    check.eq({ o.kind, o.lr }, { kind, lr }, kind .. ": kind and default lr")
  end
  check.eq(slope.optim.anneal{}.kind, "anneal", "anneal exists")
  check.eq(slope.optim.adamw{}.weight_decay, 0.01, "adamw's decoupled weight decay defaults to 1e-2")
  check.eq(slope.optim.adam{}.betas, { 0.9, 0.999 }, "adam betas")
  check.eq(slope.optim.rprop{}.etas, { 0.5, 1.2 }, "rprop etas")
  check.eq(slope.optim.rprop{}.step_sizes, { 1e-6, 50 }, "rprop step_sizes")
  check.eq({ slope.optim.asgd{}.lambd, slope.optim.asgd{}.alpha, slope.optim.asgd{}.t0 }, { 1e-4, 0.75, 1e6 }, "asgd")
  check.eq({ slope.optim.lbfgs{}.max_iter, slope.optim.lbfgs{}.history_size }, { 20, 100 }, "lbfgs")
  check.eq(slope.optim.nadam{}.momentum_decay, 4e-3, "nadam momentum_decay")
  check.eq(slope.optim.rmsprop{}.alpha, 0.99, "rmsprop alpha")

  local o = slope.optim.adam{ lr = 0.01, amsgrad = true }
  check.eq(o:hypers(), { "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize" }, "adam's hyperparameters")
  check.eq({ o.lr, o.amsgrad, o.maximize }, { 0.01, true, false }, "values, booleans as booleans")
  o.lr = 0.005
  o.betas = { 0.5, 0.75 }
  o.amsgrad = false
  check.eq({ o.lr, o.betas, o.amsgrad }, { 0.005, { 0.5, 0.75 }, false }, "fields are writable")
  check.ok(tostring(o):find("lr = 0.005", 1, true) ~= nil, "tostring shows the values: " .. tostring(o))
  check.eq(o:reset(), o, "reset returns the optimizer")
  local s = slope.optim.sgd{ lr = 0.1, momentum = 0.9, nesterov = true }
  check.eq({ s.momentum, s.nesterov }, { 0.9, true }, "sgd nesterov")
  check.err(function() s.momentum = 0 end, "nesterov requires momentum > 0", "nesterov's rule on writes too")
  check.eq(s.momentum, 0.9, "a refused write changes nothing")
  check.eq(slope.optim.lbfgs{ line_search = "strong_wolfe" }.line_search, "strong_wolfe", "line_search")
  check.eq(slope.optim.lbfgs{}.line_search, nil, "no line search by default")
  check.err(function() slope.optim.lbfgs{ line_search = "armijo" } end, "strong_wolfe", "bad line_search")
  check.err(function() slope.optim.sgd{ lr = "fast" } end, "lr must be a number", "lr as a string")
  check.err(function() slope.optim.sgd(5) end, "table expected", "options not a table")
end

-- ---- optimizers in runs, against hand loops ------------------------------------------------

do -- sgd with momentum, dampening and weight decay (torch.optim.SGD's rule)
  local r = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 },
    { optimizer = slope.optim.sgd{ lr = 0.05, momentum = 0.8, dampening = 0.1, weight_decay = 0.01 }, steps = 25 })
  local x, buf, ok = { 5, -4 }, {}, true
  for k = 1, 25 do
    local g = { 2 * x[1], 6 * x[2] }
    for i = 1, 2 do
      local d = g[i] + 0.01 * x[i]
      buf[i] = k == 1 and d or buf[i] * 0.8 + (1 - 0.1) * d
      x[i] = x[i] + -0.05 * buf[i]
    end
    ok = ok and r.trace[k].x.x == x[1] and r.trace[k].x.y == x[2]
  end
  check.ok(ok, "sgd momentum/dampening/weight_decay equals the hand loop bit for bit")

  -- nesterov
  local rn = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 },
    { optimizer = slope.optim.sgd{ lr = 0.05, momentum = 0.9, nesterov = true }, steps = 25 })
  x, buf, ok = { 5, -4 }, {}, true
  for k = 1, 25 do
    local g = { 2 * x[1], 6 * x[2] }
    for i = 1, 2 do
      buf[i] = k == 1 and g[i] or buf[i] * 0.9 + 1 * g[i]
      x[i] = x[i] + -0.05 * (g[i] + 0.9 * buf[i])
    end
    ok = ok and rn.trace[k].x.x == x[1] and rn.trace[k].x.y == x[2]
  end
  check.ok(ok, "sgd nesterov equals the hand loop")

  -- adam with bias correction
  local ra = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 }, { optimizer = slope.optim.adam{ lr = 0.1 }, steps = 30 })
  local m, v = { 0, 0 }, { 0, 0 }
  x, ok = { 5, -4 }, true
  for k = 1, 30 do
    local g = { 2 * x[1], 6 * x[2] }
    local bc1, bc2 = 1 - 0.9^k, math.sqrt(1 - 0.999^k)
    for i = 1, 2 do
      m[i] = m[i] * 0.9 + (1 - 0.9) * g[i]
      v[i] = v[i] * 0.999 + (1 - 0.999) * g[i] * g[i]
      x[i] = x[i] + -(0.1 / bc1) * (m[i] / (math.sqrt(v[i]) / bc2 + 1e-8))
    end
    ok = ok and math.abs(ra.trace[k].x.x - x[1]) <= 1e-14 and math.abs(ra.trace[k].x.y - x[2]) <= 1e-14
  end
  check.ok(ok, "adam equals the hand loop")

  -- newton on a quadratic lands on the minimum (-1/3, -4/3) in one step
  local rq = slope.minimize("x^2 + y^2 + x*y + 2*x + 3*y + 5", { x = 4, y = 4 }, { optimizer = slope.optim.newton{}, steps = 1 })
  check.near(rq.x.x, -1 / 3, 1e-14, "newton x")
  check.near(rq.x.y, -4 / 3, 1e-14, "newton y")
  check.near(rq.grad_norm, 0, 1e-13, "newton: zero gradient after one step")
  -- lbfgs with line search converges on Rosenbrock
  local rl = slope.minimize("(1 - x)^2 + 100*(y - x^2)^2", { x = -1.2, y = 1 },
    { optimizer = slope.optim.lbfgs{ line_search = "strong_wolfe" }, steps = 20 })
  check.ok(math.abs(rl.x.x - 1) < 1e-4 and math.abs(rl.x.y - 1) < 1e-4, "lbfgs reaches (1, 1) (to tolerance_change)")
  -- anneal is driven by the run's seed
  local function anneal(seed)
    return slope.minimize("(x - 1)^2 + (y + 2)^2", { x = 3, y = 3 },
      { optimizer = slope.optim.anneal{ T0 = 1, step_size = 0.5 }, steps = 200, seed = seed }).x
  end
  check.eq(anneal(5), anneal(5), "anneal: same seed, same run")
  check.ok(anneal(5).x ~= anneal(6).x, "anneal: another seed, another run")
end

-- ---- 4. seeds and batching -------------------------------------------------------------------

do
  local ds = slope.data.regression{ n = 40, w = 3, b = 1, noise = 0.1, seed = 3 }
  local function run(seed)
    return slope.minimize("mean((w*x + b - y)^2)", { w = 0, b = 0 }, {
      data = ds, batch = 8, shuffle = true, seed = seed, epochs = 5, lr = 0.05,
      noise = slope.noise.gaussian{ std = 0.01, schedule = slope.schedule.inverse{ rate = 0.1 } } })
  end
  local a, b, c = run(11), run(11), run(12)
  check.eq(a.steps, 25, "40 rows in batches of 8: 5 steps per epoch")
  local same, differ = true, false
  for k = 0, #a.trace do
    local ra, rb, rc = a.trace[k], b.trace[k], c.trace[k]
    -- a mini-batch row holds its batch's f (nan in row 0); f over all rows only with trace_full
    local bf_same = ra.batch_f == rb.batch_f or (k == 0 and ra.batch_f ~= ra.batch_f and rb.batch_f ~= rb.batch_f)
    same = same and bf_same and ra.lr == rb.lr and ra.x.w == rb.x.w and ra.x.b == rb.x.b
    differ = differ or ra.x.w ~= rc.x.w
  end
  check.ok(same, "same seed: bit-identical traces")
  check.ok(differ, "another seed: another trace")
  check.eq(a.x, b.x, "same seed: same result")
end

do -- batch = 1 on 4 rows for 3 epochs: 12 steps, each epoch sees every row once
  local ds = slope.data{ x = { 1, 2, 3, 4 } }
  local function rows_seen(shuffle, seed)
    -- lr 0 keeps w at 0, so f of step k is x[row]^2: it names the row
    local r = slope.minimize("mean((w - x)^2)", { w = 0 },
      { data = ds, batch = 1, shuffle = shuffle, seed = seed, epochs = 3, optimizer = slope.optim.sgd{ lr = 0 } })
    check.eq({ r.steps, r.epochs, #r.trace }, { 12, 3, 12 }, "12 steps, 3 epochs")
    local epochs = {}
    for e = 1, 3 do
      local order = {}
      for k = 1, 4 do order[k] = math.tointeger(math.sqrt(r.trace[4 * (e - 1) + k].batch_f)) end
      epochs[e] = order
    end
    return epochs
  end
  check.eq(rows_seen(false, 0), { { 1, 2, 3, 4 }, { 1, 2, 3, 4 }, { 1, 2, 3, 4 } }, "no shuffle: row order")
  local moved = false
  for seed = 1, 4 do
    local epochs = rows_seen(true, seed)
    for e = 1, 3 do
      local sorted = { table.unpack(epochs[e]) }
      table.sort(sorted)
      check.eq(sorted, { 1, 2, 3, 4 }, "seed " .. seed .. ", epoch " .. e .. ": every row once")
      moved = moved or epochs[e][1] ~= 1 or epochs[e][2] ~= 2 or epochs[e][3] ~= 3
    end
  end
  check.ok(moved, "shuffle = true reorders rows")
  check.eq(rows_seen(true, 9), rows_seen(true, 9), "the order follows the seed")
  -- the trajectory with batch 1 in row order, against a hand loop
  local r = slope.minimize("mean((w - x)^2)", { w = 0 }, { data = ds, batch = 1, epochs = 2, lr = 0.1 })
  local w, ok = 0, true
  for k = 1, 8 do
    local xi = (k - 1) % 4 + 1
    ok = ok and r.trace[k].batch_f == (w - xi)^2
    w = w - 0.1 * (2 * (w - xi))
    ok = ok and math.abs(r.trace[k].x.w - w) <= 1e-15
  end
  check.ok(ok, "batch 1: one row per step, in order")
  -- batch 3 of 4 rows: steps of 3 rows then 1; batch = "full" is no batching
  local r3 = slope.minimize("mean((w - x)^2)", { w = 0 }, { data = ds, batch = 3, epochs = 2, lr = 0 })
  local bf = r3.trace:column "batch_f"
  check.eq({ r3.trace[0].f, table.unpack(bf, 2) }, { 7.5, 14 / 3, 16, 14 / 3, 16 },
           "batch 3: f at the start over all rows, then batch f over rows 1-3, then row 4")
  local rf = slope.minimize("mean((w - x)^2)", { w = 0 }, { data = ds, batch = "full", epochs = 3, lr = 0.1 })
  local rn = slope.minimize("mean((w - x)^2)", { w = 0 }, { data = ds, epochs = 3, lr = 0.1 })
  check.eq({ rf.steps, rf.x }, { 3, rn.x }, "batch = \"full\" is the default")
  -- s.epoch counts completed epochs
  local epochs = {}
  slope.minimize("mean((w - x)^2)", { w = 0 }, { data = ds, batch = 2, epochs = 3, lr = 0.1,
    on_step = function(s) epochs[#epochs + 1] = s.epoch end })
  check.eq(epochs, { 0, 1, 1, 2, 2, 3 }, "s.epoch after each step")
end

-- ---- 5. noise ---------------------------------------------------------------------------------

do
  -- relu(x - 100) is flat where the noise wanders, so only the noise moves x
  local flat = "relu(x - 100) + relu(y - 100)"
  local function run(noise, extra)
    local o = { optimizer = slope.optim.sgd{ lr = 0.02 }, steps = 300, seed = 77, noise = noise }
    for k, v in pairs(extra or {}) do o[k] = v end
    return slope.minimize(flat, { x = 0, y = 0 }, o)
  end
  local function same_x(a, b)
    for k = 0, #a.trace do
      if a.trace[k].x.x ~= b.trace[k].x.x or a.trace[k].x.y ~= b.trace[k].x.y then return false end
    end
    return #a.trace == #b.trace
  end
  -- gaussian{std, schedule = inverse{rate}} is sigma_t = std/(1 + rate*t), bit for bit
  local g_inv = run(slope.noise.gaussian{ std = 0.5, schedule = slope.schedule.inverse{ rate = 0.01 } })
  local g_fn = run(slope.noise.gaussian{ std = 0.5, schedule = function(t, base) return base / (1 + 0.01 * t) end })
  check.ok(same_x(g_inv, g_fn), "gaussian + inverse{rate} equals std/(1+rate*t) as a function")
  check.ok(g_inv.x.x ~= 0 and g_inv.x.y ~= 0, "the noise moves both parameters")
  -- the draws are N(0, 1) scaled by sigma_t: in the first and the last 150 steps alike
  local function moments(r, from, to, sigma)
    local s1, s2, n = 0, 0, 0
    for k = from, to do
      local sd = sigma(k - 1)
      for _, name in ipairs { "x", "y" } do
        local z = (r.trace[k].x[name] - r.trace[k - 1].x[name]) / sd
        s1, s2, n = s1 + z, s2 + z * z, n + 1
      end
    end
    return s1 / n, s2 / n
  end
  local sig = function(t) return 0.5 / (1 + 0.01 * t) end
  local m1, v1 = moments(g_inv, 1, 150, sig)
  local m2, v2 = moments(g_inv, 151, 300, sig)
  check.ok(math.abs(m1) < 0.2 and math.abs(v1 - 1) < 0.25, ("early draws ~ N(0,1): mean %.3f, var %.3f"):format(m1, v1))
  check.ok(math.abs(m2) < 0.2 and math.abs(v2 - 1) < 0.25, ("late draws ~ N(0,1): mean %.3f, var %.3f"):format(m2, v2))
  -- doubling std doubles every displacement exactly
  local g1 = run(slope.noise.gaussian{ std = 1 })
  local g2 = run(slope.noise.gaussian{ std = 2 })
  local doubled = true
  for k = 1, #g1.trace do doubled = doubled and g2.trace[k].x.x == 2 * g1.trace[k].x.x end
  check.ok(doubled, "std 2 moves exactly twice as far as std 1 on the same seed")
  check.ok(not same_x(g1, run(slope.noise.gaussian{ std = 1 }, { seed = 78 })), "another seed, other noise")

  -- langevin{temperature = T}: N(0, 2*lr*T) after the update, i.e. gaussian with std sqrt(2*lr*T)
  local l = run(slope.noise.langevin{ temperature = 3 })
  local lg = run(slope.noise.gaussian{ std = math.sqrt(2 * 0.02 * 3) })
  check.ok(same_x(l, lg), "langevin{T} equals gaussian{std = sqrt(2*lr*T)}")
  -- with an lr schedule and a temperature schedule: sqrt(2*lr_t*T_t)
  local sched = slope.schedule.step{ step_size = 50, gamma = 0.5 }
  local ls = run(slope.noise.langevin{ temperature = 3, schedule = slope.schedule.inverse{ rate = 0.02 } }, { schedule = sched })
  local lgs = run(slope.noise.gaussian{ std = 1, schedule = function(t)
    local lr, T = 0.02 * 0.5^(t // 50), 3 / (1 + 0.02 * t)
    return math.sqrt(2 * lr * T)
  end }, { schedule = sched })
  check.ok(same_x(ls, lgs), "langevin follows lr_t and T_t: sqrt(2*lr_t*T_t)")

  -- gradient{eta, gamma}: g += N(0, eta/(1+t)^gamma) before the update.  Ascent with lr 0.5 moves
  -- x by 0.5*noise, which is gaussian noise of 0.5*sqrt(eta/(1+t)^gamma) drawn in the same order.
  local function grad_run(noise, how)
    return how("relu(x - 100) + relu(y - 100)", { x = 0, y = 0 }, { lr = 0.5, steps = 300, seed = 5, noise = noise })
  end
  local gr = grad_run(slope.noise.gradient{ eta = 0.3, gamma = 0.55 }, slope.maximize)
  local gg = grad_run(slope.noise.gaussian{ std = 1, schedule = function(t) return 0.5 * math.sqrt(0.3 / (1 + t)^0.55) end },
    slope.maximize)
  check.ok(same_x(gr, gg), "gradient noise has variance eta/(1+t)^gamma")
  local gd = grad_run(slope.noise.gradient{ eta = 0.3 }, slope.maximize)
  check.ok(same_x(gr, gd), "gradient noise: gamma defaults to 0.55")
  local gm = grad_run(slope.noise.gradient{ eta = 0.3, gamma = 0.55 }, slope.minimize)
  check.eq(gm.trace[1].x.x, -gr.trace[1].x.x, "descent steps against the noisy gradient")
  check.eq(gr.trace[5].grad_norm, 0, "grad_norm is the objective's, before noise")
  check.eq(tostring(slope.noise.langevin{ temperature = 1 }), "slope.noise.langevin", "tostring(noise)")
end

-- ---- 6. clipping, per-parameter rates, schedules ---------------------------------------------

local function f2(x, y) return x * x + 3 * (y * y) end   -- grouped as the tape groups 3*y^2

do -- clip = { norm = 1 }: g *= 1/(|g| + 1e-6) when that is < 1 (clip_grad_norm_)
  local r = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 }, { lr = 0.1, steps = 100, clip = { norm = 1 } })
  local x, y, ok, clipped = 5, -4, true, 0
  for k = 1, 100 do
    local gx, gy = 2 * x, 6 * y
    local norm = math.sqrt(gx * gx + gy * gy)
    -- row k - 1 holds x_{k-1}, f there and the gradient norm before clipping
    ok = ok and r.trace[k - 1].grad_norm == norm and r.trace[k - 1].f == f2(x, y)
    local coef = 1 / (norm + 1e-6)
    if coef < 1 then gx, gy, clipped = gx * coef, gy * coef, clipped + 1 end
    x, y = x + -0.1 * gx, y + -0.1 * gy
    ok = ok and r.trace[k].x.x == x and r.trace[k].x.y == y
  end
  check.ok(ok, "clip.norm: every step as the formula says")
  check.ok(clipped > 10 and clipped < 100, "clipping bit for a while, then not (" .. clipped .. " steps)")
  -- clip = { value = 0.5 }: each component clamped to [-0.5, 0.5]
  local rv = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 }, { lr = 0.1, steps = 40, clip = { value = 0.5 } })
  x, y, ok = 5, -4, true
  for k = 1, 40 do
    local gx = math.max(-0.5, math.min(0.5, 2 * x))
    local gy = math.max(-0.5, math.min(0.5, 6 * y))
    x, y = x + -0.1 * gx, y + -0.1 * gy
    ok = ok and rv.trace[k].x.x == x and rv.trace[k].x.y == y
  end
  check.ok(ok, "clip.value: every step as the formula says")
  check.eq(rv.trace[1].x, { x = 4.95, y = -3.95 }, "clip.value: first step moves each by lr*0.5")
end

do -- per-parameter learning rates
  local r = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 }, { lr = { x = 0.1, y = 0.01 }, steps = 20 })
  local x, y, ok = 5, -4, true
  for k = 1, 20 do
    x, y = x + -0.1 * (2 * x), y + -0.01 * (6 * y)
    ok = ok and r.trace[k].x.x == x and r.trace[k].x.y == y
  end
  check.ok(ok, "lr = { x = 0.1, y = 0.01 }")
  check.eq(r.trace[1].lr, 0.1, "the trace's lr is the first parameter's")
  -- a partial table: the others keep the optimizer's lr
  local rp = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 },
    { optimizer = slope.optim.adam{ lr = 0.05 }, lr = { y = 0.2 }, steps = 1 })
  check.near(rp.x.x, 5 - 0.05, 1e-9, "adam's first step is lr*g/(|g| + eps): x moves by the optimizer's lr")
  check.near(rp.x.y, -4 + 0.2, 1e-9, "y moves by its own lr")
  -- with a schedule each parameter's rate is s(t, base_i)
  local s = slope.schedule.exponential{ gamma = 0.9 }
  local rs = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 }, { lr = { x = 0.1, y = 0.01 }, schedule = s, steps = 20 })
  x, y, ok = 5, -4, true
  for k = 1, 20 do
    x, y = x + -s(k - 1, 0.1) * (2 * x), y + -s(k - 1, 0.01) * (6 * y)
    ok = ok and rs.trace[k].x.x == x and rs.trace[k].x.y == y
  end
  check.ok(ok, "per-parameter rates under a schedule")
end

do -- schedules per step: lr of step k is s(k-1, base)
  local kinds = {
    cosine = slope.schedule.cosine{ T_max = 20, eta_min = 0.001 },
    step = slope.schedule.step{ step_size = 7, gamma = 0.3 },
    multistep = slope.schedule.multistep{ milestones = { 3, 10 }, gamma = 0.5 },
    linear = slope.schedule.linear{ start_factor = 0.25, total_iters = 8 },
    poly = slope.schedule.poly{ total_iters = 25, power = 2 },
    restarts = slope.schedule.cosine_restarts{ T_0 = 5, T_mult = 2 },
    constant = slope.schedule.constant{ factor = 0.5, total_iters = 4 },
    inverse = slope.schedule.inverse{ rate = 0.1 },
    fn = function(t, base) return base / (1 + t * t) end,
    sequential = slope.schedule.sequential{ schedules = { slope.schedule.constant{ factor = 0.1, total_iters = 100 },
      slope.schedule.exponential{ gamma = 0.8 } }, milestones = { 5 } },
  }
  for name, s in pairs(kinds) do
    local r = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 }, { lr = 0.1, steps = 30, schedule = s })
    local sched = type(s) == "function" and slope.schedule.sequential{ schedules = { s }, milestones = {} } or s
    local x, y, ok_lr, ok_x = 5, -4, true, true
    for k = 1, 30 do
      local lr = sched(k - 1, 0.1)
      ok_lr = ok_lr and r.trace[k].lr == lr
      x, y = x + -lr * (2 * x), y + -lr * (6 * y)
      ok_x = ok_x and r.trace[k].x.x == x and r.trace[k].x.y == y
    end
    check.ok(ok_lr, name .. ": lr of step k is s(k-1, base)")
    check.ok(ok_x, name .. ": the trajectory follows it")
  end
  -- a few of those values against their closed forms
  local c = kinds.cosine
  check.near(c(10, 0.1), 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * 10 / 20)) / 2, 1e-15, "cosine closed form")
  check.eq({ kinds.step(6, 1), kinds.step(7, 1), kinds.step(14, 1) }, { 1.0, 0.3, 0.3 * 0.3 }, "step closed form")
  check.eq({ kinds.multistep(2, 1), kinds.multistep(3, 1), kinds.multistep(10, 1) }, { 1.0, 0.5, 0.25 }, "multistep")
  check.eq(kinds.inverse(30, 2), 2 / (1 + 0.1 * 30), "inverse closed form")
  check.eq({ kinds.sequential(4, 1), kinds.sequential(5, 1), kinds.sequential(7, 1) }, { 0.1, 1.0, 0.8^2 }, "sequential")
  check.err(function() kinds.cosine(-1, 1) end, "t must be >= 0", "s(t) with t < 0")
end

do -- per = "epoch": t counts completed epochs (4 rows in batches of 2: 2 steps per epoch)
  local ds = slope.data{ x = { 1, 2, 3, 4 } }
  local s = slope.schedule.exponential{ gamma = 0.5, per = "epoch" }
  local r = slope.minimize("mean((w - x)^2)", { w = 0 }, { data = ds, batch = 2, epochs = 4, lr = 0.2, schedule = s })
  local w, ok = 0, true
  for k = 1, 8 do
    local lr = s((k - 1) // 2, 0.2)
    ok = ok and r.trace[k].lr == lr
    local a = (k - 1) % 2 == 0 and 1 or 3
    w = w - lr * ((2 * (w - a) + 2 * (w - a - 1)) / 2)
    ok = ok and math.abs(r.trace[k].x.w - w) <= 1e-15
  end
  check.ok(ok, "per epoch: lr of step k is s(epochs done, base)")
  check.eq(r.trace:column "lr", { 0.2, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025 }, "per-epoch lr column")
  -- per step, the same schedule halves every step
  local r2 = slope.minimize("mean((w - x)^2)", { w = 0 },
    { data = ds, batch = 2, epochs = 2, lr = 0.2, schedule = slope.schedule.exponential{ gamma = 0.5 } })
  check.eq(r2.trace:column "lr", { 0.2, 0.2, 0.1, 0.05, 0.025 }, "per-step lr column")
end

do -- plateau: the rate drops after 'patience' epochs without improvement (mode "max" on a falling f)
  local s = slope.schedule.plateau{ mode = "max", patience = 1, factor = 0.5 }
  local r = slope.minimize("x^2", { x = 10 }, { lr = 0.01, steps = 8, schedule = s })
  -- observations 1..k-1 precede step k; the first sets 'best', then every second bad one reduces
  check.eq(r.trace:column "lr", { 0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025, 0.00125 }, "plateau lr column")
  local again = slope.minimize("x^2", { x = 10 }, { lr = 0.01, steps = 8, schedule = s })
  check.eq(again.trace:column "lr", r.trace:column "lr", "a second run with the same plateau schedule starts afresh")
end

do -- onecycle drives sgd's momentum (torch's OneCycleLR, two phases, cos)
  local oc = slope.schedule.onecycle{ max_lr = 0.05, total_steps = 40 }
  local opt = slope.optim.sgd{ lr = 0.01, momentum = 0.9 }
  local r = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 }, { optimizer = opt, steps = 40, schedule = oc })
  local function cos_anneal(a, b, pct) return b + (a - b) / 2 * (math.cos(math.pi * pct) + 1) end
  local up_end = 0.3 * 40 - 1
  local function momentum(t)
    if t <= up_end then return cos_anneal(0.95, 0.85, t / up_end) end
    return cos_anneal(0.85, 0.95, (t - up_end) / (39 - up_end))
  end
  local function lr_of(t)
    local lo = 0.05 / 25
    if t <= up_end then return cos_anneal(lo, 0.05, t / up_end) end
    return cos_anneal(0.05, lo / 1e4, (t - up_end) / (39 - up_end))
  end
  local x, buf, ok_lr, ok_x = { 5, -4 }, {}, true, true
  for k = 1, 40 do
    local t = k - 1
    ok_lr = ok_lr and math.abs(r.trace[k].lr - lr_of(t)) <= 1e-15 and r.trace[k].lr == oc(t, 0.01)
    local g, m = { 2 * x[1], 6 * x[2] }, momentum(t)
    for i = 1, 2 do
      buf[i] = k == 1 and g[i] or buf[i] * m + 1 * g[i]
      x[i] = x[i] + -oc(t, 0.01) * buf[i]
    end
    ok_x = ok_x and math.abs(r.trace[k].x.x - x[1]) <= 1e-13 and math.abs(r.trace[k].x.y - x[2]) <= 1e-13
  end
  check.ok(ok_lr, "onecycle lr: torch's formula, ignoring the optimizer's lr")
  check.ok(ok_x, "onecycle momentum: 0.95 down to 0.85 and back, step by step")
  check.near(opt.momentum, momentum(39), 1e-15, "the optimizer holds the last momentum set")
  -- cycle_momentum = false leaves momentum at 0.9
  local oc2 = slope.schedule.onecycle{ max_lr = 0.05, total_steps = 40, cycle_momentum = false }
  local r2 = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 },
    { optimizer = slope.optim.sgd{ lr = 0.01, momentum = 0.9 }, steps = 40, schedule = oc2 })
  x, buf, ok_x = { 5, -4 }, {}, true
  for k = 1, 40 do
    local g = { 2 * x[1], 6 * x[2] }
    for i = 1, 2 do
      buf[i] = k == 1 and g[i] or buf[i] * 0.9 + 1 * g[i]
      x[i] = x[i] + -oc2(k - 1, 0.01) * buf[i]
    end
    ok_x = ok_x and r2.trace[k].x.x == x[1] and r2.trace[k].x.y == x[2]
  end
  check.ok(ok_x, "cycle_momentum = false: momentum stays 0.9")
  -- with adam it drives beta1
  local adam = slope.optim.adam{ betas = { 0.5, 0.99 } }
  local ra = slope.minimize("x^2 + 3*y^2", { x = 5, y = -4 }, { optimizer = adam, steps = 40, schedule = oc })
  local m, v = { 0, 0 }, { 0, 0 }
  x, ok_x = { 5, -4 }, true
  for k = 1, 40 do
    local g, b1 = { 2 * x[1], 6 * x[2] }, momentum(k - 1)
    local bc1, bc2 = 1 - b1^k, math.sqrt(1 - 0.99^k)
    for i = 1, 2 do
      m[i] = m[i] * b1 + (1 - b1) * g[i]
      v[i] = v[i] * 0.99 + (1 - 0.99) * g[i] * g[i]
      x[i] = x[i] + -(oc(k - 1, 0) / bc1) * (m[i] / (math.sqrt(v[i]) / bc2 + 1e-8))
    end
    ok_x = ok_x and math.abs(ra.trace[k].x.x - x[1]) <= 1e-13 and math.abs(ra.trace[k].x.y - x[2]) <= 1e-13
  end
  check.ok(ok_x, "onecycle drives adam's beta1")
  check.near(adam.betas[1], momentum(39), 1e-15, "adam's beta1 is the last momentum set")
  check.eq(adam.betas[2], 0.99, "beta2 untouched")
end

check.done()
