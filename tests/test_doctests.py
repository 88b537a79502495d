"""Every example in fastgrad's docstrings, and every ``pycon`` block of the docs, runs as a doctest.

The modules are found by walking the package (``pkgutil.walk_packages``), so a new module or
subpackage is covered without a change here; ``__main__`` modules (which run the command line
on import) are the only ones left out. Each docstring with examples is one test case, named
after the object it documents, and a check fails if the walk found no example at all (a
broken walk must not pass as "nothing to test").

The pages of ``docs/`` (and the README) show interactive sessions as fenced ``pycon`` blocks;
the blocks of one page run in order in one namespace, as one test case. Plain ``python``
blocks are not run (they show code that needs a cluster, a pool or a long time).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import fastgrad

OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
PYCON = re.compile(r"^```pycon\n(.*?)^```", re.S | re.M)


def _modules():
    yield fastgrad
    for info in pkgutil.walk_packages(fastgrad.__path__, prefix="fastgrad."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        yield importlib.import_module(info.name)


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = {}
    for module in _modules():
        for test in finder.find(module):
            # An object re-exported by another module is found there too: run it once.
            if test.examples and test.name not in found:
                found[test.name] = test
    return sorted(found.values(), key=lambda test: test.name)


DOCTESTS = _doctests()


def test_the_walk_finds_examples():
    assert len(DOCTESTS) >= 5, [test.name for test in DOCTESTS]
    names = {test.name for test in DOCTESTS}
    assert {"fastgrad.diff.api.gradient", "fastgrad.optimize.api.minimize"} <= names


@pytest.mark.parametrize("test", DOCTESTS, ids=[test.name for test in DOCTESTS])
def test_docstring_example(test):
    report = []
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
    test.globs = dict(test.globs)  # a fresh namespace each run, as ``doctest`` gives
    result = runner.run(test, out=report.append)
    assert result.attempted > 0
    assert result.failed == 0, "".join(report)


def _page_doctest(page: Path):
    blocks = PYCON.findall(page.read_text(encoding="utf-8"))
    if not blocks:
        return None
    name = str(page.relative_to(ROOT))
    return doctest.DocTestParser().get_doctest("\n".join(blocks), {}, name, name, 0)


PAGE_DOCTESTS = [t for t in map(_page_doctest, PAGES) if t is not None]


def test_the_docs_have_sessions():
    assert any(t.name == "docs/guide/minimize.md" for t in PAGE_DOCTESTS)


@pytest.mark.parametrize("test", PAGE_DOCTESTS, ids=[t.name for t in PAGE_DOCTESTS])
def test_docs_session(test):
    report = []
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
    result = runner.run(test, out=report.append)
    assert result.attempted > 0
    assert result.failed == 0, "".join(report)
