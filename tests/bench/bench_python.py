#!/usr/bin/python3
# bench_python.py -- PyTorch (autograd) and numpy (hand-written gradients)
# doing three workloads of the C benchmarks on the same data, each with
# glibc's malloc and with jemalloc preloaded (as it comes, and keeping freed
# pages), printed next to slope's figures from the same `make bench` run
# (interpreter, native code, fast_math):
#
#   logistic:   mean(softplus(-y*(w.x + b))), 20 features, 10^6 rows (bench_tape.c)
#   classifier: mean(cross_entropy(W @ x + b, label)), 10 classes, 50 features,
#               10^5 rows (bench_arrays.c)
#   rosenbrock: 1000-dimensional Rosenbrock (bench_arrays.c)
#
# all value and gradient, float64, one thread, warmed up, the best of several
# repetitions like bench.h, and of two rounds (every worker runs twice, the
# rounds interleaved, so a burst of load from elsewhere hits all alike).  The
# data are made by the C benches' formulas (x_j[i] = sin(0.37*(i*(j+1)) + j),
# ...); "|df|" is the distance of the value from slope's, the check that it is
# the same work.
#
#   /usr/bin/python3 tests/bench/bench_python.py [figures]
#
# 'figures' is the file the C benches append "key value" lines to when
# $SLOPE_BENCH_FIGURES names it (make bench does).  The driver needs only the
# standard library and never fails for a missing torch, numpy or jemalloc: it
# says what is missing.  Each (library, allocator) pair runs in a process of
# its own ("--worker torch" or "--worker numpy"), so LD_PRELOAD applies to it.
# Ratios are slope's time over the library's: below 1, slope is faster.
# Python is never a dependency of slope: make test runs none of this.
import glob
import json
import os
import subprocess
import sys
import time

INSTALL = "apt-get install python3-torch python3-numpy libjemalloc2"
NF, N_LOGISTIC = 20, 1000000
NC, NF_C, N_CLASSIFIER = 10, 50, 100000
NX, CALLS = 1000, 200
ROUNDS = 2


def best(reps, fn):
    """The best time in seconds of 'reps' calls of fn, after two untimed ones."""
    fn()
    fn()
    t = 1e300
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


# ---- the workers: one library, one process -----------------------------------------------

def measured(reps, scale, fn, calls=1):
    """Time and value of fn: the best time of 'reps' runs of 'calls' calls, times 'scale'."""
    def run():
        for _ in range(calls):
            r = fn()
        return r
    r = run()
    return {"t": best(reps, run) * scale / calls, "f": float(r[0] if isinstance(r, tuple) else r)}


def torch_work():
    import torch
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    f64 = torch.float64

    def columns(n, nf):   # x_j[i] = sin(0.37*(i*(j+1)) + j), i*(j+1) in integers as in C
        i = torch.arange(n, dtype=torch.int64)
        return torch.stack([torch.sin(0.37 * (i * (j + 1)).to(f64) + j) for j in range(nf)], dim=1)

    def logistic():
        x = columns(N_LOGISTIC, NF)
        y = torch.tensor([1.0 if k % 3 else -1.0 for k in range(N_LOGISTIC)], dtype=f64)
        p = torch.tensor([0.1 * (j % 5) - 0.2 for j in range(NF + 1)], dtype=f64, requires_grad=True)

        def fn():
            p.grad = None
            f = torch.nn.functional.softplus(-y * (x @ p[:NF] + p[NF])).mean()
            f.backward()
            return f.item()
        return measured(11, 1e9 / N_LOGISTIC, fn)

    def classifier():
        x = columns(N_CLASSIFIER, NF_C)
        label = torch.arange(N_CLASSIFIER) % NC      # slope's labels are 1 + i % 10
        p = torch.tensor([0.01 * ((k * 7) % 13 - 6) for k in range(NC * NF_C + NC)], dtype=f64,
                         requires_grad=True)

        def fn():
            p.grad = None
            W, b = p[:NC * NF_C].view(NC, NF_C), p[NC * NF_C:]
            f = torch.nn.functional.cross_entropy(x @ W.T + b, label)
            f.backward()
            return f.item()
        return measured(7, 1e3, fn)

    def rosenbrock():
        x = torch.cos(torch.arange(NX, dtype=f64)).requires_grad_()

        def fn():
            x.grad = None
            f = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
            f.backward()
            return f.item()
        return measured(9, 1e6, fn, CALLS)

    return {"version": "torch " + torch.__version__, "logistic": logistic(),
            "classifier": classifier(), "rosenbrock": rosenbrock()}


