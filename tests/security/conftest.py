"""Fixtures of the bad-input and injection suites: a client whose session records every
request, and direct reads of what the server stored (through bare HTTP, not the client)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import pytest
import requests

from influxdb import InfluxDBClient
from tests._influxd import Influxd


class RecordingSession(requests.Session):
    """A ``requests.Session`` that records ``(method, endpoint, params, body)`` of each
    request before sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, Any, Any]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        endpoint = url.split("?", 1)[0].rsplit("/", 1)[-1]
        self.sent.append((method, endpoint, kwargs.get("params"), kwargs.get("data")))
        return super().request(method, url, *args, **kwargs)

    def endpoints(self) -> list[str]:
        return [endpoint for _, endpoint, _, _ in self.sent]


@pytest.fixture
def recording_client(influxd: Influxd, database: str) -> Iterator[InfluxDBClient]:
    """A client on ``influxd`` using the fresh ``database``; ``client._session.sent`` lists
    the requests it made."""
    client = InfluxDBClient(influxd.host, influxd.http_port, database=database, timeout=30,
                            session=RecordingSession())
    yield client
    client.close()


def stored_points(server: Influxd, database: str) -> dict[str, int]:
    """Points stored per measurement, read with a bare HTTP call."""
    answer = server.admin_query("SHOW MEASUREMENTS", db=database)
    names = [row[0] for s in answer["results"][0].get("series", []) for row in s["values"]]
    counts: dict[str, int] = {}
    for name in names:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        result = server.admin_query(f'SELECT COUNT(*) FROM "{quoted}"', db=database)
        series = result["results"][0].get("series", [])
        counts[name] = max(series[0]["values"][0][1:]) if series else 0
    return counts


@pytest.fixture
def stored(influxd: Influxd, database: str) -> Callable[[], dict[str, int]]:
    """``stored()`` -> points per measurement in the test's database."""
    return lambda: stored_points(influxd, database)
