"""InfluxDBClient against a real influxd: writes, queries, UDP, errors."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
import requests

from influxdb import InfluxDBClient
from influxdb.exceptions import (
    InfluxDBClientError,
    InfluxDBDatabaseNotFoundError,
    InfluxDBFieldTypeConflictError,
    InfluxDBInvalidPointError,
    InfluxDBQueryError,
    InfluxDBWriteError,
)
from influxdb.resultset import ResultSet

pytestmark = pytest.mark.server


class RecordingSession(requests.Session):
    """A real session that remembers every request's keyword arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.calls.append({"method": method, "url": url, **kwargs})
        return super().request(method, url, *args, **kwargs)


def points_of(client: InfluxDBClient, q: str, **kw: Any) -> list[dict[str, Any]]:
    return list(client.query(q, **kw).get_points())


def test_ping_returns_server_version(client: InfluxDBClient) -> None:
    assert client.ping() == "1.6.7~rc0"


def test_write_points_round_trip_exact(client: InfluxDBClient) -> None:
    points = [
        {"measurement": "cpu load", "tags": {"host": "server,01", "region": "us=west"},
         "time": "2009-11-10T23:00:00.123456789Z",
         "fields": {"value": 0.64, "count": 3, "ok": True, "note": 'say "hi" \\ bye'}},
        {"measurement": "cpu load", "tags": {"host": "sérveur 02", "region": "eu"},
         "time": dt.datetime(2009, 11, 10, 23, 0, 1, tzinfo=dt.timezone.utc),
         "fields": {"value": 1.5, "count": -7, "ok": False, "note": "ünïcode ✓"}},
    ]
    assert client.write_points(points) is True
    got = points_of(client, 'SELECT * FROM "cpu load" ORDER BY time')
    assert got == [
        {"time": "2009-11-10T23:00:00.123456789Z", "count": 3, "host": "server,01",
         "note": 'say "hi" \\ bye', "ok": True, "region": "us=west", "value": 0.64},
        {"time": "2009-11-10T23:00:01Z", "count": -7, "host": "sérveur 02",
         "note": "ünïcode ✓", "ok": False, "region": "eu", "value": 1.5},
    ]
    # The count field is an integer on the server, not a float.
    keys = points_of(client, 'SHOW FIELD KEYS FROM "cpu load"')
    assert {k["fieldKey"]: k["fieldType"] for k in keys} == {
        "count": "integer", "note": "string", "ok": "boolean", "value": "float"}


def test_msgpack_and_json_answers_give_identical_results(client: InfluxDBClient) -> None:
    client.write_points([
        {"measurement": "m", "time": t, "fields": {"v": i}}
        for i, t in enumerate([1, 10, 1_000_000_000, 1_500_000_000_123_456_789,
                               -1_000_000_001, 1_234_567_890_000])
    ])
    json_client = InfluxDBClient(client._host, client._port, database=client._database,
                                 headers={"Accept": "application/json"})
    q = "SELECT v FROM m"
    assert points_of(client, q) == points_of(json_client, q)
    assert [p["time"] for p in points_of(client, q)] == [
        "1969-12-31T23:59:58.999999999Z", "1970-01-01T00:00:00.000000001Z",
        "1970-01-01T00:00:00.00000001Z", "1970-01-01T00:00:01Z",
        "1970-01-01T00:20:34.56789Z", "2017-07-14T02:40:00.123456789Z"]


@pytest.mark.parametrize(
    "precision,value,epoch_ns",
    [
        ("s", 1_500_000_000, 1_500_000_000 * 10**9),
        ("ms", 1_500_000_000_123, 1_500_000_000_123 * 10**6),
        ("u", 1_500_000_000_123_456, 1_500_000_000_123_456 * 10**3),
        ("n", 1_500_000_000_123_456_789, 1_500_000_000_123_456_789),
        ("m", 25_000_000, 25_000_000 * 60 * 10**9),
        ("h", 416_666, 416_666 * 3600 * 10**9),
    ],
)
def test_integer_times_are_taken_in_the_given_precision(
        client: InfluxDBClient, precision: str, value: int, epoch_ns: int) -> None:
    client.write_points([{"measurement": "p", "time": value, "fields": {"v": 1}}],
                        time_precision=precision)
    assert points_of(client, "SELECT v FROM p", epoch="ns") == [{"time": epoch_ns, "v": 1}]


