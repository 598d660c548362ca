"""The batching writer and sessions against a fake client: policy, buffer, retries, callbacks.

The fake client records every body it is asked to send and raises what a test scripts; the
real encoder and server are exercised in tests/integration/test_writer_server.py.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from typing import Any, Callable, Optional, Union

import pytest
import requests

from influxdb._batching import core as writer_core
from influxdb._batching.buffer import (
    Encoded,
    FlushPolicy,
    PendingBuffer,
    Target,
    encoded_from_body,
    encoded_from_lines,
)
from influxdb._batching.send import Batch, Deliverer, is_retryable, retry_after_of
from influxdb._core._retry import Retry
from influxdb._core.lines import split_lines
from influxdb._stamping import Clock
from influxdb.batching import (
    DEFAULT_WRITER_RETRY,
    BatchWriter,
    Session,
    WriterBufferFullError,
    WriterClosedError,
)
from influxdb.exceptions import (
    InfluxDBClientError,
    InfluxDBFieldTypeConflictError,
    InfluxDBInvalidPointError,
    InfluxDBPartialWriteError,
    InfluxDBServerError,
    InfluxDBWriteError,
)
from influxdb.point import Point

FAST = Retry(total=0, backoff_factor=0.001, backoff_max=0.002)
Outcome = Union[None, BaseException, Callable[[], None]]


class FakeClient:
    """A stand-in for the client's ``WriteClient`` interface, the writer's only view of it."""

    def __init__(self, database: Optional[str] = "db", **defaults: Any) -> None:
        self._database = database
        self._default_time_precision = defaults.get("default_time_precision")
        self._default_retention_policy = defaults.get("default_retention_policy")
        self._default_tags: dict[str, Any] = defaults.get("default_tags") or {}
        self._retry_policy = defaults.get("retry", FAST)
        self._use_udp = False
        self._timeout = None
        self.sent: list[tuple[bytes, dict[str, Any]]] = []
        self.outcomes: list[Outcome] = []
        self.forever: Optional[BaseException] = None
        self.lock = threading.Lock()

    def _write_url(self) -> str:
        return "http://fake:8086"

    def _encode_points(self, points: Sequence[Any], *, tags: Optional[dict[str, Any]] = None,
                       time_precision: Optional[str] = None, protocol: str = "json",
                       timeless: Optional[list[int]] = None) -> bytes:
        if protocol == "line":
            points = [points] if isinstance(points, str) else points
            return ("\n".join(points) + "\n").encode() if points else b""
        lines = []
        for index, point in enumerate(points):
            if isinstance(point, str):
                lines.append(point)
                continue
            if isinstance(point, Point):
                point = point._to_point_dict()
            if not point.get("fields"):
                raise InfluxDBInvalidPointError(f"point {index} has no fields")
            merged = {**self._default_tags, **(tags or {}), **(point.get("tags") or {})}
            head = ",".join([point["measurement"]] + [f"{k}={v}" for k, v in sorted(
                merged.items())])
            fields = ",".join(f"{k}={v!r}" for k, v in sorted(point["fields"].items()))
            time_part = f" {int(point['time'])}" if point.get("time") is not None else ""
            if timeless is not None and not time_part:
                timeless[0] += 1
            lines.append(f"{head} {fields}{time_part}")
        return ("\n".join(lines) + "\n").encode() if lines else b""

    def _write_payload(self, body: bytes, *, database: Optional[str] = None,
                       retention_policy: Optional[str] = None, precision: Optional[str] = None,
                       consistency: Optional[str] = None, retry: Optional[Retry] = None,
                       timeout: Any = None) -> None:
        assert retry is not None and retry.total == 1  # the writer retries, not the client
        assert timeout is not None  # the writer bounds every request
        with self.lock:
            outcome = self.outcomes.pop(0) if self.outcomes else self.forever
        if callable(outcome) and not isinstance(outcome, BaseException):
            outcome()
        elif outcome is not None:
            raise outcome
        with self.lock:
            self.sent.append((body, {"db": database, "rp": retention_policy,
                                     "precision": precision, "consistency": consistency}))

    def lines(self) -> list[str]:
        with self.lock:
            return [line for body, _ in self.sent for line in body.decode().splitlines()]

    def batch_sizes(self) -> list[int]:
        with self.lock:
            return [body.count(b"\n") for body, _ in self.sent]


def points(n: int, start: int = 0, measurement: str = "m") -> list[dict[str, Any]]:
    return [{"measurement": measurement, "fields": {"v": i}, "time": i}
            for i in range(start, start + n)]


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def writers() -> Iterator[list[BatchWriter]]:
    made: list[BatchWriter] = []
    yield made
    for writer in made:
        writer.close(timeout=5)


# -- splitting encoded bodies into points ---------------------------------------------------

@pytest.mark.parametrize(
    ("body", "expected", "lines"),
    [
        (b"", None, []),
        (b"m v=1\n", 1, [b"m v=1"]),
        (b"m v=1\nm v=2 5\n", None, [b"m v=1", b"m v=2 5"]),
        (b"m v=1\nm v=2", None, [b"m v=1", b"m v=2"]),
        # a string field holding a new line is one point, not two
        (b'm s="a\nb" 1\nm v=2\n', 2, [b'm s="a\nb" 1', b"m v=2"]),
        (b'm s="a\nb" 1\nm v=2\n', None, [b'm s="a\nb" 1', b"m v=2"]),
        (b'm s="x\\"\ny",t=1i 3\n', 1, [b'm s="x\\"\ny",t=1i 3']),
        # '"' in a tag value or field key is an ordinary character
        (b'm,t=a"b v=1\nm,t=c v="d\ne"\n', 2, [b'm,t=a"b v=1', b'm,t=c v="d\ne"']),
        (b'm f"k=1i\nm v=2\n', 2, [b'm f"k=1i', b"m v=2"]),
        # empty lines are not points
        (b"m v=1\n\n\nm v=2\n", 2, [b"m v=1", b"m v=2"]),
        (b'\nm v="q"\n', None, [b'm v="q"']),
        # a malformed line is kept as the caller wrote it; the server will say what is wrong
        (b'm v="open\nm v=2\n', None, [b'm v="open', b"m v=2"]),
        (b"m,a\\ b=c\\,d v=1\n", 1, [b"m,a\\ b=c\\,d v=1"]),
    ],
)
def test_split_lines(body: bytes, expected: Optional[int], lines: list[bytes]) -> None:
    assert split_lines(body, expected) == lines


def test_split_lines_fast_path_trusts_a_matching_count() -> None:
    body = b"".join(b'm s="%d" %d\n' % (i, i) for i in range(1000))
    assert split_lines(body, 1000) == body.splitlines()


# -- flush policy and pending buffer --------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size must be an int >= 1, got 0"),
        ({"batch_size": 2.5}, "batch_size must be an int >= 1, got 2.5"),
        ({"batch_size": True}, "batch_size must be an int >= 1, got True"),
        ({"flush_interval": -1}, "flush_interval must be >= 0 seconds or None, got -1"),
        ({"jitter_interval": -0.5}, "jitter_interval must be >= 0 seconds, got -0.5"),
    ],
)
def test_flush_policy_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        FlushPolicy(**kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("interval", "jitter", "rand", "deadline"),
    [(1.0, 0.0, 0.7, 11.0), (1.0, 0.5, 0.0, 11.0), (1.0, 0.5, 0.5, 11.25),
     (0.0, 2.0, 0.999, 11.998), (None, 5.0, 0.5, float("inf"))],
)
def test_flush_deadline_with_jitter(interval: Optional[float], jitter: float, rand: float,
                                    deadline: float) -> None:
    policy = FlushPolicy(10, interval, jitter)
    assert policy.deadline(10.0, lambda: rand) == pytest.approx(deadline)


def test_jitter_bounds_with_the_real_random_source() -> None:
    policy = FlushPolicy(10, 2.0, 0.25)
    draws = [policy.deadline(100.0) for _ in range(2000)]
    assert all(102.0 <= d <= 102.25 for d in draws)
    assert max(draws) - min(draws) > 0.2  # the jitter is actually drawn


T1 = Target("db", None, None, None)
T2 = Target("db", "rp", "s", None)


def E(*lines: bytes) -> Encoded:  # noqa: N802 - reads like a constructor
    return encoded_from_lines(list(lines))


def taken(item: Optional[tuple[Target, Encoded]]) -> Optional[tuple[Target, list[bytes]]]:
    return None if item is None else (item[0], item[1].split())


def test_encoded_counts_points() -> None:
    assert encoded_from_body(b"a v=1\nb v=2\n", 2) == Encoded(b"a v=1\nb v=2\n", 2)
    assert encoded_from_body(b"a v=1\nb v=2", None) == Encoded(b"a v=1\nb v=2\n", 2)
    tricky = encoded_from_body(b'a s="x\ny"\nb v=2\n', 2)
    assert (tricky.count, tricky.split()) == (2, [b'a s="x\ny"', b"b v=2"])
    assert encoded_from_body(b"", 0) == Encoded(b"", 0)
    assert encoded_from_lines([b"a v=1", b"b v=2"]) == Encoded(b"a v=1\nb v=2\n", 2)


def test_buffer_sends_a_full_batch_at_once() -> None:
    buffer = PendingBuffer(FlushPolicy(3, 10.0), rand=lambda: 0.0)
    assert buffer.add(T1, E(b"a", b"b"), now=0.0) is True   # new target: new deadline
    assert buffer.take(now=1.0) is None
    assert buffer.add(T1, E(b"c", b"d"), now=1.0) is True   # a full batch is waiting
    assert taken(buffer.take(now=1.0)) == (T1, [b"a", b"b", b"c"])
    assert len(buffer) == 1
    assert buffer.next_deadline() == 11.0  # the rest is as old as its chunk (arrived at 1)
    assert buffer.add(T1, E(b"e"), now=2.0) is False


def test_buffer_interval_deadline_and_force() -> None:
    buffer = PendingBuffer(FlushPolicy(100, 2.0), rand=lambda: 0.0)
    buffer.add(T1, E(b"a"), now=5.0)
    buffer.add(T2, E(b"x"), now=6.0)
    assert buffer.next_deadline() == 7.0
    assert buffer.take(now=6.9) is None
    assert taken(buffer.take(now=7.0)) == (T1, [b"a"])
    assert buffer.take(now=7.0) is None
    assert taken(buffer.take(now=7.0, force=True)) == (T2, [b"x"])
    assert buffer.take(now=7.0, force=True) is None
    assert buffer.next_deadline() == float("inf")


def test_buffer_keeps_order_within_a_target_across_chunks() -> None:
    buffer = PendingBuffer(FlushPolicy(4, None))
    buffer.add(T1, E(b"1", b"2", b"3"), now=0)
    buffer.add(T2, E(b"z"), now=0)
    buffer.add(T1, E(b"4", b"5", b"6", b"7", b"8", b"9"), now=0)
    first = buffer.take(0)
    assert first is not None and first[1] == Encoded(b"1\n2\n3\n4\n", 4)
    assert taken(buffer.take(0)) == (T1, [b"5", b"6", b"7", b"8"])
    assert buffer.take(0) is None  # flush_interval None: only full batches, or force
    assert taken(buffer.take(0, force=True)) == (T1, [b"9"])
    assert taken(buffer.take(0, force=True)) == (T2, [b"z"])
    assert len(buffer) == 0


def test_buffer_cuts_batches_inside_tricky_chunks() -> None:
    buffer = PendingBuffer(FlushPolicy(2, None))
    buffer.add(T1, encoded_from_body(b'a s="1\n2"\nb v=1\nc s="3\n"\n', 3), now=0)
    first, second = buffer.take(0), buffer.take(0, force=True)
    assert first is not None and second is not None
    assert (first[1].count, first[1].split()) == (2, [b'a s="1\n2"', b"b v=1"])
    assert (second[1].count, second[1].split()) == (1, [b'c s="3\n"'])


def test_buffer_push_front_and_drain() -> None:
    buffer = PendingBuffer(FlushPolicy(10, None))
    buffer.add(T1, E(b"3"), now=0)
    buffer.push_front(T1, E(b"1", b"2"), now=0)
    buffer.add(T2, E(b"x"), now=0)
    assert len(buffer) == 4
    assert buffer.drain() == [(T1, E(b"1", b"2", b"3")), (T2, E(b"x"))]
    assert len(buffer) == 0


def test_buffer_drain_after_a_partial_take() -> None:
    buffer = PendingBuffer(FlushPolicy(2, None))
    buffer.add(T1, E(b"1", b"2", b"3"), now=0)
    assert taken(buffer.take(0)) == (T1, [b"1", b"2"])
    assert buffer.drain() == [(T1, E(b"3"))]


# -- retry classification and delivery -----------------------------------------------------

def _with_retry_after(exc: Any, seconds: float) -> Any:
    exc.retry_after = seconds  # what the core reads from a Retry-After header
    return exc


@pytest.mark.parametrize(
    ("exc", "retried"),
    [
        (requests.exceptions.ConnectionError("refused"), True),
        (requests.exceptions.ConnectTimeout("slow"), True),
        (requests.exceptions.ReadTimeout("slow"), True),
        (requests.exceptions.ChunkedEncodingError("cut"), True),
        (requests.exceptions.ProxyError("proxy restarting"), True),
        (requests.exceptions.SSLError("EOF occurred in violation of protocol"), True),
        (requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
                                      "failed: self-signed certificate"), False),
        (InfluxDBServerError("down", 503), True),
        (InfluxDBServerError("boom", 500), True),
        (InfluxDBServerError("no code"), True),
        (InfluxDBServerError("not implemented", 501), False),
        (InfluxDBClientError("slow down", 429), True),
        (InfluxDBClientError("bad", 400), False),
        (InfluxDBWriteError("unable to parse", 400), False),
        (InfluxDBPartialWriteError("partial write", 400), False),
        (InfluxDBFieldTypeConflictError("field type conflict", 400), False),
        (InfluxDBClientError("statement error"), False),
        (requests.exceptions.InvalidURL("x"), False),
        (ValueError("x"), False),
    ],
)
def test_is_retryable(exc: BaseException, retried: bool) -> None:
    assert is_retryable(exc, Retry()) is retried


def test_retry_after_from_the_exception_or_its_response() -> None:
    assert retry_after_of(_with_retry_after(InfluxDBServerError("x", 503), 4), 0.0) == 4.0
    response = requests.Response()
    response.headers["Retry-After"] = "7"
    assert retry_after_of(requests.exceptions.HTTPError(response=response), 0.0) == 7.0
    assert retry_after_of(InfluxDBServerError("x", 503), 0.0) is None


class RecordingEvent(threading.Event):
    """An abort event whose waits return at once and are recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: Optional[float] = None) -> bool:
        self.waits.append(timeout if timeout is not None else -1)
        return self.is_set()


