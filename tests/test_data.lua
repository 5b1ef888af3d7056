-- test_data.lua -- data sets from Lua: slope.data{...}, slope.data.csv,
-- slope.data.regression, split, the methods, and every error message.
-- Run from the repository root: build/slope tests/test_data.lua
local check = dofile("tests/check.lua")
local plain = check.plain

-- ---- slope.data{ ... } -------------------------------------------------------------

check.eq(type(slope.data), "table", "slope.data is a table")
check.eq(type(slope.data.csv), "function", "slope.data.csv")
check.eq(type(slope.data.regression), "function", "slope.data.regression")

local ds = slope.data{ x = { 1, 2, 3, 4 }, y = { 3, 5, 7, 9 } }
check.eq(#ds, 4, "#ds")
check.eq(ds:rows(), 4, "ds:rows()")
check.eq(ds:columns(), { "x", "y" }, "columns in name order")
check.eq(ds:column "x", { 1, 2, 3, 4 }, "column x")
check.eq(ds:column "y", { 3, 5, 7, 9 }, "column y")
check.eq(tostring(ds), "slope.Data(4 rows: x, y)", "tostring")
check.eq(math.type(ds:column "x"[1]), "float", "values are doubles")
local copy = ds:column "x"
copy[1] = 100
check.eq(ds:column "x"[1], 1, "column returns a copy")
check.eq(ds.x, nil, "no column shorthand: methods only")

-- the order of the columns does not depend on the order of the table
check.eq(slope.data{ b = { 1 }, a = { 2 }, c = { 3 }, _z = { 4 } }:columns(), { "_z", "a", "b", "c" },
         "names sorted")
check.eq(tostring(slope.data{ only = { 0.5 } }), "slope.Data(1 row: only)", "one row")
check.eq(tostring(slope.data{ e = {} }), "slope.Data(0 rows: e)", "zero rows")
local wide = {}
for j = 1, 10 do wide["c" .. j - 1] = { j } end
check.eq(tostring(slope.data(wide)), "slope.Data(1 row: c0, c1, c2, c3, c4, c5, c6, c7, ... 10 columns)",
         "many columns are abbreviated")

check.err(function() return slope.data{ x = { 1, 2, 3, 4 }, y = { 1, 2, 3 } } end,
          plain "slope.data: column 'y' has 3 entries, column 'x' has 4", "length mismatch")
check.err(function() return slope.data{ x = { 1, "2", 3 } } end,
          plain "slope.data: column 'x', entry 2 is a string (expected a number)", "string entry")
check.err(function() return slope.data{ x = { 1, 2, true } } end,
          plain "slope.data: column 'x', entry 3 is a boolean (expected a number)", "boolean entry")
check.err(function() return slope.data{ x = { 1, 0/0 } } end,
          plain "slope.data: column 'x', entry 2 is nan (expected a finite number)", "nan entry")
check.err(function() return slope.data{ x = { math.huge } } end,
          plain "slope.data: column 'x', entry 1 is inf (expected a finite number)", "inf entry")
check.err(function() return slope.data{ x = 3 } end,
          plain "slope.data: column 'x' must be an array of numbers, got a number", "column not a table")
check.err(function() return slope.data{ { 1, 2 } } end,
          plain "slope.data: column names must be strings, got a number key", "array instead of names")
check.err(function() return slope.data{} end, plain "slope.data: no columns given", "no columns")
check.err(function() return slope.data "x" end, plain "slope.data: expected a table of columns", "not a table")
check.err(function() return slope.data{ ["my col"] = { 1 } } end,
          plain "column name 'my col' is not a name", "invalid name")

-- ---- methods -----------------------------------------------------------------------

check.eq(ds:head(2), "x  y\n1  3\n2  5\n... 2 more rows", "head(2)")
check.eq(ds:head(), "x  y\n1  3\n2  5\n3  7\n4  9", "head() shows up to 5 rows")
check.eq(ds:head(0), "x  y\n... 4 more rows", "head(0)")
check.eq(slope.data{ long_name = { 1.5, -2 }, v = { 1e-7, 123456789 } }:head(3),
         "long_name            v\n      1.5        1e-07\n       -2  1.23457e+08", "head aligns columns")
check.eq(slope.data{ a = { 1, 2, 3, 4, 5, 6 } }:head(5), "a\n1\n2\n3\n4\n5\n... 1 more row", "one more row")
check.err(function() return ds:head(-1) end, "must be >= 0", "head(-1)")
check.err(function() return ds:column "z" end, plain "column: no column 'z' (columns: x, y)", "unknown column")
check.err(function() return ds.rows({}) end, "slope.Data expected", "methods check their argument")

-- ---- regression ---------------------------------------------------------------------

local r = slope.data.regression()
check.eq(#r, 100, "default n = 100")
check.eq(r:columns(), { "x", "y" }, "one weight: x, y")
local r0 = slope.data.regression{ n = 100, w = 1, b = 0, noise = 0.1, seed = 0 }
check.eq(r0:column "y", r:column "y", "the defaults are n=100, w=1, b=0, noise=0.1, seed=0")

local exact = slope.data.regression{ n = 50, w = 3, b = 1, noise = 0, seed = 7 }
local xs, ys = exact:column "x", exact:column "y"
local ok = true
for i = 1, #xs do ok = ok and ys[i] == 3 * xs[i] + 1 end
check.ok(ok, "noise = 0: y = 3x + 1 exactly")
check.eq(slope.data.regression{ n = 50, w = 3, b = 1, noise = 0.5, seed = 7 }:column "x", xs,
         "x does not depend on the noise level")
check.eq(slope.data.regression{ n = 10, seed = 3 }:column "y", slope.data.regression{ n = 10, seed = 3 }:column "y",
         "equal seeds, equal data")
check.ok(slope.data.regression{ n = 10, seed = 3 }:column "y"[1] ~= slope.data.regression{ n = 10, seed = 4 }:column "y"[1],
         "different seeds, different data")

local multi = slope.data.regression{ n = 5, w = { 3, -2 }, b = 1, seed = 1 }
check.eq(multi:columns(), { "x1", "x2", "y" }, "two weights: x1, x2, y")
check.eq(slope.data.regression{ n = 5, w = { 2 } }:columns(), { "x", "y" }, "a one-weight list: x, y")

-- least squares on many rows recovers w and b; x is standard normal
local big = slope.data.regression{ n = 20000, w = 3, b = 1, noise = 0.1, seed = 42 }
do
  local x, y = big:column "x", big:column "y"
  local n, mx, my = #x, 0, 0
  for i = 1, n do mx, my = mx + x[i], my + y[i] end
  mx, my = mx / n, my / n
  local sxy, sxx = 0, 0
  for i = 1, n do
    sxy = sxy + (x[i] - mx) * (y[i] - my)
    sxx = sxx + (x[i] - mx) ^ 2
  end
  local w = sxy / sxx
  check.ok(math.abs(mx) < 4 / math.sqrt(n), "mean of x near 0")
  check.ok(math.abs(sxx / (n - 1) - 1) < 4 * math.sqrt(2 / n), "variance of x near 1")
  check.ok(math.abs(w - 3) < 4 * 0.1 / math.sqrt(n), "fitted w near 3")
  check.ok(math.abs(my - w * mx - 1) < 4 * 0.1 / math.sqrt(n), "fitted b near 1")
end

check.err(function() return slope.data.regression{ size = 10 } end,
          plain "regression: unknown option 'size' (options: n, w, b, noise, seed)", "unknown option")
check.err(function() return slope.data.regression{ n = 0 } end, plain "regression: n must be >= 1, got 0", "n = 0")
check.err(function() return slope.data.regression{ n = 2.5 } end, plain "regression: n must be an integer, got 2.5",
          "n not an integer")
check.err(function() return slope.data.regression{ noise = -1 } end, plain "regression: noise must be >= 0, got -1",
          "negative noise")
check.err(function() return slope.data.regression{ w = "3" } end,
          plain "regression: w must be a number or an array of numbers, got a string", "w a string")
check.err(function() return slope.data.regression{ w = { 1, "a" } } end,
          plain "regression: w[2] must be a number, got a string", "w entry a string")
check.err(function() return slope.data.regression{ w = {} } end,
          plain "regression: w must have 1 to 4095 weights, got 0", "no weights")
check.err(function() return slope.data.regression{ b = "1" } end,
          plain "regression: b must be a number, got a string", "b a string")
check.err(function() return slope.data.regression{ b = math.huge } end,
          plain "regression: 'b' must be finite, got inf", "b infinite")

-- ---- split ----------------------------------------------------------------------------

local ids = {}
for i = 1, 100 do ids[i] = i end
local all = slope.data{ id = ids, twice = (function() local t = {} for i = 1, 100 do t[i] = 2 * i end return t end)() }
local train, test = all:split(0.8, 1)
check.eq(#train, 80, "train size")
check.eq(#test, 20, "test size")
check.eq(train:columns(), { "id", "twice" }, "train has the columns")
do
  local seen, count, aligned = {}, 0, true
  for _, part in ipairs{ train, test } do
    local id, tw = part:column "id", part:column "twice"
    for i = 1, #id do
      if not seen[id[i]] then count = count + 1 end
      seen[id[i]] = true
      aligned = aligned and tw[i] == 2 * id[i]
    end
  end
  check.eq(count, 100, "every row exactly once")
  check.ok(aligned, "rows stay whole")
end
local train2 = all:split(0.8, 1)
check.eq(train2:column "id", train:column "id", "equal seeds, equal splits")
local train3 = all:split(0.8, 2)
check.ok(table.concat(train3:column "id", ",") ~= table.concat(train:column "id", ","), "the seed matters")
local d0 = all:split(0.8)
check.eq(d0:column "id", all:split(0.8, 0):column "id", "the seed defaults to 0")
local a, b = slope.data{ v = { 1, 2, 3 } }:split(0.5)
check.eq({ #a, #b }, { 2, 1 }, "round(1.5) = 2 rows for training")

check.err(function() return all:split(1.5) end, plain "split: 'fraction' must be in (0, 1), got 1.5", "fraction > 1")
check.err(function() return all:split(0) end, plain "split: 'fraction' must be in (0, 1), got 0", "fraction 0")
check.err(function() return slope.data{ v = { 1 } }:split(0.5) end,
          plain "split: needs at least 2 rows, the data set has 1", "one row")
check.err(function() return all:split "half" end, "number expected", "fraction not a number")

-- ---- CSV ------------------------------------------------------------------------------

local pts = slope.data.csv "tests/data/points.csv"
check.eq(tostring(pts), "slope.Data(4 rows: x, y)", "read points.csv")
check.eq(pts:column "y", { 3, 5, 7, 9 }, "points.csv values")
check.err(function() return slope.data.csv "tests/data/bad_number.csv" end,
          plain "tests/data/bad_number.csv:7: column 2 ('y'): 'abc' is not a number", "bad number")
check.err(function() return slope.data.csv "tests/data/bad_fields.csv" end,
          plain "tests/data/bad_fields.csv:4: expected 3 fields, found 2", "bad field count")
check.err(function() return slope.data.csv "tests/data/no_such.csv" end,
          plain "cannot open 'tests/data/no_such.csv': No such file or directory", "missing file")

-- writing and reading back is exact, for every double
local tmp = os.tmpname()
local src = slope.data.regression{ n = 200, w = { 0.1, -1e-300, 7e200 }, b = 1 / 3, seed = 9 }
check.eq(src:csv(tmp), src, "ds:csv returns ds")
local back = slope.data.csv(tmp)
check.eq(back:columns(), src:columns(), "round trip: columns")
for _, name in ipairs(src:columns()) do
  check.eq(back:column(name), src:column(name), "round trip: column " .. name)
end
local f = io.open(tmp)
check.eq(f:read "l", "x1,x2,x3,y", "CSV header")
f:close()
os.remove(tmp)
check.err(function() return src:csv "/nonexistent-folder/out.csv" end,
          plain "csv: cannot open '/nonexistent-folder/out.csv': No such file or directory", "unwritable path")

-- ---- data in a run --------------------------------------------------------------------

local fit = slope.minimize("mean((w*x + b - y)^2)", { w = 0, b = 0 },
                           { data = ds, optimizer = slope.optim.sgd{ lr = 0.05 }, steps = 2000 })
check.near(fit.x.w, 2, 1e-6, "fit w on y = 2x + 1")
check.near(fit.x.b, 1, 1e-6, "fit b on y = 2x + 1")

-- f:compile and f:eval take a slope.Data, as the README shows: the mean
-- squared error of w*x against y = 2x on x = 1, 2, 3 is (w - 2)^2 * 14/3,
-- its derivative 28/3 (w - 2).
do
  local line = slope.data{ x = { 1, 2, 3 }, y = { 2, 4, 6 } }
  local mse = slope.expr "mean((w*x - y)^2)"
  local fn = mse:compile({ "w" }, line)
  local v, g = fn:grad(3)
  check.near(v, 14 / 3, 1e-15, "compiled over a Data: value")
  check.near(g[1], 28 / 3, 1e-14, "compiled over a Data: gradient")
  check.near(mse:compile{ "w", data = line }(0), 4 * 14 / 3, 1e-14, "data = Data as an option")
  check.near(mse:eval({ w = 3 }, line), 14 / 3, 1e-15, "eval over a Data")
  check.near(mse:eval(1, line), 14 / 3, 1e-15, "eval(number) over a Data")
  check.near(slope.expr("sum(x*y)"):eval(nil, line), 28, 0, "eval of a constant over a Data")
  line = nil
  collectgarbage()
  check.near(fn(2), 0, 0, "the compiled function keeps its data set alive")
  check.err(function() mse:eval({ w = 1 }, 5) end, "slope.Data expected", "eval's data must be a Data")
  check.err(function() mse:compile({ "w" }, 5) end, "data must be a slope.Data or a table",
            "compile's data must be a Data or a table")
end

check.done()
