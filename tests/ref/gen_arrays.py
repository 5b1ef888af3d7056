#!/usr/bin/python3
# Reference values and gradients of array models for tests/test_arrays_torch.lua.
#   /usr/bin/python3 tests/ref/gen_arrays.py > tests/ref/arrays_ref.lua
# PyTorch (1.13, float64, autograd) computes, for data and parameters made by
# fixed formulas (no random generator, so the file is the same everywhere):
#   linear      mean((X w + b - y)^2), w of 5, 20 rows
#   softmax     mean(cross_entropy(X W^T + b, label)), W 3x4, 30 rows
#   mlp         mean((tanh(X W^T + b) v + c - y)^2), a 2-8-1 tanh network, 25 rows
#   rosenbrock  sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 for n = 10 and 1000
# each value and gradient at one point, and 50 steps of torch.optim.Adam (and
# AdamW with weight decay) on the network: the loss before every step and the
# parameters after the last.  Matrices are written as tables of rows, as slope
# takes them.  The output is deterministic.
import math

import torch

torch.set_default_dtype(torch.float64)


def num(v):
    return repr(float(v))


def lua(v, indent=""):
    """A Python value (float, list, dict, tensor) as Lua source."""
    if isinstance(v, torch.Tensor):
        v = v.tolist()
    if isinstance(v, (int, float)):
        return num(v)
    if isinstance(v, str):
        return '"%s"' % v
    if isinstance(v, list):
        return "{ " + ", ".join(lua(e, indent) for e in v) + " }"
    if isinstance(v, dict):
        inner = indent + "  "
        parts = ["%s%s = %s,\n" % (inner, k, lua(v[k], inner)) for k in sorted(v)]
        return "{\n" + "".join(parts) + indent + "}"
    raise TypeError(type(v))


def grads(loss, params):
    for p in params.values():
        if p.grad is not None:
            p.grad = None
    value = loss()
    value.backward()
    return float(value), {k: p.grad.clone() for k, p in params.items()}


def leaf(rows):
    return torch.tensor(rows, requires_grad=True)


# ---- data and starts by formula --------------------------------------------------------

def features(n, k, a, b):
    return [[math.sin(a * (i + 1) + b * (j + 1)) + 0.1 * j for j in range(k)] for i in range(n)]


def linear_case():
    X = torch.tensor(features(20, 5, 1.3, 0.7))
    y = torch.tensor([math.cos(0.9 * (i + 1)) + 0.2 * i for i in range(20)])
    P = {"w": leaf([0.5, -0.25, 1.0, 0.125, -0.75]), "b": leaf(0.3)}
    f, g = grads(lambda: ((X @ P["w"] + P["b"] - y) ** 2).mean(), P)
    return {"x": X, "y": y, "start": {k: v.detach() for k, v in P.items()}, "f": f, "grad": g}


def softmax_case():
    X = torch.tensor(features(30, 4, 0.77, 1.9))
    label = torch.tensor([(i * 7) % 3 for i in range(30)])
    P = {"W": leaf([[0.1 * (i - j) + 0.05 * i * j for j in range(4)] for i in range(3)]),
         "b": leaf([0.2, -0.1, 0.0])}
    f, g = grads(lambda: torch.nn.functional.cross_entropy(X @ P["W"].T + P["b"], label), P)
    return {"x": X, "label": [int(k) + 1 for k in label], "start": {k: v.detach() for k, v in P.items()},
            "f": f, "grad": g}


def mlp_data():
    X = torch.tensor([[-1 + 2 * i / 24, math.sin(1.7 * i)] for i in range(25)])
    y = torch.tensor([math.sin(3 * X[i, 0].item()) + 0.5 * X[i, 1].item() for i in range(25)])
    return X, y


def mlp_start():
    return {"W": [[0.4 * math.sin(i + 2 * j + 1) for j in range(2)] for i in range(8)],
            "b": [0.1 * math.cos(i) for i in range(8)],
            "v": [0.3 * math.sin(2 * i + 0.5) for i in range(8)],
            "c": 0.05}


def mlp_loss(X, y, P):
    return lambda: ((torch.tanh(X @ P["W"].T + P["b"]) @ P["v"] + P["c"] - y) ** 2).mean()


def mlp_case():
    X, y = mlp_data()
    P = {k: leaf(v) for k, v in mlp_start().items()}
    f, g = grads(mlp_loss(X, y, P), P)
    return {"x": X, "y": y, "start": mlp_start(), "f": f, "grad": g}


def trajectory(make_opt):
    """50 steps of an optimizer on the network: f before each step, the parameters after."""
    X, y = mlp_data()
    P = {k: leaf(v) for k, v in mlp_start().items()}
    opt = make_opt(list(P.values()))
    loss = mlp_loss(X, y, P)
    fs = []
    for _ in range(50):
        opt.zero_grad()
        value = loss()
        value.backward()
        fs.append(float(value))
        opt.step()
    return {"f": fs, "x": {k: v.detach() for k, v in P.items()}}


def rosenbrock_case(n):
    x = leaf([math.cos(0.37 * i) * 1.2 for i in range(n)])
    P = {"x": x}
    f, g = grads(lambda: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum(), P)
    return {"start": {"x": x.detach()}, "f": f, "grad": g}


def main():
    ref = {
        "linear": linear_case(),
        "softmax": softmax_case(),
        "mlp": mlp_case(),
        "adam": trajectory(lambda ps: torch.optim.Adam(ps, lr=0.01)),
        "adamw": trajectory(lambda ps: torch.optim.AdamW(ps, lr=0.02, weight_decay=0.1)),
        "rosenbrock10": rosenbrock_case(10),
        "rosenbrock1000": rosenbrock_case(1000),
    }
    print("-- arrays_ref.lua: made by /usr/bin/python3 tests/ref/gen_arrays.py (PyTorch %s, float64);"
          % torch.__version__.split("+")[0])
    print("-- do not edit.  Read by tests/test_arrays_torch.lua.")
    print("return " + lua(ref))


main()
