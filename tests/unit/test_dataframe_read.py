"""Decoded answers -> DataFrames (influxdb._dataframe.read)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from influxdb._dataframe.read import frames_of_results, series_frame
from influxdb.exceptions import InfluxDBClientError

NS = 1577836800123456789  # 2020-01-01T00:00:00.123456789Z


def stamps(*nanos: int) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.array(nanos, dtype="datetime64[ns]")).tz_localize("UTC")


def text(values: list[Any]) -> pd.Series:
    # What pandas itself makes of text ("str" on pandas 3, object before).
    return pd.DataFrame({"x": np.array(values, dtype=object)})["x"]


def test_types_follow_the_data() -> None:
    series = {
        "name": "m",
        "columns": ["time", "f", "i", "b", "s", "mix", "ih", "bh", "fh", "none"],
        "values": [
            [NS, 1.5, 1, True, "a", 1, 1, True, 1.5, None],
            [NS + 1, 2.5, -2, False, "b", 2.5, None, None, None, None],
        ],
    }
    frame = series_frame(series)
    expected = pd.DataFrame(
        {
            "f": [1.5, 2.5],
            "i": np.array([1, -2], dtype=np.int64),
            "b": [True, False],
            "s": text(["a", "b"]).to_numpy(),
            "mix": [1.0, 2.5],
            "ih": pd.array([1, None], dtype="Int64"),
            "bh": pd.array([True, None], dtype="boolean"),
            "fh": [1.5, np.nan],
            "none": np.array([None, None], dtype=object),
        },
        index=stamps(NS, NS + 1),
    )
    pd.testing.assert_frame_equal(frame, expected)
    assert frame.index.name is None


@pytest.mark.parametrize(
    ("unit_nanos", "value"),
    [(1, NS), (10**3, NS // 10**3), (10**6, NS // 10**6), (10**9, NS // 10**9),
     (60 * 10**9, NS // (60 * 10**9)), (3600 * 10**9, NS // (3600 * 10**9))],
)
def test_epoch_units(unit_nanos: int, value: int) -> None:
    frame = series_frame({"name": "m", "columns": ["time", "v"], "values": [[value, 1]]},
                         unit_nanos=unit_nanos)
    assert frame.index[0].value == value * unit_nanos


def test_rfc3339_times_keep_nanoseconds() -> None:
    frame = series_frame({"name": "m", "columns": ["time", "v"],
                          "values": [["2020-01-01T00:00:00.123456789Z", 1],
                                     ["2020-01-01T00:00:01Z", 2]]})
    assert frame.index.asi8.tolist() == [NS, 1577836801000000000]
    assert str(frame.index.tz) == "UTC"


def test_data_frame_index() -> None:
    series = {"name": "m", "columns": ["time", "host", "v"],
              "values": [[NS, "a", 1], [NS + 1, "b", 2]]}
    frame = series_frame(series, index_columns=["host"])
    assert frame.index.tolist() == ["a", "b"]
    assert frame["time"].tolist() == list(stamps(NS, NS + 1))


def test_keys_and_grouping() -> None:
    result = {
        "statement_id": 0,
        "series": [
            {"name": "cpu", "tags": {"host": "b", "dc": "x"}, "columns": ["time", "v"],
             "values": [[NS, 1.0]]},
            {"name": "cpu", "tags": {"host": "a", "dc": "x"}, "columns": ["time", "v"],
             "values": [[NS, 2.0]]},
        ],
    }
    frames = frames_of_results([result])
    assert list(frames) == [("cpu", (("dc", "x"), ("host", "b"))),
                            ("cpu", (("dc", "x"), ("host", "a")))]
    plain = frames_of_results([{"series": [{"name": "mem", "columns": ["time", "v"],
                                            "values": [[NS, 1]]}]}])
    assert list(plain) == ["mem"]


def test_pieces_of_a_series_are_joined_in_time_order() -> None:
    part = {"name": "m", "columns": ["time", "v"]}
    results = [{"series": [dict(part, values=[[3, 3.0], [4, 4.0]])]},
               {"series": [dict(part, values=[[1, 1.0], [2, 2.0]])]}]
    frames = frames_of_results(results)
    assert frames["m"]["v"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_dropna_drops_empty_columns() -> None:
    result = {"series": [{"name": "m", "columns": ["time", "a", "b"],
                          "values": [[1, 1.0, None], [2, 2.0, None]]}]}
    assert list(frames_of_results([result])["m"].columns) == ["a"]
    assert list(frames_of_results([result], dropna=False)["m"].columns) == ["a", "b"]


def test_statement_error_raises() -> None:
    with pytest.raises(InfluxDBClientError, match="database not found"):
        frames_of_results([{"statement_id": 0, "error": "database not found: x"}])
    assert frames_of_results([{"error": "boom"}], raise_errors=False) == {}


def test_empty_series() -> None:
    frame = series_frame({"name": "m", "columns": ["time", "v"], "values": []})
    assert len(frame) == 0 and list(frame.columns) == ["v"]
    assert frames_of_results([{"statement_id": 0}]) == {}
