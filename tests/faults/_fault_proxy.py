"""A loopback TCP proxy in front of a real influxd that injects transport and HTTP faults.

The one fault proxy of the test suites (the fault suite, and the writer tests in
``tests/integration``).  It works on raw sockets, so every fault is real at the TCP level:
it can refuse connections on its port for a while and cut a request body in the middle.

======================  ==================================================================
``Fault.RESET``         the connection is reset (RST) when a request arrives
``Fault.HANGUP``        the connection is closed without an answer (new connections are
                        accepted and closed at once while the fault lasts)
``Fault.DELAY``         the request is forwarded, its answer held back ``delay`` seconds
                        (past the client's timeout: the server *did* store the points)
``Fault.STATUS``        answered ``status`` (500/502/503/429, ``Retry-After`` optional)
                        without asking the server
``Fault.TRUNCATE``      half of the request body is forwarded, then both connections are
                        cut (the server sees a truncated body and stores nothing)
``Fault.REFUSE``        the listening socket is closed and open connections cut: new
                        connections are refused by the kernel until the fault ends
``Fault.CUT_ANSWER``    the request is forwarded and the answer cut after its head and
                        half its body (a server dying while it answers); an answer without
                        a body (a write's 204) is not relayed at all: the points are
                        stored, the client cannot know
======================  ==================================================================

A fault is armed with :meth:`FaultProxy.arm`: it starts at the ``after``-th request whose
path starts with one of ``paths`` (0-based, counted from arming) and lasts ``duration``
seconds from then (``None``: until :meth:`heal`).  :meth:`FaultProxy.script` queues one
fault per request instead (:class:`Once`), applied in order to the next matching requests
before any armed fault.  Other requests are forwarded untouched, byte for byte (chunked
answers are streamed).  :meth:`FaultProxy.counts` says what each request got.  Only
127.0.0.1 is used.

Usage::

    with FaultProxy(influxd.host, influxd.http_port) as proxy:
        client = InfluxDBClient('127.0.0.1', proxy.port, database='db')
        proxy.script(Once(Fault.STATUS, status=503, retry_after='1'), Once(Fault.HANGUP))
        ...  # ten /write requests, two of them retries
        assert proxy.counts() == {'status': 1, 'hangup': 1, 'forward': 8}
        proxy.arm(Fault.STATUS, duration=2.0, status=500)  # every /write: 500 for 2 s
"""

from __future__ import annotations

import enum
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Optional

from tests.faults._wire import Closed, Reader, parse_head, reset, shut

__all__ = ["Fault", "FaultProxy", "Once"]

_BODY = b'{"error":"injected by the fault proxy"}'


class Fault(enum.Enum):
    RESET = "reset"
    HANGUP = "hangup"
    DELAY = "delay"
    STATUS = "status"
    TRUNCATE = "truncate"
    REFUSE = "refuse"
    CUT_ANSWER = "cut-answer"


@dataclass(frozen=True)
class Once:
    """One fault for one request, queued with :meth:`FaultProxy.script`.

    ``status``, ``retry_after`` and ``body`` shape a ``Fault.STATUS`` answer; ``delay`` is
    how long a ``Fault.DELAY`` holds the answer back.  ``Fault.REFUSE`` lasts a while by
    nature: arm it with :meth:`FaultProxy.arm` instead.
    """

    kind: Fault
    status: int = 503
    retry_after: Optional[str] = None
    delay: float = 2.0
    body: bytes = _BODY


@dataclass(frozen=True)
class _Armed:
    kind: Fault
    after: int
    duration: Optional[float]
    paths: tuple[str, ...]
    status: int
    retry_after: Optional[str]
    delay: float
    body: bytes


