"""The batching writer against injected answers and a server that accepts and never answers:
``Retry-After`` is waited for, every request is bounded in time (whatever the client's
timeout), retries stay within the policy's limit, and every accepted point ends written, in
``failed``, or counted in the log -- the counts add up at every look."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

import pytest
import requests

from influxdb import InfluxDBClient
from influxdb._core._retry import Retry
from influxdb.batching import DEFAULT_REQUEST_TIMEOUT, WriterClosedError, WriterStats
from tests._influxd import Influxd
from tests.faults._fault_proxy import Fault, FaultProxy
from tests.faults._silent import SilentServer
from tests.faults.conftest import BATCH, T0, complete, stored_batches

pytestmark = [pytest.mark.server, pytest.mark.slow]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.mark.parametrize("status", [503, 429])
def test_batch_writer_waits_what_retry_after_asks(proxy: FaultProxy, fault_server: Influxd,
                                                  fault_db: str, status: int,
                                                  hundred_thousand: list[dict[str, Any]]
                                                  ) -> None:
    proxy.arm(Fault.STATUS, after=0, duration=0.5, status=status, retry_after="2")
    waits: list[float] = []
    client = InfluxDBClient("127.0.0.1", proxy.port, database=fault_db)
    with client.batch_writer(batch_size=BATCH, on_retry=lambda b, e, d: waits.append(d)
                             ) as writer:
        writer.write(hundred_thousand[:2 * BATCH])
    client.close()
    # The writer's own first wait is at most 0.5 s; the server asked for 2.
    assert waits and waits[0] >= 2.0
    assert writer.failed == []
    assert writer.stats.points_written == 2 * BATCH
    assert stored_batches(fault_server, fault_db) == complete(range(2))


# -- a server that accepts and never answers -----------------------------------------------------

def lines(n: int) -> list[str]:
    return [f"m v={i}i {i}" for i in range(n)]


def test_close_timeout_accounts_for_the_batch_in_flight(
        caplog: pytest.LogCaptureFixture) -> None:
    # 12,000 lines, batches of 5,000: the first is sent and never answered, the other 7,000
    # wait.  close(timeout=2) gives up on all of them, the batch in flight included, and the
    # counts add up now and after that request ends.
    with SilentServer() as silent:
        client = InfluxDBClient("127.0.0.1", silent.port, database="db")  # timeout=None
        writer = client.batch_writer(request_timeout=3, name="w")
        writer.write(lines(12_000), protocol="line")
        wait_until(lambda: silent.requests() == 1)
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="influxdb.batching"):
            assert writer.close(timeout=2) is False
        took = time.monotonic() - started
        failed = writer.failed
        expected = WriterStats(points_accepted=12_000, points_failed=12_000, batches_failed=2,
                               last_error=failed[1].error)
        assert writer.stats == expected
        assert [len(b) for b in failed] == [5000, 7000]
        assert sorted(line for b in failed for line in b.lines) == sorted(lines(12_000))
        assert [type(b.error) for b in failed] == [WriterClosedError, WriterClosedError]
        assert str(failed[0].error) == (
            "close(timeout=2) timed out while these points were being sent (attempt 1, "
            "unanswered or to be retried): the server may have stored them")
        assert [r.getMessage() for r in caplog.records] == [
            "BatchWriter w: close(timeout=2) timed out; 12000 points were not written (5000 "
            "in the batch being sent, which the server may have stored; 7000 never sent); "
            "they are in writer.failed"]
        assert 1.9 <= took < 5
        # The request times out (3 s) in the thread; its outcome no longer counts.
        writer._core.thread.join(10)
        assert not writer._core.thread.is_alive()
        assert writer.stats == expected
        assert [len(b) for b in writer.failed] == [5000, 7000]
        client.close()


def test_the_default_request_timeout_bounds_a_silent_server() -> None:
    # The client keeps 5.3.2's timeout=None; the writer still gives up on a request after
    # DEFAULT_REQUEST_TIMEOUT (10 s).
    assert DEFAULT_REQUEST_TIMEOUT == 10.0
    with SilentServer() as silent:
        client = InfluxDBClient("127.0.0.1", silent.port, database="db")
        assert client._timeout is None
        writer = client.batch_writer(retry=Retry(total=1))
        writer.write_point("m", {"v": 1})
        started = time.monotonic()
        assert writer.close() is True  # settled: failed for good, within the policy
        took = time.monotonic() - started
        [batch] = writer.failed
        assert isinstance(batch.error, requests.exceptions.ReadTimeout)
        assert (batch.attempts, silent.requests()) == (1, 1)
        assert 9.5 <= took < 15
        client.close()


def test_timed_out_requests_are_retried_within_the_policy_bound() -> None:
    retries: list[str] = []
    policy = Retry(total=0, backoff_factor=0.1, backoff_max=0.2, max_retry_time=4.0)
    with SilentServer() as silent:
        client = InfluxDBClient("127.0.0.1", silent.port, database="db")
        writer = client.batch_writer(request_timeout=1.5, retry=policy,
                                     on_retry=lambda b, e, d: retries.append(type(e).__name__))
        writer.write_point("m", {"v": 1})
        started = time.monotonic()
        assert writer.close() is True
        took = time.monotonic() - started
        [batch] = writer.failed
        assert isinstance(batch.error, requests.exceptions.ReadTimeout)
        # 1.5 s attempts and short waits: the third attempt gets what is left of the 4 s.
        assert batch.attempts == silent.requests() == len(retries) + 1 == 3
        assert set(retries) == {"ReadTimeout"}
        assert 3.5 <= took < 5.5  # max_retry_time, not three full timeouts plus waits
        assert writer.stats == WriterStats(points_accepted=1, points_failed=1,
                                           batches_failed=1, retries=2,
                                           last_error=batch.error)
        client.close()


def test_the_clients_timeout_applies_when_the_writer_sets_none() -> None:
    with SilentServer() as silent:
        client = InfluxDBClient("127.0.0.1", silent.port, database="db", timeout=0.5)
        writer = client.batch_writer(retry=Retry(total=1))
        writer.write_point("m", {"v": 1})
        started = time.monotonic()
        assert writer.close() is True
        assert time.monotonic() - started < 3
        assert isinstance(writer.failed[0].error, requests.exceptions.ReadTimeout)
        client.close()


def test_a_session_commit_is_bounded_too() -> None:
    with SilentServer() as silent:
        client = InfluxDBClient("127.0.0.1", silent.port, database="db")
        session = client.session(request_timeout=0.5, retry=Retry(total=2, backoff_factor=0.01))
        session.write_point("m", {"v": 1})
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout):
            session.commit()
        assert time.monotonic() - started < 4
        assert (session.pending, silent.requests()) == (1, 2)  # kept for the next commit
        client.close()


def test_the_counts_add_up_at_every_look(fault_server: Influxd, fault_db: str) -> None:
    client = InfluxDBClient(fault_server.host, fault_server.http_port, database=fault_db)
    writer = client.batch_writer(batch_size=1000, flush_interval=0.01)
    looks = 0
    for start in range(0, 30_000, 500):
        writer.write([{"measurement": "m", "fields": {"i": i}, "time": T0 + i}
                      for i in range(start, start + 500)])
        s = writer.stats
        assert s.points_accepted == s.points_written + s.points_failed + s.points_buffered
        looks += 1
    assert writer.close() is True
    s = writer.stats
    assert (looks, s.points_accepted, s.points_written, s.points_buffered) == (
        60, 30_000, 30_000, 0)
    client.close()
