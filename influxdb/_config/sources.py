"""Configuration from the environment or from ini / toml files, turned into constructor kwargs.

Pure apart from reading the named file: every value is validated and converted here, so a
wrong value is reported at ``from_env()`` / ``from_config_file()`` naming the variable or key
that holds it (never its value when it is a secret).  The converter of each value is in
:mod:`influxdb._config.values`; this module maps names to parameters and reads the sources.

Names (``from_env`` uses ``<prefix><KEY upper-cased>``, default prefix ``INFLUXDB_``; a config
file uses the key in lower case, in section ``[influxdb]`` by default):

=============================  ===========================================================
key                            value
=============================  ===========================================================
``url``                        ``http[s]://[user[:password]@]host[:port][/database]``
                               (credentials percent-decoded; no port: 80 / 443)
``dsn``                        ``[udp+|https+]influxdb://...`` as ``from_dsn`` reads it
``host``, ``username``,        text
``password``, ``database``,
``path``, ``token``,
``default_retention_policy``
``port``, ``udp_port``         integer 1-65535
``pool_size``                  integer >= 1
``retries``                    integer >= 0 (attempts; 0 = until success)
``ssl``, ``use_udp``,          boolean: ``true/false``, ``1/0``, ``yes/no``, ``on/off``
``gzip``,
``create_database_if_missing``
``verify_ssl``                 boolean, or the path of a CA bundle (must exist)
``timeout``                    seconds (``5``, ``2.5``), ``connect,read`` (``3,30``) or
                               ``none``
``deadline``                   seconds, or ``none``
``max_document_size``          bytes, integer >= 1, or ``none``
``cert``                       a path, or ``cert_path,key_path``
``default_time_precision``     one of ``n ns u us ms s m h`` (what the writes accept)
``default_tags``, ``proxies``, ``k=v`` pairs separated by commas or new lines (a table in
``headers``                    toml)
``tag_<name>``                 one default tag (``INFLUXDB_TAG_HOST=web1``: ``host=web1``)
=============================  ===========================================================

Unknown ``INFLUXDB_*`` variables are ignored (the server's own Docker image reads variables
with the same prefix); unknown keys in a file are an error, as a file is written for us.
Giving one parameter twice (``url`` and ``host``, ``default_tags`` and ``tag_x`` naming the
same tag) is an error too.
"""

from __future__ import annotations

import configparser
import importlib
import os
from collections.abc import Mapping
from typing import Any, Optional, Union
from urllib.parse import unquote, urlsplit

from influxdb._config.dsn import parse_dsn
from influxdb._config.values import CONVERTERS, scalar_text, to_text
from influxdb.exceptions import InfluxDBArgumentError

__all__ = ["ConfigError", "kwargs_from_env", "kwargs_from_file", "kwargs_from_mapping",
           "kwargs_from_url"]

#: Keys whose values never appear in an error message.
_SECRETS = frozenset({"password", "token", "url", "dsn", "headers", "proxies"})
_TAG_PREFIX = "tag_"


class ConfigError(InfluxDBArgumentError):
    """A configuration value is missing, unknown or malformed.

    An :class:`~influxdb.exceptions.InfluxDBArgumentError`, so a :class:`ValueError` as the
    constructor raises for a bad port or DSN.  The message starts with the variable or key
    that holds the wrong value.
    """


def _where(source: str, key: str) -> str:
    """The name a user would search for: ``INFLUXDB_PORT`` or ``settings.ini [influxdb] port``."""
    return f"{source}{key}" if source.endswith("_") or not source else f"{source} {key}"


def _show(key: str, value: object) -> str:
    return "<hidden>" if key in _SECRETS else repr(value)


#: Keys that expand into several constructor arguments.
_COMPOSITE = ("url", "dsn")
#: Constructor parameters that cannot come from text.
_NOT_CONFIGURABLE = frozenset({"session", "socket_options"})


