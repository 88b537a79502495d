"""Minimization: the seeds' gradient-descent example, L-BFGS, batched multi-start, MGH-20
and the simulation fit.

Thin wrappers over :mod:`fastgrad.benchmarks` (see ``bench/conftest.py``).
"""

import pytest

from fastgrad import benchmarks as B

IDS = [w for w in B.WORKLOADS
       if w.startswith(("seed-", "lbfgs-", "batched-", "mgh-", "simulation-"))]

KNOWN_BUGS = {
    ("simulation-2-processes", "fastgrad.minimize default"):
        "minimize(f, x0, workers=ProcessPoolExecutor) sends the pool fastgrad's detached "
        "copy of f, which does not pickle (fastgrad/optimize/driver.py: pooled_driver)",
}


def _params():
    return [pytest.param(w, c, marks=pytest.mark.xfail(reason=KNOWN_BUGS[w, c], strict=False))
            if (w, c) in KNOWN_BUGS else (w, c) for w, c in B.parameters(IDS)]


@pytest.mark.parametrize(("workload", "contender"), _params(), ids=B.parameter_id)
def test_minimize(run_contender, workload, contender):
    run_contender(workload, contender)
