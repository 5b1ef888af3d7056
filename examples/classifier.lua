-- classifier.lua -- a softmax classifier on three Gaussian blobs, written
-- with a weight matrix, a bias vector and vector data columns.
--
--   slope examples/classifier.lua [outdir]
--
-- Each row holds a point x (a vector of 2) and its class label (1, 2 or 3).
-- The model's scores are W @ x + b (W is 3x2, b a vector of 3), and the loss
-- is the mean cross-entropy of the scores against the labels:
--   cross_entropy(z, k) = logsumexp(z) - z[k]
-- Its gradient with respect to W is one matrix expression, the mean over
-- the rows of outer(softmax(scores) - onehot(label, 3), x).  Adam trains it
-- on 300 points; 150 other points from the same blobs measure the accuracy.

local outdir = arg and arg[1] or "."
local centers = { { -2, 0 }, { 2, 0 }, { 0, 2.5 } }

-- n points per class around each center (std 0.8), from slope's generator
local function blobs(n, seed)
  local z = slope.randn(3 * n, 2, { std = 0.8, seed = seed })
  local x, label = {}, {}
  for k = 1, 3 do
    for i = 1, n do
      local row = (k - 1) * n + i
      x[row] = { centers[k][1] + z[row][1], centers[k][2] + z[row][2] }
      label[row] = k
    end
  end
  return slope.data{ x = x, label = label }, x, label
end
local train, train_x, train_label = blobs(100, 1)
local _, test_x, test_label = blobs(50, 2)

local loss = slope.expr "mean(cross_entropy(W @ x + b, label))"
print("loss       = " .. tostring(loss))
print("d loss/dW  = " .. tostring(slope.diff(loss, "W")))
print()

local r = slope.minimize(loss, { W = slope.zeros(3, 2), b = slope.zeros(3) },
  { data = train, optimizer = slope.optim.adam{ lr = 0.1 }, steps = 200, log = 50 })

-- the class with the largest score, and the share of rows it gets right
local function accuracy(W, b, x, label)
  local right = 0
  for i = 1, #x do
    local best, arg = -math.huge, 0
    for k = 1, 3 do
      local z = W[k][1] * x[i][1] + W[k][2] * x[i][2] + b[k]
      if z > best then best, arg = z, k end
    end
    if arg == label[i] then right = right + 1 end
  end
  return right / #x
end

print()
print(("trained %d steps: loss = %.4f"):format(r.steps, r.f))
print(("W = { { %.3f, %.3f }, { %.3f, %.3f }, { %.3f, %.3f } }"):format(
  r.x.W[1][1], r.x.W[1][2], r.x.W[2][1], r.x.W[2][2], r.x.W[3][1], r.x.W[3][2]))
print(("b = { %.3f, %.3f, %.3f }"):format(r.x.b[1], r.x.b[2], r.x.b[3]))
print(("train accuracy: %.1f%% of %d points"):format(100 * accuracy(r.x.W, r.x.b, train_x, train_label), #train_x))
print(("test accuracy:  %.1f%% of %d points"):format(100 * accuracy(r.x.W, r.x.b, test_x, test_label), #test_x))

slope.plot.curve{ series = { { name = "Adam lr 0.1", r } }, log = true,
  title = "Softmax classifier on three blobs: mean cross-entropy",
  file = outdir .. "/classifier_loss.svg" }
print("wrote " .. outdir .. "/classifier_loss.svg")
