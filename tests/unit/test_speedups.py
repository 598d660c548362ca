"""The C encoder of plain points (``influxdb._speedups``) against the Python encoder.

Both must give the same text for every input, and the same error for every refused point.
The C encoder only knows points whose shape (measurement, tags, field keys) the Python
encoder has already escaped and cached, so each comparison here encodes its points twice:
the first pass teaches the shapes, the second goes through C (checked by counting the
points handed back to Python).
"""

from __future__ import annotations

import gc
import math
import struct
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from influxdb import InfluxDBClient, _accel, line_protocol
from influxdb.exceptions import InfluxDBBrokenAnswerError, InfluxDBInvalidPointError
from tests.property.test_line_protocol_props import field_values, names, times

SPEEDUPS = _accel.speedups


# tests/conftest.py: deselected under INFLUXDB_PURE_PYTHON=1, skipped where the extension is
# not built, but run (and failing) under CI=true, which builds it.
needs_c = pytest.mark.needs_c


@needs_c
def test_built_where_ci_runs() -> None:
    """CI builds the extension (``pip install -e .`` with a compiler): it must be there."""
    assert SPEEDUPS is not None, "influxdb._speedups was not built"
    assert SPEEDUPS.__name__ == "influxdb._speedups"
    assert callable(SPEEDUPS.encode)


