"""The lean path's shortest lookup (fastgrad.optimize.plans.recall): a loop that passes the
very same option objects at every call finds its plan without building the plan key. It must
serve exactly the calls the key would serve: the same length and dtype of x0, the same types
of args, the same options by type and value."""

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad._core import cache
from fastgrad.optimize import plans


@numba.njit
def quad(x, c, w):
    return w * ((x[0] - c[0]) ** 2 + 2.0 * (x[1] - c[1]) ** 2 + (x[2] - c[2]) ** 2)


def assert_same(a, b):
    assert sorted(a) == sorted(b)
    for name in a:
        if isinstance(a[name], np.ndarray):
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        else:
            assert a[name] == b[name], name


def recalls(monkeypatch):
    """A list that gets one entry per call that found its plan by recall."""
    found = []
    original = plans.recall

    def spy(*a):
        plan = original(*a)
        if plan is not None:
            found.append(plan)
        return plan

    monkeypatch.setattr(plans, "recall", spy)
    return found


def test_a_loop_with_the_same_option_objects_recalls_its_plan(monkeypatch):
    def f(x, c, w):
        return quad(x, c, w)

    found = recalls(monkeypatch)
    options = dict(method="gd", lr=0.05, max_iter=200, gtol=1e-9)
    x0 = np.zeros(3)
    for k in range(4):
        c = np.array([1.0, -2.0, 0.5]) * (k + 1)
        res = fastgrad.minimize(f, x0, args=(c, 2.0), **options)
        assert_same(res, fastgrad.minimize(f, x0.tolist(), args=(c, 2.0), **options))
    # the first call makes the plan, the second finds it by its key, the others recall it
    assert len(found) == 2
    assert cache.peek(f, None).recent[-1] is found[0]


@pytest.mark.parametrize("change", [
    "float32 args", "2-D args", "float args", "longer x0", "float32 x0", "no args",
])
def test_a_call_of_other_types_does_not_recall_the_plan(monkeypatch, change):
    def f(x, c, w):
        return quad(x, c.ravel(), w)

    x0, c, w = np.zeros(3), np.array([1.0, -2.0, 0.5]), 2.0
    fastgrad.minimize(f, x0, args=(c, w))
    fastgrad.minimize(f, x0, args=(c, w))  # its plan is now the recent one
    found = recalls(monkeypatch)
    args = (c, w)
    if change == "float32 args":
        args = (c.astype(np.float32), w)
    elif change == "2-D args":
        args = (c[None], w)
    elif change == "float args":
        args = (c, 2)
    elif change == "longer x0":
        x0 = np.zeros(4)
    elif change == "float32 x0":
        x0 = np.zeros(3, dtype=np.float32)
    if change == "no args":
        with pytest.raises(TypeError, match="argument"):
            fastgrad.minimize(f, x0)
        assert found == []
        return
    res = fastgrad.minimize(f, x0, args=args)
    assert found == []
    # (a list x0 is float64: a float32 x0 takes the full pipeline with its own precision)
    full = fastgrad.minimize(f, x0.copy() if change == "float32 x0" else x0.tolist(),
                             args=args)
    assert_same(res, full)


@pytest.mark.parametrize("name, first, then", [
    ("lr", 1, True),  # equal values, and bool is refused
    ("max_iter", 5, 5.0),  # an int count, and a float is refused
])
def test_an_equal_option_of_another_type_is_still_validated(monkeypatch, name, first, then):
    def f(x, c, w):
        return quad(x, c, w)

    x0, args = np.zeros(3), (np.ones(3), 1.0)
    for _ in range(3):
        fastgrad.minimize(f, x0, args=args, method="gd", **{name: first})
    found = recalls(monkeypatch)
    with pytest.raises(TypeError, match=name):
        fastgrad.minimize(f, x0, args=args, method="gd", **{name: then})
    assert found == []


