"""``SeriesHelper``: declare a series once in an inner ``Meta`` class, then buffer points by
instantiating the class and write them with :meth:`SeriesHelper.commit`.

Kept from 5.3.2 (``docs/migration.rst``, "SeriesHelper"): the class-level buffer, lazy
configuration on the first instantiation, the ``Meta`` attributes and the messages of their
errors, ``commit``, ``_json_body_`` and ``_reset_``.

Fixed (``docs/migration.rst``, "SeriesHelper"):

- the buffer sits behind a lock, so several threads may create points and commit at once;
  a commit removes exactly the points it wrote, and points created meanwhile stay buffered;
- the user's ``Meta`` is never modified (5.3.2 removed ``'time'`` from ``Meta.fields`` in
  place);
- ``time_precision`` accepts ``'n'``, ``'ns'`` and ``'us'``: every spelling a write accepts;
- a point that could never be written (no field value, an unsupported value) is refused when
  it is created, rather than failing every later commit;
- the default time is the client's clock to the nanosecond, strictly increasing, as an aware
  UTC ``datetime`` that carries the nanoseconds (5.3.2 used ``utcnow()``, so two points
  created in the same microsecond overwrote each other); where ``time_precision`` is too
  coarse to keep such points apart, a warning names the series (docs/serieshelper.rst).

Usage::

    class CpuSeries(SeriesHelper):
        class Meta:
            client = InfluxDBClient(database='metrics')
            series_name = 'cpu.{host}'
            fields = ['load']
            tags = ['host']
            bulk_size = 100
            autocommit = True

    CpuSeries(host='a', load=0.5)   # buffered; written once 100 points are buffered
    CpuSeries.commit()              # write what is left
"""

from __future__ import annotations

import logging
import math
import threading
import warnings
from collections import defaultdict, namedtuple
from datetime import datetime
from typing import Any, ClassVar, Optional, Protocol

from influxdb._core.stamps import StampedTime, series_of
from influxdb._core.times import PRECISION, PRECISION_TABLE
from influxdb._stamping import CLOCK, SharedStamps
from influxdb.client import InfluxDBClient, write_timeout
from influxdb.exceptions import (
    InfluxDBArgumentAttributeError,
    InfluxDBArgumentNameError,
    InfluxDBInvalidPointError,
)
from influxdb.point import Point

__all__ = ["SeriesHelper"]

log = logging.getLogger("influxdb.helper")


class _PointWriter(Protocol):
    """What a SeriesHelper writes through: ``Meta.client`` or the client given to
    ``commit()``, an :class:`~influxdb.client.InfluxDBClient` or, as in 5.3.2, any object
    with its ``write_points``."""

    def write_points(self, points: Any, time_precision: Optional[str] = None,
                     database: Optional[str] = None, retention_policy: Optional[str] = None,
                     tags: Optional[dict[str, Any]] = None, batch_size: Optional[int] = None,
                     protocol: str = "json", consistency: Optional[str] = None) -> bool: ...

#: The spellings a ``Meta.time_precision`` may take, as its error lists them, coarsest first
#: as 5.3.2's list was: every spelling of the one table of precisions, so that the helper
#: accepts what ``write_points`` accepts (``'us'`` included).
_SPELLINGS = ", ".join(spelling for row in reversed(PRECISION_TABLE)
                       for spelling in row.spellings)
#: Guards the lazy configuration of every SeriesHelper subclass.
_CONFIGURE_LOCK = threading.RLock()


