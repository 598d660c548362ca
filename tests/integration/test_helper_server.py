"""SeriesHelper against a real influxd: exact points written, several threads, a failed commit
keeping its points, and nanosecond and microsecond ('u', 'us') precisions."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Any

import pytest

import influxdb.helper as helper_module
from influxdb import InfluxDBClient
from influxdb._stamping import Clock
from influxdb.exceptions import InfluxDBClientError
from influxdb.helper import SeriesHelper
from tests._influxd import Influxd

pytestmark = pytest.mark.server

T0 = 1_700_000_000


def rows(server: Influxd, database: str, query: str) -> list[list[Any]]:
    answer = server.admin_query(query, db=database)
    result = answer["results"][0]
    assert "error" not in result, result
    return [row for s in result.get("series") or [] for row in s["values"]]


def helper_class(client: InfluxDBClient, **meta: Any) -> Any:
    attrs = {"client": client, "series_name": "events.{server}", "fields": ["time", "value"],
             "tags": ["server"]}
    attrs.update(meta)
    return type("Events", (SeriesHelper,), {"Meta": type("Meta", (), attrs)})


def test_points_land_with_exact_values(client: InfluxDBClient, influxd: Influxd,
                                       database: str) -> None:
    Events = helper_class(client, time_precision="s")
    Events(server="a", value=1.5, time=T0)
    Events(server="b", value=2.5, time=T0 + 1)
    Events(server="a", value=3.5, time=T0 + 2)
    assert Events.commit() is True
    assert rows(influxd, database, 'SELECT "value", "server" FROM "events.a"') == [
        ["2023-11-14T22:13:20Z", 1.5, "a"], ["2023-11-14T22:13:22Z", 3.5, "a"]]
    assert rows(influxd, database, 'SELECT "value" FROM "events.b"') == [
        ["2023-11-14T22:13:21Z", 2.5]]
    assert Events._json_body_() == []


@pytest.mark.parametrize("precision", ["n", "ns"])
def test_nanosecond_precision(client: InfluxDBClient, influxd: Influxd, database: str,
                              precision: str) -> None:
    Events = helper_class(client, time_precision=precision)
    Events(server="a", value=1.0, time=1_700_000_000_123_456_789)
    Events.commit()
    answer = influxd.admin_query('SELECT "value" FROM "events.a"', db=database)
    assert answer["results"][0]["series"][0]["values"] == [
        ["2023-11-14T22:13:20.123456789Z", 1.0]]


@pytest.mark.parametrize("precision", ["u", "us"])
def test_microsecond_precision(client: InfluxDBClient, influxd: Influxd, database: str,
                               precision: str) -> None:
    Events = helper_class(client, time_precision=precision)
    Events(server="a", value=1.0, time=1_700_000_000_123_456)  # an integer: microseconds
    Events(server="a", value=2.0,
           time=datetime(2023, 11, 14, 22, 13, 21, 654_321, tzinfo=timezone.utc))
    Events(server="a", value=3.0, time="2023-11-14T22:13:22.000001999Z")  # floored
    assert Events.commit() is True
    assert rows(influxd, database, 'SELECT "value" FROM "events.a"') == [
        ["2023-11-14T22:13:20.123456Z", 1.0],
        ["2023-11-14T22:13:21.654321Z", 2.0],
        ["2023-11-14T22:13:22.000001Z", 3.0]]


def test_timeless_points_at_us_share_a_microsecond_and_are_named(
        client: InfluxDBClient, influxd: Influxd, database: str,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    now = 1_700_000_000_123_456_789
    monkeypatch.setattr(helper_module, "CLOCK", Clock(lambda: now))  # stamps now, now + 1, ...
    Events = helper_class(client, time_precision="us")
    with caplog.at_level(logging.WARNING, logger="influxdb.helper"):
        for i in range(3):
            Events(server="a", value=float(i))
        Events.commit()
    assert rows(influxd, database, 'SELECT "value" FROM "events.a"') == [
        ["2023-11-14T22:13:20.123456Z", 2.0]]  # the server keeps the last of them
    assert caplog.messages == [
        "Events: 3 points of series 'events.a,server=a' were written without a time and "
        "stamped 1700000000123456 at precision 'u': they share that time, so the server keeps "
        "only the last of them. Give the points times, a finer time_precision, or a tag that "
        "tells them apart (docs: 'Points without a time')."]


def test_default_time_is_now(client: InfluxDBClient, influxd: Influxd, database: str) -> None:
    Events = helper_class(client)
    before = datetime.now(timezone.utc)
    Events(server="a", value=1.0)
    Events.commit()
    [[stamp, _]] = rows(influxd, database, 'SELECT "value" FROM "events.a"')
    written = datetime.strptime(stamp[:26].rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=timezone.utc)
    assert abs((written - before).total_seconds()) < 5


def test_autocommit_from_eight_threads(client: InfluxDBClient, influxd: Influxd,
                                       database: str) -> None:
    Events = helper_class(client, bulk_size=100, autocommit=True, time_precision="s")

    def produce(thread: int) -> None:
        for i in range(1000):
            Events(server=f"s{thread}", value=float(i), time=T0 + i)

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    Events.commit()
    counts = rows(influxd, database, 'SELECT count("value") FROM /^events\\./')
    assert counts == [["1970-01-01T00:00:00Z", 1000]] * 8


def test_a_failed_commit_keeps_the_points(influxd: Influxd, database: str) -> None:
    wrong = InfluxDBClient(influxd.host, influxd.http_port, database="no_such_db", timeout=10)
    right = InfluxDBClient(influxd.host, influxd.http_port, database=database, timeout=10)
    Events = helper_class(wrong, time_precision="s")
    Events(server="a", value=1.0, time=T0)
    with pytest.raises(InfluxDBClientError, match="database not found"):
        Events.commit()
    assert len(Events._json_body_()) == 1
    Events.commit(right)
    assert rows(influxd, database, 'SELECT "value" FROM "events.a"') == [
        ["2023-11-14T22:13:20Z", 1.0]]
    wrong.close()
    right.close()


def test_a_commit_is_bounded_when_the_client_has_no_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that accepts and never answers: 5.3.2's timeout=None waited forever."""
    import socket
    import time

    import requests

    import influxdb.batching

    monkeypatch.setattr(influxdb.batching, "DEFAULT_REQUEST_TIMEOUT", 0.5)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])  # read nothing, answer nothing
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    client = InfluxDBClient("127.0.0.1", silent.getsockname()[1], database="db", retries=2)
    assert client._timeout is None
    Events = helper_class(client)
    Events(server="a", value=1.0, time=T0)
    started = time.monotonic()
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            Events.commit()
        assert time.monotonic() - started < 20  # two attempts of 0.5 s, and a backoff
        assert len(Events._json_body_()) == 1  # still buffered
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        silent.close()
        client.close()
