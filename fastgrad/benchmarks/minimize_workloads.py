"""The minimization workloads: ``seed-gd`` (the seeds' example), ``lbfgs-rosen-n*`` and
``batched-rastrigin``."""

from __future__ import annotations

import warnings

import numba
import numpy as np

import fastgrad

from .. import problems, reference
from .contenders import Contender, Workload
from .embedding import SOLVE_LOOP, SOLVE_PYTHON, seed_solve_contenders
from .floors import floor_gd, numpy_gradient_descent
from .objectives import (
    _jax_rastrigin, _jax_rosenbrock, rastrigin_numpy, rastrigin_numpy_batch,
    rosenbrock_numpy,
)
from .peers import not_installed, peer
from .sizes import (
    BATCH_DIM, BATCH_LR, BATCH_SEED, LBFGS_GTOL, REL_CENTRAL, SEED_LR, SEED_STEPS, SIZES,
)


SEED_CONTENDERS = ["fastgrad.minimize gd", SOLVE_PYTHON, SOLVE_LOOP, "fastgrad.reference",
                   "numba floor", "jax jitted loop"]


def _seed_workload(size: str) -> Workload:
    prob = problems.get("seed_quadratic3")
    f, xmin, x0 = prob.f, np.array(prob.xmin), np.array(prob.x0)

    def err(x):
        return {"error": float(np.max(np.abs(np.asarray(x) - xmin)))}

    w = Workload("seed-gd", f"the seeds' example: gradient descent, lr {SEED_LR}, "
                 f"{SEED_STEPS} steps, n = 3", "gd", "fastgrad.minimize gd",
                 params={"lr": SEED_LR, "steps": SEED_STEPS}, error="max |x - xmin|",
                 reference="fastgrad.reference",
                 paired=("fastgrad.minimize gd", SOLVE_PYTHON, SOLVE_LOOP, "numba floor"))

    def run_fastgrad():
        return fastgrad.minimize(f, x0, method="gd", lr=SEED_LR, max_iter=SEED_STEPS,
                                 gtol=0.0)

    run_fastgrad()
    w.contenders.append(Contender(
        "fastgrad.minimize gd", "fastgrad", run_fastgrad,
        lambda res: {"nfev": int(res.nfev), **err(res.x)}, note="gtol=0: all 500 steps",
        tol=1e-2))
    w.contenders += seed_solve_contenders(f, x0, SEED_LR, SEED_STEPS, err)
    w.contenders.append(Contender(
        "fastgrad.reference", "reference",
        lambda: reference.gradient_descent(f, x0, lr=SEED_LR, step_num=SEED_STEPS),
        lambda x: {"nfev": 6 * SEED_STEPS, **err(x)},
        note="reference.gradient_descent: the seeds' loop", tol=1e-2))
    gd = floor_gd(f)
    gd(x0, REL_CENTRAL, SEED_LR, 1)
    w.contenders.append(Contender(
        "numba floor", "numba", lambda: gd(x0, REL_CENTRAL, SEED_LR, SEED_STEPS),
        lambda x: {"nfev": 6 * SEED_STEPS, **err(x)},
        note="hand-written @njit gd loop, central differences", tol=1e-2))
    jax = peer("jax")
    if jax is None:
        w.contenders.append(Contender("jax jitted loop", "jax", skip=not_installed("jax")))
    else:
        gj = jax.grad(f)

        @jax.jit
        def loop(x):
            return jax.lax.fori_loop(0, SEED_STEPS, lambda i, x: x - SEED_LR * gj(x), x)

        xj = jax.numpy.asarray(x0)
        loop(xj).block_until_ready()
        w.contenders.append(Contender(
            "jax jitted loop", "jax", lambda: loop(xj).block_until_ready(),
            lambda x: {"nfev": None, **err(np.asarray(x))},
            note="jax.grad inside jax.lax.fori_loop, jitted (exact)", tol=1e-2))
    return w


LBFGS_CONTENDERS = ["fastgrad.minimize lbfgs", "scipy L-BFGS-B 2-point",
                    "scipy L-BFGS-B 3-point", "scipy L-BFGS-B jac=fastgrad.grad",
                    "scipy L-BFGS-B jac=jax"]


