"""Fixtures of the fault suite: a private influxd, a fault proxy in front of it, a fresh
database per test, the 100,000 uniquely identified points, and reads of what the server
stored (bare HTTP, never the client under test)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from tests._influxd import Influxd
from tests.faults._fault_proxy import FaultProxy

N_POINTS = 100_000
BATCH = 10_000
N_BATCHES = N_POINTS // BATCH
T0 = 1_700_000_000_000_000_000  # ns, a multiple of BATCH: batch b covers [T0+b*BATCH, ...)

_counter = itertools.count()


@pytest.fixture(scope="module")
def fault_server() -> Iterator[Influxd]:
    """A private influxd for the faults (restarts never disturb the other suites)."""
    server = Influxd()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def fault_db(fault_server: Influxd) -> Iterator[str]:
    name = f"faults_{next(_counter)}"
    fault_server.admin_query(f'CREATE DATABASE "{name}"')
    yield name
    if fault_server.proc is None:  # a test left it stopped
        fault_server.start()
    fault_server.admin_query(f'DROP DATABASE "{name}"')


@pytest.fixture
def proxy(fault_server: Influxd) -> Iterator[FaultProxy]:
    with FaultProxy(fault_server.host, fault_server.http_port) as running:
        yield running


@pytest.fixture(scope="session")
def hundred_thousand() -> list[dict[str, Any]]:
    """Point ``i`` has field ``i`` and time ``T0 + i`` ns: unique, and its batch is
    ``i // BATCH``.  Shared read-only (the client never modifies what it is given)."""
    return [{"measurement": "m", "tags": {"run": "faults"}, "fields": {"i": i}, "time": T0 + i}
            for i in range(N_POINTS)]


def batch_sum(batch: int) -> int:
    return sum(range(batch * BATCH, (batch + 1) * BATCH))


def stored_batches(server: Influxd, database: str) -> dict[int, tuple[int, int]]:
    """``{batch: (count, sum)}`` of what the server holds, batches with no point left out."""
    answer = server.admin_query(
        f"SELECT count(i), sum(i) FROM m WHERE time >= {T0} AND time < {T0 + N_POINTS} "
        f"GROUP BY time({BATCH}ns)", db=database)
    result = answer["results"][0]
    assert "error" not in result, result
    out: dict[int, tuple[int, int]] = {}
    for series in result.get("series", []):
        for index, (_, count, total) in enumerate(series["values"]):
            if count:
                out[index] = (count, total)
    return out


def complete(batches: range | list[int]) -> dict[int, tuple[int, int]]:
    """What ``stored_batches`` returns when exactly these batches are stored, whole."""
    return {b: (BATCH, batch_sum(b)) for b in batches}
