"""The structured secant model of the Levenberg-Marquardt kernel
(:mod:`fastgrad.optimize.lm_secant`): its update and factorization against their definitions,
and the large-residual problem it is for (NIST's ENSO) at the default tolerances, through
every path of a fit (one problem, chunks, batch rows, compiled solve)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad.optimize import lm_linalg, lm_secant
from fastgrad.problems import nist

RNG = np.random.default_rng(7)


def _symmetric(n):
    a = RNG.standard_normal((n, n))
    return a + a.T


@pytest.mark.parametrize("n", [1, 3, 6])
def test_update_meets_the_secant_condition_and_stays_symmetric(n):
    """After the update, S s = y# (``g - g_cross``) to rounding, for any S (sized or not)."""
    S = _symmetric(n)
    s = RNG.standard_normal(n)
    g_old = RNG.standard_normal(n)
    g = g_old + 2.0 * s + 0.1 * RNG.standard_normal(n)  # y's > 0
    g_cross = g - RNG.standard_normal(n)
    assert (g - g_old) @ s > 0
    lm_secant.secant_update(S, s, g, g_old, g_cross, np.empty(n))
    np.testing.assert_allclose(S @ s, g - g_cross, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(S, S.T)


def test_no_update_without_curvature_along_the_step():
    S = _symmetric(3)
    before = S.copy()
    s = np.ones(3)
    g_old = np.zeros(3)
    g = -s  # y's < 0
    lm_secant.secant_update(S, s, g, g_old, np.zeros(3), np.empty(3))
    np.testing.assert_array_equal(S, before)


def _gauss_newton_factor(J, D, r):
    k, n = J.shape
    sv, uf, V = np.empty(n), np.empty(n), np.empty((n, n))
    lm_linalg.factor_scaled(J, D, r, np.empty((n, k)), np.empty(k), np.empty((n, n)), sv,
                            uf, V)
    return sv, uf, V


@pytest.mark.parametrize("lam", [0.0, 0.3, 5.0])
def test_augmented_step_solves_the_augmented_normal_equations(lam):
    """The step from the augmented factors is the solution of
    ``(J'J + S + lam D**2) p = -J' r``, as the Gauss-Newton one is of the same without S."""
    k, n = 12, 4
    J = RNG.standard_normal((k, n))
    r = RNG.standard_normal(k)
    D = np.array([1.0, 2.0, 0.5, 3.0])
    S = 0.2 * _symmetric(n)
    sv, uf, V = _gauss_newton_factor(J, D, r)
    sv2, uf2, V2 = np.empty(n), np.empty(n), np.empty((n, n))
    ok = lm_secant.augmented_factor(sv, uf, V, D, S, np.empty((n, n)), sv2, uf2, V2,
                                    np.empty(n))
    H = J.T @ J + S
    assert ok == bool(np.all(np.linalg.eigvalsh(H) > 0))
    assert ok
    p = np.empty(n)
    cutoff = lm_linalg.rank_cutoff(sv2, k)
    norm = lm_linalg.scaled_step(sv2, uf2, V2, D, lam, cutoff, np.empty(n), p)
    expected = np.linalg.solve(H + lam * np.diag(D ** 2), -J.T @ r)
    np.testing.assert_allclose(p, expected, rtol=1e-9, atol=1e-12)
    assert norm == pytest.approx(np.linalg.norm(D * expected), rel=1e-9)


def test_an_indefinite_augmented_model_is_refused():
    k, n = 8, 3
    J = RNG.standard_normal((k, n))
    r = RNG.standard_normal(k)
    D = np.ones(n)
    S = -10.0 * (J.T @ J)  # J'J + S negative definite
    sv, uf, V = _gauss_newton_factor(J, D, r)
    assert not lm_secant.augmented_factor(sv, uf, V, D, S, np.empty((n, n)), np.empty(n),
                                          np.empty(n), np.empty((n, n)), np.empty(n))


needs_nist = pytest.mark.skipif(not nist.DATA_DIR.exists(), reason="no NIST StRD data")


@pytest.fixture(scope="module")
def enso():
    return nist.load("ENSO")


@needs_nist
@pytest.mark.parametrize("start", [0, 1])
def test_enso_reaches_the_certified_values_at_default_tolerances(enso, start):
    """ENSO's residuals stay large at the solution (RSS 788.5 over 168 points), so
    Gauss-Newton converges linearly and the default ftol test stopped it at about 3.4
    digits from both of NIST's starts; the augmented model takes it to 6."""
    popt, pcov, res = fastgrad.curve_fit(enso.model, enso.x, enso.y, enso.starts[start],
                                         full_output=True)
    assert res.success
    assert nist.significant_digits(popt, enso.certified) >= 6.0
    assert 2 * res.cost == pytest.approx(enso.rss, rel=1e-10)


def _enso_residuals(enso):
    model, x, y = numba.njit(enso.model), enso.x, enso.y

    @numba.njit
    def residuals(b):
        return model(x, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8]) - y

    return residuals


@needs_nist
def test_the_secant_state_goes_through_chunks_batches_and_compiled_solves(enso):
    """The secant state lives in the run's state row: a run cut into one-iteration chunks
    (a callback), the rows of a batch and ``compile_least_squares``' solve give the
    one-call result bit for bit."""
    residuals = _enso_residuals(enso)
    whole = fastgrad.least_squares(residuals, enso.starts[1])
    assert nist.significant_digits(whole.x, enso.certified) >= 6.0
    seen = []
    chunked = fastgrad.least_squares(residuals, enso.starts[1],
                                     callback=lambda r: seen.append(r.nfev))
    assert len(seen) > 10
    batch = fastgrad.least_squares(residuals, enso.starts[::-1].copy())
    solve = fastgrad.compile_least_squares(residuals)
    compiled = solve(enso.starts[1].copy())
    for x, nfev in ((chunked.x, chunked.nfev), (batch.x[0], batch.nfev[0]),
                    (compiled.x, compiled.nfev)):
        np.testing.assert_array_equal(x, whole.x)
        assert nfev == whole.nfev


@needs_nist
def test_enso_float32_model_stops_at_float32_resolution(enso):
    """A float32 ENSO model (values rounded to 6e-8 relative): the cost of a large-residual
    problem is flat to that rounding long before its parameters settle (at 3 digits the
    excess cost is ~1e-8 relative), so no solver can give more than about 3 digits; the
    fit must say success only where its cost equals the certified RSS to float32's
    resolution, 30 eps32 = 3.6e-6 (the factor 30 as in test_adversarial_fits), from both
    starts, and the secant phase must not take it anywhere worse."""
    model64 = numba.njit(enso.model)

    @numba.njit
    def model32(x, b1, b2, b3, b4, b5, b6, b7, b8, b9):
        b = np.array([b1, b2, b3, b4, b5, b6, b7, b8, b9], dtype=np.float32)
        return model64(x, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                       b[8]).astype(np.float32)

    eps32 = float(np.finfo(np.float32).eps)
    for start in enso.starts:
        _, _, res = fastgrad.curve_fit(model32, enso.x.astype(np.float32), enso.y, start,
                                       full_output=True)
        assert res.success
        assert 2 * res.cost == pytest.approx(enso.rss, rel=30 * eps32)
        assert nist.significant_digits(res.x, enso.certified) >= 2.0
