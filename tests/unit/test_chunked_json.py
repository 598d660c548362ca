"""influxdb.chunked_json.loads: each JSON value of a concatenation, as 5.3.2 decoded it."""

from __future__ import annotations

import json
import time
import types
from typing import Any, Union

import pytest

from influxdb.chunked_json import loads

CASES: list[tuple[Union[str, bytes], list[Any]]] = [
    ("", []),
    ("   \n\t ", []),
    ("{}", [{}]),
    ('{"a": 1}{"b": 2}', [{"a": 1}, {"b": 2}]),
    ('{"a": 1} {"b": 2}\n[3, 4]', [{"a": 1}, {"b": 2}, [3, 4]]),
    ('\n  {"a": 1}\r\n\r\n{"a": 2}  \n', [{"a": 1}, {"a": 2}]),
    ('[1][2]"x"3 true null', [[1], [2], "x", 3, True, None]),
    ('"}{" {"k": "}{"}', ["}{", {"k": "}{"}]),
    ('{"s": "caf\\u00e9 \\ud83d\\ude00"}', [{"s": "caf\u00e9 \U0001f600"}]),
    ('{"a": 1}\u00a0\u2003{"a": 2}', [{"a": 1}, {"a": 2}]),  # what str.strip() removes
    (b'{"a": 1}\n{"b": "\xc3\xa9"}', [{"a": 1}, {"b": "\u00e9"}]),
    # InfluxDB 0.8 chunked answer: one JSON document per series, back to back
    (
        '[{"name":"cpu","columns":["time","sequence_number","value"],"points":[[1,1,0.5]]}]'
        '[{"name":"mem","columns":["time","sequence_number","value"],"points":[[1,2,7]]}]',
        [
            [{"name": "cpu", "columns": ["time", "sequence_number", "value"],
              "points": [[1, 1, 0.5]]}],
            [{"name": "mem", "columns": ["time", "sequence_number", "value"],
              "points": [[1, 2, 7]]}],
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_loads(text: Union[str, bytes], expected: list[Any]) -> None:
    assert list(loads(text)) == expected


def test_loads_is_a_generator() -> None:
    assert isinstance(loads("{}"), types.GeneratorType)


def test_invalid_value_raises_after_the_good_ones() -> None:
    values = loads('{"a": 1} {"b": ')
    assert next(values) == {"a": 1}
    with pytest.raises(json.JSONDecodeError) as info:
        next(values)
    assert info.value.pos == 15  # an offset into the whole text
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("text", ["x", "{'a': 1}", "{} ]", "[1,]"])
def test_invalid_json(text: str) -> None:
    with pytest.raises(ValueError):
        list(loads(text))


def test_many_values_in_linear_time() -> None:
    text = '{"a": 1}\n' * 200_000
    start = time.perf_counter()
    assert sum(1 for _ in loads(text)) == 200_000
    assert time.perf_counter() - start < 10.0  # ~0.3 s; 5.3.2 re-sliced: quadratic
