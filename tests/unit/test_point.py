"""The Point builder and record mapping (influxdb.point)."""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, NamedTuple, Optional

import numpy as np
import pandas as pd
import pytest

from influxdb._core.times import EpochNanos
from influxdb.exceptions import InfluxDBInvalidPointError
from influxdb.point import Point, RecordMapping, points_from_records

T = 1_700_000_000  # 2023-11-14T22:13:20Z, seconds
# Wrong types on purpose, typed Any so that the type checker lets them through.
NONE: Any = None
ONE: Any = 1
ONE_AND_A_HALF: Any = 1.5


def test_builder_chains_and_encodes() -> None:
    point = Point("cpu").tag("host", "a").tag("region", "eu").field("load", 0.5).field(
        "cores", 8).field("up", True).field("name", 'x"y').time(T, "s")
    assert point.to_line_protocol() == (
        'cpu,host=a,region=eu cores=8i,load=0.5,name="x\\"y",up=True 1700000000000000000')


@pytest.mark.parametrize(
    ("precision", "line"),
    [(None, "m v=1i 1700000000000000000"), ("n", "m v=1i 1700000000000000000"),
     ("u", "m v=1i 1700000000000000"), ("ms", "m v=1i 1700000000000"),
     ("s", "m v=1i 1700000000"), ("m", "m v=1i 28333333"), ("h", "m v=1i 472222")],
)
def test_an_int_time_with_a_precision_is_an_absolute_instant(precision: Optional[str],
                                                            line: str) -> None:
    assert Point("m").field("v", 1).time(T, "s").to_line_protocol(precision) == line


@pytest.mark.parametrize(
    ("value", "unit", "nanos"),
    [(5, "n", 5), (5, "ns", 5), (5, "u", 5_000), (5, "us", 5_000), (5, "ms", 5_000_000),
     (5, "s", 5_000_000_000), (5, "m", 300_000_000_000), (5, "h", 18_000_000_000_000),
     (np.int64(7), "s", 7_000_000_000), (-1, "s", -1_000_000_000)],
)
def test_int_time_with_precision_is_kept_in_nanoseconds(value: Any, unit: str,
                                                        nanos: int) -> None:
    stamp = Point("m").field("v", 1).time(value, unit).timestamp
    assert (type(stamp), stamp) == (EpochNanos, nanos)


def test_an_int_time_without_precision_is_in_the_write_precision() -> None:
    point = Point("m").field("v", 1).time(T)
    assert (type(point.timestamp), point.timestamp) == (int, T)
    assert point.to_line_protocol("s") == "m v=1i 1700000000"


@pytest.mark.parametrize(
    "when",
    [
        datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc),
        datetime(2023, 11, 14, 22, 13, 20),  # naive = UTC
        datetime(2023, 11, 15, 0, 13, 20, tzinfo=timezone(timedelta(hours=2))),
        "2023-11-14T22:13:20Z",
        pd.Timestamp("2023-11-14T22:13:20Z"),
        np.datetime64("2023-11-14T22:13:20", "ns"),
    ],
)
def test_absolute_times(when: Any) -> None:
    assert Point("m").field("v", 1.0).time(when).to_line_protocol("s") == "m v=1.0 1700000000"


def test_nanoseconds_survive() -> None:
    point = Point("m").field("v", 1).time(pd.Timestamp("2023-11-14T22:13:20.123456789Z"))
    assert point.to_line_protocol() == "m v=1i 1700000000123456789"


def test_time_none_clears() -> None:
    point = Point("m", fields={"v": 1}, time=T, precision="s").time(None)
    assert (point.timestamp, point.to_line_protocol()) == (None, "m v=1i")


def test_constructor_arguments() -> None:
    point = Point("m", tags={"b": 2, "a": "x"}, fields={"v": 1.5, "skip": None}, time=T,
                  precision="s")
    assert (point.name, point.tags, point.fields, point.timestamp) == (
        "m", {"b": "2", "a": "x"}, {"v": 1.5}, T * 10**9)
    assert Point.measurement("m").field("v", 1) == Point("m", fields={"v": 1})


def test_empty_tags_are_left_out_and_none_removes() -> None:
    point = Point("m").tag("a", "1").tag("b", "").tag("c", None).tag("a", None).field("v", 1)
    assert point.tags == {}
    assert point.field("v", None).fields == {}


