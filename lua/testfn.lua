-- testfn.lua -- slope.testfn.*: the classic optimization test functions, each
-- as { expr, minimum, fmin, domain } (minimum as a table by variable name,
-- domain as { {lo, hi}, ... } per variable, for plots and start points).
local slope, private = ...

local function names(n)
  if n == 1 then return { "x" } end
  if n == 2 then return { "x", "y" } end
  local v = {}
  for i = 1, n do v[i] = "x" .. i end
  return v
end

local function dims(o, fixed, fname)
  o = o or {}
  for k, v in pairs(o) do
    if k ~= "n" then private.fail(("slope.testfn.%s: %s"):format(fname, private.unknown_option(k, { "n" }, v))) end
  end
  local n = o.n or fixed or 2
  if math.type(n) ~= "integer" or n < 1 or n > 100 then
    private.fail(("slope.testfn.%s: n must be an integer in [1, 100], got %s"):format(fname, tostring(n)))
  end
  if fixed and n ~= fixed then private.fail(("slope.testfn.%s is defined for n = %d only"):format(fname, fixed)) end
  return n, names(n)
end

local function point(v, values)
  local p = {}
  for i, name in ipairs(v) do p[name] = type(values) == "table" and values[i] or values end
  return p
end

local function box(v, lo, hi)
  local d = {}
  for i = 1, #v do d[i] = { lo, hi } end
  return d
end

local function sum_over(n, term)
  local parts = {}
  for i = 1, n do parts[i] = "(" .. term(i) .. ")" end
  return table.concat(parts, " + ")
end

local defs = {
  sphere = function(o)
    local n, v = dims(o, nil, "sphere")
    return sum_over(n, function(i) return v[i] .. "^2" end), point(v, 0), 0, box(v, -5, 5)
  end,
  rosenbrock = function(o)
    local n, v = dims(o, nil, "rosenbrock")
    if n < 2 then private.fail("slope.testfn.rosenbrock needs n >= 2") end
    return sum_over(n - 1, function(i)
      return ("(1 - %s)^2 + 100*(%s - %s^2)^2"):format(v[i], v[i + 1], v[i])
    end), point(v, 1), 0, box(v, -2, 2)
  end,
  rastrigin = function(o)
    local n, v = dims(o, nil, "rastrigin")
    return ("%d + "):format(10 * n) .. sum_over(n, function(i)
      return ("%s^2 - 10*cos(2*pi*%s)"):format(v[i], v[i])
    end), point(v, 0), 0, box(v, -5.12, 5.12)
  end,
  ackley = function(o)
    local n, v = dims(o, nil, "ackley")
    local sq = sum_over(n, function(i) return v[i] .. "^2" end)
    local cs = sum_over(n, function(i) return "cos(2*pi*" .. v[i] .. ")" end)
    return ("-20*exp(-0.2*sqrt((%s)/%d)) - exp((%s)/%d) + 20 + exp(1)"):format(sq, n, cs, n),
      point(v, 0), 0, box(v, -5, 5)
  end,
  styblinski_tang = function(o)
    local n, v = dims(o, nil, "styblinski_tang")
    return "0.5*(" .. sum_over(n, function(i)
      return ("%s^4 - 16*%s^2 + 5*%s"):format(v[i], v[i], v[i])
    end) .. ")", point(v, -2.903534027771178), -39.16616570377142 * n, box(v, -5, 5)
  end,
  himmelblau = function(o)
    local _, v = dims(o, 2, "himmelblau")
    return "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", point(v, { 3, 2 }), 0, box(v, -5, 5)
  end,
  beale = function(o)
    local _, v = dims(o, 2, "beale")
    return "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
      point(v, { 3, 0.5 }), 0, box(v, -4.5, 4.5)
  end,
  booth = function(o)
    local _, v = dims(o, 2, "booth")
    return "(x + 2*y - 7)^2 + (2*x + y - 5)^2", point(v, { 1, 3 }), 0, box(v, -10, 10)
  end,
  matyas = function(o)
    local _, v = dims(o, 2, "matyas")
    return "0.26*(x^2 + y^2) - 0.48*x*y", point(v, { 0, 0 }), 0, box(v, -10, 10)
  end,
  three_hump_camel = function(o)
    local _, v = dims(o, 2, "three_hump_camel")
    return "2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2", point(v, { 0, 0 }), 0, box(v, -5, 5)
  end,
  goldstein_price = function(o)
    local _, v = dims(o, 2, "goldstein_price")
    return "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))"
      .. "*(30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
      point(v, { 0, -1 }), 3, box(v, -2, 2)
  end,
}

local testfn = {}
for name, def in pairs(defs) do
  testfn[name] = function(o)
    local src, minimum, fmin, domain = def(o)
    return { expr = slope.expr(src), minimum = minimum, fmin = fmin, domain = domain, name = name }
  end
end

return testfn
