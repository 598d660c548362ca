"""Encode points as InfluxDB 1.x line protocol (pure: no I/O).

The grammar and escaping rules are those of the InfluxDB 1.x line protocol reference
(https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/,
"Special characters"): in measurements escape commas and spaces; in tag keys, tag values and
field keys escape commas, equal signs and spaces; in string field values escape double
quotes and backslashes; a newline ends the point except inside a string field value.

Where the reference is silent, the rules below were established against influxd 1.6.7
(its parser is ``models/points.go``), writing each case and reading it back:

* A backslash that precedes nothing special is stored as it is (``a\\b`` stays ``a\\b``),
  so backslashes are never doubled outside string field values (5.3.2 doubled them, and
  the server stored both).
* In measurements and tags the parser takes a character as escaped when a backslash
  precedes it, so a name ending in a backslash cannot be written (its separator would be
  read as escaped).
* Carriage returns and NUL characters are carried as they are: in tag keys, tag values,
  field keys and string values the server stores them exactly (in its index and TSM files,
  across restarts), and InfluxQL reaches them by regex or bound parameter.  A measurement
  holding either is refused: InfluxQL cannot quote them in an identifier, so the server
  would store a measurement that no statement can name (``DROP MEASUREMENT`` included).
* A NaN tag value (float, numpy or Decimal) is left out, as ``None`` and ``''`` are.
* In measurements the server also un-escapes ``\\=`` and ``\\"``, and a backslash before
  ``,``, space, ``=`` or ``"`` corrupts the measurement index: refused.  A measurement
  starting with ``#`` is a comment line, one starting with a tab or NUL loses it.
* In tag keys and values, an odd run of backslashes before a space makes the server's line
  splitter (which pairs backslashes) disagree with its tag parser, so a later ``"`` can
  join two lines: refused.  ``time`` is refused as a tag key or field key (InfluxDB drops
  such points or fields).
* Field keys are scanned by pairing backslashes: an odd run before ``,``, ``=`` or space,
  or a backslash at the end, cannot be written; a run before ``"`` takes one more backslash
  (the server un-escapes ``\\"`` in field keys).  The first field key cannot start with a
  tab or NUL (skipped as white space).
* String field values may hold raw newlines (the line splitter honours quotes).
* Series key plus ``#!~#`` plus field key is limited to 65535 bytes.

Everything refused raises :class:`~influxdb.exceptions.InfluxDBInvalidPointError` naming
the point and the tag or field, before any text is returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Callable, Optional

from influxdb import _accel
from influxdb._core.lines import (
    _INT64_MAX,
    _INT64_MIN,
    _MAX_KEY_BYTES,
    _encode_value,
    _field_key_text,
    _get_unicode,
    _is_nan,
    _measurement_text,
    _name_text,
    _refuse_time,
    _Refused,
    _tag_text,
    _tag_value_text,
)
from influxdb._core.times import _EPOCH_NAIVE, EPOCH, _range_for, _to_epoch, to_epoch
from influxdb._influxql import quote_ident, quote_literal
from influxdb.exceptions import InfluxDBInvalidPointError


def _speedups_built() -> bool:
    """Whether the encoder chosen at import is the C one (which finds ready-made lines among
    the points itself: see :func:`_encode_body`'s ``lines_among``)."""
    return _encode_points is not _encode_points_py

__all__ = ["EPOCH", "make_line", "make_lines", "quote_ident", "quote_literal"]


def _is_float(value: Any) -> bool:
    """5.3.2 helper: whether ``float(value)`` works."""
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _escape_tag(tag: Any) -> str:
    """Escape a tag key or value (5.3.2 name; 5.3.2 used it for every name).

    :raises InfluxDBInvalidPointError: when the text cannot be carried (newline, trailing
        backslash...)
    """
    text = _get_unicode(tag, force=True)
    try:
        return _tag_text(text, repr(text))
    except _Refused as refused:
        raise InfluxDBInvalidPointError(str(refused)) from None


def _escape_tag_value(value: Any) -> str:
    """Escape a tag value (5.3.2 name; the same rules as :func:`_escape_tag`)."""
    return _escape_tag(value)



def _escape_value(value: Any) -> str:
    """Encode a field value (5.3.2 name); ``''`` means "left out" (``None``, NaN).

    :raises InfluxDBInvalidPointError: for infinities, out-of-range integers and
        unsupported types
    """
    try:
        encoded = _encode_value(value, None)
    except _Refused as refused:
        raise InfluxDBInvalidPointError(str(refused)) from None
    return "" if encoded is None else encoded


def _to_nanos(timestamp: Any) -> int:
    """Nanoseconds since the epoch of an absolute time (5.3.2 name)."""
    return to_epoch(timestamp, "n")


def _convert_timestamp(timestamp: Any, precision: Optional[str] = None) -> int:
    """A time in ``precision`` (5.3.2 name); see :func:`influxdb._core.times.to_epoch`."""
    return to_epoch(timestamp, precision)


# -- memoised shapes ------------------------------------------------------------------------
# Points of one series share their measurement, tags and field keys: the text for those is
# kept per "shape" key (measurement, number of tags, tag keys, tag values, field keys), one
# dict lookup per point.  Escaped tag texts and field key sets are kept too, for shapes not
# seen yet.  Only exact-str entries are remembered, so equal-but-different keys
# (1 == True == 1.0) never share an entry.
#
# Every cache is bounded (cleared when full), and no point costs more than a small multiple
# of its size: a shape is escaped once, in time linear in its size, and the generic loop
# (_field_set) encodes it.  Compiling a key set's f-string (_compile_fast) costs about as
# much as encoding a hundred of its points the generic way, so it is done only for key sets
# of at most _COMPILE_WIDTH fields, once _COMPILE_AFTER of their points have been encoded:
# one-off shapes (field keys that change at every point) and wide points never pay for it.
_CACHE_LIMIT = 10_000  # entries in each cache
_CACHE_NAMES = 500_000  # names (measurement, tag keys and values, field keys) in _SHAPES
_WIDE = 1_000  # a shape with more names than this is never cached: it is escaped every time
_COMPILE_AFTER = 100  # generic encodings of a key set before it is compiled
_COMPILE_WIDTH = 100  # a key set with more fields is never compiled
_FastFields = Callable[[Any, str, Optional[int]], Optional[str]]
# A key set's spec, a list so that its compiled encoder can be filled in where every shape
# holding it sees it (the C encoder reads items 0 and 1):
#   [((key, ",<escaped key>="), ...) sorted, first key blank?, fast or None,
#    generic encodings left before compiling (0: compiled, or never compiled)]
_FieldSpec = list[Any]
_FIELD_SETS: dict[tuple[Any, ...], _FieldSpec] = {}  # field keys in the caller's order -> spec
_TAG_TEXTS: dict[str, str] = {}  # tag key or value -> escaped
_Shape = tuple[str, str, _FieldSpec]  # escaped measurement, measurement + tags, field spec
_SHAPES: dict[tuple[Any, ...], _Shape] = {}  # read by the C encoder too
_shape_names = [0]  # names held by _SHAPES' keys (a list: updated in place)


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def _remember_shape(key: tuple[Any, ...], shape: _Shape) -> None:
    """Keep a shape; when _SHAPES is full (entries or names), it is emptied together with
    _FIELD_SETS, so that every compiled encoder alive is in _FIELD_SETS (at most
    _CACHE_LIMIT of them)."""
    if len(_SHAPES) >= _CACHE_LIMIT or _shape_names[0] + len(key) > _CACHE_NAMES:
        _SHAPES.clear()
        _FIELD_SETS.clear()
        _shape_names[0] = 0
    _SHAPES[key] = shape
    _shape_names[0] += len(key)


def _encoded_generically(spec: _FieldSpec, sample: Any) -> None:
    """Count one generic encoding of a key set not compiled yet; compile it when due (if
    the sample's value types cannot be compiled, count again from the start)."""
    left = spec[3] - 1
    if left > 0:
        spec[3] = left
        return
    spec[3] = 0  # taken: another thread counting now does not compile it too
    fast = _compile_fast(spec[0], sample)
    if fast is None:
        spec[3] = _COMPILE_AFTER
    else:
        spec[2] = fast


def _sorted(pairs: Any, key: Callable[[Any], Any]) -> list[Any]:
    try:
        return sorted(pairs, key=key)  # 5.3.2 sorted the keys as given
    except TypeError:  # mixed key types: sort by their text
        return sorted(pairs, key=lambda pair: str(_get_unicode(key(pair), force=True)))


def _tag(text: str, what: str) -> str:
    escaped = _TAG_TEXTS.get(text) if type(text) is str else None
    if escaped is None:
        escaped = _tag_text(text, what)
        if type(text) is str:
            _remember(_TAG_TEXTS, text, escaped)
    return escaped


def _tag_set(tags: Any) -> str:
    """``,key=value...`` sorted by key, ``None`` and ``''`` values left out."""
    parts = []
    for key, value in _sorted(tags.items(), key=lambda item: item[0]):
        text = _tag_value_text(value, f"tag {_get_unicode(key, force=True)!r} value")
        if not text:
            continue  # None and '' values are left out, as in 5.3.2, and NaN as None
        key_text = _name_text(key, "a tag key")
        what = f"tag {key_text!r}"
        if not key_text:
            raise _Refused(f"a tag key is empty (value {text!r})")
        _refuse_time(key_text, what)
        parts.append(f",{_tag(key_text, what)}={_tag(text, f'{what} value {text!r}')}")
    return "".join(parts)


# Per value type: the test a value must pass to need no escaping and no range check, and
# its format, for the code _compile_fast writes ('@' stands for the variable).
_FAST_FORMS: dict[type, tuple[str, str]] = {
    float: ("type(@) is float and @ - @ == 0.0", "{@!r}"),  # finite: NaN, inf fail
    int: (f"type(@) is int and {_INT64_MIN} <= @ <= {_INT64_MAX}", "{@}i"),
    str: ("type(@) is str and @.isascii() and '\\\\' not in @ and '\"' not in @", '"{@}"'),
    bool: ("type(@) is bool", "{@}"),
}
_PLAIN_PREFIX = re.compile(r"[\w.,=:-]+", re.ASCII)
_PLAIN_NAME = re.compile(r"[\w.:-]+", re.ASCII)  # needs no escaping and no check


def _compile_fast(entries: tuple[tuple[Any, str], ...], sample: Any) -> Optional[_FastFields]:
    """Write a function that encodes a whole line for this key set with one f-string, when
    the values have the types seen in ``sample`` and need nothing special; it returns
    ``None`` otherwise (the general loop then runs).  This is the hot path of ``make_lines``:
    a point through the general loop costs about half as much again.  Keys, and prefixes
    that are not plain text, are passed as variables, never written into the code.
    """
    names: dict[str, Any] = {}
    checks, pieces, loads = [], [], []
    for i, (key, prefix) in enumerate(entries):
        form = _FAST_FORMS.get(type(sample[key]))
        if form is None:
            return None
        names[f"k{i}"] = key
        loads.append(f"v{i} = fields[k{i}]")
        checks.append(form[0].replace("@", f"v{i}"))
        prefix = prefix[1:] if i == 0 else prefix
        if not _PLAIN_PREFIX.fullmatch(prefix):
            names[f"p{i}"] = prefix
            prefix = f"{{p{i}}}"
        pieces.append(prefix + form[1].replace("@", f"v{i}"))
    body = "".join(pieces)
    source = (f"def fast(fields, prefix, stamp):\n    {'; '.join(loads)}\n"
              f"    if {' and '.join(checks)}:\n"
              f"        if stamp is None:\n            return f'{{prefix}} {body}'\n"
              f"        return f'{{prefix}} {body} {{stamp}}'\n")
    exec(compile(source, "<line protocol fields>", "exec"), names)
    fast: _FastFields = names["fast"]
    return fast


def _field_spec(keys: tuple[Any, ...]) -> _FieldSpec:
    entries = []
    leading_blank = False  # the server skips white space (tab, NUL) before the first key
    for key in _sorted(keys, key=lambda key: key):
        text = key if type(key) is str else _get_unicode(key, force=True)
        if not text:
            raise _Refused("a field key is empty")
        if text == "time" or not _PLAIN_NAME.fullmatch(text):  # else nothing to check
            text = _field_key_text(text, f"field {text!r}")
            leading_blank = leading_blank or text[0] in "\t\x00"
        entries.append((key, f",{text}="))
    compile_after = 0 if leading_blank or len(entries) > _COMPILE_WIDTH else _COMPILE_AFTER
    spec = [tuple(entries), leading_blank, None, compile_after]
    if len(keys) <= _WIDE and all(type(key) is str for key in keys):
        _remember(_FIELD_SETS, keys, spec)
    return spec


def _field_set(fields: Any, spec: _FieldSpec) -> str:
    """``key=value,...`` sorted by key; ``None`` and NaN values left out."""
    text = ""
    for key, prefix in spec[0]:
        value = fields[key]
        encoded = _encode_value(value, key)
        if encoded is not None:
            text += prefix + encoded
    if not text:
        raise _Refused("no field left to write (a point needs at least one field; "
                       "None and NaN values are left out)")
    if spec[1] and text[1] in "\t\x00":
        raise _Refused(f"the first field key {text[1:].split('=')[0]!r} starts with white "
                       "space, which the server skips")
    return text[1:]


def _check_key_length(measurement: str, series_key: str, fields: Any) -> None:
    series = len(series_key.encode("utf-8"))
    for key, value in fields.items():
        size = series + 4 + len(str(_get_unicode(key, force=True)).encode("utf-8"))
        if value is not None and size > _MAX_KEY_BYTES:
            raise _Refused(f"series key plus field {key!r} is {size} bytes, more than "
                           f"InfluxDB's {_MAX_KEY_BYTES}")


def _mapping(value: Any, what: str) -> Any:
    if isinstance(value, Mapping):
        return value
    raise _Refused(f"{what} must be a dict, not {type(value).__name__}")


def _point_dict(point: Any) -> Any:
    to_point_dict = getattr(point, "_to_point_dict", None)
    if to_point_dict is not None:
        return to_point_dict()
    if isinstance(point, Mapping):
        return point
    raise _Refused(f"is a {type(point).__name__}, not a dict or Point")


def _where(index: Optional[int], point: Any, default_measurement: Any) -> str:
    name = "point" if index is None else f"point {index}"
    try:
        measurement = _point_dict(point).get("measurement", default_measurement)
    except Exception:  # the point itself is what is wrong
        return name
    return f"{name} (measurement {measurement!r})"


def _shape(measurement: Any, tags: Any, fields: Any, key: Optional[tuple[Any, ...]]) -> _Shape:
    escaped = _measurement_text(measurement)
    keys = tuple(fields)
    spec = _FIELD_SETS.get(keys) or _field_spec(keys)
    shape = (escaped, escaped + (_tag_set(tags) if tags else ""), spec)
    if key is not None and len(key) <= _WIDE + 2 and type(measurement) is str and all(
            type(part) is str or part is None for part in key[2:]):
        _remember_shape(key, shape)
    return shape


def _encode(points: Any, static_tags: Any, default_measurement: Any,
            precision: Optional[str], numbered: bool = True, start: int = 0,
            timeless: Optional[list[int]] = None) -> list[str]:
    """The lines of ``points`` (behind make_line, make_lines and write_points).

    :param numbered: name a refused point by its index (``start`` + its place in ``points``)
    :param timeless: when given, the number of points written without a time is added to
        ``timeless[0]`` (counted as the points are encoded: nothing for points with times)
    """
    lines: list[str] = _run(points, static_tags, default_measurement, precision, numbered,
                            start, False, timeless)
    return lines


class _LineAmong(Exception):
    """Raised by :func:`_encode_body` with ``lines_among``: an item is a ready-made line."""


def _encode_body(points: Any, static_tags: Any, default_measurement: Any,
                 precision: Optional[str], start: int = 0,
                 timeless: Optional[list[int]] = None, lines_among: bool = False) -> bytes:
    """The request body for ``points``: each line and a newline, UTF-8 (``b''`` for none).
    ``timeless``: as for :func:`_encode`.

    :param lines_among: raise :class:`_LineAmong` (nothing counted in ``timeless``) on
        meeting a str or bytes item, so that the caller, which takes ready-made lines too,
        need not look for them beforehand (with the C encoder only, which meets every item
        anyway; a pass of the caller over a batch costs as much as an eighth of encoding it)
    """
    body: bytes = _run(points, static_tags, default_measurement, precision, True, start, True,
                       timeless, lines_among)
    return body


def _run(points: Any, static_tags: Any, default_measurement: Any, precision: Optional[str],
         numbered: bool, start: int, as_body: bool,
         timeless: Optional[list[int]] = None, lines_among: bool = False) -> Any:
    """Encode through the C encoder of plain points when it is built, else the Python loop;
    the same text either way."""
    unit = _range_for(precision)
    if static_tags:
        if not isinstance(static_tags, Mapping):
            raise InfluxDBInvalidPointError(
                f"tags must be a dict, not {type(static_tags).__name__}")
        if any(type(value) is not str and _is_nan(value) for value in static_tags.values()):
            # Left out once here rather than per point (a point's own tag still wins): the
            # points' shapes stay cacheable, so the C encoder keeps them.
            static_tags = {key: value for key, value in static_tags.items()
                           if type(value) is str or not _is_nan(value)}
    # The point being encoded when one is refused, its index; the points without a time.
    refused: list[Any] = [None, 0, 0]
    try:
        return _encode_points(points, static_tags, default_measurement, unit, as_body,
                              refused, timeless, lines_among)
    except (_Refused, InfluxDBInvalidPointError) as error:
        where = _where(start + refused[1] if numbered else None, refused[0],
                       default_measurement)
        raise InfluxDBInvalidPointError(f"{where}: {error}") from None


def _encode_points_py(points: Any, static_tags: Any, default_measurement: Any,
                      unit: tuple[int, int, int], as_body: bool, refused: list[Any],
                      timeless: Optional[list[int]], lines_among: bool) -> Any:
    """The lines of ``points`` (or with ``as_body`` their body) in Python, the reference; a
    refused point is left in ``refused`` (see :func:`_encode_into`).  ``lines_among`` is
    not looked at: the caller looks for ready-made lines first."""
    lines: list[str] = []
    _encode_into(points, static_tags, default_measurement, unit, lines, refused, 0)
    if timeless is not None:
        timeless[0] += refused[2]
    if not as_body:
        return lines
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _encode_points_c(encode: Callable[..., Any]) -> Callable[..., Any]:
    """:func:`_encode_points_py`'s stand-in: the C encoder of plain points, which hands
    every other point to ``slow`` (the Python encoder, one point at a time) and raises
    :class:`_LineAmong` with ``lines_among`` on meeting a ready-made line."""
    def encode_points(points: Any, static_tags: Any, default_measurement: Any,
                      unit: tuple[int, int, int], as_body: bool, refused: list[Any],
                      timeless: Optional[list[int]], lines_among: bool) -> Any:
        def slow(point: Any, index: int) -> str:
            if lines_among and isinstance(point, (str, bytes)):
                raise _LineAmong
            line: list[str] = []
            _encode_into((point,), static_tags, default_measurement, unit, line, refused, index)
            return line[0]

        plain_tags = static_tags if type(static_tags) is dict else (
            dict(static_tags) if static_tags else None)
        if timeless is None:
            return encode(points, plain_tags, default_measurement, _SHAPES, unit[1],
                          unit[2], unit[0], slow, as_body)
        encoded = encode(points, plain_tags, default_measurement, _SHAPES, unit[1],
                         unit[2], unit[0], slow, as_body, refused)
        timeless[0] += refused[2]
        return encoded
    return encode_points


#: The encoder of a batch of points, chosen once: the C encoder when the extension is
#: built, else :func:`_encode_points_py` (tests swap this name to compare the two).
_encode_points = _accel.pick("encode", _encode_points_py, through=_encode_points_c)


def _encode_into(points: Any, static_tags: Any, default_measurement: Any,
                 unit: tuple[int, int, int], lines: list[str], refused: list[Any],
                 offset: int) -> None:
    """Append the line of each point to ``lines``; a refused point and its index (``offset``
    + its place) are left in ``refused[:2]``, and ``refused[2]`` counts the points without
    a time (one function: it runs once per point)."""
    factor, low, high = unit
    shapes = _SHAPES
    append = lines.append
    point = None
    try:
        for point in points:
            if type(point) is not dict:
                point = _point_dict(point)
            measurement = point.get("measurement", default_measurement)
            tags = point.get("tags")
            if tags and type(tags) is not dict:
                tags = _mapping(tags, "tags")
            if static_tags:  # the envelope's tags, under the point's own
                tags = {**static_tags, **tags} if tags else static_tags
            fields = point.get("fields")
            if type(fields) is not dict:
                fields = _mapping(fields or {}, "fields")
            if not fields:
                raise _Refused("no fields (a point needs at least one field)")
            key: Optional[tuple[Any, ...]]
            if tags:
                key = (measurement, len(tags), *tags, *tags.values(), *fields)
            else:
                key = (measurement, 0, *fields)
            try:
                shape = shapes.get(key)
            except TypeError:  # an unhashable tag value (str()-ed, as in 5.3.2)
                shape, key = None, None
            if shape is None:
                shape = _shape(measurement, tags, fields, key)
            escaped, prefix, spec = shape
            time = point.get("time")
            if time is None:
                stamp = None
                refused[2] += 1
            else:
                kind = type(time)
                if kind is int and low <= time <= high:
                    stamp = time
                elif kind is datetime and time.tzinfo is None:
                    delta = time - _EPOCH_NAIVE  # times._datetime_nanos, inlined
                    stamp = ((delta.days * 86400 + delta.seconds) * 1_000_000_000 +
                             delta.microseconds * 1000) // factor
                    if not low <= stamp <= high:
                        stamp = _to_epoch(time, unit)  # raises, naming the range
                else:
                    stamp = _to_epoch(time, unit)
            fast = spec[2]
            line = None if fast is None else fast(fields, prefix, stamp)
            if line is None:
                if spec[3]:  # not compiled yet
                    _encoded_generically(spec, fields)
                text = _field_set(fields, spec)
                line = f"{prefix} {text}" if stamp is None else f"{prefix} {text} {stamp}"
            if len(line) > 16380:  # at most 4 bytes per character: only now can a key be long
                _check_key_length(escaped, prefix, fields)
            append(line)
    except (_Refused, InfluxDBInvalidPointError):
        refused[:2] = [point, offset + len(lines)]
        raise


def make_line(measurement: Any, tags: Optional[Mapping[Any, Any]] = None,
              fields: Optional[Mapping[Any, Any]] = None, time: Any = None,
              precision: Optional[str] = None) -> str:
    """Encode one point as a line of line protocol (without the final newline).

    :param measurement: the measurement name
    :param tags: tag keys and values (values are ``str()``-ed; ``None`` and ``''`` left out)
    :param fields: field keys and values: str, int (``i``), float, bool, bytes, numpy and
        Decimal scalars; ``None`` and NaN are left out
    :param time: an int in ``precision``, or an absolute time (see
        :func:`influxdb._core.times.to_epoch`); ``None`` lets the server stamp the point
    :param precision: ``'n'`` (default), ``'u'``, ``'ms'``, ``'s'``, ``'m'`` or ``'h'``
    :returns: the line
    :raises InfluxDBInvalidPointError: when the point cannot be written as given
    """
    point = {"measurement": measurement, "tags": tags, "fields": fields, "time": time}
    return _encode((point,), None, None, precision, numbered=False)[0]


def make_lines(data: Mapping[str, Any], precision: Optional[str] = None) -> str:
    """Encode ``{'points': [...], 'tags': {...}, 'measurement': ...}`` as line protocol.

    A point's own tags win over the envelope's ``tags``, its ``measurement`` over the
    envelope's.  Points are dicts (``measurement``, ``tags``, ``fields``, ``time``) or
    objects with a ``_to_point_dict()`` method (:class:`~influxdb.point.Point`).

    :param data: the envelope
    :param precision: the precision of the written times (see :func:`make_line`)
    :returns: one line per point, each ending with a newline
    :raises InfluxDBInvalidPointError: naming the first point that cannot be written;
        nothing is returned then
    """
    try:
        points = data["points"]
        static_tags = data.get("tags")
        default_measurement = data.get("measurement")
        iter(points)
    except (KeyError, TypeError, AttributeError):
        raise InfluxDBInvalidPointError("make_lines needs a dict with a 'points' list") from None
    return "\n".join(_encode(points, static_tags, default_measurement, precision)) + "\n"
