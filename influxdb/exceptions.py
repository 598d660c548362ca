"""The exceptions raised by the client, and the one table that picks them.

The tree::

    InfluxDBError                         root of everything this package raises on purpose
    ├── InfluxDBClientError               4xx answers, statement errors, bad input  (5.3.2 contract)
    │   ├── InfluxDBAuthenticationError   401: missing or wrong credentials
    │   ├── InfluxDBAuthorizationError    403, or "not authorized" inside a 200 answer
    │   ├── InfluxDBDatabaseNotFoundError "database not found"
    │   ├── InfluxDBRetentionPolicyNotFoundError  "retention policy not found" (even in a 500)
    │   ├── InfluxDBQueryError            a statement the server refused (parse error, ...)
    │   ├── InfluxDBWriteError            a write the server refused (400 on /write)
    │   │   └── InfluxDBPartialWriteError     some points were dropped ("partial write")
    │   │       └── InfluxDBFieldTypeConflictError  a field changed type
    │   ├── InfluxDBArgumentError         (also ValueError) an argument refused before sending
    │   │   ├── InfluxDBArgumentTypeError     (also TypeError) an argument of the wrong type
    │   │   ├── InfluxDBArgumentAttributeError, InfluxDBArgumentNameError  (also AttributeError,
    │   │   │                                 NameError) SeriesHelper's checks, as in 5.3.2
    │   │   └── InfluxDBInvalidPointError     a point that cannot be written
    │   └── NotInfluxDBClientError        a 4xx from a server that is not InfluxDB
    ├── InfluxDBServerError               5xx answers (5.3.2 contract: NOT a client error)
    │   └── NotInfluxDBServerError        a 5xx from a server that is not InfluxDB
    ├── NotInfluxDBError                  the base of the two ``NotInfluxDB...`` classes
    └── InfluxDBBrokenAnswerError         (also ValueError) a 200 answer cut short, malformed,
                                          or larger than ``max_document_size``

``InfluxDBServerError`` stays outside ``InfluxDBClientError`` on purpose: code written for
influxdb-python retries one and drops the other.  Transport failures (refused connections,
timeouts) are raised as the :mod:`requests` exceptions they are, exactly as in 5.3.2.

Which class an error answer becomes is decided in one place, :func:`error_from_response`,
from one table keyed on status and server message (``_TABLE``), shared by HTTP error
answers and by statement errors carried inside a 200 answer; whether an answer is worth
another attempt is decided from that class by :func:`is_retryable_error`, for the client's
retries and the batching writer's alike.
"""

from __future__ import annotations

import json
from collections.abc import Container
from typing import Optional, Union

from influxdb._redact import redact

__all__ = [
    "InfluxDBArgumentAttributeError",
    "InfluxDBArgumentError",
    "InfluxDBArgumentNameError",
    "InfluxDBArgumentTypeError",
    "InfluxDBAuthenticationError",
    "InfluxDBAuthorizationError",
    "InfluxDBBrokenAnswerError",
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
    "NotInfluxDBClientError",
    "NotInfluxDBError",
    "NotInfluxDBServerError",
    "error_from_response",
    "is_retryable_error",
]


def _text(content: Union[str, bytes, None]) -> str:
    """``content`` as text, credentials replaced by ``[redacted]``.

    A server (or a proxy) given a garbled request can answer with a body that quotes its
    header lines, ``Authorization: Basic ...`` among them, and users log exceptions: the
    message and ``.content`` of every exception of the tree go through
    :func:`influxdb._redact.redact` (docs/security.rst), but those of
    :class:`InfluxDBArgumentError`, which are ours alone.
    """
    if content is None:
        return ""
    if isinstance(content, (bytes, bytearray)):
        return redact(bytes(content).decode("utf-8", "replace"))
    return redact(str(content))


