"""Vectorised formatting for line protocol: arrays in, byte cells out -- integers, floats
and text (the floats are written with the integers' digit tables and cell writers).

A *cell matrix* is a ``(rows, width)`` ``uint8`` array holding one value per row as ASCII,
with :data:`BLANK` bytes wherever the text is shorter than the width.  Line bodies are
assembled from cell matrices side by side and the blanks are then removed in one pass
(:mod:`influxdb._dataframe.lines`).  ``0xFF`` never occurs in UTF-8 text, so the blank
cannot collide with a character the caller wrote (NUL could: a string may hold it).

Integers are written as the line-protocol reference asks (InfluxDB 1.x "Line protocol
reference", data types): decimal digits, the caller appends ``i``.  Digits come four at a
time from a table of 4-byte groups, so one gather writes four characters.

Floats are written as decimal text that reads back to the same double (line-protocol
reference, data types), and the *shortest* such text, spelled as Python's ``repr`` (and
numpy's ``str``) spell it, so DataFrame lines and dict-point lines agree byte for byte.

How the shortest text is found without a Python call per value: for ``1e-6 <= |x| < 1e17``
the value scaled to 17 significant digits, ``x * 10**k`` with ``0 <= k <= 22``, is computed
exactly as a sum of two doubles (Dekker's product: ``10**k`` is an exact double for
``k <= 22``).  That gives the correctly rounded 17-digit integer ``d``, its error, and the
half-gaps to the neighbouring doubles (powers of two times ``10**k``, so exact as well): the
interval of decimals that read back to ``x``.  The interval is under 23 units wide, so it
holds at most one multiple of 100; the shortest text is that multiple if there is one (its
digit count is read off afterwards), else the multiple of 10 nearest ``x`` inside it (16
digits), else ``d`` (17 digits).  Anything the arithmetic cannot settle for certain -- an
exact tie, a bound within rounding error of an integer, a value outside the range -- is
written by ``repr`` instead, so the result is always exactly ``repr``'s.

The text is then laid out in column blocks (sign, integer part, point, zeros, fraction,
exponent) with the integers' digit-group tables.

Speed notes: numpy's integer ``//`` by a scalar is fast (libdivide) while ``%``,
``divmod`` and ``np.where`` are several times slower on this kind of data, so remainders
are written as ``a - a // b * b`` and selections as lookups or arithmetic.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

__all__ = ["BLANK", "ArrayCells", "Cells", "float_cells", "format_floats", "format_ints",
           "int_cells", "text_cells"]

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


# -- floats: the shortest round-trip text, spelled exactly as repr(float) ---------------------
_POW10_I = np.array([10**i for i in range(19)], dtype=np.int64)
_POW10_F = np.array([float(10**i) for i in range(23)])
_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's splitter for Dekker's exact product
_E16 = np.int64(10**16)
_E17 = np.int64(10**17)
_POINT = np.array([BLANK, 46], dtype=np.uint8)  # indexed by "has a fraction": '' or '.'
_FIRST = np.array([BLANK] + list(range(48, 58)), dtype=np.uint8)  # 0: blank, 1 + d: digit


def _split(a: NDArray) -> tuple[NDArray, NDArray]:
    c = _SPLIT * a
    high = c - (c - a)
    return high, a - high


_POW10_HI, _POW10_LO = _split(_POW10_F)


# "0." is written by the integer part and point; these are the zeros after the point for
# e = -1 .. -4 (row -e - 1), as repr writes 0.0123 .. 0.0000123.
_ZEROS = _text_table([b"", b"0", b"00", b"000"], 8)
# Scientific suffix as repr writes it, "e+16", "e-05", "e+308" (row e + 400); last: none.
_EXPONENT = _text_table([b"e%+03d" % e for e in range(-400, 401)] + [b""], 8)
_NO_EXPONENT = 801


def _exact_scaled(ax: NDArray, k: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """``ax * 10**k`` rounded to an integer, exactly, for products of at least 2**53.

    :returns: ``(d, delta, tie, scale)``: the nearest integer (int64), ``d - ax * 10**k``
        (exact), where the product lay exactly halfway, and ``10.0**k``
    """
    scale = _POW10_F[k]
    high = ax * scale
    a_hi, a_lo = _split(ax)
    s_hi, s_lo = _POW10_HI[k], _POW10_LO[k]
    low = ((a_hi * s_hi - high) + a_hi * s_lo + a_lo * s_hi) + a_lo * s_lo
    # high >= 2**53 is an integer, and low is the exact rest of the product.
    r = np.rint(low)
    d = high.astype(np.int64) + r.astype(np.int64)
    delta = r - low
    return d, delta, np.abs(delta) == 0.5, scale


def _shortest(ax: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Shortest round-trip digits of doubles ``1e-6 <= ax < 1e17``.

    :returns: ``(c, e, p, ok)``: 17-digit integers ``c`` (the shortest digits followed by
        zeros), the decimal exponent ``e`` of the first digit, the digit count ``p`` (0
        where it is still to be counted from ``c``'s zeros), and ``ok``, False where
        ``repr`` must decide
    """
    e = np.clip(np.floor(np.log10(ax)).astype(np.int64), -6, 16)
    d, delta, tie, scale = _exact_scaled(ax, 16 - e)
    ok = ~tie
    # log10 may be one off next to a power of ten: fix the exponent and scale again.
    wrong = np.flatnonzero((d < _E16) | (d >= _E17))
    if wrong.size:
        e2 = e[wrong] + np.where(d[wrong] < _E16, -1, 1)
        inside = (e2 >= -6) & (e2 <= 16)
        e2 = np.where(inside, e2, 0)
        d2, delta2, tie2, scale2 = _exact_scaled(np.where(inside, ax[wrong], 1.0), 16 - e2)
        ok[wrong] = inside & ~tie2 & (d2 >= _E16) & (d2 < _E17)
        e[wrong], d[wrong], delta[wrong], scale[wrong] = e2, d2, delta2, scale2
    # Half-gaps to the neighbouring doubles in units of the 17th digit, exact: the gap is
    # a power of two, 10**k = 2**k * 5**k with 5**k < 2**53.  Below a power of two the gap
    # is half as wide.
    bits = ax.view(np.uint64)
    ulp = ((bits >> np.uint64(52)) - np.uint64(52) << np.uint64(52)).view(np.float64)
    half_up = ulp * scale * 0.5
    power_of_two = (bits << np.uint64(12)) == np.uint64(0)
    half_down = half_up - half_up * 0.5 * power_of_two
    # From here on, positions are floats relative to base = d - (d mod 100), a multiple of
    # 100: x is at u, the decimals that read back to x lie strictly between low and high.
    # A bound within rounding error of an integer is left to repr (whether the bound itself
    # reads back to x depends on ties-to-even).
    r100 = d - d // 100 * 100
    u = r100.astype(np.float64) - delta
    low = u - half_down
    high = u + half_up
    ok &= (np.abs(low - np.rint(low)) > 1e-9) & (np.abs(high - np.rint(high)) > 1e-9)
    # The interval is under 23 units wide: it holds at most one multiple of 100 (0 or 100
    # here), and if it does, that is the shortest text.
    m100 = (high > 100.0).astype(np.float64)
    m_any = ((low < 0.0) | (high > 100.0)).astype(np.float64)
    # Else the multiple of 10 nearest x inside, from the two around x (16 digits).
    below = np.floor(u * 0.1) * 10.0
    gap_below = u - below
    in_below = below > low
    in_above = below + 10.0 < high
    take_above = in_above & (~in_below | (gap_below > 5.0))
    any10 = (in_below | in_above).astype(np.float64)
    # Two multiples equally near x: repr's tie rule decides, not us.
    ok &= ~(in_below & in_above & (gap_below == 5.0)) | (m_any > 0)
    r100f = r100.astype(np.float64)
    position = r100f + any10 * (below + 10.0 * take_above.astype(np.float64) - r100f)
    position += m_any * (100.0 * m100 - position)
    c = (d - r100) + position.astype(np.int64)
    p = ((17.0 - any10) * (1.0 - m_any)).astype(np.int64)  # 0: count c's zeros
    carry = np.flatnonzero(c >= _E17)
    if carry.size:
        c[carry] = _E16
        e[carry] += 1
        p[carry] = 1
    return c, e, p, ok


