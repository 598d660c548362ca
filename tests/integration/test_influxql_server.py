"""Every InfluxQL builder against a real influxd 1.6.7, with names that need quoting.

Each effect is checked exactly through the SHOW statements: what the server stored is the
caller's string, character for character.  Database and retention-policy names cannot hold
``\\``, ``/`` or non-printable characters (the server's own rule, "invalid name"); users,
continuous queries and measurements can.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, Optional

import pytest
import requests

from influxdb import InfluxDBClient
from influxdb import _influxql as ql
from influxdb._influxql import quote_ident
from influxdb.exceptions import InfluxDBClientError

pytestmark = pytest.mark.server

_unique = itertools.count()

DATABASE_NAMES = [
    "my db",
    'd"b',
    "d'b",
    'x"; DROP DATABASE y; --',
    '" OR 1=1 --',
    "semi;colon",
    "\u00b5\u6e29\u5ea6 \U0001f600",
]
USER_NAMES = [
    'u"q',
    "u\\b",
    "u'; DROP USER x; --",
    "line\nbreak",
    "\u00e9l\u00e8ve \U0001f600",
]
PASSWORDS = [
    "p'\\\n\"x; -- \u00e9:colon",
    "' OR ''='",
    "\\",
    "tab\there",
]
CQ_NAMES = ['cq "q" \\ ;\'x\n-- \u00e9', "cq.dotted", "\U0001f600"]
MEASUREMENT_NAMES = ['m "q" \\x;\'x\n-- \u00e9', "cpu.load", 'tail"']


def run(client: InfluxDBClient, statement: str, database: Optional[str] = None) -> Any:
    return client.query(statement, database=database, method="POST")


def rows(client: InfluxDBClient, statement: str, database: Optional[str] = None) -> list[Any]:
    return list(client.query(statement, database=database).get_points())


@pytest.fixture
def weird_database(client: InfluxDBClient) -> Iterator[str]:
    name = f'db "{next(_unique)}" ;\'x -- \u00b5\u6e29\u5ea6 \U0001f600'
    run(client, ql.create_database(name))
    yield name
    run(client, ql.drop_database(name))


@pytest.mark.parametrize("name", DATABASE_NAMES)
def test_create_and_drop_database(client: InfluxDBClient, name: str) -> None:
    run(client, ql.create_database(name))
    try:
        assert {"name": name} in rows(client, ql.show_databases())
    finally:
        run(client, ql.drop_database(name))
    assert {"name": name} not in rows(client, ql.show_databases())


def test_database_name_the_server_refuses_arrives_intact(client: InfluxDBClient) -> None:
    # The server's own rule, not a quoting problem: the name reached it unmangled.
    with pytest.raises(InfluxDBClientError) as info:
        run(client, ql.create_database("back\\slash"))
    assert info.value.content == "invalid name"


@pytest.mark.parametrize("name", ["rp", 'r"p;\'x', "r\u00e9 \U0001f600 --"])
def test_retention_policies(client: InfluxDBClient, weird_database: str, name: str) -> None:
    db = weird_database
    run(client, ql.create_retention_policy(name, "1d", 1, db, shard_duration="1h"))
    assert rows(client, ql.show_retention_policies(db)) == [
        {"name": "autogen", "duration": "0s", "shardGroupDuration": "168h0m0s",
         "replicaN": 1, "default": True},
        {"name": name, "duration": "24h0m0s", "shardGroupDuration": "1h0m0s",
         "replicaN": 1, "default": False},
    ]
    run(client, ql.alter_retention_policy(name, db, duration="INF", replication="1",
                                          default=True, shard_duration="2h"))
    assert rows(client, ql.show_retention_policies(db))[1] == {
        "name": name, "duration": "0s", "shardGroupDuration": "2h0m0s", "replicaN": 1,
        "default": True,
    }
    run(client, ql.alter_retention_policy(name, db, duration="52w"))
    assert rows(client, ql.show_retention_policies(db))[1]["duration"] == "8736h0m0s"
    run(client, ql.drop_retention_policy(name, db))
    assert [r["name"] for r in rows(client, ql.show_retention_policies(db))] == ["autogen"]


def test_create_retention_policy_default_and_compound_duration(
    client: InfluxDBClient, weird_database: str
) -> None:
    db = weird_database
    run(client, ql.create_retention_policy("two", "1h30m", 1, db, default=True))
    assert rows(client, ql.show_retention_policies(db))[1] == {
        "name": "two", "duration": "1h30m0s", "shardGroupDuration": "1h0m0s", "replicaN": 1,
        "default": True,
    }


@pytest.mark.parametrize("name", USER_NAMES)
def test_users_admin_and_privileges(
    client: InfluxDBClient, weird_database: str, name: str
) -> None:
    db = weird_database
    run(client, ql.create_user(name, PASSWORDS[0]))
    try:
        assert {"user": name, "admin": False} in rows(client, ql.show_users())
        run(client, ql.grant_admin(name))
        assert {"user": name, "admin": True} in rows(client, ql.show_users())
        run(client, ql.revoke_admin(name))
        assert {"user": name, "admin": False} in rows(client, ql.show_users())

        for privilege, shown in [("read", "READ"), ("WRITE", "WRITE"), ("All", "ALL PRIVILEGES")]:
            run(client, ql.grant_privilege(privilege, db, name))
            assert rows(client, ql.show_grants(name)) == [{"database": db, "privilege": shown}]
        run(client, ql.revoke_privilege("all", db, name))
        assert rows(client, ql.show_grants(name)) == [
            {"database": db, "privilege": "NO PRIVILEGES"}
        ]
        run(client, ql.set_password(name, PASSWORDS[1]))
    finally:
        run(client, ql.drop_user(name))
    assert name not in [r["user"] for r in rows(client, ql.show_users())]


def test_create_user_with_all_privileges(client: InfluxDBClient) -> None:
    name = f'admin "{next(_unique)}"'
    run(client, ql.create_user(name, "pw", admin=True))
    try:
        assert {"user": name, "admin": True} in rows(client, ql.show_users())
    finally:
        run(client, ql.drop_user(name))


@pytest.mark.parametrize("password", PASSWORDS)
def test_passwords_arrive_exactly(influxd_auth: Any, password: str) -> None:
    """Logging in proves the server stored exactly the caller's password."""
    admin = InfluxDBClient(influxd_auth.host, influxd_auth.http_port,
                           influxd_auth.admin_user, influxd_auth.admin_password, timeout=30)
    name = f'u "{next(_unique)}" \\ ;\'x'
    other = password + "'2"
    run(admin, ql.create_user(name, password))
    try:
        assert _can_log_in(influxd_auth, name, password) is True
        assert _can_log_in(influxd_auth, name, password + "x") is False
        run(admin, ql.set_password(name, other))
        assert _can_log_in(influxd_auth, name, password) is False
        assert _can_log_in(influxd_auth, name, other) is True
    finally:
        run(admin, ql.drop_user(name))
        admin.close()


