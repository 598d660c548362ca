"""Points without a time: which points and lines have none, the series a point belongs to,
and points stamped with a clock handed in (pure: no clock, thread or I/O of its own).

A point without a time is given the server's clock when its request arrives, so the
timeless points of one request share a time (the InfluxDB 1.x "Line protocol reference").
The writers that collect points over time stamp them with the client's clock when accepted;
the clock itself, the counting of shared stamps and the warnings are in
:mod:`influxdb._stamping`, which hands its clock to :func:`stamp_points`.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional, Protocol

from influxdb import _accel
from influxdb._core.lines import split_lines
from influxdb._core.times import NANOS_PER
from influxdb.point import Point

__all__ = ["StampedTime", "Stamps", "count_timeless_lines", "has_timeless", "lines_all_timed",
           "lines_may_be_timeless", "series_of", "stamp_points"]

_IS = operator.is_
_REPEAT = itertools.repeat
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DIGITS = b"0123456789"
_LINE_END = operator.itemgetter(slice(-21, None))  # a space and up to 20 characters of time


class Stamps(Protocol):
    """What :func:`stamp_points` is handed: a source of stamps, nanoseconds since the epoch
    (the client's clock, :class:`influxdb._stamping.Clock`; tests pass a fixed one)."""

    def take(self, count: int = 1) -> int:
        """Reserve ``count`` consecutive stamps; the first of them (the others follow it,
        1 ns apart)."""
        ...


class StampedTime(datetime):
    """An aware UTC ``datetime`` that also carries the nanoseconds below its microseconds
    (as ``pandas.Timestamp`` does, in its ``nanosecond`` attribute, which the encoder
    reads).  The ``SeriesHelper`` stamps timeless points with it, so that its buffer keeps
    showing datetimes while the points are written to the nanosecond.
    """

    nanosecond: int = 0  # results of datetime arithmetic on a StampedTime have none

    @classmethod
    def from_nanos(cls, nanos: int) -> StampedTime:
        """The instant ``nanos`` nanoseconds after the epoch."""
        seconds, rest = divmod(nanos, 1_000_000_000)
        stamp = _EPOCH + timedelta(seconds=seconds, microseconds=rest // 1000)
        value = cls(stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute,
                    stamp.second, stamp.microsecond, timezone.utc)
        value.nanosecond = rest % 1000
        return value

    @property
    def nanos(self) -> int:
        """Nanoseconds since the epoch."""
        offset = self.utcoffset() or timedelta(0)
        seconds = (self.toordinal() - _EPOCH.toordinal()) * 86400 + (
            self.hour * 3600 + self.minute * 60 + self.second)
        micros = seconds * 1_000_000 + self.microsecond - offset // timedelta(microseconds=1)
        return micros * 1000 + self.nanosecond

    def __reduce_ex__(self, protocol: Any) -> Any:  # copies and pickles keep the nanoseconds
        return (StampedTime.from_nanos, (self.nanos,))

    def __repr__(self) -> str:
        return f"StampedTime({self.strftime('%Y-%m-%dT%H:%M:%S')}.{self.nanos % 10**9:09d}Z)"


# -- which points have no time ---------------------------------------------------------------
def _line_is_timeless(line: str) -> bool:
    """Whether one line of line protocol has no timestamp.

    A line is ``series fields [timestamp]``.  Without a timestamp, the text after its last
    space belongs to the field set: it holds the ``=`` of a field, or ends a quoted string
    value with ``"``.  A timestamp holds neither, so a line whose tail has neither (a
    timestamp, or text the server will refuse) is left as it is.  Comments are never stamped.
    """
    if not line or line[0] == "#":
        return False
    tail = line.rpartition(" ")[2]
    return "=" in tail or tail.endswith('"')


def _lines_of(item: str) -> list[str]:
    """The lines of a text that may hold several (a string field may hold a new line)."""
    if "\n" not in item:
        return [item]
    return [line.decode("utf-8") for line in split_lines(item.encode("utf-8"))]


def lines_all_timed(lines: Sequence[str], text: str) -> bool:
    """A fast "every line has a timestamp", at C speed: with its digits deleted, the end of
    each stamped line is the space before its timestamp.  Only the last characters of each
    line are looked at (a timestamp has at most 20).  ``False`` means "look closer" (a line
    without a time, a negative time, a comment, an item holding several lines...).

    :param lines: the lines (str), one per item
    :param text: ``"\\n".join(lines)``
    """
    if text.count("\n") != len(lines) - 1:
        return False  # an item holds several lines
    ends = ("\n".join(map(_LINE_END, lines)) + "\n").encode("utf-8")
    return ends.translate(None, _DIGITS).count(b" \n") == len(lines)


def _count_timeless_plain(lines: Sequence[Any]) -> int:
    """How many of ``lines`` have no timestamp, or ``-1`` when an item is not a str or holds
    a new line (a string field may hold one: :func:`_lines_of` must split it).  The
    reference of ``_speedups.count_timeless``, which gives the same answers."""
    count = 0
    for line in lines:
        if not isinstance(line, str) or "\n" in line:
            return -1
        count += _line_is_timeless(line)
    return count


# The check of every pre-built line a writer is given: about 10 ns a line in C
# (count_timeless, whose reference is _count_timeless_plain); in Python, the rule of
# _line_is_timeless costs more than the line's share of the whole write, so the Python
# versions below look at the lines' ends together instead.  Each is chosen once, at import.
def _may_be_timeless_py(lines: Sequence[str], text: str) -> bool:
    """Whether some of ``lines`` may have no timestamp (``True``: :func:`stamp_points`
    decides, line by line); ``False`` only when every line has one.

    :param lines: the lines (str), one per item
    :param text: ``"\\n".join(lines)``
    """
    return not lines_all_timed(lines, text)


def _may_be_timeless_c(
        count_timeless: Callable[[Sequence[Any]], int]) -> Callable[[Sequence[str], str], bool]:
    def may_be_timeless(lines: Sequence[str], text: str) -> bool:
        return count_timeless(lines) != 0  # exact, or -1: a line holding a new line
    may_be_timeless.__doc__ = _may_be_timeless_py.__doc__
    return may_be_timeless


def _count_lines_py(text: str) -> int:
    """How many lines of a text (one item of a write) have no timestamp."""
    return sum(map(_line_is_timeless, _lines_of(text)))


def _count_lines_c(count_timeless: Callable[[Sequence[Any]], int]) -> Callable[[str], int]:
    def count_lines(text: str) -> int:
        if "\n" not in text:
            return count_timeless((text,))
        return _count_lines_py(text)  # the lines of a string field holding a new line
    count_lines.__doc__ = _count_lines_py.__doc__
    return count_lines


lines_may_be_timeless = _accel.pick("count_timeless", _may_be_timeless_py,
                                    through=_may_be_timeless_c)
count_timeless_lines = _accel.pick("count_timeless", _count_lines_py, through=_count_lines_c)


def _time_of(item: Any) -> Any:
    """A point's time (``None``: none), or ``True`` for an item that is something else
    (the encoder names what is wrong with it)."""
    if isinstance(item, dict):
        return item.get("time")
    if isinstance(item, Point):
        return item._time
    to_point_dict = getattr(item, "_to_point_dict", None)
    if to_point_dict is not None:
        return to_point_dict().get("time")
    if isinstance(item, (str, bytes)):
        text = item.decode("utf-8", "replace") if isinstance(item, bytes) else item
        return None if any(map(_line_is_timeless, _lines_of(text))) else True
    get = getattr(item, "get", None)
    if callable(get):
        return get("time")
    return True


def has_timeless(points: Sequence[Any]) -> bool:
    """Whether any point (dict, :class:`~influxdb.point.Point`, line) has no time.

    Two maps at C speed for a list of dicts, no Python call per point; still a pass over
    the points, so large writes count their timeless points while they are encoded instead
    (the encoders' ``timeless`` argument).
    """
    try:
        return any(map(_IS, map(dict.get, points, _REPEAT("time")), _REPEAT(None)))
    except TypeError:  # an item that is not a dict: the general loop
        pass
    return any(_time_of(item) is None for item in points)


def series_of(point: Any, static_tags: Optional[dict[str, Any]]) -> str:
    """A readable name of a point's series: ``measurement,tag=value,...`` (tags sorted,
    ``static_tags`` under the point's own, empty values left out, as the encoder does)."""
    if not isinstance(point, dict):
        to_point_dict = getattr(point, "_to_point_dict", None)
        point = to_point_dict() if to_point_dict is not None else dict(point)
    tags = point.get("tags") or {}
    if static_tags:
        tags = {**static_tags, **tags}
    pairs = sorted((str(key), str(value)) for key, value in tags.items()
                   if value is not None and value != "")
    return ",".join([str(point.get("measurement")), *(f"{k}={v}" for k, v in pairs)])


def _line_series(line: str) -> str:
    """The series key of a line: its text up to the first space that is not escaped."""
    at = 0
    while True:
        at = line.find(" ", at)
        if at < 0:
            return line
        backslashes = len(line[:at]) - len(line[:at].rstrip("\\"))
        if backslashes % 2 == 0:
            return line[:at]
        at += 1


# -- stamping ----------------------------------------------------------------------------------
def stamp_points(points: Sequence[Any], precision: Optional[str], clock: Stamps,
                 static_tags: Optional[dict[str, Any]] = None,
                 series: Optional[list[tuple[str, int]]] = None) -> list[Any]:
    """``points`` with every timeless one replaced by a copy stamped with the clock handed in.

    The caller's points are never modified: a timeless dict becomes a new dict, a timeless
    :class:`~influxdb.point.Point` a dict of its parts, a timeless line a new line.  Stamps
    are integers in ``precision`` (floored), so the encoder's fast path takes them.

    :param series: when given, ``(series, stamp)`` of each stamped point is appended (for
        :class:`SharedStamps`; ``static_tags`` completes the series of dicts and Points)
    """
    factor = NANOS_PER[precision or "n"]
    timeless = [i for i, item in enumerate(points) if _time_of(item) is None]
    if not timeless:
        return list(points)
    first = clock.take(_count_lines(points, timeless))
    out = list(points)
    for index in timeless:
        item = out[index]
        if isinstance(item, (str, bytes)):
            text = item.decode("utf-8") if isinstance(item, bytes) else item
            lines = _lines_of(text)
            for at, line in enumerate(lines):
                if _line_is_timeless(line):
                    stamp = first // factor
                    first += 1
                    lines[at] = f"{line} {stamp}"
                    if series is not None:
                        series.append((_line_series(line), stamp))
            out[index] = "\n".join(lines)
            continue
        if not isinstance(item, dict):
            to_point_dict = getattr(item, "_to_point_dict", None)
            item = to_point_dict() if to_point_dict is not None else dict(item)
        stamp = first // factor
        first += 1
        out[index] = {**item, "time": stamp}
        if series is not None:
            series.append((series_of(item, static_tags), stamp))
    return out


def _count_lines(points: Sequence[Any], indices: Iterable[int]) -> int:
    """How many stamps the timeless items at ``indices`` need (a text may hold several)."""
    count = 0
    for index in indices:
        item = points[index]
        if isinstance(item, (str, bytes)):
            text = item.decode("utf-8") if isinstance(item, bytes) else item
            count += sum(map(_line_is_timeless, _lines_of(text)))
        else:
            count += 1
    return count
