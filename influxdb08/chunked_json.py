"""Decode the body of a chunked InfluxDB 0.8 query: JSON values written back to back.

With ``chunked=true`` an InfluxDB 0.8 server writes each batch of points as its own JSON
object, one after another, without a surrounding list or separators (0.8 HTTP API,
"Chunked Responses").  The decoder is the one of :mod:`influxdb.chunked_json`.
"""

from __future__ import annotations

from influxdb.chunked_json import loads

__all__ = ["loads"]
