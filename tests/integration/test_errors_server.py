"""Error classes, retries and the request log against a real influxd.

influxd 1.6 answers a write to a missing retention policy with HTTP 500: the client must read
the message, raise the client error at once and never retry it, nor the batching writer.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest

from influxdb import InfluxDBClient
from influxdb.batching import BatchWriter
from influxdb.exceptions import (
    InfluxDBClientError,
    InfluxDBDatabaseNotFoundError,
    InfluxDBRetentionPolicyNotFoundError,
    InfluxDBServerError,
)
from tests._influxd import Influxd

pytestmark = pytest.mark.server

POINT = {"measurement": "m", "tags": {"t": "x"}, "fields": {"v": 1}, "time": 1}


def test_a_write_to_a_missing_retention_policy_fails_at_once(client: InfluxDBClient) -> None:
    started = time.monotonic()
    with pytest.raises(InfluxDBRetentionPolicyNotFoundError) as info:
        client.write_points([POINT], retention_policy="nosuchrp")
    elapsed = time.monotonic() - started
    assert (info.value.code, info.value.content, info.value.attempts) == (
        500, '{"error":"retention policy not found: nosuchrp"}', 1)
    assert not isinstance(info.value, InfluxDBServerError)
    assert elapsed < 1.0  # 5.8 s of retries before (three attempts and two backoffs)


def test_a_write_to_a_missing_database_fails_at_once(influxd: Influxd) -> None:
    with InfluxDBClient(influxd.host, influxd.http_port, database="no_such_db_e") as cli:
        with pytest.raises(InfluxDBDatabaseNotFoundError) as info:
            cli.write_points([POINT])
    assert (info.value.code, info.value.attempts) == (404, 1)


def test_the_batching_writer_does_not_retry_a_missing_retention_policy(
        client: InfluxDBClient) -> None:
    failures: list[tuple[int, BaseException]] = []
    started = time.monotonic()
    writer = BatchWriter(client, retention_policy="nosuchrp", batch_size=1, flush_interval=None,
                         on_error=lambda batch, exc: failures.append((len(batch), exc)))
    with writer:
        writer.write([POINT])
    elapsed = time.monotonic() - started
    stats = writer.stats
    assert (stats.points_failed, stats.batches_failed, stats.retries) == (1, 1, 0)
    assert [(n, type(exc)) for n, exc in failures] == [
        (1, InfluxDBRetentionPolicyNotFoundError)]
    assert elapsed < 5.0  # the writer's own policy would have kept trying for five minutes


# -- the request log -----------------------------------------------------------------------

LINE = re.compile(r"(?P<method>GET|POST) (?P<path>/\w+) db=(?P<db>\S+) status=(?P<status>\d+) "
                  r"elapsed=\d+\.\dms sent=(?P<sent>\d+)B received=(?P<received>\d+)B")


def test_one_debug_line_per_request_and_no_secret(client: InfluxDBClient,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    db = client._database
    with caplog.at_level(logging.DEBUG, logger="influxdb"):
        client.ping()
        client.write_points([POINT])
        client.query("SELECT v FROM m WHERE t = $t", bind_params={"t": "bound-secret-e"})
        client.create_user("log_user_e", "pw-secret-e")
        try:
            with BatchWriter(client, batch_size=2, flush_interval=None) as writer:
                writer.write([POINT, {**POINT, "time": 2}])
        finally:
            client.drop_user("log_user_e")
    records = [r for r in caplog.records if r.name == "influxdb"]
    assert {r.levelno for r in records} == {logging.DEBUG}
    parsed = [LINE.fullmatch(r.getMessage()) for r in records]
    assert all(parsed), [r.getMessage() for r in records]
    seen = [(m["method"], m["path"], m["db"], m["status"]) for m in parsed if m]
    assert seen == [
        ("GET", "/ping", "None", "204"),
        ("POST", "/write", db, "204"),
        ("GET", "/query", db, "200"),
        ("POST", "/query", db, "200"),   # CREATE USER, in the body
        ("POST", "/write", db, "204"),   # the writer's batch
        ("POST", "/query", db, "200"),   # DROP USER
    ]
    sizes = [(int(m["sent"]), int(m["received"])) for m in parsed if m]
    assert sizes[1] == (len(b"m,t=x v=1i 1\n"), 0)
    assert sizes[4] == (len(b"m,t=x v=1i 1\nm,t=x v=1i 2\n"), 0)
    assert sizes[2][1] > 0
    text = caplog.text
    for secret in ("pw-secret-e", "bound-secret-e", "log_user_e", "SELECT", "root"):
        assert secret not in text


def test_argument_errors_reach_5_3_2_callers(client: InfluxDBClient) -> None:
    # 5.3.2 sent these to the server: the same except clause and code.  The harmless
    # incomplete ones are still sent and judged by the server (its own answer, not a
    # ValueError); what would be inserted raw is refused here (code 400, a ValueError).
    calls: list[tuple[Any, Any, bool]] = [
        (lambda: client.create_user("", "pw"), None, False),  # "username required"
        (lambda: client.grant_privilege("", client._database, "nobody"), 400, False),
        (lambda: client.revoke_privilege("", client._database, "nobody"), 400, False),
        (lambda: client.alter_retention_policy("autogen", client._database), 400, False),
        (lambda: client.delete_series(), 400, False),
        (lambda: client.create_retention_policy("rp", "forever", 1), 400, True),
    ]
    for call, code, refused in calls:
        with pytest.raises(InfluxDBClientError) as info:
            call()
        assert (info.value.code, isinstance(info.value, ValueError)) == (code, refused)
    assert client.get_list_retention_policies()[0]["name"] == "autogen"
