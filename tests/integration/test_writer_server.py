"""The batching writer and sessions against a real influxd: exact counts and values through
each path, several threads, a server restart, injected failures (tests/faults/_fault_proxy.py), and
the flush at close and at interpreter exit."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable

import pytest

from influxdb import InfluxDBClient
from influxdb._core._retry import Retry
from influxdb.batching import BatchWriter, Session
from influxdb.exceptions import (
    InfluxDBDatabaseNotFoundError,
    InfluxDBFieldTypeConflictError,
    InfluxDBInvalidPointError,
)
from influxdb.point import Point
from tests._influxd import Influxd
from tests.faults._fault_proxy import Fault, FaultProxy, Once

pytestmark = pytest.mark.server

QUICK = Retry(total=0, backoff_factor=0.05, backoff_max=0.5, max_retry_time=60.0)
T0 = 1_700_000_000  # seconds


def rows(server: Influxd, database: str, query: str) -> list[list[Any]]:
    """The values of a query's single series (through a bare HTTP call, not the client)."""
    answer = server.admin_query(query, db=database)
    result = answer["results"][0]
    assert "error" not in result, result
    series = result.get("series") or []
    return [row for s in series for row in s["values"]]


def count(server: Influxd, database: str, measurement: str = "m", field: str = "v") -> int:
    values = rows(server, database, f'SELECT count("{field}") FROM "{measurement}"')
    return int(values[0][1]) if values else 0


def points(n: int, start: int = 0, measurement: str = "m", **tags: str) -> list[dict[str, Any]]:
    return [{"measurement": measurement, "tags": tags, "fields": {"v": i}, "time": T0 + i}
            for i in range(start, start + n)]


@dataclasses.dataclass
class Reading:
    room: str
    celsius: float
    at: datetime


def test_every_input_kind_lands_with_exact_values(client: InfluxDBClient, influxd: Influxd,
                                                  database: str) -> None:
    at = datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    with client.batch_writer(time_precision="s", flush_interval=None) as writer:
        writer.write(points(3))                                          # dicts
        writer.write(Point("m").tag("src", "point").field("v", 100).time(T0 + 100, "s"))
        writer.write([f"m,src=line v=200i {T0 + 200}"], protocol="line")  # line strings
        writer.write(f"m,src=str v=300i {T0 + 300}")                      # one line
        writer.write([Reading("kitchen", 21.5, at)], record_measurement="climate",
                     record_tag_keys=["room"], record_time_key="at")
        writer.write_point("m", {"v": 400}, {"src": "write_point"}, T0 + 400)
    assert (writer.failed, writer.stats.points_written) == ([], 8)
    assert rows(influxd, database, 'SELECT "v", "src" FROM "m"') == [
        ["2023-11-14T22:13:20Z", 0, None], ["2023-11-14T22:13:21Z", 1, None],
        ["2023-11-14T22:13:22Z", 2, None], ["2023-11-14T22:15:00Z", 100, "point"],
        ["2023-11-14T22:16:40Z", 200, "line"], ["2023-11-14T22:18:20Z", 300, "str"],
        ["2023-11-14T22:20:00Z", 400, "write_point"],
    ]
    assert rows(influxd, database, 'SELECT "celsius", "room" FROM "climate"') == [
        ["2023-11-14T22:13:20Z", 21.5, "kitchen"]]


def test_batches_and_defaults(client: InfluxDBClient, influxd: Influxd, database: str) -> None:
    sizes: list[int] = []
    with client.batch_writer(batch_size=1000, flush_interval=None, time_precision="s",
                             tags={"writer": "w1"}, on_success=lambda b: sizes.append(len(b))
                             ) as writer:
        writer.write(points(2500))
    assert sorted(sizes) == [500, 1000, 1000]
    assert count(influxd, database) == 2500
    assert rows(influxd, database, 'SELECT count("v") FROM "m" WHERE "writer" = \'w1\'')[0][1] \
        == 2500