@pytest.mark.parametrize(
    ("value", "encoded"),
    [(1, "1i"), (True, "True"), (1.25, "1.25"), ("s", '"s"'), (b"b", '"b"'),
     (np.int64(3), "3i"), (np.float32(0.5), "0.5"), (np.bool_(False), "False"),
     (Decimal("2.5"), "2.5")],
)
def test_field_value_types(value: Any, encoded: str) -> None:
    assert Point("m").field("v", value).to_line_protocol() == f"m v={encoded}"


def test_nan_is_kept_by_the_builder_and_left_out_when_encoded() -> None:
    point = Point("m").field("a", float("nan")).field("b", 1)
    assert point.to_line_protocol() == "m b=1i"


@pytest.mark.parametrize("nan", [float("nan"), np.nan, np.float64("nan"), np.float32("nan"),
                                 Decimal("NaN")], ids=repr)
def test_a_nan_tag_removes_the_tag_as_none_does(nan: Any) -> None:
    point = Point("m", tags={"a": nan, "b": "x"}).tag("c", "y").tag("c", nan).field("v", 1)
    assert point.tags == {"b": "x"}
    assert point.to_line_protocol() == "m,b=x v=1i"


def test_carriage_returns_and_nul_in_tags_and_field_keys_are_kept_as_dicts_keep_them() -> None:
    # influxd stores them exactly (tests/integration); only the measurement cannot hold them
    point = Point("m").tag("k\r", "v\x00").field("f\x00", 1).field("g\r", "s\r\x00")
    assert point.to_line_protocol() == 'm,k\r=v\x00 f\x00=1i,g\r="s\r\x00"'


def test_names_checked_once_are_remembered_and_still_refused_when_bad() -> None:
    for _ in range(2):
        assert Point("cpu").tag("host", "a").field("v", 1).to_line_protocol() == "cpu,host=a v=1i"
        with pytest.raises(InfluxDBInvalidPointError, match="ends with a backslash"):
            Point("cpu").tag("host", "a\\")


def test_the_builder_refuses_what_the_write_refuses() -> None:
    # one table of values: the write of a dict point and the builder raise the same class
    from influxdb.line_protocol import make_line

    for time in ["nope", 2**63, pd.NaT, datetime(1600, 1, 1)]:
        with pytest.raises(InfluxDBInvalidPointError):
            make_line("m", None, {"v": 1}, time)
        with pytest.raises(InfluxDBInvalidPointError):
            Point("m").time(time)
    for value in [2**63, b"\xff", "\udc00", Decimal("Infinity"), np.float32("-inf"), [1]]:
        with pytest.raises(InfluxDBInvalidPointError):
            make_line("m", None, {"v": value})
        with pytest.raises(InfluxDBInvalidPointError):
            Point("m").field("v", value)


