"""DataFrameClient against a stub server (requests_mock): exact requests and return shapes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any
from urllib.parse import parse_qs, urlparse

import msgpack
import numpy as np
import pandas as pd
import pytest
import requests_mock

from influxdb import DataFrameClient
from influxdb.exceptions import InfluxDBClientError, InfluxDBInvalidPointError
from influxdb.resultset import ResultSet

BASE = "http://localhost:8086"
NS = 1577836800123456789


@pytest.fixture
def mock() -> Any:
    with requests_mock.Mocker() as m:
        yield m


@pytest.fixture
def cli() -> DataFrameClient:
    return DataFrameClient(database="db")


def frame(rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame({"v": np.arange(rows, dtype=np.int64)},
                        index=pd.date_range("2020-01-01", periods=rows, freq="s", tz="UTC"))


def query_of(request: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(request.url).query)


# -- import and construction --------------------------------------------------------------

def test_import_does_not_import_pandas() -> None:
    code = "import sys, influxdb, influxdb.dataframe_client, influxdb._dataframe_client; " \
           "print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_without_pandas_import_error() -> None:
    code = textwrap.dedent("""
        import sys
        sys.modules['pandas'] = None  # makes "import pandas" raise ImportError
        from influxdb import DataFrameClient
        try:
            DataFrameClient()
        except ImportError as exc:
            print(str(exc))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.startswith("DataFrameClient requires Pandas which couldn't be imported: ")


def test_epoch_and_subclass(cli: DataFrameClient) -> None:
    assert DataFrameClient.EPOCH == pd.Timestamp("1970-01-01 00:00:00.000+00:00")
    assert cli.EPOCH.tz is not None
    assert isinstance(cli, __import__("influxdb").InfluxDBClient)
    assert DataFrameClient.from_dsn("influxdb://u:p@h:9/d").__class__ is DataFrameClient


def test_datetime_to_epoch(cli: DataFrameClient) -> None:
    stamp = pd.Timestamp("1970-01-01 00:01:00+00:00")
    assert cli._datetime_to_epoch(stamp) == 60.0
    assert cli._datetime_to_epoch(stamp, "ms") == 60000.0
    assert cli._datetime_to_epoch(stamp, "m") == 1.0


# -- writing -------------------------------------------------------------------------------

def test_write_request(mock: Any, cli: DataFrameClient) -> None:
    mock.post(f"{BASE}/write", status_code=204)
    assert cli.write_points(frame(2), "m", time_precision="s", retention_policy="rp") is True
    request = mock.request_history[0]
    assert query_of(request) == {"db": ["db"], "precision": ["s"], "rp": ["rp"]}
    assert request.headers["Content-Type"] == "application/octet-stream"
    assert request.body == b"m v=0i 1577836800\nm v=1i 1577836801\n"


def test_write_batches(mock: Any, cli: DataFrameClient) -> None:
    mock.post(f"{BASE}/write", status_code=204)
    cli.write_points(frame(5), "m", batch_size=2, database="other")
    assert [r.body.count(b"\n") for r in mock.request_history] == [2, 2, 1]
    assert {query_of(r)["db"][0] for r in mock.request_history} == {"other"}


def test_write_json_protocol(mock: Any, cli: DataFrameClient) -> None:
    mock.post(f"{BASE}/write", status_code=204)
    data = pd.DataFrame({"host": ["a"], "v": [1.5], "n": [np.nan]},
                        index=pd.DatetimeIndex(["2020-01-01"], tz="UTC"))
    cli.write_points(data, "m", tags={"dc": "x"}, tag_columns=["host"], protocol="json",
                     time_precision="s")
    assert mock.request_history[0].body == b"m,dc=x,host=a v=1.5 1577836800\n"


def test_json_points_shape(cli: DataFrameClient) -> None:
    data = pd.DataFrame({"host": ["a", "b"], "v": [1.5, np.nan], "i": [1, 2], "s": ["x", None]},
                        index=pd.DatetimeIndex(["2020-01-01", "2020-01-02"], tz="UTC"))
    points = cli._convert_dataframe_to_json(data, "m", tags={"dc": "x"}, tag_columns=["host"],
                                            time_precision="s")
    assert points == [
        {"measurement": "m", "fields": {"v": 1.5, "i": 1, "s": "x"}, "time": 1577836800,
         "tags": {"host": "a", "dc": "x"}},
        {"measurement": "m", "fields": {"i": 2}, "time": 1577923200,
         "tags": {"host": "b", "dc": "x"}},
    ]
    assert type(points[0]["fields"]["i"]) is int
    # Global tags are kept without tag columns (5.3.2 dropped them).
    assert cli._convert_dataframe_to_json(data[["i"]], "m", tags={"dc": "x"})[0]["tags"] == {
        "dc": "x"}


