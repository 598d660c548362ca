"""UDP writes stored by the real influxd's UDP listener: string field values holding new
lines survive the split into datagrams (influxd drops a whole datagram holding a cut line:
before the fix, 1,500 such points sent by ``send_packet`` gave 0 stored)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from influxdb import InfluxDBClient
from tests._influxd import Influxd

pytestmark = [pytest.mark.server]

T0 = 1_700_000_000_000_000_000  # ns
COUNT = 1500
_names = itertools.count()


def points(measurement: str) -> list[dict[str, Any]]:
    # With a measurement of 6 characters: 82,890 bytes, two datagrams, and a cut at the
    # last new line that fits falls inside "a\nb" (influxd then dropped both datagrams).
    return [{"measurement": measurement, "tags": {"n": f"{i:010d}"},
             "fields": {"s": "a\nb", "i": i}, "time": T0 + i} for i in range(COUNT)]


@pytest.fixture
def measurement(influxd: Influxd) -> Iterator[str]:
    influxd.admin_query(f'CREATE DATABASE "{influxd.udp_database}"')
    name = f"udp{next(_names):03d}"  # always 6 characters: the lengths above hold
    yield name
    influxd.admin_query(f'DROP MEASUREMENT "{name}"', db=influxd.udp_database)


def stored(influxd: Influxd, measurement: str, expected: int) -> tuple[int, list[Any]]:
    """(count, distinct string values) once ``expected`` points are there, or after 15 s
    (the listener writes its batches every 20 ms)."""
    deadline = time.monotonic() + 15
    count = 0
    while time.monotonic() < deadline:
        result = influxd.admin_query(f'SELECT count(i) FROM "{measurement}"',
                                     db=influxd.udp_database)["results"][0]
        series = result.get("series")
        count = int(series[0]["values"][0][1]) if series else 0
        if count >= expected:
            break
        time.sleep(0.1)
    time.sleep(0.2)  # anything more would have arrived by now
    result = influxd.admin_query(f'SELECT count(i) FROM "{measurement}"; '
                                 f'SELECT DISTINCT(s) FROM "{measurement}"',
                                 db=influxd.udp_database)["results"]
    count = int(result[0]["series"][0]["values"][0][1]) if result[0].get("series") else 0
    values = [row[1] for row in result[1]["series"][0]["values"]] if result[1].get(
        "series") else []
    return count, values


def udp_client(influxd: Influxd) -> InfluxDBClient:
    return InfluxDBClient(influxd.host, influxd.http_port, use_udp=True,
                          udp_port=influxd.udp_port)


def test_send_packet_stores_every_point_with_a_new_line_in_a_string(
        influxd: Influxd, measurement: str) -> None:
    with udp_client(influxd) as client:
        client.send_packet({"points": points(measurement)})
    assert stored(influxd, measurement, COUNT) == (COUNT, ["a\nb"])


def test_send_packet_of_lines_stores_every_point(influxd: Influxd, measurement: str) -> None:
    from influxdb.line_protocol import make_lines

    lines = [make_lines({"points": [point]}).rstrip("\n") for point in points(measurement)]
    with udp_client(influxd) as client:
        client.send_packet(lines, protocol="line")
    assert stored(influxd, measurement, COUNT) == (COUNT, ["a\nb"])


def test_write_points_over_udp_stores_every_point(influxd: Influxd, measurement: str) -> None:
    with udp_client(influxd) as client:
        client.write_points(points(measurement))
    assert stored(influxd, measurement, COUNT) == (COUNT, ["a\nb"])


def test_the_batch_writer_over_udp_stores_every_point(influxd: Influxd,
                                                      measurement: str) -> None:
    with udp_client(influxd) as client:
        with client.batch_writer(batch_size=COUNT, flush_interval=None) as writer:
            writer.write(points(measurement))
    assert writer.failed == []
    assert writer.stats.points_written == COUNT
    assert stored(influxd, measurement, COUNT) == (COUNT, ["a\nb"])
