"""0.8 ``InfluxDBClient`` writes, queries and deletes against the 0.8 stub server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from influxdb08 import InfluxDBClient
from influxdb08.client import InfluxDBClientError
from tests.influxdb08._server import Stub08Server

CPU = [
    {
        "name": "cpu",
        "columns": ["time", "value", "host"],
        "points": [[1400000000, 0.5, "a"], [1400000001, 0.75, "b"]],
    }
]
AUTH = [("u", "root"), ("p", "root")]


def test_write_points_exact_request(client08: InfluxDBClient, server08: Stub08Server) -> None:
    assert client08.write_points(CPU) is True
    request = server08.last
    assert (request.method, request.path) == ("POST", "/db/db/series")
    assert request.query == [("time_precision", "s"), *AUTH]
    assert request.json() == CPU
    assert request.headers["Content-type"] == "application/json"
    stored = server08.state.databases["db"].series["cpu"]
    assert [(p.time_us, p.values) for p in stored] == [
        (1400000000000000, {"value": 0.5, "host": "a"}),
        (1400000001000000, {"value": 0.75, "host": "b"}),
    ]


@pytest.mark.parametrize(
    ("precision", "written", "stored_us"),
    [
        ("s", 1400000000, 1400000000000000),
        ("m", 1400000000123, 1400000000123000),
        ("ms", 1400000000123, 1400000000123000),
        ("u", 1400000000123456, 1400000000123456),
    ],
)
def test_write_points_precision(
    client08: InfluxDBClient, server08: Stub08Server, precision: str, written: int, stored_us: int
) -> None:
    body = [{"name": "p", "columns": ["time", "v"], "points": [[written, 1]]}]
    assert client08.write_points(body, time_precision=precision) is True
    assert server08.last.params["time_precision"] == precision
    assert server08.state.databases["db"].series["p"][0].time_us == stored_us


def test_write_points_precision_positional(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    client08.write_points(CPU, "ms")
    assert server08.last.params["time_precision"] == "ms"


@pytest.mark.parametrize("precision", ["n", "h", "ns"])
def test_write_points_bad_precision_sends_nothing(
    client08: InfluxDBClient, server08: Stub08Server, precision: str
) -> None:
    with pytest.raises(ValueError, match="Invalid time precision"):
        client08.write_points(CPU, time_precision=precision)
    assert server08.requests == []


def test_write_points_batch_size(client08: InfluxDBClient, server08: Stub08Server) -> None:
    data = [
        {"name": "a", "columns": ["v"], "points": [[1], [2], [3]]},
        {"name": "b", "columns": ["w"], "points": [[4]]},
    ]
    assert client08.write_points(data, batch_size=2) is True
    assert [r.json() for r in server08.requests] == [
        [{"points": [[1], [2]], "name": "a", "columns": ["v"]}],
        [{"points": [[3]], "name": "a", "columns": ["v"]}],
        [{"points": [[4]], "name": "b", "columns": ["w"]}],
    ]
    assert all(r.query == [("time_precision", "s"), *AUTH] for r in server08.requests)
    assert data[0]["points"] == [[1], [2], [3]]


def test_write_points_batch_size_with_precision(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    client08.write_points(CPU, time_precision="u", batch_size=1)
    assert [r.params["time_precision"] for r in server08.requests] == ["u", "u"]


def test_write_points_with_precision_is_deprecated(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    with pytest.warns(FutureWarning, match="write_points_with_precision is deprecated"):
        assert client08.write_points_with_precision(CPU, time_precision="ms") is True
    assert server08.last.params["time_precision"] == "ms"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            [{"name": "x", "columns": ["a", "a"], "points": [[1, 2]]}],
            "Cannot have duplicate field names",
        ),
        ([{"name": "x", "columns": ["a", "b"], "points": [[1]]}], "invalid payload"),
        (
            [{"name": "x", "columns": ["time"], "points": [["now"]]}],
            "time field must be float but is string (now)",
        ),
    ],
)
def test_write_points_refused(
    client08: InfluxDBClient, server08: Stub08Server, body: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.write_points(body)
    assert (info.value.code, info.value.content) == (400, message)
    assert server08.state.databases["db"].series == {}


def test_write_to_missing_database(client08: InfluxDBClient) -> None:
    client08.switch_database("missing")
    with pytest.raises(InfluxDBClientError) as info:
        client08.write_points(CPU)
    assert str(info.value) == "400: Database missing doesn't exist"


def test_write_is_404_on_a_real_08_server(client08: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.write({"database": "db", "points": []})
    assert info.value.code == 404


def test_write_posts_to_write_endpoint(server08: Stub08Server) -> None:
    server08.accept_v09_write = True
    client = InfluxDBClient(server08.host, server08.port, "root", "root", "db")
    data = {"database": "db", "points": [{"name": "cpu", "values": {"value": 1}}]}
    assert client.write(data) is True
    request = server08.last
    assert (request.method, request.path, request.query) == ("POST", "/write", AUTH)
    assert request.json() == data


def _seed(server: Stub08Server) -> None:
    server.state.now_us = lambda: 1500000000000000
    client = InfluxDBClient(server.host, server.port, "root", "root", "db")
    client.write_points(CPU)
    client.write_points([{"name": "mem", "columns": ["free"], "points": [[10], [20]]}])
    server.clear()


def test_query_exact(client08: InfluxDBClient, server08: Stub08Server) -> None:
    _seed(server08)
    result = client08.query("select * from cpu;")
    assert result == [
        {
            "name": "cpu",
            "columns": ["time", "sequence_number", "value", "host"],
            "points": [[1400000001, 2, 0.75, "b"], [1400000000, 1, 0.5, "a"]],
        }
    ]
    request = server08.last
    assert (request.method, request.path, request.body) == ("GET", "/db/db/series", b"")
    assert request.query == [
        ("q", "select * from cpu;"),
        ("time_precision", "s"),
        ("chunked", "false"),
        *AUTH,
    ]


@pytest.mark.parametrize(
    ("precision", "times"),
    [
        ("s", [1400000001, 1400000000]),
        ("m", [1400000001000, 1400000000000]),
        ("ms", [1400000001000, 1400000000000]),
        ("u", [1400000001000000, 1400000000000000]),
    ],
)
def test_query_time_precision(
    client08: InfluxDBClient, server08: Stub08Server, precision: str, times: list[int]
) -> None:
    _seed(server08)
    result = client08.query("select value from cpu", time_precision=precision)
    assert [row[0] for row in result[0]["points"]] == times
    assert result[0]["columns"] == ["time", "sequence_number", "value"]
    assert server08.last.params["time_precision"] == precision


def test_query_order_and_limit(client08: InfluxDBClient, server08: Stub08Server) -> None:
    _seed(server08)
    result = client08.query("select host from cpu limit 1 order asc")
    assert result[0]["points"] == [[1400000000, 1, "a"]]


def test_query_regex_several_series(client08: InfluxDBClient, server08: Stub08Server) -> None:
    _seed(server08)
    result = client08.query("select * from /.*/")
    assert [s["name"] for s in result] == ["cpu", "mem"]
    assert result[1]["points"] == [[1500000000, 4, 20], [1500000000, 3, 10]]


def test_query_chunked(client08: InfluxDBClient, server08: Stub08Server) -> None:
    _seed(server08)
    server08.chunk_points = 1
    result = client08.query("select * from /.*/", chunked=True)
    columns = ["time", "sequence_number", "value", "host"]
    assert result == [
        {"name": "cpu", "columns": columns, "points": [[1400000001, 2, 0.75, "b"]]},
        {
            "name": "mem",
            "columns": ["time", "sequence_number", "free"],
            "points": [[1500000000, 4, 20]],
        },
        {"name": "cpu", "columns": columns, "points": [[1400000000, 1, 0.5, "a"]]},
        {
            "name": "mem",
            "columns": ["time", "sequence_number", "free"],
            "points": [[1500000000, 3, 10]],
        },
    ]
    assert server08.last.params["chunked"] == "true"


def test_query_chunked_empty(client08: InfluxDBClient, server08: Stub08Server) -> None:
    _seed(server08)
    assert client08.query("select * from /^nothing/", chunked=True) == []


def test_query_unicode(client08: InfluxDBClient, server08: Stub08Server) -> None:
    client08.write_points([{"name": "t", "columns": ["time", "s"], "points": [[1, "€ü"]]}])
    assert client08.query("select s from t", chunked=True)[0]["points"] == [[1, 1, "€ü"]]
    assert client08.query("select s from t")[0]["points"] == [[1, 1, "€ü"]]


def test_query_missing_series(client08: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.query("select * from nope")
    assert str(info.value) == "400: Couldn't find series: nope"


def test_query_syntax_error(client08: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.query("selec * from x")
    assert (info.value.code, info.value.content) == (
        400,
        "Error at 1:0. syntax error, unexpected selec",
    )


def test_query_bad_precision_sends_nothing(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    with pytest.raises(ValueError, match="Invalid time precision"):
        client08.query("list series", time_precision="ns")
    assert server08.requests == []


def test_delete_points(client08: InfluxDBClient, server08: Stub08Server) -> None:
    _seed(server08)
    assert client08.delete_points("cpu") is True
    request = server08.last
    assert (request.method, request.path, request.query, request.body) == (
        "DELETE",
        "/db/db/series/cpu",
        AUTH,
        b"",
    )
    assert list(server08.state.databases["db"].series) == ["mem"]


def test_delete_points_missing(client08: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.delete_points("nope")
    assert str(info.value) == "400: Couldn't find series: nope"


def test_names_are_percent_encoded_in_paths(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    client08.write_points([{"name": "a/b c", "columns": ["v"], "points": [[1]]}])
    assert client08.delete_points("a/b c") is True
    assert server08.last.path == "/db/db/series/a%2Fb%20c"
    assert server08.state.databases["db"].series == {}


def test_write_then_query_round_trip_types(client08: InfluxDBClient) -> None:
    values = [1, 2.5, "x", True, None]
    columns = ["i", "f", "s", "b", "n"]
    client08.write_points(
        [{"name": "types", "columns": ["time", *columns], "points": [[7, *values]]}]
    )
    result = client08.query("select * from types")
    assert result == [
        {
            "name": "types",
            "columns": ["time", "sequence_number", *columns],
            "points": [[7, 1, *values]],
        }
    ]
    assert json.loads(json.dumps(result)) == result
