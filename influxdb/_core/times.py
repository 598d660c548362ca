"""Time values: precisions, conversion to epoch integers, RFC3339 both ways.

Pure: no I/O and no pandas import.  pandas and numpy values are recognised by duck typing
(a ``pandas.Timestamp`` is a :class:`datetime` with a ``nanosecond`` attribute, a
``numpy.datetime64`` has a ``dtype`` of kind ``'M'``), so ``import influxdb`` stays light.

Rules (``docs/migration.rst``, "Writing"):

* an integer time is taken to be in the write's precision already (influxdb-python 5.3.2),
  except an :class:`EpochNanos`, which the :class:`~influxdb.point.Point` builder uses for
  "nanoseconds since the epoch" and which is converted like any absolute time;
* absolute times (``datetime``, ``pandas.Timestamp``, ``numpy.datetime64``, RFC3339 text)
  keep every nanosecond they carry, naive ones are UTC, and conversion to a coarser
  precision floors (so 1969-12-31T23:59:59.5Z is second -1, not 0);
* results outside the range InfluxDB stores (``models.MinNanoTime`` to ``MaxNanoTime``,
  1677-09-21T00:12:43.145224194Z to 2262-04-11T23:47:16.854775806Z) are refused here
  rather than by the server.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any, NamedTuple, Optional

from influxdb.exceptions import InfluxDBInvalidPointError

__all__ = [
    "EPOCH",
    "NANOS_PER",
    "NUMPY_UNIT_NANOS",
    "PRECISION",
    "PRECISIONS",
    "PRECISION_TABLE",
    "EpochNanos",
    "Precision",
    "format_rfc3339",
    "is_time_value",
    "normalize_precision",
    "parse_rfc3339",
    "time_as_rfc3339",
    "to_epoch",
]

class Precision(NamedTuple):
    """One time precision: how it is named, how long its unit is, what the server is sent."""

    #: the canonical spelling, as 5.3.2's messages list it
    name: str
    #: every spelling the client accepts for it
    spellings: tuple[str, ...]
    #: nanoseconds in one unit
    nanos: int
    #: the value of ``precision=`` of ``POST /write``
    write: str
    #: the value of ``epoch=`` of ``/query``
    epoch: str


#: The one table of time precisions, finest first; every module that reads a precision looks
#: it up here.  InfluxDB 1.x reference, HTTP API: ``/write`` takes ``precision=`` ``n``,
#: ``u``, ``ms``, ``s``, ``m`` or ``h``; ``/query`` takes ``epoch=`` ``ns``, ``u``, ``ms``,
#: ``s``, ``m`` or ``h`` (its nanosecond unit is spelled ``ns`` there).
PRECISION_TABLE: tuple[Precision, ...] = (
    #          name  spellings     nanoseconds          write  epoch
    Precision("n", ("n", "ns"), 1, "n", "ns"),
    Precision("u", ("u", "us"), 1_000, "u", "u"),
    Precision("ms", ("ms",), 1_000_000, "ms", "ms"),
    Precision("s", ("s",), 1_000_000_000, "s", "s"),
    Precision("m", ("m",), 60 * 1_000_000_000, "m", "m"),
    Precision("h", ("h",), 3600 * 1_000_000_000, "h", "h"),
)

#: Every accepted spelling (``'n'``, ``'ns'``, ``'u'``, ``'us'``, ``'ms'``, ``'s'``, ``'m'``,
#: ``'h'``) -> its row of :data:`PRECISION_TABLE`.
PRECISION: dict[str, Precision] = {
    spelling: row for row in PRECISION_TABLE for spelling in row.spellings
}

#: The canonical spellings, finest first.
PRECISIONS = tuple(row.name for row in PRECISION_TABLE)

#: Nanoseconds in one unit of each precision (canonical spellings).
NANOS_PER: dict[str, int] = {row.name: row.nanos for row in PRECISION_TABLE}

_ALIASES: dict[str, str] = {spelling: row.name for spelling, row in PRECISION.items()}
_PRECISION_ERROR = "Invalid time precision is given. (use 'n', 'u', 'ms', 's', 'm' or 'h')"

#: The UTC epoch, as the 5.3.2 module constant (there a pytz-aware datetime).
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH_NAIVE.toordinal()

# InfluxDB 1.x refuses times outside [MinNanoTime, MaxNanoTime] (models/points.go); with a
# coarser precision the bound applies to the value times the unit, hence one pair per unit.
MIN_NANOS = -9223372036854775806
MAX_NANOS = 9223372036854775806
#: precision -> (nanoseconds per unit, smallest and largest storable value in that unit)
_RANGE: dict[Optional[str], tuple[int, int, int]] = {
    p: (f, -(-MIN_NANOS // f), MAX_NANOS // f) for p, f in NANOS_PER.items()
}
_RANGE[None] = _RANGE["n"]


class EpochNanos(int):
    """An integer meaning "nanoseconds since the epoch".

    A plain ``int`` time is taken to be in the write's precision already (5.3.2 behaviour);
    an ``EpochNanos`` is an absolute instant, floored to the write's precision by
    :func:`to_epoch`.
    """

    __slots__ = ()


def normalize_precision(precision: Optional[str]) -> Optional[str]:
    """Return the canonical spelling of a precision.

    :param precision: one of :data:`PRECISIONS`, ``'ns'``, ``'us'`` or ``None``
    :returns: ``'n'``, ``'u'``, ``'ms'``, ``'s'``, ``'m'``, ``'h'`` or ``None``
    :raises InfluxDBInvalidPointError: (a ``ValueError``) with the 5.3.2 message otherwise
    """
    if precision is None:
        return None
    try:
        return _ALIASES[precision]
    except (KeyError, TypeError):
        raise InfluxDBInvalidPointError(_PRECISION_ERROR) from None


def _range_for(precision: Optional[str]) -> tuple[int, int, int]:
    try:
        return _RANGE[precision]
    except (KeyError, TypeError):
        return _RANGE[normalize_precision(precision)]


def _datetime_nanos(value: datetime) -> int:
    """Exact nanoseconds since the epoch of a datetime (naive = UTC), pandas' included."""
    if type(value) is datetime:
        try:
            delta = value - (_EPOCH_NAIVE if value.tzinfo is None else EPOCH)
        except TypeError:  # a tzinfo whose utcoffset() is None: naive after all
            delta = value.replace(tzinfo=None) - _EPOCH_NAIVE
        return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000
    if value != value:  # pandas.NaT is a datetime subclass that equals nothing
        raise InfluxDBInvalidPointError(f"time {value!r} is not a time (NaT)")
    # Subclasses (pandas.Timestamp of any unit): integer arithmetic on the fields, since
    # subtracting a datetime may give a pandas Timedelta or overflow its nanosecond range.
    seconds = (value.toordinal() - _EPOCH_ORDINAL) * 86400 + (
        value.hour * 3600 + value.minute * 60 + value.second
    )
    micros = value.microsecond
    offset = value.utcoffset()
    if offset is not None:
        seconds -= offset.days * 86400 + offset.seconds
        micros -= offset.microseconds
    return seconds * 10**9 + micros * 1000 + int(getattr(value, "nanosecond", 0))


