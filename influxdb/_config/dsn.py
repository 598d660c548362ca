"""DSN parsing (pure): ``[udp+|https+]influxdb://[user[:password]@]host[:port][/database]``.

Fixed from 5.3.2 (``docs/migration.rst``, "``InfluxDBClient.from_dsn``"): credentials are
percent-decoded, so passwords with ``@``, ``#`` or ``:`` can be written (``p%40ss``); with
several comma-separated netlocs, the first one gives host, port *and* credentials (5.3.2 took
the credentials of the last one).
"""

from __future__ import annotations

import ipaddress
import math
import numbers
import operator
import re
from typing import Any, Optional
from urllib.parse import unquote, urlparse, urlsplit

from influxdb.exceptions import InfluxDBArgumentError, InfluxDBArgumentTypeError

__all__ = ["InvalidHostOrPort", "check_host", "check_port", "check_timeout", "parse_dsn",
           "parse_netloc"]


class InvalidHostOrPort(InfluxDBArgumentError):
    """A ``host`` or ``port`` from which no URL can be made.

    The constructor raises it as :class:`influxdb.client.InfluxDBInvalidURLError`, which is
    also the :class:`requests.exceptions.InvalidURL` influxdb-python 5.3.2 raised at the first
    request (made by the transport, the only module that imports ``requests``).
    """


_HOST_PORT = re.compile(r"(\[[^\]]+\]|[^:\[\]]+):(\d+)\Z")
_NOT_IN_HOST = re.compile(r"[/\\?#@\s\[\]]")
_INTEGER = re.compile(r"\s*[+-]?\d+\s*\Z")


def _is_ipv6(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 6
    except ValueError:
        return False


def check_host(host: object, port: object = 8086) -> str:
    """Refuse what the constructor's ``host`` cannot be, saying what to pass instead.

    A host name, an IPv4 address, or an IPv6 address bare (``::1``) or bracketed
    (``[::1]``, zone ids too) are accepted unchanged.

    :param port: the constructor's port, for the message about a URL that names none

    :raises InfluxDBArgumentTypeError: when ``host`` is not a str
    :raises InvalidHostOrPort: for a URL (``'http://localhost'``), a host with a port
        (``'localhost:8086'``), a path, an empty host, or characters no host name has

    >>> check_host('[::1]'), check_host('db.example')
    ('[::1]', 'db.example')
    >>> check_host('localhost:8086')
    Traceback (most recent call last):
    influxdb._config.dsn.InvalidHostOrPort: host 'localhost:8086' includes a port: ...
    """
    if not isinstance(host, str):
        raise InfluxDBArgumentTypeError(f"host must be a str, got {type(host).__name__}")
    if "://" in host:
        raise InvalidHostOrPort(_url_as_host(host, port))
    if host.startswith("[") and host.endswith("]") and _is_ipv6(host[1:-1]):
        return host
    if ":" in host and not host.startswith("[") and _is_ipv6(host):
        return host
    match = _HOST_PORT.match(host)
    if match is not None and "@" not in host:
        name = match.group(1)
        bare = name[1:-1] if name.startswith("[") else name
        raise InvalidHostOrPort(
            f"host {host!r} includes a port: pass the port apart, "
            f"InfluxDBClient({bare!r}, port={int(match.group(2))})")
    if not host.strip():
        raise InvalidHostOrPort(
            "host is empty: pass a host name or address ('localhost', '10.0.0.5', '::1')")
    bad = _NOT_IN_HOST.search(host)
    if bad is not None and "@" in host:
        # Perhaps user:password@host: never repeated in a message.
        raise InvalidHostOrPort(
            "host holds '@' (credentials?): pass username= and password= apart, or use "
            "InfluxDBClient.from_dsn('influxdb://user:password@host:8086/db')")
    if bad is not None:
        raise InvalidHostOrPort(
            f"host {host!r} holds {bad.group()!r}, which no host name has: pass a bare host "
            f"name or address (a URL prefix such as '/influx' goes in path=)")
    if ":" in host:
        raise InvalidHostOrPort(
            f"host {host!r} is neither a host name nor an IPv6 address")
    return host


def _url_as_host(url: str, given_port: object) -> str:
    """The message for a URL given as host: the calls that would do, built from it (never
    with its credentials)."""
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError:
        hostname, port = None, None
    shown = url if "@" not in url else "<a URL with credentials>"
    if not hostname:
        return (f"host {shown!r} is a URL: pass the host name alone, or the URL to "
                "InfluxDBClient.from_dsn('influxdb://host:8086/db')")
    if port is None:  # InfluxDBClient('http://localhost', 8086): the port given apart
        port = given_port if isinstance(given_port, int) else 8086
    ssl = parts.scheme.lower() in ("https", "https+influxdb")
    path = parts.path.rstrip("/")
    kwargs = (f"{hostname!r}, port={port}" + (", ssl=True" if ssl else "")
              + (f", path={path!r}" if path else ""))
    if path:  # from_dsn() and INFLUXDB_URL read a path as the database
        return f"host {shown!r} is a URL: use InfluxDBClient({kwargs})"
    netloc = f"[{hostname}]" if ":" in hostname else hostname
    dsn = f"{'https+' if ssl else ''}influxdb://{netloc}:{port}"
    return (f"host {shown!r} is a URL: use InfluxDBClient({kwargs}), "
            f"InfluxDBClient.from_dsn({dsn!r}), or InfluxDBClient.from_env() with "
            f"INFLUXDB_URL set to the URL")


def check_port(port: object, name: str = "port") -> int:
    """``port`` as an int: ints, strs of digits (``'8086'``) and whole floats, 1 to 65535.

    :raises InfluxDBArgumentTypeError: for other types (None, bool, lists...)
    :raises InvalidHostOrPort: for a number out of range
    :raises InfluxDBArgumentError: for a str that is not a number (``'80/redir'``)

    >>> check_port('8086'), check_port(8087)
    (8086, 8087)
    """
    number: Optional[int] = None
    if isinstance(port, bool):
        pass
    elif isinstance(port, str):
        if not _INTEGER.match(port):
            raise InfluxDBArgumentError(
                f"{name} must be a number from 1 to 65535, got {port!r}"
                + (" (a URL prefix goes in path=)" if "/" in port else ""))
        number = int(port)
    elif isinstance(port, float):
        if port.is_integer():
            number = int(port)
    else:
        try:
            number = operator.index(port)  # type: ignore[arg-type]
        except TypeError:
            pass
    if number is None:
        raise InfluxDBArgumentTypeError(
            f"{name} must be an int from 1 to 65535, got {port!r} ({type(port).__name__})")
    if not 1 <= number <= 65535:
        raise InvalidHostOrPort(f"{name} must be from 1 to 65535, got {number}")
    return number


def _check_seconds(value: object, what: str, hint: str = "") -> None:
    if value is None:
        return
    # numbers.Real: what urllib3's Timeout takes, numpy's numbers included.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InfluxDBArgumentTypeError(
            f"{what} must be seconds as an int or float, or None, got {value!r} "
            f"({type(value).__name__}){hint}")
    if math.isnan(value) or value <= 0 or math.isinf(value):
        raise InfluxDBArgumentError(
            f"{what} must be a positive, finite number of seconds (None waits forever), "
            f"got {value!r}")


