"""The write arguments that travel as query parameters of ``POST /write`` and are checked
before anything is sent, whatever the path (``write_points``, the batching writer, sessions).

The precisions are :data:`influxdb._core.times.PRECISION_TABLE`; this module holds the other
one: the consistency values.
"""

from __future__ import annotations

from typing import Optional

from influxdb.exceptions import InfluxDBInvalidPointError

__all__ = ["CONSISTENCIES", "check_consistency"]

#: The values of ``consistency=`` of ``POST /write`` (InfluxDB 1.x reference, HTTP API: read
#: by clusters only; a single server ignores it).
CONSISTENCIES = ("any", "one", "quorum", "all")


def check_consistency(consistency: Optional[str]) -> Optional[str]:
    """Validate a write consistency.

    :param consistency: one of :data:`CONSISTENCIES` or ``None`` (the server's default)
    :returns: ``consistency`` unchanged
    :raises InfluxDBInvalidPointError: (a ``ValueError``) with 5.3.2's message otherwise
    """
    if consistency is not None and consistency not in CONSISTENCIES:
        raise InfluxDBInvalidPointError(f"Invalid consistency: {consistency}")
    return consistency
