"""InfluxQL text: one builder per statement.

Pure code, no I/O.  Every statement the client sends on the caller's behalf is built here
from typed pieces, never by formatting input into the text: identifiers go through
:func:`quote_ident`, strings through :func:`quote_literal`, durations and other raw tokens
are validated against the InfluxQL grammar before they are placed in the text, so bad input
raises here, before anything is sent.  A few incomplete statements that inject nothing and
that the server refuses itself are built as 5.3.2 built them, so callers read the server's
answer as before: an empty user name or privilege, ``ALTER RETENTION POLICY`` with nothing
to alter, a bare ``DROP SERIES`` (docs/migration.rst, "Arguments refused before sending").

For ordinary input every builder returns exactly the string influxdb-python 5.3.2 sent; the
differences (quoting in ``SHOW SERIES``, validation) are listed in ``docs/migration.rst``
("Admin helpers").

The token layer underneath (the quoters, reading the caller's statements, and
:func:`classify`) is :mod:`influxdb._influxql.lex`, a module of its own: a layer below the
builders, which the line-protocol encoder reads too.  Its public names are re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Optional, Union, cast

from influxdb._influxql.lex import (
    QueryInfo,
    classify,
    ends_in_line_comment,
    first_word,
    mask,
    quote_ident,
    quote_literal,
    statements,
)
from influxdb.exceptions import InfluxDBArgumentError, InfluxDBArgumentTypeError

__all__ = [
    "QueryInfo",
    "alter_retention_policy",
    "classify",
    "create_continuous_query",
    "create_database",
    "create_retention_policy",
    "create_user",
    "drop_continuous_query",
    "drop_database",
    "drop_measurement",
    "drop_retention_policy",
    "drop_series",
    "drop_user",
    "grant_admin",
    "grant_privilege",
    "quote_ident",
    "quote_literal",
    "revoke_admin",
    "revoke_privilege",
    "set_password",
    "show_continuous_queries",
    "show_databases",
    "show_grants",
    "show_measurements",
    "show_retention_policies",
    "show_series",
    "show_users",
]

TagValue = Union[str, int, float]


def _name(value: object, param: str) -> str:
    """A required, non-empty identifier, quoted."""
    if value is None:
        raise InfluxDBArgumentError(f"{param} is required, got None")
    if isinstance(value, str) and not value:
        raise InfluxDBArgumentError(f"{param} must not be empty")
    # quote_ident() checks the type itself (TypeError naming ``param``).
    return quote_ident(cast(str, value), param=param)


def _user(value: object) -> str:
    """A user name, quoted; an empty one is sent, as 5.3.2 sent it.

    No user ``""`` can exist (``CREATE USER ""`` is refused) and no statement reads ``""`` as
    a default user, so the server judges: ``username required`` or ``user not found``, the
    answers 5.3.2 callers got (docs/migration.rst, "Arguments refused before sending").  An
    empty database or policy name stays refused: ``""`` can stand for the default retention
    policy there.
    """
    if value is None:
        raise InfluxDBArgumentError("username is required, got None")
    return quote_ident(cast(str, value), param="username")


# Duration literals: influxql scanner (digits then letters -> DURATIONVAL) and
# ParseDuration (units ns, u, µ, ms, s, m, h, d, w; several terms may follow each other,
# e.g. 1h30m).  Units are case-sensitive; INF is a keyword (any case) where allowed.
_DURATION_TERM = re.compile("([0-9]+)(ns|ms|u|\u00b5|s|m|h|d|w)")
_DURATION = re.compile("(?:[0-9]+(?:ns|ms|u|\u00b5|s|m|h|d|w))+")
_UNIT_NS = {
    "ns": 1, "u": 10**3, "\u00b5": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
    "h": 3600 * 10**9, "d": 86400 * 10**9, "w": 7 * 86400 * 10**9,
}
_MAX_NS = 2**63 - 1  # time.Duration is an int64 of nanoseconds


def _duration(value: object, param: str, *, allow_inf: bool) -> str:
    if not isinstance(value, str):
        raise InfluxDBArgumentTypeError(
            f"{param} must be a str such as '1h30m', not {type(value).__name__}")
    if allow_inf and value.upper() == "INF":
        return value
    if _DURATION.fullmatch(value) is None:
        accepted = "'INF' or " if allow_inf else ""
        raise InfluxDBArgumentError(
            f"{param} must be an InfluxQL duration ({accepted}e.g. '1h30m', '52w'), got {value!r}"
        )
    total = sum(int(n) * _UNIT_NS[unit] for n, unit in _DURATION_TERM.findall(value))
    if total > _MAX_NS:
        raise InfluxDBArgumentError(
            f"{param} is too long for InfluxDB (at most 2562047h), got {value!r}")
    return value


def _replication(value: object) -> str:
    # 5.3.2 documented replication as a str and inserted it raw: keep accepting '3'.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise InfluxDBArgumentTypeError(
            f"replication must be a positive int, not {type(value).__name__}")
    if not 1 <= number <= 2**31 - 1:  # the parser's bounds for REPLICATION
        raise InfluxDBArgumentError(f"replication must be between 1 and 2147483647, got {number}")
    return str(value)


# An empty privilege is sent: ``GRANT  ON "db" TO "u"`` injects nothing and the parser
# refuses it (400 "found ON, expected READ, WRITE, ALL [PRIVILEGES]"), the answer 5.3.2
# callers read.  Anything else outside the grammar is refused here: it would be inserted raw.
_PRIVILEGE = re.compile(r"(?:|read|write|all(?:[ \t\n]+privileges)?)", re.IGNORECASE)


def _privilege(value: object) -> str:
    if not isinstance(value, str):
        raise InfluxDBArgumentTypeError(f"privilege must be a str, not {type(value).__name__}")
    if _PRIVILEGE.fullmatch(value) is None:
        raise InfluxDBArgumentError(
            f"privilege must be one of 'read', 'write', 'all', got {value!r}")
    return value


def _series(verb: str, measurement: Optional[str], tags: Optional[Mapping[str, TagValue]]) -> str:
    if tags is not None and not isinstance(tags, Mapping):
        raise InfluxDBArgumentTypeError(f"tags must be a dict or None, not {type(tags).__name__}")
    text = verb
    if measurement is not None and measurement != "":  # 5.3.2: no FROM clause then
        text += " FROM " + quote_ident(measurement, param="measurement")
    if tags:
        terms = []
        for key, value in tags.items():
            if isinstance(value, (int, float)):  # tag values are strings on the server
                value = str(value)
            terms.append(
                quote_ident(key, param="tag key in tags")
                + "="
                + quote_literal(value, param="tag value in tags")
            )
        text += " WHERE " + " AND ".join(terms)
    return text


def show_databases() -> str:
    """:returns: ``SHOW DATABASES``"""
    return "SHOW DATABASES"


def create_database(name: str) -> str:
    """:returns: ``CREATE DATABASE "<name>"``"""
    return "CREATE DATABASE " + _name(name, "name")


def drop_database(name: str) -> str:
    """:returns: ``DROP DATABASE "<name>"``"""
    return "DROP DATABASE " + _name(name, "name")


def show_measurements() -> str:
    """:returns: ``SHOW MEASUREMENTS``"""
    return "SHOW MEASUREMENTS"


def drop_measurement(name: str) -> str:
    """:returns: ``DROP MEASUREMENT "<name>"``"""
    return "DROP MEASUREMENT " + _name(name, "name")


def show_series(
    measurement: Optional[str] = None, tags: Optional[Mapping[str, TagValue]] = None
) -> str:
    """``SHOW SERIES [FROM "<m>"] [WHERE "k"='v' AND ...]``.

    5.3.2 put the measurement, tag keys and values in unescaped (an injection); here all
    are quoted.  Numbers as tag values are compared as their ``str()``.

    :raises InfluxDBArgumentTypeError: if ``tags`` is not a mapping or holds other than str/number
    """
    return _series("SHOW SERIES", measurement, tags)


def drop_series(
    measurement: Optional[str] = None, tags: Optional[Mapping[str, TagValue]] = None
) -> str:
    """``DROP SERIES [FROM "<m>"] [WHERE "k"='v' AND ...]``.

    With neither ``measurement`` nor ``tags`` the result is a bare ``DROP SERIES``, which the
    server's parser refuses (400 "found EOF, expected FROM, WHERE"), as in 5.3.2: it never
    drops anything.
    """
    return _series("DROP SERIES", measurement, tags)


def create_retention_policy(
    name: str,
    duration: str,
    replication: Union[int, str],
    database: Optional[str],
    default: bool = False,
    shard_duration: str = "0s",
) -> str:
    """``CREATE RETENTION POLICY "<n>" ON "<db>" DURATION <d> REPLICATION <r> SHARD
    DURATION <s>`` plus `` DEFAULT`` when ``default is True``.

    :param duration: ``'INF'`` or a duration literal such as ``'1h30m'``
    :param replication: a positive int (or a str of digits, as 5.3.2 documented)
    :param shard_duration: a duration literal (``'0s'`` lets the server choose)
    :raises InfluxDBArgumentError: on a missing database or a malformed duration or replication
    """
    text = (
        f"CREATE RETENTION POLICY {_name(name, 'name')} ON {_name(database, 'database')}"
        f" DURATION {_duration(duration, 'duration', allow_inf=True)}"
        f" REPLICATION {_replication(replication)}"
        f" SHARD DURATION {_duration(shard_duration, 'shard_duration', allow_inf=False)}"
    )
    if default is True:
        text += " DEFAULT"
    return text


def alter_retention_policy(
    name: str,
    database: Optional[str],
    duration: Optional[str] = None,
    replication: Union[int, str, None] = None,
    default: Optional[bool] = None,
    shard_duration: Optional[str] = None,
) -> str:
    """``ALTER RETENTION POLICY "<n>" ON "<db>"`` plus, in 5.3.2's order, `` DURATION d``,
    `` SHARD DURATION s``, `` REPLICATION r`` and `` DEFAULT`` (when ``default is True``).

    With nothing to change the statement ends after ``ON "<db>"``, as in 5.3.2: the server's
    parser refuses it (400 "found EOF, expected DURATION, REPLICATION, SHARD, DEFAULT").

    :raises InfluxDBArgumentError: on malformed values
    """
    text = f"ALTER RETENTION POLICY {_name(name, 'name')} ON {_name(database, 'database')}"
    if duration is not None:
        text += " DURATION " + _duration(duration, "duration", allow_inf=True)
    if shard_duration is not None:
        text += " SHARD DURATION " + _duration(shard_duration, "shard_duration", allow_inf=False)
    if replication is not None:
        text += " REPLICATION " + _replication(replication)
    if default is True:
        text += " DEFAULT"
    return text


def drop_retention_policy(name: str, database: Optional[str]) -> str:
    """:returns: ``DROP RETENTION POLICY "<n>" ON "<db>"``"""
    return f"DROP RETENTION POLICY {_name(name, 'name')} ON {_name(database, 'database')}"


def show_retention_policies(database: Optional[str]) -> str:
    """:returns: ``SHOW RETENTION POLICIES ON "<db>"``"""
    return "SHOW RETENTION POLICIES ON " + _name(database, "database")


def show_users() -> str:
    """:returns: ``SHOW USERS``"""
    return "SHOW USERS"


def create_user(username: str, password: str, admin: bool = False) -> str:
    """``CREATE USER "<u>" WITH PASSWORD '<p>'`` plus `` WITH ALL PRIVILEGES`` if admin.

    The result carries a secret: send it in a POST body (:func:`classify` says so).
    """
    text = (
        f"CREATE USER {_user(username)}"
        f" WITH PASSWORD {quote_literal(password, param='password')}"
    )
    if admin:
        text += " WITH ALL PRIVILEGES"
    return text


def drop_user(username: str) -> str:
    """:returns: ``DROP USER "<u>"``"""
    return "DROP USER " + _user(username)


def set_password(username: str, password: str) -> str:
    """:returns: ``SET PASSWORD FOR "<u>" = '<p>'`` (a secret: POST body only)"""
    return (
        f"SET PASSWORD FOR {_user(username)}"
        f" = {quote_literal(password, param='password')}"
    )


def grant_admin(username: str) -> str:
    """:returns: ``GRANT ALL PRIVILEGES TO "<u>"``"""
    return "GRANT ALL PRIVILEGES TO " + _user(username)


def revoke_admin(username: str) -> str:
    """:returns: ``REVOKE ALL PRIVILEGES FROM "<u>"``"""
    return "REVOKE ALL PRIVILEGES FROM " + _user(username)


def grant_privilege(privilege: str, database: Optional[str], username: str) -> str:
    """``GRANT <privilege> ON "<db>" TO "<u>"``; privilege kept as given once validated.

    :param privilege: ``read``, ``write`` or ``all`` (any case; ``all privileges`` too); an
        empty one is sent and refused by the server's parser, as in 5.3.2
    :raises InfluxDBArgumentError: on any other privilege (it would be inserted raw)
    """
    return (
        f"GRANT {_privilege(privilege)} ON {_name(database, 'database')}"
        f" TO {_user(username)}"
    )


def revoke_privilege(privilege: str, database: Optional[str], username: str) -> str:
    """``REVOKE <privilege> ON "<db>" FROM "<u>"``; see :func:`grant_privilege`."""
    return (
        f"REVOKE {_privilege(privilege)} ON {_name(database, 'database')}"
        f" FROM {_user(username)}"
    )


def show_grants(username: str) -> str:
    """:returns: ``SHOW GRANTS FOR "<u>"``"""
    return "SHOW GRANTS FOR " + _user(username)


def show_continuous_queries() -> str:
    """:returns: ``SHOW CONTINUOUS QUERIES``"""
    return "SHOW CONTINUOUS QUERIES"


# RESAMPLE options (influxql parser, parseResample): EVERY <d>, FOR <d>, or both in that
# order; keywords in any case; INF is not accepted there.
_WS = "[ \t\n]"
_RESAMPLE = re.compile(
    f"{_WS}*(?:EVERY{_WS}+(?P<every>\\S+))?(?:(?(every){_WS}+|)FOR{_WS}+(?P<for>\\S+))?{_WS}*",
    re.IGNORECASE,
)


def _resample(value: object) -> str:
    if not isinstance(value, str):
        raise InfluxDBArgumentTypeError(f"resample_opts must be a str, not {type(value).__name__}")
    match = _RESAMPLE.fullmatch(value)
    if match is None or match.group("every") is None and match.group("for") is None:
        raise InfluxDBArgumentError(
            f"resample_opts must be 'EVERY <duration>', 'FOR <duration>' or both, got {value!r}"
        )
    for part in ("every", "for"):
        if match.group(part) is not None:
            _duration(match.group(part), "resample_opts", allow_inf=False)
    return value


def _select(value: object) -> str:
    if not isinstance(value, str):
        raise InfluxDBArgumentTypeError(f"select must be a str, not {type(value).__name__}")
    parts = statements(value)
    if len(parts) != 1 or first_word(parts[0]) != "SELECT" or ";" in mask(value):
        raise InfluxDBArgumentError("select must be a single SELECT statement")
    if ends_in_line_comment(value):
        return value + "\n"  # a trailing -- comment would swallow the END that follows
    return value


def create_continuous_query(
    name: str, select: str, database: Optional[str], resample_opts: Optional[str] = None
) -> str:
    """``CREATE CONTINUOUS QUERY "<n>" ON "<db>" [RESAMPLE <opts>] BEGIN <select> END``.

    :param select: the InfluxQL ``SELECT ... INTO ...`` statement, inserted as given (plus
        a newline when it ends in a ``--`` comment, which would otherwise hide ``END``)
    :param resample_opts: ``'EVERY <d>'``, ``'FOR <d>'`` or ``'EVERY <d> FOR <d>'``
    :raises InfluxDBArgumentError: on a missing database, a ``select`` that is not one SELECT
        statement, or malformed resample options
    """
    resample = "" if resample_opts is None else " RESAMPLE " + _resample(resample_opts)
    return (
        f"CREATE CONTINUOUS QUERY {_name(name, 'name')} ON {_name(database, 'database')}"
        f"{resample} BEGIN {_select(select)} END"
    )


def drop_continuous_query(name: str, database: Optional[str]) -> str:
    """:returns: ``DROP CONTINUOUS QUERY "<n>" ON "<db>"``"""
    return f"DROP CONTINUOUS QUERY {_name(name, 'name')} ON {_name(database, 'database')}"
