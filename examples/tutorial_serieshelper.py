"""Tutorial: buffering points with SeriesHelper and writing them in bulk."""

from __future__ import annotations

from _common import parse_args

from influxdb import InfluxDBClient, SeriesHelper


def main(host: str = "localhost", port: int = 8086) -> None:
    dbname = "mydb"
    myclient = InfluxDBClient(host, port, "root", "root", dbname)
    myclient.create_database(dbname)

    class MySeriesHelper(SeriesHelper):
        """Points of the series ``events.stats.<server_name>``."""

        class Meta:
            # The client that commits the points.
            client = myclient
            # The measurement: a template filled from the tags (or fields).
            series_name = "events.stats.{server_name}"
            # Every field of the series.
            fields = ["some_stat", "other_stat"]
            # Every tag of the series.
            tags = ["server_name"]
            # Write once this many points are buffered ...
            bulk_size = 5
            # ... which needs autocommit.
            autocommit = True
            # The unit of the integer times given below.
            time_precision = "s"

    # Distinct times, so that no point overwrites another (same series, same time):
    # 2020-09-13T12:26:40Z and the seconds after it.
    base = 1_600_000_000
    MySeriesHelper(server_name="us.east-1", some_stat=159, other_stat=10, time=base)
    MySeriesHelper(server_name="us.east-1", some_stat=158, other_stat=20, time=base + 1)
    MySeriesHelper(server_name="us.east-1", some_stat=157, other_stat=30, time=base + 2)
    MySeriesHelper(server_name="us.east-1", some_stat=156, other_stat=30, time=base + 3)
    # The fifth point triggers the write of all five.
    MySeriesHelper(server_name="us.east-1", some_stat=156, time=base + 4)
    # This one stays buffered ...
    MySeriesHelper(server_name="us.east-1", some_stat=155, other_stat=50, time=base + 5)
    print("Buffered:", MySeriesHelper._json_body_())
    # ... until committed.
    MySeriesHelper.commit()
    print("Buffered after commit:", MySeriesHelper._json_body_())

    result = myclient.query('SELECT count(some_stat) FROM "events.stats.us.east-1"')
    print("Points written:", list(result.get_points())[0]["count"])
    times = [p["time"] for p in
             myclient.query('SELECT some_stat FROM "events.stats.us.east-1"').get_points()]
    print("From", times[0], "to", times[-1])
    myclient.drop_database(dbname)


if __name__ == "__main__":
    args = parse_args("Buffer points with SeriesHelper")
    main(host=args.host, port=args.port)
