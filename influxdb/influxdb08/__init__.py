"""``influxdb.influxdb08``: the legacy InfluxDB 0.8 client, an alias of :mod:`influxdb08`.

The code lives in the top-level :mod:`influxdb08` package.  Each submodule here
(``client``, ``dataframe_client``, ``helper``, ``chunked_json``) *is* the matching
``influxdb08`` module (same object in :data:`sys.modules`), so patching
``influxdb.influxdb08.client.session`` patches the session the client uses.
"""

from __future__ import annotations

from influxdb.influxdb08 import chunked_json, client, dataframe_client, helper
from influxdb08 import DataFrameClient, InfluxDBClient, SeriesHelper

__all__ = ["DataFrameClient", "InfluxDBClient", "SeriesHelper"]

# Referenced so that linters see the submodule imports as intended: they bind the
# aliased modules as attributes of this package, as ``import influxdb.influxdb08``
# did in 5.3.2.
_SUBMODULES = (chunked_json, client, dataframe_client, helper)
