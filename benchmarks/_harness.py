"""Shared benchmark plumbing: timing, tables, a private influxd, and the 5.3.2 peer.

The peer (influxdb==5.3.2) lives in its own virtual environment, ``.bench-venv`` (created by
:func:`ensure_peer_venv`), and runs in a subprocess, so both clients are measured in the same
run on the same machine.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PEER_VENV = ROOT / ".bench-venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"


def ensure_peer_venv() -> Path:
    """Create ``.bench-venv`` with influxdb==5.3.2 (and pandas, numpy, requests-mock) if it
    is missing."""
    if not PEER_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    probe = subprocess.run([str(PEER_PYTHON), "-c", "import influxdb, pandas, requests_mock; "
                            "print(influxdb.__version__)"], capture_output=True, text=True)
    if probe.returncode != 0 or probe.stdout.strip() != "5.3.2":
        subprocess.run([str(PEER_PYTHON), "-m", "pip", "install", "-q", "influxdb==5.3.2",
                        "pandas", "numpy", "requests-mock"], check=True)
    return PEER_PYTHON


def run_peer(code: str, *args: str, timeout: float = 1800) -> Any:
    """Run ``code`` with the 5.3.2 peer's Python; it must print one JSON document last."""
    python = ensure_peer_venv()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(python), "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd="/")
    if done.returncode != 0:
        raise RuntimeError(f"peer failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


#: Timing code shared with the peer subprocess (which cannot import this module).
PEER_TIMER = '''
import gc, json, statistics, sys, time
def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return statistics.median(times)
'''


def median_time(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs (a collection before each)."""
    import gc

    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_table(title: str, rows: list[tuple[str, float, str]]) -> None:
    """``rows``: (label, median seconds, note)."""
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows)
    for label, seconds, note in rows:
        print(f"  {label:<{width}}  {seconds:9.3f} s  {note}")


def start_server() -> Any:
    from tests._influxd import Influxd

    server = Influxd()
    server.start()
    return server


def wait_idle(server: Any, quiet: float = 0.02, step: float = 0.25, limit: float = 15.0) -> float:
    """Wait until influxd is idle (under ``quiet`` CPU-seconds per ``step``): dropping a
    database and compacting the last run's data go on after a write returns, and would
    otherwise fall on whichever run comes next.  Returns the seconds waited."""

    def cpu() -> float:
        with open(f"/proc/{server.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    start = time.perf_counter()
    before = cpu()
    while time.perf_counter() - start < limit:
        time.sleep(step)
        now = cpu()
        if now - before < quiet:
            break
        before = now
    return time.perf_counter() - start
