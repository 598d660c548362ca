"""Requests built: a call's arguments -> a :class:`Request` value, with no I/O.

One builder per operation (:func:`query_request`, :func:`write_request`,
:func:`ping_request`, and :func:`http_request` for the 5.3.2 ``request()`` method); the
client hands it its state (default database, headers) and the transport sends the value it
gets, after :func:`encoded` has compressed it when the client asks for gzip.  Whatever a
builder is given is copied, never modified (params, headers).
"""

from __future__ import annotations

import gzip as _gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Optional, Union
from urllib.parse import urlencode

from influxdb._core.times import PRECISION, is_time_value, time_as_rfc3339
from influxdb._influxql import classify
from influxdb.exceptions import (
    InfluxDBArgumentError,
    InfluxDBArgumentTypeError,
    InfluxDBInvalidPointError,
)

__all__ = ["CONSISTENCIES", "MAX_QUERY_IN_URL", "Request", "check_consistency",
           "check_deadline", "encoded", "gzip_body", "http_request", "ping_request",
           "query_request", "write_params", "write_request"]

#: A ``q`` longer than this (URL-encoded) travels in the POST body, not the URL: proxies and
#: servers refuse long URLs (414/431), as influxdb-python issue #595 reports.
MAX_QUERY_IN_URL = 4096
#: The body of a write: line protocol (InfluxDB reference, HTTP API ``/write``).
WRITE_CONTENT_TYPE = "application/octet-stream"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Request:
    """What to send: an HTTP request, before any connection.

    :param method: the HTTP verb
    :param path: below the client's base URL (``'query'``, ``'write'``, ``'ping'``)
    :param params: the query string's parameters (``None``: none)
    :param headers: every header sent (the client's, with the operation's own)
    :param body: ``bytes`` or ``str`` (or what 5.3.2's ``request()`` was given: a file, an
        iterator), ``None`` for none
    :param stream: the answer is read as it comes (a chunked query), not whole
    :param expected: the statuses that mean success (the first is the one asked for)
    :param operation: ``'query'`` or ``'write'``: which exception classes an error answer
        maps to
    :param compress: whether the client's ``gzip`` applies (a query whose statement is in
        the body keeps it plain, for proxies that read it)
    """

    method: str
    path: str
    params: Optional[Mapping[str, Any]] = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    stream: bool = False
    expected: tuple[int, ...] = (200,)
    operation: str = "query"
    compress: bool = True


def check_deadline(deadline: Optional[float]) -> Optional[float]:
    """A ``deadline=`` argument, checked: seconds above 0, or ``None``."""
    if deadline is None:
        return None
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not (
            deadline > 0):
        raise InfluxDBArgumentError(
            f"deadline must be a number of seconds above 0 or None, got {deadline!r}")
    return float(deadline)


def gzip_body(data: Union[bytes, str, None]) -> Optional[bytes]:
    """Compress a request body (strings are encoded as UTF-8 first, unlike 5.3.2)."""
    if data is None:
        return None
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _gzip.compress(data, compresslevel=5)


def encoded(request: Request, gzip: bool) -> Request:
    """``request`` as sent by a client with ``gzip`` on or off: compressed, and asking for a
    compressed answer, when on and the request allows it."""
    if not (gzip and request.compress):
        return request
    headers = dict(request.headers)
    headers["Accept-Encoding"] = "gzip"
    if request.body is None:
        return replace(request, headers=headers)
    headers["Content-Encoding"] = "gzip"
    return replace(request, headers=headers, body=gzip_body(request.body))


def http_request(path: str, method: str, params: Optional[Mapping[str, Any]], data: Any,
                 stream: bool, expected: int, headers: Mapping[str, str], *,
                 operation: str = "query", compress: bool = True,
                 also_accept: tuple[int, ...] = ()) -> Request:
    """The request of 5.3.2's ``client.request()``: a dict or list ``data`` is sent as JSON.

    :param headers: the headers to send (the client's, unless the caller gave its own)
    """
    if isinstance(data, (dict, list)):
        data = json.dumps(data)
    return Request(method, path, params, dict(headers), data, stream,
                   (expected, *also_accept), operation, compress)


def query_request(
    query: str,
    *,
    params: Optional[Mapping[str, Any]],
    bind_params: Optional[Mapping[str, Any]],
    epoch: Optional[str],
    database: Optional[str],
    chunked: bool,
    chunk_size: int,
    method: str,
    headers: Mapping[str, str],
    expected: int = 200,
) -> Request:
    """The request of ``query()``.

    Where a statement goes is decided here, from :func:`influxdb._influxql.classify`:
    statements that change state go by POST; statements that carry a password, and
    statements too long for a URL, travel in the form-encoded POST body; everything else
    stays in the URL's query string, where 5.3.2 put it (users' HTTP mocks read it there).

    :param database: the database (the caller's, else the client's; ``None``: none)
    :param headers: the client's headers
    :raises InfluxDBArgumentTypeError: ``query`` is not a str, a bound value JSON cannot carry
    :raises InfluxDBArgumentError: an unknown ``epoch``, a bound value JSON has no form for
    """
    if not isinstance(query, str):
        raise InfluxDBArgumentTypeError(f"query must be a str, got {type(query).__name__}")
    query_params: dict[str, Any] = dict(params) if params else {}
    if bind_params:
        merged = json.loads(query_params.get("params", "{}"))
        merged.update(_bind_values(bind_params))
        query_params["params"] = json.dumps(merged)
    if database is not None:
        query_params["db"] = database
    if epoch is not None:
        if epoch not in PRECISION:
            raise InfluxDBArgumentError(
                f"Invalid epoch {epoch!r}: use 'h', 'm', 's', 'ms', 'u' or 'ns'")
        query_params["epoch"] = PRECISION[epoch].epoch
    if chunked:
        query_params["chunked"] = "true"
        if chunk_size > 0:
            query_params["chunk_size"] = chunk_size

    info = classify(query)
    if info.changes_state:
        method = "POST"
    body: Optional[str] = None
    send_headers = dict(headers)
    if info.carries_secret or len(urlencode({"q": query})) > MAX_QUERY_IN_URL:
        # Passwords never in a URL (access logs); long statements do not fit one.
        method = "POST"
        body = urlencode({"q": query})
        send_headers["Content-Type"] = FORM_CONTENT_TYPE
    else:
        query_params["q"] = query
    return Request(method, "query", query_params, send_headers, body, stream=chunked,
                   expected=(expected,), operation="query", compress=body is None)


