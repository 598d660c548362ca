"""Streaming a large answer with ``chunked=True``: one ResultSet per chunk, bounded memory.

The server sends the answer in chunks of ``chunk_size`` rows; the client decodes one chunk at
a time, with msgpack answers (the default) as with JSON.
"""

from __future__ import annotations

from _common import parse_args

from influxdb import InfluxDBClient

START = 1_704_067_200  # 2024-01-01T00:00:00Z, in seconds


def main(host: str = "localhost", port: int = 8086) -> None:
    dbname = "example_chunked"
    client = InfluxDBClient(host, port, database=dbname)
    client.create_database(dbname)

    # 10 000 points in two series, one per second.
    points = [
        {"measurement": "sensor", "tags": {"probe": "p1" if i % 2 == 0 else "p2"},
         "fields": {"value": float(i)}, "time": START + i}
        for i in range(10_000)
    ]
    client.write_points(points, time_precision="s", batch_size=5000)

    query = 'SELECT "value" FROM "sensor" WHERE "probe" = $probe'
    for label, reader in (
        ("msgpack", client),
        ("JSON", InfluxDBClient(host, port, database=dbname,
                                headers={"Accept": "application/json"})),
    ):
        chunks = reader.query(query, bind_params={"probe": "p1"}, chunked=True,
                              chunk_size=1000)
        sizes = []
        total = 0.0
        first = last = None
        for result in chunks:  # each chunk is one ResultSet
            rows = list(result.get_points())
            sizes.append(len(rows))
            total += sum(row["value"] for row in rows)
            first = first or rows[0]
            last = rows[-1]
        # JSON carries whole-number floats as integers (0, not 0.0); msgpack keeps the type.
        print(f"{label}: {len(sizes)} chunks of {sorted(set(sizes))} rows, sum {total}")
        print(f"  first {first}, last {last}")

    # Stopping early: closing the generator releases the connection at once.
    chunks = client.query('SELECT * FROM "sensor"', chunked=True, chunk_size=500)
    head = next(chunks)
    print("First chunk of SELECT * (chunk_size=500):", len(list(head.get_points())), "rows,",
          "series", head.keys())
    chunks.close()

    # Several statements: the chunks of each follow one another.
    print("Two statements:")
    chunks = client.query('SELECT count("value") FROM "sensor"; '
                          'SELECT last("value") FROM "sensor" GROUP BY "probe"',
                          chunked=True)
    for result in chunks:
        for key, rows in result.items():
            print("  ", key, list(rows))

    client.drop_database(dbname)
    client.close()


if __name__ == "__main__":
    args = parse_args("Stream a large query answer chunk by chunk")
    main(host=args.host, port=args.port)
