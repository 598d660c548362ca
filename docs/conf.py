"""Sphinx configuration: built by ``make docs`` / ``tox -e docs`` with warnings as errors.

Only built-in extensions; nothing is fetched from the network (no intersphinx).  autodoc
imports the package from the source tree, so the API pages always match the code.
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

from influxdb._version import __version__  # noqa: E402  (the one place the version lives)

project = "influxdb"
author = "the influxdb contributors"
copyright = "the influxdb contributors"  # noqa: A001
release = __version__
version = ".".join(__version__.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

root_doc = "index"
exclude_patterns = ["_build"]
templates_path: list[str] = []
language = "en"

# API pages: members in source order, the base classes shown (the exception tree), type hints
# in the signatures as written (``from __future__ import annotations`` keeps them strings).
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    "show-inheritance": True,
}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autoclass_content = "both"

html_theme = "alabaster"
html_title = f"influxdb {release}"
html_theme_options = {
    "description": "The Python client for InfluxDB 1.x",
    "fixed_sidebar": True,
}
html_static_path: list[str] = []


def _public_bases(app: object, name: str, obj: object, options: object,
                  bases: list[type]) -> None:
    """Leave private bases (a class of a ``_``-prefixed module or name) out of "Bases:" lines."""
    bases[:] = [
        base for base in bases
        if not base.__name__.startswith("_")
        and not any(part.startswith("_") for part in base.__module__.split("."))
    ]


def setup(app: object) -> None:
    app.connect("autodoc-process-bases", _public_bases)  # type: ignore[attr-defined]
