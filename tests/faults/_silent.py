"""Loopback endpoints that misbehave on purpose: a server that accepts connections, reads
every request and never answers, and a port where connections are refused.

Usage::

    with SilentServer() as silent:
        client = InfluxDBClient('127.0.0.1', silent.port, database='db')
        ...  # every request waits for an answer that never comes
        assert silent.requests() == 3
"""

from __future__ import annotations

import socket
import threading
from typing import Optional

from tests._influxd import free_port

__all__ = ["SilentServer", "refused_port"]


def refused_port() -> int:
    """A loopback port nobody listens on: connecting is refused at once."""
    return free_port()


class SilentServer:
    """Accepts, reads, never answers (a hung server, or a black hole behind a proxy)."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._requests = 0
        self._stopped = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> SilentServer:
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)
        self._thread.start()
        return self

    def requests(self) -> int:
        """Request heads received so far (attempts of the client)."""
        with self._lock:
            return self._requests

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            heads = data.count(b"POST /") + data.count(b"GET /")
            with self._lock:
                self._requests += heads

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> SilentServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
