"""Line-protocol text: what names and field values may hold and how they are escaped, and
where the lines of an encoded body end (pure; used by :mod:`influxdb.line_protocol`, the
Point builder, the DataFrame layer, the batching writer, the UDP sender and the stamping of
timeless lines).

The rules, and where they come from (the InfluxDB 1.x line protocol reference, and influxd
1.6.7's parser where the reference is silent), are listed in :mod:`influxdb.line_protocol`.
Everything refused raises :class:`_Refused`; the callers add which point it was.
"""

from __future__ import annotations

import math
import numbers
import re
import sys
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Callable, Optional

from influxdb import _accel
from influxdb._influxql.lex import _UNQUOTABLE_NAMES

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_MAX_KEY_BYTES = 65535  # models.MaxKeyLength; the TSM key is series key + "#!~#" + field key

# One escape table per grammar context (line protocol reference, "Special characters").
# Measurements escape ',' and ' ' only.  5.3.2 also escaped '='; influxd 1.6.7 then stores a
# series that SELECT and DROP MEASUREMENT cannot reach (tests/security/test_injection_admin).
_MEASUREMENT_ESCAPES = str.maketrans({",": "\\,", " ": "\\ "})
_MEASUREMENT_SPECIAL = re.compile("[, ]")
_TAG_ESCAPES = str.maketrans({",": "\\,", " ": "\\ ", "=": "\\="})  # tag keys and values
_FIELD_KEY_ESCAPES = str.maketrans({",": "\\,", " ": "\\ ", "=": "\\="})
_STRING_FIELD_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"'})