class FaultProxy:
    """Forward ``127.0.0.1:<port>`` to ``upstream``, injecting the armed fault.

    :param upstream_host: the server's address (loopback)
    :param upstream_port: the server's HTTP port

    :ivar injected: how many requests (or connections) got each fault
    :ivar forwarded: requests forwarded, per path
    :ivar log: ``(method, path, what)`` of every request, ``what`` a fault's value or
        ``'forward'`` (see :meth:`counts`)
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._lock = threading.Lock()
        self._armed: Optional[_Armed] = None
        self._script: deque[_Armed] = deque()
        self._seen = 0
        self._active_since: Optional[float] = None
        self._connections: set[socket.socket] = set()
        self._closed = False
        self.injected: Counter[str] = Counter()
        self.forwarded: Counter[str] = Counter()
        self.log: list[tuple[str, str, str]] = []
        self._listener: Optional[socket.socket] = self._listen(0)
        self.port = int(self._listener.getsockname()[1])
        self._reopen_timer: Optional[threading.Timer] = None
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name=f"fault-proxy-{self.port}")

    @staticmethod
    def _listen(port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
        listener.settimeout(0.05)
        return listener

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._closed = True
            listener, self._listener = self._listener, None
            if self._reopen_timer is not None:
                self._reopen_timer.cancel()
        if listener is not None:
            listener.close()
        self._kill_connections()
        self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scripting -------------------------------------------------------------------------
    def arm(self, kind: Fault, *, after: int = 0, duration: Optional[float] = None,
            paths: tuple[str, ...] = ("/write",), status: int = 503,
            retry_after: Optional[str] = None, delay: float = 2.0,
            body: bytes = _BODY) -> None:
        """Inject ``kind`` from the ``after``-th matching request on, for ``duration`` s
        (``status``, ``retry_after`` and ``body`` shape a ``Fault.STATUS`` answer)."""
        with self._lock:
            self._armed = _Armed(kind, after, duration, paths, status, retry_after, delay,
                                 body)
            self._seen = 0
            self._active_since = None

    def script(self, *steps: Once, paths: tuple[str, ...] = ("/write",)) -> None:
        """Apply these faults, one each and in order, to the next requests whose path starts
        with one of ``paths`` (before any armed fault)."""
        for step in steps:
            if step.kind is Fault.REFUSE:
                raise ValueError("Fault.REFUSE lasts a while: arm() it with a duration")
        with self._lock:
            self._script.extend(_Armed(step.kind, 0, None, paths, step.status,
                                       step.retry_after, step.delay, step.body)
                                for step in steps)

    def heal(self) -> None:
        """Stop injecting, forget the script; reopen the port if it was refusing."""
        with self._lock:
            self._armed = None
            self._active_since = None
            self._script.clear()
        self._reopen()

    def counts(self, path: str = "/write") -> Counter[str]:
        """What the requests to ``path`` (query string aside) got: a fault's value
        (``'status'``, ``'hangup'``...) or ``'forward'``, with how many requests got it."""
        with self._lock:
            return Counter(what for _, p, what in self.log if p == path)

    def _active(self, now: float) -> Optional[_Armed]:
        armed = self._armed
        if armed is None or self._active_since is None:
            return None
        if armed.duration is not None and now - self._active_since >= armed.duration:
            return None
        return armed

    def _decide(self, method: str, path: str) -> Optional[_Armed]:
        """The fault for this request, or ``None`` to forward it; logged."""
        with self._lock:
            fault = self._decide_locked(path)
            what = "forward" if fault is None else fault.kind.value
            self.log.append((method, path.split("?", 1)[0], what))
            return fault

    def _decide_locked(self, path: str) -> Optional[_Armed]:
        if self._script and path.startswith(self._script[0].paths):
            step = self._script.popleft()
            self.injected[step.kind.value] += 1
            return step
        armed = self._armed
        if armed is None or not path.startswith(armed.paths):
            return None
        if self._active_since is None:
            if self._seen < armed.after:
                self._seen += 1
                return None
            self._active_since = time.monotonic()
        self._seen += 1
        active = self._active(time.monotonic())
        if active is not None:
            self.injected[active.kind.value] += 1
        return active

    # -- accepting -------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                listener = self._listener
            if listener is None:
                time.sleep(0.01)
                continue
            try:
                conn, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(None)
            with self._lock:
                active = self._active(time.monotonic())
                if active is not None and active.kind in (Fault.HANGUP, Fault.RESET):
                    self.injected[active.kind.value + "-on-accept"] += 1
                else:
                    active = None
                    self._connections.add(conn)
            if active is not None:
                if active.kind is Fault.RESET:
                    reset(conn)
                else:
                    shut(conn)
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _refuse(self, duration: Optional[float]) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            if duration is not None and not self._closed:
                self._reopen_timer = threading.Timer(duration, self._reopen)
                self._reopen_timer.daemon = True
                self._reopen_timer.start()
        if listener is not None:
            listener.close()
        self._kill_connections()

    def _reopen(self) -> None:
        with self._lock:
            if self._listener is not None or self._closed:
                return
            deadline = time.monotonic() + 5
            while True:
                try:
                    self._listener = self._listen(self.port)
                    return
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)

    def _kill_connections(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, set()
        for conn in connections:
            reset(conn)

    # -- one client connection -------------------------------------------------------------
    def _serve(self, client: socket.socket) -> None:
        upstream: Optional[socket.socket] = None
        reader = Reader(client)
        try:
            while True:
                head = reader.head()
                request_line, headers = parse_head(head)
                method, path = request_line.split(" ")[:2]
                if "chunked" in headers.get("transfer-encoding", ""):
                    raise AssertionError("chunked request bodies are not supported")
                length = int(headers.get("content-length") or 0)
                fault = self._decide(method, path)
                if fault is None or fault.kind in (Fault.DELAY, Fault.CUT_ANSWER):
                    body = reader.exactly(length)
                    upstream = self._forward(client, upstream, head + body, method, path,
                                             fault)
                    continue
                if fault.kind is Fault.RESET:
                    reset(client)
                elif fault.kind is Fault.HANGUP:
                    shut(client)
                elif fault.kind is Fault.STATUS:
                    reader.exactly(length)
                    self._answer(client, fault)
                    shut(client)
                elif fault.kind is Fault.TRUNCATE:
                    half = reader.exactly(length // 2)
                    cut = socket.create_connection(self.upstream, timeout=10)
                    cut.sendall(head + half)
                    reset(cut)
                    reset(client)
                elif fault.kind is Fault.REFUSE:
                    self._refuse(fault.duration)
                    reset(client)
                return
        except (Closed, OSError):
            pass
        finally:
            with self._lock:
                self._connections.discard(client)
            shut(client)
            shut(upstream)

    @staticmethod
    def _half_body(reader: Reader, headers: dict[str, str]) -> bytes:
        if "content-length" in headers:
            return reader.exactly(int(headers["content-length"]) // 2)
        first = reader.some()  # chunked: what arrived first, cut in the middle
        return first[:max(1, len(first) // 2)]

    @staticmethod
    def _answer(client: socket.socket, fault: _Armed) -> None:
        body = fault.body
        reason = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error",
                  502: "Bad Gateway", 503: "Service Unavailable"}.get(fault.status, "Error")
        lines = [f"HTTP/1.1 {fault.status} {reason}", "Content-Type: application/json",
                 f"Content-Length: {len(body)}", "Connection: close"]
        if fault.retry_after is not None:
            lines.append(f"Retry-After: {fault.retry_after}")
        client.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def _forward(self, client: socket.socket, upstream: Optional[socket.socket],
                 request: bytes, method: str, path: str,
                 fault: Optional[_Armed]) -> socket.socket:
        """Send one request upstream and relay its answer; returns the upstream socket."""
        for attempt in (1, 2):
            if upstream is None:
                upstream = socket.create_connection(self.upstream, timeout=60)
                with self._lock:
                    self._connections.add(upstream)
            try:
                upstream.sendall(request)
                reader = Reader(upstream)
                head = reader.head()
                break
            except (Closed, OSError):
                # An idle keep-alive connection the server closed: once more, fresh.
                shut(upstream)
                upstream = None
                if attempt == 2:
                    raise
        with self._lock:
            self.forwarded[path.split("?", 1)[0]] += 1
        if fault is not None and fault.kind is Fault.DELAY:
            time.sleep(fault.delay)
        status_line, headers = parse_head(head)
        status = int(status_line.split(" ")[1])
        bodiless = method == "HEAD" or status in (204, 304) or 100 <= status < 200
        if fault is not None and fault.kind is Fault.CUT_ANSWER:
            if not bodiless:  # a bodiless answer (a write's 204) is lost whole
                client.sendall(head + self._half_body(reader, headers))
            raise Closed()
        client.sendall(head)
        if bodiless:
            pass
        elif "chunked" in headers.get("transfer-encoding", ""):
            while True:
                size_line = reader.line()
                client.sendall(size_line)
                size = int(size_line.split(b";")[0].strip(), 16)
                client.sendall(reader.exactly(size + 2))
                if size == 0:
                    break
        elif "content-length" in headers:
            client.sendall(reader.exactly(int(headers["content-length"])))
        else:  # read to the end
            try:
                while True:
                    client.sendall(reader.some())
            except Closed:
                pass
            raise Closed()
        if headers.get("connection", "").lower() == "close":
            raise Closed()
        return upstream  # type: ignore[return-value]