def _deliverer(outcomes: list[Outcome], retry: Retry, **kwargs: Any) -> tuple[Deliverer, Any]:
    calls: list[bytes] = []

    def send(batch: Batch, budget: Optional[float]) -> None:
        calls.append(batch.body)
        outcome = outcomes.pop(0) if outcomes else None
        if isinstance(outcome, BaseException):
            raise outcome

    event = RecordingEvent()
    return Deliverer(send, retry, abort=event, **kwargs), (calls, event)


def test_delivery_retries_with_growing_backoff_then_succeeds() -> None:
    retry = Retry(total=0, backoff_factor=1.0, backoff_max=3.0)
    retries: list[tuple[int, float]] = []
    deliverer, (calls, event) = _deliverer(
        [requests.exceptions.ConnectionError("x")] * 4, retry,
        on_retry=lambda batch, exc, delay: retries.append((batch.attempts, delay)))
    batch = Batch(T1, E(b"m v=1"))
    assert deliverer.attempt(batch) is None
    assert (batch.attempts, len(calls), batch.error) == (5, 5, None)
    caps = [1.0, 2.0, 3.0, 3.0]
    assert [a for a, _ in retries] == [1, 2, 3, 4]
    assert all(cap / 2 <= wait <= cap for wait, cap in zip(event.waits, caps))
    assert [d for _, d in retries] == event.waits
    assert deliverer.stats.retries == 4


