-- test_shapes.lua -- array parameters and vector columns from Lua (issue 11,
-- "Shapes come from the start values and the data"): starts that are
-- arrays or tables of rows, slope.zeros and slope.randn, r.x.w and p.x.w,
-- objectives that see the grouped point, bounds / lr / log_params by name
-- for every element, trace columns w[1], w[2], ..., log-line summaries,
-- checkpoints, vector data columns and CSV grouping.  References: closed
-- forms and hand loops over the same elements.
-- Run from the repository root: build/slope tests/test_shapes.lua
local check = dofile("tests/check.lua")
local P = check.plain

-- ---- slope.zeros, slope.randn -----------------------------------------------------------

local z = slope.zeros(4)
check.eq(#z, 4, "zeros(4) has 4 entries")
check.ok(z[1] == 0 and z[4] == 0, "zeros(4) holds zeros")
local Z = slope.zeros(3, 2)
check.ok(#Z == 3 and #Z[1] == 2 and #Z[3] == 2 and Z[3][2] == 0, "zeros(3, 2) is 3 rows of 2 zeros")

local a, b = slope.randn(5, { seed = 7 }), slope.randn(5, { seed = 7 })
check.eq(a, b, "randn with one seed gives one start")
check.ok(a[1] ~= slope.randn(5, { seed = 8 })[1], "another seed another start")
local s2 = slope.randn(5, { seed = 7, std = 2 })
local scaled = true
for i = 1, 5 do scaled = scaled and s2[i] == 2 * a[i] end
check.ok(scaled, "std scales the same draws")
check.eq(slope.randn(3), slope.randn(3, { seed = 1 }), "the default seed is 1")
local R = slope.randn(200, 50, { seed = 3 })
local sum, sq = 0, 0
for i = 1, 200 do for j = 1, 50 do sum = sum + R[i][j]; sq = sq + R[i][j]^2 end end
local mean, var = sum / 1e4, sq / 1e4 - (sum / 1e4)^2
check.near(mean, 0, 0.04, "10^4 normal draws have mean 0 (4 standard errors)")
check.near(var, 1, 0.06, "and variance 1")
check.err(function() slope.zeros(0) end, P"zeros: n must be a whole number in [1, 16777216], got 0", "zeros(0)")
check.err(function() slope.zeros(2, 1.5) end, P"zeros: m must be a whole number in [1, 16777216], got 1.5", "zeros(2, 1.5)")
check.err(function() slope.randn(2^30) end, P"randn: n must be a whole number in [1, 16777216], got 1073741824", "randn(2^30)")
check.err(function() slope.zeros(5000, 5000) end, P"zeros: 5000 x 5000 elements are too many (at most 16777216)",
  "zeros(5000, 5000)")
check.err(function() slope.minimize("sum(w^2)", { w = slope.zeros(2^20 + 1) }, { lr = 0.1 }) end,
  P"'w' has 1048577 elements, at most 1048576 are allowed", "a start past the limit of parameters")
check.err(function() slope.randn(2, { seeds = 1 }) end, P"did you mean 'seed'", "a misspelled randn option")
check.err(function() slope.randn(2, { std = -1 }) end, P"randn: std must be a finite number >= 0", "std < 0")

-- ---- starts that are arrays; a Lua function objective sees them grouped ------------------

-- f = sum_i c_i (w_i - i)^2 + (b - 1)^2 + sum_ij (W_ij - i*j)^2 with c_i = 1 + i
local function f(p)
  local s = (p.b - 1)^2
  for i = 1, #p.w do s = s + (1 + i) * (p.w[i] - i)^2 end
  for i = 1, #p.W do for j = 1, #p.W[i] do s = s + (p.W[i][j] - i * j)^2 end end
  return s
end
local function hand(w, bb, W)   -- the same sum, written out for the check
  local s = (bb - 1)^2
  for i = 1, 3 do s = s + (1 + i) * (w[i] - i)^2 end
  for i = 1, 2 do for j = 1, 2 do s = s + (W[i][j] - i * j)^2 end end
  return s
end

local p = slope.problem(f, { w = { 0, 0, 0 }, b = 0, W = { { 0, 0 }, { 0, 0 } } })
check.eq(p.params, { "W[1,1]", "W[1,2]", "W[2,1]", "W[2,2]", "b", "w[1]", "w[2]", "w[3]" },
  "the flat parameters are named per element")
check.eq(p.x, { w = { 0, 0, 0 }, b = 0, W = { { 0, 0 }, { 0, 0 } } }, "p.x is grouped")
check.eq(tostring(p), "slope.Problem(8 parameters: W 2x2, b, w 3)", "tostring(p) shows the shapes")
check.eq(tostring(slope.problem(f, { w = { 0 } })), "slope.Problem(1 parameter: w 1)", "a vector of one is a vector")
check.eq(p.f, hand({ 0, 0, 0 }, 0, { { 0, 0 }, { 0, 0 } }), "p.f at the start")
local x = p.x
x.w[2] = 2
x.W[2][1] = 5
check.eq(p.f, hand({ 0, 2, 0 }, 0, { { 0, 0 }, { 5, 0 } }), "p.x.w[2] = 2 and p.x.W[2][1] = 5 move the point")
p.x = { w = { 1, 2, 3 } }
check.eq(p.x.w, { 1, 2, 3 }, "p.x = { w = {...} } sets the vector")
check.eq(p.x.W, { { 0, 0 }, { 5, 0 } }, "and leaves the others")
check.err(function() p.x = { w = { 1, 2 } } end, P"p.x: w must be an array of 3 numbers (the shape of 'w'), got table",
  "a vector of the wrong length")
check.err(function() p.x = { W = { { 1, 2 }, { 3 } } } end, P"p.x: W must be a table of 2 rows of 2 numbers",
  "a matrix of the wrong shape")
check.eq(p.x.W, { { 0, 0 }, { 5, 0 } }, "a refused p.x = ... changes nothing")
x = p.x
x.w = "three"
check.err(function() return p.f end, P"p.x.w must be an array of 3 numbers", "p.x.w = a string")
check.eq(p.x.w, { 1, 2, 3 }, "and is forgotten")

local r = slope.minimize(f, { w = { 0, 0, 0 }, b = 0, W = slope.zeros(2, 2) },
  { optimizer = slope.optim.nelder_mead{ xatol = 1e-10, fatol = 1e-14, adaptive = true }, steps = 20000 })
check.ok(math.type(r.x.b) == "float" and #r.x.w == 3 and #r.x.W == 2 and #r.x.W[1] == 2, "r.x has the shapes")
check.near(r.x.w[3], 3, 1e-4, "nelder_mead finds w[3] = 3")
check.near(r.x.W[2][2], 4, 1e-4, "and W[2][2] = 2*2")
check.near(r.f, 0, 1e-8, "and f = 0")
local names = r.trace and r.trace:column("w[3]")
check.ok(names and names[#names] == r.x.w[3], "trace:column('w[3]') ends at r.x.w[3]")

-- errors name the parameter, the row and the element
local nm = slope.optim.nelder_mead{}
check.err(function() slope.minimize(f, { W = { { 1, 2 }, { 1, 2, 3 } } }, { optimizer = nm }) end,
  P"minimize: the start value of 'W' has rows of different lengths: row 2 has 3 values, row 1 has 2", "ragged rows")
check.err(function() slope.minimize(f, { w = { 1, "a" } }, { optimizer = nm }) end,
  P"minimize: the start value of 'w[2]' must be a number", "a string element")
check.err(function() slope.minimize(f, { w = { 1, 0 / 0 } }, { optimizer = nm }) end,
  P"minimize: the start value of 'w[2]' must be finite, got nan", "a NaN element")
check.err(function() slope.minimize(f, { W = { { 1 }, 2 } }, { optimizer = nm }) end,
  P"minimize: the start value of 'W' is a table of rows, but row 2 is a number", "a row that is a number")
check.err(function() slope.minimize(f, { w = {} }, { optimizer = nm }) end,
  P"minimize: the start value of 'w' must be a number, an array of numbers or a table of equal-length rows, got an empty table",
  "an empty start")

-- slope.gradcheck takes the same points, and gradients of the same shapes
local function gfun(q)
  return q.w[1]^2 + q.w[2] * q.b + q.W[2][1]^3,
    { w = { 2 * q.w[1], q.b }, b = q.w[2], W = { { 0 }, { 3 * q.W[2][1]^2 } } }
end
local rep = slope.gradcheck(gfun, { w = { 1, 2 }, b = 0.5, W = { { 1 }, { 2 } } })
check.ok(rep.ok and rep.max_error < 1e-8, "gradcheck: a right gradient of arrays passes (" .. tostring(rep) .. ")")
local wrong = slope.gradcheck(function(q) return q.w[1]^2 + q.w[2]^2, { w = { 2 * q.w[1], 3 * q.w[2] } } end, { w = { 1, 2 } })
check.ok(not wrong.ok and wrong.worst.name == "w[2]", "gradcheck: a wrong element is named w[2]")
check.near(wrong.worst.analytic, 6, 0, "and its analytic value is the one given")
check.err(function() slope.gradcheck(function(q) return q.w[1], { w = 1 } end, { w = { 1 } }) end,
  P"the objective function's gradient: w must be an array of 1 number (the shape", "a gradient of the wrong shape")

-- ---- bounds, lr and log_params by name: every element -------------------------------------

local box = slope.minimize(f, { w = { 0, 0, 0 }, b = 0, W = slope.zeros(2, 2) },
  { optimizer = slope.optim.nelder_mead{ xatol = 1e-10, fatol = 1e-14, adaptive = true }, steps = 20000, bounds = { w = { -1, 1.5 } } })
check.near(box.x.w[1], 1, 1e-3, "bounds on w: w[1] = 1 is inside")
check.ok(box.x.w[2] <= 1.5 and box.x.w[3] <= 1.5, "bounds on w hold for w[2] and w[3]")
check.near(box.x.w[3], 1.5, 1e-3, "w[3] ends on the bound")
local elem = slope.minimize(f, { w = { 0, 0, 0 }, b = 0, W = slope.zeros(2, 2) },
  { optimizer = slope.optim.nelder_mead{ xatol = 1e-10, fatol = 1e-14, adaptive = true }, steps = 20000, bounds = { ["w[3]"] = { -1, 1.5 } } })
check.near(elem.x.w[2], 2, 1e-3, "bounds on the element w[3] leave w[2] free")
check.near(elem.x.w[3], 1.5, 1e-3, "and bound w[3]")
check.err(function()
  slope.minimize(f, { w = { 0, 0, 0 }, b = 0, W = slope.zeros(2, 2) }, { optimizer = nm, bounds = { ww = { 0, 1 } } })
end, P"bounds names 'ww', which is not a parameter (parameters: W, b, w); did you mean 'w'?", "a misspelled bound")

-- ---- a gradient method with per-element rates: a hand loop of SGD -------------------------
-- A Lua function objective gives values only, so gradient methods run on
-- expressions; with scalar names (the array language builds on this later)
-- a rate table applies to every element of the parameter it names.
local g = slope.minimize("(a - 1)^2 + 4*(c + 2)^2", { a = 0, c = 0 }, { lr = { a = 0.1, c = 0.01 }, steps = 3 })
local ha, hc = 0, 0
for _ = 1, 3 do ha, hc = ha - 0.1 * 2 * (ha - 1), hc - 0.01 * 8 * (hc + 2) end
check.eq(g.x.a, ha, "per-parameter lr: a follows its hand loop")
check.eq(g.x.c, hc, "and c its own")

-- ---- log lines ---------------------------------------------------------------------------

local function shell(cmd)
  local fh = assert(io.popen(cmd))
  local out = fh:read("a")
  fh:close()
  return out
end
local script = [[
local f = function(p) local s = p.b^2 for i = 1, #p.w do s = s + (p.w[i] - 1)^2 end return s + (p.W[1][1] - 2)^2 end
slope.minimize(f, { w = slope.zeros(20), b = 0.5, W = { { 0.25, 0 }, { 0, 0 } }, v = { 0.125, 0.5 } },
  { optimizer = slope.optim.nelder_mead{}, steps = 1, log = 1 })
slope.minimize(f, { w = slope.zeros(20), b = 0.5, W = { { 0.25, 0 }, { 0, 0 } } },
  { optimizer = slope.optim.nelder_mead{}, steps = 1, log = 1, log_params = { "b", "w" } })
]]
local out = shell("build/slope -e " .. "'" .. script:gsub("'", "'\\''") .. "' 2>&1")
check.ok(out:find("  w = [", 1, true) and out:find(", ... 20 values]", 1, true),
  "a long vector is summarized: w = [a, b, ... 20 values]\n" .. out)
check.ok(out:find("  W = %[[-%d.e]+, [-%d.e]+; [-%d.e]+, [-%d.e]+%]  b"), "a short matrix is shown with its rows\n" .. out)
check.ok(out:find("  v = [0.125, 0.5]", 1, true), "a short vector in full\n" .. out)
check.ok(out:find("  b = 0.5  w = [", 1, true), "log_params = { 'b', 'w' } shows b, then w summarized\n" .. out)

-- ---- traces and checkpoints --------------------------------------------------------------

local dir = shell("mktemp -d"):gsub("%s+$", "")
local start = { w = { 0, 0, 0 }, b = 0, W = slope.zeros(2, 2) }
local cm = slope.optim.cmaes{ sigma0 = 0.5 }
local full = slope.minimize(f, start, { optimizer = cm, steps = 40, seed = 3 })
slope.minimize(f, start, { optimizer = cm, steps = 20, seed = 3, checkpoint = { path = dir .. "/ck", every = 20 } })
local resumed = slope.minimize(f, start, { optimizer = cm, steps = 40, seed = 3, resume = dir .. "/ck" })
check.eq(resumed.x, full.x, "a checkpoint of array parameters resumes bit for bit")
full.trace:csv(dir .. "/t.csv")
local header = io.open(dir .. "/t.csv"):read("l")
check.eq(header, "step,f,lr,grad_norm,nfev,W[1,1],W[1,2],W[2,1],W[2,2],b,w[1],w[2],w[3]",
  "trace:csv has a column per element")
check.eq(full.trace[#full.trace].x, full.x, "t[k].x has the shapes of r.x")
check.eq(full.trace[3].x.W[2][1], full.trace:column("W[2,1]")[4], "t[k].x.W[2][1] is the column W[2,1]")
local one = slope.minimize("sum((w - 1)^2)", { w = { 0 } }, { lr = 0.1, steps = 2 })
check.eq(one.trace[1].x, { w = { 0.2 } }, "a vector of one element stays a vector in the trace")
check.eq(slope.minimize("(a - 1)^2", { a = 0 }, { lr = 0.1, steps = 2 }).trace[1].x, { a = 0.2 },
  "a scalar problem's trace rows are as before")

-- ---- vector data columns -----------------------------------------------------------------

local d = slope.data{ x = { { 1, 2 }, { 3, 4 }, { 5, 6 } }, y = { 5, 6, 7 } }
check.eq(d:columns(), { "x", "y" }, "a table of rows is one vector column")
check.eq(d:column("x"), { { 1, 2 }, { 3, 4 }, { 5, 6 } }, "ds:column gives a vector column's rows")
check.eq(tostring(d), "slope.Data(3 rows: x, y)", "tostring lists it once")
d:csv(dir .. "/d.csv")
check.eq(io.open(dir .. "/d.csv"):read("l"), "x[1],x[2],y", "written with headers x[1], x[2]")
check.eq(slope.data.csv(dir .. "/d.csv"):column("x"), d:column("x"), "which read back as the vector column")
local tr, te = d:split(0.5, 1)
check.ok(#tr + #te == 3 and tr:columns()[1] == "x" and #tr:column("x")[1] == 2, "ds:split keeps the vector column")
local fh = io.open(dir .. "/g.csv", "w")
fh:write("y,x1,x2,x3,x_10\n1,2,3,4,0\n5,6,7,8,0\n")
fh:close()
local gd = slope.data.csv(dir .. "/g.csv", { group = { "x" } })
check.eq(gd:columns(), { "y", "x", "x_10" }, "group = { 'x' } joins x1, x2, x3")
check.eq(gd:column("x")[2], { 6, 7, 8 }, "into rows of 3")
fh = io.open(dir .. "/h.csv", "w")
fh:write("x2,x1\n1,2\n")
fh:close()
check.err(function() slope.data.csv(dir .. "/h.csv", { group = { "x" } }) end,
  P"csv: the columns x1, x2, ... of group 'x' must stand side by side in order (x2 is out of place)", "x2 before x1")
check.err(function() slope.data.csv(dir .. "/g.csv", { group = { "z" } }) end,
  P"csv: group names 'z', but the file has no columns z1, z2, ...", "a group the file does not have")
check.err(function() slope.data{ x = { { 1, 2 }, { 3 } } } end,
  P"slope.data: column 'x' has rows of different lengths: row 2 has 1 values, row 1 has 2", "ragged data rows")
check.err(function() slope.data{ x = { { 1, 2 }, 3 } } end,
  P"slope.data: column 'x' is a table of rows, but row 2 is a number", "a row that is a number")
check.err(function() slope.data{ x = { { 1, 2 }, { 3, 0 / 0 } } } end,
  P"slope.data: column 'x', row 2, entry 2 is nan", "a NaN in a vector column")
check.err(function() slope.data{ x = { 1, 2 }, ["x[1]"] = { 1, 2 } } end,
  P"data: column 'x[1]' and the scalar column 'x' would share the name 'x'", "x and x[1] in one set")
-- ---- expressions over array parameters and vector columns: hand loops --------------------

local X, Y = {}, {}
for i = 1, 9 do
  X[i] = { math.sin(1.3 * i), math.cos(0.7 * i), 0.1 * i }
  Y[i] = 2 * X[i][1] - X[i][2] + 0.5 * X[i][3] + 0.25
end
local lm = slope.data{ x = X, y = Y }
local lmf = "mean((dot(w, x) + b - y)^2)"
-- the gradient of the mean squared error by hand
local function lm_grad(w, bb)
  local gw, gb, f0 = { 0, 0, 0 }, 0, 0
  for i = 1, #X do
    local r = bb - Y[i]
    for j = 1, 3 do r = r + w[j] * X[i][j] end
    f0 = f0 + r * r / #X
    for j = 1, 3 do gw[j] = gw[j] + 2 * r * X[i][j] / #X end
    gb = gb + 2 * r / #X
  end
  return f0, gw, gb
end
local lp = slope.problem(lmf, { w = { 0.5, -0.25, 1 }, b = 0 }, { data = lm })
check.near(lp.f, (lm_grad({ 0.5, -0.25, 1 }, 0)), 1e-14, "p.f of a linear model with a vector of weights")
local _, gw0, gb0 = lm_grad({ 0.5, -0.25, 1 }, 0)
local pg = lp.g
for j = 1, 3 do check.near(pg.w[j], gw0[j], 1e-14, "p.g.w[" .. j .. "] is the hand gradient") end
check.near(pg.b, gb0, 1e-14, "p.g.b too")
check.err(function() return p.g end, P"p.g: this problem is known by its values only", "p.g of a Lua function objective")
-- three SGD steps with one rate for w (every element) and another for b
local hw, hb = { 0.5, -0.25, 1 }, 0
for _ = 1, 3 do
  local _, gw, gb = lm_grad(hw, hb)
  for j = 1, 3 do hw[j] = hw[j] - 0.05 * gw[j] end
  hb = hb - 0.1 * gb
end
local lr = slope.minimize(lmf, { w = { 0.5, -0.25, 1 }, b = 0 }, { data = lm, lr = { w = 0.05, b = 0.1 }, steps = 3 })
for j = 1, 3 do check.near(lr.x.w[j], hw[j], 1e-13, "lr = { w = 0.05, b = 0.1 }: w[" .. j .. "] follows the hand loop") end
check.near(lr.x.b, hb, 1e-13, "and b its own rate")
-- clipping by norm covers every element: one step moves the point by lr * max_norm
local c1 = slope.minimize(lmf, { w = { 5, 5, 5 }, b = 5 }, { data = lm, lr = 0.5, steps = 1, clip = { norm = 0.01 } })
local moved = (c1.x.b - 5)^2
for j = 1, 3 do moved = moved + (c1.x.w[j] - 5)^2 end
-- (PyTorch's clip_grad_norm_ scales by max_norm / (norm + 1e-6): a relative 1e-6 at most)
check.near(math.sqrt(moved), 0.5 * 0.01, 1e-6, "clip = { norm } bounds the global norm over every element")
-- bounds by name on an array, with a gradient method
local bx = slope.minimize(lmf, { w = { 0, 0, 0 }, b = 0 },
  { data = lm, optimizer = slope.optim.adam{ lr = 0.05 }, steps = 300, bounds = { w = { -0.5, 0.5 } } })
check.ok(bx.x.w[1] == 0.5 and bx.x.w[2] == -0.5, "bounds = { w = ... } clamp every element (w[1] = 0.5, w[2] = -0.5)")
-- L-BFGS to the least-squares solution: the data are exactly linear
local fit = slope.minimize(lmf, { w = slope.zeros(3), b = 0 }, { data = lm, optimizer = slope.optim.lbfgs{}, steps = 200 })
check.ok(fit.f < 1e-9, "L-BFGS fits the linear data (f = " .. fit.f .. ")")
check.near(fit.x.w[1], 2, 1e-4, "w[1] = 2")
check.near(fit.x.w[2], -1, 1e-4, "w[2] = -1")
check.near(fit.x.w[3], 0.5, 1e-3, "w[3] = 0.5")
check.near(fit.x.b, 0.25, 1e-4, "b = 0.25")
-- a matrix parameter, opt:step on a Problem
local mp = slope.problem("mean(sum((W @ v - t)^2))", { W = { { 1, 0 }, { 0, 1 }, { 1, 1 } } },
  { data = slope.data{ v = { { 1, 2 } }, t = { { 0, 0, 0 } } } })
check.eq(mp.f, 1 + 4 + 9, "p.f of W @ v with a 3x2 W")
local sgd = slope.optim.sgd{ lr = 0.01 }
sgd:step(mp)
-- d/dW sum((W v - t)^2) = 2 (W v - t) v^T
local Wv = { 1, 2, 3 }
local want = { { 1 - 0.02 * Wv[1] * 1, 0 - 0.02 * Wv[1] * 2 }, { 0 - 0.02 * Wv[2] * 1, 1 - 0.02 * Wv[2] * 2 },
  { 1 - 0.02 * Wv[3] * 1, 1 - 0.02 * Wv[3] * 2 } }
for i = 1, 3 do for j = 1, 2 do
  check.near(mp.x.W[i][j], want[i][j], 1e-15, ("opt:step moves W[%d][%d] by the outer-product gradient"):format(i, j))
end end
check.err(function() slope.minimize("w^2", { w = { 1, 2 } }, { lr = 0.1 }) end, P"must be a scalar, not a vector(2)",
  "an objective that is a vector")

-- ---- slope.testfn in n dimensions: vector expressions against hand loops -------------------

local hand_fn = {
  sphere = function(x) local s = 0 for i = 1, #x do s = s + x[i]^2 end return s end,
  rosenbrock = function(x)
    local s = 0
    for i = 1, #x - 1 do s = s + 100 * (x[i + 1] - x[i]^2)^2 + (1 - x[i])^2 end
    return s
  end,
  rastrigin = function(x)
    local s = 10 * #x
    for i = 1, #x do s = s + x[i]^2 - 10 * math.cos(2 * math.pi * x[i]) end
    return s
  end,
  ackley = function(x)
    local a, c = 0, 0
    for i = 1, #x do a = a + x[i]^2; c = c + math.cos(2 * math.pi * x[i]) end
    return -20 * math.exp(-0.2 * math.sqrt(a / #x)) - math.exp(c / #x) + 20 + math.exp(1)
  end,
  styblinski_tang = function(x)
    local s = 0
    for i = 1, #x do s = s + x[i]^4 - 16 * x[i]^2 + 5 * x[i] end
    return 0.5 * s
  end,
}
for name, fn in pairs(hand_fn) do
  local len
  for _, n in ipairs { 3, 10, 1000 } do
    local t = slope.testfn[name]{ n = n }
    local at = slope.randn(n, { seed = n })
    check.near(slope.problem(t.expr, { x = at }).f, fn(at), 1e-12, ("testfn.%s{ n = %d } at a random point"):format(name, n))
    check.near(slope.problem(t.expr, t.minimum).f, t.fmin, 1e-12, ("testfn.%s{ n = %d }: f(minimum) = fmin"):format(name, n))
    check.ok(#t.domain == n and #t.minimum.x == n, ("testfn.%s{ n = %d }: a box and a minimum per element"):format(name, n))
    len = len or #tostring(t.expr)
    check.eq(#tostring(t.expr), len, ("testfn.%s: the text is as long for n = %d as for n = 3"):format(name, n))
  end
end
local big = slope.testfn.rosenbrock{ n = 200000 }
check.eq(slope.problem(big.expr, big.minimum).f, 0, "testfn.rosenbrock{ n = 200000 }: no upper limit on n")
check.eq(slope.testfn.sphere{ n = 2 }.minimum, { x = 0, y = 0 }, "n = 2 keeps the variables x and y (for plots)")

os.execute("rm -rf '" .. dir .. "'")

check.done()