def test_eight_threads_through_one_writer(client: InfluxDBClient, influxd: Influxd,
                                          database: str) -> None:
    per_thread = 12_500
    writer = client.batch_writer(batch_size=5000, flush_interval=0.2, time_precision="s",
                                 max_buffer=20_000)

    def produce(thread: int) -> None:
        for start in range(0, per_thread, 500):
            writer.write(points(500, start=start, thread=str(thread)))

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    writer.close()
    assert writer.failed == []
    assert writer.stats.points_written == 8 * per_thread
    assert count(influxd, database) == 8 * per_thread
    per_series = rows(influxd, database, 'SELECT count("v") FROM "m" GROUP BY "thread"')
    assert [r[1] for r in per_series] == [per_thread] * 8


def test_close_flushes_pending_points(client: InfluxDBClient, influxd: Influxd,
                                      database: str) -> None:
    writer = client.batch_writer(batch_size=100_000, flush_interval=None, time_precision="s")
    writer.write(points(777))
    time.sleep(0.2)
    assert count(influxd, database) == 0  # nothing due yet
    writer.close()
    assert count(influxd, database) == 777


def test_interpreter_exit_flushes_an_open_writer(influxd: Influxd, database: str) -> None:
    script = textwrap.dedent(f"""
        from influxdb import InfluxDBClient
        client = InfluxDBClient({influxd.host!r}, {influxd.http_port}, database={database!r})
        writer = client.batch_writer(batch_size=100_000, flush_interval=None,
                                     time_precision="s")
        writer.write([{{"measurement": "m", "fields": {{"v": i}}, "time": {T0} + i}}
                      for i in range(321)])
        # no close(): the atexit hook must send them
    """)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=60,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert count(influxd, database) == 321


def test_bad_points_raise_at_the_call(client: InfluxDBClient, influxd: Influxd,
                                      database: str) -> None:
    with client.batch_writer(flush_interval=None) as writer:
        writer.write(points(2))
        with pytest.raises(InfluxDBInvalidPointError, match="inf"):
            writer.write([{"measurement": "m", "fields": {"v": 1}, "time": T0 + 50},
                          {"measurement": "m", "fields": {"v": float("inf")}}])
        with pytest.raises(InfluxDBInvalidPointError):
            writer.write([{"measurement": "m", "fields": {}}])
        with pytest.raises(ValueError):
            writer.write(points(1), time_precision="days")
    assert count(influxd, database) == 2  # nothing of the refused calls was written
    assert writer.stats.points_accepted == 2


def test_missing_database_is_reported_with_its_points(influxd: Influxd) -> None:
    client = InfluxDBClient(influxd.host, influxd.http_port, database="db_that_does_not_exist",
                            timeout=10)
    errors: list[tuple[list[str], BaseException]] = []
    with client.batch_writer(flush_interval=None, time_precision="s", retry=QUICK,
                             on_error=lambda b, e: errors.append((b.lines, e))) as writer:
        writer.write(points(2))
    [(lines, error)] = errors
    assert lines == [f"m v=0i {T0}", f"m v=1i {T0 + 1}"]
    assert isinstance(error, InfluxDBDatabaseNotFoundError)
    assert [b.lines for b in writer.failed] == [lines]
    assert writer.stats.retries == 0  # a refused write is not retried
    client.close()


def test_missing_database_is_created_when_asked(influxd: Influxd) -> None:
    name = f"created_on_write_{os.getpid()}"
    client = InfluxDBClient(influxd.host, influxd.http_port, database=name, timeout=10,
                            create_database_if_missing=True)
    try:
        with client.batch_writer(flush_interval=None, time_precision="s") as writer:
            writer.write(points(5))
        assert writer.failed == []
        assert count(influxd, name) == 5
    finally:
        influxd.admin_query(f'DROP DATABASE "{name}"')
        client.close()