def test_delivery_honours_retry_after() -> None:
    retry = Retry(total=0, backoff_factor=0.01, backoff_max=0.01, retry_after_max=60.0)
    busy = _with_retry_after(InfluxDBServerError("busy", 503), 2.0)
    slow = _with_retry_after(InfluxDBClientError("slow down", 429), 90.0)
    deliverer, (_, event) = _deliverer([busy, slow], retry)
    assert deliverer.attempt(Batch(T1, E(b"m v=1"))) is None
    assert event.waits == [2.0, 60.0]  # the server's wish, capped by retry_after_max


def test_delivery_gives_up_after_total_attempts() -> None:
    error = InfluxDBServerError("down", 503)
    deliverer, (calls, _) = _deliverer([error] * 10, Retry(total=3, backoff_factor=0))
    batch = Batch(T1, E(b"m v=1"))
    assert deliverer.attempt(batch) is error
    assert (batch.attempts, len(calls), batch.error) == (3, 3, error)


def test_delivery_gives_up_after_max_retry_time() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 4.0  # every look at the clock: 4 s later
        return now[0]

    calls: list[int] = []

    def send(batch: Batch, budget: Optional[float]) -> None:
        calls.append(1)
        raise requests.exceptions.ConnectionError("x")

    deliverer = Deliverer(send, Retry(total=0, backoff_factor=0, max_retry_time=10.0),
                          abort=RecordingEvent(), clock=clock)
    assert isinstance(deliverer.attempt(Batch(T1, E(b"m v=1"))),
                      requests.exceptions.ConnectionError)
    # started at 4; after attempt 1 it is 8 (4 s spent), after 2 it is 12 (8 s), after 3 it
    # is 16: 12 s spent, more than max_retry_time.
    assert len(calls) == 3


