"""Basic use of the legacy InfluxDB 0.8 client.

Run against an InfluxDB 0.8 server::

    python examples/influxdb08_basic.py --host localhost --port 8086
"""

from __future__ import annotations

import argparse

from influxdb.influxdb08 import InfluxDBClient


def main(host: str, port: int) -> None:
    client = InfluxDBClient(host, port, "root", "root")
    client.create_database("example")
    client.switch_database("example")
    client.add_database_user("writer", "secret", permissions=(".*", ".*"))

    client.write_points(
        [
            {
                "name": "cpu_load",
                "columns": ["time", "value", "host"],
                "points": [[1400000000, 0.64, "server01"], [1400000060, 0.71, "server01"]],
            }
        ],
        time_precision="s",
    )
    print("series:", client.get_list_series())
    for series in client.query("select value from cpu_load order asc"):
        print(series["name"], series["columns"])
        for point in series["points"]:
            print("  ", point)

    client.delete_database("example")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8086)
    args = parser.parse_args()
    main(args.host, args.port)
