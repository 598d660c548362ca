"""InfluxDB 1.x client: a drop-in successor of influxdb-python 5.3.

``__all__`` holds exactly the three names of the 5.3.2 contract.  The additions (the Point
builder, the batching writer, the exception tree...) are importable from here too, and from
their modules.  Names are loaded on first use, so ``import influxdb`` stays cheap and never
imports pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from influxdb._redact import install as _install_log_redaction
from influxdb._version import __version__ as __version__

__all__ = ["DataFrameClient", "InfluxDBClient", "SeriesHelper"]

#: Public name -> defining module.  The one place the package's surface is declared.
_PUBLIC = {
    "InfluxDBClient": "influxdb.client",
    "DataFrameClient": "influxdb.dataframe_client",
    "SeriesHelper": "influxdb.helper",
    "ResultSet": "influxdb.resultset",
    "Point": "influxdb.point",
    "BatchWriter": "influxdb.batching",
    "Session": "influxdb.batching",
    "Retry": "influxdb._core._retry",
    "InfluxDBError": "influxdb.exceptions",
    "InfluxDBClientError": "influxdb.exceptions",
    "InfluxDBServerError": "influxdb.exceptions",
}

# Before any module of the package logs: no log line may carry a credential, whatever
# text from outside it quotes (a server's error body, an exception's message).
_install_log_redaction()

if TYPE_CHECKING:
    from influxdb._core._retry import Retry as Retry
    from influxdb.batching import BatchWriter as BatchWriter
    from influxdb.batching import Session as Session
    from influxdb.client import InfluxDBClient as InfluxDBClient
    from influxdb.dataframe_client import DataFrameClient as DataFrameClient
    from influxdb.exceptions import InfluxDBClientError as InfluxDBClientError
    from influxdb.exceptions import InfluxDBError as InfluxDBError
    from influxdb.exceptions import InfluxDBServerError as InfluxDBServerError
    from influxdb.helper import SeriesHelper as SeriesHelper
    from influxdb.point import Point as Point
    from influxdb.resultset import ResultSet as ResultSet


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'influxdb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


