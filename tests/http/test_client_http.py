"""HTTP-level behaviour of InfluxDBClient against a stub (requests_mock): exact requests."""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

import msgpack
import pytest
import requests
import requests_mock

from influxdb import InfluxDBClient
from influxdb._core._retry import Retry
from influxdb.client import _parse_dsn
from influxdb.exceptions import (
    InfluxDBArgumentError,
    InfluxDBAuthenticationError,
    InfluxDBBrokenAnswerError,
    InfluxDBClientError,
    InfluxDBInvalidPointError,
    InfluxDBRetentionPolicyNotFoundError,
    InfluxDBServerError,
    NotInfluxDBClientError,
    NotInfluxDBServerError,
)

BASE = "http://localhost:8086"


@pytest.fixture
def mock() -> Any:
    with requests_mock.Mocker() as m:
        yield m


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("influxdb._transports.sync.time.sleep", slept.append)
    return slept


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# -- constructor ---------------------------------------------------------------------------

def test_constructor_defaults_match_5_3_2() -> None:
    cli = InfluxDBClient()
    assert (cli._host, cli._port, cli._username, cli._password, cli._database) == (
        "localhost", 8086, "root", "root", None)
    assert (cli._baseurl, cli._scheme, cli._verify_ssl, cli._timeout, cli._retries) == (
        BASE, "http", False, None, 3)
    assert (cli._use_udp, cli._udp_port, cli._proxies, cli._path, cli._gzip) == (
        False, 4444, {}, "", False)
    assert cli._headers == {"Content-Type": "application/json",
                            "Accept": "application/x-msgpack"}
    assert isinstance(cli._session, requests.Session)


@pytest.mark.parametrize("path,expected", [
    ("", BASE), (None, BASE), ("influx", BASE + "/influx"), ("/influx", BASE + "/influx")])
def test_path_prefix(path: Any, expected: str) -> None:
    assert InfluxDBClient(path=path)._baseurl == expected


def test_positional_arguments_of_the_tutorial() -> None:
    cli = InfluxDBClient("h", "8087", "u", "p", "db", True, "/ca.pem")
    assert (cli._baseurl, cli._username, cli._password, cli._database, cli._verify_ssl) == (
        "https://h:8087", "u", "p", "db", "/ca.pem")


def test_ipv6_host_is_bracketed_in_urls() -> None:
    assert InfluxDBClient("::1")._baseurl == "http://[::1]:8086"


def test_bad_port_and_cert_without_ssl() -> None:
    with pytest.raises(ValueError):
        InfluxDBClient(port="80/redir")
    with pytest.raises(ValueError, match="Client certificate provided but ssl is disabled."):
        InfluxDBClient(cert="/c.pem")


def test_headers_are_copied_not_mutated() -> None:
    headers = {"X-A": "1"}
    cli = InfluxDBClient(headers=headers)
    assert headers == {"X-A": "1"}
    assert cli._headers["X-A"] == "1"


def test_socket_options_reach_the_adapter() -> None:
    opts = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    cli = InfluxDBClient(socket_options=opts)
    assert cli._session.adapters["http://"].socket_options == opts  # type: ignore[attr-defined]


def test_repr_has_no_password() -> None:
    cli = InfluxDBClient(password="hunter2", token="tok-123")
    assert "hunter2" not in repr(cli) and "tok-123" not in repr(cli)
    assert repr(cli) == "InfluxDBClient(url='http://localhost:8086', database=None, auth='token')"


def test_context_manager_closes_session() -> None:
    with InfluxDBClient() as cli:
        assert isinstance(cli, InfluxDBClient)


# -- DSN -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dsn,expected", [
    ("influxdb://host:1886/db",
     {"host": "host", "port": 1886, "username": None, "password": None, "database": "db"}),
    ("https+influxdb://u:p@h/d",
     {"host": "h", "port": 8086, "username": "u", "password": "p", "database": "d",
      "ssl": True}),
    ("udp+influxdb://u%40x:p%23%3A%2F@h:1",
     {"host": "h", "port": 1, "username": "u@x", "password": "p#:/", "use_udp": True}),
    ("influxdb://u:p@h1:1,v:q@h2:2/d",
     {"host": "h1", "port": 1, "username": "u", "password": "p", "database": "d"}),
    ("influxdb://", {"host": "localhost", "port": 8086, "username": None, "password": None}),
])
def test_parse_dsn(dsn: str, expected: dict[str, Any]) -> None:
    assert _parse_dsn(dsn) == expected


