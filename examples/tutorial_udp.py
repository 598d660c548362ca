"""Tutorial: fire-and-forget writes through InfluxDB's UDP listener.

The server needs a UDP listener in ``influxdb.conf``; it decides the database::

    [[udp]]
      enabled = true
      bind-address = ":8089"
      database = "udp1"
"""

from __future__ import annotations

import time

from _common import parse_args

from influxdb import InfluxDBClient


def main(host: str, port: int, uport: int, udp_database: str) -> None:
    # The UDP packet is an envelope: tags shared by all points, then the points.
    json_body = {
        "tags": {"host": "server01", "region": "us-west"},
        "points": [
            {"measurement": "cpu_load_short", "fields": {"value": 0.64},
             "time": "2009-11-10T23:00:00Z"},
            {"measurement": "cpu_load_short", "fields": {"value": 0.67},
             "time": "2009-11-10T23:00:01Z"},
        ],
    }
    reader = InfluxDBClient(host, port, database=udp_database)
    reader.create_database(udp_database)

    # No database here: the listener's configuration decides where points go.
    with InfluxDBClient(host, port, use_udp=True, udp_port=uport) as client:
        client.send_packet(json_body)
        client.send_packet(["cpu_load_short,host=server02 value=0.5 1257894002000000000"],
                           protocol="line")

    # UDP gives no answer: poll until the listener has flushed its batch.
    points: list[dict[str, object]] = []
    for _ in range(100):
        points = list(reader.query("SELECT * FROM cpu_load_short").get_points())
        if len(points) == 3:
            break
        time.sleep(0.1)
    for point in points:
        print(point)
    reader.drop_database(udp_database)


if __name__ == "__main__":
    args = parse_args("Send points over UDP", udp=True)
    main(args.host, args.port, args.uport, args.udp_database)