#: numpy datetime64 units -> (numerator, denominator) of nanoseconds per unit: the units that
#: are also precisions (``h`` to ``ns``) from :data:`PRECISION`, the others numpy's own.
NUMPY_UNIT_NANOS: dict[str, tuple[int, int]] = {
    "W": (7 * 86400 * 10**9, 1),
    "D": (86400 * 10**9, 1),
    **{unit: (PRECISION[unit].nanos, 1) for unit in ("h", "m", "s", "ms", "us", "ns")},
    "ps": (1, 10**3),
    "fs": (1, 10**6),
    "as": (1, 10**9),
}
_NUMPY_DTYPE = re.compile(r"[<>=|]?M8\[(\d*)(\w+)\]\Z")


def _numpy_datetime_nanos(value: Any) -> int:
    """Nanoseconds (floored) of a ``numpy.datetime64`` of any unit."""
    if value != value:
        raise InfluxDBInvalidPointError(f"time {value!r} is not a time (NaT)")
    match = _NUMPY_DTYPE.match(value.dtype.str)
    if match is None:
        raise InfluxDBInvalidPointError(f"time {value!r} has an unsupported datetime64 unit")
    count, unit = match.groups()
    if unit in ("Y", "M"):  # calendar units: let numpy place them on days
        value = value.astype("M8[D]")
        unit, count = "D", ""
    num, den = NUMPY_UNIT_NANOS[unit]
    return int(value.astype("int64")) * (int(count) if count else 1) * num // den


