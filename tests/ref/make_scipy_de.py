#!/usr/bin/python3
# Success rates and evaluation counts of SciPy's differential_evolution
# (defaults: best1bin, popsize 15, mutation (0.5, 1), recombination 0.7,
# Latin hypercube, updating 'immediate', tol 0.01), polish=False as slope's
# "de" does not polish, on the problems of tests/test_evo.c, over 100 seeds.
# slope draws other random numbers, so runs differ one by one; the rates and
# mean evaluation counts are what test_evo compares.
# Run with the system Python that has SciPy 1.10:
#   /usr/bin/python3 tests/ref/make_scipy_de.py > tests/ref/scipy_de.txt
import numpy as np
import scipy
from scipy.optimize import differential_evolution


def ackley(x):
    n = len(x)
    return (-20 * np.exp(-0.2 * np.sqrt(np.sum(x * x) / n))
            - np.exp(np.sum(np.cos(2 * np.pi * x)) / n) + 20 + np.e)


def rastrigin(x):
    return 10 * len(x) + np.sum(x * x - 10 * np.cos(2 * np.pi * x))


print("# scipy", scipy.__version__, "differential_evolution, polish=False, seeds 1..100")
print("# problem n bound successes(f<1e-6) runs mean_nfev")
for name, f, n, b in (("ackley", ackley, 2, 5.0), ("rastrigin", rastrigin, 5, 5.12)):
    ok, nfev, runs = 0, 0, 100
    for seed in range(1, runs + 1):
        r = differential_evolution(f, [(-b, b)] * n, seed=seed, polish=False)
        ok += r.fun < 1e-6
        nfev += r.nfev
    print(name, n, b, ok, runs, nfev / runs)
