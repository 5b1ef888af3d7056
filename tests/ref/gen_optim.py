#!/usr/bin/python3
# Reference optimizer trajectories for tests/test_optim.c.
#   /usr/bin/python3 tests/ref/gen_optim.py > tests/ref/optim_ref.h
# Runs torch.optim (1.13, float64) on two small problems for a set of
# hyperparameter configurations and records every iterate.  NAdam and RAdam
# follow slope's contract (PyTorch 2.0's NAdam momentum product, 'maximize'
# on both), which torch 1.13 does not implement, so their trajectories come
# from the plain re-implementation below; that re-implementation is first
# checked against torch 1.13 where the two agree (RAdam without maximize, and
# NAdam with 1.13's double-counted mu_t switched on).
# Every case is also rerun from a start perturbed by 1e-12 to make sure the
# trajectory is well conditioned: a test at 1e-10 would otherwise be testing
# rounding noise.  The output is deterministic.
import math
import sys

import torch

torch.set_default_dtype(torch.float64)
STEPS = 40


# ---- problems -------------------------------------------------------------------

def rosenbrock(p):
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def quartic(p):
    a, b, c = p
    return ((a - 1) ** 2 + 0.5 * b ** 2 + 0.3 * a * b + 0.05 * a ** 4
            + 0.1 * c ** 4 - 0.5 * c + 0.2 * b * c)


PROBLEMS = [("rosenbrock", rosenbrock, [-1.5, 2.0]), ("quartic", quartic, [2.0, -3.0, 0.5])]


def gradient(fn, x, sign):
    """The gradient of sign*fn at the point x (a list of floats), by autograd."""
    p = [torch.tensor(v, requires_grad=True) for v in x]
    (sign * fn(p)).backward()
    return [float(q.grad) for q in p]


# ---- torch runs -------------------------------------------------------------------

CLASSES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad,
           "adadelta": torch.optim.Adadelta, "adamax": torch.optim.Adamax,
           "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam,
           "rprop": torch.optim.Rprop, "asgd": torch.optim.ASGD}


def torch_run(kind, hypers, lrs, fn, x0, sign):
    """Iterates of torch.optim.KIND; one scalar tensor per coordinate, each in
    its own parameter group when 'lrs' gives per-parameter learning rates."""
    ps = [torch.tensor([v], requires_grad=True) for v in x0]
    kw = {k: tuple(v) if isinstance(v, list) else v for k, v in hypers.items()}
    if kind == "sgd" and "lr" not in kw:
        kw["lr"] = 1e-3          # 1.13 has no default; slope uses 2.x's
    groups = [{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)] if lrs else [{"params": ps}]
    opt = CLASSES[kind](groups, **kw)
    xs, axs = [list(x0)], []
    for _ in range(STEPS):
        opt.zero_grad()
        (sign * fn([p[0] for p in ps])).backward()
        opt.step()
        xs.append([float(p) for p in ps])
        if kind == "asgd":
            axs.append([float(opt.state[p]["ax"]) for p in ps])
    return xs, axs


# ---- the plain re-implementation of NAdam and RAdam -------------------------------

def plain_run(kind, hypers, lrs, fn, x0, sign, quirk_113=False):
    """NAdam (PyTorch 2.0) and RAdam written out with floats.  'maximize'
    negates the gradient before weight decay.  quirk_113 multiplies mu_t into
    the next momentum product a second time, as torch 1.13 does."""
    n = len(x0)
    lr_default = 2e-3 if kind == "nadam" else 1e-3
    lr = [hypers.get("lr", lr_default)] * n if not lrs else list(lrs)
    b1, b2 = hypers.get("betas", [0.9, 0.999])
    eps = hypers.get("eps", 1e-8)
    wd = hypers.get("weight_decay", 0.0)
    psi = hypers.get("momentum_decay", 4e-3)
    maximize = hypers.get("maximize", False)
    x = list(x0)
    m, v = [0.0] * n, [0.0] * n
    mu_product = 1.0
    xs = [list(x)]
    for step in range(1, STEPS + 1):
        t = float(step)
        g = gradient(fn, x, sign)
        if kind == "nadam":
            bc2 = 1 - b2 ** t
            mu = b1 * (1. - 0.5 * (0.96 ** (t * psi)))
            mu_next = b1 * (1. - 0.5 * (0.96 ** ((t + 1) * psi)))
            mu_product *= mu
            mu_product_next = mu_product * mu * mu_next if quirk_113 else mu_product * mu_next
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if wd != 0:
                d = d + wd * x[i]
            m[i] = m[i] * b1 + (1 - b1) * d
            v[i] = v[i] * b2 + (1 - b2) * d * d
            if kind == "nadam":
                denom = math.sqrt(v[i] / bc2) + eps
                x[i] = x[i] + (-lr[i] * (1. - mu) / (1. - mu_product)) * (d / denom)
                x[i] = x[i] + (-lr[i] * mu_next / (1. - mu_product_next)) * (m[i] / denom)
            else:
                bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
                rho_inf = 2 / (1 - b2) - 1
                rho_t = rho_inf - 2 * t * (b2 ** t) / bc2
                corrected = m[i] / bc1
                if rho_t > 5.:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                     / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive = math.sqrt(bc2) / (math.sqrt(v[i]) + eps)
                    x[i] = x[i] - corrected * lr[i] * adaptive * rect
                else:
                    x[i] = x[i] - corrected * lr[i]
        xs.append(list(x))
    return xs, []


