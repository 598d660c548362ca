"""DataFrameClient against a real influxd 1.6.7: written, read back, equal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from influxdb import DataFrameClient, InfluxDBClient
from influxdb.resultset import ResultSet

pytestmark = pytest.mark.server


@pytest.fixture
def dfc(influxd: Any, database: str) -> Iterator[DataFrameClient]:
    cli = DataFrameClient(influxd.host, influxd.http_port, database=database, timeout=60)
    yield cli
    cli.close()


def text(values: list[Any]) -> pd.Series:
    """What pandas makes of text ("str" on pandas 3, object before)."""
    return pd.DataFrame({"x": np.array(values, dtype=object)})["x"]


def utc_index(index: pd.Index, precision_nanos: int = 1) -> pd.DatetimeIndex:
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    index = index.tz_convert("UTC") if index.tz is not None else index.tz_localize("UTC")
    nanos = index.as_unit("ns").asi8 // precision_nanos * precision_nanos
    return pd.DatetimeIndex(nanos.view("datetime64[ns]")).tz_localize("UTC")


def expected_fields(frame: pd.DataFrame, kinds: dict[str, str],
                    precision_nanos: int = 1) -> pd.DataFrame:
    """The frame as it reads back: fields sorted by name (InfluxDB's order), typed as the
    data says, rows without fields gone, all-missing columns dropped (dropna)."""
    present = frame[list(kinds)].notna()
    frame = frame[present.any(axis=1).to_numpy()]
    columns: dict[str, Any] = {}
    for name in sorted(kinds):
        column = frame[name]
        missing = column.isna().to_numpy()
        values = [None if m else v for m, v in zip(missing, column.astype(object).tolist())]
        if missing.all():
            continue
        kind = kinds[name]
        if kind == "float":
            columns[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
        elif kind in ("int", "bool"):
            if not missing.any():
                columns[name] = np.array(values, dtype=np.int64 if kind == "int" else bool)
            else:
                columns[name] = pd.array(values, dtype="Int64" if kind == "int" else "boolean")
        else:
            columns[name] = text([None if v is None else str(v) for v in values]).to_numpy()
    return pd.DataFrame(columns, index=utc_index(frame.index, precision_nanos))


def every_dtype_frame() -> pd.DataFrame:
    n = 12
    index = pd.date_range("2024-03-01 12:00", periods=n, freq="1500ms", tz="Europe/Paris",
                          unit="ms")
    return pd.DataFrame(
        {
            "f": [1.5, np.nan, 0.1, 1e20, -2.0, 3.25, 5e-324, -1.7976931348623157e308,
                  1 / 3, np.nan, 0.0, 123456789.123],
            "i": np.arange(n, dtype=np.int64) * 10**17 - 5 * 10**17,
            "ni": pd.array([1, None, 3, None, 5, 6, -(2**63), 2**63 - 1, 0, None, 1, 2],
                           dtype="Int64"),
            "b": [True, False] * 6,
            "nb": pd.array([True, None, False, None] * 3, dtype="boolean"),
            "s": ["a", 'q"uote', "back\\slash", "new\nline", "sp ace", "\u00e9\u2603",
                  "", "x,y=z", "tab\t", "end\\", "'", "a b"],
            "ns": pd.array(["x", None] * 6, dtype="string"),
            "cat": pd.Categorical(["u", "v", "u", None] * 3),
            "host": ["h1", "h2 b", "h1", "h2 b", None, "h1"] * 2,
            "zone": ["z=1", "z,2"] * 6,
        },
        index=index,
    )


KINDS = {"f": "float", "i": "int", "ni": "int", "b": "bool", "nb": "bool", "s": "str",
         "ns": "str", "cat": "str"}


def test_every_dtype_round_trip_group_by(dfc: DataFrameClient) -> None:
    frame = every_dtype_frame()
    before = frame.copy()
    dfc.write_points(frame, "m e", tag_columns=["host", "zone"], tags={"dc": "eu west"},
                     batch_size=5)
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is untouched
    frames = dfc.query('SELECT * FROM "m e" GROUP BY *')
    groups = frame.assign(host=frame["host"].fillna("")).groupby(["host", "zone"], sort=True)
    assert sorted(frames) == sorted(
        ("m e", (("dc", "eu west"), ("host", h), ("zone", z))) for (h, z), _ in groups)
    for (host, zone), part in groups:
        got = frames[("m e", (("dc", "eu west"), ("host", host), ("zone", zone)))]
        pd.testing.assert_frame_equal(got, expected_fields(part, KINDS))


def test_plain_select_has_tags_as_columns(dfc: DataFrameClient) -> None:
    frame = every_dtype_frame()
    dfc.write_points(frame, "m", tag_columns=["host", "zone"], tags={"dc": "x"})
    got = dfc.query('SELECT * FROM "m"')["m"]
    expected = expected_fields(frame, KINDS)
    expected["dc"] = text(["x"] * len(frame)).to_numpy()
    expected["host"] = text(frame["host"].tolist()).to_numpy()
    expected["zone"] = text(frame["zone"].tolist()).to_numpy()
    pd.testing.assert_frame_equal(got, expected[sorted(expected.columns)])


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize(("precision", "nanos"), [
    (None, 1), ("n", 1), ("u", 10**3), ("ms", 10**6), ("s", 10**9), ("m", 60 * 10**9),
    ("h", 3600 * 10**9)])
def test_every_index_resolution_and_precision(dfc: DataFrameClient, unit: str,
                                              precision: Any, nanos: int) -> None:
    index = pd.DatetimeIndex(
        ["1969-07-20 20:17:40.123456789", "2024-02-29 23:59:59.999999999"]).as_unit(unit)
    index = index.tz_localize("America/New_York")
    frame = pd.DataFrame({"v": [1.25, 2.5]}, index=index)
    dfc.write_points(frame, "t", time_precision=precision)
    got = dfc.query('SELECT * FROM "t"')["t"]
    pd.testing.assert_frame_equal(got, expected_fields(frame, {"v": "float"}, nanos))


def test_period_index(dfc: DataFrameClient) -> None:
    frame = pd.DataFrame({"v": [1, 2, 3]}, index=pd.period_range("2024-01", periods=3, freq="M"))
    dfc.write_points(frame, "p")
    got = dfc.query('SELECT * FROM "p"')["p"]
    pd.testing.assert_frame_equal(got, expected_fields(frame, {"v": "int"}))


def test_floats_and_ints_are_exact(dfc: DataFrameClient) -> None:
    rng = np.random.default_rng(5)
    n = 2000
    values = rng.normal(size=n) * 10.0 ** rng.integers(-300, 300, n)
    values[:6] = [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, -0.0, 1e16]
    ints = rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64)
    frame = pd.DataFrame({"f": values, "i": ints},
                         index=pd.date_range("2024", periods=n, freq="ms", tz="UTC"))
    dfc.write_points(frame, "x")
    got = dfc.query('SELECT * FROM "x"')["x"]
    assert got["f"].to_numpy().tobytes() == values.tobytes()  # bit for bit, -0.0 too
    assert got["i"].tolist() == ints.tolist()


@pytest.mark.parametrize("epoch", [None, "h", "m", "s", "ms", "u", "ns"])
def test_query_epoch(dfc: DataFrameClient, epoch: Any) -> None:
    index = pd.DatetimeIndex(["2024-01-01T10:00:00.123456789Z"])
    dfc.write_points(pd.DataFrame({"v": [1]}, index=index), "e")
    got = dfc.query('SELECT * FROM "e"', epoch=epoch)["e"]
    unit = {None: 1, "h": 3600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "u": 10**3,
            "ns": 1}[epoch]
    assert got.index.asi8.tolist() == [index.asi8[0] // unit * unit]


def test_chunked_query_streams_frames(dfc: DataFrameClient) -> None:
    n = 5000
    frame = pd.DataFrame({"v": np.arange(n, dtype=np.int64), "host": ["a", "b"] * (n // 2)},
                         index=pd.date_range("2024", periods=n, freq="s", tz="UTC"))
    dfc.write_points(frame, "c", tag_columns=["host"], batch_size=1000)
    chunks = list(dfc.query('SELECT * FROM "c" GROUP BY *', chunked=True, chunk_size=700))
    assert len(chunks) > 2
    assert all(isinstance(c, dict) for c in chunks)
    for host in ("a", "b"):
        key = ("c", (("host", host),))
        joined = pd.concat([c[key] for c in chunks if key in c])
        expected = expected_fields(frame[frame["host"] == host], {"v": "int"})
        pd.testing.assert_frame_equal(joined, expected)


def test_several_statements_and_show(dfc: DataFrameClient) -> None:
    frame = pd.DataFrame({"v": [1.0, 2.0]},
                         index=pd.date_range("2024", periods=2, freq="s", tz="UTC"))
    dfc.write_points(frame, "a")
    result = dfc.query('SELECT * FROM "a"; SELECT count("v") FROM "a"')
    assert isinstance(result, list) and len(result) == 2
    assert result[1]["a"]["count"].tolist() == [2]
    shown = dfc.query("SHOW MEASUREMENTS")
    assert isinstance(shown, ResultSet)
    assert list(shown.get_points()) == [{"name": "a"}]


def test_global_tags_never_dropped_nor_duplicated(dfc: DataFrameClient) -> None:
    frame = pd.DataFrame({"host": ["a", "b"], "v": [1, 2]},
                         index=pd.date_range("2024", periods=2, freq="s", tz="UTC"))
    dfc.write_points(frame, "g", tag_columns=["host"], tags={"host": "G", "dc": "x"})
    dfc.write_points(frame[["v"]], "g2", tags={"dc": "y"}, protocol="json")
    assert list(dfc.query('SHOW SERIES FROM "g"').get_points()) == [{"key": "g,dc=x,host=G"}]
    assert list(dfc.query('SHOW SERIES FROM "g2"').get_points()) == [{"key": "g2,dc=y"}]


def test_json_protocol_round_trip(dfc: DataFrameClient) -> None:
    frame = every_dtype_frame()
    dfc.write_points(frame, "j", tag_columns=["host", "zone"], protocol="json", batch_size=4)
    got = dfc.query('SELECT * FROM "j"')["j"]
    expected = expected_fields(frame, KINDS)
    expected["host"] = text(frame["host"].tolist()).to_numpy()
    expected["zone"] = text(frame["zone"].tolist()).to_numpy()
    pd.testing.assert_frame_equal(got, expected[sorted(expected.columns)])


@pytest.mark.parametrize("protocol", ["line", "json"])
def test_infinite_cells_are_left_out_as_in_532(dfc: DataFrameClient, protocol: str) -> None:
    # A division by zero in a frame: the infinite cells are missing, the rest is stored.
    frame = pd.DataFrame({"v": [1.0, np.inf, -np.inf, 4.0], "w": [np.inf, 2.0, np.inf, 8.0],
                          "o": np.array([np.inf, "b", -np.inf, "d"], dtype=object)},
                         index=pd.date_range("2024", periods=4, freq="s", tz="UTC"))
    dfc.write_points(frame, "inf", protocol=protocol)
    rows = list(InfluxDBClient.query(dfc, 'SELECT * FROM "inf"').get_points())
    assert rows == [
        {"time": "2024-01-01T00:00:00Z", "o": None, "v": 1.0, "w": None},
        {"time": "2024-01-01T00:00:01Z", "o": "b", "v": None, "w": 2.0},
        {"time": "2024-01-01T00:00:03Z", "o": "d", "v": 4.0, "w": 8.0},
    ]


def test_data_frame_index_and_dropna(dfc: DataFrameClient) -> None:
    frame = pd.DataFrame({"host": ["a", "b"], "v": [1.0, 2.0], "w": [np.nan, np.nan]},
                         index=pd.date_range("2024", periods=2, freq="s", tz="UTC"))
    dfc.write_points(frame, "d", tag_columns=["host"], field_columns=["v", "w"])
    got = dfc.query('SELECT "v", "host" FROM "d"', data_frame_index=["host"])["d"]
    assert got.index.tolist() == ["a", "b"] and got["v"].tolist() == [1.0, 2.0]
    kept = dfc.query('SELECT "v", "host", "nope" FROM "d"', dropna=False)["d"]
    assert list(kept.columns) == ["v", "host", "nope"]


@pytest.mark.slow
def test_chunked_query_memory_is_bounded(dfc: DataFrameClient) -> None:
    import tracemalloc

    n = 200_000
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"v": rng.normal(size=n), "s": ["abc"] * n},
                         index=pd.date_range("2024", periods=n, freq="ms", tz="UTC"))
    dfc.write_points(frame, "mem", batch_size=50_000)

    def peak(run: Any) -> int:
        tracemalloc.start()
        try:
            run()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    rows: list[int] = []

    def chunked() -> None:
        for chunk in dfc.query('SELECT * FROM "mem"', chunked=True, chunk_size=5000):
            rows.append(len(chunk["mem"]))

    streamed = peak(chunked)
    whole = peak(lambda: dfc.query('SELECT * FROM "mem"'))
    assert sum(rows) == n and max(rows) <= 5000
    assert streamed < whole / 5
