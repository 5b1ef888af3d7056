#!/usr/bin/python3
# Evaluations Hansen's reference CMA-ES needs to reach f < 1e-8 on the
# 10-D sphere (start 1, sigma0 0.5) and 10-D Rosenbrock (start 0, sigma0
# 0.5): cma.purecma.CMAES (pycma, "for reading and understanding" the
# algorithm of the tutorial, classic positive weights), seeds 1..40, which
# tests/test_evo.c compares slope's "cmaes" with (mean within a factor 1.5).
# pycma is not part of slope; point PYTHONPATH at a checkout of
# https://github.com/CMA-ES/pycma (this file was made with 4.4.0, commit
# 8d1650543a903e4c8c79b4b6788f454024806bd4):
#   PYTHONPATH=pycma /usr/bin/python3 tests/ref/make_purecma_evals.py > tests/ref/purecma_evals.txt
import random

import cma
from cma import purecma


def sphere(x):
    return sum(v * v for v in x)


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


print("# pycma", cma.__version__, "purecma.CMAES, ftarget 1e-8, seeds 1..40")
print("# problem n x0 sigma0 successes runs mean_evals min max")
for name, f, x0 in (("sphere", sphere, 1.0), ("rosenbrock", rosenbrock, 0.0)):
    evals = []
    for seed in range(1, 41):
        random.seed(seed)
        es = purecma.CMAES(10 * [x0], 0.5, ftarget=1e-8, maxfevals=1e5)
        while not es.stop():
            X = es.ask()
            es.tell(X, [f(x) for x in X])
        if es.best.f <= 1e-8:
            evals.append(es.counteval)
    print(name, 10, x0, 0.5, len(evals), 40, sum(evals) / len(evals), min(evals), max(evals))
