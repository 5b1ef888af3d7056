#!/usr/bin/python3
# torch_arrays.py -- PyTorch (eager, one thread, float64) doing the work of
# tests/bench/bench_arrays.c and the vector logistic regression of
# bench_tape.c, on the same data, for the ratios reported with issue 11.
# Run by hand (not by make test; make bench runs bench_python.py, which
# covers the logistic regression, Rosenbrock and the classifier with numpy too):
#     /usr/bin/python3 tests/bench/torch_arrays.py
# Times are the best of several repetitions, like bench.h.
import math
import sys

import torch

sys.dont_write_bytecode = True   # no __pycache__ in the tree
from bench_python import best   # noqa: E402 (warmed up, then the best of 'reps')

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)


def logistic(n=100000, rows="1e5"):
    nf = 20
    i = torch.arange(n, dtype=torch.float64)
    x = torch.stack([torch.sin(0.37 * (i * (j + 1)) + j) for j in range(nf)], dim=1)
    y = torch.tensor([1.0 if k % 3 else -1.0 for k in range(n)])
    p = torch.tensor([0.1 * (j % 5) - 0.2 for j in range(nf + 1)], requires_grad=True)

    def step():
        p.grad = None
        w, b = p[:nf], p[nf]
        f = torch.nn.functional.softplus(-y * (x @ w + b)).mean()
        f.backward()
    t = best(11, step)
    print(f"logistic 20 features, {rows} rows, value and gradient: torch {t * 1e9 / n:.1f} ns/row")


def rosenbrock():
    n = 1000
    x = torch.tensor([math.cos(i) for i in range(n)], requires_grad=True)

    def step():
        x.grad = None
        f = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
        f.backward()
    t = best(9, lambda: [step() for _ in range(200)]) / 200
    print(f"rosenbrock n=1000, value and gradient: torch {t * 1e6:.2f} us")


def classifier():
    n, nc, nf = 100000, 10, 50
    i = torch.arange(n, dtype=torch.float64)
    # columns as bench_arrays.c makes them: x_j[i] = sin(0.37*(i*(j+1)) + j), label 1 + i % 10
    x = torch.stack([torch.sin(0.37 * (i * (j + 1)) + j) for j in range(nf)], dim=1)
    label = (torch.arange(n) % nc)
    p = torch.tensor([0.01 * ((k * 7) % 13 - 6) for k in range(nc * nf + nc)], requires_grad=True)

    def step():
        p.grad = None
        W, b = p[:nc * nf].view(nc, nf), p[nc * nf:]
        f = torch.nn.functional.cross_entropy(x @ W.T + b, label)
        f.backward()
        return f
    t = best(5, step)
    print(f"classifier 10 classes, 50 features, 1e5 rows, value and gradient: torch {t * 1e3:.1f} ms"
          f"  [f = {step().item():.17g}]")


def mlp():
    n, h = 10000, 64
    i = torch.arange(n, dtype=torch.float64)
    x = torch.stack([torch.sin(0.1 * i), torch.cos(0.37 * i)], dim=1)
    y = torch.sin(x[:, 0] + x[:, 1])
    np_ = h * 2 + h + h + 1
    p = torch.tensor([0.3 * math.sin(1.7 * k) for k in range(np_)], requires_grad=True)
    opt = torch.optim.Adam([p])

    def step():
        opt.zero_grad()
        W = p[:2 * h].view(h, 2)
        c, v, d = p[2 * h:3 * h], p[3 * h:4 * h], p[4 * h]
        f = ((torch.tanh(x @ W.T + c) @ v + d - y) ** 2).mean()
        f.backward()
        opt.step()
    t = best(21, step)
    print(f"mlp 2-64-1 tanh, 1e4 rows, value, gradient and one Adam step: torch {t * 1e3:.3f} ms")


if __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, float64")
    logistic()
    logistic(1000000, "1e6")   # bench_tape.c's exact / fast_math comparison
    rosenbrock()
    classifier()
    mlp()
