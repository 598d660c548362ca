"""0.8 ``InfluxDBClient``: construction, DSNs, users, ``request()``, errors and retries,
all against the 0.8 stub server over a real socket."""

from __future__ import annotations

import socket
from typing import Any
from unittest import mock

import pytest
import requests

import influxdb08.client
from influxdb08 import DataFrameClient, InfluxDBClient
from influxdb08.client import InfluxDBClientError
from tests.influxdb08._server import Stub08Server

HEADERS = {"Content-type": "application/json", "Accept": "text/plain"}


def _closed_port() -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def test_defaults() -> None:
    client = InfluxDBClient()
    assert (client._host, client._port, client._username, client._password) == (
        "localhost",
        8086,
        "root",
        "root",
    )
    assert (client._database, client._timeout, client._retries, client._verify_ssl) == (
        None,
        None,
        3,
        False,
    )
    assert (client._use_udp, client._udp_port, client._scheme) == (False, 4444, "http")
    assert client._baseurl == "http://localhost:8086"
    assert client._headers == HEADERS
    assert not hasattr(client, "udp_socket")


def test_positional_arguments_in_contract_order() -> None:
    client = InfluxDBClient("h", "8087", "u", "p", "d", True, "/ca.pem", 2.5, 7, False, 9)
    assert client._baseurl == "https://h:8087"  # the port is used as given
    assert (client._username, client._password, client._database) == ("u", "p", "d")
    assert (client._verify_ssl, client._timeout, client._retries, client._udp_port) == (
        "/ca.pem",
        2.5,
        7,
        9,
    )


def test_ssl_must_be_true_itself() -> None:
    assert InfluxDBClient(ssl=1)._scheme == "http"  # type: ignore[arg-type]
    assert InfluxDBClient(ssl=True)._scheme == "https"


def test_from_dsn() -> None:
    client = InfluxDBClient.from_dsn("https+influxdb://usr:p%40ss@my.host:1886/db1")
    assert type(client) is InfluxDBClient
    assert client._baseurl == "https://my.host:1886"
    assert (client._username, client._password, client._database) == ("usr", "p@ss", "db1")


def test_from_dsn_keywords_override() -> None:
    client = InfluxDBClient.from_dsn(
        "https+influxdb://u:p@h:1/db", ssl=False, database="other", timeout=3
    )
    assert (client._baseurl, client._database, client._timeout) == ("http://h:1", "other", 3)


def test_from_dsn_is_a_static_method_returning_the_base_client() -> None:
    # 5.3.2 contract: a staticmethod building InfluxDBClient, even through a subclass.
    assert type(DataFrameClient.from_dsn("influxdb://h")) is InfluxDBClient


def test_from_dsn_udp() -> None:
    with InfluxDBClient.from_dsn("udp+influxdb://h:8086", udp_port=5555) as client:
        assert client._use_udp is True
        assert client._udp_port == 5555
        assert isinstance(client.udp_socket, socket.socket)


def test_from_dsn_unknown_scheme() -> None:
    with pytest.raises(ValueError, match='Unknown scheme "http"'):
        InfluxDBClient.from_dsn("http://h")


def test_switch_database(client08: InfluxDBClient, server08: Stub08Server) -> None:
    server08.state.create_database("other")
    client08.switch_database("other")
    client08.write_points([{"name": "s", "columns": ["v"], "points": [[1]]}])
    assert server08.last.path == "/db/other/series"
    assert list(server08.state.databases["other"].series) == ["s"]


def test_switch_db_is_deprecated(client08: InfluxDBClient) -> None:
    with pytest.warns(FutureWarning, match="switch_db is deprecated"):
        client08.switch_db("x")
    assert client08._database == "x"


def test_switch_user(client08: InfluxDBClient, server08: Stub08Server) -> None:
    server08.state.cluster_admins["admin2"] = "pw2"
    client08.switch_user("admin2", "pw2")
    assert client08.get_list_database() == [{"name": "db"}]
    assert server08.last.query == [("u", "admin2"), ("p", "pw2")]


def test_request_exact(client08: InfluxDBClient, server08: Stub08Server) -> None:
    params = {"q": "list series", "chunked": "false"}
    response = client08.request("db/db/series", params=params)
    assert response.status_code == 200
    assert response.json() == [
        {"name": "list_series_result", "columns": ["time", "name"], "points": []}
    ]
    assert params == {"q": "list series", "chunked": "false"}  # not modified
    request = server08.last
    assert (request.method, request.path, request.body) == ("GET", "/db/db/series", b"")
    assert request.query == [
        ("q", "list series"),
        ("chunked", "false"),
        ("u", "root"),
        ("p", "root"),
    ]
    assert request.headers["Content-type"] == "application/json"
    assert request.headers["Accept"] == "text/plain"