def _python(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with monkeypatch.context() as patch:
            patch.setattr(line_protocol, "_encode_points", line_protocol._encode_points_py)
            return fn(*args, **kwargs)
    return run


def _outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except InfluxDBInvalidPointError as error:
        return ("refused", str(error))


class SlowCount:
    """Counts the points the C encoder hands to the Python encoder."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.points = 0
        real = line_protocol._encode_into

        def counting(points: Any, *args: Any) -> None:
            self.points += len(points)
            real(points, *args)

        monkeypatch.setattr(line_protocol, "_encode_into", counting)


def _same(monkeypatch: pytest.MonkeyPatch, points: list[Any], tags: Any = None,
          measurement: Any = None, precision: Optional[str] = None) -> Any:
    """Encode with both encoders (C after a first pass taught it the shapes); the results
    must be equal.  Returns the lines, or ``("refused", message)``."""
    python = _python(monkeypatch)
    expected = python(_outcome, line_protocol._encode, points, tags, measurement, precision)
    expected_body = python(_outcome, line_protocol._encode_body, points, tags, measurement,
                           precision)
    _outcome(line_protocol._encode, points, tags, measurement, precision)  # learn the shapes
    assert _outcome(line_protocol._encode, points, tags, measurement, precision) == expected
    assert _outcome(line_protocol._encode_body, points, tags, measurement,
                    precision) == expected_body
    if isinstance(expected, list):
        assert expected_body == ("\n".join(expected) + "\n" if expected else "").encode()
    return expected


def _point(fields: dict[str, Any], time: Any = None, **extra: Any) -> dict[str, Any]:
    return {"measurement": "m", "tags": {"host": "a"}, "fields": fields, "time": time, **extra}


# -- exact text, both encoders ---------------------------------------------------------------

FLOATS = [
    (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (-3.0, "-3.0"), (0.5, "0.5"), (-2.5, "-2.5"),
    (0.1, "0.1"), (0.1 + 0.2, "0.30000000000000004"), (123.456, "123.456"),
    (0.0001, "0.0001"), (0.00012, "0.00012"), (0.00001, "1e-05"), (1e-7, "1e-07"),
    (9999999999999998.0, "9999999999999998.0"), (1e16, "1e+16"), (1e22, "1e+22"),
    (2.0**53 + 2, "9007199254740994.0"), (123456789012345.6, "123456789012345.6"),
    (1125899906842623.5, "1125899906842623.5"), (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (-1e-300, "-1e-300"),
    (2.0**-10, "0.0009765625"), (1 / 3, "0.3333333333333333"),
]


@needs_c
@pytest.mark.parametrize(("value", "text"), FLOATS, ids=[t for _, t in FLOATS])
def test_float_text(monkeypatch: pytest.MonkeyPatch, value: float, text: str) -> None:
    assert _same(monkeypatch, [_point({"v": value})] * 2) == [f"m,host=a v={text}"] * 2


@needs_c
def test_float_text_matches_repr_over_many_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short decimals, whole numbers, halves and random bit patterns: repr() exactly."""
    import random

    rnd = random.Random(20261122)
    values = [rnd.randint(0, 10**rnd.randint(1, 16)) / 10**rnd.randint(0, 17)
              for _ in range(20_000)]
    values += [rnd.randint(-(2**60), 2**60) * 0.5 for _ in range(5_000)]
    values += [rnd.uniform(-1e6, 1e6) for _ in range(5_000)]
    for _ in range(20_000):
        value = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
        if math.isfinite(value):
            values.append(value)
    points = [{"measurement": "m", "fields": {"v": value}} for value in values]
    line_protocol._encode(points[:1], None, None, None)  # the shape
    counter = SlowCount(monkeypatch)
    lines = line_protocol._encode(points, None, None, None)
    assert counter.points == 0
    assert [line for line, value in zip(lines, values) if line != f"m v={value!r}"] == []


@needs_c
def test_values_of_each_plain_type(monkeypatch: pytest.MonkeyPatch) -> None:
    fields = {"i": -(2**63), "j": 2**63 - 1, "t": True, "f": False, "s": "text, = ok\nnext",
              "e": "", "n": None, "x": float("nan"), "z": 7}
    assert _same(monkeypatch, [_point(fields, 5)] * 2) == [
        'm,host=a e="",f=False,i=-9223372036854775808i,j=9223372036854775807i,'
        's="text, = ok\nnext",t=True,z=7i 5'] * 2


@needs_c
def test_values_the_python_encoder_handles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quotes, backslashes, non-ASCII text, bytes, big ints, subclasses: handed to Python."""

    class Number(float):
        pass

    points = [_point({"s": 'say "hi" \\ there'}), _point({"s": "café ☕"}),
              _point({"s": b"raw"}), _point({"s": Number(2.5)}), _point({"s": True})]
    assert _same(monkeypatch, points) == [
        'm,host=a s="say \\"hi\\" \\\\ there"', 'm,host=a s="café ☕"', 'm,host=a s="raw"',
        "m,host=a s=2.5", "m,host=a s=True"]


@needs_c
def test_times(monkeypatch: pytest.MonkeyPatch) -> None:
    stamps = [0, -1, 1_600_000_000_123_456_789, -9223372036854775806, 9223372036854775806,
              datetime(2020, 5, 17, 1, 2, 3, 456789), datetime(1969, 12, 31, 23, 59, 59, 1),
              datetime(1677, 9, 22), datetime(2262, 4, 12),
              datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=2))), "2020-01-01T00:00:00Z"]
    points = [_point({"v": 1}, stamp) for stamp in stamps]
    assert _same(monkeypatch, points[:8]) == [
        "m,host=a v=1i 0", "m,host=a v=1i -1", "m,host=a v=1i 1600000000123456789",
        "m,host=a v=1i -9223372036854775806", "m,host=a v=1i 9223372036854775806",
        "m,host=a v=1i 1589677323456789000", "m,host=a v=1i -999999000",
        "m,host=a v=1i -9223286400000000000"]
    refused = _same(monkeypatch, points[8:9])
    assert refused[0] == "refused" and refused[1].startswith("point 0 (measurement 'm'): ")
    assert _same(monkeypatch, points[9:]) == ["m,host=a v=1i 1577829600000000000",
                                              "m,host=a v=1i 1577836800000000000"]


@needs_c
@pytest.mark.parametrize(("precision", "stamp"), [
    ("u", "-999999"), ("ms", "-1000"), ("s", "-1"), ("m", "-1"), ("h", "-1"), ("n", "-999999000")])
def test_datetime_floors_to_the_precision(monkeypatch: pytest.MonkeyPatch, precision: str,
                                          stamp: str) -> None:
    point = _point({"v": 1}, datetime(1969, 12, 31, 23, 59, 59, 1))
    assert _same(monkeypatch, [point] * 2, precision=precision) == [f"m,host=a v=1i {stamp}"] * 2


@needs_c
def test_out_of_range_int_time_for_the_precision(monkeypatch: pytest.MonkeyPatch) -> None:
    points = [_point({"v": 1}, 9223372036), _point({"v": 1}, 9223372037)]
    outcome = _same(monkeypatch, points, precision="s")
    assert outcome[0] == "refused" and outcome[1].startswith("point 1 (measurement 'm'): ")


@needs_c
def test_tags_merge_and_escape(monkeypatch: pytest.MonkeyPatch) -> None:
    points = [{"measurement": "cpu load", "tags": {"host": "a b", "dc": "x"}, "fields": {"v": 1}},
              {"measurement": "cpu load", "fields": {"v": 2}},
              {"tags": {"region": "é,u"}, "fields": {"v": 3.5}},
              {"measurement": "cpu load", "tags": {"dc": "y", "empty": ""}, "fields": {"v": 4}}]
    lines = _same(monkeypatch, points, tags={"dc": "static", "team": "t=1"},
                  measurement="fallback")
    assert lines == ["cpu\\ load,dc=x,host=a\\ b,team=t\\=1 v=1i",
                     "cpu\\ load,dc=static,team=t\\=1 v=2i",
                     "fallback,dc=static,region=é\\,u,team=t\\=1 v=3.5",
                     "cpu\\ load,dc=y,team=t\\=1 v=4i"]


@needs_c
@pytest.mark.parametrize("fields", [{}, {"v": None}, {"v": float("nan")}, {"v": float("inf")},
                                    {"v": 2**63}, {"v": object()}, {"": 1}, {"time": 1}])
def test_refusals_name_the_point(monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any]) -> None:
    good = _point({"v": 1.5}, 10)
    outcome = _same(monkeypatch, [good] * 5 + [_point(fields, 10)] + [good])
    assert outcome[0] == "refused"
    assert outcome[1].startswith("point 5 (measurement 'm'): ")


@needs_c
def test_refusal_index_counts_from_start(monkeypatch: pytest.MonkeyPatch) -> None:
    points = [_point({"v": 1.5})] * 3 + [_point({"v": float("-inf")})]
    line_protocol._encode(points[:1], None, None, None)
    with pytest.raises(InfluxDBInvalidPointError) as caught:
        line_protocol._encode_body(points, None, None, None, 20_000)
    assert str(caught.value) == ("point 20003 (measurement 'm'): field 'v' is -inf; line "
                                 "protocol cannot represent infinite floats")


@needs_c
def test_points_and_mappings_and_odd_items(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import MappingProxyType

    from influxdb import Point

    points = [Point("m").tag("host", "a").field("v", 1.5).time(7),
              MappingProxyType(_point({"v": 2.5}, 8)),
              {"measurement": "m", "tags": MappingProxyType({"host": "a"}), "fields": {"v": 1}},
              {"measurement": "m", "tags": {"host": 5}, "fields": {"v": 1}}]
    assert _same(monkeypatch, points) == [
        "m,host=a v=1.5 7", "m,host=a v=2.5 8", "m,host=a v=1i", "m,host=5 v=1i"]
    unhashable = {"measurement": "m", "tags": {"host": ["x"]}, "fields": {"v": 1}}
    assert _same(monkeypatch, points + [unhashable]) == (
        "refused", "point 4 (measurement 'm'): tag 'host' value must be a str, not a list")


@needs_c
def test_long_lines_are_checked_by_python(monkeypatch: pytest.MonkeyPatch) -> None:
    long_tag = {"measurement": "m", "tags": {"k": "x" * 20_000}, "fields": {"v": 1}}
    assert _same(monkeypatch, [long_tag] * 2) == [f"m,k={'x' * 20_000} v=1i"] * 2
    too_long = {"measurement": "m", "tags": {"k": "x" * 65_600}, "fields": {"v": 1}}
    outcome = _same(monkeypatch, [too_long])
    assert outcome[0] == "refused" and "more than InfluxDB's 65535" in outcome[1]


@needs_c
def test_plain_points_never_reach_python(monkeypatch: pytest.MonkeyPatch) -> None:
    base = datetime(2026, 1, 1)
    points = [{"measurement": "cpu", "tags": {"host": f"h{i % 4}"},
               "fields": {"value": i * 0.25, "count": i, "ok": i % 2 == 0, "state": "up"},
               "time": base + timedelta(seconds=i) if i % 2 else 1_000 + i}
              for i in range(1_000)]
    line_protocol._SHAPES.clear()
    counter = SlowCount(monkeypatch)
    body = line_protocol._encode_body(points, None, None, "s")
    assert counter.points == 4  # one per host: each shape is learnt once
    assert body.count(b"\n") == 1_000
    assert body.splitlines()[:2] == [
        b'cpu,host=h0 count=0i,ok=True,state="up",value=0.0 1000',
        b'cpu,host=h1 count=1i,ok=False,state="up",value=0.25 1767225601']


@needs_c
def test_iterators_and_their_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def points() -> Iterator[dict[str, Any]]:
        yield _point({"v": 1})
        yield _point({"v": 2})
        raise RuntimeError("source failed")

    assert line_protocol._encode(iter([_point({"v": 1})] * 3), None, None, None) == [
        "m,host=a v=1i"] * 3
    with pytest.raises(RuntimeError, match="source failed"):
        line_protocol._encode_body(points(), None, None, None)
    assert line_protocol._encode_body([], None, None, None) == b""
    assert line_protocol._encode(iter(()), None, None, None) == []


@needs_c
def test_no_references_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    measurement, tags, fields = "leak_check_m", {"host": "a"}, {"v": 1.5, "s": "x"}
    point = {"measurement": measurement, "tags": tags, "fields": fields, "time": 10**15}
    odd = {"measurement": measurement, "tags": tags, "fields": {"v": float("inf")}}
    points = [point] * 100

    def encode_all() -> None:
        line_protocol._encode(points, None, None, None)
        line_protocol._encode_body(points, {"static": "t"}, None, None)
        with pytest.raises(InfluxDBInvalidPointError):
            line_protocol._encode_body(points + [odd], None, None, None)

    encode_all()  # the shapes are cached (holding references) the first time
    gc.collect()
    before = [sys.getrefcount(obj) for obj in (measurement, tags, fields, point, odd)]
    for _ in range(200):
        encode_all()
    gc.collect()
    assert [sys.getrefcount(obj) for obj in (measurement, tags, fields, point, odd)] == before


@needs_c
def test_a_key_whose_eq_mutates_the_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """Code run by a key's __eq__ during the shape lookup cannot pull objects from under
    the encoder (it holds its own references)."""
    points: list[dict[str, Any]] = []

    class Meddler(str):
        def __eq__(self, other: object) -> bool:
            for point in points:
                point.clear()
            return str.__eq__(self, other)

        __hash__ = str.__hash__

    points.extend({"measurement": "m", "tags": {Meddler("k"): "v"}, "fields": {"f": 1.5}}
                  for _ in range(3))
    lines = line_protocol._encode(points, None, None, None)
    assert lines[0] == "m,k=v f=1.5"


@needs_c
def test_client_bodies_match(monkeypatch: pytest.MonkeyPatch) -> None:
    client = InfluxDBClient(default_tags={"dc": "x"})
    points = [_point({"v": i, "w": i / 8}, i) for i in range(50)]
    python = _python(monkeypatch)
    expected = python(client._encode_points, points, tags={"extra": "1"}, time_precision="ms")
    assert client._encode_points(points, tags={"extra": "1"}, time_precision="ms") == expected
    assert expected.splitlines()[3] == b"m,dc=x,extra=1,host=a v=3i,w=0.375 3"


# -- shapes found again within one call, without building their key --------------------------

def _learnt(monkeypatch: pytest.MonkeyPatch, points: list[Any], **kwargs: Any) -> SlowCount:
    """Teach the shapes of ``points`` (a first pass), then count the Python encoder's points."""
    _outcome(line_protocol._encode, points, kwargs.get("tags"), None, None)
    return SlowCount(monkeypatch)


@needs_c
def test_known_shapes_are_matched_by_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys and names that are equal strings but other objects (built at run time, as
    json.loads builds them) find the shape as the interned literals do."""
    def key(text: str) -> str:
        return "".join(list(text))  # an equal str, not the interned one

    points = [{key("measurement"): key("cpu"), key("tags"): {key("host"): key(f"h{i % 3}")},
               key("fields"): {key("value"): i * 0.5, key("n"): i}, key("time"): i}
              for i in range(30)]
    literal = [{"measurement": "cpu", "tags": {"host": f"h{i % 3}"},
                "fields": {"value": i * 0.5, "n": i}, "time": i} for i in range(30)]
    expected = _same(monkeypatch, literal)
    counter = _learnt(monkeypatch, points)
    assert line_protocol._encode(points, None, None, None) == expected
    assert counter.points == 0
    assert expected[:2] == ["cpu,host=h0 n=0i,value=0.0 0", "cpu,host=h1 n=1i,value=0.5 1"]


@needs_c
def test_known_shapes_with_static_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    """The envelope's tags merged under each point's own, as {**static, **tags} merges them
    (the point's value wins, its other keys follow), None and '' values left out."""
    points = [{"measurement": "m", "tags": {"dc": "own", "host": "a"}, "fields": {"v": 1}},
              {"measurement": "m", "tags": {"host": "a", "dc": None}, "fields": {"v": 2}},
              {"measurement": "m", "tags": {}, "fields": {"v": 3}},
              {"measurement": "m", "tags": None, "fields": {"v": 4}},
              {"measurement": "m", "fields": {"v": 5}},
              {"measurement": "m", "tags": {"zone": ""}, "fields": {"v": 6}}] * 3
    static = {"dc": "static", "team": "t"}
    lines = _same(monkeypatch, points, tags=static)
    assert lines[:6] == ["m,dc=own,host=a,team=t v=1i", "m,host=a,team=t v=2i",
                         "m,dc=static,team=t v=3i", "m,dc=static,team=t v=4i",
                         "m,dc=static,team=t v=5i", "m,dc=static,team=t v=6i"]
    counter = _learnt(monkeypatch, points, tags=static)
    assert line_protocol._encode(points, static, None, None) == lines
    assert counter.points == 0


@needs_c
def test_known_shapes_in_any_field_order_and_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Field keys in another order are another shape; non-ASCII names and values of every
    plain type come out as the Python encoder writes them, as lines and as a body."""
    points = [{"measurement": "mé", "tags": {"hôte": "ü", "k": None},
               "fields": {"b": 1.25, "a": "x", "ç": True, "d": None}, "time": 5},
              {"measurement": "mé", "tags": {"hôte": "ü", "k": None},
               "fields": {"a": "y", "ç": False, "b": 2.0, "d": 7}, "time": None}] * 4
    assert _same(monkeypatch, points)[:2] == ['mé,hôte=ü a="x",b=1.25,ç=True 5',
                                              'mé,hôte=ü a="y",b=2.0,d=7i,ç=False']
    counter = _learnt(monkeypatch, points)
    timeless = [0]
    body = line_protocol._encode_body(points, None, None, None, 0, timeless)
    assert counter.points == 0
    assert timeless == [4]
    assert body.decode().splitlines()[1] == 'mé,hôte=ü a="y",b=2.0,d=7i,ç=False'


@needs_c
@pytest.mark.parametrize(("fields", "error"), [
    ({"v": float("inf"), "w": 1}, "field 'v' is inf"),
    ({"v": 2**64, "w": 1}, "outside the 64-bit signed integer range"),
    ({"v": None, "w": None}, "no field left to write"),
])
def test_known_shape_with_values_python_refuses(monkeypatch: pytest.MonkeyPatch,
                                                fields: dict[str, Any], error: str) -> None:
    """A point of a known shape whose values are not plain goes to the Python encoder,
    which names it by its index."""
    good = {"measurement": "m", "tags": {"host": "a"}, "fields": {"v": 1.5, "w": 2}}
    bad = {"measurement": "m", "tags": {"host": "a"}, "fields": fields}
    outcome = _same(monkeypatch, [good] * 4 + [bad] + [good])
    assert outcome[0] == "refused"
    assert outcome[1].startswith("point 4 (measurement 'm'): ") and error in outcome[1]


@needs_c
def test_known_shape_with_values_python_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    good = {"measurement": "m", "tags": {"host": "a"}, "fields": {"v": 1.5, "s": "ok"}}
    odd = [{"measurement": "m", "tags": {"host": "a"}, "fields": {"v": 2**62, "s": 'a"b'}},
           {"measurement": "m", "tags": {"host": "a"}, "fields": {"v": 1.5, "s": "é"}},
           {"measurement": "m", "tags": {"host": "a"}, "fields": {"v": 1.5, "s": "ok"},
            "time": "1970-01-01T00:00:01Z"}]
    assert _same(monkeypatch, [good, *odd, good]) == [
        'm,host=a s="ok",v=1.5', 'm,host=a s="a\\"b",v=4611686018427387904i',
        'm,host=a s="é",v=1.5', 'm,host=a s="ok",v=1.5 1000000000', 'm,host=a s="ok",v=1.5']


@needs_c
def test_odd_point_keys_take_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A point dict holding a key that is not a plain str (which could equal 'fields') is
    read by lookups, as the Python encoder reads it."""
    class Key(str):
        __hash__ = str.__hash__

    plain = {"measurement": "m", "tags": {"host": "a"}, "fields": {"v": 1}}
    points = [plain, {**plain, 7: "extra"}, {"measurement": "m", "tags": {"host": "a"},
                                            Key("fields"): {"v": 2}},
              {"measurement": "m", "tags": {Key("host"): "a"}, "fields": {"v": 3}},
              {"measurement": Key("m"), "tags": {"host": Key("a")}, "fields": {"v": 4}}]
    assert _same(monkeypatch, points * 2)[:5] == [
        "m,host=a v=1i", "m,host=a v=1i", "m,host=a v=2i", "m,host=a v=3i", "m,host=a v=4i"]


@needs_c
def test_many_shapes_in_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """More series in one call than the table of known shapes holds: the same text."""
    points = [{"measurement": "m", "tags": {"host": f"h{i % 6_000}"},
               "fields": {"v": i, "w": i / 4}, "time": i} for i in range(18_000)]
    lines = _same(monkeypatch, points)
    assert len(lines) == 18_000
    assert lines[6_001] == "m,host=h1 v=6001i,w=1500.25 6001"


@needs_c
def test_a_list_that_grows_while_encoded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list is read by index as its iterator reads it: items appended by a Point's
    conversion (Python code) are encoded too."""
    def run() -> list[str]:
        points: list[Any] = []

        class Growing:
            def _to_point_dict(self) -> dict[str, Any]:
                points.append({"measurement": "m", "fields": {"v": len(points)}})
                return {"measurement": "g", "fields": {"v": 0}}

        points.extend([{"measurement": "m", "fields": {"v": 1}}, Growing()])
        return line_protocol._encode(points, None, None, None)

    expected = _python(monkeypatch)(run)
    assert run() == expected == ["m v=1i", "g v=0i", "m v=2i"]


@needs_c
def test_client_bodies_with_lines_among_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ready-made lines among dicts: the C encoder meets them and hands the batch to the
    mixed path (no pass looks for them first); the same body, count and errors as Python."""
    client = InfluxDBClient()
    points = [_point({"v": 1}, 5), "m,host=b v=2i 6\n", _point({"v": 3}), b"m,host=c v=4i",
              _point({"v": 5}, 7)]
    python = _python(monkeypatch)
    python_timeless = [0]
    expected = python(client._encode_points, points, timeless=python_timeless)
    timeless = [0]
    assert client._encode_points(points, timeless=timeless) == expected == (
        b"m,host=a v=1i 5\nm,host=b v=2i 6\nm,host=a v=3i\nm,host=c v=4i\nm,host=a v=5i 7\n")
    assert timeless == python_timeless == [2]
    only_lines = [0]
    assert client._encode_points(["m v=1i", "m v=2i 3"], timeless=only_lines) == (
        b"m v=1i\nm v=2i 3\n")
    assert only_lines == [1]
    bad = points + [_point({"v": float("inf")})]
    for encode in (client._encode_points, lambda items: python(client._encode_points, items)):
        with pytest.raises(InfluxDBInvalidPointError, match=r"^point 5 \(measurement 'm'\)"):
            encode(bad)


# -- random points -----------------------------------------------------------------------------

points_strategy = st.lists(
    st.tuples(names, st.dictionaries(names, st.one_of(st.none(), names), max_size=3),
              st.dictionaries(names, field_values, min_size=1, max_size=4), times),
    min_size=1, max_size=6)


@needs_c
@settings(max_examples=300, deadline=None)
@given(points_strategy, st.sampled_from([None, "n", "u", "ms", "s"]),
       st.one_of(st.none(), st.dictionaries(names, names, max_size=2)))
def test_random_points_same_text(points: list[Any], precision: Optional[str],
                                 static: Optional[dict[str, str]]) -> None:
    data = [{"measurement": m, "tags": t, "fields": f, "time": time}
            for m, t, f, time in points]
    with pytest.MonkeyPatch.context() as monkeypatch:
        _same(monkeypatch, data * 2, tags=static, precision=precision)


# -- DataFrame padding -------------------------------------------------------------------------

@needs_c
@pytest.mark.parametrize(("data", "kept"), [
    (b"", b""), (b"\xff", b""), (b"a", b"a"), (b"\xffa\xff\xffbc\xff", b"abc"),
    (b"abcdefgh", b"abcdefgh"), (b"\xff" * 8, b""),
    (b"abcdefg\xff" * 3 + b"xyz", b"abcdefg" * 3 + b"xyz"),
    (bytes(range(256)) * 3, bytes(range(255)) * 3),
])
def test_without_byte(data: bytes, kept: bytes) -> None:
    assert SPEEDUPS.without_byte(data, 0xFF) == kept
    assert SPEEDUPS.without_byte(memoryview(data), 0xFF) == kept


@needs_c
def test_without_byte_refuses_non_contiguous_buffers() -> None:
    import numpy as np

    matrix = np.full((4, 6), 0xFF, dtype=np.uint8)
    with pytest.raises(ValueError, match="not C-contiguous"):
        SPEEDUPS.without_byte(matrix[:, ::2], 0xFF)


@needs_c
def test_dataframe_bodies_match(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    import pandas as pd

    from influxdb._dataframe import LinePlan
    from influxdb._dataframe import lines as dataframe_lines

    rng = np.random.default_rng(7)
    rows = 5_000
    frame = pd.DataFrame({
        "host": rng.choice(["a", "b c", "é"], rows),
        "x": rng.normal(size=rows) * 10.0 ** rng.integers(-8, 20, rows),
        "n": pd.Series(rng.integers(-5, 5, rows), dtype="Int64").where(rng.random(rows) > 0.2),
        "s": rng.choice(['ok', 'say "hi"', "ünï"], rows),
        "flag": rng.random(rows) > 0.5,
    })
    frame.index = pd.date_range("2026-01-01", periods=rows, freq="37ms", tz="UTC")
    frame.loc[frame.index[::7], "x"] = np.nan

    def body() -> bytes:
        return LinePlan(frame, "m", tag_columns=["host"]).body(0, rows)

    with_c = body()
    monkeypatch.setattr(dataframe_lines, "_without_byte", dataframe_lines._without_byte_py)
    assert body() == with_c
    first = with_c.split(b"\n")[0].decode()
    assert first.startswith("m,host=") and first.endswith(" 1767225600000000000")


# -- msgpack timestamps -------------------------------------------------------------------------

def _ext(seconds: int, nanos: int) -> bytes:
    return struct.pack(">qI", seconds, nanos)


@needs_c
@pytest.mark.parametrize(("seconds", "nanos", "text"), [
    (0, 0, "1970-01-01T00:00:00Z"), (0, 1, "1970-01-01T00:00:00.000000001Z"),
    (1_562_777_482, 26_250_000, "2019-07-10T16:51:22.02625Z"),
    (-1, 999_999_999, "1969-12-31T23:59:59.999999999Z"),
    (-62_135_596_800, 0, "0001-01-01T00:00:00Z"),
    (253_402_300_799, 100_000_000, "9999-12-31T23:59:59.1Z"),
    (951_782_400, 0, "2000-02-29T00:00:00Z"), (4_107_542_400, 0, "2100-03-01T00:00:00Z"),
])
def test_msgpack_times(seconds: int, nanos: int, text: str) -> None:
    from influxdb._core import answers

    assert SPEEDUPS.msgpack_ext_hook(5, _ext(seconds, nanos)) == text
    assert answers._python_ext_hook(5, _ext(seconds, nanos)) == text


@needs_c
def test_msgpack_what_c_leaves_to_python() -> None:
    import msgpack

    from influxdb._core import answers

    assert answers.msgpack_ext_hook is SPEEDUPS.msgpack_ext_hook
    assert SPEEDUPS.msgpack_ext_hook(7, b"ab") == msgpack.ExtType(7, b"ab")
    assert SPEEDUPS.msgpack_ext_hook(5, b"short") == msgpack.ExtType(5, b"short")
    for seconds, nanos in ((-62_135_596_801, 0), (253_402_300_800, 0), (0, 1_000_000_000)):
        try:
            expected: Any = answers._python_ext_hook(5, _ext(seconds, nanos))
        except ValueError as error:
            expected = ("ValueError", str(error))
        try:
            got: Any = SPEEDUPS.msgpack_ext_hook(5, _ext(seconds, nanos))
        except ValueError as error:
            got = ("ValueError", str(error))
        assert got == expected


@needs_c
@settings(max_examples=500, deadline=None)
@given(st.integers(-62_135_596_800, 253_402_300_799), st.integers(0, 999_999_999))
def test_msgpack_times_match_python(seconds: int, nanos: int) -> None:
    from influxdb._core import answers

    data = _ext(seconds, nanos)
    assert SPEEDUPS.msgpack_ext_hook(5, data) == answers._python_ext_hook(5, data)


@needs_c
def test_decoding_an_answer_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    import msgpack

    from influxdb._core import answers

    rows = [[msgpack.ExtType(5, _ext(1_700_000_000 + i // 3, (i * 7919) % 10**9)), i]
            for i in range(3000)]
    content = msgpack.packb({"results": [{"statement_id": 0, "series": [
        {"name": "m", "columns": ["time", "v"], "values": rows}]}]})
    with_c = answers.decode_msgpack(content)
    assert answers._unpack is not answers._unpack_py
    monkeypatch.setattr(answers, "msgpack_ext_hook", answers._python_ext_hook)
    monkeypatch.setattr(answers, "_unpack", answers._unpack_py)
    assert answers.decode_msgpack(content) == with_c
    assert with_c["results"][0]["series"][0]["values"][4] == ["2023-11-14T22:13:21.000031676Z", 4]


# -- dict_rows: answer rows as dicts (ResultSet.get_points) ---------------------------------


def _zip_rows(columns: tuple[str, ...], values: list[Any], start: int, stop: int) -> list[Any]:
    return [dict(zip(columns, row)) for row in values[max(start, 0):max(stop, 0)]]


@needs_c
@pytest.mark.parametrize(("start", "stop"), [
    (0, 5), (1, 3), (0, 100), (4, 2), (-3, 2), (5, 5), (0, 0), (2, -1),
])
def test_dict_rows_slices(start: int, stop: int) -> None:
    columns = ("time", "host", "v")
    values: list[Any] = [["t0", "a", 1], ("t1", "b"), ["t2", "c", 3, "extra"], [], "xyz"]
    got = SPEEDUPS.dict_rows(columns, values, start, stop)
    assert got == _zip_rows(columns, values, start, stop)
    if (start, stop) == (0, 5):
        assert got == [{"time": "t0", "host": "a", "v": 1}, {"time": "t1", "host": "b"},
                       {"time": "t2", "host": "c", "v": 3}, {},
                       {"time": "x", "host": "y", "v": "z"}]


@needs_c
def test_dict_rows_duplicate_columns_and_shared_values() -> None:
    value = object()
    got = SPEEDUPS.dict_rows(("a", "b", "a"), [[1, value, 3]], 0, 1)
    assert got == [{"a": 3, "b": value}]
    assert got[0]["b"] is value


@needs_c
def test_dict_rows_iterable_rows_are_taken_as_zip_takes_them() -> None:
    pulled: list[int] = []

    def row() -> Iterator[int]:
        for i in range(10):
            pulled.append(i)
            yield i

    assert SPEEDUPS.dict_rows(("a", "b"), [row()], 0, 1) == [{"a": 0, "b": 1}]
    assert pulled == [0, 1]  # zip stops at the shorter side: nothing more is pulled

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("row broke")

    with pytest.raises(ValueError, match="row broke"):
        SPEEDUPS.dict_rows(("a", "b"), [[0], failing()], 0, 2)
    with pytest.raises(TypeError):
        SPEEDUPS.dict_rows(("a",), [None], 0, 1)


@needs_c
@pytest.mark.parametrize("args", [
    (["a"], [[1]], 0, 1), (("a",), ([1],), 0, 1), ((1,), [[1]], 0, 1), (("a",), [[1]], "0", 1),
    (("a",), [[1]], 0),
])
def test_dict_rows_refuses_other_arguments(args: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError):
        SPEEDUPS.dict_rows(*args)


@needs_c
def test_dict_rows_no_references_leak() -> None:
    columns = ("time", "v")
    row = ["t", 1.5]
    values = [row] * 50 + [("t", 2.5)] * 50
    SPEEDUPS.dict_rows(columns, values, 0, 100)
    gc.collect()
    before = [sys.getrefcount(obj) for obj in (columns, row, row[0], row[1], values)]
    for _ in range(200):
        SPEEDUPS.dict_rows(columns, values, 0, 100)
    gc.collect()
    assert [sys.getrefcount(obj) for obj in (columns, row, row[0], row[1], values)] == before


@needs_c
@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=3), max_size=5),
       st.lists(st.lists(st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=4),
                                   st.none(), st.booleans()), max_size=7), max_size=40))
def test_get_points_same_dicts_both_ways(columns: list[str], values: list[list[Any]]) -> None:
    from influxdb import resultset
    from influxdb.resultset import ResultSet

    result = {"series": [{"name": "m", "columns": columns, "values": values}]}
    with_c = list(ResultSet(result).get_points())
    saved = resultset._rows
    resultset._rows = resultset._rows_py
    try:
        in_python = list(ResultSet(result).get_points())
    finally:
        resultset._rows = saved
    assert with_c == in_python == [dict(zip(columns, row)) for row in values]


@needs_c
def test_get_points_of_a_large_answer_in_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from influxdb import resultset
    from influxdb.resultset import ResultSet

    monkeypatch.setattr(resultset, "_PAUSED_RUN", 1000)
    values = [[f"t{i}", i % 10, i * 0.5] for i in range(10_500)]
    points = ResultSet({"series": [{"name": "m", "columns": ["time", "k", "v"],
                                    "values": values}]}).get_points()
    assert gc.isenabled()
    got = list(points)
    assert gc.isenabled()
    assert len(got) == 10_500
    assert got[0] == {"time": "t0", "k": 0, "v": 0.0}
    assert got[9_999] == {"time": "t9999", "k": 9, "v": 4999.5}
    assert got[-1] == {"time": "t10499", "k": 9, "v": 5249.5}


# -- msgpack_decode: whole answers and chunks without a call per timestamp -----------------


def _msgpack_by_library(data: bytes) -> Any:
    import msgpack

    from influxdb._core import answers

    return msgpack.unpackb(data, ext_hook=answers.msgpack_ext_hook, raw=False,
                           strict_map_key=False)


def _identical(a: Any, b: Any) -> bool:
    """Equal, floats by their bits (NaN included), and of the same types throughout."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack(">d", a) == struct.pack(">d", b)
    if isinstance(a, list):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_identical(a[k], b[k]) for k in a)
    return bool(a == b)


def _library_outcome(data: bytes) -> Any:
    try:
        return ("value", _msgpack_by_library(data))
    except Exception as error:  # noqa: BLE001 -- the type and text are compared
        return (type(error), str(error))


def _ext_values() -> st.SearchStrategy[Any]:
    import msgpack

    plain = st.builds(lambda s, n: msgpack.ExtType(5, _ext(s, n)),
                      st.integers(-62_135_596_800, 253_402_300_799), st.integers(0, 999_999_999))
    odd_time = st.builds(lambda s, n: msgpack.ExtType(5, _ext(s, n)),
                         st.integers(-2**63, 2**63 - 1), st.integers(0, 2**32 - 1))
    other = st.builds(msgpack.ExtType, st.integers(0, 127).filter(lambda c: c != 5),
                      st.binary(max_size=20))
    return st.one_of(plain, odd_time, other)


_msgpack_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2**63, 2**64 - 1), st.floats(),
    st.text(max_size=40), st.binary(max_size=40), st.deferred(_ext_values))
_msgpack_values = st.recursive(
    _msgpack_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers(-5, 5)), inner, max_size=6)),
    max_leaves=40)


@needs_c
@settings(max_examples=400, deadline=None)
@given(_msgpack_values, st.booleans())
def test_msgpack_decode_matches_the_library(value: Any, single_float: bool) -> None:
    import msgpack

    from influxdb._core import answers

    try:
        data = msgpack.packb(value, use_bin_type=True, use_single_float=single_float)
    except OverflowError:  # a double beyond float32's range
        assume(False)
    expected = _library_outcome(data)
    if expected[0] == "value":
        assert _identical(SPEEDUPS.msgpack_decode(data, 0, len(data)), expected[1])
        assert _identical(answers.decode_msgpack(data), expected[1])
    else:  # a time the Python hook refuses (a year before 1): the same error both ways
        with pytest.raises(expected[0]):
            SPEEDUPS.msgpack_decode(data, 0, len(data))
        with pytest.raises(expected[0]):
            answers.decode_msgpack(data)


@needs_c
@pytest.mark.parametrize("value", [
    0, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1,
    -1, -32, -33, -128, -129, -32768, -32769, -2**31, -2**31 - 1, -2**63,
    0.0, -0.0, 1.5, float("inf"), float("-inf"), 1e308, 5e-324,
    "", "é" * 40, "x" * 300, "y" * 70_000, b"", b"z" * 300, b"w" * 70_000,
    list(range(20)), list(range(70_000)), {str(i): i for i in range(20)},
    {str(i): i for i in range(70_000)}, [None, True, False],
])
def test_msgpack_decode_every_format(value: Any) -> None:
    import msgpack

    data = msgpack.packb(value, use_bin_type=True)
    got = SPEEDUPS.msgpack_decode(data, 0, len(data))
    assert _identical(got, value)


@needs_c
@pytest.mark.parametrize("length", [1, 2, 3, 4, 8, 12, 16, 17, 300, 70_000])
def test_msgpack_decode_extensions_of_every_length(length: int) -> None:
    import msgpack

    from influxdb._core import answers

    data = msgpack.packb([msgpack.ExtType(7, b"\x01" * length)])
    assert SPEEDUPS.msgpack_decode(data, 0, len(data)) == [
        answers._python_ext_hook(7, b"\x01" * length)]


@needs_c
def test_msgpack_decode_times_and_float32() -> None:
    import msgpack

    data = msgpack.packb({"values": [[msgpack.ExtType(5, _ext(1_700_000_000, 5_000)), 0.1]]},
                         use_single_float=True)
    assert SPEEDUPS.msgpack_decode(data, 0, len(data)) == {
        "values": [["2023-11-14T22:13:20.000005Z", 0.10000000149011612]]}


@needs_c
def test_msgpack_decode_part_of_a_buffer() -> None:
    import msgpack

    first, second = msgpack.packb({"a": 1}), msgpack.packb([1, "b"])
    data = bytearray(first + second)
    assert SPEEDUPS.msgpack_decode(data, 0, len(first)) == {"a": 1}
    assert SPEEDUPS.msgpack_decode(data, len(first), len(data)) == [1, "b"]
    for start, end in ((0, len(data)), (-1, 3), (2, 1), (0, len(data) + 1), (1, len(first))):
        with pytest.raises(ValueError):
            SPEEDUPS.msgpack_decode(data, start, end)


@needs_c
@pytest.mark.parametrize("data", [
    b"", b"\xc1", b"\x91\xc1", b"\xa2\xff\xfe", b"\x81\x91\x01\x02", b"\x01\x02",
    b"\xdd\xff\xff\xff\xff", b"\xdf\xff\xff\xff\xff\x01", b"\xdb\xff\xff\xff\xff",
    b"\xc6\x00\x00\x00\x05ab", b"\xc9\x00\x00\x00\x0c\x05" + b"\x00" * 11,
    b"\x91" * 300 + b"\x01",  # deeper than the C decoder goes: msgpack decodes it
    b"\x91" * 2000 + b"\x01",  # deeper than msgpack goes
    b"\xd6\xff\x00\x00\x00\x01",  # msgpack's own timestamp type
])
def test_what_the_c_decoder_leaves_to_msgpack(data: bytes) -> None:
    """Malformed, cut or unusual data: the C decoder raises, and decode_msgpack then gives
    exactly msgpack's result or error."""
    from influxdb._core import answers

    with pytest.raises((ValueError, TypeError)):
        SPEEDUPS.msgpack_decode(data, 0, len(data))
    outcome: tuple[Any, Any]
    try:
        outcome = ("value", answers.decode_msgpack(data))
    except Exception as error:  # noqa: BLE001
        outcome = (type(error), str(error))
    assert outcome == _library_outcome(data)


@needs_c
def test_msgpack_decode_error_paths_do_not_leak() -> None:
    import tracemalloc

    import msgpack

    answer = msgpack.packb({"results": [{"series": [{"name": "m", "columns": ["time", "v"],
                                                     "values": [[msgpack.ExtType(5, _ext(i, i)),
                                                                 "s" * i] for i in range(40)]}]}]})

    def every_cut() -> None:
        for end in range(len(answer)):
            with pytest.raises(ValueError):
                SPEEDUPS.msgpack_decode(answer, 0, end)
        SPEEDUPS.msgpack_decode(answer, 0, len(answer))

    every_cut()
    tracemalloc.start()
    try:
        every_cut()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20):
            every_cut()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 20_000, grown  # a leaked object per cut would be ~100 KB per round


