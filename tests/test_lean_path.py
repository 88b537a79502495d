"""The lean path of minimize (fastgrad.optimize.plans): a call repeated with a new x0 and
the same options skips validation and the objective's checks, and gives exactly what the
full pipeline gives."""

import gc
import weakref
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad._core import cache
from fastgrad.optimize import plans
from fastgrad.optimize.chunks import FIRST_CHUNK
from fastgrad.result import INTERRUPTED


@numba.njit
def rosen(x):
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2 + (x[2] - 1.0) ** 2


def assert_same(a, b):
    assert sorted(a) == sorted(b)
    for name in a:
        va, vb = a[name], b[name]
        if isinstance(va, np.ndarray):
            np.testing.assert_array_equal(va, vb, err_msg=name)
        else:
            assert va == vb or (va != va and vb != vb), name


def plans_of(f):
    return cache.peek(f, None).plans


@pytest.mark.parametrize("options", [
    {},
    {"method": "gd", "lr": 1e-3, "max_iter": 300},
    {"method": "adam", "lr": 0.05, "max_iter": 200, "jac": "forward"},
    {"method": "lbfgs", "jac": "central4", "memory": 5},
    {"method": "bfgs", "gtol": 1e-8, "ftol": 1e-12},
    {"method": "momentum", "lr": 1e-3, "momentum": 0.8, "step": 1e-6, "max_iter": 50},
])
def test_a_planned_call_equals_the_full_pipeline(options):
    def f(x):
        return rosen(x)

    fastgrad.minimize(f, np.array([-1.2, 1.0, 0.0]), **options)
    known = dict(plans_of(f))  # (every f of this test is one objective: same code)
    assert known
    x0 = np.array([0.5, -0.3, 2.0])
    planned = fastgrad.minimize(f, x0, **options)
    full = fastgrad.minimize(f, x0.tolist(), **options)  # a list takes the full pipeline
    assert_same(planned, full)
    assert plans_of(f) == known


def test_the_plan_key_holds_types_and_options():
    def f(x):
        return rosen(x)

    x0 = np.array([-1.2, 1.0, 0.0])
    fastgrad.minimize(f, x0, method="gd", lr=1, max_iter=1)
    with pytest.raises(TypeError, match="lr"):  # refused by validation, planned or not
        fastgrad.minimize(f, x0, method="gd", lr=True, max_iter=1)
    a = fastgrad.minimize(f, x0, method="lbfgs", memory=3)
    b = fastgrad.minimize(f, x0, method="lbfgs", memory=4)
    assert len(plans_of(f)) == 3
    assert_same(a, fastgrad.minimize(f, x0.tolist(), method="lbfgs", memory=3))
    assert_same(b, fastgrad.minimize(f, x0.tolist(), method="lbfgs", memory=4))


def test_a_planned_call_still_checks_x0():
    def f(x):
        return rosen(x)

    fastgrad.minimize(f, np.array([-1.2, 1.0, 0.0]))
    with pytest.raises(ValueError, match="x0"):
        fastgrad.minimize(f, np.array([np.nan, 1.0, 0.0]))
    with pytest.raises(ValueError, match="x0"):
        fastgrad.minimize(f, np.array([np.inf, 1.0, 0.0]))
    res = fastgrad.minimize(f, np.array([0.0, 0.0, 0.0, 0.0]))  # another length: checked
    assert res.success  # f reads x[0..2] only: a longer x is legal


def test_a_plan_takes_each_calls_own_args():
    def f(x, c, w):
        return w * ((x - c) ** 2).sum()

    x0 = np.zeros(3)
    for k in range(4):  # one plan, each call with its own data
        c = np.array([1.0, 2.0, 3.0]) * (k + 1)
        res = fastgrad.minimize(f, x0, args=(c, 2.0))
        assert_same(res, fastgrad.minimize(f, list(x0), args=(c, 2.0)))
        np.testing.assert_allclose(res.x, c, atol=1e-6)
    assert len(plans_of(f)) == 1
    res = fastgrad.minimize(f, x0, args=(c.astype(np.float32), 2))  # other types: a plan
    np.testing.assert_allclose(res.x, c, atol=1e-4)  # of their own
    assert len(plans_of(f)) == 2


