"""InfluxQL tokens: quoting values, and reading statements the caller wrote.

Pure code, no I/O.  This is the lexical layer under the statement builders of
:mod:`influxdb._influxql` (which re-exports :func:`quote_ident`, :func:`quote_literal`,
:func:`classify` and :class:`QueryInfo`).  Both halves follow one set of token rules, so
they live together: what the quoters write is exactly what the masking below skips.

The rules are those of the InfluxDB 1.x InfluxQL scanner (``influxql/scanner.go``,
``ScanString``), checked against influxd 1.6.7: inside ``"..."`` and ``'...'`` the only
escapes are ``\\n``, ``\\\\``, ``\\"`` and ``\\'``; a raw newline ends the token with an
error; the reader turns a carriage return (alone or in ``\\r\\n``) into a newline and reads
NUL as end of input.  So ``\\r`` and ``\\x00`` cannot be written in a quoted token at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from influxdb.exceptions import InfluxDBArgumentError, InfluxDBArgumentTypeError

__all__ = [
    "QueryInfo",
    "classify",
    "ends_in_line_comment",
    "first_word",
    "mask",
    "quote_ident",
    "quote_literal",
    "statements",
]

# --- quoting -------------------------------------------------------------------------

# Characters no InfluxQL quoted token can carry (see the module docstring), plus lone
# surrogates, which cannot be encoded as UTF-8 for the request at all.
_UNQUOTABLE = re.compile("[\r\x00\ud800-\udfff]")
_UNQUOTABLE_NAMES = {"\r": "a carriage return", "\x00": "a NUL character"}


def _check_quotable(value: object, param: str) -> str:
    if not isinstance(value, str):
        raise InfluxDBArgumentTypeError(f"{param} must be a str, not {type(value).__name__}")
    bad = _UNQUOTABLE.search(value)
    if bad is not None:
        # Never echo the value: it may be a password.
        what = _UNQUOTABLE_NAMES.get(bad.group(), "a lone surrogate (not valid UTF-8)")
        raise InfluxDBArgumentError(f"{param} contains {what}, which InfluxQL cannot represent")
    return value


def quote_ident(value: str, *, param: str = "value") -> str:
    """Quote an identifier (database, measurement, tag key, user...) for InfluxQL.

    What the server un-quotes is exactly ``value``.

    :param value: the identifier
    :param param: the caller's parameter name, used in error messages
    :returns: ``"..."`` with ``\\``, ``"`` and newline escaped
    :raises InfluxDBArgumentTypeError: if ``value`` is not a str
    :raises InfluxDBArgumentError: if ``value`` holds ``\\r``, NUL or a lone surrogate
    """
    text = _check_quotable(value, param)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def quote_literal(value: str, *, param: str = "value") -> str:
    """Quote a string literal (password, tag value...) for InfluxQL.

    Unlike 5.3.2, a newline is escaped as ``\\n``: the server rejects a raw one.

    :param value: the string
    :param param: the caller's parameter name, used in error messages
    :returns: ``'...'`` with ``\\``, ``'`` and newline escaped
    :raises InfluxDBArgumentTypeError: if ``value`` is not a str
    :raises InfluxDBArgumentError: if ``value`` holds ``\\r``, NUL or a lone surrogate
    """
    text = _check_quotable(value, param)
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


# --- reading statements --------------------------------------------------------------

# Tokens that can hide keywords and separators: quoted identifiers and strings (escapes
# as in ScanString; an unterminated one runs to the end), comments, and regex literals,
# which the scanner reads only right after =~ or !~.  Masking them leaves text in which
# keywords and ';' can be found with plain regexes.
_HIDING = re.compile(
    r"""
      "[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)
    | '[^'\\]*(?:\\.[^'\\]*)*(?:'|\\?\Z)
    | --[^\n\r]*
    | /\*.*?(?:\*/|\Z)
    | (?P<op>[=!]~)[ \t\n\r]*/[^/\\]*(?:\\.[^/\\]*)*(?:/|\Z)
    """,
    re.VERBOSE | re.DOTALL,
)
_FIRST_WORDS = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+([A-Za-z_][A-Za-z0-9_]*))?")
_INTO = re.compile(r"(?<![A-Za-z0-9_])INTO(?![A-Za-z0-9_])", re.IGNORECASE)
_READ_KEYWORDS = frozenset({"SELECT", "SHOW", "EXPLAIN"})


def mask(query: str) -> str:
    """``query`` with every hiding token replaced by a space, or by ``"`` (a non-word
    token, so a quoted identifier still ends a statement's first word)."""

    def replace(match: re.Match[str]) -> str:
        if match.group("op") is not None:
            return match.group("op") + " "
        return " " if match.group(0)[0] in "-/" else ' " '

    return _HIDING.sub(replace, query)


def statements(query: str) -> list[str]:
    """The non-blank ``;``-separated statements of ``query``, masked (see :func:`mask`)."""
    return [part for part in mask(query).split(";") if part.strip()]


def first_word(statement: str) -> str:
    """The first keyword of a masked statement, upper-cased, or ``""``."""
    match = _FIRST_WORDS.match(statement)
    return match.group(1).upper() if match else ""


def ends_in_line_comment(query: str) -> bool:
    """Whether ``query`` ends inside a ``--`` comment (text appended would be commented
    out)."""
    hiding = list(_HIDING.finditer(query))
    last = hiding[-1] if hiding else None
    return last is not None and last.group().startswith("--") and last.end() == len(query)


@dataclass(frozen=True)
class QueryInfo:
    """What the client must know about a query before sending it.

    :ivar changes_state: a statement is neither SELECT, SHOW nor EXPLAIN, or writes with
        ``INTO``: send by POST
    :ivar carries_secret: a ``CREATE USER`` or ``SET PASSWORD`` statement: the query must
        travel in the POST body, never in the URL
    :ivar first_keywords: the first keyword of each statement, upper-cased (``""`` when a
        statement does not start with a keyword)
    """

    changes_state: bool
    carries_secret: bool
    first_keywords: tuple[str, ...] = ()


def classify(query: str) -> QueryInfo:
    """Classify an InfluxQL query (one or more ``;``-separated statements).

    Comments, quoted names and strings, any whitespace and letter case are handled, so
    ``"\\n  select 1 -- x\\n"`` is a read and ``"SELECT *\\nINTO m2 FROM m"`` a write.
    Anything not understood counts as a state change (POST is always accepted).

    :param query: the query text
    :returns: a :class:`QueryInfo`
    :raises InfluxDBArgumentTypeError: if ``query`` is not a str
    """
    if not isinstance(query, str):
        raise InfluxDBArgumentTypeError(f"query must be a str, not {type(query).__name__}")
    changes = secret = False
    keywords = []
    for statement in statements(query):
        match = _FIRST_WORDS.match(statement)
        first = match.group(1).upper() if match else ""
        second = (match.group(2) or "").upper() if match else ""
        keywords.append(first)
        if first not in _READ_KEYWORDS or _INTO.search(statement) is not None:
            changes = True
        if (first, second) in (("CREATE", "USER"), ("SET", "PASSWORD")):
            secret = True
    return QueryInfo(changes, secret, tuple(keywords))
