"""UDP writes received by real sockets on loopback (IPv4 and IPv6), datagram splitting."""

from __future__ import annotations

import socket
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# -- splitting between lines, never inside one ------------------------------------------------
# influxd parses each datagram on its own and drops all of it when a line does not parse; a
# string field value may hold a raw new line (line protocol reference), so a cut at any new
# line loses the points of two datagrams.  Each datagram must parse alone, as the server
# reads it (tests/_lp_parser follows influxd's parser).

T0 = 1_700_000_000_000_000_000  # ns
STRINGS = ["a\nb", "a\rb", "a\r\nb", "\n", "\n\n\n", "x\\\"\ny", "ends in a backslash \\",
           "\"\n\"", "m v=1i 5\nm v=2i 6", "plain"]


def _points(count: int, value: str) -> list[dict[str, object]]:
    return [{"measurement": 'q"m', "tags": {"t": '"quoted', "n": f"{i:05d}"},
             "fields": {"s": value, "i": i}, "time": i} for i in range(count)]


def _body(points: list[dict[str, object]]) -> bytes:
    from influxdb.line_protocol import make_lines

    return make_lines({"points": points}).encode()


def _assert_whole_lines(datagrams: list[bytes], payload: bytes, limit: int) -> None:
    from tests._lp_parser import parse

    assert b"".join(datagrams) == payload
    assert all(len(d) <= limit and d.endswith(b"\n") for d in datagrams)
    parsed = [point for d in datagrams for point in parse(d.decode())]
    assert parsed == parse(payload.decode())


@pytest.mark.parametrize("value", STRINGS, ids=repr)
@pytest.mark.parametrize("limit", [120, 121, 122, 123, 250, 1000])
def test_datagrams_are_cut_between_lines_only(value: str, limit: int) -> None:
    from influxdb._transports.udp import UDPSender

    payload = _body(_points(60, value))
    sender = UDPSender("127.0.0.1", 9, max_datagram=limit)
    try:
        datagrams = sender.datagrams(payload)
        assert len(datagrams) > 1
        _assert_whole_lines(datagrams, payload, limit)
        # Told how many lines there are, the answer is the same.
        assert sender.datagrams(payload, expected=60) == datagrams
    finally:
        sender.close()


def test_datagrams_cut_strings_with_new_lines_at_the_64000_byte_limit() -> None:
    # The shape that lost every point before: 1,500 points, 82,890 bytes, two datagrams,
    # and the cut fell inside "a\nb", so influxd dropped both.
    from influxdb._transports.udp import UDPSender

    points = [{"measurement": "udp_nl", "tags": {"n": f"{i:010d}"},
               "fields": {"s": "a\nb", "i": i}, "time": T0 + i} for i in range(1500)]
    payload = _body(points)
    sender = UDPSender("127.0.0.1", 9)
    try:
        datagrams = sender.datagrams(payload)
    finally:
        sender.close()
    assert (len(payload), [len(d) for d in datagrams]) == (82_890, [63_962, 18_928])
    _assert_whole_lines(datagrams, payload, 64_000)


def test_a_payload_that_fits_is_sent_as_it_is() -> None:
    from influxdb._transports.udp import UDPSender

    sender = UDPSender("127.0.0.1", 9, max_datagram=100)
    try:
        assert sender.datagrams(b'm s="a\nb" 1\n\nno newline at the end') == [
            b'm s="a\nb" 1\n\nno newline at the end']
    finally:
        sender.close()


def test_a_line_of_exactly_the_limit_fits_alone() -> None:
    from influxdb._transports.udp import UDPSender

    line = b'm s="' + b"x" * 90 + b'" 1'
    sender = UDPSender("127.0.0.1", 9, max_datagram=len(line) + 1)
    try:
        assert sender.datagrams(b"m v=1i 1\n" + line + b"\n" + b"m v=2i 2\n") == [
            b"m v=1i 1\n", line + b"\n", b"m v=2i 2\n"]
    finally:
        sender.close()


def test_the_error_for_a_long_line_names_it() -> None:
    from influxdb._transports.udp import UDPSender

    sender = UDPSender("127.0.0.1", 9, max_datagram=100)
    try:
        with pytest.raises(InfluxDBInvalidPointError) as info:
            sender.datagrams(b'm v=1i 1\nm s="a\n' + b"y" * 120 + b'" 2\nm v=3i 3\n')
    finally:
        sender.close()
    assert str(info.value) == (
        "line 2 of the payload (131 bytes) does not fit in one UDP datagram (max 100 bytes); "
        "nothing was sent: b'm s=\"a\\n" + "y" * 73 + "'...")


def test_send_packet_with_new_lines_in_strings_arrives_in_datagrams_of_whole_points(
        receiver: tuple[str, socket.socket]) -> None:
    from tests._lp_parser import parse

    host, sock = receiver
    port = sock.getsockname()[1]
    points = [{"measurement": "udp_nl", "tags": {"n": f"{i:010d}"},
               "fields": {"s": "a\nb", "i": i}, "time": T0 + i} for i in range(1500)]
    with InfluxDBClient(host, use_udp=True, udp_port=port) as cli:
        cli.send_packet({"points": points})
    datagrams = receive(sock, 2)
    received = [p for d in datagrams for p in parse(d.decode())]
    assert [(p.fields["i"], p.fields["s"]) for p in received] == [(i, "a\nb") for i in range(1500)]


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.text(alphabet='ab \n\r"\\=,', max_size=12), min_size=1, max_size=40),
       slack=st.integers(min_value=0, max_value=300))
def test_any_string_values_are_never_cut(values: list[str], slack: int) -> None:
    from influxdb._transports.udp import UDPSender
    from tests._lp_parser import split_lines

    points = [{"measurement": "m", "fields": {"s": v, "i": i}, "time": i}
              for i, v in enumerate(values)]
    payload = _body(points)
    longest = max(len(line.encode()) + 1 for line in split_lines(payload.decode()))
    sender = UDPSender("127.0.0.1", 9, max_datagram=longest + slack)
    try:
        _assert_whole_lines(sender.datagrams(payload), payload, longest + slack)
    finally:
        sender.close()


def test_the_batch_writer_tells_the_splitter_how_many_lines_a_batch_holds(
        receiver: tuple[str, socket.socket]) -> None:
    # Told the exact count, the splitter takes the plain path when the new lines agree (a
    # 9 MB body of string fields: 0.05 s instead of 0.45 s), and the quote-aware one when a
    # string holds a new line, as here.
    from tests._lp_parser import parse

    host, sock = receiver
    port = sock.getsockname()[1]
    told: list[Any] = []
    with InfluxDBClient(host, use_udp=True, udp_port=port) as cli:
        assert cli._udp is not None
        udp = cli._udp
        real_send = udp.send

        def send(body: bytes, expected: Any = None) -> None:
            told.append(expected)
            real_send(body, expected)

        udp.send = send  # type: ignore[method-assign]
        with cli.batch_writer(batch_size=3, flush_interval=None) as writer:
            writer.write([{"measurement": "m", "fields": {"s": "a\nb", "i": i}, "time": i}
                          for i in range(5)])
    assert told == [3, 2]
    received = [p for d in receive(sock, 2) for p in parse(d.decode())]
    assert [(p.fields["i"], p.fields["s"]) for p in received] == [(i, "a\nb") for i in range(5)]