_SPECIAL = re.compile("[, =]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BACKSLASH_RUN = re.compile(r"\\+(.?)", re.DOTALL)
_QUOTE_AFTER_BACKSLASHES = re.compile(r'(\\+)"')


class _Refused(Exception):
    """Internal: why a value cannot be written; make_line(s) add which point it was."""


def _get_unicode(data: Any, force: bool = False) -> Any:
    """5.3.2 helper: bytes decoded as UTF-8, ``None`` -> ``''``, else ``str()`` if ``force``."""
    if isinstance(data, bytes):
        return data.decode("utf-8")
    if data is None:
        return ""
    if force:
        return str(data)
    return data


def _check_text(text: str, what: str, context: str, always: str = "", odd: str = "") -> None:
    """Refuse what ``context`` cannot carry: newlines, lone surrogates, a final backslash,
    a backslash before a character of ``always``, an odd run of them before one of ``odd``.
    """
    if "\n" in text:
        raise _Refused(f"{what} contains a newline, which line protocol cannot carry "
                       "outside string field values")
    if not text.isascii() and _SURROGATE.search(text):
        raise _Refused(f"{what} contains a lone surrogate, which is not valid UTF-8")
    if "\\" not in text:
        return
    for match in _BACKSLASH_RUN.finditer(text):
        after = match.group(1)
        if not after:
            raise _Refused(f"{what} ends with a backslash, which line protocol cannot carry "
                           f"in {context}")
        if after in always:
            raise _Refused(f"{what} has a backslash before {after!r}, which line protocol "
                           f"cannot carry in {context}")
        if after in odd and (len(match.group()) - 1) % 2:
            raise _Refused(f"{what} has an odd number of backslashes before {after!r}, which "
                           f"line protocol cannot carry in {context}")


def _name_text(value: Any, what: str) -> str:
    """A measurement, tag key or tag value as text: bytes decoded, numbers ``str()``-ed as
    5.3.2 did, ``None`` -> ``''``; containers refused (5.3.2 wrote their ``repr``)."""
    if type(value) is str:
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise _Refused(f"{what} is bytes that are not UTF-8") from None
    if isinstance(value, (list, tuple, set, frozenset, Mapping)):
        raise _Refused(f"{what} must be a str, not a {type(value).__name__}")
    return "" if value is None else str(value)


def _is_nan(value: Any) -> bool:
    """Whether ``value`` is a NaN number (float, numpy floating, Decimal), left out of tags
    as ``None`` is; never raises."""
    if isinstance(value, float):  # numpy.float64 too
        return value != value
    if isinstance(value, Decimal):
        return value.is_nan()
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        try:  # numpy.float32, numpy.float16 and other real types
            return bool(value != value)
        except Exception:
            return False
    return False


def _tag_value_text(value: Any, what: str) -> str:
    """A tag value as text; ``''`` (the tag is left out) for ``None`` and NaN."""
    if type(value) is str:
        return value
    if _is_nan(value):
        return ""
    return _name_text(value, what)


def _measurement_text(measurement: Any) -> str:
    text = _name_text(measurement, "the measurement")
    if not text:
        raise _Refused("the measurement is missing or empty")
    what = f"measurement {text!r}"
    if text[0] == "#":
        raise _Refused(f"{what} starts with '#', which makes the line a comment")
    if text[0] in "\t\x00":
        raise _Refused(f"{what} starts with {text[0]!r}, which the server skips as white space")
    for char, name in _UNQUOTABLE_NAMES.items():
        # The server stores it, but InfluxQL cannot quote it: the measurement could never
        # be named in SELECT, SHOW ... FROM or DROP MEASUREMENT.
        if char in text:
            raise _Refused(f"{what} contains {name}, which InfluxQL cannot quote (it could "
                           "be written but never queried or dropped by name)")
    _check_text(text, what, "a measurement", always=', ="')
    return text.translate(_MEASUREMENT_ESCAPES) if _MEASUREMENT_SPECIAL.search(text) else text


def _tag_text(text: str, what: str) -> str:
    _check_text(text, what, "a tag", odd=" ")
    return text.translate(_TAG_ESCAPES) if _SPECIAL.search(text) else text


def _refuse_time(text: str, what: str) -> None:
    """``time`` as a tag key or field key: InfluxDB drops such points or fields."""
    if text == "time":
        raise _Refused(f"{what} is refused by InfluxDB ('time' names the timestamp)")


def _tag_key_text(text: str, what: str) -> str:
    _refuse_time(text, what)
    return _tag_text(text, what)


def _field_key_text(text: str, what: str) -> str:
    _refuse_time(text, what)
    _check_text(text, what, "a field key", odd=", =")
    if '\\"' in text:
        text = _QUOTE_AFTER_BACKSLASHES.sub(r'\1\\"', text)
    return text.translate(_FIELD_KEY_ESCAPES) if _SPECIAL.search(text) else text


# -- field values ----------------------------------------------------------------------------
# Type -> encoder for the types the hot loop does not test inline; filled on first sight of
# a type, so numpy scalars are recognised without importing numpy.
_FieldEncoder = Callable[[Any, Any], Optional[str]]  # (value, field key) -> text or None


class _Described(str):
    """A field description made by the caller (the DataFrame layer names column and row);
    :func:`_field` uses it as it is."""


def _field(key: Any) -> str:
    """How errors name a field (built only when there is an error)."""
    if isinstance(key, _Described):
        return str(key)
    return "field value" if key is None else f"field {_get_unicode(key)!r}"


def _encode_float(value: Any, key: Any) -> Optional[str]:
    try:
        number = float(value)
    except (ValueError, OverflowError):  # Decimal('sNaN'), huge Fractions
        raise _Refused(f"{_field(key)} is {value!r}, which is not a 64-bit float") from None
    if math.isfinite(number):
        return repr(number)
    if number != number:
        return None  # NaN: the field is left out (docs/migration.rst, "Writing")
    raise _Refused(f"{_field(key)} is {value!r}; line protocol cannot represent infinite "
                   "floats")


def _encode_int(value: Any, key: Any) -> Optional[str]:
    number = int(value)
    if _INT64_MIN <= number <= _INT64_MAX:
        return f"{number}i"
    raise _Refused(f"{_field(key)} is {number}, outside the 64-bit signed integer range")


def _encode_str(value: Any, key: Any) -> Optional[str]:
    text = str.__str__(value)
    if not text.isascii() and _SURROGATE.search(text):
        raise _Refused(f"{_field(key)} contains a lone surrogate, which is not valid UTF-8")
    return f'"{text.translate(_STRING_FIELD_ESCAPES)}"'


def _encode_bytes(value: Any, key: Any) -> Optional[str]:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(f"{_field(key)} is bytes that are not UTF-8") from None
    return _encode_str(text, key)


def _encode_bool(value: Any, key: Any) -> Optional[str]:
    return "True" if value else "False"


def _encode_none(value: Any, key: Any) -> Optional[str]:
    return None


def _unsupported(value: Any, key: Any) -> Optional[str]:
    raise _Refused(f"{_field(key)} has unsupported type {type(value).__name__} "
                   "(use str, int, float, bool or bytes)")


def _classify(kind: type) -> _FieldEncoder:
    # numpy registers its scalar types with the numbers ABCs, except numpy.bool_.
    if issubclass(kind, bool) or (kind.__module__ == "numpy" and kind.__name__ in ("bool",
                                                                                  "bool_")):
        return _encode_bool
    if issubclass(kind, str):
        return _encode_str
    if issubclass(kind, bytes):
        return _encode_bytes
    if issubclass(kind, numbers.Integral):
        return _encode_int
    if issubclass(kind, (numbers.Real, Decimal)):
        return _encode_float
    return _unsupported


_FIELD_ENCODERS: dict[type, _FieldEncoder] = {type(None): _encode_none}


def _encode_value(value: Any, key: Any) -> Optional[str]:
    kind = type(value)
    encoder = _FIELD_ENCODERS.get(kind)
    if encoder is None:
        encoder = _FIELD_ENCODERS[kind] = _classify(kind)
    return encoder(value, key)


# -- where the lines of a body end -----------------------------------------------------------
# One line of line protocol (InfluxDB 1.x "Line Protocol reference"): measurement and tags
# (spaces escaped), then fields, then an optional timestamp.  Only a string field value
# (a quoted value right after '=') may hold a raw new line, so that is the one place the
# split must look inside; '"' elsewhere (tag values, field keys) is an ordinary character.
_KEY = rb'(?:[^\\ ,=\n]|\\.)+'
_VALUE = rb'(?:"(?:[^"\\]|\\.)*"|[^ ,\n]*)'
_FIELD = _KEY + rb'=' + _VALUE
_LINE = re.compile(
    rb'(?:[^\\ \n]|\\.)*'                       # measurement[,tag=value...]
    rb'(?: ' + _FIELD + rb'(?:,' + _FIELD + rb')*'  # field=value[,field=value...]
    rb'(?: [^\n]*)?)?',                          # timestamp
    re.S,
)

# A string field value left open at the end of a line: '="' and then, up to a new line, no
# '"' that closes it.  Where this never matches (and no new line is escaped), no match of
# _LINE goes past a new line, so the new lines are the ends of the lines.  It also matches
# where '="' is not a string's start (a tag value); the quote-aware split then decides.
_OPEN_STRING = re.compile(
    rb'="[^"\\\n]*+(?:\\[^\n][^"\\\n]*+)*+\n' if sys.version_info >= (3, 11)
    else rb'="[^"\\\n]*(?:\\[^\n][^"\\\n]*)*\n')  # possessive: 6 times quicker
_BLANK_LINE = re.compile(rb"\n[ \t\r\x0b\x0c]*\n")  # no point: the split leaves it out


def split_lines(body: bytes, expected: Optional[int] = None) -> list[bytes]:
    """The points of an encoded body, one line each, without new lines (the lines of
    :func:`encoded_from_body`, without joining the quote-aware split's lines into a body).

    In C the quote-aware split is one pass, quicker than the checks of the plain split
    (9 MB: 5 ms against 14 ms), so ``expected`` only serves the Python split.  In Python,
    a body whose new lines all end lines (no blank line, no escaped new line, no quoted
    string left open at the end of a line: :data:`_OPEN_STRING`) is split on them at C
    speed, with the same lines as the quote-aware split (9 MB of string fields: 0.03 s
    instead of 0.2).
    """
    if not body:
        return []
    if not body.endswith(b"\n"):
        body += b"\n"
    return _split_body(body, expected)


def _split_body_py(body: bytes, expected: Optional[int]) -> list[bytes]:
    """The lines of ``body`` (which ends with a new line) in Python: split on its new lines
    when they all end lines (see :func:`split_lines`), else by the quote-aware reference."""
    if body[:body.index(b"\n")].strip() and (
            _BLANK_LINE.search(body) is None) and (
            body.count(b"\n") == expected or (b"\\\n" not in body and (
                b'"' not in body or _OPEN_STRING.search(body) is None))):
        pieces = body.split(b"\n")
        pieces.pop()  # the body ends with a new line
        return pieces
    return _split_quote_aware_py(body)


def _split_body_c(
        split: Callable[[bytes], list[bytes]]) -> Callable[[bytes, Optional[int]], list[bytes]]:
    """:func:`_split_body_py`'s stand-in from the C split, which needs no count: its one
    pass is quicker than the checks of the plain split."""
    def split_body(body: bytes, expected: Optional[int]) -> list[bytes]:
        return split(body)
    return split_body


def _split_quote_aware_py(body: bytes) -> list[bytes]:
    """The lines of ``body`` by :data:`_LINE`, blank ones left out (the reference of
    ``_speedups.split_lines``, which follows the same first match in one linear pass)."""
    out: list[bytes] = []
    pos, end = 0, len(body)
    while pos < end:
        match = _LINE.match(body, pos)
        stop = match.end() if match else pos
        if stop < end and body[stop:stop + 1] != b"\n":
            # Not a well-formed line: the server will say so; split at the next new line.
            nl = body.find(b"\n", pos)
            stop = end if nl < 0 else nl
        line = body[pos:stop]
        if line.strip():
            out.append(line)
        pos = stop + 1
    return out


# A 9 MB body of string fields: 0.2 s through the regular expression, about 0.02 s in C.
_split_quote_aware = _accel.pick("split_lines", _split_quote_aware_py)
_split_body = _accel.pick("split_lines", _split_body_py, through=_split_body_c)
