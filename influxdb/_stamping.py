"""Points written without a time: the client's clock, and warnings where times are shared.

InfluxDB stores one value per series (measurement and tag set), field and time: a second
point of a series at the same time overwrites the first.  A point without a time is given
the server's clock *when its request arrives*, so every timeless point of one request gets
the same time, and all but the last point of each series are lost (the InfluxDB 1.x
"Line protocol reference": "If you do not specify a timestamp for your data point InfluxDB
uses the server's local nanosecond timestamp in UTC"; "Writing data": a point with the same
measurement, tag set and timestamp as an existing point overwrites it).

So the batching writer, sessions and the ``SeriesHelper``, which collect points over time and
send them later in one request, give each timeless point the client's clock when it is
accepted (:class:`Clock`: nanoseconds, strictly increasing), floored to the write's
precision.  At a precision coarser than nanoseconds two such points can still fall on the
same unit; :class:`SharedStamps` counts them per series and logs a warning naming the series
(times are never moved to make them distinct: that would write the points in the future).
``write_points`` keeps 5.3.2's behaviour (the server's time) and only warns
(:func:`warn_shared_server_time`).  See ``docs/batching.rst`` and ``docs/writing.rst``.
"""

from __future__ import annotations

import itertools
import logging
import operator
import os
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from influxdb import _accel
from influxdb._core.lines import split_lines
from influxdb._core.times import NANOS_PER
from influxdb.point import Point

__all__ = ["CLOCK", "Clock", "SharedStamps", "StampedTime", "count_timeless_lines",
           "has_timeless", "lines_all_timed", "lines_may_be_timeless", "series_of",
           "stamp_points", "warn_shared_server_time"]

_IS = operator.is_
_REPEAT = itertools.repeat
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DIGITS = b"0123456789"
_LINE_END = operator.itemgetter(slice(-21, None))  # a space and up to 20 characters of time


class Clock:
    """Nanoseconds since the epoch, strictly increasing across every caller.

    Two points stamped by one clock never share a time at nanosecond precision, even when
    the system clock is coarse (some platforms tick every few milliseconds) or steps back:
    a stamp that would not be later than the previous one is the previous one plus 1 ns.

    :param now: the source of wall-clock nanoseconds (tests pass a fake one)
    """

    def __init__(self, now: Callable[[], int] = time.time_ns) -> None:
        self._now = now
        self._last = 0
        self._lock = threading.Lock()

    def take(self, count: int = 1) -> int:
        """Reserve ``count`` consecutive stamps.

        :returns: the first of them (the others follow it, 1 ns apart)
        """
        with self._lock:
            first = self._now()
            if first <= self._last:
                first = self._last + 1
            self._last = first + count - 1
        return first

    def _after_fork(self) -> None:
        self._lock = threading.Lock()  # a thread of the parent may have held it


#: The clock of every writer, session and SeriesHelper of the process.
CLOCK = Clock()


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
def stamp_points(points: Sequence[Any], precision: Optional[str], clock: Clock,
                 static_tags: Optional[dict[str, Any]] = None,
                 series: Optional[list[tuple[str, int]]] = None) -> list[Any]:
    """``points`` with every timeless one replaced by a copy stamped with the clock.

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


# -- warnings ----------------------------------------------------------------------------------
_FIX = ("Give the points times, a finer time_precision, or a tag that tells them apart "
        "(docs: 'Points without a time').")


class SharedStamps:
    """Counts the points of one series that the client's clock, floored to a coarse
    precision, stamped with the same time; logs a warning naming the series and how many
    points share the time once the series moves on to a later time, and on :meth:`report`
    (a flush, a commit, a close).  Thread-safe; holds at most ``limit`` series.

    :param who: names the writer in the messages (``'BatchWriter'``, the helper's class)
    :param log: where the warnings go
    """

    def __init__(self, who: str, log: logging.Logger, limit: int = 10_000) -> None:
        self.who = who
        self.log = log
        self.limit = limit
        self._open: dict[tuple[Any, str], list[Any]] = {}  # (where, series) -> [stamp, n]
        self._lock = threading.Lock()
        _ALL_SHARED.add(self)

    def add(self, where: Any, precision: Optional[str],
            stamped: Iterable[tuple[str, int]]) -> None:
        """Count the stamps of one write.

        :param where: what else tells series apart (the database and retention policy)
        :param precision: the precision the stamps are in (``None``/``'n'``: no count is
            needed, stamps are distinct)
        """
        if precision in (None, "n"):
            return
        closed = []
        with self._lock:
            groups = self._open
            for series, stamp in stamped:
                key = (where, series)
                group = groups.get(key)
                if group is not None and group[0] == stamp:
                    group[1] += 1
                    continue
                if group is not None and group[1] > 1:
                    closed.append((series, group[0], group[1], precision))
                if group is None and len(groups) >= self.limit:
                    closed.extend(self._take_locked())
                    groups.clear()
                groups[key] = [stamp, 1, precision]
        self._warn(closed)

    def report(self) -> None:
        """Warn about the series whose latest time is shared (the points are being sent)."""
        with self._lock:
            closed = self._take_locked()
        self._warn(closed)

    def _take_locked(self) -> list[tuple[str, int, int, str]]:
        closed = []
        for (_, series), group in self._open.items():
            if group[1] > 1:
                closed.append((series, group[0], group[1], group[2]))
                group[1] = 1  # the last of them still holds the time
        return closed

    def _warn(self, closed: list[tuple[str, int, int, str]]) -> None:
        for series, stamp, count, precision in closed:
            self.log.warning(
                "%s: %d points of series %r were written without a time and stamped %d at "
                "precision %r: they share that time, so the server keeps only the last of "
                "them. %s", self.who, count, series, stamp, precision, _FIX)


#: Every SharedStamps, for a forked child to renew their locks (a thread of the parent may
#: have held one at the fork).
_ALL_SHARED: weakref.WeakSet[SharedStamps] = weakref.WeakSet()


def _after_fork_in_child() -> None:  # pragma: no cover - runs in a forked child
    CLOCK._after_fork()
    for shared in list(_ALL_SHARED):
        shared._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def warn_shared_server_time(points: Sequence[Any], static_tags: Optional[dict[str, Any]],
                            log: logging.Logger, who: str = "write_points") -> None:
    """Warn when several points of one series in one request have no time (the server
    gives all of them the same time, so only the last one is kept).  A pass over the points
    in Python: called only when the encoder counted two timeless points or more."""
    counts: Counter[str] = Counter()
    for item in points:
        if isinstance(item, (str, bytes)):
            text = item.decode("utf-8", "replace") if isinstance(item, bytes) else item
            counts.update(_line_series(line) for line in _lines_of(text)
                          if _line_is_timeless(line))
        elif _time_of(item) is None:
            counts[series_of(item, static_tags)] += 1
    shared = [(series, count) for series, count in counts.items() if count > 1]
    if not shared:
        return
    named = ", ".join(f"{count} of series {series!r}" for series, count in shared[:5])
    more = f" (and {len(shared) - 5} more series)" if len(shared) > 5 else ""
    log.warning(
        "%s: one request carries several points of one series without a time: %s%s. The "
        "server gives every point of a request the same time, so it keeps only the last "
        "point of each series. Give the points times, or write them through "
        "client.batch_writer() or client.session(), which stamp them with the client's "
        "clock.", who, named, more)
