-- test_examples.lua -- every examples/*.lua runs to completion, prints the
-- numbers it promises (read back from its output and checked against the
-- closed forms or the facts each example teaches), and writes well-formed SVG
-- files.
-- Run from the repository root: build/slope tests/test_examples.lua
local check = dofile("tests/check.lua")

-- ---- helpers ----------------------------------------------------------------------------

local function shell(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local ok, how, code = p:close()
  return out, ok, how, code
end

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local dir = shell("mktemp -d"):gsub("%s+$", "")
check.ok(dir ~= "" and shell("test -d " .. quote(dir) .. " && echo yes"):find("yes") ~= nil, "a temporary directory")

-- Runs one example with its SVGs going to a fresh subdirectory; returns its
-- output (stdout and stderr) and the subdirectory.
local function run(name)
  local out_dir = dir .. "/" .. name
  shell("mkdir -p " .. quote(out_dir))
  local out, ok, how, code = shell(("build/slope examples/%s.lua %s 2>&1"):format(name, quote(out_dir)))
  check.ok(ok and how == "exit" and code == 0, name .. ": exit status 0 (got " .. tostring(how) .. " "
    .. tostring(code) .. ")\n" .. out:sub(-600))
  return out, out_dir
end

local function read(path)
  local fh = io.open(path, "rb")
  if not fh then return nil end
  local s = fh:read("a")
  fh:close()
  return s
end

-- The SVG exists and looks whole: an <svg> (or XML) start, </svg> at the end.
local function svg_ok(name, path)
  local s = read(path)
  check.ok(s ~= nil, name .. ": wrote " .. path)
  if not s then return end
  check.ok(s:find("^%s*<svg") ~= nil or s:find("^%s*<%?xml") ~= nil, name .. ": " .. path .. " starts like SVG")
  check.ok(s:find("</svg>%s*$") ~= nil, name .. ": " .. path .. " ends with </svg>")
  check.ok(#s > 1000, name .. ": " .. path .. " has content")
end

-- The number captured by 'pattern' (one capture) in 'out', or nil.
local function num(out, pattern)
  local v = out:match(pattern)
  return v and tonumber(v)
end

local function near(out, pattern, want, tol, msg)
  local v = num(out, pattern)
  check.ok(v ~= nil, msg .. ": found in the output (" .. pattern .. ")")
  if v then check.near(v, want, tol, msg) end
  return v
end

-- ---- what each example promises ----------------------------------------------------------

local expect = {}

expect.descent_ascent = { svgs = { "descent_ascent_min", "descent_ascent_max" }, check = function(out)
  local xd = num(out, "descent on f from x = 10: x = ([%d.]+)")
  local xa = num(out, "ascent  on g from x = %-6: x = ([%d.]+)")
  check.ok(xd and math.abs(xd - 2) < 1e-3, "descent on x^2 - 4x + 1 reaches x = 2 within 1e-3")
  check.ok(xa and math.abs(xa - 2) < 1e-3, "ascent on -x^2 + 4x + 1 reaches x = 2 within 1e-3")
  -- x_k = 10*0.8^k, printed next to the closed form
  for _, k in ipairs { 1, 2, 3, 4, 5, 10, 20 } do
    local xk, closed = out:match(("\n%%s*%d%%s+([%%d.]+)%%s+([%%d.]+)"):format(k))
    check.ok(xk and math.abs(tonumber(xk) - 10 * 0.8^k) < 1e-6 and math.abs(tonumber(closed) - 10 * 0.8^k) < 1e-6,
      "x^2 iterate " .. k .. " is 10*0.8^k")
  end
  near(out, "after 50 steps x = ([%d.e+-]+) %(theory", 10 * 0.8^50, 1e-3, "x_50 = 10*0.8^50")
  near(out, "step 1: x =%s+([%d.-]+)", -4, 1e-12, "ascent on -x^2 + 10: first step -5 -> -4")
  near(out, "after 50 steps: x = [%d.e+-]+%s+f = ([%d.]+)", 10, 1e-6, "ascent reaches the maximum 10")
end }

expect.linear_regression = { svgs = { "linear_regression_fit", "linear_regression_contour" }, check = function(out)
  local n = 0
  for w, b in out:gmatch("found w = ([%d.]+), b = ([%d.]+)") do
    n = n + 1
    check.eq({ w, b }, { "2.072", "0.788" }, "the tutorial's w = 2.072, b = 0.788 (run " .. n .. ")")
  end
  check.eq(n, 2, "hand loop and slope.minimize both report w and b")
  check.ok(out:find("epoch  10: loss = 1.5412, w = 1.757, b = 0.607", 1, true) ~= nil, "the tutorial's epoch-10 line")
  check.ok(out:find("epoch 100: loss = 0.0076, w = 2.072, b = 0.788", 1, true) ~= nil, "the tutorial's epoch-100 line")
  check.ok(out:find("epoch 10  f = 1.5412", 1, true) ~= nil, "log = 10 prints the progress lines")
  check.ok(out:find("|dw| = 0, |db| = 0", 1, true) ~= nil, "hand loop and slope.minimize agree exactly")
  check.ok(out:find("w = 2.000000, b = 1.000000 after %d+ epochs %(converged%)") ~= nil, "trained to convergence: w = 2, b = 1")
end }

expect.batches = { svgs = { "batches_loss" }, check = function(out)
  local rows = {}
  for name, steps, w, b, tr, te in out:gmatch("\n(%a[^\n]-%))%s+(%d+)%s+([%d.-]+)%s+([%d.-]+)%s+([%d.]+)%s+([%d.]+)") do
    rows[name:match("^(%S+)")] = { steps = tonumber(steps), train = tonumber(tr), test = tonumber(te) }
  end
  local bgd, sgd, mb = rows.batch, rows.SGD, rows["mini-batch"]
  check.ok(bgd and sgd and mb, "three rows: batch GD, SGD, mini-batch")
  if not (bgd and sgd and mb) then return end
  check.eq({ bgd.steps, sgd.steps, mb.steps }, { 10, 8000, 250 }, "steps in 10 epochs of 800 rows: 1, 800, 25 per epoch")
  check.ok(sgd.test < 0.3 and mb.test < 0.3, "SGD and mini-batch reach a test loss near the noise variance 0.25")
  check.ok(bgd.test > 1, "batch GD, 10 steps, is still far off")
  check.ok(out:find("test loss", 1, true) ~= nil, "prints a test loss column")
end }

expect.scaling = { svgs = { "scaling_loss" }, check = function(out)
  check.ok(out:find("gradient descent%s+0%.001 diverged") ~= nil, "plain GD with lr 1e-3 diverges")
  check.ok(out:find("diverged at step %d+: ") ~= nil, "the divergence message is printed")
  for _, name in ipairs { "Adam", "RMSprop %(momentum 0%.9%)", "Adagrad" } do
    local gap = num(out, "\n" .. name .. "%s+[%d.e-]+ max_steps%s+[%d.e+-]+%s+[%d.e+-]+%s+([%d.e+-]+)")
    check.ok(gap and gap < 1e-9, name .. ": final loss within 1e-9 of least squares")
  end
  local slow = num(out, "\ngradient descent%s+9e%-05 max_steps%s+[%d.e+-]+%s+[%d.e+-]+%s+([%d.e+-]+)")
  check.ok(slow and slow > 1, "plain GD with a stable lr crawls (loss gap > 1)")
  near(out, "d2%(loss%)/dw2 = mean%(2%*x%^2%)%s+=%s+([%d.]+)", 21890.4, 1e-4, "curvature along w")
end }

expect.sgd_vs_adam = { svgs = { "sgd_vs_adam_loss", "sgd_vs_adam_rosenbrock" }, check = function(out)
  local sgd = num(out, "SGD lr 0%.05%s+([%d.e+-]+)%s+50%s+max_steps")
  local adam = num(out, "Adam lr 0%.01%s+([%d.e+-]+)%s+50%s+max_steps")
  check.ok(sgd and sgd < 0.02, "SGD lr 0.05 reaches the noise level in 50 epochs")
  check.ok(adam and adam > 1, "Adam lr 0.01 is still far off after 50 epochs")
  for _, name in ipairs { "momentum 0%.9", "Nesterov 0%.9" } do
    local f = num(out, "\n" .. name .. "%s+[%d.e-]+%s+([%d.e+-]+)")
    check.ok(f and f < 1e-3, name .. " gets near the Rosenbrock minimum")
  end
  local plain = num(out, "\nSGD%s+0%.001%s+([%d.e+-]+)")
  check.ok(plain and plain > 0.1, "plain SGD is still in the valley")
end }

expect.annealing = { svgs = { "annealing_path", "annealing_x" }, check = function(out)
  local plain = num(out, "plain gradient descent%s+(%d+) / 100")
  local const = num(out, "constant noise, std 1%.5%s+(%d+) / 100")
  local hot = num(out, "annealing, std 1%.5/%(1%+0%.01t%)%s+(%d+) / 100")
  check.ok(plain and const and hot, "three success counts printed")
  if not (plain and const and hot) then return end
  check.eq(plain, 0, "plain descent never leaves its valley")
  check.ok(hot > plain and hot > const, "annealing finds the global minimum more often than either")
  check.ok(hot >= 50, "annealing finds it in most runs")
end }

expect.landscapes = { svgs = { "landscapes_rastrigin" }, check = function(out)
  -- found / 10 and mean nfev of a family on a landscape, from the table
  local function row(land, name)
    local found, nfev = out:match(land .. "%s+[%w%-]+%s+" .. name .. "%s+(%d+)/10%s+(%d+)")
    return tonumber(found), tonumber(nfev)
  end
  for _, land in ipairs{ "rosenbrock", "himmelblau", "rastrigin", "ackley" } do
    for _, name in ipairs{ "adam", "bfgs", "newton", "nelder_mead", "cmaes", "de", "anneal" } do
      check.ok(row(land, name) ~= nil, "landscapes: a row for " .. name .. " on " .. land)
    end
  end
  -- the lesson: smooth valleys are solved by gradients, rugged plates by populations
  check.eq(row("rosenbrock", "bfgs"), 10, "bfgs solves Rosenbrock from every start")
  check.eq(row("himmelblau", "bfgs"), 10, "bfgs solves Himmelblau from every start")
  for _, land in ipairs{ "rastrigin", "ackley" } do
    local adam, bfgs, cmaes, de = row(land, "adam"), row(land, "bfgs"), row(land, "cmaes"), row(land, "de")
    check.ok(cmaes == 10 and de == 10, "the evolutionary methods find " .. land .. "'s global minimum from every start")
    check.ok(adam and bfgs and adam < 5 and bfgs < 5, "the gradient methods mostly stop in a local minimum of " .. land)
    local _, nfev_bfgs = row(land, "bfgs")
    local _, nfev_cmaes = row(land, "cmaes")
    check.ok(nfev_bfgs and nfev_cmaes and nfev_cmaes > 10 * nfev_bfgs, "at the price of many more evaluations")
  end
end }

expect.lr_decay = { svgs = { "lr_decay_schedules", "lr_decay_loss" }, check = function(out)
  -- lr at t = 0, 100, 250, 500: step x0.3 every 250, exponential 0.996^t, cosine, warm-up
  local function row(name)
    local a, b, c, d = out:match(name .. "%s+([%d.]+)%s+([%d.]+)%s+([%d.]+)%s+([%d.]+)%s+[%d.e+-]+\n")
    return { tonumber(a), tonumber(b), tonumber(c), tonumber(d) }
  end
  check.eq(row("step %(x0%.3 every 250%)"), { 0.1, 0.1, 0.03, 0.009 }, "step schedule")
  local e = row("exponential %(x0%.996/step%)")
  check.ok(e[2] and math.abs(e[2] - 0.1 * 0.996^100) < 1e-4 and math.abs(e[4] - 0.1 * 0.996^500) < 1e-4, "exponential schedule")
  local c = row("cosine")
  check.ok(c[4] and math.abs(c[4] - 0.05) < 1e-4, "cosine is at half the rate halfway")
  local w = row("warmup %+ cosine")
  check.ok(w[1] and math.abs(w[1] - 0.001) < 1e-4 and math.abs(w[2] - 0.1) < 1e-4, "warm-up from 1% to the full rate")
  local gaps = {}
  local runs = out:match("loss %- best\n(.*)") or ""
  for gap in runs:gmatch("\n?%a[^\n]-%s+[%d.]+%s+[%d.]+%s+([%d.]+e[+-]%d+)\n") do gaps[#gaps + 1] = tonumber(gap) end
  check.eq(#gaps, 5, "five convergence rows")
  if #gaps == 5 then
    for i = 1, 4 do check.ok(gaps[5] > 100 * gaps[i], "decay " .. i .. " ends far closer than the constant rate") end
  end
end }

expect.clipping = { svgs = { "clipping_quartic", "clipping_policy" }, check = function(out)
  check.ok(out:find("no clipping%s+diverged") ~= nil, "x^4 with lr 0.1 diverges unclipped")
  for _, name in ipairs { "clip norm 1", "clip value 0%.5" } do
    local f = num(out, name .. "%s+max_steps%s+after 100 steps x = [%d.e+-]+%s+f = ([%d.e+-]+)")
    check.ok(f and f < 1e-3, name .. ": x^4 walks down")
  end
  local j0u, j0c = out:match("\n%s+0%s+([%d.]+)%s+[%d.]+%s+([%d.]+)")
  local ju, jc = out:match("\n%s+60%s+([%d.]+)%s+[%d.]+%s+([%d.]+)")
  check.ok(j0u and tonumber(j0u) < 320 and tonumber(j0c) < 320, "the policy starts at J = 317")
  check.ok(jc and tonumber(jc) > 999, "clipped policy ascent climbs to the best reward 1000")
  check.ok(ju and math.abs(tonumber(ju) - 400) < 1, "unclipped ascent is stuck at 400")
end }

expect.flagship = { svgs = { "flagship_contour", "flagship_loss" }, check = function(out)
  check.ok(out:find("d/dx = 0.2*x + 3*sin(3*x)", 1, true) ~= nil, "the symbolic gradient")
  local plain = num(out, "\ngradient descent%s+(%d+)/40")
  local best = 0
  for n in out:gmatch("annealing noise%s+(%d+)/40") do best = math.max(best, tonumber(n)) end
  check.eq(plain, 0, "plain descent stays in its valley")
  check.ok(best > 0, "annealing noise finds the global minimum in some runs")
end }

expect.polynomial = { svgs = { "polynomial_fit" }, check = function(out)
  local grad = out:match("d loss / da = ([^\n]+)")
  check.ok(grad and not grad:find("a%[") and grad:find("range(0, 5)", 1, true),
    "polynomial: the gradient with respect to the vector a is one vector expression: " .. tostring(grad))
  local truth = { 0.5, -1, 2, 0.3, -1.5, 0.8 }
  for k = 0, 5 do
    local fitted, ls = out:match(("x%%^%d%%s+[%%d.-]+%%s+([%%d.-]+)%%s+([%%d.-]+)"):format(k))
    check.ok(fitted and math.abs(tonumber(fitted) - tonumber(ls)) < 1e-5,
      ("polynomial: a[%d] agrees with the normal equations"):format(k + 1))
    check.ok(fitted and math.abs(tonumber(fitted) - truth[k + 1]) < 0.1,
      ("polynomial: a[%d] is near the true %g (noise 0.05)"):format(k + 1, truth[k + 1]))
  end
  local worst = num(out, "largest difference from the normal equations: ([%d.e+-]+)")
  check.ok(worst and worst < 1e-6, "polynomial: L-BFGS reaches the least-squares coefficients")
end }

expect.classifier = { svgs = { "classifier_loss" }, check = function(out)
  local grad = out:match("d loss/dW  = ([^\n]+)")
  check.ok(grad and grad:find("outer(softmax(", 1, true) and grad:find("onehot(label", 1, true),
    "classifier: the gradient in W is in matrix form: " .. tostring(grad))
  local train, test = num(out, "train accuracy: ([%d.]+)%%"), num(out, "test accuracy:%s+([%d.]+)%%")
  check.ok(train and train >= 95, "classifier: train accuracy >= 95% on well separated blobs")
  check.ok(test and test >= 93, "classifier: test accuracy >= 93%")
  check.ok(out:find("W = [", 1, true) and out:find("3x2 values]", 1, true), "classifier: log lines summarize W")
end }

expect.tiny_mlp = { svgs = { "tiny_mlp_sine", "tiny_mlp_loss" }, check = function(out)
  local loss, from = out:match("2%-16%-1 on sin%(3t%): loss ([%d.e+-]+) after 1500 steps %(from ([%d.e+-]+)%)")
  check.ok(loss and tonumber(loss) < 1e-3 and tonumber(from) > 0.5, "tiny_mlp: the 2-16-1 network fits the sine")
  local worst = num(out, "largest error over the 64 points: ([%d.]+)")
  check.ok(worst and worst < 0.05, "tiny_mlp: within 0.05 at every point")
  local train, test = out:match("train accuracy: ([%d.]+)%%, test accuracy: ([%d.]+)%%")
  check.ok(train and tonumber(train) >= 98 and tonumber(test) >= 95, "tiny_mlp: the moons are told apart")
  local lr1, lr50, lrend = out:match("learning rate: ([%d.e+-]+) at step 1, ([%d.e+-]+) at step 50 %(warm%), ([%d.e+-]+) at the end")
  check.ok(lr1 and math.abs(tonumber(lr1) - 0.05 * 0.01) < 1e-12, "tiny_mlp: warm-up starts at 1% of lr")
  check.ok(lr50 and tonumber(lr50) > 0.045 and tonumber(lrend) < 1e-5, "tiny_mlp: warm by step 50, cosine to ~0 at the end")
end }

expect.rosenbrock_nd = { svgs = { "rosenbrock_nd" }, check = function(out)
  local grad = out:match("df/dx  = ([^\n]+)")
  check.ok(grad and #grad < 200 and grad:find("pad(", 1, true), "rosenbrock_nd: the gradient is one vector expression")
  -- L-BFGS reaches f < 1e-8 for every n: each row has at least one cell "steps  time ms"
  for _, n in ipairs { 2, 10, 100, 1000 } do
    local row = out:match(("\n%%s+%d%%s+([^\n]+)"):format(n))
    check.ok(row and row:find("%d+%s+[%d.]+ ms") ~= nil, "rosenbrock_nd: n = " .. n .. " reaches f < 1e-8 in time")
  end
  local adam2 = num(out, "\n%s+2%s+(%d+)%s+[%d.]+ ms")
  check.ok(adam2 and adam2 > 100, "rosenbrock_nd: Adam needs hundreds of steps for n = 2")
  for _, n in ipairs { 2, 10, 100 } do
    local row = out:match(("\n%%s+%d%%s+([^\n]+)"):format(n)) or ""
    check.ok(select(2, row:gsub(" ms", "")) >= 2, "rosenbrock_nd: L-BFGS and Newton reach f < 1e-8 for n = " .. n)
  end
end }

-- ---- run every example --------------------------------------------------------------------

local names = {}
for path in shell("ls examples/*.lua"):gmatch("[^\n]+") do names[#names + 1] = path:match("examples/(.-)%.lua$") end
check.ok(#names >= 9, "the examples are there")
local t0 = os.time()
for _, name in ipairs(names) do
  local out, out_dir = run(name)
  local e = expect[name]
  check.ok(e ~= nil, name .. ": has expectations in tests/test_examples.lua")
  if e then
    e.check(out)
    for _, svg in ipairs(e.svgs) do svg_ok(name, out_dir .. "/" .. svg .. ".svg") end
  end
  -- every SVG the example says it wrote is there
  for file in out:gmatch("([%w_%-]+%.svg)") do svg_ok(name, out_dir .. "/" .. file) end
end
for name in pairs(expect) do
  local found = false
  for _, n in ipairs(names) do found = found or n == name end
  check.ok(found, "examples/" .. name .. ".lua exists")
end
check.ok(os.time() - t0 < 20, "all examples together run in well under 20 s")

shell("rm -rf " .. quote(dir))
check.done()
