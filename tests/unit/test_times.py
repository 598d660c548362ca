"""influxdb._core.times: precisions, conversion to epoch integers, RFC3339 both ways."""

from __future__ import annotations

import sys
import warnings
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, Optional

import numpy as np
import pandas as pd
import pytest

from influxdb._core import times
from influxdb._core.times import (
    EPOCH,
    MAX_NANOS,
    MIN_NANOS,
    NANOS_PER,
    PRECISIONS,
    EpochNanos,
    format_rfc3339,
    normalize_precision,
    parse_rfc3339,
    to_epoch,
)
from influxdb.exceptions import InfluxDBClientError, InfluxDBInvalidPointError

PRECISION_MESSAGE = "Invalid time precision is given. (use 'n', 'u', 'ms', 's', 'm' or 'h')"
# 2019-07-10T16:51:22.026253123Z
T_NS = 1562777482026253123
CET = timezone(timedelta(hours=1))


def test_constants() -> None:
    assert PRECISIONS == ("n", "u", "ms", "s", "m", "h")
    assert NANOS_PER == {"n": 1, "u": 1000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
                         "h": 3600 * 10**9}
    assert EPOCH == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert EPOCH.utcoffset() == timedelta(0)


@pytest.mark.parametrize(("given", "expected"), [
    (None, None), ("n", "n"), ("ns", "n"), ("u", "u"), ("us", "u"), ("ms", "ms"), ("s", "s"),
    ("m", "m"), ("h", "h"),
])
def test_normalize_precision(given: Optional[str], expected: Optional[str]) -> None:
    assert normalize_precision(given) == expected


@pytest.mark.parametrize("given", ["", "x", "S", "sec", "µs", "d", 1, ["s"]])
def test_normalize_precision_refuses(given: Any) -> None:
    with pytest.raises(InfluxDBInvalidPointError) as info:
        normalize_precision(given)
    assert str(info.value) == PRECISION_MESSAGE
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, InfluxDBClientError)


def test_epoch_nanos_is_an_int() -> None:
    value = EpochNanos(5)
    assert value == 5 and isinstance(value, int)


# -- integers ------------------------------------------------------------------------------

@pytest.mark.parametrize("precision", [None, "n", "u", "ms", "s", "m", "h", "ns", "us"])
@pytest.mark.parametrize("value", [0, 1, -1, 1562777, np.int64(1562777), np.uint32(7),
                                   np.int8(-3)])
def test_plain_integers_are_taken_as_in_the_precision(value: Any, precision: str) -> None:
    result = to_epoch(value, precision)
    assert result == int(value) and type(result) is int


@pytest.mark.parametrize(("precision", "expected"), [
    (None, T_NS), ("n", T_NS), ("u", 1562777482026253), ("ms", 1562777482026),
    ("s", 1562777482), ("m", 26046291), ("h", 434104),
])
def test_epoch_nanos_are_floored_to_the_precision(precision: Optional[str], expected: int) -> None:
    assert to_epoch(EpochNanos(T_NS), precision) == expected


@pytest.mark.parametrize(("precision", "expected"), [
    ("n", -1), ("u", -1), ("ms", -1), ("s", -1), ("m", -1), ("h", -1),
])
def test_epoch_nanos_floor_before_1970(precision: str, expected: int) -> None:
    assert to_epoch(EpochNanos(-1), precision) == expected


# -- datetimes -----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "precision", "expected"), [
    (datetime(2019, 7, 10, 16, 51, 22, 26253), None, 1562777482026253000),
    (datetime(2019, 7, 10, 16, 51, 22, 26253), "n", 1562777482026253000),
    (datetime(2019, 7, 10, 16, 51, 22, 26253), "u", 1562777482026253),
    (datetime(2019, 7, 10, 16, 51, 22, 26253), "ms", 1562777482026),
    (datetime(2019, 7, 10, 16, 51, 22, 26253), "s", 1562777482),
    (datetime(2019, 7, 10, 16, 51, 22, 26253), "m", 26046291),
    (datetime(2019, 7, 10, 16, 51, 22, 26253), "h", 434104),
    # aware: converted to UTC
    (datetime(2019, 7, 10, 17, 51, 22, 26253, tzinfo=CET), "u", 1562777482026253),
    (datetime(2019, 7, 10, 16, 51, 22, tzinfo=timezone.utc), "s", 1562777482),
    (datetime(2019, 7, 10, 10, 51, 22, tzinfo=timezone(timedelta(hours=-6))), "s", 1562777482),
    # offsets with seconds and microseconds (allowed since Python 3.7)
    (datetime(1970, 1, 1, 0, 0, 1, 1, tzinfo=timezone(timedelta(seconds=1, microseconds=1))),
     "n", 0),
    # before 1970: floored, not truncated toward zero
    (datetime(1969, 12, 31, 23, 59, 59, 500000), "s", -1),
    (datetime(1969, 12, 31, 23, 59, 59, 500000), "ms", -500),
    (datetime(1969, 12, 31, 23, 59, 30), "m", -1),
    (datetime(1969, 12, 31, 23, 0, 0), "h", -1),
    (datetime(1969, 12, 31, 22, 59, 59, 999999), "h", -2),
    (datetime(1677, 9, 21, 0, 12, 43, 145225), "n", -9223372036854775000),
    (datetime(2262, 4, 11, 23, 47, 16, 854775), "n", 9223372036854775000),
    (EPOCH, "n", 0),
    (datetime(1970, 1, 1), "h", 0),
])
def test_datetimes(value: datetime, precision: Optional[str], expected: int) -> None:
    assert to_epoch(value, precision) == expected