def _trailing_zeros(c: NDArray) -> NDArray:
    """Trailing decimal zeros of positive int64 values below 10**17."""
    zeros = np.zeros(c.shape[0], dtype=np.int64)
    alive = np.ones(c.shape[0], dtype=bool)
    rest = c
    for _ in range(4):
        upper = rest // 10000
        low = rest - upper * 10000
        zeros += _TRAILING_ZEROS[low] * alive
        alive &= low == 0
        rest = upper
    return zeros  # above four groups is the leading digit, never zero


class _FloatCells(Cells):
    """``repr`` text laid out in column blocks: sign, integer part (right-aligned), point,
    zeros after the point, fraction (left-aligned), exponent.

    ``repr`` writes ``-4 <= e < 16`` in fixed notation (``123.0``, ``0.00123``) and the rest
    as ``d.ddde+XX``.
    """

    def __init__(self, c: NDArray, e: NDArray, p: NDArray, ax: NDArray, negative: NDArray,
                 slow: NDArray, slow_texts: list[bytes]) -> None:
        scientific = np.flatnonzero((e < -4) | (e >= 16))
        # Digits before the point: e + 1 in fixed notation (none below 1), one in scientific.
        before = np.maximum(e + 1, 0)
        # The integer part is floor(x) in fixed notation: no integer lies between x and its
        # shortest text (that integer would be a closer double).
        whole = ax.astype(np.int64)
        at_least_one = e >= 0  # "123.0": a fixed-notation fraction is at least "0"
        if scientific.size:
            before[scientific] = 1
            whole[scientific] = c[scientific] // _E16
            at_least_one[scientific] = False
        self.fraction = (c - whole * _POW10_I[17 - before]) * _POW10_I[before]
        self.fraction_length = np.maximum(p - before, at_least_one.view(np.int8))
        self.whole = whole.view(np.uint64)
        self.whole_width = len(str(int(whole.max())))
        self.fraction_width = int(self.fraction_length.max())
        below_one = np.flatnonzero((e < 0) & (e >= -4))
        self.below_one = below_one
        self.zero_rows = -e[below_one] - 1
        self.e, self.scientific, self.negative = e, scientific, negative
        self.slow, self.slow_texts = slow, slow_texts
        # Blocks only as wide as this run needs: every blank column costs a byte per row
        # in the line matrix.
        self.sign_width = int(bool(negative.any()))
        self.zeros_width = int(self.zero_rows.max()) if below_one.size else 0
        self.exponent_width = 0
        if scientific.size:
            self.exponent_width = 5 if int(np.abs(e[scientific]).max()) >= 100 else 4
        slow_width = max((len(t) for t in slow_texts), default=0)
        self.inner_width = (self.sign_width + self.whole_width + 1 + self.zeros_width
                            + self.fraction_width + self.exponent_width)
        self.width = max(self.inner_width, slow_width)

    def _fill(self, out: NDArray) -> None:
        n = out.shape[0]
        at = self.sign_width
        if at:
            out[:, 0] = _SIGN[self.negative.view(np.uint8)]
        _write_right_aligned(out[:, at:at + self.whole_width], self.whole)
        at += self.whole_width
        shown = self.fraction_length > 0
        out[:, at] = _POINT[shown.view(np.uint8)]
        at += 1
        if self.zeros_width:
            rows = np.zeros(n, dtype=np.intp)
            rows[self.below_one] = self.zero_rows
            width = self.zeros_width
            out[:, at:at + width] = _ZEROS[rows].view(np.uint8).reshape(n, 8)[:, :width]
            at += width
        if self.fraction_width:
            first = self.fraction // _E16
            out[:, at] = _FIRST[(first + 1) * shown]
            rest = self.fraction - first * _E16
            groups = (self.fraction_width + 2) // 4
            block = np.empty((n, groups), dtype=np.uint32)
            for g in range(groups):
                divisor = np.int64(10 ** (12 - 4 * g))
                value = rest // divisor
                rest = rest - value * divisor
                # Zeros are blank once nothing but zeros follows (shortest text).
                block[:, g] = _GROUPS[value + _TRAILING_BLANK * (rest == 0)]
            out[:, at + 1:at + self.fraction_width] = block.view(np.uint8).reshape(
                n, groups * 4)[:, :self.fraction_width - 1]
            at += self.fraction_width
        if self.exponent_width:
            rows = np.full(n, _NO_EXPONENT, dtype=np.intp)
            rows[self.scientific] = self.e[self.scientific] + 400
            width = self.exponent_width
            out[:, at:at + width] = _EXPONENT[rows].view(np.uint8).reshape(n, 8)[:, :width]
            at += width
        if at < self.width:
            out[:, at:] = BLANK
        if self.slow.size:
            extra = text_cells(self.slow_texts)
            out[self.slow] = BLANK
            out[self.slow, :extra.shape[1]] = extra

    def matrix(self) -> NDArray:
        out = np.empty((len(self.negative), self.width), dtype=np.uint8)
        self._fill(out)
        return out


