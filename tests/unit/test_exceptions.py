"""The exception tree and the table that picks a class for an error answer."""

from __future__ import annotations

import pickle

import pytest

from influxdb.exceptions import (
    InfluxDBArgumentAttributeError,
    InfluxDBArgumentError,
    InfluxDBArgumentNameError,
    InfluxDBArgumentTypeError,
    InfluxDBAuthenticationError,
    InfluxDBAuthorizationError,
    InfluxDBClientError,
    InfluxDBDatabaseNotFoundError,
    InfluxDBError,
    InfluxDBFieldTypeConflictError,
    InfluxDBInvalidPointError,
    InfluxDBPartialWriteError,
    InfluxDBQueryError,
    InfluxDBRetentionPolicyNotFoundError,
    InfluxDBServerError,
    InfluxDBWriteError,
    NotInfluxDBClientError,
    NotInfluxDBError,
    NotInfluxDBServerError,
    error_from_response,
    is_retryable_error,
)


@pytest.mark.parametrize("content,code,operation,cls,message", [
    ('{"error":"authorization failed"}', 401, "query", InfluxDBAuthenticationError,
     '401: {"error":"authorization failed"}'),
    ('{"error":"\\"bob\\" user is not authorized to write to database \\"d\\""}', 403, "write",
     InfluxDBAuthorizationError,
     '403: {"error":"\\"bob\\" user is not authorized to write to database \\"d\\""}'),
    ('{"error":"database not found: \\"x\\""}', 404, "write", InfluxDBDatabaseNotFoundError,
     '404: {"error":"database not found: \\"x\\""}'),
    # influxd 1.6 answers a write to a missing retention policy with 500: the message wins.
    ('{"error":"retention policy not found: rp"}', 500, "write",
     InfluxDBRetentionPolicyNotFoundError, '500: {"error":"retention policy not found: rp"}'),
    ('{"error":"database not found: \\"x\\""}', 500, "query", InfluxDBDatabaseNotFoundError,
     None),
    ('{"error":"unable to parse authentication credentials"}', 401, "query",
     InfluxDBAuthenticationError, None),
    ('{"error":"unable to parse"}', 500, "write", InfluxDBServerError,
     '{"error":"unable to parse"}'),
    ('{"error":"timeout"}', 500, "write", InfluxDBServerError, '{"error":"timeout"}'),
    ('{"error":"too many requests"}', 429, "write", InfluxDBClientError, None),
    ('{"error":"retention policy not found: rp"}', 400, "write",
     InfluxDBRetentionPolicyNotFoundError, '400: {"error":"retention policy not found: rp"}'),
    ('{"error":"partial write: field type conflict: input field \\"v\\" on measurement \\"t\\" '
     'is type string, already exists as type integer dropped=1"}', 400, "write",
     InfluxDBFieldTypeConflictError, None),
    ('{"error":"partial write: points beyond retention policy dropped=1"}', 400, "write",
     InfluxDBPartialWriteError, None),
    ('{"error":"unable to parse \'m v=\': missing field value"}', 400, "write",
     InfluxDBWriteError, None),
    ('{"error":"something else"}', 400, "write", InfluxDBWriteError, None),
    ('{"error":"error parsing query: found EOF"}', 400, "query", InfluxDBQueryError, None),
    ("database not found: x", None, "query", InfluxDBDatabaseNotFoundError,
     "database not found: x"),
    ("error authorizing query: bob not authorized to execute statement 'SHOW USERS', requires "
     "admin privilege", None, "query", InfluxDBAuthorizationError, None),
    ("not a JSON body", 418, "query", InfluxDBClientError, "418: not a JSON body"),
    (b"bytes \xff body", 502, "query", InfluxDBServerError, "bytes \ufffd body"),
])
def test_error_table(content: object, code: object, operation: str, cls: type,
                     message: object) -> None:
    error = error_from_response(content, code, operation=operation)  # type: ignore[arg-type]
    assert type(error) is cls
    assert error.code == code
    if message is not None:
        assert str(error) == message


def test_tree() -> None:
    assert issubclass(InfluxDBClientError, InfluxDBError)
    assert issubclass(InfluxDBServerError, InfluxDBError)
    assert not issubclass(InfluxDBServerError, InfluxDBClientError)
    assert issubclass(InfluxDBInvalidPointError, ValueError)
    assert issubclass(InfluxDBInvalidPointError, InfluxDBClientError)
    for cls in (InfluxDBAuthenticationError, InfluxDBAuthorizationError,
                InfluxDBDatabaseNotFoundError, InfluxDBRetentionPolicyNotFoundError,
                InfluxDBQueryError, InfluxDBWriteError, InfluxDBPartialWriteError,
                InfluxDBFieldTypeConflictError):
        assert issubclass(cls, InfluxDBClientError)


def test_contract_constructor_and_attributes() -> None:
    e = InfluxDBClientError(b'{"error":"x"}', 400)
    assert (str(e), e.content, e.code) == ('400: {"error":"x"}', '{"error":"x"}', 400)
    e2 = InfluxDBClientError("statement failed")
    assert (str(e2), e2.code) == ("statement failed", None)
    s = InfluxDBServerError(b"boom")
    assert (str(s), s.content, s.code) == ("boom", "boom", None)