def test_readers_return_copies() -> None:
    point = Point("m").tag("t", "1").field("v", 1)
    point.tags["t"] = "changed"
    point.fields["v"] = 99
    assert point.to_line_protocol() == "m,t=1 v=1i"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Point(""), "measurement must be a non-empty str, got '' (measurement '')"),
        (lambda: Point(NONE), "measurement must be a non-empty str, got None (measurement None)"),
        (lambda: Point("a\nb"), "measurement 'a\\nb' contains a new line (measurement 'a\\nb')"),
        (lambda: Point("m").tag("", "x"), "tag key must be a non-empty str, got '' "
                                          "(measurement 'm')"),
        (lambda: Point("m").tag(ONE, "x"), "tag key must be a non-empty str, got 1 "
                                           "(measurement 'm')"),
        (lambda: Point("m").tag("t", "a\nb"), "tag 't' contains a new line (measurement 'm')"),
        (lambda: Point("m").tag("t", ["x"]), "tag 't' must be a str or a number, got list "
                                             "(measurement 'm')"),
        (lambda: Point("m").field("", 1), "field key must be a non-empty str, got '' "
                                          "(measurement 'm')"),
        (lambda: Point("m").field("v", [1]), "field 'v' has a value of type list, which line "
                                             "protocol cannot hold (measurement 'm')"),
        (lambda: Point("m").field("v", {"a": 1}), "field 'v' has a value of type dict, which "
                                                  "line protocol cannot hold (measurement 'm')"),
        (lambda: Point("m").field("v", 1j), "field 'v' has a value of type complex, which line "
                                            "protocol cannot hold (measurement 'm')"),
        (lambda: Point("m").field("v", float("inf")), "field 'v' is inf; InfluxDB cannot store "
                                                      "infinity (measurement 'm')"),
        (lambda: Point("m").field("v", float("-inf")), "field 'v' is -inf; InfluxDB cannot "
                                                       "store infinity (measurement 'm')"),
        (lambda: Point("m").time(1.5), "time must be an int, datetime or RFC3339 str, got 1.5 "
                                       "(measurement 'm')"),
        (lambda: Point("m").time(True), "time must be an int, datetime or RFC3339 str, got True "
                                        "(measurement 'm')"),
        (lambda: Point("m").time(date(2023, 1, 1)), "time must be a datetime, not a date: "
                                                    "datetime.date(2023, 1, 1) (measurement 'm')"),
        (lambda: Point("m").time(object()), "time must be an int, datetime or RFC3339 str, got "
                                            "object (measurement 'm')"),
        (lambda: Point("m").time(5, "sec"), "unknown time precision 'sec' (use n, u, ms, s, m "
                                            "or h)"),
        # what a write of the same point would refuse, refused at the call (same class)
        (lambda: Point("m").time("nope"), "time 'nope' is not an RFC3339 date-time (like "
                                          "'2019-07-10T16:51:22.026253Z') (measurement 'm')"),
        (lambda: Point("m").time("2300-01-01T00:00:00Z"), "time '2300-01-01T00:00:00Z' is "
         "outside the range InfluxDB can store (1677-09-21T00:12:43.145224194Z to "
         "2262-04-11T23:47:16.854775806Z) (measurement 'm')"),
        (lambda: Point("m").time(2**63), "time 9223372036854775808 is outside the range "
         "InfluxDB can store (1677-09-21T00:12:43.145224194Z to "
         "2262-04-11T23:47:16.854775806Z) (measurement 'm')"),
        (lambda: Point("m").time(10**10, "s"), "time 10000000000000000000 is outside the range "
         "InfluxDB can store (1677-09-21T00:12:43.145224194Z to "
         "2262-04-11T23:47:16.854775806Z) (measurement 'm')"),
        (lambda: Point("m").time(datetime(1600, 1, 1)), "time datetime.datetime(1600, 1, 1, 0, "
         "0) is outside the range InfluxDB can store (1677-09-21T00:12:43.145224194Z to "
         "2262-04-11T23:47:16.854775806Z) (measurement 'm')"),
        (lambda: Point("m").time(pd.NaT), "time NaT is not a time (NaT) (measurement 'm')"),
        (lambda: Point("m", time="2019-13-01T00:00:00Z"), "time '2019-13-01T00:00:00Z' is not "
         "an RFC3339 date-time (like '2019-07-10T16:51:22.026253Z') (measurement 'm')"),
        (lambda: Point("m").field("v", 2**63), "field 'v' is 9223372036854775808, outside the "
                                               "64-bit signed integer range (measurement 'm')"),
        # the value's own repr: 'np.float32(inf)' on numpy 2, 'inf' on numpy 1
        (lambda: Point("m").field("v", np.float32("inf")), f"field 'v' is {np.float32('inf')!r}; "
         "InfluxDB cannot store infinity (measurement 'm')"),
        (lambda: Point("m").field("v", Decimal("-Infinity")), "field 'v' is Decimal('-Infinity'); "
         "line protocol cannot represent infinite floats (measurement 'm')"),
        (lambda: Point("m").field("v", b"\xff"), "field 'v' is bytes that are not UTF-8 "
                                                 "(measurement 'm')"),
        (lambda: Point("m").field("v", "a\ud800"), "field 'v' contains a lone surrogate, which "
                                                   "is not valid UTF-8 (measurement 'm')"),
        (lambda: Point("m", fields={"v": 10**400}), f"field 'v' is {10**400}, outside the "
                                                    "64-bit signed integer range (measurement "
                                                    "'m')"),
        # names: the encoder's rules
        (lambda: Point("a\x00b"), "measurement 'a\\x00b' contains a NUL character, which "
         "InfluxQL cannot quote (it could be written but never queried or dropped by name) "
         "(measurement 'a\\x00b')"),
        (lambda: Point("a\rb"), "measurement 'a\\rb' contains a carriage return, which "
         "InfluxQL cannot quote (it could be written but never queried or dropped by name) "
         "(measurement 'a\\rb')"),
        (lambda: Point("#m"), "measurement '#m' starts with '#', which makes the line a comment "
                              "(measurement '#m')"),
        (lambda: Point("m").tag("time", "x"), "tag key 'time' is refused by InfluxDB ('time' "
                                              "names the timestamp) (measurement 'm')"),
        (lambda: Point("m").field("time", 1), "field 'time' is refused by InfluxDB ('time' "
                                              "names the timestamp) (measurement 'm')"),
        (lambda: Point("m").tag("k", "C:\\"), "tag 'k' value 'C:\\\\' ends with a backslash, "
         "which line protocol cannot carry in a tag (measurement 'm')"),
        (lambda: Point("m").tag("k", b"\xff"), "tag 'k' value is bytes that are not UTF-8 "
                                               "(measurement 'm')"),
        (lambda: Point("m", precision="x"), "unknown time precision 'x' (use n, u, ms, s, m or "
                                            "h)"),
    ],
)
def test_bad_input_is_refused_at_the_builder_call(build: Any, message: str) -> None:
    with pytest.raises(InfluxDBInvalidPointError) as info:
        build()
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_a_point_without_fields_is_refused_when_encoded() -> None:
    with pytest.raises(InfluxDBInvalidPointError, match="no field"):
        Point("m").tag("t", "x").to_line_protocol()


