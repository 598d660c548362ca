"""close(timeout) racing the writer's thread: whatever moment the timeout falls on, every
accepted point is written or in ``failed`` (the batch in flight may be both: the server may
have stored it), nothing is counted twice, and the counters add up."""

from __future__ import annotations

import random
import threading
import time
from typing import Any, Optional

import pytest

from influxdb._core._retry import Retry
from influxdb.batching import BatchWriter, WriterClosedError


class SlowClient:
    """Stores each body after a random pause of up to 2 ms."""

    _database = "db"
    _default_time_precision = None
    _default_retention_policy = None
    _default_tags: dict[str, Any] = {}
    _use_udp = False
    _timeout = None

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.lines: list[str] = []

    def _write_url(self) -> str:
        return "http://slow:8086"

    def _encode_points(self, points: Any, **kwargs: Any) -> bytes:
        return ("\n".join(points) + "\n").encode()

    def _write_payload(self, body: bytes, *, timeout: Any = None, **kwargs: Any) -> None:
        assert timeout is not None
        with self.lock:
            pause = self.random.random() * 0.002
        time.sleep(pause)
        with self.lock:
            self.lines.extend(body.decode().splitlines())


@pytest.mark.parametrize("seed", range(20))
def test_close_timing_out_at_any_moment_accounts_for_every_point(seed: int) -> None:
    client = SlowClient(seed)
    writer = BatchWriter(client, batch_size=10, flush_interval=None, retry=Retry(total=1))
    sent = [f"m v={i}i {i}" for i in range(2000)]
    writer.write(sent, protocol="line")
    closed = writer.close(timeout=random.Random(seed).random() * 0.05)
    writer._core.thread.join(5)
    stats = writer.stats
    failed = [line for batch in writer.failed for line in batch.lines]
    with client.lock:
        written = list(client.lines)
    assert stats.points_accepted == 2000
    assert stats.points_buffered == 0
    assert stats.points_written + stats.points_failed == 2000
    assert closed is (stats.points_failed == 0)
    assert sorted(set(written) | set(failed)) == sorted(sent)
    # Only the batch that was in flight when close() gave up can be in both.
    both = set(written) & set(failed)
    assert len(both) <= 10
    assert len(written) - len(both) == stats.points_written
    assert {type(batch.error) for batch in writer.failed} <= {WriterClosedError}


def test_close_from_a_callback_returns_false_and_the_writer_still_drains() -> None:
    client = SlowClient(0)
    answers: list[Optional[bool]] = []
    writer: Optional[BatchWriter] = None

    def on_success(batch: Any) -> None:
        if not answers:
            assert writer is not None
            answers.append(writer.close())

    writer = BatchWriter(client, batch_size=10, flush_interval=None, on_success=on_success)
    writer.write([f"m v={i}i {i}" for i in range(100)], protocol="line")
    writer.flush(timeout=5)
    assert writer.close(timeout=5) is True
    assert answers == [False]
    assert writer.stats.points_written == 100
