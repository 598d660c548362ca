"""Decoded query answers -> DataFrames, one column at a time.

A series arrives as ``{'name', 'tags'?, 'columns', 'values'}`` with ``values`` a list of
rows.  The rows are transposed once (``zip``, in C) and each column becomes one typed
array: the dtype follows the data (DECISIONS.md), whatever the transport:

* integers -> ``int64``; booleans -> ``bool``; floats, or integers mixed with floats ->
  ``float64`` with NaN for missing cells;
* integers or booleans with missing cells -> the nullable ``Int64`` / ``boolean`` (5.3.2
  gave ``float64`` and ``object``, losing the type);
* text -> what pandas makes of text (``str`` on pandas 3, ``object`` before);
* ``time`` -> a UTC ``DatetimeIndex`` at full nanosecond precision.  Integer times are read
  in the ``epoch`` unit the query asked for (5.3.2 read them as nanoseconds whatever the
  unit); RFC3339 text keeps all nine digits.

A JSON answer writes a float with an integral value (``2.0``) as ``2``: a column of such
floats comes back as ``int64`` over JSON, ``float64`` over msgpack (the client's default).

Imported only once pandas is wanted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from influxdb.resultset import ResultSet

__all__ = ["EPOCH_NANOS", "frames_of_results", "series_frame"]

NDArray = Any
Key = Union[str, tuple[str, tuple[tuple[str, Any], ...]]]

#: ``epoch`` of a query -> nanoseconds per unit of its integer times.
EPOCH_NANOS: dict[Optional[str], int] = {
    None: 1, "n": 1, "ns": 1, "u": 10**3, "us": 10**3, "ms": 10**6, "s": 10**9,
    "m": 60 * 10**9, "h": 3600 * 10**9,
}


def _time_index(column: tuple[Any, ...], unit_nanos: int) -> Any:
    if not column:
        return pd.DatetimeIndex(np.array([], dtype="datetime64[ns]"), tz="UTC")
    if isinstance(column[0], str):
        parsed = pd.to_datetime(pd.Index(column), utc=True, format="ISO8601")
        return parsed.as_unit("ns") if hasattr(parsed, "as_unit") else parsed
    ints = np.array(column, dtype=np.int64)
    if unit_nanos != 1:
        ints = ints * np.int64(unit_nanos)
    return pd.DatetimeIndex(ints.view("datetime64[ns]")).tz_localize("UTC")


def _column(values: tuple[Any, ...]) -> Any:
    """One column of a series as a typed array (see the module docstring)."""
    objects = np.array(values, dtype=object)
    if objects.ndim != 1:  # every cell a list of the same length: keep the objects
        objects = np.empty(len(values), dtype=object)
        objects[:] = list(values)
        return objects
    kind = pd.api.types.infer_dtype(objects, skipna=True)
    if kind in ("floating", "mixed-integer-float"):
        return np.array(values, dtype=np.float64)
    if kind in ("integer", "boolean"):
        holes = pd.isna(objects)
        target = np.int64 if kind == "integer" else np.bool_
        if not holes.any():
            return objects.astype(target)
        return pd.array(objects, dtype="Int64" if kind == "integer" else "boolean")
    return objects  # text, all-missing, or mixed types: pandas decides, as for any frame


def series_frame(series: dict[str, Any], *, unit_nanos: int = 1,
                 index_columns: Optional[list[str]] = None) -> Any:
    """The DataFrame of one series: UTC time index (named ``None``, as 5.3.2), or the
    ``index_columns`` (5.3.1's ``data_frame_index``) when given."""
    names = list(series.get("columns", []))
    rows = series.get("values") or []
    columns = list(zip(*rows)) if rows else [() for _ in names]
    data: dict[str, Any] = {}
    index = None
    for name, values in zip(names, columns):
        if name == "time":
            index = _time_index(values, unit_nanos)
        else:
            data[name] = _column(values)
    if index is None:
        frame = pd.DataFrame(data, columns=[n for n in names if n != "time"])
    elif index_columns:
        data["time"] = index
        frame = pd.DataFrame(data, columns=names)
        return frame.set_index(list(index_columns))
    else:
        frame = pd.DataFrame(data, index=index, columns=[n for n in names if n != "time"])
    return frame


def _key(series: dict[str, Any]) -> Key:
    name = series.get("measurement", series.get("name", "results"))  # as ResultSet names it
    tags = series.get("tags")
    if tags is None:
        return name  # type: ignore[no-any-return]
    return (name, tuple(sorted(tags.items())))


def frames_of_results(results: Iterable[dict[str, Any]], *, raise_errors: bool = True,
                      dropna: bool = True, unit_nanos: int = 1,
                      index_columns: Optional[list[str]] = None) -> dict[Key, Any]:
    """One dict of DataFrames from statement results (one statement, or every statement
    of a chunk): keyed by measurement, or ``(measurement, ((tag, value), ...))`` for a
    series with tags (5.3.2 keys).  Pieces of one series are joined in time order.

    :raises InfluxDBClientError: (a subclass) a statement error, when ``raise_errors``
    """
    pieces: dict[Key, list[Any]] = {}
    for result in results:
        ResultSet(result, raise_errors=raise_errors)  # raises the typed statement error
        for series in result.get("series") or []:
            frame = series_frame(series, unit_nanos=unit_nanos, index_columns=index_columns)
            pieces.setdefault(_key(series), []).append(frame)
    frames: dict[Key, Any] = {}
    for key, parts in pieces.items():
        frame = parts[0] if len(parts) == 1 else pd.concat(parts)
        if not frame.index.is_monotonic_increasing:
            frame = frame.sort_index(kind="stable")
        if dropna:
            frame = frame.dropna(how="all", axis=1)
        frames[key] = frame
    return frames
