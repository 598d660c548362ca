"""A URL that reaches an HTTP server that is not InfluxDB (a wrong port, a wrong path).

The server is the standard library's ``http.server`` on a loopback port, serving an empty
directory: ``GET`` answers an HTML 404 page, ``POST`` an HTML 501 (no ``do_POST``).  Neither
answer carries ``X-Influxdb-Version`` or an InfluxDB error body.
"""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from influxdb import InfluxDBClient
from influxdb.batching import BatchWriter
from influxdb.exceptions import (
    InfluxDBClientError,
    InfluxDBServerError,
    NotInfluxDBClientError,
    NotInfluxDBError,
    NotInfluxDBServerError,
)


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        type(self).requests.append(self.requestline)  # once per answered request

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 -- the stdlib's name
        pass  # keep the test's output clean (send_error logs too)


@pytest.fixture
def web_server() -> Iterator[tuple[int, list[str]]]:
    with tempfile.TemporaryDirectory() as root:
        handler = type("Handler", (_Handler,), {"requests": []})
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=root))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[1], handler.requests
        finally:
            server.shutdown()
            server.server_close()
            thread.join(10)


def _client(port: int, **kwargs: Any) -> InfluxDBClient:
    return InfluxDBClient("127.0.0.1", port, database="db", timeout=10, **kwargs)


def test_ping_says_the_server_is_not_influxdb(web_server: tuple[int, list[str]]) -> None:
    port, seen = web_server
    with _client(port) as cli, pytest.raises(NotInfluxDBClientError) as info:
        cli.ping()
    error = info.value
    assert isinstance(error, InfluxDBClientError) and isinstance(error, NotInfluxDBError)
    assert (error.code, error.url, len(seen)) == (404, f"http://127.0.0.1:{port}/ping", 1)
    assert error.content.startswith("<!DOCTYPE HTML>") and len(error.content) == 200
    assert str(error) == (
        f"404: the server at http://127.0.0.1:{port}/ping did not answer as InfluxDB (HTTP 404 "
        f"without an X-Influxdb-Version header); its answer begins {error.content!r}")


def test_a_write_answered_501_is_not_retried(web_server: tuple[int, list[str]]) -> None:
    port, seen = web_server
    with _client(port, retries=5) as cli, pytest.raises(NotInfluxDBServerError) as info:
        cli.write_points([{"measurement": "m", "fields": {"v": 1}}])
    assert isinstance(info.value, InfluxDBServerError)
    assert not isinstance(info.value, InfluxDBClientError)
    assert (info.value.code, info.value.attempts, seen) == (
        501, 1, ["POST /write?db=db HTTP/1.1"])


def test_a_query_gets_the_same_answer(web_server: tuple[int, list[str]]) -> None:
    port, seen = web_server
    with _client(port) as cli, pytest.raises(NotInfluxDBClientError) as info:
        cli.query("SHOW DATABASES")
    assert (info.value.code, len(seen)) == (404, 1)


def test_the_batching_writer_does_not_retry_it(web_server: tuple[int, list[str]]) -> None:
    port, seen = web_server
    errors: list[BaseException] = []
    with _client(port) as cli:
        writer = BatchWriter(cli, batch_size=1, flush_interval=None,
                             on_error=lambda batch, exc: errors.append(exc))
        with writer:
            writer.write([{"measurement": "m", "fields": {"v": 1}}])
    assert ([type(e) for e in errors], writer.stats.retries, len(seen)) == (
        [NotInfluxDBServerError], 0, 1)
