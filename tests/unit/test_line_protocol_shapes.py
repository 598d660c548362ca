"""The encoder's shape caches stay bounded and never cost more than a point is worth.

A new set of field keys used to compile an f-string encoder at once: a point with 40,000
fields took seconds (every other thread stalled as long), and points whose field keys change
each time compiled one encoder each.  Now a key set is compiled only after
``_COMPILE_AFTER`` generic encodings and only up to ``_COMPILE_WIDTH`` fields; shapes wider
than ``_WIDE`` names are never cached.  These tests count (compiled encoders, cache entries,
points handed from C to Python) rather than time, except one sanity bound with a huge margin.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from influxdb import _accel, line_protocol
from influxdb.line_protocol import make_lines

SPEEDUPS = _accel.speedups
needs_c = pytest.mark.needs_c  # tests/conftest.py: deselected under INFLUXDB_PURE_PYTHON=1


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Empty caches for each test (the real ones are module-wide), the C encoder kept."""
    for cache in ("_SHAPES", "_TAG_TEXTS", "_FIELD_SETS"):
        monkeypatch.setattr(line_protocol, cache, {})
    monkeypatch.setattr(line_protocol, "_shape_names", [0])
    yield


@pytest.fixture
def pure(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python encoder only (it alone compiles key sets)."""
    monkeypatch.setattr(line_protocol, "_encode_points", line_protocol._encode_points_py)


def _compiled() -> int:
    """Compiled encoders alive: every spec a cached shape holds is in _FIELD_SETS."""
    specs = {id(spec): spec for spec in line_protocol._FIELD_SETS.values()}
    specs.update({id(shape[2]): shape[2] for shape in line_protocol._SHAPES.values()})
    return sum(spec[2] is not None for spec in specs.values())


def _generic(point: dict[str, Any]) -> str:
    """The line of a point of str keys and float values, written out by hand."""
    fields = ",".join(f"{key}={value!r}" for key, value in sorted(point["fields"].items()))
    return f"{point['measurement']} {fields}"


@pytest.mark.parametrize("encoder", ["python", "c"])
def test_one_off_key_sets_are_never_compiled_and_the_caches_stay_bounded(
        monkeypatch: pytest.MonkeyPatch, encoder: str) -> None:
    if encoder == "python":
        monkeypatch.setattr(line_protocol, "_encode_points", line_protocol._encode_points_py)
    points = [{"measurement": "m", "fields": {f"a{i}_{j}": j + 0.5 for j in range(5)}}
              for i in range(20_000)]
    body = make_lines({"points": points})
    assert body == "".join(_generic(point) + "\n" for point in points)
    assert _compiled() == 0
    assert 0 < len(line_protocol._SHAPES) <= line_protocol._CACHE_LIMIT
    assert 0 < len(line_protocol._FIELD_SETS) <= line_protocol._CACHE_LIMIT


def test_a_wide_point_is_encoded_generically_and_not_kept() -> None:
    fields = {f"f{i:05d}": i + 0.25 for i in range(40_000)}
    point = {"measurement": "wide", "fields": fields}
    start = time.process_time()
    line = line_protocol.make_line("wide", None, fields)
    assert time.process_time() - start < 2.0  # was 11 s; now about 0.1 s
    assert line == _generic(point)
    assert make_lines({"points": [point] * 3}) == (_generic(point) + "\n") * 3
    assert (_compiled(), len(line_protocol._SHAPES), len(line_protocol._FIELD_SETS)) == (0, 0, 0)


def test_a_key_set_is_compiled_after_enough_generic_encodings(pure: None) -> None:
    after = line_protocol._COMPILE_AFTER
    points = [{"measurement": "m", "tags": {"host": f"h{i % 7}"},
               "fields": {"v": i + 0.5, "n": i, "s": "x", "b": True}} for i in range(after)]
    expected = [f'm,host=h{i % 7} b=True,n={i}i,s="x",v={i + 0.5!r}' for i in range(after)]
    assert line_protocol._encode(points[:-1], None, None, None) == expected[:-1]
    assert _compiled() == 0  # the seven tag sets share one key set: one count
    assert line_protocol._encode(points[-1:], None, None, None) == expected[-1:]
    assert _compiled() == 1
    (spec,) = line_protocol._FIELD_SETS.values()
    assert spec[3] == 0  # nothing left to count
    assert all(shape[2] is spec for shape in line_protocol._SHAPES.values())
    # The compiled encoder writes the same text, and hands odd values to the generic loop.
    assert line_protocol._encode(points, None, None, None) == expected
    odd = {"measurement": "m", "fields": {"v": float("nan"), "n": 1, "s": 'q"', "b": False}}
    assert line_protocol.make_line(**odd) == 'm b=False,n=1i,s="q\\""'
    assert _compiled() == 1


def test_a_key_set_whose_values_cannot_be_compiled_is_counted_again(pure: None) -> None:
    after = line_protocol._COMPILE_AFTER
    point = {"measurement": "m", "fields": {"v": b"bytes"}}  # bytes: no compiled form
    make_lines({"points": [point] * after})
    (spec,) = line_protocol._FIELD_SETS.values()
    assert (spec[2], spec[3]) == (None, after)
    make_lines({"points": [{"measurement": "m", "fields": {"v": "text"}}] * after})
    assert spec[2] is not None and _compiled() == 1


def test_a_key_set_wider_than_the_compile_width_is_cached_but_never_compiled(
        pure: None) -> None:
    fields = {f"f{i}": float(i) for i in range(line_protocol._COMPILE_WIDTH + 1)}
    point = {"measurement": "m", "fields": fields}
    body = make_lines({"points": [point] * (3 * line_protocol._COMPILE_AFTER)})
    assert body == (_generic(point) + "\n") * (3 * line_protocol._COMPILE_AFTER)
    assert (_compiled(), len(line_protocol._SHAPES)) == (0, 1)


def test_the_shape_cache_is_emptied_when_its_names_exceed_the_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(line_protocol, "_CACHE_NAMES", 100)
    points = [{"measurement": "m", "tags": {"t": str(i)}, "fields": {f"f{j}": 1 for j in
                                                                      range(20)}}
              for i in range(12)]  # 24 names per shape key: 4 fit in 100
    make_lines({"points": points})  # 4 kept, emptied, 4 kept, emptied, 4 kept
    assert (len(line_protocol._SHAPES), line_protocol._shape_names[0]) == (4, 96)
    assert list(line_protocol._SHAPES) == [("m", 1, "t", str(i), *points[0]["fields"])
                                           for i in range(8, 12)]
    assert len(line_protocol._FIELD_SETS) == 1  # emptied with _SHAPES, then learnt again


@needs_c
def test_the_c_encoder_reads_shapes_compiled_after_it_first_saw_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    after = line_protocol._COMPILE_AFTER
    points = [{"measurement": "m", "tags": {"h": "a"}, "fields": {"v": i + 0.5}}
              for i in range(after)]
    expected = [f"m,h=a v={i + 0.5!r}" for i in range(after)]
    assert line_protocol._encode(points[:1], None, None, None) == expected[:1]  # C learns
    (spec,) = line_protocol._FIELD_SETS.values()
    with monkeypatch.context() as patch:
        patch.setattr(line_protocol, "_encode_points", line_protocol._encode_points_py)
        assert line_protocol._encode(points, None, None, None) == expected
    assert spec[2] is not None  # compiled in place: the cached shape holds the same list
    handed: list[int] = []
    real = line_protocol._encode_into

    def counting(batch: Any, *args: Any) -> None:
        handed.append(len(batch))
        real(batch, *args)

    monkeypatch.setattr(line_protocol, "_encode_into", counting)
    assert line_protocol._encode(points, None, None, None) == expected
    assert line_protocol._encode_body(points, None, None, None) == (
        "\n".join(expected) + "\n").encode()
    assert handed == []  # every point encoded in C


@needs_c
def test_the_c_encoder_hands_back_shapes_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    point = {"measurement": "m", "fields": {"v": 1}}
    key = ("m", 0, "v")
    for broken in [("m", "m"), ("m", "m", ((("v", ",v="),), False)), ("m", 5, [(), False]),
                   ("m", "m", [[("v", ",v=")], False]), ("m", "m", [])]:
        line_protocol._SHAPES[key] = broken  # type: ignore[assignment]
        assert SPEEDUPS.encode([point], None, None, line_protocol._SHAPES, -9, 9, 1,
                               lambda p, i: "slow", False) == ["slow"]