def _lbfgs_workload(n: int, size: str) -> Workload:
    prob = problems.make_rosenbrock(n)
    x0 = np.array(prob.x0)
    xmin = np.array(prob.xmin)
    f = rosenbrock_numpy
    max_iter = SIZES[size].lbfgs_max_iter
    tol = None if size == "smoke" else 1e-4  # smoke: a few iterations, not converged

    def result(res, **extra):
        g = np.asarray(res.jac) if getattr(res, "jac", None) is not None else None
        return {"nfev": int(res.nfev), "error": float(np.max(np.abs(res.x - xmin))),
                "success": bool(res.success), "nit": int(res.nit),
                "gnorm": float(np.max(np.abs(g))) if g is not None else None,
                "message": str(res.message), **extra}

    w = Workload(f"lbfgs-rosen-n{n}", f"L-BFGS to ||g||_inf <= {LBFGS_GTOL:g}, numpy "
                 f"Rosenbrock, n = {n}", "lbfgs", "fastgrad.minimize lbfgs",
                 params={"n": n, "gtol": LBFGS_GTOL}, error="max |x - xmin|",
                 reference=None)

    def run_fastgrad():
        return fastgrad.minimize(f, x0, method="lbfgs", gtol=LBFGS_GTOL, max_iter=max_iter)

    run_fastgrad()
    w.contenders.append(Contender(
        "fastgrad.minimize lbfgs", "fastgrad", run_fastgrad, result,
        note="central differences, memory 10", tol=tol))
    w.contenders += _scipy_lbfgs_contenders(f, x0, n, max_iter, result)
    return w


def _scipy_lbfgs_contenders(f, x0, n: int, max_iter: int, result) -> list:
    """SciPy's L-BFGS-B on ``f`` with its own finite differences (2-point, 3-point), with
    ``fastgrad.grad(f)`` and with JAX's exact gradient; every row is skipped without SciPy."""
    if peer("scipy") is None:
        return [Contender(name, "scipy", skip=not_installed("scipy"))
                for name in LBFGS_CONTENDERS[1:]]
    from scipy.optimize import minimize as sp_minimize

    options = {"gtol": LBFGS_GTOL, "ftol": 0.0, "maxiter": max_iter, "maxfun": 10**8}

    def scipy_run(jac, fun=f):
        def run():
            return sp_minimize(fun, x0, jac=jac, method="L-BFGS-B", options=options)
        return run

    rows = []
    for name, jac, note in (
        ("scipy L-BFGS-B 2-point", None, "SciPy's default: forward differences, maxcor 10"),
        ("scipy L-BFGS-B 3-point", "3-point", "central differences"),
        ("scipy L-BFGS-B jac=fastgrad.grad", fastgrad.grad(f), "SciPy's loop, fastgrad's "
         "compiled gradient (README usage)"),
    ):
        rows.append(Contender(name, "scipy" if "fastgrad" not in name else "fastgrad",
                              scipy_run(jac), result, note=note,
                              long=jac == "3-point" and n >= 100))
    jax = peer("jax")
    if jax is None:
        rows.append(Contender("scipy L-BFGS-B jac=jax", "jax", skip=not_installed("jax")))
        return rows
    vg = jax.jit(jax.value_and_grad(_jax_rosenbrock))

    def fun_and_grad(x):
        value, grad = vg(x)
        return float(value), np.asarray(grad)

    fun_and_grad(x0)
    rows.append(Contender(
        "scipy L-BFGS-B jac=jax", "jax", scipy_run(True, fun_and_grad), result,
        note="jax.jit(jax.value_and_grad) as fun with jac=True (exact)"))
    return rows

BATCHED_CONTENDERS = ["fastgrad, 2 threads", "fastgrad, 1 thread", "numpy vectorized",
                      "jax jitted vmap loop", "fastgrad.reference"]


def _batch_starts(m: int) -> np.ndarray:
    return np.random.default_rng(BATCH_SEED).uniform(-5.12, 5.12, (m, BATCH_DIM))


