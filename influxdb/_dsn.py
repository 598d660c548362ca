"""DSN parsing (pure): ``[udp+|https+]influxdb://[user[:password]@]host[:port][/database]``.

Fixed from 5.3.2 (DECISIONS.md): credentials are percent-decoded, so passwords with ``@``,
``#`` or ``:`` can be written (``p%40ss``); with several comma-separated netlocs, the first
one gives host, port *and* credentials (5.3.2 took the credentials of the last one).
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import unquote, urlparse

__all__ = ["parse_dsn", "parse_netloc"]


def parse_netloc(netloc: str) -> dict[str, Any]:
    """Split ``user:password@host:port`` into constructor arguments.

    :returns: ``{'host', 'port', 'username', 'password'}``; host defaults to ``localhost``,
        port to 8086, credentials to ``None``
    :raises ValueError: on a non-numeric port
    """
    info = urlparse("http://" + netloc)
    username: Optional[str] = unquote(info.username) if info.username is not None else None
    password: Optional[str] = unquote(info.password) if info.password is not None else None
    try:
        port = info.port
    except ValueError as exc:
        raise ValueError(f"Invalid port in DSN netloc: {exc}") from None
    return {
        "host": info.hostname or "localhost",
        "port": port or 8086,
        "username": username,
        "password": password,
    }


def parse_dsn(dsn: str) -> dict[str, Any]:
    """Turn a DSN into ``InfluxDBClient`` constructor arguments.

    :raises ValueError: ``Unknown scheme "x".`` / ``Unknown modifier "x".`` (5.3.2 messages)

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
        raise ValueError(f'Unknown scheme "{scheme}".')
    if modifier:
        if modifier == "udp":
            init_args["use_udp"] = True
        elif modifier == "https":
            init_args["ssl"] = True
        else:
            raise ValueError(f'Unknown modifier "{modifier}".')
    netlocs = conn_params.netloc.split(",")
    init_args.update(parse_netloc(netlocs[0]))
    if conn_params.path and len(conn_params.path) > 1:
        init_args["database"] = unquote(conn_params.path[1:])
    return init_args
