"""5.3.2 kept the implementation of ``DataFrameClient`` here; the module path still works.

Importing it does not import pandas (see :mod:`influxdb.dataframe_client`).
"""

from __future__ import annotations

from influxdb.dataframe_client import DataFrameClient

__all__ = ["DataFrameClient"]
