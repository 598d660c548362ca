"""The client's surface: constructor checks, reprs, ``bind_params`` values, ``query()`` types."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from mypy import api as mypy_api

from influxdb import InfluxDBClient

# -- query() overloads ----------------------------------------------------------------------

SNIPPET = '''
from influxdb import InfluxDBClient

client = InfluxDBClient()
reveal_type(client.query("SELECT 1"))
reveal_type(client.query("SELECT 1", chunked=True))
reveal_type(client.query("SELECT 1", None, None, None, 200, None, True, True))
reveal_type(client.query("SELECT 1", chunked=False, chunk_size=10))
flag = bool(len("x"))
reveal_type(client.query("SELECT 1", chunked=flag))
'''

ONE_OR_LIST = "influxdb.resultset.ResultSet | list[influxdb.resultset.ResultSet]"
CHUNKS = "typing.Iterator[influxdb.resultset.ResultSet]"


@pytest.mark.timeout(120)
def test_query_overloads_tell_chunked_from_not(tmp_path: Path) -> None:
    source = tmp_path / "snippet.py"
    source.write_text(textwrap.dedent(SNIPPET), encoding="utf-8")
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "--cache-dir",
                                     str(tmp_path), "--python-version", "3.10", str(source)])
    revealed = [line.split('Revealed type is "', 1)[1].rstrip('"')
                for line in out.splitlines() if "Revealed type" in line]
    assert revealed == [ONE_OR_LIST, CHUNKS, CHUNKS, ONE_OR_LIST, f"{ONE_OR_LIST} | {CHUNKS}"]
    assert (status, err) == (0, ""), out


# -- reprs --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,expected", [
    ({}, "InfluxDBClient(url='http://localhost:8086', database=None, auth='basic', "
         "username='root')"),
    ({"token": "tok-123", "password": "hunter2"},
     "InfluxDBClient(url='http://localhost:8086', database=None, auth='token')"),
    ({"headers": {"authorization": "Token tok-123"}, "database": "db"},
     "InfluxDBClient(url='http://localhost:8086', database='db', auth='token')"),
    ({"headers": {"Authorization": "Bearer tok-123"}},
     "InfluxDBClient(url='http://localhost:8086', database=None, auth='header')"),
    ({"headers": {"Authorization": "tok-123"}},
     "InfluxDBClient(url='http://localhost:8086', database=None, auth='header')"),
    ({"username": None}, "InfluxDBClient(url='http://localhost:8086', database=None, auth=None)"),
    ({"password": None}, "InfluxDBClient(url='http://localhost:8086', database=None, auth=None)"),
    ({"host": "::1", "ssl": True, "path": "influx", "username": "u", "password": "hunter2"},
     "InfluxDBClient(url='https://[::1]:8086/influx', database=None, auth='basic', "
     "username='u')"),
    ({"use_udp": True, "udp_port": 8089, "username": None},
     "InfluxDBClient(url='http://localhost:8086', database=None, auth=None, udp_port=8089)"),
])
def test_client_repr_names_the_auth_kind_never_the_secret(kwargs: dict[str, Any],
                                                           expected: str) -> None:
    with InfluxDBClient(**kwargs) as client:
        assert repr(client) == expected
        assert "hunter2" not in repr(client) and "tok-123" not in repr(client)


def test_client_repr_follows_switch_user_and_database() -> None:
    client = InfluxDBClient(token="tok-123")
    client.switch_database("other")
    assert repr(client) == "InfluxDBClient(url='http://localhost:8086', database='other', " \
                           "auth='token')"
    plain = InfluxDBClient(username=None, password=None)
    plain.switch_user("reader", "hunter2")
    assert repr(plain) == "InfluxDBClient(url='http://localhost:8086', database=None, " \
                          "auth='basic', username='reader')"


def test_batch_writer_repr_shows_target_buffer_and_closed() -> None:
    client = InfluxDBClient("127.0.0.1", 1, database="db", password="hunter2")
    writer = client.batch_writer(flush_interval=None, retention_policy="week")
    writer.write_point("m", {"v": 1})
    assert repr(writer) == ("BatchWriter(url='http://127.0.0.1:1', database='db', "
                            "retention_policy='week', buffered=1, failed=0, closed=False)")
    writer.close(timeout=0)
    assert repr(writer) == ("BatchWriter(url='http://127.0.0.1:1', database='db', "
                            "retention_policy='week', buffered=0, failed=1, closed=True)")


def test_batch_writer_repr_resolves_the_client_database_now() -> None:
    client = InfluxDBClient("::1", 1, username=None, use_udp=True, udp_port=8089)
    with client, client.batch_writer(flush_interval=None) as writer:
        assert repr(writer) == ("BatchWriter(url='udp://[::1]:8089', database=None, "
                                "buffered=0, failed=0, closed=False)")
        client.switch_database("later")
        assert "database='later'" in repr(writer)


def test_session_repr() -> None:
    client = InfluxDBClient(database="db", password="hunter2")
    session = client.session()
    session.write_point("m", {"v": 1})
    session.write_point("m", {"v": 2})
    assert repr(session) == ("Session(url='http://localhost:8086', database='db', pending=2, "
                             "failed=0)")
    assert session.discard() == 2
    session2 = client.session(database="other", retention_policy="week")
    assert repr(session2) == ("Session(url='http://localhost:8086', database='other', "
                              "retention_policy='week', pending=0, failed=0)")
