"""A long run loses nothing: Ctrl-C and ``max_time`` stop it with the result reached so far.

The compiled loop runs in chunks of about 50 ms (the first one at most
:data:`fastgrad.optimize.chunks.FIRST_CHUNK` evaluations of f), so Python regains control regularly.
Ctrl-C is tested for real: a child process runs a long ``minimize`` and the test sends it
SIGINT. Chunking never changes the numbers: a run stopped after k iterations equals, bit for
bit, a run of ``max_iter=k``.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import fastgrad
from fastgrad.optimize import driver as _driver
from fastgrad.optimize import loop as _loop
from fastgrad.result import INTERRUPTED, MAX_TIME, NOT_RUN, STATUS

minimize_module = importlib.import_module("fastgrad.optimize.chunks")  # the chunk sizes

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

CHILD = textwrap.dedent('''
    import json, sys, time, warnings
    import numpy as np
    import fastgrad

    def slow_bowl(x):
        """A bowl that costs about a microsecond: a long run takes many chunks."""
        s = 0.0
        for k in range(50):
            for i in range(x.shape[0]):
                s += (x[i] - 1.0) ** 2 * (1.0 + 0.001 * k)
        return s / 50.0

    jit = False if sys.argv[1] == "python" else None
    options = dict(method="gd", lr=1e-7, gtol=0.0, jit=jit)
    for shape in sys.argv[2:]:  # one long run per shape, each ended by the parent's SIGINT
        x0 = np.full(4, 10.0)
        if shape == "batched":
            x0 = x0 + np.arange(3.0)[:, None]
        # compile first (a batch goes over threads after its first chunk: run long enough)
        fastgrad.minimize(slow_bowl, x0, max_iter=10**12, max_time=0.3, **options)
        print("started", flush=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = fastgrad.minimize(slow_bowl, x0, max_iter=10**12, **options)
        returned = time.time()
        same = fastgrad.minimize(slow_bowl, x0, max_iter=int(np.max(res.nit)), **options)
        f0 = [slow_bowl(row) for row in np.atleast_2d(x0)]
        print(json.dumps({
            "shape": shape, "returned": returned, "status": np.ravel(res.status).tolist(),
            "success": np.ravel(res.success).tolist(), "nit": np.ravel(res.nit).tolist(),
            "x_finite": bool(np.isfinite(res.x).all()),
            "improved": bool(np.all(np.ravel(res.fun) < f0)),
            "replayed": bool(np.array_equal(res.x, same.x) and np.array_equal(res.fun, same.fun)),
            "message": np.ravel(res.message).tolist()[0],
            "warnings": [str(w.message) for w in caught],
        }), flush=True)
''')


def run_child(engine, shapes, seconds_before_signal=0.5):
    """Run CHILD; for each shape, SIGINT once its long run has started. The JSON reports and
    the time each signal was sent."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, engine, *shapes],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    reports = []
    try:
        for _ in shapes:
            line = child.stdout.readline()
            assert line.strip() == "started", line + child.stderr.read()
            time.sleep(seconds_before_signal)
            sent = time.time()
            child.send_signal(signal.SIGINT)
            reports.append((sent, json.loads(child.stdout.readline())))
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, err
    assert "Traceback" not in err, err
    return reports


@pytest.mark.parametrize(("engine", "shapes"), [("jit", ("single", "batched")),
                                                ("python", ("single",))])
def test_ctrl_c_returns_the_result_so_far_promptly(engine, shapes):
    for sent, report in run_child(engine, shapes):
        assert report["returned"] - sent < 2.0  # chunks last ~50 ms; generous for a busy CI
        assert set(report["status"]) == {INTERRUPTED} and not any(report["success"])
        assert len(report["status"]) == (1 if report["shape"] == "single" else 3)
        assert min(report["nit"]) > 0 and report["x_finite"] and report["improved"]
        assert report["replayed"]  # nothing lost: the numbers of a run of that many iterations
        assert report["message"].startswith("interrupted by KeyboardInterrupt (Ctrl-C) after ")
        assert len(report["warnings"]) == 1
        assert "the interrupt was consumed and the result reached so far is returned" in \
            report["warnings"][0]