def test_calls_that_cannot_have_a_plan_take_the_full_pipeline():
    def f(x, c):
        return (x[0] - c[0]) ** 2 + (x[1] - c[1]) ** 2 + (x[2] - c[2]) ** 2

    x0 = np.zeros(3)
    c = (1.0, 2.0, 3.0)  # a tuple argument: no plan (their key knows arrays and numbers)
    res = fastgrad.minimize(f, x0, args=(c,))
    res = fastgrad.minimize(f, x0, args=(c,))
    assert res.success and plans_of(f) == {}
    np.testing.assert_allclose(res.x, c, atol=1e-6)


def test_plans_per_objective_are_bounded():
    def f(x):
        return rosen(x)

    x0 = np.array([-1.2, 1.0, 0.0])
    for k in range(plans.MAX_PLANS + 3):
        fastgrad.minimize(f, x0, method="gd", max_iter=k + 1)
    assert len(plans_of(f)) == plans.MAX_PLANS


def test_key_of_refuses_what_it_cannot_compare():
    x0 = np.zeros(3)
    args = ((), None, None, 1e-2, 1000, 1e-6, 0.0, 0.0, None, None)
    assert plans.key_of(x0, *args, {}, None) is not None
    assert plans.key_of(x0.astype(np.float32), *args, {}, None) is None
    assert plans.key_of(x0[None], *args, {}, None) is None
    assert plans.key_of(list(x0), *args, {}, None) is None
    step = ((), None, None, 1e-2, 1000, 1e-6, 0.0, 0.0, np.ones(3), None)
    assert plans.key_of(x0, *step, {}, None) is None
    assert plans.key_of(x0, *args, {"memory": np.int64(3)}, None) is None
    assert (plans.key_of(x0, *args, {"memory": 3}, None)
            != plans.key_of(x0, *args, {"memory": 3.0}, None))
    data = ((np.ones(4),),) + args[1:]
    rest = args[1:]
    assert plans.key_of(x0, *data, {}, None) == plans.key_of(x0, (np.zeros(4),), *rest, {}, None)
    assert (plans.key_of(x0, *data, {}, None)
            != plans.key_of(x0, (np.ones((2, 2)),), *rest, {}, None))
    assert plans.key_of(x0, ([1.0],), *args[1:], {}, None) is None
    marked = (fastgrad.per_start(np.ones((2, 3))),)
    assert plans.key_of(x0, marked, *args[1:], {}, None) is None
    box = plans.key_of(x0, *args, {}, (0.0, np.ones(3)))
    assert box is not None and box != plans.key_of(x0, *args, {}, None)
    assert box != plans.key_of(x0, *args, {}, (0, np.ones(3)))  # int 0 and 0.0: by type
    assert box != plans.key_of(x0, *args, {}, (0.0, np.full(3, 2.0)))


def test_a_plan_keeps_neither_the_objective_nor_the_data_alive():
    def make(scale):
        def f(x, c):
            return scale * ((x - c) ** 2).sum()
        return f

    f, c = make(2.0), np.array([1.0, 2.0, 3.0])
    for _ in range(2):
        res = fastgrad.minimize(f, np.zeros(3), args=(c,))
    np.testing.assert_allclose(res.x, c, atol=1e-6)
    assert plans_of(f)
    refs = [weakref.ref(f), weakref.ref(c)]
    del f, c
    gc.collect()
    assert [r() for r in refs] == [None, None]


def test_threads_sharing_plans_get_the_serial_results():
    def f(x):
        return rosen(x)

    x0 = np.array([-1.2, 1.0, 0.0])
    options = [dict(method="gd", lr=1e-3, max_iter=20 + k) for k in range(plans.MAX_PLANS + 2)]
    expected = [fastgrad.minimize(f, x0.tolist(), **o).x for o in options]

    def work(k):
        return [fastgrad.minimize(f, x0, **options[(k + j) % len(options)]).x
                for j in range(3 * len(options))]

    with ThreadPoolExecutor(4) as pool:
        for k, xs in enumerate(pool.map(work, range(4))):
            for j, x in enumerate(xs):
                np.testing.assert_array_equal(x, expected[(k + j) % len(options)])
    assert len(plans_of(f)) <= plans.MAX_PLANS