class NoOffset(tzinfo):
    def utcoffset(self, dt: Optional[datetime]) -> None:
        return None


def test_tzinfo_without_offset_is_naive() -> None:
    assert to_epoch(datetime(1970, 1, 1, 0, 0, 1, tzinfo=NoOffset()), "s") == 1


@pytest.mark.parametrize(("value", "precision", "expected"), [
    (pd.Timestamp("2019-07-10T16:51:22.026253123"), None, T_NS),
    (pd.Timestamp("2019-07-10T16:51:22.026253123Z"), "n", T_NS),
    (pd.Timestamp("2019-07-10T18:51:22.026253123+02:00"), "n", T_NS),
    (pd.Timestamp("2019-07-10T16:51:22.026253123", tz="UTC").tz_convert("Asia/Tokyo"), "n",
     T_NS),
    (pd.Timestamp("2019-07-10T16:51:22.026253123"), "u", 1562777482026253),
    (pd.Timestamp("2019-07-10T16:51:22.026253123"), "s", 1562777482),
    (pd.Timestamp("2019-07-10T16:51:22").as_unit("s"), "n", 1562777482000000000),
    (pd.Timestamp("2019-07-10T16:51:22.026").as_unit("ms"), "ms", 1562777482026),
    (pd.Timestamp("2019-07-10T16:51:22.026253").as_unit("us"), "n", 1562777482026253000),
    (pd.Timestamp("1969-12-31T23:59:59.999999999"), "n", -1),
    (pd.Timestamp("1969-12-31T23:59:59.999999999"), "u", -1),
    (pd.Timestamp("1969-12-31T23:59:59.999999999"), "s", -1),
])
def test_pandas_timestamps_keep_their_nanoseconds(value: Any, precision: Optional[str],
                                                  expected: int) -> None:
    assert to_epoch(value, precision) == expected


@pytest.mark.parametrize(("value", "precision", "expected"), [
    (np.datetime64("2019-07-10T16:51:22.026253123", "ns"), None, T_NS),
    (np.datetime64("2019-07-10T16:51:22.026253123", "ns"), "ms", 1562777482026),
    (np.datetime64("2019-07-10T16:51:22.026253", "us"), "n", 1562777482026253000),
    (np.datetime64("2019-07-10T16:51:22.026", "ms"), "n", 1562777482026000000),
    (np.datetime64("2019-07-10T16:51:22", "s"), "s", 1562777482),
    (np.datetime64("2019-07-10T16:51", "m"), "s", 1562777460),
    (np.datetime64("2019-07-10T16", "h"), "h", 434104),
    (np.datetime64("2019-07-10", "D"), "s", 1562716800),
    (np.datetime64("2019-07", "M"), "s", 1561939200),
    (np.datetime64("2019", "Y"), "s", 1546300800),
    (np.datetime64("1970-01-08", "W"), "s", 604800),
    (np.datetime64(1500, "ps"), "n", 1),
    (np.datetime64(-1, "ps"), "n", -1),
    (np.datetime64(-1, "ns"), "s", -1),
    (np.datetime64(3, "10ms"), "ms", 30),
])
def test_numpy_datetime64(value: Any, precision: Optional[str], expected: int) -> None:
    assert to_epoch(value, precision) == expected