def test_the_batch_holds_its_last_error_while_it_waits() -> None:
    # What close() gives as the cause of the points it gives up in the middle of a wait.
    errors = [requests.exceptions.ConnectionError("x"), InfluxDBServerError("busy", 503)]
    held: list[bool] = []
    batch = Batch(T1, E(b"m v=1"))
    deliverer, (calls, event) = _deliverer(
        list(errors), Retry(total=3, backoff_factor=0),
        on_retry=lambda b, exc, delay: held.append(b.error is exc))
    assert deliverer.attempt(batch) is None
    assert (held, len(calls), batch.attempts, batch.error) == ([True, True], 3, 3, None)


def test_delivery_does_not_retry_a_refused_write() -> None:
    error = InfluxDBWriteError("unable to parse", 400)
    deliverer, (calls, event) = _deliverer([error], FAST)
    assert deliverer.attempt(Batch(T1, E(b"bad"))) is error
    assert (len(calls), event.waits) == (1, [])


def test_delivery_stops_when_aborted() -> None:
    deliverer, (calls, event) = _deliverer([requests.exceptions.ConnectionError("x")] * 5,
                                           FAST)
    event.set()
    assert isinstance(deliverer.attempt(Batch(T1, E(b"m v=1"))),
                      requests.exceptions.ConnectionError)
    assert len(calls) == 1


def test_batch_exposes_its_points() -> None:
    batch = Batch(Target("db", "rp", "s", None), E(b"m v=1 1", 'm s="é" 2'.encode()))
    assert batch.lines == ["m v=1 1", 'm s="é" 2']
    assert batch.body == b'm v=1 1\nm s="\xc3\xa9" 2\n'
    assert (len(batch), batch.database, batch.retention_policy, batch.precision) == (
        2, "db", "rp", "s")
    assert repr(batch) == "Batch(2 points, database='db', retention_policy='rp', attempts=0)"


# -- the background writer -------------------------------------------------------------------

def make_writer(client: FakeClient, writers: list[BatchWriter], **kwargs: Any) -> BatchWriter:
    kwargs.setdefault("retry", FAST)
    writer = BatchWriter(client, **kwargs)
    writers.append(writer)
    return writer


def test_points_leave_in_batches_of_batch_size(client: FakeClient,
                                               writers: list[BatchWriter]) -> None:
    writer = make_writer(client, writers, batch_size=1000, flush_interval=None)
    assert writer.write(points(2500)) == 2500
    wait_until(lambda: client.batch_sizes() == [1000, 1000])  # full batches go at once
    assert writer.flush(timeout=5) is True
    assert client.batch_sizes() == [1000, 1000, 500]
    assert client.lines() == [f"m v={i} {i}" for i in range(2500)]
    assert client.sent[0][1] == {"db": "db", "rp": None, "precision": None, "consistency": None}


def test_flush_interval_sends_a_partial_batch(client: FakeClient,
                                              writers: list[BatchWriter]) -> None:
    writer = make_writer(client, writers, batch_size=1000, flush_interval=0.05)
    writer.write(points(3))
    wait_until(lambda: client.batch_sizes() == [3], timeout=2)


def test_without_interval_points_wait_for_flush(client: FakeClient,
                                                writers: list[BatchWriter]) -> None:
    writer = make_writer(client, writers, batch_size=1000, flush_interval=None)
    writer.write(points(3))
    time.sleep(0.1)
    assert client.sent == []
    assert writer.stats.points_buffered == 3
    assert writer.flush() is True
    assert client.batch_sizes() == [3]


