"""The UDP transport: line protocol sent to InfluxDB's UDP listener in datagrams of whole
lines, fire and forget (:class:`UDPSender`).

:class:`~influxdb.client.InfluxDBClient` made with ``use_udp=True`` writes through it (the
batching writer too, through the client); no answer comes back, so the core has nothing to
read.
"""

from __future__ import annotations

import socket
from bisect import bisect_right as _bisect_right
from itertools import accumulate as _accumulate
from typing import Any, Optional

from influxdb._core.lines import split_lines
from influxdb.exceptions import InfluxDBInvalidPointError

_PLUS_ONE = (1).__add__  # a line's length and its new line


class UDPSender:
    """Fire-and-forget line protocol over UDP, IPv4 or IPv6.

    A payload larger than one datagram is split between lines, never inside one (a string
    field value may hold a raw new line); a single line that does not fit is refused with
    :class:`~influxdb.exceptions.InfluxDBInvalidPointError` before anything of the payload
    is sent.

    :param host: the server's host name or address
    :param port: the UDP listener's port
    :param max_datagram: the largest datagram sent, bytes (InfluxDB reads 64 KiB at most)
    """

    def __init__(self, host: str, port: int, max_datagram: int = 64000) -> None:
        self.host = host
        self.port = port
        self.max_datagram = max_datagram
        family, address = self._resolve(host, port)
        self.address = address
        self.socket = socket.socket(family, socket.SOCK_DGRAM)

    @staticmethod
    def _resolve(host: str, port: int) -> tuple[int, Any]:
        bare = host.strip("[]")
        try:
            infos = socket.getaddrinfo(bare, port, 0, socket.SOCK_DGRAM)
        except socket.gaierror:
            # Resolution may fail now and work later (DNS); keep 5.3.2's IPv4 socket and let
            # sendto() resolve at send time.
            return socket.AF_INET, (bare, port)
        # Prefer IPv4, as 5.3.2 did ('localhost' resolving to ::1 first must still reach an
        # IPv4 listener); IPv6-only names and literals get an IPv6 socket.
        infos.sort(key=lambda info: 0 if info[0] == socket.AF_INET else 1)
        family, _, _, _, address = infos[0]
        return family, address

    def datagrams(self, payload: bytes, expected: Optional[int] = None) -> list[bytes]:
        """Split ``payload`` (lines of line protocol) into datagrams of whole lines.

        influxd parses each datagram on its own and drops all of it when one line does not
        parse, so a cut inside a line loses every point of two datagrams.  The lines are
        found by the batching writer's splitter (:func:`~influxdb._core.lines.split_lines`,
        the one line splitter of the package): a new line inside a quoted string field
        value belongs to its line (line protocol reference: string field values escape
        only ``"`` and ``\\``, a raw new line is kept as it is).

        :param payload: the lines, each ending with a new line
        :param expected: how many lines the payload holds, when the caller knows (without
            the C extension, the split is then a plain one when the new lines say the same;
            the C split is quicker than that check)
        :returns: the payload itself when it fits in one datagram, else datagrams whose
            concatenation holds the same lines in the same order
        :raises InfluxDBInvalidPointError: a line longer than ``max_datagram`` (naming its
            number in the payload, its size and its start), before anything is sent
        """
        limit = self.max_datagram
        if len(payload) <= limit:
            return [payload]
        lines = split_lines(payload, expected)
        if not lines:
            return []
        # Where each line ends (its new line counted) in the datagrams' concatenation: the
        # cuts are found by bisection, with no Python step per line (100,000 lines: about
        # 10 ms instead of 40).
        ends = list(_accumulate(map(_PLUS_ONE, map(len, lines))))
        if max(map(len, lines)) + 1 > limit:
            number, line = next((number, line) for number, line in enumerate(lines, 1)
                                if len(line) + 1 > limit)
            raise InfluxDBInvalidPointError(
                f"line {number} of the payload ({len(line) + 1} bytes) does not fit in one "
                f"UDP datagram (max {limit} bytes); nothing was sent: {line[:80]!r}..."
            )
        out: list[bytes] = []
        first, sent = 0, 0
        while first < len(lines):
            stop = _bisect_right(ends, sent + limit, first)  # as many whole lines as fit
            out.append(b"\n".join(lines[first:stop]) + b"\n")
            first, sent = stop, ends[stop - 1]
        return out

    def send(self, payload: bytes, expected: Optional[int] = None) -> None:
        """Send ``payload`` as one datagram, or several of whole lines (:meth:`datagrams`).

        :param payload: the lines, each ending with a new line
        :param expected: how many lines it holds, if known (see :meth:`datagrams`)
        :raises InfluxDBInvalidPointError: a line too long for a datagram, before sending
        """
        for datagram in self.datagrams(payload, expected):
            self.socket.sendto(datagram, self.address)

    def close(self) -> None:
        self.socket.close()
