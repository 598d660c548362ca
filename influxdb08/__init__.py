"""The legacy client for InfluxDB 0.8 (also importable as ``influxdb.influxdb08``).

``InfluxDBClient`` speaks the 0.8 HTTP API (series as ``{"name", "columns", "points"}``,
``u``/``p`` query authentication); ``DataFrameClient`` writes and reads pandas DataFrames
through it (pandas is imported when a ``DataFrameClient`` is created, not here);
``SeriesHelper`` buffers points per series and writes them in bulk.
"""

from __future__ import annotations

from influxdb08.client import InfluxDBClient
from influxdb08.dataframe_client import DataFrameClient
from influxdb08.helper import SeriesHelper

__all__ = ["DataFrameClient", "InfluxDBClient", "SeriesHelper"]
