"""0.8 ``DataFrameClient``: DataFrames written and read back through the 0.8 stub server."""

from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np
import pandas as pd
import pytest

from influxdb08 import DataFrameClient
from influxdb08.client import InfluxDBClientError
from tests.influxdb08._server import Stub08Server

UTC = "UTC"


@pytest.fixture
def dfclient(server08: Stub08Server) -> Iterator[DataFrameClient]:
    client = DataFrameClient(
        host=server08.host, port=server08.port, username="root", password="root", database="db"
    )
    yield client
    client.close()


def _frame() -> pd.DataFrame:
    index = pd.DatetimeIndex(["2014-05-13 16:53:20", "2014-05-13 16:53:21"])
    return pd.DataFrame({"host": ["a", "b"], "value": [1, 2], "load": [0.5, np.nan]}, index=index)


def test_constructor_first_positional_is_ignore_nan() -> None:
    client = DataFrameClient(False, "h", 8087, "u", "p", "d")
    assert client.ignore_nan is False
    assert (client._baseurl, client._username, client._database) == ("http://h:8087", "u", "d")
    assert client.EPOCH == pd.Timestamp("1970-01-01", tz=UTC)
    assert DataFrameClient().ignore_nan is True


def test_write_points_exact_body(dfclient: DataFrameClient, server08: Stub08Server) -> None:
    assert dfclient.write_points({"cpu": _frame()}) is True
    request = server08.last
    assert (request.method, request.path) == ("POST", "/db/db/series")
    assert request.query == [("time_precision", "s"), ("u", "root"), ("p", "root")]
    assert request.json() == [
        {
            "name": "cpu",
            "columns": ["host", "value", "load", "time"],
            "points": [["a", 1, 0.5, 1400000000], ["b", 2, None, 1400000001]],
        }
    ]


@pytest.mark.parametrize(
    ("precision", "times"),
    [
        ("s", [1400000000, 1400000001]),
        ("m", [1400000000123, 1400000001000]),
        ("ms", [1400000000123, 1400000001000]),
        ("u", [1400000000123456, 1400000001000000]),
    ],
)
def test_write_points_precision(
    dfclient: DataFrameClient, server08: Stub08Server, precision: str, times: list[int]
) -> None:
    index = pd.DatetimeIndex(["2014-05-13 16:53:20.123456789", "2014-05-13 16:53:21"])
    frame = pd.DataFrame({"v": [1.5, 2.5]}, index=index)
    dfclient.write_points({"p": frame}, time_precision=precision)
    assert server08.last.params["time_precision"] == precision
    assert [row[-1] for row in server08.last.json()[0]["points"]] == times


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_write_points_any_index_resolution(
    dfclient: DataFrameClient, server08: Stub08Server, unit: str
) -> None:
    index = pd.DatetimeIndex(["2014-05-13 16:53:20"]).as_unit(unit)
    dfclient.write_points({"r": pd.DataFrame({"v": [1]}, index=index)}, time_precision="u")
    assert server08.last.json()[0]["points"] == [[1, 1400000000000000]]


def test_write_points_timezone_aware_index(
    dfclient: DataFrameClient, server08: Stub08Server
) -> None:
    index = pd.DatetimeIndex(["2014-05-13 18:53:20"]).tz_localize("Europe/Berlin")
    dfclient.write_points({"tz": pd.DataFrame({"v": [1]}, index=index)})
    assert server08.last.json()[0]["points"] == [[1, 1400000000]]


def test_write_points_period_index(dfclient: DataFrameClient, server08: Stub08Server) -> None:
    frame = pd.DataFrame({"v": [1, 2]}, index=pd.period_range("1970-01-02", periods=2, freq="D"))
    dfclient.write_points({"per": frame})
    assert server08.last.json()[0]["points"] == [[1, 86400], [2, 172800]]