def test_field_type_conflict_is_reported_not_retried(client: InfluxDBClient, influxd: Influxd,
                                                     database: str) -> None:
    with client.batch_writer(flush_interval=None, time_precision="s", retry=QUICK) as writer:
        writer.write(points(1))
        writer.flush()
        writer.write([{"measurement": "m", "fields": {"v": "text"}, "time": T0 + 5}])
    [failed] = writer.failed
    assert isinstance(failed.error, InfluxDBFieldTypeConflictError)
    assert failed.lines == [f'm v="text" {T0 + 5}']
    assert (failed.attempts, writer.stats.retries) == (1, 0)
    assert count(influxd, database) == 1


def test_points_survive_a_server_restart(influxd_factory: Callable[..., Influxd]) -> None:
    server = influxd_factory()
    server.admin_query('CREATE DATABASE "restart"')
    client = InfluxDBClient(server.host, server.http_port, database="restart", timeout=5)
    retries: list[str] = []
    writer = client.batch_writer(batch_size=200, flush_interval=0.05, time_precision="s",
                                 retry=Retry(total=0, backoff_factor=0.1, backoff_max=0.5,
                                             max_retry_time=120.0),
                                 on_retry=lambda b, e, d: retries.append(type(e).__name__))
    total = 0
    stop_at, start_at, end_at = 1.0, 4.0, 6.0
    began = time.monotonic()
    stopped = restarted = False
    while time.monotonic() - began < end_at:
        writer.write(points(50, start=total))
        total += 50
        elapsed = time.monotonic() - began
        if not stopped and elapsed >= stop_at:
            server.stop()
            stopped = True
        if stopped and not restarted and elapsed >= start_at:
            server.start()
            restarted = True
        time.sleep(0.01)
    writer.close()
    assert restarted
    assert writer.failed == []
    assert retries and set(retries) <= {"ConnectionError", "InfluxDBServerError"}
    assert writer.stats.points_written == total
    assert count(server, "restart") == total
    client.close()


@pytest.fixture
def proxy(influxd: Influxd) -> Any:
    with FaultProxy(influxd.host, influxd.http_port) as running:
        yield running


@pytest.fixture
def proxied(proxy: FaultProxy, database: str) -> Any:
    client = InfluxDBClient("127.0.0.1", proxy.port, database=database, timeout=10)
    yield client
    client.close()


def test_injected_failures_are_retried_and_nothing_is_lost_or_duplicated(
        proxy: FaultProxy, proxied: InfluxDBClient, influxd: Influxd, database: str) -> None:
    # STATUS: answered without the server; HANGUP: closed unanswered, the server never saw
    # it; CUT_ANSWER: the server stored the batch, its answer (a 204) is never relayed.
    proxy.script(Once(Fault.STATUS, status=503, retry_after="1"), Once(Fault.STATUS, status=500),
                 Once(Fault.STATUS, status=429, retry_after="0"), Once(Fault.HANGUP),
                 Once(Fault.RESET), Once(Fault.CUT_ANSWER), Once(Fault.DELAY, delay=0.2))
    delays: list[tuple[str, float]] = []
    with proxied.batch_writer(batch_size=100, flush_interval=None, time_precision="s",
                              retry=QUICK,
                              on_retry=lambda b, e, d: delays.append((type(e).__name__, d))
                              ) as writer:
        writer.write(points(1000))
    assert writer.failed == []
    assert writer.stats.points_written == 1000
    assert writer.stats.retries == 6
    assert proxy.counts() == {"status": 3, "hangup": 1, "reset": 1, "cut-answer": 1,
                              "delay": 1, "forward": 10 - 1}
    # The batch the server stored behind a dropped answer was sent again: same points, same
    # times, so the server kept one copy of each.
    assert count(influxd, database) == 1000
    assert rows(influxd, database, 'SELECT sum("v") FROM "m"')[0][1] == sum(range(1000))
    assert [name for name, _ in delays] == ["InfluxDBServerError", "InfluxDBServerError",
                                            "InfluxDBClientError", "ConnectionError",
                                            "ConnectionError", "ConnectionError"]
    assert delays[0][1] >= 1.0  # Retry-After: 1 honoured