def _can_log_in(server: Any, username: str, password: str) -> bool:
    user = InfluxDBClient(server.host, server.http_port, username, password, timeout=30)
    try:
        user.query(ql.show_databases())
    except InfluxDBClientError as exc:
        assert exc.code == 401
        return False
    finally:
        user.close()
    return True


def _write(server: Any, database: str, lines: str) -> None:
    # Independent of the client's line-protocol encoder: a bare POST.
    response = requests.post(server.url + "/write", params={"db": database},
                             data=lines.encode(), timeout=30)
    assert response.status_code == 204, response.text


def _series_key(measurement: str, tags: str) -> str:
    # SHOW SERIES gives line-protocol keys: measurement with ',' and ' ' escaped.
    return measurement.replace(",", "\\,").replace(" ", "\\ ") + tags


@pytest.mark.parametrize("name", MEASUREMENT_NAMES)
def test_measurements_and_series(influxd: Any, client: InfluxDBClient, name: str) -> None:
    db = client._database
    _write(influxd, db, "src,host=a\\ b\\,c\\=d,q=it's\"x;y\\z value=1 1000000000\n"
                        "src,host=other value=2 2000000000\n")
    # SELECT ... INTO creates a measurement whose name line protocol could not carry.
    run(client, f"SELECT * INTO {quote_ident(name)} FROM src GROUP BY *", db)
    assert rows(client, ql.show_measurements(), db) == sorted(
        [{"name": name}, {"name": "src"}], key=lambda r: r["name"]
    )
    key_a = _series_key(name, ",host=a\\ b\\,c\\=d,q=it's\"x;y\\z")
    key_other = _series_key(name, ",host=other")
    assert rows(client, ql.show_series(name), db) == [{"key": key_a}, {"key": key_other}]
    assert rows(client, ql.show_series(name, {"host": "a b,c=d"}), db) == [{"key": key_a}]
    assert rows(client, ql.show_series(name, {"host": "a b,c=d", "q": "it's\"x;y\\z"}), db) == [
        {"key": key_a}
    ]
    src_a = "src,host=a\\ b\\,c\\=d,q=it's\"x;y\\z"
    by_tag = rows(client, ql.show_series(None, {"q": "it's\"x;y\\z"}), db)
    assert sorted(r["key"] for r in by_tag) == sorted([key_a, src_a])
    # An injection attempt in a tag value is only a value that matches nothing.
    assert rows(client, ql.show_series(name, {"host": "x' OR 'a'='a"}), db) == []

    run(client, ql.drop_series(name, {"host": "other"}), db)
    assert rows(client, ql.show_series(name), db) == [{"key": key_a}]
    run(client, ql.drop_series(None, {"q": "it's\"x;y\\z"}), db)
    assert rows(client, ql.show_series(), db) == [{"key": "src,host=other"}]
    run(client, ql.drop_measurement(name), db)
    assert rows(client, ql.show_measurements(), db) == [{"name": "src"}]


