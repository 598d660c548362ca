"""Sessions: buffer writes, then commit them (on request, every N points, or on leaving a block).

A session sends from the thread that commits; when a commit fails it raises, and what could
not be sent stays buffered for the next commit.
"""

from __future__ import annotations

import logging
import sys

from _common import parse_args

from influxdb import InfluxDBClient, Point
from influxdb.exceptions import InfluxDBDatabaseNotFoundError


def count(client: InfluxDBClient, measurement: str, retention_policy: str = "autogen") -> int:
    query = f'SELECT count("value") FROM "{retention_policy}"."{measurement}"'
    points = list(client.query(query).get_points())
    return int(points[0]["count"]) if points else 0


def main(host: str = "localhost", port: int = 8086) -> None:
    # A batch the server refused for good is logged on the "influxdb.batching" logger.
    logging.basicConfig(stream=sys.stdout, level=logging.ERROR,
                        format="log: %(levelname)s %(name)s: %(message)s")
    dbname = "example_sessions"
    client = InfluxDBClient(host, port, database=dbname)
    client.create_database(dbname)
    client.create_retention_policy("forever", "INF", 1, database=dbname)

    # Commit on leaving the block; every point goes to the session's retention policy.
    with client.session(retention_policy="forever", time_precision="s") as session:
        session.write_point("events", {"value": 1}, tags={"kind": "login"}, time=1_704_067_200)
        session.write([Point("events").tag("kind", "logout").field("value", 2)
                       .time(1_704_067_201, "s"),
                       "events,kind=login value=3i 1704067202"], protocol="json")
        print("Pending in the block:", session.pending, "- in the database:",
              count(client, "events", "forever"))
    print("After the block: pending", session.pending, "- in the database:",
          count(client, "events", "forever"))

    # autocommit_every=3: the write that brings the buffer to 3 points commits it.
    session = client.session(autocommit_every=3, time_precision="s")
    for i in range(7):
        session.write_point("ticks", {"value": i}, time=1_704_067_200 + i)
        print(f"tick {i}: pending {session.pending}, in the database {count(client, 'ticks')}")
    session.commit()
    print("After commit(): pending", session.pending, "- in the database:",
          count(client, "ticks"))

    # discard() drops what was not committed.
    session.write_point("ticks", {"value": 99}, time=1_704_067_299)
    print("Discarded:", session.discard(), "- pending:", session.pending)

    # A failed commit raises; the points stay buffered (or, when the server refused them
    # for good, move to session.failed).
    broken = client.session(database="no_such_database")
    broken.write_point("ticks", {"value": 1}, time=1)
    try:
        broken.commit()
    except InfluxDBDatabaseNotFoundError as exc:
        print("Commit failed:", type(exc).__name__, exc.code)
    print("Failed batches:", [(len(b), b.database) for b in broken.failed],
          "- pending:", broken.pending)

    client.drop_database(dbname)
    client.close()


if __name__ == "__main__":
    args = parse_args("Buffer writes in a session and commit them")
    main(host=args.host, port=args.port)
