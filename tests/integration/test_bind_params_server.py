"""``bind_params`` holding times, against the real server: the bound instant, to the nanosecond."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from influxdb import InfluxDBClient
from influxdb.resultset import ResultSet

BASE = 1_704_067_200 * 10**9  # 2024-01-01T00:00:00Z in nanoseconds
# Around 2024-01-01T00:00:01Z: a nanosecond before, at, and a nanosecond after; and a day on.
TIMES = [BASE + 10**9 - 1, BASE + 10**9, BASE + 10**9 + 1, BASE + 86_400 * 10**9]


def _times(client: InfluxDBClient, statement: str, **bind: Any) -> list[int]:
    rs = client.query(statement, bind_params=bind, epoch="ns")
    assert isinstance(rs, ResultSet)
    return [point["time"] for point in rs.get_points()]


def _write(client: InfluxDBClient) -> None:
    client.write_points([{"measurement": "m", "fields": {"v": n}, "time": t}
                         for n, t in enumerate(TIMES)])


def test_datetime_bound_as_time(client: InfluxDBClient) -> None:
    _write(client)
    since = datetime(2024, 1, 1, 0, 0, 1, tzinfo=timezone.utc)
    assert _times(client, "SELECT * FROM m WHERE time >= $t", t=since) == TIMES[1:]
    naive = datetime(2024, 1, 1, 0, 0, 1)  # naive = UTC
    assert _times(client, "SELECT * FROM m WHERE time < $t", t=naive) == TIMES[:1]


def test_nanosecond_timestamps_bound_exactly(client: InfluxDBClient) -> None:
    _write(client)
    one_after = pd.Timestamp("2024-01-01T00:00:01.000000001Z")
    assert _times(client, "SELECT * FROM m WHERE time >= $t", t=one_after) == TIMES[2:]
    one_before = np.datetime64("2024-01-01T00:00:00.999999999")
    assert _times(client, "SELECT * FROM m WHERE time > $a AND time <= $b", a=one_before,
                  b=pd.Timestamp(TIMES[2], unit="ns", tz="UTC")) == TIMES[1:3]
    assert _times(client, "SELECT * FROM m WHERE time >= $d", d=date(2024, 1, 2)) == TIMES[3:]
