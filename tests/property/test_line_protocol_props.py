"""Round trips: random points -> make_line(s) -> the server's parsing rules -> the same point.

``tests/_lp_parser.py`` reads text the way influxd 1.6 does.  Points the encoder refuses
must be exactly those an independent statement of the rules (``refusal`` below) calls
unrepresentable, so refusing everything cannot pass.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influxdb._core.times import (
    EPOCH,
    MAX_NANOS,
    MIN_NANOS,
    NANOS_PER,
    EpochNanos,
    format_rfc3339,
    parse_rfc3339,
    to_epoch,
)
from influxdb.exceptions import InfluxDBInvalidPointError
from influxdb.line_protocol import make_line, make_lines
from tests._lp_parser import ParsedPoint, parse, parse_line

SETTINGS = settings(max_examples=300, deadline=None)

# Characters that matter to the grammar, plus ordinary and non-ASCII ones.
# (ordinary letters repeated so that about half the points can be written)
names = st.text(st.sampled_from(list('abcdefghij, ="\\#\t\r\x00é😀') + ["\n"]),
                min_size=1, max_size=8)
plain_names = st.text(st.sampled_from(list("abcXYZ09_-.:é😀")), min_size=1, max_size=8)
field_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_infinity=False), st.text(max_size=10),
    st.text(st.sampled_from(list('ab "\\\n\r,=')), max_size=8),
)
times = st.one_of(st.none(), st.integers(MIN_NANOS, MAX_NANOS))


def _odd_run_before(text: str, chars: str) -> bool:
    return any(len(run) % 2 for run in re.findall(r"(\\+)[" + re.escape(chars) + "]", text))


def refusal(measurement: str, tags: dict[str, Optional[str]],
            fields: dict[str, Any]) -> Optional[str]:
    """Why the server could not store this point as given (None: it can)."""
    if not measurement or "\n" in measurement or measurement[0] in "#\t\x00":
        return "measurement"
    if "\r" in measurement or "\x00" in measurement:
        return "measurement InfluxQL cannot name"  # it could never be dropped
    if measurement.endswith("\\") or re.search(r'\\[, ="]', measurement):
        return "measurement backslash"
    for key, value in tags.items():
        if not value:
            continue
        if not key or key == "time":
            return "tag key"
        for text in (key, value):
            if "\n" in text or text.endswith("\\") or _odd_run_before(text, " "):
                return "tag text"
    kept = sorted(key for key, value in fields.items()
                  if value is not None and not (isinstance(value, float) and math.isnan(value)))
    for key in fields:
        if not key or key == "time" or "\n" in key or key.endswith("\\"):
            return "field key"
        if _odd_run_before(key, ", ="):
            return "field key backslash"
    if not kept:
        return "no fields"
    if kept[0][0] in "\t\x00":
        return "leading blank"
    return None


def expected_point(measurement: str, tags: dict[str, Optional[str]], fields: dict[str, Any],
                   time: Optional[int]) -> ParsedPoint:
    return ParsedPoint(
        measurement,
        {key: value for key, value in tags.items() if value},
        {key: value for key, value in fields.items()
         if value is not None and not (isinstance(value, float) and math.isnan(value))},
        time)


@SETTINGS
@given(names, st.dictionaries(names, st.one_of(st.none(), names), max_size=3),
       st.dictionaries(names, field_values, min_size=1, max_size=3), times)
def test_round_trip_or_refusal(measurement: str, tags: dict[str, Optional[str]],
                               fields: dict[str, Any], time: Optional[int]) -> None:
    reason = refusal(measurement, tags, fields)
    try:
        text = make_line(measurement, tags, fields, time)
    except InfluxDBInvalidPointError:
        assert reason is not None
        return
    assert reason is None, (reason, text)
    assert parse_line(text) == expected_point(measurement, tags, fields, time)


@SETTINGS
@given(st.lists(st.tuples(plain_names, st.dictionaries(plain_names, plain_names, max_size=3),
                          st.dictionaries(plain_names, field_values, min_size=1, max_size=4),
                          times), min_size=1, max_size=5))
def test_make_lines_round_trip(points: list[Any]) -> None:
    # Names without special characters are never refused; string values with newlines and
    # quotes must not disturb the line splitting.
    dicts = [{"measurement": m, "tags": t, "fields": f, "time": when}
             for m, t, f, when in points]
    expected = [expected_point(m, t, f, when) for m, t, f, when in points]
    if any(not point.fields for point in expected):
        return
    assert parse(make_lines({"points": dicts})) == expected


@SETTINGS
@given(st.integers(MIN_NANOS, MAX_NANOS))
def test_rfc3339_round_trip(nanos: int) -> None:
    text = format_rfc3339(nanos)
    assert parse_rfc3339(text) == nanos
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z", text)


@SETTINGS
@given(st.integers(MIN_NANOS, MAX_NANOS), st.sampled_from(list(NANOS_PER)))
def test_epoch_nanos_floor(nanos: int, precision: str) -> None:
    expected = nanos // NANOS_PER[precision]
    if expected * NANOS_PER[precision] < MIN_NANOS:  # floored out of the storable range
        with pytest.raises(InfluxDBInvalidPointError, match="outside the range"):
            to_epoch(EpochNanos(nanos), precision)
    else:
        assert to_epoch(EpochNanos(nanos), precision) == expected


@SETTINGS
@given(st.datetimes(min_value=datetime(1677, 9, 22), max_value=datetime(2262, 4, 10)),
       st.one_of(st.none(), st.integers(-1439, 1439).map(
           lambda minutes: timezone(timedelta(minutes=minutes)))),
       st.sampled_from(list(NANOS_PER)))
def test_datetimes_exact(value: datetime, zone: Optional[timezone], precision: str) -> None:
    aware = value.replace(tzinfo=zone or timezone.utc)
    nanos = (aware - EPOCH) // timedelta(microseconds=1) * 1000  # exact timedelta arithmetic
    expected = nanos // NANOS_PER[precision]
    assert to_epoch(value.replace(tzinfo=zone), precision) == expected
    assert parse_rfc3339(aware.isoformat()) // NANOS_PER[precision] == expected
