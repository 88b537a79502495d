"""Scale-out: ``workers=`` (threads, processes, a Dask cluster) and the parallel gradient
of a single point.

What is proven here:

* With ``workers=`` every stencil point is evaluated by the pool and the result is
  bit-identical to the serial Python engine (``jit=False``), for every scheme, for batches,
  Jacobians and Hessians, with threads, processes and a real ``distributed.LocalCluster``.
* A Dask worker killed in the middle of a gradient does not give a wrong result: the cluster
  reruns its tasks and the gradient equals the serial one (or a clear error is raised).
* The parallel single-point gradient is bit-identical to the serial kernel, and the automatic
  switch to it follows the rule documented in ``fastgrad.diff.api``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import warnings

import numpy as np
import pytest

import fastgrad
from fastgrad import problems
from fastgrad._core import cache
from fastgrad.diff import api as differentiate

SCHEMES = ["forward", "backward", "central", "central4", "complex"]
X = np.array([0.3, -1.2, 2.5, 0.7])


def black_box(x, scale):
    # numpy code, complex-safe, not worth compiling: the kind of objective workers= is for
    return float(np.real(scale * np.sum(np.sin(x) * x) + x[0] * x[1] * x[1])) if np.isrealobj(
        x) else scale * np.sum(np.sin(x) * x) + x[0] * x[1] * x[1]


def vector_box(x):
    return np.array([x[0] * x[1], np.sin(x[2]), x[3] * x[3] + x[0]])


@pytest.mark.parametrize("method", SCHEMES)
def test_thread_workers_equal_the_serial_python_engine(method):
    serial = fastgrad.gradient(black_box, X, method=method, args=(2.0,), jit=False)
    pooled = fastgrad.gradient(black_box, X, method=method, args=(2.0,), workers=3)
    np.testing.assert_array_equal(pooled, serial)
    batch = np.stack([X, X + 0.5, -X])
    np.testing.assert_array_equal(
        fastgrad.gradient(black_box, batch, method=method, args=(2.0,), workers=3),
        fastgrad.gradient(black_box, batch, method=method, args=(2.0,), jit=False),
    )


def float32_cubes(x):
    # numpy code that computes and returns float32: its steps must be float32's
    y = x.astype(np.float32)
    return np.sum(y * y * y)


def float32_cubes_vector(x):
    y = x.astype(np.float32)
    return y * y * y


def test_a_float32_objective_gets_float32_steps_on_workers_too():
    # workers= learns the precision of f's values from one evaluation on the pool, as
    # jit=False does from one here. Before, it took float64's steps from x's dtype: a
    # Hessian of [[0, 0, 0], [0, 0, 0], [0, 0, 58]] against the diagonal [7.8, 4.2, 12.6]
    x = np.array([1.3, 0.7, 2.1])
    for method in ("forward", "central"):
        np.testing.assert_array_equal(
            fastgrad.gradient(float32_cubes, x, method=method, workers=2),
            fastgrad.gradient(float32_cubes, x, method=method, jit=False))
    np.testing.assert_array_equal(fastgrad.jacobian(float32_cubes_vector, x, workers=2),
                                  fastgrad.jacobian(float32_cubes_vector, x, jit=False))
    hessian = fastgrad.hessian(float32_cubes, x, workers=2)
    np.testing.assert_array_equal(hessian, fastgrad.hessian(float32_cubes, x, jit=False))
    # float32's Hessian step eps32**(1/4) ~ 0.019 relative: rounding ~ sqrt(eps32) ~ 3e-4
    # relative, times a margin for the size of f against its second derivatives
    np.testing.assert_allclose(np.diag(hessian), 6.0 * x, rtol=1e-2)
    x0 = np.array([3.0, 2.0, 1.0])
    assert_same_result(fastgrad.minimize(float32_cubes_bowl, x0, workers=2),
                       fastgrad.minimize(float32_cubes_bowl, x0, jit=False))


def float32_cubes_bowl(x):
    y = x.astype(np.float32)
    return np.sum((y - np.float32(1.5)) ** 4 + y * y)


@pytest.mark.parametrize("method", ["forward", "central", "central4", "complex"])
def test_jacobian_and_hessian_with_workers(method):
    with ThreadPoolExecutor(2) as pool:
        np.testing.assert_array_equal(
            fastgrad.jacobian(vector_box, X, method=method, workers=pool),
            fastgrad.jacobian(vector_box, X, method=method, jit=False),
        )
        np.testing.assert_array_equal(
            fastgrad.hessian(black_box, X, args=(0.5,), workers=pool),
            fastgrad.hessian(black_box, X, args=(0.5,), jit=False),
        )


def test_workers_run_evaluations_concurrently():
    # 8 evaluations of 0.2 s: serial 1.6 s; on 8 threads the batch takes one round.
    # A functional check with a wide margin, not a benchmark (bench/bench_scaleout.py is).
    x = np.linspace(0.1, 0.8, 4)
    t0 = time.perf_counter()
    g = fastgrad.gradient(problems.sleepy_sphere, x, args=(0.2,), workers=8)
    assert time.perf_counter() - t0 < 1.2
    np.testing.assert_allclose(g, 2 * x, rtol=1e-8)


def test_process_pool_gives_the_same_gradient():
    x = np.array([0.5, -0.25, 1.5])
    # spawn, not fork: Numba's OpenMP runtime (and JAX, if loaded) are not fork-safe
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = fastgrad.gradient(problems.sleepy_sphere, x, args=(0.0,), workers=pool)
    np.testing.assert_array_equal(
        pooled, fastgrad.gradient(problems.sleepy_sphere, x, args=(0.0,), jit=False))


@pytest.mark.parametrize(
    "workers, error, match",
    [
        (0, ValueError, r"workers must be a positive int or an executor, got 0"),
        (-2, ValueError, r"workers must be a positive int or an executor, got -2"),
        ("4", TypeError, r"workers must be a positive int or an executor with a map"),
        (True, TypeError, r"workers must be a positive int or an executor with a map"),
        (object(), TypeError, r"workers must be a positive int or an executor with a map"),
    ],
)
def test_bad_workers(workers, error, match):
    with pytest.raises(error, match=match):
        fastgrad.gradient(black_box, X, args=(1.0,), workers=workers)


def test_workers_and_vectorized_are_exclusive():
    with pytest.raises(ValueError, match="workers= cannot be combined with vectorized=True"):
        fastgrad.gradient(lambda X: np.sum(X, axis=1), X, vectorized=True, workers=2)


# ---------------------------------------------------------------------------------------
# A real Dask cluster: two worker processes
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as cluster:
        with distributed.Client(cluster) as client:
            yield cluster, client


def test_gradient_through_a_dask_cluster_equals_serial(cluster):
    _, client = cluster
    x = np.array([0.5, -1.0, 2.0, 0.25])
    executor = client.get_executor()
    for method in ("central", "complex"):
        np.testing.assert_array_equal(
            fastgrad.gradient(problems.sleepy_sphere, x, method=method, args=(0.0,),
                              workers=executor),
            fastgrad.gradient(problems.sleepy_sphere, x, method=method, args=(0.0,),
                              jit=False),
        )


def test_a_killed_dask_worker_does_not_give_a_wrong_result(cluster):
    cluster_, client = cluster
    x = np.linspace(-1.0, 1.0, 6)  # 12 evaluations of 0.25 s on 2 workers: about 1.5 s
    victim = next(iter(cluster_.workers.values()))

    def kill_soon():
        time.sleep(0.5)
        # the worker process dies mid-run; its nanny starts a new one
        os.kill(victim.process.process.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_soon)
    killer.start()
    try:
        g = fastgrad.gradient(problems.sleepy_sphere, x, args=(0.25,),
                              workers=client.get_executor())
    except Exception as exc:  # allowed: a clear error naming the failure
        assert "worker" in str(exc).lower() or "Killed" in type(exc).__name__
    else:
        np.testing.assert_array_equal(
            g, fastgrad.gradient(problems.sleepy_sphere, x, args=(0.0,), jit=False))
    finally:
        killer.join()


# ---------------------------------------------------------------------------------------
# One point, components over threads
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["forward", "backward", "central", "central4"])
def test_parallel_gradient_is_bit_identical_to_serial(method):
    x = np.linspace(-1.0, 2.0, 37)
    serial = fastgrad.gradient(problems.rosenbrock, x, method=method, parallel=False)
    np.testing.assert_array_equal(
        fastgrad.gradient(problems.rosenbrock, x, method=method, parallel=True), serial)


def test_automatic_switch_to_the_parallel_gradient(monkeypatch):
    f = problems.styblinski_tang
    x = np.linspace(-1.0, 1.0, 16)
    obj = cache.get(f, None)
    fastgrad.gradient(f, x, parallel=False)  # compile; nothing learnt with parallel=False
    fastgrad.gradient(f, x, parallel=True)  # compile the parallel kernel (compiles are not timed)
    assert 16 not in obj.parallel_sizes
    monkeypatch.setattr(differentiate, "PARALLEL_MIN_SECONDS", 0.0)
    for _ in range(differentiate.PARALLEL_AFTER_SLOW_CALLS - 1):
        fastgrad.gradient(f, x)  # serial, timed: slow by the (patched) rule, not yet enough
        assert 16 not in obj.parallel_sizes
    fastgrad.gradient(f, x)  # the last slow serial call in a row: switch
    assert obj.parallel_sizes[16] > 0.0
    obj.parallel_sizes[16] = 1e-12  # a serial time no parallel run can beat
    expected = fastgrad.gradient(f, x, parallel=False)
    np.testing.assert_array_equal(fastgrad.gradient(f, x), expected)  # runs parallel, slower
    assert obj.parallel_sizes[16] is None  # so this objective and n stay serial
    np.testing.assert_array_equal(fastgrad.gradient(f, x), expected)


def test_small_or_complex_gradients_never_go_parallel(monkeypatch):
    monkeypatch.setattr(differentiate, "PARALLEL_MIN_SECONDS", 0.0)
    obj = cache.get(problems.rosenbrock, None)
    for x, method in ((np.ones(7), "central"), (np.ones(9), "complex")):
        fastgrad.gradient(problems.rosenbrock, x, method=method)
        fastgrad.gradient(problems.rosenbrock, x, method=method)
        assert x.shape[0] not in obj.parallel_sizes


def test_vectorized_must_be_a_bool():
    with pytest.raises(TypeError, match=r"vectorized must be True or False, got 'yes'"):
        fastgrad.gradient(lambda X: np.sum(X, axis=1), X, vectorized="yes")


# ---------------------------------------------------------------------------------------
# minimize with workers
# ---------------------------------------------------------------------------------------

RESULT_FIELDS = ("x", "fun", "jac", "nit", "nfev", "njev", "status", "success")


def assert_same_result(a, b):
    for key in RESULT_FIELDS:
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]), err_msg=key)
    assert a.message == b.message


@pytest.mark.parametrize("jac", ["central", "forward", "backward"])
@pytest.mark.parametrize("method", ["gd", "lbfgs"])
def test_minimize_one_start_sends_out_only_evaluations(method, jac):
    x0 = np.array([0.5, -1.5, 2.0])
    serial = fastgrad.minimize(problems.sleepy_sphere, x0, method=method, args=(0.0,),
                               jit=False, max_iter=50, jac=jac)
    pooled = fastgrad.minimize(problems.sleepy_sphere, x0, method=method, args=(0.0,),
                               workers=3, max_iter=50, jac=jac)
    assert_same_result(pooled, serial)  # one-sided: f at the iterate is reused by both


def test_minimize_batch_over_a_dask_cluster_equals_the_local_batch(cluster):
    _, client = cluster
    X = np.random.default_rng(5).uniform(-2.0, 2.0, (30, 4))
    local = fastgrad.minimize(problems.rosenbrock, X, method="lbfgs", history=True)
    remote = fastgrad.minimize(problems.rosenbrock, X, method="lbfgs", history=True,
                               workers=client.get_executor())
    assert_same_result(remote, local)
    assert remote.best == local.best
    np.testing.assert_array_equal(remote.x_history, local.x_history)
    np.testing.assert_array_equal(remote.f_history, local.f_history)


def test_minimize_batch_over_threads_equals_the_local_batch():
    X = np.random.default_rng(6).uniform(-2.0, 2.0, (9, 3))
    assert_same_result(fastgrad.minimize(problems.rosenbrock, X, method="gd", max_iter=200,
                                         workers=2),
                       fastgrad.minimize(problems.rosenbrock, X, method="gd", max_iter=200))


def test_minimize_workers_rejects_what_it_cannot_do():
    x0 = np.array([0.5, 1.0])
    with pytest.raises(ValueError, match="workers= cannot be combined with a callback"):
        fastgrad.minimize(black_box, x0, args=(1.0,), workers=2, callback=lambda r: None, method="gd")
    with pytest.raises(ValueError, match="with an analytic jac there are none"):
        fastgrad.minimize(problems.sphere3 if hasattr(problems, "sphere3") else black_box,
                          np.ones(3), jac=lambda x: 2 * x, workers=2, method="gd")
    with pytest.raises(ValueError, match="workers must be a positive int or an executor"):
        fastgrad.minimize(black_box, x0, args=(1.0,), workers=0, method="gd")


def spin_sphere(x):
    """sum(x**2) after ~3 ms of a pure-Python loop: holds the GIL, as a Python simulation."""
    acc = 0.0
    for k in range(60_000):
        acc += k * 1e-12
    return float(np.sum(np.asarray(x) ** 2)) + acc * 0.0


def test_minimize_threads_on_a_gil_bound_objective_fall_back_to_serial_with_a_warning():
    x0 = np.array([0.5, -1.5, 2.0, 1.0])
    serial = fastgrad.minimize(spin_sphere, x0, jit=False, max_iter=5)
    with pytest.warns(fastgrad.FastgradWarning, match=r"workers=2: 2 threads evaluated the 4 "
                      r"points .* holds Python's GIL .*ProcessPoolExecutor\(2\)"):
        pooled = fastgrad.minimize(spin_sphere, x0, workers=2, max_iter=5)
    assert_same_result(pooled, serial)


def test_minimize_threads_on_an_objective_that_releases_the_gil_stay_parallel():
    x0 = np.array([0.5, -1.5, 2.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no GIL warning: sleep releases it
        pooled = fastgrad.minimize(problems.sleepy_sphere, x0, args=(0.004,), workers=4,
                                   max_iter=2)
    serial = fastgrad.minimize(problems.sleepy_sphere, x0, args=(0.004,), jit=False,
                               max_iter=2)
    assert_same_result(pooled, serial)