def kwargs_from_url(url: str) -> dict[str, Any]:
    """Constructor arguments from ``http[s]://[user[:password]@]host[:port][/database]``.

    ``[udp+|https+]influxdb://`` DSNs are accepted too (read as ``from_dsn`` reads them).

    :raises ConfigError: on another scheme, a bad port, a query string, or a nested path
    """
    if "influxdb" in url.split("://", 1)[0]:
        # As from_dsn(): credentials the DSN leaves out are None (no Basic auth), unless a
        # separate key gives them (see kwargs_from_mapping).
        try:
            return parse_dsn(url)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ConfigError(f"unknown scheme {scheme!r} (use http, https or [udp+|https+]influxdb)")
    if parts.query or parts.fragment:
        raise ConfigError("a query string or fragment is not understood")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("the port is not a number from 0 to 65535") from None
    out: dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": port or (443 if scheme == "https" else 80),
        "ssl": scheme == "https",
    }
    if parts.username is not None:
        out["username"] = unquote(parts.username)
    if parts.password is not None:
        out["password"] = unquote(parts.password)
    database = parts.path.strip("/")
    if "/" in database:
        raise ConfigError("the path must name one database; use 'path' for a URL prefix")
    if database:
        out["database"] = unquote(database)
    return out


def kwargs_from_mapping(values: Mapping[str, object], source: str = "") -> dict[str, Any]:
    """Validate and convert raw settings (lower-case keys) into constructor kwargs.

    :param values: key -> raw value (text from env/ini, or native toml values)
    :param source: prefix of names in messages (``'INFLUXDB_'`` or ``"file.ini [influxdb]"``)
    :raises ConfigError: naming the key of the first wrong, unknown or duplicated value
    """
    env_style = source.endswith("_")

    def name(key: str) -> str:
        return _where(source, key.upper() if env_style else key)

    out: dict[str, Any] = {}
    origin: dict[str, str] = {}

    def put(param: str, value: object, key: str) -> None:
        if param in out:
            raise ConfigError(f"{name(key)}: sets {param!r}, already set by {name(origin[param])}")
        out[param] = value
        origin[param] = key

    tags: dict[str, str] = {}
    tag_origin: dict[str, str] = {}
    unset: dict[str, None] = {}

    def add_tag(tag: str, value: str, key: str) -> None:
        if tag in tags:
            raise ConfigError(f"{name(key)}: tag {tag!r} also set by {name(tag_origin[tag])}")
        tags[tag] = value
        tag_origin[tag] = key
    for key in sorted(values, key=lambda k: (k not in _COMPOSITE, k)):
        raw = values[key]
        if key in _COMPOSITE:
            try:
                parsed = kwargs_from_url(to_text(raw))
            except ValueError as exc:
                raise ConfigError(f"{name(key)}: {exc}") from None
            for param, value in parsed.items():
                if value is None:
                    unset[param] = None  # a DSN without credentials: only if no key sets them
                else:
                    put(param, value, key)
        elif key.startswith(_TAG_PREFIX) and len(key) > len(_TAG_PREFIX):
            if isinstance(raw, (list, tuple, Mapping)) or raw is None:
                raise ConfigError(f"{name(key)}: expected a text value")
            add_tag(key[len(_TAG_PREFIX):], raw if isinstance(raw, str) else scalar_text(raw),
                    key)
        elif key in CONVERTERS:
            try:
                converted = CONVERTERS[key](raw)
            except ValueError as exc:
                raise ConfigError(f"{name(key)}: {exc}; got {_show(key, raw)}") from None
            if key == "default_tags":
                for tag, value in converted.items():
                    add_tag(tag, value, key)
            else:
                put(key, converted, key)
        elif key in _NOT_CONFIGURABLE:
            raise ConfigError(f"{name(key)}: cannot be configured from text; pass it in code")
        elif not env_style:
            raise ConfigError(f"{name(key)}: unknown key (known: "
                              + ", ".join(sorted((*CONVERTERS, *_COMPOSITE, "tag_<name>")))
                              + ")")
    if tags:
        out["default_tags"] = tags
    for param, value in unset.items():
        out.setdefault(param, value)
    return out


