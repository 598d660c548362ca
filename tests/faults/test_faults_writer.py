"""The batching writer (default policy) against injected answers: ``Retry-After`` is waited for,
and nothing accepted is lost."""

from __future__ import annotations

from typing import Any

import pytest

from influxdb import InfluxDBClient
from tests._influxd import Influxd
from tests.faults._fault_proxy import Fault, FaultProxy
from tests.faults.conftest import BATCH, complete, stored_batches

pytestmark = [pytest.mark.server, pytest.mark.slow]


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
