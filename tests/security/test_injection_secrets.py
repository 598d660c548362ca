"""Passwords, tokens and DSN credentials never appear in log output, ``repr``, exception
messages or URLs.

One scenario on an auth-enabled influxd walks every path a secret takes (constructor, DSN
with percent-encoded credentials, token, ``create_user``, ``set_user_password``, a raw
``CREATE USER`` statement, wrong passwords, a dead server with retries, gzip, the batching
writer) with every logger at DEBUG (urllib3's request lines included).  Then the captured
log text, every exception (message, ``repr``, ``args``, notes, chained causes), every URL
the session prepared and every ``repr`` are searched for each secret in every spelling it
could take (raw, percent-encoded, in Basic-auth base64).
"""

from __future__ import annotations

import base64
import logging
import socket
from collections.abc import Iterator
from typing import Any, Callable
from urllib.parse import quote, quote_plus

import pytest
import requests

from influxdb import InfluxDBClient
from influxdb._core._retry import Retry
from influxdb.exceptions import InfluxDBAuthenticationError, InfluxDBClientError
from tests._influxd import Influxd

pytestmark = pytest.mark.server

USER = "secret-user"
SECRET = "pw:S3cr3t@h0st/x y'z"  # ':' '@' '/' ' ' and a quote: every DSN/URL trap
SECRET_2 = "second-S3cr3t-password"
SECRET_3 = "third-S3cr3t-password"
TOKEN = "token-S3cr3t-abcdef"
QUICK = Retry(total=3, backoff_factor=0.01, backoff_max=0.02)


def spellings(secret: str, user: str = USER) -> set[str]:
    basic = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {secret, quote(secret, safe=""), quote_plus(secret), basic,
            secret.replace("'", "\\'")}


FORBIDDEN = (spellings(SECRET) | spellings(SECRET_2, "other") | spellings(SECRET_3, "other")
             | spellings(SECRET + "x") | {TOKEN})