def test_bad_frame_sends_nothing(mock: Any, cli: DataFrameClient) -> None:
    mock.post(f"{BASE}/write", status_code=204)
    bad = pd.DataFrame({"v": np.array([1, 2**64 - 1], dtype=np.uint64)},
                       index=pd.date_range("2020", periods=2, freq="s", tz="UTC"))
    with pytest.raises(InfluxDBInvalidPointError, match="row 1"):
        cli.write_points(bad, "m", batch_size=1)
    assert mock.call_count == 0
    with pytest.raises(TypeError, match="Must be DataFrame"):
        cli.write_points([1, 2], "m")


def test_failed_batch_reports(mock: Any, cli: DataFrameClient) -> None:
    mock.post(f"{BASE}/write", [{"status_code": 204}, {"status_code": 400,
                                                       "json": {"error": "unable to parse"}}])
    with pytest.raises(InfluxDBClientError) as info:
        cli.write_points(frame(5), "m", batch_size=2)
    report = info.value.write_report  # type: ignore[attr-defined]
    assert (report.written, report.failed, report.unsent) == ([0], 1, [2])


def test_batch_of_empty_rows_is_not_sent_and_indexes_follow_the_rows(
        mock: Any, cli: DataFrameClient) -> None:
    mock.post(f"{BASE}/write", [{"status_code": 204},
                                {"status_code": 400, "json": {"error": "unable to parse"}}])
    data = pd.DataFrame({"v": [1.0, 2.0, np.nan, np.nan, 5.0, 6.0, 7.0]},
                        index=pd.date_range("2020-01-01", periods=7, freq="s", tz="UTC"))
    with pytest.raises(InfluxDBClientError) as info:
        cli.write_points(data, "m", batch_size=2)
    # Batch 1 (rows 2-3) has no field left: nothing to send, nothing lost.  Batch 2 is the
    # second request, and the one the server refused.
    report = info.value.write_report  # type: ignore[attr-defined]
    assert (report.written, report.failed, report.unsent) == ([0, 1], 2, [3])
    assert [r.body for r in mock.request_history] == [
        b"m v=1.0 1577836800000000000\nm v=2.0 1577836801000000000\n",
        b"m v=5.0 1577836804000000000\nm v=6.0 1577836805000000000\n"]


def test_private_helpers(cli: DataFrameClient) -> None:
    data = pd.DataFrame({"t": ["a b"], "v": [1.5], "s": ["q\""]},
                        index=pd.DatetimeIndex(["2020-01-01"], tz="UTC"))
    assert cli._convert_dataframe_to_lines(data, "m", tag_columns=["t"], time_precision="s") == [
        'm,t=a\\ b v=1.5,s="q\\"" 1577836800']
    strings = cli._stringify_dataframe(data[["v", "s"]], None)
    assert strings.values.tolist() == [["1.5", '"q\\""']]
    assert cli._stringify_dataframe(data[["t"]], None, datatype="tag").values.tolist() == [
        ["a\\ b"]]


# -- querying ------------------------------------------------------------------------------

def answer(*results: dict[str, Any]) -> dict[str, Any]:
    return {"results": [dict(r, statement_id=i) for i, r in enumerate(results)]}


SERIES = {"series": [{"name": "cpu", "columns": ["time", "v"], "values": [[NS, 1.5]]}]}


def test_query_asks_for_nanoseconds(mock: Any, cli: DataFrameClient) -> None:
    mock.get(f"{BASE}/query", json=answer(SERIES))
    frames = cli.query('SELECT "v" FROM "cpu"')
    assert query_of(mock.request_history[0])["epoch"] == ["ns"]
    assert list(frames) == ["cpu"]
    assert frames["cpu"].index[0].value == NS
    assert str(frames["cpu"].index.tz) == "UTC"


