"""Points -> line-protocol text: the encoding half of the write path (no I/O).

:class:`EncodeMixin` turns what ``write_points`` accepts (dicts, :class:`~influxdb.point.Point`
objects, line strings, any iterable) into lines, merging the client's default tags, and names
a bad point by its index in the caller's whole input.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from influxdb._stamping import count_timeless_lines
from influxdb.exceptions import InfluxDBArgumentTypeError, InfluxDBInvalidPointError
from influxdb.line_protocol import _encode, _encode_body, _LineAmong, _speedups_built

__all__ = ["EncodeMixin"]


def _line_body(lines: Any) -> bytes:
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


class EncodeMixin:
    """Encoding methods; :class:`~influxdb._writing.WriteMixin` builds on them."""

    # Provided by InfluxDBClient.
    _default_tags: dict[str, Any]

    # -- encoding ------------------------------------------------------------------------
    def _encode_points(
        self,
        points: Any,
        *,
        tags: Optional[dict[str, Any]] = None,
        time_precision: Optional[str] = None,
        protocol: str = "json",
        start: int = 0,
        timeless: Optional[list[int]] = None,
    ) -> bytes:
        """Encode what ``write_points`` accepts into a line-protocol body.

        ``protocol='json'``: dicts, :class:`~influxdb.point.Point` objects and line strings,
        mixed freely; the client's default tags and ``tags`` are merged under each point's own.
        ``protocol='line'``: a string or a sequence of line strings (``tags`` ignored, 5.3.2).

        :param start: the index of the first item in the caller's whole input (for errors)
        :param timeless: when given (``protocol='json'``), the number of points and lines
            without a time is added to ``timeless[0]``, counted while encoding
        :raises InfluxDBInvalidPointError: naming the point and field, before anything is sent
        """
        if protocol == "json" and type(points) in (list, tuple) and points:
            # Points only (the common case): straight to the body, with no list of lines.
            # The C encoder says when it meets a line (then the mixed path below takes the
            # batch); without it, the batch is looked over first.
            if _speedups_built():
                try:
                    return _encode_body(points, self._merged_tags(tags), None, time_precision,
                                        start, timeless, lines_among=True)
                except _LineAmong:
                    pass
            elif not _has_lines(points):
                return _encode_body(points, self._merged_tags(tags), None, time_precision,
                                    start, timeless)
        if protocol == "line":
            if isinstance(points, str):
                points = [points]
            try:  # the common case at C speed: join() itself checks every item is a str
                text = "\n".join(points)
            except TypeError:
                pass  # bytes items, or an item to name in an error: the per-item path
            else:
                return (text + "\n").encode("utf-8") if text else b""
        lines = self._encode_lines(points, tags=tags, time_precision=time_precision,
                                   protocol=protocol, start=start, timeless=timeless)
        return _line_body(lines) if lines else b""

    def _encode_lines(
        self,
        points: Any,
        *,
        tags: Optional[dict[str, Any]] = None,
        time_precision: Optional[str] = None,
        protocol: str = "json",
        start: int = 0,
        timeless: Optional[list[int]] = None,
    ) -> list[str]:
        """One line-protocol string per item of ``points`` (no final newlines).

        :param start: the index of the first item in the caller's whole input, so that an
            error names the point as the caller counts it
        """
        if protocol == "line":
            if isinstance(points, (str, bytes)):
                points = [points]
            lines = [p.decode("utf-8") if isinstance(p, bytes) else p for p in points]
            for index, line in enumerate(lines, start):
                if not isinstance(line, str):
                    raise InfluxDBInvalidPointError(
                        f"point {index}: protocol='line' expects strings, got "
                        f"{type(line).__name__}")
            return lines
        if protocol != "json":
            raise InfluxDBInvalidPointError(
                f"Invalid protocol {protocol!r}: use 'json' (points as dicts) or 'line'")
        if isinstance(points, (str, bytes)):
            points = [points]  # one line, as the batching writer takes it (list() split chars)
        if not _is_sequence(points):
            if isinstance(points, Mapping):
                raise InfluxDBInvalidPointError(
                    "points must be a list of points, got a single dict; wrap it in a list")
            try:
                points = list(points)
            except TypeError:
                raise InfluxDBInvalidPointError(
                    f"points must be a list of points, not {type(points).__name__}") from None
        if not points:
            return []
        merged_tags = self._merged_tags(tags)
        if not _has_lines(points):
            return _encode(points, merged_tags, None, time_precision, start=start,
                           timeless=timeless)
        # Mixed dicts/Points and ready-made lines: keep their order.
        out: list[str] = []
        offset = start
        for is_line, group in itertools.groupby(points, key=lambda p: isinstance(p, (str, bytes))):
            items = list(group)
            if is_line:
                for line in items:
                    text = line.decode("utf-8") if isinstance(line, bytes) else line
                    out.append(text[:-1] if text.endswith("\n") else text)
                    if timeless is not None:
                        timeless[0] += count_timeless_lines(out[-1])
            else:
                out.extend(_encode(items, merged_tags, None, time_precision, start=offset,
                                   timeless=timeless))
            offset += len(items)
        return out

    def _merged_tags(self, tags: Optional[dict[str, Any]]) -> dict[str, Any]:
        if tags is not None and not isinstance(tags, Mapping):
            raise InfluxDBInvalidPointError(
                f"tags must be a dict of tag names and values, not {type(tags).__name__}")
        if not self._default_tags:
            return tags or {}
        merged = dict(self._default_tags)
        if tags:
            merged.update(tags)
        return merged


def _has_lines(points: Sequence[Any]) -> bool:
    """Whether ready-made lines (str, bytes) are among the items: the types present are
    found at C speed (this runs once per batch of a large write)."""
    return any(issubclass(kind, (str, bytes)) for kind in set(map(type, points)))


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))
