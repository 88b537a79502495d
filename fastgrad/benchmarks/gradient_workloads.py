"""The gradient workloads: ``gradient-rosen-n*`` and ``gradient-slow-n*`` (called from
Python), ``compiled-rosen-n*`` (inside a compiled loop) and ``overhead-n3``."""

from __future__ import annotations

import numpy as np

import fastgrad

from .. import problems, reference
from .._core.validate import steps_array
from ..steps import CENTRAL
from .contenders import Contender, Workload, _python_peer, _rel_error
from .floors import (
    _evaluations, _fastgrad_grad, _fastgrad_kernel, _floor_call, _floor_into, _floor_repeat,
    _grad_repeat, _kernel_repeat,
)
from .objectives import _jax_rosenbrock, compiled, make_slow_objective, rosenbrock_numpy
from .peers import not_installed, peer
from .sizes import REL_CENTRAL, SIZES


GRADIENT_CONTENDERS = [
    "fastgrad.gradient", "fastgrad.reference", "scipy approx_fprime",
    "scipy approx_derivative", "numdifftools Gradient", "jax.jit(jax.grad)", "numba floor",
]
SLOW_CONTENDERS = [c for c in GRADIENT_CONTENDERS if not c.startswith("jax")]


def _gradient_workload(n: int, size: str, slow: bool) -> Workload:
    prob = problems.make_rosenbrock(n)
    x = np.array(prob.x0)
    exact = prob.grad(x)
    if slow:
        f, us = make_slow_objective(SIZES[size].slow_us)
        title = (f"gradient, slow Rosenbrock ({us:.3g} us per call), n = {n}, "
                 "called from Python")
        params = {"n": n, "f_call_us": us}
    else:
        f = rosenbrock_numpy
        title = f"gradient, numpy Rosenbrock, n = {n}, called from Python"
        params = {"n": n}

    def check_gradient(out):
        return {"error": _rel_error(out, exact)}

    def with_f(make):  # make(f or None) -> call; None means the real objective
        return lambda g: make(f if g is None else g)

    w = Workload(f"gradient-{'slow' if slow else 'rosen'}-n{n}", title,
                 "slow" if slow else "gradient", "fastgrad.gradient", params=params,
                 error="max relative error of the gradient", reference="fastgrad.reference")
    fastgrad.gradient(f, x)  # compile
    w.contenders.append(Contender(
        "fastgrad.gradient", "fastgrad", lambda: fastgrad.gradient(f, x),
        lambda out: {"nfev": 2 * n, **check_gradient(out)},
        note="central differences, compiled", tol=1e-5))
    w.contenders.append(_python_peer(
        "fastgrad.reference", "reference",
        with_f(lambda g: lambda: reference.numerical_gradient(g, x)), check_gradient,
        rosenbrock_numpy, note="pure Python loop, central, h = 1e-4", tol=1e-3))
    w.contenders += _scipy_gradient_peers(x, with_f, check_gradient)
    w.contenders.append(_numdifftools_gradient_peer(f, x, n, check_gradient))
    if not slow:
        w.contenders.append(_jax_gradient_peer(x, check_gradient))
    floor = _floor_call(_floor_into(compiled(f) if not slow else f))
    floor(x, REL_CENTRAL)
    w.contenders.append(Contender(
        "numba floor", "numba", lambda: floor(x, REL_CENTRAL),
        lambda out: {"nfev": 2 * n, **check_gradient(out)},
        note="hand-written @njit loop, 2n evaluations, called from Python", tol=1e-5))
    return w


def _scipy_gradient_peers(x, with_f, check_gradient) -> list:
    """SciPy's ``approx_fprime`` and ``approx_derivative`` (3-point) rows of a gradient
    workload; ``with_f`` as in :func:`_gradient_workload`."""
    if peer("scipy") is None:
        return [Contender("scipy approx_fprime", "scipy", skip=not_installed("scipy")),
                Contender("scipy approx_derivative", "scipy", skip=not_installed("scipy"))]
    from scipy.optimize import approx_fprime
    from scipy.optimize._numdiff import approx_derivative

    eps = float(np.sqrt(np.finfo(float).eps))
    return [
        _python_peer(
            "scipy approx_fprime", "scipy",
            with_f(lambda g: lambda: approx_fprime(x, g, eps)), check_gradient,
            rosenbrock_numpy, note="forward differences (its only scheme)", tol=1e-3),
        _python_peer(
            "scipy approx_derivative", "scipy",
            with_f(lambda g: lambda: approx_derivative(g, x, method="3-point")),
            check_gradient, rosenbrock_numpy, note="method='3-point' (central)", tol=1e-5),
    ]


def _numdifftools_gradient_peer(f, x, n: int, check_gradient) -> Contender:
    """numdifftools' ``Gradient`` (Richardson extrapolation) of ``f``: long from n = 1000."""
    nd = peer("numdifftools")
    if nd is None:
        return Contender("numdifftools Gradient", "numdifftools",
                         skip=not_installed("numdifftools"))

    def make_nd(g):
        gradient_fn = nd.Gradient(f if g is None else g)
        return lambda: gradient_fn(x)

    contender = _python_peer(
        "numdifftools Gradient", "numdifftools", make_nd, check_gradient, rosenbrock_numpy,
        note="central, Richardson extrapolation", tol=1e-5)
    contender.long = n >= 1000
    return contender


