"""One ``InfluxDBClient`` shared by 16 threads mixing writes and queries, against influxd.

Every thread writes its own points through a different write path (dicts, ``Point``
objects, line strings, ``write_point``, batched calls, bare ``write``), and between writes
reads back what it wrote so far with queries of several shapes (bind parameters, ``epoch``,
chunked streams, several statements at once, the admin helpers).  Each read must show
exactly that thread's writes -- no answer crossed to another thread -- and at the end the
totals are exact.  Bounded: 16 threads x 25 rounds x 40 points, under a time limit.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import pytest

from influxdb import InfluxDBClient
from influxdb.point import Point
from influxdb.resultset import ResultSet
from tests._influxd import Influxd

pytestmark = pytest.mark.server

THREADS = 16
ROUNDS = 25
PER_ROUND = 40
T0 = 1_650_000_000_000_000_000  # ns


def _value(thread: int, rnd: int, i: int) -> int:
    return thread * 1_000_000 + rnd * 1_000 + i


def _time(thread: int, rnd: int, i: int) -> int:
    return T0 + _value(thread, rnd, i)


def _write(client: InfluxDBClient, thread: int, rnd: int) -> None:
    """One round of writes, by a path chosen from the thread and round."""
    tags = {"thread": str(thread)}
    rows = [(_value(thread, rnd, i), _time(thread, rnd, i)) for i in range(PER_ROUND)]
    path = (thread + rnd) % 6
    if path == 0:
        client.write_points([{"measurement": "load", "tags": tags, "fields": {"v": v},
                              "time": t} for v, t in rows])
    elif path == 1:
        client.write_points([Point("load", tags, {"v": v}, t) for v, t in rows])
    elif path == 2:
        client.write_points([f"load,thread={thread} v={v}i {t}" for v, t in rows],
                            protocol="line")
    elif path == 3:
        client.write_points([{"measurement": "load", "fields": {"v": v}, "time": t}
                             for v, t in rows], tags=tags, batch_size=7)
    elif path == 4:
        client.write({"points": [{"measurement": "load", "fields": {"v": v}, "time": t}
                                 for v, t in rows], "tags": tags},
                     params={"db": client._database})
    else:
        for v, t in rows[:PER_ROUND // 2]:
            client.write_point("load", {"v": v}, tags=tags, time=t)
        client.write_points([{"measurement": "load", "tags": tags, "fields": {"v": v},
                              "time": t} for v, t in rows[PER_ROUND // 2:]])


def _check(client: InfluxDBClient, thread: int, rounds_done: int) -> None:
    """Read back this thread's points through a query shape chosen from the round."""
    expected_count = rounds_done * PER_ROUND
    expected_sum = sum(_value(thread, r, i) for r in range(rounds_done)
                       for i in range(PER_ROUND))
    shape = rounds_done % 4
    if shape == 0:
        result = client.query('SELECT count(v), sum(v) FROM load WHERE thread = $t',
                              bind_params={"t": str(thread)})
        assert list(result.get_points()) == [
            {"time": "1970-01-01T00:00:00Z", "count": expected_count, "sum": expected_sum}]
    elif shape == 1:
        result = client.query(f"SELECT v FROM load WHERE thread = '{thread}' "
                              f"AND time >= {_time(thread, rounds_done - 1, 0)}", epoch="ns")
        assert [(p["time"], p["v"]) for p in result.get_points()] == [
            (_time(thread, rounds_done - 1, i), _value(thread, rounds_done - 1, i))
            for i in range(PER_ROUND)]
    elif shape == 2:
        chunks = client.query(f"SELECT v FROM load WHERE thread = '{thread}'", epoch="ns",
                              chunked=True, chunk_size=13)
        values = [p["v"] for chunk in chunks for p in chunk.get_points()]
        assert len(values) == expected_count and sum(values) == expected_sum
    else:
        results = client.query(f"SELECT count(v) FROM load WHERE thread = '{thread}'; "
                               f"SELECT last(v) FROM load WHERE thread = '{thread}'")
        assert isinstance(results, list) and len(results) == 2
        assert [p["count"] for p in results[0].get_points()] == [expected_count]
        assert [p["last"] for p in results[1].get_points()] == [
            _value(thread, rounds_done - 1, PER_ROUND - 1)]
        assert {"name": "load"} in client.get_list_measurements()
        assert f"load,thread={thread}" in client.get_list_series(
            measurement="load", tags={"thread": str(thread)})