# Each keyword of minimize that plans.key_of does not take, with a value other than its
# default: a call with it must take the full pipeline. A keyword added to minimize must be
# added here and to minimize's check before the lean path, or a planned call would ignore it.
OFF_THE_LEAN_PATH = {
    "history": True,
    "callback": lambda result: None,
    "callback_every": 5,
    "max_time": 60.0,
    "workers": 1,
    "progress": True,
}


def test_every_keyword_of_minimize_is_in_the_plan_key_or_leaves_the_lean_path(monkeypatch):
    import inspect

    from fastgrad.optimize import api

    keywords = set(inspect.signature(fastgrad.minimize).parameters) - {"f", "x0",
                                                                        "method_options"}
    keyed = set(inspect.signature(plans.key_of).parameters) - {"x0", "method_options"}
    assert keywords == keyed | set(OFF_THE_LEAN_PATH), (
        "minimize's keywords changed: put each new one in plans.key_of or in minimize's "
        "check before the lean path, and in OFF_THE_LEAN_PATH")
    x0 = np.array([-1.2, 1.0, 0.5])
    fastgrad.minimize(rosen, x0)
    validated = []  # the full pipeline validates its arguments; the lean path does not
    original = api.validate
    monkeypatch.setattr(api, "validate",
                        lambda *a, **k: validated.append(1) or original(*a, **k))
    fastgrad.minimize(rosen, x0)
    assert validated == []  # the plan exists, so the checks below can fail
    for count, (name, value) in enumerate(OFF_THE_LEAN_PATH.items(), 1):
        kwargs = {name: value}
        if name == "callback_every":
            kwargs["callback"] = OFF_THE_LEAN_PATH["callback"]
        fastgrad.minimize(rosen, x0, **kwargs)
        assert validated == [1] * count, name


@pytest.mark.parametrize("options", [
    {"bounds": (-1.0, 0.8)},
    {"bounds": (np.array([-2.0, -1.0, 1.5]), np.array([0.5, 2.0, 3.0]))},
    {"bounds": (-np.inf, np.array([0.5, 0.2, np.inf])), "method": "bfgs"},
    {"bounds": (0, 2), "method": "gd", "lr": 1e-3, "max_iter": 200},
    {"bounds": (np.array([-2.0, 0.5, 1.5]), np.array([0.5, 0.5, 3.0]))},  # x1 fixed: jac NaN
    {"bounds": (-1.0, 0.8), "max_iter": 3},  # stops on max_iter, its own message
    {"bounds": (-1.0, 0.8), "jac": "forward"},
    {"bounds": (-1.0, 0.8), "jac": "central4", "method": "bfgs"},
])
@pytest.mark.parametrize("x0", [[0.1, -0.3, 1.6], [5.0, -9.0, 4.0]])  # inside, outside
def test_a_planned_bounded_call_equals_the_full_pipeline(options, x0):
    def f(x):
        return rosen(x)

    fastgrad.minimize(f, np.array([0.0, 0.0, 1.7]), **options)
    known = dict(plans_of(f))
    assert known
    planned = fastgrad.minimize(f, np.array(x0), **options)
    full = fastgrad.minimize(f, x0, **options)  # a list takes the full pipeline
    assert_same(planned, full)
    assert plans_of(f) == known
    lb, ub = (np.broadcast_to(b, 3) for b in options["bounds"])
    outside = bool(np.any((np.array(x0) < lb) | (np.array(x0) > ub)))
    assert ("projected into them" in planned.message) == outside
    assert np.all(planned.x >= lb) and np.all(planned.x <= ub)


