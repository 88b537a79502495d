"""The layout rules of the package, kept true by a test.

* Layers, imports one way: ``fastgrad._core`` (objective lifecycle, Numba options, validation)
  is the base; ``fastgrad.scaleout`` stands on it alone (it sees kernels only as factories
  handed to it); ``fastgrad.diff`` (the differentiation engine) on those; ``fastgrad.optimize``
  on all three; the public modules, ``reference``, ``problems``, ``benchmarks`` and the command
  line on top. No module imports from a layer above its own.
* No module over :data:`MAX_MODULE_LINES` lines.
* No function body over :data:`MAX_BODY_LINES` lines (docstring excluded) unless a reason is
  written at its top: a comment (or docstring sentence) starting ``Long because``.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

import fastgrad

PACKAGE = pathlib.Path(fastgrad.__file__).parent
MAX_MODULE_LINES = 500
MAX_BODY_LINES = 60
REASON = "Long because"

LAYERS = {"fastgrad._core": 0, "fastgrad.scaleout": 1, "fastgrad.diff": 2, "fastgrad.optimize": 3}
"""Module prefix -> layer; every other module of the package is on top (layer 4)."""
TOP = 4

MODULES = sorted(PACKAGE.rglob("*.py"))


def _name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return TOP


def _imports(path: pathlib.Path):
    """The fastgrad modules ``path`` imports (at any depth of its code), with line numbers."""
    name = _name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "fastgrad":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "fastgrad":
                continue
            yield module, node.lineno
            for alias in node.names:  # ``from . import cache`` imports fastgrad._core.cache
                yield f"{module}.{alias.name}", node.lineno


def test_the_walk_finds_the_layers():
    names = {_name(p) for p in MODULES}
    assert {"fastgrad._core.objective", "fastgrad.diff.registry", "fastgrad.optimize.api",
            "fastgrad.scaleout"} <= names


@pytest.mark.parametrize("path", MODULES, ids=[_name(p) for p in MODULES])
def test_no_import_from_a_higher_layer(path):
    own = _layer(_name(path))
    upward = [f"line {line}: {module}" for module, line in _imports(path)
              if _layer(module) > own and module != "fastgrad"]
    assert not upward, f"{_name(path)} (layer {own}) imports from above: {upward}"


@pytest.mark.parametrize("path", MODULES, ids=[_name(p) for p in MODULES])
def test_module_length(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines"


def _long_functions(path: pathlib.Path):
    source = path.read_text()
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body
        docstring = ast.get_docstring(node, clean=False)
        if docstring is not None and len(body) > 1:
            body = body[1:]
        length = node.end_lineno - body[0].lineno + 1
        if length <= MAX_BODY_LINES:
            continue
        # the reason: in the docstring, or in a comment before the first statement
        top = lines[node.lineno - 1: body[0].lineno]
        if (docstring is None or REASON not in docstring) and not any(
                line.strip().startswith("# " + REASON) for line in top):
            yield f"{node.name} (line {node.lineno}): {length} lines"


@pytest.mark.parametrize("path", MODULES, ids=[_name(p) for p in MODULES])
def test_function_length(path):
    long = list(_long_functions(path))
    assert not long, f"{_name(path)}: bodies over {MAX_BODY_LINES} lines without a reason: {long}"
