"""A sine wave written as a pandas DataFrame and read back, exactly.

One point per second for six minutes, 360 rows: ``sin`` of the angle in degrees, and the
angle itself as an integer column.  The frame read back equals the one written -- index (at
full nanosecond precision, in UTC), values and dtypes.
"""

from __future__ import annotations

import math

import pandas as pd
from _common import parse_args

from influxdb import DataFrameClient


def main(host: str = "localhost", port: int = 8086) -> None:
    dbname = "example_sine"
    client = DataFrameClient(host, port, database=dbname)
    client.create_database(dbname)

    index = pd.date_range("2024-01-01T00:00:00Z", periods=360, freq="s")
    frame = pd.DataFrame(
        {
            "angle": range(360),
            "value": [math.sin(math.radians(degree)) for degree in range(360)],
        },
        index=index,
    )
    frame["angle"] = frame["angle"].astype("int64")
    client.write_points(frame, "sine_wave", tags={"shape": "sine"}, batch_size=100)
    print("Written:", len(frame), "rows")

    frames = client.query('SELECT "angle", "value" FROM "sine_wave"')
    back = frames["sine_wave"]
    print("Read back:", len(back), "rows, columns", list(back.columns))
    print("Index:", back.index.dtype, "from", back.index[0], "to", back.index[-1])
    print("Dtypes:", dict(back.dtypes.astype(str)))
    print("Equal to the frame written:", back.equals(frame))
    print(back.iloc[[0, 30, 90, 180, 270]].to_string())

    # Aggregates computed by the server, read as a DataFrame too.
    stats = client.query('SELECT min("value"), max("value"), sum("angle") FROM "sine_wave"')
    print(stats["sine_wave"].to_string())

    # The same rows with GROUP BY: keys carry the tags.
    grouped = client.query('SELECT count("value") FROM "sine_wave" GROUP BY "shape"')
    for key, counted in grouped.items():
        print("Group", key, "count", int(counted["count"].iloc[0]))

    client.drop_database(dbname)
    client.close()


if __name__ == "__main__":
    args = parse_args("Write a sine wave as a DataFrame and read it back")
    main(host=args.host, port=args.port)
