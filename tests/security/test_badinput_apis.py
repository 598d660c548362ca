"""Bad input to the batching writer, sessions, ``SeriesHelper``, ``query`` and the admin helpers.

Same rules as ``test_badinput_points.py``: the stated exception, a message naming what is
wrong, nothing sent (the session saw no request), nothing stored.  For the writer and
sessions the good points of the refused call are not buffered either: closing or committing
afterwards sends nothing.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from typing import Any, Callable
from urllib.parse import parse_qs

import pytest

from influxdb import InfluxDBClient
from influxdb.exceptions import (
    InfluxDBArgumentError,
    InfluxDBClientError,
    InfluxDBInvalidPointError,
)
from influxdb.helper import SeriesHelper
from tests.security.test_badinput_points import (
    GOOD_A,
    GOOD_B,
    T0,
    Bad,
    around,
    assert_ours,
    bad_point,
)

pytestmark = pytest.mark.server

INVALID = InfluxDBInvalidPointError


def with_writer(action: Callable[[Any], object], **options: Any) -> Callable[[InfluxDBClient],
                                                                              object]:
    def call(client: InfluxDBClient) -> object:
        writer = client.batch_writer(flush_interval=None, **options)
        try:
            return action(writer)
        finally:
            writer.close(timeout=10)
            assert writer.stats.points_written == 0
            assert writer.failed == []
    return call


def with_session(action: Callable[[Any], object]) -> Callable[[InfluxDBClient], object]:
    def call(client: InfluxDBClient) -> object:
        with client.session() as session:
            try:
                return action(session)
            finally:
                assert session.pending == 0
    return call


@dataclasses.dataclass
class Reading:
    room: str
    celsius: float
    at: int


WRITER_CASES = [
    Bad("writer-field-inf",
        with_writer(lambda w: w.write(around(bad_point(fields={"v": math.inf})))), INVALID,
        r"^point 1 \(measurement 'bad'\): field 'v' is inf"),
    Bad("writer-no-fields", with_writer(lambda w: w.write(around(bad_point(fields={})))),
        INVALID, r"^point 1 \(measurement 'bad'\): no fields"),
    Bad("writer-tag-newline",
        with_writer(lambda w: w.write(around(bad_point(tags={"k": "a\nb"})))), INVALID,
        r"^point 1 \(measurement 'bad'\): tag 'k' value 'a\\nb' contains a newline"),
    Bad("writer-write-precision", with_writer(lambda w: w.write(around(GOOD_A),
                                                                time_precision="sec")),
        INVALID, r"^Invalid time_precision 'sec' \(use 'n', 'u', 'ms', 's', 'm' or 'h'\)$"),
    Bad("writer-write-consistency", with_writer(lambda w: w.write([GOOD_A], consistency="x")),
        INVALID, r"^Invalid consistency: x$"),
    Bad("writer-write-protocol", with_writer(lambda w: w.write([GOOD_A], protocol="csv")),
        INVALID, r"^Invalid protocol 'csv'"),
    Bad("writer-write-tags-not-a-dict", with_writer(lambda w: w.write([GOOD_A], tags=["k"])),
        INVALID, r"^tags must be a dict with str keys, got \['k'\]$"),
    Bad("writer-write-unknown-keyword",
        with_writer(lambda w: w.write([GOOD_A], precision="s")), TypeError,
        r"write\(\) got an unexpected keyword argument 'precision'"),
    Bad("writer-record-missing-attribute",
        with_writer(lambda w: w.write([Reading("a", 20.5, T0), Reading("b", 21.0, T0 + 1)],
                                      record_measurement="rooms", record_tag_keys=["room"],
                                      record_field_keys=["celsius", "humidity"],
                                      record_time_key="at")),
        INVALID, r"humidity"),
    Bad("writer-record-tag-keys-as-str",
        with_writer(lambda w: w.write([Reading("a", 20.5, T0)], record_measurement="rooms",
                                      record_tag_keys="room")),
        INVALID, r"^record_tag_keys / record_field_keys must be lists of names, not one str$"),
    Bad("writer-option-precision", lambda c: c.batch_writer(time_precision="sec"), INVALID,
        r"^Invalid time_precision 'sec'"),
    Bad("writer-option-batch-size-zero", lambda c: c.batch_writer(batch_size=0), ValueError,
        r"^batch_size must be an int >= 1, got 0$"),
    Bad("writer-option-overflow", lambda c: c.batch_writer(overflow="drop"), ValueError,
        r"^overflow must be 'block' or 'raise', got 'drop'$"),
    Bad("writer-option-max-buffer", lambda c: c.batch_writer(batch_size=100, max_buffer=10),
        ValueError, r"^max_buffer must be an int >= batch_size \(100\), got 10$"),
    Bad("writer-option-unknown-keyword", lambda c: c.batch_writer(flush_every=1), TypeError,
        r"got an unexpected keyword argument 'flush_every'"),
    Bad("writer-no-database",
        lambda c: with_writer(lambda w: w.write([GOOD_A]))(
            InfluxDBClient(c._host, c._port, session=c._session)),
        INVALID, r"^no database to write to: pass database="),
    Bad("session-field-nan-only",
        with_session(lambda s: s.write(around(bad_point(fields={"v": math.nan})))), INVALID,
        r"^point 1 \(measurement 'bad'\): no field left to write"),
    Bad("session-retention-policy-per-write",
        with_session(lambda s: s.write([GOOD_A], retention_policy="autogen")), TypeError,
        r"^a session's retention policy is set for the whole session"),
    Bad("session-autocommit-zero", lambda c: c.session(autocommit_every=0), ValueError,
        r"^autocommit_every must be an int >= 1 or None, got 0$"),
]

QUERY_CASES = [
    Bad("query-none", lambda c: c.query(None), TypeError,  # type: ignore[arg-type]
        r"^query must be a str, got NoneType$"),
    Bad("query-bytes", lambda c: c.query(b"SELECT * FROM good"), TypeError,  # type: ignore[arg-type]
        r"^query must be a str, got bytes$"),
    Bad("query-epoch", lambda c: c.query("SELECT * FROM good", epoch="sec"), ValueError,
        r"^Invalid epoch 'sec': use 'h', 'm', 's', 'ms', 'u' or 'ns'$"),
    Bad("query-unknown-keyword", lambda c: c.query("SELECT * FROM good", db="x"), TypeError,
        r"query\(\) got an unexpected keyword argument 'db'"),
    Bad("query-bind-params-not-json",  # times are bound as RFC3339 text; a set cannot be
        lambda c: c.query("SELECT * FROM good WHERE time > $t",
                          bind_params={"t": {1, 2}}), TypeError,
        r"^bind_params\['t'\]: cannot bind a value of type set \(Object of type set is not JSON "
        r"serializable\); pass a str, int, float, bool, None, or a time"),
]

ADMIN_CASES = [
    Bad("create_database-empty", lambda c: c.create_database(""), ValueError,
        r"^name must not be empty$"),
    Bad("create_database-none", lambda c: c.create_database(None), ValueError,  # type: ignore[arg-type]
        r"^name is required, got None$"),
    Bad("create_database-int", lambda c: c.create_database(5), TypeError,  # type: ignore[arg-type]
        r"^name must be a str, not int$"),
    Bad("create_database-carriage-return", lambda c: c.create_database("a\rb"), ValueError,
        r"^name contains a carriage return, which InfluxQL cannot represent$"),
    Bad("drop_database-nul", lambda c: c.drop_database("a\x00b"), ValueError,
        r"^name contains a NUL character"),
    Bad("drop_measurement-empty", lambda c: c.drop_measurement(""), ValueError,
        r"^name must not be empty$"),
    Bad("create_retention_policy-duration-injection",
        lambda c: c.create_retention_policy("rp", "1d; DROP DATABASE x", 1), ValueError,
        r"^duration must be an InfluxQL duration \('INF' or e\.g\. '1h30m', '52w'\), "
        r"got '1d; DROP DATABASE x'$"),
    Bad("create_retention_policy-duration-int",
        lambda c: c.create_retention_policy("rp", 3600, 1), TypeError,  # type: ignore[arg-type]
        r"^duration must be a str such as '1h30m', not int$"),
    Bad("create_retention_policy-replication-injection",
        lambda c: c.create_retention_policy("rp", "1d", "1 DEFAULT"), TypeError,
        r"^replication must be a positive int, not str$"),
    Bad("create_retention_policy-replication-zero",
        lambda c: c.create_retention_policy("rp", "1d", 0), ValueError,
        r"^replication must be between 1 and 2147483647, got 0$"),
    Bad("create_retention_policy-shard-duration",
        lambda c: c.create_retention_policy("rp", "1d", 1, shard_duration="1h DEFAULT"),
        ValueError, r"^shard_duration must be an InfluxQL duration"),
    Bad("get_list_retention_policies-no-database",
        lambda c: InfluxDBClient(c._host, c._port, session=c._session
                                 ).get_list_retention_policies(),
        InfluxDBClientError, r"^get_list_retention_policies\(\) requires a database"),
    Bad("create_user-name-none", lambda c: c.create_user(None, "pw"), ValueError,  # type: ignore[arg-type]
        r"^username is required, got None$"),
    Bad("create_user-password-int", lambda c: c.create_user("u", 1234), TypeError,  # type: ignore[arg-type]
        r"^password must be a str, not int$"),
    Bad("create_user-password-carriage-return",
        lambda c: c.create_user("u", "s3cr\rt"), ValueError,
        r"^password contains a carriage return, which InfluxQL cannot represent$"),
    Bad("set_user_password-lone-surrogate",
        lambda c: c.set_user_password("u", "pw\ud800"), ValueError,
        r"^password contains a lone surrogate"),
    Bad("grant_privilege-injection", lambda c: c.grant_privilege("read; DROP", "d", "u"),
        ValueError, r"^privilege must be one of 'read', 'write', 'all', got 'read; DROP'$"),
    Bad("revoke_privilege-unknown", lambda c: c.revoke_privilege("admin", "d", "u"),
        ValueError, r"^privilege must be one of 'read', 'write', 'all', got 'admin'$"),
    Bad("get_list_privileges-none", lambda c: c.get_list_privileges(None), ValueError,  # type: ignore[arg-type]
        r"^username is required, got None$"),
    Bad("grant_privilege-blank", lambda c: c.grant_privilege(" ", "d", "u"), ValueError,
        r"^privilege must be one of 'read', 'write', 'all', got ' '$"),
    Bad("grant_privilege-comment", lambda c: c.grant_privilege("read ON x TO y; --", "d", "u"),
        ValueError,
        r"^privilege must be one of 'read', 'write', 'all', got 'read ON x TO y; --'$"),
    Bad("delete_series-tags-list", lambda c: c.delete_series(tags=["host"]), TypeError,  # type: ignore[arg-type]
        r"^tags must be a dict or None, not list$"),
    Bad("get_list_series-tags-str", lambda c: c.get_list_series(tags="host=a"), TypeError,  # type: ignore[arg-type]
        r"^tags must be a dict or None, not str$"),
    Bad("create_continuous_query-two-statements",
        lambda c: c.create_continuous_query(
            "cq", "SELECT mean(v) INTO x FROM good GROUP BY time(1m); DROP DATABASE d"),
        ValueError, r"^select must be a single SELECT statement$"),
    Bad("create_continuous_query-not-select",
        lambda c: c.create_continuous_query("cq", "DROP DATABASE d"), ValueError,
        r"^select must be a single SELECT statement$"),
    Bad("create_continuous_query-resample-injection",
        lambda c: c.create_continuous_query(
            "cq", "SELECT mean(v) INTO x FROM good GROUP BY time(1m)",
            resample_opts="EVERY 1m END; DROP DATABASE d"),
        ValueError, r"^resample_opts must be 'EVERY <duration>', 'FOR <duration>' or both"),
]

CASES = WRITER_CASES + QUERY_CASES + ADMIN_CASES


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_input_is_refused_before_sending(case: Bad, recording_client: InfluxDBClient,
                                            stored: Callable[[], dict[str, int]]) -> None:
    with pytest.raises(case.error, match=case.match) as info:
        case.call(recording_client)
    assert_ours(info.value)
    assert recording_client._session.sent == []  # type: ignore[attr-defined]
    assert stored() == {}


# -- judged by the server ------------------------------------------------------------------
# Incomplete admin statements that inject nothing (every name quoted, the privilege empty, a
# clause missing) are sent as 5.3.2 sent them, so callers read the server's own answer, as
# before (docs/migration.rst, "Arguments refused before sending").  The answers of influxd
# 1.6.7, exactly; a statement error inside a 200 has code None, as in 5.3.2.

def _parse_error(at: str, expected: str, char: int) -> str:
    return ('{"error":"error parsing query: found ' + at + ", expected " + expected
            + f' at line 1, char {char}"}}')


PRIVILEGES = "READ, WRITE, ALL [PRIVILEGES]"


@dataclasses.dataclass
class Judged:
    id: str
    call: Callable[[InfluxDBClient], object]
    statement: str
    code: Any
    content: str


JUDGED_BY_SERVER = [
    Judged("create_user-empty-name", lambda c: c.create_user("", "pw"),
           "CREATE USER \"\" WITH PASSWORD 'pw'", None, "username required"),
    Judged("drop_user-empty-name", lambda c: c.drop_user(""), 'DROP USER ""', None,
           "user not found"),
    Judged("set_user_password-empty-name", lambda c: c.set_user_password("", "pw"),
           "SET PASSWORD FOR \"\" = 'pw'", None, "user not found"),
    Judged("grant_admin_privileges-empty-name", lambda c: c.grant_admin_privileges(""),
           'GRANT ALL PRIVILEGES TO ""', None, "user not found"),
    Judged("revoke_admin_privileges-empty-name", lambda c: c.revoke_admin_privileges(""),
           'REVOKE ALL PRIVILEGES FROM ""', None, "user not found"),
    Judged("get_list_privileges-empty-name", lambda c: c.get_list_privileges(""),
           'SHOW GRANTS FOR ""', None, "user not found"),
    Judged("grant_privilege-empty-user", lambda c: c.grant_privilege("read", c._database, ""),
           "", None, "user not found"),
    Judged("grant_privilege-empty", lambda c: c.grant_privilege("", "db", "u"),
           'GRANT  ON "db" TO "u"', 400, _parse_error("ON", PRIVILEGES, 8)),
    Judged("revoke_privilege-empty", lambda c: c.revoke_privilege("", "db", "u"),
           'REVOKE  ON "db" FROM "u"', 400, _parse_error("ON", PRIVILEGES, 9)),
    Judged("alter_retention_policy-nothing", lambda c: c.alter_retention_policy("rp", "db"),
           'ALTER RETENTION POLICY "rp" ON "db"', 400,
           _parse_error("EOF", "DURATION, REPLICATION, SHARD, DEFAULT", 36)),
    Judged("delete_series-nothing", lambda c: c.delete_series(), "DROP SERIES", 400,
           _parse_error("EOF", "FROM, WHERE", 13)),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in JUDGED_BY_SERVER])
def test_incomplete_admin_statement_is_judged_by_the_server(
        case: Judged, recording_client: InfluxDBClient, influxd: Any,
        stored: Callable[[], dict[str, int]]) -> None:
    recording_client.write_points(["good v=1 1"], protocol="line")
    users_before = influxd.admin_query("SHOW USERS")
    with pytest.raises(InfluxDBClientError) as info:
        case.call(recording_client)
    error = info.value
    assert not isinstance(error, InfluxDBArgumentError)
    assert (error.code, error.content) == (case.code, case.content)
    assert str(error) == (case.content if case.code is None else f"{case.code}: {case.content}")
    expected = case.statement or f'GRANT read ON "{recording_client._database}" TO ""'
    sent = recording_client._session.sent  # type: ignore[attr-defined]
    method = "GET" if expected.startswith("SHOW") else "POST"  # state changes go by POST
    assert [(m, endpoint) for m, endpoint, _, _ in sent[1:]] == [(method, "query")]
    _, _, params, data = sent[1]
    statement = parse_qs(data)["q"][0] if isinstance(data, str) else params["q"]
    assert statement == expected
    # Nothing changed: the point is still there, no user was made or altered.
    assert stored() == {"good": 1}
    assert influxd.admin_query("SHOW USERS") == users_before


def test_password_never_echoed_in_the_refusal(recording_client: InfluxDBClient) -> None:
    with pytest.raises(ValueError) as info:
        recording_client.create_user("u", "hunter2\r")
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(info.value)


# -- SeriesHelper ------------------------------------------------------------------------------
@pytest.fixture
def helper(recording_client: InfluxDBClient) -> Iterator[Any]:
    meta = type("Meta", (), {"client": recording_client, "series_name": "events.{server}",
                             "fields": ["value", "note"], "tags": ["server"],
                             "autocommit": True, "bulk_size": 2})
    cls = type("Events", (SeriesHelper,), {"Meta": meta})
    yield cls


HELPER_CASES = [
    ("missing-tag", {"value": 1.0}, NameError,
     r"^Expected arguments to contain all tags \['server'\], instead got \['value'\]\.$"),
    ("unknown-argument", {"server": "a", "value": 1.0, "bogus": 2}, NameError,
     r"^Got arguments not in tags or fields: \['bogus'\]$"),
    ("no-field-value", {"server": "a"}, INVALID,
     r"^point of series 'events\.a' has no field value \(fields: \['value', 'note'\]\)$"),
    ("all-fields-none", {"server": "a", "value": None, "note": None}, INVALID,
     r"^point of series 'events\.a' has no field value"),
    ("field-nan", {"server": "a", "value": math.nan}, INVALID,
     r"^point of series 'events\.a' has no field value"),
    ("field-inf", {"server": "a", "value": math.inf}, INVALID,
     r"^series 'events\.a': field 'value' is inf"),
    ("field-dict", {"server": "a", "value": {"x": 1}}, INVALID,
     r"^series 'events\.a': field 'value'.*dict"),
    ("tag-newline", {"server": "a\nb", "value": 1.0}, INVALID,
     r"^series 'events\.a\\nb': measurement 'events\.a\\nb' contains a new line"),
    ("time-float", {"server": "a", "value": 1.0, "time": 1.5}, INVALID,
     r"^series 'events\.a': time must be an int, datetime or RFC3339 str, got 1\.5"),
]


@pytest.mark.parametrize("kwargs, error, match",
                         [pytest.param(k, e, m, id=i) for i, k, e, m in HELPER_CASES])
def test_series_helper_refuses_bad_points(helper: Any, recording_client: InfluxDBClient,
                                          stored: Callable[[], dict[str, int]],
                                          kwargs: dict[str, Any], error: type[BaseException],
                                          match: str) -> None:
    helper(server="good", value=1.0, time=T0)  # one point buffered; bulk_size is 2
    with pytest.raises(error, match=match):
        helper(**kwargs)
    # The refused point is not buffered, so it did not complete the bulk either.
    assert [p["fields"] for p in helper._json_body_()] == [{"value": 1.0}]
    assert recording_client._session.sent == []  # type: ignore[attr-defined]
    assert stored() == {}


META_CASES = [
    ("no-series-name", {"fields": ["v"], "tags": []}, AttributeError,
     r"^Missing series_name in Bad Meta class\.$"),
    ("fields-as-str", {"series_name": "s", "fields": "v", "tags": []}, AttributeError,
     r"^In Bad, fields must be a list of names\.$"),
    ("bad-precision", {"series_name": "s", "fields": ["v"], "tags": [],
                       "time_precision": "sec"}, AttributeError,
     r"^In Bad, time_precision is set, but invalid"),
    ("autocommit-without-client", {"series_name": "s", "fields": ["v"], "tags": [],
                                   "autocommit": True}, AttributeError,
     r"^In Bad, autocommit is set to True, but no client is set\.$"),
    ("series-name-names-nothing", {"series_name": "s.{host}", "fields": ["v"], "tags": []},
     NameError, r"^series_name 's\.\{host\}' of Bad names 'host' which was not given$"),
]


@pytest.mark.parametrize("meta, error, match",
                         [pytest.param(m, e, r, id=i) for i, m, e, r in META_CASES])
def test_series_helper_refuses_bad_meta(meta: dict[str, Any], error: type[BaseException],
                                        match: str) -> None:
    cls = type("Bad", (SeriesHelper,), {"Meta": type("Meta", (), meta)})
    with pytest.raises(error, match=match):
        cls(v=1.0)


def test_catalogue_size() -> None:
    from tests.security.test_badinput_points import CASES as POINT_CASES

    total = len(POINT_CASES) + len(CASES) + len(HELPER_CASES) + len(META_CASES)
    assert total >= 140


def test_good_points_around_a_refused_writer_call_can_be_written_after(
        recording_client: InfluxDBClient, stored: Callable[[], dict[str, int]]) -> None:
    with recording_client.batch_writer(flush_interval=None) as writer:
        with pytest.raises(InfluxDBInvalidPointError):
            writer.write(around(bad_point(fields={"v": math.inf})))
        writer.write([GOOD_A, GOOD_B])
    assert stored() == {"good": 2}
