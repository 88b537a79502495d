"""The simulation fit: ``fastgrad.minimize`` with its default method against SciPy's
L-BFGS-B on :func:`fastgrad.problems.lotka_volterra_fit` (6 parameters, about 5 ms a call of
plain Python), from :data:`~fastgrad.problems.blackbox.LOTKA_VOLTERRA_X0`.

Both get the objective as the black box it stands for: fastgrad on its Python engine
(``jit=False``), SciPy with its own finite differences. Two workloads:

* ``simulation-serial``: every evaluation here, one after another;
* ``simulation-2-processes``: both given the same pool of 2 processes, fastgrad as
  ``workers=pool``, SciPy as ``options={"workers": pool.map}`` (SciPy >= 1.16): the
  evaluations of each finite-difference gradient go to the pool. The pool is started (and
  fastgrad imported in its processes) before anything is timed.

The time is the wall time of whole runs (``heavy``: no warm-up run; a one-iteration run of
each comes first, so that the pool's processes have imported what the runs unpickle);
``nfev`` is each result's own count (a counting wrapper would not see the calls made in
other processes); the error column is f (minimum 0). The runs take seconds: ``--quick``
skips both workloads, the smoke size cuts them to 2 iterations
(:data:`~fastgrad.benchmarks.sizes.SIZES`).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import fastgrad

from ..problems import blackbox
from .contenders import LONG, Contender, Workload
from .peers import not_installed, peer
from .sizes import SIZES, kw_text, minimize_kw

SIM_FASTGRAD = "fastgrad.minimize default"
SIM_SCIPY = "scipy L-BFGS-B"
SIMULATION_CONTENDERS = [SIM_FASTGRAD, SIM_SCIPY]
PROCESSES = 2


def fit_outcome(res) -> dict:
    """What a row records of one fit: the result's own nfev, f (the error: the minimum is
    0), success, nit and the message."""
    fun = float(res.fun)
    return {"nfev": int(res.nfev), "fun": fun, "error": fun if np.isfinite(fun) else None,
            "success": bool(res.success), "nit": int(res.nit), "message": str(res.message)}


def start_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of ``processes`` processes, started, each having evaluated the objective once
    (so fastgrad is imported there). Spawned, not forked: Numba's OpenMP runtime and JAX
    are not fork-safe. It lives as long as the workload that holds it (the interpreter shuts
    it down at exit)."""
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
    x0 = np.array(blackbox.LOTKA_VOLTERRA_X0)
    list(pool.map(blackbox.lotka_volterra_fit, [x0] * (2 * processes)))
    return pool


def simulation_workload(size: str, processes: int = 0) -> Workload:
    """``simulation-serial`` (``processes`` 0) or ``simulation-<processes>-processes``."""
    s = SIZES[size]
    kw = minimize_kw()
    f, x0 = blackbox.lotka_volterra_fit, np.array(blackbox.LOTKA_VOLTERRA_X0)
    iters = s.simulation_max_iter
    how = f"both on one pool of {processes} processes" if processes else "serial"
    w = Workload(f"simulation-{processes}-processes" if processes else "simulation-serial",
                 f"simulation fit: Lotka-Volterra, n = 6, ~5 ms a call of Python, {how}; "
                 f"fastgrad.minimize (jit=False, {kw_text(kw)}) vs SciPy L-BFGS-B"
                 + (f", {iters} iterations" if iters else ""), "simulation", SIM_FASTGRAD,
                 params={"n": 6, "processes": processes, "max_iter": iters,
                         "minimize_kw": kw}, error="f (minimum 0)", reference=None)
    if iters is None and s.skip_long:
        w.contenders = [Contender(c, "fastgrad" if c == SIM_FASTGRAD else "scipy", skip=LONG)
                        for c in SIMULATION_CONTENDERS]
        return w
    pool = start_pool(processes) if processes else None
    fg_kw = {**kw, "jit": False, **({"workers": pool} if pool else {}),
             **({"max_iter": iters} if iters else {})}

    def run_fastgrad(**extra):
        return fastgrad.minimize(f, x0, **{**fg_kw, **extra})

    try:
        run_fastgrad(max_iter=1)
    except Exception:  # the timed run fails the same way, and its row says why
        pass
    w.contenders.append(Contender(
        SIM_FASTGRAD, "fastgrad", run_fastgrad, fit_outcome, heavy=True, long=iters is None,
        note=f"fastgrad.minimize(f, x0, jit=False{', workers=pool' if pool else ''}): "
        f"{kw_text(kw)}"))
    if peer("scipy") is None:
        w.contenders.append(Contender(SIM_SCIPY, "scipy", skip=not_installed("scipy")))
        return w
    from scipy.optimize import minimize as sp_minimize

    options = {**({"workers": pool.map} if pool else {}), **({"maxiter": iters} if iters else {})}

    def run_scipy(**extra):
        return sp_minimize(f, x0, method="L-BFGS-B", options={**options, **extra})

    run_scipy(maxiter=1)  # the pool's processes import SciPy on its first gradient
    w.contenders.append(Contender(
        SIM_SCIPY, "scipy", run_scipy, fit_outcome, heavy=True, long=iters is None,
        note="minimize(f, x0, method='L-BFGS-B'" + (", options={'workers': pool.map})"
                                                   if pool else ")") + ", 2-point differences"))
    return w
