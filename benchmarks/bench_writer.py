"""Sustained writing through the batching writer, against a bare ``requests`` ceiling and
influxdb 5.3.2's ``write_points``, into a private local influxd.

Every mode writes the same N points (default 1,000,000: 100 series, one point per series per
second, precision 's') into a fresh influxd, in a process of its own, and the count stored
is checked afterwards.  Timings exclude building the input; memory is the growth of the
process's RSS during the timed phase (sampled every 20 ms), which shows whether the writer's
buffer stays bounded.

The ceiling and the writer are measured in alternating rounds (``--rounds``, default 5) and
compared by their medians and round by round, so that a machine shared with other work does
not favour whichever ran during a quiet moment; the other modes run once.

Modes:
  ceiling          bare requests.Session POSTs of pre-built line-protocol bodies
                   (batch_size lines each), one after the other: the transport ceiling
  writer_lines     BatchWriter fed the same lines (1000 per write() call)
  writer_points    BatchWriter fed dicts (1000 per write() call): includes encoding
  writer_single    BatchWriter fed one dict per write() call (N/10 points)
  write_points     this package's InfluxDBClient.write_points(dicts, batch_size=...)
  v532             influxdb 5.3.2's write_points(dicts, batch_size=...) (.bench-venv)

Usage::

    .venv/bin/python benchmarks/bench_writer.py [--points 1000000] [--batch-size 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_PYTHON = os.path.join(ROOT, ".bench-venv", "bin", "python")
T0 = 1_700_000_000
SERIES = 100
CHUNK = 1000
MODES = ("writer_points", "writer_single", "write_points", "v532")


# -- input (identical in every mode) ---------------------------------------------------------

def make_dicts(n: int) -> list[dict[str, Any]]:
    return [{"measurement": "bench",
             "tags": {"host": f"h{i % SERIES}", "region": "eu"},
             "fields": {"value": (i % 1000) * 0.5, "count": i},
             "time": T0 + i // SERIES} for i in range(n)]


def make_lines(n: int) -> list[str]:
    # Exactly what both encoders produce for make_dicts(): tags and fields sorted.
    return [f"bench,host=h{i % SERIES},region=eu count={i}i,value={(i % 1000) * 0.5!r} "
            f"{T0 + i // SERIES}" for i in range(n)]


# -- child side ------------------------------------------------------------------------------

def _rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _timed(run: Callable[[], None]) -> dict[str, Any]:
    start_rss = _rss_kb()
    peak = [start_rss]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _rss_kb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu_started = time.process_time()
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    done.set()
    sampler.join()
    peak[0] = max(peak[0], _rss_kb())
    return {"seconds": seconds, "cpu": cpu, "rss_start_mb": start_rss / 1024,
            "rss_growth_mb": (peak[0] - start_rss) / 1024}


def child(mode: str, host: str, port: int, db: str, n: int, batch_size: int) -> dict[str, Any]:
    if mode == "ceiling":
        import requests

        lines = make_lines(n)
        bodies = [("\n".join(lines[i:i + batch_size]) + "\n").encode()
                  for i in range(0, n, batch_size)]
        del lines
        session = requests.Session()
        url = f"http://{host}:{port}/write"
        params = {"db": db, "precision": "s"}
        headers = {"Content-Type": "application/octet-stream"}

        def run() -> None:
            for body in bodies:
                response = session.post(url, params=params, data=body, headers=headers)
                if response.status_code != 204:
                    raise RuntimeError(response.text)

        result = _timed(run)
        session.close()
        return result

    from influxdb import InfluxDBClient

    client = InfluxDBClient(host, port, database=db, timeout=60)
    if mode in ("write_points", "v532"):
        dicts = make_dicts(n)

        def run_write_points() -> None:
            client.write_points(dicts, time_precision="s", batch_size=batch_size)

        return _timed(run_write_points)
    if mode == "writer_lines":
        lines = make_lines(n)
        chunks = [lines[i:i + CHUNK] for i in range(0, n, CHUNK)]

        def run_lines() -> None:
            with client.batch_writer(batch_size=batch_size, time_precision="s") as writer:
                for chunk in chunks:
                    writer.write(chunk, protocol="line")
            assert not writer.failed

        return _timed(run_lines)
    if mode in ("writer_points", "writer_single"):
        dicts = make_dicts(n)
        size = CHUNK if mode == "writer_points" else 1
        chunks2 = [dicts[i:i + size] for i in range(0, n, size)]

        def run_points() -> None:
            with client.batch_writer(batch_size=batch_size, time_precision="s") as writer:
                for chunk in chunks2:
                    writer.write(chunk)
            assert not writer.failed

        return _timed(run_points)
    raise SystemExit(f"unknown mode {mode}")


# -- parent side -----------------------------------------------------------------------------

def _query(url: str, q: str, db: Optional[str] = None) -> Any:
    import requests

    params = {"db": db} if db else {}
    response = requests.post(url + "/query", params=params, data={"q": q}, timeout=120)
    response.raise_for_status()
    return response.json()


def run_mode(mode: str, server_url: str, host: str, port: int, n: int, batch_size: int,
             index: int) -> dict[str, Any]:
    points = n // 10 if mode == "writer_single" else n
    db = f"bench_{index}_{mode}"
    _query(server_url, f'CREATE DATABASE "{db}"')
    python = BENCH_PYTHON if mode == "v532" else sys.executable
    env = dict(os.environ)
    if mode == "v532":
        env.pop("PYTHONPATH", None)  # the released package, not this tree
    else:
        env["PYTHONPATH"] = ROOT
    command = [python, os.path.abspath(__file__), "--child", mode, "--host", host,
               "--port", str(port), "--db", db, "--points", str(points),
               "--batch-size", str(batch_size)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800,
                          cwd="/")
    if done.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    answer = _query(server_url, 'SELECT count("count") FROM "bench"', db)
    stored = answer["results"][0]["series"][0]["values"][0][1]
    _query(server_url, f'DROP DATABASE "{db}"')
    if stored != points:
        raise RuntimeError(f"{mode}: {stored} points stored, {points} written")
    if mode == "v532":
        version = subprocess.run([python, "-c", "import influxdb; print(influxdb.__version__)"],
                                 env=env, capture_output=True, text=True, cwd="/").stdout.strip()
        if version != "5.3.2":
            raise RuntimeError(f".bench-venv holds influxdb {version!r}, not 5.3.2")
    result.update(mode=mode, points=points, rate=points / result["seconds"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--modes", default=",".join(MODES),
                        help="comma-separated modes run once, after the rounds")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternating ceiling / writer_lines rounds")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(child(args.child, args.host, args.port, args.db, args.points,
                               args.batch_size)))
        return

    modes = ["ceiling", "writer_lines"] * args.rounds
    modes += [m.strip() for m in args.modes.split(",") if m.strip()]
    if "v532" in modes and not os.path.exists(BENCH_PYTHON):
        raise SystemExit("create the comparison venv first: python -m venv .bench-venv && "
                         ".bench-venv/bin/pip install influxdb==5.3.2")
    sys.path.insert(0, ROOT)
    from tests._influxd import Influxd

    results = []
    for index, mode in enumerate(modes):
        # A fresh server per mode: influxd slows down as its data grows (compactions), which
        # would favour whichever mode runs first.
        server = Influxd()
        server.start()
        try:
            results.append(run_mode(mode, server.url, server.host, server.http_port,
                                    args.points, args.batch_size, index))
        finally:
            server.cleanup()
    report(results, args.points, args.batch_size)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def report(results: list[dict[str, Any]], n: int, batch_size: int) -> None:
    ceilings = [r["rate"] for r in results if r["mode"] == "ceiling"]
    ceiling = _median(ceilings) if ceilings else None
    v532 = next((r["rate"] for r in results if r["mode"] == "v532"), None)
    print(f"\n{n:,} points, batch size {batch_size}, precision s, influxd 1.6.7 on loopback, "
          f"{os.cpu_count()} CPUs; ratios against the median ceiling and 5.3.2's "
          "write_points\n")
    print(f"{'mode':<15}{'points':>10}{'seconds':>9}{'points/s':>11}{'vs ceiling':>12}"
          f"{'vs 5.3.2':>10}{'client CPU':>12}{'RSS growth':>12}")
    for r in results:
        vs_ceiling = f"{r['rate'] / ceiling:.2f}" if ceiling else "-"
        vs_v532 = f"{r['rate'] / v532:.2f}" if v532 else "-"
        print(f"{r['mode']:<15}{r['points']:>10,}{r['seconds']:>9.2f}{r['rate']:>11,.0f}"
              f"{vs_ceiling:>12}{vs_v532:>10}{r['cpu']:>11.2f}s{r['rss_growth_mb']:>10.1f}MB")
    writers = [r["rate"] for r in results if r["mode"] == "writer_lines"]
    if ceiling and writers:
        pairs = [w / c for w, c in zip(writers, ceilings)]
        ratio, by_round = _median(writers) / ceiling, _median(pairs)

        def verdict(value: float) -> str:
            return "meets" if value >= 0.9 else "MISSES"

        # Both measures: when the machine's speed changes between rounds, the medians
        # compare a fast round with a slow one; each round's own ratio does not.
        print(f"\nwriter fed pre-built lines: median {_median(writers):,.0f} points/s, "
              f"{ratio:.0%} of the median bare-requests ceiling ({ceiling:,.0f} points/s), "
              f"{verdict(ratio)} the 90% target; round by round: "
              f"{', '.join(f'{p:.0%}' for p in pairs)}, median {by_round:.0%}, "
              f"{verdict(by_round)} it")


if __name__ == "__main__":
    main()
