"""Queries are retried the same way as writes: through each transient fault a query returns
the exact answer; through a fault outlasting the budget it raises, within the budget."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Optional

import pytest
import requests

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBServerError
from tests._influxd import Influxd
from tests.faults._fault_proxy import Fault, FaultProxy
from tests.faults.conftest import N_POINTS
from tests.faults.test_faults_write import MAX_BACKOFF, MIN_BACKOFF, TRANSIENT_SECONDS

pytestmark = [pytest.mark.server, pytest.mark.slow]

EXPECTED = [{"time": "1970-01-01T00:00:00Z", "count": N_POINTS,
             "sum": N_POINTS * (N_POINTS - 1) // 2}]
QUERY = "SELECT count(i), sum(i) FROM m"


@pytest.fixture(scope="module")
def query_db(fault_server: Influxd, hundred_thousand: list[dict[str, Any]]) -> Iterator[str]:
    direct = InfluxDBClient(fault_server.host, fault_server.http_port, database="faults_query")
    direct.create_database("faults_query")
    direct.write_points(hundred_thousand, batch_size=10_000)
    yield "faults_query"
    direct.drop_database("faults_query")
    direct.close()


TRANSIENT = [
    ("connection-reset", Fault.RESET, {}, None, False),
    ("accept-and-close", Fault.HANGUP, {}, None, False),
    ("answer-after-timeout", Fault.DELAY, {"delay": 2.0}, 1.0, False),
    ("http-503-retry-after", Fault.STATUS, {"status": 503, "retry_after": "2"}, None, False),
    ("http-429-retry-after", Fault.STATUS, {"status": 429, "retry_after": "1"}, None, False),
    ("connections-refused", Fault.REFUSE, {}, None, False),
    ("answer-cut-mid-body", Fault.CUT_ANSWER, {}, None, False),
    # A chunked query is retried as long as no chunk was handed out yet.
    ("chunked-connection-reset", Fault.RESET, {}, None, True),
]


@pytest.mark.parametrize("kind, options, timeout, chunked",
                         [pytest.param(k, o, t, c, id=i) for i, k, o, t, c in TRANSIENT])
def test_query_survives_transient_fault(proxy: FaultProxy, query_db: str, kind: Fault,
                                        options: dict[str, Any], timeout: Optional[float],
                                        chunked: bool) -> None:
    proxy.arm(kind, after=0, duration=TRANSIENT_SECONDS, paths=("/query",), **options)
    with InfluxDBClient("127.0.0.1", proxy.port, database=query_db, timeout=timeout) as client:
        started = time.monotonic()
        if chunked:
            chunks = client.query("SELECT i FROM m", chunked=True, chunk_size=20_000)
            values = [p["i"] for chunk in chunks for p in chunk.get_points()]
            assert len(values) == N_POINTS and sum(values) == EXPECTED[0]["sum"]
        else:
            assert list(client.query(QUERY).get_points()) == EXPECTED
        elapsed = time.monotonic() - started
    assert sum(proxy.injected.values()) >= 1
    assert elapsed < 10 + MAX_BACKOFF + 3 * (timeout or 0) + float(options.get("retry_after", 0))


PERMANENT = [
    ("http-503", Fault.STATUS, {"status": 503, "retry_after": "1"}, None,
     InfluxDBServerError),
    ("connections-refused", Fault.REFUSE, {}, None, requests.exceptions.ConnectionError),
    ("answer-after-timeout", Fault.DELAY, {"delay": 2.0}, 1.0,
     requests.exceptions.ReadTimeout),
]


@pytest.mark.parametrize("kind, options, timeout, raises",
                         [pytest.param(k, o, t, r, id=i) for i, k, o, t, r in PERMANENT])
def test_query_fault_outlasting_the_budget_raises_in_time(
        proxy: FaultProxy, query_db: str, kind: Fault, options: dict[str, Any],
        timeout: Optional[float], raises: type[BaseException]) -> None:
    proxy.arm(kind, after=0, duration=None, paths=("/query",), **options)
    with InfluxDBClient("127.0.0.1", proxy.port, database=query_db, timeout=timeout) as client:
        started = time.monotonic()
        with pytest.raises(raises):
            client.query(QUERY)
        elapsed = time.monotonic() - started
    assert MIN_BACKOFF <= elapsed < 10 + MAX_BACKOFF + 3 * (timeout or 0)
    proxy.heal()
    with InfluxDBClient("127.0.0.1", proxy.port, database=query_db) as client:
        assert list(client.query(QUERY).get_points()) == EXPECTED


def test_query_answered_engine_shutdown_is_retried(proxy: FaultProxy, query_db: str) -> None:
    # The exact answer influxd 1.6.7 gives a query that races its SIGTERM (seen in about one
    # query in eight sent 30 ms before the signal); replayed here so the test is exact.
    proxy.arm(Fault.STATUS, after=0, duration=1.0, paths=("/query",), status=200,
              body=b'{"results":[{"statement_id":0,"error":"query engine shutdown"}]}\n')
    with InfluxDBClient("127.0.0.1", proxy.port, database=query_db,
                        headers={"Accept": "application/json"}) as client:
        assert list(client.query(QUERY).get_points()) == EXPECTED