class InfluxDBError(Exception):
    """Root of every exception this package raises on purpose.

    :ivar content: the server's answer (or our message) as text
    :ivar code: the HTTP status, or ``None`` when there was no HTTP error
    :ivar attempts: requests made before giving up (``1`` when the request was not retried);
        the message says how many there were, and over how long, when more than one
    :ivar elapsed: seconds from the first attempt to giving up
    :ivar retry_after: for an error answer, the seconds its ``Retry-After`` header asked the
        client to wait before the next request (HTTP date or delay, read when the answer
        arrived; at most one day), else ``None``.  The retry decision waits at least this
        long (up to :attr:`~influxdb.Retry.retry_after_max`); a caller that retries by
        itself may read it too.
    """

    content: str
    code: Optional[int]
    attempts: int = 1
    elapsed: float = 0.0
    retry_after: Optional[float] = None

    def __init__(self, content: Union[str, bytes, None] = "", code: Optional[int] = None) -> None:
        self.content = _text(content)
        self.code = code
        if code is not None:
            message = f"{code}: {self.content}"
        else:
            message = self.content
        super().__init__(message)

    def __str__(self) -> str:
        text = super().__str__()
        if self.attempts > 1:
            text += f" (gave up after {self.attempts} attempts over {self.elapsed:.1f}s)"
        return text

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
    """The retention policy named by the request does not exist.

    influxd 1.x answers a write to a missing retention policy with HTTP 500; ``.code`` is
    then 500, and the error is raised at once (sending it again cannot succeed).
    """


class InfluxDBQueryError(InfluxDBClientError):
    """A statement the server refused: parse errors, unknown functions, and the like."""


class InfluxDBWriteError(InfluxDBClientError):
    """The server refused a write (``unable to parse``, points beyond the retention policy...)."""


class InfluxDBPartialWriteError(InfluxDBWriteError):
    """Some points of a write were dropped by the server; the others were stored."""


class InfluxDBFieldTypeConflictError(InfluxDBPartialWriteError):
    """A field was written with a type other than the one it already has in its shard."""