def test_a_plan_never_serves_bounds_changed_in_place():
    def f(x):
        return rosen(x)

    x0 = np.array([0.0, 0.0, 0.0])
    ub = np.array([0.5, 2.0, 2.0])
    first = fastgrad.minimize(f, x0, bounds=(-2.0, ub))
    assert first.x[0] == 0.5
    ub[0] = 0.25  # the same array object, other values: another key
    second = fastgrad.minimize(f, x0, bounds=(-2.0, ub))
    assert second.x[0] == 0.25
    assert_same(second, fastgrad.minimize(f, list(x0), bounds=(-2.0, ub)))
    assert len(plans_of(f)) == 2
    for plan in plans_of(f).values():  # the plans hold copies of the checked boxes
        assert plan.options.bounds is None and not np.shares_memory(plan.options.box[1], ub)


def test_other_forms_of_bounds_take_the_full_pipeline():
    from scipy.optimize import Bounds

    def f(x):
        return rosen(x)

    x0 = np.zeros(3)
    pairs = [(-1.0, 0.5), (-1.0, 1.0), (0.0, 2.0)]
    for bounds, top in ((pairs, 0.5), (Bounds([-1.0, -1.0, 0.0], [0.5, 1.0, 2.0]), 0.5),
                        ((np.array([-1.0, -1.0, 0.0], dtype=np.float32), 0.75), 0.75)):
        assert plans.key_of(x0, (), None, None, 1e-2, 1000, 1e-6, 0.0, 0.0, None, None, {},
                            bounds) is None
        res = fastgrad.minimize(f, x0, bounds=bounds)
        assert res.success and res.x[0] == top  # the minimizer is at that upper bound
    assert plans_of(f) == {}


@pytest.mark.parametrize("options", [{}, {"method": "adam", "lr": 0.05, "max_iter": 60},
                                     {"bounds": (-0.5, 0.8)}])
def test_planned_calls_share_no_state(options):
    """Each planned call's run is renewed from the plan's prototype (driver.Run.renewed):
    its arrays are its own, so a result is not changed by a later call, the prototype is
    never started, and the same x0 gives the same result again."""
    def f(x):
        return rosen(x)

    fastgrad.minimize(f, np.array([-1.2, 1.0, 0.0]), **options)
    plans_of(f).clear()  # (every f of this test is one objective: the plan of these options)
    fastgrad.minimize(f, np.array([-1.2, 1.0, 0.0]), **options)
    (plan,) = plans_of(f).values()
    first = fastgrad.minimize(f, np.array([0.5, -0.3, 0.2]), **options)
    kept = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in first.items()}
    other = fastgrad.minimize(f, np.array([-0.4, 0.7, 0.1]), **options)
    assert not np.array_equal(other.x, first.x)
    assert_same(first, kept)
    assert_same(fastgrad.minimize(f, np.array([0.5, -0.3, 0.2]), **options), kept)
    proto = plan.prototype
    assert proto.INFO[0, 3] < 0 and not proto.G.any() and not proto.X.any()  # not started
    names = ("G", "FV", "INFO", "STATE", "SCAL", "WORK")
    renewed = proto.renewed(np.ones((1, 3)), (), tuple(getattr(proto, n).copy() for n in names))
    for name in type(proto).__slots__:  # every slot is set (a new slot must be renewed too)
        getattr(renewed, name)
    assert proto.XH.size == 0 and proto.FH.size == 0 and proto.x0 is None  # as renewed needs


def test_a_planned_call_longer_than_its_first_chunk_equals_the_full_pipeline():
    """The first chunk of a planned call is one direct call of the compiled loop; a run
    that goes on after it continues chunk by chunk."""
    def f(x):
        return rosen(x)

    options = {"method": "gd", "lr": 1e-4, "max_iter": 2000, "gtol": 0.0}
    fastgrad.minimize(f, np.array([-1.2, 1.0, 0.0]), **options)
    x0 = np.array([0.5, -0.3, 2.0])
    planned = fastgrad.minimize(f, x0, **options)
    assert planned.nfev > FIRST_CHUNK and planned.nit == 2000
    assert_same(planned, fastgrad.minimize(f, x0.tolist(), **options))