@pytest.mark.parametrize("dsn,message", [
    ("http://h", 'Unknown scheme "http".'),
    ("tcp+influxdb://h", 'Unknown modifier "tcp".'),
])
def test_parse_dsn_errors(dsn: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        _parse_dsn(dsn)
    assert str(info.value) == message


def test_from_dsn_kwargs_override_and_subclass() -> None:
    class Sub(InfluxDBClient):
        pass

    cli = Sub.from_dsn("https+influxdb://u:p@h:1/d", ssl=False, database="other")
    assert isinstance(cli, Sub)
    assert (cli._baseurl, cli._database) == ("http://h:1", "other")
    assert (cli._username, cli._password) == ("u", "p")


# -- auth ----------------------------------------------------------------------------------

def test_basic_auth_utf8_and_token(mock: Any) -> None:
    mock.get(BASE + "/ping", status_code=204, headers={"X-Influxdb-Version": "1.6.7"})
    InfluxDBClient(username="ü", password="pässwörd").ping()
    assert mock.last_request.headers["Authorization"] == basic("ü", "pässwörd")
    InfluxDBClient(username=None, password=None).ping()
    assert "Authorization" not in mock.last_request.headers
    InfluxDBClient(token="abc").ping()
    assert mock.last_request.headers["Authorization"] == "Token abc"
    InfluxDBClient(headers={"Authorization": "Bearer z"}).ping()
    assert mock.last_request.headers["Authorization"] == "Bearer z"


def test_ping_tolerates_proxies(mock: Any) -> None:
    mock.get(BASE + "/ping", status_code=200)
    assert InfluxDBClient().ping() is None


# -- write requests ------------------------------------------------------------------------

def test_write_points_request(mock: Any) -> None:
    mock.post(BASE + "/write", status_code=204)
    cli = InfluxDBClient(database="db")
    assert cli.write_points([{"measurement": "cpu", "tags": {"h": "a"}, "fields": {"v": 1}}],
                            time_precision="ms", retention_policy="rp", consistency="one",
                            tags={"h": "global", "r": "eu"}) is True
    req = mock.last_request
    assert req.body == b"cpu,h=a,r=eu v=1i\n"
    assert req.qs == {"db": ["db"], "precision": ["ms"], "rp": ["rp"], "consistency": ["one"]}
    assert req.headers["Content-Type"] == "application/octet-stream"


def test_client_level_defaults(mock: Any) -> None:
    mock.post(BASE + "/write", status_code=204)
    cli = InfluxDBClient(database="db", default_time_precision="s",
                         default_retention_policy="short", default_tags={"app": "x", "h": "d"})
    cli.write_points([{"measurement": "m", "tags": {"h": "own"}, "fields": {"v": 1.5},
                       "time": 10}])
    assert mock.last_request.body == b"m,app=x,h=own v=1.5 10\n"
    assert mock.last_request.qs == {"db": ["db"], "precision": ["s"], "rp": ["short"]}


@pytest.mark.parametrize("kwargs,message", [
    ({"time_precision": "x"}, "Invalid time precision is given. (use 'n', 'u', 'ms', 's', 'm' "
                              "or 'h')"),
    ({"consistency": "some"}, "Invalid consistency: some"),
])
def test_bad_write_arguments_send_nothing(mock: Any, kwargs: dict[str, Any],
                                          message: str) -> None:
    with pytest.raises(ValueError) as info:
        InfluxDBClient().write_points([{"measurement": "m", "fields": {"v": 1}}], **kwargs)
    assert str(info.value) == message
    assert mock.call_count == 0


def test_gzip_compresses_write_bodies(mock: Any) -> None:
    import gzip

    mock.post(BASE + "/write", status_code=204)
    cli = InfluxDBClient(gzip=True)
    cli.write_points(["m v=1"], protocol="line")
    req = mock.last_request
    assert req.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(req.body) == b"m v=1\n"
    assert "Content-Encoding" not in cli._headers


# -- retries -------------------------------------------------------------------------------

def test_retries_503_honouring_retry_after(mock: Any, no_sleep: list[float]) -> None:
    mock.post(BASE + "/write", [
        {"status_code": 503, "headers": {"Retry-After": "7"}},
        {"status_code": 204},
    ])
    assert InfluxDBClient().write_points(["m v=1"], protocol="line") is True
    assert mock.call_count == 2
    assert no_sleep == [7.0]


def test_server_error_after_retries(mock: Any, no_sleep: list[float]) -> None:
    mock.get(BASE + "/query", status_code=500, text='{"error":"boom"}')
    with pytest.raises(InfluxDBServerError) as info:
        InfluxDBClient().query("SELECT 1")
    assert mock.call_count == 3
    assert len(no_sleep) == 2
    assert 1.25 <= no_sleep[0] <= 2.5 and 2.5 <= no_sleep[1] <= 5.0
    assert re.fullmatch(r'\{"error":"boom"\} \(gave up after 3 attempts over \d+\.\ds\)',
                        str(info.value))
    assert (info.value.code, info.value.content, info.value.attempts) == (
        500, '{"error":"boom"}', 3)
    assert not isinstance(info.value, InfluxDBClientError)


def test_connection_errors_are_retried_then_raised_unwrapped(mock: Any) -> None:
    mock.get(BASE + "/query", exc=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(requests.exceptions.ConnectionError):
        InfluxDBClient(retries=2).query("SELECT 1")
    assert mock.call_count == 2


def test_retries_zero_means_until_success(mock: Any) -> None:
    mock.get(BASE + "/ping", [{"exc": requests.exceptions.ConnectTimeout}] * 6
             + [{"status_code": 204}])
    InfluxDBClient(retries=0).ping()
    assert mock.call_count == 7


def test_client_errors_are_not_retried(mock: Any) -> None:
    mock.get(BASE + "/query", status_code=401, text='{"error":"authorization failed"}')
    with pytest.raises(InfluxDBAuthenticationError) as info:
        InfluxDBClient(retries=Retry(total=5)).query("SELECT 1")
    assert mock.call_count == 1
    assert str(info.value) == '401: {"error":"authorization failed"}'


def test_msgpack_error_body_is_reencoded_as_json(mock: Any) -> None:
    mock.get(BASE + "/query", status_code=400,
             content=msgpack.packb({"error": "error parsing query"}),
             headers={"Content-Type": "application/x-msgpack"})
    with pytest.raises(InfluxDBClientError) as info:
        InfluxDBClient().query("SELECT FROM")
    assert str(info.value) == '400: {"error":"error parsing query"}'


# -- query requests ------------------------------------------------------------------------

def test_query_params_and_msgpack_times(mock: Any) -> None:
    body = {"results": [{"statement_id": 0, "series": [{
        "name": "m", "columns": ["time", "v"],
        "values": [[msgpack.ExtType(5, (1).to_bytes(8, "big") + (5).to_bytes(4, "big")), 1]],
    }]}]}
    mock.get(BASE + "/query", content=msgpack.packb(body),
             headers={"Content-Type": "application/x-msgpack"})
    rs = InfluxDBClient(database="db").query("SELECT v FROM m", bind_params={"x": "y"})
    assert list(rs.get_points()) == [{"time": "1970-01-01T00:00:01.000000005Z", "v": 1}]
    assert mock.last_request.qs == {"q": ["select v from m"], "db": ["db"],
                                    "params": ['{"x": "y"}']}


def test_long_query_travels_in_the_body(mock: Any) -> None:
    mock.post(BASE + "/query", json={"results": [{"statement_id": 0}]})
    q = "SELECT v FROM m WHERE " + " OR ".join(f"t = '{i}'" for i in range(800))
    InfluxDBClient().query(q)
    req = mock.last_request
    assert req.method == "POST" and "q" not in req.qs
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert unquote_plus(req.body.split("=", 1)[1]) == q


def test_query_bad_epoch(mock: Any) -> None:
    with pytest.raises(ValueError, match="Invalid epoch 'x'"):
        InfluxDBClient().query("SELECT 1", epoch="x")
    assert mock.call_count == 0


def test_empty_results_give_empty_list(mock: Any) -> None:
    mock.get(BASE + "/query", json={"results": []})
    assert InfluxDBClient().query("SELECT 1") == []


def test_write_point_and_invalid_protocol(mock: Any) -> None:
    mock.post(BASE + "/write", status_code=204)
    cli = InfluxDBClient(database="d")
    cli.write_point("m", {"v": 2}, tags={"t": "x"}, time=3, time_precision="s")
    assert mock.last_request.body == b"m,t=x v=2i 3\n"
    with pytest.raises(InfluxDBInvalidPointError):
        cli.write_points([{"measurement": "m", "fields": {"v": 1}}], protocol="xml")


def test_json_body_of_request_helper(mock: Any) -> None:
    mock.post(BASE + "/x", status_code=200)
    InfluxDBClient().request("x", "POST", data={"a": 1})
    assert json.loads(mock.last_request.body) == {"a": 1}


@pytest.mark.parametrize(("headers", "content", "stream", "expected"), [
    ({"Content-Type": "application/x-msgpack"}, msgpack.packb({"results": []}), False,
     {"results": []}),
    ({"Content-Type": "application/x-msgpack"}, msgpack.packb({"results": []}), True, None),
    ({"Content-Type": "application/json"}, b'{"results": []}', False, None),
    ({"Content-Type": "application/x-msgpack"}, b"", False, None),
])
def test_request_leaves_a_msgpack_answer_decoded_in_response_msgpack(
        mock: Any, headers: dict[str, str], content: bytes, stream: bool,
        expected: Any) -> None:
    # 5.3.2's request() callers read the decoded msgpack body there; only request() sets it.
    mock.get(BASE + "/query", content=content, headers=headers)
    response = InfluxDBClient().request("query", params={"q": "SHOW DATABASES"},
                                        stream=stream)
    assert response._msgpack == expected


def test_request_retries_a_broken_msgpack_answer(mock: Any, no_sleep: list[float]) -> None:
    mock.get(BASE + "/query", [
        {"content": b"\x81\xa7results", "headers": {"Content-Type": "application/x-msgpack"}},
        {"content": msgpack.packb({"results": [{"statement_id": 0}]}),
         "headers": {"Content-Type": "application/x-msgpack"}},
    ])
    response = InfluxDBClient(retries=2).request("query", params={"q": "SHOW DATABASES"})
    assert (response._msgpack, mock.call_count) == ({"results": [{"statement_id": 0}]}, 2)


def test_statement_error_of_a_stopping_server_is_retried(mock: Any,
                                                         no_sleep: list[float]) -> None:
    mock.get(BASE + "/query", [
        {"json": {"results": [{"statement_id": 0, "error": "query engine shutdown"}]}},
        {"json": {"results": [{"statement_id": 0, "series": [
            {"name": "m", "columns": ["time", "v"], "values": [["1970-01-01T00:00:00Z", 1]]}]}]}},
    ])
    rs = InfluxDBClient().query("SELECT v FROM m")
    assert list(rs.get_points()) == [{"time": "1970-01-01T00:00:00Z", "v": 1}]
    assert mock.call_count == 2 and len(no_sleep) == 1


def test_statement_error_of_a_stopping_server_raises_after_the_budget(mock: Any) -> None:
    from influxdb.exceptions import InfluxDBQueryError

    mock.get(BASE + "/query",
             json={"results": [{"statement_id": 0, "error": "query engine shutdown"}]})
    with pytest.raises(InfluxDBQueryError, match="query engine shutdown"):
        InfluxDBClient(retries=2).query("SELECT v FROM m")
    assert mock.call_count == 2


_CUT = b'{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":'
_OK = {"results": [{"statement_id": 0}]}


def test_retries_count_every_attempt_of_a_query_once(mock: Any, no_sleep: list[float]) -> None:
    # One retry loop: a refused connection and two cut answers are 3 attempts of retries=3
    # (with a loop around the transport's own, the fourth answer was asked for, and given).
    mock.get(BASE + "/query", [
        {"exc": requests.exceptions.ConnectionError("refused")},
        {"content": _CUT, "headers": {"Content-Type": "application/json"}},
        {"content": _CUT, "headers": {"Content-Type": "application/json"}},
        {"json": _OK},
    ])
    with pytest.raises(InfluxDBBrokenAnswerError, match="^the answer is not valid JSON") as info:
        InfluxDBClient(retries=3).query("SELECT v FROM m")
    assert (mock.call_count, len(no_sleep), info.value.attempts) == (3, 2, 3)


def test_retries_count_every_attempt_of_a_chunked_query_once(mock: Any,
                                                             no_sleep: list[float]) -> None:
    # The answer asked for again when it breaks before its first document: the same count
    # as the attempts that got it (here a 503, then two answers cut short).
    mock.get(BASE + "/query", [
        {"status_code": 503, "text": "busy", "headers": {"X-Influxdb-Version": "1.6.7"}},
        {"content": _CUT, "headers": {"Content-Type": "application/json"}},
        {"content": _CUT, "headers": {"Content-Type": "application/json"}},
        {"json": _OK},
    ])
    chunks = InfluxDBClient(retries=3).query("SELECT v FROM m", chunked=True)
    with pytest.raises(InfluxDBBrokenAnswerError, match="^the answer ended in the middle"):
        list(chunks)
    assert (mock.call_count, len(no_sleep)) == (3, 2)


# -- error classes (by status and server message) ------------------------------------------

def test_missing_retention_policy_500_is_raised_at_once(mock: Any,
                                                        no_sleep: list[float]) -> None:
    # influxd 1.6 answers a write to a missing retention policy with 500.
    mock.post(BASE + "/write", status_code=500,
              text='{"error":"retention policy not found: nosuchrp"}',
              headers={"X-Influxdb-Version": "1.6.7"})
    with pytest.raises(InfluxDBRetentionPolicyNotFoundError) as info:
        InfluxDBClient(database="db").write_points(["m v=1"], protocol="line",
                                                   retention_policy="nosuchrp")
    assert (mock.call_count, no_sleep) == (1, [])
    assert (info.value.code, info.value.content, info.value.attempts) == (
        500, '{"error":"retention policy not found: nosuchrp"}', 1)
    assert str(info.value) == '500: {"error":"retention policy not found: nosuchrp"}'


def test_a_web_page_on_ping_is_not_influxdb(mock: Any, no_sleep: list[float]) -> None:
    page = "<!DOCTYPE HTML>\n<html><head><title>404 Not Found</title></head>" + "x" * 300
    mock.get(BASE + "/ping", status_code=404, text=page)
    with pytest.raises(NotInfluxDBClientError) as info:
        InfluxDBClient().ping()
    assert isinstance(info.value, InfluxDBClientError)
    assert (mock.call_count, info.value.code, info.value.content) == (1, 404, page[:200])
    assert str(info.value) == (
        "404: the server at http://localhost:8086/ping did not answer as InfluxDB (HTTP 404 "
        f"without an X-Influxdb-Version header); its answer begins {page[:200]!r}")


def test_a_501_from_another_server_is_not_retried(mock: Any, no_sleep: list[float]) -> None:
    mock.post(BASE + "/write", status_code=501, text="Unsupported method ('POST')")
    with pytest.raises(NotInfluxDBServerError) as info:
        InfluxDBClient(retries=Retry(total=5, retry_statuses=frozenset({501}))).write_points(
            ["m v=1"], protocol="line")
    assert isinstance(info.value, InfluxDBServerError)
    assert (mock.call_count, no_sleep, info.value.code) == (1, [], 501)


def test_a_gateway_503_from_a_proxy_is_still_retried(mock: Any, no_sleep: list[float]) -> None:
    mock.post(BASE + "/write", status_code=503, text="<html>Service Unavailable</html>")
    with pytest.raises(NotInfluxDBServerError) as info:
        InfluxDBClient(retries=2).write_points(["m v=1"], protocol="line")
    assert (mock.call_count, len(no_sleep), info.value.attempts) == (2, 1, 2)
    assert "(gave up after 2 attempts over " in str(info.value)


def test_transport_failures_note_the_attempts(mock: Any) -> None:
    mock.get(BASE + "/query", exc=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        InfluxDBClient(retries=3).query("SELECT 1")
    notes = getattr(info.value, "__notes__", None)
    if hasattr(info.value, "add_note"):  # Python 3.11+
        assert notes is not None and len(notes) == 1
        assert re.fullmatch(r"gave up after 3 attempts over \d+\.\ds", notes[0])
    assert str(info.value) == "refused"


# -- argument errors: caught as 5.3.2 callers catch them -----------------------------------

@pytest.mark.parametrize("call,message", [
    (lambda c: c.create_retention_policy("rp", "forever", 1, "db"),
     "duration must be an InfluxQL duration ('INF' or e.g. '1h30m', '52w'), got 'forever'"),
    (lambda c: c.grant_privilege("readonly", "db", "user"),
     "privilege must be one of 'read', 'write', 'all', got 'readonly'"),
])
def test_argument_errors_are_client_errors_with_code_400(mock: Any, call: Any,
                                                         message: str) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        call(InfluxDBClient(database="db"))
    assert type(info.value) is InfluxDBArgumentError
    assert isinstance(info.value, ValueError)
    assert (info.value.code, info.value.content, str(info.value)) == (400, message, message)
    assert mock.call_count == 0


@pytest.mark.parametrize("call,statement", [
    (lambda c: c.create_user("", "pw"), "CREATE USER \"\" WITH PASSWORD 'pw'"),
    (lambda c: c.grant_privilege("", "db", "user"), 'GRANT  ON "db" TO "user"'),
    (lambda c: c.revoke_privilege("", "db", "user"), 'REVOKE  ON "db" FROM "user"'),
    (lambda c: c.alter_retention_policy("rp", "db"), 'ALTER RETENTION POLICY "rp" ON "db"'),
    (lambda c: c.delete_series(), "DROP SERIES"),
    (lambda c: c.drop_user(""), 'DROP USER ""'),
])
def test_incomplete_admin_statements_are_judged_by_the_server(mock: Any, call: Any,
                                                              statement: str) -> None:
    # As in 5.3.2: sent once (a 400 is not retried), and the server's answer is what the
    # caller reads (tests/security/test_badinput_apis.py checks influxd's own answers).
    body = '{"error":"error parsing query: found ON"}'
    mock.post(BASE + "/query", status_code=400, text=body,
              headers={"X-Influxdb-Version": "1.6.7"})
    with pytest.raises(InfluxDBClientError) as info:
        call(InfluxDBClient(database="db"))
    assert not isinstance(info.value, InfluxDBArgumentError)
    assert (info.value.code, info.value.content) == (400, body)
    assert mock.call_count == 1
    req = mock.last_request
    sent = parse_qs(req.body)["q"] if req.body else parse_qs(urlsplit(req.url).query)["q"]
    assert sent == [statement]


# -- logging -------------------------------------------------------------------------------

LOG_LINE = re.compile(r"(GET|POST) (/\w+) db=(\S+) status=(\d+) elapsed=\d+\.\dms "
                      r"sent=(\d+)B received=(\d+)B")


def test_one_debug_line_per_request_without_secrets(mock: Any,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    mock.get(BASE + "/ping", status_code=204, headers={"X-Influxdb-Version": "1.6.7"})
    mock.post(BASE + "/write", status_code=204)
    mock.get(BASE + "/query", json={"results": [{"statement_id": 0}]})
    mock.post(BASE + "/query", json={"results": [{"statement_id": 0}]})
    cli = InfluxDBClient(database="db", username="u", password="hunter2")
    token_cli = InfluxDBClient(database="db", token="tok-secret")
    with caplog.at_level(logging.DEBUG, logger="influxdb"):
        cli.ping()
        cli.write_points(["m v=1"], protocol="line")
        cli.query("SELECT v FROM m WHERE t = $t", bind_params={"t": "bound-secret"})
        cli.create_user("bob", "pw-secret")
        token_cli.query("SHOW DATABASES")
    lines = [r.getMessage() for r in caplog.records if r.name == "influxdb"]
    assert all(r.levelno == logging.DEBUG for r in caplog.records)
    parsed = [LOG_LINE.fullmatch(line) for line in lines]
    assert all(parsed), lines
    assert [m.groups()[:5] for m in parsed if m] == [
        ("GET", "/ping", "None", "204", "0"),
        ("POST", "/write", "db", "204", "6"),
        ("GET", "/query", "db", "200", "0"),
        ("POST", "/query", "db", "200", str(len(mock.request_history[3].body))),
        ("GET", "/query", "db", "200", "0"),
    ]
    answer = str(len(json.dumps({"results": [{"statement_id": 0}]})))
    assert [m.group(6) for m in parsed if m] == ["0", "0", answer, answer, answer]
    text = "\n".join(lines) + caplog.text
    for secret in ("hunter2", "pw-secret", "bound-secret", "tok-secret", "SELECT", "bob"):
        assert secret not in text


def test_nothing_is_formatted_when_debug_is_off(mock: Any, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    mock.post(BASE + "/write", status_code=204)
    calls: list[int] = []
    monkeypatch.setattr("influxdb._transports.sync._log_request",
                        lambda *args: calls.append(1))
    with caplog.at_level(logging.INFO, logger="influxdb"):
        InfluxDBClient().write_points(["m v=1"], protocol="line")
    assert (calls, caplog.records) == ([], [])


def test_retries_stay_at_warning(mock: Any, caplog: pytest.LogCaptureFixture) -> None:
    mock.post(BASE + "/write", [{"status_code": 503, "headers": {"X-Influxdb-Version": "1"}},
                                {"status_code": 204}])
    with caplog.at_level(logging.WARNING, logger="influxdb"):
        InfluxDBClient().write_points(["m v=1"], protocol="line")
    assert [(r.levelno, r.getMessage()[:37]) for r in caplog.records] == [
        (logging.WARNING, "POST http://localhost:8086/write answ")]


def test_retry_warnings_leave_out_the_query_string(mock: Any,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    # urllib3's text names the URL with its query string: the statement and bound values.
    failure = requests.exceptions.ConnectionError(
        "HTTPConnectionPool(host='localhost', port=8086): Max retries exceeded with url: "
        "/query?q=SELECT+v+FROM+m+WHERE+t+%3D+%24t&params=%7B%22t%22%3A+%22bound-secret%22%7D "
        "(Caused by NewConnectionError('refused'))")
    mock.get(BASE + "/query", [{"exc": failure}, {"json": {"results": []}}])
    with caplog.at_level(logging.WARNING, logger="influxdb"):
        InfluxDBClient(retries=2).query("SELECT v FROM m WHERE t = $t",
                                        bind_params={"t": "bound-secret"})
    [record] = caplog.records
    message = record.getMessage()
    assert "bound-secret" not in message and "SELECT" not in message
    assert re.fullmatch(
        r"GET http://localhost:8086/query failed \(ConnectionError: HTTPConnectionPool\("
        r"host='localhost', port=8086\): Max retries exceeded with url: /query\?\.\.\. \(Caused "
        r"by NewConnectionError\('refused'\)\)\); attempt 1, retrying in \d+\.\d\ds", message)


class _SteadyRetry(Retry):
    """Waits of exactly 1 s, 2 s, 3 s... (no jitter), for exact deadline arithmetic."""

    def get_backoff_time(self, attempts_made: int, retry_after: Any = None,
                         rand: Any = None) -> float:
        return float(attempts_made)


def test_a_deadline_that_ends_the_retries_notes_the_attempts(mock: Any) -> None:
    mock.get(BASE + "/query", exc=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        # The first wait (1 s) fits in the 1.5 s deadline, the second (2 s) does not.
        InfluxDBClient(retries=_SteadyRetry(total=5), deadline=1.5).query("SELECT 1")
    assert mock.call_count == 2
    if hasattr(info.value, "add_note"):
        assert [n[:29] for n in info.value.__notes__] == ["gave up after 2 attempts over"]
