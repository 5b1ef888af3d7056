-- eval.lua -- r.eval, the held-out evaluation rows of a run (eval = { test
-- = ds }): one row { epoch, step, train, NAME... } per evaluation, with
-- :csv, :json, :column and :series for slope.plot.curve.
local _, private = ...
local textio = require "slope.textio"

local Eval = {}
Eval.__index = Eval
Eval.__name = "slope.Eval"

-- The columns: epoch, step, train, then the sets' names in sorted order.
function Eval:columns()
  local cols = { "epoch", "step", "train" }
  for _, name in ipairs(getmetatable(self).sets or {}) do cols[#cols + 1] = name end
  return cols
end

local function check_column(self, name)
  for _, c in ipairs(self:columns()) do if c == name then return end end
  private.fail(("eval:column: no column '%s' (columns: %s)"):format(tostring(name), table.concat(self:columns(), ", ")))
end

function Eval:column(name)
  check_column(self, name)
  local out = {}
  for i, row in ipairs(self) do out[i] = row[name] end
  return out
end

-- { train = {...}, test = {...} }: slope.plot.curve{ series = r.eval:series(), x = r.eval:column "epoch" }
function Eval:series()
  local out = {}
  for i, c in ipairs(self:columns()) do if i > 2 then out[c] = self:column(c) end end
  return out
end

-- The train and test curves: slope.plot.curve over x = "epoch" (or "step"),
-- with its options (file, term, log, title, ...).
function Eval:plot(o)
  o = o or {}
  if type(o) ~= "table" then private.fail("eval:plot{ x = \"epoch\", file = \"loss.svg\" }: expected a table of options") end
  local x = o.x or "epoch"
  if x ~= "epoch" and x ~= "step" then private.fail(("eval:plot: x must be \"epoch\" or \"step\", got %s"):format(tostring(x))) end
  local args = { series = self:series(), x = self:column(x), xlabel = x, ylabel = "f" }
  for k, v in pairs(o) do if k ~= "x" then args[k] = v end end
  return require("slope.plot").curve(args)
end

local function path_arg(what, path)
  if type(path) ~= "string" or path == "" then
    private.fail(("%s: expected a file name, got %s"):format(what, type(path)))
  end
end

function Eval:csv(path)
  path_arg("eval:csv", path)
  textio.write(path, textio.csv(self:columns(), self), "eval:csv")
  return self
end

function Eval:json(path)
  path_arg("eval:json", path)
  local rows = {}
  for i, row in ipairs(self) do rows[i] = row end
  textio.write(path, textio.encode(rows) .. "\n", "eval:json")
  return self
end

-- rows and the sets' names (sorted) from the run
local M = {}
function M.new(rows, sets)
  local mt = {}
  for k, v in pairs(Eval) do mt[k] = v end
  mt.sets = sets
  mt.__index = Eval
  return setmetatable(rows, mt)
end
return M