NOT_STARTED_CHILD = textwrap.dedent('''
    import concurrent.futures, json, sys, time, warnings
    import numba
    import numpy as np
    import fastgrad
    from fastgrad._core.clock import clock

    @numba.njit(nogil=True)
    def busy(x):
        """100 us an evaluation: the first chunk of a start (10,000 evaluations) takes 1 s."""
        begin = clock()
        while clock() - begin < 1e-4:
            pass
        s = 0.0
        for i in range(x.shape[0]):
            s += (x[i] - 1.0) ** 2
        return s

    x0 = np.full((8, 3), 10.0) + np.arange(8.0)[:, None]
    options = dict(method="gd", lr=1e-7, gtol=0.0)
    for mode in sys.argv[1:]:
        workers = {"local": None, "workers": 2,
                   "pool": concurrent.futures.ThreadPoolExecutor(1)}[mode]
        kw = {} if workers is None else dict(workers=workers)
        # compile, the parallel loop too (a batch goes over threads once a chunk took 5 ms)
        fastgrad.minimize(busy, x0, max_iter=10**12, max_time=0.2, **options, **kw)
        print("started", flush=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = fastgrad.minimize(busy, x0, max_iter=10**12, **options, **kw)
        returned = time.time()
        print(json.dumps({
            "shape": mode, "returned": returned, "status": res.status.tolist(),
            "fun": [None if np.isnan(v) else v for v in res.fun.tolist()],
            "jac_nan": np.isnan(res.jac).all(axis=1).tolist(),
            "x_is_x0": np.all(res.x == x0, axis=1).tolist(), "nfev": res.nfev.tolist(),
            "nit": res.nit.tolist(), "best": res.best, "message": res.message,
            "warnings": [str(w.message) for w in caught],
        }), flush=True)
''')


def run_script(script, shapes, seconds_before_signal):
    """``run_child`` for another child script."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", script, *shapes], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    reports = []
    try:
        for _ in shapes:
            line = child.stdout.readline()
            assert line.strip() == "started", line + child.stderr.read()
            time.sleep(seconds_before_signal)
            sent = time.time()
            child.send_signal(signal.SIGINT)
            reports.append((sent, json.loads(child.stdout.readline())))
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, err
    assert "Traceback" not in err, err
    return reports


def test_ctrl_c_marks_the_starts_that_never_ran_and_never_picks_one_as_best():
    """Ctrl-C while the first start of a warm batch runs its first chunk (1 s; the starts run
    one after another): the later starts never ran. They are reported as such: status 8,
    x0, NaN, no evaluation; ``best`` is a start that ran. The same with ``workers=``: a thread
    pool's chunks stop within a chunk of iterations, chunks not begun are cancelled."""
    reports = dict((report["shape"], (sent, report)) for sent, report in
                   run_script(NOT_STARTED_CHILD, ("local", "workers", "pool"), 0.3))
    for mode, (sent, report) in reports.items():
        status = np.array(report["status"])
        assert report["returned"] - sent < 2.5, mode  # a start's first chunk is 1 s
        assert set(status.tolist()) <= {INTERRUPTED, NOT_RUN}, mode
        ran = status == INTERRUPTED
        assert ran.any(), mode
        for i in np.flatnonzero(~ran):
            assert report["fun"][i] is None and report["jac_nan"][i] and report["x_is_x0"][i]
            assert report["nfev"][i] == 0 and report["nit"][i] == 0
            assert report["message"][i].startswith("not started: the run was stopped")
        for i in np.flatnonzero(ran):
            assert report["fun"][i] is not None and report["nfev"][i] > 0
        assert report["best"] is not None and ran[report["best"]], mode
        assert report["fun"][report["best"]] == min(v for v in report["fun"] if v is not None)
        assert len(report["warnings"]) == 1, (mode, report["warnings"])
        assert "the interrupt was consumed and the result reached so far is returned" in \
            report["warnings"][0]
        if not ran.all():
            assert f"{int((~ran).sum())} of 8 starts had not begun" in report["warnings"][0]
    assert list(reports["local"][1]["status"]) == [INTERRUPTED] + [NOT_RUN] * 7
    assert set(reports["workers"][1]["status"]) == {INTERRUPTED}  # both chunks were running
    assert reports["pool"][1]["status"][0] == INTERRUPTED  # one chunk of 1 at a time
    assert NOT_RUN in reports["pool"][1]["status"]


