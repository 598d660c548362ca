"""One ``DataFrameClient`` used from 8 threads: each writes its own frames (line and JSON
protocols, batched and not, tag columns and global tags) and reads them back as DataFrames
between writes; every read equals exactly what that thread wrote, and the totals are exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from influxdb import DataFrameClient
from tests._influxd import Influxd
from tests.concurrency.test_concurrency_client import _run_threads

pytestmark = pytest.mark.server

THREADS = 8
ROUNDS = 10
ROWS = 200
START = pd.Timestamp("2022-03-01T00:00:00Z")


def _frame(thread: int, rnd: int) -> pd.DataFrame:
    base = (thread * ROUNDS + rnd) * ROWS
    index = START + pd.to_timedelta(np.arange(base, base + ROWS), unit="ms")
    return pd.DataFrame({
        "value": np.arange(base, base + ROWS, dtype="float64") / 4,
        "count": np.arange(base, base + ROWS, dtype="int64"),
        "label": [f"r{i}" for i in range(base, base + ROWS)],
        "host": [f"h{i % 3}" for i in range(ROWS)],
    }, index=index)


def test_one_dataframe_client_shared_by_threads(influxd: Influxd, database: str) -> None:
    client = DataFrameClient(influxd.host, influxd.http_port, database=database, timeout=30)

    def work(thread: int) -> None:
        written = []
        for rnd in range(ROUNDS):
            frame = _frame(thread, rnd)
            protocol = "json" if (thread + rnd) % 3 == 0 else "line"
            client.write_points(frame, "df", tags={"thread": str(thread)},
                                tag_columns=["host"], protocol=protocol,
                                batch_size=64 if rnd % 2 else None)
            written.append(frame)
            result = client.query("SELECT value, count, label, host FROM df "
                                  "WHERE thread = $t", bind_params={"t": str(thread)})
            got = result["df"]
            expected = pd.concat(written)[["value", "count", "label", "host"]]
            expected.index = expected.index.as_unit("ns")
            pd.testing.assert_frame_equal(got, expected, check_freq=False)

    try:
        assert _run_threads(work, THREADS, limit=180) == []
        by_thread = client.query("SELECT count(value), sum(count) FROM df GROUP BY thread")
        totals = {dict(key[1])["thread"]: (int(frame["count"].iloc[0]),
                                           int(frame["sum"].iloc[0]))
                  for key, frame in by_thread.items()}
        assert totals == {
            str(t): (ROUNDS * ROWS, int(sum(_frame(t, r)["count"].sum() for r in range(ROUNDS))))
            for t in range(THREADS)}
    finally:
        client.close()
