-- testfn.lua -- slope.testfn.*: the classic optimization test functions, each
-- as { expr, minimum, fmin, domain } (minimum as a table by variable name,
-- domain as { {lo, hi}, ... } per variable -- per element of a vector --, for
-- plots and start points).  With n = 1 or 2 the variables are x (and y), as
-- plots want them; from n = 3 on the function is a vector expression in one
-- vector x of n elements (sum(x^2), an indexed sum for rosenbrock), whose
-- text and compiled size do not grow with n, so n has no upper limit short
-- of memory.  Its minimum { x = { ... } } is a start value as it stands.
local slope, private = ...

local function names(n)
  if n == 1 then return { "x" } end
  return { "x", "y" }
end

-- n (from the options, 'fixed' or 2) and the variables; nil variables for
-- the vector form (n >= 3).
local function dims(o, fixed, fname)
  o = o or {}
  for k, v in pairs(o) do
    if k ~= "n" then private.fail(("slope.testfn.%s: %s"):format(fname, private.unknown_option(k, { "n" }, v))) end
  end
  local n = o.n or fixed or 2
  if math.type(n) ~= "integer" or n < 1 then
    private.fail(("slope.testfn.%s: n must be an integer >= 1, got %s"):format(fname, tostring(n)))
  end
  if fixed and n ~= fixed then private.fail(("slope.testfn.%s is defined for n = %d only"):format(fname, fixed)) end
  return n, n <= 2 and names(n) or nil
end

-- The minimum { name = value } of the scalar form, or { x = { value, ... } }
-- of the vector form of n elements.
local function point(v, values, n)
  local p = {}
  if not v then
    local x = {}
    for i = 1, n do x[i] = values end
    return { x = x }
  end
  for i, name in ipairs(v) do p[name] = type(values) == "table" and values[i] or values end
  return p
end

local function box(n, lo, hi)
  local d = {}
  for i = 1, n do d[i] = { lo, hi } end
  return d
end

local function sum_over(n, term)
  local parts = {}
  for i = 1, n do parts[i] = "(" .. term(i) .. ")" end
  return table.concat(parts, " + ")
end

-- A function of n variables: the scalar text 'scalar(v)' for n <= 2, else
-- the vector text, with its minimum (every coordinate 'at') and box.
local function nd(o, fname, scalar, vector, at, lo, hi, fmin)
  local n, v = dims(o, nil, fname)
  return v and scalar(n, v) or vector(n), point(v, at, n), fmin and fmin(n) or 0, box(n, lo, hi)
end

local defs = {
  sphere = function(o)
    return nd(o, "sphere", function(n, v) return sum_over(n, function(i) return v[i] .. "^2" end) end,
      function() return "sum(x^2)" end, 0, -5, 5)
  end,
  rosenbrock = function(o)
    if o and o.n == 1 then private.fail("slope.testfn.rosenbrock needs n >= 2") end
    return nd(o, "rosenbrock", function() return "(1 - x)^2 + 100*(y - x^2)^2" end,
      function() return "sum(i = 1..#x-1, 100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2)" end, 1, -2, 2)
  end,
  rastrigin = function(o)
    return nd(o, "rastrigin", function(n, v)
      return ("%d + "):format(10 * n) .. sum_over(n, function(i)
        return ("%s^2 - 10*cos(2*pi*%s)"):format(v[i], v[i])
      end)
    end, function() return "10*#x + sum(x^2 - 10*cos(2*pi*x))" end, 0, -5.12, 5.12)
  end,
  ackley = function(o)
    return nd(o, "ackley", function(n, v)
      local sq = sum_over(n, function(i) return v[i] .. "^2" end)
      local cs = sum_over(n, function(i) return "cos(2*pi*" .. v[i] .. ")" end)
      return ("-20*exp(-0.2*sqrt((%s)/%d)) - exp((%s)/%d) + 20 + exp(1)"):format(sq, n, cs, n)
    end, function() return "-20*exp(-0.2*sqrt(mean(x^2))) - exp(mean(cos(2*pi*x))) + 20 + exp(1)" end, 0, -5, 5)
  end,
  styblinski_tang = function(o)
    return nd(o, "styblinski_tang", function(n, v)
      return "0.5*(" .. sum_over(n, function(i)
        return ("%s^4 - 16*%s^2 + 5*%s"):format(v[i], v[i], v[i])
      end) .. ")"
    end, function() return "0.5*sum(x^4 - 16*x^2 + 5*x)" end, -2.903534027771178, -5, 5,
      function(n) return -39.16616570377142 * n end)
  end,
  himmelblau = function(o)
    local _, v = dims(o, 2, "himmelblau")
    return "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", point(v, { 3, 2 }), 0, box(2, -5, 5)
  end,
  beale = function(o)
    local _, v = dims(o, 2, "beale")
    return "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
      point(v, { 3, 0.5 }), 0, box(2, -4.5, 4.5)
  end,
  booth = function(o)
    local _, v = dims(o, 2, "booth")
    return "(x + 2*y - 7)^2 + (2*x + y - 5)^2", point(v, { 1, 3 }), 0, box(2, -10, 10)
  end,
  matyas = function(o)
    local _, v = dims(o, 2, "matyas")
    return "0.26*(x^2 + y^2) - 0.48*x*y", point(v, { 0, 0 }), 0, box(2, -10, 10)
  end,
  three_hump_camel = function(o)
    local _, v = dims(o, 2, "three_hump_camel")
    return "2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2", point(v, { 0, 0 }), 0, box(2, -5, 5)
  end,
  goldstein_price = function(o)
    local _, v = dims(o, 2, "goldstein_price")
    return "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))"
      .. "*(30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
      point(v, { 0, -1 }), 3, box(2, -2, 2)
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