class SpySession(requests.Session):
    """Records the URL and body of every prepared request."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.bodies: list[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> Any:  # type: ignore[override]
        self.urls.append(str(request.url))
        self.bodies.append(request.body)
        return super().send(request, **kwargs)


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def exception_texts(exc: BaseException) -> list[str]:
    texts = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        texts += list(getattr(current, "__notes__", []))
        current = current.__cause__ or current.__context__
    return texts


@pytest.fixture
def other_user(influxd_auth: Influxd) -> Iterator[None]:
    yield
    for user in (USER, "other"):
        try:
            influxd_auth.admin_query(f'DROP USER "{user}"')
        except requests.HTTPError:
            pass
    influxd_auth.admin_query('DROP DATABASE "secrets"')


def test_secrets_never_leak(influxd_auth: Influxd, caplog: pytest.LogCaptureFixture,
                            other_user: None) -> None:
    caplog.set_level(logging.DEBUG)
    sessions: list[SpySession] = []
    errors: list[BaseException] = []
    reprs: list[str] = []

    def client(*args: Any, **kwargs: Any) -> InfluxDBClient:
        session = SpySession()
        sessions.append(session)
        made = InfluxDBClient(*args, session=session, timeout=10, **kwargs)
        reprs.append(repr(made))
        return made

    def from_dsn(dsn: str, **kwargs: Any) -> InfluxDBClient:
        session = SpySession()
        sessions.append(session)
        made = InfluxDBClient.from_dsn(dsn, session=session, timeout=10, **kwargs)
        reprs.append(repr(made))
        return made

    def expect(error: type[BaseException], call: Callable[[], object]) -> None:
        with pytest.raises(error) as info:
            call()
        errors.append(info.value)

    host, port = influxd_auth.host, influxd_auth.http_port
    admin = client(host, port, influxd_auth.admin_user, influxd_auth.admin_password)

    # Passwords set through the helpers and through a raw statement.
    admin.create_user(USER, SECRET, admin=True)
    admin.query(f"CREATE USER other WITH PASSWORD '{SECRET_2}'")
    admin.set_user_password("other", SECRET_3)
    expect(InfluxDBClientError, lambda: admin.create_user("other", SECRET_2))  # exists
    expect(InfluxDBClientError, lambda: admin.set_user_password("nobody", SECRET_2))

    # The user's own client, by constructor and by DSN (percent-encoded credentials).
    me = client(host, port, USER, SECRET, database="secrets")
    me.create_database("secrets")
    me.write_points([{"measurement": "m", "fields": {"v": 1}}])
    assert [p["count"] for p in me.query("SELECT count(v) FROM m").get_points()] == [1]
    me.switch_user(USER, SECRET)
    reprs.append(repr(me))
    dsn = f"influxdb://{quote(USER, safe='')}:{quote(SECRET, safe='')}@{host}:{port}/secrets"
    by_dsn = from_dsn(dsn)
    assert by_dsn._password == SECRET
    assert [p["count"] for p in by_dsn.query("SELECT count(v) FROM m").get_points()] == [1]
    with_gzip = client(host, port, USER, SECRET, gzip=True)
    with_gzip.set_user_password("other", SECRET_2)

    # Wrong password, token the server does not know, dead server with retries.
    expect(InfluxDBAuthenticationError,
           lambda: client(host, port, USER, SECRET + "x").query("SHOW DATABASES"))
    token_client = client(host, port, None, None, token=TOKEN)
    expect(InfluxDBAuthenticationError, lambda: token_client.query("SHOW DATABASES"))
    dead = from_dsn(f"https+influxdb://{quote(USER, safe='')}:{quote(SECRET, safe='')}"
                    f"@127.0.0.1:{dead_port()}/db", retries=QUICK)
    expect(requests.exceptions.ConnectionError, lambda: dead.query("SHOW DATABASES"))
    expect(requests.exceptions.ConnectionError, lambda: dead.create_user("x", SECRET_2))
    dead_token = client("127.0.0.1", dead_port(), token=TOKEN, retries=QUICK)
    expect(requests.exceptions.ConnectionError,
           lambda: dead_token.write_points([{"measurement": "m", "fields": {"v": 1}}],
                                           database="db", batch_size=1))

    # The batching writer logs a batch that failed for good.
    writer = dead.batch_writer(database="db", retry=1, flush_interval=None)
    reprs.append(repr(writer))
    writer.write([{"measurement": "m", "fields": {"v": 1}}])
    writer.close(timeout=10)
    assert len(writer.failed) == 1
    errors.append(writer.failed[0].error)  # type: ignore[arg-type]

    # The secrets did travel, in request bodies (and the Basic-auth header), never in URLs.
    bodies = [b if isinstance(b, (bytes, str)) else b"" for s in sessions for b in s.bodies]
    as_text = [b.decode("utf-8", "replace") if isinstance(b, bytes) else b for b in bodies]
    in_literal = SECRET.replace("'", "\\'")
    assert any(quote_plus(in_literal) in body for body in as_text)  # form-encoded
    urls = [url for s in sessions for url in s.urls]
    assert any("/query" in url for url in urls) and any("/write" in url for url in urls)
    assert any("retrying in" in r.getMessage() for r in caplog.records)
    assert any(r.name.startswith("urllib3") for r in caplog.records)  # DEBUG lines captured

    surfaces = {
        "log": [caplog.text] + [str(r.args) for r in caplog.records],
        "urls": urls,
        "exceptions": [t for e in errors for t in exception_texts(e)],
        "reprs": reprs,
    }
    leaks = [(where, secret) for where, texts in surfaces.items() for text in texts
             for secret in FORBIDDEN if secret in text]
    assert leaks == []
    assert len(errors) == 8


def test_repr_of_clients_never_shows_credentials() -> None:
    made = [
        InfluxDBClient("127.0.0.1", 8086, USER, SECRET),
        InfluxDBClient.from_dsn(f"influxdb://u:{quote(SECRET, safe='')}@127.0.0.1:1/db"),
        InfluxDBClient.from_dsn(f"udp+influxdb://u:{quote(SECRET, safe='')}@127.0.0.1:1/db"),
        InfluxDBClient("127.0.0.1", 8086, token=TOKEN),
        InfluxDBClient.from_env(environ={"INFLUXDB_URL": f"http://u:{quote(SECRET, safe='')}"
                                                         "@127.0.0.1:8086/db"}),
        InfluxDBClient.from_env(environ={"INFLUXDB_PASSWORD": SECRET,
                                         "INFLUXDB_TOKEN": TOKEN}),
    ]
    for client in made:
        text = repr(client) + str(client)
        assert not [s for s in FORBIDDEN if s in text], text
        client.close()


@pytest.mark.parametrize("dsn", [
    f"influxdb://u:{quote(SECRET, safe='')}@h:notaport/db",
    f"influxdb://u:{quote(SECRET, safe='')}@h:99999/db",
    f"bogus+influxdb://u:{quote(SECRET, safe='')}@h/db",
    f"postgres://u:{quote(SECRET, safe='')}@h/db",
])
def test_dsn_errors_never_show_credentials(dsn: str) -> None:
    with pytest.raises(ValueError) as info:
        InfluxDBClient.from_dsn(dsn)
    assert not [s for s in FORBIDDEN if s in " ".join(exception_texts(info.value))]


@pytest.mark.parametrize("environ", [
    {"INFLUXDB_URL": f"influxdb://u:{quote(SECRET, safe='')}@h:xx/db"},
    {"INFLUXDB_PASSWORD": SECRET, "INFLUXDB_PORT": "x"},
    {"INFLUXDB_TOKEN": TOKEN, "INFLUXDB_SSL": "maybe"},
])
def test_configuration_errors_never_show_credentials(environ: dict[str, str]) -> None:
    with pytest.raises(ValueError) as info:
        InfluxDBClient.from_env(environ=environ)
    assert not [s for s in FORBIDDEN if s in " ".join(exception_texts(info.value))]
