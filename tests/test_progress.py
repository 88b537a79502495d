"""``minimize(progress=True)``: a meter of a long run on stderr (tqdm when installed, a plain
one-line meter otherwise), drawn between compiled chunks, first within about a second, that
never changes a number and costs nothing when off.

Most runs here are on the Python engine (``jit=False``), which compiles nothing: the tests stay
fast. The compiled runs share the objective ``quadratic`` of ``conftest.py`` with the other
test modules.
"""

from __future__ import annotations

import io
import re
import sys
import time

import numpy as np
import pytest

import fastgrad
from fastgrad.optimize import driver as _driver
from fastgrad.optimize import progress
from fastgrad.optimize.columns import NFEV

A = np.array([[3.0, 0.5], [0.5, 1.0]])
LINE = re.compile(
    r"^minimize: (\d+)/(\d+) it, ([\d,]+) nfev, best f (\S+)(?:, (\d+)/(\d+) running)?, "
    r"\d+\.\d s$"
)


@pytest.fixture
def plain(monkeypatch):
    """The plain meter, whether tqdm is installed or not."""
    monkeypatch.setattr(progress, "USE_TQDM", False)


def bowl(x):
    return (x[0] - 1.0) ** 2 + 3.0 * (x[1] + 0.5) ** 2 + 0.25 * x[0] * x[1]


def slow_bowl(x):
    time.sleep(0.005)
    return bowl(x)


def fields(text: str) -> list:
    """The fields of each line of a plain meter: (nit, max_iter, nfev, best f, running, m)."""
    lines = text.replace("\r", "\n").split("\n")
    out = []
    for line in filter(None, (line.rstrip() for line in lines)):
        match = LINE.match(line)
        assert match, f"not a line of the meter: {line!r}"
        nit, max_iter, nfev, best, running, m = match.groups()
        out.append((int(nit), int(max_iter), int(nfev.replace(",", "")), best,
                    None if running is None else int(running), None if m is None else int(m)))
    return out


class Recorder(io.StringIO):
    """A file that is not a terminal, keeping when each write came."""

    def __init__(self, tty: bool = False):
        super().__init__()
        self.tty = tty
        self.times: list = []

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.times.append((time.monotonic(), text))
        return super().write(text)


def test_plain_meter_on_stderr_when_it_is_not_a_terminal(plain, capfd, objectives):
    assert not sys.stderr.isatty()  # pytest captures it
    res = fastgrad.minimize(objectives.quadratic, [3.0, -2.0], method="lbfgs", args=(A,),
                            max_iter=200, progress=True)
    out, err = capfd.readouterr()
    assert out == ""
    lines = fields(err)
    assert lines[0] == (0, 200, 0, "-", None, None)
    nit, max_iter, nfev, best, _, _ = lines[-1]
    assert (nit, max_iter, nfev) == (res.nit, 200, res.nfev)
    assert best == f"{res.fun:.6g}"  # lbfgs: f decreases at every iteration
    assert err.endswith(" s\n") and "\r" not in err


def test_progress_false_prints_nothing(capfd, objectives):
    fastgrad.minimize(objectives.quadratic, [3.0, -2.0], args=(A,), max_iter=50, method="gd")
    fastgrad.minimize(bowl, [3.0, -2.0], jit=False, max_iter=50, progress=False, method="gd")
    assert capfd.readouterr() == ("", "")


def test_a_file_gets_the_meter_instead_of_stderr(plain, capfd):
    log = io.StringIO()
    res = fastgrad.minimize(bowl, [3.0, -2.0], jit=False, max_iter=30, progress=log, method="gd")
    assert capfd.readouterr() == ("", "")
    assert fields(log.getvalue())[-1][:3] == (30, 30, res.nfev)


def test_plain_meter_when_tqdm_cannot_be_imported(monkeypatch, capfd):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm raises ImportError
    assert progress.USE_TQDM
    res = fastgrad.minimize(bowl, [3.0, -2.0], jit=False, max_iter=20, progress=True, method="gd")
    assert fields(capfd.readouterr().err)[-1][:3] == (20, 20, res.nfev)


