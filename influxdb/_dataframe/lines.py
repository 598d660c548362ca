"""DataFrame -> line-protocol bodies, column-wise (no Python loop per row).

A :class:`LinePlan` reads the frame once: it checks everything that could make a line
unwritable (so a bad frame fails before the first request), encodes each distinct series
key (measurement plus tag set) once, and keeps one encoder per field column.  Bodies are
then built a run of rows at a time: every piece of every line is written into a
``(rows, width)`` byte matrix, column block by column block, and the blank padding is
removed in one pass.  Memory follows the run, not the frame.

Line layout (line-protocol reference)::

    measurement[,tag=value...] field=value[,field=value...] timestamp\\n

* tags are sorted by key, as InfluxDB recommends and as dict points are written; fields
  keep the frame's column order (5.3.2);
* a missing cell (NaN, None, ``pd.NA``) leaves its field out; a row with no field left is
  not written (5.3.2 wrote ``meas,tag=x  <ts>``, which the server refuses);
* the client's ``default_tags``, then tag columns, then the ``tags`` argument: a later one
  wins for the same key (the ``tags`` argument overwrote tag columns in 5.3.2 too), and
  each key is written once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

import numpy as np
import pandas as pd

from influxdb import _accel
from influxdb._core.times import MAX_NANOS, MIN_NANOS, NANOS_PER, NUMPY_UNIT_NANOS
from influxdb._dataframe.columns import (
    Encoder,
    field_encoder,
    field_key,
    measurement_text,
    row_label,
    tag_key_value,
    tag_texts,
)
from influxdb._dataframe.format import BLANK, int_cells, text_cells
from influxdb.exceptions import InfluxDBArgumentTypeError, InfluxDBInvalidPointError

__all__ = ["CHUNK_ROWS", "LinePlan", "check_frame", "frame_nanos"]


def _without_byte_py(flat: Any, byte: int) -> Any:
    """The items of the flat block ``flat`` other than ``byte``: np.compress (about twice as
    fast as boolean indexing on blocks of this size)."""
    return np.compress(flat != byte, flat)


# One pass removes every blank: in C when the extension is built (half the time of numpy).
# Parts are joined through the buffer protocol: a uint8 array is not copied to bytes first.
_without_byte = _accel.pick("without_byte", _without_byte_py)

NDArray = Any

#: Rows formatted together (numpy calls are made per run: longer runs, less overhead).
CHUNK_ROWS = 16384
#: Rows of line matrix assembled and compacted together (small enough to stay in cache).
BLOCK_ROWS = 2048
#: Threads building the runs of one body: numpy releases the GIL in its loops, so a second
#: core nearly halves the time of a large body.
WORKERS = min(2, os.cpu_count() or 1)

_SPACE, _COMMA = 32, 44


def check_frame(frame: Any) -> None:
    """The 5.3.2 checks, with its ``TypeError`` messages."""
    if not isinstance(frame, pd.DataFrame):
        raise InfluxDBArgumentTypeError(f"Must be DataFrame, but type was: {type(frame)}.")
    if not isinstance(frame.index, (pd.DatetimeIndex, pd.PeriodIndex)):
        raise InfluxDBArgumentTypeError("Must be DataFrame with DatetimeIndex or PeriodIndex.")


def frame_nanos(index: Any) -> NDArray:
    """Exact int64 nanoseconds since the epoch of a ``DatetimeIndex`` or ``PeriodIndex``,
    whatever its resolution (pandas 2+ indexes may hold s, ms or us) and time zone (naive
    means UTC; a period stands for its start).

    :raises InfluxDBInvalidPointError: ``NaT``, or a time InfluxDB cannot store
    """
    times = _period_starts(index) if isinstance(index, pd.PeriodIndex) else index
    if times.tz is not None:
        times = times.tz_convert(None)  # the UTC instants, naive
    values = times.to_numpy()  # datetime64 in the index's own unit
    if len(values) and np.isnat(values).any():
        row = int(np.flatnonzero(np.isnat(values))[0])
        raise InfluxDBInvalidPointError(f"{row_label(index, row)}: the time is NaT")
    unit, count = np.datetime_data(values.dtype)
    per_unit, divisor = NUMPY_UNIT_NANOS[unit]  # an index holds s, ms, us or ns: divisor 1
    factor = per_unit * count // divisor
    ints = values.view(np.int64)
    if len(ints) and factor != 1:
        low, high = int(ints.min()), int(ints.max())
        if low * factor < MIN_NANOS or high * factor > MAX_NANOS:
            row = int(np.argmin(ints) if low * factor < MIN_NANOS else np.argmax(ints))
            raise InfluxDBInvalidPointError(
                f"{row_label(index, row)}: the time is outside the range InfluxDB can store")
        ints = ints * np.int64(factor)
    elif len(ints) and (int(ints.min()) < MIN_NANOS or int(ints.max()) > MAX_NANOS):
        row = int(np.argmin(ints) if int(ints.min()) < MIN_NANOS else np.argmax(ints))
        raise InfluxDBInvalidPointError(
            f"{row_label(index, row)}: the time is outside the range InfluxDB can store")
    return ints


def _period_starts(index: Any) -> Any:
    """The start of each period of a ``PeriodIndex``.

    pandas 2 gives the starts in nanoseconds, which cannot hold a time before 1677 or after
    2262, and raises its own ``OutOfBoundsDatetime`` (pandas 3 picks a wider unit, and
    :func:`frame_nanos` refuses the row): the row is named here as it is there.
    """
    try:
        return index.to_timestamp()
    except (OverflowError, ValueError):
        for row, period in enumerate(index):
            if period is pd.NaT:
                continue
            try:
                period.to_timestamp()
            except (OverflowError, ValueError):
                raise InfluxDBInvalidPointError(
                    f"{row_label(index, row)}: the time is outside the range InfluxDB can "
                    "store") from None
        raise


def _select_columns(names: list[str], tag_columns: Optional[list[Any]],
                    field_columns: Optional[list[Any]]) -> tuple[list[str], list[str]]:
    tags = [str(c) for c in (tag_columns or [])]
    fields = [str(c) for c in (field_columns or [])]
    for name in tags + fields:
        if name not in names:
            raise InfluxDBInvalidPointError(f"column {name!r} is not in the DataFrame")
    both = set(tags) & set(fields)
    if both:
        raise InfluxDBInvalidPointError(
            f"column {sorted(both)[0]!r} is named both as a tag and as a field")
    # 5.3.2: only field_columns given -> every other column is a tag; otherwise every
    # column that is not a tag is a field.
    if fields and not tags:
        tags = [n for n in names if n not in fields]
    if not fields:
        fields = [n for n in names if n not in tags]
    return tags, fields


def _combine(codes: list[NDArray], sizes: list[int], rows: int) -> tuple[NDArray, NDArray]:
    """Factorize rows by several code columns: a code per row, and per distinct row the
    code of each column (``-1``: missing)."""
    if not codes:
        return np.zeros(rows, dtype=np.int64), np.zeros((1, 0), dtype=np.int64)
    if len(codes) == 1:  # already one code per distinct value; -1 (missing) becomes 0
        return codes[0] + 1, np.arange(-1, sizes[0], dtype=np.int64)[:, None]
    combined = codes[0] + 1
    table = np.arange(sizes[0] + 1, dtype=np.int64)[:, None] - 1
    for column_codes, size in zip(codes[1:], sizes[1:]):
        key = combined * (size + 1) + (column_codes + 1)
        combined, uniques = pd.factorize(key, size_hint=1024)
        uniques = np.asarray(uniques, dtype=np.int64)
        previous, mine = uniques // (size + 1), uniques % (size + 1) - 1
        table = np.concatenate([table[previous], mine[:, None]], axis=1)
    # The last factorize numbered the distinct rows densely, in table order.
    return np.asarray(combined, dtype=np.int64), table


class LinePlan:
    """A frame checked and encoded, ready to be written in runs of rows.

    :param frame: the DataFrame (never modified)
    :param measurement: the measurement
    :param tags: tags for every line (win over tag columns of the same name)
    :param tag_columns: columns written as tags
    :param field_columns: columns written as fields
    :param precision: ``None`` or a normalized precision (``'n'``, ``'u'``...)
    :param numeric_precision: ``None``/``'full'`` (exact), or decimals to round floats to
    :param default_tags: the client's default tags (lose to everything else)
    :raises TypeError: not a DataFrame, or not a time index (5.3.2 messages)
    :raises InfluxDBInvalidPointError: anything that cannot be written, naming column/row
    """

    def __init__(self, frame: Any, measurement: Any, *, tags: Optional[dict[str, Any]] = None,
                 tag_columns: Optional[list[Any]] = None,
                 field_columns: Optional[list[Any]] = None, precision: Optional[str] = None,
                 numeric_precision: Any = None,
                 default_tags: Optional[dict[str, Any]] = None) -> None:
        check_frame(frame)
        self.rows = len(frame)
        names = [str(c) for c in frame.columns]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise InfluxDBInvalidPointError(f"the DataFrame has duplicate columns {twice}")
        by_name = dict(zip(names, range(len(names))))
        tag_names, field_names = _select_columns(names, tag_columns, field_columns)
        fixed = dict(default_tags or {})
        for key in tags or {}:
            fixed.pop(key, None)
        overridden = set(tags or {})
        tag_names = [n for n in tag_names if n not in overridden]
        self._prefix_codes, self._prefix_table = self._series_keys(
            frame, measurement, by_name, tag_names, fixed, dict(tags or {}), numeric_precision)
        self._fields: list[tuple[bytes, Encoder]] = []
        for position, name in enumerate(field_names):
            separator = b"," if position else b" "
            column = frame.iloc[:, by_name[name]]
            self._fields.append((separator + field_key(name),
                                 field_encoder(name, column, frame.index, numeric_precision)))
        if not self._fields and self.rows:
            raise InfluxDBInvalidPointError(
                "no field column: a point needs at least one field (every column is a tag)")
        nanos = frame_nanos(frame.index)
        step = NANOS_PER[precision or "n"]
        self._times = nanos // np.int64(step) if step != 1 else nanos
        self._index = frame.index

    def _series_keys(self, frame: Any, measurement: Any, by_name: dict[str, int],
                     tag_names: list[str], defaults: dict[str, Any], tags: dict[str, Any],
                     numeric_precision: Any) -> tuple[NDArray, NDArray]:
        if measurement is None or (isinstance(measurement, str) and not measurement):
            raise InfluxDBInvalidPointError("the measurement is missing or empty")
        head = measurement_text(measurement)
        codes: list[NDArray] = []
        texts: list[list[str]] = []
        for name in tag_names:
            column_codes, column_texts = tag_texts(name, frame.iloc[:, by_name[name]],
                                                   numeric_precision)
            codes.append(column_codes)
            texts.append(column_texts)
        row_codes, combos = _combine(codes, [len(t) for t in texts], self.rows)
        constant: dict[str, Optional[str]] = {}
        for key, value in list(defaults.items()) + list(tags.items()):
            constant[str(key)] = tag_key_value(str(key), value, numeric_precision)
        keys: list[bytes] = []
        for combo in combos.tolist():
            pairs = dict(constant)
            for name, code, column_texts in zip(tag_names, combo, texts):
                if code >= 0:
                    pairs[name] = column_texts[code]
                elif name not in pairs:
                    pairs[name] = None
                # A missing column value lets a default tag of the same key through.
            parts = [head] + [f",{pairs[k]}" for k in sorted(pairs) if pairs[k]]
            keys.append("".join(parts).encode("utf-8"))
        return row_codes, text_cells(keys)

    # -- writing -------------------------------------------------------------------------
    def _blocks(self, start: int, stop: int) -> Iterator[NDArray]:
        """The lines of rows ``start:stop`` as byte matrices of at most :data:`BLOCK_ROWS`
        rows (blank-padded; a line without fields is all blank).

        Every value is formatted for the whole run first, each column into its own small
        contiguous block; the line matrix is then filled a few rows at a time, so that the
        rows being assembled, mended and compacted stay in cache.
        """
        n = stop - start
        prefix_width = self._prefix_table.shape[1]
        template = [np.full(prefix_width, BLANK, dtype=np.uint8)]
        pieces: list[tuple[int, NDArray]] = []  # (column, cells)
        holes: list[tuple[int, int, int, NDArray]] = []  # (field, begin, end, missing)
        separators: list[int] = []
        at = prefix_width
        for field, (key, encoder) in enumerate(self._fields):
            cells, missing = encoder.cells(start, stop)
            begin = at
            separators.append(at)
            template.append(np.frombuffer(key, dtype=np.uint8))
            at += len(key)
            pieces.append((at, cells.matrix()))
            template.append(np.full(cells.width, BLANK, dtype=np.uint8))
            at += cells.width
            if encoder.suffix:
                template.append(np.frombuffer(encoder.suffix, dtype=np.uint8))
                at += len(encoder.suffix)
            if missing is not None:
                holes.append((field, begin, at, missing))
        times = int_cells(self._times[start:stop]).matrix()
        template.append(np.array([_SPACE], dtype=np.uint8))
        pieces.append((at + 1, times))
        template.append(np.full(times.shape[1], BLANK, dtype=np.uint8))
        template.append(np.array([10], dtype=np.uint8))  # '\n'
        row = np.concatenate(template)
        moved: Optional[tuple[NDArray, NDArray]] = None
        empty: Optional[NDArray] = None
        if holes:
            # The first field written on a line follows a space, not a comma; a line
            # without any field is not written at all.
            present = np.ones((n, len(separators)), dtype=bool)
            for field, _, _, missing in holes:
                present[:, field] = ~missing
            first = np.argmax(present, axis=1)
            late = np.flatnonzero(first > 0)
            moved = (late, np.asarray(separators)[first[late]])
            nothing = ~present.any(axis=1)
            empty = nothing if nothing.any() else None
        codes = self._prefix_codes[start:stop]
        block = np.empty((min(BLOCK_ROWS, n), row.shape[0]), dtype=np.uint8)
        for low in range(0, n, BLOCK_ROWS):
            high = min(low + BLOCK_ROWS, n)
            matrix = block[:high - low]
            matrix[:] = row
            np.take(self._prefix_table, codes[low:high], axis=0, out=matrix[:, :prefix_width])
            for column, cells in pieces:
                matrix[:, column:column + cells.shape[1]] = cells[low:high]
            for _, begin, end, missing in holes:
                matrix[missing[low:high], begin:end] = BLANK
            if moved is not None:
                rows, columns = moved
                pick = (rows >= low) & (rows < high)
                matrix[rows[pick] - low, columns[pick]] = _SPACE
            if empty is not None:
                matrix[empty[low:high]] = BLANK
            yield matrix

    def _run(self, start: int, stop: int) -> list[Any]:
        parts: list[Any] = []
        for matrix in self._blocks(start, stop):
            parts.append(_without_byte(matrix.ravel(), BLANK))
        return parts

    def body(self, start: int = 0, stop: Optional[int] = None) -> bytes:
        """The line-protocol body of rows ``start:stop`` (UTF-8; ``b''`` when empty)."""
        stop = self.rows if stop is None else min(stop, self.rows)
        starts = range(start, stop, CHUNK_ROWS)
        if len(starts) > 1 and WORKERS > 1:
            with ThreadPoolExecutor(WORKERS, thread_name_prefix="influxdb-lines") as pool:
                runs = list(pool.map(lambda b: self._run(b, min(b + CHUNK_ROWS, stop)),
                                     starts))
        else:
            runs = [self._run(b, min(b + CHUNK_ROWS, stop)) for b in starts]
        return b"".join(part for parts in runs for part in parts)  # the one copy

    def bodies(self, batch_size: Optional[int]) -> Iterator[bytes]:
        """One body per ``batch_size`` rows (all rows when falsy), built as consumed."""
        size = batch_size if batch_size and batch_size > 0 else max(self.rows, 1)
        for start in range(0, self.rows, size):
            body = self.body(start, start + size)
            if body:
                yield body

    def lines(self, start: int = 0, stop: Optional[int] = None) -> list[str]:
        """The lines of rows ``start:stop`` as strings without ``\\n`` (5.3.2's
        ``_convert_dataframe_to_lines`` shape); string fields may hold raw newlines, so lines
        are cut by length, not by splitting."""
        stop = self.rows if stop is None else min(stop, self.rows)
        out: list[str] = []
        blocks = (matrix for begin in range(start, stop, CHUNK_ROWS)
                  for matrix in self._blocks(begin, min(begin + CHUNK_ROWS, stop)))
        for matrix in blocks:
            kept = matrix != BLANK
            lengths = kept.sum(axis=1)
            data = matrix[kept].tobytes()
            ends = np.cumsum(lengths).tolist()
            begin_at = 0
            for end in ends:
                if end > begin_at:
                    out.append(data[begin_at:end - 1].decode("utf-8"))
                begin_at = end
        return out
