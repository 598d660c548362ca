"""A session's counters add up at every look, from another thread, while a commit runs.

``points_accepted == points_written + points_failed + points_buffered + points_discarded``:
the batch a commit is sending stays in ``points_buffered`` until its outcome is recorded,
and ``discard()`` counts what it drops.  A loopback server of the test's own holds each
``/write`` answer until the test lets it go, so the counters are read with a request in
flight.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

import pytest

from influxdb import InfluxDBClient
from influxdb._core._retry import Retry
from influxdb.batching import Session, WriterStats
from influxdb.exceptions import InfluxDBServerError, InfluxDBWriteError

WAIT = 20.0  # seconds any step may take at most on a loaded machine


class _HeldWrites:
    """Answers each ``POST /write`` only once the test released it, with the status it
    scripted (204 when none is left); tells the test each request's line count."""

    def __init__(self) -> None:
        self.arrived: queue.Queue[int] = queue.Queue()
        self.gate = threading.Semaphore(0)
        self.statuses: list[int] = []
        self.hold = True
        held = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 -- http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                held.arrived.put(body.count(b"\n"))
                if held.hold and not held.gate.acquire(timeout=WAIT):
                    return  # the test failed; do not keep the server busy
                status = held.statuses.pop(0) if held.statuses else 204
                answer = b"" if status == 204 else (
                    b'{"error":"unable to parse \'x\': missing fields"}' if status == 400
                    else b'{"error":"timeout"}')
                self.send_response(status)
                self.send_header("X-Influxdb-Version", "1.6.7")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def next_request(self) -> int:
        return self.arrived.get(timeout=WAIT)

    def close(self) -> None:
        self.hold = False
        for _ in range(100):
            self.gate.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def held() -> Iterator[_HeldWrites]:
    server = _HeldWrites()
    try:
        yield server
    finally:
        server.close()


def _points(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"measurement": "m", "fields": {"i": i}, "time": i}
            for i in range(start, start + count)]


def _adds_up(stats: WriterStats) -> bool:
    return stats.points_accepted == (stats.points_written + stats.points_failed
                                     + stats.points_buffered + stats.points_discarded)


def _numbers(stats: WriterStats) -> tuple[int, ...]:
    return (stats.points_accepted, stats.points_written, stats.points_failed,
            stats.points_buffered, stats.points_discarded, stats.batches_written,
            stats.batches_failed)


class _Commit(threading.Thread):
    def __init__(self, session: Session) -> None:
        super().__init__(daemon=True)
        self.session = session
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        try:
            self.session.commit()
        except BaseException as exc:  # noqa: BLE001 -- handed to the test
            self.error = exc


def _client(held: _HeldWrites) -> InfluxDBClient:
    return InfluxDBClient("127.0.0.1", held.port, database="db", timeout=WAIT)


def test_the_batch_being_committed_is_counted_as_buffered(held: _HeldWrites) -> None:
    client = _client(held)
    session = Session(client, batch_size=100, retry=Retry(total=1))
    session.write(_points(250))
    assert _numbers(session.stats) == (250, 0, 0, 250, 0, 0, 0)
    commit = _Commit(session)
    commit.start()
    seen = []
    for lines in (100, 100, 50):
        assert held.next_request() == lines
        seen.append(_numbers(session.stats))  # the request is held: in flight
        held.gate.release()
    commit.join(WAIT)
    assert not commit.is_alive() and commit.error is None
    assert seen == [(250, 0, 0, 250, 0, 0, 0), (250, 100, 0, 150, 0, 1, 0),
                    (250, 200, 0, 50, 0, 2, 0)]
    assert _numbers(session.stats) == (250, 250, 0, 0, 0, 3, 0)
    client.close()


def test_discard_during_a_commit_keeps_the_batch_in_flight_and_counts_the_rest(
        held: _HeldWrites) -> None:
    client = _client(held)
    session = Session(client, batch_size=100, retry=Retry(total=1))
    session.write(_points(250))
    commit = _Commit(session)
    commit.start()
    assert held.next_request() == 100
    assert session.discard() == 150  # what the commit had not taken yet
    assert _numbers(session.stats) == (250, 0, 0, 100, 150, 0, 0)
    assert session.pending == 0
    held.gate.release()
    commit.join(WAIT)
    assert not commit.is_alive() and commit.error is None
    assert _numbers(session.stats) == (250, 100, 0, 0, 150, 1, 0)
    assert held.arrived.empty()  # the discarded points were never sent
    client.close()


def test_stats_add_up_at_every_look_from_another_thread_during_commits(
        held: _HeldWrites) -> None:
    """A reader thread samples the counters while commits succeed, fail for good (400)
    and fail after retries (503, the batch back in the buffer)."""
    held.hold = False  # answered at once; the reader looks between and during requests
    client = _client(held)
    session = Session(client, batch_size=10, retry=Retry(total=2, backoff_factor=0.01))
    looks = [0]
    broken: list[WriterStats] = []
    stop = threading.Event()

    def reader() -> None:
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline and looks[0] < 1_000_000:
            stats = session.stats
            looks[0] += 1
            if not _adds_up(stats):
                broken.append(stats)

    sampler = threading.Thread(target=reader, daemon=True)
    sampler.start()
    # 1: 30 points stored; 2: the first batch refused (400: failed for good, raised);
    # 3: 503 twice (retries spent: raised, the batch stays buffered); 4: all stored.
    session.write(_points(30))
    session.commit()
    held.statuses[:] = [400]
    session.write(_points(20, start=100))
    with pytest.raises(InfluxDBWriteError):
        session.commit()
    held.statuses[:] = [503, 503]
    with pytest.raises(InfluxDBServerError):
        session.commit()
    assert _numbers(session.stats) == (50, 30, 10, 10, 0, 3, 1)
    session.discard()
    session.write(_points(5, start=200))
    session.commit()
    stop.set()
    sampler.join(WAIT)
    final = session.stats
    assert _numbers(final) == (55, 35, 10, 0, 10, 4, 1)
    assert final.retries == 1
    assert looks[0] > 10
    assert broken == []
    client.close()
