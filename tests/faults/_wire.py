"""Raw HTTP/1.1 on sockets for the fault proxy: reading heads and bodies, hanging up.

Only what a proxy that must cut, reset and hold back at the TCP level needs; no parsing
beyond the request or status line and the headers.
"""

from __future__ import annotations

import socket
import struct
from typing import Optional

__all__ = ["Closed", "Reader", "parse_head", "reset", "shut"]


class Closed(Exception):
    """The peer closed its side."""


def reset(sock: socket.socket) -> None:
    """Close ``sock`` with a TCP RST (``SO_LINGER`` 0) rather than a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def shut(sock: Optional[socket.socket]) -> None:
    """Shut both directions of ``sock`` (a FIN) and close it; ``None`` is ignored."""
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class Reader:
    """Buffered reads from a socket: HTTP heads, exact lengths, lines."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.buffer += data

    def head(self) -> bytes:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        return head + b"\r\n\r\n"

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line + b"\r\n"

    def some(self) -> bytes:
        if not self.buffer:
            self._fill()
        data, self.buffer = self.buffer, b""
        return data


def parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    """The first line of an HTTP head and its headers (names lower-cased)."""
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    return lines[0], headers
