"""A small line-protocol parser for tests: reads text the way influxd 1.x does.

It follows the server's parser (``models/points.go``) as observed against influxd 1.6.7,
not our encoder, so round trips through it test the encoder against the server's rules:

* lines end at a newline outside a quoted string field value; a backslash pairs with the
  next character while looking for that newline;
* in the measurement and the tags a character is escaped when a backslash precedes it; the
  measurement un-escapes ``\\,``, ``\\ ``, ``\\=`` and ``\\"``; tag keys and values
  un-escape ``\\,``, ``\\ `` and ``\\=``;
* in the field set a backslash pairs with the next character; field keys un-escape
  ``\\,``, ``\\ ``, ``\\=`` and ``\\"`` from left to right; string values un-escape ``\\\\``
  and ``\\"``.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Union

FieldValue = Union[str, int, float, bool]


class ParsedPoint(NamedTuple):
    measurement: str
    tags: dict[str, str]
    fields: dict[str, FieldValue]
    time: Optional[int]


class LineProtocolError(ValueError):
    """The text is not valid line protocol."""


def split_lines(text: str) -> list[str]:
    """Split on newlines outside string field values (the server's ``scanLine``)."""
    lines, start, i, quoted, in_fields, equals, commas = [], 0, 0, False, False, 0, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 2 < len(text):
            i += 2
            continue
        if char == " ":
            in_fields = True
        if in_fields and not quoted and char == "=":
            equals += 1
        elif in_fields and not quoted and char == ",":
            commas += 1
        elif in_fields and char == '"' and equals > commas:
            quoted = not quoted
        elif char == "\n" and not quoted:
            lines.append(text[start:i])
            start, in_fields, equals, commas = i + 1, False, 0, 0
        i += 1
    lines.append(text[start:])
    return [line for line in lines if line and not line.lstrip(" \t").startswith("#")]


def _split_escaped(text: str, separators: str) -> tuple[str, int]:
    """Scan to the first separator not preceded by a backslash; return (token, index)."""
    i = 0
    while i < len(text):
        if text[i] in separators and (i == 0 or text[i - 1] != "\\"):
            return text[:i], i
        i += 1
    return text, len(text)


def _unescape_replace(text: str, chars: str) -> str:
    for char in chars:
        text = text.replace("\\" + char, char)
    return text


def _unescape_left_to_right(text: str, chars: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in chars:
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _field_value(text: str) -> FieldValue:
    if text.startswith('"'):
        if len(text) < 2 or not text.endswith('"'):
            raise LineProtocolError(f"unterminated string {text!r}")
        return _unescape_left_to_right(text[1:-1], '"\\')
    if text.endswith("i"):
        return int(text[:-1])
    if text in ("t", "T", "true", "True", "TRUE"):
        return True
    if text in ("f", "F", "false", "False", "FALSE"):
        return False
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise LineProtocolError(f"invalid number {text!r}")
    return value


def _scan_fields(text: str) -> tuple[dict[str, FieldValue], str]:
    """Parse ``k=v,k=v`` up to the first space outside quotes; return (fields, rest)."""
    fields: dict[str, FieldValue] = {}
    i, start, key, quoted = 0, 0, None, False
    while True:
        if i < len(text) and text[i] == "\\" and not quoted and key is None and i + 1 < len(text):
            i += 2
            continue
        if i < len(text) and quoted and text[i] == "\\" and i + 1 < len(text):
            i += 2
            continue
        end = i >= len(text)
        char = "" if end else text[i]
        if key is None and char == "=":
            key = _unescape_left_to_right(text[start:i], ',"= ')
            if not key:
                raise LineProtocolError("missing field key")
            start = i + 1
        elif key is not None and char == '"' and i == start:
            quoted = True
        elif key is not None and char == '"' and quoted:
            quoted = False
        elif end or (not quoted and char in ", "):
            if key is None:
                raise LineProtocolError(f"field without value in {text!r}")
            fields[key] = _field_value(text[start:i])
            key, start = None, i + 1
            if end or char == " ":
                return fields, text[i + 1:] if not end else ""
        i += 1


def parse_line(line: str) -> ParsedPoint:
    """Parse one line (no newline) into measurement, tags, fields and time."""
    line = line.lstrip(" \t\x00")
    name, i = _split_escaped(line, ", ")
    if not name:
        raise LineProtocolError("missing measurement")
    measurement = _unescape_replace(name, ', ="')
    rest = line[i:]
    tags: dict[str, str] = {}
    while rest.startswith(","):
        key, j = _split_escaped(rest[1:], "=")
        value, k = _split_escaped(rest[j + 2:], ", ")
        if not key or not value:
            raise LineProtocolError(f"bad tag in {line!r}")
        tags[_unescape_replace(key, ", =")] = _unescape_replace(value, ", =")
        rest = rest[j + 2 + k:]
    if not rest.startswith(" "):
        raise LineProtocolError(f"missing fields in {line!r}")
    fields, rest = _scan_fields(rest[1:].lstrip(" \t\x00"))
    rest = rest.strip(" ")
    return ParsedPoint(measurement, tags, fields, int(rest) if rest else None)


def parse(text: str) -> list[ParsedPoint]:
    """Parse a whole payload."""
    return [parse_line(line) for line in split_lines(text)]