def test_datetimes_are_floored_to_a_coarser_precision(client: InfluxDBClient) -> None:
    t = dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=dt.timezone.utc)
    client.write_points([{"measurement": "f", "time": t, "fields": {"v": 1}}],
                        time_precision="s")
    assert points_of(client, "SELECT v FROM f", epoch="s") == [{"time": -1, "v": 1}]


def test_write_points_batches_a_generator(client: InfluxDBClient) -> None:
    session = RecordingSession()
    cli = InfluxDBClient(client._host, client._port, database=client._database,
                         session=session)
    gen = ({"measurement": "b", "time": i, "fields": {"v": i}} for i in range(2500))
    assert cli.write_points(gen, batch_size=1000) is True
    writes = [c for c in session.calls if c["url"].endswith("/write")]
    assert len(writes) == 3
    assert [c["data"].count(b"\n") for c in writes] == [1000, 1000, 500]
    assert points_of(client, "SELECT count(v), sum(v) FROM b") == [
        {"time": "1970-01-01T00:00:00Z", "count": 2500, "sum": sum(range(2500))}]


def test_bad_point_in_a_later_batch_sends_nothing(client: InfluxDBClient) -> None:
    session = RecordingSession()
    cli = InfluxDBClient(client._host, client._port, database=client._database,
                         session=session)
    points: list[dict[str, Any]] = [{"measurement": "x", "fields": {"v": i}} for i in range(10)]
    points.append({"measurement": "x", "fields": {"v": float("inf")}})
    with pytest.raises(InfluxDBInvalidPointError) as info:
        cli.write_points(points, batch_size=3)
    assert "point 1" in str(info.value) or "point 10" in str(info.value)
    assert "'v'" in str(info.value)
    assert session.calls == []
    assert points_of(client, "SELECT count(v) FROM x") == []


def test_line_protocol_and_low_level_write(client: InfluxDBClient) -> None:
    client.write_points(["l,t=a v=1i 1", "l,t=b v=2i 2"], protocol="line")
    client.write("l,t=c v=3i 3", params={"db": client._database}, protocol="line")
    client.write({"points": [{"measurement": "l", "tags": {"t": "d"}, "fields": {"v": 4},
                              "time": 4}]},
                 params={"db": client._database, "precision": "n"})
    assert points_of(client, "SELECT t, v FROM l", epoch="ns") == [
        {"time": 1, "t": "a", "v": 1}, {"time": 2, "t": "b", "v": 2},
        {"time": 3, "t": "c", "v": 3}, {"time": 4, "t": "d", "v": 4}]


def test_query_shapes(client: InfluxDBClient) -> None:
    client.write_points([{"measurement": "s", "time": 1, "fields": {"v": 1}}])
    one = client.query("SELECT v FROM s")
    assert isinstance(one, ResultSet)
    several = client.query("SELECT v FROM s; SELECT v FROM s WHERE v > 5")
    assert isinstance(several, list) and len(several) == 2
    assert [len(r) for r in several] == [1, 0]


def test_statement_error_raises_typed_client_error(client: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBQueryError) as info:
        client.query("SELECT FROM")
    assert info.value.code == 400
    rs = client.query("SELECT v FROM s", database="no_such_db_x", raise_errors=False)
    assert rs.error == "database not found: no_such_db_x"
    with pytest.raises(InfluxDBDatabaseNotFoundError) as info2:
        client.query("SELECT v FROM s", database="no_such_db_x")
    assert info2.value.code is None
    assert str(info2.value) == "database not found: no_such_db_x"


def test_bind_params_are_never_interpreted(client: InfluxDBClient) -> None:
    hostile = "a' OR 1=1 --\"; DROP DATABASE x"
    client.write_points([
        {"measurement": "h", "tags": {"t": hostile}, "fields": {"v": 1}, "time": 1},
        {"measurement": "h", "tags": {"t": "other"}, "fields": {"v": 2}, "time": 2},
    ])
    got = points_of(client, "SELECT v FROM h WHERE t = $t", bind_params={"t": hostile})
    assert got == [{"time": "1970-01-01T00:00:00.000000001Z", "v": 1}]
    params = {"params": '{"x": 1}'}
    client.query("SELECT v FROM h WHERE t = $t", params=params, bind_params={"t": "other"})
    assert params == {"params": '{"x": 1}'}  # never modified


