"""Bad input to ``write_points``, ``write``, ``write_point`` and ``Point``, against the real server.

Every case puts the bad point between two good ones (or passes a bad argument with good
points) and requires:

* an exception of the stated class whose message names what is wrong (the regex);
* raised before anything is sent (the client's session saw no request at all);
* nothing of the call stored (the database holds no measurement afterwards).

Cases marked ``BUG`` are strict xfails: the library accepts the input or raises an unclear
error today; each is reported with a proposed fix, and the marker goes when it is fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBArgumentError, InfluxDBInvalidPointError
from influxdb.point import Point
from tests._influxd import Influxd

pytestmark = pytest.mark.server

T0 = 1_600_000_000_000_000_000  # ns
GOOD_A = {"measurement": "good", "tags": {"k": "a"}, "fields": {"v": 1}, "time": T0}
GOOD_B = {"measurement": "good", "tags": {"k": "b"}, "fields": {"v": 2}, "time": T0 + 1}
INVALID = InfluxDBInvalidPointError


def bad_point(**overrides: Any) -> dict[str, Any]:
    point: dict[str, Any] = {"measurement": "bad", "tags": {"k": "x"}, "fields": {"v": 3},
                             "time": T0 + 2}
    for key, value in overrides.items():
        if value is _REMOVE:
            del point[key]
        else:
            point[key] = value
    return point


_REMOVE = object()


def around(bad: Any) -> list[Any]:
    return [GOOD_A, bad, GOOD_B]


@dataclass(frozen=True)
class Bad:
    """One bad input: ``call(client)`` must raise ``error`` matching ``match``."""

    id: str
    call: Callable[[InfluxDBClient], object]
    error: type[BaseException]
    match: str
    bug: str = field(default="")


def wp(bad: Any, **kwargs: Any) -> Callable[[InfluxDBClient], object]:
    return lambda c: c.write_points(around(bad), **kwargs)


def field_case(id_: str, value: Any, match: str, bug: str = "") -> Bad:
    return Bad(f"write_points-field-{id_}", wp(bad_point(fields={"v": value})), INVALID,
               r"^point 1 \(measurement 'bad'\): " + match, bug)


WRITE_POINTS_CASES = [
    # -- fields ----------------------------------------------------------------------------
    Bad("write_points-no-fields-key", wp(bad_point(fields=_REMOVE)), INVALID,
        r"^point 1 \(measurement 'bad'\): no fields"),
    Bad("write_points-empty-fields", wp(bad_point(fields={})), INVALID,
        r"^point 1 \(measurement 'bad'\): no fields"),
    Bad("write_points-all-fields-none", wp(bad_point(fields={"v": None, "w": None})), INVALID,
        r"^point 1 \(measurement 'bad'\): no field left to write"),
    Bad("write_points-all-fields-nan", wp(bad_point(fields={"v": math.nan})), INVALID,
        r"^point 1 \(measurement 'bad'\): no field left to write"),
    field_case("plus-inf", math.inf, r"field 'v' is inf; line protocol cannot represent"),
    field_case("minus-inf", -math.inf, r"field 'v' is -inf; line protocol cannot represent"),
    field_case("numpy-inf", np.float64("inf"), r"field 'v' is (np\.float64\()?inf"),
    field_case("nested-dict", {"a": 1}, r"field 'v' has unsupported type dict"),
    field_case("list", [1, 2], r"field 'v' has unsupported type list"),
    field_case("tuple", (1, 2), r"field 'v' has unsupported type tuple"),
    field_case("set", {1}, r"field 'v' has unsupported type set"),
    field_case("complex", 1j, r"field 'v' has unsupported type complex"),
    field_case("object", object(), r"field 'v' has unsupported type object"),
    field_case("datetime", datetime(2020, 1, 1), r"field 'v' has unsupported type datetime"),
    field_case("int-above-int64", 2**63, r"field 'v' is 9223372036854775808, outside the "
               r"64-bit signed integer range"),
    field_case("int-below-int64", -(2**63) - 1, r"field 'v' is -9223372036854775809, "
               r"outside the 64-bit"),
    field_case("numpy-uint64-above-int64", np.uint64(2**64 - 1),
               r"field 'v' is 18446744073709551615, outside"),
    field_case("bytes-not-utf8", b"\xff\xfe", r"field 'v' is bytes that are not UTF-8"),
    field_case("lone-surrogate", "a\ud800b", r"field 'v' contains a lone surrogate"),
    Bad("write_points-field-key-empty", wp(bad_point(fields={"": 1})), INVALID,
        r"^point 1 \(measurement 'bad'\): a field key is empty"),
    Bad("write_points-field-key-none", wp(bad_point(fields={None: 1})), INVALID,
        r"^point 1 \(measurement 'bad'\): a field key is empty"),
    Bad("write_points-field-key-newline", wp(bad_point(fields={"a\nb": 1})), INVALID,
        r"^point 1 \(measurement 'bad'\): field 'a\\nb' contains a newline"),
    Bad("write_points-field-key-time", wp(bad_point(fields={"time": 1})), INVALID,
        r"^point 1 \(measurement 'bad'\): field 'time' is refused by InfluxDB"),
    Bad("write_points-field-key-trailing-backslash", wp(bad_point(fields={"v\\": 1})),
        INVALID, r"^point 1 \(measurement 'bad'\): field 'v\\\\' ends with a backslash"),
    Bad("write_points-fields-not-a-dict", wp(bad_point(fields=[("v", 1)])), INVALID,
        r"^point 1 \(measurement 'bad'\): fields must be a dict"),
    # -- measurement -----------------------------------------------------------------------
    Bad("write_points-measurement-missing", wp(bad_point(measurement=_REMOVE)), INVALID,
        r"^point 1 \(measurement None\): the measurement is missing or empty"),
    Bad("write_points-measurement-none", wp(bad_point(measurement=None)), INVALID,
        r"^point 1 \(measurement None\): the measurement is missing or empty"),
    Bad("write_points-measurement-empty", wp(bad_point(measurement="")), INVALID,
        r"^point 1 \(measurement ''\): the measurement is missing or empty"),
    Bad("write_points-measurement-newline", wp(bad_point(measurement="cpu\nmem")), INVALID,
        r"^point 1 \(measurement 'cpu\\nmem'\): measurement 'cpu\\nmem' contains a newline"),
    Bad("write_points-measurement-comment", wp(bad_point(measurement="#cpu")), INVALID,
        r"^point 1 \(measurement '#cpu'\): measurement '#cpu' starts with '#'"),
    Bad("write_points-measurement-trailing-backslash", wp(bad_point(measurement="cpu\\")),
        INVALID, r"^point 1 \(measurement 'cpu\\\\'\): measurement 'cpu\\\\' ends with a "
        r"backslash"),
    Bad("write_points-measurement-list", wp(bad_point(measurement=["cpu"])), INVALID,
        r"^point 1 .*measurement must be a str"),
    Bad("write_points-measurement-dict", wp(bad_point(measurement={"name": "cpu"})), INVALID,
        r"^point 1 .*measurement must be a str"),
    Bad("write_points-measurement-bytes-not-utf8", wp(bad_point(measurement=b"\xff")),
        INVALID, r"^point 1 .*not UTF-8"),
    # -- tags ------------------------------------------------------------------------------
    Bad("write_points-tag-key-empty", wp(bad_point(tags={"": "v"})), INVALID,
        r"^point 1 \(measurement 'bad'\): a tag key is empty \(value 'v'\)"),
    Bad("write_points-tag-key-newline", wp(bad_point(tags={"a\nb": "v"})), INVALID,
        r"^point 1 \(measurement 'bad'\): tag 'a\\nb' contains a newline"),
    Bad("write_points-tag-value-newline", wp(bad_point(tags={"k": "line1\nline2"})), INVALID,
        r"^point 1 \(measurement 'bad'\): tag 'k' value 'line1\\nline2' contains a newline"),
    Bad("write_points-tag-key-time", wp(bad_point(tags={"time": "x"})), INVALID,
        r"^point 1 \(measurement 'bad'\): tag 'time' is refused by InfluxDB"),
    Bad("write_points-tag-value-trailing-backslash", wp(bad_point(tags={"k": "C:\\"})),
        INVALID, r"^point 1 \(measurement 'bad'\): tag 'k' value 'C:\\\\' ends with a "
        r"backslash"),
    Bad("write_points-tag-value-lone-surrogate", wp(bad_point(tags={"k": "\udc80"})),
        INVALID, r"^point 1 \(measurement 'bad'\): tag 'k' value .* lone surrogate"),
    Bad("write_points-series-key-too-long", wp(bad_point(tags={"k": "x" * 70_000})), INVALID,
        r"^point 1 \(measurement 'bad'\): series key plus field 'v' is 70\d\d\d bytes, "
        r"more than InfluxDB's 65535"),
    Bad("write_points-tag-value-list", wp(bad_point(tags={"k": ["a", "b"]})), INVALID,
        r"^point 1 .*tag 'k'.*list"),
    Bad("write_points-tag-value-dict", wp(bad_point(tags={"k": {"a": 1}})), INVALID,
        r"^point 1 .*tag 'k'.*dict"),
    Bad("write_points-tags-not-a-dict", wp(bad_point(tags=[("k", "v")])), INVALID,
        r"^point 1 \(measurement 'bad'\): tags must be a dict"),
    # -- time ------------------------------------------------------------------------------
    Bad("write_points-time-float", wp(bad_point(time=1.5)), INVALID,
        r"^point 1 \(measurement 'bad'\): time 1\.5 is a float"),
    Bad("write_points-time-nan", wp(bad_point(time=math.nan)), INVALID,
        r"^point 1 \(measurement 'bad'\): time nan is a float"),
    Bad("write_points-time-bool", wp(bad_point(time=True)), INVALID,
        r"^point 1 \(measurement 'bad'\): time True is a bool"),
    Bad("write_points-time-date", wp(bad_point(time=date(2020, 1, 1))), INVALID,
        r"^point 1 \(measurement 'bad'\): time datetime\.date\(2020, 1, 1\) is a date, "
        r"not a datetime"),
    Bad("write_points-time-unparsable-text", wp(bad_point(time="yesterday")), INVALID,
        r"^point 1 \(measurement 'bad'\): time 'yesterday' is not an RFC3339 date-time"),
    Bad("write_points-time-bad-offset", wp(bad_point(time="2020-01-01T00:00:00+25:00")),
        INVALID, r"^point 1 \(measurement 'bad'\): time '2020-01-01T00:00:00\+25:00' "),
    Bad("write_points-time-after-2262", wp(bad_point(time=datetime(2300, 1, 1))), INVALID,
        r"^point 1 \(measurement 'bad'\): time .* is outside the range InfluxDB can store"),
    Bad("write_points-time-int-beyond-int64", wp(bad_point(time=2**63)), INVALID,
        r"^point 1 \(measurement 'bad'\): time 9223372036854775808 is outside the range"),
    Bad("write_points-time-pandas-nat", wp(bad_point(time=pd.NaT)), INVALID,
        r"^point 1 \(measurement 'bad'\): time NaT is not a time \(NaT\)"),
    Bad("write_points-time-numpy-nat", wp(bad_point(time=np.datetime64("NaT"))), INVALID,
        r"^point 1 \(measurement 'bad'\): time .*NaT.* is not a time \(NaT\)"),
    Bad("write_points-time-object", wp(bad_point(time=object())), INVALID,
        r"^point 1 \(measurement 'bad'\): time <object object at .*> \(object\) is not an "
        r"int, datetime"),
    # -- the points themselves and the call's arguments ------------------------------------
    Bad("write_points-point-none", wp(None), INVALID,
        r"^point 1: is a NoneType, not a dict or Point"),
    Bad("write_points-point-tuple", wp(("cpu", 1)), INVALID,
        r"^point 1: is a tuple, not a dict or Point"),
    Bad("write_points-point-int", wp(42), INVALID, r"^point 1: is a int, not a dict or Point"),
    Bad("write_points-single-dict", lambda c: c.write_points(GOOD_A), INVALID,
        r"^points must be a list of points, got a single dict; wrap it in a list$"),
    Bad("write_points-points-none", lambda c: c.write_points(None), INVALID,
        r"^points must be a list of points, not NoneType$"),
    Bad("write_points-precision-unknown", wp(bad_point(), time_precision="sec"), INVALID,
        r"^Invalid time precision is given\. \(use 'n', 'u', 'ms', 's', 'm' or 'h'\)$"),
    Bad("write_points-precision-int", wp(bad_point(), time_precision=1), INVALID,
        r"^Invalid time precision is given\."),
    Bad("write_points-consistency-unknown", wp(bad_point(), consistency="most"), INVALID,
        r"^Invalid consistency: most$"),
    Bad("write_points-protocol-unknown", wp(bad_point(), protocol="xml"), INVALID,
        r"^Invalid protocol 'xml': use 'json'"),
    Bad("write_points-line-protocol-non-str",
        lambda c: c.write_points(["good v=1i", 5, "good v=2i"], protocol="line"), INVALID,
        r"^point 1: protocol='line' expects strings, got int$"),
    Bad("write_points-unknown-keyword", wp(bad_point(), precision="s"), TypeError,
        r"write_points\(\) got an unexpected keyword argument 'precision'"),
    Bad("write_points-tags-argument-not-a-dict", wp(bad_point(), tags=["k"]), INVALID,
        r"tags must be a dict"),
    Bad("write_points-batch-size-not-int", wp(bad_point(), batch_size="2"), TypeError,
        r"batch_size must be an int"),
    Bad("write_points-batched-bad-point-in-last-batch",
        lambda c: c.write_points([GOOD_A, GOOD_B, dict(GOOD_A, time=T0 + 5),
                                  dict(GOOD_B, time=T0 + 6), bad_point(fields={})],
                                 batch_size=2),
        INVALID, r"^point 4 \(measurement 'bad'\): no fields"),
]

WRITE_CASES = [
    Bad("write-list-instead-of-envelope", lambda c: c.write([GOOD_A, GOOD_B]), INVALID,
        r"^make_lines needs a dict with a 'points' list$"),
    Bad("write-envelope-with-bad-point",
        lambda c: c.write({"points": around(bad_point(fields={"v": math.inf}))},
                          params={"db": c._database}), INVALID,
        r"^point 1 \(measurement 'bad'\): field 'v' is inf"),
    Bad("write-bad-precision-param",
        lambda c: c.write({"points": [GOOD_A, GOOD_B]},
                          params={"db": c._database, "precision": "x"}), INVALID,
        r"^Invalid time precision is given\."),
    Bad("write-line-protocol-non-str",
        lambda c: c.write(["good v=1i", 5], params={"db": c._database}, protocol="line"),
        TypeError, r"^point 1: protocol='line' expects strings, got int$"),
    Bad("write_point-inf", lambda c: c.write_point("bad", {"v": -math.inf}), INVALID,
        r"^point 0 \(measurement 'bad'\): field 'v' is -inf"),
    Bad("write_point-no-fields", lambda c: c.write_point("bad", {}), INVALID,
        r"^point 0 \(measurement 'bad'\): no fields"),
    Bad("write_point-unknown-keyword", lambda c: c.write_point("bad", {"v": 1}, rp="x"),
        TypeError, r"write_point\(\) got an unexpected keyword argument 'rp'"),
]

POINT_CASES = [
    Bad("Point-empty-measurement", lambda c: c.write_points(around(Point(""))), INVALID,
        r"^measurement must be a non-empty str, got ''"),
    Bad("Point-none-measurement", lambda c: c.write_points(around(Point(None))),  # type: ignore[arg-type]
        INVALID, r"^measurement must be a non-empty str, got None"),
    Bad("Point-list-measurement", lambda c: c.write_points(around(Point(["cpu"]))),  # type: ignore[arg-type]
        INVALID, r"^measurement must be a non-empty str, got \['cpu'\]"),
    Bad("Point-newline-measurement", lambda c: c.write_points(around(Point("a\nb"))),
        INVALID, r"^measurement 'a\\nb' contains a new line"),
    Bad("Point-field-inf", lambda c: c.write_points(around(Point("bad").field("v", math.inf))),
        INVALID, r"^field 'v' is inf; InfluxDB cannot store infinity \(measurement 'bad'\)"),
    Bad("Point-field-dict",
        lambda c: c.write_points(around(Point("bad").field("v", {"a": 1}))), INVALID,
        r"field 'v'.*dict.*\(measurement 'bad'\)"),
    Bad("Point-field-key-empty", lambda c: c.write_points(around(Point("bad").field("", 1))),
        INVALID, r"^field key must be a non-empty str, got '' \(measurement 'bad'\)"),
    Bad("Point-field-key-int", lambda c: c.write_points(around(Point("bad").field(1, 1))),  # type: ignore[arg-type]
        INVALID, r"^field key must be a non-empty str, got 1 \(measurement 'bad'\)"),
    Bad("Point-tag-key-newline",
        lambda c: c.write_points(around(Point("bad").tag("k\n", "v").field("v", 1))), INVALID,
        r"^tag key 'k\\n' contains a new line \(measurement 'bad'\)"),
    Bad("Point-tag-value-newline",
        lambda c: c.write_points(around(Point("bad").tag("k", "a\nb").field("v", 1))), INVALID,
        r"^tag 'k' contains a new line \(measurement 'bad'\)"),
    Bad("Point-time-float",
        lambda c: c.write_points(around(Point("bad").field("v", 1).time(1.5))), INVALID,
        r"^time must be an int, datetime or RFC3339 str, got 1\.5 \(measurement 'bad'\)"),
    Bad("Point-time-date",
        lambda c: c.write_points(around(Point("bad").field("v", 1).time(date(2020, 1, 1)))),
        INVALID, r"^time must be a datetime, not a date"),
    Bad("Point-time-bad-precision",
        lambda c: c.write_points(around(Point("bad").field("v", 1).time(1, "sec"))), INVALID,
        r"^unknown time precision 'sec'"),
    Bad("Point-without-fields", lambda c: c.write_points(around(Point("bad").tag("k", "v"))),
        INVALID, r"^point 1 \(measurement 'bad'\): no fields"),
    Bad("Point-from-dict-without-measurement",
        lambda c: c.write_points(around(Point.from_dict({"fields": {"v": 1}}))), INVALID,
        r"^a point dict needs a 'measurement'"),
]

CASES = WRITE_POINTS_CASES + WRITE_CASES + POINT_CASES


def _param(case: Bad) -> Any:
    marks = []
    if case.bug:
        marks.append(pytest.mark.xfail(strict=True, reason=f"BUG (reported): {case.bug}"))
    return pytest.param(case, id=case.id, marks=marks)


def assert_ours(error: BaseException) -> None:
    """Everything refused on purpose is an InfluxDBArgumentError: an InfluxDBClientError with
    code 400 (what 5.3.2 callers catch when the server refused it) that is also the ValueError
    or TypeError 5.3.2 raised for its own checks.  Only Python's own "unexpected keyword"
    TypeError is not ours."""
    if "unexpected keyword argument" in str(error):
        return
    assert isinstance(error, InfluxDBArgumentError), type(error)
    assert (error.code, error.content) == (400, str(error))


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_is_refused_before_sending(case: Bad, recording_client: InfluxDBClient,
                                            stored: Callable[[], dict[str, int]]) -> None:
    with pytest.raises(case.error, match=case.match) as info:
        case.call(recording_client)
    assert_ours(info.value)
    assert recording_client._session.sent == []  # type: ignore[attr-defined]
    assert stored() == {}


def test_catalogue_size() -> None:
    # The issue asks for at least 40 bad inputs across the API; this file alone has more.
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)


# -- what looks wrong but is not --------------------------------------------------------------
def test_a_bare_line_string_is_one_line(recording_client: InfluxDBClient,
                                        stored: Callable[[], dict[str, int]]) -> None:
    # protocol='json' (the default) with one line string: one point, not one per character.
    assert recording_client.write_points("good,k=a v=1i 1600000000000000000") is True
    assert stored() == {"good": 1}


def test_nan_field_beside_others_is_left_out(recording_client: InfluxDBClient,
                                             influxd: Influxd, database: str) -> None:
    recording_client.write_points([bad_point(fields={"v": math.nan, "w": 2.5})])
    answer = influxd.admin_query('SELECT * FROM "bad"', db=database)
    series = answer["results"][0]["series"][0]
    assert series["columns"] == ["time", "k", "w"]
    assert series["values"] == [["2020-09-13T12:26:40.000000002Z", "x", 2.5]]


def test_naive_and_aware_times_name_the_same_instant(recording_client: InfluxDBClient,
                                                      influxd: Influxd, database: str) -> None:
    # Naive datetimes are UTC (5.3.2; docs/migration.rst, "Writing"); aware ones are
    # converted; every spelling below is 2020-09-13T12:26:40.123456Z.
    instant = datetime(2020, 9, 13, 12, 26, 40, 123456, tzinfo=timezone.utc)
    plus_two = timezone(timedelta(hours=2))
    spellings = {
        "naive": instant.replace(tzinfo=None),
        "aware_utc": instant,
        "aware_plus_two": instant.astimezone(plus_two),
        "rfc3339_z": "2020-09-13T12:26:40.123456Z",
        "rfc3339_offset": "2020-09-13T14:26:40.123456+02:00",
        "pandas_naive": pd.Timestamp("2020-09-13 12:26:40.123456"),
        "pandas_aware": pd.Timestamp("2020-09-13 14:26:40.123456", tz="Europe/Berlin"),
        "numpy": np.datetime64("2020-09-13T12:26:40.123456"),
    }
    recording_client.write_points([
        {"measurement": "t", "tags": {"spelling": name}, "fields": {"v": 1}, "time": value}
        for name, value in spellings.items()])
    answer = influxd.admin_query('SELECT v, spelling FROM "t"', db=database)
    values = answer["results"][0]["series"][0]["values"]
    assert sorted(values) == sorted(
        ["2020-09-13T12:26:40.123456Z", 1, name] for name in spellings)


def test_generator_with_batch_size_reports_what_was_sent(
        recording_client: InfluxDBClient, stored: Callable[[], dict[str, int]]) -> None:
    # Documented gap (docs/robustness.rst): an iterator is encoded batch by batch, so a bad
    # point in a later batch is found after the earlier batches left; write_report says so.
    def points() -> Any:
        yield from (dict(GOOD_A, time=T0 + i) for i in range(4))
        yield bad_point(fields={})

    with pytest.raises(INVALID, match=r"\(measurement 'bad'\): no fields") as info:
        recording_client.write_points(points(), batch_size=2)
    report = info.value.write_report  # type: ignore[attr-defined]
    assert (report.written, report.failed, report.unsent) == ([0, 1], 2, None)
    assert stored() == {"good": 4}


def test_generator_bad_point_is_named_by_its_index_in_the_call(
        recording_client: InfluxDBClient) -> None:
    def points() -> Any:
        yield from (dict(GOOD_A, time=T0 + i) for i in range(4))
        yield bad_point(fields={})

    with pytest.raises(INVALID, match=r"^point 4 \(measurement 'bad'\): no fields"):
        recording_client.write_points(points(), batch_size=2)