def numpy_work():
    import numpy as np

    def columns(n, nf):
        i = np.arange(n, dtype=np.int64)
        return np.stack([np.sin(0.37 * (i * (j + 1)).astype(np.float64) + j) for j in range(nf)], axis=1)

    def logistic():
        x = columns(N_LOGISTIC, NF)
        y = np.where(np.arange(N_LOGISTIC) % 3 != 0, 1.0, -1.0)
        p = np.array([0.1 * (j % 5) - 0.2 for j in range(NF + 1)])

        def fn():   # f = mean(softplus(u)), u = -y z; df/dz = -y sigmoid(u) / n
            u = -y * (x @ p[:NF] + p[NF])
            f = np.logaddexp(0.0, u).mean()
            d = -y / (1.0 + np.exp(-u)) / N_LOGISTIC
            return f, x.T @ d, d.sum()
        return measured(11, 1e9 / N_LOGISTIC, fn)

    def classifier():
        x = columns(N_CLASSIFIER, NF_C)
        label = np.arange(N_CLASSIFIER) % NC
        rows = np.arange(N_CLASSIFIER)
        p = np.array([0.01 * ((k * 7) % 13 - 6) for k in range(NC * NF_C + NC)])

        def fn():   # f = mean(logsumexp(z) - z[label]); df/dz = softmax(z) - onehot, / n
            W, b = p[:NC * NF_C].reshape(NC, NF_C), p[NC * NF_C:]
            z = x @ W.T + b
            m = z.max(axis=1)
            e = np.exp(z - m[:, None])
            s = e.sum(axis=1)
            f = (m + np.log(s) - z[rows, label]).mean()
            d = e / s[:, None]
            d[rows, label] -= 1.0
            d /= N_CLASSIFIER
            return f, d.T @ x, d.sum(axis=0)
        return measured(7, 1e3, fn)

    def rosenbrock():
        x = np.cos(np.arange(NX, dtype=np.float64))

        def fn():
            a, b = 1.0 - x[:-1], x[1:] - x[:-1] ** 2
            g = np.zeros(NX)
            g[:-1] = -2.0 * a - 400.0 * x[:-1] * b
            g[1:] += 200.0 * b
            return (a * a + 100.0 * b * b).sum(), g
        return measured(9, 1e6, fn, CALLS)

    return {"version": "numpy " + np.__version__, "logistic": logistic(),
            "classifier": classifier(), "rosenbrock": rosenbrock()}


# ---- the driver ---------------------------------------------------------------------------

# The allocators a worker runs with: glibc's; jemalloc as it comes (which gives
# large freed blocks back to the system at once here, so every call faults its
# pages in again); jemalloc keeping its freed pages (decay off).
KEEP = "dirty_decay_ms:-1,muzzy_decay_ms:-1"


def one_thread_env(preload, conf):
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[k] = "1"
    for k, v in (("LD_PRELOAD", preload), ("MALLOC_CONF", conf)):
        env.pop(k, None)
        if v:
            env[k] = v
    return env


def has(module):
    return subprocess.run([sys.executable, "-c", "import " + module], capture_output=True,
                          env=one_thread_env(None, None)).returncode == 0


def run_worker(lib, alloc, preload, conf):
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", lib],
                       capture_output=True, text=True, env=one_thread_env(preload, conf))
    if r.returncode != 0:
        err = (r.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"python: {lib} ({alloc}) failed: {err}")
        return None
    return json.loads(r.stdout)


