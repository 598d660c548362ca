"""UDP writes received by real sockets on loopback (IPv4 and IPv6), datagram splitting."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBInvalidPointError


@pytest.fixture(params=[(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")],
                ids=["ipv4", "ipv6"])
def receiver(request: pytest.FixtureRequest) -> Iterator[tuple[str, socket.socket]]:
    family, host = request.param
    sock = socket.socket(family, socket.SOCK_DGRAM)
    # Room for the whole split batch: a full receive buffer silently drops datagrams.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((host, 0))
    sock.settimeout(5)
    yield host, sock
    sock.close()


def receive(sock: socket.socket, count: int) -> list[bytes]:
    return [sock.recvfrom(70000)[0] for _ in range(count)]


def test_send_packet_json_and_line(receiver: tuple[str, socket.socket]) -> None:
    host, sock = receiver
    port = sock.getsockname()[1]
    with InfluxDBClient(host, use_udp=True, udp_port=port) as cli:
        assert cli.udp_socket.family == sock.family
        cli.send_packet({"tags": {"h": "a"}, "points": [
            {"measurement": "m", "fields": {"v": 1}, "time": 5}]})
        cli.send_packet("m v=2i 6", protocol="line")
        cli.send_packet(["m v=3i 7", "m v=4i 8"], protocol="line")
        cli.write_points([{"measurement": "w", "fields": {"x": 1.5}, "time": 9}],
                         time_precision="s")
    assert receive(sock, 4) == [b"m,h=a v=1i 5\n", b"m v=2i 6\n", b"m v=3i 7\nm v=4i 8\n",
                                b"w x=1.5 9\n"]


def test_large_batches_split_on_line_boundaries(receiver: tuple[str, socket.socket]) -> None:
    host, sock = receiver
    port = sock.getsockname()[1]
    lines = [f"m,k={'x' * 100} v={i}i {i}" for i in range(2000)]
    with InfluxDBClient(host, use_udp=True, udp_port=port) as cli:
        cli.write_points(lines, protocol="line")
    expected = ("\n".join(lines) + "\n").encode()
    datagrams = []
    sock.settimeout(0.5)
    while sum(map(len, datagrams)) < len(expected):
        datagrams.append(sock.recvfrom(70000)[0])
    assert len(datagrams) == 4
    assert all(len(d) <= 64000 and d.endswith(b"\n") for d in datagrams)
    assert b"".join(datagrams) == expected


def test_a_line_too_long_for_a_datagram_is_refused_before_sending(
        receiver: tuple[str, socket.socket]) -> None:
    host, sock = receiver
    port = sock.getsockname()[1]
    sock.settimeout(0.3)
    with InfluxDBClient(host, use_udp=True, udp_port=port) as cli:
        with pytest.raises(InfluxDBInvalidPointError, match="does not fit in one UDP datagram"):
            cli.write_points(["m v=1i 1", "m s=\"" + "y" * 70000 + "\" 2"] * 2,
                             protocol="line")
    with pytest.raises(socket.timeout):
        sock.recvfrom(70000)


def test_unknown_protocol_is_a_clear_error() -> None:
    with InfluxDBClient(use_udp=True) as cli:
        with pytest.raises(InfluxDBInvalidPointError, match="Invalid protocol 'xml'"):
            cli.send_packet("m v=1", protocol="xml")
