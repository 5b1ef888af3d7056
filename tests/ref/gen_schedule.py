#!/usr/bin/python3
# Reference learning rates from torch.optim.lr_scheduler for tests/test_schedule.c.
#   /usr/bin/python3 tests/ref/gen_schedule.py > tests/ref/schedule_ref.h
# For each configuration: a dummy SGD optimizer (lr=0.1, momentum=0.9) over
# one float64 parameter, the torch scheduler, and for t = 0..N-1 the rate
# (and momentum) the optimizer holds at step t+1, stepping the scheduler
# after each optimizer.step() as torch asks (with the metric for
# ReduceLROnPlateau).  'args' is written in slope's names, "name=value"
# separated by spaces, lists as "a,b,c"; the test sets them through
# slope_schedule_set / slope_schedule_set_string.
import warnings

import torch
from torch.optim import lr_scheduler as L

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float64)
BASE = 0.1

# A metric that falls, stalls, dips, stalls again and rises: it exercises
# patience, threshold (tiny improvements that do not count), cooldown and
# min_lr in the plateau cases.
METRIC = ([1.0 - 0.05 * k for k in range(10)] + [0.55] * 8 + [0.5499, 0.549] + [0.549] * 6
          + [0.4] + [0.4 + 1e-5 * k for k in range(15)] + [0.45 + 0.01 * k for k in range(20)])


def parse(args):
    out = {}
    for item in args.split():
        k, v = item.split("=")
        if "," in v or k == "milestones":
            out[k] = [int(x) for x in v.split(",")]
        else:
            try:
                out[k] = int(v)
            except ValueError:
                try:
                    out[k] = float(v)
                except ValueError:
                    out[k] = {"true": True, "false": False}.get(v, v)
    return out


def torch_kwargs(kind, a):
    a = dict(a)
    for k in ("cycle_momentum", "three_phase"):
        if k in a:
            a[k] = bool(a[k])
    for k in ("pct_start", "factor", "start_factor", "end_factor", "gamma", "threshold", "eta_min",
              "min_lr", "eps", "max_lr", "base_lr", "div_factor", "final_div_factor", "power",
              "base_momentum", "max_momentum"):
        if k in a:
            a[k] = float(a[k])
    if kind == "cyclic" and "scale_mode" in a:
        # torch honours scale_mode only with a custom scale_fn: pass the mode's own
        g = a.get("gamma", 1.0)
        a["scale_fn"] = {"triangular": lambda x: 1.,
                         "triangular2": lambda x: 1 / (2. ** (x - 1)),
                         "exp_range": lambda x: g ** x}[a.get("mode", "triangular")]
    return a


def make(kind, args, opt):
    a = torch_kwargs(kind, parse(args))
    cls = {"constant": L.ConstantLR, "step": L.StepLR, "multistep": L.MultiStepLR,
           "exponential": L.ExponentialLR, "cosine": L.CosineAnnealingLR,
           "cosine_restarts": L.CosineAnnealingWarmRestarts, "linear": L.LinearLR,
           "poly": L.PolynomialLR, "onecycle": L.OneCycleLR, "cyclic": L.CyclicLR,
           "plateau": L.ReduceLROnPlateau}.get(kind)
    if kind == "inverse":   # slope's own: base/(1 + rate*t), through LambdaLR
        r = a["rate"]
        return L.LambdaLR(opt, lambda t: 1 / (1 + r * t))
    return cls(opt, **a)


def record(kind, args, n, parts=None, milestones=None):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=BASE, momentum=0.9)
    if kind == "sequential":
        scheds = [make(k, a, opt) for k, a in parts]
        sched = L.SequentialLR(opt, scheds, milestones=milestones)
    else:
        sched = make(kind, args, opt)
    lr, mom = [], []
    for t in range(n):
        g = opt.param_groups[0]
        lr.append(float(g["lr"]))
        mom.append(float(g["momentum"]))
        p.grad = torch.zeros(1)
        opt.step()
        if kind == "plateau":
            sched.step(METRIC[t])
        else:
            sched.step()
    return lr, mom


