"""``Retry-After`` values a server or proxy may really send, on a real 503 in front of influxd:
a malformed one is treated as absent (the backoff decides), a huge one is capped, and the
write is retried either way.  (Before: ``Retry-After: ²`` made ``write_points`` raise
``ValueError`` after one request, and made the batching writer drop the batch.)"""

from __future__ import annotations

import time
from typing import Any

import pytest

from influxdb import InfluxDBClient
from influxdb._core._retry import Retry
from tests._influxd import Influxd
from tests.faults._fault_proxy import Fault, FaultProxy, Once
from tests.faults.conftest import T0

pytestmark = [pytest.mark.server]

POINTS = [{"measurement": "m", "tags": {"run": "retry-after"}, "fields": {"i": i},
           "time": T0 + i} for i in range(1000)]

# What a header can carry on the wire (HTTP/1.1 header values are Latin-1 text): '²' and
# '¹' are digits to str.isdigit(); the others are plainly malformed.
MALFORMED = ["\u00b2", "1\u00b2", "\u00b9", "-1", "1e3", "1.5", "", "soon", "5 seconds"]


def stored_count(server: Influxd, database: str) -> int:
    result = server.admin_query("SELECT count(i) FROM m", db=database)["results"][0]
    series = result.get("series")
    return int(series[0]["values"][0][1]) if series else 0


@pytest.mark.parametrize("value", MALFORMED, ids=[repr(v) for v in MALFORMED])
def test_write_points_retries_past_a_malformed_retry_after(
        proxy: FaultProxy, fault_server: Influxd, fault_db: str, value: str) -> None:
    proxy.script(Once(Fault.STATUS, status=503, retry_after=value),
                 Once(Fault.STATUS, status=503, retry_after=value))
    policy = Retry(total=3, backoff_factor=0.05)
    with InfluxDBClient("127.0.0.1", proxy.port, database=fault_db, retries=policy) as client:
        started = time.monotonic()
        assert client.write_points(POINTS) is True
        elapsed = time.monotonic() - started
    assert proxy.counts() == {"status": 2, "forward": 1}
    # The backoff's waits (0.025-0.05 s, 0.05-0.1 s), nothing more: no value was read as a
    # number of seconds ('5 seconds' would have waited 5 s); wide for a loaded machine.
    assert elapsed < 4.0
    assert stored_count(fault_server, fault_db) == len(POINTS)


def test_a_malformed_retry_after_on_the_last_attempt_raises_the_server_error(
        proxy: FaultProxy, fault_db: str) -> None:
    from influxdb.exceptions import InfluxDBServerError

    proxy.script(Once(Fault.STATUS, status=503, retry_after="\u00b2"))
    with InfluxDBClient("127.0.0.1", proxy.port, database=fault_db, retries=1) as client:
        with pytest.raises(InfluxDBServerError) as info:
            client.write_points(POINTS)
    assert info.value.code == 503
    assert info.value.retry_after is None


def test_a_huge_retry_after_is_capped_by_retry_after_max(
        proxy: FaultProxy, fault_server: Influxd, fault_db: str) -> None:
    proxy.script(Once(Fault.STATUS, status=503, retry_after="9" * 400))
    policy = Retry(total=3, backoff_factor=0.05, retry_after_max=1.0)
    with InfluxDBClient("127.0.0.1", proxy.port, database=fault_db, retries=policy) as client:
        started = time.monotonic()
        assert client.write_points(POINTS) is True
        elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 6.0  # retry_after_max, then the write (wide for a loaded machine)
    assert stored_count(fault_server, fault_db) == len(POINTS)


@pytest.mark.parametrize("value", ["\u00b2", "soon"])
def test_the_batch_writer_retries_past_a_malformed_retry_after(
        proxy: FaultProxy, fault_server: Influxd, fault_db: str, value: str) -> None:
    proxy.script(Once(Fault.STATUS, status=503, retry_after=value))
    waits: list[float] = []
    errors: list[Any] = []
    with InfluxDBClient("127.0.0.1", proxy.port, database=fault_db) as client:
        with client.batch_writer(batch_size=len(POINTS), retry=Retry(total=0, backoff_factor=0.05),
                                 on_retry=lambda b, e, d: waits.append(d),
                                 on_error=lambda b, e: errors.append(e)) as writer:
            writer.write(POINTS)
    assert errors == [] and writer.failed == []
    assert len(waits) == 1 and waits[0] < 0.1  # the writer's own backoff: nothing was asked
    assert writer.stats.points_written == len(POINTS)
    assert stored_count(fault_server, fault_db) == len(POINTS)
