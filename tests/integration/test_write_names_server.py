"""Names and tag values against a real influxd 1.6: NaN tags are left out on every write
path, NUL and carriage returns are stored exactly where InfluxQL can still reach them, and a
measurement InfluxQL cannot name is refused before anything is sent."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

from influxdb import DataFrameClient, InfluxDBClient
from influxdb.exceptions import InfluxDBClientError, InfluxDBInvalidPointError
from influxdb.point import Point

pytestmark = pytest.mark.server


def _series(client: InfluxDBClient) -> list[str]:
    return sorted(p["key"] for p in client.query("SHOW SERIES").get_points())


def test_nan_tags_are_left_out_on_every_write_path(client: InfluxDBClient) -> None:
    nan32, nan64 = np.float32("nan"), np.float64("nan")
    writer = InfluxDBClient(client._host, client._port, database=client._database,
                            default_tags={"zone": float("nan"), "dc": "x"})
    writer.write_points([
        {"measurement": "dicts", "tags": {"host": "a", "rack": float("nan")},
         "fields": {"v": 1}, "time": 1},
        {"measurement": "dicts", "tags": {"host": "b", "rack": np.nan}, "fields": {"v": 2},
         "time": 2},
        {"measurement": "dicts", "tags": {"host": "c", "rack": Decimal("NaN")},
         "fields": {"v": 3}, "time": 3},
        Point("points").tag("host", "a").tag("rack", nan32).field("v", 4).time(4),
        Point("points", tags={"host": "b", "rack": nan64}, fields={"v": 5}, time=5),
    ], tags={"region": nan64})
    frame = pd.DataFrame({"host": ["a", np.nan], "rack": [np.nan, "r1"], "v": [6.0, 7.0]},
                         index=pd.to_datetime([6, 7], unit="ns", utc=True))
    DataFrameClient(client._host, client._port, database=client._database).write_points(
        frame, "frames", tags={"zone": float("nan"), "dc": "y"}, tag_columns=["host", "rack"])
    with writer.batch_writer(tags={"rack": nan32, "dc": "w"}) as batches:
        batches.write([{"measurement": "batched", "tags": {"host": "a"}, "fields": {"v": 8},
                        "time": 8}], tags={"zone": float("nan")})
        batches.write_point("batched", {"v": 9}, tags={"host": nan64}, time=9)
    assert not batches.failed
    assert _series(client) == [
        "batched,dc=w", "batched,dc=w,host=a",
        "dicts,dc=x,host=a", "dicts,dc=x,host=b", "dicts,dc=x,host=c",
        "frames,dc=y,host=a", "frames,dc=y,rack=r1",
        "points,dc=x,host=a", "points,dc=x,host=b",
    ]
    keys = {p["tagKey"] for p in client.query("SHOW TAG KEYS").get_points()}
    assert keys == {"dc", "host", "rack"}  # rack only where a frame cell held a value
    values = client.query('SHOW TAG VALUES WITH KEY = "rack"').get_points()
    assert [p["value"] for p in values] == ["r1"]


def _query(server: Any, db: str, statement: str, **params: Any) -> Any:
    answer = requests.post(f"{server.url}/query", timeout=30, params={"db": db, "epoch": "ns",
                           **params}, data={"q": statement})
    return answer.json()["results"][0]


def test_nul_and_carriage_returns_in_tags_and_field_keys_survive_a_restart(
        influxd_factory: Any) -> None:
    # What influxd does with them: stored exactly, in the index and the TSM files, and
    # reachable by regex or bound parameter, so the client writes them as given.
    server = influxd_factory()
    server.admin_query('CREATE DATABASE "nul"')
    client = InfluxDBClient(server.host, server.http_port, database="nul")
    client.write_points([
        Point("m").tag("k\x00", "a\x00b").tag("\rj", "\x00").field("f\x00", 1).field(
            "g\r", "s\x00\r").time(1),
        {"measurement": "m", "tags": {"k\x00": "c\r", "plain": "p\x00\r"},
         "fields": {"a": 1, "b\x00": 2}, "time": 2},
    ])
    expected_series = ["m,\rj=\x00,k\x00=a\x00b", "m,k\x00=c\r,plain=p\x00\r"]
    for restarted in (False, True):
        if restarted:
            server.stop()
            server.start()
        assert _series(client) == expected_series
        rows = _query(server, "nul", "SELECT * FROM m")["series"][0]
        assert rows["columns"] == ["time", "\rj", "a", "b\x00", "f\x00", "g\r", "k\x00",
                                   "plain"]
        assert rows["values"] == [[1, "\x00", None, None, 1, "s\x00\r", "a\x00b", None],
                                  [2, None, 1, 2, None, None, "c\r", "p\x00\r"]]
        found = _query(server, "nul", "SELECT \"a\" FROM m WHERE \"plain\" = $v",
                       params=json.dumps({"v": "p\x00\r"}))
        assert found["series"][0]["values"] == [[2, 1]]


@pytest.mark.parametrize("measurement", ["cr\rm", "nul\x00m", "end\x00"], ids=repr)
def test_a_measurement_influxql_cannot_name_is_refused_before_sending(
        client: InfluxDBClient, measurement: str) -> None:
    frame = pd.DataFrame({"v": [1.0]}, index=pd.to_datetime([1], unit="ns", utc=True))
    writes = [
        lambda: client.write_points([{"measurement": "good", "fields": {"v": 1}},
                                     {"measurement": measurement, "fields": {"v": 1}}]),
        lambda: client.write_points([Point("good").field("v", 1),
                                     {"measurement": measurement, "fields": {"v": 1}}]),
        lambda: client.write_point(measurement, {"v": 1}),
        lambda: Point(measurement),
        lambda: DataFrameClient(client._host, client._port,
                                database=client._database).write_points(frame, measurement),
    ]
    for write in writes:
        with pytest.raises(InfluxDBInvalidPointError, match="InfluxQL cannot quote"):
            write()
    assert list(client.query("SHOW MEASUREMENTS").get_points()) == []
    # Why: the server stores the line, and then nothing can name the measurement to drop it.
    escaped = measurement.replace(" ", "\\ ")
    client.write_points([f"{escaped} v=1i 1"], protocol="line")
    assert [p["name"] for p in client.query("SHOW MEASUREMENTS").get_points()] == [
        measurement]
    with pytest.raises(InfluxDBClientError, match="InfluxQL cannot represent"):
        client.drop_measurement(measurement)


def test_udp_refuses_such_a_measurement_and_sends_the_next_points(influxd: Any) -> None:
    influxd.admin_query(f'CREATE DATABASE "{influxd.udp_database}"')
    with InfluxDBClient(influxd.host, influxd.http_port, use_udp=True,
                        udp_port=influxd.udp_port, database=influxd.udp_database) as cli:
        with pytest.raises(InfluxDBInvalidPointError, match="InfluxQL cannot quote"):
            cli.write_points([{"measurement": "udp_names_ok", "fields": {"v": 1}},
                              {"measurement": "udp\rnames", "fields": {"v": 1}}])
        cli.send_packet({"points": [{"measurement": "udp_names_after", "fields": {"v": 2},
                                     "time": 2}]})
    reader = InfluxDBClient(influxd.host, influxd.http_port, database=influxd.udp_database)
    deadline = time.monotonic() + 10
    names: list[str] = []
    while time.monotonic() < deadline and "udp_names_after" not in names:
        names = [p["name"] for p in reader.query("SHOW MEASUREMENTS").get_points()]
        time.sleep(0.05)
    assert "udp_names_after" in names
    assert not any(name.startswith("udp") and "names" in name and name != "udp_names_after"
                   for name in names)
