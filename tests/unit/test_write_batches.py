"""send_batches: one request in flight, the next batch prepared meanwhile, exact reports."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable, Optional

import pytest
import requests
import requests_mock

from influxdb import InfluxDBClient
from influxdb._write_batches import WriteReport, batched, send_batches
from influxdb.exceptions import InfluxDBInvalidPointError


class Recorder:
    """A ``send`` that records bodies and threads, fails on chosen bodies, and checks that
    two requests never overlap."""

    def __init__(self, fail_on: Optional[bytes] = None, delay: float = 0.0) -> None:
        self.fail_on = fail_on
        self.delay = delay
        self.sent: list[bytes] = []
        self.threads: set[str] = set()
        self.busy = threading.Lock()

    def __call__(self, body: bytes) -> None:
        assert self.busy.acquire(blocking=False), "two requests in flight at once"
        try:
            time.sleep(self.delay)
            self.threads.add(threading.current_thread().name)
            if body == self.fail_on:
                raise requests.exceptions.ConnectionError(f"refused {body!r}")
            self.sent.append(body)
        finally:
            self.busy.release()


def prepare(chunk: list[str], index: int) -> bytes:
    if "bad" in chunk:
        raise InfluxDBInvalidPointError(f"point {index * 2 + chunk.index('bad')}: bad")
    return ",".join(chunk).encode()


def points(n: int, bad_at: Optional[int] = None) -> Iterator[str]:
    for i in range(n):
        yield "bad" if i == bad_at else f"p{i}"


def test_batched_reads_lazily_and_keeps_the_remainder() -> None:
    source = iter(range(5))
    chunks = batched(source, 2)
    assert next(chunks) == [0, 1]
    assert next(source) == 2  # nothing read ahead by batched itself
    assert list(chunks) == [[3, 4]]


def test_every_batch_sent_in_order_from_one_helper_thread() -> None:
    send = Recorder(delay=0.002)
    send_batches(batched(points(7), 2), prepare, send, 2)
    assert send.sent == [b"p0,p1", b"p2,p3", b"p4,p5", b"p6"]
    assert len(send.threads) == 1
    assert send.threads.pop().startswith("influxdb-write")


def test_a_single_known_batch_is_sent_by_the_caller_thread() -> None:
    send = Recorder()
    send_batches([["a", "b"]], prepare, send, 2, total=1)
    assert send.sent == [b"a,b"]
    assert send.threads == {threading.current_thread().name}


def test_ready_bodies_are_sent_by_the_caller_thread_one_after_the_other() -> None:
    send = Recorder(delay=0.002)
    bodies = [b"p0,p1", b"p2,p3", b"p4"]
    send_batches(bodies, lambda body, _: body, send, 2, total=3, ahead=False)
    assert send.sent == bodies
    assert send.threads == {threading.current_thread().name}


def test_ready_bodies_failing_report_as_the_pipelined_ones_do() -> None:
    send = Recorder(fail_on=b"p2,p3")
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        send_batches([b"p0,p1", b"p2,p3", b"p4,p5", b"p6"], lambda body, _: body, send, 2,
                     total=4, ahead=False)
    report = info.value.write_report  # type: ignore[attr-defined]
    assert report == WriteReport(2, written=[0], failed=1, unsent=[2, 3])
    assert send.sent == [b"p0,p1"]
    assert send.threads == {threading.current_thread().name}


def test_nothing_to_send() -> None:
    send = Recorder()
    send_batches(iter([]), prepare, send, 2)
    assert send.sent == []


def test_sequence_failure_reports_indexes_and_sends_nothing_after() -> None:
    chunks = [["p0", "p1"], ["p2", "p3"], ["p4", "p5"], ["p6", "p7"]]
    send = Recorder(fail_on=b"p2,p3")
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        send_batches(chunks, prepare, send, 2, total=4)
    report = info.value.write_report  # type: ignore[attr-defined]
    assert report == WriteReport(2, written=[0], failed=1, unsent=[2, 3])
    assert report.unsent_points == []
    assert send.sent == [b"p0,p1"]
    assert report.describe() == "batches of 2 points: written 0; failed 1; never sent 2-3"


def test_last_batch_failing_leaves_nothing_unsent() -> None:
    send = Recorder(fail_on=b"p4")
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        send_batches([["p0", "p1"], ["p2", "p3"], ["p4"]], prepare, send, 2, total=3)
    report = info.value.write_report  # type: ignore[attr-defined]
    assert (report.written, report.failed, report.unsent) == ([0, 1], 2, [])


def test_iterator_failure_returns_the_failed_and_the_read_ahead_points() -> None:
    source = points(10)
    send = Recorder(fail_on=b"p2,p3", delay=0.01)
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        send_batches(batched(source, 2), prepare, send, 2, keep_points=True)
    report = info.value.write_report  # type: ignore[attr-defined]
    assert (report.written, report.failed, report.unsent) == ([0], 1, None)
    # Batch 2 was read (and encoded) while batch 1 was in flight: both come back, in order,
    # and the iterator continues right after them.
    assert report.unsent_points == ["p2", "p3", "p4", "p5"]
    assert list(source) == ["p6", "p7", "p8", "p9"]
    assert send.sent == [b"p0,p1"]
    assert report.describe() == ("batches of 2 points: written 0; failed 1; never sent "
                                 "unknown (iterator not read further)")


def test_bad_point_in_a_later_batch_after_earlier_batches_were_stored() -> None:
    source = points(9, bad_at=5)
    send = Recorder(delay=0.005)
    with pytest.raises(InfluxDBInvalidPointError, match="point 5: bad") as info:
        send_batches(batched(source, 2), prepare, send, 2, keep_points=True)
    report = info.value.write_report  # type: ignore[attr-defined]
    assert (report.written, report.failed, report.unsent) == ([0, 1], 2, None)
    assert report.unsent_points == ["p4", "bad"]
    assert send.sent == [b"p0,p1", b"p2,p3"]  # the request in flight finished first
    assert list(source) == ["p6", "p7", "p8"]


def test_an_earlier_send_failure_wins_over_a_later_bad_point() -> None:
    send = Recorder(fail_on=b"p2,p3", delay=0.01)
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        send_batches(batched(points(9, bad_at=5), 2), prepare, send, 2, keep_points=True)
    report = info.value.write_report  # type: ignore[attr-defined]
    assert (report.written, report.failed) == ([0], 1)
    assert report.unsent_points == ["p2", "p3", "p4", "bad"]


def test_the_callers_iterator_raising() -> None:
    def source() -> Iterator[str]:
        yield from ["p0", "p1", "p2"]
        raise RuntimeError("cursor closed")

    send = Recorder(delay=0.005)
    with pytest.raises(RuntimeError, match="cursor closed") as info:
        send_batches(batched(source(), 2), prepare, send, 2, keep_points=True)
    report = info.value.write_report  # type: ignore[attr-defined]
    # batched() raised while reading batch 1; batch 0 (in flight then) was settled first.
    assert (report.written, report.failed, report.unsent_points) == ([0], 1, [])
    assert send.sent == [b"p0,p1"]


def test_the_iterator_is_read_only_by_the_calling_thread() -> None:
    readers: set[str] = set()

    def source() -> Iterator[str]:
        for i in range(6):
            readers.add(threading.current_thread().name)
            yield f"p{i}"

    send_batches(batched(source(), 2), prepare, Recorder(delay=0.002), 2)
    assert readers == {threading.current_thread().name}


# -- through write_points, against a stub server -----------------------------------------

def _gen(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {"measurement": "m", "fields": {"v": i}, "time": i}


def test_write_points_generator_failure_hands_back_the_points(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("influxdb._transports.sync.time.sleep", lambda _: None)
    client = InfluxDBClient(database="db", retries=1)
    bodies: list[str] = []

    def answer(request: Any, context: Any) -> str:
        bodies.append(request.body.decode())
        context.status_code = 204 if len(bodies) != 2 else 400
        return "" if len(bodies) != 2 else '{"error":"nope"}'

    with requests_mock.Mocker() as mock:
        mock.post("http://localhost:8086/write", text=answer)
        with pytest.raises(Exception) as info:
            client.write_points(_gen(10), batch_size=3)
    report = info.value.write_report  # type: ignore[attr-defined]
    assert (report.written, report.failed, report.unsent) == ([0], 1, None)
    assert [p["fields"]["v"] for p in report.unsent_points] == [3, 4, 5, 6, 7, 8]
    assert bodies == ["m v=0i 0\nm v=1i 1\nm v=2i 2\n", "m v=3i 3\nm v=4i 4\nm v=5i 5\n"]


def test_write_points_list_sends_every_batch_in_order() -> None:
    client = InfluxDBClient(database="db")
    with requests_mock.Mocker() as mock:
        mock.post("http://localhost:8086/write", status_code=204)
        assert client.write_points(list(_gen(7)), batch_size=3) is True
        bodies = [r.body.decode() for r in mock.request_history]
    assert bodies == ["m v=0i 0\nm v=1i 1\nm v=2i 2\n", "m v=3i 3\nm v=4i 4\nm v=5i 5\n",
                      "m v=6i 6\n"]


# -- the next batch waits for the body in flight to be written whole ---------------------

class FakeWire:
    """A ``send`` that writes its body for ``write`` seconds, then reports it written (through
    the ``on_written`` it provides, as the transport's connections do, unless ``silent``),
    then waits ``answer`` seconds for the server; every step is logged in order (the
    writing is shorter than ``WRITTEN_WAIT``, the waiting longer)."""

    def __init__(self, write: float = 0.01, answer: float = 0.1, silent: bool = False) -> None:
        self.write, self.answer, self.silent = write, answer, silent
        self.events: list[tuple[str, Any]] = []
        self.local = threading.local()

    @contextmanager
    def on_written(self, callback: Callable[[], None]) -> Iterator[None]:
        self.local.callback = callback
        try:
            yield
        finally:
            self.local.callback = None

    def send(self, body: bytes) -> None:
        self.events.append(("sending", body))
        time.sleep(self.write)
        self.events.append(("written", body))
        callback = getattr(self.local, "callback", None)
        if callback is not None and not self.silent:
            callback()
        time.sleep(self.answer)
        self.events.append(("answered", body))

    def prepare(self, chunk: list[str], index: int) -> bytes:
        self.events.append(("prepare", index))
        return f"b{index}".encode()


def test_the_next_batch_is_prepared_once_the_body_in_flight_is_written() -> None:
    wire = FakeWire()
    send_batches([["a"], ["b"], ["c"]], wire.prepare, wire.send, 1, total=3,
                 on_written=wire.on_written)
    assert wire.events == [
        ("prepare", 0),
        ("sending", b"b0"), ("written", b"b0"), ("prepare", 1), ("answered", b"b0"),
        ("sending", b"b1"), ("written", b"b1"), ("prepare", 2), ("answered", b"b1"),
        ("sending", b"b2"), ("written", b"b2"), ("answered", b"b2"),
    ]


def test_without_on_written_the_next_batch_is_prepared_as_the_request_starts() -> None:
    wire = FakeWire()
    send_batches([["a"], ["b"]], wire.prepare, wire.send, 1, total=2)
    assert wire.events == [("prepare", 0), ("sending", b"b0"), ("prepare", 1),
                           ("written", b"b0"), ("answered", b"b0"),
                           ("sending", b"b1"), ("written", b"b1"), ("answered", b"b1")]


def test_a_connection_that_never_reports_the_body_written_delays_the_next_batch_boundedly(
        ) -> None:
    from influxdb._write_batches import WRITTEN_WAIT

    wire = FakeWire(write=WRITTEN_WAIT + 0.1, silent=True)
    started = time.perf_counter()
    send_batches([["a"], ["b"]], wire.prepare, wire.send, 1, total=2,
                 on_written=wire.on_written)
    assert time.perf_counter() - started < 2 * (wire.write + wire.answer) + 0.1
    # prepared WRITTEN_WAIT after the request started, while its body was still going out
    assert wire.events == [("prepare", 0), ("sending", b"b0"), ("prepare", 1),
                           ("written", b"b0"), ("answered", b"b0"),
                           ("sending", b"b1"), ("written", b"b1"), ("answered", b"b1")]
