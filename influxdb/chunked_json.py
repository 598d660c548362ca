"""Decode a string holding several JSON values one after another, as 5.3.2's module did.

InfluxDB 0.8 answers a chunked query with JSON documents written back to back; the 0.8
client (:mod:`influxdb08`) reads them with :func:`loads`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Union

__all__ = ["loads"]

_DECODER = json.JSONDecoder()
# What str.strip() removes, so the values may be separated (and surrounded) by the same
# whitespace 5.3.2 accepted.
_SPACE = re.compile(r"\s*")


def loads(s: Union[str, bytes]) -> Iterator[Any]:
    """Yield each JSON value of a concatenation such as ``'{"a": 1} {"b": 2}[3]'``.

    Runs in linear time (5.3.2 re-sliced the string after every value).

    :param s: the text (bytes are decoded as UTF-8)
    :returns: a generator of the decoded values, in order
    :raises json.JSONDecodeError: (a :class:`ValueError`) at the first value that is not
        valid JSON, after yielding the values before it
    """
    text = s.decode("utf-8") if isinstance(s, (bytes, bytearray)) else s
    end = len(text)
    position = _SPACE.match(text).end()  # type: ignore[union-attr]  # \s* always matches
    while position < end:
        value, position = _DECODER.raw_decode(text, position)
        yield value
        position = _SPACE.match(text, position).end()  # type: ignore[union-attr]