@pytest.mark.parametrize("error", [
    InfluxDBClientError("x", 400), InfluxDBServerError("y", 503),
    InfluxDBInvalidPointError("point 0: bad"), InfluxDBFieldTypeConflictError("z", 400),
    InfluxDBArgumentError("username must not be empty"), InfluxDBArgumentTypeError("t"),
    InfluxDBArgumentAttributeError("Missing Meta class in H."), InfluxDBArgumentNameError("n"),
    NotInfluxDBClientError("<html>", 404, "http://h:1/ping"),
    NotInfluxDBServerError("", 501, "http://h:1/write")])
def test_exceptions_pickle(error: InfluxDBError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.content, copy.code) == (
        type(error), str(error), error.content, error.code)


HTML = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n<html><body>" + "x" * 400


@pytest.mark.parametrize("content,code,cls,old_cls", [
    (HTML, 404, NotInfluxDBClientError, InfluxDBClientError),
    ("", 501, NotInfluxDBServerError, InfluxDBServerError),
    ("Bad Gateway", 502, NotInfluxDBServerError, InfluxDBServerError),
    ("401 Unauthorized", 401, NotInfluxDBClientError, InfluxDBClientError),
])
def test_an_answer_not_from_influxdb(content: str, code: int, cls: type,
                                     old_cls: type) -> None:
    error = error_from_response(content, code, from_influxdb=False,
                                url="http://127.0.0.1:8080/ping")
    assert type(error) is cls
    assert isinstance(error, NotInfluxDBError) and isinstance(error, old_cls)
    assert not isinstance(error, InfluxDBServerError if old_cls is InfluxDBClientError
                          else InfluxDBClientError)
    assert (error.code, error.content, error.url) == (  # type: ignore[attr-defined]
        code, content[:200], "http://127.0.0.1:8080/ping")
    begins = f"its answer begins {content[:200]!r}" if content else "its answer has no body"
    assert str(error) == (f"{code}: the server at http://127.0.0.1:8080/ping did not answer as "
                          f"InfluxDB (HTTP {code} without an X-Influxdb-Version header); "
                          + begins)


def test_an_influxdb_error_body_without_the_version_header_is_influxdb() -> None:
    # A proxy may drop the header; the body still says InfluxDB answered.
    error = error_from_response('{"error":"database not found: \\"d\\""}', 404,
                                operation="write", from_influxdb=False)
    assert type(error) is InfluxDBDatabaseNotFoundError


R = frozenset({429, 500, 502, 503, 504})


@pytest.mark.parametrize("error,retried", [
    (InfluxDBServerError("boom", 500), True),
    (InfluxDBServerError("boom", 503), True),
    (InfluxDBServerError("not implemented", 501), False),
    (InfluxDBServerError("no code"), True),
    (InfluxDBClientError("slow down", 429), True),
    (InfluxDBClientError("bad", 400), False),
    (InfluxDBClientError("statement"), False),
    (error_from_response('{"error":"retention policy not found: rp"}', 500), False),
    (error_from_response('{"error":"database not found: d"}', 500), False),
    (error_from_response('{"error":"partial write: dropped=1"}', 500), False),
    (InfluxDBQueryError("x", 400), False),
    (NotInfluxDBServerError("", 500), False),
    (NotInfluxDBServerError("", 501), False),
    (NotInfluxDBServerError("Bad Gateway", 502), True),
    (NotInfluxDBServerError("", 503), True),
    (NotInfluxDBClientError("", 429), True),
    (NotInfluxDBClientError("", 404), False),
    (InfluxDBArgumentError("x"), False),
    (ValueError("x"), False),
])
def test_is_retryable_error(error: BaseException, retried: bool) -> None:
    assert is_retryable_error(error, R) is retried


def test_retryable_only_for_the_statuses_of_the_policy() -> None:
    assert is_retryable_error(InfluxDBServerError("x", 500), {503}) is False
    assert is_retryable_error(NotInfluxDBServerError("", 503), {500}) is False


def test_argument_errors_are_client_errors_with_code_400() -> None:
    assert InfluxDBArgumentError.__mro__[1:3] == (InfluxDBClientError, InfluxDBError)
    assert issubclass(InfluxDBArgumentError, ValueError)
    assert issubclass(InfluxDBArgumentTypeError, TypeError)
    assert issubclass(InfluxDBArgumentTypeError, InfluxDBArgumentError)
    assert issubclass(InfluxDBInvalidPointError, InfluxDBArgumentError)
    # SeriesHelper's checks raised these builtins in 5.3.2.
    assert issubclass(InfluxDBArgumentAttributeError, AttributeError)
    assert issubclass(InfluxDBArgumentNameError, NameError)
    for cls in (InfluxDBArgumentAttributeError, InfluxDBArgumentNameError,
                InfluxDBArgumentTypeError, InfluxDBInvalidPointError):
        assert issubclass(cls, InfluxDBArgumentError) and issubclass(cls, ValueError)
    error = InfluxDBArgumentError("username must not be empty")
    assert (str(error), error.content, error.code) == (
        "username must not be empty", "username must not be empty", 400)


def test_the_message_says_how_many_attempts_were_made_over_how_long() -> None:
    error = InfluxDBServerError('{"error":"boom"}', 500)
    assert str(error) == '{"error":"boom"}'
    error.attempts, error.elapsed = 3, 5.84
    assert str(error) == '{"error":"boom"} (gave up after 3 attempts over 5.8s)'
    assert error.content == '{"error":"boom"}'
