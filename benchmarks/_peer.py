"""The influxdb==5.3.2 side of the DataFrame benchmarks (``bench_dataframe.py``).

5.3.2 lives in its own virtual environment, ``.bench-venv`` (created on first use by
``_harness.ensure_peer_venv``: ``pip install influxdb==5.3.2 pandas numpy``), and runs in a
subprocess.  Both sides build their DataFrame from the same source text, :data:`FRAME_CODE`,
so they measure identical frames; each peer script prints one JSON document last.
"""

from __future__ import annotations

from typing import Any

from _harness import PEER_TIMER, run_peer

__all__ = ["FRAME_CODE", "make_frame", "upstream_query", "upstream_serialize", "upstream_write"]

#: The benchmark frame: rows x (3 float, 1 int, 1 bool, 1 string fields; 2 tags), a UTC
#: nanosecond index (the one resolution 5.3.2 writes correctly on pandas 2+).  Times are
#: whole microseconds, none with a zero microsecond part: 5.3.2 reads those back as
#: "...:56Z" beside "...:56.000001Z" (and rounds nanoseconds, which can carry into one), and
#: pandas 3 refuses to parse the mix (its query crashes).
FRAME_CODE = '''
import numpy as np
import pandas as pd

TAGS = ["host", "region"]

def make_frame(rows, seed=1):
    rng = np.random.default_rng(seed)
    nanos = (np.int64(1_700_000_000 * 10**9) + np.arange(rows, dtype=np.int64) * 10**6
             + rng.integers(1, 1000, rows) * 1000)
    index = pd.DatetimeIndex(nanos.view("datetime64[ns]")).tz_localize("UTC")
    return pd.DataFrame({
        "host": np.array([f"host-{i}" for i in range(20)], dtype=object)[
            rng.integers(0, 20, rows)],
        "region": np.array(["us-east", "us-west", "eu central"], dtype=object)[
            rng.integers(0, 3, rows)],
        "usage": rng.random(rows) * 100,
        "load": rng.normal(size=rows),
        "temp": rng.normal(size=rows) * 1e6,
        "count": rng.integers(-10**6, 10**6, rows),
        "ok": rng.random(rows) > 0.5,
        "status": np.array(["ok", 'warn "x"', "err"], dtype=object)[rng.integers(0, 3, rows)],
    }, index=index)
'''

_SERIALIZE = PEER_TIMER + FRAME_CODE + '''
from influxdb import DataFrameClient
rows, repeat = int(sys.argv[1]), int(sys.argv[2])
frame = make_frame(rows)
client = DataFrameClient()
sizes = []
def run():
    # What 5.3.2's write_points does before the POST: lines, joined, encoded.
    lines = client._convert_dataframe_to_lines(frame, "bench", tag_columns=TAGS)
    sizes.append(len(("\\n".join(lines) + "\\n").encode("utf-8")))
print(json.dumps({"seconds": median_time(run, repeat), "bytes": sizes[-1]}))
'''

_QUERY = PEER_TIMER + '''
from influxdb import DataFrameClient
host, port, repeat, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
client = DataFrameClient(host, port, database="bench")
def run():
    frames = client.query("SELECT * FROM bench")
    assert len(frames["bench"]) == rows
print(json.dumps({"seconds": median_time(run, repeat)}))
'''

_WRITE = PEER_TIMER + FRAME_CODE + '''
from influxdb import DataFrameClient
host, port, rows, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
databases = sys.argv[5:]
frame = make_frame(rows)
times = []
for database in databases:
    client = DataFrameClient(host, port, database=database, timeout=600)
    t = time.perf_counter()
    client.write_points(frame, "bench", tag_columns=TAGS, batch_size=batch)
    times.append(time.perf_counter() - t)
print(json.dumps({"seconds": statistics.median(times), "all": times}))
'''


def make_frame(rows: int) -> Any:
    """The benchmark frame, built here from :data:`FRAME_CODE`."""
    namespace: dict[str, Any] = {}
    exec(FRAME_CODE, namespace)  # the same text the peer runs
    return namespace["make_frame"](rows)


def upstream_serialize(rows: int, repeat: int) -> dict[str, Any]:
    """5.3.2: DataFrame -> the line-protocol body its ``write_points`` would POST."""
    return run_peer(_SERIALIZE, str(rows), str(repeat))  # type: ignore[no-any-return]


def upstream_query(host: str, port: int, repeat: int, rows: int) -> dict[str, Any]:
    """5.3.2: ``DataFrameClient.query`` of a whole measurement (answer replayed locally)."""
    return run_peer(_QUERY, host, str(port), str(repeat), str(rows))  # type: ignore[no-any-return]


def upstream_write(host: str, port: int, rows: int, batch: int,
                   databases: list[str]) -> dict[str, Any]:
    """5.3.2: ``DataFrameClient.write_points(batch_size=batch)``, once per database."""
    return run_peer(_WRITE, host, str(port), str(rows), str(batch),  # type: ignore[no-any-return]
                    *databases)