def run(kind, hypers, lrs, fn, x0, sign):
    if kind in ("nadam", "radam"):
        return plain_run(kind, hypers, lrs, fn, x0, sign)
    return torch_run(kind, hypers, lrs, fn, x0, sign)


def max_rel_diff(a, b):
    return max(abs(p - q) / max(1.0, abs(p), abs(q)) for ra, rb in zip(a, b) for p, q in zip(ra, rb))


def cross_check():
    """The plain NAdam/RAdam against torch 1.13 where 1.13 has the same rule."""
    for kind, hypers in [("radam", {}), ("radam", {"lr": 0.05}), ("radam", {"lr": 0.02, "weight_decay": 0.1}),
                         ("radam", {"lr": 0.05, "betas": [0.8, 0.9]}),
                         ("nadam", {}), ("nadam", {"lr": 0.05}), ("nadam", {"lr": 0.05, "momentum_decay": 0.01}),
                         ("nadam", {"lr": 0.02, "weight_decay": 0.1})]:
        for _, fn, x0 in PROBLEMS:
            ref, _ = torch_run(kind, hypers, None, fn, x0, 1)
            mine, _ = plain_run(kind, hypers, None, fn, x0, 1, quirk_113=(kind == "nadam"))
            d = max_rel_diff(ref, mine)
            if d > 1e-13:
                sys.exit("gen_optim.py: plain %s %s differs from torch 1.13 by %g" % (kind, hypers, d))
            if kind == "nadam":   # and the 2.0 rule really is a different trajectory
                fixed, _ = plain_run(kind, hypers, None, fn, x0, 1)
                if max_rel_diff(ref, fixed) < 1e-8:
                    sys.exit("gen_optim.py: nadam's corrected rule does not change %s" % hypers)


# ---- the cases ------------------------------------------------------------------