@pytest.mark.parametrize(
    ("data", "body"),
    [
        ({"name": "n1"}, b'{"name": "n1"}'),
        ('{"name": "n2"}', b'{"name": "n2"}'),
        (b'{"name": "n3"}', b'{"name": "n3"}'),
    ],
)
def test_request_body(
    client08: InfluxDBClient, server08: Stub08Server, data: Any, body: bytes
) -> None:
    client08.request("db", method="POST", data=data, expected_response_code=201)
    assert server08.last.body == body
    assert server08.last.query == [("u", "root"), ("p", "root")]


def test_unexpected_status_raises(client08: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.request("db", method="POST", data={"name": "db"}, expected_response_code=201)
    assert (info.value.code, info.value.content) == (409, "database db exists")
    assert str(info.value) == "409: database db exists"


def test_expected_code_other_than_answer(client08: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.request("ping", expected_response_code=204)
    assert str(info.value) == '200: {"status":"ok"}'


def test_wrong_password(server08: Stub08Server) -> None:
    client = InfluxDBClient(server08.host, server08.port, "root", "wrong", "db")
    with pytest.raises(InfluxDBClientError) as info:
        client.get_list_database()
    assert (info.value.code, info.value.content) == (401, "Invalid username/password")


def test_no_credentials(server08: Stub08Server) -> None:
    client = InfluxDBClient(server08.host, server08.port, None, None, "db")
    with pytest.raises(InfluxDBClientError) as info:
        client.query("list series")
    assert (info.value.code, info.value.content) == (401, "Invalid database/username/password")
    assert [k for k, _ in server08.last.query] == ["q", "time_precision", "chunked"]


def test_unknown_path_is_404(client08: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.request("nowhere")
    assert (info.value.code, info.value.content) == (404, "404 page not found\n")


def test_server_error_is_a_client_error_in_08(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    server08.override = lambda request: (500, "text/plain", b"oops")
    with pytest.raises(InfluxDBClientError) as info:
        client08.get_list_database()
    assert str(info.value) == "500: oops"


def _counting(real: Any, failures: int = 0) -> mock.Mock:
    """A stand-in for session.request that fails ``failures`` times, then calls ``real``."""
    calls = {"n": 0}

    def request(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise requests.exceptions.ConnectionError("refused: /db?u=root&p=secret")
        return real(**kwargs)

    return mock.Mock(side_effect=request)


@pytest.mark.parametrize("retries", [1, 3, 5])
def test_retries_on_connection_refused(retries: int) -> None:
    client = InfluxDBClient("127.0.0.1", _closed_port(), "root", "secret", "db", retries=retries)
    wrapper = _counting(influxdb08.client.session.request)
    with mock.patch.object(influxdb08.client.session, "request", wrapper):
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            client.get_list_database()
    assert wrapper.call_count == retries
    message = str(info.value)
    assert message.startswith(
        f"GET http://127.0.0.1:{client._port}/db failed after {retries} "
        "attempt(s): ConnectionError: "
    )
    assert "secret" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_retries_zero_means_until_success(client08: InfluxDBClient, server08: Stub08Server) -> None:
    client08._retries = 0
    wrapper = _counting(influxdb08.client.session.request, failures=6)
    with mock.patch.object(influxdb08.client.session, "request", wrapper):
        assert client08.get_list_database() == [{"name": "db"}]
    assert wrapper.call_count == 7
    assert len(server08.requests) == 1


def test_retry_recovers_within_budget(client08: InfluxDBClient, server08: Stub08Server) -> None:
    wrapper = _counting(influxdb08.client.session.request, failures=2)
    with mock.patch.object(influxdb08.client.session, "request", wrapper):
        assert client08.create_database("new") is True
    assert wrapper.call_count == 3
    assert "new" in server08.state.databases


def test_timeouts_are_retried_then_raise_connection_error(server08: Stub08Server) -> None:
    server08.delay = 0.5
    client = InfluxDBClient(
        server08.host, server08.port, "root", "root", "db", timeout=0.05, retries=2
    )
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        client.get_list_database()
    assert "failed after 2 attempt(s): ReadTimeout" in str(info.value)
    assert "p=root" not in str(info.value)
    assert len(server08.requests) == 2


def test_non_transport_errors_are_not_retried(client08: InfluxDBClient) -> None:
    wrapper = mock.Mock(side_effect=requests.exceptions.InvalidURL("bad"))
    with mock.patch.object(influxdb08.client.session, "request", wrapper):
        with pytest.raises(requests.exceptions.InvalidURL):
            client08.get_list_database()
    assert wrapper.call_count == 1


def test_close_without_udp_is_harmless(client08: InfluxDBClient) -> None:
    client08.close()
    client08.close()
    assert client08.get_list_database() == [{"name": "db"}]