def _batched_workload(size: str, steps: int | None = None) -> Workload:
    s = SIZES[size]
    m, steps = s.starts, steps or s.steps
    X0 = _batch_starts(m)
    f = rastrigin_numpy

    def best(X):
        return float(np.min(rastrigin_numpy_batch(np.asarray(X))))

    w = Workload("batched-rastrigin", f"batched multi-start gd: {m:,} starts, Rastrigin "
                 f"n = {BATCH_DIM}, {steps:,} steps, lr {BATCH_LR:g}", "batched",
                 "fastgrad, 2 threads", params={"starts": m, "steps": steps, "n": BATCH_DIM,
                                               "lr": BATCH_LR},
                 error="lowest f over the starts (minimum 0)", reference="fastgrad.reference")
    w.contenders += _fastgrad_batched_contenders(f, X0, steps, best)
    w.contenders.append(Contender(
        "numpy vectorized", "numpy",
        lambda: numpy_gradient_descent(rastrigin_numpy_batch, X0, BATCH_LR, steps),
        lambda out: {"nfev": int(out[1]), "error": best(out[0])}, heavy=True,
        note="the same gd and stopping rule, each step 2n batch evaluations", tol=1e3))
    w.contenders.append(_jax_batched_contender(X0, steps, best))
    k = min(s.ref_starts, m)

    def run_reference():
        return np.array([reference.gradient_descent(f, X0[r], lr=BATCH_LR, step_num=steps)
                         for r in range(k)])

    w.contenders.append(Contender(
        "fastgrad.reference", "reference", lambda: run_reference(),
        lambda X: {"nfev": 2 * BATCH_DIM * steps * m, "error": best(X)}, heavy=True,
        note=f"{k} of the {m:,} starts timed, time scaled by {m / k:g}; fixed steps (no "
        "stopping test)", scale=m / k, tol=1e3))
    return w


def _fastgrad_batched_contenders(f, X0, steps: int, best) -> list:
    """One batched ``fastgrad.minimize`` call on 2 threads and on 1 (skipped where the machine
    has fewer cores), each warmed by one step on the whole batch."""

    def run_fastgrad(threads, X, max_iter=steps):
        old = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            return fastgrad.minimize(f, X, method="gd", lr=BATCH_LR, max_iter=max_iter,
                                     gtol=0.0)
        finally:
            numba.set_num_threads(old)

    rows = []
    for threads, name in ((2, "fastgrad, 2 threads"), (1, "fastgrad, 1 thread")):
        if numba.config.NUMBA_NUM_THREADS < threads:
            rows.append(Contender(name, "fastgrad", skip=f"needs {threads} cores"))
            continue
        # warm on the whole batch (one step): a small batch may take another path
        run_fastgrad(threads, X0, max_iter=1)
        rows.append(Contender(
            name, "fastgrad", lambda t=threads: run_fastgrad(t, X0),
            lambda res: {"nfev": int(np.sum(res.nfev)), "error": best(res.x)}, heavy=True,
            note=f"one batched fastgrad.minimize call, numba.set_num_threads({threads})",
            tol=1e3))
    return rows


def _jax_batched_contender(X0, steps: int, best) -> Contender:
    """``jax.vmap(jax.grad)`` gradient descent in a jitted ``fori_loop``, compiled here
    without running."""
    jax = peer("jax")
    if jax is None:
        return Contender("jax jitted vmap loop", "jax", skip=not_installed("jax"))
    jnp = jax.numpy
    gb = jax.vmap(jax.grad(_jax_rastrigin))

    def loop(X):
        def body(i, carry):
            X, active = carry
            G = gb(X)
            active = active & (jnp.max(jnp.abs(G), axis=1) > 0.0)
            return jnp.where(active[:, None], X - BATCH_LR * G, X), active

        return jax.lax.fori_loop(0, steps, body, (X, jnp.ones(X.shape[0], bool)))[0]

    Xj = jnp.asarray(X0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled_loop = jax.jit(loop).lower(Xj).compile()  # compile without running
    return Contender(
        "jax jitted vmap loop", "jax", lambda: compiled_loop(Xj).block_until_ready(),
        lambda X: {"nfev": None, "error": best(X)}, heavy=True,
        note="jax.vmap(jax.grad) in a jitted fori_loop (exact)", tol=1e3)