def test_on_a_terminal_one_line_is_rewritten(plain):
    tty = Recorder(tty=True)
    res = fastgrad.minimize(slow_bowl, [3.0, -2.0], jit=False, gtol=0.0, max_iter=24,
                            progress=tty, method="gd")
    text = tty.getvalue()
    assert text.startswith("\r") and text.endswith("\n") and text.count("\n") == 1
    assert text.count("\r") >= 3  # the start, a chunk of ~0.25 s, the end
    assert fields(text)[-1][:3] == (24, 24, res.nfev)


def test_first_line_with_evaluations_within_about_a_second(plain):
    # 5 ms an evaluation, 5 evaluations an iteration: without the time limit on the first
    # chunk, its 200 evaluations would be the whole run (0.6 s), shown only at its end
    log = Recorder()
    begin = time.monotonic()
    res = fastgrad.minimize(slow_bowl, [3.0, -2.0], jit=False, gtol=0.0, max_iter=24,
                            progress=log, method="gd")
    shown = [(t - begin, fields(text)[0]) for t, text in log.times]
    first = next((t, line) for t, line in shown if line[2] > 0)
    assert first[0] < 2.0, shown  # about 0.25 s; generous on a shared machine
    assert 0 < first[1][2] < res.nfev, shown  # it came before the end of the run


def test_a_batch_shows_the_starts_still_running(plain):
    log = io.StringIO()
    X = np.array([[3.0, -2.0], [1.0, -0.5], [0.0, 0.0]])
    res = fastgrad.minimize(bowl, X, jit=False, method="lbfgs", max_iter=100, progress=log)
    lines = fields(log.getvalue())
    assert lines[0] == (0, 100, 0, "-", 3, 3)
    nit, _, nfev, best, running, m = lines[-1]
    assert (nit, nfev, best, running, m) == (res.nit.max(), res.nfev.sum(),
                                             f"{res.fun.min():.6g}", 0, 3)


def test_the_meter_ends_its_line_when_f_raises(plain):
    calls = []

    def breaks(x):
        calls.append(1)
        if len(calls) > 40:
            raise ValueError("f broke")
        return slow_bowl(x)

    tty = Recorder(tty=True)
    with pytest.raises(ValueError, match="f broke"):
        fastgrad.minimize(breaks, [3.0, -2.0], jit=False, gtol=0.0, max_iter=1000,
                          progress=tty, method="gd")
    assert tty.getvalue().endswith("\n") and tty.getvalue().count("\n") == 1


def test_max_time_with_a_meter(plain):
    log = io.StringIO()
    res = fastgrad.minimize(slow_bowl, [3.0, -2.0], jit=False, gtol=0.0, max_iter=10**6,
                            max_time=0.3, progress=log, method="gd")
    assert res.status == 5
    assert fields(log.getvalue())[-1][:3] == (res.nit, 10**6, res.nfev)


@pytest.mark.parametrize("bad", ["yes", 1, 0, None, 0.5, [True]])
def test_progress_must_be_a_bool_or_a_file(bad):
    with pytest.raises(TypeError, match=re.escape(
            "progress must be True, False or a file-like object with a write method (an open "
            f"file, sys.stdout), got {bad!r}")):
        fastgrad.minimize(bowl, [3.0, -2.0], jit=False, progress=bad, method="gd")


def test_numpy_booleans_are_accepted(plain, capfd):
    fastgrad.minimize(bowl, [3.0, -2.0], jit=False, max_iter=5, progress=np.False_, method="gd")
    assert capfd.readouterr().err == ""
    fastgrad.minimize(bowl, [3.0, -2.0], jit=False, max_iter=5, progress=np.True_, method="gd")
    assert "minimize: 5/5 it" in capfd.readouterr().err


RUNS = {
    "gd": dict(x0=[3.0, -2.0], method="gd", lr=0.002, gtol=0.0, max_iter=3000),
    "lbfgs": dict(x0=[3.0, -2.0], method="lbfgs", gtol=0.0, max_iter=300),
    "batch": dict(x0=[[3.0, -2.0], [1.0, 1.0], [-4.0, 0.5]], method="adam", lr=0.1,
                  max_iter=3000, gtol=1e-9, history=True),
}


