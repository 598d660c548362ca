"""The C-or-Python choice (influxdb/_accel.py): made once per function, at import, in one place.

Every consumer binds the function it calls; under ``INFLUXDB_PURE_PYTHON=1`` (or without the
extension) each bound name is the Python reference, else the C function or its stand-in.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

import pytest

from influxdb import _accel

PACKAGE = Path(__file__).resolve().parents[2] / "influxdb"

# (module, the bound name, the Python reference, the C function behind it)
CHOICES = [
    ("influxdb.line_protocol", "_encode_points", "_encode_points_py", "encode"),
    ("influxdb.resultset", "_rows", "_rows_py", "dict_rows"),
    ("influxdb._core.answers", "msgpack_ext_hook", "_python_ext_hook", "msgpack_ext_hook"),
    ("influxdb._core.answers", "_unpack", "_unpack_py", "msgpack_decode"),
    ("influxdb._core.answers", "_msgpack_chunks", "MsgpackObjects", "msgpack_decode"),
    ("influxdb._dataframe.lines", "_without_byte", "_without_byte_py", "without_byte"),
    ("influxdb._core.stamps", "lines_may_be_timeless", "_may_be_timeless_py", "count_timeless"),
    ("influxdb._core.stamps", "count_timeless_lines", "_count_lines_py", "count_timeless"),
    ("influxdb._core.lines", "_split_body", "_split_body_py", "split_lines"),
    ("influxdb._core.lines", "_split_quote_aware", "_split_quote_aware_py", "split_lines"),
]


@pytest.mark.parametrize(("module", "bound", "python", "c_name"), CHOICES,
                         ids=[f"{m}.{b}" for m, b, _, _ in CHOICES])
def test_each_function_is_chosen_at_import(module: str, bound: str, python: str,
                                           c_name: str) -> None:
    imported = importlib.import_module(module)
    chosen = getattr(imported, bound)
    reference = getattr(imported, python)
    if _accel.speedups is None:
        assert chosen is reference
    else:
        assert chosen is not reference
        assert callable(getattr(_accel.speedups, c_name))


@pytest.mark.needs_c
def test_every_function_of_the_extension_is_chosen_somewhere() -> None:
    assert _accel.speedups is not None, "influxdb._speedups was not built"
    functions = {name for name in dir(_accel.speedups) if not name.startswith("__")}
    # set_ext_fallback links the C hook to the Python one (in answers, chosen the same way).
    assert functions - {"set_ext_fallback"} == {c_name for *_, c_name in CHOICES}


def test_pick_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    def python(x: int) -> int:
        return x + 1

    monkeypatch.setattr(_accel, "speedups", None)
    assert _accel.pick("encode", python) is python
    assert _accel.pick("encode", python, through=lambda c: c) is python


def test_pick_with_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stub:
        @staticmethod
        def twice(x: int) -> int:
            return 2 * x

    def python(x: int) -> int:
        return x + x

    handed: list[Any] = []

    def through(c: Any) -> Any:
        handed.append(c)
        return lambda x: c(x) + 0

    monkeypatch.setattr(_accel, "speedups", Stub)
    assert _accel.pick("twice", python) is Stub.twice
    wrapped = _accel.pick("twice", python, through=through)
    assert handed == [Stub.twice]
    assert wrapped(21) == 42
    with pytest.raises(AttributeError):
        _accel.pick("missing", python)


def test_no_call_site_asks_whether_the_extension_is_there() -> None:
    """Only _accel imports the C module; no other module reads ``speedups`` (the choice is
    ``_accel.pick`` at import) or compares anything with the C module's functions."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_accel.py" or "influxdb08" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (
                    node.module == "influxdb._accel" and any(
                        alias.name == "speedups" for alias in node.names)
                    or node.module == "influxdb" and any(
                        alias.name == "_speedups" for alias in node.names)):
                offenders.append(f"{path.name}:{node.lineno} imports it")
            if isinstance(node, ast.Name) and node.id in ("speedups", "_speedups"):
                offenders.append(f"{path.name}:{node.lineno} reads {node.id}")
            if isinstance(node, ast.Attribute) and node.attr == "speedups":
                offenders.append(f"{path.name}:{node.lineno} reads .speedups")
    assert offenders == []