def test_point_dict_hook_is_what_the_encoder_reads() -> None:
    point = Point("m").tag("t", "x").field("v", 1).time(2, "s")
    assert point._to_point_dict() == {"measurement": "m", "tags": {"t": "x"},
                                      "fields": {"v": 1}, "time": 2_000_000_000}


def test_from_dict() -> None:
    point = Point.from_dict({"measurement": "m", "tags": {"t": "x"}, "fields": {"v": 1},
                             "time": 3}, precision="s")
    assert point.to_line_protocol("s") == "m,t=x v=1i 3"
    with pytest.raises(InfluxDBInvalidPointError, match="a point dict needs a 'measurement'"):
        Point.from_dict({"fields": {"v": 1}})


def test_equality_and_repr() -> None:
    a = Point("m").tag("t", "x").field("v", 1).time(5, "s")
    b = Point("m", {"t": "x"}, {"v": 1}, 5, "s")
    assert a == b
    assert a != Point("m").tag("t", "x").field("v", 1).time(5, "ms")
    assert a.__eq__("m") is NotImplemented
    assert repr(a) == "Point('m', tags={'t': 'x'}, fields={'v': 1}, time=5000000000)"
    assert repr(Point("m")) == "Point('m')"
    with pytest.raises(TypeError):
        hash(a)


# -- records --------------------------------------------------------------------------------

@dataclasses.dataclass
class Reading:
    sensor: str
    room: str
    celsius: float
    humidity: Optional[int]
    at: datetime


class ReadingTuple(NamedTuple):
    sensor: str
    celsius: float
    at: int


class Plain:
    def __init__(self, kind: str, value: float) -> None:
        self.kind = kind
        self.value = value
        self._private = "never a field"


AT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)


def test_dataclass_record() -> None:
    record = Reading("s1", "kitchen", 21.5, 40, AT)
    point = Point.from_record(record, measurement="climate", tag_keys=["sensor", "room"],
                              time_key="at")
    assert point.to_line_protocol("s") == (
        "climate,room=kitchen,sensor=s1 celsius=21.5,humidity=40i 1700000000")


def test_dataclass_record_with_named_fields_and_a_missing_value() -> None:
    record = Reading("s1", "kitchen", 21.5, None, AT)
    point = Point.from_record(record, measurement="climate", tag_keys=["sensor"],
                              field_keys=["celsius", "humidity"], time_key="at")
    assert point.to_line_protocol("s") == "climate,sensor=s1 celsius=21.5 1700000000"


def test_named_tuple_record_with_an_int_time_and_its_precision() -> None:
    point = Point.from_record(ReadingTuple("s2", 19.0, T), measurement="climate",
                              tag_keys=["sensor"], time_key="at", time_precision="s")
    assert point.to_line_protocol("ms") == "climate,sensor=s2 celsius=19.0 1700000000000"