def test_options_of_the_same_type_and_value_give_the_same_result():
    def f(x, c, w):
        return quad(x, c, w)

    x0, args = np.zeros(3), (np.ones(3), 1.0)
    a = fastgrad.minimize(f, x0, args=args, method="gd", lr=float("0.01"))
    b = fastgrad.minimize(f, x0, args=args, method="gd", lr=float("0.01"))  # new objects
    c = fastgrad.minimize(f, x0, args=args, method="gd", lr=float("0.01"))
    assert_same(a, b)
    assert_same(b, c)
    assert_same(c, fastgrad.minimize(f, x0.tolist(), args=args, method="gd", lr=0.01))


def test_bounds_and_method_options_never_recall(monkeypatch):
    def f(x, c, w):
        return quad(x, c, w)

    x0, args = np.zeros(3), (np.ones(3), 1.0)
    found = recalls(monkeypatch)
    for _ in range(3):
        a = fastgrad.minimize(f, x0, args=args, bounds=(-1.0, 0.5))
        b = fastgrad.minimize(f, x0, args=args, method="momentum", momentum=0.5)
    assert found == [] and cache.peek(f, None).recent is None
    assert_same(a, fastgrad.minimize(f, x0.tolist(), args=args, bounds=(-1.0, 0.5)))
    assert_same(b, fastgrad.minimize(f, x0.tolist(), args=args, method="momentum",
                                     momentum=0.5))


@numba.njit
def reads_four(x, c, w):  # reads x[3]: legal for n = 4, past x for n = 3
    return w * ((x[0] - c[0]) ** 2 + (x[1] - c[1]) ** 2 + (x[2] - c[2]) ** 2 + x[3] ** 2)


def test_a_recalled_plan_never_serves_a_length_that_reads_past_x(monkeypatch):
    found = recalls(monkeypatch)
    c = np.array([1.0, -2.0, 0.5])
    for _ in range(3):
        res = fastgrad.minimize(reads_four, np.zeros(4), args=(c, 1.0))
    assert len(found) == 1 and res.success
    with pytest.raises(IndexError, match="past x"):  # the first-call check of this length
        fastgrad.minimize(reads_four, np.zeros(3), args=(c, 1.0))
    assert len(found) == 1


def _raises_on_marker(x, c, w):
    if c[0] == -99.0:
        raise ValueError("bad datum")
    return quad(x, c, w)


def _float32_valued(x, c, w):
    return np.float32(quad(x, c, w))


def _kinked(x, c, w):  # not differentiable at its minimum
    return w * (abs(x[0] - c[0]) + (x[1] - c[1]) ** 2 + (x[2] - c[2]) ** 2)


@pytest.mark.parametrize("make", [
    lambda: _raises_on_marker,
    lambda: _float32_valued,
    lambda: _kinked,
    lambda: numba.njit(fastmath=True, error_model="numpy")(
        lambda x, c, w: w * ((x - c) ** 2).sum()),
])
def test_hostile_objectives_on_the_recalled_plan_equal_the_full_pipeline(monkeypatch, make):
    f = make()
    found = recalls(monkeypatch)
    x0, w = np.zeros(3), 2.0
    for k in range(4):
        c = np.array([1.0, -2.0, 0.5]) * (k + 1)
        res = fastgrad.minimize(f, x0, args=(c, w), method="bfgs")
        assert_same(res, fastgrad.minimize(f, x0.tolist(), args=(c, w), method="bfgs"))
    assert len(found) >= 2  # the later calls ran on the recalled plan
    if f is _raises_on_marker:  # f's own error reaches the caller from a recalled plan
        with pytest.raises(ValueError, match="bad datum"):
            fastgrad.minimize(f, x0, args=(np.array([-99.0, 0.0, 0.0]), w), method="bfgs")
        res = fastgrad.minimize(f, x0, args=(c, w), method="bfgs")  # and the next call runs
        assert res.success


def test_a_complex_valued_objective_is_refused_at_every_call():
    def f(x, c, w):
        return complex(quad(x, c, w), 1.0)

    for _ in range(3):
        with pytest.raises((TypeError, ValueError), match="real|complex"):
            fastgrad.minimize(f, np.zeros(3), args=(np.ones(3), 1.0))