def _run_threads(target: Callable[[int], None], count: int, limit: float) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            target(index)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), name=f"worker-{i}") for i in
               range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + limit
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not [t.name for t in threads if t.is_alive()], "threads still running"
    return errors


def test_sixteen_threads_share_one_client(client: InfluxDBClient, influxd: Influxd,
                                          database: str) -> None:
    def work(thread: int) -> None:
        for rnd in range(ROUNDS):
            _write(client, thread, rnd)
            _check(client, thread, rnd + 1)

    started = time.monotonic()
    errors = _run_threads(work, THREADS, limit=240)
    assert errors == []
    elapsed = time.monotonic() - started

    # Totals read with a bare HTTP call, independent of the client.
    answer = influxd.admin_query("SELECT count(v), sum(v) FROM load GROUP BY thread",
                                 db=database)
    series = answer["results"][0]["series"]
    assert {s["tags"]["thread"]: s["values"][0][1:] for s in series} == {
        str(t): [ROUNDS * PER_ROUND, sum(_value(t, r, i) for r in range(ROUNDS)
                                         for i in range(PER_ROUND))]
        for t in range(THREADS)}
    assert elapsed < 240


def test_per_call_database_arguments_stay_per_call(
        client: InfluxDBClient, influxd: Influxd, database: str) -> None:
    # Per-call database= arguments never leak into another thread's call.
    others = [f"{database}_{i}" for i in range(4)]
    for i, name in enumerate(others):
        client.create_database(name)
        client.write_points([{"measurement": "m", "fields": {"v": i}}], database=name)
    try:
        def work(thread: int) -> None:
            name = others[thread % 4]
            for _ in range(30):
                result = client.query("SELECT v FROM m", database=name)
                assert [p["v"] for p in result.get_points()] == [thread % 4]
                client.write_points([{"measurement": "n", "fields": {"t": thread}}],
                                    database=name)

        assert _run_threads(work, THREADS, limit=120) == []
        for i, name in enumerate(others):
            answer = influxd.admin_query("SELECT count(t), sum(t) FROM n", db=name)
            threads = [t for t in range(THREADS) if t % 4 == i]
            assert answer["results"][0]["series"][0]["values"][0][1:] == [
                30 * len(threads), 30 * sum(threads)]
    finally:
        for name in others:
            client.drop_database(name)


def test_result_sets_are_independent(client: InfluxDBClient) -> None:
    client.write_points([{"measurement": "r", "tags": {"k": str(k)}, "fields": {"v": k}}
                         for k in range(THREADS)])
    seen: dict[int, Any] = {}

    def work(thread: int) -> None:
        for _ in range(20):
            result = client.query("SELECT v FROM r WHERE k = $k", bind_params={"k": str(thread)})
            assert isinstance(result, ResultSet)
            seen[thread] = [p["v"] for p in result.get_points()]
            assert seen[thread] == [thread]

    assert _run_threads(work, THREADS, limit=60) == []
    assert seen == {t: [t] for t in range(THREADS)}


def test_sixteen_threads_share_one_batch_writer(client: InfluxDBClient, influxd: Influxd,
                                                database: str) -> None:
    with client.batch_writer(batch_size=500, flush_interval=0.2) as writer:
        def work(thread: int) -> None:
            for rnd in range(ROUNDS):
                writer.write([{"measurement": "bw", "tags": {"thread": str(thread)},
                               "fields": {"v": _value(thread, rnd, i)},
                               "time": _time(thread, rnd, i)} for i in range(PER_ROUND)])

        assert _run_threads(work, THREADS, limit=120) == []
    assert writer.failed == []
    assert writer.stats.points_written == THREADS * ROUNDS * PER_ROUND
    answer = influxd.admin_query("SELECT count(v), sum(v) FROM bw", db=database)
    assert answer["results"][0]["series"][0]["values"][0][1:] == [
        THREADS * ROUNDS * PER_ROUND,
        sum(_value(t, r, i) for t in range(THREADS) for r in range(ROUNDS)
            for i in range(PER_ROUND))]
