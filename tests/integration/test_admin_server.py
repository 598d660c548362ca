"""Every admin helper of InfluxDBClient against a real influxd, with names that need quoting."""

from __future__ import annotations

from typing import Any

import pytest

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBClientError

pytestmark = pytest.mark.server

# InfluxDB refuses '/' and '\\' in database and retention policy names ("invalid name").
HOSTILE = 'we"ird \'name\'; DROP DATABASE x -- ✓'


def test_databases(client: InfluxDBClient) -> None:
    client.create_database(HOSTILE)
    try:
        assert {"name": HOSTILE} in client.get_list_database()
    finally:
        client.drop_database(HOSTILE)
    assert {"name": HOSTILE} not in client.get_list_database()
    assert {"name": client._database} in client.get_list_database()


def test_measurements_and_series(client: InfluxDBClient) -> None:
    client.write_points([
        {"measurement": "cpu.load", "tags": {"host": "a b", "dc": "x'y"}, "fields": {"v": 1}},
        {"measurement": "cpu.load", "tags": {"host": "c", "dc": "z"}, "fields": {"v": 1}},
        {"measurement": 'm"q', "tags": {"host": "a b"}, "fields": {"v": 1}},
    ])
    assert client.get_list_measurements() == [{"name": "cpu.load"}, {"name": 'm"q'}]
    assert client.get_list_series() == [
        "cpu.load,dc=x'y,host=a\\ b", "cpu.load,dc=z,host=c", 'm"q,host=a\\ b']
    assert client.get_list_series(measurement="cpu.load", tags={"dc": "x'y"}) == [
        "cpu.load,dc=x'y,host=a\\ b"]
    assert client.get_list_series(database=client._database, measurement='m"q') == [
        'm"q,host=a\\ b']
    client.delete_series(measurement="cpu.load", tags={"host": "a b"})
    assert client.get_list_series() == ["cpu.load,dc=z,host=c", 'm"q,host=a\\ b']
    client.delete_series(tags={"host": "a b"})
    assert client.get_list_series() == ["cpu.load,dc=z,host=c"]
    client.drop_measurement("cpu.load")
    assert client.get_list_measurements() == []


def test_retention_policies(client: InfluxDBClient) -> None:
    name = "rp 'one' \"1\""
    client.create_retention_policy(name, "3d", 1, shard_duration="1h")
    policies = client.get_list_retention_policies()
    assert {"name": name, "duration": "72h0m0s", "shardGroupDuration": "1h0m0s",
            "replicaN": 1, "default": False} in policies
    client.alter_retention_policy(name, duration="4d", shard_duration="2h", default=True)
    policies = client.get_list_retention_policies(client._database)
    assert {"name": name, "duration": "96h0m0s", "shardGroupDuration": "2h0m0s",
            "replicaN": 1, "default": True} in policies
    client.write_points([{"measurement": "m", "fields": {"v": 1}}], retention_policy=name)
    assert len(list(client.query(f'SELECT v FROM "{client._database}".'
                                 f'"rp \'one\' \\"1\\""."m"').get_points())) == 1
    client.drop_retention_policy(name)
    assert [p["name"] for p in client.get_list_retention_policies()] == ["autogen"]


def test_retention_policy_needs_a_database(influxd: Any) -> None:
    cli = InfluxDBClient(influxd.host, influxd.http_port)
    with pytest.raises(InfluxDBClientError) as info:
        cli.get_list_retention_policies()
    assert str(info.value) == (
        "get_list_retention_policies() requires a database as a parameter or the client to "
        "be using a database")


def test_users_passwords_and_privileges(client: InfluxDBClient, influxd_auth: Any) -> None:
    admin = InfluxDBClient(influxd_auth.host, influxd_auth.http_port,
                           influxd_auth.admin_user, influxd_auth.admin_password)
    user, db = "us'er \"ü\"", 'd"b'
    admin.create_database(db)
    try:
        admin.create_user(user, "pa'ss\\word")
        assert {"user": user, "admin": False} in admin.get_list_users()
        InfluxDBClient(influxd_auth.host, influxd_auth.http_port, user, "pa'ss\\word").ping()
        as_user = InfluxDBClient(influxd_auth.host, influxd_auth.http_port, user,
                                 "pa'ss\\word")
        assert as_user.query("SHOW DATABASES").raw["statement_id"] == 0
        admin.set_user_password(user, "n3w'pw")
        with pytest.raises(InfluxDBClientError):
            as_user.query("SHOW DATABASES")
        as_user.switch_user(user, "n3w'pw")
        as_user.query("SHOW DATABASES")

        admin.grant_privilege("read", db, user)
        assert admin.get_list_privileges(user) == [{"database": db, "privilege": "READ"}]
        admin.grant_privilege("all", db, user)
        assert admin.get_list_privileges(user) == [
            {"database": db, "privilege": "ALL PRIVILEGES"}]
        admin.revoke_privilege("write", db, user)
        assert admin.get_list_privileges(user) == [{"database": db, "privilege": "READ"}]
        admin.revoke_privilege("all", db, user)
        assert admin.get_list_privileges(user) == [
            {"database": db, "privilege": "NO PRIVILEGES"}]

        admin.grant_admin_privileges(user)
        assert {"user": user, "admin": True} in admin.get_list_users()
        admin.revoke_admin_privileges(user)
        assert {"user": user, "admin": False} in admin.get_list_users()
        admin.create_user("boss", "x", admin=True)
        assert {"user": "boss", "admin": True} in admin.get_list_users()
    finally:
        for u in (user, "boss"):
            try:
                admin.drop_user(u)
            except InfluxDBClientError:
                pass
        admin.drop_database(db)
    assert [u for u in admin.get_list_users() if u["user"] == user] == []


def test_continuous_queries(client: InfluxDBClient) -> None:
    db = client._database
    client.create_continuous_query(
        "cq one", 'SELECT mean("v") INTO "m_1m" FROM "m" GROUP BY time(1m)')
    client.create_continuous_query(
        'cq"two', 'SELECT max("v") INTO "m_5m" FROM "m" GROUP BY time(5m)',
        database=db, resample_opts="EVERY 10m FOR 1h")
    cqs = client.get_list_continuous_queries()
    assert {db: [
        {"name": "cq one",
         "query": f'CREATE CONTINUOUS QUERY "cq one" ON {db} BEGIN SELECT mean(v) INTO '
                  f'{db}.autogen.m_1m FROM {db}.autogen.m GROUP BY time(1m) END'},
        {"name": 'cq"two',
         "query": f'CREATE CONTINUOUS QUERY "cq\\"two" ON {db} RESAMPLE EVERY 10m FOR 1h '
                  f'BEGIN SELECT max(v) INTO {db}.autogen.m_5m FROM {db}.autogen.m '
                  f'GROUP BY time(5m) END'},
    ]} in cqs
    client.drop_continuous_query("cq one")
    client.drop_continuous_query('cq"two', database=db)
    remaining = [c for c in client.get_list_continuous_queries() if db in c]
    assert remaining == [{db: []}]