# -- strings -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("2019-07-10T16:51:22.026253123Z", T_NS),
    ("2019-07-10T16:51:22.026253Z", 1562777482026253000),
    ("2019-07-10T16:51:22.02625Z", 1562777482026250000),
    ("2019-07-10T16:51:22.0Z", 1562777482000000000),
    ("2019-07-10T16:51:22Z", 1562777482000000000),
    ("2019-07-10t16:51:22z", 1562777482000000000),
    ("2019-07-10 16:51:22Z", 1562777482000000000),
    ("2019-07-10T16:51:22", 1562777482000000000),
    ("2019-07-10T16:51:22.026253123", T_NS),
    ("2019-07-10T18:51:22.026253123+02:00", T_NS),
    ("2019-07-10T16:21:22.026253123-00:30", T_NS),
    ("2019-07-10T16:51:22.026253123+00:00", T_NS),
    ("2019-07-10T16:51:22.0262531239999Z", T_NS),  # beyond nanoseconds: floored
    ("1970-01-01T00:00:00.000000001Z", 1),
    ("1969-12-31T23:59:59.999999999Z", -1),
    ("1677-09-21T00:12:43.145224194Z", MIN_NANOS),
    ("2262-04-11T23:47:16.854775806Z", MAX_NANOS),
    ("2000-02-29T00:00:00Z", 951782400 * 10**9),
    # other ISO forms, through datetime.fromisoformat
    ("2019-07-10", 1562716800 * 10**9),
    ("2019-07-10T16:51", 1562777460 * 10**9),
])
def test_parse_rfc3339(text: str, expected: int) -> None:
    assert parse_rfc3339(text) == expected


@pytest.mark.parametrize("text", [
    "", "now", "2019-07-10T16:51:22X", "2019-13-10T16:51:22Z", "2019-02-30T00:00:00Z",
    "2019-07-10T24:00:00Z", "2019-07-10T16:60:00Z", "2019-07-10T16:51:60Z",
    "2019-07-10T16:51:22.12aZ", "2019-07-10T16:51:22+24:00",
    "2019-07-10T16:51:22+01:60", "2019-07-10T16:51:22.١٢٣Z", "١٢٣٤-07-10T16:51:22Z",
    "Jul 10 2019", "1562777482",
])
def test_parse_rfc3339_refuses(text: str) -> None:
    with pytest.raises(InfluxDBInvalidPointError, match="time .* (is not an RFC3339 date-time|"
                                                         "has an invalid UTC offset)"):
        parse_rfc3339(text)


@pytest.mark.parametrize(("text", "precision", "expected"), [
    ("2019-07-10T16:51:22.026253123Z", "n", T_NS),
    ("2019-07-10T16:51:22.026253123Z", "u", 1562777482026253),
    ("2019-07-10T16:51:22.026253123Z", "ms", 1562777482026),
    ("2019-07-10T16:51:22.026253123Z", "s", 1562777482),
    ("2019-07-10T16:51:22.026253123Z", "m", 26046291),
    ("2019-07-10T16:51:22.026253123Z", "h", 434104),
    ("1969-12-31T23:59:59.5Z", "s", -1),
])
def test_strings_to_epoch(text: str, precision: str, expected: int) -> None:
    assert to_epoch(text, precision) == expected


# -- refused -------------------------------------------------------------------------------

with warnings.catch_warnings():  # numpy 2.5 deprecates the generic unit; callers may still have it
    warnings.simplefilter("ignore", DeprecationWarning)
    GENERIC_NAT = np.datetime64("NaT")


@pytest.mark.parametrize(("value", "message"), [
    (1.5, "time 1.5 is a float; use an int, datetime or RFC3339 string"),
    (float("nan"), "time nan is a float; use an int, datetime or RFC3339 string"),
    (True, "time True is a bool; use an int, datetime or RFC3339 string"),
    (None, "time None (NoneType) is not an int, datetime, numpy.datetime64, pandas.Timestamp "
           "or RFC3339 string"),
    (Decimal("1"), "time Decimal('1') (Decimal) is not an int, datetime, numpy.datetime64, "
                   "pandas.Timestamp or RFC3339 string"),
    ([1], "time [1] (list) is not an int, datetime, numpy.datetime64, pandas.Timestamp or "
          "RFC3339 string"),
    (date(2019, 7, 10), "time datetime.date(2019, 7, 10) is a date, not a datetime; pass a "
                        "datetime to say which instant"),
    (pd.NaT, "time NaT is not a time (NaT)"),
    # numpy's reprs differ between 1.x and 2.x (``1.0`` / ``np.float64(1.0)``): the messages
    # quote the value's own repr
    (GENERIC_NAT, f"time {GENERIC_NAT!r} is not a time (NaT)"),
    (np.datetime64("NaT", "ns"), f"time {np.datetime64('NaT', 'ns')!r} is not a time (NaT)"),
    (np.float64(1.0), f"time {np.float64(1.0)!r} is a float; use an int, datetime or RFC3339 "
                      "string"),
    (np.bool_(True), f"time {np.bool_(True)!r} ({np.bool_.__name__}) is not an int, "
                     "datetime, numpy.datetime64, pandas.Timestamp or RFC3339 string"),
    (np.timedelta64(1, "s"), f"time {np.timedelta64(1, 's')!r} (timedelta64) is not an int, "
                             "datetime, numpy.datetime64, pandas.Timestamp or RFC3339 string"),
    (pd.NA, "time <NA> (NAType) is not an int, datetime, numpy.datetime64, pandas.Timestamp "
            "or RFC3339 string"),
])
def test_refused_times(value: Any, message: str) -> None:
    with pytest.raises(InfluxDBInvalidPointError) as info:
        to_epoch(value, "s")
    assert str(info.value) == message