def test_an_interrupt_before_any_start_ran_is_raised(monkeypatch):
    """The interrupt stops no run: it is the caller's (no result of NaN starts)."""
    original = _driver.Driver.run

    def interrupted(self, *arguments):
        raise KeyboardInterrupt

    monkeypatch.setattr(_driver.Driver, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fastgrad.minimize(slow_bowl, np.stack([X0, X0 + 1.0]), **LONG)
    monkeypatch.setattr(_driver.Driver, "run", original)


CLI_CHILD = textwrap.dedent('''
    import sys
    from fastgrad import cli

    real_minimize = cli.minimize

    def announced(*args, **kwargs):  # the command line's own minimize, once it is called
        print("started", flush=True)
        return real_minimize(*args, **kwargs)

    cli.minimize = announced
    sys.exit(cli.main(sys.argv[1:]))
''')


def test_ctrl_c_on_the_command_line_prints_the_result_so_far_and_exits_130():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    argv = [sys.executable, "-c", CLI_CHILD, "minimize", "(x[0] - 1)**2 + (x[1] + 2)**2",
            "--x0", "10", "10", "--method", "gd", "--lr", "1e-9", "--gtol", "0",
            "--max-iter", "1000000000000"]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)
    try:
        assert child.stdout.readline().strip() == "started", child.stderr.read()
        time.sleep(0.5)  # compiling or running: Ctrl-C is deferred while Numba compiles
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 130, (out, err)
    assert "Traceback" not in err
    assert "status: 7" in out and "interrupted by KeyboardInterrupt" in out
    assert "fastgrad minimize: interrupted (Ctrl-C); the result above is the last iterate" in err


# ---------------------------------------------------------------------------------------------
# max_time
# ---------------------------------------------------------------------------------------------


def slow_bowl(x):
    s = 0.0
    for k in range(50):
        for i in range(x.shape[0]):
            s += (x[i] - 1.0) ** 2 * (1.0 + 0.001 * k)
    return s / 50.0


X0 = np.full(4, 10.0)
LONG = dict(method="gd", lr=1e-7, gtol=0.0, max_iter=10**12)


@pytest.mark.parametrize(("jit", "batched"), [(None, False), (False, False), (False, True)],
                         ids=["jit", "python", "python-batched"])  # compiled batch: Ctrl-C test
def test_max_time_stops_the_run_cleanly_with_the_result_so_far(jit, batched):
    x0 = np.stack([X0, X0 + 1.0]) if batched else X0
    fastgrad.minimize(slow_bowl, x0, **{**LONG, "max_iter": 2}, jit=jit)  # compile
    start = time.perf_counter()
    res = fastgrad.minimize(slow_bowl, x0, **LONG, max_time=0.3, jit=jit)
    elapsed = time.perf_counter() - start
    assert 0.3 <= elapsed < 1.5
    assert np.all(res.status == MAX_TIME) and not np.any(res.success)
    assert np.all(res.nit > 0) and np.isfinite(res.x).all()
    assert np.all(np.ravel(res.fun) < [slow_bowl(row) for row in np.atleast_2d(x0)])
    message = res.message if not batched else res.message[0]
    assert message.startswith("stopped after ") and "the time limit max_time=0.3 s" in message
    replay = fastgrad.minimize(slow_bowl, x0, **{**LONG, "max_iter": int(np.max(res.nit))},
                               jit=jit)
    if not batched:  # the rows of a batch stop at different iterations
        assert np.array_equal(replay.x, res.x) and replay.fun == res.fun


