"""A loopback HTTP proxy that forwards to a real server, or fails requests as a test scripts.

Put it between a client and a private ``influxd`` to make the failures a retry policy must
survive happen on cue: connections dropped before or after the server saw the request,
connections reset, and answers such as ``503 Retry-After: 1``, ``500`` or ``429``.

Usage::

    with ChaosProxy(influxd.host, influxd.http_port) as proxy:
        client = InfluxDBClient('127.0.0.1', proxy.port, database='db')
        proxy.script(Fail(503, retry_after=1), Drop(), Forward())   # the next three /write
        proxy.fail_for(2.0, Fail(500))                               # every /write for 2 s
        ...
        assert proxy.count('Fail') == 1

Actions apply to requests whose path starts with one of ``paths`` (``/write`` by default);
other requests (queries, pings) are always forwarded.  Only loopback addresses are used.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional, Union

__all__ = ["ChaosProxy", "Delay", "Drop", "Fail", "Forward", "ForwardThenDrop", "Reset"]

_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length",
                         "proxy-connection", "te", "trailer", "upgrade"})


@dataclass(frozen=True)
class Forward:
    """Send the request to the server and relay its answer."""


@dataclass(frozen=True)
class Fail:
    """Answer ``status`` without asking the server."""

    status: int = 503
    retry_after: Optional[Union[int, str]] = None
    body: bytes = b'{"error":"chaos proxy"}'
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Drop:
    """Close the connection without answering (the server never sees the request)."""


@dataclass(frozen=True)
class Reset:
    """Reset the connection (TCP RST) without answering."""


@dataclass(frozen=True)
class ForwardThenDrop:
    """Let the server handle the request, then close the connection without relaying the
    answer: the client cannot know that its points were stored."""


@dataclass(frozen=True)
class Delay:
    """Wait, then forward."""

    seconds: float = 1.0


Action = Union[Forward, Fail, Drop, Reset, ForwardThenDrop, Delay]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    _conn: Optional[http.client.HTTPConnection] = None

    def _upstream(self) -> http.client.HTTPConnection:
        conn = self._conn
        if conn is None:
            conn = http.client.HTTPConnection(self.server.proxy.upstream_host,
                                              self.server.proxy.upstream_port, timeout=60)
            self._conn = conn
        return conn

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        action = self.server.proxy._next_action(self.command, self.path)
        if isinstance(action, Delay):
            time.sleep(action.seconds)
        if isinstance(action, Fail):
            self.send_response(action.status)
            answer_headers = {"Content-Type": "application/json", **action.headers}
            if action.retry_after is not None:
                answer_headers["Retry-After"] = str(action.retry_after)
            for key, value in answer_headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(action.body)))
            self.end_headers()
            self.wfile.write(action.body)
            return
        if isinstance(action, (Drop, Reset)):
            self._hang_up(reset=isinstance(action, Reset))
            return
        status, reason, upstream_headers, content = self._forward(body)
        if isinstance(action, ForwardThenDrop):
            self._hang_up(reset=False)
            return
        self.send_response(status, reason)
        for key, value in upstream_headers:
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _forward(self, body: Optional[bytes]) -> tuple[int, str, list[tuple[str, str]], bytes]:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        for attempt in (1, 2):
            conn = self._upstream()
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response.reason, response.getheaders(), response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                # The server may have closed an idle keep-alive connection; retry once on a
                # fresh one, then pass the failure on as a dropped connection.
                conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _hang_up(self, reset: bool) -> None:
        self.close_connection = True
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        else:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._safely()

    def do_POST(self) -> None:  # noqa: N802
        self._safely()

    def _safely(self) -> None:
        try:
            self._handle()
        except (ConnectionError, http.client.HTTPException, OSError):
            self._hang_up(reset=False)

    def finish(self) -> None:
        if self._conn is not None:
            self._conn.close()
        super().finish()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    proxy: ChaosProxy


class ChaosProxy:
    """Forward ``127.0.0.1:<port>`` to ``upstream_host:upstream_port``, failing on cue.

    :param upstream_host: the real server's address (loopback)
    :param upstream_port: the real server's HTTP port
    :param paths: path prefixes the scripted actions apply to
    """

    def __init__(self, upstream_host: str, upstream_port: int,
                 paths: tuple[str, ...] = ("/write",)) -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.paths = paths
        self._lock = threading.Lock()
        self._script: deque[Action] = deque()
        self._until = 0.0
        self._timed: Action = Forward()
        self.default: Action = Forward()
        self.log: list[tuple[str, str, str]] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChaosProxy:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name=f"chaos-proxy-{self.port}")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> ChaosProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------------
    def script(self, *actions: Action) -> None:
        """Apply these actions, in order, to the next matching requests."""
        with self._lock:
            self._script.extend(actions)

    def fail_for(self, seconds: float, action: Action) -> None:
        """Apply ``action`` to every matching request for ``seconds`` (after the script)."""
        with self._lock:
            self._until = time.monotonic() + seconds
            self._timed = action

    def heal(self) -> None:
        """Forget the script and any timed failure: forward everything."""
        with self._lock:
            self._script.clear()
            self._until = 0.0
            self.default = Forward()

    def _next_action(self, method: str, path: str) -> Action:
        with self._lock:
            if not path.startswith(self.paths):
                action: Action = Forward()
            elif self._script:
                action = self._script.popleft()
            elif time.monotonic() < self._until:
                action = self._timed
            else:
                action = self.default
            self.log.append((method, path.split("?", 1)[0], type(action).__name__))
        return action

    def count(self, action_name: str, path: str = "/write") -> int:
        """How many requests to ``path`` got the action named ``action_name``."""
        with self._lock:
            return sum(1 for _, p, a in self.log if a == action_name and p == path)

    def counts(self, path: str = "/write") -> Counter[str]:
        with self._lock:
            return Counter(a for _, p, a in self.log if p == path)

    def pending_script(self) -> int:
        with self._lock:
            return len(self._script)
