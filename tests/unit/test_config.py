"""Configuration from the environment and from ini / toml files (influxdb._config.sources)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from influxdb._config.sources import (
    ConfigError,
    kwargs_from_env,
    kwargs_from_file,
    kwargs_from_text,
    kwargs_from_url,
)

# -- environment ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "kwargs"),
    [
        ({}, {}),
        ({"INFLUXDB_HOST": "db1", "INFLUXDB_PORT": "8087"}, {"host": "db1", "port": 8087}),
        ({"INFLUXDB_USERNAME": "bob", "INFLUXDB_PASSWORD": "s3cr=t,"},
         {"username": "bob", "password": "s3cr=t,"}),
        ({"INFLUXDB_DATABASE": "metrics"}, {"database": "metrics"}),
        ({"INFLUXDB_SSL": "true", "INFLUXDB_VERIFY_SSL": "Yes"}, {"ssl": True, "verify_ssl": True}),
        ({"INFLUXDB_SSL": "0", "INFLUXDB_GZIP": "on", "INFLUXDB_USE_UDP": "off"},
         {"ssl": False, "gzip": True, "use_udp": False}),
        ({"INFLUXDB_TIMEOUT": "5"}, {"timeout": 5.0}),
        ({"INFLUXDB_TIMEOUT": "2.5"}, {"timeout": 2.5}),
        ({"INFLUXDB_TIMEOUT": "3, 30"}, {"timeout": (3.0, 30.0)}),
        ({"INFLUXDB_TIMEOUT": "none"}, {"timeout": None}),
        ({"INFLUXDB_RETRIES": "0"}, {"retries": 0}),
        ({"INFLUXDB_UDP_PORT": "4444", "INFLUXDB_POOL_SIZE": "20"},
         {"udp_port": 4444, "pool_size": 20}),
        ({"INFLUXDB_PATH": "influx"}, {"path": "influx"}),
        ({"INFLUXDB_CERT": "/c.pem"}, {"cert": "/c.pem"}),
        ({"INFLUXDB_CERT": "/c.pem, /k.pem"}, {"cert": ("/c.pem", "/k.pem")}),
        ({"INFLUXDB_PROXIES": "http=http://p:3128,https=http://p:3129"},
         {"proxies": {"http": "http://p:3128", "https": "http://p:3129"}}),
        ({"INFLUXDB_HEADERS": "X-Trace=1"}, {"headers": {"X-Trace": "1"}}),
        ({"INFLUXDB_TOKEN": "abc"}, {"token": "abc"}),
        ({"INFLUXDB_DEFAULT_TIME_PRECISION": "ms"}, {"default_time_precision": "ms"}),
        ({"INFLUXDB_DEFAULT_TIME_PRECISION": "ns"}, {"default_time_precision": "ns"}),
        ({"INFLUXDB_DEFAULT_TIME_PRECISION": "us"}, {"default_time_precision": "us"}),
        ({"INFLUXDB_DEFAULT_TIME_PRECISION": " us "}, {"default_time_precision": "us"}),
        ({"INFLUXDB_DEFAULT_RETENTION_POLICY": "one_week"},
         {"default_retention_policy": "one_week"}),
        ({"INFLUXDB_DEFAULT_TAGS": "region=eu, host=web1"},
         {"default_tags": {"region": "eu", "host": "web1"}}),
        ({"INFLUXDB_TAG_HOST": "web1", "INFLUXDB_TAG_DC": "x"},
         {"default_tags": {"host": "web1", "dc": "x"}}),
        ({"INFLUXDB_DEFAULT_TAGS": "a=1", "INFLUXDB_TAG_B": "2"},
         {"default_tags": {"a": "1", "b": "2"}}),
        ({"INFLUXDB_CREATE_DATABASE_IF_MISSING": "true"}, {"create_database_if_missing": True}),
        ({"INFLUXDB_DEADLINE": "2.5"}, {"deadline": 2.5}),
        ({"INFLUXDB_DEADLINE": "none"}, {"deadline": None}),
        ({"INFLUXDB_MAX_DOCUMENT_SIZE": "1048576"}, {"max_document_size": 1048576}),
        ({"INFLUXDB_MAX_DOCUMENT_SIZE": "none"}, {"max_document_size": None}),
        # Variables of the server's Docker image, and of other tools, are ignored.
        ({"INFLUXDB_DB": "x", "INFLUXDB_HTTP_AUTH_ENABLED": "true", "INFLUXDB_V2_URL": "y"}, {}),
        # An empty variable counts as unset.
        ({"INFLUXDB_PORT": "", "INFLUXDB_HOST": "h"}, {"host": "h"}),
        # Other variables are not read.
        ({"HOME": "/root", "INFLUX_HOST": "nope"}, {}),
    ],
)
def test_env_variables(env: dict[str, str], kwargs: dict[str, Any]) -> None:
    assert kwargs_from_env(env) == kwargs


@pytest.mark.parametrize(
    ("env", "kwargs"),
    [
        ({"INFLUXDB_URL": "http://localhost:8086/metrics"},
         {"host": "localhost", "port": 8086, "ssl": False, "database": "metrics"}),
        ({"INFLUXDB_URL": "https://u%40x:p%3Aw%23@db.example/mydb"},
         {"host": "db.example", "port": 443, "ssl": True, "username": "u@x",
          "password": "p:w#", "database": "mydb"}),
        ({"INFLUXDB_URL": "http://h"}, {"host": "h", "port": 80, "ssl": False}),
        ({"INFLUXDB_URL": "http://[::1]:8086"}, {"host": "::1", "port": 8086, "ssl": False}),
        ({"INFLUXDB_DSN": "https+influxdb://u:p@h:8087/db"},
         {"host": "h", "port": 8087, "ssl": True, "username": "u", "password": "p",
          "database": "db"}),
        # As from_dsn(): a DSN without credentials sends none ...
        ({"INFLUXDB_DSN": "udp+influxdb://h/db"},
         {"host": "h", "port": 8086, "use_udp": True, "database": "db", "username": None,
          "password": None}),
        # ... unless separate variables give them.
        ({"INFLUXDB_DSN": "influxdb://h/db", "INFLUXDB_USERNAME": "u", "INFLUXDB_PASSWORD": "p"},
         {"host": "h", "port": 8086, "database": "db", "username": "u", "password": "p"}),
        # The URL and separate variables combine when they set different parameters.
        ({"INFLUXDB_URL": "http://h:1/", "INFLUXDB_DATABASE": "d", "INFLUXDB_TOKEN": "t"},
         {"host": "h", "port": 1, "ssl": False, "database": "d", "token": "t"}),
    ],
)
def test_env_url_and_dsn(env: dict[str, str], kwargs: dict[str, Any]) -> None:
    assert kwargs_from_env(env) == kwargs


def test_env_custom_prefix() -> None:
    env = {"METRICS_DB_HOST": "h", "INFLUXDB_HOST": "ignored"}
    assert kwargs_from_env(env, prefix="METRICS_DB_") == {"host": "h"}
    assert kwargs_from_env(env, prefix="METRICS_DB") == {"host": "h"}


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.upper().startswith("INFLUXDB_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("INFLUXDB_PORT", "9999")
    assert kwargs_from_env() == {"port": 9999}


def test_verify_ssl_accepts_an_existing_ca_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert kwargs_from_env({"INFLUXDB_VERIFY_SSL": str(bundle)}) == {"verify_ssl": str(bundle)}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"INFLUXDB_PORT": "http"}, "INFLUXDB_PORT: expected an integer; got 'http'"),
        ({"INFLUXDB_PORT": "70000"}, "INFLUXDB_PORT: expected an integer 1-65535; got '70000'"),
        ({"INFLUXDB_UDP_PORT": "0"}, "INFLUXDB_UDP_PORT: expected an integer 1-65535; got '0'"),
        ({"INFLUXDB_RETRIES": "-1"}, "INFLUXDB_RETRIES: expected an integer >= 0; got '-1'"),
        ({"INFLUXDB_POOL_SIZE": "1.5"}, "INFLUXDB_POOL_SIZE: expected an integer; got '1.5'"),
        ({"INFLUXDB_SSL": "maybe"},
         "INFLUXDB_SSL: expected a boolean (true/false, 1/0, yes/no, on/off); got 'maybe'"),
        ({"INFLUXDB_VERIFY_SSL": "flase"},
         "INFLUXDB_VERIFY_SSL: expected a boolean or the path of an existing CA bundle; "
         "got 'flase'"),
        ({"INFLUXDB_TIMEOUT": "soon"}, "INFLUXDB_TIMEOUT: expected a number of seconds; "
                                       "got 'soon'"),
        ({"INFLUXDB_TIMEOUT": "-1"},
         "INFLUXDB_TIMEOUT: expected a positive, finite number of seconds; got '-1'"),
        ({"INFLUXDB_TIMEOUT": "1,2,3"},
         "INFLUXDB_TIMEOUT: expected seconds or 'connect,read' seconds; got '1,2,3'"),
        ({"INFLUXDB_CERT": "a,b,c"},
         "INFLUXDB_CERT: expected a path or 'cert_path,key_path'; got 'a,b,c'"),
        ({"INFLUXDB_DEFAULT_TIME_PRECISION": "sec"},
         "INFLUXDB_DEFAULT_TIME_PRECISION: expected one of n, ns, u, us, ms, s, m, h; "
         "got 'sec'"),
        ({"INFLUXDB_DEFAULT_TIME_PRECISION": "US"},
         "INFLUXDB_DEFAULT_TIME_PRECISION: expected one of n, ns, u, us, ms, s, m, h; "
         "got 'US'"),
        ({"INFLUXDB_DEFAULT_TAGS": "region"},
         "INFLUXDB_DEFAULT_TAGS: expected 'key=value' pairs; item 1 has no key or no '='; "
         "got 'region'"),
        ({"INFLUXDB_DEFAULT_TAGS": "a=1,a=2"},
         "INFLUXDB_DEFAULT_TAGS: key 'a' given twice; got 'a=1,a=2'"),
        ({"INFLUXDB_CREATE_DATABASE_IF_MISSING": "2"},
         "INFLUXDB_CREATE_DATABASE_IF_MISSING: expected a boolean (true/false, 1/0, yes/no, "
         "on/off); got '2'"),
        ({"INFLUXDB_URL": "http://h/db", "INFLUXDB_HOST": "other"},
         "INFLUXDB_HOST: sets 'host', already set by INFLUXDB_URL"),
        ({"INFLUXDB_URL": "http://u:p@h/db", "INFLUXDB_DSN": "influxdb://h2/db"},
         "INFLUXDB_URL: sets 'host', already set by INFLUXDB_DSN"),
        ({"INFLUXDB_DEFAULT_TAGS": "host=a", "INFLUXDB_TAG_HOST": "b"},
         "INFLUXDB_TAG_HOST: tag 'host' also set by INFLUXDB_DEFAULT_TAGS"),
        ({"INFLUXDB_URL": "ftp://h/db"},
         "INFLUXDB_URL: unknown scheme 'ftp' (use http, https or [udp+|https+]influxdb)"),
        ({"INFLUXDB_URL": "http://h:80x/db"},
         "INFLUXDB_URL: the port is not a number from 0 to 65535"),
        ({"INFLUXDB_URL": "http://h/db?x=1"},
         "INFLUXDB_URL: a query string or fragment is not understood"),
        ({"INFLUXDB_URL": "http://h/a/b"},
         "INFLUXDB_URL: the path must name one database; use 'path' for a URL prefix"),
        ({"INFLUXDB_DSN": "influxdb+tcp://h/db"}, 'INFLUXDB_DSN: Unknown scheme "tcp".'),
        ({"INFLUXDB_SESSION": "x"},
         "INFLUXDB_SESSION: cannot be configured from text; pass it in code"),
    ],
)
def test_env_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        kwargs_from_env(env)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "env",
    [
        {"INFLUXDB_URL": "http://user:hunter2@h:80x/db"},
        {"INFLUXDB_URL": "ftp://user:hunter2@h/db"},
        {"INFLUXDB_PROXIES": "http://user:hunter2@proxy"},
        {"INFLUXDB_HEADERS": "Authorization: Token hunter2"},
        {"INFLUXDB_PASSWORD": "hunter2", "INFLUXDB_TAG_X": "1",
         "INFLUXDB_DEFAULT_TAGS": "x=hunter2"},
    ],
)
def test_errors_never_show_secrets(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as info:
        kwargs_from_env(env)
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("http://localhost:8086", {"host": "localhost", "port": 8086, "ssl": False}),
        ("HTTPS://h:9000/d%2Fb", {"host": "h", "port": 9000, "ssl": True, "database": "d/b"}),
        ("http://u@h/", {"host": "h", "port": 80, "ssl": False, "username": "u"}),
        ("influxdb://u:p@h:1/db",
         {"host": "h", "port": 1, "username": "u", "password": "p", "database": "db"}),
        ("influxdb://h", {"host": "h", "port": 8086, "username": None, "password": None}),
    ],
)
def test_kwargs_from_url(url: str, kwargs: dict[str, Any]) -> None:
    assert kwargs_from_url(url) == kwargs


# -- files ---------------------------------------------------------------------------------

INI = """\
[other]
host = not-this-one