def _same(a, b) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if key == "message":
            assert a[key] == b[key]
        else:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.parametrize("jit", [None, False], ids=["compiled", "python"])
@pytest.mark.parametrize("name", RUNS)
def test_numbers_are_identical_with_and_without_the_meter(plain, monkeypatch, objectives,
                                                          name, jit):
    # the first chunk with a meter is cut short by the clock: other chunks, the same numbers
    monkeypatch.setattr(progress, "CHUNK_SECONDS", 5e-5)
    kwargs = dict(RUNS[name], args=(A,), jit=jit)
    x0 = kwargs.pop("x0")
    chunks = []  # (budget, most evaluations of a start after the chunk) of each chunk
    run = _driver.Driver.run

    def recorded(self, state, stop, budget, *rest):
        running = run(self, state, stop, budget, *rest)
        chunks.append((budget, state.INFO[:, NFEV].max()))
        return running

    monkeypatch.setattr(_driver.Driver, "run", recorded)
    off = fastgrad.minimize(objectives.quadratic, x0, **kwargs)
    del chunks[:]
    on = fastgrad.minimize(objectives.quadratic, x0, progress=io.StringIO(), **kwargs)
    _same(off, on)
    if (name, jit) != ("lbfgs", None):  # its 55 evaluations take less than 50 us
        (budget, done), *later = chunks
        assert done < budget and later, chunks  # the first chunk was cut by the clock


def test_workers_batch_shows_the_chunks_as_they_come_back(plain, objectives):
    X = np.array([[3.0, -2.0], [1.0, 1.0], [-4.0, 0.5], [0.5, 0.5]])
    kwargs = dict(args=(A,), method="lbfgs", max_iter=100, workers=2)
    log = io.StringIO()
    on = fastgrad.minimize(objectives.quadratic, X, progress=log, **kwargs)
    _same(fastgrad.minimize(objectives.quadratic, X, **kwargs), on)
    lines = fields(log.getvalue())
    assert lines[0] == (0, 100, 0, "-", 4, 4)
    assert lines[-1][2:] == (on.nfev.sum(), f"{on.fun.min():.6g}", 0, 4)
    assert lines[-1][0] == on.nit.max()


def test_tqdm_draws_the_meter_when_installed():
    pytest.importorskip("tqdm", reason="tqdm is not installed: the plain meter is tested")
    log = io.StringIO()
    X = np.array([[3.0, -2.0], [1.0, 1.0]])
    res = fastgrad.minimize(bowl, X, jit=False, method="lbfgs", max_iter=100, progress=log)
    text = log.getvalue()
    assert f"{res.nit.max()}/100" in text
    assert f"{res.nfev.sum():,} nfev, best f {res.fun.min():.6g}, 0/2 running" in text
    assert text.endswith("\n")


def test_durations():
    assert progress._duration(12.34) == "12.3 s"
    assert progress._duration(75.0) == "1:15"
    assert progress._duration(3723.0) == "1:02:03"


def test_no_stderr_at_all(monkeypatch):
    monkeypatch.setattr(sys, "stderr", None)  # pythonw: no console
    res = fastgrad.minimize(bowl, [3.0, -2.0], jit=False, max_iter=5, progress=True, method="gd")
    assert res.nit == 5


def test_an_interrupted_run_ends_its_line(plain, objectives):
    def interrupt(intermediate):
        if intermediate.nit >= 30:
            raise KeyboardInterrupt

    tty = Recorder(tty=True)
    with pytest.warns(fastgrad.FastgradWarning, match="interrupted by KeyboardInterrupt"):
        res = fastgrad.minimize(objectives.quadratic, [3.0, -2.0], args=(A,), lr=1e-3,
                                callback=interrupt, callback_every=10, progress=tty, method="gd")
    assert res.status == 7
    text = tty.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1
    assert fields(text)[-1][:3] == (30, 1000, res.nfev)


def test_one_start_on_workers(plain):
    log = io.StringIO()
    res = fastgrad.minimize(bowl, [3.0, -2.0], method="lbfgs", workers=2, progress=log)
    assert res.status == 0
    assert fields(log.getvalue())[-1][:3] == (res.nit, 1000, res.nfev)
