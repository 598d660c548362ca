"""Shared command-line handling for the examples: where the server is."""

from __future__ import annotations

import argparse
import os


def parse_args(description: str, udp: bool = False, auth: bool = False) -> argparse.Namespace:
    """``--host``/``--port`` (default: $INFLUXDB_HOST/$INFLUXDB_PORT or localhost:8086)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default=os.environ.get("INFLUXDB_HOST", "localhost"),
                        help="host of the InfluxDB HTTP API")
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("INFLUXDB_PORT", "8086")),
                        help="port of the InfluxDB HTTP API")
    if udp:
        parser.add_argument("--uport", type=int,
                            default=int(os.environ.get("INFLUXDB_UDP_PORT", "8089")),
                            help="port of InfluxDB's UDP listener")
        parser.add_argument("--udp-database", default=os.environ.get("INFLUXDB_UDP_DATABASE",
                                                                      "udp1"),
                            help="database the UDP listener writes to")
    if auth:
        parser.add_argument("--admin-user", default=os.environ.get("INFLUXDB_ADMIN_USER",
                                                                    "admin"))
        parser.add_argument("--admin-password",
                            default=os.environ.get("INFLUXDB_ADMIN_PASSWORD", ""))
    return parser.parse_args()
