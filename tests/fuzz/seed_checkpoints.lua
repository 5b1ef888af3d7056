-- seed_checkpoints.lua -- writes the seed corpus of fuzz_checkpoint: real
-- checkpoints of the problem that target loads (w and b on four rows,
-- batches of two, shuffled), one per kind of optimizer state, each without
-- its closing section (the target appends it).
--
--   build/slope tests/fuzz/seed_checkpoints.lua tests/fuzz/corpus/checkpoint
local dir = assert(arg[1], "usage: seed_checkpoints.lua DIR")
local ds = slope.data{ x = { 1, 2, 3, 4 }, y = { 3, 5, 7, 9 } }
local f = "mean((w*x + b - y)^2)"
local runs = {
  adam = { optimizer = slope.optim.adam{ lr = 0.1, amsgrad = true } },
  sgd = { optimizer = slope.optim.sgd{ lr = 0.01, momentum = 0.9, nesterov = true } },
  lbfgs = { optimizer = slope.optim.lbfgs{ line_search = "strong_wolfe", history_size = 3 } },
  rprop = { optimizer = slope.optim.rprop{} },
  asgd = { optimizer = slope.optim.asgd{ lr = 0.01 } },
  anneal = { optimizer = slope.optim.anneal{ T0 = 2 } },
  newton = { optimizer = slope.optim.newton{ damping = 0.1 } },
  plateau = { optimizer = slope.optim.rmsprop{ lr = 0.01, centered = true, momentum = 0.5 },
              schedule = slope.schedule.plateau{ patience = 1, per = "epoch" } },
  noise = { optimizer = slope.optim.adamw{ lr = 0.05 }, noise = slope.noise.gaussian{ std = 0.1 } },
}
for name, o in pairs(runs) do
  local ck = os.tmpname()
  o.data, o.batch, o.shuffle, o.seed, o.steps = ds, 2, true, 42, 6
  o.checkpoint = { path = ck, every = 6 }
  slope.minimize(f, { w = 0, b = 0 }, o)
  local fh = assert(io.open(ck, "rb"))
  local bytes = fh:read("a")
  fh:close()
  os.remove(ck)
  local out = assert(io.open(dir .. "/" .. name, "wb"))
  out:write(bytes:sub(1, #bytes - 20))   -- without "END ", its length and the hash
  out:close()
end
