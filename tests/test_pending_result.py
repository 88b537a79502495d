"""The message of a converged single start is written when first read
(fastgrad.optimize.pending): every way of reading the result gives the message a plain
result would hold, and nothing the caller does before reading it changes it."""

from __future__ import annotations

import copy
import json
import pickle
import threading

import numpy as np
import pytest

import fastgrad
from fastgrad.optimize.pending import PendingMessage, PendingResult
from fastgrad.optimize.result import OptimizeResult

KEYS = ["x", "fun", "jac", "nit", "nfev", "njev", "success", "status", "message"]


def bowl(x):
    return 2.0 * (x[0] - 1.0) ** 2 + (x[1] + 0.5) ** 2 + 0.5 * (x[2] - 3.0) ** 2


def converged():
    res = fastgrad.minimize(bowl, np.zeros(3))
    assert type(res) is PendingResult and res.status == 0
    return res


def expected_message(res, norm_name="||g||_inf", g=None):
    """The message of status 0, from the result's own numbers (the norm of ``g``, by
    default the result's jac, as the run ended)."""
    g = res.jac if g is None else g
    return (f"converged after {res.nit} iterations: {norm_name} = "
            f"{float(np.max(np.abs(g))):.3g} <= gtol = 1e-06")


def _kwargs(**kw):
    return kw


READS = {
    "attribute": lambda r: r.message,
    "item": lambda r: r["message"],
    "get": lambda r: r.get("message"),
    "values": lambda r: list(r.values())[-1],
    "items": lambda r: dict(r.items())["message"],
    "iteration": lambda r: [r[k] for k in r][-1],
    "dict()": lambda r: dict(r)["message"],
    "unpacking": lambda r: {**r}["message"],
    "keyword unpacking": lambda r: _kwargs(**r)["message"],
    "dict | r": lambda r: ({"a": 1} | r)["message"],
    "r | dict": lambda r: (r | {"a": 1})["message"],
    "copy()": lambda r: r.copy()["message"],
    "copy.copy": lambda r: copy.copy(r)["message"],
    "copy.deepcopy": lambda r: copy.deepcopy(r)["message"],
    "pickle": lambda r: pickle.loads(pickle.dumps(r))["message"],
    "repr": lambda r: repr(r).split("message: ")[1].strip("'"),
    "str": lambda r: str(r).split("message: ")[1].strip("'"),
    "json": lambda r: json.loads(json.dumps(
        {k: v for k, v in r.items() if not isinstance(v, np.ndarray)}))["message"],
    "pop": lambda r: r.pop("message"),
    "popitem": lambda r: r.popitem()[1],
    "setdefault": lambda r: r.setdefault("message", "other"),
    "another key by attribute": lambda r: (getattr(r, "best", None),
                                           dict.__getitem__(r, "message"))[1],
}


@pytest.mark.parametrize("read", list(READS), ids=list(READS))
def test_every_way_of_reading_gives_the_message_of_a_plain_result(read):
    res = converged()
    message = READS[read](res)
    assert message == expected_message(res)
    assert type(message) is str
    if read not in ("pop", "popitem"):
        assert type(res) is OptimizeResult  # settled: a plain result from now on
        assert dict.__getitem__(res, "message") == message


def test_keys_order_and_length_are_those_of_any_result_before_and_after_settling():
    res = converged()
    assert list(res.keys()) == KEYS and len(res) == 9 and "message" in res
    assert type(res) is PendingResult  # (none of these reads a value)
    res.message
    assert list(res.keys()) == KEYS and len(res) == 9


def test_fields_other_than_the_message_read_without_settling():
    res = converged()
    x, fun, jac, nit = res.x, res.fun, res.jac, res.nit
    assert res.nfev > 0 and res.njev > 0 and res.success is True and res.status == 0
    assert type(res) is PendingResult
    np.testing.assert_allclose(x, [1.0, -0.5, 3.0], atol=1e-5)
    assert fun == bowl(x) and jac.shape == (3,) and nit > 0
    with pytest.raises(AttributeError, match="x_history"):
        res.x_history
    assert not hasattr(res, "best")


def test_changing_the_result_before_reading_the_message_does_not_change_it():
    res = converged()
    text = expected_message(res)
    res.jac[:] = 1e9  # in place: the message quotes the gradient of the run
    res.x[:] = 0.0
    res.nit = -5
    assert res.message == text


def test_a_message_set_or_deleted_by_the_caller_stays_so():
    res = converged()
    res.message = "mine"
    assert res.message == "mine" and res["message"] == "mine"
    res = converged()
    del res.message
    assert "message" not in res and res.get("message") is None and len(res) == 8
    with pytest.raises(AttributeError, match="message"):
        res.message


