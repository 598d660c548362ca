"""After ``fork()``, a child runs a writer thread only for the writers it writes to.

A pre-forking server's workers inherit every writer the master made; most never write.
Each inherited writer starts its thread at the child's first write: a child that never
writes runs none (and its ``flush()``/``close()`` return at once), one that writes runs one
per writer it used, and its points are stored -- flushed explicitly, or by the exit flush.
The scenario runs in a subprocess (a fork in the pytest process would copy pytest), against
a real influxd, bounded in time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests._influxd import Influxd

pytestmark = [pytest.mark.server]

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = r'''
import json, os, signal, sys, threading, time
from influxdb import InfluxDBClient

host, port, db = sys.argv[1], int(sys.argv[2]), sys.argv[3]
client = InfluxDBClient(host, port, database=db)
writers = [client.batch_writer(name=f"lazy-{i}", flush_interval=0.05, exit_timeout=30)
           for i in range(3)]


def names():
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("lazy-"))


def points(who, count):
    return [{"measurement": "m", "tags": {"who": who}, "fields": {"v": i}, "time": i}
            for i in range(count)]


writers[0].write(points("parent", 1))
report = {"parent": names()}


def fork(child):
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return read, pid
    os.close(read)
    result = child()
    os.write(write, json.dumps(result).encode())
    os.close(write)
    return None


def idle():  # never writes: no thread; flush() and close() answer at once
    seen = names()
    flushed = [writer.flush(timeout=10) for writer in writers]
    closed = [writer.close(timeout=10) for writer in writers]
    return {"threads": seen, "flushed": flushed, "closed": closed, "after": names(),
            "stats": [writer.stats.points_accepted for writer in writers]}


def flushes():  # writes through writers[1] and flushes
    before = names()
    writers[1].write(points("flushed", 5))
    during = names()
    return {"before": before, "threads": during, "flushed": writers[1].flush(timeout=60),
            "written": writers[1].stats.points_written}


def exits():  # writes through writers[2] and leaves: the exit flush sends them
    before = names()
    writers[2].write(points("at-exit", 7))
    return {"before": before, "threads": names()}


children = []
for child in (idle, flushes, exits):
    forked = fork(child)
    if forked is None:  # in the child: leave through the normal exit (atexit runs)
        break
    children.append((child.__name__, *forked))
else:
    for name, read, pid in children:
        deadline = time.monotonic() + 90
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:  # hung: killed, and reported as such
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
                break
            time.sleep(0.01)
        with os.fdopen(read, "rb") as pipe:
            result = json.loads(pipe.read() or b"{}")
        result["exit"] = os.waitstatus_to_exitcode(status)
        report[name] = result
    for writer in writers:
        writer.close(timeout=60)
    counts = {}
    for series in client.query("SELECT count(v) FROM m GROUP BY who").raw.get("series", []):
        counts[series["tags"]["who"]] = series["values"][0][1]
    report["stored"] = counts
    print(json.dumps(report))
'''


def test_a_forked_child_starts_a_writer_thread_only_at_its_first_write(
        influxd: Influxd) -> None:
    influxd.admin_query('CREATE DATABASE "fork_lazy"')
    try:
        done = subprocess.run([sys.executable, "-c", SCENARIO, influxd.host,
                               str(influxd.http_port), "fork_lazy"], cwd=ROOT,
                              capture_output=True, text=True, timeout=240)
    finally:
        influxd.admin_query('DROP DATABASE "fork_lazy"')
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    assert report == {
        "parent": ["lazy-0", "lazy-1", "lazy-2"],
        "idle": {"threads": [], "flushed": [True, True, True], "closed": [True, True, True],
                 "after": [], "stats": [0, 0, 0], "exit": 0},
        "flushes": {"before": [], "threads": ["lazy-1"], "flushed": True, "written": 5,
                    "exit": 0},
        "exits": {"before": [], "threads": ["lazy-2"], "exit": 0},
        "stored": {"parent": 1, "flushed": 5, "at-exit": 7},
    }
    assert "ERROR" not in done.stderr
