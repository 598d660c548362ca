"""The exception tree and the table that picks a class for an error answer."""

from __future__ import annotations

import pickle

import pytest

from influxdb.exceptions import (
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
    error_from_response,
)


@pytest.mark.parametrize("content,code,operation,cls,message", [
    ('{"error":"authorization failed"}', 401, "query", InfluxDBAuthenticationError,
     '401: {"error":"authorization failed"}'),
    ('{"error":"\\"bob\\" user is not authorized to write to database \\"d\\""}', 403, "write",
     InfluxDBAuthorizationError,
     '403: {"error":"\\"bob\\" user is not authorized to write to database \\"d\\""}'),
    ('{"error":"database not found: \\"x\\""}', 404, "write", InfluxDBDatabaseNotFoundError,
     '404: {"error":"database not found: \\"x\\""}'),
    ('{"error":"retention policy not found: rp"}', 500, "write", InfluxDBServerError,
     '{"error":"retention policy not found: rp"}'),
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
    InfluxDBInvalidPointError("point 0: bad"), InfluxDBFieldTypeConflictError("z", 400)])
def test_exceptions_pickle(error: InfluxDBError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.content, copy.code) == (
        type(error), str(error), error.content, error.code)
