"""0.8 ``SeriesHelper``: buffering, validation, commits to the 0.8 stub server."""

from __future__ import annotations

import threading
from typing import Any
from unittest import mock

import pytest

from influxdb08 import InfluxDBClient, SeriesHelper
from influxdb08.client import InfluxDBClientError
from tests.influxdb08._server import Stub08Server


def _helper(client: Any = None, **meta: Any) -> type[SeriesHelper]:
    attrs = {"series_name": "events.stats.{server_name}", "fields": ["time", "server_name"]}
    attrs.update(meta)
    if client is not None:
        attrs["client"] = client
    meta_class = type("Meta", (), attrs)
    return type("MySeriesHelper", (SeriesHelper,), {"Meta": meta_class})


def test_json_body(client08: InfluxDBClient) -> None:
    helper = _helper(client08)
    helper(server_name="us.east-1", time=159)
    helper(server_name="us.east-1", time=160)
    helper(server_name="eu", time=161)
    assert helper._json_body_() == [
        {
            "name": "events.stats.us.east-1",
            "columns": ["time", "server_name"],
            "points": [[159, "us.east-1"], [160, "us.east-1"]],
        },
        {"name": "events.stats.eu", "columns": ["time", "server_name"], "points": [[161, "eu"]]},
    ]


def test_commit_writes_and_resets(client08: InfluxDBClient, server08: Stub08Server) -> None:
    helper = _helper(client08)
    helper(server_name="a", time=1)
    helper(server_name="b", time=2)
    assert helper.commit() is True
    request = server08.last
    assert (request.method, request.path, request.params["time_precision"]) == (
        "POST",
        "/db/db/series",
        "s",
    )
    assert request.json() == [
        {"name": "events.stats.a", "columns": ["time", "server_name"], "points": [[1, "a"]]},
        {"name": "events.stats.b", "columns": ["time", "server_name"], "points": [[2, "b"]]},
    ]
    assert helper._json_body_() == []
    assert sorted(server08.state.databases["db"].series) == ["events.stats.a", "events.stats.b"]


def test_commit_with_explicit_client(server08: Stub08Server) -> None:
    helper = _helper()
    helper(server_name="x", time=1)
    client = InfluxDBClient(server08.host, server08.port, "root", "root", "db")
    assert helper.commit(client) is True
    assert server08.last.json()[0]["points"] == [[1, "x"]]


def test_commit_without_any_client() -> None:
    helper = _helper()
    helper(server_name="x", time=1)
    with pytest.raises(AttributeError, match="No client given to MySeriesHelper.commit()"):
        helper.commit()


def test_failed_commit_keeps_points(client08: InfluxDBClient) -> None:
    client08.switch_database("missing")
    helper = _helper(client08)
    helper(server_name="x", time=1)
    with pytest.raises(InfluxDBClientError):
        helper.commit()
    assert helper._json_body_()[0]["points"] == [[1, "x"]]


def test_autocommit(client08: InfluxDBClient, server08: Stub08Server) -> None:
    helper = _helper(client08, bulk_size=3, autocommit=True)
    helper(server_name="a", time=1)
    helper(server_name="b", time=2)
    assert server08.requests == []
    helper(server_name="a", time=3)
    assert len(server08.requests) == 1
    assert server08.last.json()[0]["points"] == [[1, "a"], [3, "a"]]
    assert helper._json_body_() == []


def test_autocommit_without_bulk_size_writes_every_point(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    helper = _helper(client08, autocommit=True)
    helper(server_name="a", time=1)
    helper(server_name="a", time=2)
    assert len(server08.requests) == 2


def test_bulk_size_below_one_is_forced_to_one(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    helper = _helper(client08, bulk_size=0, autocommit=True)
    with pytest.warns(UserWarning, match="forced to 1, was less than 1"):
        helper(server_name="a", time=1)
    assert len(server08.requests) == 1


def test_bulk_size_without_autocommit_warns(client08: InfluxDBClient) -> None:
    helper = _helper(client08, bulk_size=5)
    with pytest.warns(UserWarning, match="has no affect because autocommit is false"):
        helper(server_name="a", time=1)


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        (None, "Missing Meta class in Broken."),
        ({"fields": ["a"]}, "Missing series_name in Broken Meta class."),
        ({"series_name": "s"}, "Missing fields in Broken Meta class."),
        (
            {"series_name": "s", "fields": ["a"], "autocommit": True},
            "In Broken, autocommit is set to True, but no client is set.",
        ),
    ],
)
def test_meta_validation(meta: Any, message: str) -> None:
    body = {} if meta is None else {"Meta": type("Meta", (), meta)}
    broken = type("Broken", (SeriesHelper,), body)
    for _ in range(2):  # still refused the second time (5.3.2 marked it set up anyway)
        with pytest.raises(AttributeError) as info:
            broken(a=1)
        assert str(info.value) == message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time": 1}, "Expected ['time', 'server_name'], got ['time']."),
        (
            {"time": 1, "server_name": "a", "extra": 2},
            "Expected ['time', 'server_name'], got ['time', 'server_name', 'extra'].",
        ),
    ],
)
def test_every_field_must_be_given(kwargs: dict[str, Any], message: str) -> None:
    helper = _helper()
    with pytest.raises(NameError) as info:
        helper(**kwargs)
    assert str(info.value) == message
    assert helper._json_body_() == []


def test_meta_fields_not_modified_nor_shared(client08: InfluxDBClient) -> None:
    fields = ["time", "server_name"]
    helper = _helper(client08, fields=fields)
    helper(server_name="a", time=1)
    body = helper._json_body_()
    body[0]["columns"].append("x")
    assert fields == ["time", "server_name"]
    assert helper._json_body_()[0]["columns"] == ["time", "server_name"]


def test_never_instantiated_helper_has_empty_body() -> None:
    assert _helper()._json_body_() == []


def test_subclasses_have_their_own_buffers() -> None:
    parent = _helper()
    parent(server_name="p", time=1)
    child: type[SeriesHelper] = type("Child", (parent,), {})
    child(server_name="c", time=2)
    assert [s["name"] for s in parent._json_body_()] == ["events.stats.p"]
    assert [s["name"] for s in child._json_body_()] == ["events.stats.c"]


def test_points_from_several_threads(client08: InfluxDBClient, server08: Stub08Server) -> None:
    helper = _helper(client08, bulk_size=10, autocommit=True)
    barrier = threading.Barrier(4)

    def produce(worker: int) -> None:
        barrier.wait(timeout=10)
        for i in range(50):
            helper(server_name=f"w{worker}", time=worker * 1000 + i)

    threads = [threading.Thread(target=produce, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    helper.commit()
    written = [p for r in server08.requests for s in r.json() for p in s["points"]]
    assert sorted(p[0] for p in written) == sorted(
        w * 1000 + i for w in range(4) for i in range(50)
    )
    assert len(server08.requests) == 20 + 1  # 200 points in 10s, then an empty commit


def test_commit_calls_write_points_with_the_08_body() -> None:
    client = mock.Mock()
    client.write_points.return_value = True
    helper = _helper(client)
    helper(server_name="a", time=1)
    assert helper.commit() is True
    client.write_points.assert_called_once_with(
        [{"name": "events.stats.a", "columns": ["time", "server_name"], "points": [[1, "a"]]}]
    )
