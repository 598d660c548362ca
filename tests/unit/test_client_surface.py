"""The client's surface: constructor checks, reprs, ``bind_params`` values, ``query()`` types."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest
import requests
import requests_mock
import urllib3
from mypy import api as mypy_api

from influxdb import InfluxDBClient
from influxdb.client import InfluxDBInvalidURLError
from influxdb.exceptions import InfluxDBArgumentError, InfluxDBArgumentTypeError, InfluxDBError

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
    # follow-imports=silent: the package's own errors are `make types`' to report, not this
    # test's.
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "--follow-imports=silent",
                                     "--cache-dir", str(tmp_path), "--python-version", "3.10",
                                     str(source)])
    # mypy 1.x (the newest on Python 3.9) spells the builtin list "builtins.list"
    revealed = [line.split('Revealed type is "', 1)[1].rstrip('"').replace("builtins.", "")
                for line in out.splitlines() if "Revealed type" in line]
    assert revealed == [ONE_OR_LIST, CHUNKS, CHUNKS, ONE_OR_LIST, f"{ONE_OR_LIST} | {CHUNKS}"]
    # mypy 1.x also warns that pyproject.toml's overrides were unused by the snippet
    err = "".join(line for line in err.splitlines(keepends=True)
                  if not line.startswith("Warning: unused section(s) in pyproject.toml"))
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


# -- constructor checks ---------------------------------------------------------------------

@pytest.mark.parametrize("host,port,url", [
    ("localhost", 8086, "http://localhost:8086"),
    ("db.example.com", "8087", "http://db.example.com:8087"),
    ("influx_db", " 8086 ", "http://influx_db:8086"),
    ("10.0.0.5", 8086.0, "http://10.0.0.5:8086"),
    ("::1", 8086, "http://[::1]:8086"),
    ("[::1]", 8086, "http://[::1]:8086"),
    ("fe80::1%eth0", 1, "http://[fe80::1%eth0]:1"),
    ("[2001:db8::7]", 65535, "http://[2001:db8::7]:65535"),
    ("bücher.example", 8086, "http://bücher.example:8086"),
])
def test_valid_hosts_and_ports_are_kept(host: str, port: Any, url: str) -> None:
    client = InfluxDBClient(host, port)
    assert (client._baseurl, client._host) == (url, host)
    assert type(client._port) is int


HINT_URL = ("host {!r} is a URL: use InfluxDBClient('localhost', port=8086), "
            "InfluxDBClient.from_dsn('influxdb://localhost:8086'), or "
            "InfluxDBClient.from_env() with INFLUXDB_URL set to the URL")


@pytest.mark.parametrize("host,port,message", [
    ("http://localhost", 8086, HINT_URL.format("http://localhost")),
    ("http://localhost:8086", 1, HINT_URL.format("http://localhost:8086")),
    ("https://u:hunter2@db.example/", 8086,
     "host '<a URL with credentials>' is a URL: use InfluxDBClient('db.example', port=8086, "
     "ssl=True), InfluxDBClient.from_dsn('https+influxdb://db.example:8086'), or "
     "InfluxDBClient.from_env() with INFLUXDB_URL set to the URL"),
    ("http://[::1]:8087/influx", 8086,
     "host 'http://[::1]:8087/influx' is a URL: use InfluxDBClient('::1', port=8087, "
     "path='/influx')"),
    ("localhost:8086", 8086,
     "host 'localhost:8086' includes a port: pass the port apart, "
     "InfluxDBClient('localhost', port=8086)"),
    ("[::1]:9999", 8086,
     "host '[::1]:9999' includes a port: pass the port apart, InfluxDBClient('::1', port=9999)"),
    ("", 8086, "host is empty: pass a host name or address ('localhost', '10.0.0.5', '::1')"),
    ("localhost/influx", 8086,
     "host 'localhost/influx' holds '/', which no host name has: pass a bare host name or "
     "address (a URL prefix such as '/influx' goes in path=)"),
    (" localhost", 8086,
     "host ' localhost' holds ' ', which no host name has: pass a bare host name or address "
     "(a URL prefix such as '/influx' goes in path=)"),
    ("root:hunter2@localhost", 8086,
     "host holds '@' (credentials?): pass username= and password= apart, or use "
     "InfluxDBClient.from_dsn('influxdb://user:password@host:8086/db')"),
    ("a:b:c", 8086, "host 'a:b:c' is neither a host name nor an IPv6 address"),
    ("[localhost]", 8086,
     "host '[localhost]' holds '[', which no host name has: pass a bare host name or address "
     "(a URL prefix such as '/influx' goes in path=)"),
])
def test_hosts_refused_at_construction(host: str, port: Any, message: str) -> None:
    with pytest.raises(InfluxDBInvalidURLError) as info:
        InfluxDBClient(host, port)
    assert str(info.value) == message
    assert isinstance(info.value, requests.exceptions.InvalidURL)  # what 5.3.2 raised later
    assert isinstance(info.value, ValueError) and isinstance(info.value, InfluxDBError)


@pytest.mark.parametrize("kwargs,cls,message", [
    ({"host": None}, InfluxDBArgumentTypeError, "host must be a str, got NoneType"),
    ({"host": b"localhost"}, InfluxDBArgumentTypeError, "host must be a str, got bytes"),
    ({"port": "80/redir"}, InfluxDBArgumentError,
     "port must be a number from 1 to 65535, got '80/redir' (a URL prefix goes in path=)"),
    ({"port": "http"}, InfluxDBArgumentError, "port must be a number from 1 to 65535, got 'http'"),
    ({"port": None}, InfluxDBArgumentTypeError,
     "port must be an int from 1 to 65535, got None (NoneType)"),
    ({"port": 8086.5}, InfluxDBArgumentTypeError,
     "port must be an int from 1 to 65535, got 8086.5 (float)"),
    ({"port": 0}, InfluxDBInvalidURLError, "port must be from 1 to 65535, got 0"),
    ({"port": "70000"}, InfluxDBInvalidURLError, "port must be from 1 to 65535, got 70000"),
    ({"udp_port": "x"}, InfluxDBArgumentError,
     "udp_port must be a number from 1 to 65535, got 'x'"),
    ({"timeout": "5"}, InfluxDBArgumentTypeError,
     "timeout must be seconds as an int or float, or None, got '5' (str); pass a number "
     "(timeout=5.0)"),
    ({"timeout": [3, 30]}, InfluxDBArgumentTypeError,
     "timeout must be seconds as an int or float, or None, got [3, 30] (list)"),
    ({"timeout": True}, InfluxDBArgumentTypeError,
     "timeout must be seconds as an int or float, or None, got True (bool)"),
    ({"timeout": 0}, InfluxDBArgumentError,
     "timeout must be a positive, finite number of seconds (None waits forever), got 0"),
    ({"timeout": float("nan")}, InfluxDBArgumentError,
     "timeout must be a positive, finite number of seconds (None waits forever), got nan"),
    ({"timeout": (3, 30, 1)}, InfluxDBArgumentError,
     "timeout must be seconds or a (connect, read) pair, got a tuple of 3"),
    ({"timeout": (3, "30")}, InfluxDBArgumentTypeError,
     "timeout's read part must be seconds as an int or float, or None, got '30' (str)"),
    ({"timeout": (-1, 30)}, InfluxDBArgumentError,
     "timeout's connect part must be a positive, finite number of seconds (None waits "
     "forever), got -1"),
])
def test_arguments_refused_at_construction(kwargs: dict[str, Any], cls: type[Exception],
                                           message: str) -> None:
    with pytest.raises(cls) as info:
        InfluxDBClient(**kwargs)
    assert type(info.value) is cls and str(info.value) == message
    # 5.3.2 raised ValueError (int(port), or requests at the first request), TypeError for
    # int(None); the type errors here are both.
    assert isinstance(info.value, ValueError) and isinstance(info.value, InfluxDBError)
    assert isinstance(info.value, TypeError) is (cls is InfluxDBArgumentTypeError)


@pytest.mark.parametrize("timeout", [None, 5, 2.5, (3, 30), (None, 10), (0.5, None),
                                     urllib3.Timeout(connect=1, read=2)])
def test_timeouts_requests_takes_are_kept_as_given(timeout: Any) -> None:
    assert InfluxDBClient(timeout=timeout)._timeout is timeout


def test_from_dsn_and_from_env_give_valid_hosts() -> None:
    assert InfluxDBClient.from_dsn("influxdb://[::1]:8087/db")._baseurl == "http://[::1]:8087"
    env = InfluxDBClient.from_env(environ={"INFLUXDB_URL": "https://db.example:8443"})
    assert env._baseurl == "https://db.example:8443"


# -- bind_params with times -----------------------------------------------------------------

def _sent_params(bind_params: dict[str, Any], params: Any = None) -> Any:
    with requests_mock.Mocker() as mock:
        mock.get("http://localhost:8086/query", json={"results": [{"statement_id": 0}]})
        InfluxDBClient(database="db").query("SELECT * FROM m WHERE time >= $t",
                                            params=params, bind_params=bind_params)
        # (requests_mock's .qs lower-cases values)
        return json.loads(parse_qs(urlsplit(mock.last_request.url).query)["params"][0])


@pytest.mark.parametrize("value,sent", [
    (datetime(2024, 1, 2, 3, 4, 5, 678901), "2024-01-02T03:04:05.678901Z"),  # naive = UTC
    (datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))), "2024-01-02T03:04:05Z"),
    (date(2024, 1, 2), "2024-01-02T00:00:00Z"),
    (pd.Timestamp("2024-01-02T03:04:05.123456789Z"), "2024-01-02T03:04:05.123456789Z"),
    (pd.Timestamp("2024-01-02 03:04:05.000000001"), "2024-01-02T03:04:05.000000001Z"),
    (pd.Timestamp("2024-01-02 05:04:05.5", tz="Europe/Paris"), "2024-01-02T04:04:05.5Z"),
    (np.datetime64("2024-01-02T03:04:05.123456789"), "2024-01-02T03:04:05.123456789Z"),
    (np.datetime64("2024-01-02", "D"), "2024-01-02T00:00:00Z"),
    (np.int64(7), 7),
    (np.float32(0.5), 0.5),
    (np.bool_(True), True),
    ("2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z"),
    (None, None),
    ([1, "a"], [1, "a"]),
])
def test_bind_params_times_become_rfc3339(value: Any, sent: Any) -> None:
    assert _sent_params({"t": value}) == {"t": sent}


def test_bind_params_merge_with_params_and_win() -> None:
    sent = _sent_params({"t": datetime(2024, 1, 1), "u": 1},
                        params={"params": '{"u": 0, "v": "x"}', "epoch": "s"})
    assert sent == {"t": "2024-01-01T00:00:00Z", "u": 1, "v": "x"}


@pytest.mark.parametrize("value,cls,message", [
    (Decimal("1.5"), InfluxDBArgumentTypeError,
     "bind_params['bad']: cannot bind a value of type Decimal (Object of type Decimal is not "
     "JSON serializable); pass a str, int, float, bool, None, or a time (datetime, date, "
     "pandas.Timestamp, numpy.datetime64)"),
    (timedelta(hours=1), InfluxDBArgumentTypeError,
     "bind_params['bad']: cannot bind a value of type timedelta (Object of type timedelta is "
     "not JSON serializable); pass a str, int, float, bool, None, or a time (datetime, date, "
     "pandas.Timestamp, numpy.datetime64)"),
    ([datetime(2024, 1, 1)], InfluxDBArgumentTypeError,
     "bind_params['bad']: cannot bind a value of type list (Object of type datetime is not "
     "JSON serializable); pass a str, int, float, bool, None, or a time (datetime, date, "
     "pandas.Timestamp, numpy.datetime64)"),
    (float("nan"), InfluxDBArgumentError,
     "bind_params['bad']: cannot bind nan: JSON has no NaN or infinity"),
    ([float("-inf")], InfluxDBArgumentError,
     "bind_params['bad']: cannot bind [-inf]: JSON has no NaN or infinity"),
    (pd.NaT, InfluxDBArgumentError, "bind_params['bad']: time NaT is not a time (NaT)"),
])
def test_bind_params_refused_name_the_parameter(value: Any, cls: type[Exception],
                                                 message: str) -> None:
    with requests_mock.Mocker() as mock:
        with pytest.raises(cls) as info:
            InfluxDBClient(database="db").query("SELECT 1", bind_params={"ok": 1, "bad": value})
        assert mock.call_count == 0
    assert type(info.value) is cls and str(info.value) == message
    # What callers catch: 5.3.2's TypeError from json.dumps, and our root.
    assert isinstance(info.value, InfluxDBError)
    assert isinstance(info.value, TypeError) is (cls is InfluxDBArgumentTypeError)


def test_bind_params_never_import_pandas() -> None:
    code = ("import sys, datetime; from influxdb import InfluxDBClient; import requests_mock\n"
            "with requests_mock.Mocker() as m:\n"
            "    m.get('http://localhost:8086/query', json={'results': []})\n"
            "    InfluxDBClient().query('SELECT 1', bind_params={'t': datetime.date(2024, 1, 1)})\n"
            "print('pandas' in sys.modules, 'numpy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out == "False False\n"
