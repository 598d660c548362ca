"""The exceptions raised by the client, and the one table that picks them.

The tree::

    InfluxDBError                         root of everything this package raises on purpose
    ├── InfluxDBClientError               4xx answers, statement errors, bad input  (5.3.2 contract)
    │   ├── InfluxDBAuthenticationError   401: missing or wrong credentials
    │   ├── InfluxDBAuthorizationError    403, or "not authorized" inside a 200 answer
    │   ├── InfluxDBDatabaseNotFoundError "database not found"
    │   ├── InfluxDBRetentionPolicyNotFoundError  "retention policy not found"
    │   ├── InfluxDBQueryError            a statement the server refused (parse error, ...)
    │   ├── InfluxDBWriteError            a write the server refused (400 on /write)
    │   │   └── InfluxDBPartialWriteError     some points were dropped ("partial write")
    │   │       └── InfluxDBFieldTypeConflictError  a field changed type
    │   └── InfluxDBInvalidPointError     (also ValueError) bad input caught before sending
    └── InfluxDBServerError               5xx answers (5.3.2 contract: NOT a client error)

``InfluxDBServerError`` stays outside ``InfluxDBClientError`` on purpose: code written for
influxdb-python retries one and drops the other.  Transport failures (refused connections,
timeouts) are raised as the :mod:`requests` exceptions they are, exactly as in 5.3.2.

Which class an error answer becomes is decided in one place, :func:`error_from_response`,
shared by HTTP error answers and by statement errors carried inside a 200 answer.
"""

from __future__ import annotations

import json
from typing import Optional, Union

__all__ = [
    "InfluxDBAuthenticationError",
    "InfluxDBAuthorizationError",
    "InfluxDBClientError",
    "InfluxDBDatabaseNotFoundError",
    "InfluxDBError",
    "InfluxDBFieldTypeConflictError",
    "InfluxDBInvalidPointError",
    "InfluxDBPartialWriteError",
    "InfluxDBQueryError",
    "InfluxDBRetentionPolicyNotFoundError",
    "InfluxDBServerError",
    "InfluxDBWriteError",
    "error_from_response",
]


def _text(content: Union[str, bytes, None]) -> str:
    if content is None:
        return ""
    if isinstance(content, (bytes, bytearray)):
        return bytes(content).decode("utf-8", "replace")
    return str(content)


class InfluxDBError(Exception):
    """Root of every exception this package raises on purpose.

    :ivar content: the server's answer (or our message) as text
    :ivar code: the HTTP status, or ``None`` when there was no HTTP error
    """

    content: str
    code: Optional[int]

    def __init__(self, content: Union[str, bytes, None] = "", code: Optional[int] = None) -> None:
        self.content = _text(content)
        self.code = code
        if code is not None:
            message = f"{code}: {self.content}"
        else:
            message = self.content
        super().__init__(message)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Keep exceptions picklable (multiprocessing, logging handlers) with both arguments.
        return (self.__class__, (self.content, self.code))


class InfluxDBClientError(InfluxDBError):
    """Raised when the server refuses a request (4xx) or a statement, or on bad input.

    Message format is the 5.3.2 one: ``"<code>: <content>"`` when a status is known, else
    the content alone.

    :param content: the server's answer or a message (bytes are decoded as UTF-8)
    :param code: the HTTP status code, ``None`` for statement errors
    """


class InfluxDBAuthenticationError(InfluxDBClientError):
    """401: the server did not accept the credentials (or none were sent)."""


class InfluxDBAuthorizationError(InfluxDBClientError):
    """403, or a statement refused because the user lacks the privilege."""


class InfluxDBDatabaseNotFoundError(InfluxDBClientError):
    """The database named by the request does not exist."""


class InfluxDBRetentionPolicyNotFoundError(InfluxDBClientError):
    """The retention policy named by the request does not exist."""


class InfluxDBQueryError(InfluxDBClientError):
    """A statement the server refused: parse errors, unknown functions, and the like."""


class InfluxDBWriteError(InfluxDBClientError):
    """The server refused a write (``unable to parse``, points beyond the retention policy...)."""


class InfluxDBPartialWriteError(InfluxDBWriteError):
    """Some points of a write were dropped by the server; the others were stored."""


class InfluxDBFieldTypeConflictError(InfluxDBPartialWriteError):
    """A field was written with a type other than the one it already has in its shard."""


class InfluxDBInvalidPointError(InfluxDBClientError, ValueError):
    """Input that cannot be written, caught before anything is sent.

    Also a :class:`ValueError`, which is what influxdb-python raised for bad precision or
    consistency values, so existing ``except ValueError`` clauses keep working.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, None)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (self.__class__, (self.content,))


class InfluxDBServerError(InfluxDBError):
    """Raised on 5xx answers.  Not a subclass of :class:`InfluxDBClientError` (5.3.2 contract).

    Unlike 5.3.2, the message is decoded text (never ``"b'...'"``), and ``.content`` and
    ``.code`` are set.  The message is the content alone, as in 5.3.2.
    """

    def __init__(self, content: Union[str, bytes, None] = "", code: Optional[int] = None) -> None:
        super().__init__(content, None)
        self.code = code


def _server_message(content: str) -> str:
    """The ``error`` member of a JSON error body, else the body itself, lower-cased."""
    try:
        decoded = json.loads(content)
    except ValueError:
        return content.lower()
    if isinstance(decoded, dict) and isinstance(decoded.get("error"), str):
        return str(decoded["error"]).lower()
    return content.lower()


# (substring of the server's message, class), first match wins.  Messages are those of
# InfluxDB 1.x (services/httpd/handler.go and coordinator/points_writer.go).
_MESSAGE_TABLE: tuple[tuple[str, type[InfluxDBClientError]], ...] = (
    ("field type conflict", InfluxDBFieldTypeConflictError),
    ("partial write", InfluxDBPartialWriteError),
    ("database not found", InfluxDBDatabaseNotFoundError),
    ("retention policy not found", InfluxDBRetentionPolicyNotFoundError),
    ("not authorized", InfluxDBAuthorizationError),
    ("error authorizing query", InfluxDBAuthorizationError),
    ("authorization failed", InfluxDBAuthenticationError),
    ("unable to parse", InfluxDBWriteError),
)

_STATUS_TABLE: dict[int, type[InfluxDBClientError]] = {
    401: InfluxDBAuthenticationError,
    403: InfluxDBAuthorizationError,
}


def error_from_response(
    content: Union[str, bytes, None],
    code: Optional[int],
    *,
    operation: str = "query",
) -> InfluxDBError:
    """Build the exception for an error answer.

    :param content: the answer body (HTTP errors) or the statement's ``error`` text
    :param code: the HTTP status, or ``None`` for a statement error inside a 200 answer
    :param operation: ``"write"`` or ``"query"``: which generic class a 400 falls back to
    :returns: an :class:`InfluxDBServerError` for 5xx, else an :class:`InfluxDBClientError`
        subclass chosen by status and then by the server's message
    """
    text = _text(content)
    if code is not None and 500 <= code < 600:
        return InfluxDBServerError(text, code)
    message = _server_message(text)
    cls: type[InfluxDBClientError] = InfluxDBClientError
    if code in _STATUS_TABLE:
        cls = _STATUS_TABLE[code]
    else:
        for needle, candidate in _MESSAGE_TABLE:
            if needle in message:
                cls = candidate
                break
        else:
            if code is None or code == 400:
                cls = InfluxDBWriteError if operation == "write" else InfluxDBQueryError
    return cls(text, code)
