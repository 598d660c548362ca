"""Names a write refuses on every path, and NaN tag values left out by every encoder.

A measurement holding a carriage return or NUL was written (influxd stores it) but could
never be named again: InfluxQL cannot quote either character, so ``drop_measurement``
refused it.  Such a measurement is now refused by every write path before anything is sent.
A NaN tag value is left out as ``None`` is, by the Python and the C encoder alike.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest
import requests_mock

from influxdb import DataFrameClient, InfluxDBClient, _accel, line_protocol
from influxdb.exceptions import InfluxDBClientError, InfluxDBInvalidPointError
from influxdb.point import Point

SPEEDUPS = _accel.speedups
needs_c = pytest.mark.needs_c  # tests/conftest.py: deselected under INFLUXDB_PURE_PYTHON=1

UNNAMEABLE = [("a\x00b", "a NUL character"), ("a\rb", "a carriage return"),
              ("cpu\r", "a carriage return"), ("m\x00", "a NUL character")]


def _message(measurement: str, what: str) -> str:
    return (f"measurement {measurement!r} contains {what}, which InfluxQL cannot quote (it "
            "could be written but never queried or dropped by name)")


@pytest.fixture
def http() -> Iterator[requests_mock.Mocker]:
    with requests_mock.Mocker() as mock:
        mock.post("http://localhost:8086/write", status_code=204)
        yield mock


@pytest.mark.parametrize(("measurement", "what"), UNNAMEABLE, ids=repr)
@pytest.mark.parametrize("encoder", ["python", "c"])
def test_a_measurement_influxql_cannot_name_is_refused_by_both_encoders(
        monkeypatch: pytest.MonkeyPatch, measurement: str, what: str, encoder: str) -> None:
    if encoder == "python":
        monkeypatch.setattr(line_protocol, "_encode_points", line_protocol._encode_points_py)
    points = [{"measurement": "ok", "fields": {"v": 1}}] * 2 + [
        {"measurement": measurement, "tags": {"t": "x"}, "fields": {"v": 1}}]
    for _ in range(2):  # the second time with the good shapes cached (C encodes them)
        with pytest.raises(InfluxDBInvalidPointError) as info:
            line_protocol._encode_body(points, {"host": "a"}, None, None)
        assert str(info.value) == f"point 2 (measurement {measurement!r}): " + _message(
            measurement, what)


@pytest.mark.parametrize(("measurement", "what"), UNNAMEABLE, ids=repr)
def test_every_write_path_refuses_it_before_sending(
        http: requests_mock.Mocker, measurement: str, what: str) -> None:
    message = _message(measurement, what)
    client = InfluxDBClient(database="db")
    writes: list[Callable[[], Any]] = [
        lambda: client.write_points([{"measurement": "ok", "fields": {"v": 1}},
                                     {"measurement": measurement, "fields": {"v": 1}}]),
        lambda: client.write_point(measurement, {"v": 1}),
        lambda: client.write({"points": [{"fields": {"v": 1}}], "measurement": measurement}),
        lambda: client.write_points(iter([{"measurement": measurement, "fields": {"v": 1}}]),
                                    batch_size=1),
    ]
    for write in writes:
        with pytest.raises(InfluxDBInvalidPointError, match="InfluxQL cannot quote") as info:
            write()
        assert str(info.value).endswith(message)
    with pytest.raises(InfluxDBInvalidPointError) as info:
        Point(measurement)
    assert str(info.value) == f"{message} (measurement {measurement!r})"
    frame = pd.DataFrame({"v": [1.0]}, index=pd.to_datetime([0], utc=True))
    with pytest.raises(InfluxDBInvalidPointError) as info:
        DataFrameClient(database="db").write_points(frame, measurement)
    assert str(info.value).endswith(message)
    assert http.call_count == 0
    # ... as drop_measurement refuses to name it
    with pytest.raises(InfluxDBClientError, match="InfluxQL cannot represent"):
        client.drop_measurement(measurement)
    assert http.call_count == 0


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


def test_udp_refuses_it_and_sends_nothing(receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    with InfluxDBClient("127.0.0.1", use_udp=True, udp_port=port) as client:
        for measurement, what in UNNAMEABLE:
            with pytest.raises(InfluxDBInvalidPointError) as info:
                client.send_packet({"points": [{"measurement": "ok", "fields": {"v": 1}},
                                               {"measurement": measurement,
                                                "fields": {"v": 1}}]})
            assert str(info.value).endswith(_message(measurement, what))
            with pytest.raises(InfluxDBInvalidPointError):
                client.write_points([{"measurement": measurement, "fields": {"v": 1}}])
        client.send_packet({"points": [{"measurement": "after", "fields": {"v": 2}}]})
    assert receiver.recvfrom(70000)[0] == b"after v=2i\n"  # the first datagram of all


NANS = [float("nan"), np.nan, np.float64("nan"), np.float32("nan"), Decimal("NaN")]


@needs_c
@pytest.mark.parametrize("nan", NANS, ids=repr)
def test_nan_tags_are_left_out_by_the_c_encoder_too(monkeypatch: pytest.MonkeyPatch,
                                                    nan: Any) -> None:
    points = [{"measurement": "m", "tags": {"host": "a", "rack": nan}, "fields": {"v": i},
               "time": i} for i in range(3)]
    points.append({"measurement": "m", "tags": {"dc": "own"}, "fields": {"v": 3}})
    expected = ["m,dc=x,host=a v=0i 0", "m,dc=x,host=a v=1i 1", "m,dc=x,host=a v=2i 2",
                "m,dc=own v=3i"]
    static = {"dc": "x", "zone": nan}
    with monkeypatch.context() as patch:
        patch.setattr(line_protocol, "_encode_points", line_protocol._encode_points_py)
        assert line_protocol._encode(points, static, None, None) == expected
    handed: list[int] = []
    real = line_protocol._encode_into

    def counting(batch: Any, *args: Any) -> None:
        handed.append(len(batch))
        real(batch, *args)

    monkeypatch.setattr(line_protocol, "_encode_into", counting)
    assert line_protocol._encode(points, static, None, None) == expected
    assert line_protocol._encode_body(points, static, None, None) == (
        "\n".join(expected) + "\n").encode()
    # A NaN in the envelope is dropped once per batch, so these points keep a cacheable
    # shape and C writes them; a NaN in a point's own tags sends that point to Python.
    assert sum(handed) == 2 * 3


def test_the_clients_default_tags_leave_nan_out(http: requests_mock.Mocker) -> None:
    client = InfluxDBClient(database="db", default_tags={"region": float("nan"), "dc": "x"})
    client.write_points([{"measurement": "m", "fields": {"v": 1}, "time": 1}],
                        tags={"zone": np.float32("nan")})
    assert http.last_request.body == b"m,dc=x v=1i 1\n"
