"""No exception the client raises carries a credential, even when the answer quotes one.

A server given a garbled request (two processes sharing a connection after ``fork()``, a
proxy) can answer with a body quoting the request's header lines; a ``requests`` exception
quotes the URL asked, query string included, and the proxy's.  Users log exceptions with
loggers of their own, which the package's log filter never sees: the exceptions are
cleaned where they are made.  Message and ``.content`` alike; ``.code`` and the class stay.
"""

from __future__ import annotations

import base64
import pickle
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

import pytest
import requests
import urllib3.exceptions

from influxdb import InfluxDBClient
from influxdb._redact import redact_exception
from influxdb.exceptions import (
    InfluxDBArgumentError,
    InfluxDBAuthenticationError,
    InfluxDBClientError,
    InfluxDBError,
    InfluxDBQueryError,
    InfluxDBServerError,
    InfluxDBWriteError,
    NotInfluxDBClientError,
    error_from_response,
)

PASSWORD = "exc-s3cret-päss"
TOKEN = "exc-t0ken-xyz"
BEARER = "exc.bearer.jwt"
BASIC = base64.b64encode(f"writer:{PASSWORD}".encode()).decode()
SECRETS = (PASSWORD, TOKEN, BEARER, BASIC, "cm9vdDpyb290", "s3cret")


def _everything(error: BaseException) -> str:
    """What a user's log line could show of ``error``: message, repr, content, and the
    traceback's messages (chained exceptions included; not its source lines, which quote
    this file)."""
    printed = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    messages = [line for line in printed.splitlines() if not line.startswith("  ")]
    return "\n".join([str(error), repr(error), getattr(error, "content", ""), *messages])


@pytest.mark.parametrize(
    ("body", "code", "operation", "cls", "content"),
    [
        ('{"error":"unable to parse \'Authorization: Basic cm9vdDpyb290\': missing fields"}',
         400, "write", InfluxDBWriteError,
         '{"error":"unable to parse \'Authorization: Basic [redacted]\': missing fields"}'),
        ("POST /write HTTP/1.1\r\nAuthorization: Token exc-t0ken-xyz\r\nAccept: */*",
         401, "write", InfluxDBAuthenticationError,
         "POST /write HTTP/1.1\r\nAuthorization: Token [redacted]\r\nAccept: */*"),
        ("{'authorization': 'Bearer exc.bearer.jwt', 'Accept': '*/*'}", 500, "query",
         InfluxDBServerError, "{'authorization': 'Bearer [redacted]', 'Accept': '*/*'}"),
        ('{"error":"cannot reach http://root:s3cret@db:8086/query"}', 502, "query",
         InfluxDBServerError, '{"error":"cannot reach http://root:[redacted]@db:8086/query"}'),
        ('{"error":"GET /query?u=root&p=s3cret&q=SHOW HTTP/1.1: bad request"}', 400,
         "query", InfluxDBQueryError,
         '{"error":"GET /query?u=root&p=[redacted]&q=SHOW HTTP/1.1: bad request"}'),
        # A statement error inside a 200 answer (no status).
        ("error parsing query near /query?p=s3cret", None, "query", InfluxDBQueryError,
         "error parsing query near /query?p=[redacted]"),
        # 429 from InfluxDB: the generic class, retried by the policy.
        (b"Authorization: Basic cm9vdDpyb290", 429, "query", InfluxDBClientError,
         "Authorization: Basic [redacted]"),
    ],
)
def test_error_from_response_scrubs_message_and_content(
        body: Any, code: Optional[int], operation: str, cls: type, content: str) -> None:
    error = error_from_response(body, code, operation=operation)
    assert type(error) is cls
    assert (error.code, error.content) == (code, content)
    if code is None or issubclass(cls, InfluxDBServerError):
        assert str(error) == content
    else:
        assert str(error) == f"{code}: {content}"
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.code, copy.content, str(copy)) == (
        cls, code, content, str(error))
    assert not any(secret in _everything(error) for secret in SECRETS)


def test_an_answer_from_another_server_is_scrubbed_before_it_is_cut() -> None:
    # The credential sits across the 200-character excerpt's end: cleaned whole, then cut
    # (a header's value is cleaned to the end of its line).
    body = "x" * 170 + " Authorization: Basic cm9vdDpyb290 and more"
    error = error_from_response(body, 400, from_influxdb=False,
                                url="http://u:s3cret@proxy:3128/query")
    assert type(error) is NotInfluxDBClientError
    excerpt = "x" * 170 + " Authorization: Basic [redacted]"
    assert (error.code, error.content, error.url) == (  # type: ignore[attr-defined]
        400, excerpt, "http://u:[redacted]@proxy:3128/query")
    assert str(error) == (
        "400: the server at http://u:[redacted]@proxy:3128/query did not answer as InfluxDB "
        f"(HTTP 400 without an X-Influxdb-Version header); its answer begins {excerpt!r}")
    assert not any(secret in _everything(error) for secret in SECRETS)


def test_exceptions_built_by_hand_are_scrubbed_too() -> None:
    error = InfluxDBError("Proxy-Authorization: Basic cm9vdDpyb290", 407)
    assert (str(error), error.content, error.code) == (
        "407: Proxy-Authorization: Basic [redacted]", "Proxy-Authorization: Basic [redacted]",
        407)


