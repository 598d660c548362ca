"""JSON answers (influxdb._json): msgspec when installed gives exactly what json.loads gives,
values and errors; large answers are built with the collector paused (influxdb._gc)."""

from __future__ import annotations

import gc
import json
import math
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influxdb import _gc, _json
from influxdb._core import answers


@pytest.fixture(params=["msgspec", "stdlib"])
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test runs with the fast decoder and with the standard library alone."""
    if request.param == "msgspec":
        import msgspec.json  # the test extra installs it: never a skip

        monkeypatch.setattr(_json, "decoder", msgspec.json.Decoder().decode)
    else:
        monkeypatch.setattr(_json, "decoder", None)
    monkeypatch.setattr(_json, "_chosen", True)
    yield request.param


def outcome(content: bytes, decode: Any) -> tuple[str, str]:
    """(type name, repr) of the value, or of the exception: repr tells -0.0 from 0.0 and
    1 from 1.0 and True."""
    try:
        return "value", repr(decode(content))
    except Exception as exc:  # noqa: BLE001 - compared below
        return type(exc).__name__, str(exc)


def test_the_extra_is_chosen_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_json, "_chosen", False)
    monkeypatch.setattr(_json, "decoder", None)
    assert _json.loads(b'{"a": [1, 2.5]}') == {"a": [1, 2.5]}
    assert _json._chosen is True
    assert getattr(_json.decoder, "__qualname__", "") == "Decoder.decode"


@pytest.mark.parametrize("content", [
    b'{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],'
    b'"values":[["2020-01-01T00:00:00Z",1.5],["2020-01-01T00:00:01.000000001Z",null]]}]}]}',
    b'{"a":1,"a":2}',
    b"[123456789012345678901234567890]",
    b"[18446744073709551616, -9223372036854775809]",
    b"[1e400, -1e400]",
    b"[NaN, Infinity, -Infinity]",
    b'["\\ud800"]',
    b"[-0, -0.0, 1E5, 0.1e-400, 4.9406564584124654e-324, 1.7976931348623157e308]",
    b"[1.00000000000000000000000000001, 0.30000000000000004]",
    b'["\\u0000\\n\\"\\\\\\/\\u00e9\\ud83d\\ude00"]',
    b"\xef\xbb\xbf[1]",
    "[1]".encode("utf-16"),
    b'["\xff"]',
    b"[1]x",
    b"",
    b" [true, false, null] ",
    b"[" + b"9" * 5000 + b"]",
    b"[" * 3000 + b"]" * 3000,
])
def test_same_value_or_same_error(decoder: str, content: bytes) -> None:
    assert outcome(content, _json.loads) == outcome(content, json.loads)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES)
def test_generated_documents_decode_identically(value: Any) -> None:
    import msgspec.json

    fast = msgspec.json.Decoder().decode
    for content in (json.dumps(value).encode(), json.dumps(value, ensure_ascii=False).encode()):
        expected = json.loads(content)
        assert repr(fast(content)) == repr(expected)
        assert repr(_json.loads(content)) == repr(expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=30),
       st.sampled_from(["r", ".17e", ".15g", ".3e"]))
def test_floats_round_as_the_standard_library(values: list[float], form: str) -> None:
    import msgspec.json

    content = ("[" + ",".join(repr(v) if form == "r" else format(v, form)
                              for v in values) + "]").encode()
    expected = json.loads(content)
    try:
        assert repr(msgspec.json.Decoder().decode(content)) == repr(expected)
    except msgspec.ValidationError:  # beyond the float range: json.loads gives inf
        assert math.inf in map(abs, expected)
    assert repr(_json.loads(content)) == repr(expected)


def test_decode_json_uses_it(decoder: str) -> None:
    big = b'{"results":[{"series":[{"name":"m","columns":["v"],"values":[' + b",".join(
        b"[%d.5]" % i for i in range(200_000)) + b"]}]}]}"
    assert len(big) > answers._GC_PAUSE_BYTES
    values = answers.decode_json(big)["results"][0]["series"][0]["values"]
    assert values[:2] == [[0.5], [1.5]] and values[-1] == [199_999.5] and len(values) == 200_000
    assert answers.decode_json(b"[1e400]") == [math.inf]


class Node:
    def __init__(self) -> None:
        self.other: Any = self


def test_paused_resumes_and_promotes_what_was_built() -> None:
    assert gc.isenabled()
    # CPython 3.12 (3.12.1 here) starts with 375 of its own immortal tuples frozen (the
    # builtin types' __mro__ and __bases__): objects frozen by someone else are never
    # unfrozen, so nothing is promoted there (influxdb/_gc.py says why)
    frozen = gc.get_freeze_count()
    built = _gc.paused(lambda: [[i] for i in range(1000)])
    assert gc.isenabled()
    if frozen:
        assert gc.get_freeze_count() == frozen
        assert not any(obj is built for obj in gc.get_objects(generation=2))
        return
    assert any(obj is built for obj in gc.get_objects(generation=2))
    assert not any(obj is built for obj in gc.get_objects(generation=0))


def test_cycles_built_while_paused_are_still_collected() -> None:
    cycle = _gc.paused(Node)
    alive = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert alive() is None


def test_paused_by_someone_else_stays_paused() -> None:
    gc.disable()
    try:
        assert _gc.paused(lambda: gc.isenabled()) is False
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_frozen_by_the_program_stay_frozen() -> None:
    gc.collect()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        built = _gc.paused(lambda: [[1], [2]])
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled() and built == [[1], [2]]
    finally:
        gc.unfreeze()


def test_an_error_inside_resumes_the_collector() -> None:
    def fail() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        _gc.paused(fail)
    assert gc.isenabled()