def test_plain_namedtuple_dict_and_object_records() -> None:
    Row = namedtuple("Row", "name value")
    mapping = RecordMapping(measurement_key="name")
    assert mapping.to_point(Row("speed", 3)).to_line_protocol() == "speed value=3i"
    assert mapping.to_point({"name": "speed", "value": 4}).to_line_protocol() == "speed value=4i"
    assert RecordMapping(measurement="obj", tag_keys=("kind",)).to_point(
        Plain("k", 1.0)).to_line_protocol() == "obj,kind=k value=1.0"


def test_points_from_records_accepts_one_record_or_many() -> None:
    mapping = RecordMapping(measurement="climate", tag_keys=("sensor",), time_key="at",
                            time_precision="s")
    one = points_from_records(ReadingTuple("a", 1.0, 1), mapping)
    many = points_from_records([ReadingTuple("a", 1.0, 1), Point("p").field("v", 1)], mapping)
    assert [p.to_line_protocol("s") for p in one] == ["climate,sensor=a celsius=1.0 1"]
    assert [p.to_line_protocol("s") for p in many] == ["climate,sensor=a celsius=1.0 1",
                                                       "p v=1i"]
    record = Reading("s1", "k", 1.0, None, AT)
    assert len(points_from_records(record, RecordMapping(measurement="x", time_key="at"))) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give exactly one of record_measurement (a name) and record_measurement_key (the "
             "attribute that holds the name)"),
        ({"measurement": "m", "measurement_key": "k"}, "give exactly one of record_measurement "
         "(a name) and record_measurement_key (the attribute that holds the name)"),
        ({"measurement": ""}, "record_measurement must be a non-empty str, got ''"),
        ({"measurement": "m", "tag_keys": "host"},
         "record_tag_keys must be a list of attribute names, got 'host'"),
        ({"measurement": "m", "field_keys": ("a", 1)},
         "record_field_keys must be a list of attribute names, got ('a', 1)"),
        ({"measurement": "m", "time_precision": "sec"},
         "unknown record_time_precision 'sec' (use n, u, ms, s, m or h)"),
        ({"measurement": "m", "tag_keys": ("a",), "field_keys": ("a", "b")},
         "attributes ['a'] are given more than one role"),
        ({"measurement": "m", "tag_keys": ("at",), "time_key": "at"},
         "attributes ['at'] are given more than one role"),
    ],
)
def test_bad_mappings_are_refused_when_made(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InfluxDBInvalidPointError) as info:
        RecordMapping(**kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("records", "mapping", "message"),
    [
        ([ReadingTuple("a", 1.0, 1), ReadingTuple("b", 2.0, 2)],
         RecordMapping(measurement="m", tag_keys=("host",)),
         "record 0 (ReadingTuple) has no tag attribute 'host'"),
        ([{"v": 1}, {"w": 2}], RecordMapping(measurement="m", field_keys=("v",)),
         "record 1 (dict) has no field attribute 'v'"),
        ([Plain("k", 1.0)], RecordMapping(measurement_key="name"),
         "record 0 (Plain) has no measurement attribute 'name'"),
        ([ReadingTuple("a", float("inf"), 1)], RecordMapping(measurement="m"),
         "record 0: field 'celsius' is inf; InfluxDB cannot store infinity (measurement 'm')"),
        ([ReadingTuple("a", 1.0, ONE_AND_A_HALF)], RecordMapping(measurement="m", time_key="at"),
         "record 0: time must be an int, datetime or RFC3339 str, got 1.5 (measurement 'm')"),
        ([5], RecordMapping(measurement="m"),
         "record 0 (int): cannot list its attributes; name them with record_field_keys"),
    ],
)
def test_bad_records_name_their_position(records: list[Any], mapping: RecordMapping,
                                         message: str) -> None:
    with pytest.raises(InfluxDBInvalidPointError) as info:
        points_from_records(records, mapping)
    assert str(info.value) == message


def test_from_options_is_none_without_record_arguments() -> None:
    assert RecordMapping.from_options() is None
    assert RecordMapping.from_options(record_measurement="m") == RecordMapping(measurement="m")
    with pytest.raises(InfluxDBInvalidPointError, match="lists of names, not one str"):
        RecordMapping.from_options(record_measurement="m", record_tag_keys="host")