def float_cells(values: NDArray) -> Cells:
    """Shortest round-trip text of finite ``float64`` values, spelled as ``repr``.

    :param values: 1-d float array without NaN or infinity
    """
    x = np.ascontiguousarray(values, dtype=np.float64)
    n = x.shape[0]
    ax = np.abs(x)
    fast = (ax >= 1e-6) & (ax < 1e17)
    if fast.all():
        c, e, p, ok = _shortest(ax)
    else:
        # Zeros and values repr will write get a placeholder: "0.0" at exponent 0.
        c = np.zeros(n, dtype=np.int64)
        e = np.zeros(n, dtype=np.int64)
        p = np.ones(n, dtype=np.int64)
        ok = ax == 0.0
        index = np.flatnonzero(fast)
        c[index], e[index], p[index], ok[index] = _shortest(ax[index])
        ax = np.where(fast, ax, 0.0)
    unknown = np.flatnonzero(p == 0)
    if unknown.size:
        p[unknown] = 17 - _trailing_zeros(c[unknown])
    slow = np.flatnonzero(~ok)
    texts: list[bytes] = []
    if slow.size:
        c[slow], e[slow], p[slow], ax[slow] = 0, 0, 1, 0.0
        texts = [repr(v).encode() for v in x[slow].tolist()]
    return _FloatCells(c, e, p, ax, np.signbit(x), slow, texts)


def format_floats(values: NDArray) -> NDArray:
    """Cell matrix of :func:`float_cells`."""
    if len(values) == 0:
        return np.full((0, 1), BLANK, dtype=np.uint8)
    return float_cells(values).matrix()