def _jax_gradient_peer(x, check_gradient) -> Contender:
    """``jax.jit(jax.grad)`` of the jnp form of Rosenbrock, compiled and warmed here."""
    jax = peer("jax")
    if jax is None:
        return Contender("jax.jit(jax.grad)", "jax", skip=not_installed("jax"))
    g = jax.jit(jax.grad(_jax_rosenbrock))
    xj = jax.numpy.asarray(x)
    g(xj).block_until_ready()
    return Contender(
        "jax.jit(jax.grad)", "jax", lambda: g(xj).block_until_ready(),
        lambda out: {"nfev": None, **check_gradient(np.asarray(out))},
        note="exact reverse-mode autodiff, jnp form of f, x on the device", tol=1e-12)


COMPILED_CONTENDERS = ["fastgrad kernel", "fastgrad.grad from @njit", "numba floor",
                       "jax jitted loop"]


def _compiled_workload(n: int, size: str) -> Workload:
    reps = SIZES[size].reps_inside
    prob = problems.make_rosenbrock(n)
    x = np.array(prob.x0)
    exact = prob.grad(x)
    fc = compiled(problems.rosenbrock)  # the table's loop form, compiled as fastgrad would
    w = Workload(f"compiled-rosen-n{n}",
                 f"gradient inside a compiled loop, Rosenbrock (loop form), n = {n} "
                 f"(x{reps} per call)", "compiled", "fastgrad kernel", params={"n": n,
                 "reps_inside": reps}, error="max relative error of the gradient",
                 reference=None)
    scheme, steps = CENTRAL, steps_array(None, n)  # run-time values, as fastgrad.gradient
    kern_rep = _kernel_repeat(_fastgrad_kernel(fc))
    xk, outk = x.copy(), np.empty(n)
    kern_rep(xk, scheme, steps, outk, 1)
    w.contenders.append(Contender(
        "fastgrad kernel", "fastgrad", lambda: kern_rep(xk, scheme, steps, outk, reps),
        lambda out: {"nfev": 2 * n, "error": _rel_error(outk, exact)}, per_call=reps,
        note="fastgrad's kernel, scheme and steps passed at run time", tol=1e-5))
    g = _fastgrad_grad(fc)
    grad_rep = _grad_repeat(g)
    xg = x.copy()
    grad_rep(xg, 1)
    w.contenders.append(Contender(
        "fastgrad.grad from @njit", "fastgrad", lambda: grad_rep(xg, reps),
        lambda out: {"nfev": 2 * n, "error": _rel_error(g(x.copy()), exact)}, per_call=reps,
        note="g = fastgrad.grad(f) called from the user's @njit code (allocates)", tol=1e-5))
    floor_rep = _floor_repeat(_floor_into(fc))
    xf, outf = x.copy(), np.empty(n)
    floor_rep(xf, REL_CENTRAL, outf, 1)
    w.contenders.append(Contender(
        "numba floor", "numba", lambda: floor_rep(xf, REL_CENTRAL, outf, reps),
        lambda out: {"nfev": 2 * n, "error": _rel_error(outf, exact)}, per_call=reps,
        note="hand-written loop, 2n evaluations, rel step passed at run time", tol=1e-5))
    jax = peer("jax")
    if jax is None:
        w.contenders.append(Contender("jax jitted loop", "jax", skip=not_installed("jax")))
    else:
        gj = jax.jit(jax.grad(_jax_rosenbrock))
        xj = jax.numpy.asarray(x)

        @jax.jit
        def loop(xj):
            def body(i, s):
                return s + gj(xj + 0.0 * s)[0]  # depends on the carry: not hoisted

            return jax.lax.fori_loop(0, reps, body, 0.0)

        loop(xj).block_until_ready()
        w.contenders.append(Contender(
            "jax jitted loop", "jax", lambda: loop(xj).block_until_ready(),
            lambda out: {"nfev": None, "error": _rel_error(np.asarray(gj(xj)), exact)},
            per_call=reps, note="jax.grad inside jax.lax.fori_loop, jitted (exact)",
            tol=1e-12))
    return w


def _overhead_workload(size: str) -> Workload:
    def trivial(x):
        return x[0] + x[1] + x[2]

    fc = compiled(trivial)
    x = np.array([1.0, 2.0, 3.0])
    evaluations = _evaluations(fc)
    fastgrad.gradient(fc, x)
    evaluations(x, 6)
    w = Workload("overhead-n3", "per-call overhead of fastgrad.gradient, n = 3", "overhead",
                 "fastgrad.gradient", params={"n": 3}, error="max abs. error of the gradient")
    w.contenders.append(Contender(
        "fastgrad.gradient", "fastgrad", lambda: fastgrad.gradient(fc, x),
        lambda out: {"nfev": 6, "error": float(np.max(np.abs(out - 1.0)))}, tol=1e-8))
    w.contenders.append(Contender(
        "compiled 2n evaluations", "numba", lambda: evaluations(x, 6),
        lambda out: {"nfev": 6, "error": None},
        note="one compiled call evaluating f 6 times, called from Python"))
    return w
