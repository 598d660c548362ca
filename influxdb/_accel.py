"""The optional C module, :mod:`influxdb._speedups`, or ``None``.

It is built by ``pip install`` when a C compiler is there; ``INFLUXDB_PURE_PYTHON=1`` in the
environment at import leaves it unused.  Every function in it has a Python counterpart that
gives the same results (tests/unit/test_speedups.py compares them).
"""

from __future__ import annotations

import os
from typing import Any

speedups: Any
try:
    if os.environ.get("INFLUXDB_PURE_PYTHON"):
        raise ImportError("INFLUXDB_PURE_PYTHON is set")
    from influxdb import _speedups as speedups
except ImportError:
    speedups = None

__all__ = ["speedups"]