def _is_number(text: str) -> bool:
    try:
        return 0 < float(text) < math.inf
    except ValueError:
        return False


def check_timeout(timeout: Any) -> Any:
    """Refuse a ``timeout`` that requests would refuse at the first request.

    Accepted, unchanged: ``None``, seconds (int or float, > 0), a ``(connect, read)`` tuple
    of those (either may be ``None``), or a ``urllib3`` ``Timeout``.

    :raises InfluxDBArgumentTypeError: for other types (a str, a list, a bool...)
    :raises InfluxDBArgumentError: for zero, negative, NaN or infinite seconds
    """
    if isinstance(timeout, tuple):
        if len(timeout) != 2:
            raise InfluxDBArgumentError(
                f"timeout must be seconds or a (connect, read) pair, got a tuple of "
                f"{len(timeout)}")
        _check_seconds(timeout[0], "timeout's connect part")
        _check_seconds(timeout[1], "timeout's read part")
    elif type(timeout).__name__ != "Timeout" or not type(timeout).__module__.startswith(
            "urllib3"):
        hint = (f"; pass a number (timeout={float(timeout)!r})"
                if isinstance(timeout, str) and _is_number(timeout) else "")
        _check_seconds(timeout, "timeout", hint)
    return timeout


def parse_netloc(netloc: str) -> dict[str, Any]:
    """Split ``user:password@host:port`` into constructor arguments.

    :returns: ``{'host', 'port', 'username', 'password'}``; host defaults to ``localhost``,
        port to 8086, credentials to ``None``
    :raises InfluxDBArgumentError: (a ``ValueError``) on a non-numeric port
    """
    info = urlparse("http://" + netloc)
    username: Optional[str] = unquote(info.username) if info.username is not None else None
    password: Optional[str] = unquote(info.password) if info.password is not None else None
    try:
        port = info.port
    except ValueError as exc:
        raise InfluxDBArgumentError(f"Invalid port in DSN netloc: {exc}") from None
    return {
        "host": info.hostname or "localhost",
        "port": port or 8086,
        "username": username,
        "password": password,
    }


def parse_dsn(dsn: str) -> dict[str, Any]:
    """Turn a DSN into ``InfluxDBClient`` constructor arguments.

    :raises InfluxDBArgumentError: (a ``ValueError``) ``Unknown scheme "x".`` /
        ``Unknown modifier "x".`` (the 5.3.2 messages)

    >>> sorted(parse_dsn('https+influxdb://u%40x:p%3Aw@db.example:8087/metrics').items())
    ... # doctest: +NORMALIZE_WHITESPACE
    [('database', 'metrics'), ('host', 'db.example'), ('password', 'p:w'), ('port', 8087),
     ('ssl', True), ('username', 'u@x')]
    """
    conn_params = urlparse(dsn)
    init_args: dict[str, Any] = {}
    scheme_info = conn_params.scheme.split("+")
    if len(scheme_info) == 1:
        scheme = scheme_info[0]
        modifier = None
    else:
        modifier, scheme = scheme_info[0], scheme_info[1]
    if scheme != "influxdb":
        raise InfluxDBArgumentError(f'Unknown scheme "{scheme}".')
    if modifier:
        if modifier == "udp":
            init_args["use_udp"] = True
        elif modifier == "https":
            init_args["ssl"] = True
        else:
            raise InfluxDBArgumentError(f'Unknown modifier "{modifier}".')
    netlocs = conn_params.netloc.split(",")
    init_args.update(parse_netloc(netlocs[0]))
    if conn_params.path and len(conn_params.path) > 1:
        init_args["database"] = unquote(conn_params.path[1:])
    return init_args
