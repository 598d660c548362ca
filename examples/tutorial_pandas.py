"""Tutorial: writing a pandas DataFrame and reading it back with DataFrameClient."""

from __future__ import annotations

import pandas as pd
from _common import parse_args

from influxdb import DataFrameClient


def main(host: str = "localhost", port: int = 8086) -> None:
    dbname = "demo"
    with DataFrameClient(host, port, "root", "root", dbname) as client:
        print("Create pandas DataFrame")
        df = pd.DataFrame(data=list(range(30)),
                          index=pd.date_range(start="2014-11-16", periods=30, freq="h",
                                              tz="UTC"),
                          columns=["0"])

        print("Create database: " + dbname)
        client.create_database(dbname)

        print("Write DataFrame")
        client.write_points(df, "demo", protocol="line")

        print("Write DataFrame with Tags")
        client.write_points(df, "demo", {"k1": "v1", "k2": "v2"}, protocol="line")

        print("Read DataFrame")
        frames = client.query("SELECT * FROM demo")
        frame = frames["demo"]
        print(f"rows: {len(frame)}, columns: {sorted(frame.columns)}")
        print(frame.head(3))

        print("Read DataFrame grouped by tags")
        grouped = client.query("SELECT * FROM demo GROUP BY *")
        for key in sorted(grouped, key=str):
            print(key, len(grouped[key]))

        print("Delete database: " + dbname)
        client.drop_database(dbname)


if __name__ == "__main__":
    args = parse_args("Write and read pandas DataFrames")
    main(host=args.host, port=args.port)
