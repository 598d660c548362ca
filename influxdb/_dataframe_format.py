"""Vectorised formatting for line protocol: arrays in, byte cells out (integers here;
floats in :mod:`influxdb._dataframe_floats`).

A *cell matrix* is a ``(rows, width)`` ``uint8`` array holding one value per row as ASCII,
with :data:`BLANK` bytes wherever the text is shorter than the width.  Line bodies are
assembled from cell matrices side by side and the blanks are then removed in one pass
(:mod:`influxdb._dataframe_lines`).  ``0xFF`` never occurs in UTF-8 text, so the blank
cannot collide with a character the caller wrote (NUL could: a string may hold it).

Integers are written as the line-protocol reference asks (InfluxDB 1.x "Line protocol
reference", data types): decimal digits, the caller appends ``i``.  Digits come four at a
time from a table of 4-byte groups, so one gather writes four characters.

Speed notes: numpy's integer ``//`` by a scalar is fast (libdivide) while ``%``,
``divmod`` and ``np.where`` are several times slower on this kind of data, so remainders
are written as ``a - a // b * b`` and selections as lookups or arithmetic.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

__all__ = ["BLANK", "ArrayCells", "Cells", "format_ints", "int_cells", "text_cells"]

BLANK = 0xFF
_BLANK = np.uint8(BLANK)

NDArray = Any  # numpy arrays; numpy's type stubs are optional at runtime


def _group_tables() -> tuple[NDArray, NDArray]:
    """4-digit groups as 4 ASCII bytes, read through a uint32 view (one gather writes four
    digits), in four variants at offsets 0, 10000, 20000, 30000: plain; leading zeros
    blank (the top group of a right-aligned number); the same but 0 written ``0`` (a
    number that is a single group); trailing zeros blank (the last digits of a fraction).
    """
    values = np.arange(10000)
    digits = np.stack(
        [values // 1000, values // 100 % 10, values // 10 % 10, values % 10], axis=1
    ).astype(np.uint8) + np.uint8(48)
    position = np.arange(4)[None, :]
    length = np.array([len(str(v)) if v else 0 for v in range(10000)])
    trailing = np.array([4] + [len(str(v)) - len(str(v).rstrip("0")) for v in range(1, 10000)])
    leading_blank = np.where(position < (4 - length)[:, None], _BLANK, digits)
    single = leading_blank.copy()
    single[0, 3] = 48
    trailing_blank = np.where(position >= (4 - trailing)[:, None], _BLANK, digits)
    table = np.concatenate([digits, leading_blank, single, trailing_blank]).astype(np.uint8)
    return table.copy().view(np.uint32).ravel(), trailing.astype(np.int64)


_GROUPS, _TRAILING_ZEROS = _group_tables()
_PLAIN, _LEADING_BLANK, _SINGLE, _TRAILING_BLANK = 0, 10000, 20000, 30000
_SIGN = np.array([BLANK, 45], dtype=np.uint8)  # indexed by the sign bit: '' or '-'



def _text_table(texts: list[bytes], width: int) -> NDArray:
    table = np.full((len(texts), width), BLANK, dtype=np.uint8)
    for row, text in enumerate(texts):
        table[row, : len(text)] = np.frombuffer(text, dtype=np.uint8)
    return table.view(np.uint64).ravel()


class Cells:
    """Values ready to be written as a block of ``width`` columns of a byte matrix."""

    width: int

    def write(self, out: NDArray) -> None:
        """Write one value per row of ``out`` (``uint8``, shape ``(rows, width)``)."""
        if out.flags.c_contiguous:
            self._fill(out)
        else:
            # Built column by column in a small contiguous block (cache-resident), then
            # copied row by row: writing columns straight into the wide line matrix would
            # touch every row's cache line once per column.
            out[:] = self.matrix()

    def _fill(self, out: NDArray) -> None:
        raise NotImplementedError

    def matrix(self) -> NDArray:
        """The cells as a new matrix."""
        raise NotImplementedError


class ArrayCells(Cells):
    """Cells already laid out in a matrix."""

    def __init__(self, cells: NDArray) -> None:
        self.cells = cells
        self.width = cells.shape[1]

    def write(self, out: NDArray) -> None:
        out[:] = self.cells

    def matrix(self) -> NDArray:
        return self.cells


def text_cells(items: list[bytes]) -> NDArray:
    """Cell matrix of byte strings, left-aligned and blank-padded.

    :param items: the encoded texts, one per row
    :returns: ``uint8`` array of shape ``(len(items), longest)``
    """
    width = max((len(b) for b in items), default=0)
    joined = b"".join(b.ljust(width, b"\xff") for b in items)
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(items), width).copy()


def _write_right_aligned(out: NDArray, magnitude: NDArray) -> None:
    """Decimal digits of non-negative ``uint64`` values, right-aligned in ``out``.

    ``out`` must be wide enough for the largest value; leading positions are blank.
    """
    n, width = out.shape
    groups = (width + 3) // 4
    block = np.empty((n, groups), dtype=np.uint32)
    rest = magnitude
    for g in range(groups - 1, -1, -1):
        if g:
            upper = rest // np.uint64(10000)
            low = (rest - upper * np.uint64(10000)).astype(np.intp)
            top = upper == 0
            rest = upper
        else:
            low = rest.astype(np.intp)
            top = None
        if g == groups - 1:  # the last group: a number below 10000 shows its 0
            offset = _SINGLE if top is None else _SINGLE * top
        else:
            offset = _LEADING_BLANK if top is None else _LEADING_BLANK * top
        block[:, g] = _GROUPS[low + offset]
    out[:] = block.view(np.uint8).reshape(n, groups * 4)[:, groups * 4 - width:]


class _IntCells(Cells):
    def __init__(self, values: NDArray) -> None:
        if values.dtype == np.uint64:
            self.negative: Optional[NDArray] = None
            self.magnitude = values
        else:
            signed = values.astype(np.int64, copy=False)
            negative = signed < 0
            as_u64 = signed.view(np.uint64)
            if negative.any():
                # Two's complement negation in uint64 is exact for every int64, -2**63 too.
                self.magnitude = as_u64.copy()
                self.magnitude[negative] = np.negative(as_u64[negative])
                self.negative = negative
            else:
                self.magnitude, self.negative = as_u64, None
        largest = int(self.magnitude.max()) if len(values) else 0
        self.digits = len(str(largest))
        self.width = self.digits + (self.negative is not None)

    def _fill(self, out: NDArray) -> None:
        if self.negative is not None:
            out[:, 0] = _SIGN[self.negative.view(np.uint8)]
            out = out[:, 1:]
        _write_right_aligned(out, self.magnitude)

    def matrix(self) -> NDArray:
        out = np.empty((len(self.magnitude), self.width), dtype=np.uint8)
        self._fill(out)
        return out


def int_cells(values: NDArray) -> Cells:
    """Decimal text of ``int64`` (or ``uint64``) values, right-aligned, ``-`` first."""
    return _IntCells(values)


def format_ints(values: NDArray) -> NDArray:
    """Cell matrix of :func:`int_cells`."""
    return _IntCells(values).matrix()
