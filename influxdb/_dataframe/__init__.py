"""The DataFrame layer (the one package that imports pandas and numpy when imported), and
its entry points, used by :mod:`influxdb.dataframe_client`.

* :class:`~influxdb._dataframe.lines.LinePlan` -- DataFrame -> line-protocol bodies
  (vectorised; columns read by :mod:`influxdb._dataframe.columns`, integers, floats and
  text formatted by :mod:`influxdb._dataframe.format`);
* :func:`frame_points` -- DataFrame -> point dicts (``protocol='json'`` and 5.3.2's
  ``_convert_dataframe_to_json``);
* :func:`frame_strings` -- 5.3.2's ``_stringify_dataframe``;
* :func:`~influxdb._dataframe.read.frames_of_results` -- answers -> DataFrames.

Batches are sent by :func:`influxdb._write_batches.send_batches` (the next body is built
while the current one is being sent).

Imported only once pandas is wanted: everything here may import pandas and numpy.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from influxdb._core.times import NANOS_PER
from influxdb._dataframe.columns import field_encoder, is_infinite, round_floats, tag_texts
from influxdb._dataframe.format import BLANK
from influxdb._dataframe.lines import LinePlan, check_frame, frame_nanos
from influxdb._dataframe.read import frames_of_results, series_frame
from influxdb.exceptions import InfluxDBInvalidPointError

__all__ = [
    "LinePlan",
    "frame_points",
    "frame_strings",
    "frames_of_results",
    "series_frame",
]


def _python_values(name: str, series: Any, index: Any) -> list[Any]:
    """A field column as Python values (``None`` where missing or infinite), checked like
    the line path checks it (unsupported dtypes)."""
    field_encoder(name, series, index, None)  # raises for what cannot be written
    values = series.astype(object).where(series.notna(), None).tolist()
    return [None if v is None or is_infinite(v) else _plain(v) for v in values]


def _plain(value: Any) -> Any:
    # numpy scalars -> Python scalars, so the dict-point encoder sees the right type.
    if isinstance(value, np.generic):
        return value.item()
    return value


def frame_points(frame: Any, measurement: str, *, tags: Optional[dict[str, Any]] = None,
                 tag_columns: Optional[list[Any]] = None,
                 field_columns: Optional[list[Any]] = None,
                 precision: Optional[str] = None) -> list[dict[str, Any]]:
    """Point dicts of a frame (5.3.2's ``_convert_dataframe_to_json`` shape, fixed).

    ``time`` is an int in ``precision``, exact (5.3.2 divided floats); missing cells are
    left out of ``fields``; rows without fields are left out; ``tags`` are merged into
    every point's tags (global wins, as in 5.3.2) and never dropped.

    :raises TypeError: not a DataFrame or not a time index (5.3.2 messages)
    :raises InfluxDBInvalidPointError: unsupported dtypes (naming column/row)
    """
    check_frame(frame)
    names = [str(c) for c in frame.columns]
    tag_names = [str(c) for c in (tag_columns or [])]
    field_names = [str(c) for c in (field_columns or [])] or [
        n for n in names if n not in tag_names]
    by_name = dict(zip(names, range(len(names))))
    for name in tag_names + field_names:
        if name not in by_name:
            raise InfluxDBInvalidPointError(f"column {name!r} is not in the DataFrame")
    nanos = frame_nanos(frame.index)
    step = NANOS_PER[precision or "n"]
    times = (nanos // np.int64(step)).tolist()
    fields = [(n, _python_values(n, frame.iloc[:, by_name[n]], frame.index))
              for n in field_names]
    tag_values = []
    for name in tag_names:
        column = frame.iloc[:, by_name[name]]
        tag_values.append((name, column.astype(object).where(column.notna(), None).tolist()))
    extra = dict(tags or {})
    points: list[dict[str, Any]] = []
    for row, time in enumerate(times):
        row_fields = {n: values[row] for n, values in fields if values[row] is not None}
        if not row_fields:
            continue
        point: dict[str, Any] = {"measurement": measurement, "fields": row_fields, "time": time}
        if tag_names or extra:
            row_tags = {n: values[row] for n, values in tag_values if values[row] is not None}
            row_tags.update(extra)
            point["tags"] = row_tags
        points.append(point)
    return points


def frame_strings(frame: Any, numeric_precision: Any, datatype: str = "field") -> Any:
    """5.3.2's ``_stringify_dataframe``: each cell as line protocol writes it (fields:
    ``1i``, ``1.5``, ``"text"``; tags: the escaped value); missing cells are ``''``."""
    round_floats(np.float64(0.0), numeric_precision)  # the 5.3.2 ValueError, if any
    out: dict[str, list[str]] = {}
    for position, name in enumerate(str(c) for c in frame.columns):
        column = frame.iloc[:, position]
        if datatype == "tag":
            codes, texts = tag_texts(name, column, numeric_precision)
            values = [texts[c].split("=", 1)[1] if c >= 0 else "" for c in codes.tolist()]
        else:
            encoder = field_encoder(name, column, frame.index, numeric_precision)
            cells, missing = encoder.cells(0, len(frame))
            matrix = cells.matrix()
            values = []
            for row, cell in enumerate(matrix):
                if missing is not None and missing[row]:
                    values.append("")
                else:
                    text = bytes(cell[cell != BLANK]).decode("utf-8")
                    values.append(text + encoder.suffix.decode())
        out[name] = values
    return pd.DataFrame(out, index=frame.index, columns=[str(c) for c in frame.columns])