def _interrupt_after_first_chunk(monkeypatch, f, key):
    """Make the plan's compiled loop raise KeyboardInterrupt when its first call returns, as
    Python does for a Ctrl-C that came while compiled code ran (the plan under ``key`` is
    made again: its ``run`` holds the loop it was made with)."""
    known = plans_of(f)
    plan = known[key]
    driver = plan.driver
    loop = driver.single

    def interrupted(*arguments):
        status = loop(*arguments)
        monkeypatch.setattr(driver, "single", loop)
        raise KeyboardInterrupt

    monkeypatch.setattr(driver, "single", interrupted)
    monkeypatch.setitem(known, key, plans.Plan(plan.options, driver, plan.prototype))
    monkeypatch.setattr(cache.peek(f, None), "recent", None)  # found again, by its key


def test_ctrl_c_in_a_planned_call_that_goes_on_is_consumed(monkeypatch):
    def f(x):
        return rosen(x)

    options = {"method": "gd", "lr": 1e-4, "max_iter": 2000, "gtol": 0.0}
    x0 = np.array([0.5, -0.3, 2.0])
    fastgrad.minimize(f, x0, **options)
    (key,) = plans_of(f)
    _interrupt_after_first_chunk(monkeypatch, f, key)
    with pytest.warns(fastgrad.FastgradWarning, match="interrupted by KeyboardInterrupt"):
        res = fastgrad.minimize(f, x0, **options)
    assert res.status == INTERRUPTED and 0 < res.nit < 2000
    replay = fastgrad.minimize(f, x0, **{**options, "max_iter": res.nit})
    np.testing.assert_array_equal(res.x, replay.x)


def test_ctrl_c_in_a_planned_call_that_ended_is_the_callers(monkeypatch):
    def f(x):
        return rosen(x)

    x0 = np.array([0.5, -0.3, 2.0])
    fastgrad.minimize(f, x0)
    (key,) = plans_of(f)
    _interrupt_after_first_chunk(monkeypatch, f, key)
    with pytest.raises(KeyboardInterrupt):
        fastgrad.minimize(f, x0)


def test_args_numba_refuses_in_a_planned_call_fall_back_as_in_the_full_pipeline():
    """A read-only data array has the plan key of a writable one (dtype, ndim), but Numba
    cannot compile an objective that writes into it: the planned call falls back to the
    Python engine with the warning, and the objective's own error, as the full pipeline."""
    def f(x, buf):
        buf[0] = x[0]
        return (x[0] - 1.0) ** 2 + (x[1] + 2.0) ** 2

    fastgrad.minimize(f, np.array([3.0, 3.0]), args=(np.zeros(2),))
    assert plans_of(f)
    frozen = np.zeros(2)
    frozen.setflags(write=False)
    with pytest.warns(fastgrad.FastgradWarning, match="Python engine"):  # once per types
        with pytest.raises(ValueError, match="read-only"):
            fastgrad.minimize(f, np.array([3.0, 3.0]), args=(frozen,))  # planned
    with pytest.raises(ValueError, match="read-only"):
        fastgrad.minimize(f, [3.0, 3.0], args=(frozen,))  # the full pipeline


def test_a_planned_call_that_fell_back_from_the_complex_step_warns_as_the_full_pipeline():
    """A run that converged but took some gradient components by central4 (the complex
    step refuted) is not the plain end the lean path reports at once: its result carries
    the warning, planned or not."""
    def f(x):
        return abs(x[0] - 1.0) ** 3 + (x[1] + 2.0) ** 2

    x0 = np.array([3.0, 3.0])
    with pytest.warns(fastgrad.FastgradWarning, match="complex"):
        fastgrad.minimize(f, x0, jac="complex")
    assert plans_of(f)
    with pytest.warns(fastgrad.FastgradWarning, match="complex") as planned_warnings:
        planned = fastgrad.minimize(f, x0, jac="complex")
    with pytest.warns(fastgrad.FastgradWarning, match="complex") as full_warnings:
        full = fastgrad.minimize(f, x0.tolist(), jac="complex")
    assert planned.success
    assert_same(planned, full)
    assert ([str(w.message) for w in planned_warnings]
            == [str(w.message) for w in full_warnings])