def test_max_time_that_is_not_reached_changes_nothing():
    res = fastgrad.minimize(slow_bowl, X0, method="lbfgs")
    timed = fastgrad.minimize(slow_bowl, X0, method="lbfgs", max_time=60.0)
    assert res.success and timed.success
    for key in ("x", "fun", "nit", "nfev", "status", "message"):
        assert np.array_equal(res[key], timed[key]), key


# ---------------------------------------------------------------------------------------------
# Chunks: short runs are one compiled call; chunking never changes a number
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def count_chunks(monkeypatch):
    calls = []
    original = _driver.Driver.run

    def counted(self, run, stop, budget, parallel=False, *deadline):
        calls.append(budget)
        return original(self, run, stop, budget, parallel, *deadline)

    monkeypatch.setattr(_driver.Driver, "run", counted)
    return calls


def test_the_seeds_example_is_one_compiled_call(count_chunks):
    from fastgrad.problems import seed_quadratic3

    res = fastgrad.minimize(seed_quadratic3, [10.0, 10.0, 10.0], method="gd", lr=0.01,
                            max_iter=500, gtol=0.0)
    assert res.nit == 500 and len(count_chunks) == 1


def test_a_long_run_comes_back_to_python_about_every_fifty_milliseconds(count_chunks):
    fastgrad.minimize(slow_bowl, X0, **{**LONG, "max_iter": 2})  # compiled first: the run
    count_chunks.clear()  # timed below is the loop's, not Numba's (seconds, by test order)
    start = time.perf_counter()
    fastgrad.minimize(slow_bowl, X0, **LONG, max_time=1.0)
    elapsed = time.perf_counter() - start
    assert count_chunks[0] == minimize_module.FIRST_CHUNK
    assert len(count_chunks) >= 5  # at most ~1 s / 50 ms + 1 on an idle machine
    assert elapsed / len(count_chunks) < 0.25


@pytest.mark.parametrize("method", ["gd", "adam", "lbfgs"])
def test_chunk_boundaries_do_not_change_any_number(monkeypatch, method):
    from fastgrad.problems import PROBLEMS

    rosen = PROBLEMS["rosenbrock2"]
    starts = np.array([[-1.2, 1.0], [2.0, 2.0], [0.5, -0.5]])
    options = dict(method=method, max_iter=3000, history=True, jit=False)
    if method != "lbfgs":
        options["lr"] = 1e-3
    whole = [fastgrad.minimize(rosen.f, starts[0], **options),
             fastgrad.minimize(rosen.f, starts, **options)]
    monkeypatch.setattr(minimize_module, "FIRST_CHUNK_PYTHON", 7)  # then ~50 ms chunks
    monkeypatch.setattr(minimize_module, "CHUNK_SECONDS", 1e-4)
    chunked = [fastgrad.minimize(rosen.f, starts[0], **options),
               fastgrad.minimize(rosen.f, starts, **options)]
    for a, b in zip(whole, chunked):
        for key in a:
            assert np.array_equal(a[key], b[key], equal_nan=True) if key != "message" \
                else a[key] == b[key], key


# ---------------------------------------------------------------------------------------------
# The interrupt's bookkeeping, in process (no signal needed)
# ---------------------------------------------------------------------------------------------


def test_a_keyboard_interrupt_between_chunks_is_consumed_with_a_warning():
    def interrupt(intermediate):
        if intermediate.nit >= 30:
            raise KeyboardInterrupt

    with pytest.warns(fastgrad.FastgradWarning, match="interrupted by KeyboardInterrupt after "
                                                      "30 iterations; the interrupt was "
                                                      "consumed"):
        res = fastgrad.minimize(slow_bowl, X0, **LONG, callback=interrupt, callback_every=10)
    assert res.status == INTERRUPTED and res.nit == 30 and not res.success
    assert STATUS[INTERRUPTED].startswith("interrupted")
    replay = fastgrad.minimize(slow_bowl, X0, **{**LONG, "max_iter": 30})
    assert np.array_equal(replay.x, res.x)