def test_chunked_query_streams_resultsets(client: InfluxDBClient) -> None:
    n = 120_000
    lines = [f"c v={i}i {i}" for i in range(n)]
    client.write_points(lines, protocol="line", batch_size=20_000)
    for accept in ("application/x-msgpack", "application/json"):
        cli = InfluxDBClient(client._host, client._port, database=client._database,
                             headers={"Accept": accept})
        chunks = cli.query("SELECT v FROM c", chunked=True, chunk_size=10_000, epoch="ns")
        assert not isinstance(chunks, (list, ResultSet))
        total = 0
        count = 0
        expected = 0
        for rs in chunks:
            count += 1
            for p in rs.get_points():
                assert p == {"time": expected, "v": expected}
                expected += 1
            total += sum(1 for _ in rs.get_points())
        assert (total, count) == (n, 12)


def test_chunked_query_raises_statement_error(client: InfluxDBClient) -> None:
    with pytest.raises(InfluxDBDatabaseNotFoundError):
        list(client.query("SELECT v FROM c", database="nope_db", chunked=True))


def test_field_type_conflict_is_typed(client: InfluxDBClient) -> None:
    client.write_points([{"measurement": "t", "fields": {"v": 1}, "time": 1}])
    with pytest.raises(InfluxDBFieldTypeConflictError) as info:
        client.write_points([{"measurement": "t", "fields": {"v": "text"}, "time": 2}])
    assert info.value.code == 400
    assert isinstance(info.value, InfluxDBWriteError)
    assert "field type conflict" in info.value.content


def test_write_to_missing_database(client: InfluxDBClient, influxd: Any) -> None:
    with pytest.raises(InfluxDBDatabaseNotFoundError) as info:
        client.write_points([{"measurement": "m", "fields": {"v": 1}}], database="missing_db")
    assert info.value.code == 404
    auto = InfluxDBClient(influxd.host, influxd.http_port, database="autocreated_db",
                          create_database_if_missing=True)
    try:
        auto.write_point("m", {"v": 1}, time=5)
        assert points_of(auto, "SELECT v FROM m", epoch="ns") == [{"time": 5, "v": 1}]
    finally:
        auto.drop_database("autocreated_db")


def test_state_changes_go_by_post_and_passwords_never_in_urls(client: InfluxDBClient) -> None:
    session = RecordingSession()
    cli = InfluxDBClient(client._host, client._port, database=client._database,
                         session=session)
    cli.create_user("bob", "s3cr3t-pw")
    cli.set_user_password("bob", "n3w-s3cr3t")
    cli.create_continuous_query("cq", 'SELECT mean(v) INTO "m2" FROM "m" GROUP BY time(1m)')
    cli.drop_continuous_query("cq")
    cli.query("  \n select mean(v) into \"m3\" from m")
    cli.get_list_users()
    cli.drop_user("bob")
    methods = [(c["method"], (c.get("params") or {}).get("q", "<body>")) for c in session.calls]
    assert methods == [
        ("POST", "<body>"),
        ("POST", "<body>"),
        ("POST", f'CREATE CONTINUOUS QUERY "cq" ON "{client._database}" BEGIN '
                 'SELECT mean(v) INTO "m2" FROM "m" GROUP BY time(1m) END'),
        ("POST", f'DROP CONTINUOUS QUERY "cq" ON "{client._database}"'),
        ("POST", '  \n select mean(v) into "m3" from m'),
        ("GET", "SHOW USERS"),
        ("POST", 'DROP USER "bob"'),
    ]
    for call in session.calls:
        assert "s3cr3t" not in call["url"] and "s3cr3t" not in str(call.get("params"))


def test_gzip_round_trip(client: InfluxDBClient) -> None:
    cli = InfluxDBClient(client._host, client._port, database=client._database, gzip=True)
    cli.write_points([{"measurement": "g", "fields": {"v": i}, "time": i} for i in range(100)])
    assert len(points_of(cli, "SELECT v FROM g")) == 100
    assert "Content-Encoding" not in cli._headers


