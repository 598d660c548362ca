"""JSON answers (issue 15), us against influxdb==5.3.2: a 200,000-row x 6-column JSON body,
served through ``requests_mock`` (no server, no network: the client's own work only), to
point dicts (``InfluxDBClient.query`` + ``list(get_points())``) and to a DataFrame
(``DataFrameClient.query``).

Ours runs four ways: with and without the C extension (``INFLUXDB_PURE_PYTHON=1``), each with
msgspec (the ``fastjson`` extra) and with the standard library's decoder alone.  All five
take turns, round after round, each in its own process; the ratio is taken within each round
(the machine's speed drifts over minutes), and its median printed.  Target: <= 0.55x.
Times are CPU seconds of the client process (``time.process_time``): the work is all on one
thread, and CPU time is what other processes on a shared machine disturb least.

Run: ``python benchmarks/bench_json.py [--rounds N]`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any

from _harness import ROOT, run_peer

#: Run by both sides (5.3.2 in its venv, ours with this checkout): prints one JSON line.
CODE = '''
import gc, json, os, statistics, sys, time
import requests_mock
ROWS, REPEAT = int(sys.argv[1]), int(sys.argv[2])
values = [[f"2020-01-01T{i // 3600000 % 24:02d}:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}."
           f"{i % 1000:03d}000000Z", f"h{i % 10}", i * 0.25, i, f"x{i % 7}", i % 2 == 0]
          for i in range(ROWS)]
content = json.dumps({"results": [{"statement_id": 0, "series": [{
    "name": "q", "columns": ["time", "host", "v", "n", "s", "b"], "values": values}]}]}).encode()
del values
gc.collect()
from influxdb import DataFrameClient, InfluxDBClient
if os.environ.get("BENCH_JSON") == "stdlib":
    import influxdb._json as _json
    _json.decoder, _json._chosen = None, True
def timed(fn):
    fn()
    times = []
    for _ in range(REPEAT):
        gc.collect()
        start = time.process_time(); fn(); times.append(time.process_time() - start)
    return statistics.median(times)
with requests_mock.Mocker() as mock:
    mock.get("http://localhost:8086/query", content=content,
             headers={"Content-Type": "application/json"})
    client, frames = InfluxDBClient(database="d"), DataFrameClient(database="d")
    def points():
        assert len(list(client.query("SELECT * FROM q").get_points())) == ROWS
    def frame():
        assert len(frames.query("SELECT * FROM q")["q"]) == ROWS
    print(json.dumps({"points": timed(points), "frame": timed(frame)}))
'''

VARIANTS = {
    "ours: C + msgspec": {},
    "ours: C, json": {"BENCH_JSON": "stdlib"},
    "ours: pure Python + msgspec": {"INFLUXDB_PURE_PYTHON": "1"},
    "ours: pure Python, json": {"INFLUXDB_PURE_PYTHON": "1", "BENCH_JSON": "stdlib"},
}


def ours(env: dict[str, str], rows: int, repeat: int) -> Any:
    done = subprocess.run([sys.executable, "-c", CODE, str(rows), str(repeat)],
                          capture_output=True, text=True, check=True, cwd=ROOT,
                          env={**os.environ, **env})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[Any]] = {"influxdb 5.3.2": [], **{name: [] for name in VARIANTS}}
    for _ in range(args.rounds):
        times["influxdb 5.3.2"].append(run_peer(CODE, str(args.rows), str(args.repeat)))
        for name, env in VARIANTS.items():
            times[name].append(ours(env, args.rows, args.repeat))
    peer = times["influxdb 5.3.2"]
    for kind, label in (("points", "point dicts"), ("frame", "DataFrame")):
        print(f"\nJSON answer, {args.rows:,} rows x 6 columns -> {label} "
              f"({args.rounds} rounds taking turns)")
        for name, runs in times.items():
            seconds = statistics.median(r[kind] for r in runs)
            note = ""
            if name != "influxdb 5.3.2":
                ratio = statistics.median(r[kind] / p[kind] for r, p in zip(runs, peer))
                note = f"{ratio:.2f}x upstream by round ({'ok' if ratio <= 0.55 else 'MISS'}"\
                       ", target <= 0.55x)"
            print(f"  {name:<28} {seconds:7.3f} s  {note}")


if __name__ == "__main__":
    main()