def read_figures(path):
    fig = {}
    try:
        with open(path) as fp:
            for line in fp:
                k, _, v = line.partition(" ")
                fig[k] = float(v)
    except (OSError, ValueError):
        pass
    return fig


def fmt(v, digits):
    return "-" if v is None else f"{v:.{digits}f}"


def report(name, title, unit, digits, fig, key, results):
    """A line of every figure, then one of ratios for each of slope's ways."""
    slope = [("interpreter", fig.get(key + ".interp")), ("native", fig.get(key + ".native")),
             ("fast_math", fig.get(key + ".fast"))]
    ms = fig.get(key + ".compile_ms")
    line = f"{title} ({unit}): slope " + (", ".join(f"{n} {fmt(v, digits)}" for n, v in slope)
                                         if fig else "not measured in this run")
    if ms is not None:
        line += f" [native compiled in {ms:.0f} ms]"
    times, df = {}, []
    for lib, runs in results:
        t = [(alloc, res[name]["t"] if res else None) for alloc, res in runs]
        times[lib] = t
        line += f"; {lib} " + ", ".join(f"{a} {fmt(v, digits)}" for a, v in t)
        fs = [res[name]["f"] for _, res in runs if res]
        if fs and key + ".f" in fig:
            df.append(f"{lib} {max(abs(f - fig[key + '.f']) for f in fs) / abs(fig[key + '.f']):.1e}")
    print(line + (f"  [|df| vs slope: {', '.join(df)}]" if df else ""))
    for way, v in slope:
        if v is None or not times:
            continue
        print(f"  slope {way} over " + "; ".join(
            f"{lib} " + ", ".join(f"{a} {fmt(v / t if t else None, 2)}" for a, t in times[lib])
            for lib in times))


def main():
    fig = read_figures(sys.argv[1]) if len(sys.argv) > 1 else {}
    jemalloc = next(iter(sorted(glob.glob("/usr/lib/*/libjemalloc.so.2"))), None)
    missing = [m for m in ("torch", "numpy") if not has(m)]
    if not jemalloc:
        missing.append("jemalloc")
    if missing:
        print(f"python: {', '.join(missing)} not installed for {sys.executable}, not measured "
              f"({INSTALL})")
    allocs = [("glibc", None, None)]
    if jemalloc:
        allocs += [("jemalloc", jemalloc, None), ("jemalloc keeping pages", jemalloc, KEEP)]
    libs = [lib for lib in ("torch", "numpy") if lib not in missing]
    found = {}
    for _ in range(ROUNDS):
        for lib in libs:
            for alloc, preload, conf in allocs:
                res, old = run_worker(lib, alloc, preload, conf), found.get((lib, alloc))
                if res and old:   # the better round of each workload
                    res = {k: min(v, old[k], key=lambda w: w["t"]) if isinstance(v, dict) else v
                           for k, v in res.items()}
                found[(lib, alloc)] = res or old
    if not libs:
        return
    results = [(lib, [(alloc, found[(lib, alloc)]) for alloc, _, _ in allocs]) for lib in libs]
    versions = [found[(lib, "glibc")]["version"] for lib in libs if found[(lib, "glibc")]]
    print(f"python {sys.version.split()[0]} ({sys.executable}), {', '.join(versions)}, one thread, "
          f"float64, best of several after warm-up, of {ROUNDS} rounds; jemalloc: {jemalloc or 'none'}"
          + (f" (keeping pages: MALLOC_CONF={KEEP})" if jemalloc else ""))
    report("logistic", "logistic 20 features, 1e6 rows, value and gradient", "ns/row", 1, fig,
           "logistic", results)
    if "logistic_dot.interp" in fig:   # slope's vector form of the same function
        report("logistic", "  as dot(w, x)", "ns/row", 1, fig, "logistic_dot", [])
    report("classifier", "classifier 10 classes, 50 features, 1e5 rows, value and gradient", "ms", 1,
           fig, "classifier", results)
    report("rosenbrock", "rosenbrock n=1000, value and gradient", "us", 2, fig, "rosenbrock_nd",
           results)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(torch_work() if sys.argv[2] == "torch" else numpy_work()))
    else:
        main()