def test_an_outage_longer_than_the_policy_ends_in_failed_with_every_point(
        proxy: FaultProxy, proxied: InfluxDBClient, influxd: Influxd, database: str) -> None:
    proxy.arm(Fault.STATUS, duration=60, status=503)
    policy = Retry(total=3, backoff_factor=0.01, backoff_max=0.02)
    with proxied.batch_writer(batch_size=40, flush_interval=None, time_precision="s",
                              retry=policy) as writer:
        writer.write(points(100))
    proxy.heal()
    failed = writer.failed
    assert sorted(line for b in failed for line in b.lines) == sorted(
        f"m v={i}i {T0 + i}" for i in range(100))
    assert [b.attempts for b in failed] == [3, 3, 3]
    assert count(influxd, database) == 0
    # What did not land can be written again once the server is back.
    with proxied.batch_writer(flush_interval=None, time_precision="s") as again:
        for batch in writer.pop_failed():
            again.write(batch.lines, protocol="line")
    assert count(influxd, database) == 100


def test_close_with_timeout_during_an_outage(proxy: FaultProxy, proxied: InfluxDBClient,
                                             database: str) -> None:
    proxy.arm(Fault.HANGUP, duration=60)
    writer = proxied.batch_writer(batch_size=10, flush_interval=None, time_precision="s",
                                  retry=QUICK)
    writer.write(points(45))
    started = time.monotonic()
    writer.close(timeout=0.5)
    assert time.monotonic() - started < 5
    assert sum(len(b) for b in writer.failed) == 45
    proxy.heal()


# -- sessions -------------------------------------------------------------------------------

def test_session_commits_on_exit(client: InfluxDBClient, influxd: Influxd,
                                 database: str) -> None:
    with client.session(time_precision="s") as session:
        session.write(points(3))
        session.write(Point("m").field("v", 10).time(T0 + 10, "s"))
        assert count(influxd, database) == 0
    assert count(influxd, database) == 4


def test_session_autocommit_every(client: InfluxDBClient, influxd: Influxd,
                                  database: str) -> None:
    session = client.session(autocommit_every=5, time_precision="s")
    for i in range(4):
        session.write_point("m", {"v": i}, time=T0 + i)
    assert count(influxd, database) == 0
    session.write_point("m", {"v": 4}, time=T0 + 4)
    assert count(influxd, database) == 5
    session.write(points(2, start=5))
    assert count(influxd, database) == 5
    session.commit()
    assert count(influxd, database) == 7


def test_session_wide_retention_policy(client: InfluxDBClient, influxd: Influxd,
                                       database: str) -> None:
    influxd.admin_query(f'CREATE RETENTION POLICY "four_weeks" ON "{database}" DURATION 4w '
                        "REPLICATION 1")
    now = int(time.time())
    with client.session(retention_policy="four_weeks", time_precision="s") as session:
        session.write([{"measurement": "m", "fields": {"v": 1}, "time": now}])
    assert rows(influxd, database, 'SELECT "v" FROM "four_weeks"."m"')[0][1] == 1
    assert count(influxd, database) == 0  # not in the default policy


def test_session_keeps_points_through_a_failed_commit(
        proxy: FaultProxy, proxied: InfluxDBClient, influxd: Influxd, database: str) -> None:
    proxy.script(Once(Fault.STATUS, status=503), Once(Fault.STATUS, status=503))
    session = proxied.session(time_precision="s", retry=Retry(total=2, backoff_factor=0.01))
    session.write(points(10))
    with pytest.raises(Exception) as info:
        session.commit()
    assert type(info.value).__name__ == "InfluxDBServerError"
    assert session.pending == 10
    session.commit()
    assert count(influxd, database) == 10


def test_writer_and_session_share_the_machinery(client: InfluxDBClient) -> None:
    writer = client.batch_writer()
    session = client.session()
    try:
        assert isinstance(writer, BatchWriter) and isinstance(session, Session)
        assert type(writer._front) is type(session._front)
        assert type(writer._core.deliverer) is type(session._deliverer)
    finally:
        writer.close()