def test_write_points_pre_epoch(dfclient: DataFrameClient, server08: Stub08Server) -> None:
    frame = pd.DataFrame({"v": [1]}, index=pd.DatetimeIndex(["1969-12-31 23:59:59.5"]))
    dfclient.write_points({"old": frame})
    assert server08.last.json()[0]["points"] == [[1, -1]]  # floored


def test_write_points_numpy_types(dfclient: DataFrameClient, server08: Stub08Server) -> None:
    frame = pd.DataFrame(
        {
            "i": np.array([7], dtype=np.int64),
            "u": np.array([8], dtype=np.uint16),
            "b": np.array([True]),
            "f": np.array([0.25], dtype=np.float32),
        },
        index=pd.DatetimeIndex(["1970-01-01 00:00:05"]),
    )
    dfclient.write_points({"np": frame})
    assert server08.last.json()[0]["points"] == [[7, 8, True, 0.25, 5]]
    assert dfclient.query("select * from np")["i"].tolist() == [7]


def test_write_points_nan_in_mixed_rows(dfclient: DataFrameClient, server08: Stub08Server) -> None:
    frame = pd.DataFrame(
        {"s": ["x", None], "f": [np.nan, 1.0], "o": [pd.NA, 3]},
        index=pd.DatetimeIndex(["1970-01-01 00:00:01", "1970-01-01 00:00:02"]),
    )
    dfclient.write_points({"mixed": frame})
    assert server08.last.json()[0]["points"] == [["x", None, None, 1], [None, 1.0, 3, 2]]


def test_write_points_keep_nan(server08: Stub08Server) -> None:
    client = DataFrameClient(False, server08.host, server08.port, "root", "root", "db")
    frame = pd.DataFrame({"f": [np.nan]}, index=pd.DatetimeIndex(["1970-01-01"]))
    with pytest.raises(InfluxDBClientError) as info:
        client.write_points({"nan": frame})  # NaN is not JSON: the server refuses it
    assert info.value.code == 400
    assert (
        server08.last.body == b'[{"name": "nan", "columns": ["f", "time"], "points": [[NaN, 0]]}]'
    )


def test_write_points_existing_time_column(
    dfclient: DataFrameClient, server08: Stub08Server
) -> None:
    frame = pd.DataFrame(
        {"time": ["ignored"], "v": [1]}, index=pd.DatetimeIndex(["1970-01-01 00:00:09"])
    )
    dfclient.write_points({"t": frame})
    assert server08.last.json()[0]["columns"] == ["time", "v"]
    assert server08.last.json()[0]["points"] == [[9, 1]]


def test_caller_frame_is_not_modified(dfclient: DataFrameClient) -> None:
    frame = _frame()
    before = frame.copy()
    dfclient.write_points({"cpu": frame})
    pd.testing.assert_frame_equal(frame, before)
    assert frame.index.tz is None


def test_write_points_batch_size(dfclient: DataFrameClient, server08: Stub08Server) -> None:
    index = pd.date_range("1970-01-01", periods=5, freq="s")
    frame = pd.DataFrame({"v": range(5)}, index=index)
    assert dfclient.write_points({"b": frame}, batch_size=2, time_precision="ms") is True
    assert [[row[0] for row in r.json()[0]["points"]] for r in server08.requests] == [
        [0, 1],
        [2, 3],
        [4],
    ]
    assert [r.params["time_precision"] for r in server08.requests] == ["ms"] * 3
    assert server08.requests[2].json()[0]["points"] == [[4, 4000]]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1, 2], "Must be DataFrame, but type was: <class 'list'>."),
        (pd.DataFrame({"v": [1]}), "Must be DataFrame with DatetimeIndex or PeriodIndex."),
    ],
)
def test_write_points_rejects(
    dfclient: DataFrameClient, server08: Stub08Server, value: Any, message: str
) -> None:
    with pytest.raises(TypeError) as info:
        dfclient.write_points({"x": value})
    assert str(info.value) == message
    assert server08.requests == []


