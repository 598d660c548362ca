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

import logging
import os
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Callable, Optional

from influxdb._core.stamps import _line_is_timeless, _line_series, _lines_of, _time_of, series_of

__all__ = ["CLOCK", "Clock", "SharedStamps", "warn_shared_server_time"]


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
