"""Points without a time against a real influxd: the batching writer, sessions and the
SeriesHelper stamp them with the client's clock, so every point is stored; at a coarse
precision the points that share a time are named in a warning; write_points keeps the
server's time and warns."""

from __future__ import annotations

import logging
import time
from typing import Any, Optional

import pytest
import requests

import influxdb.helper as helper_module
from influxdb import InfluxDBClient
from influxdb._stamping import Clock
from influxdb.helper import SeriesHelper
from tests._influxd import Influxd

pytestmark = pytest.mark.server

NOW = 1_700_000_000_123_456_789  # 2023-11-14T22:13:20.123456789Z


def count(server: Influxd, database: str, measurement: str) -> int:
    answer = server.admin_query(f'SELECT count("v") FROM "{measurement}"', db=database)
    result = answer["results"][0]
    assert "error" not in result, result
    series = result.get("series") or []
    return int(series[0]["values"][0][1]) if series else 0


def times(server: Influxd, database: str, measurement: str) -> list[int]:
    """The stored times in nanoseconds (a bare HTTP call, not the client under test)."""
    answer = requests.post(server.url + "/query", params={"db": database, "epoch": "ns"},
                           data={"q": f'SELECT "v" FROM "{measurement}"'}, timeout=30).json()
    result = answer["results"][0]
    return [row[0] for s in result.get("series") or [] for row in s["values"]]


def shared_warning(who: str, n: int, series: str, stamp: int, precision: str) -> str:
    return (f"{who}: {n} points of series {series!r} were written without a time and stamped "
            f"{stamp} at precision {precision!r}: they share that time, so the server keeps "
            f"only the last of them. Give the points times, a finer time_precision, or a tag "
            f"that tells them apart (docs: 'Points without a time').")


def test_writer_stores_every_timeless_point(client: InfluxDBClient, influxd: Influxd,
                                            database: str) -> None:
    """The report's example: 100 points, one batch, no time; 5.3.2's server time kept 1."""
    with client.batch_writer(batch_size=1000, flush_interval=5) as w:
        for i in range(100):
            w.write_point("collapse", {"v": float(i)}, tags={"host": "a"})
            time.sleep(0.001)
    stats = w.stats
    assert (stats.points_accepted, stats.points_written, stats.points_failed) == (100, 100, 0)
    assert stats.batches_written == 1
    assert count(influxd, database, "collapse") == 100
    stamps = times(influxd, database, "collapse")
    assert len(set(stamps)) == 100
    assert abs(stamps[-1] - time.time_ns()) < 60 * 10**9  # the client's clock: now


def test_session_stores_every_timeless_point(client: InfluxDBClient, influxd: Influxd,
                                             database: str) -> None:
    with client.session() as session:
        for i in range(100):
            session.write_point("collapse", {"v": float(i)}, tags={"host": "a"})
            time.sleep(0.001)
    assert session.stats.points_written == 100
    assert count(influxd, database, "collapse") == 100


def test_writer_stamps_lines_without_a_timestamp(client: InfluxDBClient, influxd: Influxd,
                                                 database: str) -> None:
    with client.batch_writer(flush_interval=None) as w:
        w.write([f"lines,host=a v={i}" for i in range(50)], protocol="line")
        w.write([f"lines,host=a v={i} {NOW + i}" for i in range(50, 100)], protocol="line")
    assert count(influxd, database, "lines") == 100
    assert times(influxd, database, "lines")[:50] == [NOW + i for i in range(50, 100)]  # 2023


def helper_class(client: InfluxDBClient, precision: Optional[str],
                 autocommit: bool = False) -> Any:
    meta = type("Meta", (), {"client": client, "series_name": "events.{server}",
                             "fields": ["v"], "tags": ["server"],
                             "time_precision": precision, "autocommit": autocommit})
    if autocommit:
        meta.bulk_size = 250  # type: ignore[attr-defined]
    return type("Events", (SeriesHelper,), {"Meta": meta})