class InfluxDBArgumentError(InfluxDBClientError, ValueError):
    """An argument refused before anything was sent.

    An :class:`InfluxDBClientError` with ``code`` 400: influxdb-python 5.3.2 sent many of
    these arguments (an unknown privilege, a malformed duration) to the server, which
    refused them with HTTP 400, so ``except InfluxDBClientError`` and
    ``exc.code == 400`` keep working.  Also a :class:`ValueError`, which 5.3.2 raised for the
    arguments it checked itself (precision, consistency, port, DSN).  The message is ours
    alone (no ``"400: "`` prefix); ``.content`` holds it too.

    :param message: what is wrong, naming the argument (never echoing a secret)
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, None)
        # Our own text, never quoting a secret (a URL with credentials is named, not
        # shown): kept as written, placeholders such as ``user:password@host`` included.
        self.content = message = str(message)
        self.args = (message,)
        self.code = 400

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (self.__class__, (self.content,))


class InfluxDBArgumentTypeError(InfluxDBArgumentError, TypeError):
    """An argument of the wrong type (a :class:`TypeError` too, as 5.3.2 raised for those)."""


class InfluxDBArgumentAttributeError(InfluxDBArgumentError, AttributeError):
    """A misconfigured :class:`~influxdb.helper.SeriesHelper` (its ``Meta``, no client), or a
    UDP write from a client without ``use_udp``: the :class:`AttributeError` 5.3.2 raised."""


class InfluxDBArgumentNameError(InfluxDBArgumentError, NameError):
    """A :class:`~influxdb.helper.SeriesHelper` given a tag too few or a name it does not
    know: the :class:`NameError` 5.3.2 raised."""


class InfluxDBInvalidPointError(InfluxDBArgumentError):
    """Input that cannot be written, caught before anything is sent.

    Also a :class:`ValueError`, which is what influxdb-python raised for bad precision or
    consistency values, so existing ``except ValueError`` clauses keep working.
    """


class InfluxDBServerError(InfluxDBError):
    """Raised on 5xx answers.  Not a subclass of :class:`InfluxDBClientError` (5.3.2 contract).

    Unlike 5.3.2, the message is decoded text (never ``"b'...'"``), and ``.content`` and
    ``.code`` are set.  The message is the content alone, as in 5.3.2.
    """

    def __init__(self, content: Union[str, bytes, None] = "", code: Optional[int] = None) -> None:
        super().__init__(content, None)
        self.code = code


#: The most of a foreign server's answer kept in :class:`NotInfluxDBError` (a whole HTML page
#: says nothing more than its first lines).
BODY_EXCERPT = 200


class NotInfluxDBError(InfluxDBError):
    """The server at the client's URL did not answer as InfluxDB: a wrong port or path.

    Raised for an error answer without the ``X-Influxdb-Version`` header every InfluxDB 1.x
    answer carries and without an InfluxDB error body (``{"error": "..."}``).  The class
    raised is :class:`NotInfluxDBClientError` or :class:`NotInfluxDBServerError`, so the
    ``except`` clause that caught such a status before still does.  Not retried, except the
    statuses a proxy in front of InfluxDB answers while the server restarts (429, 502, 503,
    504).

    :ivar content: the first 200 characters of the answer's body
    :ivar code: the HTTP status
    :ivar url: the URL asked, without credentials or query string
    """

    url: str

    def __init__(self, content: Union[str, bytes, None] = "", code: Optional[int] = None,
                 url: str = "") -> None:
        excerpt = _text(content)[:BODY_EXCERPT]  # cleaned whole, then cut
        super().__init__(excerpt, code)
        url = self.url = redact(url)
        where = f"the server at {url}" if url else "the server"
        body = (f"; its answer begins {self.content!r}" if self.content
                else "; its answer has no body")
        self.args = (f"{code}: {where} did not answer as InfluxDB (HTTP {code} without an "
                     f"X-Influxdb-Version header){body}",)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (self.__class__, (self.content, self.code, self.url))


class NotInfluxDBClientError(NotInfluxDBError, InfluxDBClientError):
    """A 4xx (or other non-5xx) answer from a server that is not InfluxDB."""


class NotInfluxDBServerError(NotInfluxDBError, InfluxDBServerError):
    """A 5xx answer from a server that is not InfluxDB."""


def _error_member(content: str) -> Optional[str]:
    """The ``error`` member of an InfluxDB error body (``{"error": "..."}``), else ``None``."""
    if not content.lstrip().startswith("{"):
        return None
    try:
        decoded = json.loads(content)
    except ValueError:
        return None
    if isinstance(decoded, dict) and isinstance(decoded.get("error"), str):
        return str(decoded["error"])
    return None


# Status groups of the table: None stands for "a statement error inside a 200 answer".
_ANY: Optional[frozenset[Optional[int]]] = None  # every status, and statement errors
_NOT_5XX = frozenset({None, *range(400, 500)})

#: The one table: (statuses or _ANY, substring of the server's message or None, class);
#: the first row that matches wins.  The server's message comes first, whatever the status:
#: influxd 1.6 answers a write to a missing retention policy with 500 "retention policy not
#: found", a client mistake that no retry can mend.  Messages are those of InfluxDB 1.x
#: (services/httpd/handler.go, coordinator/points_writer.go, the query authorizer).
_TABLE: tuple[tuple[Optional[frozenset[Optional[int]]], Optional[str],
                    type[InfluxDBClientError]], ...] = (
    (_ANY, "field type conflict", InfluxDBFieldTypeConflictError),
    (_ANY, "partial write", InfluxDBPartialWriteError),
    (_ANY, "database not found", InfluxDBDatabaseNotFoundError),
    (_ANY, "retention policy not found", InfluxDBRetentionPolicyNotFoundError),
    (frozenset({401}), None, InfluxDBAuthenticationError),
    (frozenset({403}), None, InfluxDBAuthorizationError),
    (_ANY, "not authorized", InfluxDBAuthorizationError),
    (_ANY, "error authorizing query", InfluxDBAuthorizationError),
    (_ANY, "authorization failed", InfluxDBAuthenticationError),
    (_NOT_5XX, "unable to parse", InfluxDBWriteError),
)

#: Statuses a proxy or load balancer in front of InfluxDB answers while the server restarts
#: or sheds load: retried (when the policy retries them) even from a server that is not
#: InfluxDB.
_GATEWAY_STATUSES = frozenset({429, 502, 503, 504})


def _classify(message: str, code: Optional[int]) -> Optional[type[InfluxDBClientError]]:
    for statuses, needle, cls in _TABLE:
        if statuses is not None and code not in statuses:
            continue
        if needle is None or needle in message:
            return cls
    return None


def error_from_response(
    content: Union[str, bytes, None],
    code: Optional[int],
    *,
    operation: str = "query",
    from_influxdb: bool = True,
    url: str = "",
) -> InfluxDBError:
    """Build the exception for an error answer.

    :param content: the answer body (HTTP errors) or the statement's ``error`` text
    :param code: the HTTP status, or ``None`` for a statement error inside a 200 answer
    :param operation: ``"write"`` or ``"query"``: which generic class a 400 falls back to
    :param from_influxdb: whether the answer carried InfluxDB's ``X-Influxdb-Version``
        header; without it and without an InfluxDB error body, the answer came from another
        server (:class:`NotInfluxDBError`)
    :param url: the URL asked (for :class:`NotInfluxDBError`'s message)
    :returns: the class of the first row of the table matching the server's message and
        the status; else :class:`InfluxDBServerError` for 5xx, :class:`InfluxDBWriteError`
        or :class:`InfluxDBQueryError` for 400 and statement errors, else
        :class:`InfluxDBClientError`
    """
    text = _text(content)
    member = _error_member(text)
    if code is not None and not from_influxdb and member is None:
        if 500 <= code < 600:
            return NotInfluxDBServerError(text, code, url)
        return NotInfluxDBClientError(text, code, url)
    message = (text if member is None else member).lower()
    cls = _classify(message, code)
    if cls is not None:
        return cls(text, code)
    if code is not None and 500 <= code < 600:
        return InfluxDBServerError(text, code)
    if code is None or code == 400:
        return (InfluxDBWriteError if operation == "write" else InfluxDBQueryError)(text, code)
    return InfluxDBClientError(text, code)


def is_retryable_error(error: BaseException, retry_statuses: Container[int]) -> bool:
    """Whether an error answer may succeed if the same request is sent again.

    Only answers that named no client mistake (the two generic classes) with a status the
    policy retries: a missing database or retention policy, a refused point or statement
    fails the same way every time.  A server that is not InfluxDB is retried only for the
    statuses a proxy answers while InfluxDB restarts (429, 502, 503, 504).  An
    :class:`InfluxDBServerError` without a status (built by hand) counts as transient.

    :param error: the exception an attempt raised (anything else than an
        :class:`InfluxDBError` gives ``False``)
    :param retry_statuses: the statuses the retry policy retries
    """
    if isinstance(error, NotInfluxDBError):
        return error.code in _GATEWAY_STATUSES and error.code in retry_statuses
    if type(error) is InfluxDBServerError:
        return error.code is None or error.code in retry_statuses
    if type(error) is InfluxDBClientError:  # 429 Too Many Requests
        return error.code is not None and error.code in retry_statuses
    return False


class InfluxDBBrokenAnswerError(InfluxDBError, ValueError):
    """A success answer that cannot be read whole.

    Cut short (the answer ends cleanly in the middle of a document, or a chunked answer ends
    on a chunk marked ``"partial": true``), malformed, or larger than the client's
    ``max_document_size``.  Also a :class:`ValueError`: influxdb-python 5.3.2 raised the
    decoder's error there (``json.JSONDecodeError``, msgpack's ``ValueError``), so
    ``except ValueError`` clauses keep working; that error is kept as ``__cause__``.
    Queries send a cut or malformed answer again, per the client's retries (a query is a
    read); an answer over the limit is not asked for again.

    :param content: what is wrong with the answer
    :param code: always ``None`` (the status said success)
    :param too_large: the answer was refused for its size, not for its content
    :ivar too_large: as the parameter
    """

    def __init__(self, content: Union[str, bytes, None] = "", code: Optional[int] = None,
                 too_large: bool = False) -> None:
        super().__init__(content, code)
        self.too_large = too_large

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (self.__class__, (self.content, self.code, self.too_large))