def test_close_flushes_and_refuses_later_writes(client: FakeClient,
                                                writers: list[BatchWriter]) -> None:
    writer = make_writer(client, writers, batch_size=1000, flush_interval=None)
    writer.write(points(10))
    writer.close()
    assert client.batch_sizes() == [10]
    assert writer.closed is True
    with pytest.raises(WriterClosedError, match="closed"):
        writer.write(points(1))
    writer.close()  # idempotent


def test_with_block_flushes(client: FakeClient) -> None:
    with BatchWriter(client, flush_interval=None, retry=FAST) as writer:
        writer.write(points(7))
        writer.write_point("cpu", {"load": 0.5}, {"host": "a"}, 1700000000)
    assert client.lines()[-1] == "cpu,host=a load=0.5 1700000000"
    assert writer.stats.points_written == 8


def test_eight_threads_through_one_writer(client: FakeClient,
                                          writers: list[BatchWriter]) -> None:
    writer = make_writer(client, writers, batch_size=500, flush_interval=0.01, max_buffer=2000)

    def produce(thread: int) -> None:
        for i in range(0, 2000, 50):
            writer.write(points(50, start=thread * 100_000 + i))

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    lines = client.lines()
    assert len(lines) == 16_000
    assert len(set(lines)) == 16_000
    assert max(client.batch_sizes()) <= 500
    stats = writer.stats
    assert (stats.points_accepted, stats.points_written, stats.points_failed,
            stats.points_buffered) == (16_000, 16_000, 0, 0)


