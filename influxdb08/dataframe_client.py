"""DataFrame client for InfluxDB 0.8: pandas DataFrames in, pandas DataFrames out.

pandas is imported when a :class:`DataFrameClient` is created, so ``import influxdb08``
works without it.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from influxdb08._util import check_precision
from influxdb08.client import InfluxDBClient

__all__ = ["DataFrameClient"]

# pandas unit of each 0.8 time precision ("m" is milliseconds in 0.8).
_PANDAS_UNITS = {"s": "s", "m": "ms", "ms": "ms", "u": "us"}
_SECONDS_FACTOR = {"s": 1, "m": 1000, "ms": 1000, "u": 1000000}


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as ex:
        raise ImportError(f'DataFrameClient requires Pandas, "{ex}" problem importing') from ex
    return pandas


class DataFrameClient(InfluxDBClient):
    """An :class:`~influxdb08.InfluxDBClient` that writes and queries DataFrames.

    Usage::

        client = DataFrameClient(host="localhost", port=8086, database="example")
        client.write_points({"cpu": frame_with_datetime_index})
        frame = client.query("select * from cpu")

    .. warning:: the first positional argument is ``ignore_nan`` (5.3.2 contract), so pass
       the connection settings by keyword: ``DataFrameClient(host='h', port=8086)``.

    :param ignore_nan: write ``NaN`` cells as ``null`` (the 0.8 way to leave a value out)
    :param args: positional arguments of :class:`~influxdb08.InfluxDBClient`
    :param kwargs: keyword arguments of :class:`~influxdb08.InfluxDBClient`
    :raises ImportError: when pandas cannot be imported
    """

    def __init__(self, ignore_nan: bool = True, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pd = _pandas()
        self.EPOCH = pd.Timestamp("1970-01-01 00:00:00.000+00:00")
        self.ignore_nan = ignore_nan

    def write_points(self, data: Any, *args: Any, **kwargs: Any) -> bool:
        """Write ``{series_name: DataFrame}``; each frame's index gives the ``time`` column.

        :param data: a dict of DataFrames with a ``DatetimeIndex`` or ``PeriodIndex``
            (naive indexes are taken as UTC)
        :param args: ``time_precision`` may be given positionally, as for the base method
        :param kwargs: ``time_precision`` (``'s'``, ``'m'``, ``'ms'``, ``'u'``; default
            ``'s'``) and ``batch_size`` (rows per request)
        :returns: ``True``
        :raises TypeError: when a value is not a DataFrame with a datetime index
        """
        time_precision = args[0] if args else kwargs.get("time_precision", "s")
        batch_size = kwargs.pop("batch_size", None)
        if batch_size:
            for key, frame in data.items():
                batches = int(math.ceil(len(frame) / float(batch_size)))
                for number in range(batches):
                    part = frame.iloc[number * batch_size : (number + 1) * batch_size]
                    body = [self._convert_dataframe_to_json(part, key, time_precision)]
                    InfluxDBClient.write_points(self, body, *args, **kwargs)
            return True
        body = [
            self._convert_dataframe_to_json(frame, key, time_precision)
            for key, frame in data.items()
        ]
        return InfluxDBClient.write_points(self, body, *args, **kwargs)

    def write_points_with_precision(self, data: Any, time_precision: str = "s") -> bool:
        """Deprecated: :meth:`write_points` takes ``time_precision`` (``FutureWarning``).

        :param data: a dict of DataFrames
        :param time_precision: unit of the ``time`` column (5.3.2 ignored it and used ``'s'``)
        :returns: ``True``
        """
        warnings.warn(
            "write_points_with_precision is deprecated, and will be removed "
            "in future versions. Please use "
            "``DataFrameClient.write_points(time_precision='..')`` instead.",
            FutureWarning,
            stacklevel=2,
        )
        return self.write_points(data, time_precision=time_precision)

    def query(self, query: str, time_precision: str = "s", chunked: bool = False) -> Any:
        """Run a query and return its series as DataFrames.

        :param query: the 0.8 query text
        :param time_precision: unit asked of the server; the index is built from it
        :param chunked: ask for a chunked answer (the chunks of a series are joined)
        :returns: the empty list when no series came back, one DataFrame for one series,
            else ``{series_name: DataFrame}``.  Frames are sorted by time (then
            ``sequence_number``) with a UTC ``DatetimeIndex``; the ``time`` column is
            removed.
        """
        result = InfluxDBClient.query(
            self, query=query, time_precision=time_precision, chunked=chunked
        )
        if len(result) == 0:
            return result
        # Chunked answers carry one series in several objects; join them by name.
        by_name: dict[str, list[dict[str, Any]]] = {}
        for series in result:
            by_name.setdefault(series["name"], []).append(series)
        frames = {
            name: self._series_to_dataframe(parts, time_precision)
            for name, parts in by_name.items()
        }
        if len(frames) == 1:
            return next(iter(frames.values()))
        return frames

    def _series_to_dataframe(self, parts: list[dict[str, Any]], time_precision: str) -> Any:
        if len(parts) == 1:
            return self._to_dataframe(parts[0], time_precision)
        pd = _pandas()
        joined = pd.concat(
            [pd.DataFrame(data=part["points"], columns=part["columns"]) for part in parts],
            ignore_index=True,
        )
        return self._frame_by_time(joined, time_precision)

    @staticmethod
    def _to_dataframe(json_result: dict[str, Any], time_precision: str) -> Any:
        """One 0.8 series (``{"name", "columns", "points"}``) as a DataFrame."""
        pd = _pandas()
        frame = pd.DataFrame(data=json_result["points"], columns=json_result["columns"])
        return DataFrameClient._frame_by_time(frame, time_precision)

    @staticmethod
    def _frame_by_time(frame: Any, time_precision: str) -> Any:
        pd = _pandas()
        keys = ["time", "sequence_number"] if "sequence_number" in frame.columns else ["time"]
        frame = frame.sort_values(keys, kind="mergesort")
        unit = _PANDAS_UNITS[check_precision(time_precision)]
        frame.index = pd.to_datetime(list(frame["time"]), unit=unit, utc=True)
        return frame.drop(columns="time")

    def _convert_dataframe_to_json(
        self, dataframe: Any, name: str, time_precision: str = "s"
    ) -> dict[str, Any]:
        """One DataFrame as a 0.8 series, ``time`` in ``time_precision`` units.

        The caller's frame is not modified (5.3.2 replaced its index and added a
        ``time`` column).
        """
        pd = _pandas()
        if not isinstance(dataframe, pd.DataFrame):
            raise TypeError(f"Must be DataFrame, but type was: {type(dataframe)}.")
        index = dataframe.index
        if isinstance(index, pd.PeriodIndex):
            index = index.to_timestamp()
        elif not isinstance(index, pd.DatetimeIndex):
            raise TypeError("Must be DataFrame with DatetimeIndex or PeriodIndex.")
        if index.tz is None:
            index = index.tz_localize("UTC")
        # Integer arithmetic on the index: exact for every index resolution, where
        # 5.3.2's float seconds lost microseconds.  Floors, as the server truncates.
        step = pd.Timedelta(1, unit=_PANDAS_UNITS[check_precision(time_precision)])
        times = ((index - self.EPOCH) // step).tolist()
        columns = [str(column) for column in dataframe.columns]
        points = [
            [self._native(value) for value in row]
            for row in dataframe.itertuples(index=False, name=None)
        ]
        if "time" in columns:
            position = columns.index("time")
            for point, moment in zip(points, times):
                point[position] = moment
        else:
            columns.append("time")
            for point, moment in zip(points, times):
                point.append(moment)
        return {"name": name, "columns": columns, "points": points}

    def _native(self, value: Any) -> Any:
        """A cell as a JSON-ready Python value; missing values are ``None`` if ignore_nan."""
        if type(value).__module__ == "numpy" and hasattr(value, "item"):
            value = value.item()  # np.int64 is not JSON-serialisable; np.float64 is a float
        if not self.ignore_nan:
            return value
        if isinstance(value, float) and math.isnan(value):
            return None
        pd = _pandas()
        if value is pd.NA or value is pd.NaT:
            return None
        return value

    def _datetime_to_epoch(self, datetime: Any, time_precision: str = "s") -> float:
        """``datetime`` as seconds (``'s'``), milliseconds (``'m'``, ``'ms'``) or
        microseconds (``'u'``) since the epoch, as a float (kept from 5.3.2)."""
        seconds: float = (datetime - self.EPOCH).total_seconds()
        return seconds * _SECONDS_FACTOR[check_precision(time_precision)]