def write_request(body: Any, *, params: Optional[Mapping[str, Any]],
                  headers: Mapping[str, str], expected: int = 204) -> Request:
    """The request of a write: ``POST /write`` with a line-protocol body.

    :param params: the query string (``db``, ``precision``, ``consistency``, ``rp``: see
        :func:`write_params`)
    :param headers: the client's headers (its ``Content-Type`` is replaced)
    """
    send_headers = dict(headers)
    send_headers["Content-Type"] = WRITE_CONTENT_TYPE
    return Request("POST", "write", params, send_headers, body, expected=(expected,),
                   operation="write")


#: The values of ``consistency=`` of ``POST /write`` (InfluxDB 1.x reference, HTTP API: read
#: by clusters only; a single server ignores it).  The one table of them: every path that
#: writes (``write_points``, the batching writer, sessions) checks a consistency here before
#: anything is sent, as the precisions are read from :data:`influxdb._core.times.PRECISION`.
CONSISTENCIES = ("any", "one", "quorum", "all")


def check_consistency(consistency: Optional[str]) -> Optional[str]:
    """Validate a write consistency.

    :param consistency: one of :data:`CONSISTENCIES` or ``None`` (the server's default)
    :returns: ``consistency`` unchanged
    :raises InfluxDBInvalidPointError: (a ``ValueError``) with 5.3.2's message otherwise
    """
    if consistency is not None and consistency not in CONSISTENCIES:
        raise InfluxDBInvalidPointError(f"Invalid consistency: {consistency}")
    return consistency


def write_params(*, database: Optional[str], retention_policy: Optional[str],
                 precision: Optional[str], consistency: Optional[str]) -> dict[str, Any]:
    """The query string of a write, each parameter left out when ``None`` (the server's
    default: the ``/write`` endpoint of the InfluxDB 1.x HTTP API)."""
    params: dict[str, Any] = {}
    if database is not None:
        params["db"] = database
    if consistency is not None:
        params["consistency"] = consistency
    if precision is not None:
        params["precision"] = precision
    if retention_policy is not None:
        params["rp"] = retention_policy
    return params


def ping_request(headers: Mapping[str, str]) -> Request:
    """``GET /ping``: 204 from InfluxDB, 200 from some proxies (accepted, unlike 5.3.2)."""
    return Request("GET", "ping", None, dict(headers), expected=(204, 200))


_JSON_SCALARS = (str, int, bool, type(None))


def _bind_values(bind_params: Mapping[str, Any]) -> dict[str, Any]:
    """``bind_params`` made ready for JSON, naming the parameter of any value that is not.

    Times (``datetime``, ``date``, ``pandas.Timestamp``, ``numpy.datetime64``) become RFC3339
    text with every nanosecond (naive ones are UTC, a date is its midnight UTC), which
    InfluxQL compares with ``time`` like a time literal; numpy numbers become Python ones.
    5.3.2 failed here with ``TypeError: Object of type datetime is not JSON serializable``.

    :raises InfluxDBArgumentTypeError: (a ``TypeError``) a value JSON cannot carry
    :raises InfluxDBArgumentError: NaN or an infinity (not JSON), ``NaT``
    """
    out: dict[str, Any] = {}
    for name, value in bind_params.items():
        if type(value) in _JSON_SCALARS:
            out[name] = value
            continue
        if is_time_value(value):
            try:
                value = time_as_rfc3339(value)
            except InfluxDBArgumentError as exc:
                raise InfluxDBArgumentError(f"bind_params[{name!r}]: {exc}") from None
        elif getattr(getattr(value, "dtype", None), "kind", None) in ("b", "i", "u", "f") and (
                hasattr(value, "item")):
            value = value.item()  # numpy scalars
        try:
            json.dumps(value, allow_nan=False)
        except TypeError as exc:
            raise InfluxDBArgumentTypeError(
                f"bind_params[{name!r}]: cannot bind a value of type {type(value).__name__} "
                f"({exc}); pass a str, int, float, bool, None, or a time (datetime, date, "
                "pandas.Timestamp, numpy.datetime64)") from None
        except ValueError:
            raise InfluxDBArgumentError(
                f"bind_params[{name!r}]: cannot bind {value!r}: JSON has no NaN or "
                "infinity") from None
        out[name] = value
    return out
