"""Decoded query answers -> DataFrames, one column at a time.

A series arrives as ``{'name', 'tags'?, 'columns', 'values'}`` with ``values`` a list of
rows.  The rows are transposed once (``zip``, in C) and each column becomes one typed
array: the dtype follows the data (``docs/migration.rst``, "DataFrameClient"), whatever the
transport:

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

__all__ = ["frames_of_results", "series_frame"]

NDArray = Any
Key = Union[str, tuple[str, tuple[tuple[str, Any], ...]]]

try:  # pandas' own row -> 2-d object array transpose (what DataFrame(rows) uses), in C
    from pandas._libs.lib import to_object_array as _to_object_array
except ImportError:  # pragma: no cover - every pandas since 0.x has it
    _to_object_array = None


def _objects(rows: list[Any], width: int) -> NDArray:
    """Rows (lists) as a 2-d object array: the transpose the columns are cut from."""
    if not rows:
        return np.empty((0, width), dtype=object)
    if _to_object_array is not None:
        return _to_object_array(rows, min_width=width)
    table = np.empty((len(rows), width), dtype=object)
    for j in range(width):
        table[:, j] = [row[j] for row in rows]
    return table


def _time_index(column: NDArray, unit_nanos: int) -> Any:
    if len(column) and isinstance(column[0], str):
        parsed = pd.to_datetime(pd.Index(column), utc=True, format="ISO8601")
        return parsed.as_unit("ns") if hasattr(parsed, "as_unit") else parsed
    ints = column.astype(np.int64)
    if unit_nanos != 1:
        ints = ints * np.int64(unit_nanos)
    return pd.DatetimeIndex(ints.view("datetime64[ns]")).tz_localize("UTC")


def _column(objects: NDArray) -> Any:
    """One column of a series (object array) as a typed array (see the module docstring)."""
    kind = pd.api.types.infer_dtype(objects, skipna=True)
    if kind in ("floating", "mixed-integer-float"):
        return objects.astype(np.float64)  # None -> NaN
    if kind in ("integer", "boolean"):
        holes = pd.isna(objects)
        if not holes.any():
            return objects.astype(np.int64 if kind == "integer" else np.bool_)
        return pd.array(objects, dtype="Int64" if kind == "integer" else "boolean")
    # Text, all-missing, or mixed types: pandas decides, as for any frame.
    return np.ascontiguousarray(objects)


def series_frame(series: dict[str, Any], *, unit_nanos: int = 1,
                 index_columns: Optional[list[str]] = None) -> Any:
    """The DataFrame of one series: UTC time index (named ``None``, as 5.3.2), or the
    ``index_columns`` (5.3.1's ``data_frame_index``) when given."""
    names = list(series.get("columns", []))
    table = _objects(series.get("values") or [], len(names))
    data: dict[str, Any] = {}
    index = None
    for position, name in enumerate(names):
        if name == "time":
            index = _time_index(table[:, position], unit_nanos)
        else:
            data[name] = _column(table[:, position])
    fields = [n for n in names if n != "time"]
    if index is None:
        return pd.DataFrame(data, columns=fields)
    if index_columns:
        data["time"] = index
        return pd.DataFrame(data, columns=names).set_index(list(index_columns))
    return pd.DataFrame(data, index=index, columns=fields)


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
