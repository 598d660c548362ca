"""No log line of the package carries a credential, even when text from outside quotes one.

Before the fork fix, children of a busy writer mixed their requests with the parent's on
inherited connections; influxd's 400 answers quoted the other request's header lines, and
``Authorization: Basic ...`` reached 13 ERROR log lines.  Here a server in front of influxd
answers with such bodies on purpose, with every logger at DEBUG.
"""

from __future__ import annotations

import base64
import importlib
import logging
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import influxdb
from influxdb import InfluxDBClient
from influxdb._core._retry import Retry
from influxdb._redact import FILTER, LOGGERS, redact
from tests._influxd import Influxd
from tests.faults._fault_proxy import Fault, FaultProxy, Once

PASSWORD = "l0g-s3cret-päss"
TOKEN = "l0g-t0ken-xyz"
BASIC = base64.b64encode(f"writer:{PASSWORD}".encode()).decode()
SECRETS = (PASSWORD, TOKEN, BASIC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unable to parse 'Authorization: Basic cm9vdDpyb290': missing fields",
         "unable to parse 'Authorization: Basic [redacted]': missing fields"),
        ("POST /write HTTP/1.1\r\nAuthorization: Token abc.def\r\nAccept: */*",
         "POST /write HTTP/1.1\r\nAuthorization: Token [redacted]\r\nAccept: */*"),
        ("{'authorization': 'Bearer x=y', 'Accept': '*/*'}",
         "{'authorization': 'Bearer [redacted]', 'Accept': '*/*'}"),
        ('{"Authorization": ["Basic Zm9v"]}', '{"Authorization": ["Basic [redacted]"]}'),
        ("proxy-authorization:   cm9vdA==", "proxy-authorization:   [redacted]"),
        ("Authorization=Digest username=a, response=b",
         "Authorization=Digest [redacted]"),
        ("http://u:p%40ss@host:8086/query", "http://u:[redacted]@host:8086/query"),
        ("/query?u=root&p=s3cret&db=x", "/query?u=root&p=[redacted]&db=x"),
        ("/query?p=s3cret", "/query?p=[redacted]"),
        # Left alone: no credential in them.
        ("InfluxDBAuthorizationError: user is not authorized", None),
        ("error authorizing query: root not authorized to execute statement", None),
        ("authorization failed", None),
        ("http://host:8086/query?db=x&q=SELECT", None),
        ("cpu,host=a p=1i 5", None),
    ],
)
def test_redact(text: str, expected: Any) -> None:
    assert redact(text) == (text if expected is None else expected)


def _package_modules() -> Iterator[str]:
    for info in pkgutil.walk_packages(influxdb.__path__, "influxdb."):
        if ".influxdb08" not in info.name:
            yield info.name


def test_every_logger_of_the_package_has_the_filter() -> None:
    for name in _package_modules():
        importlib.import_module(name)
    ours = [name for name, logger in logging.root.manager.loggerDict.items()
            if isinstance(logger, logging.Logger)
            and (name == "influxdb" or name.startswith("influxdb."))]
    assert sorted(ours) == sorted(LOGGERS)
    for name in ours:
        assert FILTER in logging.getLogger(name).filters, name
    # ... and every logger named in the sources is listed.
    root = Path(influxdb.__file__).parent
    named = {match for path in root.glob("*.py")
             for match in re.findall(r'getLogger\("([^"]+)"\)', path.read_text("utf-8"))}
    assert named == set(LOGGERS)


def test_a_record_with_arguments_a_traceback_and_a_stack_is_cleaned(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("influxdb.batching")
    try:
        raise ValueError(f"unable to parse 'Authorization: Basic {BASIC}'")
    except ValueError as exc:
        log.exception("failed: %s", exc, stack_info=True)
    text = caplog.text
    assert "Authorization: Basic [redacted]" in text
    assert "Traceback" in text and "Stack (most recent call last)" in text
    assert BASIC not in text


def test_a_broken_record_is_left_for_the_handler() -> None:
    record = logging.LogRecord("influxdb", logging.WARNING, __file__, 1, "two %s %s",
                               ("one",), None)
    assert FILTER.filter(record) is True
    assert (record.msg, record.args) == ("two %s %s", ("one",))


def _echo(headers: str) -> bytes:
    # What influxd answers a body holding a stray header line.
    return ('{"error":"unable to parse \'' + headers + '\': missing fields"}').encode()


@pytest.fixture
def proxy(influxd: Influxd) -> Iterator[FaultProxy]:
    with FaultProxy(influxd.host, influxd.http_port) as running:
        yield running


@pytest.fixture
def logdb(influxd: Influxd) -> Iterator[str]:
    influxd.admin_query('CREATE DATABASE "log_redaction"')
    yield "log_redaction"
    influxd.admin_query('DROP DATABASE "log_redaction"')


def test_server_bodies_quoting_credentials_never_reach_the_log(
        proxy: FaultProxy, logdb: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    basic_echo = _echo(f"Authorization: Basic {BASIC}")
    token_echo = _echo(f"Authorization: Token {TOKEN}")
    points = [{"measurement": "m", "fields": {"i": i}, "time": i} for i in range(10)]
    fast = Retry(total=3, backoff_factor=0.01)
    client = InfluxDBClient("127.0.0.1", proxy.port, "writer", PASSWORD, database=logdb,
                            retries=fast)
    tokened = InfluxDBClient("127.0.0.1", proxy.port, database=logdb, retries=fast,
                             token=TOKEN)
    # write_points: a 503 retried (a WARNING), then a 400 (raised).
    proxy.script(Once(Fault.STATUS, status=503, body=basic_echo),
                 Once(Fault.STATUS, status=400, body=basic_echo),
                 Once(Fault.STATUS, status=400, body=token_echo))
    for cli in (client, tokened):
        with pytest.raises(Exception):  # noqa: B017 -- the class is not what is tested here
            cli.write_points(points)
    # The batching writer: a retry WARNING, then an ERROR for a batch refused for good,
    # and a callback that raises with the body in its message (log.exception).
    proxy.script(Once(Fault.STATUS, status=503, body=basic_echo),
                 Once(Fault.STATUS, status=400, body=basic_echo))

    def on_error(batch: Any, exc: BaseException) -> None:
        raise RuntimeError(f"on_error saw {exc}")

    with client.batch_writer(batch_size=10, retry=Retry(total=0, backoff_factor=0.01),
                             on_error=on_error) as writer:
        writer.write(points)
    assert len(writer.failed) == 1
    client.close()
    tokened.close()

    levels = {record.levelname for record in caplog.records
              if record.name.startswith("influxdb")}
    assert {"WARNING", "ERROR", "DEBUG"} <= levels
    assert "[redacted]" in caplog.text
    texts = [caplog.text] + [record.getMessage() for record in caplog.records] + [
        record.exc_text or "" for record in caplog.records]
    for secret in SECRETS:
        assert not any(secret in text for text in texts), secret
