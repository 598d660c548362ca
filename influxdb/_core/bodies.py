"""Line-protocol request bodies from what the write calls accept: pure helpers, no I/O.

The encoder itself is :mod:`influxdb.line_protocol`; these are the checks and joins around it
that a write call and the batching writer share (what counts as a sequence of points, whether
ready-made lines are among them, 5.3.2's ``protocol='line'`` body).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from influxdb.exceptions import InfluxDBArgumentTypeError

__all__ = ["has_lines", "is_sequence", "line_body"]


def line_body(lines: Any) -> bytes:
    """5.3.2's ``protocol='line'`` body: one line string or a list of them, joined.

    :raises InfluxDBArgumentTypeError: (a TypeError, as 5.3.2's join raised) naming the first
        item that is not a str
    """
    if isinstance(lines, str):
        lines = [lines]
    elif not isinstance(lines, (list, tuple)):
        lines = list(lines)
    try:
        text = "\n".join(lines)
    except TypeError:
        for number, line in enumerate(lines):
            if not isinstance(line, str):
                raise InfluxDBArgumentTypeError(
                    f"point {number}: protocol='line' expects strings, got "
                    f"{type(line).__name__}") from None
        raise
    return (text + "\n").encode("utf-8")


def has_lines(points: Sequence[Any]) -> bool:
    """Whether ready-made lines (str, bytes) are among the items: the types present are
    found at C speed (this runs once per batch of a large write)."""
    return any(issubclass(kind, (str, bytes)) for kind in set(map(type, points)))


def is_sequence(value: Any) -> bool:
    """A sequence of points (indexable, read more than once); a str or bytes is one line."""
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))
