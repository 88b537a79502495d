"""Threads: compiled kernels release the GIL, compile safely together, and give the results of a
serial run.

Four threads start together (``threading.Barrier``) on four objectives that no other test
uses, so they also compile them at the same time.
"""

from __future__ import annotations

import threading
import time

import numpy as np

import fastgrad
from fastgrad._core import cache
from fastgrad.optimize import driver as _driver
from fastgrad.optimize import loop as _loop
from fastgrad.optimize import methods as _methods


def thread_bowl(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += (i + 1.0) * (x[i] - 1.0) ** 2
    return s


def thread_rosenbrock(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return s


def thread_log_cosh(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.log(np.cosh(x[i] - 0.5 * i))
    return s


def thread_quartic(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += (x[i] + 1.0) ** 4 + 0.5 * x[i] * x[i]
    return s


JOBS = [  # (objective, x0, options): four different objectives and methods
    (thread_bowl, np.array([5.0, -3.0, 2.0]), dict(method="gd", lr=0.05, max_iter=2000)),
    (thread_rosenbrock, np.array([-1.2, 1.0, 0.5]), dict(method="lbfgs")),
    (thread_log_cosh, np.array([3.0, -2.0, 1.0, 4.0]), dict(method="adam", lr=0.05,
                                                           max_iter=3000)),
    (thread_quartic, np.array([2.0, -3.0]), dict(method="nesterov", lr=0.01, max_iter=2000)),
]


def run_job(job):
    f, x0, options = job
    res = fastgrad.minimize(f, x0, **options)
    return res, fastgrad.gradient(f, x0)  # the kernel minimize compiled


def test_four_threads_started_together_compile_safely_and_match_a_serial_run():
    for f, _, _ in JOBS:  # fresh objectives: nothing compiled before the threads start
        assert cache._REGISTRY.get((id(f), "jit", False)) is None
    barrier = threading.Barrier(len(JOBS))
    results, errors = [None] * len(JOBS), []

    def worker(k):
        try:
            barrier.wait()
            results[k] = run_job(JOBS[k])
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(JOBS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    for k, job in enumerate(JOBS):
        res, g = results[k]
        serial_res, serial_g = run_job(job)
        for key in ("x", "fun", "jac", "nit", "nfev", "njev", "status", "message"):
            assert np.array_equal(res[key], serial_res[key]), (job[0].__name__, key)
        assert np.array_equal(g, serial_g)
        assert res.success or res.status == 1, res.message
        family = _loop.family_of(_methods.get_method(job[2]["method"]))
        driver = _driver.get_driver(cache.get(job[0], None), "driver_gradient", family=family)
        assert len(driver.single.signatures) == 1  # compiled once, not once per thread


def waits_for_the_main_thread(x, flag, spins):
    """Spin in compiled code until the main thread sets ``flag[0]`` (at most ~2 s): it can
    only do so if this compiled call does not hold the GIL. ``spins[0]`` counts the turns (a
    store to another array, so that ``flag[0]`` is read again at every turn)."""
    for _ in range(2_000_000_000):
        if flag[0] != 0.0:
            return x[0] * x[0]
        spins[0] += 1.0
    flag[1] = 1.0  # timed out: the main thread never ran
    return x[0] * x[0]


def test_a_compiled_call_releases_the_gil_while_it_runs():
    x = np.array([1.5])
    for entry in ("gradient", "minimize"):
        flag, spins = np.zeros(2), np.zeros(1)
        if entry == "gradient":
            fastgrad.gradient(waits_for_the_main_thread, x, args=(np.ones(2), spins))  # compile
            call = lambda: fastgrad.gradient(waits_for_the_main_thread, x, args=(flag, spins))
        else:
            fastgrad.minimize(waits_for_the_main_thread, x, args=(np.ones(2), spins), max_iter=1, method="gd")
            call = lambda: fastgrad.minimize(waits_for_the_main_thread, x, args=(flag, spins),
                                             max_iter=1, method="gd")
        spins[0] = 0.0
        thread = threading.Thread(target=call)
        thread.start()
        while spins[0] == 0.0:  # Python runs here while the other thread is in compiled code
            time.sleep(1e-4)
        flag[0] = 1.0
        thread.join(timeout=60)
        assert flag[1] == 0.0, f"{entry}: the compiled call held the GIL"
    obj = cache.get(waits_for_the_main_thread, None)
    assert obj.kernels["gradient"].targetoptions["nogil"]
    driver = _driver.get_driver(obj, "driver_gradient", family=_loop.FIXED_STEP)  # gd's
    assert len(driver.single.signatures) == 1 and driver.single.targetoptions["nogil"]
