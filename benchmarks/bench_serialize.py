"""Benchmark: ``make_lines`` over dict points, ours against influxdb-python 5.3.2.

Each implementation runs in its own interpreter on identical data (built from the same
seed by the same code): ours with this repository on ``sys.path``, 5.3.2 with the Python
of a separate virtual environment holding ``influxdb==5.3.2`` (default
``.bench-venv/bin/python``; create it with
``python -m venv .bench-venv && .bench-venv/bin/pip install influxdb==5.3.2``).  The
"floor" is one f-string per point with the values already in hand: the cost of building
the text and nothing else.

Usage::

    .venv/bin/python benchmarks/bench_serialize.py [--points 100000] [--repeat 5]

Prints, for each kind of time value, the median over rounds of each implementation's best
CPU seconds per ``make_lines`` call, and the median over rounds of the ratios ours / 5.3.2
and floor / 5.3.2 (each round's implementations run one after the other).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KINDS = ("int", "datetime", "str")
IMPLEMENTATIONS = ("ours", "5.3.2", "floor")


def build_points(kind: str, count: int) -> list[dict[str, Any]]:
    """``count`` points: 3 tags (300 distinct tag sets), 3 fields, one kind of time."""
    rng = random.Random(20240601)
    base = datetime.datetime(2020, 1, 1)
    points = []
    for i in range(count):
        stamp = base + datetime.timedelta(microseconds=i * 1001)
        when: Any
        if kind == "int":
            when = 1_577_836_800_000_000_000 + i * 1_001_000
        elif kind == "datetime":
            when = stamp
        else:
            when = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        points.append({
            "measurement": "cpu",
            "tags": {"host": f"server{i % 100}", "region": "us-west", "dc": f"dc{i % 3}"},
            "time": when,
            "fields": {"value": rng.random(), "count": i, "status": "ok"},
        })
    return points


def _floor(points: list[dict[str, Any]]) -> str:
    lines = []
    for i, point in enumerate(points):
        tags, fields = point["tags"], point["fields"]
        stamp = 1_577_836_800_000_000_000 + i * 1_001_000
        lines.append(
            f"{point['measurement']},dc={tags['dc']},host={tags['host']},"
            f"region={tags['region']} count={fields['count']}i,status=\"{fields['status']}\","
            f"value={fields['value']!r} {stamp}")
    return "\n".join(lines) + "\n"


def worker(implementation: str, kind: str, count: int, repeat: int) -> None:
    """Time one implementation in this interpreter; print JSON seconds per run."""
    points = build_points(kind, count)
    if implementation == "floor":
        def run() -> object:
            return _floor(points)
    else:
        if implementation == "ours":
            sys.path.insert(0, ROOT)
        from influxdb.line_protocol import make_lines  # ours or 5.3.2, by interpreter

        def run() -> object:
            return make_lines({"points": points})
    run()  # warm up (caches, imports)
    seconds = []
    for _ in range(repeat):
        start = time.process_time()  # CPU time: other processes on the machine add less noise
        run()
        seconds.append(time.process_time() - start)
    print(json.dumps(seconds))


def _run(python: str, implementation: str, kind: str, count: int, repeat: int) -> list[float]:
    command = [python, os.path.abspath(__file__), "--worker", implementation, "--kind", kind,
               "--points", str(count), "--repeat", str(repeat)]
    output = subprocess.run(command, capture_output=True, text=True, cwd=HERE, timeout=1800)
    if output.returncode:
        sys.exit(f"{implementation} worker failed:\n{output.stderr}")
    result: list[float] = json.loads(output.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--upstream-python", default=os.path.join(ROOT, ".bench-venv", "bin",
                                                                     "python"))
    parser.add_argument("--worker", choices=IMPLEMENTATIONS)
    parser.add_argument("--kind", choices=KINDS, default="int")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.kind, args.points, args.repeat)
        return
    if not os.path.exists(args.upstream_python):
        sys.exit(f"no {args.upstream_python}: create a venv with influxdb==5.3.2 there")
    pythons = {"ours": sys.executable, "5.3.2": args.upstream_python, "floor": sys.executable}
    # The three implementations take turns, round after round, and each round's ratios are
    # taken within the round: on a shared machine the speed drifts over minutes, and runs
    # far apart in time would compare two different machines.  Within a round each takes
    # the best of --repeat runs (noise only ever adds time).
    print(f"make_lines over {args.points} dict points (3 tags, 3 fields); {args.rounds} "
          f"rounds taking turns, best of {args.repeat} runs each; CPU seconds, medians")
    print(f"{'time':9} {'5.3.2':>8} {'ours':>8} {'floor':>8} {'ours/5.3.2':>11} "
          f"{'floor/5.3.2':>12}")
    for kind in KINDS:
        best: dict[str, list[float]] = {name: [] for name in IMPLEMENTATIONS}
        for _ in range(args.rounds):
            for implementation in IMPLEMENTATIONS:
                runs = _run(pythons[implementation], implementation, kind, args.points,
                            args.repeat)
                best[implementation].append(min(runs))
        upstream = best["5.3.2"]
        ours_ratio = statistics.median(o / u for o, u in zip(best["ours"], upstream))
        floor_ratio = statistics.median(f / u for f, u in zip(best["floor"], upstream))
        print(f"{kind:9} {statistics.median(upstream):8.3f} "
              f"{statistics.median(best['ours']):8.3f} {statistics.median(best['floor']):8.3f} "
              f"{ours_ratio:11.3f} {floor_ratio:12.3f}")


if __name__ == "__main__":
    main()
