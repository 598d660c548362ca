"""Hostile names and values through every admin helper and identifier-taking parameter, on an
auth-enabled influxd: each call does exactly what it says, and nothing else.

"Nothing else" is checked by comparing a snapshot of the server's whole state (databases,
retention policies, measurements, series, continuous queries, users, admin flags, grants),
read with bare HTTP calls, before and after each call, against the one change the call
should make.  A canary database and user must survive every test.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from influxdb import InfluxDBClient
from influxdb.exceptions import (
    InfluxDBAuthenticationError,
    InfluxDBAuthorizationError,
    InfluxDBDatabaseNotFoundError,
    InfluxDBQueryError,
)
from tests._influxd import Influxd

pytestmark = pytest.mark.server

# Names the server accepts for every kind of object.
HOSTILE = [
    'quote"in',
    "single'quote",
    "semi;colon",
    '" OR 1=1 --',
    "' OR 1=1 --",
    '"; DROP DATABASE canary; --',
    "'; DROP USER canary; --",
    'x" WITH ALL PRIVILEGES --',
    "ünïcödé 数据库 🚀",
    "sp ace",
    "a,b=c",
    "-- comment",
    "$param",
    "END",
]
# Users (and passwords) may also hold backslashes, newlines, tabs and slashes, which the
# server refuses in database and retention policy names ("invalid name").
HOSTILE_USERS = HOSTILE + ["back\\slash", "trail\\", "new\nline", "tab\tx", "/* c */"]
HOSTILE_PASSWORDS = HOSTILE_USERS + ["p'w\\", "' WITH ALL PRIVILEGES --"]
SERVER_REFUSED_NAMES = ["back\\slash", "trail\\", "new\nline", "tab\tx", "/* c */"]
CANARY = "canary"


def ident(name: str) -> str:
    """An InfluxQL identifier written by hand, independent of the client's quoter."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def literal(value: str) -> str:
    """An InfluxQL string literal written by hand."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def _rows(server: Influxd, q: str, db: str | None = None) -> list[list[Any]]:
    result = server.admin_query(q, db=db)["results"][0]
    assert "error" not in result, (q, result)
    return [row for s in result.get("series", []) for row in s.get("values", [])]


def snapshot(server: Influxd) -> dict[str, Any]:
    """Everything the helpers can change, as plain data."""
    databases = sorted(row[0] for row in _rows(server, "SHOW DATABASES"))
    per_db: dict[str, Any] = {}
    for db in databases:
        per_db[db] = {
            "rps": sorted(tuple(r) for r in _rows(
                server, f"SHOW RETENTION POLICIES ON {ident(db)}")),
            "measurements": sorted(r[0] for r in _rows(server, "SHOW MEASUREMENTS", db)),
            "series": sorted(r[0] for r in _rows(server, "SHOW SERIES", db)),
        }
    answer = server.admin_query("SHOW CONTINUOUS QUERIES")["results"][0]
    cqs = {s["name"]: sorted(tuple(v) for v in s.get("values", []))
           for s in answer.get("series", []) if s.get("values")}
    users = {row[0]: row[1] for row in _rows(server, "SHOW USERS")}
    grants = {user: sorted(tuple(r) for r in _rows(server, f"SHOW GRANTS FOR {ident(user)}"))
              for user, is_admin in users.items() if not is_admin}
    return {"databases": databases, "db": per_db, "cqs": cqs, "users": users,
            "grants": grants}


@pytest.fixture(scope="module")
def server(influxd_auth: Influxd) -> Iterator[Influxd]:
    influxd_auth.admin_query(f"CREATE DATABASE {CANARY}")
    influxd_auth.admin_query(f"CREATE USER {CANARY} WITH PASSWORD 'canary-pw'")
    influxd_auth.admin_query(f"GRANT READ ON {CANARY} TO {CANARY}")
    requests.post(f"{influxd_auth.url}/write", params={"db": CANARY},
                  data=b"alive,k=v n=1i 1600000000000000000\n",
                  auth=(influxd_auth.admin_user, influxd_auth.admin_password),
                  timeout=10).raise_for_status()
    yield influxd_auth
    influxd_auth.admin_query(f"DROP DATABASE {CANARY}")
    influxd_auth.admin_query(f"DROP USER {CANARY}")


@pytest.fixture
def admin(server: Influxd) -> Iterator[InfluxDBClient]:
    client = InfluxDBClient(server.host, server.http_port, server.admin_user,
                            server.admin_password, timeout=10)
    before = snapshot(server)
    assert CANARY in before["databases"] and CANARY in before["users"]
    yield client
    client.close()
    after = snapshot(server)
    # Every test leaves the server as it found it; the canary is untouched.
    assert after == before


def as_user(server: Influxd, user: str, password: str) -> InfluxDBClient:
    return InfluxDBClient(server.host, server.http_port, user, password, timeout=10, retries=1)


@pytest.mark.parametrize("name", HOSTILE)
def test_create_and_drop_database(admin: InfluxDBClient, server: Influxd, name: str) -> None:
    before = snapshot(server)
    admin.create_database(name)
    expected = copy.deepcopy(before)
    expected["databases"] = sorted(before["databases"] + [name])
    expected["db"][name] = {"rps": [("autogen", "0s", "168h0m0s", 1, True)],
                            "measurements": [], "series": []}
    assert snapshot(server) == expected
    assert {"name": name} in admin.get_list_database()
    admin.drop_database(name)
    assert snapshot(server) == before


@pytest.mark.parametrize("name", SERVER_REFUSED_NAMES)
def test_names_the_server_refuses_change_nothing(admin: InfluxDBClient, server: Influxd,
                                                 name: str) -> None:
    before = snapshot(server)
    with pytest.raises(InfluxDBQueryError, match="invalid name"):
        admin.create_database(name)
    with pytest.raises(InfluxDBQueryError, match="invalid name"):
        admin.create_retention_policy(name, "1d", 1, database=CANARY)
    assert snapshot(server) == before


@pytest.mark.parametrize("name", HOSTILE)
def test_measurements_series_and_tags(admin: InfluxDBClient, server: Influxd,
                                      name: str) -> None:
    db = f"inj {name}"
    admin.create_database(db)
    try:
        before = snapshot(server)
        admin.write_points([
            {"measurement": name, "tags": {name: name, "other": "x"}, "fields": {name + " f": 1.5},
             "time": 1_600_000_000_000_000_000},
            {"measurement": name, "tags": {name: "control"}, "fields": {name + " f": 2.5},
             "time": 1_600_000_000_000_000_000},
            {"measurement": "control", "tags": {name: name}, "fields": {"v": 3},
             "time": 1_600_000_000_000_000_000},
        ], database=db)
        measurements = admin.query("SHOW MEASUREMENTS", database=db)
        assert sorted(p["name"] for p in measurements.get_points()) == sorted(["control", name])
        # Read back with identifiers quoted by hand: every name landed exactly.
        result = admin.query(f"SELECT * FROM {ident(name)} WHERE {ident(name)} = $v",
                             bind_params={"v": name}, database=db)
        assert list(result.get_points()) == [
            {"time": "2020-09-13T12:26:40Z", name: name, name + " f": 1.5, "other": "x"}]
        series = admin.get_list_series(database=db, measurement=name, tags={name: name})
        assert series == [row[0] for row in _rows(
            server, f"SHOW SERIES FROM {ident(name)} WHERE {ident(name)} = {literal(name)}", db)]
        assert len(series) == 1
        assert admin.get_list_series(database=db, tags={name: name, "other": "x"}) == series
        assert admin.get_list_series(database=db, measurement=name,
                                     tags={name: name + "x"}) == []
        # delete_series drops that one series and nothing else.
        after_write = snapshot(server)
        admin.delete_series(database=db, measurement=name, tags={name: name})
        expected = copy.deepcopy(after_write)
        expected["db"][db]["series"].remove(series[0])
        assert snapshot(server) == expected
        # drop_measurement drops that measurement and nothing else.
        admin.switch_database(db)
        admin.drop_measurement(name)
        expected["db"][db]["measurements"] = ["control"]
        expected["db"][db]["series"] = [s for s in expected["db"][db]["series"]
                                        if s.startswith("control,")]
        assert snapshot(server) == expected
        assert admin.get_list_measurements() == [{"name": "control"}]
        assert before["db"][db]["measurements"] == []
    finally:
        admin.switch_database(None)
        admin.drop_database(db)


@pytest.mark.parametrize("name", HOSTILE)
def test_retention_policies(admin: InfluxDBClient, server: Influxd, name: str) -> None:
    db = name  # a hostile database name too
    admin.create_database(db)
    try:
        before = snapshot(server)
        admin.create_retention_policy(name + " rp", "1d", 1, database=db,
                                      shard_duration="1h")
        expected = copy.deepcopy(before)
        expected["db"][db]["rps"] = sorted(before["db"][db]["rps"] + [
            (name + " rp", "24h0m0s", "1h0m0s", 1, False)])
        assert snapshot(server) == expected
        admin.alter_retention_policy(name + " rp", database=db, duration="2d", default=True)
        assert admin.get_list_retention_policies(db) == [
            {"name": "autogen", "duration": "0s", "shardGroupDuration": "168h0m0s",
             "replicaN": 1, "default": False},
            {"name": name + " rp", "duration": "48h0m0s", "shardGroupDuration": "1h0m0s",
             "replicaN": 1, "default": True}]
        # Writes and reads name the policy exactly.
        admin.write_points([{"measurement": name, "fields": {"v": 1}}], database=db,
                           retention_policy=name + " rp")
        rows = admin.query(f"SELECT COUNT(v) FROM {ident(db)}.{ident(name + ' rp')}."
                           f"{ident(name)}", database=db)
        assert [p["count"] for p in rows.get_points()] == [1]
        assert list(admin.query(f"SELECT v FROM {ident(db)}.autogen.{ident(name)}",
                                database=db).get_points()) == []
        admin.drop_retention_policy(name + " rp", database=db)
        assert admin.get_list_retention_policies(db) == [
            {"name": "autogen", "duration": "0s", "shardGroupDuration": "168h0m0s",
             "replicaN": 1, "default": False}]
    finally:
        admin.drop_database(db)


@pytest.mark.parametrize("user, password",
                         list(zip(HOSTILE_USERS, HOSTILE_PASSWORDS[::-1])))
def test_users_passwords_and_privileges(admin: InfluxDBClient, server: Influxd, user: str,
                                        password: str) -> None:
    before = snapshot(server)
    admin.create_user(user, password)
    try:
        _exercise_user(admin, server, before, user, password)
    finally:
        admin.drop_user(user)
    assert snapshot(server) == before


def _exercise_user(admin: InfluxDBClient, server: Influxd, before: dict[str, Any], user: str,
                   password: str) -> None:
    expected = copy.deepcopy(before)
    expected["users"][user] = False
    expected["grants"][user] = []
    assert snapshot(server) == expected  # not an admin, whatever the password says

    assert list(as_user(server, user, password).query("SHOW DATABASES").get_points()) == []
    with pytest.raises(InfluxDBAuthenticationError):
        as_user(server, user, password + "x").query("SHOW DATABASES")
    with pytest.raises(InfluxDBAuthorizationError):
        as_user(server, user, password).create_database("should_not_exist")

    new_password = password[::-1] + "'"
    admin.set_user_password(user, new_password)
    with pytest.raises(InfluxDBAuthenticationError):
        as_user(server, user, password).query("SHOW DATABASES")
    assert list(as_user(server, user, new_password).query("SHOW DATABASES").get_points()) == []

    admin.grant_privilege("read", CANARY, user)
    assert admin.get_list_privileges(user) == [{"database": CANARY, "privilege": "READ"}]
    expected["grants"][user] = [(CANARY, "READ")]
    assert snapshot(server) == expected
    reader = as_user(server, user, new_password)
    assert [p["n"] for p in reader.query("SELECT n FROM alive",
                                         database=CANARY).get_points()] == [1]
    with pytest.raises(InfluxDBAuthorizationError):
        reader.write_points([{"measurement": "alive", "fields": {"n": 2}}], database=CANARY)
    admin.revoke_privilege("read", CANARY, user)
    assert admin.get_list_privileges(user) == [
        {"database": CANARY, "privilege": "NO PRIVILEGES"}]

    admin.grant_admin_privileges(user)
    assert {"user": user, "admin": True} in admin.get_list_users()
    admin.revoke_admin_privileges(user)
    assert {"user": user, "admin": False} in admin.get_list_users()


@pytest.mark.parametrize("name", HOSTILE)
def test_continuous_queries(admin: InfluxDBClient, server: Influxd, name: str) -> None:
    db = f"cq {name}"
    admin.create_database(db)
    try:
        before = snapshot(server)
        select = f"SELECT mean(v) INTO {ident(name + ' out')} FROM {ident(name)} GROUP BY time(1m)"
        admin.create_continuous_query(name, select, database=db,
                                      resample_opts="EVERY 2m FOR 4m")
        after = snapshot(server)
        assert set(after["cqs"]) == set(before["cqs"]) | {db}
        [(cq_name, cq_text)] = after["cqs"][db]
        assert cq_name == name
        assert cq_text.startswith(f"CREATE CONTINUOUS QUERY {ident(name)} ON {ident(db)} "
                                  "RESAMPLE EVERY 2m FOR 4m BEGIN SELECT mean(v) INTO ")
        listed = [entry for entry in admin.get_list_continuous_queries() if db in entry]
        assert listed == [{db: [{"name": name, "query": cq_text}]}]
        admin.drop_continuous_query(name, database=db)
        assert snapshot(server) == before
    finally:
        admin.drop_database(db)


# -- bind_params ---------------------------------------------------------------------------------
BIND_VALUES = ["a", "x' OR 1=1 --", '" OR 1=1 --', "a' OR t = 'b", "$t", "back\\slash", "'",
               "ü 数", "a b", "') OR ('1'='1", "a\\' OR 1=1 --"]


@pytest.fixture
def bind_db(admin: InfluxDBClient) -> Iterator[str]:
    db = "bind params"
    admin.create_database(db)
    try:
        _write_bind_points(admin, db)
        yield db
    finally:
        admin.drop_database(db)


def _write_bind_points(admin: InfluxDBClient, db: str) -> None:
    admin.write_points([{"measurement": "m", "tags": {"t": value}, "fields": {"v": i},
                         "time": 1_600_000_000 + i} for i, value in enumerate(BIND_VALUES)]
                       + [{"measurement": "m", "tags": {"t": "b"}, "fields": {"v": 100},
                           "time": 1_600_000_100}],
                       database=db, time_precision="s")


@pytest.mark.parametrize("value", BIND_VALUES)
def test_bind_params_are_values_never_statements(admin: InfluxDBClient, bind_db: str,
                                                 value: str) -> None:
    result = admin.query("SELECT v, t FROM m WHERE t = $t", bind_params={"t": value},
                         database=bind_db, epoch="s")
    assert list(result.get_points()) == [
        {"time": 1_600_000_000 + BIND_VALUES.index(value), "v": BIND_VALUES.index(value),
         "t": value}]


@pytest.mark.parametrize("value", ["zzz' OR 1=1 --", "b' OR t = 'a", "x\" OR 1=1 --"])
def test_bind_params_that_match_nothing_return_nothing(admin: InfluxDBClient, bind_db: str,
                                                       value: str) -> None:
    result = admin.query("SELECT v FROM m WHERE t = $t", bind_params={"t": value},
                         database=bind_db)
    assert list(result.get_points()) == []


def test_bind_params_numbers_and_several_names(admin: InfluxDBClient, bind_db: str) -> None:
    result = admin.query("SELECT v FROM m WHERE v >= $low AND v < $high AND t != $t",
                         bind_params={"low": 2, "high": 5, "t": "$t"}, database=bind_db,
                         epoch="s")
    assert [p["v"] for p in result.get_points()] == [2, 3]
    # A value that looks like a statement separator stays a value.
    result = admin.query("SELECT count(v) FROM m WHERE t = $t",
                         bind_params={"t": "a'; DROP DATABASE canary; --"}, database=bind_db)
    assert list(result.get_points()) == []


def test_query_database_parameter_is_not_interpreted(admin: InfluxDBClient, server: Influxd,
                                                     bind_db: str) -> None:
    for hostile in ['bind params" ; DROP DATABASE canary', "bind params' OR 1=1 --"]:
        with pytest.raises(InfluxDBDatabaseNotFoundError, match="database not found"):
            admin.query("SELECT v FROM m", database=hostile)
    assert admin.query("SELECT count(v) FROM m", database=bind_db).raw["series"][0][
        "values"][0][1] == len(BIND_VALUES) + 1