def test_sigint_is_deferred_to_the_end_of_a_python_engine_chunk():
    def interrupt(intermediate):  # Ctrl-C while Python code runs between or inside chunks
        if intermediate.nit == 5:
            signal.raise_signal(signal.SIGINT)

    with pytest.warns(fastgrad.FastgradWarning, match="interrupted by KeyboardInterrupt"):
        res = fastgrad.minimize(slow_bowl, X0, **LONG, callback=interrupt, jit=False)
    assert res.status == INTERRUPTED and res.nit >= 5
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_interrupt_during_a_run_that_ends_by_itself_is_raised_not_consumed():
    calls = []

    def interrupted_once(x):
        if not calls:
            signal.raise_signal(signal.SIGINT)  # deferred by minimize until the chunk ends
        calls.append(1)
        return float(x[0] * x[0])

    with pytest.raises(KeyboardInterrupt):
        fastgrad.minimize(interrupted_once, [1.0], method="lbfgs", jit=False)
    assert len(calls) > 1  # the run went on to its end first
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_interrupt_the_python_engine_cannot_defer_is_raised():
    def interrupted_objective(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fastgrad.minimize(interrupted_objective, X0, jit=False, method="gd")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


@pytest.mark.parametrize("history", [False, True])
def test_starts_that_never_ran_are_not_started_and_never_best(monkeypatch, history):
    """Ctrl-C between two starts of a batch run one after another (the compiled chunk of each
    start runs to its end; the interrupt is raised between them): the starts after it never
    ran. Before the fix they reported fun = 0, and best pointed at one of them."""
    from fastgrad._core import cache

    starts = np.stack([X0 + k for k in range(5)])
    fastgrad.minimize(slow_bowl, starts, **{**LONG, "max_iter": 2})  # compile
    driver = _driver.get_driver(cache.get(slow_bowl, None), "driver_gradient",
                                family=_loop.FIXED_STEP)  # LONG's gd
    real = driver.single

    raised = []

    def single(r, *arguments):
        status = real(r, *arguments)
        if r == 1 and not raised:  # one SIGINT, during start 1's chunk, raised after it
            raised.append(r)
            raise KeyboardInterrupt
        return status

    monkeypatch.setattr(driver, "single", single)
    with pytest.warns(fastgrad.FastgradWarning, match="3 of 5 starts had not begun "
                                                      r"\(status 8, 'not started'"):
        res = fastgrad.minimize(slow_bowl, starts, **LONG, history=history)
    assert res.status.tolist() == [INTERRUPTED] * 2 + [NOT_RUN] * 3
    assert not res.success.any()
    assert np.all(np.isfinite(res.fun[:2])) and np.all(np.isnan(res.fun[2:]))
    assert np.all(np.isnan(res.jac[2:])) and np.array_equal(res.x[2:], starts[2:])
    assert np.all(res.nfev[2:] == 0) and np.all(res.nit[2:] == 0) and np.all(res.nit[:2] > 0)
    assert res.best in (0, 1) and res.fun[res.best] == res.fun[:2].min()
    assert res.message[2] == res.message[4] and res.message[2].startswith("not started")
    if history:
        assert np.array_equal(res.x_history[2:, 0], starts[2:])
        assert np.all(np.isnan(res.f_history[2:])) and np.all(np.isnan(res.x_history[2:, 1:]))
    monkeypatch.undo()
    replay = fastgrad.minimize(slow_bowl, starts[:2], **{**LONG, "max_iter": int(res.nit[0])})
    assert np.array_equal(replay.x[0], res.x[0])  # the starts that ran lost nothing
