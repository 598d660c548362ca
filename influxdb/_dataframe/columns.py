"""DataFrame columns -> encoders that write any run of rows as cell matrices.

Each field column is read once, whole: its numbers as a numpy array, or its distinct values
encoded once (strings, categories, tags) with a code per row.  Writing a run of rows is then
array slicing, :mod:`influxdb._dataframe.format` and gathers -- no Python per row, except for
object columns holding values of mixed types, which go through the dict-point encoder one
value at a time so that both paths agree.

Everything that cannot be written is found here, before anything is sent, and named by
column and row (unsupported types, integers beyond int64, text line protocol cannot carry).
Infinite floats are missing cells, as NaN is (5.3.2 did the same; docs/migration.rst).
Escaping uses the tables of :mod:`influxdb.line_protocol`, so DataFrame lines and dict-point
lines escape identically.

Imported only once pandas is wanted.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

from influxdb._core import lines as _lp
from influxdb._dataframe.format import ArrayCells, Cells, float_cells, int_cells, text_cells
from influxdb.exceptions import InfluxDBArgumentError, InfluxDBInvalidPointError

__all__ = [
    "Encoder",
    "field_encoder",
    "field_key",
    "is_infinite",
    "measurement_text",
    "round_floats",
    "row_label",
    "tag_key_value",
    "tag_texts",
]

NDArray = Any

_INT64_MAX = 2**63 - 1
_BOOL_TABLE = text_cells([b"False", b"True"])


def row_label(index: Any, row: int) -> str:
    """How an error names a row: its position and its index value."""
    return f"row {row} ({index[row]})"


def round_floats(values: NDArray, numeric_precision: Any) -> NDArray:
    """Apply ``numeric_precision`` (5.3.2): ``None`` and ``'full'`` keep every digit (we
    always write the shortest exact text), an int rounds to that many decimals.

    :raises ValueError: ``'Invalid numeric precision.'`` for anything else (5.3.2 message)
    """
    if numeric_precision is None or numeric_precision == "full":
        return values
    if isinstance(numeric_precision, (int, np.integer)) and not isinstance(
            numeric_precision, bool):
        return np.round(values, int(numeric_precision))
    raise InfluxDBArgumentError("Invalid numeric precision.")


class Encoder:
    """A field column, ready to write any run of rows.

    :ivar suffix: bytes written after each value (``b'i'`` for integers)
    """

    suffix = b""

    def cells(self, start: int, stop: int) -> tuple[Cells, Optional[NDArray]]:
        """Cells for rows ``start:stop`` and which of them are missing (``None``: none)."""
        raise NotImplementedError


class _FloatEncoder(Encoder):
    def __init__(self, values: NDArray, missing: Optional[NDArray]) -> None:
        self.values = values
        self.missing = missing

    def cells(self, start: int, stop: int) -> tuple[Cells, Optional[NDArray]]:
        values = self.values[start:stop]
        missing = None if self.missing is None else self.missing[start:stop]
        if missing is not None and missing.any():
            values = values.copy()
            values[missing] = 0.0
        else:
            missing = None
        return float_cells(values), missing


class _IntEncoder(Encoder):
    suffix = b"i"

    def __init__(self, values: NDArray, missing: Optional[NDArray]) -> None:
        self.values = values
        self.missing = missing

    def cells(self, start: int, stop: int) -> tuple[Cells, Optional[NDArray]]:
        missing = None if self.missing is None else self.missing[start:stop]
        if missing is not None and not missing.any():
            missing = None
        return int_cells(self.values[start:stop]), missing


class _TableEncoder(Encoder):
    """Values written from a table of encoded texts, by code (``-1``: missing)."""

    def __init__(self, codes: NDArray, table: NDArray) -> None:
        self.codes = codes
        self.table = table

    def cells(self, start: int, stop: int) -> tuple[Cells, Optional[NDArray]]:
        codes = self.codes[start:stop]
        missing = codes < 0
        if missing.any():
            return ArrayCells(self.table[np.maximum(codes, 0)]), missing
        return ArrayCells(self.table[codes]), None


# pandas sizes its hash table for as many distinct values as rows unless told otherwise;
# tags and repeated strings have few, and the table grows when they do not.
_SIZE_HINT = 1024


def _factorize(series: Any) -> tuple[NDArray, Any]:
    # Factorizing the plain object array is twice as fast as a pandas 3 "str" Series; other
    # dtypes (numbers, categoricals) go through pandas as they are.
    if isinstance(series.dtype, pd.StringDtype) or series.dtype == object:
        values = series.to_numpy(dtype=object)
        return pd.factorize(values, size_hint=_SIZE_HINT)  # type: ignore[no-any-return]
    return pd.factorize(series, size_hint=_SIZE_HINT)  # type: ignore[no-any-return]


def _fail(column: str, message: str) -> InfluxDBInvalidPointError:
    return InfluxDBInvalidPointError(f"field {column!r}: {message}")


def is_infinite(value: Any) -> bool:
    """Whether one cell is ``inf`` or ``-inf``: a missing value in a DataFrame, as in 5.3.2
    (docs/migration.rst; dict points keep refusing infinities)."""
    return isinstance(value, (float, np.floating)) and bool(np.isinf(value))


def _float_encoder(column: str, values: NDArray, missing: Optional[NDArray], index: Any,
                   numeric_precision: Any) -> Encoder:
    values = round_floats(np.asarray(values), numeric_precision)
    # NaN and +-inf are missing cells (5.3.2 replaced infinities by NaN before writing).
    nan = ~np.isfinite(values)
    if missing is None:
        missing = nan if nan.any() else None
    else:
        missing = missing | nan
    if values.dtype != np.float64:
        # float32/float16: numpy's shortest text for that precision (what 5.3.2 wrote via
        # astype(str)), not the float64 expansion "0.10000000149011612".
        texts = np.where(missing, 0, values).astype(str) if missing is not None else (
            values.astype(str))
        table = text_cells([t.encode() for t in texts.tolist()])
        codes = np.arange(len(values), dtype=np.int64)
        if missing is not None:
            codes[missing] = -1
        return _TableEncoder(codes, table)
    return _FloatEncoder(np.ascontiguousarray(values), missing)


def _int_encoder(column: str, values: NDArray, missing: Optional[NDArray], index: Any) -> Encoder:
    if values.dtype == np.uint64:
        big = values > np.uint64(_INT64_MAX)
        if missing is not None:
            big &= ~missing
        if big.any():
            row = int(np.flatnonzero(big)[0])
            raise _fail(column, f"{row_label(index, row)} is {values[row]}, outside the 64-bit "
                        "signed integer range")
    return _IntEncoder(np.ascontiguousarray(values.astype(np.int64, copy=False)), missing)


def _bool_encoder(values: NDArray, missing: Optional[NDArray]) -> Encoder:
    codes = values.astype(np.int64)
    if missing is not None:
        codes[missing] = -1
    return _TableEncoder(codes, _BOOL_TABLE)


def _string_value(text: str, what: str) -> bytes:
    try:
        encoded = _lp._encode_str(text, _lp._Described(what))
    except _lp._Refused as refused:
        raise InfluxDBInvalidPointError(str(refused)) from None
    assert encoded is not None
    return encoded.encode("utf-8")


def _coded_encoder(column: str, codes: NDArray, uniques: list[Any],
                   encode: Callable[[Any, str], Optional[bytes]]) -> Encoder:
    texts: list[bytes] = []
    codes = np.asarray(codes, dtype=np.int64)
    drop: list[int] = []
    for position, value in enumerate(uniques):
        encoded = encode(value, f"field {column!r} value {value!r}")
        if encoded is None:
            drop.append(position)
            encoded = b""
        texts.append(encoded)
    if drop:
        codes = np.where(np.isin(codes, drop), -1, codes)
    return _TableEncoder(codes, text_cells(texts))


def _python_value(value: Any, what: str) -> Optional[bytes]:
    # One value of an object column, encoded exactly as a dict point's field would be.
    try:
        encoded = _lp._encode_value(value, _lp._Described(what))
    except _lp._Refused as refused:
        raise InfluxDBInvalidPointError(str(refused)) from None
    return None if encoded is None else encoded.encode("utf-8")


def _object_encoder(column: str, series: Any, index: Any) -> Encoder:
    values = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        codes, uniques = pd.factorize(values, size_hint=_SIZE_HINT)
        return _coded_encoder(column, codes, list(uniques),
                              lambda v, what: _string_value(v, what))
    # Mixed or unusual types: each value through the dict-point encoder (slow, but exact:
    # factorize would merge 1, 1.0 and True).
    texts: list[bytes] = []
    codes = np.arange(len(values), dtype=np.int64)
    for row, value in enumerate(values.tolist()):
        if value is None or value is pd.NA or value is pd.NaT or is_infinite(value):
            codes[row] = -1
            texts.append(b"")
            continue
        encoded = _python_value(value, f"field {column!r} {row_label(index, row)}")
        if encoded is None:
            codes[row] = -1
            encoded = b""
        texts.append(encoded)
    return _TableEncoder(codes, text_cells(texts))


def _categorical_encoder(column: str, series: Any, index: Any,
                         numeric_precision: Any) -> Encoder:
    codes = np.asarray(series.cat.codes, dtype=np.int64)
    categories = pd.Series(series.cat.categories)
    inner = field_encoder(column, categories, pd.RangeIndex(len(categories)),
                          numeric_precision)
    inner_cells, missing = inner.cells(0, len(categories))
    table = inner_cells.matrix()
    if inner.suffix:
        suffix = np.frombuffer(inner.suffix, dtype=np.uint8)
        table = np.concatenate([table, np.broadcast_to(suffix, (len(table), len(suffix)))],
                               axis=1)
    if missing is not None:
        codes = np.where(np.isin(codes, np.flatnonzero(missing)), -1, codes)
    return _TableEncoder(codes, table)


def field_encoder(column: str, series: Any, index: Any, numeric_precision: Any) -> Encoder:
    """The encoder for one field column.

    :param column: the column's name (for messages)
    :param series: the column
    :param index: the frame's index (for messages)
    :param numeric_precision: see :func:`round_floats`
    :raises InfluxDBInvalidPointError: integers beyond int64, unsupported
        dtypes, text that cannot be written -- naming the column and row
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical_encoder(column, series, index, numeric_precision)
    if isinstance(dtype, pd.StringDtype):
        codes, uniques = _factorize(series)
        return _coded_encoder(column, codes, list(uniques),
                              lambda v, what: _string_value(v, what))
    kind = getattr(dtype, "kind", "O")
    if isinstance(dtype, np.dtype):
        values, missing = series.to_numpy(), None
    elif kind in "biuf":
        # Nullable (Int64, boolean, Float64) and Arrow-backed numbers: values plus a mask.
        missing = np.asarray(series.isna().to_numpy(), dtype=bool)
        fill = {"b": False, "f": np.nan}.get(kind, 0)
        target = {"b": bool, "f": np.float64, "i": np.int64, "u": np.uint64}[kind]
        values = series.to_numpy(dtype=target, na_value=fill)
        if not missing.any():
            missing = None
    else:
        values, missing = None, None
    if kind == "f" and values is not None:
        return _float_encoder(column, values, missing, index, numeric_precision)
    if kind in "iu" and values is not None:
        return _int_encoder(column, values, missing, index)
    if kind == "b" and values is not None:
        return _bool_encoder(values, missing)
    if kind == "O" and isinstance(dtype, np.dtype):
        return _object_encoder(column, series, index)
    raise _fail(column, f"unsupported dtype {dtype} (use numbers, booleans or strings; "
                "convert times and durations to numbers first)")


