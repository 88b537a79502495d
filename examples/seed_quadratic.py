"""The seeds' f(x, y, z) = 2(x - 1)^2 + (y - 0.5)^2 + (z + 4)^2 from (10, 10, 10).

Document 000 minimizes this function by gradient descent with lr = 0.01 for 500 steps and
prints [1.00000001, 0.50038973, -3.99942566] (the minimum is at (1, 0.5, -4)). This script
runs

* the same descent with ``fastgrad.minimize(method="gd", lr=0.01, max_iter=500, gtol=0)``
  (gtol=0: exactly 500 steps, as in the seeds);
* L-BFGS, ``method="lbfgs"``, which needs no learning rate, to the default gtol = 1e-6;
* the seeds' algorithm itself, ``fastgrad.reference.gradient_descent`` (plain numpy, the
  textbook loop),

and prints for each the result, the iterations (nit), the evaluations of f (nfev, those
inside the finite differences included) and the time of a warm run (the best of five;
the first call of fastgrad also compiles the objective and the optimizer loop, which is
timed apart).

Run ``python examples/seed_quadratic.py`` (it prints only; it draws no figure).
"""

from __future__ import annotations

import time
import timeit

import numpy as np

import fastgrad
from fastgrad import reference

from _common import command_line

X0 = np.array([10.0, 10.0, 10.0])
XMIN = np.array([1.0, 0.5, -4.0])
SEED_RESULT = np.array([1.00000001, 0.50038973, -3.99942566])


def f(x):
    return 2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2 + (x[2] + 4.0) ** 2


def best_time(call, repeat: int = 5) -> float:
    return min(timeit.repeat(call, number=1, repeat=repeat))


def main(out: str | None = None) -> dict:
    """Run the three minimizations and print the comparison (``out`` is unused)."""
    start = time.perf_counter()
    fastgrad.minimize(f, X0, method="gd", lr=0.01, max_iter=1)
    first_call = time.perf_counter() - start
    runs = {
        "gd": lambda: fastgrad.minimize(f, X0, method="gd", lr=0.01, max_iter=500, gtol=0.0),
        "lbfgs": lambda: fastgrad.minimize(f, X0, method="lbfgs"),
    }
    results: dict = {"first_call": first_call}
    print(f"{'':>20} {'x':>38} {'nit':>5} {'nfev':>6} {'time':>9}")
    for name, run in runs.items():
        res = run()
        seconds = best_time(run)
        results[name] = {"res": res, "time": seconds}
        print(f"{'fastgrad ' + name:>20} {np.array2string(res.x, precision=8):>38} "
              f"{res.nit:>5} {res.nfev:>6} {seconds * 1e3:7.3f} ms")
        print(f"{'':>20} {res.message}")
    x_ref = reference.gradient_descent(f, X0, lr=0.01, step_num=500)
    seconds = best_time(lambda: reference.gradient_descent(f, X0, lr=0.01, step_num=500))
    results["reference"] = {"x": x_ref, "time": seconds}
    print(f"{'reference gd':>20} {np.array2string(x_ref, precision=8):>38} {500:>5} "
          f"{500 * 6:>6} {seconds * 1e3:7.3f} ms")
    print(f"{'':>20} fastgrad.reference.gradient_descent: plain numpy, the seeds' loop")
    print(f"\nThe seeds print {np.array2string(SEED_RESULT, precision=8)}; the minimum is "
          f"{XMIN}.")
    print(f"gd: fastgrad is {seconds / results['gd']['time']:.0f} times faster than the "
          "reference loop; the first fastgrad call,\nwhich compiles f and the optimizer, "
          f"took {first_call:.2f} s. L-BFGS needs {results['lbfgs']['res'].nfev} "
          f"evaluations of f instead of {results['gd']['res'].nfev}.")
    print(f"x0 is unchanged: {X0} (the seeds' loop updated the caller's array in place).")
    return results


if __name__ == "__main__":
    command_line(__doc__, figure=False).parse_args()
    main()