def _chunks(data: bytes, sizes: list[int]) -> Iterator[bytes]:
    position, turn = 0, 0
    while position < len(data):
        size = sizes[turn % len(sizes)]
        yield data[position:position + size]
        position += size
        turn += 1


@needs_c
@settings(max_examples=100, deadline=None)
@given(st.lists(_msgpack_values.filter(lambda v: v is not None) | st.just(None), min_size=1,
                max_size=6),
       st.lists(st.integers(1, 50), min_size=1, max_size=5), st.integers(0, 3))
def test_chunked_documents_match_the_library(documents: list[Any], sizes: list[int],
                                             cut: int) -> None:
    import msgpack

    from influxdb._core import answers

    packed = [msgpack.packb(d, use_bin_type=True) for d in documents]
    stream = b"".join(packed)
    stream = stream[:len(stream) - cut]  # an answer cut short: the documents before the
    # cut are handed out, then InfluxDBBrokenAnswerError (the cut document is never decoded)
    whole = b""
    for one in packed:
        if len(whole) + len(one) > len(stream):
            break
        whole += one

    def library() -> Iterator[Any]:
        unpacker = msgpack.Unpacker(ext_hook=answers.msgpack_ext_hook, raw=False,
                                    strict_map_key=False, max_buffer_size=0)
        for block in _chunks(whole, sizes):
            unpacker.feed(block)
            yield from unpacker

    def outcome(documents: Iterator[Any]) -> tuple[list[Any], Any]:
        got: list[Any] = []
        try:
            for document in documents:
                got.append(document)
        except (ValueError, OverflowError) as error:  # a time the Python hook refuses
            return got, type(error)
        return got, None

    expected, expected_error = outcome(library())
    got, error = outcome(answers.iter_decoded(_chunks(stream, sizes), answers.MsgpackDocuments()))
    # A refused time, as a cut inside a document, raises InfluxDBBrokenAnswerError (also a
    # ValueError); a cut on a boundary between documents cannot be told from the end.
    broken = expected_error is not None or len(whole) < len(stream)
    assert error is (InfluxDBBrokenAnswerError if broken else None)
    assert len(got) == len(expected)
    assert all(_identical(a, b) for a, b in zip(got, expected))


@needs_c
def test_chunked_documents_raise_what_msgpack_raises() -> None:
    import msgpack

    from influxdb._core import answers

    stream = msgpack.packb({"a": 1}) + b"\xc1" + msgpack.packb({"b": 2})
    got: list[Any] = []
    with pytest.raises(InfluxDBBrokenAnswerError) as info:
        for document in answers.iter_decoded(_chunks(stream, [3]), answers.MsgpackDocuments()):
            got.append(document)
    assert got == [{"a": 1}]
    assert type(info.value.__cause__) is msgpack.FormatError


@needs_c
def test_chunked_documents_before_a_refused_time_are_handed_out() -> None:
    import msgpack

    from influxdb._core import answers

    refused = msgpack.ExtType(5, _ext(-62_135_596_801, 0))  # the year 0: the hook refuses it
    stream = msgpack.packb({"a": 1}) + msgpack.packb({"t": refused}) + msgpack.packb({"b": 2})
    got: list[Any] = []
    with pytest.raises(ValueError, match="ordinal must be >= 1"):
        for document in answers.iter_decoded(iter([stream]), answers.MsgpackDocuments()):
            got.append(document)
    assert got == [{"a": 1}]