def _tag_value_text(value: Any, numeric_precision: Any) -> Optional[str]:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        if value != value:
            return None
        return repr(float(round_floats(np.float64(value), numeric_precision)))
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def tag_texts(column: str, series: Any, numeric_precision: Any) -> tuple[NDArray, list[str]]:
    """Codes per row and the escaped ``key=value`` text of each distinct tag value.

    Missing and empty values get code ``-1`` (the tag is left out, as in 5.3.2).

    :raises InfluxDBInvalidPointError: text line protocol cannot carry in a tag
    """
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) != "string":
        series = series.map(lambda v: _tag_value_text(v, numeric_precision), na_action=None)
    codes, uniques = _factorize(series)
    codes = np.asarray(codes, dtype=np.int64)
    key = _escaped_tag(column, f"tag key {column!r}")
    texts: list[str] = []
    empty: list[int] = []
    for position, value in enumerate(list(uniques)):
        text = _tag_value_text(value, numeric_precision)
        if not text:
            empty.append(position)
            texts.append("")
            continue
        texts.append(f"{key}={_escaped_tag(text, f'tag {column!r} value {text!r}')}")
    if empty:
        codes = np.where(np.isin(codes, empty), -1, codes)
    return codes, texts


def _escaped_tag(text: str, what: str) -> str:
    if not text:
        raise InfluxDBInvalidPointError(f"{what} is empty")
    if text == "time":
        raise InfluxDBInvalidPointError(f"{what} is refused by InfluxDB ('time' names the "
                                        "timestamp)")
    try:
        return _lp._tag_text(text, what)
    except _lp._Refused as refused:
        raise InfluxDBInvalidPointError(str(refused)) from None


def field_key(column: str) -> bytes:
    """``key=`` for a field column, escaped as line protocol asks."""
    if not column:
        raise InfluxDBInvalidPointError("a field column has an empty name")
    try:
        return (_lp._field_key_text(column, f"field {column!r}") + "=").encode("utf-8")
    except _lp._Refused as refused:
        raise InfluxDBInvalidPointError(str(refused)) from None


def tag_key_value(key: str, value: Any, numeric_precision: Any) -> Optional[str]:
    """``key=value`` of a global tag (``None`` when its value is missing or empty)."""
    text = _tag_value_text(value, numeric_precision)
    if not text:
        return None
    return (f"{_escaped_tag(key, f'tag key {key!r}')}="
            f"{_escaped_tag(text, f'tag {key!r} value {text!r}')}")


def measurement_text(measurement: Any) -> str:
    """The escaped measurement."""
    try:
        return _lp._measurement_text(measurement)
    except _lp._Refused as refused:
        raise InfluxDBInvalidPointError(str(refused)) from None

