"""The C-or-Python choice of each function of the optional C module, made once, here.

:mod:`influxdb._speedups` (sources in ``influxdb/_cext/``) is built by ``pip install`` when
a C compiler is there; ``INFLUXDB_PURE_PYTHON=1`` in the environment at import leaves it
unused.  Every function in it has a Python counterpart that gives the same results and
stays the reference (tests/unit/test_speedups.py and the tests it names compare them).

Each consumer binds its function once, at import::

    _split = _accel.pick("split_lines", _split_python)

and calls that name: no call site asks whether the C module is there.  Tests that compare
the two replace the bound name.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

#: The C module, or ``None`` when it is not built or ``INFLUXDB_PURE_PYTHON`` is set.
speedups: Any
try:
    if os.environ.get("INFLUXDB_PURE_PYTHON"):
        raise ImportError("INFLUXDB_PURE_PYTHON is set")
    from influxdb import _speedups as speedups
except ImportError:
    speedups = None


def pick(name: str, python: F,
         through: Optional[Callable[[Any], Callable[..., Any]]] = None) -> F:
    """The function to bind: the C module's function ``name`` when the module is in use,
    else ``python``, the reference.

    :param through: when the C function's arguments are not ``python``'s, a function
        given the C one and returning a function called as ``python`` is (called once)
    """
    if speedups is None:
        return python
    c_function = getattr(speedups, name)
    return cast(F, c_function if through is None else through(c_function))


__all__ = ["pick", "speedups"]
