"""0.8 ``InfluxDBClient`` administration: databases, series, continuous queries, cluster
admins, database admins and users, permissions; against the 0.8 stub server."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from influxdb08 import InfluxDBClient
from influxdb08.client import InfluxDBClientError
from tests.influxdb08._server import Stub08Server
from tests.influxdb08._state import DbUser

AUTH = [("u", "root"), ("p", "root")]


def _exact(server: Stub08Server, method: str, path: str, body: Any = None) -> None:
    request = server.last
    assert (request.method, request.path, request.query) == (method, path, AUTH)
    assert (request.json() if request.body else None) == body


def test_create_database(client08: InfluxDBClient, server08: Stub08Server) -> None:
    assert client08.create_database("new") is True
    _exact(server08, "POST", "/db", {"name": "new"})
    assert sorted(server08.state.databases) == ["db", "new"]


def test_create_existing_database(client08: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.create_database("db")
    assert str(info.value) == "409: database db exists"


def test_delete_database(client08: InfluxDBClient, server08: Stub08Server) -> None:
    assert client08.delete_database("db") is True
    _exact(server08, "DELETE", "/db/db")
    assert server08.state.databases == {}


def test_delete_missing_database(client08: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.delete_database("nope")
    assert str(info.value) == "400: Database nope doesn't exist"


def test_get_list_database(client08: InfluxDBClient, server08: Stub08Server) -> None:
    server08.state.create_database("abc")
    assert client08.get_list_database() == [{"name": "abc"}, {"name": "db"}]
    _exact(server08, "GET", "/db")


def test_get_database_list_is_deprecated(client08: InfluxDBClient) -> None:
    with pytest.warns(FutureWarning, match="get_database_list is deprecated"):
        assert client08.get_database_list() == [{"name": "db"}]


def test_database_calls_need_a_cluster_admin(server08: Stub08Server) -> None:
    server08.state.databases["db"].users["paul"] = DbUser(password="pw", admin=True)
    client = InfluxDBClient(server08.host, server08.port, "paul", "pw", "db")
    with pytest.raises(InfluxDBClientError) as info:
        client.create_database("x")
    assert str(info.value) == "401: Invalid username/password"


def test_delete_series(client08: InfluxDBClient, server08: Stub08Server) -> None:
    client08.write_points([{"name": "s1", "columns": ["v"], "points": [[1]]}])
    assert client08.delete_series("s1") is True
    _exact(server08, "DELETE", "/db/db/series/s1")
    assert server08.state.databases["db"].series == {}


def test_get_list_series(client08: InfluxDBClient, server08: Stub08Server) -> None:
    client08.write_points([{"name": n, "columns": ["v"], "points": [[1]]} for n in ("b", "a")])
    assert client08.get_list_series() == ["a", "b"]
    assert server08.last.query == [
        ("q", "list series"),
        ("time_precision", "s"),
        ("chunked", "false"),
        *AUTH,
    ]


def test_get_list_series_empty(client08: InfluxDBClient) -> None:
    assert client08.get_list_series() == []


def test_get_list_series_empty_answer(client08: InfluxDBClient, server08: Stub08Server) -> None:
    server08.override = lambda request: (200, "text/plain", b"[]")
    assert client08.get_list_series() == []  # 5.3.2 raised IndexError


def test_continuous_queries(client08: InfluxDBClient, server08: Stub08Server) -> None:
    assert client08.get_list_continuous_queries() == []
    assert client08.query("select * from cpu into cpu.copy;") == []
    assert client08.query("select mean(v) from x into y.[host]") == []
    assert client08.get_list_continuous_queries() == [
        "select * from cpu into cpu.copy",
        "select mean(v) from x into y.[host]",
    ]
    assert server08.last.params["q"] == "list continuous queries"
    assert client08.query("drop continuous query 1") == []
    assert client08.get_list_continuous_queries() == ["select mean(v) from x into y.[host]"]


def test_cluster_admins(client08: InfluxDBClient, server08: Stub08Server) -> None:
    assert client08.get_list_cluster_admins() == [{"name": "root"}]
    _exact(server08, "GET", "/cluster_admins")

    assert client08.add_cluster_admin("paul", "pw1") is True
    _exact(server08, "POST", "/cluster_admins", {"name": "paul", "password": "pw1"})
    assert client08.get_list_cluster_admins() == [{"name": "paul"}, {"name": "root"}]

    assert client08.update_cluster_admin_password("paul", "pw2") is True
    _exact(server08, "POST", "/cluster_admins/paul", {"password": "pw2"})
    paul = InfluxDBClient(server08.host, server08.port, "paul", "pw2", "db")
    assert paul.get_list_database() == [{"name": "db"}]

    assert client08.delete_cluster_admin("paul") is True
    _exact(server08, "DELETE", "/cluster_admins/paul")
    with pytest.raises(InfluxDBClientError) as info:
        paul.get_list_database()
    assert info.value.code == 401


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.add_cluster_admin("root", "x"), "400: User root already exists"),
        (lambda c: c.update_cluster_admin_password("nobody", "x"), "400: Invalid user name nobody"),
        (lambda c: c.delete_cluster_admin("nobody"), "400: User nobody doesn't exist"),
    ],
)
def test_cluster_admin_errors(
    client08: InfluxDBClient, call: Callable[[InfluxDBClient], Any], message: str
) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        call(client08)
    assert str(info.value) == message


def test_database_users(client08: InfluxDBClient, server08: Stub08Server) -> None:
    assert client08.get_database_users() == []
    _exact(server08, "GET", "/db/db/users")
    assert client08.add_database_user("paul", "pw") is True
    _exact(server08, "POST", "/db/db/users", {"name": "paul", "password": "pw"})
    assert client08.get_database_users() == [
        {"name": "paul", "isAdmin": False, "writeTo": ".*", "readFrom": ".*"}
    ]
    assert client08.delete_database_user("paul") is True
    _exact(server08, "DELETE", "/db/db/users/paul")
    assert client08.get_database_users() == []


def test_add_database_user_with_permissions(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    assert client08.add_database_user("reader", "pw", permissions=("^cpu", "^$")) is True
    _exact(
        server08,
        "POST",
        "/db/db/users",
        {"name": "reader", "password": "pw", "readFrom": "^cpu", "writeTo": "^$"},
    )
    assert client08.get_database_users() == [
        {"name": "reader", "isAdmin": False, "writeTo": "^$", "readFrom": "^cpu"}
    ]


@pytest.mark.parametrize("permissions", [("only-one",), ("a", "b", "c"), 5])
def test_add_database_user_bad_permissions(
    client08: InfluxDBClient, server08: Stub08Server, permissions: Any
) -> None:
    with pytest.raises(TypeError) as info:
        client08.add_database_user("x", "y", permissions=permissions)
    assert str(info.value) == "'permissions' must be (readFrom, writeTo) tuple"
    assert server08.requests == []


def test_database_user_permissions_are_enforced(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    client08.write_points([{"name": "cpu", "columns": ["v"], "points": [[1]]}])
    client08.add_database_user("reader", "pw", permissions=("^cpu$", "^$"))
    reader = InfluxDBClient(server08.host, server08.port, "reader", "pw", "db")
    assert reader.query("select v from cpu")[0]["points"][0][2] == 1
    with pytest.raises(InfluxDBClientError) as info:
        reader.write_points([{"name": "cpu", "columns": ["v"], "points": [[2]]}])
    assert str(info.value) == "403: Insufficient permissions to write to cpu"
    with pytest.raises(InfluxDBClientError) as info:
        reader.get_database_users()
    assert str(info.value) == "403: Insufficient permissions"


def test_set_and_unset_database_admin(client08: InfluxDBClient, server08: Stub08Server) -> None:
    client08.add_database_user("paul", "pw")
    assert client08.set_database_admin("paul") is True
    _exact(server08, "POST", "/db/db/users/paul", {"admin": True})
    assert client08.get_database_users()[0]["isAdmin"] is True
    paul = InfluxDBClient(server08.host, server08.port, "paul", "pw", "db")
    assert paul.get_database_users()[0]["name"] == "paul"  # a db admin may list users
    assert client08.unset_database_admin("paul") is True
    _exact(server08, "POST", "/db/db/users/paul", {"admin": False})
    assert client08.get_database_users()[0]["isAdmin"] is False


def test_alter_database_admin(client08: InfluxDBClient, server08: Stub08Server) -> None:
    client08.add_database_user("paul", "pw")
    assert client08.alter_database_admin("paul", True) is True
    _exact(server08, "POST", "/db/db/users/paul", {"admin": True})


def test_update_database_user_password(client08: InfluxDBClient, server08: Stub08Server) -> None:
    client08.add_database_user("paul", "old")
    assert client08.update_database_user_password("paul", "new") is True
    _exact(server08, "POST", "/db/db/users/paul", {"password": "new"})
    paul = InfluxDBClient(server08.host, server08.port, "paul", "new", "db")
    assert paul.get_list_series() == []


def test_alter_database_user(client08: InfluxDBClient, server08: Stub08Server) -> None:
    client08.add_database_user("paul", "pw")
    assert client08.alter_database_user("paul", password="pw2", permissions=("r", "w")) is True
    _exact(
        server08, "POST", "/db/db/users/paul", {"password": "pw2", "readFrom": "r", "writeTo": "w"}
    )
    assert client08.get_database_users() == [
        {"name": "paul", "isAdmin": False, "writeTo": "w", "readFrom": "r"}
    ]


def test_alter_own_user_password(server08: Stub08Server, client08: InfluxDBClient) -> None:
    client08.add_database_user("paul", "pw")
    paul = InfluxDBClient(server08.host, server08.port, "paul", "pw", "db")
    assert paul.alter_database_user("paul", password="pw2") is True
    assert paul._password == "pw2"
    assert paul.get_list_series() == []  # authenticates with the new password
    assert server08.last.query[-2:] == [("u", "paul"), ("p", "pw2")]


def test_alter_own_permissions_keeps_password(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    client08.add_database_user("paul", "pw")
    client08.set_database_admin("paul")
    paul = InfluxDBClient(server08.host, server08.port, "paul", "pw", "db")
    assert paul.alter_database_user("paul", permissions=(".*", "^$")) is True
    assert paul._password == "pw"  # 5.3.2 set it to None
    assert paul.get_database_users()[0]["writeTo"] == "^$"


def test_alter_database_user_needs_something(
    client08: InfluxDBClient, server08: Stub08Server
) -> None:
    with pytest.raises(ValueError) as info:
        client08.alter_database_user("paul")
    assert str(info.value) == "Nothing to alter for user paul."
    assert server08.requests == []


def test_database_user_errors(client08: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBClientError) as info:
        client08.delete_database_user("nobody")
    assert str(info.value) == "400: User nobody doesn't exist"
    with pytest.raises(InfluxDBClientError) as info:
        client08.update_database_user_password("nobody", "x")
    assert str(info.value) == "400: Invalid username nobody"


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("create_scheduled_delete", ({"regex": "stats"},)),
        ("get_list_scheduled_delete", ()),
        ("remove_scheduled_delete", (1,)),
        ("get_list_database_admins", ()),
        ("add_database_admin", ("u", "p")),
        ("update_database_admin_password", ("u", "p")),
        ("delete_database_admin", ("u",)),
        ("update_permission", ("u", {})),
    ],
)
def test_not_in_the_08_api(
    client08: InfluxDBClient, server08: Stub08Server, name: str, args: tuple[Any, ...]
) -> None:
    with pytest.raises(NotImplementedError) as info:
        getattr(client08, name)(*args)
    assert str(info.value) == f"{name} is not supported by the InfluxDB 0.8 HTTP API"
    assert server08.requests == []