@pytest.mark.parametrize(("epoch", "wire", "value"), [
    ("s", "s", NS // 10**9), ("ms", "ms", NS // 10**6), ("u", "u", NS // 10**3),
    ("n", "ns", NS), ("h", "h", NS // (3600 * 10**9)),
])
def test_query_epoch_builds_the_right_index(mock: Any, cli: DataFrameClient, epoch: str,
                                            wire: str, value: int) -> None:
    mock.get(f"{BASE}/query", json=answer(
        {"series": [{"name": "cpu", "columns": ["time", "v"], "values": [[value, 1]]}]}))
    frames = cli.query('SELECT "v" FROM "cpu"', epoch=epoch)
    assert query_of(mock.request_history[0])["epoch"] == [wire]
    factor = {"s": 10**9, "ms": 10**6, "u": 10**3, "n": 1, "h": 3600 * 10**9}[epoch]
    assert frames["cpu"].index[0].value == value * factor


def test_query_bad_epoch(mock: Any, cli: DataFrameClient) -> None:
    mock.get(f"{BASE}/query", json=answer(SERIES))
    with pytest.raises(ValueError, match="Invalid epoch"):
        cli.query('SELECT "v" FROM "cpu"', epoch="fortnight")
    assert mock.call_count == 0


def test_query_msgpack_answer(mock: Any, cli: DataFrameClient) -> None:
    body = msgpack.packb(answer(SERIES))
    mock.get(f"{BASE}/query", content=body,
             headers={"Content-Type": "application/x-msgpack"})
    assert cli.query('SELECT "v" FROM "cpu"')["cpu"]["v"].tolist() == [1.5]


def test_several_statements_give_a_list(mock: Any, cli: DataFrameClient) -> None:
    mock.get(f"{BASE}/query", json=answer(SERIES, {}))
    result = cli.query('SELECT "v" FROM "cpu"; SELECT "v" FROM "none"')
    assert isinstance(result, list) and len(result) == 2
    assert list(result[0]) == ["cpu"] and result[1] == {}


def test_non_select_gives_the_result_set(mock: Any, cli: DataFrameClient) -> None:
    mock.get(f"{BASE}/query", json=answer(
        {"series": [{"name": "measurements", "columns": ["name"], "values": [["cpu"]]}]}))
    result = cli.query("SHOW MEASUREMENTS")
    assert isinstance(result, ResultSet)
    assert list(result.get_points()) == [{"name": "cpu"}]
    assert "epoch" not in query_of(mock.request_history[0])


def test_empty_select(mock: Any, cli: DataFrameClient) -> None:
    mock.get(f"{BASE}/query", json=answer({}))
    assert cli.query('SELECT * FROM "nothing"') == {}


def test_chunked_gives_one_dict_per_chunk(mock: Any, cli: DataFrameClient) -> None:
    chunks = [answer({"series": [{"name": "cpu", "columns": ["time", "v"],
                                  "values": [[NS + i, float(i)]]}], "partial": i < 2})
              for i in range(3)]
    mock.get(f"{BASE}/query", text="\n".join(json.dumps(c) for c in chunks) + "\n")
    result = cli.query('SELECT "v" FROM "cpu"', chunked=True, chunk_size=1)
    params = query_of(mock.request_history[0])
    assert (params["chunked"], params["chunk_size"]) == (["true"], ["1"])
    frames = list(result)
    assert [f["cpu"]["v"].tolist() for f in frames] == [[0.0], [1.0], [2.0]]


def test_chunked_statement_error_raises(mock: Any, cli: DataFrameClient) -> None:
    mock.get(f"{BASE}/query", text=json.dumps(answer({"error": "boom"})) + "\n")
    with pytest.raises(InfluxDBClientError, match="boom"):
        list(cli.query('SELECT "v" FROM "cpu"', chunked=True))


def test_statement_error(mock: Any, cli: DataFrameClient) -> None:
    mock.get(f"{BASE}/query", json=answer({"error": "database not found: db"}))
    with pytest.raises(InfluxDBClientError, match="database not found"):
        cli.query('SELECT * FROM "cpu"')
    assert cli.query('SELECT * FROM "cpu"', raise_errors=False) == {}


def test_group_by_keys_and_index(mock: Any, cli: DataFrameClient) -> None:
    mock.get(f"{BASE}/query", json=answer({"series": [
        {"name": "cpu", "tags": {"host": "a"}, "columns": ["time", "v"], "values": [[NS, 1]]},
        {"name": "cpu", "tags": {"host": "b"}, "columns": ["time", "v"], "values": [[NS, 2]]},
    ]}))
    frames = cli.query('SELECT "v" FROM "cpu" GROUP BY "host"', data_frame_index=["v"])
    assert list(frames) == [("cpu", (("host", "a"),)), ("cpu", (("host", "b"),))]
    assert frames[("cpu", (("host", "b"),))].index.tolist() == [2]


def test_to_dataframe_compat(cli: DataFrameClient) -> None:
    rs = ResultSet({"series": [{"name": "cpu", "columns": ["time", "v"],
                                "values": [["2020-01-01T00:00:00.123456789Z", 1]]}]})
    frames = cli._to_dataframe(rs)
    assert frames["cpu"].index[0].value == NS
    assert isinstance(cli._to_dataframe([rs, rs]), list)


def test_batched_write_memory_follows_the_batch(monkeypatch: pytest.MonkeyPatch,
                                                cli: DataFrameClient) -> None:
    import tracemalloc

    rows = 200_000
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"host": np.array(["a", "b", "c"], dtype=object)[rng.integers(0, 3, rows)],
                         "v": rng.normal(size=rows), "n": rng.integers(0, 10**9, rows)},
                        index=pd.date_range("2020", periods=rows, freq="ms", tz="UTC"))
    sent: list[int] = []
    monkeypatch.setattr(cli, "_write_payload", lambda body, **_: sent.append(len(body)))

    def peak(batch_size: Any) -> int:
        tracemalloc.start()
        try:
            cli.write_points(data, "m", tag_columns=["host"], batch_size=batch_size)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    batched = peak(2000)
    assert len(sent) == 100
    total = sum(sent)
    whole = peak(None)
    assert sent[-1] == total  # one body of everything
    # Bodies are built as they are sent: the peak is what the frame's codes and times take
    # (8 bytes a row per column), far below the line protocol written, and far below
    # building it all at once.
    assert batched < total / 2
    assert batched < whole / 2