@pytest.mark.parametrize("name", CQ_NAMES)
def test_continuous_queries(client: InfluxDBClient, name: str) -> None:
    db = client._database  # a bare identifier: the server does not quote it when rendering
    target = 'out "q" \\x;\'y'
    select = f'SELECT mean("value") INTO {quote_ident(target)} FROM "src" GROUP BY time(1h), *'
    run(client, ql.create_continuous_query(name, select, db, "EVERY 1h FOR 2h"))
    try:
        found = client.query(ql.show_continuous_queries())
        assert list(found.get_points(db)) == [{
            "name": name,
            # the server re-renders the statement; its identifier quoting is ours
            "query": f"CREATE CONTINUOUS QUERY {quote_ident(name)} ON {db} RESAMPLE EVERY 1h "
                     f"FOR 2h BEGIN SELECT mean(value) INTO {db}.autogen.{quote_ident(target)}"
                     f" FROM {db}.autogen.src GROUP BY time(1h), * END",
        }]
    finally:
        run(client, ql.drop_continuous_query(name, db))
    assert list(client.query(ql.show_continuous_queries()).get_points(db)) == []


def test_continuous_query_on_a_database_that_needs_quoting(
    client: InfluxDBClient, weird_database: str
) -> None:
    # a trailing line comment must not swallow the END the builder appends
    select = 'SELECT count("value") INTO "o" FROM "src" GROUP BY time(5m) -- every 5 minutes'
    run(client, ql.create_continuous_query("c", select, weird_database), weird_database)
    try:
        names = [p["name"] for p in
                 client.query(ql.show_continuous_queries()).get_points(weird_database)]
        assert names == ["c"]
    finally:
        run(client, ql.drop_continuous_query("c", weird_database))
    assert list(client.query(ql.show_continuous_queries()).get_points(weird_database)) == []


@pytest.mark.parametrize(
    "statement",
    [
        ql.show_databases(),
        ql.show_measurements(),
        "\n  -- comment\n\tselect * from src",
        "/* SELECT */ show tag keys",
        'SELECT * FROM "src" WHERE "q" = \'x INTO y\'',
        'SELECT "into" FROM src',
        "explain select * from src",
        "SELECT *\nINTO copy FROM src",
        "select *\tinto copy from src",
        "-- SHOW\ndrop measurement nothing",
        "  \n DROP SERIES FROM nothing",
        "show tag keys; drop measurement nothing",
    ],
)
def test_classify_agrees_with_the_server(influxd: Any, client: InfluxDBClient,
                                         statement: str) -> None:
    # Sent by GET, a statement the server does not consider read-only runs with a
    # "deprecated use of ... in a read only context" warning: exactly the statements
    # classify() sends by POST.
    _write(influxd, client._database, "src,host=a value=1 1000000000\n")
    response = requests.get(influxd.url + "/query",
                            params={"q": statement, "db": client._database}, timeout=30)
    assert response.status_code == 200
    results = response.json()["results"]
    assert all("error" not in result for result in results)
    warned = any("deprecated use of" in message["text"]
                 for result in results for message in result.get("messages", []))
    assert warned is ql.classify(statement).changes_state
