"""0.8 UDP writes, received by a real socket bound on 127.0.0.1."""

from __future__ import annotations

import json
import socket

import pytest

from influxdb08 import InfluxDBClient
from tests.influxdb08._server import Stub08Server

SERIES = [{"name": "cpu", "columns": ["time", "value"], "points": [[1400000000, 0.5]]}]


def _port(sock: socket.socket) -> int:
    port: int = sock.getsockname()[1]
    return port


def test_use_udp_opens_an_ipv4_datagram_socket() -> None:
    with InfluxDBClient(use_udp=True, udp_port=4444) as client:
        assert client.udp_socket.family == socket.AF_INET
        assert client.udp_socket.type == socket.SOCK_DGRAM
    assert not hasattr(client, "udp_socket")  # close() released it


def test_write_points_over_udp(udp_listener: socket.socket, server08: Stub08Server) -> None:
    with InfluxDBClient(
        server08.host,
        server08.port,
        "root",
        "root",
        "db",
        use_udp=True,
        udp_port=_port(udp_listener),
    ) as client:
        assert client.write_points(SERIES) is True
    packet, _ = udp_listener.recvfrom(65535)
    assert packet == json.dumps(SERIES).encode("utf-8")
    assert server08.requests == []  # nothing went over HTTP


def test_write_points_over_udp_in_batches(udp_listener: socket.socket) -> None:
    data = [{"name": "m", "columns": ["v"], "points": [[1], [2], [3]]}]
    with InfluxDBClient("127.0.0.1", use_udp=True, udp_port=_port(udp_listener)) as client:
        assert client.write_points(data, batch_size=2) is True
    packets = [json.loads(udp_listener.recvfrom(65535)[0]) for _ in range(2)]
    assert packets == [
        [{"points": [[1], [2]], "name": "m", "columns": ["v"]}],
        [{"points": [[3]], "name": "m", "columns": ["v"]}],
    ]


@pytest.mark.parametrize("precision", ["m", "ms", "u"])
def test_udp_needs_seconds(precision: str) -> None:
    with InfluxDBClient("127.0.0.1", use_udp=True, udp_port=9) as client:
        with pytest.raises(ValueError) as info:
            client.write_points(SERIES, time_precision=precision)
    assert str(info.value) == "InfluxDB only supports seconds precision for udp writes"


def test_send_packet(udp_listener: socket.socket) -> None:
    with InfluxDBClient("127.0.0.1", use_udp=True, udp_port=str(_port(udp_listener))) as client:
        client.send_packet({"text": "é", "n": [1, 2]})
    assert udp_listener.recvfrom(65535)[0] == b'{"text": "\\u00e9", "n": [1, 2]}'


def test_send_packet_without_use_udp(udp_listener: socket.socket) -> None:
    # 5.3.2 failed with AttributeError; the socket is opened on first use.
    with InfluxDBClient("127.0.0.1", udp_port=_port(udp_listener)) as client:
        client.send_packet(SERIES)
        assert isinstance(client.udp_socket, socket.socket)
    assert json.loads(udp_listener.recvfrom(65535)[0]) == SERIES


def test_udp_over_ipv6_literal() -> None:
    listener = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        listener.bind(("::1", 0))
    except OSError:
        listener.close()
        pytest.fail("IPv6 loopback is not available on this machine")
    listener.settimeout(5)
    with listener, InfluxDBClient("::1", use_udp=True, udp_port=_port(listener)) as client:
        assert client.udp_socket.family == socket.AF_INET6
        client.write_points(SERIES)
        assert json.loads(listener.recvfrom(65535)[0]) == SERIES
