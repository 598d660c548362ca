"""ResultSet over answers shaped exactly like InfluxDB 1.6's JSON (5.3.2's behaviour)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from influxdb.exceptions import (
    InfluxDBAuthorizationError,
    InfluxDBClientError,
    InfluxDBDatabaseNotFoundError,
    InfluxDBQueryError,
)
from influxdb.resultset import ResultSet

# SELECT value, load FROM cpu GROUP BY host  (InfluxDB 1.6.7 answer, results[0])
GROUPED: dict[str, Any] = {
    "statement_id": 0,
    "series": [
        {
            "name": "cpu",
            "tags": {"host": "a"},
            "columns": ["time", "load", "value"],
            "values": [["1970-01-01T00:00:01Z", 0.5, 1], ["1970-01-01T00:00:03Z", None, 3]],
        },
        {
            "name": "cpu",
            "tags": {"host": "b"},
            "columns": ["time", "load", "value"],
            "values": [["1970-01-01T00:00:02Z", 0.7, 2]],
        },
    ],
}

# SELECT * FROM cpu, mem  (tags as columns, two measurements)
FLAT: dict[str, Any] = {
    "statement_id": 0,
    "series": [
        {
            "name": "cpu",
            "columns": ["time", "host", "region", "value"],
            "values": [
                ["1970-01-01T00:00:01Z", "a", "us", 1],
                ["1970-01-01T00:00:02Z", "b", "eu", 2],
                ["1970-01-01T00:00:03Z", "a", "us", 3],
            ],
        },
        {
            "name": "mem",
            "columns": ["time", "host", "region", "value"],
            "values": [["1970-01-01T00:00:01Z", "a", None, 10]],
        },
    ],
}

# SHOW RETENTION POLICIES ON d1  (series without a name)
RPS: dict[str, Any] = {
    "statement_id": 0,
    "series": [
        {
            "columns": ["name", "duration", "shardGroupDuration", "replicaN", "default"],
            "values": [["autogen", "0s", "168h0m0s", 1, True]],
        }
    ],
}

EMPTY: dict[str, Any] = {"statement_id": 0}


def points(result: dict[str, Any], *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return list(ResultSet(result).get_points(*args, **kwargs))


P_A1 = {"time": "1970-01-01T00:00:01Z", "load": 0.5, "value": 1}
P_A3 = {"time": "1970-01-01T00:00:03Z", "load": None, "value": 3}
P_B2 = {"time": "1970-01-01T00:00:02Z", "load": 0.7, "value": 2}
F_1 = {"time": "1970-01-01T00:00:01Z", "host": "a", "region": "us", "value": 1}
F_2 = {"time": "1970-01-01T00:00:02Z", "host": "b", "region": "eu", "value": 2}
F_3 = {"time": "1970-01-01T00:00:03Z", "host": "a", "region": "us", "value": 3}
M_1 = {"time": "1970-01-01T00:00:01Z", "host": "a", "region": None, "value": 10}
RP = {"name": "autogen", "duration": "0s", "shardGroupDuration": "168h0m0s", "replicaN": 1,
      "default": True}

GET_POINTS = [
    (GROUPED, (), {}, [P_A1, P_A3, P_B2]),
    (GROUPED, ("cpu",), {}, [P_A1, P_A3, P_B2]),
    (GROUPED, ("mem",), {}, []),
    (GROUPED, (), {"tags": {"host": "a"}}, [P_A1, P_A3]),
    (GROUPED, ("cpu",), {"tags": {"host": "b"}}, [P_B2]),
    (GROUPED, (), {"tags": {"host": "c"}}, []),
    (GROUPED, (), {"tags": {}}, [P_A1, P_A3, P_B2]),
    # a filter on a column of the row itself
    (GROUPED, (), {"tags": {"value": 3}}, [P_A3]),
    (GROUPED, (), {"tags": {"load": None}}, [P_A3]),
    # either all filter items match the row or all match the series tags, never a mix
    (GROUPED, (), {"tags": {"host": "a", "value": 3}}, []),
    (GROUPED, (), {"tags": {"missing": None}}, []),
    (FLAT, (), {}, [F_1, F_2, F_3, M_1]),
    (FLAT, ("cpu",), {}, [F_1, F_2, F_3]),
    (FLAT, ("mem",), {}, [M_1]),
    (FLAT, (), {"tags": {"host": "a"}}, [F_1, F_3, M_1]),
    (FLAT, ("cpu",), {"tags": {"host": "a", "region": "us"}}, [F_1, F_3]),
    (FLAT, (), {"tags": {"region": None}}, [M_1]),
    (FLAT, (b"cpu",), {}, []),  # bytes never equal a str name (5.3.2)
    (RPS, (), {}, [RP]),
    (RPS, ("results",), {}, [RP]),  # the name given to unnamed series
    (RPS, ("other",), {}, []),
    (RPS, (), {"tags": {"name": "autogen"}}, [RP]),
    (EMPTY, (), {}, []),
    ({"series": [{"name": "m", "columns": ["a"]}]}, (), {}, []),
    ({"series": [{"name": "m", "columns": ["a"], "values": []}]}, (), {}, []),
    # a series whose name is null: only without a tag filter, whatever the measurement
    ({"series": [{"name": None, "columns": ["a"], "values": [[1]]}]}, (), {}, [{"a": 1}]),
    ({"series": [{"name": None, "columns": ["a"], "values": [[1]]}]}, ("x",), {}, [{"a": 1}]),
    ({"series": [{"name": None, "columns": ["a"], "values": [[1]]}]}, (), {"tags": {"a": 1}},
     []),
    # 'measurement' wins over 'name' (5.3.2)
    ({"series": [{"measurement": "m", "name": "n", "columns": ["a"], "values": [[1]]}]},
     ("m",), {}, [{"a": 1}]),
]


@pytest.mark.parametrize(("result", "args", "kwargs", "expected"), GET_POINTS)
def test_get_points(
    result: dict[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any], expected: list[Any]
) -> None:
    assert points(result, *args, **kwargs) == expected


def test_get_points_type_error_is_lazy() -> None:
    rs = ResultSet(GROUPED)
    generator = rs.get_points(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError) as info:
        next(generator)
    assert str(info.value) == "measurement must be an str or None"


def test_get_points_gives_fresh_dicts_and_leaves_raw_alone() -> None:
    raw = copy.deepcopy(GROUPED)
    rs = ResultSet(raw)
    first = list(rs.get_points())
    first[0]["value"] = 99
    assert list(rs.get_points()) == [P_A1, P_A3, P_B2]
    assert raw == GROUPED


def test_keys_and_len() -> None:
    assert ResultSet(GROUPED).keys() == [("cpu", {"host": "a"}), ("cpu", {"host": "b"})]
    assert ResultSet(FLAT).keys() == [("cpu", None), ("mem", None)]
    assert ResultSet(RPS).keys() == [("results", None)]
    assert ResultSet(EMPTY).keys() == []
    assert [len(ResultSet(r)) for r in (GROUPED, FLAT, RPS, EMPTY)] == [2, 2, 1, 0]


def test_items() -> None:
    items = ResultSet(GROUPED).items()
    assert [key for key, _ in items] == [("cpu", {"host": "a"}), ("cpu", {"host": "b"})]
    assert [list(gen) for _, gen in items] == [[P_A1, P_A3], [P_B2]]
    assert ResultSet(EMPTY).items() == []


def test_repr() -> None:
    assert repr(ResultSet(EMPTY)) == "ResultSet({})"
    assert repr(ResultSet(FLAT)) == (
        "ResultSet({'('cpu', None)': ["
        "{'time': '1970-01-01T00:00:01Z', 'host': 'a', 'region': 'us', 'value': 1}, "
        "{'time': '1970-01-01T00:00:02Z', 'host': 'b', 'region': 'eu', 'value': 2}, "
        "{'time': '1970-01-01T00:00:03Z', 'host': 'a', 'region': 'us', 'value': 3}], "
        "'('mem', None)': ["
        "{'time': '1970-01-01T00:00:01Z', 'host': 'a', 'region': None, 'value': 10}]})"
    )
    assert repr(ResultSet(GROUPED)) == (
        "ResultSet({'('cpu', {'host': 'a'})': ["
        "{'time': '1970-01-01T00:00:01Z', 'load': 0.5, 'value': 1}, "
        "{'time': '1970-01-01T00:00:03Z', 'load': None, 'value': 3}], "
        "'('cpu', {'host': 'b'})': [{'time': '1970-01-01T00:00:02Z', 'load': 0.7, 'value': 2}]})"
    )


GETITEM = [
    (GROUPED, "cpu", [P_A1, P_A3, P_B2]),
    (GROUPED, {"host": "b"}, [P_B2]),
    (GROUPED, ("cpu", {"host": "a"}), [P_A1, P_A3]),
    (GROUPED, ("cpu", None), [P_A1, P_A3, P_B2]),
    (FLAT, "mem", [M_1]),
    (FLAT, ("cpu", {"host": "b"}), [F_2]),
    (GROUPED, "nope", []),
]


@pytest.mark.parametrize(("result", "key", "expected"), GETITEM)
def test_getitem_is_deprecated_but_works(result: dict[str, Any], key: Any, expected: Any) -> None:
    rs = ResultSet(result)
    with pytest.warns(DeprecationWarning, match=r"use ResultSet\.get_points\(\) instead"):
        found = rs[key]
    assert list(found) == expected


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (("cpu",), "only 2-tuples allowed"),
        (("cpu", None, None), "only 2-tuples allowed"),
        (("cpu", "host=a"), "tags should be a dict"),
        (("cpu", [("host", "a")]), "tags should be a dict"),
    ],
)
def test_getitem_type_errors(key: Any, message: str) -> None:
    rs = ResultSet(GROUPED)
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError) as info:
        rs[key]
    assert str(info.value) == message


def test_getitem_with_bad_measurement_raises_lazily() -> None:
    with pytest.warns(DeprecationWarning):
        generator = ResultSet(GROUPED)[5]  # type: ignore[index]
    with pytest.raises(TypeError, match="^measurement must be an str or None$"):
        list(generator)


def test_iter_yields_a_list_per_key_with_warnings() -> None:
    with pytest.warns(DeprecationWarning) as record:
        lists = list(ResultSet(GROUPED))
    assert lists == [[P_A1, P_A3], [P_B2]]
    assert len(record) == 2
    with pytest.warns(DeprecationWarning):
        # same name, no tags: each key selects every series of that name (5.3.2)
        assert list(ResultSet(FLAT)) == [[F_1, F_2, F_3], [M_1]]
    assert list(ResultSet(EMPTY)) == []


def test_raw_is_settable() -> None:
    rs = ResultSet(EMPTY)
    assert rs.raw is EMPTY
    rs.raw = FLAT
    assert rs.raw is FLAT
    assert len(rs) == 2
    assert list(rs.get_points("mem")) == [M_1]


def test_no_error() -> None:
    assert ResultSet(GROUPED).error is None


ERRORS = [
    ("database not found: nope", InfluxDBDatabaseNotFoundError),
    ("error parsing query: found EOF", InfluxDBQueryError),
    ("undefined function foo()", InfluxDBQueryError),
    ("not authorized to execute statement 'SHOW USERS', requires admin privilege",
     InfluxDBAuthorizationError),
]


@pytest.mark.parametrize(("message", "cls"), ERRORS)
def test_statement_error_raises_typed_client_error(
    message: str, cls: type[InfluxDBClientError]
) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        ResultSet({"statement_id": 0, "error": message})
    assert type(info.value) is cls
    assert info.value.code is None
    assert info.value.content == message
    assert str(info.value) == message


@pytest.mark.parametrize("raise_errors", [False, None, 1, "yes"])
def test_statement_error_kept_unless_raise_errors_is_true(raise_errors: Any) -> None:
    rs = ResultSet({"statement_id": 0, "error": "database not found: x"}, raise_errors)
    assert rs.error == "database not found: x"
    assert rs.keys() == []
    assert list(rs.get_points()) == []


def test_raw_setter_updates_error() -> None:
    rs = ResultSet({"error": "boom"}, raise_errors=False)
    rs.raw = EMPTY
    assert rs.error is None


@pytest.mark.parametrize(
    ("cols", "vals", "expected"),
    [
        (["time", "value"], ["t", 1], {"time": "t", "value": 1}),
        ([], [], {}),
        (["a"], [1, 2], {"a": 1}),
        (["a", "a"], [1, 2], {"a": 2}),
    ],
)
def test_point_from_cols_vals(cols: list[str], vals: list[Any], expected: Any) -> None:
    assert ResultSet.point_from_cols_vals(cols, vals) == expected


def test_point_from_cols_vals_short_row() -> None:
    with pytest.raises(IndexError):
        ResultSet.point_from_cols_vals(["a", "b"], [1])


def test_pickle_round_trip_of_statement_error() -> None:
    with pytest.raises(InfluxDBClientError) as info:
        ResultSet({"error": "database not found: x"})
    again = pickle.loads(pickle.dumps(info.value))
    assert (type(again), again.content, again.code) == (
        InfluxDBDatabaseNotFoundError, "database not found: x", None)


def test_get_points_million_rows_is_fast() -> None:
    import time

    n = 1_000_000
    columns = ["time", "host", "value"]
    values = [["2019-01-01T00:00:00Z", "a", i] for i in range(n)]
    rs = ResultSet({"series": [{"name": "cpu", "columns": columns, "values": values}]})
    start = time.perf_counter()
    count = sum(1 for _ in rs.get_points())
    elapsed = time.perf_counter() - start
    assert count == n
    assert elapsed < 5.0  # ~0.3 s on a laptop; generous bound for slow CI machines


HOSTILE_COLUMNS: list[list[Any]] = [
    ["time", "value"],
    ["'}; import os; {'", '"); __import__("os").system("x"); ("', "a\\", "\\'", "\n", ""],
    ["caf\u00e9", "\U0001f600", "\ud800", "lambda", "row", "__builtins__"],
    ["a", "a", "b"],  # duplicates: the last value wins, as dict(zip())
    [1, None, ("t",)],  # not str (never sent by InfluxDB): the plain path
    [f"c{i}" for i in range(300)],  # too wide to compile
]


@pytest.mark.parametrize("columns", HOSTILE_COLUMNS)
@pytest.mark.parametrize("rows", [1, 63, 64, 500])
def test_rows_equal_dict_zip_for_any_column_names(columns: list[Any], rows: int) -> None:
    values = [[f"{r}.{c}" for c in range(len(columns))] for r in range(rows)]
    rs = ResultSet({"series": [{"name": "m", "columns": columns, "values": values}]})
    expected = [dict(zip(columns, row)) for row in values]
    assert list(rs.get_points()) == expected
    assert [list(gen) for _, gen in rs.items()] == [expected]


def test_extra_values_in_a_row_are_ignored() -> None:
    values = [[1, 2, 3]] * 100
    rs = ResultSet({"series": [{"name": "m", "columns": ["a", "b"], "values": values}]})
    assert list(rs.get_points()) == [{"a": 1, "b": 2}] * 100


def test_large_series_rows_built_in_runs_with_the_collector_resumed_between() -> None:
    import gc

    from influxdb import resultset

    count = resultset._PAUSED_MIN_ROWS + 3 * resultset._PAUSED_RUN + 5
    values = [[f"t{i}", i, i % 3 == 0] for i in range(count)]
    rs = ResultSet({"series": [{"name": "m", "columns": ["time", "v", "ok"],
                                "values": values}]})
    seen_enabled = []
    points = []
    for point in rs.get_points():
        seen_enabled.append(gc.isenabled())  # caller code never runs with it paused
        points.append(point)
    assert points == [{"time": f"t{i}", "v": i, "ok": i % 3 == 0} for i in range(count)]
    assert all(seen_enabled) and len(seen_enabled) == count
    gc.disable()
    try:  # paused by the caller: left paused
        assert sum(1 for _ in rs.get_points()) == count
        assert not gc.isenabled()
    finally:
        gc.enable()


def _series(name: str, rows: int, tags: Any = None) -> dict[str, Any]:
    series: dict[str, Any] = {"name": name, "columns": ["time", "v"],
                              "values": [[i, i] for i in range(rows)]}
    if tags is not None:
        series["tags"] = tags
    return series


def _rows_text(numbers: range) -> str:
    return ", ".join(f"{{'time': {i}, 'v': {i}}}" for i in numbers)


def test_repr_of_a_large_series_elides_its_middle() -> None:
    text = repr(ResultSet({"series": [_series("cpu", 100_000)]}))
    assert text == ("ResultSet({'('cpu', None)': [" + _rows_text(range(5))
                    + ", ... 99990 rows elided ..., " + _rows_text(range(99995, 100000)) + "]})")
    assert len(text) == 307


@pytest.mark.parametrize("rows,series,full", [
    (60, 1, True), (61, 1, False), (3, 20, True), (3, 21, False), (30, 2, True), (31, 2, False)])
def test_repr_is_whole_up_to_60_rows_and_20_series(rows: int, series: int, full: bool) -> None:
    rs = ResultSet({"series": [_series("m", rows, {"k": str(n)}) for n in range(series)]})
    assert ("elided" not in repr(rs)) is full
    if full:
        expected = ", ".join(f"'{key}': {list(points)}" for key, points in rs.items())
        assert repr(rs) == "ResultSet({" + expected + "})"


def test_repr_shortened_keeps_short_series_whole_and_says_one_row() -> None:
    rs = ResultSet({"series": [_series("a", 11), _series("b", 2), _series("c", 0),
                               {"name": "d"}, _series("e", 60)]})
    assert repr(rs) == (
        "ResultSet({'('a', None)': [" + _rows_text(range(5)) + ", ... 1 row elided ..., "
        + _rows_text(range(6, 11)) + "], '('b', None)': [" + _rows_text(range(2)) + "], "
        "'('c', None)': [], '('d', None)': [], '('e', None)': [" + _rows_text(range(5))
        + ", ... 50 rows elided ..., " + _rows_text(range(55, 60)) + "]})")


def test_repr_of_many_series_elides_the_middle_ones() -> None:
    rs = ResultSet({"series": [_series("cpu", 1, {"h": str(n)}) for n in range(1000)]})
    def one(n: int) -> str:
        return f"'('cpu', {{'h': '{n}'}})': [{{'time': 0, 'v': 0}}]"
    assert repr(rs) == ("ResultSet({" + ", ".join(one(n) for n in range(5))
                        + ", ... 990 series elided ..., "
                        + ", ".join(one(n) for n in range(995, 1000)) + "})")