@pytest.mark.parametrize("precision", [None, "n", "ns"])
def test_helper_stores_every_timeless_point(client: InfluxDBClient, influxd: Influxd,
                                            database: str, precision: Optional[str]) -> None:
    Events = helper_class(client, precision, autocommit=True)
    for i in range(1000):
        Events(server="a", v=float(i))
    Events.commit()
    assert count(influxd, database, "events.a") == 1000


def test_helper_at_microseconds_names_every_shared_time(
        client: InfluxDBClient, influxd: Influxd, database: str,
        caplog: pytest.LogCaptureFixture) -> None:
    Events = helper_class(client, "u")
    with caplog.at_level(logging.WARNING, logger="influxdb.helper"):
        for i in range(1000):
            Events(server="a", v=float(i))
        micros = {p["time"].nanos // 1000 for p in Events._json_body_()}
        Events.commit()
    assert count(influxd, database, "events.a") == len(micros)
    warned = [int(m.split(" points")[0].split(": ")[1]) for m in caplog.messages]
    assert sum(warned) - len(warned) == 1000 - len(micros)  # every lost point is counted


@pytest.mark.parametrize("precision,stamp", [("ms", NOW // 10**6), ("s", NOW // 10**9)])
def test_helper_at_a_coarse_precision_names_the_shared_series(
        client: InfluxDBClient, influxd: Influxd, database: str,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        precision: str, stamp: int) -> None:
    monkeypatch.setattr(helper_module, "CLOCK", Clock(lambda: NOW))  # all in one unit
    Events = helper_class(client, precision)
    with caplog.at_level(logging.WARNING, logger="influxdb.helper"):
        for i in range(1000):
            Events(server="a", v=float(i))
        Events.commit()
    assert count(influxd, database, "events.a") == 1
    assert caplog.messages == [shared_warning("Events", 1000, "events.a,server=a", stamp,
                                              precision)]


def test_helper_at_seconds_with_the_real_clock(client: InfluxDBClient, influxd: Influxd,
                                               database: str,
                                               caplog: pytest.LogCaptureFixture) -> None:
    Events = helper_class(client, "s")
    with caplog.at_level(logging.WARNING, logger="influxdb.helper"):
        for i in range(100):
            Events(server="a", v=float(i))
        seconds = {p["time"].nanos // 10**9 for p in Events._json_body_()}
        Events.commit()
    assert count(influxd, database, "events.a") == len(seconds)
    warned = [int(m.split(" points")[0].split(": ")[1]) for m in caplog.messages]
    assert sum(warned) - len(warned) == 100 - len(seconds)  # every lost point is counted


def test_writer_at_a_coarse_precision_names_the_shared_series(
        client: InfluxDBClient, influxd: Influxd, database: str,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="influxdb.batching"):
        with client.batch_writer(time_precision="ms", flush_interval=None) as w:
            w._front.clock = Clock(lambda: NOW)
            for i in range(100):
                w.write_point("coarse", {"v": float(i)}, tags={"host": "a"})
    assert w.stats.points_written == 100
    assert count(influxd, database, "coarse") == 1
    assert caplog.messages == [shared_warning("BatchWriter", 100, "coarse,host=a",
                                              NOW // 10**6, "ms")]


def test_write_points_keeps_the_server_time_and_warns(client: InfluxDBClient,
                                                      influxd: Influxd, database: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    points = [{"measurement": "collapse", "tags": {"host": "a"}, "fields": {"v": float(i)}}
              for i in range(100)]
    with caplog.at_level(logging.WARNING, logger="influxdb"):
        assert client.write_points(points) is True
    assert count(influxd, database, "collapse") == 1
    assert caplog.messages == [
        "write_points: one request carries several points of one series without a time: "
        "100 of series 'collapse,host=a'. The server gives every point of a request the same "
        "time, so it keeps only the last point of each series. Give the points times, or "
        "write them through client.batch_writer() or client.session(), which stamp them "
        "with the client's clock."]