# (kind, label, hyperparameters, lr per problem or None for the default,
#  per-parameter lrs per problem or None, sign of the objective).
# A maximize case maximizes -f, which must retrace the descent on f.
R, Q = "rosenbrock", "quartic"
CONFIGS = [
    ("sgd", "default", {}, None, None, 1),
    ("sgd", "lr", {}, {R: 2e-4, Q: 0.05}, None, 1),
    ("sgd", "momentum", {"momentum": 0.9}, {R: 1e-4, Q: 0.02}, None, 1),
    ("sgd", "dampening", {"momentum": 0.8, "dampening": 0.3}, {R: 1e-4, Q: 0.02}, None, 1),
    ("sgd", "nesterov", {"momentum": 0.9, "nesterov": True}, {R: 1e-4, Q: 0.02}, None, 1),
    ("sgd", "weight_decay", {"weight_decay": 0.1}, {R: 2e-4, Q: 0.05}, None, 1),
    ("sgd", "maximize", {"maximize": True, "momentum": 0.5, "weight_decay": 0.05}, {R: 2e-4, Q: 0.05}, None, -1),
    ("sgd", "per_param_lr", {"momentum": 0.5}, None, {R: [3e-4, 1e-4], Q: [0.05, 0.02, 0.08]}, 1),
    ("adam", "default", {}, None, None, 1),
    ("adam", "lr", {}, {R: 0.05, Q: 0.1}, None, 1),
    ("adam", "betas", {"betas": [0.8, 0.99], "eps": 1e-6}, {R: 0.05, Q: 0.1}, None, 1),
    ("adam", "amsgrad", {"amsgrad": True}, {R: 0.05, Q: 0.1}, None, 1),
    ("adam", "weight_decay", {"weight_decay": 0.1}, {R: 0.05, Q: 0.1}, None, 1),
    ("adam", "maximize", {"maximize": True, "weight_decay": 0.1, "amsgrad": True}, {R: 0.05, Q: 0.1}, None, -1),
    ("adam", "per_param_lr", {}, None, {R: [0.05, 0.02], Q: [0.1, 0.03, 0.06]}, 1),
    ("adamw", "default", {}, None, None, 1),
    ("adamw", "lr", {"weight_decay": 0.1}, {R: 0.05, Q: 0.1}, None, 1),
    ("adamw", "amsgrad", {"amsgrad": True, "weight_decay": 0.2}, {R: 0.05, Q: 0.1}, None, 1),
    ("adamw", "maximize", {"maximize": True, "weight_decay": 0.1}, {R: 0.05, Q: 0.1}, None, -1),
    ("rmsprop", "default", {}, None, None, 1),
    ("rmsprop", "alpha", {"alpha": 0.9, "eps": 1e-6}, {R: 1e-3, Q: 0.01}, None, 1),
    ("rmsprop", "centered", {"centered": True}, {R: 1e-3, Q: 0.01}, None, 1),
    ("rmsprop", "momentum", {"momentum": 0.9}, {R: 1e-3, Q: 0.005}, None, 1),
    ("rmsprop", "centered_momentum", {"centered": True, "momentum": 0.8}, {R: 1e-3, Q: 0.005}, None, 1),
    ("rmsprop", "weight_decay", {"weight_decay": 0.1}, {R: 1e-3, Q: 0.01}, None, 1),
    ("rmsprop", "maximize", {"maximize": True, "weight_decay": 0.1, "momentum": 0.5}, {R: 1e-3, Q: 0.01}, None, -1),
    ("adagrad", "default", {}, None, None, 1),
    ("adagrad", "lr", {}, {R: 0.1, Q: 0.3}, None, 1),
    ("adagrad", "lr_decay", {"lr_decay": 0.05, "initial_accumulator_value": 0.1}, {R: 0.1, Q: 0.3}, None, 1),
    ("adagrad", "weight_decay", {"weight_decay": 0.1, "eps": 1e-6}, {R: 0.1, Q: 0.3}, None, 1),
    ("adagrad", "maximize", {"maximize": True, "weight_decay": 0.1, "lr_decay": 0.01}, {R: 0.1, Q: 0.3}, None, -1),
    ("adadelta", "default", {}, None, None, 1),
    ("adadelta", "rho", {"rho": 0.5, "eps": 1e-4}, {R: 1.0, Q: 2.0}, None, 1),
    ("adadelta", "weight_decay", {"weight_decay": 0.1}, {R: 1.0, Q: 2.0}, None, 1),
    ("adadelta", "maximize", {"maximize": True, "weight_decay": 0.1}, {R: 1.0, Q: 2.0}, None, -1),
    ("adamax", "default", {}, None, None, 1),
    ("adamax", "lr", {"betas": [0.8, 0.95]}, {R: 0.05, Q: 0.1}, None, 1),
    ("adamax", "weight_decay", {"weight_decay": 0.1, "eps": 1e-4}, {R: 0.05, Q: 0.1}, None, 1),
    ("adamax", "maximize", {"maximize": True, "weight_decay": 0.1}, {R: 0.05, Q: 0.1}, None, -1),
    ("nadam", "default", {}, None, None, 1),
    ("nadam", "lr", {}, {R: 0.05, Q: 0.1}, None, 1),
    ("nadam", "momentum_decay", {"momentum_decay": 0.01, "betas": [0.85, 0.99]}, {R: 0.05, Q: 0.1}, None, 1),
    ("nadam", "weight_decay", {"weight_decay": 0.1}, {R: 0.05, Q: 0.1}, None, 1),
    ("nadam", "maximize", {"maximize": True, "weight_decay": 0.1}, {R: 0.05, Q: 0.1}, None, -1),
    ("nadam", "per_param_lr", {}, None, {R: [0.05, 0.02], Q: [0.1, 0.03, 0.06]}, 1),
    ("radam", "default", {}, None, None, 1),
    ("radam", "lr", {}, {R: 5e-4, Q: 0.05}, None, 1),
    ("radam", "betas", {"betas": [0.8, 0.9], "eps": 1e-6}, {R: 5e-4, Q: 0.05}, None, 1),
    ("radam", "weight_decay", {"weight_decay": 0.1}, {R: 5e-4, Q: 0.05}, None, 1),
    ("radam", "maximize", {"maximize": True, "weight_decay": 0.1}, {R: 5e-4, Q: 0.05}, None, -1),
    ("rprop", "default", {}, None, None, 1),
    ("rprop", "etas", {"etas": [0.3, 1.5], "step_sizes": [1e-3, 0.2]}, {R: 0.05, Q: 0.1}, None, 1),
    ("rprop", "maximize", {"maximize": True}, {R: 0.05, Q: 0.1}, None, -1),
    ("rprop", "per_param_lr", {}, None, {R: [0.05, 0.01], Q: [0.1, 0.02, 0.05]}, 1),
    ("asgd", "default", {}, None, None, 1),
    ("asgd", "average", {"t0": 10.0, "lambd": 0.01, "alpha": 0.5}, {R: 2e-4, Q: 0.05}, None, 1),
    ("asgd", "weight_decay", {"t0": 5.0, "weight_decay": 0.1}, {R: 2e-4, Q: 0.05}, None, 1),
    ("asgd", "maximize", {"maximize": True, "t0": 20.0, "lambd": 0.001}, {R: 2e-4, Q: 0.05}, None, -1),
    ("asgd", "per_param_lr", {"t0": 10.0, "lambd": 0.01}, None, {R: [3e-4, 1e-4], Q: [0.05, 0.02, 0.08]}, 1),
]