def kwargs_from_env(environ: Optional[Mapping[str, str]] = None,
                    prefix: str = "INFLUXDB_") -> dict[str, Any]:
    """Constructor kwargs from environment variables named ``<prefix><KEY>``.

    :param environ: the variables to read (default :data:`os.environ`)
    :param prefix: the common prefix, ``INFLUXDB_`` by default
    :returns: kwargs for ``InfluxDBClient(**kwargs)``; empty when no variable is set
    :raises ConfigError: naming the variable whose value is wrong

    >>> sorted(kwargs_from_env({'INFLUXDB_HOST': 'db1', 'INFLUXDB_PORT': '8087'}).items())
    [('host', 'db1'), ('port', 8087)]
    """
    env = os.environ if environ is None else environ
    upper = prefix.upper() if prefix.endswith("_") else prefix.upper() + "_"
    values = {k[len(upper):].lower(): v for k, v in env.items()
              if k.upper().startswith(upper) and len(k) > len(upper)}
    # Empty variables count as unset: `export INFLUXDB_PORT=` is how shells clear one.
    values = {k: v for k, v in values.items() if v != ""}
    return kwargs_from_mapping(values, upper)


def _load_toml(text: str) -> dict[str, Any]:
    # tomllib is in the standard library from 3.11; tomli is the same parser for 3.9 / 3.10.
    try:
        module = importlib.import_module("tomllib")
    except ImportError:  # pragma: no cover - exercised on 3.9 / 3.10 only
        try:
            module = importlib.import_module("tomli")
        except ImportError:
            raise ImportError("reading a .toml file on Python < 3.11 needs 'tomli' "
                              "(pip install tomli)") from None
    document: dict[str, Any] = module.loads(text)
    return document


def kwargs_from_text(text: str, fmt: str, section: str = "influxdb",
                     source: str = "<config>") -> dict[str, Any]:
    """Constructor kwargs from the text of an ini or toml file.

    :param fmt: ``'ini'`` or ``'toml'``
    :param section: the section (ini) or table (toml) that holds the settings
    :param source: the file's name, used in messages
    :raises ConfigError: on a syntax error, a missing section, or a wrong value
    """
    where = f"{source} [{section}]"
    if fmt == "toml":
        try:
            document = _load_toml(text)
        except ValueError as exc:  # tomllib.TOMLDecodeError is a ValueError
            raise ConfigError(f"{source}: not valid TOML: {exc}") from None
        table = document.get(section)
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: no table [{section}]")
        return kwargs_from_mapping({str(k).lower(): v for k, v in table.items()}, where)
    if fmt == "ini":
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text, source=source)
        except configparser.Error as exc:
            raise ConfigError(f"{source}: not a valid ini file: {exc}") from None
        if not parser.has_section(section):
            raise ConfigError(f"{source}: no section [{section}]")
        return kwargs_from_mapping(dict(parser.items(section)), where)
    raise ConfigError(f"{source}: unknown format {fmt!r} (use 'ini' or 'toml')")


def kwargs_from_file(path: Union[str, os.PathLike[str]], section: str = "influxdb",
                     fmt: Optional[str] = None) -> dict[str, Any]:
    """Constructor kwargs from an ini or toml file.

    :param path: the file; ``.toml`` files are read as TOML, anything else as ini
    :param section: the section / table holding the settings, ``influxdb`` by default
    :param fmt: force ``'ini'`` or ``'toml'`` whatever the file's suffix
    :raises ConfigError: naming the file, section and key of a wrong value
    :raises OSError: when the file cannot be read
    """
    name = os.fspath(path)
    if fmt is None:
        fmt = "toml" if name.lower().endswith(".toml") else "ini"
    with open(name, encoding="utf-8") as handle:
        text = handle.read()
    return kwargs_from_text(text, fmt, section, os.path.basename(name))
