"""Exact InfluxQL text from influxdb._influxql: quoting, builders, validation, classify()."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from influxdb import _influxql as ql
from influxdb._influxql import QueryInfo, classify, quote_ident, quote_literal
from influxdb.exceptions import InfluxDBArgumentError, InfluxDBArgumentTypeError

# --- quoting -----------------------------------------------------------------------------

QUOTE_IDENT = [
    ("cpu", '"cpu"'),
    ("", '""'),
    ("my db", '"my db"'),
    ('a"b', '"a\\"b"'),
    ("a\\b", '"a\\\\b"'),
    ("a\\", '"a\\\\"'),
    ('\\"', '"\\\\\\""'),
    ("a'b", '"a\'b"'),
    ("a;b", '"a;b"'),
    ("a\nb", '"a\\nb"'),
    ("a\tb", '"a\tb"'),
    ('" OR 1=1 --', '"\\" OR 1=1 --"'),
    ("x\"; DROP DATABASE y; --", '"x\\"; DROP DATABASE y; --"'),
    ("caf\u00e9 \u6e29\u5ea6 \U0001f600", '"caf\u00e9 \u6e29\u5ea6 \U0001f600"'),
    ("\u2028\x7f\x01", '"\u2028\x7f\x01"'),
]


@pytest.mark.parametrize(("value", "expected"), QUOTE_IDENT)
def test_quote_ident(value: str, expected: str) -> None:
    assert quote_ident(value) == expected


QUOTE_LITERAL = [
    ("v", "'v'"),
    ("", "''"),
    ("a'b", "'a\\'b'"),
    ('a"b', "'a\"b'"),
    ("a\\b", "'a\\\\b'"),
    ("a\\", "'a\\\\'"),
    ("a\nb", "'a\\nb'"),  # 5.3.2 left the newline raw: the server refuses that
    ("a\tb", "'a\tb'"),
    ("' OR 1=1 --", "'\\' OR 1=1 --'"),
    ("p\u00e4ss\U0001f511", "'p\u00e4ss\U0001f511'"),
]


@pytest.mark.parametrize(("value", "expected"), QUOTE_LITERAL)
def test_quote_literal(value: str, expected: str) -> None:
    assert quote_literal(value) == expected


UNQUOTABLE = [
    ("a\rb", "a carriage return"),
    ("a\r\nb", "a carriage return"),
    ("a\x00b", "a NUL character"),
    ("a\ud800b", "a lone surrogate (not valid UTF-8)"),
]


@pytest.mark.parametrize("quoter", [quote_ident, quote_literal])
@pytest.mark.parametrize(("value", "what"), UNQUOTABLE)
def test_quoters_refuse_what_influxql_cannot_carry(
    quoter: Callable[..., str], value: str, what: str
) -> None:
    with pytest.raises(ValueError) as info:
        quoter(value)
    assert str(info.value) == f"value contains {what}, which InfluxQL cannot represent"


@pytest.mark.parametrize("quoter", [quote_ident, quote_literal])
@pytest.mark.parametrize(
    ("value", "type_name"), [(None, "NoneType"), (b"x", "bytes"), (1, "int"), (["a"], "list")]
)
def test_quoters_want_str(quoter: Callable[..., str], value: Any, type_name: str) -> None:
    with pytest.raises(TypeError) as info:
        quoter(value)
    assert str(info.value) == f"value must be a str, not {type_name}"


def test_quoters_name_the_callers_parameter() -> None:
    with pytest.raises(TypeError, match=r"^measurement must be a str, not int$"):
        quote_ident(3, param="measurement")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^password contains a carriage return, "):
        quote_literal("x\r", param="password")


def test_error_messages_never_echo_a_password() -> None:
    secret = "hunter2\rhunter2"
    with pytest.raises(ValueError) as info:
        ql.create_user("u", secret)
    assert "hunter2" not in str(info.value)
    with pytest.raises(ValueError) as info:
        ql.set_password("u", secret)
    assert "hunter2" not in str(info.value)
    assert str(info.value) == "password contains a carriage return, which InfluxQL cannot represent"


# --- builders: 5.3.2's exact strings for ordinary input ---------------------------------

Build = Callable[..., str]

ORDINARY: list[tuple[Build, tuple[Any, ...], dict[str, Any], str]] = [
    (ql.show_databases, (), {}, "SHOW DATABASES"),
    (ql.create_database, ("new_db",), {}, 'CREATE DATABASE "new_db"'),
    (ql.drop_database, ("new_db",), {}, 'DROP DATABASE "new_db"'),
    (ql.show_measurements, (), {}, "SHOW MEASUREMENTS"),
    (ql.drop_measurement, ("new_measurement",), {}, 'DROP MEASUREMENT "new_measurement"'),
    (ql.show_series, (), {}, "SHOW SERIES"),
    (ql.show_series, ("cpu",), {}, 'SHOW SERIES FROM "cpu"'),
    (ql.show_series, (None, {"host": "a"}), {}, "SHOW SERIES WHERE \"host\"='a'"),
    (
        ql.show_series,
        ("cpu", {"host": "a", "region": "us"}),
        {},
        "SHOW SERIES FROM \"cpu\" WHERE \"host\"='a' AND \"region\"='us'",
    ),
    (ql.show_series, ("", {}), {}, "SHOW SERIES"),
    (ql.show_series, ("cpu",), {"tags": {"id": 5, "ok": True, "f": 1.5}},
     "SHOW SERIES FROM \"cpu\" WHERE \"id\"='5' AND \"ok\"='True' AND \"f\"='1.5'"),
    (ql.drop_series, ("cpu",), {}, 'DROP SERIES FROM "cpu"'),
    (ql.drop_series, (None, {"host": "a"}), {}, "DROP SERIES WHERE \"host\"='a'"),
    (
        ql.drop_series,
        ("cpu", {"host": "a", "region": "us"}),
        {},
        "DROP SERIES FROM \"cpu\" WHERE \"host\"='a' AND \"region\"='us'",
    ),
    (
        ql.create_retention_policy,
        ("somename", "1d", 4, "db"),
        {},
        'CREATE RETENTION POLICY "somename" ON "db" DURATION 1d REPLICATION 4 '
        "SHARD DURATION 0s",
    ),
    (
        ql.create_retention_policy,
        ("somename", "1d", 4, "db"),
        {"default": True},
        'CREATE RETENTION POLICY "somename" ON "db" DURATION 1d REPLICATION 4 '
        "SHARD DURATION 0s DEFAULT",
    ),
    (
        ql.create_retention_policy,
        ("somename", "INF", "1", "db", False, "1h"),
        {},
        'CREATE RETENTION POLICY "somename" ON "db" DURATION INF REPLICATION 1 '
        "SHARD DURATION 1h",
    ),
    (
        ql.create_retention_policy,
        ("rp", "1h30m", 2, "db"),
        {"default": 1},  # 5.3.2: DEFAULT only for `default is True`
        'CREATE RETENTION POLICY "rp" ON "db" DURATION 1h30m REPLICATION 2 SHARD DURATION 0s',
    ),
    (
        ql.alter_retention_policy,
        ("somename", "db"),
        {"duration": "4d"},
        'ALTER RETENTION POLICY "somename" ON "db" DURATION 4d',
    ),
    (
        ql.alter_retention_policy,
        ("somename", "db"),
        {"replication": 4},
        'ALTER RETENTION POLICY "somename" ON "db" REPLICATION 4',
    ),
    (
        ql.alter_retention_policy,
        ("somename", "db"),
        {"shard_duration": "1h"},
        'ALTER RETENTION POLICY "somename" ON "db" SHARD DURATION 1h',
    ),
    (
        ql.alter_retention_policy,
        ("somename", "db"),
        {"default": True},
        'ALTER RETENTION POLICY "somename" ON "db" DEFAULT',
    ),
    (
        ql.alter_retention_policy,
        ("somename", "db", "inf", "3", True, "52w"),
        {},
        'ALTER RETENTION POLICY "somename" ON "db" DURATION inf SHARD DURATION 52w '
        "REPLICATION 3 DEFAULT",
    ),
    (ql.drop_retention_policy, ("somename", "db"), {},
     'DROP RETENTION POLICY "somename" ON "db"'),
    (ql.show_retention_policies, ("db",), {}, 'SHOW RETENTION POLICIES ON "db"'),
    (ql.show_users, (), {}, "SHOW USERS"),
    (ql.create_user, ("test", "test"), {}, "CREATE USER \"test\" WITH PASSWORD 'test'"),
    (
        ql.create_user,
        ("test", "test"),
        {"admin": True},
        "CREATE USER \"test\" WITH PASSWORD 'test' WITH ALL PRIVILEGES",
    ),
    (ql.create_user, ("test", ""), {}, "CREATE USER \"test\" WITH PASSWORD ''"),
    (ql.drop_user, ("test",), {}, 'DROP USER "test"'),
    (ql.set_password, ("test", "test2"), {}, "SET PASSWORD FOR \"test\" = 'test2'"),
    (ql.grant_admin, ("test",), {}, 'GRANT ALL PRIVILEGES TO "test"'),
    (ql.revoke_admin, ("test",), {}, 'REVOKE ALL PRIVILEGES FROM "test"'),
    (ql.grant_privilege, ("read", "testdb", "test"), {}, 'GRANT read ON "testdb" TO "test"'),
    (ql.grant_privilege, ("WRITE", "testdb", "test"), {}, 'GRANT WRITE ON "testdb" TO "test"'),
    (ql.grant_privilege, ("All", "testdb", "test"), {}, 'GRANT All ON "testdb" TO "test"'),
    (
        ql.grant_privilege,
        ("all privileges", "testdb", "test"),
        {},
        'GRANT all privileges ON "testdb" TO "test"',
    ),
    (ql.revoke_privilege, ("read", "testdb", "test"), {},
     'REVOKE read ON "testdb" FROM "test"'),
    (ql.show_grants, ("test",), {}, 'SHOW GRANTS FOR "test"'),
    # Incomplete but harmless: built as 5.3.2 built them, refused by the server itself
    # (tests/security/test_badinput_apis.py checks its answers).
    (ql.drop_series, (), {}, "DROP SERIES"),
    (ql.drop_series, ("", {}), {}, "DROP SERIES"),
    (ql.alter_retention_policy, ("rp", "db"), {}, 'ALTER RETENTION POLICY "rp" ON "db"'),
    (ql.alter_retention_policy, ("rp", "db"), {"default": False},
     'ALTER RETENTION POLICY "rp" ON "db"'),
    (ql.grant_privilege, ("", "db", "u"), {}, 'GRANT  ON "db" TO "u"'),
    (ql.revoke_privilege, ("", "db", "u"), {}, 'REVOKE  ON "db" FROM "u"'),
    (ql.create_user, ("", "pw"), {}, "CREATE USER \"\" WITH PASSWORD 'pw'"),
    (ql.drop_user, ("",), {}, 'DROP USER ""'),
    (ql.set_password, ("", "pw"), {}, "SET PASSWORD FOR \"\" = 'pw'"),
    (ql.grant_admin, ("",), {}, 'GRANT ALL PRIVILEGES TO ""'),
    (ql.revoke_admin, ("",), {}, 'REVOKE ALL PRIVILEGES FROM ""'),
    (ql.grant_privilege, ("read", "db", ""), {}, 'GRANT read ON "db" TO ""'),
    (ql.show_grants, ("",), {}, 'SHOW GRANTS FOR ""'),
    (ql.show_continuous_queries, (), {}, "SHOW CONTINUOUS QUERIES"),
    (
        ql.create_continuous_query,
        ("cq_name", 'SELECT mean("value") INTO "cpu_mean" FROM "cpu" GROUP BY time(1m)', "db"),
        {},
        'CREATE CONTINUOUS QUERY "cq_name" ON "db" BEGIN SELECT mean("value") INTO "cpu_mean" '
        'FROM "cpu" GROUP BY time(1m) END',
    ),
    (
        ql.create_continuous_query,
        ("cq_name", "select count(v) into o from m group by time(1h)", "db"),
        {"resample_opts": "EVERY 10s FOR 2m"},
        'CREATE CONTINUOUS QUERY "cq_name" ON "db" RESAMPLE EVERY 10s FOR 2m BEGIN '
        "select count(v) into o from m group by time(1h) END",
    ),
    (
        ql.create_continuous_query,
        ("c", "SELECT 1", "db", "every 1h"),
        {},
        'CREATE CONTINUOUS QUERY "c" ON "db" RESAMPLE every 1h BEGIN SELECT 1 END',
    ),
    (
        ql.create_continuous_query,
        ("c", "SELECT 1", "db", "FOR 30m"),
        {},
        'CREATE CONTINUOUS QUERY "c" ON "db" RESAMPLE FOR 30m BEGIN SELECT 1 END',
    ),
    (
        ql.create_continuous_query,
        ("c", "\n  SELECT ';' -- x\n", "db"),
        {},
        'CREATE CONTINUOUS QUERY "c" ON "db" BEGIN \n  SELECT \';\' -- x\n END',
    ),
    (
        ql.create_continuous_query,
        ("c", "SELECT 1 -- note", "db"),
        {},
        'CREATE CONTINUOUS QUERY "c" ON "db" BEGIN SELECT 1 -- note\n END',
    ),
    (
        ql.create_continuous_query,
        ("c", "SELECT '--' /* -- */", "db"),
        {},
        'CREATE CONTINUOUS QUERY "c" ON "db" BEGIN SELECT \'--\' /* -- */ END',
    ),
    (ql.drop_continuous_query, ("cq_name", "db"), {},
     'DROP CONTINUOUS QUERY "cq_name" ON "db"'),
]


@pytest.mark.parametrize(("build", "args", "kwargs", "expected"), ORDINARY)
def test_builders_ordinary(
    build: Build, args: tuple[Any, ...], kwargs: dict[str, Any], expected: str
) -> None:
    assert build(*args, **kwargs) == expected


# --- builders: names that need quoting ---------------------------------------------------

HOSTILE: list[tuple[Build, tuple[Any, ...], str]] = [
    (ql.create_database, ('d"b',), 'CREATE DATABASE "d\\"b"'),
    (ql.create_database, ('x"; DROP DATABASE "y',), 'CREATE DATABASE "x\\"; DROP DATABASE \\"y"'),
    (ql.drop_database, ("a\\b;c",), 'DROP DATABASE "a\\\\b;c"'),
    (ql.drop_measurement, ("m\nx",), 'DROP MEASUREMENT "m\\nx"'),
    (ql.drop_measurement, ('" OR 1=1 --',), 'DROP MEASUREMENT "\\" OR 1=1 --"'),
    (ql.drop_measurement, ("\u00b5 \u6e29\u5ea6",), 'DROP MEASUREMENT "\u00b5 \u6e29\u5ea6"'),
    (
        ql.show_series,
        ('cpu"x', {'h"k': "v'1", "k\\": "a\nb"}),
        "SHOW SERIES FROM \"cpu\\\"x\" WHERE \"h\\\"k\"='v\\'1' AND \"k\\\\\"='a\\nb'",
    ),
    (
        ql.show_series,
        ("cpu", {"host": "' OR 1=1 --"}),
        "SHOW SERIES FROM \"cpu\" WHERE \"host\"='\\' OR 1=1 --'",
    ),
    (
        ql.drop_series,
        ("m;", {"t": "x' OR ''='"}),
        "DROP SERIES FROM \"m;\" WHERE \"t\"='x\\' OR \\'\\'=\\''",
    ),
    (
        ql.create_retention_policy,
        ('r"p', "1d", 1, "d\\b"),
        'CREATE RETENTION POLICY "r\\"p" ON "d\\\\b" DURATION 1d REPLICATION 1 SHARD DURATION 0s',
    ),
    (
        ql.alter_retention_policy,
        ("r p;", "d b", "2d"),
        'ALTER RETENTION POLICY "r p;" ON "d b" DURATION 2d',
    ),
    (ql.drop_retention_policy, ("r\np", 'd"'), 'DROP RETENTION POLICY "r\\np" ON "d\\""'),
    (ql.show_retention_policies, ("\u00e9\"",), 'SHOW RETENTION POLICIES ON "\u00e9\\""'),
    (
        ql.create_user,
        ('u"\\', "p'\\\n\"x"),
        "CREATE USER \"u\\\"\\\\\" WITH PASSWORD 'p\\'\\\\\\n\"x'",
    ),
    (
        ql.create_user,
        ("bob", "x' WITH ALL PRIVILEGES --"),
        "CREATE USER \"bob\" WITH PASSWORD 'x\\' WITH ALL PRIVILEGES --'",
    ),
    (ql.drop_user, ("u;",), 'DROP USER "u;"'),
    (ql.set_password, ('u"', "a'b"), "SET PASSWORD FOR \"u\\\"\" = 'a\\'b'"),
    (ql.grant_admin, ('" OR 1=1 --',), 'GRANT ALL PRIVILEGES TO "\\" OR 1=1 --"'),
    (ql.revoke_admin, ("a\\",), 'REVOKE ALL PRIVILEGES FROM "a\\\\"'),
    (ql.grant_privilege, ("read", "d;b", 'u"'), 'GRANT read ON "d;b" TO "u\\""'),
    (ql.revoke_privilege, ("all", 'd"', "u\n"), 'REVOKE all ON "d\\"" FROM "u\\n"'),
    (ql.show_grants, ("\U0001f600",), 'SHOW GRANTS FOR "\U0001f600"'),
    (
        ql.create_continuous_query,
        ('c"q', "SELECT 1", "d\\b"),
        'CREATE CONTINUOUS QUERY "c\\"q" ON "d\\\\b" BEGIN SELECT 1 END',
    ),
    (ql.drop_continuous_query, ("c;q", "d\nb"), 'DROP CONTINUOUS QUERY "c;q" ON "d\\nb"'),
]


@pytest.mark.parametrize(("build", "args", "expected"), HOSTILE)
def test_builders_quote_hostile_names(build: Build, args: tuple[Any, ...], expected: str) -> None:
    assert build(*args) == expected


# --- validation: bad values raise before anything is sent --------------------------------

DUR_MSG = "must be an InfluxQL duration ('INF' or e.g. '1h30m', '52w'), got "
SHARD_MSG = "shard_duration must be an InfluxQL duration (e.g. '1h30m', '52w'), got "

INVALID: list[tuple[Build, tuple[Any, ...], dict[str, Any], type[Exception], str]] = [
    (ql.create_database, (None,), {}, ValueError, "name is required, got None"),
    (ql.create_database, ("",), {}, ValueError, "name must not be empty"),
    (ql.create_database, (b"db",), {}, TypeError, "name must be a str, not bytes"),
    (ql.drop_database, ("a\rb",), {}, ValueError,
     "name contains a carriage return, which InfluxQL cannot represent"),
    (ql.drop_measurement, (5,), {}, TypeError, "name must be a str, not int"),
    (ql.drop_measurement, ("",), {}, ValueError, "name must not be empty"),
    (ql.show_series, (5,), {}, TypeError, "measurement must be a str, not int"),
    (ql.show_series, ("m", [("k", "v")]), {}, TypeError, "tags must be a dict or None, not list"),
    (ql.show_series, ("m", []), {}, TypeError, "tags must be a dict or None, not list"),
    (ql.show_series, ("m", {1: "v"}), {}, TypeError, "tag key in tags must be a str, not int"),
    (ql.show_series, ("m", {"k": None}), {}, TypeError,
     "tag value in tags must be a str, not NoneType"),
    (ql.show_series, ("m", {"k": "a\x00"}), {}, ValueError,
     "tag value in tags contains a NUL character, which InfluxQL cannot represent"),
    (ql.drop_series, (None, {"k": b"v"}), {}, TypeError,
     "tag value in tags must be a str, not bytes"),
    (ql.create_retention_policy, ("rp", "1d", 1, None), {}, ValueError,
     "database is required, got None"),
    (ql.create_retention_policy, (None, "1d", 1, "db"), {}, ValueError,
     "name is required, got None"),
    (ql.create_retention_policy, ("rp", "1 d", 1, "db"), {}, ValueError,
     "duration " + DUR_MSG + "'1 d'"),
    (ql.create_retention_policy, ("rp", "1H", 1, "db"), {}, ValueError,
     "duration " + DUR_MSG + "'1H'"),
    (ql.create_retention_policy, ("rp", "1.5h", 1, "db"), {}, ValueError,
     "duration " + DUR_MSG + "'1.5h'"),
    (ql.create_retention_policy, ("rp", "-1h", 1, "db"), {}, ValueError,
     "duration " + DUR_MSG + "'-1h'"),
    (ql.create_retention_policy, ("rp", "1h30", 1, "db"), {}, ValueError,
     "duration " + DUR_MSG + "'1h30'"),
    (ql.create_retention_policy, ("rp", "0", 1, "db"), {}, ValueError,
     "duration " + DUR_MSG + "'0'"),
    (ql.create_retention_policy, ("rp", "1y", 1, "db"), {}, ValueError,
     "duration " + DUR_MSG + "'1y'"),
    (ql.create_retention_policy, ("rp", "", 1, "db"), {}, ValueError,
     "duration " + DUR_MSG + "''"),
    (ql.create_retention_policy, ("rp", "1d REPLICATION 1; DROP DATABASE x", 1, "db"), {},
     ValueError, "duration " + DUR_MSG + "'1d REPLICATION 1; DROP DATABASE x'"),
    (ql.create_retention_policy, ("rp", 3600, 1, "db"), {}, TypeError,
     "duration must be a str such as '1h30m', not int"),
    (ql.create_retention_policy, ("rp", "2562048h", 1, "db"), {}, ValueError,
     "duration is too long for InfluxDB (at most 2562047h), got '2562048h'"),
    (ql.create_retention_policy, ("rp", "1d", 0, "db"), {}, ValueError,
     "replication must be between 1 and 2147483647, got 0"),
    (ql.create_retention_policy, ("rp", "1d", -1, "db"), {}, ValueError,
     "replication must be between 1 and 2147483647, got -1"),
    (ql.create_retention_policy, ("rp", "1d", 2**31, "db"), {}, ValueError,
     "replication must be between 1 and 2147483647, got 2147483648"),
    (ql.create_retention_policy, ("rp", "1d", "0", "db"), {}, ValueError,
     "replication must be between 1 and 2147483647, got 0"),
    (ql.create_retention_policy, ("rp", "1d", "1 DEFAULT", "db"), {}, TypeError,
     "replication must be a positive int, not str"),
    (ql.create_retention_policy, ("rp", "1d", True, "db"), {}, TypeError,
     "replication must be a positive int, not bool"),
    (ql.create_retention_policy, ("rp", "1d", 1.0, "db"), {}, TypeError,
     "replication must be a positive int, not float"),
    (ql.create_retention_policy, ("rp", "1d", 1, "db"), {"shard_duration": "INF"}, ValueError,
     SHARD_MSG + "'INF'"),
    (ql.create_retention_policy, ("rp", "1d", 1, "db"), {"shard_duration": None}, TypeError,
     "shard_duration must be a str such as '1h30m', not NoneType"),
    (ql.alter_retention_policy, ("rp", None), {"duration": "1d"}, ValueError,
     "database is required, got None"),
    (ql.alter_retention_policy, ("rp", "db"), {"duration": "1 week"}, ValueError,
     "duration " + DUR_MSG + "'1 week'"),
    (ql.alter_retention_policy, ("rp", "db"), {"replication": 0}, ValueError,
     "replication must be between 1 and 2147483647, got 0"),
    (ql.alter_retention_policy, ("rp", "db"), {"shard_duration": "inf"}, ValueError,
     SHARD_MSG + "'inf'"),
    (ql.drop_retention_policy, ("rp", None), {}, ValueError, "database is required, got None"),
    (ql.show_retention_policies, (None,), {}, ValueError, "database is required, got None"),
    (ql.show_retention_policies, ("",), {}, ValueError, "database must not be empty"),
    (ql.create_user, (None, "p"), {}, ValueError, "username is required, got None"),
    (ql.create_user, ("u", None), {}, TypeError, "password must be a str, not NoneType"),
    (ql.create_user, ("u", "a\x00"), {}, ValueError,
     "password contains a NUL character, which InfluxQL cannot represent"),
    (ql.set_password, ("u", 1234), {}, TypeError, "password must be a str, not int"),
    (ql.drop_user, (None,), {}, ValueError, "username is required, got None"),
    (ql.create_user, (5, "p"), {}, TypeError, "username must be a str, not int"),
    (ql.grant_privilege, (" ", "db", "u"), {}, ValueError,
     "privilege must be one of 'read', 'write', 'all', got ' '"),
    (ql.grant_privilege, ("readonly", "db", "u"), {}, ValueError,
     "privilege must be one of 'read', 'write', 'all', got 'readonly'"),
    (ql.grant_privilege, ("read", "", "u"), {}, ValueError, "database must not be empty"),
    (ql.grant_admin, (None,), {}, ValueError, "username is required, got None"),
    (ql.grant_privilege, ("admin", "db", "u"), {}, ValueError,
     "privilege must be one of 'read', 'write', 'all', got 'admin'"),
    (ql.grant_privilege, ("read ON x TO y; --", "db", "u"), {}, ValueError,
     "privilege must be one of 'read', 'write', 'all', got 'read ON x TO y; --'"),
    (ql.grant_privilege, (None, "db", "u"), {}, TypeError,
     "privilege must be a str, not NoneType"),
    (ql.grant_privilege, ("read", None, "u"), {}, ValueError, "database is required, got None"),
    (ql.revoke_privilege, ("writes", "db", "u"), {}, ValueError,
     "privilege must be one of 'read', 'write', 'all', got 'writes'"),
    (ql.show_grants, (None,), {}, ValueError, "username is required, got None"),
    (ql.create_continuous_query, ("c", "SELECT 1", None), {}, ValueError,
     "database is required, got None"),
    (ql.create_continuous_query, ("c", "SELECT 1; DROP DATABASE x", "db"), {}, ValueError,
     "select must be a single SELECT statement"),
    (ql.create_continuous_query, ("c", "SELECT 1;", "db"), {}, ValueError,
     "select must be a single SELECT statement"),
    (ql.create_continuous_query, ("c", "DROP DATABASE x", "db"), {}, ValueError,
     "select must be a single SELECT statement"),
    (ql.create_continuous_query, ("c", "", "db"), {}, ValueError,
     "select must be a single SELECT statement"),
    (ql.create_continuous_query, ("c", None, "db"), {}, TypeError,
     "select must be a str, not NoneType"),
    (ql.create_continuous_query, ("c", "SELECT 1", "db", "EVERY"), {}, ValueError,
     "resample_opts must be 'EVERY <duration>', 'FOR <duration>' or both, got 'EVERY'"),
    (ql.create_continuous_query, ("c", "SELECT 1", "db", "FOR 1h EVERY 1m"), {}, ValueError,
     "resample_opts must be 'EVERY <duration>', 'FOR <duration>' or both, "
     "got 'FOR 1h EVERY 1m'"),
    (ql.create_continuous_query, ("c", "SELECT 1", "db", ""), {}, ValueError,
     "resample_opts must be 'EVERY <duration>', 'FOR <duration>' or both, got ''"),
    (ql.create_continuous_query, ("c", "SELECT 1", "db", "EVERY 1h BEGIN"), {}, ValueError,
     "resample_opts must be 'EVERY <duration>', 'FOR <duration>' or both, "
     "got 'EVERY 1h BEGIN'"),
    (ql.create_continuous_query, ("c", "SELECT 1", "db", "EVERY INF"), {}, ValueError,
     "resample_opts must be an InfluxQL duration (e.g. '1h30m', '52w'), got 'INF'"),
    (ql.create_continuous_query, ("c", "SELECT 1", "db", "EVERY 1h FOR 2x"), {}, ValueError,
     "resample_opts must be an InfluxQL duration (e.g. '1h30m', '52w'), got '2x'"),
    (ql.create_continuous_query, ("c", "SELECT 1", "db", 10), {}, TypeError,
     "resample_opts must be a str, not int"),
    (ql.drop_continuous_query, ("c", None), {}, ValueError, "database is required, got None"),
]


@pytest.mark.parametrize(("build", "args", "kwargs", "exc", "message"), INVALID)
def test_builders_validate(
    build: Build,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    exc: type[Exception],
    message: str,
) -> None:
    with pytest.raises(exc) as info:
        build(*args, **kwargs)
    # The package's own classes, still the ValueError / TypeError callers catch.
    expected = {ValueError: InfluxDBArgumentError, TypeError: InfluxDBArgumentTypeError}[exc]
    assert type(info.value) is expected
    assert str(info.value) == message


@pytest.mark.parametrize(
    "duration",
    ["INF", "inf", "Inf", "0s", "1ns", "1u", "1\u00b5", "1ms", "1s", "1m", "1h", "1d", "52w",
     "1h30m", "1m30s5ms", "01h", "2562047h", "9223372036854775807ns"],
)
def test_durations_accepted(duration: str) -> None:
    assert ql.create_retention_policy("rp", duration, 1, "db").endswith(
        f" DURATION {duration} REPLICATION 1 SHARD DURATION 0s"
    )


@pytest.mark.parametrize("resample", ["EVERY 1h", "for 2h", "Every\t1h\nFor 2h", " EVERY 1m "])
def test_resample_forms_accepted(resample: str) -> None:
    assert ql.create_continuous_query("c", "SELECT 1", "db", resample) == (
        f'CREATE CONTINUOUS QUERY "c" ON "db" RESAMPLE {resample} BEGIN SELECT 1 END'
    )


# --- classify ------------------------------------------------------------------------------

CLASSIFY: list[tuple[str, bool, bool, tuple[str, ...]]] = [
    ("SELECT * FROM cpu", False, False, ("SELECT",)),
    ("select * from cpu", False, False, ("SELECT",)),
    ("SHOW DATABASES", False, False, ("SHOW",)),
    ("EXPLAIN SELECT * FROM m", False, False, ("EXPLAIN",)),
    ("explain analyze select * from m", False, False, ("EXPLAIN",)),
    ("  \n\t SELECT 1", False, False, ("SELECT",)),
    ("\r\nshow users", False, False, ("SHOW",)),
    ("", False, False, ()),
    ("  ;; ", False, False, ()),
    ("-- only a comment", False, False, ()),
    ("CREATE DATABASE db", True, False, ("CREATE",)),
    ("drop measurement m", True, False, ("DROP",)),
    ("  \n\tDROP DATABASE x", True, False, ("DROP",)),
    ("DELETE FROM m WHERE time < now()", True, False, ("DELETE",)),
    ("ALTER RETENTION POLICY rp ON db DEFAULT", True, False, ("ALTER",)),
    ("GRANT ALL PRIVILEGES TO u", True, False, ("GRANT",)),
    ("KILL QUERY 36", True, False, ("KILL",)),
    ("SELECT * INTO m2 FROM m", True, False, ("SELECT",)),
    ("select mean(v) into m2 from m", True, False, ("SELECT",)),
    ("SELECT *\nINTO m2 FROM m", True, False, ("SELECT",)),
    ("SELECT *\tINTO\tm2 FROM m", True, False, ("SELECT",)),
    ("SELECT * INTO\"m2\" FROM m", True, False, ("SELECT",)),
    ("SELECT */*x*/INTO m2 FROM m", True, False, ("SELECT",)),
    ('SELECT "into" FROM m', False, False, ("SELECT",)),
    ("SELECT * FROM m WHERE t = 'x INTO y'", False, False, ("SELECT",)),
    ("SELECT * FROM m -- INTO m2", False, False, ("SELECT",)),
    ("SELECT * FROM m /* INTO m2 */", False, False, ("SELECT",)),
    ("SELECT intox FROM m", False, False, ("SELECT",)),
    ("SELECT x_into FROM m", False, False, ("SELECT",)),
    ("-- comment\nDROP DATABASE x", True, False, ("DROP",)),
    ("/* SELECT */ DROP DATABASE x", True, False, ("DROP",)),
    ("/* multi\nline */\n  select 1", False, False, ("SELECT",)),
    ("SHOW DATABASES; DROP DATABASE x", True, False, ("SHOW", "DROP")),
    ("SELECT 1;SELECT 2", False, False, ("SELECT", "SELECT")),
    ("SELECT 'a;DROP DATABASE x'", False, False, ("SELECT",)),
    ('SELECT "a;DROP DATABASE x" FROM m', False, False, ("SELECT",)),
    ("SELECT 'it\\'s; DROP x'", False, False, ("SELECT",)),
    ("SELECT * FROM m WHERE h =~ /a;b/", False, False, ("SELECT",)),
    ("SELECT * FROM m WHERE h =~ /'/ ; DROP DATABASE x", True, False, ("SELECT", "DROP")),
    ("SELECT * FROM m WHERE h !~ /\\/;x/", False, False, ("SELECT",)),
    ("SELECT a / b FROM m; DROP DATABASE x", True, False, ("SELECT", "DROP")),
    ("SELECT 'unterminated; DROP DATABASE x", False, False, ("SELECT",)),
    ('"quoted" something', True, False, ("",)),
    ("(SELECT 1)", True, False, ("",)),
    ("CREATE USER u WITH PASSWORD 'p'", True, True, ("CREATE",)),
    ("create user u with password 'p' with all privileges", True, True, ("CREATE",)),
    ("\n  CREATE\tUSER \"u\" WITH PASSWORD 'p'", True, True, ("CREATE",)),
    ("CREATE /* x */ USER u WITH PASSWORD 'p'", True, True, ("CREATE",)),
    ("SET PASSWORD FOR u = 'p'", True, True, ("SET",)),
    ("set password for \"u\" = 'p'", True, True, ("SET",)),
    ("SHOW USERS; SET PASSWORD FOR u = 'p'", True, True, ("SHOW", "SET")),
    ("CREATE DATABASE password", True, False, ("CREATE",)),
    ("SELECT password FROM users", False, False, ("SELECT",)),
    ("SELECT * FROM m WHERE t = 'CREATE USER'", False, False, ("SELECT",)),
    ("DROP USER u", True, False, ("DROP",)),
]


@pytest.mark.parametrize(("query", "changes", "secret", "keywords"), CLASSIFY)
def test_classify(query: str, changes: bool, secret: bool, keywords: tuple[str, ...]) -> None:
    assert classify(query) == QueryInfo(changes, secret, keywords)


def test_classify_builder_output() -> None:
    assert classify(ql.create_user("u", "p'; --")).carries_secret is True
    assert classify(ql.set_password("u", "x")).carries_secret is True
    assert classify(ql.show_series("m;", {"k": "DROP"})) == QueryInfo(False, False, ("SHOW",))
    assert classify(ql.create_continuous_query("c", "SELECT 1", "d")).changes_state is True


def test_classify_wants_str() -> None:
    with pytest.raises(TypeError, match=r"^query must be a str, not bytes$"):
        classify(b"SELECT 1")  # type: ignore[arg-type]


def test_query_info_is_frozen() -> None:
    info = classify("SELECT 1")
    with pytest.raises(AttributeError):
        info.changes_state = True  # type: ignore[misc]


def test_classify_is_linear_on_long_queries() -> None:
    # A 2 MB query (the client POSTs long ones) must classify quickly.
    query = "SELECT " + ", ".join(f'"f{i}" / 2 AS "x"' for i in range(100_000)) + " FROM m"
    assert classify(query) == QueryInfo(False, False, ("SELECT",))
