"""Pure helpers of the 0.8 client: precisions, DSNs, URL path segments, redaction.

Nothing here does I/O, so each rule is tested with exact tables.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Sequence, TypeVar
from urllib.parse import quote, unquote, urlparse

__all__ = [
    "PRECISIONS",
    "check_precision",
    "parse_dsn",
    "path_segment",
    "redact",
    "slices",
]

T = TypeVar("T")

# The epoch units the 0.8 API accepts in ``time_precision`` (0.8 HTTP API, "Writing Data"
# and "Querying Data"; the server maps "m" to milliseconds too).
PRECISIONS = ("s", "m", "ms", "u")

# ``u=<user>`` / ``p=<password>`` in a query string, as 0.8 authentication puts them there.
_CREDENTIAL_PARAM = re.compile(r"(?<![A-Za-z0-9_])([up]=)[^&\s'\")]*")


def check_precision(time_precision: object) -> str:
    """Return ``time_precision`` if the 0.8 API knows it.

    :param time_precision: ``'s'``, ``'m'``, ``'ms'`` or ``'u'``
    :returns: the precision, unchanged
    :raises ValueError: for anything else (5.3.2 raised a plain ``Exception``; a
        ``ValueError`` is still caught by ``except Exception``)
    """
    if not isinstance(time_precision, str) or time_precision not in PRECISIONS:
        raise ValueError("Invalid time precision is given. (use 's', 'm', 'ms' or 'u')")
    return time_precision


def parse_dsn(dsn: str) -> dict[str, Any]:
    """Turn ``[udp+|https+]influxdb://[user[:password]@]host[:port][/database]`` into
    constructor arguments.

    Only the parts present in the DSN are returned, so the constructor defaults apply to
    the others.  Credentials are percent-decoded (``p%40ss`` is ``p@ss``).

    :param dsn: the data source name
    :returns: keyword arguments for :class:`influxdb08.InfluxDBClient`
    :raises ValueError: for an unknown scheme or modifier, or a non-numeric port
    """
    parts = urlparse(dsn)
    scheme_info = parts.scheme.split("+")
    if len(scheme_info) == 1:
        modifier, scheme = "", scheme_info[0]
    else:
        modifier, scheme = scheme_info[0], "+".join(scheme_info[1:])
    if scheme != "influxdb":
        raise ValueError(f'Unknown scheme "{scheme}".')
    args: dict[str, Any] = {}
    if modifier == "udp":
        args["use_udp"] = True
    elif modifier == "https":
        args["ssl"] = True
    elif modifier:
        raise ValueError(f'Unknown modifier "{modifier}".')
    if parts.hostname:
        args["host"] = parts.hostname
    if parts.port:
        args["port"] = parts.port
    if parts.username:
        args["username"] = unquote(parts.username)
    if parts.password:
        args["password"] = unquote(parts.password)
    if parts.path and len(parts.path) > 1:
        args["database"] = parts.path[1:]
    return args


def path_segment(value: object) -> str:
    """Percent-encode ``value`` for use as one segment of a URL path.

    Database, series and user names are put in the path by the 0.8 API
    (``db/<db>/series/<name>``); a ``/``, ``?`` or ``#`` in a name must not change which
    resource is addressed.
    """
    return quote(str(value), safe="")


def redact(text: str) -> str:
    """Hide the values of ``u=`` and ``p=`` query parameters in ``text``.

    Transport errors from :mod:`requests` quote the URL, which carries the credentials
    in 0.8 (``?u=root&p=secret``); messages we raise must not.
    """
    return _CREDENTIAL_PARAM.sub(r"\1***", text)


def slices(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of ``items`` holding at most ``size`` elements each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