def test_udp_points_arrive(influxd: Any) -> None:
    influxd.admin_query(f'CREATE DATABASE "{influxd.udp_database}"')
    big = [{"measurement": "udp", "tags": {"k": "x" * 100}, "fields": {"v": i}, "time": i}
           for i in range(800)]  # ~100 KB: two datagrams, within a default receive buffer
    with InfluxDBClient(influxd.host, influxd.http_port, use_udp=True,
                        udp_port=influxd.udp_port, database=influxd.udp_database) as cli:
        cli.write_points(big)
        cli.send_packet("udp_line v=1i 7", protocol="line")
    reader = InfluxDBClient(influxd.host, influxd.http_port, database=influxd.udp_database)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        counts = points_of(reader, "SELECT count(v) FROM udp")
        lines = points_of(reader, "SELECT v FROM udp_line", epoch="ns")
        if counts and counts[0]["count"] == 800 and lines:
            break
        time.sleep(0.1)
    assert counts == [{"time": "1970-01-01T00:00:00Z", "count": 800}]
    assert lines == [{"time": 7, "v": 1}]


def test_from_dsn_against_server(client: InfluxDBClient, influxd: Any) -> None:
    cli = InfluxDBClient.from_dsn(f"influxdb://u%40x:p%3Aw@{influxd.host}:{influxd.http_port}/"
                                  f"{client._database}")
    assert (cli._username, cli._password, cli._database) == ("u@x", "p:w", client._database)
    assert cli.ping() == "1.6.7~rc0"


def test_authentication_and_authorization_errors(influxd_auth: Any) -> None:
    from influxdb.exceptions import InfluxDBAuthenticationError, InfluxDBAuthorizationError

    admin = InfluxDBClient(influxd_auth.host, influxd_auth.http_port,
                           influxd_auth.admin_user, influxd_auth.admin_password)
    admin.create_database("authdb")
    admin.create_user("reader", "pässwörd ✓")
    admin.grant_privilege("read", "authdb", "reader")
    try:
        bad = InfluxDBClient(influxd_auth.host, influxd_auth.http_port, "reader", "wrong",
                             database="authdb")
        with pytest.raises(InfluxDBAuthenticationError) as info:
            bad.query("SELECT * FROM m")
        assert info.value.code == 401
        reader = InfluxDBClient(influxd_auth.host, influxd_auth.http_port, "reader",
                                "pässwörd ✓", database="authdb")
        assert reader.query("SELECT * FROM m").raw == {"statement_id": 0}
        with pytest.raises(InfluxDBAuthorizationError) as info2:
            reader.write_points([{"measurement": "m", "fields": {"v": 1}}])
        assert info2.value.code == 403
        with pytest.raises(InfluxDBClientError):
            reader.create_database("forbidden")
        nobody = InfluxDBClient(influxd_auth.host, influxd_auth.http_port, None, None)
        with pytest.raises(InfluxDBAuthenticationError):
            nobody.get_list_database()
    finally:
        admin.drop_user("reader")
        admin.drop_database("authdb")


def test_write_points_takes_points_dataclasses_and_named_tuples(client: InfluxDBClient) -> None:
    import dataclasses
    from typing import NamedTuple

    from influxdb import Point

    @dataclasses.dataclass
    class Reading:
        sensor: str
        temperature: float
        at: int

    class Sample(NamedTuple):
        kind: str
        sensor: str
        value: int
        at: int

    client.write_points([Reading("s1", 21.5, 1), Reading("s2", 22.0, 2)],
                        record_measurement="reading", record_tag_keys=["sensor"],
                        record_field_keys=["temperature"], record_time_key="at",
                        time_precision="s")
    client.write_points([Sample("sample", "s3", 7, 3)], record_measurement_key="kind",
                        record_tag_keys=["sensor"], record_field_keys=["value"],
                        record_time_key="at", time_precision="s")
    client.write_points([Point("point").tag("sensor", "s4").field("value", 8).time(4, "s"),
                         {"measurement": "point", "tags": {"sensor": "s5"},
                          "fields": {"value": 9}, "time": 5_000_000_000},
                         "point,sensor=s6 value=10i 6000000000"])
    assert points_of(client, "SELECT * FROM reading", epoch="s") == [
        {"time": 1, "sensor": "s1", "temperature": 21.5},
        {"time": 2, "sensor": "s2", "temperature": 22.0}]
    assert points_of(client, "SELECT * FROM sample", epoch="s") == [
        {"time": 3, "sensor": "s3", "value": 7}]
    assert points_of(client, "SELECT * FROM point", epoch="s") == [
        {"time": 4, "sensor": "s4", "value": 8}, {"time": 5, "sensor": "s5", "value": 9},
        {"time": 6, "sensor": "s6", "value": 10}]