class SeriesHelper:
    """Subclass it with an inner ``Meta`` class to buffer and write points of one series.

    ``Meta`` attributes: ``series_name`` (a ``str.format`` template over tags and fields),
    ``fields`` and ``tags`` (lists of names), and optionally ``client``, ``bulk_size``,
    ``autocommit`` (default ``False``), ``time_precision`` (``h m s ms u us n ns``, as
    ``write_points``) and ``retention_policy``.

    :param kw: a value for every tag, values for some fields, and optionally ``time``
    :raises NameError: when a tag is missing or an argument is neither a tag nor a field
    :raises InfluxDBInvalidPointError: when the point has no field value or a value that
        cannot be written
    """

    __initialized__: ClassVar[bool] = False
    _datapoints: ClassVar[defaultdict[str, list[Any]]]
    _series_name: ClassVar[str]
    _fields: ClassVar[list[str]]
    _tags: ClassVar[list[str]]
    _client: ClassVar[Optional[_PointWriter]]
    _bulk_size: ClassVar[int]
    _autocommit: ClassVar[bool]
    _time_precision: ClassVar[Optional[str]]
    _retention_policy: ClassVar[Optional[str]]
    _type: ClassVar[Any]
    _lock: ClassVar[threading.RLock]
    _commit_lock: ClassVar[threading.Lock]
    _shared: ClassVar[SharedStamps]

    def __new__(cls, *args: Any, **kwargs: Any) -> SeriesHelper:
        cls._configure()
        return super().__new__(cls)

    @classmethod
    def _configure(cls) -> None:
        """Read ``Meta`` once per subclass (5.3.2 did this on first instantiation)."""
        # Checked in the class's own namespace: a subclass of a configured helper gets its
        # own configuration and buffer instead of silently sharing its parent's.
        if cls.__dict__.get("__initialized__", False):
            return
        with _CONFIGURE_LOCK:
            if cls.__dict__.get("__initialized__", False):
                return
            cls._read_meta()
            cls.__initialized__ = True

    @classmethod
    def _read_meta(cls) -> None:
        name = cls.__name__
        try:
            meta = cls.Meta  # type: ignore[attr-defined]
        except AttributeError:
            raise InfluxDBArgumentAttributeError(f"Missing Meta class in {name}.") from None
        for attr in ("series_name", "fields", "tags"):
            if not hasattr(meta, attr):
                raise InfluxDBArgumentAttributeError(f"Missing {attr} in {name} Meta class.")
        series_name = meta.series_name
        if not isinstance(series_name, str):
            raise InfluxDBArgumentAttributeError(f"In {name}, series_name must be a str template.")
        for attr in ("fields", "tags"):
            value = getattr(meta, attr)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise InfluxDBArgumentAttributeError(f"In {name}, {attr} must be a list of names.")
        # Copies: the user's lists are never edited (5.3.2 removed 'time' from Meta.fields).
        fields = [f for f in meta.fields if f != "time"]
        tags = list(meta.tags)
        client = getattr(meta, "client", None)
        autocommit = bool(getattr(meta, "autocommit", False))
        if autocommit and client is None:
            raise InfluxDBArgumentAttributeError(
                f"In {name}, autocommit is set to True, but no client is set.")
        time_precision = getattr(meta, "time_precision", None)
        if time_precision is not None and (not isinstance(time_precision, str)
                                           or time_precision not in PRECISION):
            raise InfluxDBArgumentAttributeError(
                f"In {name}, time_precision is set, but invalid; use any of {_SPELLINGS}.")
        if hasattr(meta, "bulk_size"):
            bulk_size = int(meta.bulk_size)
            if autocommit and bulk_size < 1:
                warnings.warn(f"Definition of bulk_size in {name} forced to 1, was less than 1.",
                              UserWarning, stacklevel=4)
                bulk_size = 1
            elif not autocommit:
                warnings.warn(f"Definition of bulk_size in {name} has no affect because "
                              "autocommit is false.", UserWarning, stacklevel=4)
        else:
            bulk_size = -1  # 5.3.2: with autocommit, every point is written at once

        cls._series_name = series_name
        cls._fields = fields
        cls._tags = tags
        cls._client = client
        cls._autocommit = autocommit
        cls._bulk_size = bulk_size
        cls._time_precision = time_precision
        cls._retention_policy = getattr(meta, "retention_policy", None)
        point_type = namedtuple(name, ["time", *tags, *fields])  # type: ignore[misc]
        point_type.__new__.__defaults__ = (None,) * len(fields)
        cls._type = point_type
        cls._datapoints = defaultdict(list)
        cls._lock = threading.RLock()
        cls._commit_lock = threading.Lock()
        cls._shared = SharedStamps(name, log)

    def __init__(self, **kw: Any) -> None:
        cls = type(self)
        timestamp = kw.pop("time", None)
        stamped = timestamp is None and cls._current_timestamp is _DEFAULT_NOW
        if stamped:
            # The client's clock, to the nanosecond and strictly increasing: two points made
            # in one microsecond (or one tick of a coarse system clock) keep distinct times.
            timestamp = StampedTime.from_nanos(CLOCK.take())
        elif timestamp is None:
            timestamp = self._current_timestamp()  # a subclass's own clock
        missing = [tag for tag in cls._tags if tag not in kw]
        if missing:
            raise InfluxDBArgumentNameError(
                f"Expected arguments to contain all tags {cls._tags}, instead "
                f"got {list(kw)}.")
        unknown = set(kw) - set(cls._fields) - set(cls._tags)
        if unknown:
            raise InfluxDBArgumentNameError(
                f"Got arguments not in tags or fields: {sorted(unknown)}")
        try:
            series = cls._series_name.format(**kw)
        except (KeyError, IndexError) as exc:
            raise InfluxDBArgumentNameError(
                f"series_name {cls._series_name!r} of {cls.__name__} names "
                f"{exc} which was not given") from None
        _check_point(series, kw, cls._tags, cls._fields, timestamp)
        point = cls._type(time=timestamp, **kw)
        if stamped and cls._time_precision is not None:
            unit = PRECISION[cls._time_precision]
            if unit.nanos > 1:  # coarser than the stamp: two stamps may share a time
                cls._shared.add(None, unit.name, [(
                    series_of({"measurement": series, "tags": {t: kw[t] for t in cls._tags}},
                              None),
                    timestamp.nanos // unit.nanos)])
        with cls._lock:
            cls._datapoints[series].append(point)
            due = cls._autocommit and _count(cls._datapoints) >= cls._bulk_size
        if due:
            cls._commit(minimum=cls._bulk_size)

    @classmethod
    def commit(cls, client: Optional[_PointWriter] = None) -> Any:
        """Write every buffered point with one ``write_points`` call.

        Points stay buffered when the write raises; points created by other threads during
        the write stay buffered for the next commit.  Each request waits for the server at
        most the client's ``timeout``, or 10 seconds when the client has none
        (``influxdb.batching.DEFAULT_REQUEST_TIMEOUT``).

        :param client: the client to write with (default: ``Meta.client``)
        :returns: what ``write_points`` returned (``True``)
        :raises AttributeError: when no client is given nor configured
        :raises requests.exceptions.Timeout: the server did not answer in time (after the
            client's retries); the points stay buffered
        """
        cls._configure()
        return cls._commit(client=client)

    @classmethod
    def _commit(cls, client: Optional[_PointWriter] = None, minimum: int = 0) -> Any:
        client = client or cls._client
        if client is None:
            raise InfluxDBArgumentAttributeError(
                f"In {cls.__name__}, no client given to commit() and none "
                "set in Meta.")
        cls._shared.report()
        # One commit at a time per class, so two threads never send the same points.
        with cls._commit_lock:
            with cls._lock:
                if minimum > 0 and _count(cls._datapoints) < minimum:
                    return True  # another thread's commit already took these points
                taken = {series: len(points) for series, points in cls._datapoints.items()}
                body = cls._body(cls._datapoints)
            # The write's spelling of the precision ('ns' -> 'n', 'us' -> 'u'): the client may be
            # any object with 5.3.2's write_points, which accepted 'n' and 'u' but not 'ns'.
            precision = (None if cls._time_precision is None
                         else PRECISION[cls._time_precision].write)
            # Every request of the commit is bounded, even with the client's timeout=None
            # (5.3.2's default): the client's timeout, else the batching writer's default.
            from influxdb.batching import _request_timeout

            timeout = client._timeout if isinstance(client, InfluxDBClient) else None
            token = write_timeout.set(_request_timeout(None, timeout, None))
            try:
                result = client.write_points(body, time_precision=precision,
                                             retention_policy=cls._retention_policy)
            finally:
                write_timeout.reset(token)
            with cls._lock:
                for series, count in taken.items():
                    del cls._datapoints[series][:count]
                    if not cls._datapoints[series]:
                        del cls._datapoints[series]
            return result

    @classmethod
    def _json_body_(cls) -> list[dict[str, Any]]:
        """The buffered points as ``write_points`` dicts, grouped by series in order of
        first appearance.  ``[]`` for a helper that never buffered a point."""
        if not cls.__dict__.get("__initialized__", False):
            return []
        with cls._lock:
            return cls._body(cls._datapoints)

    @classmethod
    def _body(cls, datapoints: defaultdict[str, list[Any]]) -> list[dict[str, Any]]:
        body = []
        for series, points in datapoints.items():
            for point in points:
                body.append({
                    "measurement": series,
                    "fields": {f: getattr(point, f) for f in cls._fields
                               if getattr(point, f) is not None},
                    "tags": {t: getattr(point, t) for t in cls._tags},
                    "time": point.time,
                })
        return body

    @classmethod
    def _reset_(cls) -> None:
        """Drop every buffered point."""
        cls._configure()
        with cls._lock:
            cls._datapoints = defaultdict(list)

    @staticmethod
    def _current_timestamp() -> datetime:
        """Now, as an aware UTC datetime (to the nanosecond: a :class:`StampedTime`).

        A subclass may replace it; its values are then the times of timeless points.
        """
        return StampedTime.from_nanos(CLOCK.take())


_DEFAULT_NOW = SeriesHelper._current_timestamp


def _count(datapoints: defaultdict[str, list[Any]]) -> int:
    return sum(len(points) for points in datapoints.values())


def _check_point(series: str, kw: dict[str, Any], tags: list[str], fields: list[str],
                 timestamp: Any) -> None:
    """Refuse now what the server could never store, so it cannot block later commits."""
    values = {f: kw[f] for f in fields if kw.get(f) is not None}
    if not any(not (isinstance(v, float) and math.isnan(v)) for v in values.values()):
        raise InfluxDBInvalidPointError(
            f"point of series {series!r} has no field value (fields: {fields})")
    try:
        Point(series, {t: kw[t] for t in tags}, values, timestamp)
    except InfluxDBInvalidPointError as exc:
        raise InfluxDBInvalidPointError(f"series {series!r}: {exc}") from None