def test_redact_exception_cleans_a_requests_chain_in_place() -> None:
    url = "http://127.0.0.1:1/query?u=root&p=s3cret&q=SHOW+DATABASES"
    reason = urllib3.exceptions.NewConnectionError(
        None, "Failed to connect through http://pu:s3cret@127.0.0.1:2")
    inner = urllib3.exceptions.MaxRetryError(None, url, reason)  # type: ignore[arg-type]
    try:
        try:
            raise inner
        except urllib3.exceptions.MaxRetryError as exc:
            raise requests.exceptions.ConnectionError(exc) from exc
    except requests.exceptions.ConnectionError as raised:
        error = raised
    if hasattr(error, "add_note"):  # Python 3.11+
        error.add_note("while asking http://root:s3cret@db/")
    assert redact_exception(error) is error
    assert type(error) is requests.exceptions.ConnectionError
    assert error.args[0] is inner and error.__cause__ is inner
    clean_url = "http://127.0.0.1:1/query?u=root&p=[redacted]&q=SHOW+DATABASES"
    assert inner.url == clean_url
    assert str(error) == (
        f"None: Max retries exceeded with url: {clean_url} (Caused by {reason!r})")
    assert "Failed to connect through http://pu:[redacted]@127.0.0.1:2" in str(reason)
    assert "s3cret" not in _everything(error)


def test_a_refused_connection_through_a_proxy_names_no_credential() -> None:
    client = InfluxDBClient("127.0.0.1", 1, "root", PASSWORD, retries=1, timeout=5,
                            proxies={"http": f"http://pu:{PASSWORD}@127.0.0.1:2"})
    with pytest.raises(requests.exceptions.ProxyError) as caught:
        client.query("SHOW DATABASES", params={"u": "root", "p": "s3cret"})
    text = _everything(caught.value)
    assert "Max retries exceeded with url: http://127.0.0.1:1/query?u=root&p=[redacted]&q=" \
        "SHOW+DATABASES" in text
    assert not any(secret in text for secret in SECRETS)
    client.close()


class _EchoServer:
    """Answers every request with 400 and a body quoting its request line and headers,
    as a server that took a request's header lines for its body does."""

    def __init__(self) -> None:
        self.influxdb = True
        self.seen: list[str] = []
        echo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                if length:
                    self.rfile.read(length)
                quoted = f"{self.requestline}\r\n{self.headers}".replace("\n", "\r\n")
                quoted = quoted.replace("\r\r\n", "\r\n")
                echo.seen.append(quoted)
                body = f"bad request: {quoted}".encode()
                self.send_response(400)
                if echo.influxdb:
                    self.send_header("X-Influxdb-Version", "1.6.7")
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815 -- http.server's names

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def echo() -> Iterator[_EchoServer]:
    server = _EchoServer()
    try:
        yield server
    finally:
        server.close()


def test_a_server_echoing_the_request_headers_in_a_400(echo: _EchoServer) -> None:
    basic = InfluxDBClient("127.0.0.1", echo.port, "writer", PASSWORD, database="db",
                           retries=1, timeout=10)
    token = InfluxDBClient("127.0.0.1", echo.port, database="db", retries=1, timeout=10,
                           token=TOKEN)
    bearer = InfluxDBClient("127.0.0.1", echo.port, database="db", retries=1, timeout=10,
                            headers={"Authorization": f"Bearer {BEARER}"})
    cases = [
        (lambda: basic.write_points([{"measurement": "m", "fields": {"v": 1}}]),
         InfluxDBWriteError, BASIC),
        (lambda: token.write_points([{"measurement": "m", "fields": {"v": 1}}]),
         InfluxDBWriteError, TOKEN),
        (lambda: bearer.query("SHOW DATABASES"), InfluxDBQueryError, BEARER),
        (lambda: basic.query("SHOW DATABASES", params={"p": "s3cret"}), InfluxDBQueryError,
         BASIC),
    ]
    for call, cls, secret in cases:
        with pytest.raises(InfluxDBClientError) as caught:
            call()
        error = caught.value
        quoted = echo.seen[-1]
        assert secret in quoted  # the server did quote it
        expected = "bad request: " + quoted.replace(secret, "[redacted]").replace(
            "p=s3cret", "p=[redacted]")
        assert (type(error), error.code, error.content, str(error)) == (
            cls, 400, expected, f"400: {expected}")
        assert not any(s in _everything(error) for s in SECRETS)
    # The same from a server that is not InfluxDB (no X-Influxdb-Version header).
    echo.influxdb = False
    with pytest.raises(NotInfluxDBClientError) as caught:
        basic.write_points([{"measurement": "m", "fields": {"v": 1}}])
    assert caught.value.code == 400
    assert caught.value.content == (
        "bad request: " + echo.seen[-1].replace(BASIC, "[redacted]"))[:200]
    assert not any(s in _everything(caught.value) for s in SECRETS)
    for client in (basic, token, bearer):
        client.close()


def test_argument_errors_keep_their_own_text() -> None:
    # Ours alone, never quoting a secret: a placeholder URL stays as written.
    message = "use InfluxDBClient.from_dsn('influxdb://user:password@host:8086/db?p=x')"
    error = InfluxDBArgumentError(message)
    assert (str(error), error.content, error.code) == (message, message, 400)
    assert str(pickle.loads(pickle.dumps(error))) == message
