"""Vectorised number formatting (influxdb._dataframe.format): exactly repr / str."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influxdb._dataframe.format import BLANK, format_floats, format_ints, text_cells


def texts(cells: np.ndarray) -> list[str]:
    return [bytes(row[row != BLANK]).decode() for row in cells]


FLOATS = [
    0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 2.5, 1.5, 123.0, 100.0, 99.99, 1234567.0,
    0.30000000000000004, 1 / 3, 2 / 3, 0.001, 0.0001, 1e-4 * 3, 1e-5, 1e-6, 1e-7,
    1.5e-5, 9.999999999999999e-5, 0.009999999999999998,
    1e15, 1e16, 1e17, 9999999999999998.0, 9007199254740993.0, 2.0**53, 2.0**60, 2.0**-20,
    1e22, 1.5e22, 1e23, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
    796652855163007.75, 81218104534679.375, 0.1 + 0.2, 123456789.12345679,
    4.35, 0.15, 1e21, 123e18,
]


@pytest.mark.parametrize("value", FLOATS)
def test_float_is_repr(value: float) -> None:
    assert texts(format_floats(np.array([value]))) == [repr(value)]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (1e16, "1e+16"),
        (1e15, "1000000000000000.0"),
        (1e-5, "1e-05"),
        (0.0001, "0.0001"),
        (-2.5e-7, "-2.5e-07"),
        (123.0, "123.0"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (-0.0, "-0.0"),
    ],
)
def test_float_spelling(value: float, text: str) -> None:
    assert texts(format_floats(np.array([value]))) == [text]


@pytest.mark.parametrize("seed", range(4))
def test_float_columns_match_repr(seed: int) -> None:
    rng = np.random.default_rng(seed)
    columns = [
        rng.normal(size=20000),
        rng.normal(size=20000) * 10.0 ** rng.integers(-12, 25, 20000),
        np.round(rng.normal(size=20000) * 1000, seed + 1),
        rng.integers(-(2**52), 2**52, 20000).astype(float) * 2.0 ** rng.integers(-60, 60, 20000),
        2.0 ** rng.integers(-40, 60, 20000),
        np.nextafter(10.0 ** rng.integers(-8, 20, 20000), np.inf),
        np.nextafter(10.0 ** rng.integers(-8, 20, 20000), 0),
    ]
    for column in columns:
        assert texts(format_floats(column)) == [repr(v) for v in column.tolist()]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=40))
def test_float_property(values: list[float]) -> None:
    assert texts(format_floats(np.array(values))) == [repr(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), min_size=1, max_size=40))
def test_float_bit_patterns(patterns: list[int]) -> None:
    values = [struct.unpack("<d", struct.pack("<Q", p))[0] for p in patterns]
    values = [v for v in values if math.isfinite(v)] or [0.0]
    assert texts(format_floats(np.array(values))) == [repr(v) for v in values]


def test_float_text_reads_back() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(size=5000) * 10.0 ** rng.integers(-20, 20, 5000)
    assert [float(t) for t in texts(format_floats(values))] == values.tolist()


@pytest.mark.parametrize(
    "value", [0, 1, -1, 9, 10, -10, 9999, 10000, 123456789, 2**63 - 1, -(2**63), 10**18]
)
def test_int_is_str(value: int) -> None:
    assert texts(format_ints(np.array([value], dtype=np.int64))) == [str(value)]


def test_int_column_widths() -> None:
    values = np.array([5, -12345, 0, 10**15, -7], dtype=np.int64)
    cells = format_ints(values)
    assert cells.shape == (5, 17)  # sign + 16 digits
    assert texts(cells) == ["5", "-12345", "0", "1000000000000000", "-7"]


def test_uint64_values() -> None:
    values = np.array([0, 2**64 - 1], dtype=np.uint64)
    assert texts(format_ints(values)) == ["0", "18446744073709551615"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), min_size=1, max_size=50))
def test_int_property(values: list[int]) -> None:
    assert texts(format_ints(np.array(values, dtype=np.int64))) == [str(v) for v in values]


def test_text_cells_pads_with_blank() -> None:
    cells = text_cells([b"ab", b"", "\u00e9".encode()])
    assert cells.tolist() == [[97, 98], [BLANK, BLANK], [0xC3, 0xA9]]


def test_empty_inputs() -> None:
    assert format_floats(np.array([], dtype=float)).shape[0] == 0
    assert format_ints(np.array([], dtype=np.int64)).shape[0] == 0
