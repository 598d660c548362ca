"""Configuration values: one converter per constructor parameter, from text or toml values.

Pure code, no I/O apart from checking that a CA bundle path exists.  Each converter takes
the raw value (text from the environment or an ini file, or a native toml value) and returns
the constructor argument, or raises :class:`ValueError` saying what was expected; the caller
(:mod:`influxdb._config.sources`) adds the name of the variable or key, and hides secret
values.  The accepted forms are tabled in :mod:`influxdb._config.sources`'s docstring.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union

from influxdb._core.times import PRECISION, PRECISION_TABLE

__all__ = ["CONVERTERS", "scalar_text", "to_text"]

_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "off", "n", "f"})
#: ``default_time_precision`` takes every spelling the writes take, read from the one table
#: of precisions (finest first), and is passed on as written: the client normalises it.
_PRECISION_SPELLINGS = ", ".join(spelling for row in PRECISION_TABLE
                                 for spelling in row.spellings)


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in _FALSE:
        return False
    raise ValueError("expected a boolean (true/false, 1/0, yes/no, on/off)")


def _to_int(minimum: int, maximum: Optional[int] = None) -> Callable[[object], int]:
    def convert(value: object) -> int:
        if isinstance(value, bool):
            raise ValueError("expected an integer, got a boolean")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            number = int(value)
        else:
            raise ValueError("expected an integer")
        if number < minimum or (maximum is not None and number > maximum):
            bound = f"{minimum}-{maximum}" if maximum is not None else f">= {minimum}"
            raise ValueError(f"expected an integer {bound}")
        return number
    return convert


def _to_seconds(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("expected seconds, got a boolean")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value.strip())
        except ValueError:
            raise ValueError("expected a number of seconds") from None
    else:
        raise ValueError("expected a number of seconds")
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError("expected a positive, finite number of seconds")
    return seconds


def _to_timeout(value: object) -> Union[None, float, tuple[float, float]]:
    if isinstance(value, (list, tuple)):
        parts: list[object] = list(value)
    elif isinstance(value, str):
        if value.strip().lower() in ("", "none", "null"):
            return None
        parts = [p for p in value.split(",")]
    else:
        parts = [value]
    if len(parts) == 1:
        return _to_seconds(parts[0])
    if len(parts) == 2:
        return (_to_seconds(parts[0]), _to_seconds(parts[1]))
    raise ValueError("expected seconds or 'connect,read' seconds")


def _to_deadline(value: object) -> Optional[float]:
    if isinstance(value, str) and value.strip().lower() in ("", "none", "null"):
        return None
    return _to_seconds(value)


def _to_document_size(value: object) -> Optional[int]:
    if isinstance(value, str) and value.strip().lower() in ("none", "null"):
        return None
    return _to_int(1)(value)


def to_text(value: object) -> str:
    """Text, unchanged.

    :raises ValueError: if ``value`` is not a str
    """
    if isinstance(value, str):
        return value
    raise ValueError("expected text")


def _to_precision(value: object) -> str:
    if isinstance(value, str) and value.strip() in PRECISION:
        return value.strip()
    raise ValueError("expected one of " + _PRECISION_SPELLINGS)


def _to_verify(value: object) -> Union[bool, str]:
    try:
        return _to_bool(value)
    except ValueError:
        pass
    if isinstance(value, str) and value.strip():
        path = os.path.expanduser(value.strip())
        if os.path.exists(path):
            return path
    raise ValueError("expected a boolean or the path of an existing CA bundle")


def _to_cert(value: object) -> Union[str, tuple[str, str]]:
    if isinstance(value, (list, tuple)):
        parts = [to_text(p).strip() for p in value]
    elif isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
    else:
        raise ValueError("expected a path or 'cert_path,key_path'")
    if len(parts) == 1 and parts[0]:
        return parts[0]
    if len(parts) == 2 and all(parts):
        return (parts[0], parts[1])
    raise ValueError("expected a path or 'cert_path,key_path'")


def _to_mapping(value: object) -> dict[str, str]:
    """``k=v`` pairs (commas or new lines between them), or a mapping of scalars."""
    if isinstance(value, Mapping):
        out: dict[str, str] = {}
        for k, v in value.items():
            if not isinstance(k, str) or isinstance(v, (Mapping, list, tuple)) or v is None:
                raise ValueError("expected a table of text values")
            out[k] = v if isinstance(v, str) else scalar_text(v)
        return out
    if not isinstance(value, str):
        raise ValueError("expected 'key=value' pairs")
    out = {}
    items = [item.strip() for item in re.split(r"[,\n]", value)]
    for number, item in enumerate((i for i in items if i), 1):
        key, sep, val = item.partition("=")
        # The item itself is not repeated: it may hold a secret (a proxy URL, a header).
        if not sep or not key.strip():
            raise ValueError(f"expected 'key=value' pairs; item {number} has no key or no '='")
        if key.strip() in out:
            raise ValueError(f"key {key.strip()!r} given twice")
        out[key.strip()] = val.strip()
    return out


def scalar_text(value: object) -> str:
    """A toml scalar as the text an ini file would hold (``true``, ``3``, ``2.5``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


#: parameter -> converter of its raw value
CONVERTERS: dict[str, Callable[[object], Any]] = {
    "host": to_text,
    "port": _to_int(1, 65535),
    "username": to_text,
    "password": to_text,
    "database": to_text,
    "ssl": _to_bool,
    "verify_ssl": _to_verify,
    "timeout": _to_timeout,
    "retries": _to_int(0),
    "use_udp": _to_bool,
    "udp_port": _to_int(1, 65535),
    "proxies": _to_mapping,
    "pool_size": _to_int(1),
    "path": to_text,
    "cert": _to_cert,
    "gzip": _to_bool,
    "headers": _to_mapping,
    "token": to_text,
    "default_time_precision": _to_precision,
    "default_retention_policy": to_text,
    "default_tags": _to_mapping,
    "create_database_if_missing": _to_bool,
    "deadline": _to_deadline,
    "max_document_size": _to_document_size,
}