RANGE = "(1677-09-21T00:12:43.145224194Z to 2262-04-11T23:47:16.854775806Z)"


@pytest.mark.parametrize(("value", "precision"), [
    (MAX_NANOS + 1, "n"), (MIN_NANOS - 1, "n"), (9223372037, "s"), (-9223372037, "s"),
    (2**70, None), (EpochNanos(MAX_NANOS + 1), "n"), (datetime(2262, 4, 12), "n"),
    (datetime(1, 1, 1), "s"), ("9999-12-31T23:59:59Z", "h"), (153722868, "m"),
    # MIN_NANOS floored to seconds is -9223372037 s, which the server refuses
    (EpochNanos(MIN_NANOS), "s"),
])
def test_out_of_range(value: Any, precision: Optional[str]) -> None:
    with pytest.raises(InfluxDBInvalidPointError) as info:
        to_epoch(value, precision)
    assert str(info.value) == f"time {value!r} is outside the range InfluxDB can store {RANGE}"


@pytest.mark.parametrize(("value", "precision"), [
    (MAX_NANOS, "n"), (MIN_NANOS, "n"), (9223372036, "s"), (-9223372036, "s"),
    (153722867, "m"), (-153722867, "m"), (2562047, "h"), (-2562047, "h"),
])
def test_range_bounds_are_inclusive(value: int, precision: str) -> None:
    assert to_epoch(value, precision) == value


# -- formatting ----------------------------------------------------------------------------

@pytest.mark.parametrize(("nanos", "text"), [
    (0, "1970-01-01T00:00:00Z"),
    (1, "1970-01-01T00:00:00.000000001Z"),
    (-1, "1969-12-31T23:59:59.999999999Z"),
    (1562777482026250000, "2019-07-10T16:51:22.02625Z"),
    (1562777482026253000, "2019-07-10T16:51:22.026253Z"),
    (1562777482000000000, "2019-07-10T16:51:22Z"),
    (1562777482100000000, "2019-07-10T16:51:22.1Z"),
    (T_NS, "2019-07-10T16:51:22.026253123Z"),
    (-10**9, "1969-12-31T23:59:59Z"),
    (-86400 * 10**9, "1969-12-31T00:00:00Z"),
    (MIN_NANOS, "1677-09-21T00:12:43.145224194Z"),
    (MAX_NANOS, "2262-04-11T23:47:16.854775806Z"),
    (951782400 * 10**9 + 86399 * 10**9, "2000-02-29T23:59:59Z"),
])
def test_format_rfc3339(nanos: int, text: str) -> None:
    assert format_rfc3339(nanos) == text
    assert format_rfc3339(nanos) == text  # cached the second time
    assert parse_rfc3339(text) == nanos


def test_format_rfc3339_caches_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(times, "_SECOND_CACHE", {})
    monkeypatch.setattr(times, "_FRACTION_CACHE", {})
    for second in range(70_000):
        format_rfc3339(second * 10**9 + second + 1)
    assert 0 < len(times._SECOND_CACHE) <= 65536
    assert len(times._FRACTION_CACHE) == 65536
    assert format_rfc3339(69_999 * 10**9 + 70_000) == "1970-01-01T19:26:39.00007Z"


def test_parse_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(times, "_HEAD_CACHE", {})
    for second in range(5000):
        text = format_rfc3339(second * 10**9)
        assert parse_rfc3339(text) == second * 10**9
    assert 0 < len(times._HEAD_CACHE) <= 4096


def test_no_pandas_import() -> None:
    assert "pandas" in sys.modules  # imported by this test module, not by times
    with open(times.__file__, encoding="utf-8") as module:
        source = module.read()
    assert "import pandas" not in source and "import numpy" not in source