class Gate:
    """A send outcome that blocks until opened."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.entered = threading.Event()

    def __call__(self) -> None:
        self.entered.set()
        assert self.opened.wait(10)


def test_buffer_is_bounded_and_raises_when_asked(client: FakeClient,
                                                 writers: list[BatchWriter]) -> None:
    gate = Gate()
    client.outcomes = [gate]
    writer = make_writer(client, writers, batch_size=5, max_buffer=10, overflow="raise",
                         flush_interval=None)
    writer.write(points(5))
    assert gate.entered.wait(5)          # the first batch is being sent (and counts)
    writer.write(points(5, start=5))     # buffer now full: 5 in flight + 5 waiting
    with pytest.raises(WriterBufferFullError) as info:
        writer.write(points(1, start=10))
    assert str(info.value) == ("the writer's buffer is full (10 of 10 points); "
                               "1 more do not fit")
    gate.opened.set()
    writer.flush(timeout=5)
    assert len(client.lines()) == 10


def test_full_buffer_blocks_with_a_timeout(client: FakeClient,
                                           writers: list[BatchWriter]) -> None:
    gate = Gate()
    client.outcomes = [gate]
    writer = make_writer(client, writers, batch_size=5, max_buffer=10, flush_interval=None,
                         block_timeout=0.1)
    writer.write(points(10))
    assert gate.entered.wait(5)
    started = time.monotonic()
    with pytest.raises(WriterBufferFullError) as info:
        writer.write(points(3, start=10))
    assert 0.09 <= time.monotonic() - started < 2
    assert info.value.accepted == 0
    gate.opened.set()
    assert writer.flush(timeout=5) is True
    assert len(client.lines()) == 10


def test_full_buffer_blocks_until_room_is_made(client: FakeClient,
                                               writers: list[BatchWriter]) -> None:
    gate = Gate()
    client.outcomes = [gate]
    writer = make_writer(client, writers, batch_size=5, max_buffer=10, flush_interval=None)
    writer.write(points(10))
    assert gate.entered.wait(5)
    done = threading.Event()

    def blocked_write() -> None:
        writer.write(points(3, start=10))
        done.set()

    thread = threading.Thread(target=blocked_write)
    thread.start()
    assert not done.wait(0.1)  # blocked: the buffer is full
    gate.opened.set()
    assert done.wait(5)
    thread.join()
    writer.close()
    assert sorted(client.lines()) == sorted(f"m v={i} {i}" for i in range(13))


def test_a_write_larger_than_the_buffer_goes_in_parts(client: FakeClient,
                                                      writers: list[BatchWriter]) -> None:
    writer = make_writer(client, writers, batch_size=4, max_buffer=8, flush_interval=None)
    writer.write(points(30))
    writer.close()
    assert client.lines() == [f"m v={i} {i}" for i in range(30)]
    assert max(client.batch_sizes()) == 4


@pytest.mark.parametrize(
    ("call", "exc", "message"),
    [
        (lambda w: w.write(points(1), time_precision="sec"), InfluxDBInvalidPointError,
         "Invalid time_precision 'sec' (use 'n', 'u', 'ms', 's', 'm' or 'h')"),
        (lambda w: w.write(points(1), consistency="most"), InfluxDBInvalidPointError,
         "Invalid consistency: most"),
        (lambda w: w.write([{"measurement": "m", "fields": {}}]), InfluxDBInvalidPointError,
         "point 0 has no fields"),
        (lambda w: w.write(points(1), protocol="xml"), InfluxDBInvalidPointError,
         "Invalid protocol 'xml': use 'json' (points) or 'line'"),
        (lambda w: w.write(points(1), tags={1: "x"}), InfluxDBInvalidPointError,
         "tags must be a dict with str keys, got {1: 'x'}"),
        (lambda w: w.write(42), InfluxDBInvalidPointError,
         "points must be a list of points, got int"),
        (lambda w: w.write([Cpu("a", 0.5, 1)], record_measurement="cpu",
                           record_tag_keys=["hostname"]),
         InfluxDBInvalidPointError, "record 0 (Cpu) has no tag attribute 'hostname'"),
        (lambda w: w.write([Cpu("a", 0.5, 1)], record_tag_keys=["host"]),
         InfluxDBInvalidPointError, "give exactly one of record_measurement (a name) and "
                                    "record_measurement_key (the attribute that holds the name)"),
    ],
)
def test_bad_input_raises_at_the_call_and_buffers_nothing(
    client: FakeClient, writers: list[BatchWriter], call: Callable[[BatchWriter], Any],
    exc: type[Exception], message: str,
) -> None:
    writer = make_writer(client, writers)
    with pytest.raises(exc) as info:
        call(writer)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)
    assert writer.stats.points_accepted == 0


def test_no_database_anywhere_is_refused_at_the_call(writers: list[BatchWriter]) -> None:
    writer = make_writer(FakeClient(database=None), writers)
    with pytest.raises(InfluxDBInvalidPointError, match="^no database to write to"):
        writer.write(points(1))
    writer.write(points(1), database="given")  # a database per write is enough


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size must be an int >= 1, got 0"),
        ({"flush_interval": -1.0}, "flush_interval must be >= 0 seconds or None, got -1.0"),
        ({"jitter_interval": -1.0}, "jitter_interval must be >= 0 seconds, got -1.0"),
        ({"batch_size": 100, "max_buffer": 50},
         "max_buffer must be an int >= batch_size (100), got 50"),
        ({"overflow": "drop"}, "overflow must be 'block' or 'raise', got 'drop'"),
        ({"block_timeout": -1}, "block_timeout must be >= 0 seconds, got -1"),
        ({"time_precision": "x"},
         "Invalid time_precision 'x' (use 'n', 'u', 'ms', 's', 'm' or 'h')"),
        ({"consistency": "x"}, "Invalid consistency: x"),
        ({"retry": -1}, "retries must be a non-negative int, got -1"),
        ({"retry": "3"}, "retries must be an int or a Retry, got '3'"),
    ],
)
def test_bad_options_raise_at_construction(client: FakeClient, kwargs: dict[str, Any],
                                           message: str) -> None:
    with pytest.raises(ValueError) as info:
        BatchWriter(client, **kwargs)
    assert str(info.value) == message


def test_not_a_client_is_refused() -> None:
    with pytest.raises(TypeError, match="expected an InfluxDBClient, got str"):
        BatchWriter("http://localhost:8086")


def test_targets_are_resolved_at_write_time(writers: list[BatchWriter]) -> None:
    client = FakeClient(default_time_precision="ns", default_retention_policy="client_rp")
    writer = make_writer(client, writers, flush_interval=None, tags={"w": "1"})
    writer.write(points(1))
    client._database = "switched"  # a later switch_database does not move accepted points
    writer.write(points(1, start=1), database="other", retention_policy="rp2",
                 time_precision="s", consistency="all", tags={"x": "y"})
    writer.flush()
    assert [params for _, params in client.sent] == [
        {"db": "db", "rp": "client_rp", "precision": "n", "consistency": None},
        {"db": "other", "rp": "rp2", "precision": "s", "consistency": "all"},
    ]
    assert client.lines() == ["m,w=1 v=0 0", "m,w=1,x=y v=1 1"]


def test_writer_defaults_win_over_client_defaults(writers: list[BatchWriter]) -> None:
    client = FakeClient(default_time_precision="ms", default_retention_policy="crp")
    writer = make_writer(client, writers, flush_interval=None, database="wdb",
                         retention_policy="wrp", time_precision="u", consistency="one")
    writer.write(points(1))
    writer.flush()
    assert client.sent[0][1] == {"db": "wdb", "rp": "wrp", "precision": "u",
                                 "consistency": "one"}


@dataclasses.dataclass
class Cpu:
    host: str
    load: float
    ts: int


def test_accepts_points_dicts_lines_and_records(client: FakeClient,
                                                writers: list[BatchWriter]) -> None:
    writer = make_writer(client, writers, flush_interval=None)
    writer._front.clock = Clock(lambda: 1000)  # timeless points get the client's clock
    writer.write(Point("p").tag("h", "a").field("v", 1).time(5))
    writer.write({"measurement": "d", "fields": {"v": 2}})
    writer.write("raw v=3 7")
    writer.write(["l1 v=1", "l2 v=2"], protocol="line")
    writer.write([Cpu("a", 0.5, 9), Cpu("b", 0.25, 10)], record_measurement="cpu",
                 record_tag_keys=["host"], record_time_key="ts")
    writer.write(x for x in points(2, start=20))  # any iterable, as write_points takes
    writer.flush()
    assert client.lines() == [
        "p,h=a v=1 5", "d v=2 1000", "raw v=3 7", "l1 v=1 1001", "l2 v=2 1002",
        "cpu,host=a load=0.5 9", "cpu,host=b load=0.25 10", "m v=20 20", "m v=21 21",
    ]


def test_retries_until_the_batch_lands(client: FakeClient, writers: list[BatchWriter]) -> None:
    client.outcomes = [requests.exceptions.ConnectionError("refused"),
                       _with_retry_after(InfluxDBServerError("busy", 503), 0.05), None]
    seen: list[tuple[str, float]] = []
    writer = make_writer(client, writers, flush_interval=None,
                         on_retry=lambda b, e, d: seen.append((type(e).__name__, d)))
    writer.write(points(3))
    writer.flush()
    assert client.lines() == ["m v=0 0", "m v=1 1", "m v=2 2"]
    assert [name for name, _ in seen] == ["ConnectionError", "InfluxDBServerError"]
    assert seen[1][1] == 0.05
    assert (writer.stats.retries, writer.stats.points_written, writer.failed) == (2, 3, [])


def test_permanent_failure_is_reported_with_its_points(client: FakeClient,
                                                       writers: list[BatchWriter],
                                                       caplog: pytest.LogCaptureFixture) -> None:
    refused = InfluxDBWriteError('{"error":"unable to parse"}', 400)
    client.outcomes = [None, refused, None]
    errors: list[tuple[list[str], BaseException]] = []
    successes: list[list[str]] = []
    writer = make_writer(client, writers, batch_size=2, flush_interval=None,
                         on_error=lambda b, e: errors.append((b.lines, e)),
                         on_success=lambda b: successes.append(b.lines))
    with caplog.at_level(logging.ERROR, logger="influxdb.batching"):
        writer.write(points(6))
        writer.close()
    assert successes == [["m v=0 0", "m v=1 1"], ["m v=4 4", "m v=5 5"]]
    assert errors == [(["m v=2 2", "m v=3 3"], refused)]
    [failed] = writer.failed
    assert (failed.lines, failed.error, failed.attempts) == (["m v=2 2", "m v=3 3"], refused, 1)
    stats = writer.stats
    assert (stats.points_written, stats.points_failed, stats.batches_failed) == (4, 2, 1)
    assert "2 points were not written to database 'db' after 1 attempt(s)" in caplog.text
    assert writer.pop_failed() == [failed]
    assert writer.failed == []


def test_a_partial_write_is_not_sent_again(client: FakeClient,
                                           writers: list[BatchWriter]) -> None:
    partial = InfluxDBPartialWriteError("partial write: points beyond retention policy "
                                        "dropped=1", 400)
    client.outcomes = [partial]
    writer = make_writer(client, writers, flush_interval=None)
    writer.write(points(2))
    writer.close()
    assert [b.error for b in writer.failed] == [partial]
    assert writer.stats.retries == 0


def test_close_with_a_timeout_reports_what_did_not_land(client: FakeClient,
                                                        writers: list[BatchWriter]) -> None:
    client.forever = requests.exceptions.ConnectionError("server gone")
    reported: list[int] = []
    writer = make_writer(client, writers, batch_size=10, flush_interval=None,
                         on_error=lambda b, e: reported.append(len(b)))
    writer.write(points(35))
    started = time.monotonic()
    writer.close(timeout=0.2)
    assert time.monotonic() - started < 3
    failed = writer.failed
    assert sorted(line for b in failed for line in b.lines) == sorted(
        f"m v={i} {i}" for i in range(35))
    assert sum(reported) == 35
    errors = {type(b.error) for b in failed}
    assert errors <= {requests.exceptions.ConnectionError, WriterClosedError}
    assert WriterClosedError in errors  # the batches never tried
    assert writer.stats.points_failed == 35


def test_a_raising_callback_does_not_stop_the_writer(client: FakeClient,
                                                     writers: list[BatchWriter],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    def boom(batch: Batch) -> None:
        raise RuntimeError("callback bug")

    writer = make_writer(client, writers, batch_size=2, flush_interval=None, on_success=boom)
    with caplog.at_level(logging.ERROR, logger="influxdb.batching"):
        writer.write(points(4))
        writer.close()
    assert len(client.lines()) == 4
    assert "the on_success callback raised; ignored" in caplog.text


def test_flush_from_a_callback_is_refused(client: FakeClient,
                                          writers: list[BatchWriter]) -> None:
    raised: list[BaseException] = []

    def flush_inside(batch: Batch) -> None:
        try:
            writer.flush()
        except RuntimeError as exc:
            raised.append(exc)

    writer = make_writer(client, writers, flush_interval=None, on_success=flush_inside)
    writer.write(points(1))
    writer.close()
    assert [str(e) for e in raised] == ["flush() from a writer callback would wait for itself"]


def test_flush_times_out_while_a_batch_is_stuck(client: FakeClient,
                                                writers: list[BatchWriter]) -> None:
    gate = Gate()
    client.outcomes = [gate]
    writer = make_writer(client, writers, flush_interval=None)
    writer.write(points(1))
    assert writer.flush(timeout=0.05) is False
    gate.opened.set()
    assert writer.flush(timeout=5) is True


def test_interpreter_exit_flushes_live_writers(client: FakeClient,
                                               writers: list[BatchWriter]) -> None:
    writer = make_writer(client, writers, flush_interval=None)
    writer.write(points(5))
    writer_core._close_all_at_exit()  # what atexit runs
    assert len(client.lines()) == 5
    assert writer.closed


def test_an_abandoned_writer_is_flushed_and_collected(client: FakeClient) -> None:
    writer = BatchWriter(client, flush_interval=None, retry=FAST)
    thread = writer._core.thread
    writer.write(points(4))
    ref = weakref.ref(writer)
    del writer
    gc.collect()
    assert ref() is None  # the thread does not keep the writer alive
    thread.join(5)
    assert not thread.is_alive()
    assert len(client.lines()) == 4


def test_default_retry_policy() -> None:
    assert (DEFAULT_WRITER_RETRY.total, DEFAULT_WRITER_RETRY.max_retry_time) == (0, 300.0)


def test_retry_as_an_int_keeps_the_writer_backoff(client: FakeClient,
                                                  writers: list[BatchWriter]) -> None:
    writer = make_writer(client, writers, retry=4)
    policy = writer._core.deliverer.retry
    assert (policy.total, policy.backoff_factor) == (4, DEFAULT_WRITER_RETRY.backoff_factor)


# -- sessions -------------------------------------------------------------------------------

def test_session_commits_on_leaving_the_block(client: FakeClient) -> None:
    with Session(client, retry=FAST) as session:
        session.write(points(3))
        session.write_point("cpu", {"load": 1.0})
        assert client.sent == []
        assert session.pending == 4
    assert client.batch_sizes() == [4]
    assert session.pending == 0


def test_session_autocommit_every(client: FakeClient) -> None:
    session = Session(client, autocommit_every=5, retry=FAST)
    for i in range(4):
        session.write(points(1, start=i))
    assert client.sent == []
    session.write(points(1, start=4))  # the fifth point commits (inflow's example)
    assert client.batch_sizes() == [5]
    session.write(points(12, start=5))
    assert client.batch_sizes() == [5, 12]


def test_session_commits_in_batches(client: FakeClient) -> None:
    session = Session(client, batch_size=4, retry=FAST)
    session.write(points(10))
    session.commit()
    assert client.batch_sizes() == [4, 4, 2]


def test_session_retention_policy_is_session_wide(client: FakeClient) -> None:
    session = Session(client, retention_policy="four_weeks", retry=FAST)
    with pytest.raises(TypeError, match="session's retention policy is set for the whole"):
        session.write(points(1), retention_policy="other")
    session.write(points(1))
    session.commit()
    assert client.sent[0][1]["rp"] == "four_weeks"


def test_session_keeps_points_when_a_commit_fails(client: FakeClient) -> None:
    client.outcomes = [None, requests.exceptions.ConnectionError("down")]
    session = Session(client, batch_size=2, retry=Retry(total=1))
    session.write(points(5))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.commit()
    assert session.pending == 3
    assert session.failed == []
    session.commit()
    assert client.lines() == [f"m v={i} {i}" for i in range(5)]


def test_session_moves_refused_points_to_failed(client: FakeClient) -> None:
    refused = InfluxDBWriteError("unable to parse", 400)
    client.outcomes = [refused]
    errors: list[Batch] = []
    session = Session(client, batch_size=2, retry=FAST, on_error=lambda b, e: errors.append(b))
    session.write(points(3))
    with pytest.raises(InfluxDBWriteError):
        session.commit()
    assert [b.lines for b in session.failed] == [["m v=0 0", "m v=1 1"]]
    assert errors == session.failed
    assert session.pending == 1  # not sent yet: stays
    session.commit()
    assert client.lines() == ["m v=2 2"]


def test_session_commits_even_when_the_block_raises(client: FakeClient) -> None:
    with pytest.raises(KeyError):
        with Session(client, retry=FAST) as session:
            session.write(points(2))
            raise KeyError("in the block")
    assert len(client.lines()) == 2


def test_session_failed_commit_does_not_hide_the_block_exception(
        client: FakeClient, caplog: pytest.LogCaptureFixture) -> None:
    client.forever = InfluxDBServerError("down", 503)
    with caplog.at_level(logging.ERROR, logger="influxdb.batching"):
        with pytest.raises(KeyError):
            with Session(client, retry=Retry(total=1)) as session:
                session.write(points(2))
                raise KeyError("in the block")
    assert session.pending == 2
    assert "2 points stay buffered" in caplog.text


def test_session_discard(client: FakeClient) -> None:
    session = Session(client, retry=FAST)
    session.write(points(3))
    assert session.discard() == 3
    session.commit()
    assert client.sent == []


def test_session_is_safe_from_several_threads(client: FakeClient) -> None:
    session = Session(client, autocommit_every=100, batch_size=64, retry=FAST)

    def produce(thread: int) -> None:
        for i in range(500):
            session.write(points(1, start=thread * 10_000 + i))

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    session.commit()
    lines = client.lines()
    assert (len(lines), len(set(lines))) == (4000, 4000)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_session_autocommit_every_validation(client: FakeClient, bad: Any) -> None:
    with pytest.raises(ValueError, match="autocommit_every must be an int >= 1 or None"):
        Session(client, autocommit_every=bad)


def test_session_retry_defaults_to_the_client_policy(client: FakeClient) -> None:
    assert Session(client)._deliverer.retry is client._retry_policy


def test_a_callback_writing_to_a_full_writer_is_refused_not_deadlocked(
        client: FakeClient, writers: list[BatchWriter]) -> None:
    refused: list[BaseException] = []

    def requeue(batch: Batch, error: BaseException) -> None:
        try:
            writer.write(batch.lines, protocol="line")
        except WriterBufferFullError as exc:
            refused.append(exc)

    client.outcomes = [InfluxDBWriteError("unable to parse", 400)]
    writer = make_writer(client, writers, batch_size=5, max_buffer=5, flush_interval=None,
                         on_error=requeue)
    writer.write(points(5))
    assert writer.flush(timeout=5) is True
    assert len(refused) == 1  # the failed batch still counts until it is settled


def test_udp_clients_send_datagrams_without_a_database(writers: list[BatchWriter]) -> None:
    client = FakeClient(database=None)
    client._use_udp = True
    sent: list[bytes] = []
    client._udp_send = lambda body, lines=None: sent.append(body)  # type: ignore[attr-defined]
    writer = make_writer(client, writers, flush_interval=None, batch_size=2)
    writer.write(points(3))
    writer.close()
    assert sent == [b"m v=0 0\nm v=1 1\n", b"m v=2 2\n"]
