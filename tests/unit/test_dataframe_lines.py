"""DataFrame -> line protocol (influxdb._dataframe.lines): exact lines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from influxdb._dataframe.lines import LinePlan
from influxdb.exceptions import InfluxDBInvalidPointError

T0 = 1577836800  # 2020-01-01T00:00:00Z


def lines(frame: pd.DataFrame, measurement: str = "m", **options: Any) -> list[str]:
    body = LinePlan(frame, measurement, **options).body()
    assert body.endswith(b"\n") or body == b""
    return body.decode().split("\n")[:-1]


def utc(*stamps: str, unit: str = "ns") -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(list(stamps), utc=True, format="ISO8601")).as_unit(unit)


def test_types_and_order() -> None:
    frame = pd.DataFrame(
        {"z": [1.5], "a": [7], "flag": [True], "text": ["hi"]}, index=utc("2020-01-01")
    )
    # Fields keep the column order (5.3.2); integers get "i", booleans True/False.
    assert lines(frame) == [f'm z=1.5,a=7i,flag=True,text="hi" {T0}000000000']


def test_tags_sorted_and_global_tags() -> None:
    frame = pd.DataFrame({"zone": ["b"], "host": ["a"], "v": [1.0]}, index=utc("2020-01-01"))
    assert lines(frame, tag_columns=["zone", "host"], tags={"dc": "x"}) == [
        f"m,dc=x,host=a,zone=b v=1.0 {T0}000000000"
    ]


@pytest.mark.parametrize(
    ("precision", "stamp"),
    [
        (None, "1577836800123456789"),
        ("n", "1577836800123456789"),
        ("u", "1577836800123456"),
        ("ms", "1577836800123"),
        ("s", "1577836800"),
        ("m", "26297280"),
        ("h", "438288"),
    ],
)
def test_every_precision(precision: str, stamp: str) -> None:
    frame = pd.DataFrame({"v": [1]}, index=utc("2020-01-01T00:00:00.123456789Z"))
    assert lines(frame, precision=precision) == [f"m v=1i {stamp}"]


@pytest.mark.parametrize(
    ("precision", "stamp"),
    [("n", "-500000000"), ("u", "-500000"), ("ms", "-500"), ("s", "-1"), ("m", "-1"), ("h", "-1")],
)
def test_precision_floors_before_1970(precision: str, stamp: str) -> None:
    frame = pd.DataFrame({"v": [1]}, index=utc("1969-12-31T23:59:59.5Z"))
    assert lines(frame, precision=precision) == [f"m v=1i {stamp}"]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_every_index_resolution(unit: str) -> None:
    # pandas 2+ keeps s/ms/us resolutions; 5.3.2 wrote their raw integers as nanoseconds.
    index = pd.date_range("2020-01-01", periods=2, freq="1s", unit=unit)
    frame = pd.DataFrame({"v": [1, 2]}, index=index)
    assert lines(frame) == [f"m v=1i {T0}000000000", f"m v=2i {T0 + 1}000000000"]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata"])
def test_time_zones_write_the_instant(zone: str) -> None:
    index = pd.DatetimeIndex([pd.Timestamp("2020-01-01T00:00:00Z").tz_convert(zone)])
    frame = pd.DataFrame({"v": [1]}, index=index)
    assert lines(frame, precision="s") == [f"m v=1i {T0}"]


def test_naive_index_is_utc() -> None:
    frame = pd.DataFrame({"v": [1]}, index=pd.DatetimeIndex(["2020-01-01 00:00:01"]))
    assert lines(frame, precision="s") == [f"m v=1i {T0 + 1}"]


def test_period_index_writes_period_start() -> None:
    frame = pd.DataFrame({"v": [1, 2]}, index=pd.period_range("2020-01-01", periods=2, freq="D"))
    assert lines(frame, precision="s") == [f"m v=1i {T0}", f"m v=2i {T0 + 86400}"]


def test_nanoseconds_exact() -> None:
    frame = pd.DataFrame({"v": [1]}, index=utc("2262-04-11T23:47:16.854775806Z"))
    assert lines(frame) == ["m v=1i 9223372036854775806"]


def test_missing_cells_are_left_out() -> None:
    frame = pd.DataFrame(
        {
            "a": [np.nan, 1.0, np.nan, np.nan],
            "b": pd.array([1, None, None, None], dtype="Int64"),
            "c": pd.array([None, "x", "y", None], dtype="string"),
            "d": pd.array([True, None, None, None], dtype="boolean"),
        },
        index=pd.date_range("2020-01-01", periods=4, freq="s", tz="UTC"),
    )
    assert lines(frame, precision="s") == [
        f"m b=1i,d=True {T0}",
        f'm a=1.0,c="x" {T0 + 1}',
        f'm c="y" {T0 + 2}',
        # the fourth row has no field left: not written (5.3.2 wrote "m  <ts>")
    ]


def test_row_without_fields_dropped_even_with_tags() -> None:
    frame = pd.DataFrame(
        {"host": ["a", "b"], "v": [np.nan, 2.0]},
        index=pd.date_range("2020-01-01", periods=2, freq="s", tz="UTC"),
    )
    assert lines(frame, tag_columns=["host"], precision="s") == [f"m,host=b v=2.0 {T0 + 1}"]


def test_missing_tag_values_are_left_out() -> None:
    frame = pd.DataFrame(
        {"host": ["a", None, ""], "v": [1, 2, 3]},
        index=pd.date_range("2020-01-01", periods=3, freq="s", tz="UTC"),
    )
    assert lines(frame, tag_columns=["host"], precision="s") == [
        f"m,host=a v=1i {T0}", f"m v=2i {T0 + 1}", f"m v=3i {T0 + 2}"
    ]


@pytest.mark.parametrize(
    ("measurement", "tag", "value", "field", "text", "expected"),
    [
        ("cpu load", "ho st", "a b", "va lue", "x", 'cpu\\ load,ho\\ st=a\\ b va\\ lue="x"'),
        ("a,b", "k,1", "v,1", "f,1", "x", 'a\\,b,k\\,1=v\\,1 f\\,1="x"'),
        ("m=1", "k=1", "v=1", "f=1", "x", 'm=1,k\\=1=v\\=1 f\\=1="x"'),
        ("m", "k", "C:\\dir", "f", 'say "hi"', 'm,k=C:\\dir f="say \\"hi\\""'),
        ("m", "k", "v", "f", "back\\slash", 'm,k=v f="back\\\\slash"'),
        ("m", "k", "\u00e9t\u00e9", "f", "\u2603", 'm,k=\u00e9t\u00e9 f="\u2603"'),
    ],
)
def test_escaping(measurement: str, tag: str, value: str, field: str, text: str,
                  expected: str) -> None:
    frame = pd.DataFrame({tag: [value], field: [text]}, index=utc("2020-01-01"))
    assert lines(frame, measurement, tag_columns=[tag], precision="s") == [f"{expected} {T0}"]


def test_newline_in_string_field_is_kept() -> None:
    frame = pd.DataFrame({"f": ["two\nlines"], "g": [1]}, index=utc("2020-01-01"))
    plan = LinePlan(frame, "m", precision="s")
    assert plan.body() == f'm f="two\nlines",g=1i {T0}\n'.encode()
    assert plan.lines() == [f'm f="two\nlines",g=1i {T0}']


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"tags": {"dc": "eu"}}, f"m,dc=eu v=1i {T0}"),
        ({"tags": {"dc": "eu"}, "tag_columns": ["host"]}, f"m,dc=eu,host=a v=1i {T0}"),
        # a global tag of the same name as a tag column wins, and is written once
        ({"tags": {"host": "G"}, "tag_columns": ["host"]}, f"m,host=G v=1i {T0}"),
        ({"tags": {"x": None, "y": ""}}, f"m v=1i {T0}"),
        ({"tags": {"dc": "eu"}, "default_tags": {"dc": "us", "rack": "1"}},
         f"m,dc=eu,rack=1 v=1i {T0}"),
        ({"default_tags": {"host": "d"}, "tag_columns": ["host"]}, f"m,host=a v=1i {T0}"),
        ({"tags": {"n": 3, "f": 1.5, "b": True}}, f"m,b=True,f=1.5,n=3 v=1i {T0}"),
    ],
)
def test_global_tags(options: dict[str, Any], expected: str) -> None:
    frame = pd.DataFrame({"host": ["a"], "v": [1]}, index=utc("2020-01-01"))
    if "tag_columns" not in options:
        frame = frame[["v"]]
    assert lines(frame, precision="s", **options) == [expected]


def test_default_tag_fills_missing_column_value() -> None:
    frame = pd.DataFrame({"host": [None], "v": [1]}, index=utc("2020-01-01"))
    assert lines(frame, tag_columns=["host"], default_tags={"host": "d"}, precision="s") == [
        f"m,host=d v=1i {T0}"
    ]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, f"m a=1i,b=2i,c=3i {T0}"),
        ({"tag_columns": ["a"]}, f"m,a=1 b=2i,c=3i {T0}"),
        ({"field_columns": ["c"]}, f"m,a=1,b=2 c=3i {T0}"),  # 5.3.2: the rest are tags
        ({"tag_columns": ["b"], "field_columns": ["c"]}, f"m,b=2 c=3i {T0}"),
    ],
)
def test_column_selection(options: dict[str, Any], expected: str) -> None:
    frame = pd.DataFrame({"a": [1], "b": [2], "c": [3]}, index=utc("2020-01-01"))
    assert lines(frame, precision="s", **options) == [expected]


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (pd.Categorical(["x", "y", None]), ['c="x"', 'c="y"', None]),
        (pd.Categorical([3, 4, 3]), ["c=3i", "c=4i", "c=3i"]),
        (np.array([0.1, 2.5, -1.0], dtype=np.float32), ["c=0.1", "c=2.5", "c=-1.0"]),
        (np.array([1, 2, 3], dtype=np.uint8), ["c=1i", "c=2i", "c=3i"]),
        (np.array([1, 2**63 - 1, 0], dtype=np.uint64), ["c=1i", "c=9223372036854775807i", "c=0i"]),
        (pd.array([1.5, None, 2.0], dtype="Float64"), ["c=1.5", None, "c=2.0"]),
        (np.array([1, "a", None], dtype=object), ["c=1i", 'c="a"', None]),
        (np.array([True, 1.5, b"b"], dtype=object), ["c=True", "c=1.5", 'c="b"']),
        (np.array([np.int64(2), np.bool_(False), np.nan], dtype=object),
         ["c=2i", "c=False", None]),
    ],
)
def test_column_dtypes(column: Any, expected: list[Any]) -> None:
    frame = pd.DataFrame({"c": column},
                         index=pd.date_range("2020-01-01", periods=3, freq="s", tz="UTC"))
    got = lines(frame, precision="s")
    want = [f"m {e} {T0 + i}" for i, e in enumerate(expected) if e is not None]
    assert got == want


def test_numeric_precision() -> None:
    frame = pd.DataFrame({"v": [1.23456789, 0.1]}, index=utc("2020-01-01", "2020-01-01T00:00:01"))
    exact = [f"m v=1.23456789 {T0}", f"m v=0.1 {T0 + 1}"]
    assert lines(frame, precision="s") == exact
    assert lines(frame, precision="s", numeric_precision="full") == exact
    assert lines(frame, precision="s", numeric_precision=3) == [
        f"m v=1.235 {T0}", f"m v=0.1 {T0 + 1}"
    ]
    with pytest.raises(ValueError, match="Invalid numeric precision."):
        LinePlan(frame, "m", numeric_precision="half")


def test_frame_is_not_modified() -> None:
    frame = pd.DataFrame(
        {"host": ["a", None], "v": [1.0, np.inf - np.inf], "s": ["x", "y"]},
        index=pd.date_range("2020-01-01", periods=2, freq="s", tz="Europe/Paris"),
    )
    before = frame.copy()
    LinePlan(frame, "m", tag_columns=["host"], tags={"host": "g"}).body()
    pd.testing.assert_frame_equal(frame, before)
    assert list(frame.columns) == ["host", "v", "s"]


def test_batches() -> None:
    frame = pd.DataFrame({"v": range(5)}, index=pd.date_range("2020", periods=5, freq="s"))
    bodies = list(LinePlan(frame, "m", precision="s").bodies(2))
    assert [b.count(b"\n") for b in bodies] == [2, 2, 1]
    assert b"".join(bodies) == LinePlan(frame, "m", precision="s").body()


def test_chunks_join_seamlessly(monkeypatch: pytest.MonkeyPatch) -> None:
    import influxdb._dataframe.lines as module

    frame = pd.DataFrame({"v": np.arange(100) * 0.5, "w": ["a", None] * 50},
                         index=pd.date_range("2020", periods=100, freq="s"))
    whole = LinePlan(frame, "m").body()
    monkeypatch.setattr(module, "CHUNK_ROWS", 7)
    assert LinePlan(frame, "m").body() == whole


def test_empty_frame() -> None:
    frame = pd.DataFrame({"v": []}, index=pd.DatetimeIndex([]))
    plan = LinePlan(frame, "m")
    assert plan.body() == b""
    assert list(plan.bodies(10)) == []


# -- refused input ---------------------------------------------------------------------


def test_not_a_dataframe() -> None:
    with pytest.raises(TypeError, match=r"^Must be DataFrame, but type was: <class 'dict'>\.$"):
        LinePlan({"v": [1]}, "m")


def test_not_a_time_index() -> None:
    with pytest.raises(TypeError, match=r"^Must be DataFrame with DatetimeIndex or PeriodIndex\.$"):
        LinePlan(pd.DataFrame({"v": [1]}), "m")


@pytest.mark.parametrize(
    ("frame", "options", "message"),
    [
        (pd.DataFrame([[1, 2]], columns=["v", "v"], index=utc("2020-01-01")), {},
         r"duplicate columns \['v'\]"),
        (pd.DataFrame({"v": np.array([1, 2**64 - 1], dtype=np.uint64)},
                      index=utc("2020-01-01", "2020-01-02")), {},
         r"field 'v': row 1 \(2020-01-02 00:00:00\+00:00\) is 18446744073709551615"),
        (pd.DataFrame({"v": pd.to_datetime(["2020-01-01"])}, index=utc("2020-01-01")), {},
         "field 'v': unsupported dtype datetime64"),
        (pd.DataFrame({"v": [1 + 2j]}, index=utc("2020-01-01")), {}, "unsupported dtype"),
        (pd.DataFrame({"v": [[1, 2]]}, index=utc("2020-01-01")), {}, "unsupported type list"),
        (pd.DataFrame({"v": np.array([2**64 - 1], dtype=np.uint64)}, index=utc("2020-01-01")),
         {}, "outside the 64-bit signed integer range"),
        (pd.DataFrame({"t": ["a\nb"], "v": [1]}, index=utc("2020-01-01")),
         {"tag_columns": ["t"]}, "newline"),
        (pd.DataFrame({"v": [1]}, index=utc("2020-01-01")), {"tags": {"t": "a\nb"}}, "newline"),
        (pd.DataFrame({"v": [1]}, index=utc("2020-01-01")), {"tag_columns": ["nope"]},
         "column 'nope' is not in the DataFrame"),
        (pd.DataFrame({"t": ["a"]}, index=utc("2020-01-01")), {"tag_columns": ["t"]},
         "no field column"),
        (pd.DataFrame({"time": [1]}, index=utc("2020-01-01")), {}, "'time'"),
        (pd.DataFrame({"v": [1]}, index=pd.DatetimeIndex([pd.NaT])), {},
         r"row 0 \(NaT\): the time is NaT"),
    ],
)
def test_refused(frame: pd.DataFrame, options: dict[str, Any], message: str) -> None:
    with pytest.raises(InfluxDBInvalidPointError, match=message):
        LinePlan(frame, "m", **options)


@pytest.mark.parametrize("measurement", ["", None])
def test_empty_measurement(measurement: Any) -> None:
    frame = pd.DataFrame({"v": [1]}, index=utc("2020-01-01"))
    with pytest.raises(InfluxDBInvalidPointError, match="measurement"):
        LinePlan(frame, measurement)


@pytest.mark.parametrize(("index", "label"), [
    # a numpy array keeps its unit in pandas 2 and 3 (a list of datetime64 became ns in 2)
    (pd.DatetimeIndex(np.array(["2020-01-01", "1500-01-01"], dtype="datetime64[s]")),
     "row 1 (1500-01-01 00:00:00)"),
    (pd.DatetimeIndex(np.array(["2020-01-01", "2263-01-01"], dtype="datetime64[s]"), tz="UTC"),
     "row 1 (2263-01-01 00:00:00+00:00)"),
    # pandas 2 turns periods into nanoseconds, which end in 2262: its OutOfBoundsDatetime
    # must not be what the caller sees
    (pd.PeriodIndex(["2020-01-01", "1500-01-01"], freq="D"), "row 1 (1500-01-01)"),
    (pd.PeriodIndex(["3000-01-01", "2020-01-01"], freq="D"), "row 0 (3000-01-01)"),
])
def test_time_out_of_range(index: Any, label: str) -> None:
    frame = pd.DataFrame({"v": [1, 2]}, index=index)
    with pytest.raises(InfluxDBInvalidPointError) as info:
        LinePlan(frame, "m")
    assert str(info.value) == f"{label}: the time is outside the range InfluxDB can store"


def test_infinite_cells_are_missing_as_in_532() -> None:
    # 5.3.2 replaced +-inf by NaN before writing; a frame with a division by zero in it
    # still writes its other cells (docs/migration.rst).
    frame = pd.DataFrame(
        {"f": [np.inf, 1.5, -np.inf], "g": np.array([2.0, np.inf, 3.0], dtype=np.float32),
         "o": np.array([np.inf, "x", 7], dtype=object),
         "n": pd.array([-np.inf, 4.0, None], dtype="Float64")},
        index=utc("2020-01-01", "2020-01-02", "2020-01-03"))
    assert lines(frame, precision="s") == [
        f"m g=2.0 {T0}",
        f"m f=1.5,o=\"x\",n=4.0 {T0 + 86400}",
        f"m g=3.0,o=7i {T0 + 2 * 86400}",
    ]
    # Rows left with no field are not written, as rows of NaN are not.
    only_inf = pd.DataFrame({"v": [np.inf, -np.inf]}, index=utc("2020-01-01", "2020-01-02"))
    assert LinePlan(only_inf, "m").body() == b""


def test_refused_is_also_value_error() -> None:
    frame = pd.DataFrame({"v": np.array([2**64 - 1], dtype=np.uint64)}, index=utc("2020-01-01"))
    with pytest.raises(ValueError):
        LinePlan(frame, "m")