[influxdb]
url = http://u:p%%40ss@db.example:8087/metrics
timeout = 3,30
verify_ssl = false
retries = 5
default_time_precision = s
default_tags =
    region = eu-west
    host = web1
tag_dc = fra1
create_database_if_missing = yes
"""

TOML = """\
[other]
host = "not-this-one"

[influxdb]
url = "http://u:p%40ss@db.example:8087/metrics"
timeout = [3, 30]
verify_ssl = false
retries = 5
default_time_precision = "s"
default_tags = { region = "eu-west", host = "web1" }
tag_dc = "fra1"
create_database_if_missing = true
"""

EXPECTED = {
    "host": "db.example", "port": 8087, "ssl": False, "username": "u", "password": "p@ss",
    "database": "metrics", "timeout": (3.0, 30.0), "verify_ssl": False, "retries": 5,
    "default_time_precision": "s",
    "default_tags": {"region": "eu-west", "host": "web1", "dc": "fra1"},
    "create_database_if_missing": True,
}


def test_ini_file(tmp_path: Path) -> None:
    path = tmp_path / "influx.ini"
    path.write_text(INI.replace("%%40", "%40"))  # configparser without interpolation
    assert kwargs_from_file(path) == EXPECTED


def test_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "influx.toml"
    path.write_text(TOML)
    assert kwargs_from_file(str(path)) == EXPECTED


# Every spelling the writes accept (the one table of precisions), stored as written: the
# client normalises it ('ns' -> 'n', 'us' -> 'u') as it does the constructor argument.
PRECISION_SPELLINGS = ["n", "ns", "u", "us", "ms", "s", "m", "h"]


@pytest.mark.parametrize("spelling", PRECISION_SPELLINGS)
def test_every_precision_spelling_from_env_ini_and_toml(spelling: str) -> None:
    expected = {"default_time_precision": spelling}
    assert kwargs_from_env({"INFLUXDB_DEFAULT_TIME_PRECISION": spelling}) == expected
    assert kwargs_from_text(f"[influxdb]\ndefault_time_precision = {spelling}\n",
                            "ini") == expected
    assert kwargs_from_text(f'[influxdb]\ndefault_time_precision = "{spelling}"\n',
                            "toml") == expected


@pytest.mark.parametrize("name", ["influx.ini", "influx.toml"])
def test_files_accept_us(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    text = INI.replace("%%40", "%40") if name.endswith(".ini") else TOML
    path.write_text(text.replace("default_time_precision = s",
                                 "default_time_precision = us").replace(
                                     'default_time_precision = "s"',
                                     'default_time_precision = "us"'))
    assert kwargs_from_file(path) == {**EXPECTED, "default_time_precision": "us"}


@pytest.mark.parametrize(("value", "stored"), [("us", "u"), ("ns", "n"), ("u", "u"),
                                               ("s", "s")])
def test_clients_from_env_and_file_normalise_the_precision(tmp_path: Path, value: str,
                                                            stored: str) -> None:
    from influxdb import InfluxDBClient

    env = InfluxDBClient.from_env(environ={"INFLUXDB_DEFAULT_TIME_PRECISION": value})
    path = tmp_path / "influx.ini"
    path.write_text(f"[influxdb]\ndefault_time_precision = {value}\n")
    ini = InfluxDBClient.from_config_file(str(path))
    try:
        assert env._default_time_precision == stored
        assert ini._default_time_precision == stored
    finally:
        env.close()
        ini.close()


def test_section_is_chosen(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(TOML)
    assert kwargs_from_file(path, section="other") == {"host": "not-this-one"}


def test_format_can_be_forced(tmp_path: Path) -> None:
    path = tmp_path / "settings.conf"
    path.write_text(TOML)
    assert kwargs_from_file(path, fmt="toml") == EXPECTED


@pytest.mark.parametrize(
    ("toml", "kwargs"),
    [
        ("port = 8087\nssl = true\ngzip = false", {"port": 8087, "ssl": True, "gzip": False}),
        ("timeout = 2.5", {"timeout": 2.5}),
        ('timeout = "3,30"', {"timeout": (3.0, 30.0)}),
        ('cert = ["/c.pem", "/k.pem"]', {"cert": ("/c.pem", "/k.pem")}),
        ('proxies = { http = "http://p:1" }', {"proxies": {"http": "http://p:1"}}),
        ("default_tags = { rack = 12, on = true }", {"default_tags": {"rack": "12", "on": "true"}}),
        ("tag_rack = 12", {"default_tags": {"rack": "12"}}),
        ('port = "8087"', {"port": 8087}),
    ],
)
def test_toml_native_types(toml: str, kwargs: dict[str, Any]) -> None:
    assert kwargs_from_text("[influxdb]\n" + toml, "toml") == kwargs


@pytest.mark.parametrize(
    ("fmt", "text", "message"),
    [
        ("toml", "[influxdb]\nport = 8087.5",
         "app.toml [influxdb] port: expected an integer; got 8087.5"),
        ("toml", "[influxdb]\nport = true",
         "app.toml [influxdb] port: expected an integer, got a boolean; got True"),
        ("toml", "[influxdb]\nssl = 1",
         "app.toml [influxdb] ssl: expected a boolean (true/false, 1/0, yes/no, on/off); got 1"),
        ("toml", "[influxdb]\ntimeout = [1, 2, 3]",
         "app.toml [influxdb] timeout: expected seconds or 'connect,read' seconds; "
         "got [1, 2, 3]"),
        ("toml", "[influxdb]\ndefault_tags = { a = { b = 1 } }",
         "app.toml [influxdb] default_tags: expected a table of text values; "
         "got {'a': {'b': 1}}"),
        ("toml", "[influxdb]\nhostname = 'h'",
         "app.toml [influxdb] hostname: unknown key (known: cert, create_database_if_missing, "
         "database, deadline, default_retention_policy, default_tags, default_time_precision, "
         "dsn, gzip, headers, host, max_document_size, password, path, pool_size, port, "
         "proxies, retries, ssl, tag_<name>, timeout, token, udp_port, url, use_udp, username, "
         "verify_ssl)"),
        ("toml", "[influxdb]\ndeadline = 0",
         "app.toml [influxdb] deadline: expected a positive, finite number of seconds; got 0"),
        ("toml", "[influxdb]\nmax_document_size = 0",
         "app.toml [influxdb] max_document_size: expected an integer >= 1; got 0"),
        ("toml", "[influxdb]\nhost = 5", "app.toml [influxdb] host: expected text; got 5"),
        ("toml", "[influxdb]\ntag_x = [1]", "app.toml [influxdb] tag_x: expected a text value"),
        ("toml", "[other]\nhost = 'h'", "app.toml: no table [influxdb]"),
        ("toml", "influxdb = 3", "app.toml: no table [influxdb]"),
        ("ini", "[influxdb]\npool_size = 0",
         "app.toml [influxdb] pool_size: expected an integer >= 1; got '0'"),
        ("ini", "[other]\nhost = h", "app.toml: no section [influxdb]"),
        ("yaml", "", "app.toml: unknown format 'yaml' (use 'ini' or 'toml')"),
    ],
)
def test_file_errors_name_file_section_and_key(fmt: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        kwargs_from_text(text, fmt, source="app.toml")
    assert str(info.value) == message


def test_toml_syntax_error_names_the_file() -> None:
    with pytest.raises(ConfigError, match=r"^app\.toml: not valid TOML: "):
        kwargs_from_text("[influxdb\nport = 1", "toml", source="app.toml")


def test_ini_syntax_error_names_the_file() -> None:
    with pytest.raises(ConfigError, match=r"^app\.ini: not a valid ini file: "):
        kwargs_from_text("port = 1\n", "ini", source="app.ini")


def test_file_error_messages_use_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "prod.ini"
    path.write_text("[influxdb]\nport = eighty\n")
    with pytest.raises(ConfigError) as info:
        kwargs_from_file(path)
    assert str(info.value) == "prod.ini [influxdb] port: expected an integer; got 'eighty'"


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        kwargs_from_file(tmp_path / "absent.ini")


def test_ini_keys_are_case_insensitive() -> None:
    assert kwargs_from_text("[influxdb]\nHOST = h\nPort = 1\n", "ini") == {"host": "h", "port": 1}
