"""Pure parts of the 0.8 client: DSNs, precisions, redaction, path segments, the error."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from influxdb08._util import check_precision, parse_dsn, path_segment, redact, slices
from influxdb08.client import InfluxDBClientError


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("influxdb://", {}),
        ("influxdb://host", {"host": "host"}),
        ("influxdb://host:1234", {"host": "host", "port": 1234}),
        (
            "influxdb://usr:pwd@host:1886/db",
            {"host": "host", "port": 1886, "username": "usr", "password": "pwd", "database": "db"},
        ),
        (
            "influxdb://u%40x:p%3Aw%2Fd@h/db",
            {"host": "h", "username": "u@x", "password": "p:w/d", "database": "db"},
        ),
        ("udp+influxdb://h", {"use_udp": True, "host": "h"}),
        ("https+influxdb://h:443", {"ssl": True, "host": "h", "port": 443}),
        ("influxdb://h/", {"host": "h"}),
        ("influxdb://user@h", {"host": "h", "username": "user"}),
    ],
)
def test_parse_dsn(dsn: str, expected: dict[str, Any]) -> None:
    assert parse_dsn(dsn) == expected


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("http://h", 'Unknown scheme "http".'),
        ("tcp+influxdb://h", 'Unknown modifier "tcp".'),
        ("udp+https+influxdb://h", 'Unknown scheme "https+influxdb".'),
    ],
)
def test_parse_dsn_rejects(dsn: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_dsn(dsn)
    assert str(info.value) == message


@pytest.mark.parametrize("precision", ["s", "m", "ms", "u"])
def test_check_precision_accepts(precision: str) -> None:
    assert check_precision(precision) == precision


@pytest.mark.parametrize("precision", ["n", "ns", "h", "", None, "S"])
def test_check_precision_rejects(precision: Any) -> None:
    with pytest.raises(ValueError) as info:
        check_precision(precision)
    assert str(info.value) == "Invalid time precision is given. (use 's', 'm', 'ms' or 'u')"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/db/x/series?u=root&p=secret", "/db/x/series?u=***&p=***"),
        (
            "url: /db?q=select&u=a%40b&p=s3cr%26t (Caused by",
            "url: /db?q=select&u=***&p=*** (Caused by",
        ),
        ("'/db?p=pw'", "'/db?p=***'"),
        ("group=1&up=2", "group=1&up=2"),
        ("nothing here", "nothing here"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cpu", "cpu"),
        ("cpu load", "cpu%20load"),
        ("a/b?c#d", "a%2Fb%3Fc%23d"),
        ("x.y-z_1", "x.y-z_1"),
        (None, "None"),
        ("é", "%C3%A9"),
    ],
)
def test_path_segment(value: Any, expected: str) -> None:
    assert path_segment(value) == expected


@pytest.mark.parametrize(
    ("items", "size", "expected"),
    [([1, 2, 3, 4, 5], 2, [[1, 2], [3, 4], [5]]), ([1, 2], 5, [[1, 2]]), ([], 3, [])],
)
def test_slices(items: list[int], size: int, expected: list[list[int]]) -> None:
    assert [list(s) for s in slices(items, size)] == expected


@pytest.mark.parametrize(
    ("args", "message", "content", "code"),
    [
        (
            (b"Couldn't find series: x", 400),
            "400: Couldn't find series: x",
            "Couldn't find series: x",
            400,
        ),
        (("boom",), "-1: boom", "boom", -1),
        (("", 204), "204: ", "", 204),
        ((b"\xff", 401), "401: \ufffd", "\ufffd", 401),
    ],
)
def test_client_error(args: tuple[Any, ...], message: str, content: str, code: int) -> None:
    error = InfluxDBClientError(*args)
    assert str(error) == message
    assert error.args == (message,)
    assert error.content == content
    assert error.code == code


def test_client_error_pickles() -> None:
    error = pickle.loads(pickle.dumps(InfluxDBClientError(b"bad", 400)))
    assert (type(error), str(error), error.content, error.code) == (
        InfluxDBClientError,
        "400: bad",
        "bad",
        400,
    )