# Defaults that diverge on Rosenbrock (lr 1e-2 plain SGD steps).
SKIP = {("asgd", "default", R)}


# ---- output -----------------------------------------------------------------------

def num(v):
    return "%.17g" % v


def hyper_c(name, v):
    vals = v if isinstance(v, list) else [float(v)]
    return '{"%s", %d, {%s}}' % (name, len(vals), ", ".join(num(float(u)) for u in vals))


def conditioning(kind, hypers, lrs, fn, x0, sign, xs):
    """Largest change of an iterate per unit relative change of the start."""
    x1 = [v * (1 + 1e-12) for v in x0]
    ys, _ = run(kind, hypers, lrs, fn, x1, sign)
    return max_rel_diff(xs, ys) / 1e-12


def main():
    cross_check()
    out = []
    cases = []
    for kind, label, hypers, lr_by, lrs_by, sign in CONFIGS:
        for pi, (pname, fn, x0) in enumerate(PROBLEMS):
            if (kind, label, pname) in SKIP:
                continue
            h = dict(hypers)
            if lr_by:
                h = {"lr": lr_by[pname], **h}
            lrs = lrs_by[pname] if lrs_by else None
            xs, axs = run(kind, h, lrs, fn, x0, sign)
            if not all(math.isfinite(v) for row in xs for v in row):
                sys.exit("gen_optim.py: %s/%s/%s diverges" % (kind, label, pname))
            amp = conditioning(kind, h, lrs, fn, x0, sign, xs)
            if amp > 1e4:
                sys.exit("gen_optim.py: %s/%s/%s is ill conditioned (x%g)" % (kind, label, pname, amp))
            k = len(cases)
            out.append("static const double optim_ref_x%d[] = {\n%s\n};" % (
                k, ",\n".join("  " + ", ".join(num(v) for v in row) for row in xs)))
            if axs:
                out.append("static const double optim_ref_ax%d[] = {\n%s\n};" % (
                    k, ",\n".join("  " + ", ".join(num(v) for v in row) for row in axs)))
            hs = ", ".join(hyper_c(n, v) for n, v in h.items())
            cases.append('  {"%s/%s/%s", "%s", %d, %d, {%s}, %d, {%s}, %d, %d, optim_ref_x%d, %s},' % (
                kind, label, pname, kind, pi, sign, hs + (", " if hs else "") + "{NULL, 0, {0}}",
                1 if lrs else 0, ", ".join(num(v) for v in (lrs or [0.0])), len(x0), STEPS, k,
                "optim_ref_ax%d" % k if axs else "NULL"))
    print("/* Generated by tests/ref/gen_optim.py (torch %s, float64) -- do not edit.\n"
          "**   /usr/bin/python3 tests/ref/gen_optim.py > tests/ref/optim_ref.h */" % torch.__version__)
    print("#ifndef OPTIM_REF_H\n#define OPTIM_REF_H\n#include <stddef.h>\n")
    print("typedef struct optim_ref_hyper { const char *name; int n; double v[2]; } optim_ref_hyper;\n")
    print("typedef struct optim_ref_case {\n"
          "  const char *name;            /* kind/configuration/problem */\n"
          "  const char *kind;\n"
          "  int problem;                 /* 0: 2-D Rosenbrock, 1: 3-D quadratic plus quartic */\n"
          "  int sign;                    /* the objective is sign*f (-1 with maximize) */\n"
          "  optim_ref_hyper hypers[6];   /* what to set; ends at a NULL name */\n"
          "  int has_lr;                  /* per-parameter learning rates in 'lr' */\n"
          "  double lr[3];\n"
          "  int n, steps;\n"
          "  const double *x;             /* (steps + 1) * n: the start, then each iterate */\n"
          "  const double *ax;            /* asgd: steps * n averages, else NULL */\n"
          "} optim_ref_case;\n")
    print("\n".join(out))
    print("\nstatic const optim_ref_case optim_ref[] = {\n%s\n};\n\n#endif" % "\n".join(cases))


main()
