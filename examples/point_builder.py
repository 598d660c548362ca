"""The Point builder: build points, turn records into points, mix them with dicts and lines.

Every check happens where the point is built or encoded, before anything is sent.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime, timezone

from _common import parse_args

from influxdb import InfluxDBClient, Point
from influxdb.exceptions import InfluxDBInvalidPointError


@dataclass
class Reading:
    """A record as an application might hold it."""

    sensor: str
    room: str
    celsius: float
    at: datetime


Cpu = namedtuple("Cpu", "host load seconds")


def main(host: str = "localhost", port: int = 8086) -> None:
    dbname = "example_points"
    client = InfluxDBClient(host, port, database=dbname)
    client.create_database(dbname)

    # Builder calls chain; the time is 2024-01-01T00:00:00Z given in seconds.
    point = (Point("cpu").tag("host", "server01").tag("region", "us-west")
             .field("load", 0.64).field("cores", 8).field("ok", True)
             .time(1_704_067_200, "s"))
    print("Point:", point)
    print("Line protocol:", point.to_line_protocol())
    print("At second precision:", point.to_line_protocol("s"))

    # Records: a dataclass and a named tuple, mapped once by naming their attributes.
    reading = Reading("t1", "kitchen", 21.5, datetime(2024, 1, 1, 0, 0, 1, tzinfo=timezone.utc))
    from_dataclass = Point.from_record(reading, measurement="temperature",
                                       tag_keys=["sensor", "room"], time_key="at")
    from_tuple = Point.from_record(Cpu("server02", 0.5, 1_704_067_202), measurement="cpu",
                                   tag_keys=["host"], time_key="seconds", time_precision="s")
    print("From a dataclass:", from_dataclass.to_line_protocol())
    print("From a named tuple:", from_tuple.to_line_protocol())

    # Points, dicts and ready-made lines may be mixed in one write.
    client.write_points([
        point,
        from_dataclass,
        from_tuple,
        {"measurement": "cpu", "tags": {"host": "server03"}, "fields": {"load": 0.9},
         "time": "2024-01-01T00:00:03Z"},
        "cpu,host=server04 load=0.25 1704067204000000000",
    ])
    client.write_point("cpu", {"load": 0.75}, tags={"host": "server05"},
                       time=1_704_067_205, time_precision="s")

    result = client.query('SELECT "host", "load" FROM "cpu"')
    for row in result.get_points():
        print("cpu:", row)
    print("temperature:", list(client.query('SELECT * FROM "temperature"').get_points()))

    # What cannot be written is refused at once, naming the point and the field.
    for build in (
        lambda: Point("cpu").field("load", float("inf")),
        lambda: Point("cpu").field("load", [1, 2]),
        lambda: Point("cpu").tag("host", "two\nlines"),
    ):
        try:
            build()
        except InfluxDBInvalidPointError as exc:
            print("Refused:", exc)
    try:
        client.write_points([{"measurement": "cpu", "fields": {"load": 1.0}},
                             {"measurement": "cpu", "fields": {"load": None}}])
    except InfluxDBInvalidPointError as exc:
        print("Refused:", exc)
    print("Points after the refused write:",
          list(client.query('SELECT count("load") FROM "cpu"').get_points())[0]["count"])

    client.drop_database(dbname)
    client.close()


if __name__ == "__main__":
    args = parse_args("Build points with the Point builder and write them")
    main(host=args.host, port=args.port)
