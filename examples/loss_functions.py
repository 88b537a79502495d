"""The seeds' loss functions and their gradients with respect to the predictions.

Document 003 defines the mean squared error 0.5 * sum((y - t)^2) and the cross-entropy
-sum(t * log(y + 1e-7)) and evaluates them for a softmax output y against the one-hot label
t of class 2: 0.0975 and 0.510825457099338. Training needs their gradients with respect to
y, whose analytic forms are

    d MSE / dy = y - t,        d CE / dy = -t / (y + 1e-7).

This script computes those gradients with fastgrad, the seeds' numpy code unchanged as the
objective, and checks them against the formulas. Three of the predictions are exactly 0,
below the automatic central step (6e-6): central differences evaluate log(0 - h + 1e-7),
the log of a negative number, and fastgrad returns NaN for those components, never a
silently wrong number. The forward step stays inside the domain; the complex step also
does, and is exact.

Run ``python examples/loss_functions.py`` (it prints only; it draws no figure).
"""

from __future__ import annotations

import numpy as np

import fastgrad

from _common import command_line


def mean_squared_error(y, t):  # the seeds' code (document 003)
    return 0.5 * np.sum((y - t) ** 2)


def cross_entropy_error(y, t):  # the seeds' code: delta keeps log away from log(0)
    delta = 1e-7
    return -np.sum(t * np.log(y + delta))


Y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])  # softmax output
T = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=np.float64)  # one-hot label: class 2

LOSSES = {  # name: (loss, analytic gradient with respect to y)
    "mse": (mean_squared_error, lambda y, t: y - t),
    "cross_entropy": (cross_entropy_error, lambda y, t: 0.0 - t / (y + 1e-7)),
}
SCHEMES = ("central", "forward", "complex")


def main(out: str | None = None) -> dict:
    """Print the losses and the gradient errors; return the numbers (``out`` is unused)."""
    with np.printoptions(precision=8, suppress=True, linewidth=100):
        return _run()


def _run() -> dict:
    results: dict = {}
    print(f"y = {Y}\nt = {T}")
    for name, (loss, exact_grad) in LOSSES.items():
        value = float(loss(Y, T))
        exact = exact_grad(Y, T)
        print(f"\n{name} = {value!r}")
        print(f"  analytic gradient  {exact}")
        grads, errors = {}, {}
        for scheme in SCHEMES:
            g = fastgrad.gradient(loss, Y, args=(T,), method=scheme)
            grads[scheme] = g
            errors[scheme] = np.abs(g - exact)
            finite = np.isfinite(g)
            note = "" if finite.all() else f"  (NaN at y = 0: indices {np.flatnonzero(~finite)})"
            print(f"  {scheme:>8}: max |error| {np.nanmax(errors[scheme]):.2e}{note}")
        results[name] = {"value": value, "exact": exact, "grad": grads, "error": errors}
    print("\nThe seeds print MSE = 0.09750000000000003 and CE = 0.510825457099338.")
    return results


if __name__ == "__main__":
    command_line(__doc__, figure=False).parse_args()
    main()