def _absolute_nanos(value: Any) -> int:
    """Nanoseconds since the epoch of any absolute time value; error for anything else."""
    if isinstance(value, str):
        return parse_rfc3339(value)
    if isinstance(value, datetime):
        return _datetime_nanos(value)
    dtype = getattr(value, "dtype", None)
    if getattr(dtype, "kind", None) == "M":
        return _numpy_datetime_nanos(value)
    if isinstance(value, date):
        raise InfluxDBInvalidPointError(
            f"time {value!r} is a date, not a datetime; pass a datetime to say which instant")
    raise InfluxDBInvalidPointError(
        f"time {value!r} ({type(value).__name__}) is not an int, datetime, "
        "numpy.datetime64, pandas.Timestamp or RFC3339 string")


def is_time_value(value: Any) -> bool:
    """Whether ``value`` is an instant or a day: a ``date``, ``datetime``, ``pandas.Timestamp``
    (``NaT`` too) or ``numpy.datetime64``."""
    return isinstance(value, date) or getattr(getattr(value, "dtype", None), "kind", None) == "M"


def time_as_rfc3339(value: Any) -> str:
    """An instant as the RFC3339 text InfluxDB's answers use, every nanosecond kept.

    :param value: a ``datetime`` (naive = UTC), ``pandas.Timestamp``, ``numpy.datetime64``,
        or a ``date`` (its midnight UTC)
    :returns: e.g. ``'2024-01-01T00:00:00.000000001Z'``
    :raises InfluxDBInvalidPointError: for ``NaT`` and for other types
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return format_rfc3339(_absolute_nanos(value))


def to_epoch(value: Any, precision: Optional[str]) -> int:
    """Convert a point's time to the integer written in line protocol.

    :param value: a plain integer (already in ``precision``; numpy integers too), an
        :class:`EpochNanos`, a ``datetime`` (naive = UTC), ``pandas.Timestamp``,
        ``numpy.datetime64`` or RFC3339 string
    :param precision: the write's precision (``None`` = nanoseconds; ``'ns'``/``'us'`` too)
    :returns: the time in ``precision``, absolute times floored to it
    :raises InfluxDBInvalidPointError: for other types (float, bool, date, NaT, None, ...),
        unparsable strings, and times InfluxDB cannot store
    """
    return _to_epoch(value, _range_for(precision))


def _to_epoch(value: Any, unit: tuple[int, int, int]) -> int:
    """:func:`to_epoch` with the precision already looked up in ``_RANGE``."""
    factor, low, high = unit
    result: int
    kind = type(value)
    if kind is int:
        result = value
    elif kind is EpochNanos:
        result = int(value) // factor
    elif kind is datetime:
        result = _datetime_nanos(value) // factor
    elif kind is str:
        result = parse_rfc3339(value) // factor
    elif isinstance(value, (bool, float)):
        raise InfluxDBInvalidPointError(
            f"time {value!r} is a {'bool' if isinstance(value, bool) else 'float'}; "
            "use an int, datetime or RFC3339 string")
    elif isinstance(value, EpochNanos):
        result = int(value) // factor
    elif isinstance(value, int):  # int subclasses other than bool (IntEnum, ...)
        result = int(value)
    elif getattr(getattr(value, "dtype", None), "kind", None) in ("i", "u"):
        result = int(value)  # numpy integers: taken as in `precision`, like int
    else:
        result = _absolute_nanos(value) // factor
    if low <= result <= high:
        return result
    raise InfluxDBInvalidPointError(
        f"time {value!r} is outside the range InfluxDB can store "
        f"({format_rfc3339(MIN_NANOS)} to {format_rfc3339(MAX_NANOS)})")


# -- RFC3339 text -> nanoseconds -------------------------------------------------------------
# RFC 3339 section 5.6: date-fullyear "-" date-month "-" date-mday "T" time-hour ":"
# time-minute ":" time-second [time-secfrac] time-offset.  The first 19 characters (date and
# time of day) repeat from point to point, so their value in seconds is cached.
_HEAD = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)\Z", re.ASCII)
_TAIL = re.compile(r"(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))?\Z", re.ASCII)
_HEAD_CACHE: dict[str, int] = {}
_CACHE_LIMIT = 4096


def _head_seconds(head: str) -> Optional[int]:
    match = _HEAD.match(head)
    if match is None:
        return None
    year, month, day, hour, minute, second = map(int, match.groups())
    if hour > 23 or minute > 59 or second > 59:
        return None
    try:
        days = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        return None
    seconds = days * 86400 + hour * 3600 + minute * 60 + second
    if len(_HEAD_CACHE) >= _CACHE_LIMIT:
        _HEAD_CACHE.clear()
    _HEAD_CACHE[head] = seconds
    return seconds


def parse_rfc3339(text: str) -> int:
    """Parse an RFC3339 date-time to nanoseconds since the epoch, exactly.

    Accepts any number of fractional digits (beyond nine they are floored away), ``Z`` or
    a ``+hh:mm``/``-hh:mm`` offset, and no offset at all (UTC).  Other ISO 8601 forms that
    :meth:`datetime.fromisoformat` understands are accepted too (microsecond precision).

    :param text: the date-time
    :returns: nanoseconds since 1970-01-01T00:00:00Z
    :raises InfluxDBInvalidPointError: when the text is not a date-time
    """
    head = text[:19]
    seconds = _HEAD_CACHE.get(head)
    if seconds is None:
        seconds = _head_seconds(head)
    if seconds is not None:
        tail = text[19:]
        if tail == "Z" or not tail:
            return seconds * 1_000_000_000
        digits = tail[1:-1]
        if tail[0] == "." and tail[-1] == "Z" and digits.isdigit() and digits.isascii():
            return seconds * 1_000_000_000 + int(digits[:9].ljust(9, "0"))  # ".123Z"
        match = _TAIL.match(tail)
        if match is not None:
            fraction, _zulu, sign, off_hours, off_minutes = match.groups()
            nanos = seconds * 1_000_000_000
            if fraction:
                nanos += int(fraction[:9].ljust(9, "0"))
            if sign:
                if int(off_hours) > 23 or int(off_minutes) > 59:
                    raise InfluxDBInvalidPointError(f"time {text!r} has an invalid UTC offset")
                offset = (int(off_hours) * 3600 + int(off_minutes) * 60) * 1_000_000_000
                nanos += -offset if sign == "+" else offset
            return nanos
    return _parse_iso_fallback(text)


def _parse_iso_fallback(text: str) -> int:
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InfluxDBInvalidPointError(
            f"time {text!r} is not an RFC3339 date-time (like '2019-07-10T16:51:22.026253Z')"
        ) from None
    return _datetime_nanos(value)


# -- nanoseconds -> RFC3339 text -------------------------------------------------------------
# The strings InfluxDB's JSON answers carry: Go's time.RFC3339Nano in UTC, i.e. 'Z', the
# fraction with trailing zeros removed and no '.' at all when it is zero.  Query answers
# decoded from msgpack go through here once per value, so the text of each second is cached
# (cleared when full: times come in runs), and so are the first fractions seen (kept once
# full: millisecond-aligned data has only a thousand of them).
_SECOND_CACHE: dict[int, str] = {}
_DAY_CACHE: dict[int, str] = {}
_FRACTION_CACHE: dict[int, str] = {}
_TWO_DIGITS = [f"{number:02d}" for number in range(60)]


def _second_text(seconds: int) -> str:
    days, second_of_day = divmod(seconds, 86400)
    day = _DAY_CACHE.get(days)
    if day is None:
        day = date.fromordinal(days + _EPOCH_ORDINAL).isoformat() + "T"
        if len(_DAY_CACHE) >= _CACHE_LIMIT:
            _DAY_CACHE.clear()
        _DAY_CACHE[days] = day
    hours, rest = divmod(second_of_day, 3600)
    minutes, second = divmod(rest, 60)
    text = f"{day}{_TWO_DIGITS[hours]}:{_TWO_DIGITS[minutes]}:{_TWO_DIGITS[second]}"
    if len(_SECOND_CACHE) >= 65536:
        _SECOND_CACHE.clear()
    _SECOND_CACHE[seconds] = text
    return text


def _fraction_text(fraction: int) -> str:
    text = ("." + str(fraction + 1_000_000_000)[1:]).rstrip("0") + "Z"
    if len(_FRACTION_CACHE) < 65536:
        _FRACTION_CACHE[fraction] = text
    return text


def format_rfc3339(nanos: int) -> str:
    """Format nanoseconds since the epoch as InfluxDB's JSON answers do.

    :param nanos: nanoseconds since 1970-01-01T00:00:00Z (negative before)
    :returns: e.g. ``'2019-07-10T16:51:22.02625Z'``, ``'2019-07-10T16:51:22Z'``
    """
    seconds, fraction = divmod(nanos, 1_000_000_000)
    text = _SECOND_CACHE.get(seconds)
    if text is None:
        text = _second_text(seconds)
    if fraction:
        return text + (_FRACTION_CACHE.get(fraction) or _fraction_text(fraction))
    return text + "Z"
