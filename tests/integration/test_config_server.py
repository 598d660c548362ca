"""A client built from the environment or a configuration file against a real influxd: its
``default_time_precision`` (here 'us', every spelling the writes accept) is the precision of
the writes that give none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from influxdb import InfluxDBClient
from tests._influxd import Influxd

pytestmark = pytest.mark.server


def rows(server: Influxd, database: str, query: str) -> list[list[Any]]:
    answer = server.admin_query(query, db=database)
    result = answer["results"][0]
    assert "error" not in result, result
    return [row for s in result.get("series") or [] for row in s["values"]]


def from_env(server: Influxd, database: str, precision: str, _: Path) -> InfluxDBClient:
    return InfluxDBClient.from_env(environ={
        "INFLUXDB_URL": f"{server.url}/{database}", "INFLUXDB_TIMEOUT": "30",
        "INFLUXDB_DEFAULT_TIME_PRECISION": precision})


def from_ini(server: Influxd, database: str, precision: str, tmp: Path) -> InfluxDBClient:
    path = tmp / "influx.ini"
    path.write_text(f"[influxdb]\nhost = {server.host}\nport = {server.http_port}\n"
                    f"database = {database}\ntimeout = 30\n"
                    f"default_time_precision = {precision}\n")
    return InfluxDBClient.from_config_file(str(path))


def from_toml(server: Influxd, database: str, precision: str, tmp: Path) -> InfluxDBClient:
    path = tmp / "influx.toml"
    path.write_text(f'[influxdb]\nhost = "{server.host}"\nport = {server.http_port}\n'
                    f'database = "{database}"\ntimeout = 30\n'
                    f'default_time_precision = "{precision}"\n')
    return InfluxDBClient.from_config_file(str(path))


@pytest.mark.parametrize("build", [from_env, from_ini, from_toml])
@pytest.mark.parametrize("precision", ["u", "us"])
def test_default_time_precision_us_writes_microseconds(
        influxd: Influxd, database: str, tmp_path: Path, build: Any, precision: str) -> None:
    client = build(influxd, database, precision, tmp_path)
    try:
        assert client._default_time_precision == "u"
        assert client.write_points([
            {"measurement": "m", "fields": {"v": 1.0}, "time": 1_700_000_000_123_456},
            {"measurement": "m", "fields": {"v": 2.0}, "time": "2023-11-14T22:13:21.000001999Z"},
        ]) is True
        assert client.write_points(["m v=3 1700000002000002"], protocol="line") is True
    finally:
        client.close()
    assert rows(influxd, database, 'SELECT "v" FROM "m"') == [
        ["2023-11-14T22:13:20.123456Z", 1.0],
        ["2023-11-14T22:13:21.000001Z", 2.0],  # floored to the microsecond
        ["2023-11-14T22:13:22.000002Z", 3.0]]
