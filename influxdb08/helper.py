"""``SeriesHelper`` for InfluxDB 0.8: buffer points per series, write them in bulk."""

from __future__ import annotations

import threading
from collections import defaultdict, namedtuple
from typing import Any, ClassVar, Optional
from warnings import warn

__all__ = ["SeriesHelper"]


class SeriesHelper:
    """Subclass it with an inner ``Meta`` class to buffer points and write them in bulk.

    Usage::

        class CpuSeries(SeriesHelper):
            class Meta:
                client = my_08_client      # optional when commit() gets one
                series_name = "cpu.{host}" # str.format template over the fields
                fields = ["host", "value"] # every point gives every field
                bulk_size = 5              # with autocommit: write every 5 points
                autocommit = True

        CpuSeries(host="a", value=0.5)
        CpuSeries.commit()

    The buffer belongs to the subclass and is guarded by a lock, so points may be added
    from several threads.
    """

    __initialized__: ClassVar[bool] = False
    _series_name: ClassVar[str]
    _fields: ClassVar[list[str]]
    _autocommit: ClassVar[bool]
    _client: ClassVar[Any]
    _bulk_size: ClassVar[int]
    _datapoints: ClassVar[defaultdict[str, list[Any]]]
    _type: ClassVar[Any]
    _lock: ClassVar[threading.RLock]

    def __new__(cls, *args: Any, **kwargs: Any) -> SeriesHelper:
        # Each subclass is set up on its first instantiation.  The flag is looked up in
        # the subclass's own namespace, so a subclass of a configured helper gets its own
        # buffer, and it is set only once the Meta class was accepted.
        if not cls.__dict__.get("__initialized__", False):
            cls._configure()
        return super().__new__(cls)

    @classmethod
    def _configure(cls) -> None:
        meta = getattr(cls, "Meta", None)
        if meta is None:
            raise AttributeError(f"Missing Meta class in {cls.__name__}.")
        for attr in ("series_name", "fields"):
            if not hasattr(meta, attr):
                raise AttributeError(f"Missing {attr} in {cls.__name__} Meta class.")
        autocommit = getattr(meta, "autocommit", False)
        client = getattr(meta, "client", None)
        if autocommit and not client:
            raise AttributeError(
                f"In {cls.__name__}, autocommit is set to True, but no client is set."
            )
        if hasattr(meta, "bulk_size"):
            bulk_size = meta.bulk_size
            if bulk_size < 1 and autocommit:
                warn(
                    f"Definition of bulk_size in {cls.__name__} forced to 1, was less than 1.",
                    stacklevel=3,
                )
                bulk_size = 1
            if not autocommit:
                warn(
                    f"Definition of bulk_size in {cls.__name__} has no affect because "
                    "autocommit is false.",
                    stacklevel=3,
                )
        else:
            bulk_size = -1
        cls._series_name = meta.series_name
        cls._fields = list(meta.fields)  # a copy: the user's Meta is never modified
        cls._autocommit = autocommit
        cls._client = client
        cls._bulk_size = bulk_size
        cls._datapoints = defaultdict(list)
        cls._type = namedtuple(cls.__name__, cls._fields)  # type: ignore[misc]
        cls._lock = threading.RLock()
        cls.__initialized__ = True

    def __init__(self, **kw: Any) -> None:
        """Buffer one point; every field of ``Meta.fields`` must be given.

        :raises NameError: when the keywords are not exactly the fields
        """
        cls = type(self)
        if sorted(kw) != sorted(cls._fields):
            raise NameError(f"Expected {cls._fields}, got {list(kw)}.")
        point = cls._type(**kw)
        with cls._lock:
            cls._datapoints[cls._series_name.format(**kw)].append(point)
            if cls._autocommit and (
                sum(len(series) for series in cls._datapoints.values()) >= cls._bulk_size
            ):
                cls.commit()

    @classmethod
    def commit(cls, client: Optional[Any] = None) -> Any:
        """Write the buffered points with ``client`` (default ``Meta.client``), then empty
        the buffer.  On error the points stay buffered.

        :param client: an :class:`influxdb08.InfluxDBClient`
        :returns: what ``client.write_points`` returned (``True``)
        :raises AttributeError: when there is no client
        """
        if not client:
            client = getattr(cls, "_client", None)
        if not client:
            raise AttributeError(f"No client given to {cls.__name__}.commit() and none in Meta.")
        with cls._lock_for_class():
            result = client.write_points(cls._json_body_())
            cls._reset_()
        return result

    @classmethod
    def _json_body_(cls) -> list[dict[str, Any]]:
        """The buffered points as 0.8 series: ``[{"name", "columns", "points"}, ...]``."""
        if not cls.__dict__.get("__initialized__", False):
            return []
        with cls._lock:
            return [
                {
                    "name": series_name,
                    "columns": list(cls._fields),
                    "points": [[getattr(point, k) for k in cls._fields] for point in data],
                }
                for series_name, data in cls._datapoints.items()
            ]

    @classmethod
    def _reset_(cls) -> None:
        """Drop the buffered points."""
        with cls._lock_for_class():
            cls._datapoints = defaultdict(list)

    @classmethod
    def _lock_for_class(cls) -> threading.RLock:
        if not cls.__dict__.get("__initialized__", False):
            cls._configure()
        return cls._lock
