"""The background batching writer: batches, callbacks, counters, and a batch that fails.

``write()`` checks and encodes points in the caller's thread and returns at once; a background
thread sends them in batches, retries what may succeed later, and records what failed for
good instead of dropping it.
"""

from __future__ import annotations

import logging
import sys
import threading

from _common import parse_args

from influxdb import InfluxDBClient
from influxdb.batching import Batch


def main(host: str = "localhost", port: int = 8086) -> None:
    # The writer logs batches that failed for good on the "influxdb.batching" logger.
    logging.basicConfig(stream=sys.stdout, level=logging.ERROR,
                        format="log: %(levelname)s %(name)s: %(message)s")
    dbname = "example_batching"
    client = InfluxDBClient(host, port, database=dbname, timeout=30)
    client.create_database(dbname)

    lock = threading.Lock()
    written: list[int] = []
    failed: list[str] = []

    def on_success(batch: Batch) -> None:
        with lock:
            written.append(len(batch))

    def on_error(batch: Batch, error: BaseException) -> None:
        with lock:
            failed.append(f"{len(batch)} point(s) for {batch.database!r}: "
                          f"{type(error).__name__}")

    # flush_interval=None: batches leave when full, or on flush()/close().
    with client.batch_writer(batch_size=250, flush_interval=None, time_precision="s",
                             tags={"source": "example"}, on_success=on_success,
                             on_error=on_error) as writer:
        for i in range(1000):
            writer.write_point("cpu", {"load": i / 1000}, tags={"host": f"server{i % 4}"},
                               time=1_704_067_200 + i)
        writer.flush()
        print("After flush:", writer.stats.points_written, "points written in",
              len(written), "batches of", sorted(set(written)))

        # A write the server refuses (no such database) is not retried: it is recorded.
        writer.write([{"measurement": "cpu", "fields": {"load": 1.0}, "time": 0}],
                     database="no_such_database")
    # Leaving the block flushed what was left and stopped the thread.

    stats = writer.stats
    print("Accepted:", stats.points_accepted, "written:", stats.points_written,
          "failed:", stats.points_failed, "retries:", stats.retries)
    print("on_error:", failed)
    for batch in writer.pop_failed():
        print("Failed batch:", batch.lines, type(batch.error).__name__,
              getattr(batch.error, "code", None))

    count = client.query('SELECT count("load") FROM "cpu"')
    print("Points in the database:", list(count.get_points())[0]["count"])
    by_host = client.query('SELECT count("load") FROM "cpu" GROUP BY "host"')
    for (_, tags), points in by_host.items():
        print(" ", tags, list(points)[0]["count"])
    print("Tags of the first point:",
          list(client.query('SELECT * FROM "cpu" LIMIT 1').get_points()))

    client.drop_database(dbname)
    client.close()


if __name__ == "__main__":
    args = parse_args("Write points in the background with the batching writer")
    main(host=args.host, port=args.port)
