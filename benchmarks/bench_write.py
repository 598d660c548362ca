"""End-to-end write benchmark (issue 3, workload 5, dict points), us against influxdb==5.3.2.

1,000,000 dict points written with ``write_points(points, batch_size=10_000)`` into a local
influxd, against the server's ceiling: a bare ``requests`` POST of the same pre-built
line-protocol batches, one after the other.  Each run writes into a fresh database and the
point count is checked afterwards.

Two ways of handing the points over are measured: a list (every point is encoded, and so
checked, before the first request: a bad point means nothing is written, at the price of
encoding not overlapping the server's work) and an iterator (each batch is read and encoded
while the previous one is being sent).

The client's CPU time (``time.process_time``, every thread of this process) is reported per
million points for each run, and for the encoding pass alone (the list's bodies built as
``write_points`` builds them, nothing sent): on a shared machine, whose speed drifts, CPU
time moves less than elapsed time, and it is what the client takes from the server.

Run: ``python benchmarks/bench_write.py`` (or ``make bench``).
"""

from __future__ import annotations

import inspect
import sys
import time
from typing import Any

import requests
from _harness import print_table, run_peer, start_server, wait_idle

from influxdb import InfluxDBClient

POINTS = 1_000_000
BATCH = 10_000



def make_points(n: int) -> list[dict[str, Any]]:
    """The same points for both clients (its source is sent to the peer)."""
    base = 1_600_000_000_000_000_000
    return [{"measurement": "cpu", "tags": {"host": f"h{i % 100}", "region": "eu-west"},
             "time": base + i * 1000,
             "fields": {"value": i * 0.5, "count": i, "ok": i % 2 == 0}} for i in range(n)]


PEER_WRITE = "from typing import Any\n" + inspect.getsource(make_points) + '''
import json, sys, time
from influxdb import InfluxDBClient
host, db = sys.argv[1], sys.argv[3]
port, n, batch = int(sys.argv[2]), int(sys.argv[4]), int(sys.argv[5])
client = InfluxDBClient(host, port, database=db)
points = make_points(n)
t = time.perf_counter()
client.write_points(points, batch_size=batch)
print(json.dumps({"seconds": time.perf_counter() - t}))
'''


def count(client: InfluxDBClient) -> int:
    rows = list(client.query('SELECT count("value") FROM cpu').get_points())
    return int(rows[0]["count"]) if rows else 0


def fresh(client: InfluxDBClient, db: str, server: Any = None) -> None:
    """An empty database, and (given the server) an idle server: every run starts alike."""
    client.drop_database(db)
    client.create_database(db)
    if server is not None:
        wait_idle(server)


def main(points_n: int = POINTS, rounds: int = 5) -> dict[str, float]:
    server = start_server()
    try:
        db = "bench_write"
        client = InfluxDBClient(server.host, server.http_port, database=db)
        points = make_points(points_n)
        bodies = [client._encode_points(points[i:i + BATCH])
                  for i in range(0, points_n, BATCH)]
        session = requests.Session()
        results: dict[str, list[float]] = {"bare": [], "ours": [], "iter": [], "peer": []}
        cpu: dict[str, list[float]] = {"bare": [], "ours": [], "iter": [], "encode": []}
        for _ in range(rounds):
            fresh(client, db, server)
            start, start_cpu = time.perf_counter(), time.process_time()
            for body in bodies:
                r = session.post(f"{server.url}/write", params={"db": db}, data=body)
                assert r.status_code == 204, r.text
            results["bare"].append(time.perf_counter() - start)
            cpu["bare"].append(time.process_time() - start_cpu)
            assert count(client) == points_n

            fresh(client, db, server)
            start, start_cpu = time.perf_counter(), time.process_time()
            client.write_points(points, batch_size=BATCH)
            results["ours"].append(time.perf_counter() - start)
            cpu["ours"].append(time.process_time() - start_cpu)
            assert count(client) == points_n

            fresh(client, db, server)
            start, start_cpu = time.perf_counter(), time.process_time()
            client.write_points(iter(points), batch_size=BATCH)
            results["iter"].append(time.perf_counter() - start)
            cpu["iter"].append(time.process_time() - start_cpu)
            assert count(client) == points_n

            start_cpu = time.process_time()  # the list's encoding pass alone, nothing sent
            encoded = [client._encode_points(points[at:at + BATCH], start=at, timeless=[0])
                       for at in range(0, points_n, BATCH)]
            cpu["encode"].append(time.process_time() - start_cpu)
            assert encoded == bodies
            del encoded

            fresh(client, db, server)
            peer = run_peer(PEER_WRITE, server.host, str(server.http_port), db, str(points_n),
                            str(BATCH))
            results["peer"].append(peer["seconds"])
            assert count(client) == points_n
        med = {k: sorted(v)[len(v) // 2] for k, v in results.items()}
        # Each round's own ratios too (the runs of a round follow each other): drift of the
        # shared machine between rounds does not move them.
        for name in ("ours", "iter"):
            shares = sorted(b / o for b, o in zip(results["bare"], results[name]))
            print(f"  {name}: ceiling/time by round {', '.join(f'{r:.0%}' for r in shares)}; "
                  f"median {shares[len(shares) // 2]:.0%}")
        per_million = 1_000_000 / points_n
        for name, label in (("bare", "ceiling"), ("ours", "list"), ("iter", "iterator"),
                            ("encode", "encoding pass alone")):
            seconds = sorted(value * per_million for value in cpu[name])
            print(f"  client CPU per million points, {label}: "
                  f"{', '.join(f'{value:.3f}' for value in seconds)} s; "
                  f"median {seconds[len(seconds) // 2]:.3f} s")
        print_table(f"5. {points_n:,} dict points, batch {BATCH:,}, into a local influxd", [
            ("ceiling: bare requests POST of pre-built batches", med["bare"],
             f"{points_n / med['bare']:,.0f} points/s"),
            ("ours: write_points(list, batch_size), all checked first", med["ours"],
             f"{med['bare'] / med['ours']:.0%} of the ceiling"),
            ("ours: write_points(iterator, batch_size), pipelined", med["iter"],
             f"{med['bare'] / med['iter']:.0%} of the ceiling (target >= 90%)"),
            ("influxdb 5.3.2: write_points(points, batch_size)", med["peer"],
             f"{med['bare'] / med['peer']:.0%} of the ceiling; ours = "
             f"{med['ours'] / med['peer']:.2f}x its time"),
        ])
        return med
    finally:
        server.cleanup()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else POINTS)