def test_equality_settles_both_sides():
    pending = PendingResult(nit=3, status=0, message=PendingMessage((3, [2e-7, -3e-7], 1e-6,
                                                                     False, False)))
    other = PendingResult(nit=3, status=0, message=PendingMessage((3, [3e-7], 1e-6, False,
                                                                   False)))
    text = "converged after 3 iterations: ||g||_inf = 3e-07 <= gtol = 1e-06"
    plain = {"nit": 3, "status": 0, "message": text}
    assert pending == other and not (pending != other)
    assert type(pending) is OptimizeResult and type(other) is OptimizeResult
    assert plain == PendingResult(nit=3, status=0, message=PendingMessage((3, [3e-7], 1e-6,
                                                                           False, False)))
    assert PendingResult(nit=3, status=0, message=PendingMessage(
        (3, [4e-7], 1e-6, False, False))) != plain


def test_code_that_reads_the_dict_storage_directly_sees_a_message_that_prints_as_one():
    res = converged()
    raw = dict.get(res, "message")
    assert type(raw) is PendingMessage and str(raw) == expected_message(res)
    assert repr(raw) == repr(expected_message(res))


def test_threads_reading_one_pending_result_all_get_the_message():
    for _ in range(20):
        res = converged()
        got, barrier = [], threading.Barrier(4)

        def read():
            barrier.wait()
            got.append(res.message)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert got == [expected_message(res)] * 4 and type(res) is OptimizeResult


def test_the_lean_path_and_the_full_pipeline_write_the_same_message():
    x0 = np.array([0.3, 0.2, 0.1])

    def shifted(x):
        return (2.0 * (x[0] - 1.0) ** 2 + (x[1] + 0.5) ** 2 + 0.5 * (x[2] - 3.0) ** 2
                + 0.25 * x[0] * x[1])

    first = fastgrad.minimize(shifted, x0)  # the full pipeline (it makes the plan)
    later = [fastgrad.minimize(shifted, x0) for _ in range(3)]  # the lean path
    for res in [first] + later:
        assert res.status == 0 and res.message == expected_message(res)
        assert res.message == first.message
    with_history = fastgrad.minimize(shifted, x0, history=True)
    assert with_history.message == first.message and with_history.x_history.shape[1] == 3


def test_a_long_gradient_keeps_its_norm_not_its_components():
    def long_bowl(x):
        return np.sum((x - np.arange(x.shape[0]) / 10.0) ** 2)

    res = fastgrad.minimize(long_bowl, np.zeros(50))
    assert res.status == 0
    raw = dict.get(res, "message")
    assert type(raw[1]) is float
    g = res.jac.copy()
    res.jac[:] = 0.0
    assert res.message == expected_message(res, g=g)


@pytest.mark.parametrize("x0, projected", [(np.array([0.5, 0.5, 0.5]), False),
                                           (np.array([5.0, 0.5, 0.5]), True)])
def test_a_converged_run_within_bounds_names_the_projected_gradient(x0, projected):
    bounds = (np.array([-2.0, -2.0, 0.0]), np.array([2.0, 2.0, 2.0]))  # x2 held at 2
    results = [fastgrad.minimize(bowl, x0, bounds=bounds) for _ in range(3)]
    for res in results:  # the first through the full pipeline, the others the lean path
        assert res.status == 0
        pg = np.clip(res.x - res.jac, bounds[0], bounds[1]) - res.x
        text = expected_message(res, "||P(x - g) - x||_inf", pg)
        if projected:
            text += "; x0 was outside the bounds and was projected into them"
        assert res.message == text
        assert res.message == results[0].message
        assert res.active_mask.tolist() == [0, 0, 1]


def kinked(x):
    return abs(x[0] - 1.0) ** 1.5 + (x[1] + 2.0) ** 2


def float32_valued(x):
    return np.float32((x[0] - 1.0) ** 2 + (x[1] + 2.0) ** 2)


@pytest.mark.parametrize("f, jit", [(kinked, None), (kinked, False), (float32_valued, None)],
                         ids=["kinked", "kinked-python-engine", "float32-valued"])
def test_hostile_objectives_get_the_message_of_their_status(f, jit):
    for _ in range(3):  # the full pipeline, then the lean path
        res = fastgrad.minimize(f, np.array([0.2, 0.3]), jit=jit)
        assert res.success
        if res.status == 0:
            assert type(res) is PendingResult
            assert res.message == expected_message(res)
        else:  # a success at the noise level: its message is written at once
            assert type(res) is OptimizeResult and "accuracy" in res.message
        np.testing.assert_allclose(res.x, [1.0, -2.0], atol=1e-2)
