"""Records (dataclasses, named tuples, mappings, plain objects) turned into :class:`Point` s.

The caller names which attributes hold the measurement, tags, fields and time, once, in a
:class:`RecordMapping`; the mapping is checked when it is made, each record when it is
converted, and any error names the record's position and the attribute at fault.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from influxdb.exceptions import InfluxDBInvalidPointError
from influxdb.point import NANOS_PER_UNIT, Point

__all__ = ["RecordMapping", "points_from_records"]

_MISSING = object()


def _attribute_names(record: Any) -> Optional[tuple[str, ...]]:
    """The data attributes of a record, in their declared order; ``None`` if unknown."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return tuple(f.name for f in dataclasses.fields(record))
    names = getattr(type(record), "_fields", None)
    if isinstance(record, tuple) and isinstance(names, tuple):
        return tuple(str(n) for n in names)
    if isinstance(record, Mapping):
        return tuple(str(k) for k in record)
    attributes = getattr(record, "__dict__", None)
    if isinstance(attributes, dict):
        return tuple(k for k in attributes if not k.startswith("_"))
    return None


def _get(record: Any, key: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(key, _MISSING)
    return getattr(record, key, _MISSING)


@dataclass(frozen=True)
class RecordMapping:
    """Which attributes of a record make up a point.

    :param measurement: a fixed measurement name (or give ``measurement_key``)
    :param measurement_key: the attribute holding the measurement name
    :param tag_keys: attributes written as tags
    :param field_keys: attributes written as fields; ``None``: every attribute that is not
        the measurement, a tag or the time
    :param time_key: the attribute holding the time (``None``: the server's time)
    :param time_precision: the unit of an integer time attribute (``None``: the write's
        precision)
    :raises InfluxDBInvalidPointError: when the mapping itself is inconsistent
    """

    measurement: Optional[str] = None
    measurement_key: Optional[str] = None
    tag_keys: tuple[str, ...] = ()
    field_keys: Optional[tuple[str, ...]] = None
    time_key: Optional[str] = None
    time_precision: Optional[str] = None

    def __post_init__(self) -> None:
        if (self.measurement is None) == (self.measurement_key is None):
            raise InfluxDBInvalidPointError(
                "give exactly one of record_measurement (a name) and record_measurement_key "
                "(the attribute that holds the name)")
        if self.measurement is not None and (not isinstance(self.measurement, str)
                                             or not self.measurement):
            raise InfluxDBInvalidPointError(
                f"record_measurement must be a non-empty str, got {self.measurement!r}")
        for name, keys in (("record_tag_keys", self.tag_keys),
                           ("record_field_keys", self.field_keys or ())):
            if isinstance(keys, str) or not all(isinstance(k, str) and k for k in keys):
                raise InfluxDBInvalidPointError(
                    f"{name} must be a list of attribute names, got {keys!r}")
        if self.time_precision is not None and self.time_precision not in NANOS_PER_UNIT:
            raise InfluxDBInvalidPointError(
                f"unknown record_time_precision {self.time_precision!r} "
                "(use n, u, ms, s, m or h)")
        reserved = {k for k in (self.measurement_key, self.time_key) if k is not None}
        overlap = (set(self.tag_keys) & set(self.field_keys or ())) | (
            reserved & (set(self.tag_keys) | set(self.field_keys or ())))
        if overlap:
            raise InfluxDBInvalidPointError(
                f"attributes {sorted(overlap)} are given more than one role")

    @classmethod
    def from_options(
        cls,
        *,
        record_measurement: Optional[str] = None,
        record_measurement_key: Optional[str] = None,
        record_tag_keys: Optional[Iterable[str]] = None,
        record_field_keys: Optional[Iterable[str]] = None,
        record_time_key: Optional[str] = None,
        record_time_precision: Optional[str] = None,
    ) -> Optional[RecordMapping]:
        """The mapping described by the ``record_*`` keyword arguments of a write call;
        ``None`` when none of them is given."""
        if (record_measurement is None and record_measurement_key is None
                and record_tag_keys is None and record_field_keys is None
                and record_time_key is None and record_time_precision is None):
            return None
        if isinstance(record_tag_keys, str) or isinstance(record_field_keys, str):
            raise InfluxDBInvalidPointError(
                "record_tag_keys / record_field_keys must be lists of names, not one str")
        return cls(measurement=record_measurement, measurement_key=record_measurement_key,
                   tag_keys=tuple(record_tag_keys or ()),
                   field_keys=None if record_field_keys is None else tuple(record_field_keys),
                   time_key=record_time_key, time_precision=record_time_precision)

    def to_point(self, record: Any, position: Optional[int] = None) -> Point:
        """Convert one record.

        :param position: the record's index in the caller's sequence, for messages
        :raises InfluxDBInvalidPointError: on a missing attribute or a bad value
        """
        where = f"record {position}" if position is not None else "record"
        if isinstance(record, Point):
            return record
        names = _attribute_names(record)

        def need(key: str, role: str) -> Any:
            value = _get(record, key)
            if value is _MISSING:
                raise InfluxDBInvalidPointError(
                    f"{where} ({type(record).__name__}) has no {role} attribute {key!r}")
            return value

        if self.measurement_key is not None:
            measurement = need(self.measurement_key, "measurement")
        else:
            measurement = self.measurement
        if self.field_keys is not None:
            field_keys: Iterable[str] = self.field_keys
        elif names is None:
            raise InfluxDBInvalidPointError(
                f"{where} ({type(record).__name__}): cannot list its attributes; "
                "name them with record_field_keys")
        else:
            taken = set(self.tag_keys) | {self.measurement_key, self.time_key}
            field_keys = [n for n in names if n not in taken]
        try:
            point = Point(measurement)
            for key in self.tag_keys:
                point.tag(key, need(key, "tag"))
            for key in field_keys:
                point.field(key, need(key, "field"))
            if self.time_key is not None:
                point.time(need(self.time_key, "time"), self.time_precision)
        except InfluxDBInvalidPointError as exc:
            if str(exc).startswith(where):
                raise
            raise InfluxDBInvalidPointError(f"{where}: {exc}") from None
        return point


def points_from_records(records: Any, mapping: RecordMapping) -> list[Point]:
    """Convert records, or one record (Points pass through unchanged).

    :raises InfluxDBInvalidPointError: naming the first bad record's index
    """
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
        records = [records]
    elif isinstance(records, tuple) and hasattr(type(records), "_fields"):
        records = [records]  # one named tuple, not a sequence of records
    elif dataclasses.is_dataclass(records):
        records = [records]
    return [mapping.to_point(record, i) for i, record in enumerate(records)]
