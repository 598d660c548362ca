"""Query-side benchmarks (issue 3, workloads 3 and 6), us against influxdb==5.3.2.

3. A 1,000,000-row query answer -> point dicts (``list(ResultSet.get_points())``), from the
   bytes the server sent (msgpack, the default of both clients, and JSON).  Floor: decode
   plus ``dict(zip(columns, row))``.
6. A chunked query of 1,000,000 points, iterated point by point, against a bare streaming
   read of the same answer; peak Python memory while iterating.

Run: ``python benchmarks/bench_query.py`` (or ``make bench``).
"""

from __future__ import annotations

import statistics
import tempfile
import tracemalloc
from typing import Any

import msgpack
import requests
from _harness import PEER_TIMER, median_time, print_table, run_peer, start_server

from influxdb import InfluxDBClient
from influxdb._core.answers import decode_json, decode_msgpack
from influxdb._core.answers import drop_empty_series as _drop_empty_series
from influxdb.resultset import ResultSet

ROWS = 1_000_000
QUERY = "SELECT * FROM q"

PEER_DECODE = PEER_TIMER + '''
import msgpack
from influxdb.client import _msgpack_parse_hook
from influxdb.resultset import ResultSet
path, kind, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
content = open(path, "rb").read()
def run():
    if kind == "msgpack":
        data = msgpack.unpackb(content, ext_hook=_msgpack_parse_hook, raw=False)
    else:
        data = json.loads(content)
    points = list(ResultSet(data["results"][0]).get_points())
    assert len(points) == int(sys.argv[4])
print(json.dumps({"seconds": median_time(run, repeat)}))
'''


def fill(client: InfluxDBClient) -> None:
    base = 1_600_000_000_000_000_000
    lines = [f"q,host=h{i % 10} v={i * 0.25},n={i}i,s=\"x{i % 7}\" {base + i * 1000}"
             for i in range(ROWS)]
    client.write_points(lines, protocol="line", batch_size=50_000)


def fetch(server: Any, db: str, accept: str) -> bytes:
    r = requests.get(f"{server.url}/query", params={"db": db, "q": QUERY},
                     headers={"Accept": accept}, timeout=600)
    r.raise_for_status()
    return r.content


def ours(content: bytes, kind: str) -> list[dict[str, Any]]:
    data = decode_msgpack(content) if kind == "msgpack" else decode_json(content)
    _drop_empty_series(data)
    return list(ResultSet(data["results"][0]).get_points())


def floor(content: bytes, kind: str) -> int:
    data = (msgpack.unpackb(content, raw=False) if kind == "msgpack"
            else decode_json(content))
    series = data["results"][0]["series"][0]
    columns = series["columns"]
    return len([dict(zip(columns, row)) for row in series["values"]])


def workload_3(server: Any, db: str, repeat: int) -> None:
    """Rounds in which 5.3.2, ours and the floor take turns (one run each), so that the
    machine's drift hits all three alike; medians and each round's own ratio."""
    for kind, accept in (("msgpack", "application/x-msgpack"), ("json", "application/json")):
        content = fetch(server, db, accept)
        assert len(ours(content, kind)) == ROWS
        times: dict[str, list[float]] = {"peer": [], "ours": [], "floor": []}
        with tempfile.NamedTemporaryFile(suffix="." + kind) as f:
            f.write(content)
            f.flush()
            for _ in range(repeat):
                times["peer"].append(
                    run_peer(PEER_DECODE, f.name, kind, "1", str(ROWS))["seconds"])
                times["ours"].append(median_time(lambda c=content, k=kind: ours(c, k), 1))
                times["floor"].append(median_time(lambda c=content, k=kind: floor(c, k), 1))
        med = {name: statistics.median(values) for name, values in times.items()}
        by_round = statistics.median(o / p for o, p in zip(times["ours"], times["peer"]))
        print_table(f"3. {ROWS:,}-row answer -> point dicts ({kind}, "
                    f"{len(content) / 1e6:.0f} MB), {repeat} rounds taking turns", [
            ("influxdb 5.3.2", med["peer"], ""),
            ("ours", med["ours"], f"{med['ours'] / med['peer']:.2f}x upstream, by round "
                                  f"{by_round:.2f}x (target <= 0.75x)"),
            ("floor: decode + dict(zip)", med["floor"],
             f"ours = {med['ours'] / med['floor']:.2f}x floor"),
        ])


def workload_6(server: Any, db: str, repeat: int) -> None:
    client = InfluxDBClient(server.host, server.http_port, database=db)
    session = requests.Session()

    def bare() -> int:
        r = session.get(f"{server.url}/query", stream=True,
                        params={"db": db, "q": QUERY, "chunked": "true", "chunk_size": 10_000},
                        headers={"Accept": "application/x-msgpack"})
        return sum(len(block) for block in r.iter_content(1 << 16))

    def chunked() -> int:
        count = 0
        for rs in client.query(QUERY, chunked=True, chunk_size=10_000):
            for _ in rs.get_points():
                count += 1
        assert count == ROWS
        return count

    # Rounds in which the bare read and ours take turns (the server's speed drifts).
    bare_times, ours_times = [], []
    for _ in range(repeat):
        bare_times.append(median_time(bare, 1))
        ours_times.append(median_time(chunked, 1))
    bare_s, ours_s = statistics.median(bare_times), statistics.median(ours_times)
    by_round = statistics.median(o / b for o, b in zip(ours_times, bare_times))

    tracemalloc.start()
    chunked()
    _, peak_chunked = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    sum(1 for _ in client.query(QUERY).get_points())
    _, peak_whole = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print_table(f"6. chunked query of {ROWS:,} points (chunk_size 10,000, msgpack), "
                f"{repeat} rounds taking turns", [
        ("bare streaming read (bytes only)", bare_s, ""),
        ("ours, every point as a dict", ours_s,
         f"{ours_s / bare_s:.2f}x bare, by round {by_round:.2f}x (target <= 1.3x)"),
    ])
    print(f"  peak Python memory: chunked {peak_chunked / 1e6:.1f} MB, "
          f"whole answer {peak_whole / 1e6:.1f} MB")


def main(repeat: int = 5) -> None:
    server = start_server()
    try:
        db = "bench_query"
        client = InfluxDBClient(server.host, server.http_port, database=db)
        client.create_database(db)
        fill(client)
        workload_3(server, db, repeat)
        workload_6(server, db, repeat)
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
