"""Linear regression with 13 features, fitted by minimizing the mean squared error.

Document 002 presents linear regression y = X w + b with the 13 features of the Boston
housing data, and training as "finding the minimum of the loss as a function of w and b".
This script builds a synthetic data set of the same shape (506 samples, 13 standardized
features with pairwise correlation 0.9, as collinear as real housing features tend to be)
from known weights plus Gaussian noise, and fits the 14 parameters (13 weights, 1 bias) by
minimizing

    MSE(theta) = mean((X w + b - y)^2),   theta = (w, b),

with ``fastgrad.minimize``: the data travel through ``args=(X, y)``, the objective is a
plain loop that Numba compiles, and its gradient is taken by central differences. It
compares gd, momentum, adam (and lbfgs) with the exact least-squares solution of
``numpy.linalg.lstsq`` and draws the loss against the iteration.

Run ``python examples/linear_regression.py [--out DIR | --no-plot]``.
"""

from __future__ import annotations

import numpy as np

import fastgrad

from _common import command_line, pyplot, save

N_SAMPLES, N_FEATURES = 506, 13
CORRELATION = 0.9
NOISE = 0.5
SEED = 0
# Learning rates: the Hessian of the MSE is 2 A'A / n (A = [X, 1]); its largest eigenvalue
# here is about 23.7, so gd is stable for lr < 2 / 23.7 = 0.084.
METHODS = {
    "gd": {"lr": 0.08},
    "momentum": {"lr": 0.02},  # momentum=0.9 (default)
    "adam": {"lr": 0.3},
    "lbfgs": {},  # no learning rate
}


def make_data(seed: int = SEED):
    """Standardized correlated features, known weights and bias, noisy targets."""
    rng = np.random.default_rng(seed)
    cov = (1.0 - CORRELATION) * np.eye(N_FEATURES) + CORRELATION
    X = rng.standard_normal((N_SAMPLES, N_FEATURES)) @ np.linalg.cholesky(cov).T
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    w_true = rng.uniform(-3.0, 3.0, N_FEATURES)
    b_true = 22.5
    y = X @ w_true + b_true + NOISE * rng.standard_normal(N_SAMPLES)
    return X, y, w_true, b_true


def mse(theta, X, y):
    """Mean squared error of the linear model; theta = (w_1 .. w_d, b)."""
    n, d = X.shape
    total = 0.0
    for i in range(n):
        r = theta[d] - y[i]
        for j in range(d):
            r += X[i, j] * theta[j]
        total += r * r
    return total / n


def main(out: str | None = None, max_iter: int = 5000) -> dict:
    """Fit with every method, compare with lstsq, draw the loss curves; return the numbers."""
    X, y, w_true, b_true = make_data()
    A = np.hstack([X, np.ones((N_SAMPLES, 1))])
    theta_lstsq = np.linalg.lstsq(A, y, rcond=None)[0]
    loss_lstsq = mse(theta_lstsq, X, y)
    print(f"{N_SAMPLES} samples, {N_FEATURES} features; least squares (numpy.linalg.lstsq): "
          f"MSE = {loss_lstsq:.10f}")
    theta0 = np.zeros(N_FEATURES + 1)
    results: dict = {"theta_lstsq": theta_lstsq, "loss_lstsq": loss_lstsq,
                     "w_true": w_true, "b_true": b_true}
    print(f"{'method':>9} {'options':>10} {'nit':>5} {'nfev':>7} {'MSE - lstsq':>12} "
          f"{'max |theta - lstsq|':>20}  status")
    for method, options in METHODS.items():
        res = fastgrad.minimize(mse, theta0, method=method, args=(X, y), max_iter=max_iter,
                                history=True, **options)
        gap = np.max(np.abs(res.x - theta_lstsq))
        results[method] = {"res": res, "theta_error": gap, "loss_gap": res.fun - loss_lstsq}
        label = ", ".join(f"{k}={v}" for k, v in options.items()) or "-"
        print(f"{method:>9} {label:>10} {res.nit:>5} {res.nfev:>7} "
              f"{res.fun - loss_lstsq:12.2e} {gap:20.2e}  {res.message.split(':')[0]}")
    w_fit = results["lbfgs"]["res"].x
    print(f"\ntrue weights: {np.array2string(w_true, precision=3)}, bias {b_true}")
    print(f"fitted (lbfgs): {np.array2string(w_fit[:-1], precision=3)}, bias {w_fit[-1]:.3f}")
    print(f"The fit recovers the true weights to {np.max(np.abs(w_fit[:-1] - w_true)):.2f} "
          f"(the noise, sigma = {NOISE}, limits it), and the least-squares solution to "
          f"{results['lbfgs']['theta_error']:.1e}.")
    if out is not None:
        results["figure"] = plot(results, out)
    return results


def plot(results: dict, out: str) -> str | None:
    """Loss minus the least-squares loss against the iteration; returns the PNG's path."""
    plt = pyplot()
    if plt is None:
        return None

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for method, options in METHODS.items():
        res = results[method]["res"]
        gap = np.maximum(res.f_history - results["loss_lstsq"], 1e-16)
        label = f"{method} ({', '.join(f'{k}={v}' for k, v in options.items()) or 'no lr'}): "
        ax.semilogy(gap, label=label + f"{res.nit} iterations, {res.nfev} evaluations of f")
    ax.set_xlabel("iteration")
    ax.set_ylabel("MSE − MSE of lstsq")
    ax.set_title(f"linear regression, {N_FEATURES} features: fastgrad.minimize(mse, "
                 "args=(X, y))", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return save(fig, out, "linear_regression")


if __name__ == "__main__":
    main(command_line(__doc__).parse_args().out)
