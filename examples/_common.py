"""What the example scripts share: their command line and how they save figures.

Figures are drawn with matplotlib's Agg backend (files only, no window) and saved at 80
dpi, small enough to keep in the repository. Without matplotlib the scripts still print
their results and say that they drew nothing.
"""

from __future__ import annotations

import argparse
import os

FIGURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "figures")
DPI = 80


def command_line(doc: str, figure: bool = True) -> argparse.ArgumentParser:
    """The command line every example shares: ``--out DIR`` (default ``examples/figures``)
    and ``--no-plot``.

    ``parse_args().out`` is the folder for the figure, or None with ``--no-plot``. A script
    that draws no figure (``figure=False``) accepts both too, so that every example runs with
    the same options, and its ``--help`` says that they change nothing.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if figure:
        out_help = "folder for the PNG (default: examples/figures)"
        plot_help = "print only, draw nothing"
    else:
        out_help = "accepted as by every example; this one draws no figure, so it is unused"
        plot_help = "accepted as by every example; this one draws no figure anyway"
    parser.add_argument("--out", metavar="DIR", default=FIGURES, help=out_help)
    parser.add_argument("--no-plot", dest="out", action="store_const", const=None,
                        help=plot_help)
    return parser


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend, or None (with a note) if not installed."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no figure (pip install 'fastgrad[plot]')")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, out: str, name: str) -> str:
    """Save ``fig`` as ``out/name.png``, close it and return the path."""
    import matplotlib.pyplot as plt

    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"{name}.png")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    print(f"figure: {path}")
    return path
