"""The documentation builds, with warnings as errors, and the README's example runs.

The Sphinx packages are in the ``test`` extra as well as in ``docs``, so the README's test
command (which CI runs) builds the site: a broken cross-reference, a docstring numpydoc cannot
parse, a README section marker that went missing or a figure that is no longer there fails
the test run. The build executes no code of the examples; it imports fastgrad for autodoc.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def test_sphinx_build_has_no_warnings(tmp_path):
    out = tmp_path / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, f"sphinx-build failed:\n{proc.stdout}\n{proc.stderr}"
    for page in ("index", "api/differentiation", "api/minimization", "cli", "examples",
                 "guide/benchmarks", "guide/guarantees"):
        assert (out / f"{page}.html").is_file(), page
    figures = {p.name for p in (out / "_images").iterdir()}
    for png in (ROOT / "examples" / "figures").glob("*.png"):
        assert png.name in figures, f"{png.name} is not shown in the docs"


def test_every_example_script_is_in_the_docs():
    page = (DOCS / "examples.md").read_text(encoding="utf-8")
    for script in sorted((ROOT / "examples").glob("*.py")):
        assert f"../examples/{script.name}" in page, f"docs/examples.md lacks {script.name}"


@pytest.mark.parametrize("name", ["intro", "functions", "schemes", "objectives", "guarantees"])
def test_readme_sections_included_by_the_docs_are_marked(name):
    """The docs include these README sections by their markers: keep each pair, once."""
    text = README.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    assert text.count(start) == 1 and text.count(end) == 1, name
    assert text.index(start) < text.index(end), name


def test_readme_example_runs():
    """The README's Python example (its first python block) runs as it is."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"^```python\n(.*?)^```", text, re.S | re.M)
    assert block is not None
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    res = namespace["res"]
    assert res.success
    assert abs(namespace["res"].x - 1.0).max() < 1e-6
    assert namespace["H"].shape == (3, 3)