# (name, kind, args, N, drives momentum)
CASES = [
    ("constant defaults", "constant", "", 10, 0),
    ("constant", "constant", "factor=0.5 total_iters=4", 10, 0),
    ("step", "step", "step_size=3", 12, 0),
    ("step gamma", "step", "step_size=5 gamma=0.5", 40, 0),
    ("multistep", "multistep", "milestones=3,7,12", 20, 0),
    ("multistep gamma", "multistep", "milestones=2,5,6 gamma=0.5", 12, 0),
    ("exponential", "exponential", "gamma=0.9", 50, 0),
    ("exponential slow", "exponential", "gamma=0.999", 300, 0),
    ("inverse", "inverse", "rate=0.01", 50, 0),
    ("inverse fast", "inverse", "rate=0.5", 30, 0),
    ("cosine past T_max", "cosine", "T_max=10", 65, 0),
    ("cosine eta_min", "cosine", "T_max=25 eta_min=0.001", 130, 0),
    ("cosine long", "cosine", "T_max=100", 250, 0),
    ("cosine_restarts", "cosine_restarts", "T_0=5", 30, 0),
    ("cosine_restarts T_mult", "cosine_restarts", "T_0=3 T_mult=2 eta_min=0.01", 100, 0),
    ("cosine_restarts T_mult 3", "cosine_restarts", "T_0=2 T_mult=3", 90, 0),
    ("linear defaults", "linear", "", 10, 0),
    ("linear", "linear", "start_factor=0.1 end_factor=0.5 total_iters=8", 15, 0),
    ("linear decay", "linear", "start_factor=1 end_factor=0.05 total_iters=20", 25, 0),
    ("poly defaults", "poly", "", 10, 0),
    ("poly square", "poly", "total_iters=20 power=2", 30, 0),
    ("poly root", "poly", "total_iters=12 power=0.5", 15, 0),
    ("onecycle", "onecycle", "max_lr=1 total_steps=100", 100, 1),
    ("onecycle three_phase", "onecycle", "max_lr=1 total_steps=100 three_phase=1", 100, 1),
    ("onecycle linear", "onecycle", "max_lr=0.5 total_steps=50 anneal_strategy=linear", 50, 1),
    ("onecycle args", "onecycle", "max_lr=0.5 total_steps=37 pct_start=0.25 div_factor=10 "
     "final_div_factor=100 base_momentum=0.8 max_momentum=0.9", 37, 1),
    ("onecycle three_phase linear", "onecycle", "max_lr=2 total_steps=61 pct_start=0.4 "
     "three_phase=1 anneal_strategy=linear", 61, 1),
    ("onecycle no momentum", "onecycle", "max_lr=1 total_steps=20 cycle_momentum=0", 20, 0),
    ("cyclic triangular", "cyclic", "base_lr=0.01 max_lr=0.1 step_size_up=5", 40, 1),
    ("cyclic triangular2", "cyclic", "base_lr=0.001 max_lr=0.1 step_size_up=4 step_size_down=6 "
     "mode=triangular2", 60, 1),
    ("cyclic exp_range", "cyclic", "base_lr=0.01 max_lr=0.2 step_size_up=5 mode=exp_range "
     "gamma=0.97", 60, 1),
    ("cyclic defaults", "cyclic", "base_lr=0.001 max_lr=0.006", 50, 1),
    ("cyclic fractional", "cyclic", "base_lr=0.01 max_lr=0.1 step_size_up=2.5 step_size_down=3.5 "
     "base_momentum=0.7 max_momentum=0.95", 40, 1),
    ("cyclic triangular2 by iterations", "cyclic", "base_lr=0.01 max_lr=0.1 step_size_up=3 "
     "mode=triangular2 scale_mode=iterations", 20, 1),
    ("cyclic exp_range by cycle", "cyclic", "base_lr=0.01 max_lr=0.1 step_size_up=3 "
     "mode=exp_range gamma=0.5 scale_mode=cycle", 30, 1),
    ("cyclic no momentum", "cyclic", "base_lr=0.01 max_lr=0.1 step_size_up=5 cycle_momentum=0", 20, 0),
    ("plateau defaults", "plateau", "", len(METRIC), 0),
    ("plateau", "plateau", "factor=0.5 patience=2 threshold=0.01 cooldown=2 min_lr=0.02",
     len(METRIC), 0),
    ("plateau abs", "plateau", "factor=0.3 patience=1 threshold=0.001 threshold_mode=abs "
     "min_lr=0.001", len(METRIC), 0),
    ("plateau max", "plateau", "mode=max patience=3 factor=0.2", len(METRIC), 0),
    ("plateau max abs eps", "plateau", "mode=max threshold_mode=abs threshold=0.05 patience=0 "
     "factor=0.9 eps=0.009", len(METRIC), 0),
]

SEQUENTIAL = [
    ("sequential warmup cosine", [("linear", "start_factor=0.1 total_iters=5"),
                                  ("cosine", "T_max=20")], [5], 40),
    ("sequential constant exponential", [("constant", "factor=0.1 total_iters=2"),
                                         ("exponential", "gamma=0.9")], [2], 12),
    ("sequential three", [("linear", "start_factor=0.25 total_iters=4"), ("step", "step_size=3"),
                          ("cosine_restarts", "T_0=4 eta_min=0.001")], [4, 10], 30),
]


def arr(vals):
    return "{" + ", ".join("%.17g" % v for v in vals) + "}"


print("/* generated by tests/ref/gen_schedule.py (torch %s): do not edit */" % torch.__version__)
print("typedef struct sched_ref {")
print("  const char *name, *kind, *args;  /* args: \"name=value ...\" in slope's names */")
print("  int n, momentum;                 /* steps recorded; momentum driven */")
print("  const double *lr, *mom;")
print("  const char *parts[3];            /* sequential: \"kind args\" of each part */")
print("  long milestones[2];")
print("} sched_ref;")
print()
print("static const double plateau_metric[] = %s;" % arr(METRIC))
print()
rows = []
for i, (name, kind, args, n, m) in enumerate(CASES):
    lr, mom = record(kind, args, n)
    print("static const double ref_lr_%d[] = %s;" % (i, arr(lr)))
    if m:
        print("static const double ref_mom_%d[] = %s;" % (i, arr(mom)))
    rows.append('  {"%s", "%s", "%s", %d, %d, ref_lr_%d, %s, {NULL}, {0}},'
                % (name, kind, args, n, m, i, "ref_mom_%d" % i if m else "NULL"))
for j, (name, parts, ms, n) in enumerate(SEQUENTIAL):
    i = len(CASES) + j
    lr, mom = record("sequential", "", n, parts, ms)
    print("static const double ref_lr_%d[] = %s;" % (i, arr(lr)))
    ps = ", ".join('"%s %s"' % p for p in parts)
    rows.append('  {"%s", "sequential", "", %d, 0, ref_lr_%d, NULL, {%s}, {%s}},'
                % (name, n, i, ps, ", ".join(str(x) for x in ms)))
print()
print("static const sched_ref sched_refs[] = {")
print("\n".join(rows))
print("};")
