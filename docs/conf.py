"""Sphinx configuration of fastgrad's documentation.

Build: ``pip install -e '.[docs]'`` then ``sphinx-build -W --keep-going -b html docs
docs/_build/html`` (``tests/test_docs.py`` runs the same build, warnings as errors). Pages are
Markdown (MyST) or reStructuredText; docstrings are numpy style (numpydoc). Nothing is
executed at build time except importing fastgrad (for autodoc and the command line's help);
the figures are the committed PNGs of ``examples/figures`` and ``bench/results``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # this checkout's fastgrad, installed or not
sys.path.insert(0, str(DOCS / "_ext"))

import fastgrad  # noqa: E402

project = "fastgrad"
author = "the fastgrad developers"
copyright = "the fastgrad developers"
release = fastgrad.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "fastgrad_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

# MyST: ``{include}`` pulls sections of README.md (one place for each text); headings get
# anchors so pages can link to sections.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# README sections included into a page start below the page's own title, so their headings
# may skip a level; that is by design, not an error.
suppress_warnings = ["myst.header"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc Parameters section says it, in words

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "furo"
html_title = f"fastgrad {release}"
html_static_path: list[str] = []

# Keep the build offline and deterministic.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
