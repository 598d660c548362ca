"""A ``Point`` builder, accepted by ``write_points``, the batching writer and sessions.

Bad input is refused at the builder call that receives it (``InfluxDBInvalidPointError``,
also a ``ValueError``, the error a write of the same dict point raises), not later in a
write or a background thread: names follow the encoder's rules (see
:mod:`influxdb.line_protocol`), field values its checks (64-bit integers, finite floats,
UTF-8 text), and a time must be one InfluxDB can store.  A NaN tag value removes the tag,
as ``None`` does.

Times: a ``datetime``, ``pandas.Timestamp``, ``numpy.datetime64`` or RFC3339 string is an
absolute instant, converted to the write's precision when encoded.  An integer with a
``precision`` is an absolute instant too (``time(1700000000, 's')``): it is kept as
nanoseconds and converted to whatever precision the write uses.  An integer without a
precision is taken to be in the write's precision already, as ``write_points`` does for
dicts (as in 5.3.2: ``docs/migration.rst``, "Writing").

Records (dataclasses, named tuples, mappings, plain objects) become points through a
``RecordMapping`` (``Point.from_record``, the ``record_*`` arguments of the writes).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Optional

from influxdb._core.lines import (
    _INT64_MAX,
    _INT64_MIN,
    _encode_value,
    _field_key_text,
    _is_nan,
    _measurement_text,
    _Refused,
    _tag_key_text,
    _tag_text,
)
from influxdb._core.times import MAX_NANOS, MIN_NANOS, PRECISION, EpochNanos, to_epoch
from influxdb.exceptions import InfluxDBInvalidPointError

__all__ = ["Point"]

def _refused(refused: Exception, measurement: object) -> InfluxDBInvalidPointError:
    return InfluxDBInvalidPointError(f"{refused} (measurement {measurement!r})")


# The encoder's rules for each kind of name (influxdb.line_protocol lists them), so that a
# name a dict point could not carry is refused here too, at the builder call.  Names that
# passed are remembered (bounded), so that building the same points again costs little.
_NAME_RULES: dict[str, Callable[[str], object]] = {
    "measurement": lambda text: _measurement_text(text),
    "tag key": lambda text: _tag_key_text(text, f"tag key {text!r}"),
    "field key": lambda text: _field_key_text(text, f"field {text!r}"),
}
_CHECKED: dict[tuple[str, str], None] = {}  # (kind, name) -> None: names that passed
_CHECKED_LIMIT = 10_000


def _check_name(kind: str, value: object, measurement: object) -> str:
    if type(value) is str and (kind, value) in _CHECKED:
        return value
    if not isinstance(value, str) or not value:
        raise InfluxDBInvalidPointError(
            f"{kind} must be a non-empty str, got {value!r} (measurement {measurement!r})")
    if "\n" in value:
        # Line protocol has no escape for a new line outside string field values.
        raise InfluxDBInvalidPointError(
            f"{kind} {value!r} contains a new line (measurement {measurement!r})")
    try:
        _NAME_RULES[kind](value)
    except _Refused as refused:
        raise _refused(refused, measurement) from None
    _remember_checked(kind, value)
    return value


def _remember_checked(kind: str, value: str) -> None:
    if type(value) is str:
        if len(_CHECKED) >= _CHECKED_LIMIT:
            _CHECKED.clear()
        _CHECKED[kind, value] = None


def _check_tag_value(key: str, text: str, measurement: object) -> None:
    if ("tag value", text) in _CHECKED:
        return
    if "\n" in text:
        raise InfluxDBInvalidPointError(
            f"tag {key!r} contains a new line (measurement {measurement!r})")
    try:
        _tag_text(text, f"tag {key!r} value {text!r}")
    except _Refused as refused:
        raise _refused(refused, measurement) from None
    _remember_checked("tag value", text)


def _is_field_value(value: object) -> bool:
    if isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, complex):
        return False
    if isinstance(value, numbers.Number):  # Decimal, Fraction, numpy numbers
        return True
    # numpy.bool_ is not a numbers.Number
    return type(value).__name__ in ("bool_", "bool") and type(value).__module__ == "numpy"


def _is_infinite(value: object) -> bool:
    if isinstance(value, numbers.Integral) or not isinstance(value, numbers.Real):
        return False  # Decimal('Infinity') is refused by the encoder's own check
    try:
        return math.isinf(value)
    except OverflowError:  # a Fraction too large for a float: the encoder's check says so
        return False


def _check_time(value: object, precision: Optional[str], measurement: object) -> Any:
    """Validate a time; an integer with a precision becomes absolute nanoseconds."""
    if precision is not None and precision not in PRECISION:
        raise InfluxDBInvalidPointError(
            f"unknown time precision {precision!r} (use n, u, ms, s, m or h)")
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise InfluxDBInvalidPointError(
            f"time must be an int, datetime or RFC3339 str, got {value!r} "
            f"(measurement {measurement!r})")
    if isinstance(value, numbers.Integral):
        if precision is None:
            return int(value)
        return EpochNanos(int(value) * PRECISION[precision].nanos)
    if isinstance(value, (datetime, str)):
        return value
    if isinstance(value, date):
        raise InfluxDBInvalidPointError(
            f"time must be a datetime, not a date: {value!r} (measurement {measurement!r})")
    if type(value).__module__.startswith(("numpy", "pandas")):
        return value  # np.datetime64, pd.Timestamp: the encoder keeps their nanoseconds
    raise InfluxDBInvalidPointError(
        f"time must be an int, datetime or RFC3339 str, got {type(value).__name__} "
        f"(measurement {measurement!r})")


def _check_storable(time: Any, measurement: object) -> None:
    """Refuse now, as a write would, a time that is not a time (``'nope'``, NaT) or that
    InfluxDB cannot store.  An int without a precision is taken in nanoseconds here: its
    range then holds the ranges of every coarser precision."""
    try:
        to_epoch(time, None)
    except InfluxDBInvalidPointError as error:
        raise _refused(error, measurement) from None


class Point:
    """One point: a measurement, tags, fields and an optional time.

    Builder methods return the point itself, so calls chain.  Accepted by
    ``InfluxDBClient.write_points`` beside dicts and line-protocol strings, and by the
    batching writer and sessions.

    :param measurement: the measurement name
    :param tags: initial tags (copied)
    :param fields: initial fields (copied; ``None`` values are left out)
    :param time: the point's time (see :meth:`time`)
    :param precision: the unit of an integer ``time``
    :raises InfluxDBInvalidPointError: on a bad name, value or time

    Usage::

        >>> p = Point('cpu').tag('host', 'a').field('value', 0.5).time(1700000000, 's')
        >>> p.to_line_protocol()
        'cpu,host=a value=0.5 1700000000000000000'
        >>> p.to_line_protocol('s')
        'cpu,host=a value=0.5 1700000000'
    """

    __slots__ = ("_measurement", "_tags", "_fields", "_time", "_precision")

    def __init__(
        self,
        measurement: str,
        tags: Optional[Mapping[str, Any]] = None,
        fields: Optional[Mapping[str, Any]] = None,
        time: Any = None,
        precision: Optional[str] = None,
    ) -> None:
        self._measurement = _check_name("measurement", measurement, measurement)
        self._tags: dict[str, str] = {}
        self._fields: dict[str, Any] = {}
        self._time: Any = None
        self._precision: Optional[str] = None
        for key, value in (tags or {}).items():
            self.tag(key, value)
        for key, value in (fields or {}).items():
            self.field(key, value)
        if time is not None:
            self.time(time, precision)
        elif precision is not None:
            _check_time(None, precision, measurement)

    # -- builder -----------------------------------------------------------------------------
    @classmethod
    def measurement(cls, name: str) -> Point:
        """A new point for ``name`` (the spelling of the InfluxData v2 client)."""
        return cls(name)

    def tag(self, key: str, value: Any) -> Point:
        """Set a tag.  The value is written as text (``str(value)``); ``None``, ``''`` or
        NaN removes the tag, as 5.3.2 leaves ``None`` and ``''`` tags out.

        :raises InfluxDBInvalidPointError: on an empty or non-str key, a new line, or a
            name line protocol cannot carry (a trailing backslash, the key ``time``...)
        """
        _check_name("tag key", key, self._measurement)
        if type(value) is str:
            text = value
        elif value is None or _is_nan(value):
            text = ""
        elif isinstance(value, bytes):
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                raise InfluxDBInvalidPointError(
                    f"tag {key!r} value is bytes that are not UTF-8 "
                    f"(measurement {self._measurement!r})") from None
        elif isinstance(value, (str, numbers.Number)):
            text = str(value)
        else:
            raise InfluxDBInvalidPointError(
                f"tag {key!r} must be a str or a number, got {type(value).__name__} "
                f"(measurement {self._measurement!r})")
        if not text:
            self._tags.pop(key, None)
            return self
        _check_tag_value(key, text, self._measurement)
        self._tags[key] = text
        return self

    def field(self, key: str, value: Any) -> Point:
        """Set a field: ``int`` (written ``5i``), ``float``, ``bool``, ``str`` or a numpy
        scalar.  ``None`` removes the field; NaN is kept here and left out when encoded.

        :raises InfluxDBInvalidPointError: on an empty or non-str key, an infinite value,
            a value of another type, or one a write would refuse (an integer outside 64
            bits, bytes that are not UTF-8, a lone surrogate...)
        """
        _check_name("field key", key, self._measurement)
        kind = type(value)
        if kind is float or kind is bool or (kind is str and value.isascii()) or (
                kind is int and _INT64_MIN <= value <= _INT64_MAX):
            if kind is float and value - value != 0.0 and value == value:  # infinite
                raise InfluxDBInvalidPointError(
                    f"field {key!r} is {value!r}; InfluxDB cannot store infinity "
                    f"(measurement {self._measurement!r})")
            self._fields[key] = value  # the common types, checked without a call
            return self
        if value is None:
            self._fields.pop(key, None)
            return self
        if not isinstance(value, bytes) and not _is_field_value(value):
            raise InfluxDBInvalidPointError(
                f"field {key!r} has a value of type {type(value).__name__}, which line "
                f"protocol cannot hold (measurement {self._measurement!r})")
        if _is_infinite(value):
            raise InfluxDBInvalidPointError(
                f"field {key!r} is {value!r}; InfluxDB cannot store infinity "
                f"(measurement {self._measurement!r})")
        try:
            _encode_value(value, key)  # the write's own check of the value
        except _Refused as refused:
            raise _refused(refused, self._measurement) from None
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        self._fields[key] = value
        return self

    def time(self, value: Any, precision: Optional[str] = None) -> Point:
        """Set the time (``None`` clears it: the server then stamps the point on arrival).

        :param value: ``datetime`` (naive = UTC), ``pandas.Timestamp``, ``numpy.datetime64``,
            RFC3339 ``str``, or ``int``
        :param precision: the unit of an ``int`` value (``n``, ``u``, ``ms``, ``s``, ``m``,
            ``h``); without it an int is taken to be in the write's precision
        :raises InfluxDBInvalidPointError: on a float, a ``date``, a bool or another type,
            a str that is not an RFC3339 time, NaT, or a time InfluxDB cannot store (the
            error a write of the point would raise)
        """
        checked = _check_time(value, precision, self._measurement)
        if checked is not None and not (type(checked) in (int, EpochNanos) and
                                        MIN_NANOS <= checked <= MAX_NANOS):
            _check_storable(checked, self._measurement)
        self._time = checked
        self._precision = precision if value is not None else None
        return self

    # -- reading ---------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The measurement name."""
        return self._measurement

    @property
    def tags(self) -> dict[str, str]:
        """A copy of the tags."""
        return dict(self._tags)

    @property
    def fields(self) -> dict[str, Any]:
        """A copy of the fields."""
        return dict(self._fields)

    @property
    def timestamp(self) -> Any:
        """The time as given (an int given with a precision is returned in nanoseconds)."""
        return self._time

    def _to_point_dict(self) -> dict[str, Any]:
        """The point as ``write_points`` reads a dict (the encoder's hook; not copied)."""
        return {"measurement": self._measurement, "tags": self._tags,
                "fields": self._fields, "time": self._time}

    def to_line_protocol(self, precision: Optional[str] = None) -> str:
        """This point as one line of line protocol (without the final new line).

        :param precision: the precision of the written time (default nanoseconds)
        :raises InfluxDBInvalidPointError: when the point has no field to write
        """
        from influxdb.line_protocol import make_lines

        return make_lines({"points": [self]}, precision).rstrip("\n")

    # -- other sources ---------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, point: Mapping[str, Any], precision: Optional[str] = None) -> Point:
        """A point from a ``write_points`` dict (``measurement``, ``tags``, ``fields``,
        ``time``).

        :raises InfluxDBInvalidPointError: when the dict has no measurement or a bad value
        """
        if not isinstance(point, Mapping) or "measurement" not in point:
            raise InfluxDBInvalidPointError(f"a point dict needs a 'measurement': {point!r}")
        return cls(point["measurement"], point.get("tags"), point.get("fields"),
                   point.get("time"), precision)

    @classmethod
    def from_record(
        cls,
        record: Any,
        *,
        measurement: Optional[str] = None,
        measurement_key: Optional[str] = None,
        tag_keys: Iterable[str] = (),
        field_keys: Optional[Iterable[str]] = None,
        time_key: Optional[str] = None,
        time_precision: Optional[str] = None,
    ) -> Point:
        """A point from a dataclass, named tuple, mapping or plain object.

        :param measurement: the measurement name (or give ``measurement_key``)
        :param measurement_key: the attribute holding the measurement name
        :param tag_keys: attributes written as tags
        :param field_keys: attributes written as fields (default: every other attribute)
        :param time_key: the attribute holding the time
        :param time_precision: the unit of an integer time attribute
        :raises InfluxDBInvalidPointError: on a missing attribute or a bad value

        Usage::

            >>> from collections import namedtuple
            >>> Cpu = namedtuple('Cpu', 'host load ts')
            >>> Point.from_record(Cpu('a', 0.5, 10), measurement='cpu', tag_keys=['host'],
            ...                   time_key='ts', time_precision='s').to_line_protocol('s')
            'cpu,host=a load=0.5 10'
        """
        mapping = RecordMapping(measurement=measurement, measurement_key=measurement_key,
                                tag_keys=tuple(tag_keys),
                                field_keys=None if field_keys is None else tuple(field_keys),
                                time_key=time_key, time_precision=time_precision)
        return mapping.to_point(record)

    # -- value semantics ---------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Point):
            return NotImplemented
        return (self._measurement, self._tags, self._fields, self._time, self._precision) == (
            other._measurement, other._tags, other._fields, other._time, other._precision)

    __hash__ = None  # type: ignore[assignment]  # mutable builder

    def __repr__(self) -> str:
        parts = [repr(self._measurement)]
        if self._tags:
            parts.append(f"tags={self._tags!r}")
        if self._fields:
            parts.append(f"fields={self._fields!r}")
        if self._time is not None:
            parts.append(f"time={self._time!r}")
        return f"Point({', '.join(parts)})"


# -- records ---------------------------------------------------------------------------------
# Records (dataclasses, named tuples, mappings, plain objects) turned into Points.  The caller
# names which attributes hold the measurement, tags, fields and time, once, in a
# RecordMapping; the mapping is checked when it is made, each record when it is converted, and
# any error names the record's position and the attribute at fault.  They live beside Point
# because each needs the other: Point.from_record reads a record through a mapping, and a
# mapping builds Points.
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
        if self.time_precision is not None and self.time_precision not in PRECISION:
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