def test_write_points_with_precision_is_deprecated(
    dfclient: DataFrameClient, server08: Stub08Server
) -> None:
    frame = pd.DataFrame({"v": [1]}, index=pd.DatetimeIndex(["1970-01-01 00:00:01"]))
    with pytest.warns(FutureWarning, match="write_points_with_precision is deprecated"):
        assert dfclient.write_points_with_precision({"w": frame}, time_precision="ms") is True
    assert server08.last.json()[0]["points"] == [[1, 1000]]  # 5.3.2 ignored "ms"


def test_query_round_trip(dfclient: DataFrameClient) -> None:
    dfclient.write_points({"cpu": _frame()})
    result = dfclient.query("select * from cpu")
    expected = pd.DataFrame(
        {"sequence_number": [1, 2], "host": ["a", "b"], "value": [1, 2], "load": [0.5, np.nan]},
        index=pd.to_datetime([1400000000, 1400000001], unit="s", utc=True),
    )
    pd.testing.assert_frame_equal(result, expected)
    assert result.index.name is None


@pytest.mark.parametrize("precision", ["s", "m", "ms", "u"])
def test_query_index_follows_precision(dfclient: DataFrameClient, precision: str) -> None:
    moment = pd.Timestamp("2014-05-13 16:53:20.123456", tz=UTC)
    dfclient.write_points({"p": pd.DataFrame({"v": [1]}, index=[moment])}, time_precision="u")
    result = dfclient.query("select v from p", time_precision=precision)
    floors = {"s": "s", "m": "ms", "ms": "ms", "u": "us"}
    assert list(result.index) == [moment.floor(floors[precision])]
    assert str(result.index.tz) == UTC


def test_query_several_series(dfclient: DataFrameClient) -> None:
    frame = pd.DataFrame({"v": [1]}, index=pd.DatetimeIndex(["1970-01-01 00:00:01"]))
    dfclient.write_points({"a": frame, "b": frame * 2})
    result = dfclient.query("select v from /.*/")
    assert sorted(result) == ["a", "b"]
    assert result["b"]["v"].tolist() == [2]


def test_query_no_series(dfclient: DataFrameClient) -> None:
    assert dfclient.query("select * from /^none/") == []


def test_query_sorted_by_time_then_sequence(dfclient: DataFrameClient) -> None:
    index = pd.DatetimeIndex(["1970-01-01 00:00:03", "1970-01-01 00:00:01", "1970-01-01 00:00:01"])
    dfclient.write_points({"o": pd.DataFrame({"v": [3, 1, 2]}, index=index)})
    result = dfclient.query("select v from o")  # the server answers newest first
    assert result["v"].tolist() == [1, 2, 3]
    assert result["sequence_number"].tolist() == [2, 3, 1]


def test_query_chunked_joins_chunks(dfclient: DataFrameClient, server08: Stub08Server) -> None:
    index = pd.date_range("1970-01-01", periods=5, freq="s")
    dfclient.write_points({"c": pd.DataFrame({"v": range(5)}, index=index)})
    server08.chunk_points = 2
    result = dfclient.query("select v from c", chunked=True)
    assert isinstance(result, pd.DataFrame)  # one series, even in three chunks
    assert result["v"].tolist() == [0, 1, 2, 3, 4]
    assert list(result.index) == list(index.tz_localize(UTC))


def test_query_list_series_is_a_frame(dfclient: DataFrameClient) -> None:
    frame = pd.DataFrame({"v": [1]}, index=pd.DatetimeIndex(["1970-01-01"]))
    dfclient.write_points({"x": frame})
    result = dfclient.query("list series")
    assert result["name"].tolist() == ["x"]


def test_datetime_to_epoch() -> None:
    client = DataFrameClient()
    moment = pd.Timestamp("1970-01-01 00:00:01.5", tz=UTC)
    assert client._datetime_to_epoch(moment) == 1.5
    assert client._datetime_to_epoch(moment, "ms") == 1500.0
    assert client._datetime_to_epoch(moment, "m") == 1500.0
    assert math.isclose(client._datetime_to_epoch(moment, "u"), 1500000.0)
